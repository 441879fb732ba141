/*
 * test_arena.c - the answer's bump allocator: alignment, zeroed memory, growing arrays, a
 * failure that sticks and drops nothing silently, reset and free.
 */
#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "computefit/arena.h"
#include "testutil.h"

START_TEST(allocates_zeroed_and_aligned)
{
    struct arena a;
    arena_init(&a, 0);
    for (size_t n = 0; n < 5000; n += 37) {
        unsigned char *p = arena_alloc(&a, n);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % alignof(max_align_t), 0);
        for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(p[i], 0);
        memset(p, 0xAB, n);
    }
    /* Larger than a chunk: a chunk of its own. */
    char *big = arena_alloc(&a, 1 << 20);
    ck_assert_ptr_nonnull(big);
    big[(1 << 20) - 1] = 'x';
    ck_assert_str_eq(arena_strdup(&a, "hello"), "hello");
    ck_assert(!arena_failed(&a));
    arena_free(&a);
    arena_free(&a); /* twice is fine: it is empty */
}
END_TEST

START_TEST(arrays_grow_and_keep_their_contents)
{
    struct arena a;
    arena_init(&a, 0);
    int *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 10000; i++) {
        ck_assert(ARENA_GROW(&a, v, n, cap));
        v[n++] = i;
    }
    ck_assert_uint_ge(cap, 10000);
    for (int i = 0; i < 10000; i++)
        ck_assert_int_eq(v[i], i);
    arena_free(&a);
}
END_TEST

START_TEST(a_limit_fails_and_sticks)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    ck_assert_ptr_nonnull(arena_alloc(&a, 1000));
    ck_assert_ptr_null(arena_alloc(&a, 100 * 1024));
    ck_assert(arena_failed(&a));
    /* Sticky: even a small allocation fails now, so nothing is built half-way unnoticed. */
    ck_assert_ptr_null(arena_alloc(&a, 8));
    int *v = NULL;
    size_t n = 0, cap = 0;
    ck_assert(!ARENA_GROW(&a, v, n, cap));
    ck_assert_ptr_null(v); /* the array is untouched */
    ck_assert_uint_eq(cap, 0);
    /* A reset forgets everything, the failure included, and keeps a chunk for reuse. */
    arena_reset(&a);
    ck_assert(!arena_failed(&a));
    ck_assert_ptr_nonnull(arena_alloc(&a, 8));
    arena_free(&a);
}
END_TEST

START_TEST(reset_reuses)
{
    struct arena a;
    arena_init(&a, 0);
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 100; i++)
            ck_assert_ptr_nonnull(arena_alloc(&a, 300));
        arena_reset(&a);
    }
    ck_assert_uint_le(a.taken, 64 * 1024); /* one chunk kept, not a hundred rounds' worth */
    arena_free(&a);
}
END_TEST

static Suite *arena_suite(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("arena");
    tcase_add_test(tc, allocates_zeroed_and_aligned);
    tcase_add_test(tc, arrays_grow_and_keep_their_contents);
    tcase_add_test(tc, a_limit_fails_and_sticks);
    tcase_add_test(tc, reset_reuses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(arena_suite());
}
