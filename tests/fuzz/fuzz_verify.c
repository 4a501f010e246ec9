/* Fuzz target: the certificate verifier (src/x509/verify.c) on a chain
 * an attacker sends.  Byte 0: bit 0 the peer is the server; bits 1-2 the
 * host checked (none, "server.test", "127.0.0.1", or the name that
 * follows as a 1-byte length and its bytes).  Bytes 1-8: the capture's
 * time, big-endian microseconds (any value, negative and huge too).  Then
 * the chain as sent: each certificate a 2-byte length and its DER.  The
 * check must be well formed (status the first of its problems, problems
 * distinct and in priority order, every string ended inside its array,
 * counts within their bounds, named statuses) and the same when made
 * twice: the verifier keeps no state between checks. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "invariants.h"
#include "verify.h"

static struct x509_verifier *verifier;

static int ended(const char *s, size_t cap)
{
    return memchr(s, 0, cap) != NULL;
}

static void check_well_formed(const struct cert_check *c, int n)
{
    FZ_ASSERT(c->nproblems >= 0 && c->nproblems <= CERT_MAX_PROBLEMS);
    FZ_ASSERT(c->nproblems ? c->status == c->problems[0] : c->status == CERT_OK);
    for (int i = 1; i < c->nproblems; i++)
        FZ_ASSERT(c->problems[i - 1] < c->problems[i]);
    for (int i = 0; i < c->nproblems; i++)
        FZ_ASSERT(x509_status_name(c->problems[i]) != NULL && c->problems[i] != CERT_OK);
    FZ_ASSERT(x509_status_name(c->status) != NULL);
    FZ_ASSERT(n > 0 || c->status == CERT_NONE);
    FZ_ASSERT(c->depth >= -1 && c->depth < CERT_MAX_BUILT);
    FZ_ASSERT(c->nbuilt >= 0 && c->nbuilt <= CERT_MAX_BUILT);
    FZ_ASSERT(ended(c->detail, sizeof(c->detail)) && ended(c->host, sizeof(c->host)));
    for (int i = 0; i < c->nbuilt; i++)
        FZ_ASSERT(ended(c->built[i], sizeof(c->built[i])) &&
                  (c->from_store[i] == 0 || c->from_store[i] == 1));
}

static int same(const struct cert_check *a, const struct cert_check *b)
{
    if (a->status != b->status || a->nproblems != b->nproblems || a->depth != b->depth ||
        a->nbuilt != b->nbuilt || strcmp(a->detail, b->detail) || strcmp(a->host, b->host))
        return 0;
    for (int i = 0; i < a->nproblems; i++)
        if (a->problems[i] != b->problems[i])
            return 0;
    for (int i = 0; i < a->nbuilt; i++)
        if (strcmp(a->built[i], b->built[i]) || a->from_store[i] != b->from_store[i])
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256], host[256] = "";
    const uint8_t *der[CERT_MAX_CHAIN + 4];
    size_t len[CERT_MAX_CHAIN + 4];
    int n = 0;
    if (!verifier && !(verifier = x509_verifier_new("pcaps/keys/ca.pem", NULL, err, sizeof(err))))
        abort(); /* run from the top of the repo */
    if (size < 9)
        return 0;
    uint64_t t = 0;
    for (int i = 1; i <= 8; i++)
        t = t << 8 | data[i];
    size_t at = 9;
    static const char *const hosts[] = {NULL, "server.test", "127.0.0.1"};
    const char *h = hosts[(data[0] >> 1 & 3) % 3];
    if ((data[0] >> 1 & 3) == 3 && at < size) {
        size_t hn = data[at++];
        hn = hn < size - at ? hn : size - at;
        memcpy(host, data + at, hn); /* a NUL inside ends it early, as C strings do */
        host[hn] = 0;
        h = host;
        at += hn;
    }
    while (at + 2 <= size && n < CERT_MAX_CHAIN + 4) {
        size_t l = (size_t)data[at] << 8 | data[at + 1];
        at += 2;
        l = l < size - at ? l : size - at;
        der[n] = data + at;
        len[n++] = l;
        at += l;
    }
    struct cert_check a, b;
    memset(&a, 0x5a, sizeof(a)); /* whatever was there before must not show */
    memset(&b, 0xa5, sizeof(b));
    x509_verifier_check(verifier, n ? der : NULL, n ? len : NULL, n, (int64_t)t, h, data[0] & 1,
                        &a);
    check_well_formed(&a, n);
    x509_verifier_check(verifier, n ? der : NULL, n ? len : NULL, n, (int64_t)t, h, data[0] & 1,
                        &b);
    FZ_ASSERT(same(&a, &b));
    return 0;
}
