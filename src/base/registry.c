/*
 * Name lookup over include/base/registry.def.  The rows are gathered into one
 * array, sorted once, and searched by (table, value).  The cipher suites'
 * properties are built from their SUITE and BULK rows the same way.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/registry.h"

struct row {
    unsigned table;
    uint32_t value;
    const char *name;
};

static struct row rows[] = {
#define REG(t, v, n) {REG_##t, v, n},
#include "base/registry.def"
#undef REG
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static int cmp_row(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->table != y->table)
        return x->table < y->table ? -1 : 1;
    return x->value < y->value ? -1 : x->value > y->value;
}

static void sort_rows(void)
{
    qsort(rows, NROWS, sizeof(rows[0]), cmp_row);
}

/* Sorted on first use, by whichever thread (--threads) asks first. */
static void sort_once(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sort_rows);
}

int reg_is_grease(uint32_t v)
{
    return v <= 0xffff && (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static int is_16bit(enum reg_table t)
{
    return t == REG_VERSION || t == REG_CIPHER || t == REG_EXT || t == REG_GROUP ||
           t == REG_SIGSCHEME || t == REG_CERT_COMPRESSION;
}

const char *reg_name(enum reg_table t, uint32_t value)
{
    struct row key = {t, value, NULL}, *r;

    sort_once();
    r = bsearch(&key, rows, NROWS, sizeof(rows[0]), cmp_row);
    if (r)
        return r->name;
    if (is_16bit(t) && reg_is_grease(value))
        return "GREASE";
    return NULL;
}

const char *reg_name_or_unknown(enum reg_table t, uint32_t value, char *buf, size_t len)
{
    const char *n = reg_name(t, value);
    if (n)
        return n;
    snprintf(buf, len, is_16bit(t) ? "unknown (0x%04x)" : "unknown (0x%02x)", (unsigned)value);
    return buf;
}

struct bulk_row {
    const char *evp;
    enum reg_mode mode;
    enum reg_rec_class cls;
    int key_len, block, tag_len, bits, legacy;
};

static const struct bulk_row bulks[REG_NBULKS] = {
#define BULK(id, evp, mode, cls, key, block, tag, bits, legacy)                                    \
    [REG_BULK_##id] = {evp, REG_MODE_##mode, REG_REC_##cls, key, block, tag, bits, legacy},
#define REG(t, v, n)
#include "base/registry.def"
#undef REG
#undef BULK
};

struct suite_row {
    uint16_t id;
    const char *name;
    enum reg_kx kx;
    enum reg_auth auth;
    enum reg_bulk bulk;
    enum reg_hash hash;
    int export_material, export_bits;
};

static const struct suite_row suite_rows[] = {
#define NOEXP 0, 0
#define EXP(material, bits) material, bits
#define SUITE(v, n, kx, auth, bulk, hash, exp)                                                     \
    {v, n, REG_KX_##kx, REG_AUTH_##auth, REG_BULK_##bulk, REG_HASH_##hash, exp},
#define REG(t, v, n)
#include "base/registry.def"
#undef REG
#undef SUITE
#undef EXP
#undef NOEXP
};

#define NSUITES (sizeof(suite_rows) / sizeof(suite_rows[0]))

static const struct {
    const char *md; /* OpenSSL's digest name; NULL where tlsdump has none */
    int len;
} hashes[] = {
    [REG_HASH_NONE] = {NULL, 0},         [REG_HASH_MD5] = {"MD5", 16},
    [REG_HASH_SHA1] = {"SHA1", 20},      [REG_HASH_SHA256] = {"SHA256", 32},
    [REG_HASH_SHA384] = {"SHA384", 48},  [REG_HASH_SHA512] = {"SHA512", 64},
    [REG_HASH_SM3] = {"SM3", 32},        [REG_HASH_ASCONHASH256] = {NULL, 32},
    [REG_HASH_STREEBOG256] = {NULL, 32},
};

/* The hash behind the PRF: TLS 1.3's is the suite's; TLS 1.2's is SHA-256
 * unless the suite names another (RFC 5246 5), so MD5 and SHA-1 suites
 * get SHA-256 (what older versions use instead, crypto decides). */
static const char *prf_md(const struct suite_row *r)
{
    if (r->kx != REG_KX_ANY &&
        (r->hash == REG_HASH_NONE || r->hash == REG_HASH_MD5 || r->hash == REG_HASH_SHA1))
        return "SHA256";
    return hashes[r->hash].md;
}

static void fill_suite(const struct suite_row *r, struct reg_suite *s)
{
    const struct bulk_row *b = &bulks[r->bulk];

    *s = (struct reg_suite){.id = r->id,
                            .name = r->name,
                            .kx = r->kx,
                            .auth = r->auth,
                            .bulk = r->bulk,
                            .mode = b->mode,
                            .cls = b->cls,
                            .evp = b->evp,
                            .key_len = b->key_len,
                            .block = b->block,
                            .tag_len = b->tag_len,
                            .hash = r->hash,
                            .prf_md = prf_md(r),
                            .export_material = r->export_material,
                            .export_bits = r->export_bits,
                            .legacy = b->legacy,
                            .tls13 = r->kx == REG_KX_ANY};
    s->bits = r->export_bits ? r->export_bits : b->bits;
    if (s->cls == REG_REC_AEAD) {
        /* RFC 7905 and RFC 8446 5.3: the whole 12-byte nonce is derived and
         * XORed with the sequence number; GCM and CCM in TLS 1.2 (RFC 5288,
         * RFC 6655) derive 4 bytes and send the other 8 with each record. */
        int xor = s->tls13 || s->mode == REG_MODE_POLY1305;
        s->fixed_iv = xor? 12 : 4;
        s->explicit_nonce = xor? 0 : 8;
        s->iv_len = s->fixed_iv;
    } else {
        s->iv_len = s->cls == REG_REC_CBC ? s->block : 0;
        s->mac_md = hashes[r->hash].md;
        s->mac_len = s->mac_md ? hashes[r->hash].len : 0;
    }
}

static int cmp_suite(const void *a, const void *b)
{
    const struct reg_suite *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static struct reg_suite suites[NSUITES];

static void build_suites(void)
{
    for (size_t i = 0; i < NSUITES; i++)
        fill_suite(&suite_rows[i], &suites[i]);
    qsort(suites, NSUITES, sizeof(suites[0]), cmp_suite);
}

const struct reg_suite *reg_suite(uint16_t id)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct reg_suite key = {.id = id};

    pthread_once(&once, build_suites);
    return bsearch(&key, suites, NSUITES, sizeof(suites[0]), cmp_suite);
}
