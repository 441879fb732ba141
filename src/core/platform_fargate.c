/*
 * platform_fargate.c - ECS on Fargate: a valid task size (the pinned one; the cheapest with the
 * vCPU asked for; or, by default, the one nearest the CPU share Lambda would give the memory),
 * always-on (a fleet sized with headroom, all month) and per-job (one task per invocation,
 * billed per second with a minimum, plus start-up), and a Spot variant of each when the task is
 * interruptible.
 *
 * Billing rules (config/model.json has the sources): vCPU-hours and GB-hours of the task size;
 * per-job tasks billed per second, rounded up, with a minimum, including start-up; always-on
 * tasks all month; ephemeral storage above the included GB per GB-hour. Fargate Spot uses the
 * region's Spot rates from AWS's feed when the table has them (vCPU and memory; ephemeral
 * storage stays at the on-demand rate, as AWS bills it); otherwise the model's discount applies
 * to vCPU and memory and the lines are marked as estimates.
 */
#include <math.h>

#include "computefit/platform.h"

/* What a Fargate variant was priced with (cost_variant.detail). */
struct fargate_detail {
    double vcpu, memory_gb, tasks, billed_s, ephemeral_gb, running_vcpu;
};

/* The cheapest valid size with at least `vcpu` and the task's memory at `fr`'s rates. */
static const struct model_fargate_pair *
cheapest(double vcpu, double mb, const struct fargate_rates *fr, const struct model *m)
{
    const struct model_fargate_pair *best = NULL;
    double best_usd = 0;
    for (size_t i = 0; i < m->fargate.n_pairs; i++) {
        const struct model_fargate_pair *p = &m->fargate.pairs[i];
        /* Pairs ascend by vCPU: once the vCPU alone costs as much as the best, none is cheaper. */
        if (best && p->vcpu * fr->vcpu_hour_usd >= best_usd)
            break;
        if (p->vcpu < vcpu - COST_EPS || p->memory_gb * 1024 < mb - COST_EPS)
            continue;
        double usd = p->vcpu * fr->vcpu_hour_usd + p->memory_gb * fr->gb_hour_usd;
        if (!best || usd < best_usd) {
            best = p;
            best_usd = usd;
        }
    }
    return best;
}

/* The task size: with vCPU asked for, the cheapest size that has it; otherwise the vCPU level,
 * among those with a size that holds the memory, nearest to the share of a vCPU that Lambda
 * gives this memory (w->vcpu; the larger level on a tie), at its cheapest size. Sizing up to
 * the next level instead would double the price of most tasks for CPU they never asked for. */
static const struct model_fargate_pair *
size_for(const struct workload *w, const struct fargate_rates *fr, const struct model *m)
{
    double mb = workload_memory_need_mb(w);
    if (w->vcpu_from == WORKLOAD_FROM_REQUEST)
        return cheapest(w->vcpu, mb, fr, m);
    double level = -1;
    for (size_t i = 0; i < m->fargate.n_pairs; i++) {
        const struct model_fargate_pair *p = &m->fargate.pairs[i];
        if (p->memory_gb * 1024 < mb - COST_EPS)
            continue;
        if (level < 0 || fabs(p->vcpu - w->vcpu) <= fabs(level - w->vcpu))
            level = p->vcpu;
    }
    if (level < 0)
        return NULL;
    const struct model_fargate_pair *best = NULL;
    for (size_t i = 0; i < m->fargate.n_pairs; i++) {
        const struct model_fargate_pair *p = &m->fargate.pairs[i];
        if (p->vcpu == level && p->memory_gb * 1024 >= mb - COST_EPS &&
            (!best || p->memory_gb < best->memory_gb))
            best = p;
    }
    (void)fr;
    return best;
}

/* Prices one variant at the rates `fr` (on-demand or published Spot) and returns its index in
 * o->variants, or -1 when memory ran out. */
static long variant(const struct cost_ctx *c, enum cf_arch arch, enum cost_mode mode, double vcpu,
                    double memory_gb, const struct fargate_rates *fr, bool spot_feed,
                    struct cost_option *o)
{
    static const char *const names[2][2] = {{"always_on", "always_on_spot"},
                                            {"per_job", "per_job_spot"}};
    const struct workload *w = c->w;
    const struct model_fargate *f = &c->m->fargate;
    struct fargate_detail *d = arena_alloc(c->arena, sizeof(*d));
    struct cost_variant *v =
        d ? cost_variant_add(c, o, names[mode == COST_MODE_PER_JOB][spot_feed], arch, mode) : NULL;
    if (!v)
        return -1;
    v->detail = d;
    if (spot_feed) {
        v->spot = true;
        v->spot_source = COST_SPOT_FEED;
    }
    double eph_gb = f->ephemeral_included_gb;
    if (w->ephemeral_mb / 1024 > f->ephemeral_included_gb)
        eph_gb = ceil(w->ephemeral_mb / 1024 - COST_EPS);
    double hours;
    d->vcpu = vcpu;
    d->memory_gb = memory_gb;
    d->ephemeral_gb = eph_gb;
    if (mode == COST_MODE_ALWAYS_ON) {
        double tasks = (double)w->fargate.tasks;
        if (!tasks) {
            struct cost_fleet fl;
            cost_fleet_size(c, w->concurrency_per_task, &fl);
            tasks = fl.units;
            /* The fleet keeps `tasks` up to the rate at which it needs one more. */
            v->step_rate = fl.step_rate;
            v->piece_end = fl.piece_end;
            cost_note_add(c, v, cost_fleet_note(c, &fl, "task", "tasks"));
        }
        d->tasks = tasks;
        d->running_vcpu = tasks * vcpu;
        hours = tasks * c->m->hours_per_month;
    } else {
        double billed =
            cost_round_up(w->duration_s + w->fargate.startup_s, f->billing_granularity_s);
        if (billed < f->minimum_billed_s)
            billed = f->minimum_billed_s;
        d->billed_s = billed;
        /* Tasks billed at once, on average: each runs for its billed time. */
        d->running_vcpu = w->invocations_per_month * billed / (c->m->hours_per_month * 3600) * vcpu;
        v->startup_s = w->fargate.startup_s; /* each invocation waits for its task to start */
        hours = w->invocations_per_month * billed / 3600;
    }
    cost_line_add(c, v, "vcpu_hours", hours * vcpu, "vCPU-hour", fr->vcpu_hour_usd, true);
    cost_line_add(c, v, "memory_gb_hours", hours * memory_gb, "GB-hour", fr->gb_hour_usd, true);
    if (eph_gb > f->ephemeral_included_gb)
        cost_line_add(c, v, "ephemeral_gb_hours", hours * (eph_gb - f->ephemeral_included_gb),
                      "GB-hour", c->rr->fargate_ephemeral_gb_hour_usd, false);
    if (d->running_vcpu > f->vcpu_quota)
        cost_note_add(c, v, msg_make(W_FARGATE_QUOTA, "nn", d->running_vcpu, f->vcpu_quota));
    v->address_hours = hours; /* each task has its own network interface */
    cost_variant_finish(c, o, v);
    if (v->step_rate > 0) /* every line but the shared ones is per task: one more costs this */
        v->step_usd = (v->infrastructure_usd - v->shared_usd) / d->tasks;
    return (long)(v - o->variants);
}

/* Says how the task size was chosen. */
static void size_note(const struct cost_ctx *c, struct cost_variant *v, double vcpu, double gb)
{
    const struct workload *w = c->w;
    double mb = workload_memory_need_mb(w);
    if (w->vcpu_from == WORKLOAD_FROM_REQUEST)
        cost_note_add(c, v, msg_make(N_FARGATE_SIZE_VCPU, "nnnn", vcpu, gb, w->vcpu, mb));
    else
        cost_note_add(c, v,
                      msg_make(N_FARGATE_SIZE_SHARE, "nnnn", vcpu, gb, w->vcpu,
                               fmin(mb, c->m->lambda.max_memory_mb)));
}

/* The on-demand variant of `mode`, then its Spot variant when the task is interruptible. */
static void variants(const struct cost_ctx *c, enum cf_arch arch, enum cost_mode mode, double vcpu,
                     double memory_gb, struct cost_option *o)
{
    const struct region_rates *rr = c->rr;
    long base = variant(c, arch, mode, vcpu, memory_gb, &rr->fargate[arch], false, o);
    if (base < 0 || !c->w->interruptible)
        return;
    if (rr->has_fargate_spot[arch])
        variant(c, arch, mode, vcpu, memory_gb, &rr->fargate_spot[arch], true, o);
    else
        cost_spot_estimate(c, o, (size_t)base,
                           mode == COST_MODE_PER_JOB ? "per_job_spot" : "always_on_spot",
                           c->m->fargate.spot_discount);
}

void platform_fargate_price(const struct cost_ctx *c, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct model_fargate *f = &c->m->fargate;
    const struct region_rates *rr = c->rr;
    if (!rr->has[o->platform->offer])
        cost_block(c, o, "rates", 0, 0, false,
                   msg_make(B_NO_RATES, "ss", o->platform->rates_label, rr->code));
    if (w->gpu)
        cost_block(c, o, "gpu", 0, 1, false, msg_make(B_NO_GPU, "s", o->platform->title));
    if (w->vcpu > f->max_vcpu + COST_EPS)
        cost_block(c, o, "fargate.sizes", f->max_vcpu, w->vcpu, false,
                   msg_make(B_FARGATE_VCPU, "nn", w->vcpu, f->max_vcpu));
    cost_block_memory(c, o, "fargate.sizes", f->max_memory_gb * 1024,
                      msg_make(B_FARGATE_MEMORY, "nn", w->memory_mb, f->max_memory_gb));
    if (w->ephemeral_mb > f->max_ephemeral_gb * 1024 + COST_EPS)
        cost_block(c, o, "fargate.max_ephemeral_gb", f->max_ephemeral_gb * 1024, w->ephemeral_mb,
                   false,
                   msg_make(B_FARGATE_EPHEMERAL, "nn", w->ephemeral_mb, f->max_ephemeral_gb));
    if (rr->has[o->platform->offer]) {
        enum cf_arch archs[CF_ARCH_COUNT];
        int n = cost_arch_list(w->arch, archs);
        for (int i = 0; i < n; i++) {
            double vcpu = w->fargate.vcpu, gb = w->fargate.memory_gb;
            if (!w->fargate.pinned) {
                const struct model_fargate_pair *p = size_for(w, &rr->fargate[archs[i]], c->m);
                if (!p)
                    continue; /* blocked above: beyond the largest size */
                vcpu = p->vcpu;
                gb = p->memory_gb;
            }
            size_t first = o->n_variants;
            if (w->fargate.mode != WORKLOAD_FARGATE_MODE_PER_JOB)
                variants(c, archs[i], COST_MODE_ALWAYS_ON, vcpu, gb, o);
            if (w->fargate.mode != WORKLOAD_FARGATE_MODE_ALWAYS_ON)
                variants(c, archs[i], COST_MODE_PER_JOB, vcpu, gb, o);
            if (!w->fargate.pinned)
                for (size_t k = first; k < o->n_variants; k++)
                    size_note(c, &o->variants[k], vcpu, gb);
        }
    }
    cost_choose(c, o);
}

struct message platform_fargate_describe(const struct cost_option *o, const struct cost_variant *v)
{
    (void)o;
    const struct fargate_detail *d = v->detail;
    if (v->mode == COST_MODE_ALWAYS_ON)
        return msg_make(D_FARGATE_ALWAYS_ON, "nsnnnn", d->tasks, cf_arch_name(v->arch),
                        (double)(d->tasks != 1), d->vcpu, d->memory_gb, (double)v->spot);
    return msg_make(D_FARGATE_PER_JOB, "snnn", cf_arch_name(v->arch), d->vcpu, d->memory_gb,
                    (double)v->spot);
}

size_t platform_fargate_config(const struct cost_option *o, const struct cost_variant *v,
                               const struct workload *w, const struct model *m, struct param *out)
{
    const struct fargate_detail *d = v->detail;
    bool always = v->mode == COST_MODE_ALWAYS_ON, per_job = v->mode == COST_MODE_PER_JOB;
    size_t n = 0;
    out[n++] = param_str("architecture", cf_arch_name(v->arch));
    out[n++] = param_str("mode", cost_mode_name(v->mode));
    out[n++] = param_num("vcpu", d->vcpu);
    out[n++] = param_num("memory_gb", d->memory_gb);
    out[n++] = param_bool("pinned", w->fargate.pinned);
    out[n++] =
        param_str("size_basis", w->fargate.pinned                       ? "pinned"
                                : w->vcpu_from == WORKLOAD_FROM_REQUEST ? "vcpu"
                                                                        : "lambda_cpu_share");
    out[n++] = param_opt("tasks", always, d->tasks);
    out[n++] = param_opt("billed_seconds_per_task", per_job, d->billed_s);
    out[n++] = param_opt("startup_s", per_job, w->fargate.startup_s);
    out[n++] = param_num("ephemeral_storage_gb", d->ephemeral_gb);
    out[n++] = param_num("concurrency", o->concurrency);
    out[n++] = param_opt("concurrency_per_task", always, w->concurrency_per_task);
    out[n++] = param_num("running_vcpu", d->running_vcpu);
    out[n++] = param_bool("spot", v->spot);
    if (v->spot)
        out[n++] = param_str("spot_source",
                             v->spot_source == COST_SPOT_FEED ? "feed" : "discount_estimate");
    if (v->spot && v->spot_source != COST_SPOT_FEED)
        out[n++] = param_num("spot_discount", m->fargate.spot_discount);
    return n;
}
