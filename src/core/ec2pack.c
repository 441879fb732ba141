/*
 * ec2pack.c - tasks on EC2 instances: fit, fleets, Spot and a managed platform's fee (see
 * ec2pack.h). The platforms on instances (platform_ecs_ec2.c, platform_ecs_managed.c,
 * platform_lambda_managed.c) say what a task needs and how instances are billed; the rest is
 * here, once.
 */
#include "computefit/ec2pack.h"

#include <math.h>

/* Memory tasks can use on an instance of `gib` GiB. */
static double usable_gib(const struct model *m, double gib)
{
    return gib * (1 - m->ec2.reserved_memory_fraction);
}

/* GPUs one task takes on `gi`: one, or whole GPUs enough for its GPU memory. */
static double gpus_per_task(const struct ec2_instance *gi, const struct ec2pack_need *n)
{
    if (n->whole_gpu)
        return 1;
    return fmax(1, ceil(n->gpu_gb / (gi->gpu_memory_gib / gi->gpus) - COST_EPS));
}

/* How many of the task `gi` holds at once; 0 when it does not fit. */
static double tasks_per_instance(const struct model *m, const struct ec2_instance *gi,
                                 const struct ec2pack_need *n)
{
    if ((n->arch == WORKLOAD_ARCH_X86_64 && gi->arch != CF_ARCH_X86_64) ||
        (n->arch == WORKLOAD_ARCH_ARM64 && gi->arch != CF_ARCH_ARM64))
        return 0;
    double by_mem = floor(usable_gib(m, gi->memory_gib) / n->memory_gib + COST_EPS);
    double fit;
    if (gi->gpus == 0) {
        if (!n->cpu_ok)
            return 0;
        fit = fmin(by_mem, floor(gi->vcpu / n->vcpu + COST_EPS));
    } else {
        double on_one = n->whole_gpu ? gi->gpu_memory_gib / gi->gpus : gi->gpu_memory_gib;
        if (!n->gpu_ok || on_one < n->gpu_gb - COST_EPS ||
            (n->gpu_x86_only && gi->arch != CF_ARCH_X86_64))
            return 0;
        fit = fmin(by_mem, floor(gi->gpus / gpus_per_task(gi, n)));
        if (n->vcpu_on_gpu > 0)
            fit = fmin(fit, floor(gi->vcpu / n->vcpu_on_gpu + COST_EPS));
    }
    return fit >= 1 ? fit : 0;
}

/* What an instance-hour of `gi` costs: its rate and the fee on its on-demand rate. */
static double hourly(const struct ec2pack_terms *t, const struct ec2_instance *gi)
{
    return gi->usd_per_hour + t->fee_share * rates_ec2_on_demand(gi);
}

/* Variant names by mode, for GPU placements priced beside CPU ones, and on Spot. */
static const char *variant_name(enum cost_mode mode, bool beside, bool spot)
{
    static const char *const names[2][2][2] = {
        {{"per_job", "per_job_spot"}, {"per_job_gpu", "per_job_gpu_spot"}},
        {{"always_on", "always_on_spot"}, {"always_on_gpu", "always_on_gpu_spot"}}};
    return names[mode == COST_MODE_ALWAYS_ON][beside][spot];
}

/* One placement: the need, priced beside another placement's or alone. */
struct place {
    const struct ec2pack_need *n;
    const struct ec2pack_terms *t;
    bool beside; /* GPU placements beside CPU ones: their variants say "_gpu" */
};

static struct cost_variant *start(const struct cost_ctx *c, struct cost_option *o,
                                  const struct ec2_instance *gi, const struct place *pl,
                                  enum cost_mode mode, struct ec2pack_detail **ret_d)
{
    const struct ec2pack_need *n = pl->n;
    struct ec2pack_detail *d = arena_alloc(c->arena, sizeof(*d));
    struct cost_variant *v =
        d ? cost_variant_add(c, o, variant_name(mode, pl->beside, false), gi->arch, mode) : NULL;
    if (!v)
        return NULL;
    v->detail = d;
    v->on_gpu = gi->gpus > 0;
    d->instance = gi;
    d->gpu_memory_needed_gb = gi->gpus ? n->gpu_gb : 0;
    d->gpus_used = gi->gpus ? gpus_per_task(gi, n) : 0;
    d->usable_memory_gb = usable_gib(c->m, gi->memory_gib);
    d->task_memory_gib = n->memory_gib;
    d->task_vcpu = gi->gpus ? n->vcpu_on_gpu : n->vcpu;
    d->fee_usd_per_hour = pl->t->fee_share * rates_ec2_on_demand(gi);
    *ret_d = d;
    return v;
}

/* The notes every variant on `gi` has, its lines for `hours` instance-hours, and its bill. */
static void finish(const struct cost_ctx *c, struct cost_option *o, struct cost_variant *v,
                   const struct ec2pack_detail *d, const struct ec2pack_terms *t, double hours)
{
    const struct ec2_instance *gi = d->instance;
    if (d->gpus_used > 1)
        cost_note_add(c, v,
                      msg_make(N_SHARDED, "nnnn", d->gpu_memory_needed_gb,
                               gi->gpu_memory_gib / gi->gpus, d->gpus_used, (double)gi->gpus));
    cost_note_add(c, v,
                  msg_make(N_HOST_MEMORY, "nnnss", d->usable_memory_gb, gi->memory_gib,
                           100 * c->m->ec2.reserved_memory_fraction, t->agent, t->many));
    cost_line_add(c, v, "instance_hours", hours, "instance-hour", gi->usd_per_hour, true);
    if (t->fee_share > 0) {
        cost_note_add(c, v,
                      msg_make(N_MANAGEMENT_FEE, "snsn", o->platform->title, 100 * t->fee_share,
                               gi->type, d->fee_usd_per_hour));
        if (t->fee_estimate)
            cost_note_add(
                c, v,
                msg_make(W_MANAGEMENT_FEE_ESTIMATE, "sn", o->platform->title, 100 * t->fee_share));
        /* Billed on the on-demand rate, so neither Spot nor a Savings Plan discounts it. */
        size_t at = v->n_lines;
        cost_line_add(c, v, "management_fee", hours, "instance-hour", d->fee_usd_per_hour, false);
        if (v->n_lines > at)
            v->lines[at].estimate = t->fee_estimate;
    }
    if (t->lambda_requests)
        cost_line_add(c, v, "requests", c->w->invocations_per_month, "request",
                      c->rr->lambda[gi->arch].request_usd, false);
    v->address_hours = hours; /* each instance holds the address its tasks go out through */
    cost_variant_finish(c, o, v);
}

static long per_job(const struct cost_ctx *c, struct cost_option *o, const struct ec2_instance *gi,
                    const struct place *pl)
{
    const struct model_ec2 *e = &c->m->ec2;
    struct ec2pack_detail *d;
    struct cost_variant *v = start(c, o, gi, pl, COST_MODE_PER_JOB, &d);
    if (!v)
        return -1;
    double billed = cost_round_up(c->w->duration_s + e->boot_s, e->billing_granularity_s);
    d->billed_s = fmax(billed, e->minimum_billed_s);
    d->tasks_per_instance = 1;
    v->startup_s = e->boot_s; /* each job waits for its instance to boot */
    finish(c, o, v, d, pl->t, c->w->invocations_per_month * d->billed_s / 3600);
    return (long)(v - o->variants);
}

/* Instances of a type holding `fit` tasks that a fleet of `units` tasks needs. */
static double instances_for(const struct ec2pack_terms *t, double units, double fit)
{
    return fmax(t->min_instances, ceil(units / fit - COST_EPS));
}

static long always_on(const struct cost_ctx *c, struct cost_option *o,
                      const struct ec2_instance *gi, double fit, const struct cost_fleet *fl,
                      const struct place *pl)
{
    const struct ec2pack_terms *t = pl->t;
    struct ec2pack_detail *d;
    struct cost_variant *v = start(c, o, gi, pl, COST_MODE_ALWAYS_ON, &d);
    if (!v)
        return -1;
    d->tasks = fl->units;
    d->tasks_per_instance = fit;
    d->instances = instances_for(t, fl->units, fit);
    /* The same instances serve up to the rate that needs a task more than they hold; no type
     * is cheaper there, since every type's cost only grows with the rate. */
    v->piece_end = cost_fleet_end(c, t->per_unit, d->instances * fit);
    cost_note_add(c, v, cost_fleet_note(c, fl, t->one, t->many));
    if (fit > 1)
        cost_note_add(
            c, v,
            msg_make(N_EC2_PACKING, "nnsns", fl->units, fit, gi->type, d->instances, t->many));
    if (d->instances > ceil(fl->units / fit - COST_EPS))
        cost_note_add(c, v,
                      msg_make(N_MIN_INSTANCES, "snn", o->platform->title, t->min_instances,
                               ceil(fl->units / fit - COST_EPS)));
    finish(c, o, v, d, t, d->instances * c->m->hours_per_month);
    return (long)(v - o->variants);
}

/* The Spot variant of variant `base`: at the saving the EC2 Spot Instance Advisor reports for
 * its instance type when the rates table has it, else at the model's discount. The Advisor's
 * band says what share of the type's instances Spot reclaimed in the past month; taking its
 * upper bound (100% for the open ">20%" band) as the rate, a job of t hours is interrupted
 * with probability 1 - exp(-share x t / month), and a per-job run more likely than the
 * model's ecs_ec2.spot_max_interruption_probability to be interrupted gets a warning. */
static void spot(const struct cost_ctx *c, struct cost_option *o, long base, const struct place *pl)
{
    if (base < 0 || !pl->t->spot || !c->w->interruptible)
        return;
    const struct ec2pack_detail *bd = o->variants[base].detail;
    const struct ec2_instance *gi = bd->instance;
    const struct ec2_spot_advice *adv = rates_ec2_spot(c->rr, gi->type);
    const struct ec2_spot_range *band = adv ? rates_ec2_spot_range(c->rr, adv->range) : NULL;
    double discount = band ? adv->savings_pct / 100 : c->m->ec2.spot_discount;
    size_t at = o->n_variants;
    cost_spot_estimate(c, o, (size_t)base, variant_name(o->variants[base].mode, pl->beside, true),
                       discount);
    struct ec2pack_detail *d = arena_alloc(c->arena, sizeof(*d));
    if (o->n_variants == at || !d)
        return;
    struct cost_variant *v = &o->variants[at];
    *d = *bd;
    d->spot_discount = discount;
    v->detail = d;
    if (!band)
        return;
    v->spot_source = COST_SPOT_ADVISOR;
    v->spot_type = gi->type;
    v->spot_band = band->label;
    v->spot_saving_pct = adv->savings_pct;
    cost_note_add(
        c, v,
        msg_make(N_SPOT_ADVISOR, "snss", gi->type, adv->savings_pct, c->rr->code, band->label));
    double job_h = c->w->duration_s / 3600;
    double p = 1 - exp(-band->max_pct / 100 * job_h / c->m->hours_per_month);
    if (v->mode == COST_MODE_PER_JOB && p > c->m->ec2.spot_max_interruption_probability)
        cost_note_add(c, v,
                      msg_make(W_SPOT_INTERRUPTION, "nssnn", job_h, gi->type, band->label,
                               band->max_pct, 100 * p));
}

/* Prices one placement: per job on the type with the cheapest instance-hour that holds a
 * task, always on with the fleet's tasks on the type that holds them for the least. Returns
 * whether any type holds the task. */
static bool place(const struct cost_ctx *c, struct cost_option *o, const struct place *pl,
                  const struct cost_fleet *fl)
{
    const struct region_rates *rr = c->rr;
    const struct ec2_instance *job = NULL, *best = NULL;
    double job_usd = (double)INFINITY, best_fit = 0, best_usd = (double)INFINITY;
    /* An instance's address is billed by the hour too: fewer, larger instances may then win. */
    double address = cost_address_hour_usd(o, rr);
    for (size_t i = 0; i < rr->n_instances; i++) {
        const struct ec2_instance *gi = &rr->instances[i]; /* sorted by price */
        double fit = tasks_per_instance(c->m, gi, pl->n);
        if (fit < 1)
            continue;
        double h = hourly(pl->t, gi) + address;
        if (h < job_usd) {
            job = gi;
            job_usd = h;
        }
        double usd = instances_for(pl->t, fl->units, fit) * h;
        if (usd < best_usd) {
            best = gi;
            best_fit = fit;
            best_usd = usd;
        }
    }
    if (!job)
        return false;
    if (pl->t->per_job)
        spot(c, o, per_job(c, o, job, pl), pl);
    spot(c, o, always_on(c, o, best, best_fit, fl, pl), pl);
    return true;
}

static void block_unfit(const struct cost_ctx *c, struct cost_option *o,
                        const struct ec2pack_need *n, const struct ec2pack_terms *t)
{
    const struct workload *w = c->w;
    const struct model *m = c->m;
    static const char *const arch_names[] = {"x86_64", "arm64", "x86_64 or arm64"};
    const char *arch = n->gpu_x86_only ? arch_names[WORKLOAD_ARCH_X86_64] : arch_names[w->arch];
    if (!n->cpu_ok)
        cost_block(c, o, t->limit, 0, n->gpu_gb, false,
                   msg_make(B_NO_GPU_INSTANCE, "snnnnnsn", c->rr->code,
                            n->gpu_gb / m->ec2.gpu_memory_headroom, n->gpu_gb,
                            (m->ec2.gpu_memory_headroom - 1) * 100, n->memory_gib,
                            (double)(n->vcpu_on_gpu > 0), arch, (double)n->whole_gpu));
    else
        cost_block(c, o, t->limit, 0, n->memory_gib, false,
                   msg_make(B_NO_INSTANCE, "ssnnns", arch_names[w->arch], c->rr->code, n->vcpu,
                            n->memory_gib, 100 * m->ec2.reserved_memory_fraction, t->agent));
}

void ec2pack_price(const struct cost_ctx *c, struct cost_option *o, const struct ec2pack_need *n,
                   const struct ec2pack_terms *t)
{
    struct cost_fleet fl;
    cost_fleet_size(c, t->per_unit, &fl);
    /* CPU placements, then GPU ones: variants of their own when CPU ones are allowed too. */
    struct ec2pack_need cpu = *n, gpu = *n;
    cpu.gpu_ok = false;
    gpu.cpu_ok = false;
    struct place cp = {&cpu, t, false}, gp = {&gpu, t, n->cpu_ok};
    bool fits = n->cpu_ok && place(c, o, &cp, &fl);
    fits = (n->gpu_ok && place(c, o, &gp, &fl)) || fits;
    if (!fits)
        block_unfit(c, o, n, t);
}

void ec2pack_ecs_price(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                       double fee_share)
{
    const struct workload *w = c->w;
    const struct model *m = c->m;
    if (!c->rr->has[o->platform->offer] || !c->rr->n_instances) {
        cost_block(c, o, "rates", 0, 0, false,
                   msg_make(B_NO_RATES, "ss", o->platform->rates_label, c->rr->code));
        cost_choose(c, o);
        return;
    }
    struct ec2pack_need n = {
        .gpu_ok = !w->cpu_only && (w->gpu || w->model_memory_mb > 0),
        .cpu_ok = !w->gpu,
        .gpu_gb = fmax(w->gpu_memory_gb, w->model_memory_mb / 1024) * m->ec2.gpu_memory_headroom,
        .memory_gib = workload_memory_need_mb(w) / 1024,
        .vcpu = fmax(w->vcpu, m->ec2.min_task_vcpu),
        .vcpu_on_gpu = w->vcpu_from == WORKLOAD_FROM_REQUEST ? w->vcpu : 0,
        .arch = w->arch,
    };
    struct ec2pack_terms t = {
        .limit = limit,
        .agent = "ECS",
        .one = "task",
        .many = "tasks",
        .per_unit = w->concurrency_per_task,
        .min_instances = 1,
        .fee_share = fee_share,
        .fee_estimate = fee_share > 0,
        .per_job = true,
        .spot = true,
    };
    ec2pack_price(c, o, &n, &t);
    cost_choose(c, o);
}

struct message ec2pack_ecs_describe(const struct cost_option *o, const struct cost_variant *v)
{
    const struct ec2pack_detail *d = v->detail;
    if (v->mode == COST_MODE_ALWAYS_ON)
        return msg_make(D_EC2_ALWAYS_ON, "nsns", d->instances, d->instance->type, (double)v->spot,
                        o->platform->title);
    return msg_make(D_EC2_PER_JOB, "sns", d->instance->type, (double)v->spot, o->platform->title);
}

size_t ec2pack_instance_params(const struct ec2pack_detail *d, struct param *out)
{
    const struct ec2_instance *gi = d->instance;
    size_t n = 0;
    out[n++] = param_str("instance_type", gi->type);
    out[n++] = param_str("architecture", cf_arch_name(gi->arch));
    out[n++] = param_int("gpus", (double)gi->gpus);
    out[n++] = gi->gpus ? param_str("gpu_model", gi->gpu_model) : param_null("gpu_model");
    out[n++] = param_num("gpu_memory_gb", gi->gpu_memory_gib);
    return n;
}

size_t ec2pack_host_params(const struct ec2pack_detail *d, struct param *out)
{
    const struct ec2_instance *gi = d->instance;
    size_t n = 0;
    out[n++] = param_num("vcpu", gi->vcpu);
    out[n++] = param_num("memory_gb", gi->memory_gib);
    out[n++] = param_num("usable_memory_gb", d->usable_memory_gb);
    out[n++] = param_num("usd_per_hour", gi->usd_per_hour);
    out[n++] = param_num("management_fee_usd_per_hour", d->fee_usd_per_hour);
    return n;
}

size_t ec2pack_ecs_config(const struct cost_option *o, const struct cost_variant *v,
                          const struct workload *w, const struct model *m, struct param *out)
{
    const struct ec2pack_detail *d = v->detail;
    bool always = v->mode == COST_MODE_ALWAYS_ON, per_job = v->mode == COST_MODE_PER_JOB;
    size_t n = 0;
    n += ec2pack_instance_params(d, out + n);
    out[n++] = param_num("gpu_memory_needed_gb", d->gpu_memory_needed_gb);
    out[n++] = param_int("gpus_used", d->gpus_used);
    out[n++] = param_bool("sharded", d->gpus_used > 1);
    n += ec2pack_host_params(d, out + n);
    out[n++] = param_str("mode", cost_mode_name(v->mode));
    out[n++] = param_opt("tasks", always, d->tasks);
    out[n++] = param_int("tasks_per_instance", d->tasks_per_instance);
    out[n++] = param_opt("instances", always, d->instances);
    out[n++] = param_opt("billed_seconds_per_job", per_job, d->billed_s);
    out[n++] = param_opt("boot_s", per_job, m->ec2.boot_s);
    out[n++] = param_num("concurrency", o->concurrency);
    out[n++] = param_opt("concurrency_per_task", always, w->concurrency_per_task);
    out[n++] = param_bool("spot", v->spot);
    if (v->spot) {
        out[n++] = param_str("spot_source", v->spot_band ? "advisor" : "discount_estimate");
        out[n++] = param_num("spot_discount", d->spot_discount);
        out[n++] = v->spot_band ? param_str("interruption_frequency", v->spot_band)
                                : param_null("interruption_frequency");
    }
    return n;
}
