/*
 * OpenSSL's default CA file, looked up by subject.
 *
 * X509_LOOKUP_file() parses every certificate of the bundle when it is
 * loaded (144 on Debian): through OpenSSL 3's decoders each public key
 * costs about 0.17 ms, 25 ms in all, a tenth of a run over 287 MB.  This
 * lookup reads the file at the first issuer looked up, keeps each
 * certificate's DER with its subject name (names decode without keys),
 * and parses only those whose subject is asked for, adding them to the
 * store as X509_LOOKUP_file() would have at load.  The chains built are
 * the same: the store holds every certificate of a subject once that
 * subject is looked up, before the hashed directory is asked.
 *
 * As X509_LOOKUP_load_file(X509_FILETYPE_DEFAULT): the file is
 * SSL_CERT_FILE or OpenSSL's default, a missing one is no error, and its
 * PEM "CERTIFICATE" and "TRUSTED CERTIFICATE" blocks are read (CRLs are
 * left out: nothing here checks revocation).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "x509_int.h"

struct entry {
    X509_NAME *subject;
    unsigned char *der; /* the PEM block's bytes (PEM_read_bio's, freed with OPENSSL_free) */
    long len;
    int trusted; /* a TRUSTED CERTIFICATE block: DER and trust settings (d2i_X509_AUX) */
    int added;   /* in the store */
};

struct bundle {
    pthread_mutex_t lock; /* reading, adding: workers look up at once */
    atomic_int read;
    struct entry *e;
    size_t n, cap;
};

/* The subject of a DER certificate: the sixth element of its
 * tbsCertificate counting the version, which is optional ([0]). */
static X509_NAME *subject_of(const unsigned char *der, long len)
{
    const unsigned char *p = der, *at;
    long n;
    int tag, cls;

    /* Certificate, then tbsCertificate: into both */
    for (int i = 0; i < 2; i++)
        if (ASN1_get_object(&p, &n, &tag, &cls, len - (p - der)) & 0x80 || tag != V_ASN1_SEQUENCE)
            return NULL;
    for (int i = 0; i < 6; i++) {
        at = p;
        if (ASN1_get_object(&p, &n, &tag, &cls, len - (p - der)) & 0x80)
            return NULL;
        if (i == 0 && cls != V_ASN1_CONTEXT_SPECIFIC)
            i++; /* no version: the serial number comes first */
        if (i == 5)
            return d2i_X509_NAME(NULL, &at, (long)(p - at) + n);
        p += n;
    }
    return NULL;
}

static int keep(struct bundle *b, unsigned char *der, long len, int trusted)
{
    X509_NAME *subject = subject_of(der, len);
    if (!subject)
        return 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        struct entry *e = realloc(b->e, cap * sizeof(*e));
        if (!e) {
            X509_NAME_free(subject);
            return 0;
        }
        b->e = e;
        b->cap = cap;
    }
    b->e[b->n++] = (struct entry){subject, der, len, trusted, 0};
    return 1;
}

/* The file's certificate blocks, as DER with their subjects; what cannot
 * be read is left out, as a missing file is. */
static void read_file(struct bundle *b)
{
    const char *path = getenv(X509_get_default_cert_file_env());
    BIO *in = BIO_new_file(path ? path : X509_get_default_cert_file(), "r");
    char *name, *header;
    unsigned char *der;
    long len;

    while (in && PEM_read_bio(in, &name, &header, &der, &len) == 1) {
        int cert = !strcmp(name, PEM_STRING_X509) || !strcmp(name, PEM_STRING_X509_OLD);
        int trusted = !strcmp(name, PEM_STRING_X509_TRUSTED);
        if (!(cert || trusted) || !keep(b, der, len, trusted))
            OPENSSL_free(der);
        OPENSSL_free(name);
        OPENSSL_free(header);
    }
    BIO_free(in);
}

/* Adds the file's certificates with this subject to the store (once). */
static void add_subject(struct bundle *b, X509_STORE *store, const X509_NAME *name)
{
    for (size_t i = 0; i < b->n; i++) {
        struct entry *e = &b->e[i];
        if (e->added || X509_NAME_cmp(e->subject, name) != 0)
            continue;
        const unsigned char *p = e->der;
        X509 *x = e->trusted ? d2i_X509_AUX(NULL, &p, e->len) : d2i_X509(NULL, &p, e->len);
        if (x)
            X509_STORE_add_cert(store, x);
        X509_free(x);
        e->added = 1;
    }
}

/* The lookup's answer, as the hashed directory's: a certificate the
 * store holds, which ret borrows (its caller takes a reference). */
static int by_subject(X509_LOOKUP *ctx, X509_LOOKUP_TYPE type, const X509_NAME *name,
                      X509_OBJECT *ret)
{
    struct bundle *b = X509_LOOKUP_get_method_data(ctx);
    X509_STORE *store = X509_LOOKUP_get_store(ctx);
    int found = 0;

    if (!b || type != X509_LU_X509 || !name)
        return 0;
    pthread_mutex_lock(&b->lock);
    if (!atomic_load(&b->read)) {
        ERR_set_mark();
        read_file(b);
        ERR_pop_to_mark();
        atomic_store(&b->read, 1);
    }
    add_subject(b, store, name);
    pthread_mutex_unlock(&b->lock);

    if (!X509_STORE_lock(store))
        return 0;
    X509_OBJECT *o =
        X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), X509_LU_X509, name);
    X509 *x = o ? X509_OBJECT_get0_X509(o) : NULL;
    if (x && X509_OBJECT_set1_X509(ret, x)) {
        X509_free(x); /* set1's reference: the store keeps its own */
        found = 1;
    }
    X509_STORE_unlock(store);
    return found;
}

static void bundle_free(X509_LOOKUP *ctx)
{
    struct bundle *b = X509_LOOKUP_get_method_data(ctx);
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        X509_NAME_free(b->e[i].subject);
        OPENSSL_free(b->e[i].der);
    }
    free(b->e);
    pthread_mutex_destroy(&b->lock);
    free(b);
    X509_LOOKUP_set_method_data(ctx, NULL);
}

static X509_LOOKUP_METHOD *method;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static void make_method(void)
{
    X509_LOOKUP_METHOD *m = X509_LOOKUP_meth_new("tlsdump default CA file by subject");
    if (m && X509_LOOKUP_meth_set_get_by_subject(m, by_subject) &&
        X509_LOOKUP_meth_set_free(m, bundle_free))
        method = m;
    else
        X509_LOOKUP_meth_free(m);
}

int x509_add_default_file(X509_STORE *store)
{
    pthread_once(&method_once, make_method);
    struct bundle *b = method ? calloc(1, sizeof(*b)) : NULL;
    X509_LOOKUP *l = b ? X509_STORE_add_lookup(store, method) : NULL;
    if (!l) {
        free(b);
        return 0;
    }
    pthread_mutex_init(&b->lock, NULL);
    X509_LOOKUP_set_method_data(l, b);
    return 1;
}
