/*
 * Certificates parsed once: the same few certificates come on connection
 * after connection, and parsing one (its public key above all, through
 * OpenSSL 3's decoders) costs more than all the rest of a handshake's
 * decoding.  A table of CACHE_SLOTS certificates by their DER, the least
 * recently used replaced, shared by every thread (--threads) under a lock.
 * Only DER that is exactly one certificate is kept; anything else is
 * parsed each time, for its reason.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "x509_int.h"

#define CACHE_SLOTS 256

struct entry {
    uint64_t hash;
    uint64_t used; /* the clock of its last lookup; 0: empty */
    uint8_t *der;
    size_t len;
    X509 *x;
};

static struct entry slots[CACHE_SLOTS];
static uint64_t clock_now;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a over 8 bytes at a time: the DER is compared in full anyway. */
static uint64_t hash_der(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ n, w;
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ULL;
    }
    while (n--)
        h = (h ^ *p++) * 0x100000001b3ULL;
    return h;
}

static void forget(struct entry *e)
{
    X509_free(e->x);
    free(e->der);
    memset(e, 0, sizeof(*e));
}

static void free_all(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++)
        forget(&slots[i]);
}

/* Exactly one certificate, or NULL. */
static X509 *parse(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = len && len <= LONG_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (x && p != der + len) {
        X509_free(x);
        x = NULL;
    }
    return x;
}

static X509 *lookup(uint64_t h, const uint8_t *der, size_t len)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        struct entry *e = &slots[i];
        if (e->used && e->hash == h && e->len == len && !memcmp(e->der, der, len)) {
            e->used = ++clock_now;
            X509_up_ref(e->x);
            return e->x;
        }
    }
    return NULL;
}

static void keep(uint64_t h, const uint8_t *der, size_t len, X509 *x)
{
    static int registered;
    struct entry *old = &slots[0];
    uint8_t *copy = malloc(len);

    if (!copy)
        return;
    if (!registered)
        registered = atexit(free_all) == 0;
    for (int i = 1; i < CACHE_SLOTS && old->used; i++)
        if (!slots[i].used || slots[i].used < old->used)
            old = &slots[i];
    forget(old);
    memcpy(copy, der, len);
    X509_up_ref(x);
    *old = (struct entry){.hash = h, .used = ++clock_now, .der = copy, .len = len, .x = x};
}

X509 *x509_parse_cached(const uint8_t *der, size_t len)
{
    uint64_t h = hash_der(der, len);
    X509 *x, *other;

    pthread_mutex_lock(&lock);
    x = lookup(h, der, len);
    pthread_mutex_unlock(&lock);
    if (x || !(x = parse(der, len)))
        return x;
    pthread_mutex_lock(&lock);
    if ((other = lookup(h, der, len))) { /* another thread parsed it meanwhile */
        pthread_mutex_unlock(&lock);
        X509_free(x);
        return other;
    }
    keep(h, der, len, x);
    pthread_mutex_unlock(&lock);
    return x;
}
