/*
 * ec2pack.h - tasks on the EC2 instances of the rates table: which instance types hold a task,
 * the fleets that run them, Spot, and what a managed platform adds to the instances' bill.
 *
 * Shared by the platforms that run on EC2 instances: ECS on EC2, ECS Managed Instances and
 * Lambda Managed Instances, whose tasks are Lambda execution environments. A platform says what
 * one task asks of an instance (struct ec2pack_need) and how it runs and bills instances
 * (struct ec2pack_terms); the rules below are the same for all of them:
 *  - a type fits a task when its architecture is the task's, its memory less what the OS and
 *    the platform's agent keep (model: ecs_ec2.reserved_memory_fraction) holds the task's, and
 *    its vCPUs, or its GPUs, hold the task's (platform_ecs_ec2.c's top comment has the rules; a
 *    task that takes one GPU, `whole_gpu`, needs its GPU memory on one);
 *  - per job: a fleet that scales from zero, one instance per job, the type with the cheapest
 *    instance-hour that holds a task, billed for the job and the boot (rounded up, with a
 *    minimum), each job waiting for the boot;
 *  - always on: the tasks the fleet needs (cost_fleet_size) packed onto as few instances as
 *    hold them, never fewer than the platform's floor, of the type whose instances cost least
 *    for them; the cost stays the same up to the rate at which that type needs one more
 *    instance (the piece end: no step claim, packing steps are irregular);
 *  - Spot, for interruptible work: the EC2 Spot Instance Advisor's saving for the type, or the
 *    model's discount where the Advisor has none (both estimates);
 *  - a management fee (a share of the instance's on-demand rate, whatever the instance is
 *    bought at: Spot or a Savings Plan discount the instance, not the fee) and Lambda's request
 *    charge are lines of their own.
 * An instance-hour of a type costs its rate plus its fee, and that sum picks the type.
 *
 * Pure, like the rest of the core: the rates, the model and the workload are borrowed, what is
 * priced goes to the cost_ctx's arena.
 */
#ifndef COMPUTEFIT_EC2PACK_H
#define COMPUTEFIT_EC2PACK_H

#include <stdbool.h>
#include <stddef.h>

#include "computefit/cost.h"
#include "computefit/platform.h"

/* What one task asks of an instance. */
struct ec2pack_need {
    bool gpu_ok, cpu_ok; /* whether GPU, CPU instances may hold it */
    double gpu_gb;       /* GPU memory, with headroom; 0 when any GPU will do */
    bool whole_gpu;      /* its GPU memory on one GPU (no sharding), one GPU per task */
    bool gpu_x86_only;   /* GPU placements on x86_64 instances only */
    double memory_gib;   /* host memory */
    double vcpu;         /* on a CPU instance */
    double vcpu_on_gpu;  /* on a GPU instance; 0: the GPU does the work, vCPUs do not bind */
    enum workload_arch arch;
};

/* How a platform runs and bills instances. */
struct ec2pack_terms {
    const char *limit;      /* the block's limit when no type holds a task ("ecs_ec2.instances") */
    const char *agent;      /* what keeps memory beside the OS on each instance: "ECS" */
    const char *one, *many; /* the fleet's units in sentences: "task", "tasks" */
    double per_unit;        /* requests one task serves at once */
    double min_instances;   /* the fewest instances an always-on fleet runs (1: no floor) */
    double fee_share;       /* a management fee: this share of the on-demand rate; 0: none */
    bool fee_estimate;      /* that share is the model's estimate, not a published rate */
    bool lambda_requests;   /* Lambda's request charge, at the instance architecture's rate */
    bool per_job;           /* a per-job fleet too, beside the always-on one */
    bool spot;              /* Spot variants of interruptible work */
};

/* What a variant priced on instances was priced with (cost_variant.detail). */
struct ec2pack_detail {
    const struct ec2_instance *instance; /* borrowed from the rates table (or a view of it) */
    double instances;                    /* always on; 0 per job */
    double tasks, tasks_per_instance, billed_s;
    double gpu_memory_needed_gb, gpus_used, usable_memory_gb;
    double task_memory_gib, task_vcpu; /* what one task takes of the instance */
    double fee_usd_per_hour;           /* the management fee per instance-hour; 0: none */
    double spot_discount;              /* on Spot: the saving applied */
};

/* Prices c->w on the region's instances as `n` and `t` say: CPU placements when n->cpu_ok,
 * GPU ones when n->gpu_ok (variants of their own, "per_job_gpu", "always_on_gpu", when both
 * are allowed), each with its Spot variant when t->spot and the task is interruptible. Blocks
 * the option by t->limit when no type holds a task. Does not choose (cost_choose()). */
void ec2pack_price(const struct cost_ctx *c, struct cost_option *o, const struct ec2pack_need *n,
                   const struct ec2pack_terms *t);

/* Prices an ECS task (ECS on EC2, ECS Managed Instances) on the region's instances: its need
 * from c->w, per job and always on, Spot; `fee_share` of the on-demand rate as a management
 * fee (0: none; else the model's estimate, marked so). Blocks by "rates" when the region has
 * no instances, by `limit` when none holds the task, then chooses. */
void ec2pack_ecs_price(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                       double fee_share);

/* An ECS variant in a few words: "<title> (3 always-on c6a.large)", "<title> (g5.xlarge per
 * job on Spot)". */
struct message ec2pack_ecs_describe(const struct cost_option *o, const struct cost_variant *v);

/* Writes the instance type's settings of a variant into out[] (instance_type, architecture,
 * gpus, gpu_model, gpu_memory_gb); returns how many (5). */
size_t ec2pack_instance_params(const struct ec2pack_detail *d, struct param *out);

/* Writes what an instance-hour of it gives and costs into out[] (vcpu, memory_gb,
 * usable_memory_gb, usd_per_hour, management_fee_usd_per_hour); returns how many (5). */
size_t ec2pack_host_params(const struct ec2pack_detail *d, struct param *out);

/* Fills out[] (PLATFORM_PARAMS_MAX) with an ECS variant's settings; returns how many. */
size_t ec2pack_ecs_config(const struct cost_option *o, const struct cost_variant *v,
                          const struct workload *w, const struct model *m, struct param *out);

#endif
