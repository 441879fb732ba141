/*
 * cost.c - monthly cost of a workload on Lambda, Fargate and ECS on EC2 with a GPU.
 *
 * Billing rules follow AWS's published ones (see config/model.json for the sources):
 *   Lambda:  requests x rate + GB-s (memory/1024 x duration rounded up to the billing
 *            granularity) through the monthly tiers + /tmp above the included MB per GB-s;
 *            free tier (requests, GB-s) subtracted first when asked.
 *   Fargate: vCPU-hours and GB-hours of the task size; per-job tasks billed per second,
 *            rounded up, with a minimum, including start-up; always-on tasks all month;
 *            ephemeral storage above the included GB per GB-hour.
 *   EC2:     instance-hours of the cheapest GPU instance that fits; per job (duration plus
 *            boot, rounded up, with a minimum) or always-on.
 * Spot variants: Fargate Spot uses the region's Spot rates from AWS's feed when the table has
 * them (vCPU and memory; ephemeral storage stays at the on-demand rate, as AWS bills it);
 * otherwise, and always for EC2, the model's discount applies to every rate and the lines are
 * marked as estimates.
 */
#include "computefit/cost.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Slack for comparisons of values that went through unit conversions (MB <-> GB, s <-> ms). */
#define EPS 1e-9

static const char *const tier_items[CF_LAMBDA_TIERS_MAX] = {"duration_tier_1", "duration_tier_2",
                                                            "duration_tier_3", "duration_tier_4"};

/* Rounds `v` up to a multiple of `step`, tolerating the fuzz of earlier conversions. */
static double round_up(double v, double step)
{
    return ceil(v / step - EPS) * step;
}

static void option_init(struct cost_option *o, enum model_platform p, const struct workload *w,
                        const struct model *m)
{
    memset(o, 0, sizeof(*o));
    o->platform = p;
    o->chosen = -1;
    o->ops_hours = cost_ops_hours(w, m, p);
    o->ops_priced = w->settings.engineer_hourly_usd > 0;
    o->concurrency = workload_concurrency(w, m);
}

static void block(struct cost_option *o, const char *limit, double limit_value, double value,
                  bool rate_dependent, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void block(struct cost_option *o, const char *limit, double limit_value, double value,
                  bool rate_dependent, const char *fmt, ...)
{
    if (o->n_blocks >= COST_BLOCKS_MAX)
        return;
    struct cost_block *b = &o->blocks[o->n_blocks++];
    b->limit = limit;
    b->limit_value = limit_value;
    b->value = value;
    b->rate_dependent = rate_dependent;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->detail, sizeof(b->detail), fmt, ap);
    va_end(ap);
}

static void add_line(struct cost_variant *v, const char *item, double quantity, const char *unit,
                     double unit_usd)
{
    if (v->n_lines >= COST_LINES_MAX)
        return;
    struct cost_line *l = &v->lines[v->n_lines++];
    l->item = item;
    l->quantity = quantity;
    l->unit = unit;
    l->unit_usd = unit_usd;
    l->usd = quantity * unit_usd;
    l->estimate = v->spot && v->spot_source == COST_SPOT_DISCOUNT;
}

/* Adds the effort line (when priced) and sums the bill. */
static void finish_variant(struct cost_option *o, struct cost_variant *v, const struct workload *w)
{
    double infra = 0;
    for (size_t i = 0; i < v->n_lines; i++)
        infra += v->lines[i].usd;
    v->infrastructure_usd = infra;
    v->operations_usd = 0;
    if (o->ops_priced) {
        bool spot = v->spot;
        v->spot = false; /* effort is not discounted, and not an estimate of a rate */
        add_line(v, "operations", o->ops_hours, "engineer-hour", w->settings.engineer_hourly_usd);
        v->spot = spot;
        v->operations_usd = v->lines[v->n_lines - 1].usd;
    }
    v->monthly_usd = v->infrastructure_usd + v->operations_usd;
}

static void choose(struct cost_option *o)
{
    o->feasible = o->n_blocks == 0;
    o->chosen = -1;
    for (size_t i = 0; i < o->n_variants; i++)
        if (o->chosen < 0 || o->variants[i].monthly_usd < o->variants[o->chosen].monthly_usd)
            o->chosen = (int)i;
}

/* Appends a copy of `base` with every rate discounted by `discount` (a Spot estimate). */
static void add_spot(struct cost_option *o, const struct cost_variant *base, double discount,
                     const struct workload *w)
{
    if (o->n_variants >= COST_VARIANTS_MAX)
        return;
    struct cost_variant *v = &o->variants[o->n_variants++];
    *v = *base;
    v->spot = true;
    v->spot_source = COST_SPOT_DISCOUNT;
    snprintf(v->name, sizeof(v->name), "%s_spot", base->name);
    size_t n = base->n_lines - (o->ops_priced ? 1 : 0); /* drop the effort line, re-added below */
    v->n_lines = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cost_line *l = &base->lines[i];
        /* Spot discounts compute, not storage: Fargate bills ephemeral storage beyond 20 GB at
         * the on-demand rate on Spot too, so that line keeps its (exact) price. */
        bool storage = strcmp(l->item, "ephemeral_gb_hours") == 0;
        add_line(v, l->item, l->quantity, l->unit, l->unit_usd * (storage ? 1 : 1 - discount));
        if (storage)
            v->lines[v->n_lines - 1].estimate = false;
    }
    finish_variant(o, v, w);
}

/* Appends a copy of the Fargate variant `base` priced at the published Spot rates `spot`:
 * vCPU-hours and GB-hours at the Spot rates, ephemeral storage at its on-demand rate (Spot
 * does not discount it). Not an estimate. */
static void add_spot_feed(struct cost_option *o, const struct cost_variant *base,
                          const struct fargate_rates *spot, const struct workload *w)
{
    if (o->n_variants >= COST_VARIANTS_MAX)
        return;
    struct cost_variant *v = &o->variants[o->n_variants++];
    *v = *base;
    v->spot = true;
    v->spot_source = COST_SPOT_FEED;
    size_t k = strlen(v->name); /* *v = *base copied the name: append to it */
    snprintf(v->name + k, sizeof(v->name) - k, "_spot");
    size_t n = base->n_lines - (o->ops_priced ? 1 : 0); /* drop the effort line, re-added below */
    v->n_lines = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cost_line *l = &base->lines[i];
        double usd = l->unit_usd;
        if (strcmp(l->item, "vcpu_hours") == 0)
            usd = spot->vcpu_hour_usd;
        else if (strcmp(l->item, "memory_gb_hours") == 0)
            usd = spot->gb_hour_usd;
        add_line(v, l->item, l->quantity, l->unit, usd);
    }
    finish_variant(o, v, w);
}

static int arch_list(enum workload_arch a, enum cf_arch out[CF_ARCH_COUNT])
{
    if (a == WORKLOAD_ARCH_ANY) {
        out[0] = CF_ARCH_X86_64;
        out[1] = CF_ARCH_ARM64;
        return 2;
    }
    out[0] = a == WORKLOAD_ARCH_ARM64 ? CF_ARCH_ARM64 : CF_ARCH_X86_64;
    return 1;
}

double cost_ops_hours(const struct workload *w, const struct model *m, enum model_platform p)
{
    double h = m->ops.hours_per_month[p];
    if (w->settings.team_engineers == 1)
        h *= m->ops.solo_multiplier;
    return h;
}

/* ---- Lambda ---- */

/* Memory Lambda must be configured with: the task's memory, raised for an explicit vCPU need
 * (Lambda allocates CPU in proportion to memory), within Lambda's range, in whole MB. */
static double lambda_memory_mb(const struct workload *w, const struct model *m)
{
    double mb = ceil(w->memory_mb - EPS);
    if (w->vcpu_from == WORKLOAD_FROM_REQUEST) {
        double need = ceil(w->vcpu * m->lambda.mb_per_vcpu - EPS);
        if (need > m->lambda.max_memory_mb && w->vcpu <= m->lambda.max_vcpu)
            need = m->lambda.max_memory_mb; /* the largest size gives max_vcpu */
        if (need > mb)
            mb = need;
    }
    return mb < m->lambda.min_memory_mb ? m->lambda.min_memory_mb : mb;
}

static void lambda_blocks(const struct workload *w, const struct region_rates *rr,
                          const struct model *m, struct cost_option *o)
{
    const struct model_lambda *l = &m->lambda;
    if (!rr->has[CF_OFFER_LAMBDA])
        block(o, "rates", 0, 0, false, "The rates table has no Lambda rates for %s.", rr->code);
    if (w->gpu)
        block(o, "gpu", 0, 1, false, "Lambda has no GPUs, and this task needs one.");
    if (w->duration_s > l->max_duration_s)
        block(o, "lambda.max_duration_s", l->max_duration_s, w->duration_s, false,
              "A task of %g s is longer than Lambda's %g s timeout.", w->duration_s,
              l->max_duration_s);
    if (w->memory_mb > l->max_memory_mb)
        block(o, "lambda.max_memory_mb", l->max_memory_mb, w->memory_mb, false,
              "%g MB of memory is more than Lambda's %g MB maximum.", w->memory_mb,
              l->max_memory_mb);
    if (w->vcpu_from == WORKLOAD_FROM_REQUEST && w->vcpu > l->max_vcpu)
        block(o, "lambda.max_vcpu", l->max_vcpu, w->vcpu, false,
              "%g vCPU is more than Lambda's %g vCPU at its largest size.", w->vcpu, l->max_vcpu);
    if (w->ephemeral_mb > l->max_ephemeral_mb)
        block(o, "lambda.max_ephemeral_mb", l->max_ephemeral_mb, w->ephemeral_mb, false,
              "%g MB of scratch storage is more than Lambda's %g MB of /tmp.", w->ephemeral_mb,
              l->max_ephemeral_mb);
    if (o->concurrency > l->max_concurrency)
        block(o, "lambda.max_concurrency", l->max_concurrency, o->concurrency, true,
              "%.0f invocations running at once exceed Lambda's default quota of %g concurrent "
              "executions (raisable through Service Quotas).",
              ceil(o->concurrency), l->max_concurrency);
}

static void lambda_variant(const struct workload *w, const struct lambda_rates *lr,
                           const struct model *m, enum cf_arch arch, struct cost_option *o)
{
    const struct model_lambda *l = &m->lambda;
    struct cost_variant *v = &o->variants[o->n_variants++];
    memset(v, 0, sizeof(*v));
    snprintf(v->name, sizeof(v->name), "%s", cf_arch_name(arch));
    v->arch = arch;
    double mb = lambda_memory_mb(w, m);
    double billed_ms = round_up(w->duration_s * 1000, l->billing_granularity_ms);
    double eph_mb = w->ephemeral_mb > l->ephemeral_included_mb ? ceil(w->ephemeral_mb - EPS)
                                                               : l->ephemeral_included_mb;
    double requests = w->invocations_per_month;
    double gb_s = requests * (billed_ms / 1000) * (mb / 1024);
    double free_req = 0, free_gb_s = 0;
    if (w->settings.include_free_tier) {
        free_req = fmin(requests, l->free_tier_requests);
        free_gb_s = fmin(gb_s, l->free_tier_gb_s);
    }
    v->lambda.memory_mb = mb;
    v->lambda.billed_ms = billed_ms;
    v->lambda.gb_s = gb_s;
    v->lambda.ephemeral_mb = eph_mb;
    v->lambda.free_requests = free_req;
    v->lambda.free_gb_s = free_gb_s;

    add_line(v, "requests", requests - free_req, "request", lr->request_usd);
    double billable = gb_s - free_gb_s, lo = 0;
    for (size_t t = 0; t < lr->n_tiers && t < CF_LAMBDA_TIERS_MAX; t++) {
        double hi = lr->gb_s_tiers[t].up_to;
        double q = fmin(billable, hi) - lo;
        if (q > 0 || t == 0)
            add_line(v, tier_items[t], q > 0 ? q : 0, "GB-second", lr->gb_s_tiers[t].usd);
        if (billable <= hi)
            break;
        lo = hi;
    }
    double extra_gb = (eph_mb - l->ephemeral_included_mb) / 1024;
    if (extra_gb > 0)
        add_line(v, "ephemeral_storage", requests * (billed_ms / 1000) * extra_gb, "GB-second",
                 lr->ephemeral_gb_s_usd);
    finish_variant(o, v, w);
}

void cost_lambda(const struct workload *w, const struct region_rates *rr, const struct model *m,
                 struct cost_option *ret_option)
{
    struct cost_option *o = ret_option;
    option_init(o, MODEL_LAMBDA, w, m);
    lambda_blocks(w, rr, m, o);
    if (rr->has[CF_OFFER_LAMBDA]) {
        enum cf_arch archs[CF_ARCH_COUNT];
        int n = arch_list(w->arch, archs);
        for (int i = 0; i < n; i++)
            lambda_variant(w, &rr->lambda[archs[i]], m, archs[i], o);
    }
    choose(o);
}

/* ---- Fargate ---- */

/* The cheapest valid size with at least the task's vCPU and memory at `fr`'s rates. */
static const struct model_fargate_pair *
fargate_size(const struct workload *w, const struct fargate_rates *fr, const struct model *m)
{
    const struct model_fargate_pair *best = NULL;
    double best_usd = 0;
    for (size_t i = 0; i < m->fargate.n_pairs; i++) {
        const struct model_fargate_pair *p = &m->fargate.pairs[i];
        if (p->vcpu < w->vcpu - EPS || p->memory_gb * 1024 < w->memory_mb - EPS)
            continue;
        double usd = p->vcpu * fr->vcpu_hour_usd + p->memory_gb * fr->gb_hour_usd;
        if (!best || usd < best_usd) {
            best = p;
            best_usd = usd;
        }
    }
    return best;
}

static void fargate_variant(const struct workload *w, const struct region_rates *rr,
                            const struct model *m, enum cf_arch arch, enum cost_mode mode,
                            double vcpu, double memory_gb, struct cost_option *o)
{
    const struct model_fargate *f = &m->fargate;
    const struct fargate_rates *fr = &rr->fargate[arch];
    struct cost_variant *v = &o->variants[o->n_variants++];
    memset(v, 0, sizeof(*v));
    snprintf(v->name, sizeof(v->name), "%s", mode == COST_MODE_ALWAYS_ON ? "always_on" : "per_job");
    v->arch = arch;
    v->mode = mode;
    double eph_gb = f->ephemeral_included_gb;
    if (w->ephemeral_mb / 1024 > f->ephemeral_included_gb)
        eph_gb = ceil(w->ephemeral_mb / 1024 - EPS);
    double hours;
    if (mode == COST_MODE_ALWAYS_ON) {
        double tasks = (double)w->fargate.tasks;
        if (!tasks)
            tasks = fmax(1, ceil(o->concurrency / f->per_task_concurrency - EPS));
        v->fargate.tasks = tasks;
        hours = tasks * m->hours_per_month;
    } else {
        double billed = round_up(w->duration_s + w->fargate.startup_s, f->billing_granularity_s);
        if (billed < f->minimum_billed_s)
            billed = f->minimum_billed_s;
        v->fargate.billed_s = billed;
        hours = w->invocations_per_month * billed / 3600;
    }
    v->fargate.vcpu = vcpu;
    v->fargate.memory_gb = memory_gb;
    v->fargate.ephemeral_gb = eph_gb;
    add_line(v, "vcpu_hours", hours * vcpu, "vCPU-hour", fr->vcpu_hour_usd);
    add_line(v, "memory_gb_hours", hours * memory_gb, "GB-hour", fr->gb_hour_usd);
    if (eph_gb > f->ephemeral_included_gb)
        add_line(v, "ephemeral_gb_hours", hours * (eph_gb - f->ephemeral_included_gb), "GB-hour",
                 rr->fargate_ephemeral_gb_hour_usd);
    finish_variant(o, v, w);
    if (w->interruptible && rr->has_fargate_spot[arch])
        add_spot_feed(o, v, &rr->fargate_spot[arch], w);
    else if (w->interruptible)
        add_spot(o, v, f->spot_discount, w);
}

void cost_fargate(const struct workload *w, const struct region_rates *rr, const struct model *m,
                  struct cost_option *ret_option)
{
    struct cost_option *o = ret_option;
    const struct model_fargate *f = &m->fargate;
    option_init(o, MODEL_FARGATE, w, m);
    if (!rr->has[CF_OFFER_FARGATE])
        block(o, "rates", 0, 0, false, "The rates table has no Fargate rates for %s.", rr->code);
    if (w->gpu)
        block(o, "gpu", 0, 1, false, "Fargate has no GPUs, and this task needs one.");
    if (w->vcpu > f->max_vcpu + EPS)
        block(o, "fargate.sizes", f->max_vcpu, w->vcpu, false,
              "%g vCPU is more than Fargate's largest task (%g vCPU).", w->vcpu, f->max_vcpu);
    if (w->memory_mb > f->max_memory_gb * 1024 + EPS)
        block(o, "fargate.sizes", f->max_memory_gb * 1024, w->memory_mb, false,
              "%g MB of memory is more than Fargate's largest task (%g GB).", w->memory_mb,
              f->max_memory_gb);
    if (w->ephemeral_mb > f->max_ephemeral_gb * 1024 + EPS)
        block(o, "fargate.max_ephemeral_gb", f->max_ephemeral_gb * 1024, w->ephemeral_mb, false,
              "%g MB of scratch storage is more than Fargate's %g GB of ephemeral storage.",
              w->ephemeral_mb, f->max_ephemeral_gb);
    if (rr->has[CF_OFFER_FARGATE]) {
        enum cf_arch archs[CF_ARCH_COUNT];
        int n = arch_list(w->arch, archs);
        for (int i = 0; i < n; i++) {
            double vcpu = w->fargate.vcpu, gb = w->fargate.memory_gb;
            if (!w->fargate.pinned) {
                const struct model_fargate_pair *p = fargate_size(w, &rr->fargate[archs[i]], m);
                if (!p)
                    continue; /* blocked above: beyond the largest size */
                vcpu = p->vcpu;
                gb = p->memory_gb;
            }
            if (w->fargate.mode != WORKLOAD_FARGATE_MODE_PER_JOB)
                fargate_variant(w, rr, m, archs[i], COST_MODE_ALWAYS_ON, vcpu, gb, o);
            if (w->fargate.mode != WORKLOAD_FARGATE_MODE_ALWAYS_ON)
                fargate_variant(w, rr, m, archs[i], COST_MODE_PER_JOB, vcpu, gb, o);
        }
    }
    choose(o);
}

/* ---- ECS on EC2 with a GPU ---- */

static void ec2_variant(const struct workload *w, const struct gpu_instance *gi,
                        const struct model *m, enum cost_mode mode, double needed_gb,
                        struct cost_option *o)
{
    const struct model_ec2 *e = &m->ec2;
    struct cost_variant *v = &o->variants[o->n_variants++];
    memset(v, 0, sizeof(*v));
    snprintf(v->name, sizeof(v->name), "%s", mode == COST_MODE_ALWAYS_ON ? "always_on" : "per_job");
    v->arch = CF_ARCH_X86_64;
    v->mode = mode;
    v->ec2.instance = gi;
    v->ec2.gpu_memory_needed_gb = needed_gb;
    double hours;
    if (mode == COST_MODE_ALWAYS_ON) {
        v->ec2.instances = fmax(1, ceil(o->concurrency / e->jobs_per_instance - EPS));
        hours = v->ec2.instances * m->hours_per_month;
    } else {
        double billed = round_up(w->duration_s + e->boot_s, e->billing_granularity_s);
        if (billed < e->minimum_billed_s)
            billed = e->minimum_billed_s;
        v->ec2.billed_s = billed;
        hours = w->invocations_per_month * billed / 3600;
    }
    add_line(v, "instance_hours", hours, "instance-hour", gi->usd_per_hour);
    finish_variant(o, v, w);
    if (w->interruptible)
        add_spot(o, v, e->spot_discount, w);
}

void cost_ec2_gpu(const struct workload *w, const struct region_rates *rr, const struct model *m,
                  struct cost_option *ret_option)
{
    struct cost_option *o = ret_option;
    option_init(o, MODEL_EC2_GPU, w, m);
    double needed_gb = w->gpu_memory_gb * m->ec2.gpu_memory_headroom;
    const struct gpu_instance *gi = NULL;
    if (!rr->has[CF_OFFER_EC2] || !rr->n_gpus) {
        block(o, "rates", 0, 0, false, "The rates table has no EC2 GPU instance rates for %s.",
              rr->code);
    } else {
        /* GPU instances are sorted by price: the first that fits is the cheapest. Only an
         * explicit vCPU need constrains the instance; on a GPU instance the GPU does the work. */
        for (size_t i = 0; i < rr->n_gpus && !gi; i++) {
            const struct gpu_instance *c = &rr->gpus[i];
            if (c->gpus >= 1 && c->gpu_memory_gib >= needed_gb - EPS &&
                c->memory_gib * 1024 >= w->memory_mb - EPS &&
                (w->vcpu_from != WORKLOAD_FROM_REQUEST || c->vcpu >= w->vcpu - EPS))
                gi = c;
        }
        if (!gi)
            block(o, "ec2_gpu.instances", 0, needed_gb, false,
                  "No GPU instance type in %s has %g GB of GPU memory (%g GB with %g%% headroom), "
                  "%g GB of memory%s.",
                  rr->code, w->gpu_memory_gb, needed_gb, (m->ec2.gpu_memory_headroom - 1) * 100,
                  w->memory_mb / 1024,
                  w->vcpu_from == WORKLOAD_FROM_REQUEST ? " and the vCPUs asked for" : "");
    }
    if (gi) {
        ec2_variant(w, gi, m, COST_MODE_PER_JOB, needed_gb, o);
        ec2_variant(w, gi, m, COST_MODE_ALWAYS_ON, needed_gb, o);
    }
    choose(o);
}

void cost_all(const struct workload *w, const struct region_rates *rr, const struct model *m,
              struct cost_option ret_options[MODEL_PLATFORM_COUNT])
{
    cost_lambda(w, rr, m, &ret_options[MODEL_LAMBDA]);
    cost_fargate(w, rr, m, &ret_options[MODEL_FARGATE]);
    cost_ec2_gpu(w, rr, m, &ret_options[MODEL_EC2_GPU]);
}

double cost_best(const struct cost_option *o, enum cost_mode mode)
{
    double best = (double)NAN;
    for (size_t i = 0; i < o->n_variants; i++) {
        const struct cost_variant *v = &o->variants[i];
        if (mode != COST_MODE_NONE && v->mode != mode)
            continue;
        if (isnan(best) || v->monthly_usd < best)
            best = v->monthly_usd;
    }
    return best;
}

const struct cost_variant *cost_chosen(const struct cost_option *o)
{
    return o->chosen >= 0 ? &o->variants[o->chosen] : NULL;
}
