/*
 * response.c - building responses, and the one JSON error shape.
 */
#include "computefit/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "computefit/jsonout.h"
#include "computefit/utf8.h"

void http_response_clear(struct http_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    for (int i = 0; i < resp->n_headers; i++)
        free(resp->headers[i].value);
    memset(resp, 0, sizeof(*resp));
}

int http_response_header(struct http_response *resp, const char *name, const char *value)
{
    if (resp->n_headers >= HTTP_MAX_EXTRA_HEADERS)
        return CF_EINTERNAL;
    char *copy = strdup(value);
    if (!copy)
        return CF_ENOMEM;
    resp->headers[resp->n_headers].name = name;
    resp->headers[resp->n_headers].value = copy;
    resp->n_headers++;
    return 0;
}

/* The last-resort body when even the error cannot be serialised: static text, copied. */
static void set_oom(struct http_response *resp)
{
    static const char oom[] =
        "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"The server is out of memory; "
        "retry later.\"}}";
    free(resp->body);
    resp->status = 500;
    resp->content_type = "application/json";
    resp->error_code = "out_of_memory";
    resp->body = strdup(oom);
    resp->body_len = resp->body ? sizeof(oom) - 1 : 0;
}

int http_response_json(struct http_response *resp, int status, json_t *doc)
{
    size_t len = 0;
    char *text = jsonout_dumps(doc, &len); /* json_dumps' bytes, cheaper: see jsonout.h */
    json_decref(doc);
    if (!text) {
        set_oom(resp);
        return CF_ENOMEM;
    }
    free(resp->body);
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = text;
    resp->body_len = len;
    return 0;
}

/* Returns a JSON string for text that may hold invalid UTF-8 (echoed query strings): bytes
 * that do not begin a well-formed sequence become '?' (utf8.h), valid characters stay. New
 * reference, or NULL when out of memory. */
static json_t *safe_string(const char *text)
{
    json_t *s = json_string(text);
    if (s)
        return s;
    char *copy = strdup(text);
    if (!copy)
        return NULL;
    utf8_sanitize(copy);
    s = json_string(copy);
    free(copy);
    return s;
}

static void error_doc(struct http_response *resp, int code, const char *field, const char *msg)
{
    json_t *err = json_pack("{s:s, s:o}", "code", cf_error_name(code), "message", safe_string(msg));
    if (err && field && *field)
        json_object_set_new(err, "field", safe_string(field));
    json_t *doc = err ? json_pack("{s:o}", "error", err) : NULL;
    if (http_response_json(resp, cf_error_status(code), doc) == 0)
        resp->error_code = cf_error_name(code);
}

void http_response_error(struct http_response *resp, int code, const char *field, const char *fmt,
                         ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    error_doc(resp, code, field, msg);
}

void http_response_cf_error(struct http_response *resp, const struct cf_error *err)
{
    error_doc(resp, err->code, err->field, err->message);
}

bool http_content_type_is(const char *ct, const char *essence)
{
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strlen(essence);
    if (strncasecmp(ct, essence, n) != 0)
        return false;
    ct += n;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

bool http_is_json_content_type(const char *ct)
{
    return http_content_type_is(ct, "application/json");
}
