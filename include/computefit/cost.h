/*
 * cost.h - what a workload costs on one platform per month, line by line, and what stops it.
 *
 * A platform's price function (platform.h) fills a struct cost_option: the limits the workload
 * hits (`blocks`) and every priced way to run it (`variants`: architectures, always-on or per
 * job, Spot), with the cheapest marked. Variants are priced even when a block applies (as long
 * as a size or an instance exists), so that break-even curves can show where a rate-dependent
 * limit (Lambda concurrency) starts to bite; callers show costs of feasible options only.
 *
 * Everything an option holds lives in the arena of the cost_ctx it was priced with (arena.h):
 * arrays grow without a fixed cap, and when memory runs out the arena is marked failed and the
 * caller answers CF_ENOMEM; nothing is dropped silently.
 *
 * Pure arithmetic: no I/O, no clock, no locks. The rates and the model are borrowed.
 */
#ifndef COMPUTEFIT_COST_H
#define COMPUTEFIT_COST_H

#include <stdbool.h>
#include <stddef.h>

#include "computefit/arena.h"
#include "computefit/message.h"
#include "computefit/model.h"
#include "computefit/rates.h"
#include "computefit/workload.h"

struct platform;

/* What a line pays for: the compute itself, or the rest of the bill (cost_variant_finish adds
 * those lines), or the team's effort. */
enum cost_category {
    COST_CAT_COMPUTE = 0,
    COST_CAT_FRONT_DOOR, /* function URL, API Gateway, Application Load Balancer */
    COST_CAT_NETWORK,    /* public IPv4 addresses or a NAT gateway */
    COST_CAT_LOGS,       /* CloudWatch Logs */
    COST_CAT_OPERATIONS, /* engineer-hours */
    COST_CAT_COUNT
};

/* One line of a bill. `item` and `unit` are static strings. */
struct cost_line {
    const char *item; /* "requests", "duration_tier_1", "vcpu_hours", "operations", ... */
    double quantity;
    const char *unit; /* "request", "GB-second", "vCPU-hour", "GB-hour", "instance-hour", ... */
    double unit_usd;
    double usd;
    bool estimate;     /* a Spot price from a configured discount, or a rate the model estimates
                        * (a management fee), not a published rate */
    bool discountable; /* a compute rate: a Spot discount applies to it (storage keeps its rate) */
    bool committed;    /* priced at a Savings Plans rate (commit.h) */
    enum cost_category category;
    bool shared;          /* not per task or instance: does not grow with the fleet's size */
    struct message basis; /* the assumption it is priced on; code 0 when the item says it all */
};

/* Where a Spot variant's rates came from. */
enum cost_spot_source {
    COST_SPOT_NONE = 0, /* not a Spot variant */
    COST_SPOT_DISCOUNT, /* the model's discount on the on-demand rates: an estimate */
    COST_SPOT_FEED,     /* a published Spot rate from the rates table */
    COST_SPOT_ADVISOR,  /* the EC2 Spot Instance Advisor's average saving: an estimate */
};

/* A hard limit the workload exceeds. `limit` is the model.json key (or "rates" when the region
 * has no rates for the platform, "gpu" when the platform has no GPU). */
struct cost_block {
    const char *limit; /* static */
    double limit_value;
    double value;
    bool rate_dependent; /* goes away at a lower invocation rate */
    struct message detail;
};

enum cost_mode { COST_MODE_NONE = 0, COST_MODE_ALWAYS_ON, COST_MODE_PER_JOB };

/* One priced way to run the workload on a platform. */
struct cost_variant {
    const char *name; /* static: "x86_64"/"arm64" (Lambda); "always_on", "per_job_spot", ... */
    enum cf_arch arch;
    enum cost_mode mode;
    bool spot;
    enum cost_spot_source spot_source; /* COST_SPOT_NONE unless spot */
    struct cost_line *lines;           /* in the arena */
    size_t n_lines, cap_lines;
    double infrastructure_usd;
    double operations_usd; /* 0 when effort is not priced */
    double monthly_usd;    /* infrastructure + operations */
    /* The monthly cost is linear in the invocation rate from the rate it was priced at up to
     * and including piece_end (INFINITY: linear from there on). Steps (a fleet adding a task)
     * and tier boundaries end a piece. compare.c solves break-evens piece by piece. */
    double piece_end;
    /* An always-on fleet says how it steps: from its current piece on, the cost is constant
     * except that it rises by step_usd each time the rate passes a multiple of step_rate (one
     * more task or instance). Both 0 for a variant without such steps. The solver checks the
     * claim against a priced point before it relies on it. */
    double step_rate, step_usd;
    /* Not linear but smooth within its piece (Lambda's cold starts thin out as the rate grows):
     * the variant keeps such pieces short and the solver bisects on priced points there. */
    bool curved;
    /* Rates (per month) between which the cost may fall as the rate grows (each cold start
     * costing more than a call); equal when never. The same at whatever rate the variant is
     * priced, so that the solver knows it ahead: it may not bound such a stretch by its ends. */
    double fall_from, fall_to;
    /* How long a request waits before the work starts (a cold start, a task's start, a boot);
     * 0 when something is already running. too_slow: longer than the workload's latency
     * budget, so the variant is shown but never chosen. */
    double startup_s;
    bool too_slow;
    bool on_gpu; /* the work runs on a GPU (a GPU instance) */
    /* Hours a month of tasks or instances that each hold a network address in the VPC (a
     * public IPv4 address when the workload's network is public_ipv4); the platform sets it
     * before cost_variant_finish, which bills it. 0 for functions outside a VPC. */
    double address_hours;
    double compute_usd; /* the compute lines alone (COST_CAT_COMPUTE) */
    double shared_usd;  /* lines not per task or instance: front door, NAT, logs */
    /* On EC2 Spot at the Spot Instance Advisor's saving: the instance type, its saving (%) and
     * its interruption band's label, borrowed from the rates table; NULL otherwise. */
    const char *spot_type, *spot_band;
    double spot_saving_pct;
    struct message *notes; /* what a reader should know about the sizing, in the arena */
    size_t n_notes, cap_notes;
    const void *detail; /* what the platform chose (sizes, counts), in the arena; its own type */
};

struct cost_option {
    const struct platform *platform;
    bool feasible; /* n_blocks == 0 */
    struct cost_block *blocks;
    size_t n_blocks, cap_blocks;
    struct cost_variant *variants;
    size_t n_variants, cap_variants;
    int chosen;         /* index of the cheapest variant; -1 when none could be priced */
    double ops_hours;   /* engineer-hours per month, with the team-of-one multiplier */
    bool ops_priced;    /* engineer_hourly_usd was given: effort is a line item */
    double concurrency; /* Little's law: invocations running at once */
    /* The rest of the bill as priced on this platform (cost_option_init resolves the request's
     * choices): the front door (WORKLOAD_DOOR_NONE when the task is not HTTP-triggered or the
     * bill is compute only), an ALB behind an API Gateway door (containers), the network, and
     * which categories could not be priced for want of rates in the region. */
    enum workload_front_door front_door;
    bool front_door_alb;
    bool no_function_url; /* a function URL was asked for or fit, but the region has none */
    enum workload_network network;
    bool logs;
    bool unpriced[COST_CAT_COUNT];
};

/* What every price function reads: all borrowed; the arena receives the option's arrays. */
struct cost_ctx {
    const struct workload *w;
    const struct region_rates *rr;
    const struct model *m;
    struct arena *arena;
};

/* Slack for comparisons of values that went through unit conversions (MB <-> GB, s <-> ms). */
#define COST_EPS 1e-9

/* ---- for price functions (platform_*.c) ---- */

/* Starts an empty option of platform `p` for c->w (cost_price() does, before the platform's
 * price function runs). */
void cost_option_init(const struct cost_ctx *c, const struct platform *p, struct cost_option *o);

/* Adds a blocked limit. */
void cost_block(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                double limit_value, double value, bool rate_dependent, struct message detail);

/* Appends an empty variant (piece_end INFINITY) and returns it, borrowed from `o` until the next
 * append; NULL when memory ran out (the arena is then failed). */
struct cost_variant *cost_variant_add(const struct cost_ctx *c, struct cost_option *o,
                                      const char *name, enum cf_arch arch, enum cost_mode mode);

/* Appends a line of `quantity` at `unit_usd` to the variant; estimates follow the variant. */
void cost_line_add(const struct cost_ctx *c, struct cost_variant *v, const char *item,
                   double quantity, const char *unit, double unit_usd, bool discountable);

/* Appends a note to the variant (dropped, with the arena marked failed, when memory ran out). */
void cost_note_add(const struct cost_ctx *c, struct cost_variant *v, struct message note);

/* Adds the rest of the bill (front door, network, logs: see cost_option), then the effort line
 * (when priced), and sums the bill; call once the compute lines are in and address_hours is
 * set. A variant's piece ends at the next API Gateway tier boundary. */
void cost_variant_finish(const struct cost_ctx *c, const struct cost_option *o,
                         struct cost_variant *v);

/* Appends a Spot estimate of variant `base` (an index into o->variants, finished): every
 * discountable line at (1 - discount) of its rate and marked an estimate, the others as they
 * are. */
void cost_spot_estimate(const struct cost_ctx *c, struct cost_option *o, size_t base,
                        const char *name, double discount);

/* What one running task or instance's address costs an hour as the option is priced: the
 * region's public IPv4 rate with network public_ipv4 (and its rate in the table), else 0. */
static inline double cost_address_hour_usd(const struct cost_option *o,
                                           const struct region_rates *rr)
{
    return o->network == WORKLOAD_NET_PUBLIC_IPV4 && !o->unpriced[COST_CAT_NETWORK]
               ? rr->public_ipv4_hour_usd
               : 0;
}

/* Returns whether Lambda offers function URLs in `region`. */
bool cost_function_urls(const char *region);

/* Returns "compute", "front_door", "network", "logs" or "operations". */
const char *cost_category_name(enum cost_category cat);

/* Whether a variant priced from `src` is an estimate (the model's discount, the Advisor's
 * average saving), not a published rate. */
static inline bool cost_spot_is_estimate(enum cost_spot_source src)
{
    return src == COST_SPOT_DISCOUNT || src == COST_SPOT_ADVISOR;
}

/* Marks the variants that start too slowly for the latency budget, then the cheapest of the
 * others, and whether the option is feasible (it is blocked by "latency_budget" when every
 * variant is too slow: the cheapest of them is then the chosen one); call once at the end. */
void cost_choose(const struct cost_ctx *c, struct cost_option *o);

/* An always-on fleet: units (tasks, instances, provisioned environments) that each serve
 * `per_unit` requests at once, sized for the workload's offered load (its mean concurrency). */
struct cost_fleet {
    double units;            /* >= 1 */
    double per_unit;         /* requests one unit serves at once (a Lambda environment: 1) */
    double utilisation;      /* offered load / (units x per_unit) */
    double wait_probability; /* Erlang C: the chance a request waits for a free slot */
    bool by_wait;            /* the waiting bound set the size (latency), not utilisation */
    double piece_end;        /* the rate (per month) above which one more unit is needed */
    double step_rate;        /* the spacing of those rates when regular; 0 when not */
};

/* Sizes a fleet: the fewest units that keep utilisation at or under the model's target and,
 * when the workload is latency-sensitive, the chance of waiting at or under the model's bound
 * (Erlang C, every slot a server). */
void cost_fleet_size(const struct cost_ctx *c, double per_unit, struct cost_fleet *ret);

/* The invocation rate (per month) above which more than `units` units, each serving
 * `per_unit` requests at once, are needed (cost_fleet_size's bounds); INFINITY for a workload
 * without duration. */
double cost_fleet_end(const struct cost_ctx *c, double per_unit, double units);

/* The sentence that says how the fleet was sized; `one` and `many` name its units ("task",
 * "tasks"). */
struct message cost_fleet_note(const struct cost_ctx *c, const struct cost_fleet *f,
                               const char *one, const char *many);

/* Blocks the option when the most memory its platform offers, `max_mb`, is less than the task
 * needs: for the model's weights (B_MODEL_MEMORY) when they are more than the task's memory,
 * else with `too_much` (the platform's own sentence for the task's memory). */
void cost_block_memory(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                       double max_mb, struct message too_much);

/* Erlang B: the probability that an arrival finds all `servers` busy in a loss system with
 * offered load `load` (M/G/c/c: it holds for any call duration). */
double cost_erlang_b(double servers, double load);

/* Erlang C: the probability that an arrival waits in an M/M/servers queue with offered load
 * `load` (1 when load >= servers). Exported for tests. */
double cost_erlang_c(double servers, double load);

/* Rounds `v` up to a multiple of `step`, tolerating the fuzz of earlier conversions. */
double cost_round_up(double v, double step);

/* Fills out[] with the architectures the workload allows (x86_64 first) and returns how many. */
int cost_arch_list(enum workload_arch a, enum cf_arch out[CF_ARCH_COUNT]);

/* ---- for callers ---- */

/* Prices `w` on platform `p` into *ret_option, its arrays in c->arena. */
void cost_price(const struct cost_ctx *c, const struct platform *p, struct cost_option *ret_option);

/* Returns the lowest monthly_usd among the option's variants of `mode` (COST_MODE_NONE = any
 * mode) that start within the latency budget, or NAN when there is none. Ignores blocks: the
 * caller decides what feasibility means. */
double cost_best(const struct cost_option *o, enum cost_mode mode);

/* Returns the option's chosen variant, borrowed, or NULL. */
const struct cost_variant *cost_chosen(const struct cost_option *o);

/* Returns "always_on", "per_job" or "" (COST_MODE_NONE). */
const char *cost_mode_name(enum cost_mode mode);

/* Engineer-hours per month to run `w` on platform `p`: the model's effort, times the team-of-one
 * multiplier when the team has one engineer. */
double cost_ops_hours(const struct workload *w, const struct model *m, enum model_platform p);

#endif
