/*
 * test_compare.c - break-evens and the cost curve (compare.c).
 *
 * The solver works on the pieces of the cost functions. It is checked here against an oracle
 * that knows nothing of pieces: it prices both sides at a dense grid of rates and just before
 * and after every point where, by the billing rules and the model's constants, a bill changes
 * formula (each always-on task, execution environment or instance added, each Lambda tier and
 * free-tier boundary; the managed-instance platforms' floor of instances adds none, their fee
 * and requests are linear),
 * and counts the changes of the cheaper side. Between two such samples each side is linear
 * and a difference of a linear and a constant changes sign at most once, so the oracle's count
 * is exact; its first change brackets the solver's break-even. Plus hand-worked cases from the
 * us-east-1 rates.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/platform.h"
#include "testutil.h"

/* us-east-1 rates (shared/docs/aws-price-list.md sections 7-9). */
#define REQ         0.0000002
#define X86_T1      0.0000166667
#define FG_X86_VCPU 0.04048
#define FG_X86_GB   0.004445
#define G4DN_XL     0.526
#define HOURS       730.0

static struct model *model;
static struct rates *rates;

static void setup(void)
{
    static const struct cf_test_gpu g4dn = {"g4dn.xlarge", G4DN_XL, 4, 16, 1, "T4", 16};
    model = cf_test_model();
    rates = cf_test_rates(&g4dn, 1);
}

static void teardown(void)
{
    model_free(model);
    rates_unref(rates);
}

static struct cf_answer *compare(const char *text)
{
    return cf_test_answer(text, true, rates, model);
}

static const struct break_even *find(const struct cf_answer *a, const char *key)
{
    const struct comparison *c = a->comparison;
    for (size_t i = 0; i < c->n_break_evens; i++)
        if (!strcmp(c->break_evens[i].key, key))
            return &c->break_evens[i];
    ck_abort_msg("no break-even %s", key);
    return NULL;
}

/* ---- the oracle ---- */

struct oracle {
    const struct advice *a;
    const struct break_even *be;
    struct arena arena;
    double *xs;
    size_t n, cap;
};

static void sample(struct oracle *o, double x)
{
    if (!(x >= 1 && x <= model->limits.max_invocations_per_month))
        return;
    ck_assert(ARENA_GROW(&o->arena, o->xs, o->n, o->cap));
    o->xs[o->n++] = x;
}

/* Both sides' costs at rate x: the reference platform (any mode) and the other side. */
static void sides_at(struct oracle *o, double x, double *ret_ref, double *ret_other)
{
    struct workload w = o->a->w;
    w.invocations_per_month = x;
    struct arena scratch;
    arena_init(&scratch, 0);
    struct cost_ctx c = {&w, o->a->rr, model, &scratch};
    struct cost_option opt;
    cost_price(&c, &platforms[0], &opt);
    *ret_ref = cost_best(&opt, COST_MODE_NONE);
    cost_price(&c, &platforms[o->be->other], &opt);
    *ret_other = cost_best(&opt, o->be->mode);
    arena_free(&scratch);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Counts the changes of the cheaper side from 1 to the largest rate; sets the first change's
 * bracket. */
static int oracle_changes(const struct advice *a, const struct break_even *be, double *ret_lo,
                          double *ret_hi)
{
    struct oracle o = {.a = a, .be = be};
    arena_init(&o.arena, 0);
    const struct workload *w = &a->w;
    double max = model->limits.max_invocations_per_month;
    /* A dense grid: 200 points a decade. */
    for (double e = 0; e <= log10(max); e += 1.0 / 200)
        sample(&o, pow(10, e));
    sample(&o, max);
    /* Every fleet step: one more always-on task (Fargate, ECS), execution environment (Lambda
     * Managed Instances, which serve at most lambda_managed.max_concurrency_per_environment at
     * once each) or instance (EC2: instances are added only where a task or environment is)
     * each time the concurrency, rate x duration / hours, passes a multiple of what one serves
     * at the target utilisation (workloads here are not latency-sensitive: no Erlang C). */
    double per_task[2] = {
        w->concurrency_per_task,
        fmin(w->concurrency_per_task, model->lambda_managed.max_concurrency_per_environment)};
    for (int u = 0; u < 2 && (u == 0 || per_task[1] != per_task[0]); u++) {
        double per_unit = per_task[u] * model->capacity.target_utilisation;
        double step = per_unit * model->hours_per_month * 3600 / w->duration_s;
        for (double k = 1; k * step <= max; k++) {
            /* The fleet is sized as ceil(concurrency - 1e-9): the step comes just past k. */
            sample(&o, k * step);
            sample(&o, k * step * (1 + 4e-9 / k));
        }
    }
    /* Lambda: its tiers and free tier, for the memory and billed duration it is configured
     * with (as its config shows them). */
    struct workload wl = *w;
    struct arena scratch;
    arena_init(&scratch, 0);
    struct cost_ctx c = {&wl, a->rr, model, &scratch};
    struct cost_option opt;
    cost_price(&c, &platforms[0], &opt);
    for (size_t i = 0; i < opt.n_variants; i++) {
        struct param p[PLATFORM_PARAMS_MAX];
        size_t np = platforms[0].config(&opt, &opt.variants[i], w, model, p);
        double mb = 0, ms = 0;
        for (size_t k = 0; k < np; k++) {
            if (p[k].key && !strcmp(p[k].key, "memory_mb"))
                mb = p[k].num;
            if (p[k].key && !strcmp(p[k].key, "billed_duration_ms"))
                ms = p[k].num;
        }
        double per_call = ms / 1000 * mb / 1024;
        const struct lambda_rates *lr = &a->rr->lambda[opt.variants[i].arch];
        double free = w->settings.include_free_tier ? model->lambda.free_tier_gb_s : 0;
        for (size_t t = 0; t < lr->n_tiers; t++)
            sample(&o, (lr->gb_s_tiers[t].up_to + free) / per_call);
        if (w->settings.include_free_tier) {
            sample(&o, model->lambda.free_tier_requests);
            sample(&o, free / per_call);
        }
    }
    arena_free(&scratch);
    /* API Gateway's request tiers, when the bill has them. */
    const struct api_gateway_rates *ag = &a->rr->api_gateway;
    for (size_t t = 0; t < ag->n_http_tiers; t++)
        sample(&o, ag->http_tiers[t].up_to);
    for (size_t t = 0; t < ag->n_rest_tiers; t++)
        sample(&o, ag->rest_tiers[t].up_to);
    qsort(o.xs, o.n, sizeof(double), cmp_double);
    int changes = 0;
    bool dearer = false;
    double prev = 0;
    for (size_t i = 0; i < o.n; i++) {
        double ref, other;
        sides_at(&o, o.xs[i], &ref, &other);
        bool d = ref - other > 0;
        if (i > 0 && d != dearer) {
            if (!changes) {
                *ret_lo = prev;
                *ret_hi = o.xs[i];
            }
            changes++;
        }
        dearer = d;
        prev = o.xs[i];
    }
    arena_free(&o.arena);
    return changes;
}

/* Each break-even found is where the priced sides change order, to a ten-millionth. */
static void expect_sharp(const char *text)
{
    struct cf_answer *ans = compare(text);
    const struct comparison *c = ans->comparison;
    for (size_t i = 0; i < c->n_break_evens; i++) {
        const struct break_even *be = &c->break_evens[i];
        if (!be->found)
            continue;
        struct oracle o = {.a = c->advice, .be = be};
        double r0, o0, r1, o1;
        sides_at(&o, be->n * (1 - 1e-7), &r0, &o0);
        sides_at(&o, be->n * (1 + 1e-7), &r1, &o1);
        ck_assert_msg((r0 - o0 > 0) != (r1 - o1 > 0),
                      "%s %s: the sides do not change order at the break-even %.17g", text, be->key,
                      be->n);
    }
    cf_answer_free(ans);
}

static void expect_oracle(const char *text)
{
    struct cf_answer *ans = compare(text);
    const struct comparison *c = ans->comparison;
    for (size_t i = 0; i < c->n_break_evens; i++) {
        const struct break_even *be = &c->break_evens[i];
        if (!be->found && be->reason.code != E_NO_CROSSING)
            continue; /* a side cannot run at any rate, or is pinned to the other mode */
        double lo = 0, hi = 0;
        int changes = oracle_changes(c->advice, be, &lo, &hi);
        ck_assert_msg(changes == (be->found ? be->crossings : 0),
                      "%s %s: the solver counts %d changes, the oracle %d", text, be->key,
                      be->found ? be->crossings : 0, changes);
        if (!be->found)
            continue;
        ck_assert_msg(be->n >= lo * (1 - 1e-9) && be->n <= hi * (1 + 1e-9),
                      "%s %s: break-even %.17g outside the oracle's [%.17g, %.17g]", text, be->key,
                      be->n, lo, hi);
    }
    cf_answer_free(ans);
    /* And sharp: the priced sides change order within a ten-millionth of it, also where cold
     * starts curve Lambda's cost (the solver refines those on priced points). */
    expect_sharp(text);
}

/* ---- cases ---- */

/* The oracle prices every pair at thousands of rates per workload, which the sanitizers slow
 * ten times over: their builds sweep the first two workloads of each list (the oracle's code
 * and the solver's under the sanitizers), the plain build every one (the arithmetic). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
#define SWEPT(n) ((n) < 2 ? (n) : 2)
#else
#define SWEPT(n) (n)
#endif

/* The seed's invoice workload, worked by hand: Lambda costs 2e-7 + 5 s x 2 GB x 0.0000166667 =
 * $0.000166867 an invocation (its cold starts are gone by then: exp(-24.7) of calls); one
 * always-on 1 vCPU / 2 GB task costs 730 x (0.04048 + 2 x 0.004445) = $36.0401 while the
 * concurrency stays within the 75% target utilisation (394,200 a month). The first break-even
 * is 36.0401 / 0.000166867 = 215,981 a month. */
START_TEST(hand_worked_break_even)
{
    struct cf_answer *ans = compare("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                                    "10000}");
    const struct break_even *be = find(ans, "lambda_vs_fargate_always_on");
    double per_inv = REQ + 5 * 2 * X86_T1, task = HOURS * (1 * FG_X86_VCPU + 2 * FG_X86_GB);
    ck_assert(be->found);
    ck_assert_double_eq_tol(be->n, task / per_inv, task / per_inv * 1e-9);
    ck_assert_double_eq_tol(be->reference_usd, task, 1e-9);
    ck_assert_double_eq_tol(be->other_usd, task, 1e-9);
    ck_assert_int_eq(be->cheaper_below, MODEL_LAMBDA);
    ck_assert_int_eq(be->cheaper_above, MODEL_FARGATE);
    /* Just past one task's worth (394,200 a month) a second task makes Fargate $72.08 against
     * Lambda's $65.78: Lambda is cheaper again, so the sides cross more than once. */
    ck_assert_int_gt(be->crossings, 1);
    ck_assert_str_eq(be->label, "always-on Fargate");
    ck_assert_str_eq(be->rival, "Fargate always-on");
    /* Per-job Fargate (60 s x $0.04937 / 3600 = $0.000823 an invocation) never catches up. */
    be = find(ans, "lambda_vs_fargate_per_job");
    ck_assert(!be->found);
    ck_assert_int_eq(be->reason.code, E_NO_CROSSING);
    cf_answer_free(ans);
}
END_TEST

/* A free tier moves the first crossing: Lambda is free up to 1M requests and 400,000 GB-s. With
 * 14-minute 1 GB tasks (no INIT, to keep to the free tier) the free GB-s run out at 476 a month;
 * one always-on 0.5 vCPU / 1 GB task ($18.02) is passed where (n x 840 - 400,000) x 0.0000166667
 * = 18.02005 (the requests are still free): n = 1,763.3 a month. */
START_TEST(free_tier_crossing)
{
    struct cf_answer *ans = compare("{\"duration\": \"14m\", \"memory\": \"1GB\", \"invocations\": "
                                    "\"5/s\", \"include_free_tier\": true, \"init_duration\": 0}");
    const struct break_even *be = find(ans, "lambda_vs_fargate_always_on");
    double task = HOURS * (0.5 * FG_X86_VCPU + 1 * FG_X86_GB);
    double n = (task / X86_T1 + 400000) / 840;
    ck_assert(be->found);
    ck_assert_double_eq_tol(be->n, n, n * 1e-9);
    /* That is below one task's worth of concurrency at 75% (0.75 x 730 x 3600 / 840 = 2,346.4 a
     * month), which a grid of 40 points a decade missed: its crossings sat between two grid
     * points. */
    ck_assert_double_lt(be->n, 0.75 * HOURS * 3600 / 840);
    cf_answer_free(ans);
}
END_TEST

/* Cold starts bend Lambda's cost: per call a + b exp(-x), with a the call itself, b one INIT
 * and x = n x 300 s / 2,628,000 s (test_cost). With 20 s calls of 1 GB and 10 s of INIT:
 * a = 2e-7 + 20 x 0.0000166667 = $0.000333534, b = 10 x 0.0000166667 = $0.000166667. A per-job
 * Fargate task (0.5 vCPU / 1 GB, 20 + 30 s billed at the 60 s minimum) costs
 * 60 / 3600 x 0.024685 = $0.000411417 a call: dearer than a warm Lambda call, cheaper than a
 * cold one. They cross where exp(-x) = (0.000411417 - a) / b: x = ln(2.13999) = 0.76080,
 * n = 0.76080 x 8,760 = 6,664.6 a month. */
START_TEST(cold_start_crossing)
{
    struct cf_answer *ans = compare("{\"duration\": \"20s\", \"memory\": \"1GB\", \"invocations\": "
                                    "1000, \"init_duration\": \"10s\"}");
    const struct break_even *be = find(ans, "lambda_vs_fargate_per_job");
    double a = REQ + 20 * X86_T1, b = 10 * X86_T1;
    double job = 60 / 3600.0 * (0.5 * FG_X86_VCPU + 1 * FG_X86_GB);
    double n = log(b / (job - a)) * HOURS * 3600 / 300;
    ck_assert_double_eq_tol(n, 6664.6, 0.1);
    ck_assert(be->found);
    ck_assert_double_eq_tol(be->n, n, n * 1e-9);
    ck_assert_int_eq(be->cheaper_below, MODEL_FARGATE);
    ck_assert_int_eq(be->cheaper_above, MODEL_LAMBDA);
    cf_answer_free(ans);
}
END_TEST

START_TEST(solver_agrees_with_the_oracle)
{
    static const char *const workloads[] = {
        "{\"duration\": \"100ms\", \"memory\": \"2GB\", \"invocations\": 1000}",
        "{\"duration\": \"250ms\", \"memory\": \"512MB\", \"invocations\": 1000, "
        "\"include_free_tier\": true}",
        "{\"duration\": \"200ms\", \"memory\": \"4GB\", \"invocations\": 1000, \"architecture\": "
        "\"any\", \"interruptible\": true}",
        "{\"duration\": \"500ms\", \"memory\": \"1GB\", \"invocations\": 1000, "
        "\"engineer_hourly_usd\": 100, \"team_engineers\": 1}",
        "{\"duration\": \"50ms\", \"memory\": \"10GB\", \"invocations\": 1000, \"architecture\": "
        "\"arm64\", \"include_free_tier\": true}",
        "{\"duration\": \"300ms\", \"memory\": \"3GB\", \"invocations\": 1000, "
        "\"ephemeral_storage\": "
        "\"2GB\", \"fargate\": {\"vcpu\": 1, \"memory\": \"3GB\"}}",
        "{\"duration\": \"150ms\", \"memory\": \"128MB\", \"invocations\": 1000, \"fargate\": "
        "{\"mode\": \"always_on\"}}",
        /* Cold starts: a long INIT on a short call, where Lambda's cost falls as its calls
         * keep it warm, and one where it only bends. */
        "{\"duration\": \"20ms\", \"memory\": \"3GB\", \"invocations\": 1000, \"init_duration\": "
        "\"3s\"}",
        "{\"duration\": \"1s\", \"memory\": \"1GB\", \"invocations\": 1000, \"init_duration\": "
        "\"2s\", \"fargate\": {\"mode\": \"always_on\"}}",
        /* The managed-instance platforms: multi-concurrent environments past their floor of
         * three instances, an environment's concurrency capped at 1,600, a GPU environment on
         * one GPU, ECS Managed Instances on Spot. */
        "{\"duration\": \"300ms\", \"memory\": \"1GB\", \"invocations\": 1000, "
        "\"concurrency_per_task\": 8}",
        "{\"duration\": \"30ms\", \"memory\": \"2GB\", \"invocations\": 1000, "
        "\"concurrency_per_task\": 2000, \"init_duration\": 0}",
        "{\"duration\": \"2s\", \"memory\": \"4GB\", \"model_params_b\": 3, \"invocations\": 1000, "
        "\"interruptible\": true}",
    };
    for (size_t i = 0; i < SWEPT(sizeof(workloads) / sizeof(workloads[0])); i++)
        expect_oracle(workloads[i]);
    /* Long calls make millions of fleet steps up to 10^12 a month, too many for the oracle to
     * visit: for these, only the sharpness of each break-even found. */
    static const char *const long_calls[] = {
        "{\"duration\": \"20s\", \"memory\": \"1GB\", \"invocations\": 1000, \"init_duration\": "
        "\"10s\"}",
        "{\"duration\": \"15s\", \"memory\": \"2GB\", \"invocations\": 1000, \"init_duration\": "
        "\"8s\", \"architecture\": \"any\"}",
    };
    for (size_t i = 0; i < SWEPT(sizeof(long_calls) / sizeof(long_calls[0])); i++)
        expect_sharp(long_calls[i]);
}
END_TEST

/* The curve spans every break-even it reports and holds the requested rate and each break-even
 * as points; without a break-even it is the 21 points of three decades around the rate. */
/* The same with the whole bill (cf_test_bill's rates): a load balancer and logs add a line to
 * every staircase of an always-on fleet, an address a step to each task, and API Gateway's tiers
 * pieces of their own. */
START_TEST(solver_agrees_with_the_oracle_on_the_whole_bill)
{
    static const char *const workloads[] = {
        "{\"duration\": \"200ms\", \"memory\": \"1GB\", \"invocations\": 1000, \"trigger\": "
        "\"http\"}",
        "{\"duration\": \"100ms\", \"memory\": \"512MB\", \"invocations\": 1000, "
        "\"front_door\": \"api_gateway_http\", \"fargate\": {\"mode\": \"always_on\"}}",
        "{\"duration\": \"1s\", \"memory\": \"2GB\", \"invocations\": 1000, \"front_door\": "
        "\"rest_api\", \"network\": \"nat\", \"egress_gb_per_month\": 100}",
        "{\"duration\": \"300ms\", \"memory\": \"1GB\", \"invocations\": 1000, \"trigger\": "
        "\"http\", \"interruptible\": true, \"log_bytes_per_invocation\": \"8KB\"}",
        "{\"duration\": \"50ms\", \"memory\": \"256MB\", \"invocations\": 1000, \"front_door\": "
        "\"alb\", \"include_free_tier\": true}",
    };
    struct rates *plain = rates;
    rates = cf_test_rates(NULL, 0);
    cf_test_bill(rates);
    for (size_t i = 0; i < SWEPT(sizeof(workloads) / sizeof(workloads[0])); i++)
        expect_oracle(workloads[i]);
    /* The seed's invoice, with an address per instance: too many fleet steps for the oracle,
     * but every break-even found must be sharp (test_bill's addresses_count_in_packing keeps
     * the costs from falling between fleet sizes, which the solver relies on). */
    expect_sharp("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000}");
    rates_unref(rates);
    rates = plain;
}
END_TEST

START_TEST(curve_spans_break_evens)
{
    struct cf_answer *ans = compare("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                                    "10000}");
    const struct comparison *c = ans->comparison;
    for (size_t i = 1; i < c->n_curve; i++)
        ck_assert_double_gt(c->curve[i].n, c->curve[i - 1].n);
    for (size_t k = 0; k < c->n_break_evens; k++) {
        const struct break_even *be = &c->break_evens[k];
        if (!be->found)
            continue;
        bool on = false;
        for (size_t i = 0; i < c->n_curve; i++)
            on = on || c->curve[i].n == be->n;
        ck_assert_msg(on, "%s at %g is not a point of the curve", be->key, be->n);
        ck_assert_double_lt(c->curve[0].n, be->n);
        ck_assert_double_gt(c->curve[c->n_curve - 1].n, be->n);
    }
    cf_answer_free(ans);
    /* A GPU job Lambda cannot run: no break-even, 21 points from 10^-1.5 to 10^1.5 a month. */
    ans = compare("{\"duration\": \"4h\", \"memory\": \"8GB\", \"gpu_memory\": 10, "
                  "\"invocations\": 1}");
    c = ans->comparison;
    ck_assert_uint_eq(c->n_curve, 21);
    ck_assert_double_eq(c->curve[10].n, 1);
    ck_assert_double_eq_tol(c->curve[0].n, pow(10, -1.5), 1e-15);
    ck_assert_double_eq_tol(c->curve[20].n, pow(10, 1.5), 1e-12);
    ck_assert(isnan(c->curve[10].usd[MODEL_LAMBDA]));
    ck_assert(!isnan(c->curve[10].usd[MODEL_ECS_EC2]));
    cf_answer_free(ans);
}
END_TEST

/* Three cases, which meson runs as three tests (tests/meson.build passes the case's name), so
 * that the oracle's long sweeps run side by side and each stays within its timeout under the
 * sanitizers. */
static TCase *tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase(s, "break_even");
    tcase_add_test(tc, hand_worked_break_even);
    tcase_add_test(tc, free_tier_crossing);
    tcase_add_test(tc, cold_start_crossing);
    tcase_add_test(tc, curve_spans_break_evens);
    tcase_add_test(tcase(s, "oracle"), solver_agrees_with_the_oracle);
    tcase_add_test(tcase(s, "oracle_whole_bill"), solver_agrees_with_the_oracle_on_the_whole_bill);
    return s;
}

/* With an argument, runs that case alone. */
int main(int argc, char **argv)
{
    if (argc > 1)
        setenv("CK_RUN_CASE", argv[1], 1);
    return cf_test_run(compare_suite());
}
