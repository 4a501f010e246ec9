/*
 * TLS record compression, DEFLATE (RFC 3749), undone with zlib.
 *
 * One zlib stream per direction and connection state: the sender's
 * compressor keeps its history across records and ends each record with a
 * sync flush (RFC 3749 2), so each record's fragment inflates to exactly
 * that record's plaintext, given every record before it.  The state starts
 * afresh with each new connection state, at ChangeCipherSpec (RFC 5246
 * 6.1).  A record may not inflate past 2^14 + 1024 bytes (RFC 5246 6.2.2
 * allows compression to grow a fragment by 1024 at most, and no plaintext
 * is longer than 2^14): output is bounded, never grown.
 */
#include <stdlib.h>

#include <zlib.h>

#include "crypto_int.h"

struct crypto_inflate {
    z_stream zs;
    int broken; /* an earlier record failed: the history is lost */
};

struct crypto_inflate *crypto_inflate_new(void)
{
    struct crypto_inflate *z = calloc(1, sizeof(*z));
    if (z && inflateInit(&z->zs) != Z_OK) {
        free(z);
        return NULL;
    }
    return z;
}

void crypto_inflate_free(struct crypto_inflate *z)
{
    if (!z)
        return;
    inflateEnd(&z->zs);
    free(z);
}

/* Whether inflate has more output for this record than fit: one more byte
 * is asked for. */
static int more_pending(struct crypto_inflate *z)
{
    uint8_t probe;
    z->zs.next_out = &probe;
    z->zs.avail_out = 1;
    int ret = inflate(&z->zs, Z_SYNC_FLUSH);
    return (ret == Z_OK || ret == Z_STREAM_END) && z->zs.avail_out == 0;
}

int crypto_inflate_record(struct crypto_inflate *z, const uint8_t *in, size_t n, uint8_t *out,
                          size_t cap, size_t *outlen, const char **why)
{
    *outlen = 0;
    if (z->broken) {
        *why = "an earlier compressed record failed, so the DEFLATE history is lost";
        return 0;
    }
    z->zs.next_in = (Bytef *)in;
    z->zs.avail_in = (uInt)n;
    z->zs.next_out = out;
    z->zs.avail_out = (uInt)cap;
    int ret = inflate(&z->zs, Z_SYNC_FLUSH);
    *outlen = cap - z->zs.avail_out;
    if (ret == Z_OK && z->zs.avail_out == 0 && (z->zs.avail_in > 0 || more_pending(z)))
        *why = "a compressed record inflates past 2^14 + 1024 bytes (RFC 5246 6.2.2)";
    else if (ret != Z_OK && ret != Z_STREAM_END && !(ret == Z_BUF_ERROR && n == 0))
        *why = "a compressed record is not valid DEFLATE data (RFC 3749)";
    else if (z->zs.avail_in > 0)
        *why = "a compressed record has bytes after the end of the DEFLATE stream";
    else
        return 1;
    z->broken = 1;
    *outlen = 0;
    return 0;
}
