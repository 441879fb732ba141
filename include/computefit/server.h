/*
 * server.h - the libmicrohttpd adapter: a daemon with an internal epoll thread pool that turns
 * MHD callbacks into struct http_request / http_response and routes them.
 */
#ifndef COMPUTEFIT_SERVER_H
#define COMPUTEFIT_SERVER_H

#include <stddef.h>

#include "computefit/app.h"
#include "computefit/error.h"
#include "computefit/router.h"

struct cf_server;

/* Starts serving `routes` with the settings in app->cfg (bind, port, threads, limits). `app`
 * and `routes` are borrowed and must outlive the server. On success sets *ret_server and
 * returns 0; on failure (port in use, bad address) returns CF_EIO with the reason in reterr. */
int server_start(struct cf_app *app, const struct route *routes, size_t n_routes,
                 struct cf_server **ret_server, struct cf_error *reterr);

/* Returns the TCP port the server listens on (useful with port 0). */
unsigned server_port(const struct cf_server *srv);

/* Stops accepting connections, lets in-flight requests finish for up to `timeout_ms`, then
 * closes every connection, joins the server's threads and frees the server. Accepts NULL. */
void server_stop(struct cf_server *srv, long timeout_ms);

#endif
