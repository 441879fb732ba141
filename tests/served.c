/* served.c - the served application's shared test fixture (served.h). */
#include "served.h"

#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "computefit/metrics.h"
#include "computefit/model.h"
#include "computefit/pricing.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/router.h"
#include "computefit/server.h"
#include "computefit/state.h"
#include "httpclient.h"
#include "testutil.h"

void served_config(struct cf_config *cfg, const struct upstream *up, char *state_dir)
{
    config_defaults(cfg);
    cfg->port = 0;
    strcpy(cfg->bind, "127.0.0.1");
    cfg->threads = 2;
    upstream_url(up, "", cfg->pricing_url, sizeof(cfg->pricing_url));
    snprintf(cfg->regions, sizeof(cfg->regions), "us-east-1");
    cfg->fetch_retries = 0;
    cfg->fetch_connect_timeout_s = 2;
    cfg->fetch_timeout_s = 10;
    ck_assert_ptr_nonnull(mkdtemp(state_dir));
    snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", state_dir);
}

struct gpu_specs *served_gpu_specs(void)
{
    size_t len;
    char *text = cf_test_read("config/gpu-specs.json", &len);
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    struct gpu_specs *specs = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(gpu_specs_from_json(doc, &specs, &err), 0);
    json_decref(doc);
    return specs;
}

void served_app_init(struct cf_app *app, struct cf_config *cfg)
{
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;
    app->cache = pricing_cache_new();
    atomic_init(&app->in_flight, 0);
    atomic_init(&app->stopping, false);
    char *snap = cf_test_path("config/rates-snapshot.json");
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_load_file(snap, CF_SOURCE_SNAPSHOT, &r, &err), 0);
    free(snap);
    pricing_cache_swap(app->cache, r);
    app->metrics = metrics_new(app_routes, app_routes_count);
    ck_assert_ptr_nonnull(app->metrics);
}

void served_app_free(struct cf_app *app)
{
    pricing_cache_free(app->cache);
    metrics_free(app->metrics);
}

void served_state_dir_remove(const char *dir)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, STATE_RATES_FILE);
    unlink(path);
    rmdir(dir);
}

json_t *served_get_json(int port, const char *path, long want_status)
{
    struct http_result res = http_do(NULL, "GET", port, path, NULL, NULL, 0);
    ck_assert_msg(res.status == want_status, "GET %s: %ld", path, res.status);
    json_t *doc = http_json(&res);
    http_result_free(&res);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

void served_stack_start(struct served_stack *s, const char *state_prefix,
                        void (*tune)(struct cf_config *cfg))
{
    memset(s, 0, sizeof(*s));
    ck_assert_int_eq(upstream_start(NULL, &s->up), 0);
    snprintf(s->state_dir, sizeof(s->state_dir), "%s-XXXXXX", state_prefix);
    served_config(&s->cfg, s->up, s->state_dir);
    if (tune)
        tune(&s->cfg);
    s->specs = served_gpu_specs();
    served_app_init(&s->app, &s->cfg);
    s->model = cf_test_model(); /* the advice routes answer from the refreshed rates */
    s->app.model = s->model;
    struct cf_error err = {0};
    ck_assert_msg(refresher_new(&s->cfg, s->app.cache, s->specs, NULL, &s->rf, &err) == 0, "%s",
                  err.message);
    s->app.refresher = s->rf;
    ck_assert_int_eq(server_start(&s->app, app_routes, app_routes_count, &s->srv, &err), 0);
    s->port = server_port(s->srv);
}

void served_stack_stop(struct served_stack *s)
{
    server_stop(s->srv, 1000);
    refresher_free(s->rf);
    served_app_free(&s->app);
    model_free(s->model);
    gpu_specs_free(s->specs);
    upstream_stop(s->up);
    served_state_dir_remove(s->state_dir);
}
