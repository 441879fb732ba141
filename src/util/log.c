/*
 * log.c - JSON-lines logger on stderr.
 *
 * DESIGN: no lock. The level and the fd are atomics written at start-up (or by tests); each
 * line is formatted into a stack buffer and emitted with a single write(2), which POSIX makes
 * atomic for pipes up to PIPE_BUF and which in practice never interleaves on files and ttys for
 * lines of this size. Any thread may log.
 */
#include "computefit/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "computefit/error.h"

#define LOG_LINE_MAX 4096

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

static void line_begin(struct line *l, enum cf_log_level level, const char *event)
{
    struct timespec ts;
    struct tm tm;
    char when[40];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);
    l->len = 0;
    l->cut = 0;
    put(l, "{\"time\":", 8);
    put_str(l, when);
    put_key(l, "level");
    put_str(l, level_names[level]);
    put_key(l, "event");
    put_str(l, event);
}

static void line_end(struct line *l)
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
    const char *p = l->buf;
    size_t left = l->len;
    int fd = atomic_load(&log_fd);
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report a failing log; drop the line */
        p += w;
        left -= (size_t)w;
    }
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
            put_fmt(&l, "%lld", (long long)f->integer);
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
    line_end(&l);
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
