/* Every real handshake message of the fuzz seed corpus (taken from the
 * captures by tests/fuzz/make-corpus.py): it decodes whole; cut anywhere it
 * is malformed (a hello may stop cleanly where its extensions would begin,
 * and nowhere else); with trailing bytes it is malformed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/tls/tls_int.h"
#include "unit.h"

#define CORPUS "tests/fuzz/corpus/message"

static int decode(const uint8_t *in, size_t n, struct ftree *t)
{
    static const uint32_t ciphers[] = {0x1301, 0xc02f, 0x009e, 0x002f, 0x00a8, 0xc0a4, 0xffff};
    struct tls_summary sum = {.version = (uint16_t)(0x0301 + in[1] % 4),
                              .cipher = ciphers[in[2] % 7]};
    int root = ft_reset(t);
    int ok =
        tls_decode_message(in[0], in + 3, n - 3, t, root, &sum, in[1] & 0x80 ? DIR_S2C : DIR_C2S);
    free(sum.certs);
    return ok;
}

static void one(const char *path, struct ftree *t, int *types)
{
    size_t n;
    uint8_t *buf = read_seed(path, &n);
    CU_ASSERT_FATAL(n >= 3);
    types[buf[0]] = 1;
    CU_ASSERT(decode_copy(decode, buf, n, t));
    int clean = clean_cuts(decode, buf, n, 3, t, NULL);
    CU_ASSERT(clean <= ((buf[0] == 1 || buf[0] == 2) ? 1 : 0));
    CU_ASSERT_FALSE(decode_padded(decode, buf, n, t));
    free(buf);
}

static void real_messages(void)
{
    struct ftree t;
    int types[256] = {0}, files = 0;
    DIR *d = opendir(CORPUS);
    struct dirent *e;
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    ft_init(&t);
    while ((e = readdir(d))) {
        char path[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", CORPUS, e->d_name);
        one(path, &t, types);
        files++;
    }
    closedir(d);
    ft_release(&t);
    CU_ASSERT(files >= 10);
    /* ClientHello, ServerHello, NewSessionTicket, Certificate,
     * ServerKeyExchange, ServerHelloDone, ClientKeyExchange */
    CU_ASSERT(types[1] && types[2] && types[4] && types[11] && types[12] && types[14] && types[16]);
}

void suite_messages(void)
{
    static const CU_TestInfo tests[] = {
        {"real messages: whole, cut at every offset, trailing bytes", real_messages},
        CU_TEST_INFO_NULL,
    };
    add_suite("messages", tests);
}
