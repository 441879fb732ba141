/*
 * test_refresher.c - the refresher against a local upstream that serves offer trees built from
 * the genuine AWS files in tests/fixtures/ and from files generated here.
 *
 * Expected prices are the ones printed in the genuine files (read them there), or the ones this
 * test wrote into the files it generates.
 */
#include <check.h>
#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "computefit/advise.h"
#include "computefit/platform.h"
#include "computefit/gpu_specs.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/state.h"
#include "testutil.h"
#include "upstream.h"

#define ECS_INDEX    "/offers/v1.0/aws/AmazonECS/current/region_index.json"
#define LAMBDA_INDEX "/offers/v1.0/aws/AWSLambda/current/region_index.json"
#define EC2_INDEX    "/offers/v1.0/aws/AmazonEC2/current/region_index.json"
#define ECS_V1       "/offers/v1.0/aws/AmazonECS/20250828172723/us-east-1/index.json"
#define ECS_V2       "/offers/v1.0/aws/AmazonECS/20261101000000/us-east-1/index.json"
#define LAMBDA_FILE  "/offers/v1.0/aws/AWSLambda/current/us-east-1/index.json"
#define EC2_FILE     "/offers/v1.0/aws/AmazonEC2/20261101000000/us-east-1/index.json"
#define SPOT_ADVISOR "/spot-advisor-data.json"

static struct upstream *up;
static struct cf_config cfg;
static struct pricing_cache *cache;
static struct gpu_specs *specs;
static struct refresher *rf;
static char state_dir[64];
static char *ecs_file;
static size_t ecs_len;

static const unsigned ALL =
    (1u << CF_OFFER_LAMBDA) | (1u << CF_OFFER_FARGATE) | (1u << CF_OFFER_EC2);

static void put_index(const char *index_path, const char *file_path)
{
    char doc[512];
    int n = snprintf(doc, sizeof(doc),
                     "{\n  \"formatVersion\" : \"v1.0\",\n  \"publicationDate\" : "
                     "\"2026-11-01T00:00:00Z\",\n  \"regions\" : {\n    \"us-east-1\" : {\n"
                     "      \"regionCode\" : \"us-east-1\",\n      \"currentVersionUrl\" : \"%s\"\n"
                     "    }\n  }\n}\n",
                     file_path);
    ck_assert_int_eq(upstream_put(up, index_path, doc, (size_t)n, "application/json"), 0);
}

/* One EC2 product and its on-demand term, in AWS's pretty-printed layout. */
static int ec2_product(char *out, size_t cap, const char *sku, const char *type, const char *os,
                       const char *tenancy, const char *market, const char *license,
                       const char *family, int gpus, int vcpu, int mem)
{
    return snprintf(
        out, cap,
        "    \"%s\" : {\n      \"sku\" : \"%s\",\n      \"productFamily\" : \"%s\",\n"
        "      \"attributes\" : {\n        \"servicecode\" : \"AmazonEC2\",\n"
        "        \"location\" : \"US East (N. Virginia)\",\n"
        "        \"locationType\" : \"AWS Region\",\n        \"instanceType\" : \"%s\",\n"
        "        \"vcpu\" : \"%d\",\n        \"memory\" : \"%d GiB\",\n"
        "        \"gpu\" : \"%d\",\n        \"gpuMemory\" : \"NA\",\n"
        "        \"tenancy\" : \"%s\",\n        \"operatingSystem\" : \"%s\",\n"
        "        \"licenseModel\" : \"%s\",\n        \"usagetype\" : \"BoxUsage:%s\",\n"
        "        \"operation\" : \"RunInstances\",\n        \"capacitystatus\" : \"Used\",\n"
        "        \"preInstalledSw\" : \"NA\",\n        \"marketoption\" : \"%s\",\n"
        "        \"regionCode\" : \"us-east-1\",\n        \"servicename\" : \"Amazon Elastic "
        "Compute Cloud\"\n      }\n    }",
        sku, sku, family, type, vcpu, mem, gpus, tenancy, os, license, type, market);
}

static int ec2_term(char *out, size_t cap, const char *sku, const char *price)
{
    return snprintf(
        out, cap,
        "      \"%s\" : {\n        \"%s.JRTCKXETXF\" : {\n          \"offerTermCode\" : "
        "\"JRTCKXETXF\",\n          \"sku\" : \"%s\",\n          \"effectiveDate\" : "
        "\"2026-11-01T00:00:00Z\",\n          \"priceDimensions\" : {\n            "
        "\"%s.JRTCKXETXF.6YS6EN2CT7\" : {\n              \"rateCode\" : "
        "\"%s.JRTCKXETXF.6YS6EN2CT7\",\n              \"description\" : \"hourly\",\n"
        "              \"beginRange\" : \"0\",\n              \"endRange\" : \"Inf\",\n"
        "              \"unit\" : \"Hrs\",\n              \"pricePerUnit\" : {\n"
        "                \"USD\" : \"%s\"\n              },\n              \"appliesTo\" "
        ": [ ]\n            }\n          },\n          \"termAttributes\" : { }\n        }\n"
        "      }",
        sku, sku, sku, sku, sku, price);
}

/* A small EC2 offer with the traps: the g5.xlarge Linux on-demand row at `g5_price`, and the
 * same type as Windows, as BYOL, on Dedicated tenancy and as a Capacity Block at $0; p4d on
 * demand at 21.957642 and as a Capacity Block at $0; a non-GPU m5.large; and, when `g6`, a
 * g6.xlarge on demand at 0.8048. */
static char *ec2_doc_rows(const char *g5_price, bool g6, size_t *ret_len)
{
    size_t cap = 64 * 1024, len = 0;
    char *d = malloc(cap);
    len +=
        (size_t)snprintf(d + len, cap - len,
                         "{\n  \"formatVersion\" : \"v1.0\",\n  \"disclaimer\" : \"test\",\n"
                         "  \"offerCode\" : \"AmazonEC2\",\n  \"version\" : \"20261101000000\",\n"
                         "  \"publicationDate\" : \"2026-11-01T00:00:00Z\",\n  \"products\" : {\n");
    struct {
        const char *sku, *type, *os, *ten, *mkt, *lic, *fam, *price;
        int gpus, vcpu, mem;
    } rows[] = {
        {"G5LINUX00000001", "g5.xlarge", "Linux", "Shared", "OnDemand", "No License required",
         "Compute Instance", g5_price, 1, 4, 16},
        {"G5WINDOWS000001", "g5.xlarge", "Windows", "Shared", "OnDemand", "No License required",
         "Compute Instance", "1.8420000000", 1, 4, 16},
        {"G5BYOL000000001", "g5.xlarge", "Linux", "Shared", "OnDemand", "Bring your own license",
         "Compute Instance", "0.9000000000", 1, 4, 16},
        {"G5DEDICATED0001", "g5.xlarge", "Linux", "Dedicated", "OnDemand", "No License required",
         "Compute Instance", "1.1070000000", 1, 4, 16},
        {"G5CAPBLOCK00001", "g5.xlarge", "Linux", "Shared", "CapacityBlock", "No License required",
         "Compute Instance", "0.0000000000", 1, 4, 16},
        {"P4DONDEMAND0001", "p4d.24xlarge", "Linux", "Shared", "OnDemand", "No License required",
         "Compute Instance", "21.9576420000", 8, 96, 1152},
        {"P4DCAPBLOCK0001", "p4d.24xlarge", "Linux", "Shared", "CapacityBlock",
         "No License required", "Compute Instance", "0.0000000000", 8, 96, 1152},
        {"M5LARGE00000001", "m5.large", "Linux", "Shared", "OnDemand", "No License required",
         "Compute Instance", "0.0960000000", 0, 2, 8},
        {"G6XLARGE0000001", "g6.xlarge", "Linux", "Shared", "OnDemand", "No License required",
         "Compute Instance", "0.8048000000", 1, 4, 16},
    };
    size_t n = sizeof(rows) / sizeof(rows[0]) - !g6;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)ec2_product(d + len, cap - len, rows[i].sku, rows[i].type, rows[i].os,
                                   rows[i].ten, rows[i].mkt, rows[i].lic, rows[i].fam, rows[i].gpus,
                                   rows[i].vcpu, rows[i].mem);
        len += (size_t)snprintf(d + len, cap - len, "%s\n", i + 1 < n ? "," : "");
    }
    len += (size_t)snprintf(d + len, cap - len, "  },\n  \"terms\" : {\n    \"OnDemand\" : {\n");
    for (size_t i = 0; i < n; i++) {
        len += (size_t)ec2_term(d + len, cap - len, rows[i].sku, rows[i].price);
        len += (size_t)snprintf(d + len, cap - len, "%s\n", i + 1 < n ? "," : "");
    }
    len += (size_t)snprintf(d + len, cap - len, "    }\n  },\n  \"attributesList\" : { }\n}\n");
    ck_assert_uint_lt(len, cap);
    *ret_len = len;
    return d;
}

static char *ec2_doc(const char *g5_price, size_t *ret_len)
{
    return ec2_doc_rows(g5_price, false, ret_len);
}

static void put_ec2(const char *g5_price)
{
    size_t len;
    char *doc = ec2_doc(g5_price, &len);
    ck_assert_int_eq(upstream_put(up, EC2_FILE, doc, len, "application/json"), 0);
    free(doc);
}

static void load_initial(void)
{
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(state_load_initial(&cfg, &r, &err), 0);
    pricing_cache_swap(cache, r);
}

static void make_refresher(void)
{
    struct cf_error err = {0};
    ck_assert_msg(refresher_new(&cfg, cache, specs, NULL, &rf, &err) == 0, "%s", err.message);
}

static void setup(void)
{
    ck_assert_int_eq(upstream_start(NULL, &up), 0);
    config_defaults(&cfg);
    char *snap = cf_test_path("config/rates-snapshot.json");
    snprintf(cfg.rates_snapshot, sizeof(cfg.rates_snapshot), "%s", snap);
    free(snap);
    upstream_url(up, "", cfg.pricing_url, sizeof(cfg.pricing_url));
    snprintf(cfg.regions, sizeof(cfg.regions), "us-east-1");
    cfg.fetch_retries = 1;
    cfg.fetch_timeout_s = 5;
    cfg.fetch_connect_timeout_s = 2;
    strcpy(state_dir, "/tmp/cf-state-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(state_dir));
    snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", state_dir);

    size_t len;
    char *text = cf_test_read("config/gpu-specs.json", &len);
    json_t *doc = json_loadb(text, len, 0, NULL);
    free(text);
    struct cf_error err = {0};
    ck_assert_int_eq(gpu_specs_from_json(doc, &specs, &err), 0);
    json_decref(doc);

    ecs_file = cf_test_read("tests/fixtures/opencost-ecs__ecs-pricing-us-east-1.json", &ecs_len);
    size_t lambda_len;
    char *lambda_file =
        cf_test_read("tests/fixtures/concurrencylabs-awslambda__index.json", &lambda_len);
    put_index(ECS_INDEX, ECS_V1);
    put_index(LAMBDA_INDEX, LAMBDA_FILE);
    put_index(EC2_INDEX, EC2_FILE);
    ck_assert_int_eq(upstream_put(up, ECS_V1, ecs_file, ecs_len, NULL), 0);
    ck_assert_int_eq(upstream_put(up, LAMBDA_FILE, lambda_file, lambda_len, NULL), 0);
    free(lambda_file);
    put_ec2("1.0060000000");
    /* The Spot Advisor feed is on by default: the genuine one, from the local upstream. */
    size_t spot_len;
    char *spot = cf_test_read("tests/fixtures/spotinfo__spot-advisor-data.json", &spot_len);
    ck_assert_int_eq(upstream_put(up, SPOT_ADVISOR, spot, spot_len, "application/json"), 0);
    free(spot);
    upstream_url(up, SPOT_ADVISOR, cfg.ec2_spot_advisor_url, sizeof(cfg.ec2_spot_advisor_url));

    cache = pricing_cache_new();
    load_initial();
    make_refresher();
}

static void teardown(void)
{
    refresher_free(rf);
    rf = NULL;
    pricing_cache_free(cache);
    gpu_specs_free(specs);
    upstream_stop(up);
    free(ecs_file);
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", state_dir, STATE_RATES_FILE);
    unlink(path);
    rmdir(state_dir);
}

static const struct ec2_instance *gpu_of(const struct region_rates *rr, const char *type)
{
    for (size_t i = 0; i < rr->n_instances; i++)
        if (strcmp(rr->instances[i].type, type) == 0)
            return &rr->instances[i];
    return NULL;
}

START_TEST(genuine_files_give_exact_rates)
{
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(rf, ALL, &err) == 0, "%s", err.message);
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *rr = rates_region(r, "us-east-1");
    ck_assert_ptr_nonnull(rr);

    /* AmazonECS 20250828172723, us-east-1 (opencost-ecs__ecs-pricing-us-east-1.json). */
    ck_assert_int_eq(rr->info[CF_OFFER_FARGATE].source, CF_SOURCE_LIVE);
    ck_assert_str_eq(rr->info[CF_OFFER_FARGATE].version, "20250828172723");
    ck_assert_double_eq(rr->fargate[CF_ARCH_X86_64].vcpu_hour_usd, 0.04048);
    ck_assert_double_eq(rr->fargate[CF_ARCH_X86_64].gb_hour_usd, 0.004445);
    ck_assert_double_eq(rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd, 0.03238);
    ck_assert_double_eq(rr->fargate[CF_ARCH_ARM64].gb_hour_usd, 0.00356);
    ck_assert_double_eq(rr->fargate_ephemeral_gb_hour_usd, 0.000111);

    /* AWSLambda 20161207235208: requests $0.0000002, GB-s $0.0000166667 in one dimension; the
     * 2016 file has no ARM and no ephemeral storage, so those keep the rates in use. */
    ck_assert_int_eq(rr->info[CF_OFFER_LAMBDA].source, CF_SOURCE_LIVE);
    ck_assert_str_eq(rr->info[CF_OFFER_LAMBDA].version, "20161207235208");
    ck_assert_double_eq(rr->lambda[CF_ARCH_X86_64].request_usd, 0.0000002);
    ck_assert_double_eq(rr->lambda[CF_ARCH_X86_64].gb_s_tiers[0].usd, 0.0000166667);
    ck_assert_uint_eq(rr->lambda[CF_ARCH_X86_64].n_tiers, 1);
    ck_assert(isinf(rr->lambda[CF_ARCH_X86_64].gb_s_tiers[0].up_to));
    ck_assert_double_eq(rr->lambda[CF_ARCH_ARM64].gb_s_tiers[0].usd, 0.0000133334);
    /* Nor provisioned concurrency (added by AWS in 2019): the snapshot's rates stay in use
     * (aws-price-list.md section 7: x86 0.0000041667 / 0.0000097222). */
    ck_assert(rr->lambda[CF_ARCH_X86_64].has_provisioned);
    ck_assert_double_eq(rr->lambda[CF_ARCH_X86_64].provisioned_gb_s_usd, 0.0000041667);
    ck_assert_double_eq(rr->lambda[CF_ARCH_X86_64].provisioned_duration_gb_s_usd, 0.0000097222);

    /* EC2: only the Linux, shared, on-demand, licence-included rows; never $0 Capacity Blocks. */
    const struct ec2_instance *g5 = gpu_of(rr, "g5.xlarge");
    ck_assert_ptr_nonnull(g5);
    ck_assert_double_eq(g5->usd_per_hour, 1.006);
    ck_assert_str_eq(g5->gpu_model, "A10G");
    ck_assert_double_eq(g5->gpu_memory_gib, 24);
    const struct ec2_instance *p4d = gpu_of(rr, "p4d.24xlarge");
    ck_assert_ptr_nonnull(p4d);
    ck_assert_double_eq(p4d->usd_per_hour, 21.957642);
    ck_assert_double_eq(p4d->gpu_memory_gib, 8 * 40);
    ck_assert_ptr_null(gpu_of(rr, "m5.large"));
    for (size_t i = 0; i < rr->n_instances; i++)
        ck_assert(rr->instances[i].usd_per_hour > 0);

    /* EC2 Spot advice from the genuine Spot Advisor feed (us-east-1 Linux: g5.xlarge s 59 r 4,
     * p4d.24xlarge s 67 r 2), for the types of the region's EC2 list only. */
    const struct ec2_spot_advice *sg5 = rates_ec2_spot(rr, "g5.xlarge");
    ck_assert_ptr_nonnull(sg5);
    ck_assert_double_eq(sg5->savings_pct, 59);
    ck_assert_str_eq(rates_ec2_spot_range(rr, sg5->range)->label, ">20%");
    const struct ec2_spot_advice *sp4d = rates_ec2_spot(rr, "p4d.24xlarge");
    ck_assert_ptr_nonnull(sp4d);
    ck_assert_double_eq(sp4d->savings_pct, 67);
    ck_assert_str_eq(rates_ec2_spot_range(rr, sp4d->range)->label, "10-15%");
    ck_assert_double_eq(rates_ec2_spot_range(rr, sp4d->range)->max_pct, 16);
    for (size_t i = 0; i < rr->n_ec2_spot; i++)
        ck_assert_ptr_nonnull(gpu_of(rr, rr->ec2_spot[i].type));
    ck_assert_int_eq(rr->ec2_spot_info.source, CF_SOURCE_LIVE);
    ck_assert_str_eq(rr->ec2_spot_info.version, "");
    ck_assert_int_gt(rr->ec2_spot_info.fetched_at, 0);
    ck_assert_ptr_nonnull(strstr(rr->ec2_spot_info.origin, SPOT_ADVISOR));

    /* Regions not configured for refresh keep their snapshot rates. */
    const struct region_rates *eu = rates_region(r, "eu-west-1");
    ck_assert_ptr_nonnull(eu);
    ck_assert_int_eq(eu->info[CF_OFFER_FARGATE].source, CF_SOURCE_SNAPSHOT);
    rates_unref(r);

    /* The accepted table was written to the state directory, and it loads. */
    struct rates *saved = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", state_dir, STATE_RATES_FILE);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &saved, &err), 0);
    ck_assert_double_eq(rates_region(saved, "us-east-1")->fargate[CF_ARCH_ARM64].gb_hour_usd,
                        0.00356);
    rates_unref(saved);
}
END_TEST

START_TEST(unchanged_version_is_not_downloaded_again)
{
    struct cf_error err = {0};
    ck_assert_int_eq(refresher_run_once(rf, ALL, &err), 0);
    uint64_t gen = pricing_cache_generation(cache);
    ck_assert_uint_eq(upstream_stats(up, ECS_V1).ok, 1);
    ck_assert_uint_eq(upstream_stats(up, EC2_FILE).ok, 1);

    ck_assert_int_eq(refresher_run_once(rf, ALL, &err), 0);
    /* Same versioned URLs: the offer files were not asked for again, no table was swapped. */
    ck_assert_uint_eq(upstream_stats(up, ECS_V1).requests, 1);
    ck_assert_uint_eq(upstream_stats(up, EC2_FILE).requests, 1);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen);
    /* The index was revalidated with its ETag and answered 304. */
    char etag[160];
    ck_assert(upstream_last_header(up, ECS_INDEX, "If-None-Match", etag, sizeof(etag)));
    ck_assert_uint_ge(upstream_stats(up, ECS_INDEX).not_modified, 1);
    /* The unversioned Lambda URL is revalidated: a 304, so nothing is parsed or swapped. */
    ck_assert_uint_eq(upstream_stats(up, LAMBDA_FILE).ok, 1);
    ck_assert_uint_eq(upstream_stats(up, LAMBDA_FILE).not_modified, 1);
    struct refresh_counts c;
    refresher_counts(rf, CF_OFFER_FARGATE, &c);
    ck_assert_uint_eq(c.ok, 1);
    ck_assert_uint_eq(c.unchanged, 1);

    /* A new version: downloaded and swapped in, with its new price. */
    char *v2 = strdup(ecs_file);
    char *p = strstr(v2, "\"0.0404800000\"");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "\"0.0414800000\"", 14);
    ck_assert_int_eq(upstream_put(up, ECS_V2, v2, ecs_len, NULL), 0);
    free(v2);
    put_index(ECS_INDEX, ECS_V2);
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_FARGATE, &err), 0);
    ck_assert_uint_eq(upstream_stats(up, ECS_V2).ok, 1);
    struct rates *r = pricing_cache_acquire(cache);
    ck_assert_double_eq(rates_region(r, "us-east-1")->fargate[CF_ARCH_X86_64].vcpu_hour_usd,
                        0.04148);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen + 1);
    rates_unref(r);
}
END_TEST

/* Runs one refresh of `offer` that must fail; checks that the table in use did not change
 * and that /pricing's status carries the error. */
static void expect_failure(enum cf_offer offer, const char *message_part)
{
    struct rates *before = pricing_cache_acquire(cache);
    uint64_t gen = pricing_cache_generation(cache);
    struct cf_error err = {0};
    ck_assert_int_ne(refresher_run_once(rf, 1u << offer, &err), 0);
    if (message_part)
        ck_assert_msg(strstr(err.message, message_part) != NULL, "message: %s", err.message);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen);
    struct rates *after = pricing_cache_acquire(cache);
    ck_assert_ptr_eq(before, after);
    json_t *status = refresher_status_json(rf, after, 0);
    const char *name = cf_offer_name(offer);
    json_t *o = json_object_get(json_object_get(status, "offers"), name);
    ck_assert(json_is_string(json_object_get(o, "last_error")));
    json_decref(status);
    rates_unref(before);
    rates_unref(after);
}

/* A feed at `path` (of `offer`) answering 500, then a body that is not JSON: each refresh
 * fails, the table in use stays and the error is shown; then the feed is served again. */
static void expect_transport_failures(enum cf_offer offer, const char *path)
{
    struct upstream_fault f = {0};
    f.status = 500;
    upstream_set_fault(up, path, &f);
    expect_failure(offer, "500");
    memset(&f, 0, sizeof(f));
    f.body = "<html>moved</html>";
    f.body_len = strlen(f.body);
    upstream_set_fault(up, path, &f);
    expect_failure(offer, "not JSON");
    upstream_set_fault(up, path, NULL);
}

START_TEST(failures_keep_the_rates_in_use)
{
    /* Only the offer files fail here. A feed that reads fine still changes the table while its
     * offer's file fails (the feeds' tests show it), so the Spot Advisor feed is off. */
    cfg.ec2_spot_advisor_url[0] = '\0';
    refresher_free(rf);
    make_refresher();
    struct upstream_fault f = {0};
    f.status = 500;
    upstream_set_fault(up, ECS_V1, &f);
    expect_failure(CF_OFFER_FARGATE, "500");
    ck_assert_uint_eq(upstream_stats(up, ECS_V1).requests, 2); /* one retry */

    f.status = 404;
    upstream_set_fault(up, ECS_V1, &f);
    expect_failure(CF_OFFER_FARGATE, "404");

    memset(&f, 0, sizeof(f));
    f.truncate = true;
    f.truncate_after = 1000;
    upstream_set_fault(up, ECS_V1, &f);
    expect_failure(CF_OFFER_FARGATE, NULL);

    memset(&f, 0, sizeof(f));
    f.body = "{\"products\": {\"x\": ";
    f.body_len = strlen(f.body);
    upstream_set_fault(up, ECS_V1, &f);
    expect_failure(CF_OFFER_FARGATE, NULL);

    f.body = "{\"formatVersion\":\"v1.0\",\"offerCode\":\"AmazonECS\",\"products\":{},"
             "\"terms\":{\"OnDemand\":{}}}";
    f.body_len = strlen(f.body);
    upstream_set_fault(up, ECS_V1, &f);
    expect_failure(CF_OFFER_FARGATE, NULL);
    upstream_set_fault(up, ECS_V1, NULL);

    /* Truncated and invalid EC2 streams. */
    memset(&f, 0, sizeof(f));
    f.truncate = true;
    f.truncate_after = 3000;
    upstream_set_fault(up, EC2_FILE, &f);
    expect_failure(CF_OFFER_EC2, NULL);
    memset(&f, 0, sizeof(f));
    f.body = "{\"products\" : { \"A\" : { \"sku\" : [ }";
    f.body_len = strlen(f.body);
    upstream_set_fault(up, EC2_FILE, &f);
    expect_failure(CF_OFFER_EC2, NULL);
    upstream_set_fault(up, EC2_FILE, NULL);

    /* An index that is not one. */
    memset(&f, 0, sizeof(f));
    f.body = "[1, 2, 3]";
    f.body_len = strlen(f.body);
    upstream_set_fault(up, LAMBDA_INDEX, &f);
    expect_failure(CF_OFFER_LAMBDA, "region index");
    upstream_set_fault(up, LAMBDA_INDEX, NULL);

    /* A stall past the timeout. */
    cfg.fetch_timeout_s = 1;
    refresher_free(rf);
    make_refresher();
    memset(&f, 0, sizeof(f));
    f.stall_before_ms = 3000;
    upstream_set_fault(up, ECS_INDEX, &f);
    expect_failure(CF_OFFER_FARGATE, NULL);
    upstream_set_fault(up, ECS_INDEX, NULL);

    /* A body past the byte cap. */
    cfg.fetch_max_bytes = 4096;
    refresher_free(rf);
    make_refresher();
    expect_failure(CF_OFFER_FARGATE, NULL);
}
END_TEST

#define SPOT_FEED "/fargate-spot-prices.json"

/* A Fargate Spot feed in AWS's format with both us-east-1 rates for x86 and ARM (the ARM
 * spellings, "ARM-vCPU-Hours" and "ARM-GB-Hours", are not in any genuine file here). */
static void put_spot_feed(const char *version, const char *x86_vcpu)
{
    char doc[2048];
    int n = snprintf(
        doc, sizeof(doc),
        "{\"metadata\": {\"format:version\": \"1.0\", \"source:version\": \"%s\"},\n"
        " \"prices\": [\n"
        "  {\"id\": \"a\", \"unit\": \"vCPU-Hours\", \"price\": {\"USD\": \"%s\"},\n"
        "   \"attributes\": {\"aws:region\": \"us-east-1\", \"aws:label\": \"per vCPU per "
        "hour\"}},\n"
        "  {\"id\": \"b\", \"unit\": \"GB-Hours\", \"price\": {\"USD\": \"0.00141527\"},\n"
        "   \"attributes\": {\"aws:region\": \"us-east-1\", \"aws:label\": \"per GB per hour\"}},\n"
        "  {\"id\": \"c\", \"unit\": \"ARM-vCPU-Hours\", \"price\": {\"USD\": \"0.01030969\"},\n"
        "   \"attributes\": {\"aws:region\": \"us-east-1\", \"aws:label\": \"ARM per vCPU per "
        "hour\"}},\n"
        "  {\"id\": \"d\", \"unit\": \"ARM-GB-Hours\", \"price\": {\"USD\": \"0.00113349\"},\n"
        "   \"attributes\": {\"aws:region\": \"us-east-1\", \"aws:label\": \"ARM per GB per "
        "hour\"}}\n"
        " ]}\n",
        version, x86_vcpu);
    ck_assert_int_lt(n, (int)sizeof(doc));
    ck_assert_int_eq(upstream_put(up, SPOT_FEED, doc, (size_t)n, "application/json"), 0);
}

static json_t *spot_status_of(const json_t *status)
{
    return json_object_get(json_object_get(json_object_get(status, "offers"), "fargate"), "spot");
}

START_TEST(spot_feed_rates_and_failures)
{
    const unsigned FARGATE = 1u << CF_OFFER_FARGATE;
    struct cf_error err = {0};
    char url[256];
    upstream_url(up, SPOT_FEED, url, sizeof(url));
    snprintf(cfg.fargate_spot_url, sizeof(cfg.fargate_spot_url), "%s", url);

    /* 1. The genuine ligoj feed (2019): us-east-1 has a vCPU row (0.01458) but no GB row, so
     * no Spot rate; the on-demand rates still refresh. */
    size_t glen;
    char *genuine = cf_test_read("tests/fixtures/ligoj__spot-fargate.json", &glen);
    ck_assert_int_eq(upstream_put(up, SPOT_FEED, genuine, glen, "application/json"), 0);
    free(genuine);
    ck_assert_msg(refresher_run_once(rf, FARGATE, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(upstream_stats(up, SPOT_FEED).ok, 1);
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *us = rates_region(r, "us-east-1");
    ck_assert_int_eq(us->info[CF_OFFER_FARGATE].source, CF_SOURCE_LIVE);
    ck_assert(!rates_has_fargate_spot(us));
    json_t *st = refresher_status_json(rf, r, 0);
    json_t *sp = spot_status_of(st);
    ck_assert_str_eq(json_string_value(json_object_get(sp, "source")), "none");
    ck_assert_str_eq(json_string_value(json_object_get(sp, "version")), "20190730194642");
    ck_assert_str_eq(json_string_value(json_object_get(sp, "url")), url);
    ck_assert(json_is_null(json_object_get(sp, "last_error")));
    json_decref(st);
    rates_unref(r);

    /* 2. A feed with both us-east-1 rates: a new table, ECS not downloaded again. */
    uint64_t gen = pricing_cache_generation(cache);
    put_spot_feed("20261101000000", "0.01288871");
    ck_assert_msg(refresher_run_once(rf, FARGATE, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen + 1);
    ck_assert_uint_eq(upstream_stats(up, ECS_V1).requests, 1);
    r = pricing_cache_acquire(cache);
    us = rates_region(r, "us-east-1");
    ck_assert(us->has_fargate_spot[CF_ARCH_X86_64] && us->has_fargate_spot[CF_ARCH_ARM64]);
    ck_assert_double_eq(us->fargate_spot[CF_ARCH_X86_64].vcpu_hour_usd, 0.01288871);
    ck_assert_double_eq(us->fargate_spot[CF_ARCH_X86_64].gb_hour_usd, 0.00141527);
    ck_assert_double_eq(us->fargate_spot[CF_ARCH_ARM64].vcpu_hour_usd, 0.01030969);
    ck_assert_double_eq(us->fargate_spot[CF_ARCH_ARM64].gb_hour_usd, 0.00113349);
    ck_assert_int_eq(us->fargate_spot_info.source, CF_SOURCE_LIVE);
    ck_assert_str_eq(us->fargate_spot_info.version, "20261101000000");
    ck_assert_str_eq(us->fargate_spot_info.published, "2026-11-01T00:00:00Z");
    ck_assert_str_eq(us->fargate_spot_info.origin, url);
    ck_assert_int_gt(us->fargate_spot_info.fetched_at, 0);
    /* The on-demand rates are the ECS file's, untouched. */
    ck_assert_double_eq(us->fargate[CF_ARCH_X86_64].vcpu_hour_usd, 0.04048);
    /* Regions not configured for refresh get no Spot rates. */
    ck_assert(!rates_has_fargate_spot(rates_region(r, "eu-west-1")));
    st = refresher_status_json(rf, r, 0);
    sp = spot_status_of(st);
    ck_assert_str_eq(json_string_value(json_object_get(sp, "source")), "live");
    ck_assert_str_eq(json_string_value(json_object_get(sp, "version")), "20261101000000");
    json_t *rs = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(st, "offers"), "fargate"), "regions"),
            "us-east-1"),
        "spot");
    ck_assert_str_eq(json_string_value(json_object_get(rs, "source")), "live");
    ck_assert_uint_eq(json_array_size(json_object_get(rs, "architectures")), 2);
    json_decref(st);
    rates_unref(r);

    /* The saved state file carries them. */
    struct rates *saved = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", state_dir, STATE_RATES_FILE);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &saved, &err), 0);
    ck_assert_double_eq(rates_region(saved, "us-east-1")->fargate_spot[CF_ARCH_ARM64].gb_hour_usd,
                        0.00113349);
    rates_unref(saved);

    /* 3. Unchanged: the feed is revalidated (304) and no table is built. */
    gen = pricing_cache_generation(cache);
    ck_assert_int_eq(refresher_run_once(rf, FARGATE, &err), 0);
    ck_assert_uint_ge(upstream_stats(up, SPOT_FEED).not_modified, 1);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen);

    /* 4. Failures keep the Spot rates in use and are reported: 500, not JSON, a bad row. */
    expect_transport_failures(CF_OFFER_FARGATE, SPOT_FEED);
    struct upstream_fault f = {0};
    f.body = "{\"prices\": [{\"unit\": \"vCPU-Hours\", \"price\": {\"USD\": \"0\"}, "
             "\"attributes\": {\"aws:region\": \"us-east-1\"}}]}";
    f.body_len = strlen(f.body);
    upstream_set_fault(up, SPOT_FEED, &f);
    expect_failure(CF_OFFER_FARGATE, NULL);
    r = pricing_cache_acquire(cache);
    us = rates_region(r, "us-east-1");
    ck_assert_double_eq(us->fargate_spot[CF_ARCH_X86_64].vcpu_hour_usd, 0.01288871);
    st = refresher_status_json(rf, r, 0);
    ck_assert(json_is_string(json_object_get(spot_status_of(st), "last_error")));
    ck_assert_str_eq(json_string_value(json_object_get(spot_status_of(st), "source")), "live");
    json_decref(st);
    rates_unref(r);
    upstream_set_fault(up, SPOT_FEED, NULL);

    /* 5. A new price: swapped in. */
    put_spot_feed("20261102000000", "0.0131");
    ck_assert_msg(refresher_run_once(rf, FARGATE, &err) == 0, "%s", err.message);
    r = pricing_cache_acquire(cache);
    ck_assert_double_eq(rates_region(r, "us-east-1")->fargate_spot[CF_ARCH_X86_64].vcpu_hour_usd,
                        0.0131);
    st = refresher_status_json(rf, r, 0);
    ck_assert(json_is_null(json_object_get(spot_status_of(st), "last_error")));
    json_decref(st);
    rates_unref(r);
}
END_TEST

/* Without a feed URL, no request is made and the status says so. */
START_TEST(spot_feed_not_configured)
{
    struct cf_error err = {0};
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_FARGATE, &err), 0);
    ck_assert_uint_eq(upstream_stats(up, SPOT_FEED).requests, 0);
    struct rates *r = pricing_cache_acquire(cache);
    json_t *st = refresher_status_json(rf, r, 0);
    json_t *sp = spot_status_of(st);
    ck_assert(json_is_null(json_object_get(sp, "url")));
    ck_assert_str_eq(json_string_value(json_object_get(sp, "source")), "none");
    json_decref(st);
    st = pricing_status_json(r, &cfg, 0);
    ck_assert_str_eq(json_string_value(json_object_get(spot_status_of(st), "source")), "none");
    json_decref(st);
    rates_unref(r);
}
END_TEST

/* --- the EC2 Spot Instance Advisor feed ---------------------------------------------------- */

/* A Spot Advisor feed in AWS's layout whose us-east-1 Linux advice on g5.xlarge is `g5` (JSON
 * text: a number, or something broken), with savings no genuine file has: p4d.24xlarge 81.5
 * in band 2, g6.xlarge 77 in band 1, a type no EC2 list here has, Windows figures that must not
 * be read, and eu-west-1 (not refreshed here). `extra` goes into us-east-1's Linux object. */
static void put_advisor(const char *g5, const char *extra)
{
    char doc[4096];
    int n = snprintf(
        doc, sizeof(doc),
        "{\"instance_types\": {\"g5.xlarge\": {\"emr\": true, \"cores\": 4, \"ram_gb\": 16.0}},\n"
        " \"ranges\": [{\"index\": 0, \"label\": \"<5%%\", \"dots\": 0, \"max\": 5},\n"
        "  {\"index\": 1, \"label\": \"5-10%%\", \"dots\": 1, \"max\": 11},\n"
        "  {\"index\": 2, \"label\": \"10-15%%\", \"dots\": 2, \"max\": 16},\n"
        "  {\"index\": 3, \"label\": \"15-20%%\", \"dots\": 3, \"max\": 22},\n"
        "  {\"index\": 4, \"label\": \">20%%\", \"dots\": 4, \"max\": 100}],\n"
        " \"spot_advisor\": {\"us-east-1\": {\"Linux\": {\"g5.xlarge\": %s,\n"
        "   \"p4d.24xlarge\": {\"s\": 81.5, \"r\": 2}, \"g6.xlarge\": {\"s\": 77, \"r\": 1},\n"
        "   \"x2iedn.32xlarge\": {\"s\": 44, \"r\": 0}%s},\n"
        "  \"Windows\": {\"g5.xlarge\": {\"s\": 12, \"r\": 0}}},\n"
        "  \"eu-west-1\": {\"Linux\": {\"g5.xlarge\": {\"s\": 11, \"r\": 0}}}},\n"
        " \"global_rate\": \"<10%%\"}",
        g5, extra);
    ck_assert_int_lt(n, (int)sizeof(doc));
    ck_assert_int_eq(upstream_put(up, SPOT_ADVISOR, doc, (size_t)n, "application/json"), 0);
}

static json_t *advisor_status_of(const json_t *status)
{
    return json_object_get(json_object_get(json_object_get(status, "offers"), "ec2"),
                           "spot_advisor");
}

static json_t *advisor_region_status(const json_t *status, const char *region)
{
    return json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(status, "offers"), "ec2"), "regions"),
            region),
        "spot_advisor");
}

/* Asserts the table in use advises `savings` in `band` on `type` in us-east-1 (savings < 0:
 * no advice on it). */
static void expect_advice(const char *type, double savings, const char *band)
{
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *us = rates_region(r, "us-east-1");
    const struct ec2_spot_advice *a = rates_ec2_spot(us, type);
    if (savings < 0) {
        ck_assert_msg(a == NULL, "advice on %s", type);
    } else {
        ck_assert_msg(a != NULL, "no advice on %s", type);
        ck_assert_double_eq(a->savings_pct, savings);
        ck_assert_str_eq(rates_ec2_spot_range(us, a->range)->label, band);
    }
    rates_unref(r);
}

START_TEST(spot_advisor_feed_rates_and_failures)
{
    const unsigned EC2 = 1u << CF_OFFER_EC2;
    struct cf_error err = {0};
    char url[256];
    upstream_url(up, SPOT_ADVISOR, url, sizeof(url));

    /* 1. A generated feed: its figures are in the table, for the types of the EC2 list
     * (g5.xlarge, p4d.24xlarge) only, Linux only; the Windows and eu-west-1 figures unused. */
    put_advisor("{\"s\": 73.5, \"r\": 1}", "");
    ck_assert_msg(refresher_run_once(rf, EC2, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(upstream_stats(up, SPOT_ADVISOR).ok, 1);
    expect_advice("g5.xlarge", 73.5, "5-10%");
    expect_advice("p4d.24xlarge", 81.5, "10-15%");
    expect_advice("g6.xlarge", -1, NULL);       /* not in this EC2 list */
    expect_advice("x2iedn.32xlarge", -1, NULL); /* nor this */
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *us = rates_region(r, "us-east-1");
    ck_assert_uint_eq(us->n_ec2_spot, 2);
    ck_assert_int_eq(us->ec2_spot_info.source, CF_SOURCE_LIVE);
    ck_assert_str_eq(us->ec2_spot_info.origin, url);
    ck_assert_str_eq(us->ec2_spot_info.version, "");
    ck_assert_str_eq(us->ec2_spot_info.published, "");
    ck_assert_int_gt(us->ec2_spot_info.fetched_at, 0);
    /* eu-west-1 is not refreshed here: the snapshot's advice (the genuine feed's), untouched. */
    const struct region_rates *eu = rates_region(r, "eu-west-1");
    ck_assert(!eu->has[CF_OFFER_EC2] || eu->ec2_spot_info.source != CF_SOURCE_LIVE);
    json_t *st = refresher_status_json(rf, r, 0);
    json_t *sa = advisor_status_of(st);
    ck_assert_str_eq(json_string_value(json_object_get(sa, "url")), url);
    ck_assert_str_eq(json_string_value(json_object_get(sa, "source")), "live");
    ck_assert(json_is_null(json_object_get(sa, "version")));
    ck_assert(json_is_null(json_object_get(sa, "last_error")));
    json_t *rs = advisor_region_status(st, "us-east-1");
    ck_assert_str_eq(json_string_value(json_object_get(rs, "source")), "live");
    ck_assert_int_eq(json_integer_value(json_object_get(rs, "instance_types")), 2);
    ck_assert(json_is_null(json_object_get(rs, "version")));
    json_decref(st);
    rates_unref(r);

    /* The saved state file carries it. */
    struct rates *saved = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", state_dir, STATE_RATES_FILE);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &saved, &err), 0);
    ck_assert_double_eq(rates_ec2_spot(rates_region(saved, "us-east-1"), "g5.xlarge")->savings_pct,
                        73.5);
    rates_unref(saved);

    /* 2. Unchanged: revalidated with its validators (304), no table built. */
    uint64_t gen = pricing_cache_generation(cache);
    ck_assert_int_eq(refresher_run_once(rf, EC2, &err), 0);
    ck_assert_uint_eq(upstream_stats(up, SPOT_ADVISOR).not_modified, 1);
    char etag[160];
    ck_assert(upstream_last_header(up, SPOT_ADVISOR, "If-None-Match", etag, sizeof(etag)));
    ck_assert_uint_eq(pricing_cache_generation(cache), gen);
    /* A new feed that changed only for a type the region does not sell: no table either. */
    put_advisor("{\"s\": 73.5, \"r\": 1}", ", \"g4dn.metal\": {\"s\": 9, \"r\": 0}");
    ck_assert_int_eq(refresher_run_once(rf, EC2, &err), 0);
    ck_assert_uint_eq(upstream_stats(up, SPOT_ADVISOR).ok, 2);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen);

    /* 3. Failures keep the advice in use and are reported: 500, not JSON, and malformed feeds
     * (a missing key, a band that does not exist, a saving of 100 or as a string, a type name
     * too long for the table, no bands at all). */
    expect_transport_failures(CF_OFFER_EC2, SPOT_ADVISOR);
    static const char *const bad_g5[] = {
        "{\"r\": 1}",
        "{\"s\": 73.5}",
        "{\"s\": 73.5, \"r\": 5}",
        "{\"s\": 100, \"r\": 1}",
        "{\"s\": \"66\", \"r\": 1}",
        ("{\"s\": 73.5, \"r\": 1}, \"g5.a-type-name-far-too-long-for-the-table\": {\"s\": 1, "
         "\"r\": 1}"),
    };
    for (size_t i = 0; i < sizeof(bad_g5) / sizeof(bad_g5[0]); i++) {
        put_advisor(bad_g5[i], "");
        expect_failure(CF_OFFER_EC2, NULL);
    }
    struct upstream_fault f = {0};
    f.body = "{\"spot_advisor\": {\"us-east-1\": {\"Linux\": {}}}}";
    f.body_len = strlen(f.body);
    upstream_set_fault(up, SPOT_ADVISOR, &f);
    expect_failure(CF_OFFER_EC2, "ranges");
    upstream_set_fault(up, SPOT_ADVISOR, NULL);
    expect_advice("g5.xlarge", 73.5, "5-10%");
    expect_advice("p4d.24xlarge", 81.5, "10-15%");
    r = pricing_cache_acquire(cache);
    st = refresher_status_json(rf, r, 0);
    ck_assert(json_is_string(json_object_get(advisor_status_of(st), "last_error")));
    ck_assert_str_eq(json_string_value(json_object_get(advisor_status_of(st), "source")), "live");
    json_decref(st);
    rates_unref(r);

    /* 4. A saving of 0 advises none: that type loses its advice, the others keep theirs. */
    put_advisor("{\"s\": 0, \"r\": 4}", "");
    ck_assert_msg(refresher_run_once(rf, EC2, &err) == 0, "%s", err.message);
    expect_advice("g5.xlarge", -1, NULL);
    expect_advice("p4d.24xlarge", 81.5, "10-15%");

    /* 5. New figures: swapped in, the error cleared. */
    put_advisor("{\"s\": 64.25, \"r\": 3}", "");
    ck_assert_msg(refresher_run_once(rf, EC2, &err) == 0, "%s", err.message);
    expect_advice("g5.xlarge", 64.25, "15-20%");
    r = pricing_cache_acquire(cache);
    st = refresher_status_json(rf, r, 0);
    ck_assert(json_is_null(json_object_get(advisor_status_of(st), "last_error")));
    json_decref(st);
    rates_unref(r);
}
END_TEST

/* The advice follows the EC2 list: a type the list gains gets the feed's advice even while the
 * feed is unchanged (304), and a type it loses loses its advice even while the feed fails. */
START_TEST(spot_advisor_follows_the_ec2_list)
{
    const unsigned EC2 = 1u << CF_OFFER_EC2;
    struct cf_error err = {0};
    put_advisor("{\"s\": 73.5, \"r\": 1}", "");
    ck_assert_msg(refresher_run_once(rf, EC2, &err) == 0, "%s", err.message);
    expect_advice("g6.xlarge", -1, NULL);

    const char *v2 = "/offers/v1.0/aws/AmazonEC2/20261102000000/us-east-1/index.json";
    size_t len;
    char *doc = ec2_doc_rows("1.0060000000", true, &len);
    ck_assert_int_eq(upstream_put(up, v2, doc, len, NULL), 0);
    free(doc);
    put_index(EC2_INDEX, v2);
    ck_assert_msg(refresher_run_once(rf, EC2, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(upstream_stats(up, SPOT_ADVISOR).not_modified, 1);
    expect_advice("g6.xlarge", 77, "5-10%");
    expect_advice("g5.xlarge", 73.5, "5-10%");

    /* Back to the list without g6.xlarge, the feed down (one type of four lost: not a partial
     * file here). */
    cfg.ec2_max_lost_share = 0.5;
    struct upstream_fault f = {.status = 503};
    upstream_set_fault(up, SPOT_ADVISOR, &f);
    const char *v3 = "/offers/v1.0/aws/AmazonEC2/20261103000000/us-east-1/index.json";
    doc = ec2_doc_rows("1.0060000000", false, &len);
    ck_assert_int_eq(upstream_put(up, v3, doc, len, NULL), 0);
    free(doc);
    put_index(EC2_INDEX, v3);
    ck_assert_int_ne(refresher_run_once(rf, EC2, &err), 0); /* the feed's failure is reported */
    expect_advice("g6.xlarge", -1, NULL);                   /* ... but the new list is in use */
    expect_advice("g5.xlarge", 73.5, "5-10%");
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *us = rates_region(r, "us-east-1");
    ck_assert_str_eq(
        us->info[CF_OFFER_EC2].origin + strlen(us->info[CF_OFFER_EC2].origin) - strlen(v3), v3);
    for (size_t i = 0; i < us->n_ec2_spot; i++)
        ck_assert_ptr_nonnull(gpu_of(us, us->ec2_spot[i].type));
    rates_unref(r);
}
END_TEST

/* Without a URL no request is made, the status says so, and the advice in use (the
 * snapshot's) follows a new EC2 list all the same. */
START_TEST(spot_advisor_not_configured)
{
    cfg.ec2_spot_advisor_url[0] = '\0';
    refresher_free(rf);
    make_refresher();
    struct cf_error err = {0};
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_EC2, &err), 0);
    ck_assert_uint_eq(upstream_stats(up, SPOT_ADVISOR).requests, 0);
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *us = rates_region(r, "us-east-1");
    ck_assert_int_eq(us->info[CF_OFFER_EC2].source, CF_SOURCE_LIVE);
    ck_assert_int_ne(us->ec2_spot_info.source, CF_SOURCE_LIVE);
    for (size_t i = 0; i < us->n_ec2_spot; i++)
        ck_assert_ptr_nonnull(gpu_of(us, us->ec2_spot[i].type));
    json_t *st = refresher_status_json(rf, r, 0);
    ck_assert(json_is_null(json_object_get(advisor_status_of(st), "url")));
    json_decref(st);
    rates_unref(r);
}
END_TEST

START_TEST(connection_refused)
{
    /* Port 1: nothing listens there, so the connection is refused at once. */
    snprintf(cfg.pricing_url, sizeof(cfg.pricing_url), "http://127.0.0.1:1");
    refresher_free(rf);
    make_refresher();
    expect_failure(CF_OFFER_LAMBDA, NULL);
}
END_TEST

START_TEST(price_jump_is_counted_and_strict_rejects_it)
{
    struct cf_error err = {0};
    /* 10x the g5.xlarge price: accepted but counted when validation is lenient ... */
    put_ec2("10.0600000000");
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_EC2, &err), 0);
    struct refresh_counts c;
    refresher_counts(rf, CF_OFFER_EC2, &c);
    ck_assert_uint_eq(c.big_moves, 1);
    struct rates *r = pricing_cache_acquire(cache);
    ck_assert_double_eq(gpu_of(rates_region(r, "us-east-1"), "g5.xlarge")->usd_per_hour, 10.06);
    rates_unref(r);

    /* ... and rejected when strict. The version URL must change for a re-download. */
    cfg.strict_validation = true;
    refresher_free(rf);
    make_refresher();
    put_ec2("100.6000000000");
    const char *v2 = "/offers/v1.0/aws/AmazonEC2/20261102000000/us-east-1/index.json";
    size_t len;
    char *doc = ec2_doc("100.6000000000", &len);
    ck_assert_int_eq(upstream_put(up, v2, doc, len, NULL), 0);
    free(doc);
    put_index(EC2_INDEX, v2);
    expect_failure(CF_OFFER_EC2, "strict");
    refresher_counts(rf, CF_OFFER_EC2, &c);
    ck_assert_uint_eq(c.rejected, 1);
}
END_TEST

/* An EC2 offer of the Linux on-demand rows `types` at `prices` (vCPU and GiB as given), served
 * at a versioned URL of its own, which the region index then names. */
struct ec2_row_spec {
    const char *type, *price;
    int gpus, vcpu, mem;
};

static void put_ec2_rows(const char *version, const struct ec2_row_spec *rows, size_t n)
{
    size_t cap = 64 * 1024, len = 0;
    char *d = malloc(cap), url[128], sku[32];
    len += (size_t)snprintf(d + len, cap - len,
                            "{\n  \"formatVersion\" : \"v1.0\",\n  \"disclaimer\" : \"test\",\n"
                            "  \"offerCode\" : \"AmazonEC2\",\n  \"version\" : \"%s\",\n"
                            "  \"publicationDate\" : \"2026-11-01T00:00:00Z\",\n  \"products\" : "
                            "{\n",
                            version);
    for (size_t i = 0; i < n; i++) {
        snprintf(sku, sizeof(sku), "SKU%012zu", i);
        len += (size_t)ec2_product(d + len, cap - len, sku, rows[i].type, "Linux", "Shared",
                                   "OnDemand", "No License required", "Compute Instance",
                                   rows[i].gpus, rows[i].vcpu, rows[i].mem);
        len += (size_t)snprintf(d + len, cap - len, "%s\n", i + 1 < n ? "," : "");
    }
    len += (size_t)snprintf(d + len, cap - len, "  },\n  \"terms\" : {\n    \"OnDemand\" : {\n");
    for (size_t i = 0; i < n; i++) {
        snprintf(sku, sizeof(sku), "SKU%012zu", i);
        len += (size_t)ec2_term(d + len, cap - len, sku, rows[i].price);
        len += (size_t)snprintf(d + len, cap - len, "%s\n", i + 1 < n ? "," : "");
    }
    len += (size_t)snprintf(d + len, cap - len, "    }\n  }\n}\n");
    ck_assert_uint_lt(len, cap);
    snprintf(url, sizeof(url), "/offers/v1.0/aws/AmazonEC2/%s/us-east-1/index.json", version);
    ck_assert_int_eq(upstream_put(up, url, d, len, NULL), 0);
    put_index(EC2_INDEX, url);
    free(d);
}

/* Issue 12: CPU families are kept beside GPU ones, and a live list that loses more than
 * ec2_max_lost_share (0.2) of the types read from the last offer file is refused as a partial
 * file, the last good list serving on. */
START_TEST(cpu_rows_kept_and_partial_files_refused)
{
    struct cf_error err = {0};
    static const struct ec2_row_spec full[] = {
        {"g5.xlarge", "1.0060000000", 1, 4, 16},
        {"p4d.24xlarge", "21.9576420000", 8, 96, 1152},
        {"c7i.large", "0.0892500000", 0, 2, 4},
        {"m7g.large", "0.0816000000", 0, 2, 8},
        {"r7a.large", "0.1521500000", 0, 2, 16},
        {"m5.large", "0.0960000000", 0, 2, 8},
        {"c7i.metal-24xl", "4.2840000000", 0, 96, 192},
    };
    put_ec2_rows("20261103000000", full, sizeof(full) / sizeof(full[0]));
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_EC2, &err), 0);
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *rr = rates_region(r, "us-east-1");
    /* m5 (5th generation) and bare metal are left out: 5 types. */
    ck_assert_uint_eq(rr->n_instances, 5);
    ck_assert_ptr_null(gpu_of(rr, "m5.large"));
    ck_assert_ptr_null(gpu_of(rr, "c7i.metal-24xl"));
    const struct ec2_instance *m7g = gpu_of(rr, "m7g.large"), *c7i = gpu_of(rr, "c7i.large");
    ck_assert_int_eq(m7g->arch, CF_ARCH_ARM64);
    ck_assert_int_eq(m7g->gpus, 0);
    ck_assert_double_eq(m7g->memory_gib, 8);
    ck_assert_int_eq(c7i->arch, CF_ARCH_X86_64);
    ck_assert_double_eq(c7i->usd_per_hour, 0.08925);
    rates_unref(r);

    /* A file with 3 of the 5 (2 lost, 40% > 20%): refused, the 5 serve on. */
    put_ec2_rows("20261104000000", full, 3);
    expect_failure(CF_OFFER_EC2, "partial");
    r = pricing_cache_acquire(cache);
    ck_assert_uint_eq(rates_region(r, "us-east-1")->n_instances, 5);
    rates_unref(r);
    /* 4 of the 5 (1 lost, 20%, not more than the share): accepted. */
    put_ec2_rows("20261105000000", full, 4);
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_EC2, &err), 0);
    r = pricing_cache_acquire(cache);
    ck_assert_uint_eq(rates_region(r, "us-east-1")->n_instances, 4);
    rates_unref(r);
}
END_TEST

START_TEST(restart_uses_state_and_corrupt_state_falls_back)
{
    struct cf_error err = {0};
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_FARGATE, &err), 0);

    struct rates *r = NULL;
    ck_assert_int_eq(state_load_initial(&cfg, &r, &err), 0);
    const struct region_rates *rr = rates_region(r, "us-east-1");
    ck_assert_int_eq(rr->info[CF_OFFER_FARGATE].source, CF_SOURCE_STATE);
    ck_assert_str_eq(rr->info[CF_OFFER_FARGATE].version, "20250828172723");
    rates_unref(r);

    /* A fresh process with that state does not download the unchanged version again. */
    refresher_free(rf);
    pricing_cache_free(cache);
    cache = pricing_cache_new();
    load_initial();
    make_refresher();
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_FARGATE, &err), 0);
    ck_assert_uint_eq(upstream_stats(up, ECS_V1).requests, 1);

    char path[128];
    snprintf(path, sizeof(path), "%s/%s", state_dir, STATE_RATES_FILE);
    FILE *f = fopen(path, "w");
    fputs("{\"format\": \"computefit-rates/1\", \"regions\": [", f);
    fclose(f);
    ck_assert_int_eq(state_load_initial(&cfg, &r, &err), 0);
    ck_assert_int_eq(rates_region(r, "us-east-1")->info[CF_OFFER_FARGATE].source,
                     CF_SOURCE_SNAPSHOT);
    rates_unref(r);
}
END_TEST

/* --- a large generated EC2 offer, streamed, never stored ----------------------------------- */

#define BIG_PRODUCTS 140000 /* ~1.5 KB per product and its term: ~209 MB in all */

struct big_state {
    int phase; /* 0 head, 1 products, 2 middle, 3 terms, 4 tail, 5 done */
    long i;
    char buf[4096];
    size_t len, pos;
};

static void *big_open(void *ctx)
{
    (void)ctx;
    return calloc(1, sizeof(struct big_state));
}

static void big_close(void *state)
{
    free(state);
}

/* Product i: every 1000th is a g6.xlarge on demand (one type, one price), the rest m5.large
 * rows of every operating system; the same skeleton as AWS's file. */
static void big_fill(struct big_state *s)
{
    char sku[32];
    s->len = 0;
    s->pos = 0;
    switch (s->phase) {
    case 0:
        s->len = (size_t)snprintf(
            s->buf, sizeof(s->buf),
            "{\n  \"formatVersion\" : \"v1.0\",\n  \"offerCode\" : "
            "\"AmazonEC2\",\n  \"version\" : \"20261103000000\",\n  "
            "\"publicationDate\" : \"2026-11-03T00:00:00Z\",\n  \"products\" : {\n");
        s->phase = 1;
        return;
    case 1:
    case 3:
        if (s->i >= BIG_PRODUCTS) {
            s->phase++;
            s->i = 0;
            big_fill(s);
            return;
        }
        snprintf(sku, sizeof(sku), "BIGSKU%010ld", s->i);
        if (s->phase == 1) {
            bool gpu = s->i % 1000 == 7;
            static const char *const oses[] = {"Linux", "Windows", "RHEL", "SUSE"};
            s->len = (size_t)ec2_product(
                s->buf, sizeof(s->buf), sku, gpu ? "g6.xlarge" : "m5.large",
                gpu ? "Linux" : oses[s->i % 4], "Shared", "OnDemand", "No License required",
                "Compute Instance", gpu ? 1 : 0, gpu ? 4 : 2, gpu ? 16 : 8);
        } else {
            s->len = (size_t)ec2_term(s->buf, sizeof(s->buf), sku,
                                      s->i % 1000 == 7 ? "0.8048000000" : "0.0960000000");
        }
        s->len += (size_t)snprintf(s->buf + s->len, sizeof(s->buf) - s->len, "%s\n",
                                   s->i + 1 < BIG_PRODUCTS ? "," : "");
        s->i++;
        return;
    case 2:
        s->len = (size_t)snprintf(s->buf, sizeof(s->buf),
                                  "  },\n  \"terms\" : {\n    \"OnDemand\" : {\n");
        s->phase = 3;
        return;
    case 4:
        s->len = (size_t)snprintf(s->buf, sizeof(s->buf), "    }\n  }\n}\n");
        s->phase = 5;
        return;
    default:
        return;
    }
}

static atomic_llong big_bytes_served;

static long big_read(void *state, char *buf, size_t max)
{
    struct big_state *s = state;
    size_t out = 0;
    while (out < max) {
        if (s->pos == s->len) {
            if (s->phase == 5)
                break;
            big_fill(s);
            continue;
        }
        size_t n = s->len - s->pos < max - out ? s->len - s->pos : max - out;
        memcpy(buf + out, s->buf + s->pos, n);
        s->pos += n;
        out += n;
    }
    atomic_fetch_add(&big_bytes_served, (long long)out);
    return (long)out;
}

START_TEST(large_generated_ec2_file_streams_in_bounded_memory)
{
    const char *path = "/offers/v1.0/aws/AmazonEC2/20261103000000/us-east-1/index.json";
    struct upstream_generator gen = {big_open, big_read, big_close, NULL};
    ck_assert_int_eq(upstream_put_generated(up, path, &gen, -1), 0);
    put_index(EC2_INDEX, path);
    cfg.fetch_timeout_s = 600; /* sanitizer builds parse several times slower */
    refresher_free(rf);
    make_refresher();
    long before = cf_test_peak_rss_kb();
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(rf, 1u << CF_OFFER_EC2, &err) == 0, "%s", err.message);
    long after = cf_test_peak_rss_kb();
    /* The file really is that big (the issue asks for at least 200 MB). */
    long long served = atomic_load(&big_bytes_served);
    ck_assert_msg(served >= 200LL * 1000 * 1000, "only %lld bytes served", served);
    /* The file is over 200 MB; the process's peak grew by far less than that. */
    long growth_mb = (after - before) / 1024;
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CF_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(CF_TSAN)
    /* ASan's quarantine keeps freed blocks on purpose, and TSan's shadow memory multiplies every
     * allocation (the table's clone and the state file's JSON grow with the snapshot), so peak
     * RSS says nothing about what the parser holds there; the plain build checks it. */
    fprintf(stderr, "# sanitizer build: peak memory growth %ld MB not checked\n", growth_mb);
#else
    fprintf(stderr, "# peak memory growth %ld MB\n", growth_mb);
    ck_assert_msg(growth_mb < 64, "peak memory grew by %ld MB", growth_mb);
#endif
    struct rates *r = pricing_cache_acquire(cache);
    const struct region_rates *rr = rates_region(r, "us-east-1");
    const struct ec2_instance *g6 = gpu_of(rr, "g6.xlarge");
    ck_assert_ptr_nonnull(g6);
    ck_assert_double_eq(g6->usd_per_hour, 0.8048);
    ck_assert_str_eq(g6->gpu_model, "L4");
    ck_assert_uint_eq(rr->n_instances, 1); /* this file has one GPU type */
    ck_assert_str_eq(rr->info[CF_OFFER_EC2].version, "20261103000000");
    rates_unref(r);
}
END_TEST

/* --- readers while tables swap ------------------------------------------------------------- */

static atomic_bool readers_stop;
static atomic_long reads, inconsistent;

static struct model *model;

/* Returns the unit price of the instance-hours line of the ECS-on-EC2 option's chosen variant,
 * or -1. */
static double instance_unit_usd(const struct cf_answer *ans)
{
    const struct platform *p = platform_find("ecs_ec2");
    const struct cost_variant *v = p ? cost_chosen(&ans->advice->options[p->id]) : NULL;
    for (size_t i = 0; v && i < v->n_lines; i++)
        if (strcmp(v->lines[i].item, "instance_hours") == 0)
            return v->lines[i].unit_usd;
    return -1;
}

/* Each table the refresher builds has one g5.xlarge price. A reader asks the advice core for
 * a GPU task that fits g5.xlarge while tables swap: every answer must price it at the old
 * price or the new one (never a mix, never a freed table: ASan and TSan watch). */
static void *reader(void *arg)
{
    (void)arg;
    json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "duration", "1h", "memory", "8GB", "gpu_memory",
                            "16GB", "invocations", "30/month");
    while (!atomic_load(&readers_stop)) {
        struct rates *r = pricing_cache_acquire(cache);
        struct cf_answer *out = NULL;
        struct cf_error err = {0};
        if (core_advise(req, r, model, &out, &err) != 0) {
            atomic_fetch_add(&inconsistent, 1);
        } else {
            double p = instance_unit_usd(out);
            double table = gpu_of(rates_region(r, "us-east-1"), "g5.xlarge")->usd_per_hour;
            if ((p != 1.006 && p != 1.106) || p != table)
                atomic_fetch_add(&inconsistent, 1);
            cf_answer_free(out);
        }
        atomic_fetch_add(&reads, 1);
        rates_unref(r);
    }
    json_decref(req);
    return NULL;
}

START_TEST(readers_see_one_table_or_the_other)
{
    struct cf_error err = {0};
    model = cf_test_model();
    ck_assert_int_eq(refresher_run_once(rf, 1u << CF_OFFER_EC2, &err), 0);
    atomic_store(&readers_stop, false);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    for (int k = 0; k < 20; k++) {
        char path[128];
        snprintf(path, sizeof(path),
                 "/offers/v1.0/aws/AmazonEC2/2026110500%04d/us-east-1/index.json", k);
        size_t len;
        char *doc = ec2_doc(k % 2 ? "1.0060000000" : "1.1060000000", &len);
        ck_assert_int_eq(upstream_put(up, path, doc, len, NULL), 0);
        free(doc);
        put_index(EC2_INDEX, path);
        ck_assert_msg(refresher_run_once(rf, 1u << CF_OFFER_EC2, &err) == 0, "%s", err.message);
    }
    atomic_store(&readers_stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(atomic_load(&inconsistent), 0);
    ck_assert_int_gt(atomic_load(&reads), 0);
    model_free(model);
}
END_TEST

static void wait_idle(void)
{
    for (int i = 0; i < 30000 && refresher_busy(rf); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    ck_assert(!refresher_busy(rf));
}

START_TEST(thread_trigger_and_stop)
{
    /* The thread refreshes at start; a trigger while busy is refused, not queued twice. The EC2
     * file stalls, so that the first refresh is certainly running when the trigger comes. */
    struct upstream_fault f = {.times = 1, .stall_before_ms = 1000};
    upstream_set_fault(up, EC2_FILE, &f);
    ck_assert_int_eq(refresher_start(rf), 0);
    for (int i = 0; i < 10000 && upstream_stats(up, EC2_FILE).requests == 0; i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    ck_assert_uint_eq(upstream_stats(up, EC2_FILE).requests, 1);
    ck_assert(refresher_busy(rf));
    ck_assert_int_eq(refresher_trigger(rf), CF_EBUSY);
    wait_idle();
    ck_assert_uint_eq(upstream_stats(up, EC2_FILE).ok, 1);
    struct refresh_counts c;
    refresher_counts(rf, CF_OFFER_LAMBDA, &c);
    ck_assert_uint_eq(c.attempts, 1); /* the refused trigger was not queued */
    /* Idle, a trigger is accepted once; a second one before the thread takes it is refused. */
    ck_assert_int_eq(refresher_trigger(rf), 0);
    ck_assert_int_eq(refresher_trigger(rf), CF_EBUSY);
    /* Stopping joins the thread promptly even with a refresh scheduled. */
}
END_TEST

/* Holds the refresher thread at the start of its cycle until the test lets it go. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int cycles;   /* cycles the thread has started */
    bool release; /* the test lets the held cycle go on */
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false};

static void hold_cycle(void *ctx)
{
    (void)ctx;
    pthread_mutex_lock(&gate.mu);
    gate.cycles++;
    pthread_cond_broadcast(&gate.cv);
    while (!gate.release)
        pthread_cond_wait(&gate.cv, &gate.mu);
    pthread_mutex_unlock(&gate.mu);
}

/* Regression: the thread used to clear `force` under the lock and set `busy` only later, in a
 * second critical section; a trigger in between saw neither flag, was accepted and ran a second
 * full cycle. The hook holds the thread right after it has taken the cycle, inside that former
 * window, so the outcome does not depend on timing. */
START_TEST(trigger_as_a_cycle_starts_is_refused)
{
    refresher_on_cycle(rf, hold_cycle, NULL);
    ck_assert_int_eq(refresher_start(rf), 0);
    pthread_mutex_lock(&gate.mu);
    while (gate.cycles == 0)
        pthread_cond_wait(&gate.cv, &gate.mu);
    pthread_mutex_unlock(&gate.mu);

    ck_assert(refresher_busy(rf));
    ck_assert_int_eq(refresher_trigger(rf), CF_EBUSY);

    pthread_mutex_lock(&gate.mu);
    gate.release = true;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
    wait_idle();
    pthread_mutex_lock(&gate.mu);
    int cycles = gate.cycles;
    pthread_mutex_unlock(&gate.mu);
    ck_assert_int_eq(cycles, 1);
    struct refresh_counts c;
    refresher_counts(rf, CF_OFFER_LAMBDA, &c);
    ck_assert_uint_eq(c.attempts, 1);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("refresher");
    TCase *tc = tcase_create("refresher");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, genuine_files_give_exact_rates);
    tcase_add_test(tc, unchanged_version_is_not_downloaded_again);
    tcase_add_test(tc, failures_keep_the_rates_in_use);
    tcase_add_test(tc, spot_feed_rates_and_failures);
    tcase_add_test(tc, spot_feed_not_configured);
    tcase_add_test(tc, spot_advisor_feed_rates_and_failures);
    tcase_add_test(tc, spot_advisor_follows_the_ec2_list);
    tcase_add_test(tc, spot_advisor_not_configured);
    tcase_add_test(tc, connection_refused);
    tcase_add_test(tc, price_jump_is_counted_and_strict_rejects_it);
    tcase_add_test(tc, cpu_rows_kept_and_partial_files_refused);
    tcase_add_test(tc, restart_uses_state_and_corrupt_state_falls_back);
    tcase_add_test(tc, readers_see_one_table_or_the_other);
    tcase_add_test(tc, thread_trigger_and_stop);
    tcase_add_test(tc, trigger_as_a_cycle_starts_is_refused);
    suite_add_tcase(s, tc);
    TCase *big = tcase_create("big");
    tcase_add_checked_fixture(big, setup, teardown);
    tcase_set_timeout(big, 600);
    tcase_add_test(big, large_generated_ec2_file_streams_in_bounded_memory);
    suite_add_tcase(s, big);
    int rc = cf_test_run(s);
    curl_global_cleanup();
    return rc;
}
