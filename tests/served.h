/*
 * served.h - the served application for tests that refresh from a local upstream and read the
 * answers over HTTP (test_faults, test_offer_savings, test_offer_bill, test_offer_vpc): the
 * shared parts of their fixtures, so that each test file keeps only what it does differently.
 */
#ifndef COMPUTEFIT_TESTS_SERVED_H
#define COMPUTEFIT_TESTS_SERVED_H

#include <jansson.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/gpu_specs.h"
#include "upstream.h"

/* Fills *cfg with the defaults of a served test: an ephemeral port on 127.0.0.1, two workers,
 * the Price List at `up`, us-east-1 only, no retries, short timeouts, and a new state
 * directory made from the mkdtemp() template `state_dir` (changed in place). */
void served_config(struct cf_config *cfg, const struct upstream *up, char *state_dir);

/* Returns the shipped GPU spec table (config/gpu-specs.json); fails the test on error. */
struct gpu_specs *served_gpu_specs(void);

/* Sets *app up with `cfg` (borrowed), a pricing cache holding the bundled snapshot, and
 * metrics; no model, refresher or server yet. */
void served_app_init(struct cf_app *app, struct cf_config *cfg);

/* Frees what served_app_init() made (the cache and the metrics). */
void served_app_free(struct cf_app *app);

/* Removes the state directory `dir` and the rates file a refresh saved in it. */
void served_state_dir_remove(const char *dir);

/* GETs `path` from the server on `port`, checks the status and returns the body as JSON. */
json_t *served_get_json(int port, const char *path, long want_status);

/* The whole served stack of a refresh test: a local upstream, the application on the bundled
 * snapshot with the test model, a refresher reading the upstream, and the server on a free
 * port. */
struct refresher;
struct cf_server;
struct model;
struct served_stack {
    struct upstream *up;
    struct cf_config cfg;
    struct cf_app app;
    struct refresher *rf;
    struct cf_server *srv;
    struct gpu_specs *specs;
    struct model *model;
    int port;
    char state_dir[64];
};

/* Starts it; `state_prefix` names the state directory ("/tmp/cf-bill-state"), and `tune`, when
 * not NULL, changes the configuration before anything reads it. Fails the running test on any
 * error. */
void served_stack_start(struct served_stack *s, const char *state_prefix,
                        void (*tune)(struct cf_config *cfg));

/* Stops and frees what served_stack_start() started, and removes the state directory. */
void served_stack_stop(struct served_stack *s);

#endif
