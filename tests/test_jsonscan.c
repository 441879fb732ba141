/*
 * test_jsonscan.c - the incremental JSON scanner: grammar (checked against jansson as an
 * oracle), events and captured bytes, chunk-size independence, limits, handler errors, and a
 * deterministic mutation fuzz that compares the scanner's verdict with jansson's.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsonscan.h"
#include "testutil.h"

/* Scans `len` bytes fed in chunks of `chunk` (0 = all at once) with handler h; returns the
 * code of the first failing call, or 0. */
static int scan_chunks(const char *text, size_t len, size_t chunk,
                       const struct jsonscan_limits *lim, const struct jsonscan_handler *h,
                       void *ud, struct cf_error *err)
{
    struct jsonscan *s = jsonscan_new(lim, h, ud);
    ck_assert_ptr_nonnull(s);
    int r = 0;
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t at = 0; at < len && !r; at += chunk)
        r = jsonscan_feed(s, text + at, len - at < chunk ? len - at : chunk, err);
    if (!r)
        r = jsonscan_finish(s, err);
    jsonscan_free(s);
    return r;
}

static bool jansson_accepts(const char *text, size_t len, char *why, size_t why_size)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (why)
        snprintf(why, why_size, "%s", j ? "" : je.text);
    json_decref(j);
    return j != NULL;
}

/* ---- grammar ---- */

static const struct {
    const char *text;
    size_t len; /* 0: strlen(text) */
    bool valid;
} grammar[] = {
    {"{}", 0, true},
    {" \t\r\n{ } \n", 0, true},
    {"[]", 0, true},
    {"[ ]", 0, true},
    {"0", 0, true},
    {"-0", 0, true},
    {"-0.5e-3", 0, true},
    {"1E+2", 0, true},
    {"123", 0, true},
    {"\"\"", 0, true},
    {"true", 0, true},
    {"false", 0, true},
    {"null", 0, true},
    {"[1,\"a\",{\"b\":[null,true,false]},[]]", 0, true},
    {"{\"a\\\"}{[\":\"x\\\\\",\"b\":\"}\"}", 0, true}, /* escaped quotes, braces in strings */
    {"\"\\u00e9\\u20AC\\ud83d\\ude00\"", 0, true},
    {"\"\\u0000\"", 0, true},
    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0, true}, /* é € 😀 as UTF-8 */
    {"\"\\/\\b\\f\\n\\r\\t\"", 0, true},
    {"", 0, false},
    {"   ", 0, false},
    {"{", 0, false},
    {"}", 0, false},
    {"{]", 0, false},
    {"[}", 0, false},
    {"[1,]", 0, false},
    {"[,1]", 0, false},
    {"{\"a\":1,}", 0, false},
    {"{\"a\" 1}", 0, false},
    {"{\"a\":}", 0, false},
    {"{a:1}", 0, false},
    {"{1:1}", 0, false},
    {"{\"a\":1 \"b\":2}", 0, false},
    {"{}{}", 0, false},
    {"{} x", 0, false},
    {"01", 0, false},
    {"1.", 0, false},
    {".5", 0, false},
    {"-", 0, false},
    {"1e", 0, false},
    {"1e+", 0, false},
    {"+1", 0, false},
    {"0x10", 0, false},
    {"tru", 0, false},
    {"truex", 0, false},
    {"nul", 0, false},
    {"NaN", 0, false},
    {"1.1.5", 0, false}, /* one '.' per number (found by fuzz/fuzz_jsonscan.c) */
    {"[0.5.0]", 0, false},
    {"-2.5.1e3", 0, false},
    {"\"abc", 0, false},
    {"\"a\\x\"", 0, false},
    {"\"\\u12G4\"", 0, false},
    {"\"\\ud800\"", 0, false},          /* lone high surrogate */
    {"\"\\ud800\\u0041\"", 0, false},   /* high surrogate, then no low one */
    {"\"\\udc00\"", 0, false},          /* lone low surrogate */
    {"\"a\tb\"", 0, false},             /* raw control character */
    {"\"\xc0\x80\"", 0, false},         /* overlong NUL */
    {"\"\xed\xa0\x80\"", 0, false},     /* UTF-8 encoded surrogate */
    {"\"\xf4\x90\x80\x80\"", 0, false}, /* above U+10FFFF */
    {"\"\xff\"", 0, false},
    {"\"\xe2\x82\"", 0, false}, /* truncated sequence */
    {"{\"a\":1}\0", 8, false},  /* NUL after the document */
    {"{\"a\0\":1}", 8, false},  /* raw NUL in a string */
    {"[1,\0 2]", 7, false},     /* NUL between tokens */
};
#define N_GRAMMAR (sizeof(grammar) / sizeof(grammar[0]))

START_TEST(test_grammar)
{
    const char *text = grammar[_i].text;
    size_t len = grammar[_i].len ? grammar[_i].len : strlen(text);
    char why[200];
    /* The table's verdict is RFC 8259's; jansson must agree, or the table is wrong. */
    ck_assert_msg(jansson_accepts(text, len, why, sizeof(why)) == grammar[_i].valid,
                  "case %d: jansson disagrees with the table (%s)", _i, why);
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        struct cf_error err = {0};
        int r = scan_chunks(text, len, chunk, NULL, NULL, NULL, &err);
        if (grammar[_i].valid)
            ck_assert_msg(r == 0, "case %d chunk %zu: %s", _i, chunk, err.message);
        else {
            ck_assert_msg(r == CF_EJSON, "case %d chunk %zu: accepted, or code %d", _i, chunk, r);
            ck_assert_msg(strstr(err.message, "at byte") != NULL, "case %d: %s", _i, err.message);
        }
    }
}
END_TEST

/* ---- events ---- */

struct recorder {
    char log[2048];
    const char *capture_key; /* capture the member with this name */
    const char *skip_key;    /* skip the member with this name */
    bool capture_root;
    char captured[512];
    int fail_at_key; /* return CF_EUPSTREAM at the begin of member "boom" */
};

static char type_char(enum jsonscan_type t)
{
    static const char c[] = "{[\"#tfn";
    return c[t];
}

static void logf_(struct recorder *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct recorder *rec, const char *fmt, ...)
{
    size_t used = strlen(rec->log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rec->log + used, sizeof(rec->log) - used, fmt, ap);
    va_end(ap);
}

static int rec_begin(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    struct recorder *rec = ud;
    logf_(rec, "B%zu%s%.*s%c@%llu ", ev->depth, ev->key ? ":" : "", (int)ev->key_len,
          ev->key ? ev->key : "", type_char(ev->type), (unsigned long long)ev->offset);
    if (ev->key && strcmp(ev->key, "boom") == 0 && rec->fail_at_key)
        return cf_error_set(reterr, CF_EUPSTREAM, "boom", "the handler refused member boom");
    if ((rec->capture_key && ev->key && strcmp(ev->key, rec->capture_key) == 0) ||
        (rec->capture_root && ev->depth == 0))
        return JSONSCAN_CAPTURE;
    if (rec->skip_key && ev->key && strcmp(ev->key, rec->skip_key) == 0)
        return JSONSCAN_SKIP;
    return JSONSCAN_CONTINUE;
}

static int rec_end(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    struct recorder *rec = ud;
    (void)reterr;
    logf_(rec, "E%zu%c ", ev->depth, type_char(ev->type));
    if (ev->text) {
        ck_assert_uint_lt(ev->text_len, sizeof(rec->captured));
        memcpy(rec->captured, ev->text, ev->text_len);
        rec->captured[ev->text_len] = '\0';
    }
    return 0;
}

static const struct jsonscan_handler rec_handler = {.begin = rec_begin, .end = rec_end};

START_TEST(test_events)
{
    /* Offsets: {=0 "a"=1 :=4 [=5 1=6 ,=7 "x"=8 ,=11 {=12 "b"=13 :=16 null=17 }=21 ]=22 ,=23
     * "c"=24 :=27 true=28 }=32 */
    const char *doc = "{\"a\":[1,\"x\",{\"b\":null}],\"c\":true}";
    const char *want = "B0{@0 B1:a[@5 B2#@6 E2# B2\"@8 E2\" B2{@12 B3:bn@17 E3n E2{ E1[ "
                       "B1:ct@28 E1t E0{ ";
    for (size_t chunk = 0; chunk <= strlen(doc); chunk++) {
        struct recorder rec = {0};
        struct cf_error err = {0};
        ck_assert_int_eq(scan_chunks(doc, strlen(doc), chunk, NULL, &rec_handler, &rec, &err), 0);
        ck_assert_str_eq(rec.log, want);
    }
}
END_TEST

START_TEST(test_capture_exact_bytes)
{
    /* The captured member holds escaped quotes, braces and brackets inside strings. */
    const char *doc = "{\"q\":0, \"p\" : {\"x\":\"a\\\"}b]\" , \"y\":[1,{}]} ,\"r\":[]}";
    const char *want = "{\"x\":\"a\\\"}b]\" , \"y\":[1,{}]}";
    for (size_t chunk = 0; chunk <= strlen(doc); chunk++) {
        struct recorder rec = {.capture_key = "p"};
        struct cf_error err = {0};
        ck_assert_int_eq(scan_chunks(doc, strlen(doc), chunk, NULL, &rec_handler, &rec, &err), 0);
        ck_assert_str_eq(rec.captured, want);
        /* Nothing inside the captured value is reported. */
        ck_assert_str_eq(rec.log, "B0{@0 B1:q#@5 E1# B1:p{@14 E1{ B1:r[@47 E1[ E0{ ");
    }
}
END_TEST

START_TEST(test_capture_scalars)
{
    static const struct {
        const char *doc, *want;
    } cases[] = {
        {"{\"n\":-12.5e+3}", "-12.5e+3"},
        {"{\"n\":0 }", "0"},
        {"{\"n\":\"s\\u0041\"}", "\"s\\u0041\""},
        {"{\"n\":false,\"m\":1}", "false"},
        {"[{\"n\":[ ]}]", "[ ]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        for (size_t chunk = 0; chunk <= 2; chunk++) {
            struct recorder rec = {.capture_key = "n"};
            struct cf_error err = {0};
            ck_assert_int_eq(scan_chunks(cases[i].doc, strlen(cases[i].doc), chunk, NULL,
                                         &rec_handler, &rec, &err),
                             0);
            ck_assert_str_eq(rec.captured, cases[i].want);
        }
    /* A root number ends only at the end of the input. */
    struct recorder rec = {.capture_root = true};
    struct cf_error err = {0};
    ck_assert_int_eq(scan_chunks(" 42", 3, 1, NULL, &rec_handler, &rec, &err), 0);
    ck_assert_str_eq(rec.captured, "42");
    ck_assert_str_eq(rec.log, "B0#@1 E0# ");
}
END_TEST

START_TEST(test_skip)
{
    const char *doc = "{\"s\":{\"deep\":[1,2,{\"x\":3}]},\"t\":1}";
    struct recorder rec = {.skip_key = "s"};
    struct cf_error err = {0};
    ck_assert_int_eq(scan_chunks(doc, strlen(doc), 0, NULL, &rec_handler, &rec, &err), 0);
    ck_assert_str_eq(rec.log, "B0{@0 B1:s{@5 E1{ B1:t#@32 E1# E0{ ");
    ck_assert_str_eq(rec.captured, "");
    /* Skipped values are still validated. */
    const char *bad = "{\"s\":{\"deep\":[1,,2]},\"t\":1}";
    struct recorder rec2 = {.skip_key = "s"};
    ck_assert_int_eq(scan_chunks(bad, strlen(bad), 0, NULL, &rec_handler, &rec2, &err), CF_EJSON);
}
END_TEST

START_TEST(test_keys_decoded)
{
    const char *doc = "{\"prod\\u0075cts\":1,\"\\ud83d\\ude00\":2,\"a\\nb\\\"\":3,\"\xc3\xa9\":4}";
    struct recorder rec = {0};
    struct cf_error err = {0};
    ck_assert_int_eq(scan_chunks(doc, strlen(doc), 1, NULL, &rec_handler, &rec, &err), 0);
    ck_assert_ptr_nonnull(strstr(rec.log, "B1:products#"));
    ck_assert_ptr_nonnull(strstr(rec.log, "B1:\xf0\x9f\x98\x80#"));
    ck_assert_ptr_nonnull(strstr(rec.log, "B1:a\nb\"#"));
    ck_assert_ptr_nonnull(strstr(rec.log, "B1:\xc3\xa9#"));
}
END_TEST

static int trunc_begin(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    (void)reterr;
    if (ev->depth == 1) {
        ck_assert(ev->key_truncated);
        ck_assert_uint_eq(ev->key_len, 4);
        ck_assert_int_eq(memcmp(ev->key, "abcd", 4), 0);
        ck_assert_int_eq(ev->key[4], '\0');
        (*(int *)ud)++;
    }
    return 0;
}

START_TEST(test_key_truncated)
{
    struct jsonscan_limits lim;
    jsonscan_limits_default(&lim);
    lim.max_key_bytes = 4;
    struct jsonscan_handler h = {.begin = trunc_begin};
    int seen = 0;
    struct cf_error err = {0};
    const char *doc = "{\"abcdefgh\":1}";
    ck_assert_int_eq(scan_chunks(doc, strlen(doc), 1, &lim, &h, &seen, &err), 0);
    ck_assert_int_eq(seen, 1);
}
END_TEST

static char *nested(size_t depth)
{
    char *p = malloc(2 * depth + 1);
    ck_assert_ptr_nonnull(p);
    memset(p, '[', depth);
    memset(p + depth, ']', depth);
    p[2 * depth] = '\0';
    return p;
}

START_TEST(test_depth_limit)
{
    struct cf_error err = {0};
    char *ok = nested(64), *deep = nested(65), *huge = nested(100000);
    ck_assert_int_eq(scan_chunks(ok, strlen(ok), 0, NULL, NULL, NULL, &err), 0);
    ck_assert_int_eq(scan_chunks(deep, strlen(deep), 0, NULL, NULL, NULL, &err), CF_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.message, "64"));
    ck_assert_int_eq(scan_chunks(huge, strlen(huge), 4096, NULL, NULL, NULL, &err), CF_ETOOBIG);
    free(ok);
    free(deep);
    free(huge);
}
END_TEST

START_TEST(test_capture_limit)
{
    struct jsonscan_limits lim;
    jsonscan_limits_default(&lim);
    lim.max_capture_bytes = 10;
    struct cf_error err = {0};
    struct recorder rec = {.capture_key = "p"};
    /* {"x":"12"} is exactly 10 bytes: allowed; one more byte is not. */
    const char *fits = "{\"p\":{\"x\":\"12\"}}";
    const char *over = "{\"p\":{\"x\":\"123\"}}";
    ck_assert_int_eq(scan_chunks(fits, strlen(fits), 1, &lim, &rec_handler, &rec, &err), 0);
    ck_assert_str_eq(rec.captured, "{\"x\":\"12\"}");
    struct recorder rec2 = {.capture_key = "p"};
    ck_assert_int_eq(scan_chunks(over, strlen(over), 1, &lim, &rec_handler, &rec2, &err),
                     CF_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.message, "10-byte limit"));
}
END_TEST

START_TEST(test_handler_error_sticky)
{
    struct recorder rec = {.fail_at_key = 1};
    struct cf_error err = {0};
    struct jsonscan *s = jsonscan_new(NULL, &rec_handler, &rec);
    const char *doc = "{\"a\":1,\"boom\":2,\"c\":3}";
    ck_assert_int_eq(jsonscan_feed(s, doc, strlen(doc), &err), CF_EUPSTREAM);
    ck_assert_str_eq(err.field, "boom");
    ck_assert_str_eq(err.message, "the handler refused member boom");
    struct cf_error again = {0};
    ck_assert_int_eq(jsonscan_feed(s, "}", 1, &again), CF_EUPSTREAM);
    ck_assert_str_eq(again.message, err.message);
    ck_assert_int_eq(jsonscan_finish(s, &again), CF_EUPSTREAM);
    /* The scan stopped at the first byte of boom's value: {"a":1,"boom": is 14 bytes. */
    ck_assert_uint_eq(jsonscan_offset(s), 14);
    jsonscan_free(s);
}
END_TEST

/* ---- differential fuzz against jansson ---- */

static uint64_t rng_state;

static uint32_t rng(void)
{
    /* xorshift64*: deterministic, so a failure reproduces. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32);
}

static const char fuzz_seed[] =
    "{\"formatVersion\" : \"v1.0\", \"products\" : {\"SKU1\" : {\"sku\" : \"SKU1\", "
    "\"attributes\" : {\"memory\" : \"16 GiB\", \"note\" : \"a \\\"q\\\" {x} [y] \\u00e9\"}}},"
    " \"terms\" : {\"OnDemand\" : {\"SKU1\" : {\"SKU1.JRTCKXETXF\" : {\"priceDimensions\" : "
    "{\"d\" : {\"beginRange\" : \"0\", \"endRange\" : \"Inf\", \"pricePerUnit\" : {\"USD\" : "
    "\"1.0060000000\"}, \"appliesTo\" : [ ]}}, \"n\" : [1, -2.5e3, true, false, null]}}}},"
    " \"attributesList\" : { }}";

START_TEST(test_mutation_fuzz)
{
    static const char alphabet[] = "{}[]\",:\\u0e-+. \x00\x01\xc3\xa9\xff\x80tfn1";
    rng_state = 0x9E3779B97F4A7C15ULL;
    size_t seed_len = strlen(fuzz_seed);
    ck_assert(jansson_accepts(fuzz_seed, seed_len, NULL, 0));
    char *buf = malloc(seed_len + 16);
    ck_assert_ptr_nonnull(buf);
    int agree_valid = 0, agree_invalid = 0;
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = seed_len;
        memcpy(buf, fuzz_seed, seed_len);
        int edits = 1 + (int)(rng() % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = rng() % len;
            char c = alphabet[rng() % (sizeof(alphabet) - 1)];
            switch (rng() % 3) {
            case 0: /* replace */
                buf[at] = c;
                break;
            case 1: /* insert */
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = c;
                len++;
                break;
            default: /* delete */
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;
            }
        }
        char why[200];
        bool want = jansson_accepts(buf, len, why, sizeof(why));
        struct cf_error err = {0};
        struct recorder rec = {.capture_key = "attributes", .skip_key = "terms"};
        int r = scan_chunks(buf, len, 1 + rng() % 9, NULL, &rec_handler, &rec, &err);
        if (!want && (strstr(why, "overflow") || strstr(why, "too big")))
            continue; /* jansson limits of its number types, not JSON grammar */
        ck_assert_msg((r == 0) == want, "iteration %d: scanner %s (%s), jansson %s (%s): %.*s",
                      iter, r ? "rejects" : "accepts", err.message, want ? "accepts" : "rejects",
                      why, (int)len, buf);
        if (want)
            agree_valid++;
        else
            agree_invalid++;
    }
    free(buf);
    /* The mutations must exercise both verdicts, or this test proves little. */
    ck_assert_int_gt(agree_valid, 100);
    ck_assert_int_gt(agree_invalid, 100);
}
END_TEST

START_TEST(test_random_bytes)
{
    rng_state = 12345;
    char buf[512];
    for (int iter = 0; iter < 2000; iter++) {
        size_t len = rng() % sizeof(buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = rng() % 4 ? "{}[]\":,0 "[rng() % 9] : (char)(rng() & 0xFF);
        bool want = jansson_accepts(buf, len, NULL, 0);
        struct cf_error err = {0};
        int r = scan_chunks(buf, len, 1 + rng() % 64, NULL, NULL, NULL, &err);
        ck_assert_msg((r == 0) == want, "iteration %d: scanner %d, jansson %d", iter, r, want);
    }
}
END_TEST

/* Found by fuzz/fuzz_jsonscan.c (fuzz/regressions/jsonscan/number-with-two-dots, after its
 * selector byte: "[0,-0,1.1.5,...]"): a number already past its '.' took another one, so
 * "1.1.5" passed as a number, and an EC2 offer file holding one where the scanner skips values
 * without jansson (terms.Reserved, attributesList) was not refused as malformed. */
START_TEST(test_regression_number_two_dots)
{
    size_t len = 0;
    char *input = cf_test_read("fuzz/regressions/jsonscan/number-with-two-dots", &len);
    ck_assert_uint_gt(len, 1);
    ck_assert_ptr_nonnull(strstr(input + 1, "1.1.5"));
    ck_assert(!jansson_accepts(input + 1, len - 1, NULL, 0));
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        struct cf_error err = {0};
        ck_assert_int_eq(scan_chunks(input + 1, len - 1, chunk, NULL, NULL, NULL, &err), CF_EJSON);
        ck_assert_msg(strstr(err.message, "at byte 9)") != NULL, "%s", err.message);
    }
    free(input);
}
END_TEST

static Suite *jsonscan_suite(void)
{
    Suite *s = suite_create("jsonscan");
    TCase *tc = tcase_create("grammar");
    tcase_add_loop_test(tc, test_grammar, 0, (int)N_GRAMMAR);
    suite_add_tcase(s, tc);
    tc = tcase_create("events");
    tcase_add_test(tc, test_events);
    tcase_add_test(tc, test_capture_exact_bytes);
    tcase_add_test(tc, test_capture_scalars);
    tcase_add_test(tc, test_skip);
    tcase_add_test(tc, test_keys_decoded);
    tcase_add_test(tc, test_key_truncated);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_capture_limit);
    tcase_add_test(tc, test_handler_error_sticky);
    tcase_add_test(tc, test_regression_number_two_dots);
    suite_add_tcase(s, tc);
    tc = tcase_create("fuzz");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_mutation_fuzz);
    tcase_add_test(tc, test_random_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(jsonscan_suite());
}
