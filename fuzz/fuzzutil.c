/*
 * fuzzutil.c - helpers shared by the libFuzzer targets (see fuzz.h).
 */
#include "fuzz.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "%s:%d: invariant broken: %s: ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

json_t *fuzz_load_json(const char *rel)
{
    const char *root = getenv("CF_SOURCE_ROOT");
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", root && *root ? root : CF_FUZZ_SOURCE_ROOT, rel);
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        fuzz_fail(__FILE__, __LINE__, "doc", "cannot load %s: %s", path, jerr.text);
    return doc;
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        fuzz_fail(__FILE__, __LINE__, "s", "out of memory");
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_chunker_init(struct fuzz_chunker *c, uint8_t seed)
{
    c->state = 0x9e3779b9u ^ seed;
    c->max = seed == 0 ? 0 : (size_t)1 << (seed & 7);
}

size_t fuzz_chunker_next(struct fuzz_chunker *c, size_t remaining)
{
    if (remaining == 0)
        return 0;
    if (c->max == 0)
        return remaining;
    /* xorshift32: cheap, and the same split on every replay of one input. */
    c->state ^= c->state << 13;
    c->state ^= c->state >> 17;
    c->state ^= c->state << 5;
    size_t n = 1 + c->state % c->max;
    return n < remaining ? n : remaining;
}

int fuzz_feed_chunks(const char *doc, size_t len, uint8_t split,
                     int (*feed)(void *ctx, const char *buf, size_t n), void *ctx)
{
    struct fuzz_chunker ch;
    fuzz_chunker_init(&ch, split);
    for (size_t off = 0; off < len;) {
        size_t n = fuzz_chunker_next(&ch, len - off);
        int r = feed(ctx, doc + off, n);
        if (r)
            return r;
        off += n;
    }
    return 0;
}

json_t *fuzz_parse_doc(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    return json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
}

void fuzz_each_region(const uint8_t *data, size_t size,
                      void (*fn)(const json_t *doc, const char *region))
{
    static const char *const regions[] = {"us-east-1", "eu-west-1"};
    json_t *doc = fuzz_parse_doc(data, size);
    if (!doc)
        return;
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
        fn(doc, regions[i]);
    json_decref(doc);
}

void fuzz_check_error(int r, const struct cf_error *err)
{
    FUZZ_ASSERT(r < 0, "positive result %d", r);
    FUZZ_ASSERT(err->code == r, "error record says %d, result %d", err->code, r);
    FUZZ_ASSERT(err->message[0] != '\0', "error %d without a message", r);
    FUZZ_ASSERT(memchr(err->message, '\0', sizeof(err->message)) != NULL, "message not terminated");
}

void fuzz_check_rate(double v, const char *what)
{
    FUZZ_ASSERT(isfinite(v) && v >= 0, "%s is %g", what, v);
}

void fuzz_check_str(const char *s, size_t cap, const char *what)
{
    FUZZ_ASSERT(memchr(s, '\0', cap) != NULL, "%s is not NUL-terminated", what);
}
