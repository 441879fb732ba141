/*
 * form.c - the strict x-www-form-urlencoded decoder (see form.h).
 *
 * Decoding never lengthens text, so every name and value is decoded, NUL-terminated, into one
 * buffer the size of the body plus one byte per pair.
 */
#include "computefit/form.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/units.h"
#include "computefit/utf8.h"

/* Decodes s[0..n) into out (room for n + 1 bytes). Returns the decoded length, or -1 for a
 * malformed escape or a NUL, written or decoded. */
static long decode(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
                !isxdigit((unsigned char)s[i + 2]))
                return -1;
            const char hex[3] = {s[i + 1], s[i + 2], '\0'};
            c = (char)strtol(hex, NULL, 16);
            if (c == '\0')
                return -1;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        } else if (c == '\0') {
            return -1;
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return (long)k;
}

const char *form_get(const struct form *f, const char *name)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (!strcmp(f->fields[i].name, name))
            return f->fields[i].value;
    return NULL;
}

int form_parse(const char *body, size_t len, struct form *ret, struct cf_error *reterr)
{
    struct form f = {.n = 0};
    if (len == 0) {
        *ret = f;
        return 0;
    }
    /* Each pair's name and value, decoded, take at most its bytes plus two NULs less its '='. */
    f.buf = malloc(len + 2);
    if (!f.buf)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "Out of memory.");
    char *out = f.buf;
    int r = 0;
    char q[40];
    for (size_t at = 0; at <= len && r == 0;) {
        const char *pair = body + at;
        const char *amp = memchr(pair, '&', len - at);
        size_t n = amp ? (size_t)(amp - pair) : len - at;
        at += n + 1;
        const char *eq = memchr(pair, '=', n);
        if (n == 0 || !eq || eq == pair) {
            r = cf_error_set(reterr, CF_EINVAL, NULL,
                             "The form body is malformed: every field must be name=value, "
                             "joined by '&', and field %zu is %s.",
                             f.n + 1,
                             n == 0 ? "empty"
                             : !eq  ? "without '='"
                                    : "without a name");
            break;
        }
        if (f.n == FORM_MAX_FIELDS) {
            r = cf_error_set(reterr, CF_EINVAL, NULL, "The form has more than %d fields.",
                             FORM_MAX_FIELDS);
            break;
        }
        size_t name_len = (size_t)(eq - pair);
        long dn = decode(pair, name_len, out);
        if (dn < 0 || !utf8_valid(out, (size_t)dn)) {
            r = cf_error_set(reterr, CF_EINVAL, NULL,
                             "The form field %zu has a malformed name: a %% must be followed by "
                             "two hex digits, and text must be UTF-8 without NUL.",
                             f.n + 1);
            break;
        }
        const char *name = out;
        out += dn + 1;
        long dv = decode(eq + 1, n - name_len - 1, out);
        if (dv < 0 || !utf8_valid(out, (size_t)dv)) {
            units_quote(name, q, sizeof(q));
            r = cf_error_set(reterr, CF_EINVAL, q,
                             "The form field \"%s\" has a malformed value: a %% must be followed "
                             "by two hex digits, and text must be UTF-8 without NUL.",
                             q);
            break;
        }
        if (form_get(&f, name)) {
            units_quote(name, q, sizeof(q));
            r = cf_error_set(reterr, CF_EINVAL, q, "The form field \"%s\" is given twice.", q);
            break;
        }
        f.fields[f.n++] = (struct form_field){name, out};
        out += dv + 1;
    }
    if (r != 0) {
        form_free(&f);
        return r;
    }
    *ret = f;
    return 0;
}

void form_free(struct form *f)
{
    if (!f)
        return;
    free(f->buf);
    f->buf = NULL;
    f->n = 0;
}
