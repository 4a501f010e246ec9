/* The byte cursor: reads, sub-cursors, and that a failed read moves nothing. */
#include <string.h>

#include "base/cursor.h"
#include "unit.h"

static void reads_big_endian(void)
{
    static const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    struct cursor c = cur_make(b, sizeof(b));
    uint8_t u8;
    uint16_t u16;
    uint32_t u24, u32;

    CU_ASSERT(cur_u8(&c, &u8) && u8 == 1);
    CU_ASSERT(cur_u16(&c, &u16) && u16 == 0x0203);
    CU_ASSERT(cur_u24(&c, &u24) && u24 == 0x040506);
    CU_ASSERT(cur_u32(&c, &u32) && u32 == 0x0708090a);
    CU_ASSERT(cur_at_end(&c));
    CU_ASSERT_FALSE(cur_u8(&c, &u8));
}

static void failed_read_leaves_cursor(void)
{
    static const uint8_t b[] = {0xaa, 0xbb, 0xcc};
    struct cursor c = cur_make(b, sizeof(b));
    uint32_t v = 7;

    CU_ASSERT_FALSE(cur_u32(&c, &v));
    CU_ASSERT_EQUAL(v, 7);
    CU_ASSERT_EQUAL(cur_left(&c), 3);
    CU_ASSERT_PTR_EQUAL(cur_ptr(&c), b);
    CU_ASSERT_FALSE(cur_skip(&c, 4));
    CU_ASSERT_EQUAL(cur_left(&c), 3);
}

static void vectors_open_exactly(void)
{
    /* vec16 of 3 bytes, then one trailing byte */
    static const uint8_t b[] = {0x00, 0x03, 'a', 'b', 'c', 0xff};
    struct cursor c = cur_make(b, sizeof(b)), sub;
    uint8_t x;

    CU_ASSERT(cur_vec16(&c, &sub));
    CU_ASSERT_EQUAL(cur_left(&sub), 3);
    CU_ASSERT(cur_u8(&sub, &x) && x == 'a');
    CU_ASSERT(cur_u8(&c, &x) && x == 0xff);

    /* A length past the end fails, consumes nothing (length included) and
     * leaves the sub-cursor as it was: a cursor that opened the block
     * anyway would have handed out bytes beyond its own. */
    static const uint8_t bad[] = {0x00, 0x05, 'a'};
    const struct cursor unset = cur_make(b, 1);
    struct cursor d = cur_make(bad, sizeof(bad));
    sub = unset;
    CU_ASSERT_FALSE(cur_vec16(&d, &sub));
    CU_ASSERT_EQUAL(cur_left(&d), 3);
    CU_ASSERT(sub.p == unset.p && sub.n == unset.n);
    static const uint8_t bad24[] = {0x00, 0x00, 0x09, 1, 2};
    d = cur_make(bad24, sizeof(bad24));
    CU_ASSERT_FALSE(cur_vec24(&d, &sub));
    CU_ASSERT_EQUAL(cur_left(&d), 5);
    CU_ASSERT(sub.p == unset.p && sub.n == unset.n);
    static const uint8_t bad8[] = {0x05, 'a'}; /* five bytes announced, one there */
    d = cur_make(bad8, sizeof(bad8));
    CU_ASSERT_FALSE(cur_vec8(&d, &sub));
    CU_ASSERT_EQUAL(cur_left(&d), 2);
    CU_ASSERT(sub.p == unset.p && sub.n == unset.n);

    /* The block may end exactly at the end of the bytes, not one past it. */
    static const uint8_t edge[] = {0x02, 'a', 'b', 'c'};
    d = cur_make(edge, 3);
    CU_ASSERT(cur_vec8(&d, &sub) && cur_left(&sub) == 2 && cur_at_end(&d));
    d = cur_make(edge, 2);
    CU_ASSERT_FALSE(cur_vec8(&d, &sub));
}

/* Each read asked for one byte more than the cursor holds, over bytes that
 * go on beyond it: without its length check, a read would succeed there or
 * write what it saw past the end.  A failed read writes nothing. */
static void failed_read_writes_nothing(void)
{
    static const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (size_t n = 0; n < 4; n++) {
        struct cursor c = cur_make(b, n), sub = cur_make(NULL, 99);
        const uint8_t *slice = NULL;
        uint8_t out[8] = {0}, u8 = 0, zero[8] = {0};
        uint16_t u16 = 0;
        uint32_t u32 = 0;

        CU_ASSERT_FALSE(cur_sub(&c, n + 1, &sub));
        CU_ASSERT(sub.p == NULL && sub.n == 99);
        CU_ASSERT_FALSE(cur_bytes(&c, n + 1, &slice));
        CU_ASSERT_PTR_NULL(slice);
        CU_ASSERT_FALSE(cur_copy(&c, out, n + 1));
        CU_ASSERT_EQUAL(memcmp(out, zero, sizeof(out)), 0);
        CU_ASSERT_FALSE(cur_skip(&c, n + 1));
        CU_ASSERT_FALSE(cur_peek_u8(&c, n, &u8));
        if (n < 1)
            CU_ASSERT_FALSE(cur_u8(&c, &u8));
        if (n < 2)
            CU_ASSERT_FALSE(cur_u16(&c, &u16));
        if (n < 3)
            CU_ASSERT_FALSE(cur_u24(&c, &u32));
        CU_ASSERT_FALSE(cur_u32(&c, &u32));
        CU_ASSERT_FALSE(cur_u32le(&c, &u32));
        CU_ASSERT(u8 == 0 && u16 == 0 && u32 == 0);
        CU_ASSERT(cur_ptr(&c) == b && cur_left(&c) == n);
    }
}

static void le_and_peek(void)
{
    static const uint8_t b[] = {0x02, 0x00, 0x00, 0x00};
    struct cursor c = cur_make(b, sizeof(b));
    uint32_t v;
    uint8_t p;

    CU_ASSERT(cur_peek_u8(&c, 3, &p) && p == 0);
    CU_ASSERT_FALSE(cur_peek_u8(&c, 4, &p));
    CU_ASSERT(cur_u32le(&c, &v) && v == 2);
}

void suite_cursor(void)
{
    static const CU_TestInfo tests[] = {
        {"reads big-endian integers", reads_big_endian},
        {"a failed read leaves the cursor", failed_read_leaves_cursor},
        {"length-prefixed vectors", vectors_open_exactly},
        {"a failed read writes nothing", failed_read_writes_nothing},
        {"little-endian read and peek", le_and_peek},
        CU_TEST_INFO_NULL,
    };
    add_suite("cursor", tests);
}
