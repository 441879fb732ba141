/*
 * arena.h - a bump allocator for the life of one answer.
 *
 * An answer of the advice core (options, variants, line items, reasons, a plan, a curve) is
 * built from many small pieces whose number depends on the workload and grows with every
 * platform and purchase option added. They all live in one arena: allocation is a pointer bump,
 * nothing is freed piece by piece, and arena_free() releases the whole answer at once.
 *
 * Out of memory is sticky: once an allocation fails the arena is marked failed, every later
 * allocation returns NULL, and the builder checks arena_failed() once at the end and answers
 * CF_ENOMEM. Nothing is silently dropped: a caller that cannot store a piece stops building.
 *
 * An arena is used by one thread at a time. Memory is zeroed when handed out.
 */
#ifndef COMPUTEFIT_ARENA_H
#define COMPUTEFIT_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head; /* owned; the chunk being filled, older ones linked behind it */
    size_t limit;             /* most bytes the arena may take from malloc; 0 = no limit */
    size_t taken;             /* bytes taken from malloc so far */
    bool failed;              /* an allocation failed: the arena's contents are incomplete */
};

/* Starts an empty arena that may take up to `limit` bytes (0 = no limit). Never fails. */
void arena_init(struct arena *a, size_t limit);

/* Returns `size` zeroed bytes aligned for any type, owned by the arena, or NULL (and marks the
 * arena failed) when memory or the limit runs out. */
void *arena_alloc(struct arena *a, size_t size);

/* Returns a copy of the NUL-terminated `s` owned by the arena, or NULL as arena_alloc(). */
char *arena_strdup(struct arena *a, const char *s);

/* Makes room for element `n` of the array whose address is `arrp` (a pointer to a T *, the
 * array holding `*cap` elements of `size` bytes, allocated in the arena or NULL), growing it
 * in the arena when n == *cap. Returns true when element n may be written; false (the array
 * and *cap untouched, the arena marked failed) when memory runs out. Use ARENA_GROW. */
bool arena_grow_(struct arena *a, void *arrp, size_t n, size_t *cap, size_t size);

#define ARENA_GROW(a, arr, n, cap)                                                                 \
    ((n) < (cap) || arena_grow_((a), &(arr), (n), &(cap), sizeof(*(arr))))

/* Returns whether an allocation has failed since arena_init() or arena_reset(). */
bool arena_failed(const struct arena *a);

/* Forgets everything allocated, keeping the first chunk for reuse, and clears the failure. */
void arena_reset(struct arena *a);

/* Frees everything the arena holds. Accepts an arena that was only initialised. */
void arena_free(struct arena *a);

#endif
