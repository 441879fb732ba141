/*
 * platform_ecs_ec2.c - ECS on EC2: tasks on EC2 instances of the rates table, CPU or GPU.
 *
 * An instance type fits a task when its architecture is the task's (either, for "any"), its
 * memory less what the OS and the ECS agent keep holds the task's memory (or the model's
 * weights, when larger), and:
 *  - on a CPU instance (gpus 0): its vCPUs hold the task's vCPU (given, or what Lambda would
 *    give that memory); never when the task needs a GPU;
 *  - on a GPU instance: its GPUs hold the GPU memory (the task's, or the weights when larger,
 *    with the model's headroom; a model larger than one GPU is sharded across the instance's
 *    GPUs, and ECS gives a task whole GPUs), and only a vCPU count the request gives constrains
 *    it (the GPU does the work); only when the task needs a GPU, or may use one for its model
 *    (gpu not given), never when gpu is false.
 *
 * When the task may run on either (a model's weights without "gpu"), both placements are
 * priced, the GPU ones as variants of their own ("per_job_gpu", "always_on_gpu"), and the
 * cheapest variant is used.
 *
 * Two ways to run it, the cheaper used:
 *  - per job: a fleet that scales from zero, one instance per job, the cheapest type that fits,
 *    billed for the job plus the instance's boot (rounded up, with a minimum), each job
 *    waiting for the boot;
 *  - always on: the tasks a fleet needs (sized with headroom: cost_fleet_size), packed onto as
 *    few instances as fit them, of the type whose instances cost least for those tasks; the
 *    cost stays the same up to the rate at which that type needs one more instance.
 * On Spot when the task is interruptible: at the EC2 Spot Instance Advisor's average saving for
 * the type (an estimate), or the model's discount where the Advisor has none.
 */
#include <math.h>

#include "computefit/platform.h"

/* What an EC2 variant was priced with (cost_variant.detail). */
struct ec2_detail {
    const struct ec2_instance *instance; /* borrowed from the rates table */
    double instances, tasks, tasks_per_instance, billed_s;
    double gpu_memory_needed_gb, gpus_used, usable_memory_gb;
    double spot_discount; /* on Spot: the saving applied */
};

/* What one task asks of an instance. */
struct need {
    bool gpu_ok, cpu_ok; /* whether GPU, CPU instances may hold it */
    double gpu_gb;       /* GPU memory, with headroom; 0 when any GPU will do */
    double memory_gib;   /* host memory */
    double vcpu;         /* on a CPU instance */
    double vcpu_on_gpu;  /* on a GPU instance: the request's, else 0 */
    enum workload_arch arch;
    bool beside; /* GPU placements priced beside CPU ones: their variants say "_gpu" */
};

/* Memory tasks can use on an instance of `gib` GiB. */
static double usable_gib(const struct model *m, double gib)
{
    return gib * (1 - m->ec2.reserved_memory_fraction);
}

/* GPUs one task takes on `gi`: whole GPUs, enough for its GPU memory. */
static double gpus_per_task(const struct ec2_instance *gi, const struct need *n)
{
    return fmax(1, ceil(n->gpu_gb / (gi->gpu_memory_gib / gi->gpus) - COST_EPS));
}

/* How many of the task `gi` holds at once; 0 when it does not fit. */
static double tasks_per_instance(const struct model *m, const struct ec2_instance *gi,
                                 const struct need *n)
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
        if (!n->gpu_ok || gi->gpu_memory_gib < n->gpu_gb - COST_EPS)
            return 0;
        fit = fmin(by_mem, floor(gi->gpus / gpus_per_task(gi, n)));
        if (n->vcpu_on_gpu > 0)
            fit = fmin(fit, floor(gi->vcpu / n->vcpu_on_gpu + COST_EPS));
    }
    return fit >= 1 ? fit : 0;
}

/* Variant names by mode, for GPU placements priced beside CPU ones, and on Spot. */
static const char *variant_name(enum cost_mode mode, bool beside, bool spot)
{
    static const char *const names[2][2][2] = {
        {{"per_job", "per_job_spot"}, {"per_job_gpu", "per_job_gpu_spot"}},
        {{"always_on", "always_on_spot"}, {"always_on_gpu", "always_on_gpu_spot"}}};
    return names[mode == COST_MODE_ALWAYS_ON][beside][spot];
}

static struct cost_variant *start(const struct cost_ctx *c, struct cost_option *o,
                                  const struct ec2_instance *gi, const struct need *n,
                                  enum cost_mode mode, struct ec2_detail **ret_d)
{
    struct ec2_detail *d = arena_alloc(c->arena, sizeof(*d));
    struct cost_variant *v =
        d ? cost_variant_add(c, o, variant_name(mode, n->beside, false), gi->arch, mode) : NULL;
    if (!v)
        return NULL;
    v->detail = d;
    v->on_gpu = gi->gpus > 0;
    d->instance = gi;
    d->gpu_memory_needed_gb = gi->gpus ? n->gpu_gb : 0;
    d->gpus_used = gi->gpus ? gpus_per_task(gi, n) : 0;
    d->usable_memory_gb = usable_gib(c->m, gi->memory_gib);
    *ret_d = d;
    return v;
}

static void finish(const struct cost_ctx *c, struct cost_option *o, struct cost_variant *v,
                   const struct ec2_detail *d, double hours)
{
    const struct ec2_instance *gi = d->instance;
    if (d->gpus_used > 1)
        cost_note_add(c, v,
                      msg_make(N_SHARDED, "nnnn", d->gpu_memory_needed_gb,
                               gi->gpu_memory_gib / gi->gpus, d->gpus_used, (double)gi->gpus));
    cost_note_add(c, v,
                  msg_make(N_HOST_MEMORY, "nnn", d->usable_memory_gb, gi->memory_gib,
                           100 * c->m->ec2.reserved_memory_fraction));
    cost_line_add(c, v, "instance_hours", hours, "instance-hour", gi->usd_per_hour, true);
    v->address_hours = hours; /* each instance holds the address its tasks go out through */
    cost_variant_finish(c, o, v);
}

static long per_job(const struct cost_ctx *c, struct cost_option *o, const struct ec2_instance *gi,
                    const struct need *n)
{
    const struct model_ec2 *e = &c->m->ec2;
    struct ec2_detail *d;
    struct cost_variant *v = start(c, o, gi, n, COST_MODE_PER_JOB, &d);
    if (!v)
        return -1;
    double billed = cost_round_up(c->w->duration_s + e->boot_s, e->billing_granularity_s);
    d->billed_s = fmax(billed, e->minimum_billed_s);
    d->tasks_per_instance = 1;
    v->startup_s = e->boot_s; /* each job waits for its instance to boot */
    finish(c, o, v, d, c->w->invocations_per_month * d->billed_s / 3600);
    return (long)(v - o->variants);
}

static long always_on(const struct cost_ctx *c, struct cost_option *o,
                      const struct ec2_instance *gi, double fit, const struct cost_fleet *fl,
                      const struct need *n)
{
    struct ec2_detail *d;
    struct cost_variant *v = start(c, o, gi, n, COST_MODE_ALWAYS_ON, &d);
    if (!v)
        return -1;
    d->tasks = fl->units;
    d->tasks_per_instance = fit;
    d->instances = ceil(fl->units / fit - COST_EPS);
    /* The same instances serve up to the rate that needs a task more than they hold; no type
     * is cheaper there, since every type's cost only grows with the rate. */
    v->piece_end = cost_fleet_end(c, c->w->concurrency_per_task, d->instances * fit);
    cost_note_add(c, v, cost_fleet_note(c, fl, "task", "tasks"));
    if (fit > 1)
        cost_note_add(c, v,
                      msg_make(N_EC2_PACKING, "nnsn", fl->units, fit, gi->type, d->instances));
    finish(c, o, v, d, d->instances * c->m->hours_per_month);
    return (long)(v - o->variants);
}

/* The Spot variant of variant `base`: at the saving the EC2 Spot Instance Advisor reports for
 * its instance type when the rates table has it, else at the model's discount. The Advisor's
 * band says what share of the type's instances Spot reclaimed in the past month; taking its
 * upper bound (100% for the open ">20%" band) as the rate, a job of t hours is interrupted
 * with probability 1 - exp(-share x t / month), and a per-job run more likely than the
 * model's ecs_ec2.spot_max_interruption_probability to be interrupted gets a warning. */
static void variants(const struct cost_ctx *c, struct cost_option *o, long base,
                     const struct need *n)
{
    if (base < 0 || !c->w->interruptible)
        return;
    const struct ec2_detail *bd = o->variants[base].detail;
    const struct ec2_instance *gi = bd->instance;
    const struct ec2_spot_advice *adv = rates_ec2_spot(c->rr, gi->type);
    const struct ec2_spot_range *band = adv ? rates_ec2_spot_range(c->rr, adv->range) : NULL;
    double discount = band ? adv->savings_pct / 100 : c->m->ec2.spot_discount;
    size_t at = o->n_variants;
    cost_spot_estimate(c, o, (size_t)base, variant_name(o->variants[base].mode, n->beside, true),
                       discount);
    struct ec2_detail *d = arena_alloc(c->arena, sizeof(*d));
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

/* Prices the placements `n` allows: per job on the cheapest instance that holds a task, always
 * on with the fleet's tasks on the type that holds them for the least. Returns whether any
 * instance holds the task. */
static bool place(const struct cost_ctx *c, struct cost_option *o, const struct need *n,
                  const struct cost_fleet *fl)
{
    const struct region_rates *rr = c->rr;
    const struct ec2_instance *job = NULL, *best = NULL;
    double best_fit = 0, best_usd = (double)INFINITY;
    for (size_t i = 0; i < rr->n_instances; i++) {
        const struct ec2_instance *gi = &rr->instances[i]; /* sorted by price */
        double fit = tasks_per_instance(c->m, gi, n);
        if (fit < 1)
            continue;
        job = job ? job : gi;
        double usd = ceil(fl->units / fit - COST_EPS) * gi->usd_per_hour;
        if (usd < best_usd) {
            best = gi;
            best_fit = fit;
            best_usd = usd;
        }
    }
    if (!job)
        return false;
    variants(c, o, per_job(c, o, job, n), n);
    variants(c, o, always_on(c, o, best, best_fit, fl, n), n);
    return true;
}

static void block_unfit(const struct cost_ctx *c, struct cost_option *o, const struct need *n)
{
    const struct workload *w = c->w;
    const struct model *m = c->m;
    static const char *const arch_names[] = {"x86_64", "arm64", "x86_64 or arm64"};
    if (!n->cpu_ok)
        cost_block(c, o, "ecs_ec2.instances", 0, n->gpu_gb, false,
                   msg_make(B_NO_GPU_INSTANCE, "snnnnns", c->rr->code,
                            n->gpu_gb / m->ec2.gpu_memory_headroom, n->gpu_gb,
                            (m->ec2.gpu_memory_headroom - 1) * 100, n->memory_gib,
                            (double)(n->vcpu_on_gpu > 0), arch_names[w->arch]));
    else
        cost_block(c, o, "ecs_ec2.instances", 0, n->memory_gib, false,
                   msg_make(B_NO_INSTANCE, "ssnnn", arch_names[w->arch], c->rr->code, n->vcpu,
                            n->memory_gib, 100 * m->ec2.reserved_memory_fraction));
}

void platform_ecs_ec2_price(const struct cost_ctx *c, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct region_rates *rr = c->rr;
    const struct model *m = c->m;
    struct need n = {
        .gpu_ok = !w->cpu_only && (w->gpu || w->model_memory_mb > 0),
        .cpu_ok = !w->gpu,
        .gpu_gb = fmax(w->gpu_memory_gb, w->model_memory_mb / 1024) * m->ec2.gpu_memory_headroom,
        .memory_gib = workload_memory_need_mb(w) / 1024,
        .vcpu = fmax(w->vcpu, m->ec2.min_task_vcpu),
        .vcpu_on_gpu = w->vcpu_from == WORKLOAD_FROM_REQUEST ? w->vcpu : 0,
        .arch = w->arch,
    };
    if (!rr->has[o->platform->offer] || !rr->n_instances) {
        cost_block(c, o, "rates", 0, 0, false,
                   msg_make(B_NO_RATES, "ss", o->platform->rates_label, rr->code));
        cost_choose(c, o);
        return;
    }
    struct cost_fleet fl;
    cost_fleet_size(c, w->concurrency_per_task, &fl);
    /* CPU placements, then GPU ones: variants of their own when CPU ones are allowed too. */
    struct need cpu = n, gpu = n;
    cpu.gpu_ok = false;
    gpu.cpu_ok = false;
    gpu.beside = n.cpu_ok;
    bool fits = n.cpu_ok && place(c, o, &cpu, &fl);
    fits = (n.gpu_ok && place(c, o, &gpu, &fl)) || fits;
    if (!fits)
        block_unfit(c, o, &n);
    cost_choose(c, o);
}

struct message platform_ecs_ec2_describe(const struct cost_option *o, const struct cost_variant *v)
{
    (void)o;
    const struct ec2_detail *d = v->detail;
    if (v->mode == COST_MODE_ALWAYS_ON)
        return msg_make(D_EC2_ALWAYS_ON, "nsn", d->instances, d->instance->type, (double)v->spot);
    return msg_make(D_EC2_PER_JOB, "sn", d->instance->type, (double)v->spot);
}

size_t platform_ecs_ec2_config(const struct cost_option *o, const struct cost_variant *v,
                               const struct workload *w, const struct model *m, struct param *out)
{
    const struct ec2_detail *d = v->detail;
    const struct ec2_instance *gi = d->instance;
    bool always = v->mode == COST_MODE_ALWAYS_ON, per_job = v->mode == COST_MODE_PER_JOB;
    size_t n = 0;
    out[n++] = param_str("instance_type", gi->type);
    out[n++] = param_str("architecture", cf_arch_name(gi->arch));
    out[n++] = param_int("gpus", (double)gi->gpus);
    out[n++] = gi->gpus ? param_str("gpu_model", gi->gpu_model) : param_null("gpu_model");
    out[n++] = param_num("gpu_memory_gb", gi->gpu_memory_gib);
    out[n++] = param_num("gpu_memory_needed_gb", d->gpu_memory_needed_gb);
    out[n++] = param_int("gpus_used", d->gpus_used);
    out[n++] = param_bool("sharded", d->gpus_used > 1);
    out[n++] = param_num("vcpu", gi->vcpu);
    out[n++] = param_num("memory_gb", gi->memory_gib);
    out[n++] = param_num("usable_memory_gb", d->usable_memory_gb);
    out[n++] = param_num("usd_per_hour", gi->usd_per_hour);
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
