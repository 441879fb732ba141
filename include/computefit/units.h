/*
 * units.h - strict parsing of the numbers, durations, sizes, rates and booleans people write.
 *
 * Requests come as JSON numbers or, from GET query strings, as strings, so every value a
 * workload carries can be written either way: 30, "30", "30s", "0.5m". These parsers accept
 * only plain decimal notation (optional sign, digits, one '.', optional exponent): no hex, no
 * "nan"/"inf" (which strtod() would take), no thousands separators, and nothing that
 * overflows a double ("1e999"). Units are case-insensitive and may be separated from the number
 * by spaces. They never call setlocale() and never allocate.
 *
 * Every function returns 0 and sets its ret_ output, or returns CF_EINVAL and fills *reterr
 * (when not NULL) with `field` and one sentence that says what to write instead.
 */
#ifndef COMPUTEFIT_UNITS_H
#define COMPUTEFIT_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#include "computefit/error.h"

/* Parses a plain decimal number ("2", "-0.5", "1e6") into a finite double. Leading and
 * trailing spaces are allowed, anything else is not. */
int units_parse_number(const char *s, const char *field, double *ret_value,
                       struct cf_error *reterr);

/* Parses a duration into seconds: "<number><unit>" with ms, s, m, h, d or w (also "msec",
 * "sec", "min", "hr", "hour", "day", "wk", "week" and their plurals: "20 secs", "5 mins",
 * "1 week"), several of them from the largest unit to the smallest ("1h30m", "1 hour 30
 * minutes", "2m30s"; no sign), or a clock "hh:mm:ss" or "mm:ss" ("00:05:00", "1:30"; minutes
 * and seconds two digits below 60). Months and years are not durations (their length is the
 * model's). A bare number is seconds, because that is what the JSON number form of `duration`
 * means. */
int units_parse_duration(const char *s, const char *field, double *ret_seconds,
                         struct cf_error *reterr);

/* Parses a size into MB: "512MB", "2GB", "1.5 TB", "64KB" (also "M", "G", "MiB", "GiB", the
 * Kubernetes forms "Mi", "Gi", "Ti" and the words "megabytes", "gigabytes"...), with every
 * prefix counting in 1024s as AWS bills memory: 1 GB = 1 GiB = 1 Gi = 1024 MB. A bare number
 * is in `bare_unit_mb` MB (1 for fields whose JSON number form is MB, 1024 for fields whose
 * number form is GB). */
int units_parse_size_mb(const char *s, double bare_unit_mb, const char *field, double *ret_mb,
                        struct cf_error *reterr);

/* Parses a rate into events per month: "10000/month", "500/day", "20/hour", "100/s",
 * "3/min", "2/week", also "500 per day". A bare number is per month. A month is
 * `hours_per_month` hours (the model's constant), a day 24 hours, a week 168 hours. */
int units_parse_rate(const char *s, double hours_per_month, const char *field,
                     double *ret_per_month, struct cf_error *reterr);

/* Parses "true"/"false" (also "1"/"0", any case, surrounding spaces allowed). */
int units_parse_bool(const char *s, const char *field, bool *ret_value, struct cf_error *reterr);

/* Copies `s` into `buf` (of `size` bytes, NUL-terminated) for echoing in an error message:
 * printable ASCII is kept, every other byte becomes '?', and a value that does not fit ends in
 * "...". Error messages end up in JSON responses and logs, which need valid UTF-8 and no
 * control characters; cutting user text at a byte count could split a UTF-8 sequence. */
void units_quote(const char *s, char *buf, size_t size);

/* Returns the entry of `names` (`n` of them, borrowed) closest to `s` for a "did you mean" hint:
 * the fewest edits (insertions, deletions, substitutions, swaps of neighbours; case ignored), at
 * most two and fewer than half the entry's characters, so that a hint is never a guess from
 * almost nothing ("PB" is not "KB"). Returns NULL when none is that close; the first of equally
 * close entries wins. */
const char *units_nearest(const char *s, const char *const *names, size_t n);

#endif
