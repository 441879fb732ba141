/*
 * state.h - the rates table to serve at start-up: the last-known-good file in the state
 * directory when there is a valid one, else the bundled snapshot.
 */
#ifndef COMPUTEFIT_STATE_H
#define COMPUTEFIT_STATE_H

#include <stddef.h>

#include "computefit/config.h"
#include "computefit/error.h"
#include "computefit/rates.h"

/* The state file's name inside state_dir. */
#define STATE_RATES_FILE "rates.json"

/* Writes "<state_dir>/rates.json" into `buf`; returns 0, or -1 when state_dir is empty or the
 * path does not fit. */
int state_rates_path(const struct cf_config *cfg, char *buf, size_t cap);

/* Loads the table to start with. A missing state file is normal (first start, or no
 * state_dir); a corrupt one is logged and skipped, never fatal, because the snapshot is always
 * there to fall back on. Only a broken snapshot with no usable state fails: CF_ECONFIG naming
 * "rates_snapshot". On success sets *ret (a new reference) and returns 0. */
int state_load_initial(const struct cf_config *cfg, struct rates **ret, struct cf_error *reterr);

#endif
