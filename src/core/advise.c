/*
 * advise.c - turns a request into advice: options, reasons, a recommendation, a plan, a
 * break-even analysis and a cost curve (see advise.h).
 *
 * The pipeline for one workload is: parse (workload.c) -> look up the region -> price every
 * platform (cost.c) -> pick the cheapest feasible option by total monthly cost -> compare with
 * the seed article's decision tree and rules of thumb -> rate confidence -> build JSON. All of
 * it is pure: the only inputs are the request, the rates and the model.
 *
 * JSON is built with a sticky out-of-memory flag: every insertion that fails sets it, jansson
 * accepts NULL containers and values without crashing, and the builder checks the flag once
 * at the end.
 */
#include "computefit/advise.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/cost.h"
#include "computefit/workload.h"

/* Invocation-rate grid of the break-even search: points per decade of the scan. */
#define BREAK_EVEN_PER_DECADE 40
#define BREAK_EVEN_BISECTIONS 60
/* The cost curve: this many points spanning three decades, the middle one the given rate. */
#define CURVE_POINTS  21
#define CURVE_DECADES 3.0

enum verdict {
    V_FAVOURS_LAMBDA,
    V_FAVOURS_FARGATE,
    V_FAVOURS_EC2_GPU,
    V_NEUTRAL,
    V_RISKY_LAMBDA,
    V_BLOCKS_LAMBDA,
    V_BLOCKS_FARGATE,
    V_BLOCKS_EC2_GPU
};

static const char *const verdict_names[] = {"favours_lambda", "favours_fargate", "favours_ec2_gpu",
                                            "neutral",        "risky_lambda",    "blocks_lambda",
                                            "blocks_fargate", "blocks_ec2_gpu"};

static const char *const platform_titles[MODEL_PLATFORM_COUNT] = {"Lambda", "Fargate",
                                                                  "ECS on EC2 with a GPU"};

static const char *const confidence_names[] = {"low", "medium", "high"};

/* Everything known about one workload once it has been priced. */
struct analysis {
    struct workload w;
    const struct region_rates *rr;
    const struct model *m;
    struct cost_option opt[MODEL_PLATFORM_COUNT];
    int winner;    /* platform, or -1 when nothing is feasible */
    int runner_up; /* cheapest other feasible platform, or -1 */
    enum model_platform seed_pick;
    int confidence; /* 0 low, 1 medium, 2 high */
};

/* ---- JSON helpers ---- */

static void put(json_t *obj, const char *key, json_t *val, bool *oom)
{
    if (!val || json_object_set_new(obj, key, val))
        *oom = true;
}

static void push(json_t *arr, json_t *val, bool *oom)
{
    if (!val || json_array_append_new(arr, val))
        *oom = true;
}

/* A JSON number, or null for a value that is not a finite number (JSON has no NaN). */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* A JSON string of `s`, which snprintf() may have cut at the end of a full buffer: a UTF-8
 * sequence cut short (from user text such as task names) is dropped, since JSON strings must be
 * valid UTF-8 and json_string() would refuse the whole text. */
static json_t *jstr_cut(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--; /* continuation bytes */
    if (i > 0) {
        unsigned char lead = (unsigned char)s[i - 1];
        size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (n - (i - 1) < len)
            s[i - 1] = '\0';
    }
    return json_string(s);
}

static json_t *jstrf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *jstrf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return json_string(buf);
}

static int oom_error(struct cf_error *reterr)
{
    return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory while building the advice");
}

/* ---- analysis ---- */

static const struct cost_variant *chosen(const struct analysis *a, int p)
{
    return cost_chosen(&a->opt[p]);
}

static double total_of(const struct analysis *a, int p)
{
    const struct cost_variant *v = chosen(a, p);
    return v && a->opt[p].feasible ? v->monthly_usd : (double)NAN;
}

/* The seed article's decision tree: GPU -> EC2; 10+ minutes, more than 3 GB or 100+/s ->
 * Fargate; otherwise Lambda. */
static enum model_platform seed_pick(const struct workload *w, const struct model *m)
{
    if (w->gpu)
        return MODEL_EC2_GPU;
    if (w->duration_s >= m->rules.comfortable_duration_s ||
        w->memory_mb > m->rules.comfortable_memory_mb ||
        workload_rate_per_s(w, m) >= m->rules.high_rate_per_s)
        return MODEL_FARGATE;
    return MODEL_LAMBDA;
}

static void analyse(const struct workload *w, const struct region_rates *rr, const struct model *m,
                    struct analysis *a)
{
    a->w = *w;
    a->rr = rr;
    a->m = m;
    cost_all(w, rr, m, a->opt);
    a->winner = a->runner_up = -1;
    /* Ties go to the simpler platform: the enum is ordered by operational effort. */
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        double t = total_of(a, p);
        if (isnan(t))
            continue;
        if (a->winner < 0 || t < total_of(a, a->winner)) {
            a->runner_up = a->winner;
            a->winner = p;
        } else if (a->runner_up < 0 || t < total_of(a, a->runner_up)) {
            a->runner_up = p;
        }
    }
    a->seed_pick = seed_pick(w, m);
    int c = 2;
    if (a->winner >= 0) {
        if ((int)a->seed_pick != a->winner)
            c--;
        if (a->runner_up >= 0 &&
            total_of(a, a->runner_up) <= total_of(a, a->winner) * m->rules.close_cost_ratio)
            c--;
        if (a->winner == MODEL_LAMBDA && w->duration_s >= m->rules.comfortable_duration_s)
            c--;
        if (chosen(a, a->winner)->spot)
            c--;
    }
    a->confidence = c < 0 ? 0 : c;
}

/* ---- options ---- */

static json_t *line_items_json(const struct cost_variant *v, bool *oom)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < v->n_lines; i++) {
        const struct cost_line *l = &v->lines[i];
        json_t *o = json_object();
        put(o, "item", json_string(l->item), oom);
        put(o, "quantity", jnum(l->quantity), oom);
        put(o, "unit", json_string(l->unit), oom);
        put(o, "unit_usd", jnum(l->unit_usd), oom);
        put(o, "usd", jnum(l->usd), oom);
        if (l->estimate)
            put(o, "estimate", json_true(), oom);
        push(arr, o, oom);
    }
    return arr;
}

static const char *mode_name(enum cost_mode mode)
{
    return mode == COST_MODE_ALWAYS_ON ? "always_on" : mode == COST_MODE_PER_JOB ? "per_job" : "";
}

static json_t *config_json(const struct analysis *a, const struct cost_option *o,
                           const struct cost_variant *v, bool *oom)
{
    const struct model *m = a->m;
    json_t *c = json_object();
    switch (o->platform) {
    case MODEL_LAMBDA:
        put(c, "architecture", json_string(cf_arch_name(v->arch)), oom);
        put(c, "memory_mb", jnum(v->lambda.memory_mb), oom);
        put(c, "vcpu", jnum(v->lambda.memory_mb / m->lambda.mb_per_vcpu), oom);
        put(c, "billed_duration_ms", jnum(v->lambda.billed_ms), oom);
        put(c, "ephemeral_storage_mb", jnum(v->lambda.ephemeral_mb), oom);
        put(c, "gb_seconds", jnum(v->lambda.gb_s), oom);
        put(c, "concurrency", jnum(o->concurrency), oom);
        if (a->w.settings.include_free_tier) {
            json_t *f = json_object();
            put(f, "requests", jnum(v->lambda.free_requests), oom);
            put(f, "gb_seconds", jnum(v->lambda.free_gb_s), oom);
            put(c, "free_tier", f, oom);
        } else {
            put(c, "free_tier", json_null(), oom);
        }
        break;
    case MODEL_FARGATE:
        put(c, "architecture", json_string(cf_arch_name(v->arch)), oom);
        put(c, "mode", json_string(mode_name(v->mode)), oom);
        put(c, "vcpu", jnum(v->fargate.vcpu), oom);
        put(c, "memory_gb", jnum(v->fargate.memory_gb), oom);
        put(c, "pinned", json_boolean(a->w.fargate.pinned), oom);
        put(c, "tasks", v->mode == COST_MODE_ALWAYS_ON ? jnum(v->fargate.tasks) : json_null(), oom);
        put(c, "billed_seconds_per_task",
            v->mode == COST_MODE_PER_JOB ? jnum(v->fargate.billed_s) : json_null(), oom);
        put(c, "startup_s",
            v->mode == COST_MODE_PER_JOB ? jnum(a->w.fargate.startup_s) : json_null(), oom);
        put(c, "ephemeral_storage_gb", jnum(v->fargate.ephemeral_gb), oom);
        put(c, "concurrency", jnum(o->concurrency), oom);
        put(c, "spot", json_boolean(v->spot), oom);
        if (v->spot)
            put(c, "spot_source",
                json_string(v->spot_source == COST_SPOT_FEED ? "feed" : "discount_estimate"), oom);
        if (v->spot && v->spot_source != COST_SPOT_FEED)
            put(c, "spot_discount", jnum(m->fargate.spot_discount), oom);
        break;
    default: {
        const struct gpu_instance *gi = v->ec2.instance;
        put(c, "instance_type", json_string(gi->type), oom);
        put(c, "gpu_model", json_string(gi->gpu_model), oom);
        put(c, "gpus", json_integer(gi->gpus), oom);
        put(c, "gpu_memory_gb", jnum(gi->gpu_memory_gib), oom);
        put(c, "gpu_memory_needed_gb", jnum(v->ec2.gpu_memory_needed_gb), oom);
        put(c, "vcpu", jnum(gi->vcpu), oom);
        put(c, "memory_gb", jnum(gi->memory_gib), oom);
        put(c, "usd_per_hour", jnum(gi->usd_per_hour), oom);
        put(c, "mode", json_string(mode_name(v->mode)), oom);
        put(c, "instances", v->mode == COST_MODE_ALWAYS_ON ? jnum(v->ec2.instances) : json_null(),
            oom);
        put(c, "billed_seconds_per_job",
            v->mode == COST_MODE_PER_JOB ? jnum(v->ec2.billed_s) : json_null(), oom);
        put(c, "boot_s", v->mode == COST_MODE_PER_JOB ? jnum(m->ec2.boot_s) : json_null(), oom);
        put(c, "concurrency", jnum(o->concurrency), oom);
        put(c, "spot", json_boolean(v->spot), oom);
        if (v->spot)
            put(c, "spot_discount", jnum(m->ec2.spot_discount), oom);
        break;
    }
    }
    return c;
}

static json_t *option_json(const struct analysis *a, int p, bool *oom)
{
    const struct cost_option *o = &a->opt[p];
    const struct cost_variant *v = o->feasible ? cost_chosen(o) : NULL;
    json_t *j = json_object();
    put(j, "feasible", json_boolean(v != NULL), oom);
    json_t *blocks = json_array();
    for (size_t i = 0; i < o->n_blocks; i++) {
        json_t *b = json_object();
        put(b, "limit", json_string(o->blocks[i].limit), oom);
        put(b, "limit_value", jnum(o->blocks[i].limit_value), oom);
        put(b, "value", jnum(o->blocks[i].value), oom);
        put(b, "detail", json_string(o->blocks[i].detail), oom);
        push(blocks, b, oom);
    }
    put(j, "blocked_by", blocks, oom);
    put(j, "monthly_usd", v ? jnum(v->monthly_usd) : json_null(), oom);
    put(j, "infrastructure_usd", v ? jnum(v->infrastructure_usd) : json_null(), oom);
    put(j, "operations_usd", v && o->ops_priced ? jnum(v->operations_usd) : json_null(), oom);
    put(j, "operations_hours", jnum(o->ops_hours), oom);
    put(j, "variant", v ? json_string(v->name) : json_null(), oom);
    put(j, "estimate", json_boolean(v && v->spot_source == COST_SPOT_DISCOUNT), oom);
    put(j, "line_items", v ? line_items_json(v, oom) : json_array(), oom);
    put(j, "config", v ? config_json(a, o, v, oom) : json_null(), oom);
    json_t *vars = json_array();
    for (size_t i = 0; v && i < o->n_variants; i++) {
        const struct cost_variant *x = &o->variants[i];
        json_t *vj = json_object();
        put(vj, "variant", json_string(x->name), oom);
        put(vj, "chosen", json_boolean((int)i == o->chosen), oom);
        put(vj, "monthly_usd", jnum(x->monthly_usd), oom);
        put(vj, "infrastructure_usd", jnum(x->infrastructure_usd), oom);
        put(vj, "estimate", json_boolean(x->spot_source == COST_SPOT_DISCOUNT), oom);
        put(vj, "line_items", line_items_json(x, oom), oom);
        put(vj, "config", config_json(a, o, x, oom), oom);
        push(vars, vj, oom);
    }
    put(j, "variants", vars, oom);
    return j;
}

static json_t *options_json(const struct analysis *a, bool *oom)
{
    json_t *o = json_object();
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        put(o, model_platform_name((enum model_platform)p), option_json(a, p, oom), oom);
    return o;
}

/* ---- reasons ---- */

static void reason(json_t *arr, const char *rule, enum verdict v, json_t *figures, bool *oom,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void reason(json_t *arr, const char *rule, enum verdict v, json_t *figures, bool *oom,
                   const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    json_t *r = json_object();
    put(r, "rule", json_string(rule), oom);
    put(r, "verdict", json_string(verdict_names[v]), oom);
    put(r, "detail", json_string(detail), oom);
    put(r, "figures", figures ? figures : json_object(), oom);
    push(arr, r, oom);
}

static enum verdict favours(int platform)
{
    return platform == MODEL_LAMBDA    ? V_FAVOURS_LAMBDA
           : platform == MODEL_FARGATE ? V_FAVOURS_FARGATE
                                       : V_FAVOURS_EC2_GPU;
}

static void reason_gpu(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct workload *w = &a->w;
    json_t *f = json_object();
    put(f, "gpu", json_boolean(w->gpu), oom);
    put(f, "gpu_memory_gb", w->gpu && w->gpu_memory_gb > 0 ? jnum(w->gpu_memory_gb) : json_null(),
        oom);
    if (w->gpu)
        reason(arr, "gpu", V_FAVOURS_EC2_GPU, f, oom,
               "The task needs a GPU: Lambda and Fargate have none, so ECS on EC2 with a GPU is "
               "the only platform that can run it.");
    else
        reason(arr, "gpu", V_NEUTRAL, f, oom,
               "No GPU is needed, so Lambda and Fargate can both be considered.");
}

static void reason_duration(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model *m = a->m;
    double d = a->w.duration_s;
    json_t *f = json_object();
    put(f, "duration_s", jnum(d), oom);
    put(f, "comfortable_below_s", jnum(m->rules.comfortable_duration_s), oom);
    put(f, "lambda_max_s", jnum(m->lambda.max_duration_s), oom);
    if (d < m->rules.comfortable_duration_s)
        reason(arr, "duration", V_FAVOURS_LAMBDA, f, oom,
               "A %g s task is well under the %g s the seed article considers safe on Lambda.", d,
               m->rules.comfortable_duration_s);
    else if (d <= m->lambda.max_duration_s)
        reason(arr, "duration", V_RISKY_LAMBDA, f, oom,
               "A %g s task fits Lambda's %g s timeout but is past the %g s the seed article "
               "considers safe: a slow run will time out, and long runs are where Lambda is "
               "expensive.",
               d, m->lambda.max_duration_s, m->rules.comfortable_duration_s);
    else
        reason(arr, "duration", V_BLOCKS_LAMBDA, f, oom,
               "A %g s task is longer than Lambda's %g s timeout; Fargate and EC2 have no time "
               "limit.",
               d, m->lambda.max_duration_s);
}

static void reason_memory(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model *m = a->m;
    double mb = a->w.memory_mb;
    json_t *f = json_object();
    put(f, "memory_mb", jnum(mb), oom);
    put(f, "comfortable_up_to_mb", jnum(m->rules.comfortable_memory_mb), oom);
    put(f, "lambda_max_mb", jnum(m->lambda.max_memory_mb), oom);
    put(f, "fargate_max_mb", jnum(m->fargate.max_memory_gb * 1024), oom);
    if (mb <= m->rules.comfortable_memory_mb)
        reason(arr, "memory", V_FAVOURS_LAMBDA, f, oom,
               "%g MB is within the %g MB the seed article finds comfortable on Lambda.", mb,
               m->rules.comfortable_memory_mb);
    else if (mb <= m->lambda.max_memory_mb)
        reason(arr, "memory", V_FAVOURS_FARGATE, f, oom,
               "%g MB is above the %g MB the seed article finds comfortable on Lambda: Lambda "
               "can go to %g MB, but a container is the usual home for large-memory work.",
               mb, m->rules.comfortable_memory_mb, m->lambda.max_memory_mb);
    else if (mb <= m->fargate.max_memory_gb * 1024)
        reason(arr, "memory", V_BLOCKS_LAMBDA, f, oom,
               "%g MB is more than Lambda's %g MB maximum; Fargate goes to %g GB.", mb,
               m->lambda.max_memory_mb, m->fargate.max_memory_gb);
    else
        reason(arr, "memory", V_BLOCKS_FARGATE, f, oom,
               "%g MB is more than Lambda's %g MB and Fargate's %g GB: only an EC2 instance "
               "holds it.",
               mb, m->lambda.max_memory_mb, m->fargate.max_memory_gb);
}

static void reason_rate(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model *m = a->m;
    double per_s = workload_rate_per_s(&a->w, m), per_h = per_s * 3600;
    json_t *f = json_object();
    put(f, "invocations_per_second", jnum(per_s), oom);
    put(f, "invocations_per_hour", jnum(per_h), oom);
    put(f, "high_rate_per_second", jnum(m->rules.high_rate_per_s), oom);
    put(f, "infrequent_per_hour", jnum(m->rules.infrequent_per_hour), oom);
    if (per_s >= m->rules.high_rate_per_s)
        reason(arr, "rate", V_FAVOURS_FARGATE, f, oom,
               "At %.3g invocations per second (the seed article's threshold is %g), an always-on "
               "container that handles requests in one process may beat paying per invocation.",
               per_s, m->rules.high_rate_per_s);
    else if (per_h <= m->rules.infrequent_per_hour)
        reason(arr, "rate", V_FAVOURS_LAMBDA, f, oom,
               "At %.3g invocations per hour (at most %g is 'a few'), paying per invocation beats "
               "keeping a container running.",
               per_h, m->rules.infrequent_per_hour);
    else
        reason(arr, "rate", V_NEUTRAL, f, oom,
               "At %.3g invocations per hour the rate alone does not decide; the costs do.", per_h);
}

static void reason_trigger(json_t *arr, const struct analysis *a, bool *oom)
{
    enum model_trigger t = a->w.trigger;
    json_t *f = json_object();
    put(f, "trigger", t ? json_string(model_trigger_name(t)) : json_null(), oom);
    if (t && a->m->event_trigger[t])
        reason(arr, "trigger", V_FAVOURS_LAMBDA, f, oom,
               "Lambda integrates natively with %s events; Fargate needs a poller or a bridge to "
               "start tasks from them.",
               model_trigger_name(t));
    else if (t)
        reason(arr, "trigger", V_NEUTRAL, f, oom,
               "A %s start needs no event integration, so no platform has an edge here.",
               model_trigger_name(t));
    else
        reason(arr, "trigger", V_NEUTRAL, f, oom,
               "No trigger was given, so event integration was not weighed.");
}

static void reason_team(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model *m = a->m;
    const struct workload_settings *s = &a->w.settings;
    json_t *f = json_object();
    json_t *h = json_object();
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        put(h, model_platform_name((enum model_platform)p), jnum(a->opt[p].ops_hours), oom);
    put(f, "team_engineers", s->team_engineers ? json_integer(s->team_engineers) : json_null(),
        oom);
    put(f, "ops_hours_per_month", h, oom);
    put(f, "solo_multiplier", jnum(m->ops.solo_multiplier), oom);
    put(f, "engineer_hourly_usd",
        s->engineer_hourly_usd > 0 ? jnum(s->engineer_hourly_usd) : json_null(), oom);
    const char *priced = s->engineer_hourly_usd > 0
                             ? "it is priced into each option's total"
                             : "give engineer_hourly_usd to price it into the totals";
    double hl = a->opt[MODEL_LAMBDA].ops_hours, hf = a->opt[MODEL_FARGATE].ops_hours;
    if (s->team_engineers == 1)
        reason(arr, "team", V_FAVOURS_LAMBDA, f, oom,
               "With one engineer, operational work weighs %gx: about %g h a month for Fargate "
               "against %g h for Lambda (%s).",
               m->ops.solo_multiplier, hf, hl, priced);
    else if (s->team_engineers > 1)
        reason(arr, "team", V_NEUTRAL, f, oom,
               "With %d engineers the upkeep of containers (about %g h a month for Fargate "
               "against %g h for Lambda) is shared and pays off for regular work (%s).",
               s->team_engineers, hf, hl, priced);
    else
        reason(arr, "team", V_NEUTRAL, f, oom,
               "Team size was not given: operational effort (about %g h a month for Fargate "
               "against %g h for Lambda) is not weighted for a team of one (%s).",
               hf, hl, priced);
}

static void reason_cold_start(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model_lambda *l = &a->m->lambda;
    double per_window = workload_rate_per_s(&a->w, a->m) * l->warm_idle_s;
    json_t *f = json_object();
    put(f, "latency_sensitive", json_boolean(a->w.latency_sensitive), oom);
    put(f, "invocations_per_warm_window", jnum(per_window), oom);
    put(f, "warm_idle_s", jnum(l->warm_idle_s), oom);
    put(f, "cold_start_min_s", jnum(l->cold_start_min_s), oom);
    put(f, "cold_start_max_s", jnum(l->cold_start_max_s), oom);
    if (!a->w.latency_sensitive)
        reason(arr, "cold_start", V_NEUTRAL, f, oom,
               "Nobody waits on the result, so Lambda's %g-%g s cold starts do not matter.",
               l->cold_start_min_s, l->cold_start_max_s);
    else if (per_window < 1)
        reason(arr, "cold_start", V_FAVOURS_FARGATE, f, oom,
               "A user waits, and with %.3g invocations per %g s idle window most will hit a "
               "%g-%g s cold start; an always-on container has none.",
               per_window, l->warm_idle_s, l->cold_start_min_s, l->cold_start_max_s);
    else
        reason(arr, "cold_start", V_NEUTRAL, f, oom,
               "A user waits, but %.3g invocations per %g s keep Lambda mostly warm; requests that "
               "arrive while it scales out still see %g-%g s cold starts.",
               per_window, l->warm_idle_s, l->cold_start_min_s, l->cold_start_max_s);
}

static void reason_concurrency(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model_lambda *l = &a->m->lambda;
    double c = a->opt[MODEL_LAMBDA].concurrency;
    json_t *f = json_object();
    put(f, "concurrency", jnum(c), oom);
    put(f, "lambda_max_concurrency", jnum(l->max_concurrency), oom);
    put(f, "lambda_scaling_per_10s", jnum(l->scaling_per_10s), oom);
    if (c > l->max_concurrency)
        reason(arr, "concurrency", V_BLOCKS_LAMBDA, f, oom,
               "About %.0f invocations run at once (rate x duration), more than Lambda's default "
               "%g concurrent executions; the quota can be raised, so ask AWS before ruling "
               "Lambda out.",
               ceil(c), l->max_concurrency);
    else
        reason(arr, "concurrency", V_NEUTRAL, f, oom,
               "About %.3g invocations run at once (rate x duration), within Lambda's default %g "
               "concurrent executions.",
               c, l->max_concurrency);
}

static void reason_storage(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model *m = a->m;
    double mb = a->w.ephemeral_mb;
    json_t *f = json_object();
    put(f, "ephemeral_storage_mb", jnum(mb), oom);
    put(f, "lambda_max_mb", jnum(m->lambda.max_ephemeral_mb), oom);
    put(f, "fargate_max_mb", jnum(m->fargate.max_ephemeral_gb * 1024), oom);
    if (mb > m->fargate.max_ephemeral_gb * 1024)
        reason(arr, "ephemeral_storage", V_BLOCKS_FARGATE, f, oom,
               "%g MB of scratch storage is more than Lambda's %g MB and Fargate's %g GB.", mb,
               m->lambda.max_ephemeral_mb, m->fargate.max_ephemeral_gb);
    else if (mb > m->lambda.max_ephemeral_mb)
        reason(arr, "ephemeral_storage", V_BLOCKS_LAMBDA, f, oom,
               "%g MB of scratch storage is more than Lambda's %g MB of /tmp; Fargate offers "
               "up to %g GB.",
               mb, m->lambda.max_ephemeral_mb, m->fargate.max_ephemeral_gb);
    else
        reason(arr, "ephemeral_storage", V_NEUTRAL, f, oom,
               "%g MB of scratch storage fits every platform.", mb);
}

static void reason_vcpu(json_t *arr, const struct analysis *a, bool *oom)
{
    const struct model *m = a->m;
    double v = a->w.vcpu;
    bool given = a->w.vcpu_from == WORKLOAD_FROM_REQUEST;
    json_t *f = json_object();
    put(f, "vcpu", jnum(v), oom);
    put(f, "given", json_boolean(given), oom);
    put(f, "lambda_max_vcpu", jnum(m->lambda.max_vcpu), oom);
    put(f, "fargate_max_vcpu", jnum(m->fargate.max_vcpu), oom);
    if (given && v > m->fargate.max_vcpu)
        reason(arr, "vcpu", V_BLOCKS_FARGATE, f, oom,
               "%g vCPU is more than Lambda's %g and Fargate's %g.", v, m->lambda.max_vcpu,
               m->fargate.max_vcpu);
    else if (given && v > m->lambda.max_vcpu)
        reason(arr, "vcpu", V_BLOCKS_LAMBDA, f, oom,
               "%g vCPU is more than Lambda's %g; Fargate offers up to %g.", v, m->lambda.max_vcpu,
               m->fargate.max_vcpu);
    else
        reason(arr, "vcpu", V_NEUTRAL, f, oom, "%g vCPU (%s) fits Lambda and Fargate.", v,
               given ? "as given" : "what Lambda gives this memory");
}

/* A short description of an option's chosen variant, for sentences. */
static void describe(const struct analysis *a, int p, char *buf, size_t size)
{
    const struct cost_variant *v = chosen(a, p);
    if (!v) {
        snprintf(buf, size, "%s", platform_titles[p]);
        return;
    }
    const char *spot = v->spot ? " on Spot" : "";
    switch (p) {
    case MODEL_LAMBDA:
        snprintf(buf, size, "Lambda (%s, %g MB)", cf_arch_name(v->arch), v->lambda.memory_mb);
        break;
    case MODEL_FARGATE:
        if (v->mode == COST_MODE_ALWAYS_ON)
            snprintf(buf, size, "Fargate (%g always-on %s task%s of %g vCPU / %g GB%s)",
                     v->fargate.tasks, cf_arch_name(v->arch), v->fargate.tasks == 1 ? "" : "s",
                     v->fargate.vcpu, v->fargate.memory_gb, spot);
        else
            snprintf(buf, size, "Fargate (per-job %s tasks of %g vCPU / %g GB%s)",
                     cf_arch_name(v->arch), v->fargate.vcpu, v->fargate.memory_gb, spot);
        break;
    default:
        if (v->mode == COST_MODE_ALWAYS_ON)
            snprintf(buf, size, "ECS on EC2 with a GPU (%g always-on %s%s)", v->ec2.instances,
                     v->ec2.instance->type, spot);
        else
            snprintf(buf, size, "ECS on EC2 with a GPU (%s per job%s)", v->ec2.instance->type,
                     spot);
        break;
    }
}

static void reason_cost(json_t *arr, const struct analysis *a, bool *oom)
{
    json_t *f = json_object();
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        put(f, model_platform_name((enum model_platform)p), jnum(total_of(a, p)), oom);
    char win[160], run[160];
    describe(a, a->winner, win, sizeof(win));
    if (a->runner_up < 0) {
        reason(arr, "cost", favours(a->winner), f, oom,
               "%s is the only option that can run this task, at $%.2f a month.", win,
               total_of(a, a->winner));
        return;
    }
    describe(a, a->runner_up, run, sizeof(run));
    double w = total_of(a, a->winner), r = total_of(a, a->runner_up);
    reason(arr, "cost", favours(a->winner), f, oom,
           "%s is the cheapest at $%.2f a month; next is %s at $%.2f (%.1fx).", win, w, run, r,
           w > 0 ? r / w : (double)INFINITY);
}

static void reason_seed(json_t *arr, const struct analysis *a, bool *oom)
{
    bool agrees = (int)a->seed_pick == a->winner;
    json_t *f = json_object();
    put(f, "seed_pick", json_string(model_platform_name(a->seed_pick)), oom);
    put(f, "cost_winner", json_string(model_platform_name((enum model_platform)a->winner)), oom);
    put(f, "agrees", json_boolean(agrees), oom);
    if (agrees)
        reason(arr, "seed_decision_tree", favours(a->seed_pick), f, oom,
               "The seed article's decision tree (GPU -> EC2; 10+ minutes, more than 3 GB or "
               "100+/s -> Fargate; else Lambda) also picks %s.",
               platform_titles[a->seed_pick]);
    else
        reason(arr, "seed_decision_tree", favours(a->seed_pick), f, oom,
               "The seed article's decision tree (GPU -> EC2; 10+ minutes, more than 3 GB or "
               "100+/s -> Fargate; else Lambda) would pick %s, but %s costs less here: "
               "confidence is lowered.",
               platform_titles[a->seed_pick], platform_titles[a->winner]);
}

static json_t *reasons_json(const struct analysis *a, bool *oom)
{
    json_t *arr = json_array();
    reason_gpu(arr, a, oom);
    reason_duration(arr, a, oom);
    reason_memory(arr, a, oom);
    reason_vcpu(arr, a, oom);
    reason_storage(arr, a, oom);
    reason_concurrency(arr, a, oom);
    reason_rate(arr, a, oom);
    reason_trigger(arr, a, oom);
    reason_cold_start(arr, a, oom);
    reason_team(arr, a, oom);
    reason_cost(arr, a, oom);
    reason_seed(arr, a, oom);
    return arr;
}

static json_t *warnings_json(const struct analysis *a, bool *oom)
{
    const struct workload *w = &a->w;
    const struct model *m = a->m;
    json_t *arr = json_array();
    if (w->fargate.pinned && w->fargate.memory_gb * 1024 < w->memory_mb - 1e-9)
        push(arr,
             jstrf("The pinned Fargate task has %g GB of memory, less than the %g MB the task "
                   "needs; it was priced as pinned.",
                   w->fargate.memory_gb, w->memory_mb),
             oom);
    if (w->fargate.pinned && w->fargate.vcpu < w->vcpu - 1e-9)
        push(arr,
             jstrf("The pinned Fargate task has %g vCPU, less than the %g the task %s; it was "
                   "priced as pinned.",
                   w->fargate.vcpu, w->vcpu,
                   w->vcpu_from == WORKLOAD_FROM_REQUEST ? "needs" : "gets on Lambda"),
             oom);
    if (!w->gpu && a->opt[MODEL_EC2_GPU].feasible)
        push(arr,
             json_string("ECS on EC2 is priced on GPU instances only; a task without a GPU "
                         "would cost less on a general-purpose instance, which computefit does "
                         "not price."),
             oom);
    if (w->arch == WORKLOAD_ARCH_ARM64 && a->opt[MODEL_EC2_GPU].feasible)
        push(arr,
             json_string("The GPU instances priced are x86_64; arm64 applies to Lambda and "
                         "Fargate only."),
             oom);
    if (w->settings.include_free_tier)
        push(arr,
             json_string("The Lambda free tier is per account and shared by every function: it "
                         "was subtracted as if this task were the account's only Lambda use."),
             oom);
    if (w->ephemeral_mb > 0 && a->opt[MODEL_EC2_GPU].feasible)
        push(arr, json_string("EBS storage for ECS on EC2 is not included in its price."), oom);
    if (a->opt[MODEL_LAMBDA].concurrency > m->lambda.scaling_per_10s)
        push(arr,
             jstrf("Lambda adds at most %g execution environments every 10 s: from cold, "
                   "reaching %.0f concurrent executions takes %.0f s, and requests are throttled "
                   "meanwhile.",
                   m->lambda.scaling_per_10s, ceil(a->opt[MODEL_LAMBDA].concurrency),
                   ceil(a->opt[MODEL_LAMBDA].concurrency / m->lambda.scaling_per_10s) * 10),
             oom);
    bool spot = false, feed = false;
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        const struct cost_variant *v = chosen(a, p);
        spot = spot || (v && v->spot_source == COST_SPOT_DISCOUNT && a->opt[p].feasible);
        feed = feed || (v && v->spot_source == COST_SPOT_FEED && a->opt[p].feasible);
    }
    if (feed)
        push(arr,
             json_string("Fargate Spot is priced at AWS's published Spot rates, which change "
                         "over time; Spot capacity can be reclaimed at two minutes' notice."),
             oom);
    if (spot)
        push(arr,
             jstrf("Spot prices are estimates: the Price List publishes no Spot rates, so a "
                   "discount of %g%% (Fargate) or %g%% (EC2) was applied; Spot capacity can be "
                   "reclaimed at two minutes' notice.",
                   m->fargate.spot_discount * 100, m->ec2.spot_discount * 100),
             oom);
    return arr;
}

static json_t *recommendation_json(const struct analysis *a, bool *oom)
{
    json_t *r = json_object();
    const struct cost_variant *v = chosen(a, a->winner);
    put(r, "platform", json_string(model_platform_name((enum model_platform)a->winner)), oom);
    put(r, "variant", json_string(v->name), oom);
    put(r, "confidence", json_string(confidence_names[a->confidence]), oom);
    put(r, "monthly_usd", jnum(v->monthly_usd), oom);
    char win[160], run[160], summary[480];
    describe(a, a->winner, win, sizeof(win));
    int n;
    if (a->runner_up >= 0) {
        describe(a, a->runner_up, run, sizeof(run));
        n = snprintf(summary, sizeof(summary),
                     "%s is the cheapest option that can run this task, at $%.2f a month against "
                     "$%.2f for %s.",
                     win, total_of(a, a->winner), total_of(a, a->runner_up), run);
    } else {
        n = snprintf(summary, sizeof(summary),
                     "%s is the only option that can run this task, at $%.2f a month.", win,
                     total_of(a, a->winner));
    }
    if ((int)a->seed_pick != a->winner && n > 0 && (size_t)n < sizeof(summary))
        snprintf(summary + n, sizeof(summary) - (size_t)n,
                 " The seed article's rules of thumb would pick %s.",
                 platform_titles[a->seed_pick]);
    put(r, "summary", json_string(summary), oom);
    return r;
}

/* ---- pricing provenance ---- */

/* Unix seconds as ISO 8601 UTC, the form /pricing uses too. A pure conversion: no clock. */
static json_t *iso_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
        return json_null();
    return json_string(buf);
}

static json_t *pricing_json(const struct region_rates *rr, bool *oom)
{
    json_t *p = json_object();
    json_t *offers = json_object();
    const struct offer_info *oldest = NULL;
    const char *source = NULL;
    bool mixed = false;
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!rr->has[o])
            continue;
        const struct offer_info *info = &rr->info[o];
        json_t *j = json_object();
        put(j, "source", json_string(cf_source_name(info->source)), oom);
        put(j, "version", info->version[0] ? json_string(info->version) : json_null(), oom);
        put(j, "published", info->published[0] ? json_string(info->published) : json_null(), oom);
        put(j, "fetched_at", info->fetched_at ? iso_time(info->fetched_at) : json_null(), oom);
        put(j, "origin", info->origin[0] ? json_string(info->origin) : json_null(), oom);
        put(offers, cf_offer_name((enum cf_offer)o), j, oom);
        if (!oldest || (info->published[0] &&
                        (!oldest->published[0] || strcmp(info->published, oldest->published) < 0)))
            oldest = info;
        if (source && strcmp(source, cf_source_name(info->source)))
            mixed = true;
        source = cf_source_name(info->source);
    }
    put(p, "source", json_string(mixed ? "mixed" : source ? source : "none"), oom);
    put(p, "region", json_string(rr->code), oom);
    put(p, "version", oldest && oldest->version[0] ? json_string(oldest->version) : json_null(),
        oom);
    put(p, "as_of", oldest && oldest->published[0] ? json_string(oldest->published) : json_null(),
        oom);
    put(p, "offers", offers, oom);
    return p;
}

/* ---- entry points ---- */

static int check_inputs(const json_t *request, const struct rates *rates, const struct model *model,
                        struct cf_error *reterr)
{
    if (!model)
        return cf_error_set(reterr, CF_EINTERNAL, NULL, "the advice model is not loaded");
    if (!rates)
        return cf_error_set(reterr, CF_ENOPRICE, NULL, "no rates are loaded yet; retry shortly");
    if (!json_is_object(request))
        return cf_error_set(reterr, CF_EINVAL, NULL,
                            "the request must be a JSON object: one workload, or {\"tasks\": "
                            "[...]}");
    return 0;
}

static int find_region(const struct rates *rates, const char *code, const struct region_rates **ret,
                       struct cf_error *reterr)
{
    const struct region_rates *rr = rates_region(rates, code);
    if (!rr) {
        char list[200] = "";
        size_t off = 0;
        for (size_t i = 0; i < rates->n_regions && off < sizeof(list); i++) {
            int n = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                             rates->regions[i].code);
            off += n > 0 ? (size_t)n : 0;
        }
        return cf_error_set(reterr, CF_EREGION, "region",
                            "region \"%s\" has no rates; known regions: %s", code, list);
    }
    *ret = rr;
    return 0;
}

static int infeasible_error(const struct analysis *a, struct cf_error *reterr)
{
    char msg[sizeof(reterr->message)]; /* a shorter buffer cut the last platform's reason */
    size_t off = 0;
    off += (size_t)snprintf(msg, sizeof(msg), "no platform can run this task:");
    for (int p = 0; p < MODEL_PLATFORM_COUNT && off < sizeof(msg); p++) {
        const struct cost_option *o = &a->opt[p];
        int n = snprintf(msg + off, sizeof(msg) - off, " %s: %s", platform_titles[p],
                         o->n_blocks ? o->blocks[0].detail : "no size fits.");
        off += n > 0 ? (size_t)n : 0;
    }
    return cf_error_set(reterr, CF_EINFEASIBLE, NULL, "%s", msg);
}

/* Parses and prices one workload object (a single request or one plan task). */
static int analyse_request(const json_t *obj, const struct rates *rates, const struct model *model,
                           const struct workload_settings *plan, struct analysis *a,
                           struct cf_error *reterr)
{
    struct workload w;
    const struct region_rates *rr = NULL;
    int r = workload_parse(obj, model, plan, &w, reterr);
    if (r < 0)
        return r;
    if ((r = find_region(rates, w.settings.region, &rr, reterr)) < 0)
        return r;
    analyse(&w, rr, model, a);
    if (a->winner < 0)
        return infeasible_error(a, reterr);
    return 0;
}

/* The advice for one analysed workload: recommendation, options, reasons, warnings, workload. */
static json_t *advice_json(const struct analysis *a, bool *oom)
{
    json_t *j = json_object();
    put(j, "recommendation", recommendation_json(a, oom), oom);
    put(j, "options", options_json(a, oom), oom);
    put(j, "reasons", reasons_json(a, oom), oom);
    put(j, "warnings", warnings_json(a, oom), oom);
    put(j, "workload", workload_to_json(&a->w, a->m), oom);
    return j;
}

static int advise_one(const json_t *request, const struct rates *rates, const struct model *model,
                      json_t **ret_advice, struct cf_error *reterr)
{
    struct analysis *a = calloc(1, sizeof(*a));
    if (!a)
        return oom_error(reterr);
    json_t *j = NULL;
    int r = analyse_request(request, rates, model, NULL, a, reterr);
    if (r < 0)
        goto out;
    bool oom = false;
    j = advice_json(a, &oom);
    put(j, "pricing", pricing_json(a->rr, &oom), &oom);
    if (oom) {
        r = oom_error(reterr);
        goto out;
    }
    *ret_advice = j;
    j = NULL;
out:
    json_decref(j);
    free(a);
    return r;
}

/* ---- hybrid plans ---- */

/* What a plan keeps of each task once its JSON is built. */
struct plan_task {
    char name[WORKLOAD_NAME_LEN];
    int platform;
    double infrastructure_usd;
    double ops_hours;
    double requests; /* Lambda tasks: usage the plan's free tier is taken from */
    double gb_s;
    const struct lambda_rates *lambda_rates;
    int confidence;
};

static const char *const plan_keys[] = {"tasks", "region", "include_free_tier", "team_engineers",
                                        "engineer_hourly_usd"};

static int check_plan_keys(const json_t *request, struct cf_error *reterr)
{
    void *iter = json_object_iter((json_t *)(uintptr_t)request);
    for (; iter; iter = json_object_iter_next((json_t *)(uintptr_t)request, iter)) {
        const char *key = json_object_iter_key(iter);
        bool ok = false;
        for (size_t i = 0; i < sizeof(plan_keys) / sizeof(plan_keys[0]); i++)
            ok = ok || !strcmp(key, plan_keys[i]);
        if (ok)
            continue;
        if (!workload_field_known(key))
            return workload_unknown_field(key, reterr);
        return cf_error_set(reterr, CF_EINVAL, key,
                            "%s belongs inside each task: next to \"tasks\" only region, "
                            "include_free_tier, team_engineers and engineer_hourly_usd may be "
                            "given",
                            key);
    }
    return 0;
}

static int check_tasks(const json_t *tasks, const struct model *model, struct cf_error *reterr)
{
    if (!json_is_array(tasks) || !json_array_size(tasks))
        return cf_error_set(reterr, CF_EINVAL, "tasks",
                            "tasks must be a non-empty array of workloads, each with a name");
    if ((double)json_array_size(tasks) > model->limits.max_plan_tasks)
        return cf_error_set(reterr, CF_EINVAL, "tasks", "a plan may hold at most %g tasks, got %zu",
                            model->limits.max_plan_tasks, json_array_size(tasks));
    for (size_t i = 0; i < json_array_size(tasks); i++) {
        const json_t *t = json_array_get(tasks, i);
        char field[32];
        snprintf(field, sizeof(field), "tasks[%zu]", i);
        if (!json_is_object(t))
            return cf_error_set(reterr, CF_EINVAL, field, "%s must be a workload object", field);
        snprintf(field, sizeof(field), "tasks[%zu].name", i);
        if (!json_object_get(t, "name"))
            return cf_error_set(reterr, CF_EMISSING, field,
                                "%s is required: each task of a plan needs a name", field);
    }
    return 0;
}

/* Takes the account's free tier from the plan's Lambda tasks, in task order, at the first
 * tier's rate (free usage is the first usage of the month). Returns the saving (<= 0). */
static double plan_free_tier(const struct model *m, const struct plan_task *pt, size_t n,
                             double *ret_requests, double *ret_gb_s)
{
    double req_left = m->lambda.free_tier_requests, gbs_left = m->lambda.free_tier_gb_s, usd = 0;
    for (size_t i = 0; i < n; i++) {
        if (pt[i].platform != MODEL_LAMBDA)
            continue;
        double r = fmin(req_left, pt[i].requests), g = fmin(gbs_left, pt[i].gb_s);
        usd -= r * pt[i].lambda_rates->request_usd + g * pt[i].lambda_rates->gb_s_tiers[0].usd;
        req_left -= r;
        gbs_left -= g;
    }
    *ret_requests = m->lambda.free_tier_requests - req_left;
    *ret_gb_s = m->lambda.free_tier_gb_s - gbs_left;
    return usd;
}

static json_t *plan_summary_json(const struct model *m, const struct workload_settings *s,
                                 const struct plan_task *pt, size_t n, json_t *plan,
                                 json_t *warnings, bool *oom)
{
    double infra[MODEL_PLATFORM_COUNT] = {0}, hours[MODEL_PLATFORM_COUNT] = {0};
    bool used[MODEL_PLATFORM_COUNT] = {false};
    int n_used = 0, confidence = 2, only = -1;
    for (size_t i = 0; i < n; i++) {
        int p = pt[i].platform;
        if (!used[p]) {
            used[p] = true;
            n_used++;
            only = p;
        }
        infra[p] += pt[i].infrastructure_usd;
        hours[p] = pt[i].ops_hours;
        if (pt[i].confidence < confidence)
            confidence = pt[i].confidence;
    }
    bool priced = s->engineer_hourly_usd > 0;
    double infra_total = 0, ops_total = 0;
    json_t *platforms = json_object();
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        if (!used[p])
            continue;
        json_t *pj = json_object(), *names = json_array();
        for (size_t i = 0; i < n; i++)
            if (pt[i].platform == p)
                push(names, json_string(pt[i].name), oom);
        put(pj, "tasks", names, oom);
        put(pj, "infrastructure_usd", jnum(infra[p]), oom);
        put(pj, "operations_hours", jnum(hours[p]), oom);
        put(pj, "operations_usd", priced ? jnum(hours[p] * s->engineer_hourly_usd) : json_null(),
            oom);
        put(platforms, model_platform_name((enum model_platform)p), pj, oom);
        infra_total += infra[p];
        ops_total += priced ? hours[p] * s->engineer_hourly_usd : 0;
    }
    put(plan, "platforms", platforms, oom);
    put(plan, "infrastructure_usd", jnum(infra_total), oom);
    put(plan, "operations_usd", priced ? jnum(ops_total) : json_null(), oom);
    double free_usd = 0;
    if (s->include_free_tier) {
        double fr = 0, fg = 0;
        free_usd = plan_free_tier(m, pt, n, &fr, &fg);
        json_t *f = json_object();
        put(f, "requests", jnum(fr), oom);
        put(f, "gb_seconds", jnum(fg), oom);
        put(f, "usd", jnum(free_usd), oom);
        put(plan, "free_tier", f, oom);
        push(warnings,
             json_string("The Lambda free tier was taken once for the whole plan, from its Lambda "
                         "tasks in order; each task was placed without it."),
             oom);
    } else {
        put(plan, "free_tier", json_null(), oom);
    }
    double total = infra_total + ops_total + free_usd;
    put(plan, "monthly_usd", jnum(total), oom);
    if (n_used > 1)
        push(warnings,
             json_string("Each task was placed as if its platform's operational effort were its "
                         "own; the plan counts each platform's effort once."),
             oom);

    json_t *r = json_object();
    put(r, "platform",
        json_string(n_used > 1 ? "hybrid" : model_platform_name((enum model_platform)only)), oom);
    put(r, "variant", json_null(), oom);
    put(r, "confidence", json_string(confidence_names[confidence]), oom);
    put(r, "monthly_usd", jnum(total), oom);
    char summary[480];
    size_t off = (size_t)snprintf(summary, sizeof(summary), "Run ");
    for (int p = 0; p < MODEL_PLATFORM_COUNT && off < sizeof(summary); p++) {
        if (!used[p])
            continue;
        size_t k = 0, count = 0;
        for (size_t i = 0; i < n; i++)
            count += pt[i].platform == p;
        for (size_t i = 0; i < n && off < sizeof(summary); i++) {
            if (pt[i].platform != p)
                continue;
            k++;
            int w = snprintf(summary + off, sizeof(summary) - off, "%s%s",
                             k == 1       ? ""
                             : k == count ? " and "
                                          : ", ",
                             pt[i].name);
            off += w > 0 ? (size_t)w : 0;
        }
        if (off < sizeof(summary)) {
            int w = snprintf(summary + off, sizeof(summary) - off, " on %s; ", platform_titles[p]);
            off += w > 0 ? (size_t)w : 0;
        }
    }
    if (off < sizeof(summary))
        snprintf(summary + off, sizeof(summary) - off, "$%.2f a month in total.", total);
    put(r, "summary", jstr_cut(summary), oom);
    return r;
}

static int advise_plan(const json_t *request, const struct rates *rates, const struct model *model,
                       json_t **ret_advice, struct cf_error *reterr)
{
    const json_t *tasks = json_object_get(request, "tasks");
    struct workload_settings settings, task_settings;
    const struct region_rates *rr = NULL;
    int r;
    if ((r = check_plan_keys(request, reterr)) < 0 || (r = check_tasks(tasks, model, reterr)) < 0 ||
        (r = workload_parse_settings(request, model, &settings, reterr)) < 0 ||
        (r = find_region(rates, settings.region, &rr, reterr)) < 0)
        return r;
    task_settings = settings;
    task_settings.include_free_tier = false; /* taken once for the plan, below */

    size_t n = json_array_size(tasks);
    struct analysis *a = calloc(1, sizeof(*a));
    struct plan_task *pt = calloc(n, sizeof(*pt));
    bool oom = false;
    json_t *out = json_object(), *plan = json_object(), *task_json = json_array();
    json_t *warnings = json_array();
    if (!a || !pt) {
        r = oom_error(reterr);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "tasks[%zu]", i);
        r = analyse_request(json_array_get(tasks, i), rates, model, &task_settings, a, reterr);
        if (r < 0) {
            cf_error_prefix_field(reterr, prefix);
            goto out;
        }
        for (size_t k = 0; k < i; k++) {
            if (!strcmp(pt[k].name, a->w.name)) {
                char field[48];
                snprintf(field, sizeof(field), "%s.name", prefix);
                r = cf_error_set(reterr, CF_EINVAL, field,
                                 "task names must be unique: tasks[%zu] and tasks[%zu] are both "
                                 "called \"%s\"",
                                 k, i, a->w.name);
                goto out;
            }
        }
        const struct cost_variant *v = chosen(a, a->winner);
        struct plan_task *t = &pt[i];
        memcpy(t->name, a->w.name, sizeof(t->name));
        t->platform = a->winner;
        t->infrastructure_usd = v->infrastructure_usd;
        t->ops_hours = a->opt[a->winner].ops_hours;
        t->requests = a->w.invocations_per_month;
        t->gb_s = v->lambda.gb_s;
        t->lambda_rates = &rr->lambda[v->arch];
        t->confidence = a->confidence;
        json_t *tj = advice_json(a, &oom);
        put(tj, "name", json_string(a->w.name), &oom);
        push(task_json, tj, &oom);
    }
    put(plan, "tasks", task_json, &oom);
    task_json = NULL;
    put(out, "recommendation", plan_summary_json(model, &settings, pt, n, plan, warnings, &oom),
        &oom);
    put(out, "plan", plan, &oom);
    plan = NULL;
    put(out, "warnings", warnings, &oom);
    warnings = NULL;
    put(out, "pricing", pricing_json(rr, &oom), &oom);
    if (oom) {
        r = oom_error(reterr);
        goto out;
    }
    *ret_advice = out;
    out = NULL;
    r = 0;
out:
    json_decref(out);
    json_decref(plan);
    json_decref(task_json);
    json_decref(warnings);
    free(pt);
    free(a);
    return r;
}

int core_advise(const json_t *request, const struct rates *rates, const struct model *model,
                json_t **ret_advice, struct cf_error *reterr)
{
    int r = check_inputs(request, rates, model, reterr);
    if (r < 0)
        return r;
    if (json_object_get(request, "tasks"))
        return advise_plan(request, rates, model, ret_advice, reterr);
    return advise_one(request, rates, model, ret_advice, reterr);
}

/* ---- compare: break-even and curve ---- */

/* Prices platform `p` for the analysed workload at `n` invocations a month. Returns the
 * cheapest variant of `mode` (NAN when none) and sets *ret_feasible. */
static double cost_at(const struct analysis *a, double n, int p, enum cost_mode mode,
                      bool *ret_feasible)
{
    struct workload w = a->w;
    struct cost_option o;
    w.invocations_per_month = n;
    if (p == MODEL_LAMBDA)
        cost_lambda(&w, a->rr, a->m, &o);
    else if (p == MODEL_FARGATE)
        cost_fargate(&w, a->rr, a->m, &o);
    else
        cost_ec2_gpu(&w, a->rr, a->m, &o);
    if (ret_feasible)
        *ret_feasible = o.feasible;
    return cost_best(&o, mode);
}

/* Returns the first block of `o` that no invocation rate lifts, or NULL. */
static const struct cost_block *static_block(const struct cost_option *o)
{
    for (size_t i = 0; i < o->n_blocks; i++)
        if (!o->blocks[i].rate_dependent)
            return &o->blocks[i];
    return NULL;
}

static json_t *no_break_even(const char *reason, bool *oom)
{
    json_t *j = json_object();
    put(j, "invocations_per_month", json_null(), oom);
    put(j, "reason", json_string(reason), oom);
    return j;
}

/* Finds the lowest invocation rate at which the cheaper of Lambda and platform `other` (in
 * `mode`) changes, by scanning a log grid from 1 to the model's largest rate and bisecting
 * the first bracket where the sign of the difference flips. */
static json_t *break_even_json(const struct analysis *a, int other, enum cost_mode mode,
                               const char *other_label, bool *oom)
{
    const struct model *m = a->m;
    char why[320];
    const struct cost_block *b;
    if ((b = static_block(&a->opt[MODEL_LAMBDA])) || (b = static_block(&a->opt[other]))) {
        snprintf(why, sizeof(why), "No break-even: %s cannot run this workload at any rate. %s",
                 b == static_block(&a->opt[MODEL_LAMBDA]) ? "Lambda" : other_label, b->detail);
        return no_break_even(why, oom);
    }
    if (isnan(cost_best(&a->opt[other], mode))) {
        snprintf(why, sizeof(why),
                 "No break-even: the request pins Fargate to another mode than "
                 "%s.",
                 mode_name(mode));
        return no_break_even(why, oom);
    }
    double lo = 1, hi = m->limits.max_invocations_per_month;
    int steps = (int)ceil(log10(hi / lo) * BREAK_EVEN_PER_DECADE);
    double prev_n = 0, bracket_lo = 0, bracket_hi = 0;
    bool prev_dearer = false, first_dearer = false;
    int crossings = 0;
    for (int i = 0; i <= steps; i++) {
        double n = i == steps ? hi : lo * pow(10, (double)i / BREAK_EVEN_PER_DECADE);
        double d =
            cost_at(a, n, MODEL_LAMBDA, COST_MODE_NONE, NULL) - cost_at(a, n, other, mode, NULL);
        bool dearer = d > 0; /* Lambda costs more */
        if (i == 0) {
            first_dearer = dearer;
        } else if (dearer != prev_dearer) {
            if (!crossings++) {
                bracket_lo = prev_n;
                bracket_hi = n;
            }
        }
        prev_dearer = dearer;
        prev_n = n;
    }
    if (!crossings) {
        snprintf(why, sizeof(why),
                 "No break-even: %s is cheaper at every rate from %g to %g invocations a month.",
                 first_dearer ? other_label : "Lambda", lo, hi);
        return no_break_even(why, oom);
    }
    for (int k = 0; k < BREAK_EVEN_BISECTIONS; k++) {
        double mid = sqrt(bracket_lo * bracket_hi);
        double d = cost_at(a, mid, MODEL_LAMBDA, COST_MODE_NONE, NULL) -
                   cost_at(a, mid, other, mode, NULL);
        if ((d > 0) == first_dearer)
            bracket_lo = mid;
        else
            bracket_hi = mid;
    }
    double n = bracket_hi;
    bool lambda_ok = false, other_ok = false;
    double lu = cost_at(a, n, MODEL_LAMBDA, COST_MODE_NONE, &lambda_ok);
    double ou = cost_at(a, n, other, mode, &other_ok);
    json_t *j = json_object();
    put(j, "invocations_per_month", jnum(n), oom);
    put(j, "invocations_per_second", jnum(n / (m->hours_per_month * 3600)), oom);
    put(j, "lambda_usd", jnum(lu), oom);
    put(j, "other_usd", jnum(ou), oom);
    put(j, "cheaper_below",
        json_string(first_dearer ? model_platform_name((enum model_platform)other) : "lambda"),
        oom);
    put(j, "cheaper_above",
        json_string(first_dearer ? "lambda" : model_platform_name((enum model_platform)other)),
        oom);
    put(j, "lambda_feasible", json_boolean(lambda_ok), oom);
    put(j, "other_feasible", json_boolean(other_ok), oom);
    put(j, "crossings", json_integer(crossings), oom);
    return j;
}

static json_t *curve_json(const struct analysis *a, bool *oom)
{
    json_t *arr = json_array();
    double n0 = a->w.invocations_per_month;
    for (int k = 0; k < CURVE_POINTS; k++) {
        double e = -CURVE_DECADES / 2 + CURVE_DECADES * k / (CURVE_POINTS - 1);
        double n = k == (CURVE_POINTS - 1) / 2 ? n0 : n0 * pow(10, e);
        json_t *pt = json_object();
        put(pt, "invocations_per_month", jnum(n), oom);
        for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
            bool ok = false;
            double usd = cost_at(a, n, p, COST_MODE_NONE, &ok);
            put(pt, model_platform_name((enum model_platform)p), ok ? jnum(usd) : json_null(), oom);
        }
        push(arr, pt, oom);
    }
    return arr;
}

int core_compare(const json_t *request, const struct rates *rates, const struct model *model,
                 json_t **ret_compare, struct cf_error *reterr)
{
    int r = check_inputs(request, rates, model, reterr);
    if (r < 0)
        return r;
    if (json_object_get(request, "tasks"))
        return cf_error_set(reterr, CF_EINVAL, "tasks",
                            "compare takes one workload; send a plan with tasks to advise");
    struct workload w;
    const struct region_rates *rr = NULL;
    if ((r = workload_parse(request, model, NULL, &w, reterr)) < 0 ||
        (r = find_region(rates, w.settings.region, &rr, reterr)) < 0)
        return r;
    struct analysis *a = calloc(1, sizeof(*a));
    if (!a)
        return oom_error(reterr);
    analyse(&w, rr, model, a);
    bool oom = false;
    json_t *j = json_object();
    put(j, "recommendation", a->winner >= 0 ? recommendation_json(a, &oom) : json_null(), &oom);
    put(j, "options", options_json(a, &oom), &oom);
    json_t *be = json_object();
    put(be, "lambda_vs_fargate_always_on",
        break_even_json(a, MODEL_FARGATE, COST_MODE_ALWAYS_ON, "always-on Fargate", &oom), &oom);
    put(be, "lambda_vs_fargate_per_job",
        break_even_json(a, MODEL_FARGATE, COST_MODE_PER_JOB, "per-job Fargate", &oom), &oom);
    put(be, "lambda_vs_ecs_ec2_gpu",
        break_even_json(a, MODEL_EC2_GPU, COST_MODE_NONE, "ECS on EC2 with a GPU", &oom), &oom);
    put(j, "break_even", be, &oom);
    put(j, "curve", curve_json(a, &oom), &oom);
    put(j, "warnings", a->winner >= 0 ? warnings_json(a, &oom) : json_array(), &oom);
    put(j, "workload", workload_to_json(&a->w, model), &oom);
    put(j, "pricing", pricing_json(rr, &oom), &oom);
    free(a);
    if (oom) {
        json_decref(j);
        return oom_error(reterr);
    }
    *ret_compare = j;
    return 0;
}
