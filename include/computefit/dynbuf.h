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
bool dynbuf_addn(struct dynbuf *d, const char *s, size_t n);

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
