/*
 * handlers.c - the route table and the handlers of the service's routes.
 *
 * Handlers are short and CPU-only: they borrow what they need from struct cf_app (the rates
 * through the cache's reference counting), compute, and fill the response.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "computefit/access.h"
#include "computefit/advise.h"
#include "computefit/app.h"
#include "computefit/chatops.h"
#include "computefit/handlers.h"
#include "computefit/metrics.h"
#include "computefit/openapi.h"
#include "computefit/query.h"
#include "computefit/render.h"
#include "computefit/rates_export.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/router.h"
#include "computefit/web.h"

/* Sets a small fixed JSON body without going through jansson (health checks are hot). */
static void static_json(struct http_response *resp, int status, const char *text)
{
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = strdup(text);
    resp->body_len = resp->body ? strlen(text) : 0;
    if (!resp->body)
        http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
}

static void handle_healthz(const struct http_request *req, const json_t *body,
                           struct http_response *resp)
{
    (void)req;
    (void)body;
    static_json(resp, 200, "{\"status\":\"ok\"}");
}

static void handle_readyz(const struct http_request *req, const json_t *body,
                          struct http_response *resp)
{
    (void)body;
    const struct cf_app *app = req->app;
    struct rates *rates = pricing_cache_acquire(app->cache);
    if (!rates) {
        http_response_error(resp, CF_ENOPRICE, NULL,
                            "No rates are loaded yet; the service cannot price workloads.");
        return;
    }
    int64_t age = (int64_t)time(NULL) - rates->built_at;
    rates_unref(rates);
    if (app->cfg->max_rates_age_s > 0 && age > app->cfg->max_rates_age_s) {
        http_response_error(resp, CF_ENOPRICE, NULL,
                            "The rates in use are %lld s old, past max_rates_age (%ld s).",
                            (long long)age, app->cfg->max_rates_age_s);
        return;
    }
    static_json(resp, 200, "{\"status\":\"ready\"}");
}

static void handle_pricing(const struct http_request *req, const json_t *body,
                           struct http_response *resp)
{
    (void)body;
    const struct cf_app *app = req->app;
    struct rates *rates = pricing_cache_acquire(app->cache);
    int64_t now = (int64_t)time(NULL);
    json_t *doc = app->refresher ? refresher_status_json(app->refresher, rates, now)
                                 : pricing_status_json(rates, app->cfg, now);
    rates_unref(rates);
    http_response_json(resp, 200, doc);
}

static void handle_pricing_region(const struct http_request *req, const json_t *body,
                                  struct http_response *resp)
{
    (void)body;
    const struct cf_app *app = req->app;
    const char *region = req->params[0];
    struct rates *rates = pricing_cache_acquire(app->cache);
    const struct region_rates *rr = rates ? rates_region(rates, region) : NULL;
    if (!rr) {
        rates_unref(rates);
        http_response_error(resp, CF_ENOTFOUND, "region",
                            "No rates are loaded for region \"%.40s\"; GET /pricing lists the "
                            "regions that have them.",
                            region);
        return;
    }
    json_t *doc = rates_region_to_json(rr);
    rates_unref(rates);
    http_response_json(resp, 200, doc);
}

/* GET /pricing/export: the whole table in use as one rates document, for a fleet's replicas
 * (rates_url) and anything else that mirrors it. Built once per table (pricing_cache_export);
 * conditional with its ETag, gzip-encoded for a client that takes it, and cacheable by a proxy
 * that revalidates. */
static void handle_pricing_export(const struct http_request *req, const json_t *body,
                                  struct http_response *resp)
{
    (void)body;
    const struct cf_app *app = req->app;
    struct rates_export *e = NULL;
    struct cf_error err = {0};
    if (pricing_cache_export(app->cache, &e, &err) != 0) {
        http_response_cf_error(resp, &err);
        return;
    }
    bool gz = query_accepts_gzip(req);
    http_response_header(resp, "ETag", gz ? e->etag_gzip : e->etag);
    http_response_header(resp, "Vary", "Accept-Encoding");
    /* Caches may keep it, but must ask again (with If-None-Match) before each use: the table
     * changes at the refresher's pace, not on a schedule a max-age could state. */
    http_response_header(resp, "Cache-Control", "no-cache");
    const char *inm = req->header(req, "If-None-Match");
    if (inm && rates_export_matches(e, inm)) {
        resp->status = 304;
        rates_export_unref(e);
        return;
    }
    size_t len = gz ? e->gzip_len : e->len;
    resp->body = malloc(len ? len : 1);
    if (!resp->body) {
        rates_export_unref(e);
        http_response_clear(resp);
        http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        return;
    }
    memcpy(resp->body, gz ? (const void *)e->gzip : (const void *)e->body, len);
    resp->body_len = len;
    rates_export_unref(e);
    if (gz)
        http_response_header(resp, "Content-Encoding", "gzip");
    resp->status = 200;
    resp->content_type = "application/json";
}

static void handle_pricing_refresh(const struct http_request *req, const json_t *body,
                                   struct http_response *resp)
{
    (void)body;
    const struct cf_app *app = req->app;
    if (!app->cfg->admin_token[0]) {
        http_response_error(resp, CF_ENOTFOUND, NULL,
                            "Manual refresh is disabled; set admin_token to enable it.");
        return;
    }
    const char *token = access_bearer_token(req);
    if (!token) {
        http_response_error(resp, CF_EUNAUTH, NULL,
                            "Send the admin token as 'Authorization: Bearer <token>'.");
        http_response_header(resp, "WWW-Authenticate", "Bearer realm=\"computefit-admin\"");
        return;
    }
    if (!access_secret_equal(token, app->cfg->admin_token)) {
        http_response_error(resp, CF_EFORBIDDEN, NULL, "The admin token is not valid.");
        return;
    }
    if (!app->refresher) {
        http_response_error(resp, CF_EBUSY, NULL,
                            "Refresh is turned off (refresh = false); rates come from %s.",
                            "the snapshot or the state directory");
        return;
    }
    int r = refresher_trigger(app->refresher);
    struct rates *rates = pricing_cache_acquire(app->cache);
    json_t *status = refresher_status_json(app->refresher, rates, (int64_t)time(NULL));
    rates_unref(rates);
    http_response_json(resp, 202,
                       json_pack("{s:s, s:o*}", "refresh", r == 0 ? "started" : "already_running",
                                 "status", status));
}

/* Renders an answer in the negotiated representation. The answer's rates must still be held. */
static void respond(struct http_response *resp, const struct cf_answer *ans, enum http_format fmt,
                    const struct cf_config *cfg)
{
    struct render_opts opts = {(int64_t)time(NULL), cfg->stale_after_s};
    char *body = NULL;
    size_t len = 0;
    const char *type = "application/json";
    switch (fmt) {
    case FORMAT_SVG: {
        struct cf_error err = {0};
        if (render_svg(ans, &body, &len, &err) != 0) {
            http_response_cf_error(resp, &err);
            return;
        }
        type = "image/svg+xml";
        break;
    }
    case FORMAT_TEXT:
    case FORMAT_MARKDOWN:
        body = render_text(ans, &opts, fmt == FORMAT_MARKDOWN);
        len = body ? strlen(body) : 0;
        type =
            fmt == FORMAT_MARKDOWN ? "text/markdown; charset=utf-8" : "text/plain; charset=utf-8";
        break;
    default:
        body = render_json(ans, &opts, &len);
        break;
    }
    if (!body) {
        http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        return;
    }
    resp->status = 200;
    resp->content_type = type;
    resp->body = body;
    resp->body_len = len;
}

int handlers_answer(const struct cf_app *app, const json_t *request, core_fn fn,
                    void (*use)(const struct cf_answer *ans, void *ctx), void *ctx,
                    struct cf_error *reterr)
{
    if (!app->model)
        return cf_error_set(reterr, CF_EBUSY, NULL, "The advice model is not loaded.");
    struct rates *rates = pricing_cache_acquire(app->cache);
    if (!rates)
        return cf_error_set(reterr, CF_ENOPRICE, NULL,
                            "No rates are loaded yet; retry when /readyz answers 200.");
    struct cf_answer *ans = NULL;
    struct cf_error err = {0};
    int r = fn(request, rates, app->model, &ans, &err);
    if (r != 0) {
        if (!err.code)
            cf_error_set(&err, r, NULL, "The request could not be answered.");
        if (reterr)
            *reterr = err;
    } else {
        use(ans, ctx);
    }
    cf_answer_free(ans);
    rates_unref(rates);
    return r;
}

/* respond() as handlers_answer()'s `use`. */
struct respond_ctx {
    struct http_response *resp;
    enum http_format fmt;
    const struct cf_config *cfg;
};

static void respond_answer(const struct cf_answer *ans, void *ctx)
{
    struct respond_ctx *rc = ctx;
    respond(rc->resp, ans, rc->fmt, rc->cfg);
}

/* Runs one core computation and renders its answer in the negotiated representation. `body`
 * is the JSON body of a POST, or NULL for a GET, whose query string is the workload. */
static void run_core(const struct http_request *req, const json_t *body, core_fn fn, bool svg_ok,
                     struct http_response *resp)
{
    const struct cf_app *app = req->app;
    struct cf_error err = {0};
    enum http_format fmt;
    if (query_negotiate(req, svg_ok, &fmt, &err) != 0) {
        http_response_cf_error(resp, &err);
        return;
    }
    json_t *query = NULL;
    if (!body) {
        if (query_to_json(req, &query, &err) != 0) {
            http_response_cf_error(resp, &err);
            return;
        }
        body = query;
    }
    struct respond_ctx rc = {resp, fmt, app->cfg};
    if (handlers_answer(app, body, fn, respond_answer, &rc, &err) != 0)
        http_response_cf_error(resp, &err);
    json_decref(query);
}

static void handle_advise(const struct http_request *req, const json_t *body,
                          struct http_response *resp)
{
    run_core(req, body, core_advise, false, resp);
}

static void handle_compare(const struct http_request *req, const json_t *body,
                           struct http_response *resp)
{
    run_core(req, body, core_compare, true, resp);
}

static void handle_metrics(const struct http_request *req, const json_t *body,
                           struct http_response *resp)
{
    (void)body;
    size_t len = 0;
    char *text = metrics_render(req->app->metrics, req->app, (int64_t)time(NULL), &len);
    if (!text) {
        http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp->body = text;
    resp->body_len = len;
}

static void handle_openapi(const struct http_request *req, const json_t *body,
                           struct http_response *resp)
{
    (void)req;
    (void)body;
    resp->body = malloc(cf_openapi_json_len);
    if (!resp->body) {
        http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        return;
    }
    memcpy(resp->body, cf_openapi_json, cf_openapi_json_len);
    resp->body_len = cf_openapi_json_len;
    resp->status = 200;
    resp->content_type = "application/json";
}

/* Whether an If-None-Match header names `etag` (RFC 9110 13.1.2: a list of entity tags, weak
 * comparison, or "*"). */
static bool etag_matches(const char *if_none_match, const char *etag)
{
    size_t len = strlen(etag);
    for (const char *p = if_none_match; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, len) == 0 &&
            (p[len] == '\0' || p[len] == ',' || p[len] == ' ' || p[len] == '\t'))
            return true;
        while (*p && *p != ',')
            p++;
    }
    return false;
}

/* Drops what the page's response had set and makes it the out-of-memory error. */
static void page_oom(struct http_response *resp)
{
    free(resp->body);
    resp->body = NULL;
    for (int i = 0; i < resp->n_headers; i++)
        free(resp->headers[i].value);
    resp->n_headers = 0;
    http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
}

/* The web page (web/index.html, embedded): its own strict CSP, and revalidated by its ETag
 * rather than never stored, so a browser fetches it again only when the binary's page changed. */
static void handle_page(const struct http_request *req, const json_t *body,
                        struct http_response *resp)
{
    (void)body;
    if (http_response_header(resp, "ETag", cf_web_etag) != 0 ||
        http_response_header(resp, "Cache-Control", "no-cache") != 0) {
        page_oom(resp);
        return;
    }
    const char *inm = req->header(req, "If-None-Match");
    if (inm && etag_matches(inm, cf_web_etag)) {
        resp->status = 304;
        return;
    }
    resp->body = malloc(cf_web_page_len);
    if (!resp->body || http_response_header(resp, "Content-Security-Policy", cf_web_csp) != 0 ||
        http_response_header(resp, "X-Content-Type-Options", "nosniff") != 0 ||
        http_response_header(resp, "Referrer-Policy", "same-origin") != 0 ||
        http_response_header(resp, "X-Frame-Options", "DENY") != 0) {
        page_oom(resp);
        return;
    }
    memcpy(resp->body, cf_web_page, cf_web_page_len);
    resp->body_len = cf_web_page_len;
    resp->status = 200;
    resp->content_type = "text/html; charset=utf-8";
}

const struct route app_routes[] = {
    {"POST", "/advise", handle_advise, ROUTE_JSON_BODY | ROUTE_API_KEY},
    {"GET", "/advise", handle_advise, ROUTE_API_KEY},
    {"POST", "/compare", handle_compare, ROUTE_JSON_BODY | ROUTE_API_KEY},
    {"GET", "/compare", handle_compare, ROUTE_API_KEY},
    {"GET", "/healthz", handle_healthz, 0},
    {"GET", "/metrics", handle_metrics, 0},
    {"GET", "/openapi.json", handle_openapi, 0},
    {"GET", "/", handle_page, 0},
    {"GET", "/readyz", handle_readyz, 0},
    {"GET", "/pricing", handle_pricing, 0},
    {"GET", "/pricing/export", handle_pricing_export, 0},
    {"POST", "/pricing/refresh", handle_pricing_refresh, 0},
    {"GET", "/pricing/{region}", handle_pricing_region, 0},
    {"POST", "/chatops/slack", chatops_slack, 0},
    {"POST", "/chatops/mattermost", chatops_mattermost, 0},
    {"POST", "/chatops/teams", chatops_teams, 0},
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
