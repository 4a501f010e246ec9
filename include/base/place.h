/*
 * place.h: where an event falls in the output one tcp stage gives.
 *
 * A tcp stage emits its events in the order of their place (frame, sub):
 *   - frame: the capture frame number of the packet being handled;
 *     PLACE_END at the end of the input;
 *   - sub: that frame again; for a connection closed as idle, the frame
 *     of its last packet (the stage closes them before the packet's own
 *     events, least recently used first); at the end of the input, the
 *     connection's id (they are closed in id order).
 * Two stages that each keep some of the connections (--threads' workers,
 * --shard's processes) give places that no other stage gives, so their
 * output merged by place is what one stage over all would have written.
 */
#ifndef TLSDUMP_BASE_PLACE_H
#define TLSDUMP_BASE_PLACE_H

#include <stdint.h>

#define PLACE_END UINT64_MAX

struct place {
    uint64_t frame, sub;
};

static inline int place_less(struct place a, struct place b)
{
    return a.frame < b.frame || (a.frame == b.frame && a.sub < b.sub);
}

#endif
