/*
 * fuzz_chat.c - libFuzzer target for the chat routes (src/http/chatops.c, form.c,
 * src/core/command.c, render_chat.c) through the router, on the bundled model and rates.
 *
 * Input: the first byte picks what the rest is, modulo 4:
 *   0  a Slack slash command's form body, signed now with FUZZ_SLACK_SECRET;
 *   1  a Mattermost slash command's form body, after "token=FUZZ_MM_TOKEN&";
 *   2  a Teams message (JSON) with every "@NOW@" replaced by the time now, signed with
 *      FUZZ_TEAMS_SECRET;
 *   3  a command's text for command_parse() alone.
 * So the fuzzed bytes get past each platform's proof of origin to the decoders and the command.
 * Checked: the routes as fuzz_app_run() checks every route (never a 5xx; chat answers in their
 * platform's shape, Slack's blocks free of markup); command_parse() refuses with CF_EINVAL on
 * "text" and a message of printable ASCII naming the word in quotes, or gives an object of
 * strings keyed by known workload fields.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/command.h"
#include "computefit/model.h"
#include "computefit/workload.h"
#include "fuzz.h"
#include "fuzz_app.h"

static struct model *model;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_app_init();
    json_t *doc = fuzz_load_json("config/model.json");
    struct cf_error err = {0};
    if (model_from_json(doc, &model, &err) != 0)
        fuzz_fail(__FILE__, __LINE__, "model", "model.json: %s", err.message);
    json_decref(doc);
    return 0;
}

static void check_command(const char *text)
{
    struct command c;
    struct cf_error err = {0};
    int r = command_parse(text, model, &c, &err);
    if (r != 0) {
        FUZZ_ASSERT(r == CF_EINVAL, "code %d for \"%s\"", r, text);
        FUZZ_ASSERT(!strcmp(err.field, "text"), "field \"%s\"", err.field);
        FUZZ_ASSERT(err.message[0], "an empty refusal");
        for (const char *p = err.message; *p; p++)
            FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in \"%s\"", (unsigned char)*p,
                        err.message);
        return;
    }
    if (c.kind == COMMAND_WORKLOAD) {
        FUZZ_ASSERT(json_object_size(c.workload) > 0, "an empty workload");
        const char *key;
        json_t *v;
        json_object_foreach(c.workload, key, v)
        {
            FUZZ_ASSERT(workload_field_known(key), "unknown field %s", key);
            FUZZ_ASSERT(json_is_string(v), "%s is not a string", key);
            FUZZ_ASSERT(command_word(&c, key), "%s has no source word", key);
        }
        struct workload w;
        workload_parse(c.workload, model, NULL, &w, &err); /* either way, no crash */
    }
    command_free(&c);
}

/* Returns a new malloc()ed copy of `s` with every "@NOW@" replaced by the time now. */
static char *with_now(const char *s)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S.123Z", &tm);
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, "@NOW@")); p += 5)
        n++;
    char *out = malloc(strlen(s) + n * strlen(now) + 1);
    if (!out)
        fuzz_fail(__FILE__, __LINE__, "malloc", "out of memory");
    char *w = out;
    for (const char *p = s;;) {
        const char *m = strstr(p, "@NOW@");
        size_t k = m ? (size_t)(m - p) : strlen(p);
        memcpy(w, p, k);
        w += k;
        if (!m)
            break;
        w += sprintf(w, "%s", now);
        p = m + 5;
    }
    *w = '\0';
    return out;
}

static void post(const char *path, const char *body, const char *content_type,
                 const char *const *headers)
{
    struct fuzz_request fr = {
        .method = "POST",
        .path = path,
        .body = body,
        .body_len = strlen(body),
        .content_type = content_type,
        .headers = headers,
    };
    fuzz_app_run(&fr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = fuzz_cstr(data + 1, size - 1);
    static const char form_type[] = "application/x-www-form-urlencoded";
    unsigned char mac[32];
    unsigned int n = 0;
    switch (data[0] % 4) {
    case 0: {
        char ts[24];
        snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
        size_t len = strlen(ts) + strlen(text) + 4;
        char *base = malloc(len + 1);
        if (!base)
            fuzz_fail(__FILE__, __LINE__, "malloc", "out of memory");
        snprintf(base, len + 1, "v0:%s:%s", ts, text);
        HMAC(EVP_sha256(), FUZZ_SLACK_SECRET, (int)strlen(FUZZ_SLACK_SECRET),
             (const unsigned char *)base, len, mac, &n);
        free(base);
        char sig[80] = "v0=";
        for (size_t i = 0; i < 32; i++)
            snprintf(sig + 3 + 2 * i, 3, "%02x", mac[i]);
        const char *headers[] = {"X-Slack-Request-Timestamp", ts, "X-Slack-Signature", sig, NULL};
        post("/chatops/slack", text, form_type, headers);
        break;
    }
    case 1: {
        size_t len = strlen(text) + sizeof(FUZZ_MM_TOKEN) + 8;
        char *body = malloc(len);
        if (!body)
            fuzz_fail(__FILE__, __LINE__, "malloc", "out of memory");
        snprintf(body, len, "token=%s&%s", FUZZ_MM_TOKEN, text);
        post("/chatops/mattermost", body, form_type, NULL);
        free(body);
        break;
    }
    case 2: {
        char *body = with_now(text);
        unsigned char key[64];
        int kn = EVP_DecodeBlock(key, (const unsigned char *)FUZZ_TEAMS_SECRET,
                                 (int)strlen(FUZZ_TEAMS_SECRET)) -
                 1; /* one '=' of padding */
        HMAC(EVP_sha256(), key, kn, (const unsigned char *)body, strlen(body), mac, &n);
        char auth[64] = "HMAC ";
        EVP_EncodeBlock((unsigned char *)auth + 5, mac, 32);
        const char *headers[] = {"Authorization", auth, NULL};
        post("/chatops/teams", body, "application/json", headers);
        free(body);
        break;
    }
    default:
        check_command(text);
        break;
    }
    free(text);
    return 0;
}
