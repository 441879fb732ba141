/*
 * units.h - strict parsing of the numbers, durations, sizes, rates and booleans people write.
 *
 * Requests come as JSON numbers or, from GET query strings, as strings, so every value a
 * workload carries can be written either way: 30, "30", "30s", "0.5m". These parsers accept
 * only plain decimal notation (optional sign, digits, one '.', optional exponent): no hex, no
 * "nan"/"inf" (which strtod() would take), and nothing that overflows a double ("1e999");
 * counts (rates, model sizes) may also separate thousands ("1,000") and end in a multiplier
 * ("100k"). Units are case-insensitive and may be separated from the number
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

/* Parses a count: a number, with thousands separated by ',' or '_' in groups of three
 * ("1,000", "1_000"; "1,5" is refused as ambiguous) and an optional multiplier: k, M, B (also
 * "bn") or T, or the words thousand, million, billion, trillion ("100k", "1.5M", "2 million",
 * "7B"). M is a million only in capitals: a lone "m" is refused, as it may be a minute or
 * milli-. The result is in units of `unit`: a bare number is taken as already in them, a
 * multiplied one is divided by `unit` (model_params_b counts billions: with `unit` 1e9, "7" and
 * "7B" are 7, "500M" is 0.5 and "1T" is 1000). */
int units_parse_count(const char *s, double unit, const char *field, double *ret_value,
                      struct cf_error *reterr);

/* Parses a rate into events per month. Forms: a count (units_parse_count) alone, per month
 * ("15000", "100k", "1M"); a count, optionally what it counts ("req", "requests", "calls",
 * "events", "jobs", "runs", "times"...), then "/", "per", "a" or "an" and a period, which is
 * a unit of time with an optional number (s, min, h, day, week, month, year, the plurals and
 * short forms of units_parse_duration, also "ms", "mo" and "y"; "500/day", "10/hours",
 * "10 req/s", "500 a day", "20 an hour", "3 per 2 hours"); a count and rps, qps, rpm or rph
 * ("100 rps"); or "every" and a period ("every 5 minutes", "every day", "every 1h30m"), which
 * is one per period. A month is `hours_per_month` hours (the model's constant), a year 12
 * months, a day 24 hours, a week 168 hours. */
int units_parse_rate(const char *s, double hours_per_month, const char *field,
                     double *ret_per_month, struct cf_error *reterr);

/* Parses a boolean: true/false, yes/no, on/off or 1/0, in any case, surrounding spaces
 * allowed. */
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
