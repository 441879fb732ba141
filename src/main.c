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
#include "computefit/log.h"
#include "computefit/pricing.h"
#include "computefit/router.h"
#include "computefit/server.h"
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

    int status = 1;
    struct cf_server *srv = NULL;
    struct pricing_cache *cache = pricing_cache_new();
    if (!cache)
        goto out;

    struct cf_app app = {.cfg = &cfg, .cache = cache, .started_at = (int64_t)time(NULL)};
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

    int sig = 0;
    sigwait(&stop_signals, &sig);
    LOG_FIELDS(CF_LOG_INFO, "stopping", LOGF_S("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    server_stop(srv, cfg.shutdown_timeout_s * 1000);
    srv = NULL;
    status = 0;
out:
    server_stop(srv, 0);
    pricing_cache_free(cache);
    curl_global_cleanup();
    LOG_FIELDS(CF_LOG_INFO, "stopped", LOGF_I("exit_status", status));
    return status;
}
