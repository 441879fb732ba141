/*
 * test_units.c - the strict number, duration, size, rate and boolean parsers.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/units.h"
#include "testutil.h"

/* A month of the model (config/model.json hours_per_month). */
#define HPM 730.0

/* A value as people type it and what it must parse to, in the parser's base unit. */
struct typed {
    const char *s;
    double value;
};

/* The parsers of this file, for expect_parsed(): P_COUNT is units_parse_count() of plain
 * counts, P_PARAMS of model_params_b (billions). */
enum parser { P_DURATION, P_SIZE_MB, P_RATE, P_COUNT, P_PARAMS };

static int parse_with(enum parser p, const char *s, double *v, struct cf_error *err)
{
    switch (p) {
    case P_DURATION:
        return units_parse_duration(s, "f", v, err);
    case P_SIZE_MB:
        return units_parse_size_mb(s, 1, "f", v, err);
    case P_RATE:
        return units_parse_rate(s, HPM, "f", v, err);
    case P_COUNT:
        return units_parse_count(s, 1, "f", v, err);
    default:
        return units_parse_count(s, 1e9, "f", v, err);
    }
}

/* Checks that every row of `rows` parses to its value (to a relative 1e-12, for the rates'
 * divisions by hours). */
static void expect_parsed(enum parser p, const struct typed *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = -1;
        struct cf_error err = {0};
        int r = parse_with(p, rows[i].s, &v, &err);
        ck_assert_msg(r == 0, "rejected \"%s\": %s", rows[i].s, err.message);
        ck_assert_msg(fabs(v - rows[i].value) <= 1e-12 * fabs(rows[i].value),
                      "\"%s\" parsed to %.17g, want %.17g", rows[i].s, v, rows[i].value);
    }
}

#define EXPECT_PARSED(p, rows) expect_parsed((p), (rows), sizeof(rows) / sizeof((rows)[0]))

/* Checks that `s` is refused with CF_EINVAL naming the field, its output untouched, with a
 * message that holds `has` (unless NULL) and, when `hint` is false, no "did you mean". */
static void expect_refused(enum parser p, const char *s, const char *has, bool hint)
{
    double v = 42;
    struct cf_error err = {0};
    int r = parse_with(p, s, &v, &err);
    ck_assert_msg(r == CF_EINVAL, "accepted \"%s\" as %g", s, v);
    ck_assert_double_eq(v, 42);
    ck_assert_str_eq(err.field, "f");
    ck_assert_msg(!has || strstr(err.message, has), "\"%s\": no \"%s\" in: %s", s, has,
                  err.message);
    ck_assert_msg(hint || !strstr(err.message, "did you mean"), "\"%s\": a guess: %s", s,
                  err.message);
}

/* A refusal and what its message must say (see expect_refused). */
struct refusal {
    enum parser p;
    const char *s;
    const char *has;
    bool hint;
};

/* expect_refused() for each of a list, with any message. */
#define EXPECT_ALL_REFUSED(p, list)                                                                \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < sizeof(list) / sizeof((list)[0]); i_++)                           \
            expect_refused((p), (list)[i_], NULL, true);                                           \
    } while (0)

START_TEST(numbers_plain_decimal)
{
    double v = 0;
    ck_assert_int_eq(units_parse_number("2", "x", &v, NULL), 0);
    ck_assert_double_eq(v, 2);
    ck_assert_int_eq(units_parse_number("  -0.5 ", "x", &v, NULL), 0);
    ck_assert_double_eq(v, -0.5);
    ck_assert_int_eq(units_parse_number("1e6", "x", &v, NULL), 0);
    ck_assert_double_eq(v, 1e6);
    ck_assert_int_eq(units_parse_number(".25", "x", &v, NULL), 0);
    ck_assert_double_eq(v, 0.25);
    ck_assert_int_eq(units_parse_number("+3.", "x", &v, NULL), 0);
    ck_assert_double_eq(v, 3);
}
END_TEST

START_TEST(numbers_rejected)
{
    static const char *const bad[] = {"nan",  "NaN", "inf", "Infinity", "-inf",  "1e999",
                                      "0x10", "",    " ",   "2 apples", "1,000", "abc",
                                      "--1",  "1e",  ".",   "1.2.3",    "1e+",   "\xc3\xa9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cf_error err = {0};
        double v = 42;
        ck_assert_msg(units_parse_number(bad[i], "team_engineers", &v, &err) == CF_EINVAL,
                      "accepted \"%s\"", bad[i]);
        ck_assert_double_eq(v, 42); /* ret_ untouched on failure */
        ck_assert_str_eq(err.field, "team_engineers");
        ck_assert_int_eq(err.code, CF_EINVAL);
        ck_assert_msg(strlen(err.message) > 10, "no message for \"%s\"", bad[i]);
    }
    ck_assert_int_eq(units_parse_number(NULL, "x", &(double){0}, NULL), CF_EINVAL);
}
END_TEST

START_TEST(durations)
{
    static const struct {
        const char *s;
        double seconds;
    } ok[] = {
        {"250ms", 0.25}, {"30s", 30},     {"12m", 12 * 60}, {"4h", 4 * 3600},   {"2d", 2 * 86400},
        {"30", 30},      {"1.5 h", 5400}, {"5 sec", 5},     {"3 minutes", 180}, {"1 HOUR", 3600},
        {"0.5m", 30},    {" 7 s ", 7},    {"1 day", 86400}, {"10 msec", 0.01},  {"1e3ms", 1},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        double v = -1;
        ck_assert_msg(units_parse_duration(ok[i].s, "duration", &v, NULL) == 0, "rejected %s",
                      ok[i].s);
        ck_assert_double_eq_tol(v, ok[i].seconds, 1e-12);
    }
}
END_TEST

/* The forms of issue 11, item 9: plural and short units, weeks, compound durations, clocks. */
START_TEST(durations_people_type)
{
    static const struct typed ok[] = {
        {"20 secs", 20},
        {"5 mins", 5 * 60},
        {"10 hours", 10 * 3600},
        {"2 hrs", 2 * 3600},
        {"2 days", 2 * 86400},
        {"100 msecs", 0.1},
        /* Weeks: 7 x 86,400 s = 604,800 s. */
        {"1 week", 604800},
        {"2w", 2 * 604800},
        {"3 wks", 3 * 604800},
        /* Compound, largest unit first: 1 h + 30 min = 3,600 + 1,800 = 5,400 s. */
        {"1h30m", 5400},
        {"1h 30m", 5400},
        {"1 hour 30 minutes", 5400},
        {"2m30s", 150},         /* 120 + 30 */
        {"1d2h", 86400 + 7200}, /* 93,600 */
        {"1s500ms", 1.5},       /* 1 + 0.5 */
        {"1h0.5m", 3600 + 30},  /* a part may be a decimal */
        /* Clocks: hh:mm:ss, or mm:ss with two parts. */
        {"00:05:00", 300},  /* 0 h + 5 min */
        {"01:02:03", 3723}, /* 3,600 + 120 + 3 */
        {"12:00:00", 43200},
        {"0:00:01.5", 1.5}, /* a fraction of the seconds */
        {"05:00", 300},     /* mm:ss: 5 min */
        {"1:30", 90},       /* 60 + 30 */
        {" 90:00 ", 5400},  /* the first part may pass 59 */
    };
    EXPECT_PARSED(P_DURATION, ok);
    static const char *const bad[] = {
        /* compound: out of order, a unit twice, a part without its unit, a sign, junk */
        "30m1h", "1h1h", "1h30", "-1h30m", "1h-30m", "1h 30m x", "1h,30m",
        /* clocks: seconds or minutes of 60 or more, a one-digit part, four parts */
        "1:75", "1:60:00", "1:5", "1:30:00:00", "00:05:00x", ":30", "1:30.5:00", "-5:00",
        /* months and years vary: not a duration */
        "1 month", "1y"};
    EXPECT_ALL_REFUSED(P_DURATION, bad);
}
END_TEST

START_TEST(durations_rejected)
{
    static const char *const bad[] = {"5 parsecs", "5e",  "s",      "30 s s",
                                      "NaN s",     "inf", "1e999s", "3 fortnights",
                                      "12 m/s",    "10-s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cf_error err = {0};
        ck_assert_msg(units_parse_duration(bad[i], "duration", &(double){0}, &err) == CF_EINVAL,
                      "accepted \"%s\"", bad[i]);
        ck_assert_str_eq(err.field, "duration");
    }
    struct cf_error err = {0};
    units_parse_duration("5 parsecs", "tasks[1].duration", &(double){0}, &err);
    ck_assert_str_eq(err.field, "tasks[1].duration");
    ck_assert_ptr_nonnull(strstr(err.message, "parsecs"));
    ck_assert_ptr_nonnull(strstr(err.message, "ms, s, m, h or d"));
}
END_TEST

START_TEST(sizes)
{
    double v = 0;
    ck_assert_int_eq(units_parse_size_mb("512MB", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 512);
    ck_assert_int_eq(units_parse_size_mb("2GB", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 2 * 1024); /* 1 GB = 1024 MB, as AWS bills */
    ck_assert_int_eq(units_parse_size_mb("2 gb", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 2048);
    ck_assert_int_eq(units_parse_size_mb("0.5GiB", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 512);
    ck_assert_int_eq(units_parse_size_mb("1TB", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 1024.0 * 1024);
    ck_assert_int_eq(units_parse_size_mb("64KB", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 64.0 / 1024);
    ck_assert_int_eq(units_parse_size_mb("3", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 3); /* bare number in the field's unit: MB */
    ck_assert_int_eq(units_parse_size_mb("3", 1024, "gpu_memory", &v, NULL), 0);
    ck_assert_double_eq(v, 3 * 1024); /* bare number in GB */
    ck_assert_int_eq(units_parse_size_mb("16G", 1, "memory", &v, NULL), 0);
    ck_assert_double_eq(v, 16 * 1024);
    static const char *const bad[] = {"5 parsecs", "2GBs",    "2 G B", "NaN GB",
                                      "GB",        "1e999GB", "2PB"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cf_error err = {0};
        ck_assert_msg(units_parse_size_mb(bad[i], 1, "memory", &v, &err) == CF_EINVAL,
                      "accepted \"%s\"", bad[i]);
        ck_assert_str_eq(err.field, "memory");
    }
}
END_TEST

/* Kubernetes' binary suffixes and spelled-out units; every prefix counts in 1024s, as GB does
 * in `sizes` above. */
START_TEST(sizes_people_type)
{
    static const struct typed ok[] = {
        {"2Gi", 2 * 1024},      {"2 gigabytes", 2 * 1024},     {"1 gigabyte", 1024},
        {"1 gibibyte", 1024},   {"3 GIBIBYTES", 3 * 1024},     {"512Mi", 512},
        {"512 megabytes", 512}, {"1Ti", 1024.0 * 1024},        {"1 terabyte", 1024.0 * 1024},
        {"64Ki", 64.0 / 1024},  {"64 kilobytes", 64.0 / 1024},
    };
    EXPECT_PARSED(P_SIZE_MB, ok);
}
END_TEST

START_TEST(rates)
{
    static const struct {
        const char *s;
        double per_month;
    } ok[] = {
        {"10000/month", 10000},
        {"500/day", 500 * HPM / 24},    /* 15,208.33 */
        {"20/hour", 20 * HPM},          /* 14,600 */
        {"100/s", 100 * 3600 * HPM},    /* 262,800,000 */
        {"3/min", 3 * 60 * HPM},        /* 131,400 */
        {"2/week", 2 * HPM / (7 * 24)}, /* 8.69 */
        {"500 per day", 500 * HPM / 24},
        {"15000", 15000}, /* bare: per month */
        {" 1 / h ", HPM},
        {"0.5/mo", 0.5},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        double v = -1;
        ck_assert_msg(units_parse_rate(ok[i].s, HPM, "invocations", &v, NULL) == 0, "rejected %s",
                      ok[i].s);
        ck_assert_double_eq_tol(v, ok[i].per_month, 1e-9 * ok[i].per_month);
    }
    static const char *const bad[] = {"5/fortnight", "5/",      "/day",      "NaN/day", "1e999/s",
                                      "5 per",       "5/day/s", "5 dollars", "inf/s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cf_error err = {0};
        ck_assert_msg(units_parse_rate(bad[i], HPM, "invocations", &(double){0}, &err) == CF_EINVAL,
                      "accepted \"%s\"", bad[i]);
        ck_assert_str_eq(err.field, "invocations");
    }
}
END_TEST

/* The rates of issue 11, item 9. A month is HPM = 730 hours, so per month is: per second
 * x 3,600 x 730, per minute x 60 x 730, per hour x 730, per day x 730 / 24, per week
 * x 730 / 168, per year / 12. */
START_TEST(rates_people_type)
{
    static const struct typed ok[] = {
        /* plural and short periods */
        {"10/hours", 10 * HPM},       /* 7,300 */
        {"500/days", 500 * HPM / 24}, /* 15,208.33 */
        {"2/weeks", 2 * HPM / 168},   /* 8.69 */
        {"20/months", 20},            /* */
        {"20/secs", 20 * 3600 * HPM}, /* 52,560,000 */
        {"5/mins", 5 * 60 * HPM},     /* 219,000 */
        {"12/year", 1},               /* 12 a year is one a month */
        {"1/ms", 1000 * 3600 * HPM},  /* 1,000 a second */
        /* multipliers and thousands separators; a bare count is per month */
        {"100k", 100000},                      /* */
        {"1M/month", 1000000},                 /* M is a million in a count */
        {"1,000/day", 1000 * HPM / 24},        /* 30,416.67 */
        {"1_000/day", 1000 * HPM / 24},        /* */
        {"1 million/month", 1000000},          /* */
        {"1,000,000", 1000000},                /* */
        {"2.5k/hour", 2500 * HPM},             /* 1,825,000 */
        {"1.5 thousand/day", 1500 * HPM / 24}, /* 45,625 */
        {"2 billion/year", 2e9 / 12},          /* 166,666,666.67 */
        /* rate words and what is counted */
        {"100 rps", 100 * 3600 * HPM}, /* 262,800,000 */
        {"100 QPS", 100 * 3600 * HPM}, /* */
        {"60 rpm", 60 * 60 * HPM},     /* 2,628,000: one a second */
        {"2 rph", 2 * HPM},            /* 1,460 */
        {"10 req/s", 10 * 3600 * HPM}, /* 26,280,000 */
        {"10 requests per second", 10 * 3600 * HPM},
        {"5 calls/min", 5 * 60 * HPM},   /* 219,000 */
        {"5k req per hour", 5000 * HPM}, /* 3,650,000 */
        {"500 a day", 500 * HPM / 24},   /* 15,208.33 */
        {"20 an hour", 20 * HPM},        /* 14,600 */
        {"3 per 2 hours", 3 * HPM / 2},  /* 1,095: a period may have a number */
        /* every <period>: one per period */
        {"every 5 minutes", HPM * 60 / 5}, /* 8,760 */
        {"every minute", HPM * 60},        /* 43,800 */
        {"Every Day", HPM / 24},           /* 30.42 */
        {"every 2 weeks", HPM / 336},      /* 2.17 */
        {"every 1h30m", HPM / 1.5},        /* 486.67 */
        {"every 00:05:00", HPM * 60 / 5},  /* 8,760 */
    };
    EXPECT_PARSED(P_RATE, ok);
    static const char *const bad[] = {"1,000_000", "1000,000",     "1,00",    "1,000e3",
                                      "every",     "every 5",      "5 per",   "every -5 minutes",
                                      "5/-2h",     "2 every hour", "100 k k", "1M/month/day",
                                      "5 rps/s",   "rps",          "1,000 /"};
    EXPECT_ALL_REFUSED(P_RATE, bad);
}
END_TEST

/* Counts and model sizes: a bare count is in the field's unit, a multiplied one is divided by
 * it (model_params_b counts billions). */
START_TEST(counts)
{
    static const struct typed plain[] = {
        {"100k", 1e5},   {"100K", 1e5},        {"1,000", 1000}, {"1_000_000", 1e6},
        {"2.5M", 2.5e6}, {"3 thousand", 3000}, {"1 bn", 1e9},   {" 12,345.5 ", 12345.5},
    };
    EXPECT_PARSED(P_COUNT, plain);
    static const struct typed params[] = {
        {"7B", 7},        /* 7e9 / 1e9 */
        {"7b", 7},        /* */
        {"70B", 70},      /* */
        {"1.5B", 1.5},    /* */
        {"500M", 0.5},    /* 5e8 / 1e9 */
        {"1T", 1000},     /* 1e12 / 1e9 */
        {"7 billion", 7}, /* */
        {"7", 7},         /* bare: billions already */
        {"2,000M", 2},    /* 2e9 / 1e9 */
        {"0.5t", 500},    /* */
    };
    EXPECT_PARSED(P_PARAMS, params);
    static const char *const bad[] = {"7BB", "7 B params", "", "B", "NaN", "1e999", "0x10", "7 B."};
    EXPECT_ALL_REFUSED(P_PARAMS, bad);
    ck_assert_int_eq(units_parse_count(NULL, 1, "f", &(double){0}, NULL), CF_EINVAL);
}
END_TEST

START_TEST(booleans)
{
    bool b = false;
    ck_assert_int_eq(units_parse_bool("true", "gpu", &b, NULL), 0);
    ck_assert(b);
    ck_assert_int_eq(units_parse_bool(" FALSE ", "gpu", &b, NULL), 0);
    ck_assert(!b);
    ck_assert_int_eq(units_parse_bool("1", "gpu", &b, NULL), 0);
    ck_assert(b);
    ck_assert_int_eq(units_parse_bool("0", "gpu", &b, NULL), 0);
    ck_assert(!b);
    /* The words of GET forms and config files, in any case. */
    static const struct {
        const char *s;
        bool value;
    } words[] = {{"yes", true},  {"No", false},   {"ON", true},    {"off", false},
                 {"Yes ", true}, {" TRUE", true}, {"False", false}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        b = !words[i].value;
        ck_assert_msg(units_parse_bool(words[i].s, "gpu", &b, NULL) == 0, "rejected %s",
                      words[i].s);
        ck_assert_msg(b == words[i].value, "%s parsed to %d", words[i].s, b);
    }
    static const char *const bad[] = {"yess", "", "truee", "2", "t", "null", "y", "n", "ja"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cf_error err = {0};
        b = true;
        ck_assert_int_eq(units_parse_bool(bad[i], "gpu", &b, &err), CF_EINVAL);
        ck_assert(b);
        ck_assert_str_eq(err.field, "gpu");
    }
    ck_assert_int_eq(units_parse_bool(NULL, "gpu", &b, NULL), CF_EINVAL);
    /* A close word gets a hint; "y" and "n" are too short to guess from. */
    struct cf_error err = {0};
    units_parse_bool("yess", "gpu", &b, &err);
    ck_assert_str_eq(err.message, "gpu must be true or false, got \"yess\"; did you mean \"yes\"?");
    units_parse_bool("y", "gpu", &b, &err);
    ck_assert_str_eq(err.message, "gpu must be true or false, got \"y\"");
}
END_TEST

START_TEST(quote_is_printable_ascii)
{
    char buf[12];
    units_quote("ab\xc3\xa9\n\"", buf, sizeof(buf));
    ck_assert_str_eq(buf, "ab???\"");
    units_quote("0123456789abcdef", buf, sizeof(buf));
    ck_assert_str_eq(buf, "01234567...");
    ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
    units_quote(NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "");
    /* An error echoing non-UTF-8 input stays ASCII, so it can go into a JSON response. */
    struct cf_error err = {0};
    units_parse_duration("5 \xff\xfe", "duration", &(double){0}, &err);
    for (const char *p = err.message; *p; p++)
        ck_assert(*p >= 0x20 && *p < 0x7f);
}
END_TEST

/* Found by fuzz/fuzz_units.c (fuzz/regressions/units/bool-echoes-control-byte: selector byte
 * 0x2f picks units_parse_bool, then "2\x04week"): the boolean parser echoed its input raw, so
 * control bytes and invalid UTF-8 reached the error message, which goes into JSON responses and
 * logs. It now quotes the input as the other parsers do. */
START_TEST(bool_error_echo_is_printable)
{
    size_t len = 0;
    char *input = cf_test_read("fuzz/regressions/units/bool-echoes-control-byte", &len);
    ck_assert_uint_eq(len, 7);
    ck_assert_int_eq(input[0] % 6, 5); /* the fuzz target's selector for units_parse_bool */
    ck_assert_str_eq(input + 1, "2\x04week");
    struct cf_error err = {0};
    bool b = true;
    ck_assert_int_eq(units_parse_bool(input + 1, "gpu", &b, &err), CF_EINVAL);
    ck_assert(b);
    ck_assert_str_eq(err.message, "gpu must be true or false, got \"2?week\"");
    free(input);

    /* Invalid UTF-8 and overlong input are quoted (and cut) too. */
    char long_bad[200];
    memset(long_bad, 'x', sizeof(long_bad) - 1);
    long_bad[0] = '\xff';
    long_bad[sizeof(long_bad) - 1] = '\0';
    ck_assert_int_eq(units_parse_bool(long_bad, "gpu", &b, &err), CF_EINVAL);
    for (const char *p = err.message; *p; p++)
        ck_assert(*p >= 0x20 && *p < 0x7f);
    ck_assert_ptr_nonnull(strstr(err.message, "\"?xxx"));
    ck_assert_ptr_nonnull(strstr(err.message, "...\""));
}
END_TEST

/* The "did you mean" helper behind every hint. */
START_TEST(nearest_names)
{
    static const char *const names[] = {"arm64", "arm", "x86_64", "true", "no", "on"};
    size_t n = sizeof(names) / sizeof(names[0]);
    /* "armm": one deletion from "arm" (two from "arm64"), so "arm" wins. */
    ck_assert_str_eq(units_nearest("armm", names, n), "arm");
    /* "X86-64": one substitution ('-' for '_'); case is ignored. */
    ck_assert_str_eq(units_nearest("X86-64", names, n), "x86_64");
    /* "truee": one deletion; "ture": one swap of neighbours. */
    ck_assert_str_eq(units_nearest("truee", names, n), "true");
    ck_assert_str_eq(units_nearest("ture", names, n), "true");
    /* "t" is two edits from "no" and "on", "n" one: not fewer than half their letters. */
    ck_assert_ptr_null(units_nearest("t", names, n));
    ck_assert_ptr_null(units_nearest("n", names, n));
    /* "sparc": three edits from "arm" at the least: too far. */
    ck_assert_ptr_null(units_nearest("sparc", names, n));
    ck_assert_ptr_null(units_nearest(NULL, names, n));
}
END_TEST

/* Refusals say what to write instead: the value corrected when a word is close to one the
 * parser knows, or the accepted forms with the user's own number in them. */
START_TEST(refusals_say_what_to_write)
{
    static const struct refusal rows[] = {
        /* "secnds" is one letter from "seconds". */
        {P_DURATION, "5 secnds", "did you mean \"5 seconds\"?", true},
        {P_DURATION, "1h 30 minnutes", "did you mean \"1h 30 minutes\"?", true},
        {P_DURATION, "30m1h", "\"1h30m\"", false},
        {P_DURATION, "1:75", "hh:mm:ss or mm:ss", false},
        /* No hint from far off, nor for junk after a unit. */
        {P_DURATION, "3 fortnights", "ms, s, m, h or d", false},
        {P_DURATION, "30 s s", NULL, false},
        {P_SIZE_MB, "2 gigabites", "did you mean \"2 gigabytes\"?", true},
        {P_SIZE_MB, "2GB!", "1 GB = 1 GiB = 1 Gi = 1024 MB", false},
        /* "PB" is one letter from "KB", not fewer than half of two: no guess 2^40 off. */
        {P_SIZE_MB, "1PB", NULL, false},
        /* "1,5" could be 1.5 or 15. */
        {P_RATE, "1,5", "ambiguous", false},
        {P_RATE, "1,5/day", "write a decimal with a point (\"1.5\")", false},
        /* A lone m after a count: a million or a minute? */
        {P_RATE, "1m", "write M for a million (\"1M\")", false},
        {P_RATE, "5m/s", "\"1/min\"", false},
        /* No period is near "fortnight": the examples carry the user's count. */
        {P_RATE, "5 per fortnight", "\"5/week\"", false},
        {P_RATE, "1,000/fortnight", "\"1,000/week\"", false},
        /* Hints with the value corrected. */
        {P_RATE, "3 min", "did you mean \"3/min\"?", true},
        {P_RATE, "100 rsp", "did you mean \"100 rps\"?", true},
        {P_RATE, "10/hourz", "did you mean \"10/hour\"?", true},
        {P_RATE, "every 5 minuts", "did you mean \"every 5 minute\"?", true},
        /* A period of nothing. */
        {P_RATE, "every 0 minutes", "longer than zero", false},
        {P_RATE, "5/0h", "longer than zero", false},
        {P_PARAMS, "500m", "write M for a million", false},
        {P_PARAMS, "7 bilion", "did you mean \"7 billion\"?", true},
        {P_PARAMS, "1,5B", "ambiguous", false},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        expect_refused(rows[i].p, rows[i].s, rows[i].has, rows[i].hint);
}
END_TEST

static Suite *units_suite(void)
{
    Suite *s = suite_create("units");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, numbers_plain_decimal);
    tcase_add_test(tc, numbers_rejected);
    tcase_add_test(tc, durations);
    tcase_add_test(tc, durations_people_type);
    tcase_add_test(tc, durations_rejected);
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, sizes_people_type);
    tcase_add_test(tc, rates);
    tcase_add_test(tc, rates_people_type);
    tcase_add_test(tc, counts);
    tcase_add_test(tc, booleans);
    tcase_add_test(tc, quote_is_printable_ascii);
    tcase_add_test(tc, bool_error_echo_is_printable);
    tcase_add_test(tc, nearest_names);
    tcase_add_test(tc, refusals_say_what_to_write);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(units_suite());
}
