/*
 * rates_export.c - a table's rates document, gzip-encoded too, with entity tags (rates_export.h).
 */
#include "computefit/rates_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "computefit/rates_json.h"

/* FNV-1a, 64 bits: not a cryptographic hash, and it need not be one. The tag only has to change
 * when the rates do; whoever can change the rates can change the tag anyway. */
static uint64_t fnv1a64(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Encodes `in` as one gzip member (zlib's header: no name, mtime 0, so the same body always
 * gives the same bytes). Returns 0 or CF_ENOMEM / CF_EINTERNAL. */
static int gzip_encode(const char *in, size_t len, unsigned char **ret, size_t *ret_len,
                       struct cf_error *reterr)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip wrapper rather than zlib's. */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "Out of memory compressing the rates.");
    uLong cap = deflateBound(&z, (uLong)len);
    unsigned char *out = malloc(cap);
    if (!out) {
        deflateEnd(&z);
        return cf_error_set(reterr, CF_ENOMEM, NULL, "Out of memory compressing the rates.");
    }
    z.next_in = (Bytef *)(uintptr_t)in; /* zlib's input is not const, and is not written */
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int zr = deflate(&z, Z_FINISH);
    size_t n = (size_t)z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        free(out);
        return cf_error_set(reterr, CF_EINTERNAL, NULL, "zlib could not compress the rates (%d).",
                            zr);
    }
    *ret = out;
    *ret_len = n;
    return 0;
}

int rates_export_new(const struct rates *r, uint64_t generation, struct rates_export **ret,
                     struct cf_error *reterr)
{
    struct rates_export *e = calloc(1, sizeof(*e));
    if (!e)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "Out of memory exporting the rates.");
    atomic_init(&e->refcount, 1);
    e->generation = generation;
    int rc = 0;
    e->body = rates_to_text(r, &e->len);
    if (!e->body)
        rc = cf_error_set(reterr, CF_EINTERNAL, NULL, "The rates in use could not be serialised.");
    /* The rates document is far below 4 GiB (RATES_JSON_MAX_FILE_BYTES), zlib's uInt. */
    if (rc == 0)
        rc = gzip_encode(e->body, e->len, &e->gzip, &e->gzip_len, reterr);
    if (rc != 0) {
        rates_export_unref(e);
        return rc;
    }
    snprintf(e->etag, sizeof(e->etag), "\"%016llx-%zx\"",
             (unsigned long long)fnv1a64(e->body, e->len), e->len);
    snprintf(e->etag_gzip, sizeof(e->etag_gzip), "\"%016llx-%zx-gzip\"",
             (unsigned long long)fnv1a64(e->body, e->len), e->len);
    *ret = e;
    return 0;
}

struct rates_export *rates_export_ref(struct rates_export *e)
{
    if (e)
        atomic_fetch_add_explicit(&e->refcount, 1, memory_order_relaxed);
    return e;
}

void rates_export_unref(struct rates_export *e)
{
    if (!e || atomic_fetch_sub_explicit(&e->refcount, 1, memory_order_acq_rel) != 1)
        return;
    free(e->body);
    free(e->gzip);
    free(e);
}

/* Whether the opaque tag p[0..n) (quotes included, no W/) is `tag`. */
static bool same_tag(const char *p, size_t n, const char *tag)
{
    return strlen(tag) == n && memcmp(p, tag, n) == 0;
}

bool rates_export_matches(const struct rates_export *e, const char *inm)
{
    for (const char *p = inm; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false; /* not a list of entity tags: no match, the full answer is safe */
        const char *q = strchr(p + 1, '"');
        if (!q)
            return false;
        size_t n = (size_t)(q + 1 - p);
        if (same_tag(p, n, e->etag) || same_tag(p, n, e->etag_gzip))
            return true;
        p = q + 1;
    }
    return false;
}
