/*
 * isotime.h - Unix seconds to and from ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ": the one form of
 * every time in computefit's documents and answers (rates files, /pricing, advice provenance).
 *
 * Pure conversions: no clock, no time zone, no locale. Years are limited to 1970-9999, so the
 * text is always ISOTIME_LEN - 1 characters.
 */
#ifndef COMPUTEFIT_ISOTIME_H
#define COMPUTEFIT_ISOTIME_H

#include <stdbool.h>
#include <stdint.h>

#define ISOTIME_LEN 21             /* "2025-06-13T00:00:00Z" and its NUL */
#define ISOTIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

/* Writes `t` into `out`. Returns false, with `out` set to "", when t is before 1970 or after
 * ISOTIME_MAX. */
bool isotime_format(int64_t t, char out[ISOTIME_LEN]);

/* Reads exactly "YYYY-MM-DDTHH:MM:SSZ" (nothing before or after, digits where digits go) and
 * refuses times that do not exist (February 30, hour 24, second 60). On success sets *ret and
 * returns true; otherwise leaves *ret alone. */
bool isotime_parse(const char *s, int64_t *ret);

#endif
