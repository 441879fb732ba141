/*
 * fuzz_jsonscan.c - libFuzzer target for the incremental JSON scanner (src/pricing/jsonscan.c).
 *
 * Input: the first byte chooses the chunk split (see fuzz_chunker) and, with its top bit, tight
 * limits (depth 8, keys of 8 bytes, captures of 64 bytes) so that the limit paths run too; the
 * rest is the document. Each input is scanned twice, as one chunk and in fuzz-chosen chunks,
 * with a handler that captures, skips or stops at values chosen from their key and offset.
 * Checked:
 *  - the split changes nothing: same result code and the same events (a hash of every field);
 *  - the scanner agrees with jansson on what JSON is: a syntax error (CF_EJSON) is a document
 *    jansson rejects too, and a document jansson accepts is accepted (bar the limits, and bar
 *    numbers that overflow jansson's integers, which jsonscan need not decode, and documents
 *    holding a raw NUL byte, where jansson is lenient);
 *  - a captured value is exactly one complete value of the reported type, which jansson decodes
 *    when it is a string or a literal.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsonscan.h"
#include "fuzz.h"

struct run {
    uint64_t hash;
    size_t events;
    size_t max_depth_seen;
};

static void mix(struct run *r, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        r->hash = (r->hash ^ b[i]) * 0x100000001b3ULL;
}

static void mix_event(struct run *r, int kind, const struct jsonscan_event *ev)
{
    uint64_t fields[5] = {(uint64_t)kind, ev->depth, (uint64_t)ev->type, ev->offset,
                          (uint64_t)ev->key_truncated};
    mix(r, fields, sizeof(fields));
    if (ev->key)
        mix(r, ev->key, ev->key_len + 1);
    if (ev->text)
        mix(r, ev->text, ev->text_len);
    r->events++;
    if (ev->depth > r->max_depth_seen)
        r->max_depth_seen = ev->depth;
}

static int on_begin(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    struct run *r = ud;
    mix_event(r, 1, ev);
    FUZZ_ASSERT(ev->text == NULL, "begin event with captured text");
    if (ev->key && ev->key_len == 4 && memcmp(ev->key, "fail", 4) == 0)
        return cf_error_set(reterr, CF_EUPSTREAM, "fail", "the handler refused key \"fail\"");
    if (ev->key && ev->key_len > 0 && ev->key[0] == 'c')
        return JSONSCAN_CAPTURE;
    if (ev->key && ev->key_len > 0 && ev->key[0] == 's')
        return JSONSCAN_SKIP;
    switch (ev->offset % 7) {
    case 3:
        return JSONSCAN_CAPTURE;
    case 5:
        return JSONSCAN_SKIP;
    default:
        return JSONSCAN_CONTINUE;
    }
}

static void check_capture(const struct jsonscan_event *ev)
{
    FUZZ_ASSERT(ev->text_len > 0, "empty capture");
    char first = ev->text[0], last = ev->text[ev->text_len - 1];
    switch (ev->type) {
    case JSONSCAN_OBJECT:
        FUZZ_ASSERT(first == '{' && last == '}', "object captured as %c..%c", first, last);
        break;
    case JSONSCAN_ARRAY:
        FUZZ_ASSERT(first == '[' && last == ']', "array captured as %c..%c", first, last);
        break;
    case JSONSCAN_STRING:
        FUZZ_ASSERT(first == '"' && last == '"' && ev->text_len >= 2, "string captured as %c..%c",
                    first, last);
        break;
    case JSONSCAN_NUMBER:
        FUZZ_ASSERT(first == '-' || (first >= '0' && first <= '9'), "number starts with %c", first);
        FUZZ_ASSERT(last >= '0' && last <= '9', "number ends with %c", last);
        break;
    case JSONSCAN_TRUE:
        FUZZ_ASSERT(ev->text_len == 4 && memcmp(ev->text, "true", 4) == 0, "bad true");
        break;
    case JSONSCAN_FALSE:
        FUZZ_ASSERT(ev->text_len == 5 && memcmp(ev->text, "false", 5) == 0, "bad false");
        break;
    case JSONSCAN_NULL:
        FUZZ_ASSERT(ev->text_len == 4 && memcmp(ev->text, "null", 4) == 0, "bad null");
        break;
    }
    if (ev->type == JSONSCAN_STRING) {
        json_error_t je;
        json_t *v = json_loadb(ev->text, ev->text_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        FUZZ_ASSERT(v != NULL, "jansson rejects a captured string: %s", je.text);
        json_decref(v);
    }
}

static int on_end(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    (void)reterr;
    struct run *r = ud;
    mix_event(r, 2, ev);
    if (ev->text)
        check_capture(ev);
    return 0;
}

static const struct jsonscan_handler handler = {on_begin, on_end};

struct feed_ctx {
    struct jsonscan *s;
    struct cf_error *err;
};

static int feed(void *ctx, const char *buf, size_t n)
{
    struct feed_ctx *fc = ctx;
    return jsonscan_feed(fc->s, buf, n, fc->err);
}

static int scan(const struct jsonscan_limits *lim, const char *doc, size_t len, uint8_t split,
                struct run *run, struct cf_error *err)
{
    run->hash = 0xcbf29ce484222325ULL;
    struct jsonscan *s = jsonscan_new(lim, &handler, run);
    FUZZ_ASSERT(s != NULL, "jsonscan_new failed");
    struct feed_ctx fc = {s, err};
    int r = fuzz_feed_chunks(doc, len, split, feed, &fc);
    if (r == 0)
        r = jsonscan_finish(s, err);
    else /* errors are sticky */
        FUZZ_ASSERT(jsonscan_finish(s, NULL) == r, "error %d not sticky", r);
    FUZZ_ASSERT(jsonscan_offset(s) <= len, "offset past the input");
    jsonscan_free(s);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct jsonscan_limits lim;
    jsonscan_limits_default(&lim);
    if (data[0] & 0x80) {
        lim.max_depth = 8;
        lim.max_key_bytes = 8;
        lim.max_capture_bytes = 64;
    }
    const char *doc = (const char *)data + 1;
    size_t len = size - 1;

    struct run whole = {0}, split = {0};
    struct cf_error e1 = {0}, e2 = {0};
    int r1 = scan(&lim, doc, len, 0, &whole, &e1);
    int r2 = scan(&lim, doc, len, (uint8_t)(data[0] | 1), &split, &e2);
    FUZZ_ASSERT(r1 == r2, "whole %d (%s) vs split %d (%s)", r1, e1.message, r2, e2.message);
    FUZZ_ASSERT(whole.hash == split.hash && whole.events == split.events,
                "events differ with the split (%zu vs %zu)", whole.events, split.events);
    FUZZ_ASSERT(r1 == 0 || (e1.code == r1 && e1.message[0]), "error %d without detail", r1);
    FUZZ_ASSERT(r1 == 0 || strcmp(e1.message, e2.message) == 0, "messages differ: %s / %s",
                e1.message, e2.message);
    FUZZ_ASSERT(r1 == 0 || r1 == CF_EJSON || r1 == CF_ETOOBIG || r1 == CF_EUPSTREAM,
                "unexpected code %d", r1);

    /* jansson 2.14 takes a bare number followed by a NUL byte ("1\0") for a complete document,
     * so it is no judge of documents that hold a raw NUL. */
    if (memchr(doc, '\0', len))
        return 0;
    json_error_t je;
    json_t *j = json_loadb(doc, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    FUZZ_ASSERT(!(j && r1 == CF_EJSON), "jsonscan rejects what jansson accepts: %s", e1.message);
    /* jansson refuses some valid JSON that jsonscan need not: integers and reals it cannot
     * hold, and "\u0000" in a member name. */
    FUZZ_ASSERT(!(!j && r1 == 0) || strstr(je.text, "too big") || strstr(je.text, "overflow") ||
                    strstr(je.text, "NUL byte in object key"),
                "jsonscan accepts what jansson rejects: %s", je.text);
    json_decref(j);
    return 0;
}
