/*
 * test_offer_bill.c - the optional offers of the rest of the bill (issue 13 item 4): ELB
 * (offer_elb.c), API Gateway (offer_api_gateway.c) and CloudWatch Logs (offer_cloudwatch.c).
 * One binary for the three: they share their shape (small whole files, optional, the same
 * traps) and the refresh test needs all three behind one upstream.
 *
 * Parsing: the genuine AWSELB us-east-1 file (tests/fixtures), and files generated here in the
 * Price List layout with prices no other file has, next to look-alike rows that must be ignored
 * and broken ones that must be refused. Refresh: the same files served by the local upstream,
 * through the refresher to GET /pricing/{region}; a refused file keeps the rates in use and the
 * service ready.
 */
#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/gpu_specs.h"
#include "computefit/metrics.h"
#include "computefit/model.h"
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

/* One product row of a generated offer file. */
struct row {
    const char *sku;
    const char *family; /* productFamily; NULL = none */
    const char *usagetype;
    const char *operation;     /* NULL = none */
    const char *location_type; /* NULL = "AWS Region" */
    const char *region;        /* regionCode */
    const char *unit;
    const char *prices[6]; /* one per tier, NULL-ended; "" = no USD price */
    const char *ends[6];   /* endRange of each tier but the last ("Inf") */
};

/* A whole offer file in AWS's layout (products by SKU, terms.OnDemand with compound keys). */
static json_t *gen_offer(const char *code, const char *version, const struct row *rows, size_t n)
{
    json_t *products = json_object(), *ondemand = json_object();
    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        json_t *attrs = json_pack("{s:s, s:s, s:s, s:s}", "servicecode", code, "usagetype",
                                  r->usagetype, "regionCode", r->region, "locationType",
                                  r->location_type ? r->location_type : "AWS Region");
        if (r->operation)
            json_object_set_new(attrs, "operation", json_string(r->operation));
        json_t *p = json_pack("{s:s, s:o}", "sku", r->sku, "attributes", attrs);
        if (r->family)
            json_object_set_new(p, "productFamily", json_string(r->family));
        json_object_set_new(products, r->sku, p);
        json_t *dims = json_object();
        for (size_t t = 0; r->prices[t]; t++) {
            char key[64];
            snprintf(key, sizeof(key), "%s.JRTCKXETXF.TIER%zu", r->sku, t);
            json_t *usd = r->prices[t][0] ? json_pack("{s:s}", "USD", r->prices[t]) : json_object();
            json_object_set_new(dims, key,
                                json_pack("{s:s, s:s, s:s, s:s, s:o}", "rateCode", key,
                                          "beginRange", t ? r->ends[t - 1] : "0", "endRange",
                                          r->prices[t + 1] ? r->ends[t] : "Inf", "unit", r->unit,
                                          "pricePerUnit", usd));
        }
        char tkey[64];
        snprintf(tkey, sizeof(tkey), "%s.JRTCKXETXF", r->sku);
        json_object_set_new(ondemand, r->sku,
                            json_pack("{s:{s:s, s:s, s:o}}", tkey, "offerTermCode", "JRTCKXETXF",
                                      "sku", r->sku, "priceDimensions", dims));
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:o}, s:{}}", "formatVersion", "v1.0",
                     "offerCode", code, "version", version, "publicationDate",
                     "2026-12-01T00:00:00Z", "products", products, "terms", "OnDemand", ondemand,
                     "attributesList");
}

static int parse(enum cf_offer o, const json_t *doc, const char *region, struct region_rates *rr,
                 unsigned *missing, struct cf_error *err)
{
    memset(rr, 0, sizeof(*rr));
    snprintf(rr->code, sizeof(rr->code), "%s", region);
    *missing = 0;
    return offer_kinds[o]->parse(NULL, doc, region, rr, missing, err);
}

/* ---- ELB ---- */

#define ALB  "Load Balancer-Application"
#define ALBO "LoadBalancing:Application"

/* us-east-2's ALB at $0.0371/h and $0.0113/LCU-h, among the rows that look like it. */
static const struct row elb_rows[] = {
    {"ALBHOUR", ALB, "USE2-LoadBalancerUsage", ALBO, NULL, "us-east-2", "Hrs", {"0.0371"}, {0}},
    {"ALBLCU", ALB, "USE2-LCUUsage", ALBO, NULL, "us-east-2", "LCU-Hrs", {"0.0113"}, {0}},
    {"NLBHOUR",
     "Load Balancer-Network",
     "USE2-LoadBalancerUsage",
     "LoadBalancing:Network",
     NULL,
     "us-east-2",
     "Hrs",
     {"0.0371"},
     {0}},
    {"NLBLCU",
     "Load Balancer-Network",
     "USE2-LCUUsage",
     "LoadBalancing:Network",
     NULL,
     "us-east-2",
     "LCU-Hrs",
     {"0.0097"},
     {0}},
    {"CLBHOUR",
     "Load Balancer",
     "USE2-LoadBalancerUsage",
     "LoadBalancing",
     NULL,
     "us-east-2",
     "Hrs",
     {"0.0411"},
     {0}},
    {"OUTPOSTHOUR",
     ALB,
     "USE2-Outposts-LoadBalancerUsage",
     ALBO,
     "AWS Outposts",
     "us-east-2",
     "Hrs",
     {"0.0371"},
     {0}},
    {"OUTPOSTLCU",
     ALB,
     "Outposts-LCUUsage",
     ALBO,
     "AWS Outposts",
     "us-east-2",
     "LCU-Hrs",
     {"0"},
     {0}},
    {"RESERVEDLCU",
     ALB,
     "USE2-ReservedLCUUsage",
     ALBO,
     NULL,
     "us-east-2",
     "ReservedLCU-Hr",
     {"0.0113"},
     {0}},
    {"TRUSTSTORE", ALB, "TS-LoadBalancerUsage", ALBO, NULL, "us-east-2", "Hrs", {"0.0057"}, {0}},
    {"WRONGPREFIX", ALB, "USW2-LoadBalancerUsage", ALBO, NULL, "us-east-2", "Hrs", {"0.0999"}, {0}},
    {"ZEROHOUR",
     ALB,
     "USE2-LoadBalancerUsage",
     ALBO,
     NULL,
     "us-east-2",
     "Hrs",
     {"0.0000000000"},
     {0}},
    {"OTHERREGION", ALB, "USW2-LoadBalancerUsage", ALBO, NULL, "us-west-2", "Hrs", {"0.0888"}, {0}},
    {"OTHERLCU", ALB, "USW2-LCUUsage", ALBO, NULL, "us-west-2", "LCU-Hrs", {"0.0177"}, {0}},
};
#define ELB_ROWS (sizeof(elb_rows) / sizeof(elb_rows[0]))

START_TEST(genuine_elb_file_gives_the_alb_rates)
{
    size_t len;
    char *text =
        cf_test_read("tests/fixtures/preflight-awselb-use1__awselb_useast1_offer.json", &len);
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    free(text);
    ck_assert_ptr_nonnull(doc);
    struct region_rates rr;
    unsigned missing;
    struct cf_error err = {0};
    /* NLB, GWLB and Classic rows share the usage types; the trust store, Outposts ($0 LCU) and
     * reserved LCU rows share the family: only the two ALB rows are read. */
    ck_assert_msg(parse(CF_OFFER_ELB, doc, "us-east-1", &rr, &missing, &err) == 0, "%s",
                  err.message);
    ck_assert_uint_eq(missing, 0);
    ck_assert_double_eq(rr.elb.alb_hour_usd, 0.0225);
    ck_assert_double_eq(rr.elb.alb_lcu_hour_usd, 0.008);
    ck_assert_str_eq(rr.info[CF_OFFER_ELB].version, "20260911124544");
    ck_assert_str_eq(rr.info[CF_OFFER_ELB].published, "2026-09-11T12:45:44Z");
    /* Another region's file would have its own rows: this one has none for it, no error. */
    ck_assert_int_eq(parse(CF_OFFER_ELB, doc, "us-east-2", &rr, &missing, &err), 0);
    ck_assert_uint_ne(missing, 0);
    json_decref(doc);
}
END_TEST

START_TEST(elb_look_alikes_are_ignored)
{
    json_t *doc = gen_offer("AWSELB", "20261201000000", elb_rows, ELB_ROWS);
    struct region_rates rr;
    unsigned missing;
    struct cf_error err = {0};
    ck_assert_msg(parse(CF_OFFER_ELB, doc, "us-east-2", &rr, &missing, &err) == 0, "%s",
                  err.message);
    ck_assert_uint_eq(missing, 0);
    ck_assert_double_eq(rr.elb.alb_hour_usd, 0.0371);
    ck_assert_double_eq(rr.elb.alb_lcu_hour_usd, 0.0113);
    ck_assert_int_eq(parse(CF_OFFER_ELB, doc, "us-west-2", &rr, &missing, &err), 0);
    ck_assert_double_eq(rr.elb.alb_hour_usd, 0.0888);
    json_decref(doc);
}
END_TEST

START_TEST(elb_bad_files_are_refused)
{
    struct row rows[ELB_ROWS + 1];
    struct region_rates rr;
    unsigned missing;
    struct cf_error err = {0};
    /* A second priced ALB hour row: two prices for one rate. */
    memcpy(rows, elb_rows, sizeof(elb_rows));
    rows[ELB_ROWS] = elb_rows[0];
    rows[ELB_ROWS].sku = "ALBHOURAGAIN";
    rows[ELB_ROWS].prices[0] = "0.0372";
    json_t *doc = gen_offer("AWSELB", "1", rows, ELB_ROWS + 1);
    ck_assert_int_eq(parse(CF_OFFER_ELB, doc, "us-east-2", &rr, &missing, &err), CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "both price"));
    json_decref(doc);
    /* A malformed price. */
    memcpy(rows, elb_rows, sizeof(elb_rows));
    rows[1].prices[0] = "0.01O";
    doc = gen_offer("AWSELB", "1", rows, ELB_ROWS);
    ck_assert_int_eq(parse(CF_OFFER_ELB, doc, "us-east-2", &rr, &missing, &err), CF_EUPSTREAM);
    json_decref(doc);
    /* No USD price at all. */
    rows[1].prices[0] = "";
    doc = gen_offer("AWSELB", "1", rows, ELB_ROWS);
    ck_assert_int_eq(parse(CF_OFFER_ELB, doc, "us-east-2", &rr, &missing, &err), CF_EUPSTREAM);
    json_decref(doc);
    /* The hour without the LCU. */
    doc = gen_offer("AWSELB", "1", elb_rows, 1);
    ck_assert_int_eq(parse(CF_OFFER_ELB, doc, "us-east-2", &rr, &missing, &err), CF_EUPSTREAM);
    json_decref(doc);
    /* Another offer's file. */
    doc = gen_offer("AmazonECS", "1", elb_rows, ELB_ROWS);
    ck_assert_int_eq(parse(CF_OFFER_ELB, doc, "us-east-2", &rr, &missing, &err), CF_EUPSTREAM);
    json_decref(doc);
}
END_TEST

/* ---- API Gateway ---- */

#define REQ "Requests"
static const struct row apigw_rows[] = {
    {"HTTPAPI",
     "API Calls",
     "USE1-ApiGatewayHttpRequest",
     "ApiGatewayHttpApi",
     NULL,
     "us-east-1",
     REQ,
     {"0.0000010700", "0.0000009300"},
     {"300000000"}},
    {"RESTAPI",
     "API Calls",
     "USE1-ApiGatewayRequest",
     "ApiGatewayRequest",
     NULL,
     "us-east-1",
     REQ,
     {"0.0000036100", "0.0000028900", "0.0000024700", "0.0000015700"},
     {"333000000", "1000000000", "20000000000"}},
    {"WEBSOCKET",
     "WebSocket",
     "USE1-ApiGatewayMessage",
     "ApiGatewayWebSocket",
     NULL,
     "us-east-1",
     "Messages",
     {"0.0000010100", "0.0000008100"},
     {"1000000000"}},
    {"OTHERREGION",
     "API Calls",
     "EU-ApiGatewayHttpRequest",
     "ApiGatewayHttpApi",
     NULL,
     "eu-west-1",
     REQ,
     {"0.0000011900", "0.0000010900"},
     {"300000000"}},
    {"FREEHTTP",
     "API Calls",
     "USE1-ApiGatewayHttpRequest",
     "ApiGatewayHttpApi",
     NULL,
     "us-east-1",
     REQ,
     {"0.0000000000"},
     {0}},
};
#define APIGW_ROWS (sizeof(apigw_rows) / sizeof(apigw_rows[0]))

START_TEST(api_gateway_tiers_are_read)
{
    json_t *doc = gen_offer("AmazonApiGateway", "20261201000000", apigw_rows, APIGW_ROWS);
    struct region_rates rr;
    unsigned missing;
    struct cf_error err = {0};
    ck_assert_msg(parse(CF_OFFER_API_GATEWAY, doc, "us-east-1", &rr, &missing, &err) == 0, "%s",
                  err.message);
    ck_assert_uint_eq(missing, 0);
    const struct api_gateway_rates *a = &rr.api_gateway;
    ck_assert_uint_eq(a->n_http_tiers, 2);
    ck_assert_double_eq(a->http_tiers[0].up_to, 300e6);
    ck_assert_double_eq(a->http_tiers[0].usd, 0.00000107);
    ck_assert(isinf(a->http_tiers[1].up_to));
    ck_assert_double_eq(a->http_tiers[1].usd, 0.00000093);
    ck_assert_uint_eq(a->n_rest_tiers, 4);
    ck_assert_double_eq(a->rest_tiers[1].up_to, 1e9);
    ck_assert_double_eq(a->rest_tiers[2].up_to, 20e9);
    ck_assert_double_eq(a->rest_tiers[3].usd, 0.00000157);
    /* eu-west-1: HTTP only (the REST row is us-east-1's). */
    ck_assert_int_eq(parse(CF_OFFER_API_GATEWAY, doc, "eu-west-1", &rr, &missing, &err), 0);
    ck_assert_uint_eq(rr.api_gateway.n_http_tiers, 2);
    ck_assert_uint_eq(rr.api_gateway.n_rest_tiers, 0);
    ck_assert_uint_ne(missing, 0);
    json_decref(doc);

    /* A $0 tier among priced ones, a per-message unit, a second priced row: refused. */
    struct row rows[APIGW_ROWS];
    memcpy(rows, apigw_rows, sizeof(rows));
    rows[0].prices[1] = "0";
    doc = gen_offer("AmazonApiGateway", "1", rows, APIGW_ROWS);
    ck_assert_int_eq(parse(CF_OFFER_API_GATEWAY, doc, "us-east-1", &rr, &missing, &err),
                     CF_EUPSTREAM);
    json_decref(doc);
    memcpy(rows, apigw_rows, sizeof(rows));
    rows[0].unit = "Messages";
    doc = gen_offer("AmazonApiGateway", "1", rows, APIGW_ROWS);
    ck_assert_int_eq(parse(CF_OFFER_API_GATEWAY, doc, "us-east-1", &rr, &missing, &err),
                     CF_EUPSTREAM);
    json_decref(doc);
    memcpy(rows, apigw_rows, sizeof(rows));
    rows[4].prices[0] = "0.0000010800"; /* a second priced HTTP row */
    doc = gen_offer("AmazonApiGateway", "1", rows, APIGW_ROWS);
    ck_assert_int_eq(parse(CF_OFFER_API_GATEWAY, doc, "us-east-1", &rr, &missing, &err),
                     CF_EUPSTREAM);
    json_decref(doc);
}
END_TEST

/* ---- CloudWatch ---- */

/* us-east-1's CloudWatch Logs rows: the current products after the region's prefix, and the
 * legacy unprefixed ones us-east-1 still lists at the same prices (AWS's pricing-page feed has
 * two rate codes for each of the two rates there, and only there; other projects' Price List
 * rows name them "DataProcessing-Bytes" and "TimedStorage-ByteHrs", group "... legacy"). */
static const struct row cw_rows[] = {
    {"INGEST",
     "Data Payload",
     "USE1-DataProcessing-Bytes",
     "PutLogEvents",
     NULL,
     "us-east-1",
     "GB",
     {"0.5300000000"},
     {0}},
    {"STORE",
     "Storage Snapshot",
     "USE1-TimedStorage-ByteHrs",
     "HourlyStorageMetering",
     NULL,
     "us-east-1",
     "GB-Mo",
     {"0.0370000000"},
     {0}},
    {"IASTORE",
     "Storage Snapshot",
     "USE1-IA-TimedStorage-ByteHrs",
     NULL,
     NULL,
     "us-east-1",
     "GB-Mo",
     {"0.0190000000"},
     {0}},
    {"VENDED",
     "Data Payload",
     "USE1-VendedLog-Bytes",
     NULL,
     NULL,
     "us-east-1",
     "GB",
     {"0.5100000000", "0.2600000000"},
     {"10240"}},
    {"OTHERREGION",
     "Data Payload",
     "USE2-DataProcessing-Bytes",
     NULL,
     NULL,
     "us-east-1",
     "GB",
     {"0.9900000000"},
     {0}},
    {"IACLASS",
     "Storage Snapshot",
     "USE1-TimedStorage-IA-ByteHrs",
     NULL,
     NULL,
     "us-east-1",
     "GB-Mo",
     {"0.0180000000"},
     {0}},
    {"LEGACYINGEST",
     "Data Payload",
     "DataProcessing-Bytes",
     "PutLogEvents",
     NULL,
     "us-east-1",
     "GB",
     {"0.5300000000"},
     {0}},
    {"LEGACYSTORE",
     "Storage Snapshot",
     "TimedStorage-ByteHrs",
     "HourlyStorageMetering",
     NULL,
     "us-east-1",
     "GB-Mo",
     {"0.0370000000"},
     {0}},
};
#define CW_ROWS   (sizeof(cw_rows) / sizeof(cw_rows[0]))
#define CW_LEGACY (CW_ROWS - 2) /* the two legacy rows, last */

/* Asserts that a file of `rows` gives us-east-1 the current rows' rates, $0.53 and $0.037. */
static void assert_cw_current_rates(const struct row *rows, size_t n)
{
    json_t *doc = gen_offer("AmazonCloudWatch", "20261201000000", rows, n);
    struct region_rates rr;
    unsigned missing;
    struct cf_error err = {0};
    ck_assert_msg(parse(CF_OFFER_CLOUDWATCH, doc, "us-east-1", &rr, &missing, &err) == 0, "%s",
                  err.message);
    ck_assert_uint_eq(missing, 0);
    ck_assert_double_eq(rr.cloudwatch.logs_ingest_gb_usd, 0.53);
    ck_assert_double_eq(rr.cloudwatch.logs_storage_gb_month_usd, 0.037);
    json_decref(doc);
}

START_TEST(cloudwatch_logs_rates_are_read)
{
    assert_cw_current_rates(cw_rows, CW_ROWS);
    json_t *doc;
    struct region_rates rr;
    unsigned missing;
    struct cf_error err = {0};
    struct row rows[CW_ROWS];
    memcpy(rows, cw_rows, sizeof(rows));
    rows[1].unit = "GB-Hrs"; /* not the storage rate the usage type says */
    doc = gen_offer("AmazonCloudWatch", "1", rows, CW_ROWS);
    ck_assert_int_eq(parse(CF_OFFER_CLOUDWATCH, doc, "us-east-1", &rr, &missing, &err),
                     CF_EUPSTREAM);
    json_decref(doc);
    doc = gen_offer("AmazonCloudWatch", "1", cw_rows, 1); /* ingestion without storage */
    ck_assert_int_eq(parse(CF_OFFER_CLOUDWATCH, doc, "us-east-1", &rr, &missing, &err),
                     CF_EUPSTREAM);
    json_decref(doc);
}
END_TEST

/* The legacy unprefixed rows of us-east-1 are other products: beside the current ones they are
 * not a second price for the rate (which would refuse every genuine us-east-1 file), and
 * alone they are no rates at all. */
START_TEST(cloudwatch_legacy_unprefixed_rows_are_not_read)
{
    struct row rows[CW_ROWS];
    memcpy(rows, cw_rows, sizeof(rows));
    rows[CW_LEGACY].prices[0] = "0.5400000000"; /* were they read, this would show */
    rows[CW_LEGACY + 1].prices[0] = "0.0380000000";
    assert_cw_current_rates(rows, CW_ROWS);
    json_t *doc = gen_offer("AmazonCloudWatch", "1", cw_rows + CW_LEGACY, 2);
    struct region_rates rr;
    unsigned missing;
    struct cf_error err = {0};
    ck_assert_msg(parse(CF_OFFER_CLOUDWATCH, doc, "us-east-1", &rr, &missing, &err) == 0, "%s",
                  err.message);
    ck_assert_uint_ne(missing, 0);
    json_decref(doc);
}
END_TEST

/* ---- Through the refresher to /pricing/{region} ---- */

static struct served_stack st;

#define BILL_OFFERS                                                                                \
    ((1u << CF_OFFER_ELB) | (1u << CF_OFFER_API_GATEWAY) | (1u << CF_OFFER_CLOUDWATCH))

static void put_json(const char *path, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    ck_assert_int_eq(upstream_put(st.up, path, text, strlen(text), "application/json"), 0);
    free(text);
    json_decref(doc);
}

/* Serves one offer: its region index listing `region` (or none) and its file. */
static void put_offer(const char *code, const char *version, const char *region,
                      const char *file_region, const struct row *rows, size_t n)
{
    char index[160], file[160];
    snprintf(index, sizeof(index), "/offers/v1.0/aws/%s/current/region_index.json", code);
    snprintf(file, sizeof(file), "/offers/v1.0/aws/%s/%s/%s/index.json", code, version,
             file_region);
    put_json(index, json_pack("{s:s, s:{s:{s:s, s:s}}}", "formatVersion", "v1.0", "regions", region,
                              "regionCode", region, "currentVersionUrl", file));
    put_json(file, gen_offer(code, version, rows, n));
}

static void setup(void)
{
    served_stack_start(&st, "/tmp/cf-bill-state", NULL);
}

static void teardown(void)
{
    served_stack_stop(&st);
}

static json_t *get_json(const char *path, long want_status)
{
    return served_get_json(st.port, path, want_status);
}

static double jpath(const json_t *doc, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(json_object_get(json_object_get(doc, a), b), c);
    ck_assert_msg(json_is_number(v), "%s.%s.%s is not a number", a, b, c);
    return json_number_value(v);
}

/* The us-east-1 ELB rows of the generated file: elb_rows in us-east-1 with its bare usage
 * types (as AWS writes them there). */
static const struct row elb_use1[] = {
    {"ALBHOUR", ALB, "LoadBalancerUsage", ALBO, NULL, "us-east-1", "Hrs", {"0.0231"}, {0}},
    {"ALBLCU", ALB, "LCUUsage", ALBO, NULL, "us-east-1", "LCU-Hrs", {"0.0083"}, {0}},
    {"NLBHOUR",
     "Load Balancer-Network",
     "LoadBalancerUsage",
     "LoadBalancing:Network",
     NULL,
     "us-east-1",
     "Hrs",
     {"0.0229"},
     {0}},
};

START_TEST(refreshed_rates_are_served_by_pricing)
{
    put_offer("AWSELB", "20261201000000", "us-east-1", "us-east-1", elb_use1, 3);
    put_offer("AmazonApiGateway", "20261201000000", "us-east-1", "us-east-1", apigw_rows,
              APIGW_ROWS);
    put_offer("AmazonCloudWatch", "20261201000000", "us-east-1", "us-east-1", cw_rows, CW_ROWS);
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(st.rf, BILL_OFFERS, &err) == 0, "%s", err.message);

    json_t *region = get_json("/pricing/us-east-1", 200);
    ck_assert_double_eq(jpath(region, "elb", "alb", "hour_usd"), 0.0231);
    ck_assert_double_eq(jpath(region, "elb", "alb", "lcu_hour_usd"), 0.0083);
    ck_assert_double_eq(jpath(region, "cloudwatch", "logs", "ingest_gb_usd"), 0.53);
    ck_assert_double_eq(jpath(region, "cloudwatch", "logs", "storage_gb_month_usd"), 0.037);
    const json_t *rest =
        json_object_get(json_object_get(region, "api_gateway"), "rest_request_tiers");
    ck_assert_uint_eq(json_array_size(rest), 4);
    ck_assert(json_is_null(json_object_get(json_array_get(rest, 3), "up_to_requests")));
    ck_assert_double_eq(json_number_value(json_object_get(json_array_get(rest, 0), "usd")),
                        0.00000361);
    const json_t *src = json_object_get(json_object_get(region, "sources"), "elb");
    ck_assert_str_eq(json_string_value(json_object_get(src, "source")), "live");
    ck_assert_str_eq(json_string_value(json_object_get(src, "version")), "20261201000000");
    json_decref(region);

    /* The core's fields. */
    struct rates *t = pricing_cache_acquire(st.app.cache);
    const struct region_rates *rr = rates_region(t, "us-east-1");
    ck_assert(rr->has[CF_OFFER_ELB] && rr->has[CF_OFFER_API_GATEWAY] &&
              rr->has[CF_OFFER_CLOUDWATCH]);
    ck_assert_double_eq(rr->api_gateway.http_tiers[0].usd, 0.00000107);
    rates_unref(t);

    /* And the answers are priced from them: an HTTP API of 400 million requests a month behind
     * API Gateway's HTTP APIs pays 300e6 x $0.00000107 + 100e6 x $0.00000093 on every
     * platform, containers an ALB behind it (730 h x $0.0231), and everyone 400e6 x 1 KiB (the
     * model's default) of logs at $0.53 a GB ingested. */
    static const char body[] = "{\"duration\": \"100ms\", \"memory\": \"128MB\", "
                               "\"invocations\": 400000000, \"front_door\": "
                               "\"api_gateway_http\"}";
    const char *h[] = {"Content-Type: application/json", NULL};
    struct http_result r = http_do(NULL, "POST", st.port, "/advise", h, body, strlen(body));
    ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
    json_t *ans = http_json(&r);
    ck_assert_ptr_nonnull(ans);
    const json_t *opts = json_object_get(ans, "options");
    double gb = 400e6 * 1024 / 1073741824.0;
    for (const char *const *p = (const char *const[]){"lambda", "fargate", NULL}; *p; p++) {
        const json_t *items = json_object_get(json_object_get(opts, *p), "line_items");
        double api = 0, alb = -1, ingest = -1;
        size_t i;
        const json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *item = json_string_value(json_object_get(it, "item"));
            double usd = json_number_value(json_object_get(it, "usd"));
            if (!strncmp(item, "api_gateway_http_requests_tier_", 31))
                api += usd;
            if (!strcmp(item, "alb_hours"))
                alb = usd;
            if (!strcmp(item, "logs_ingested_gb"))
                ingest = usd;
        }
        ck_assert_double_eq_tol(api, 300e6 * 0.00000107 + 100e6 * 0.00000093, 1e-6);
        ck_assert_double_eq_tol(alb, strcmp(*p, "lambda") ? 730 * 0.0231 : -1, 1e-9);
        ck_assert_double_eq_tol(ingest, gb * 0.53, 1e-6);
    }
    json_decref(ans);
    http_result_free(&r);

    /* A duplicate row in a new ELB version is refused: the rates in use stay, the error
     * shows in /pricing, and the service stays ready. */
    struct row bad[4];
    memcpy(bad, elb_use1, sizeof(elb_use1));
    bad[3] = elb_use1[1];
    bad[3].sku = "ALBLCU2";
    bad[3].prices[0] = "0.0091";
    put_offer("AWSELB", "20261202000000", "us-east-1", "us-east-1", bad, 4);
    ck_assert_int_eq(refresher_run_once(st.rf, 1u << CF_OFFER_ELB, &err), CF_EUPSTREAM);
    region = get_json("/pricing/us-east-1", 200);
    ck_assert_double_eq(jpath(region, "elb", "alb", "lcu_hour_usd"), 0.0083);
    json_decref(region);
    json_t *status = get_json("/pricing", 200);
    const json_t *o = json_object_get(json_object_get(status, "offers"), "elb");
    ck_assert_str_eq(json_string_value(json_object_get(o, "offer_code")), "AWSELB");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o, "last_error")), "both"));
    json_decref(status);
    json_decref(get_json("/readyz", 200));

    /* Offline: the state file serves the same rates. */
    struct rates *saved = NULL;
    ck_assert_int_eq(state_load_initial(&st.cfg, &saved, &err), 0);
    rr = rates_region(saved, "us-east-1");
    ck_assert_int_eq(rr->info[CF_OFFER_CLOUDWATCH].source, CF_SOURCE_STATE);
    ck_assert_double_eq(rr->cloudwatch.logs_ingest_gb_usd, 0.53);
    rates_unref(saved);
}
END_TEST

START_TEST(region_without_the_offers_is_no_error)
{
    /* The indexes list only eu-west-1 (not configured): us-east-1 has no file, no error. */
    put_offer("AWSELB", "20261201000000", "eu-west-1", "eu-west-1", elb_use1, 3);
    put_offer("AmazonApiGateway", "20261201000000", "eu-west-1", "eu-west-1", apigw_rows,
              APIGW_ROWS);
    put_offer("AmazonCloudWatch", "20261201000000", "eu-west-1", "eu-west-1", cw_rows, CW_ROWS);
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(st.rf, BILL_OFFERS, &err) == 0, "%s", err.message);
    /* No index at all: the refreshes fail; the service is ready and prices as before. */
    upstream_put(st.up, "/offers/v1.0/aws/AWSELB/current/region_index.json", "nope", 4, NULL);
    ck_assert_int_ne(refresher_run_once(st.rf, 1u << CF_OFFER_ELB, &err), 0);
    json_decref(get_json("/readyz", 200));
    json_t *region = get_json("/pricing/us-east-1", 200);
    ck_assert(json_is_object(json_object_get(region, "lambda")));
    json_decref(region);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("offer_bill");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, genuine_elb_file_gives_the_alb_rates);
    tcase_add_test(tc, elb_look_alikes_are_ignored);
    tcase_add_test(tc, elb_bad_files_are_refused);
    tcase_add_test(tc, api_gateway_tiers_are_read);
    tcase_add_test(tc, cloudwatch_logs_rates_are_read);
    tcase_add_test(tc, cloudwatch_legacy_unprefixed_rows_are_not_read);
    suite_add_tcase(s, tc);
    TCase *http = tcase_create("refresh");
    tcase_add_checked_fixture(http, setup, teardown);
    tcase_add_test(http, refreshed_rates_are_served_by_pricing);
    tcase_add_test(http, region_without_the_offers_is_no_error);
    tcase_set_timeout(http, 120);
    suite_add_tcase(s, http);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed ? 1 : 0;
}
