/* Fuzz target: a ServerHello body (RFC 8446 4.1.3), or a
 * HelloRetryRequest when its random is the HRR one.  If byte 0 is odd,
 * the client is taken to have offered the session ID the ServerHello
 * carries, so that the echo that means a TLS 1.2 resumption is reached.
 * Whatever the input, the field tree is well formed and its bytes lie in
 * the input; when the hello decodes, its fields re-encoded in wire order
 * give the input back byte for byte, in each layout (TLS 1.2 and 1.3, the
 * early drafts, HelloRetryRequest: a field is in the tree when it is on
 * the wire), and the extension types are the input's, in its order. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "invariants.h"
#include "../../src/tls/tls_int.h"

static void check_reencoding(const struct ftree *t, int root, const uint8_t *body, size_t len)
{
    uint8_t out[2 + 32 + 1 + 255 + 2 + 1];
    size_t at = 0;
    const struct field *f;
    FZ_ASSERT((f = fz_child(t, root, "version")) != NULL);
    fz_put(out, sizeof(out), &at, f->u, 2);
    if ((f = fz_child(t, root, "random"))) {
        FZ_ASSERT(f->n == 32);
        memcpy(out + at, f->p, 32);
        at += 32;
    }
    if ((f = fz_child(t, root, "session_id")))
        fz_put_vec(out, sizeof(out), &at, f, 1);
    if ((f = fz_child(t, root, "cipher_suite")))
        fz_put(out, sizeof(out), &at, f->u, 2);
    if ((f = fz_child(t, root, "compression_method")))
        fz_put(out, sizeof(out), &at, f->u, 1);
    FZ_ASSERT(at <= sizeof(out) && at <= len && memcmp(out, body, at) == 0);
    if ((f = fz_child(t, root, "extensions")))
        fz_check_extension_types(t, f, body + at, len - at);
    else
        FZ_ASSERT(at == len);
}

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
    int ok = tls_decode_message(2, body, len, &tree, root, &sum, DIR_S2C);
    fz_check_tree(&tree, root, body, len);
    if (ok && !tree.full)
        check_reencoding(&tree, root, body, len);
    ft_release(&tree);
    return 0;
}
