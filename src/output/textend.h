/*
 * textend.h: the text view's lines at a connection's end that read only
 * the model, in a file of their own (text.c stays under 600 lines).
 */
#ifndef TLSDUMP_OUTPUT_TEXTEND_H
#define TLSDUMP_OUTPUT_TEXTEND_H

#include <stdio.h>

#include "model.h"

/* The anomalies ev's summary lists that were not told as events (JSON's
 * connection line lists them all): "anomaly:" lines. */
void out_text_anomalies(FILE *out, const struct vm_event *ev);

/* "connection forgotten:" and why, when ev (a VM_CLOSE) forgot it. */
void out_text_forgotten(FILE *out, const struct vm_event *ev);

#endif
