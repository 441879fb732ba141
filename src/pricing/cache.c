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
 *
 * The export (GET /pricing/export): `export_mu` (a mutex) guards `export`, the rates document of
 * one table, built on the first request that wants it after a swap and kept for the next ones,
 * which take a reference to it. Only those requests (HTTP workers) take `export_mu`, never with
 * `lock` held; the one that builds the export holds it while it serialises (tens of
 * milliseconds for the whole snapshot), so that concurrent requests wait for those bytes rather
 * than build them again. An export is tied to the table by the generation read under `lock`
 * with the pointer, and is replaced only by a newer generation's. Swaps never touch it: a table
 * that is never exported costs nothing.
 */
#include "computefit/pricing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "computefit/lock.h"
#include "computefit/rates_export.h"

struct pricing_cache {
    pthread_rwlock_t lock; /* guards `current`; readers: HTTP workers; writer: refresher */
    struct rates *current; /* one reference owned by the cache; NULL until the first swap */
    atomic_uint_least64_t generation;
    pthread_mutex_t export_mu;   /* guards `export`; taken by GET /pricing/export only */
    struct rates_export *export; /* one reference; the newest generation exported, or NULL */
};

struct pricing_cache *pricing_cache_new(void)
{
    struct pricing_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    LOCK_CHECK(pthread_rwlock_init(&c->lock, NULL));
    LOCK_CHECK(pthread_mutex_init(&c->export_mu, NULL));
    atomic_init(&c->generation, 0);
    return c;
}

void pricing_cache_free(struct pricing_cache *c)
{
    if (!c)
        return;
    rates_unref(c->current);
    rates_export_unref(c->export);
    LOCK_CHECK(pthread_mutex_destroy(&c->export_mu));
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

int pricing_cache_export(struct pricing_cache *c, struct rates_export **ret,
                         struct cf_error *reterr)
{
    LOCK_CHECK(pthread_rwlock_rdlock(&c->lock));
    struct rates *r = rates_ref(c->current);
    uint64_t gen = atomic_load(&c->generation);
    LOCK_CHECK(pthread_rwlock_unlock(&c->lock));
    if (!r)
        return cf_error_set(reterr, CF_ENOPRICE, NULL,
                            "No rates are loaded yet; there is nothing to export.");
    int rc = 0;
    struct rates_export *e = NULL;
    LOCK_CHECK(pthread_mutex_lock(&c->export_mu));
    if (c->export && c->export->generation == gen) {
        e = rates_export_ref(c->export);
    } else {
        rc = rates_export_new(r, gen, &e, reterr);
        /* A request that read the table just before a swap must not evict the newer export
         * another request made meanwhile: it serves its own and keeps the newer one. */
        if (rc == 0 && (!c->export || c->export->generation < gen)) {
            rates_export_unref(c->export);
            c->export = rates_export_ref(e);
        }
    }
    LOCK_CHECK(pthread_mutex_unlock(&c->export_mu));
    rates_unref(r);
    if (rc == 0)
        *ret = e;
    return rc;
}
