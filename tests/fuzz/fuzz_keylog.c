/* Fuzz target: key-log text (SSLKEYLOGFILE format, as a file or a pcapng
 * Decryption Secrets Block holds it) through the crypto stage's parser.
 * Invariant: the lines that gave a secret are no more than the lines. */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct crypto_keys *k = crypto_keys_new();
    size_t lines = 1;
    if (!k)
        abort();
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    size_t got = crypto_keys_add_keylog_text(k, (const char *)data, size);
    if (got > lines)
        abort();
    crypto_keys_free(k);
    return 0;
}
