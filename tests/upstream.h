/*
 * upstream.h - a local HTTP upstream for the tests: a stand-in for the AWS Price List endpoint.
 *
 * It listens on 127.0.0.1, on a port the kernel picks, and serves:
 * - a tree of files from a directory (URL path -> root_dir + path), and in-memory bodies that a
 *   test puts under any path (these win over the directory);
 * - bodies generated on the fly, chunk by chunk, by a test's callbacks (a 200+ MB offer file is
 *   streamed without being stored anywhere);
 * each with Content-Type (from the extension), an ETag (a hash of the content), Last-Modified,
 * and 304 for a matching If-None-Match (or, without one, If-Modified-Since);
 * - gzip: a directory file with a ".gz" sibling is served from it with Content-Encoding: gzip to
 *   a client that accepts gzip; a path marked with upstream_set_gzip is gzip-encoded on the fly
 *   (stored deflate blocks: a real gzip stream that any inflater decodes, without linking zlib);
 * - faults per path (struct upstream_fault): an error status, a stall before the headers or in
 *   the middle of the body, a truncated body, a dropped connection, a bad ETag, another body,
 *   or raw bytes on the socket (wrong lengths, bad chunking, bad gzip) closed with a FIN or an
 *   RST;
 * and counts the requests per path and keeps the last request's headers for the test to check.
 *
 * Start it inside a Check *checked* fixture (so it lives in the forked test process) and stop it
 * in the fixture's teardown. Every function is safe to call from the test thread while the
 * server's threads answer requests (one mutex guards the path table).
 */
#ifndef COMPUTEFIT_TEST_UPSTREAM_H
#define COMPUTEFIT_TEST_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct upstream;

/* A fault applied to the requests for one path. Zero-initialise and set what you need. */
struct upstream_fault {
    int times;              /* how many requests it applies to, then it is cleared; 0 = all */
    int status;             /* answer this status (short text body) instead; 0 = no */
    long retry_after_s;     /* with status: send Retry-After (0 = not sent) */
    const char *location;   /* with status: send this Location header (copied; redirects) */
    bool drop;              /* close the connection without any response */
    long stall_before_ms;   /* wait this long before sending the response */
    long stall_ms;          /* with stall_after_bytes: stop sending the body for this long ... */
    long stall_after_bytes; /* ... once this many body bytes were handed over */
    bool truncate;          /* announce the full Content-Length, send truncate_after bytes of */
    long truncate_after;    /* the body, then close the connection */
    bool chunked;           /* send the body without Content-Length (chunked) */
    const char *etag;       /* send this ETag header verbatim (copied); NULL = the real one */
    const char *body;       /* serve these bytes instead (copied); NULL = the real body */
    size_t body_len;
    /* The whole response written verbatim to the socket (copied): status line, headers and
     * body with any framing, right or wrong (a Content-Length that lies, a bad chunk size,
     * a Content-Encoding the body does not have). The connection is then closed: with a FIN,
     * or with an RST when `reset` (SO_LINGER {1, 0} and an abortive disconnect: the client's
     * next read fails with ECONNRESET). */
    const char *raw;
    size_t raw_len;
    bool reset;
};

/* Generates a body on the fly. `open` is called once per request (on a server thread) and
 * returns that request's state, or NULL to fail the request with 500; `read` fills up to `max`
 * bytes and returns how many (> 0), 0 at the end of the body, or -1 to cut the connection;
 * `close` frees the state (called in every case). `ctx` is borrowed. Requests may run
 * concurrently: keep per-request data in the state. */
struct upstream_generator {
    void *(*open)(void *ctx);
    long (*read)(void *state, char *buf, size_t max);
    void (*close)(void *state);
    void *ctx;
};

/* What was asked of one path. */
struct upstream_stats {
    unsigned requests;     /* every request for the path, whatever the answer */
    unsigned ok;           /* answered 200 with a body */
    unsigned not_modified; /* answered 304 */
};

/* Starts a server on 127.0.0.1 on a free port. `root_dir` (copied; may be NULL) is the
 * directory whose tree is served. Returns 0 and sets *ret_upstream (the caller
 * upstream_stop()s it), or -1 when the daemon cannot start. */
int upstream_start(const char *root_dir, struct upstream **ret_upstream);

/* Stops the server: interrupts stalls, closes connections, waits for its threads, frees
 * everything. Accepts NULL. */
void upstream_stop(struct upstream *u);

/* Returns the port the server listens on. */
unsigned upstream_port(const struct upstream *u);

/* Writes "http://127.0.0.1:<port><path>" into buf (cap bytes); returns buf. */
char *upstream_url(const struct upstream *u, const char *path, char *buf, size_t cap);

/* Serves a copy of `data` (len bytes) at `path` with `content_type` (NULL: from the
 * extension). The ETag follows the content; Last-Modified becomes now (see
 * upstream_set_mtime). Returns 0, or -1 when out of memory. */
int upstream_put(struct upstream *u, const char *path, const void *data, size_t len,
                 const char *content_type);

/* Serves a generated body at `path`: `size` bytes long (sent as Content-Length), or of unknown
 * size (-1: chunked). `gen` is copied; gen->ctx stays borrowed and must outlive the server.
 * A generated body has no ETag unless a fault sets one. Returns 0 or -1. */
int upstream_put_generated(struct upstream *u, const char *path,
                           const struct upstream_generator *gen, int64_t size);

/* Sets the Last-Modified time of an in-memory or generated path. */
void upstream_set_mtime(struct upstream *u, const char *path, time_t mtime);

/* Gzip-encodes the body of `path` on the fly for clients that send Accept-Encoding: gzip. */
void upstream_set_gzip(struct upstream *u, const char *path, bool on);

/* Sets (a copy of) `fault` on `path`, or clears it when fault is NULL. */
void upstream_set_fault(struct upstream *u, const char *path, const struct upstream_fault *fault);

/* Returns the counters of `path` (all zero when it was never asked for). */
struct upstream_stats upstream_stats(struct upstream *u, const char *path);

/* Copies the value of request header `name` (case-insensitive) of the last request for `path`
 * into buf (cap bytes). Returns false when that request had no such header, or when there was
 * no request. */
bool upstream_last_header(struct upstream *u, const char *path, const char *name, char *buf,
                          size_t cap);

/* Formats `t` as an HTTP date (IMF-fixdate) into buf (at least 30 bytes); returns buf. */
char *upstream_http_date(time_t t, char *buf, size_t cap);

#endif
