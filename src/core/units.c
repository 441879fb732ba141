/*
 * units.c - strict parsing of numbers with units (see units.h for the accepted forms).
 *
 * A value is scanned once by hand to find a plain decimal number, which is then handed to
 * strtod(); strtod() alone would also accept "nan", "inf", hex floats and leading garbage.
 */
#include "computefit/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "computefit/utf8.h"

/* Longest number text we accept; longer input is a mistake, not a number. */
#define UNITS_NUMBER_MAX 64
#define UNITS_UNIT_MAX   16

enum scan_result { SCAN_OK = 0, SCAN_SYNTAX, SCAN_RANGE };

static const char *skip_spaces(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

void units_quote(const char *s, char *buf, size_t size)
{
    if (!size)
        return;
    size_t n = 0;
    for (; s && *s && n + 1 < size; s++)
        buf[n++] = (unsigned char)*s < 0x80 && !utf8_is_control((unsigned char)*s) ? *s : '?';
    buf[n] = '\0';
    if (s && *s && size >= 4)
        memcpy(buf + size - 4, "...", 4);
}

/* Edit distance between two short words, case ignored; longer words are "far" (99). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t prev[41], cur[41];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] +
                         (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(prev));
    }
    return prev[lb];
}

const char *units_nearest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3; /* suggest only close matches */
    for (size_t i = 0; s && i < n; i++) {
        size_t d = edit_distance(s, names[i]);
        if (d < best_d && d < strlen(names[i])) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

/* Echo of a user value in messages: short enough for struct cf_error's message. */
#define QUOTE_LEN    44
#define QUOTED(s, q) (units_quote((s), (q), sizeof(q)), (q))

/* Scans a plain decimal number at the start of `s` (no leading spaces). On success stores the
 * value and the first character after the number. */
static enum scan_result scan_number(const char *s, double *ret_value, const char **ret_end)
{
    const char *p = s;
    size_t digits = 0;
    if (*p == '+' || *p == '-')
        p++;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (!digits)
        return SCAN_SYNTAX;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (isdigit((unsigned char)*q)) {
            while (isdigit((unsigned char)*q))
                q++;
            p = q;
        }
        /* "5e" or "5 eons" is a number followed by a unit: leave the 'e' to the caller. */
    }
    size_t len = (size_t)(p - s);
    if (len >= UNITS_NUMBER_MAX)
        return SCAN_RANGE;
    char buf[UNITS_NUMBER_MAX];
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + len)
        return SCAN_SYNTAX;
    if (errno == ERANGE || !isfinite(v))
        return SCAN_RANGE;
    *ret_value = v;
    *ret_end = p;
    return SCAN_OK;
}

/* Scans "<number><spaces><unit><spaces>" and copies the unit (letters, possibly empty) into
 * `unit`. `what` names the kind of value for the error message. */
static int scan_with_unit(const char *s, const char *field, const char *what, double *ret_value,
                          char unit[UNITS_UNIT_MAX], const char **ret_rest, struct cf_error *reterr)
{
    char q[QUOTE_LEN];
    if (!s)
        return cf_error_set(reterr, CF_EINVAL, field, "%s must be given as a %s", field, what);
    const char *p = skip_spaces(s);
    double v = 0;
    const char *end = NULL;
    switch (scan_number(p, &v, &end)) {
    case SCAN_OK:
        break;
    case SCAN_RANGE:
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s is out of range: \"%s\" is not a finite number", field,
                            QUOTED(s, q));
    default:
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s must be a %s written as a plain decimal number, got \"%s\"", field,
                            what, QUOTED(s, q));
    }
    p = skip_spaces(end);
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    if (n >= UNITS_UNIT_MAX)
        return cf_error_set(reterr, CF_EINVAL, field, "%s has an unknown unit in \"%s\"", field,
                            QUOTED(s, q));
    memcpy(unit, p, n);
    unit[n] = '\0';
    *ret_value = v;
    *ret_rest = skip_spaces(p + n);
    return 0;
}

static bool unit_is(const char *unit, const char *const *names)
{
    for (; *names; names++)
        if (!strcasecmp(unit, *names))
            return true;
    return false;
}

int units_parse_number(const char *s, const char *field, double *ret_value, struct cf_error *reterr)
{
    char q[QUOTE_LEN];
    char unit[UNITS_UNIT_MAX];
    const char *rest = NULL;
    double v = 0;
    int r = scan_with_unit(s, field, "number", &v, unit, &rest, reterr);
    if (r < 0)
        return r;
    if (unit[0] || *rest)
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s must be a plain number such as 2 or 0.5, got \"%s\"", field,
                            QUOTED(s, q));
    *ret_value = v;
    return 0;
}

/* Seconds per unit of a duration, or 0 for an unknown unit. */
static double duration_unit_s(const char *unit)
{
    static const char *const ms[] = {"ms", "msec", "millisecond", "milliseconds", NULL};
    static const char *const sec[] = {"", "s", "sec", "secs", "second", "seconds", NULL};
    static const char *const min[] = {"m", "min", "mins", "minute", "minutes", NULL};
    static const char *const hour[] = {"h", "hr", "hrs", "hour", "hours", NULL};
    static const char *const day[] = {"d", "day", "days", NULL};
    if (unit_is(unit, ms))
        return 1e-3;
    if (unit_is(unit, sec))
        return 1;
    if (unit_is(unit, min))
        return 60;
    if (unit_is(unit, hour))
        return 3600;
    if (unit_is(unit, day))
        return 86400;
    return 0;
}

int units_parse_duration(const char *s, const char *field, double *ret_seconds,
                         struct cf_error *reterr)
{
    char q[QUOTE_LEN];
    char unit[UNITS_UNIT_MAX];
    const char *rest = NULL;
    double v = 0;
    int r = scan_with_unit(s, field, "duration", &v, unit, &rest, reterr);
    if (r < 0)
        return r;
    double mult = duration_unit_s(unit);
    if (mult == 0 || *rest)
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s has an unknown unit in \"%s\": write seconds as a number or "
                            "use ms, s, m, h or d, e.g. \"30s\" or \"12m\"",
                            field, QUOTED(s, q));
    double seconds = v * mult;
    if (!isfinite(seconds))
        return cf_error_set(reterr, CF_EINVAL, field, "%s is out of range: \"%s\"", field,
                            QUOTED(s, q));
    *ret_seconds = seconds;
    return 0;
}

/* MB per unit of a size (1 GB = 1024 MB), 0 for an unknown unit, -1 for "no unit". */
static double size_unit_mb(const char *unit)
{
    static const char *const kb[] = {"k", "kb", "kib", NULL};
    static const char *const mb[] = {"m", "mb", "mib", NULL};
    static const char *const gb[] = {"g", "gb", "gib", NULL};
    static const char *const tb[] = {"t", "tb", "tib", NULL};
    if (!unit[0])
        return -1;
    if (unit_is(unit, kb))
        return 1.0 / 1024;
    if (unit_is(unit, mb))
        return 1;
    if (unit_is(unit, gb))
        return 1024;
    if (unit_is(unit, tb))
        return 1024.0 * 1024;
    return 0;
}

int units_parse_size_mb(const char *s, double bare_unit_mb, const char *field, double *ret_mb,
                        struct cf_error *reterr)
{
    char q[QUOTE_LEN];
    char unit[UNITS_UNIT_MAX];
    const char *rest = NULL;
    double v = 0;
    int r = scan_with_unit(s, field, "size", &v, unit, &rest, reterr);
    if (r < 0)
        return r;
    double mult = size_unit_mb(unit);
    if (mult < 0)
        mult = bare_unit_mb;
    if (mult == 0 || *rest)
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s has an unknown unit in \"%s\": use KB, MB, GB or TB "
                            "(1 GB = 1024 MB), e.g. \"512MB\" or \"2GB\"",
                            field, QUOTED(s, q));
    double mb = v * mult;
    if (!isfinite(mb))
        return cf_error_set(reterr, CF_EINVAL, field, "%s is out of range: \"%s\"", field,
                            QUOTED(s, q));
    *ret_mb = mb;
    return 0;
}

/* Hours per unit of a rate's period, 0 for an unknown unit. */
static double rate_unit_hours(const char *unit, double hours_per_month)
{
    static const char *const sec[] = {"s", "sec", "second", NULL};
    static const char *const min[] = {"m", "min", "minute", NULL};
    static const char *const hour[] = {"h", "hr", "hour", NULL};
    static const char *const day[] = {"d", "day", NULL};
    static const char *const week[] = {"w", "wk", "week", NULL};
    static const char *const month[] = {"mo", "mon", "month", NULL};
    if (unit_is(unit, sec))
        return 1.0 / 3600;
    if (unit_is(unit, min))
        return 1.0 / 60;
    if (unit_is(unit, hour))
        return 1;
    if (unit_is(unit, day))
        return 24;
    if (unit_is(unit, week))
        return 7 * 24;
    if (unit_is(unit, month))
        return hours_per_month;
    return 0;
}

int units_parse_rate(const char *s, double hours_per_month, const char *field,
                     double *ret_per_month, struct cf_error *reterr)
{
    char q[QUOTE_LEN];
    char unit[UNITS_UNIT_MAX];
    const char *rest = NULL;
    double v = 0;
    int r = scan_with_unit(s, field, "rate", &v, unit, &rest, reterr);
    if (r < 0)
        return r;
    double hours = 0;
    if (!unit[0] && !*rest) {
        hours = hours_per_month; /* a bare number is per month */
    } else {
        const char *p = NULL;
        if (!unit[0] && *rest == '/')
            p = rest + 1;
        else if (!strcasecmp(unit, "per"))
            p = rest;
        if (p) {
            p = skip_spaces(p);
            size_t n = 0;
            while (isalpha((unsigned char)p[n]))
                n++;
            if (n < UNITS_UNIT_MAX && !*skip_spaces(p + n)) {
                memcpy(unit, p, n);
                unit[n] = '\0';
                hours = rate_unit_hours(unit, hours_per_month);
            }
        }
    }
    if (hours == 0)
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s has an unknown form \"%s\": write a number per month or a "
                            "number per s, min, hour, day, week or month, e.g. \"500/day\"",
                            field, QUOTED(s, q));
    double per_month = v * (hours_per_month / hours);
    if (!isfinite(per_month))
        return cf_error_set(reterr, CF_EINVAL, field, "%s is out of range: \"%s\"", field,
                            QUOTED(s, q));
    *ret_per_month = per_month;
    return 0;
}

int units_parse_bool(const char *s, const char *field, bool *ret_value, struct cf_error *reterr)
{
    if (s) {
        const char *p = skip_spaces(s);
        size_t n = strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if ((n == 4 && !strncasecmp(p, "true", 4)) || (n == 1 && *p == '1')) {
            *ret_value = true;
            return 0;
        }
        if ((n == 5 && !strncasecmp(p, "false", 5)) || (n == 1 && *p == '0')) {
            *ret_value = false;
            return 0;
        }
    }
    char q[QUOTE_LEN];
    return cf_error_set(reterr, CF_EINVAL, field, "%s must be true or false, got \"%s\"", field,
                        QUOTED(s ? s : "", q));
}
