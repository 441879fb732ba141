/*
 * platform_lambda_managed.c - Lambda Managed Instances: a Lambda function's execution
 * environments on the EC2 instances of a capacity provider in the account, always on.
 *
 * Billing (AWS Lambda pricing, Lambda Managed Instances; config/model.json lambda_managed.*
 * has the sources): the instances' hours at their EC2 rate, a management fee of a share of
 * each instance's on-demand rate (whatever the instance is bought at: a Savings Plan
 * discounts the instance, not the fee), and Lambda's requests; no duration (GB-second)
 * charge. The capacity provider keeps at least lambda_managed.min_instances instances
 * running, one per Availability Zone, whatever the traffic: no scale to zero (so no per-job
 * fleet), no cold start (environments are started before the version is active), no Spot.
 *
 * An execution environment is the task that is packed onto instances (ec2pack.h, the rules of
 * ECS tasks): the task's memory (or the model's weights, when larger) and vCPUs: the vCPUs
 * asked for (or what Lambda would give the memory), at least min_vcpu, and enough that the
 * memory per vCPU stays within the capacity provider's range
 * (ExecutionEnvironmentMemoryGiBPerVCpu); the memory is raised to the low end of that range
 * when the vCPUs ask for more, and to min_memory_mb. An environment serves the request's
 * concurrency_per_task calls at once (multi-concurrency), at most
 * max_concurrency_per_environment, and the environments are sized as any fleet
 * (cost_fleet_size). A GPU environment (AcceleratorConfig: container image functions on
 * x86_64) takes one GPU with at least the GPU memory it needs, at most
 * max_accelerator_memory_gb: a model that needs more is not sharded here.
 *
 * Calls may run for max_duration_s when invoked asynchronously or through an event source
 * mapping, for max_sync_duration_s when invoked synchronously: the HTTP trigger is the one
 * synchronous trigger of a request (API Gateway, a function URL).
 */
#include <math.h>

#include "computefit/ec2pack.h"

/* An execution environment. */
struct env {
    double memory_mb, vcpu, gib_per_vcpu;
    double concurrency; /* calls it serves at once */
    double gpu_gb;      /* GPU memory it needs, with headroom; 0 without a model or a GPU */
};

static void env_size(const struct workload *w, const struct model *m, struct env *ret)
{
    const struct model_lambda_managed *l = &m->lambda_managed;
    double need_mb = fmax(workload_memory_need_mb(w), l->min_memory_mb);
    double vcpu = fmax(fmax(l->min_vcpu, w->vcpu), need_mb / 1024 / l->max_memory_gib_per_vcpu);
    struct env e = {
        .memory_mb = ceil(fmax(need_mb, vcpu * l->min_memory_gib_per_vcpu * 1024) - COST_EPS),
        .vcpu = vcpu,
        .concurrency = fmin(w->concurrency_per_task, l->max_concurrency_per_environment),
        .gpu_gb = fmax(w->gpu_memory_gb, w->model_memory_mb / 1024) * m->ec2.gpu_memory_headroom,
    };
    e.gib_per_vcpu = e.memory_mb / 1024 / e.vcpu;
    *ret = e;
}

/* Whether a call is invoked synchronously, and so held to the shorter timeout. */
static bool synchronous(const struct workload *w)
{
    return w->trigger == MODEL_TRIGGER_HTTP;
}

/* Blocks what the workload exceeds; returns whether the region has the rates to price it. */
static bool blocks(const struct cost_ctx *c, struct cost_option *o, const struct env *e)
{
    const struct workload *w = c->w;
    const struct model *m = c->m;
    const struct model_lambda_managed *l = &m->lambda_managed;
    bool rates = true;
    if (!c->rr->has[CF_OFFER_LAMBDA]) {
        cost_block(c, o, "rates", 0, 0, false, msg_make(B_NO_RATES, "ss", "Lambda", c->rr->code));
        rates = false;
    }
    if (!c->rr->has[o->platform->offer] || !c->rr->n_instances) {
        cost_block(c, o, "rates", 0, 0, false,
                   msg_make(B_NO_RATES, "ss", o->platform->rates_label, c->rr->code));
        rates = false;
    }
    bool sync = synchronous(w);
    double max_s = sync ? l->max_sync_duration_s : l->max_duration_s;
    if (w->duration_s > max_s)
        cost_block(c, o,
                   sync ? "lambda_managed.max_sync_duration_s" : "lambda_managed.max_duration_s",
                   max_s, w->duration_s, false,
                   msg_make(B_LAMBDA_MANAGED_DURATION, "nnn", w->duration_s, max_s, (double)sync));
    cost_block_memory(c, o, "lambda_managed.max_memory_mb", l->max_memory_mb,
                      msg_make(B_LAMBDA_MANAGED_MEMORY, "nn", w->memory_mb, l->max_memory_mb));
    if (w->vcpu_from == WORKLOAD_FROM_REQUEST && w->vcpu > l->max_vcpu)
        cost_block(c, o, "lambda_managed.max_vcpu", l->max_vcpu, w->vcpu, false,
                   msg_make(B_LAMBDA_MANAGED_VCPU, "nn", w->vcpu, l->max_vcpu));
    if (w->ephemeral_mb > m->lambda.max_ephemeral_mb)
        cost_block(c, o, "lambda.max_ephemeral_mb", m->lambda.max_ephemeral_mb, w->ephemeral_mb,
                   false,
                   msg_make(B_LAMBDA_EPHEMERAL, "nn", w->ephemeral_mb, m->lambda.max_ephemeral_mb));
    if (w->gpu && w->arch == WORKLOAD_ARCH_ARM64)
        cost_block(c, o, "gpu", 0, 1, false, msg_make(B_LAMBDA_MANAGED_GPU_ARCH, ""));
    else if (w->gpu && e->gpu_gb > l->max_accelerator_memory_gb + COST_EPS)
        cost_block(c, o, "lambda_managed.max_accelerator_memory_gb", l->max_accelerator_memory_gb,
                   e->gpu_gb, false,
                   msg_make(B_LAMBDA_MANAGED_ACCELERATOR, "nnnn",
                            e->gpu_gb / m->ec2.gpu_memory_headroom, e->gpu_gb,
                            (m->ec2.gpu_memory_headroom - 1) * 100, l->max_accelerator_memory_gb));
    return rates;
}

/* What every variant says about the environments it runs. */
static void notes(const struct cost_ctx *c, struct cost_option *o, const struct env *e)
{
    const struct workload *w = c->w;
    const struct model_lambda_managed *l = &c->m->lambda_managed;
    for (size_t i = 0; i < o->n_variants; i++) {
        struct cost_variant *v = &o->variants[i];
        const struct ec2pack_detail *d = v->detail;
        cost_note_add(c, v,
                      msg_make(N_LAMBDA_MANAGED_ENVIRONMENT, "nnnn", e->memory_mb, e->vcpu,
                               e->gib_per_vcpu, e->concurrency));
        if (v->on_gpu)
            cost_note_add(c, v, msg_make(N_LAMBDA_MANAGED_GPU, "n", d->gpu_memory_needed_gb));
        if (!synchronous(w) && w->duration_s > l->max_sync_duration_s)
            cost_note_add(c, v,
                          msg_make(N_LAMBDA_MANAGED_ASYNC, "nnn", w->duration_s,
                                   l->max_sync_duration_s, l->max_duration_s));
        if (d->tasks > l->max_environments)
            cost_note_add(
                c, v, msg_make(W_LAMBDA_MANAGED_ENVIRONMENTS, "nn", d->tasks, l->max_environments));
    }
}

void platform_lambda_managed_price(const struct cost_ctx *c, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct model *m = c->m;
    const struct model_lambda_managed *l = &m->lambda_managed;
    struct env e;
    env_size(w, m, &e);
    struct ec2pack_need n = {
        .gpu_ok = !w->cpu_only && (w->gpu || w->model_memory_mb > 0) &&
                  w->arch != WORKLOAD_ARCH_ARM64 &&
                  e.gpu_gb <= l->max_accelerator_memory_gb + COST_EPS,
        .cpu_ok = !w->gpu,
        .gpu_gb = e.gpu_gb,
        .whole_gpu = true,
        .gpu_x86_only = true,
        .memory_gib = e.memory_mb / 1024,
        .vcpu = e.vcpu,
        .vcpu_on_gpu = e.vcpu,
        .arch = w->arch,
    };
    struct ec2pack_terms t = {
        .limit = "lambda_managed.instances",
        .agent = "Lambda",
        .one = "execution environment",
        .many = "execution environments",
        .per_unit = e.concurrency,
        .min_instances = l->min_instances,
        .fee_share = l->management_fee_share,
        .lambda_requests = true,
    };
    if (blocks(c, o, &e) && (n.cpu_ok || n.gpu_ok)) {
        ec2pack_price(c, o, &n, &t);
        notes(c, o, &e);
    }
    cost_choose(c, o);
}

struct message platform_lambda_managed_describe(const struct cost_option *o,
                                                const struct cost_variant *v)
{
    (void)o;
    const struct ec2pack_detail *d = v->detail;
    return msg_make(D_LAMBDA_MANAGED, "nsnn", d->instances, d->instance->type,
                    d->task_memory_gib * 1024, (double)v->on_gpu);
}

size_t platform_lambda_managed_config(const struct cost_option *o, const struct cost_variant *v,
                                      const struct workload *w, const struct model *m,
                                      struct param *out)
{
    const struct ec2pack_detail *d = v->detail;
    struct env e;
    env_size(w, m, &e);
    size_t n = ec2pack_instance_params(d, out);
    out[n++] = param_opt("accelerator_memory_gb", d->instance->gpus > 0, d->gpu_memory_needed_gb);
    n += ec2pack_host_params(d, out + n);
    out[n++] = param_num("management_fee_share", m->lambda_managed.management_fee_share);
    out[n++] = param_num("environment_memory_mb", e.memory_mb);
    out[n++] = param_num("environment_vcpu", e.vcpu);
    out[n++] = param_num("memory_gib_per_vcpu", e.gib_per_vcpu);
    out[n++] = param_num("environment_max_concurrency", e.concurrency);
    out[n++] = param_num("environments", d->tasks);
    out[n++] = param_int("environments_per_instance", d->tasks_per_instance);
    out[n++] = param_num("instances", d->instances);
    out[n++] = param_num("min_instances", m->lambda_managed.min_instances);
    out[n++] = param_num("requests", w->invocations_per_month);
    out[n++] = param_num("concurrency", o->concurrency);
    return n;
}
