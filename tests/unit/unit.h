/* unit.h: what the unit test files share. */
#ifndef TLSDUMP_UNIT_H
#define TLSDUMP_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include "base/fields.h"

/* Each file registers its suite. */
void suite_cursor(void);
void suite_registry(void);
void suite_link(void);
void suite_pcapng(void);
void suite_ip(void);
void suite_tcp_header(void);
void suite_ipfrag(void);
void suite_reasm(void);
void suite_flow(void);
void suite_record(void);
void suite_hello(void);
void suite_messages(void);
void suite_certificate(void);
void suite_extensions(void);
void suite_crypto(void);
void suite_session(void);
void suite_conn(void);
void suite_legacy(void);
void suite_keylog(void);
void suite_diagnose(void);
void suite_verify(void);
void suite_ja4(void);
void suite_opening(void);
void suite_ssl2(void);
void suite_drafts(void);
void suite_views(void);
void suite_hexdump(void);
void suite_x509(void);
void suite_pipeline(void);
void suite_progress(void);
void suite_community(void);

/* Adds a suite with the given tests (NULL-terminated name/function pairs). */
void add_suite(const char *name, const CU_TestInfo *tests);

/* Builds an IPv4+TCP packet (no link header) into buf; returns its length. */
size_t build_ipv4_tcp(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
                      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                      const void *payload, size_t len);

/* Decoder helpers (decode.c).  A decode_fn decodes n bytes into t and
 * returns 0 if they are malformed. */
typedef int (*decode_fn)(const uint8_t *p, size_t n, struct ftree *t);

/* The child of parent with this key, or NULL. */
const struct field *tree_child(const struct ftree *t, int parent, const char *key);
int tree_idx(const struct ftree *t, const struct field *f);
/* The n-th element of a list (from 0), or NULL. */
const struct field *tree_nth(const struct ftree *t, const struct field *list, int n);
int tree_count(const struct ftree *t, const struct field *list);
/* The group of parent's "extensions" list whose type is ext, or FT_NONE. */
int tree_extension(const struct ftree *t, int parent, unsigned ext);
/* The first field anywhere in the tree with this key, or NULL. */
const struct field *tree_find(const struct ftree *t, const char *key);

/* A ClientHello's fields (the tree under root) as the text view writes
 * them, with -A or without; a string to free. */
char *view_text(const struct ftree *t, int root, int all_fields);

/* A file of at most 1 MiB, in a buffer with room for 8 more bytes. */
uint8_t *read_seed(const char *path, size_t *n);

/* The certificates of a PEM file, at most max, as the DER bytes it
 * holds (each malloc'ed); returns how many. */
int read_pem_certs(const char *path, uint8_t *der[], size_t len[], int max);

/* seal.c: a TLS 1.3 record (RFC 8446 5.2) of inner content type `type`
 * holding p[0..n), under the traffic secret's key and IV (HKDF with
 * digest md, AEAD cipher by OpenSSL name), sequence number seq: header
 * and ciphertext into out (room for n + 22 bytes; p may lie in out + 5).
 * Returns its length. */
size_t seal13(const char *cipher, const char *md, const uint8_t *secret, size_t slen, uint64_t seq,
              uint8_t type, const uint8_t *p, size_t n, uint8_t *out);

/* fn on a heap copy of exactly p[0..n). */
int decode_copy(decode_fn fn, const uint8_t *p, size_t n, struct ftree *t);
/* p cut at every length from `from` to n - 1: returns how many cuts decoded
 * clean (the last one's length in *last), and asserts that the others
 * say why in an "error" field. */
int clean_cuts(decode_fn fn, const uint8_t *p, size_t n, size_t from, struct ftree *t,
               size_t *last);
/* p followed by 3 bytes of garbage. */
int decode_padded(decode_fn fn, const uint8_t *p, size_t n, struct ftree *t);
/* p with delta added to the byte at `at` (e.g. a length). */
int decode_changed(decode_fn fn, const uint8_t *p, size_t n, size_t at, int delta, struct ftree *t);

#endif
