/*
 * test_isotime.c - ISO 8601 UTC times to and from Unix seconds.
 */
#include <check.h>
#include <string.h>

#include "computefit/isotime.h"
#include "testutil.h"

START_TEST(format_known_times)
{
    char buf[ISOTIME_LEN];
    ck_assert(isotime_format(0, buf));
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    ck_assert(isotime_format(1749772800, buf));
    ck_assert_str_eq(buf, "2025-06-13T00:00:00Z");
    ck_assert(isotime_format(951782400, buf)); /* a leap day */
    ck_assert_str_eq(buf, "2000-02-29T00:00:00Z");
    ck_assert(isotime_format(ISOTIME_MAX, buf));
    ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
    ck_assert_uint_eq(strlen(buf), ISOTIME_LEN - 1);
}
END_TEST

START_TEST(format_refuses_out_of_range)
{
    char buf[ISOTIME_LEN] = "x";
    ck_assert(!isotime_format(-1, buf));
    ck_assert_str_eq(buf, "");
    ck_assert(!isotime_format(ISOTIME_MAX + 1, buf));
    ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(parse_round_trips_and_refuses)
{
    int64_t t = -5;
    ck_assert(isotime_parse("2025-06-13T00:00:00Z", &t));
    ck_assert_int_eq(t, 1749772800);
    ck_assert(isotime_parse("1970-01-01T00:00:00Z", &t));
    ck_assert_int_eq(t, 0);
    static const int64_t times[] = {0, 1, 86399, 951782400, 1749772800, 4102444800, ISOTIME_MAX};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        char buf[ISOTIME_LEN];
        ck_assert(isotime_format(times[i], buf));
        ck_assert(isotime_parse(buf, &t));
        ck_assert_int_eq(t, times[i]);
    }
    static const char *const bad[] = {
        "",
        "2025-06-13",
        "2025-06-13T00:00:00",       /* no Z */
        "2025-06-13T00:00:00+00:00", /* only Z is UTC here */
        "2025-06-13 00:00:00Z",
        "2025-02-30T00:00:00Z", /* does not exist */
        "2025-02-29T00:00:00Z", /* not a leap year */
        "2025-13-01T00:00:00Z",
        "2025-06-13T24:00:00Z",
        "2025-06-13T00:60:00Z",
        "2025-06-13T00:00:60Z",
        "1969-12-31T23:59:59Z", /* before 1970 */
        "2O25-06-13T00:00:00Z",
        " 2025-06-13T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = 42;
        ck_assert_msg(!isotime_parse(bad[i], &t), "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(t, 42);
    }
    ck_assert(!isotime_parse(NULL, &t));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("isotime");
    TCase *tc = tcase_create("isotime");
    tcase_add_test(tc, format_known_times);
    tcase_add_test(tc, format_refuses_out_of_range);
    tcase_add_test(tc, parse_round_trips_and_refuses);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
