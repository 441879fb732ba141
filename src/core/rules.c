/*
 * rules.c - the rules an answer is weighed by: the seed article's decision tree and rules of
 * thumb, the confidence rating, the reasons and the warnings (see advise.h).
 *
 * A rule compares the workload with the limits and thresholds of config/model.json and says
 * which way it leans, in a coded sentence (message.h) with the figures that decided it. Rules
 * are about particular platforms by nature ("Lambda's 900 s timeout"), so this is the one place
 * outside platform_<key>.c that names them; the machinery that prices, compares and renders
 * does not.
 */
#include <math.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/platform.h"

/* ---- building reasons ---- */

struct rb {
    struct advice *a;
    struct arena *arena;
    struct reason *r; /* the reason being built; NULL once memory ran out */
};

static void begin(struct rb *b, const char *rule)
{
    struct advice *a = b->a;
    b->r = NULL;
    if (!ARENA_GROW(b->arena, a->reasons, a->n_reasons, a->cap_reasons))
        return;
    b->r = &a->reasons[a->n_reasons++];
    memset(b->r, 0, sizeof(*b->r));
    b->r->rule = rule;
}

static const struct message *keep(struct arena *arena, struct message m);

/* Sets the reason's verdict and sentence. A rule never favours a platform that cannot run the
 * task (the seed's tree, which only reports what the article would pick, aside): its verdict
 * is then neutral and its sentence says why it does not decide. */
static void say(struct rb *b, enum verdict_kind k, enum model_platform p, struct message text)
{
    if (!b->r)
        return;
    b->r->code = text.code;
    if (k == VERDICT_FAVOURS && !b->a->options[p].feasible &&
        strcmp(b->r->rule, "seed_decision_tree") != 0) {
        const struct message *t = keep(b->arena, text);
        if (t) {
            k = VERDICT_NEUTRAL;
            text = msg_make(R_MOOT, "ms", t, platforms[p].title);
        }
    }
    b->r->verdict = (struct verdict){k, p};
    b->r->text = text;
}

static void neutral(struct rb *b, struct message text)
{
    say(b, VERDICT_NEUTRAL, MODEL_LAMBDA, text);
}

static struct figure *fig(struct rb *b, const char *key, enum figure_kind kind)
{
    struct reason *r = b->r;
    if (!r || !ARENA_GROW(b->arena, r->figures, r->n_figures, r->cap_figures))
        return NULL;
    struct figure *f = &r->figures[r->n_figures++];
    memset(f, 0, sizeof(*f));
    f->key = key;
    f->kind = kind;
    return f;
}

static void fig_num(struct rb *b, const char *key, double v)
{
    struct figure *f = fig(b, key, FIG_NUM);
    if (f)
        f->num = v;
}

/* A number when `present`, else null. */
static void fig_opt(struct rb *b, const char *key, bool present, double v)
{
    if (present)
        fig_num(b, key, v);
    else
        fig(b, key, FIG_NULL);
}

static void fig_bool(struct rb *b, const char *key, bool v)
{
    struct figure *f = fig(b, key, FIG_BOOL);
    if (f)
        f->b = v;
}

static void fig_str(struct rb *b, const char *key, const char *s)
{
    struct figure *f = fig(b, key, s ? FIG_STR : FIG_NULL);
    if (f)
        f->str = s;
}

/* ---- the decision tree and confidence ---- */

/* The seed article's decision tree: GPU -> EC2; 10+ minutes, more than 3 GB or 100+/s ->
 * Fargate; otherwise Lambda. */
static enum model_platform seed_pick(const struct workload *w, const struct model *m)
{
    if (w->gpu)
        return MODEL_ECS_EC2;
    if (w->duration_s >= m->rules.comfortable_duration_s ||
        w->memory_mb > m->rules.comfortable_memory_mb ||
        workload_rate_per_s(w, m) >= m->rules.high_rate_per_s)
        return MODEL_FARGATE;
    return MODEL_LAMBDA;
}

/* Whether the winner is what the seed's tree picks: that platform, or ECS Managed Instances
 * where it picks EC2 (the same instances, managed by AWS: the article predates them). */
static bool seed_agrees(const struct advice *a)
{
    return (int)a->seed_pick == a->winner ||
           (a->seed_pick == MODEL_ECS_EC2 && a->winner == MODEL_ECS_MANAGED);
}

void advice_rate(struct advice *a)
{
    const struct model *m = a->m;
    a->seed_pick = seed_pick(&a->w, m);
    int c = CONFIDENCE_HIGH;
    if (a->winner >= 0) {
        if (!seed_agrees(a))
            c--;
        if (a->runner_up >= 0 &&
            advice_total(a, a->runner_up) <= advice_total(a, a->winner) * m->rules.close_cost_ratio)
            c--;
        if (a->winner == MODEL_LAMBDA && a->w.duration_s >= m->rules.comfortable_duration_s)
            c--;
        if (cost_chosen(&a->options[a->winner])->spot)
            c--;
    }
    a->confidence = c < 0 ? CONFIDENCE_LOW : (enum confidence)c;
}

/* ---- reasons ---- */

static void reason_gpu(struct rb *b)
{
    const struct workload *w = &b->a->w;
    begin(b, "gpu");
    fig_bool(b, "gpu", w->gpu);
    fig_opt(b, "gpu_memory_gb", w->gpu && w->gpu_memory_gb > 0, w->gpu_memory_gb);
    if (w->gpu)
        say(b, VERDICT_FAVOURS, MODEL_ECS_EC2, msg_make(R_GPU_NEEDED, ""));
    else
        neutral(b, msg_make(R_GPU_NONE, ""));
}

static void reason_duration(struct rb *b)
{
    const struct model *m = b->a->m;
    double d = b->a->w.duration_s;
    begin(b, "duration");
    fig_num(b, "duration_s", d);
    fig_num(b, "comfortable_below_s", m->rules.comfortable_duration_s);
    fig_num(b, "lambda_max_s", m->lambda.max_duration_s);
    if (d < m->rules.comfortable_duration_s)
        say(b, VERDICT_FAVOURS, MODEL_LAMBDA,
            msg_make(R_DURATION_SHORT, "nn", d, m->rules.comfortable_duration_s));
    else if (d <= m->lambda.max_duration_s)
        say(b, VERDICT_RISKY, MODEL_LAMBDA,
            msg_make(R_DURATION_RISKY, "nnn", d, m->lambda.max_duration_s,
                     m->rules.comfortable_duration_s));
    else
        say(b, VERDICT_BLOCKS, MODEL_LAMBDA,
            msg_make(R_DURATION_TOO_LONG, "nn", d, m->lambda.max_duration_s));
}

static void reason_memory(struct rb *b)
{
    const struct model *m = b->a->m;
    double mb = b->a->w.memory_mb, fargate_mb = m->fargate.max_memory_gb * 1024;
    begin(b, "memory");
    fig_num(b, "memory_mb", mb);
    fig_num(b, "comfortable_up_to_mb", m->rules.comfortable_memory_mb);
    fig_num(b, "lambda_max_mb", m->lambda.max_memory_mb);
    fig_num(b, "fargate_max_mb", fargate_mb);
    if (mb <= m->rules.comfortable_memory_mb)
        say(b, VERDICT_FAVOURS, MODEL_LAMBDA,
            msg_make(R_MEMORY_COMFORTABLE, "nn", mb, m->rules.comfortable_memory_mb));
    else if (mb <= m->lambda.max_memory_mb)
        say(b, VERDICT_FAVOURS, MODEL_FARGATE,
            msg_make(R_MEMORY_LARGE, "nnn", mb, m->rules.comfortable_memory_mb,
                     m->lambda.max_memory_mb));
    else if (mb <= fargate_mb)
        say(b, VERDICT_BLOCKS, MODEL_LAMBDA,
            msg_make(R_MEMORY_OVER_LAMBDA, "nnn", mb, m->lambda.max_memory_mb,
                     m->fargate.max_memory_gb));
    else
        say(b, VERDICT_BLOCKS, MODEL_FARGATE,
            msg_make(R_MEMORY_OVER_FARGATE, "nnn", mb, m->lambda.max_memory_mb,
                     m->fargate.max_memory_gb));
}

static void reason_vcpu(struct rb *b)
{
    const struct model *m = b->a->m;
    double v = b->a->w.vcpu;
    bool given = b->a->w.vcpu_from == WORKLOAD_FROM_REQUEST;
    begin(b, "vcpu");
    fig_num(b, "vcpu", v);
    fig_bool(b, "given", given);
    fig_num(b, "lambda_max_vcpu", m->lambda.max_vcpu);
    fig_num(b, "fargate_max_vcpu", m->fargate.max_vcpu);
    if (given && v > m->fargate.max_vcpu)
        say(b, VERDICT_BLOCKS, MODEL_FARGATE,
            msg_make(R_VCPU_OVER_FARGATE, "nnn", v, m->lambda.max_vcpu, m->fargate.max_vcpu));
    else if (given && v > m->lambda.max_vcpu)
        say(b, VERDICT_BLOCKS, MODEL_LAMBDA,
            msg_make(R_VCPU_OVER_LAMBDA, "nnn", v, m->lambda.max_vcpu, m->fargate.max_vcpu));
    else
        neutral(b, msg_make(R_VCPU_FITS, "nn", v, (double)given));
}

static void reason_storage(struct rb *b)
{
    const struct model *m = b->a->m;
    double mb = b->a->w.ephemeral_mb;
    begin(b, "ephemeral_storage");
    fig_num(b, "ephemeral_storage_mb", mb);
    fig_num(b, "lambda_max_mb", m->lambda.max_ephemeral_mb);
    fig_num(b, "fargate_max_mb", m->fargate.max_ephemeral_gb * 1024);
    if (mb > m->fargate.max_ephemeral_gb * 1024)
        say(b, VERDICT_BLOCKS, MODEL_FARGATE,
            msg_make(R_STORAGE_OVER_FARGATE, "nnn", mb, m->lambda.max_ephemeral_mb,
                     m->fargate.max_ephemeral_gb));
    else if (mb > m->lambda.max_ephemeral_mb)
        say(b, VERDICT_BLOCKS, MODEL_LAMBDA,
            msg_make(R_STORAGE_OVER_LAMBDA, "nnn", mb, m->lambda.max_ephemeral_mb,
                     m->fargate.max_ephemeral_gb));
    else
        neutral(b, msg_make(R_STORAGE_FITS, "n", mb));
}

static void reason_concurrency(struct rb *b)
{
    const struct model_lambda *l = &b->a->m->lambda;
    double c = b->a->options[MODEL_LAMBDA].concurrency;
    begin(b, "concurrency");
    fig_num(b, "concurrency", c);
    fig_num(b, "lambda_max_concurrency", l->max_concurrency);
    fig_num(b, "lambda_scaling_per_10s", l->scaling_per_10s);
    if (c > l->max_concurrency)
        say(b, VERDICT_RISKY, MODEL_LAMBDA,
            msg_make(R_CONCURRENCY_OVER, "nn", ceil(c), l->max_concurrency));
    else
        neutral(b, msg_make(R_CONCURRENCY_OK, "nn", c, l->max_concurrency));
}

static void reason_rate(struct rb *b)
{
    const struct model *m = b->a->m;
    double per_s = workload_rate_per_s(&b->a->w, m), per_h = per_s * 3600;
    begin(b, "rate");
    fig_num(b, "invocations_per_second", per_s);
    fig_num(b, "invocations_per_hour", per_h);
    fig_num(b, "high_rate_per_second", m->rules.high_rate_per_s);
    fig_num(b, "infrequent_per_hour", m->rules.infrequent_per_hour);
    if (per_s >= m->rules.high_rate_per_s)
        say(b, VERDICT_FAVOURS, MODEL_FARGATE,
            msg_make(R_RATE_HIGH, "nn", per_s, m->rules.high_rate_per_s));
    else if (per_h <= m->rules.infrequent_per_hour)
        say(b, VERDICT_FAVOURS, MODEL_LAMBDA,
            msg_make(R_RATE_INFREQUENT, "nn", per_h, m->rules.infrequent_per_hour));
    else
        neutral(b, msg_make(R_RATE_NEUTRAL, "n", per_h));
}

static void reason_trigger(struct rb *b)
{
    enum model_trigger t = b->a->w.trigger;
    begin(b, "trigger");
    fig_str(b, "trigger", t ? model_trigger_name(t) : NULL);
    if (t && b->a->m->event_trigger[t])
        say(b, VERDICT_FAVOURS, MODEL_LAMBDA,
            msg_make(R_TRIGGER_EVENT, "s", model_trigger_name(t)));
    else if (t)
        neutral(b, msg_make(R_TRIGGER_PLAIN, "s", model_trigger_name(t)));
    else
        neutral(b, msg_make(R_TRIGGER_NONE, ""));
}

/* Interruptible work on EC2 Spot: the Spot Instance Advisor's saving and interruption band for
 * the instance type ECS on EC2 would run on Spot. */
static void reason_spot(struct rb *b)
{
    const struct advice *a = b->a;
    if (!a->w.interruptible)
        return;
    const struct cost_option *o = &a->options[MODEL_ECS_EC2];
    const struct cost_variant *s = NULL;
    for (size_t i = 0; o->feasible && i < o->n_variants; i++)
        if (o->variants[i].spot_band && !o->variants[i].too_slow &&
            (!s || o->variants[i].monthly_usd < s->monthly_usd))
            s = &o->variants[i];
    begin(b, "spot");
    fig_str(b, "instance_type", s ? s->spot_type : NULL);
    fig_num(b, "savings_pct", s ? s->spot_saving_pct : (double)NAN);
    fig_str(b, "interruption_frequency", s ? s->spot_band : NULL);
    if (s)
        neutral(b, msg_make(R_SPOT_ADVISOR, "snss", s->spot_type, s->spot_saving_pct, a->rr->code,
                            s->spot_band));
    else
        neutral(b, msg_make(R_SPOT_NO_ADVICE, ""));
}

static void reason_cold_start(struct rb *b)
{
    const struct model_lambda *l = &b->a->m->lambda;
    double per_window = workload_rate_per_s(&b->a->w, b->a->m) * l->warm_idle_s;
    begin(b, "cold_start");
    fig_bool(b, "latency_sensitive", b->a->w.latency_sensitive);
    fig_num(b, "invocations_per_warm_window", per_window);
    fig_num(b, "warm_idle_s", l->warm_idle_s);
    fig_num(b, "cold_start_min_s", l->cold_start_min_s);
    fig_num(b, "cold_start_max_s", l->cold_start_max_s);
    if (!b->a->w.latency_sensitive)
        neutral(b, msg_make(R_COLD_START_UNSEEN, "nn", l->cold_start_min_s, l->cold_start_max_s));
    else if (per_window < 1)
        say(b, VERDICT_FAVOURS, MODEL_FARGATE,
            msg_make(R_COLD_START_MOSTLY_COLD, "nnnn", per_window, l->warm_idle_s,
                     l->cold_start_min_s, l->cold_start_max_s));
    else
        neutral(b, msg_make(R_COLD_START_MOSTLY_WARM, "nnnn", per_window, l->warm_idle_s,
                            l->cold_start_min_s, l->cold_start_max_s));
}

/* What each platform makes a request wait before its work starts, against the budget. */
static void reason_latency(struct rb *b)
{
    const struct advice *a = b->a;
    const struct workload *w = &a->w;
    const struct model *m = a->m;
    bool budget = isfinite(w->latency_budget_s);
    begin(b, "latency");
    fig_opt(b, "latency_budget_s", budget, w->latency_budget_s);
    fig_num(b, "lambda_cold_start_s", w->init_duration_s);
    fig_num(b, "fargate_task_start_s", w->fargate.startup_s);
    fig_num(b, "ec2_boot_s", m->ec2.boot_s);
    if (!budget)
        neutral(b, msg_make(R_LATENCY_NONE, ""));
    else
        neutral(b, msg_make(R_LATENCY_BUDGET, "nnnn", w->latency_budget_s, w->init_duration_s,
                            w->fargate.startup_s, m->ec2.boot_s));
}

static void reason_team(struct rb *b)
{
    const struct advice *a = b->a;
    const struct model *m = a->m;
    const struct workload_settings *s = &a->w.settings;
    begin(b, "team");
    struct figure *f = fig(b, "team_engineers", s->team_engineers ? FIG_INT : FIG_NULL);
    if (f)
        f->num = s->team_engineers;
    double *hours = arena_alloc(b->arena, sizeof(double) * MODEL_PLATFORM_COUNT);
    if ((f = fig(b, "ops_hours_per_month", FIG_PER_PLATFORM)) && hours) {
        for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
            hours[p] = a->options[p].ops_hours;
        f->per_platform = hours;
    }
    fig_num(b, "solo_multiplier", m->ops.solo_multiplier);
    fig_opt(b, "engineer_hourly_usd", s->engineer_hourly_usd > 0, s->engineer_hourly_usd);
    double priced = s->engineer_hourly_usd > 0;
    double hl = a->options[MODEL_LAMBDA].ops_hours, hf = a->options[MODEL_FARGATE].ops_hours;
    if (s->team_engineers == 1)
        say(b, VERDICT_FAVOURS, MODEL_LAMBDA,
            msg_make(R_TEAM_SOLO, "nnnn", m->ops.solo_multiplier, hf, hl, priced));
    else if (s->team_engineers > 1)
        neutral(b, msg_make(R_TEAM_SHARED, "nnnn", (double)s->team_engineers, hf, hl, priced));
    else
        neutral(b, msg_make(R_TEAM_UNKNOWN, "nnn", hf, hl, priced));
}

/* A message kept in the arena, for use as another message's argument. */
static const struct message *keep(struct arena *arena, struct message m)
{
    struct message *k = arena_alloc(arena, sizeof(*k));
    if (k)
        *k = m;
    return k;
}

/* A description of platform p's chosen variant (or its title when it has none), kept in the
 * arena for use as an argument. */
static const struct message *describe(const struct advice *a, int p, struct arena *arena)
{
    const struct cost_option *o = &a->options[p];
    const struct cost_variant *v = cost_chosen(o);
    if (!v)
        return keep(arena, msg_make(D_TITLE, "s", platforms[p].title));
    return keep(arena, platforms[p].describe(o, v));
}

static void reason_cost(struct rb *b)
{
    const struct advice *a = b->a;
    begin(b, "cost");
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        fig_num(b, platforms[p].key, advice_total(a, p));
    const struct message *win = describe(a, a->winner, b->arena);
    double w = advice_total(a, a->winner);
    if (a->runner_up < 0) {
        say(b, VERDICT_FAVOURS, (enum model_platform)a->winner,
            msg_make(R_COST_ONLY, "mn", win, w));
        return;
    }
    double r = advice_total(a, a->runner_up);
    if (a->simpler) {
        say(b, VERDICT_FAVOURS, (enum model_platform)a->winner,
            msg_make(R_COST_SIMPLER, "mnmnn", win, w, describe(a, a->runner_up, b->arena), r,
                     a->m->rules.close_cost_ratio));
        return;
    }
    say(b, VERDICT_FAVOURS, (enum model_platform)a->winner,
        msg_make(R_COST_CHEAPEST, "mnmnn", win, w, describe(a, a->runner_up, b->arena), r,
                 w > 0 ? r / w : (double)INFINITY));
}

/* Savings Plans' types and payment options as AWS writes them, for sentences. */
static const char *const sp_plan_titles[CF_SP_PLAN_COUNT] = {"Compute", "EC2 Instance"};
static const char *const sp_payment_titles[CF_SP_PAYMENT_COUNT] = {"No Upfront", "Partial Upfront",
                                                                   "All Upfront"};

/* With a Savings Plan: whether it changed the winner, from what. */
static void reason_commitment(struct rb *b)
{
    const struct advice *a = b->a;
    const struct commit_view *cv = a->commit;
    if (!cv)
        return;
    const char *plan = sp_plan_titles[cv->plan], *pay = sp_payment_titles[cv->payment];
    int od = a->on_demand_winner;
    begin(b, "commitment");
    fig_str(b, "plan", cf_sp_plan_name(cv->plan));
    struct figure *t = fig(b, "term_years", FIG_INT);
    if (t)
        t->num = cv->term_years;
    fig_str(b, "payment", cf_sp_payment_name(cv->payment));
    fig_str(b, "winner", platforms[a->winner].key);
    fig_str(b, "on_demand_winner", od >= 0 ? platforms[od].key : NULL);
    struct figure *f = fig(b, "on_demand_usd", FIG_PER_PLATFORM);
    if (f)
        f->per_platform = a->on_demand_usd;
    const struct message *win = describe(a, a->winner, b->arena);
    if (od >= 0 && od != a->winner)
        say(b, VERDICT_FAVOURS, (enum model_platform)a->winner,
            msg_make(R_COMMITMENT_CHANGES_WINNER, "snsmnsn", plan, (double)cv->term_years, pay, win,
                     advice_total(a, a->winner), platforms[od].title, a->on_demand_usd[od]));
    else
        say(b, VERDICT_FAVOURS, (enum model_platform)a->winner,
            msg_make(R_COMMITMENT_SAME_WINNER, "snsmnn", plan, (double)cv->term_years, pay, win,
                     advice_total(a, a->winner), a->on_demand_usd[a->winner]));
}

static void reason_seed(struct rb *b)
{
    const struct advice *a = b->a;
    bool agrees = seed_agrees(a);
    begin(b, "seed_decision_tree");
    fig_str(b, "seed_pick", platforms[a->seed_pick].key);
    fig_str(b, "cost_winner", platforms[a->winner].key);
    fig_bool(b, "agrees", agrees);
    if (agrees && (int)a->seed_pick != a->winner)
        say(b, VERDICT_FAVOURS, a->seed_pick,
            msg_make(R_SEED_AGREES_MANAGED, "ss", platforms[a->seed_pick].title,
                     platforms[a->winner].title));
    else if (agrees)
        say(b, VERDICT_FAVOURS, a->seed_pick,
            msg_make(R_SEED_AGREES, "s", platforms[a->seed_pick].title));
    else
        say(b, VERDICT_FAVOURS, a->seed_pick,
            msg_make(R_SEED_DISAGREES, "ss", platforms[a->seed_pick].title,
                     platforms[a->winner].title));
}

void advice_reasons(struct advice *a, struct arena *arena)
{
    struct rb b = {a, arena, NULL};
    reason_gpu(&b);
    reason_duration(&b);
    reason_memory(&b);
    reason_vcpu(&b);
    reason_storage(&b);
    reason_concurrency(&b);
    reason_rate(&b);
    reason_trigger(&b);
    reason_spot(&b);
    reason_cold_start(&b);
    reason_latency(&b);
    reason_team(&b);
    reason_cost(&b);
    reason_commitment(&b);
    reason_seed(&b);
}

/* ---- warnings ---- */

static void warn(struct advice *a, struct arena *arena, struct message m)
{
    if (ARENA_GROW(arena, a->warnings, a->n_warnings, a->cap_warnings))
        a->warnings[a->n_warnings++] = m;
}

/* What the feasible options' bills leave out for want of rates, and front doors that cannot
 * hold a request as long as the task runs. */
static void bill_warnings(struct advice *a, struct arena *arena)
{
    enum { ALB, API, IPV4, NAT, LOGS, N_GAPS };
    static const char *const what[N_GAPS][2] = {
        {"the load balancer", "Elastic Load Balancing"},
        {"API Gateway's requests", "API Gateway"},
        {"public IPv4 addresses", "public IPv4 (Amazon VPC)"},
        {"the NAT gateway", "NAT gateway"},
        {"CloudWatch Logs", "CloudWatch"},
    };
    const struct workload *w = &a->w;
    const struct model_bill *b = &a->m->bill;
    bool gap[N_GAPS] = {false}, alb = false, http = false, rest = false, no_url = false;
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        const struct cost_option *o = &a->options[p];
        if (!o->feasible)
            continue;
        bool api = o->front_door == WORKLOAD_DOOR_API_GATEWAY_HTTP ||
                   o->front_door == WORKLOAD_DOOR_API_GATEWAY_REST;
        if (o->unpriced[COST_CAT_FRONT_DOOR]) {
            gap[ALB] = gap[ALB] || (o->front_door_alb && !a->rr->has[CF_OFFER_ELB]);
            gap[API] = gap[API] || api;
        }
        if (o->unpriced[COST_CAT_NETWORK]) {
            gap[IPV4] = gap[IPV4] || o->network == WORKLOAD_NET_PUBLIC_IPV4;
            gap[NAT] = gap[NAT] || o->network == WORKLOAD_NET_NAT;
        }
        gap[LOGS] = gap[LOGS] || (o->logs && o->unpriced[COST_CAT_LOGS]);
        alb = alb || o->front_door_alb;
        no_url = no_url || o->no_function_url;
        http = http || o->front_door == WORKLOAD_DOOR_API_GATEWAY_HTTP;
        rest = rest || o->front_door == WORKLOAD_DOOR_API_GATEWAY_REST;
    }
    if (no_url)
        warn(a, arena, msg_make(W_NO_FUNCTION_URL, "s", a->rr->code));
    for (int g = 0; g < N_GAPS; g++)
        if (gap[g])
            warn(a, arena, msg_make(W_BILL_UNPRICED, "sss", what[g][0], what[g][1], a->rr->code));
    if (http && w->duration_s > b->api_gateway_http_timeout_s)
        warn(a, arena,
             msg_make(W_FRONT_DOOR_TIMEOUT, "nsn", w->duration_s, "an API Gateway HTTP API",
                      b->api_gateway_http_timeout_s));
    if (rest && w->duration_s > b->api_gateway_rest_timeout_s)
        warn(a, arena,
             msg_make(W_FRONT_DOOR_TIMEOUT, "nsn", w->duration_s, "an API Gateway REST API",
                      b->api_gateway_rest_timeout_s));
    if (alb && w->duration_s > b->alb_idle_timeout_s)
        warn(a, arena, msg_make(W_ALB_IDLE_TIMEOUT, "nn", w->duration_s, b->alb_idle_timeout_s));
}

void advice_warnings(struct advice *a, struct arena *arena)
{
    const struct workload *w = &a->w;
    const struct model *m = a->m;
    bool ec2 = false; /* an option on EC2 instances can run it */
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        ec2 = ec2 || (platforms[p].offer == CF_OFFER_EC2 && a->options[p].feasible);
    if (w->fargate.pinned && w->fargate.memory_gb * 1024 < w->memory_mb - 1e-9)
        warn(a, arena, msg_make(W_PINNED_MEMORY, "nn", w->fargate.memory_gb, w->memory_mb));
    if (w->fargate.pinned && w->fargate.vcpu < w->vcpu - 1e-9)
        warn(a, arena,
             msg_make(W_PINNED_VCPU, "nnn", w->fargate.vcpu, w->vcpu,
                      (double)(w->vcpu_from == WORKLOAD_FROM_REQUEST)));
    if (w->settings.include_free_tier)
        warn(a, arena, msg_make(W_FREE_TIER_ACCOUNT, ""));
    if (w->ephemeral_mb > 0 && ec2)
        warn(a, arena, msg_make(W_EBS_NOT_INCLUDED, ""));
    double c = a->options[MODEL_LAMBDA].concurrency;
    if (c > m->lambda.max_concurrency && a->options[MODEL_LAMBDA].feasible)
        warn(a, arena, msg_make(W_LAMBDA_QUOTA, "nn", ceil(c), m->lambda.max_concurrency));
    if (c > m->lambda.scaling_per_10s)
        warn(a, arena,
             msg_make(W_LAMBDA_SCALING, "nnn", m->lambda.scaling_per_10s, ceil(c),
                      ceil(c / m->lambda.scaling_per_10s) * 10));
    bool estimate = false, feed = false, advisor = false;
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        const struct cost_variant *v = cost_chosen(&a->options[p]);
        if (!v || !a->options[p].feasible)
            continue;
        estimate = estimate || v->spot_source == COST_SPOT_DISCOUNT;
        feed = feed || v->spot_source == COST_SPOT_FEED;
        advisor = advisor || v->spot_source == COST_SPOT_ADVISOR;
    }
    if (a->winner >= 0) {
        /* What the recommended variant says a reader must act on. */
        const struct cost_variant *v = cost_chosen(&a->options[a->winner]);
        for (size_t i = 0; v && i < v->n_notes; i++)
            if (msg_is_warning(v->notes[i].code))
                warn(a, arena, v->notes[i]);
        if (v && !v->on_gpu && w->model_params_b >= m->rules.cpu_inference_params_b &&
            w->model_params_b > 0)
            warn(a, arena,
                 msg_make(W_CPU_INFERENCE, "nmn", w->model_params_b, describe(a, a->winner, arena),
                          w->duration_s));
    }
    const struct workload_commitment *wc = &w->settings.commitment;
    if (a->commit_missing)
        warn(a, arena,
             msg_make(W_COMMITMENT_NO_RATES, "snss", sp_plan_titles[wc->plan],
                      (double)wc->term_years, sp_payment_titles[wc->payment], a->rr->code));
    if (a->commit && a->winner >= 0) {
        /* What the recommended variant spends at the plan's rates: the commitment to buy. */
        const struct cost_variant *v = cost_chosen(&a->options[a->winner]);
        double usd = 0;
        for (size_t i = 0; v && i < v->n_lines; i++)
            usd += v->lines[i].committed ? v->lines[i].usd : 0;
        if (usd > 0)
            warn(a, arena,
                 msg_make(W_COMMITMENT_HOURLY, "nn", usd / m->hours_per_month,
                          (double)wc->term_years));
        if (usd > 0 && wc->payment != CF_SP_NO_UPFRONT)
            warn(a, arena, msg_make(W_COMMITMENT_UPFRONT, "n", 12.0 * wc->term_years));
    }
    bill_warnings(a, arena);
    if (feed)
        warn(a, arena, msg_make(W_SPOT_FEED, ""));
    if (advisor)
        warn(a, arena, msg_make(W_SPOT_ADVISOR, ""));
    if (estimate)
        warn(a, arena,
             msg_make(W_SPOT_ESTIMATE, "nn", m->fargate.spot_discount * 100,
                      m->ec2.spot_discount * 100));
}

/* ---- the recommendation ---- */

struct message advice_summary(const struct advice *a, struct arena *arena)
{
    const struct message *win = describe(a, a->winner, arena);
    double w = advice_total(a, a->winner);
    bool seed = seed_agrees(a);
    const char *seed_title = platforms[a->seed_pick].title;
    if (a->runner_up >= 0) {
        const struct message *run = describe(a, a->runner_up, arena);
        double r = advice_total(a, a->runner_up);
        if (a->simpler)
            return msg_make(S_SIMPLER, "mnnm", win, w, r, run);
        return seed ? msg_make(S_CHEAPEST, "mnnm", win, w, r, run)
                    : msg_make(S_CHEAPEST_NOT_SEED, "mnnms", win, w, r, run, seed_title);
    }
    return seed ? msg_make(S_ONLY, "mn", win, w)
                : msg_make(S_ONLY_NOT_SEED, "mns", win, w, seed_title);
}
