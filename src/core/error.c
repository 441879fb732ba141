/*
 * error.c - the one error table: CF_E* code -> HTTP status and machine code.
 */
#include "computefit/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct cf__error_row {
    int code;
    int status;
    const char *name;
};

static const struct cf__error_row error_rows[] = {
#define CF__ERROR_ROW(n, s, c) {CF_##n, s, c},
    CF_ERRORS(CF__ERROR_ROW)
#undef CF__ERROR_ROW
};

static const struct cf__error_row *error_row(int code)
{
    for (size_t i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++)
        if (error_rows[i].code == code)
            return &error_rows[i];
    return NULL;
}

int cf_error_status(int code)
{
    const struct cf__error_row *row = error_row(code);
    return row ? row->status : 500;
}

const char *cf_error_name(int code)
{
    const struct cf__error_row *row = error_row(code);
    return row ? row->name : "internal_error";
}

int cf_error_set(struct cf_error *err, int code, const char *field, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

void cf_error_prefix_field(struct cf_error *err, const char *prefix)
{
    if (!err || !prefix || !*prefix)
        return;
    char joined[sizeof(err->field)];
    if (!err->field[0])
        snprintf(joined, sizeof(joined), "%s", prefix);
    else if (err->field[0] == '[')
        snprintf(joined, sizeof(joined), "%s%s", prefix, err->field);
    else
        snprintf(joined, sizeof(joined), "%s.%s", prefix, err->field);
    memcpy(err->field, joined, sizeof(joined));
}
