/*
 * testutil.c - helpers shared by the Check test binaries.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/model.h"
#include "computefit/rates.h"

char *cf_test_path(const char *rel)
{
    const char *root = getenv("CF_SOURCE_ROOT");
    if (!root || !*root)
        root = ".";
    size_t n = strlen(root) + strlen(rel) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", root, rel);
    return p;
}

char *cf_test_read(const char *rel, size_t *ret_len)
{
    char *path = cf_test_path(rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        abort();
    buf[n] = '\0';
    fclose(f);
    free(path);
    if (ret_len)
        *ret_len = (size_t)n;
    return buf;
}

int cf_test_run(struct Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

struct model *cf_test_model(void)
{
    char *text = cf_test_read("config/model.json", NULL);
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    ck_assert_msg(doc != NULL, "config/model.json: %s", jerr.text);
    struct model *model = NULL;
    struct cf_error err = {0};
    ck_assert_msg(model_from_json(doc, &model, &err) == 0, "config/model.json: %s: %s", err.field,
                  err.message);
    json_decref(doc);
    return model;
}

long cf_test_peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* CPU instances every test table has: us-east-1 Linux on-demand prices of the AWS pricing-page
 * feed (tests/fixtures/quinnypig-processed__ec2.json, 2025-06-13), vCPUs and memory from the
 * Spot Advisor feed's instance_types (tests/fixtures/spotinfo__spot-advisor-data.json). */
static const struct cf_test_gpu cpu_instances[] = {
    {"c6g.medium", 0.034, 1, 2, 0, "", 0},      {"c7g.large", 0.0725, 2, 4, 0, "", 0},
    {"c7a.medium", 0.05132, 1, 2, 0, "", 0},    {"c6a.large", 0.0765, 2, 4, 0, "", 0},
    {"c6i.large", 0.085, 2, 4, 0, "", 0},       {"m7g.large", 0.0816, 2, 8, 0, "", 0},
    {"m6a.large", 0.0864, 2, 8, 0, "", 0},      {"m7i.large", 0.1008, 2, 8, 0, "", 0},
    {"r7i.large", 0.1323, 2, 16, 0, "", 0},     {"c6a.xlarge", 0.153, 4, 8, 0, "", 0},
    {"r6g.8xlarge", 1.6128, 32, 256, 0, "", 0}, {"r6a.8xlarge", 1.8144, 32, 256, 0, "", 0},
    {"r7i.8xlarge", 2.1168, 32, 256, 0, "", 0}, {"c6a.16xlarge", 2.448, 64, 128, 0, "", 0},
    {"c7i.16xlarge", 2.856, 64, 128, 0, "", 0},
};

struct rates *cf_test_rates(const struct cf_test_gpu *gpus, size_t n_gpus)
{
    size_t n_cpu = sizeof(cpu_instances) / sizeof(cpu_instances[0]), n = n_gpus + n_cpu;
    struct rates *r = rates_new(1);
    ck_assert_ptr_nonnull(r);
    struct region_rates *rr = &r->regions[0];
    snprintf(rr->code, sizeof(rr->code), "us-east-1");
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        bool ec2 = o == CF_OFFER_EC2;
        /* EC2 always: the CPU instances; the optional offers (Savings Plans) not. */
        rr->has[o] = cf_offer_required((enum cf_offer)o) && (!ec2 || n > 0);
        rr->info[o].source = CF_SOURCE_SNAPSHOT;
        snprintf(rr->info[o].version, sizeof(rr->info[o].version), "%s",
                 ec2 ? "20250613" : "20250617");
        snprintf(rr->info[o].published, sizeof(rr->info[o].published), "%s",
                 ec2 ? "2025-06-13" : "2025-06-17");
        snprintf(rr->info[o].origin, sizeof(rr->info[o].origin), "test fixture");
    }
    struct lambda_rates *x = &rr->lambda[CF_ARCH_X86_64], *a = &rr->lambda[CF_ARCH_ARM64];
    x->request_usd = a->request_usd = 0.0000002;
    x->n_tiers = a->n_tiers = 3;
    x->gb_s_tiers[0] = (struct rate_tier){6e9, 0.0000166667};
    x->gb_s_tiers[1] = (struct rate_tier){15e9, 0.000015};
    x->gb_s_tiers[2] = (struct rate_tier){(double)INFINITY, 0.0000133334};
    a->gb_s_tiers[0] = (struct rate_tier){7.5e9, 0.0000133334};
    a->gb_s_tiers[1] = (struct rate_tier){18.75e9, 0.0000120001};
    a->gb_s_tiers[2] = (struct rate_tier){(double)INFINITY, 0.0000106667};
    x->ephemeral_gb_s_usd = a->ephemeral_gb_s_usd = 0.0000000309;
    /* Provisioned concurrency: shared/docs/aws-price-list.md section 7 (us-east-1). */
    x->has_provisioned = a->has_provisioned = true;
    x->provisioned_gb_s_usd = 0.0000041667;
    x->provisioned_duration_gb_s_usd = 0.0000097222;
    a->provisioned_gb_s_usd = 0.0000033334;
    a->provisioned_duration_gb_s_usd = 0.0000077778;
    rr->fargate[CF_ARCH_X86_64] = (struct fargate_rates){0.04048, 0.004445};
    rr->fargate[CF_ARCH_ARM64] = (struct fargate_rates){0.03238, 0.00356};
    rr->fargate_ephemeral_gb_hour_usd = 0.000111;
    rr->instances =
        calloc(n ? n : 1, sizeof(*rr->instances)); /* never NULL: rates_finish() sorts it */
    ck_assert_ptr_nonnull(rr->instances);
    for (size_t i = 0; i < n; i++) {
        const struct cf_test_gpu *t = i < n_gpus ? &gpus[i] : &cpu_instances[i - n_gpus];
        struct ec2_instance *g = &rr->instances[i];
        snprintf(g->type, sizeof(g->type), "%s", t->type);
        /* Graviton families (c6g, c7g, m7g, r6g) are arm64. */
        g->arch = strchr(t->type, '.')[-1] == 'g' && t->gpus == 0 ? CF_ARCH_ARM64 : CF_ARCH_X86_64;
        g->usd_per_hour = t->usd_per_hour;
        g->vcpu = t->vcpu;
        g->memory_gib = t->memory_gib;
        g->gpus = t->gpus;
        snprintf(g->gpu_model, sizeof(g->gpu_model), "%s", t->gpu_model);
        g->gpu_memory_gib = t->gpu_memory_gib;
    }
    rr->n_instances = n;
    r->n_regions = 1;
    rates_finish(r);
    return r;
}

void cf_test_savings(struct rates *r)
{
    struct region_rates *rr = NULL;
    for (size_t i = 0; i < r->n_regions; i++)
        if (!strcmp(r->regions[i].code, "us-east-1"))
            rr = &r->regions[i];
    ck_assert_ptr_nonnull(rr);
    rr->has[CF_OFFER_SAVINGS_PLANS] = true;
    rr->info[CF_OFFER_SAVINGS_PLANS] = (struct offer_info){
        .source = CF_SOURCE_SNAPSHOT, .version = "20250618", .origin = "test fixture"};
    /* Compute, 1 year, No Upfront: every rate below its on-demand one. */
    struct sp_rates *c1 = &rr->savings[CF_SP_COMPUTE][0][CF_SP_NO_UPFRONT];
    c1->has = true;
    c1->lambda[CF_ARCH_X86_64] = (struct sp_lambda_rates){0.0000145611, 0.0000036613, 0.0000085517};
    c1->lambda[CF_ARCH_ARM64] = (struct sp_lambda_rates){0.0000117211, 0.0000029311, 0.0000068417};
    c1->fargate[CF_ARCH_X86_64] = (struct fargate_rates){0.0243311, 0.0026711};
    c1->fargate[CF_ARCH_ARM64] = (struct fargate_rates){0.0194111, 0.0021311};
    /* Compute, 3 years, All Upfront: Lambda duration and Fargate arm64 only. */
    struct sp_rates *c3 = &rr->savings[CF_SP_COMPUTE][1][CF_SP_ALL_UPFRONT];
    c3->has = true;
    c3->lambda[CF_ARCH_X86_64].duration_gb_s_usd = 0.0000138811;
    c3->lambda[CF_ARCH_ARM64].duration_gb_s_usd = 0.0000111111;
    c3->fargate[CF_ARCH_ARM64] = (struct fargate_rates){0.0138111, 0.0015211};
    /* EC2 Instance, 1 year, No Upfront: EC2 only, as AWS sells it. */
    rr->savings[CF_SP_EC2_INSTANCE][0][CF_SP_NO_UPFRONT].has = true;
    static const struct {
        const char *type;
        double compute_1y, instance_1y;
    } ec2[] = {
        {"c6g.medium", 0.0236111, 0.0211111},
        {"c7g.large", 0.0501111, 0.0453111},
        {"m7g.large", 0, 0.0511111},
    };
    size_t n = sizeof(ec2) / sizeof(ec2[0]);
    rr->sp_ec2 = calloc(n, sizeof(*rr->sp_ec2));
    ck_assert_ptr_nonnull(rr->sp_ec2);
    for (size_t i = 0; i < n; i++) {
        snprintf(rr->sp_ec2[i].type, sizeof(rr->sp_ec2[i].type), "%s", ec2[i].type);
        rr->sp_ec2[i].usd_per_hour[CF_SP_COMPUTE][0][CF_SP_NO_UPFRONT] = ec2[i].compute_1y;
        rr->sp_ec2[i].usd_per_hour[CF_SP_EC2_INSTANCE][0][CF_SP_NO_UPFRONT] = ec2[i].instance_1y;
    }
    rr->n_sp_ec2 = n;
    rates_finish(r);
}

void cf_test_bill(struct rates *r)
{
    struct region_rates *rr = NULL;
    for (size_t i = 0; i < r->n_regions; i++)
        if (!strcmp(r->regions[i].code, "us-east-1"))
            rr = &r->regions[i];
    ck_assert_ptr_nonnull(rr);
    static const enum cf_offer offers[] = {CF_OFFER_ELB, CF_OFFER_API_GATEWAY, CF_OFFER_CLOUDWATCH,
                                           CF_OFFER_VPC};
    for (size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
        rr->has[offers[i]] = true;
        rr->info[offers[i]] = (struct offer_info){
            .source = CF_SOURCE_SNAPSHOT, .version = "20250619", .origin = "test fixture"};
    }
    rr->elb = (struct elb_rates){CF_TEST_ALB_HOUR, CF_TEST_ALB_LCU};
    struct api_gateway_rates *ag = &rr->api_gateway;
    ag->n_http_tiers = 2;
    ag->http_tiers[0] = (struct rate_tier){300e6, CF_TEST_HTTP_API_1};
    ag->http_tiers[1] = (struct rate_tier){(double)INFINITY, CF_TEST_HTTP_API_2};
    ag->n_rest_tiers = 4;
    ag->rest_tiers[0] = (struct rate_tier){333e6, CF_TEST_REST_API_1};
    ag->rest_tiers[1] = (struct rate_tier){1e9, CF_TEST_REST_API_2};
    ag->rest_tiers[2] = (struct rate_tier){20e9, CF_TEST_REST_API_3};
    ag->rest_tiers[3] = (struct rate_tier){(double)INFINITY, CF_TEST_REST_API_4};
    rr->cloudwatch = (struct cloudwatch_rates){CF_TEST_LOGS_INGEST, CF_TEST_LOGS_STORED};
    rr->public_ipv4_hour_usd = CF_TEST_IPV4_HOUR;
    rr->has_nat_gateway = true;
    rr->nat_gateway_hour_usd = CF_TEST_NAT_HOUR;
    rr->nat_gateway_gb_usd = CF_TEST_NAT_GB;
    rr->nat_gateway_info = rr->info[CF_OFFER_VPC];
}

struct cf_answer *cf_test_answer(const char *text, bool compare, const struct rates *rates,
                                 const struct model *model)
{
    json_error_t jerr;
    json_t *req = json_loads(text, 0, &jerr);
    ck_assert_msg(req != NULL, "bad test JSON: %s: %s", text, jerr.text);
    struct cf_answer *a = NULL;
    struct cf_error err = {0};
    int r = compare ? core_compare(req, rates, model, &a, &err)
                    : core_advise(req, rates, model, &a, &err);
    ck_assert_msg(r == 0, "%s: %s: %s", text, err.field, err.message);
    json_decref(req);
    return a;
}
