/*
 * JA4 and JA4S (FoxIO's definitions in the FoxIO-LLC/ja4 repository:
 * technical_details/JA4.md, and JA4S.md of its history, now JA4S.png),
 * for TLS over TCP.
 *
 * JA4 has three parts joined by '_':
 *   a  "t", the version, "d" (SNI offered) or "i", the cipher and
 *      extension counts (two digits each, at most 99) and two characters
 *      for the first ALPN protocol;
 *   b  the cipher suites as 4-digit hex, sorted, comma-separated;
 *   c  the extensions likewise, sorted, without server_name (0000) and
 *      ALPN (0010), which part a already shows; then, when the hello has
 *      signature algorithms, '_' and those in wire order.
 * The fingerprint hashes b and c (SHA-256, first 12 hex digits; an empty
 * list is "000000000000"); the raw form keeps them as text.
 *
 * JA4S: "t", the version, the extension count and the ALPN characters,
 * then the chosen cipher in hex, then the extensions in wire order
 * (hashed, or as text in the raw form).
 *
 * The tls stage has already left GREASE out of every list (RFC 8701).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/util.h"
#include "fingerprint.h"

/* A part b or c: three lists of TLS_HELLO_MAX values of "xxxx,". */
#define PART_MAX (3 * TLS_HELLO_MAX * 5 + 2)

#define EMPTY_HASH "000000000000"

/* JA4.md "TLS and DTLS Version". */
static const char *version_code(uint16_t v)
{
    switch (v) {
    case TLS_V_1_3:
        return "13";
    case TLS_V_1_2:
        return "12";
    case TLS_V_1_1:
        return "11";
    case TLS_V_1_0:
        return "10";
    case TLS_V_SSL_3:
        return "s3";
    case TLS_V_SSL_2:
        return "s2";
    case TLS_V_DTLS_1_0:
        return "d1";
    case TLS_V_DTLS_1_2:
        return "d2";
    case TLS_V_DTLS_1_3:
        return "d3";
    default:
        return "00";
    }
}

/* The highest supported_versions entry when the hello has that
 * extension (ServerHello: the one selected), else legacy_version.  An
 * extension left with no entry once GREASE is out counts as absent. */
static uint16_t hello_version(const struct tls_hello *h)
{
    uint16_t v = 0;
    if (!h->nversions)
        return h->version;
    for (int i = 0; i < h->nversions; i++)
        if (h->versions[i] > v)
            v = h->versions[i];
    return v;
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* JA4.md "ALPN Extension Value": the first and last byte of the first
 * protocol when both are ASCII letters or digits; otherwise the first and
 * last digit of the protocol's hex form (the first byte's high nibble, the
 * last byte's low one).  "00" when there is no protocol.  A first protocol
 * of zero length has both ends 0, which gives "00" as the spec asks. */
static void alpn_chars(const struct tls_hello *h, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t first = h->alpn_first[0], last = h->alpn_first[1];

    if (!h->nalpn) {
        strcpy(out, "00");
    } else if (is_alnum(first) && is_alnum(last)) {
        out[0] = (char)first, out[1] = (char)last, out[2] = 0;
    } else {
        out[0] = hex[first >> 4], out[1] = hex[last & 0xf], out[2] = 0;
    }
}

/* Counts are two digits: 99 stands for more (JA4.md "Number of Ciphers"). */
static unsigned two_digits(int n)
{
    return n > 99 ? 99u : n < 0 ? 0u : (unsigned)n;
}

/* Appends v[0..n) as comma-separated 4-digit lower-case hex at s + at;
 * returns the new length.  s has room for PART_MAX bytes. */
static size_t put_hex(char *s, size_t at, const uint16_t *v, int n)
{
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(s + at, PART_MAX - at, "%s%04x", i ? "," : "", v[i]);
    return at;
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* SHA-256 of s, its first 12 hex digits; EMPTY_HASH for an empty list,
 * so that "no values" reads as such (JA4.md "Cipher hash"). */
static void hash12(const char *s, char out[13])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;

    strcpy(out, EMPTY_HASH);
    if (!s[0] || !EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL))
        return;
    base_hex(out, md, 6);
}

/* Part b of JA4: the cipher suites, sorted. */
static void ja4_ciphers(const struct tls_hello *ch, char *s)
{
    uint16_t v[TLS_HELLO_MAX];
    int n = ch->nciphers;

    memcpy(v, ch->ciphers, (size_t)n * sizeof(v[0]));
    qsort(v, (size_t)n, sizeof(v[0]), cmp_u16);
    s[put_hex(s, 0, v, n)] = 0;
}

/* Part c of JA4: the extensions but server_name and ALPN, sorted, then
 * the signature algorithms as sent. */
static void ja4_extensions(const struct tls_hello *ch, char *s)
{
    uint16_t v[TLS_HELLO_MAX];
    int n = 0;

    for (int i = 0; i < ch->nexts; i++)
        if (ch->exts[i] != TLS_EXT_SERVER_NAME &&
            ch->exts[i] != TLS_EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION)
            v[n++] = ch->exts[i];
    qsort(v, (size_t)n, sizeof(v[0]), cmp_u16);
    size_t at = put_hex(s, 0, v, n);
    /* JA4.md: without signature algorithms the string ends after the
     * extensions, with no '_'. */
    if (ch->nsigalgs)
        at += (size_t)snprintf(s + at, PART_MAX - at, "_");
    s[put_hex(s, at, ch->sigalgs, ch->nsigalgs)] = 0;
}

static int has_extension(const struct tls_hello *h, uint16_t type)
{
    for (int i = 0; i < h->nexts; i++)
        if (h->exts[i] == type)
            return 1;
    return 0;
}

/* out gets a, b (hashed when hash_b) and c hashed, joined by '_'; *raw
 * (when asked for) gets a, b and c as they are, or NULL when memory ran
 * out. */
static void join(const char *a, const char *b, int hash_b, const char *c, char out[FP_JA4_LEN],
                 char **raw)
{
    char hb[13], hc[13];

    if (hash_b)
        hash12(b, hb);
    hash12(c, hc);
    snprintf(out, FP_JA4_LEN, "%s_%s_%s", a, hash_b ? hb : b, hc);
    if (!raw)
        return;
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    if ((*raw = malloc(n)))
        snprintf(*raw, n, "%s_%s_%s", a, b, c);
}

int fp_ja4(const struct tls_hello *ch, char out[FP_JA4_LEN], char **raw)
{
    char a[16], alpn[3], ciphers[PART_MAX], exts[PART_MAX];

    out[0] = 0;
    if (raw)
        *raw = NULL;
    if (!ch->seen)
        return 0;
    alpn_chars(ch, alpn);
    snprintf(a, sizeof(a), "t%s%c%02u%02u%s", version_code(hello_version(ch)),
             has_extension(ch, 0x0000) ? 'd' : 'i', two_digits(ch->nciphers), two_digits(ch->nexts),
             alpn);
    ja4_ciphers(ch, ciphers);
    ja4_extensions(ch, exts);
    join(a, ciphers, 1, exts, out, raw);
    return 1;
}

int fp_ja4s(const struct tls_hello *sh, char out[FP_JA4_LEN], char **raw)
{
    char a[16], alpn[3], cipher[8], exts[PART_MAX];

    out[0] = 0;
    if (raw)
        *raw = NULL;
    if (!sh->seen)
        return 0;
    alpn_chars(sh, alpn);
    snprintf(a, sizeof(a), "t%s%02u%s", version_code(hello_version(sh)), two_digits(sh->nexts),
             alpn);
    /* A GREASE cipher (which no server may choose) was left out by the
     * tls stage: 0000 stands for it. */
    snprintf(cipher, sizeof(cipher), "%04x", sh->nciphers ? sh->ciphers[0] : 0);
    exts[put_hex(exts, 0, sh->exts, sh->nexts)] = 0;
    join(a, cipher, 0, exts, out, raw);
    return 1;
}
