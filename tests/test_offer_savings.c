/*
 * test_offer_savings.c - the Savings Plans offer (offer_savings.c): its streamed parser on files
 * generated here in AWS's layout and on the genuine ligoj excerpt, its traps, its refusals, its
 * bounded memory, and the whole path: a local upstream serving the Savings Plans region index
 * and region file, the refresher, GET /pricing and GET /pricing/{region}, the state file.
 *
 * The generated files carry prices no other file has (a Lambda duration of 0.0000123457, a
 * g5.xlarge hour of 0.7071...): a rate the tests find was read from the file, not assumed or
 * derived from an on-demand rate by a percentage.
 */
#include <check.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/dynbuf.h"
#include "computefit/gpu_specs.h"
#include "computefit/metrics.h"
#include "computefit/model.h"
#include "computefit/offer_kind.h"
#include "computefit/offer_savings.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/router.h"
#include "computefit/server.h"
#include "computefit/state.h"
#include "httpclient.h"
#include "testutil.h"
#include "served.h"
#include "upstream.h"

#define SP_INDEX "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json"
#define SP_V1    "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/20261101000000/us-east-1/index.json"
#define SP_V2    "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/20261201000000/us-east-1/index.json"

/* ---- the generator: a region file in AWS's layout ---- */

/* The six Compute Savings Plans of the generated file: 1 and 3 years x three payments. */
static const struct {
    const char *sku, *term, *option;
    int years;
    enum cf_sp_payment payment;
} compute_plans[] = {
    {"GENCSP1YRNOUPFR0", "1yr", "No Upfront", 1, CF_SP_NO_UPFRONT},
    {"GENCSP1YRPARTIA0", "1yr", "Partial Upfront", 1, CF_SP_PARTIAL_UPFRONT},
    {"GENCSP1YRALLUPF0", "1yr", "All Upfront", 1, CF_SP_ALL_UPFRONT},
    {"GENCSP3YRNOUPFR0", "3yr", "No Upfront", 3, CF_SP_NO_UPFRONT},
    {"GENCSP3YRPARTIA0", "3yr", "Partial Upfront", 3, CF_SP_PARTIAL_UPFRONT},
    {"GENCSP3YRALLUPF0", "3yr", "All Upfront", 3, CF_SP_ALL_UPFRONT},
};
#define N_COMPUTE 6

/* A rate's price on plan k: a decimal no other file has, below us-east-1's on-demand `base`. */
static void price_text(char out[32], double base, int k)
{
    snprintf(out, 32, "%.10g", base * (0.8 - 0.05 * k) + base * 1e-5 * (k + 3));
}

static double price_of(double base, int k)
{
    char t[32];
    price_text(t, base, k);
    return strtod(t, NULL);
}

/* The rates of the generated file, with the on-demand rate each discounts (us-east-1). */
static const struct {
    const char *service, *usage, *operation;
    double base;
} gen_rates[] = {
    {"AWSLambda", "Lambda-GB-Second", "", 0.0000166667},
    {"AWSLambda", "Lambda-GB-Second-ARM", "", 0.0000133334},
    {"AWSLambda", "Lambda-Provisioned-Concurrency", "", 0.0000041667},
    {"AWSLambda", "Lambda-Provisioned-Concurrency-ARM", "", 0.0000033334},
    {"AWSLambda", "Lambda-Provisioned-GB-Second", "", 0.0000097222},
    {"AWSLambda", "Lambda-Provisioned-GB-Second-ARM", "", 0.0000077778},
    {"AmazonECS", "USE1-Fargate-vCPU-Hours:perCPU", "", 0.04048},
    {"AmazonECS", "USE1-Fargate-GB-Hours", "", 0.004445},
    {"AmazonECS", "USE1-Fargate-ARM-vCPU-Hours:perCPU", "", 0.03238},
    {"AmazonECS", "USE1-Fargate-ARM-GB-Hours", "", 0.00356},
    {"AmazonEC2", "BoxUsage:g5.xlarge", "RunInstances", 1.006},
    {"AmazonEC2", "USE1-BoxUsage:g4dn.xlarge", "RunInstances", 0.526},
};
#define N_GEN_RATES 12

/* Rates that are traps: each must be left out. */
static const struct {
    const char *service, *usage, *operation;
} traps[] = {
    {"AmazonEC2", "BoxUsage:g5.xlarge", "RunInstances:0002"},    /* Windows */
    {"AmazonEC2", "BoxUsage:g5.xlarge", "RunInstances:0010"},    /* RHEL */
    {"AmazonEC2", "DedicatedUsage:g5.xlarge", "RunInstances"},   /* dedicated */
    {"AmazonEC2", "HostBoxUsage:g5.xlarge", "RunInstances"},     /* host */
    {"AmazonEC2", "UnusedBox:g5.xlarge", "RunInstances"},        /* reservation */
    {"AmazonEC2", "USE2-BoxUsage:g5.xlarge", "RunInstances"},    /* us-east-2 */
    {"AWSLambda", "EU-Lambda-GB-Second", ""},                    /* eu-west-1 */
    {"AmazonECS", "USE2-Fargate-vCPU-Hours:perCPU", ""},         /* us-east-2 */
    {"AmazonECS", "USE1-Fargate-Windows-vCPU-Hours:perCPU", ""}, /* Windows */
    {"AmazonEC2", "BoxUsage:g5.xlarge", "RunInstances:CB"},      /* capacity block */
    {"AWSLambda", "Lambda-GB-Second", "Invoke"}, /* names us-east-2 (discountedRegionCode) */
};
#define N_TRAPS 11

struct gen_opts {
    bool terms_first;      /* "terms" before "products" */
    bool sku_last;         /* each term's "sku" after its "rates" */
    bool dup_same;         /* one Lambda rate twice, same price */
    bool dup_other;        /* one Lambda rate twice, another price */
    const char *bad_price; /* the g5.xlarge rate's price on plan 0, when set */
    const char *region;    /* the file's regionCode; "us-east-1" when NULL */
};

static void rate_json(struct dynbuf *b, const char *plan_sku, int i, const char *service,
                      const char *usage, const char *op, const char *price, const char *extra)
{
    dynbuf_printf(b,
                  "%s{\n        \"discountedSku\" : \"DSKU%08d\",\n"
                  "        \"discountedUsageType\" : \"%s\",\n"
                  "        \"discountedOperation\" : \"%s\",\n"
                  "        \"discountedServiceCode\" : \"%s\",\n%s"
                  "        \"rateCode\" : \"%s.DSKU%08d\",\n        \"unit\" : \"Hrs\",\n"
                  "        \"discountedRate\" : {\n          \"price\" : \"%s\",\n"
                  "          \"currency\" : \"USD\"\n        }\n      }",
                  i ? ", " : "", i, usage, op, service, extra ? extra : "", plan_sku, i, price);
}

static void gen_products(struct dynbuf *b)
{
    dynbuf_printf(b, "  \"products\" : [ ");
    for (int k = 0; k < N_COMPUTE; k++)
        dynbuf_printf(b,
                      "{\n    \"sku\" : \"%s\",\n    \"productFamily\" : \"ComputeSavingsPlans\",\n"
                      "    \"serviceCode\" : \"ComputeSavingsPlans\",\n"
                      "    \"usageType\" : \"ComputeSP:%s%s\",\n    \"operation\" : \"\",\n"
                      "    \"attributes\" : {\n      \"purchaseOption\" : \"%s\",\n"
                      "      \"granularity\" : \"hourly\",\n      \"purchaseTerm\" : \"%s\",\n"
                      "      \"location\" : \"Any\",\n      \"locationType\" : \"AWS Region\"\n"
                      "    }\n  }, ",
                      compute_plans[k].sku, compute_plans[k].term, compute_plans[k].option,
                      compute_plans[k].option, compute_plans[k].term);
    /* An EC2 Instance Savings Plan for g5, 3 years Partial Upfront; a plan with a payment
     * option no one knows; a SageMaker plan. */
    dynbuf_printf(
        b, "{\n    \"sku\" : \"GENEC2SPG53YRPU0\",\n"
           "    \"productFamily\" : \"EC2InstanceSavingsPlans\",\n"
           "    \"serviceCode\" : \"ComputeSavingsPlans\",\n"
           "    \"usageType\" : \"USE1-EC2SP:g5.3yrPartialUpfront\",\n"
           "    \"attributes\" : {\"purchaseOption\" : \"Partial Upfront\", \"purchaseTerm\" : "
           "\"3yr\", \"instanceType\" : \"g5\", \"regionCode\" : \"us-east-1\"}\n  }, "
           "{\n    \"sku\" : \"GENCSPWEIRDOPT00\",\n"
           "    \"productFamily\" : \"ComputeSavingsPlans\",\n"
           "    \"attributes\" : {\"purchaseOption\" : \"Some Upfront\", \"purchaseTerm\" : "
           "\"1yr\"}\n  }, "
           "{\n    \"sku\" : \"GENSAGEMAKERSP00\",\n"
           "    \"productFamily\" : \"SageMakerSavingsPlans\",\n"
           "    \"attributes\" : {\"purchaseOption\" : \"No Upfront\", \"purchaseTerm\" : "
           "\"1yr\"}\n  } ]");
}

static void gen_term(struct dynbuf *b, const struct gen_opts *o, const char *sku, int years, int k,
                     bool ec2_instance, bool first)
{
    char price[32];
    int n = 0;
    dynbuf_printf(b, "%s{\n      ", first ? "" : ", ");
    if (!o->sku_last)
        dynbuf_printf(b, "\"sku\" : \"%s\",\n      ", sku);
    dynbuf_printf(b,
                  "\"description\" : \"generated\",\n      \"effectiveDate\" : "
                  "\"2026-11-01T00:00:00Z\",\n      \"leaseContractLength\" : {\n"
                  "        \"duration\" : %d,\n        \"unit\" : \"year\"\n      },\n"
                  "      \"rates\" : [ ",
                  years);
    for (int i = 0; i < N_GEN_RATES; i++) {
        if (ec2_instance && strcmp(gen_rates[i].usage, "BoxUsage:g5.xlarge") != 0 &&
            strcmp(gen_rates[i].usage, "Lambda-GB-Second") != 0)
            continue; /* the EC2 Instance plan: g5 and one Lambda rate, a trap */
        price_text(price, gen_rates[i].base, k);
        if (o->bad_price && k == 0 && strcmp(gen_rates[i].usage, "BoxUsage:g5.xlarge") == 0)
            snprintf(price, sizeof(price), "%s", o->bad_price);
        rate_json(b, sku, n++, gen_rates[i].service, gen_rates[i].usage, gen_rates[i].operation,
                  price, NULL);
    }
    for (int i = 0; i < N_TRAPS; i++) {
        price_text(price, 0.0001, k); /* cheaper than everything: taking one shows */
        rate_json(b, sku, n++, traps[i].service, traps[i].usage, traps[i].operation, price,
                  i == N_TRAPS - 1 ? "        \"discountedRegionCode\" : \"us-east-2\",\n" : NULL);
    }
    if (o->dup_same || o->dup_other) {
        price_text(price, gen_rates[0].base, k + (o->dup_other ? 1 : 0));
        rate_json(b, sku, n++, "AWSLambda", "Lambda-GB-Second", "", price, NULL);
    }
    dynbuf_printf(b, " ]");
    if (o->sku_last)
        dynbuf_printf(b, ",\n      \"sku\" : \"%s\"", sku);
    dynbuf_printf(b, "\n    }");
}

static void gen_terms(struct dynbuf *b, const struct gen_opts *o)
{
    dynbuf_printf(b, "  \"terms\" : {\n    \"savingsPlan\" : [ ");
    for (int k = 0; k < N_COMPUTE; k++)
        gen_term(b, o, compute_plans[k].sku, compute_plans[k].years, k, false, k == 0);
    gen_term(b, o, "GENEC2SPG53YRPU0", 3, N_COMPUTE, true, false);
    gen_term(b, o, "GENCSPWEIRDOPT00", 1, N_COMPUTE + 1, false, false);
    dynbuf_printf(b, " ]\n  }");
}

/* A generated region file; a new malloc()ed string. */
static char *gen_doc(const struct gen_opts *o, size_t *ret_len)
{
    struct dynbuf b;
    dynbuf_init(&b, 64 * 1024 * 1024);
    dynbuf_printf(&b,
                  "{\n  \"version\" : \"20261101000000\",\n  \"publicationDate\" : "
                  "\"2026-11-01T00:00:00Z\",\n  \"regionCode\" : \"%s\",\n",
                  o->region ? o->region : "us-east-1");
    if (o->terms_first) {
        gen_terms(&b, o);
        dynbuf_printf(&b, ",\n");
        gen_products(&b);
    } else {
        gen_products(&b);
        dynbuf_printf(&b, ",\n");
        gen_terms(&b, o);
    }
    dynbuf_printf(&b, "\n}\n");
    ck_assert(dynbuf_ok(&b));
    return dynbuf_take(&b, ret_len);
}

/* ---- driving the stream ---- */

struct parsed {
    int r;
    struct cf_error err;
    struct region_rates rr;
    struct offer_savings_stats stats;
};

/* Parses `text` for `region` in chunks of `chunk` bytes. */
static struct parsed parse(const char *text, size_t len, const char *region, size_t chunk)
{
    struct parsed p;
    memset(&p, 0, sizeof(p));
    struct offer_savings_stream *s = offer_savings_stream_new(region, NULL);
    ck_assert_ptr_nonnull(s);
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        if (offer_savings_stream_feed(s, text + off, n))
            break;
    }
    p.r = offer_savings_stream_finish(s, &p.rr, &p.err);
    offer_savings_stream_stats(s, &p.stats);
    offer_savings_stream_free(s);
    return p;
}

static const struct sp_ec2_rate *ec2_of(const struct region_rates *rr, const char *type)
{
    for (size_t i = 0; i < rr->n_sp_ec2; i++)
        if (strcmp(rr->sp_ec2[i].type, type) == 0)
            return &rr->sp_ec2[i];
    return NULL;
}

/* Every rate of the generated file is where it belongs, and no trap is. */
static void assert_generated(const struct region_rates *rr)
{
    for (int k = 0; k < N_COMPUTE; k++) {
        int t = cf_sp_term_index(compute_plans[k].years);
        const struct sp_rates *sp = &rr->savings[CF_SP_COMPUTE][t][compute_plans[k].payment];
        ck_assert_msg(sp->has, "plan %d", k);
        const struct sp_lambda_rates *x = &sp->lambda[CF_ARCH_X86_64], *a = &sp->lambda[1];
        ck_assert_double_eq(x->duration_gb_s_usd, price_of(gen_rates[0].base, k));
        ck_assert_double_eq(a->duration_gb_s_usd, price_of(gen_rates[1].base, k));
        ck_assert_double_eq(x->provisioned_gb_s_usd, price_of(gen_rates[2].base, k));
        ck_assert_double_eq(a->provisioned_gb_s_usd, price_of(gen_rates[3].base, k));
        ck_assert_double_eq(x->provisioned_duration_gb_s_usd, price_of(gen_rates[4].base, k));
        ck_assert_double_eq(a->provisioned_duration_gb_s_usd, price_of(gen_rates[5].base, k));
        ck_assert_double_eq(sp->fargate[0].vcpu_hour_usd, price_of(gen_rates[6].base, k));
        ck_assert_double_eq(sp->fargate[0].gb_hour_usd, price_of(gen_rates[7].base, k));
        ck_assert_double_eq(sp->fargate[1].vcpu_hour_usd, price_of(gen_rates[8].base, k));
        ck_assert_double_eq(sp->fargate[1].gb_hour_usd, price_of(gen_rates[9].base, k));
    }
    const struct sp_ec2_rate *g5 = ec2_of(rr, "g5.xlarge"), *g4 = ec2_of(rr, "g4dn.xlarge");
    ck_assert_ptr_nonnull(g5);
    ck_assert_ptr_nonnull(g4);
    ck_assert_uint_eq(rr->n_sp_ec2, 2); /* no trap added a type */
    for (int k = 0; k < N_COMPUTE; k++) {
        int t = cf_sp_term_index(compute_plans[k].years);
        ck_assert_double_eq(g5->usd_per_hour[CF_SP_COMPUTE][t][compute_plans[k].payment],
                            price_of(1.006, k));
        ck_assert_double_eq(g4->usd_per_hour[CF_SP_COMPUTE][t][compute_plans[k].payment],
                            price_of(0.526, k));
    }
    /* The EC2 Instance plan: its g5 rate, not its Lambda one (it has none to give). */
    const struct sp_rates *e = &rr->savings[CF_SP_EC2_INSTANCE][1][CF_SP_PARTIAL_UPFRONT];
    ck_assert(e->has);
    ck_assert_double_eq(e->lambda[0].duration_gb_s_usd, 0);
    ck_assert_double_eq(g5->usd_per_hour[CF_SP_EC2_INSTANCE][1][CF_SP_PARTIAL_UPFRONT],
                        price_of(1.006, N_COMPUTE));
    ck_assert_double_eq(g4->usd_per_hour[CF_SP_EC2_INSTANCE][1][CF_SP_PARTIAL_UPFRONT], 0);
    for (int t = 0; t < CF_SP_TERM_COUNT; t++)
        for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++)
            if (!(t == 1 && pay == CF_SP_PARTIAL_UPFRONT))
                ck_assert(!rr->savings[CF_SP_EC2_INSTANCE][t][pay].has);
    ck_assert_str_eq(rr->info[CF_OFFER_SAVINGS_PLANS].version, "20261101000000");
    ck_assert_str_eq(rr->info[CF_OFFER_SAVINGS_PLANS].published, "2026-11-01T00:00:00Z");
}

START_TEST(generated_file_rates_are_read)
{
    static const struct gen_opts layouts[] = {
        {.terms_first = false}, {.terms_first = true},
        {.sku_last = true},     {.terms_first = true, .sku_last = true},
        {.dup_same = true},
    };
    for (size_t l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++) {
        size_t len;
        char *doc = gen_doc(&layouts[l], &len);
        static const size_t chunks[] = {1, 7, 4096, 1 << 30};
        for (size_t c = 0; c < 4; c++) {
            if (chunks[c] == 1 && l > 0)
                continue; /* one layout byte by byte is enough */
            struct parsed p = parse(doc, len, "us-east-1", chunks[c]);
            ck_assert_msg(p.r == 0, "layout %zu: %s", l, p.err.message);
            assert_generated(&p.rr);
            ck_assert_uint_eq(p.stats.unknown_plans, 1); /* "Some Upfront" */
            rates_region_clear(&p.rr);
        }
        free(doc);
    }
}
END_TEST

START_TEST(bad_files_are_refused)
{
    static const struct {
        struct gen_opts o;
        const char *cut; /* when set, the file is cut before this text's first occurrence */
        const char *want;
    } cases[] = {
        {{.dup_other = true}, NULL, "two Lambda duration rates"},
        {{.bad_price = "0,5"}, NULL, "no price above 0 that parses"},
        {{.bad_price = "-1"}, NULL, "no price above 0 that parses"},
        {{.bad_price = "0"}, NULL, "no price above 0 that parses"},
        {{.bad_price = "NaN"}, NULL, "no price above 0 that parses"},
        {{.region = "us-east-2"}, NULL, "for region \"us-east-2\""},
        {{0}, "\"terms\"", "Savings Plans file"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        char *doc = gen_doc(&cases[i].o, &len);
        if (cases[i].cut)
            len = (size_t)(strstr(doc, cases[i].cut) - doc);
        struct parsed p = parse(doc, len, "us-east-1", 4096);
        ck_assert_msg(p.r == CF_EUPSTREAM, "case %zu: %d", i, p.r);
        ck_assert_msg(strstr(p.err.message, cases[i].want), "case %zu: \"%s\"", i, p.err.message);
        ck_assert_ptr_null(p.rr.sp_ec2);
        free(doc);
    }
    static const char *const docs[] = {
        "{\"products\": {}, \"terms\": {\"savingsPlan\": []}}",
        "{\"products\": [], \"terms\": {\"savingsPlan\": {}}}",
        "{\"products\": []}",
        "{\"products\": [], \"terms\": {\"savingsPlan\": []}, \"products\": []}",
        "{\"products\": [1], \"terms\": {\"savingsPlan\": []}}",
        "{\"products\": [], \"terms\": {\"savingsPlan\": [{\"rates\": [1]}]}}",
        "[]",
        "",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct parsed p = parse(docs[i], strlen(docs[i]), "us-east-1", 3);
        ck_assert_msg(p.r == CF_EUPSTREAM, "doc %zu: %d", i, p.r);
    }
    /* A valid file without any Savings Plan of ours is no error: the region has none. */
    const char *none = "{\"products\": [], \"terms\": {\"savingsPlan\": []}}";
    struct parsed p = parse(none, strlen(none), "us-east-1", 5);
    ck_assert_int_eq(p.r, 0);
    ck_assert(!p.rr.savings[0][0][0].has);
}
END_TEST

/* The genuine excerpt (ligoj, eu-west-1, 2020; edited by ligoj: SOURCES.md): its Lambda and
 * Fargate rates under the eu-west-1 prefix "EU-", and none of its traps (EUW1-/EUW3- EC2
 * usage types, which are not eu-west-1's prefix, "IGNORE" usage types, Dedicated and Unused
 * rates, an EC2 Instance plan with only those). */
START_TEST(genuine_ligoj_excerpt)
{
    size_t len;
    char *doc = cf_test_read("tests/fixtures/ligoj-computesp-euw1__index.json", &len);
    struct parsed p = parse(doc, len, "eu-west-1", 1000);
    ck_assert_msg(p.r == 0, "%s", p.err.message);
    const struct sp_rates *a = &p.rr.savings[CF_SP_COMPUTE][0][CF_SP_ALL_UPFRONT];
    const struct sp_rates *n = &p.rr.savings[CF_SP_COMPUTE][1][CF_SP_NO_UPFRONT];
    ck_assert(a->has && n->has);
    ck_assert_double_eq(a->fargate[0].vcpu_hour_usd, 0.0315744);
    ck_assert_double_eq(a->fargate[0].gb_hour_usd, 0); /* the excerpt has none */
    ck_assert_double_eq(a->lambda[0].duration_gb_s_usd, 0.0000138);
    ck_assert_double_eq(a->lambda[0].provisioned_duration_gb_s_usd, 0.000009);
    ck_assert_double_eq(a->lambda[0].provisioned_gb_s_usd, 0);
    ck_assert_double_eq(n->fargate[0].vcpu_hour_usd, 0.024288);
    ck_assert_double_eq(n->fargate[0].gb_hour_usd, 0.002667);
    ck_assert_double_eq(n->lambda[0].duration_gb_s_usd, 0.0000147);
    ck_assert_double_eq(n->lambda[0].provisioned_gb_s_usd, 0.00000409);
    ck_assert_double_eq(n->lambda[0].provisioned_duration_gb_s_usd, 0.00000954);
    ck_assert_double_eq(n->lambda[1].duration_gb_s_usd, 0);
    ck_assert_uint_eq(p.rr.n_sp_ec2, 0);
    for (int t = 0; t < CF_SP_TERM_COUNT; t++)
        for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++)
            ck_assert(!p.rr.savings[CF_SP_EC2_INSTANCE][t][pay].has);
    ck_assert_str_eq(p.rr.info[CF_OFFER_SAVINGS_PLANS].version, "20200220220300");
    rates_region_clear(&p.rr);
    free(doc);
}
END_TEST

/* The region index in AWS's array layout (the complete 2025 index): every region's path. */
START_TEST(genuine_region_index)
{
    size_t len;
    char *text = cf_test_read(
        "tests/fixtures/ec2priceit-computesp__4-currentSavingsPlanIndexUrl-list.json", &len);
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    ck_assert_ptr_null(offer_index_sp.check(doc));
    const char *path = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(offer_index_sp.region_path(doc, "ap-east-2", &path, &err), 0);
    ck_assert_str_eq(path, "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/20250911184447/ap-east-2/"
                           "index.json");
    ck_assert_int_eq(offer_index_sp.region_path(doc, "xx-none-1", &path, &err), 0);
    ck_assert_ptr_null(path);                         /* not listed: no Savings Plans there */
    ck_assert_ptr_nonnull(offer_index_v1.check(doc)); /* not the offers layout */
    json_decref(doc);
}
END_TEST

/* The ap-east-2 CSV head's figures (genuine, 2025: an EC2 Instance Savings Plan for r7g, 3
 * years Partial Upfront), written here into the JSON layout: the row that is ours
 * (APE2-BoxUsage:r7g.2xlarge, RunInstances, $0.1954) and the CSV's others that are not
 * (DedicatedUsage, UnusedDed, other operations). The JSON shape is ours; the figures are AWS's. */
START_TEST(ap_east_2_csv_figures)
{
    const char *doc =
        "{\"version\": \"20250911184447\", \"regionCode\": \"ap-east-2\", \"products\": [{\"sku\": "
        "\"2JT7C3ZD2AXA73Q4\", \"productFamily\": \"EC2InstanceSavingsPlans\", \"serviceCode\": "
        "\"ComputeSavingsPlans\", \"usageType\": \"APE2-EC2SP:r7g.3yrPartialUpfront\", "
        "\"attributes\": {\"purchaseOption\": \"Partial Upfront\", \"purchaseTerm\": \"3yr\", "
        "\"instanceType\": \"r7g\"}}], \"terms\": {\"savingsPlan\": [{\"sku\": "
        "\"2JT7C3ZD2AXA73Q4\", \"leaseContractLength\": {\"duration\": 3, \"unit\": \"year\"}, "
        "\"rates\": ["
        "{\"discountedUsageType\": \"APE2-DedicatedUsage:r7g.medium\", \"discountedOperation\": "
        "\"RunInstances:0010\", \"discountedServiceCode\": \"AmazonEC2\", \"discountedRate\": "
        "{\"price\": \"0.0425\", \"currency\": \"USD\"}},"
        "{\"discountedUsageType\": \"APE2-UnusedDed:r7g.large\", \"discountedOperation\": "
        "\"RunInstances\", \"discountedServiceCode\": \"AmazonEC2\", \"discountedRate\": "
        "{\"price\": \"0.0562\", \"currency\": \"USD\"}},"
        "{\"discountedUsageType\": \"APE2-BoxUsage:r7g.12xlarge\", \"discountedOperation\": "
        "\"RunInstances:0g00\", \"discountedServiceCode\": \"AmazonEC2\", \"discountedRate\": "
        "{\"price\": \"1.2268\", \"currency\": \"USD\"}},"
        "{\"discountedUsageType\": \"APE2-BoxUsage:r7g.2xlarge\", \"discountedOperation\": "
        "\"RunInstances\", \"discountedServiceCode\": \"AmazonEC2\", \"discountedRegionCode\": "
        "\"ap-east-2\", \"discountedRate\": {\"price\": \"0.1954\", \"currency\": \"USD\"}}"
        "]}]}}";
    struct parsed p = parse(doc, strlen(doc), "ap-east-2", 64);
    ck_assert_msg(p.r == 0, "%s", p.err.message);
    ck_assert_uint_eq(p.rr.n_sp_ec2, 1);
    ck_assert_str_eq(p.rr.sp_ec2[0].type, "r7g.2xlarge");
    ck_assert_double_eq(p.rr.sp_ec2[0].usd_per_hour[CF_SP_EC2_INSTANCE][1][CF_SP_PARTIAL_UPFRONT],
                        0.1954);
    rates_region_clear(&p.rr);
}
END_TEST

/* ---- a large file: bounded memory ---- */

START_TEST(large_generated_file_streams_in_bounded_memory)
{
    /* ~80 MB: one Compute plan whose term lists 300,000 rates, nearly all of them Dedicated
     * and Windows rows of many instance types (what a real region file is made of), fed in
     * 64 KiB chunks as libcurl would hand them over. The stream must not hold the term. */
    struct offer_savings_stream *s = offer_savings_stream_new("us-east-1", NULL);
    ck_assert_ptr_nonnull(s);
    char buf[600];
    int n = snprintf(buf, sizeof(buf),
                     "{\"version\" : \"20261103000000\", \"products\" : [ {\"sku\" : "
                     "\"BIGCSP3YRALL0000\", \"productFamily\" : \"ComputeSavingsPlans\", "
                     "\"attributes\" : {\"purchaseOption\" : \"All Upfront\", \"purchaseTerm\" : "
                     "\"3yr\"}} ],\n\"terms\" : {\"savingsPlan\" : [ {\"sku\" : "
                     "\"BIGCSP3YRALL0000\", \"rates\" : [ ");
    ck_assert_int_eq(offer_savings_stream_feed(s, buf, (size_t)n), 0);
    long before = cf_test_peak_rss_kb();
    const long count = 300000;
    for (long i = 0; i < count; i++) {
        bool ours = i % 100000 == 5;
        n = snprintf(buf, sizeof(buf),
                     "%s{\n        \"discountedSku\" : \"BIG%013ld\",\n"
                     "        \"discountedUsageType\" : \"%s:x%ld.%s\",\n"
                     "        \"discountedOperation\" : \"%s\",\n"
                     "        \"discountedServiceCode\" : \"AmazonEC2\",\n"
                     "        \"rateCode\" : \"BIGCSP3YRALL0000.BIG%013ld\",\n"
                     "        \"unit\" : \"Hrs\",\n        \"discountedRate\" : {\n"
                     "          \"price\" : \"%s\",\n          \"currency\" : \"USD\"\n"
                     "        }\n      }",
                     i ? ", " : "", i,
                     ours    ? "BoxUsage"
                     : i % 2 ? "DedicatedUsage"
                             : "BoxUsage",
                     ours ? 9 : i % 500, ours ? "large" : "xlarge",
                     ours ? "RunInstances" : "RunInstances:0002", i, ours ? "0.0314159" : "0.5");
        ck_assert_int_eq(offer_savings_stream_feed(s, buf, (size_t)n), 0);
    }
    const char *tail = " ] } ]\n}}\n";
    ck_assert_int_eq(offer_savings_stream_feed(s, tail, strlen(tail)), 0);
    struct region_rates rr;
    memset(&rr, 0, sizeof(rr));
    struct cf_error err = {0};
    ck_assert_msg(offer_savings_stream_finish(s, &rr, &err) == 0, "%s", err.message);
    struct offer_savings_stats st;
    offer_savings_stream_stats(s, &st);
    offer_savings_stream_free(s);
    long growth_mb = (cf_test_peak_rss_kb() - before) / 1024;
    ck_assert_msg(st.bytes > 60LL * 1000 * 1000, "only %llu bytes", (unsigned long long)st.bytes);
    ck_assert_uint_eq(st.rates, (uint64_t)count);
    ck_assert_msg(st.peak_bytes < 4 * 1024 * 1024, "the stream held %zu bytes", st.peak_bytes);
#if !defined(__SANITIZE_ADDRESS__)
    ck_assert_msg(growth_mb < 32, "peak memory grew by %ld MB", growth_mb);
#else
    (void)growth_mb;
#endif
    ck_assert_uint_eq(rr.n_sp_ec2, 1);
    ck_assert_str_eq(rr.sp_ec2[0].type, "x9.large");
    ck_assert_double_eq(rr.sp_ec2[0].usd_per_hour[CF_SP_COMPUTE][1][CF_SP_ALL_UPFRONT], 0.0314159);
    rates_region_clear(&rr);
}
END_TEST

/* ---- the whole path: upstream, refresher, HTTP ---- */

static struct served_stack st;

static void put_sp_index(const char *region, const char *path)
{
    char doc[512];
    int n = snprintf(doc, sizeof(doc),
                     "{\n  \"disclaimer\" : \"generated\",\n  \"publicationDate\" : "
                     "\"2026-11-01T00:00:00Z\",\n  \"regions\" : [ {\n    \"regionCode\" : "
                     "\"%s\",\n    \"versionUrl\" : \"%s\"\n  } ]\n}\n",
                     region, path);
    ck_assert_int_eq(upstream_put(st.up, SP_INDEX, doc, (size_t)n, "application/json"), 0);
}

static void put_sp_file(const char *path, const struct gen_opts *o)
{
    size_t len;
    char *doc = gen_doc(o, &len);
    ck_assert_int_eq(upstream_put(st.up, path, doc, len, "application/json"), 0);
    free(doc);
}

static void setup(void)
{
    served_stack_start(&st, "/tmp/cf-sp-state", NULL);
}

static void teardown(void)
{
    served_stack_stop(&st);
}

static json_t *get_json(const char *path, long want_status)
{
    return served_get_json(st.port, path, want_status);
}

static json_t *sp_plan_json(const json_t *region, const char *plan, int years, const char *payment)
{
    const json_t *plans = json_object_get(json_object_get(region, "savings_plans"), "plans");
    for (size_t i = 0; i < json_array_size(plans); i++) {
        json_t *p = json_array_get(plans, i);
        if (strcmp(json_string_value(json_object_get(p, "plan")), plan) == 0 &&
            json_integer_value(json_object_get(p, "term_years")) == years &&
            strcmp(json_string_value(json_object_get(p, "payment")), payment) == 0)
            return p;
    }
    return NULL;
}

static double jnum(json_t *doc, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *tok = strtok(buf, "/"); tok && doc; tok = strtok(NULL, "/"))
        doc =
            json_is_array(doc) ? json_array_get(doc, (size_t)atoi(tok)) : json_object_get(doc, tok);
    ck_assert_msg(json_is_number(doc), "%s is not a number", path);
    return json_number_value(doc);
}

START_TEST(refreshed_rates_are_served_by_pricing)
{
    /* Before: the snapshot has no Savings Plans rates, and the service is ready. */
    json_t *region = get_json("/pricing/us-east-1", 200);
    ck_assert_ptr_null(json_object_get(region, "savings_plans"));
    json_decref(region);

    put_sp_index("us-east-1", SP_V1);
    put_sp_file(SP_V1, &(struct gen_opts){0});
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(st.rf, 1u << CF_OFFER_SAVINGS_PLANS, &err) == 0, "%s",
                  err.message);

    region = get_json("/pricing/us-east-1", 200);
    json_t *p = sp_plan_json(region, "compute", 3, "all_upfront");
    ck_assert_ptr_nonnull(p);
    ck_assert_double_eq(jnum(p, "lambda/x86_64/duration_gb_second_usd"),
                        price_of(gen_rates[0].base, 5));
    ck_assert_double_eq(jnum(p, "lambda/arm64/provisioned_concurrency_gb_second_usd"),
                        price_of(gen_rates[3].base, 5));
    ck_assert_double_eq(jnum(p, "fargate/arm64/gb_hour_usd"), price_of(gen_rates[9].base, 5));
    /* EC2: only the types of the region's on-demand list (both are GPU types of the
     * snapshot), sorted by type. */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(p, "ec2"), 0),
                                                       "instance_type")),
                     "g4dn.xlarge");
    ck_assert_double_eq(jnum(p, "ec2/1/usd_per_hour"), price_of(1.006, 5));
    json_t *e = sp_plan_json(region, "ec2_instance", 3, "partial_upfront");
    ck_assert_ptr_nonnull(e);
    ck_assert(json_is_null(json_object_get(e, "lambda")));
    ck_assert_uint_eq(json_array_size(json_object_get(e, "ec2")), 1);
    ck_assert_ptr_null(sp_plan_json(region, "ec2_instance", 1, "no_upfront"));
    const json_t *src = json_object_get(json_object_get(region, "sources"), "savings_plans");
    ck_assert_str_eq(json_string_value(json_object_get(src, "source")), "live");
    ck_assert_str_eq(json_string_value(json_object_get(src, "version")), "20261101000000");
    json_decref(region);

    /* The lookups the core uses. */
    struct rates *t = pricing_cache_acquire(st.app.cache);
    const struct region_rates *rr = rates_region(t, "us-east-1");
    const struct sp_rates *sp = rates_savings(rr, CF_SP_COMPUTE, 1, CF_SP_NO_UPFRONT);
    ck_assert_ptr_nonnull(sp);
    ck_assert_double_eq(sp->fargate[CF_ARCH_X86_64].vcpu_hour_usd, price_of(gen_rates[6].base, 0));
    ck_assert_ptr_null(rates_savings(rr, CF_SP_EC2_INSTANCE, 1, CF_SP_NO_UPFRONT));
    ck_assert_ptr_null(rates_savings(rr, CF_SP_COMPUTE, 2, CF_SP_NO_UPFRONT));
    double usd = 0;
    ck_assert(
        rates_savings_ec2(rr, "g5.xlarge", CF_SP_EC2_INSTANCE, 3, CF_SP_PARTIAL_UPFRONT, &usd));
    ck_assert_double_eq(usd, price_of(1.006, N_COMPUTE));
    ck_assert(
        !rates_savings_ec2(rr, "g4dn.xlarge", CF_SP_EC2_INSTANCE, 3, CF_SP_PARTIAL_UPFRONT, &usd));
    ck_assert(!rates_savings_ec2(rr, "m5.large", CF_SP_COMPUTE, 3, CF_SP_ALL_UPFRONT, &usd));
    /* Answers are priced from the required offers: their provenance leaves Savings Plans out. */
    int64_t oldest = 0;
    for (int k = 0; k < CF_OFFER_COUNT; k++) {
        int64_t at = rates_offer_time(&rr->info[k]);
        if (cf_offer_required((enum cf_offer)k) && (!oldest || at < oldest))
            oldest = at;
    }
    ck_assert_int_eq(rates_region_time(rr), oldest);
    rates_unref(t);

    /* The advice and the comparison price under a plan the region has, over HTTP (so the
     * contract test holds both answers to the spec); every feasible option lists its plans. */
    static const char *const committed[] = {
        "/advise?duration=1s&memory=2GB&invocations_per_second=0.45&commitment.plan=compute"
        "&commitment.term_years=1&commitment.payment=no_upfront",
        "/compare?duration=1s&memory=2GB&invocations_per_second=0.45&commitment.plan=compute"
        "&commitment.term_years=3&commitment.payment=all_upfront"};
    for (size_t i = 0; i < sizeof(committed) / sizeof(committed[0]); i++) {
        json_t *adv = get_json(committed[i], 200);
        const json_t *pc = json_object_get(json_object_get(adv, "pricing"), "commitment");
        ck_assert(json_is_true(json_object_get(pc, "applied")));
        const json_t *fg = json_object_get(json_object_get(adv, "options"), "fargate");
        ck_assert_uint_gt(json_array_size(json_object_get(fg, "commitments")), 0);
        json_decref(adv);
    }

    /* /pricing: the offer, its plans, and no error. */
    json_t *status = get_json("/pricing", 200);
    const json_t *o = json_object_get(json_object_get(status, "offers"), "savings_plans");
    ck_assert_str_eq(json_string_value(json_object_get(o, "offer_code")), "AWSComputeSavingsPlan");
    const json_t *us = json_object_get(json_object_get(o, "regions"), "us-east-1");
    ck_assert_uint_eq(json_array_size(json_object_get(us, "plans")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(us, "ec2_instance_types")), 2);
    ck_assert(json_is_null(json_object_get(o, "last_error")));
    json_decref(status);

    /* A malformed new version is refused: the rates in use stay, the error shows, and the
     * service stays ready. */
    put_sp_index("us-east-1", SP_V2);
    put_sp_file(SP_V2, &(struct gen_opts){.dup_other = true});
    ck_assert_int_eq(refresher_run_once(st.rf, 1u << CF_OFFER_SAVINGS_PLANS, &err), CF_EUPSTREAM);
    region = get_json("/pricing/us-east-1", 200);
    src = json_object_get(json_object_get(region, "sources"), "savings_plans");
    ck_assert_str_eq(json_string_value(json_object_get(src, "version")), "20261101000000");
    json_decref(region);
    status = get_json("/pricing", 200);
    o = json_object_get(json_object_get(status, "offers"), "savings_plans");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o, "last_error")), "two"));
    json_decref(status);
    json_decref(get_json("/readyz", 200));

    /* Offline: the state file the refresh wrote serves the same rates. */
    struct rates *saved = NULL;
    ck_assert_int_eq(state_load_initial(&st.cfg, &saved, &err), 0);
    rr = rates_region(saved, "us-east-1");
    ck_assert_int_eq(rr->info[CF_OFFER_SAVINGS_PLANS].source, CF_SOURCE_STATE);
    ck_assert(rates_savings_ec2(rr, "g5.xlarge", CF_SP_COMPUTE, 3, CF_SP_ALL_UPFRONT, &usd));
    ck_assert_double_eq(usd, price_of(1.006, 5));
    rates_unref(saved);
}
END_TEST

START_TEST(region_without_savings_plans_is_no_error)
{
    /* The index does not list us-east-1 (a Local Zone's index might not): no rates, no error. */
    put_sp_index("eu-west-1", "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/x/eu-west-1/i.json");
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(st.rf, 1u << CF_OFFER_SAVINGS_PLANS, &err) == 0, "%s",
                  err.message);
    json_t *region = get_json("/pricing/us-east-1", 200);
    ck_assert_ptr_null(json_object_get(region, "savings_plans"));
    json_decref(region);
    /* No index at all: the offer's refresh fails; the on-demand rates stay, and the service is
     * ready. */
    upstream_put(st.up, SP_INDEX, "nope", 4, NULL);
    ck_assert_int_ne(refresher_run_once(st.rf, 1u << CF_OFFER_SAVINGS_PLANS, &err), 0);
    json_decref(get_json("/readyz", 200));
    region = get_json("/pricing/us-east-1", 200);
    ck_assert(json_is_object(json_object_get(region, "lambda")));
    json_decref(region);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("offer_savings");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, generated_file_rates_are_read);
    tcase_add_test(tc, bad_files_are_refused);
    tcase_add_test(tc, genuine_ligoj_excerpt);
    tcase_add_test(tc, genuine_region_index);
    tcase_add_test(tc, ap_east_2_csv_figures);
    tcase_add_test(tc, large_generated_file_streams_in_bounded_memory);
    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    TCase *http = tcase_create("refresh");
    tcase_add_checked_fixture(http, setup, teardown);
    tcase_add_test(http, refreshed_rates_are_served_by_pricing);
    tcase_add_test(http, region_without_savings_plans_is_no_error);
    tcase_set_timeout(http, 120);
    suite_add_tcase(s, http);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
