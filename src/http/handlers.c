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
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/router.h"

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

const struct route app_routes[] = {
    {"POST", "/advise", handle_advise, ROUTE_JSON_BODY | ROUTE_API_KEY},
    {"GET", "/advise", handle_advise, ROUTE_API_KEY},
    {"POST", "/compare", handle_compare, ROUTE_JSON_BODY | ROUTE_API_KEY},
    {"GET", "/compare", handle_compare, ROUTE_API_KEY},
    {"GET", "/healthz", handle_healthz, 0},
    {"GET", "/metrics", handle_metrics, 0},
    {"GET", "/openapi.json", handle_openapi, 0},
    {"GET", "/readyz", handle_readyz, 0},
    {"GET", "/pricing", handle_pricing, 0},
    {"POST", "/pricing/refresh", handle_pricing_refresh, 0},
    {"GET", "/pricing/{region}", handle_pricing_region, 0},
    {"POST", "/chatops/slack", chatops_slack, 0},
    {"POST", "/chatops/mattermost", chatops_mattermost, 0},
    {"POST", "/chatops/teams", chatops_teams, 0},
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
