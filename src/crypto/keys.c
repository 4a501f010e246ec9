/*
 * The keying material every connection shares.
 */
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/provider.h>

#include "crypto_int.h"

struct crypto_keys *crypto_keys_new(void)
{
    struct crypto_keys *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    /* RC4, SEED, IDEA and single DES live in OpenSSL's legacy provider;
     * without it their suites are reported as not decryptable. */
    pthread_mutex_init(&k->lock, NULL);
    k->legacy = OSSL_PROVIDER_try_load(NULL, "legacy", 1);
    k->keylog = crypto_keylog_new();
    k->used = crypto_keylog_new();
    k->rsa = crypto_rsa_new();
    k->sessions = crypto_sessions_new();
    if (!k->keylog || !k->used || !k->rsa || !k->sessions) {
        crypto_keys_free(k);
        return NULL;
    }
    return k;
}

void crypto_keys_free(struct crypto_keys *k)
{
    if (!k)
        return;
    crypto_keylog_free(k->keylog);
    crypto_keylog_free(k->used);
    crypto_rsa_free(k->rsa);
    crypto_sessions_free(k->sessions);
    OSSL_PROVIDER_unload(k->legacy);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

int crypto_keys_add_keylog(struct crypto_keys *k, const char *path, char *err, size_t errlen)
{
    int waiting;
    if (!crypto_keylog_add_file(k->keylog, path, 0, &waiting, err, errlen))
        return 0;
    k->nkeylogs++;
    return 1;
}

int crypto_keys_follow_keylog(struct crypto_keys *k, const char *path, int *waiting, char *err,
                              size_t errlen)
{
    if (!crypto_keylog_add_file(k->keylog, path, 1, waiting, err, errlen))
        return 0;
    k->nkeylogs++;
    return 1;
}

size_t crypto_keys_add_keylog_text(struct crypto_keys *k, const char *text, size_t len)
{
    size_t n = crypto_keylog_add_text(k->keylog, (const uint8_t *)text, len);
    k->text_secrets += n;
    return n;
}

int crypto_keys_add_rsa(struct crypto_keys *k, const char *path, const char *password, char *err,
                        size_t errlen)
{
    return crypto_rsa_add(k->rsa, path, password, err, errlen);
}

void crypto_keys_stats(const struct crypto_keys *k, size_t *lines, size_t *bad)
{
    crypto_keylog_stats(k->keylog, lines, bad);
}

int crypto_keys_empty(const struct crypto_keys *k)
{
    return k->nkeylogs == 0 && k->text_secrets == 0 && crypto_rsa_count(k->rsa) == 0;
}

void crypto_keys_digest_app_data(struct crypto_keys *k, int on)
{
    k->digest = on;
}

void crypto_keys_set_settle(struct crypto_keys *k, void (*settle)(void))
{
    k->settle = settle;
}

/* Reads the key logs again once if the secret is missing (a live
 * capture's key log grows as the clients connect). */
size_t crypto_keys_find(struct crypto_keys *k, const uint8_t cr[32], enum kl_label label,
                        uint8_t *out)
{
    pthread_mutex_lock(&k->lock);
    size_t n = crypto_keylog_find(k->keylog, cr, label, out);
    if (!n && k->nkeylogs) {
        crypto_keylog_refresh(k->keylog);
        n = crypto_keylog_find(k->keylog, cr, label, out);
    }
    pthread_mutex_unlock(&k->lock);
    return n;
}

void crypto_keys_note_used(struct crypto_keys *k, const uint8_t cr[32], enum kl_label label,
                           const uint8_t *secret, size_t n)
{
    pthread_mutex_lock(&k->lock);
    crypto_keylog_put(k->used, cr, label, secret, n);
    pthread_mutex_unlock(&k->lock);
}

static int session_get(struct crypto_keys *k, const uint8_t (*keys)[32], int n, uint8_t master[48])
{
    int found = 0;
    pthread_mutex_lock(&k->lock);
    for (int i = 0; i < n && !found; i++)
        found = crypto_sessions_get(k->sessions, keys[i], master);
    pthread_mutex_unlock(&k->lock);
    return found;
}

/* A session another thread has yet to see may be resumed here: once the
 * threads have caught up (settle), the cache holds every session that
 * one thread would have seen by now. */
int crypto_keys_session_get(struct crypto_keys *k, const uint8_t (*keys)[32], int n,
                            uint8_t master[48], int settled)
{
    if (settled && k->settle)
        k->settle();
    return session_get(k, keys, n, master);
}

void crypto_keys_session_put(struct crypto_keys *k, const uint8_t *id, size_t idlen,
                             const uint8_t master[48])
{
    pthread_mutex_lock(&k->lock);
    crypto_sessions_put(k->sessions, id, idlen, master);
    pthread_mutex_unlock(&k->lock);
}

size_t crypto_keys_each_used(const struct crypto_keys *k, void (*fn)(void *arg, const char *line),
                             void *arg)
{
    return crypto_keylog_each(k->used, fn, arg);
}

const char *crypto_lib_version(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}
