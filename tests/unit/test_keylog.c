/* Key log sources beside -l files: text held in memory (a capture file's
 * own secrets), and a live capture's key log that appears after tlsdump
 * started, grows, and is replaced.  A TLS 1.3 connection's ServerHello
 * looks its handshake secrets up; the connection's reason says whether
 * they were found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "unit.h"

#define SECRET32 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define MASTER48 SECRET32 "202122232425262728292a2b2c2d2e2f"

/* Client randoms: 32 bytes, told apart by their first byte. */
#define CR(x) x "23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HS_LINES(cr)                                                                               \
    "SERVER_HANDSHAKE_TRAFFIC_SECRET " cr " " SECRET32 "\n"                                        \
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET " cr " " SECRET32 "\n"

static void text_lines(void)
{
    static const char text[] =
        "# a comment\n"
        "\r\n"
        "CLIENT_RANDOM " CR("01") " " MASTER48 "\r\n"
                                  "CLIENT_RANDOM " CR(
                                      "02") " " SECRET32 "\n" /* 32, not 48 */
                                            "CLIENT_RANDOM " CR(
                                                "03") " " MASTER48 "\0tail\n"
                                                      "NOT_A_LABEL x y\n"
                                                      "EXPORTER_SECRET " CR(
                                                          "01") " " SECRET32; /* no newline */
    char longline[700];
    struct crypto_keys *k = crypto_keys_new();
    size_t lines, bad;

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_EQUAL(crypto_keys_add_keylog_text(k, "", 0), 0);
    CU_ASSERT(crypto_keys_empty(k));
    /* sizeof - 1: the text holds a NUL of its own, on the fifth line. */
    CU_ASSERT_EQUAL(crypto_keys_add_keylog_text(k, text, sizeof(text) - 1), 2);
    crypto_keys_stats(k, &lines, &bad);
    CU_ASSERT_EQUAL(lines, 7);
    CU_ASSERT_EQUAL(bad, 3);
    CU_ASSERT_FALSE(crypto_keys_empty(k));
    /* A line longer than a key log line can be: one bad line, not two. */
    memset(longline, 'A', sizeof(longline));
    longline[sizeof(longline) - 1] = '\n';
    CU_ASSERT_EQUAL(crypto_keys_add_keylog_text(k, longline, sizeof(longline)), 0);
    crypto_keys_stats(k, &lines, &bad);
    CU_ASSERT_EQUAL(lines, 8);
    CU_ASSERT_EQUAL(bad, 4);
    crypto_keys_free(k);
}

/* Whether a TLS 1.3 connection with this client random finds its handshake
 * secrets at its ServerHello. */
static int finds_secrets(struct crypto_keys *k, const char *cr_hex)
{
    static const uint8_t sr[32];
    uint8_t cr[32];
    struct crypto_client_hello ch = {.random = cr};
    struct crypto_server_hello sh = {.version = 0x0304, .suite = 0x1301, .random = sr};
    struct crypto_conn *c = crypto_conn_new(k);

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int i = 0; i < 32; i++) {
        unsigned v;
        CU_ASSERT_FATAL(sscanf(cr_hex + 2 * i, "%2x", &v) == 1);
        cr[i] = (uint8_t)v;
    }
    crypto_conn_update(c, DIR_C2S, &(struct crypto_update){.kind = CRYPTO_CLIENT_HELLO, .ch = &ch});
    crypto_conn_update(c, DIR_S2C, &(struct crypto_update){.kind = CRYPTO_SERVER_HELLO, .sh = &sh});
    int found = !strstr(crypto_conn_result(c)->reason, "no TLS 1.3 traffic secret");
    crypto_conn_free(c);
    return found;
}

static void write_file(const char *path, const char *mode, const char *text)
{
    FILE *f = fopen(path, mode);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void appears_grows_replaced(void)
{
    char dir[] = "/tmp/tlsdump-unit-XXXXXX", path[64], other[64], err[200] = "";
    struct crypto_keys *k = crypto_keys_new();
    int waiting = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/live.keys", dir);
    snprintf(other, sizeof(other), "%s/new.keys", dir);
    /* Offline a missing key log is an error; live it is waited for. */
    CU_ASSERT_FALSE(crypto_keys_add_keylog(k, path, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
    CU_ASSERT(crypto_keys_follow_keylog(k, path, &waiting, err, sizeof(err)));
    CU_ASSERT(waiting);
    CU_ASSERT_FALSE(crypto_keys_empty(k));
    CU_ASSERT_FALSE(finds_secrets(k, CR("01")));
    /* The client starts and writes its first connection's secrets. */
    write_file(path, "w", "# SSL/TLS secrets log file\n" HS_LINES(CR("01")));
    CU_ASSERT(finds_secrets(k, CR("01")));
    CU_ASSERT_FALSE(finds_secrets(k, CR("02")));
    /* It grows, a last line still being written. */
    write_file(path, "a", HS_LINES(CR("02")) "SERVER_HANDSHAKE_TRAFFIC_SECRET " CR("03"));
    CU_ASSERT(finds_secrets(k, CR("02")));
    CU_ASSERT_FALSE(finds_secrets(k, CR("03")));
    write_file(path, "a",
               " " SECRET32 "\nCLIENT_HANDSHAKE_TRAFFIC_SECRET " CR("03") " " SECRET32 "\n");
    CU_ASSERT(finds_secrets(k, CR("03")));
    /* A new file under the name (a client started again), then one cut
     * short in place: each read from its start. */
    write_file(other, "w", HS_LINES(CR("04")) HS_LINES(CR("05")) HS_LINES(CR("06")));
    CU_ASSERT_EQUAL_FATAL(rename(other, path), 0);
    CU_ASSERT(finds_secrets(k, CR("04")));
    write_file(path, "w", HS_LINES(CR("07")));
    CU_ASSERT(finds_secrets(k, CR("07")));
    CU_ASSERT(finds_secrets(k, CR("01"))); /* what was read stays */
    unlink(path);
    rmdir(dir);
    crypto_keys_free(k);
}

void suite_keylog(void)
{
    static const CU_TestInfo tests[] = {
        {"key log text: lines as in a file, NUL and long lines bad", text_lines},
        {"live key log: appears later, grows, is replaced or cut", appears_grows_replaced},
        CU_TEST_INFO_NULL,
    };
    add_suite("key log sources", tests);
}
