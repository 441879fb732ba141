/*
 * isotime.c - ISO 8601 UTC times (see isotime.h).
 */
#include "computefit/isotime.h"

#include <string.h>
#include <time.h>

bool isotime_format(int64_t t, char out[ISOTIME_LEN])
{
    out[0] = '\0';
    if (t < 0 || t > ISOTIME_MAX)
        return false;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return false;
    if (strftime(out, ISOTIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) != ISOTIME_LEN - 1) {
        out[0] = '\0';
        return false;
    }
    return true;
}

bool isotime_parse(const char *s, int64_t *ret)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (!s || strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return false;
#define DIGITS2(i) ((s[i] - '0') * 10 + (s[(i) + 1] - '0'))
    struct tm tm = {
        .tm_year = DIGITS2(0) * 100 + DIGITS2(2) - 1900,
        .tm_mon = DIGITS2(5) - 1,
        .tm_mday = DIGITS2(8),
        .tm_hour = DIGITS2(11),
        .tm_min = DIGITS2(14),
        .tm_sec = DIGITS2(17),
    };
#undef DIGITS2
    /* timegm() normalises (February 30 becomes March 2): a time that does not exist comes
     * back different. */
    struct tm want = tm;
    time_t t = timegm(&tm);
    if (t < 0 || tm.tm_year != want.tm_year || tm.tm_mon != want.tm_mon ||
        tm.tm_mday != want.tm_mday || tm.tm_hour != want.tm_hour || tm.tm_min != want.tm_min ||
        tm.tm_sec != want.tm_sec)
        return false;
    *ret = (int64_t)t;
    return true;
}
