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

#endif
