/*
 * offer_savings.h - the Savings Plans price list's per-region file, streamed (offer_savings.c has
 * the layout, the selection and the reasons). The stream is the parser that the Savings Plans
 * offer's descriptor (offer_kind_savings) uses; tests and fuzzers drive it directly.
 *
 * A stream is used by one thread at a time.
 */
#ifndef COMPUTEFIT_OFFER_SAVINGS_H
#define COMPUTEFIT_OFFER_SAVINGS_H

#include <stddef.h>
#include <stdint.h>

#include "computefit/error.h"
#include "computefit/rates.h"

/* Everything the stream keeps is bounded: a file past a limit is refused (CF_EUPSTREAM). */
struct offer_savings_limits {
    size_t max_entry_bytes; /* one product, one rate, one term member, decoded by jansson */
    size_t max_plans;       /* Savings Plans products kept, and terms met */
    size_t max_rates;       /* candidate rates kept (Lambda, Fargate, Linux shared EC2) */
    size_t max_depth;       /* JSON nesting */
};

struct offer_savings_stats {
    uint64_t bytes;              /* fed so far */
    uint64_t products;           /* products decoded */
    uint64_t unknown_plans;      /* Savings Plans products with another payment option or term */
    uint64_t rates;              /* rates met in terms.savingsPlan */
    uint64_t rates_without_plan; /* candidate rates whose plan is unknown or unusable */
    uint64_t kept;               /* rates stored in the result */
    size_t peak_bytes;           /* the most memory the stream held at once */
};

struct offer_savings_stream;

/* Fills *lim with the defaults: entries of 1 MiB, 100,000 plans, 1,000,000 rates, depth 64. */
void offer_savings_limits_default(struct offer_savings_limits *lim);

/* Returns a new stream for `region` (the caller frees it with offer_savings_stream_free()), or
 * NULL when out of memory or an argument is invalid. `lim` may be NULL for the defaults. */
struct offer_savings_stream *offer_savings_stream_new(const char *region,
                                                      const struct offer_savings_limits *lim);

/* Takes the next `len` bytes of the file. Returns 0 or a negative CF_E* code; an error is
 * sticky and its detail comes from offer_savings_stream_finish(). */
int offer_savings_stream_feed(struct offer_savings_stream *s, const char *buf, size_t len);

/* Ends the file and fills the Savings Plans part of *ret (zeroed by the caller): savings[][][]
 * (each plan's `has` and rates), sp_ec2 (owned by *ret, every instance type the file prices,
 * sorted by type; freed with rates_region_clear()) and info[CF_OFFER_SAVINGS_PLANS] (version
 * and publication date). It does not set has[CF_OFFER_SAVINGS_PLANS]: merging does. Returns 0,
 * or a negative CF_E* code with reterr filled (*ret untouched). */
int offer_savings_stream_finish(struct offer_savings_stream *s, struct region_rates *ret,
                                struct cf_error *reterr);

/* Copies the stream's counters into *ret_stats. */
void offer_savings_stream_stats(const struct offer_savings_stream *s,
                                struct offer_savings_stats *ret_stats);

/* Frees the stream. Accepts NULL. */
void offer_savings_stream_free(struct offer_savings_stream *s);

#endif
