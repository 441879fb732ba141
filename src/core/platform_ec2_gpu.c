/*
 * platform_ec2_gpu.c - ECS on EC2 with a GPU: the cheapest GPU instance type whose GPUs hold the
 * GPU memory (with the model's headroom) and whose RAM holds the memory; per-job (duration plus
 * boot, rounded up, with a minimum) and always-on instances, with Spot estimates (the model's
 * discount) when the task is interruptible.
 */
#include <math.h>

#include "computefit/platform.h"

/* What an EC2 variant was priced with (cost_variant.detail). */
struct ec2_detail {
    const struct gpu_instance *instance; /* borrowed from the rates table */
    double instances, billed_s, gpu_memory_needed_gb;
};

static long variant(const struct cost_ctx *c, const struct gpu_instance *gi, enum cost_mode mode,
                    double needed_gb, struct cost_option *o)
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
    double hours;
    if (mode == COST_MODE_ALWAYS_ON) {
        d->instances = fmax(1, ceil(o->concurrency / e->jobs_per_instance - COST_EPS));
        if (w->duration_s > 0) {
            v->step_rate = e->jobs_per_instance * c->m->hours_per_month * 3600 / w->duration_s;
            v->piece_end = d->instances * v->step_rate;
        }
        hours = d->instances * c->m->hours_per_month;
    } else {
        double billed = cost_round_up(w->duration_s + e->boot_s, e->billing_granularity_s);
        if (billed < e->minimum_billed_s)
            billed = e->minimum_billed_s;
        d->billed_s = billed;
        hours = w->invocations_per_month * billed / 3600;
    }
    cost_line_add(c, v, "instance_hours", hours, "instance-hour", gi->usd_per_hour, true);
    cost_variant_finish(c, o, v);
    if (v->step_rate > 0) /* one more instance costs this */
        v->step_usd = v->infrastructure_usd / d->instances;
    return (long)(v - o->variants);
}

static void variants(const struct cost_ctx *c, const struct gpu_instance *gi, enum cost_mode mode,
                     double needed_gb, struct cost_option *o)
{
    long base = variant(c, gi, mode, needed_gb, o);
    if (base >= 0 && c->w->interruptible)
        cost_spot_estimate(c, o, (size_t)base,
                           mode == COST_MODE_PER_JOB ? "per_job_spot" : "always_on_spot",
                           c->m->ec2.spot_discount);
}

void platform_ec2_gpu_price(const struct cost_ctx *c, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct region_rates *rr = c->rr;
    const struct model *m = c->m;
    double needed_gb = w->gpu_memory_gb * m->ec2.gpu_memory_headroom;
    const struct gpu_instance *gi = NULL;
    if (!rr->has[o->platform->offer] || !rr->n_gpus) {
        cost_block(c, o, "rates", 0, 0, false,
                   msg_make(B_NO_RATES, "ss", o->platform->rates_label, rr->code));
    } else {
        /* GPU instances are sorted by price: the first that fits is the cheapest. Only an
         * explicit vCPU need constrains the instance; on a GPU instance the GPU does the work. */
        for (size_t i = 0; i < rr->n_gpus && !gi; i++) {
            const struct gpu_instance *g = &rr->gpus[i];
            if (g->gpus >= 1 && g->gpu_memory_gib >= needed_gb - COST_EPS &&
                g->memory_gib * 1024 >= w->memory_mb - COST_EPS &&
                (w->vcpu_from != WORKLOAD_FROM_REQUEST || g->vcpu >= w->vcpu - COST_EPS))
                gi = g;
        }
        if (!gi)
            cost_block(c, o, "ec2_gpu.instances", 0, needed_gb, false,
                       msg_make(B_NO_GPU_INSTANCE, "snnnnn", rr->code, w->gpu_memory_gb, needed_gb,
                                (m->ec2.gpu_memory_headroom - 1) * 100, w->memory_mb / 1024,
                                (double)(w->vcpu_from == WORKLOAD_FROM_REQUEST)));
    }
    if (gi) {
        variants(c, gi, COST_MODE_PER_JOB, needed_gb, o);
        variants(c, gi, COST_MODE_ALWAYS_ON, needed_gb, o);
    }
    cost_choose(o);
}

struct message platform_ec2_gpu_describe(const struct cost_option *o, const struct cost_variant *v)
{
    (void)o;
    const struct ec2_detail *d = v->detail;
    if (v->mode == COST_MODE_ALWAYS_ON)
        return msg_make(D_EC2_ALWAYS_ON, "nsn", d->instances, d->instance->type, (double)v->spot);
    return msg_make(D_EC2_PER_JOB, "sn", d->instance->type, (double)v->spot);
}

size_t platform_ec2_gpu_config(const struct cost_option *o, const struct cost_variant *v,
                               const struct workload *w, const struct model *m, struct param *out)
{
    (void)w;
    const struct ec2_detail *d = v->detail;
    const struct gpu_instance *gi = d->instance;
    bool always = v->mode == COST_MODE_ALWAYS_ON, per_job = v->mode == COST_MODE_PER_JOB;
    size_t n = 0;
    out[n++] = param_str("instance_type", gi->type);
    out[n++] = param_str("gpu_model", gi->gpu_model);
    out[n++] = param_int("gpus", (double)gi->gpus);
    out[n++] = param_num("gpu_memory_gb", gi->gpu_memory_gib);
    out[n++] = param_num("gpu_memory_needed_gb", d->gpu_memory_needed_gb);
    out[n++] = param_num("vcpu", gi->vcpu);
    out[n++] = param_num("memory_gb", gi->memory_gib);
    out[n++] = param_num("usd_per_hour", gi->usd_per_hour);
    out[n++] = param_str("mode", cost_mode_name(v->mode));
    out[n++] = param_opt("instances", always, d->instances);
    out[n++] = param_opt("billed_seconds_per_job", per_job, d->billed_s);
    out[n++] = param_opt("boot_s", per_job, m->ec2.boot_s);
    out[n++] = param_num("concurrency", o->concurrency);
    out[n++] = param_bool("spot", v->spot);
    if (v->spot)
        out[n++] = param_num("spot_discount", m->ec2.spot_discount);
    return n;
}
