/*
 * utf8.h - the one set of UTF-8 rules for text that crosses a boundary: upstream text quoted in
 * an error, user text echoed in an answer, a label drawn in a chart, a string serialised as
 * JSON.
 *
 * "Well-formed" is what jansson accepts (RFC 3629): no stray continuation byte, no sequence cut
 * short, no overlong form, no UTF-16 surrogate, nothing above U+10FFFF. json_string() refuses
 * the whole text for one bad byte, so text from outside goes through utf8_sanitize() or
 * utf8_cut() before it becomes a JSON string. Pure functions: no allocation, no locale.
 */
#ifndef COMPUTEFIT_UTF8_H
#define COMPUTEFIT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence that starts s[0..n) (n >= 1): sets *ret_cp (may be NULL) and returns its
 * length, 1 to 4, or returns 0 when it is not well-formed (see above), including a sequence
 * whose continuation bytes lie beyond n. A NUL byte is U+0000, of length 1. */
size_t utf8_decode(const char *s, size_t n, uint32_t *ret_cp);

/* Returns whether all of s[0..n) is well-formed UTF-8, as jansson requires of a string. */
bool utf8_valid(const char *s, size_t n);

/* Returns the length of s[0..n) without a trailing sequence cut short: text cut at a byte cap
 * (snprintf() into a full buffer, a field limit) may end inside a sequence, and its lead byte
 * and the continuation bytes that made it there are dropped. To cut a longer text at a cap,
 * pass the cap as n. Only the end is looked at: earlier bytes are not checked. */
size_t utf8_cut(const char *s, size_t n);

/* Replaces, in the NUL-terminated `s`, every byte that does not begin a well-formed sequence
 * with '?', so that the text keeps its length and its valid characters and jansson accepts it.
 * Returns how many bytes were replaced. */
size_t utf8_sanitize(char *s);

/* Returns whether byte `c` is an ASCII control character (C0 or DEL): what would break a line
 * of text or of a log, and what one-line text such as a task name must not hold. */
static inline bool utf8_is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

#endif
