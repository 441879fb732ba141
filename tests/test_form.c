/*
 * test_form.c - the strict x-www-form-urlencoded decoder: what genuine senders write, and each
 * malformation refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/form.h"
#include "testutil.h"

/* Slack's worked example body ("Verifying requests from Slack"). */
static const char slack_body[] =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";

START_TEST(slack_example_decodes)
{
    struct form f;
    struct cf_error err = {0};
    ck_assert_int_eq(form_parse(slack_body, strlen(slack_body), &f, &err), 0);
    ck_assert_uint_eq(f.n, 11);
    ck_assert_str_eq(form_get(&f, "command"), "/webhook-collect");
    ck_assert_str_eq(form_get(&f, "text"), "");
    ck_assert_str_eq(form_get(&f, "response_url"),
                     "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/"
                     "96rGlfmibIGlgcZRskXaIFfN");
    ck_assert_str_eq(form_get(&f, "user_name"), "roadrunner");
    ck_assert_ptr_null(form_get(&f, "missing"));
    form_free(&f);
    form_free(&f); /* twice is harmless */
    form_free(NULL);
}
END_TEST

START_TEST(spaces_escapes_and_utf8)
{
    static const char body[] = "text=30s+1GB+500%2Fday%20s3&name=caf%C3%A9&empty=&a%2Bb=%2B";
    struct form f;
    ck_assert_int_eq(form_parse(body, strlen(body), &f, NULL), 0);
    ck_assert_str_eq(form_get(&f, "text"), "30s 1GB 500/day s3");
    ck_assert_str_eq(form_get(&f, "name"), "caf\xc3\xa9");
    ck_assert_str_eq(form_get(&f, "empty"), "");
    ck_assert_str_eq(form_get(&f, "a+b"), "+");
    form_free(&f);
    /* Only `len` bytes are read: the text need not end there. */
    ck_assert_int_eq(form_parse("a=1&b=2", 3, &f, NULL), 0);
    ck_assert_uint_eq(f.n, 1);
    ck_assert_str_eq(form_get(&f, "a"), "1");
    form_free(&f);
    /* An empty body has no fields. */
    ck_assert_int_eq(form_parse("", 0, &f, NULL), 0);
    ck_assert_uint_eq(f.n, 0);
    form_free(&f);
}
END_TEST

/* `body` must be refused with a message holding `part`, naming `field` ("" for none). */
static void bad(const char *body, size_t len, const char *part, const char *field)
{
    struct form f;
    memset(&f, 0x5a, sizeof(f));
    struct cf_error err = {0};
    ck_assert_int_eq(form_parse(body, len, &f, &err), CF_EINVAL);
    ck_assert_msg(strstr(err.message, part), "\"%s\": %s", body, err.message);
    ck_assert_str_eq(err.field, field);
    unsigned char *b = (unsigned char *)&f;
    for (size_t i = 0; i < sizeof(f); i++)
        ck_assert_msg(b[i] == 0x5a, "\"%s\": *ret was written on failure", body);
}

#define BAD(s, part, field) bad(s, strlen(s), part, field)

START_TEST(malformations_refused)
{
    BAD("text", "field 1 is without '='", "");
    BAD("a=1&&b=2", "field 2 is empty", "");
    BAD("a=1&", "field 2 is empty", "");
    BAD("&a=1", "field 1 is empty", "");
    BAD("=1", "field 1 is without a name", "");
    BAD("a=1&a=2", "\"a\" is given twice", "a");
    BAD("text=%", "\"text\" has a malformed value", "text");
    BAD("text=%4", "\"text\" has a malformed value", "text");
    BAD("text=%zz", "\"text\" has a malformed value", "text");
    BAD("text=%00", "\"text\" has a malformed value", "text");
    BAD("text=%ff", "\"text\" has a malformed value", "text");
    BAD("text=%C3", "\"text\" has a malformed value", "text");
    BAD("t%zt=1", "field 1 has a malformed name", "");
    BAD("t%ffx=1", "field 1 has a malformed name", "");
    bad("a=1\0b", 5, "\"a\" has a malformed value", "a");
    char many[FORM_MAX_FIELDS * 8] = "";
    for (int i = 0; i <= FORM_MAX_FIELDS; i++) {
        char pair[16];
        snprintf(pair, sizeof(pair), "%sf%d=1", i ? "&" : "", i);
        strcat(many, pair);
    }
    BAD(many, "more than 64 fields", "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("form");
    TCase *tc = tcase_create("form");
    tcase_add_test(tc, slack_example_decodes);
    tcase_add_test(tc, spaces_escapes_and_utf8);
    tcase_add_test(tc, malformations_refused);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
