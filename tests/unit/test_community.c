/* The Community ID (src/analysis/community.c) against the spec's vectors. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "fingerprint.h"
#include "unit.h"

static const uint8_t v4a[4] = {1, 2, 3, 4}, v4b[4] = {5, 6, 7, 8};

static void spec_vectors(void)
{
    char id[FP_COMMUNITY_ID_LEN];
    /* community-id-spec's baseline: TCP and UDP 1.2.3.4:1122 -> 5.6.7.8:3344. */
    CU_ASSERT(fp_community_id(v4a, 1122, v4b, 3344, 4, 6, 0, id));
    CU_ASSERT_STRING_EQUAL(id, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    CU_ASSERT(fp_community_id(v4a, 1122, v4b, 3344, 4, 6, 1, id));
    CU_ASSERT_STRING_EQUAL(id, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
    CU_ASSERT(fp_community_id(v4a, 1122, v4b, 3344, 4, 17, 0, id));
    CU_ASSERT_STRING_EQUAL(id, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
    CU_ASSERT(fp_community_id(v4a, 1122, v4b, 3344, 4, 17, 1, id));
    CU_ASSERT_STRING_EQUAL(id, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
}

static void either_direction(void)
{
    char fwd[FP_COMMUNITY_ID_LEN], back[FP_COMMUNITY_ID_LEN];
    CU_ASSERT(fp_community_id(v4b, 3344, v4a, 1122, 4, 6, 0, back));
    CU_ASSERT_STRING_EQUAL(back, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
    /* Same address: the ports decide the order. */
    CU_ASSERT(fp_community_id(v4a, 443, v4a, 50000, 4, 6, 0, fwd));
    CU_ASSERT(fp_community_id(v4a, 50000, v4a, 443, 4, 6, 0, back));
    CU_ASSERT_STRING_EQUAL(fwd, back);
    static const uint8_t v6a[16] = {0xfe, 0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    static const uint8_t v6b[16] = {0xfe, 0x80, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                                    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d};
    CU_ASSERT(fp_community_id(v6a, 1122, v6b, 443, 16, 6, 0, fwd));
    CU_ASSERT(fp_community_id(v6b, 443, v6a, 1122, 16, 6, 0, back));
    CU_ASSERT_STRING_EQUAL(fwd, back);
    CU_ASSERT_EQUAL(strlen(fwd), 30);
    /* Neither IPv4 nor IPv6: nothing. */
    CU_ASSERT_FALSE(fp_community_id(v4a, 1, v4b, 2, 8, 6, 0, fwd));
    CU_ASSERT_STRING_EQUAL(fwd, "");
}

static const CU_TestInfo tests[] = {
    {"the spec's vectors", spec_vectors},
    {"both directions hash alike", either_direction},
    CU_TEST_INFO_NULL,
};

void suite_community(void)
{
    add_suite("community id", tests);
}
