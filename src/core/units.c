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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "computefit/utf8.h"

/* Longest number text we accept; longer input is a mistake, not a number. */
#define UNITS_NUMBER_MAX 64
#define UNITS_UNIT_MAX   16

/* What a scan found wrong; each public parser turns it into a sentence for its field. */
enum scan_result {
    SCAN_OK = 0,
    SCAN_SYNTAX,   /* no number where one belongs */
    SCAN_RANGE,    /* not a finite double, or too long to be a number */
    SCAN_UNIT,     /* an unknown or missing unit (struct fault says where) */
    SCAN_COMPOUND, /* a compound duration out of order, with a sign or a number without unit */
    SCAN_CLOCK     /* a clock form that is not hh:mm:ss or mm:ss */
};

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

/* Edit distance between two short words (insertions, deletions, substitutions and swaps of
 * neighbours, each one edit; case ignored); longer words are "far" (99). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t prev2[41], prev[41], cur[41];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        int ca = tolower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            size_t sub = prev[j - 1] + (ca != cb);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        memcpy(prev2, prev, sizeof(prev));
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
        if (d < best_d && 2 * d < strlen(names[i])) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

/* Echo of a user value in messages: short enough for struct cf_error's message. */
#define QUOTE_LEN    44
#define QUOTED(s, q) (units_quote((s), (q), sizeof(q)), (q))

/* A word of the grammar and what it stands for: a unit's size in the base unit of its table, a
 * multiplier, a boolean. Every word a parser accepts is a row of one of the tables below, and
 * the hints of its error messages are drawn from the same rows. */
struct word {
    const char *name;
    double value;
    unsigned flags;
};

#define W_MONTHS   1u /* a time unit counted in months (a month is the model's hours_per_month) */
#define N_WORDS(t) (sizeof(t) / sizeof((t)[0]))
#define WORDS_MAX  64 /* the longest table */

/* Units of time: seconds, or months for W_MONTHS. Durations take all but months and years (whose
 * length in seconds is the model's choice); a rate's period takes them all. Rows go from the
 * smallest unit to the largest. */
static const struct word time_units[] = {
    {"ms", 1e-3, 0},
    {"msec", 1e-3, 0},
    {"msecs", 1e-3, 0},
    {"millisecond", 1e-3, 0},
    {"milliseconds", 1e-3, 0},
    {"s", 1, 0},
    {"sec", 1, 0},
    {"secs", 1, 0},
    {"second", 1, 0},
    {"seconds", 1, 0},
    {"m", 60, 0},
    {"min", 60, 0},
    {"mins", 60, 0},
    {"minute", 60, 0},
    {"minutes", 60, 0},
    {"h", 3600, 0},
    {"hr", 3600, 0},
    {"hrs", 3600, 0},
    {"hour", 3600, 0},
    {"hours", 3600, 0},
    {"d", 86400, 0},
    {"day", 86400, 0},
    {"days", 86400, 0},
    {"w", 604800, 0},
    {"wk", 604800, 0},
    {"wks", 604800, 0},
    {"week", 604800, 0},
    {"weeks", 604800, 0},
    {"mo", 1, W_MONTHS},
    {"mos", 1, W_MONTHS},
    {"mon", 1, W_MONTHS},
    {"month", 1, W_MONTHS},
    {"months", 1, W_MONTHS},
    {"y", 12, W_MONTHS},
    {"yr", 12, W_MONTHS},
    {"yrs", 12, W_MONTHS},
    {"year", 12, W_MONTHS},
    {"years", 12, W_MONTHS},
};

/* Units of size in MB. Decimal and binary prefixes both count in 1024s, as AWS bills memory:
 * 1 GB = 1 GiB = 1 Gi = 1024 MB. */
static const struct word size_units[] = {
    {"k", 1.0 / 1024, 0},
    {"kb", 1.0 / 1024, 0},
    {"kib", 1.0 / 1024, 0},
    {"ki", 1.0 / 1024, 0},
    {"kilobyte", 1.0 / 1024, 0},
    {"kilobytes", 1.0 / 1024, 0},
    {"kibibyte", 1.0 / 1024, 0},
    {"kibibytes", 1.0 / 1024, 0},
    {"m", 1, 0},
    {"mb", 1, 0},
    {"mib", 1, 0},
    {"mi", 1, 0},
    {"megabyte", 1, 0},
    {"megabytes", 1, 0},
    {"mebibyte", 1, 0},
    {"mebibytes", 1, 0},
    {"g", 1024, 0},
    {"gb", 1024, 0},
    {"gib", 1024, 0},
    {"gi", 1024, 0},
    {"gigabyte", 1024, 0},
    {"gigabytes", 1024, 0},
    {"gibibyte", 1024, 0},
    {"gibibytes", 1024, 0},
    {"t", 1024.0 * 1024, 0},
    {"tb", 1024.0 * 1024, 0},
    {"tib", 1024.0 * 1024, 0},
    {"ti", 1024.0 * 1024, 0},
    {"terabyte", 1024.0 * 1024, 0},
    {"terabytes", 1024.0 * 1024, 0},
    {"tebibyte", 1024.0 * 1024, 0},
    {"tebibytes", 1024.0 * 1024, 0},
};

/* Returns the row of `t` named `name` (case ignored), or NULL. */
static const struct word *word_find(const struct word *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(name, t[i].name))
            return &t[i];
    return NULL;
}

/* Returns the name of `t` closest to `name` for a hint (units_nearest), leaving out rows with
 * any of the flags `skip`; NULL when none is close. */
static const char *word_nearest(const struct word *t, size_t n, unsigned skip, const char *name)
{
    const char *names[WORDS_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n && k < WORDS_MAX; i++)
        if (!(t[i].flags & skip))
            names[k++] = t[i].name;
    return units_nearest(name, names, k);
}

/* Where a scan found an unknown word, or where a missing unit belongs (len 0). */
struct fault {
    const char *at;
    size_t len;
};

/* Copies the run of letters at `p` into `word` (empty when there is none). Returns the first
 * character after it, or NULL when the run is too long to be a word of any table. */
static const char *take_word(const char *p, char word[UNITS_UNIT_MAX])
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    if (n >= UNITS_UNIT_MAX)
        return NULL;
    memcpy(word, p, n);
    word[n] = '\0';
    return p + n;
}

/* The hint that a refused value `s` would be accepted with its faulty word replaced by the
 * nearest `name`: writes "; did you mean \"...\"?" into buf (quoted as by units_quote), or ""
 * when there is no such name or the value is too long to repeat. */
static const char *hint_replace(const char *s, const struct fault *f, const char *name, char *buf,
                                size_t size)
{
    char fixed[QUOTE_LEN];
    buf[0] = '\0';
    if (!name || !f->at)
        return buf;
    int n = snprintf(fixed, sizeof(fixed), "%.*s%s%s", (int)(f->at - s), s, name, f->at + f->len);
    if (n < 0 || (size_t)n >= sizeof(fixed))
        return buf;
    char q[QUOTE_LEN];
    snprintf(buf, size, "; did you mean \"%s\"?", QUOTED(fixed, q));
    return buf;
}

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
                          char unit[UNITS_UNIT_MAX], struct fault *ret_unit, const char **ret_rest,
                          struct cf_error *reterr)
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
    *ret_unit = (struct fault){p, n};
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
    struct fault at;
    int r = scan_with_unit(s, field, "number", &v, unit, &at, &rest, reterr);
    if (r < 0)
        return r;
    if (unit[0] || *rest)
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s must be a plain number such as 2 or 0.5, got \"%s\"", field,
                            QUOTED(s, q));
    *ret_value = v;
    return 0;
}

/* A length of time: seconds plus months (a month's length is the model's). */
struct span {
    double seconds;
    double months;
};

/* Orders time units for compound durations: months and years after every unit of seconds. */
static double unit_rank(const struct word *u)
{
    return (u->flags & W_MONTHS) ? 1e9 * u->value : u->value;
}

/* Scans a clock, "hh:mm:ss" or "mm:ss" (minutes and seconds as two digits below 60, the
 * seconds with an optional fraction), up to the end of `p` but for spaces. */
static enum scan_result scan_clock(const char *p, struct span *ret)
{
    double part[3];
    size_t n = 0;
    const char *q = p;
    for (;;) {
        const char *start = q;
        if (n == 0) {
            while (isdigit((unsigned char)*q))
                q++;
        } else if (isdigit((unsigned char)q[0]) && isdigit((unsigned char)q[1])) {
            q += 2;
        } else {
            return SCAN_CLOCK;
        }
        bool fraction = n > 0 && *q == '.';
        if (fraction) {
            q++;
            while (isdigit((unsigned char)*q))
                q++;
        }
        const char *end = NULL;
        if (scan_number(start, &part[n], &end) != SCAN_OK || end != q)
            return SCAN_CLOCK;
        if (++n > 1 && part[n - 1] >= 60)
            return SCAN_CLOCK;
        if (fraction || *q != ':')
            break;
        if (n == 3)
            return SCAN_CLOCK;
        q++;
    }
    if (n < 2 || *skip_spaces(q))
        return SCAN_CLOCK;
    ret->seconds = n == 3 ? part[0] * 3600 + part[1] * 60 + part[2] : part[0] * 60 + part[1];
    ret->months = 0;
    return isfinite(ret->seconds) ? SCAN_OK : SCAN_RANGE;
}

/* Scans all of `s` (spaces around allowed) as a length of time: "<number> <unit>", units
 * from the largest to the smallest ("1h30m", "1 hour 30 minutes"), or a clock ("00:05:00",
 * "05:00"). A duration (`period` false) may be a bare number of seconds and has no months or
 * years; a rate's period (`period` true) needs a unit, may leave out a lone unit's number
 * ("day") and may be in months and years. Only a single "<number> <unit>" of a duration may
 * carry a sign. On SCAN_UNIT, *ret_fault says where the unknown or missing unit is. */
static enum scan_result scan_span(const char *s, bool period, struct span *ret,
                                  struct fault *ret_fault)
{
    const char *p = skip_spaces(s);
    const char *digits = p;
    while (isdigit((unsigned char)*digits))
        digits++;
    if (digits > p && *digits == ':')
        return scan_clock(p, ret);
    struct span sp = {0, 0};
    double last_rank = HUGE_VAL;
    bool sign = *p == '+' || *p == '-';
    if (sign && period)
        return SCAN_SYNTAX;
    for (bool first = true;; first = false) {
        double v = 1;
        const char *end = p;
        if (!first && !isdigit((unsigned char)*p) && *p != '.')
            return SCAN_COMPOUND; /* a sign, or junk after a unit */
        enum scan_result r = scan_number(p, &v, &end);
        bool lone_unit = r == SCAN_SYNTAX && period && first && isalpha((unsigned char)*p);
        if (r != SCAN_OK && !lone_unit)
            return r;
        const char *q = skip_spaces(end);
        char word[UNITS_UNIT_MAX];
        const char *after = take_word(q, word);
        *ret_fault = (struct fault){q, after ? (size_t)(after - q) : strlen(q)};
        if (!after)
            return SCAN_UNIT;
        if (!word[0]) {
            if (first && !period && !*q) { /* a bare number: seconds */
                sp.seconds = v;
                break;
            }
            return first ? SCAN_UNIT : SCAN_COMPOUND;
        }
        const struct word *u = word_find(time_units, N_WORDS(time_units), word);
        if (!u || (!period && (u->flags & W_MONTHS)))
            return SCAN_UNIT;
        if (!first && (sign || unit_rank(u) >= last_rank))
            return SCAN_COMPOUND;
        last_rank = unit_rank(u);
        if (u->flags & W_MONTHS)
            sp.months += v * u->value;
        else
            sp.seconds += v * u->value;
        p = skip_spaces(after);
        if (!*p)
            break;
        if (lone_unit)
            return SCAN_COMPOUND;
        if (first && !isdigit((unsigned char)*p) && *p != '.') {
            *ret_fault = (struct fault){NULL, 0}; /* nothing to suggest for "30 s s", "12 m/s" */
            return SCAN_UNIT;
        }
    }
    if (!isfinite(sp.seconds) || !isfinite(sp.months))
        return SCAN_RANGE;
    *ret = sp;
    return SCAN_OK;
}

/* The sentences for a span that did not scan, by scan_result: each takes the field's name and
 * the quoted value. */
static const char *const span_errors[] = {
    [SCAN_SYNTAX] = "%s must be a duration written as a plain decimal number, got \"%s\"",
    [SCAN_RANGE] = "%s is out of range: \"%s\" is not a finite number",
    [SCAN_COMPOUND] = "%s must give each part of a compound duration a unit, from the largest to "
                      "the smallest and without a sign, e.g. \"1h30m\" or \"2m30s\", got \"%s\"",
    [SCAN_CLOCK] = "%s must be a clock duration as hh:mm:ss or mm:ss, with minutes and seconds as "
                   "two digits below 60, e.g. \"00:05:00\" or \"1:30\", got \"%s\"",
};

int units_parse_duration(const char *s, const char *field, double *ret_seconds,
                         struct cf_error *reterr)
{
    char q[QUOTE_LEN], hint[QUOTE_LEN + 24];
    struct span sp;
    struct fault f = {NULL, 0};
    if (!s)
        return cf_error_set(reterr, CF_EINVAL, field, "%s must be given as a duration", field);
    enum scan_result r = scan_span(s, false, &sp, &f);
    switch (r) {
    case SCAN_OK:
        break;
    case SCAN_RANGE:
    case SCAN_SYNTAX:
    case SCAN_COMPOUND:
    case SCAN_CLOCK:
        return cf_error_set(reterr, CF_EINVAL, field, span_errors[r], field, QUOTED(s, q));
    default: {
        char word[UNITS_UNIT_MAX] = "";
        if (f.at && f.len < sizeof(word)) {
            memcpy(word, f.at, f.len);
            word[f.len] = '\0';
        }
        const char *near =
            word[0] ? word_nearest(time_units, N_WORDS(time_units), W_MONTHS, word) : NULL;
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s has an unknown unit in \"%s\": write seconds as a number or use "
                            "ms, s, m, h or d (w for weeks), also combined (\"1h30m\") or as a "
                            "clock (\"00:05:00\"), e.g. \"30s\" or \"12m\"%s",
                            field, QUOTED(s, q), hint_replace(s, &f, near, hint, sizeof(hint)));
    }
    }
    *ret_seconds = sp.seconds;
    return 0;
}

int units_parse_size_mb(const char *s, double bare_unit_mb, const char *field, double *ret_mb,
                        struct cf_error *reterr)
{
    char q[QUOTE_LEN], hint[QUOTE_LEN + 24];
    char unit[UNITS_UNIT_MAX];
    struct fault at;
    const char *rest = NULL;
    double v = 0;
    int r = scan_with_unit(s, field, "size", &v, unit, &at, &rest, reterr);
    if (r < 0)
        return r;
    const struct word *u = word_find(size_units, N_WORDS(size_units), unit);
    double mult = unit[0] ? (u ? u->value : 0) : bare_unit_mb;
    if (mult == 0 || *rest) {
        const char *near =
            unit[0] && !*rest ? word_nearest(size_units, N_WORDS(size_units), 0, unit) : NULL;
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s has an unknown unit in \"%s\": use KB, MB, GB or TB "
                            "(1 GB = 1 GiB = 1 Gi = 1024 MB), e.g. \"512MB\" or \"2GB\"%s",
                            field, QUOTED(s, q), hint_replace(s, &at, near, hint, sizeof(hint)));
    }
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
    struct fault at;
    int r = scan_with_unit(s, field, "rate", &v, unit, &at, &rest, reterr);
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
