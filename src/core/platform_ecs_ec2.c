/*
 * platform_ecs_ec2.c - ECS on EC2 with a GPU: the cheapest GPU instance type whose GPUs hold the
 * GPU memory (the task's, or its model's weights when larger, with the model's headroom; a
 * model larger than one GPU is sharded across the instance's GPUs) and whose memory, less what
 * the OS and the ECS agent keep, holds the task's; per-job (duration plus boot, rounded up,
 * with a minimum) and always-on instances (a fleet sized with headroom), with Spot estimates
 * (the model's discount) when the task is interruptible.
 */
#include <math.h>

#include "computefit/platform.h"

/* What an EC2 variant was priced with (cost_variant.detail). */
struct ec2_detail {
    const struct ec2_instance *instance; /* borrowed from the rates table */
    double instances, billed_s, gpu_memory_needed_gb, gpus_used, usable_memory_gb;
};

/* Memory tasks can use on an instance of `gib` GiB. */
static double usable_gib(const struct model *m, double gib)
{
    return gib * (1 - m->ec2.reserved_memory_fraction);
}

static long variant(const struct cost_ctx *c, const struct ec2_instance *gi, enum cost_mode mode,
                    double needed_gb, double gpus_used, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct model_ec2 *e = &c->m->ec2;
    struct ec2_detail *d = arena_alloc(c->arena, sizeof(*d));
    struct cost_variant *v =
        d ? cost_variant_add(c, o, mode == COST_MODE_ALWAYS_ON ? "always_on" : "per_job",
                             CF_ARCH_X86_64, mode)
          : NULL;
    if (!v)
        return -1;
    v->detail = d;
    d->instance = gi;
    d->gpu_memory_needed_gb = needed_gb;
    d->gpus_used = gpus_used;
    d->usable_memory_gb = usable_gib(c->m, gi->memory_gib);
    double hours;
    if (mode == COST_MODE_ALWAYS_ON) {
        struct cost_fleet fl;
        cost_fleet_size(c, w->concurrency_per_task, &fl);
        d->instances = fl.units;
        v->step_rate = fl.step_rate;
        v->piece_end = fl.piece_end;
        cost_note_add(c, v, cost_fleet_note(c, &fl, "instance", "instances"));
        hours = d->instances * c->m->hours_per_month;
    } else {
        double billed = cost_round_up(w->duration_s + e->boot_s, e->billing_granularity_s);
        if (billed < e->minimum_billed_s)
            billed = e->minimum_billed_s;
        d->billed_s = billed;
        v->startup_s = e->boot_s; /* each job waits for its instance to boot */
        hours = w->invocations_per_month * billed / 3600;
    }
    if (gpus_used > 1)
        cost_note_add(c, v,
                      msg_make(N_SHARDED, "nnnn", needed_gb, gi->gpu_memory_gib / gi->gpus,
                               gpus_used, (double)gi->gpus));
    cost_note_add(c, v,
                  msg_make(N_HOST_MEMORY, "nnn", d->usable_memory_gb, gi->memory_gib,
                           100 * c->m->ec2.reserved_memory_fraction));
    cost_line_add(c, v, "instance_hours", hours, "instance-hour", gi->usd_per_hour, true);
    cost_variant_finish(c, o, v);
    if (v->step_rate > 0) /* one more instance costs this */
        v->step_usd = v->infrastructure_usd / d->instances;
    return (long)(v - o->variants);
}

static void variants(const struct cost_ctx *c, const struct ec2_instance *gi, enum cost_mode mode,
                     double needed_gb, double gpus_used, struct cost_option *o)
{
    long base = variant(c, gi, mode, needed_gb, gpus_used, o);
    if (base >= 0 && c->w->interruptible)
        cost_spot_estimate(c, o, (size_t)base,
                           mode == COST_MODE_PER_JOB ? "per_job_spot" : "always_on_spot",
                           c->m->ec2.spot_discount);
}

void platform_ecs_ec2_price(const struct cost_ctx *c, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct region_rates *rr = c->rr;
    const struct model *m = c->m;
    double needed_gb =
        fmax(w->gpu_memory_gb, w->model_memory_mb / 1024) * m->ec2.gpu_memory_headroom;
    double host_mb = workload_memory_need_mb(w);
    const struct ec2_instance *gi = NULL;
    if (w->cpu_only)
        cost_block(c, o, "gpu", 0, 0, false, msg_make(B_CPU_ONLY, "s", o->platform->title));
    if (!rr->has[o->platform->offer] || !rr->n_instances) {
        cost_block(c, o, "rates", 0, 0, false,
                   msg_make(B_NO_RATES, "ss", o->platform->rates_label, rr->code));
    } else {
        /* GPU instances are sorted by price: the first that fits is the cheapest. Only an
         * explicit vCPU need constrains the instance; on a GPU instance the GPU does the work. */
        for (size_t i = 0; i < rr->n_instances && !gi; i++) {
            const struct ec2_instance *g = &rr->instances[i];
            if (g->gpus >= 1 && g->gpu_memory_gib >= needed_gb - COST_EPS &&
                usable_gib(m, g->memory_gib) * 1024 >= host_mb - COST_EPS &&
                (w->vcpu_from != WORKLOAD_FROM_REQUEST || g->vcpu >= w->vcpu - COST_EPS))
                gi = g;
        }
        if (!gi)
            cost_block(c, o, "ecs_ec2.instances", 0, needed_gb, false,
                       msg_make(B_NO_GPU_INSTANCE, "snnnnn", rr->code,
                                needed_gb / m->ec2.gpu_memory_headroom, needed_gb,
                                (m->ec2.gpu_memory_headroom - 1) * 100, host_mb / 1024,
                                (double)(w->vcpu_from == WORKLOAD_FROM_REQUEST)));
    }
    if (gi) {
        /* GPUs a model is spread over when one cannot hold it (tensor parallelism). */
        double per_gpu = gi->gpu_memory_gib / gi->gpus;
        double used = fmax(1, ceil(needed_gb / per_gpu - COST_EPS));
        variants(c, gi, COST_MODE_PER_JOB, needed_gb, used, o);
        variants(c, gi, COST_MODE_ALWAYS_ON, needed_gb, used, o);
    }
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
    out[n++] = param_str("gpu_model", gi->gpu_model);
    out[n++] = param_int("gpus", (double)gi->gpus);
    out[n++] = param_num("gpu_memory_gb", gi->gpu_memory_gib);
    out[n++] = param_num("gpu_memory_needed_gb", d->gpu_memory_needed_gb);
    out[n++] = param_int("gpus_used", d->gpus_used);
    out[n++] = param_bool("sharded", d->gpus_used > 1);
    out[n++] = param_num("vcpu", gi->vcpu);
    out[n++] = param_num("memory_gb", gi->memory_gib);
    out[n++] = param_num("usable_memory_gb", d->usable_memory_gb);
    out[n++] = param_num("usd_per_hour", gi->usd_per_hour);
    out[n++] = param_str("mode", cost_mode_name(v->mode));
    out[n++] = param_opt("instances", always, d->instances);
    out[n++] = param_opt("billed_seconds_per_job", per_job, d->billed_s);
    out[n++] = param_opt("boot_s", per_job, m->ec2.boot_s);
    out[n++] = param_num("concurrency", o->concurrency);
    out[n++] = param_opt("concurrency_per_instance", always, w->concurrency_per_task);
    out[n++] = param_bool("spot", v->spot);
    if (v->spot)
        out[n++] = param_num("spot_discount", m->ec2.spot_discount);
    return n;
}
