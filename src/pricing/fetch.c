/*
 * fetch.c - one file download with libcurl: conditional GET, byte cap, retries, stop flag.
 *
 * DESIGN
 * Threads: none of its own. A struct fetcher (and its one easy handle) belongs to the thread
 * that calls it, the refresher; libcurl runs every callback below on that thread, inside
 * curl_easy_perform(). The only thing read across threads is the caller's stop flag, an
 * atomic_bool that another thread sets at shutdown. CURLOPT_NOSIGNAL keeps libcurl away from
 * signals (no SIGALRM for DNS timeouts in a threaded process).
 *
 * The handle is curl_easy_reset() at the start of every call and configured from scratch, so
 * nothing leaks from one download into the next (headers, conditions, callbacks), while the
 * connection cache survives the reset: consecutive files from the same host reuse the
 * connection.
 *
 * Protocols: http and https, and file for air-gapped mirrors (`file:///srv/mirror/...`).
 * Redirects are followed (at most opts.max_redirects) to http and https only, so a redirect can
 * never make the service read a local file.
 *
 * Byte cap: enforced in the write callback on the decoded bytes (what the parser would hold),
 * because on libcurl 7.88 CURLOPT_MAXFILESIZE_LARGE cannot stop a transfer of unknown size.
 * A declared Content-Length above the cap (on an unencoded body) fails before the first byte
 * is kept. Exceeding the cap is CF_ETOOBIG and is never retried: the same file would be just as
 * big next time.
 *
 * Conditional GET: If-None-Match goes out as a header; If-Modified-Since as well, verbatim, as
 * RFC 9110 asks (the Last-Modified string the server gave). CURLOPT_TIMECONDITION is used only
 * for file:// URLs (libcurl compares the file's mtime): on HTTP it would also turn a 200 whose
 * Last-Modified is not newer into a fake 304, which would hide a new file whose ETag changed
 * but whose date did not (a mirror that preserves mtimes). Validators are checked before they
 * are sent and before they are stored (fetch_etag_valid / fetch_date_valid): a server or a
 * state file cannot smuggle control characters into a request.
 *
 * Bodies of error statuses (404, 500...) are read and thrown away (up to 64 KiB, so the
 * connection can be reused) and never reach the buffer or the sink.
 *
 * Retries: connection failures, timeouts, truncated transfers and HTTP 5xx, 408 and 429 are
 * retried up to opts.retries times; the wait before retry n is uniform in
 * [0, min(cap, base * 2^(n-1))] ("full jitter": many clients that failed together do not come
 * back together), and at least the server's Retry-After (capped) when it sent one. 4xx
 * (other than 408/429), an exceeded cap, a sink that aborted, a bad URL or a refused protocol
 * are not retried. A streamed download that already delivered bytes to its sink is retried only
 * when the sink has a reset callback, which the fetcher calls first so that the parser starts
 * over; otherwise it fails at once (the sink would see the start of the file twice). The wait
 * sleeps in slices of at most 10 ms and checks the stop flag between them; a transfer in
 * progress checks it from the progress callback (at least once a second, libcurl's rate), so
 * a stop takes effect within about a second at worst.
 */
#include "computefit/fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "computefit/log.h"

/* Bytes of an error status's body read before the transfer is cut (then not reusable). */
#define ERROR_BODY_MAX (64 * 1024)
/* Longest URL quoted in an error message; longer ones are cut with "...". */
#define URL_QUOTE_MAX 120
/* Longest slice of a backoff sleep between two looks at the stop flag. */
#define STOP_POLL_MS 10

struct fetcher {
    CURL *curl;
    struct fetch_opts opts;
    uint64_t rng; /* xorshift64* state for the jitter; never 0 */
    char errbuf[CURL_ERROR_SIZE];
    struct fetch_result last;
};

/* The state of one call, shared with the callbacks through their userdata pointer. */
struct xfer {
    struct fetcher *f;
    bool is_file;
    bool conditional; /* validators were sent */
    uint64_t cap;
    /* receivers: exactly one of sink / buffer mode */
    const struct fetch_sink *sink;
    char *buf;
    size_t buf_len;
    size_t buf_alloc;
    /* per attempt */
    bool body_started;
    bool accept_body;   /* final status is 200 (or file://): bytes go to the receiver */
    uint64_t delivered; /* bytes given to the receiver in this attempt */
    uint64_t discarded; /* bytes of an error body thrown away */
    bool cap_exceeded;
    int64_t cap_declared; /* Content-Length that exceeded the cap, or -1 */
    int sink_rc;
    bool alloc_failed;
    bool stopped;
    /* headers of the latest response (reset on each status line: redirects, 100-continue) */
    char etag[FETCH_ETAG_MAX + 1];
    bool etag_seen;
    bool etag_bad;
    char last_modified[FETCH_DATE_MAX + 1];
    bool last_modified_seen;
    bool encoded;
};

void fetch_opts_defaults(struct fetch_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->connect_timeout_ms = 10000;
    opts->timeout_ms = 600000;
    opts->low_speed_bytes = 1024;
    opts->low_speed_time_s = 30;
    opts->max_bytes = 16u * 1024 * 1024;
    opts->retries = 3;
    opts->backoff_base_ms = 1000;
    opts->backoff_cap_ms = 60000;
    opts->max_redirects = 5;
    snprintf(opts->user_agent, sizeof(opts->user_agent), "computefit");
    opts->stop = NULL;
}

bool fetch_etag_valid(const char *etag)
{
    if (!etag)
        return false;
    size_t n = strnlen(etag, FETCH_ETAG_MAX + 1);
    if (n > FETCH_ETAG_MAX)
        return false;
    const char *p = etag;
    if (p[0] == 'W' && p[1] == '/')
        p += 2;
    if (*p != '"')
        return false;
    p++;
    /* etagc = %x21 / %x23-7E (obs-text refused): no space, no control, no quote, no DEL */
    while (*p && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x21 || c > 0x7e)
            return false;
        p++;
    }
    return p[0] == '"' && p[1] == '\0';
}

bool fetch_date_valid(const char *date)
{
    if (!date || !*date)
        return false;
    size_t n = strnlen(date, FETCH_DATE_MAX + 1);
    if (n > FETCH_DATE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)date[i];
        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return curl_getdate(date, NULL) >= 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool stop_requested(const struct fetcher *f)
{
    return f->opts.stop && atomic_load(f->opts.stop);
}

static uint64_t rng_next(struct fetcher *f)
{
    uint64_t x = f->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

int fetcher_new(const struct fetch_opts *opts, struct fetcher **ret_fetcher,
                struct cf_error *reterr)
{
    if (opts->connect_timeout_ms < 0 || opts->timeout_ms < 0 || opts->low_speed_bytes < 0 ||
        opts->low_speed_time_s < 0 || opts->retries < 0 || opts->retries > 100 ||
        opts->backoff_base_ms < 0 || opts->backoff_cap_ms < 0 || opts->max_redirects < 0 ||
        opts->max_bytes == 0 || opts->max_bytes > (uint64_t)SIZE_MAX / 2)
        return cf_error_set(reterr, CF_EINVAL, NULL,
                            "fetch options must be non-negative (retries at most 100, max_bytes "
                            "above 0)");
    struct fetcher *f = calloc(1, sizeof(*f));
    if (!f)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory creating the fetcher");
    f->opts = *opts;
    f->opts.user_agent[sizeof(f->opts.user_agent) - 1] = '\0';
    f->curl = curl_easy_init();
    if (!f->curl) {
        free(f);
        return cf_error_set(reterr, CF_ENOMEM, NULL,
                            "libcurl could not create a handle (out of memory, or "
                            "curl_global_init was not called)");
    }
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)f;
    f->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
    *ret_fetcher = f;
    return 0;
}

void fetcher_free(struct fetcher *f)
{
    if (!f)
        return;
    curl_easy_cleanup(f->curl);
    free(f);
}

const struct fetch_result *fetcher_last(const struct fetcher *f)
{
    return &f->last;
}

/* Copies a header value without leading/trailing blanks and CR/LF into out (cap bytes, NUL
 * included); returns false when it does not fit. */
static bool header_value(const char *v, size_t n, char *out, size_t cap)
{
    while (n > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n >= cap)
        return false;
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

static bool header_is(const char *line, size_t n, const char *name, const char **ret_value,
                      size_t *ret_len)
{
    size_t k = strlen(name);
    if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
        return false;
    *ret_value = line + k + 1;
    *ret_len = n - k - 1;
    return true;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct xfer *x = userdata;
    size_t n = size * nitems;
    const char *v;
    size_t vn;
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100 Continue): forget the previous headers */
        x->etag[0] = '\0';
        x->etag_seen = x->etag_bad = false;
        x->last_modified[0] = '\0';
        x->last_modified_seen = false;
        x->encoded = false;
    } else if (header_is(line, n, "ETag", &v, &vn)) {
        x->etag_seen = true;
        char tmp[FETCH_ETAG_MAX + 1];
        if (header_value(v, vn, tmp, sizeof(tmp)) && fetch_etag_valid(tmp)) {
            memcpy(x->etag, tmp, sizeof(tmp));
            x->etag_bad = false;
        } else {
            x->etag[0] = '\0';
            x->etag_bad = true;
        }
    } else if (header_is(line, n, "Last-Modified", &v, &vn)) {
        char tmp[FETCH_DATE_MAX + 1];
        x->last_modified[0] = '\0';
        if (header_value(v, vn, tmp, sizeof(tmp)) && fetch_date_valid(tmp)) {
            memcpy(x->last_modified, tmp, sizeof(tmp));
            x->last_modified_seen = true;
        }
    } else if (header_is(line, n, "Content-Encoding", &v, &vn)) {
        char tmp[64];
        x->encoded = !header_value(v, vn, tmp, sizeof(tmp)) ||
                     (tmp[0] != '\0' && strcasecmp(tmp, "identity") != 0);
    }
    return n;
}

static bool buffer_reserve(struct xfer *x, size_t need)
{
    if (need <= x->buf_alloc)
        return true;
    size_t limit = (size_t)x->cap + 1;
    if (need > limit)
        return false;
    size_t a = x->buf_alloc ? x->buf_alloc : 64 * 1024;
    while (a < need)
        a = a > limit / 2 ? limit : a * 2;
    if (a > limit)
        a = limit;
    char *grown = realloc(x->buf, a);
    if (!grown)
        return false;
    x->buf = grown;
    x->buf_alloc = a;
    return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    size_t n = size * nmemb;
    CURL *curl = x->f->curl;

    if (!x->body_started) {
        x->body_started = true;
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        x->accept_body = x->is_file || status == 200;
        curl_off_t declared = -1;
        curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared);
        if (x->accept_body && !x->encoded && declared > 0 && (uint64_t)declared > x->cap) {
            x->cap_exceeded = true;
            x->cap_declared = (int64_t)declared;
            return 0;
        }
        if (x->accept_body && !x->sink && declared > 0 && !x->encoded &&
            !buffer_reserve(x, (size_t)declared + 1)) {
            x->alloc_failed = true;
            return 0;
        }
    }
    if (!x->accept_body) {
        x->discarded += n;
        return x->discarded > ERROR_BODY_MAX ? 0 : n;
    }
    if (n == 0)
        return 0;
    if (x->delivered + n > x->cap) {
        x->cap_exceeded = true;
        return 0;
    }
    if (x->sink) {
        int rc = x->sink->write(x->sink->ctx, data, n);
        x->delivered += n; /* the sink has seen them, even if it then refused */
        if (rc != 0) {
            x->sink_rc = rc < 0 ? rc : CF_EINTERNAL;
            return 0;
        }
        return n;
    }
    if (!buffer_reserve(x, x->buf_len + n + 1)) {
        x->alloc_failed = true;
        return 0;
    }
    memcpy(x->buf + x->buf_len, data, n);
    x->buf_len += n;
    x->delivered += n;
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct xfer *x = userdata;
    if (stop_requested(x->f)) {
        x->stopped = true;
        return 1;
    }
    return 0;
}

/* Quotes url for a message, cut to URL_QUOTE_MAX characters. */
static void url_quote(const char *url, char *out, size_t cap)
{
    size_t n = strlen(url);
    if (n <= URL_QUOTE_MAX)
        snprintf(out, cap, "%s", url);
    else
        snprintf(out, cap, "%.*s...", URL_QUOTE_MAX - 3, url);
}

#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (curl_easy_setopt(curl, (opt), (val)) != CURLE_OK) {                                    \
            failed_opt = #opt;                                                                     \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* Configures the handle for one call. Returns 0, CF_EINVAL (libcurl refused an option: the
 * message names it) or CF_ENOMEM. *ret_headers is the header list the handle points to; the
 * caller frees it after the transfer. */

/* Appends "name: value" to a header list; the value was validated (fetch_etag_valid,
 * fetch_date_valid), so it is bounded and holds no line break. Returns 0 or CF_ENOMEM. */
static int header_append(struct curl_slist **headers, const char *name, const char *value)
{
    char line[32 + FETCH_ETAG_MAX + FETCH_DATE_MAX];
    snprintf(line, sizeof(line), "%s: %s", name, value);
    struct curl_slist *h = curl_slist_append(*headers, line);
    if (!h)
        return CF_ENOMEM;
    *headers = h;
    return 0;
}

static int configure(struct fetcher *f, struct xfer *x, const char *url,
                     const struct fetch_validators *have, struct curl_slist **ret_headers,
                     struct cf_error *reterr)
{
    CURL *curl = f->curl;
    const char *failed_opt = NULL;
    struct curl_slist *headers = NULL;
    int r = 0;

    curl_easy_reset(curl);
    f->errbuf[0] = '\0';
    SETOPT(CURLOPT_ERRORBUFFER, f->errbuf);
    SETOPT(CURLOPT_URL, url);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_HTTPGET, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https,file");
    SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE));
    SETOPT(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
    SETOPT(CURLOPT_MAXREDIRS, f->opts.max_redirects);
    SETOPT(CURLOPT_ACCEPT_ENCODING, "");
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, f->opts.connect_timeout_ms);
    SETOPT(CURLOPT_TIMEOUT_MS, f->opts.timeout_ms);
    if (f->opts.low_speed_time_s > 0 && f->opts.low_speed_bytes > 0) {
        SETOPT(CURLOPT_LOW_SPEED_LIMIT, f->opts.low_speed_bytes);
        SETOPT(CURLOPT_LOW_SPEED_TIME, f->opts.low_speed_time_s);
    }
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    /* A bigger receive buffer means fewer write callbacks for the 480 MB EC2 file. Best effort:
     * libcurl 7.88 refuses this option (CURLE_BAD_FUNCTION_ARGUMENT) on a handle whose previous
     * transfer failed to resolve its host, and a refusal must not fail every later download. */
    (void)curl_easy_setopt(f->curl, CURLOPT_BUFFERSIZE, 128L * 1024);
    SETOPT(CURLOPT_USERAGENT, f->opts.user_agent[0] ? f->opts.user_agent : "computefit");
    SETOPT(CURLOPT_FILETIME, 1L);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, x);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, x);
    SETOPT(CURLOPT_NOPROGRESS, 0L);
    SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
    SETOPT(CURLOPT_XFERINFODATA, x);

    if (have && fetch_etag_valid(have->etag) && !x->is_file) {
        x->conditional = true;
        if ((r = header_append(&headers, "If-None-Match", have->etag)))
            goto out;
    }
    if (have && fetch_date_valid(have->last_modified)) {
        if (x->is_file) {
            SETOPT(CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
            SETOPT(CURLOPT_TIMEVALUE_LARGE, (curl_off_t)curl_getdate(have->last_modified, NULL));
            x->conditional = true;
        } else {
            x->conditional = true;
            if ((r = header_append(&headers, "If-Modified-Since", have->last_modified)))
                goto out;
        }
    }
    if (headers)
        SETOPT(CURLOPT_HTTPHEADER, headers);
    *ret_headers = headers;
    headers = NULL;
out:
    curl_slist_free_all(headers);
    if (failed_opt)
        return cf_error_set(reterr, CF_EINVAL, NULL, "libcurl refused option %s for %s", failed_opt,
                            url);
    if (r == CF_ENOMEM)
        return cf_error_set(reterr, r, NULL, "out of memory building the request for %s", url);
    return r;
}

#undef SETOPT

/* Outcome of one attempt. */
struct attempt {
    int code;       /* 0 on success, else the CF_E* code if this is the last attempt */
    bool retryable; /* a transient failure */
    long status;    /* final HTTP status (0 for file:// or none) */
    long retry_after_s;
    char reason[160]; /* what failed, for the message: "HTTP 500", "connection refused" */
};

static bool curl_transient(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_BAD_CONTENT_ENCODING: /* usually a compressed stream cut short */
        return true;
    default:
        return false;
    }
}

static void classify(struct fetcher *f, struct xfer *x, CURLcode cc, struct attempt *a)
{
    CURL *curl = f->curl;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    a->status = x->is_file ? 0 : status;
    a->code = 0;
    a->retryable = false;
    a->retry_after_s = 0;
    a->reason[0] = '\0';

    if (x->stopped) {
        a->code = CF_EBUSY;
        snprintf(a->reason, sizeof(a->reason), "stopped during the transfer (shutting down)");
        return;
    }
    if (x->alloc_failed) {
        a->code = CF_ENOMEM;
        snprintf(a->reason, sizeof(a->reason), "out of memory after %" PRIu64 " bytes",
                 x->delivered);
        return;
    }
    if (x->cap_exceeded) {
        a->code = CF_ETOOBIG;
        if (x->cap_declared >= 0)
            snprintf(a->reason, sizeof(a->reason),
                     "Content-Length %" PRId64 " exceeds the %" PRIu64 "-byte limit",
                     x->cap_declared, x->cap);
        else
            snprintf(a->reason, sizeof(a->reason), "the body exceeded the %" PRIu64 "-byte limit",
                     x->cap);
        return;
    }
    if (x->sink_rc) {
        a->code = x->sink_rc;
        snprintf(a->reason, sizeof(a->reason),
                 "the receiver rejected the body after %" PRIu64 " bytes (%s)", x->delivered,
                 cf_error_name(x->sink_rc));
        return;
    }
    if (cc == CURLE_TOO_MANY_REDIRECTS) {
        a->code = CF_EUPSTREAM;
        snprintf(a->reason, sizeof(a->reason), "more than %ld redirects", f->opts.max_redirects);
        return;
    }
    if (!x->is_file && status != 0 && status != 200 && status != 304 &&
        (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && !x->accept_body))) {
        a->code = CF_EUPSTREAM;
        a->retryable = status >= 500 || status == 408 || status == 429;
        snprintf(a->reason, sizeof(a->reason), "HTTP %ld", status);
        if (status == 429 || status == 503) {
            curl_off_t ra = 0;
            if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
                a->retry_after_s = ra > 86400 ? 86400 : (long)ra;
        }
        return;
    }
    if (cc == CURLE_OK && !x->is_file && status == 304 && !x->conditional) {
        a->code = CF_EUPSTREAM;
        snprintf(a->reason, sizeof(a->reason), "HTTP 304 to a request that held no validators");
        return;
    }
    if (cc == CURLE_OK)
        return;

    a->code = CF_EUPSTREAM;
    a->retryable = curl_transient(cc);
    double timeout_s = (double)f->opts.timeout_ms / 1000.0;
    double connect_s = (double)f->opts.connect_timeout_ms / 1000.0;
    curl_off_t got = 0, declared = -1;
    curl_easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &got);
    curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared);
    switch (cc) {
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED)
            snprintf(a->reason, sizeof(a->reason), "connection refused");
        else
            snprintf(a->reason, sizeof(a->reason), "could not connect (%s)",
                     f->errbuf[0] ? f->errbuf : curl_easy_strerror(cc));
        break;
    }
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(a->reason, sizeof(a->reason), "could not resolve the host name");
        break;
    case CURLE_OPERATION_TIMEDOUT:
        if (strncmp(f->errbuf, "Operation too slow", 18) == 0)
            snprintf(a->reason, sizeof(a->reason),
                     "stalled: less than %ld bytes/s for %ld s after %" PRId64 " bytes",
                     f->opts.low_speed_bytes, f->opts.low_speed_time_s, (int64_t)got);
        else if (strstr(f->errbuf, "onnection timed out") || strstr(f->errbuf, "esolving"))
            snprintf(a->reason, sizeof(a->reason), "could not connect within %g s", connect_s);
        else
            snprintf(a->reason, sizeof(a->reason), "timed out after %g s with %" PRId64 " bytes",
                     timeout_s, (int64_t)got);
        break;
    case CURLE_PARTIAL_FILE:
        snprintf(a->reason, sizeof(a->reason),
                 "the transfer was cut short after %" PRId64 " of %" PRId64 " bytes", (int64_t)got,
                 (int64_t)declared);
        break;
    case CURLE_GOT_NOTHING:
        snprintf(a->reason, sizeof(a->reason),
                 "the server closed the connection without a response");
        break;
    case CURLE_FILE_COULDNT_READ_FILE:
        snprintf(a->reason, sizeof(a->reason), "cannot read the file (%s)",
                 f->errbuf[0] ? f->errbuf : curl_easy_strerror(cc));
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        a->code = CF_EINVAL;
        snprintf(a->reason, sizeof(a->reason),
                 "protocol not allowed (only http, https and file; redirects to http and https "
                 "only)");
        break;
    case CURLE_URL_MALFORMAT:
        a->code = CF_EINVAL;
        snprintf(a->reason, sizeof(a->reason), "malformed URL");
        break;
    default:
        snprintf(a->reason, sizeof(a->reason), "%s",
                 f->errbuf[0] ? f->errbuf : curl_easy_strerror(cc));
        break;
    }
}

/* Milliseconds to wait before retry number `retry` (1-based). */
static long backoff_ms(struct fetcher *f, int retry, long retry_after_s)
{
    uint64_t ceiling = (uint64_t)f->opts.backoff_base_ms;
    for (int i = 1; i < retry && ceiling < (uint64_t)f->opts.backoff_cap_ms; i++)
        ceiling *= 2;
    if (ceiling > (uint64_t)f->opts.backoff_cap_ms)
        ceiling = (uint64_t)f->opts.backoff_cap_ms;
    uint64_t d = ceiling ? rng_next(f) % (ceiling + 1) : 0;
    if (retry_after_s > 0) {
        uint64_t ra = (uint64_t)retry_after_s * 1000;
        if (ra > (uint64_t)f->opts.backoff_cap_ms)
            ra = (uint64_t)f->opts.backoff_cap_ms;
        if (ra > d)
            d = ra;
    }
    return (long)d;
}

/* Sleeps `ms`, looking at the stop flag every STOP_POLL_MS; returns false when stopped. */
static bool wait_ms(struct fetcher *f, long ms)
{
    double deadline = now_s() + (double)ms / 1000.0;
    for (;;) {
        if (stop_requested(f))
            return false;
        double left = deadline - now_s();
        if (left <= 0)
            return true;
        double slice = left < STOP_POLL_MS / 1000.0 ? left : STOP_POLL_MS / 1000.0;
        struct timespec ts = {0, (long)(slice * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static void reset_attempt(struct xfer *x)
{
    x->buf_len = 0;
    x->body_started = x->accept_body = false;
    x->delivered = x->discarded = 0;
    x->cap_exceeded = false;
    x->cap_declared = -1;
    x->sink_rc = 0;
    x->alloc_failed = x->stopped = false;
    x->etag[0] = x->last_modified[0] = '\0';
    x->etag_seen = x->etag_bad = x->last_modified_seen = x->encoded = false;
}

/* Runs the attempts of one call; on success f->last describes it. */
static int fetch_run(struct fetcher *f, const char *url, const struct fetch_validators *have,
                     uint64_t max_bytes, struct xfer *x, struct cf_error *reterr)
{
    double t0 = now_s();
    struct curl_slist *headers = NULL;
    struct attempt a = {0};
    char quoted[URL_QUOTE_MAX + 1];
    const char *note = "";
    char note_buf[96];
    int r;

    memset(&f->last, 0, sizeof(f->last));
    url_quote(url ? url : "(null)", quoted, sizeof(quoted));
    if (!url || !*url) {
        r = cf_error_set(reterr, CF_EINVAL, NULL, "GET: the URL is empty");
        goto out;
    }
    x->f = f;
    x->cap = max_bytes ? max_bytes : f->opts.max_bytes;
    if (x->cap > (uint64_t)SIZE_MAX / 2)
        x->cap = (uint64_t)SIZE_MAX / 2;
    x->is_file = strncasecmp(url, "file:", 5) == 0;
    if (stop_requested(f)) {
        r = cf_error_set(reterr, CF_EBUSY, NULL, "GET %s: not started: shutting down", quoted);
        goto out;
    }
    r = configure(f, x, url, have, &headers, reterr);
    if (r < 0)
        goto out;

    for (int attempt = 1;; attempt++) {
        reset_attempt(x);
        f->last.attempts = attempt;
        CURLcode cc = curl_easy_perform(f->curl);
        classify(f, x, cc, &a);
        f->last.http_status = a.status;
        f->last.bytes = x->delivered;
        curl_off_t wire = 0;
        curl_easy_getinfo(f->curl, CURLINFO_SIZE_DOWNLOAD_T, &wire);
        f->last.wire_bytes = wire > 0 ? (uint64_t)wire : 0;
        f->last.decoded = x->encoded;
        f->last.etag_rejected = x->etag_bad;
        long connects = 0;
        curl_easy_getinfo(f->curl, CURLINFO_NUM_CONNECTS, &connects);
        f->last.new_connections = connects;
        if (a.code == 0)
            break;
        bool retry = a.retryable && attempt <= f->opts.retries;
        if (retry && x->sink && x->delivered > 0) {
            if (!x->sink->reset) {
                retry = false;
                snprintf(note_buf, sizeof(note_buf),
                         " (not retried: %" PRIu64 " bytes were already streamed)", x->delivered);
                note = note_buf;
            } else {
                int rc = x->sink->reset(x->sink->ctx);
                if (rc != 0) {
                    a.code = rc < 0 ? rc : CF_EINTERNAL;
                    snprintf(note_buf, sizeof(note_buf), " (the receiver could not start over: %s)",
                             cf_error_name(a.code));
                    note = note_buf;
                    retry = false;
                }
            }
        }
        if (!retry) {
            if (!note[0] && attempt > 1) {
                snprintf(note_buf, sizeof(note_buf), " (gave up after %d attempts)", attempt);
                note = note_buf;
            }
            r = cf_error_set(reterr, a.code, NULL, "GET %s: %s%s", quoted, a.reason, note);
            goto out;
        }
        long delay = backoff_ms(f, attempt, a.retry_after_s);
        LOG_FIELDS(CF_LOG_DEBUG, "fetch_retry", LOGF_S("url", url), LOGF_I("attempt", attempt),
                   LOGF_S("reason", a.reason), LOGF_I("delay_ms", delay));
        if (!wait_ms(f, delay)) {
            r = cf_error_set(reterr, CF_EBUSY, NULL,
                             "GET %s: stopped while waiting to retry after %s (attempt %d)", quoted,
                             a.reason, attempt);
            goto out;
        }
    }

    /* success: 200, 304, or a file (possibly unchanged) */
    long unmet = 0;
    curl_easy_getinfo(f->curl, CURLINFO_CONDITION_UNMET, &unmet);
    struct fetch_result *res = &f->last;
    res->not_modified = (!x->is_file && a.status == 304) || (x->is_file && unmet);
    if (res->not_modified) {
        if (have) {
            if (fetch_etag_valid(have->etag))
                memcpy(res->validators.etag, have->etag, sizeof(res->validators.etag));
            if (fetch_date_valid(have->last_modified))
                memcpy(res->validators.last_modified, have->last_modified,
                       sizeof(res->validators.last_modified));
        }
        res->bytes = 0;
    }
    if (x->etag[0])
        memcpy(res->validators.etag, x->etag, sizeof(x->etag));
    if (x->is_file) {
        curl_off_t mtime = -1;
        if (curl_easy_getinfo(f->curl, CURLINFO_FILETIME_T, &mtime) == CURLE_OK && mtime >= 0) {
            time_t t = (time_t)mtime;
            struct tm tm;
            if (gmtime_r(&t, &tm))
                strftime(res->validators.last_modified, sizeof(res->validators.last_modified),
                         "%a, %d %b %Y %H:%M:%S GMT", &tm);
        }
    } else if (x->last_modified[0]) {
        memcpy(res->validators.last_modified, x->last_modified, sizeof(x->last_modified));
    }
    if (x->etag_bad)
        LOG_FIELDS(CF_LOG_DEBUG, "fetch_etag_rejected", LOGF_S("url", url));
    r = 0;
out:
    f->last.total_s = now_s() - t0;
    curl_slist_free_all(headers);
    if (f->curl) /* the list must not outlive its use: clear the handle's pointer to it */
        curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    if (r == 0) {
        LOG_FIELDS(CF_LOG_DEBUG, "fetch_done", LOGF_S("url", url),
                   LOGF_I("status", f->last.http_status),
                   LOGF_B("not_modified", f->last.not_modified), LOGF_I("bytes", f->last.bytes),
                   LOGF_I("wire_bytes", f->last.wire_bytes), LOGF_B("decoded", f->last.decoded),
                   LOGF_I("attempts", f->last.attempts), LOGF_N("seconds", f->last.total_s));
    }
    return r;
}

int fetch_to_buffer(struct fetcher *f, const char *url, const struct fetch_validators *have,
                    uint64_t max_bytes, char **ret_body, size_t *ret_len,
                    struct fetch_result *ret_result, struct cf_error *reterr)
{
    struct xfer x = {0};
    int r = fetch_run(f, url, have, max_bytes, &x, reterr);
    if (r < 0)
        goto out;
    if (f->last.not_modified) {
        *ret_body = NULL;
        *ret_len = 0;
    } else {
        if (!buffer_reserve(&x, x.buf_len + 1)) {
            r = cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory keeping the body of %s", url);
            goto out;
        }
        x.buf[x.buf_len] = '\0';
        *ret_body = x.buf;
        *ret_len = x.buf_len;
        x.buf = NULL;
    }
    if (ret_result)
        *ret_result = f->last;
out:
    free(x.buf);
    return r;
}

int fetch_to_sink(struct fetcher *f, const char *url, const struct fetch_validators *have,
                  uint64_t max_bytes, const struct fetch_sink *sink,
                  struct fetch_result *ret_result, struct cf_error *reterr)
{
    if (!sink || !sink->write)
        return cf_error_set(reterr, CF_EINVAL, NULL, "GET %s: no sink to stream the body to",
                            url ? url : "(null)");
    struct xfer x = {0};
    x.sink = sink;
    int r = fetch_run(f, url, have, max_bytes, &x, reterr);
    if (r == 0 && ret_result)
        *ret_result = f->last;
    return r;
}
