/*
 * test_utf8.c - the UTF-8 rules: decoding, validity as jansson sees it, cutting, repairing.
 *
 * Every verdict of utf8_valid() is checked against jansson's own (json_stringn() refuses what
 * is not well-formed), so that "valid" here and "accepted" there cannot drift apart.
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "computefit/utf8.h"
#include "testutil.h"

/* Byte strings, some well-formed, some not; `valid` is what RFC 3629 says. */
static const struct {
    const char *s;
    size_t n;
    bool valid;
} samples[] = {
    {"", 0, true},
    {"plain ASCII", 11, true},
    {"caf\xC3\xA9", 5, true},           /* U+00E9 */
    {"\xE2\x82\xAC", 3, true},          /* U+20AC */
    {"\xF0\x9F\x98\x80", 4, true},      /* U+1F600 */
    {"\xF4\x8F\xBF\xBF", 4, true},      /* U+10FFFF, the last code point */
    {"a\0b", 3, true},                  /* U+0000 */
    {"\x80", 1, false},                 /* a stray continuation byte */
    {"\xC3", 1, false},                 /* cut short */
    {"\xE2\x82", 2, false},             /* cut short */
    {"\xC0\xAF", 2, false},             /* overlong '/' */
    {"\xC1\xBF", 2, false},             /* overlong */
    {"\xE0\x80\xAF", 3, false},         /* overlong */
    {"\xF0\x80\x80\xAF", 4, false},     /* overlong */
    {"\xED\xA0\x80", 3, false},         /* U+D800, a surrogate */
    {"\xF4\x90\x80\x80", 4, false},     /* above U+10FFFF */
    {"\xF8\x88\x80\x80\x80", 5, false}, /* a five-byte form */
    {"\xFF", 1, false},                 /* never in UTF-8 */
    {"ok\xC3\xA9\xC3", 5, false},       /* a good sequence, then a cut one */
};

START_TEST(valid_agrees_with_jansson)
{
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        ck_assert_msg(utf8_valid(samples[i].s, samples[i].n) == samples[i].valid, "sample %zu", i);
        json_t *j = json_stringn(samples[i].s, samples[i].n);
        ck_assert_msg((j != NULL) == samples[i].valid, "sample %zu: jansson disagrees", i);
        json_decref(j);
    }
}
END_TEST

START_TEST(decode_one_sequence)
{
    uint32_t cp = 0;
    ck_assert_uint_eq(utf8_decode("A", 1, &cp), 1);
    ck_assert_uint_eq(cp, 'A');
    ck_assert_uint_eq(utf8_decode("\xC3\xA9x", 3, &cp), 2);
    ck_assert_uint_eq(cp, 0xE9);
    ck_assert_uint_eq(utf8_decode("\xE2\x82\xAC", 3, &cp), 3);
    ck_assert_uint_eq(cp, 0x20AC);
    ck_assert_uint_eq(utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
    ck_assert_uint_eq(cp, 0x1F600);
    /* The sequence is complete in memory but not within n. */
    ck_assert_uint_eq(utf8_decode("\xE2\x82\xAC", 2, &cp), 0);
    ck_assert_uint_eq(utf8_decode("\xED\xA0\x80", 3, &cp), 0);
    ck_assert_uint_eq(utf8_decode("\x80", 1, NULL), 0);
    ck_assert_uint_eq(utf8_decode("x", 0, NULL), 0);
    /* A failed decode leaves *ret_cp alone. */
    cp = 7;
    ck_assert_uint_eq(utf8_decode("\xC0\x80", 2, &cp), 0);
    ck_assert_uint_eq(cp, 7);
}
END_TEST

START_TEST(cut_drops_a_split_sequence_only)
{
    const char *s = "ab\xE2\x82\xAC"; /* "ab€", 5 bytes */
    ck_assert_uint_eq(utf8_cut(s, 5), 5);
    ck_assert_uint_eq(utf8_cut(s, 4), 2); /* cut inside the euro sign */
    ck_assert_uint_eq(utf8_cut(s, 3), 2);
    ck_assert_uint_eq(utf8_cut(s, 2), 2);
    ck_assert_uint_eq(utf8_cut(s, 1), 1);
    ck_assert_uint_eq(utf8_cut(s, 0), 0);
    ck_assert_uint_eq(utf8_cut("\xF0\x9F\x98\x80", 3), 0);
    ck_assert_uint_eq(utf8_cut("\xC3\xA9", 2), 2);
    /* Whatever the cap, the prefix it leaves is what jansson accepts. */
    const char *t = "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80!";
    for (size_t cap = 0; cap <= strlen(t); cap++) {
        size_t n = utf8_cut(t, cap);
        ck_assert_uint_le(n, cap);
        ck_assert_uint_ge(n + 3, cap); /* at most a 4-byte sequence less one byte is dropped */
        ck_assert_msg(utf8_valid(t, n), "cap %zu", cap);
    }
}
END_TEST

START_TEST(sanitize_replaces_bad_bytes_only)
{
    char a[] = "caf\xC3\xA9 \xFF ok \xC3";
    ck_assert_uint_eq(utf8_sanitize(a), 2);
    ck_assert_str_eq(a, "caf\xC3\xA9 ? ok ?");
    char b[] = "\xE2\x82"; /* a sequence cut short: each byte on its own is invalid */
    ck_assert_uint_eq(utf8_sanitize(b), 2);
    ck_assert_str_eq(b, "??");
    char c[] = "\xED\xA0\x80 \xC0\xAF"; /* a surrogate and an overlong form */
    ck_assert_uint_eq(utf8_sanitize(c), 5);
    ck_assert_str_eq(c, "??? ??");
    char d[] = "already fine \xE2\x82\xAC";
    ck_assert_uint_eq(utf8_sanitize(d), 0);
    ck_assert_str_eq(d, "already fine \xE2\x82\xAC");
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        char buf[16] = {0};
        memcpy(buf, samples[i].s, samples[i].n);
        utf8_sanitize(buf);
        ck_assert_msg(utf8_valid(buf, strlen(buf)), "sample %zu", i);
    }
}
END_TEST

START_TEST(control_characters)
{
    ck_assert(utf8_is_control('\0'));
    ck_assert(utf8_is_control('\n'));
    ck_assert(utf8_is_control('\t'));
    ck_assert(utf8_is_control(0x1f));
    ck_assert(utf8_is_control(0x7f));
    ck_assert(!utf8_is_control(' '));
    ck_assert(!utf8_is_control('~'));
    ck_assert(!utf8_is_control(0xC3)); /* part of a UTF-8 sequence, not a control */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("utf8");
    tcase_add_test(tc, valid_agrees_with_jansson);
    tcase_add_test(tc, decode_one_sequence);
    tcase_add_test(tc, cut_drops_a_split_sequence_only);
    tcase_add_test(tc, sanitize_replaces_bad_bytes_only);
    tcase_add_test(tc, control_characters);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
