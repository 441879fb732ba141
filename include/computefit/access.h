/*
 * access.h - who may call what: API keys for the advice routes, the admin token, CORS.
 *
 * Keys and tokens are compared in constant time and never logged.
 */
#ifndef COMPUTEFIT_ACCESS_H
#define COMPUTEFIT_ACCESS_H

#include <stdbool.h>

#include "computefit/http.h"

/* Returns the token of an "Authorization: Bearer <token>" header, borrowed, or NULL. */
const char *access_bearer_token(const struct http_request *req);

/* Compares two secrets in time that depends only on their lengths, not on where they differ,
 * so that a client cannot find a token byte by byte by timing the answers. */
bool access_secret_equal(const char *a, const char *b);

/* Returns true when the request may use an API-key route: no api_keys are configured, or the
 * bearer token is one of them. Otherwise fills `resp` with 401 (no token; with
 * WWW-Authenticate) or 403 (a token that is not a key) and returns false. */
bool access_api_key_ok(const struct http_request *req, struct http_response *resp);

/* Adds the CORS response headers when the request's Origin is allowed by cors_origins. For a
 * preflight (OPTIONS with Access-Control-Request-Method) also the allowed methods (`allow`),
 * headers and max age. Does nothing when CORS is off or the origin is not allowed. */
void access_cors(const struct http_request *req, struct http_response *resp, const char *allow,
                 bool preflight);

#endif
