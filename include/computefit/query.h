/*
 * query.h - GET forms of the advice routes and content negotiation.
 */
#ifndef COMPUTEFIT_QUERY_H
#define COMPUTEFIT_QUERY_H

#include <jansson.h>

#include "computefit/error.h"
#include "computefit/http.h"

/* The representations the advice routes can answer in. */
enum http_format { FORMAT_JSON = 0, FORMAT_TEXT, FORMAT_MARKDOWN, FORMAT_SVG };

/* Turns the query string of `req` into a JSON object of strings with the same names as the
 * JSON body ("duration=30s&memory=2GB" -> {"duration":"30s","memory":"2GB"}), leaving out
 * `format`. A name given twice is CF_EINVAL naming it. Sets *ret (new reference). */
int query_to_json(const struct http_request *req, json_t **ret, struct cf_error *reterr);

/* Chooses the representation: the `format` query parameter (json, text, markdown, svg) wins,
 * then the Accept header (q-values honoured; wildcard ranges accepted), JSON by default.
 * `svg_ok` says whether the route can draw. Returns 0 and sets *ret, or CF_ENOTACCEPT (406)
 * when nothing acceptable can be produced, or CF_EINVAL for an unknown `format`. */
int query_negotiate(const struct http_request *req, bool svg_ok, enum http_format *ret,
                    struct cf_error *reterr);

/* Returns whether the request's Accept-Encoding takes gzip: "gzip" (or "x-gzip") with a q-value
 * above 0, or, when gzip is not named, "*" with a q-value above 0. No header: false (RFC 9110
 * 12.5.3 would allow any coding, but a client that sends none rarely decodes one). */
bool query_accepts_gzip(const struct http_request *req);

#endif
