/*
 * test_follow.c - a replica that follows a rates document (rates_url) instead of the AWS Price
 * List: follow_document()'s rules on their own, then the refresher against a local upstream
 * that serves the document as a leader or object storage would (gzip, ETag, faults).
 *
 * The documents are the bundled snapshot's rates as GET /pricing/export would serve them
 * (rates_to_text), with the changes each test names.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "computefit/follow.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/state.h"
#include "testutil.h"
#include "upstream.h"

#define DOC "/rates.json"

static struct rates *load_snapshot(void)
{
    char *snap = cf_test_path("config/rates-snapshot.json");
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_msg(rates_load_file(snap, CF_SOURCE_SNAPSHOT, &r, &err) == 0, "%s", err.message);
    free(snap);
    return r;
}

static struct region_rates *mut_region(struct rates *t, const char *code)
{
    for (size_t i = 0; i < t->n_regions; i++)
        if (strcmp(t->regions[i].code, code) == 0)
            return &t->regions[i];
    ck_abort_msg("no region %s", code);
    return NULL;
}

/* A leader's table: the snapshot with us-east-1's x86 Fargate vCPU rate at `vcpu_usd` and its
 * provenance that of a live refresh, built at `built_at`. */
static struct rates *leader_table(double vcpu_usd, int64_t built_at)
{
    struct rates *t = load_snapshot();
    struct region_rates *us = mut_region(t, "us-east-1");
    us->fargate[CF_ARCH_X86_64].vcpu_hour_usd = vcpu_usd;
    struct offer_info *in = &us->info[CF_OFFER_FARGATE];
    in->source = CF_SOURCE_LIVE;
    in->fetched_at = 1798761600; /* 2027-01-01T00:00:00Z */
    snprintf(in->version, sizeof(in->version), "20261231000000");
    snprintf(in->origin, sizeof(in->origin), "%s",
             "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonECS/20261231000000/"
             "us-east-1/index.json");
    t->built_at = built_at;
    return t;
}

static char *text_of(const struct rates *t, size_t *ret_len)
{
    char *text = rates_to_text(t, ret_len);
    ck_assert_ptr_nonnull(text);
    return text;
}

/* The document of `t` as JSON, to edit (new reference). */
static json_t *json_of(const struct rates *t)
{
    json_t *doc = rates_to_json(t);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static json_t *region_of(json_t *doc, const char *code)
{
    json_t *regions = json_object_get(doc, "regions");
    for (size_t i = 0; i < json_array_size(regions); i++) {
        json_t *r = json_array_get(regions, i);
        if (strcmp(json_string_value(json_object_get(r, "region")), code) == 0)
            return r;
    }
    ck_abort_msg("no region %s in the document", code);
    return NULL;
}

static char *dump(const json_t *doc, size_t *ret_len)
{
    char *text = json_dumps(doc, JSON_INDENT(1));
    ck_assert_ptr_nonnull(text);
    *ret_len = strlen(text);
    return text;
}

/* ---- follow_document() ------------------------------------------------------------------- */

START_TEST(document_replaces_its_regions_and_keeps_the_rest)
{
    struct cf_config cfg;
    config_defaults(&cfg);
    struct rates *cur = load_snapshot();
    /* The leader has two regions only (a snapshot published for some regions), one changed. */
    struct rates *lead = leader_table(0.04100, 1798765200); /* 2027-01-01T01:00:00Z */
    json_t *doc = json_of(lead);
    json_t *keep = json_array();
    json_array_append(keep, region_of(doc, "us-east-1"));
    json_array_append(keep, region_of(doc, "eu-west-1"));
    json_object_set_new(doc, "regions", keep);
    size_t len;
    char *text = dump(doc, &len);

    struct rates *next = NULL;
    struct follow_report rep;
    struct cf_error err = {0};
    ck_assert_msg(follow_document(cur, text, len, &cfg, &next, &rep, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(rep.regions, 2);
    ck_assert_uint_eq(rep.added, 0);
    ck_assert_uint_eq(rep.kept, cur->n_regions - 2);
    ck_assert_uint_eq(rep.moves_total, 0); /* 0.04048 -> 0.041 is no big move */
    ck_assert(!rep.rejected);
    ck_assert_int_eq(next->built_at, 1798765200);
    ck_assert_uint_eq(next->n_regions, cur->n_regions);

    /* The document's regions: its rates, the source rates_url, its provenance otherwise. */
    const struct region_rates *us = rates_region(next, "us-east-1");
    ck_assert_double_eq(us->fargate[CF_ARCH_X86_64].vcpu_hour_usd, 0.041);
    ck_assert_int_eq(us->info[CF_OFFER_FARGATE].source, CF_SOURCE_URL);
    ck_assert_int_eq(us->info[CF_OFFER_FARGATE].fetched_at, 1798761600);
    ck_assert_str_eq(us->info[CF_OFFER_FARGATE].version, "20261231000000");
    ck_assert_ptr_nonnull(strstr(us->info[CF_OFFER_FARGATE].origin, "AmazonECS/20261231000000"));
    ck_assert_int_eq(us->info[CF_OFFER_LAMBDA].source, CF_SOURCE_URL);
    ck_assert_int_eq(us->ec2_spot_info.source, CF_SOURCE_URL);
    ck_assert_int_eq(rates_region(next, "eu-west-1")->info[CF_OFFER_EC2].source, CF_SOURCE_URL);
    /* The others: as they were. */
    const struct region_rates *tokyo = rates_region(next, "ap-northeast-1");
    ck_assert_int_eq(tokyo->info[CF_OFFER_LAMBDA].source, CF_SOURCE_SNAPSHOT);
    ck_assert_uint_eq(tokyo->n_instances, rates_region(cur, "ap-northeast-1")->n_instances);
    /* A whole table, sorted and valid: it saves and serves like any other. */
    ck_assert_int_eq(rates_validate(next, &err), 0);

    /* With no table in use at all, the document is the table. */
    struct rates *alone = NULL;
    ck_assert_int_eq(follow_document(NULL, text, len, &cfg, &alone, &rep, &err), 0);
    ck_assert_uint_eq(alone->n_regions, 2);
    ck_assert_uint_eq(rep.added, 2);

    rates_unref(alone);
    rates_unref(next);
    free(text);
    json_decref(doc);
    rates_unref(lead);
    rates_unref(cur);
}
END_TEST

struct bad_doc {
    const char *name;
    char *text; /* owned */
    size_t len;
    int code;
    bool rejected;
    const char *says;
};

/* Every bad document is refused with a sentence that says why, and nothing is built. */
START_TEST(bad_documents_are_refused)
{
    struct cf_config cfg;
    config_defaults(&cfg);
    struct rates *cur = load_snapshot();
    struct rates *lead = leader_table(0.041, 1798765200);
    size_t good_len;
    char *good = text_of(lead, &good_len);

    struct bad_doc cases[8];
    size_t n = 0;
    cases[n++] = (struct bad_doc){
        "truncated", strndup(good, good_len / 2), good_len / 2, CF_EJSON, false, "cut short"};
    cases[n++] = (struct bad_doc){"empty", strdup(""), 0, CF_EJSON, false, "not JSON"};
    cases[n++] = (struct bad_doc){
        "an HTML page", strdup("<html>502 Bad Gateway</html>"), 28, CF_EJSON, false, "not JSON"};

    json_t *doc = json_of(lead);
    json_object_set_new(doc, "format", json_string("computefit-rates/2"));
    cases[n] = (struct bad_doc){"a newer format", NULL, 0, CF_EINVAL, true, "computefit-rates/2"};
    cases[n].text = dump(doc, &cases[n].len);
    n++;
    json_decref(doc);

    doc = json_of(lead);
    json_object_set_new(
        json_object_get(json_object_get(region_of(doc, "us-east-1"), "fargate"), "x86_64"),
        "vcpu_hour_usd", json_real(-0.04));
    cases[n] = (struct bad_doc){"a price below 0", NULL, 0,
                                CF_EINVAL,         true, "fargate.x86_64.vcpu_hour_usd"};
    cases[n].text = dump(doc, &cases[n].len);
    n++;
    json_decref(doc);

    doc = json_of(lead);
    json_object_set_new(doc, "regions", json_array());
    cases[n] = (struct bad_doc){"no region", NULL, 0, CF_EINVAL, true, "regions"};
    cases[n].text = dump(doc, &cases[n].len);
    n++;
    json_decref(doc);

    /* Partial: us-east-1 without its EC2 rates (and the Spot advice that needs them). */
    doc = json_of(lead);
    json_t *us = region_of(doc, "us-east-1");
    json_object_set_new(us, "ec2_instances", json_null());
    json_object_del(us, "ec2_spot");
    json_object_set_new(json_object_get(us, "sources"), "ec2", json_null());
    json_object_del(json_object_get(us, "sources"), "ec2_spot");
    cases[n] = (struct bad_doc){"a region without its EC2 rates", NULL, 0, CF_EUPSTREAM, true,
                                "no ec2 rates for us-east-1"};
    cases[n].text = dump(doc, &cases[n].len);
    n++;
    json_decref(doc);

    for (size_t i = 0; i < n; i++) {
        struct rates *next = NULL;
        struct follow_report rep;
        struct cf_error err = {0};
        int r = follow_document(cur, cases[i].text, cases[i].len, &cfg, &next, &rep, &err);
        ck_assert_msg(r == cases[i].code, "%s: got %d (%s)", cases[i].name, r, err.message);
        ck_assert_ptr_null(next);
        ck_assert_msg(rep.rejected == cases[i].rejected, "%s: rejected %d", cases[i].name,
                      rep.rejected);
        ck_assert_msg(strstr(err.message, cases[i].says) != NULL, "%s: \"%s\" does not say %s",
                      cases[i].name, err.message, cases[i].says);
        free(cases[i].text);
    }
    free(good);
    rates_unref(lead);
    rates_unref(cur);
}
END_TEST

/* A rate that moved past max_price_change_factor is counted under its offer, and refuses the
 * document under strict_validation, as a live refresh's would. */
START_TEST(price_moves_are_counted_and_strict_refuses)
{
    struct cf_config cfg;
    config_defaults(&cfg);
    struct rates *cur = load_snapshot();
    struct rates *lead = leader_table(0.4048, 1798765200); /* ten times the rate in use */
    size_t len;
    char *text = text_of(lead, &len);
    struct rates *next = NULL;
    struct follow_report rep;
    struct cf_error err = {0};
    ck_assert_int_eq(follow_document(cur, text, len, &cfg, &next, &rep, &err), 0);
    ck_assert_uint_eq(rep.moves[CF_OFFER_FARGATE], 1);
    ck_assert_uint_eq(rep.moves_total, 1);
    rates_unref(next);
    next = NULL;

    cfg.strict_validation = true;
    ck_assert_int_eq(follow_document(cur, text, len, &cfg, &next, &rep, &err), CF_EUPSTREAM);
    ck_assert_ptr_null(next);
    ck_assert(rep.rejected);
    ck_assert_uint_eq(rep.moves[CF_OFFER_FARGATE], 1);
    ck_assert_ptr_nonnull(strstr(err.message, "strict_validation"));
    free(text);
    rates_unref(lead);
    rates_unref(cur);
}
END_TEST

/* ---- the refresher as a follower ---------------------------------------------------------- */

static struct upstream *up;
static struct cf_config cfg;
static struct pricing_cache *cache;
static struct refresher *rf;
static char state_dir[64];

static void put_doc(const struct rates *t)
{
    size_t len;
    char *text = text_of(t, &len);
    ck_assert_int_eq(upstream_put(up, DOC, text, len, "application/json"), 0);
    free(text);
}

static void setup(void)
{
    ck_assert_int_eq(upstream_start(NULL, &up), 0);
    config_defaults(&cfg);
    upstream_url(up, DOC, cfg.rates_url, sizeof(cfg.rates_url));
    /* AWS is nowhere to be asked: a follower must not try. */
    upstream_url(up, "/aws", cfg.pricing_url, sizeof(cfg.pricing_url));
    upstream_url(up, "/aws/spot.json", cfg.ec2_spot_advisor_url, sizeof(cfg.ec2_spot_advisor_url));
    cfg.fetch_retries = 0;
    cfg.fetch_timeout_s = 5;
    cfg.fetch_connect_timeout_s = 2;
    strcpy(state_dir, "/tmp/cf-follow-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(state_dir));
    snprintf(cfg.state_dir, sizeof(cfg.state_dir), "%s", state_dir);
    cache = pricing_cache_new();
    pricing_cache_swap(cache, load_snapshot());
    upstream_set_gzip(up, DOC, true);
    struct rates *lead = leader_table(0.041, 1798765200);
    put_doc(lead);
    rates_unref(lead);
}

static void start(void)
{
    struct cf_error err = {0};
    ck_assert_msg(refresher_new(&cfg, cache, NULL, NULL, &rf, &err) == 0, "%s", err.message);
}

static void teardown(void)
{
    refresher_free(rf);
    rf = NULL;
    pricing_cache_free(cache);
    upstream_stop(up);
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", state_dir, STATE_RATES_FILE);
    unlink(path);
    rmdir(state_dir);
}

static json_t *status(void)
{
    struct rates *t = pricing_cache_acquire(cache);
    json_t *j = refresher_status_json(rf, t, (int64_t)time(NULL));
    rates_unref(t);
    ck_assert_ptr_nonnull(j);
    return j;
}

static double fargate_vcpu(void)
{
    struct rates *t = pricing_cache_acquire(cache);
    double v = rates_region(t, "us-east-1")->fargate[CF_ARCH_X86_64].vcpu_hour_usd;
    rates_unref(t);
    return v;
}

START_TEST(follower_takes_the_document_then_304)
{
    start();
    struct cf_error err = {0};
    ck_assert_msg(refresher_run_once(rf, REFRESHER_ALL_OFFERS, &err) == 0, "%s", err.message);
    ck_assert_double_eq(fargate_vcpu(), 0.041);
    /* It asked for the document, gzip, and for nothing of AWS's. */
    struct upstream_stats st = upstream_stats(up, DOC);
    ck_assert_uint_eq(st.requests, 1);
    ck_assert_uint_eq(st.ok, 1);
    char ae[128];
    ck_assert(upstream_last_header(up, DOC, "Accept-Encoding", ae, sizeof(ae)));
    ck_assert_ptr_nonnull(strstr(ae, "gzip"));
    ck_assert_uint_eq(
        upstream_stats(up, "/aws/offers/v1.0/aws/AWSLambda/current/region_index.json").requests, 0);
    ck_assert_uint_eq(upstream_stats(up, "/aws/spot.json").requests, 0);

    /* The last known good is saved, with its source. */
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", state_dir, STATE_RATES_FILE);
    struct rates *saved = NULL;
    ck_assert_int_eq(rates_load_file(path, CF_SOURCE_STATE, &saved, &err), 0);
    ck_assert_double_eq(rates_region(saved, "us-east-1")->fargate[CF_ARCH_X86_64].vcpu_hour_usd,
                        0.041);
    rates_unref(saved);

    /* /pricing says where the rates came from. */
    json_t *j = status();
    json_t *ru = json_object_get(j, "rates_url");
    ck_assert_str_eq(json_string_value(json_object_get(ru, "url")), cfg.rates_url);
    ck_assert(json_is_null(json_object_get(ru, "last_error")));
    ck_assert(json_is_string(json_object_get(ru, "etag")));
    ck_assert_str_eq(json_string_value(json_object_get(ru, "built_at")), "2027-01-01T01:00:00Z");
    /* Gzip on the wire (this upstream's is stored blocks, not smaller: the fleet test sees a
     * leader's), the document's own size decoded. */
    ck_assert_int_gt(json_integer_value(json_object_get(ru, "wire_bytes")),
                     json_integer_value(json_object_get(ru, "bytes")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ru, "counts"), "ok")), 1);
    json_t *fargate = json_object_get(json_object_get(j, "offers"), "fargate");
    json_t *us = json_object_get(json_object_get(fargate, "regions"), "us-east-1");
    ck_assert_str_eq(json_string_value(json_object_get(us, "source")), "rates_url");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(us, "origin")), "AmazonECS"));
    ck_assert_int_eq(json_integer_value(json_object_get(fargate, "interval_s")), 300);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(fargate, "counts"), "ok")),
                     1);
    json_decref(j);

    /* Unchanged: a conditional GET, 304, the same table. */
    uint64_t gen = pricing_cache_generation(cache);
    ck_assert_int_eq(refresher_run_once(rf, REFRESHER_ALL_OFFERS, &err), 0);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen);
    ck_assert_uint_eq(upstream_stats(up, DOC).not_modified, 1);
    j = status();
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(json_object_get(j, "rates_url"), "counts"), "unchanged")),
                     1);
    json_decref(j);

    /* Changed: taken. */
    struct rates *lead = leader_table(0.042, 1798768800);
    put_doc(lead);
    rates_unref(lead);
    ck_assert_int_eq(refresher_run_once(rf, REFRESHER_ALL_OFFERS, &err), 0);
    ck_assert_double_eq(fargate_vcpu(), 0.042);
}
END_TEST

/* What the upstream does wrong; each is refused, the last good rates stay, and /pricing and the
 * counters say so; then the upstream heals and the next check takes the new document. */
struct serve_fault {
    const char *name;
    const char *body; /* served instead (NULL: the good document) */
    struct upstream_fault fault;
    long max_bytes; /* fetch_max_bytes (0: the default) */
    bool rejected;
    const char *says;
};

static const struct serve_fault serve_faults[] = {
    {"truncated transfer", NULL, {.truncate = true, .truncate_after = 5000}, 0, false, "GET"},
    {"HTTP 503", NULL, {.status = 503}, 0, false, "503"},
    {"not found", NULL, {.status = 404}, 0, false, "404"},
    {"cut-off document",
     "{\"format\": \"computefit-rates/1\", \"regions\": [",
     {0},
     0,
     false,
     "cut short"},
    {"wrong format",
     "{\"format\": \"computefit-rates/9\", \"built_at\": \"2027-01-01T00:00:00Z\", "
     "\"regions\": []}",
     {0},
     0,
     true,
     "computefit-rates/9"},
    {"a rate that is not a price", NULL, {0}, 0, true, "vcpu_hour_usd"}, /* body made in the test */
    {"larger than fetch_max_bytes", NULL, {0}, 4096, false, "GET"},
};
#define N_SERVE_FAULTS (sizeof(serve_faults) / sizeof(serve_faults[0]))

START_TEST(follower_keeps_its_last_good_rates)
{
    const struct serve_fault *c = &serve_faults[_i];
    if (c->max_bytes)
        cfg.fetch_max_bytes = c->max_bytes;
    start();
    struct cf_error err = {0};
    if (!c->max_bytes)
        ck_assert_int_eq(refresher_run_once(rf, REFRESHER_ALL_OFFERS, &err), 0);
    struct rates *before = pricing_cache_acquire(cache);
    uint64_t gen = pricing_cache_generation(cache);

    if (strcmp(c->name, "a rate that is not a price") == 0) {
        struct rates *lead = leader_table(0.043, 1798768800);
        json_t *doc = json_of(lead);
        json_object_set_new(
            json_object_get(json_object_get(region_of(doc, "us-east-1"), "fargate"), "x86_64"),
            "vcpu_hour_usd", json_string("0.043"));
        size_t len;
        char *text = dump(doc, &len);
        ck_assert_int_eq(upstream_put(up, DOC, text, len, NULL), 0);
        free(text);
        json_decref(doc);
        rates_unref(lead);
    } else if (c->body) {
        ck_assert_int_eq(upstream_put(up, DOC, c->body, strlen(c->body), NULL), 0);
    } else {
        struct rates *lead = leader_table(0.043, 1798768800);
        put_doc(lead);
        rates_unref(lead);
    }
    if (c->fault.status || c->fault.truncate)
        upstream_set_fault(up, DOC, &c->fault);
    if (c->fault.truncate)
        upstream_set_gzip(up, DOC, false); /* cut the document itself, not its gzip */

    ck_assert_int_ne(refresher_run_once(rf, REFRESHER_ALL_OFFERS, &err), 0);
    ck_assert_uint_eq(pricing_cache_generation(cache), gen);
    struct rates *after = pricing_cache_acquire(cache);
    ck_assert_ptr_eq(after, before);
    rates_unref(after);
    rates_unref(before);
    json_t *j = status();
    json_t *ru = json_object_get(j, "rates_url");
    const char *e = json_string_value(json_object_get(ru, "last_error"));
    ck_assert_msg(e && strstr(e, c->says), "%s: last_error \"%s\" lacks \"%s\"", c->name,
                  e ? e : "(null)", c->says);
    json_t *counts = json_object_get(ru, "counts");
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "failed")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "rejected")), c->rejected);
    json_t *ec2 = json_object_get(json_object_get(j, "offers"), "ec2");
    ck_assert_str_eq(json_string_value(json_object_get(ec2, "last_error")), e);
    json_decref(j);
    struct refresh_follow f;
    ck_assert(refresher_follow_status(rf, &f));
    ck_assert(f.failing);

    /* Healed: the next check takes the new document. */
    upstream_set_fault(up, DOC, NULL);
    cfg.fetch_max_bytes = 16777216;
    struct rates *lead = leader_table(0.044, 1798772400);
    put_doc(lead);
    rates_unref(lead);
    if (c->max_bytes) { /* the fetcher's own cap was fixed at its creation */
        refresher_free(rf);
        start();
    }
    ck_assert_msg(refresher_run_once(rf, REFRESHER_ALL_OFFERS, &err) == 0, "%s", err.message);
    ck_assert_double_eq(fargate_vcpu(), 0.044);
    ck_assert(refresher_follow_status(rf, &f));
    ck_assert(!f.failing);
}
END_TEST

/* Credentials in rates_url (user:password@, a pre-signed URL's query) never reach /pricing or
 * an error message. */
START_TEST(credentials_stay_out_of_the_status)
{
    char url[256];
    snprintf(url, sizeof(url), "http://fleet:s3cret@127.0.0.1:%u%s?X-Amz-Signature=abcdef",
             upstream_port(up), "/missing.json");
    snprintf(cfg.rates_url, sizeof(cfg.rates_url), "%s", url);
    start();
    struct cf_error err = {0};
    ck_assert_int_ne(refresher_run_once(rf, REFRESHER_ALL_OFFERS, &err), 0);
    json_t *j = status();
    char *text = json_dumps(j, 0);
    ck_assert_ptr_null(strstr(text, "s3cret"));
    ck_assert_ptr_null(strstr(text, "abcdef"));
    char shown[128];
    snprintf(shown, sizeof(shown), "http://127.0.0.1:%u/missing.json", upstream_port(up));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "rates_url"), "url")),
                     shown);
    ck_assert_ptr_nonnull(strstr(text, "404"));
    ck_assert_ptr_null(strstr(err.message, "s3cret"));
    free(text);
    json_decref(j);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("follow");
    TCase *doc = tcase_create("document");
    tcase_set_timeout(doc, 60);
    tcase_add_test(doc, document_replaces_its_regions_and_keeps_the_rest);
    tcase_add_test(doc, bad_documents_are_refused);
    tcase_add_test(doc, price_moves_are_counted_and_strict_refuses);
    suite_add_tcase(s, doc);
    TCase *tc = tcase_create("refresher");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, follower_takes_the_document_then_304);
    tcase_add_loop_test(tc, follower_keeps_its_last_good_rates, 0, (int)N_SERVE_FAULTS);
    tcase_add_test(tc, credentials_stay_out_of_the_status);
    suite_add_tcase(s, tc);
    int r = cf_test_run(s);
    curl_global_cleanup();
    return r;
}
