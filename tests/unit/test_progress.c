/* The progress line's text (src/output/progress.c). */
#include <string.h>

#include <CUnit/CUnit.h>

#include "progress.h"
#include "unit.h"

static void file_of_known_size(void)
{
    char line[160];
    struct out_progress_counts c = {
        .bytes_done = 120500000, .bytes_total = 280000000, .packets = 1234567, .connections = 64};
    out_progress_format(line, sizeof(line), &c, 2.0);
    /* 60.25 MB/s; 159.5 MB left at that rate: 2.647 s, shown rounded. */
    CU_ASSERT_STRING_EQUAL(line, "43% 120.5 of 280.0 MB, 1234567 packets, 64 connections, "
                                 "60.2 MB/s, 0:03 left");
    c.bytes_done = c.bytes_total;
    out_progress_format(line, sizeof(line), &c, 4.0);
    CU_ASSERT_STRING_EQUAL(line, "100% 280.0 of 280.0 MB, 1234567 packets, 64 connections, "
                                 "70.0 MB/s");
}

static void unknown_size_and_long_runs(void)
{
    char line[160];
    struct out_progress_counts c = {.bytes_done = 5000000, .packets = 10, .connections = 1};
    out_progress_format(line, sizeof(line), &c, 0.5);
    CU_ASSERT_STRING_EQUAL(line, "5.0 MB, 10 packets, 1 connections, 10.0 MB/s");
    /* Hours: 1 MB/s with 3723 MB to go. */
    c.bytes_total = 3728000000ull;
    out_progress_format(line, sizeof(line), &c, 5.0);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, ", 1:02:03 left"));
    /* No time yet: no rate, no time left, nothing divided by zero. */
    out_progress_format(line, sizeof(line), &c, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "0.0 MB/s"));
    CU_ASSERT_PTR_NULL(strstr(line, "left"));
    /* A short buffer is cut, never overrun. */
    char small[12];
    memset(small, 'x', sizeof(small));
    out_progress_format(small, 8, &c, 1.0);
    CU_ASSERT(strlen(small) < 8);
    CU_ASSERT_EQUAL(small[9], 'x');
}

static const CU_TestInfo tests[] = {
    {"a file of known size", file_of_known_size},
    {"unknown size, hours, short buffers", unknown_size_and_long_runs},
    CU_TEST_INFO_NULL,
};

void suite_progress(void)
{
    add_suite("progress", tests);
}
