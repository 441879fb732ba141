/*
 * rates.h - the rates table: every AWS price computefit uses, per region, with provenance.
 *
 * A table is built once (from the bundled snapshot, the state directory or a live refresh),
 * never modified afterwards, and shared read-only by every request through the pricing cache.
 * The advice core reads it as `const struct rates *` and never frees it.
 *
 * Units are the ones AWS bills in: USD per request, per GB-second, per vCPU-hour, per
 * GB-hour, per instance-hour. "GB" is the AWS billing GB (1 GB = 1024 MB of configured memory).
 */
#ifndef COMPUTEFIT_RATES_H
#define COMPUTEFIT_RATES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cf_arch { CF_ARCH_X86_64 = 0, CF_ARCH_ARM64 = 1, CF_ARCH_COUNT };

/* The offers (AWS Price List "offer codes") computefit prices from: each one's id and its key in
 * rates files, /pricing, advice and metrics. Everything else about an offer is its descriptor
 * in the pricing layer (offer_kind.h). X(id, key) */
#define CF_OFFERS(X)                                                                               \
    X(LAMBDA, "lambda")                                                                            \
    X(FARGATE, "fargate")                                                                          \
    X(EC2, "ec2")

enum cf_offer {
#define CF_OFFER_ENUM(id, key) CF_OFFER_##id,
    CF_OFFERS(CF_OFFER_ENUM)
#undef CF_OFFER_ENUM
        CF_OFFER_COUNT
};

/* Where a region's rates for one offer came from. */
enum cf_rate_source {
    CF_SOURCE_NONE = 0, /* not loaded */
    CF_SOURCE_SNAPSHOT, /* the bundled snapshot in config/ */
    CF_SOURCE_STATE,    /* the last-known-good table in the state directory */
    CF_SOURCE_LIVE,     /* fetched from the AWS Price List during this process's life */
};

#define CF_REGION_LEN        32
#define CF_LAMBDA_TIERS_MAX  4
#define CF_INSTANCE_TYPE_LEN 32
#define CF_GPU_MODEL_LEN     24

/* One price tier: usage up to `up_to` (cumulative, in the tier's unit; INFINITY for the last
 * tier) is billed at `usd` per unit. Tiers are sorted by up_to, ascending. */
struct rate_tier {
    double up_to;
    double usd;
};

/* One architecture's Lambda rates in one region.
 *
 * Provisioned concurrency is optional: AWS published it from late 2019, and a region or an
 * offer file may lack it. `has_provisioned` says whether the region has both of its rates; when
 * false, both are 0 and mean nothing. When true, both are finite and > 0 (rates_validate), and
 * the duration rate is below the on-demand tier-1 duration rate (gb_s_tiers[0].usd), as in
 * every region AWS prices (us-east-1 x86: 0.0000097222 against 0.0000166667). A function with
 * provisioned concurrency pays `provisioned_gb_s_usd` for every GB-second the concurrency is
 * configured, invoked or not (configured GB x seconds enabled), plus
 * `provisioned_duration_gb_s_usd` for the GB-seconds of invocations that run on it (one flat
 * rate, no monthly tiers); its requests are billed at `request_usd`, and invocations beyond the
 * configured concurrency are on-demand ones (the tiers above). */
struct lambda_rates {
    double request_usd;                               /* per request */
    struct rate_tier gb_s_tiers[CF_LAMBDA_TIERS_MAX]; /* duration, per GB-second, monthly tiers */
    size_t n_tiers;                                   /* >= 1; last tier's up_to is INFINITY */
    double ephemeral_gb_s_usd;                        /* per GB-second of /tmp above 512 MB */
    bool has_provisioned;                 /* the two rates below are known for this region */
    double provisioned_gb_s_usd;          /* per GB-second of configured concurrency */
    double provisioned_duration_gb_s_usd; /* per GB-second run on provisioned concurrency */
};

struct fargate_rates {
    double vcpu_hour_usd; /* Linux, per vCPU-hour */
    double gb_hour_usd;   /* Linux, per GB-hour of task memory */
};

/* One Linux on-demand EC2 instance type. For a GPU instance `gpu_model` and `gpu_memory_gib`
 * come from the static GPU spec table in config/ (the offer file's gpuMemory is unreliable);
 * `gpu_memory_gib` is the total over all the instance's GPUs. A CPU instance has gpus 0, an
 * empty gpu_model and gpu_memory_gib 0. */
struct ec2_instance {
    char type[CF_INSTANCE_TYPE_LEN];
    enum cf_arch arch; /* from the family's name: arm64 for AWS Graviton ("m7g", "c6gn") */
    double usd_per_hour;
    double vcpu;
    double memory_gib;
    int gpus;
    char gpu_model[CF_GPU_MODEL_LEN];
    double gpu_memory_gib;
};

/* Provenance of one offer's rates in one region. Strings are NUL-terminated, possibly empty. */
struct offer_info {
    enum cf_rate_source source;
    char version[32];   /* offer file version, e.g. "20250828172723" */
    char published[32]; /* offer publication date, ISO 8601 */
    int64_t fetched_at; /* Unix seconds when these rates were obtained; 0 if unknown */
    char origin[200];   /* URL or "repo@commit:path" the rates were read from */
};

struct region_rates {
    char code[CF_REGION_LEN]; /* "us-east-1" */
    bool has[CF_OFFER_COUNT]; /* which offers have rates in this region */
    struct offer_info info[CF_OFFER_COUNT];
    struct lambda_rates lambda[CF_ARCH_COUNT];
    struct fargate_rates fargate[CF_ARCH_COUNT];
    double fargate_ephemeral_gb_hour_usd; /* per GB-hour above the included 20 GB */
    struct ec2_instance *instances;       /* owned; sorted by usd_per_hour ascending */
    size_t n_instances;
    /* Fargate Spot, from AWS's Fargate Spot price feed (the Price List has no Spot rates).
     * Optional per architecture, and only in a region that has on-demand Fargate rates:
     * ephemeral storage is billed at the on-demand rate on Spot too. fargate_spot_info is
     * meaningful when either architecture has Spot rates; its `published` may be empty (the
     * feed carries only a version). Plain values: rates_clone() copies them with the struct. */
    bool has_fargate_spot[CF_ARCH_COUNT];
    struct fargate_rates fargate_spot[CF_ARCH_COUNT];
    struct offer_info fargate_spot_info;
};

/* Returns whether `rr` has Fargate Spot rates for any architecture. */
bool rates_has_fargate_spot(const struct region_rates *rr);

/* The whole table. Immutable once built; shared by reference counting (see pricing/cache.h). */
struct rates {
    atomic_long refcount;         /* managed by rates_ref()/rates_unref() */
    struct region_rates *regions; /* owned; sorted by code */
    size_t n_regions;
    int64_t built_at; /* Unix seconds when this table was assembled */
};

/* Returns a new, empty table with refcount 1 and room for `n_regions` regions (n_regions set to
 * 0), or NULL when out of memory. The caller fills it, then treats it as immutable. */
struct rates *rates_new(size_t n_regions);

/* Takes one more reference to `r` and returns it. Safe from any thread. */
struct rates *rates_ref(struct rates *r);

/* Drops one reference; frees the table when it was the last. Accepts NULL. */
void rates_unref(struct rates *r);

/* Returns the region named `code`, borrowed from `r`, or NULL when the table has none. */
const struct region_rates *rates_region(const struct rates *r, const char *code);

/* Returns "x86_64"/"arm64", "lambda"/"fargate"/"ec2", "snapshot"/"state"/"live"/"none". */
const char *cf_arch_name(enum cf_arch a);
const char *cf_offer_name(enum cf_offer o);
const char *cf_source_name(enum cf_rate_source s);

/* Returns a deep copy of `src` (refcount 1) with room for `extra_regions` more regions, or NULL
 * when out of memory. The refresher builds each new table this way, then replaces the parts
 * it refreshed. */
struct rates *rates_clone(const struct rates *src, size_t extra_regions);

/* Returns when an offer's rates were last known current, in Unix seconds: fetched_at when
 * known, else the publication date ("YYYY-MM-DD" or ISO 8601 with time), else 0. Ages and
 * staleness are measured from it. */
int64_t rates_offer_time(const struct offer_info *info);

/* Staleness: one rule for /pricing, the advice answers and /metrics. A time of 0 or less (what
 * rates_offer_time() returns when neither fetched_at nor the publication date is known) is
 * unknown, and unknown is never fresh: its age is unknown (null in JSON) and it is stale. A time
 * ahead of `now` (a clock behind the publisher's) gives a negative age, which is not stale. */

/* Sets *ret_age_s to now - since and returns true, or returns false when `since` is unknown
 * (<= 0). */
bool rates_age(int64_t since, int64_t now, int64_t *ret_age_s);

/* Returns whether rates last known current at `since` are stale at `now`: `since` unknown, or
 * older than `stale_after_s` seconds. */
bool rates_stale(int64_t since, int64_t now, int64_t stale_after_s);

/* Returns when a region's rates as a whole were last known current: the oldest
 * rates_offer_time() among the offers it has rates for, or 0 (unknown) when it has none or when
 * any of them is unknown, since an answer priced from them cannot be fresher than its oldest
 * part. */
int64_t rates_region_time(const struct region_rates *rr);

/* Frees what a region owns (its GPU list) and leaves it without any (n_instances 0); the rest of
 * the struct is plain values. Accepts NULL. For scratch regions outside a table: rates_unref()
 * clears a table's own. */
void rates_region_clear(struct region_rates *rr);

/* Sorts regions by code and each region's GPU list by price; call once after filling. */
void rates_finish(struct rates *r);

#endif
