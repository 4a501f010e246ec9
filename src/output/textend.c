/*
 * The text view's lines at a connection's end that read only the model
 * (textend.h).
 */
#include <inttypes.h>

#include "textend.h"

/* A handshake message that did not decode (malformed, or longer than the
 * tls stage keeps: then that direction's handshake ends there), or an
 * alert record that did not. */
void out_text_anomalies(FILE *out, const struct vm_event *ev)
{
    const struct vm_summary *s = ev->summary;
    for (int i = 0; i < s->nproblems; i++) {
        const struct vm_problem_seen *p = &s->problems[i];
        const char *arrow = p->dir == DIR_C2S ? "C>S" : "S>C";
        if (p->kind == VM_PROB_BAD_MESSAGE)
            fprintf(out,
                    "%" PRIu64 "    anomaly: %s handshake message of %" PRIu64
                    " bytes malformed, or too long to decode (over 1 MiB)\n",
                    ev->conn->id, arrow, p->value);
        else if (p->kind == VM_PROB_BAD_ALERT)
            fprintf(out,
                    "%" PRIu64 "    anomaly: %s alert record of %" PRIu64
                    " bytes does not hold whole alerts\n",
                    ev->conn->id, arrow, p->value);
    }
}

void out_text_forgotten(FILE *out, const struct vm_event *ev)
{
    const char *why = NULL;
    switch ((enum vm_close_reason)ev->reason) {
    case VM_CLOSE_IDLE:
        why = "idle longer than the timeout (-t)";
        break;
    case VM_CLOSE_EVICTED:
        why = "connection table full (--max-conns)";
        break;
    case VM_CLOSE_MEMORY:
        why = "memory budget spent (--max-memory)";
        break;
    case VM_CLOSE_FIN:
    case VM_CLOSE_RST:
    case VM_CLOSE_END:
        break;
    }
    if (why)
        fprintf(out, "%" PRIu64 "    connection forgotten: %s\n", ev->conn->id, why);
}
