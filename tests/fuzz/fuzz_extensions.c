/* Fuzz target: an extension block (a 2-byte length, then the extensions)
 * as a handshake message carries it.  Byte 0 picks the message it is in,
 * since an extension's layout depends on it: ClientHello, ServerHello,
 * EncryptedExtensions, a TLS 1.3 CertificateEntry, HelloRetryRequest,
 * NewSessionTicket, CertificateRequest.  The field tree must be well formed
 * and its bytes lie in the block; a block that decodes lists the types the
 * bytes list, in their order. */
#include <stdlib.h>

#include "fuzz.h"
#include "invariants.h"
#include "../../src/tls/tls_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t contexts[] = {1, 2, 8, 11, 6, 4, 13};
    struct ftree tree;
    struct tls_summary sum = {.version = 0x0304, .cipher = 0xffffffff};
    if (size < 1)
        return 0;
    uint8_t context = contexts[data[0] % sizeof(contexts)];
    ft_init(&tree);
    int root = ft_reset(&tree);
    int ok = tls_decode_extensions(context, data + 1, size - 1, &tree, root, &sum,
                                   context == 1 ? DIR_C2S : DIR_S2C);
    fz_check_tree(&tree, root, data + 1, size - 1);
    if (ok && !tree.full)
        fz_check_extension_types(&tree, fz_child(&tree, root, "extensions"), data + 1, size - 1);
    ft_release(&tree);
    return 0;
}
