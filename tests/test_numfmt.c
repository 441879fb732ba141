/*
 * test_numfmt.c - numfmt_g() and numfmt_f() against glibc's snprintf, byte for byte: values
 * from random bit patterns (every exponent), decimal-looking values, exact ties (which printf
 * rounds half to even), boundaries of the fast path, and the values printf handles alone
 * (zero, negative zero, subnormals, infinities, NaN, the largest double).
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "computefit/numfmt.h"
#include "testutil.h"

/* xorshift64*: the same sequence on every run. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void check_g(double v, int p)
{
    char want[NUMFMT_MAX], got[NUMFMT_MAX];
    int n = snprintf(want, sizeof(want), "%.*g", p, v);
    size_t len = numfmt_g(v, p, got);
    ck_assert_msg(!strcmp(want, got) && len == (size_t)n,
                  "%%.%dg of %.17g (%a): printf \"%s\", numfmt \"%s\"", p, v, v, want, got);
}

static void check_f(double v, int d)
{
    char want[NUMFMT_MAX], got[NUMFMT_MAX];
    int n = snprintf(want, sizeof(want), "%.*f", d, v);
    if (n >= NUMFMT_MAX)
        return; /* numfmt_f writes such values as %.17g instead (documented) */
    size_t len = numfmt_f(v, d, got);
    ck_assert_msg(!strcmp(want, got) && len == (size_t)n,
                  "%%.%df of %.17g (%a): printf \"%s\", numfmt \"%s\"", d, v, v, want, got);
}

static void check_all(double v)
{
    for (int p = 1; p <= 17; p++)
        check_g(v, p);
    for (int d = 0; d <= 17; d++)
        check_f(v, d);
}

START_TEST(special_values)
{
    const double values[] = {0.0,
                             -0.0,
                             1.0,
                             -1.0,
                             0.5,
                             DBL_MIN,
                             DBL_MAX,
                             DBL_TRUE_MIN,
                             5e-324,
                             -5e-324,
                             1e-300,
                             1e300,
                             (double)INFINITY,
                             -(double)INFINITY,
                             (double)NAN,
                             1e15,
                             1e15 - 1,
                             1e14,
                             1e-13,
                             1e-14,
                             9.5,
                             0.05,
                             0.15,
                             2.5,
                             1e-5,
                             1e-4,
                             99999.5,
                             999999.5,
                             123456.5,
                             0.000123456789};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        check_all(values[i]);
}
END_TEST

START_TEST(random_bit_patterns)
{
    for (int i = 0; i < 60000; i++) {
        uint64_t bits = rng();
        double v;
        memcpy(&v, &bits, sizeof(v));
        check_g(v, 1 + (int)(rng() % 17));
        check_g(v, 15);
        check_f(v, (int)(rng() % 18));
    }
}
END_TEST

/* Prices, costs and quantities look like decimals: integers over powers of ten, at every
 * magnitude computefit prints. */
START_TEST(decimal_values)
{
    for (int i = 0; i < 60000; i++) {
        double v = (double)(rng() % 100000000000ULL) / pow(10, (double)(rng() % 24)) *
                   ((rng() & 1) ? 1 : -1);
        check_g(v, 15);
        check_g(v, 6);
        check_g(v, 3);
        check_f(v, 2);
        check_f(v, (int)(rng() % 18));
    }
}
END_TEST

/* Exact ties: printf rounds the exact binary value half to even. */
START_TEST(ties)
{
    /* 16-digit integers ending in 5 are exact doubles (< 2^53): a tie at 15 digits. */
    for (uint64_t k = 1000000000000000ULL; k < 1000000000000000ULL + 2000; k += 5)
        check_g((double)k, 15);
    /* Halves and quarters at every precision. */
    for (int i = 0; i < 4000; i++) {
        double v = (double)(rng() % 1000000) + 0.5 * (double)(rng() % 2) + 0.25;
        check_all(v / (double)(1 << (rng() % 8)));
    }
    /* Multiples of powers of two near decimal boundaries. */
    for (int e = -60; e <= 60; e++)
        for (int k = 1; k < 40; k++)
            check_all(ldexp((double)k, e));
}
END_TEST

/* The fast path's edges: magnitudes where k leaves 0..27 or the divisor range. */
START_TEST(magnitudes)
{
    for (int e = -40; e <= 40; e++) {
        double base = pow(10, e);
        for (int k = 0; k < 50; k++) {
            double v = base * (1 + (double)(rng() % 1000000) / 1e6);
            check_all(v);
            check_all(nextafter(base, 0));
            check_all(nextafter(base, (double)INFINITY));
        }
    }
}
END_TEST

static Suite *numfmt_suite(void)
{
    Suite *s = suite_create("numfmt");
    TCase *tc = tcase_create("printf");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, special_values);
    tcase_add_test(tc, random_bit_patterns);
    tcase_add_test(tc, decimal_values);
    tcase_add_test(tc, ties);
    tcase_add_test(tc, magnitudes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(numfmt_suite());
}
