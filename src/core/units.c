/*
 * units.c - strict parsing of numbers with units (see units.h for the accepted forms).
 *
 * A value is scanned once by hand to find a plain decimal number, which is then handed to
 * strtod(); strtod() alone would also accept "nan", "inf", hex floats and leading garbage.
 * Every unit, multiplier and word the parsers accept is a row of a table below, and the hints
 * of their error messages ("did you mean") are drawn from the same rows. Nothing allocates:
 * numbers are copied into stack buffers of UNITS_NUMBER_MAX bytes, words of UNITS_UNIT_MAX.
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
    SCAN_CLOCK,    /* a clock form that is not hh:mm:ss or mm:ss */
    SCAN_GROUP,    /* digits separated by ',' or '_' other than in thousands ("1,5") */
    SCAN_AMBIGUOUS /* a lone "m" after a count: a million, a minute or milli-? */
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
#define W_CASE     2u /* this spelling only, in this case ("M" is a million, "m" is not) */
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

/* Multipliers of a count. A lone "m" is none of them: after a number it may be a million, a
 * minute or milli-, so it is refused rather than guessed (SCAN_AMBIGUOUS). */
static const struct word multipliers[] = {
    {"k", 1e3, 0},  {"thousand", 1e3, 0}, {"M", 1e6, W_CASE}, {"million", 1e6, 0},   {"b", 1e9, 0},
    {"bn", 1e9, 0}, {"billion", 1e9, 0},  {"t", 1e12, 0},     {"trillion", 1e12, 0},
};

/* Rates in one word, in seconds per event: "100 rps". */
static const struct word rate_words[] = {
    {"rps", 1, 0}, {"qps", 1, 0}, {"rpm", 60, 0}, {"rph", 3600, 0}};

/* What a rate counts, between the count and its period ("10 req/s"); it changes nothing. */
static const struct word rate_nouns[] = {
    {"req", 0, 0},        {"reqs", 0, 0},        {"request", 0, 0}, {"requests", 0, 0},
    {"call", 0, 0},       {"calls", 0, 0},       {"event", 0, 0},   {"events", 0, 0},
    {"invocation", 0, 0}, {"invocations", 0, 0}, {"job", 0, 0},     {"jobs", 0, 0},
    {"run", 0, 0},        {"runs", 0, 0},        {"time", 0, 0},    {"times", 0, 0},
    {"execution", 0, 0},  {"executions", 0, 0},
};

/* Words that put a period after a count, as '/' does: "500 per day", "500 a day". */
static const struct word rate_pers[] = {{"per", 0, 0}, {"a", 0, 0}, {"an", 0, 0}};

/* Returns the row of `t` named `name` (case ignored unless the row says W_CASE), or NULL. */
static const struct word *word_find(const struct word *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if ((t[i].flags & W_CASE) ? !strcmp(name, t[i].name) : !strcasecmp(name, t[i].name))
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

/* Appends c to the number being copied into buf (UNITS_NUMBER_MAX bytes); false when full. */
static bool put_char(char *buf, size_t *n, char c)
{
    if (*n + 1 >= UNITS_NUMBER_MAX)
        return false;
    buf[(*n)++] = c;
    return true;
}

/* Scans a plain decimal number at the start of `s` (no leading spaces). With `groups`, the
 * whole part may be written in thousands separated by ',' or '_' ("1,000", "12_345.5"; one
 * kind of separator, groups of exactly three digits after the first, no exponent): anything
 * else with a separator between digits is SCAN_GROUP, since "1,5" could mean 1.5 or 15. On
 * success stores the value and the first character after the number. */
static enum scan_result scan_number(const char *s, bool groups, double *ret_value,
                                    const char **ret_end)
{
    char buf[UNITS_NUMBER_MAX];
    size_t n = 0, digits = 0, run = 0;
    char sep = 0;
    const char *p = s;
    if ((*p == '+' || *p == '-') && !put_char(buf, &n, *p++))
        return SCAN_RANGE;
    for (;; p++) {
        if (groups && (*p == ',' || *p == '_') && run && isdigit((unsigned char)p[1])) {
            if (sep ? *p != sep || run != 3 : run > 3)
                return SCAN_GROUP;
            sep = *p;
            run = 0;
        } else if (isdigit((unsigned char)*p)) {
            if (!put_char(buf, &n, *p))
                return SCAN_RANGE;
            digits++;
            run++;
        } else {
            break;
        }
    }
    if (sep && run != 3)
        return SCAN_GROUP;
    if (*p == '.') {
        if (!put_char(buf, &n, *p++))
            return SCAN_RANGE;
        for (; isdigit((unsigned char)*p); p++, digits++)
            if (!put_char(buf, &n, *p))
                return SCAN_RANGE;
    }
    if (!digits)
        return SCAN_SYNTAX;
    if ((*p == 'e' || *p == 'E') && !sep) {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        /* "5e" or "5 eons" is a number followed by a unit: leave the 'e' to the caller. */
        if (isdigit((unsigned char)*q)) {
            for (; p < q; p++)
                if (!put_char(buf, &n, *p))
                    return SCAN_RANGE;
            for (; isdigit((unsigned char)*p); p++)
                if (!put_char(buf, &n, *p))
                    return SCAN_RANGE;
        }
    }
    buf[n] = '\0';
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end != buf + n)
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
    switch (scan_number(p, false, &v, &end)) {
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
    const char *after = take_word(p, unit);
    if (!after)
        return cf_error_set(reterr, CF_EINVAL, field, "%s has an unknown unit in \"%s\"", field,
                            QUOTED(s, q));
    *ret_value = v;
    *ret_unit = (struct fault){p, (size_t)(after - p)};
    *ret_rest = skip_spaces(after);
    return 0;
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
        if (scan_number(start, false, &part[n], &end) != SCAN_OK || end != q)
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
        enum scan_result r = scan_number(p, false, &v, &end);
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
        if (first && !isdigit((unsigned char)*p) && *p != '.') {
            *ret_fault = (struct fault){NULL, 0}; /* nothing to suggest for "30 s s", "12 m/s" */
            return SCAN_UNIT;
        }
        if (lone_unit)
            return SCAN_COMPOUND;
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

/* Scans a count at `p`: a number, in thousands if separated ("1,000", "1_000"), and an
 * optional multiplier ("100k", "1.5M", "2 million"). Sets *ret_value to the number, *ret_mult
 * to the multiplier (0 for none) and *ret_end to the first character after the count. */
static enum scan_result scan_count(const char *p, double *ret_value, double *ret_mult,
                                   const char **ret_end)
{
    double v = 0, mult = 0;
    const char *end = NULL;
    enum scan_result r = scan_number(p, true, &v, &end);
    if (r != SCAN_OK)
        return r;
    char word[UNITS_UNIT_MAX];
    const char *after = take_word(skip_spaces(end), word);
    if (after && word[0]) {
        const struct word *m = word_find(multipliers, N_WORDS(multipliers), word);
        if (m) {
            mult = m->value;
            end = after;
        } else if (!strcmp(word, "m")) {
            return SCAN_AMBIGUOUS;
        }
    }
    if (!isfinite(v * (mult ? mult : 1)))
        return SCAN_RANGE;
    *ret_value = v;
    *ret_mult = mult;
    *ret_end = end;
    return SCAN_OK;
}

/* The sentences for a count that did not scan, by scan_result: each takes the field's name and
 * the quoted value. */
static const char *const count_errors[] = {
    [SCAN_SYNTAX] = "%s must be a number such as 7, 1.5, \"1,000\", \"100k\" or \"2.5M\", got "
                    "\"%s\"",
    [SCAN_RANGE] = "%s is out of range: \"%s\" is not a finite number",
    [SCAN_GROUP] = "%s has \"%s\", which is ambiguous: a comma or underscore only separates "
                   "thousands, in groups of three digits (\"1,000\", \"1_000\"); write a "
                   "decimal with a point (\"1.5\")",
    [SCAN_AMBIGUOUS] = "%s has \"%s\", which is ambiguous: a lone m may be a million, a minute or "
                       "milli-; write M for a million (\"1M\")",
};

int units_parse_count(const char *s, double unit, const char *field, double *ret_value,
                      struct cf_error *reterr)
{
    char q[QUOTE_LEN], hint[QUOTE_LEN + 24];
    if (!s)
        return cf_error_set(reterr, CF_EINVAL, field, "%s must be given as a number", field);
    double v = 0, mult = 0;
    const char *end = NULL;
    enum scan_result r = scan_count(skip_spaces(s), &v, &mult, &end);
    if (r != SCAN_OK)
        return cf_error_set(reterr, CF_EINVAL, field, count_errors[r], field, QUOTED(s, q));
    const char *rest = skip_spaces(end);
    if (*rest) {
        char word[UNITS_UNIT_MAX];
        const char *after = take_word(rest, word);
        struct fault f = {rest, after ? (size_t)(after - rest) : 0};
        const char *near = after && word[0] && !*skip_spaces(after)
                               ? word_nearest(multipliers, N_WORDS(multipliers), 0, word)
                               : NULL;
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s must be a number with at most a multiplier, k, M, B or T "
                            "(thousand, million, billion, trillion), e.g. \"100k\" or \"7B\", "
                            "got \"%s\"%s",
                            field, QUOTED(s, q), hint_replace(s, &f, near, hint, sizeof(hint)));
    }
    *ret_value = mult ? v * mult / unit : v;
    return 0;
}

/* Fills *reterr for a rate of no accepted form, with the user's count (the `count_len` bytes at
 * `count`, or "5" when it has none) in the examples, and with the value corrected when the
 * faulty word `f` is close to a unit of time (or, with `after_count`, is a word after the count
 * that should have been a period: "3 min" -> "3/min", or a one-word rate: "100 rsp"). */
static int rate_error(const char *s, const char *count, size_t count_len, const struct fault *f,
                      bool after_count, const char *field, struct cf_error *reterr)
{
    char q[QUOTE_LEN], hint[QUOTE_LEN + 24], n[20] = "5";
    if (count_len && count_len < sizeof(n)) {
        memcpy(n, count, count_len);
        n[count_len] = '\0';
    }
    char word[UNITS_UNIT_MAX] = "";
    const char *w = f->at ? skip_spaces(f->at) : NULL;
    size_t wlen = w ? f->len - (size_t)(w - f->at) : 0;
    if (w && wlen && wlen < sizeof(word) && isalpha((unsigned char)*w)) {
        memcpy(word, w, wlen);
        word[wlen] = '\0';
    }
    const char *near = word[0] ? word_nearest(time_units, N_WORDS(time_units), 0, word) : NULL;
    char with[UNITS_UNIT_MAX + 1];
    snprintf(with, sizeof(with), "%s%s", after_count ? "/" : "", near ? near : "");
    hint_replace(s, f, near ? with : NULL, hint, sizeof(hint));
    if (!near && after_count && word[0] &&
        (near = word_nearest(rate_words, N_WORDS(rate_words), 0, word))) {
        struct fault only_word = {w, wlen};
        hint_replace(s, &only_word, near, hint, sizeof(hint));
    }
    units_quote(n, n, sizeof(n));
    return cf_error_set(reterr, CF_EINVAL, field,
                        "%s has an unknown form \"%s\": write a count per s, min, hour, day, "
                        "week, month or year (\"%s/week\", \"%s a day\", \"%s rps\", \"every 5 "
                        "minutes\"), or a plain count per month%s",
                        field, QUOTED(s, q), n, n, n, hint);
}

int units_parse_rate(const char *s, double hours_per_month, const char *field,
                     double *ret_per_month, struct cf_error *reterr)
{
    char q[QUOTE_LEN];
    if (!s)
        return cf_error_set(reterr, CF_EINVAL, field, "%s must be given as a rate", field);
    const char *start = skip_spaces(s), *p = start, *count_end = start, *period = NULL;
    double count = 1, mult = 0, period_s = 0;
    char word[UNITS_UNIT_MAX];
    const char *after = take_word(p, word);
    struct fault f = {NULL, 0};
    enum scan_result r = SCAN_OK;
    if (after && !strcasecmp(word, "every")) {
        period = after; /* one per period */
    } else if ((r = scan_count(p, &count, &mult, &count_end)) == SCAN_OK) {
        count *= mult ? mult : 1;
        p = skip_spaces(count_end);
        after = take_word(p, word);
        if (after && word[0] && word_find(rate_nouns, N_WORDS(rate_nouns), word)) {
            p = skip_spaces(after);
            after = take_word(p, word);
        }
        const struct word *rw =
            after && word[0] ? word_find(rate_words, N_WORDS(rate_words), word) : NULL;
        if (rw && !*skip_spaces(after))
            period_s = rw->value;
        else if (*p == '/')
            period = p + 1;
        else if (after && word[0] && word_find(rate_pers, N_WORDS(rate_pers), word))
            period = after;
        else if (*p) /* "3 min", "100 rsp": a word where the period belongs */
            f = (struct fault){count_end, (size_t)((after && word[0] ? after : p) - count_end)},
            r = SCAN_UNIT;
    } else {
        count_end = start;
    }
    if (r == SCAN_OK && period) {
        struct span sp;
        r = scan_span(period, true, &sp, &f);
        period_s = sp.seconds + sp.months * hours_per_month * 3600;
    }
    switch (r) {
    case SCAN_OK:
        break;
    case SCAN_RANGE:
    case SCAN_GROUP:
        return cf_error_set(reterr, CF_EINVAL, field, count_errors[r], field, QUOTED(s, q));
    case SCAN_AMBIGUOUS:
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s has \"%s\", which is ambiguous: a lone m may be a million, a "
                            "minute or milli-; write M for a million (\"1M\") or a rate per "
                            "minute as \"1/min\"",
                            field, QUOTED(s, q));
    case SCAN_COMPOUND:
    case SCAN_CLOCK:
        return cf_error_set(reterr, CF_EINVAL, field, span_errors[r], field, QUOTED(s, q));
    default:
        return rate_error(s, start, (size_t)(count_end - start), &f, !period, field, reterr);
    }
    if (period && !(period_s > 0))
        return cf_error_set(reterr, CF_EINVAL, field,
                            "%s needs a period longer than zero, got \"%s\"", field, QUOTED(s, q));
    /* A month is hours_per_month hours; without a period the count is per month. */
    double per_month = period_s ? count * hours_per_month * 3600 / period_s : count;
    if (!isfinite(per_month))
        return cf_error_set(reterr, CF_EINVAL, field, "%s is out of range: \"%s\"", field,
                            QUOTED(s, q));
    *ret_per_month = per_month;
    return 0;
}

/* The words of a boolean, as GET forms and config files write them. */
static const struct word bool_words[] = {
    {"true", 1, 0}, {"false", 0, 0}, {"yes", 1, 0}, {"no", 0, 0},
    {"on", 1, 0},   {"off", 0, 0},   {"1", 1, 0},   {"0", 0, 0},
};

int units_parse_bool(const char *s, const char *field, bool *ret_value, struct cf_error *reterr)
{
    char word[UNITS_UNIT_MAX] = "";
    if (s) {
        const char *p = skip_spaces(s);
        size_t n = strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n < sizeof(word)) {
            memcpy(word, p, n);
            word[n] = '\0';
            const struct word *b = word_find(bool_words, N_WORDS(bool_words), word);
            if (b) {
                *ret_value = b->value != 0;
                return 0;
            }
        }
    }
    char q[QUOTE_LEN], hint[QUOTE_LEN + 24] = "";
    const char *near = word[0] ? word_nearest(bool_words, N_WORDS(bool_words), 0, word) : NULL;
    if (near)
        snprintf(hint, sizeof(hint), "; did you mean \"%s\"?", near);
    return cf_error_set(reterr, CF_EINVAL, field, "%s must be true or false, got \"%s\"%s", field,
                        QUOTED(s ? s : "", q), hint);
}
