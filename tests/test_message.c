/*
 * test_message.c - the wording table and its formatter: every template is well formed and
 * formats with the arguments its code is given; placeholders, conditionals, nested messages,
 * number conversions and cutting at a character boundary.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "computefit/message.h"
#include "testutil.h"

START_TEST(every_template_is_well_formed)
{
    char why[200];
    for (int c = 0; c < MSG_COUNT; c++) {
        ck_assert_msg(msg_template_ok(msg_template((enum msg_code)c), why, sizeof(why)), "%s: %s",
                      msg_code_name((enum msg_code)c), why);
        ck_assert_msg(strlen(msg_code_name((enum msg_code)c)) > 0, "code %d has no name", c);
        for (int d = 0; d < c; d++)
            ck_assert_msg(strcmp(msg_code_name((enum msg_code)c), msg_code_name((enum msg_code)d)),
                          "two codes are called %s", msg_code_name((enum msg_code)c));
    }
    ck_assert_str_eq(msg_code_name(MSG_COUNT), "");
}
END_TEST

START_TEST(bad_templates_are_refused)
{
    char why[200];
    ck_assert(!msg_template_ok("a {0", why, sizeof(why)));
    ck_assert(!msg_template_ok("a }", why, sizeof(why)));
    ck_assert(!msg_template_ok("{x}", why, sizeof(why)));
    ck_assert(!msg_template_ok("{9}", why, sizeof(why))); /* beyond MSG_ARGS_MAX */
    ck_assert(!msg_template_ok("{0:%d}", why, sizeof(why)));
    ck_assert(!msg_template_ok("{0:.3.2g}", why, sizeof(why)));
    ck_assert(!msg_template_ok("{0?yes}", why, sizeof(why)));
    ck_assert(!msg_template_ok("{0{1}}", why, sizeof(why)));
    ck_assert(msg_template_ok("{0} {1:.2f} {2?a|b} {3:g}", why, sizeof(why)));
}
END_TEST

START_TEST(formats)
{
    char out[512];
    /* %g by default, conversions when asked: as printf writes them. */
    struct message m = msg_make(R_DURATION_SHORT, "nn", 5.0, 600.0);
    msg_format(&m, out, sizeof(out));
    ck_assert_str_eq(out, "A 5 s task is well under the 600 s the seed article considers safe on "
                          "Lambda.");
    m = msg_make(R_COST_CHEAPEST, "snsnn", "Lambda (x86_64, 1024 MB)", 7.607223541666, "Fargate",
                 12.5139, 12.5139 / 7.607223541666);
    msg_format(&m, out, sizeof(out));
    ck_assert_str_eq(out, "Lambda (x86_64, 1024 MB) is the cheapest at $7.61 a month; next is "
                          "Fargate at $12.51 (1.6x).");
    /* printf's "inf" when the winner is free. */
    m = msg_make(R_COST_CHEAPEST, "snsnn", "a", 0.0, "b", 1.0, (double)INFINITY);
    msg_format(&m, out, sizeof(out));
    ck_assert_ptr_nonnull(strstr(out, "(infx)"));
    /* Conditionals. */
    m = msg_make(R_VCPU_FITS, "nn", 0.578858, 1.0);
    msg_format(&m, out, sizeof(out));
    ck_assert_str_eq(out, "0.578858 vCPU (as given) fits Lambda and Fargate.");
    m = msg_make(R_VCPU_FITS, "nn", 0.578858, 0.0);
    msg_format(&m, out, sizeof(out));
    ck_assert_str_eq(out, "0.578858 vCPU (what Lambda gives this memory) fits Lambda and Fargate.");
    /* A nested message. */
    struct message block = msg_make(B_LAMBDA_MEMORY, "nn", 20480.0, 10240.0);
    m = msg_make(E_NEVER_RUNS, "sm", "Lambda", &block);
    msg_format(&m, out, sizeof(out));
    ck_assert_str_eq(out, "No break-even: Lambda cannot run this workload at any rate. 20480 MB "
                          "of memory is more than Lambda's 10240 MB maximum.");
    /* A placeholder without its argument writes nothing; a NULL string reads as "". */
    m = msg_make(S_PLAN_GROUP, "s", (const char *)NULL);
    msg_format(&m, out, sizeof(out));
    ck_assert_str_eq(out, " on ; ");
    /* .0f of a ceiling, as the concurrency sentences use it. */
    m = msg_make(W_LAMBDA_SCALING, "nnn", 1000.0, ceil(1200.4), ceil(1200.4 / 1000) * 10);
    msg_format(&m, out, sizeof(out));
    ck_assert_str_eq(out, "Lambda adds at most 1000 execution environments every 10 s: from "
                          "cold, reaching 1201 concurrent executions takes 20 s, and requests "
                          "are throttled meanwhile.");
}
END_TEST

START_TEST(cut_at_a_character)
{
    /* A name of two-byte characters cut by a small buffer: never half a character. */
    char out[12];
    struct message m = msg_make(D_TITLE, "s", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    size_t n = msg_format(&m, out, sizeof(out));
    ck_assert_uint_eq(n, 10);
    ck_assert_uint_eq(strlen(out), 10);
    char small[11]; /* room for 10 bytes */
    m = msg_make(D_TITLE, "s", "x\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    n = msg_format(&m, small, sizeof(small));
    ck_assert_uint_eq(n, 9); /* "x" and four characters: the fifth would need 11 bytes */
    ck_assert_uint_eq(strlen(small), 9);
    /* Appending continues where the text ends. */
    char buf[64] = "";
    size_t len = 0;
    msg_append(&(struct message){.code = S_PLAN_RUN}, buf, sizeof(buf), &len);
    struct message g = msg_make(S_PLAN_GROUP, "ss", "a", "Lambda");
    msg_append(&g, buf, sizeof(buf), &len);
    ck_assert_str_eq(buf, "Run a on Lambda; ");
    ck_assert_uint_eq(len, strlen(buf));
}
END_TEST

static Suite *message_suite(void)
{
    Suite *s = suite_create("message");
    TCase *tc = tcase_create("wording");
    tcase_add_test(tc, every_template_is_well_formed);
    tcase_add_test(tc, bad_templates_are_refused);
    tcase_add_test(tc, formats);
    tcase_add_test(tc, cut_at_a_character);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(message_suite());
}
