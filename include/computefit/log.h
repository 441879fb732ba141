/*
 * log.h - structured logs: one JSON object per line on stderr.
 *
 * Every line has "time" (UTC, ms), "level" and "event"; callers add fields. A line is built in
 * a bounded stack buffer and written whole, so lines from different threads never interleave:
 * with one write(2) each, or, once log_writer_start() has run, gathered per thread and written
 * in batches. Safe from any thread; the level is an atomic set once at start-up.
 */
#ifndef COMPUTEFIT_LOG_H
#define COMPUTEFIT_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum cf_log_level { CF_LOG_DEBUG = 0, CF_LOG_INFO, CF_LOG_WARN, CF_LOG_ERROR, CF_LOG_OFF };

/* Sets the lowest level that is written (default CF_LOG_INFO). */
void log_set_level(enum cf_log_level level);

/* Returns the current level. */
enum cf_log_level log_get_level(void);

/* Parses "debug", "info", "warn", "error" or "off" into *ret_level; returns 0 or CF_EINVAL. */
int log_level_parse(const char *s, enum cf_log_level *ret_level);

/* Redirects the log to file descriptor `fd` (default 2). For tests. */
void log_set_fd(int fd);

/* Starts the writer thread: from now on each thread's lines are gathered in a buffer of its own
 * and written at least every 50 ms (a warn or error line makes the thread write its buffer at
 * once), instead of one write(2) per line. Each thread's lines keep their order. For the service,
 * whose access log writes a line per request; call it where the thread may start (signals blocked
 * as the other threads have them). Returns 0, or CF_ENOMEM / CF_EINTERNAL, after which lines are
 * still written, one write(2) each. */
int log_writer_start(void);

/* Writes out what the writer holds and stops it; later lines are written directly again. Call
 * before exit, or buffered lines are lost. A no-op when the writer is not running. */
void log_writer_stop(void);

/* One log field. Exactly one of str/num/integer is used, by `type`. */
enum cf_log_type { CF_LOGF_STR, CF_LOGF_INT, CF_LOGF_NUM, CF_LOGF_BOOL };
struct log_field {
    const char *key;
    enum cf_log_type type;
    const char *str;
    int64_t integer;
    double num;
};

#define LOGF_S(k, v) ((struct log_field){.key = (k), .type = CF_LOGF_STR, .str = (v)})
#define LOGF_I(k, v) ((struct log_field){.key = (k), .type = CF_LOGF_INT, .integer = (int64_t)(v)})
#define LOGF_N(k, v) ((struct log_field){.key = (k), .type = CF_LOGF_NUM, .num = (double)(v)})
#define LOGF_B(k, v) ((struct log_field){.key = (k), .type = CF_LOGF_BOOL, .integer = !!(v)})

/* Writes one line with `event` and the given fields when `level` is enabled. Strings are
 * JSON-escaped; a line longer than the buffer is cut at a field boundary and marked. */
void log_fields(enum cf_log_level level, const char *event, const struct log_field *fields,
                int n_fields);

/* The values of one access-log line (event "request"); strings are borrowed, error may be
 * NULL (written as null). */
struct log_access {
    const char *request_id;
    const char *method;
    const char *path;
    int status;
    int64_t duration_us;
    int64_t bytes_out;
    const char *error;
    const char *peer;
    bool completed;
};

/* Writes the access line at level info: byte for byte what LOG_FIELDS(CF_LOG_INFO, "request",
 * LOGF_S("request_id", ...), LOGF_S("method", ...), LOGF_S("path", ...), LOGF_I("status", ...),
 * LOGF_I("duration_us", ...), LOGF_I("bytes_out", ...), LOGF_S("error", ...),
 * LOGF_S("peer", ...), LOGF_B("completed", ...)) writes, with the keys as literals instead of
 * escaped at run time: the server writes one per request. */
void log_access(const struct log_access *a);

/* Writes one line {"event": event, "message": <formatted>} when `level` is enabled. */
void log_msg(enum cf_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_FIELDS(level, event, ...)                                                              \
    log_fields((level), (event), (const struct log_field[]){__VA_ARGS__},                          \
               (int)(sizeof((const struct log_field[]){__VA_ARGS__}) / sizeof(struct log_field)))

#endif
