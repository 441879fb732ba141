/*
 * test_advise.c - core_advise() and core_compare() end to end, without a server, their answers
 * rendered as the JSON clients receive (render_json): the seed article's scenarios, every rule
 * on both sides of its threshold, confidence, hybrid plans, bad input with the field named,
 * arbitrary JSON, allocation failures, break-even and the cost curve. Expected dollars are
 * computed here from the us-east-1 rates.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/render.h"
#include "testutil.h"

/* us-east-1 rates (shared/docs/aws-price-list.md sections 7-9). */
#define REQ         0.0000002
#define X86_T1      0.0000166667
#define FG_X86_VCPU 0.04048
#define FG_X86_GB   0.004445
#define G4DN_XL     0.526
#define G5_XL       1.006
#define G5_2XL      1.212 /* g5.2xlarge, us-east-1 (tests/fixtures/quinnypig-processed__ec2.json) */
#define HOURS       730.0
#define COLD(n)     ((n)*exp(-(n)*300 / (HOURS * 3600))) /* cold starts a month: see test_cost */

static struct model *model;
static struct rates *rates;

static void setup(void)
{
    static const struct cf_test_gpu gpus[] = {
        {"g4dn.xlarge", G4DN_XL, 4, 16, 1, "T4", 16},
        {"g5.xlarge", G5_XL, 4, 16, 1, "A10G", 24},
        {"g5.2xlarge", G5_2XL, 8, 32, 1, "A10G", 24},
        {"g5.12xlarge", 5.672, 48, 192, 4, "A10G", 96},
        {"p4d.24xlarge", 21.957642, 96, 1152, 8, "A100", 320},
    };
    model = cf_test_model();
    rates = cf_test_rates(gpus, sizeof(gpus) / sizeof(gpus[0]));
}

static void teardown(void)
{
    model_free(model);
    rates_unref(rates);
}

/* ---- helpers ---- */

/* Answers are rendered at 2025-06-20T00:00:00Z: a week after the oldest offer's publication. */
#define NOW 1750377600
static const struct render_opts opts = {NOW, 172800};

/* Makes the answer the JSON a client receives; takes `ans`. NULL when rendering ran out of
 * memory. */
static json_t *rendered(struct cf_answer *ans)
{
    size_t len = 0;
    char *text = render_json(ans, &opts, &len);
    cf_answer_free(ans);
    if (!text)
        return NULL;
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_msg(doc != NULL, "render_json wrote invalid JSON: %s", jerr.text);
    ck_assert_uint_eq(strlen(text), len);
    free(text);
    return doc;
}

/* core_advise() or core_compare() with the answer rendered; same return and error rules. */
static int answer_json(bool compare, const json_t *req, const struct rates *r,
                       const struct model *m, json_t **ret, struct cf_error *err)
{
    struct cf_answer *ans = NULL;
    int rc = compare ? core_compare(req, r, m, &ans, err) : core_advise(req, r, m, &ans, err);
    if (rc != 0)
        return rc;
    json_t *doc = rendered(ans);
    if (!doc)
        return CF_ENOMEM;
    *ret = doc;
    return 0;
}

static int advise_json(const json_t *req, const struct rates *r, const struct model *m,
                       json_t **ret, struct cf_error *err)
{
    return answer_json(false, req, r, m, ret, err);
}

static int compare_json(const json_t *req, const struct rates *r, const struct model *m,
                        json_t **ret, struct cf_error *err)
{
    return answer_json(true, req, r, m, ret, err);
}

static json_t *advise_ok(const char *text)
{
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_msg(req != NULL, "bad test JSON: %s", text);
    json_t *out = NULL;
    struct cf_error err = {0};
    int r = advise_json(req, rates, model, &out, &err);
    ck_assert_msg(r == 0, "%s: %d %s: %s", text, r, err.field, err.message);
    json_decref(req);
    return out;
}

static void advise_bad(const char *text, int code, const char *field)
{
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_msg(req != NULL, "bad test JSON: %s", text);
    json_t *out = (json_t *)0x1;
    struct cf_error err = {0};
    int r = advise_json(req, rates, model, &out, &err);
    ck_assert_msg(r == code, "%s: got %d (%s: %s), expected %d", text, r, err.field, err.message,
                  code);
    ck_assert_msg(!strcmp(err.field, field), "%s: field \"%s\", expected \"%s\" (%s)", text,
                  err.field, field, err.message);
    ck_assert_int_lt(cf_error_status(r), 500);
    ck_assert(strlen(err.message) > 15);
    ck_assert_ptr_eq(out, (json_t *)0x1);
    json_decref(req);
}

static json_t *get(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *tok = strtok(buf, "."); tok && j; tok = strtok(NULL, "."))
        j = json_object_get(j, tok);
    ck_assert_msg(j != NULL, "no %s", path);
    return j;
}

static double num(json_t *j, const char *path)
{
    json_t *v = get(j, path);
    ck_assert_msg(json_is_number(v), "%s is not a number", path);
    return json_number_value(v);
}

static const char *str(json_t *j, const char *path)
{
    json_t *v = get(j, path);
    ck_assert_msg(json_is_string(v), "%s is not a string", path);
    return json_string_value(v);
}

static const char *first_block_limit(json_t *a, const char *p)
{
    char path[64];
    snprintf(path, sizeof(path), "options.%s.blocked_by", p);
    json_t *b = json_array_get(get(a, path), 0);
    ck_assert_msg(b != NULL, "%s is not blocked", p);
    return json_string_value(json_object_get(b, "limit"));
}

static json_t *reason(json_t *advice, const char *rule)
{
    json_t *arr = get(advice, "reasons"), *r;
    size_t i;
    json_array_foreach(arr, i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "rule")), rule))
            return r;
    }
    ck_abort_msg("no reason %s", rule);
    return NULL;
}

/* Advises `text` and checks the verdict of `rule`. */
static void expect_verdict(const char *text, const char *rule, const char *verdict)
{
    json_t *a = advise_ok(text);
    json_t *r = reason(a, rule);
    const char *got = json_string_value(json_object_get(r, "verdict"));
    ck_assert_msg(!strcmp(got, verdict), "%s: %s is %s, expected %s (%s)", text, rule, got, verdict,
                  json_string_value(json_object_get(r, "detail")));
    json_decref(a);
}

/* ---- the seed article's scenarios ---- */

START_TEST(seed_invoice_processing)
{
    /* 10,000 invoices a month, 5 s each, 2 GB: Lambda ($1.70 in the article). */
    json_t *a = advise_ok("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                          "\"10000/month\", \"trigger\": \"s3\"}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(a, "recommendation.variant"), "x86_64");
    ck_assert_str_eq(str(a, "recommendation.confidence"), "high");
    /* 10,000 x $0.0000002 + 10,000 x 5 s x 2 GB x $0.0000166667 = $1.66867, and the INIT of
     * 3,193.2 cold starts x 1 s x 2 GB = $0.10644 (test_cost: lambda_invoice): $1.77511 */
    double lambda = 10000 * REQ + (10000 * 5.0 * 2 + COLD(10000.0) * 2) * X86_T1;
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), lambda, 1e-9);
    /* Fargate per job: 1 vCPU / 2 GB (nearest Lambda's 1.16 vCPU for 2 GB) for the 60 s
     * minimum, 10,000 times = $8.23 */
    double fargate = 10000 * 60 / 3600.0 * (1 * FG_X86_VCPU + 2 * FG_X86_GB);
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"), fargate, 1e-9);
    ck_assert_str_eq(str(a, "options.fargate.variant"), "per_job");
    ck_assert(json_is_true(get(a, "options.ecs_ec2.feasible")));
    ck_assert_ptr_nonnull(strstr(str(a, "recommendation.summary"), "Lambda"));
    /* The response carries the workload as understood, and the rates' provenance. */
    ck_assert_double_eq(num(a, "workload.duration_s"), 5);
    ck_assert_double_eq(num(a, "workload.memory_mb"), 2048);
    ck_assert_str_eq(str(a, "pricing.region"), "us-east-1");
    ck_assert_str_eq(str(a, "pricing.source"), "snapshot");
    ck_assert_str_eq(str(a, "pricing.as_of"), "2025-06-13"); /* the oldest offer */
    ck_assert_str_eq(str(a, "pricing.version"), "20250613");
    ck_assert_str_eq(str(a, "pricing.offers.lambda.published"), "2025-06-17");
    /* Rendered a week after the oldest offer (2025-06-13): 604,800 s, past the 2-day default. */
    ck_assert_double_eq(num(a, "pricing.age_s"), 604800);
    ck_assert(json_is_true(get(a, "pricing.stale")));
    /* Line items sum to the total. */
    json_t *items = get(a, "options.lambda.line_items"), *it;
    size_t i;
    double sum = 0;
    json_array_foreach(items, i, it)
    {
        ck_assert_ptr_nonnull(json_object_get(it, "item"));
        ck_assert_ptr_nonnull(json_object_get(it, "quantity"));
        ck_assert_ptr_nonnull(json_object_get(it, "unit"));
        ck_assert_ptr_nonnull(json_object_get(it, "unit_usd"));
        sum += json_number_value(json_object_get(it, "usd"));
    }
    ck_assert_double_eq_tol(sum, lambda, 1e-12);
    json_decref(a);
}
END_TEST

START_TEST(seed_document_processing)
{
    /* 500 documents a day, 30 s each, 1 GB: Lambda ($8.34 in the article). */
    json_t *a = advise_ok("{\"duration\": \"30s\", \"memory\": \"1GB\", \"invocations\": "
                          "\"500/day\"}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    double n = 500 * HOURS / 24; /* 15,208.33 a month */
    /* Invocations $7.6072, and the INIT of exp(-1.73611) = 17.6% of them, 2,680 cold starts
     * x 1 s x 1 GB: $0.0447; $7.652 */
    double lambda = n * REQ + (n * 30 * 1 + COLD(n) * 1) * X86_T1;
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), lambda, 1e-9);
    /* Fargate per job: 0.5 vCPU / 1 GB (nearest Lambda's 0.58 vCPU), 60 s each: $6.26. */
    double fargate = n * 60 / 3600 * (0.5 * FG_X86_VCPU + 1 * FG_X86_GB);
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"), fargate, 1e-9);
    /* Fargate is cheaper, by 7.652 / 6.257 = 1.22x, inside the model's 1.25x margin of error
     * (rules.close_cost_ratio); with upkeep unpriced, Lambda's one hour a month against
     * Fargate's six wins, at medium confidence (the lead is within the margin). */
    ck_assert_double_eq_tol(lambda / fargate, 1.2229, 1e-4);
    ck_assert_str_eq(str(reason(a, "cost"), "code"), "cost_simpler");
    ck_assert_str_eq(str(a, "recommendation.confidence"), "medium");
    ck_assert_ptr_nonnull(strstr(str(a, "recommendation.summary"), "within the model's margin"));
    json_decref(a);
    /* With upkeep priced (even at $1 an hour) the totals decide: Lambda $8.65, Fargate $12.26. */
    a = advise_ok("{\"duration\": \"30s\", \"memory\": \"1GB\", \"invocations\": \"500/day\", "
                  "\"engineer_hourly_usd\": 1}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(reason(a, "cost"), "code"), "cost_cheapest");
    json_decref(a);
    /* The same through the kind preset. */
    a = advise_ok("{\"kind\": \"document-processing\"}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), lambda, 1e-9);
    json_decref(a);
}
END_TEST

START_TEST(seed_fine_tuning)
{
    /* A monthly 4-hour GPU fine-tuning job: only ECS on EC2 and ECS Managed Instances can run it
     * (Lambda Managed Instances have GPUs, but a call runs for 90 minutes at most). ECS Managed
     * Instances cost the model's 12% more for less upkeep, within the 1.25x margin: they are
     * recommended, with the seed's "GPU -> EC2" (the same instances), and ECS on EC2 so close
     * lowers the confidence one level. */
    json_t *a = advise_ok("{\"duration\": \"4h\", \"memory\": \"16GB\", \"gpu_memory\": \"20GB\", "
                          "\"invocations\": \"1/month\"}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "ecs_managed");
    ck_assert_str_eq(str(a, "recommendation.variant"), "per_job");
    ck_assert_str_eq(str(a, "recommendation.basis"), "simpler");
    ck_assert_str_eq(str(a, "recommendation.confidence"), "medium");
    ck_assert_str_eq(str(reason(a, "seed_decision_tree"), "code"), "seed_agrees_managed");
    ck_assert_str_eq(first_block_limit(a, "lambda_managed"), "lambda_managed.max_duration_s");
    ck_assert_double_eq_tol(num(a, "options.ecs_managed.monthly_usd"),
                            14700 / 3600.0 * G5_2XL * 1.12, 1e-9);
    ck_assert(json_is_false(get(a, "options.lambda.feasible")));
    ck_assert(json_is_false(get(a, "options.fargate.feasible")));
    ck_assert(json_is_null(get(a, "options.lambda.monthly_usd")));
    /* Lambda hits the GPU, the 900 s and the 10,240 MB limits. */
    json_t *blocks = get(a, "options.lambda.blocked_by");
    ck_assert_uint_eq(json_array_size(blocks), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(blocks, 0), "limit")), "gpu");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(blocks, 1), "limit")),
                     "lambda.max_duration_s");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(blocks, 2), "limit")),
                     "lambda.max_memory_mb");
    /* 20 GB x 1.1 headroom = 22 GB: an A10G (24 GB). g5.xlarge has it but 16 GiB of memory, of
     * which tasks get 95% (AWS Batch: "reserve a 5% memory buffer for the ECS container agent
     * and other critical system processes"), 15.2 GiB, less than the 16 GB task: so g5.2xlarge
     * (32 GiB): (4 h + 300 s boot) x $1.212 = $4.95 */
    ck_assert_str_eq(str(a, "options.ecs_ec2.config.instance_type"), "g5.2xlarge");
    ck_assert_double_eq_tol(num(a, "options.ecs_ec2.monthly_usd"), 14700 / 3600.0 * G5_2XL, 1e-9);
    ck_assert_double_eq_tol(num(a, "options.ecs_ec2.config.usable_memory_gb"), 32 * 0.95, 1e-9);
    json_decref(a);
    /* The kind preset says the same, on the same instance. */
    a = advise_ok("{\"kind\": \"fine-tuning\"}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "ecs_managed");
    ck_assert_str_eq(str(a, "options.ecs_ec2.config.instance_type"), "g5.2xlarge");
    json_decref(a);
}
END_TEST

/* The article's Fargate figures, $90 and $180 a month for 0.25- and 0.5-vCPU tasks running all
 * month, pinned: today's rates give $9.01 and $18.02. */
START_TEST(seed_fargate_figures)
{
    json_t *a = advise_ok("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000, "
                          "\"fargate\": {\"vcpu\": 0.25, \"memory\": \"0.5GB\", \"mode\": "
                          "\"always_on\"}}");
    /* 730 h x (0.25 x $0.04048 + 0.5 x $0.004445) = 730 x $0.0123425 = $9.010025 */
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"), 9.010025, 1e-9);
    /* The article's $90 is ten times that, to within 20 cents. */
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd") * 10, 90, 0.2);
    ck_assert_str_eq(str(a, "options.fargate.config.mode"), "always_on");
    ck_assert(json_is_true(get(a, "options.fargate.config.pinned")));
    /* The pinned task is smaller than the workload: a warning says so. */
    ck_assert_int_ge(json_array_size(get(a, "warnings")), 1);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_array_get(get(a, "warnings"), 0)), "pinned Fargate"));
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    json_decref(a);
    a = advise_ok("{\"duration\": \"30s\", \"memory\": \"1GB\", \"invocations\": \"500/day\", "
                  "\"fargate.vcpu\": \"0.5\", \"fargate.memory\": \"1GB\", \"fargate.mode\": "
                  "\"always_on\"}");
    /* 730 h x (0.5 x $0.04048 + 1 x $0.004445) = 730 x $0.024685 = $18.02005 */
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"), 18.02005, 1e-9);
    json_decref(a);
}
END_TEST

/* ---- every rule on both sides ---- */

#define SMALL "\"memory\": 512, \"invocations\": 1000"

START_TEST(rule_duration)
{
    expect_verdict("{\"duration\": 599, " SMALL "}", "duration", "favours_lambda");
    expect_verdict("{\"duration\": 600, " SMALL "}", "duration", "risky_lambda");
    expect_verdict("{\"duration\": 900, " SMALL "}", "duration", "risky_lambda");
    expect_verdict("{\"duration\": 901, " SMALL "}", "duration", "blocks_lambda");
    /* Each outcome has a code of its own, the same whatever the figures. */
    const char *const codes[][2] = {
        {"599", "duration_short"}, {"600", "duration_risky"}, {"901", "duration_too_long"}};
    for (size_t i = 0; i < 3; i++) {
        char req[128];
        snprintf(req, sizeof(req), "{\"duration\": %s, " SMALL "}", codes[i][0]);
        json_t *a = advise_ok(req);
        ck_assert_str_eq(str(reason(a, "duration"), "code"), codes[i][1]);
        json_decref(a);
    }
}
END_TEST

START_TEST(rule_memory)
{
    expect_verdict("{\"duration\": 1, \"memory\": 3072, \"invocations\": 1}", "memory",
                   "favours_lambda");
    expect_verdict("{\"duration\": 1, \"memory\": 3073, \"invocations\": 1}", "memory",
                   "favours_fargate");
    expect_verdict("{\"duration\": 1, \"memory\": 10240, \"invocations\": 1}", "memory",
                   "favours_fargate");
    expect_verdict("{\"duration\": 1, \"memory\": 10241, \"invocations\": 1}", "memory",
                   "blocks_lambda");
    expect_verdict("{\"duration\": 1, \"memory\": 122880, \"invocations\": 1}", "memory",
                   "blocks_lambda");
    /* Beyond Fargate's 120 GB only an EC2 instance (the p4d's 1,152 GiB) holds it. */
    expect_verdict("{\"duration\": 1, \"memory\": 122881, \"invocations\": 1}", "memory",
                   "blocks_fargate");
}
END_TEST

START_TEST(rule_vcpu_and_storage)
{
    expect_verdict("{\"duration\": 1, " SMALL ", \"vcpu\": 6}", "vcpu", "neutral");
    expect_verdict("{\"duration\": 1, " SMALL ", \"vcpu\": 6.5}", "vcpu", "blocks_lambda");
    expect_verdict("{\"duration\": 1, " SMALL ", \"vcpu\": 16}", "vcpu", "blocks_lambda");
    expect_verdict("{\"duration\": 1, " SMALL ", \"vcpu\": 16.5}", "vcpu", "blocks_fargate");
    expect_verdict("{\"duration\": 1, " SMALL ", \"ephemeral_storage\": 10240}",
                   "ephemeral_storage", "neutral");
    expect_verdict("{\"duration\": 1, " SMALL ", \"ephemeral_storage\": 10241}",
                   "ephemeral_storage", "blocks_lambda");
    expect_verdict("{\"duration\": 1, " SMALL ", \"ephemeral_storage\": 204800}",
                   "ephemeral_storage", "blocks_lambda");
    expect_verdict("{\"duration\": 1, " SMALL ", \"ephemeral_storage\": 204801}",
                   "ephemeral_storage", "blocks_fargate");
}
END_TEST

START_TEST(rule_gpu)
{
    expect_verdict("{\"duration\": 60, " SMALL ", \"gpu\": true}", "gpu", "favours_ecs_ec2");
    expect_verdict("{\"duration\": 60, " SMALL ", \"gpu\": false}", "gpu", "neutral");
}
END_TEST

START_TEST(rule_rate)
{
    expect_verdict("{\"duration\": 1, \"memory\": 128, \"invocations\": \"100/s\"}", "rate",
                   "favours_fargate");
    expect_verdict("{\"duration\": 1, \"memory\": 128, \"invocations\": \"99/s\"}", "rate",
                   "neutral");
    expect_verdict("{\"duration\": 1, \"memory\": 128, \"invocations\": \"10/hour\"}", "rate",
                   "favours_lambda");
    expect_verdict("{\"duration\": 1, \"memory\": 128, \"invocations\": \"11/hour\"}", "rate",
                   "neutral");
}
END_TEST

START_TEST(rule_trigger)
{
    expect_verdict("{\"duration\": 1, " SMALL ", \"trigger\": \"s3\"}", "trigger",
                   "favours_lambda");
    expect_verdict("{\"duration\": 1, " SMALL ", \"trigger\": \"sqs\"}", "trigger",
                   "favours_lambda");
    expect_verdict("{\"duration\": 1, " SMALL ", \"trigger\": \"manual\"}", "trigger", "neutral");
    expect_verdict("{\"duration\": 1, " SMALL "}", "trigger", "neutral");
}
END_TEST

START_TEST(rule_team)
{
    expect_verdict("{\"duration\": 1, " SMALL ", \"team_engineers\": 1}", "team", "favours_lambda");
    expect_verdict("{\"duration\": 1, " SMALL ", \"team_engineers\": 2}", "team", "neutral");
    expect_verdict("{\"duration\": 1, " SMALL "}", "team", "neutral");
}
END_TEST

START_TEST(rule_cold_start)
{
    /* Idle window 300 s: 12 an hour is 1 invocation per window (warm enough), 11 is fewer. */
    expect_verdict("{\"duration\": 1, \"memory\": 128, \"invocations\": \"12/hour\", "
                   "\"latency_sensitive\": true}",
                   "cold_start", "neutral");
    expect_verdict("{\"duration\": 1, \"memory\": 128, \"invocations\": \"11/hour\", "
                   "\"latency_sensitive\": true}",
                   "cold_start", "favours_fargate");
    expect_verdict("{\"duration\": 1, \"memory\": 128, \"invocations\": \"11/hour\", "
                   "\"latency_sensitive\": false}",
                   "cold_start", "neutral");
}
END_TEST

START_TEST(rule_concurrency)
{
    /* 26,280,000 a month is 10/s; x 100 s = 1,000 at once: Lambda's default quota. */
    expect_verdict("{\"duration\": 100, \"memory\": 128, \"invocations\": 26280000}", "concurrency",
                   "neutral");
    /* Above it the quota is one to raise (AWS Lambda quotas: 1,000 concurrent executions per
     * Region by default, "can be increased"), not a wall: risky, and Lambda stays feasible. */
    expect_verdict("{\"duration\": 100, \"memory\": 128, \"invocations\": 26300000}", "concurrency",
                   "risky_lambda");
    /* The case: 600/s x 2 s = 1,200 at once, 1,576,800,000 a month. Lambda:
     * 1.5768e9 x 2 s x 0.125 GB = 3.942e8 GB-s x $0.0000166667 = $6,570.01, requests
     * 1.5768e9 x $0.0000002 = $315.36: $6,885.37. Fargate: ceil(1,200 / 0.75) = 1,600 always-on
     * tasks of 0.25 vCPU / 0.5 GB at 730 x $0.0123425 = $9.010025: $14,416.04. Lambda wins, with
     * warnings naming the quota and the scaling rate (1,000 new environments per 10 s: 20 s to
     * reach 1,200). */
    json_t *a =
        advise_ok("{\"duration\": \"2s\", \"memory\": \"128MB\", \"invocations\": \"600/s\"}");
    ck_assert(json_is_true(get(a, "options.lambda.feasible")));
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    double n = 600 * 3600 * HOURS;
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), n * REQ + n * 2 * 0.125 * X86_T1,
                            1e-6);
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), 6885.37, 0.01);
    ck_assert_double_eq(num(a, "options.fargate.config.tasks"), 1600);
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"), 1600 * 9.010025, 1e-6);
    json_t *warnings = get(a, "warnings"), *wv;
    size_t i;
    bool quota = false, scaling = false;
    json_array_foreach(warnings, i, wv)
    {
        const char *t = json_string_value(wv);
        quota = quota || (strstr(t, "1200 Lambda executions") && strstr(t, "quota of 1000"));
        scaling = scaling || (strstr(t, "reaching 1200") && strstr(t, "takes 20 s"));
    }
    ck_assert_msg(quota && scaling, "warnings name the quota and the scaling rate");
    json_decref(a);
}
END_TEST

/* ---- decision and confidence ---- */

START_TEST(seed_disagreement_lowers_confidence)
{
    /* 700 s at 128 MB, 10 a month: Lambda costs 10 x 700 x 0.125 GB-s = $0.0146, Fargate per
     * job 10 x 730 s of 0.25 vCPU / 0.5 GB = $0.025. The seed's tree says Fargate (10+ min),
     * and the duration is in Lambda's risky band: low confidence. */
    json_t *a = advise_ok("{\"duration\": 700, \"memory\": 128, \"invocations\": 10}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    /* Nearly every call is cold: 9.99 INITs of 1 s at 0.125 GB. */
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"),
                            10 * REQ + (10 * 700 + COLD(10.0)) * 0.125 * X86_T1, 1e-12);
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"),
                            10 * 730 / 3600.0 * (0.25 * FG_X86_VCPU + 0.5 * FG_X86_GB), 1e-12);
    ck_assert_str_eq(str(a, "recommendation.confidence"), "low");
    json_t *r = reason(a, "seed_decision_tree");
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "favours_fargate");
    ck_assert(json_is_false(get(r, "figures.agrees")));
    ck_assert_ptr_nonnull(strstr(str(a, "recommendation.summary"), "would pick Fargate"));
    json_decref(a);
}
END_TEST

START_TEST(close_costs_lower_confidence)
{
    /* 400,000 x 5 s x 2 GB: Lambda $66.75 against one always-on 2 vCPU / 4 GB task at $72.08,
     * within 1.25x: medium. */
    json_t *a = advise_ok("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 400000}");
    double lambda = 400000 * (REQ + 10 * X86_T1);
    double always_on = HOURS * (2 * FG_X86_VCPU + 4 * FG_X86_GB);
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), lambda, 1e-9);
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"), always_on, 1e-9);
    ck_assert_str_eq(str(a, "options.fargate.variant"), "always_on");
    ck_assert_str_eq(str(a, "recommendation.confidence"), "medium");
    ck_assert_double_eq_tol(num(reason(a, "cost"), "figures.fargate"), always_on, 1e-9);
    json_decref(a);
}
END_TEST

START_TEST(operations_change_the_decision)
{
    /* 2,000,000 x 5 s x 2 GB: Lambda 2e6 x $0.000166867 = $333.73; 3.81 at once need
     * ceil(3.81 / 0.75) = 6 always-on Fargate tasks of 1 vCPU / 2 GB at $36.04: $216.24. Fargate
     * wins by 1.54x against Lambda, against the seed's tree; the same 6 tasks (1.16 vCPU, 2 GB)
     * pack 3 to a c6a.xlarge (4 vCPU, 7.6 GiB usable) on ECS on EC2: 2 x 730 h x $0.153 =
     * $223.38, within 1.25x of Fargate. Two reasons to doubt: low confidence. */
    json_t *a = advise_ok("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 2000000}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "fargate");
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"),
                            6 * HOURS * (FG_X86_VCPU + 2 * FG_X86_GB), 1e-9);
    ck_assert_double_eq_tol(num(a, "options.ecs_ec2.monthly_usd"), 2 * HOURS * 0.153, 1e-9);
    ck_assert_str_eq(str(a, "options.ecs_ec2.config.instance_type"), "c6a.xlarge");
    ck_assert_str_eq(str(a, "recommendation.confidence"), "low");
    json_decref(a);
    /* 500,000 a month: Lambda $83.43, two always-on tasks (0.95 at once) $72.08. Fargate is
     * cheaper by 1.16x, inside the margin, and upkeep is not priced: Lambda is recommended. */
    a = advise_ok("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 500000}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(reason(a, "cost"), "code"), "cost_simpler");
    ck_assert_str_eq(str(a, "recommendation.confidence"), "medium");
    json_decref(a);
    /* With effort at $50/h (Lambda 1 h, Fargate 6 h) the totals decide: $133.43 beats $372.08. */
    a = advise_ok("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 500000, "
                  "\"engineer_hourly_usd\": 50, \"team_engineers\": 3}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    double lambda = 500000 * (REQ + 10 * X86_T1) + 1 * 50;
    double fargate = 2 * HOURS * (FG_X86_VCPU + 2 * FG_X86_GB) + 6 * 50;
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), lambda, 1e-9);
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"), fargate, 1e-9);
    ck_assert_double_eq_tol(num(a, "options.fargate.operations_usd"), 300, 1e-9);
    ck_assert_double_eq_tol(num(a, "options.fargate.infrastructure_usd"), fargate - 300, 1e-9);
    json_decref(a);
}
END_TEST

START_TEST(spot_is_an_estimate)
{
    /* Interruptible: two always-on Spot tasks at 30% of $72.08 = $21.62 beat Lambda's $83.43;
     * an estimate against the seed's tree: low. */
    json_t *a = advise_ok("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 500000, "
                          "\"interruptible\": true}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "fargate");
    ck_assert_str_eq(str(a, "recommendation.variant"), "always_on_spot");
    ck_assert(json_is_true(get(a, "options.fargate.estimate")));
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"),
                            0.3 * HOURS * (2 * FG_X86_VCPU + 4 * FG_X86_GB), 1e-9);
    ck_assert_str_eq(str(a, "recommendation.confidence"), "low");
    json_t *item = json_array_get(get(a, "options.fargate.line_items"), 0);
    ck_assert(json_is_true(json_object_get(item, "estimate")));
    json_decref(a);
}
END_TEST

START_TEST(architecture_any)
{
    json_t *a = advise_ok("{\"duration\": 5, \"memory\": \"2GB\", \"invocations\": 10000, "
                          "\"architecture\": \"any\", \"init_duration\": 0}");
    ck_assert_str_eq(str(a, "options.lambda.config.architecture"), "arm64");
    ck_assert_str_eq(str(a, "options.fargate.config.architecture"), "arm64");
    ck_assert_uint_eq(json_array_size(get(a, "options.lambda.variants")), 2);
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"),
                            10000 * REQ + 100000 * 0.0000133334, 1e-9);
    json_decref(a);
}
END_TEST

/* ---- hybrid plans ---- */

START_TEST(hybrid_plan)
{
    json_t *a = advise_ok(
        "{\"include_free_tier\": true, \"tasks\": ["
        "{\"name\": \"invoices\", \"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
        "10000},"
        "{\"name\": \"training\", \"duration\": \"4h\", \"memory\": \"16GB\", \"gpu_memory\": 20, "
        "\"invocations\": 1}]}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "hybrid");
    json_t *tasks = get(a, "plan.tasks");
    ck_assert_uint_eq(json_array_size(tasks), 2);
    ck_assert_str_eq(str(json_array_get(tasks, 0), "name"), "invoices");
    ck_assert_str_eq(str(json_array_get(tasks, 0), "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(json_array_get(tasks, 1), "recommendation.platform"), "ecs_managed");
    /* $1.77511 with INIT (see seed_invoice_processing), placed without the free tier */
    double init_gb_s = COLD(10000.0) * 2;
    double invoices = 10000 * REQ + (100000 + init_gb_s) * X86_T1;
    double training = 14700 / 3600.0 * G5_2XL * 1.12; /* $5.543 (see seed_fine_tuning) */
    ck_assert_double_eq_tol(num(a, "plan.infrastructure_usd"), invoices + training, 1e-9);
    /* The account's free tier (1M requests, 400,000 GB-s) covers all of the invoices. */
    ck_assert_double_eq_tol(num(a, "plan.free_tier.usd"), -invoices, 1e-9);
    ck_assert_double_eq_tol(num(a, "plan.free_tier.gb_seconds"), 100000 + init_gb_s, 1e-9);
    ck_assert_double_eq_tol(num(a, "plan.monthly_usd"), training, 1e-9);
    ck_assert_str_eq(json_string_value(json_array_get(get(a, "plan.platforms.lambda.tasks"), 0)),
                     "invoices");
    ck_assert_str_eq(str(a, "pricing.region"), "us-east-1");
    ck_assert_ptr_nonnull(strstr(str(a, "recommendation.summary"), "invoices on Lambda"));
    json_decref(a);
    /* Effort is counted once per platform: two Lambda tasks, one engineer at $100. */
    a = advise_ok("{\"engineer_hourly_usd\": 100, \"team_engineers\": 1, \"tasks\": ["
                  "{\"name\": \"a\", \"duration\": 1, \"memory\": 128, \"invocations\": 10},"
                  "{\"name\": \"b\", \"duration\": 1, \"memory\": 128, \"invocations\": 10}]}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_double_eq_tol(num(a, "plan.operations_usd"), 1 * 1.5 * 100, 1e-9);
    json_decref(a);
    /* 50 tasks with long non-ASCII names: the summary is cut, but never inside a character
     * (a cut sequence would make the summary invalid UTF-8, which JSON cannot carry). The
     * ASCII prefix on the first name shifts the cut across both bytes of the two-byte
     * characters. */
    for (int shift = 0; shift < 2; shift++) {
        json_t *req = json_object(), *arr = json_array();
        for (int i = 0; i < 50; i++) {
            char name[80] = "";
            if (shift && i == 0)
                strcat(name, "x");
            for (int k = 0; k < 30; k++)
                strcat(name, "\xc3\xa9"); /* e-acute, two bytes */
            snprintf(name + strlen(name), sizeof(name) - strlen(name), "%d", i);
            json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:i}", "name", name, "duration",
                                                 1, "memory", 128, "invocations", 1));
        }
        json_object_set_new(req, "tasks", arr);
        json_t *out = NULL;
        struct cf_error err = {0};
        ck_assert_msg(advise_json(req, rates, model, &out, &err) == 0, "shift %d: %s", shift,
                      err.message);
        ck_assert_ptr_nonnull(strstr(str(out, "recommendation.summary"), "\xc3\xa9"));
        json_decref(out);
        json_decref(req);
    }
}
END_TEST

/* ---- bad input (the list), through core_advise ---- */

#define OK3 "\"duration\": 30, \"memory\": 2048, \"invocations\": 10000"

START_TEST(bad_input)
{
    advise_bad("{\"duration\": true, \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    advise_bad("{\"duration\": 1, \"memory\": -1, \"invocations\": 1}", CF_EINVAL, "memory");
    advise_bad("{\"duration\": 1, \"memory\": 1, \"invocations\": 0}", CF_EINVAL, "invocations");
    advise_bad("{\"duration\": \"NaN\", \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    advise_bad("{\"duration\": 1, \"memory\": \"Infinity\", \"invocations\": 1}", CF_EINVAL,
               "memory");
    advise_bad("{\"duration\": \"5 parsecs\", \"memory\": 1, \"invocations\": 1}", CF_EINVAL,
               "duration");
    advise_bad("{" OK3 ", \"architecture\": \"sparc\"}", CF_EINVAL, "architecture");
    advise_bad("{" OK3 ", \"trigger\": \"fax\"}", CF_EINVAL, "trigger");
    advise_bad("{" OK3 ", \"durration\": 5}", CF_EUNKNOWN, "durration");
    advise_bad("{" OK3 ", \"invocations_per_day\": 5}", CF_EINVAL, "invocations_per_day");
    advise_bad("{\"duration\": 1, \"memory\": \"5TB\", \"invocations\": 1}", CF_EINVAL, "memory");
    advise_bad("{" OK3 ", \"region\": \"mars-north-1\"}", CF_EREGION, "region");
    advise_bad("{" OK3 ", \"fargate\": {\"vcpu\": \"a lot\"}}", CF_EINVAL, "fargate.vcpu");
    advise_bad("{\"duration\": 1, \"invocations\": 1}", CF_EMISSING, "memory");
    /* Nothing can run it: 1,000 GB of GPU memory is more than any instance in the table. */
    advise_bad("{\"duration\": 60, \"memory\": 1024, \"invocations\": 1, \"gpu_memory\": 1000}",
               CF_EINFEASIBLE, "");
    /* Plans. */
    advise_bad("{\"tasks\": []}", CF_EINVAL, "tasks");
    advise_bad("{\"tasks\": {}}", CF_EINVAL, "tasks");
    advise_bad("{\"tasks\": [5]}", CF_EINVAL, "tasks[0]");
    advise_bad("{\"tasks\": [{" OK3 "}]}", CF_EMISSING, "tasks[0].name");
    advise_bad("{\"tasks\": [{\"name\": \"a\", " OK3 "}, {\"name\": \"b\", \"duration\": \"5 "
               "parsecs\", \"memory\": 1, \"invocations\": 1}]}",
               CF_EINVAL, "tasks[1].duration");
    advise_bad("{\"tasks\": [{\"name\": \"a\", " OK3 "}, {\"name\": \"a\", " OK3 "}]}", CF_EINVAL,
               "tasks[1].name");
    advise_bad("{\"tasks\": [{\"name\": \"a\", " OK3 ", \"region\": \"us-east-1\"}]}", CF_EINVAL,
               "tasks[0].region");
    advise_bad("{\"duration\": 5, \"tasks\": [{\"name\": \"a\", " OK3 "}]}", CF_EINVAL, "duration");
    advise_bad("{\"regoin\": \"us-east-1\", \"tasks\": [{\"name\": \"a\", " OK3 "}]}", CF_EUNKNOWN,
               "regoin");
    advise_bad("{\"region\": \"eu-nowhere-1\", \"tasks\": [{\"name\": \"a\", " OK3 "}]}",
               CF_EREGION, "region");
    advise_bad("{\"tasks\": [{\"name\": \"a\", " OK3 ", \"fargate\": {\"vcpu\": 3}}]}", CF_EINVAL,
               "tasks[0].fargate.vcpu");
    /* More tasks than model.json allows (50). */
    json_t *many = json_object(), *arr = json_array();
    for (int i = 0; i < 51; i++) {
        char name[16];
        snprintf(name, sizeof(name), "t%d", i);
        json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:i}", "name", name, "duration", 1,
                                             "memory", 128, "invocations", 1));
    }
    json_object_set_new(many, "tasks", arr);
    struct cf_error err = {0};
    json_t *out = NULL;
    ck_assert_int_eq(advise_json(many, rates, model, &out, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "tasks");
    json_decref(many);
    /* Not an object; nothing loaded. */
    json_t *str_req = json_string("duration=5");
    ck_assert_int_eq(advise_json(str_req, rates, model, &out, NULL), CF_EINVAL);
    ck_assert_int_eq(advise_json(NULL, rates, model, &out, NULL), CF_EINVAL);
    json_t *ok = json_pack("{s:i, s:i, s:i}", "duration", 1, "memory", 128, "invocations", 1);
    ck_assert_int_eq(advise_json(ok, NULL, model, &out, NULL), CF_ENOPRICE);
    ck_assert_int_eq(advise_json(ok, rates, NULL, &out, NULL), CF_EINTERNAL);
    ck_assert_int_eq(compare_json(str_req, rates, model, &out, NULL), CF_EINVAL);
    json_decref(str_req);
    json_decref(ok);
}
END_TEST

/* Every field with every kind of JSON value: an answer or a 4xx error, never a crash. */
START_TEST(arbitrary_values_never_crash)
{
    static const char *const fields[] = {
        "duration",
        "memory",
        "invocations",
        "invocations_per_day",
        "gpu",
        "gpu_memory",
        "model_params_b",
        "precision",
        "vcpu",
        "trigger",
        "latency_sensitive",
        "interruptible",
        "architecture",
        "ephemeral_storage",
        "region",
        "team_engineers",
        "engineer_hourly_usd",
        "kind",
        "include_free_tier",
        "fargate",
        "fargate.vcpu",
        "fargate.memory",
        "fargate.mode",
        "fargate.tasks",
        "fargate.startup",
        "name",
        "tasks",
        "",
    };
    static char big[5000];
    memset(big, '9', sizeof(big) - 1);
    json_t *values[] = {json_null(),
                        json_true(),
                        json_false(),
                        json_array(),
                        json_object(),
                        json_string(""),
                        json_string("x"),
                        json_integer(-1),
                        json_integer(0),
                        json_integer(1),
                        json_real(1e308),
                        json_real(-1e308),
                        json_real(5e-324),
                        json_string("1e308"),
                        json_string(big),
                        json_string("0.5"),
                        json_string("true"),
                        json_string("2GB"),
                        json_string("\xe2\x82\xac"),
                        json_pack("[i,s]", 1, "a"),
                        json_pack("{s:i}", "vcpu", 1)};
    size_t nv = sizeof(values) / sizeof(values[0]);
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        for (size_t v = 0; v < nv; v++) {
            json_t *req =
                json_pack("{s:i, s:i, s:i}", "duration", 5, "memory", 512, "invocations", 100);
            json_object_set(req, fields[f], values[v]);
            json_t *out = NULL;
            struct cf_error err = {0};
            int r = advise_json(req, rates, model, &out, &err);
            if (r == 0) {
                char *text = json_dumps(out, 0);
                ck_assert_msg(text != NULL, "%s: output cannot be serialised", fields[f]);
                free(text);
                json_decref(out);
            } else {
                int status = cf_error_status(r);
                ck_assert_msg(status >= 400 && status < 500, "%s: status %d", fields[f], status);
                json_t *msg = json_string(err.message), *fld = json_string(err.field);
                ck_assert_msg(msg && fld, "%s: error text is not valid UTF-8", fields[f]);
                json_decref(msg);
                json_decref(fld);
            }
            json_decref(req);
        }
    }
    for (size_t v = 0; v < nv; v++)
        json_decref(values[v]);
}
END_TEST

/* jansson's test_chaos, applied here: fail every allocation in turn, jansson's (through its
 * allocation hooks) and the core's and renderer's (this binary is linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc, so their calls come here). Each run must
 * either answer or fail with CF_ENOMEM, and must not leak (the ASan build checks that). */
static _Thread_local int alloc_budget = -1; /* -1: no failures */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static bool spend(void)
{
    if (alloc_budget < 0)
        return true;
    return alloc_budget-- > 0;
}

void *__wrap_malloc(size_t n)
{
    return spend() ? __real_malloc(n) : NULL;
}

void *__wrap_calloc(size_t n, size_t size)
{
    return spend() ? __real_calloc(n, size) : NULL;
}

void *__wrap_realloc(void *p, size_t n)
{
    return spend() ? __real_realloc(p, n) : NULL;
}

static void *failing_malloc(size_t n)
{
    return spend() ? __real_malloc(n) : NULL;
}

static void chaos(const char *text, bool compare, int stride)
{
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(req);
    json_malloc_t old_malloc;
    json_free_t old_free;
    json_get_alloc_funcs(&old_malloc, &old_free);
    bool succeeded = false;
    int failed = 0;
    for (int n = 0; n < 20000 && !succeeded; n += stride) {
        json_set_alloc_funcs(failing_malloc, free);
        alloc_budget = n;
        struct cf_answer *ans = NULL;
        int r = compare ? core_compare(req, rates, model, &ans, NULL)
                        : core_advise(req, rates, model, &ans, NULL);
        size_t len = 0;
        char *body = r == 0 ? render_json(ans, &opts, &len) : NULL;
        alloc_budget = -1;
        json_set_alloc_funcs(old_malloc, old_free);
        cf_answer_free(ans);
        if (r == 0 && body) {
            succeeded = true;
            ck_assert_uint_gt(len, 1000);
        } else {
            ck_assert_msg(r == 0 || r == CF_ENOMEM, "allocation %d failed with %d", n, r);
            failed++;
        }
        free(body);
    }
    ck_assert(succeeded);
    ck_assert_int_gt(failed, 0); /* the budget did bite */
    json_decref(req);
}

START_TEST(allocation_failures)
{
    chaos("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000, "
          "\"interruptible\": true, \"include_free_tier\": true, \"engineer_hourly_usd\": 10}",
          false, 1);
    chaos("{\"include_free_tier\": true, \"tasks\": [{\"name\": \"a\", \"duration\": 5, "
          "\"memory\": 128, \"invocations\": 10}, {\"name\": \"b\", \"duration\": \"4h\", "
          "\"memory\": 128, \"gpu\": true, \"invocations\": 1}]}",
          false, 1);
    chaos("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000}", true, 7);
    /* Under a Savings Plan: views, repricings and every option's plans. */
    cf_test_savings(rates);
    chaos("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000, "
          "\"interruptible\": true, \"include_free_tier\": true, \"commitment\": {\"plan\": "
          "\"compute\", \"term_years\": 1, \"payment\": \"no_upfront\"}}",
          false, 1);
    chaos("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000, \"commitment\": "
          "{\"plan\": \"ec2_instance\", \"term_years\": 1, \"payment\": \"no_upfront\"}}",
          true, 7);
}
END_TEST

/* ---- compare ---- */

static json_t *compare_ok(const char *text)
{
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(req);
    json_t *out = NULL;
    struct cf_error err = {0};
    ck_assert_msg(compare_json(req, rates, model, &out, &err) == 0, "%s: %s", err.field,
                  err.message);
    json_decref(req);
    return out;
}

START_TEST(compare_break_even)
{
    json_t *c = compare_ok("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000}");
    /* Lambda costs 2e-7 + 5 s x 2 GB x 0.0000166667 = $0.000166867 per invocation (cold starts
     * are gone by then: exp(-24.7) of calls); one always-on 1 vCPU / 2 GB task costs
     * 730 x 0.04937 = $36.0401 while the concurrency stays within the 75% target utilisation
     * (under 394,200 a month). Break-even: 36.0401 / 0.000166867 = 215,981 a month. */
    double per_inv = REQ + 5 * 2 * X86_T1;
    double task = HOURS * (1 * FG_X86_VCPU + 2 * FG_X86_GB);
    double n = task / per_inv;
    ck_assert_double_eq_tol(num(c, "break_even.lambda_vs_fargate_always_on.invocations_per_month"),
                            n, n * 1e-9);
    ck_assert_str_eq(str(c, "break_even.lambda_vs_fargate_always_on.cheaper_below"), "lambda");
    ck_assert_str_eq(str(c, "break_even.lambda_vs_fargate_always_on.cheaper_above"), "fargate");
    ck_assert(json_is_true(get(c, "break_even.lambda_vs_fargate_always_on.lambda_feasible")));
    ck_assert_double_eq_tol(num(c, "break_even.lambda_vs_fargate_always_on.lambda_usd"), task,
                            1e-6);
    /* Per-job Fargate costs 60 s x 0.04937 / 3600 = $0.000823 per invocation, five times
     * Lambda's even with a cold start on every call ($0.000034 more): they never cross. */
    ck_assert(json_is_null(get(c, "break_even.lambda_vs_fargate_per_job.invocations_per_month")));
    ck_assert_ptr_nonnull(
        strstr(str(c, "break_even.lambda_vs_fargate_per_job.reason"), "Lambda is cheaper"));
    /* ECS on EC2: the cheapest x86 instance that holds one such task (1.16 vCPU, 2 GB) is
     * c6a.large (2 vCPU, 3.8 GiB usable; c7a.medium has 1 vCPU): 730 x $0.0765 = $55.845 a
     * month, equal to Lambda at 55.845 / 0.000166867 = 334,668 a month. */
    double inst = HOURS * 0.0765, n_ec2 = inst / per_inv;
    ck_assert_double_eq_tol(num(c, "break_even.lambda_vs_ecs_ec2.invocations_per_month"), n_ec2,
                            n_ec2 * 1e-9);
    ck_assert_str_eq(str(c, "break_even.lambda_vs_ecs_ec2.cheaper_above"), "ecs_ec2");
    /* ECS Managed Instances: the same c6a.large and the model's 12% of its on-demand rate:
     * $55.845 x 1.12 = $62.5464, equal to Lambda at 62.5464 / 0.000166867 = 374,828 a month. */
    double n_ecs_mi = inst * 1.12 / per_inv;
    ck_assert_double_eq_tol(num(c, "break_even.lambda_vs_ecs_managed.invocations_per_month"),
                            n_ecs_mi, n_ecs_mi * 1e-9);
    /* Lambda Managed Instances: three c6a.large always (2,372 MB, 1.16 vCPU environments, one to
     * an instance) and 15% of their on-demand rate, $192.66525, plus $0.0000002 a request:
     * equal to Lambda (whose cold starts are gone there) at 192.66525 / (0.000166867 -
     * 0.0000002) = 1,155,990 a month, when three environments still carry the load (2.2 at
     * once at the 75% target). */
    double lmi = 3 * HOURS * 0.0765 * 1.15, n_lmi = lmi / (per_inv - REQ);
    ck_assert_double_eq_tol(num(c, "break_even.lambda_vs_lambda_managed.invocations_per_month"),
                            n_lmi, n_lmi * 1e-9);
    ck_assert_str_eq(str(c, "break_even.lambda_vs_lambda_managed.cheaper_above"), "lambda_managed");
    /* Curve: three decades around the requested rate (316 to 316,228 a month), widened to show
     * the farthest break-even (Lambda Managed Instances') with a quarter of a decade to spare:
     * 21 points from 10,000 / 10^1.5 to n_lmi x 10^0.25, plus the requested rate and the four
     * break-evens as points of their own. */
    json_t *curve = get(c, "curve");
    double top = n_lmi * pow(10, 0.25);
    ck_assert_uint_eq(json_array_size(curve), 26);
    ck_assert_double_eq_tol(num(json_array_get(curve, 0), "invocations_per_month"),
                            10000 / pow(10, 1.5), 1e-6);
    json_t *last = json_array_get(curve, 25);
    ck_assert_double_eq_tol(num(last, "invocations_per_month"), top, top * 1e-9); /* as n_lmi */
    double prev = 0;
    json_t *mid = NULL, *at_be = NULL, *pt;
    size_t i;
    json_array_foreach(curve, i, pt)
    {
        double x = num(pt, "invocations_per_month");
        ck_assert_msg(x > prev, "the curve ascends");
        prev = x;
        if (x == 10000)
            mid = pt;
        if (fabs(x - n) <= n * 1e-9)
            at_be = pt;
    }
    ck_assert_ptr_nonnull(mid);
    ck_assert_ptr_nonnull(at_be);
    ck_assert_double_eq_tol(num(mid, "lambda"), 10000 * per_inv + COLD(10000.0) * 2 * X86_T1, 1e-9);
    ck_assert_double_eq_tol(num(at_be, "lambda"), task, 1e-6);
    /* At 2,055,672 a month (3.91 at once: six tasks at 75%) six always-on tasks ($216.24) beat
     * per-job. */
    ck_assert_double_eq_tol(num(last, "fargate"), 6 * task, 1e-9);
    ck_assert_double_eq_tol(num(mid, "ecs_ec2"), inst, 1e-9);
    ck_assert_double_eq_tol(num(mid, "ecs_managed"), inst * 1.12, 1e-9);
    ck_assert_double_eq_tol(num(mid, "lambda_managed"), lmi + 10000 * REQ, 1e-9);
    ck_assert_str_eq(str(c, "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(c, "pricing.region"), "us-east-1");
    ck_assert_double_eq(num(c, "workload.invocations_per_month"), 10000);
    json_decref(c);
}
END_TEST

START_TEST(compare_infeasible_and_rate_limits)
{
    /* A GPU job: Lambda cannot run it at any rate. */
    json_t *c = compare_ok("{\"duration\": \"4h\", \"memory\": \"16GB\", \"gpu_memory\": 20, "
                           "\"invocations\": 1}");
    ck_assert(json_is_null(get(c, "break_even.lambda_vs_ecs_ec2.invocations_per_month")));
    ck_assert_ptr_nonnull(
        strstr(str(c, "break_even.lambda_vs_ecs_ec2.reason"), "Lambda cannot run"));
    json_t *pt = json_array_get(get(c, "curve"), 10); /* no break-even: the centre is the rate */
    ck_assert_double_eq(num(pt, "invocations_per_month"), 1);
    ck_assert(json_is_null(get(pt, "lambda")));
    ck_assert(json_is_null(get(pt, "fargate")));
    ck_assert(json_is_number(get(pt, "ecs_ec2")));
    json_decref(c);
    /* 100 s tasks at 5/s: 500 at once. A decade and a half up, 15,811 at once is past Lambda's
     * default quota of 1,000 concurrent executions, which AWS raises on request (Lambda quotas:
     * "can be increased"): the top of the curve still has a Lambda price. */
    c = compare_ok("{\"duration\": 100, \"memory\": 128, \"invocations\": \"5/s\"}");
    json_t *curve = get(c, "curve"), *p;
    size_t i;
    bool seen_requested = false;
    json_array_foreach(curve, i, p)
    {
        if (num(p, "invocations_per_month") == 5.0 * 3600 * HOURS) {
            ck_assert(json_is_number(get(p, "lambda")));
            seen_requested = true;
        }
    }
    ck_assert(seen_requested);
    ck_assert(json_is_number(get(json_array_get(curve, json_array_size(curve) - 1), "lambda")));
    json_decref(c);
    /* Pinned per-job Fargate has no always-on break-even. */
    c = compare_ok("{\"duration\": 5, \"memory\": 512, \"invocations\": 100, \"fargate.mode\": "
                   "\"per_job\"}");
    ck_assert(json_is_null(get(c, "break_even.lambda_vs_fargate_always_on.invocations_per_month")));
    json_decref(c);
    /* compare takes one workload. */
    json_t *req = json_loads("{\"tasks\": []}", 0, NULL), *out = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(compare_json(req, rates, model, &out, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "tasks");
    json_decref(req);
}
END_TEST

/* ---- concurrency: the core is pure, so HTTP workers may share one model and rates table ---- */

#define THREADS          4
#define CALLS_PER_THREAD 6

static const char *const concurrent_requests[] = {
    "{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000}",
    "{\"kind\": \"fine-tuning\", \"interruptible\": true}",
    "{\"kind\": \"real-time-api\", \"architecture\": \"any\", \"team_engineers\": 1}",
};

struct worker {
    pthread_t thread;
    json_t *out[CALLS_PER_THREAD];
    int failures;
};

static void *work(void *arg)
{
    struct worker *wk = arg;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        json_t *req = json_loads(concurrent_requests[i % 3], 0, NULL);
        json_t *out = NULL;
        int r = i % 2 ? compare_json(req, rates, model, &out, NULL)
                      : advise_json(req, rates, model, &out, NULL);
        wk->failures += r != 0;
        wk->out[i] = out;
        json_decref(req);
    }
    return NULL;
}

START_TEST(concurrent_calls_agree)
{
    struct worker wk[THREADS];
    memset(wk, 0, sizeof(wk));
    for (int t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_create(&wk[t].thread, NULL, work, &wk[t]), 0);
    for (int t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_join(wk[t].thread, NULL), 0);
    for (int t = 0; t < THREADS; t++) {
        ck_assert_int_eq(wk[t].failures, 0);
        for (int i = 0; i < CALLS_PER_THREAD; i++) {
            ck_assert_msg(json_equal(wk[t].out[i], wk[0].out[i]), "thread %d call %d differs", t,
                          i);
        }
    }
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < CALLS_PER_THREAD; i++)
            json_decref(wk[t].out[i]);
}
END_TEST

/* ---- issue 11: the requests that misled, each with the decision an AWS engineer would sign ----
 */

/* Finds the variant called `name` of platform `p` in an advice document. */
static json_t *variant_of(json_t *a, const char *p, const char *name)
{
    char path[64];
    snprintf(path, sizeof(path), "options.%s.variants", p);
    json_t *arr = get(a, path), *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "variant")), name))
            return v;
    }
    ck_abort_msg("%s has no variant %s", p, name);
    return NULL;
}

/* Whether a string of the array `arr` contains `part`. */
static bool any_has(json_t *arr, const char *part)
{
    json_t *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        if (strstr(json_string_value(v), part))
            return true;
    }
    return false;
}

static bool has_warning(json_t *a, const char *part)
{
    return any_has(get(a, "warnings"), part);
}

static bool has_note(json_t *variant, const char *part)
{
    return any_has(json_object_get(variant, "notes"), part);
}

/* 1. A model's size is a requirement. 70B parameters in fp16 (the model's default precision,
 * 2 bytes each) with its 1.2 overhead: 70e9 x 2 x 1.2 = 168e9 bytes = 160,217 MB (156.5 GiB). No
 * Lambda (10,240 MB) or Fargate task (120 GB) holds that; the GPUs need 156.5 x 1.1 headroom =
 * 172.1 GB: of this table only p4d.24xlarge (8 x 40 GB A100), over ceil(172.1 / 40) = 5 GPUs. */
START_TEST(model_size_is_a_requirement)
{
    json_t *a = advise_ok("{\"duration\": \"10s\", \"memory\": \"4GB\", \"invocations\": "
                          "\"100/day\", \"model_params_b\": 70}");
    double mb = 70e9 * 2 * 1.2 / (1024 * 1024);
    ck_assert_double_eq_tol(num(a, "workload.model_memory_mb"), mb, 1e-6);
    ck_assert(json_is_false(get(a, "options.lambda.feasible")));
    ck_assert_str_eq(first_block_limit(a, "lambda"), "lambda.max_memory_mb");
    ck_assert_ptr_nonnull(
        strstr(str(json_array_get(get(a, "options.lambda.blocked_by"), 0), "detail"),
               "model's weights need 160217 MB"));
    ck_assert(json_is_false(get(a, "options.fargate.feasible")));
    ck_assert_str_eq(first_block_limit(a, "fargate"), "fargate.sizes");
    /* Without "gpu", EC2 prices both placements. On CPU the weights (156.5 GiB) need 164.7 GiB
     * of an instance's memory less 5%: r6a.8xlarge (256 GiB, $1.8144), per job 100 x 730 / 24
     * = 3,041.67 jobs x (10 s + 300 s boot) = 261.92 h = $475.23, with the CPU-inference
     * warning. On GPU, 156.5 x 1.1 = 172.1 GB shards over 5 of p4d.24xlarge's 8 40-GB A100s:
     * 261.92 h x $21.957642 = $5,751.12, so the CPU placement is the cheaper. ECS Managed
     * Instances run the same placement for the model's 12% more ($532.26), within the margin,
     * for less upkeep: recommended. */
    ck_assert_str_eq(str(a, "recommendation.platform"), "ecs_managed");
    ck_assert_str_eq(str(a, "options.ecs_managed.config.instance_type"), "r6a.8xlarge");
    ck_assert_str_eq(str(a, "options.ecs_ec2.variant"), "per_job");
    ck_assert_str_eq(str(a, "options.ecs_ec2.config.instance_type"), "r6a.8xlarge");
    ck_assert_double_eq(num(a, "options.ecs_ec2.config.gpus"), 0);
    double job_h = 100 * HOURS / 24 * 310 / 3600;
    ck_assert_double_eq_tol(num(a, "options.ecs_ec2.monthly_usd"), job_h * 1.8144, 1e-9);
    ck_assert(has_warning(a, "70-billion-parameter model is placed on CPU"));
    json_t *g = variant_of(a, "ecs_ec2", "per_job_gpu");
    ck_assert_str_eq(str(g, "config.instance_type"), "p4d.24xlarge");
    ck_assert_double_eq_tol(num(g, "config.gpu_memory_needed_gb"), mb / 1024 * 1.1, 1e-9);
    ck_assert_double_eq(num(g, "config.gpus_used"), 5);
    ck_assert(json_is_true(get(g, "config.sharded")));
    ck_assert_double_eq_tol(num(g, "monthly_usd"), job_h * 21.957642, 1e-9);
    json_decref(a);
    /* A 7B model pinned to CPU: 16,022 MB of weights (15.6 GiB). Lambda cannot hold them; GPU
     * placements are ruled out by "gpu": false (EC2 prices CPU instances only); Fargate takes
     * the 4 vCPU level (nearest Lambda's largest share, 5.79) at 16 GB, and the CPU inference
     * gets a warning. */
    a = advise_ok("{\"duration\": \"10s\", \"memory\": \"4GB\", \"invocations\": \"100/day\", "
                  "\"model_params_b\": 7, \"gpu\": false}");
    ck_assert(json_is_false(get(a, "options.lambda.feasible")));
    ck_assert(json_is_true(get(a, "options.ecs_ec2.feasible")));
    ck_assert_double_eq(num(a, "options.ecs_ec2.config.gpus"), 0);
    ck_assert_uint_eq(json_array_size(get(a, "options.ecs_ec2.variants")), 2); /* no _gpu */
    ck_assert(json_is_false(get(a, "workload.gpu")));
    ck_assert_str_eq(str(a, "recommendation.platform"), "fargate");
    ck_assert_double_eq(num(a, "options.fargate.config.vcpu"), 4);
    ck_assert_double_eq(num(a, "options.fargate.config.memory_gb"), 16);
    ck_assert(has_warning(a, "7-billion-parameter model is placed on CPU"));
    json_decref(a);
    /* Without "gpu", the same 7B model is priced on a GPU beside CPU (15.6 x 1.1 = 17.2 GB:
     * g5.xlarge's 24 GB A10G, 16 GiB of memory, 15.2 usable: too little for the weights' 15.6
     * GiB in host memory, so g5.2xlarge), and the echo says gpu was not given. */
    a = advise_ok("{\"duration\": \"10s\", \"memory\": \"4GB\", \"invocations\": \"100/day\", "
                  "\"model_params_b\": 7}");
    ck_assert(json_is_null(get(a, "workload.gpu")));
    ck_assert(json_is_true(get(a, "options.ecs_ec2.feasible")));
    ck_assert_str_eq(str(a, "options.ecs_ec2.config.instance_type"), "g5.2xlarge");
    json_decref(a);
}
END_TEST

/* 2. Latency. 100 a day, 2 s on a 12 GB GPU, a user waiting: booting an instance per request
 * (300 s, model: ecs_ec2.boot_s) cannot start the work within the 0.5 s default budget, so the
 * per-job variant is shown but not chosen; one always-on g4dn.xlarge (12 x 1.1 = 13.2 GB fits
 * its 16 GB T4): 730 x $0.526 = $383.98. */
START_TEST(latency_budget_rules_out_slow_starts)
{
    json_t *a = advise_ok("{\"duration\": \"2s\", \"memory\": \"8GB\", \"invocations\": "
                          "\"100/day\", \"gpu_memory\": \"12GB\", \"trigger\": \"http\", "
                          "\"latency_sensitive\": true}");
    ck_assert_double_eq(num(a, "workload.latency_budget_s"), 0.5);
    /* ECS Managed Instances: the same instance and the model's 12% fee, within the margin. */
    ck_assert_str_eq(str(a, "recommendation.platform"), "ecs_managed");
    ck_assert_str_eq(str(a, "recommendation.variant"), "always_on");
    ck_assert_double_eq_tol(num(a, "recommendation.monthly_usd"), HOURS * G4DN_XL * 1.12, 1e-9);
    ck_assert_double_eq_tol(num(a, "options.ecs_ec2.monthly_usd"), HOURS * G4DN_XL, 1e-9);
    json_t *pj = variant_of(a, "ecs_ec2", "per_job");
    ck_assert(json_is_false(json_object_get(pj, "meets_latency_budget")));
    ck_assert_double_eq(json_number_value(json_object_get(pj, "startup_s")), 300);
    ck_assert(json_is_false(json_object_get(pj, "chosen")));
    ck_assert_str_eq(str(reason(a, "latency"), "code"), "latency_budget_set");
    json_decref(a);
    /* A 400 s budget lets the per-job boot through: cheaper, it is chosen again. Per job:
     * 3,041.67 a month x (2 + 300) s = 255.2 h x $0.526 = $134.22. */
    a = advise_ok("{\"duration\": \"2s\", \"memory\": \"8GB\", \"invocations\": \"100/day\", "
                  "\"gpu_memory\": \"12GB\", \"latency_budget\": \"400s\"}");
    ck_assert_str_eq(str(a, "recommendation.variant"), "per_job");
    ck_assert_double_eq_tol(num(a, "recommendation.monthly_usd"),
                            100 * HOURS / 24 * 302 / 3600 * G4DN_XL * 1.12, 1e-9);
    json_decref(a);
    /* Every variant too slow: the option is blocked by the budget. A 0.1 s budget on a task
     * with a GPU: per-job boots, and no always-on fleet is allowed by "fargate"... GPU tasks
     * only run on EC2, whose always-on instances start at once, so it stays feasible; a pinned
     * per-job Fargate task (30 s to start) is not. */
    a = advise_ok("{\"duration\": \"2s\", \"memory\": \"1GB\", \"invocations\": \"100/day\", "
                  "\"latency_budget\": \"100ms\", \"fargate\": {\"mode\": \"per_job\"}}");
    ck_assert(json_is_false(get(a, "options.fargate.feasible")));
    ck_assert_str_eq(first_block_limit(a, "fargate"), "latency_budget");
    json_decref(a);
    /* A budget with latency_sensitive false contradicts itself. */
    json_t *req = json_loads("{\"duration\": 1, \"memory\": 128, \"invocations\": 1, "
                             "\"latency_sensitive\": false, \"latency_budget\": \"1s\"}",
                             0, NULL);
    json_t *out = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(advise_json(req, rates, model, &out, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "latency_budget");
    json_decref(req);
}
END_TEST

/* 3. Cold starts are billed, and latency-sensitive Lambda gets provisioned concurrency. 100 a
 * day of 500 ms at 2 GB, a user waiting: 70.7% of calls start cold (exp(-0.3472)), and a cold
 * start waits for its 1 s INIT, more than the 0.5 s budget, so on-demand Lambda is shown (its
 * INIT billed: 2,149.4 x 1 s x 2 GB = 4,298.8 GB-s) but not chosen. One provisioned environment
 * (0.00058 calls in progress on average) costs 2 GB x 2,628,000 s x $0.0000041667 = $21.9002
 * kept warm, plus 3,041.67 x 0.5 s x 2 GB = 3,041.67 GB-s x $0.0000097222 = $0.02957 and
 * requests $0.00061: $21.93 (AWS Lambda pricing, "Provisioned Concurrency Pricing"). Fargate
 * can only run it always on (a per-job task takes 30 s to start): one 1 vCPU / 2 GB task,
 * $36.04. */
START_TEST(cold_starts_are_billed)
{
    json_t *a = advise_ok("{\"duration\": \"500ms\", \"memory\": \"2GB\", \"invocations\": "
                          "\"100/day\", \"trigger\": \"http\", \"latency_sensitive\": true}");
    double n = 100 * HOURS / 24, cold = COLD(n);
    json_t *od = variant_of(a, "lambda", "x86_64");
    ck_assert(json_is_false(json_object_get(od, "meets_latency_budget")));
    json_t *init = json_array_get(json_object_get(od, "line_items"), 2);
    ck_assert_str_eq(str(init, "item"), "init_tier_1");
    ck_assert_double_eq_tol(num(init, "quantity"), cold * 2, 1e-6);
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(a, "recommendation.variant"), "x86_64_provisioned");
    double pc = 2 * HOURS * 3600 * 0.0000041667 + n * 0.5 * 2 * 0.0000097222 + n * REQ;
    ck_assert_double_eq_tol(num(a, "recommendation.monthly_usd"), pc, 1e-9);
    ck_assert_double_eq_tol(pc, 21.93, 0.005);
    ck_assert_double_eq(num(a, "options.lambda.config.provisioned_concurrency"), 1);
    ck_assert_double_eq(num(a, "options.lambda.startup_s"), 0);
    ck_assert_str_eq(str(a, "options.fargate.variant"), "always_on");
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"),
                            HOURS * (FG_X86_VCPU + 2 * FG_X86_GB), 1e-9);
    json_decref(a);
}
END_TEST

/* 4. Capacity with headroom. 100/s x 200 ms = 20 requests in progress on average. At the
 * model's 75% target utilisation that needs ceil(20 / 0.75) = 27 tasks; with someone waiting,
 * Erlang C (M/M/c, c slots for an offered load of 20) gives the chance of waiting: 9.6% with 27,
 * 6.3% with 28, 4.0% with 29, the first within the 5% bound (computed below from the closed
 * form, not the service's recursion). The seed's old answer, 20 tasks, is 100% busy: C = 1. */
static double erlang_c_closed_form(int m, double load)
{
    double sum = 0, term = 1; /* load^k / k! */
    for (int k = 0; k < m; k++) {
        sum += term;
        term *= load / (k + 1);
    }
    double top = term * m / (m - load);
    return top / (sum + top);
}

START_TEST(fleets_have_headroom)
{
    int m = 27;
    while (erlang_c_closed_form(m, 20) > 0.05)
        m++;
    ck_assert_int_eq(m, 29);
    ck_assert_double_eq_tol(erlang_c_closed_form(29, 20), 0.04009, 1e-5);
    json_t *a = advise_ok("{\"duration\": \"200ms\", \"memory\": \"1GB\", \"invocations\": "
                          "\"100/s\", \"trigger\": \"http\", \"latency_sensitive\": true}");
    json_t *ao = variant_of(a, "fargate", "always_on");
    ck_assert_double_eq(num(json_object_get(ao, "config"), "tasks"), 29);
    ck_assert(has_note(ao, "at most 5.0% of requests find every slot busy"));
    /* 29 tasks of 0.5 vCPU / 1 GB (Lambda's 0.58 vCPU for 1 GB, nearest): $18.02 each. */
    ck_assert_double_eq_tol(num(ao, "monthly_usd"), 29 * HOURS * (0.5 * FG_X86_VCPU + FG_X86_GB),
                            1e-9);
    json_decref(a);
    /* Nobody waiting: utilisation alone, 27 tasks. An I/O-bound service serving 10 at a time:
     * ceil(20 / (10 x 0.75)) = 3 tasks. */
    a = advise_ok("{\"duration\": \"200ms\", \"memory\": \"1GB\", \"invocations\": \"100/s\", "
                  "\"fargate\": {\"mode\": \"always_on\"}}");
    ck_assert_double_eq(num(a, "options.fargate.config.tasks"), 27);
    json_decref(a);
    a = advise_ok("{\"duration\": \"200ms\", \"memory\": \"1GB\", \"invocations\": \"100/s\", "
                  "\"concurrency_per_task\": 10, \"fargate\": {\"mode\": \"always_on\"}}");
    ck_assert_double_eq(num(a, "options.fargate.config.tasks"), 3);
    json_decref(a);
    /* The real-time-api preset serves 10 at a time per task (the seed's "handle all requests
     * from the same process"). */
    a = advise_ok("{\"kind\": \"real-time-api\"}");
    ck_assert_double_eq(num(a, "workload.concurrency_per_task"), 10);
    ck_assert_str_eq(str(a, "workload.sources.concurrency_per_task"), "kind");
    /* A Lambda execution environment serves one invocation at a time whatever the task's code
     * could (AWS Lambda, "Understanding Lambda function scaling"): 10/min x 1 s = 0.167 calls
     * in progress; one environment would be busy for C(1, 0.167) = 0.167 of calls, two for
     * 2 x B / (2 - 0.167 (1 - B)) with B(2) = 0.0118, that is 1.3%: two environments, and the
     * note says one at a time. */
    ck_assert_double_eq(num(a, "options.lambda.config.provisioned_concurrency"), 2);
    json_t *pc = variant_of(a, "lambda", "x86_64_provisioned");
    ck_assert(
        has_note(pc, "2 environments for 0.167 requests in progress on average, 1 at a time"));
    json_decref(a);
}
END_TEST

/* 8. Honest comparisons. A rule never favours a platform that cannot run the task: at 10 an
 * hour Lambda would be the infrequent-rate pick, but 20 GB is past its 10,240 MB, so the rate
 * reason is neutral and says so (its code still says which outcome it was). */
START_TEST(reasons_never_favour_a_blocked_option)
{
    json_t *a = advise_ok("{\"duration\": \"5s\", \"memory\": \"20GB\", \"invocations\": "
                          "\"10/hour\"}");
    ck_assert(json_is_false(get(a, "options.lambda.feasible")));
    json_t *r = reason(a, "rate");
    ck_assert_str_eq(str(r, "code"), "rate_infrequent");
    ck_assert_str_eq(str(r, "verdict"), "neutral");
    ck_assert_ptr_nonnull(strstr(str(r, "detail"), "Lambda cannot run this task"));
    json_t *rs = get(a, "reasons"), *x;
    size_t i;
    json_array_foreach(rs, i, x)
    {
        ck_assert_msg(strcmp(json_string_value(json_object_get(x, "verdict")), "favours_lambda"),
                      "%s favours the blocked Lambda",
                      json_string_value(json_object_get(x, "rule")));
    }
    json_decref(a);
}
END_TEST

/* With a latency budget, break-evens compare only what can be recommended: per-job Fargate
 * (30 s to start) has none, and on-demand Lambda (1 s cold starts) is left out of Lambda's
 * side, which is its provisioned variant. */
START_TEST(break_evens_compare_what_can_be_recommended)
{
    json_t *c = compare_ok("{\"duration\": \"500ms\", \"memory\": \"2GB\", \"invocations\": "
                           "\"100/day\", \"latency_sensitive\": true}");
    ck_assert(json_is_null(get(c, "break_even.lambda_vs_fargate_per_job.invocations_per_month")));
    ck_assert_ptr_nonnull(strstr(str(c, "break_even.lambda_vs_fargate_per_job.reason"),
                                 "cannot start the work within the 0.5 s latency budget"));
    /* Every curve point prices Lambda as its provisioned variant: at the requested rate,
     * $21.93 (cold_starts_are_billed), not on-demand's $0.16. */
    json_t *curve = get(c, "curve"), *p;
    size_t i;
    double n = 100 * HOURS / 24;
    bool seen = false;
    json_array_foreach(curve, i, p)
    {
        if (fabs(num(p, "invocations_per_month") - n) < 1e-6) {
            ck_assert_double_eq_tol(num(p, "lambda"), num(c, "options.lambda.monthly_usd"), 1e-9);
            ck_assert_double_gt(num(p, "lambda"), 21.9);
            seen = true;
        }
    }
    ck_assert(seen);
    json_decref(c);
}
END_TEST

/* ---- Savings Plans (issue 12 part 3) ---- */

/* The rates of cf_test_savings() (tests/testutil.c), per unit. */
#define SP_C1_LAMBDA_X86 0.0000145611 /* Compute 1 year No Upfront, Lambda x86 GB-second */
#define SP_C1_FG_X86_CPU 0.0243311    /* ... Fargate x86 vCPU-hour */
#define SP_C1_FG_X86_GB  0.0026711    /* ... Fargate x86 GB-hour */
#define SP_C3_LAMBDA_X86 0.0000138811 /* Compute 3 years All Upfront, Lambda x86 GB-second */
#define SP_I1_C7G_LARGE  0.0453111    /* EC2 Instance 1 year No Upfront, c7g.large */
#define ARM_T1           0.0000133334
#define FG_ARM_VCPU      0.03238
#define FG_ARM_GB        0.00356
#define C7G_LARGE        0.0725

/* A steady task: 1 s, 2 GB, 0.45 calls a second (0.45 running at once: one Fargate task at the
 * 75 % utilisation target). A month is 730 h: 0.45 x 3600 x 730 = 1,182,600 calls, 2,365,200
 * GB-seconds on Lambda (its cold starts, 1,182,600 x e^-135, are nil). */
#define STEADY       "\"duration\": 1, \"memory\": 2048, \"invocations_per_second\": 0.45"
#define STEADY_CALLS 1182600.0
#define STEADY_GB_S  2365200.0
#define COMPUTE_1Y                                                                                 \
    "\"commitment\": {\"plan\": \"compute\", \"term_years\": 1, \"payment\": \"no_upfront\"}"

static json_t *commitment_quote(json_t *option, const char *plan, int years, const char *payment)
{
    json_t *q;
    size_t i;
    json_array_foreach(json_object_get(option, "commitments"), i, q)
    {
        if (!strcmp(json_string_value(json_object_get(q, "plan")), plan) &&
            json_integer_value(json_object_get(q, "term_years")) == years &&
            !strcmp(json_string_value(json_object_get(q, "payment")), payment))
            return q;
    }
    return NULL;
}

START_TEST(commitment_flips_the_decision)
{
    cf_test_savings(rates);
    /* On demand: Lambda x86 0.23652 (requests) + 2,365,200 x 0.0000166667 = 39.65660; Fargate
     * x86 1 task of 1 vCPU / 2 GB, 730 x (0.04048 + 2 x 0.004445) = 36.04010, within the 1.25
     * margin: Lambda, the simpler, is recommended. */
    double lambda_od = STEADY_CALLS * REQ + STEADY_GB_S * X86_T1;
    double fargate_od = HOURS * (FG_X86_VCPU + 2 * FG_X86_GB);
    json_t *od = advise_ok("{" STEADY "}");
    ck_assert_str_eq(str(od, "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(od, "recommendation.basis"), "simpler");
    ck_assert_double_eq_tol(num(od, "options.lambda.monthly_usd"), lambda_od, 1e-6);
    ck_assert_double_eq_tol(num(od, "options.fargate.monthly_usd"), fargate_od, 1e-6);
    ck_assert(json_is_null(get(od, "pricing.commitment")));
    ck_assert(json_is_null(get(od, "workload.commitment")));

    /* Compute, 1 year, No Upfront: Lambda 0.23652 + 2,365,200 x 0.0000145611 = 34.67643;
     * Fargate 730 x (0.0243311 + 2 x 0.0026711) = 21.66151, 1.6x cheaper: Fargate wins. */
    double lambda_c1 = STEADY_CALLS * REQ + STEADY_GB_S * SP_C1_LAMBDA_X86;
    double fargate_c1 = HOURS * (SP_C1_FG_X86_CPU + 2 * SP_C1_FG_X86_GB);
    ck_assert_double_eq_tol(fargate_c1, 21.661509, 1e-9);
    json_t *a = advise_ok("{" STEADY ", " COMPUTE_1Y "}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "fargate");
    ck_assert_str_eq(str(a, "recommendation.basis"), "cheapest");
    ck_assert_double_eq_tol(num(a, "recommendation.monthly_usd"), fargate_c1, 1e-6);
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"), lambda_c1, 1e-6);
    json_t *r = reason(a, "commitment");
    ck_assert_str_eq(str(r, "code"), "commitment_changes_winner");
    ck_assert_str_eq(str(r, "verdict"), "favours_fargate");
    ck_assert_str_eq(str(r, "figures.on_demand_winner"), "lambda");
    ck_assert_double_eq_tol(num(r, "figures.on_demand_usd.lambda"), lambda_od, 1e-6);
    ck_assert(strstr(str(r, "detail"), "Lambda would win at $39.66"));
    /* Only the covered lines are at the plan's rates: Lambda's requests are not. */
    json_t *li = get(get(a, "options.lambda"), "line_items");
    ck_assert_str_eq(str(json_array_get(li, 0), "item"), "requests");
    ck_assert_ptr_null(json_object_get(json_array_get(li, 0), "savings_plan"));
    ck_assert_double_eq_tol(num(json_array_get(li, 1), "unit_usd"), SP_C1_LAMBDA_X86, 1e-15);
    ck_assert(json_is_true(get(json_array_get(li, 1), "savings_plan")));
    li = get(get(a, "options.fargate"), "line_items");
    ck_assert(json_is_true(get(json_array_get(li, 0), "savings_plan")));
    ck_assert_double_eq_tol(num(json_array_get(li, 0), "unit_usd"), SP_C1_FG_X86_CPU, 1e-12);
    /* The hourly commitment the pick needs: 21.66151 / 730 = 0.029673. */
    ck_assert(has_warning(a, "about $0.02967 an hour for a 1-year term"));
    ck_assert(!has_warning(a, "upfront"));
    ck_assert_str_eq(str(a, "workload.commitment.plan"), "compute");
    ck_assert(json_is_true(get(a, "pricing.commitment.applied")));
    ck_assert_int_eq((int)json_array_size(get(a, "pricing.commitment.covers")), 3);
    ck_assert(json_is_null(get(a, "pricing.commitment.upfront_spread_months")));

    /* Every option lists its plans against its on-demand total, with or without a commitment
     * in the request: Lambda x86 on Compute 3 years All Upfront, 0.23652 + 2,365,200 x
     * 0.0000138811 = 33.06810, saving 6.58850, its upfront spread over 36 months. */
    json_t *docs[2] = {od, a};
    for (int k = 0; k < 2; k++) {
        json_t *q = commitment_quote(get(docs[k], "options.lambda"), "compute", 3, "all_upfront");
        ck_assert_ptr_nonnull(q);
        double c3 = STEADY_CALLS * REQ + STEADY_GB_S * SP_C3_LAMBDA_X86;
        ck_assert_double_eq_tol(num(q, "monthly_usd"), c3, 1e-6);
        ck_assert_double_eq_tol(num(q, "savings_usd"), lambda_od - c3, 1e-6);
        ck_assert_int_eq(json_integer_value(get(q, "upfront_spread_months")), 36);
        q = commitment_quote(get(docs[k], "options.fargate"), "compute", 1, "no_upfront");
        ck_assert_double_eq_tol(num(q, "monthly_usd"), fargate_c1, 1e-6);
        ck_assert_double_eq_tol(num(q, "savings_usd"), fargate_od - fargate_c1, 1e-6);
        /* The 3-year plan has no x86 Fargate rates: the task stays at on-demand prices. */
        q = commitment_quote(get(docs[k], "options.fargate"), "compute", 3, "all_upfront");
        ck_assert_double_eq_tol(num(q, "savings_usd"), 0, 1e-9);
        /* No EC2 Instance plan for Lambda or Fargate; a plan the region lacks is not listed. */
        ck_assert_ptr_null(
            commitment_quote(get(docs[k], "options.lambda"), "ec2_instance", 1, "no_upfront"));
        ck_assert_ptr_null(
            commitment_quote(get(docs[k], "options.fargate"), "compute", 1, "partial_upfront"));
        ck_assert_uint_eq(json_array_size(get(docs[k], "options.lambda.commitments")), 2);
    }
    json_decref(od);
    json_decref(a);

    /* The 3-year All Upfront plan covers Lambda x86 but not Fargate x86: no flip, and the
     * upfront payment's spreading is said. */
    a = advise_ok("{" STEADY ", \"commitment.plan\": \"Compute\", \"commitment.term_years\": "
                  "\"3 years\", \"commitment.payment\": \"All Upfront\"}");
    ck_assert_str_eq(str(a, "recommendation.platform"), "lambda");
    ck_assert_str_eq(str(reason(a, "commitment"), "code"), "commitment_same_winner");
    ck_assert(has_warning(a, "spread over the term's 36 months"));
    ck_assert_int_eq(json_integer_value(get(a, "pricing.commitment.upfront_spread_months")), 36);
    ck_assert_str_eq(str(a, "workload.commitment.payment"), "all_upfront");
    json_decref(a);
}
END_TEST

START_TEST(commitment_ec2_instance_covers_ec2_only)
{
    cf_test_savings(rates);
    /* arm64: c6g.medium's 2 GiB leaves too little after the OS reserve, so c7g.large (2 vCPU,
     * 4 GiB) holds the task: 730 x 0.0725 = 52.925 on demand, 730 x 0.0453111 = 33.0771 on the
     * EC2 Instance plan. Lambda (arm, 0.23652 + 2,365,200 x 0.0000133334 = 31.77268) and
     * Fargate (730 x (0.03238 + 2 x 0.00356) = 28.835) keep their on-demand prices. */
    json_t *a = advise_ok("{" STEADY ", \"architecture\": \"arm64\", \"commitment\": {\"plan\": "
                          "\"ec2_instance\", \"term_years\": 1, \"payment\": \"no_upfront\"}}");
    ck_assert_double_eq_tol(num(a, "options.ecs_ec2.monthly_usd"), HOURS * SP_I1_C7G_LARGE, 1e-6);
    ck_assert_str_eq(str(a, "options.ecs_ec2.config.instance_type"), "c7g.large");
    ck_assert_double_eq_tol(num(a, "options.lambda.monthly_usd"),
                            STEADY_CALLS * REQ + STEADY_GB_S * ARM_T1, 1e-6);
    ck_assert_double_eq_tol(num(a, "options.fargate.monthly_usd"),
                            HOURS * (FG_ARM_VCPU + 2 * FG_ARM_GB), 1e-6);
    json_t *covers = get(a, "pricing.commitment.covers");
    ck_assert_uint_eq(json_array_size(covers), 1);
    ck_assert_str_eq(json_string_value(json_array_get(covers, 0)), "ec2");
    json_t *q = commitment_quote(get(a, "options.ecs_ec2"), "ec2_instance", 1, "no_upfront");
    ck_assert_double_eq_tol(num(q, "savings_usd"), HOURS * (C7G_LARGE - SP_I1_C7G_LARGE), 1e-6);
    json_t *li = json_array_get(get(a, "options.lambda.line_items"), 1);
    ck_assert_ptr_null(json_object_get(li, "savings_plan"));
    ck_assert_str_eq(str(reason(a, "commitment"), "code"), "commitment_same_winner");
    /* The managed-instance platforms run on the plan's instances too, but their management fee
     * stays on the on-demand rate (AWS Lambda pricing: "15% premium on the EC2 on-demand
     * instance price"; a Savings Plan discounts the instance, not the fee). ECS Managed
     * Instances: c7g.large at 0.0453111 and 12% of 0.0725, 730 x 0.0540111 = 39.42810. */
    ck_assert_str_eq(str(a, "options.ecs_managed.config.instance_type"), "c7g.large");
    ck_assert_double_eq_tol(num(a, "options.ecs_managed.monthly_usd"),
                            HOURS * (SP_I1_C7G_LARGE + 0.12 * C7G_LARGE), 1e-6);
    li = get(a, "options.ecs_managed.line_items");
    ck_assert_str_eq(str(json_array_get(li, 0), "item"), "instance_hours");
    ck_assert(json_is_true(get(json_array_get(li, 0), "savings_plan")));
    ck_assert_str_eq(str(json_array_get(li, 1), "item"), "management_fee");
    ck_assert_double_eq_tol(num(json_array_get(li, 1), "unit_usd"), 0.12 * C7G_LARGE, 1e-15);
    ck_assert_ptr_null(json_object_get(json_array_get(li, 1), "savings_plan"));
    /* Lambda Managed Instances: three c7g.large (a 2,372 MB, 1.16 vCPU environment holds the
     * 0.45 calls at once) at the plan's rate and 15% of the on-demand one, and the requests:
     * 3 x 730 x (0.0453111 + 0.010875) + 1,182,600 x 0.0000002 = 123.65112. */
    ck_assert_str_eq(str(a, "options.lambda_managed.config.instance_type"), "c7g.large");
    ck_assert_double_eq_tol(num(a, "options.lambda_managed.monthly_usd"),
                            3 * HOURS * (SP_I1_C7G_LARGE + 0.15 * C7G_LARGE) + STEADY_CALLS * REQ,
                            1e-6);
    json_decref(a);
}
END_TEST

START_TEST(commitment_without_rates_is_on_demand)
{
    /* The table has no Savings Plans rates: the answer is the on-demand one, and says so. */
    json_t *od = advise_ok("{" STEADY "}");
    json_t *a = advise_ok("{" STEADY ", " COMPUTE_1Y "}");
    ck_assert_double_eq_tol(num(a, "recommendation.monthly_usd"),
                            num(od, "recommendation.monthly_usd"), 1e-12);
    ck_assert(json_is_false(get(a, "pricing.commitment.applied")));
    ck_assert_uint_eq(json_array_size(get(a, "pricing.commitment.covers")), 0);
    ck_assert(has_warning(a, "no Compute Savings Plans rates (1-year, No Upfront) for us-east-1"));
    ck_assert_uint_eq(json_array_size(get(a, "options.lambda.commitments")), 0);
    json_decref(a);
    json_decref(od);
    /* With rates, but not for that plan (Compute 1 year Partial Upfront). */
    cf_test_savings(rates);
    a = advise_ok("{" STEADY ", \"commitment\": {\"plan\": \"compute\", \"term_years\": 1, "
                  "\"payment\": \"partial_upfront\"}}");
    ck_assert(json_is_false(get(a, "pricing.commitment.applied")));
    ck_assert(has_warning(a, "every price here is on-demand"));
    json_decref(a);
}
END_TEST

START_TEST(commitment_leaves_spot_alone)
{
    cf_test_savings(rates);
    /* Spot is billed at Spot prices: the Fargate Spot estimate is the model's discount off the
     * on-demand vCPU rate, 0.04048 x (1 - d), never off the plan's. */
    json_t *a = advise_ok("{" STEADY ", \"interruptible\": true, " COMPUTE_1Y "}");
    double d = model->fargate.spot_discount;
    json_t *v;
    size_t i;
    bool seen = false;
    json_array_foreach(get(a, "options.fargate.variants"), i, v)
    {
        json_t *line = json_array_get(json_object_get(v, "line_items"), 0);
        if (!strcmp(str(v, "variant"), "always_on_spot")) {
            ck_assert_double_eq_tol(num(line, "unit_usd"), FG_X86_VCPU * (1 - d), 1e-12);
            ck_assert_ptr_null(json_object_get(line, "savings_plan"));
            seen = true;
        } else if (!strcmp(str(v, "variant"), "always_on")) {
            ck_assert_double_eq_tol(num(line, "unit_usd"), SP_C1_FG_X86_CPU, 1e-12);
        }
    }
    ck_assert(seen);
    json_decref(a);
}
END_TEST

START_TEST(commitment_in_compare_and_plans)
{
    cf_test_savings(rates);
    /* /compare prices its options and curve under the plan: Fargate's one task at the plan's
     * rates, 21.66151, wherever one always-on task is its cheapest. */
    struct cf_answer *ans = cf_test_answer("{" STEADY ", " COMPUTE_1Y "}", true, rates, model);
    ck_assert_int_eq(ans->comparison->advice->winner, MODEL_FARGATE);
    bool seen = false;
    for (size_t i = 0; i < ans->comparison->n_curve; i++)
        seen = seen || fabs(ans->comparison->curve[i].usd[MODEL_FARGATE] -
                            HOURS * (SP_C1_FG_X86_CPU + 2 * SP_C1_FG_X86_GB)) < 1e-6;
    ck_assert(seen);
    cf_answer_free(ans);
    /* In a plan it is a setting: next to the tasks, for all of them. */
    json_t *p = advise_ok("{\"tasks\": [{\"name\": \"steady\", " STEADY "}], " COMPUTE_1Y "}");
    ck_assert_str_eq(str(p, "recommendation.platform"), "fargate");
    ck_assert(json_is_true(get(p, "pricing.commitment.applied")));
    json_decref(p);
    advise_bad("{\"tasks\": [{\"name\": \"steady\", " STEADY ", " COMPUTE_1Y "}]}", CF_EINVAL,
               "tasks[0].commitment");
}
END_TEST

START_TEST(commitment_bad_input)
{
    advise_bad("{" STEADY ", \"commitment\": {\"plan\": \"comptue\", \"term_years\": 1, "
               "\"payment\": \"no_upfront\"}}",
               CF_EINVAL, "commitment.plan");
    advise_bad("{" STEADY ", \"commitment\": {\"plan\": \"compute\", \"term_years\": 2, "
               "\"payment\": \"no_upfront\"}}",
               CF_EINVAL, "commitment.term_years");
    advise_bad("{" STEADY ", \"commitment\": {\"plan\": \"compute\", \"term_years\": 1}}",
               CF_EMISSING, "commitment.payment");
    advise_bad("{" STEADY ", \"commitment.payment\": \"no_upfront\"}", CF_EMISSING,
               "commitment.plan");
    advise_bad("{" STEADY ", \"commitment\": []}", CF_EINVAL, "commitment");
    advise_bad("{" STEADY ", \"commitment\": {\"plan\": \"compute\", \"term\": 1}}", CF_EUNKNOWN,
               "commitment.term");
    /* The hint names the value meant. */
    json_t *req = json_loads("{" STEADY ", \"commitment\": {\"plan\": \"compute\", \"term_years\": "
                             "1, \"payment\": \"no_upfrnt\"}}",
                             0, NULL);
    json_t *out = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(advise_json(req, rates, model, &out, &err), CF_EINVAL);
    ck_assert_msg(strstr(err.message, "did you mean \"no_upfront\"?"), "%s", err.message);
    json_decref(req);
}
END_TEST

static Suite *advise_suite(void)
{
    Suite *s = suite_create("advise");
    TCase *tc = tcase_create("seed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, seed_invoice_processing);
    tcase_add_test(tc, seed_document_processing);
    tcase_add_test(tc, seed_fine_tuning);
    tcase_add_test(tc, seed_fargate_figures);
    suite_add_tcase(s, tc);
    tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rule_duration);
    tcase_add_test(tc, rule_memory);
    tcase_add_test(tc, rule_vcpu_and_storage);
    tcase_add_test(tc, rule_gpu);
    tcase_add_test(tc, rule_rate);
    tcase_add_test(tc, rule_trigger);
    tcase_add_test(tc, rule_team);
    tcase_add_test(tc, rule_cold_start);
    tcase_add_test(tc, rule_concurrency);
    suite_add_tcase(s, tc);
    tc = tcase_create("decision");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, seed_disagreement_lowers_confidence);
    tcase_add_test(tc, close_costs_lower_confidence);
    tcase_add_test(tc, operations_change_the_decision);
    tcase_add_test(tc, spot_is_an_estimate);
    tcase_add_test(tc, architecture_any);
    tcase_add_test(tc, hybrid_plan);
    suite_add_tcase(s, tc);
    tc = tcase_create("issue11");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, model_size_is_a_requirement);
    tcase_add_test(tc, latency_budget_rules_out_slow_starts);
    tcase_add_test(tc, cold_starts_are_billed);
    tcase_add_test(tc, fleets_have_headroom);
    tcase_add_test(tc, reasons_never_favour_a_blocked_option);
    tcase_add_test(tc, break_evens_compare_what_can_be_recommended);
    suite_add_tcase(s, tc);
    tc = tcase_create("input");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, arbitrary_values_never_crash);
    tcase_add_test(tc, allocation_failures);
    suite_add_tcase(s, tc);
    tc = tcase_create("commitment");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, commitment_flips_the_decision);
    tcase_add_test(tc, commitment_ec2_instance_covers_ec2_only);
    tcase_add_test(tc, commitment_without_rates_is_on_demand);
    tcase_add_test(tc, commitment_leaves_spot_alone);
    tcase_add_test(tc, commitment_in_compare_and_plans);
    tcase_add_test(tc, commitment_bad_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("compare");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, compare_break_even);
    tcase_add_test(tc, compare_infeasible_and_rate_limits);
    tcase_add_test(tc, concurrent_calls_agree);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(advise_suite());
}
