/*
 * progress.h: how far a long run has come, as a line on a terminal.
 *
 * The line is redrawn in place (carriage return, erase to the end of the
 * line) at most every quarter second, first after half a second, so that
 * short runs never show it; it is erased when the run ends.  It belongs
 * on standard error when that is a terminal and the output is not.
 */
#ifndef TLSDUMP_PROGRESS_H
#define TLSDUMP_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct out_progress_counts {
    uint64_t bytes_done;  /* of the capture file read so far */
    uint64_t bytes_total; /* the file's size; 0 unknown (a pipe, standard input) */
    uint64_t packets;
    uint64_t connections;
};

struct out_progress;

/* out is borrowed. */
struct out_progress *out_progress_new(FILE *out);
/* Erases the line; accepts NULL. */
void out_progress_free(struct out_progress *p);

/* 1 when the line is due for a redraw; cheap enough to call per packet
 * (it reads the clock once every 1024 calls). */
int out_progress_due(struct out_progress *p);
void out_progress_draw(struct out_progress *p, const struct out_progress_counts *c);

/* The line for c after elapsed_s seconds, without the control characters:
 * "43% 120.5 of 280.0 MB, 1234567 packets, 64 connections, 210.3 MB/s,
 * 0:02 left". */
void out_progress_format(char *buf, size_t len, const struct out_progress_counts *c,
                         double elapsed_s);

#endif
