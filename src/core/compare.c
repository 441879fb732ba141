/*
 * compare.c - break-even rates and the cost curve of one analysed workload (see advise.h).
 *
 * Break-evens are solved on the pieces of the cost functions rather than found by sampling.
 * Every variant's monthly cost is piecewise linear in the invocation rate n: tiers and free
 * tiers bend it, an always-on fleet steps up by one task's cost each time it needs another
 * task, and each variant reports where its current piece ends (cost_variant.piece_end). A
 * side of a comparison costs the cheapest of its variants, so on an interval where no variant
 * changes piece, both sides are lower envelopes of straight lines and their difference has
 * roots that can be solved exactly.
 *
 * The search visits [1, largest rate] recursively: an interval on which the two sides cannot
 * cross is dropped by a bound (every cost grows with the rate, so a side stays between its
 * values at the ends); an interval inside one piece of every variant is solved exactly; any
 * other is split in two at its geometric mean. Far from a crossing whole decades are dropped
 * at once; near one the intervals shrink to single pieces. Visits go left to right, so the
 * first change found is the lowest rate at which the cheaper side changes, and every change is
 * counted. A workload whose sides run within one step of each other for thousands of steps
 * could need more evaluations than SOLVE_BUDGET; the count is then what was found within it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/platform.h"

#define SOLVE_BUDGET  4000 /* evaluations of both sides per break-even */
#define CURVE_POINTS  21   /* the curve's grid: this many points ... */
#define CURVE_DECADES 3.0  /* ... spanning three decades centred on the requested rate */
#define CURVE_MARGIN  0.25 /* decades shown beyond the outermost break-even */

/* One side of a comparison: a platform's variants of one mode (COST_MODE_NONE: all). */
struct side {
    const struct platform *p;
    enum cost_mode mode;
};

/* Both sides evaluated at one rate. */
struct pt {
    double n;
    double cost[2]; /* each side's cheapest variant */
    double end;     /* the rate at which the first of the variants' pieces ends */
};

/* What compare_fill() works with: the answer's arena, and two scratch arenas. */
struct fill {
    struct comparison *cmp;
    struct arena *arena;  /* the answer's: break-evens, curve, labels */
    struct arena scratch; /* reset for every evaluation of a side */
    struct arena work;    /* reset for every piece solved */
    bool oom;             /* a scratch allocation failed (resetting forgets it) */
};

struct solver {
    const struct advice *a;
    struct side side[2];
    struct fill *f;
    int evals;
    int changes;
    bool found;
    double first; /* the rate of the first change */
};

/* Prices platform p for the workload at rate n into o, its arrays in the scratch arena (valid
 * until the next call). */
static void price_at(struct fill *f, const struct advice *a, const struct platform *p, double n,
                     struct cost_option *o)
{
    struct workload w = a->w;
    w.invocations_per_month = n;
    arena_reset(&f->scratch);
    struct cost_ctx c = {&w, a->rr, a->m, &f->scratch};
    cost_price(&c, p, o);
    if (arena_failed(&f->scratch))
        f->oom = true;
}

static void price_side(struct solver *sv, int k, double n, struct cost_option *o)
{
    price_at(sv->f, sv->a, sv->side[k].p, n, o);
}

static bool mode_ok(const struct side *s, const struct cost_variant *v)
{
    return s->mode == COST_MODE_NONE || v->mode == s->mode;
}

static struct pt eval(struct solver *sv, double n)
{
    struct pt t = {.n = n, .end = (double)INFINITY};
    sv->evals++;
    for (int k = 0; k < 2; k++) {
        struct cost_option o;
        price_side(sv, k, n, &o);
        t.cost[k] = cost_best(&o, sv->side[k].mode);
        for (size_t i = 0; i < o.n_variants; i++)
            if (mode_ok(&sv->side[k], &o.variants[i]))
                t.end = fmin(t.end, o.variants[i].piece_end);
    }
    return t;
}

static void change(struct solver *sv, double at)
{
    if (!sv->found) {
        sv->found = true;
        sv->first = at;
    }
    sv->changes++;
}

/* The lines of each side's variants on a piece: cost at t1 and slope. */
struct lines {
    double *at1[2], *slope[2];
    size_t n[2];
};

/* Fills *ln from the variants' costs at t1 and t2 (t1 < t2, both inside the piece), its arrays
 * in the work arena. Returns false when memory ran out or the variants changed. */
static bool piece_lines(struct solver *sv, double t1, double t2, struct lines *ln)
{
    for (int k = 0; k < 2; k++) {
        struct cost_option o;
        price_side(sv, k, t1, &o);
        size_t m = 0;
        ln->at1[k] = arena_alloc(&sv->f->work, (o.n_variants + 1) * sizeof(double));
        ln->slope[k] = arena_alloc(&sv->f->work, (o.n_variants + 1) * sizeof(double));
        if (!ln->at1[k] || !ln->slope[k])
            return false;
        for (size_t i = 0; i < o.n_variants; i++)
            if (mode_ok(&sv->side[k], &o.variants[i]))
                ln->at1[k][m++] = o.variants[i].monthly_usd;
        ln->n[k] = m;
        size_t count = o.n_variants;
        price_side(sv, k, t2, &o);
        if (o.n_variants != count)
            return false; /* a platform's variants do not depend on the rate: a bug */
        m = 0;
        for (size_t i = 0; i < o.n_variants; i++)
            if (mode_ok(&sv->side[k], &o.variants[i])) {
                ln->slope[k][m] = (o.variants[i].monthly_usd - ln->at1[k][m]) / (t2 - t1);
                m++;
            }
    }
    sv->evals += 2;
    return true;
}

static double envelope(const struct lines *ln, int k, double t1, double t)
{
    double best = (double)INFINITY;
    for (size_t i = 0; i < ln->n[k]; i++)
        best = fmin(best, ln->at1[k][i] + ln->slope[k][i] * (t - t1));
    return best;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Solves (A.n, B.n], on which every variant of both sides is linear. */
static void leaf(struct solver *sv, const struct pt *A, const struct pt *B)
{
    double t1 = A->n + (B->n - A->n) / 2, t2 = B->n;
    struct lines ln;
    arena_reset(&sv->f->work);
    if (!piece_lines(sv, t1, t2, &ln)) {
        sv->f->oom = true;
        return;
    }
    /* The points where either side's cheapest variant may change split the piece into
     * stretches on which the difference of the sides is linear. */
    size_t cap = 2 + ln.n[0] * ln.n[0] + ln.n[1] * ln.n[1], nt = 0;
    double *ts = arena_alloc(&sv->f->work, cap * sizeof(double));
    if (!ts) {
        sv->f->oom = true;
        return;
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < ln.n[k]; i++)
            for (size_t j = i + 1; j < ln.n[k]; j++) {
                double ds = ln.slope[k][i] - ln.slope[k][j];
                if (ds == 0)
                    continue;
                double t = t1 - (ln.at1[k][i] - ln.at1[k][j]) / ds;
                if (t > A->n && t < B->n)
                    ts[nt++] = t;
            }
    qsort(ts, nt, sizeof(double), cmp_double);
    ts[nt++] = B->n;
    /* Just after A.n (the piece's formula at A.n): a step at A.n itself is a change there. */
    bool dearer = A->cost[0] - A->cost[1] > 0;
    double prev_t = A->n;
    double prev_d = envelope(&ln, 0, t1, A->n) - envelope(&ln, 1, t1, A->n);
    if ((prev_d > 0) != dearer) {
        change(sv, A->n);
        dearer = !dearer;
    }
    for (size_t i = 0; i < nt; i++) {
        double t = ts[i];
        double d = i + 1 == nt ? B->cost[0] - B->cost[1]
                               : envelope(&ln, 0, t1, t) - envelope(&ln, 1, t1, t);
        if ((d > 0) != dearer) {
            double root = prev_d != d ? prev_t + (t - prev_t) * (-prev_d) / (d - prev_d) : t;
            change(sv, root > prev_t && root <= t ? root : t);
            dearer = !dearer;
        }
        prev_t = t;
        prev_d = d;
    }
}

static void visit(struct solver *sv, const struct pt *A, const struct pt *B)
{
    if (sv->evals >= SOLVE_BUDGET || sv->f->oom)
        return;
    /* Costs never fall as the rate grows: each side stays between its values at the ends. */
    if (B->cost[0] <= A->cost[1] || A->cost[0] > B->cost[1])
        return;
    if (A->end >= B->n) {
        leaf(sv, A, B);
        return;
    }
    double m = sqrt(A->n * B->n);
    if (!(m > A->n && m < B->n)) {
        if ((A->cost[0] - A->cost[1] > 0) != (B->cost[0] - B->cost[1] > 0))
            change(sv, B->n);
        return;
    }
    struct pt M = eval(sv, m);
    visit(sv, A, &M);
    visit(sv, &M, B);
}

/* Returns the first block of `o` that no invocation rate lifts, or NULL. */
static const struct cost_block *static_block(const struct cost_option *o)
{
    for (size_t i = 0; i < o->n_blocks; i++)
        if (!o->blocks[i].rate_dependent)
            return &o->blocks[i];
    return NULL;
}

static const char *side_text(struct arena *arena, enum msg_code code, const char *title)
{
    char buf[128];
    msg_format(&(struct message){code, 1, {{MSG_ARG_STR, 0, title, NULL}}}, buf, sizeof(buf));
    return arena_strdup(arena, buf);
}

static void solve(struct fill *f, struct break_even *be)
{
    const struct advice *a = f->cmp->advice;
    const struct model *m = a->m;
    const struct platform *ref = &platforms[0], *other = &platforms[be->other];
    const char *other_label = be->label;
    const struct cost_block *b;
    if ((b = static_block(&a->options[ref->id])) || (b = static_block(&a->options[other->id]))) {
        bool ref_blocked = b == static_block(&a->options[ref->id]);
        be->reason =
            msg_make(E_NEVER_RUNS, "sm", ref_blocked ? ref->title : other_label, &b->detail);
        return;
    }
    if (isnan(cost_best(&a->options[other->id], be->mode))) {
        be->reason = msg_make(E_PINNED_MODE, "ss", other->title, cost_mode_name(be->mode));
        return;
    }
    struct solver sv = {.a = a, .f = f};
    sv.side[0] = (struct side){ref, COST_MODE_NONE};
    sv.side[1] = (struct side){other, be->mode};
    double lo = 1, hi = m->limits.max_invocations_per_month;
    struct pt A = eval(&sv, lo), B = eval(&sv, hi);
    bool first_dearer = A.cost[0] - A.cost[1] > 0;
    visit(&sv, &A, &B);
    if (!sv.found) {
        be->reason =
            msg_make(E_NO_CROSSING, "snn", first_dearer ? other_label : ref->title, lo, hi);
        return;
    }
    be->found = true;
    be->n = sv.first;
    be->crossings = sv.changes;
    be->cheaper_below = first_dearer ? other->id : ref->id;
    be->cheaper_above = first_dearer ? ref->id : other->id;
    struct cost_option o;
    price_side(&sv, 0, be->n, &o);
    be->reference_usd = cost_best(&o, COST_MODE_NONE);
    be->reference_feasible = o.n_blocks == 0;
    price_side(&sv, 1, be->n, &o);
    be->other_usd = cost_best(&o, be->mode);
    be->other_feasible = o.n_blocks == 0;
}

static void add_break_even(struct fill *f, const struct platform *other, enum cost_mode mode)
{
    struct comparison *cmp = f->cmp;
    struct arena *arena = f->arena;
    if (!ARENA_GROW(arena, cmp->break_evens, cmp->n_break_evens, cmp->cap_break_evens))
        return;
    struct break_even *be = &cmp->break_evens[cmp->n_break_evens++];
    memset(be, 0, sizeof(*be));
    char key[96];
    snprintf(key, sizeof(key), "%s_vs_%s%s%s", platforms[0].key, other->key,
             mode == COST_MODE_NONE ? "" : "_", cost_mode_name(mode));
    be->key = arena_strdup(arena, key);
    be->label =
        mode == COST_MODE_NONE
            ? other->title
            : side_text(arena, mode == COST_MODE_ALWAYS_ON ? E_SIDE_ALWAYS_ON : E_SIDE_PER_JOB,
                        other->title);
    be->rival =
        mode == COST_MODE_NONE
            ? other->chart_label
            : side_text(arena, mode == COST_MODE_ALWAYS_ON ? E_RIVAL_ALWAYS_ON : E_RIVAL_PER_JOB,
                        other->chart_label);
    be->other = other->id;
    be->mode = mode;
    solve(f, be);
}

/* Adds a curve point at rate n (ascending order is restored by the caller). */
static void curve_point(struct fill *f, double n)
{
    struct comparison *cmp = f->cmp;
    if (!ARENA_GROW(f->arena, cmp->curve, cmp->n_curve, cmp->cap_curve))
        return;
    struct curve_point *cp = &cmp->curve[cmp->n_curve++];
    cp->n = n;
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        struct cost_option o;
        price_at(f, cmp->advice, &platforms[p], n, &o);
        cp->usd[p] = o.feasible ? cost_best(&o, COST_MODE_NONE) : (double)NAN;
    }
}

/* Whether the curve already has a point at rate n. */
static bool on_curve(const struct comparison *cmp, double n)
{
    for (size_t i = 0; i < cmp->n_curve; i++)
        if (fabs(cmp->curve[i].n - n) <= 1e-12 * n)
            return true;
    return false;
}

/* The curve: CURVE_POINTS rates spanning CURVE_DECADES around the requested rate, widened to
 * show every break-even found with a margin, plus the requested rate and each break-even as
 * points of their own, so that a chart marks them on the lines. */
static void curve(struct fill *f)
{
    struct comparison *cmp = f->cmp;
    double n0 = cmp->advice->w.invocations_per_month;
    double e_lo = -CURVE_DECADES / 2, e_hi = CURVE_DECADES / 2;
    for (size_t i = 0; i < cmp->n_break_evens && n0 > 0; i++) {
        const struct break_even *be = &cmp->break_evens[i];
        if (!be->found)
            continue;
        double e = log10(be->n / n0);
        e_lo = fmin(e_lo, e - CURVE_MARGIN);
        e_hi = fmax(e_hi, e + CURVE_MARGIN);
    }
    for (int k = 0; k < CURVE_POINTS; k++) {
        double e = e_lo + (e_hi - e_lo) * k / (CURVE_POINTS - 1);
        curve_point(f, k == (CURVE_POINTS - 1) / 2 && e == 0 ? n0 : n0 * pow(10, e));
    }
    if (!on_curve(cmp, n0))
        curve_point(f, n0);
    for (size_t i = 0; i < cmp->n_break_evens; i++)
        if (cmp->break_evens[i].found && !on_curve(cmp, cmp->break_evens[i].n))
            curve_point(f, cmp->break_evens[i].n);
    for (size_t i = 1; i < cmp->n_curve; i++) /* insertion sort: a few points out of place */
        for (size_t j = i; j > 0 && cmp->curve[j - 1].n > cmp->curve[j].n; j--) {
            struct curve_point x = cmp->curve[j];
            cmp->curve[j] = cmp->curve[j - 1];
            cmp->curve[j - 1] = x;
        }
}

int compare_fill(struct comparison *cmp, struct arena *arena)
{
    struct fill f = {.cmp = cmp, .arena = arena};
    arena_init(&f.scratch, 0);
    arena_init(&f.work, 0);
    for (int p = 1; p < MODEL_PLATFORM_COUNT; p++) {
        const struct platform *other = &platforms[p];
        if (other->break_even == BREAK_EVEN_BY_MODE) {
            add_break_even(&f, other, COST_MODE_ALWAYS_ON);
            add_break_even(&f, other, COST_MODE_PER_JOB);
        } else {
            add_break_even(&f, other, COST_MODE_NONE);
        }
    }
    curve(&f);
    bool failed = f.oom || arena_failed(&f.scratch) || arena_failed(&f.work);
    arena_free(&f.scratch);
    arena_free(&f.work);
    return failed || arena_failed(arena) ? CF_ENOMEM : 0;
}
