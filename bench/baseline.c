/*
 * baseline.c - the floor of our own stack: the cheapest libmicrohttpd server that is set up like
 * src/http/server.c, for scripts/bench to measure computefit against in the same run.
 *
 * DESIGN
 * Same daemon as server_start(): MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC,
 * a thread pool of `threads` (0 = number of cores), and the same connection limit, per-IP limit,
 * connection timeout, per-connection memory limit and body cap. These come from the same
 * configuration code (config_load: defaults < config file < COMPUTEFIT_* < flags), so both
 * servers run with identical settings from identical flags. What the baseline leaves out is
 * everything computefit does on top: routing, request ids, extra headers, the access log,
 * metrics and the work of the handlers.
 *   GET (any path): a fixed JSON body, {"status":"ok"} (what /healthz answers).
 *   POST (any path): the body is read in chunks into a capped buffer, parsed with json_loadb
 *   and re-serialised with json_dumps (application/json); 400 when it is not JSON, 413 past
 *   the cap.
 *   POST /sized (with --sized-body N): the body is read and parsed the same way, then answered
 *   with a fixed JSON body of exactly N bytes, built once at start-up. This is the floor for a
 *   route that parses a small request and answers a large one (POST /advise: the bench passes
 *   the size of /advise's own answer).
 * Like computefit, every request is answered on its second access-handler call or later, so
 * connections stay alive (0.9.75 closes a connection answered on the first call).
 * Threads: only libmicrohttpd's; per-request state (struct req) is owned by the request and
 * freed in the completion callback. The main thread waits for SIGINT/SIGTERM with sigwait().
 * The chosen port is printed on stdout ("port N") so that a script can start it with --port 0.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "computefit/config.h"

extern char **environ;

static const char get_body[] = "{\"status\":\"ok\"}";

struct req {
    char *body;
    size_t len;
    bool too_big;
};

struct baseline {
    size_t max_body;
    char *sized; /* the fixed answer of POST /sized, or NULL */
    size_t sized_len;
};

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, char *body, size_t len,
                              enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result answer_static(struct MHD_Connection *conn, unsigned status, const char *text)
{
    /* PERSISTENT: libmicrohttpd only reads the buffer; the cast drops a const it never uses. */
    return answer(conn, status, (char *)(uintptr_t)text, strlen(text), MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct baseline *b = cls;
    struct req *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof(*rq));
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES; /* answer on a later call: keep-alive */
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->too_big || rq->len + n > b->max_body) {
            rq->too_big = true;
            return MHD_YES;
        }
        char *grown = realloc(rq->body, rq->len + n + 1);
        if (!grown) {
            rq->too_big = true;
            return MHD_YES;
        }
        memcpy(grown + rq->len, upload_data, n);
        rq->body = grown;
        rq->len += n;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return answer_static(conn, 200, get_body);
    if (rq->too_big)
        return answer_static(conn, 413, "{\"error\":\"too_big\"}");
    json_t *doc = json_loadb(rq->body ? rq->body : "", rq->len, 0, NULL);
    if (!doc)
        return answer_static(conn, 400, "{\"error\":\"invalid_json\"}");
    if (b->sized && strcmp(url, "/sized") == 0) {
        json_decref(doc);
        return answer(conn, 200, b->sized, b->sized_len, MHD_RESPMEM_PERSISTENT);
    }
    char *out = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!out)
        return MHD_NO;
    return answer(conn, 200, out, strlen(out), MHD_RESPMEM_MUST_FREE);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct req *rq = *con_cls;
    if (!rq)
        return;
    *con_cls = NULL;
    free(rq->body);
    free(rq);
}

/* A JSON object of exactly `n` bytes ({"pad":"xxx...x"}), or NULL when n is too small. */
static char *sized_body(size_t n)
{
    static const char head[] = "{\"pad\":\"", tail[] = "\"}";
    size_t fixed = sizeof(head) - 1 + sizeof(tail) - 1;
    if (n < fixed)
        return NULL;
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, head, sizeof(head) - 1);
    memset(s + sizeof(head) - 1, 'x', n - fixed);
    memcpy(s + n - (sizeof(tail) - 1), tail, sizeof(tail));
    return s;
}

int main(int argc, char **argv)
{
    struct cf_config cfg;
    struct cf_error err = {0};
    struct baseline b = {0};
    /* --sized-body N is the baseline's own flag; every other argument is a computefit flag. */
    if (argc >= 3 && strcmp(argv[1], "--sized-body") == 0) {
        char *end = NULL;
        unsigned long long n = strtoull(argv[2], &end, 10);
        if (!end || *end || !(b.sized = sized_body((size_t)n))) {
            fprintf(stderr, "computefit-baseline: --sized-body needs a byte count of 12 or more\n");
            return 2;
        }
        b.sized_len = (size_t)n;
        argc -= 2;
        argv += 2;
    }
    int r = config_load(&cfg, argc - 1, argv + 1, environ, &err);
    if (r == 1)
        return 0;
    if (r != 0) {
        fprintf(stderr, "computefit-baseline: %s: %s\n", err.field, err.message);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    json_object_seed(0);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    b.max_body = (size_t)cfg.max_body_bytes;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port)};
    if (inet_pton(AF_INET, cfg.bind, &addr.sin_addr) != 1) {
        fprintf(stderr, "computefit-baseline: bind must be an IPv4 address\n");
        return 2;
    }
    long threads = cfg.threads > 0 ? cfg.threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, cfg.connection_limit, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg.per_ip_connection_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, cfg.connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg.connection_memory_limit, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    struct MHD_Daemon *d = MHD_start_daemon(flags, (uint16_t)cfg.port, NULL, NULL, on_request, &b,
                                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "computefit-baseline: cannot listen on %s:%ld\n", cfg.bind, cfg.port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u threads %ld\n", info ? info->port : (unsigned)cfg.port, threads);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    free(b.sized);
    return 0;
}
