/*
 * server.c - libmicrohttpd (0.9.75) adapter.
 *
 * DESIGN
 * Threads: libmicrohttpd runs an internal thread pool on poll() (MHD_USE_INTERNAL_POLLING_THREAD
 * | MHD_USE_POLL, MHD_OPTION_THREAD_POOL_SIZE). Not epoll: 0.9.75's MHD_quiesce_daemon() races
 * an epoll worker for the listening socket (both take it out of the worker's epoll set, and
 * quiesce aborts the process on the ENOENT it gets when the worker was first; test_http's
 * stop_while_clients_connect caught it). With poll() a worker rebuilds its set each turn and
 * quiesce only signals it, and at the connection counts this service sees (tens of kept-alive
 * dashboards and load balancers per worker) poll costs the same (measured with wrk: within
 * the run-to-run noise). Every callback below runs on one of those threads; a connection,
 * and so each of its requests, stays on one thread from its start to its end. Shared state is only
 * struct cf_app (read-only but for its atomics), the rates cache (its own lock) and the request-id
 * counter (an atomic, taken in blocks per thread). What a connection needs lives in its struct
 * conn_ctx (libmicrohttpd's socket context, made when the connection starts and freed when it
 * ends): the client's address, formatted once, and the request state (struct conn_req), reused by
 * each request, since a connection carries one request at a time. A request allocates only its body
 * and its response.
 *
 * Request life: the first access-handler call sees headers only. A Content-Length above the
 * body cap is answered 413 there and then (libmicrohttpd then stops reading and closes the
 * connection once the 413 is sent). Everything else is answered on a later call, because 0.9.75
 * closes the connection of a response queued on the first call, and load balancers and
 * dashboards rely on keep-alive. Body chunks are appended to a capped buffer; a chunked body
 * that crosses the cap is discarded and answered 413 at its end, or the connection is closed
 * when the discarding passes the lingering-close limits below. The completion callback logs
 * the request and frees its body in every case, aborted connections included.
 *
 * Lingering close (nginx's name for it): a client that writes its whole body before reading
 * (no "Expect: 100-continue": Python's urllib and requests) is still writing when the early 413
 * is sent, and closing a socket with unread data makes the kernel send a reset, which destroys
 * the 413 in the client's receive buffer (measured: 1 MB bodies failed two times in three, 2 MB
 * always, with EPIPE or ECONNRESET). So once the 413 is sent, the completion callback hands a
 * dup() of the connection's socket to the lingerer thread; libmicrohttpd then shuts down its
 * sending side (the client sees the 413 and end of stream) and closes its descriptor (its
 * poll set is rebuilt each turn, so its own events stop), while the duplicate keeps the
 * socket open. The lingerer reads and drops what arrives until the client closes, or until
 * lingering_close_bytes were read or lingering_close_timeout passed, and then closes it. At most
 * lingering_close_limit sockets linger at once; past that, or with lingering_close_bytes 0, the
 * socket is closed at once as before.
 *   Lingerer thread: one, started by server_start() when lingering is on, joined by
 *   server_stop() after the daemon has stopped (remaining sockets are then closed). Its epoll
 *   set holds the lingering sockets; an eventfd wakes it to stop.
 *   Lock: `lingerer.mu` guards the slots (which are in use, their descriptors, byte counts and
 *   deadlines) and `stop`. HTTP workers take it to add a socket (only after an early 413); the
 *   lingerer holds it while it reads (at most LINGER_BURST bytes per socket per wake-up, so a
 *   worker never waits long) and closes. Sockets are closed only by the lingerer.
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
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "computefit/log.h"
#include "computefit/metrics.h"

#define REQUEST_ID_MAX   64
#define REQUEST_ID_BLOCK 4096         /* request-id counter values a worker takes at a time */
#define LINGER_BURST     (256 * 1024) /* bytes read from one socket per wake-up of the lingerer */

struct linger_slot {
    int fd; /* -1 when the slot is free */
    size_t dropped;
    struct timespec deadline;
};

/* The lingering close (see DESIGN). */
struct lingerer {
    pthread_mutex_t mu; /* guards slots, n_used and stop */
    struct linger_slot *slots;
    size_t n_slots, n_used;
    bool stop;
    size_t max_bytes;
    long timeout_s;
    int epfd;   /* the lingering sockets, data.ptr = their slot */
    int wakefd; /* eventfd: stop */
    pthread_t thread;
};

struct cf_server {
    struct MHD_Daemon *daemon;
    struct cf_app *app;
    const struct route *routes;
    size_t n_routes;
    size_t max_body;
    size_t linger_bytes;   /* lingering_close_bytes: also bounds a too-big chunked body */
    long linger_timeout_s; /* lingering_close_timeout: likewise */
    unsigned port;
    uint64_t id_seed;          /* random per process: request ids are not guessable across runs */
    atomic_ulong id_count;     /* request ids are seed-mixed counters: unique within the server */
    struct lingerer *lingerer; /* NULL when lingering close is off */
};

struct conn_req {
    struct cf_server *srv;
    const char *peer; /* the connection's, for the log line */
    struct timespec start;
    char request_id[REQUEST_ID_MAX + 1];
    char method[16]; /* copies for the log line: MHD's strings die with the request */
    char path[256];
    char *body; /* capped at srv->max_body */
    size_t body_len;
    bool too_big;
    bool answered;
    bool early_413; /* answered from Content-Length before the body was read: linger */
    size_t dropped; /* bytes of a too-big chunked body read and dropped */
    int status;
    size_t bytes_out;
    const char *error_code;
    int route_id;
};

/* What lives as long as a connection (libmicrohttpd's socket context): the client's address,
 * formatted once, and the request state, reused by each request on the connection (a
 * connection carries one request at a time). Owned by the connection's worker thread. */
struct conn_ctx {
    char peer[INET6_ADDRSTRLEN];
    struct conn_req req;
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

/* Copies the C string `src` into `dst` of `cap` bytes, cut to fit, as snprintf("%s") would. */
static void copy_capped(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void request_id_assign(struct cf_server *srv, struct MHD_Connection *conn,
                              struct conn_req *cr)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (given && request_id_ok(given)) {
        copy_capped(cr->request_id, sizeof(cr->request_id), given);
        return;
    }
    /* Each worker takes counter values in blocks, so that the workers do not meet on one
     * atomic per request; the values stay unique within the server. (Worker threads belong to
     * one daemon and end with it, so a block never outlives its server.) */
    static _Thread_local uint64_t next, left;
    if (left == 0) {
        next = atomic_fetch_add(&srv->id_count, REQUEST_ID_BLOCK);
        left = REQUEST_ID_BLOCK;
    }
    left--;
    uint64_t id = mix64(srv->id_seed ^ mix64(next++));
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, id >>= 4) /* "%016llx", without printf */
        cr->request_id[i] = hex[id & 15];
    cr->request_id[16] = '\0';
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
    /* Answers are never stored, unless the handler says otherwise (the web page, the export). */
    bool cache_set = false;
    for (int i = 0; i < resp->n_headers; i++) {
        MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
        cache_set |= strcasecmp(resp->headers[i].name, MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
    }
    if (!cache_set)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
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
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_ctx *cx = ci ? ci->socket_context : NULL;
    if (!cx)
        return MHD_NO; /* out of memory at accept: drop the connection rather than lie */
    struct conn_req *cr = &cx->req;
    *cr = (struct conn_req){.srv = srv, .peer = cx->peer};
    clock_gettime(CLOCK_MONOTONIC, &cr->start);
    request_id_assign(srv, conn, cr);
    copy_capped(cr->method, sizeof(cr->method), method);
    copy_capped(cr->path, sizeof(cr->path), url);
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
            cr->early_413 = true;
            return queue(cr, conn, &resp);
        }
    }
    return MHD_YES;
}

/* Whether a too-big chunked body, which cannot be answered before its end (on 0.9.75 a response
 * cannot be queued mid-upload: docs/recipes.md), may still be read and dropped: within the
 * lingering-close limits, as an early 413's body is. Past them the connection is closed without
 * an answer. */
static bool may_keep_dropping(const struct conn_req *cr)
{
    const struct cf_server *srv = cr->srv;
    if (cr->dropped > srv->linger_bytes)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec - cr->start.tv_sec < srv->linger_timeout_s;
}

/* Takes one chunk of the body; returns false when the connection should be closed. */
static bool on_body_chunk(struct conn_req *cr, const char *data, size_t len)
{
    if (cr->too_big) {
        cr->dropped += len;
        return may_keep_dropping(cr);
    }
    if (cr->body_len + len > cr->srv->max_body) {
        cr->too_big = true;
        cr->dropped = cr->body_len + len;
        free(cr->body);
        cr->body = NULL;
        cr->body_len = 0;
        return may_keep_dropping(cr);
    }
    char *grown = realloc(cr->body, cr->body_len + len + 1);
    if (!grown) {
        cr->too_big = true; /* answered as an error below; never a crash */
        return true;
    }
    memcpy(grown + cr->body_len, data, len);
    cr->body = grown;
    cr->body_len += len;
    cr->body[cr->body_len] = '\0';
    return true;
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
        bool more = on_body_chunk(cr, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return more ? MHD_YES : MHD_NO;
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

static void lock_or_die(int r)
{
    if (r != 0)
        abort(); /* a failing lock call is a bug; never limp on */
}

static bool passed(const struct timespec *now, const struct timespec *t)
{
    return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

/* Closes a lingering socket and frees its slot. The lingerer only, with mu held. The socket is
 * taken out of the epoll set first: libmicrohttpd may not have closed its own descriptor yet,
 * and the set would otherwise keep reporting the open socket for a slot that is reused. */
static void linger_release(struct lingerer *lg, struct linger_slot *sl)
{
    epoll_ctl(lg->epfd, EPOLL_CTL_DEL, sl->fd, NULL);
    close(sl->fd);
    sl->fd = -1;
    lg->n_used--;
}

/* Reads and drops what a lingering socket holds (at most LINGER_BURST bytes, so that a worker
 * adding a socket never waits long for mu). Releases the slot at end of stream, on an error or
 * past max_bytes. The lingerer only, with mu held. */
static void linger_drain(struct lingerer *lg, struct linger_slot *sl, char *buf, size_t cap)
{
    for (size_t burst = 0; burst < LINGER_BURST;) {
        ssize_t n = read(sl->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* all read for now; epoll says when more comes */
        if (n <= 0) {
            linger_release(lg, sl); /* the client closed (or reset): done */
            return;
        }
        burst += (size_t)n;
        sl->dropped += (size_t)n;
        if (sl->dropped > lg->max_bytes) {
            linger_release(lg, sl); /* past the limit: close, a reset if more is coming */
            return;
        }
    }
}

static void *linger_main(void *arg)
{
    struct lingerer *lg = arg;
    char buf[64 * 1024]; /* dropped bytes land here */
    struct epoll_event ev[64];
    int timeout_ms = -1;
    for (;;) {
        int n = epoll_wait(lg->epfd, ev, 64, timeout_ms);
        if (n < 0 && errno != EINTR)
            abort(); /* only a bug makes epoll_wait fail */
        lock_or_die(pthread_mutex_lock(&lg->mu));
        if (lg->stop) {
            lock_or_die(pthread_mutex_unlock(&lg->mu));
            break;
        }
        for (int i = 0; i < n; i++) {
            struct linger_slot *sl = ev[i].data.ptr;
            if (!sl) {
                eventfd_t v;
                eventfd_read(lg->wakefd, &v); /* a socket was added: recompute the timeout */
            } else if (sl->fd >= 0) {
                linger_drain(lg, sl, buf, sizeof(buf));
            }
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        timeout_ms = -1;
        for (size_t i = 0; i < lg->n_slots && lg->n_used; i++) {
            struct linger_slot *sl = &lg->slots[i];
            if (sl->fd < 0)
                continue;
            if (passed(&now, &sl->deadline)) {
                linger_release(lg, sl); /* the client is too slow: close */
                continue;
            }
            long ms = (sl->deadline.tv_sec - now.tv_sec) * 1000 +
                      (sl->deadline.tv_nsec - now.tv_nsec) / 1000000 + 1;
            if (timeout_ms < 0 || ms < timeout_ms)
                timeout_ms = (int)ms;
        }
        lock_or_die(pthread_mutex_unlock(&lg->mu));
    }
    return NULL;
}

/* Hands the socket of a connection whose early 413 has been sent to the lingerer, as a
 * duplicate descriptor (libmicrohttpd closes its own). When every slot is taken the socket is
 * not kept and closes with the connection, as without lingering. Any HTTP worker. */
static void linger_add(struct lingerer *lg, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return;
    lock_or_die(pthread_mutex_lock(&lg->mu));
    struct linger_slot *sl = NULL;
    for (size_t i = 0; !lg->stop && lg->n_used < lg->n_slots && i < lg->n_slots; i++) {
        if (lg->slots[i].fd < 0) {
            sl = &lg->slots[i];
            break;
        }
    }
    int fd = sl ? fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (fd >= 0) {
        /* libmicrohttpd's sockets are non-blocking already (the flag is the socket's, shared
         * with the duplicate); the lingerer's reads rely on it, so make sure. */
        int fl = fcntl(fd, F_GETFL);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = sl};
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
            epoll_ctl(lg->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
        } else {
            sl->fd = fd;
            sl->dropped = 0;
            clock_gettime(CLOCK_MONOTONIC, &sl->deadline);
            sl->deadline.tv_sec += lg->timeout_s;
            lg->n_used++;
            eventfd_write(lg->wakefd, 1);
        }
    }
    lock_or_die(pthread_mutex_unlock(&lg->mu));
}

/* Joins the lingerer and closes what still lingers. Called after the daemon has stopped, so no
 * worker can add a socket any more. Accepts NULL. */
static void linger_stop(struct lingerer *lg)
{
    if (!lg)
        return;
    lock_or_die(pthread_mutex_lock(&lg->mu));
    lg->stop = true;
    lock_or_die(pthread_mutex_unlock(&lg->mu));
    eventfd_write(lg->wakefd, 1);
    lock_or_die(pthread_join(lg->thread, NULL));
    for (size_t i = 0; i < lg->n_slots; i++)
        if (lg->slots[i].fd >= 0)
            close(lg->slots[i].fd);
    close(lg->epfd);
    close(lg->wakefd);
    pthread_mutex_destroy(&lg->mu);
    free(lg->slots);
    free(lg);
}

/* Starts the lingerer for up to `limit` sockets; returns NULL when it cannot (then sockets are
 * closed at once, as without lingering, and a warning says why). */
static struct lingerer *linger_start(size_t limit, size_t max_bytes, long timeout_s)
{
    struct lingerer *lg = calloc(1, sizeof(*lg));
    if (!lg)
        goto fail;
    lg->epfd = lg->wakefd = -1;
    lg->slots = calloc(limit, sizeof(*lg->slots));
    lg->epfd = epoll_create1(EPOLL_CLOEXEC);
    lg->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!lg->slots || lg->epfd < 0 || lg->wakefd < 0)
        goto fail;
    for (size_t i = 0; i < limit; i++)
        lg->slots[i].fd = -1;
    lg->n_slots = limit;
    lg->max_bytes = max_bytes;
    lg->timeout_s = timeout_s;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(lg->epfd, EPOLL_CTL_ADD, lg->wakefd, &ev) != 0 ||
        pthread_mutex_init(&lg->mu, NULL) != 0)
        goto fail;
    if (pthread_create(&lg->thread, NULL, linger_main, lg) != 0) {
        pthread_mutex_destroy(&lg->mu);
        goto fail;
    }
    return lg;
fail:
    LOG_FIELDS(CF_LOG_WARN, "lingering_close_off",
               LOGF_S("message", "cannot start the lingering-close thread; an early 413 closes "
                                 "the connection at once"));
    if (lg) {
        if (lg->epfd >= 0)
            close(lg->epfd);
        if (lg->wakefd >= 0)
            close(lg->wakefd);
        free(lg->slots);
        free(lg);
    }
    return NULL;
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
    log_access(&(struct log_access){.request_id = cr->request_id,
                                    .method = cr->method,
                                    .path = cr->path,
                                    .status = cr->status,
                                    .duration_us = us,
                                    .bytes_out = (int64_t)cr->bytes_out,
                                    .error = cr->error_code,
                                    .peer = cr->peer,
                                    .completed = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK});
    if (cr->answered)
        metrics_observe(srv->app->metrics, cr->route_id, cr->status, us);
    if (cr->early_413 && srv->lingerer && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        linger_add(srv->lingerer, conn); /* the 413 is sent; read the body it refused */
    free(cr->body);
    cr->body = NULL; /* cr is the connection's, reused by its next request */
    atomic_fetch_sub(&srv->app->in_flight, 1);
}

/* Connection start and end: the connection's context is made and freed here. A request's
 * completion callback always comes before its connection's end. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code != MHD_CONNECTION_NOTIFY_STARTED) {
        free(*socket_context);
        *socket_context = NULL;
        return;
    }
    struct conn_ctx *cx = malloc(sizeof(*cx));
    if (cx) {
        cx->peer[0] = '\0';
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET,
                      &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
                      cx->peer, sizeof(cx->peer));
    }
    *socket_context = cx;
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

/* File descriptors the process needs besides its connections: the listening socket, one
 * inter-thread channel per worker (an eventfd, or a pipe: two), the lingerer's epoll fd and
 * eventfd, stdio, the refresher's sockets and files, and slack for libraries (redis'
 * CONFIG_MIN_RESERVED_FDS plays the same role). */
#define RESERVED_FDS 32

/* Makes room in RLIMIT_NOFILE for `wanted` connections, as redis' adjustOpenFilesLimit does:
 * the soft limit (often 1024) is raised toward the hard limit, which an unprivileged process
 * may do. When even the hard limit is too low, the connection limit is clamped to what fits
 * and a warning says so: libmicrohttpd would otherwise accept connections until accept()
 * fails with EMFILE, and then the health checks could not get through either. Sockets in a
 * lingering close (`lingering`) are no longer libmicrohttpd's connections but still hold a
 * descriptor each. Returns the connection limit to use. */
static long connection_budget(long wanted, long threads, long lingering)
{
    rlim_t spare = RESERVED_FDS + 2 * (rlim_t)threads + (rlim_t)lingering;
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
    srv->linger_bytes = (size_t)cfg->lingering_close_bytes;
    srv->linger_timeout_s = cfg->lingering_close_timeout_s;
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
        {MHD_OPTION_CONNECTION_LIMIT,
         connection_budget(cfg->connection_limit, threads, cfg->lingering_close_limit), NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connection_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory_limit, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape_keep_nul, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* Before the daemon: the workers read srv->lingerer from their first request on. */
    if (cfg->lingering_close_bytes > 0 && cfg->lingering_close_limit > 0)
        srv->lingerer =
            linger_start((size_t)cfg->lingering_close_limit, (size_t)cfg->lingering_close_bytes,
                         cfg->lingering_close_timeout_s);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon) {
        linger_stop(srv->lingerer);
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
    /* Quiescing hands the listening socket back. Shutting it down at once makes new connections
     * fail fast instead of waiting in the kernel's backlog for a server that will not answer;
     * it is closed only after MHD_stop_daemon(), because a worker may not have rebuilt its poll
     * set yet (libmicrohttpd's rule for threaded daemons; TSan saw the race). */
    MHD_socket listen_fd = MHD_quiesce_daemon(srv->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        shutdown(listen_fd, SHUT_RDWR);
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
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    linger_stop(srv->lingerer); /* after the daemon: no worker adds a socket any more */
    free(srv);
}
