/*
 * http.h - the HTTP layer's request/response model, independent of libmicrohttpd.
 *
 * Handlers see a struct http_request (method, path, body, header and query look-ups) and fill
 * a struct http_response; the libmicrohttpd adapter (server.c) translates both ways. Tests call
 * router_dispatch() with a hand-built request and no socket (h2o-style).
 */
#ifndef COMPUTEFIT_HTTP_H
#define COMPUTEFIT_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "computefit/error.h"

struct cf_app;

#define HTTP_MAX_EXTRA_HEADERS 12
#define HTTP_MAX_PATH_PARAMS   2

struct http_request {
    const char *method; /* "GET", "HEAD", "POST", ... */
    const char *path;   /* without the query string */
    const char *body;   /* NULL when there is none */
    size_t body_len;
    const char *request_id;
    /* Returns the value of header `name` (case-insensitive), borrowed, or NULL. */
    const char *(*header)(const struct http_request *req, const char *name);
    /* Returns the value of query argument `name`, borrowed, or NULL. */
    const char *(*query)(const struct http_request *req, const char *name);
    /* Calls fn for every query argument in order; stops and returns fn's non-zero result. */
    int (*query_each)(const struct http_request *req,
                      int (*fn)(void *ctx, const char *key, const char *value), void *ctx);
    void *conn;                               /* adapter-private */
    const char *params[HTTP_MAX_PATH_PARAMS]; /* "{region}"-style path segments, borrowed */
    struct cf_app *app;
};

struct http_header {
    const char *name; /* static strings */
    char *value;      /* owned */
};

struct http_response {
    int status;
    const char *content_type; /* static string */
    char *body;               /* owned, malloc()ed; NULL for no body */
    size_t body_len;
    struct http_header headers[HTTP_MAX_EXTRA_HEADERS];
    int n_headers;
    const char *error_code; /* machine code when this is an error response, for logs/metrics */
    int route_id;           /* 1 + index of the matched route in the table; 0 when none */
};

/* Frees what a response owns and zeroes it. Accepts NULL. */
void http_response_clear(struct http_response *resp);

/* Adds a header (the value is copied). Returns 0 or CF_ENOMEM; a full table is CF_EINTERNAL. */
int http_response_header(struct http_response *resp, const char *name, const char *value);

/* Makes `resp` a JSON response: steals `doc` (a reference the caller owned), serialises it
 * compactly. Returns 0 or CF_ENOMEM (then resp is an error response already). */
int http_response_json(struct http_response *resp, int status, json_t *doc);

/* Makes `resp` the error response for `code` in the one error shape:
 * {"error":{"code":..., "message":..., "field":...}} ("field" only when non-empty). */
void http_response_error(struct http_response *resp, int code, const char *field, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

/* Same, from a filled struct cf_error. */
void http_response_cf_error(struct http_response *resp, const struct cf_error *err);

/* Case-insensitive check that a Content-Type header names application/json (parameters such as
 * "; charset=utf-8" allowed). */
bool http_is_json_content_type(const char *content_type);

/* The same check for any media type `essence` ("application/x-www-form-urlencoded"). */
bool http_content_type_is(const char *content_type, const char *essence);

#endif
