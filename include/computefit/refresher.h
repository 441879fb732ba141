/*
 * refresher.h - the background thread that keeps the rates current from the AWS Price List
 * Bulk API. See the DESIGN block in src/pricing/refresher.c.
 */
#ifndef COMPUTEFIT_REFRESHER_H
#define COMPUTEFIT_REFRESHER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "computefit/config.h"
#include "computefit/error.h"
#include "computefit/gpu_specs.h"
#include "computefit/offer.h"
#include "computefit/pricing.h"

struct refresher;

/* Counters of one offer's refreshes, for /pricing and /metrics. */
struct refresh_counts {
    uint64_t attempts;  /* refresh cycles started */
    uint64_t ok;        /* cycles that swapped in new rates */
    uint64_t unchanged; /* cycles that found nothing new (304, same version) */
    uint64_t failed;    /* cycles that failed (download, parse, validation) */
    uint64_t rejected;  /* of those, refused by validation (strict price-move check, limits) */
    uint64_t big_moves; /* rates seen moving by more than max_price_change_factor */
};

/* Creates a refresher for the settings in `cfg` (borrowed; must outlive it) that swaps new
 * tables into `cache` (borrowed) and reads GPU specs from `specs` (borrowed). `ec2_limits` may
 * be NULL for the limits named in `cfg` (ec2_max_*). Does not start the thread. Returns 0 and sets
 * *ret, or CF_ECONFIG (bad region list; field "regions") or CF_ENOMEM. */
int refresher_new(const struct cf_config *cfg, struct pricing_cache *cache,
                  const struct gpu_specs *specs, const struct offer_ec2_limits *ec2_limits,
                  struct refresher **ret, struct cf_error *reterr);

/* Starts the background thread: a first refresh of every offer at once, then on schedule (each
 * offer's interval: refresh_interval, or ec2_refresh_interval for EC2; with rates_url set, one
 * check of rates_url for all of them every rates_url_interval). Returns 0 or CF_EINTERNAL when
 * the thread cannot be created. */
int refresher_start(struct refresher *rf);

/* Asks for a refresh of every offer now. Returns 0 when it was scheduled, CF_EBUSY when one is
 * already running (it is not queued twice). Safe from any thread. */
int refresher_trigger(struct refresher *rf);

/* Every offer, as a mask for refresher_run_once(). */
#define REFRESHER_ALL_OFFERS ((1u << CF_OFFER_COUNT) - 1)

/* Runs one refresh of the offers in `offers_mask` (bits 1 << CF_OFFER_*) in the calling thread
 * and returns when it is done: 0 when every offer was refreshed or found unchanged, else the
 * first failure's code with reterr filled. With rates_url set, any non-zero mask checks
 * rates_url once. For tests and tools; never while the thread runs. */
int refresher_run_once(struct refresher *rf, unsigned offers_mask, struct cf_error *reterr);

/* Returns a new reference to the refresh status for GET /pricing: per offer and region the
 * source, version, publication date, fetched-at, age, staleness, last error and next refresh,
 * plus counters. `now` is Unix seconds. Safe from any thread. */
json_t *refresher_status_json(struct refresher *rf, const struct rates *rates, int64_t now);

/* Copies one offer's counters. Safe from any thread. */
void refresher_counts(struct refresher *rf, enum cf_offer offer, struct refresh_counts *ret);

/* A follower's checks of its rates_url, for /metrics. */
struct refresh_follow {
    struct refresh_counts counts; /* checks: ok (a new table), unchanged, failed, rejected */
    int64_t last_success;         /* Unix seconds of the last check that succeeded; 0 = none */
    bool failing;                 /* the last check failed: the rates in use are the last good */
};

/* Copies a follower's state into *ret and returns true; returns false when rates_url is not
 * set (the refresher reads the AWS Price List). Safe from any thread. */
bool refresher_follow_status(struct refresher *rf, struct refresh_follow *ret);

/* For tests: makes the thread call fn(ctx), with no lock held, each time it has claimed a
 * scheduled or triggered cycle (busy is already set) and before the cycle's first download, so
 * that a test can act at that moment deterministically. Call before refresher_start(). */
void refresher_on_cycle(struct refresher *rf, void (*fn)(void *ctx), void *ctx);

/* Returns whether a refresh is running now. */
bool refresher_busy(struct refresher *rf);

/* Stops the thread (promptly: downloads and back-off waits watch the stop flag), joins it and
 * frees everything. Accepts NULL. */
void refresher_free(struct refresher *rf);

/* Builds the /pricing status without a refresher (refresh disabled): provenance from `rates`
 * only. New reference. */
json_t *pricing_status_json(const struct rates *rates, const struct cf_config *cfg, int64_t now);

#endif
