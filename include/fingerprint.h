/*
 * fingerprint.h: client and server fingerprints from the hellos' values.
 */
#ifndef TLSDUMP_FINGERPRINT_H
#define TLSDUMP_FINGERPRINT_H

#include "tls.h"

/* JA3 of a ClientHello (client 1) or JA3S of a ServerHello (client 0):
 * writes the MD5 as hex into md5 and returns the string hashed, which the
 * caller frees; NULL when the hello was not seen or memory ran out. */
char *fp_ja3(const struct tls_hello *h, int client, char md5[33]);

/* Room for a JA4 or JA4S fingerprint and its NUL (JA4 takes 37). */
#define FP_JA4_LEN 40

/* JA4 of a ClientHello sent over TCP (FoxIO's technical_details/JA4.md),
 * e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1", into out.  When raw is not
 * NULL, *raw gets the raw form (the lists in clear instead of hashed),
 * which the caller frees; it is NULL if memory ran out.  Returns 1, or 0
 * with out empty and *raw NULL when the hello was not seen. */
int fp_ja4(const struct tls_hello *ch, char out[FP_JA4_LEN], char **raw);

/* JA4S of a ServerHello sent over TCP (FoxIO's JA4S.md), e.g.
 * "t120400_c030_4e8089b08790"; raw and the result as for fp_ja4(). */
int fp_ja4s(const struct tls_hello *sh, char out[FP_JA4_LEN], char **raw);

/* Room for a Community ID ("1:" and 28 characters of base64) and its NUL. */
#define FP_COMMUNITY_ID_LEN 32

/* The Community ID (version 1, corelight/community-id-spec) of a flow
 * between two endpoints, the same whichever is given first: addresses
 * of alen bytes (4: IPv4, 16: IPv6), ports, the IP protocol (6: TCP) and
 * the seed (0 unless the user chose one).  Returns 0 with out empty for
 * another address length. */
int fp_community_id(const uint8_t *a_addr, uint16_t a_port, const uint8_t *b_addr, uint16_t b_port,
                    size_t alen, uint8_t proto, uint16_t seed, char out[FP_COMMUNITY_ID_LEN]);

#endif
