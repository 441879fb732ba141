/*
 * fuzz_units.c - libFuzzer target for the unit parsers (src/core/units.c).
 *
 * Input: the first byte picks the parser, modulo 7 (units_parse_number, _duration, _size_mb with
 * a bare unit of 1 MB or 1024 MB, _rate, _bool, _count in billions as model_params_b reads it);
 * the rest is the string, cut at its first NUL as the query-string and JSON paths deliver it.
 * Checked: a success gives a finite value, a failure is CF_EINVAL with a message of printable ASCII
 * only (it is echoed into JSON and logs).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/units.h"
#include "fuzz.h"

static void check_error(int r, const struct cf_error *err, const char *s)
{
    FUZZ_ASSERT(r == CF_EINVAL, "unexpected code %d for \"%s\"", r, s);
    FUZZ_ASSERT(err->code == CF_EINVAL, "error record not filled for \"%s\"", s);
    FUZZ_ASSERT(err->message[0] != '\0', "empty message for \"%s\"", s);
    FUZZ_ASSERT(strcmp(err->field, "f") == 0, "field \"%s\" is not the one given", err->field);
    for (const char *p = err->message; *p; p++)
        FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in message \"%s\"", (unsigned char)*p,
                    err->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = fuzz_cstr(data + 1, size - 1);
    struct cf_error err = {0};
    double v = 0;
    bool b = false;
    int r;
    switch (data[0] % 7) {
    case 0:
        r = units_parse_number(s, "f", &v, &err);
        break;
    case 1:
        r = units_parse_duration(s, "f", &v, &err);
        break;
    case 2:
        r = units_parse_size_mb(s, 1, "f", &v, &err);
        break;
    case 3:
        r = units_parse_size_mb(s, 1024, "f", &v, &err);
        break;
    case 4:
        r = units_parse_rate(s, 730, "f", &v, &err);
        break;
    case 5:
        r = units_parse_bool(s, "f", &b, &err);
        v = b ? 1 : 0;
        break;
    default:
        r = units_parse_count(s, 1e9, "f", &v, &err);
        break;
    }
    if (r == 0)
        FUZZ_ASSERT(isfinite(v), "\"%s\" parsed to a non-finite value", s);
    else
        check_error(r, &err, s);

    /* units_quote() must keep printable ASCII and stay inside any buffer size. */
    char q[16];
    size_t cap = 1 + (size % sizeof(q));
    units_quote(s, q, cap);
    FUZZ_ASSERT(strlen(q) < cap, "quote overran %zu bytes", cap);
    for (const char *p = q; *p; p++)
        FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in quote", (unsigned char)*p);
    free(s);
    return 0;
}
