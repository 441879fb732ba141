/*
 * cost.h - what a workload costs on each platform per month, line by line, and what stops it.
 *
 * Pure arithmetic over a parsed workload, one region's rates and the model: no allocation, no
 * failure. Each platform yields a struct cost_option holding the limits the workload hits
 * (`blocks`) and every priced way to run it (`variants`: architectures, Fargate/EC2 modes,
 * Spot estimates), with the cheapest marked. Variants are priced even when a block applies
 * (as long as a size or instance exists), so that break-even curves can show where a
 * rate-dependent limit (Lambda concurrency) starts to bite; callers show costs of feasible
 * options only.
 */
#ifndef COMPUTEFIT_COST_H
#define COMPUTEFIT_COST_H

#include <stdbool.h>
#include <stddef.h>

#include "computefit/model.h"
#include "computefit/rates.h"
#include "computefit/workload.h"

#define COST_LINES_MAX    10
#define COST_VARIANTS_MAX 8
#define COST_BLOCKS_MAX   8

/* One line of a bill. `item` and `unit` are static strings. */
struct cost_line {
    const char *item; /* "requests", "duration_tier_1", "vcpu_hours", "operations", ... */
    double quantity;
    const char *unit; /* "request", "GB-second", "vCPU-hour", "GB-hour", "instance-hour", ... */
    double unit_usd;
    double usd;
    bool estimate; /* a Spot price from a configured discount, not a published rate */
};

/* Where a Spot variant's rates came from. */
enum cost_spot_source {
    COST_SPOT_NONE = 0, /* not a Spot variant */
    COST_SPOT_DISCOUNT, /* the model's discount on the on-demand rates: an estimate */
    COST_SPOT_FEED,     /* AWS's Fargate Spot price feed, from the rates table */
};

/* A hard limit the workload exceeds. `limit` is the model.json key (or "rates" when the region
 * has no rates for the platform, "gpu" when the platform has no GPU). */
struct cost_block {
    const char *limit;
    double limit_value;
    double value;
    bool rate_dependent; /* goes away at a lower invocation rate */
    char detail[200];    /* one sentence */
};

enum cost_mode { COST_MODE_NONE = 0, COST_MODE_ALWAYS_ON, COST_MODE_PER_JOB };

/* One priced way to run the workload on a platform. */
struct cost_variant {
    char name[24]; /* "x86_64"/"arm64" (Lambda); "always_on", "per_job", "+_spot" (others) */
    enum cf_arch arch;
    enum cost_mode mode;
    bool spot;
    enum cost_spot_source spot_source; /* COST_SPOT_NONE unless spot */
    struct cost_line lines[COST_LINES_MAX];
    size_t n_lines;
    double infrastructure_usd;
    double operations_usd; /* 0 when effort is not priced */
    double monthly_usd;    /* infrastructure + operations */
    /* What was chosen, per platform (fields of other platforms stay 0). */
    struct {
        double memory_mb, billed_ms, gb_s, ephemeral_mb, free_requests, free_gb_s;
    } lambda;
    struct {
        double vcpu, memory_gb, tasks, billed_s, ephemeral_gb;
    } fargate;
    struct {
        const struct gpu_instance *instance; /* borrowed from the rates table */
        double instances, billed_s, gpu_memory_needed_gb;
    } ec2;
};

struct cost_option {
    enum model_platform platform;
    bool feasible; /* n_blocks == 0 */
    struct cost_block blocks[COST_BLOCKS_MAX];
    size_t n_blocks;
    struct cost_variant variants[COST_VARIANTS_MAX];
    size_t n_variants;
    int chosen;         /* index of the cheapest variant; -1 when none could be priced */
    double ops_hours;   /* engineer-hours per month, with the team-of-one multiplier */
    bool ops_priced;    /* engineer_hourly_usd was given: effort is a line item */
    double concurrency; /* Little's law: invocations running at once */
};

/* Prices `w` on Lambda: requests, duration per GB-s across the monthly tiers (billed per ms),
 * ephemeral storage above the included amount, the free tier when asked. `rr` is borrowed and
 * may lack Lambda rates (the option is then blocked). */
void cost_lambda(const struct workload *w, const struct region_rates *rr, const struct model *m,
                 struct cost_option *ret_option);

/* Prices `w` on Fargate: the cheapest valid task size that fits (or the pinned one), always-on
 * (tasks for the concurrency, all month) and per-job (one task per invocation, billed per
 * second with a minimum, plus start-up), and a Spot variant of each when the task is
 * interruptible: priced from the region's Fargate Spot rates for the architecture when the
 * table has them (lines not estimates; ephemeral storage at the on-demand rate, as AWS bills
 * it), otherwise from the model's discount (lines marked as estimates). */
void cost_fargate(const struct workload *w, const struct region_rates *rr, const struct model *m,
                  struct cost_option *ret_option);

/* Prices `w` on ECS on EC2 with a GPU: the cheapest instance type whose GPUs hold the GPU
 * memory (with the model's headroom) and whose RAM holds the memory; per-job (duration plus
 * boot) and always-on instances, with Spot estimates when the task is interruptible. */
void cost_ec2_gpu(const struct workload *w, const struct region_rates *rr, const struct model *m,
                  struct cost_option *ret_option);

/* Prices all three platforms into ret_options[MODEL_PLATFORM_COUNT], indexed by platform. */
void cost_all(const struct workload *w, const struct region_rates *rr, const struct model *m,
              struct cost_option ret_options[MODEL_PLATFORM_COUNT]);

/* Returns the lowest monthly_usd among the option's variants of `mode` (COST_MODE_NONE = any
 * mode), or NAN when there is none. Ignores blocks: the caller decides what feasibility means. */
double cost_best(const struct cost_option *o, enum cost_mode mode);

/* Returns the option's chosen variant, borrowed, or NULL. */
const struct cost_variant *cost_chosen(const struct cost_option *o);

/* Engineer-hours per month to run `w` on `p`: the model's effort, times the team-of-one
 * multiplier when the team has one engineer. */
double cost_ops_hours(const struct workload *w, const struct model *m, enum model_platform p);

#endif
