/*
 * test_log.c - the logger's writer thread: lines from many threads, gathered and written in
 * batches (with back-pressure past the buffer), come out whole, all of them, and in each
 * thread's order; stopping writes out what is held; without the writer lines go out directly.
 */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "computefit/log.h"
#include "testutil.h"

#define THREADS 4
#define LINES   20000 /* 4 x 20,000 lines of ~100 bytes: ~8 MB, past the 1 MiB buffer */

static void *logger(void *arg)
{
    long t = (long)(intptr_t)arg;
    for (long i = 0; i < LINES; i++)
        LOG_FIELDS(i % 5000 == 0 ? CF_LOG_WARN : CF_LOG_INFO, "request", LOGF_I("thread", t),
                   LOGF_I("seq", i), LOGF_S("path", "/advise"));
    return NULL;
}

/* Reads every line of `f` and checks it: valid JSON, each thread's seq 0, 1, 2, ... in order. */
static void check_lines(FILE *f, long threads, long lines)
{
    long next[THREADS] = {0};
    char buf[8192];
    long total = 0;
    rewind(f);
    while (fgets(buf, sizeof(buf), f)) {
        json_error_t je;
        json_t *doc = json_loads(buf, 0, &je);
        ck_assert_msg(doc != NULL, "line %ld is not JSON: %s: %s", total, je.text, buf);
        json_int_t t = json_integer_value(json_object_get(doc, "thread"));
        json_int_t seq = json_integer_value(json_object_get(doc, "seq"));
        ck_assert_int_ge(t, 0);
        ck_assert_int_lt(t, threads);
        ck_assert_int_eq(seq, next[t]);
        next[t]++;
        total++;
        json_decref(doc);
    }
    ck_assert_int_eq(total, threads * lines);
}

/* Sends the log, at level info, to a new temporary file, which the caller fclose()s (after
 * log_set_fd(2)). */
static FILE *capture(void)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    log_set_fd(fileno(f));
    log_set_level(CF_LOG_INFO);
    return f;
}

START_TEST(writer_keeps_every_line_whole_and_in_order)
{
    FILE *f = capture();
    ck_assert_int_eq(log_writer_start(), 0);
    pthread_t th[THREADS];
    for (long t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, logger, (void *)(intptr_t)t), 0);
    for (long t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    log_writer_stop(); /* writes out what it still holds */
    log_set_fd(2);
    check_lines(f, THREADS, LINES);
    fclose(f);
}
END_TEST

START_TEST(without_the_writer_lines_go_out_at_once)
{
    FILE *f = capture();
    log_writer_stop(); /* not running: a no-op */
    LOG_FIELDS(CF_LOG_INFO, "request", LOGF_I("thread", 0), LOGF_I("seq", 0));
    /* Nothing buffered: the line is in the file before anything else happens. */
    check_lines(f, 1, 1);
    /* Started and stopped twice, the writer takes this thread's lines into the thread's buffer
     * while it runs (the same buffer the second time) and leaves direct writes behind it. */
    for (int seq = 1; seq <= 4; seq += 2) {
        ck_assert_int_eq(log_writer_start(), 0);
        LOG_FIELDS(CF_LOG_INFO, "request", LOGF_I("thread", 0), LOGF_I("seq", seq));
        log_writer_stop();
        LOG_FIELDS(CF_LOG_INFO, "request", LOGF_I("thread", 0), LOGF_I("seq", seq + 1));
    }
    log_set_fd(2);
    check_lines(f, 1, 5);
    fclose(f);
}
END_TEST

static long count_lines(FILE *f)
{
    char buf[8192];
    long n = 0;
    rewind(f);
    while (fgets(buf, sizeof(buf), f))
        n++;
    return n;
}

/* Lines wait in their thread's buffer only until the writer's next visit (every 50 ms): they
 * reach the file without log_writer_stop(). A warn line is written at once, after the lines of
 * its thread that came before it. */
START_TEST(lines_are_flushed_promptly_and_warn_at_once)
{
    FILE *f = capture();
    ck_assert_int_eq(log_writer_start(), 0);
    LOG_FIELDS(CF_LOG_INFO, "request", LOGF_I("thread", 0), LOGF_I("seq", 0));
    LOG_FIELDS(CF_LOG_INFO, "request", LOGF_I("thread", 0), LOGF_I("seq", 1));
    LOG_FIELDS(CF_LOG_WARN, "request", LOGF_I("thread", 0), LOGF_I("seq", 2));
    check_lines(f, 1, 3); /* no wait: the warn line took the two before it along */
    LOG_FIELDS(CF_LOG_INFO, "request", LOGF_I("thread", 0), LOGF_I("seq", 3));
    /* Bounded poll (10 s, for loaded sanitizer runs); the writer's period is 50 ms. */
    for (int i = 0; i < 1000 && count_lines(f) < 4; i++) {
        struct timespec t = {0, 10 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    check_lines(f, 1, 4);
    log_writer_stop();
    log_set_fd(2);
    fclose(f);
}
END_TEST

/* Every ASCII byte in a string value survives the escaping (a table decides which are
 * escaped): the line parses as JSON and gives the string back; bytes past ASCII pass through. */
START_TEST(strings_are_escaped)
{
    FILE *f = capture();
    char all[128];
    for (int i = 1; i < 128; i++)
        all[i - 1] = (char)i;
    all[127] = '\0';
    LOG_FIELDS(CF_LOG_INFO, "escape", LOGF_S("all", all), LOGF_S("utf8", "caf\xc3\xa9"));
    log_set_fd(2);
    rewind(f);
    char buf[2048];
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    json_error_t je;
    json_t *doc = json_loads(buf, 0, &je);
    ck_assert_msg(doc != NULL, "not JSON: %s: %s", je.text, buf);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "all")), all);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "utf8")), "caf\xc3\xa9");
    ck_assert_ptr_nonnull(strstr(buf, "\\u001f !\\\"#")); /* the form of an escape */
    ck_assert_ptr_nonnull(strstr(buf, "[\\\\]"));
    ck_assert_ptr_nonnull(strstr(buf, "~\\u007f\""));
    json_decref(doc);
    fclose(f);
}
END_TEST

/* log_access() writes the access line from a template; it must give exactly the bytes of the
 * generic LOG_FIELDS call it replaces, escaping and truncation at any field included. */
START_TEST(access_line_matches_log_fields)
{
    static char long_plain[4200], long_quotes[1500];
    memset(long_plain, 'p', sizeof(long_plain) - 1);
    memset(long_quotes, '"', sizeof(long_quotes) - 1);
    const struct log_access cases[] = {
        {"0123456789abcdef", "GET", "/healthz", 200, 57, 15, NULL, "127.0.0.1", true},
        {"id-\"q\\", "PO\x01ST", "/a\"b\\c\x7f\xc3\xa9", 413, -1, 0, "body_too_large", "", false},
        {"x", "GET", long_quotes, 404, INT64_MAX, INT64_MIN, "not_found", "10.0.0.1", true},
        {"x", "GET", long_plain, 404, 1, 2, "not_found", "10.0.0.1", true},
        {"x", "GET", long_plain + 300, 500, 1, 2, "internal", "10.0.0.1", false},
        {"x", "GET", long_plain + 330, 500, 1, 2, "internal", "10.0.0.1", false},
        {"x", "GET", long_plain + 360, 500, 1, 2, NULL, "10.0.0.1", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct log_access *a = &cases[i];
        FILE *f = capture();
        log_access(a);
        LOG_FIELDS(CF_LOG_INFO, "request", LOGF_S("request_id", a->request_id),
                   LOGF_S("method", a->method), LOGF_S("path", a->path),
                   LOGF_I("status", a->status), LOGF_I("duration_us", a->duration_us),
                   LOGF_I("bytes_out", a->bytes_out), LOGF_S("error", a->error),
                   LOGF_S("peer", a->peer), LOGF_B("completed", a->completed));
        log_set_fd(2);
        rewind(f);
        static char got[2][8192];
        for (int k = 0; k < 2; k++) {
            ck_assert_ptr_nonnull(fgets(got[k], sizeof(got[k]), f));
            ck_assert_uint_gt(strlen(got[k]), 9 + 24);
            memset(got[k] + 9, 'T', 24); /* the time may differ by a millisecond */
        }
        ck_assert_msg(strcmp(got[0], got[1]) == 0, "case %zu:\n%s%s", i, got[0], got[1]);
        json_error_t je; /* a cut line is still one JSON object */
        json_t *doc = json_loads(got[0], 0, &je);
        ck_assert_msg(doc != NULL, "case %zu is not JSON: %s: %s", i, je.text, got[0]);
        json_decref(doc);
        fclose(f);
    }
}
END_TEST

/* Integers are written without printf and the time prefix is cached per second: both must
 * still give what "%lld" and strftime + ".%03ldZ" gave. */
START_TEST(integers_and_time_format)
{
    FILE *f = capture();
    LOG_FIELDS(CF_LOG_INFO, "numbers", LOGF_I("zero", 0), LOGF_I("neg", -42),
               LOGF_I("max", INT64_MAX), LOGF_I("min", INT64_MIN), LOGF_I("ten", 10));
    LOG_FIELDS(CF_LOG_INFO, "again", LOGF_I("one", 1)); /* the cached second */
    log_set_fd(2);
    rewind(f);
    char buf[1024];
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    ck_assert_ptr_nonnull(strstr(buf, "\"zero\":0,\"neg\":-42,\"max\":9223372036854775807,"
                                      "\"min\":-9223372036854775808,\"ten\":10}"));
    for (int line = 0; line < 2; line++) {
        if (line == 1)
            ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
        json_t *doc = json_loads(buf, 0, NULL);
        ck_assert_ptr_nonnull(doc);
        const char *t = json_string_value(json_object_get(doc, "time"));
        ck_assert_ptr_nonnull(t);
        /* 2026-11-28T04:47:57.138Z: 24 characters, digits where digits go */
        ck_assert_uint_eq(strlen(t), 24);
        static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
        for (int i = 0; i < 24; i++)
            ck_assert_msg(shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == shape[i],
                          "time %s at %d", t, i);
        json_decref(doc);
    }
    fclose(f);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("writer");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, writer_keeps_every_line_whole_and_in_order);
    tcase_add_test(tc, without_the_writer_lines_go_out_at_once);
    tcase_add_test(tc, lines_are_flushed_promptly_and_warn_at_once);
    tcase_add_test(tc, integers_and_time_format);
    tcase_add_test(tc, strings_are_escaped);
    tcase_add_test(tc, access_line_matches_log_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(log_suite());
}
