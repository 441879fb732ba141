/*
 * test_badinput.c - the bad input corpus (tests/bad-requests.jsonl) replayed against the server.
 *
 * Each line of the corpus is one malformed or absurd request: its name, method, path, headers,
 * body (text, or base64 in "body_b64" for bytes that are not UTF-8), and what a user should get
 * back: the status, the error code and, where one applies, the field the error must name (an
 * entry without "field" must get an error without one) and, optionally, words the message must
 * hold ("message_has"). "pad" expands a token in the path,
 * the headers and the body into a long run of text (bodies over the cap, 10,000-level nesting,
 * very long values) so the corpus stays readable. "server": "keyed" sends the request to a
 * second server that has api_keys and no admin_token.
 *
 * Every entry is replayed through tests/httpclient.c, so each exchange also goes to the contract
 * log and the `contract` test checks it against openapi/openapi.yaml. The test fails once,
 * listing every entry that did not get its answer; every answer must be a 4xx in the one error
 * shape (application/json, {"error":{"code","message"[,"field"]}}) with an X-Request-Id.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/log.h"
#include "computefit/metrics.h"
#include "computefit/model.h"
#include "computefit/rates_json.h"
#include "computefit/server.h"
#include "httpclient.h"
#include "testutil.h"

#define ADMIN_TOKEN "s3cret-admin"
#define API_KEYS    "key-one, key-two"

/* One server under test: its settings and what it borrows. */
struct fixture_server {
    struct cf_config cfg;
    struct cf_app app;
    struct cf_server *srv;
    unsigned port;
};

static struct fixture_server open_srv, keyed_srv;
static struct model *model;

static void server_up(struct fixture_server *s, const char *admin_token, const char *api_keys)
{
    config_defaults(&s->cfg);
    s->cfg.port = 0;
    strcpy(s->cfg.bind, "127.0.0.1");
    s->cfg.threads = 2;
    s->cfg.refresh_enabled = false;
    snprintf(s->cfg.admin_token, sizeof(s->cfg.admin_token), "%s", admin_token);
    snprintf(s->cfg.api_keys, sizeof(s->cfg.api_keys), "%s", api_keys);
    memset(&s->app, 0, sizeof(s->app));
    s->app.cfg = &s->cfg;
    s->app.cache = pricing_cache_new();
    s->app.model = model;
    s->app.metrics = metrics_new(app_routes, app_routes_count);
    atomic_init(&s->app.in_flight, 0);
    atomic_init(&s->app.stopping, false);
    ck_assert_ptr_nonnull(s->app.cache);
    ck_assert_ptr_nonnull(s->app.metrics);

    char *snap = cf_test_path("config/rates-snapshot.json");
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_load_file(snap, CF_SOURCE_SNAPSHOT, &r, &err), 0);
    free(snap);
    pricing_cache_swap(s->app.cache, r);

    ck_assert_int_eq(server_start(&s->app, app_routes, app_routes_count, &s->srv, &err), 0);
    s->port = server_port(s->srv);
}

static void server_down(struct fixture_server *s)
{
    server_stop(s->srv, 1000);
    s->srv = NULL;
    pricing_cache_free(s->app.cache);
    metrics_free(s->app.metrics);
}

static void setup(void)
{
    log_set_level(CF_LOG_WARN); /* 295 request lines would bury a failure's message */
    model = cf_test_model();
    server_up(&open_srv, ADMIN_TOKEN, "");
    server_up(&keyed_srv, "", API_KEYS);
}

static void teardown(void)
{
    server_down(&open_srv);
    server_down(&keyed_srv);
    model_free(model);
    model = NULL;
}

/* Returns a new malloc()ed copy of `text` with every `token` replaced by `times` copies of
 * `fill`. */
static char *expand(const char *text, const char *token, const char *fill, size_t times)
{
    size_t tl = token ? strlen(token) : 0, fl = strlen(fill), n = 0;
    for (const char *p = text; tl && (p = strstr(p, token)); p += tl)
        n++;
    char *out = malloc(strlen(text) + n * fl * times + 1);
    ck_assert_ptr_nonnull(out);
    char *w = out;
    for (const char *p = text; *p;) {
        if (tl && strncmp(p, token, tl) == 0) {
            for (size_t i = 0; i < times; i++, w += fl)
                memcpy(w, fill, fl);
            p += tl;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return out;
}

static int b64_value(char c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(alphabet, c) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* Decodes standard base64 (with '=' padding) into a new malloc()ed buffer. */
static char *b64_decode(const char *in, size_t *ret_len)
{
    size_t n = strlen(in);
    char *out = malloc(n / 4 * 3 + 1);
    ck_assert_ptr_nonnull(out);
    size_t len = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        int v = b64_value(*p);
        ck_assert_msg(v >= 0, "bad base64 in the corpus: %s", in);
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[len++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[len] = '\0';
    *ret_len = len;
    return out;
}

/* Appends one line to the failure report (a growing string). */
static void report(char **failures, size_t *n_failed, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(char **failures, size_t *n_failed, const char *name, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    char *grown = NULL;
    ck_assert_int_ge(asprintf(&grown, "%s  - %s: %s\n", *failures ? *failures : "", name, why), 0);
    free(*failures);
    *failures = grown;
    (*n_failed)++;
}

/* Checks one answer against its entry; returns NULL when it matches, else `why`, filled. */
static const char *judge(const json_t *entry, const struct http_result *r, char *why, size_t cap)
{
    long want_status = (long)json_integer_value(json_object_get(entry, "status"));
    const char *want_code = json_string_value(json_object_get(entry, "code"));
    const char *want_field = json_string_value(json_object_get(entry, "field"));
    const char *want_text = json_string_value(json_object_get(entry, "message_has"));
    if (r->curl_code != CURLE_OK) {
        snprintf(why, cap, "no answer (%s)", curl_easy_strerror(r->curl_code));
        return why;
    }
    if (r->status < 400 || r->status >= 500) {
        snprintf(why, cap, "status %ld is not a 4xx; body %.200s", r->status, r->body);
        return why;
    }
    char ct[128], id[128];
    if (!http_header(r, "Content-Type", ct, sizeof(ct)) || strcmp(ct, "application/json") != 0) {
        snprintf(why, cap, "Content-Type is not application/json");
        return why;
    }
    if (!http_header(r, "X-Request-Id", id, sizeof(id))) {
        snprintf(why, cap, "no X-Request-Id");
        return why;
    }
    json_t *doc = http_json(r);
    json_t *err = json_object_get(doc, "error");
    const char *code = json_string_value(json_object_get(err, "code"));
    const char *msg = json_string_value(json_object_get(err, "message"));
    const char *field = json_string_value(json_object_get(err, "field"));
    size_t keys = json_object_size(err);
    const char *bad = NULL;
    if (!json_is_object(doc) || json_object_size(doc) != 1 || !code || !msg)
        bad = "the body is not the error shape";
    else if (keys != 2u + (json_object_get(err, "field") ? 1u : 0u) ||
             (json_object_get(err, "field") && !field))
        bad = "the error object has other keys than code, message and field";
    else if (strlen(msg) < 20)
        bad = "the message is too short to say what was wrong";
    if (bad) {
        snprintf(why, cap, "%s: %.200s", bad, r->body);
    } else if (r->status != want_status || strcmp(code, want_code) != 0) {
        snprintf(why, cap, "got %ld %s, want %ld %s (%.200s)", r->status, code, want_status,
                 want_code, msg);
        bad = why;
    } else if ((want_field || field) && (!want_field || !field || strcmp(want_field, field))) {
        snprintf(why, cap, "field %s, want %s (%.200s)", field ? field : "(none)",
                 want_field ? want_field : "(none)", msg);
        bad = why;
    } else if (want_text && !strstr(msg, want_text)) {
        snprintf(why, cap, "the message does not say \"%s\": %.300s", want_text, msg);
        bad = why;
    }
    json_decref(doc);
    return bad ? why : NULL;
}

/* Sends one entry; returns the result (the caller frees it). */
static struct http_result replay(const json_t *entry)
{
    const json_t *pad = json_object_get(entry, "pad");
    const char *token = json_string_value(json_object_get(pad, "token"));
    const char *fill = pad ? json_string_value(json_object_get(pad, "text")) : "";
    size_t times = (size_t)json_integer_value(json_object_get(pad, "times"));
    const char *method = json_string_value(json_object_get(entry, "method"));
    const char *server = json_string_value(json_object_get(entry, "server"));
    unsigned port = server && strcmp(server, "keyed") == 0 ? keyed_srv.port : open_srv.port;

    char *path = expand(json_string_value(json_object_get(entry, "path")), token, fill, times);
    const json_t *hs = json_object_get(entry, "headers");
    size_t nh = json_array_size(hs);
    char **headers = calloc(nh + 1, sizeof(*headers));
    ck_assert_ptr_nonnull(headers);
    for (size_t i = 0; i < nh; i++)
        headers[i] = expand(json_string_value(json_array_get(hs, i)), token, fill, times);

    char *body = NULL;
    size_t body_len = 0;
    const char *text = json_string_value(json_object_get(entry, "body"));
    const char *b64 = json_string_value(json_object_get(entry, "body_b64"));
    if (text) {
        body = expand(text, token, fill, times);
        body_len = strlen(body);
    } else if (b64) {
        body = b64_decode(b64, &body_len);
    }
    struct http_result r =
        http_do(NULL, method, port, path, (const char *const *)headers, body, body_len);
    for (size_t i = 0; i < nh; i++)
        free(headers[i]);
    free(headers);
    free(body);
    free(path);
    return r;
}

START_TEST(every_bad_request_gets_its_4xx)
{
    size_t len = 0;
    char *text = cf_test_read("tests/bad-requests.jsonl", &len);
    char *failures = NULL;
    size_t n = 0, n_failed = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t jerr;
        json_t *entry = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
        ck_assert_msg(entry != NULL, "tests/bad-requests.jsonl entry %zu: %s", n + 1, jerr.text);
        const char *name = json_string_value(json_object_get(entry, "name"));
        ck_assert_msg(name && json_string_value(json_object_get(entry, "method")) &&
                          json_string_value(json_object_get(entry, "path")) &&
                          json_integer_value(json_object_get(entry, "status")) >= 400 &&
                          json_integer_value(json_object_get(entry, "status")) < 500 &&
                          json_string_value(json_object_get(entry, "code")),
                      "entry %zu lacks name, method, path, a 4xx status or code", n + 1);
        struct http_result r = replay(entry);
        char why[768];
        const char *bad = judge(entry, &r, why, sizeof(why));
        if (bad)
            report(&failures, &n_failed, name, "%s", bad);
        http_result_free(&r);
        json_decref(entry);
        n++;
    }
    free(text);
    /* The issue asks for at least 100 distinct requests across all routes. */
    ck_assert_uint_ge(n, 100);
    ck_assert_msg(n_failed == 0, "%zu of %zu bad requests did not get their answer:\n%s", n_failed,
                  n, failures ? failures : "");
    free(failures);
}
END_TEST

static Suite *badinput_suite(void)
{
    Suite *s = suite_create("badinput");
    TCase *tc = tcase_create("corpus");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_bad_request_gets_its_4xx);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cf_test_run(badinput_suite());
    curl_global_cleanup();
    return rc;
}
