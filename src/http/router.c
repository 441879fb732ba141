/*
 * router.c - (method, path) -> handler, with 404/405/415/400 decided in one place.
 */
#include "computefit/router.h"

#include "computefit/access.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Matches `path` against `pattern` segment by segment; a "{name}" segment matches one
 * non-empty segment, which is copied into param_buf. params[] is set only on a match. */
static bool pattern_match(const char *pattern, const char *path, const char **params,
                          char *param_buf, size_t param_cap)
{
    const char *found[HTTP_MAX_PATH_PARAMS];
    size_t used = 0;
    int n_params = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg_end = strchr(s, '/');
            size_t seg_len = seg_end ? (size_t)(seg_end - s) : strlen(s);
            if (!close || seg_len == 0 || n_params >= HTTP_MAX_PATH_PARAMS ||
                used + seg_len + 1 > param_cap)
                return false;
            if (params) {
                memcpy(param_buf + used, s, seg_len);
                param_buf[used + seg_len] = '\0';
                found[n_params] = param_buf + used;
            }
            n_params++;
            used += seg_len + 1;
            p = close + 1;
            s += seg_len;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    if (*p != '\0' || *s != '\0')
        return false;
    for (int i = 0; params && i < n_params; i++)
        params[i] = found[i];
    return true;
}

static bool method_matches(const char *route_method, const char *method)
{
    if (strcmp(route_method, method) == 0)
        return true;
    return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

static void allow_add(char *allow, size_t cap, const char *method)
{
    if (strstr(allow, method))
        return;
    size_t len = strlen(allow);
    snprintf(allow + len, cap - len, "%s%s", len ? ", " : "", method);
}

enum router_result router_match(const struct route *routes, size_t n, struct http_request *req,
                                const struct route **ret_route, char *param_buf, size_t param_cap,
                                char *allow, size_t allow_cap)
{
    if (allow_cap)
        allow[0] = '\0';
    /* The route first, with nothing else: it is found on almost every request, and the Allow
     * list is only needed when it is not (405, OPTIONS). */
    for (size_t i = 0; i < n; i++) {
        if (method_matches(routes[i].method, req->method) &&
            pattern_match(routes[i].pattern, req->path, req->params, param_buf, param_cap)) {
            *ret_route = &routes[i];
            return ROUTER_FOUND;
        }
    }
    bool path_known = false;
    for (size_t i = 0; i < n; i++) {
        if (!pattern_match(routes[i].pattern, req->path, NULL, param_buf, param_cap))
            continue;
        path_known = true;
        allow_add(allow, allow_cap, routes[i].method);
        if (strcmp(routes[i].method, "GET") == 0)
            allow_add(allow, allow_cap, "HEAD");
    }
    if (!path_known)
        return ROUTER_NO_PATH;
    allow_add(allow, allow_cap, "OPTIONS");
    return ROUTER_NO_METHOD;
}

static void dispatch_json(const struct route *route, struct http_request *req,
                          struct http_response *resp)
{
    if (!http_is_json_content_type(req->header(req, "Content-Type"))) {
        http_response_error(resp, CF_EMEDIA, NULL,
                            "Send the request body as JSON with the header "
                            "'Content-Type: application/json'.");
        return;
    }
    if (!req->body || req->body_len == 0) {
        /* HTTP/1.1 without Content-Length or chunked encoding has no body (RFC 9112 6.3): say
         * so, since the client probably believes it sent one. */
        if (!req->header(req, "Content-Length") && !req->header(req, "Transfer-Encoding"))
            http_response_error(resp, CF_EJSON, NULL,
                                "The request has no body: send the workload as a JSON object "
                                "with a Content-Length header (or chunked transfer encoding).");
        else
            http_response_error(resp, CF_EJSON, NULL,
                                "The request body is empty; send a JSON object describing the "
                                "workload.");
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        http_response_error(resp, CF_EJSON, NULL,
                            "The request body is not valid JSON: %s at line %d, column %d.",
                            jerr.text, jerr.line, jerr.column);
        return;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        http_response_error(resp, CF_EJSON, NULL,
                            "The request body must be a JSON object, not an array or a scalar.");
        return;
    }
    route->handler(req, doc, resp);
    json_decref(doc);
}

void router_dispatch(const struct route *routes, size_t n, struct http_request *req,
                     struct http_response *resp)
{
    const struct route *route = NULL;
    char param_buf[256];
    char allow[128];
    switch (
        router_match(routes, n, req, &route, param_buf, sizeof(param_buf), allow, sizeof(allow))) {
    case ROUTER_NO_PATH:
        http_response_error(resp, CF_ENOTFOUND, NULL,
                            "There is no resource at %.200s; see GET /openapi.json for the routes.",
                            req->path);
        return;
    case ROUTER_NO_METHOD:
        if (strcmp(req->method, "OPTIONS") == 0) {
            resp->status = 204;
            http_response_header(resp, "Allow", allow);
            access_cors(req, resp, allow,
                        req->header(req, "Access-Control-Request-Method") != NULL);
            return;
        }
        http_response_error(resp, CF_EMETHOD, NULL, "%.16s is not allowed on %.200s; use %s.",
                            req->method, req->path, allow);
        http_response_header(resp, "Allow", allow);
        return;
    case ROUTER_FOUND:
        break;
    }
    resp->route_id = (int)(route - routes) + 1;
    if (!(route->flags & ROUTE_API_KEY) || access_api_key_ok(req, resp)) {
        if (route->flags & ROUTE_JSON_BODY)
            dispatch_json(route, req, resp);
        else
            route->handler(req, NULL, resp);
    }
    access_cors(req, resp, allow, false);
}
