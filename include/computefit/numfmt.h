/*
 * numfmt.h - printf's %.*g and %.*f for doubles, byte for byte, without printf.
 *
 * An answer holds a few hundred numbers; glibc's printf takes about 200 ns for each (it works in
 * arbitrary precision for every value). Every price, cost and quantity computefit prints is a
 * double whose requested digits are those of round(v x 10^k) for a small k, and that integer
 * can be computed exactly with 128-bit arithmetic from v's binary form, rounding half to even
 * as glibc does. These functions take that path where it applies and fall back to snprintf
 * everywhere else (subnormals, huge or tiny magnitudes, infinities, NaN), so their output is
 * always exactly snprintf's in the "C" locale. tests/test_numfmt.c compares them on millions of
 * values; fuzz/fuzz_numfmt.c keeps comparing.
 */
#ifndef COMPUTEFIT_NUMFMT_H
#define COMPUTEFIT_NUMFMT_H

#include <stddef.h>

/* The longest text these functions write, with the NUL. */
#define NUMFMT_MAX 64

/* Writes snprintf(out, NUMFMT_MAX, "%.*g", precision, v) (precision 1 to 17; 0 counts as 1) and
 * returns its length. */
size_t numfmt_g(double v, int precision, char out[NUMFMT_MAX]);

/* Writes snprintf(out, NUMFMT_MAX, "%.*f", decimals, v) (decimals 0 to 17) and returns its
 * length; a value whose text would not fit is written with "%.*g" at 17 digits instead. */
size_t numfmt_f(double v, int decimals, char out[NUMFMT_MAX]);

#endif
