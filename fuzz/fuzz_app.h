/*
 * fuzz_app.h - the service's request path without a socket, for the targets that fuzz the
 * advice routes (fuzz_workload.c, fuzz_query.c).
 *
 * fuzz_app_init() builds what main.c builds for the handlers: the default config, the model
 * from config/model.json and a rates cache holding config/rates-snapshot.json. fuzz_app_run()
 * sends one request through router_dispatch() over the service's own route table, so the body
 * is parsed, negotiated, advised and rendered by exactly the code that serves it, and checks
 * what every response must satisfy.
 */
#ifndef COMPUTEFIT_FUZZ_APP_H
#define COMPUTEFIT_FUZZ_APP_H

#include <stddef.h>

#include "computefit/http.h"

/* Builds the shared application state once; aborts when the data files do not load. */
void fuzz_app_init(void);

/* The chat routes' secrets in the fuzzed application (fuzz_chat.c signs with them). */
#define FUZZ_SLACK_SECRET "fuzz-slack-signing-secret"
#define FUZZ_MM_TOKEN     "fuzz-mattermost-token"
#define FUZZ_TEAMS_SECRET "ZnV6ei10ZWFtcy1obWFjLXNlY3JldC0zMmJ5dGVzISE="

/* A request the target describes; fuzz_app_run() fills in the rest. */
struct fuzz_request {
    const char *method;
    const char *path;
    const char *accept; /* Accept header, or NULL */
    const char *body;   /* POST body, or NULL */
    size_t body_len;
    const char *content_type; /* NULL: application/json when there is a body */
    /* Other request headers: names and values in turn, NULL after the last; may be NULL. */
    const char *const *headers;
    /* GET arguments, decoded, in order (the first of equal names wins a look-up, as in
     * libmicrohttpd). */
    const char *const *keys;
    const char *const *values;
    size_t n_args;
};

/* Dispatches the request and checks the response: never a 5xx; a JSON response is one JSON
 * document, an error response has the one error shape naming a known code, a chat answer has
 * its platform's shape, and text and SVG are valid UTF-8. Returns the status. */
int fuzz_app_run(const struct fuzz_request *fr);

#endif
