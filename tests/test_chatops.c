/*
 * test_chatops.c - the chat routes: each platform's proof of origin (Slack's worked example,
 * Teams' HMAC, Mattermost's token), then POST /chatops/{slack,mattermost,teams} through the
 * real server: signed, replayed or stale, tampered, oversized and malformed requests, the route
 * off without its secret, the answers' shapes, and no secret in the log.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "computefit/chatops.h"
#include "computefit/log.h"
#include "computefit/model.h"
#include "computefit/router.h"
#include "computefit/server.h"
#include "httpclient.h"
#include "served.h"
#include "testutil.h"

/* Slack's worked example ("Verifying requests from Slack", api.slack.com / docs.slack.dev). */
static const char doc_secret[] = "8f742231b10e8888abcd99yyyzzz85a5";
static const char doc_timestamp[] = "1531420618";
static const char doc_body[] =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
static const char doc_signature[] =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

/* The secrets of the served application (Teams': the security token of Microsoft's outgoing
 * webhook sample). None may show in the log. */
#define SLACK_SECRET "c0ffee-slack-signing-secret"
#define MM_TOKEN     "xr3j5x3p4pfn8e7bnutjjqffqa"
#define TEAMS_SECRET "vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA="
#define MAX_BODY     4096

START_TEST(slack_worked_example)
{
    int64_t ts = 1531420618;
    struct cf_error err = {0};
    ck_assert_int_eq(chatops_slack_verify(doc_secret, doc_timestamp, doc_signature, doc_body,
                                          strlen(doc_body), ts, &err),
                     0);
    /* Five minutes either way, and not a second more. */
    ck_assert_int_eq(chatops_slack_verify(doc_secret, doc_timestamp, doc_signature, doc_body,
                                          strlen(doc_body), ts + CHATOPS_MAX_SKEW_S, &err),
                     0);
    ck_assert_int_eq(chatops_slack_verify(doc_secret, doc_timestamp, doc_signature, doc_body,
                                          strlen(doc_body), ts - CHATOPS_MAX_SKEW_S, &err),
                     0);
    ck_assert_int_eq(chatops_slack_verify(doc_secret, doc_timestamp, doc_signature, doc_body,
                                          strlen(doc_body), ts + CHATOPS_MAX_SKEW_S + 1, &err),
                     CF_EUNAUTH);
    ck_assert_ptr_nonnull(strstr(err.message, "refused as a replay"));
    ck_assert_int_eq(chatops_slack_verify(doc_secret, doc_timestamp, doc_signature, doc_body,
                                          strlen(doc_body), ts - CHATOPS_MAX_SKEW_S - 1, &err),
                     CF_EUNAUTH);
    /* One byte changed anywhere: the body, the timestamp, the signature, the secret. */
    char body[sizeof(doc_body)];
    memcpy(body, doc_body, sizeof(body));
    body[sizeof(body) - 2] ^= 1;
    ck_assert_int_eq(chatops_slack_verify(doc_secret, doc_timestamp, doc_signature, body,
                                          strlen(body), ts, &err),
                     CF_EUNAUTH);
    ck_assert_ptr_nonnull(strstr(err.message, "does not match"));
    ck_assert_int_eq(chatops_slack_verify(doc_secret, "1531420619", doc_signature, doc_body,
                                          strlen(doc_body), ts, &err),
                     CF_EUNAUTH);
    char sig[sizeof(doc_signature)];
    memcpy(sig, doc_signature, sizeof(sig));
    sig[10] = sig[10] == 'a' ? 'b' : 'a';
    ck_assert_int_eq(
        chatops_slack_verify(doc_secret, doc_timestamp, sig, doc_body, strlen(doc_body), ts, &err),
        CF_EUNAUTH);
    ck_assert_int_eq(chatops_slack_verify("8f742231b10e8888abcd99yyyzzz85a6", doc_timestamp,
                                          doc_signature, doc_body, strlen(doc_body), ts, &err),
                     CF_EUNAUTH);
    /* Missing, short, long, upper-case or unprefixed signatures; timestamps that are not
     * seconds. */
    const char *sigs[] = {"",
                          "v0=",
                          "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
                          "v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666489C69B503",
                          "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
                          "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5030"};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        ck_assert_int_eq(chatops_slack_verify(doc_secret, doc_timestamp, sigs[i], doc_body,
                                              strlen(doc_body), ts, &err),
                         CF_EUNAUTH);
    const char *stamps[] = {"",           "-1531420618",         "1531420618.5", " 1531420618",
                            "0x5b47d0ca", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++)
        ck_assert_int_eq(chatops_slack_verify(doc_secret, stamps[i], doc_signature, doc_body,
                                              strlen(doc_body), ts, &err),
                         CF_EUNAUTH);
    ck_assert_int_eq(
        chatops_slack_verify(doc_secret, NULL, doc_signature, doc_body, strlen(doc_body), ts, &err),
        CF_EUNAUTH);
    ck_assert_int_eq(
        chatops_slack_verify(doc_secret, doc_timestamp, NULL, doc_body, strlen(doc_body), ts, &err),
        CF_EUNAUTH);
    /* The reasons never hold a secret or a signature. */
    ck_assert_ptr_null(strstr(err.message, doc_secret));
    ck_assert_ptr_null(strstr(err.message, "a2114d57"));
}
END_TEST

START_TEST(teams_hmac)
{
    /* Cross-checked with Python's hmac and base64 (Microsoft publishes no test vector):
     * base64(HMAC-SHA256(base64decode(TEAMS_SECRET), body)). */
    static const char body[] = "{\"type\":\"message\",\"text\":\"<at>computefit</at> help\"}";
    static const char good[] = "HMAC RNn4RWtdw6ZvEy8/OBdVTJ0JCYMDJhYsmD7zPQCxKsY=";
    struct cf_error err = {0};
    ck_assert_int_eq(chatops_teams_verify(TEAMS_SECRET, good, body, strlen(body), &err), 0);
    ck_assert_int_eq(chatops_teams_verify(
                         TEAMS_SECRET, "hmac  RNn4RWtdw6ZvEy8/OBdVTJ0JCYMDJhYsmD7zPQCxKsY=", body,
                         strlen(body), &err),
                     0);
    ck_assert_int_eq(chatops_teams_verify(TEAMS_SECRET, good, body, strlen(body) - 1, &err),
                     CF_EUNAUTH);
    ck_assert_ptr_nonnull(strstr(err.message, "does not match"));
    const char *bad[] = {NULL,
                         "",
                         "HMAC",
                         "HMAC ",
                         "Bearer RNn4RWtdw6ZvEy8/OBdVTJ0JCYMDJhYsmD7zPQCxKsY=",
                         "HMAC RNn4RWtdw6ZvEy8/OBdVTJ0JCYMDJhYsmD7zPQCxKsY",
                         "HMAC RNn4RWtdw6ZvEy8/OBdVTJ0JCYMDJhYsmD7zPQCxKsZ=",
                         "HMAC RNn4RWtdw6ZvEy8/OBdVTJ0JCYMDJhYsmD7zPQCxKsY==",
                         "RNn4RWtdw6ZvEy8/OBdVTJ0JCYMDJhYsmD7zPQCxKsY="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(chatops_teams_verify(TEAMS_SECRET, bad[i], body, strlen(body), &err),
                         CF_EUNAUTH);
    /* The key is the decoded secret: its base64 text as the key does not verify. */
    unsigned char mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), TEAMS_SECRET, (int)strlen(TEAMS_SECRET), (const unsigned char *)body,
         strlen(body), mac, &n);
    char b64[64] = "HMAC ";
    EVP_EncodeBlock((unsigned char *)b64 + 5, mac, 32);
    ck_assert_int_eq(chatops_teams_verify(TEAMS_SECRET, b64, body, strlen(body), &err), CF_EUNAUTH);
    ck_assert_ptr_null(strstr(err.message, TEAMS_SECRET));
}
END_TEST

START_TEST(tokens_and_teams_text)
{
    ck_assert(chatops_token_equal(MM_TOKEN, MM_TOKEN));
    ck_assert(!chatops_token_equal("xr3j5x3p4pfn8e7bnutjjqffqb", MM_TOKEN));
    ck_assert(!chatops_token_equal("xr3j5x3p4pfn8e7bnutjjqffq", MM_TOKEN));
    ck_assert(!chatops_token_equal("", MM_TOKEN));
    ck_assert(!chatops_token_equal(NULL, MM_TOKEN));

    char out[128], name[40];
    chatops_teams_text("<at>computefit</at>&nbsp;30s 1GB&nbsp;500/day s3\n", out, sizeof(out), name,
                       sizeof(name));
    ck_assert_str_eq(out, " 30s 1GB 500/day s3\n");
    ck_assert_str_eq(name, "@computefit");
    chatops_teams_text("  <AT>Cost Bot</AT> <at>Other</at> name=&quot;R&amp;D&quot; &lt;x&gt; "
                       "&#39;&apos; &unknown;",
                       out, sizeof(out), name, sizeof(name));
    ck_assert_str_eq(out, "name=\"R&D\" <x> '' &unknown;");
    ck_assert_str_eq(name, "@Cost Bot");
    chatops_teams_text("30s 1GB", out, sizeof(out), name, sizeof(name));
    ck_assert_str_eq(out, "30s 1GB");
    ck_assert_str_eq(name, "");
    /* An unclosed mention is text; a cut never splits a character. */
    chatops_teams_text("<at>x caf\xc3\xa9", out, 10, name, sizeof(name));
    ck_assert_str_eq(out, "<at>x caf");
}
END_TEST

/* ---- through the served application ---- */

static struct cf_config cfg;
static struct cf_app app;
static struct cf_server *srv;
static struct model *model;
static unsigned port;
static char log_path[] = "/tmp/cf-chatops-log-XXXXXX";
static int log_fd = -1;

static void start(bool secrets)
{
    config_defaults(&cfg);
    cfg.port = 0;
    strcpy(cfg.bind, "127.0.0.1");
    cfg.threads = 2;
    cfg.refresh_enabled = false;
    cfg.max_body_bytes = MAX_BODY;
    if (secrets) {
        strcpy(cfg.slack_signing_secret, SLACK_SECRET);
        strcpy(cfg.mattermost_token, MM_TOKEN);
        strcpy(cfg.teams_hmac_secret, TEAMS_SECRET);
    }
    served_app_init(&app, &cfg);
    model = cf_test_model();
    app.model = model;
    strcpy(log_path, "/tmp/cf-chatops-log-XXXXXX");
    log_fd = mkstemp(log_path);
    ck_assert_int_ge(log_fd, 0);
    log_set_fd(log_fd);
    log_set_level(CF_LOG_DEBUG);
    struct cf_error err = {0};
    ck_assert_int_eq(server_start(&app, app_routes, app_routes_count, &srv, &err), 0);
    port = server_port(srv);
}

static void setup_on(void)
{
    start(true);
}

static void setup_off(void)
{
    start(false);
}

static void teardown(void)
{
    server_stop(srv, 1000);
    srv = NULL;
    log_set_fd(2);
    /* Whatever was asked, no secret reached the log. */
    char text[1 << 16];
    ssize_t n = pread(log_fd, text, sizeof(text) - 1, 0);
    ck_assert_int_ge(n, 0);
    text[n] = '\0';
    ck_assert_msg(!strstr(text, SLACK_SECRET) && !strstr(text, MM_TOKEN) &&
                      !strstr(text, TEAMS_SECRET) && !strstr(text, "RNn4RWtdw6"),
                  "a secret is in the log");
    close(log_fd);
    unlink(log_path);
    served_app_free(&app);
    model_free(model);
    model = NULL;
}

/* A form body as Slack and Mattermost send it, with `text` already encoded. */
static void form(char *out, size_t cap, const char *token, const char *text)
{
    snprintf(out, cap,
             "token=%s&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_"
             "name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%%2Fcomputefit&text=%s&"
             "response_url=https%%3A%%2F%%2Fhooks.slack.com%%2Fcommands%%2FT1DC2JH3J%%2F1%%2Fx&"
             "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
             token, text);
}

/* Posts a Slack command signed with `secret` at `ts` (a signature of `signed_body` when it is
 * not NULL: a tampered request). */
static struct http_result slack_post(const char *body, const char *secret, int64_t ts,
                                     const char *signed_body, const char *content_type)
{
    char stamp[32], sig_header[128], ts_header[64], ct[96];
    snprintf(stamp, sizeof(stamp), "%lld", (long long)ts);
    const char *sb = signed_body ? signed_body : body;
    size_t base_len = strlen(stamp) + strlen(sb) + 4;
    char *base = malloc(base_len + 1);
    snprintf(base, base_len + 1, "v0:%s:%s", stamp, sb);
    unsigned char mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)base, base_len, mac, &n);
    free(base);
    int k = snprintf(sig_header, sizeof(sig_header), "X-Slack-Signature: v0=");
    for (size_t i = 0; i < 32; i++)
        k += snprintf(sig_header + k, sizeof(sig_header) - (size_t)k, "%02x", mac[i]);
    snprintf(ts_header, sizeof(ts_header), "X-Slack-Request-Timestamp: %s", stamp);
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    const char *headers[] = {ct, ts_header, sig_header, NULL};
    return http_do(NULL, "POST", port, "/chatops/slack", headers, body, strlen(body));
}

static struct http_result slack_command(const char *text)
{
    char body[2048];
    form(body, sizeof(body), "xyzz0WbapA4vBCDEFasx0q6G", text);
    return slack_post(body, SLACK_SECRET, (int64_t)time(NULL), NULL,
                      "application/x-www-form-urlencoded");
}

/* Checks an answer: 200, JSON, and returns it parsed (new reference). */
static json_t *ok_json(struct http_result *r)
{
    ck_assert_msg(r->status == 200, "status %ld: %s", r->status, r->body);
    char ct[64];
    ck_assert_str_eq(http_header(r, "Content-Type", ct, sizeof(ct)), "application/json");
    json_t *doc = http_json(r);
    ck_assert_ptr_nonnull(doc);
    http_result_free(r);
    return doc;
}

static const char *str_at(const json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));
    ck_assert_msg(s != NULL, "no string %s", key);
    return s;
}

/* Checks a 200 answer whose `key` is `value` and whose text holds each of the NULL-terminated
 * `parts`; frees the result. */
static void expect_chat(struct http_result *r, const char *key, const char *value,
                        const char *const *parts)
{
    json_t *doc = ok_json(r);
    ck_assert_str_eq(str_at(doc, key), value);
    for (const char *const *p = parts; *p; p++)
        ck_assert_msg(strstr(str_at(doc, "text"), *p), "\"%s\" is not in %s", *p,
                      str_at(doc, "text"));
    json_decref(doc);
}

#define EXPECT_CHAT(r, key, value, ...)                                                            \
    expect_chat(r, key, value, (const char *const[]){__VA_ARGS__, NULL})

/* Checks an error: `status`, the one error shape with `code`, then frees the result. */
static void expect_error(struct http_result *r, long status, const char *code)
{
    ck_assert_msg(r->status == status, "status %ld, expected %ld: %s", r->status, status, r->body);
    json_t *doc = http_json(r);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(str_at(json_object_get(doc, "error"), "code"), code);
    json_decref(doc);
    http_result_free(r);
}

START_TEST(slack_signed_command)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct http_result r = slack_command("30s+1GB+500%2Fday+s3");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Well inside Slack's 3 seconds (in milliseconds, in fact). */
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(s < 1.5, "answered in %.3f s", s);
    json_t *doc = ok_json(&r);
    ck_assert_str_eq(str_at(doc, "response_type"), "in_channel");
    ck_assert_ptr_nonnull(strstr(str_at(doc, "text"), "Recommendation: *"));
    json_t *blocks = json_object_get(doc, "blocks");
    ck_assert_uint_ge(json_array_size(blocks), 4);
    ck_assert_str_eq(str_at(json_array_get(blocks, 0), "type"), "section");
    ck_assert_ptr_nonnull(
        strstr(str_at(json_object_get(json_array_get(blocks, 1), "text"), "text"), "Monthly: "));
    json_decref(doc);
    /* The same request through /advise says the same. */
    r = http_do(NULL, "GET", port,
                "/advise?duration=30s&memory=1GB&invocations=500/day&trigger=s3&format=text", NULL,
                NULL, 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "Monthly: "));
    char monthly[256];
    snprintf(monthly, sizeof(monthly), "%.*s", (int)strcspn(strstr(r.body, "Monthly: "), "\n"),
             strstr(r.body, "Monthly: "));
    http_result_free(&r);
    r = slack_command("30s+1GB+500%2Fday+s3");
    doc = ok_json(&r);
    ck_assert_ptr_nonnull(strstr(str_at(doc, "text"), monthly));
    json_decref(doc);
}
END_TEST

START_TEST(slack_help_and_refusals_are_ephemeral)
{
    const char *texts[] = {"help", "", "+++"};
    for (size_t i = 0; i < 3; i++) {
        struct http_result r = slack_command(texts[i]);
        char raw[1 << 14];
        snprintf(raw, sizeof(raw), "%s", r.body);
        EXPECT_CHAT(&r, "response_type", "ephemeral", "`/computefit 30s 1GB 500/day s3`");
        ck_assert_ptr_null(strstr(raw, "\"blocks\""));
    }
    /* A word that cannot be read, named; a field the core refuses, with the word that set it;
     * a missing field, with an example. */
    struct {
        const char *text, *says;
    } cases[] = {
        {"30+1GB+500%2Fday", "\"30\" has no unit"},
        {"30s+1GB+500%2Fday+gpuu", "did you mean \"gpu\""},
        {"30s+99TB+500%2Fday", "\"99TB\": memory of"},
        {"30s+1GB", "gives no invocations: add one such as `500/day`"},
        {"30s+1GB+500%2Fday+%3C%21channel%3E", "&lt;!channel&gt;"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct http_result r = slack_command(cases[i].text);
        EXPECT_CHAT(&r, "response_type", "ephemeral", cases[i].says, "`/computefit help`");
    }
}
END_TEST

START_TEST(slack_replayed_tampered_unsigned)
{
    char body[2048];
    form(body, sizeof(body), "t", "30s+1GB+500%2Fday");
    const char *ct = "application/x-www-form-urlencoded";
    int64_t now = (int64_t)time(NULL);
    /* Replayed (or stale) and from the future: signed, but outside five minutes. */
    struct http_result r = slack_post(body, SLACK_SECRET, now - CHATOPS_MAX_SKEW_S - 5, NULL, ct);
    expect_error(&r, 401, "unauthorized");
    r = slack_post(body, SLACK_SECRET, now + CHATOPS_MAX_SKEW_S + 5, NULL, ct);
    expect_error(&r, 401, "unauthorized");
    /* Slack's own example, a genuine request years old. */
    const char *doc_headers[] = {
        "Content-Type: application/x-www-form-urlencoded", "X-Slack-Request-Timestamp: 1531420618",
        "X-Slack-Signature: "
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        NULL};
    r = http_do(NULL, "POST", port, "/chatops/slack", doc_headers, doc_body, strlen(doc_body));
    expect_error(&r, 401, "unauthorized");
    /* Tampered: a body other than the one signed; another secret. */
    char signed_body[2048];
    form(signed_body, sizeof(signed_body), "t", "30s+1GB+5%2Fday");
    r = slack_post(body, SLACK_SECRET, now, signed_body, ct);
    expect_error(&r, 401, "unauthorized");
    r = slack_post(body, "another-secret", now, NULL, ct);
    expect_error(&r, 401, "unauthorized");
    /* Unsigned. */
    const char *plain[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    r = http_do(NULL, "POST", port, "/chatops/slack", plain, body, strlen(body));
    expect_error(&r, 401, "unauthorized");
}
END_TEST

START_TEST(slack_oversized_and_malformed)
{
    /* Past max_body_bytes: 413 from Content-Length, before the body is read or checked. */
    char *big = malloc(MAX_BODY + 64);
    form(big, MAX_BODY + 64, "t", "");
    size_t n = strlen(big);
    memset(big + n, 'a', MAX_BODY + 63 - n);
    big[MAX_BODY + 63] = '\0';
    struct http_result r = slack_post(big, SLACK_SECRET, (int64_t)time(NULL), NULL,
                                      "application/x-www-form-urlencoded");
    expect_error(&r, 413, "body_too_large");
    free(big);
    /* Signed, but not a form: a bad escape, a pair without '=', no text, the wrong type. */
    const char *ct = "application/x-www-form-urlencoded";
    int64_t now = (int64_t)time(NULL);
    r = slack_post("token=t&text=30s%zz", SLACK_SECRET, now, NULL, ct);
    expect_error(&r, 400, "invalid_field");
    r = slack_post("token=t&text", SLACK_SECRET, now, NULL, ct);
    expect_error(&r, 400, "invalid_field");
    r = slack_post("token=t&command=%2Fcomputefit", SLACK_SECRET, now, NULL, ct);
    expect_error(&r, 400, "missing_field");
    r = slack_post("token=t&text=a&text=b", SLACK_SECRET, now, NULL, ct);
    expect_error(&r, 400, "invalid_field");
    r = slack_post("{\"text\":\"30s\"}", SLACK_SECRET, now, NULL, "application/json");
    expect_error(&r, 415, "unsupported_media_type");
    /* A command past the parser's limit is a refusal, not an error. */
    char body[4000];
    char text[1200];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    form(body, sizeof(body), "t", text);
    r = slack_post(body, SLACK_SECRET, now, NULL, ct);
    json_t *doc = ok_json(&r);
    ck_assert_ptr_nonnull(strstr(str_at(doc, "text"), "at most 1024"));
    json_decref(doc);
    /* Only POST. */
    r = http_do(NULL, "GET", port, "/chatops/slack", NULL, NULL, 0);
    expect_error(&r, 405, "method_not_allowed");
}
END_TEST

static struct http_result mattermost_post(const char *body, const char *content_type)
{
    char ct[96];
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    const char *headers[] = {ct, NULL};
    return http_do(NULL, "POST", port, "/chatops/mattermost", headers, body, strlen(body));
}

START_TEST(mattermost_commands)
{
    const char *ct = "application/x-www-form-urlencoded";
    char body[2048];
    form(body, sizeof(body), MM_TOKEN, "fine-tuning+1%2Fmonth");
    struct http_result r = mattermost_post(body, ct);
    /* The seed's fine-tuning job: ECS Managed Instances, the simpler within the margin of the
     * cheaper ECS on EC2 (README, "What the decision rules changed"). */
    EXPECT_CHAT(&r, "response_type", "in_channel", "Recommendation: **ECS Managed**",
                "Lambda _not possible_ (gpu)");
    /* Mattermost signs nothing: the same request again is answered again; the token is all
     * there is (README). */
    r = mattermost_post(body, ct);
    EXPECT_CHAT(&r, "response_type", "in_channel", "Recommendation: ");
    form(body, sizeof(body), MM_TOKEN, "help");
    r = mattermost_post(body, ct);
    EXPECT_CHAT(&r, "response_type", "ephemeral", "`/computefit 30s 1GB 500/day s3`");
    form(body, sizeof(body), MM_TOKEN, "30m+1GB+500%2Fday");
    r = mattermost_post(body, ct);
    EXPECT_CHAT(&r, "response_type", "ephemeral", "\"30m\" could be");
}
END_TEST

START_TEST(mattermost_refusals)
{
    const char *ct = "application/x-www-form-urlencoded";
    char body[2048];
    /* Tampered or missing token. */
    form(body, sizeof(body), "xr3j5x3p4pfn8e7bnutjjqffqb", "30s+1GB+500%2Fday");
    struct http_result r = mattermost_post(body, ct);
    expect_error(&r, 401, "unauthorized");
    form(body, sizeof(body), "", "30s+1GB+500%2Fday");
    r = mattermost_post(body, ct);
    expect_error(&r, 401, "unauthorized");
    r = mattermost_post("command=%2Fcomputefit&text=30s", ct);
    expect_error(&r, 401, "unauthorized");
    /* Malformed, wrong type, oversized. */
    r = mattermost_post("token=" MM_TOKEN "&&text=30s", ct);
    expect_error(&r, 400, "invalid_field");
    r = mattermost_post("token=" MM_TOKEN, ct);
    expect_error(&r, 400, "missing_field");
    r = mattermost_post("token=" MM_TOKEN "&text=30s", "text/plain");
    expect_error(&r, 415, "unsupported_media_type");
    char *big = malloc(MAX_BODY + 2);
    memset(big, 'a', MAX_BODY + 1);
    memcpy(big, "token=" MM_TOKEN "&text=", strlen("token=" MM_TOKEN "&text="));
    big[MAX_BODY + 1] = '\0';
    r = mattermost_post(big, ct);
    expect_error(&r, 413, "body_too_large");
    free(big);
}
END_TEST

/* Posts `body` to /chatops/teams signed with the served secret (a signature of `signed_body`
 * when it is not NULL: a tampered request). */
static struct http_result teams_post_typed(const char *body, const char *signed_body,
                                           const char *content_type)
{
    unsigned char key[64];
    int kn = EVP_DecodeBlock(key, (const unsigned char *)TEAMS_SECRET, strlen(TEAMS_SECRET)) - 1;
    const char *sb = signed_body ? signed_body : body;
    unsigned char mac[32];
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, kn, (const unsigned char *)sb, strlen(sb), mac, &n);
    char auth[96] = "Authorization: HMAC ";
    EVP_EncodeBlock((unsigned char *)auth + strlen(auth), mac, 32);
    char ct[96];
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    const char *headers[] = {ct, auth, NULL};
    return http_do(NULL, "POST", port, "/chatops/teams", headers, body, strlen(body));
}

static struct http_result teams_post_body(const char *body, const char *signed_body)
{
    return teams_post_typed(body, signed_body, "application/json");
}

/* A Teams Activity with `text` (JSON-escaped already), sent `age_s` seconds ago. */
static void teams_body(char *out, size_t cap, const char *text, int64_t age_s)
{
    time_t t = time(NULL) - age_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[40];
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S.4473082Z", &tm);
    snprintf(out, cap,
             "{\"type\":\"message\",\"id\":\"1485983408511\",\"timestamp\":\"%s\","
             "\"serviceUrl\":\"https://smba.trafficmanager.net/amer/\",\"channelId\":\"msteams\","
             "\"from\":{\"id\":\"29:1\",\"name\":\"Roadrunner\"},\"textFormat\":\"plain\","
             "\"text\":\"%s\"}",
             stamp, text);
}

START_TEST(teams_messages)
{
    char body[2048];
    teams_body(body, sizeof(body), "<at>computefit</at>&nbsp;30s 1GB 500/day s3\\n", 0);
    struct http_result r = teams_post_body(body, NULL);
    EXPECT_CHAT(&r, "type", "message", "Recommendation: **", "\n\nMonthly: ");
    /* The usage names the bot as it was mentioned. */
    teams_body(body, sizeof(body), "<at>Cost Bot</at> help", 0);
    r = teams_post_body(body, NULL);
    EXPECT_CHAT(&r, "type", "message", "`@Cost Bot 30s 1GB 500/day s3`");
    /* Two minutes late is still fresh; a refusal names its word. */
    teams_body(body, sizeof(body), "<at>computefit</at> 1s 1GB 10/s", 120);
    r = teams_post_body(body, NULL);
    EXPECT_CHAT(&r, "type", "message", "Recommendation: ");
    teams_body(body, sizeof(body), "<at>computefit</at> 1s 1GB 10", 0);
    r = teams_post_body(body, NULL);
    EXPECT_CHAT(&r, "type", "message", "\"10\" has no unit", "`@computefit help`");
}
END_TEST

START_TEST(teams_refusals)
{
    char body[2048];
    /* Stale (a replay) or from the future: signed, and refused. */
    teams_body(body, sizeof(body), "<at>computefit</at> 30s 1GB 500/day", CHATOPS_MAX_SKEW_S + 5);
    struct http_result r = teams_post_body(body, NULL);
    expect_error(&r, 401, "unauthorized");
    teams_body(body, sizeof(body), "<at>computefit</at> 30s 1GB 500/day", -CHATOPS_MAX_SKEW_S - 5);
    r = teams_post_body(body, NULL);
    expect_error(&r, 401, "unauthorized");
    /* Tampered: another body signed. */
    char other[2048];
    teams_body(body, sizeof(body), "<at>computefit</at> 30s 1GB 500/day", 0);
    teams_body(other, sizeof(other), "<at>computefit</at> 30s 1GB 5/day", 0);
    r = teams_post_body(body, other);
    expect_error(&r, 401, "unauthorized");
    /* Unsigned; signed as Slack would. */
    const char *unsigned_headers[] = {"Content-Type: application/json", NULL};
    r = http_do(NULL, "POST", port, "/chatops/teams", unsigned_headers, body, strlen(body));
    expect_error(&r, 401, "unauthorized");
    /* Signed but malformed: not JSON, not an object, no text, no timestamp. */
    r = teams_post_body("{\"text\": ", NULL);
    expect_error(&r, 400, "invalid_json");
    r = teams_post_body("[\"text\"]", NULL);
    expect_error(&r, 400, "invalid_json");
    r = teams_post_body("{\"type\":\"message\",\"timestamp\":\"2026-01-01T00:00:00Z\"}", NULL);
    expect_error(&r, 400, "invalid_json");
    r = teams_post_body("{\"type\":\"message\",\"text\":\"30s\"}", NULL);
    expect_error(&r, 400, "invalid_field");
    r = teams_post_body("{\"type\":\"message\",\"text\":\"30s\",\"timestamp\":\"yesterday\"}",
                        NULL);
    expect_error(&r, 400, "invalid_field");
    r = teams_post_body("", NULL);
    expect_error(&r, 400, "invalid_json");
    /* The wrong type, signed. */
    r = teams_post_typed(body, NULL, "application/x-www-form-urlencoded");
    expect_error(&r, 415, "unsupported_media_type");
    /* Oversized. */
    char *big = malloc(MAX_BODY + 100);
    memset(big, ' ', MAX_BODY + 99);
    big[MAX_BODY + 99] = '\0';
    big[0] = '{';
    big[MAX_BODY + 98] = '}';
    r = teams_post_body(big, NULL);
    expect_error(&r, 413, "body_too_large");
    free(big);
}
END_TEST

START_TEST(routes_off_without_secrets)
{
    char body[2048];
    form(body, sizeof(body), MM_TOKEN, "30s+1GB+500%2Fday");
    struct http_result r = slack_post(body, SLACK_SECRET, (int64_t)time(NULL), NULL,
                                      "application/x-www-form-urlencoded");
    expect_error(&r, 404, "not_found");
    r = mattermost_post(body, "application/x-www-form-urlencoded");
    expect_error(&r, 404, "not_found");
    teams_body(body, sizeof(body), "<at>computefit</at> 30s 1GB 500/day", 0);
    r = teams_post_body(body, NULL);
    expect_error(&r, 404, "not_found");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chatops");
    TCase *tc = tcase_create("verify");
    tcase_add_test(tc, slack_worked_example);
    tcase_add_test(tc, teams_hmac);
    tcase_add_test(tc, tokens_and_teams_text);
    suite_add_tcase(s, tc);
    tc = tcase_create("served");
    tcase_add_checked_fixture(tc, setup_on, teardown);
    tcase_add_test(tc, slack_signed_command);
    tcase_add_test(tc, slack_help_and_refusals_are_ephemeral);
    tcase_add_test(tc, slack_replayed_tampered_unsigned);
    tcase_add_test(tc, slack_oversized_and_malformed);
    tcase_add_test(tc, mattermost_commands);
    tcase_add_test(tc, mattermost_refusals);
    tcase_add_test(tc, teams_messages);
    tcase_add_test(tc, teams_refusals);
    suite_add_tcase(s, tc);
    tc = tcase_create("off");
    tcase_add_checked_fixture(tc, setup_off, teardown);
    tcase_add_test(tc, routes_off_without_secrets);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
