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
 * serialise on the kernel's file locks (scripts/bench, BENCHMARKS.md). Lines below warn are then
 * appended to a shared buffer instead, and the writer thread writes the buffer out at least
 * every LOG_FLUSH_MS; a warn or error line wakes it at once. Lock: `w.mu` guards the buffers,
 * `len` and `active`; a logging thread holds it only to copy its line in (no I/O, except when
 * the buffer is full: then the logger writes the buffer and its line itself, in order, which is
 * the back-pressure). The writer takes it only to swap the full buffer for the empty one and
 * writes outside it. `w.io` is held by whoever writes buffered lines, taken while `w.mu` is
 * held (the one lock order: mu, then io), so a logger's back-pressure write cannot overtake the
 * older batch the writer has just taken. Lines keep their order; at most LOG_FLUSH_MS of lines
 * are lost if the process dies without log_writer_stop().
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
#define LOG_BUF_BYTES (1024 * 1024) /* ~4,000 access lines: 50 ms at 80,000 requests/s */
#define LOG_FLUSH_MS  50

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

/* A bounded line under construction; `len` never exceeds sizeof(buf) - 2 (room for "}\n"). */
struct line {
    char buf[LOG_LINE_MAX];
    size_t len;
    int cut;
};

static void put(struct line *l, const char *s, size_t n)
{
    if (l->cut)
        return;
    if (l->len + n > sizeof(l->buf) - 2) {
        l->cut = 1;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_str(struct line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    put(l, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        char esc[6];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(l, esc, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            put(l, esc, 6);
        } else {
            put(l, (const char *)p, 1);
        }
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
    when[n] = '\0';
    l->len = 0;
    l->cut = 0;
    put(l, "{\"time\":", 8);
    put_str(l, when);
    put_key(l, "level");
    put_str(l, level_names[level]);
    put_key(l, "event");
    put_str(l, event);
}

/* The writer (see DESIGN). */
static struct {
    pthread_mutex_t mu; /* guards buf, len, active, stop */
    pthread_mutex_t io; /* held while buffered lines are written: keeps them in order */
    pthread_cond_t cv;  /* wakes the writer: a warn/error line, or stop */
    char *buf[2];       /* buf[0] is filled by loggers; the writer swaps it with buf[1] */
    size_t len;
    bool active, stop;
    pthread_t thread;
} w = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .io = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER};
static atomic_bool w_active; /* a lock-free first look at w.active */

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

/* Takes a line into the writer's buffer; returns false when the writer is not running. */
static bool buffer_line(const char *p, size_t n, bool urgent)
{
    if (!atomic_load(&w_active))
        return false;
    lock_or_die(pthread_mutex_lock(&w.mu));
    if (!w.active) {
        lock_or_die(pthread_mutex_unlock(&w.mu));
        return false;
    }
    if (w.len + n > LOG_BUF_BYTES) { /* the writer is behind: write in order, here */
        lock_or_die(pthread_mutex_lock(&w.io));
        write_all(w.buf[0], w.len);
        w.len = 0;
        write_all(p, n);
        lock_or_die(pthread_mutex_unlock(&w.io));
    } else {
        memcpy(w.buf[0] + w.len, p, n);
        w.len += n;
    }
    if (urgent)
        lock_or_die(pthread_cond_signal(&w.cv));
    lock_or_die(pthread_mutex_unlock(&w.mu));
    return true;
}

static void *writer_main(void *arg)
{
    (void)arg;
    lock_or_die(pthread_mutex_lock(&w.mu));
    for (;;) {
        if (w.len == 0 && !w.stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += LOG_FLUSH_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            int r = pthread_cond_timedwait(&w.cv, &w.mu, &until);
            if (r != 0 && r != ETIMEDOUT)
                abort();
        }
        if (w.len == 0 && w.stop)
            break;
        char *full = w.buf[0];
        size_t n = w.len;
        w.buf[0] = w.buf[1];
        w.buf[1] = full;
        w.len = 0;
        lock_or_die(pthread_mutex_lock(&w.io)); /* before mu is released: order (see DESIGN) */
        lock_or_die(pthread_mutex_unlock(&w.mu));
        write_all(full, n);
        lock_or_die(pthread_mutex_unlock(&w.io));
        lock_or_die(pthread_mutex_lock(&w.mu));
        if (!w.stop) { /* gather lines for a while rather than write each one at once */
            lock_or_die(pthread_mutex_unlock(&w.mu));
            struct timespec pause = {0, LOG_FLUSH_MS * 1000000L};
            nanosleep(&pause, NULL);
            lock_or_die(pthread_mutex_lock(&w.mu));
        }
    }
    lock_or_die(pthread_mutex_unlock(&w.mu));
    return NULL;
}

int log_writer_start(void)
{
    lock_or_die(pthread_mutex_lock(&w.mu));
    int r = 0;
    if (w.active)
        goto out;
    w.buf[0] = malloc(LOG_BUF_BYTES);
    w.buf[1] = malloc(LOG_BUF_BYTES);
    w.len = 0;
    w.stop = false;
    if (!w.buf[0] || !w.buf[1]) {
        r = CF_ENOMEM;
    } else if (pthread_create(&w.thread, NULL, writer_main, NULL) != 0) {
        r = CF_EINTERNAL;
    } else {
        w.active = true;
        atomic_store(&w_active, true);
    }
    if (r) {
        free(w.buf[0]);
        free(w.buf[1]);
        w.buf[0] = w.buf[1] = NULL;
    }
out:
    lock_or_die(pthread_mutex_unlock(&w.mu));
    return r;
}

void log_writer_stop(void)
{
    lock_or_die(pthread_mutex_lock(&w.mu));
    if (!w.active) {
        lock_or_die(pthread_mutex_unlock(&w.mu));
        return;
    }
    w.active = false; /* from now on lines are written directly, after what is buffered */
    atomic_store(&w_active, false);
    w.stop = true;
    lock_or_die(pthread_cond_signal(&w.cv));
    lock_or_die(pthread_mutex_unlock(&w.mu));
    lock_or_die(pthread_join(w.thread, NULL));
    free(w.buf[0]);
    free(w.buf[1]);
    w.buf[0] = w.buf[1] = NULL;
}

static void line_end(struct line *l, bool urgent)
{
    if (l->cut) {
        /* Drop the partial field and say so, keeping the line valid JSON. */
        static const char mark[] = ",\"truncated\":true";
        l->cut = 0;
        while (l->len > 0 && l->len + sizeof(mark) + 2 > sizeof(l->buf))
            l->len--;
        put(l, mark, sizeof(mark) - 1);
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
