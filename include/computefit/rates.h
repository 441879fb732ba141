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

/* The offers (AWS Price List "offer codes") computefit prices from: each one's id, its key in
 * rates files, /pricing, advice and metrics, and whether a region is priced without it. A
 * required offer is one the on-demand advice prices from; an optional one (Savings Plans) only
 * adds to it: a region that has none of its rates is served as before, a region that has only
 * its rates has nothing to advise with, and its age does not make the region's answers stale.
 * Everything else about an offer is its descriptor in the pricing layer (offer_kind.h).
 * X(id, key, required) */
#define CF_OFFERS(X)                                                                               \
    X(LAMBDA, "lambda", true)                                                                      \
    X(FARGATE, "fargate", true)                                                                    \
    X(EC2, "ec2", true)                                                                            \
    X(SAVINGS_PLANS, "savings_plans", false)                                                       \
    X(ELB, "elb", false)                                                                           \
    X(API_GATEWAY, "api_gateway", false)                                                           \
    X(CLOUDWATCH, "cloudwatch", false)                                                             \
    X(VPC, "vpc", false)

enum cf_offer {
#define CF_OFFER_ENUM(id, key, required) CF_OFFER_##id,
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
    CF_SOURCE_URL,      /* taken, during this process's life, from the rates document at
                           rates_url (another computefit's GET /pricing/export, or a file
                           computefit-snapshot published); the offer_info keeps the document's
                           version, dates and origin: where the rates were read from AWS */
};

#define CF_REGION_LEN            32
#define CF_LAMBDA_TIERS_MAX      4
#define CF_API_GATEWAY_TIERS_MAX 6 /* request tiers of one API type (REST has 4 in 2025) */
#define CF_INSTANCE_TYPE_LEN     32
#define CF_GPU_MODEL_LEN         24
#define CF_EC2_SPOT_RANGES       8 /* interruption-frequency bands of the Spot Advisor, at most */
#define CF_EC2_SPOT_LABEL_LEN    16

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
    /* In a Savings Plans view of a region (commit.h), the on-demand rate usd_per_hour replaced;
     * 0 in a rates table, where usd_per_hour is the on-demand rate. Read it through
     * rates_ec2_on_demand(): a fee AWS charges on the on-demand price (a managed-instance
     * platform's) stays on it whatever the instance is bought at. */
    double on_demand_usd_per_hour;
};

/* The on-demand hourly rate of instance `gi`, in a rates table or a Savings Plans view. */
static inline double rates_ec2_on_demand(const struct ec2_instance *gi)
{
    return gi->on_demand_usd_per_hour > 0 ? gi->on_demand_usd_per_hour : gi->usd_per_hour;
}

/* One band of the EC2 Spot Instance Advisor's "frequency of interruption": the share of Spot
 * instances of a type that AWS interrupted over the trailing month, as the feed's `ranges`
 * table gives it ({"label": "<5%", "max": 5}, ..., {"label": ">20%", "max": 100} in the
 * genuine feed). */
struct ec2_spot_range {
    char label[CF_EC2_SPOT_LABEL_LEN]; /* "<5%", "5-10%", ...: printable ASCII, not empty */
    double max_pct;                    /* the band's upper bound in percent, 0 < max_pct <= 100 */
};

/* The Spot Instance Advisor's advice on one Linux instance type in one region: how much
 * cheaper Spot was than on-demand, and how often it was interrupted. An estimate for a month
 * past, not a price: a Spot hour costs about usd_per_hour * (1 - savings_pct / 100). */
struct ec2_spot_advice {
    char type[CF_INSTANCE_TYPE_LEN];
    double savings_pct; /* saving of Spot over on-demand, percent: 0 < savings_pct < 100 */
    int range;          /* its interruption band: an index into region_rates.ec2_spot_ranges */
};

/* Provenance of one offer's rates in one region. Strings are NUL-terminated, possibly empty. */
struct offer_info {
    enum cf_rate_source source;
    char version[32];   /* offer file version, e.g. "20250828172723" */
    char published[32]; /* offer publication date, ISO 8601 */
    int64_t fetched_at; /* Unix seconds when these rates were obtained; 0 if unknown */
    char origin[200];   /* URL or "repo@commit:path" the rates were read from */
};

/* ---- Savings Plans (the optional offer CF_OFFER_SAVINGS_PLANS) ----
 *
 * AWS's Savings Plans price list gives, for each plan (type, term, payment option), one
 * discounted rate per on-demand SKU it discounts ("discountedSku", "discountedUsageType",
 * "discountedOperation"); computefit keeps the ones its platforms use, per region, as read from
 * the file: never a flat percentage. Every rate is in the on-demand rate's unit.
 *
 * What a rate means: the Savings Plans rate at which covered usage draws on the plan's hourly
 * commitment. It is the plan's effective price for that usage whatever the payment option: the
 * commitment is a fixed amount in USD per hour for the whole term ("You commit to a consistent
 * amount of usage, in USD per hour, for a term of 1 or 3 years, and receive a lower price for
 * that usage": AWS CLI reference, savingsplans,
 * https://docs.aws.amazon.com/cli/latest/reference/savingsplans/index.html), and an upfront
 * payment prepays part or all of that commitment (Partial Upfront: "between 50 and 99 percent
 * of the total value of the Savings Plan", create-savings-plan,
 * https://docs.aws.amazon.com/cli/v1/reference/savingsplans/create-savings-plan.html), which
 * Cost Explorer amortizes over the term (AmortizedUpfrontCommitment plus
 * AmortizedRecurringCommitment is TotalAmortizedCommitment, https://docs.aws.amazon.com/
 * aws-cost-management/latest/APIReference/API_SavingsPlansAmortizedCommitment.html). So a
 * Partial or All Upfront rate already includes the upfront share, amortized: never add the
 * upfront payment to it. The unused part of a commitment is paid all the same; modelling that
 * is the core's.
 *
 * The Lambda duration rate is one flat rate: the file has one rate per discounted SKU and no
 * ranges, while the on-demand duration of the same SKU is tiered. A rate of 0 means the file
 * had no rate for it (AWS publishes Lambda and Fargate rates on Compute Savings Plans only). */

enum cf_sp_plan { CF_SP_COMPUTE = 0, CF_SP_EC2_INSTANCE = 1, CF_SP_PLAN_COUNT };
enum cf_sp_payment {
    CF_SP_NO_UPFRONT = 0,
    CF_SP_PARTIAL_UPFRONT = 1,
    CF_SP_ALL_UPFRONT = 2,
    CF_SP_PAYMENT_COUNT
};
#define CF_SP_TERM_COUNT 2 /* 1 and 3 years: index 0 and 1 (cf_sp_term_index) */

/* One architecture's Lambda rates on a Compute Savings Plan, per GB-second; 0 = none. */
struct sp_lambda_rates {
    double duration_gb_s_usd;             /* on-demand duration ("Lambda-GB-Second[-ARM]") */
    double provisioned_gb_s_usd;          /* provisioned concurrency configured */
    double provisioned_duration_gb_s_usd; /* duration run on provisioned concurrency */
};

/* One plan's rates in one region (see above). `has` says the file had at least one rate of the
 * plan that computefit keeps; the plan's EC2 rates are in region_rates.sp_ec2. */
struct sp_rates {
    bool has;
    struct sp_lambda_rates lambda[CF_ARCH_COUNT]; /* Compute Savings Plans only */
    struct fargate_rates fargate[CF_ARCH_COUNT];  /* Linux; Compute Savings Plans only; 0 = none */
};

/* One EC2 instance type's Savings Plans rates, Linux, shared tenancy (the discounted usage
 * "<prefix>BoxUsage:<type>" with operation "RunInstances"), per instance-hour; 0 = none. Only
 * types in the region's on-demand list (region_rates.instances) are kept. */
struct sp_ec2_rate {
    char type[CF_INSTANCE_TYPE_LEN];
    double usd_per_hour[CF_SP_PLAN_COUNT][CF_SP_TERM_COUNT][CF_SP_PAYMENT_COUNT];
};

/* ---- The rest of the bill: front doors and logs (optional offers) ----
 *
 * Each is meaningful only when its has[] is true; a region without them is priced as before.
 * Which Price List rows each rate is read from is in docs/price-rows.md. */

/* Application Load Balancer (offer AWSELB, CF_OFFER_ELB). An ALB is billed for every hour or
 * partial hour it runs, plus its load balancer capacity units (LCUs) per hour: the most of its
 * new connections, active connections, processed bytes and rule evaluations, each in LCUs. */
struct elb_rates {
    double alb_hour_usd;     /* per ALB-hour (usage type LoadBalancerUsage, unit Hrs) */
    double alb_lcu_hour_usd; /* per LCU-hour (usage type LCUUsage, unit LCU-Hrs) */
};

/* Amazon API Gateway requests (offer AmazonApiGateway, CF_OFFER_API_GATEWAY): per request,
 * in monthly tiers per account and region like Lambda's duration (struct rate_tier: `up_to` is
 * cumulative requests in the month, INFINITY for the last tier). Either API type may be
 * missing from a region (n_*_tiers 0: AWS had no HTTP APIs in some regions in 2025); a region
 * with the offer has at least one. */
struct api_gateway_rates {
    struct rate_tier http_tiers[CF_API_GATEWAY_TIERS_MAX]; /* HTTP APIs (ApiGatewayHttpRequest) */
    size_t n_http_tiers;                                   /* 0 = none in this region */
    struct rate_tier rest_tiers[CF_API_GATEWAY_TIERS_MAX]; /* REST APIs (ApiGatewayRequest) */
    size_t n_rest_tiers;                                   /* 0 = none in this region */
};

/* CloudWatch Logs, standard log class (offer AmazonCloudWatch, CF_OFFER_CLOUDWATCH). */
struct cloudwatch_rates {
    double logs_ingest_gb_usd;        /* per GB ingested ("Logs Collected Data Ingestion") */
    double logs_storage_gb_month_usd; /* per GB-month archived ("Stored Data") */
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
    /* Savings Plans: meaningful when has[CF_OFFER_SAVINGS_PLANS]; look them up with
     * rates_savings() and rates_savings_ec2(). */
    struct sp_rates savings[CF_SP_PLAN_COUNT][CF_SP_TERM_COUNT][CF_SP_PAYMENT_COUNT];
    struct sp_ec2_rate *sp_ec2; /* owned; sorted by type */
    size_t n_sp_ec2;
    /* EC2 Spot advice, from AWS's Spot Instance Advisor feed (the Price List has no Spot
     * rates). Optional, and only in a region that has EC2 rates: only instance types of the
     * region's EC2 list are kept (the refresher and scripts/build-snapshot filter; the loader
     * does not require it). `ec2_spot` is owned, sorted by type, each type once; the ranges
     * are the feed's table, which every entry's `range` indexes. ec2_spot_info is meaningful
     * when n_ec2_spot > 0; its version and published are empty when the feed has none (the
     * live feed carries no date or version). */
    struct ec2_spot_advice *ec2_spot;
    size_t n_ec2_spot;
    struct ec2_spot_range ec2_spot_ranges[CF_EC2_SPOT_RANGES];
    size_t n_ec2_spot_ranges;
    struct offer_info ec2_spot_info;
    /* Optional offers of the rest of the bill (see above): plain values. */
    struct elb_rates elb;                 /* when has[CF_OFFER_ELB] */
    struct api_gateway_rates api_gateway; /* when has[CF_OFFER_API_GATEWAY] */
    struct cloudwatch_rates cloudwatch;   /* when has[CF_OFFER_CLOUDWATCH] */
    /* Public IPv4 addresses, from the AmazonVPC offer (optional: meaningful when
     * has[CF_OFFER_VPC]): the hourly charge for one in-use public IPv4 address (usage type
     * "<prefix>PublicIPv4:InUseAddress", group VPCPublicIPv4Address; offer_vpc.c). */
    double public_ipv4_hour_usd; /* per in-use public IPv4 address-hour */
    /* NAT gateways, from the NAT Gateway rows of the AmazonEC2 offer (offer_ec2.c). Optional:
     * the two rates are both known (has_nat_gateway, both finite and > 0) or both 0. They have
     * a provenance of their own, since the bundled snapshot takes them from another file than
     * the instance list; a live EC2 refresh gives them the EC2 file's. */
    bool has_nat_gateway;
    double nat_gateway_hour_usd; /* per NAT gateway-hour ("<prefix>NatGateway-Hours") */
    double nat_gateway_gb_usd;   /* per GB processed ("<prefix>NatGateway-Bytes") */
    struct offer_info nat_gateway_info;
};

/* Returns whether `rr` has Fargate Spot rates for any architecture. */
bool rates_has_fargate_spot(const struct region_rates *rr);

/* Returns whether `rr` has EC2 Spot advice for any instance type. */
bool rates_has_ec2_spot(const struct region_rates *rr);

/* Returns the EC2 Spot advice on instance type `type` in `rr`, borrowed from it, or NULL when
 * the region has none for that type. Needs the order rates_finish() establishes. */
const struct ec2_spot_advice *rates_ec2_spot(const struct region_rates *rr, const char *type);

/* Returns the interruption band `range` of `rr`'s Spot advice (an advice's `range`), borrowed
 * from it, or NULL when the region has no such band. */
const struct ec2_spot_range *rates_ec2_spot_range(const struct region_rates *rr, int range);

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

/* Returns "x86_64"/"arm64", "lambda"/"fargate"/"ec2"/"savings_plans"/"elb"/"api_gateway"/
 * "cloudwatch",
 * "snapshot"/"state"/"live"/"rates_url"/"none", "compute"/"ec2_instance",
 * "no_upfront"/"partial_upfront"/"all_upfront". */
const char *cf_arch_name(enum cf_arch a);
const char *cf_offer_name(enum cf_offer o);
const char *cf_source_name(enum cf_rate_source s);
const char *cf_sp_plan_name(enum cf_sp_plan p);
const char *cf_sp_payment_name(enum cf_sp_payment p);

/* Returns whether offer `o` is required (see CF_OFFERS): false for Savings Plans, ELB, API
 * Gateway and CloudWatch. */
bool cf_offer_required(enum cf_offer o);

/* Returns the index of a Savings Plans term in years (1 -> 0, 3 -> 1), or -1 for any other. */
int cf_sp_term_index(int term_years);

/* Returns one Savings Plan's rates in `rr`, borrowed from it (the table's lifetime): plan type,
 * term in years (1 or 3) and payment option. NULL when the region has no rates for that plan,
 * or an argument is out of range. Its EC2 rates: rates_savings_ec2(). */
const struct sp_rates *rates_savings(const struct region_rates *rr, enum cf_sp_plan plan,
                                     int term_years, enum cf_sp_payment payment);

/* Sets *ret_usd_per_hour to the Savings Plans rate of EC2 instance type `type` (Linux, shared
 * tenancy, per instance-hour, upfront share included: see above) on the plan, and returns true;
 * returns false (*ret untouched) when the region has no such rate. */
bool rates_savings_ec2(const struct region_rates *rr, const char *type, enum cf_sp_plan plan,
                       int term_years, enum cf_sp_payment payment, double *ret_usd_per_hour);

/* Returns a deep copy of `src` (refcount 1; every region's EC2 list and Spot advice copied) with
 * room for `extra_regions` more regions, or NULL when out of memory. The refresher builds each new
 * table this way, then replaces the parts it refreshed. */
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
 * rates_offer_time() among the required offers it has rates for (cf_offer_required), or 0 (unknown)
 * when it has none or when any of them is unknown, since an answer priced from them cannot be
 * fresher than its oldest part. */
int64_t rates_region_time(const struct region_rates *rr);

/* Frees what a region owns (its instance list, its Savings Plans EC2 rates and its EC2 Spot
 * advice) and leaves it without any (n_instances, n_sp_ec2 and n_ec2_spot 0); the rest of the
 * struct is plain values. Accepts NULL. For scratch regions outside a table: rates_unref()
 * clears a table's own. */
void rates_region_clear(struct region_rates *rr);

/* Sorts an instance list as a region's is kept: by usd_per_hour, then type (the ECS on EC2
 * pricing takes the first type that fits as the cheapest). */
void rates_sort_instances(struct ec2_instance *v, size_t n);

/* Sorts regions by code, each region's instance list by price, and its Savings Plans EC2 rates
 * and EC2 Spot advice by type; call once after filling. */
void rates_finish(struct rates *r);

#endif
