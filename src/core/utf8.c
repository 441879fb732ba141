/*
 * utf8.c - decoding, validating, cutting and repairing UTF-8 text (see utf8.h).
 */
#include "computefit/utf8.h"

size_t utf8_decode(const char *s, size_t n, uint32_t *ret_cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len;
    uint32_t cp;
    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        len = 1;
        cp = u[0];
    } else if (u[0] >= 0xC2 && u[0] <= 0xDF) { /* 0xC0 and 0xC1 can only be overlong */
        len = 2;
        cp = u[0] & 0x1Fu;
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        len = 3;
        cp = u[0] & 0x0Fu;
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) { /* 0xF5 and above start no code point */
        len = 4;
        cp = u[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (u[i] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (ret_cp)
        *ret_cp = cp;
    return len;
}

bool utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = utf8_decode(s + i, n - i, NULL);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

size_t utf8_cut(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = n;
    while (i > 0 && (u[i - 1] & 0xC0) == 0x80)
        i--; /* continuation bytes */
    if (i == 0)
        return n; /* no lead byte: nothing that a cut could have split */
    unsigned char lead = u[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return n - (i - 1) < want ? i - 1 : n;
}

size_t utf8_sanitize(char *s)
{
    size_t replaced = 0, n = 0;
    while (s[n])
        n++;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_decode(s + i, n - i, NULL);
        if (len == 0) {
            s[i++] = '?';
            replaced++;
        } else {
            i += len;
        }
    }
    return replaced;
}
