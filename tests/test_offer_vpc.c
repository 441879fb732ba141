/*
 * test_offer_vpc.c - the AmazonVPC offer (offer_vpc.c): its parser on a file generated here in
 * AWS's layout, on the genuine recorded rows (tellury's GetProducts answer, reassembled into the
 * bulk layout), its traps and refusals; and the whole path of the rates around a task: a local
 * upstream serving the AmazonVPC and AmazonEC2 region indexes and files, the refresher,
 * GET /pricing and GET /pricing/{region}, the state file. The EC2 part checks the NAT gateway
 * rates the EC2 stream keeps (offer_ec2.c) on their way to /pricing.
 *
 * The generated files carry prices no other file has (an IPv4 hour of 0.0052731, a NAT hour of
 * 0.0457319 and GB of 0.0461273): a rate the tests find was read from the file.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/dynbuf.h"
#include "computefit/gpu_specs.h"
#include "computefit/metrics.h"
#include "computefit/offer.h"
#include "computefit/offer_kind.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/router.h"
#include "computefit/server.h"
#include "computefit/state.h"
#include "httpclient.h"
#include "testutil.h"
#include "served.h"
#include "upstream.h"

#define VPC_INDEX "/offers/v1.0/aws/AmazonVPC/current/region_index.json"
#define VPC_V1    "/offers/v1.0/aws/AmazonVPC/20261101000000/us-east-1/index.json"
#define VPC_V2    "/offers/v1.0/aws/AmazonVPC/20261201000000/us-east-1/index.json"
#define EC2_INDEX "/offers/v1.0/aws/AmazonEC2/current/region_index.json"
#define EC2_V1    "/offers/v1.0/aws/AmazonEC2/20261101000000/us-east-1/index.json"
#define EC2_V2    "/offers/v1.0/aws/AmazonEC2/20261201000000/us-east-1/index.json"
#define EC2_V3    "/offers/v1.0/aws/AmazonEC2/20261215000000/us-east-1/index.json"

/* ---- generated files in AWS's layout ---- */

/* One product with its on-demand term: usage type, group, region, unit, price. */
struct row {
    const char *sku, *usagetype, *group, *region, *unit, *usd, *family, *operation;
};

static void product_json(struct dynbuf *b, const struct row *r, bool first)
{
    dynbuf_printf(b,
                  "%s    \"%s\" : {\n      \"sku\" : \"%s\",%s%s%s\n      \"attributes\" : {\n"
                  "        \"servicecode\" : \"%s\",\n        \"location\" : \"%s\",\n"
                  "        \"locationType\" : \"AWS Region\",\n        \"group\" : \"%s\",\n"
                  "        \"usagetype\" : \"%s\",\n        \"operation\" : \"%s\",\n"
                  "        \"regionCode\" : \"%s\"\n      }\n    }",
                  first ? "" : ",\n", r->sku, r->sku,
                  r->family ? "\n      \"productFamily\" : \"" : "", r->family ? r->family : "",
                  r->family ? "\"," : "", r->family ? "AmazonEC2" : "AmazonVPC",
                  strcmp(r->region, "us-east-1") == 0 ? "US East (N. Virginia)" : "EU (Ireland)",
                  r->group, r->usagetype, r->operation ? r->operation : "", r->region);
}

static void term_json(struct dynbuf *b, const struct row *r, bool first)
{
    dynbuf_printf(b,
                  "%s    \"%s\" : {\n      \"%s.JRTCKXETXF\" : {\n        \"offerTermCode\" : "
                  "\"JRTCKXETXF\",\n        \"sku\" : \"%s\",\n        \"priceDimensions\" : {\n"
                  "          \"%s.JRTCKXETXF.6YS6EN2CT7\" : {\n            \"beginRange\" : "
                  "\"0\",\n            \"endRange\" : \"Inf\",\n            \"unit\" : \"%s\",\n"
                  "            \"pricePerUnit\" : { \"USD\" : \"%s\" },\n"
                  "            \"appliesTo\" : [ ]\n          }\n        },\n"
                  "        \"termAttributes\" : { }\n      }\n    }",
                  first ? "" : ",\n", r->sku, r->sku, r->sku, r->sku, r->unit, r->usd);
}

/* An offer file of `rows`, products first; a new malloc()ed string. */
static char *offer_doc(const char *code, const char *version, const struct row *rows, size_t n,
                       size_t *ret_len)
{
    struct dynbuf b;
    dynbuf_init(&b, 1024 * 1024);
    dynbuf_printf(
        &b,
        "{\n  \"formatVersion\" : \"v1.0\",\n  \"offerCode\" : \"%s\",\n  \"version\" : "
        "\"%s\",\n  \"publicationDate\" : \"2026-11-01T00:00:00Z\",\n  \"products\" : {\n",
        code, version);
    for (size_t i = 0; i < n; i++)
        product_json(&b, &rows[i], i == 0);
    dynbuf_printf(&b, "\n  },\n  \"terms\" : {\n    \"OnDemand\" : {\n");
    for (size_t i = 0; i < n; i++)
        term_json(&b, &rows[i], i == 0);
    dynbuf_printf(&b, "\n    }\n  },\n  \"attributesList\" : { }\n}\n");
    ck_assert(dynbuf_ok(&b));
    return dynbuf_take(&b, ret_len);
}

/* The in-use row of us-east-1 ("USE1-" even there), at a price no other file has, among the
 * traps: idle addresses (same group), contiguous blocks, another region. */
static const struct row vpc_rows[] = {
    {"VPCIDLEUSE1GEN01", "USE1-PublicIPv4:IdleAddress", "VPCPublicIPv4Address", "us-east-1", "Hrs",
     "0.0001000000", NULL, NULL},
    {"VPCINUSEUSE1GEN1", "USE1-PublicIPv4:InUseAddress", "VPCPublicIPv4Address", "us-east-1", "Hrs",
     "0.0052731000", NULL, NULL},
    {"VPCBLOCKUSE1GEN1", "USE1-PublicIPv4:ContiguousBlock", "VPCIPv4ContiguousBlocks", "us-east-1",
     "Hrs", "0.0002000000", NULL, "ProvisionIpamPoolCidr"},
    {"VPCINUSEEUGEN001", "EU-PublicIPv4:InUseAddress", "VPCPublicIPv4Address", "eu-west-1", "Hrs",
     "0.0003000000", NULL, NULL},
};
#define N_VPC_ROWS (sizeof(vpc_rows) / sizeof(vpc_rows[0]))

static int parse_vpc(const char *text, size_t len, const char *region, double *usd,
                     struct offer_info *info, struct cf_error *err)
{
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    ck_assert_ptr_nonnull(doc);
    int r = offer_vpc_parse(doc, region, usd, info, err);
    json_decref(doc);
    return r;
}

START_TEST(generated_file_rate_is_read)
{
    size_t len;
    char *text = offer_doc("AmazonVPC", "20261101000000", vpc_rows, N_VPC_ROWS, &len);
    double usd = 0;
    struct offer_info info = {0};
    struct cf_error err = {0};
    ck_assert_msg(parse_vpc(text, len, "us-east-1", &usd, &info, &err) == 0, "%s", err.message);
    ck_assert_double_eq(usd, 0.0052731);
    ck_assert_str_eq(info.version, "20261101000000");
    ck_assert_int_eq(parse_vpc(text, len, "eu-west-1", &usd, NULL, &err), 0);
    ck_assert_double_eq(usd, 0.0003);
    free(text);
}
END_TEST

START_TEST(bad_files_are_refused)
{
    struct row rows[N_VPC_ROWS + 1];
    size_t len;
    double usd = 7;
    struct cf_error err = {0};
    memcpy(rows, vpc_rows, sizeof(vpc_rows));

    /* Two in-use rows for one region: refused rather than a guess. */
    rows[N_VPC_ROWS] = vpc_rows[1];
    rows[N_VPC_ROWS].sku = "VPCINUSEUSE1GEN2";
    char *text = offer_doc("AmazonVPC", "1", rows, N_VPC_ROWS + 1, &len);
    ck_assert_int_eq(parse_vpc(text, len, "us-east-1", &usd, NULL, &err), CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "both"));
    free(text);

    /* Only the traps: no in-use row. */
    const struct row traps[] = {vpc_rows[0], vpc_rows[2], vpc_rows[3]};
    text = offer_doc("AmazonVPC", "1", traps, 3, &len);
    ck_assert_int_eq(parse_vpc(text, len, "us-east-1", &usd, NULL, &err), CF_EUPSTREAM);
    free(text);

    /* A price of 0, another unit, a malformed price. */
    static const char *const bad[][2] = {
        {"Hrs", "0.0000000000"}, {"GB", "0.0052731000"}, {"Hrs", "-1"}, {"Hrs", "NaN"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(rows, vpc_rows, sizeof(vpc_rows));
        rows[1].unit = bad[i][0];
        rows[1].usd = bad[i][1];
        text = offer_doc("AmazonVPC", "1", rows, N_VPC_ROWS, &len);
        ck_assert_int_eq(parse_vpc(text, len, "us-east-1", &usd, NULL, &err), CF_EUPSTREAM);
        free(text);
    }
    /* Another offer's file. */
    text = offer_doc("AmazonEC2", "1", vpc_rows, N_VPC_ROWS, &len);
    ck_assert_int_eq(parse_vpc(text, len, "us-east-1", &usd, NULL, &err), CF_EUPSTREAM);
    free(text);
    ck_assert_double_eq(usd, 7); /* nothing was written on failure */
}
END_TEST

/* The genuine rows: tellury's recorded GetProducts answer is a list of PriceList documents
 * ({product, serviceCode, terms.OnDemand, version, publicationDate}); put back into the bulk
 * layout (products keyed by SKU, terms.OnDemand keyed by SKU) with their values untouched. */
START_TEST(genuine_recorded_rows)
{
    size_t len;
    char *text =
        cf_test_read("tests/fixtures/tellury-getproducts__getproducts-recorded.json", &len);
    json_t *list = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    ck_assert(json_is_array(list));
    json_t *products = json_object(), *ondemand = json_object();
    json_t *doc = json_pack("{s:s, s:o, s:{s:o}}", "offerCode", "AmazonVPC", "products", products,
                            "terms", "OnDemand", ondemand);
    size_t i, n = 0;
    json_t *pl;
    json_array_foreach(list, i, pl)
    {
        if (strcmp(json_string_value(json_object_get(pl, "serviceCode")), "AmazonVPC") != 0)
            continue;
        json_t *product = json_object_get(pl, "product");
        const char *sku = json_string_value(json_object_get(product, "sku"));
        json_object_set(products, sku, product);
        json_object_set(ondemand, sku, json_object_get(json_object_get(pl, "terms"), "OnDemand"));
        json_object_set(doc, "version", json_object_get(pl, "version"));
        json_object_set(doc, "publicationDate", json_object_get(pl, "publicationDate"));
        n++;
    }
    ck_assert_uint_eq(n, 6); /* in use, idle and block, in us-east-1 and eu-west-1 */
    static const char *const regions[] = {"us-east-1", "eu-west-1"};
    for (size_t k = 0; k < 2; k++) {
        double usd = 0;
        struct offer_info info = {0};
        struct cf_error err = {0};
        ck_assert_msg(offer_vpc_parse(doc, regions[k], &usd, &info, &err) == 0, "%s", err.message);
        ck_assert_double_eq(usd, 0.005); /* "$0.005 per In-use public IPv4 address per hour" */
        ck_assert_str_eq(info.version, "20260724154225");
        ck_assert_str_eq(info.published, "2026-07-24T15:42:25Z");
    }
    json_decref(doc);
    json_decref(list);
}
END_TEST

/* ---- through the refresher to /pricing ---- */

static struct served_stack st;

static void put_index(const char *index, const char *path)
{
    char doc[512];
    int n = snprintf(doc, sizeof(doc),
                     "{\n  \"formatVersion\" : \"v1.0\",\n  \"regions\" : {\n    \"us-east-1\" : "
                     "{\n      \"regionCode\" : \"us-east-1\",\n      \"currentVersionUrl\" : "
                     "\"%s\"\n    }\n  }\n}\n",
                     path);
    ck_assert_int_eq(upstream_put(st.up, index, doc, (size_t)n, "application/json"), 0);
}

static void put_file(const char *path, const char *code, const char *version,
                     const struct row *rows, size_t n)
{
    size_t len;
    char *doc = offer_doc(code, version, rows, n, &len);
    ck_assert_int_eq(upstream_put(st.up, path, doc, len, "application/json"), 0);
    free(doc);
}

/* The EC2 refreshes here read no Spot advice. */
static void no_spot_advisor(struct cf_config *cfg)
{
    cfg->ec2_spot_advisor_url[0] = '\0';
}

static void setup(void)
{
    served_stack_start(&st, "/tmp/cf-vpc-state", no_spot_advisor);
}

static void teardown(void)
{
    served_stack_stop(&st);
}

static json_t *get_json(const char *path, long want_status)
{
    return served_get_json(st.port, path, want_status);
}

static const char *source_of(const json_t *region, const char *key, const char *field)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(region, "sources"), key), field));
}

static double num_at(const json_t *region, const char *section, const char *key)
{
    const json_t *v = json_object_get(json_object_get(region, section), key);
    ck_assert_msg(json_is_number(v), "%s.%s is not a number", section, key);
    return json_number_value(v);
}

START_TEST(public_ipv4_through_refresh)
{
    /* The snapshot's us-east-1 rate is the recorded one. */
    json_t *region = get_json("/pricing/us-east-1", 200);
    ck_assert_double_eq(num_at(region, "vpc", "public_ipv4_hour_usd"), 0.005);
    ck_assert_str_eq(source_of(region, "vpc", "version"), "20260724154225");
    json_decref(region);

    put_index(VPC_INDEX, VPC_V1);
    put_file(VPC_V1, "AmazonVPC", "20261101000000", vpc_rows, N_VPC_ROWS);
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(st.rf, 1u << CF_OFFER_VPC, &err) == 0, "%s", err.message);
    region = get_json("/pricing/us-east-1", 200);
    ck_assert_double_eq(num_at(region, "vpc", "public_ipv4_hour_usd"), 0.0052731);
    ck_assert_str_eq(source_of(region, "vpc", "source"), "live");
    ck_assert_str_eq(source_of(region, "vpc", "version"), "20261101000000");
    json_decref(region);
    struct rates *t = pricing_cache_acquire(st.app.cache);
    const struct region_rates *rr = rates_region(t, "us-east-1");
    ck_assert(rr->has[CF_OFFER_VPC]);
    ck_assert_double_eq(rr->public_ipv4_hour_usd, 0.0052731);
    rates_unref(t);

    json_t *status = get_json("/pricing", 200);
    const json_t *o = json_object_get(json_object_get(status, "offers"), "vpc");
    ck_assert_str_eq(json_string_value(json_object_get(o, "offer_code")), "AmazonVPC");
    const json_t *us = json_object_get(json_object_get(o, "regions"), "us-east-1");
    ck_assert_str_eq(json_string_value(json_object_get(us, "source")), "live");
    ck_assert(json_is_null(json_object_get(o, "last_error")));
    json_decref(status);

    /* A new version whose only in-use row is a trap's look-alike twice: refused; the rate in
     * use stays, the error shows, the service stays ready. */
    struct row twice[N_VPC_ROWS + 1];
    memcpy(twice, vpc_rows, sizeof(vpc_rows));
    twice[N_VPC_ROWS] = vpc_rows[1];
    twice[N_VPC_ROWS].sku = "VPCINUSEUSE1GEN2";
    twice[N_VPC_ROWS].usd = "0.0061000000";
    put_index(VPC_INDEX, VPC_V2);
    put_file(VPC_V2, "AmazonVPC", "20261201000000", twice, N_VPC_ROWS + 1);
    ck_assert_int_eq(refresher_run_once(st.rf, 1u << CF_OFFER_VPC, &err), CF_EUPSTREAM);
    region = get_json("/pricing/us-east-1", 200);
    ck_assert_double_eq(num_at(region, "vpc", "public_ipv4_hour_usd"), 0.0052731);
    json_decref(region);
    status = get_json("/pricing", 200);
    o = json_object_get(json_object_get(status, "offers"), "vpc");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o, "last_error")), "both"));
    json_decref(status);
    json_decref(get_json("/readyz", 200));

    /* No index at all: the offer's refresh fails, and the service is ready. */
    upstream_put(st.up, VPC_INDEX, "nope", 4, NULL);
    ck_assert_int_ne(refresher_run_once(st.rf, 1u << CF_OFFER_VPC, &err), 0);
    json_decref(get_json("/readyz", 200));

    /* Offline: the state file serves the same rate. */
    struct rates *saved = NULL;
    ck_assert_int_eq(state_load_initial(&st.cfg, &saved, &err), 0);
    rr = rates_region(saved, "us-east-1");
    ck_assert_int_eq(rr->info[CF_OFFER_VPC].source, CF_SOURCE_STATE);
    ck_assert_double_eq(rr->public_ipv4_hour_usd, 0.0052731);
    rates_unref(saved);
}
END_TEST

/* An EC2 file: one g5.xlarge row (so that the region keeps EC2 rates) and the NAT rows. */
static const struct row nat_rows[] = {
    {"NATREGIONALHRS01", "RegionalNatGateway-Hours", "NGW:NatGateway", "us-east-1", "Hrs",
     "0.0000100000", "NAT Gateway", "RegionalNatGateway"},
    {"NATHOURSUSE1GEN1", "NatGateway-Hours", "NGW:NatGateway", "us-east-1", "Hrs", "0.0457319000",
     "NAT Gateway", "NatGateway"},
    {"NATPRVDGBPS00001", "NatGateway-Prvd-Gbps", "NGW:NatGateway", "us-east-1", "Gbps-hrs",
     "0.0000200000", "NAT Gateway", "NatGateway"},
    {"NATBYTESUSE1GEN1", "NatGateway-Bytes", "NGW:NatGateway", "us-east-1", "GB", "0.0461273000",
     "NAT Gateway", "NatGateway"},
};
#define N_NAT_ROWS (sizeof(nat_rows) / sizeof(nat_rows[0]))

static const char g5_product[] =
    "\"G5XLARGELINUX001\" : {\n      \"sku\" : \"G5XLARGELINUX001\",\n      \"productFamily\" : "
    "\"Compute Instance\",\n      \"attributes\" : {\n        \"servicecode\" : \"AmazonEC2\",\n"
    "        \"location\" : \"US East (N. Virginia)\",\n        \"locationType\" : \"AWS "
    "Region\",\n        \"instanceType\" : \"g5.xlarge\",\n        \"vcpu\" : \"4\",\n"
    "        \"memory\" : \"16 GiB\",\n        \"gpu\" : \"1\",\n        \"tenancy\" : "
    "\"Shared\",\n        \"operatingSystem\" : \"Linux\",\n        \"licenseModel\" : \"No "
    "License required\",\n        \"usagetype\" : \"BoxUsage:g5.xlarge\",\n        \"operation\" "
    ": \"RunInstances\",\n        \"capacitystatus\" : \"Used\",\n        \"marketoption\" : "
    "\"OnDemand\",\n        \"preInstalledSw\" : \"NA\",\n        \"regionCode\" : "
    "\"us-east-1\"\n      }\n    },\n    ";
static const char g5_term[] =
    "\"G5XLARGELINUX001\" : {\n      \"G5XLARGELINUX001.JRTCKXETXF\" : {\n        "
    "\"offerTermCode\" : \"JRTCKXETXF\",\n        \"sku\" : \"G5XLARGELINUX001\",\n        "
    "\"priceDimensions\" : {\n          \"G5XLARGELINUX001.JRTCKXETXF.6YS6EN2CT7\" : {\n"
    "            \"beginRange\" : \"0\",\n            \"endRange\" : \"Inf\",\n            "
    "\"unit\" : \"Hrs\",\n            \"pricePerUnit\" : { \"USD\" : \"1.0060000000\" }\n"
    "          }\n        },\n        \"termAttributes\" : { }\n      }\n    },\n    ";

/* Puts an EC2 file of the g5.xlarge row and `rows` at `path`. */
static void put_ec2_file(const char *path, const char *version, const struct row *rows, size_t n)
{
    size_t len;
    char *doc = offer_doc("AmazonEC2", version, rows, n, &len);
    /* Splice the instance row in at the start of products and of terms.OnDemand. */
    struct dynbuf b;
    dynbuf_init(&b, 1024 * 1024);
    const char *p = strstr(doc, "\"products\" : {\n") + strlen("\"products\" : {\n    ");
    const char *t = strstr(doc, "\"OnDemand\" : {\n") + strlen("\"OnDemand\" : {\n    ");
    dynbuf_printf(&b, "%.*s%s%.*s%s%s", (int)(p - doc), doc, g5_product, (int)(t - p), p, g5_term,
                  t);
    ck_assert(dynbuf_ok(&b));
    free(doc);
    char *text = dynbuf_take(&b, &len);
    ck_assert_int_eq(upstream_put(st.up, path, text, len, "application/json"), 0);
    free(text);
}

START_TEST(nat_gateway_through_ec2_refresh)
{
    /* The snapshot has NAT rates only where genuine rows gave them: eu-west-1. */
    json_t *region = get_json("/pricing/us-east-1", 200);
    ck_assert_ptr_null(json_object_get(region, "nat_gateway"));
    json_decref(region);
    region = get_json("/pricing/eu-west-1", 200);
    ck_assert_double_eq(num_at(region, "nat_gateway", "hour_usd"), 0.048);
    ck_assert_str_eq(source_of(region, "nat_gateway", "version"), "20260925174521");
    json_decref(region);

    put_index(EC2_INDEX, EC2_V1);
    put_ec2_file(EC2_V1, "20261101000000", nat_rows, N_NAT_ROWS);
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(st.rf, 1u << CF_OFFER_EC2, &err) == 0, "%s", err.message);
    region = get_json("/pricing/us-east-1", 200);
    ck_assert_double_eq(num_at(region, "nat_gateway", "hour_usd"), 0.0457319);
    ck_assert_double_eq(num_at(region, "nat_gateway", "gb_processed_usd"), 0.0461273);
    ck_assert_str_eq(source_of(region, "nat_gateway", "source"), "live");
    ck_assert_str_eq(source_of(region, "nat_gateway", "version"), "20261101000000");
    ck_assert_uint_eq(json_array_size(json_object_get(region, "ec2_instances")), 1);
    json_decref(region);
    json_t *status = get_json("/pricing", 200);
    const json_t *us = json_object_get(
        json_object_get(json_object_get(json_object_get(status, "offers"), "ec2"), "regions"),
        "us-east-1");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(us, "nat_gateway"), "source")), "live");
    json_decref(status);

    /* A new file without NAT rows (only a trap): the EC2 list is replaced, the NAT rates in use
     * stay with their provenance. */
    put_index(EC2_INDEX, EC2_V2);
    put_ec2_file(EC2_V2, "20261201000000", nat_rows, 1);
    ck_assert_msg(refresher_run_once(st.rf, 1u << CF_OFFER_EC2, &err) == 0, "%s", err.message);
    region = get_json("/pricing/us-east-1", 200);
    ck_assert_str_eq(source_of(region, "ec2", "version"), "20261201000000");
    ck_assert_double_eq(num_at(region, "nat_gateway", "hour_usd"), 0.0457319);
    ck_assert_str_eq(source_of(region, "nat_gateway", "version"), "20261101000000");
    json_decref(region);

    /* Two NAT hour products: the whole file is refused; everything in use stays. */
    struct row twice[N_NAT_ROWS + 1];
    memcpy(twice, nat_rows, sizeof(nat_rows));
    twice[N_NAT_ROWS] = nat_rows[1];
    twice[N_NAT_ROWS].sku = "NATHOURSUSE1GEN2";
    put_index(EC2_INDEX, EC2_V3);
    put_ec2_file(EC2_V3, "20261215000000", twice, N_NAT_ROWS + 1);
    ck_assert_int_eq(refresher_run_once(st.rf, 1u << CF_OFFER_EC2, &err), CF_EUPSTREAM);
    region = get_json("/pricing/us-east-1", 200);
    ck_assert_str_eq(source_of(region, "ec2", "version"), "20261201000000");
    ck_assert_double_eq(num_at(region, "nat_gateway", "gb_processed_usd"), 0.0461273);
    json_decref(region);
    json_decref(get_json("/readyz", 200));

    /* Offline: the state file keeps the NAT rates and their provenance. */
    struct rates *saved = NULL;
    ck_assert_int_eq(state_load_initial(&st.cfg, &saved, &err), 0);
    const struct region_rates *rr = rates_region(saved, "us-east-1");
    ck_assert(rr->has_nat_gateway);
    ck_assert_double_eq(rr->nat_gateway_hour_usd, 0.0457319);
    ck_assert_int_eq(rr->nat_gateway_info.source, CF_SOURCE_STATE);
    rates_unref(saved);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("offer_vpc");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, generated_file_rate_is_read);
    tcase_add_test(tc, bad_files_are_refused);
    tcase_add_test(tc, genuine_recorded_rows);
    suite_add_tcase(s, tc);
    TCase *http = tcase_create("refresh");
    tcase_add_checked_fixture(http, setup, teardown);
    tcase_add_test(http, public_ipv4_through_refresh);
    tcase_add_test(http, nat_gateway_through_ec2_refresh);
    tcase_set_timeout(http, 120);
    suite_add_tcase(s, http);
    int failed = cf_test_run(s);
    curl_global_cleanup();
    return failed;
}
