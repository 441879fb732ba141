/*
 * test_bill.c - the rest of the bill beside compute: front doors, networking and logs
 * (src/core/cost.c's bill lines, rules.c's warnings about them).
 *
 * Every figure is worked by hand below from the rates cf_test_bill() adds (tests/testutil.h:
 * values no AWS file has, so that a figure can only have come from them) and from the billing
 * rules AWS publishes:
 *   - Application Load Balancer: every hour or partial hour it runs, plus LCU-hours, an LCU being
 *     the largest of 25 new connections a second, 3,000 active connections a minute and 1 GB
 *     processed an hour (0.4 GB for Lambda targets) (aws.amazon.com/elasticloadbalancing/
 *     pricing/, read 2026-12; model.json bill.*);
 *   - API Gateway: per request, in monthly tiers (aws.amazon.com/api-gateway/pricing/);
 *   - Lambda function URLs: no charge of their own (aws.amazon.com/lambda/pricing/);
 *   - public IPv4: per address-hour (aws.amazon.com/vpc/pricing/, since 2024-02-01);
 *   - NAT gateway: per hour and per GB processed (aws.amazon.com/vpc/pricing/);
 *   - CloudWatch Logs: per GB ingested and per GB-month stored (aws.amazon.com/cloudwatch/
 *     pricing/); a GB is 2^30 bytes.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/cost.h"
#include "computefit/message.h"
#include "computefit/model.h"
#include "computefit/platform.h"
#include "computefit/rates.h"
#include "testutil.h"

#define HOURS 730.0
#define GIB   1073741824.0
#define DAYS  (HOURS / 24) /* a month of the model: 30.4167 days */

static struct model *model;
static struct rates *rates, *bare;

static void setup(void)
{
    model = cf_test_model();
    rates = cf_test_rates(NULL, 0);
    cf_test_bill(rates);
    bare = cf_test_rates(NULL, 0);
}

static void teardown(void)
{
    model_free(model);
    rates_unref(rates);
    rates_unref(bare);
}

static struct cf_answer *advise(const char *text)
{
    return cf_test_answer(text, false, rates, model);
}

static const struct cost_option *option(const struct cf_answer *a, enum model_platform p)
{
    return &a->advice->options[p];
}

/* The line `item` of the option's chosen variant, or NULL. */
static const struct cost_line *line(const struct cf_answer *a, enum model_platform p,
                                    const char *item)
{
    const struct cost_variant *v = cost_chosen(option(a, p));
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < v->n_lines; i++)
        if (!strcmp(v->lines[i].item, item))
            return &v->lines[i];
    return NULL;
}

static void expect(const struct cf_answer *a, enum model_platform p, const char *item,
                   double quantity, double unit_usd, enum cost_category cat)
{
    const struct cost_line *l = line(a, p, item);
    ck_assert_msg(l != NULL, "%s: no line %s", platforms[p].key, item);
    ck_assert_double_eq_tol(l->quantity, quantity, 1e-9 * fmax(1, quantity));
    ck_assert_double_eq_tol(l->unit_usd, unit_usd, 1e-15);
    ck_assert_double_eq_tol(l->usd, quantity * unit_usd, 1e-9 * fmax(1, quantity * unit_usd));
    ck_assert_int_eq(l->category, cat);
    ck_assert(!l->estimate);
}

static size_t count_category(const struct cost_variant *v, enum cost_category cat)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_lines; i++)
        n += v->lines[i].category == cat;
    return n;
}

static bool has_warning(const struct cf_answer *a, enum msg_code code)
{
    for (size_t i = 0; i < a->advice->n_warnings; i++)
        if (a->advice->warnings[i].code == code)
            return true;
    return false;
}

/* An HTTP API: 10 calls a second all month = 10 x 3,600 x 730 = 26,280,000 a month, 200 ms
 * each (2 at once), 2 KiB of logs and 20 KiB of request and response each, two pinned
 * always-on Fargate tasks of 0.25 vCPU / 0.5 GB. */
START_TEST(http_api_on_every_platform)
{
    struct cf_answer *a =
        advise("{\"duration\": \"200ms\", \"memory\": \"512MB\", \"invocations\": \"10/s\", "
               "\"trigger\": \"http\", \"log_bytes_per_invocation\": 2048, \"bytes_per_request\": "
               "\"20KB\", \"fargate\": {\"vcpu\": 0.25, \"memory\": \"0.5GB\", \"mode\": "
               "\"always_on\", \"tasks\": 2}}");
    double n = 26280000;
    /* Lambda: auto is a function URL, at no charge; no network of its own. */
    const struct cost_option *l = option(a, MODEL_LAMBDA);
    ck_assert_int_eq(l->front_door, WORKLOAD_DOOR_FUNCTION_URL);
    ck_assert(!l->front_door_alb);
    ck_assert_int_eq(l->network, WORKLOAD_NET_NONE);
    expect(a, MODEL_LAMBDA, "function_url_requests", n, 0, COST_CAT_FRONT_DOOR);
    ck_assert_int_eq(count_category(cost_chosen(l), COST_CAT_NETWORK), 0);
    /* Logs, the same on every platform: 26,280,000 x 2,048 B = 50.1251 GB ingested at $0.57;
     * kept 30 days (the model's default), 50.1251 x 30 / 30.4167 = 49.4385 GB stored at
     * $0.037 a GB-month. */
    double gb = n * 2048 / GIB, stored = gb * 30 / DAYS;
    ck_assert_double_eq_tol(gb, 50.1251220703125, 1e-12);
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        if (!option(a, p)->feasible)
            continue;
        expect(a, p, "logs_ingested_gb", gb, CF_TEST_LOGS_INGEST, COST_CAT_LOGS);
        expect(a, p, "logs_stored_gb_months", stored, CF_TEST_LOGS_STORED, COST_CAT_LOGS);
    }
    /* Fargate: an ALB all month, 730 x $0.0311 = $22.703; its LCUs are the largest of
     * 10 / 25 = 0.4 (new connections, one per call), 2 / 3,000 (active) and
     * 10 x 3,600 x 20,480 B / 2^30 = 0.68665 GB an hour (processed bytes, 1 GB each):
     * 0.68665 x 730 LCU-hours at $0.0077. Two tasks' public IPv4 addresses: 1,460 address-hours
     * at $0.0061 = $8.906. */
    const struct cost_option *f = option(a, MODEL_FARGATE);
    ck_assert_int_eq(f->front_door, WORKLOAD_DOOR_ALB);
    ck_assert_int_eq(f->network, WORKLOAD_NET_PUBLIC_IPV4);
    double lcu = 10 * 3600 * 20480 / GIB;
    expect(a, MODEL_FARGATE, "alb_hours", HOURS, CF_TEST_ALB_HOUR, COST_CAT_FRONT_DOOR);
    expect(a, MODEL_FARGATE, "alb_lcu_hours", lcu * HOURS, CF_TEST_ALB_LCU, COST_CAT_FRONT_DOOR);
    expect(a, MODEL_FARGATE, "public_ipv4_hours", 2 * HOURS, CF_TEST_IPV4_HOUR, COST_CAT_NETWORK);
    const struct cost_variant *v = cost_chosen(f);
    double compute = 2 * HOURS * (0.25 * 0.04048 + 0.5 * 0.004445); /* $17.0228 */
    double bill = HOURS * CF_TEST_ALB_HOUR + lcu * HOURS * CF_TEST_ALB_LCU +
                  2 * HOURS * CF_TEST_IPV4_HOUR + gb * CF_TEST_LOGS_INGEST +
                  stored * CF_TEST_LOGS_STORED;
    ck_assert_double_eq_tol(v->compute_usd, compute, 1e-9);
    ck_assert_double_eq_tol(v->infrastructure_usd, compute + bill, 1e-9);
    ck_assert_double_eq_tol(v->monthly_usd, compute + bill, 1e-9);
    /* What does not grow with the fleet: the ALB and the logs. */
    ck_assert_double_eq_tol(v->shared_usd, bill - 2 * HOURS * CF_TEST_IPV4_HOUR, 1e-9);
    /* ECS on EC2: the same ALB, and an address per instance. */
    const struct cost_option *e = option(a, MODEL_ECS_EC2);
    ck_assert(e->feasible);
    ck_assert_int_eq(e->front_door, WORKLOAD_DOOR_ALB);
    const struct cost_line *hours = line(a, MODEL_ECS_EC2, "instance_hours");
    ck_assert_ptr_nonnull(hours);
    expect(a, MODEL_ECS_EC2, "public_ipv4_hours", hours->quantity, CF_TEST_IPV4_HOUR,
           COST_CAT_NETWORK);
    cf_answer_free(a);
}
END_TEST

/* API Gateway's tiers: HTTP APIs $1.11 a million up to 300 million, $0.99 beyond; REST $3.61
 * to 333 million, $2.91 to 1 billion, $2.47 to 20 billion, $1.61 beyond (cf_test_bill). */
START_TEST(api_gateway_tiers)
{
    /* 400 million HTTP API requests: 300e6 x 1.11e-6 = $333 and 100e6 x 0.99e-6 = $99. */
    struct cf_answer *a =
        advise("{\"duration\": \"100ms\", \"memory\": \"128MB\", \"invocations\": "
               "400000000, \"front_door\": \"api_gateway_http\"}");
    ck_assert_int_eq(a->advice->w.trigger, MODEL_TRIGGER_HTTP); /* implied by the front door */
    expect(a, MODEL_LAMBDA, "api_gateway_http_requests_tier_1", 300e6, CF_TEST_HTTP_API_1,
           COST_CAT_FRONT_DOOR);
    expect(a, MODEL_LAMBDA, "api_gateway_http_requests_tier_2", 100e6, CF_TEST_HTTP_API_2,
           COST_CAT_FRONT_DOOR);
    ck_assert(!option(a, MODEL_LAMBDA)->front_door_alb);
    /* Containers: the same requests, and an ALB behind API Gateway (VPC link). */
    const struct cost_option *f = option(a, MODEL_FARGATE);
    ck_assert_int_eq(f->front_door, WORKLOAD_DOOR_API_GATEWAY_HTTP);
    ck_assert(f->front_door_alb);
    expect(a, MODEL_FARGATE, "api_gateway_http_requests_tier_2", 100e6, CF_TEST_HTTP_API_2,
           COST_CAT_FRONT_DOOR);
    expect(a, MODEL_FARGATE, "alb_hours", HOURS, CF_TEST_ALB_HOUR, COST_CAT_FRONT_DOOR);
    cf_answer_free(a);

    /* Below the boundary the Lambda variant's cost is linear only up to it: 200 million
     * requests of 100 ms at 128 MB are 2.5 million GB-seconds, far from Lambda's own tiers. */
    a = advise("{\"duration\": \"100ms\", \"memory\": \"128MB\", \"invocations\": 200000000, "
               "\"front_door\": \"api_gateway_http\"}");
    expect(a, MODEL_LAMBDA, "api_gateway_http_requests_tier_1", 200e6, CF_TEST_HTTP_API_1,
           COST_CAT_FRONT_DOOR);
    ck_assert_ptr_null(line(a, MODEL_LAMBDA, "api_gateway_http_requests_tier_2"));
    ck_assert_double_eq(cost_chosen(option(a, MODEL_LAMBDA))->piece_end, 300e6);
    cf_answer_free(a);

    /* 1.2 billion REST API requests: 333e6 x 3.61e-6 = $1,202.13; 667e6 x 2.91e-6 = $1,940.97;
     * 200e6 x 2.47e-6 = $494; $3,637.10 in all. */
    a = advise("{\"duration\": \"100ms\", \"memory\": \"128MB\", \"invocations\": 1200000000, "
               "\"trigger\": \"api\", \"front_door\": \"rest_api\"}");
    expect(a, MODEL_LAMBDA, "api_gateway_rest_requests_tier_1", 333e6, CF_TEST_REST_API_1,
           COST_CAT_FRONT_DOOR);
    expect(a, MODEL_LAMBDA, "api_gateway_rest_requests_tier_2", 667e6, CF_TEST_REST_API_2,
           COST_CAT_FRONT_DOOR);
    expect(a, MODEL_LAMBDA, "api_gateway_rest_requests_tier_3", 200e6, CF_TEST_REST_API_3,
           COST_CAT_FRONT_DOOR);
    double sum = 0;
    const struct cost_variant *v = cost_chosen(option(a, MODEL_LAMBDA));
    for (size_t i = 0; i < v->n_lines; i++)
        sum += v->lines[i].category == COST_CAT_FRONT_DOOR ? v->lines[i].usd : 0;
    ck_assert_double_eq_tol(sum, 3637.10, 1e-6);
    cf_answer_free(a);
}
END_TEST

/* Lambda behind an ALB: an LCU holds 0.4 GB an hour for Lambda targets. 36,000 calls an hour
 * of 10 KiB (the model's default) = 0.34332 GB an hour = 0.85831 LCU; the 10 new connections a
 * second are 0.4. */
START_TEST(lambda_behind_alb)
{
    struct cf_answer *a = advise("{\"duration\": \"50ms\", \"memory\": \"256MB\", \"invocations\": "
                                 "\"10/s\", \"front_door\": \"alb\"}");
    const struct cost_option *l = option(a, MODEL_LAMBDA);
    ck_assert_int_eq(l->front_door, WORKLOAD_DOOR_ALB);
    ck_assert(l->front_door_alb);
    double lcu = 36000 * 10240 / GIB / 0.4;
    expect(a, MODEL_LAMBDA, "alb_lcu_hours", lcu * HOURS, CF_TEST_ALB_LCU, COST_CAT_FRONT_DOOR);
    /* Containers get 1 GB an hour per LCU: 0.34332 LCU of bytes, less than the 0.4 of new
     * connections, which bill. */
    expect(a, MODEL_FARGATE, "alb_lcu_hours", 0.4 * HOURS, CF_TEST_ALB_LCU, COST_CAT_FRONT_DOOR);
    cf_answer_free(a);
}
END_TEST

/* A NAT gateway instead of public addresses: 730 h at $0.0517 = $37.741, and 500 GB at
 * $0.0519 = $25.95, on containers only; an S3-triggered task has no front door. */
START_TEST(nat_and_event_triggers)
{
    struct cf_answer *a = advise("{\"duration\": \"30s\", \"memory\": \"1GB\", \"invocations\": "
                                 "\"500/day\", \"trigger\": \"s3\", \"network\": \"nat\", "
                                 "\"egress_gb_per_month\": \"500GB\"}");
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        const struct cost_option *o = option(a, p);
        ck_assert_int_eq(o->front_door, WORKLOAD_DOOR_NONE);
        if (o->feasible)
            ck_assert_int_eq(count_category(cost_chosen(o), COST_CAT_FRONT_DOOR), 0);
    }
    ck_assert_int_eq(option(a, MODEL_LAMBDA)->network, WORKLOAD_NET_NONE);
    ck_assert_int_eq(count_category(cost_chosen(option(a, MODEL_LAMBDA)), COST_CAT_NETWORK), 0);
    expect(a, MODEL_FARGATE, "nat_gateway_hours", HOURS, CF_TEST_NAT_HOUR, COST_CAT_NETWORK);
    expect(a, MODEL_FARGATE, "nat_gateway_gb", 500, CF_TEST_NAT_GB, COST_CAT_NETWORK);
    ck_assert_ptr_null(line(a, MODEL_FARGATE, "public_ipv4_hours"));
    cf_answer_free(a);
}
END_TEST

/* compute_only drops the rest of the bill: like-for-like with published compute examples. */
START_TEST(compute_only)
{
    struct cf_answer *a =
        advise("{\"duration\": \"200ms\", \"memory\": \"512MB\", \"invocations\": "
               "\"10/s\", \"trigger\": \"http\", \"compute_only\": true}");
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        const struct cost_option *o = option(a, p);
        ck_assert_int_eq(o->front_door, WORKLOAD_DOOR_NONE);
        ck_assert_int_eq(o->network, WORKLOAD_NET_NONE);
        if (!o->feasible)
            continue;
        const struct cost_variant *v = cost_chosen(o);
        for (size_t i = 0; i < v->n_lines; i++)
            ck_assert_int_eq(v->lines[i].category, COST_CAT_COMPUTE);
        ck_assert_double_eq(v->compute_usd, v->infrastructure_usd);
    }
    ck_assert(!has_warning(a, W_BILL_UNPRICED));
    cf_answer_free(a);
}
END_TEST

/* Spot discounts compute only; the fleet's step is a task's compute and its address. */
START_TEST(spot_and_steps)
{
    struct cf_answer *a = advise("{\"duration\": \"1s\", \"memory\": \"512MB\", \"vcpu\": 0.25, "
                                 "\"invocations\": \"20/s\", \"trigger\": \"http\", "
                                 "\"interruptible\": true, \"fargate\": {\"mode\": "
                                 "\"always_on\"}}");
    const struct cost_option *f = option(a, MODEL_FARGATE);
    const struct cost_variant *od = NULL, *spot = NULL;
    for (size_t i = 0; i < f->n_variants; i++) {
        if (!strcmp(f->variants[i].name, "always_on") && f->variants[i].arch == CF_ARCH_X86_64)
            od = &f->variants[i];
        if (!strcmp(f->variants[i].name, "always_on_spot") && f->variants[i].arch == CF_ARCH_X86_64)
            spot = &f->variants[i];
    }
    ck_assert_ptr_nonnull(od);
    ck_assert_ptr_nonnull(spot);
    for (size_t i = 0; i < spot->n_lines; i++) {
        const struct cost_line *l = &spot->lines[i];
        ck_assert(l->estimate == (l->category == COST_CAT_COMPUTE));
    }
    ck_assert_double_eq_tol(spot->shared_usd, od->shared_usd, 1e-9);
    ck_assert_double_eq_tol(spot->infrastructure_usd - spot->compute_usd,
                            od->infrastructure_usd - od->compute_usd, 1e-9);
    /* One more 0.25 vCPU / 0.5 GB task all month: 730 x (0.25 x 0.04048 + 0.5 x 0.004445 +
     * 0.0061) = $13.4642; on Spot at the model's 70% off compute: 730 x (0.3 x 0.0123425 +
     * 0.0061). */
    ck_assert(od->step_rate > 0);
    ck_assert_double_eq_tol(od->step_usd, HOURS * (0.25 * 0.04048 + 0.5 * 0.004445 + 0.0061), 1e-9);
    ck_assert_double_eq_tol(spot->step_usd,
                            HOURS * (0.3 * (0.25 * 0.04048 + 0.5 * 0.004445) + 0.0061), 1e-9);
    cf_answer_free(a);
}
END_TEST

/* An instance's address is part of what it costs: four always-on tasks of 1.16 vCPU / 2 GB
 * (5 s calls at 0.5 a second, 2.5 at once, at the 75 % target) fit one to a c6a.large
 * (2 vCPU, $0.0765) or three to a c6a.xlarge (4 vCPU, $0.153): $0.306 an hour either way for
 * compute, but four addresses at $0.0061 against two make two c6a.xlarge the cheaper fleet,
 * 2 x 730 h x ($0.153 + $0.0061). Compute alone keeps the first of the tie, four c6a.large. */
START_TEST(addresses_count_in_packing)
{
    static const char req[] = "{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                              "\"0.5/s\", \"architecture\": \"x86_64\"%s}";
    char text[256];
    snprintf(text, sizeof(text), req, "");
    struct cf_answer *a = advise(text);
    expect(a, MODEL_ECS_EC2, "public_ipv4_hours", 2 * HOURS, CF_TEST_IPV4_HOUR, COST_CAT_NETWORK);
    const struct cost_line *l = line(a, MODEL_ECS_EC2, "instance_hours");
    ck_assert_ptr_nonnull(l);
    ck_assert_double_eq_tol(l->quantity, 2 * HOURS, 1e-9);
    ck_assert_double_eq(l->unit_usd, 0.153);
    cf_answer_free(a);
    snprintf(text, sizeof(text), req, ", \"compute_only\": true");
    a = advise(text);
    l = line(a, MODEL_ECS_EC2, "instance_hours");
    ck_assert_ptr_nonnull(l);
    ck_assert_double_eq_tol(l->quantity, 4 * HOURS, 1e-9);
    ck_assert_double_eq(l->unit_usd, 0.0765);
    cf_answer_free(a);
}
END_TEST

/* Zurich has no Lambda function URLs (docs.aws.amazon.com/lambda/latest/dg/lambda-urls.html):
 * an HTTP function is priced behind API Gateway's HTTP APIs there, and a warning says so. The
 * test table's rates under Zurich's code: 1,000 requests x $0.00000111. */
START_TEST(no_function_urls_in_some_regions)
{
    struct rates *zrh = cf_test_rates(NULL, 0);
    cf_test_bill(zrh);
    snprintf(zrh->regions[0].code, sizeof(zrh->regions[0].code), "eu-central-2");
    struct cf_answer *a = cf_test_answer("{\"duration\": 1, \"memory\": 512, \"invocations\": "
                                         "1000, \"trigger\": \"http\", \"region\": "
                                         "\"eu-central-2\"}",
                                         false, zrh, model);
    const struct cost_option *l = option(a, MODEL_LAMBDA);
    ck_assert_int_eq(l->front_door, WORKLOAD_DOOR_API_GATEWAY_HTTP);
    ck_assert(l->no_function_url);
    expect(a, MODEL_LAMBDA, "api_gateway_http_requests_tier_1", 1000, CF_TEST_HTTP_API_1,
           COST_CAT_FRONT_DOOR);
    ck_assert(has_warning(a, W_NO_FUNCTION_URL));
    ck_assert_int_eq(option(a, MODEL_FARGATE)->front_door, WORKLOAD_DOOR_ALB);
    cf_answer_free(a);
    rates_unref(zrh);
    ck_assert(cost_function_urls("us-east-1"));
    ck_assert(!cost_function_urls("il-central-1"));
}
END_TEST

/* A plan's tasks share one ALB and one NAT gateway, as one VPC's services do: two HTTP services
 * too large for Lambda (12 and 16 GB) each priced with their own, 730 h x $0.0311 and 730 h x
 * $0.0517; the plan takes one of each off, $60.444, and says so. */
START_TEST(plan_shares_the_alb_and_nat)
{
    struct cf_answer *a =
        advise("{\"tasks\": [{\"name\": \"a\", \"duration\": \"1s\", \"memory\": \"12GB\", "
               "\"invocations\": \"1/s\", \"trigger\": \"http\", \"network\": \"nat\"}, "
               "{\"name\": \"b\", \"duration\": \"2s\", \"memory\": \"16GB\", \"invocations\": "
               "\"1/s\", \"trigger\": \"http\", \"network\": \"nat\"}]}");
    const struct plan *p = a->plan;
    ck_assert_ptr_nonnull(p);
    double tasks = 0;
    for (size_t i = 0; i < p->n_tasks; i++) {
        const struct advice *t = p->tasks[i].advice;
        const struct cost_variant *v = cost_chosen(&t->options[t->winner]);
        tasks += v->infrastructure_usd;
        bool alb = false, nat = false;
        for (size_t l = 0; l < v->n_lines; l++) {
            alb = alb || !strcmp(v->lines[l].item, "alb_hours");
            nat = nat || !strcmp(v->lines[l].item, "nat_gateway_hours");
        }
        ck_assert(alb && nat);
    }
    ck_assert_double_eq_tol(p->shared_alb_hours, HOURS, 1e-9);
    ck_assert_double_eq_tol(p->shared_nat_hours, HOURS, 1e-9);
    ck_assert_double_eq_tol(p->shared_usd, -HOURS * (CF_TEST_ALB_HOUR + CF_TEST_NAT_HOUR), 1e-9);
    ck_assert_double_eq_tol(p->monthly_usd, tasks + p->shared_usd, 1e-9);
    bool said = false;
    for (size_t i = 0; i < p->n_warnings; i++)
        said = said || p->warnings[i].code == W_PLAN_SHARED;
    ck_assert(said);
    cf_answer_free(a);
}
END_TEST

/* A region without the bill's rates says so instead of pricing it at 0; front doors that cannot
 * hold a long request warn. */
START_TEST(warnings)
{
    struct cf_answer *a = cf_test_answer("{\"duration\": \"1s\", \"memory\": \"1GB\", "
                                         "\"invocations\": \"1/s\", \"trigger\": \"http\"}",
                                         false, bare, model);
    ck_assert(has_warning(a, W_BILL_UNPRICED));
    ck_assert_int_eq(count_category(cost_chosen(option(a, MODEL_FARGATE)), COST_CAT_FRONT_DOOR), 0);
    char text[512];
    size_t n = 0;
    for (size_t i = 0; i < a->advice->n_warnings; i++) {
        if (a->advice->warnings[i].code != W_BILL_UNPRICED)
            continue;
        msg_format(&a->advice->warnings[i], text, sizeof(text));
        n++;
        ck_assert_msg(strstr(text, "us-east-1"), "%s", text);
    }
    ck_assert_int_eq(n, 3); /* the load balancer, public IPv4 and CloudWatch Logs */
    cf_answer_free(a);

    a = advise("{\"duration\": \"45s\", \"memory\": \"1GB\", \"invocations\": \"1/min\", "
               "\"front_door\": \"api_gateway_http\"}");
    ck_assert(has_warning(a, W_FRONT_DOOR_TIMEOUT));
    ck_assert(!has_warning(a, W_ALB_IDLE_TIMEOUT)); /* 45 s is within the ALB's 60 s */
    cf_answer_free(a);
    a = advise("{\"duration\": \"90s\", \"memory\": \"1GB\", \"invocations\": \"1/min\", "
               "\"trigger\": \"http\"}");
    ck_assert(!has_warning(a, W_FRONT_DOOR_TIMEOUT));
    ck_assert(has_warning(a, W_ALB_IDLE_TIMEOUT));
    cf_answer_free(a);
}
END_TEST

/* The request's fields: defaults, units, refusals naming the field. */
START_TEST(fields)
{
    static const struct {
        const char *json, *field;
    } bad[] = {
        {"\"trigger\": \"sqs\", \"front_door\": \"alb\"", "front_door"},
        {"\"front_door\": \"cloudfront\"", "front_door"},
        {"\"network\": \"vpn\"", "network"},
        {"\"log_retention_days\": 31", "log_retention_days"},
        {"\"log_retention_days\": \"never\"", "log_retention_days"},
        {"\"log_bytes_per_invocation\": -1", "log_bytes_per_invocation"},
        {"\"bytes_per_request\": \"1 parsec\"", "bytes_per_request"},
        {"\"egress_gb_per_month\": true", "egress_gb_per_month"},
        {"\"compute_only\": \"maybe\"", "compute_only"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text),
                 "{\"duration\": 1, \"memory\": 512, \"invocations\": 1000, %s}", bad[i].json);
        json_t *req = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(req);
        struct cf_answer *a = NULL;
        struct cf_error err = {0};
        ck_assert_int_eq(core_advise(req, rates, model, &a, &err), CF_EINVAL);
        ck_assert_str_eq(err.field, bad[i].field);
        json_decref(req);
    }
    /* Defaults from model.json; sizes with units. */
    struct cf_answer *a = advise("{\"duration\": 1, \"memory\": 512, \"invocations\": 1000}");
    const struct workload *w = &a->advice->w;
    ck_assert_int_eq(w->bill.front_door, WORKLOAD_DOOR_AUTO);
    ck_assert_int_eq(w->bill.network, WORKLOAD_NET_PUBLIC_IPV4);
    ck_assert_double_eq(w->bill.log_bytes_per_invocation, model->bill.log_bytes_per_invocation);
    ck_assert_int_eq(w->bill.log_retention_days, (int)model->bill.log_retention_days);
    ck_assert_double_eq(w->bill.bytes_per_request, model->bill.bytes_per_request);
    cf_answer_free(a);
    a = advise("{\"duration\": 1, \"memory\": 512, \"invocations\": 1000, "
               "\"log_bytes_per_invocation\": \"2KB\", \"log_retention_days\": \"365\", "
               "\"egress_gb_per_month\": \"2TB\", \"network\": \"NAT_gateway\"}");
    w = &a->advice->w;
    ck_assert_double_eq(w->bill.log_bytes_per_invocation, 2048);
    ck_assert_int_eq(w->bill.log_retention_days, 365);
    ck_assert_double_eq(w->bill.egress_gb_per_month, 2048);
    ck_assert_int_eq(w->bill.network, WORKLOAD_NET_NAT);
    cf_answer_free(a);
}
END_TEST

static Suite *bill_suite(void)
{
    Suite *s = suite_create("bill");
    TCase *tc = tcase_create("bill");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, http_api_on_every_platform);
    tcase_add_test(tc, api_gateway_tiers);
    tcase_add_test(tc, lambda_behind_alb);
    tcase_add_test(tc, nat_and_event_triggers);
    tcase_add_test(tc, compute_only);
    tcase_add_test(tc, spot_and_steps);
    tcase_add_test(tc, addresses_count_in_packing);
    tcase_add_test(tc, no_function_urls_in_some_regions);
    tcase_add_test(tc, plan_shares_the_alb_and_nat);
    tcase_add_test(tc, warnings);
    tcase_add_test(tc, fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(bill_suite());
}
