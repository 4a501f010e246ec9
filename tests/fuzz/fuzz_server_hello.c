/* Fuzz target: a ServerHello body (RFC 8446 4.1.3), or a
 * HelloRetryRequest when its random is the HRR one.  If byte 0 is odd,
 * the client is taken to have offered the session ID the ServerHello
 * carries, so that the echo that means a TLS 1.2 resumption is reached. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../src/tls/tls_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ftree tree;
    struct tls_summary sum = {.cipher = 0xffffffff};
    if (size < 1)
        return 0;
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    /* legacy_version(2), random(32), then the session ID's length */
    if ((data[0] & 1) && len > 34 && body[34] <= 32 && len >= 35u + body[34]) {
        memcpy(sum.client_sid, body + 35, body[34]);
        sum.client_sid_len = body[34];
    }
    ft_init(&tree);
    int root = ft_reset(&tree);
    (void)tls_decode_message(2, body, len, &tree, root, &sum, DIR_S2C);
    ft_release(&tree);
    return 0;
}
