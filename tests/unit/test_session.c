/* The crypto stage's TLS 1.2 paths through its own interface: keying
 * updates (hellos, ChangeCipherSpec, Finished, NewSessionTicket) and
 * crypto_conn_open.  Each record is sealed here with EVP from a key block
 * the test derives itself (crypto_tls_prf, checked against published
 * vectors in test_crypto.c) from a master secret and randoms it chose;
 * the master secret reaches the stage through a key log line.  Each class
 * of record protection (RFC 5246 6.2.3): CBC with MAC-then-encrypt and
 * with encrypt-then-MAC (RFC 7366), a stream cipher (RC4), AEAD (GCM,
 * RFC 5288; ChaCha20-Poly1305, RFC 7905); and sessions resumed by ID and
 * by ticket (RFC 5077) on a second connection without a key log line;
 * and key log lines that reach their file late, as in a live capture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../../src/crypto/crypto_int.h"
#include "unit.h"

/* A suite as the test seals it. */
struct sealer {
    uint16_t suite;
    const char *cipher;              /* EVP name */
    const char *md;                  /* HMAC digest (CBC, stream); NULL for AEAD */
    const char *prf;                 /* TLS 1.2 PRF digest */
    size_t mac_len, key_len, iv_len; /* iv_len: CBC block, AEAD fixed IV */
    enum { CBC, STREAM, GCM, CHACHA } cls;
};

static const struct sealer AES_CBC = {0x002f, "AES-128-CBC", "SHA1", "SHA256", 20, 16, 16, CBC};
static const struct sealer RC4 = {0x0005, "RC4", "SHA1", "SHA256", 20, 16, 0, STREAM};
static const struct sealer AES_GCM = {0x009c, "AES-128-GCM", NULL, "SHA256", 0, 16, 4, GCM};
static const struct sealer CHACHA20 = {0xcca8, "ChaCha20-Poly1305", NULL, "SHA256", 0, 32, 12,
                                       CHACHA};

/* One direction's sealing state. */
struct seal_dir {
    const struct sealer *s;
    int etm;
    uint8_t mac_key[32], key[32], iv[16];
    uint64_t seq;
    EVP_CIPHER_CTX *stream; /* RC4 keeps its state from record to record */
};

#define MASTER                                                                                     \
    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"                                             \
    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"

static void fill(uint8_t *p, size_t n, uint8_t v)
{
    memset(p, v, n);
}

/* RFC 5246 6.3: the key block, client's then server's MAC keys, keys, IVs. */
static void key_block(struct seal_dir d[2], const struct sealer *s, int etm, const uint8_t cr[32],
                      const uint8_t sr[32])
{
    uint8_t master[48], kb[2 * (32 + 32 + 16)];
    size_t n = 2 * (s->mac_len + s->key_len + s->iv_len), at = 0;
    fill(master, sizeof(master), 0x0b);
    CU_ASSERT_FATAL(crypto_tls_prf(s->prf, master, 48, "key expansion", sr, 32, cr, 32, kb, n));
    for (int i = 0; i < 2; i++)
        d[i] = (struct seal_dir){.s = s, .etm = etm};
    for (int i = 0; i < 2; i++, at += s->mac_len)
        memcpy(d[i].mac_key, kb + at, s->mac_len);
    for (int i = 0; i < 2; i++, at += s->key_len)
        memcpy(d[i].key, kb + at, s->key_len);
    for (int i = 0; i < 2; i++, at += s->iv_len)
        memcpy(d[i].iv, kb + at, s->iv_len);
}

/* RFC 5246 6.2.3.1: seq_num + type + version + length. */
static void pseudo_header(uint8_t h[13], uint64_t seq, size_t len)
{
    for (int i = 0; i < 8; i++)
        h[i] = (uint8_t)(seq >> (56 - 8 * i));
    h[8] = 23, h[9] = 3, h[10] = 3, h[11] = (uint8_t)(len >> 8), h[12] = (uint8_t)len;
}

static void hmac(const struct seal_dir *d, const uint8_t *p, size_t n, size_t len_in_header,
                 uint8_t *out)
{
    uint8_t buf[13 + 2048];
    unsigned int l = 0;
    pseudo_header(buf, d->seq, len_in_header);
    memcpy(buf + 13, p, n);
    CU_ASSERT_FATAL(HMAC(EVP_get_digestbyname(d->s->md), d->mac_key, (int)d->s->mac_len, buf,
                         13 + n, out, &l) &&
                    l == d->s->mac_len);
}

static int cbc_crypt(const char *cipher, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                     size_t n, uint8_t *out)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int l, l2,
        ok = c && ctx && EVP_EncryptInit_ex(ctx, c, NULL, key, iv) &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) && EVP_EncryptUpdate(ctx, out, &l, in, (int)n) &&
             EVP_EncryptFinal_ex(ctx, out + l, &l2);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return ok;
}

/* CBC (RFC 5246 6.2.3.2, explicit IV): MAC, then pad, then encrypt; or
 * (RFC 7366) pad, encrypt, then MAC the IV and ciphertext. */
static size_t seal_cbc(struct seal_dir *d, const uint8_t *p, size_t n, uint8_t *body)
{
    uint8_t in[1024], *iv = body;
    size_t m = d->etm ? 0 : d->s->mac_len, pad = 16 - (n + m + 1) % 16;
    fill(iv, 16, (uint8_t)(0xa0 + d->seq));
    memcpy(in, p, n);
    if (!d->etm)
        hmac(d, p, n, n, in + n);
    fill(in + n + m, pad + 1, (uint8_t)pad);
    size_t ct = n + m + pad + 1;
    CU_ASSERT_FATAL(cbc_crypt(d->s->cipher, d->key, iv, in, ct, body + 16));
    if (!d->etm)
        return 16 + ct;
    hmac(d, body, 16 + ct, 16 + ct, body + 16 + ct);
    return 16 + ct + d->s->mac_len;
}

static size_t seal_stream(struct seal_dir *d, const uint8_t *p, size_t n, uint8_t *body)
{
    uint8_t in[1024];
    int l;
    if (!d->stream) {
        EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, d->s->cipher, NULL);
        CU_ASSERT_FATAL(c && (d->stream = EVP_CIPHER_CTX_new()) &&
                        EVP_EncryptInit_ex(d->stream, c, NULL, d->key, NULL));
        EVP_CIPHER_free(c);
    }
    memcpy(in, p, n);
    hmac(d, p, n, n, in + n);
    CU_ASSERT_FATAL(EVP_EncryptUpdate(d->stream, body, &l, in, (int)(n + d->s->mac_len)));
    return n + d->s->mac_len;
}

/* GCM (RFC 5288 3): 4 bytes of the key block, 8 explicit (the sequence
 * number) before the ciphertext; ChaCha20-Poly1305 (RFC 7905 2): the IV
 * XOR the sequence number, nothing explicit. */
static size_t seal_aead(struct seal_dir *d, const uint8_t *p, size_t n, uint8_t *body)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, d->s->cipher, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t nonce[12], aad[13];
    size_t ex = d->s->cls == GCM ? 8 : 0;
    int l, l2;

    memcpy(nonce, d->iv, d->s->iv_len);
    for (int i = 0; i < 8; i++) {
        uint8_t b = (uint8_t)(d->seq >> (56 - 8 * i));
        if (ex)
            nonce[4 + i] = body[i] = b;
        else
            nonce[4 + i] ^= b;
    }
    pseudo_header(aad, d->seq, n);
    CU_ASSERT_FATAL(c && ctx && EVP_EncryptInit_ex(ctx, c, NULL, d->key, nonce) &&
                    EVP_EncryptUpdate(ctx, NULL, &l, aad, 13) &&
                    EVP_EncryptUpdate(ctx, body + ex, &l, p, (int)n) &&
                    EVP_EncryptFinal_ex(ctx, body + ex + l, &l2) &&
                    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, body + ex + n));
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    return ex + n + 16;
}

/* An application_data record of p, the next of d. */
static size_t seal12(struct seal_dir *d, const char *text, uint8_t *body)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t n = strlen(text), len;
    switch (d->s->cls) {
    case CBC:
        len = seal_cbc(d, p, n, body);
        break;
    case STREAM:
        len = seal_stream(d, p, n, body);
        break;
    default:
        len = seal_aead(d, p, n, body);
        break;
    }
    d->seq++;
    return len;
}

static struct crypto_plaintext pt;

static enum crypto_open_status open12(struct crypto_conn *c, enum dir dir, const uint8_t *body,
                                      size_t n)
{
    struct crypto_record r = {.type = 23, .version = 0x0303, .fragment = body, .length = n};
    uint64_t skipped = 1;
    enum crypto_open_status st = crypto_conn_open(c, dir, &r, &pt, &skipped);
    CU_ASSERT_EQUAL(skipped, 0);
    return st;
}

static int plain_is(const char *text)
{
    return pt.type == 23 && pt.n == strlen(text) && memcmp(pt.p, text, pt.n) == 0;
}

/* The key log line that gives cr's master secret. */
static struct crypto_keys *keys_for(const uint8_t cr[32])
{
    char line[200] = "CLIENT_RANDOM ";
    struct crypto_keys *k = crypto_keys_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    for (int i = 0; i < 32; i++)
        snprintf(line + 14 + 2 * i, 3, "%02x", cr[i]);
    strcat(line, " " MASTER "\n");
    CU_ASSERT_EQUAL_FATAL(crypto_keys_add_keylog_text(k, line, strlen(line)), 1);
    return k;
}

struct handshake {
    uint8_t cr[32], sr[32];
    const uint8_t *offer; /* the session ID or ticket the client offers */
    size_t offer_len;
    int ticket;  /* ... a ticket */
    int resumed; /* the server resumes it */
    uint8_t sid[32];
};

/* A TLS 1.2 handshake's keying updates, up to both ChangeCipherSpecs. */
static void handshake(struct crypto_conn *c, const struct handshake *h, const struct sealer *s,
                      int etm)
{
    struct crypto_client_hello ch = {.random = h->cr};
    struct crypto_server_hello sh = {.version = 0x0303,
                                     .suite = s->suite,
                                     .random = h->sr,
                                     .session_id = h->sid,
                                     .session_id_len = sizeof(h->sid),
                                     .resumed = h->resumed,
                                     .etm = etm};
    if (h->ticket)
        ch.ticket = h->offer, ch.ticket_len = h->offer_len;
    else
        ch.session_id = h->offer, ch.session_id_len = h->offer_len;
    crypto_conn_update(c, DIR_C2S, &(struct crypto_update){.kind = CRYPTO_CLIENT_HELLO, .ch = &ch});
    crypto_conn_update(c, DIR_S2C, &(struct crypto_update){.kind = CRYPTO_SERVER_HELLO, .sh = &sh});
    for (int dir = 0; dir < 2; dir++)
        crypto_conn_update(c, (enum dir)dir,
                           &(struct crypto_update){.kind = CRYPTO_CHANGE_CIPHER_SPEC});
}

/* Records each way open to their plaintext; a flipped byte (of the MAC,
 * the padding or the tag) fails, and the next record still opens. */
static void records(struct crypto_conn *c, struct seal_dir d[2])
{
    static const char *texts[] = {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\nhello",
                                  "a second record"};
    uint8_t body[1200];
    for (int dir = 0; dir < 2; dir++) {
        size_t n = seal12(&d[dir], texts[dir], body);
        CU_ASSERT_EQUAL(open12(c, (enum dir)dir, body, n), CRYPTO_OPEN_OK);
        CU_ASSERT(plain_is(texts[dir]));
    }
    if (d[1].s->cls == STREAM) /* RC4's keystream moves on: no second try */
        return;
    size_t n = seal12(&d[1], texts[2], body);
    body[n - 1] ^= 0x01;
    CU_ASSERT_EQUAL(open12(c, DIR_S2C, body, n), CRYPTO_OPEN_FAILED);
    body[n - 1] ^= 0x01;
    CU_ASSERT_EQUAL(open12(c, DIR_S2C, body, n), CRYPTO_OPEN_OK);
    CU_ASSERT(plain_is(texts[2]));
}

static void one_suite(const struct sealer *s, int etm)
{
    struct handshake h = {.resumed = 0};
    struct seal_dir d[2];
    fill(h.cr, 32, 0xc1), fill(h.sr, 32, 0x51), fill(h.sid, 32, 0x5e);
    struct crypto_keys *k = keys_for(h.cr);
    struct crypto_conn *c = crypto_conn_new(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    handshake(c, &h, s, etm);
    key_block(d, s, etm, h.cr, h.sr);
    records(c, d);
    const struct crypto_result *r = crypto_conn_result(c);
    CU_ASSERT_EQUAL(r->failed_records, s->cls == STREAM ? 0 : 1);
    CU_ASSERT_EQUAL(r->app_bytes[DIR_C2S], 18);
    crypto_conn_free(c);
    crypto_keys_free(k);
    for (int i = 0; i < 2; i++)
        EVP_CIPHER_CTX_free(d[i].stream);
}

static void cbc(void)
{
    one_suite(&AES_CBC, 0);
}

static void cbc_encrypt_then_mac(void)
{
    one_suite(&AES_CBC, 1);
}

static void stream(void)
{
    EVP_CIPHER *rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
    struct crypto_keys *k = crypto_keys_new(); /* loads the legacy provider */
    EVP_CIPHER_free(rc4);
    rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rc4); /* the legacy provider is part of the tests' packages */
    EVP_CIPHER_free(rc4);
    one_suite(&RC4, 0);
    crypto_keys_free(k);
}

static void gcm(void)
{
    one_suite(&AES_GCM, 0);
}

static void chacha20(void)
{
    one_suite(&CHACHA20, 0);
}

/* A first connection with the key log's master secret ends with a
 * Finished (the server's session ID is then resumable) and a
 * NewSessionTicket; a second one, whose client random has no key log
 * line, resumes it by ID or by ticket and opens its records. */
static void resumption(int by_ticket)
{
    static const uint8_t ticket[40] = {0x7e, 0x7e, 0x7e};
    struct handshake first = {0}, second = {.resumed = 1};
    struct seal_dir d[2];
    fill(first.cr, 32, 0xc1), fill(first.sr, 32, 0x51), fill(first.sid, 32, 0x5e);
    struct crypto_keys *k = keys_for(first.cr);
    struct crypto_conn *c = crypto_conn_new(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    handshake(c, &first, &AES_GCM, 0);
    crypto_conn_update(c, DIR_S2C,
                       &(struct crypto_update){.kind = CRYPTO_SESSION_TICKET,
                                               .bytes = ticket,
                                               .nbytes = sizeof(ticket)});
    crypto_conn_update(c, DIR_S2C, &(struct crypto_update){.kind = CRYPTO_FINISHED});
    crypto_conn_free(c);

    fill(second.cr, 32, 0xc2), fill(second.sr, 32, 0x52);
    memcpy(second.sid, first.sid, 32);
    second.ticket = by_ticket;
    second.offer = by_ticket ? ticket : first.sid;
    second.offer_len = by_ticket ? sizeof(ticket) : 32;
    c = crypto_conn_new(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    handshake(c, &second, &AES_GCM, 0);
    key_block(d, &AES_GCM, 0, second.cr, second.sr); /* the first session's master */
    records(c, d);
    CU_ASSERT_EQUAL(crypto_conn_result(c)->ok_records, 3);
    crypto_conn_free(c);

    /* Not resumed: the second client random has no master secret. */
    second.resumed = 0;
    c = crypto_conn_new(k);
    handshake(c, &second, &AES_GCM, 0);
    key_block(d, &AES_GCM, 0, second.cr, second.sr);
    uint8_t body[200];
    size_t n = seal12(&d[0], "x", body);
    CU_ASSERT_EQUAL(open12(c, DIR_C2S, body, n), CRYPTO_OPEN_NO_KEYS);
    CU_ASSERT_PTR_NOT_NULL(strstr(crypto_conn_result(c)->reason, "no CLIENT_RANDOM line"));
    crypto_conn_free(c);
    crypto_keys_free(k);
}

/* A live capture's key log grows as the client goes: a line may reach the
 * file after the records it opens are on the wire.  The key log here is a
 * file, written between the keying updates. */
static void append_line(const char *path, const char *label, const uint8_t cr[32],
                        const char *secret)
{
    FILE *f = fopen(path, "a");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "%s ", label);
    for (int i = 0; i < 32; i++)
        fprintf(f, "%02x", cr[i]);
    fprintf(f, " %s\n", secret);
    fclose(f);
}

static struct crypto_keys *keys_from_file(char *path)
{
    char err[200];
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    struct crypto_keys *k = crypto_keys_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_FATAL(crypto_keys_add_keylog(k, path, err, sizeof(err)));
    return k;
}

/* TLS 1.2: the CLIENT_RANDOM line comes after the ServerHello, before the
 * ChangeCipherSpec (the client writes it as it makes its key exchange). */
static void master_line_after_server_hello(void)
{
    char path[] = "/tmp/tlsdump-unit-XXXXXX";
    struct handshake h = {0};
    struct seal_dir d[2];
    struct crypto_keys *k = keys_from_file(path);
    struct crypto_conn *c = crypto_conn_new(k);
    fill(h.cr, 32, 0xc3), fill(h.sr, 32, 0x53), fill(h.sid, 32, 0x5e);
    struct crypto_client_hello ch = {.random = h.cr};
    struct crypto_server_hello sh = {
        .version = 0x0303, .suite = AES_GCM.suite, .random = h.sr, .session_id_len = 0};
    crypto_conn_update(c, DIR_C2S, &(struct crypto_update){.kind = CRYPTO_CLIENT_HELLO, .ch = &ch});
    crypto_conn_update(c, DIR_S2C, &(struct crypto_update){.kind = CRYPTO_SERVER_HELLO, .sh = &sh});
    append_line(path, "CLIENT_RANDOM", h.cr, MASTER);
    for (int dir = 0; dir < 2; dir++)
        crypto_conn_update(c, (enum dir)dir,
                           &(struct crypto_update){.kind = CRYPTO_CHANGE_CIPHER_SPEC});
    key_block(d, &AES_GCM, 0, h.cr, h.sr);
    records(c, d);
    CU_ASSERT_EQUAL(crypto_conn_result(c)->ok_records, 3);
    crypto_conn_free(c);
    crypto_keys_free(k);
    unlink(path);
}

#define STS0 "5353535353535353535353535353535353535353535353535353535353535353"

/* TLS 1.3: the server's application secret reaches the file after the
 * server's Finished and after its first record went by; the next record
 * opens, with its own sequence number. */
static void traffic_secret_after_its_records(void)
{
    char path[] = "/tmp/tlsdump-unit-XXXXXX";
    uint8_t cr[32], sr[32], secret[32], rec[300];
    struct crypto_keys *k = keys_from_file(path);
    struct crypto_conn *c = crypto_conn_new(k);
    fill(cr, 32, 0xc4), fill(sr, 32, 0x54), fill(secret, 32, 0x53);
    struct crypto_client_hello ch = {.random = cr};
    struct crypto_server_hello sh = {.version = 0x0304, .suite = 0x1301, .random = sr};
    append_line(path, "SERVER_HANDSHAKE_TRAFFIC_SECRET", cr, STS0);
    append_line(path, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", cr, STS0);
    crypto_conn_update(c, DIR_C2S, &(struct crypto_update){.kind = CRYPTO_CLIENT_HELLO, .ch = &ch});
    crypto_conn_update(c, DIR_S2C, &(struct crypto_update){.kind = CRYPTO_SERVER_HELLO, .sh = &sh});
    crypto_conn_update(c, DIR_S2C, &(struct crypto_update){.kind = CRYPTO_FINISHED});

    static const char *texts[] = {"first", "second", "third"};
    uint64_t skipped;
    for (int i = 0; i < 3; i++) {
        if (i == 1)
            append_line(path, "SERVER_TRAFFIC_SECRET_0", cr, STS0);
        size_t n = seal13("AES-128-GCM", "SHA256", secret, 32, (uint64_t)i, 23,
                          (const uint8_t *)texts[i], strlen(texts[i]), rec);
        struct crypto_record r = {
            .type = 23, .version = 0x0303, .fragment = rec + 5, .length = n - 5};
        enum crypto_open_status st = crypto_conn_open(c, DIR_S2C, &r, &pt, &skipped);
        CU_ASSERT_EQUAL(st, i == 0 ? CRYPTO_OPEN_NO_KEYS : CRYPTO_OPEN_OK);
        if (i > 0)
            CU_ASSERT(plain_is(texts[i]));
    }
    crypto_conn_free(c);
    crypto_keys_free(k);
    unlink(path);
}

static void resumed_by_id(void)
{
    resumption(0);
}

static void resumed_by_ticket(void)
{
    resumption(1);
}

void suite_session(void)
{
    static const CU_TestInfo tests[] = {
        {"TLS 1.2 CBC, MAC then encrypt", cbc},
        {"TLS 1.2 CBC, encrypt then MAC (RFC 7366)", cbc_encrypt_then_mac},
        {"TLS 1.2 stream cipher (RC4)", stream},
        {"TLS 1.2 AEAD: AES-GCM", gcm},
        {"TLS 1.2 AEAD: ChaCha20-Poly1305", chacha20},
        {"TLS 1.2 session resumed by ID", resumed_by_id},
        {"TLS 1.2 session resumed by ticket", resumed_by_ticket},
        {"a CLIENT_RANDOM line written after the ServerHello", master_line_after_server_hello},
        {"a TLS 1.3 traffic secret written after its first record",
         traffic_secret_after_its_records},
        CU_TEST_INFO_NULL,
    };
    add_suite("crypto sessions: TLS 1.2 records, late key log lines", tests);
}
