/*
 * server.c - libmicrohttpd (0.9.75) adapter.
 *
 * DESIGN
 * Threads: libmicrohttpd runs an internal thread pool on epoll (MHD_USE_INTERNAL_POLLING_THREAD
 * | MHD_USE_EPOLL, MHD_OPTION_THREAD_POOL_SIZE). Every callback below runs on one of those
 * threads; a request stays on one thread from its first callback to its completion callback.
 * Shared state is only struct cf_app (read-only but for its atomics) and the rates cache
 * (its own lock); per-request state lives in struct conn_req, owned by the request.
 *
 * Request life: the first access-handler call sees headers only. A Content-Length above the
 * body cap is answered 413 there and then (libmicrohttpd then closes the connection, which is
 * right: the body is never read). Everything else is answered on a later call, because 0.9.75
 * closes the connection of a response queued on the first call, and load balancers and
 * dashboards rely on keep-alive. Body chunks are appended to a capped buffer; a chunked body
 * that crosses the cap is discarded and answered 413 at its end. The completion callback logs
 * the request and frees conn_req in every case, aborted connections included.
 *
 * Limits: server_start() raises the soft RLIMIT_NOFILE to fit connection_limit (or clamps the
 * limit, with a warning, when the hard limit is lower), so that a flood of idle connections
 * meets MHD's connection limit and timeout, not EMFILE. Path and query values are decoded by
 * our own unescaper, which leaves "%00" as written (they are C strings from then on).
 *
 * Shutdown: server_stop() quiesces the daemon (no new connections), marks the app as stopping
 * (responses then carry "Connection: close"), waits for in-flight requests to reach zero (an
 * atomic count kept by the callbacks) up to a deadline, then stops the daemon.
 */
#include "computefit/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "computefit/log.h"
#include "computefit/metrics.h"

#define REQUEST_ID_MAX 64

struct cf_server {
    struct MHD_Daemon *daemon;
    struct cf_app *app;
    const struct route *routes;
    size_t n_routes;
    size_t max_body;
    unsigned port;
    uint64_t id_seed;      /* random per process: request ids are not guessable across runs */
    atomic_ulong id_count; /* request ids are seed-mixed counters: unique within the process */
};

struct conn_req {
    struct cf_server *srv;
    struct timespec start;
    char request_id[REQUEST_ID_MAX + 1];
    char method[16]; /* copies for the log line: MHD's strings die with the request */
    char path[256];
    char *body; /* capped at srv->max_body */
    size_t body_len;
    bool too_big;
    bool answered;
    int status;
    size_t bytes_out;
    const char *error_code;
    int route_id;
};

static uint64_t mix64(uint64_t x)
{
    /* splitmix64 finaliser: spreads a counter into an id that does not look sequential */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A client's id is echoed only when it is short and made of safe characters, so that it can
 * go into headers and log lines unescaped. */
static bool request_id_ok(const char *id)
{
    size_t n = 0;
    for (const char *p = id; *p; p++, n++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '=';
        if (!ok || n >= REQUEST_ID_MAX)
            return false;
    }
    return n > 0;
}

static void request_id_assign(struct cf_server *srv, struct MHD_Connection *conn,
                              struct conn_req *cr)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (given && request_id_ok(given)) {
        snprintf(cr->request_id, sizeof(cr->request_id), "%s", given);
        return;
    }
    uint64_t n = atomic_fetch_add(&srv->id_count, 1);
    snprintf(cr->request_id, sizeof(cr->request_id), "%016llx",
             (unsigned long long)mix64(srv->id_seed ^ mix64(n)));
}

static const char *conn_header(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Percent-decodes a URL path or query component in place, as libmicrohttpd's own unescaper
 * does, except that "%00" stays as written: the path and query values are C strings, and a
 * decoded NUL would cut them short ("/advise%00x" would be served as /advise). */
static size_t unescape_keep_nul(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    char *w = s;
    for (const char *r = s; *r;) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            const char hex[3] = {r[1], r[2], '\0'};
            char byte = (char)strtol(hex, NULL, 16);
            if (byte != '\0') {
                *w++ = byte;
                r += 3;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static const char *conn_query(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_iter {
    int (*fn)(void *ctx, const char *key, const char *value);
    void *ctx;
    int result;
};

static enum MHD_Result query_iter_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct query_iter *it = cls;
    it->result = it->fn(it->ctx, key, value ? value : "");
    return it->result == 0 ? MHD_YES : MHD_NO;
}

static int conn_query_each(const struct http_request *req,
                           int (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    struct query_iter it = {fn, ctx, 0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_iter_cb, &it);
    return it.result;
}

/* Hands `resp` to libmicrohttpd. The body's ownership passes to the MHD response. */
static enum MHD_Result queue(struct conn_req *cr, struct MHD_Connection *conn,
                             struct http_response *resp)
{
    struct MHD_Response *r;
    if (resp->body)
        r = MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
    else
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r) {
        http_response_clear(resp);
        return MHD_NO;
    }
    resp->body = NULL; /* now owned by r */
    if (resp->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    MHD_add_response_header(r, "X-Request-Id", cr->request_id);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (int i = 0; i < resp->n_headers; i++)
        MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
    if (atomic_load(&cr->srv->app->stopping))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    cr->status = resp->status;
    cr->bytes_out = resp->body_len;
    cr->error_code = resp->error_code;
    cr->route_id = resp->route_id;
    cr->answered = true;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    http_response_clear(resp);
    return ret;
}

static enum MHD_Result on_first_call(struct cf_server *srv, struct MHD_Connection *conn,
                                     const char *method, const char *url, void **con_cls)
{
    struct conn_req *cr = calloc(1, sizeof(*cr));
    if (!cr)
        return MHD_NO; /* out of memory: drop the connection rather than lie */
    cr->srv = srv;
    clock_gettime(CLOCK_MONOTONIC, &cr->start);
    request_id_assign(srv, conn, cr);
    snprintf(cr->method, sizeof(cr->method), "%s", method);
    snprintf(cr->path, sizeof(cr->path), "%s", url);
    atomic_fetch_add(&srv->app->in_flight, 1);
    *con_cls = cr;

    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end == '\0' && n > srv->max_body) {
            struct http_response resp = {0};
            http_response_error(&resp, CF_ETOOBIG, NULL,
                                "The request body is %llu bytes; the limit is %zu bytes.", n,
                                srv->max_body);
            return queue(cr, conn, &resp);
        }
    }
    return MHD_YES;
}

static void on_body_chunk(struct conn_req *cr, const char *data, size_t len)
{
    if (cr->too_big)
        return;
    if (cr->body_len + len > cr->srv->max_body) {
        cr->too_big = true;
        free(cr->body);
        cr->body = NULL;
        cr->body_len = 0;
        return;
    }
    char *grown = realloc(cr->body, cr->body_len + len + 1);
    if (!grown) {
        cr->too_big = true; /* answered as an error below; never a crash */
        return;
    }
    memcpy(grown + cr->body_len, data, len);
    cr->body = grown;
    cr->body_len += len;
    cr->body[cr->body_len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct cf_server *srv = cls;
    struct conn_req *cr = *con_cls;
    if (!cr)
        return on_first_call(srv, conn, method, url, con_cls);
    if (cr->answered) {
        *upload_data_size = 0; /* an early 413: discard anything that still arrives */
        return MHD_YES;
    }
    if (*upload_data_size) {
        on_body_chunk(cr, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }

    struct http_response resp = {0};
    if (cr->too_big) {
        http_response_error(&resp, CF_ETOOBIG, NULL,
                            "The request body is larger than the limit of %zu bytes.",
                            srv->max_body);
        return queue(cr, conn, &resp);
    }
    struct http_request req = {
        .method = method,
        .path = url,
        .body = cr->body,
        .body_len = cr->body_len,
        .request_id = cr->request_id,
        .header = conn_header,
        .query = conn_query,
        .query_each = conn_query_each,
        .conn = conn,
        .app = srv->app,
    };
    router_dispatch(srv->routes, srv->n_routes, &req, &resp);
    return queue(cr, conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct cf_server *srv = cls;
    struct conn_req *cr = *con_cls;
    if (!cr)
        return;
    *con_cls = NULL;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t us = (int64_t)(now.tv_sec - cr->start.tv_sec) * 1000000 +
                 (now.tv_nsec - cr->start.tv_nsec) / 1000;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char peer[INET6_ADDRSTRLEN] = "";
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
                  peer, sizeof(peer));
    LOG_FIELDS(CF_LOG_INFO, "request", LOGF_S("request_id", cr->request_id),
               LOGF_S("method", cr->method), LOGF_S("path", cr->path), LOGF_I("status", cr->status),
               LOGF_I("duration_us", us), LOGF_I("bytes_out", cr->bytes_out),
               LOGF_S("error", cr->error_code), LOGF_S("peer", peer),
               LOGF_B("completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK));
    if (cr->answered)
        metrics_observe(srv->app->metrics, cr->route_id, cr->status, us);
    free(cr->body);
    free(cr);
    atomic_fetch_sub(&srv->app->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_msg(CF_LOG_WARN, "httpd", "%s", msg);
}

/* File descriptors the process needs besides its connections: the listening socket, one epoll
 * fd and one inter-thread pipe per worker, stdio, the refresher's sockets and files, and slack
 * for libraries (redis' CONFIG_MIN_RESERVED_FDS plays the same role). */
#define RESERVED_FDS 32

/* Makes room in RLIMIT_NOFILE for `wanted` connections, as redis' adjustOpenFilesLimit does:
 * the soft limit (often 1024) is raised toward the hard limit, which an unprivileged process
 * may do. When even the hard limit is too low, the connection limit is clamped to what fits
 * and a warning says so: libmicrohttpd would otherwise accept connections until accept()
 * fails with EMFILE, and then the health checks could not get through either. Returns the
 * connection limit to use. */
static long connection_budget(long wanted, long threads)
{
    rlim_t spare = RESERVED_FDS + 2 * (rlim_t)threads;
    rlim_t need = (rlim_t)wanted + spare;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return wanted;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = old;
        LOG_FIELDS(CF_LOG_INFO, "open_files_limit", LOGF_I("was", old), LOGF_I("now", rl.rlim_cur),
                   LOGF_I("needed", need));
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return wanted;
    long fits = rl.rlim_cur > spare + 1 ? (long)(rl.rlim_cur - spare) : 1;
    LOG_FIELDS(CF_LOG_WARN, "connection_limit_clamped", LOGF_I("connection_limit", wanted),
               LOGF_I("now", fits), LOGF_I("open_files_limit", rl.rlim_cur),
               LOGF_S("fix", "raise the hard RLIMIT_NOFILE (ulimit -Hn, LimitNOFILE=) or lower "
                             "connection_limit"));
    return fits;
}

int server_start(struct cf_app *app, const struct route *routes, size_t n_routes,
                 struct cf_server **ret_server, struct cf_error *reterr)
{
    const struct cf_config *cfg = app->cfg;
    struct cf_server *srv = calloc(1, sizeof(*srv));
    if (!srv)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory");
    srv->app = app;
    srv->routes = routes;
    srv->n_routes = n_routes;
    srv->max_body = (size_t)cfg->max_body_bytes;
    if (getrandom(&srv->id_seed, sizeof(srv->id_seed), GRND_NONBLOCK) != sizeof(srv->id_seed))
        srv->id_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    atomic_init(&srv->id_count, 0);

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
    if (inet_pton(AF_INET, cfg->bind, &addr.sin_addr) != 1) {
        free(srv);
        return cf_error_set(reterr, CF_ECONFIG, "bind", "bind must be an IPv4 address, got \"%s\"",
                            cfg->bind);
    }
    long threads = cfg->threads > 0 ? cfg->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;

    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, srv}, /* first: catches the rest */
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, connection_budget(cfg->connection_limit, threads), NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connection_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory_limit, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_keep_nul, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon) {
        free(srv);
        return cf_error_set(reterr, CF_EIO, "port",
                            "cannot listen on %s:%ld (port in use, or not permitted)", cfg->bind,
                            cfg->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (unsigned)cfg->port;
    LOG_FIELDS(CF_LOG_INFO, "listening", LOGF_S("bind", cfg->bind), LOGF_I("port", srv->port),
               LOGF_I("threads", threads));
    *ret_server = srv;
    return 0;
}

unsigned server_port(const struct cf_server *srv)
{
    return srv->port;
}

void server_stop(struct cf_server *srv, long timeout_ms)
{
    if (!srv)
        return;
    atomic_store(&srv->app->stopping, true);
    /* Quiescing hands the listening socket back; closing it at once makes new connections
     * fail fast instead of waiting in the kernel's backlog for a server that will not answer. */
    MHD_socket listen_fd = MHD_quiesce_daemon(srv->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long waited_ms = 0;
    while (atomic_load(&srv->app->in_flight) > 0 && waited_ms < timeout_ms) {
        struct timespec tick = {0, 5 * 1000 * 1000};
        nanosleep(&tick, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        waited_ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    }
    long left = atomic_load(&srv->app->in_flight);
    LOG_FIELDS(CF_LOG_INFO, "draining_done", LOGF_I("waited_ms", waited_ms),
               LOGF_I("abandoned_requests", left));
    MHD_stop_daemon(srv->daemon);
    free(srv);
}
