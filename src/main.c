/*
 * main.c - wiring only: settings, data files, the rates cache, the server, signals.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread (the mask is set before any thread
 * starts and inherited) and taken synchronously here with sigwait(), so no handler runs in a
 * worker thread and shutdown runs in ordinary code.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/gpu_specs.h"
#include "computefit/log.h"
#include "computefit/metrics.h"
#include "computefit/model.h"
#include "computefit/pricing.h"
#include "computefit/refresher.h"
#include "computefit/router.h"
#include "computefit/server.h"
#include "computefit/state.h"
#include "cf_build.h"

extern char **environ;

/* Exit statuses: 0 clean shutdown, 1 runtime failure, 2 invalid configuration. */
enum { EXIT_CONFIG = 2 };

static int config_fail(const struct cf_error *err)
{
    LOG_FIELDS(CF_LOG_ERROR, "config_invalid", LOGF_S("key", err->field),
               LOGF_S("message", err->message));
    fprintf(stderr, "computefit: invalid configuration: %s: %s\n", err->field, err->message);
    return EXIT_CONFIG;
}

/* Reads a JSON data file named by config key `key`; CF_ECONFIG names the key on failure. */
static int load_json(const char *path, const char *key, json_t **ret, struct cf_error *err)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return cf_error_set(err, CF_ECONFIG, key, "cannot load %s: %s (line %d)", path, jerr.text,
                            jerr.line);
    *ret = doc;
    return 0;
}

static int load_gpu_specs(const struct cf_config *cfg, struct gpu_specs **ret, struct cf_error *err)
{
    json_t *doc = NULL;
    int r = load_json(cfg->gpu_specs_file, "gpu_specs_file", &doc, err);
    if (r == 0) {
        struct cf_error e = {0};
        r = gpu_specs_from_json(doc, ret, &e);
        if (r != 0)
            r = cf_error_set(err, CF_ECONFIG, "gpu_specs_file", "%s: %s: %s", cfg->gpu_specs_file,
                             e.field, e.message);
    }
    json_decref(doc);
    return r;
}

static int load_model(const struct cf_config *cfg, struct model **ret, struct cf_error *err)
{
    json_t *doc = NULL;
    int r = load_json(cfg->model_file, "model_file", &doc, err);
    if (r == 0) {
        struct cf_error e = {0};
        r = model_from_json(doc, ret, &e);
        if (r != 0)
            r = cf_error_set(err, CF_ECONFIG, "model_file", "%s: %s: %s", cfg->model_file, e.field,
                             e.message);
    }
    json_decref(doc);
    return r;
}

int main(int argc, char **argv)
{
    struct cf_config cfg;
    struct cf_error err = {0};
    int r = config_load(&cfg, argc - 1, argv + 1, environ, &err);
    if (r == 1)
        return 0;
    if (r != 0)
        return config_fail(&err);
    enum cf_log_level level = CF_LOG_INFO;
    log_level_parse(cfg.log_level, &level);
    log_set_level(level);

    /* Process-wide set-up before any thread exists (see CONVENTIONS.md). */
    signal(SIGPIPE, SIG_IGN);
    json_object_seed(0);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "computefit: curl_global_init failed\n");
        return 1;
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    log_writer_start(); /* the access log in batches; on failure, a write per line as before */

    int status = 1;
    struct cf_server *srv = NULL;
    struct gpu_specs *specs = NULL;
    struct model *model = NULL;
    struct refresher *refresher = NULL;
    struct rates *initial = NULL;
    struct metrics *metrics = metrics_new(app_routes, app_routes_count);
    struct pricing_cache *cache = pricing_cache_new();
    if (!cache || !metrics)
        goto out;

    /* Every data file is loaded, and every setting checked, before the port is opened. */
    if ((r = load_gpu_specs(&cfg, &specs, &err)) != 0 ||
        (r = load_model(&cfg, &model, &err)) != 0 ||
        (r = state_load_initial(&cfg, &initial, &err)) != 0) {
        status = config_fail(&err);
        goto out;
    }
    pricing_cache_swap(cache, initial);
    if (cfg.refresh_enabled && (r = refresher_new(&cfg, cache, specs, NULL, &refresher, &err))) {
        status = config_fail(&err);
        goto out;
    }

    struct cf_app app = {.cfg = &cfg,
                         .cache = cache,
                         .model = model,
                         .refresher = refresher,
                         .metrics = metrics,
                         .started_at = (int64_t)time(NULL)};
    atomic_init(&app.in_flight, 0);
    atomic_init(&app.stopping, false);

    LOG_FIELDS(CF_LOG_INFO, "starting", LOGF_S("version", CF_VERSION),
               LOGF_S("config", cfg.config_file));
    r = server_start(&app, app_routes, app_routes_count, &srv, &err);
    if (r != 0) {
        status = r == CF_ECONFIG ? config_fail(&err) : 1;
        if (r != CF_ECONFIG)
            LOG_FIELDS(CF_LOG_ERROR, "listen_failed", LOGF_S("message", err.message));
        goto out;
    }

    if (refresher && refresher_start(refresher) != 0) {
        LOG_FIELDS(CF_LOG_ERROR, "refresher_failed", LOGF_S("message", "cannot start thread"));
        goto out;
    }

    int sig = 0;
    sigwait(&stop_signals, &sig);
    LOG_FIELDS(CF_LOG_INFO, "stopping", LOGF_S("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    server_stop(srv, cfg.shutdown_timeout_s * 1000);
    srv = NULL;
    status = 0;
out:
    /* Handlers use the refresher (GET /pricing), so it stops after the server; the cache goes
     * last, after both have let go of it. */
    server_stop(srv, 0);
    refresher_free(refresher);
    pricing_cache_free(cache);
    model_free(model);
    gpu_specs_free(specs);
    metrics_free(metrics);
    curl_global_cleanup();
    LOG_FIELDS(CF_LOG_INFO, "stopped", LOGF_I("exit_status", status));
    log_writer_stop();
    return status;
}
