/* Fuzz target: a Certificate body.  Byte 0 picks the form: bit 0 set is
 * TLS 1.3's (RFC 8446 4.4.2: a request context, then entries with
 * extensions), clear is TLS 1.2's (RFC 5246 7.4.2); bit 7 set means the
 * server sent it, so that the chain is kept in the summary.  The field tree
 * must be well formed and its bytes (each certificate's DER among them) lie
 * in the body. */
#include <stdlib.h>

#include "fuzz.h"
#include "invariants.h"
#include "../../src/tls/tls_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ftree tree;
    if (size < 1)
        return 0;
    struct tls_summary sum = {.version = data[0] & 1 ? 0x0304 : 0x0303, .cipher = 0xffffffff};
    ft_init(&tree);
    int root = ft_reset(&tree);
    (void)tls_decode_message(11, data + 1, size - 1, &tree, root, &sum,
                             data[0] & 0x80 ? DIR_S2C : DIR_C2S);
    fz_check_tree(&tree, root, data + 1, size - 1);
    free(sum.certs);
    ft_release(&tree);
    return 0;
}
