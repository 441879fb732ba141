/*
 * offer_kind.h - one descriptor per offer: everything about AWSLambda, AmazonECS (Fargate),
 * AmazonEC2 (GPU instances), ... that differs from one offer to the next, in one row.
 *
 * The generic code loops over offer_kinds[] and never names an offer: the refresher
 * (refresher.c: region index, download, parse, merge, price-move check, /pricing status), the
 * rates document (rates_json.c: load, validate, save, /pricing/{region}) and /metrics. An
 * offer's functions live in its own file (offer_lambda.c holds the Lambda Price List parser
 * and the Lambda section of the rates document, and defines offer_kind_lambda).
 *
 * Adding an offer: an X row in CF_OFFERS and its fields in struct region_rates (rates.h), which
 * the advice core reads; a file src/pricing/offer_<name>.c with its parser, its section and its
 * descriptor; and the descriptor's line in offer_kinds[] (offer_kind.c). A feed outside the
 * Price List that completes an offer (Fargate Spot prices, EC2 Spot advice) is a struct offer_feed
 * hung on that offer's descriptor.
 *
 * Descriptors are immutable and shared by every thread. Their functions keep no state of their
 * own: the refresher thread calls the parsing, merging and checking ones; any thread calls the
 * rates-document and status ones on tables that no one modifies any more.
 */
#ifndef COMPUTEFIT_OFFER_KIND_H
#define COMPUTEFIT_OFFER_KIND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/config.h"
#include "computefit/error.h"
#include "computefit/gpu_specs.h"
#include "computefit/offer.h"
#include "computefit/rates.h"

/* What a parser may use besides the file; borrowed, and alive as long as the refresher. */
struct offer_ctx {
    const struct cf_config *cfg;
    const struct gpu_specs *specs;             /* NULL when none was loaded */
    const struct offer_ec2_limits *ec2_limits; /* the EC2 stream's; NULL for cfg's ec2_max_* */
};

/* How an offer's region index is laid out, and where a region's file is in it. */
struct offer_index_layout {
    /* Returns NULL when `index` (borrowed) has this layout, else what is wrong with it, a
     * static phrase for the message ("no \"regions\" object"). */
    const char *(*check)(const json_t *index);
    /* Sets *ret_path to the path of `region`'s offer file, borrowed from `index`, and returns
     * 0, or CF_EUPSTREAM naming what the index lacks. An optional offer's layout may set
     * *ret_path to NULL and return 0: the index says the region has no file (no Savings Plans
     * there), and the region keeps what it has. */
    int (*region_path)(const json_t *index, const char *region, const char **ret_path,
                       struct cf_error *reterr);
};

/* The Price List's offers/v1.0 layout: {"regions": {"<code>": {"currentVersionUrl": "..."}}}. */
extern const struct offer_index_layout offer_index_v1;

/* The same layout for an optional offer (ELB, API Gateway, CloudWatch): a region the index does
 * not list has no file there (region_path gives NULL), which is no error. */
extern const struct offer_index_layout offer_index_v1_optional;

/* The Savings Plans price list's layout: {"regions": [{"regionCode": "..", "versionUrl": ".."}]};
 * a region it does not list has no file (offer_savings.c). */
extern const struct offer_index_layout offer_index_sp;

/* A parser that reads an offer file as it downloads (for files too large to hold whole). The
 * refresher opens one stream per region and download attempt: a retried download frees the
 * stream and opens a new one. */
struct offer_stream_ops {
    /* Starts a stream for `region`; sets *ret (freed by free_stream) and returns 0, or a
     * negative CF_E* code with reterr filled. */
    int (*open)(const struct offer_ctx *ctx, const char *region, void **ret,
                struct cf_error *reterr);
    /* Takes the next `len` bytes; returns 0 or a negative code. An error is sticky, and its
     * detail comes from finish(). */
    int (*feed)(void *stream, const char *buf, size_t len);
    /* Ends the file and fills the offer's part of *ret (see parse below) and *ret_missing. */
    int (*finish)(void *stream, struct region_rates *ret, unsigned *ret_missing,
                  struct cf_error *reterr);
    /* Frees the stream. Accepts NULL. */
    void (*free_stream)(void *stream);
};

/* A document outside the Price List, one for all regions, fetched during its offer's refresh
 * cycle, whose rates complete that offer's (Fargate Spot prices on the Fargate offer, the Spot
 * Instance Advisor's advice on the EC2 offer). Its rates and provenance are fields of struct
 * region_rates of their own; they attach only to a region that has the offer's rates, and are
 * applied again whenever the offer's rates of a region change, so that a feed may keep only
 * what the offer has (EC2 Spot: the types of the region's EC2 list). A region (or a part) the
 * feed has no rates for keeps the ones in use. */
struct offer_feed {
    const char *name;    /* "spot": its status key under the offer in /pricing, and the log
                            events refresh_<name>_failed, refresh_<name>_region_failed and
                            field <name>_regions_changed; unique among feeds */
    const char *title;   /* "Fargate Spot feed": what messages call it */
    const char *doc_key; /* "fargate_spot": its section, and its sources entry, in a region of
                            the rates document; both optional */
    size_t info_offset;  /* offsetof(struct region_rates, <its struct offer_info>) */
    bool need_published; /* whether its provenance must have a publication date */
    /* Returns the feed's URL from the configuration; "" when it is not used. */
    const char *(*url)(const struct cf_config *cfg);
    /* Writes the feed document's own version into out ("" when it has none), for /pricing. */
    void (*version)(const json_t *doc, char out[32]);
    /* Reads one region's rates from the whole feed `doc` into the feed's part of *ret (zeroed
     * by the caller), with its version and publication date in its offer_info. A region the
     * feed has nothing for is not an error: has() is then false. */
    int (*parse)(const json_t *doc, const char *region, struct region_rates *ret,
                 struct cf_error *reterr);
    /* Returns whether `rr` has rates from this feed. */
    bool (*has)(const struct region_rates *rr);
    /* Fills the parts of parsed rates `p` that the feed lacked from `cur` (the rates in use;
     * may be NULL). */
    void (*keep)(struct region_rates *p, const struct region_rates *cur);
    /* Returns whether parsed rates `p` equal the ones in use in `cur`, version included. */
    bool (*same)(const struct region_rates *cur, const struct region_rates *p);
    /* Copies the rates (not the provenance) of `p` into `rr`, the region being built (whose
     * offer rates are the new ones), and returns how many moved past `factor` against `old`
     * (may be NULL), logging each. May take owned parts of `p`. `p` may be `rr` itself: the
     * rates in use applied again after the offer's changed. Cannot fail. */
    unsigned (*apply)(struct region_rates *rr, const struct region_rates *old,
                      struct region_rates *p, double factor);
    /* Adds what the region's /pricing status says of the feed beyond its source, version and
     * fetched_at (Fargate Spot: "architectures"), for a region that has() it. Returns 0, or -1
     * when out of memory. */
    int (*status)(const struct region_rates *rr, json_t *entry);
    /* The feed's section of a region in the rates document: a new reference, for a region that
     * has() it; NULL when out of memory. */
    json_t *(*to_json)(const struct region_rates *rr);
    /* Reads the section `v` (an object, not null; borrowed) at JSON path `path` into `rr`. */
    int (*from_json)(const json_t *v, const char *path, struct region_rates *rr,
                     struct cf_error *reterr);
    /* Checks the feed's rates in `rr`, which has() them; `path` is the section's. */
    int (*validate)(const struct region_rates *rr, const char *path, struct cf_error *reterr);
};

/* A part of an offer's rates that has a section and a provenance of its own in the rates
 * document (the EC2 offer's NAT gateway rates: the bundled snapshot takes them from another
 * file than the instance list). The offer's own parser, merge and price-move check handle its
 * rates; its merge sets the part's provenance. Optional: its keys appear in a region only where
 * it has() rates, so documents written before it existed read as before. */
struct offer_part {
    const char *doc_key; /* "nat_gateway": its section, its sources entry and its /pricing key */
    size_t info_offset;  /* offsetof(struct region_rates, <its struct offer_info>) */
    /* Returns whether `rr` has its rates. */
    bool (*has)(const struct region_rates *rr);
    /* Its section of a region that has() it: a new reference; NULL when out of memory. */
    json_t *(*to_json)(const struct region_rates *rr);
    /* Reads the section `v` (not null; borrowed) at JSON path `path` into `rr`, making has()
     * true. */
    int (*from_json)(const json_t *v, const char *path, struct region_rates *rr,
                     struct cf_error *reterr);
    /* Checks its rates in `rr`, which has() them; `path` is the section's. */
    int (*validate)(const struct region_rates *rr, const char *path, struct cf_error *reterr);
};

struct offer_kind {
    enum cf_offer id;       /* its index in offer_kinds[]; its key is cf_offer_name(id) */
    const char *code;       /* the Price List offer code, "AWSLambda": URLs, logs, messages */
    const char *index_path; /* its region index, under pricing_url */
    const struct offer_index_layout *index;
    /* Seconds between refreshes. */
    long (*interval)(const struct cf_config *cfg);
    /* The most bytes one region's file may have; NULL for fetch_max_bytes. */
    uint64_t (*max_bytes)(const struct cf_config *cfg);
    /* The parser: exactly one of `parse` (whole file, parsed by jansson) and `stream`. It
     * fills the offer's part of *ret (zeroed by the caller; its `code` set): its rates and
     * info[id] (version and publication date), and in *ret_missing the offer's own bits for
     * optional parts the file had no row for. Owned parts (the GPU list) belong to *ret and are
     * freed with rates_region_clear(). */
    int (*parse)(const struct offer_ctx *ctx, const json_t *doc, const char *region,
                 struct region_rates *ret, unsigned *ret_missing, struct cf_error *reterr);
    const struct offer_stream_ops *stream;
    /* Merges freshly parsed rates `p` (with `missing`) into `rr`, a region of the table being
     * built: the parts `missing` names keep the values `rr` has, and a file without a part
     * that `rr` lacks too is CF_EUPSTREAM. Sets rr->has[id]; may take owned parts of `p`. The
     * caller copies the provenance. */
    int (*apply)(struct region_rates *rr, struct region_rates *p, unsigned missing,
                 struct cf_error *reterr);
    /* Compares `nw` with `old` (both have the offer's rates) and returns how many rates moved
     * past `factor`, logging each (offer_kind_compare_rate). */
    unsigned (*count_moves)(const struct region_rates *old, const struct region_rates *nw,
                            double factor);
    /* Adds what a region's /pricing status says of the offer's rates beyond their provenance
     * (Lambda: "provisioned_concurrency", the architectures with provisioned-concurrency rates)
     * to `entry`, for a region that has the rates. Returns 0, or -1 when out of memory. NULL
     * when there is nothing to add. */
    int (*status)(const struct region_rates *rr, json_t *entry);
    /* Its section of a region in the rates document: the key (present in every region, null
     * without rates; for an optional offer, cf_offer_required(), present only in a region with
     * its rates, so that documents written before the offer existed read as before), a new
     * reference to the section of a region that has the rates (NULL when out of memory), and the
     * reader of a section `v` that is not null (borrowed), which fills the rates (not has[] nor
     * info, which the caller sets). */
    const char *doc_key;
    json_t *(*to_json)(const struct region_rates *rr);
    int (*from_json)(const json_t *v, const char *path, struct region_rates *rr,
                     struct cf_error *reterr);
    /* Checks the offer's rates in `rr` (which has them) as rates_validate() does; `path` is the
     * section's JSON path, "regions[3].lambda". Checks of an order that rates_finish()
     * establishes go in validate_sorted (NULL when none), which runs only on finished tables. */
    int (*validate)(const struct region_rates *rr, const char *path, struct cf_error *reterr);
    int (*validate_sorted)(const struct region_rates *rr, const char *path,
                           struct cf_error *reterr);
    const struct offer_feed *feed; /* NULL when none */
    /* Refuses a region's freshly parsed rates `p` that look like a partial file against the
     * rates in use `cur` (which has the offer's rates): returns 0, or CF_EUPSTREAM saying what
     * was lost. NULL when the offer has no such check. */
    int (*check_shrink)(const struct region_rates *cur, const struct region_rates *p,
                        const struct cf_config *cfg, struct cf_error *reterr);
    const struct offer_part *part; /* NULL when none */
};

/* The table, indexed by enum cf_offer. */
extern const struct offer_kind *const offer_kinds[CF_OFFER_COUNT];

/* The rows, each defined in its offer's file. */
extern const struct offer_kind offer_kind_lambda;
extern const struct offer_kind offer_kind_fargate;
extern const struct offer_kind offer_kind_ec2;
extern const struct offer_kind offer_kind_savings;
extern const struct offer_kind offer_kind_elb;         /* offer_elb.c */
extern const struct offer_kind offer_kind_api_gateway; /* offer_api_gateway.c */
extern const struct offer_kind offer_kind_cloudwatch;  /* offer_cloudwatch.c */
extern const struct offer_kind offer_kind_vpc;

/* The feeds, each defined in its file. */
extern const struct offer_feed offer_feed_fargate_spot; /* offer_spot.c, on the Fargate offer */
extern const struct offer_feed offer_feed_ec2_spot;     /* offer_ec2_spot.c, on the EC2 offer */

/* One architecture's Fargate rates in the rates document, {"vcpu_hour_usd": ..,
 * "gb_hour_usd": ..}: shared by the Fargate offer and its Spot feed (offer_ecs.c). The writer
 * returns a new reference (NULL when out of memory or a rate is not finite); the reader takes
 * the object `arch` (borrowed) at JSON path `path`; the check is rates_validate()'s. */
json_t *offer_fargate_arch_json(const struct fargate_rates *f);
int offer_fargate_arch_from_json(const json_t *arch, const char *path, struct fargate_rates *f,
                                 struct cf_error *reterr);
int offer_fargate_arch_validate(const struct fargate_rates *f, const char *path,
                                struct cf_error *reterr);

/* Returns a part's provenance in `rr` (at part->info_offset). */
const struct offer_info *offer_part_info(const struct offer_part *part,
                                         const struct region_rates *rr);
struct offer_info *offer_part_info_mut(const struct offer_part *part, struct region_rates *rr);

/* Returns a new reference to the JSON array of the names of the architectures `has` marks
 * (["x86_64", "arm64"], possibly empty), for the status of optional per-architecture rates;
 * NULL when out of memory. */
json_t *offer_kind_arch_list(const bool has[CF_ARCH_COUNT]);

/* The `interval` of an offer refreshed on the common schedule: the refresh_interval setting. */
long offer_kind_refresh_interval(const struct cf_config *cfg);

/* Returns a feed's provenance in `rr` (at feed->info_offset). */
const struct offer_info *offer_feed_info(const struct offer_feed *feed,
                                         const struct region_rates *rr);
struct offer_info *offer_feed_info_mut(const struct offer_feed *feed, struct region_rates *rr);

/* Compares one rate with the one in use: when both are above 0 and `after` is more than
 * `factor` times `before` or less than 1/factor of it, logs a rate_moved event naming the
 * region and `what` ("lambda.request_usd") and adds 1 to *moves. */
void offer_kind_compare_rate(double before, double after, double factor, const char *region,
                             const char *what, unsigned *moves);

#endif
