/*
 * test_router.c - routing and dispatch without sockets (h2o-style loopback).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "computefit/router.h"
#include "testutil.h"

static char seen_param[64]; /* copied: params die with the dispatch */

static void h_get(const struct http_request *req, const json_t *body, struct http_response *resp)
{
    (void)body;
    snprintf(seen_param, sizeof(seen_param), "%s", req->params[0]);
    http_response_json(resp, 200, json_pack("{s:s}", "region", req->params[0]));
}

static void h_post(const struct http_request *req, const json_t *body, struct http_response *resp)
{
    (void)req;
    http_response_json(resp, 201, json_deep_copy(body));
}

static const struct route routes[] = {
    {"GET", "/pricing", h_get, 0},
    {"GET", "/pricing/{region}", h_get, 0},
    {"POST", "/pricing/refresh", h_post, ROUTE_JSON_BODY},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *content_type;

static const char *fake_header(const struct http_request *req, const char *name)
{
    (void)req;
    return strcasecmp(name, "Content-Type") == 0 ? content_type : NULL;
}

static struct http_response run(const char *method, const char *path, const char *body)
{
    struct http_request req = {.method = method,
                               .path = path,
                               .body = body,
                               .body_len = body ? strlen(body) : 0,
                               .header = fake_header};
    struct http_response resp = {0};
    router_dispatch(routes, N_ROUTES, &req, &resp);
    return resp;
}

static const char *header_of(const struct http_response *r, const char *name)
{
    for (int i = 0; i < r->n_headers; i++)
        if (strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

START_TEST(path_params)
{
    struct http_response r = run("GET", "/pricing/eu-west-1", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(seen_param, "eu-west-1");
    http_response_clear(&r);

    r = run("HEAD", "/pricing/us-east-1", NULL);
    ck_assert_int_eq(r.status, 200);
    http_response_clear(&r);

    /* A parameter matches exactly one non-empty segment. */
    r = run("GET", "/pricing/a/b", NULL);
    ck_assert_int_eq(r.status, 404);
    http_response_clear(&r);
    r = run("GET", "/pricing/", NULL);
    ck_assert_int_eq(r.status, 404);
    http_response_clear(&r);
    r = run("GET", "/pricingx", NULL);
    ck_assert_int_eq(r.status, 404);
    ck_assert_str_eq(r.error_code, "not_found");
    http_response_clear(&r);
}
END_TEST

START_TEST(literal_beats_parameter_by_order_and_405_lists_methods)
{
    /* /pricing/refresh matches the {region} pattern for GET, and the literal route for POST. */
    struct http_response r = run("GET", "/pricing/refresh", NULL);
    ck_assert_int_eq(r.status, 200);
    http_response_clear(&r);

    r = run("DELETE", "/pricing/refresh", NULL);
    ck_assert_int_eq(r.status, 405);
    ck_assert_str_eq(header_of(&r, "Allow"), "GET, HEAD, POST, OPTIONS");
    http_response_clear(&r);

    r = run("OPTIONS", "/pricing", NULL);
    ck_assert_int_eq(r.status, 204);
    ck_assert_str_eq(header_of(&r, "Allow"), "GET, HEAD, OPTIONS");
    http_response_clear(&r);
}
END_TEST

START_TEST(json_body_checks)
{
    content_type = "text/plain";
    struct http_response r = run("POST", "/pricing/refresh", "{}");
    ck_assert_int_eq(r.status, 415);
    http_response_clear(&r);

    content_type = "application/json";
    r = run("POST", "/pricing/refresh", "{\"a\": [1, 2]}");
    ck_assert_int_eq(r.status, 201);
    ck_assert_str_eq(r.body, "{\"a\":[1,2]}");
    http_response_clear(&r);

    r = run("POST", "/pricing/refresh", "{\"a\": 1, \"a\": 2}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(r.error_code, "invalid_json");
    http_response_clear(&r);

    content_type = "application/jsonx";
    r = run("POST", "/pricing/refresh", "{}");
    ck_assert_int_eq(r.status, 415);
    http_response_clear(&r);
}
END_TEST

START_TEST(error_shape_survives_bad_utf8)
{
    /* A path with bytes that are not UTF-8 is echoed in the message; the body stays JSON. */
    struct http_response r = run("GET", "/\xff\xfe", NULL);
    ck_assert_int_eq(r.status, 404);
    json_t *doc = json_loadb(r.body, r.body_len, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "error"), "code")),
                     "not_found");
    json_decref(doc);
    http_response_clear(&r);
}
END_TEST

START_TEST(error_table_is_consistent)
{
    ck_assert_int_eq(cf_error_status(CF_EINVAL), 400);
    ck_assert_str_eq(cf_error_name(CF_EINVAL), "invalid_field");
    ck_assert_int_eq(cf_error_status(CF_ETOOBIG), 413);
    ck_assert_int_eq(cf_error_status(CF_EMEDIA), 415);
    ck_assert_int_eq(cf_error_status(CF_ENOPRICE), 503);
    ck_assert_int_eq(cf_error_status(12345), 500);
    struct cf_error e;
    cf_error_set(&e, CF_EINVAL, "duration", "bad %d", 1);
    cf_error_prefix_field(&e, "tasks[2]");
    ck_assert_str_eq(e.field, "tasks[2].duration");
    cf_error_set(&e, CF_EINVAL, "[0]", "bad");
    cf_error_prefix_field(&e, "tasks");
    ck_assert_str_eq(e.field, "tasks[0]");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("router");
    tcase_add_test(tc, path_params);
    tcase_add_test(tc, literal_beats_parameter_by_order_and_405_lists_methods);
    tcase_add_test(tc, json_body_checks);
    tcase_add_test(tc, error_shape_survives_bad_utf8);
    tcase_add_test(tc, error_table_is_consistent);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
