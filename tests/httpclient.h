/*
 * httpclient.h - a small libcurl client for the HTTP tests.
 */
#ifndef COMPUTEFIT_TEST_HTTPCLIENT_H
#define COMPUTEFIT_TEST_HTTPCLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>

struct http_result {
    long status;
    char *body; /* NUL-terminated, owned */
    size_t body_len;
    char *headers; /* raw header block, owned */
    long num_connects;
    CURLcode curl_code;
};

/* Performs one request on `curl` (reused when not NULL so that keep-alive can be observed; a
 * fresh handle otherwise). `headers` is a NULL-terminated list of "Name: value" strings; an
 * "Accept-Encoding: ..." among them becomes CURLOPT_ACCEPT_ENCODING, so that libcurl sends it and
 * decodes the body (r.body and the contract log hold the decoded body; the Content-Encoding
 * header stays in r.headers). `body` may be NULL. `method` "HEAD" uses CURLOPT_NOBODY. */
struct http_result http_do(CURL *curl, const char *method, unsigned port, const char *path,
                           const char *const *headers, const char *body, size_t body_len);

/* Returns the value of response header `name` in r (case-insensitive), in a static buffer
 * per call site: copy it if you need two at once. NULL when absent. */
const char *http_header(const struct http_result *r, const char *name, char *buf, size_t cap);

/* Parses r->body as JSON; NULL if it is not. New reference. */
json_t *http_json(const struct http_result *r);

/* Frees what the result owns. */
void http_result_free(struct http_result *r);

#endif
