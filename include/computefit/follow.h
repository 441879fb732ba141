/*
 * follow.h - a replica's refresh: the rates document at rates_url, checked as every table is and
 * laid over the table in use.
 *
 * A fleet's replicas (followers) set rates_url to one computefit's GET /pricing/export (the
 * leader) or to a file computefit-snapshot publishes to object storage, and refresh from that
 * one document instead of from the AWS Price List. The refresher (refresher.c) downloads it;
 * this module decides what becomes of it, with the rules of the other paths:
 *   - the loader's (rates_from_json(), as for the snapshot and the state file): the format tag,
 *     every key, every rate a price, every provenance complete; a document cut short is not JSON;
 *   - the live path's: a rate that moved by more than max_price_change_factor against the rates
 *     in use is counted, and refuses the document under strict_validation; a document in which a
 *     region of the table in use lost a required offer's rates is refused as partial (the live
 *     path refuses a partial EC2 file; a document cannot be cut short and still parse, so what is
 *     left to fear is a region emptied by its publisher);
 *   - last good: the document's regions replace the ones in use whole (what it says of a region
 *     is the region now, optional offers and feeds included), and the regions it lacks are kept
 *     as they are, as a live refresh keeps the regions it does not read. A refused document
 *     changes nothing.
 * Its rates get the source CF_SOURCE_URL and keep the document's version, publication date,
 * fetched_at (their age is when AWS's data was read, not when the follower copied it) and
 * origin; the new table's built_at is the document's.
 */
#ifndef COMPUTEFIT_FOLLOW_H
#define COMPUTEFIT_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/config.h"
#include "computefit/error.h"
#include "computefit/rates.h"

/* What follow_document() found, for the refresher's status and logs. */
struct follow_report {
    int64_t built_at;               /* the document's built_at */
    size_t regions;                 /* regions the document has */
    size_t added;                   /* of those, regions the table in use lacked */
    size_t kept;                    /* regions in use the document lacks, kept as they are */
    unsigned moves[CF_OFFER_COUNT]; /* rates moved past max_price_change_factor, by offer
                                       (an offer's feed counts with its offer) */
    unsigned moves_total;
    bool rejected; /* refused by validation (a bad or partial document, strict moves), as
                      opposed to failing to be read at all (not JSON, out of memory) */
};

/* Reads the rates document body[0..len) (borrowed) and builds the table to use next from it and
 * `cur` (the table in use, borrowed; NULL when there is none), under the rules above, with the
 * limits and checks named in `cfg` (max_price_change_factor, strict_validation). On success
 * sets *ret to a new table (refcount 1; the caller rates_unref()s it) and returns 0. On failure
 * returns CF_EJSON (not JSON, or cut short: line and column), CF_EINVAL / CF_EMISSING /
 * CF_EUNKNOWN (a document the loader refuses: the message names the JSON path), CF_EUPSTREAM (a
 * partial document, or moves refused by strict_validation) or CF_ENOMEM, with reterr's message
 * one sentence, and leaves *ret alone. *ret_report (may be NULL) is filled as far as the checks
 * got, on failure too. */
int follow_document(const struct rates *cur, const char *body, size_t len,
                    const struct cf_config *cfg, struct rates **ret,
                    struct follow_report *ret_report, struct cf_error *reterr);

#endif
