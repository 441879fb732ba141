/*
 * numfmt.c - exact %.*g and %.*f from integers (see numfmt.h).
 *
 * v = m x 2^e2 with m < 2^53. The digits printf rounds v to are those of
 * round(m x 2^e2 x 10^k) for the k that puts the wanted digits before the point: for k >= 0
 * that is (m x 5^k) x 2^(e2 + k), a 117-bit integer shifted; for k < 0 it is m x 2^e2 divided
 * by 10^-k. Both are exact in unsigned __int128, and the remainder tells the rounding: above
 * half rounds up, exactly half rounds to even, as glibc's printf does in the default rounding
 * mode. Outside the ranges where the integers fit, snprintf does the work.
 */
#include "computefit/numfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

#define POW5_MAX  27 /* 5^27 < 2^63 */
#define POW10_MAX 19 /* 10^19 < 2^64 */

static const uint64_t pow5[POW5_MAX + 1] = {1ULL,
                                            5ULL,
                                            25ULL,
                                            125ULL,
                                            625ULL,
                                            3125ULL,
                                            15625ULL,
                                            78125ULL,
                                            390625ULL,
                                            1953125ULL,
                                            9765625ULL,
                                            48828125ULL,
                                            244140625ULL,
                                            1220703125ULL,
                                            6103515625ULL,
                                            30517578125ULL,
                                            152587890625ULL,
                                            762939453125ULL,
                                            3814697265625ULL,
                                            19073486328125ULL,
                                            95367431640625ULL,
                                            476837158203125ULL,
                                            2384185791015625ULL,
                                            11920928955078125ULL,
                                            59604644775390625ULL,
                                            298023223876953125ULL,
                                            1490116119384765625ULL,
                                            7450580596923828125ULL};

static const uint64_t pow10[POW10_MAX + 1] = {1ULL,
                                              10ULL,
                                              100ULL,
                                              1000ULL,
                                              10000ULL,
                                              100000ULL,
                                              1000000ULL,
                                              10000000ULL,
                                              100000000ULL,
                                              1000000000ULL,
                                              10000000000ULL,
                                              100000000000ULL,
                                              1000000000000ULL,
                                              10000000000000ULL,
                                              100000000000000ULL,
                                              1000000000000000ULL,
                                              10000000000000000ULL,
                                              100000000000000000ULL,
                                              1000000000000000000ULL,
                                              10000000000000000000ULL};

/* Rounds q + r/d half to even (r < d). */
static u128 round_even(u128 q, u128 r, u128 d)
{
    u128 twice = r * 2; /* r < d <= 2^126 in every caller: no overflow */
    if (twice > d || (twice == d && (q & 1)))
        q++;
    return q;
}

/* Sets *ret to round(m x 2^e2 x 10^k), exactly; returns false when that cannot be computed in
 * 128 bits here (the caller falls back to snprintf). m < 2^53. */
static bool scaled(uint64_t m, int e2, int k, u128 *ret)
{
    if (k >= 0) {
        if (k > POW5_MAX)
            return false;
        u128 n = (u128)m * pow5[k]; /* < 2^116 */
        int s = e2 + k;
        if (s >= 0) {
            if (s > 10)
                return false; /* < 2^126 */
            *ret = n << s;
            return true;
        }
        if (s <= -120) {
            *ret = 0;
            return true;
        }
        u128 d = (u128)1 << -s;
        *ret = round_even(n >> -s, n & (d - 1), d);
        return true;
    }
    int j = -k;
    if (j > POW10_MAX)
        return false;
    u128 p = pow10[j];
    if (e2 >= 0) {
        if (e2 > 70)
            return false; /* m x 2^e2 < 2^123 */
        u128 n = (u128)m << e2;
        *ret = round_even(n / p, n % p, p);
        return true;
    }
    if (-e2 > 60)
        return false; /* the divisor 10^j x 2^-e2 < 2^124 */
    u128 d = p << -e2;
    *ret = round_even((u128)m / d, (u128)m % d, d);
    return true;
}

/* Splits a finite, non-zero, normal |v| into m x 2^e2; false for subnormals. */
static bool split(double v, uint64_t *m, int *e2, int *e10_guess)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    int biased = (int)((bits >> 52) & 0x7ff);
    if (biased == 0 || biased == 0x7ff)
        return false;
    *m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    *e2 = biased - 1075;
    /* floor(log10 |v|) from the binary exponent, low by at most one: floor(e x log10(2)) is
     * (e x 78913) >> 18 for |e| < 1024 (an arithmetic shift floors negative values). */
    *e10_guess = (int)(((int64_t)(biased - 1023) * 78913) >> 18);
    return true;
}

static const char two_digits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* Writes the decimal digits of v (no sign) at out and returns their number. */
static size_t put_uint(char *out, u128 v)
{
    char tmp[48];
    size_t i = sizeof(tmp);
    while (v > UINT64_MAX) { /* rare: 128-bit division is slow */
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        i -= 2;
        memcpy(tmp + i, two_digits + 2 * r, 2);
    }
    uint64_t u = (uint64_t)v;
    while (u >= 100000000) { /* eight digits at a time, in 32-bit arithmetic */
        uint32_t low = (uint32_t)(u % 100000000);
        u /= 100000000;
        for (int k = 0; k < 4; k++) {
            i -= 2;
            memcpy(tmp + i, two_digits + 2 * (low % 100), 2);
            low /= 100;
        }
    }
    uint32_t w = (uint32_t)u;
    while (w >= 100) {
        i -= 2;
        memcpy(tmp + i, two_digits + 2 * (w % 100), 2);
        w /= 100;
    }
    if (w >= 10) {
        i -= 2;
        memcpy(tmp + i, two_digits + 2 * w, 2);
    } else {
        tmp[--i] = (char)('0' + w);
    }
    memcpy(out, tmp + i, sizeof(tmp) - i);
    return sizeof(tmp) - i;
}

/* Writes exactly `p` digits of v < 10^p (p <= 17, so v < 2^64) at out, two at a time. */
static void put_digits(char *out, uint64_t v, int p)
{
    int i = p;
    while (v >= 100000000 && i >= 8) { /* eight at a time in 32-bit arithmetic */
        uint32_t low = (uint32_t)(v % 100000000);
        v /= 100000000;
        for (int k = 0; k < 4; k++) {
            i -= 2;
            out[i] = two_digits[2 * (low % 100)];
            out[i + 1] = two_digits[2 * (low % 100) + 1];
            low /= 100;
        }
    }
    uint32_t w = (uint32_t)v;
    while (i >= 2) {
        i -= 2;
        out[i] = two_digits[2 * (w % 100)];
        out[i + 1] = two_digits[2 * (w % 100) + 1];
        w /= 100;
    }
    if (i)
        out[0] = (char)('0' + w);
}

static size_t fallback(const char *fmt, int prec, double v, char out[NUMFMT_MAX])
{
    int n = snprintf(out, NUMFMT_MAX, fmt, prec, v);
    return n < 0 ? 0 : (size_t)n < NUMFMT_MAX ? (size_t)n : NUMFMT_MAX - 1;
}

size_t numfmt_g(double v, int precision, char out[NUMFMT_MAX])
{
    int p = precision < 1 ? 1 : precision;
    uint64_t m;
    int e2, e10;
    if (v == 0) { /* %g of zero is "0" (or "-0") at any precision */
        size_t len = 0;
        if (signbit(v))
            out[len++] = '-';
        out[len++] = '0';
        out[len] = '\0';
        return len;
    }
    if (p > 17 || !split(v, &m, &e2, &e10))
        return fallback("%.*g", p, v, out);
    /* The p significant digits: round(|v| x 10^k) with 10^(p-1) <= digits < 10^p. */
    u128 lo = pow10[p - 1], hi = pow10[p], dig = 0;
    int k = p - 1 - e10;
    bool ok = false;
    for (int tries = 0; tries < 3 && !ok; tries++) {
        if (!scaled(m, e2, k, &dig))
            return fallback("%.*g", p, v, out);
        if (dig >= hi)
            k--;
        else if (dig < lo)
            k++;
        else
            ok = true;
    }
    if (!ok)
        return fallback("%.*g", p, v, out);
    char digits[24];
    put_digits(digits, (uint64_t)dig, p);
    int nd = p; /* significant digits left once trailing zeros go (%g without '#') */
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int x = p - 1 - k; /* the decimal exponent of the first digit */
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    if (x < -4 || x >= p) { /* d[.ddd]e±XX */
        out[len++] = digits[0];
        if (nd > 1) {
            out[len++] = '.';
            memcpy(out + len, digits + 1, (size_t)nd - 1);
            len += (size_t)nd - 1;
        }
        out[len++] = 'e';
        out[len++] = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            out[len++] = (char)('0' + ax / 100);
        memcpy(out + len, two_digits + 2 * (ax % 100), 2);
        len += 2;
    } else if (x < 0) { /* 0.000ddd */
        out[len++] = '0';
        out[len++] = '.';
        for (int i = 0; i < -x - 1; i++)
            out[len++] = '0';
        memcpy(out + len, digits, (size_t)nd);
        len += (size_t)nd;
    } else { /* ddd[.ddd] */
        memcpy(out + len, digits, (size_t)x + 1);
        len += (size_t)x + 1;
        if (nd > x + 1) {
            out[len++] = '.';
            memcpy(out + len, digits + x + 1, (size_t)(nd - x - 1));
            len += (size_t)(nd - x - 1);
        }
    }
    out[len] = '\0';
    return len;
}

size_t numfmt_f(double v, int decimals, char out[NUMFMT_MAX])
{
    int d = decimals < 0 ? 0 : decimals;
    uint64_t m;
    int e2, e10;
    if (d > 17)
        return fallback("%.*f", d, v, out);
    if (v == 0 || !split(v, &m, &e2, &e10)) {
        if (!isfinite(v) || fabs(v) >= 1e-300)
            return fallback("%.*f", d, v, out);
        size_t len = 0; /* zero, or a subnormal, which rounds to zero at 17 decimals */
        if (signbit(v))
            out[len++] = '-';
        out[len++] = '0';
        if (d) {
            out[len++] = '.';
            memset(out + len, '0', (size_t)d);
            len += (size_t)d;
        }
        out[len] = '\0';
        return len;
    }
    if (e10 + d > 36) /* round(|v| x 10^d) would not fit: printf's long digits */
        return fallback("%.*f", d, v, out);
    u128 n;
    if (!scaled(m, e2, d, &n))
        return fallback("%.*f", d, v, out);
    char digits[48];
    size_t nd = put_uint(digits, n), len = 0;
    if (v < 0)
        out[len++] = '-';
    if (nd <= (size_t)d) { /* 0.00ddd */
        out[len++] = '0';
        if (d) {
            out[len++] = '.';
            memset(out + len, '0', (size_t)d - nd);
            len += (size_t)d - nd;
            memcpy(out + len, digits, nd);
            len += nd;
        }
    } else {
        size_t whole = nd - (size_t)d;
        memcpy(out + len, digits, whole);
        len += whole;
        if (d) {
            out[len++] = '.';
            memcpy(out + len, digits + whole, (size_t)d);
            len += (size_t)d;
        }
    }
    out[len] = '\0';
    return len;
}
