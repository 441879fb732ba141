/*
 * model.h - the model's vocabulary and constants: limits, thresholds, billing rules, effort,
 * presets. Every number the advice depends on, other than AWS rates, lives in
 * config/model.json with a note on its source; this is its in-memory form.
 *
 * A model is built once at start-up, never modified, and read by any number of threads at the
 * same time through `const struct model *` (it holds no mutable state).
 */
#ifndef COMPUTEFIT_MODEL_H
#define COMPUTEFIT_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "computefit/error.h"

/* The places a task can run. The names are the JSON keys of `options`. The managed-instance
 * platforms come last so that the first three keep their places in answers (the text answer's
 * break-even line is the reference's with the first other platform). */
enum model_platform {
    MODEL_LAMBDA = 0,
    MODEL_FARGATE = 1,
    MODEL_ECS_EC2 = 2,
    MODEL_LAMBDA_MANAGED = 3, /* Lambda Managed Instances */
    MODEL_ECS_MANAGED = 4,    /* Amazon ECS Managed Instances */
    MODEL_PLATFORM_COUNT
};

/* What starts a task (the request's `trigger`). MODEL_TRIGGER_NONE = not given. */
enum model_trigger {
    MODEL_TRIGGER_NONE = 0,
    MODEL_TRIGGER_HTTP,
    MODEL_TRIGGER_S3,
    MODEL_TRIGGER_SNS,
    MODEL_TRIGGER_SQS,
    MODEL_TRIGGER_EVENTBRIDGE,
    MODEL_TRIGGER_SCHEDULE,
    MODEL_TRIGGER_STREAM,
    MODEL_TRIGGER_MANUAL,
    MODEL_TRIGGER_COUNT
};

/* Numeric precision of a model's weights (the request's `precision`). */
enum model_precision {
    MODEL_PRECISION_FP32 = 0,
    MODEL_PRECISION_FP16,
    MODEL_PRECISION_BF16,
    MODEL_PRECISION_FP8,
    MODEL_PRECISION_INT8,
    MODEL_PRECISION_INT4,
    MODEL_PRECISION_COUNT
};

#define MODEL_FARGATE_PAIRS_MAX 256
#define MODEL_KINDS_MAX         16
#define MODEL_KIND_NAME_LEN     32

/* One valid Fargate task size. */
struct model_fargate_pair {
    double vcpu;
    double memory_gb;
};

/* A `kind` preset: workload fields that fill in what the request leaves out. */
struct model_kind {
    char name[MODEL_KIND_NAME_LEN];
    json_t *fields; /* owned reference: an object of workload fields */
};

/* Guards against absurd input: anything beyond these is a typo, not a workload. */
struct model_limits {
    double max_duration_s;
    double max_memory_mb;
    double max_invocations_per_month;
    double max_vcpu;
    double max_gpu_memory_gb;
    double max_ephemeral_storage_mb;
    double max_model_params_b;
    double max_team_engineers;
    double max_engineer_hourly_usd;
    double max_plan_tasks;
    double max_fargate_tasks;
    double max_startup_s;
    double max_egress_gb_per_month;
    double max_bytes_per_invocation; /* logs or request and response */
};

struct model_lambda {
    double max_duration_s;
    double min_memory_mb;
    double max_memory_mb;
    double ephemeral_included_mb;
    double max_ephemeral_mb;
    double max_concurrency; /* the default quota: a warning above it, not a limit */
    double scaling_per_10s;
    double mb_per_vcpu;
    double max_vcpu;
    double billing_granularity_ms;
    double free_tier_requests;
    double free_tier_gb_s;
    double cold_start_min_s;
    double cold_start_max_s;
    double warm_idle_s;
    double init_duration_s; /* default of the request's init_duration */
    double max_init_s;      /* the INIT phase's own limit */
};

struct model_fargate {
    struct model_fargate_pair pairs[MODEL_FARGATE_PAIRS_MAX]; /* sorted by vcpu, memory */
    size_t n_pairs;
    double max_vcpu;      /* derived from pairs */
    double max_memory_gb; /* derived from pairs */
    double ephemeral_included_gb;
    double max_ephemeral_gb;
    double minimum_billed_s;
    double billing_granularity_s;
    double startup_s;
    double vcpu_quota; /* default On-Demand vCPU quota per Region: a warning above it */
    double spot_discount;
};

struct model_ec2 {
    double boot_s;
    double minimum_billed_s;
    double billing_granularity_s;
    double gpu_memory_headroom;
    double reserved_memory_fraction; /* of an instance's memory, kept for the OS and ECS agent */
    double min_task_vcpu;            /* the least CPU an ECS task on EC2 reserves */
    double spot_max_interruption_probability; /* a Spot job likelier to be interrupted warns */
    double spot_discount;
};

/* The rest of the bill: front doors, networking and logs (cost.c's bill lines). */
struct model_bill {
    double log_bytes_per_invocation;        /* default of the request's field */
    double log_retention_days;              /* default of the request's field */
    double bytes_per_request;               /* default of the request's field */
    double requests_per_connection;         /* new ALB connections: one per this many requests */
    double alb_new_connections_per_lcu;     /* per second */
    double alb_active_connections_per_lcu;  /* per minute */
    double alb_processed_gb_per_lcu;        /* per hour, instance, container or IP targets */
    double alb_processed_gb_per_lcu_lambda; /* per hour, Lambda targets */
    double nat_gateways;                    /* NAT gateways a VPC's egress goes through */
    double api_gateway_http_timeout_s;      /* the longest request each front door holds */
    double api_gateway_rest_timeout_s;
    double function_url_timeout_s;
    double alb_idle_timeout_s;
};

/* Lambda Managed Instances: Lambda functions on EC2 instances of a capacity provider in the
 * account, billed as the instances' hours plus a management fee and Lambda's requests. */
struct model_lambda_managed {
    double management_fee_share; /* of the instance's on-demand rate */
    double min_instances;        /* always running, one per Availability Zone */
    double max_duration_s;       /* invoked asynchronously or through an event source mapping */
    double max_sync_duration_s;  /* invoked synchronously */
    double min_memory_mb;        /* an execution environment's */
    double max_memory_mb;
    double min_vcpu;
    double max_vcpu;
    double min_memory_gib_per_vcpu; /* ExecutionEnvironmentMemoryGiBPerVCpu */
    double max_memory_gib_per_vcpu;
    double max_concurrency_per_environment; /* PerExecutionEnvironmentMaxConcurrency */
    double max_environments;                /* FunctionScalingConfig: a warning above it */
    double max_accelerator_memory_gb;       /* AcceleratorConfig: GPU memory per environment */
};

/* Amazon ECS Managed Instances: ECS tasks on EC2 instances AWS manages; the rest of their rules
 * are ECS on EC2's (struct model_ec2). */
struct model_ecs_managed {
    double management_fee_share; /* of the instance's on-demand rate: the model's estimate */
};

/* Thresholds of the seed article's rules of thumb, and of the confidence rating. */
struct model_rules {
    double comfortable_duration_s;
    double comfortable_memory_mb;
    double high_rate_per_s;
    double infrequent_per_hour;
    double close_cost_ratio;
    double latency_budget_s;       /* default budget of a latency-sensitive task */
    double cpu_inference_params_b; /* a model this large on CPU gets a warning */
};

/* How always-on fleets are sized (tasks, GPU instances, provisioned environments). */
struct model_capacity {
    double concurrency_per_task; /* default of the request's concurrency_per_task */
    double target_utilisation;   /* mean busy share of a fleet's slots */
    double max_wait_probability; /* Erlang C bound when latency matters */
};

struct model_ops {
    double hours_per_month[MODEL_PLATFORM_COUNT];
    double solo_multiplier;
};

struct model_size {
    double precision_bytes[MODEL_PRECISION_COUNT];
    double overhead_factor;
    enum model_precision default_precision;
};

struct model {
    double hours_per_month;
    struct model_limits limits;
    struct model_lambda lambda;
    struct model_fargate fargate;
    struct model_ec2 ec2;
    struct model_bill bill;
    struct model_lambda_managed lambda_managed;
    struct model_ecs_managed ecs_managed;
    struct model_rules rules;
    struct model_capacity capacity;
    struct model_ops ops;
    struct model_size size;
    bool event_trigger[MODEL_TRIGGER_COUNT]; /* triggers Lambda integrates with natively */
    struct model_kind kinds[MODEL_KINDS_MAX];
    size_t n_kinds;
};

/* Builds a model from the parsed config/model.json document (borrowed). Every constant must be
 * present as {"value": ..., "source": "..."} within its documented range, and unknown keys are
 * rejected, so that a typo in the file cannot silently change advice. Each `kind` preset is
 * checked with the workload parser. On success sets *ret_model to a new model the caller frees
 * with model_free() and returns 0; otherwise returns CF_ECONFIG (CF_ENOMEM when out of memory)
 * with reterr->field the key path ("lambda.max_duration_s"). */
int model_from_json(const json_t *doc, struct model **ret_model, struct cf_error *reterr);

/* Frees a model. Accepts NULL. */
void model_free(struct model *model);

/* Returns the JSON key of a platform ("lambda", "fargate", "ecs_ec2", "lambda_managed",
 * "ecs_managed"); a static string. */
const char *model_platform_name(enum model_platform p);

/* Returns the request spelling of a trigger ("http", ..., "manual"; "" for NONE). */
const char *model_trigger_name(enum model_trigger t);

/* Looks a trigger up by its request spelling; returns 0 or CF_EINVAL (no message). */
int model_trigger_parse(const char *name, enum model_trigger *ret_trigger);

/* Returns the request spelling of a precision ("fp32", "fp16", "bf16", "fp8", "int8",
 * "int4"). */
const char *model_precision_name(enum model_precision p);

/* Looks a precision up by its request spelling; returns 0 or CF_EINVAL (no message). */
int model_precision_parse(const char *name, enum model_precision *ret_precision);

/* Returns the preset named `name`, borrowed from `model`, or NULL. */
const struct model_kind *model_kind_find(const struct model *model, const char *name);

#endif
