/*
 * log.c - JSON-lines logger on stderr.
 *
 * DESIGN: the level and the fd are atomics written at start-up (or by tests); each line is
 * formatted into a stack buffer. Any thread may log.
 * Without the writer (tests, tools), a line is emitted with a single write(2), which POSIX
 * makes atomic for pipes up to PIPE_BUF and which in practice never interleaves on files and
 * ttys for lines of this size.
 * With the writer (log_writer_start(), which the service calls): one access-log line per request
 * made write(2) a fifth of the CPU of GET /healthz, and two workers writing the same file also
 * serialise on the kernel's file locks (scripts/bench, BENCHMARKS.md); a shared buffer behind
 * one mutex then made the workers meet on that mutex and its cache lines once per request.
 * So each thread that logs gets its own buffer (struct tbuf, registered in `w.threads` at its
 * first line) and appends its lines there; the writer thread writes every buffer out at least
 * every LOG_FLUSH_MS, and every LOG_FLUSH_BUSY_MS while there are lines, so that a worker's
 * buffer rarely fills and the write(2) stays off the workers. A warn or error line, or a line
 * that does not fit, makes the thread write its buffer itself at once (the back-pressure).
 * Locks: `t->mu` guards one thread's buffer, `len` and `open`; it is taken by that thread for
 * each line (uncontended but for the writer's visit every LOG_FLUSH_MS) and by the writer,
 * which swaps the buffer for its `w.spare` under it and writes outside it. `t->io` is held by
 * whoever writes that buffer's lines, taken while `t->mu` is held, so a thread's own write
 * cannot overtake the older batch the writer has just taken: each thread's lines keep their
 * order (lines of different threads may interleave by batches, each line whole). `w.mu` guards
 * the list, the spare and the writer's state; the writer holds it while it visits the buffers;
 * threads take it only to register, and at exit (a pthread key's destructor writes the
 * buffer out and frees it). Lock order: w.mu, then t->mu, then t->io. log_writer_stop() writes
 * out every buffer, so nothing is lost at shutdown; at most LOG_FLUSH_MS of lines are lost if
 * the process dies without it.
 */
#include "computefit/log.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "computefit/error.h"
#include "computefit/lock.h"

#define LOG_LINE_MAX  4096
#define LOG_BUF_BYTES (256 * 1024) /* per thread: ~1,100 access lines */
#define LOG_FLUSH_MS  50           /* the longest a line waits in a buffer */
#define LOG_FLUSH_BUSY_MS                                                                          \
    10 /* the writer's period while there are lines: 1,100 lines in 10 ms                          \
          is 110,000 lines/s per thread before a thread writes itself */

static atomic_int log_level = CF_LOG_INFO;
static atomic_int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void log_set_level(enum cf_log_level level)
{
    atomic_store(&log_level, (int)level);
}

enum cf_log_level log_get_level(void)
{
    return (enum cf_log_level)atomic_load(&log_level);
}

void log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

int log_level_parse(const char *s, enum cf_log_level *ret_level)
{
    for (int i = 0; i <= CF_LOG_OFF; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *ret_level = (enum cf_log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *ret_level = CF_LOG_WARN;
        return 0;
    }
    return CF_EINVAL;
}

/* Appended to a line that was cut at a field boundary; put() keeps room for it and "}\n". */
#define TRUNCATED ",\"truncated\":true"

/* A bounded line under construction; `len` never exceeds LINE_ROOM, so that TRUNCATED and
 * "}\n" always fit after it. */
struct line {
    char buf[LOG_LINE_MAX];
    size_t len;
    int cut;
};

#define LINE_ROOM (LOG_LINE_MAX - 2 - (sizeof(TRUNCATED) - 1))

static void put(struct line *l, const char *s, size_t n)
{
    if (l->cut)
        return;
    if (l->len + n > LINE_ROOM) {
        l->cut = 1;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* 1 for the bytes written as they are inside a JSON string: not NUL (the end), '"', '\\', a
 * control character or DEL; other bytes, UTF-8 included, pass through. A table, because a line
 * per request runs ~170 string bytes through it. */
/* clang-format off */
#define ROW0 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define ROW1 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char plain_byte[256] = {
    ROW0, ROW0,                                             /* 0x00-0x1f: control characters */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         /* 0x22 '"' */
    ROW1, ROW1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,         /* 0x5c '\\' */
    ROW1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,         /* 0x7f DEL */
    ROW1, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1, ROW1,         /* 0x80-0xff: UTF-8 */
};
#undef ROW0
#undef ROW1
/* clang-format on */

static void put_str(struct line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(l, "\"", 1);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (;;) {
        /* Copy runs of plain bytes at once: a line per request, and most strings need no
         * escaping at all. */
        const unsigned char *run = p;
        while (plain_byte[*p])
            p++;
        put(l, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        char esc[6];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(l, esc, 2);
        } else {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            put(l, esc, 6);
        }
        p++;
    }
    put(l, "\"", 1);
}

static void put_fmt(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_fmt(struct line *l, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(l, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void put_key(struct line *l, const char *key)
{
    put(l, ",", 1);
    put_str(l, key);
    put(l, ":", 1);
}

/* Writes an integer in decimal, as "%lld" would, without printf (a line per request). */
static void put_int(struct line *l, long long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    put(l, tmp + i, sizeof(tmp) - i);
}

static void line_begin(struct line *l, enum cf_log_level level, const char *event)
{
    /* The date and time to the second are formatted once per second per thread. */
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[24];
    static _Thread_local size_t cached_len;
    struct timespec ts;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        cached_len = strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
        cached_sec = ts.tv_sec;
    }
    size_t n = cached_len;
    memcpy(when, cached, n);
    long ms = ts.tv_nsec / 1000000;
    when[n++] = '.';
    when[n++] = (char)('0' + ms / 100);
    when[n++] = (char)('0' + ms / 10 % 10);
    when[n++] = (char)('0' + ms % 10);
    when[n++] = 'Z';
    l->len = 0;
    l->cut = 0;
    /* The time and the level names need no escaping. */
    put(l, "{\"time\":\"", 9);
    put(l, when, n);
    put(l, "\",\"level\":\"", 11);
    put(l, level_names[level], strlen(level_names[level]));
    put(l, "\"", 1);
    put_key(l, "event");
    put_str(l, event);
}

/* One logging thread's buffer (see DESIGN). */
struct tbuf {
    pthread_mutex_t mu; /* guards buf, len and open; taken by its thread and by the writer */
    pthread_mutex_t io; /* held while this buffer's lines are written: keeps them in order */
    char *buf;          /* LOG_BUF_BYTES */
    size_t len;
    bool open;         /* the writer runs: lines may wait here */
    struct tbuf *next; /* guarded by w.mu */
};

/* The writer (see DESIGN). */
static struct {
    pthread_mutex_t mu;   /* guards threads, spare, running and stop */
    pthread_cond_t cv;    /* wakes the writer to stop */
    struct tbuf *threads; /* every thread's buffer */
    char *spare;          /* the writer's: swapped with a full buffer, written outside its mu */
    bool running, stop;
    pthread_t thread;
} w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static atomic_bool w_active; /* a lock-free first look at w.running */
static _Thread_local struct tbuf *my_tbuf;
static pthread_key_t tbuf_key; /* its destructor writes out and frees an exiting thread's buffer */
static pthread_once_t tbuf_key_once = PTHREAD_ONCE_INIT;

static void lock_or_die(int r)
{
    lock_check(r, "a log writer lock call"); /* a failing lock call is a bug; never limp on */
}

static void write_all(const char *p, size_t left)
{
    int fd = atomic_load(&log_fd);
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* nowhere to report a failing log; drop the bytes */
        p += n;
        left -= (size_t)n;
    }
}

/* Writes out what `t` holds, in its thread's order. With t->mu held. */
static void tbuf_write(struct tbuf *t)
{
    lock_or_die(pthread_mutex_lock(&t->io));
    write_all(t->buf, t->len);
    t->len = 0;
    lock_or_die(pthread_mutex_unlock(&t->io));
}

/* Thread exit (the key's destructor): the buffer is written out, unlinked and freed. */
static void tbuf_exit(void *arg)
{
    struct tbuf *t = arg;
    my_tbuf = NULL; /* a later line from this thread goes out directly or gets a new buffer */
    lock_or_die(pthread_mutex_lock(&w.mu));
    for (struct tbuf **pp = &w.threads; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    lock_or_die(pthread_mutex_lock(&t->mu));
    tbuf_write(t);
    lock_or_die(pthread_mutex_unlock(&t->mu));
    lock_or_die(pthread_mutex_unlock(&w.mu));
    pthread_mutex_destroy(&t->mu);
    pthread_mutex_destroy(&t->io);
    free(t->buf);
    free(t);
}

static void tbuf_key_create(void)
{
    if (pthread_key_create(&tbuf_key, tbuf_exit) != 0)
        abort(); /* only at the first buffered line; running out of keys is a bug */
}

/* Gives the calling thread its buffer; NULL when the writer is not running or memory is short
 * (the line is then written directly). */
static struct tbuf *tbuf_register(void)
{
    pthread_once(&tbuf_key_once, tbuf_key_create);
    struct tbuf *t = calloc(1, sizeof(*t));
    char *buf = malloc(LOG_BUF_BYTES);
    if (!t || !buf || pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        free(buf);
        return NULL;
    }
    lock_or_die(pthread_mutex_init(&t->io, NULL));
    t->buf = buf;
    lock_or_die(pthread_mutex_lock(&w.mu));
    if (!w.running) {
        lock_or_die(pthread_mutex_unlock(&w.mu));
        pthread_mutex_destroy(&t->mu);
        pthread_mutex_destroy(&t->io);
        free(buf);
        free(t);
        return NULL;
    }
    t->open = true;
    t->next = w.threads;
    w.threads = t;
    lock_or_die(pthread_mutex_unlock(&w.mu));
    pthread_setspecific(tbuf_key, t);
    my_tbuf = t;
    return t;
}

/* Takes a line into the calling thread's buffer; returns false when the writer is not running.
 * A full buffer, or a warn or error line, is written out at once by the thread itself. */
static bool buffer_line(const char *p, size_t n, bool urgent)
{
    if (!atomic_load_explicit(&w_active, memory_order_relaxed))
        return false;
    struct tbuf *t = my_tbuf ? my_tbuf : tbuf_register();
    if (!t)
        return false;
    lock_or_die(pthread_mutex_lock(&t->mu));
    if (!t->open) { /* the writer has stopped: write directly, after what it wrote out */
        lock_or_die(pthread_mutex_unlock(&t->mu));
        return false;
    }
    if (t->len + n > LOG_BUF_BYTES)
        tbuf_write(t); /* the writer is behind: back-pressure */
    memcpy(t->buf + t->len, p, n);
    t->len += n;
    if (urgent)
        tbuf_write(t);
    lock_or_die(pthread_mutex_unlock(&t->mu));
    return true;
}

/* Writes out one thread's buffer without holding its mu during the write: the full buffer is
 * swapped for the writer's spare. Returns whether there was anything. The writer only, with
 * w.mu held. */
static bool flush_one(struct tbuf *t)
{
    lock_or_die(pthread_mutex_lock(&t->mu));
    if (t->len == 0) {
        lock_or_die(pthread_mutex_unlock(&t->mu));
        return false;
    }
    char *full = t->buf;
    size_t n = t->len;
    t->buf = w.spare;
    t->len = 0;
    w.spare = full;
    lock_or_die(pthread_mutex_lock(&t->io)); /* before mu is released: order (see DESIGN) */
    lock_or_die(pthread_mutex_unlock(&t->mu));
    write_all(full, n);
    lock_or_die(pthread_mutex_unlock(&t->io));
    return true;
}

static void *writer_main(void *arg)
{
    (void)arg;
    long period_ms = LOG_FLUSH_MS;
    lock_or_die(pthread_mutex_lock(&w.mu));
    while (!w.stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += period_ms * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int r = pthread_cond_timedwait(&w.cv, &w.mu, &until);
        if (r != 0 && r != ETIMEDOUT)
            abort();
        bool busy = false;
        for (struct tbuf *t = w.threads; t && !w.stop; t = t->next)
            busy |= flush_one(t);
        /* Often while lines come, back to the long period (doubling) when they stop. */
        period_ms = busy ? LOG_FLUSH_BUSY_MS
                         : (period_ms * 2 < LOG_FLUSH_MS ? period_ms * 2 : LOG_FLUSH_MS);
    }
    lock_or_die(pthread_mutex_unlock(&w.mu));
    return NULL;
}

int log_writer_start(void)
{
    lock_or_die(pthread_mutex_lock(&w.mu));
    int r = 0;
    if (w.running)
        goto out;
    w.spare = malloc(LOG_BUF_BYTES);
    w.stop = false;
    if (!w.spare) {
        r = CF_ENOMEM;
    } else if (pthread_create(&w.thread, NULL, writer_main, NULL) != 0) {
        free(w.spare);
        w.spare = NULL;
        r = CF_EINTERNAL;
    } else {
        w.running = true;
        for (struct tbuf *t = w.threads; t; t = t->next) { /* threads known from an earlier run */
            lock_or_die(pthread_mutex_lock(&t->mu));
            t->open = true;
            lock_or_die(pthread_mutex_unlock(&t->mu));
        }
        atomic_store(&w_active, true);
    }
out:
    lock_or_die(pthread_mutex_unlock(&w.mu));
    return r;
}

void log_writer_stop(void)
{
    lock_or_die(pthread_mutex_lock(&w.mu));
    if (!w.running) {
        lock_or_die(pthread_mutex_unlock(&w.mu));
        return;
    }
    w.running = false;
    atomic_store(&w_active, false);
    w.stop = true;
    lock_or_die(pthread_cond_signal(&w.cv));
    lock_or_die(pthread_mutex_unlock(&w.mu));
    lock_or_die(pthread_join(w.thread, NULL));
    /* What every thread holds is written out; from now on its lines are written directly. The
     * buffers stay with their threads for a later start (freed when a thread exits). */
    lock_or_die(pthread_mutex_lock(&w.mu));
    for (struct tbuf *t = w.threads; t; t = t->next) {
        lock_or_die(pthread_mutex_lock(&t->mu));
        tbuf_write(t);
        t->open = false;
        lock_or_die(pthread_mutex_unlock(&t->mu));
    }
    free(w.spare);
    w.spare = NULL;
    lock_or_die(pthread_mutex_unlock(&w.mu));
}

static void line_end(struct line *l, bool urgent)
{
    if (l->cut) {
        /* The partial field is gone already (cut back to its start); say so. Room was kept,
         * so the line stays valid JSON. */
        memcpy(l->buf + l->len, TRUNCATED, sizeof(TRUNCATED) - 1);
        l->len += sizeof(TRUNCATED) - 1;
    }
    l->buf[l->len++] = '}';
    l->buf[l->len++] = '\n';
    if (!buffer_line(l->buf, l->len, urgent))
        write_all(l->buf, l->len);
}

void log_fields(enum cf_log_level level, const char *event, const struct log_field *fields,
                int n_fields)
{
    if (level < log_get_level() || level >= CF_LOG_OFF)
        return;
    struct line l;
    line_begin(&l, level, event);
    for (int i = 0; i < n_fields; i++) {
        const struct log_field *f = &fields[i];
        size_t mark = l.len;
        put_key(&l, f->key);
        switch (f->type) {
        case CF_LOGF_STR:
            if (f->str)
                put_str(&l, f->str);
            else
                put(&l, "null", 4);
            break;
        case CF_LOGF_INT:
            put_int(&l, (long long)f->integer);
            break;
        case CF_LOGF_NUM:
            if (isfinite(f->num))
                put_fmt(&l, "%.17g", f->num);
            else
                put(&l, "null", 4);
            break;
        case CF_LOGF_BOOL:
            put(&l, f->integer ? "true" : "false", f->integer ? 4 : 5);
            break;
        }
        if (l.cut) {
            l.len = mark; /* cut at a field boundary */
            break;
        }
    }
    line_end(&l, level >= CF_LOG_WARN);
}

/* ",\"key\":" and its length, for keys written as they are (they are literals here). */
#define KEY(k) (",\"" k "\":"), (sizeof(",\"" k "\":") - 1)

/* A string field (NULL: null) behind a literal key; false when the line is full, cut back to
 * the field's start, as log_fields() cuts. */
static bool put_key_str(struct line *l, const char *key, size_t key_len, const char *v)
{
    size_t mark = l->len;
    put(l, key, key_len);
    if (v)
        put_str(l, v);
    else
        put(l, "null", 4);
    if (l->cut)
        l->len = mark;
    return !l->cut;
}

static bool put_key_int(struct line *l, const char *key, size_t key_len, long long v)
{
    size_t mark = l->len;
    put(l, key, key_len);
    put_int(l, v);
    if (l->cut)
        l->len = mark;
    return !l->cut;
}

void log_access(const struct log_access *a)
{
    if (CF_LOG_INFO < log_get_level())
        return;
    struct line l;
    line_begin(&l, CF_LOG_INFO, "request");
    if (put_key_str(&l, KEY("request_id"), a->request_id) &&
        put_key_str(&l, KEY("method"), a->method) && put_key_str(&l, KEY("path"), a->path) &&
        put_key_int(&l, KEY("status"), a->status) &&
        put_key_int(&l, KEY("duration_us"), a->duration_us) &&
        put_key_int(&l, KEY("bytes_out"), a->bytes_out) &&
        put_key_str(&l, KEY("error"), a->error) && put_key_str(&l, KEY("peer"), a->peer)) {
        size_t mark = l.len;
        put(&l, KEY("completed"));
        put(&l, a->completed ? "true" : "false", a->completed ? 4 : 5);
        if (l.cut)
            l.len = mark;
    }
    line_end(&l, false);
}

void log_msg(enum cf_log_level level, const char *event, const char *fmt, ...)
{
    if (level < log_get_level() || level >= CF_LOG_OFF)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    LOG_FIELDS(level, event, LOGF_S("message", msg));
}
