/*
 * The secrets a pcapng file carries beside its packets.
 *
 * pcapng (draft-ietf-opsawg-pcapng) frames everything as blocks: type,
 * total length, body, total length again.  A Decryption Secrets Block
 * (type 0x0000000A, section "Decryption Secrets Block") holds a secrets
 * type, the secrets' length and the secrets themselves; type "TLSK" is the
 * NSS key log text that `editcap --inject-secrets tls,keys.log` and
 * Wireshark write.  libpcap skips these blocks, so this walk reads them: it
 * looks at each block's header, skips packet blocks by their length, checks
 * that the length at the end agrees, and stops at the first thing that does
 * not add up.  Each Section Header Block sets the byte order of the blocks
 * that follow it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "capture_int.h"
#include "base/cursor.h"

#define BT_SHB 0x0A0D0D0Au /* a palindrome: the same in either byte order */
#define BT_DSB 0x0000000Au
#define SHB_MAGIC 0x1A2B3C4Du
#define SECRETS_TLSK 0x544C534Bu
#define BLOCK_MIN 12u /* type, length, length */
#define SHB_MIN 28u   /* ... magic, version, section length */
#define DSB_MIN 20u   /* ... secrets type, secrets length */

struct walk {
    FILE *f;
    int le;      /* the current section's byte order */
    size_t room; /* bytes allocated for s->text */
    struct cap_secrets *s;
};

static int rd32(struct cursor *c, int le, uint32_t *v)
{
    return le ? cur_u32le(c, v) : cur_u32(c, v);
}

/* Reads exactly n bytes (n <= 16) and opens a cursor on them. */
static int take(struct walk *w, uint8_t *buf, size_t n, struct cursor *c)
{
    if (fread(buf, 1, n, w->f) != n)
        return 0;
    *c = cur_make(buf, n);
    return 1;
}

static enum cap_scan_end malformed(struct walk *w, const char *why)
{
    w->s->why = why;
    return CAP_SCAN_MALFORMED;
}

/* A Section Header Block after its type: the magic decides the byte order
 * of its length and of every block up to the next one. */
static enum cap_scan_end section_header(struct walk *w, uint32_t *len)
{
    uint8_t buf[12];
    struct cursor c;
    uint32_t magic;
    uint16_t major;

    if (!take(w, buf, sizeof(buf), &c) || !cur_skip(&c, 4) || !cur_u32(&c, &magic))
        return CAP_SCAN_TRUNCATED;
    if (magic != SHB_MAGIC && magic != 0x4D3C2B1Au)
        return malformed(w, "section header with an unknown byte-order magic");
    w->le = magic != SHB_MAGIC;
    c = cur_make(buf, sizeof(buf));
    if (!rd32(&c, w->le, len) || !cur_skip(&c, 4) || !cur_u16(&c, &major))
        return CAP_SCAN_TRUNCATED;
    if (major != (w->le ? 0x0100 : 0x0001))
        return malformed(w, "section header of an unknown major version");
    if (*len < SHB_MIN)
        return malformed(w, "section header shorter than 28 bytes");
    return CAP_SCAN_DONE;
}

/* Skips n bytes; a seek past the end shows as a truncated trailer later. */
static int skip(struct walk *w, uint64_t n)
{
    return n <= LONG_MAX && fseek(w->f, (long)n, SEEK_CUR) == 0;
}

/* Makes room for n more bytes, doubling; the old buffer is wiped rather
 * than left behind with a copy of the secrets. */
static int reserve(struct walk *w, size_t n)
{
    struct cap_secrets *s = w->s;
    if (s->len + n <= w->room)
        return 1;
    size_t room = w->room ? w->room : 4096;
    while (room < s->len + n)
        room *= 2;
    char *text = malloc(room);
    if (!text)
        return 0;
    if (s->text) {
        memcpy(text, s->text, s->len);
        explicit_bzero(s->text, s->len);
        free(s->text);
    }
    s->text = text;
    w->room = room;
    return 1;
}

/* Appends n bytes of TLSK secrets from the file to the text, and a
 * newline if they lack one. */
static enum cap_scan_end append_secrets(struct walk *w, uint32_t n)
{
    struct cap_secrets *s = w->s;
    if ((uint64_t)s->len + n + 1 > CAP_SECRETS_MAX)
        return CAP_SCAN_OVER_CAP;
    if (!reserve(w, (size_t)n + 1))
        return CAP_SCAN_NO_MEMORY;
    if (fread(s->text + s->len, 1, n, w->f) != n) {
        explicit_bzero(s->text + s->len, n);
        return CAP_SCAN_TRUNCATED;
    }
    s->len += n;
    if (n && s->text[s->len - 1] != '\n')
        s->text[s->len++] = '\n';
    return CAP_SCAN_DONE;
}

/* The body of a Decryption Secrets Block of total length len: secrets
 * type, secrets length, the secrets, padding and options (skipped). */
static enum cap_scan_end secrets_block(struct walk *w, uint32_t len)
{
    uint8_t buf[8];
    struct cursor c;
    uint32_t type, n;

    if (len < DSB_MIN)
        return malformed(w, "decryption secrets block shorter than 20 bytes");
    if (!take(w, buf, sizeof(buf), &c) || !rd32(&c, w->le, &type) || !rd32(&c, w->le, &n))
        return CAP_SCAN_TRUNCATED;
    if (n > len - DSB_MIN)
        return malformed(w, "secrets longer than their block");
    if (type != SECRETS_TLSK) {
        w->s->other_blocks++;
        return skip(w, len - DSB_MIN) ? CAP_SCAN_DONE : CAP_SCAN_TRUNCATED;
    }
    enum cap_scan_end e = append_secrets(w, n);
    if (e != CAP_SCAN_DONE)
        return e;
    w->s->tls_blocks++;
    return skip(w, len - DSB_MIN - n) ? CAP_SCAN_DONE : CAP_SCAN_TRUNCATED;
}

/* One block: its header, its body (read or skipped), the length that
 * closes it.  Returns CAP_SCAN_DONE to go on. */
static enum cap_scan_end block_of(struct walk *w)
{
    uint8_t buf[8];
    struct cursor c;
    uint32_t type, len, trailer;
    enum cap_scan_end e = CAP_SCAN_DONE;

    if (!take(w, buf, 4, &c) || !rd32(&c, w->le, &type))
        return CAP_SCAN_TRUNCATED;
    if (type == BT_SHB) {
        e = section_header(w, &len);
    } else if (!take(w, buf, 4, &c) || !rd32(&c, w->le, &len)) {
        e = CAP_SCAN_TRUNCATED;
    } else if (len < BLOCK_MIN) {
        e = malformed(w, "block shorter than 12 bytes");
    }
    if (e != CAP_SCAN_DONE)
        return e;
    if (len % 4)
        return malformed(w, "block length not a multiple of 4");
    if (type == BT_DSB)
        e = secrets_block(w, len);
    else if (!skip(w, len - (type == BT_SHB ? 20u : 12u)))
        e = CAP_SCAN_TRUNCATED;
    if (e != CAP_SCAN_DONE)
        return e;
    if (!take(w, buf, 4, &c) || !rd32(&c, w->le, &trailer))
        return CAP_SCAN_TRUNCATED;
    return trailer == len ? CAP_SCAN_DONE : malformed(w, "block lengths at its two ends differ");
}

/* A block's secrets count only once its closing length agrees. */
static enum cap_scan_end block(struct walk *w)
{
    struct cap_secrets *s = w->s;
    size_t len = s->len;
    unsigned tls = s->tls_blocks, other = s->other_blocks;
    enum cap_scan_end e = block_of(w);

    if (e != CAP_SCAN_DONE) {
        if (s->text)
            explicit_bzero(s->text + len, s->len - len);
        s->len = len;
        s->tls_blocks = tls;
        s->other_blocks = other;
    }
    return e;
}

/* Whether f starts with a Section Header Block; leaves f where it was. */
static int is_pcapng(FILE *f)
{
    uint8_t buf[4];
    struct cursor c;
    uint32_t type;
    long at = ftell(f);
    int yes = 0;

    if (fread(buf, 1, sizeof(buf), f) == sizeof(buf)) {
        c = cur_make(buf, sizeof(buf));
        yes = cur_u32(&c, &type) && type == BT_SHB;
    }
    return fseek(f, at, SEEK_SET) == 0 && yes;
}

enum cap_scan_end cap_pcapng_secrets(FILE *f, struct cap_secrets *s)
{
    struct walk w = {.f = f, .s = s};

    memset(s, 0, sizeof(*s));
    if (!is_pcapng(f))
        return s->end = CAP_SCAN_NOT_PCAPNG;
    for (;;) {
        long at = ftell(f);
        int ch = fgetc(f);
        if (ch == EOF)
            return s->end = CAP_SCAN_DONE;
        if (ungetc(ch, f) == EOF || at < 0)
            return s->end = CAP_SCAN_TRUNCATED;
        s->at = (uint64_t)at;
        if (s->blocks == CAP_SCAN_MAX_BLOCKS)
            return s->end = CAP_SCAN_MANY_BLOCKS;
        s->blocks++;
        enum cap_scan_end e = block(&w);
        if (e != CAP_SCAN_DONE)
            return s->end = e;
    }
}

void cap_secrets_clear(struct cap_secrets *s)
{
    if (!s)
        return;
    if (s->text) {
        explicit_bzero(s->text, s->len);
        free(s->text);
    }
    s->text = NULL;
    s->len = 0;
}
