/*
 * arena.c - a chunked bump allocator (see arena.h).
 *
 * Chunks double in size from ARENA_FIRST_CHUNK, so an answer of any size takes a logarithmic
 * number of malloc calls; a request larger than a chunk gets a chunk of its own.
 */
#include "computefit/arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_FIRST_CHUNK (16 * 1024)

struct arena_chunk {
    struct arena_chunk *next; /* the chunk filled before this one */
    size_t size;              /* bytes of data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->limit = limit;
}

bool arena_failed(const struct arena *a)
{
    return a->failed;
}

static void *fail(struct arena *a)
{
    a->failed = true;
    return NULL;
}

/* `size` bytes, not zeroed. */
static void *alloc_raw(struct arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (a->failed || size > SIZE_MAX / 4)
        return fail(a);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = c ? c->size * 2 : ARENA_FIRST_CHUNK;
        while (want < size)
            want *= 2;
        if (a->limit && (a->taken > a->limit || want > a->limit - a->taken))
            return fail(a);
        struct arena_chunk *n = malloc(sizeof(*n) + want);
        if (!n)
            return fail(a);
        n->next = c;
        n->size = want;
        n->used = 0;
        a->head = c = n;
        a->taken += want;
    }
    void *p = c->data + c->used;
    c->used += size;
    return p;
}

void *arena_alloc(struct arena *a, size_t size)
{
    void *p = alloc_raw(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = arena_alloc(a, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

bool arena_grow_(struct arena *a, void *arrp, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 8;
    if (want > SIZE_MAX / 4 / size) {
        a->failed = true;
        return false;
    }
    void *old;
    memcpy(&old, arrp, sizeof(old));         /* arrp is the address of a T *: read it as a void * */
    void *grown = alloc_raw(a, want * size); /* elements are written before they are read */
    if (!grown)
        return false;
    if (old && *cap)
        memcpy(grown, old, *cap * size);
    memcpy(arrp, &grown, sizeof(grown));
    *cap = want;
    return true;
}

void arena_reset(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c && c->next) {
        struct arena_chunk *older = c->next;
        a->taken -= c->size;
        free(c);
        c = older;
    }
    a->head = c;
    if (c)
        c->used = 0;
    a->failed = false;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *older = c->next;
        free(c);
        c = older;
    }
    size_t limit = a->limit;
    arena_init(a, limit);
}
