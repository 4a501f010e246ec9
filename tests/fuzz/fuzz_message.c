/* Fuzz target: one handshake message body.  Byte 0 is the message type,
 * byte 1 picks the negotiated version (TLS 1.0 to 1.3) and byte 2 the
 * negotiated cipher suite family, since layouts depend on them.  The field
 * tree must be well formed and its bytes lie in the body
 * (tests/fuzz/invariants.h). */
#include <stdlib.h>

#include "fuzz.h"
#include "invariants.h"
#include "../../src/tls/tls_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t ciphers[] = {0x1301, 0xc02f, 0x009e, 0x002f, 0x00a8, 0xc0a4, 0xffff};
    struct ftree tree;
    if (size < 3)
        return 0;
    struct tls_summary sum = {
        .version = (uint16_t)(0x0301 + data[1] % 4),
        .cipher = ciphers[data[2] % (sizeof(ciphers) / sizeof(ciphers[0]))],
    };
    ft_init(&tree);
    int root = ft_reset(&tree);
    (void)tls_decode_message(data[0], data + 3, size - 3, &tree, root, &sum,
                             data[1] & 0x80 ? DIR_S2C : DIR_C2S);
    fz_check_tree(&tree, root, data + 3, size - 3);
    free(sum.certs);
    ft_release(&tree);
    return 0;
}
