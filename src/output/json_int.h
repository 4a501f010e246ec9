/*
 * json_int.h: what the JSON view's two files share: the event lines
 * (json.c) and the connection's summary line (json_conn.c).
 */
#ifndef TLSDUMP_OUTPUT_JSON_INT_H
#define TLSDUMP_OUTPUT_JSON_INT_H

#include "base/registry.h"
#include "jsonw.h"
#include "views.h"

static inline const char *side(enum dir d)
{
    return d == DIR_C2S ? "client" : "server";
}

/* The version of man/tlsdump.schema.json that the lines follow. */
#define OUT_JSON_SCHEMA 1

/* Opens a line's object: {"type":type,"schema":1 (the type first, as
 * before there was a schema, for whoever matches the start of a line). */
static inline void out_json_begin(struct out_jw *w, const char *type)
{
    out_jw_begin_object(w);
    out_jw_kstring(w, "type", type);
    out_jw_kuint(w, "schema", OUT_JSON_SCHEMA);
}

/* ... and a connection's line goes on with "id" and, with order
 * (--shard), "order":[frame,sub], the line's place (base/place.h), by
 * which contrib/merge-shards.py interleaves the shards' lines. */
static inline void out_json_begin_conn(struct out_jw *w, const char *type,
                                       const struct vm_event *ev, int order)
{
    out_json_begin(w, type);
    out_jw_kuint(w, "id", ev->conn->id);
    if (order) {
        out_jw_key(w, "order");
        out_jw_begin_array(w);
        out_jw_uint(w, ev->place.frame);
        out_jw_uint(w, ev->place.sub);
        out_jw_end_array(w);
    }
}

static inline void jname(struct out_jw *w, enum reg_table t, uint32_t v)
{
    char buf[32];
    out_jw_string(w, reg_name_or_unknown(t, v, buf, sizeof(buf)));
}

static inline void kname(struct out_jw *w, const char *key, enum reg_table t, uint32_t v)
{
    out_jw_key(w, key);
    jname(w, t, v);
}

static inline void endpoint(struct out_jw *w, const char *key, const struct vm_endpoint *e)
{
    out_jw_key(w, key);
    out_jw_begin_object(w);
    out_jw_kstring(w, "ip", e->text);
    out_jw_kuint(w, "port", e->port);
    out_jw_end_object(w);
}

/* An alert's level and description, when they are known. */
static inline void alert_fields(struct out_jw *w, const struct vm_alert *a)
{
    if (!a->encrypted || a->decrypted) {
        kname(w, "level", REG_ALERT_LEVEL, a->level);
        kname(w, "description", REG_ALERT, a->desc);
    }
    out_jw_kbool(w, "encrypted", a->encrypted);
    if (a->decrypted)
        out_jw_kbool(w, "decrypted", 1);
}

/* The connection's summary, when it closes: a line of its own. */
void out_json_connection(struct out_jw *w, const struct vm_event *ev, int order);

#endif
