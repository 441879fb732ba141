/*
 * rates_export.h - the rates table in use as one document, ready to serve: GET /pricing/export.
 *
 * A fleet's replicas (rates_url) read the leader's table instead of AWS's 500 MB of offer files.
 * An export is built once per table (pricing_cache_export() in pricing.h keeps it next to the
 * table it was built from) and shared, read-only and reference-counted, by every request that
 * serves it: the body is rates_to_text()'s (byte for byte what the state file and
 * computefit-snapshot write for the same table), its gzip encoding, and a strong entity tag of
 * each.
 */
#ifndef COMPUTEFIT_RATES_EXPORT_H
#define COMPUTEFIT_RATES_EXPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/error.h"
#include "computefit/rates.h"

/* Room for an entity tag: quotes, 16 hex digits of hash, '-', up to 16 of length, "-gzip". */
#define RATES_EXPORT_ETAG_LEN 48

/* One table's export. Immutable once built, except the reference count. */
struct rates_export {
    atomic_long refcount;                  /* managed by rates_export_ref()/_unref() */
    uint64_t generation;                   /* the pricing cache generation it was built for */
    char etag[RATES_EXPORT_ETAG_LEN];      /* strong ETag of `body`, quotes included */
    char etag_gzip[RATES_EXPORT_ETAG_LEN]; /* strong ETag of `gzip` (the same tag + "-gzip") */
    char *body;                            /* owned: the rates document, NUL-terminated */
    size_t len;
    unsigned char *gzip; /* owned: `body` gzip-encoded (RFC 1952) */
    size_t gzip_len;
};

/* Builds the export of `r` (borrowed) for cache generation `generation`. The entity tag is a
 * 64-bit FNV-1a hash of the body with its length, so that equal tables (the same bytes) have the
 * same tag whichever replica or swap made them. Returns 0 and sets *ret (refcount 1; the caller
 * rates_export_unref()s it), or CF_ENOMEM, or CF_EINTERNAL when the table cannot be serialised
 * (a rate that is not finite: tables in use are validated, so never) or zlib fails. */
int rates_export_new(const struct rates *r, uint64_t generation, struct rates_export **ret,
                     struct cf_error *reterr);

/* Takes one more reference to `e` and returns it. Safe from any thread. */
struct rates_export *rates_export_ref(struct rates_export *e);

/* Drops one reference; frees the export when it was the last. Accepts NULL. */
void rates_export_unref(struct rates_export *e);

/* Returns whether the If-None-Match header value `inm` (a list of entity tags, or "*") names
 * `e`'s body in either encoding, by the weak comparison RFC 9110 13.1.2 prescribes for
 * If-None-Match (a W/ prefix is ignored): both tags stand for the same rates, so a client that
 * holds either may keep it. */
bool rates_export_matches(const struct rates_export *e, const char *inm);

#endif
