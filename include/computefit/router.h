/*
 * router.h - the table of (method, path) -> handler, and the dispatch that tells 404 from 405,
 * checks JSON bodies (415, 400) and produces the one error shape.
 */
#ifndef COMPUTEFIT_ROUTER_H
#define COMPUTEFIT_ROUTER_H

#include <stddef.h>

#include "computefit/http.h"

/* A handler fills `resp`. For ROUTE_JSON_BODY routes `body` is the parsed request body
 * (borrowed, always a JSON object); otherwise NULL. */
typedef void (*route_handler)(const struct http_request *req, const json_t *body,
                              struct http_response *resp);

enum route_flags {
    ROUTE_JSON_BODY = 1 << 0, /* requires Content-Type: application/json and an object body */
    ROUTE_API_KEY = 1 << 1,   /* requires one of the configured API keys, when any are set */
};

struct route {
    const char *method;  /* "GET" also answers HEAD */
    const char *pattern; /* "/healthz", "/pricing/{region}": a {name} matches one segment */
    route_handler handler;
    unsigned flags;
};

/* The service's routes. */
extern const struct route app_routes[];
extern const size_t app_routes_count;

enum router_result { ROUTER_FOUND = 0, ROUTER_NO_PATH = 1, ROUTER_NO_METHOD = 2 };

/* Finds the route for (method, path). On ROUTER_FOUND sets *ret_route and copies path
 * parameters into req->params (pointing into `param_buf`). On ROUTER_NO_METHOD writes the
 * methods the path does allow into `allow` ("GET, HEAD"). */
enum router_result router_match(const struct route *routes, size_t n, struct http_request *req,
                                const struct route **ret_route, char *param_buf, size_t param_cap,
                                char *allow, size_t allow_cap);

/* Routes one complete request: 404, 405 (+ Allow), OPTIONS, 415 and 400 for JSON bodies, then
 * the handler. Always leaves a complete response in `resp`. */
void router_dispatch(const struct route *routes, size_t n, struct http_request *req,
                     struct http_response *resp);

#endif
