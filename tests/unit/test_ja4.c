/* JA4 and JA4S: the worked examples of FoxIO's JA4.md and JA4S.md and
 * hellos of FoxIO's test captures, built as struct tls_hello from their
 * listed values; then hellos built byte by byte, decoded by the tls stage
 * and fingerprinted (GREASE everywhere, no SNI, no ALPN, odd ALPN bytes,
 * more than 99 ciphers, no signature_algorithms, TLS 1.2 only).  Every
 * expected hash is the SHA-256 of the expected raw part, computed apart
 * from tlsdump. */
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "../../src/tls/tls_int.h"
#include "unit.h"

#define LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* JA4.md "Example": the ClientHello's values in wire order. */
static const uint16_t spec_ciphers[] = {
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
    0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
};
static const uint16_t spec_exts[] = {
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
    0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
};
static const uint16_t spec_sigalgs[] = {
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
};
#define SPEC_B "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9"
#define SPEC_C_EXTS "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"
#define SPEC_C SPEC_C_EXTS "_0403,0804,0401,0503,0805,0501,0806,0601"

static void set_list(uint16_t *dst, int *n, const uint16_t *src, int count)
{
    if (count)
        memcpy(dst, src, (size_t)count * sizeof(*src));
    *n = count;
}

static void set_alpn(struct tls_hello *h, uint8_t first, uint8_t last)
{
    h->alpn_first[0] = first, h->alpn_first[1] = last;
    h->nalpn = 1;
}

/* fp_ja4 (client) or fp_ja4s gives want, and the raw form want_raw. */
static void assert_fp(const struct tls_hello *h, int client, const char *want, const char *want_raw)
{
    char out[FP_JA4_LEN];
    char *raw = (char *)1;
    int ok = client ? fp_ja4(h, out, &raw) : fp_ja4s(h, out, &raw);
    CU_ASSERT_EQUAL(ok, 1);
    CU_ASSERT_STRING_EQUAL(out, want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
    CU_ASSERT_STRING_EQUAL(raw, want_raw);
    free(raw);
}

static void spec_hello(struct tls_hello *h)
{
    static const uint16_t v13[] = {0x0304};
    memset(h, 0, sizeof(*h));
    h->seen = 1;
    h->version = 0x0303;
    set_list(h->ciphers, &h->nciphers, spec_ciphers, LEN(spec_ciphers));
    set_list(h->exts, &h->nexts, spec_exts, LEN(spec_exts));
    set_list(h->sigalgs, &h->nsigalgs, spec_sigalgs, LEN(spec_sigalgs));
    set_list(h->versions, &h->nversions, v13, 1);
    set_alpn(h, 'h', '2');
}

static void spec_ja4(void)
{
    struct tls_hello h;
    spec_hello(&h);
    assert_fp(&h, 1, "t13d1516h2_8daaf6152771_e5627efa2ab1", "t13d1516h2_" SPEC_B "_" SPEC_C);
    /* "If there are no signature algorithms in the hello packet, then the
     * string ends without an underscore" = 6d807ffa2a79. */
    h.nsigalgs = 0;
    assert_fp(&h, 1, "t13d1516h2_8daaf6152771_6d807ffa2a79", "t13d1516h2_" SPEC_B "_" SPEC_C_EXTS);
}

static void spec_ja4s(void)
{
    static const uint16_t exts[] = {0x0005, 0x0017, 0xff01, 0x0000};
    struct tls_hello h = {.seen = 1, .version = 0x0303, .ciphers = {0xc030}, .nciphers = 1};
    set_list(h.exts, &h.nexts, exts, LEN(exts));
    assert_fp(&h, 0, "t120400_c030_4e8089b08790", "t120400_c030_0005,0017,ff01,0000");
}

/* FoxIO's pcap/tls12.pcap (Firefox), its ClientHello as JA4_ro lists it;
 * python/test/testdata/tls12.pcap.json has JA4 and JA4_r. */
static void foxio_firefox(void)
{
    static const uint16_t ciphers[] = {
        0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030,
        0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
    };
    static const uint16_t exts[] = {
        0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005,
        0x0022, 0x0033, 0x002b, 0x000d, 0x002d, 0x001c, 0x0015,
    };
    static const uint16_t sigalgs[] = {
        0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
    };
    static const uint16_t versions[] = {0x0304, 0x0303};
    struct tls_hello h = {.seen = 1, .version = 0x0303};
    set_list(h.ciphers, &h.nciphers, ciphers, LEN(ciphers));
    set_list(h.exts, &h.nexts, exts, LEN(exts));
    set_list(h.sigalgs, &h.nsigalgs, sigalgs, LEN(sigalgs));
    set_list(h.versions, &h.nversions, versions, LEN(versions));
    set_alpn(&h, 'h', '2');
    assert_fp(&h, 1, "t13d1715h2_5b57614c22b0_3d5424432f57",
              "t13d1715h2_002f,0035,009c,009d,1301,1302,1303,c009,c00a,c013,c014,c02b,c02c,"
              "c02f,c030,cca8,cca9_0005,000a,000b,000d,0015,0017,001c,0022,0023,002b,002d,0033,"
              "ff01_0403,0503,0603,0804,0805,0806,0401,0501,0601,0203,0201");
}

/* FoxIO's pcap/tls-non-ascii-alpn.pcapng: the spec example's values in
 * another order, and a first ALPN protocol of bytes ba ad.  FoxIO's test
 * data says "99" there (its python and Rust code predate the rule); JA4.md
 * asks for the hex digits' ends, "bd". */
static void foxio_non_ascii_alpn(void)
{
    static const uint16_t exts[] = {
        0xff01, 0x0033, 0x002d, 0x0005, 0x4469, 0x000d, 0x0010, 0x0023,
        0x001b, 0x002b, 0x0000, 0x0012, 0x000a, 0x0017, 0x000b, 0x0015,
    };
    static const uint16_t sh_exts[] = {0x0033, 0x002b};
    struct tls_hello h;
    spec_hello(&h);
    set_list(h.exts, &h.nexts, exts, LEN(exts));
    set_alpn(&h, 0xba, 0xad);
    assert_fp(&h, 1, "t13d1516bd_8daaf6152771_e5627efa2ab1", "t13d1516bd_" SPEC_B "_" SPEC_C);

    struct tls_hello sh = {.seen = 1,
                           .version = 0x0303,
                           .ciphers = {0x1301},
                           .nciphers = 1,
                           .versions = {0x0304},
                           .nversions = 1};
    set_list(sh.exts, &sh.nexts, sh_exts, LEN(sh_exts));
    assert_fp(&sh, 0, "t130200_1301_234ea6891581", "t130200_1301_0033,002b");
}

/* The ALPN characters of a hello whose first protocol starts with first
 * and ends with last. */
static void assert_alpn(uint8_t first, uint8_t last, const char *want)
{
    struct tls_hello h = {.seen = 1, .version = 0x0303};
    char out[FP_JA4_LEN];
    set_alpn(&h, first, last);
    CU_ASSERT_FATAL(fp_ja4(&h, out, NULL));
    CU_ASSERT_NSTRING_EQUAL(out + 8, want, 2);
    CU_ASSERT_FATAL(fp_ja4s(&h, out, NULL));
    CU_ASSERT_NSTRING_EQUAL(out + 5, want, 2);
}

/* JA4.md "ALPN Extension Value", each of its examples. */
static void spec_alpn(void)
{
    assert_alpn('h', '2', "h2");
    assert_alpn('h', '1', "h1"); /* http/1.1 */
    assert_alpn('x', 'x', "xx"); /* a single character is both ends */
    assert_alpn(0xab, 0xab, "ab");
    assert_alpn(0x20, 0x20, "20");
    assert_alpn(0xab, 0xcd, "ad");
    assert_alpn(0x20, 0x61, "21");
    assert_alpn(0x30, 0xab, "3b");
    assert_alpn(0x61, 0x20, "60");
    assert_alpn(0x30, 0xcd, "3d"); /* 30 31 ab cd */
    assert_alpn(0x30, 0x31, "01"); /* 30 ab cd 31 */
    assert_alpn(0, 0, "00");       /* an empty first protocol */

    struct tls_hello h = {.seen = 1, .version = 0x0303};
    char out[FP_JA4_LEN];
    CU_ASSERT_FATAL(fp_ja4(&h, out, NULL)); /* no ALPN */
    CU_ASSERT_STRING_EQUAL(out, "t12i000000_000000000000_000000000000");
}

static void assert_version(uint16_t legacy, const uint16_t *sv, int nsv, const char *want)
{
    struct tls_hello h = {.seen = 1, .version = legacy};
    char out[FP_JA4_LEN];
    set_list(h.versions, &h.nversions, sv, nsv);
    CU_ASSERT_FATAL(fp_ja4(&h, out, NULL));
    CU_ASSERT_NSTRING_EQUAL(out + 1, want, 2);
    CU_ASSERT_FATAL(fp_ja4s(&h, out, NULL));
    CU_ASSERT_NSTRING_EQUAL(out + 1, want, 2);
}

/* JA4.md "TLS and DTLS Version": the highest supported_versions entry,
 * else the hello's version; unknown ones are "00". */
static void spec_versions(void)
{
    static const struct {
        uint16_t v;
        const char *code;
    } table[] = {
        {0x0304, "13"}, {0x0303, "12"}, {0x0302, "11"}, {0x0301, "10"},
        {0x0300, "s3"}, {0x0002, "s2"}, {0xfeff, "d1"}, {0xfefd, "d2"},
        {0xfefc, "d3"}, {0x0305, "00"}, {0x0200, "00"}, {0x7f1c, "00"},
    };
    for (int i = 0; i < LEN(table); i++)
        assert_version(table[i].v, NULL, 0, table[i].code);
    static const uint16_t sv[] = {0x0302, 0x0304, 0x0303};
    assert_version(0x0303, sv, 3, "13");
    assert_version(0x0301, sv, 1, "11");
}

/* Empty lists hash to twelve zeros; a hello not seen has no fingerprint. */
static void empty_and_unseen(void)
{
    static const uint16_t sni_alpn[] = {0x0000, 0x0010};
    struct tls_hello h = {.seen = 1, .version = 0x0301};
    assert_fp(&h, 1, "t10i000000_000000000000_000000000000", "t10i000000__");
    assert_fp(&h, 0, "t100000_0000_000000000000", "t100000_0000_");
    set_list(h.exts, &h.nexts, sni_alpn, 2);
    set_alpn(&h, 'h', '2');
    assert_fp(&h, 1, "t10d0002h2_000000000000_000000000000", "t10d0002h2__");

    char out[FP_JA4_LEN] = "x";
    char *raw = (char *)1;
    h.seen = 0;
    CU_ASSERT_EQUAL(fp_ja4(&h, out, &raw), 0);
    CU_ASSERT(out[0] == 0 && raw == NULL);
    raw = (char *)1, out[0] = 'x';
    CU_ASSERT_EQUAL(fp_ja4s(&h, out, &raw), 0);
    CU_ASSERT(out[0] == 0 && raw == NULL);
}

/* --- hellos as bytes, through the tls stage */

static uint8_t msg[2048];
static size_t msg_len;

static void put(const void *p, size_t n)
{
    memcpy(msg + msg_len, p, n);
    msg_len += n;
}
static void u8(unsigned v)
{
    msg[msg_len++] = (uint8_t)v;
}
static void u16(unsigned v)
{
    u8(v >> 8);
    u8(v & 0xff);
}
/* Opens a 16-bit length; close16() patches it to cover what followed. */
static size_t open16(void)
{
    u16(0);
    return msg_len;
}
static void close16(size_t at)
{
    size_t n = msg_len - at;
    msg[at - 2] = (uint8_t)(n >> 8);
    msg[at - 1] = (uint8_t)n;
}

/* What a built ClientHello has. */
struct ch_shape {
    int grease;                 /* GREASE among the suites, as extensions, in every list */
    int sni, versions, sigalgs; /* server_name, supported_versions, signature_algorithms */
    const char *alpn;           /* the first ALPN protocol ("http/1.1" follows); NULL: none */
    int nciphers;               /* 5, or more: 0x0105 and up follow */
};

static void ext_u16_list(unsigned type, int grease, unsigned greased, const uint16_t *v, int n,
                         int len8)
{
    u16(type);
    size_t ext = open16();
    size_t list = len8 ? (u8(0), msg_len) : open16();
    if (grease)
        u16(greased);
    for (int i = 0; i < n; i++)
        u16(v[i]);
    if (len8)
        msg[list - 1] = (uint8_t)(msg_len - list);
    else
        close16(list);
    close16(ext);
}

static void ch_extensions(const struct ch_shape *s)
{
    static const uint16_t groups[] = {0x001d, 0x0017}, versions[] = {0x0304, 0x0303};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401};
    uint8_t key[32];
    memset(key, 0x33, sizeof(key));
    size_t exts = open16();
    if (s->grease)
        u16(0x1a1a), u16(0);
    if (s->sni)
        u16(0), u16(16), u16(14), u8(0), u16(11), put("example.com", 11);
    ext_u16_list(10, s->grease, 0x2a2a, groups, 2, 0);
    u16(11), u16(2), u8(1), u8(0);
    if (s->alpn) {
        size_t n = strlen(s->alpn);
        u16(16), u16((unsigned)(2 + 1 + n + 9)), u16((unsigned)(1 + n + 9));
        u8((unsigned)n), put(s->alpn, n), u8(8), put("http/1.1", 8);
    }
    if (s->versions)
        ext_u16_list(43, s->grease, 0x3a3a, versions, 2, 1);
    if (s->sigalgs)
        ext_u16_list(13, s->grease, 0x4a4a, sigalgs, 3, 0);
    u16(51);
    size_t ks = open16(), shares = open16();
    if (s->grease)
        u16(0x5a5a), u16(1), u8(0);
    u16(0x001d), u16(32), put(key, 32);
    close16(shares);
    close16(ks);
    if (s->grease)
        u16(0xfafa), u16(1), u8(0);
    close16(exts);
}

static void build_ch(const struct ch_shape *s)
{
    static const uint16_t base[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f};
    uint8_t random[32];
    memset(random, 0x11, sizeof(random));
    msg_len = 0;
    u16(0x0303);
    put(random, 32);
    u8(0);
    size_t suites = open16();
    for (int i = 0; i < s->nciphers; i++) {
        if (s->grease && i == 2)
            u16(0x0a0a);
        u16(i < LEN(base) ? base[i] : 0x0100u + (unsigned)i);
    }
    close16(suites);
    u8(1), u8(0);
    ch_extensions(s);
}

/* Decodes the hello in msg (a ClientHello or a ServerHello) and checks
 * its JA4 or JA4S and raw form. */
static void assert_decoded(uint8_t type, const char *want, const char *want_raw)
{
    struct ftree t;
    struct tls_summary sum = {.cipher = 0xffffffff};
    int client = type == TLS_HS_CLIENT_HELLO;
    ft_init(&t);
    CU_ASSERT_FATAL(
        tls_decode_message(type, msg, msg_len, &t, ft_reset(&t), &sum, client ? DIR_C2S : DIR_S2C));
    assert_fp(client ? &sum.ch : &sum.sh, client, want, want_raw);
    ft_release(&t);
}

static void assert_built(const struct ch_shape *s, const char *want, const char *want_raw)
{
    build_ch(s);
    assert_decoded(TLS_HS_CLIENT_HELLO, want, want_raw);
}

#define BUILT_B "1301,1302,1303,c02b,c02f"
#define BUILT_C "000a,000b,000d,002b,0033_0403,0804,0401"
#define BUILT_HASHES "_e133e205ac38_5e6a61e7dae5"

static void built_grease(void)
{
    struct ch_shape s = {.sni = 1, .versions = 1, .sigalgs = 1, .alpn = "h2", .nciphers = 5};
    assert_built(&s, "t13d0507h2" BUILT_HASHES, "t13d0507h2_" BUILT_B "_" BUILT_C);
    s.grease = 1; /* a GREASE suite, 2 GREASE extensions, and in 4 lists */
    assert_built(&s, "t13d0507h2" BUILT_HASHES, "t13d0507h2_" BUILT_B "_" BUILT_C);
}

static void built_no_sni_no_alpn(void)
{
    struct ch_shape s = {.grease = 1, .versions = 1, .sigalgs = 1, .alpn = "h2", .nciphers = 5};
    assert_built(&s, "t13i0506h2" BUILT_HASHES, "t13i0506h2_" BUILT_B "_" BUILT_C);
    s.sni = 1, s.alpn = NULL;
    assert_built(&s, "t13d050600" BUILT_HASHES, "t13d050600_" BUILT_B "_" BUILT_C);
}

static void built_odd_alpn(void)
{
    struct ch_shape s = {
        .grease = 1, .sni = 1, .versions = 1, .sigalgs = 1, .alpn = "\xba\xad", .nciphers = 5};
    assert_built(&s, "t13d0507bd" BUILT_HASHES, "t13d0507bd_" BUILT_B "_" BUILT_C);
    s.alpn = "x";
    assert_built(&s, "t13d0507xx" BUILT_HASHES, "t13d0507xx_" BUILT_B "_" BUILT_C);
    s.alpn = "a b!";
    assert_built(&s, "t13d050761" BUILT_HASHES, "t13d050761_" BUILT_B "_" BUILT_C);
}

/* 120 suites: the count stops at 99, the list keeps them all. */
static void built_many_ciphers(void)
{
    struct ch_shape s = {
        .grease = 1, .sni = 1, .versions = 1, .sigalgs = 1, .alpn = "h2", .nciphers = 120};
    char b[1024];
    size_t at = 0;
    for (unsigned v = 0x0105; v < 0x0100 + 120; v++)
        at += (size_t)snprintf(b + at, sizeof(b) - at, "%04x,", v);
    snprintf(b + at, sizeof(b) - at, "%s", BUILT_B);
    char raw[2048];
    snprintf(raw, sizeof(raw), "t13d9907h2_%s_%s", b, BUILT_C);
    assert_built(&s, "t13d9907h2_793be51fa140_5e6a61e7dae5", raw);
}

static void built_no_sigalgs(void)
{
    struct ch_shape s = {.grease = 1, .sni = 1, .versions = 1, .alpn = "h2", .nciphers = 5};
    assert_built(&s, "t13d0506h2_e133e205ac38_23223765ab26",
                 "t13d0506h2_" BUILT_B "_000a,000b,002b,0033");
}

/* No supported_versions: the version is the hello's own. */
static void built_tls12_only(void)
{
    struct ch_shape s = {.grease = 1, .sni = 1, .sigalgs = 1, .alpn = "h2", .nciphers = 5};
    assert_built(&s, "t12d0506h2_e133e205ac38_f42ba24349cb",
                 "t12d0506h2_" BUILT_B "_000a,000b,000d,0033_0403,0804,0401");
}

/* A TLS 1.2 ServerHello with ALPN: extensions kept in wire order. */
static void built_server_hello(void)
{
    uint8_t random[32];
    memset(random, 0x55, sizeof(random));
    msg_len = 0;
    u16(0x0303);
    put(random, 32);
    u8(0);
    u16(0xc02f), u8(0);
    size_t exts = open16();
    u16(0xff01), u16(1), u8(0);
    u16(11), u16(2), u8(1), u8(0);
    u16(16), u16(5), u16(3), u8(2), put("h2", 2);
    u16(23), u16(0);
    close16(exts);
    assert_decoded(TLS_HS_SERVER_HELLO, "t1204h2_c02f_f8a64b40b891",
                   "t1204h2_c02f_ff01,000b,0010,0017");
}

void suite_ja4(void)
{
    static const CU_TestInfo tests[] = {
        {"JA4.md example, with and without signature algorithms", spec_ja4},
        {"JA4S.md example", spec_ja4s},
        {"FoxIO test data: Firefox (tls12.pcap)", foxio_firefox},
        {"FoxIO test data: non-ASCII ALPN, JA4 and JA4S", foxio_non_ascii_alpn},
        {"JA4.md ALPN examples", spec_alpn},
        {"JA4.md versions", spec_versions},
        {"empty lists, hello not seen", empty_and_unseen},
        {"built ClientHello: GREASE everywhere is ignored", built_grease},
        {"built ClientHello: no SNI, no ALPN", built_no_sni_no_alpn},
        {"built ClientHello: non-alphanumeric and 1-byte ALPN", built_odd_alpn},
        {"built ClientHello: 120 cipher suites", built_many_ciphers},
        {"built ClientHello: no signature_algorithms", built_no_sigalgs},
        {"built ClientHello: TLS 1.2 only", built_tls12_only},
        {"built ServerHello: TLS 1.2 with ALPN", built_server_hello},
        CU_TEST_INFO_NULL,
    };
    add_suite("ja4", tests);
}
