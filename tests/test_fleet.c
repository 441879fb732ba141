/*
 * test_fleet.c - a fleet: one leader that reads the AWS Price List (a local upstream serving the
 * genuine offer files of tests/fixtures/) and two followers whose rates_url is the leader's
 * GET /pricing/export, each a real server in this process with its own cache, refresher thread
 * and state directory.
 *
 *  - the leader refreshes from the upstream; the followers take its table (and ask nothing of
 *    the upstream), gzipped, and say in /pricing and in answers where their rates came from;
 *  - the upstream publishes a new Fargate price; the leader's refresh swaps it in; a refresh of
 *    each follower (POST /pricing/refresh) brings it to them; an unchanged leader is a 304;
 *  - the leader goes down: the followers' next checks fail, they keep serving the leader's last
 *    rates, /pricing and /metrics show the error, and a follower restarted meanwhile starts
 *    from the same rates in its state directory.
 * Every exchange with the servers is also validated against the OpenAPI contract.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/gpu_specs.h"
#include "computefit/model.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"
#include "computefit/router.h"
#include "computefit/server.h"
#include "computefit/state.h"
#include "httpclient.h"
#include "served.h"
#include "testutil.h"
#include "upstream.h"

#define ECS_V1      "20250828172723"
#define ECS_V2      "20261201000000"
#define FOLLOWERS   2
#define TOKEN       "fleet-admin-token"
#define AUTH        "Authorization: Bearer " TOKEN
#define NEW_FARGATE 0.04148 /* the upstream's new us-east-1 x86 vCPU-hour (was 0.04048) */

static const char *const offer_codes[] = {"AWSLambda", "AmazonECS", "AmazonEC2"};
static const char *const genuine[] = {
    "tests/fixtures/concurrencylabs-awslambda__index.json",
    "tests/fixtures/opencost-ecs__ecs-pricing-us-east-1.json",
    "tests/fixtures/opencost-ec2__pricing-us-east-1.json",
};
static const char *const versions[] = {"20250101000000", ECS_V1, "20250102000000"};
#define REQUIRED ((1u << CF_OFFER_LAMBDA) | (1u << CF_OFFER_FARGATE) | (1u << CF_OFFER_EC2))

/* One computefit of the fleet. */
struct node {
    struct cf_config cfg;
    struct cf_app app;
    struct refresher *rf;
    struct cf_server *srv;
    unsigned port;
    char state_dir[64];
};

static struct upstream *up;
static struct gpu_specs *specs;
static struct model *model;
static struct node leader;
static struct node followers[FOLLOWERS];

static void put_offer(int o, const char *version, const char *body, size_t len)
{
    char path[256], index[256], doc[512];
    snprintf(path, sizeof(path), "/offers/v1.0/aws/%s/%s/us-east-1/index.json", offer_codes[o],
             version);
    ck_assert_int_eq(upstream_put(up, path, body, len, "application/json"), 0);
    int n = snprintf(doc, sizeof(doc),
                     "{\"formatVersion\": \"v1.0\", \"regions\": {\"us-east-1\": "
                     "{\"regionCode\": \"us-east-1\", \"currentVersionUrl\": \"%s\"}}}\n",
                     path);
    snprintf(index, sizeof(index), "/offers/v1.0/aws/%s/current/region_index.json", offer_codes[o]);
    ck_assert_int_eq(upstream_put(up, index, doc, (size_t)n, "application/json"), 0);
}

/* How many requests the upstream has had for the offers' files and indexes. */
static unsigned aws_requests(void)
{
    unsigned n = 0;
    char path[256];
    for (int o = 0; o < 3; o++) {
        snprintf(path, sizeof(path), "/offers/v1.0/aws/%s/current/region_index.json",
                 offer_codes[o]);
        n += upstream_stats(up, path).requests;
    }
    return n;
}

static void node_init(struct node *n, const char *state_template)
{
    snprintf(n->state_dir, sizeof(n->state_dir), "%s", state_template);
    served_config(&n->cfg, up, n->state_dir);
    n->cfg.ec2_spot_advisor_url[0] = '\0'; /* the Price List alone */
    snprintf(n->cfg.admin_token, sizeof(n->cfg.admin_token), "%s", TOKEN);
    served_app_init(&n->app, &n->cfg);
    n->app.model = model;
}

static void node_serve(struct node *n)
{
    struct cf_error err = {0};
    ck_assert_msg(refresher_new(&n->cfg, n->app.cache, specs, NULL, &n->rf, &err) == 0, "%s",
                  err.message);
    n->app.refresher = n->rf;
    ck_assert_int_eq(server_start(&n->app, app_routes, app_routes_count, &n->srv, &err), 0);
    n->port = server_port(n->srv);
}

static void node_free(struct node *n)
{
    server_stop(n->srv, 1000);
    n->srv = NULL;
    refresher_free(n->rf);
    n->rf = NULL;
    served_app_free(&n->app);
    served_state_dir_remove(n->state_dir);
}

static void setup(void)
{
    ck_assert_int_eq(upstream_start(NULL, &up), 0);
    for (int o = 0; o < 3; o++) {
        size_t len;
        char *body = cf_test_read(genuine[o], &len);
        put_offer(o, versions[o], body, len);
        free(body);
    }
    specs = served_gpu_specs();
    model = cf_test_model();

    node_init(&leader, "/tmp/cf-leader-XXXXXX");
    node_serve(&leader);
    for (int i = 0; i < FOLLOWERS; i++) {
        struct node *f = &followers[i];
        node_init(f, "/tmp/cf-follower-XXXXXX");
        snprintf(f->cfg.rates_url, sizeof(f->cfg.rates_url), "http://127.0.0.1:%u/pricing/export",
                 leader.port);
        node_serve(f);
    }
}

static void teardown(void)
{
    for (int i = 0; i < FOLLOWERS; i++)
        node_free(&followers[i]);
    node_free(&leader);
    model_free(model);
    gpu_specs_free(specs);
    upstream_stop(up);
}

/* Waits (bounded) until the refresher of `f` is idle. */
static void wait_idle(const struct node *f)
{
    for (int i = 0; i < 600 && refresher_busy(f->rf); i++) {
        struct timespec t = {0, 20 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    ck_assert_msg(!refresher_busy(f->rf), "follower on port %u stays busy", f->port);
}

/* Waits (bounded) until the check a started refresher makes at once is done. */
static void wait_first_check(const struct node *f)
{
    struct refresh_follow st;
    for (int i = 0; i < 600; i++) {
        ck_assert(refresher_follow_status(f->rf, &st));
        if (st.counts.attempts >= 1 && !refresher_busy(f->rf))
            return;
        struct timespec t = {0, 20 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    ck_abort_msg("follower on port %u made no first check", f->port);
}

/* Asks follower `f` for a refresh (POST /pricing/refresh) and waits until that check is done:
 * its attempts counter has passed the one before, and the thread is idle. A check already
 * running (the first one, at start) is waited for first: a refresh asked meanwhile would be
 * that one ("already_running"), not a new one. */
static void refresh_follower(struct node *f)
{
    wait_idle(f);
    struct refresh_follow st;
    ck_assert(refresher_follow_status(f->rf, &st));
    uint64_t before = st.counts.attempts;
    const char *hdr[] = {AUTH, "Content-Type: application/json", NULL};
    struct http_result r = http_do(NULL, "POST", f->port, "/pricing/refresh", hdr, "{}", 2);
    ck_assert_int_eq(r.status, 202);
    json_t *doc = http_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "refresh")), "started");
    json_decref(doc);
    http_result_free(&r);
    for (int i = 0; i < 600; i++) {
        ck_assert(refresher_follow_status(f->rf, &st));
        if (st.counts.attempts > before && !refresher_busy(f->rf))
            return;
        struct timespec t = {0, 20 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    ck_abort_msg("follower on port %u did not check its rates_url", f->port);
}

/* us-east-1's x86 Fargate vCPU-hour as node `n` serves it (GET /pricing/us-east-1). */
static double served_fargate(const struct node *n)
{
    json_t *doc = served_get_json((int)n->port, "/pricing/us-east-1", 200);
    double v = json_number_value(json_object_get(
        json_object_get(json_object_get(doc, "fargate"), "x86_64"), "vcpu_hour_usd"));
    json_decref(doc);
    return v;
}

static json_t *follow_status_of(const struct node *n)
{
    json_t *doc = served_get_json((int)n->port, "/pricing", 200);
    return doc;
}

/* Reads `name`'s value from a node's /metrics; fails when it is absent. */
static double metric(const struct node *n, const char *name)
{
    struct http_result r = http_do(NULL, "GET", n->port, "/metrics", NULL, NULL, 0);
    ck_assert_int_eq(r.status, 200);
    const char *p = strstr(r.body, name);
    ck_assert_msg(p != NULL, "no %s in /metrics", name);
    double v = strtod(p + strlen(name), NULL);
    http_result_free(&r);
    return v;
}

START_TEST(leader_swap_reaches_followers_who_outlive_it)
{
    struct cf_error err = {0};
    /* The leader reads AWS (the upstream); its refresher thread is not needed for that. */
    ck_assert_msg(refresher_run_once(leader.rf, REQUIRED, &err) == 0, "%s", err.message);
    ck_assert_double_eq(served_fargate(&leader), 0.04048);
    unsigned aws = aws_requests();

    /* The followers' threads: a first check at once, then every rates_url_interval. */
    for (int i = 0; i < FOLLOWERS; i++)
        ck_assert_int_eq(refresher_start(followers[i].rf), 0);
    for (int i = 0; i < FOLLOWERS; i++)
        wait_first_check(&followers[i]);
    json_t *lead_status = follow_status_of(&leader);
    ck_assert(json_is_null(json_object_get(lead_status, "rates_url")));
    const char *lead_built = json_string_value(json_object_get(lead_status, "built_at"));
    for (int i = 0; i < FOLLOWERS; i++) {
        struct node *f = &followers[i];
        json_t *st = follow_status_of(f);
        json_t *ru = json_object_get(st, "rates_url");
        ck_assert_msg(json_is_null(json_object_get(ru, "last_error")), "%s",
                      json_string_value(json_object_get(ru, "last_error")));
        /* The leader's table, gzipped on the wire (the 1.1 MB document in a tenth of it). */
        ck_assert_str_eq(json_string_value(json_object_get(ru, "built_at")), lead_built);
        ck_assert_str_eq(json_string_value(json_object_get(st, "built_at")), lead_built);
        ck_assert_int_lt(json_integer_value(json_object_get(ru, "wire_bytes")) * 5,
                         json_integer_value(json_object_get(ru, "bytes")));
        json_t *us = json_object_get(
            json_object_get(json_object_get(json_object_get(st, "offers"), "fargate"), "regions"),
            "us-east-1");
        ck_assert_str_eq(json_string_value(json_object_get(us, "source")), "rates_url");
        ck_assert_ptr_nonnull(
            strstr(json_string_value(json_object_get(us, "origin")), "/AmazonECS/" ECS_V1 "/"));
        json_decref(st);
        ck_assert_double_eq(served_fargate(f), 0.04048);
    }
    json_decref(lead_status);
    /* Only the leader read AWS. */
    ck_assert_uint_eq(aws_requests(), aws);

    /* AWS publishes a new Fargate price; the leader's refresh swaps it in ... */
    size_t len;
    char *ecs = cf_test_read(genuine[CF_OFFER_FARGATE], &len);
    char *at = strstr(ecs, "\"0.0404800000\"");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "\"0.0414800000\"", 14);
    at = strstr(ecs, "\"" ECS_V1 "\"");
    ck_assert_ptr_nonnull(at);
    memcpy(at, "\"" ECS_V2 "\"", strlen(ECS_V2) + 2);
    put_offer(CF_OFFER_FARGATE, ECS_V2, ecs, len);
    free(ecs);
    ck_assert_msg(refresher_run_once(leader.rf, 1u << CF_OFFER_FARGATE, &err) == 0, "%s",
                  err.message);
    ck_assert_double_eq(served_fargate(&leader), NEW_FARGATE);
    /* ... and each follower's next check brings it. */
    for (int i = 0; i < FOLLOWERS; i++) {
        refresh_follower(&followers[i]);
        ck_assert_double_eq(served_fargate(&followers[i]), NEW_FARGATE);
        /* An answer priced by a follower says where its rates came from. */
        json_t *adv = served_get_json((int)followers[i].port,
                                      "/advise?duration=30s&memory=2GB&invocations=500/day", 200);
        ck_assert_str_eq(
            json_string_value(json_object_get(json_object_get(adv, "pricing"), "source")),
            "rates_url");
        json_decref(adv);
    }
    /* A leader that has not changed answers a follower's check with 304. */
    struct refresh_follow st;
    refresh_follower(&followers[0]);
    ck_assert(refresher_follow_status(followers[0].rf, &st));
    ck_assert_uint_eq(st.counts.unchanged, 1);
    ck_assert_uint_eq(st.counts.ok, 2);

    /* The leader goes down. */
    server_stop(leader.srv, 1000);
    leader.srv = NULL;
    for (int i = 0; i < FOLLOWERS; i++) {
        struct node *f = &followers[i];
        double failed_before = metric(f, "computefit_refresh_outcomes_total{offer=\"fargate\","
                                         "outcome=\"failed\"}");
        refresh_follower(f);
        /* Its last good rates serve on, and it is still ready... */
        ck_assert_double_eq(served_fargate(f), NEW_FARGATE);
        json_t *ready = served_get_json((int)f->port, "/readyz", 200);
        json_decref(ready);
        /* ... and says why they are not newer. */
        json_t *s = follow_status_of(f);
        const char *e =
            json_string_value(json_object_get(json_object_get(s, "rates_url"), "last_error"));
        ck_assert_msg(e && strstr(e, "/pricing/export"), "last_error: %s", e ? e : "(null)");
        const char *offer_error = json_string_value(
            json_object_get(json_object_get(json_object_get(s, "offers"), "lambda"), "last_error"));
        ck_assert_str_eq(offer_error, e);
        json_decref(s);
        ck_assert_double_eq(metric(f, "computefit_rates_url_failing "), 1);
        ck_assert_double_eq(metric(f, "computefit_refresh_outcomes_total{offer=\"fargate\","
                                      "outcome=\"failed\"}"),
                            failed_before + 1);
        ck_assert_double_eq(metric(f, "computefit_rates_url_checks_total{outcome=\"failed\"}"), 1);
    }

    /* A follower that restarts while the leader is down starts from its state directory: the
     * leader's last rates, not the bundled snapshot's. */
    struct rates *restarted = NULL;
    ck_assert_int_eq(state_load_initial(&followers[1].cfg, &restarted, &err), 0);
    const struct region_rates *us = rates_region(restarted, "us-east-1");
    ck_assert_double_eq(us->fargate[CF_ARCH_X86_64].vcpu_hour_usd, NEW_FARGATE);
    ck_assert_int_eq(us->info[CF_OFFER_FARGATE].source, CF_SOURCE_STATE);
    ck_assert_str_eq(us->info[CF_OFFER_FARGATE].version, ECS_V2);
    rates_unref(restarted);
}
END_TEST

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create("fleet");
    TCase *tc = tcase_create("fleet");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, leader_swap_reaches_followers_who_outlive_it);
    suite_add_tcase(s, tc);
    int r = cf_test_run(s);
    curl_global_cleanup();
    return r;
}
