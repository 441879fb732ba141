/*
 * fuzz_app.c - the service's request path without a socket (see fuzz_app.h).
 */
#include "fuzz_app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "computefit/app.h"
#include "computefit/config.h"
#include "computefit/model.h"
#include "computefit/pricing.h"
#include "computefit/rates_json.h"
#include "computefit/router.h"
#include "fuzz.h"

#ifdef CF_FUZZ_HAVE_LIBXML2
#include <libxml/parser.h>
#endif

static struct cf_config cfg;
static struct cf_app app;

void fuzz_app_init(void)
{
    if (app.cache)
        return;
    config_defaults(&cfg);
    struct cf_error err = {0};
    json_t *doc = fuzz_load_json("config/model.json");
    struct model *model = NULL;
    if (model_from_json(doc, &model, &err) != 0)
        fuzz_fail(__FILE__, __LINE__, "model", "model.json: %s: %s", err.field, err.message);
    json_decref(doc);

    const char *root = getenv("CF_SOURCE_ROOT");
    char path[4096];
    snprintf(path, sizeof(path), "%s/config/rates-snapshot.json",
             root && *root ? root : CF_FUZZ_SOURCE_ROOT);
    struct rates *rates = NULL;
    if (rates_load_file(path, CF_SOURCE_SNAPSHOT, &rates, &err) != 0)
        fuzz_fail(__FILE__, __LINE__, "rates", "%s: %s: %s", path, err.field, err.message);
    struct pricing_cache *cache = pricing_cache_new();
    if (!cache)
        fuzz_fail(__FILE__, __LINE__, "cache", "out of memory");
    pricing_cache_swap(cache, rates);

    snprintf(cfg.slack_signing_secret, sizeof(cfg.slack_signing_secret), "%s", FUZZ_SLACK_SECRET);
    snprintf(cfg.mattermost_token, sizeof(cfg.mattermost_token), "%s", FUZZ_MM_TOKEN);
    snprintf(cfg.teams_hmac_secret, sizeof(cfg.teams_hmac_secret), "%s", FUZZ_TEAMS_SECRET);

    /* Kept for the life of the process, as main.c keeps them for the server's. */
    app.cfg = &cfg;
    app.cache = cache;
    app.model = model;
}

static const struct fuzz_request *current;

static const char *fake_header(const struct http_request *req, const char *name)
{
    (void)req;
    if (strcasecmp(name, "Content-Type") == 0)
        return current->content_type ? current->content_type
               : current->body       ? "application/json"
                                     : NULL;
    if (strcasecmp(name, "Accept") == 0)
        return current->accept;
    for (const char *const *h = current->headers; h && h[0] && h[1]; h += 2)
        if (strcasecmp(name, h[0]) == 0)
            return h[1];
    return NULL;
}

static const char *fake_query(const struct http_request *req, const char *name)
{
    (void)req;
    for (size_t i = 0; i < current->n_args; i++)
        if (strcmp(current->keys[i], name) == 0)
            return current->values[i];
    return NULL;
}

static int fake_query_each(const struct http_request *req,
                           int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    (void)req;
    for (size_t i = 0; i < current->n_args; i++) {
        int r = fn(ctx, current->keys[i], current->values[i]);
        if (r)
            return r;
    }
    return 0;
}

static bool valid_utf8(const char *text, size_t len)
{
    json_t *s = json_stringn(text, len);
    json_decref(s);
    return s != NULL;
}

/* Text for chat-ops bots: at most six lines (text.h), and nothing a request put in it (a
 * task name, a region) may add a line or a control character to what a bot posts. */
static void check_text(const char *text, size_t len)
{
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n')
            lines++;
        else
            FUZZ_ASSERT((unsigned char)text[i] >= 0x20, "control byte 0x%02x in text",
                        (unsigned char)text[i]);
    }
    FUZZ_ASSERT(lines <= 6, "%zu lines of text:\n%.*s", lines, (int)len, text);
}

/* A chat answer (POST /chatops/...): Slack's and Mattermost's response_type and text, with
 * Slack's blocks within Block Kit's limits; Teams' message. */
static void check_chat(const json_t *doc, const char *path)
{
    const char *text = json_string_value(json_object_get(doc, "text"));
    FUZZ_ASSERT(text && *text, "a chat answer without text");
    if (strcmp(path, "/chatops/teams") == 0) {
        const char *type = json_string_value(json_object_get(doc, "type"));
        FUZZ_ASSERT(type && !strcmp(type, "message"), "a Teams answer that is no message");
        return;
    }
    const char *rt = json_string_value(json_object_get(doc, "response_type"));
    FUZZ_ASSERT(rt && (!strcmp(rt, "in_channel") || !strcmp(rt, "ephemeral")), "response_type %s",
                rt ? rt : "(none)");
    const json_t *blocks = json_object_get(doc, "blocks");
    FUZZ_ASSERT(!blocks || (json_array_size(blocks) > 0 && json_array_size(blocks) <= 50),
                "%zu blocks", json_array_size(blocks));
    size_t i;
    const json_t *b;
    json_array_foreach(blocks, i, b)
    {
        const json_t *t = json_object_get(b, "text");
        if (!t)
            t = json_array_get(json_object_get(b, "elements"), 0);
        const char *bt = json_string_value(json_object_get(t, "text"));
        FUZZ_ASSERT(bt && *bt && strlen(bt) <= 3000, "block %zu's text", i);
        FUZZ_ASSERT(!strchr(bt, '<') && !strchr(bt, '>'), "Slack markup in block %zu: %s", i, bt);
    }
}

/* An SVG chart must be well-formed XML, whatever the request's strings held. */
static void check_svg(const char *svg, size_t len)
{
#ifdef CF_FUZZ_HAVE_LIBXML2
    xmlDocPtr doc = xmlReadMemory(svg, (int)len, "chart.svg", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    FUZZ_ASSERT(doc != NULL, "the SVG is not well-formed XML:\n%.*s", (int)len, svg);
    xmlFreeDoc(doc);
#else
    FUZZ_ASSERT(len > 5 && memcmp(svg, "<svg ", 5) == 0, "not an SVG document");
#endif
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1, fmax(fabs(a), fabs(b)));
}

/* Whether the advice says it took a dearer option for its lower upkeep. */
static bool says_simpler(const json_t *adv)
{
    const char *basis =
        json_string_value(json_object_get(json_object_get(adv, "recommendation"), "basis"));
    return basis && strcmp(basis, "simpler") == 0;
}

/* One task's advice (the answer of /advise and /compare, or one task of a plan): every
 * feasible option has a cost that adds up (infrastructure + operations), every infeasible one
 * says why, and the recommendation is the cheapest feasible option, or one within the model's
 * margin (rules.close_cost_ratio) of it when the advice says it preferred less upkeep. */
static void check_advice(json_t *adv)
{
    json_t *options = json_object_get(adv, "options");
    const json_t *rec = json_object_get(adv, "recommendation");
    FUZZ_ASSERT(json_is_object(options), "advice without options");
    /* /compare answers 200 with no recommendation when no option is feasible. */
    FUZZ_ASSERT(json_is_object(rec) || json_is_null(rec), "advice without a recommendation");
    const char *winner = json_string_value(json_object_get(rec, "platform"));
    double best = (double)INFINITY;
    if (json_is_object(rec)) {
        const json_t *win = json_object_get(options, winner ? winner : "");
        FUZZ_ASSERT(win && json_is_true(json_object_get(win, "feasible")),
                    "the recommendation (%s) is not a feasible option", winner ? winner : "null");
        best = json_number_value(json_object_get(rec, "monthly_usd"));
        FUZZ_ASSERT(close_to(best, json_number_value(json_object_get(win, "monthly_usd"))),
                    "recommendation %g, option %g", best,
                    json_number_value(json_object_get(win, "monthly_usd")));
    }
    const char *name;
    json_t *o;
    json_object_foreach(options, name, o)
    {
        const json_t *blocked = json_object_get(o, "blocked_by");
        if (!json_is_true(json_object_get(o, "feasible"))) {
            FUZZ_ASSERT(json_array_size(blocked) > 0, "%s infeasible without a reason", name);
            continue;
        }
        FUZZ_ASSERT(winner != NULL, "%s is feasible, yet nothing is recommended", name);
        const json_t *m = json_object_get(o, "monthly_usd");
        FUZZ_ASSERT(json_is_number(m) && json_number_value(m) >= 0, "%s costs %s", name,
                    json_is_number(m) ? "a negative amount" : "nothing (not a number)");
        double floor = says_simpler(adv) ? best / app.model->rules.close_cost_ratio : best;
        FUZZ_ASSERT(json_number_value(m) >= floor * (1 - 1e-12),
                    "%s at %g is cheaper than %s at %g%s", name, json_number_value(m), winner, best,
                    says_simpler(adv) ? " by more than the model's margin" : "");
        const json_t *infra = json_object_get(o, "infrastructure_usd");
        const json_t *ops = json_object_get(o, "operations_usd");
        FUZZ_ASSERT(json_is_number(infra), "%s has no infrastructure cost", name);
        double total = json_number_value(infra) + json_number_value(ops); /* ops may be null */
        FUZZ_ASSERT(close_to(total, json_number_value(m)), "%s: %g + %g != %g", name,
                    json_number_value(infra), json_number_value(ops), json_number_value(m));
    }
}

static void check_response(const struct http_response *resp, const char *path)
{
    FUZZ_ASSERT(resp->status >= 200 && resp->status < 500, "status %d: %.*s", resp->status,
                (int)(resp->body_len < 600 ? resp->body_len : 600), resp->body ? resp->body : "");
    FUZZ_ASSERT(resp->body != NULL && resp->body_len > 0, "status %d without a body", resp->status);
    FUZZ_ASSERT(resp->content_type != NULL, "no content type");
    if (strcmp(resp->content_type, "application/json") != 0) {
        FUZZ_ASSERT(resp->status == 200, "a %d in %s", resp->status, resp->content_type);
        FUZZ_ASSERT(valid_utf8(resp->body, resp->body_len), "%s body is not UTF-8",
                    resp->content_type);
        if (strncmp(resp->content_type, "text/", 5) == 0)
            check_text(resp->body, resp->body_len);
        else
            check_svg(resp->body, resp->body_len);
        return;
    }
    json_error_t je;
    json_t *doc = json_loadb(resp->body, resp->body_len, JSON_REJECT_DUPLICATES, &je);
    FUZZ_ASSERT(doc != NULL, "response is not JSON: %s", je.text);
    if (resp->status != 200) {
        json_t *e = json_object_get(doc, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        FUZZ_ASSERT(code && msg && *msg, "error shape broken: %.300s", resp->body);
        FUZZ_ASSERT(resp->error_code && strcmp(code, resp->error_code) == 0, "code %s vs %s", code,
                    resp->error_code ? resp->error_code : "(none)");
    } else if (strncmp(path, "/chatops/", 9) == 0) {
        check_chat(doc, path);
    } else if (json_object_get(doc, "options")) {
        check_advice(doc);
    } else {
        json_t *tasks = json_object_get(json_object_get(doc, "plan"), "tasks");
        FUZZ_ASSERT(json_array_size(tasks) > 0, "a 200 that is neither advice nor a plan");
        size_t i;
        json_t *t;
        json_array_foreach(tasks, i, t) check_advice(t);
    }
    json_decref(doc);
}

int fuzz_app_run(const struct fuzz_request *fr)
{
    current = fr;
    struct http_request req = {
        .method = fr->method,
        .path = fr->path,
        .body = fr->body,
        .body_len = fr->body_len,
        .request_id = "fuzz",
        .header = fake_header,
        .query = fake_query,
        .query_each = fake_query_each,
        .app = &app,
    };
    struct http_response resp = {0};
    router_dispatch(app_routes, app_routes_count, &req, &resp);
    check_response(&resp, fr->path);
    int status = resp.status;
    http_response_clear(&resp);
    current = NULL;
    return status;
}
