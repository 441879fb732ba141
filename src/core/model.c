/*
 * model.c - loads config/model.json into a struct model and names the model's vocabulary.
 *
 * The file is walked once: every object that has a "value" key is a constant and must be one
 * this loader knows (the scalar table below or one of the structured constants); every other
 * object is a group. Unknown and missing constants are both errors, so that the file and the
 * code cannot drift apart silently.
 */
#include "computefit/model.h"

#include <math.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsoniter.h"
#include "computefit/platform.h"
#include "computefit/workload.h"

#define MODEL_FORMAT   "computefit-model/1"
#define MODEL_PATH_LEN 128

static const char *const trigger_names[MODEL_TRIGGER_COUNT] = {
    "", "http", "s3", "sns", "sqs", "eventbridge", "schedule", "stream", "manual"};

static const char *const precision_names[MODEL_PRECISION_COUNT] = {"fp32", "fp16", "bf16",
                                                                   "fp8",  "int8", "int4"};

const char *model_platform_name(enum model_platform p)
{
    return (unsigned)p < MODEL_PLATFORM_COUNT ? platforms[p].key : "unknown";
}

const char *model_trigger_name(enum model_trigger t)
{
    return (unsigned)t < MODEL_TRIGGER_COUNT ? trigger_names[t] : "";
}

int model_trigger_parse(const char *name, enum model_trigger *ret_trigger)
{
    if (!name || !*name)
        return CF_EINVAL;
    for (int i = 1; i < MODEL_TRIGGER_COUNT; i++) {
        if (!strcmp(name, trigger_names[i])) {
            *ret_trigger = (enum model_trigger)i;
            return 0;
        }
    }
    return CF_EINVAL;
}

const char *model_precision_name(enum model_precision p)
{
    return (unsigned)p < MODEL_PRECISION_COUNT ? precision_names[p] : "";
}

int model_precision_parse(const char *name, enum model_precision *ret_precision)
{
    if (!name)
        return CF_EINVAL;
    for (int i = 0; i < MODEL_PRECISION_COUNT; i++) {
        if (!strcmp(name, precision_names[i])) {
            *ret_precision = (enum model_precision)i;
            return 0;
        }
    }
    return CF_EINVAL;
}

const struct model_kind *model_kind_find(const struct model *model, const char *name)
{
    if (!model || !name)
        return NULL;
    for (size_t i = 0; i < model->n_kinds; i++)
        if (!strcmp(model->kinds[i].name, name))
            return &model->kinds[i];
    return NULL;
}

/* One numeric constant: its path in the file, where it goes, and the range that makes sense. */
struct scalar_key {
    const char *path;
    size_t offset;
    double min;
    double max;
};

#define SK(path, member, lo, hi)                                                                   \
    {                                                                                              \
        path, offsetof(struct model, member), lo, hi                                               \
    }

static const struct scalar_key scalar_keys[] = {
    SK("hours_per_month", hours_per_month, 672, 744),
    SK("limits.max_duration_s", limits.max_duration_s, 1, 1e9),
    SK("limits.max_memory_mb", limits.max_memory_mb, 1, 1e12),
    SK("limits.max_invocations_per_month", limits.max_invocations_per_month, 1, 1e15),
    SK("limits.max_vcpu", limits.max_vcpu, 1, 1e6),
    SK("limits.max_gpu_memory_gb", limits.max_gpu_memory_gb, 1, 1e9),
    SK("limits.max_ephemeral_storage_mb", limits.max_ephemeral_storage_mb, 1, 1e12),
    SK("limits.max_model_params_b", limits.max_model_params_b, 1, 1e9),
    SK("limits.max_team_engineers", limits.max_team_engineers, 1, 1e9),
    SK("limits.max_engineer_hourly_usd", limits.max_engineer_hourly_usd, 1, 1e9),
    SK("limits.max_plan_tasks", limits.max_plan_tasks, 1, 1000),
    SK("limits.max_fargate_tasks", limits.max_fargate_tasks, 1, 1e9),
    SK("limits.max_startup_s", limits.max_startup_s, 0, 1e9),
    SK("limits.max_egress_gb_per_month", limits.max_egress_gb_per_month, 1, 1e12),
    SK("limits.max_bytes_per_invocation", limits.max_bytes_per_invocation, 1, 1e15),
    SK("lambda.max_duration_s", lambda.max_duration_s, 1, 1e9),
    SK("lambda.min_memory_mb", lambda.min_memory_mb, 1, 1e9),
    SK("lambda.max_memory_mb", lambda.max_memory_mb, 1, 1e9),
    SK("lambda.ephemeral_included_mb", lambda.ephemeral_included_mb, 0, 1e9),
    SK("lambda.max_ephemeral_mb", lambda.max_ephemeral_mb, 0, 1e9),
    SK("lambda.max_concurrency", lambda.max_concurrency, 1, 1e9),
    SK("lambda.scaling_per_10s", lambda.scaling_per_10s, 1, 1e9),
    SK("lambda.mb_per_vcpu", lambda.mb_per_vcpu, 1, 1e9),
    SK("lambda.max_vcpu", lambda.max_vcpu, 0.001, 1e6),
    SK("lambda.billing_granularity_ms", lambda.billing_granularity_ms, 0.001, 3.6e6),
    SK("lambda.free_tier_requests", lambda.free_tier_requests, 0, 1e15),
    SK("lambda.free_tier_gb_s", lambda.free_tier_gb_s, 0, 1e15),
    SK("lambda.cold_start_min_s", lambda.cold_start_min_s, 0, 3600),
    SK("lambda.cold_start_max_s", lambda.cold_start_max_s, 0, 3600),
    SK("lambda.warm_idle_s", lambda.warm_idle_s, 0, 1e6),
    SK("lambda.init_duration_s", lambda.init_duration_s, 0, 3600),
    SK("lambda.max_init_s", lambda.max_init_s, 0.001, 3600),
    SK("fargate.ephemeral_included_gb", fargate.ephemeral_included_gb, 0, 1e9),
    SK("fargate.max_ephemeral_gb", fargate.max_ephemeral_gb, 0, 1e9),
    SK("fargate.minimum_billed_s", fargate.minimum_billed_s, 0, 1e6),
    SK("fargate.billing_granularity_s", fargate.billing_granularity_s, 0.001, 1e6),
    SK("fargate.startup_s", fargate.startup_s, 0, 1e6),
    SK("fargate.vcpu_quota", fargate.vcpu_quota, 0, 1e9),
    SK("fargate.spot_discount", fargate.spot_discount, 0, 0.99),
    SK("ecs_ec2.boot_s", ec2.boot_s, 0, 1e6),
    SK("ecs_ec2.minimum_billed_s", ec2.minimum_billed_s, 0, 1e6),
    SK("ecs_ec2.billing_granularity_s", ec2.billing_granularity_s, 0.001, 1e6),
    SK("ecs_ec2.gpu_memory_headroom", ec2.gpu_memory_headroom, 1, 10),
    SK("ecs_ec2.reserved_memory_fraction", ec2.reserved_memory_fraction, 0, 0.5),
    SK("ecs_ec2.min_task_vcpu", ec2.min_task_vcpu, 0.001, 192),
    SK("ecs_ec2.spot_discount", ec2.spot_discount, 0, 0.99),
    SK("ecs_ec2.spot_max_interruption_probability", ec2.spot_max_interruption_probability, 0, 1),
    SK("bill.log_bytes_per_invocation", bill.log_bytes_per_invocation, 0, 1e9),
    SK("bill.log_retention_days", bill.log_retention_days, 1, 3653),
    SK("bill.bytes_per_request", bill.bytes_per_request, 0, 1e12),
    SK("bill.requests_per_connection", bill.requests_per_connection, 1, 1e9),
    SK("bill.alb_new_connections_per_lcu", bill.alb_new_connections_per_lcu, 0.001, 1e9),
    SK("bill.alb_active_connections_per_lcu", bill.alb_active_connections_per_lcu, 0.001, 1e9),
    SK("bill.alb_processed_gb_per_lcu", bill.alb_processed_gb_per_lcu, 0.001, 1e9),
    SK("bill.alb_processed_gb_per_lcu_lambda", bill.alb_processed_gb_per_lcu_lambda, 0.001, 1e9),
    SK("bill.nat_gateways", bill.nat_gateways, 1, 1000),
    SK("bill.api_gateway_http_timeout_s", bill.api_gateway_http_timeout_s, 0.001, 1e6),
    SK("bill.api_gateway_rest_timeout_s", bill.api_gateway_rest_timeout_s, 0.001, 1e6),
    SK("bill.function_url_timeout_s", bill.function_url_timeout_s, 0.001, 1e6),
    SK("bill.alb_idle_timeout_s", bill.alb_idle_timeout_s, 0.001, 1e6),
    SK("lambda_managed.management_fee_share", lambda_managed.management_fee_share, 0, 10),
    SK("lambda_managed.min_instances", lambda_managed.min_instances, 1, 1000),
    SK("lambda_managed.max_duration_s", lambda_managed.max_duration_s, 1, 1e9),
    SK("lambda_managed.max_sync_duration_s", lambda_managed.max_sync_duration_s, 1, 1e9),
    SK("lambda_managed.min_memory_mb", lambda_managed.min_memory_mb, 1, 1e9),
    SK("lambda_managed.max_memory_mb", lambda_managed.max_memory_mb, 1, 1e9),
    SK("lambda_managed.min_vcpu", lambda_managed.min_vcpu, 1, 1e6),
    SK("lambda_managed.max_vcpu", lambda_managed.max_vcpu, 1, 1e6),
    SK("lambda_managed.min_memory_gib_per_vcpu", lambda_managed.min_memory_gib_per_vcpu, 0.001,
       1e6),
    SK("lambda_managed.max_memory_gib_per_vcpu", lambda_managed.max_memory_gib_per_vcpu, 0.001,
       1e6),
    SK("lambda_managed.max_concurrency_per_environment",
       lambda_managed.max_concurrency_per_environment, 1, 1e9),
    SK("lambda_managed.max_environments", lambda_managed.max_environments, 1, 1e12),
    SK("lambda_managed.max_accelerator_memory_gb", lambda_managed.max_accelerator_memory_gb, 1,
       1e6),
    SK("ecs_managed.management_fee_share", ecs_managed.management_fee_share, 0, 10),
    SK("rules.comfortable_duration_s", rules.comfortable_duration_s, 0, 1e9),
    SK("rules.comfortable_memory_mb", rules.comfortable_memory_mb, 0, 1e12),
    SK("rules.high_rate_per_s", rules.high_rate_per_s, 0, 1e12),
    SK("rules.infrequent_per_hour", rules.infrequent_per_hour, 0, 1e12),
    SK("rules.close_cost_ratio", rules.close_cost_ratio, 1, 100),
    SK("rules.latency_budget_s", rules.latency_budget_s, 0, 3600),
    SK("rules.cpu_inference_params_b", rules.cpu_inference_params_b, 0, 1e6),
    SK("capacity.concurrency_per_task", capacity.concurrency_per_task, 1, 1e6),
    /* Erlang C sizing assumes utilisation below 1; 0.95 keeps it fast (see cost_fleet). */
    SK("capacity.target_utilisation", capacity.target_utilisation, 0.1, 0.95),
    SK("capacity.max_wait_probability", capacity.max_wait_probability, 0.001, 1),
    SK("ops.solo_multiplier", ops.solo_multiplier, 1, 100),
    SK("model_size.overhead_factor", size.overhead_factor, 1, 100),
};

#define N_SCALAR_KEYS (sizeof(scalar_keys) / sizeof(scalar_keys[0]))

/* The constants that are not a single number, each with its own reader. */
enum special_key {
    SPECIAL_FARGATE_SIZES = 0,
    SPECIAL_OPS_HOURS,
    SPECIAL_PRECISION_BYTES,
    SPECIAL_DEFAULT_PRECISION,
    SPECIAL_EVENT_TRIGGERS,
    SPECIAL_KINDS,
    SPECIAL_COUNT
};

static const char *const special_paths[SPECIAL_COUNT] = {"fargate.sizes",
                                                         "ops.hours_per_month",
                                                         "model_size.precision_bytes",
                                                         "model_size.default_precision",
                                                         "triggers.event",
                                                         "kinds"};

/* Loading state: which constants were seen, and the kinds object to check once the rest is
 * loaded (the workload parser needs the other constants). */
struct loader {
    struct model *m;
    bool seen_scalar[N_SCALAR_KEYS];
    bool seen_special[SPECIAL_COUNT];
    const json_t *kinds;
};

static int config_error(struct cf_error *reterr, const char *path, const char *what)
{
    return cf_error_set(reterr, CF_ECONFIG, path, "model: %s %s", path, what);
}

/* Reads a JSON number (integer or real) in [min, max]. */
static int read_number(const json_t *v, const char *path, double min, double max, double *ret,
                       struct cf_error *reterr)
{
    if (!json_is_number(v))
        return config_error(reterr, path, "must be a number");
    double d = json_number_value(v);
    if (!isfinite(d) || d < min || d > max)
        return cf_error_set(reterr, CF_ECONFIG, path, "model: %s must be between %g and %g, got %g",
                            path, min, max, d);
    *ret = d;
    return 0;
}

static int compare_pairs(const void *a, const void *b)
{
    const struct model_fargate_pair *x = a, *y = b;
    if (x->vcpu != y->vcpu)
        return x->vcpu < y->vcpu ? -1 : 1;
    if (x->memory_gb != y->memory_gb)
        return x->memory_gb < y->memory_gb ? -1 : 1;
    return 0;
}

static int add_pair(struct model_fargate *f, double vcpu, double memory_gb, const char *path,
                    struct cf_error *reterr)
{
    if (f->n_pairs >= MODEL_FARGATE_PAIRS_MAX)
        return config_error(reterr, path, "lists too many Fargate sizes");
    f->pairs[f->n_pairs].vcpu = vcpu;
    f->pairs[f->n_pairs].memory_gb = memory_gb;
    f->n_pairs++;
    return 0;
}

static int read_fargate_row(const json_t *row, const char *path, struct model_fargate *f,
                            struct cf_error *reterr)
{
    char sub[MODEL_PATH_LEN];
    if (!json_is_object(row))
        return config_error(reterr, path, "must be an object");
    const char *key;
    const json_t *v;
    jsoniter_object_foreach(row, key, v)
    {
        if (strcmp(key, "vcpu") && strcmp(key, "memory_gb") && strcmp(key, "memory_gb_min") &&
            strcmp(key, "memory_gb_max") && strcmp(key, "memory_gb_step")) {
            snprintf(sub, sizeof(sub), "%s.%s", path, key);
            return config_error(reterr, sub, "is not a known key");
        }
    }
    double vcpu = 0;
    snprintf(sub, sizeof(sub), "%s.vcpu", path);
    int r = read_number(json_object_get(row, "vcpu"), sub, 0.001, 1e6, &vcpu, reterr);
    if (r < 0)
        return r;
    const json_t *list = json_object_get(row, "memory_gb");
    if (list) {
        snprintf(sub, sizeof(sub), "%s.memory_gb", path);
        if (!json_is_array(list) || !json_array_size(list) || json_object_get(row, "memory_gb_min"))
            return config_error(reterr, sub,
                                "must be a non-empty array, without memory_gb_min/max/step");
        size_t i;
        json_array_foreach(list, i, v)
        {
            double gb = 0;
            snprintf(sub, sizeof(sub), "%s.memory_gb[%zu]", path, i);
            if ((r = read_number(v, sub, 0.001, 1e6, &gb, reterr)) < 0 ||
                (r = add_pair(f, vcpu, gb, sub, reterr)) < 0)
                return r;
        }
        return 0;
    }
    double lo = 0, hi = 0, step = 0;
    snprintf(sub, sizeof(sub), "%s.memory_gb_min", path);
    if ((r = read_number(json_object_get(row, "memory_gb_min"), sub, 0.001, 1e6, &lo, reterr)) < 0)
        return r;
    snprintf(sub, sizeof(sub), "%s.memory_gb_max", path);
    if ((r = read_number(json_object_get(row, "memory_gb_max"), sub, lo, 1e6, &hi, reterr)) < 0)
        return r;
    snprintf(sub, sizeof(sub), "%s.memory_gb_step", path);
    if ((r = read_number(json_object_get(row, "memory_gb_step"), sub, 0.001, 1e6, &step, reterr)) <
        0)
        return r;
    /* Count steps with a tolerance so that 0.5-step rows are not cut short by rounding. */
    double n = floor((hi - lo) / step + 1e-9);
    if (n + 1 > MODEL_FARGATE_PAIRS_MAX)
        return config_error(reterr, sub, "makes too many Fargate sizes");
    for (int k = 0; k <= (int)n; k++)
        if ((r = add_pair(f, vcpu, lo + k * step, path, reterr)) < 0)
            return r;
    return 0;
}

static int read_fargate_sizes(const json_t *v, struct model *m, struct cf_error *reterr)
{
    const char *path = "fargate.sizes";
    if (!json_is_array(v) || !json_array_size(v))
        return config_error(reterr, path, "must be a non-empty array of {vcpu, memory...} rows");
    size_t i;
    const json_t *row;
    json_array_foreach(v, i, row)
    {
        char sub[MODEL_PATH_LEN];
        snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
        int r = read_fargate_row(row, sub, &m->fargate, reterr);
        if (r < 0)
            return r;
    }
    struct model_fargate *f = &m->fargate;
    qsort(f->pairs, f->n_pairs, sizeof(f->pairs[0]), compare_pairs);
    for (size_t k = 0; k < f->n_pairs; k++) {
        if (k && !compare_pairs(&f->pairs[k - 1], &f->pairs[k]))
            return config_error(reterr, path, "lists one size twice");
        if (f->pairs[k].vcpu > f->max_vcpu)
            f->max_vcpu = f->pairs[k].vcpu;
        if (f->pairs[k].memory_gb > f->max_memory_gb)
            f->max_memory_gb = f->pairs[k].memory_gb;
    }
    return 0;
}

static int read_ops_hours(const json_t *v, struct model *m, struct cf_error *reterr)
{
    const char *path = "ops.hours_per_month";
    if (!json_is_object(v) || json_object_size(v) != MODEL_PLATFORM_COUNT)
        return config_error(reterr, path, "must give hours for each platform, and no other");
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        char sub[MODEL_PATH_LEN];
        snprintf(sub, sizeof(sub), "%s.%s", path, platforms[p].key);
        int r = read_number(json_object_get(v, platforms[p].key), sub, 0, 744,
                            &m->ops.hours_per_month[p], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int read_precision_bytes(const json_t *v, struct model *m, struct cf_error *reterr)
{
    const char *path = "model_size.precision_bytes";
    if (!json_is_object(v) || json_object_size(v) != MODEL_PRECISION_COUNT)
        return config_error(reterr, path,
                            "must give bytes for fp32, fp16, bf16, fp8, int8 and int4");
    for (int p = 0; p < MODEL_PRECISION_COUNT; p++) {
        char sub[MODEL_PATH_LEN];
        snprintf(sub, sizeof(sub), "%s.%s", path, precision_names[p]);
        int r = read_number(json_object_get(v, precision_names[p]), sub, 0.01, 64,
                            &m->size.precision_bytes[p], reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

static int read_event_triggers(const json_t *v, struct model *m, struct cf_error *reterr)
{
    const char *path = "triggers.event";
    if (!json_is_array(v))
        return config_error(reterr, path, "must be an array of trigger names");
    size_t i;
    const json_t *t;
    json_array_foreach(v, i, t)
    {
        enum model_trigger trig;
        if (model_trigger_parse(json_string_value(t), &trig) < 0) {
            char sub[MODEL_PATH_LEN];
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            return config_error(reterr, sub, "is not a known trigger");
        }
        m->event_trigger[trig] = true;
    }
    return 0;
}

static int read_kinds(const json_t *v, struct model *m, struct cf_error *reterr)
{
    if (!json_is_object(v) || json_object_size(v) > MODEL_KINDS_MAX)
        return config_error(reterr, "kinds", "must be an object of at most 16 presets");
    const char *name;
    json_t *fields;
    jsoniter_object_foreach(v, name, fields)
    {
        char sub[MODEL_PATH_LEN];
        snprintf(sub, sizeof(sub), "kinds.%s", name);
        if (!*name || strlen(name) >= MODEL_KIND_NAME_LEN || !json_is_object(fields))
            return config_error(reterr, sub, "must be a short name mapping to an object");
        struct model_kind *k = &m->kinds[m->n_kinds++];
        strcpy(k->name, name);
        k->fields = json_incref(fields);
    }
    return 0;
}

static int read_special(enum special_key which, const json_t *v, struct model *m, struct loader *ld,
                        struct cf_error *reterr)
{
    switch (which) {
    case SPECIAL_FARGATE_SIZES:
        return read_fargate_sizes(v, m, reterr);
    case SPECIAL_OPS_HOURS:
        return read_ops_hours(v, m, reterr);
    case SPECIAL_PRECISION_BYTES:
        return read_precision_bytes(v, m, reterr);
    case SPECIAL_DEFAULT_PRECISION:
        if (model_precision_parse(json_string_value(v), &m->size.default_precision) < 0)
            return config_error(reterr, special_paths[which],
                                "must be one of fp32, fp16, bf16, fp8, int8, int4");
        return 0;
    case SPECIAL_EVENT_TRIGGERS:
        return read_event_triggers(v, m, reterr);
    case SPECIAL_KINDS:
        ld->kinds = v;
        return read_kinds(v, m, reterr);
    default:
        return config_error(reterr, special_paths[which], "is not handled");
    }
}

/* Reads one {"value", "source"} constant at `path`. */
static int read_constant(const json_t *c, const char *path, struct loader *ld,
                         struct cf_error *reterr)
{
    const char *key;
    const json_t *v;
    jsoniter_object_foreach(c, key, v)
    {
        if (strcmp(key, "value") && strcmp(key, "source")) {
            char sub[MODEL_PATH_LEN];
            snprintf(sub, sizeof(sub), "%s.%s", path, key);
            return config_error(reterr, sub,
                                "is not a known key (a constant has value and source)");
        }
    }
    const char *source = json_string_value(json_object_get(c, "source"));
    if (!source || !*source)
        return config_error(reterr, path, "needs a \"source\" saying where its value comes from");
    v = json_object_get(c, "value");
    for (size_t i = 0; i < N_SCALAR_KEYS; i++) {
        if (strcmp(path, scalar_keys[i].path))
            continue;
        if (ld->seen_scalar[i])
            return config_error(reterr, path, "is given twice");
        ld->seen_scalar[i] = true;
        double *dst = (double *)(void *)((char *)ld->m + scalar_keys[i].offset);
        return read_number(v, path, scalar_keys[i].min, scalar_keys[i].max, dst, reterr);
    }
    for (int s = 0; s < SPECIAL_COUNT; s++) {
        if (strcmp(path, special_paths[s]))
            continue;
        ld->seen_special[s] = true;
        return read_special((enum special_key)s, v, ld->m, ld, reterr);
    }
    return config_error(reterr, path, "is not a known constant");
}

static int walk(const json_t *obj, const char *prefix, struct loader *ld, struct cf_error *reterr)
{
    const char *key;
    const json_t *v;
    jsoniter_object_foreach(obj, key, v)
    {
        if (!*prefix && (!strcmp(key, "format") || !strcmp(key, "description")))
            continue;
        char path[MODEL_PATH_LEN];
        int n = snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
        if (n < 0 || (size_t)n >= sizeof(path))
            return config_error(reterr, prefix, "has a key that is too long");
        int r;
        if (!json_is_object(v))
            return config_error(reterr, path, "must be a constant {value, source} or a group");
        if (json_object_get(v, "value"))
            r = read_constant(v, path, ld, reterr);
        else
            r = walk(v, path, ld, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Pairs of constants where the first must not exceed the second: relations single ranges
 * cannot express. */
static const char *const relations[][2] = {
    {"lambda.min_memory_mb", "lambda.max_memory_mb"},
    {"lambda.cold_start_min_s", "lambda.cold_start_max_s"},
    {"lambda.ephemeral_included_mb", "lambda.max_ephemeral_mb"},
    {"fargate.ephemeral_included_gb", "fargate.max_ephemeral_gb"},
    {"lambda_managed.min_memory_mb", "lambda_managed.max_memory_mb"},
    {"lambda_managed.min_vcpu", "lambda_managed.max_vcpu"},
    {"lambda_managed.min_memory_gib_per_vcpu", "lambda_managed.max_memory_gib_per_vcpu"},
    {"lambda_managed.max_sync_duration_s", "lambda_managed.max_duration_s"},
};

/* The value of the scalar constant at `path` (a path of scalar_keys[]). */
static double scalar_of(const struct model *m, const char *path)
{
    for (size_t i = 0; i < N_SCALAR_KEYS; i++)
        if (!strcmp(path, scalar_keys[i].path))
            return *(const double *)(const void *)((const char *)m + scalar_keys[i].offset);
    return (double)NAN; /* not a scalar: a bug in relations[], which no comparison passes */
}

static int check_relations(const struct model *m, struct cf_error *reterr)
{
    if (m->lambda.min_memory_mb > m->lambda.max_memory_mb)
        return config_error(reterr, "lambda.min_memory_mb", "must not exceed lambda.max_memory_mb");
    if (m->lambda.cold_start_min_s > m->lambda.cold_start_max_s)
        return config_error(reterr, "lambda.cold_start_min_s",
                            "must not exceed lambda.cold_start_max_s");
    if (m->lambda.ephemeral_included_mb > m->lambda.max_ephemeral_mb)
        return config_error(reterr, "lambda.ephemeral_included_mb",
                            "must not exceed lambda.max_ephemeral_mb");
    if (m->fargate.ephemeral_included_gb > m->fargate.max_ephemeral_gb)
        return config_error(reterr, "fargate.ephemeral_included_gb",
                            "must not exceed fargate.max_ephemeral_gb");
    if (!workload_retention_valid(m->bill.log_retention_days))
        return config_error(reterr, "bill.log_retention_days",
                            "must be one of CloudWatch Logs' retention settings (1, 3, 5, 7, 14, "
                            "30, 60, 90, 120, 150, 180, 365, ... 3653 days)");
    for (size_t i = 0; i < sizeof(relations) / sizeof(relations[0]); i++) {
        if (!(scalar_of(m, relations[i][0]) <= scalar_of(m, relations[i][1]))) {
            char what[MODEL_PATH_LEN + 32];
            snprintf(what, sizeof(what), "must not exceed %s", relations[i][1]);
            return config_error(reterr, relations[i][0], what);
        }
    }
    return 0;
}

int model_from_json(const json_t *doc, struct model **ret_model, struct cf_error *reterr)
{
    int r = 0;
    struct model *m = NULL;
    if (!json_is_object(doc)) {
        r = config_error(reterr, "", "file must hold a JSON object");
        goto out;
    }
    const char *format = json_string_value(json_object_get(doc, "format"));
    if (!format || strcmp(format, MODEL_FORMAT)) {
        r = config_error(reterr, "format", "must be \"" MODEL_FORMAT "\"");
        goto out;
    }
    m = calloc(1, sizeof(*m));
    if (!m) {
        r = cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory loading the model");
        goto out;
    }
    struct loader ld = {.m = m};
    if ((r = walk(doc, "", &ld, reterr)) < 0)
        goto out;
    for (size_t i = 0; i < N_SCALAR_KEYS; i++) {
        if (!ld.seen_scalar[i]) {
            r = config_error(reterr, scalar_keys[i].path, "is missing");
            goto out;
        }
    }
    for (int s = 0; s < SPECIAL_COUNT; s++) {
        if (!ld.seen_special[s]) {
            r = config_error(reterr, special_paths[s], "is missing");
            goto out;
        }
    }
    if ((r = check_relations(m, reterr)) < 0)
        goto out;
    for (size_t k = 0; k < m->n_kinds; k++) {
        r = workload_check_preset(m->kinds[k].fields, m, reterr);
        if (r < 0) {
            char prefix[MODEL_PATH_LEN];
            snprintf(prefix, sizeof(prefix), "kinds.%s", m->kinds[k].name);
            cf_error_prefix_field(reterr, prefix);
            goto out;
        }
    }
    *ret_model = m;
    m = NULL;
out:
    model_free(m);
    return r;
}

void model_free(struct model *model)
{
    if (!model)
        return;
    for (size_t i = 0; i < model->n_kinds; i++)
        json_decref(model->kinds[i].fields);
    free(model);
}
