/*
 * dynbuf.h - a growing text buffer with a size cap (after curl's dynbuf).
 *
 * The buffer owns its memory. Once an append fails (out of memory, or past `max`) the buffer
 * stays failed and every later append does nothing, so a renderer appends freely and checks
 * once at the end. The text is always NUL-terminated while the buffer is good.
 */
#ifndef COMPUTEFIT_DYNBUF_H
#define COMPUTEFIT_DYNBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct dynbuf {
    char *buf;    /* owned; NULL until the first append */
    size_t len;   /* bytes of text, not counting the NUL */
    size_t alloc; /* bytes allocated */
    size_t max;   /* the most text it may hold */
    bool oom;     /* an allocation failed */
    bool too_big; /* an append would have passed `max` */
};

/* Starts an empty buffer that may hold up to `max` bytes of text. Never fails. */
void dynbuf_init(struct dynbuf *d, size_t max);

/* Appends `n` bytes; returns false (and marks the buffer failed) on failure. */
bool dynbuf_addn_slow(struct dynbuf *d, const char *s, size_t n);

/* The common case inline: renderers append many short pieces into a buffer that has room. */
static inline bool dynbuf_addn(struct dynbuf *d, const char *s, size_t n)
{
    if (!d->oom && !d->too_big && d->alloc - d->len > n && n <= d->max - d->len) {
        memcpy(d->buf + d->len, s, n);
        d->len += n;
        d->buf[d->len] = '\0';
        return true;
    }
    return dynbuf_addn_slow(d, s, n);
}

/* Returns where `n` more bytes of text may be written (then dynbuf_commit() them), or NULL
 * (and the buffer is failed) when there is no room. For writers that format in place. */
static inline char *dynbuf_room(struct dynbuf *d, size_t n);

/* Makes room for `n` more bytes of text without appending; returns false (and marks the buffer
 * failed) on failure. A renderer that knows its usual size reserves it once. */
bool dynbuf_reserve(struct dynbuf *d, size_t n);

static inline char *dynbuf_room(struct dynbuf *d, size_t n)
{
    if (!(!d->oom && !d->too_big && d->alloc - d->len > n && n <= d->max - d->len) &&
        !dynbuf_reserve(d, n))
        return NULL;
    return d->buf + d->len;
}

/* Takes `n` bytes written at dynbuf_room() into the text. */
static inline void dynbuf_commit(struct dynbuf *d, size_t n)
{
    d->len += n;
    d->buf[d->len] = '\0';
}

/* Appends printf-formatted text; returns false (and marks the buffer failed) on failure. */
bool dynbuf_printf(struct dynbuf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns whether every append so far succeeded. */
bool dynbuf_ok(const struct dynbuf *d);

/* Hands the text over: returns it (a new malloc()ed NUL-terminated string the caller free()s;
 * "" for an empty buffer) and sets *ret_len when ret_len is not NULL, or returns NULL when an
 * append failed or memory ran out. Either way the buffer is empty afterwards. */
char *dynbuf_take(struct dynbuf *d, size_t *ret_len);

/* Frees the text and empties the buffer. */
void dynbuf_free(struct dynbuf *d);

#endif
