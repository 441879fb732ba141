/*
 * platform_lambda.c - AWS Lambda: requests, GB-seconds through the monthly tiers (billed per
 * millisecond), ephemeral storage above the included amount, the free tier when asked.
 *
 * Billing rules follow AWS's published ones (config/model.json has the sources): requests x
 * rate + GB-s (memory/1024 x duration rounded up to the billing granularity) through the
 * monthly tiers + /tmp above the included MB per GB-s; the free tier (requests, GB-s) is
 * subtracted first when asked. Since 1 August 2025 the INIT phase of every cold start is billed
 * like invocation time: its GB-seconds follow the invocations' through the same tiers.
 *
 * Cold starts: arrivals are taken as a Poisson process of rate r = invocations / seconds in a
 * month, and an invocation starts cold when no other arrived within the idle lifetime T of an
 * execution environment (model: lambda.warm_idle_s), probability exp(-r T). This is the one
 * environment view, right while concurrency stays low; with many environments, cold starts
 * come from scaling out and are rarer still. The INIT cost N exp(-N T / month) is not linear
 * in the rate N, so a variant reports short, curved pieces to the break-even solver there.
 *
 * Provisioned concurrency (AWS Lambda pricing, "Provisioned Concurrency Pricing"): N
 * environments kept warm are billed per GB-second configured, whether used or not; the calls
 * they serve are billed at the lower provisioned duration rate, without tiers, and requests as
 * usual; the free tier does not apply to a function that enables it. Priced when the request
 * pins it (`lambda`: N and its hours a month, all calls assumed to run on it, as AWS's
 * examples do) and, sized like any fleet, beside on-demand when a latency budget rules cold
 * starts out.
 */
#include <math.h>

#include "computefit/platform.h"

/* What a Lambda variant was priced with (cost_variant.detail). */
struct lambda_detail {
    double memory_mb, billed_ms, gb_s, ephemeral_mb, requests, free_requests, free_gb_s;
    double init_ms, cold_starts, init_gb_s;
    double provisioned, provisioned_hours; /* warm environments and their hours; 0: on demand */
};

static const char *const tier_items[CF_LAMBDA_TIERS_MAX] = {"duration_tier_1", "duration_tier_2",
                                                            "duration_tier_3", "duration_tier_4"};
static const char *const init_items[CF_LAMBDA_TIERS_MAX] = {"init_tier_1", "init_tier_2",
                                                            "init_tier_3", "init_tier_4"};

/* The curved stretch of the INIT cost N exp(-x), x = N T / month: above CURVE_HI it is below
 * 4e-18 N; below, pieces end every CURVE_STEP in N (the break-even solver bisects on them). */
#define CURVE_HI   40.0
#define CURVE_STEP 1.25

/* Memory Lambda must be configured with: the task's memory, raised for an explicit vCPU need
 * (Lambda allocates CPU in proportion to memory), within Lambda's range, in whole MB. */
static double memory_mb(const struct workload *w, const struct model *m)
{
    double mb = ceil(workload_memory_need_mb(w) - COST_EPS);
    if (w->vcpu_from == WORKLOAD_FROM_REQUEST) {
        double need = ceil(w->vcpu * m->lambda.mb_per_vcpu - COST_EPS);
        if (need > m->lambda.max_memory_mb && w->vcpu <= m->lambda.max_vcpu)
            need = m->lambda.max_memory_mb; /* the largest size gives max_vcpu */
        if (need > mb)
            mb = need;
    }
    return mb < m->lambda.min_memory_mb ? m->lambda.min_memory_mb : mb;
}

static void blocks(const struct cost_ctx *c, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct model_lambda *l = &c->m->lambda;
    if (!c->rr->has[o->platform->offer])
        cost_block(c, o, "rates", 0, 0, false,
                   msg_make(B_NO_RATES, "ss", o->platform->rates_label, c->rr->code));
    if (w->gpu)
        cost_block(c, o, "gpu", 0, 1, false, msg_make(B_NO_GPU, "s", o->platform->title));
    if (w->duration_s > l->max_duration_s)
        cost_block(c, o, "lambda.max_duration_s", l->max_duration_s, w->duration_s, false,
                   msg_make(B_LAMBDA_DURATION, "nn", w->duration_s, l->max_duration_s));
    cost_block_memory(c, o, "lambda.max_memory_mb", l->max_memory_mb,
                      msg_make(B_LAMBDA_MEMORY, "nn", w->memory_mb, l->max_memory_mb));
    if (w->vcpu_from == WORKLOAD_FROM_REQUEST && w->vcpu > l->max_vcpu)
        cost_block(c, o, "lambda.max_vcpu", l->max_vcpu, w->vcpu, false,
                   msg_make(B_LAMBDA_VCPU, "nn", w->vcpu, l->max_vcpu));
    if (w->ephemeral_mb > l->max_ephemeral_mb)
        cost_block(c, o, "lambda.max_ephemeral_mb", l->max_ephemeral_mb, w->ephemeral_mb, false,
                   msg_make(B_LAMBDA_EPHEMERAL, "nn", w->ephemeral_mb, l->max_ephemeral_mb));
    /* Concurrency above the default quota is a quota to raise, not a limit: a warning. */
}

/* The smallest rate above `n` at which the bill's formula changes: the free tier running out
 * (requests, then GB-seconds) or the billable GB-seconds reaching a tier boundary. */
static double piece_end(const struct lambda_rates *lr, const struct model_lambda *l, bool free,
                        double n, double gb_s_per_call)
{
    double end = (double)INFINITY;
    if (free && l->free_tier_requests > n)
        end = fmin(end, l->free_tier_requests);
    if (!(gb_s_per_call > 0))
        return end;
    double free_gb_s = free ? l->free_tier_gb_s : 0;
    if (free && free_gb_s / gb_s_per_call > n)
        end = fmin(end, free_gb_s / gb_s_per_call);
    for (size_t t = 0; t < lr->n_tiers && t < CF_LAMBDA_TIERS_MAX; t++) {
        double at = (lr->gb_s_tiers[t].up_to + free_gb_s) / gb_s_per_call;
        if (isfinite(at) && at > n)
            end = fmin(end, at);
    }
    return end;
}

/* Bills `gb_s` GB-seconds that follow `before` billable ones through the monthly tiers, one
 * line per tier touched (the first tier's line even when empty, with `always_first`). */
static void tiered(const struct cost_ctx *c, struct cost_variant *v, const struct lambda_rates *lr,
                   const char *const items[], double before, double gb_s, bool always_first)
{
    double lo = 0, end = before + gb_s;
    for (size_t t = 0; t < lr->n_tiers && t < CF_LAMBDA_TIERS_MAX; t++) {
        double hi = lr->gb_s_tiers[t].up_to;
        double q = fmin(end, hi) - fmax(before, lo);
        if (q > 0 || (t == 0 && always_first))
            cost_line_add(c, v, items[t], q > 0 ? q : 0, "GB-second", lr->gb_s_tiers[t].usd, true);
        if (end <= hi)
            break;
        lo = hi;
    }
}

/* Expected cold starts a month for `requests` invocations (see the top of the file). */
static double cold_starts(const struct model *m, double requests)
{
    return requests * exp(-requests * m->lambda.warm_idle_s / (m->hours_per_month * 3600));
}

/* Appends a variant `name` with what every Lambda variant is configured and billed with in its
 * detail (memory, billed duration, /tmp, requests, invocation GB-seconds); NULL when memory ran
 * out. */
static struct cost_variant *start(const struct cost_ctx *c, struct cost_option *o, const char *name,
                                  enum cf_arch arch, struct lambda_detail **ret_d)
{
    const struct workload *w = c->w;
    const struct model_lambda *l = &c->m->lambda;
    struct lambda_detail *d = arena_alloc(c->arena, sizeof(*d));
    struct cost_variant *v = d ? cost_variant_add(c, o, name, arch, COST_MODE_NONE) : NULL;
    if (!v)
        return NULL;
    v->detail = d;
    d->memory_mb = memory_mb(w, c->m);
    d->billed_ms = cost_round_up(w->duration_s * 1000, l->billing_granularity_ms);
    d->ephemeral_mb = w->ephemeral_mb > l->ephemeral_included_mb ? ceil(w->ephemeral_mb - COST_EPS)
                                                                 : l->ephemeral_included_mb;
    d->requests = w->invocations_per_month;
    d->gb_s = d->requests * (d->billed_ms / 1000) * (d->memory_mb / 1024);
    *ret_d = d;
    return v;
}

/* The ephemeral storage line, when /tmp is above the included amount. */
static void ephemeral_line(const struct cost_ctx *c, struct cost_variant *v,
                           const struct lambda_rates *lr)
{
    const struct lambda_detail *d = v->detail;
    double extra_gb = (d->ephemeral_mb - c->m->lambda.ephemeral_included_mb) / 1024;
    if (extra_gb > 0)
        cost_line_add(c, v, "ephemeral_storage", d->requests * (d->billed_ms / 1000) * extra_gb,
                      "GB-second", lr->ephemeral_gb_s_usd, false);
}

static void variant(const struct cost_ctx *c, enum cf_arch arch, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct model_lambda *l = &c->m->lambda;
    const struct lambda_rates *lr = &c->rr->lambda[arch];
    struct lambda_detail *d;
    struct cost_variant *v = start(c, o, cf_arch_name(arch), arch, &d);
    if (!v)
        return;
    double mb = d->memory_mb, billed_ms = d->billed_ms, requests = d->requests, gb_s = d->gb_s;
    double init_ms = cost_round_up(w->init_duration_s * 1000, l->billing_granularity_ms);
    double cold = init_ms > 0 ? cold_starts(c->m, requests) : 0;
    double init_gb_s = cold * (init_ms / 1000) * (mb / 1024);
    double free_req = 0, free_gb_s = 0, free_init = 0;
    if (w->settings.include_free_tier) {
        free_req = fmin(requests, l->free_tier_requests);
        free_gb_s = fmin(gb_s, l->free_tier_gb_s);
        free_init = fmin(init_gb_s, l->free_tier_gb_s - free_gb_s);
    }
    d->free_requests = free_req;
    d->free_gb_s = free_gb_s + free_init;
    d->init_ms = init_ms;
    d->cold_starts = cold;
    d->init_gb_s = init_gb_s;
    double x = requests * l->warm_idle_s / (c->m->hours_per_month * 3600);
    /* While cold starts are frequent their INIT adds to each call where the free tier and the
     * tiers run out (only an estimate of those points: the pieces below are short anyway). */
    double per_call = (billed_ms + init_ms * exp(-x)) / 1000 * (mb / 1024);
    v->piece_end = piece_end(lr, l, w->settings.include_free_tier, requests, per_call);
    v->startup_s = init_ms / 1000; /* a cold start waits for INIT */
    if (init_ms > 0 && x < CURVE_HI) {
        v->curved = true;
        v->piece_end = fmin(v->piece_end, requests * CURVE_STEP);
    }
    if (init_ms > 0) {
        /* a + b (1 - x) exp(-x) < 0 needs x > 1, and at x = CURVE_HI the INIT term is gone. */
        double a = lr->request_usd + (billed_ms / 1000) * (mb / 1024) * lr->gb_s_tiers[0].usd;
        double b = (init_ms / 1000) * (mb / 1024) * lr->gb_s_tiers[0].usd;
        if (b * exp(-2.0) > a) {
            double per_x = c->m->hours_per_month * 3600 / l->warm_idle_s; /* rate at x = 1 */
            v->fall_from = per_x;
            v->fall_to = per_x * CURVE_HI;
        }
    }

    cost_line_add(c, v, "requests", requests - free_req, "request", lr->request_usd, true);
    double billable = gb_s - free_gb_s;
    tiered(c, v, lr, tier_items, 0, billable, true);
    if (init_gb_s - free_init > 0)
        tiered(c, v, lr, init_items, billable, init_gb_s - free_init, false);
    if (cold > 0)
        cost_note_add(
            c, v, msg_make(N_COLD_STARTS, "nnnn", cold, requests, 100 * cold / requests, init_ms));
    ephemeral_line(c, v, lr);
    cost_variant_finish(c, o, v);
}

static const char *const provisioned_names[CF_ARCH_COUNT] = {
    [CF_ARCH_X86_64] = "x86_64_provisioned", [CF_ARCH_ARM64] = "arm64_provisioned"};

static void provisioned(const struct cost_ctx *c, enum cf_arch arch, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct lambda_rates *lr = &c->rr->lambda[arch];
    struct lambda_detail *d;
    struct cost_variant *v = start(c, o, provisioned_names[arch], arch, &d);
    if (!v)
        return;
    double gb = d->memory_mb / 1024, requests = d->requests, n_env, hours;
    if (w->lambda.provisioned) {
        n_env = (double)w->lambda.provisioned;
        hours = w->lambda.provisioned_hours;
        /* Calls that find every environment busy run on demand, cold (Erlang B: the
         * environments are a loss system); AWS's examples price every call as provisioned. */
        double load = requests * (w->duration_s / 3600) / hours;
        double overflow = cost_erlang_b(n_env, load);
        if (overflow > 0.001)
            cost_note_add(c, v,
                          msg_make(N_PROVISIONED_OVERFLOW, "nnn", n_env, load, 100 * overflow));
    } else {
        struct cost_fleet fl;
        cost_fleet_size(c, 1, &fl);
        n_env = fl.units;
        hours = c->m->hours_per_month;
        v->step_rate = fl.step_rate;
        v->piece_end = fl.piece_end;
        cost_note_add(c, v, cost_fleet_note(c, &fl, "environment", "environments"));
    }
    d->provisioned = n_env;
    d->provisioned_hours = hours;
    cost_line_add(c, v, "requests", requests, "request", lr->request_usd, true);
    cost_line_add(c, v, "provisioned_concurrency", n_env * gb * hours * 3600, "GB-second",
                  lr->provisioned_gb_s_usd, true);
    cost_line_add(c, v, "provisioned_duration", d->gb_s, "GB-second",
                  lr->provisioned_duration_gb_s_usd, true);
    ephemeral_line(c, v, lr);
    cost_variant_finish(c, o, v);
    if (v->step_rate > 0 && n_env > 0) /* one more environment costs its share of the charge */
        v->step_usd = v->lines[1].usd / n_env;
}

void platform_lambda_price(const struct cost_ctx *c, struct cost_option *o)
{
    const struct workload *w = c->w;
    blocks(c, o);
    if (c->rr->has[o->platform->offer]) {
        enum cf_arch archs[CF_ARCH_COUNT];
        int n = cost_arch_list(w->arch, archs), warm = 0;
        for (int i = 0; i < n; i++) {
            if (!w->lambda.provisioned)
                variant(c, archs[i], o);
            bool pc = w->lambda.provisioned || isfinite(w->latency_budget_s);
            if (pc && c->rr->lambda[archs[i]].has_provisioned) {
                provisioned(c, archs[i], o);
                warm++;
            }
        }
        if (w->lambda.provisioned && !warm)
            cost_block(c, o, "rates", 0, 0, false,
                       msg_make(B_NO_RATES, "ss", "Lambda provisioned concurrency", c->rr->code));
    }
    cost_choose(c, o);
}

struct message platform_lambda_describe(const struct cost_option *o, const struct cost_variant *v)
{
    (void)o;
    const struct lambda_detail *d = v->detail;
    if (d->provisioned)
        return msg_make(D_LAMBDA_PROVISIONED, "snnn", cf_arch_name(v->arch), d->memory_mb,
                        d->provisioned, (double)(d->provisioned != 1));
    return msg_make(D_LAMBDA, "sn", cf_arch_name(v->arch), d->memory_mb);
}

size_t platform_lambda_config(const struct cost_option *o, const struct cost_variant *v,
                              const struct workload *w, const struct model *m, struct param *out)
{
    const struct lambda_detail *d = v->detail;
    size_t n = 0;
    out[n++] = param_str("architecture", cf_arch_name(v->arch));
    out[n++] = param_num("memory_mb", d->memory_mb);
    out[n++] = param_num("vcpu", d->memory_mb / m->lambda.mb_per_vcpu);
    out[n++] = param_num("billed_duration_ms", d->billed_ms);
    out[n++] = param_num("ephemeral_storage_mb", d->ephemeral_mb);
    out[n++] = param_num("gb_seconds", d->gb_s);
    out[n++] = param_num("init_duration_ms", d->init_ms);
    out[n++] = param_num("cold_starts", d->cold_starts);
    out[n++] = param_num("init_gb_seconds", d->init_gb_s);
    out[n++] = param_num("concurrency", o->concurrency);
    out[n++] = param_opt("provisioned_concurrency", d->provisioned > 0, d->provisioned);
    out[n++] = param_opt("provisioned_hours", d->provisioned > 0, d->provisioned_hours);
    if (w->settings.include_free_tier && !d->provisioned) {
        out[n++] = param_begin("free_tier");
        out[n++] = param_num("requests", d->free_requests);
        out[n++] = param_num("gb_seconds", d->free_gb_s);
        out[n++] = param_end();
    } else {
        out[n++] = param_null("free_tier");
    }
    return n;
}

double platform_lambda_plan_free_tier(const struct model *m, const struct region_rates *rr,
                                      const struct cost_variant *const *v, size_t n,
                                      double *ret_requests, double *ret_gb_s)
{
    /* Free usage is the first usage of the month, so it is priced at the first tier's rate. */
    double req_left = m->lambda.free_tier_requests, gbs_left = m->lambda.free_tier_gb_s, usd = 0;
    for (size_t i = 0; i < n; i++) {
        const struct lambda_detail *d = v[i]->detail;
        const struct lambda_rates *lr = &rr->lambda[v[i]->arch];
        if (d->provisioned)
            continue; /* the free tier does not apply to provisioned concurrency */
        double r = fmin(req_left, d->requests), g = fmin(gbs_left, d->gb_s + d->init_gb_s);
        usd -= r * lr->request_usd + g * lr->gb_s_tiers[0].usd;
        req_left -= r;
        gbs_left -= g;
    }
    *ret_requests = m->lambda.free_tier_requests - req_left;
    *ret_gb_s = m->lambda.free_tier_gb_s - gbs_left;
    return usd;
}
