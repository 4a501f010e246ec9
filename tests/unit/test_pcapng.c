/* The pcapng walk for Decryption Secrets Blocks: files built here block by
 * block in either byte order, then cut at every offset, given lengths that
 * lie, and more secrets than the cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/capture/capture_int.h"
#include "unit.h"

#define TLSK 0x544C534Bu
#define WIREGUARD 0x57474B4Cu

struct file {
    uint8_t b[4096];
    size_t n;
    int le;
};

static void put32(struct file *f, uint32_t v)
{
    CU_ASSERT_FATAL(f->n + 4 <= sizeof(f->b));
    for (int i = 0; i < 4; i++)
        f->b[f->n++] = (uint8_t)(f->le ? v >> (8 * i) : v >> (24 - 8 * i));
}

static void put16(struct file *f, uint16_t v)
{
    f->b[f->n++] = (uint8_t)(f->le ? v : v >> 8);
    f->b[f->n++] = (uint8_t)(f->le ? v >> 8 : v);
}

static void put_padded(struct file *f, const void *p, size_t n)
{
    CU_ASSERT_FATAL(f->n + n + 3 <= sizeof(f->b));
    memcpy(f->b + f->n, p, n);
    f->n += n;
    while (f->n % 4)
        f->b[f->n++] = 0;
}

static void shb(struct file *f, int le)
{
    f->le = le;
    put32(f, 0x0A0D0D0A);
    put32(f, 28);
    put32(f, 0x1A2B3C4D);
    put16(f, 1);
    put16(f, 0);
    put32(f, 0xffffffff); /* section length: not given */
    put32(f, 0xffffffff);
    put32(f, 28);
}

static void idb(struct file *f)
{
    put32(f, 1);
    put32(f, 20);
    put16(f, 1); /* Ethernet */
    put16(f, 0);
    put32(f, 262144);
    put32(f, 20);
}

static void epb(struct file *f, size_t caplen)
{
    static const uint8_t frame[64];
    uint32_t len = (uint32_t)(32 + (caplen + 3) / 4 * 4);
    put32(f, 6);
    put32(f, len);
    put32(f, 0);
    put32(f, 0x5e0f);
    put32(f, 0x12345678);
    put32(f, (uint32_t)caplen);
    put32(f, (uint32_t)caplen);
    put_padded(f, frame, caplen);
    put32(f, len);
}

static void dsb(struct file *f, uint32_t type, const char *secrets)
{
    size_t n = strlen(secrets);
    uint32_t len = (uint32_t)(20 + (n + 3) / 4 * 4);
    put32(f, 0x0000000A);
    put32(f, len);
    put32(f, type);
    put32(f, (uint32_t)n);
    put_padded(f, secrets, n);
    put32(f, len);
}

/* Walks n bytes of p as a file. */
static enum cap_scan_end walk(const uint8_t *p, size_t n, struct cap_secrets *s)
{
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, p, n);
    FILE *f = fmemopen(copy, n ? n : 1, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (!n)
        (void)fgetc(f); /* fmemopen wants one byte at least: read it away */
    enum cap_scan_end e = cap_pcapng_secrets(f, s);
    fclose(f);
    free(copy);
    return e;
}

static int text_is(const struct cap_secrets *s, const char *want)
{
    return s->len == strlen(want) && (!s->len || memcmp(s->text, want, s->len) == 0);
}

/* Secrets before the packets, of another type, after a packet. */
static size_t sample(struct file *f, int le)
{
    memset(f, 0, sizeof(*f));
    shb(f, le);
    idb(f);
    dsb(f, TLSK, "CLIENT_RANDOM aa bb\nCLIENT_RANDOM cc dd"); /* no newline at the end */
    dsb(f, WIREGUARD, "not for tlsdump");
    epb(f, 60);
    dsb(f, TLSK, "SERVER_TRAFFIC_SECRET_0 ee ff\n");
    epb(f, 42);
    return f->n;
}

#define SAMPLE_TEXT "CLIENT_RANDOM aa bb\nCLIENT_RANDOM cc dd\nSERVER_TRAFFIC_SECRET_0 ee ff\n"

static void both_byte_orders(void)
{
    struct file f;
    struct cap_secrets s;

    for (int le = 0; le < 2; le++) {
        sample(&f, le);
        CU_ASSERT_EQUAL(walk(f.b, f.n, &s), CAP_SCAN_DONE);
        CU_ASSERT(text_is(&s, SAMPLE_TEXT));
        CU_ASSERT_EQUAL(s.tls_blocks, 2);
        CU_ASSERT_EQUAL(s.other_blocks, 1);
        CU_ASSERT_EQUAL(s.blocks, 7);
        cap_secrets_clear(&s);
        CU_ASSERT_PTR_NULL(s.text);
    }
    /* A second section in the other byte order, secrets in both. */
    sample(&f, 1);
    shb(&f, 0);
    dsb(&f, TLSK, "EXPORTER_SECRET 11 22\n");
    CU_ASSERT_EQUAL(walk(f.b, f.n, &s), CAP_SCAN_DONE);
    CU_ASSERT(text_is(&s, SAMPLE_TEXT "EXPORTER_SECRET 11 22\n"));
    CU_ASSERT_EQUAL(s.tls_blocks, 3);
    cap_secrets_clear(&s);
    cap_secrets_clear(NULL);
}

static void not_pcapng(void)
{
    static const uint8_t pcap[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4};
    struct cap_secrets s;
    CU_ASSERT_EQUAL(walk(pcap, sizeof(pcap), &s), CAP_SCAN_NOT_PCAPNG);
    CU_ASSERT_EQUAL(walk(pcap, 0, &s), CAP_SCAN_NOT_PCAPNG);
    CU_ASSERT_EQUAL(s.len, 0);
    CU_ASSERT_PTR_NULL(s.text);
}

/* Every cut: never a crash, what was read is a prefix of the whole, the
 * walk ends cleanly only at a block's end. */
static void cut_everywhere(void)
{
    struct file f;
    struct cap_secrets s;
    static const size_t ends[] = {28, 48, 108, 144, 236, 288, 364};

    for (int le = 0; le < 2; le++) {
        size_t n = sample(&f, le), e = 0;
        CU_ASSERT_EQUAL_FATAL(n, ends[6]);
        for (size_t cut = 0; cut < n; cut++) {
            enum cap_scan_end r = walk(f.b, cut, &s);
            int at_end = cut == ends[e];
            e += at_end;
            if (cut < 4)
                CU_ASSERT_EQUAL(r, CAP_SCAN_NOT_PCAPNG)
            else
                CU_ASSERT_EQUAL(r, at_end ? CAP_SCAN_DONE : CAP_SCAN_TRUNCATED);
            CU_ASSERT(s.len <= strlen(SAMPLE_TEXT) &&
                      (!s.len || memcmp(s.text, SAMPLE_TEXT, s.len) == 0));
            CU_ASSERT_EQUAL(s.tls_blocks, cut >= 288 ? 2 : cut >= 108 ? 1 : 0);
            cap_secrets_clear(&s);
        }
    }
}

/* The byte at `at` replaced by v (a length's low byte in little endian). */
static enum cap_scan_end changed(size_t at, uint8_t v, struct cap_secrets *s)
{
    struct file f;
    sample(&f, 1);
    f.b[at] = v;
    return walk(f.b, f.n, s);
}

static void lying_lengths(void)
{
    struct cap_secrets s;
    /* The first DSB (at 48, length 60): longer, shorter, not a multiple of
     * 4, shorter than a DSB can be, its trailer; its secrets' length. */
    static const struct {
        size_t at;
        uint8_t v;
    } cases[] = {{52, 64}, {52, 56}, {52, 61}, {52, 16}, {52, 8}, {104, 64}, {60, 41}, {60, 0xff}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum cap_scan_end r = changed(cases[i].at, cases[i].v, &s);
        CU_ASSERT_EQUAL(r, CAP_SCAN_MALFORMED);
        CU_ASSERT_PTR_NOT_NULL(s.why);
        CU_ASSERT_EQUAL(s.at, 48);
        CU_ASSERT_EQUAL(s.tls_blocks, 0);
        cap_secrets_clear(&s);
    }
    /* A DSB with fewer secrets than its room: the rest is padding and
     * options, skipped. */
    CU_ASSERT_EQUAL(changed(60, 20, &s), CAP_SCAN_DONE);
    CU_ASSERT(text_is(&s, "CLIENT_RANDOM aa bb\n"
                          "SERVER_TRAFFIC_SECRET_0 ee ff\n"));
    cap_secrets_clear(&s);
    /* A packet block that claims more than the file holds. */
    CU_ASSERT_EQUAL(changed(148 + 3, 0x7f, &s), CAP_SCAN_TRUNCATED);
    CU_ASSERT_EQUAL(s.tls_blocks, 1);
    cap_secrets_clear(&s);
    /* The section header: an unknown magic, an unknown major version. */
    CU_ASSERT_EQUAL(changed(8, 0x00, &s), CAP_SCAN_MALFORMED);
    CU_ASSERT_EQUAL(changed(12, 2, &s), CAP_SCAN_MALFORMED);
    CU_ASSERT_EQUAL(changed(4, 24, &s), CAP_SCAN_MALFORMED);
}

/* A file whose second DSB claims n bytes of secrets it does not hold. */
static size_t claims(struct file *f, uint32_t n)
{
    memset(f, 0, sizeof(*f));
    shb(f, 1);
    dsb(f, TLSK, "ab\n");
    put32(f, 0x0000000A);
    put32(f, 20 + (n + 3) / 4 * 4);
    put32(f, TLSK);
    put32(f, n);
    return f->n;
}

static void over_the_cap(void)
{
    struct file f;
    struct cap_secrets s;

    /* 3 + (cap - 3) bytes and the newline added: over.  The cap is checked
     * before anything is read or allocated. */
    claims(&f, CAP_SECRETS_MAX - 3);
    CU_ASSERT_EQUAL(walk(f.b, f.n, &s), CAP_SCAN_OVER_CAP);
    CU_ASSERT(text_is(&s, "ab\n"));
    CU_ASSERT_EQUAL(s.at, 52);
    cap_secrets_clear(&s);
    /* One byte less fits: then the file is found short. */
    claims(&f, CAP_SECRETS_MAX - 4);
    CU_ASSERT_EQUAL(walk(f.b, f.n, &s), CAP_SCAN_TRUNCATED);
    CU_ASSERT(text_is(&s, "ab\n"));
    cap_secrets_clear(&s);
}

void suite_pcapng(void)
{
    static const CU_TestInfo tests[] = {
        {"TLSK secrets in both byte orders, other types skipped, after packets", both_byte_orders},
        {"not pcapng: nothing read", not_pcapng},
        {"cut at every offset: a prefix of the secrets, no crash", cut_everywhere},
        {"lengths that lie: stop at that block, keep what came before", lying_lengths},
        {"more secrets than the cap: stop before reading them", over_the_cap},
        CU_TEST_INFO_NULL,
    };
    add_suite("pcapng decryption secrets", tests);
}
