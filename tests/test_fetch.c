/*
 * test_fetch.c - the libcurl fetcher against the local test upstream (tests/upstream.c).
 *
 * Every test starts its own upstream in a *checked* fixture (it lives in the forked test
 * process) and a fetcher with small timeouts and a tiny backoff, so that the binary stays well
 * under 30 s in the ASan and TSan builds too.
 */
#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "computefit/fetch.h"
#include "testutil.h"

#include "upstream.h"

static struct upstream *up;
static struct fetcher *fe;
static struct fetch_opts opts;
static atomic_bool stop_flag;

/* 2023-11-14T22:13:20Z, a Tuesday: 1700000000 s after the epoch. */
#define T0      ((time_t)1700000000)
#define T0_DATE "Tue, 14 Nov 2023 22:13:20 GMT"

static void test_opts(struct fetch_opts *o)
{
    fetch_opts_defaults(o);
    o->connect_timeout_ms = 2000;
    o->timeout_ms = 5000;
    o->low_speed_time_s = 0;
    o->retries = 2;
    o->backoff_base_ms = 5;
    o->backoff_cap_ms = 20;
    snprintf(o->user_agent, sizeof(o->user_agent), "computefit-test/1");
    o->stop = &stop_flag;
}

static struct fetcher *new_fetcher(const struct fetch_opts *o)
{
    struct fetcher *f = NULL;
    struct cf_error err = {0};
    ck_assert_msg(fetcher_new(o, &f, &err) == 0, "fetcher_new: %s", err.message);
    return f;
}

static void setup(void)
{
    atomic_store(&stop_flag, false);
    ck_assert_int_eq(upstream_start(NULL, &up), 0);
    test_opts(&opts);
    fe = new_fetcher(&opts);
}

static void teardown(void)
{
    fetcher_free(fe);
    fe = NULL;
    upstream_stop(up);
    up = NULL;
}

static const char *url_of(const char *path)
{
    static char buf[256];
    return upstream_url(up, path, buf, sizeof(buf));
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The byte at position i of every generated body: position-dependent, so that a lost, doubled
 * or reordered chunk shows. */
static char pattern_at(uint64_t i)
{
    return (char)('a' + (i * 31 + (i >> 10)) % 26);
}

static char *pattern_body(size_t n)
{
    char *b = malloc(n + 1);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        b[i] = pattern_at(i);
    b[n] = '\0';
    return b;
}

/* A generator of `size` pattern bytes. */
struct gen_state {
    uint64_t pos;
    uint64_t size;
};

static void *gen_open(void *ctx)
{
    struct gen_state *s = calloc(1, sizeof(*s));
    if (s)
        s->size = *(const uint64_t *)ctx;
    return s;
}

static long gen_read(void *state, char *buf, size_t max)
{
    struct gen_state *s = state;
    size_t n = 0;
    while (n < max && s->pos < s->size)
        buf[n++] = pattern_at(s->pos++);
    return (long)n;
}

static void gen_close(void *state)
{
    free(state);
}

/* A sink that checks the pattern, counts chunks, and can fail on demand. */
struct collect {
    uint64_t bytes;
    size_t chunks;
    size_t max_chunk;
    unsigned resets;
    bool pattern_ok;
    int fail_code;    /* returned by the first write when non-zero */
    bool reset_fails; /* reset returns CF_EINTERNAL */
};

static int collect_write(void *ctx, const char *data, size_t len)
{
    struct collect *c = ctx;
    if (c->fail_code)
        return c->fail_code;
    for (size_t i = 0; i < len; i++)
        if (data[i] != pattern_at(c->bytes + i))
            c->pattern_ok = false;
    c->bytes += len;
    c->chunks++;
    if (len > c->max_chunk)
        c->max_chunk = len;
    return 0;
}

static int collect_reset(void *ctx)
{
    struct collect *c = ctx;
    c->resets++;
    if (c->reset_fails)
        return CF_EINTERNAL;
    c->bytes = 0;
    c->chunks = 0;
    return 0;
}

static void collect_init(struct collect *c)
{
    memset(c, 0, sizeof(*c));
    c->pattern_ok = true;
}

static void put_pattern(const char *path, size_t n)
{
    char *b = pattern_body(n);
    ck_assert_int_eq(upstream_put(up, path, b, n, NULL), 0);
    free(b);
}

/* ---- validators ---------------------------------------------------------------------------- */

START_TEST(etag_validation)
{
    ck_assert(fetch_etag_valid("\"abc\""));
    ck_assert(fetch_etag_valid("W/\"abc\""));
    ck_assert(fetch_etag_valid("\"\""));
    ck_assert(fetch_etag_valid("\"678d4f456aad44cb7a03708d7fd4511c\""));
    ck_assert(fetch_etag_valid("\"678d4f456aad44cb7a03708d7fd4511c-12\""));
    ck_assert(!fetch_etag_valid(NULL));
    ck_assert(!fetch_etag_valid(""));
    ck_assert(!fetch_etag_valid("abc"));
    ck_assert(!fetch_etag_valid("\"abc"));
    ck_assert(!fetch_etag_valid("\"a\"b\""));
    ck_assert(!fetch_etag_valid("\"abc\" "));
    ck_assert(!fetch_etag_valid("\"a b\""));
    ck_assert(!fetch_etag_valid("\"a\tb\""));
    ck_assert(!fetch_etag_valid("\"a\x01z\""));
    ck_assert(!fetch_etag_valid("\"a\x7fz\""));
    ck_assert(!fetch_etag_valid("\"a\r\nX-Injected: 1\""));
    ck_assert(!fetch_etag_valid("\"\xc3\xa9\""));
    ck_assert(!fetch_etag_valid("w/\"abc\""));
    ck_assert(!fetch_etag_valid("W/abc"));
    /* FETCH_ETAG_MAX characters in all is accepted, one more is not */
    char tag[FETCH_ETAG_MAX + 2];
    memset(tag, 'x', sizeof(tag));
    tag[0] = '"';
    tag[FETCH_ETAG_MAX - 1] = '"';
    tag[FETCH_ETAG_MAX] = '\0';
    ck_assert(fetch_etag_valid(tag));
    tag[FETCH_ETAG_MAX - 1] = 'x';
    tag[FETCH_ETAG_MAX] = '"';
    tag[FETCH_ETAG_MAX + 1] = '\0';
    ck_assert(!fetch_etag_valid(tag));
}
END_TEST

START_TEST(date_validation)
{
    ck_assert(fetch_date_valid(T0_DATE));
    ck_assert(fetch_date_valid("Fri, 29 Mar 2019 04:08:55 GMT"));
    ck_assert(!fetch_date_valid(NULL));
    ck_assert(!fetch_date_valid(""));
    ck_assert(!fetch_date_valid("not a date at all"));
    ck_assert(!fetch_date_valid("Fri, 29 Mar 2019 04:08:55 GMT\r\nX: y"));
    char long_date[FETCH_DATE_MAX + 8];
    memset(long_date, ' ', sizeof(long_date));
    memcpy(long_date, T0_DATE, strlen(T0_DATE));
    long_date[sizeof(long_date) - 1] = '\0';
    ck_assert(!fetch_date_valid(long_date));
}
END_TEST

START_TEST(bad_options_refused)
{
    struct fetch_opts o;
    struct fetcher *f = NULL;
    struct cf_error err = {0};
    test_opts(&o);
    o.retries = -1;
    ck_assert_int_eq(fetcher_new(&o, &f, &err), CF_EINVAL);
    ck_assert_ptr_null(f);
    test_opts(&o);
    o.max_bytes = 0;
    ck_assert_int_eq(fetcher_new(&o, &f, &err), CF_EINVAL);
    ck_assert_ptr_null(f);
    fetcher_free(NULL);
}
END_TEST

/* ---- success paths ------------------------------------------------------------------------- */

START_TEST(buffer_200)
{
    const char *doc = "{\"offerCode\":\"AWSLambda\"}";
    ck_assert_int_eq(upstream_put(up, "/offers/a.json", doc, strlen(doc), NULL), 0);
    upstream_set_mtime(up, "/offers/a.json", T0);

    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url_of("/offers/a.json"), NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_uint_eq(len, strlen(doc));
    ck_assert_str_eq(body, doc);
    ck_assert_int_eq(res.http_status, 200);
    ck_assert(!res.not_modified);
    ck_assert_int_eq(res.attempts, 1);
    ck_assert_uint_eq(res.bytes, strlen(doc));
    ck_assert_uint_eq(res.wire_bytes, strlen(doc));
    ck_assert(!res.decoded);
    ck_assert(fetch_etag_valid(res.validators.etag));
    ck_assert_str_eq(res.validators.last_modified, T0_DATE);
    ck_assert(res.total_s >= 0.0);
    free(body);

    char h[256];
    ck_assert(upstream_last_header(up, "/offers/a.json", "User-Agent", h, sizeof(h)));
    ck_assert_str_eq(h, "computefit-test/1");
    ck_assert(upstream_last_header(up, "/offers/a.json", "Accept-Encoding", h, sizeof(h)));
    ck_assert_ptr_nonnull(strstr(h, "gzip"));
    ck_assert(!upstream_last_header(up, "/offers/a.json", "If-None-Match", h, sizeof(h)));
    struct upstream_stats st = upstream_stats(up, "/offers/a.json");
    ck_assert_uint_eq(st.requests, 1);
    ck_assert_uint_eq(st.ok, 1);
}
END_TEST

START_TEST(connection_reused)
{
    put_pattern("/a", 100);
    put_pattern("/b", 200);
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/a"), NULL, 0, &body, &len, &res, NULL), 0);
    ck_assert_int_eq(res.new_connections, 1);
    free(body);
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/b"), NULL, 0, &body, &len, &res, NULL), 0);
    ck_assert_uint_eq(len, 200);
    ck_assert_int_eq(res.new_connections, 0); /* the same handle kept the connection alive */
    free(body);
}
END_TEST

START_TEST(empty_body)
{
    ck_assert_int_eq(upstream_put(up, "/empty.json", "", 0, NULL), 0);
    char *body = NULL;
    size_t len = 99;
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/empty.json"), NULL, 0, &body, &len, NULL, NULL),
                     0);
    ck_assert_ptr_nonnull(body);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(body, "");
    free(body);
}
END_TEST

START_TEST(stream_chunks)
{
    /* 8 MiB of unknown length (chunked): it arrives in many chunks, none near the whole */
    static const uint64_t size = 8u * 1024 * 1024;
    struct upstream_generator g = {gen_open, gen_read, gen_close, (void *)(uintptr_t)&size};
    ck_assert_int_eq(upstream_put_generated(up, "/big.json", &g, -1), 0);
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    struct fetch_result res;
    struct cf_error err = {0};
    int r = fetch_to_sink(fe, url_of("/big.json"), NULL, size, &sink, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_uint_eq(c.bytes, size);
    ck_assert(c.pattern_ok);
    ck_assert_uint_gt(c.chunks, 16);
    ck_assert_uint_le(c.max_chunk, 512 * 1024);
    ck_assert_uint_eq(res.bytes, size);
    ck_assert_int_eq(res.http_status, 200);
    ck_assert_str_eq(res.validators.etag, ""); /* a generated body has none */
}
END_TEST

START_TEST(stream_known_length)
{
    static const uint64_t size = 300000;
    struct upstream_generator g = {gen_open, gen_read, gen_close, (void *)(uintptr_t)&size};
    ck_assert_int_eq(upstream_put_generated(up, "/known", &g, (int64_t)size), 0);
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    ck_assert_int_eq(fetch_to_sink(fe, url_of("/known"), NULL, 0, &sink, NULL, NULL), 0);
    ck_assert_uint_eq(c.bytes, size);
    ck_assert(c.pattern_ok);
}
END_TEST

START_TEST(etag_round_trip)
{
    put_pattern("/r.json", 5000);
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    struct fetch_result first, second;
    ck_assert_int_eq(fetch_to_sink(fe, url_of("/r.json"), NULL, 0, &sink, &first, NULL), 0);
    ck_assert_uint_eq(c.bytes, 5000);
    ck_assert(fetch_etag_valid(first.validators.etag));

    collect_init(&c);
    struct cf_error err = {0};
    int r = fetch_to_sink(fe, url_of("/r.json"), &first.validators, 0, &sink, &second, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert(second.not_modified);
    ck_assert_int_eq(second.http_status, 304);
    ck_assert_uint_eq(c.chunks, 0); /* the body is not delivered again */
    ck_assert_uint_eq(second.bytes, 0);
    ck_assert_str_eq(second.validators.etag, first.validators.etag);
    char h[256];
    ck_assert(upstream_last_header(up, "/r.json", "If-None-Match", h, sizeof(h)));
    ck_assert_str_eq(h, first.validators.etag);
    struct upstream_stats st = upstream_stats(up, "/r.json");
    ck_assert_uint_eq(st.ok, 1);
    ck_assert_uint_eq(st.not_modified, 1);

    /* buffer mode: 304 gives no body */
    char *body = (char *)1;
    size_t len = 7;
    ck_assert_int_eq(
        fetch_to_buffer(fe, url_of("/r.json"), &first.validators, 0, &body, &len, &second, NULL),
        0);
    ck_assert(second.not_modified);
    ck_assert_ptr_null(body);
    ck_assert_uint_eq(len, 0);

    /* the content changes: the old ETag no longer matches, the new body comes */
    put_pattern("/r.json", 6000);
    collect_init(&c);
    ck_assert_int_eq(
        fetch_to_sink(fe, url_of("/r.json"), &first.validators, 0, &sink, &second, NULL), 0);
    ck_assert(!second.not_modified);
    ck_assert_uint_eq(c.bytes, 6000);
    ck_assert(fetch_etag_valid(second.validators.etag));
    ck_assert_str_ne(second.validators.etag, first.validators.etag);
}
END_TEST

START_TEST(last_modified_round_trip)
{
    put_pattern("/lm.json", 1000);
    upstream_set_mtime(up, "/lm.json", T0);
    struct fetch_result res;
    char *body = NULL;
    size_t len = 0;
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/lm.json"), NULL, 0, &body, &len, &res, NULL), 0);
    free(body);
    ck_assert_str_eq(res.validators.last_modified, T0_DATE);

    /* only the date: If-Modified-Since goes out verbatim and the server answers 304 */
    struct fetch_validators have = {0};
    memcpy(have.last_modified, res.validators.last_modified, sizeof(have.last_modified));
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/lm.json"), &have, 0, &body, &len, &res, NULL), 0);
    ck_assert(res.not_modified);
    ck_assert_ptr_null(body);
    char h[128];
    ck_assert(upstream_last_header(up, "/lm.json", "If-Modified-Since", h, sizeof(h)));
    ck_assert_str_eq(h, T0_DATE);
    ck_assert(!upstream_last_header(up, "/lm.json", "If-None-Match", h, sizeof(h)));
    ck_assert_str_eq(res.validators.last_modified, T0_DATE);

    /* a newer file: 200 with the new date (T0 + 100 s) */
    upstream_set_mtime(up, "/lm.json", T0 + 100);
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/lm.json"), &have, 0, &body, &len, &res, NULL), 0);
    ck_assert(!res.not_modified);
    ck_assert_uint_eq(len, 1000);
    ck_assert_str_eq(res.validators.last_modified, "Tue, 14 Nov 2023 22:15:00 GMT");
    free(body);
}
END_TEST

START_TEST(gzip_decoded)
{
    /* 100000 bytes in stored deflate blocks of at most 65535: 2 blocks. On the wire: 10-byte
     * gzip header + 2 * 5 block headers + 100000 + 8-byte trailer = 100028 bytes. */
    put_pattern("/z.json", 100000);
    upstream_set_gzip(up, "/z.json", true);
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url_of("/z.json"), NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert(res.decoded);
    ck_assert_uint_eq(len, 100000);
    ck_assert_uint_eq(res.bytes, 100000);
    ck_assert_uint_eq(res.wire_bytes, 100028);
    for (size_t i = 0; i < len; i++)
        if (body[i] != pattern_at(i))
            ck_abort_msg("byte %zu differs after decoding", i);
    free(body);

    /* the cap counts decoded bytes: 100000 > 60000, although nothing said so up front */
    body = NULL;
    r = fetch_to_buffer(fe, url_of("/z.json"), NULL, 60000, &body, &len, &res, &err);
    ck_assert_int_eq(r, CF_ETOOBIG);
    ck_assert_ptr_null(body);
    ck_assert_ptr_nonnull(strstr(err.message, "exceeded the 60000-byte limit"));
}
END_TEST

START_TEST(redirect_followed_not_to_file)
{
    put_pattern("/new.json", 10);
    struct upstream_fault moved = {.status = 302, .location = "/new.json"};
    upstream_set_fault(up, "/old.json", &moved);
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/old.json"), NULL, 0, &body, &len, &res, NULL), 0);
    ck_assert_uint_eq(len, 10);
    ck_assert_int_eq(res.http_status, 200);
    free(body);

    struct upstream_fault to_file = {.status = 302, .location = "file:///etc/hostname"};
    upstream_set_fault(up, "/evil.json", &to_file);
    struct cf_error err = {0};
    body = NULL;
    int r = fetch_to_buffer(fe, url_of("/evil.json"), NULL, 0, &body, &len, &res, &err);
    ck_assert_int_eq(r, CF_EINVAL);
    ck_assert_ptr_null(body);
    ck_assert_ptr_nonnull(strstr(err.message, "protocol not allowed"));
    ck_assert_int_eq(fetcher_last(fe)->attempts, 1);
}
END_TEST

/* ---- retries ------------------------------------------------------------------------------- */

START_TEST(retry_500_then_200)
{
    put_pattern("/flaky.json", 777);
    struct upstream_fault once = {.times = 1, .status = 500};
    upstream_set_fault(up, "/flaky.json", &once);
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url_of("/flaky.json"), NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_int_eq(res.attempts, 2);
    ck_assert_uint_eq(len, 777);
    free(body);
    struct upstream_stats st = upstream_stats(up, "/flaky.json");
    ck_assert_uint_eq(st.requests, 2);
    ck_assert_uint_eq(st.ok, 1);
}
END_TEST

START_TEST(retry_transient_statuses)
{
    static const int statuses[] = {502, 503, 504, 408, 429};
    put_pattern("/t.json", 50);
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        struct upstream_fault once = {.times = 1, .status = statuses[i], .retry_after_s = 1};
        upstream_set_fault(up, "/t.json", &once);
        char *body = NULL;
        size_t len = 0;
        struct fetch_result res;
        struct cf_error err = {0};
        int r = fetch_to_buffer(fe, url_of("/t.json"), NULL, 0, &body, &len, &res, &err);
        ck_assert_msg(r == 0, "HTTP %d: %s", statuses[i], err.message);
        ck_assert_int_eq(res.attempts, 2);
        free(body);
    }
}
END_TEST

START_TEST(always_500_gives_up)
{
    put_pattern("/down.json", 10);
    struct upstream_fault always = {.status = 500};
    upstream_set_fault(up, "/down.json", &always);
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    struct cf_error err = {0};
    int r = fetch_to_sink(fe, url_of("/down.json"), NULL, 0, &sink, NULL, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_int_eq(err.code, CF_EUPSTREAM);
    /* retries = 2: 1 + 2 attempts */
    ck_assert_int_eq(fetcher_last(fe)->attempts, 3);
    ck_assert_int_eq(fetcher_last(fe)->http_status, 500);
    ck_assert_ptr_nonnull(strstr(err.message, "HTTP 500"));
    ck_assert_ptr_nonnull(strstr(err.message, "3 attempts"));
    ck_assert_ptr_nonnull(strstr(err.message, url_of("/down.json")));
    ck_assert_uint_eq(c.chunks, 0); /* the error page never reaches the sink */
    ck_assert_uint_eq(upstream_stats(up, "/down.json").requests, 3);
}
END_TEST

START_TEST(client_errors_not_retried)
{
    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url_of("/nope.json"), NULL, 0, &body, &len, NULL, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_null(body);
    ck_assert_ptr_nonnull(strstr(err.message, "HTTP 404"));
    ck_assert_ptr_null(strstr(err.message, "attempts"));
    ck_assert_int_eq(fetcher_last(fe)->attempts, 1);
    ck_assert_uint_eq(upstream_stats(up, "/nope.json").requests, 1);

    struct upstream_fault forbidden = {.status = 403};
    upstream_set_fault(up, "/f.json", &forbidden);
    r = fetch_to_buffer(fe, url_of("/f.json"), NULL, 0, &body, &len, NULL, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "HTTP 403"));
    ck_assert_uint_eq(upstream_stats(up, "/f.json").requests, 1);

    /* a 304 to a request that held no validators leaves the caller with nothing: an error */
    struct upstream_fault odd = {.status = 304};
    upstream_set_fault(up, "/odd.json", &odd);
    r = fetch_to_buffer(fe, url_of("/odd.json"), NULL, 0, &body, &len, NULL, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "HTTP 304"));
    ck_assert_ptr_null(body);
}
END_TEST

START_TEST(connection_refused)
{
    /* a port nobody listens on: bind one, note it, close it */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(s, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t alen = sizeof(a);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    close(s);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x.json", (unsigned)ntohs(a.sin_port));

    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url, NULL, 0, &body, &len, NULL, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "connection refused"));
    ck_assert_ptr_nonnull(strstr(err.message, "3 attempts"));
    ck_assert_int_eq(fetcher_last(fe)->attempts, 3);
}
END_TEST

/* libcurl 7.88 refuses CURLOPT_BUFFERSIZE on a handle whose last transfer could not resolve
 * its host (seen on a machine without DNS): one such failure must not poison the handle for
 * every later download. */
START_TEST(unresolvable_host_then_next_download_works)
{
    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, "http://computefit-test.invalid/x.json", NULL, 0, &body, &len, NULL,
                            &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_null(strstr(err.message, "refused option"));

    ck_assert_int_eq(upstream_put(up, "/after.json", "{\"ok\":1}", 8, NULL), 0);
    char url[128];
    upstream_url(up, "/after.json", url, sizeof(url));
    r = fetch_to_buffer(fe, url, NULL, 0, &body, &len, NULL, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_str_eq(body, "{\"ok\":1}");
    free(body);
}
END_TEST

START_TEST(dropped_connection_retried)
{
    put_pattern("/drop.json", 300);
    struct upstream_fault drop = {.times = 1, .drop = true};
    upstream_set_fault(up, "/drop.json", &drop);
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url_of("/drop.json"), NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_int_eq(res.attempts, 2);
    ck_assert_uint_eq(len, 300);
    free(body);
}
END_TEST

START_TEST(stall_past_timeout)
{
    struct fetch_opts o;
    test_opts(&o);
    o.timeout_ms = 1000;
    o.retries = 0;
    struct fetcher *f = new_fetcher(&o);
    put_pattern("/slow.json", 100);
    struct upstream_fault stall = {.stall_before_ms = 4000};
    upstream_set_fault(up, "/slow.json", &stall);
    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    double t = mono_s();
    int r = fetch_to_buffer(f, url_of("/slow.json"), NULL, 0, &body, &len, NULL, &err);
    double took = mono_s() - t;
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "timed out after 1 s"));
    /* The message says the 1 s timeout fired, not the 4 s stall ending; time is reported
     * only (no timing assertions on shared machines). */
    fprintf(stderr, "# timed out after %.2f s\n", took);
    fetcher_free(f);
}
END_TEST

START_TEST(stall_mid_body_low_speed)
{
    struct fetch_opts o;
    test_opts(&o);
    o.timeout_ms = 10000;
    o.low_speed_bytes = 1000;
    o.low_speed_time_s = 1;
    o.retries = 0;
    struct fetcher *f = new_fetcher(&o);
    put_pattern("/stall.json", 50000);
    struct upstream_fault stall = {.stall_after_bytes = 1000, .stall_ms = 6000};
    upstream_set_fault(up, "/stall.json", &stall);
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    struct cf_error err = {0};
    double t = mono_s();
    int r = fetch_to_sink(f, url_of("/stall.json"), NULL, 0, &sink, NULL, &err);
    double took = mono_s() - t;
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_msg(strstr(err.message, "stalled: less than 1000 bytes/s for 1 s"), "%s",
                  err.message);
    fprintf(stderr, "# low-speed abort after %.2f s of a 6 s stall\n", took);
    ck_assert(c.pattern_ok);
    fetcher_free(f);
}
END_TEST

START_TEST(truncated_body)
{
    /* 2000 bytes announced, 500 sent, then the connection closes */
    put_pattern("/cut.json", 2000);
    struct upstream_fault cut = {.truncate = true, .truncate_after = 500};
    upstream_set_fault(up, "/cut.json", &cut);
    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url_of("/cut.json"), NULL, 0, &body, &len, NULL, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_null(body);
    ck_assert_msg(strstr(err.message, "cut short after 500 of 2000 bytes"), "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "3 attempts"));

    /* once only: the retry gets the whole body, and the buffer holds it once (2000, not 2500) */
    cut.times = 1;
    upstream_set_fault(up, "/cut.json", &cut);
    struct fetch_result res;
    r = fetch_to_buffer(fe, url_of("/cut.json"), NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_int_eq(res.attempts, 2);
    ck_assert_uint_eq(len, 2000);
    for (size_t i = 0; i < len; i++)
        ck_assert_int_eq(body[i], pattern_at(i));
    free(body);
}
END_TEST

START_TEST(truncated_stream_reset_or_not)
{
    put_pattern("/cut.json", 2000);
    struct upstream_fault cut = {.times = 1, .truncate = true, .truncate_after = 500};

    /* no reset callback: 500 bytes were streamed, so no retry */
    upstream_set_fault(up, "/cut.json", &cut);
    struct collect c;
    collect_init(&c);
    struct fetch_sink plain = {collect_write, NULL, &c};
    struct cf_error err = {0};
    int r = fetch_to_sink(fe, url_of("/cut.json"), NULL, 0, &plain, NULL, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_int_eq(fetcher_last(fe)->attempts, 1);
    ck_assert_msg(strstr(err.message, "not retried: 500 bytes were already streamed"), "%s",
                  err.message);

    /* with reset: the sink starts over and gets the whole body once */
    upstream_set_fault(up, "/cut.json", &cut);
    collect_init(&c);
    struct fetch_sink restartable = {collect_write, collect_reset, &c};
    struct fetch_result res;
    r = fetch_to_sink(fe, url_of("/cut.json"), NULL, 0, &restartable, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_int_eq(res.attempts, 2);
    ck_assert_uint_eq(c.resets, 1);
    ck_assert_uint_eq(c.bytes, 2000);
    ck_assert(c.pattern_ok);

    /* a reset that fails ends the call with its code */
    upstream_set_fault(up, "/cut.json", &cut);
    collect_init(&c);
    c.reset_fails = true;
    r = fetch_to_sink(fe, url_of("/cut.json"), NULL, 0, &restartable, NULL, &err);
    ck_assert_int_eq(r, CF_EINTERNAL);
    ck_assert_uint_eq(c.resets, 1);
}
END_TEST

START_TEST(byte_cap_with_content_length)
{
    put_pattern("/big.json", 2000);
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    struct cf_error err = {0};
    int r = fetch_to_sink(fe, url_of("/big.json"), NULL, 1000, &sink, NULL, &err);
    ck_assert_int_eq(r, CF_ETOOBIG);
    ck_assert_int_eq(err.code, CF_ETOOBIG);
    ck_assert_msg(strstr(err.message, "Content-Length 2000 exceeds the 1000-byte limit"), "%s",
                  err.message);
    ck_assert_uint_eq(c.bytes, 0); /* refused before the first byte */
    ck_assert_int_eq(fetcher_last(fe)->attempts, 1);

    /* exactly at the cap is fine */
    collect_init(&c);
    ck_assert_int_eq(fetch_to_sink(fe, url_of("/big.json"), NULL, 2000, &sink, NULL, &err), 0);
    ck_assert_uint_eq(c.bytes, 2000);

    /* the fetcher's default cap applies when the call passes 0 */
    struct fetch_opts o;
    test_opts(&o);
    o.max_bytes = 1999;
    struct fetcher *f = new_fetcher(&o);
    char *body = NULL;
    size_t len = 0;
    ck_assert_int_eq(fetch_to_buffer(f, url_of("/big.json"), NULL, 0, &body, &len, NULL, &err),
                     CF_ETOOBIG);
    ck_assert_ptr_null(body);
    fetcher_free(f);
}
END_TEST

START_TEST(byte_cap_without_content_length)
{
    put_pattern("/big.json", 300000);
    struct upstream_fault chunked = {.chunked = true};
    upstream_set_fault(up, "/big.json", &chunked);
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    struct cf_error err = {0};
    int r = fetch_to_sink(fe, url_of("/big.json"), NULL, 100000, &sink, NULL, &err);
    ck_assert_int_eq(r, CF_ETOOBIG);
    ck_assert_msg(strstr(err.message, "the body exceeded the 100000-byte limit"), "%s",
                  err.message);
    ck_assert_uint_le(c.bytes, 100000);
    ck_assert_int_eq(fetcher_last(fe)->attempts, 1);
    ck_assert_uint_eq(upstream_stats(up, "/big.json").requests, 1);

    char *body = NULL;
    size_t len = 0;
    r = fetch_to_buffer(fe, url_of("/big.json"), NULL, 100000, &body, &len, NULL, &err);
    ck_assert_int_eq(r, CF_ETOOBIG);
    ck_assert_ptr_null(body);
}
END_TEST

START_TEST(sink_abort_reported)
{
    put_pattern("/bad.json", 5000);
    struct collect c;
    collect_init(&c);
    c.fail_code = CF_EJSON;
    struct fetch_sink sink = {collect_write, collect_reset, &c};
    struct cf_error err = {0};
    int r = fetch_to_sink(fe, url_of("/bad.json"), NULL, 0, &sink, NULL, &err);
    ck_assert_int_eq(r, CF_EJSON);
    ck_assert_ptr_nonnull(strstr(err.message, "invalid_json"));
    ck_assert_int_eq(fetcher_last(fe)->attempts, 1);
    ck_assert_uint_eq(c.resets, 0);
}
END_TEST

START_TEST(bad_etag_not_stored)
{
    static const char *bad[] = {
        "abc",                   /* not quoted */
        "\"abc\" junk",          /* something after the tag */
        "\"a b\"",               /* a space */
        "\"a\x01z\"",            /* a control character */
        "\"\xc3\xa9t\xc3\xa9\"", /* not ASCII */
    };
    put_pattern("/e.json", 10);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct upstream_fault f = {.etag = bad[i]};
        upstream_set_fault(up, "/e.json", &f);
        char *body = NULL;
        size_t len = 0;
        struct fetch_result res;
        struct cf_error err = {0};
        int r = fetch_to_buffer(fe, url_of("/e.json"), NULL, 0, &body, &len, &res, &err);
        ck_assert_msg(r == 0, "%s", err.message);
        ck_assert_msg(res.validators.etag[0] == '\0', "stored bad ETag %zu", i);
        ck_assert(res.etag_rejected);
        free(body);
    }
    /* a bad ETag held by the caller is not sent */
    upstream_set_fault(up, "/e.json", NULL);
    struct fetch_validators have = {0};
    snprintf(have.etag, sizeof(have.etag), "\"a\r\nX-Injected: 1\"");
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    ck_assert_int_eq(fetch_to_buffer(fe, url_of("/e.json"), &have, 0, &body, &len, &res, NULL), 0);
    ck_assert(!res.not_modified);
    ck_assert(!res.etag_rejected);
    char h[64];
    ck_assert(!upstream_last_header(up, "/e.json", "If-None-Match", h, sizeof(h)));
    ck_assert(!upstream_last_header(up, "/e.json", "X-Injected", h, sizeof(h)));
    free(body);
}
END_TEST

START_TEST(file_url)
{
    char path[] = "/tmp/cf-fetch-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *doc = "{\"mirror\":true}";
    ck_assert_int_eq(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
    close(fd);
    struct timespec times[2] = {{T0, 0}, {T0, 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    char url[64];
    snprintf(url, sizeof(url), "file://%s", path);

    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    struct cf_error err = {0};
    int r = fetch_to_buffer(fe, url, NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_str_eq(body, doc);
    ck_assert_int_eq(res.http_status, 0);
    ck_assert(!res.not_modified);
    ck_assert_str_eq(res.validators.last_modified, T0_DATE);
    free(body);

    /* unchanged mtime: not modified, nothing delivered */
    struct collect c;
    collect_init(&c);
    struct fetch_sink sink = {collect_write, NULL, &c};
    r = fetch_to_sink(fe, url, &res.validators, 0, &sink, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert(res.not_modified);
    ck_assert_uint_eq(c.chunks, 0);

    /* a newer file is read again */
    times[0].tv_sec = times[1].tv_sec = T0 + 100;
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    struct fetch_validators old = {0};
    snprintf(old.last_modified, sizeof(old.last_modified), "%s", T0_DATE);
    r = fetch_to_buffer(fe, url, &old, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert(!res.not_modified);
    ck_assert_uint_eq(len, strlen(doc));
    ck_assert_str_eq(res.validators.last_modified, "Tue, 14 Nov 2023 22:15:00 GMT");
    free(body);

    /* the byte cap holds for files too */
    body = NULL;
    r = fetch_to_buffer(fe, url, NULL, 5, &body, &len, &res, &err);
    ck_assert_int_eq(r, CF_ETOOBIG);
    ck_assert_ptr_null(body);

    unlink(path);
    r = fetch_to_buffer(fe, url, NULL, 0, &body, &len, &res, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot read the file"));
    ck_assert_int_eq(fetcher_last(fe)->attempts, 1);
}
END_TEST

/* gzip -c of GZ_SIBLING_TEXT, made with Python's gzip.compress(..., mtime=0): a real deflate
 * stream (not stored blocks), so libcurl's inflater does real work. */
static const unsigned char gz_sibling[57] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x4a, 0x2b, 0xca,
    0xcf, 0x55, 0xb2, 0x52, 0x2a, 0xc9, 0x48, 0x55, 0xd0, 0x4b, 0xaf, 0x52, 0x28, 0xce, 0x4c,
    0xca, 0xc9, 0xcc, 0x4b, 0x57, 0xd2, 0x51, 0x2a, 0x48, 0x4c, 0x01, 0x8a, 0x57, 0x0c, 0x13,
    0xa0, 0x54, 0x0b, 0x00, 0x79, 0x0d, 0x24, 0x7a, 0xeb, 0x00, 0x00, 0x00};

static void write_file(const char *dir, const char *rel, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    /* make the parent directories */
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    struct timespec times[2] = {{T0, 0}, {T0, 0}};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

START_TEST(directory_tree)
{
    char base[] = "/tmp/cf-upstream-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(base));
    char root[64];
    snprintf(root, sizeof(root), "%s/root", base);
    ck_assert_int_eq(mkdir(root, 0700), 0);
    const char *idx = "{\"regions\":{}}";
    write_file(base, "secret.txt", "secret", 6);
    write_file(root, "offers/v1.0/aws/AWSLambda/current/region_index.json", idx, strlen(idx));
    write_file(root, "plain.json", "not this one", 12);
    write_file(root, "plain.json.gz", gz_sibling, sizeof(gz_sibling));

    struct upstream *tree = NULL;
    ck_assert_int_eq(upstream_start(root, &tree), 0);
    char url[256];
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    struct cf_error err = {0};
    upstream_url(tree, "/offers/v1.0/aws/AWSLambda/current/region_index.json", url, sizeof(url));
    int r = fetch_to_buffer(fe, url, NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert_str_eq(body, idx);
    ck_assert_str_eq(res.validators.last_modified, T0_DATE);
    ck_assert(fetch_etag_valid(res.validators.etag));
    free(body);
    r = fetch_to_buffer(fe, url, &res.validators, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert(res.not_modified);

    /* a client that accepts gzip gets the .gz sibling, decoded: 57 bytes on the wire */
    char want[256];
    int n = snprintf(want, sizeof(want), "{\"from\":\"the .gz sibling\",\"pad\":\"");
    memset(want + n, 'x', 200);
    snprintf(want + n + 200, sizeof(want) - (size_t)n - 200, "\"}");
    upstream_url(tree, "/plain.json", url, sizeof(url));
    r = fetch_to_buffer(fe, url, NULL, 0, &body, &len, &res, &err);
    ck_assert_msg(r == 0, "%s", err.message);
    ck_assert(res.decoded);
    ck_assert_uint_eq(res.wire_bytes, sizeof(gz_sibling));
    ck_assert_uint_eq(len, strlen(want));
    ck_assert_str_eq(body, want);
    free(body);

    /* nothing outside the root, even with encoded dots */
    upstream_url(tree, "/%2e%2e/secret.txt", url, sizeof(url));
    r = fetch_to_buffer(fe, url, NULL, 0, &body, &len, &res, &err);
    ck_assert_int_eq(r, CF_EUPSTREAM);
    ck_assert_ptr_nonnull(strstr(err.message, "HTTP 404"));
    upstream_url(tree, "/missing.json", url, sizeof(url));
    ck_assert_int_eq(fetch_to_buffer(fe, url, NULL, 0, &body, &len, &res, &err), CF_EUPSTREAM);
    ck_assert_uint_eq(upstream_stats(tree, "/missing.json").requests, 1);
    upstream_stop(tree);

    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(bad_urls)
{
    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    ck_assert_int_eq(fetch_to_buffer(fe, "", NULL, 0, &body, &len, NULL, &err), CF_EINVAL);
    ck_assert_int_eq(fetch_to_buffer(fe, "ftp://127.0.0.1/x", NULL, 0, &body, &len, NULL, &err),
                     CF_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "protocol not allowed"));
    ck_assert_int_eq(fetch_to_sink(fe, url_of("/x"), NULL, 0, NULL, NULL, &err), CF_EINVAL);
    ck_assert_ptr_null(body);
}
END_TEST

/* ---- stop ---------------------------------------------------------------------------------- */

static void *stop_later(void *arg)
{
    long ms = *(const long *)arg;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(&stop_flag, true);
    return NULL;
}

START_TEST(stop_interrupts_backoff)
{
    /* waits of up to 20 s: only the stop flag can end this call quickly */
    struct fetch_opts o;
    test_opts(&o);
    o.retries = 5;
    o.backoff_base_ms = 20000;
    o.backoff_cap_ms = 20000;
    struct fetcher *f = new_fetcher(&o);
    struct upstream_fault always = {.status = 503};
    upstream_set_fault(up, "/busy.json", &always);

    static const long after_ms = 200;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stop_later, (void *)(uintptr_t)&after_ms), 0);
    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    double t = mono_s();
    int r = fetch_to_buffer(f, url_of("/busy.json"), NULL, 0, &body, &len, NULL, &err);
    double took = mono_s() - t;
    pthread_join(th, NULL);
    ck_assert_int_eq(r, CF_EBUSY);
    ck_assert_ptr_nonnull(strstr(err.message, "stopped while waiting to retry after HTTP 503"));
    /* The message proves the stop flag ended the 20 s wait (no timing assertion: machines are
     * shared and noisy); how long it took is only reported. */
    fprintf(stderr, "# stopped after %.2f s of a 20 s back-off\n", took);

    /* already stopped: nothing is sent */
    unsigned before = upstream_stats(up, "/busy.json").requests;
    r = fetch_to_buffer(f, url_of("/busy.json"), NULL, 0, &body, &len, NULL, &err);
    ck_assert_int_eq(r, CF_EBUSY);
    ck_assert_uint_eq(upstream_stats(up, "/busy.json").requests, before);
    fetcher_free(f);
}
END_TEST

START_TEST(stop_interrupts_transfer)
{
    struct fetch_opts o;
    test_opts(&o);
    o.timeout_ms = 20000;
    struct fetcher *f = new_fetcher(&o);
    put_pattern("/hang.json", 100);
    struct upstream_fault stall = {.stall_before_ms = 15000};
    upstream_set_fault(up, "/hang.json", &stall);

    static const long after_ms = 200;
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stop_later, (void *)(uintptr_t)&after_ms), 0);
    char *body = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    double t = mono_s();
    int r = fetch_to_buffer(f, url_of("/hang.json"), NULL, 0, &body, &len, NULL, &err);
    double took = mono_s() - t;
    pthread_join(th, NULL);
    ck_assert_int_eq(r, CF_EBUSY);
    ck_assert_ptr_nonnull(strstr(err.message, "stopped during the transfer"));
    /* "stopped during the transfer", not "timed out": the stop flag ended the 15 s stall. */
    fprintf(stderr, "# stopped after %.2f s of a 15 s stall\n", took);
    fetcher_free(f);
}
END_TEST

static Suite *fetch_suite(void)
{
    Suite *s = suite_create("fetch");
    TCase *unit = tcase_create("validators");
    tcase_add_test(unit, etag_validation);
    tcase_add_test(unit, date_validation);
    tcase_add_test(unit, bad_options_refused);
    suite_add_tcase(s, unit);

    TCase *ok = tcase_create("success");
    tcase_add_checked_fixture(ok, setup, teardown);
    tcase_set_timeout(ok, 20);
    tcase_add_test(ok, buffer_200);
    tcase_add_test(ok, connection_reused);
    tcase_add_test(ok, empty_body);
    tcase_add_test(ok, stream_chunks);
    tcase_add_test(ok, stream_known_length);
    tcase_add_test(ok, etag_round_trip);
    tcase_add_test(ok, last_modified_round_trip);
    tcase_add_test(ok, gzip_decoded);
    tcase_add_test(ok, redirect_followed_not_to_file);
    tcase_add_test(ok, file_url);
    tcase_add_test(ok, directory_tree);
    tcase_add_test(ok, bad_urls);
    suite_add_tcase(s, ok);

    TCase *fail = tcase_create("failures");
    tcase_add_checked_fixture(fail, setup, teardown);
    tcase_set_timeout(fail, 20);
    tcase_add_test(fail, retry_500_then_200);
    tcase_add_test(fail, retry_transient_statuses);
    tcase_add_test(fail, always_500_gives_up);
    tcase_add_test(fail, client_errors_not_retried);
    tcase_add_test(fail, connection_refused);
    tcase_add_test(fail, unresolvable_host_then_next_download_works);
    tcase_add_test(fail, dropped_connection_retried);
    tcase_add_test(fail, stall_past_timeout);
    tcase_add_test(fail, stall_mid_body_low_speed);
    tcase_add_test(fail, truncated_body);
    tcase_add_test(fail, truncated_stream_reset_or_not);
    tcase_add_test(fail, byte_cap_with_content_length);
    tcase_add_test(fail, byte_cap_without_content_length);
    tcase_add_test(fail, sink_abort_reported);
    tcase_add_test(fail, bad_etag_not_stored);
    tcase_add_test(fail, stop_interrupts_backoff);
    tcase_add_test(fail, stop_interrupts_transfer);
    suite_add_tcase(s, fail);
    return s;
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return EXIT_FAILURE;
    int rc = cf_test_run(fetch_suite());
    curl_global_cleanup();
    return rc;
}
