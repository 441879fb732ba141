/*
 * test_lock.c - a failed lock call aborts; a successful one returns.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "computefit/lock.h"
#include "testutil.h"

START_TEST(success_returns)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    LOCK_CHECK(pthread_mutex_lock(&mu));
    LOCK_CHECK(pthread_mutex_unlock(&mu));
    lock_check(0, NULL);
}
END_TEST

START_TEST(failure_aborts)
{
    /* A real call that fails: trylock of a mutex that is held answers EBUSY. (An unlock of a
     * mutex nobody holds would do too, but ThreadSanitizer reports that misuse itself.) */
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    LOCK_CHECK(pthread_mutex_lock(&mu));
    LOCK_CHECK(pthread_mutex_trylock(&mu)); /* EBUSY: aborts here */
    ck_abort_msg("a failed lock call returned");
}
END_TEST

START_TEST(failure_code_aborts)
{
    lock_check(EINVAL, "pthread_mutex_lock");
    ck_abort_msg("lock_check(EINVAL) returned");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("lock");
    tcase_add_test(tc, success_returns);
    tcase_add_test_raise_signal(tc, failure_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, failure_code_aborts, SIGABRT);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
