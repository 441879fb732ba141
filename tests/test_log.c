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
    /* A writer started and stopped again leaves direct writes behind it. */
    ck_assert_int_eq(log_writer_start(), 0);
    log_writer_stop();
    LOG_FIELDS(CF_LOG_INFO, "request", LOGF_I("thread", 0), LOGF_I("seq", 1));
    log_set_fd(2);
    check_lines(f, 1, 2);
    fclose(f);
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
    tcase_add_test(tc, integers_and_time_format);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(log_suite());
}
