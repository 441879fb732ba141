/*
 * advise.c - turns a request into an answer: parse, price every platform, pick the cheapest
 * feasible option, weigh the rules, and for several tasks a hybrid plan (see advise.h).
 *
 * The pipeline for one workload is: parse (workload.c) -> look up the region -> price every
 * platform (platforms[], cost.c) -> pick the cheapest feasible option by total monthly cost ->
 * the rules (rules.c: the seed article's decision tree, confidence, reasons, warnings). The
 * answer is a tree of plain structs in one arena; src/http renders it. Nothing here writes
 * JSON or prose.
 */
#include "computefit/advise.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsoniter.h"
#include "computefit/platform.h"

/* The most an answer may allocate: far above any real answer (a plan of the largest size
 * takes well under 1 MB), so that only a bug can reach it. */
#define ANSWER_ARENA_LIMIT (64u * 1024 * 1024)

double advice_total(const struct advice *a, int p)
{
    const struct cost_variant *v = cost_chosen(&a->options[p]);
    return v && a->options[p].feasible ? v->monthly_usd : (double)NAN;
}

/* A saving smaller than the model's margin of error does not pay for more platform to run:
 * unless the totals price the upkeep (engineer_hourly_usd), a feasible option with less upkeep
 * within rules.close_cost_ratio of the cheapest is recommended instead, the simplest first. */
static void prefer_simpler(struct advice *a)
{
    if (a->winner < 0 || a->w.settings.engineer_hourly_usd > 0)
        return;
    double best = advice_total(a, a->winner);
    int pick = a->winner;
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        double t = advice_total(a, p);
        if (!isnan(t) && t <= best * a->m->rules.close_cost_ratio &&
            a->options[p].ops_hours < a->options[pick].ops_hours)
            pick = p;
    }
    if (pick != a->winner) {
        a->runner_up = a->winner;
        a->winner = pick;
        a->simpler = true;
    }
}

/* Whether option p ranks before option q: it costs less, or as much for less upkeep (then
 * the table's order). */
static bool ranks_before(const struct advice *a, int p, int q)
{
    double tp = advice_total(a, p), tq = advice_total(a, q);
    if (tp != tq)
        return tp < tq;
    return a->options[p].ops_hours < a->options[q].ops_hours;
}

/* Picks the winner and the runner-up of priced options: the cheapest feasible, ties to the
 * simpler platform, then prefer_simpler(). */
static void pick(struct advice *a)
{
    a->winner = a->runner_up = -1;
    a->simpler = false;
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        if (isnan(advice_total(a, p)))
            continue;
        if (a->winner < 0 || ranks_before(a, p, a->winner)) {
            a->runner_up = a->winner;
            a->winner = p;
        } else if (a->runner_up < 0 || ranks_before(a, p, a->runner_up)) {
            a->runner_up = p;
        }
    }
    prefer_simpler(a);
}

/* Every Savings Plan the region has rates for that covers a feasible option: the option
 * repriced under it. Views and repricings go to a scratch arena, only the quotes to `arena`. */
static int quote_commitments(struct advice *a, const struct cost_ctx *c, struct arena *arena)
{
    if (!a->rr->has[CF_OFFER_SAVINGS_PLANS])
        return 0;
    struct arena scratch;
    arena_init(&scratch, 0);
    size_t cap[MODEL_PLATFORM_COUNT] = {0};
    static const int terms[CF_SP_TERM_COUNT] = {1, 3};
    for (int plan = 0; plan < CF_SP_PLAN_COUNT; plan++) {
        for (int t = 0; t < CF_SP_TERM_COUNT; t++) {
            for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++) {
                const struct commit_view *cv = commit_view_new(
                    a->rr, (enum cf_sp_plan)plan, terms[t], (enum cf_sp_payment)pay, &scratch);
                for (int p = 0; cv && p < MODEL_PLATFORM_COUNT; p++) {
                    if (isnan(a->on_demand_usd[p]) || !commit_covers(cv, &platforms[p]))
                        continue;
                    struct cost_ctx sc = *c;
                    sc.arena = &scratch;
                    struct cost_option o;
                    commit_price(&sc, cv, &platforms[p], &o);
                    const struct cost_variant *v = cost_chosen(&o);
                    if (!v || !o.feasible ||
                        !ARENA_GROW(arena, a->quotes[p], a->n_quotes[p], cap[p]))
                        continue;
                    a->quotes[p][a->n_quotes[p]++] = (struct commitment_quote){
                        .plan = (enum cf_sp_plan)plan,
                        .term_years = terms[t],
                        .payment = (enum cf_sp_payment)pay,
                        .monthly_usd = v->monthly_usd,
                        .savings_usd = a->on_demand_usd[p] - v->monthly_usd,
                    };
                }
            }
        }
    }
    bool failed = arena_failed(&scratch);
    arena_free(&scratch);
    return failed ? CF_ENOMEM : 0;
}

int advice_analyse(const struct workload *w, const struct region_rates *rr, const struct model *m,
                   struct arena *arena, struct advice *a)
{
    memset(a, 0, sizeof(*a));
    a->w = *w;
    a->rr = rr;
    a->m = m;
    struct cost_ctx c = {&a->w, rr, m, arena};
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        cost_price(&c, &platforms[p], &a->options[p]);
    pick(a);
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        a->on_demand_usd[p] = advice_total(a, p);
    a->on_demand_winner = -1;
    const struct workload_commitment *wc = &w->settings.commitment;
    if (wc->given) {
        a->commit = commit_view_new(rr, wc->plan, wc->term_years, wc->payment, arena);
        a->commit_missing = !a->commit;
    }
    if (a->commit) {
        a->on_demand_winner = a->winner;
        for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
            if (commit_covers(a->commit, &platforms[p]))
                commit_price(&c, a->commit, &platforms[p], &a->options[p]);
        pick(a);
    }
    if (quote_commitments(a, &c, arena) < 0)
        return CF_ENOMEM;
    advice_rate(a);
    if (a->winner >= 0) {
        advice_reasons(a, arena);
        advice_warnings(a, arena);
        a->summary = advice_summary(a, arena);
    }
    return arena_failed(arena) ? CF_ENOMEM : 0;
}

/* ---- requests ---- */

static int oom_error(struct cf_error *reterr)
{
    return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory while building the advice");
}

static int check_inputs(const json_t *request, const struct rates *rates, const struct model *model,
                        struct cf_error *reterr)
{
    if (!model)
        return cf_error_set(reterr, CF_EINTERNAL, NULL, "the advice model is not loaded");
    if (!rates)
        return cf_error_set(reterr, CF_ENOPRICE, NULL, "no rates are loaded yet; retry shortly");
    if (!json_is_object(request))
        return cf_error_set(reterr, CF_EINVAL, NULL,
                            "the request must be a JSON object: one workload, or {\"tasks\": "
                            "[...]}");
    return 0;
}

static int find_region(const struct rates *rates, const char *code, const struct region_rates **ret,
                       struct cf_error *reterr)
{
    const struct region_rates *rr = rates_region(rates, code);
    if (!rr) {
        char list[200] = "";
        size_t off = 0;
        for (size_t i = 0; i < rates->n_regions && off < sizeof(list); i++) {
            int n = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
                             rates->regions[i].code);
            off += n > 0 ? (size_t)n : 0;
        }
        return cf_error_set(reterr, CF_EREGION, "region",
                            "region \"%s\" has no rates; known regions: %s", code, list);
    }
    *ret = rr;
    return 0;
}

static int infeasible_error(const struct advice *a, struct cf_error *reterr)
{
    char msg[sizeof(reterr->message)];
    size_t len = msg_format(&(struct message){.code = X_INFEASIBLE}, msg, sizeof(msg));
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        const struct cost_option *o = &a->options[p];
        struct message none = msg_make(X_NO_SIZE_FITS, "");
        struct message line = msg_make(X_INFEASIBLE_PLATFORM, "sm", platforms[p].title,
                                       o->n_blocks ? &o->blocks[0].detail : &none);
        msg_append(&line, msg, sizeof(msg), &len);
    }
    return cf_error_set(reterr, CF_EINFEASIBLE, NULL, "%s", msg);
}

/* Parses and analyses one workload object (a single request or one plan task) into *a. */
static int analyse_request(const json_t *obj, const struct rates *rates, const struct model *model,
                           const struct workload_settings *plan, struct arena *arena,
                           struct advice *a, struct cf_error *reterr)
{
    struct workload w;
    const struct region_rates *rr = NULL;
    int r = workload_parse(obj, model, plan, &w, reterr);
    if (r < 0)
        return r;
    if ((r = find_region(rates, w.settings.region, &rr, reterr)) < 0)
        return r;
    if (advice_analyse(&w, rr, model, arena, a) < 0)
        return oom_error(reterr);
    if (a->winner < 0)
        return infeasible_error(a, reterr);
    return 0;
}

static struct cf_answer *answer_new(enum answer_kind kind, const struct model *model)
{
    struct cf_answer *ans = calloc(1, sizeof(*ans));
    if (!ans)
        return NULL;
    arena_init(&ans->arena, ANSWER_ARENA_LIMIT);
    ans->kind = kind;
    ans->model = model;
    return ans;
}

void cf_answer_free(struct cf_answer *answer)
{
    if (!answer)
        return;
    arena_free(&answer->arena);
    free(answer);
}

static int advise_one(const json_t *request, const struct rates *rates, const struct model *model,
                      struct cf_answer **ret, struct cf_error *reterr)
{
    struct cf_answer *ans = answer_new(ANSWER_ADVICE, model);
    struct advice *a = ans ? arena_alloc(&ans->arena, sizeof(*a)) : NULL;
    if (!a) {
        cf_answer_free(ans);
        return oom_error(reterr);
    }
    int r = analyse_request(request, rates, model, NULL, &ans->arena, a, reterr);
    if (r < 0) {
        cf_answer_free(ans);
        return r;
    }
    ans->advice = a;
    ans->rr = a->rr;
    ans->commitment = a->w.settings.commitment;
    ans->commit = a->commit;
    *ret = ans;
    return 0;
}

/* ---- hybrid plans ---- */

static const char *const plan_keys[] = {"tasks",
                                        "region",
                                        "include_free_tier",
                                        "team_engineers",
                                        "engineer_hourly_usd",
                                        "compute_only",
                                        "commitment",
                                        "commitment.plan",
                                        "commitment.term_years",
                                        "commitment.payment"};

static int check_plan_keys(const json_t *request, struct cf_error *reterr)
{
    const char *key;
    const json_t *value;
    jsoniter_object_foreach(request, key, value)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(plan_keys) / sizeof(plan_keys[0]); i++)
            ok = ok || !strcmp(key, plan_keys[i]);
        if (ok)
            continue;
        if (!workload_field_known(key))
            return workload_unknown_field(key, reterr);
        return cf_error_set(reterr, CF_EINVAL, key,
                            "%s belongs inside each task: next to \"tasks\" only region, "
                            "include_free_tier, team_engineers, engineer_hourly_usd, "
                            "compute_only and commitment may be given",
                            key);
    }
    return 0;
}

static int check_tasks(const json_t *tasks, const struct model *model, struct cf_error *reterr)
{
    if (!json_is_array(tasks) || !json_array_size(tasks))
        return cf_error_set(reterr, CF_EINVAL, "tasks",
                            "tasks must be a non-empty array of workloads, each with a name");
    if ((double)json_array_size(tasks) > model->limits.max_plan_tasks)
        return cf_error_set(reterr, CF_EINVAL, "tasks", "a plan may hold at most %g tasks, got %zu",
                            model->limits.max_plan_tasks, json_array_size(tasks));
    for (size_t i = 0; i < json_array_size(tasks); i++) {
        const json_t *t = json_array_get(tasks, i);
        char field[32];
        snprintf(field, sizeof(field), "tasks[%zu]", i);
        if (!json_is_object(t))
            return cf_error_set(reterr, CF_EINVAL, field, "%s must be a workload object", field);
        snprintf(field, sizeof(field), "tasks[%zu].name", i);
        if (!json_object_get(t, "name"))
            return cf_error_set(reterr, CF_EMISSING, field,
                                "%s is required: each task of a plan needs a name", field);
    }
    return 0;
}

static void plan_warn(struct plan *p, struct arena *arena, struct message m)
{
    if (ARENA_GROW(arena, p->warnings, p->n_warnings, p->cap_warnings))
        p->warnings[p->n_warnings++] = m;
}

/* What the plan's tasks share: one ALB and one NAT gateway, as one VPC's services do. Each
 * task's chosen variant was priced with its own (the line items say so); the hours of all but
 * the dearest of each come off the plan's total, and a warning says so. Per-task LCUs, requests
 * and bytes stay as they are. */
static void plan_share(struct plan *p, struct arena *arena)
{
    static const char *const items[] = {"alb_hours", "nat_gateway_hours"};
    double *hours[] = {&p->shared_alb_hours, &p->shared_nat_hours};
    bool any = false;
    for (size_t k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
        double sum = 0, most = 0, q_sum = 0, q_most = 0;
        for (size_t i = 0; i < p->n_tasks; i++) {
            const struct advice *a = p->tasks[i].advice;
            const struct cost_variant *v = cost_chosen(&a->options[a->winner]);
            for (size_t l = 0; v && l < v->n_lines; l++) {
                if (strcmp(v->lines[l].item, items[k]))
                    continue;
                sum += v->lines[l].usd;
                q_sum += v->lines[l].quantity;
                if (v->lines[l].usd > most) {
                    most = v->lines[l].usd;
                    q_most = v->lines[l].quantity;
                }
            }
        }
        if (sum > most) {
            p->shared_usd -= sum - most;
            *hours[k] = q_sum - q_most;
            any = true;
        }
    }
    if (any)
        plan_warn(p, arena,
                  msg_make(W_PLAN_SHARED, "nn", p->shared_alb_hours, p->shared_nat_hours));
}

/* Sums a plan whose tasks are analysed: each platform's share, its effort once, the account's
 * free tier once, the total and the confidence. */
static int plan_total(struct plan *p, const struct region_rates *rr, const struct model *m,
                      struct arena *arena)
{
    const struct workload_settings *s = &p->settings;
    p->confidence = CONFIDENCE_HIGH;
    p->only_platform = -1;
    for (size_t i = 0; i < p->n_tasks; i++) {
        const struct advice *a = p->tasks[i].advice;
        struct plan_platform *pp = &p->platforms[a->winner];
        if (!pp->used) {
            pp->used = true;
            p->n_platforms_used++;
            p->only_platform = a->winner;
        }
        pp->infrastructure_usd += cost_chosen(&a->options[a->winner])->infrastructure_usd;
        pp->operations_hours = a->options[a->winner].ops_hours;
        if (a->confidence < p->confidence)
            p->confidence = a->confidence;
    }
    bool priced = s->engineer_hourly_usd > 0;
    for (int q = 0; q < MODEL_PLATFORM_COUNT; q++) {
        if (!p->platforms[q].used)
            continue;
        p->infrastructure_usd += p->platforms[q].infrastructure_usd;
        p->operations_usd += priced ? p->platforms[q].operations_hours * s->engineer_hourly_usd : 0;
    }
    p->free_tier = s->include_free_tier;
    if (p->free_tier) {
        const struct cost_variant **v = arena_alloc(arena, p->n_tasks * sizeof(*v));
        if (!v)
            return CF_ENOMEM;
        for (int q = 0; q < MODEL_PLATFORM_COUNT; q++) {
            if (!p->platforms[q].used || !platforms[q].plan_free_tier)
                continue;
            size_t n = 0;
            for (size_t i = 0; i < p->n_tasks; i++)
                if (p->tasks[i].advice->winner == q)
                    v[n++] = cost_chosen(&p->tasks[i].advice->options[q]);
            double req = 0, gbs = 0;
            /* Free usage saves what the tasks were priced at: the plan's rates under one. */
            const struct commit_view *cv = p->tasks[0].advice->commit;
            p->free_tier_usd += platforms[q].plan_free_tier(m, cv ? &cv->rr : rr, v, n, &req, &gbs);
            p->free_tier_requests += req;
            p->free_tier_gb_s += gbs;
        }
        plan_warn(p, arena, msg_make(W_PLAN_FREE_TIER, ""));
    }
    plan_share(p, arena);
    p->monthly_usd = p->infrastructure_usd + p->operations_usd + p->free_tier_usd + p->shared_usd;
    if (p->n_platforms_used > 1)
        plan_warn(p, arena, msg_make(W_PLAN_OPERATIONS, ""));
    return arena_failed(arena) ? CF_ENOMEM : 0;
}

static int advise_plan(const json_t *request, const struct rates *rates, const struct model *model,
                       struct cf_answer **ret, struct cf_error *reterr)
{
    const json_t *tasks = json_object_get(request, "tasks");
    struct workload_settings settings, task_settings;
    const struct region_rates *rr = NULL;
    int r;
    if ((r = check_plan_keys(request, reterr)) < 0 || (r = check_tasks(tasks, model, reterr)) < 0 ||
        (r = workload_parse_settings(request, model, &settings, reterr)) < 0 ||
        (r = find_region(rates, settings.region, &rr, reterr)) < 0)
        return r;
    task_settings = settings;
    task_settings.include_free_tier = false; /* taken once for the plan, in plan_total() */

    size_t n = json_array_size(tasks);
    struct cf_answer *ans = answer_new(ANSWER_PLAN, model);
    struct plan *p = ans ? arena_alloc(&ans->arena, sizeof(*p)) : NULL;
    if (p)
        p->tasks = arena_alloc(&ans->arena, n * sizeof(*p->tasks));
    if (!p || !p->tasks) {
        r = oom_error(reterr);
        goto out;
    }
    p->settings = settings;
    for (size_t i = 0; i < n; i++) {
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "tasks[%zu]", i);
        struct advice *a = arena_alloc(&ans->arena, sizeof(*a));
        if (!a) {
            r = oom_error(reterr);
            goto out;
        }
        r = analyse_request(json_array_get(tasks, i), rates, model, &task_settings, &ans->arena, a,
                            reterr);
        if (r < 0) {
            cf_error_prefix_field(reterr, prefix);
            goto out;
        }
        for (size_t k = 0; k < i; k++) {
            if (!strcmp(p->tasks[k].name, a->w.name)) {
                char field[48];
                snprintf(field, sizeof(field), "%s.name", prefix);
                r = cf_error_set(reterr, CF_EINVAL, field,
                                 "task names must be unique: tasks[%zu] and tasks[%zu] are both "
                                 "called \"%s\"",
                                 k, i, a->w.name);
                goto out;
            }
        }
        p->tasks[i] = (struct plan_task){a->w.name, a};
        p->n_tasks = i + 1;
    }
    if (plan_total(p, rr, model, &ans->arena) < 0) {
        r = oom_error(reterr);
        goto out;
    }
    ans->plan = p;
    ans->rr = rr;
    ans->commitment = settings.commitment;
    ans->commit = p->tasks[0].advice->commit;
    *ret = ans;
    ans = NULL;
    r = 0;
out:
    cf_answer_free(ans);
    return r;
}

int core_advise(const json_t *request, const struct rates *rates, const struct model *model,
                struct cf_answer **ret_answer, struct cf_error *reterr)
{
    int r = check_inputs(request, rates, model, reterr);
    if (r < 0)
        return r;
    if (json_object_get(request, "tasks"))
        return advise_plan(request, rates, model, ret_answer, reterr);
    return advise_one(request, rates, model, ret_answer, reterr);
}

int core_compare(const json_t *request, const struct rates *rates, const struct model *model,
                 struct cf_answer **ret_answer, struct cf_error *reterr)
{
    int r = check_inputs(request, rates, model, reterr);
    if (r < 0)
        return r;
    if (json_object_get(request, "tasks"))
        return cf_error_set(reterr, CF_EINVAL, "tasks",
                            "compare takes one workload; send a plan with tasks to advise");
    struct workload w;
    const struct region_rates *rr = NULL;
    if ((r = workload_parse(request, model, NULL, &w, reterr)) < 0 ||
        (r = find_region(rates, w.settings.region, &rr, reterr)) < 0)
        return r;
    struct cf_answer *ans = answer_new(ANSWER_COMPARISON, model);
    struct comparison *cmp = ans ? arena_alloc(&ans->arena, sizeof(*cmp)) : NULL;
    if (cmp)
        cmp->advice = arena_alloc(&ans->arena, sizeof(*cmp->advice));
    if (!cmp || !cmp->advice || advice_analyse(&w, rr, model, &ans->arena, cmp->advice) < 0 ||
        compare_fill(cmp, &ans->arena) < 0) {
        cf_answer_free(ans);
        return oom_error(reterr);
    }
    ans->comparison = cmp;
    ans->rr = rr;
    ans->commitment = w.settings.commitment;
    ans->commit = cmp->advice->commit;
    *ret_answer = ans;
    return 0;
}
