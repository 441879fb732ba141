/*
 * chatops.c - POST /chatops/slack, /chatops/mattermost and /chatops/teams (see chatops.h).
 *
 * How each platform proves a request is its own:
 * - Slack signs every request: X-Slack-Signature is "v0=" and the hex HMAC-SHA256, keyed with
 *   the app's signing secret, of "v0:{X-Slack-Request-Timestamp}:{raw body}". The timestamp is
 *   signed, so a request more than CHATOPS_MAX_SKEW_S away from our clock is a replay (or a
 *   wrong clock) and is refused. Checked before the body is read at all.
 * - Teams signs every outgoing-webhook message: "Authorization: HMAC {base64 HMAC-SHA256 of the
 *   raw body}", keyed with the base64-decoded security token. The Activity's own timestamp is
 *   inside the signed body and gets the same window as Slack's. Checked before the body is
 *   parsed.
 * - Mattermost signs nothing: the slash command's token comes in the form body as `token`, so
 *   the form is decoded first (a malformed body is a 400 before the token is looked at), and a
 *   captured request can be replayed for as long as the token is valid. That is Mattermost's
 *   design; the README says so.
 * HMACs and digests are OpenSSL's (libcrypto), compared with CRYPTO_memcmp; keys decoded on the
 * stack are wiped with OPENSSL_cleanse.
 *
 * The command is answered by handlers_answer() with core_advise(), as POST /advise is, and
 * rendered by render_chat(): no work beyond /advise's, well inside Slack's 3 seconds.
 */
#include "computefit/chatops.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "computefit/app.h"
#include "computefit/command.h"
#include "computefit/form.h"
#include "computefit/handlers.h"
#include "computefit/isotime.h"
#include "computefit/render.h"
#include "computefit/units.h"
#include "computefit/utf8.h"

#define SHA256_LEN      32
#define SLACK_SIG_LEN   (3 + 2 * SHA256_LEN) /* "v0=" and the hex */
#define TEAMS_SIG_LEN   44                   /* base64 of 32 bytes, with its padding */
#define USAGE_MAX       2048
#define INVOCATION_MAX  COMMAND_QUOTE_LEN
#define FORM_MEDIA_TYPE "application/x-www-form-urlencoded"

static int unauthorized(struct cf_error *reterr, const char *why)
{
    return cf_error_set(reterr, CF_EUNAUTH, NULL, "%s", why);
}

static bool hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                        unsigned char out[SHA256_LEN])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) && n == SHA256_LEN;
}

int chatops_slack_verify(const char *secret, const char *timestamp, const char *signature,
                         const char *body, size_t len, int64_t now, struct cf_error *reterr)
{
    if (!timestamp || !signature)
        return unauthorized(reterr, "The request is not signed: Slack sends "
                                    "X-Slack-Request-Timestamp and X-Slack-Signature.");
    size_t tn = strlen(timestamp);
    if (tn == 0 || tn > 12 || strspn(timestamp, "0123456789") != tn)
        return unauthorized(reterr, "X-Slack-Request-Timestamp must be Unix seconds.");
    int64_t ts = strtoll(timestamp, NULL, 10);
    if (ts < now - CHATOPS_MAX_SKEW_S || ts > now + CHATOPS_MAX_SKEW_S)
        return cf_error_set(reterr, CF_EUNAUTH, NULL,
                            "The request was signed %lld s from the server's clock; more than "
                            "%d s either way is refused as a replay.",
                            (long long)(now - ts), CHATOPS_MAX_SKEW_S);
    size_t base_len = 3 + tn + 1 + len;
    char *base = malloc(base_len);
    if (!base)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
    memcpy(base, "v0:", 3);
    memcpy(base + 3, timestamp, tn);
    base[3 + tn] = ':';
    if (len)
        memcpy(base + 4 + tn, body, len);
    unsigned char mac[SHA256_LEN];
    bool ok = hmac_sha256(secret, strlen(secret), base, base_len, mac);
    free(base);
    if (!ok)
        return cf_error_set(reterr, CF_EINTERNAL, NULL, "The signature could not be computed.");
    static const char hex[] = "0123456789abcdef";
    char want[SLACK_SIG_LEN + 1] = "v0=";
    for (size_t i = 0; i < SHA256_LEN; i++) {
        want[3 + 2 * i] = hex[mac[i] >> 4];
        want[4 + 2 * i] = hex[mac[i] & 15];
    }
    want[SLACK_SIG_LEN] = '\0';
    if (strlen(signature) != SLACK_SIG_LEN || CRYPTO_memcmp(want, signature, SLACK_SIG_LEN) != 0)
        return unauthorized(reterr, "X-Slack-Signature does not match the request: it was not "
                                    "signed with this server's slack_signing_secret, or it "
                                    "was changed on the way.");
    return 0;
}

int chatops_teams_verify(const char *secret_b64, const char *authorization, const char *body,
                         size_t len, struct cf_error *reterr)
{
    if (!authorization || strncasecmp(authorization, "HMAC ", 5) != 0)
        return unauthorized(reterr, "The request is not signed: Teams sends 'Authorization: "
                                    "HMAC <signature>'.");
    const char *given = authorization + 5;
    while (*given == ' ')
        given++;
    size_t sn = strlen(secret_b64);
    unsigned char key[3 * 128 / 4 + 3]; /* the secret is at most 127 bytes of base64 */
    if (sn >= 128 || sn % 4)
        return cf_error_set(reterr, CF_EINTERNAL, NULL, "teams_hmac_secret is not base64.");
    int kn = EVP_DecodeBlock(key, (const unsigned char *)secret_b64, (int)sn);
    if (kn < 0)
        return cf_error_set(reterr, CF_EINTERNAL, NULL, "teams_hmac_secret is not base64.");
    for (size_t i = sn; i > 0 && secret_b64[i - 1] == '='; i--)
        kn--; /* EVP_DecodeBlock counts the padding as zero bytes */
    unsigned char mac[SHA256_LEN];
    bool ok = hmac_sha256(key, (size_t)kn, len ? body : "", len, mac);
    OPENSSL_cleanse(key, sizeof(key));
    if (!ok)
        return cf_error_set(reterr, CF_EINTERNAL, NULL, "The signature could not be computed.");
    char want[TEAMS_SIG_LEN + 1];
    EVP_EncodeBlock((unsigned char *)want, mac, SHA256_LEN);
    if (strlen(given) != TEAMS_SIG_LEN || CRYPTO_memcmp(want, given, TEAMS_SIG_LEN) != 0)
        return unauthorized(reterr, "The Authorization HMAC does not match the request: it was "
                                    "not signed with this server's teams_hmac_secret, or it was "
                                    "changed on the way.");
    return 0;
}

bool chatops_token_equal(const char *given, const char *want)
{
    unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    unsigned int na = 0, nb = 0;
    if (!given || !want || !EVP_Digest(given, strlen(given), a, &na, EVP_sha256(), NULL) ||
        !EVP_Digest(want, strlen(want), b, &nb, EVP_sha256(), NULL) || na != nb)
        return false;
    return CRYPTO_memcmp(a, b, na) == 0;
}

/* HTML's entities that chat platforms write into the text they send. */
static const struct {
    const char *entity;
    char c;
} entities[] = {{"&nbsp;", ' '}, {"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};

#define N_ENTITIES (sizeof(entities) / sizeof(entities[0]))

/* The length of the entity at s, with its character in *ret_c; 0 when there is none. */
static size_t entity_at(const char *s, char *ret_c)
{
    for (size_t i = 0; i < N_ENTITIES; i++) {
        size_t n = strlen(entities[i].entity);
        if (!strncmp(s, entities[i].entity, n)) {
            *ret_c = entities[i].c;
            return n;
        }
    }
    return 0;
}

/* Copies `in` into out[0..cap) with the entities decoded, cut at a character boundary. */
static void unescape(const char *in, char *out, size_t cap)
{
    size_t k = 0;
    while (*in && k + 1 < cap) {
        char c = *in;
        size_t n = *in == '&' ? entity_at(in, &c) : 0;
        out[k++] = c;
        in += n ? n : 1;
    }
    out[utf8_cut(out, k)] = '\0';
}

/* Skips the mentions that start a Teams message's text ("<at>Name</at>"), copying the first
 * one's name, prefixed "@", into name[0..name_cap) ("" without one). Returns what follows. */
static const char *skip_mentions(const char *text, char *name, size_t name_cap)
{
    if (name_cap)
        name[0] = '\0';
    for (;;) {
        while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
            text++;
        const char *end = strncasecmp(text, "<at>", 4) == 0 ? strcasestr(text, "</at>") : NULL;
        if (!end)
            break;
        if (name_cap && !name[0])
            snprintf(name, name_cap, "@%.*s", (int)(end - text - 4), text + 4);
        text = end + 5;
    }
    if (name_cap)
        name[utf8_cut(name, strlen(name))] = '\0';
    return text;
}

void chatops_teams_text(const char *text, char *out, size_t cap, char *name, size_t name_cap)
{
    text = skip_mentions(text, name, name_cap);
    if (cap)
        unescape(text, out, cap);
}

/* ---- answers ---- */

static void reply(struct http_response *resp, json_t *doc)
{
    if (!doc)
        http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
    else
        http_response_json(resp, 200, doc);
}

/* A message for the caller alone. `code` (0 for the usage) is logged as the request's error. */
static void reply_notice(struct http_response *resp, enum chat_platform p, int code,
                         const char *text)
{
    reply(resp, render_chat_notice(p, text));
    if (code && resp->status == 200)
        resp->error_code = cf_error_name(code);
}

/* Says why a command is refused, naming the words that set the field at fault. */
static void refuse(struct http_response *resp, enum chat_platform p, const char *invocation,
                   const struct command *cmd, const struct cf_error *err)
{
    char text[1024];
    const char *word = command_word(cmd, err->field);
    const char *example = err->code == CF_EMISSING ? command_example(err->field) : NULL;
    if (example)
        snprintf(text, sizeof(text),
                 "The command gives no %s: add one such as `%s`, or start from a preset. `%s "
                 "help` shows how.",
                 err->field, example, invocation);
    else
        snprintf(text, sizeof(text), "%s%s%s%s\n`%s help` shows how to write a command.",
                 word ? "\"" : "", word ? word : "", word ? "\": " : "", err->message, invocation);
    text[utf8_cut(text, strlen(text))] = '\0';
    utf8_sanitize(text); /* the core's messages quote input as ASCII; this keeps it so */
    reply_notice(resp, p, err->code, text);
}

struct chat_reply {
    struct http_response *resp;
    enum chat_platform p;
    const struct cf_config *cfg;
};

static void reply_answer(const struct cf_answer *ans, void *ctx)
{
    struct chat_reply *r = ctx;
    struct render_opts opts = {(int64_t)time(NULL), r->cfg->stale_after_s};
    reply(r->resp, render_chat(r->p, ans, &opts));
}

/* Answers the command `text`, typed as `invocation` ("/computefit"; may be NULL), on p. */
static void answer_command(const struct http_request *req, enum chat_platform p, const char *text,
                           const char *invocation, struct http_response *resp)
{
    const struct cf_app *app = req->app;
    char inv[INVOCATION_MAX];
    units_quote(invocation && *invocation ? invocation : "/computefit", inv, sizeof(inv));
    if (!app->model) {
        reply_notice(resp, p, CF_EBUSY,
                     "computefit is starting and cannot answer yet; try again in a minute.");
        return;
    }
    struct command cmd;
    struct cf_error err = {0};
    int r = command_parse(text, app->model, &cmd, &err);
    if (r == CF_ENOMEM) {
        http_response_cf_error(resp, &err);
        return;
    }
    if (r != 0) {
        refuse(resp, p, inv, NULL, &err);
        return;
    }
    if (cmd.kind == COMMAND_HELP) {
        char usage[USAGE_MAX];
        command_usage(app->model, inv, usage, sizeof(usage));
        reply_notice(resp, p, 0, usage);
        return;
    }
    struct chat_reply ctx = {resp, p, app->cfg};
    r = handlers_answer(app, cmd.workload, core_advise, reply_answer, &ctx, &err);
    if (r == CF_ENOMEM)
        http_response_cf_error(resp, &err);
    else if (r != 0)
        refuse(resp, p, inv, &cmd, &err);
    command_free(&cmd);
}

/* answer_command() for `text` with HTML's entities decoded: Slack escapes &, < and > in the
 * text it sends, Teams writes its message as HTML. */
static void answer_escaped(const struct http_request *req, enum chat_platform p, const char *text,
                           const char *invocation, struct http_response *resp)
{
    size_t cap = strlen(text) + 1; /* decoding never lengthens */
    char *plain = malloc(cap);
    if (!plain) {
        http_response_error(resp, CF_ENOMEM, NULL, "The server is out of memory; retry later.");
        return;
    }
    unescape(text, plain, cap);
    answer_command(req, p, plain, invocation, resp);
    free(plain);
}

/* ---- the routes ---- */

static bool route_off(const char *secret, const char *what, const char *key,
                      struct http_response *resp)
{
    if (secret[0])
        return false;
    http_response_error(resp, CF_ENOTFOUND, NULL, "%s are off; set %s to turn them on.", what, key);
    return true;
}

/* Decodes the request's form body into *ret (the caller form_free()s it), or fills `resp`
 * with 415 or 400 and returns false. */
static bool form_body(const struct http_request *req, struct form *ret, struct http_response *resp)
{
    if (!http_content_type_is(req->header(req, "Content-Type"), FORM_MEDIA_TYPE)) {
        http_response_error(resp, CF_EMEDIA, NULL,
                            "Send the command as a form, with 'Content-Type: %s'.",
                            FORM_MEDIA_TYPE);
        return false;
    }
    struct cf_error err = {0};
    if (form_parse(req->body ? req->body : "", req->body_len, ret, &err) != 0) {
        http_response_cf_error(resp, &err);
        return false;
    }
    if (!form_get(ret, "text")) {
        form_free(ret);
        http_response_error(resp, CF_EMISSING, "text",
                            "The form has no text field: the command's words go there.");
        return false;
    }
    return true;
}

void chatops_slack(const struct http_request *req, const json_t *body, struct http_response *resp)
{
    (void)body;
    const struct cf_config *cfg = req->app->cfg;
    if (route_off(cfg->slack_signing_secret, "Slack commands", "slack_signing_secret", resp))
        return;
    struct cf_error err = {0};
    if (chatops_slack_verify(cfg->slack_signing_secret,
                             req->header(req, "X-Slack-Request-Timestamp"),
                             req->header(req, "X-Slack-Signature"), req->body, req->body_len,
                             (int64_t)time(NULL), &err) != 0) {
        http_response_cf_error(resp, &err);
        return;
    }
    struct form f;
    if (!form_body(req, &f, resp))
        return;
    answer_escaped(req, CHAT_SLACK, form_get(&f, "text"), form_get(&f, "command"), resp);
    form_free(&f);
}

void chatops_mattermost(const struct http_request *req, const json_t *body,
                        struct http_response *resp)
{
    (void)body;
    const struct cf_config *cfg = req->app->cfg;
    if (route_off(cfg->mattermost_token, "Mattermost commands", "mattermost_token", resp))
        return;
    struct form f;
    if (!form_body(req, &f, resp))
        return;
    const char *token = form_get(&f, "token");
    if (!token || !chatops_token_equal(token, cfg->mattermost_token))
        http_response_error(resp, CF_EUNAUTH, NULL,
                            "The form's token is %s: Mattermost sends the slash command's token, "
                            "which must be this server's mattermost_token.",
                            token ? "not this server's" : "missing");
    else
        answer_command(req, CHAT_MATTERMOST, form_get(&f, "text"), form_get(&f, "command"), resp);
    form_free(&f);
}

/* Reads an Activity's timestamp, "2017-09-21T23:47:14.4473082Z" (fractions of a second
 * dropped). */
static bool activity_time(const char *s, int64_t *ret)
{
    if (!s || strlen(s) < 20)
        return false;
    char t[ISOTIME_LEN];
    memcpy(t, s, 19);
    t[19] = 'Z';
    t[20] = '\0';
    const char *rest = s + 19;
    if (*rest == '.')
        for (rest++; *rest >= '0' && *rest <= '9'; rest++)
            ;
    return strcmp(rest, "Z") == 0 && isotime_parse(t, ret);
}

void chatops_teams(const struct http_request *req, const json_t *body, struct http_response *resp)
{
    (void)body;
    const struct cf_config *cfg = req->app->cfg;
    if (route_off(cfg->teams_hmac_secret, "Teams commands", "teams_hmac_secret", resp))
        return;
    struct cf_error err = {0};
    if (chatops_teams_verify(cfg->teams_hmac_secret, req->header(req, "Authorization"), req->body,
                             req->body_len, &err) != 0) {
        http_response_cf_error(resp, &err);
        return;
    }
    if (!http_is_json_content_type(req->header(req, "Content-Type"))) {
        http_response_error(resp, CF_EMEDIA, NULL,
                            "Send the message as JSON with 'Content-Type: application/json'.");
        return;
    }
    json_error_t jerr;
    json_t *activity =
        req->body_len ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    const char *text = json_string_value(json_object_get(activity, "text"));
    int64_t sent = 0, now = (int64_t)time(NULL);
    if (!json_is_object(activity) || !text) {
        http_response_error(resp, CF_EJSON, NULL,
                            "The body must be a Teams message: a JSON object with a text.");
    } else if (!activity_time(json_string_value(json_object_get(activity, "timestamp")), &sent)) {
        http_response_error(resp, CF_EINVAL, "timestamp",
                            "The message must carry its UTC timestamp, as Teams sends it "
                            "(\"2026-01-31T12:00:00.123Z\").");
    } else if (sent < now - CHATOPS_MAX_SKEW_S || sent > now + CHATOPS_MAX_SKEW_S) {
        http_response_error(resp, CF_EUNAUTH, NULL,
                            "The message was sent %lld s from the server's clock; more than %d s "
                            "either way is refused as a replay.",
                            (long long)(now - sent), CHATOPS_MAX_SKEW_S);
    } else {
        char name[INVOCATION_MAX];
        text = skip_mentions(text, name, sizeof(name));
        answer_escaped(req, CHAT_TEAMS, text, name, resp);
    }
    json_decref(activity);
}
