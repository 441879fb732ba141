/*
 * render_json.c - an answer of the core as the JSON body of /advise and /compare, written
 * straight from the structs into one buffer (jsonout.h's writer): no document tree is built.
 * The shape is openapi/openapi.yaml's Advice, PlanAdvice and CompareResponse.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "computefit/dynbuf.h"
#include "computefit/isotime.h"
#include "computefit/jsonout.h"
#include "computefit/platform.h"
#include "computefit/render.h"

/* The longest answer: a plan of the largest size is a few hundred KB. */
#define JSON_MAX (8u * 1024 * 1024)
#define TEXT_MAX 1024 /* one sentence */

static const char *const confidence_names[] = {"low", "medium", "high"};

static inline void kv_num(struct jsonw *j, const char *key, double v)
{
    jsonw_key(j, key);
    jsonw_num(j, v);
}

static inline void kv_str(struct jsonw *j, const char *key, const char *s)
{
    jsonw_key(j, key);
    jsonw_str(j, s);
}

static inline void kv_bool(struct jsonw *j, const char *key, bool b)
{
    jsonw_key(j, key);
    jsonw_bool(j, b);
}

static inline void kv_null(struct jsonw *j, const char *key)
{
    jsonw_key(j, key);
    jsonw_null(j);
}

/* A count the request may leave out: null when 0. */
static void kv_count(struct jsonw *j, const char *key, long long n)
{
    jsonw_key(j, key);
    if (n)
        jsonw_int(j, n);
    else
        jsonw_null(j);
}

static void kv_msg(struct jsonw *j, const char *key, const struct message *m)
{
    char text[TEXT_MAX];
    msg_format(m, text, sizeof(text));
    kv_str(j, key, text);
}

static void messages(struct jsonw *j, const char *key, const struct message *m, size_t n)
{
    char text[TEXT_MAX];
    jsonw_key(j, key);
    jsonw_array(j);
    for (size_t i = 0; i < n; i++) {
        msg_format(&m[i], text, sizeof(text));
        jsonw_str(j, text);
    }
    jsonw_array_end(j);
}

/* ---- options ---- */

static void line_items(struct jsonw *j, const struct cost_variant *v)
{
    jsonw_key(j, "line_items");
    jsonw_array(j);
    for (size_t i = 0; v && i < v->n_lines; i++) {
        const struct cost_line *l = &v->lines[i];
        jsonw_object(j);
        kv_str(j, "item", l->item);
        kv_num(j, "quantity", l->quantity);
        kv_str(j, "unit", l->unit);
        kv_num(j, "unit_usd", l->unit_usd);
        kv_num(j, "usd", l->usd);
        kv_str(j, "category", cost_category_name(l->category));
        if (l->basis.code)
            kv_msg(j, "assumption", &l->basis);
        if (l->estimate)
            kv_bool(j, "estimate", true);
        if (l->committed)
            kv_bool(j, "savings_plan", true);
        jsonw_object_end(j);
    }
    jsonw_array_end(j);
}

static void config(struct jsonw *j, const struct advice *a, const struct cost_option *o,
                   const struct cost_variant *v)
{
    struct param p[PLATFORM_PARAMS_MAX];
    size_t n = o->platform->config(o, v, &a->w, a->m, p);
    jsonw_key(j, "config");
    jsonw_object(j);
    for (size_t i = 0; i < n; i++) {
        if (p[i].kind == PARAM_END) {
            jsonw_object_end(j);
            continue;
        }
        jsonw_key(j, p[i].key);
        switch (p[i].kind) {
        case PARAM_NUM:
            jsonw_num(j, p[i].num);
            break;
        case PARAM_INT:
            jsonw_int(j, (long long)p[i].num);
            break;
        case PARAM_STR:
            jsonw_str(j, p[i].str);
            break;
        case PARAM_BOOL:
            jsonw_bool(j, p[i].b);
            break;
        case PARAM_BEGIN:
            jsonw_object(j);
            break;
        default:
            jsonw_null(j);
            break;
        }
    }
    jsonw_object_end(j);
}

/* A variant's "line_items", "config", "startup_s" and "notes" members. */
static void bill(struct jsonw *j, const struct advice *a, const struct cost_option *o,
                 const struct cost_variant *v)
{
    line_items(j, v);
    config(j, a, o, v);
    kv_num(j, "startup_s", v->startup_s);
    messages(j, "notes", v->notes, v->n_notes);
}

/* An upfront payment is counted spread over the term's months (the rates include it). */
static void upfront_months(struct jsonw *j, enum cf_sp_payment pay, int term_years)
{
    jsonw_key(j, "upfront_spread_months");
    if (pay == CF_SP_NO_UPFRONT)
        jsonw_null(j);
    else
        jsonw_int(j, 12LL * term_years);
}

/* The option repriced under each Savings Plan the region has rates for that covers it. */
static void commitments(struct jsonw *j, const struct advice *a, int p)
{
    jsonw_key(j, "commitments");
    jsonw_array(j);
    for (size_t i = 0; i < a->n_quotes[p]; i++) {
        const struct commitment_quote *q = &a->quotes[p][i];
        jsonw_object(j);
        kv_str(j, "plan", cf_sp_plan_name(q->plan));
        jsonw_key(j, "term_years");
        jsonw_int(j, q->term_years);
        kv_str(j, "payment", cf_sp_payment_name(q->payment));
        kv_num(j, "monthly_usd", q->monthly_usd);
        kv_num(j, "savings_usd", q->savings_usd);
        upfront_months(j, q->payment, q->term_years);
        jsonw_object_end(j);
    }
    jsonw_array_end(j);
}

/* Whether a variant's price is an estimate: Spot at a discount or the Advisor's saving, or a
 * line at a rate the model estimates (ECS Managed Instances' management fee). */
static bool estimated(const struct cost_variant *v)
{
    bool e = cost_spot_is_estimate(v->spot_source);
    for (size_t i = 0; !e && i < v->n_lines; i++)
        e = v->lines[i].estimate;
    return e;
}

static void option(struct jsonw *j, const struct advice *a, int p)
{
    const struct cost_option *o = &a->options[p];
    const struct cost_variant *v = o->feasible ? cost_chosen(o) : NULL;
    jsonw_key(j, platforms[p].key);
    jsonw_object(j);
    kv_bool(j, "feasible", v != NULL);
    jsonw_key(j, "blocked_by");
    jsonw_array(j);
    for (size_t i = 0; i < o->n_blocks; i++) {
        const struct cost_block *b = &o->blocks[i];
        jsonw_object(j);
        kv_str(j, "limit", b->limit);
        kv_num(j, "limit_value", b->limit_value);
        kv_num(j, "value", b->value);
        kv_msg(j, "detail", &b->detail);
        jsonw_object_end(j);
    }
    jsonw_array_end(j);
    kv_num(j, "monthly_usd", v ? v->monthly_usd : (double)NAN);
    kv_num(j, "infrastructure_usd", v ? v->infrastructure_usd : (double)NAN);
    kv_num(j, "compute_usd", v ? v->compute_usd : (double)NAN);
    kv_num(j, "operations_usd", v && o->ops_priced ? v->operations_usd : (double)NAN);
    kv_num(j, "operations_hours", o->ops_hours);
    kv_str(j, "variant", v ? v->name : NULL);
    kv_str(j, "front_door",
           o->front_door != WORKLOAD_DOOR_NONE ? workload_front_door_name(o->front_door) : NULL);
    kv_bool(j, "front_door_alb", o->front_door_alb);
    kv_str(j, "network",
           o->network != WORKLOAD_NET_NONE ? workload_network_name(o->network) : NULL);
    kv_bool(j, "estimate", v && estimated(v));
    /* The chosen variant's bill appears twice, here and in "variants": written once. */
    struct dynbuf chosen;
    struct jsonw cw;
    dynbuf_init(&chosen, JSON_MAX);
    jsonw_init(&cw, &chosen);
    if (v) {
        bill(&cw, a, o, v);
        if (!jsonw_ok(&cw))
            j->bad = true;
        jsonw_raw(j, chosen.buf ? chosen.buf : "", chosen.len);
    } else {
        line_items(j, NULL);
        kv_null(j, "config");
        kv_null(j, "startup_s");
        jsonw_key(j, "notes");
        jsonw_array(j);
        jsonw_array_end(j);
    }
    commitments(j, a, p);
    jsonw_key(j, "variants");
    jsonw_array(j);
    for (size_t i = 0; v && i < o->n_variants; i++) {
        const struct cost_variant *x = &o->variants[i];
        jsonw_object(j);
        kv_str(j, "variant", x->name);
        kv_bool(j, "chosen", (int)i == o->chosen);
        kv_num(j, "monthly_usd", x->monthly_usd);
        kv_num(j, "infrastructure_usd", x->infrastructure_usd);
        kv_num(j, "compute_usd", x->compute_usd);
        kv_bool(j, "estimate", estimated(x));
        jsonw_key(j, "meets_latency_budget");
        if (isfinite(a->w.latency_budget_s))
            jsonw_bool(j, !x->too_slow);
        else
            jsonw_null(j);
        if ((int)i == o->chosen)
            jsonw_raw(j, chosen.buf ? chosen.buf : "", chosen.len);
        else
            bill(j, a, o, x);
        jsonw_object_end(j);
    }
    dynbuf_free(&chosen);
    jsonw_array_end(j);
    jsonw_object_end(j);
}

static void options(struct jsonw *j, const struct advice *a)
{
    jsonw_key(j, "options");
    jsonw_object(j);
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        option(j, a, p);
    jsonw_object_end(j);
}

/* ---- reasons ---- */

static void verdict(struct jsonw *j, struct verdict v)
{
    static const char *const kinds[] = {"neutral", "favours_", "risky_", "blocks_"};
    char text[64] = "neutral";
    if (v.kind != VERDICT_NEUTRAL) {
        size_t k = strlen(kinds[v.kind]), n = strlen(platforms[v.platform].verdict_key);
        if (k + n < sizeof(text)) {
            memcpy(text, kinds[v.kind], k);
            memcpy(text + k, platforms[v.platform].verdict_key, n + 1);
        }
    }
    kv_str(j, "verdict", text);
}

static void figures(struct jsonw *j, const struct reason *r)
{
    jsonw_key(j, "figures");
    jsonw_object(j);
    for (size_t i = 0; i < r->n_figures; i++) {
        const struct figure *f = &r->figures[i];
        jsonw_key(j, f->key);
        switch (f->kind) {
        case FIG_NUM:
            jsonw_num(j, f->num);
            break;
        case FIG_INT:
            jsonw_int(j, (long long)f->num);
            break;
        case FIG_BOOL:
            jsonw_bool(j, f->b);
            break;
        case FIG_STR:
            jsonw_str(j, f->str);
            break;
        case FIG_PER_PLATFORM:
            jsonw_object(j);
            for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
                kv_num(j, platforms[p].key, f->per_platform ? f->per_platform[p] : (double)NAN);
            jsonw_object_end(j);
            break;
        default:
            jsonw_null(j);
            break;
        }
    }
    jsonw_object_end(j);
}

static void reasons(struct jsonw *j, const struct advice *a)
{
    jsonw_key(j, "reasons");
    jsonw_array(j);
    for (size_t i = 0; i < a->n_reasons; i++) {
        const struct reason *r = &a->reasons[i];
        jsonw_object(j);
        kv_str(j, "rule", r->rule);
        kv_str(j, "code", msg_code_name(r->code));
        verdict(j, r->verdict);
        kv_msg(j, "detail", &r->text);
        figures(j, r);
        jsonw_object_end(j);
    }
    jsonw_array_end(j);
}

/* ---- the workload as understood ---- */

static void workload(struct jsonw *j, const struct workload *w, const struct model *m)
{
    jsonw_key(j, "workload");
    jsonw_object(j);
    if (w->name[0])
        kv_str(j, "name", w->name);
    kv_str(j, "kind", w->kind[0] ? w->kind : NULL);
    kv_num(j, "duration_s", w->duration_s);
    kv_num(j, "memory_mb", w->memory_mb);
    kv_num(j, "invocations_per_month", w->invocations_per_month);
    kv_num(j, "invocations_per_second", workload_rate_per_s(w, m));
    kv_num(j, "concurrency", workload_concurrency(w, m));
    kv_num(j, "vcpu", w->vcpu);
    jsonw_key(j, "gpu");
    if (w->gpu || w->cpu_only)
        jsonw_bool(j, w->gpu);
    else
        jsonw_null(j); /* not given: GPU placements are priced beside CPU ones */
    kv_num(j, "gpu_memory_gb", w->gpu && w->gpu_memory_gb > 0 ? w->gpu_memory_gb : (double)NAN);
    kv_num(j, "model_params_b", w->model_params_b > 0 ? w->model_params_b : (double)NAN);
    kv_str(j, "precision", w->model_params_b > 0 ? model_precision_name(w->precision) : NULL);
    kv_num(j, "model_memory_mb", w->model_params_b > 0 ? w->model_memory_mb : (double)NAN);
    kv_str(j, "trigger", w->trigger != MODEL_TRIGGER_NONE ? model_trigger_name(w->trigger) : NULL);
    kv_bool(j, "latency_sensitive", w->latency_sensitive);
    kv_num(j, "latency_budget_s", w->latency_budget_s); /* null: none */
    kv_num(j, "init_duration_s", w->init_duration_s);
    kv_num(j, "concurrency_per_task", w->concurrency_per_task);
    kv_bool(j, "interruptible", w->interruptible);
    kv_str(j, "architecture", workload_arch_name(w->arch));
    kv_num(j, "ephemeral_storage_mb", w->ephemeral_mb);
    kv_str(j, "front_door", workload_front_door_name(w->bill.front_door));
    kv_str(j, "network", workload_network_name(w->bill.network));
    kv_num(j, "egress_gb_per_month", w->bill.egress_gb_per_month);
    kv_num(j, "log_bytes_per_invocation", w->bill.log_bytes_per_invocation);
    jsonw_key(j, "log_retention_days");
    jsonw_int(j, w->bill.log_retention_days);
    kv_num(j, "bytes_per_request", w->bill.bytes_per_request);
    kv_str(j, "region", w->settings.region);
    kv_bool(j, "compute_only", w->settings.compute_only);
    kv_bool(j, "include_free_tier", w->settings.include_free_tier);
    kv_count(j, "team_engineers", w->settings.team_engineers);
    kv_num(j, "engineer_hourly_usd",
           w->settings.engineer_hourly_usd > 0 ? w->settings.engineer_hourly_usd : (double)NAN);
    jsonw_key(j, "fargate");
    jsonw_object(j);
    kv_bool(j, "pinned", w->fargate.pinned);
    kv_num(j, "vcpu", w->fargate.pinned ? w->fargate.vcpu : (double)NAN);
    kv_num(j, "memory_gb", w->fargate.pinned ? w->fargate.memory_gb : (double)NAN);
    kv_str(j, "mode", workload_fargate_mode_name(w->fargate.mode));
    kv_count(j, "tasks", w->fargate.tasks);
    kv_num(j, "startup_s", w->fargate.startup_s);
    jsonw_object_end(j);
    jsonw_key(j, "commitment");
    if (w->settings.commitment.given) {
        jsonw_object(j);
        kv_str(j, "plan", cf_sp_plan_name(w->settings.commitment.plan));
        jsonw_key(j, "term_years");
        jsonw_int(j, w->settings.commitment.term_years);
        kv_str(j, "payment", cf_sp_payment_name(w->settings.commitment.payment));
        jsonw_object_end(j);
    } else {
        jsonw_null(j); /* on-demand */
    }
    jsonw_key(j, "lambda");
    jsonw_object(j);
    kv_count(j, "provisioned_concurrency", w->lambda.provisioned);
    kv_num(j, "provisioned_hours",
           w->lambda.provisioned ? w->lambda.provisioned_hours : (double)NAN);
    jsonw_object_end(j);
    jsonw_key(j, "sources");
    jsonw_object(j);
    kv_str(j, "duration", workload_source_name(w->duration_from));
    kv_str(j, "memory", workload_source_name(w->memory_from));
    kv_str(j, "invocations", workload_source_name(w->invocations_from));
    kv_str(j, "vcpu", workload_source_name(w->vcpu_from));
    if (w->gpu)
        kv_str(j, "gpu_memory", workload_source_name(w->gpu_memory_from));
    if (isfinite(w->latency_budget_s))
        kv_str(j, "latency_budget", workload_source_name(w->latency_budget_from));
    kv_str(j, "init_duration", workload_source_name(w->init_duration_from));
    kv_str(j, "concurrency_per_task", workload_source_name(w->concurrency_from));
    jsonw_object_end(j);
    jsonw_object_end(j);
}

/* ---- the rates used ---- */

/* The Savings Plan the answer was asked to price under, and whether the region had its rates
 * (null: on-demand was asked for). */
static void commitment(struct jsonw *j, const struct cf_answer *a)
{
    const struct workload_commitment *wc = &a->commitment;
    jsonw_key(j, "commitment");
    if (!wc->given) {
        jsonw_null(j);
        return;
    }
    jsonw_object(j);
    kv_str(j, "plan", cf_sp_plan_name(wc->plan));
    jsonw_key(j, "term_years");
    jsonw_int(j, wc->term_years);
    kv_str(j, "payment", cf_sp_payment_name(wc->payment));
    kv_bool(j, "applied", a->commit != NULL);
    upfront_months(j, wc->payment, wc->term_years);
    jsonw_key(j, "covers");
    jsonw_array(j);
    for (int o = 0; a->commit && o < CF_OFFER_COUNT; o++)
        if (a->commit->covers[o])
            jsonw_str(j, cf_offer_name((enum cf_offer)o));
    jsonw_array_end(j);
    const struct offer_info *in = &a->rr->info[CF_OFFER_SAVINGS_PLANS];
    kv_str(j, "version", a->commit && in->version[0] ? in->version : NULL);
    kv_str(j, "origin", a->commit && in->origin[0] ? in->origin : NULL);
    jsonw_object_end(j);
}

static void pricing(struct jsonw *j, const struct cf_answer *a, const struct render_opts *opts)
{
    const struct region_rates *rr = a->rr;
    struct render_pricing rp;
    render_pricing_of(rr, opts, &rp);
    jsonw_key(j, "pricing");
    jsonw_object(j);
    kv_str(j, "source", rp.source);
    kv_str(j, "region", rr->code);
    kv_str(j, "version", rp.version);
    kv_str(j, "as_of", rp.as_of);
    jsonw_key(j, "offers");
    jsonw_object(j);
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!rr->has[o] || !cf_offer_required((enum cf_offer)o))
            continue; /* as render_pricing_of(): the offers an answer is priced from */
        const struct offer_info *in = &rr->info[o];
        char when[ISOTIME_LEN] = "";
        if (in->fetched_at)
            isotime_format(in->fetched_at, when);
        jsonw_key(j, cf_offer_name((enum cf_offer)o));
        jsonw_object(j);
        kv_str(j, "source", cf_source_name(in->source));
        kv_str(j, "version", in->version[0] ? in->version : NULL);
        kv_str(j, "published", in->published[0] ? in->published : NULL);
        kv_str(j, "fetched_at", when[0] ? when : NULL);
        kv_str(j, "origin", in->origin[0] ? in->origin : NULL);
        jsonw_object_end(j);
    }
    jsonw_object_end(j);
    jsonw_key(j, "age_s");
    if (rp.known_age)
        jsonw_int(j, rp.age_s);
    else
        jsonw_null(j);
    kv_bool(j, "stale", rp.stale);
    commitment(j, a);
    jsonw_object_end(j);
}

/* ---- answers ---- */

static void recommendation(struct jsonw *j, const struct advice *a)
{
    const struct cost_variant *v = cost_chosen(&a->options[a->winner]);
    jsonw_key(j, "recommendation");
    jsonw_object(j);
    kv_str(j, "platform", platforms[a->winner].key);
    kv_str(j, "variant", v->name);
    kv_str(j, "confidence", confidence_names[a->confidence]);
    /* Why this one: the cheapest, or one with less upkeep within the model's margin of it. */
    kv_str(j, "basis", a->simpler ? "simpler" : "cheapest");
    kv_num(j, "monthly_usd", v->monthly_usd);
    kv_msg(j, "summary", &a->summary);
    jsonw_object_end(j);
}

/* The advice on one workload, without "pricing" (a plan's tasks share the plan's). */
static void advice_members(struct jsonw *j, const struct advice *a)
{
    recommendation(j, a);
    options(j, a);
    reasons(j, a);
    messages(j, "warnings", a->warnings, a->n_warnings);
    workload(j, &a->w, a->m);
}

static void plan(struct jsonw *j, const struct plan *p)
{
    bool priced = p->settings.engineer_hourly_usd > 0;
    char summary[TEXT_MAX];
    render_plan_summary(p, summary, sizeof(summary));
    jsonw_key(j, "recommendation");
    jsonw_object(j);
    kv_str(j, "platform", p->n_platforms_used > 1 ? "hybrid" : platforms[p->only_platform].key);
    kv_null(j, "variant");
    kv_str(j, "confidence", confidence_names[p->confidence]);
    kv_num(j, "monthly_usd", p->monthly_usd);
    kv_str(j, "summary", summary);
    jsonw_object_end(j);
    jsonw_key(j, "plan");
    jsonw_object(j);
    jsonw_key(j, "tasks");
    jsonw_array(j);
    for (size_t i = 0; i < p->n_tasks; i++) {
        jsonw_object(j);
        advice_members(j, p->tasks[i].advice);
        kv_str(j, "name", p->tasks[i].name);
        jsonw_object_end(j);
    }
    jsonw_array_end(j);
    jsonw_key(j, "platforms");
    jsonw_object(j);
    for (int q = 0; q < MODEL_PLATFORM_COUNT; q++) {
        const struct plan_platform *pp = &p->platforms[q];
        if (!pp->used)
            continue;
        jsonw_key(j, platforms[q].key);
        jsonw_object(j);
        jsonw_key(j, "tasks");
        jsonw_array(j);
        for (size_t i = 0; i < p->n_tasks; i++)
            if (p->tasks[i].advice->winner == q)
                jsonw_str(j, p->tasks[i].name);
        jsonw_array_end(j);
        kv_num(j, "infrastructure_usd", pp->infrastructure_usd);
        kv_num(j, "operations_hours", pp->operations_hours);
        kv_num(j, "operations_usd",
               priced ? pp->operations_hours * p->settings.engineer_hourly_usd : (double)NAN);
        jsonw_object_end(j);
    }
    jsonw_object_end(j);
    kv_num(j, "infrastructure_usd", p->infrastructure_usd);
    kv_num(j, "operations_usd", priced ? p->operations_usd : (double)NAN);
    jsonw_key(j, "free_tier");
    if (p->free_tier) {
        jsonw_object(j);
        kv_num(j, "requests", p->free_tier_requests);
        kv_num(j, "gb_seconds", p->free_tier_gb_s);
        kv_num(j, "usd", p->free_tier_usd);
        jsonw_object_end(j);
    } else {
        jsonw_null(j);
    }
    jsonw_key(j, "shared");
    if (p->shared_usd < 0) {
        jsonw_object(j);
        kv_num(j, "alb_hours", p->shared_alb_hours);
        kv_num(j, "nat_gateway_hours", p->shared_nat_hours);
        kv_num(j, "usd", p->shared_usd);
        jsonw_object_end(j);
    } else {
        jsonw_null(j);
    }
    kv_num(j, "monthly_usd", p->monthly_usd);
    jsonw_object_end(j);
    messages(j, "warnings", p->warnings, p->n_warnings);
}

static void break_evens(struct jsonw *j, const struct comparison *c, const struct model *m)
{
    char key[64];
    jsonw_key(j, "break_even");
    jsonw_object(j);
    for (size_t i = 0; i < c->n_break_evens; i++) {
        const struct break_even *be = &c->break_evens[i];
        jsonw_key(j, be->key);
        jsonw_object(j);
        if (!be->found) {
            kv_null(j, "invocations_per_month");
            kv_msg(j, "reason", &be->reason);
            jsonw_object_end(j);
            continue;
        }
        kv_num(j, "invocations_per_month", be->n);
        kv_num(j, "invocations_per_second", be->n / (m->hours_per_month * 3600));
        snprintf(key, sizeof(key), "%s_usd", platforms[0].key);
        kv_num(j, key, be->reference_usd);
        kv_num(j, "other_usd", be->other_usd);
        kv_str(j, "cheaper_below", platforms[be->cheaper_below].key);
        kv_str(j, "cheaper_above", platforms[be->cheaper_above].key);
        snprintf(key, sizeof(key), "%s_feasible", platforms[0].key);
        kv_bool(j, key, be->reference_feasible);
        kv_bool(j, "other_feasible", be->other_feasible);
        jsonw_key(j, "crossings");
        jsonw_int(j, be->crossings);
        jsonw_object_end(j);
    }
    jsonw_object_end(j);
}

static void curve(struct jsonw *j, const struct comparison *c)
{
    jsonw_key(j, "curve");
    jsonw_array(j);
    for (size_t i = 0; i < c->n_curve; i++) {
        jsonw_object(j);
        kv_num(j, "invocations_per_month", c->curve[i].n);
        for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
            kv_num(j, platforms[p].key, c->curve[i].usd[p]);
        jsonw_object_end(j);
    }
    jsonw_array_end(j);
}

static void comparison(struct jsonw *j, const struct comparison *c)
{
    const struct advice *a = c->advice;
    if (a->winner >= 0)
        recommendation(j, a);
    else
        kv_null(j, "recommendation");
    options(j, a);
    break_evens(j, c, a->m);
    curve(j, c);
    messages(j, "warnings", a->warnings, a->winner >= 0 ? a->n_warnings : 0);
    workload(j, &a->w, a->m);
}

char *render_json(const struct cf_answer *a, const struct render_opts *opts, size_t *ret_len)
{
    struct dynbuf d;
    struct jsonw j;
    dynbuf_init(&d, JSON_MAX);
    dynbuf_reserve(&d, 16 * 1024); /* one advice is about 10 KB: no regrowth on the way */
    jsonw_init(&j, &d);
    jsonw_object(&j);
    switch (a->kind) {
    case ANSWER_ADVICE:
        advice_members(&j, a->advice);
        break;
    case ANSWER_PLAN:
        plan(&j, a->plan);
        break;
    case ANSWER_COMPARISON:
        comparison(&j, a->comparison);
        break;
    }
    pricing(&j, a, opts);
    jsonw_object_end(&j);
    if (!jsonw_ok(&j)) {
        dynbuf_free(&d);
        return NULL;
    }
    return dynbuf_take(&d, ret_len);
}
