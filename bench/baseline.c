/*
 * The floor a decoding run is measured against (issue 15): read a capture
 * with libpcap and run AES-128-GCM over each frame's bytes past the
 * Ethernet, IP and TCP headers, once, as decrypting every record would.
 * Nothing is parsed, reassembled or printed.
 *
 * usage: baseline CAP   prints the frames, the payload bytes and a checksum
 */
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#define HEADERS 66 /* Ethernet 14 + IPv4 20 + TCP 20 with timestamps 12 */

int main(int argc, char **argv)
{
    static const unsigned char key[16], iv[12];
    static unsigned char out[65536 + 32];
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const unsigned char *p;
    unsigned long long frames = 0, bytes = 0, sum = 0;
    int len, rc;

    if (argc != 2) {
        fputs("usage: baseline CAP\n", stderr);
        return 2;
    }
    pcap_t *pc = pcap_open_offline(argv[1], err);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!pc || !ctx) {
        fprintf(stderr, "baseline: %s\n", pc ? "out of memory" : err);
        return 1;
    }
    EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, iv);
    while ((rc = pcap_next_ex(pc, &h, &p)) == 1) {
        frames++;
        if (h->caplen <= HEADERS || h->caplen - HEADERS > 65536)
            continue;
        /* a new nonce per frame, as per record */
        EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv);
        EVP_EncryptUpdate(ctx, out, &len, p + HEADERS, (int)(h->caplen - HEADERS));
        bytes += h->caplen - HEADERS;
        sum += out[0];
    }
    EVP_EncryptFinal_ex(ctx, out, &len);
    printf("%llu frames, %llu payload bytes, checksum %llu\n", frames, bytes, sum);
    EVP_CIPHER_CTX_free(ctx);
    pcap_close(pc);
    return rc == PCAP_ERROR ? 1 : 0;
}
