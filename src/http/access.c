/*
 * access.c - API keys, the admin token's comparison, CORS.
 */
#include "computefit/access.h"

#include <string.h>
#include <strings.h>

#include "computefit/app.h"

const char *access_bearer_token(const struct http_request *req)
{
    const char *h = req->header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h ? h : NULL;
}

bool access_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t n = la > lb ? la : lb;
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < la ? (unsigned char)a[i] : 0;
        unsigned char y = i < lb ? (unsigned char)b[i] : 0;
        diff |= (unsigned char)(x ^ y);
    }
    return diff == 0;
}

/* Calls fn for each comma-separated, space-trimmed item of `list` (copied into a bounded
 * buffer); stops early when fn returns true and returns that. */
static bool list_any(const char *list, bool (*fn)(const char *item, const void *ctx),
                     const void *ctx)
{
    const char *p = list;
    bool found = false;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        char item[256];
        size_t n = (size_t)(t - p);
        if (n > 0 && n < sizeof(item)) {
            memcpy(item, p, n);
            item[n] = '\0';
            /* Keep comparing after a match so that the time does not tell which key matched. */
            found |= fn(item, ctx);
        }
        p = e;
    }
    return found;
}

static bool key_matches(const char *item, const void *ctx)
{
    return access_secret_equal(item, ctx);
}

bool access_api_key_ok(const struct http_request *req, struct http_response *resp)
{
    const struct cf_config *cfg = req->app->cfg;
    if (!cfg->api_keys[0])
        return true;
    const char *token = access_bearer_token(req);
    if (!token) {
        http_response_error(resp, CF_EUNAUTH, NULL,
                            "This route needs an API key: send 'Authorization: Bearer <key>'.");
        http_response_header(resp, "WWW-Authenticate", "Bearer realm=\"computefit\"");
        return false;
    }
    if (!list_any(cfg->api_keys, key_matches, token)) {
        http_response_error(resp, CF_EFORBIDDEN, NULL, "The API key is not valid.");
        return false;
    }
    return true;
}

static bool origin_matches(const char *item, const void *ctx)
{
    return strcmp(item, "*") == 0 || strcasecmp(item, ctx) == 0;
}

void access_cors(const struct http_request *req, struct http_response *resp, const char *allow,
                 bool preflight)
{
    const struct cf_config *cfg = req->app ? req->app->cfg : NULL;
    if (!cfg || !cfg->cors_origins[0])
        return; /* CORS off (the default): no header lookup on every request */
    const char *origin = req->header(req, "Origin");
    if (!origin || !*origin)
        return;
    if (!list_any(cfg->cors_origins, origin_matches, origin))
        return;
    http_response_header(resp, "Access-Control-Allow-Origin", origin);
    http_response_header(resp, "Vary", "Origin");
    if (preflight) {
        http_response_header(resp, "Access-Control-Allow-Methods", allow);
        http_response_header(resp, "Access-Control-Allow-Headers",
                             "Authorization, Content-Type, Accept, X-Request-Id");
        http_response_header(resp, "Access-Control-Max-Age", "600");
    } else {
        http_response_header(resp, "Access-Control-Expose-Headers", "X-Request-Id");
    }
}
