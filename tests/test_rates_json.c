/*
 * test_rates_json.c - the rates serialisation: the bundled snapshot against the genuine feed
 * files it was built from, exact round trips, atomic saves, and malformed documents and files
 * (each rejected with the culprit's JSON path, without leaking).
 *
 * Expected prices are the decimal strings of tests/fixtures/quinnypig-processed__*.json (AWS's
 * pricing-page feed), written here by hand; sums are worked out in the comments.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "computefit/rates_json.h"
#include "testutil.h"

/* Money: equal to 1e-9 relative, as the project's tests state. */
#define assert_usd(got, want) ck_assert_double_eq_tol((got), (want), fabs(want) * 1e-9)

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */

static struct rates *load_snapshot(enum cf_rate_source source)
{
    struct rates *r = NULL;
    struct cf_error err = {0};
    char *path = cf_test_path("config/rates-snapshot.json");
    int e = rates_load_file(path, source, &r, &err);
    free(path);
    ck_assert_msg(e == 0, "snapshot: %d %s: %s", e, err.field, err.message);
    ck_assert_ptr_nonnull(r);
    return r;
}

static const struct region_rates *region(const struct rates *r, const char *code)
{
    const struct region_rates *rr = rates_region(r, code);
    ck_assert_msg(rr != NULL, "region %s missing", code);
    return rr;
}

static const struct ec2_instance *gpu(const struct region_rates *rr, const char *type)
{
    for (size_t i = 0; i < rr->n_instances; i++)
        if (strcmp(rr->instances[i].type, type) == 0)
            return &rr->instances[i];
    return NULL;
}

static void set_info(struct offer_info *info, const char *version, const char *published,
                     int64_t fetched_at, const char *origin)
{
    info->source = CF_SOURCE_SNAPSHOT;
    snprintf(info->version, sizeof(info->version), "%s", version);
    snprintf(info->published, sizeof(info->published), "%s", published);
    info->fetched_at = fetched_at;
    snprintf(info->origin, sizeof(info->origin), "%s", origin);
}

static void set_gpu(struct ec2_instance *g, const char *type, double usd, double vcpu, double mem,
                    int gpus, const char *model, double gpu_mem)
{
    snprintf(g->type, sizeof(g->type), "%s", type);
    g->usd_per_hour = usd;
    g->vcpu = vcpu;
    g->memory_gib = mem;
    g->gpus = gpus;
    snprintf(g->gpu_model, sizeof(g->gpu_model), "%s", model);
    g->gpu_memory_gib = gpu_mem;
}

/* Fills one region with every required offer, using the us-east-1 figures of
 * aws-price-list.md. */
static void fill_region(struct region_rates *rr, const char *code)
{
    snprintf(rr->code, sizeof(rr->code), "%s", code);
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        rr->has[o] = cf_offer_required((enum cf_offer)o);
    struct lambda_rates *x = &rr->lambda[CF_ARCH_X86_64], *a = &rr->lambda[CF_ARCH_ARM64];
    x->request_usd = 0.0000002;
    x->gb_s_tiers[0] = (struct rate_tier){6e9, 0.0000166667};
    x->gb_s_tiers[1] = (struct rate_tier){15e9, 0.0000150000};
    x->gb_s_tiers[2] = (struct rate_tier){(double)INFINITY, 0.0000133334};
    x->n_tiers = 3;
    x->ephemeral_gb_s_usd = 0.0000000309;
    a->request_usd = 0.0000002;
    a->gb_s_tiers[0] = (struct rate_tier){7.5e9, 0.0000133334};
    a->gb_s_tiers[1] = (struct rate_tier){18.75e9, 0.0000120001};
    a->gb_s_tiers[2] = (struct rate_tier){(double)INFINITY, 0.0000106667};
    a->n_tiers = 3;
    a->ephemeral_gb_s_usd = 0.0000000309;
    /* Provisioned concurrency and duration on it: BMKCD2ZCEYKTYYCB / ZZF88MXYPS4DGSEZ (x86),
     * MV7PTBS82AVCMXJJ / 3Z4YRQ6XJRDK27UP (ARM). */
    x->has_provisioned = a->has_provisioned = true;
    x->provisioned_gb_s_usd = 0.0000041667;
    x->provisioned_duration_gb_s_usd = 0.0000097222;
    a->provisioned_gb_s_usd = 0.0000033334;
    a->provisioned_duration_gb_s_usd = 0.0000077778;
    rr->fargate[CF_ARCH_X86_64] = (struct fargate_rates){0.04048, 0.004445};
    rr->fargate[CF_ARCH_ARM64] = (struct fargate_rates){0.03238, 0.00356};
    rr->fargate_ephemeral_gb_hour_usd = 0.000111;
    rr->instances = calloc(2, sizeof(*rr->instances));
    ck_assert_ptr_nonnull(rr->instances);
    rr->n_instances = 2;
    set_gpu(&rr->instances[0], "p4d.24xlarge", 21.957642, 96, 1152, 8, "A100", 320);
    set_gpu(&rr->instances[1], "g5.xlarge", 1.006, 4, 16, 1, "A10G", 24);
    set_info(&rr->info[CF_OFFER_LAMBDA], "20250617165738", "2025-06-17T16:57:38Z", 1750179458,
             "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AWSLambda/current/"
             "us-east-1/index.json");
    set_info(&rr->info[CF_OFFER_FARGATE], "20250828172723", "2025-08-28T17:27:23Z", 0,
             "tests/fixtures/opencost-ecs__ecs-pricing-us-east-1.json");
    set_info(&rr->info[CF_OFFER_EC2], "", "2025-06-13", 0, "test");
}

/* A hand-built table: `n` regions named from `codes`, finished (sorted). */
static struct rates *make_table(size_t n, const char *const codes[])
{
    struct rates *r = rates_new(n);
    ck_assert_ptr_nonnull(r);
    for (size_t i = 0; i < n; i++) {
        fill_region(&r->regions[i], codes[i]);
        r->n_regions = i + 1;
    }
    r->built_at = 1749772800; /* 2025-06-13T00:00:00Z */
    rates_finish(r);
    return r;
}

/* The region named `code`, writable (rates_region() hands out const pointers). */
static struct region_rates *mut_region(struct rates *r, const char *code)
{
    for (size_t i = 0; i < r->n_regions; i++)
        if (strcmp(r->regions[i].code, code) == 0)
            return &r->regions[i];
    ck_abort_msg("region %s missing", code);
    return NULL;
}

static struct rates *make_one(void)
{
    static const char *const codes[] = {"us-east-1"};
    return make_table(1, codes);
}

/* Exact equality of two tables, field by field (doubles compared bit for bit). */
static void assert_tables_equal(const struct rates *a, const struct rates *b,
                                enum cf_rate_source b_source)
{
    ck_assert_int_eq(a->built_at, b->built_at);
    ck_assert_uint_eq(a->n_regions, b->n_regions);
    for (size_t i = 0; i < a->n_regions; i++) {
        const struct region_rates *x = &a->regions[i], *y = &b->regions[i];
        ck_assert_str_eq(x->code, y->code);
        for (int o = 0; o < CF_OFFER_COUNT; o++) {
            ck_assert_int_eq(x->has[o], y->has[o]);
            if (!x->has[o])
                continue;
            ck_assert_int_eq(y->info[o].source, b_source);
            ck_assert_str_eq(x->info[o].version, y->info[o].version);
            ck_assert_str_eq(x->info[o].published, y->info[o].published);
            ck_assert_str_eq(x->info[o].origin, y->info[o].origin);
            ck_assert_int_eq(x->info[o].fetched_at, y->info[o].fetched_at);
        }
        if (x->has[CF_OFFER_LAMBDA]) {
            for (int arch = 0; arch < CF_ARCH_COUNT; arch++) {
                const struct lambda_rates *p = &x->lambda[arch], *q = &y->lambda[arch];
                ck_assert(p->request_usd == q->request_usd);
                ck_assert(p->ephemeral_gb_s_usd == q->ephemeral_gb_s_usd);
                ck_assert_uint_eq(p->n_tiers, q->n_tiers);
                for (size_t t = 0; t < p->n_tiers; t++) {
                    ck_assert(p->gb_s_tiers[t].up_to == q->gb_s_tiers[t].up_to);
                    ck_assert(p->gb_s_tiers[t].usd == q->gb_s_tiers[t].usd);
                }
                ck_assert_int_eq(p->has_provisioned, q->has_provisioned);
                ck_assert(p->provisioned_gb_s_usd == q->provisioned_gb_s_usd);
                ck_assert(p->provisioned_duration_gb_s_usd == q->provisioned_duration_gb_s_usd);
            }
        }
        if (x->has[CF_OFFER_FARGATE]) {
            for (int arch = 0; arch < CF_ARCH_COUNT; arch++) {
                ck_assert(x->fargate[arch].vcpu_hour_usd == y->fargate[arch].vcpu_hour_usd);
                ck_assert(x->fargate[arch].gb_hour_usd == y->fargate[arch].gb_hour_usd);
            }
            ck_assert(x->fargate_ephemeral_gb_hour_usd == y->fargate_ephemeral_gb_hour_usd);
        }
        ck_assert_uint_eq(x->n_instances, y->n_instances);
        for (size_t g = 0; g < x->n_instances; g++) {
            const struct ec2_instance *p = &x->instances[g], *q = &y->instances[g];
            ck_assert_str_eq(p->type, q->type);
            ck_assert(p->usd_per_hour == q->usd_per_hour);
            ck_assert(p->vcpu == q->vcpu);
            ck_assert(p->memory_gib == q->memory_gib);
            ck_assert_int_eq(p->gpus, q->gpus);
            ck_assert_str_eq(p->gpu_model, q->gpu_model);
            ck_assert(p->gpu_memory_gib == q->gpu_memory_gib);
        }
        ck_assert_uint_eq(x->n_ec2_spot, y->n_ec2_spot);
        for (size_t k = 0; k < x->n_ec2_spot; k++) {
            ck_assert_str_eq(x->ec2_spot[k].type, y->ec2_spot[k].type);
            ck_assert(x->ec2_spot[k].savings_pct == y->ec2_spot[k].savings_pct);
            ck_assert_int_eq(x->ec2_spot[k].range, y->ec2_spot[k].range);
        }
        if (!rates_has_ec2_spot(x))
            continue;
        ck_assert_uint_eq(x->n_ec2_spot_ranges, y->n_ec2_spot_ranges);
        for (size_t k = 0; k < x->n_ec2_spot_ranges; k++) {
            ck_assert_str_eq(x->ec2_spot_ranges[k].label, y->ec2_spot_ranges[k].label);
            ck_assert(x->ec2_spot_ranges[k].max_pct == y->ec2_spot_ranges[k].max_pct);
        }
        ck_assert_int_eq(y->ec2_spot_info.source, b_source);
        ck_assert_str_eq(x->ec2_spot_info.version, y->ec2_spot_info.version);
        ck_assert_str_eq(x->ec2_spot_info.published, y->ec2_spot_info.published);
        ck_assert_str_eq(x->ec2_spot_info.origin, y->ec2_spot_info.origin);
        ck_assert_int_eq(x->ec2_spot_info.fetched_at, y->ec2_spot_info.fetched_at);
    }
}

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/cf-rates-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) < 0)
            rmdir(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Counts directory entries whose name contains ".tmp.": the atomic save's temporary files. */
static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp."))
            n++;
    closedir(d);
    return n;
}

static char *read_file(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *ret_len = (size_t)n;
    return buf;
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* ------------------------------------------------------------------------------------------ */
/* The bundled snapshot                                                                        */

START_TEST(test_snapshot_regions)
{
    static const char *const required[] = {
        "us-east-1",    "us-east-2",  "us-west-1",      "us-west-2",      "eu-west-1",
        "eu-central-1", "ap-south-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2",
    };
    struct rates *r = load_snapshot(CF_SOURCE_SNAPSHOT);
    ck_assert_uint_ge(r->n_regions, 10);
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const struct region_rates *rr = region(r, required[i]);
        for (int o = 0; o < CF_OFFER_COUNT; o++) {
            if (!cf_offer_required((enum cf_offer)o))
                continue; /* the snapshot has no Savings Plans rates (README) */
            ck_assert_msg(rr->has[o], "%s lacks %s", rr->code, cf_offer_name(o));
            ck_assert_int_eq(rr->info[o].source, CF_SOURCE_SNAPSHOT);
        }
        ck_assert_uint_gt(rr->n_instances, 0);
    }
    /* Regions come sorted, GPU instances cheapest first (what the advisor relies on). */
    for (size_t i = 1; i < r->n_regions; i++)
        ck_assert_int_lt(strcmp(r->regions[i - 1].code, r->regions[i].code), 0);
    for (size_t i = 0; i < r->n_regions; i++)
        for (size_t g = 1; g < r->regions[i].n_instances; g++)
            ck_assert(r->regions[i].instances[g - 1].usd_per_hour <=
                      r->regions[i].instances[g].usd_per_hour);
    /* 2025-06-28T00:00:00Z, the newest input: the Spot Advisor copy (the EC2 feed is of
     * 2025-06-13). */
    ck_assert_int_eq(r->built_at, 1751068800);
    rates_unref(r);
}
END_TEST

START_TEST(test_snapshot_us_east_1)
{
    struct rates *r = load_snapshot(CF_SOURCE_SNAPSHOT);
    const struct region_rates *rr = region(r, "us-east-1");
    const struct lambda_rates *x = &rr->lambda[CF_ARCH_X86_64], *a = &rr->lambda[CF_ARCH_ARM64];

    /* Lambda x86: "Lambda Requests" 0.0000002000, "Lambda Duration" 0.0000166667, "Tier2"
     * 0.0000150000, "Tier3" 0.0000133334, "Lambda Storage-Duration" 0.0000000309; boundaries
     * 6e9 / 15e9 GB-s (aws-price-list.md section 7). */
    assert_usd(x->request_usd, 0.0000002);
    ck_assert_uint_eq(x->n_tiers, 3);
    ck_assert_double_eq(x->gb_s_tiers[0].up_to, 6e9);
    ck_assert_double_eq(x->gb_s_tiers[1].up_to, 15e9);
    ck_assert(isinf(x->gb_s_tiers[2].up_to));
    assert_usd(x->gb_s_tiers[0].usd, 0.0000166667);
    assert_usd(x->gb_s_tiers[1].usd, 0.0000150000);
    assert_usd(x->gb_s_tiers[2].usd, 0.0000133334);
    assert_usd(x->ephemeral_gb_s_usd, 0.0000000309);
    /* ARM: same request price; 0.0000133334 / 0.0000120001 / 0.0000106667 at 7.5e9 / 18.75e9. */
    assert_usd(a->request_usd, 0.0000002);
    ck_assert_double_eq(a->gb_s_tiers[0].up_to, 7.5e9);
    ck_assert_double_eq(a->gb_s_tiers[1].up_to, 18.75e9);
    ck_assert(isinf(a->gb_s_tiers[2].up_to));
    assert_usd(a->gb_s_tiers[0].usd, 0.0000133334);
    assert_usd(a->gb_s_tiers[1].usd, 0.0000120001);
    assert_usd(a->gb_s_tiers[2].usd, 0.0000106667);
    assert_usd(a->ephemeral_gb_s_usd, 0.0000000309);
    /* Provisioned concurrency and duration on it (aws-price-list.md section 7; the feed's "Lambda
     * Provisioned-Concurrency", "Lambda Duration-Provisioned" and their -ARM keys): x86
     * 0.0000041667 / 0.0000097222, ARM 0.0000033334 / 0.0000077778. */
    ck_assert(x->has_provisioned && a->has_provisioned);
    assert_usd(x->provisioned_gb_s_usd, 0.0000041667);
    assert_usd(x->provisioned_duration_gb_s_usd, 0.0000097222);
    assert_usd(a->provisioned_gb_s_usd, 0.0000033334);
    assert_usd(a->provisioned_duration_gb_s_usd, 0.0000077778);
    /* A 1 GB function with concurrency 1 configured all month (730 h = 2,628,000 s): 2,628,000
     * GB-s x 0.0000041667 = 10.95; busy all that time, 2,628,000 x 0.0000097222 = 25.55 more
     * (on demand: 2,628,000 x 0.0000166667 = 43.80). */
    ck_assert_double_eq_tol(2628000 * x->provisioned_gb_s_usd, 10.95, 0.005);
    ck_assert_double_eq_tol(2628000 * x->provisioned_duration_gb_s_usd, 25.55, 0.005);

    /* Whole tiers, to the cent (infracost's golden file has the same figures):
     * x86 tier 1: 6e9 GB-s x 0.0000166667 = 100,000.20; tier 2: (15e9 - 6e9) x 0.000015 =
     * 135,000.00; ARM tier 1: 7.5e9 x 0.0000133334 = 100,000.50; ARM tier 2:
     * (18.75e9 - 7.5e9) x 0.0000120001 = 11.25e9 x 0.0000120001 = 135,001.125. */
    ck_assert_double_eq_tol(x->gb_s_tiers[0].up_to * x->gb_s_tiers[0].usd, 100000.20, 0.005);
    ck_assert_double_eq_tol(
        (x->gb_s_tiers[1].up_to - x->gb_s_tiers[0].up_to) * x->gb_s_tiers[1].usd, 135000.00, 0.005);
    ck_assert_double_eq_tol(a->gb_s_tiers[0].up_to * a->gb_s_tiers[0].usd, 100000.50, 0.005);
    ck_assert_double_eq_tol((a->gb_s_tiers[1].up_to - a->gb_s_tiers[0].up_to) *
                                a->gb_s_tiers[1].usd,
                            135001.125, 0.005);

    /* Fargate: "perCPU per hour" 0.0404800000, "perGB per hour" 0.0044450000, ARM 0.0323800000
     * / 0.0035600000, "Storage per GB-Hours" 0.0001110000 (the same as AWS's genuine ECS offer
     * file, opencost-ecs__ecs-pricing-us-east-1.json). */
    assert_usd(rr->fargate[CF_ARCH_X86_64].vcpu_hour_usd, 0.04048);
    assert_usd(rr->fargate[CF_ARCH_X86_64].gb_hour_usd, 0.004445);
    assert_usd(rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd, 0.03238);
    assert_usd(rr->fargate[CF_ARCH_ARM64].gb_hour_usd, 0.00356);
    assert_usd(rr->fargate_ephemeral_gb_hour_usd, 0.000111);
    /* 1 vCPU + 2 GB all month: 730 h x (0.04048 + 2 x 0.004445) = 730 x 0.04937 = 36.0401. */
    ck_assert_double_eq_tol(730 * (rr->fargate[0].vcpu_hour_usd + 2 * rr->fargate[0].gb_hour_usd),
                            36.0401, 0.005);

    /* EC2 GPU: "OnDemand Linux-instancetype-g5.xlarge" US East (N. Virginia) 1.0060000000; specs
     * from config/gpu-specs.json: 4 vCPU, 16 GiB, 1 x A10G 24 GiB. p4d.24xlarge 21.9576420000
     * (after the June 2025 cut), 8 x A100 40 GiB = 320 GiB. g4dn.12xlarge 3.912, 4 x T4 16 = 64. */
    const struct ec2_instance *g5 = gpu(rr, "g5.xlarge");
    ck_assert_ptr_nonnull(g5);
    assert_usd(g5->usd_per_hour, 1.006);
    ck_assert_double_eq(g5->vcpu, 4);
    ck_assert_double_eq(g5->memory_gib, 16);
    ck_assert_int_eq(g5->gpus, 1);
    ck_assert_str_eq(g5->gpu_model, "A10G");
    ck_assert_double_eq(g5->gpu_memory_gib, 24);
    ck_assert_double_eq_tol(730 * g5->usd_per_hour, 734.38, 0.005); /* 730 x 1.006 */
    const struct ec2_instance *p4d = gpu(rr, "p4d.24xlarge");
    ck_assert_ptr_nonnull(p4d);
    assert_usd(p4d->usd_per_hour, 21.957642);
    ck_assert_str_eq(p4d->gpu_model, "A100");
    ck_assert_int_eq(p4d->gpus, 8);
    ck_assert_double_eq(p4d->gpu_memory_gib, 320);
    const struct ec2_instance *g4 = gpu(rr, "g4dn.12xlarge");
    ck_assert_ptr_nonnull(g4);
    assert_usd(g4->usd_per_hour, 3.912);
    ck_assert_double_eq(g4->gpu_memory_gib, 64);
    /* The feed has 38 GPU types of the spec table's families in us-east-1 and 195 of the c, m
     * and r families of the 6th generation and newer (Intel, AMD, Graviton; no bare metal);
     * the cheapest is c6g.medium at 0.034, the dearest p5.48xlarge at 55.04. */
    ck_assert_uint_eq(rr->n_instances, 38 + 195);
    ck_assert_str_eq(rr->instances[0].type, "c6g.medium");
    assert_usd(rr->instances[0].usd_per_hour, 0.034);
    ck_assert_int_eq(rr->instances[0].arch, CF_ARCH_ARM64);
    /* m7g.large: 2 vCPU, 8 GiB (the Spot Advisor feed's instance_types), Graviton, $0.0816;
     * c7i.large: 2 vCPU, 4 GiB, Intel, $0.08925. */
    const struct ec2_instance *m7g = gpu(rr, "m7g.large"), *c7i = gpu(rr, "c7i.large");
    ck_assert_ptr_nonnull(m7g);
    ck_assert_ptr_nonnull(c7i);
    assert_usd(m7g->usd_per_hour, 0.0816);
    ck_assert_double_eq(m7g->vcpu, 2);
    ck_assert_double_eq(m7g->memory_gib, 8);
    ck_assert_int_eq(m7g->gpus, 0);
    ck_assert_int_eq(m7g->arch, CF_ARCH_ARM64);
    assert_usd(c7i->usd_per_hour, 0.08925);
    ck_assert_double_eq(c7i->memory_gib, 4);
    ck_assert_int_eq(c7i->arch, CF_ARCH_X86_64);
    ck_assert_str_eq(rr->instances[rr->n_instances - 1].type, "p5.48xlarge");
    assert_usd(rr->instances[rr->n_instances - 1].usd_per_hour, 55.04);

    /* Provenance, per offer (tests/fixtures/SOURCES.md). */
    const struct offer_info *li = &rr->info[CF_OFFER_LAMBDA], *fi = &rr->info[CF_OFFER_FARGATE],
                            *ei = &rr->info[CF_OFFER_EC2];
    ck_assert_str_eq(li->origin, "QuinnyPig/aws-price-watcher@daa3fca:processed/lambda.json "
                                 "(AWS pricing-page feed)");
    ck_assert_str_eq(li->published, "2025-06-05");
    ck_assert_str_eq(fi->origin, "QuinnyPig/aws-price-watcher@daa3fca:processed/ecs.json "
                                 "(AWS pricing-page feed)");
    ck_assert_str_eq(fi->published, "2025-06-05T17:56:26Z");
    ck_assert_str_eq(ei->origin, "QuinnyPig/aws-price-watcher@07c8174:processed/ec2.json "
                                 "(AWS pricing-page feed)");
    ck_assert_str_eq(ei->published, "2025-06-13");
    ck_assert_str_eq(ei->version, "feed@07c8174");
    ck_assert_int_eq(li->fetched_at, 0); /* not recorded by the feed's capture */
    rates_unref(r);
}
END_TEST

/* The rest of the bill in us-east-1, at AWS's published us-east-1 prices (aws.amazon.com's
 * Elastic Load Balancing, API Gateway and CloudWatch pricing pages), here as the genuine data
 * the snapshot was built from prints them (tests/fixtures/SOURCES.md, docs/price-rows.md). */
START_TEST(test_snapshot_us_east_1_bill)
{
    struct rates *r = load_snapshot(CF_SOURCE_SNAPSHOT);
    const struct region_rates *rr = region(r, "us-east-1");
    ck_assert(rr->has[CF_OFFER_ELB] && rr->has[CF_OFFER_API_GATEWAY] &&
              rr->has[CF_OFFER_CLOUDWATCH]);
    /* ALB: $0.0225 per ALB-hour, $0.008 per LCU-hour. The genuine AWSELB us-east-1 offer file
     * 20260911124544: SKU 37CUWUT8GSNQEPUV "LoadBalancerUsage" and P2XGEJ8N3KU52WA8 "LCUUsage"
     * (not the NLB's $0.006 LCU nor the Classic's $0.025 hour of the same file). A month of one
     * ALB at 1 LCU: 730 x (0.0225 + 0.008) = 22.265. */
    assert_usd(rr->elb.alb_hour_usd, 0.0225);
    assert_usd(rr->elb.alb_lcu_hour_usd, 0.008);
    ck_assert_double_eq_tol(730 * (rr->elb.alb_hour_usd + rr->elb.alb_lcu_hour_usd), 22.265,
                            0.0005);
    ck_assert_str_eq(rr->info[CF_OFFER_ELB].version, "20260911124544");
    ck_assert_str_eq(rr->info[CF_OFFER_ELB].published, "2026-09-11T12:45:44Z");
    /* HTTP APIs: $1.00 per million for the first 300 million a month, $0.90 per million after
     * (pricing-page feed 2025-06-05, FC2TWT2UEPTBKVBX.JRTCKXETXF.9NXBCPDZYR / .Y5DREYKEMT). */
    const struct api_gateway_rates *a = &rr->api_gateway;
    ck_assert_uint_eq(a->n_http_tiers, 2);
    ck_assert_double_eq(a->http_tiers[0].up_to, 300e6);
    assert_usd(a->http_tiers[0].usd, 1.00e-6);
    ck_assert(isinf(a->http_tiers[1].up_to));
    assert_usd(a->http_tiers[1].usd, 0.90e-6);
    /* REST APIs: $3.50 per million up to 333 million, $2.80 for the next 667 million, $2.38 for
     * the next 19 billion, $1.51 over 20 billion (KKDZ3TFSXUSMCZ3A.JRTCKXETXF.QS4VQ8N7FD,
     * .DRE2JBTXBV, .J4SY3H5SUC, .KVC36CKCEW). A billion requests in a month: 333 x 3.50 + 667 x
     * 2.80 = 1,165.50 + 1,867.60 = 3,033.10. */
    ck_assert_uint_eq(a->n_rest_tiers, 4);
    static const double rest_up[] = {333e6, 1e9, 20e9},
                        rest_usd[] = {3.50e-6, 2.80e-6, 2.38e-6, 1.51e-6};
    for (size_t t = 0; t < 4; t++) {
        if (t < 3)
            ck_assert_double_eq(a->rest_tiers[t].up_to, rest_up[t]);
        assert_usd(a->rest_tiers[t].usd, rest_usd[t]);
    }
    ck_assert(isinf(a->rest_tiers[3].up_to));
    ck_assert_double_eq_tol(a->rest_tiers[0].up_to * a->rest_tiers[0].usd +
                                (a->rest_tiers[1].up_to - a->rest_tiers[0].up_to) *
                                    a->rest_tiers[1].usd,
                            3033.10, 0.005);
    /* CloudWatch Logs, standard class: $0.50 per GB ingested, $0.03 per GB-month stored
     * ("Logs Collected Data Ingestion" S8QGXX5R2BKKMDSJ, "Stored Data" 6K9ADYQAHV5KX9KZ). */
    assert_usd(rr->cloudwatch.logs_ingest_gb_usd, 0.50);
    assert_usd(rr->cloudwatch.logs_storage_gb_month_usd, 0.03);
    static const struct {
        enum cf_offer o;
        const char *origin, *published;
    } src[] = {
        {CF_OFFER_API_GATEWAY,
         "QuinnyPig/aws-price-watcher@daa3fca:raw/apigateway.json (AWS pricing-page feed)",
         "2025-06-05T17:56:10Z"},
        {CF_OFFER_CLOUDWATCH,
         "QuinnyPig/aws-price-watcher@daa3fca:raw/cloudwatch.json (AWS pricing-page feed)",
         "2025-06-05T17:56:13Z"},
    };
    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
        const struct offer_info *info = &rr->info[src[i].o];
        ck_assert_int_eq(info->source, CF_SOURCE_SNAPSHOT);
        ck_assert_str_eq(info->origin, src[i].origin);
        ck_assert_str_eq(info->published, src[i].published);
        ck_assert_str_eq(info->version, "feed@daa3fca");
    }
    rates_unref(r);
}
END_TEST

START_TEST(test_snapshot_tokyo)
{
    struct rates *r = load_snapshot(CF_SOURCE_STATE);
    const struct region_rates *rr = region(r, "ap-northeast-1");
    /* "Asia Pacific (Tokyo)": Lambda duration as us-east-1 but storage 0.0000000370; Fargate
     * 0.0505600000 / 0.0055300000, ARM 0.0404500000 / 0.0044200000, storage 0.0001330000. */
    assert_usd(rr->lambda[CF_ARCH_X86_64].request_usd, 0.0000002);
    assert_usd(rr->lambda[CF_ARCH_X86_64].gb_s_tiers[0].usd, 0.0000166667);
    assert_usd(rr->lambda[CF_ARCH_X86_64].ephemeral_gb_s_usd, 0.0000000370);
    assert_usd(rr->lambda[CF_ARCH_ARM64].gb_s_tiers[2].usd, 0.0000106667);
    assert_usd(rr->lambda[CF_ARCH_ARM64].ephemeral_gb_s_usd, 0.0000000370);
    assert_usd(rr->fargate[CF_ARCH_X86_64].vcpu_hour_usd, 0.05056);
    assert_usd(rr->fargate[CF_ARCH_X86_64].gb_hour_usd, 0.00553);
    assert_usd(rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd, 0.04045);
    assert_usd(rr->fargate[CF_ARCH_ARM64].gb_hour_usd, 0.00442);
    assert_usd(rr->fargate_ephemeral_gb_hour_usd, 0.000133);
    /* 1 vCPU + 2 GB all month in Tokyo: 730 x (0.05056 + 2 x 0.00553) = 730 x 0.06162 = 44.9826,
     * against 36.0401 in us-east-1. */
    ck_assert_double_eq_tol(730 * (rr->fargate[0].vcpu_hour_usd + 2 * rr->fargate[0].gb_hour_usd),
                            44.9826, 0.005);
    /* EC2: g5.xlarge 1.4590000000, p4d.24xlarge 30.0978400000, p5.48xlarge 68.8000000000. */
    assert_usd(gpu(rr, "g5.xlarge")->usd_per_hour, 1.459);
    assert_usd(gpu(rr, "p4d.24xlarge")->usd_per_hour, 30.09784);
    assert_usd(gpu(rr, "p5.48xlarge")->usd_per_hour, 68.8);
    ck_assert_double_eq(gpu(rr, "p5.48xlarge")->gpu_memory_gib, 640); /* 8 x H100 80 GiB */
    /* Loaded as a state file: the caller's source wins, the stored provenance stays. */
    ck_assert_int_eq(rr->info[CF_OFFER_FARGATE].source, CF_SOURCE_STATE);
    ck_assert_str_eq(rr->info[CF_OFFER_FARGATE].published, "2025-06-05T17:56:26Z");
    /* A type the feed does not sell in a region is absent: eu-west-1 has no p5.48xlarge. */
    ck_assert_ptr_null(gpu(region(r, "eu-west-1"), "p5.48xlarge"));
    assert_usd(gpu(region(r, "eu-west-1"), "p4d.24xlarge")->usd_per_hour, 23.71569);
    rates_unref(r);
}
END_TEST

/* Location names of the feed for the snapshot's regions (independent of the script's table). */
static const char *location_of(const char *code)
{
    static const char *const map[][2] = {
        {"af-south-1", "Africa (Cape Town)"},
        {"ap-east-1", "Asia Pacific (Hong Kong)"},
        {"ap-northeast-1", "Asia Pacific (Tokyo)"},
        {"ap-northeast-2", "Asia Pacific (Seoul)"},
        {"ap-northeast-3", "Asia Pacific (Osaka)"},
        {"ap-south-1", "Asia Pacific (Mumbai)"},
        {"ap-southeast-1", "Asia Pacific (Singapore)"},
        {"ap-southeast-2", "Asia Pacific (Sydney)"},
        {"ap-southeast-3", "Asia Pacific (Jakarta)"},
        {"ap-southeast-5", "Asia Pacific (Malaysia)"},
        {"ca-central-1", "Canada (Central)"},
        {"eu-central-1", "EU (Frankfurt)"},
        {"eu-central-2", "EU (Zurich)"},
        {"eu-north-1", "EU (Stockholm)"},
        {"eu-south-1", "EU (Milan)"},
        {"eu-south-2", "EU (Spain)"},
        {"eu-west-1", "EU (Ireland)"},
        {"eu-west-2", "EU (London)"},
        {"eu-west-3", "EU (Paris)"},
        {"il-central-1", "Israel (Tel Aviv)"},
        {"me-central-1", "Middle East (UAE)"},
        {"me-south-1", "Middle East (Bahrain)"},
        {"sa-east-1", "South America (Sao Paulo)"},
        {"us-east-1", "US East (N. Virginia)"},
        {"us-east-2", "US East (Ohio)"},
        {"us-west-1", "US West (N. California)"},
        {"us-west-2", "US West (Oregon)"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], code) == 0)
            return map[i][1];
    return NULL;
}

static json_t *load_fixture(const char *rel)
{
    size_t len;
    char *text = cf_test_read(rel, &len);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    free(text);
    ck_assert_msg(doc != NULL, "%s: %s", rel, jerr.text);
    return doc;
}

/* The feed's price of `key` at `loc`, parsed with strtod as the C parsers do. */
static double feed_price(const json_t *feed, const char *key, const char *loc)
{
    const json_t *s = json_object_get(json_object_get(feed, key), loc);
    ck_assert_msg(json_is_string(s), "feed lacks %s / %s", key, loc);
    char *end;
    double v = strtod(json_string_value(s), &end);
    ck_assert(*end == '\0');
    return v;
}

/* Every rate of every snapshot region equals the genuine feed's price for that region, the
 * snapshot holds exactly the feed's GPU instance types of the spec table's families, and their
 * Spot advice is the genuine Spot Advisor feed's. */
START_TEST(test_snapshot_matches_feed)
{
    static const char *const families[] = {
        "g4dn", "g5", "g6", "g6e", "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en",
        /* CPU: c, m, r of the 6th generation and newer, Intel (i), AMD (a), Graviton (g). */
        "c6i", "c6a", "c6g", "c7i", "c7a", "c7g", "c8g", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g",
        "m8g", "r6i", "r6a", "r6g", "r7i", "r7a", "r7g", "r8g"};
    static const char *const lkeys[CF_ARCH_COUNT][7] = {
        {"Lambda Requests", "Lambda Duration", "Lambda Duration Tier2", "Lambda Duration Tier3",
         "Lambda Storage-Duration", "Lambda Provisioned-Concurrency",
         "Lambda Duration-Provisioned"},
        {"Lambda Requests-ARM", "Lambda Duration-ARM", "Lambda Duration-ARM Tier2",
         "Lambda Duration-ARM Tier3", "Lambda Storage-Duration-ARM",
         "Lambda Provisioned-Concurrency-ARM", "Lambda Duration-Provisioned-ARM"},
    };
    json_t *lam = load_fixture("tests/fixtures/quinnypig-processed__lambda.json");
    json_t *ecs = load_fixture("tests/fixtures/quinnypig-processed__ecs.json");
    json_t *ec2 = load_fixture("tests/fixtures/quinnypig-processed__ec2.json");
    json_t *spot = load_fixture("tests/fixtures/spotinfo__spot-advisor-data.json");
    struct rates *r = load_snapshot(CF_SOURCE_SNAPSHOT);
    for (size_t i = 0; i < r->n_regions; i++) {
        const struct region_rates *rr = &r->regions[i];
        const char *loc = location_of(rr->code);
        ck_assert_msg(loc != NULL, "unexpected region %s", rr->code);
        for (int a = 0; a < CF_ARCH_COUNT; a++) {
            const struct lambda_rates *l = &rr->lambda[a];
            assert_usd(l->request_usd, feed_price(lam, lkeys[a][0], loc));
            for (int t = 0; t < 3; t++)
                assert_usd(l->gb_s_tiers[t].usd, feed_price(lam, lkeys[a][1 + t], loc));
            assert_usd(l->ephemeral_gb_s_usd, feed_price(lam, lkeys[a][4], loc));
            /* The feed prices provisioned concurrency in every region the snapshot has. */
            ck_assert_msg(l->has_provisioned, "%s %s: no provisioned rates", rr->code,
                          cf_arch_name((enum cf_arch)a));
            assert_usd(l->provisioned_gb_s_usd, feed_price(lam, lkeys[a][5], loc));
            assert_usd(l->provisioned_duration_gb_s_usd, feed_price(lam, lkeys[a][6], loc));
        }
        assert_usd(rr->fargate[0].vcpu_hour_usd, feed_price(ecs, "perCPU per hour", loc));
        assert_usd(rr->fargate[0].gb_hour_usd, feed_price(ecs, "perGB per hour", loc));
        assert_usd(rr->fargate[1].vcpu_hour_usd, feed_price(ecs, "ARM perCPU per hour", loc));
        assert_usd(rr->fargate[1].gb_hour_usd, feed_price(ecs, "ARM perGB per hour", loc));
        assert_usd(rr->fargate_ephemeral_gb_hour_usd, feed_price(ecs, "Storage per GB-Hours", loc));

        size_t sold = 0;
        const char *key;
        json_t *prices;
        json_object_foreach(ec2, key, prices)
        {
            static const char prefix[] = "OnDemand Linux-instancetype-";
            if (strncmp(key, prefix, sizeof(prefix) - 1) || !json_object_get(prices, loc))
                continue;
            const char *type = key + sizeof(prefix) - 1;
            size_t flen = strcspn(type, ".");
            bool is_gpu = false; /* or a kept CPU family */
            for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
                is_gpu =
                    is_gpu || (strlen(families[f]) == flen && !strncmp(type, families[f], flen));
            bool cpu_metal = strchr("cmr", type[0]) && strstr(type, ".metal");
            if (!is_gpu || cpu_metal)
                continue; /* a CPU family's bare metal is left out (not g4dn.metal's 8 GPUs) */
            sold++;
            const struct ec2_instance *g = gpu(rr, type);
            ck_assert_msg(g != NULL, "%s: %s missing", rr->code, type);
            assert_usd(g->usd_per_hour, feed_price(ec2, key, loc));
        }
        ck_assert_uint_eq(rr->n_instances, sold);

        /* EC2 Spot advice: the genuine Spot Advisor feed's Linux entries for the region's EC2
         * types, those that advise a saving, and no others. */
        const json_t *lin = json_object_get(
            json_object_get(json_object_get(spot, "spot_advisor"), rr->code), "Linux");
        size_t advised = 0;
        for (size_t g = 0; g < rr->n_instances; g++) {
            const json_t *e = json_object_get(lin, rr->instances[g].type);
            const struct ec2_spot_advice *a = rates_ec2_spot(rr, rr->instances[g].type);
            if (!e || json_number_value(json_object_get(e, "s")) <= 0) {
                ck_assert_msg(a == NULL, "%s: advice on %s", rr->code, rr->instances[g].type);
                continue;
            }
            advised++;
            ck_assert_msg(a != NULL, "%s: no advice on %s", rr->code, rr->instances[g].type);
            ck_assert(a->savings_pct == json_number_value(json_object_get(e, "s")));
            ck_assert_int_eq(a->range, json_integer_value(json_object_get(e, "r")));
        }
        ck_assert_uint_eq(rr->n_ec2_spot, advised);
        if (advised) {
            ck_assert_int_eq(rr->ec2_spot_info.source, CF_SOURCE_SNAPSHOT);
            ck_assert_str_eq(rr->ec2_spot_info.published, "2025-06-28");
            ck_assert_uint_eq(rr->n_ec2_spot_ranges, 5);
            ck_assert_str_eq(rr->ec2_spot_ranges[4].label, ">20%");
        }
    }
    rates_unref(r);
    json_decref(lam);
    json_decref(ecs);
    json_decref(ec2);
    json_decref(spot);
}
END_TEST

/* The feed's price under `label` at `loc` of a pricing-page feed (regions -> location -> label
 * -> {rateCode, price}), or 0 when the region has no such label; its rate code in *ret_code. */
static double label_price(const json_t *feed, const char *loc, const char *label,
                          const char **ret_code)
{
    const json_t *e =
        json_object_get(json_object_get(json_object_get(feed, "regions"), loc), label);
    *ret_code = json_string_value(json_object_get(e, "rateCode"));
    if (!e)
        return 0;
    char *end;
    double v = strtod(json_string_value(json_object_get(e, "price")), &end);
    ck_assert(*end == '\0' && v > 0);
    return v;
}

/* The request tiers of every snapshot region are the API Gateway feed's labels: each label's
 * range lies in one tier at its price, and labels that share a rate code share a tier. */
static void assert_tiers_match_labels(const struct rate_tier *tiers, size_t n, const json_t *feed,
                                      const char *loc, const char *const labels[],
                                      const double ends[], size_t n_labels)
{
    size_t codes = 0;
    const char *prev_code = NULL;
    for (size_t l = 0; l < n_labels; l++) {
        const char *code;
        double usd = label_price(feed, loc, labels[l], &code);
        if (l == 0 && usd == 0) {
            ck_assert_msg(n == 0, "%s: tiers without the feed's labels", loc);
            return;
        }
        ck_assert_msg(usd > 0, "%s lacks %s", loc, labels[l]);
        codes += !prev_code || strcmp(prev_code, code) != 0;
        prev_code = code;
        double begin = l ? ends[l - 1] : 0, end = ends[l];
        size_t t = 0;
        while (t + 1 < n && tiers[t].up_to <= begin)
            t++;
        ck_assert_msg(tiers[t].up_to >= end, "%s: %s is split across tiers", loc, labels[l]);
        assert_usd(tiers[t].usd, usd);
    }
    ck_assert_uint_eq(n, codes);
}

/* The optional bill offers of every snapshot region are the genuine data's: CloudWatch Logs and
 * API Gateway from the pricing-page feeds' labels (read here independently of the script), the
 * ALB in us-east-1 alone (the one region of the AWSELB file). */
START_TEST(test_snapshot_bill_matches_feeds)
{
    static const char *const http[] = {"ApiGatewayHttpApi First 300 million",
                                       "ApiGatewayHttpApi more than 300 million"};
    static const double http_ends[] = {300e6, (double)INFINITY};
    static const char *const rest[] = {"API Calls Number of up to 333 million",
                                       "API Calls Number of Request Next 667 million",
                                       "API Calls Number of Request Next 19 billion",
                                       "API Calls Number of Request Over 20 billion"};
    static const double rest_ends[] = {333e6, 1e9, 20e9, (double)INFINITY};
    json_t *apigw = load_fixture("tests/fixtures/quinnypig-raw__apigateway.json");
    json_t *cw = load_fixture("tests/fixtures/quinnypig-raw__cloudwatch.json");
    struct rates *r = load_snapshot(CF_SOURCE_SNAPSHOT);
    size_t merged = 0, http_less = 0;
    for (size_t i = 0; i < r->n_regions; i++) {
        const struct region_rates *rr = &r->regions[i];
        const char *loc = location_of(rr->code), *code;
        ck_assert_int_eq(rr->has[CF_OFFER_ELB], strcmp(rr->code, "us-east-1") == 0);
        /* Every region of the snapshot is in both feeds. */
        ck_assert_msg(rr->has[CF_OFFER_CLOUDWATCH], "%s: no CloudWatch rates", rr->code);
        assert_usd(rr->cloudwatch.logs_ingest_gb_usd,
                   label_price(cw, loc, "Logs Collected Data Ingestion", &code));
        assert_usd(rr->cloudwatch.logs_storage_gb_month_usd,
                   label_price(cw, loc, "Stored Data", &code));
        ck_assert_msg(rr->has[CF_OFFER_API_GATEWAY], "%s: no API Gateway rates", rr->code);
        const struct api_gateway_rates *a = &rr->api_gateway;
        assert_tiers_match_labels(a->http_tiers, a->n_http_tiers, apigw, loc, http, http_ends, 2);
        assert_tiers_match_labels(a->rest_tiers, a->n_rest_tiers, apigw, loc, rest, rest_ends, 4);
        merged += a->n_rest_tiers == 3;
        http_less += a->n_http_tiers == 0;
        ck_assert_str_eq(rr->info[CF_OFFER_CLOUDWATCH].published, "2025-06-05T17:56:13Z");
    }
    /* Sydney and Sao Paulo price their first billion REST requests at one rate (one rate code
     * for the first two labels); Malaysia has no HTTP API rates in the feed. */
    ck_assert_uint_eq(merged, 2);
    ck_assert_uint_eq(http_less, 1);
    ck_assert_uint_eq(region(r, "ap-southeast-5")->api_gateway.n_http_tiers, 0);
    ck_assert_double_eq(region(r, "ap-southeast-2")->api_gateway.rest_tiers[0].up_to, 1e9);
    rates_unref(r);
    json_decref(apigw);
    json_decref(cw);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Round trips and the /pricing/{region} shape                                                 */

START_TEST(test_round_trip_snapshot)
{
    struct rates *a = load_snapshot(CF_SOURCE_SNAPSHOT), *b = NULL, *c = NULL;
    struct cf_error err = {0};
    json_t *doc = rates_to_json(a);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_SNAPSHOT, &b, &err), 0);
    assert_tables_equal(a, b, CF_SOURCE_SNAPSHOT);

    /* Through text, at jansson's default 17-digit precision: still exact. */
    char *text = json_dumps(doc, JSON_INDENT(1));
    ck_assert_ptr_nonnull(text);
    json_error_t jerr;
    json_t *doc2 = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_ptr_nonnull(doc2);
    ck_assert_int_eq(rates_from_json(doc2, CF_SOURCE_SNAPSHOT, &c, &err), 0);
    assert_tables_equal(a, c, CF_SOURCE_SNAPSHOT);
    ck_assert(json_equal(doc, doc2));

    json_t *doc3 = rates_to_json(c);
    ck_assert(json_equal(doc, doc3));
    json_decref(doc3);
    free(text);
    json_decref(doc2);
    json_decref(doc);
    rates_unref(a);
    rates_unref(b);
    rates_unref(c);
}
END_TEST

START_TEST(test_round_trip_hand_built)
{
    /* Three regions: full; without EC2 offer; with EC2 but no GPU type sold. Built unsorted:
     * rates_finish() sorts; the loader gives the same order back. */
    static const char *const codes[] = {"us-west-2", "eu-west-1", "ap-south-1"};
    struct rates *a = make_table(3, codes), *b = NULL;
    struct region_rates *eu = mut_region(a, "eu-west-1");
    eu->has[CF_OFFER_EC2] = false;
    free(eu->instances);
    eu->instances = NULL;
    eu->n_instances = 0;
    struct region_rates *ap = mut_region(a, "ap-south-1");
    free(ap->instances);
    ap->instances = NULL;
    ap->n_instances = 0;
    /* A four-tier table and odd values survive too. */
    struct lambda_rates *l = &ap->lambda[CF_ARCH_ARM64];
    l->gb_s_tiers[3] = l->gb_s_tiers[2];
    l->gb_s_tiers[2] = (struct rate_tier){1e11, 0.1 + 0.2};
    l->n_tiers = 4;
    /* A region without provisioned rates for one architecture. */
    ap->lambda[CF_ARCH_X86_64].has_provisioned = false;
    ap->lambda[CF_ARCH_X86_64].provisioned_gb_s_usd = 0;
    ap->lambda[CF_ARCH_X86_64].provisioned_duration_gb_s_usd = 0;
    ap->info[CF_OFFER_LAMBDA].source = CF_SOURCE_LIVE;
    ap->info[CF_OFFER_LAMBDA].fetched_at = 1767323045; /* 2026-01-02T03:04:05Z */
    struct cf_error err = {0};
    ck_assert_int_eq(rates_validate(a, &err), 0);

    json_t *doc = rates_to_json(a);
    ck_assert_ptr_nonnull(doc);
    /* The saved "source" says what the rates were; the loader's caller decides what they are. */
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(
                json_object_get(json_array_get(json_object_get(doc, "regions"), 0), "sources"),
                "lambda"),
            "source")),
        "live");
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &b, &err), 0);
    assert_tables_equal(a, b, CF_SOURCE_STATE);
    ck_assert_int_eq(b->regions[0].info[CF_OFFER_LAMBDA].fetched_at, 1767323045);
    json_decref(doc);
    rates_unref(a);
    rates_unref(b);
}
END_TEST

/* A follower's table (source rates_url) saves, reloads and validates like any other: its state
 * file says "rates_url", which the loader takes, and which documents written before it existed
 * never say. */
START_TEST(test_round_trip_rates_url_source)
{
    static const char *const codes[] = {"us-east-1"};
    struct rates *a = make_table(1, codes), *b = NULL, *c = NULL;
    struct region_rates *us = mut_region(a, "us-east-1");
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        us->info[o].source = CF_SOURCE_URL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_validate(a, &err), 0);
    json_t *doc = rates_to_json(a);
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(
                json_object_get(json_array_get(json_object_get(doc, "regions"), 0), "sources"),
                "lambda"),
            "source")),
        "rates_url");
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &b, &err), 0);
    assert_tables_equal(a, b, CF_SOURCE_STATE);
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_URL, &c, &err), 0);
    assert_tables_equal(a, c, CF_SOURCE_URL);
    ck_assert_str_eq(cf_source_name(CF_SOURCE_URL), "rates_url");
    json_decref(doc);
    rates_unref(a);
    rates_unref(b);
    rates_unref(c);
}
END_TEST

START_TEST(test_region_json_shape)
{
    struct rates *r = make_one();
    json_t *o = rates_region_to_json(&r->regions[0]);
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(json_object_size(o), 5);
    ck_assert_str_eq(json_string_value(json_object_get(o, "region")), "us-east-1");
    json_t *x86 = json_object_get(json_object_get(o, "lambda"), "x86_64");
    ck_assert_double_eq(json_number_value(json_object_get(x86, "request_usd")), 0.0000002);
    json_t *tiers = json_object_get(x86, "gb_second_tiers");
    ck_assert_uint_eq(json_array_size(tiers), 3);
    ck_assert_double_eq(json_number_value(json_object_get(json_array_get(tiers, 0), "up_to_gb_s")),
                        6e9);
    ck_assert(json_is_null(json_object_get(json_array_get(tiers, 2), "up_to_gb_s")));
    ck_assert_double_eq(json_number_value(json_object_get(json_array_get(tiers, 2), "usd")),
                        0.0000133334);
    ck_assert_ptr_nonnull(json_object_get(x86, "ephemeral_gb_second_usd"));
    json_t *prov = json_object_get(x86, "provisioned");
    ck_assert_uint_eq(json_object_size(prov), 2);
    ck_assert_double_eq(json_number_value(json_object_get(prov, "concurrency_gb_second_usd")),
                        0.0000041667);
    ck_assert_double_eq(json_number_value(json_object_get(prov, "duration_gb_second_usd")),
                        0.0000097222);
    prov = json_object_get(json_object_get(json_object_get(o, "lambda"), "arm64"), "provisioned");
    ck_assert_double_eq(json_number_value(json_object_get(prov, "concurrency_gb_second_usd")),
                        0.0000033334);
    ck_assert_double_eq(json_number_value(json_object_get(prov, "duration_gb_second_usd")),
                        0.0000077778);
    json_t *fargate = json_object_get(o, "fargate");
    ck_assert_double_eq(
        json_number_value(json_object_get(json_object_get(fargate, "arm64"), "gb_hour_usd")),
        0.00356);
    ck_assert_double_eq(json_number_value(json_object_get(fargate, "ephemeral_gb_hour_usd")),
                        0.000111);
    json_t *g = json_array_get(json_object_get(o, "ec2_instances"), 0); /* cheapest first */
    ck_assert_uint_eq(json_object_size(g), 8);
    ck_assert_str_eq(json_string_value(json_object_get(g, "instance_type")), "g5.xlarge");
    ck_assert_str_eq(json_string_value(json_object_get(g, "arch")), "x86_64");
    ck_assert_double_eq(json_number_value(json_object_get(g, "usd_per_hour")), 1.006);
    ck_assert_int_eq(json_integer_value(json_object_get(g, "gpus")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(g, "vcpu")), 4);
    ck_assert_str_eq(json_string_value(json_object_get(g, "gpu_model")), "A10G");
    ck_assert_double_eq(json_number_value(json_object_get(g, "gpu_memory_gib")), 24);
    json_t *src = json_object_get(json_object_get(o, "sources"), "lambda");
    ck_assert_str_eq(json_string_value(json_object_get(src, "source")), "snapshot");
    ck_assert_str_eq(json_string_value(json_object_get(src, "version")), "20250617165738");
    ck_assert_str_eq(json_string_value(json_object_get(src, "published")), "2025-06-17T16:57:38Z");
    ck_assert_str_eq(json_string_value(json_object_get(src, "fetched_at")),
                     "2025-06-17T16:57:38Z"); /* 1750179458 */
    ck_assert(json_is_null(
        json_object_get(json_object_get(json_object_get(o, "sources"), "fargate"), "fetched_at")));
    json_decref(o);

    /* An architecture without provisioned rates shows them as null. */
    r->regions[0].lambda[CF_ARCH_ARM64].has_provisioned = false;
    o = rates_region_to_json(&r->regions[0]);
    ck_assert(json_is_null(
        json_object_get(json_object_get(json_object_get(o, "lambda"), "arm64"), "provisioned")));
    ck_assert(json_is_object(
        json_object_get(json_object_get(json_object_get(o, "lambda"), "x86_64"), "provisioned")));
    json_decref(o);

    /* A region without an offer shows it as null, with null provenance. */
    r->regions[0].has[CF_OFFER_EC2] = false;
    o = rates_region_to_json(&r->regions[0]);
    ck_assert(json_is_null(json_object_get(o, "ec2_instances")));
    ck_assert(json_is_null(json_object_get(json_object_get(o, "sources"), "ec2")));
    json_decref(o);
    ck_assert_ptr_null(rates_region_to_json(NULL));
    ck_assert_ptr_null(rates_to_json(NULL));
    rates_unref(r);
}
END_TEST

/* A document written before provisioned rates existed (no "provisioned" key) still loads: the
 * region then has none. So does one that says null. */
START_TEST(test_load_without_provisioned)
{
    struct rates *a = make_one(), *b = NULL;
    struct cf_error err = {0};
    json_t *doc = rates_to_json(a);
    ck_assert_ptr_nonnull(doc);
    json_t *lambda = json_object_get(json_array_get(json_object_get(doc, "regions"), 0), "lambda");
    ck_assert_int_eq(json_object_del(json_object_get(lambda, "x86_64"), "provisioned"), 0);
    ck_assert_int_eq(
        json_object_set_new(json_object_get(lambda, "arm64"), "provisioned", json_null()), 0);
    ck_assert_msg(rates_from_json(doc, CF_SOURCE_STATE, &b, &err) == 0, "%s", err.message);
    const struct region_rates *rr = region(b, "us-east-1");
    for (int arch = 0; arch < CF_ARCH_COUNT; arch++) {
        ck_assert(!rr->lambda[arch].has_provisioned);
        ck_assert(rr->lambda[arch].provisioned_gb_s_usd == 0);
        ck_assert(rr->lambda[arch].provisioned_duration_gb_s_usd == 0);
    }
    assert_usd(rr->lambda[CF_ARCH_X86_64].gb_s_tiers[0].usd, 0.0000166667); /* the rest stays */
    /* Saved again, the absence is written as null. */
    json_t *again = rates_region_to_json(rr);
    ck_assert(json_is_null(json_object_get(
        json_object_get(json_object_get(again, "lambda"), "x86_64"), "provisioned")));
    json_decref(again);
    json_decref(doc);
    rates_unref(a);
    rates_unref(b);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Saving                                                                                      */

START_TEST(test_save_and_load_state)
{
    char *dir = make_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/rates.json", dir);
    struct rates *a = load_snapshot(CF_SOURCE_SNAPSHOT), *b = NULL, *c = NULL;
    struct cf_error err = {0};

    /* A live table: what the refresher saves. */
    struct region_rates *us = mut_region(a, "us-east-1");
    us->info[CF_OFFER_FARGATE].source = CF_SOURCE_LIVE;
    us->info[CF_OFFER_FARGATE].fetched_at = 1767323045;
    snprintf(us->info[CF_OFFER_FARGATE].version, sizeof(us->info[0].version), "20250828172723");
    ck_assert_int_eq(rates_save_file(a, path, &err), 0);
    ck_assert_int_eq(count_tmp_files(dir), 0);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &b, &err), 0);
    assert_tables_equal(a, b, CF_SOURCE_STATE);
    const struct region_rates *bus = rates_region(b, "us-east-1");
    ck_assert_int_eq(bus->info[CF_OFFER_FARGATE].fetched_at, 1767323045);
    ck_assert_str_eq(bus->info[CF_OFFER_FARGATE].version, "20250828172723");

    /* Overwrite with a changed price: the new file replaces the old, nothing left behind. */
    us->fargate[CF_ARCH_X86_64].vcpu_hour_usd = 0.05;
    ck_assert_int_eq(rates_save_file(a, path, &err), 0);
    ck_assert_int_eq(count_tmp_files(dir), 0);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &c, &err), 0);
    assert_usd(rates_region(c, "us-east-1")->fargate[CF_ARCH_X86_64].vcpu_hour_usd, 0.05);
    assert_tables_equal(a, c, CF_SOURCE_STATE);

    /* Figures are written short where that is exact ("0.03238", not "0.032380000000000003"),
     * and with all 17 digits where it is not (0.1 + 0.2 = 0.30000000000000004). */
    size_t len;
    char *text = read_file(path, &len);
    ck_assert_ptr_nonnull(strstr(text, "\"vcpu_hour_usd\": 0.03238,\n"));
    ck_assert_ptr_null(strstr(text, "0.0323800"));
    free(text);
    us->fargate[CF_ARCH_ARM64].gb_hour_usd = 0.1 + 0.2;
    ck_assert_int_eq(rates_save_file(a, path, &err), 0);
    text = read_file(path, &len);
    ck_assert_ptr_nonnull(strstr(text, "0.30000000000000004"));
    free(text);
    rates_unref(c);
    c = NULL;
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &c, &err), 0);
    assert_tables_equal(a, c, CF_SOURCE_STATE);

    /* A relative path (directory ".") works too. */
    char cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_int_eq(rates_save_file(a, "relative.json", &err), 0);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(count_tmp_files(dir), 0);

    rates_unref(a);
    rates_unref(b);
    rates_unref(c);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_failed_save_keeps_old_file)
{
    char *dir = make_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/rates.json", dir);
    struct rates *small = make_one(), *big = load_snapshot(CF_SOURCE_SNAPSHOT), *back = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_save_file(small, path, &err), 0);
    size_t old_len, len;
    char *old = read_file(path, &old_len), *now;

    /* 1. An invalid table is refused before anything is written. */
    small->regions[0].fargate[CF_ARCH_ARM64].gb_hour_usd = -1;
    ck_assert_int_eq(rates_save_file(small, path, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].fargate.arm64.gb_hour_usd");
    small->regions[0].fargate[CF_ARCH_ARM64].gb_hour_usd = 0.00356;
    now = read_file(path, &len);
    ck_assert(len == old_len && memcmp(old, now, len) == 0);
    free(now);
    ck_assert_int_eq(count_tmp_files(dir), 0);

    /* 2. The disk fills up mid-write (a file size limit makes write() fail with EFBIG): the
     * temporary file is removed and the old file is untouched. */
    struct rlimit saved, lim;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &saved), 0);
    lim = saved;
    lim.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int e = rates_save_file(big, path, &err);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &saved), 0);
    ck_assert_int_eq(e, CF_EIO);
    ck_assert_msg(strstr(err.message, "write") != NULL, "%s", err.message);
    now = read_file(path, &len);
    ck_assert(len == old_len && memcmp(old, now, len) == 0);
    free(now);
    ck_assert_int_eq(count_tmp_files(dir), 0);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &back, &err), 0);
    assert_tables_equal(small, back, CF_SOURCE_STATE);

    /* 3. The rename fails (the target is a non-empty directory): nothing left behind. */
    char sub[600], inner[700];
    snprintf(sub, sizeof(sub), "%s/taken", dir);
    snprintf(inner, sizeof(inner), "%s/x", sub);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_text(inner, "x", 1);
    ck_assert_int_eq(rates_save_file(small, sub, &err), CF_EIO);
    ck_assert_msg(strstr(err.message, "rename") != NULL, "%s", err.message);
    ck_assert_int_eq(count_tmp_files(dir), 0);
    unlink(inner);
    rmdir(sub);

    /* 4. The directory does not exist. */
    snprintf(sub, sizeof(sub), "%s/missing/rates.json", dir);
    ck_assert_int_eq(rates_save_file(small, sub, &err), CF_EIO);
    ck_assert_int_eq(rates_save_file(small, NULL, &err), CF_EIO);
    ck_assert_int_eq(rates_save_file(NULL, path, &err), CF_EINVAL);

    now = read_file(path, &len);
    ck_assert(len == old_len && memcmp(old, now, len) == 0);
    free(now);
    free(old);
    rates_unref(small);
    rates_unref(big);
    rates_unref(back);
    remove_tree(dir);
    free(dir);
}
END_TEST

struct race {
    const char *path;
    struct rates *tables[2];
    int loads_ok;
};

static void *saver(void *arg)
{
    struct race *race = arg;
    for (int i = 0; i < 12; i++) {
        struct cf_error err = {0};
        if (rates_save_file(race->tables[i % 2], race->path, &err) != 0)
            return (void *)1;
    }
    return NULL;
}

/* A reader loading while the writer replaces the file always sees one whole table. */
START_TEST(test_load_while_saving)
{
    char *dir = make_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/rates.json", dir);
    struct race race = {.path = path, .tables = {make_one(), make_one()}};
    race.tables[1]->regions[0].instances[0].usd_per_hour = 2.0; /* g5.xlarge, still the cheapest */
    struct cf_error err = {0};
    ck_assert_int_eq(rates_save_file(race.tables[0], path, &err), 0);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, saver, &race), 0);
    for (int i = 0; i < 40; i++) {
        struct rates *r = NULL;
        int e = rates_load_file(path, CF_SOURCE_STATE, &r, &err);
        ck_assert_msg(e == 0, "load %d: %s", i, err.message);
        double p = r->regions[0].instances[0].usd_per_hour;
        ck_assert(p == 1.006 || p == 2.0);
        rates_unref(r);
    }
    void *res;
    ck_assert_int_eq(pthread_join(t, &res), 0);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(count_tmp_files(dir), 0);
    rates_unref(race.tables[0]);
    rates_unref(race.tables[1]);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Malformed documents                                                                         */

#define DELETE "<delete>"

/* Sets (or deletes) the value at a '/'-separated path ("regions/0/lambda/x86_64/request_usd"). */
static void edit(json_t *root, const char *path, const char *value_json)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *parent = root;
    char *save = NULL, *tok = strtok_r(buf, "/", &save), *next;
    while ((next = strtok_r(NULL, "/", &save))) {
        parent = json_is_array(parent) ? json_array_get(parent, strtoul(tok, NULL, 10))
                                       : json_object_get(parent, tok);
        ck_assert_msg(parent != NULL, "no %s in %s", tok, path);
        tok = next;
    }
    if (strcmp(value_json, DELETE) == 0) {
        ck_assert_int_eq(json_object_del(parent, tok), 0);
        return;
    }
    json_error_t jerr;
    json_t *v = json_loads(value_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    ck_assert_msg(v != NULL, "bad test value %s", value_json);
    if (json_is_array(parent))
        ck_assert_int_eq(json_array_set_new(parent, strtoul(tok, NULL, 10), v), 0);
    else
        ck_assert_int_eq(json_object_set_new(parent, tok, v), 0);
}

struct bad_doc {
    const char *edits[8]; /* path, value, path, value, ...; NULL-terminated */
    int code;
    const char *field;
};

#define X86   "regions/0/lambda/x86_64/"
#define X86F  "regions[0].lambda.x86_64."
#define XP    X86 "provisioned/"
#define XPF   X86F "provisioned."
#define AP    "regions/0/lambda/arm64/provisioned/"
#define APF   "regions[0].lambda.arm64.provisioned."
#define GPU0  "regions/0/ec2_instances/0/"
#define GPU0F "regions[0].ec2_instances[0]."
#define SRC   "regions/0/sources/lambda/"
#define SRCF  "regions[0].sources.lambda."

static const struct bad_doc bad_docs[] = {
    {{"format", DELETE}, CF_EMISSING, "format"},
    {{"format", "\"computefit-rates/2\""}, CF_EINVAL, "format"},
    {{"format", "1"}, CF_EINVAL, "format"},
    {{"built_at", DELETE}, CF_EMISSING, "built_at"},
    {{"built_at", "\"yesterday\""}, CF_EINVAL, "built_at"},
    {{"built_at", "1749772800"}, CF_EINVAL, "built_at"},
    {{"regions", DELETE}, CF_EMISSING, "regions"},
    {{"regions", "[]"}, CF_EINVAL, "regions"},
    {{"regions", "{}"}, CF_EINVAL, "regions"},
    {{"extra", "1"}, CF_EUNKNOWN, "extra"},
    {{"regions/0", "\"us-east-1\""}, CF_EINVAL, "regions[0]"},
    {{"regions/0/region", DELETE}, CF_EMISSING, "regions[0].region"},
    {{"regions/0/region", "\"US_EAST_1\""}, CF_EINVAL, "regions[0].region"},
    {{"regions/0/region", "\"\""}, CF_EINVAL, "regions[0].region"},
    {{"regions/0/region", "\"us-east-1-but-much-longer-than-a-code\""},
     CF_EINVAL,
     "regions[0].region"},
    {{"regions/0/lamda", "{}"}, CF_EUNKNOWN, "regions[0].lamda"},
    {{"regions/0/lambda", DELETE}, CF_EMISSING, "regions[0].lambda"},
    {{"regions/0/lambda", "[]"}, CF_EINVAL, "regions[0].lambda"},
    {{"regions/0/lambda/arm64", DELETE}, CF_EMISSING, "regions[0].lambda.arm64"},
    {{"regions/0/lambda/arm", "{}"}, CF_EUNKNOWN, "regions[0].lambda.arm"},
    {{X86 "request_usd", DELETE}, CF_EMISSING, X86F "request_usd"},
    {{X86 "request_usd", "\"abc\""}, CF_EINVAL, X86F "request_usd"},
    {{X86 "request_usd", "\"0.0000002\""}, CF_EINVAL, X86F "request_usd"},
    {{X86 "request_usd", "-2e-7"}, CF_EINVAL, X86F "request_usd"},
    {{X86 "request_usd", "0"}, CF_EINVAL, X86F "request_usd"},
    {{X86 "request_usd", "null"}, CF_EINVAL, X86F "request_usd"},
    {{X86 "ephemeral_gb_second_usd", DELETE}, CF_EMISSING, X86F "ephemeral_gb_second_usd"},
    /* Provisioned concurrency: optional, but whole and priced when present. */
    {{X86 "provisioned", "[]"}, CF_EINVAL, X86F "provisioned"},
    {{X86 "provisioned", "0.0000041667"}, CF_EINVAL, X86F "provisioned"},
    {{X86 "provisioned", "{}"}, CF_EMISSING, XPF "concurrency_gb_second_usd"},
    {{XP "duration_gb_second_usd", DELETE}, CF_EMISSING, XPF "duration_gb_second_usd"},
    {{XP "gb_second_usd", "1e-5"}, CF_EUNKNOWN, XPF "gb_second_usd"},
    {{XP "concurrency_gb_second_usd", "\"0.0000041667\""},
     CF_EINVAL,
     XPF "concurrency_gb_second_usd"},
    {{XP "concurrency_gb_second_usd", "0"}, CF_EINVAL, XPF "concurrency_gb_second_usd"},
    {{XP "duration_gb_second_usd", "-9.7222e-6"}, CF_EINVAL, XPF "duration_gb_second_usd"},
    {{XP "duration_gb_second_usd", "null"}, CF_EINVAL, XPF "duration_gb_second_usd"},
    /* At or above the on-demand tier-1 rate (0.0000166667 x86, 0.0000133334 ARM). */
    {{XP "duration_gb_second_usd", "1.66667e-5"}, CF_EINVAL, XPF "duration_gb_second_usd"},
    {{AP "duration_gb_second_usd", "1.4e-5"}, CF_EINVAL, APF "duration_gb_second_usd"},
    /* Tiers: not ascending, equal, last bounded, middle unbounded, empty, too many. */
    {{X86 "gb_second_tiers/1/up_to_gb_s", "5e9"}, CF_EINVAL, X86F "gb_second_tiers[1].up_to_gb_s"},
    {{X86 "gb_second_tiers/1/up_to_gb_s", "6e9"}, CF_EINVAL, X86F "gb_second_tiers[1].up_to_gb_s"},
    {{X86 "gb_second_tiers/0/up_to_gb_s", "0"}, CF_EINVAL, X86F "gb_second_tiers[0].up_to_gb_s"},
    {{X86 "gb_second_tiers/2/up_to_gb_s", "2e10"}, CF_EINVAL, X86F "gb_second_tiers[2].up_to_gb_s"},
    {{X86 "gb_second_tiers/0/up_to_gb_s", "null"}, CF_EINVAL, X86F "gb_second_tiers[0].up_to_gb_s"},
    {{X86 "gb_second_tiers/0/up_to_gb_s", DELETE},
     CF_EMISSING,
     X86F "gb_second_tiers[0].up_to_gb_s"},
    {{X86 "gb_second_tiers/0/up_to_gb_s", "\"6e9\""},
     CF_EINVAL,
     X86F "gb_second_tiers[0].up_to_gb_s"},
    {{X86 "gb_second_tiers/1/usd", "\"abc\""}, CF_EINVAL, X86F "gb_second_tiers[1].usd"},
    {{X86 "gb_second_tiers/1/usd", "-1.5e-5"}, CF_EINVAL, X86F "gb_second_tiers[1].usd"},
    {{X86 "gb_second_tiers/1/up_to", "1"}, CF_EUNKNOWN, X86F "gb_second_tiers[1].up_to"},
    {{X86 "gb_second_tiers/1", "3"}, CF_EINVAL, X86F "gb_second_tiers[1]"},
    {{X86 "gb_second_tiers", "[]"}, CF_EINVAL, X86F "gb_second_tiers"},
    {{X86 "gb_second_tiers", "{}"}, CF_EINVAL, X86F "gb_second_tiers"},
    {{X86 "gb_second_tiers",
      "[{\"up_to_gb_s\":1,\"usd\":1},{\"up_to_gb_s\":2,\"usd\":1},{\"up_to_gb_s\":3,\"usd\":1},"
      "{\"up_to_gb_s\":4,\"usd\":1},{\"up_to_gb_s\":null,\"usd\":1}]"},
     CF_EINVAL,
     X86F "gb_second_tiers"},
    /* Fargate. */
    {{"regions/0/fargate/arm64/gb_hour_usd", "-0.00356"},
     CF_EINVAL,
     "regions[0].fargate.arm64.gb_hour_usd"},
    {{"regions/0/fargate/x86_64/vcpu_hour_usd", "true"},
     CF_EINVAL,
     "regions[0].fargate.x86_64.vcpu_hour_usd"},
    {{"regions/0/fargate/ephemeral_gb_hour_usd", DELETE},
     CF_EMISSING,
     "regions[0].fargate.ephemeral_gb_hour_usd"},
    {{"regions/0/fargate/windows", "{}"}, CF_EUNKNOWN, "regions[0].fargate.windows"},
    /* EC2 GPU instances; $0 is the Capacity Block trap. */
    {{GPU0 "usd_per_hour", "\"abc\""}, CF_EINVAL, GPU0F "usd_per_hour"},
    {{GPU0 "usd_per_hour", "0"}, CF_EINVAL, GPU0F "usd_per_hour"},
    {{GPU0 "vcpu", DELETE}, CF_EMISSING, GPU0F "vcpu"},
    {{GPU0 "memory_gib", "-16"}, CF_EINVAL, GPU0F "memory_gib"},
    {{GPU0 "gpus", "0"}, CF_EINVAL, GPU0F "gpus"},
    {{GPU0 "gpus", "1.5"}, CF_EINVAL, GPU0F "gpus"},
    {{GPU0 "gpus", "\"1\""}, CF_EINVAL, GPU0F "gpus"},
    {{GPU0 "gpu_memory_gib", "-24"}, CF_EINVAL, GPU0F "gpu_memory_gib"},
    {{GPU0 "gpu_model", "\"\""}, CF_EINVAL, GPU0F "gpu_model"},
    {{GPU0 "gpu_model", "\"a GPU model name too long to fit\""}, CF_EINVAL, GPU0F "gpu_model"},
    {{GPU0 "instance_type", "\"g5\""}, CF_EINVAL, GPU0F "instance_type"},
    {{GPU0 "instance_type", "\"G5.XLARGE\""}, CF_EINVAL, GPU0F "instance_type"},
    {{"regions/0/ec2_instances/1/instance_type", "\"g5.xlarge\""},
     CF_EINVAL,
     "regions[0].ec2_instances[1].instance_type"},
    {{GPU0 "gpuMemory", "\"24 GB\""}, CF_EUNKNOWN, GPU0F "gpuMemory"},
    {{GPU0 "arch", DELETE}, CF_EMISSING, GPU0F "arch"},
    {{GPU0 "arch", "\"sparc\""}, CF_EINVAL, GPU0F "arch"},
    /* A CPU instance has no GPU model or memory; a GPU instance must have both. */
    {{GPU0 "gpus", "0", GPU0 "gpu_model", DELETE}, CF_EINVAL, GPU0F "gpus"},
    {{GPU0 "gpu_model", DELETE}, CF_EMISSING, GPU0F "gpu_model"},
    {{"regions/0/ec2_instances/0", "[]"}, CF_EINVAL, "regions[0].ec2_instances[0]"},
    {{"regions/0/ec2_instances", "{}"}, CF_EINVAL, "regions[0].ec2_instances"},
    /* Provenance. */
    {{"regions/0/sources", DELETE}, CF_EMISSING, "regions[0].sources"},
    {{"regions/0/sources/lambda", DELETE}, CF_EMISSING, "regions[0].sources.lambda"},
    {{"regions/0/sources/ec2", "null"}, CF_EINVAL, "regions[0].sources.ec2"},
    {{"regions/0/ec2_instances", "null"}, CF_EINVAL, "regions[0].sources.ec2"},
    {{"regions/0/sources/spot", "null"}, CF_EUNKNOWN, "regions[0].sources.spot"},
    {{SRC "source", "\"cache\""}, CF_EINVAL, SRCF "source"},
    {{SRC "source", DELETE}, CF_EMISSING, SRCF "source"},
    {{SRC "version", "\"0123456789012345678901234567890123456789\""}, CF_EINVAL, SRCF "version"},
    {{SRC "published", "\"\""}, CF_EINVAL, SRCF "published"},
    {{SRC "origin", "\"\""}, CF_EINVAL, SRCF "origin"},
    {{SRC "origin", "\"caf\\u00e9\""}, CF_EINVAL, SRCF "origin"},
    {{SRC "origin", "\"nul\\u0000inside\""}, CF_EINVAL, SRCF "origin"},
    {{SRC "fetched_at", "\"yesterday\""}, CF_EINVAL, SRCF "fetched_at"},
    {{SRC "fetched_at", "\"2025-02-30T00:00:00Z\""}, CF_EINVAL, SRCF "fetched_at"},
    {{SRC "fetched_at", "\"2025-06-05 17:56:26\""}, CF_EINVAL, SRCF "fetched_at"},
    {{SRC "fetched_at", "1749146186"}, CF_EINVAL, SRCF "fetched_at"},
    {{SRC "fetched_at", DELETE}, CF_EMISSING, SRCF "fetched_at"},
    {{SRC "etag", "\"x\""}, CF_EUNKNOWN, SRCF "etag"},
    /* A region with no offer at all. */
    {{"regions/0/lambda", "null", "regions/0/fargate", "null", "regions/0/ec2_instances", "null"},
     CF_EINVAL,
     "regions[0].sources.lambda"},
};

/* Applies each case's edits to a copy of `good` (borrowed) and checks that the loader refuses
 * the result with the case's code and JSON path, a message, and no table. */
static void expect_bad_docs(const json_t *good, const struct bad_doc *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct bad_doc *b = &cases[i];
        json_t *doc = json_deep_copy(good);
        for (size_t k = 0; b->edits[k]; k += 2)
            edit(doc, b->edits[k], b->edits[k + 1]);
        struct rates *r = NULL;
        struct cf_error err = {0};
        int e = rates_from_json(doc, CF_SOURCE_STATE, &r, &err);
        ck_assert_msg(e == b->code && strcmp(err.field, b->field) == 0,
                      "case %zu (%s = %s): got %d \"%s\" (%s), want %d \"%s\"", i, b->edits[0],
                      b->edits[1], e, err.field, err.message, b->code, b->field);
        ck_assert_msg(strlen(err.message) > 10, "case %zu: no message", i);
        ck_assert_ptr_null(r);
        json_decref(doc);
    }
}

START_TEST(test_malformed_documents)
{
    struct rates *base = make_one();
    json_t *good = rates_to_json(base);
    ck_assert_ptr_nonnull(good);
    expect_bad_docs(good, bad_docs, sizeof(bad_docs) / sizeof(bad_docs[0]));
    /* No offer at all, provenance nulled to match: the region itself is named. */
    json_t *doc = json_deep_copy(good);
    edit(doc, "regions/0/lambda", "null");
    edit(doc, "regions/0/fargate", "null");
    edit(doc, "regions/0/ec2_instances", "null");
    edit(doc, "regions/0/sources", "{\"lambda\": null, \"fargate\": null, \"ec2\": null}");
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &r, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0]");
    json_decref(doc);

    /* The documents itself: not an object, no document, an unknown source. */
    json_t *arr = json_array();
    ck_assert_int_eq(rates_from_json(arr, CF_SOURCE_STATE, &r, &err), CF_EINVAL);
    ck_assert_int_eq(rates_from_json(NULL, CF_SOURCE_STATE, &r, NULL), CF_EINVAL);
    ck_assert_int_eq(rates_from_json(good, CF_SOURCE_NONE, &r, &err), CF_EINVAL);
    ck_assert_ptr_null(r);
    json_decref(arr);
    json_decref(good);
    rates_unref(base);
}
END_TEST

/* Gives `rr` Fargate Spot rates: the genuine eu-west-1 x86 pair of the ligoj feed (2019) and,
 * when `arm`, an arm64 pair written here. */
static void set_spot(struct region_rates *rr, bool arm)
{
    rr->has_fargate_spot[CF_ARCH_X86_64] = true;
    rr->fargate_spot[CF_ARCH_X86_64] = (struct fargate_rates){0.01379631, 0.00151494};
    rr->has_fargate_spot[CF_ARCH_ARM64] = arm;
    if (arm)
        rr->fargate_spot[CF_ARCH_ARM64] = (struct fargate_rates){0.01030969, 0.00113349};
    set_info(&rr->fargate_spot_info, "20190730194642", "", 0,
             "https://dftu77xade0tc.cloudfront.net/fargate-spot-prices.json");
    rr->fargate_spot_info.source = CF_SOURCE_LIVE;
    rr->fargate_spot_info.fetched_at = 1767323045; /* 2026-01-02T03:04:05Z */
}

START_TEST(test_round_trip_spot)
{
    /* us-east-1 with x86 and arm64 Spot rates, eu-west-1 with x86 only, us-west-2 without. */
    static const char *const codes[] = {"us-east-1", "eu-west-1", "us-west-2"};
    struct rates *a = make_table(3, codes), *b = NULL, *c = NULL;
    set_spot(mut_region(a, "us-east-1"), true);
    set_spot(mut_region(a, "eu-west-1"), false);
    struct cf_error err = {0};
    ck_assert_msg(rates_validate(a, &err) == 0, "%s: %s", err.field, err.message);

    json_t *doc = rates_to_json(a);
    ck_assert_ptr_nonnull(doc);
    json_t *regions = json_object_get(doc, "regions");
    /* Sorted: eu-west-1, us-east-1, us-west-2. */
    json_t *eu = json_array_get(regions, 0), *us = json_array_get(regions, 1),
           *usw = json_array_get(regions, 2);
    ck_assert_str_eq(json_string_value(json_object_get(eu, "region")), "eu-west-1");
    json_t *spot = json_object_get(eu, "fargate_spot");
    ck_assert_double_eq(
        json_number_value(json_object_get(json_object_get(spot, "x86_64"), "vcpu_hour_usd")),
        0.01379631);
    ck_assert_double_eq(
        json_number_value(json_object_get(json_object_get(spot, "x86_64"), "gb_hour_usd")),
        0.00151494);
    ck_assert(json_is_null(json_object_get(spot, "arm64")));
    json_t *src = json_object_get(json_object_get(eu, "sources"), "fargate_spot");
    ck_assert_str_eq(json_string_value(json_object_get(src, "source")), "live");
    ck_assert_str_eq(json_string_value(json_object_get(src, "version")), "20190730194642");
    ck_assert_str_eq(json_string_value(json_object_get(src, "published")), "");
    ck_assert_str_eq(json_string_value(json_object_get(src, "fetched_at")), "2026-01-02T03:04:05Z");
    ck_assert_double_eq(
        json_number_value(json_object_get(
            json_object_get(json_object_get(us, "fargate_spot"), "arm64"), "gb_hour_usd")),
        0.00113349);
    /* A region without Spot rates has neither key: the format without Spot is unchanged. */
    ck_assert_uint_eq(json_object_size(usw), 5);
    ck_assert_ptr_null(json_object_get(usw, "fargate_spot"));
    ck_assert_uint_eq(json_object_size(json_object_get(usw, "sources")), 3);

    /* Back, straight and through 17-digit text: equal to the bit, Spot fields included. */
    ck_assert_msg(rates_from_json(doc, CF_SOURCE_STATE, &b, &err) == 0, "%s: %s", err.field,
                  err.message);
    char *text = json_dumps(doc, JSON_INDENT(1));
    json_t *doc2 = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    ck_assert_ptr_nonnull(doc2);
    ck_assert_int_eq(rates_from_json(doc2, CF_SOURCE_STATE, &c, &err), 0);
    const struct rates *back[] = {b, c};
    for (size_t k = 0; k < 2; k++) {
        assert_tables_equal(a, back[k], CF_SOURCE_STATE);
        for (size_t i = 0; i < a->n_regions; i++) {
            const struct region_rates *x = &a->regions[i], *y = &back[k]->regions[i];
            for (int arch = 0; arch < CF_ARCH_COUNT; arch++) {
                ck_assert_int_eq(x->has_fargate_spot[arch], y->has_fargate_spot[arch]);
                if (!x->has_fargate_spot[arch])
                    continue;
                ck_assert(x->fargate_spot[arch].vcpu_hour_usd ==
                          y->fargate_spot[arch].vcpu_hour_usd);
                ck_assert(x->fargate_spot[arch].gb_hour_usd == y->fargate_spot[arch].gb_hour_usd);
            }
            if (!rates_has_fargate_spot(x))
                continue;
            ck_assert_int_eq(y->fargate_spot_info.source, CF_SOURCE_STATE);
            ck_assert_str_eq(x->fargate_spot_info.version, y->fargate_spot_info.version);
            ck_assert_str_eq(x->fargate_spot_info.published, y->fargate_spot_info.published);
            ck_assert_str_eq(x->fargate_spot_info.origin, y->fargate_spot_info.origin);
            ck_assert_int_eq(x->fargate_spot_info.fetched_at, y->fargate_spot_info.fetched_at);
        }
    }
    json_t *doc3 = rates_to_json(c);
    /* Only the recorded source differs (state now); put it back and the documents match. */
    for (size_t i = 0; i < 2; i++)
        edit(doc3,
             i == 0 ? "regions/0/sources/fargate_spot/source"
                    : "regions/1/sources/fargate_spot/source",
             "\"live\"");
    for (size_t i = 0; i < 3; i++)
        for (int o = 0; o < CF_OFFER_COUNT; o++) {
            char path[96];
            if (!cf_offer_required((enum cf_offer)o))
                continue; /* absent without rates */
            snprintf(path, sizeof(path), "regions/%zu/sources/%s/source", i,
                     cf_offer_name((enum cf_offer)o));
            edit(doc3, path, "\"snapshot\"");
        }
    ck_assert(json_equal(doc, doc3));

    /* rates_clone() copies the Spot rates with the region. */
    struct rates *d = rates_clone(a, 0);
    ck_assert_ptr_nonnull(d);
    assert_tables_equal(a, d, CF_SOURCE_SNAPSHOT);
    ck_assert(rates_region(d, "us-east-1")->has_fargate_spot[CF_ARCH_ARM64]);
    ck_assert(rates_region(d, "eu-west-1")->fargate_spot[CF_ARCH_X86_64].gb_hour_usd == 0.00151494);
    ck_assert(!rates_has_fargate_spot(rates_region(d, "us-west-2")));

    json_decref(doc3);
    json_decref(doc2);
    free(text);
    json_decref(doc);
    rates_unref(a);
    rates_unref(b);
    rates_unref(c);
    rates_unref(d);
}
END_TEST

#define SPOT  "regions/0/fargate_spot/"
#define SPOTF "regions[0].fargate_spot."
#define SSRC  "regions/0/sources/fargate_spot/"
#define SSRCF "regions[0].sources.fargate_spot."

static const struct bad_doc bad_spot_docs[] = {
    {{"regions/0/fargate_spot", "[]"}, CF_EINVAL, "regions[0].fargate_spot"},
    {{"regions/0/fargate_spot", "{\"x86_64\": null, \"arm64\": null}"},
     CF_EINVAL,
     "regions[0].fargate_spot"},
    {{SPOT "arm64", DELETE}, CF_EMISSING, SPOTF "arm64"},
    {{SPOT "windows", "null"}, CF_EUNKNOWN, SPOTF "windows"},
    {{SPOT "x86_64", "0.0138"}, CF_EINVAL, SPOTF "x86_64"},
    {{SPOT "x86_64/vcpu_hour_usd", "0"}, CF_EINVAL, SPOTF "x86_64.vcpu_hour_usd"},
    {{SPOT "x86_64/vcpu_hour_usd", "-0.01379631"}, CF_EINVAL, SPOTF "x86_64.vcpu_hour_usd"},
    {{SPOT "x86_64/gb_hour_usd", "\"0.00151494\""}, CF_EINVAL, SPOTF "x86_64.gb_hour_usd"},
    {{SPOT "x86_64/gb_hour_usd", DELETE}, CF_EMISSING, SPOTF "x86_64.gb_hour_usd"},
    {{SPOT "x86_64/cpu_hour_usd", "1"}, CF_EUNKNOWN, SPOTF "x86_64.cpu_hour_usd"},
    {{SPOT "arm64/gb_hour_usd", "null"}, CF_EINVAL, SPOTF "arm64.gb_hour_usd"},
    /* Spot rates need on-demand Fargate rates (storage is billed at them). */
    {{"regions/0/fargate", "null", "regions/0/sources/fargate", "null"},
     CF_EINVAL,
     "regions[0].fargate_spot"},
    /* Provenance: present exactly when the rates are. */
    {{SSRC "origin", "\"\""}, CF_EINVAL, SSRCF "origin"},
    {{SSRC "source", "\"feed\""}, CF_EINVAL, SSRCF "source"},
    {{SSRC "fetched_at", "\"today\""}, CF_EINVAL, SSRCF "fetched_at"},
    {{"regions/0/sources/fargate_spot", DELETE}, CF_EMISSING, "regions[0].sources.fargate_spot"},
    {{"regions/0/sources/fargate_spot", "null"}, CF_EINVAL, "regions[0].sources.fargate_spot"},
    {{"regions/0/sources/fargate_spot", "[]"}, CF_EINVAL, "regions[0].sources.fargate_spot"},
    {{"regions/0/fargate_spot", "null"}, CF_EINVAL, "regions[0].sources.fargate_spot"},
    {{"regions/0/fargate_spot", DELETE}, CF_EINVAL, "regions[0].sources.fargate_spot"},
};

START_TEST(test_malformed_spot)
{
    struct rates *base = make_one();
    set_spot(&base->regions[0], true);
    json_t *good = rates_to_json(base);
    ck_assert_ptr_nonnull(good);
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_from_json(good, CF_SOURCE_STATE, &r, &err), 0); /* the base loads */
    rates_unref(r);
    r = NULL;
    expect_bad_docs(good, bad_spot_docs, sizeof(bad_spot_docs) / sizeof(bad_spot_docs[0]));
    /* Absent and null are both "none" when the provenance is absent too. */
    const char *none[] = {DELETE, "null"};
    for (size_t i = 0; i < 2; i++) {
        json_t *doc = json_deep_copy(good);
        edit(doc, "regions/0/fargate_spot", none[i]);
        edit(doc, "regions/0/sources/fargate_spot", DELETE);
        ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &r, &err), 0);
        ck_assert(!rates_has_fargate_spot(&r->regions[0]));
        rates_unref(r);
        r = NULL;
        json_decref(doc);
    }

    /* rates_validate() applies the same rules to a table built in memory. */
    struct region_rates *rr = &base->regions[0];
    rr->fargate_spot[CF_ARCH_ARM64].gb_hour_usd = (double)NAN;
    ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].fargate_spot.arm64.gb_hour_usd");
    rr->has_fargate_spot[CF_ARCH_ARM64] = false; /* an unused slot is not checked */
    ck_assert_int_eq(rates_validate(base, &err), 0);
    rr->fargate_spot_info.source = CF_SOURCE_NONE;
    ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].sources.fargate_spot.source");
    rr->fargate_spot_info.source = CF_SOURCE_LIVE;
    rr->has[CF_OFFER_FARGATE] = false;
    ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].fargate_spot");
    ck_assert_int_eq(rates_save_file(base, "/nonexistent/spot.json", &err), CF_EINVAL);
    json_decref(good);
    rates_unref(base);
}
END_TEST

/* Gives `rr` EC2 Spot advice as the genuine Spot Advisor feed has it for us-east-1 Linux
 * (tests/fixtures/SOURCES.md): g5.xlarge s 59 r 4, p4d.24xlarge s 67 r 2, with its five bands. */
static void set_ec2_spot(struct region_rates *rr)
{
    static const char *const labels[] = {"<5%", "5-10%", "10-15%", "15-20%", ">20%"};
    static const double maxes[] = {5, 11, 16, 22, 100};
    rr->ec2_spot = calloc(2, sizeof(*rr->ec2_spot));
    ck_assert_ptr_nonnull(rr->ec2_spot);
    rr->n_ec2_spot = 2;
    rr->ec2_spot[0] = (struct ec2_spot_advice){"g5.xlarge", 59, 4};
    rr->ec2_spot[1] = (struct ec2_spot_advice){"p4d.24xlarge", 67, 2};
    for (size_t i = 0; i < 5; i++) {
        snprintf(rr->ec2_spot_ranges[i].label, sizeof(rr->ec2_spot_ranges[i].label), "%s",
                 labels[i]);
        rr->ec2_spot_ranges[i].max_pct = maxes[i];
    }
    rr->n_ec2_spot_ranges = 5;
    set_info(&rr->ec2_spot_info, "", "", 0,
             "https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json");
    rr->ec2_spot_info.fetched_at = 1767323045; /* 2026-01-02T03:04:05Z */
}

START_TEST(test_round_trip_ec2_spot)
{
    /* us-east-1 with Spot advice, eu-west-1 without. */
    static const char *const codes[] = {"us-east-1", "eu-west-1"};
    struct rates *a = make_table(2, codes), *b = NULL;
    set_ec2_spot(mut_region(a, "us-east-1"));
    struct cf_error err = {0};
    ck_assert_msg(rates_validate(a, &err) == 0, "%s: %s", err.field, err.message);

    json_t *doc = rates_to_json(a);
    ck_assert_ptr_nonnull(doc);
    json_t *regions = json_object_get(doc, "regions");
    json_t *eu = json_array_get(regions, 0), *us = json_array_get(regions, 1);
    json_t *spot = json_object_get(us, "ec2_spot");
    json_t *band = json_array_get(json_object_get(spot, "ranges"), 4);
    ck_assert_str_eq(json_string_value(json_object_get(band, "label")), ">20%");
    ck_assert(json_is_integer(json_object_get(band, "max_pct")));
    ck_assert_int_eq(json_integer_value(json_object_get(band, "max_pct")), 100);
    json_t *g5 = json_array_get(json_object_get(spot, "instances"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(g5, "instance_type")), "g5.xlarge");
    ck_assert_double_eq(json_number_value(json_object_get(g5, "savings_pct")), 59);
    ck_assert_int_eq(json_integer_value(json_object_get(g5, "range")), 4);
    ck_assert_uint_eq(json_object_size(g5), 3);
    json_t *src = json_object_get(json_object_get(us, "sources"), "ec2_spot");
    ck_assert_str_eq(json_string_value(json_object_get(src, "version")), "");
    ck_assert_str_eq(json_string_value(json_object_get(src, "published")), "");
    ck_assert_str_eq(json_string_value(json_object_get(src, "fetched_at")), "2026-01-02T03:04:05Z");
    /* A region without advice has neither key: the format without it is unchanged. */
    ck_assert_uint_eq(json_object_size(eu), 5);
    ck_assert_ptr_null(json_object_get(json_object_get(eu, "sources"), "ec2_spot"));

    ck_assert_msg(rates_from_json(doc, CF_SOURCE_STATE, &b, &err) == 0, "%s: %s", err.field,
                  err.message);
    assert_tables_equal(a, b, CF_SOURCE_STATE);
    /* The core's look-ups find it in the loaded table. */
    const struct region_rates *bus = rates_region(b, "us-east-1");
    const struct ec2_spot_advice *p4d = rates_ec2_spot(bus, "p4d.24xlarge");
    ck_assert_ptr_nonnull(p4d);
    ck_assert_double_eq(p4d->savings_pct, 67);
    ck_assert_str_eq(rates_ec2_spot_range(bus, p4d->range)->label, "10-15%");
    ck_assert_ptr_null(rates_ec2_spot(rates_region(b, "eu-west-1"), "g5.xlarge"));

    /* An unsorted document is refused where it goes wrong (the writer sorts; validation runs on
     * the document's order). */
    edit(doc, "regions/1/ec2_spot/instances/0/instance_type", "\"z9.large\"");
    rates_unref(b);
    b = NULL;
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &b, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[1].ec2_spot.instances[1].instance_type");

    struct rates *d = rates_clone(a, 0);
    ck_assert_ptr_nonnull(d);
    assert_tables_equal(a, d, CF_SOURCE_SNAPSHOT);
    rates_unref(d);
    json_decref(doc);
    rates_unref(a);
}
END_TEST

#define ESPOT  "regions/0/ec2_spot/"
#define ESPOTF "regions[0].ec2_spot."
#define ESRC   "regions/0/sources/ec2_spot/"
#define ESRCF  "regions[0].sources.ec2_spot."

static const struct bad_doc bad_ec2_spot_docs[] = {
    {{"regions/0/ec2_spot", "[]"}, CF_EINVAL, "regions[0].ec2_spot"},
    {{ESPOT "ranges", DELETE}, CF_EMISSING, ESPOTF "ranges"},
    {{ESPOT "instances", DELETE}, CF_EMISSING, ESPOTF "instances"},
    {{ESPOT "global_rate", "\"<10%\""}, CF_EUNKNOWN, ESPOTF "global_rate"},
    {{ESPOT "ranges", "[]"}, CF_EINVAL, ESPOTF "ranges"},
    {{ESPOT "ranges", "{}"}, CF_EINVAL, ESPOTF "ranges"},
    {{ESPOT "ranges/0", "5"}, CF_EINVAL, ESPOTF "ranges[0]"},
    {{ESPOT "ranges/0/label", "\"\""}, CF_EINVAL, ESPOTF "ranges[0].label"},
    {{ESPOT "ranges/0/label", "\"sixteen chars!!!\""}, CF_EINVAL, ESPOTF "ranges[0].label"},
    {{ESPOT "ranges/0/max_pct", "0"}, CF_EINVAL, ESPOTF "ranges[0].max_pct"},
    {{ESPOT "ranges/0/max_pct", "100.5"}, CF_EINVAL, ESPOTF "ranges[0].max_pct"},
    {{ESPOT "ranges/0/max_pct", "\"5\""}, CF_EINVAL, ESPOTF "ranges[0].max_pct"},
    {{ESPOT "ranges/0/dots", "0"}, CF_EUNKNOWN, ESPOTF "ranges[0].dots"},
    {{ESPOT "instances", "[]"}, CF_EINVAL, ESPOTF "instances"},
    {{ESPOT "instances/0", "null"}, CF_EINVAL, ESPOTF "instances[0]"},
    {{ESPOT "instances/0/savings_pct", "0"}, CF_EINVAL, ESPOTF "instances[0].savings_pct"},
    {{ESPOT "instances/0/savings_pct", "100"}, CF_EINVAL, ESPOTF "instances[0].savings_pct"},
    {{ESPOT "instances/0/savings_pct", "-62"}, CF_EINVAL, ESPOTF "instances[0].savings_pct"},
    {{ESPOT "instances/0/savings_pct", "\"59\""}, CF_EINVAL, ESPOTF "instances[0].savings_pct"},
    {{ESPOT "instances/0/savings_pct", DELETE}, CF_EMISSING, ESPOTF "instances[0].savings_pct"},
    {{ESPOT "instances/0/range", "5"}, CF_EINVAL, ESPOTF "instances[0].range"},
    {{ESPOT "instances/0/range", "8"}, CF_EINVAL, ESPOTF "instances[0].range"},
    {{ESPOT "instances/0/range", "-1"}, CF_EINVAL, ESPOTF "instances[0].range"},
    {{ESPOT "instances/0/range", "4.0"}, CF_EINVAL, ESPOTF "instances[0].range"},
    {{ESPOT "instances/0/range", "\">20%\""}, CF_EINVAL, ESPOTF "instances[0].range"},
    {{ESPOT "instances/0/s", "59"}, CF_EUNKNOWN, ESPOTF "instances[0].s"},
    {{ESPOT "instances/0/instance_type", "\"G5.xlarge\""},
     CF_EINVAL,
     ESPOTF "instances[0].instance_type"},
    {{ESPOT "instances/0/instance_type", "\"g5.a-type-name-that-goes-on-and-on-past-the-field\""},
     CF_EINVAL,
     ESPOTF "instances[0].instance_type"},
    {{ESPOT "instances/1/instance_type", "\"g5.xlarge\""},
     CF_EINVAL,
     ESPOTF "instances[1].instance_type"},
    /* Advice needs the region's on-demand EC2 rates (it is a saving on them). */
    {{"regions/0/ec2_instances", "null", "regions/0/sources/ec2", "null"},
     CF_EINVAL,
     "regions[0].ec2_spot"},
    /* Provenance: present exactly when the advice is. */
    {{ESRC "origin", "\"\""}, CF_EINVAL, ESRCF "origin"},
    {{ESRC "source", "\"advisor\""}, CF_EINVAL, ESRCF "source"},
    {{"regions/0/sources/ec2_spot", DELETE}, CF_EMISSING, "regions[0].sources.ec2_spot"},
    {{"regions/0/sources/ec2_spot", "null"}, CF_EINVAL, "regions[0].sources.ec2_spot"},
    {{"regions/0/ec2_spot", "null"}, CF_EINVAL, "regions[0].sources.ec2_spot"},
    {{"regions/0/ec2_spot", DELETE}, CF_EINVAL, "regions[0].sources.ec2_spot"},
};

START_TEST(test_malformed_ec2_spot)
{
    struct rates *base = make_one();
    set_ec2_spot(&base->regions[0]);
    json_t *good = rates_to_json(base);
    ck_assert_ptr_nonnull(good);
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_from_json(good, CF_SOURCE_STATE, &r, &err), 0); /* the base loads */
    rates_unref(r);
    r = NULL;
    expect_bad_docs(good, bad_ec2_spot_docs,
                    sizeof(bad_ec2_spot_docs) / sizeof(bad_ec2_spot_docs[0]));

    /* rates_validate() applies the same rules to a table built in memory. */
    struct region_rates *rr = &base->regions[0];
    static const struct {
        double savings;
        int range;
        const char *field;
    } cases[] = {
        {(double)NAN, 4, "regions[0].ec2_spot.instances[0].savings_pct"},
        {(double)INFINITY, 4, "regions[0].ec2_spot.instances[0].savings_pct"},
        {0, 4, "regions[0].ec2_spot.instances[0].savings_pct"},
        {59, 5, "regions[0].ec2_spot.instances[0].range"},
        {59, -1, "regions[0].ec2_spot.instances[0].range"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rr->ec2_spot[0].savings_pct = cases[i].savings;
        rr->ec2_spot[0].range = cases[i].range;
        ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
        ck_assert_str_eq(err.field, cases[i].field);
    }
    rr->ec2_spot[0].savings_pct = 59;
    rr->ec2_spot[0].range = 4;
    ck_assert_int_eq(rates_validate(base, &err), 0);
    rr->ec2_spot_ranges[2].max_pct = (double)NAN;
    ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].ec2_spot.ranges[2].max_pct");
    rr->ec2_spot_ranges[2].max_pct = 16;
    rr->n_ec2_spot_ranges = 4; /* g5.xlarge's band 4 is gone */
    ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].ec2_spot.instances[0].range");
    rr->n_ec2_spot_ranges = 5;
    rr->ec2_spot_info.source = CF_SOURCE_NONE;
    ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].sources.ec2_spot.source");
    rr->ec2_spot_info.source = CF_SOURCE_LIVE;
    rr->has[CF_OFFER_EC2] = false;
    ck_assert_int_eq(rates_validate(base, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].ec2_spot");
    ck_assert_int_eq(rates_save_file(base, "/nonexistent/spot.json", &err), CF_EINVAL);
    json_decref(good);
    rates_unref(base);
}
END_TEST

/* Errors name the document's own index, even when that region sorts elsewhere. */
START_TEST(test_errors_name_document_index)
{
    static const char *const codes[] = {"us-east-1", "eu-west-1"};
    struct rates *base = make_table(2, codes); /* sorted: eu-west-1, us-east-1 */
    json_t *doc = rates_to_json(base);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(doc, "regions"), 1), "region")),
                     "us-east-1");
    /* Put the bad region first in the document: "zz-bad-1" would sort last. */
    edit(doc, "regions/0/region", "\"zz-bad-1\"");
    edit(doc, "regions/0/fargate/x86_64/gb_hour_usd", "\"abc\"");
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &r, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[0].fargate.x86_64.gb_hour_usd");
    /* A repeated region is named at its second appearance. */
    edit(doc, "regions/0/fargate/x86_64/gb_hour_usd", "0.004445");
    edit(doc, "regions/0/region", "\"us-east-1\"");
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &r, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "regions[1].region");
    ck_assert_ptr_null(r);
    /* Unsorted documents are fine: the loader sorts. */
    edit(doc, "regions/0/region", "\"zz-south-1\"");
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_STATE, &r, &err), 0);
    ck_assert_str_eq(r->regions[0].code, "us-east-1");
    ck_assert_str_eq(r->regions[1].code, "zz-south-1");
    rates_unref(r);
    json_decref(doc);
    rates_unref(base);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Malformed files                                                                             */

static void expect_file_rejected(const char *dir, const char *name, const char *text, size_t len,
                                 int code)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    write_text(path, text, len);
    struct rates *r = NULL;
    struct cf_error err = {0};
    int e = rates_load_file(path, CF_SOURCE_STATE, &r, &err);
    ck_assert_msg(e == code, "%s: got %d (%s), want %d", name, e, err.message, code);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.message, path) != NULL || code != CF_EJSON,
                  "%s: the message should name the file: %s", name, err.message);
}

START_TEST(test_malformed_files)
{
    char *dir = make_tmpdir();
    struct rates *t = make_one();
    json_t *doc = rates_to_json(t);
    char *text = json_dumps(doc, JSON_COMPACT);
    size_t len = strlen(text);

    /* Truncated anywhere: never loads. */
    for (size_t cut = 0; cut < len; cut++)
        expect_file_rejected(dir, "cut.json", text, cut, CF_EJSON);
    expect_file_rejected(dir, "prose.json", "this is not JSON", 16, CF_EJSON);
    expect_file_rejected(dir, "nan.json", "{\"format\": NaN}", 15, CF_EJSON);
    expect_file_rejected(dir, "huge.json", "[1e999]", 7, CF_EJSON);
    /* Duplicate keys are rejected rather than resolved silently. */
    static const char dup[] = "{\"format\": \"computefit-rates/1\", \"format\": \"x\"}";
    expect_file_rejected(dir, "dup.json", dup, sizeof(dup) - 1, CF_EJSON);
    /* Valid JSON, invalid rates. */
    expect_file_rejected(dir, "array.json", "[]", 2, CF_EINVAL);
    static const char empty_regions[] =
        "{\"format\": \"computefit-rates/1\", \"built_at\": \"2025-06-13T00:00:00Z\", "
        "\"regions\": []}";
    expect_file_rejected(dir, "empty.json", empty_regions, sizeof(empty_regions) - 1, CF_EINVAL);

    struct rates *r = NULL;
    struct cf_error err = {0};
    char path[512];
    snprintf(path, sizeof(path), "%s/absent.json", dir);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &r, &err), CF_EIO);
    ck_assert(strstr(err.message, "absent.json") != NULL);
    ck_assert_int_eq(rates_load_file(dir, CF_SOURCE_STATE, &r, &err), CF_EIO);
    ck_assert_int_eq(rates_load_file(NULL, CF_SOURCE_STATE, &r, &err), CF_EIO);
    /* Over the size limit (a sparse file: nothing is really written). */
    snprintf(path, sizeof(path), "%s/big.json", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, RATES_JSON_MAX_FILE_BYTES + 1), 0);
    close(fd);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &r, &err), CF_EIO);
    ck_assert(strstr(err.message, "limit") != NULL);
    ck_assert_ptr_null(r);

    /* And the whole text does load. */
    snprintf(path, sizeof(path), "%s/whole.json", dir);
    write_text(path, text, len);
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &r, &err), 0);
    assert_tables_equal(t, r, CF_SOURCE_STATE);
    rates_unref(r);
    free(text);
    json_decref(doc);
    rates_unref(t);
    remove_tree(dir);
    free(dir);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* rates_validate() on tables built in C (as the refresher builds them)                        */

static void expect_invalid(struct rates *r, const char *field)
{
    struct cf_error err = {0};
    int e = rates_validate(r, &err);
    ck_assert_msg(e == CF_EINVAL && strcmp(err.field, field) == 0,
                  "got %d \"%s\" (%s), want \"%s\"", e, err.field, err.message, field);
    ck_assert(err.message[0] != '\0');
}

START_TEST(test_validate)
{
    struct cf_error err = {0};
    struct rates *r = make_one();
    struct region_rates *rr = &r->regions[0];
    ck_assert_int_eq(rates_validate(r, &err), 0);

    rr->lambda[CF_ARCH_X86_64].request_usd = (double)NAN;
    expect_invalid(r, "regions[0].lambda.x86_64.request_usd");
    ck_assert_ptr_null(rates_to_json(r)); /* JSON cannot hold NaN: no document, no leak */
    ck_assert_ptr_null(rates_region_to_json(rr));
    rr->lambda[CF_ARCH_X86_64].request_usd = 0.0000002;

    rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd = (double)INFINITY;
    expect_invalid(r, "regions[0].fargate.arm64.vcpu_hour_usd");
    rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd = 0;
    expect_invalid(r, "regions[0].fargate.arm64.vcpu_hour_usd");
    rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd = 0.03238;

    rr->lambda[CF_ARCH_ARM64].n_tiers = 0;
    expect_invalid(r, "regions[0].lambda.arm64.gb_second_tiers");
    rr->lambda[CF_ARCH_ARM64].n_tiers = CF_LAMBDA_TIERS_MAX + 1;
    expect_invalid(r, "regions[0].lambda.arm64.gb_second_tiers");
    rr->lambda[CF_ARCH_ARM64].n_tiers = 2; /* tier [1] (18.75e9) is now last and bounded */
    expect_invalid(r, "regions[0].lambda.arm64.gb_second_tiers[1].up_to_gb_s");
    rr->lambda[CF_ARCH_ARM64].n_tiers = 3;
    rr->lambda[CF_ARCH_ARM64].gb_s_tiers[0].up_to = (double)NAN;
    expect_invalid(r, "regions[0].lambda.arm64.gb_second_tiers[0].up_to_gb_s");
    rr->lambda[CF_ARCH_ARM64].gb_s_tiers[0].up_to = 7.5e9;
    ck_assert_int_eq(rates_validate(r, &err), 0);

    /* Provisioned rates: finite and above 0 when the region has them ... */
    struct lambda_rates *px = &rr->lambda[CF_ARCH_X86_64], *pa = &rr->lambda[CF_ARCH_ARM64];
    px->provisioned_gb_s_usd = (double)NAN;
    expect_invalid(r, "regions[0].lambda.x86_64.provisioned.concurrency_gb_second_usd");
    px->provisioned_gb_s_usd = 0.0000041667;
    pa->provisioned_duration_gb_s_usd = (double)INFINITY;
    expect_invalid(r, "regions[0].lambda.arm64.provisioned.duration_gb_second_usd");
    /* ... and the duration rate below the on-demand tier-1 rate of its own architecture: ARM's
     * 0.0000133334 is below x86's 0.0000166667 but not below ARM's own. */
    pa->provisioned_duration_gb_s_usd = 0.0000133334;
    expect_invalid(r, "regions[0].lambda.arm64.provisioned.duration_gb_second_usd");
    ck_assert_int_eq(rates_validate(r, &err), CF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "us-east-1"));
    ck_assert_ptr_nonnull(strstr(err.message, "provisioned.duration_gb_second_usd"));
    px->provisioned_duration_gb_s_usd = 0.0000133334;
    pa->provisioned_duration_gb_s_usd = 0.0000077778;
    ck_assert_int_eq(rates_validate(r, &err), 0);
    px->provisioned_duration_gb_s_usd = 0.0000097222;
    /* Without them, nothing is checked: the values mean nothing. */
    pa->has_provisioned = false;
    pa->provisioned_gb_s_usd = (double)NAN;
    ck_assert_int_eq(rates_validate(r, &err), 0);
    pa->has_provisioned = true;
    pa->provisioned_gb_s_usd = 0.0000033334;
    ck_assert_int_eq(rates_validate(r, &err), 0);

    /* GPU instances must stay cheapest first (as rates_finish() leaves them) and unique. */
    struct ec2_instance tmp = rr->instances[0];
    rr->instances[0] = rr->instances[1];
    rr->instances[1] = tmp;
    expect_invalid(r, "regions[0].ec2_instances[1]");
    rr->instances[1] = rr->instances[0];
    expect_invalid(r, "regions[0].ec2_instances[1].instance_type");
    set_gpu(&rr->instances[0], "g5.xlarge", 1.006, 4, 16, 1, "A10G", 24);
    set_gpu(&rr->instances[1], "p4d.24xlarge", 21.957642, 96, 1152, 0, "A100", 320);
    expect_invalid(r, "regions[0].ec2_instances[1].gpus");
    rr->instances[1].gpus = 8;
    rr->instances[1].gpu_memory_gib = 0;
    expect_invalid(r, "regions[0].ec2_instances[1].gpu_memory_gib");
    rr->instances[1].gpu_memory_gib = 320;
    ck_assert_int_eq(rates_validate(r, &err), 0);

    /* Provenance: a source, NUL-terminated printable strings, a sane time. */
    rr->info[CF_OFFER_FARGATE].source = CF_SOURCE_NONE;
    expect_invalid(r, "regions[0].sources.fargate.source");
    rr->info[CF_OFFER_FARGATE].source = CF_SOURCE_LIVE;
    memset(rr->info[CF_OFFER_LAMBDA].version, 'a', sizeof(rr->info[0].version));
    expect_invalid(r, "regions[0].sources.lambda.version");
    rr->info[CF_OFFER_LAMBDA].version[0] = '\0';
    rr->info[CF_OFFER_EC2].origin[0] = '\n';
    expect_invalid(r, "regions[0].sources.ec2.origin");
    snprintf(rr->info[CF_OFFER_EC2].origin, sizeof(rr->info[0].origin), "x");
    rr->info[CF_OFFER_EC2].fetched_at = -1;
    expect_invalid(r, "regions[0].sources.ec2.fetched_at");
    rr->info[CF_OFFER_EC2].fetched_at = 0;
    ck_assert_int_eq(rates_validate(r, &err), 0);
    /* Provenance of an offer the region does not have is not looked at. */
    rr->has[CF_OFFER_EC2] = false;
    rr->info[CF_OFFER_EC2].source = CF_SOURCE_NONE;
    ck_assert_int_eq(rates_validate(r, &err), 0);
    rr->has[CF_OFFER_LAMBDA] = rr->has[CF_OFFER_FARGATE] = false;
    expect_invalid(r, "regions[0]");
    rr->has[CF_OFFER_LAMBDA] = true;

    memcpy(rr->code, "us_east_1", 10);
    expect_invalid(r, "regions[0].region");
    memcpy(rr->code, "us-east-1", 10);
    r->built_at = -5;
    expect_invalid(r, "built_at");
    r->built_at = 0;
    r->n_regions = 0;
    expect_invalid(r, "regions");
    r->n_regions = 1;
    ck_assert_int_eq(rates_validate(r, &err), 0);
    ck_assert_int_eq(rates_validate(NULL, &err), CF_EINVAL);
    ck_assert_int_eq(rates_validate(NULL, NULL), CF_EINVAL);
    rates_unref(r);

    /* Regions out of order (rates_finish() not called) or repeated. */
    r = rates_new(2);
    fill_region(&r->regions[0], "us-west-2");
    fill_region(&r->regions[1], "eu-west-1");
    r->n_regions = 2;
    for (int i = 0; i < 2; i++) { /* fill_region lists p4d before g5: sort by hand */
        tmp = r->regions[i].instances[0];
        r->regions[i].instances[0] = r->regions[i].instances[1];
        r->regions[i].instances[1] = tmp;
    }
    expect_invalid(r, "regions[1].region");
    memcpy(r->regions[1].code, "us-west-2", 10);
    expect_invalid(r, "regions[1].region");
    rates_unref(r);
}
END_TEST

/* ------------------------------------------------------------------------------------------ */
/* Out of memory: every jansson allocation failing in turn                                     */

static long alloc_budget = -1; /* < 0: unlimited */

static void *budget_malloc(size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(n);
}

static void budget_free(void *p)
{
    free(p);
}

START_TEST(test_out_of_memory)
{
    struct rates *r = make_one();
    json_set_alloc_funcs(budget_malloc, budget_free);
    long n;
    json_t *doc = NULL;
    for (n = 0; n < 100000 && !doc; n++) {
        alloc_budget = n;
        doc = rates_to_json(r);
    }
    alloc_budget = -1;
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_gt(n, 20); /* it did fail many times before succeeding */
    char *text = json_dumps(doc, 0);
    json_decref(doc);

    char *dir = make_tmpdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/rates.json", dir);
    write_text(path, text, strlen(text));
    struct rates *back = NULL;
    int e = -1;
    for (n = 0; n < 100000 && e != 0; n++) {
        struct cf_error err = {0};
        alloc_budget = n;
        e = rates_load_file(path, CF_SOURCE_STATE, &back, &err);
        ck_assert(e == 0 || e == CF_EJSON || e == CF_ENOMEM);
    }
    for (n = 0; n < 100000; n++) {
        struct cf_error err = {0};
        alloc_budget = n;
        e = rates_save_file(r, path, &err);
        if (e == 0)
            break;
        ck_assert_int_eq(e, CF_ENOMEM);
        ck_assert_int_eq(count_tmp_files(dir), 0);
    }
    alloc_budget = -1;
    json_set_alloc_funcs(malloc, free);
    ck_assert_int_eq(e, 0);
    assert_tables_equal(r, back, CF_SOURCE_STATE);
    rates_unref(back);
    rates_unref(r);
    free(text);
    remove_tree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rates_json");
    TCase *snap = tcase_create("snapshot");
    tcase_add_test(snap, test_snapshot_regions);
    tcase_add_test(snap, test_snapshot_us_east_1);
    tcase_add_test(snap, test_snapshot_tokyo);
    tcase_add_test(snap, test_snapshot_us_east_1_bill);
    tcase_add_test(snap, test_snapshot_matches_feed);
    tcase_add_test(snap, test_snapshot_bill_matches_feeds);
    suite_add_tcase(s, snap);
    TCase *rt = tcase_create("round_trip");
    tcase_add_test(rt, test_round_trip_snapshot);
    tcase_add_test(rt, test_round_trip_hand_built);
    tcase_add_test(rt, test_round_trip_rates_url_source);
    tcase_add_test(rt, test_region_json_shape);
    tcase_add_test(rt, test_round_trip_spot);
    tcase_add_test(rt, test_round_trip_ec2_spot);
    tcase_add_test(rt, test_load_without_provisioned);
    suite_add_tcase(s, rt);
    TCase *save = tcase_create("save");
    tcase_add_test(save, test_save_and_load_state);
    tcase_add_test(save, test_failed_save_keeps_old_file);
    tcase_add_test(save, test_load_while_saving);
    suite_add_tcase(s, save);
    TCase *bad = tcase_create("malformed");
    tcase_add_test(bad, test_malformed_documents);
    tcase_add_test(bad, test_malformed_spot);
    tcase_add_test(bad, test_malformed_ec2_spot);
    tcase_add_test(bad, test_errors_name_document_index);
    tcase_add_test(bad, test_malformed_files);
    tcase_add_test(bad, test_validate);
    tcase_add_test(bad, test_out_of_memory);
    suite_add_tcase(s, bad);
    return cf_test_run(s);
}
