/*
 * cost.c - the machinery every platform prices with: options, variants, line items, blocks,
 * Spot estimates, the choice of the cheapest (see cost.h). What each platform charges is in
 * platform_<key>.c.
 */
#include "computefit/cost.h"

#include <math.h>
#include <string.h>

#include "computefit/platform.h"

double cost_round_up(double v, double step)
{
    return ceil(v / step - COST_EPS) * step;
}

int cost_arch_list(enum workload_arch a, enum cf_arch out[CF_ARCH_COUNT])
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

const char *cost_mode_name(enum cost_mode mode)
{
    return mode == COST_MODE_ALWAYS_ON ? "always_on" : mode == COST_MODE_PER_JOB ? "per_job" : "";
}

void cost_option_init(const struct cost_ctx *c, const struct platform *p, struct cost_option *o)
{
    memset(o, 0, sizeof(*o));
    o->platform = p;
    o->chosen = -1;
    o->ops_hours = cost_ops_hours(c->w, c->m, p->id);
    o->ops_priced = c->w->settings.engineer_hourly_usd > 0;
    o->concurrency = workload_concurrency(c->w, c->m);
}

void cost_block(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                double limit_value, double value, bool rate_dependent, struct message detail)
{
    if (!ARENA_GROW(c->arena, o->blocks, o->n_blocks, o->cap_blocks))
        return;
    o->blocks[o->n_blocks++] = (struct cost_block){
        .limit = limit,
        .limit_value = limit_value,
        .value = value,
        .rate_dependent = rate_dependent,
        .detail = detail,
    };
}

struct cost_variant *cost_variant_add(const struct cost_ctx *c, struct cost_option *o,
                                      const char *name, enum cf_arch arch, enum cost_mode mode)
{
    if (!ARENA_GROW(c->arena, o->variants, o->n_variants, o->cap_variants))
        return NULL;
    struct cost_variant *v = &o->variants[o->n_variants++];
    memset(v, 0, sizeof(*v));
    v->name = name;
    v->arch = arch;
    v->mode = mode;
    v->piece_end = (double)INFINITY;
    return v;
}

void cost_line_add(const struct cost_ctx *c, struct cost_variant *v, const char *item,
                   double quantity, const char *unit, double unit_usd, bool discountable)
{
    if (!ARENA_GROW(c->arena, v->lines, v->n_lines, v->cap_lines))
        return;
    v->lines[v->n_lines++] = (struct cost_line){
        .item = item,
        .quantity = quantity,
        .unit = unit,
        .unit_usd = unit_usd,
        .usd = quantity * unit_usd,
        .estimate = v->spot && v->spot_source == COST_SPOT_DISCOUNT,
        .discountable = discountable,
    };
}

void cost_note_add(const struct cost_ctx *c, struct cost_variant *v, struct message note)
{
    if (ARENA_GROW(c->arena, v->notes, v->n_notes, v->cap_notes))
        v->notes[v->n_notes++] = note;
}

void cost_variant_finish(const struct cost_ctx *c, const struct cost_option *o,
                         struct cost_variant *v)
{
    double infra = 0;
    for (size_t i = 0; i < v->n_lines; i++)
        infra += v->lines[i].usd;
    v->infrastructure_usd = infra;
    v->operations_usd = 0;
    if (o->ops_priced) {
        size_t n = v->n_lines;
        cost_line_add(c, v, "operations", o->ops_hours, "engineer-hour",
                      c->w->settings.engineer_hourly_usd, false);
        if (v->n_lines > n) {
            v->lines[n].estimate = false; /* effort is not discounted, nor an estimated rate */
            v->operations_usd = v->lines[n].usd;
        }
    }
    v->monthly_usd = v->infrastructure_usd + v->operations_usd;
}

void cost_spot_estimate(const struct cost_ctx *c, struct cost_option *o, size_t base,
                        const char *name, double discount)
{
    struct cost_variant *v = cost_variant_add(c, o, name, CF_ARCH_X86_64, COST_MODE_NONE);
    if (!v)
        return;
    const struct cost_variant *b = &o->variants[base]; /* after the append: it may have moved */
    v->arch = b->arch;
    v->mode = b->mode;
    v->piece_end = b->piece_end;
    v->step_rate = b->step_rate;
    v->detail = b->detail;
    v->notes = b->notes; /* shared: the base gets no more notes once finished */
    v->n_notes = v->cap_notes = b->n_notes;
    v->startup_s = b->startup_s;
    v->curved = b->curved;
    v->on_gpu = b->on_gpu;
    v->spot_type = v->spot_band = NULL;
    v->fall_from = b->fall_from;
    v->fall_to = b->fall_to;
    v->spot = true;
    v->spot_source = COST_SPOT_DISCOUNT;
    /* The effort line is added again below. (A base whose lines ran out of memory may have
     * none: the arena is failed then, and so is the answer.) */
    size_t n = b->n_lines - (o->ops_priced && b->n_lines ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        const struct cost_line *l = &b->lines[i];
        cost_line_add(c, v, l->item, l->quantity, l->unit,
                      l->unit_usd * (l->discountable ? 1 - discount : 1), l->discountable);
        if (v->n_lines && !l->discountable)
            v->lines[v->n_lines - 1].estimate = l->estimate; /* not discounted: as it was */
        b = &o->variants[base];                              /* lines grew in the arena, not here */
    }
    cost_variant_finish(c, o, v);
    /* Every line of a stepping fleet is proportional to its size: so is the discounted step. */
    b = &o->variants[base];
    if (b->step_rate > 0 && b->infrastructure_usd > 0)
        v->step_usd = b->step_usd * v->infrastructure_usd / b->infrastructure_usd;
}

void cost_choose(const struct cost_ctx *c, struct cost_option *o)
{
    double budget = c->w->latency_budget_s;
    int fastest = -1;
    o->chosen = -1;
    for (size_t i = 0; i < o->n_variants; i++) {
        struct cost_variant *v = &o->variants[i];
        v->too_slow = v->startup_s > budget + COST_EPS;
        if (fastest < 0 || v->startup_s < o->variants[fastest].startup_s)
            fastest = (int)i;
        if (!v->too_slow && (o->chosen < 0 || v->monthly_usd < o->variants[o->chosen].monthly_usd))
            o->chosen = (int)i;
    }
    if (o->chosen < 0 && fastest >= 0) {
        const struct cost_variant *f = &o->variants[fastest];
        cost_block(c, o, "latency_budget", budget, f->startup_s, false,
                   msg_make(B_LATENCY, "snn", o->platform->title, budget, f->startup_s));
        for (size_t i = 0; i < o->n_variants; i++)
            if (o->chosen < 0 || o->variants[i].monthly_usd < o->variants[o->chosen].monthly_usd)
                o->chosen = (int)i;
    }
    o->feasible = o->n_blocks == 0;
}

struct message cost_fleet_note(const struct cost_ctx *c, const struct cost_fleet *f,
                               const char *one, const char *many)
{
    const char *units = f->units == 1 ? one : many;
    const struct model_capacity *cap = &c->m->capacity;
    double load = workload_concurrency(c->w, c->m);
    if (f->by_wait)
        return msg_make(N_FLEET_WAIT, "nsnnnn", f->units, units, load, f->per_unit,
                        100 * cap->max_wait_probability, 100 * f->wait_probability);
    return msg_make(N_FLEET_UTILISATION, "nsnnnn", f->units, units, load, f->per_unit,
                    100 * f->utilisation, 100 * cap->target_utilisation);
}

void cost_block_memory(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                       double max_mb, struct message too_much)
{
    const struct workload *w = c->w;
    if (w->model_memory_mb > w->memory_mb && w->model_memory_mb > max_mb + COST_EPS)
        cost_block(c, o, limit, max_mb, w->model_memory_mb, false,
                   msg_make(B_MODEL_MEMORY, "nnssn", w->model_memory_mb, w->model_params_b,
                            model_precision_name(w->precision), o->platform->title, max_mb));
    else if (w->memory_mb > max_mb + COST_EPS)
        cost_block(c, o, limit, max_mb, w->memory_mb, false, too_much);
}

double cost_erlang_b(double servers, double load)
{
    if (!(load > 0))
        return 0;
    double b = 1; /* the stable recursion B(k) = A B(k-1) / (k + A B(k-1)) */
    for (double k = 1; k <= servers; k++)
        b = load * b / (k + load * b);
    return b;
}

double cost_erlang_c(double servers, double load)
{
    if (!(load > 0))
        return 0;
    if (load >= servers)
        return 1;
    double b = cost_erlang_b(servers, load);
    return servers * b / (servers - load * (1 - b));
}

/* Whether `slots` serve `load` within the waiting bound. Far above the load (more spare slots
 * than 4 standard deviations of a Poisson load, Halfin-Whitt) the chance of waiting is below
 * 1e-4, under any bound the model allows, and Erlang C is not computed. */
static bool wait_ok(double slots, double load, double bound)
{
    if (slots - load >= 4 * sqrt(load) + 4)
        return true;
    return cost_erlang_c(slots, load) <= bound;
}

/* The most load `slots` carry within the model's bounds: the utilisation target, and when the
 * workload is latency-sensitive the waiting bound too (found by bisection: the bound holds at
 * `lo`, a load they already carry, and fails above the utilisation cap's). */
static double fleet_top_load(const struct cost_ctx *c, double slots, double lo)
{
    const struct model_capacity *cap = &c->m->capacity;
    double top = slots * cap->target_utilisation;
    if (c->w->latency_sensitive && !wait_ok(slots, top, cap->max_wait_probability)) {
        double hi = top;
        for (int i = 0; i < 60 && hi - lo > 1e-12 * hi; i++) {
            double mid = lo + (hi - lo) / 2;
            if (wait_ok(slots, mid, cap->max_wait_probability))
                lo = mid;
            else
                hi = mid;
        }
        top = lo;
    }
    return top;
}

double cost_fleet_end(const struct cost_ctx *c, double per_unit, double units)
{
    const struct workload *w = c->w;
    if (!(w->duration_s > 0))
        return (double)INFINITY;
    double per_month = c->m->hours_per_month * 3600; /* seconds */
    double load = workload_concurrency(w, c->m);
    return fleet_top_load(c, units * per_unit, load) * per_month / w->duration_s;
}

void cost_fleet_size(const struct cost_ctx *c, double per_unit, struct cost_fleet *ret)
{
    const struct workload *w = c->w;
    const struct model_capacity *cap = &c->m->capacity;
    double load = workload_concurrency(w, c->m), u = cap->target_utilisation;
    double per_month = c->m->hours_per_month * 3600; /* seconds */
    struct cost_fleet f = {.per_unit = per_unit, .piece_end = (double)INFINITY};
    f.units = fmax(1, ceil(load / (per_unit * u) - COST_EPS));
    if (w->latency_sensitive) {
        double by_util = f.units;
        while (!wait_ok(f.units * per_unit, load, cap->max_wait_probability))
            f.units++;
        f.by_wait = f.units > by_util;
    }
    double slots = f.units * per_unit;
    f.utilisation = load / slots;
    f.wait_probability = wait_ok(slots, load, 0) ? 0 : cost_erlang_c(slots, load);
    if (w->duration_s > 0) {
        /* The load this many units carry before the next is needed, as a rate; the steps are
         * regular when utilisation alone sizes the fleet. */
        f.piece_end = fleet_top_load(c, slots, load) * per_month / w->duration_s;
        if (!w->latency_sensitive)
            f.step_rate = per_unit * u * per_month / w->duration_s;
    }
    *ret = f;
}

void cost_price(const struct cost_ctx *c, const struct platform *p, struct cost_option *ret_option)
{
    cost_option_init(c, p, ret_option);
    p->price(c, ret_option);
}

double cost_best(const struct cost_option *o, enum cost_mode mode)
{
    double best = (double)NAN;
    for (size_t i = 0; i < o->n_variants; i++) {
        const struct cost_variant *v = &o->variants[i];
        if ((mode != COST_MODE_NONE && v->mode != mode) || v->too_slow)
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
