/*
 * workload.c - parses and validates one workload; see workload.h.
 *
 * Each field is looked up first in the request, then (for per-task fields) in the `kind`
 * preset. A value may be a JSON number or boolean, or the same thing written as a string, as
 * GET query strings deliver everything as strings. Derived values (memory from model_params_b,
 * the default vCPU) are computed after every given field has been read, and their source is
 * remembered so that the response can say how the input was understood.
 */
#include "computefit/workload.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "computefit/jsoniter.h"
#include "computefit/units.h"
#include "computefit/utf8.h"

#define FIELD_PATH_LEN 64

/* Echo of a user value in an error message (see units_quote); needs `char qbuf[QBUF_LEN]`. */
#define QBUF_LEN 28
#define Q(s)     (units_quote((s), qbuf, sizeof(qbuf)), qbuf)

/* Field flags. */
#define F_SETTING   1u /* account/team setting: given once per plan */
#define F_PRESET    2u /* may appear in a `kind` preset */
#define F_RATE_FORM 4u /* one of the mutually exclusive forms of the invocation rate */

struct field_def {
    const char *name;
    unsigned flags;
    double rate_hours; /* F_RATE_FORM aliases: hours per unit; 0 for `invocations` itself */
};

/* The rate aliases' hours are filled in at run time for "month" (model constant): -1 marks it. */
static const struct field_def field_defs[] = {
    {"name", 0, 0},
    {"kind", 0, 0},
    {"duration", F_PRESET, 0},
    {"memory", F_PRESET, 0},
    {"invocations", F_PRESET | F_RATE_FORM, 0},
    {"invocations_per_month", F_RATE_FORM, -1},
    {"invocations_per_day", F_RATE_FORM, 24},
    {"invocations_per_hour", F_RATE_FORM, 1},
    {"invocations_per_second", F_RATE_FORM, 1.0 / 3600},
    {"gpu", F_PRESET, 0},
    {"gpu_memory", F_PRESET, 0},
    {"model_params_b", F_PRESET, 0},
    {"precision", F_PRESET, 0},
    {"vcpu", F_PRESET, 0},
    {"trigger", F_PRESET, 0},
    {"latency_sensitive", F_PRESET, 0},
    {"interruptible", F_PRESET, 0},
    {"architecture", F_PRESET, 0},
    {"ephemeral_storage", F_PRESET, 0},
    {"latency_budget", F_PRESET, 0},
    {"init_duration", F_PRESET, 0},
    {"concurrency_per_task", F_PRESET, 0},
    {"front_door", F_PRESET, 0},
    {"network", F_PRESET, 0},
    {"egress_gb_per_month", F_PRESET, 0},
    {"log_bytes_per_invocation", F_PRESET, 0},
    {"log_retention_days", F_PRESET, 0},
    {"bytes_per_request", F_PRESET, 0},
    {"fargate", 0, 0},
    {"fargate.vcpu", 0, 0},
    {"fargate.memory", 0, 0},
    {"fargate.mode", 0, 0},
    {"fargate.tasks", 0, 0},
    {"fargate.startup", 0, 0},
    {"lambda", 0, 0},
    {"lambda.provisioned_concurrency", 0, 0},
    {"lambda.provisioned_hours", 0, 0},
    {"region", F_SETTING, 0},
    {"include_free_tier", F_SETTING, 0},
    {"team_engineers", F_SETTING, 0},
    {"engineer_hourly_usd", F_SETTING, 0},
    {"compute_only", F_SETTING, 0},
    {"commitment", F_SETTING, 0},
    {"commitment.plan", F_SETTING, 0},
    {"commitment.term_years", F_SETTING, 0},
    {"commitment.payment", F_SETTING, 0},
};

#define N_FIELDS (sizeof(field_defs) / sizeof(field_defs[0]))

static const char *const fargate_keys[] = {"vcpu", "memory", "mode", "tasks", "startup"};
#define N_FARGATE_KEYS (sizeof(fargate_keys) / sizeof(fargate_keys[0]))

static const char *const lambda_keys[] = {"provisioned_concurrency", "provisioned_hours"};
#define N_LAMBDA_KEYS (sizeof(lambda_keys) / sizeof(lambda_keys[0]))

static const char *const commitment_keys[] = {"plan", "term_years", "payment"};
#define N_COMMITMENT_KEYS (sizeof(commitment_keys) / sizeof(commitment_keys[0]))

/* A guard against typos: more warm environments than any account's raised quota. */
#define MAX_PROVISIONED 1000000

static const struct field_def *field_find(const char *name)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (!strcmp(field_defs[i].name, name))
            return &field_defs[i];
    return NULL;
}

static int unknown_field(struct cf_error *reterr, const char *key, const char *const *known,
                         size_t n_known, const char *prefix)
{
    const char *best = units_nearest(key, known, n_known);
    char field[FIELD_PATH_LEN];
    char quoted[40];
    units_quote(key, quoted, sizeof(quoted));
    snprintf(field, sizeof(field), "%s%s", prefix, quoted);
    if (best)
        return cf_error_set(reterr, CF_EUNKNOWN, field,
                            "unknown field \"%s\"; did you mean \"%s%s\"?", field, prefix, best);
    return cf_error_set(reterr, CF_EUNKNOWN, field,
                        "unknown field \"%s\"; see the API documentation for the workload fields",
                        field);
}

static int unknown_top_field(struct cf_error *reterr, const char *key);

bool workload_field_known(const char *name)
{
    return name && field_find(name) != NULL;
}

int workload_unknown_field(const char *key, struct cf_error *reterr)
{
    return unknown_top_field(reterr, key);
}

static int unknown_top_field(struct cf_error *reterr, const char *key)
{
    const char *names[N_FIELDS];
    for (size_t i = 0; i < N_FIELDS; i++)
        names[i] = field_defs[i].name;
    return unknown_field(reterr, key, names, N_FIELDS, "");
}

/* ---- typed readers: a JSON value or its string form ---- */

static int read_number(const json_t *v, const char *field, double *ret, struct cf_error *reterr)
{
    if (json_is_integer(v)) {
        *ret = (double)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d))
            return cf_error_set(reterr, CF_EINVAL, field, "%s must be a finite number", field);
        *ret = d;
        return 0;
    }
    if (json_is_string(v))
        return units_parse_number(json_string_value(v), field, ret, reterr);
    return cf_error_set(reterr, CF_EINVAL, field, "%s must be a number, not %s", field,
                        json_is_boolean(v) ? "a boolean"
                        : json_is_null(v)  ? "null"
                        : json_is_array(v) ? "an array"
                                           : "an object");
}

static int read_bool(const json_t *v, const char *field, bool *ret, struct cf_error *reterr)
{
    if (json_is_boolean(v)) {
        *ret = json_is_true(v);
        return 0;
    }
    if (json_is_string(v))
        return units_parse_bool(json_string_value(v), field, ret, reterr);
    return cf_error_set(reterr, CF_EINVAL, field, "%s must be true or false", field);
}

static int read_string(const json_t *v, const char *field, const char **ret,
                       struct cf_error *reterr)
{
    if (!json_is_string(v))
        return cf_error_set(reterr, CF_EINVAL, field, "%s must be a string", field);
    *ret = json_string_value(v);
    return 0;
}

/* A number with units: JSON numbers are in the field's base unit, strings go to `parse`.
 * UNIT_COUNT is a plain count ("1,000", "100k"), UNIT_BILLIONS one in billions ("7B"). */
enum unit_kind { UNIT_DURATION, UNIT_SIZE_MB, UNIT_SIZE_GB, UNIT_RATE, UNIT_COUNT, UNIT_BILLIONS };

static int read_with_unit(const json_t *v, enum unit_kind kind, const char *field,
                          const struct model *m, double *ret, struct cf_error *reterr)
{
    if (!json_is_string(v)) {
        int r = read_number(v, field, ret, reterr);
        if (r < 0)
            return r;
        if (kind == UNIT_SIZE_GB)
            *ret *= 1024;
        return 0;
    }
    const char *s = json_string_value(v);
    switch (kind) {
    case UNIT_DURATION:
        return units_parse_duration(s, field, ret, reterr);
    case UNIT_SIZE_MB:
        return units_parse_size_mb(s, 1, field, ret, reterr);
    case UNIT_SIZE_GB:
        return units_parse_size_mb(s, 1024, field, ret, reterr);
    case UNIT_COUNT:
        return units_parse_count(s, 1, field, ret, reterr);
    case UNIT_BILLIONS:
        return units_parse_count(s, 1e9, field, ret, reterr);
    default:
        return units_parse_rate(s, m->hours_per_month, field, ret, reterr);
    }
}

/* Checks lo < v <= hi (lo_inclusive: lo <= v). `unit` is for the message. */
static int check_range(double v, double lo, bool lo_inclusive, double hi, const char *field,
                       const char *unit, struct cf_error *reterr)
{
    if (lo_inclusive ? v < lo : v <= lo)
        return cf_error_set(reterr, CF_EINVAL, field, "%s must be %s %g%s, got %g%s", field,
                            lo_inclusive ? "at least" : "greater than", lo, unit, v, unit);
    if (v > hi)
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s of %g%s is beyond any real workload (at most %g%s); check the "
                            "value and its unit",
                            field, v, unit, hi, unit);
    return 0;
}

/* A duration from 0 to `max` seconds (a number of seconds, or a string with a unit). */
static int read_seconds(const json_t *v, const char *field, const struct model *m, double max,
                        double *ret, struct cf_error *reterr)
{
    int r = read_with_unit(v, UNIT_DURATION, field, m, ret, reterr);
    return r < 0 ? r : check_range(*ret, 0, true, max, field, " s", reterr);
}

static int read_integer(const json_t *v, const char *field, double lo, double hi, long *ret,
                        struct cf_error *reterr)
{
    double d = 0;
    int r = read_number(v, field, &d, reterr);
    if (r < 0)
        return r;
    if (d != floor(d))
        return cf_error_set(reterr, CF_EINVAL, field, "%s must be a whole number, got %g", field,
                            d);
    if ((r = check_range(d, lo, true, hi, field, "", reterr)) < 0)
        return r;
    *ret = (long)d;
    return 0;
}

/* ---- enums ---- */

#define ENUM_SPELLINGS 6 /* the most spellings of one value */

/* A value of an enum field and its spellings, matched in any case with the spaces around them
 * ignored. The first spelling is the value's name, the one answers and hints use. */
struct enum_value {
    int value;
    const char *words[ENUM_SPELLINGS]; /* NULL after the last */
};

#define ENUM_WORDS_MAX 32 /* spellings of the longest table */
#define ENUM_WORD_LEN  24 /* longer than any spelling */

static const struct enum_value arch_values[] = {
    {WORKLOAD_ARCH_X86_64, {"x86_64", "x86", "x86-64", "amd64", "x64"}},
    {WORKLOAD_ARCH_ARM64, {"arm64", "arm", "aarch64", "graviton"}},
    {WORKLOAD_ARCH_ANY, {"any"}},
};

static const struct enum_value precision_values[] = {
    {MODEL_PRECISION_FP32, {"fp32", "float32", "f32"}},
    {MODEL_PRECISION_FP16, {"fp16", "float16", "f16", "half"}},
    {MODEL_PRECISION_BF16, {"bf16", "bfloat16"}},
    {MODEL_PRECISION_FP8, {"fp8", "float8"}},
    {MODEL_PRECISION_INT8, {"int8", "8bit", "8-bit", "q8"}},
    {MODEL_PRECISION_INT4, {"int4", "4bit", "4-bit", "q4"}},
};

/* API Gateway is http; cron expressions are a schedule; Kinesis and DynamoDB Streams are
 * Lambda's stream event sources. */
static const struct enum_value trigger_values[] = {
    {MODEL_TRIGGER_HTTP, {"http", "api", "apigateway", "api_gateway"}},
    {MODEL_TRIGGER_S3, {"s3"}},
    {MODEL_TRIGGER_SNS, {"sns"}},
    {MODEL_TRIGGER_SQS, {"sqs"}},
    {MODEL_TRIGGER_EVENTBRIDGE, {"eventbridge"}},
    {MODEL_TRIGGER_SCHEDULE, {"schedule", "cron", "scheduled"}},
    {MODEL_TRIGGER_STREAM, {"stream", "kinesis", "dynamodb"}},
    {MODEL_TRIGGER_MANUAL, {"manual"}},
};

static const struct enum_value front_door_values[] = {
    {WORKLOAD_DOOR_AUTO, {"auto"}},
    {WORKLOAD_DOOR_NONE, {"none"}},
    {WORKLOAD_DOOR_FUNCTION_URL, {"function_url", "url", "lambda_url"}},
    {WORKLOAD_DOOR_API_GATEWAY_HTTP, {"api_gateway_http", "http_api"}},
    {WORKLOAD_DOOR_API_GATEWAY_REST, {"api_gateway_rest", "rest_api"}},
    {WORKLOAD_DOOR_ALB, {"alb", "load_balancer"}},
};

static const struct enum_value network_values[] = {
    {WORKLOAD_NET_PUBLIC_IPV4, {"public_ipv4", "ipv4", "public"}},
    {WORKLOAD_NET_NAT, {"nat", "nat_gateway"}},
    {WORKLOAD_NET_NONE, {"none"}},
};

static const struct enum_value fargate_mode_values[] = {
    {WORKLOAD_FARGATE_MODE_ALWAYS_ON, {"always_on"}},
    {WORKLOAD_FARGATE_MODE_PER_JOB, {"per_job"}},
};

/* Savings Plans: the names AWS's console and price list use ("All Upfront"), and short forms. */
static const struct enum_value sp_plan_values[] = {
    {CF_SP_COMPUTE, {"compute", "compute_savings_plan", "compute_sp"}},
    {CF_SP_EC2_INSTANCE, {"ec2_instance", "ec2", "ec2_instance_sp", "instance"}},
};

static const struct enum_value sp_payment_values[] = {
    {CF_SP_NO_UPFRONT, {"no_upfront", "no upfront", "no-upfront", "none"}},
    {CF_SP_PARTIAL_UPFRONT, {"partial_upfront", "partial upfront", "partial-upfront", "partial"}},
    {CF_SP_ALL_UPFRONT, {"all_upfront", "all upfront", "all-upfront", "all", "full_upfront"}},
};

/* Terms written as strings ("3", "3y", "3 years"); numbers are read as numbers. */
static const struct enum_value sp_term_values[] = {
    {1, {"1", "1y", "1yr", "1 year", "one"}},
    {3, {"3", "3y", "3yr", "3 years", "three"}},
};

#define ENUM_TABLE(t) (t), sizeof(t) / sizeof((t)[0])

/* Appends a and b to the text in buf (size bytes, *off used), cutting what does not fit. */
static void append(char *buf, size_t size, size_t *off, const char *a, const char *b)
{
    int n = *off < size ? snprintf(buf + *off, size - *off, "%s%s", a, b) : 0;
    if (n > 0)
        *off = *off + (size_t)n < size ? *off + (size_t)n : size - 1;
}

/* Writes the spellings of `values` into buf: "x86_64 (also x86, amd64), arm64 or any". */
static void describe_enum(const struct enum_value *values, size_t n, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        append(buf, size, &off, i == 0 ? "" : i + 1 == n ? " or " : ", ", values[i].words[0]);
        for (size_t j = 1; j < ENUM_SPELLINGS && values[i].words[j]; j++)
            append(buf, size, &off, j == 1 ? " (also " : ", ", values[i].words[j]);
        if (values[i].words[1])
            append(buf, size, &off, ")", "");
    }
}

/* Finds `word` among the spellings of `values` (any case). Returns true and sets *ret_value, or
 * returns false and sets *ret_near (may be NULL) to the name of the value with the closest
 * spelling, NULL when none is close. */
static bool enum_lookup(const struct enum_value *values, size_t n, const char *word, int *ret_value,
                        const char **ret_near)
{
    for (size_t i = 0; word[0] && i < n; i++) {
        for (size_t j = 0; j < ENUM_SPELLINGS && values[i].words[j]; j++) {
            if (!strcasecmp(word, values[i].words[j])) {
                *ret_value = values[i].value;
                return true;
            }
        }
    }
    if (!ret_near)
        return false;
    const char *names[ENUM_WORDS_MAX] = {NULL};
    size_t owner[ENUM_WORDS_MAX], k = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < ENUM_SPELLINGS && values[i].words[j] && k < ENUM_WORDS_MAX; j++) {
            owner[k] = i;
            names[k++] = values[i].words[j];
        }
    }
    const char *near = units_nearest(word, names, k);
    for (size_t i = 0; near && i < k; i++) {
        if (names[i] == near) {
            near = values[owner[i]].words[0];
            break;
        }
    }
    *ret_near = near;
    return false;
}

/* Reads an enum field written as one of the spellings of `values`. A refusal lists them all
 * and, when one is close, suggests its value's name. */
static int read_enum(const json_t *v, const char *field, const struct enum_value *values, size_t n,
                     int *ret, struct cf_error *reterr)
{
    char qbuf[QBUF_LEN];
    const char *s = NULL;
    int r = read_string(v, field, &s, reterr);
    if (r < 0)
        return r;
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strlen(p);
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    char word[ENUM_WORD_LEN] = "";
    if (len < sizeof(word)) {
        memcpy(word, p, len);
        word[len] = '\0';
    }
    const char *near = NULL;
    if (enum_lookup(values, n, word, ret, &near))
        return 0;
    char list[256];
    describe_enum(values, n, list, sizeof(list));
    return cf_error_set(reterr, CF_EINVAL, field, "%s must be %s, in any case, got \"%s\"%s%s%s",
                        field, list, Q(s), near ? "; did you mean \"" : "", near ? near : "",
                        near ? "\"?" : "");
}

/* The enum fields whose spellings other grammars look words up in (workload_enum_word). */
static const struct {
    const char *field;
    const struct enum_value *values;
    size_t n;
} enum_fields[] = {
    {"trigger", ENUM_TABLE(trigger_values)},     {"architecture", ENUM_TABLE(arch_values)},
    {"precision", ENUM_TABLE(precision_values)}, {"front_door", ENUM_TABLE(front_door_values)},
    {"network", ENUM_TABLE(network_values)},
};

const char *workload_enum_word(const char *field, const char *word, const char **ret_near)
{
    if (ret_near)
        *ret_near = NULL;
    for (size_t i = 0; i < sizeof(enum_fields) / sizeof(enum_fields[0]); i++) {
        if (strcmp(enum_fields[i].field, field) != 0)
            continue;
        const struct enum_value *values = enum_fields[i].values;
        int value = 0;
        if (!enum_lookup(values, enum_fields[i].n, word, &value, ret_near))
            return NULL;
        for (size_t j = 0; j < enum_fields[i].n; j++)
            if (values[j].value == value)
                return values[j].words[0];
    }
    return NULL;
}

/* ---- settings ---- */

static int read_region(const json_t *v, char region[CF_REGION_LEN], struct cf_error *reterr)
{
    char qbuf[QBUF_LEN];
    const char *s = NULL;
    int r = read_string(v, "region", &s, reterr);
    if (r < 0)
        return r;
    size_t n = strlen(s);
    bool ok = n > 0 && n < CF_REGION_LEN;
    for (size_t i = 0; ok && i < n; i++)
        ok = islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-';
    if (!ok)
        return cf_error_set(reterr, CF_EINVAL, "region",
                            "region must be an AWS region code such as \"us-east-1\", got "
                            "\"%s\"",
                            Q(s));
    memcpy(region, s, n + 1);
    return 0;
}

static int parse_commitment(const json_t *obj, const struct model *m,
                            struct workload_commitment *ret, struct cf_error *reterr);

int workload_parse_settings(const json_t *obj, const struct model *model,
                            struct workload_settings *ret_settings, struct cf_error *reterr)
{
    struct workload_settings s = {.region = "us-east-1"};
    const json_t *v;
    int r;
    if ((v = json_object_get(obj, "region")) && (r = read_region(v, s.region, reterr)) < 0)
        return r;
    if ((v = json_object_get(obj, "include_free_tier")) &&
        (r = read_bool(v, "include_free_tier", &s.include_free_tier, reterr)) < 0)
        return r;
    if ((v = json_object_get(obj, "team_engineers"))) {
        long n = 0;
        if ((r = read_integer(v, "team_engineers", 1, model->limits.max_team_engineers, &n,
                              reterr)) < 0)
            return r;
        s.team_engineers = (int)n;
    }
    if ((v = json_object_get(obj, "engineer_hourly_usd"))) {
        double d = 0;
        if ((r = read_number(v, "engineer_hourly_usd", &d, reterr)) < 0 ||
            (r = check_range(d, 0, false, model->limits.max_engineer_hourly_usd,
                             "engineer_hourly_usd", " USD", reterr)) < 0)
            return r;
        s.engineer_hourly_usd = d;
    }
    if ((v = json_object_get(obj, "compute_only")) &&
        (r = read_bool(v, "compute_only", &s.compute_only, reterr)) < 0)
        return r;
    if ((r = parse_commitment(obj, model, &s.commitment, reterr)) < 0)
        return r;
    *ret_settings = s;
    return 0;
}

/* ---- the parser ---- */

struct parse_ctx {
    const json_t *obj;    /* the request's object */
    const json_t *preset; /* the kind's fields, or NULL */
    const struct model *m;
    bool preset_check; /* checking a preset at model load: nothing is required */
};

/* Returns the value of a per-task field and where it came from, or NULL. */
static const json_t *get(const struct parse_ctx *c, const char *name,
                         enum workload_source *ret_from)
{
    const json_t *v = json_object_get(c->obj, name);
    if (v) {
        if (ret_from)
            *ret_from = WORKLOAD_FROM_REQUEST;
        return v;
    }
    if (c->preset && (v = json_object_get(c->preset, name))) {
        if (ret_from)
            *ret_from = WORKLOAD_FROM_KIND;
        return v;
    }
    return NULL;
}

static int check_keys(const struct parse_ctx *c, bool in_plan, struct cf_error *reterr)
{
    const char *key;
    const json_t *v;
    jsoniter_object_foreach(c->obj, key, v)
    {
        const struct field_def *f = field_find(key);
        if (!f)
            return unknown_top_field(reterr, key);
        if (c->preset_check && !(f->flags & F_PRESET))
            return cf_error_set(reterr, CF_EINVAL, key, "%s cannot be set by a kind preset", key);
        if (in_plan && (f->flags & F_SETTING))
            return cf_error_set(reterr, CF_EINVAL, key,
                                "%s is set once for the whole plan: put it next to \"tasks\"", key);
    }
    return 0;
}

static int parse_invocations(const struct parse_ctx *c, struct workload *w, struct cf_error *reterr)
{
    const struct field_def *given = NULL;
    for (size_t i = 0; i < N_FIELDS; i++) {
        const struct field_def *f = &field_defs[i];
        if (!(f->flags & F_RATE_FORM) || !json_object_get(c->obj, f->name))
            continue;
        if (given)
            return cf_error_set(reterr, CF_EINVAL, f->name,
                                "give the invocation rate once: %s and %s were both given",
                                given->name, f->name);
        given = f;
    }
    const json_t *v = NULL;
    const char *field = "invocations";
    double hours = 0;
    w->invocations_from = WORKLOAD_FROM_REQUEST;
    if (given) {
        v = json_object_get(c->obj, given->name);
        field = given->name;
        hours = given->rate_hours < 0 ? c->m->hours_per_month : given->rate_hours;
    } else if (c->preset && (v = json_object_get(c->preset, "invocations"))) {
        w->invocations_from = WORKLOAD_FROM_KIND;
    }
    if (!v) {
        if (c->preset_check)
            return 0;
        return cf_error_set(reterr, CF_EMISSING, "invocations",
                            "invocations is required: how often the task runs, e.g. 10000 (per "
                            "month) or \"500/day\"");
    }
    double per_month = 0;
    int r;
    if (hours > 0) { /* invocations_per_<unit>: a count per that unit */
        double n = 0;
        if ((r = read_with_unit(v, UNIT_COUNT, field, c->m, &n, reterr)) < 0)
            return r;
        per_month = n * (c->m->hours_per_month / hours);
    } else if ((r = read_with_unit(v, UNIT_RATE, field, c->m, &per_month, reterr)) < 0) {
        return r;
    }
    if ((r = check_range(per_month, 0, false, c->m->limits.max_invocations_per_month, field,
                         " per month", reterr)) < 0)
        return r;
    w->invocations_per_month = per_month;
    return 0;
}

/* Size of a model's weights with the model's overhead, in MB. */
static double model_size_mb(const struct model *m, double params_b, enum model_precision p)
{
    return params_b * 1e9 * m->size.precision_bytes[p] * m->size.overhead_factor / (1024.0 * 1024);
}

/* Checks a size derived from model_params_b against its limit, blaming model_params_b. */
static int check_derived(const struct workload *w, double gb, double max_gb, const char *what,
                         struct cf_error *reterr)
{
    if (gb <= max_gb)
        return 0;
    return cf_error_set(reterr, CF_EINVAL, "model_params_b",
                        "model_params_b of %g billion in %s needs %.4g GB of %s memory, beyond "
                        "any real workload (at most %g GB); check the value",
                        w->model_params_b, model_precision_name(w->precision), gb, what, max_gb);
}

static int parse_model_size(const struct parse_ctx *c, struct workload *w,
                            enum workload_source *ret_params_from, struct cf_error *reterr)
{
    int r;
    const json_t *v = get(c, "model_params_b", ret_params_from);
    enum workload_source pfrom;
    const json_t *p = get(c, "precision", &pfrom);
    w->precision = c->m->size.default_precision;
    if (!v) {
        if (p && pfrom == WORKLOAD_FROM_REQUEST)
            return cf_error_set(reterr, CF_EINVAL, "precision",
                                "precision only applies together with model_params_b");
        return 0;
    }
    r = read_with_unit(v, UNIT_BILLIONS, "model_params_b", c->m, &w->model_params_b, reterr);
    if (r < 0 || (r = check_range(w->model_params_b, 0, false, c->m->limits.max_model_params_b,
                                  "model_params_b", " billion parameters", reterr)) < 0)
        return r;
    int precision = w->precision;
    if (p && (r = read_enum(p, "precision", ENUM_TABLE(precision_values), &precision, reterr)) < 0)
        return r;
    w->precision = (enum model_precision)precision;
    return 0;
}

static int parse_gpu(const struct parse_ctx *c, struct workload *w,
                     enum workload_source params_from, struct cf_error *reterr)
{
    int r;
    enum workload_source gfrom = WORKLOAD_FROM_DEFAULT, mfrom = WORKLOAD_FROM_DEFAULT;
    const json_t *g = get(c, "gpu", &gfrom);
    const json_t *gm = get(c, "gpu_memory", &mfrom);
    bool gpu = false;
    if (g && (r = read_bool(g, "gpu", &gpu, reterr)) < 0)
        return r;
    if (g && gfrom == WORKLOAD_FROM_REQUEST && !gpu && gm) {
        if (mfrom == WORKLOAD_FROM_REQUEST)
            return cf_error_set(reterr, CF_EINVAL, "gpu_memory",
                                "gpu is false but gpu_memory is set: drop one of them");
        gm = NULL; /* an explicit "no GPU" beats the preset's GPU memory */
    }
    if (gm)
        gpu = true; /* gpu_memory implies gpu */
    w->gpu = gpu;
    w->cpu_only = g && !gpu;
    if (!gpu)
        return 0;
    /* Explicit GPU memory, else the model's size from the request, else the preset's value,
     * else the model's size from the preset; none means any GPU will do. */
    bool use_params = w->model_params_b > 0 && (params_from == WORKLOAD_FROM_REQUEST || !gm) &&
                      !(gm && mfrom == WORKLOAD_FROM_REQUEST);
    if (use_params) {
        w->gpu_memory_gb = model_size_mb(c->m, w->model_params_b, w->precision) / 1024;
        w->gpu_memory_from = WORKLOAD_FROM_MODEL_PARAMS;
    } else if (gm) {
        double mb = 0;
        if ((r = read_with_unit(gm, UNIT_SIZE_GB, "gpu_memory", c->m, &mb, reterr)) < 0)
            return r;
        w->gpu_memory_gb = mb / 1024;
        w->gpu_memory_from = mfrom;
    }
    if (w->gpu_memory_from == WORKLOAD_FROM_MODEL_PARAMS)
        return check_derived(w, w->gpu_memory_gb, c->m->limits.max_gpu_memory_gb, "GPU", reterr);
    if (w->gpu_memory_from != WORKLOAD_FROM_DEFAULT)
        return check_range(w->gpu_memory_gb, 0, false, c->m->limits.max_gpu_memory_gb, "gpu_memory",
                           " GB", reterr);
    return 0;
}

static int parse_memory(const struct parse_ctx *c, struct workload *w,
                        enum workload_source params_from, struct cf_error *reterr)
{
    enum workload_source from = WORKLOAD_FROM_DEFAULT;
    const json_t *v = get(c, "memory", &from);
    int r;
    if (w->model_params_b > 0) {
        w->model_memory_mb = model_size_mb(c->m, w->model_params_b, w->precision);
        if ((r = check_derived(w, w->model_memory_mb / 1024, c->m->limits.max_memory_mb / 1024,
                               "host", reterr)) < 0)
            return r;
    }
    if (w->model_params_b > 0 && (params_from == WORKLOAD_FROM_REQUEST || !v) &&
        !(v && from == WORKLOAD_FROM_REQUEST)) {
        /* The weights pass through host memory on their way to a GPU, so they size it too. */
        w->memory_mb = w->model_memory_mb;
        w->memory_from = WORKLOAD_FROM_MODEL_PARAMS;
    } else if (v) {
        if ((r = read_with_unit(v, UNIT_SIZE_MB, "memory", c->m, &w->memory_mb, reterr)) < 0)
            return r;
        w->memory_from = from;
    } else if (c->preset_check) {
        return 0;
    } else {
        return cf_error_set(reterr, CF_EMISSING, "memory",
                            "memory is required: give it in MB (2048) or with a unit (\"2GB\"), "
                            "or give model_params_b or a kind");
    }
    if (w->memory_from == WORKLOAD_FROM_MODEL_PARAMS)
        return 0; /* checked above */
    return check_range(w->memory_mb, 0, false, c->m->limits.max_memory_mb, "memory", " MB", reterr);
}

/* Writes the valid memory sizes of `vcpu` ("0.5, 1 or 2 GB", "8 to 30 GB") into buf. */
static void describe_memory(const struct model *m, double vcpu, char *buf, size_t size)
{
    double lo = -1, hi = -1;
    size_t n = 0;
    for (size_t i = 0; i < m->fargate.n_pairs; i++) {
        if (m->fargate.pairs[i].vcpu != vcpu)
            continue;
        if (lo < 0)
            lo = m->fargate.pairs[i].memory_gb;
        hi = m->fargate.pairs[i].memory_gb;
        n++;
    }
    if (n <= 4) {
        size_t off = 0;
        buf[0] = '\0';
        size_t k = 0;
        for (size_t i = 0; i < m->fargate.n_pairs && off < size; i++) {
            if (m->fargate.pairs[i].vcpu != vcpu)
                continue;
            k++;
            int w = snprintf(buf + off, size - off, "%s%g",
                             k == 1   ? ""
                             : k == n ? " or "
                                      : ", ",
                             m->fargate.pairs[i].memory_gb);
            off += w > 0 ? (size_t)w : 0;
        }
        if (off < size)
            snprintf(buf + off, size - off, " GB");
    } else {
        snprintf(buf, size, "%g to %g GB in Fargate's steps", lo, hi);
    }
}

static bool is_fargate_vcpu(const struct model *m, double vcpu)
{
    for (size_t i = 0; i < m->fargate.n_pairs; i++)
        if (m->fargate.pairs[i].vcpu == vcpu)
            return true;
    return false;
}

static bool is_fargate_pair(const struct model *m, double vcpu, double memory_gb)
{
    for (size_t i = 0; i < m->fargate.n_pairs; i++)
        if (m->fargate.pairs[i].vcpu == vcpu &&
            fabs(m->fargate.pairs[i].memory_gb - memory_gb) < 1e-9)
            return true;
    return false;
}

/* Returns the value of key `k` of the pin object `group` ("fargate", "lambda"), or its
 * top-level alias "group.k". */
static int pin_get(const struct parse_ctx *c, const char *group, const char *k, const json_t **ret,
                   struct cf_error *reterr)
{
    char alias[FIELD_PATH_LEN];
    snprintf(alias, sizeof(alias), "%s.%s", group, k); /* short names: always fits */
    const json_t *nested = json_object_get(json_object_get(c->obj, group), k);
    const json_t *flat = json_object_get(c->obj, alias);
    if (nested && flat)
        return cf_error_set(reterr, CF_EINVAL, alias,
                            "%s is given twice, in \"%s\" and as \"%s\": give it once", alias,
                            group, alias);
    *ret = nested ? nested : flat;
    return 0;
}

/* Checks the pin object `group`, when given: an object of known keys. */
static int check_pin(const struct parse_ctx *c, const char *group, const char *const keys[],
                     size_t n, const char *example, struct cf_error *reterr)
{
    const json_t *obj = json_object_get(c->obj, group);
    if (!obj)
        return 0;
    if (!json_is_object(obj))
        return cf_error_set(reterr, CF_EINVAL, group, "%s must be an object such as %s", group,
                            example);
    char prefix[FIELD_PATH_LEN];
    snprintf(prefix, sizeof(prefix), "%s.", group);
    const char *key;
    const json_t *x;
    jsoniter_object_foreach(obj, key, x)
    {
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known = known || !strcmp(key, keys[i]);
        if (!known)
            return unknown_field(reterr, key, keys, n, prefix);
    }
    return 0;
}

static int parse_fargate(const struct parse_ctx *c, struct workload *w, struct cf_error *reterr)
{
    const json_t *v[N_FARGATE_KEYS];
    int r = check_pin(c, "fargate", fargate_keys, N_FARGATE_KEYS,
                      "{\"vcpu\": 0.25, \"memory\": \"0.5GB\", \"mode\": \"always_on\"}", reterr);
    if (r < 0)
        return r;
    for (size_t i = 0; i < N_FARGATE_KEYS; i++)
        if ((r = pin_get(c, "fargate", fargate_keys[i], &v[i], reterr)) < 0)
            return r;
    const json_t *vcpu = v[0], *memory = v[1], *mode = v[2], *tasks = v[3], *startup = v[4];
    const struct model *m = c->m;
    struct workload_fargate *f = &w->fargate;
    double vc = 0, gb = 0;
    if (vcpu) {
        if ((r = read_number(vcpu, "fargate.vcpu", &vc, reterr)) < 0)
            return r;
        if (!is_fargate_vcpu(m, vc)) {
            char list[128] = "";
            size_t off = 0;
            for (size_t i = 0; i < m->fargate.n_pairs && off < sizeof(list); i++) {
                if (i && m->fargate.pairs[i].vcpu == m->fargate.pairs[i - 1].vcpu)
                    continue;
                int n = snprintf(list + off, sizeof(list) - off, "%s%g", off ? ", " : "",
                                 m->fargate.pairs[i].vcpu);
                off += n > 0 ? (size_t)n : 0;
            }
            return cf_error_set(reterr, CF_EINVAL, "fargate.vcpu",
                                "fargate.vcpu must be one of Fargate's sizes (%s), got %g", list,
                                vc);
        }
    }
    if (memory) {
        double mb = 0;
        if ((r = read_with_unit(memory, UNIT_SIZE_MB, "fargate.memory", m, &mb, reterr)) < 0)
            return r;
        gb = mb / 1024;
        if (vcpu && !is_fargate_pair(m, vc, gb)) {
            char valid[96];
            describe_memory(m, vc, valid, sizeof(valid));
            return cf_error_set(reterr, CF_EINVAL, "fargate.memory",
                                "fargate.memory of %g GB is not valid with %g vCPU, which takes "
                                "%s",
                                gb, vc, valid);
        }
        if (!vcpu) {
            /* The smallest vCPU that takes this memory and covers the task's CPU, else the
             * smallest that takes it at all. */
            double any = 0;
            for (size_t i = 0; i < m->fargate.n_pairs; i++) {
                const struct model_fargate_pair *p = &m->fargate.pairs[i];
                if (fabs(p->memory_gb - gb) >= 1e-9)
                    continue;
                if (!any)
                    any = p->vcpu;
                if (!vc && p->vcpu >= w->vcpu - 1e-9)
                    vc = p->vcpu;
            }
            if (!any)
                return cf_error_set(reterr, CF_EINVAL, "fargate.memory",
                                    "fargate.memory of %g GB is not a Fargate size: use 0.5, 1 or "
                                    "2 GB, or whole GB up to 30, then 4 GB steps to 60 and 8 GB "
                                    "steps to 120",
                                    gb);
            if (!vc)
                vc = any;
        }
    } else if (vcpu) {
        /* The smallest memory for this vCPU that holds the task, else the largest. */
        for (size_t i = 0; i < m->fargate.n_pairs; i++) {
            const struct model_fargate_pair *p = &m->fargate.pairs[i];
            if (p->vcpu != vc)
                continue;
            gb = p->memory_gb;
            if (p->memory_gb * 1024 >= w->memory_mb - 1e-9)
                break;
        }
    }
    if (vcpu || memory) {
        f->pinned = true;
        f->vcpu = vc;
        f->memory_gb = gb;
    }
    if (mode) {
        int value = 0;
        r = read_enum(mode, "fargate.mode", ENUM_TABLE(fargate_mode_values), &value, reterr);
        if (r < 0)
            return r;
        f->mode = (enum workload_fargate_mode)value;
    }
    if (tasks) {
        if ((r = read_integer(tasks, "fargate.tasks", 1, m->limits.max_fargate_tasks, &f->tasks,
                              reterr)) < 0)
            return r;
        if (f->mode == WORKLOAD_FARGATE_MODE_PER_JOB)
            return cf_error_set(reterr, CF_EINVAL, "fargate.tasks",
                                "fargate.tasks counts always-on tasks; per_job runs one task per "
                                "invocation");
        f->mode = WORKLOAD_FARGATE_MODE_ALWAYS_ON;
    }
    f->startup_s = m->fargate.startup_s;
    if (startup) {
        if ((r = read_seconds(startup, "fargate.startup", m, m->limits.max_startup_s, &f->startup_s,
                              reterr)) < 0)
            return r;
        f->startup_given = true;
    }
    return 0;
}

/* The `lambda` pin: provisioned concurrency kept for some hours of the month. */
static int parse_lambda(const struct parse_ctx *c, struct workload *w, struct cf_error *reterr)
{
    const json_t *pc = NULL, *hours = NULL;
    int r = check_pin(c, "lambda", lambda_keys, N_LAMBDA_KEYS,
                      "{\"provisioned_concurrency\": 7, \"provisioned_hours\": 24}", reterr);
    if (r < 0 || (r = pin_get(c, "lambda", "provisioned_concurrency", &pc, reterr)) < 0 ||
        (r = pin_get(c, "lambda", "provisioned_hours", &hours, reterr)) < 0)
        return r;
    w->lambda.provisioned_hours = c->m->hours_per_month;
    if (hours && !pc)
        return cf_error_set(reterr, CF_EINVAL, "lambda.provisioned_hours",
                            "lambda.provisioned_hours needs lambda.provisioned_concurrency: how "
                            "many environments to keep warm for those hours");
    if (pc && (r = read_integer(pc, "lambda.provisioned_concurrency", 1, MAX_PROVISIONED,
                                &w->lambda.provisioned, reterr)) < 0)
        return r;
    if (hours && ((r = read_number(hours, "lambda.provisioned_hours", &w->lambda.provisioned_hours,
                                   reterr)) < 0 ||
                  (r = check_range(w->lambda.provisioned_hours, 0, false, c->m->hours_per_month,
                                   "lambda.provisioned_hours", " hours a month", reterr)) < 0))
        return r;
    return 0;
}

/* The `commitment` setting: a Savings Plan's type, term and payment option, all three given
 * (each changes the price a great deal, so none is guessed). */
static int parse_commitment(const json_t *obj, const struct model *m,
                            struct workload_commitment *ret, struct cf_error *reterr)
{
    struct parse_ctx c = {.obj = obj, .m = m};
    const json_t *v[N_COMMITMENT_KEYS];
    int r = check_pin(&c, "commitment", commitment_keys, N_COMMITMENT_KEYS,
                      "{\"plan\": \"compute\", \"term_years\": 1, \"payment\": \"no_upfront\"}",
                      reterr);
    if (r < 0)
        return r;
    bool any = json_object_get(obj, "commitment") != NULL;
    for (size_t i = 0; i < N_COMMITMENT_KEYS; i++) {
        if ((r = pin_get(&c, "commitment", commitment_keys[i], &v[i], reterr)) < 0)
            return r;
        any = any || v[i];
    }
    if (!any)
        return 0;
    for (size_t i = 0; i < N_COMMITMENT_KEYS; i++) {
        if (v[i])
            continue;
        char field[FIELD_PATH_LEN];
        snprintf(field, sizeof(field), "commitment.%s", commitment_keys[i]);
        return cf_error_set(reterr, CF_EMISSING, field,
                            "%s is required with a commitment: give plan (compute or "
                            "ec2_instance), term_years (1 or 3) and payment (no_upfront, "
                            "partial_upfront or all_upfront)",
                            field);
    }
    struct workload_commitment out = {.given = true};
    int plan = 0, payment = 0, term = 0;
    if ((r = read_enum(v[0], "commitment.plan", ENUM_TABLE(sp_plan_values), &plan, reterr)) < 0)
        return r;
    if (json_is_number(v[1])) {
        double d = json_number_value(v[1]);
        if (d != 1 && d != 3)
            return cf_error_set(reterr, CF_EINVAL, "commitment.term_years",
                                "commitment.term_years must be 1 or 3 (years: the terms AWS "
                                "sells), got %g",
                                d);
        term = (int)d;
    } else if (!json_is_string(v[1])) {
        return cf_error_set(reterr, CF_EINVAL, "commitment.term_years",
                            "commitment.term_years must be 1 or 3 (years)");
    } else if ((r = read_enum(v[1], "commitment.term_years", ENUM_TABLE(sp_term_values), &term,
                              reterr)) < 0) {
        return r;
    }
    if ((r = read_enum(v[2], "commitment.payment", ENUM_TABLE(sp_payment_values), &payment,
                       reterr)) < 0)
        return r;
    out.plan = (enum cf_sp_plan)plan;
    out.term_years = term;
    out.payment = (enum cf_sp_payment)payment;
    *ret = out;
    return 0;
}

/* latency_budget (latency_sensitive gives it a default), init_duration and
 * concurrency_per_task. */
static int parse_latency(const struct parse_ctx *c, struct workload *w, struct cf_error *reterr)
{
    const struct model *m = c->m;
    enum workload_source from = WORKLOAD_FROM_DEFAULT, sfrom = WORKLOAD_FROM_DEFAULT;
    const json_t *v = get(c, "latency_budget", &from);
    int r;
    w->latency_budget_s = (double)INFINITY;
    if (v) {
        if (get(c, "latency_sensitive", &sfrom) && sfrom == WORKLOAD_FROM_REQUEST &&
            from == WORKLOAD_FROM_REQUEST && !w->latency_sensitive)
            return cf_error_set(reterr, CF_EINVAL, "latency_budget",
                                "latency_budget is set but latency_sensitive is false: a budget "
                                "means someone waits; drop one of them");
        if ((r = read_seconds(v, "latency_budget", m, m->limits.max_duration_s,
                              &w->latency_budget_s, reterr)) < 0)
            return r;
        w->latency_budget_from = from;
        w->latency_sensitive = true;
    } else if (w->latency_sensitive) {
        w->latency_budget_s = m->rules.latency_budget_s;
    }
    w->init_duration_s = m->lambda.init_duration_s;
    if ((v = get(c, "init_duration", &from))) {
        if ((r = read_seconds(v, "init_duration", m, m->lambda.max_init_s, &w->init_duration_s,
                              reterr)) < 0)
            return r;
        w->init_duration_from = from;
    }
    w->concurrency_per_task = m->capacity.concurrency_per_task;
    if ((v = get(c, "concurrency_per_task", &from))) {
        long n = 0;
        if ((r = read_integer(v, "concurrency_per_task", 1, m->limits.max_fargate_tasks, &n,
                              reterr)) < 0)
            return r;
        w->concurrency_per_task = (double)n;
        w->concurrency_from = from;
    }
    return 0;
}

/* CloudWatch Logs' retention settings, in days (PutRetentionPolicy's retentionInDays,
 * docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html,
 * 2026-12). "Never expire" is not among them: storage would grow without bound. */
static const int retention_days[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                                     365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

bool workload_retention_valid(double days)
{
    for (size_t i = 0; i < sizeof(retention_days) / sizeof(retention_days[0]); i++)
        if (days == retention_days[i])
            return true;
    return false;
}

/* A byte count: a JSON number of bytes, or a size string ("2KB", "1.5 MB"; a bare number is
 * bytes), from 0 to `max` bytes. */
static int read_bytes(const json_t *v, const char *field, double max, double *ret,
                      struct cf_error *reterr)
{
    int r;
    if (json_is_string(v)) {
        double mb = 0;
        if ((r = units_parse_size_mb(json_string_value(v), 1.0 / 1048576, field, &mb, reterr)) < 0)
            return r;
        *ret = mb * 1048576;
    } else if ((r = read_number(v, field, ret, reterr)) < 0) {
        return r;
    }
    return check_range(*ret, 0, true, max, field, " bytes", reterr);
}

/* front_door, network, egress, logs and request sizes. An HTTP front door asked for implies
 * an HTTP trigger; with another trigger it is a contradiction. */
static int parse_bill(const struct parse_ctx *c, struct workload *w, struct cf_error *reterr)
{
    const struct model *m = c->m;
    struct workload_bill b = {
        .log_bytes_per_invocation = m->bill.log_bytes_per_invocation,
        .log_retention_days = (int)m->bill.log_retention_days,
        .bytes_per_request = m->bill.bytes_per_request,
    };
    const json_t *v;
    int r, e;
    if ((v = get(c, "front_door", NULL))) {
        e = 0;
        if ((r = read_enum(v, "front_door", ENUM_TABLE(front_door_values), &e, reterr)) < 0)
            return r;
        b.front_door = (enum workload_front_door)e;
        if (b.front_door != WORKLOAD_DOOR_AUTO && b.front_door != WORKLOAD_DOOR_NONE) {
            if (w->trigger == MODEL_TRIGGER_NONE)
                w->trigger = MODEL_TRIGGER_HTTP;
            else if (w->trigger != MODEL_TRIGGER_HTTP)
                return cf_error_set(reterr, CF_EINVAL, "front_door",
                                    "front_door \"%s\" serves HTTP requests, but the trigger is "
                                    "\"%s\", which needs no front door: drop front_door or set "
                                    "trigger to \"http\"",
                                    workload_front_door_name(b.front_door),
                                    model_trigger_name(w->trigger));
        }
    }
    if ((v = get(c, "network", NULL))) {
        e = 0;
        if ((r = read_enum(v, "network", ENUM_TABLE(network_values), &e, reterr)) < 0)
            return r;
        b.network = (enum workload_network)e;
    }
    if ((v = get(c, "egress_gb_per_month", NULL))) {
        double mb = 0;
        if ((r = read_with_unit(v, UNIT_SIZE_GB, "egress_gb_per_month", m, &mb, reterr)) < 0 ||
            (r = check_range(mb / 1024, 0, true, m->limits.max_egress_gb_per_month,
                             "egress_gb_per_month", " GB", reterr)) < 0)
            return r;
        b.egress_gb_per_month = mb / 1024;
    }
    if ((v = get(c, "log_bytes_per_invocation", NULL)) &&
        (r = read_bytes(v, "log_bytes_per_invocation", m->limits.max_bytes_per_invocation,
                        &b.log_bytes_per_invocation, reterr)) < 0)
        return r;
    if ((v = get(c, "bytes_per_request", NULL)) &&
        (r = read_bytes(v, "bytes_per_request", m->limits.max_bytes_per_invocation,
                        &b.bytes_per_request, reterr)) < 0)
        return r;
    if ((v = get(c, "log_retention_days", NULL))) {
        double d = 0;
        if ((r = read_number(v, "log_retention_days", &d, reterr)) < 0)
            return r;
        if (!workload_retention_valid(d))
            return cf_error_set(reterr, CF_EINVAL, "log_retention_days",
                                "log_retention_days must be one of CloudWatch Logs' retention "
                                "settings: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, "
                                "545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 (days), "
                                "got %g",
                                d);
        b.log_retention_days = (int)d;
    }
    w->bill = b;
    return 0;
}

static int parse(const struct parse_ctx *c, const struct workload_settings *plan,
                 struct workload *ret, struct cf_error *reterr)
{
    struct workload w = {0};
    const struct model *m = c->m;
    const json_t *v;
    enum workload_source from;
    int r;

    if ((r = check_keys(c, plan != NULL, reterr)) < 0)
        return r;
    if (plan)
        w.settings = *plan;
    else if (!c->preset_check && (r = workload_parse_settings(c->obj, m, &w.settings, reterr)) < 0)
        return r;

    if ((v = json_object_get(c->obj, "name"))) {
        const char *s = NULL;
        if ((r = read_string(v, "name", &s, reterr)) < 0)
            return r;
        if (!*s || strlen(s) >= sizeof(w.name))
            return cf_error_set(reterr, CF_EINVAL, "name", "name must be 1 to %zu characters long",
                                sizeof(w.name) - 1);
        /* The name is echoed into answers, including the at most six lines of text that bots
         * post as they are: a line break or other control character would add lines to them. */
        for (const char *p = s; *p; p++)
            if (utf8_is_control((unsigned char)*p))
                return cf_error_set(reterr, CF_EINVAL, "name",
                                    "name must be one line of text, without line breaks, tabs "
                                    "or other control characters");
        strcpy(w.name, s);
    }
    if ((v = get(c, "duration", &from))) {
        if ((r = read_with_unit(v, UNIT_DURATION, "duration", m, &w.duration_s, reterr)) < 0 ||
            (r = check_range(w.duration_s, 0, false, m->limits.max_duration_s, "duration", " s",
                             reterr)) < 0)
            return r;
        w.duration_from = from;
    } else if (!c->preset_check) {
        return cf_error_set(reterr, CF_EMISSING, "duration",
                            "duration is required: the run time of one task, e.g. 30 (seconds) "
                            "or \"250ms\", \"12m\", \"4h\"");
    }
    if ((r = parse_invocations(c, &w, reterr)) < 0)
        return r;

    enum workload_source params_from = WORKLOAD_FROM_DEFAULT;
    if ((r = parse_model_size(c, &w, &params_from, reterr)) < 0 ||
        (r = parse_gpu(c, &w, params_from, reterr)) < 0 ||
        (r = parse_memory(c, &w, params_from, reterr)) < 0)
        return r;

    if ((v = get(c, "vcpu", NULL))) {
        if ((r = read_number(v, "vcpu", &w.vcpu, reterr)) < 0 ||
            (r = check_range(w.vcpu, 0, false, m->limits.max_vcpu, "vcpu", " vCPU", reterr)) < 0)
            return r;
        w.vcpu_from = WORKLOAD_FROM_REQUEST;
    } else {
        /* What Lambda gives that memory (or the model's weights, when larger), capped at
         * Lambda's largest size. */
        double mb = fmin(workload_memory_need_mb(&w), m->lambda.max_memory_mb);
        w.vcpu = mb / m->lambda.mb_per_vcpu;
        w.vcpu_from = WORKLOAD_FROM_MEMORY;
    }
    int trigger = w.trigger;
    if ((v = get(c, "trigger", NULL)) &&
        (r = read_enum(v, "trigger", ENUM_TABLE(trigger_values), &trigger, reterr)) < 0)
        return r;
    w.trigger = (enum model_trigger)trigger;
    if ((v = get(c, "latency_sensitive", NULL)) &&
        (r = read_bool(v, "latency_sensitive", &w.latency_sensitive, reterr)) < 0)
        return r;
    if ((v = get(c, "interruptible", NULL)) &&
        (r = read_bool(v, "interruptible", &w.interruptible, reterr)) < 0)
        return r;
    int arch = w.arch;
    if ((v = get(c, "architecture", NULL)) &&
        (r = read_enum(v, "architecture", ENUM_TABLE(arch_values), &arch, reterr)) < 0)
        return r;
    w.arch = (enum workload_arch)arch;
    if ((v = get(c, "ephemeral_storage", NULL))) {
        if ((r = read_with_unit(v, UNIT_SIZE_MB, "ephemeral_storage", m, &w.ephemeral_mb, reterr)) <
                0 ||
            (r = check_range(w.ephemeral_mb, 0, true, m->limits.max_ephemeral_storage_mb,
                             "ephemeral_storage", " MB", reterr)) < 0)
            return r;
    }
    if ((r = parse_latency(c, &w, reterr)) < 0 || (r = parse_bill(c, &w, reterr)) < 0)
        return r;
    if (!c->preset_check &&
        ((r = parse_fargate(c, &w, reterr)) < 0 || (r = parse_lambda(c, &w, reterr)) < 0))
        return r;
    *ret = w;
    return 0;
}

int workload_parse(const json_t *obj, const struct model *model,
                   const struct workload_settings *plan, struct workload *ret_workload,
                   struct cf_error *reterr)
{
    char qbuf[QBUF_LEN];
    if (!json_is_object(obj))
        return cf_error_set(reterr, CF_EINVAL, NULL,
                            "a workload must be a JSON object such as {\"duration\": \"30s\", "
                            "\"memory\": \"2GB\", \"invocations\": \"500/day\"}");
    struct parse_ctx c = {.obj = obj, .m = model};
    const json_t *kind = json_object_get(obj, "kind");
    const struct model_kind *k = NULL;
    if (kind) {
        const char *s = NULL;
        int r = read_string(kind, "kind", &s, reterr);
        if (r < 0)
            return r;
        if (!(k = model_kind_find(model, s))) {
            char list[256] = "";
            size_t off = 0;
            for (size_t i = 0; i < model->n_kinds && off < sizeof(list); i++) {
                int n = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                                 model->kinds[i].name);
                off += n > 0 ? (size_t)n : 0;
            }
            return cf_error_set(reterr, CF_EINVAL, "kind", "kind must be one of %s, got \"%s\"",
                                list, Q(s));
        }
        c.preset = k->fields;
    }
    struct workload w;
    int r = parse(&c, plan, &w, reterr);
    if (r < 0)
        return r;
    if (k)
        strcpy(w.kind, k->name);
    *ret_workload = w;
    return 0;
}

int workload_check_preset(const json_t *fields, const struct model *model, struct cf_error *reterr)
{
    if (!json_is_object(fields))
        return cf_error_set(reterr, CF_ECONFIG, NULL, "a kind preset must be an object");
    struct parse_ctx c = {.obj = fields, .m = model, .preset_check = true};
    struct workload w;
    int r = parse(&c, NULL, &w, reterr);
    if (r < 0) {
        if (reterr)
            reterr->code = CF_ECONFIG;
        return CF_ECONFIG;
    }
    return 0;
}

double workload_rate_per_s(const struct workload *w, const struct model *model)
{
    return w->invocations_per_month / (model->hours_per_month * 3600);
}

double workload_concurrency(const struct workload *w, const struct model *model)
{
    return workload_rate_per_s(w, model) * w->duration_s;
}

double workload_memory_need_mb(const struct workload *w)
{
    return fmax(w->memory_mb, w->model_memory_mb);
}

const char *workload_arch_name(enum workload_arch a)
{
    switch (a) {
    case WORKLOAD_ARCH_ARM64:
        return "arm64";
    case WORKLOAD_ARCH_ANY:
        return "any";
    default:
        return "x86_64";
    }
}

/* ---- output ---- */

const char *workload_source_name(enum workload_source s)
{
    switch (s) {
    case WORKLOAD_FROM_REQUEST:
        return "request";
    case WORKLOAD_FROM_KIND:
        return "kind";
    case WORKLOAD_FROM_MODEL_PARAMS:
        return "model_params_b";
    case WORKLOAD_FROM_MEMORY:
        return "memory";
    default:
        return "default";
    }
}

const char *workload_front_door_name(enum workload_front_door d)
{
    return front_door_values[d].words[0];
}

const char *workload_network_name(enum workload_network n)
{
    return network_values[n].words[0];
}

const char *workload_fargate_mode_name(enum workload_fargate_mode m)
{
    return m == WORKLOAD_FARGATE_MODE_ALWAYS_ON ? "always_on"
           : m == WORKLOAD_FARGATE_MODE_PER_JOB ? "per_job"
                                                : "cheaper";
}
