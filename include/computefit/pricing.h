/*
 * pricing.h - the rates cache: the one table in use, borrowed by requests, swapped by the
 * refresher. See the DESIGN block in src/pricing/cache.c.
 */
#ifndef COMPUTEFIT_PRICING_H
#define COMPUTEFIT_PRICING_H

#include <jansson.h>
#include <stdint.h>

#include "computefit/error.h"
#include "computefit/rates.h"

struct pricing_cache;

/* Returns a new, empty cache (no table loaded), or NULL when out of memory. */
struct pricing_cache *pricing_cache_new(void);

/* Frees the cache and drops its reference to the current table. Accepts NULL. The caller
 * guarantees no thread uses the cache any more. */
void pricing_cache_free(struct pricing_cache *cache);

/* Returns a new reference to the table in use (the caller rates_unref()s it), or NULL when no
 * table is loaded. Holds the read lock only to copy the pointer and take the reference. */
struct rates *pricing_cache_acquire(struct pricing_cache *cache);

/* Makes `next` the table in use; steals the caller's reference to it. The previous table is
 * released once its last borrower lets go. Takes the write lock only to swap the pointer. */
void pricing_cache_swap(struct pricing_cache *cache, struct rates *next);

/* Returns how many times a table has been swapped in (0 before the first). */
uint64_t pricing_cache_generation(struct pricing_cache *cache);

struct rates_export;

/* Sets *ret to a new reference to the export of the table in use (rates_export.h; the caller
 * rates_export_unref()s it): the one already built for this table when there is one, else one
 * built now and kept for the next callers. Returns 0, CF_ENOPRICE when no table is loaded, or a
 * rates_export_new() error. Safe from any thread. */
int pricing_cache_export(struct pricing_cache *cache, struct rates_export **ret,
                         struct cf_error *reterr);

#endif
