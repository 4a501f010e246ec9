/*
 * The Community ID flow hash, version 1 (github.com/corelight/community-id-spec):
 * the key that Zeek's conn.log and Suricata's eve.json carry, so that a
 * connection found by tlsdump can be looked up in their logs.
 */
#include <string.h>

#include <openssl/evp.h>

#include "fingerprint.h"

int fp_community_id(const uint8_t *a_addr, uint16_t a_port, const uint8_t *b_addr, uint16_t b_port,
                    size_t alen, uint8_t proto, uint16_t seed, char out[FP_COMMUNITY_ID_LEN])
{
    uint8_t buf[2 + 16 + 16 + 4 + 4], md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    size_t n = 0;

    out[0] = 0;
    if (alen != 4 && alen != 16)
        return 0;
    /* The lesser endpoint first, by address then port, so that both
     * directions of a flow hash alike. */
    int cmp = memcmp(a_addr, b_addr, alen);
    if (cmp > 0 || (cmp == 0 && a_port > b_port)) {
        const uint8_t *t = a_addr;
        uint16_t p = a_port;
        a_addr = b_addr, a_port = b_port;
        b_addr = t, b_port = p;
    }
    /* seed, source, destination, protocol, one byte of padding, ports:
     * all in network order. */
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, a_addr, alen), n += alen;
    memcpy(buf + n, b_addr, alen), n += alen;
    buf[n++] = proto;
    buf[n++] = 0;
    buf[n++] = (uint8_t)(a_port >> 8);
    buf[n++] = (uint8_t)a_port;
    buf[n++] = (uint8_t)(b_port >> 8);
    buf[n++] = (uint8_t)b_port;
    if (!EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
        return 0;
    memcpy(out, "1:", 2);
    EVP_EncodeBlock((unsigned char *)out + 2, md, 20); /* 28 characters and a NUL */
    return 1;
}
