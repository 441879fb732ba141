/*
 * app.h - what request handlers share: settings, the rates cache, the model, counters.
 *
 * main.c builds one struct cf_app before the server starts and frees it after the server and
 * the refresher have stopped. Handlers only read it (the cache and the atomics are themselves
 * thread-safe), so it needs no lock of its own.
 */
#ifndef COMPUTEFIT_APP_H
#define COMPUTEFIT_APP_H

#include <stdatomic.h>
#include <stdint.h>

#include "computefit/config.h"
#include "computefit/pricing.h"

struct model;
struct gpu_specs;
struct refresher;
struct metrics;

struct cf_app {
    const struct cf_config *cfg; /* borrowed */
    struct pricing_cache *cache; /* borrowed; never NULL */
    const struct model *model;   /* borrowed; NULL until the advice routes are wired */
    struct refresher *refresher; /* borrowed; NULL when refresh is off */
    struct metrics *metrics;     /* borrowed; NULL: requests are not counted */
    int64_t started_at;          /* Unix seconds */
    atomic_long in_flight;       /* requests being processed now */
    atomic_bool stopping;        /* set at shutdown: responses ask clients to close */
};

#endif
