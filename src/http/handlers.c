/*
 * handlers.c - the route table and the handlers of the service's routes.
 *
 * Handlers are short and CPU-only: they borrow what they need from struct cf_app (the rates
 * through the cache's reference counting), compute, and fill the response.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/app.h"
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

const struct route app_routes[] = {
    {"GET", "/healthz", handle_healthz, 0},
    {"GET", "/readyz", handle_readyz, 0},
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
