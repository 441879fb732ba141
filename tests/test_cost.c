/*
 * test_cost.c - line items to the cent against the real us-east-1 rates
 * (shared/docs/aws-price-list.md sections 7-9), each expected value computed here from the
 * rates and the billing formula, and every hard limit on both sides.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/cost.h"
#include "computefit/platform.h"
#include "testutil.h"

/* us-east-1 rates. */
#define REQ         0.0000002
#define X86_T1      0.0000166667
#define X86_T2      0.000015
#define X86_T3      0.0000133334
#define ARM_T1      0.0000133334
#define ARM_T2      0.0000120001
#define ARM_T3      0.0000106667
#define LAMBDA_EPH  0.0000000309
#define FG_X86_VCPU 0.04048
#define FG_X86_GB   0.004445
#define FG_ARM_VCPU 0.03238
#define FG_ARM_GB   0.00356
#define FG_EPH      0.000111
#define G4DN_XL     0.526
#define G5_XL       1.006
#define G5_12XL     5.672
#define P4D_24XL    21.957642
/* CPU instances, us-east-1 Linux on demand (tests/fixtures/quinnypig-processed__ec2.json,
 * 2025-06-13); vCPUs and GiB from the Spot Advisor feed's instance_types. */
#define C7A_MEDIUM 0.05132 /* 1 vCPU, 2 GiB */
#define C6G_MEDIUM 0.034   /* 1 vCPU, 2 GiB, Graviton */
#define M7I_LARGE  0.1008  /* 2 vCPU, 8 GiB */
#define R6A_8XL    1.8144  /* 32 vCPU, 256 GiB */
#define R6G_8XL    1.6128  /* 32 vCPU, 256 GiB, Graviton */
#define C6A_16XL   2.448   /* 64 vCPU, 128 GiB */
#define HOURS      730.0   /* model: hours per month */

/* To the cent, as the issue asks of line items. */
#define CENT 0.005

static struct model *model;
static struct rates *rates;
static struct arena arena; /* the options' arrays: freed in teardown */

/* Prices `w` on platform `p` (platforms[]), as the advice core does. */
static void price(enum model_platform p, const struct workload *w, const struct region_rates *rr,
                  struct cost_option *o)
{
    struct cost_ctx c = {w, rr, model, &arena};
    cost_price(&c, &platforms[p], o);
    ck_assert_msg(!arena_failed(&arena), "out of memory");
}

static void cost_lambda(const struct workload *w, const struct region_rates *rr,
                        const struct model *m, struct cost_option *o)
{
    (void)m;
    price(MODEL_LAMBDA, w, rr, o);
}

static void cost_fargate(const struct workload *w, const struct region_rates *rr,
                         const struct model *m, struct cost_option *o)
{
    (void)m;
    price(MODEL_FARGATE, w, rr, o);
}

static void cost_ecs_ec2(const struct workload *w, const struct region_rates *rr,
                         const struct model *m, struct cost_option *o)
{
    (void)m;
    price(MODEL_ECS_EC2, w, rr, o);
}

static void cost_lambda_managed(const struct workload *w, const struct region_rates *rr,
                                struct cost_option *o)
{
    price(MODEL_LAMBDA_MANAGED, w, rr, o);
}

static void cost_ecs_managed(const struct workload *w, const struct region_rates *rr,
                             struct cost_option *o)
{
    price(MODEL_ECS_MANAGED, w, rr, o);
}

static void cost_all(const struct workload *w, const struct region_rates *rr, const struct model *m,
                     struct cost_option o[MODEL_PLATFORM_COUNT])
{
    (void)m;
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++)
        price((enum model_platform)p, w, rr, &o[p]);
}

/* The variant's setting `key` ("memory_mb", "free_tier.requests") as its "config" shows it
 * (platform.h), borrowed; fails the test when there is none. `w` is the workload it was priced
 * for. */
static struct param setting_param(const struct cost_option *o, const struct cost_variant *v,
                                  const struct workload *w, const char *key)
{
    struct param p[PLATFORM_PARAMS_MAX];
    size_t n = o->platform->config(o, v, w, model, p);
    ck_assert_uint_le(n, PLATFORM_PARAMS_MAX);
    const char *outer = NULL;
    char path[128];
    for (size_t i = 0; i < n; i++) {
        if (p[i].kind == PARAM_END) {
            outer = NULL;
            continue;
        }
        snprintf(path, sizeof(path), "%s%s%s", outer ? outer : "", outer ? "." : "", p[i].key);
        if (p[i].kind == PARAM_BEGIN)
            outer = p[i].key;
        else if (!strcmp(path, key))
            return p[i];
    }
    ck_abort_msg("%s has no setting %s", o->platform->key, key);
    return p[0];
}

/* A numeric setting; NAN for null. */
static double setting_of(const struct cost_option *o, const struct cost_variant *v,
                         const struct workload *w, const char *key)
{
    struct param p = setting_param(o, v, w, key);
    return p.kind == PARAM_NUM || p.kind == PARAM_INT ? p.num : (double)NAN;
}

#define SETTING(o, v, key) setting_of((o), (v), &w, (key))

/* The text of the first block, for failure messages. */
static const char *first_block(const struct cost_option *o)
{
    static _Thread_local char text[512];
    if (!o->n_blocks)
        return "";
    msg_format(&o->blocks[0].detail, text, sizeof(text));
    return text;
}

static void load_model(void)
{
    model = cf_test_model();
}

static void set_gpu(struct ec2_instance *g, const char *type, double usd, double vcpu,
                    double mem_gib, int gpus, const char *gpu_model, double gpu_mem_gib)
{
    snprintf(g->type, sizeof(g->type), "%s", type);
    g->usd_per_hour = usd;
    g->vcpu = vcpu;
    g->memory_gib = mem_gib;
    g->gpus = gpus;
    snprintf(g->gpu_model, sizeof(g->gpu_model), "%s", gpu_model);
    g->gpu_memory_gib = gpu_mem_gib;
}

/* The real us-east-1 table, and "xx-nogpu-1": the same rates without EC2. */
static void build_rates(void)
{
    rates = rates_new(2);
    ck_assert_ptr_nonnull(rates);
    for (int i = 0; i < 2; i++) {
        struct region_rates *rr = &rates->regions[i];
        snprintf(rr->code, sizeof(rr->code), "%s", i ? "xx-nogpu-1" : "us-east-1");
        for (int o = 0; o < CF_OFFER_COUNT; o++) { /* compute only: the bill has its own test */
            rr->has[o] = cf_offer_required((enum cf_offer)o);
            rr->info[o].source = CF_SOURCE_SNAPSHOT;
        }
        struct lambda_rates *x = &rr->lambda[CF_ARCH_X86_64], *a = &rr->lambda[CF_ARCH_ARM64];
        x->request_usd = a->request_usd = REQ;
        x->n_tiers = a->n_tiers = 3;
        x->gb_s_tiers[0] = (struct rate_tier){6e9, X86_T1};
        x->gb_s_tiers[1] = (struct rate_tier){15e9, X86_T2};
        x->gb_s_tiers[2] = (struct rate_tier){(double)INFINITY, X86_T3};
        a->gb_s_tiers[0] = (struct rate_tier){7.5e9, ARM_T1};
        a->gb_s_tiers[1] = (struct rate_tier){18.75e9, ARM_T2};
        a->gb_s_tiers[2] = (struct rate_tier){(double)INFINITY, ARM_T3};
        x->ephemeral_gb_s_usd = a->ephemeral_gb_s_usd = LAMBDA_EPH;
        rr->fargate[CF_ARCH_X86_64] = (struct fargate_rates){FG_X86_VCPU, FG_X86_GB};
        rr->fargate[CF_ARCH_ARM64] = (struct fargate_rates){FG_ARM_VCPU, FG_ARM_GB};
        rr->fargate_ephemeral_gb_hour_usd = FG_EPH;
        rr->instances = calloc(10, sizeof(*rr->instances));
        ck_assert_ptr_nonnull(rr->instances);
        if (i) {
            /* No EC2 rates. (An empty but allocated list: rates_finish() passes `gpus` to
             * qsort(), which must not get NULL even for zero elements.) */
            rr->has[CF_OFFER_EC2] = false;
            continue;
        }
        rr->n_instances = 10;
        set_gpu(&rr->instances[0], "p4d.24xlarge", P4D_24XL, 96, 1152, 8, "A100", 320);
        set_gpu(&rr->instances[1], "g5.xlarge", G5_XL, 4, 16, 1, "A10G", 24);
        set_gpu(&rr->instances[2], "g5.12xlarge", G5_12XL, 48, 192, 4, "A10G", 96);
        set_gpu(&rr->instances[3], "g4dn.xlarge", G4DN_XL, 4, 16, 1, "T4", 16);
        set_gpu(&rr->instances[4], "c7a.medium", C7A_MEDIUM, 1, 2, 0, "", 0);
        set_gpu(&rr->instances[5], "c6g.medium", C6G_MEDIUM, 1, 2, 0, "", 0);
        set_gpu(&rr->instances[6], "m7i.large", M7I_LARGE, 2, 8, 0, "", 0);
        set_gpu(&rr->instances[7], "r6a.8xlarge", R6A_8XL, 32, 256, 0, "", 0);
        set_gpu(&rr->instances[8], "r6g.8xlarge", R6G_8XL, 32, 256, 0, "", 0);
        set_gpu(&rr->instances[9], "c6a.16xlarge", C6A_16XL, 64, 128, 0, "", 0);
        rr->instances[5].arch = rr->instances[8].arch = CF_ARCH_ARM64;
        /* EC2 Spot Instance Advisor, us-east-1 Linux (tests/fixtures/spotinfo__spot-advisor-
         * data.json, 2025-06-28): its five bands, and four types' saving and band. p4d.24xlarge
         * is left without advice on purpose. */
        static const struct ec2_spot_range bands[] = {
            {"<5%", 5}, {"5-10%", 11}, {"10-15%", 16}, {"15-20%", 22}, {">20%", 100}};
        memcpy(rr->ec2_spot_ranges, bands, sizeof(bands));
        rr->n_ec2_spot_ranges = 5;
        static const struct ec2_spot_advice advice[] = {{"g4dn.xlarge", 64, 3},
                                                        {"g5.12xlarge", 58, 4},
                                                        {"m7i.large", 68, 3},
                                                        {"r6a.8xlarge", 73, 4}};
        rr->ec2_spot = malloc(sizeof(advice));
        ck_assert_ptr_nonnull(rr->ec2_spot);
        memcpy(rr->ec2_spot, advice, sizeof(advice));
        rr->n_ec2_spot = 4;
    }
    rates->n_regions = 2;
    rates_finish(rates);
}

static void setup(void)
{
    load_model();
    build_rates();
    arena_init(&arena, 0);
}

static void teardown(void)
{
    arena_free(&arena);
    model_free(model);
    rates_unref(rates);
}

static struct workload wl(const char *text)
{
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_msg(req != NULL, "bad test JSON: %s", text);
    struct workload w;
    struct cf_error err = {0};
    ck_assert_msg(workload_parse(req, model, NULL, &w, &err) == 0, "%s: %s", err.field,
                  err.message);
    json_decref(req);
    return w;
}

static const struct region_rates *region(const struct workload *w)
{
    const struct region_rates *rr = rates_region(rates, w->settings.region);
    ck_assert_ptr_nonnull(rr);
    return rr;
}

static const struct cost_line *line(const struct cost_variant *v, const char *item)
{
    for (size_t i = 0; i < v->n_lines; i++)
        if (!strcmp(v->lines[i].item, item))
            return &v->lines[i];
    return NULL;
}

static void expect_line(const struct cost_variant *v, const char *item, double quantity,
                        double unit_usd, double usd)
{
    const struct cost_line *l = line(v, item);
    ck_assert_msg(l != NULL, "no line item %s in %s", item, v->name);
    ck_assert_double_eq_tol(l->quantity, quantity, 1e-9 * fmax(1, fabs(quantity)));
    ck_assert_double_eq_tol(l->unit_usd, unit_usd, 1e-15);
    ck_assert_double_eq_tol(l->usd, usd, CENT);
}

static const struct cost_variant *variant(const struct cost_option *o, const char *name,
                                          enum cf_arch arch)
{
    for (size_t i = 0; i < o->n_variants; i++)
        if (!strcmp(o->variants[i].name, name) && o->variants[i].arch == arch)
            return &o->variants[i];
    ck_abort_msg("no variant %s", name);
    return NULL;
}

static bool blocked_by(const struct cost_option *o, const char *limit)
{
    for (size_t i = 0; i < o->n_blocks; i++)
        if (!strcmp(o->blocks[i].limit, limit))
            return true;
    return false;
}

/* ---- Lambda ---- */

/* The seed's invoice scenario: 10,000 a month x 5 s x 2 GB. */
START_TEST(lambda_invoice)
{
    struct workload w = wl("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(o.feasible);
    const struct cost_variant *v = cost_chosen(&o);
    /* 10,000 x 5 s x 2 GB = 100,000 GB-s, all in tier 1. */
    double gb_s = 10000 * 5.0 * 2;
    expect_line(v, "requests", 10000, REQ, 10000 * REQ);            /* $0.002 */
    expect_line(v, "duration_tier_1", gb_s, X86_T1, gb_s * X86_T1); /* $1.66667 */
    ck_assert_ptr_null(line(v, "duration_tier_2"));
    ck_assert_ptr_null(line(v, "ephemeral_storage"));
    /* INIT is billed like invocation time since 1 August 2025 (AWS Compute Blog, "AWS Lambda
     * standardizes billing for INIT phase"). Cold starts: with Poisson arrivals at 10,000 a
     * month (2,628,000 s), an environment idle for the model's 300 s is gone, so a call is cold
     * with probability exp(-10000 x 300 / 2628000) = exp(-1.141553) = 0.319323: 3,193.2 cold
     * starts a month, each 1,000 ms of INIT (model default) at 2 GB = 6,386.5 GB-s, $0.10644. */
    double cold = 10000 * exp(-10000 * 300.0 / (HOURS * 3600));
    ck_assert_double_eq_tol(cold, 3193.2, 0.1);
    expect_line(v, "init_tier_1", cold * 2, X86_T1, cold * 2 * X86_T1);
    ck_assert_double_eq_tol(v->monthly_usd, 10000 * REQ + (gb_s + cold * 2) * X86_T1,
                            1e-9); /* $1.77511 */
    ck_assert_double_eq(SETTING(&o, v, "memory_mb"), 2048);
    ck_assert_double_eq(SETTING(&o, v, "billed_duration_ms"), 5000);
    ck_assert_double_eq_tol(SETTING(&o, v, "cold_starts"), cold, 1e-9);
    ck_assert_double_eq(SETTING(&o, v, "init_duration_ms"), 1000);
    ck_assert_double_eq(v->startup_s, 1); /* a cold call waits for its INIT */
}
END_TEST

/* INIT time as given: rounded up to the millisecond like invocations, none without cold starts
 * (init_duration 0), and none worth a line at a rate that keeps environments warm. */
START_TEST(lambda_init_billing)
{
    /* 250.4 ms of INIT bills 251 ms. 100 a day = 3,041.67 a month: exp(-3041.67 x 300 /
     * 2628000) = exp(-0.347222) = 0.70665 of calls are cold, 2,149.4; at 1 GB each bills 0.251
     * GB-s, 539.5 GB-s, $0.008992. */
    struct workload w = wl("{\"duration\": \"500ms\", \"memory\": \"1GB\", \"invocations\": "
                           "\"100/day\", \"init_duration\": \"250.4ms\"}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    double n = 100 * HOURS / 24;
    double cold = n * exp(-n * 300 / (HOURS * 3600));
    ck_assert_double_eq_tol(cold / n, 0.70665, 1e-5);
    expect_line(v, "init_tier_1", cold * 0.251, X86_T1, cold * 0.251 * X86_T1);
    ck_assert_double_eq_tol(v->startup_s, 0.251, 1e-12);
    /* The free tier covers INIT GB-seconds too: all of it here. */
    w = wl("{\"duration\": \"500ms\", \"memory\": \"1GB\", \"invocations\": \"100/day\", "
           "\"init_duration\": \"250.4ms\", \"include_free_tier\": true}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_ptr_null(line(cost_chosen(&o), "init_tier_1"));
    ck_assert_double_eq(cost_chosen(&o)->monthly_usd, 0);
    /* No INIT, no line and no wait. */
    w = wl("{\"duration\": \"500ms\", \"memory\": \"1GB\", \"invocations\": \"100/day\", "
           "\"init_duration\": 0}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_ptr_null(line(cost_chosen(&o), "init_tier_1"));
    ck_assert_double_eq(cost_chosen(&o)->startup_s, 0);
    /* 100 a second: exp(-100 x 300) underflows to 0: no cold starts in this model. */
    w = wl("{\"duration\": \"500ms\", \"memory\": \"1GB\", \"invocations\": \"100/s\"}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_ptr_null(line(cost_chosen(&o), "init_tier_1"));
    /* Beyond the INIT phase's 10 s limit: refused. */
    json_t *req = json_loads("{\"duration\": 1, \"memory\": 128, \"invocations\": 1, "
                             "\"init_duration\": \"11s\"}",
                             0, NULL);
    struct cf_error err = {0};
    ck_assert_int_eq(workload_parse(req, model, NULL, &w, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "init_duration");
    json_decref(req);
}
END_TEST

/* The worked examples on AWS's Lambda pricing page (us-east-1), to the cent. */
START_TEST(lambda_aws_published_examples)
{
    /* 512 MB, 3 million invocations a month of 1 s: 1.5M GB-s x $0.0000166667 = $25.00, plus
     * 3M requests x $0.20/M = $0.60: $25.60. */
    struct workload w = wl("{\"duration\": 1, \"memory\": 512, \"invocations\": 3000000}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 25.60, CENT);
    /* With the free tier: (1.5M - 400,000) GB-s x $0.0000166667 = $18.3334, which AWS's page
     * shows rounded up as $18.34, plus (3M - 1M) requests = $0.40: $18.74 on the page, $18.7334
     * unrounded (computefit does not round; JSON money is unrounded). */
    w = wl("{\"duration\": 1, \"memory\": 512, \"invocations\": 3000000, "
           "\"include_free_tier\": true}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 1.1e6 * X86_T1 + 2e6 * REQ, 1e-9);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 18.74, 0.01);
    /* Arm: 128 MB, 30M invocations of 120 ms: 450,000 GB-s x $0.0000133334 = $6.00, plus 30M
     * requests = $6.00: $12.00. */
    w = wl("{\"duration\": \"120ms\", \"memory\": 128, \"invocations\": 30000000, "
           "\"architecture\": \"arm64\"}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 12.00, CENT);
}
END_TEST

START_TEST(lambda_ms_rounding)
{
    /* 123.4567 ms is billed as 124 ms; 1 GB; a million invocations. */
    struct workload w =
        wl("{\"duration\": \"123.4567ms\", \"memory\": 1024, \"invocations\": 1000000}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_double_eq(SETTING(&o, v, "billed_duration_ms"), 124);
    double gb_s = 1e6 * 0.124 * 1;                                  /* 124,000 GB-s */
    expect_line(v, "duration_tier_1", gb_s, X86_T1, gb_s * X86_T1); /* $2.0667 */
    /* An exact millisecond is not rounded up: 250 ms stays 250. */
    w = wl("{\"duration\": \"250ms\", \"memory\": 1024, \"invocations\": 1000000}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "billed_duration_ms"), 250);
    /* 0.1 s through floating point is still 100 ms. */
    w = wl("{\"duration\": 0.1, \"memory\": 1024, \"invocations\": 1}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "billed_duration_ms"), 100);
    /* Memory below Lambda's minimum is configured (and billed) at 128 MB. */
    w = wl("{\"duration\": 1, \"memory\": 100, \"invocations\": 1000}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "memory_mb"), 128);
    expect_line(cost_chosen(&o), "duration_tier_1", 1000 * 1 * 0.125, X86_T1,
                1000 * 0.125 * X86_T1);
}
END_TEST

START_TEST(lambda_tiers_x86)
{
    /* 10 GB x 100 s x 10M = 1e10 GB-s: 6e9 in tier 1, 4e9 in tier 2. */
    struct workload w = wl("{\"duration\": 100, \"memory\": \"10GB\", \"invocations\": 10000000}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_msg(o.feasible, "%s", first_block(&o));
    const struct cost_variant *v = cost_chosen(&o);
    expect_line(v, "duration_tier_1", 6e9, X86_T1, 6e9 * X86_T1); /* $100,000.20 */
    expect_line(v, "duration_tier_2", 4e9, X86_T2, 4e9 * X86_T2); /* $60,000 */
    ck_assert_ptr_null(line(v, "duration_tier_3"));
    ck_assert_double_eq_tol(v->infrastructure_usd, 1e7 * REQ + 100000.2 + 60000, CENT);
    /* 2e10 GB-s crosses into tier 3: 6e9 + 9e9 + 5e9. */
    w = wl("{\"duration\": 200, \"memory\": \"10GB\", \"invocations\": 10000000}");
    cost_lambda(&w, region(&w), model, &o);
    v = cost_chosen(&o);
    expect_line(v, "duration_tier_1", 6e9, X86_T1, 100000.2);
    expect_line(v, "duration_tier_2", 9e9, X86_T2, 135000);
    expect_line(v, "duration_tier_3", 5e9, X86_T3, 5e9 * X86_T3); /* $66,667 */
    ck_assert_double_eq_tol(v->infrastructure_usd, 2 + 100000.2 + 135000 + 66667, CENT);
}
END_TEST

START_TEST(lambda_tiers_arm)
{
    /* arm64 tiers are 0-7.5e9 / 7.5e9-18.75e9 / beyond: 2e10 GB-s -> 7.5e9 + 11.25e9 + 1.25e9.
     * infracost's golden output has 7.5e9 ARM GB-s at $100,000.50. */
    struct workload w = wl("{\"duration\": 200, \"memory\": \"10GB\", \"invocations\": 10000000, "
                           "\"architecture\": \"arm64\"}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_int_eq(v->arch, CF_ARCH_ARM64);
    expect_line(v, "duration_tier_1", 7.5e9, ARM_T1, 100000.5);
    expect_line(v, "duration_tier_2", 11.25e9, ARM_T2, 11.25e9 * ARM_T2); /* $135,001.125 */
    expect_line(v, "duration_tier_3", 1.25e9, ARM_T3, 1.25e9 * ARM_T3);   /* $13,333.375 */
    ck_assert_double_eq_tol(v->infrastructure_usd, 2 + 100000.5 + 135001.125 + 13333.375, CENT);
    /* "any" prices both and picks the cheaper: arm64 here (no INIT, to keep to the rates). */
    w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, \"architecture\": "
           "\"any\", \"init_duration\": 0}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_uint_eq(o.n_variants, 2);
    ck_assert_int_eq(cost_chosen(&o)->arch, CF_ARCH_ARM64);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 10000 * REQ + 100000 * ARM_T1, 1e-9);
}
END_TEST

START_TEST(lambda_ephemeral)
{
    /* /tmp of 2 GB: 1.5 GB above the included 512 MB, for 5 s x 10,000 = 75,000 GB-s. */
    struct workload w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, "
                           "\"ephemeral_storage\": \"2GB\"}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    double q = (2048 - 512) / 1024.0 * 5 * 10000;
    expect_line(v, "ephemeral_storage", q, LAMBDA_EPH, q * LAMBDA_EPH); /* $0.0023175 */
    ck_assert_double_eq(SETTING(&o, v, "ephemeral_storage_mb"), 2048);
    /* Up to 512 MB is included: no line. */
    w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, "
           "\"ephemeral_storage\": 512}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_ptr_null(line(cost_chosen(&o), "ephemeral_storage"));
}
END_TEST

START_TEST(lambda_free_tier)
{
    /* 2M requests x 1 s x 1 GB = 2M GB-s; the free tier takes 1M requests, 400,000 GB-s. */
    struct workload w = wl("{\"duration\": 1, \"memory\": \"1GB\", \"invocations\": 2000000, "
                           "\"include_free_tier\": true}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    expect_line(v, "requests", 1e6, REQ, 0.2);
    expect_line(v, "duration_tier_1", 1.6e6, X86_T1, 1.6e6 * X86_T1); /* $26.67 */
    ck_assert_double_eq(SETTING(&o, v, "free_tier.requests"), 1e6);
    ck_assert_double_eq(SETTING(&o, v, "free_tier.gb_seconds"), 400000);
    /* Under the free tier the bill is zero, never negative. */
    w = wl("{\"duration\": 1, \"memory\": 512, \"invocations\": 100000, \"include_free_tier\": "
           "true}");
    cost_lambda(&w, region(&w), model, &o);
    v = cost_chosen(&o);
    ck_assert_double_eq(v->monthly_usd, 0);
    for (size_t i = 0; i < v->n_lines; i++)
        ck_assert(v->lines[i].quantity >= 0 && v->lines[i].usd >= 0);
}
END_TEST

START_TEST(lambda_vcpu_raises_memory)
{
    /* 2 vCPU on Lambda needs 2 x 1,769 = 3,538 MB, more than the task's 1 GB. */
    struct workload w =
        wl("{\"duration\": 1, \"memory\": \"1GB\", \"invocations\": 1000, \"vcpu\": 2}");
    struct cost_option o;
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "memory_mb"), 3538);
    /* 6 vCPU is Lambda's largest size, 10,240 MB. */
    w = wl("{\"duration\": 1, \"memory\": \"1GB\", \"invocations\": 1000, \"vcpu\": 6}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(o.feasible);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "memory_mb"), 10240);
    w = wl("{\"duration\": 1, \"memory\": \"1GB\", \"invocations\": 1000, \"vcpu\": 6.5}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "lambda.max_vcpu"));
}
END_TEST

START_TEST(lambda_limits)
{
    struct cost_option o;
    struct workload w = wl("{\"duration\": 900, \"memory\": 10240, \"invocations\": 1, "
                           "\"ephemeral_storage\": 10240}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_msg(o.feasible, "%s", first_block(&o));
    w = wl("{\"duration\": 900.001, \"memory\": 10240, \"invocations\": 1}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "lambda.max_duration_s"));
    ck_assert(!o.feasible);
    w = wl("{\"duration\": 1, \"memory\": 10241, \"invocations\": 1}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "lambda.max_memory_mb"));
    w = wl("{\"duration\": 1, \"memory\": 128, \"invocations\": 1, \"ephemeral_storage\": 10241}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "lambda.max_ephemeral_mb"));
    w = wl("{\"duration\": 1, \"memory\": 128, \"invocations\": 1, \"gpu\": true}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "gpu"));
    /* Concurrency = rate x duration: 10/s x 100 s = 1,000 exactly is allowed. 10/s is
     * 10 x 3600 x 730 = 26,280,000 a month. */
    w = wl("{\"duration\": 100, \"memory\": 128, \"invocations\": 26280000}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert_double_eq_tol(o.concurrency, 1000, 1e-9);
    ck_assert(o.feasible);
    /* Above the default 1,000 concurrent executions Lambda stays feasible: the quota is raised on
     * request (AWS Lambda quotas: "can be increased"); the advice warns instead (test_advise). */
    w = wl("{\"duration\": 100, \"memory\": 128, \"invocations\": 26300000}");
    cost_lambda(&w, region(&w), model, &o);
    ck_assert(!blocked_by(&o, "lambda.max_concurrency"));
    ck_assert(o.feasible);
}
END_TEST

/* ---- Fargate ---- */

/* Example 1 of AWS's Fargate pricing page (Linux/x86, us-east-1): 5 tasks of 1 vCPU / 2 GB for
 * 10 minutes a day for 30 days: vCPU 5 x 1 x $0.000011244/s x 600 s x 30 = $1.01, memory
 * 5 x 2 x $0.000001235/GB-s x 600 s x 30 = $0.22: $1.23. The page counts no start-up time. */
START_TEST(fargate_aws_published_example)
{
    struct workload w = wl("{\"duration\": 600, \"memory\": \"2GB\", \"invocations\": 150, "
                           "\"fargate\": {\"vcpu\": 1, \"memory\": \"2GB\", \"mode\": \"per_job\", "
                           "\"startup\": 0}}");
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    ck_assert(o.feasible);
    const struct cost_variant *v = cost_chosen(&o);
    double hours = 150 * 600 / 3600.0; /* 25 task-hours */
    expect_line(v, "vcpu_hours", hours * 1, FG_X86_VCPU, hours * FG_X86_VCPU);
    expect_line(v, "memory_gb_hours", hours * 2, FG_X86_GB, hours * 2 * FG_X86_GB);
    ck_assert_double_eq_tol(v->monthly_usd, 1.23, CENT);
}
END_TEST

START_TEST(fargate_minimum_minute)
{
    /* 5 s + 30 s start-up = 35 s, billed as the 60 s minimum; pinned 0.25 vCPU / 0.5 GB. */
    struct workload w = wl("{\"duration\": 5, \"memory\": 512, \"invocations\": 1000, "
                           "\"fargate\": {\"vcpu\": 0.25, \"memory\": 512, \"mode\": "
                           "\"per_job\"}}");
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_uint_eq(o.n_variants, 1);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_double_eq(SETTING(&o, v, "billed_seconds_per_task"), 60);
    double hours = 1000 * 60 / 3600.0; /* 16.67 task-hours */
    expect_line(v, "vcpu_hours", hours * 0.25, FG_X86_VCPU, hours * 0.25 * FG_X86_VCPU);
    expect_line(v, "memory_gb_hours", hours * 0.5, FG_X86_GB, hours * 0.5 * FG_X86_GB);
    ck_assert_double_eq_tol(v->monthly_usd, hours * (0.25 * FG_X86_VCPU + 0.5 * FG_X86_GB),
                            1e-12); /* $0.2057 */
    /* Past the minimum, per second rounded up: 100.2 s + 30 s = 130.2 -> 131 s. */
    w = wl("{\"duration\": 100.2, \"memory\": 512, \"invocations\": 1000, \"fargate\": "
           "{\"vcpu\": 0.25, \"memory\": 512, \"mode\": \"per_job\"}}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "billed_seconds_per_task"), 131);
    /* A start-up of 0 and a 30 s task: still the minute. */
    w = wl("{\"duration\": 30, \"memory\": 512, \"invocations\": 1, \"fargate\": {\"vcpu\": "
           "0.25, \"mode\": \"per_job\", \"startup\": 0}}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "billed_seconds_per_task"), 60);
}
END_TEST

/* The seed's always-on figures: "$90" for 0.25 vCPU and "$180" for 0.5 vCPU. Today's rates give
 * about a tenth of that. */
START_TEST(fargate_seed_shapes)
{
    struct workload w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, "
                           "\"fargate\": {\"vcpu\": 0.25, \"memory\": \"0.5GB\", \"mode\": "
                           "\"always_on\"}}");
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_double_eq(SETTING(&o, v, "tasks"), 1);
    /* 730 h x 0.25 vCPU x $0.04048 = $7.3876; 730 h x 0.5 GB x $0.004445 = $1.622425;
     * together 730 x $0.0123425 = $9.010025, about a tenth of the article's $90. */
    expect_line(v, "vcpu_hours", 182.5, FG_X86_VCPU, 7.3876);
    expect_line(v, "memory_gb_hours", 365, FG_X86_GB, 1.622425);
    ck_assert_double_eq_tol(v->monthly_usd, 9.010025, 1e-9);
    ck_assert(fabs(v->monthly_usd - 90) > 80);
    w = wl("{\"duration\": 30, \"memory\": \"1GB\", \"invocations\": \"500/day\", \"fargate\": "
           "{\"vcpu\": 0.5, \"memory\": \"1GB\", \"mode\": \"always_on\"}}");
    cost_fargate(&w, region(&w), model, &o);
    /* 730 x (0.5 x 0.04048 + 1 x 0.004445) = 730 x 0.024685 = $18.02005 */
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 18.02005, 1e-9);
}
END_TEST

static void expect_size(const char *text, double vcpu, double memory_gb)
{
    struct workload w = wl(text);
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_msg(o.feasible, "%s: %s", text, first_block(&o));
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_msg(SETTING(&o, v, "vcpu") == vcpu && SETTING(&o, v, "memory_gb") == memory_gb,
                  "%s: sized %g vCPU / %g GB, expected %g / %g", text, SETTING(&o, v, "vcpu"),
                  SETTING(&o, v, "memory_gb"), vcpu, memory_gb);
}

START_TEST(fargate_sizing)
{
    /* Without vcpu, the valid vCPU level nearest to Lambda's CPU share for the memory (Lambda:
     * one vCPU per 1,769 MB), at its smallest memory that holds the task (Amazon ECS task CPU
     * and memory table, model.json fargate.sizes):
     * 1 GB -> 1024/1769 = 0.579 vCPU: 0.5 (0.079 away) beats 1 (0.421) -> 0.5 vCPU / 1 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"1GB\", \"invocations\": 1}", 0.5, 1);
    /* 2 GB -> 1.158: 1 vCPU / 2 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 1}", 1, 2);
    /* 4 GB -> 2.315: 2 vCPU / 4 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"4GB\", \"invocations\": 1}", 2, 4);
    /* 512 MB -> 0.289: 0.25 vCPU / 0.5 GB. */
    expect_size("{\"duration\": 5, \"memory\": 512, \"invocations\": 1}", 0.25, 0.5);
    /* 3 GB -> 1.737: 2 vCPU (0.263 away; 1 vCPU is 0.737) at its least memory, 4 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"3GB\", \"invocations\": 1}", 2, 4);
    /* Explicit 0.25 vCPU with 3 GB: 0.25 stops at 2 GB -> 0.5 vCPU / 3 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"3GB\", \"vcpu\": 0.25, \"invocations\": 1}", 0.5,
                3);
    /* 0.25 vCPU, 1.5 GB: the next valid memory is 2 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"1.5GB\", \"vcpu\": 0.25, \"invocations\": 1}",
                0.25, 2);
    /* 1 vCPU with 9 GB: 1 vCPU stops at 8 GB -> 2 vCPU / 9 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"9GB\", \"vcpu\": 1, \"invocations\": 1}", 2, 9);
    /* 4.5 vCPU, 10 GB -> 8 vCPU, whose smallest memory is 16 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"10GB\", \"vcpu\": 4.5, \"invocations\": 1}", 8,
                16);
    /* 8 vCPU with 61 GB: 8 stops at 60 -> 16 vCPU, 8 GB steps from 32 -> 64 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"61GB\", \"vcpu\": 8, \"invocations\": 1}", 16, 64);
    /* 4 vCPU with 30.5 GB: 4 stops at 30 -> 8 vCPU, 4 GB steps from 16 -> 32 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"30.5GB\", \"vcpu\": 4, \"invocations\": 1}", 8,
                32);
    /* Beyond Lambda's memory the default vCPU stays at Lambda's largest (10240/1769 = 5.79):
     * 20 GB -> 4 vCPU (1.79 away; 8 is 2.21) / 20 GB; 40 GB is more than 4 vCPU's 30 GB, so
     * the nearest level that holds it: 8 vCPU / 40 GB. */
    expect_size("{\"duration\": 5, \"memory\": \"20GB\", \"invocations\": 1}", 4, 20);
    expect_size("{\"duration\": 5, \"memory\": \"40GB\", \"invocations\": 1}", 8, 40);
}
END_TEST

START_TEST(fargate_always_on_tasks)
{
    /* 100/s x 2 s = 200 invocations at once; at the model's 75% target utilisation that is
     * ceil(200 / 0.75) = ceil(266.7) = 267 tasks of 0.25 vCPU / 0.5 GB (512 MB task). */
    struct workload w = wl("{\"duration\": 2, \"memory\": 512, \"invocations\": \"100/s\", "
                           "\"fargate\": {\"mode\": \"always_on\"}}");
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_double_eq(SETTING(&o, v, "tasks"), 267);
    double per_task = HOURS * (0.25 * FG_X86_VCPU + 0.5 * FG_X86_GB); /* $9.010025 */
    ck_assert_double_eq_tol(v->monthly_usd, 267 * per_task, CENT);    /* $2,405.68 */
    /* Ten requests at a time per task: ceil(200 / (10 x 0.75)) = ceil(26.67) = 27 tasks. */
    w = wl("{\"duration\": 2, \"memory\": 512, \"invocations\": \"100/s\", "
           "\"concurrency_per_task\": 10, \"fargate\": {\"mode\": \"always_on\"}}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "tasks"), 27);
    /* Pinned task count wins. */
    w = wl("{\"duration\": 2, \"memory\": 512, \"invocations\": \"100/s\", \"fargate\": "
           "{\"tasks\": 3}}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_double_eq(SETTING(&o, cost_chosen(&o), "tasks"), 3);
}
END_TEST

START_TEST(fargate_both_modes_cheaper_used)
{
    /* 10,000 x 5 s, 2 GB: per-job 10,000 x 60 s of 1 vCPU / 2 GB vs one always-on task. */
    struct workload w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000}");
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_uint_eq(o.n_variants, 2);
    double hourly = 1 * FG_X86_VCPU + 2 * FG_X86_GB; /* $0.04937 */
    double per_job = 10000 * 60 / 3600.0 * hourly;   /* $8.23 */
    double always_on = HOURS * hourly;               /* $36.04 */
    ck_assert_double_eq_tol(cost_best(&o, COST_MODE_PER_JOB), per_job, 1e-9);
    ck_assert_double_eq_tol(cost_best(&o, COST_MODE_ALWAYS_ON), always_on, 1e-9);
    ck_assert_str_eq(cost_chosen(&o)->name, "per_job");
}
END_TEST

START_TEST(fargate_ephemeral_and_arm)
{
    /* 50 GB of scratch: 30 GB above the included 20, always-on all month. */
    struct workload w = wl("{\"duration\": 5, \"memory\": 512, \"invocations\": 1, "
                           "\"ephemeral_storage\": \"50GB\", \"fargate\": {\"mode\": "
                           "\"always_on\"}}");
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    expect_line(cost_chosen(&o), "ephemeral_gb_hours", HOURS * 30, FG_EPH,
                HOURS * 30 * FG_EPH); /* $2.43 */
    /* arm64 rates. */
    w = wl("{\"duration\": 5, \"memory\": 512, \"invocations\": 1, \"architecture\": \"arm64\", "
           "\"fargate\": {\"mode\": \"always_on\"}}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd,
                            HOURS * (0.25 * FG_ARM_VCPU + 0.5 * FG_ARM_GB), 1e-9); /* $7.21 */
}
END_TEST

START_TEST(fargate_spot)
{
    /* vcpu 0.5: the cheapest size with it holds 512 MB in 1 GB. */
    struct workload w = wl("{\"duration\": 5, \"memory\": 512, \"vcpu\": 0.5, \"invocations\": 1, "
                           "\"interruptible\": true, \"fargate\": {\"mode\": \"always_on\"}}");
    struct cost_option o;
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_uint_eq(o.n_variants, 2);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert(v->spot);
    ck_assert_str_eq(v->name, "always_on_spot");
    /* 70% off every rate (model: fargate.spot_discount), labelled an estimate. */
    expect_line(v, "vcpu_hours", HOURS * 0.5, FG_X86_VCPU * 0.3, HOURS * 0.5 * FG_X86_VCPU * 0.3);
    for (size_t i = 0; i < v->n_lines; i++) /* the rest of the bill is at published rates */
        ck_assert(v->lines[i].estimate == (v->lines[i].category == COST_CAT_COMPUTE));
    ck_assert(!variant(&o, "always_on", CF_ARCH_X86_64)->lines[0].estimate);

    /* Storage beyond the included 20 GB is not discounted on Spot: 50 GB -> 30 GB billed at
     * the on-demand $0.000111 per GB-hour, not an estimate. */
    w = wl("{\"duration\": 5, \"memory\": 512, \"vcpu\": 0.5, \"invocations\": 1, "
           "\"interruptible\": true, \"ephemeral_storage\": \"50GB\", \"fargate\": {\"mode\": "
           "\"always_on\"}}");
    cost_fargate(&w, region(&w), model, &o);
    v = variant(&o, "always_on_spot", CF_ARCH_X86_64);
    ck_assert_ptr_nonnull(v);
    expect_line(v, "ephemeral_gb_hours", HOURS * 30, FG_EPH, HOURS * 30 * FG_EPH);
    ck_assert(!line(v, "ephemeral_gb_hours")->estimate);
    ck_assert(line(v, "vcpu_hours")->estimate);
}
END_TEST

/* Fargate Spot rates from AWS's feed: the genuine eu-west-1 x86 pair of the ligoj feed (2019),
 * used here as us-east-1's x86 Spot rates; arm64 has none, so it falls back to the discount. */
#define SPOT_X86_VCPU 0.01379631
#define SPOT_X86_GB   0.00151494

START_TEST(fargate_spot_from_feed)
{
    struct workload w =
        wl("{\"duration\": 5, \"memory\": 512, \"vcpu\": 0.5, \"invocations\": 1, "
           "\"interruptible\": true, \"architecture\": \"any\", "
           "\"ephemeral_storage\": \"30GB\", \"fargate\": {\"mode\": \"always_on\"}}");
    struct region_rates rr = *region(&w); /* a copy: the shared table stays as it is */
    rr.has_fargate_spot[CF_ARCH_X86_64] = true;
    rr.fargate_spot[CF_ARCH_X86_64] = (struct fargate_rates){SPOT_X86_VCPU, SPOT_X86_GB};
    struct cost_option o;
    cost_fargate(&w, &rr, model, &o);

    /* x86: 0.5 vCPU and 1 GB all month at the feed's rates, not estimates:
     *   vCPU 730 h x 0.5 x 0.01379631 = $5.0357
     *   GB   730 h x 1   x 0.00151494 = $1.1059
     * and 10 GB of ephemeral storage above the included 20 GB at the on-demand 0.000111:
     *   730 h x 10 x 0.000111 = $0.8103 (Spot does not discount storage). */
    const struct cost_variant *v = variant(&o, "always_on_spot", CF_ARCH_X86_64);
    ck_assert_ptr_nonnull(v);
    ck_assert(v->spot);
    ck_assert_int_eq(v->spot_source, COST_SPOT_FEED);
    expect_line(v, "vcpu_hours", HOURS * 0.5, SPOT_X86_VCPU, HOURS * 0.5 * SPOT_X86_VCPU);
    expect_line(v, "memory_gb_hours", HOURS * 1, SPOT_X86_GB, HOURS * 1 * SPOT_X86_GB);
    expect_line(v, "ephemeral_gb_hours", HOURS * 10, FG_EPH, HOURS * 10 * FG_EPH);
    for (size_t i = 0; i < v->n_lines; i++)
        ck_assert_msg(!v->lines[i].estimate, "%s", v->lines[i].item);
    ck_assert_double_eq_tol(v->monthly_usd,
                            HOURS * (0.5 * SPOT_X86_VCPU + SPOT_X86_GB + 10 * FG_EPH), 1e-9);

    /* arm64 has no feed rates: 70% off the on-demand compute rates (model:
     * fargate.spot_discount), each such line an estimate; storage stays at its on-demand rate:
     *   vCPU 730 x 0.5 x 0.03238 x 0.3 = $3.5456; GB 730 x 1 x 0.00356 x 0.3 = $0.7796. */
    const struct cost_variant *a = variant(&o, "always_on_spot", CF_ARCH_ARM64);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->spot_source, COST_SPOT_DISCOUNT);
    expect_line(a, "vcpu_hours", HOURS * 0.5, FG_ARM_VCPU * 0.3, HOURS * 0.5 * FG_ARM_VCPU * 0.3);
    expect_line(a, "memory_gb_hours", HOURS, FG_ARM_GB * 0.3, HOURS * FG_ARM_GB * 0.3);
    expect_line(a, "ephemeral_gb_hours", HOURS * 10, FG_EPH, HOURS * 10 * FG_EPH);
    for (size_t i = 0; i < a->n_lines; i++)
        ck_assert(a->lines[i].estimate == (a->lines[i].category == COST_CAT_COMPUTE &&
                                           strcmp(a->lines[i].item, "ephemeral_gb_hours") != 0));

    /* On-demand variants are untouched by the Spot rates. */
    const struct cost_variant *od = variant(&o, "always_on", CF_ARCH_X86_64);
    ck_assert_int_eq(od->spot_source, COST_SPOT_NONE);
    expect_line(od, "vcpu_hours", HOURS * 0.5, FG_X86_VCPU, HOURS * 0.5 * FG_X86_VCPU);

    /* Without Spot rates the same x86 variant is the discount estimate:
     *   vCPU 730 x 0.5 x 0.04048 x 0.3 = $4.4326 (vs $5.0357 from the 2019 feed). */
    cost_fargate(&w, region(&w), model, &o);
    v = variant(&o, "always_on_spot", CF_ARCH_X86_64);
    ck_assert_int_eq(v->spot_source, COST_SPOT_DISCOUNT);
    expect_line(v, "vcpu_hours", HOURS * 0.5, FG_X86_VCPU * 0.3, HOURS * 0.5 * FG_X86_VCPU * 0.3);
    ck_assert(line(v, "vcpu_hours")->estimate);

    /* Not interruptible: no Spot variant, feed or not. */
    w.interruptible = false;
    cost_fargate(&w, &rr, model, &o);
    for (size_t i = 0; i < o.n_variants; i++)
        ck_assert(!o.variants[i].spot);
}
END_TEST

START_TEST(fargate_limits)
{
    struct cost_option o;
    struct workload w = wl("{\"duration\": 1, \"memory\": \"120GB\", \"vcpu\": 16, "
                           "\"invocations\": 1, \"ephemeral_storage\": \"200GB\"}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert_msg(o.feasible, "%s", first_block(&o));
    w = wl("{\"duration\": 1, \"memory\": 122881, \"invocations\": 1}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "fargate.sizes"));
    w = wl("{\"duration\": 1, \"memory\": 512, \"vcpu\": 16.5, \"invocations\": 1}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "fargate.sizes"));
    w = wl("{\"duration\": 1, \"memory\": 512, \"invocations\": 1, \"ephemeral_storage\": "
           "204801}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "fargate.max_ephemeral_gb"));
    w = wl("{\"duration\": 1, \"memory\": 512, \"invocations\": 1, \"gpu\": true}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "gpu"));
    /* No time limit: a 30-day task is fine on Fargate. */
    w = wl("{\"duration\": \"30d\", \"memory\": 512, \"invocations\": 1}");
    cost_fargate(&w, region(&w), model, &o);
    ck_assert(o.feasible);
}
END_TEST

/* ---- ECS on EC2 with a GPU ---- */

static const char *instance_for(const char *text)
{
    struct workload w = wl(text);
    struct cost_option o;
    cost_ecs_ec2(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    return o.feasible && v ? setting_param(&o, v, &w, "instance_type").str : "none";
}

START_TEST(ec2_instance_choice)
{
    /* 14 GB x 1.1 headroom = 15.4 GB: fits a T4 (16 GB). */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": 4096, \"invocations\": 1, "
                                  "\"gpu_memory\": 14}"),
                     "g4dn.xlarge");
    /* 15 GB x 1.1 = 16.5 GB: too big for a T4 -> A10G (24 GB). */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": 4096, \"invocations\": 1, "
                                  "\"gpu_memory\": 15}"),
                     "g5.xlarge");
    /* 40 GB x 1.1 = 44 GB: 4 x A10G (96 GB total). */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": 4096, \"invocations\": 1, "
                                  "\"gpu_memory\": 40}"),
                     "g5.12xlarge");
    /* 100 GB x 1.1 = 110 GB: 8 x A100 (320 GB). */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": 4096, \"invocations\": 1, "
                                  "\"gpu_memory\": 100}"),
                     "p4d.24xlarge");
    /* RAM decides too: 200 GB of memory only fits the p4d (1,152 GiB). */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": \"200GB\", \"invocations\": 1, "
                                  "\"gpu_memory\": 14}"),
                     "p4d.24xlarge");
    /* An explicit vCPU need: 8 vCPU rules out the 4-vCPU xlarges. */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": 4096, \"invocations\": 1, "
                                  "\"gpu_memory\": 14, \"vcpu\": 8}"),
                     "g5.12xlarge");
    /* 300 GB x 1.1 = 330 GB: nothing in the table. */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": 4096, \"invocations\": 1, "
                                  "\"gpu_memory\": 300}"),
                     "none");
}
END_TEST

START_TEST(ec2_per_job_vs_always_on)
{
    /* The seed's monthly 4-hour fine-tuning job, 20 GB GPU -> 22 GB with headroom. g5.xlarge
     * has the GPU (24 GB) but 16 GiB of memory, of which ECS tasks get 95% (AWS Batch: "reserve
     * a 5% memory buffer for the ECS container agent and other critical system processes";
     * Amazon ECS: an 8 GiB m4.large registers 7,985 MiB): 15.2 GiB < 16 GB. In this table the
     * next that fits is g5.12xlarge (4 x A10G, 192 GiB). */
    struct workload w = wl("{\"duration\": \"4h\", \"memory\": \"16GB\", \"invocations\": 1, "
                           "\"gpu_memory\": 20}");
    struct cost_option o;
    cost_ecs_ec2(&w, region(&w), model, &o);
    ck_assert(o.feasible);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_str_eq(v->name, "per_job");
    ck_assert_double_eq_tol(SETTING(&o, v, "usable_memory_gb"), 192 * 0.95, 1e-9);
    /* 4 h + 300 s boot = 14,700 s = 4.0833 h x $5.672 = $23.16 */
    ck_assert_double_eq(SETTING(&o, v, "billed_seconds_per_job"), 14400 + 300);
    expect_line(v, "instance_hours", 14700 / 3600.0, G5_12XL, 14700 / 3600.0 * G5_12XL);
    ck_assert_double_eq_tol(cost_best(&o, COST_MODE_ALWAYS_ON), HOURS * G5_12XL, 1e-9);
    /* 15 GB fits g5.xlarge's 15.2 usable GiB. */
    w = wl("{\"duration\": \"4h\", \"memory\": \"15GB\", \"invocations\": 1, \"gpu_memory\": 20}");
    cost_ecs_ec2(&w, region(&w), model, &o);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 14700 / 3600.0 * G5_XL, 1e-9);
    /* At 30 jobs an hour of 10 minutes (5 at once) always-on wins: at 75% utilisation
     * ceil(5 / 0.75) = 7 instances, 7 x 730 h = 5,110 h x $0.526 = $2,687.86. */
    w = wl("{\"duration\": \"10m\", \"memory\": 4096, \"invocations\": \"30/hour\", "
           "\"gpu_memory\": 14}");
    cost_ecs_ec2(&w, region(&w), model, &o);
    v = cost_chosen(&o);
    ck_assert_str_eq(v->name, "always_on");
    ck_assert_double_eq(SETTING(&o, v, "instances"), 7);
    ck_assert_double_eq_tol(v->monthly_usd, 7 * HOURS * G4DN_XL, 1e-9);
    /* per job: 30 x 730 x (600 + 300) s = 5,475 h x 0.526 = $2,879.85 */
    ck_assert_double_eq_tol(cost_best(&o, COST_MODE_PER_JOB), 30 * HOURS * 900 / 3600 * G4DN_XL,
                            1e-6);
}
END_TEST

/* ECS on EC2 for CPU tasks (issue 12). Instances hold a task when their vCPUs hold its vCPU
 * and their memory less the 5% the ECS agent and the OS keep holds its memory (AWS Batch,
 * "Reserve system memory"); tasks are packed onto as few instances as hold them. */
START_TEST(ec2_cpu_packing)
{
    /* 100/s x 200 ms = 20 requests at once; at the 75% utilisation target ceil(20 / 0.75) = 27
     * one-at-a-time tasks of 1 GB and 1024 / 1769 = 0.579 vCPU (what Lambda gives 1 GB). Per
     * x86 instance: c7a.medium (1 vCPU, 1.9 GiB usable) holds 1: 27 x $0.05132 = $1.386 an
     * hour; m7i.large (2 vCPU, 7.6 GiB) holds floor(2 / 0.579) = 3: 9 x $0.1008 = $0.907;
     * r6a.8xlarge (32, 243.2) holds 55: 1 x $1.8144; c6a.16xlarge holds 110: $2.448. So 9
     * m7i.large: 9 x 730 h x $0.1008 = $662.256 a month. */
    struct workload w =
        wl("{\"duration\": \"200ms\", \"memory\": \"1GB\", \"invocations\": \"100/s\"}");
    struct cost_option o;
    cost_ecs_ec2(&w, region(&w), model, &o);
    const struct cost_variant *v = variant(&o, "always_on", CF_ARCH_X86_64);
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "m7i.large");
    ck_assert_double_eq(SETTING(&o, v, "tasks"), 27);
    ck_assert_double_eq(SETTING(&o, v, "tasks_per_instance"), 3);
    ck_assert_double_eq(SETTING(&o, v, "instances"), 9);
    ck_assert_double_eq(SETTING(&o, v, "gpus"), 0);
    expect_line(v, "instance_hours", 9 * HOURS, M7I_LARGE, 9 * HOURS * M7I_LARGE);
    /* Graviton when the architecture allows it: c6g.medium holds 1 task, 27 x $0.034 = $0.918
     * an hour, more than 9 m7i.large ($0.907): the same type wins with "any". */
    w = wl("{\"duration\": \"200ms\", \"memory\": \"1GB\", \"invocations\": \"100/s\", "
           "\"architecture\": \"arm64\"}");
    cost_ecs_ec2(&w, region(&w), model, &o);
    v = variant(&o, "always_on", CF_ARCH_ARM64);
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "c6g.medium");
    expect_line(v, "instance_hours", 27 * HOURS, C6G_MEDIUM, 27 * HOURS * C6G_MEDIUM);
    /* An ECS task on EC2 reserves at least 128 CPU units, 0.125 vCPU (Amazon ECS task
     * definition parameters), not Lambda's 0.072 for 128 MB. 600/s x 2 s = 1,200 at once, 1,600
     * tasks at 75%. By vCPU: c7a.medium holds 8 (200 for $10.264 an hour), m7i.large 16 (100,
     * $10.08), r6a.8xlarge 256 (7, $12.70), c6a.16xlarge 512 (4, $9.792): c6a.16xlarge. */
    w = wl("{\"duration\": 2, \"memory\": 128, \"invocations\": \"600/s\"}");
    cost_ecs_ec2(&w, region(&w), model, &o);
    v = variant(&o, "always_on", CF_ARCH_X86_64);
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "c6a.16xlarge");
    ck_assert_double_eq(SETTING(&o, v, "tasks"), 1600);
    ck_assert_double_eq(SETTING(&o, v, "tasks_per_instance"), 512);
    ck_assert_double_eq(SETTING(&o, v, "instances"), 4);
    expect_line(v, "instance_hours", 4 * HOURS, C6A_16XL, 4 * HOURS * C6A_16XL);
}
END_TEST

START_TEST(ec2_cpu_jobs_beyond_fargate)
{
    /* 200 GB for an hour, 4 a day: past Fargate's 120 GB. Per job, the cheapest x86 type with
     * 200 / 0.95 = 210.5 GiB: r6a.8xlarge (256 GiB). 4 x 730 / 24 = 121.67 jobs x (3,600 s +
     * 300 s boot) = 131.81 h x $1.8144 = $239.15. */
    struct workload w =
        wl("{\"duration\": \"1h\", \"memory\": \"200GB\", \"invocations\": \"4/day\"}");
    struct cost_option o;
    cost_ecs_ec2(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    double hours = 4 * HOURS / 24 * 3900 / 3600;
    ck_assert_str_eq(v->name, "per_job");
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "r6a.8xlarge");
    expect_line(v, "instance_hours", hours, R6A_8XL, hours * R6A_8XL);
    /* Either architecture: the Graviton r6g.8xlarge at $1.6128. */
    w = wl("{\"duration\": \"1h\", \"memory\": \"200GB\", \"invocations\": \"4/day\", "
           "\"architecture\": \"any\"}");
    cost_ecs_ec2(&w, region(&w), model, &o);
    ck_assert_str_eq(instance_for("{\"duration\": \"1h\", \"memory\": \"200GB\", "
                                  "\"invocations\": \"4/day\", \"architecture\": \"any\"}"),
                     "r6g.8xlarge");
    /* 64 vCPU, past Fargate's 16: the compute-optimised c6a.16xlarge (64 vCPU), not r6a. */
    ck_assert_str_eq(instance_for("{\"duration\": \"1h\", \"memory\": \"8GB\", \"vcpu\": 64, "
                                  "\"invocations\": \"4/day\"}"),
                     "c6a.16xlarge");
    /* A GPU need rules CPU instances out, gpu: false rules GPU instances out. */
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": 1024, \"invocations\": 1, "
                                  "\"gpu\": true}"),
                     "g4dn.xlarge");
    ck_assert_str_eq(instance_for("{\"duration\": 60, \"memory\": \"300GB\", \"invocations\": 1, "
                                  "\"gpu\": false}"),
                     "none");
}
END_TEST

/* EC2 Spot (issue 12): at the Spot Instance Advisor's saving for the instance type. */
START_TEST(ec2_spot_from_the_advisor)
{
    /* The 200 GB hour-long job on r6a.8xlarge (test above: 131.81 h a month at $1.8144), on
     * Spot at the Advisor's 73%: 131.81 h x $1.8144 x 0.27 = $64.57, an estimate, band >20%. */
    struct workload w = wl("{\"duration\": \"1h\", \"memory\": \"200GB\", \"invocations\": "
                           "\"4/day\", \"interruptible\": true}");
    struct cost_option o;
    cost_ecs_ec2(&w, region(&w), model, &o);
    const struct cost_variant *v = cost_chosen(&o);
    double hours = 4 * HOURS / 24 * 3900 / 3600;
    ck_assert_str_eq(v->name, "per_job_spot");
    ck_assert_int_eq(v->spot_source, COST_SPOT_ADVISOR);
    expect_line(v, "instance_hours", hours, R6A_8XL * 0.27, hours * R6A_8XL * 0.27);
    ck_assert(line(v, "instance_hours")->estimate);
    ck_assert_str_eq(setting_param(&o, v, &w, "spot_source").str, "advisor");
    ck_assert_double_eq_tol(SETTING(&o, v, "spot_discount"), 0.73, 1e-12);
    ck_assert_str_eq(setting_param(&o, v, &w, "interruption_frequency").str, ">20%");
    /* An hour on a ">20%" type: at most 1 - exp(-1 h / 730 h) = 0.14% of jobs interrupted, no
     * warning (ecs_ec2.spot_max_interruption_probability 5%). */
    for (size_t i = 0; i < v->n_notes; i++)
        ck_assert_int_ne(v->notes[i].code, W_SPOT_INTERRUPTION);
    /* 40 hours on g5.12xlarge (44 GB of GPU memory with headroom), band >20% taken as 100% of
     * instances a month: 1 - exp(-40 / 730) = 5.33% of jobs interrupted, over 5%: a warning.
     * Its saving: 58%. */
    w = wl("{\"duration\": \"40h\", \"memory\": 4096, \"gpu_memory\": 40, \"invocations\": 1, "
           "\"interruptible\": true}");
    cost_ecs_ec2(&w, region(&w), model, &o);
    v = variant(&o, "per_job_spot", CF_ARCH_X86_64);
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "g5.12xlarge");
    double job_h = (40 * 3600 + 300) / 3600.0;
    expect_line(v, "instance_hours", job_h, G5_12XL * 0.42, job_h * G5_12XL * 0.42);
    bool warned = false;
    for (size_t i = 0; i < v->n_notes; i++)
        warned = warned || v->notes[i].code == W_SPOT_INTERRUPTION;
    ck_assert(warned);
    /* No advice for p4d.24xlarge: the model's discount (60%), an estimate as before. */
    w = wl("{\"duration\": \"1h\", \"memory\": 4096, \"gpu_memory\": 100, \"invocations\": 1, "
           "\"interruptible\": true}");
    cost_ecs_ec2(&w, region(&w), model, &o);
    v = variant(&o, "per_job_spot", CF_ARCH_X86_64);
    ck_assert_int_eq(v->spot_source, COST_SPOT_DISCOUNT);
    ck_assert_str_eq(setting_param(&o, v, &w, "spot_source").str, "discount_estimate");
    ck_assert_ptr_null(setting_param(&o, v, &w, "interruption_frequency").str);
}
END_TEST

START_TEST(ec2_no_rates)
{
    struct workload w = wl("{\"duration\": 60, \"memory\": 512, \"invocations\": 1, \"gpu\": "
                           "true, \"region\": \"xx-nogpu-1\"}");
    struct cost_option o;
    cost_ecs_ec2(&w, region(&w), model, &o);
    ck_assert(blocked_by(&o, "rates"));
    ck_assert_int_eq(o.chosen, -1);
}
END_TEST

/* ---- the managed-instance platforms ---- */

/* Whether the variant has a note of `code`. */
static bool has_note(const struct cost_variant *v, enum msg_code code)
{
    for (size_t i = 0; i < v->n_notes; i++)
        if (v->notes[i].code == code)
            return true;
    return false;
}

/* Prices the workload `text` (parsed into *w) on Lambda Managed Instances into *o, expects it
 * feasible and returns the chosen variant. */
static const struct cost_variant *lmi_chosen(const char *text, struct workload *w,
                                             struct cost_option *o)
{
    *w = wl(text);
    cost_lambda_managed(w, region(w), o);
    ck_assert_msg(o->feasible, "%s: %s", text, first_block(o));
    return cost_chosen(o);
}

/* Prices the workload `text` on Lambda Managed Instances and expects the limit `limit` to block
 * it (or, with `limit` NULL, nothing). */
static void lmi_expect(const char *text, const char *limit)
{
    struct workload w = wl(text);
    struct cost_option o;
    cost_lambda_managed(&w, region(&w), &o);
    if (limit)
        ck_assert_msg(blocked_by(&o, limit), "%s: not blocked by %s", text, limit);
    else
        ck_assert_msg(o.feasible, "%s: %s", text, first_block(&o));
}

/* Lambda Managed Instances (AWS Lambda pricing, "Lambda Managed Instances": the EC2 instance at
 * its on-demand rate, a management fee of 15% of that on-demand rate, and $0.20 per million
 * requests; no duration charge; three instances at least, one per Availability Zone: model
 * lambda_managed.*). A 1 GB task's environment is raised to the 2 GB, 1 vCPU minimum; with 5%
 * of an instance kept for the OS and the agent, c7a.medium (2 GiB) cannot hold it, m7i.large
 * (2 vCPU, 7.6 GiB usable) holds two. 1M calls of 100 ms are 0.038 at once, one environment,
 * but three instances run: 3 x 730 h = 2,190 h x $0.1008 = $220.752, the fee 2,190 h x
 * $0.01512 = $33.1128, the requests 1,000,000 x $0.0000002 = $0.20: $254.0648. */
START_TEST(lambda_managed_minimum_fleet)
{
    struct workload w;
    struct cost_option o;
    const struct cost_variant *v = lmi_chosen(
        "{\"duration\": \"100ms\", \"memory\": \"1GB\", \"invocations\": 1000000}", &w, &o);
    ck_assert_uint_eq(o.n_variants, 1); /* always on only: no per-job fleet, no Spot */
    ck_assert_str_eq(v->name, "always_on");
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "m7i.large");
    expect_line(v, "instance_hours", 3 * HOURS, M7I_LARGE, 3 * HOURS * M7I_LARGE);
    expect_line(v, "management_fee", 3 * HOURS, 0.15 * M7I_LARGE, 3 * HOURS * 0.15 * M7I_LARGE);
    expect_line(v, "requests", 1e6, REQ, 0.2);
    ck_assert_ptr_null(line(v, "duration_tier_1"));
    ck_assert(!line(v, "management_fee")->estimate); /* a published share */
    ck_assert(!line(v, "management_fee")->discountable);
    ck_assert_double_eq_tol(v->monthly_usd, 3 * HOURS * M7I_LARGE * 1.15 + 0.2, 1e-9);
    ck_assert_double_eq(SETTING(&o, v, "environment_memory_mb"), 2048);
    ck_assert_double_eq(SETTING(&o, v, "environment_vcpu"), 1);
    ck_assert_double_eq(SETTING(&o, v, "memory_gib_per_vcpu"), 2);
    ck_assert_double_eq(SETTING(&o, v, "environments"), 1);
    ck_assert_double_eq(SETTING(&o, v, "environments_per_instance"), 2);
    ck_assert_double_eq(SETTING(&o, v, "instances"), 3);
    ck_assert_double_eq(SETTING(&o, v, "min_instances"), 3);
    ck_assert_double_eq_tol(SETTING(&o, v, "management_fee_usd_per_hour"), 0.15 * M7I_LARGE, 1e-15);
    ck_assert(has_note(v, N_MIN_INSTANCES));
    ck_assert(has_note(v, N_MANAGEMENT_FEE));
    ck_assert_double_eq(v->startup_s, 0); /* environments are started ahead: no cold start */
    /* The same three instances hold six environments: the piece ends where a seventh is
     * needed, 6 x 75% = 4.5 at once, 4.5 x 2,628,000 s / 0.1 s = 118,260,000 a month. No
     * step claim: packing steps are irregular. */
    ck_assert_double_eq_tol(v->piece_end, 4.5 * HOURS * 3600 / 0.1, 1e-3);
    ck_assert_double_eq(v->step_rate, 0);
}
END_TEST

/* More environments than the floor: 10/s x 1 s = 10 at once, ceil(10 / 0.75) = 14
 * environments, seven m7i.large (two each): 7 x 730 h x $0.1008 x 1.15 = $592.3152 and
 * 26,280,000 requests, $5.256. r6a.8xlarge would hold 32, but three of them (the floor) cost
 * $6.26 an hour against $0.81. */
START_TEST(lambda_managed_packing)
{
    struct workload w;
    struct cost_option o;
    const struct cost_variant *v = lmi_chosen(
        "{\"duration\": \"1s\", \"memory\": \"1GB\", \"invocations\": \"10/second\"}", &w, &o);
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "m7i.large");
    ck_assert_double_eq(SETTING(&o, v, "environments"), 14);
    ck_assert_double_eq(SETTING(&o, v, "instances"), 7);
    ck_assert(!has_note(v, N_MIN_INSTANCES));
    ck_assert_double_eq_tol(v->monthly_usd, 7 * HOURS * M7I_LARGE * 1.15 + 10 * HOURS * 3600 * REQ,
                            1e-9);
    /* 14 environments serve up to 14 x 0.75 = 10.5 at once: 27,594,000 a month. */
    ck_assert_double_eq_tol(v->piece_end, 10.5 * HOURS * 3600, 1e-3);
    /* Multi-concurrency: environments of 4 calls at once, ceil(10 / 3) = 4, two instances'
     * worth, and three run: 3 x 730 x $0.1008 x 1.15. */
    v = lmi_chosen("{\"duration\": \"1s\", \"memory\": \"1GB\", \"invocations\": \"10/second\", "
                   "\"concurrency_per_task\": 4}",
                   &w, &o);
    ck_assert_double_eq(SETTING(&o, v, "environments"), 4);
    ck_assert_double_eq(SETTING(&o, v, "instances"), 3);
    ck_assert(has_note(v, N_MIN_INSTANCES));
    /* An environment serves 1,600 calls at once at most (PerExecutionEnvironmentMaxConcurrency):
     * 5,000 asked for is capped. */
    v = lmi_chosen("{\"duration\": \"1s\", \"memory\": \"1GB\", \"invocations\": \"10/second\", "
                   "\"concurrency_per_task\": 5000}",
                   &w, &o);
    ck_assert_double_eq(SETTING(&o, v, "environment_max_concurrency"), 1600);
    /* vCPUs asked for size the environment: 4 vCPU at 2 GB a vCPU at least = 8 GB, which
     * m7i.large (2 vCPU) cannot hold; a 30 GB task needs 30 / 8 = 3.75 vCPU at the most 8 GB a
     * vCPU. */
    v = lmi_chosen("{\"duration\": \"1s\", \"memory\": \"1GB\", \"invocations\": 100, \"vcpu\": 4}",
                   &w, &o);
    ck_assert_double_eq(SETTING(&o, v, "environment_memory_mb"), 8192);
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "r6a.8xlarge");
    v = lmi_chosen(
        "{\"duration\": \"1s\", \"memory\": \"30GB\", \"invocations\": 100, \"vcpu\": 1}", &w, &o);
    ck_assert_double_eq(SETTING(&o, v, "environment_vcpu"), 3.75);
    ck_assert_double_eq(SETTING(&o, v, "memory_gib_per_vcpu"), 8);
}
END_TEST

/* A GPU environment (AcceleratorConfig: container image functions on x86_64) takes one GPU
 * with the memory it needs: 12 GB x 1.1 headroom = 13.2 GB fits g4dn.xlarge's T4 (16 GB); the
 * environment is 4 GB with 4096 / 1769 = 2.32 vCPU, which g4dn.xlarge's 4 vCPU hold once:
 * three of them, 3 x 730 h x $0.526 x 1.15 = $1,324.7310, and 3,041.67 requests. */
START_TEST(lambda_managed_gpu)
{
    struct workload w;
    struct cost_option o;
    const struct cost_variant *v = lmi_chosen("{\"duration\": \"2s\", \"memory\": \"4GB\", "
                                              "\"gpu_memory\": \"12GB\", \"invocations\": "
                                              "\"100/day\"}",
                                              &w, &o);
    ck_assert(v->on_gpu);
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "g4dn.xlarge");
    ck_assert_double_eq_tol(SETTING(&o, v, "accelerator_memory_gb"), 13.2, 1e-9);
    ck_assert_double_eq_tol(v->monthly_usd, 3 * HOURS * G4DN_XL * 1.15 + 100 * HOURS / 24 * REQ,
                            1e-9);
    ck_assert(has_note(v, N_LAMBDA_MANAGED_GPU));
    /* 40 GB x 1.1 = 44 GB is more than any one A10G or T4: on one GPU only p4d.24xlarge's A100
     * (40 GB) would do, but 44 > 40, so nothing holds it (no sharding here). */
    lmi_expect("{\"duration\": 2, \"memory\": 4096, \"gpu_memory\": 40, \"invocations\": 1}",
               "lambda_managed.instances");
    /* 50 GB x 1.1 = 55 GB: more than the 48 GB AcceleratorMemorySize allows. */
    lmi_expect("{\"duration\": 2, \"memory\": 4096, \"gpu_memory\": 50, \"invocations\": 1}",
               "lambda_managed.max_accelerator_memory_gb");
    /* GPUs for x86_64 functions only. */
    lmi_expect("{\"duration\": 2, \"memory\": 4096, \"gpu_memory\": 12, \"invocations\": 1, "
               "\"architecture\": \"arm64\"}",
               "gpu");
}
END_TEST

/* The documented limits: 90 minutes asynchronously or through an event source mapping, 15
 * minutes synchronously (an HTTP trigger); 32 GB and 16 vCPU an environment; Lambda's /tmp. */
START_TEST(lambda_managed_limits)
{
    struct workload w;
    struct cost_option o;
    ck_assert(has_note(lmi_chosen("{\"duration\": \"1h\", \"memory\": \"1GB\", \"invocations\": "
                                  "10, \"trigger\": \"sqs\"}",
                                  &w, &o),
                       N_LAMBDA_MANAGED_ASYNC));
    static const struct {
        const char *text, *limit; /* NULL: feasible */
    } cases[] = {
        {"{\"duration\": 3600, \"memory\": 1024, \"invocations\": 10, \"trigger\": \"http\"}",
         "lambda_managed.max_sync_duration_s"},
        {"{\"duration\": 900, \"memory\": 1024, \"invocations\": 10, \"trigger\": \"http\"}", NULL},
        {"{\"duration\": 5400, \"memory\": 1024, \"invocations\": 10}", NULL},
        {"{\"duration\": 5401, \"memory\": 1024, \"invocations\": 10}",
         "lambda_managed.max_duration_s"},
        {"{\"duration\": 1, \"memory\": \"32GB\", \"invocations\": 10}", NULL},
        {"{\"duration\": 1, \"memory\": \"33GB\", \"invocations\": 10}",
         "lambda_managed.max_memory_mb"},
        {"{\"duration\": 1, \"memory\": 1024, \"vcpu\": 17, \"invocations\": 10}",
         "lambda_managed.max_vcpu"},
        {"{\"duration\": 1, \"memory\": 1024, \"invocations\": 10, \"ephemeral_storage\": "
         "\"11GB\"}",
         "lambda.max_ephemeral_mb"},
        /* No EC2 rates in the region: no instances to run on. */
        {"{\"duration\": 1, \"memory\": 1024, \"invocations\": 10, \"region\": \"xx-nogpu-1\"}",
         "rates"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        lmi_expect(cases[i].text, cases[i].limit);
}
END_TEST

/* ECS Managed Instances: the task placed as on ECS on EC2, and a management fee of the model's
 * 12% of the instance's on-demand rate (ecs_managed.management_fee_share, an estimate: AWS
 * prices it per type; its ECS pricing example, $0.037 an hour for a c6a.2xlarge of $0.306, is
 * 12.1%). The invoice task (2 GB, 1.16 vCPU) on one always-on m7i.large: 730 h x $0.1008 =
 * $73.584, the fee 730 h x $0.012096 = $8.83008. */
START_TEST(ecs_managed_fee)
{
    struct workload w = wl("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000}");
    struct cost_option o, ec2;
    cost_ecs_managed(&w, region(&w), &o);
    cost_ecs_ec2(&w, region(&w), model, &ec2);
    const struct cost_variant *v = cost_chosen(&o);
    ck_assert_str_eq(v->name, "always_on");
    ck_assert_str_eq(setting_param(&o, v, &w, "instance_type").str, "m7i.large");
    expect_line(v, "instance_hours", HOURS, M7I_LARGE, HOURS * M7I_LARGE);
    expect_line(v, "management_fee", HOURS, 0.12 * M7I_LARGE, HOURS * 0.12 * M7I_LARGE);
    ck_assert(line(v, "management_fee")->estimate);
    ck_assert(!line(v, "instance_hours")->estimate);
    ck_assert(has_note(v, W_MANAGEMENT_FEE_ESTIMATE));
    ck_assert_double_eq_tol(v->monthly_usd, cost_chosen(&ec2)->monthly_usd * 1.12, 1e-9);
    ck_assert_double_eq_tol(SETTING(&o, v, "management_fee_usd_per_hour"), 0.12 * M7I_LARGE, 1e-15);
    ck_assert_double_eq(SETTING(&ec2, cost_chosen(&ec2), "management_fee_usd_per_hour"), 0);
    ck_assert_ptr_null(line(cost_chosen(&ec2), "management_fee"));
    /* Per job too: 10,000 x (5 s + 300 s boot) = 847.22 h, fee included. */
    ck_assert_double_eq_tol(cost_best(&o, COST_MODE_PER_JOB),
                            10000 * 305 / 3600.0 * M7I_LARGE * 1.12, 1e-9);
    /* Spot: the Advisor's 68% off the instance (m7i.large, band 15-20%), not off the fee, which
     * stays on the on-demand rate and an estimate. */
    w = wl("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000, "
           "\"interruptible\": true}");
    cost_ecs_managed(&w, region(&w), &o);
    v = variant(&o, "always_on_spot", CF_ARCH_X86_64);
    ck_assert_int_eq(v->spot_source, COST_SPOT_ADVISOR);
    expect_line(v, "instance_hours", HOURS, M7I_LARGE * 0.32, HOURS * M7I_LARGE * 0.32);
    expect_line(v, "management_fee", HOURS, 0.12 * M7I_LARGE, HOURS * 0.12 * M7I_LARGE);
    ck_assert(line(v, "management_fee")->estimate);
    /* GPU instances too, per job: the seed's fine-tuning job on g5.12xlarge, 12% more. */
    w = wl("{\"duration\": \"4h\", \"memory\": \"16GB\", \"invocations\": 1, \"gpu_memory\": 20}");
    cost_ecs_managed(&w, region(&w), &o);
    ck_assert_double_eq_tol(cost_chosen(&o)->monthly_usd, 14700 / 3600.0 * G5_12XL * 1.12, 1e-9);
    /* No EC2 rates: blocked like ECS on EC2. */
    w = wl("{\"duration\": 60, \"memory\": 512, \"invocations\": 1, \"region\": \"xx-nogpu-1\"}");
    cost_ecs_managed(&w, region(&w), &o);
    ck_assert(blocked_by(&o, "rates"));
}
END_TEST

/* ---- operational effort ---- */

START_TEST(operations_priced)
{
    /* One engineer at $100/h: Lambda 1 h x 1.5, Fargate 6 h x 1.5 (model: ops). */
    struct workload w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, "
                           "\"team_engineers\": 1, \"engineer_hourly_usd\": 100, "
                           "\"init_duration\": 0}");
    struct cost_option all[MODEL_PLATFORM_COUNT];
    cost_all(&w, region(&w), model, all);
    const struct cost_variant *l = cost_chosen(&all[MODEL_LAMBDA]);
    expect_line(l, "operations", 1.5, 100, 150);
    ck_assert_double_eq_tol(l->monthly_usd, 10000 * REQ + 100000 * X86_T1 + 150, 1e-9);
    ck_assert_double_eq_tol(l->infrastructure_usd, 10000 * REQ + 100000 * X86_T1, 1e-9);
    expect_line(cost_chosen(&all[MODEL_FARGATE]), "operations", 9, 100, 900);
    /* A team of two: no multiplier. */
    w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, \"team_engineers\": 2, "
           "\"engineer_hourly_usd\": 100}");
    cost_all(&w, region(&w), model, all);
    expect_line(cost_chosen(&all[MODEL_FARGATE]), "operations", 6, 100, 600);
    expect_line(cost_chosen(&all[MODEL_ECS_EC2]), "operations", 12, 100, 1200);
    /* Less upkeep on the managed instances (model: ops.hours_per_month). */
    expect_line(cost_chosen(&all[MODEL_LAMBDA_MANAGED]), "operations", 3, 100, 300);
    expect_line(cost_chosen(&all[MODEL_ECS_MANAGED]), "operations", 8, 100, 800);
    /* Spot discounts rates, not effort. */
    w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, \"interruptible\": "
           "true, \"engineer_hourly_usd\": 100}");
    cost_all(&w, region(&w), model, all);
    const struct cost_variant *s = variant(&all[MODEL_FARGATE], "per_job_spot", CF_ARCH_X86_64);
    expect_line(s, "operations", 6, 100, 600);
    ck_assert(!line(s, "operations")->estimate);
    /* Not priced without an hourly rate. */
    w = wl("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, \"team_engineers\": 1}");
    cost_all(&w, region(&w), model, all);
    ck_assert_ptr_null(line(cost_chosen(&all[MODEL_LAMBDA]), "operations"));
    ck_assert_double_eq(all[MODEL_FARGATE].ops_hours, 9);
}
END_TEST

static Suite *cost_suite(void)
{
    Suite *s = suite_create("cost");
    TCase *tc = tcase_create("lambda");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lambda_invoice);
    tcase_add_test(tc, lambda_init_billing);
    tcase_add_test(tc, lambda_aws_published_examples);
    tcase_add_test(tc, lambda_ms_rounding);
    tcase_add_test(tc, lambda_tiers_x86);
    tcase_add_test(tc, lambda_tiers_arm);
    tcase_add_test(tc, lambda_ephemeral);
    tcase_add_test(tc, lambda_free_tier);
    tcase_add_test(tc, lambda_vcpu_raises_memory);
    tcase_add_test(tc, lambda_limits);
    suite_add_tcase(s, tc);
    tc = tcase_create("fargate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, fargate_aws_published_example);
    tcase_add_test(tc, fargate_minimum_minute);
    tcase_add_test(tc, fargate_seed_shapes);
    tcase_add_test(tc, fargate_sizing);
    tcase_add_test(tc, fargate_always_on_tasks);
    tcase_add_test(tc, fargate_both_modes_cheaper_used);
    tcase_add_test(tc, fargate_ephemeral_and_arm);
    tcase_add_test(tc, fargate_spot);
    tcase_add_test(tc, fargate_spot_from_feed);
    tcase_add_test(tc, fargate_limits);
    suite_add_tcase(s, tc);
    tc = tcase_create("ec2");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ec2_instance_choice);
    tcase_add_test(tc, ec2_per_job_vs_always_on);
    tcase_add_test(tc, ec2_no_rates);
    tcase_add_test(tc, operations_priced);
    tcase_add_test(tc, ec2_cpu_packing);
    tcase_add_test(tc, ec2_cpu_jobs_beyond_fargate);
    tcase_add_test(tc, ec2_spot_from_the_advisor);
    suite_add_tcase(s, tc);
    tc = tcase_create("managed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, lambda_managed_minimum_fleet);
    tcase_add_test(tc, lambda_managed_packing);
    tcase_add_test(tc, lambda_managed_gpu);
    tcase_add_test(tc, lambda_managed_limits);
    tcase_add_test(tc, ecs_managed_fee);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(cost_suite());
}
