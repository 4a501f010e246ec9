/* The unit test runner: every suite, CUnit's basic interface. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "unit.h"

void add_suite(const char *name, const CU_TestInfo *tests)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    for (; s && tests->pName; tests++)
        CU_add_test(s, tests->pName, tests->pTestFunc);
}

/* 20-byte IPv4 header, 20-byte TCP header, payload. */
size_t build_ipv4_tcp(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
                      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                      const void *payload, size_t len)
{
    size_t total = 40 + len;
    if (total > cap)
        return 0;
    memset(buf, 0, 40);
    buf[0] = 0x45;
    buf[2] = (uint8_t)(total >> 8);
    buf[3] = (uint8_t)total;
    buf[8] = 64;
    buf[9] = 6;
    for (int i = 0; i < 4; i++) {
        buf[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        buf[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
        buf[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
        buf[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
    }
    buf[20] = (uint8_t)(sport >> 8);
    buf[21] = (uint8_t)sport;
    buf[22] = (uint8_t)(dport >> 8);
    buf[23] = (uint8_t)dport;
    buf[32] = 5 << 4;
    buf[33] = flags;
    buf[34] = 0xff;
    if (len)
        memcpy(buf + 40, payload, len);
    return total;
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    suite_cursor();
    suite_registry();
    suite_link();
    suite_pcapng();
    suite_ip();
    suite_tcp_header();
    suite_ipfrag();
    suite_reasm();
    suite_flow();
    suite_record();
    suite_conn();
    suite_hello();
    suite_messages();
    suite_certificate();
    suite_extensions();
    suite_crypto();
    suite_session();
    suite_legacy();
    suite_keylog();
    suite_diagnose();
    suite_verify();
    suite_ja4();
    suite_opening();
    suite_ssl2();
    suite_drafts();
    suite_views();
    suite_hexdump();
    suite_x509();
    suite_pipeline();
    suite_progress();
    suite_community();
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
