/*
 * Small helpers every stage may use.
 */
#include <time.h>

#include "base/util.h"

char *base_hex(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
    return out + 2 * n;
}

void base_iso_time(int64_t secs, char out[BASE_ISO_TIME_LEN])
{
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, BASE_ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
        out[0] = 0;
}
