/*
 * lock.h - the one policy for a lock call that fails: abort.
 *
 * A pthread mutex, rwlock, condition or join call fails only on a bug (a lock destroyed or never
 * initialised, a deadlock the implementation noticed, an unlock by a thread that does not own
 * it). Nothing sane can follow, and limping on would corrupt what the lock guards, so every
 * such call in computefit goes through LOCK_CHECK() (libuv's uv_mutex_lock does the same).
 */
#ifndef COMPUTEFIT_LOCK_H
#define COMPUTEFIT_LOCK_H

/* Returns when r is 0; otherwise writes "computefit: <what> failed (<r>)" to stderr and aborts.
 * Writes nothing through the logger, which itself takes locks. */
void lock_check(int r, const char *what);

/* lock_check() of a pthread call, named by its own text:
 * LOCK_CHECK(pthread_mutex_lock(&rf->mu)). */
#define LOCK_CHECK(call) lock_check((call), #call)

#endif
