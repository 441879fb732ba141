/*
 * validate.h - what a rates table must satisfy before it is served or saved, whoever built it:
 * the refresher (a live table), the loader (the snapshot, the state file), a tool.
 *
 * Errors name the JSON path the rates document (rates_json.h) would give the culprit, so the
 * same message points into a file or at a live offer's part of a table. Each offer checks its
 * own section (offer_kind.h: validate, validate_sorted); this module checks the table, the
 * regions and the provenance, and loops over the offers.
 */
#ifndef COMPUTEFIT_VALIDATE_H
#define COMPUTEFIT_VALIDATE_H

#include "computefit/error.h"
#include "computefit/rates.h"

/* Checks everything a table must satisfy before it is served or saved: 1 to
 * RATES_JSON_MAX_REGIONS regions, sorted by code and unique (as rates_finish() leaves them),
 * region codes of a-z, 0-9 and '-'; each region has at least one offer; Lambda: 1 to
 * CF_LAMBDA_TIERS_MAX tiers per architecture, boundaries finite, > 0 and strictly ascending,
 * the last INFINITY; Fargate and every rate > 0 and finite; GPU instances unique, sorted by
 * price, with vcpu, memory_gib, gpu_memory_gib > 0 and gpus >= 1; provenance with a source, an
 * origin and a publication date for every offer present; every string NUL-terminated printable
 * ASCII. Returns 0 or CF_EINVAL with reterr->field the path that rates_to_json() would give the
 * culprit (e.g. "regions[0].fargate.arm64.gb_hour_usd"). */
int rates_validate(const struct rates *r, struct cf_error *reterr);

/* Checks one region's values as rates_validate() does, except the orders that only hold once the
 * table is finished (rates_finish()): the loader checks each region as it reads it. `prefix` is
 * the region's JSON path ("regions[3]"). Returns 0 or CF_EINVAL with reterr->field the path. */
int rates_validate_region(const struct region_rates *rr, const char *prefix,
                          struct cf_error *reterr);

#endif
