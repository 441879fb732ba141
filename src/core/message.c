/*
 * message.c - the wording table and the template formatter (see message.h).
 */
#include "computefit/message.h"

#include "computefit/numfmt.h"
#include "computefit/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *template;
} messages[MSG_COUNT] = {
#define CF_MSG_ROW(code, name, template) [code] = {name, template},
    CF_MESSAGES(CF_MSG_ROW)
#undef CF_MSG_ROW
};

bool msg_is_warning(enum msg_code code)
{
    return code >= W_PINNED_MEMORY && code <= W_PLAN_OPERATIONS;
}

const char *msg_code_name(enum msg_code code)
{
    return (unsigned)code < MSG_COUNT ? messages[code].name : "";
}

const char *msg_template(enum msg_code code)
{
    return (unsigned)code < MSG_COUNT ? messages[code].template : "";
}

struct message msg_make(enum msg_code code, const char *kinds, ...)
{
    struct message m = {.code = code};
    va_list ap;
    va_start(ap, kinds);
    for (const char *k = kinds; *k; k++) {
        if (m.n_args == MSG_ARGS_MAX)
            abort(); /* a template with more arguments than a message holds: a bug */
        struct msg_arg *a = &m.args[m.n_args++];
        switch (*k) {
        case 'n':
            a->kind = MSG_ARG_NUM;
            a->num = va_arg(ap, double);
            break;
        case 's':
            a->kind = MSG_ARG_STR;
            a->str = va_arg(ap, const char *);
            if (!a->str)
                a->str = "";
            break;
        case 'm':
            a->kind = MSG_ARG_MSG;
            a->msg = va_arg(ap, const struct message *);
            break;
        default:
            abort();
        }
    }
    va_end(ap);
    return m;
}

/* The output cursor: text goes into buf[0..cap-1) and is always NUL-terminated; once it is full
 * the rest is dropped, and the cut is moved back to a character boundary at the end. */
struct out {
    char *buf;
    size_t cap, len;
    bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full)
        return;
    size_t room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        o->full = true;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

/* Drops a UTF-8 sequence cut short at the end of a full buffer. */
static void trim_cut(struct out *o)
{
    o->len = utf8_cut(o->buf, o->len);
    o->buf[o->len] = '\0';
}

/* Whether `spec` (n bytes) is a conversion for a double: 'g' or 'f', optionally after a
 * precision of one or two digits ('.3g', '.2f'). */
static bool spec_ok(const char *spec, size_t n)
{
    if (n == 0 || n > 4 || (spec[n - 1] != 'g' && spec[n - 1] != 'f'))
        return false;
    if (n == 1)
        return true;
    if (spec[0] != '.' || n == 2)
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (spec[i] < '0' || spec[i] > '9')
            return false;
    return true;
}

static void format_into(const struct message *m, struct out *o, int depth);

/* A number as printf's %g, or as the conversion `spec` (n bytes, checked by spec_ok). */
static void put_number(struct out *o, double v, const char *spec, size_t n)
{
    char text[NUMFMT_MAX];
    int precision = 6; /* %g's default */
    char conv = 'g';
    if (n) {
        conv = spec[n - 1];
        if (n >= 3) {
            precision = 0;
            for (size_t i = 1; i + 1 < n; i++)
                precision = precision * 10 + (spec[i] - '0');
        }
    }
    size_t k = conv == 'f' ? numfmt_f(v, precision, text) : numfmt_g(v, precision, text);
    put(o, text, k);
}

/* One placeholder, the text between '{' and '}' (n bytes). */
static void placeholder(const struct message *m, const char *p, size_t n, struct out *o, int depth)
{
    if (n == 0 || p[0] < '0' || p[0] > '9')
        return;
    unsigned i = (unsigned)(p[0] - '0');
    const struct msg_arg *a = i < m->n_args ? &m->args[i] : NULL;
    if (n >= 2 && p[1] == '?') {
        const char *bar = memchr(p + 2, '|', n - 2);
        if (!bar)
            return;
        bool yes = a && a->kind == MSG_ARG_NUM && a->num != 0;
        if (yes)
            put(o, p + 2, (size_t)(bar - (p + 2)));
        else
            put(o, bar + 1, (size_t)(p + n - (bar + 1)));
        return;
    }
    if (!a)
        return;
    const char *spec = n >= 2 && p[1] == ':' ? p + 2 : NULL;
    size_t spec_n = spec ? n - 2 : 0;
    switch (a->kind) {
    case MSG_ARG_NUM:
        put_number(o, a->num, spec, spec && spec_ok(spec, spec_n) ? spec_n : 0);
        break;
    case MSG_ARG_STR:
        put(o, a->str, strlen(a->str));
        break;
    case MSG_ARG_MSG:
        if (a->msg && depth < 4)
            format_into(a->msg, o, depth + 1);
        break;
    }
}

static void format_into(const struct message *m, struct out *o, int depth)
{
    const char *t = msg_template(m->code);
    while (*t && !o->full) {
        const char *open = strchr(t, '{');
        if (!open) {
            put(o, t, strlen(t));
            break;
        }
        put(o, t, (size_t)(open - t));
        const char *close = strchr(open, '}');
        if (!close)
            break;
        placeholder(m, open + 1, (size_t)(close - open - 1), o, depth);
        t = close + 1;
    }
}

void msg_append(const struct message *m, char *buf, size_t cap, size_t *len)
{
    if (cap == 0 || *len >= cap)
        return;
    struct out o = {buf, cap, *len, false};
    buf[o.len] = '\0';
    format_into(m, &o, 0);
    if (o.full)
        trim_cut(&o);
    *len = o.len;
}

size_t msg_format(const struct message *m, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    msg_append(m, buf, cap, &len);
    return len;
}

bool msg_template_ok(const char *t, char *why, size_t why_cap)
{
    for (const char *p = t; *p; p++) {
        if (*p == '}') {
            snprintf(why, why_cap, "a '}' without its '{' at offset %zu", (size_t)(p - t));
            return false;
        }
        if (*p != '{')
            continue;
        const char *close = strchr(p, '}');
        const char *nested = strchr(p + 1, '{');
        if (!close || (nested && nested < close)) {
            snprintf(why, why_cap, "an unclosed '{' at offset %zu", (size_t)(p - t));
            return false;
        }
        size_t n = (size_t)(close - p - 1);
        const char *b = p + 1;
        bool ok = n >= 1 && b[0] >= '0' && b[0] < '0' + MSG_ARGS_MAX &&
                  (n == 1 || (b[1] == ':' && spec_ok(b + 2, n - 2)) ||
                   (b[1] == '?' && memchr(b + 2, '|', n - 2) != NULL));
        if (!ok) {
            snprintf(why, why_cap, "a placeholder \"{%.*s}\" that is not {N}, {N:FMT} or {N?a|b}",
                     (int)n, b);
            return false;
        }
        p = close;
    }
    return true;
}
