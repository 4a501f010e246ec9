/* Fuzz target: a ClientHello body (RFC 8446 4.1.2), as the client sends
 * it, with its extensions. */
#include <stdlib.h>

#include "fuzz.h"
#include "../../src/tls/tls_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ftree tree;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&tree);
    int root = ft_reset(&tree);
    (void)tls_decode_message(1, data, size, &tree, root, &sum, DIR_C2S);
    ft_release(&tree);
    return 0;
}
