/* Fuzz target: a ClientHello body (RFC 8446 4.1.2), as the client sends
 * it, with its extensions.  Whatever the input, the field tree is well
 * formed and its bytes lie in the input; when the hello decodes, the
 * fields re-encoded give the input back (version, random, session ID,
 * cipher suites, compression methods, byte for byte) and the extension
 * types are the ones the input lists, in its order. */
#include <stdlib.h>

#include "fuzz.h"
#include "invariants.h"
#include "../../src/tls/tls_int.h"

static void check_reencoding(const struct ftree *t, int root, const uint8_t *data, size_t size)
{
    static uint8_t out[1 << 17];
    size_t at = 0;
    const struct field *version = fz_child(t, root, "version"),
                       *random = fz_child(t, root, "random");
    FZ_ASSERT(version && random && random->n == 32);
    fz_put(out, sizeof(out), &at, version->u, 2);
    memcpy(out + at, random->p, 32);
    at += 32;
    fz_put_vec(out, sizeof(out), &at, fz_child(t, root, "session_id"), 1);
    fz_put_list(out, sizeof(out), &at, t, fz_child(t, root, "cipher_suites"), 2, 2);
    fz_put_list(out, sizeof(out), &at, t, fz_child(t, root, "compression_methods"), 1, 1);
    FZ_ASSERT(at <= size && memcmp(out, data, at) == 0);
    const struct field *exts = fz_child(t, root, "extensions");
    if (exts)
        fz_check_extension_types(t, exts, data + at, size - at);
    else
        FZ_ASSERT(at == size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ftree tree;
    struct tls_summary sum = {.cipher = 0xffffffff};
    ft_init(&tree);
    int root = ft_reset(&tree);
    int ok = tls_decode_message(1, data, size, &tree, root, &sum, DIR_C2S);
    fz_check_tree(&tree, root, data, size);
    if (ok && !tree.full)
        check_reencoding(&tree, root, data, size);
    ft_release(&tree);
    return 0;
}
