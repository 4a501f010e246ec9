/*
 * pipeline.h: the wiring from the tcp stage through the record layer to the
 * views.  It owns each connection's record framers and hands every event
 * to every view in turn, as the view model's events (model.h).
 */
#ifndef TLSDUMP_PIPELINE_H
#define TLSDUMP_PIPELINE_H

#include "analysis.h"
#include "crypto.h"
#include "model.h"
#include "tcp.h"

#define MAX_VIEWS 4

struct pipeline;

/* keys may be NULL (no decryption); the pipeline borrows them and the
 * analyzer. */
struct pipeline *pipeline_new(struct crypto_keys *keys, struct an_analyzer *analyzer);
/* Adds a view (at most MAX_VIEWS); the pipeline closes it when freed.
 * Returns 0 when full. */
int pipeline_add_view(struct pipeline *p, struct view *v);
/* The tcp stage's callback; arg is the pipeline. */
void pipeline_tcp_event(void *arg, const struct tcp_event *ev);
/* Closes every view; returns 0 if any view's output failed. */
int pipeline_free(struct pipeline *p);

#endif
