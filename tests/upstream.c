/*
 * upstream.c - a local HTTP upstream for the tests (libmicrohttpd 0.9.75).
 *
 * DESIGN
 * Threads: libmicrohttpd runs one thread per connection (MHD_USE_THREAD_PER_CONNECTION), so a
 * stalled response holds only its own connection, and a stall may simply sleep. Every callback
 * below runs on a connection thread. The test thread configures paths while requests run.
 *
 * Lock: `u->lock` guards the path table (`u->entries`) and everything in each entry: bodies,
 * generators, faults, counters, the last request's headers. Callbacks take it only to look up
 * and copy what they need into their own request state (struct up_req / struct up_body), then
 * release it: a response never points into the table, so the test may replace a body while an
 * older copy is still being sent.
 *
 * Stop: `u->stopping` (atomic) is set first; every sleep (stalls) is cut into 5 ms slices that
 * check it, so MHD_stop_daemon(), which joins the connection threads, returns promptly.
 *
 * Request life: the first access-handler call (headers only) counts the request, records its
 * headers and takes a one-shot snapshot of the path's fault; the response is queued on the
 * second call (0.9.75 would close the connection of a response queued on the first, and the
 * fetcher's keep-alive is worth exercising). The completion callback frees the request state;
 * the response's free callback frees the body state.
 */
#include "upstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define UP_MAX_HEADERS    64
#define UP_SLEEP_SLICE_MS 5

enum up_kind { UP_NONE, UP_MEM, UP_GEN };

struct up_fault {
    struct upstream_fault f; /* etag/body/location/raw point at the copies below */
    char *etag;
    char *body;
    char *location;
    char *raw;
};

struct up_entry {
    char *path;
    enum up_kind kind;
    char *data;
    size_t len;
    char content_type[64];
    time_t mtime;
    struct upstream_generator gen;
    int64_t gen_size;
    bool gzip;
    bool has_fault;
    struct up_fault fault;
    int fault_left;
    struct upstream_stats stats;
    char *hdr_name[UP_MAX_HEADERS];
    char *hdr_value[UP_MAX_HEADERS];
    size_t n_hdr;
    struct up_entry *next;
};

struct upstream {
    struct MHD_Daemon *daemon;
    unsigned port;
    char *root;
    atomic_bool stopping;
    pthread_mutex_t lock; /* guards entries and all they hold */
    struct up_entry *entries;
};

/* What one request will be answered with: a private snapshot taken under the lock. */
struct up_req {
    char *path;
    bool has_fault;
    struct up_fault fault;
    bool accepts_gzip;
    char *if_none_match;
    char *if_modified_since;
};

/* The body of one response sent through the content-reader callback. */
struct up_body {
    struct upstream *u;
    char *data; /* UP_MEM: owned copy */
    size_t len;
    struct upstream_generator gen; /* UP_GEN */
    void *gen_state;
    bool truncate;
    uint64_t truncate_after;
    long stall_ms;
    uint64_t stall_after;
    bool stalled;
};

static void lock(struct upstream *u)
{
    if (pthread_mutex_lock(&u->lock) != 0)
        abort();
}

static void unlock(struct upstream *u)
{
    if (pthread_mutex_unlock(&u->lock) != 0)
        abort();
}

static void fault_free(struct up_fault *f)
{
    free(f->etag);
    free(f->body);
    free(f->location);
    free(f->raw);
    memset(f, 0, sizeof(*f));
}

/* Deep-copies src into dst; returns false when out of memory (dst is then empty). */
static bool fault_copy(struct up_fault *dst, const struct upstream_fault *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->f = *src;
    dst->f.etag = NULL;
    dst->f.body = NULL;
    dst->f.location = NULL;
    dst->f.raw = NULL;
    if (src->etag && !(dst->etag = strdup(src->etag)))
        goto fail;
    if (src->location && !(dst->location = strdup(src->location)))
        goto fail;
    if (src->body) {
        dst->body = malloc(src->body_len ? src->body_len : 1);
        if (!dst->body)
            goto fail;
        memcpy(dst->body, src->body, src->body_len);
    }
    if (src->raw) {
        dst->raw = malloc(src->raw_len ? src->raw_len : 1);
        if (!dst->raw)
            goto fail;
        memcpy(dst->raw, src->raw, src->raw_len);
    }
    dst->f.etag = dst->etag;
    dst->f.raw = dst->raw;
    dst->f.body = dst->body;
    dst->f.location = dst->location;
    return true;
fail:
    fault_free(dst);
    return false;
}

static void entry_clear_headers(struct up_entry *e)
{
    for (size_t i = 0; i < e->n_hdr; i++) {
        free(e->hdr_name[i]);
        free(e->hdr_value[i]);
    }
    e->n_hdr = 0;
}

static void entry_free(struct up_entry *e)
{
    if (!e)
        return;
    entry_clear_headers(e);
    fault_free(&e->fault);
    free(e->data);
    free(e->path);
    free(e);
}

/* Returns the entry for path, creating an empty one when `create`; NULL when absent or out of
 * memory. Called with the lock held. */
static struct up_entry *entry_get(struct upstream *u, const char *path, bool create)
{
    for (struct up_entry *e = u->entries; e; e = e->next)
        if (strcmp(e->path, path) == 0)
            return e;
    if (!create)
        return NULL;
    struct up_entry *e = calloc(1, sizeof(*e));
    if (!e || !(e->path = strdup(path))) {
        free(e);
        return NULL;
    }
    e->mtime = time(NULL);
    e->next = u->entries;
    u->entries = e;
    return e;
}

char *upstream_http_date(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        snprintf(buf, cap, "%s", "Thu, 01 Jan 1970 00:00:00 GMT");
    return buf;
}

static bool parse_http_date(const char *s, time_t *ret)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return false;
    *ret = timegm(&tm);
    return true;
}

static const char *content_type_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".json") == 0)
        return "application/json";
    if (dot && strcmp(dot, ".csv") == 0)
        return "text/csv";
    if (dot && strcmp(dot, ".gz") == 0)
        return "application/gzip";
    return "application/octet-stream";
}

/* A strong ETag from the content: FNV-1a 64, plus a suffix per encoding. */
static void etag_for(const char *data, size_t len, const char *suffix, char *out, size_t cap)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 0x100000001b3ULL;
    }
    snprintf(out, cap, "\"%016llx%s\"", (unsigned long long)h, suffix);
}

static uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* Wraps data in a gzip stream made of stored deflate blocks (RFC 1951 3.2.4, RFC 1952). Returns
 * a new malloc()ed buffer and its length, or NULL when out of memory. */
static char *gzip_stored(const char *data, size_t len, size_t *ret_len)
{
    size_t blocks = len / 65535 + 1;
    size_t out_len = 10 + blocks * 5 + len + 8;
    unsigned char *out = malloc(out_len);
    if (!out)
        return NULL;
    unsigned char *p = out;
    const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    memcpy(p, hdr, sizeof(hdr));
    p += sizeof(hdr);
    size_t off = 0;
    for (size_t b = 0; b < blocks; b++) {
        size_t n = len - off > 65535 ? 65535 : len - off;
        *p++ = b + 1 == blocks ? 1 : 0; /* BFINAL, BTYPE 00 (stored) */
        *p++ = (unsigned char)(n & 0xff);
        *p++ = (unsigned char)(n >> 8);
        *p++ = (unsigned char)(~n & 0xff);
        *p++ = (unsigned char)((~n >> 8) & 0xff);
        memcpy(p, data + off, n);
        p += n;
        off += n;
    }
    uint32_t crc = crc32_update(0, (const unsigned char *)data, len);
    uint32_t isize = (uint32_t)len;
    for (int i = 0; i < 4; i++)
        *p++ = (unsigned char)(crc >> (8 * i));
    for (int i = 0; i < 4; i++)
        *p++ = (unsigned char)(isize >> (8 * i));
    *ret_len = (size_t)(p - out);
    return (char *)out;
}

/* Reads a whole regular file; returns a new malloc()ed buffer or NULL. */
static char *read_file(const char *path, size_t *ret_len, time_t *ret_mtime)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        goto out;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0) {
            free(buf);
            buf = NULL;
            goto out;
        }
        got += (size_t)n;
    }
    *ret_len = got;
    *ret_mtime = st.st_mtime;
out:
    close(fd);
    return buf;
}

/* Sleeps ms milliseconds in slices, returning early when the server stops. */
static void nap(struct upstream *u, long ms)
{
    while (ms > 0 && !atomic_load(&u->stopping)) {
        long slice = ms < UP_SLEEP_SLICE_MS ? ms : UP_SLEEP_SLICE_MS;
        struct timespec ts = {0, slice * 1000000L};
        nanosleep(&ts, NULL);
        ms -= slice;
    }
}

/* Does an If-None-Match list match etag (weak comparison, "*" matches anything)? */
static bool inm_matches(const char *inm, const char *etag)
{
    if (strcmp(inm, "*") == 0)
        return true;
    const char *want = etag;
    if (strncmp(want, "W/", 2) == 0)
        want += 2;
    size_t wn = strlen(want);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        const char *end = p;
        if (*p == '"') {
            end = strchr(p + 1, '"');
            end = end ? end + 1 : p + strlen(p);
        } else {
            while (*end && *end != ',')
                end++;
        }
        if ((size_t)(end - p) == wn && strncmp(p, want, wn) == 0)
            return true;
        if (end == p)
            break;
        p = end;
    }
    return false;
}

struct hdr_collect {
    struct up_entry *e;
    struct up_req *req;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    (void)kind;
    struct hdr_collect *c = cls;
    if (!value)
        value = "";
    if (c->e->n_hdr < UP_MAX_HEADERS) {
        char *k = strdup(key), *v = strdup(value);
        if (k && v) {
            c->e->hdr_name[c->e->n_hdr] = k;
            c->e->hdr_value[c->e->n_hdr] = v;
            c->e->n_hdr++;
        } else {
            free(k);
            free(v);
        }
    }
    if (strcasecmp(key, "Accept-Encoding") == 0 && strstr(value, "gzip"))
        c->req->accepts_gzip = true;
    else if (strcasecmp(key, "If-None-Match") == 0 && !c->req->if_none_match)
        c->req->if_none_match = strdup(value);
    else if (strcasecmp(key, "If-Modified-Since") == 0 && !c->req->if_modified_since)
        c->req->if_modified_since = strdup(value);
    return MHD_YES;
}

static void req_free(struct up_req *r)
{
    if (!r)
        return;
    free(r->path);
    fault_free(&r->fault);
    free(r->if_none_match);
    free(r->if_modified_since);
    free(r);
}

static ssize_t body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct up_body *b = cls;
    if (b->truncate && pos >= b->truncate_after)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (b->stall_ms > 0 && !b->stalled && pos >= b->stall_after) {
        nap(b->u, b->stall_ms);
        b->stalled = true;
    }
    if (atomic_load(&b->u->stopping))
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t limit = max;
    if (b->truncate && b->truncate_after - pos < limit)
        limit = (size_t)(b->truncate_after - pos);
    if (b->stall_ms > 0 && !b->stalled && b->stall_after - pos < limit)
        limit = (size_t)(b->stall_after - pos);
    if (b->gen.read) {
        long n = b->gen.read(b->gen_state, buf, limit);
        if (n < 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (n == 0)
            return b->truncate ? MHD_CONTENT_READER_END_WITH_ERROR
                               : MHD_CONTENT_READER_END_OF_STREAM;
        return (ssize_t)n;
    }
    if (pos >= b->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = b->len - (size_t)pos < limit ? b->len - (size_t)pos : limit;
    memcpy(buf, b->data + pos, n);
    return (ssize_t)n;
}

static void body_free(void *cls)
{
    struct up_body *b = cls;
    if (!b)
        return;
    if (b->gen.close && b->gen_state)
        b->gen.close(b->gen_state);
    free(b->data);
    free(b);
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned status, const char *text,
                                  long retry_after_s, const char *location)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/plain");
    if (retry_after_s > 0) {
        char ra[32];
        snprintf(ra, sizeof(ra), "%ld", retry_after_s);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    if (location)
        MHD_add_response_header(resp, "Location", location);
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static void count(struct upstream *u, const char *path, int status)
{
    lock(u);
    struct up_entry *e = entry_get(u, path, false);
    if (e) {
        if (status == MHD_HTTP_OK)
            e->stats.ok++;
        else if (status == MHD_HTTP_NOT_MODIFIED)
            e->stats.not_modified++;
    }
    unlock(u);
}

/* Finds what to serve at path: an entry's body or generator, or a file under the root. On
 * success fills the out-parameters (data is a new malloc()ed copy for UP_MEM). Returns the kind,
 * UP_NONE when there is nothing (404), or -1 when out of memory. */
static int lookup(struct upstream *u, const struct up_req *req, char **ret_data, size_t *ret_len,
                  char *ret_ct, size_t ct_cap, time_t *ret_mtime,
                  struct upstream_generator *ret_gen, int64_t *ret_size, bool *ret_gzip_on_fly,
                  bool *ret_pre_gzipped)
{
    *ret_gzip_on_fly = *ret_pre_gzipped = false;
    lock(u);
    struct up_entry *e = entry_get(u, req->path, false);
    enum up_kind kind = e ? e->kind : UP_NONE;
    if (kind == UP_MEM) {
        char *copy = malloc(e->len ? e->len : 1);
        if (!copy) {
            unlock(u);
            return -1;
        }
        memcpy(copy, e->data, e->len);
        *ret_data = copy;
        *ret_len = e->len;
        snprintf(ret_ct, ct_cap, "%s", e->content_type);
        *ret_mtime = e->mtime;
        *ret_gzip_on_fly = e->gzip && req->accepts_gzip;
    } else if (kind == UP_GEN) {
        *ret_gen = e->gen;
        *ret_size = e->gen_size;
        snprintf(ret_ct, ct_cap, "%s", e->content_type);
        *ret_mtime = e->mtime;
    }
    bool gzip_mark = e && e->gzip;
    unlock(u);
    if (kind != UP_NONE)
        return (int)kind;

    /* the directory tree: no "..", no query, nothing outside the root */
    if (!u->root || req->path[0] != '/' || strstr(req->path, "/..") || strstr(req->path, "//"))
        return UP_NONE;
    size_t n = strlen(u->root) + strlen(req->path) + 4;
    char *file = malloc(n);
    if (!file)
        return -1;
    char *data = NULL;
    if (req->accepts_gzip) {
        snprintf(file, n, "%s%s.gz", u->root, req->path);
        data = read_file(file, ret_len, ret_mtime);
        *ret_pre_gzipped = data != NULL;
    }
    if (!data) {
        snprintf(file, n, "%s%s", u->root, req->path);
        data = read_file(file, ret_len, ret_mtime);
        *ret_gzip_on_fly = data && gzip_mark && req->accepts_gzip;
    }
    free(file);
    if (!data)
        return UP_NONE;
    *ret_data = data;
    snprintf(ret_ct, ct_cap, "%s", content_type_for(req->path));
    return UP_MEM;
}

/* Writes a raw fault's bytes straight to the connection's socket (the connection thread is the
 * only one using it), then returns MHD_NO so that libmicrohttpd closes it; for `reset`, with
 * SO_LINGER {1, 0} set first, so that the close sends an RST. */
static enum MHD_Result answer_raw(struct upstream *u, struct MHD_Connection *c,
                                  const struct upstream_fault *fault)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return MHD_NO;
    int fd = ci->connect_fd;
    size_t off = 0;
    while (off < fault->raw_len && !atomic_load(&u->stopping)) {
        ssize_t n = send(fd, fault->raw + off, fault->raw_len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, UP_SLEEP_SLICE_MS);
        } else {
            break;
        }
    }
    if (fault->reset) {
        /* Let the client read what was sent, then reset. A zero linger time makes a close send
         * an RST, but libmicrohttpd shuts the socket down for writing (a FIN) before it closes
         * it, so the reset is done here: connect() to AF_UNSPEC disconnects the socket at once,
         * abortively, like close() with SO_LINGER {1, 0}, and leaves the descriptor for
         * libmicrohttpd to close. */
        nap(u, 50);
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        struct sockaddr sa = {.sa_family = AF_UNSPEC};
        connect(fd, &sa, sizeof(sa));
    }
    return MHD_NO;
}

static enum MHD_Result answer(struct upstream *u, struct MHD_Connection *c, struct up_req *req)
{
    const struct upstream_fault *fault = req->has_fault ? &req->fault.f : NULL;
    if (fault && fault->stall_before_ms > 0)
        nap(u, fault->stall_before_ms);
    if (fault && fault->drop)
        return MHD_NO;
    if (fault && fault->raw)
        return answer_raw(u, c, fault);
    if (fault && fault->status > 0)
        return queue_text(c, (unsigned)fault->status, "fault injected by the test upstream\n",
                          fault->retry_after_s, fault->location);

    char *data = NULL;
    size_t len = 0;
    char ct[64] = "";
    time_t mtime = 0;
    struct upstream_generator gen = {0};
    int64_t size = -1;
    bool gzip_on_fly, pre_gzipped;
    int kind = lookup(u, req, &data, &len, ct, sizeof(ct), &mtime, &gen, &size, &gzip_on_fly,
                      &pre_gzipped);
    if (kind < 0)
        return queue_text(c, 500, "out of memory\n", 0, NULL);
    if (kind == UP_NONE)
        return queue_text(c, 404, "no such path\n", 0, NULL);

    if (fault && fault->body) {
        free(data);
        data = malloc(fault->body_len ? fault->body_len : 1);
        if (!data)
            return queue_text(c, 500, "out of memory\n", 0, NULL);
        memcpy(data, fault->body, fault->body_len);
        len = fault->body_len;
        kind = UP_MEM;
        pre_gzipped = false;
    }
    char etag[64] = "";
    if (kind == UP_MEM)
        etag_for(data, len, pre_gzipped ? "-gz" : gzip_on_fly ? "-gzs" : "", etag, sizeof(etag));
    char date[40];
    upstream_http_date(mtime, date, sizeof(date));

    /* conditional GET: If-None-Match wins; If-Modified-Since only without it (RFC 9110) */
    bool not_modified = false;
    if (req->if_none_match)
        not_modified = etag[0] && inm_matches(req->if_none_match, etag);
    else if (req->if_modified_since) {
        time_t ims;
        not_modified = parse_http_date(req->if_modified_since, &ims) && mtime <= ims;
    }
    const char *sent_etag = fault && fault->etag ? fault->etag : etag;
    struct MHD_Response *resp = NULL;
    int status = not_modified ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    if (not_modified) {
        free(data);
        data = NULL;
        resp = MHD_create_response_from_buffer(0, (void *)(uintptr_t) "", MHD_RESPMEM_PERSISTENT);
    } else {
        if (gzip_on_fly) {
            size_t zlen;
            char *z = gzip_stored(data, len, &zlen);
            free(data);
            if (!z)
                return queue_text(c, 500, "out of memory\n", 0, NULL);
            data = z;
            len = zlen;
        }
        bool plain = kind == UP_MEM &&
                     !(fault && (fault->truncate || fault->chunked || fault->stall_ms > 0));
        if (plain) {
            resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
            if (resp)
                data = NULL;
        } else {
            struct up_body *b = calloc(1, sizeof(*b));
            if (!b) {
                free(data);
                return queue_text(c, 500, "out of memory\n", 0, NULL);
            }
            b->u = u;
            b->data = data;
            b->len = len;
            data = NULL;
            uint64_t total = kind == UP_MEM ? len : (uint64_t)size;
            if (kind == UP_GEN) {
                b->gen = gen;
                b->gen_state = gen.open ? gen.open(gen.ctx) : NULL;
                if (!b->gen_state) {
                    body_free(b);
                    return queue_text(c, 500, "the generator failed to open\n", 0, NULL);
                }
            }
            if (fault && fault->truncate) {
                b->truncate = true;
                b->truncate_after = fault->truncate_after > 0 ? (uint64_t)fault->truncate_after : 0;
            }
            if (fault && fault->stall_ms > 0) {
                b->stall_ms = fault->stall_ms;
                b->stall_after =
                    fault->stall_after_bytes > 0 ? (uint64_t)fault->stall_after_bytes : 0;
            }
            bool unknown = (fault && fault->chunked) || (kind == UP_GEN && size < 0);
            resp = MHD_create_response_from_callback(unknown ? MHD_SIZE_UNKNOWN : total, 32 * 1024,
                                                     body_read, b, body_free);
            if (!resp)
                body_free(b);
        }
        if (resp && (gzip_on_fly || pre_gzipped))
            MHD_add_response_header(resp, "Content-Encoding", "gzip");
    }
    free(data);
    if (!resp)
        return MHD_NO;
    if (sent_etag[0])
        MHD_add_response_header(resp, "ETag", sent_etag);
    MHD_add_response_header(resp, "Last-Modified", date);
    MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (!not_modified)
        MHD_add_response_header(resp, "Content-Type", ct);
    enum MHD_Result r = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    if (r == MHD_YES)
        count(u, req->path, status);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    (void)upload_data;
    struct upstream *u = cls;
    struct up_req *req = *con_cls;
    if (!req) {
        req = calloc(1, sizeof(*req));
        if (!req || !(req->path = strdup(url))) {
            free(req);
            return MHD_NO;
        }
        lock(u);
        struct up_entry *e = entry_get(u, url, true);
        if (e) {
            e->stats.requests++;
            entry_clear_headers(e);
            struct hdr_collect hc = {e, req};
            MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hc);
            if (e->has_fault) {
                req->has_fault = fault_copy(&req->fault, &e->fault.f);
                if (e->fault.f.times > 0 && --e->fault_left <= 0) {
                    fault_free(&e->fault);
                    e->has_fault = false;
                }
            }
        }
        unlock(u);
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* a body on a GET: ignored */
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0)
        return queue_text(c, 405, "only GET\n", 0, NULL);
    return answer(u, c, req);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_free(*con_cls);
    *con_cls = NULL;
}

int upstream_start(const char *root_dir, struct upstream **ret_upstream)
{
    struct upstream *u = calloc(1, sizeof(*u));
    if (!u)
        return -1;
    if (pthread_mutex_init(&u->lock, NULL) != 0) {
        free(u);
        return -1;
    }
    atomic_init(&u->stopping, false);
    if (root_dir && !(u->root = strdup(root_dir)))
        goto fail;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    u->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC, 0, NULL,
        NULL, on_request, u, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!u->daemon)
        goto fail;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(u->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0)
        goto fail;
    u->port = info->port;
    *ret_upstream = u;
    return 0;
fail:
    upstream_stop(u);
    return -1;
}

void upstream_stop(struct upstream *u)
{
    if (!u)
        return;
    atomic_store(&u->stopping, true);
    if (u->daemon)
        MHD_stop_daemon(u->daemon);
    struct up_entry *e = u->entries;
    while (e) {
        struct up_entry *next = e->next;
        entry_free(e);
        e = next;
    }
    pthread_mutex_destroy(&u->lock);
    free(u->root);
    free(u);
}

unsigned upstream_port(const struct upstream *u)
{
    return u->port;
}

char *upstream_url(const struct upstream *u, const char *path, char *buf, size_t cap)
{
    snprintf(buf, cap, "http://127.0.0.1:%u%s", u->port, path);
    return buf;
}

int upstream_put(struct upstream *u, const char *path, const void *data, size_t len,
                 const char *content_type)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, data, len);
    lock(u);
    struct up_entry *e = entry_get(u, path, true);
    if (!e) {
        unlock(u);
        free(copy);
        return -1;
    }
    free(e->data);
    e->kind = UP_MEM;
    e->data = copy;
    e->len = len;
    e->mtime = time(NULL);
    snprintf(e->content_type, sizeof(e->content_type), "%s",
             content_type ? content_type : content_type_for(path));
    unlock(u);
    return 0;
}

int upstream_put_generated(struct upstream *u, const char *path,
                           const struct upstream_generator *gen, int64_t size)
{
    lock(u);
    struct up_entry *e = entry_get(u, path, true);
    if (!e) {
        unlock(u);
        return -1;
    }
    free(e->data);
    e->data = NULL;
    e->len = 0;
    e->kind = UP_GEN;
    e->gen = *gen;
    e->gen_size = size;
    e->mtime = time(NULL);
    snprintf(e->content_type, sizeof(e->content_type), "%s", content_type_for(path));
    unlock(u);
    return 0;
}

void upstream_set_mtime(struct upstream *u, const char *path, time_t mtime)
{
    lock(u);
    struct up_entry *e = entry_get(u, path, true);
    if (e)
        e->mtime = mtime;
    unlock(u);
}

void upstream_set_gzip(struct upstream *u, const char *path, bool on)
{
    lock(u);
    struct up_entry *e = entry_get(u, path, true);
    if (e)
        e->gzip = on;
    unlock(u);
}

void upstream_set_fault(struct upstream *u, const char *path, const struct upstream_fault *fault)
{
    lock(u);
    struct up_entry *e = entry_get(u, path, true);
    if (e) {
        fault_free(&e->fault);
        e->has_fault = false;
        if (fault && fault_copy(&e->fault, fault)) {
            e->has_fault = true;
            e->fault_left = fault->times;
        }
    }
    unlock(u);
}

struct upstream_stats upstream_stats(struct upstream *u, const char *path)
{
    struct upstream_stats s = {0};
    lock(u);
    struct up_entry *e = entry_get(u, path, false);
    if (e)
        s = e->stats;
    unlock(u);
    return s;
}

bool upstream_last_header(struct upstream *u, const char *path, const char *name, char *buf,
                          size_t cap)
{
    bool found = false;
    lock(u);
    struct up_entry *e = entry_get(u, path, false);
    for (size_t i = 0; e && i < e->n_hdr; i++) {
        if (strcasecmp(e->hdr_name[i], name) == 0) {
            snprintf(buf, cap, "%s", e->hdr_value[i]);
            found = true;
            break;
        }
    }
    unlock(u);
    return found;
}
