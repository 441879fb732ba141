/*
 * dynbuf.c - a growing, capped text buffer.
 */
#include "computefit/dynbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dynbuf_init(struct dynbuf *d, size_t max)
{
    memset(d, 0, sizeof(*d));
    d->max = max;
}

bool dynbuf_ok(const struct dynbuf *d)
{
    return !d->oom && !d->too_big;
}

/* Makes room for `extra` more bytes of text and the NUL. */
static bool reserve(struct dynbuf *d, size_t extra)
{
    if (!dynbuf_ok(d))
        return false;
    if (extra > d->max || d->len > d->max - extra) {
        d->too_big = true;
        return false;
    }
    size_t need = d->len + extra + 1;
    if (need <= d->alloc)
        return true;
    size_t alloc = d->alloc ? d->alloc : 256;
    while (alloc < need)
        alloc *= 2;
    char *grown = realloc(d->buf, alloc);
    if (!grown) {
        d->oom = true;
        return false;
    }
    d->buf = grown;
    d->alloc = alloc;
    return true;
}

bool dynbuf_reserve(struct dynbuf *d, size_t n)
{
    return reserve(d, n);
}

bool dynbuf_addn_slow(struct dynbuf *d, const char *s, size_t n)
{
    if (!reserve(d, n))
        return false;
    memcpy(d->buf + d->len, s, n);
    d->len += n;
    d->buf[d->len] = '\0';
    return true;
}

bool dynbuf_printf(struct dynbuf *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        d->oom = true; /* an encoding error: treat as a failed append */
        return false;
    }
    if (!reserve(d, (size_t)n))
        return false;
    va_start(ap, fmt);
    vsnprintf(d->buf + d->len, d->alloc - d->len, fmt, ap);
    va_end(ap);
    d->len += (size_t)n;
    return true;
}

char *dynbuf_take(struct dynbuf *d, size_t *ret_len)
{
    if (!dynbuf_ok(d) || (!d->buf && !reserve(d, 0))) {
        dynbuf_free(d);
        return NULL;
    }
    d->buf[d->len] = '\0'; /* an empty buffer has never been written */
    char *text = d->buf;
    if (ret_len)
        *ret_len = d->len;
    size_t max = d->max;
    dynbuf_init(d, max);
    return text;
}

void dynbuf_free(struct dynbuf *d)
{
    free(d->buf);
    size_t max = d->max;
    dynbuf_init(d, max);
}
