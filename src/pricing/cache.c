/*
 * cache.c - the rates table in use.
 *
 * DESIGN
 * One immutable struct rates is current at a time. `lock` (a pthread rwlock) guards only the
 * `current` pointer:
 *   - readers (HTTP worker threads) take the read lock, take a reference with rates_ref() and
 *     release the lock at once; they then compute with no lock held and rates_unref() when done.
 *     A request therefore never sees a half-built table (tables are complete before they are
 *     published) and never holds a lock during a computation.
 *   - the writer (the refresher thread, or start-up code before the server runs) builds the new
 *     table with no lock held, then takes the write lock only to swap the pointer, and drops
 *     the old table's cache reference after unlocking. The old table is freed by whichever
 *     thread drops the last reference.
 * Because readers hold the lock for a few instructions, a slow refresh cannot stall a request,
 * and the writer cannot starve. Lock calls that fail abort: a broken lock is not recoverable.
 */
#include "computefit/pricing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "computefit/lock.h"

struct pricing_cache {
    pthread_rwlock_t lock; /* guards `current`; readers: HTTP workers; writer: refresher */
    struct rates *current; /* one reference owned by the cache; NULL until the first swap */
    atomic_uint_least64_t generation;
};

struct pricing_cache *pricing_cache_new(void)
{
    struct pricing_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    LOCK_CHECK(pthread_rwlock_init(&c->lock, NULL));
    atomic_init(&c->generation, 0);
    return c;
}

void pricing_cache_free(struct pricing_cache *c)
{
    if (!c)
        return;
    rates_unref(c->current);
    LOCK_CHECK(pthread_rwlock_destroy(&c->lock));
    free(c);
}

struct rates *pricing_cache_acquire(struct pricing_cache *c)
{
    LOCK_CHECK(pthread_rwlock_rdlock(&c->lock));
    struct rates *r = rates_ref(c->current);
    LOCK_CHECK(pthread_rwlock_unlock(&c->lock));
    return r;
}

void pricing_cache_swap(struct pricing_cache *c, struct rates *next)
{
    LOCK_CHECK(pthread_rwlock_wrlock(&c->lock));
    struct rates *prev = c->current;
    c->current = next;
    atomic_fetch_add(&c->generation, 1);
    LOCK_CHECK(pthread_rwlock_unlock(&c->lock));
    rates_unref(prev); /* outside the lock: freeing a table is not the readers' problem */
}

uint64_t pricing_cache_generation(struct pricing_cache *c)
{
    return atomic_load(&c->generation);
}
