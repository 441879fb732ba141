/*
 * query.c - query strings to workload objects, and content negotiation.
 */
#include "computefit/query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct collect {
    json_t *obj;
    struct cf_error *err;
    int code;
};

static int collect_one(void *ctx, const char *key, const char *value)
{
    struct collect *c = ctx;
    if (strcmp(key, "format") == 0)
        return 0;
    if (strcmp(key, "tasks") == 0) {
        /* Otherwise the plan parser would answer about the other parameters beside it. */
        c->code = cf_error_set(c->err, CF_EINVAL, key,
                               "A plan (tasks) needs the POST form: send {\"tasks\": [...]} as "
                               "a JSON body.");
        return c->code;
    }
    if (json_object_get(c->obj, key)) {
        c->code =
            cf_error_set(c->err, CF_EINVAL, key, "%.60s is given twice in the query string.", key);
        return c->code;
    }
    json_t *s = json_string(value);
    if (!s) {
        c->code = cf_error_set(c->err, CF_EINVAL, key,
                               "The value of this parameter is not valid UTF-8 text.");
        return c->code;
    }
    if (json_object_set_new(c->obj, key, s) != 0) {
        /* jansson refuses keys that are not UTF-8; the name cannot be echoed as a field. */
        c->code = cf_error_set(c->err, CF_EINVAL, NULL,
                               "A query parameter name is not valid UTF-8 text; parameter names "
                               "are the workload's field names (duration, memory, ...).");
        return c->code;
    }
    return 0;
}

int query_to_json(const struct http_request *req, json_t **ret, struct cf_error *reterr)
{
    struct collect c = {json_object(), reterr, 0};
    if (!c.obj)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory");
    if (req->query_each)
        req->query_each(req, collect_one, &c);
    if (c.code) {
        json_decref(c.obj);
        return c.code;
    }
    *ret = c.obj;
    return 0;
}

/* Calls fn(ctx, item, n, q) for each item of a comma-separated header value with q-values
 * (Accept, Accept-Encoding): `item` is its first n bytes without parameters, `q` its q-value
 * (1 without one). */
static void each_item(const char *list, void (*fn)(void *ctx, const char *item, size_t n, double q),
                      void *ctx)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *item_end = semi ? semi : end;
        while (item_end > p && item_end[-1] == ' ')
            item_end--;
        double q = 1;
        for (const char *s = semi; s && s < end; s = memchr(s + 1, ';', (size_t)(end - s - 1))) {
            const char *t = s + 1;
            while (*t == ' ')
                t++;
            if (strncasecmp(t, "q=", 2) == 0)
                q = strtod(t + 2, NULL);
        }
        if (item_end > p)
            fn(ctx, p, (size_t)(item_end - p), q);
        p = end;
    }
}

struct media {
    const char *type;
    enum http_format format;
};

static const struct media medias[] = {
    {"application/json", FORMAT_JSON},
    {"text/plain", FORMAT_TEXT},
    {"text/markdown", FORMAT_MARKDOWN},
    {"image/svg+xml", FORMAT_SVG},
    {"application/*", FORMAT_JSON},
    {"text/*", FORMAT_TEXT},
    {"image/*", FORMAT_SVG},
    {"*/*", FORMAT_JSON},
};

struct best_media {
    bool svg_ok;
    double q;
    int best;
};

static void pick_media(void *ctx, const char *item, size_t n, double q)
{
    struct best_media *b = ctx;
    for (size_t i = 0; i < sizeof(medias) / sizeof(medias[0]); i++) {
        if (strlen(medias[i].type) != n || strncasecmp(item, medias[i].type, n) != 0)
            continue;
        if (medias[i].format == FORMAT_SVG && !b->svg_ok)
            continue;
        if (q > b->q) {
            b->q = q;
            b->best = (int)medias[i].format;
        }
    }
}

int query_negotiate(const struct http_request *req, bool svg_ok, enum http_format *ret,
                    struct cf_error *reterr)
{
    const char *f = req->query ? req->query(req, "format") : NULL;
    if (f) {
        static const char *const names[] = {"json", "text", "markdown", "svg"};
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(f, names[i]) == 0) {
                if (i == FORMAT_SVG && !svg_ok)
                    return cf_error_set(reterr, CF_EINVAL, "format",
                                        "format=svg is only available from /compare.");
                *ret = (enum http_format)i;
                return 0;
            }
        }
        return cf_error_set(reterr, CF_EINVAL, "format", "format must be json, text, markdown%s.",
                            svg_ok ? " or svg" : "");
    }
    const char *accept = req->header(req, "Accept");
    if (!accept || !*accept) {
        *ret = FORMAT_JSON;
        return 0;
    }
    /* The acceptable media range with the highest q wins; ties go to the earlier one. */
    struct best_media b = {svg_ok, 0, -1};
    each_item(accept, pick_media, &b);
    int best = b.best;
    if (best < 0)
        return cf_error_set(reterr, CF_ENOTACCEPT, NULL,
                            "This route answers application/json, text/plain or text/markdown%s; "
                            "the Accept header allows none of them.",
                            svg_ok ? " or image/svg+xml" : "");
    *ret = (enum http_format)best;
    return 0;
}

/* What Accept-Encoding says of gzip: its own q-value, else the wildcard's. */
struct gzip_choice {
    double gzip_q, any_q;
    bool gzip_named, any_named;
};

static void pick_gzip(void *ctx, const char *item, size_t n, double q)
{
    struct gzip_choice *g = ctx;
    if ((n == 4 && strncasecmp(item, "gzip", 4) == 0) ||
        (n == 6 && strncasecmp(item, "x-gzip", 6) == 0)) {
        g->gzip_named = true;
        g->gzip_q = q;
    } else if (n == 1 && item[0] == '*') {
        g->any_named = true;
        g->any_q = q;
    }
}

bool query_accepts_gzip(const struct http_request *req)
{
    const char *ae = req->header(req, "Accept-Encoding");
    if (!ae)
        return false;
    struct gzip_choice g = {0, 0, false, false};
    each_item(ae, pick_gzip, &g);
    return g.gzip_named ? g.gzip_q > 0 : g.any_named && g.any_q > 0;
}
