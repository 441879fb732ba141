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

/* What compare_fill() works with: the answer's arena, and two scratch arenas. */
struct fill {
    struct comparison *cmp;
    struct arena *arena;  /* the answer's: break-evens, curve, labels */
    struct arena scratch; /* reset for every pricing of a side */
    struct arena points;  /* the evaluated points of one break-even; reset for the next */
    bool oom;             /* a scratch allocation failed (resetting forgets it) */
};

/* One side priced at one rate. */
struct side_at {
    double best;      /* its cheapest variant */
    int arg;          /* which one, as an index into cost[] */
    double end;       /* where the first of its variants' pieces ends */
    double step_rate; /* the step all its stepping variants share; 0 when none or they differ */
    bool curved;      /* a variant is not linear within its piece (see cost_variant.curved) */
    double fall_from, fall_to; /* where a variant's cost may fall as the rate grows */
    size_t n;                  /* variants of the side's mode */
    double *cost;              /* each one's monthly cost, in the points arena */
    double *step_usd;          /* each one's step (0: it does not step) */
    double *piece_end;
};

/* Both sides at one rate. */
struct pt {
    double n;
    struct side_at s[2];
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
    if (commit_covers(a->commit, p))
        commit_price(&c, a->commit, p, o); /* the request's Savings Plan */
    else
        cost_price(&c, p, o);
    if (arena_failed(&f->scratch))
        f->oom = true;
}

static bool mode_ok(const struct side *s, const struct cost_variant *v)
{
    return s->mode == COST_MODE_NONE || v->mode == s->mode;
}

/* Prices both sides at rate n. Sets f->oom (and returns a point with no variants) when memory
 * runs out. */
static struct pt eval(struct solver *sv, double n)
{
    struct pt t = {.n = n};
    sv->evals++;
    for (int k = 0; k < 2; k++) {
        struct side_at *s = &t.s[k];
        struct cost_option o;
        price_at(sv->f, sv->a, sv->side[k].p, n, &o);
        s->best = (double)INFINITY;
        s->end = (double)INFINITY;
        s->arg = -1;
        s->cost = arena_alloc(&sv->f->points, (o.n_variants + 1) * 3 * sizeof(double));
        if (!s->cost) {
            sv->f->oom = true;
            continue;
        }
        s->step_usd = s->cost + o.n_variants + 1;
        s->piece_end = s->step_usd + o.n_variants + 1;
        bool first_step = true;
        for (size_t i = 0; i < o.n_variants; i++) {
            const struct cost_variant *v = &o.variants[i];
            if (!mode_ok(&sv->side[k], v) || v->too_slow)
                continue; /* a variant too slow to start is never chosen, so never compared */
            s->cost[s->n] = v->monthly_usd;
            s->step_usd[s->n] = v->step_rate > 0 ? v->step_usd : 0;
            s->piece_end[s->n] = v->piece_end;
            if (v->monthly_usd < s->best) {
                s->best = v->monthly_usd;
                s->arg = (int)s->n;
            }
            s->end = fmin(s->end, v->piece_end);
            s->curved = s->curved || v->curved;
            if (v->fall_to > v->fall_from) {
                s->fall_from =
                    s->fall_to > s->fall_from ? fmin(s->fall_from, v->fall_from) : v->fall_from;
                s->fall_to = fmax(s->fall_to, v->fall_to);
            }
            if (v->step_rate > 0) {
                if (first_step)
                    s->step_rate = v->step_rate;
                else if (s->step_rate != v->step_rate)
                    s->step_rate = -1; /* steps on different grids */
                first_step = false;
            }
            s->n++;
        }
        if (s->step_rate < 0)
            s->step_rate = 0;
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

static bool dearer(const struct pt *p)
{
    return p->s[0].best - p->s[1].best > 0;
}

static double envelope(const double *at1, const double *slope, size_t n, double t1, double t)
{
    double best = (double)INFINITY;
    for (size_t i = 0; i < n; i++)
        best = fmin(best, at1[i] + slope[i] * (t - t1));
    return best;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The change of sides in (lo, hi], whose ends are priced on either side of it: bisected on
 * priced points to a relative 1e-12. */
static double bisect(struct solver *sv, double lo, double hi, bool lo_dearer)
{
    for (int i = 0; i < 60 && hi - lo > 1e-12 * hi && !sv->f->oom; i++) {
        struct pt p = eval(sv, lo + (hi - lo) / 2);
        if (dearer(&p) == lo_dearer)
            lo = p.n;
        else
            hi = p.n;
    }
    return hi;
}

/* Solves (A.n, B.n] when a side is curved there (cold starts): the pieces are short (a factor
 * CURVE_STEP in platform_lambda.c), so the sides change order at most twice in one; the
 * changes are bisected on priced points rather than solved on lines. */
static void curved_leaf(struct solver *sv, const struct pt *A, const struct pt *B)
{
    struct pt M = eval(sv, A->n + (B->n - A->n) / 2);
    if (sv->f->oom)
        return;
    bool a = dearer(A), m = dearer(&M), b = dearer(B);
    if (a != m)
        change(sv, bisect(sv, A->n, M.n, a));
    if (m != b)
        change(sv, bisect(sv, M.n, B->n, m));
}

/* Solves (A.n, B.n], on which every variant of both sides is linear: each variant's line comes
 * from its costs at the midpoint and at B. */
static void leaf(struct solver *sv, const struct pt *A, const struct pt *B)
{
    struct pt M = eval(sv, A->n + (B->n - A->n) / 2);
    if (sv->f->oom || M.s[0].n != B->s[0].n || M.s[1].n != B->s[1].n) {
        sv->f->oom = true; /* the variants do not depend on the rate; if they did, a bug */
        return;
    }
    double t1 = M.n, dt = B->n - M.n;
    double *slope[2];
    size_t cap = 2;
    for (int k = 0; k < 2; k++) {
        slope[k] = arena_alloc(&sv->f->points, (B->s[k].n + 1) * sizeof(double));
        if (!slope[k]) {
            sv->f->oom = true;
            return;
        }
        for (size_t i = 0; i < B->s[k].n; i++)
            slope[k][i] = (B->s[k].cost[i] - M.s[k].cost[i]) / dt;
        cap += B->s[k].n * B->s[k].n;
    }
    /* The points where either side's cheapest variant may change split the piece into
     * stretches on which the difference of the sides is linear. */
    double *ts = arena_alloc(&sv->f->points, cap * sizeof(double));
    if (!ts) {
        sv->f->oom = true;
        return;
    }
    size_t nt = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < M.s[k].n; i++)
            for (size_t j = i + 1; j < M.s[k].n; j++) {
                double ds = slope[k][i] - slope[k][j];
                if (ds == 0)
                    continue;
                double t = t1 - (M.s[k].cost[i] - M.s[k].cost[j]) / ds;
                if (t > A->n && t < B->n)
                    ts[nt++] = t;
            }
    qsort(ts, nt, sizeof(double), cmp_double);
    ts[nt++] = B->n;
#define DIFF(t)                                                                                    \
    (envelope(M.s[0].cost, slope[0], M.s[0].n, t1, (t)) -                                          \
     envelope(M.s[1].cost, slope[1], M.s[1].n, t1, (t)))
    /* Just after A.n (the piece's formula at A.n): a step at A.n itself is a change there. */
    bool d = dearer(A);
    double prev_t = A->n, prev_d = DIFF(A->n);
    if ((prev_d > 0) != d) {
        change(sv, A->n);
        d = !d;
    }
    for (size_t i = 0; i < nt; i++) {
        double t = ts[i];
        double diff = i + 1 == nt ? B->s[0].best - B->s[1].best : DIFF(t);
        if ((diff > 0) != d) {
            double root = prev_d != diff ? prev_t + (t - prev_t) * (-prev_d) / (diff - prev_d) : t;
            change(sv, root > prev_t && root <= t ? root : t);
            d = !d;
        }
        prev_t = t;
        prev_d = diff;
    }
#undef DIFF
}

/* Step k of a fleet that steps every `w`: rates up to k x w (and at least the first step). The
 * platforms size fleets as ceil(rate / w - COST_EPS). */
static double step_of(double n, double w)
{
    return fmax(1, ceil(n / w - COST_EPS));
}

/* Counts the integers k in [k_lo, k_hi] with lo < alpha + gamma k <= hi, and sets *ret_first to
 * the smallest (when there is one). */
static double count_in(double alpha, double gamma, double lo, double hi, double k_lo, double k_hi,
                       double *ret_first)
{
    double a, b; /* k in [a, b] */
    if (gamma > 0) {
        a = floor((lo - alpha) / gamma) + 1;
        b = floor((hi - alpha) / gamma);
    } else if (gamma < 0) {
        a = ceil((hi - alpha) / gamma);
        b = ceil((lo - alpha) / gamma) - 1;
    } else {
        if (!(alpha > lo && alpha <= hi))
            return 0;
        a = k_lo;
        b = k_hi;
    }
    /* The division may land one off at an exact boundary: settle the ends by evaluating. */
    while (a <= b && !(alpha + gamma * a > lo && alpha + gamma * a <= hi))
        a++;
    while (b >= a && !(alpha + gamma * b > lo && alpha + gamma * b <= hi))
        b--;
    a = fmax(a, k_lo);
    b = fmin(b, k_hi);
    if (a > b)
        return 0;
    *ret_first = a;
    return b - a + 1;
}

/* Solves (A.n, B.n] in closed form when the reference side is one line throughout and the other
 * side a staircase: every variant it could pick steps on the same grid (step hints), costs the
 * same within a step, and one of them is cheapest on every step. The counts of changes inside
 * steps and at the steps between are integers in ranges of k (the step), since the difference
 * of the sides at the end of step k is linear in k. Returns false, having changed nothing, when
 * the conditions do not hold (the caller splits the interval instead). */
static bool stairs(struct solver *sv, const struct pt *A, const struct pt *B)
{
    const struct side_at *a0 = &A->s[0], *a1 = &A->s[1], *b0 = &B->s[0], *b1 = &B->s[1];
    double w = a1->step_rate;
    if (!(w > 0) || b1->step_rate != w || a0->end < B->n || a0->n != b0->n || a1->n != b1->n)
        return false;
    double k_a = step_of(A->n, w), k_b = step_of(B->n, w);
    if (k_b - k_a < 4)
        return false; /* a few steps: walking them is as cheap */
    struct pt M = eval(sv, A->n + (B->n - A->n) / 2);
    if (sv->f->oom || M.s[0].n != b0->n || M.s[1].n != b1->n)
        return false;
    double k_m = step_of(M.n, w);
    /* The reference side's cheapest line, the same at both ends (lines cross at most once). */
    double dt = B->n - M.n;
    int ref = -1;
    double line_a = 0, line_b = 0;
    for (size_t i = 0; i < b0->n; i++) {
        double slope = (b0->cost[i] - M.s[0].cost[i]) / dt;
        double at_a = M.s[0].cost[i] + slope * (A->n - M.n);
        if (ref < 0 || at_a < line_a + line_b * A->n)
            ref = (int)i;
        if (ref == (int)i) {
            line_b = slope;
            line_a = at_a - slope * A->n;
        }
    }
    for (size_t i = 0; i < b0->n; i++)
        if (b0->cost[i] < b0->cost[ref])
            return false; /* another line is cheapest at B */
    /* The other side: each stepping variant rises by its step at each step and, within one,
     * along a line of a slope all of them share (what grows with the rate but not with the
     * fleet: logs, a load balancer's capacity units; often 0), the slope taken from M and B and
     * checked at A; a variant that does not step must be one line that stays above the
     * cheapest staircase's upper bound. Pick the cheapest staircase at both ends. */
    int stair = -1;
    double s = 0;
    for (size_t i = 0; i < b1->n; i++) {
        double h = b1->step_usd[i];
        if (h <= 0)
            continue;
        double si = (b1->cost[i] - M.s[1].cost[i] - (k_b - k_m) * h) / dt;
        double at_a = b1->cost[i] + (k_a - k_b) * h + si * (A->n - B->n);
        if (fabs(at_a - a1->cost[i]) > 1e-9 * fmax(1, fabs(at_a)))
            return false; /* the step hint does not hold here */
        if (stair >= 0 && fabs(si - s) > 1e-9 * fmax(1e-12, fabs(s)))
            return false; /* staircases of different slopes */
        s = si;
        if (stair < 0 || b1->cost[i] < b1->cost[stair])
            stair = (int)i;
    }
    if (stair < 0)
        return false;
    /* A line through three points cannot tell a step from a slope where the steps come evenly:
     * check the steps themselves, across the one that ends step k_m. */
    double edge = k_m * w, past = edge + w * 1e-6;
    struct pt J0 = eval(sv, edge), J1 = eval(sv, past);
    if (sv->f->oom || J0.s[1].n != b1->n || J1.s[1].n != b1->n || !(edge > A->n && past < B->n))
        return false;
    for (size_t i = 0; i < b1->n; i++) {
        double h = b1->step_usd[i];
        if (h <= 0)
            continue;
        double jump = J1.s[1].cost[i] - J0.s[1].cost[i], want = h + s * (past - edge);
        if (fabs(jump - want) > 1e-9 * fmax(1, fabs(J1.s[1].cost[i])))
            return false;
    }
    /* From here on the line is the reference side's less the staircases' slope, so that the
     * staircase proper is flat within each step. */
    line_a += s * B->n;
    line_b -= s;
    double h = b1->step_usd[stair], f_b = b1->cost[stair];
    for (size_t i = 0; i < b1->n; i++) {
        if ((int)i == stair)
            continue;
        if (b1->step_usd[i] > 0) {
            /* Stepping at the same points: cheapest at both ends means cheapest throughout. */
            double at_a = b1->cost[i] + (k_a - k_b) * b1->step_usd[i];
            if (at_a < f_b + (k_a - k_b) * h || b1->cost[i] < f_b)
                return false;
            continue;
        }
        if (a1->piece_end[i] < B->n)
            return false;
        double slope = (b1->cost[i] - M.s[1].cost[i]) / dt;
        double at_a = M.s[1].cost[i] + slope * (A->n - M.n);
        /* The staircase is at most f_b + (n / w + 1 - k_b) h + s (n - B.n) at rate n. */
        if (at_a < f_b + (A->n / w + 1 - k_b) * h + s * (A->n - B->n) ||
            b1->cost[i] < f_b + (B->n / w + 1 - k_b) * h)
            return false;
    }
    /* d(n) on step k = line(n) - F(k), F(k) = f_b + (k - k_b) h. */
#define LINE(n)  (line_a + line_b * (n))
#define STAIR(k) (f_b + ((k)-k_b) * h)
    bool d = dearer(A);
    /* The partial first step, (A, min(k_a w, B)]. */
    double first_hi = k_a * w;
    double s0 = LINE(A->n) - STAIR(k_a), e0 = LINE(first_hi) - STAIR(k_a);
    if ((s0 > 0) != d) {
        change(sv, A->n);
        d = !d;
    }
    if ((e0 > 0) != d) {
        change(sv, line_b != 0 ? (STAIR(k_a) - line_a) / line_b : first_hi);
        d = !d;
    }
    /* Steps k_a+1 .. k_b-1 in full, and the jumps after steps k_a .. k_b-1. E(k), the
     * difference at the end of step k, is alpha + gamma k. */
    double alpha = line_a - f_b + k_b * h, gamma = line_b * w - h, bw = line_b * w;
    double fj = 0, fs = 0;
    /* A jump after step k changes the sign when 0 < E(k) <= h (h > 0 drops it by h). */
    double jumps = count_in(alpha, gamma, 0, h, k_a, k_b - 1, &fj);
    /* Inside a full step k the difference runs from E(k) - b w to E(k). */
    double inside = bw > 0   ? count_in(alpha, gamma, 0, bw, k_a + 1, k_b - 1, &fs)
                    : bw < 0 ? count_in(alpha, gamma, bw, 0, k_a + 1, k_b - 1, &fs)
                             : 0;
    if (jumps + inside > 0) {
        /* The first of them: a step's inside change comes before the jump that ends it. */
        double at;
        if (inside > 0 && (jumps == 0 || fs <= fj))
            at = line_b != 0 ? (STAIR(fs) - line_a) / line_b : fs * w;
        else
            at = fj * w;
        sv->changes += (int)fmin(jumps + inside, 1e9) - 1;
        change(sv, at);
        /* Each change flips the sign: an odd number of them leaves it flipped. */
        if (fmod(jumps + inside, 2) == 1)
            d = !d;
    }
    /* The partial last step, (( k_b - 1) w, B]: its start is after the jump at (k_b - 1) w. */
    double sl = LINE((k_b - 1) * w) - STAIR(k_b), el = B->s[0].best - B->s[1].best;
    if ((sl > 0) != d) {
        change(sv, (k_b - 1) * w);
        d = !d;
    }
    if ((el > 0) != d) {
        change(sv, line_b != 0 ? (STAIR(k_b) - line_a) / line_b : B->n);
        d = !d;
    }
#undef LINE
#undef STAIR
    return true;
}

/* Whether a side's cost may fall somewhere in (A.n, B.n). */
static bool may_fall(const struct pt *A, const struct pt *B)
{
    for (int k = 0; k < 2; k++)
        if (A->s[k].fall_to > A->s[k].fall_from && A->s[k].fall_from < B->n &&
            A->s[k].fall_to > A->n)
            return true;
    return false;
}

static void visit(struct solver *sv, const struct pt *A, const struct pt *B)
{
    if (sv->evals >= SOLVE_BUDGET || sv->f->oom)
        return;
    /* Costs rarely fall as the rate grows: then each side stays between its values at the ends.
     * (Where Lambda's cold starts thin out faster than its calls grow, it may fall.) */
    if (!may_fall(A, B) && (B->s[0].best <= A->s[1].best || A->s[0].best > B->s[1].best))
        return;
    double end = fmin(A->s[0].end, A->s[1].end);
    if (end >= B->n) {
        if (A->s[0].curved || A->s[1].curved)
            curved_leaf(sv, A, B);
        else
            leaf(sv, A, B);
        return;
    }
    if (stairs(sv, A, B))
        return;
    /* Where to split: at the reference side's piece end when the other side is a staircase
     * (each half may then be solved in closed form); at the first piece end when the pieces
     * are few (walking them) or when it lies in the lower half of the span on a log scale; else
     * at the geometric mean, halving far from any crossing. */
    double end0 = A->s[0].end, m;
    if (A->s[1].step_rate > 0 && end0 > A->n && end0 < B->n)
        m = end0;
    else if (end > A->n && (B->n - A->n <= 8 * (end - A->n) || end * end <= A->n * B->n))
        m = end;
    else
        m = sqrt(A->n * B->n);
    if (!(m > A->n && m < B->n)) {
        if (dearer(A) != dearer(B))
            change(sv, B->n);
        return;
    }
    struct pt M = eval(sv, m);
    if (sv->f->oom)
        return;
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
        /* No variant of the mode, or none that starts within the latency budget (how fast a
         * variant starts does not depend on the rate, so neither does this). */
        bool priced = false;
        for (size_t i = 0; i < a->options[other->id].n_variants; i++)
            priced = priced || be->mode == COST_MODE_NONE ||
                     a->options[other->id].variants[i].mode == be->mode;
        be->reason = priced ? msg_make(E_TOO_SLOW, "sn", other_label, a->w.latency_budget_s)
                            : msg_make(E_PINNED_MODE, "ss", other->title, cost_mode_name(be->mode));
        return;
    }
    /* Feasibility does not depend on the rate (quotas are warnings, not blocks), so a side
     * found feasible here is feasible at every rate the solver visits. */
    struct solver sv = {.a = a, .f = f};
    arena_reset(&f->points);
    sv.side[0] = (struct side){ref, COST_MODE_NONE};
    sv.side[1] = (struct side){other, be->mode};
    double lo = 1, hi = m->limits.max_invocations_per_month;
    struct pt A = eval(&sv, lo), B = eval(&sv, hi);
    bool first_dearer = dearer(&A);
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
    price_at(f, a, ref, be->n, &o);
    be->reference_usd = cost_best(&o, COST_MODE_NONE);
    be->reference_feasible = o.n_blocks == 0;
    price_at(f, a, other, be->n, &o);
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
    arena_init(&f.points, 0);
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
    bool failed = f.oom || arena_failed(&f.scratch) || arena_failed(&f.points);
    arena_free(&f.scratch);
    arena_free(&f.points);
    return failed || arena_failed(arena) ? CF_ENOMEM : 0;
}
