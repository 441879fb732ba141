/*
 * workload.h - one task as the advice core understands it, parsed from a request object.
 *
 * The parser is the gate of the core: every field of a request passes through it, whether it
 * came from a POST body (JSON types) or a GET query string (every value a string), and nothing
 * past it sees unvalidated input. It rejects wrong types, non-finite and out-of-range numbers,
 * unknown units, enums and fields, and conflicting forms, naming the JSON path of the field.
 *
 * Units in the parsed struct are fixed: seconds, MB (1 GB = 1024 MB), invocations per month,
 * GiB of GPU memory, USD.
 */
#ifndef COMPUTEFIT_WORKLOAD_H
#define COMPUTEFIT_WORKLOAD_H

#include <jansson.h>
#include <stdbool.h>

#include "computefit/error.h"
#include "computefit/model.h"
#include "computefit/rates.h"

#define WORKLOAD_NAME_LEN 65

enum workload_arch { WORKLOAD_ARCH_X86_64 = 0, WORKLOAD_ARCH_ARM64, WORKLOAD_ARCH_ANY };

enum workload_fargate_mode {
    WORKLOAD_FARGATE_MODE_ANY = 0, /* price both, use the cheaper */
    WORKLOAD_FARGATE_MODE_ALWAYS_ON,
    WORKLOAD_FARGATE_MODE_PER_JOB
};

/* Where a value came from, reported back so that users see how their input was read. */
enum workload_source {
    WORKLOAD_FROM_DEFAULT = 0,
    WORKLOAD_FROM_REQUEST,
    WORKLOAD_FROM_KIND,
    WORKLOAD_FROM_MODEL_PARAMS, /* derived from model_params_b and precision */
    WORKLOAD_FROM_MEMORY        /* vcpu: what Lambda gives that memory */
};

/* A Savings Plan to price under (the request's `commitment`): its type, term (1 or 3 years)
 * and payment option. Not given: on-demand prices. */
/* The front door the request asks for (`front_door`); cost.c resolves it per platform. */
enum workload_front_door {
    WORKLOAD_DOOR_AUTO = 0, /* the cheapest that serves HTTP on each platform */
    WORKLOAD_DOOR_NONE,
    WORKLOAD_DOOR_FUNCTION_URL,
    WORKLOAD_DOOR_API_GATEWAY_HTTP,
    WORKLOAD_DOOR_API_GATEWAY_REST,
    WORKLOAD_DOOR_ALB
};

/* How tasks and instances reach the internet (`network`). */
enum workload_network { WORKLOAD_NET_PUBLIC_IPV4 = 0, WORKLOAD_NET_NAT, WORKLOAD_NET_NONE };

/* The rest of the bill beside compute: the front door, networking, logs. */
struct workload_bill {
    enum workload_front_door front_door;
    enum workload_network network;
    double egress_gb_per_month;      /* through a NAT gateway; 0 when not given */
    double log_bytes_per_invocation; /* CloudWatch Logs ingested per invocation */
    int log_retention_days;          /* one of CloudWatch Logs' retention settings */
    double bytes_per_request;        /* request and response, through an ALB */
};

struct workload_commitment {
    bool given;
    enum cf_sp_plan plan;
    int term_years;
    enum cf_sp_payment payment;
};

/* Settings of the account and team rather than of one task: in a hybrid plan they are given
 * once, next to "tasks". */
struct workload_settings {
    char region[CF_REGION_LEN];
    bool include_free_tier;
    int team_engineers;         /* 0 = not given */
    double engineer_hourly_usd; /* 0 = not given: effort is reported in hours only */
    struct workload_commitment commitment;
    bool compute_only; /* drop the bill's front door, networking and logs: compute alone */
};

/* A pinned Fargate shape (the request's `fargate` object or its "fargate.*" aliases). */
struct workload_fargate {
    bool pinned;      /* vcpu/memory fixed by the request */
    double vcpu;      /* valid Fargate vCPU when pinned */
    double memory_gb; /* valid for vcpu when pinned */
    enum workload_fargate_mode mode;
    long tasks; /* always-on task count; 0 = sized from concurrency */
    bool startup_given;
    double startup_s; /* billed start-up seconds per per-job task */
};

/* Pinned Lambda provisioned concurrency (the request's `lambda` object or its "lambda.*"
 * aliases). */
struct workload_lambda {
    long provisioned;         /* environments kept warm; 0 = not pinned */
    double provisioned_hours; /* hours a month they are kept (the model's month when not given) */
};

struct workload {
    char name[WORKLOAD_NAME_LEN]; /* "" unless given */
    double duration_s;
    double memory_mb;
    double invocations_per_month;
    double vcpu;           /* explicit, or memory / mb_per_vcpu capped at Lambda's largest size */
    bool gpu;              /* a GPU is required */
    bool cpu_only;         /* gpu: false was given: GPU placements are ruled out */
    double gpu_memory_gb;  /* GiB needed on the GPU(s); 0 = any GPU */
    double model_params_b; /* 0 = not given */
    enum model_precision precision;
    double model_memory_mb; /* the weights with the model's overhead; 0 without model_params_b */
    enum model_trigger trigger;
    bool latency_sensitive;
    bool interruptible;
    enum workload_arch arch;
    double ephemeral_mb;         /* scratch disk; 0 = none beyond each platform's included amount */
    double latency_budget_s;     /* longest wait before the work starts; INFINITY: none */
    double init_duration_s;      /* Lambda's INIT phase, billed on each cold start */
    double concurrency_per_task; /* requests one task or GPU instance serves at once */
    char kind[MODEL_KIND_NAME_LEN]; /* "" unless given */
    struct workload_settings settings;
    struct workload_fargate fargate;
    struct workload_lambda lambda;
    struct workload_bill bill;
    enum workload_source memory_from, vcpu_from, gpu_memory_from, duration_from, invocations_from;
    enum workload_source latency_budget_from, init_duration_from, concurrency_from;
};

/* Parses the plan-level settings (region, include_free_tier, team_engineers,
 * engineer_hourly_usd, commitment and its "commitment.*" aliases) of `obj` (borrowed), ignoring
 * every other key. Absent settings get their defaults (region "us-east-1"). Returns 0 and sets
 * *ret_settings, or a CF_E* code with reterr naming the field. */
int workload_parse_settings(const json_t *obj, const struct model *model,
                            struct workload_settings *ret_settings, struct cf_error *reterr);

/* Parses one workload object (borrowed). With `plan` NULL the object carries its own settings;
 * with `plan` set (a task of a hybrid plan) the settings come from `plan` and the task may not
 * repeat them. Fields missing from the request are filled from the `kind` preset, then from
 * model_params_b, then from defaults; duration, invocations and memory must come from
 * somewhere. Returns 0 and sets *ret_workload, or CF_EINVAL / CF_EMISSING / CF_EUNKNOWN with
 * reterr->field the path relative to `obj` ("duration", "fargate.vcpu"). */
int workload_parse(const json_t *obj, const struct model *model,
                   const struct workload_settings *plan, struct workload *ret_workload,
                   struct cf_error *reterr);

/* Checks a `kind` preset's fields (borrowed) while the model is being loaded: every key must be
 * a per-task workload field and every value must parse. Only the fields of `model` that the
 * parser reads (hours_per_month, limits, the Fargate pairs, precisions) need to be set.
 * Returns 0 or CF_ECONFIG with reterr->field the offending key. */
int workload_check_preset(const json_t *fields, const struct model *model, struct cf_error *reterr);

/* Returns true when `name` is a field of a workload object (including the "fargate.*" aliases
 * and the settings). */
bool workload_field_known(const char *name);

/* Fills *reterr for an unknown top-level field `key` (naming it, with a "did you mean" hint when
 * a known field is close) and returns CF_EUNKNOWN. */
int workload_unknown_field(const char *key, struct cf_error *reterr);

/* Looks `word` up among the spellings of the enum field `field` ("trigger", "architecture",
 * "precision", "front_door" or "network"), in any case, as the parser reads them: returns the
 * value's name ("arm" -> "arm64"; a static string), or NULL when `word` is none of its
 * spellings (or `field` is not one of these), with *ret_near (may be NULL) set to the name of
 * the value with the closest spelling, or NULL when none is close. */
const char *workload_enum_word(const char *field, const char *word, const char **ret_near);

/* Returns where a value came from: "default", "request", "kind", "model_params_b", "memory";
 * a static string. */
const char *workload_source_name(enum workload_source s);

/* Returns "always_on", "per_job" or "cheaper" (either, priced both); a static string. */
const char *workload_fargate_mode_name(enum workload_fargate_mode m);

/* Returns the request spelling of a front door ("auto", "none", "function_url",
 * "api_gateway_http", "api_gateway_rest", "alb") or a network ("public_ipv4", "nat", "none"). */
/* Returns whether `days` is one of CloudWatch Logs' retention settings. */
bool workload_retention_valid(double days);

const char *workload_front_door_name(enum workload_front_door d);
const char *workload_network_name(enum workload_network n);

/* Invocations per second of `w` (a month is model->hours_per_month hours). */
double workload_rate_per_s(const struct workload *w, const struct model *model);

/* Average number of invocations running at once (Little's law: rate x duration). */
double workload_concurrency(const struct workload *w, const struct model *model);

/* Memory a CPU placement must have: the task's memory, or the model's weights when larger. */
double workload_memory_need_mb(const struct workload *w);

/* Returns "x86_64", "arm64" or "any". */
const char *workload_arch_name(enum workload_arch a);

#endif
