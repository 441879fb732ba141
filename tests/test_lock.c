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
    /* An error-checking mutex reports an unlock by a thread that does not hold it. */
    pthread_mutexattr_t attr;
    pthread_mutex_t mu;
    LOCK_CHECK(pthread_mutexattr_init(&attr));
    LOCK_CHECK(pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK));
    LOCK_CHECK(pthread_mutex_init(&mu, &attr));
    LOCK_CHECK(pthread_mutex_unlock(&mu)); /* EPERM: aborts here */
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
