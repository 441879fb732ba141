/*
 * commit.c - prices under a Savings Plan (see commit.h): a view of the region with the plan's
 * rates in place, handed to the unchanged platform price functions.
 */
#include "computefit/commit.h"

#include <math.h>
#include <string.h>

#include "computefit/platform.h"

static void keep_rate(struct commit_view *cv, double usd)
{
    if (cv->n_rates < COMMIT_RATES_MAX)
        cv->rates[cv->n_rates++] = usd;
}

/* Lambda: the flat duration rate, and the provisioned ones where the plan has them. */
static void cover_lambda(struct commit_view *cv, const struct sp_rates *sp)
{
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        const struct sp_lambda_rates *s = &sp->lambda[a];
        struct lambda_rates *lr = &cv->rr.lambda[a];
        if (s->duration_gb_s_usd > 0) {
            lr->gb_s_tiers[0] = (struct rate_tier){(double)INFINITY, s->duration_gb_s_usd};
            lr->n_tiers = 1;
            keep_rate(cv, s->duration_gb_s_usd);
            cv->covers[CF_OFFER_LAMBDA] = true;
        }
        if (lr->has_provisioned && s->provisioned_gb_s_usd > 0) {
            lr->provisioned_gb_s_usd = s->provisioned_gb_s_usd;
            keep_rate(cv, s->provisioned_gb_s_usd);
            cv->covers[CF_OFFER_LAMBDA] = true;
        }
        if (lr->has_provisioned && s->provisioned_duration_gb_s_usd > 0) {
            lr->provisioned_duration_gb_s_usd = s->provisioned_duration_gb_s_usd;
            keep_rate(cv, s->provisioned_duration_gb_s_usd);
            cv->covers[CF_OFFER_LAMBDA] = true;
        }
    }
}

/* Fargate: an architecture's vCPU and memory rates, only both together (a task pays both). */
static void cover_fargate(struct commit_view *cv, const struct sp_rates *sp)
{
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        const struct fargate_rates *s = &sp->fargate[a];
        if (!(s->vcpu_hour_usd > 0 && s->gb_hour_usd > 0))
            continue;
        cv->rr.fargate[a] = *s;
        keep_rate(cv, s->vcpu_hour_usd);
        keep_rate(cv, s->gb_hour_usd);
        cv->covers[CF_OFFER_FARGATE] = true;
    }
}

/* EC2: a copy of the instance list at the plan's rates where it has them, sorted by price. */
static bool cover_ec2(struct commit_view *cv, const struct region_rates *rr, struct arena *arena)
{
    size_t n = rr->n_instances;
    struct ec2_instance *list = arena_alloc(arena, n * sizeof(*list));
    if (!list)
        return false;
    memcpy(list, rr->instances, n * sizeof(*list));
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        double usd;
        list[i].on_demand_usd_per_hour = rates_ec2_on_demand(&list[i]);
        if (rates_savings_ec2(rr, list[i].type, cv->plan, cv->term_years, cv->payment, &usd)) {
            list[i].usd_per_hour = usd;
            any = true;
        }
    }
    if (!any)
        return true; /* the list stays the region's */
    rates_sort_instances(list, n);
    bool *covered = arena_alloc(arena, n * sizeof(*covered));
    if (!covered)
        return false;
    for (size_t i = 0; i < n; i++) {
        double usd;
        covered[i] =
            rates_savings_ec2(rr, list[i].type, cv->plan, cv->term_years, cv->payment, &usd);
    }
    cv->rr.instances = list;
    cv->ec2_covered = covered;
    cv->covers[CF_OFFER_EC2] = true;
    return true;
}

const struct commit_view *commit_view_new(const struct region_rates *rr, enum cf_sp_plan plan,
                                          int term_years, enum cf_sp_payment payment,
                                          struct arena *arena)
{
    const struct sp_rates *sp = rates_savings(rr, plan, term_years, payment);
    if (!sp)
        return NULL;
    struct commit_view *cv = arena_alloc(arena, sizeof(*cv));
    if (!cv)
        return NULL;
    cv->rr = *rr;
    cv->plan = plan;
    cv->term_years = term_years;
    cv->payment = payment;
    if (rr->has[CF_OFFER_LAMBDA])
        cover_lambda(cv, sp);
    if (rr->has[CF_OFFER_FARGATE])
        cover_fargate(cv, sp);
    if (rr->has[CF_OFFER_EC2] && rr->n_instances && !cover_ec2(cv, rr, arena))
        return NULL;
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        if (cv->covers[o])
            return cv;
    return NULL;
}

bool commit_covers(const struct commit_view *cv, const struct platform *p)
{
    return cv && cv->covers[p->offer];
}

bool commit_covered(const struct commit_view *cv, const struct cost_line *l)
{
    if (!l->discountable || l->estimate)
        return false;
    if (!strcmp(l->unit, "instance-hour")) {
        for (size_t i = 0; cv->ec2_covered && i < cv->rr.n_instances; i++)
            if (cv->ec2_covered[i] && cv->rr.instances[i].usd_per_hour == l->unit_usd)
                return true;
        return false;
    }
    for (size_t i = 0; i < cv->n_rates; i++)
        if (cv->rates[i] == l->unit_usd)
            return true;
    return false;
}

/* Whether two pricings of one workload list the same variants in the same order. */
static bool same_variants(const struct cost_option *a, const struct cost_option *b)
{
    if (a->n_variants != b->n_variants)
        return false;
    for (size_t i = 0; i < a->n_variants; i++)
        if (a->variants[i].spot != b->variants[i].spot ||
            strcmp(a->variants[i].name, b->variants[i].name) != 0)
            return false;
    return true;
}

/* The chosen variant as cost_choose() picks it, once the variants' prices changed: the
 * cheapest that starts in time, else the cheapest (the option is then blocked already). */
static void rechoose(struct cost_option *o)
{
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++)
        for (size_t i = 0; i < o->n_variants; i++)
            if ((pass || !o->variants[i].too_slow) &&
                (best < 0 || o->variants[i].monthly_usd < o->variants[best].monthly_usd))
                best = (int)i;
    o->chosen = best;
}

void commit_price(const struct cost_ctx *c, const struct commit_view *cv, const struct platform *p,
                  struct cost_option *ret_option)
{
    struct cost_ctx view = *c;
    view.rr = &cv->rr;
    cost_price(&view, p, ret_option);
    struct cost_option *o = ret_option;
    bool spot = false;
    for (size_t i = 0; i < o->n_variants; i++) {
        struct cost_variant *v = &o->variants[i];
        spot = spot || v->spot;
        for (size_t k = 0; !v->spot && k < v->n_lines; k++)
            v->lines[k].committed = commit_covered(cv, &v->lines[k]);
    }
    if (!spot)
        return;
    /* Spot is billed at Spot prices, never at a plan's: those variants come from the region's
     * own rates (a Spot estimate is a discount on the on-demand rates). */
    struct cost_option od;
    cost_price(c, p, &od);
    if (same_variants(o, &od)) {
        for (size_t i = 0; i < o->n_variants; i++)
            if (o->variants[i].spot)
                o->variants[i] = od.variants[i];
    } else { /* not expected: the variants a workload gets do not depend on rates */
        size_t n = 0;
        for (size_t i = 0; i < o->n_variants; i++)
            if (!o->variants[i].spot)
                o->variants[n++] = o->variants[i];
        o->n_variants = n;
        for (size_t i = 0; i < od.n_variants; i++)
            if (od.variants[i].spot &&
                ARENA_GROW(c->arena, o->variants, o->n_variants, o->cap_variants))
                o->variants[o->n_variants++] = od.variants[i];
    }
    rechoose(o);
}
