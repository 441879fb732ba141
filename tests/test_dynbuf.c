/*
 * test_dynbuf.c - the capped growing text buffer.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/dynbuf.h"
#include "testutil.h"

START_TEST(grows_and_hands_over)
{
    struct dynbuf d;
    dynbuf_init(&d, 1 << 20);
    for (int i = 0; i < 1000; i++)
        ck_assert(dynbuf_printf(&d, "%04d,", i));
    size_t len = 0;
    char *text = dynbuf_take(&d, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, 5000); /* 1,000 items of 5 characters */
    ck_assert_uint_eq(strlen(text), 5000);
    ck_assert(strncmp(text, "0000,0001,", 10) == 0);
    ck_assert_str_eq(text + 4995, "0999,");
    free(text);
    /* Taken: the buffer is empty and usable again. */
    ck_assert_uint_eq(d.len, 0);
    ck_assert(dynbuf_addn(&d, "x", 1));
    dynbuf_free(&d);
}
END_TEST

START_TEST(empty_take_is_empty_string)
{
    struct dynbuf d;
    dynbuf_init(&d, 16);
    size_t len = 99;
    char *text = dynbuf_take(&d, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "");
    ck_assert_uint_eq(len, 0);
    free(text);
}
END_TEST

START_TEST(cap_is_exact_and_failure_sticks)
{
    struct dynbuf d;
    dynbuf_init(&d, 10);
    ck_assert(dynbuf_addn(&d, "0123456789", 10)); /* exactly the cap */
    ck_assert(!dynbuf_addn(&d, "a", 1));          /* one past */
    ck_assert(d.too_big);
    ck_assert(!dynbuf_ok(&d));
    ck_assert(!dynbuf_printf(&d, "%s", "")); /* stays failed, even for nothing */
    size_t len = 7;
    ck_assert_ptr_null(dynbuf_take(&d, &len));
    ck_assert_uint_eq(len, 7); /* untouched on failure */
    /* After a failed take the buffer starts over. */
    ck_assert(dynbuf_ok(&d));
    ck_assert(dynbuf_printf(&d, "%d", 42));
    char *text = dynbuf_take(&d, NULL);
    ck_assert_str_eq(text, "42");
    free(text);
    /* A huge append cannot wrap the size arithmetic. */
    ck_assert(!dynbuf_addn(&d, "", (size_t)-1));
    dynbuf_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dynbuf");
    TCase *tc = tcase_create("dynbuf");
    tcase_add_test(tc, grows_and_hands_over);
    tcase_add_test(tc, empty_take_is_empty_string);
    tcase_add_test(tc, cap_is_exact_and_failure_sticks);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
