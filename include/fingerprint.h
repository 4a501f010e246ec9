/*
 * fingerprint.h: client and server fingerprints from the hellos.
 */
#ifndef TLSDUMP_FINGERPRINT_H
#define TLSDUMP_FINGERPRINT_H

#include <stdint.h>

#include "tls.h"

/* The hello's values in wire order, GREASE already removed. */
#define JA3_MAX 128
struct ja3_input {
    uint16_t version;
    uint16_t ciphers[JA3_MAX], exts[JA3_MAX], groups[JA3_MAX];
    uint8_t formats[JA3_MAX];
    int nciphers, nexts, ngroups, nformats;
};

/* Sets sum->ja3 and sum->ja3_full from a ClientHello's values. */
void ja3_client(struct tls_summary *sum, const struct ja3_input *in);
/* Sets sum->ja3s and sum->ja3s_full from a ServerHello's values. */
void ja3_server(struct tls_summary *sum, const struct ja3_input *in);

#endif
