/*
 * test_jsonout.c - jsonout_dumps() against the reference it replaces: for every document here,
 * its bytes must equal json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15)) from the jansson
 * the program links, and it must fail where json_dumps fails.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsonout.h"
#include "testutil.h"

#define REF_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

static void check_same(json_t *doc)
{
    char *want = json_dumps(doc, REF_FLAGS);
    size_t len = 0;
    char *got = jsonout_dumps(doc, &len);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(got);
    size_t at = 0;
    while (got[at] && got[at] == want[at])
        at++;
    size_t from = at > 40 ? at - 40 : 0;
    ck_assert_msg(got[at] == want[at], "differ at byte %zu: got ...%.80s..., want ...%.80s...", at,
                  got + from, want + from);
    ck_assert_uint_eq(len, strlen(want));
    free(want);
    free(got);
}

/* Reals of every magnitude and shape %.15g produces: integral, exponent forms with one, two
 * and three exponent digits, negative zero, the largest and smallest doubles, values whose 15
 * significant digits round (exact ties included), and 60,000 spread values. */
START_TEST(reals)
{
    static const double fixed[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   0.1,
                                   2e-7,
                                   1e15,
                                   1e16,
                                   1e21,
                                   1e-5,
                                   1e-4,
                                   123456789012345.0,
                                   1e100,
                                   -1e-100,
                                   1e300,
                                   5e-324,
                                   1.7976931348623157e308,
                                   7.6072235416666700,
                                   0.00304166666666667,
                                   383.98,
                                   1e-07,
                                   12.5};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        json_array_append_new(a, json_real(fixed[i]));
    /* A deterministic spread over the whole range: mantissas from an LCG, exponents -320..308. */
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double m = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
        int e = (int)((x >> 3) % 629) - 320;
        double v = ldexp(m, 0) * pow(10.0, e);
        if (isfinite(v))
            json_array_append_new(a, json_real(i % 2 ? -v : v));
        json_array_append_new(a, json_real((double)(int64_t)(x % 100000000) / 100.0));
        /* and densely where prices live, 1e-15 .. 1e16 (the exact-integer path and its edges) */
        json_array_append_new(a, json_real(m * pow(10.0, (int)((x >> 20) % 32) - 15)));
    }
    check_same(a);
    json_decref(a);
}
END_TEST

START_TEST(integers)
{
    json_t *a = json_pack("[I,I,I,I,I]", (json_int_t)0, (json_int_t)-1, (json_int_t)42,
                          (json_int_t)INT64_MAX, (json_int_t)INT64_MIN);
    check_same(a);
    json_decref(a);
}
END_TEST

/* Every byte below 0x20, quotes, backslashes, '/', DEL, multi-byte UTF-8, an embedded NUL, and
 * the same in member names. */
START_TEST(strings)
{
    json_t *o = json_object();
    char all[0x80];
    for (int i = 1; i < 0x80; i++)
        all[i - 1] = (char)i;
    all[0x7f] = '\0';
    json_object_set_new(o, "ascii", json_string(all));
    json_object_set_new(o, "quotes \"and\" \\slashes/", json_string("a\"b\\c/d"));
    json_object_set_new(o, "utf8",
                        json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf"));
    json_object_set_new(o, "nul", json_stringn("a\0b", 3));
    json_object_setn_new(o, "key\0nul", 7, json_string("v"));
    json_object_set_new(o, "\t\x01\x1f", json_string(""));
    json_object_set_new(o, "", json_string("empty key"));
    check_same(o);
    json_decref(o);
}
END_TEST

/* Nesting, empty containers, literals, and insertion order kept after deletions and updates. */
START_TEST(structure)
{
    json_t *o = json_pack("{s:[], s:{}, s:[[], {}, [[i]]], s:b, s:b, s:n, s:{s:{s:[s,f,i]}}}", "a",
                          "b", "c", 1, "t", 1, "f", 0, "n", "deep", "er", "est", "x", 2.5, 3);
    ck_assert_ptr_nonnull(o);
    for (int i = 0; i < 50; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", (i * 37) % 50);
        json_object_set_new(o, k, json_integer(i));
    }
    json_object_del(o, "k7");
    json_object_set_new(o, "a", json_string("replaced, same place"));
    check_same(o);
    json_decref(o);
}
END_TEST

/* Where json_dumps fails, jsonout_dumps fails: a root that is not a container, and strings
 * that are not UTF-8 (reachable only through the _nocheck constructors). */
START_TEST(failures)
{
    json_t *s = json_string("not a container");
    ck_assert_ptr_null(json_dumps(s, REF_FLAGS));
    ck_assert_ptr_null(jsonout_dumps(s, NULL));
    json_decref(s);
    ck_assert_ptr_null(jsonout_dumps(NULL, NULL));
    json_t *o = json_object();
    json_object_set_new(o, "bad", json_string_nocheck("\xff\xfe"));
    ck_assert_ptr_null(json_dumps(o, REF_FLAGS));
    ck_assert_ptr_null(jsonout_dumps(o, NULL));
    json_object_set_new(o, "bad", json_string_nocheck("\xed\xa0\x80")); /* a surrogate */
    ck_assert_ptr_null(json_dumps(o, REF_FLAGS));
    ck_assert_ptr_null(jsonout_dumps(o, NULL));
    json_object_set_new(o, "bad", json_string_nocheck("\xc0\xaf")); /* overlong '/' */
    ck_assert_ptr_null(json_dumps(o, REF_FLAGS));
    ck_assert_ptr_null(jsonout_dumps(o, NULL));
    json_object_del(o, "bad");
    check_same(o);
    json_decref(o);
}
END_TEST

/* A genuine large document: the bundled rates snapshot (reals, strings, nesting). */
START_TEST(snapshot_document)
{
    size_t len;
    char *text = cf_test_read("config/rates-snapshot.json", &len);
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    ck_assert_ptr_nonnull(doc);
    check_same(doc);
    json_decref(doc);
}
END_TEST

static Suite *jsonout_suite(void)
{
    Suite *s = suite_create("jsonout");
    TCase *tc = tcase_create("jsonout");
    tcase_add_test(tc, reals);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, structure);
    tcase_add_test(tc, failures);
    tcase_add_test(tc, snapshot_document);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(jsonout_suite());
}
