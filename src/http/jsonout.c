/*
 * jsonout.c - json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(15)), byte for byte, without its
 * per-container and per-string bookkeeping (see computefit/jsonout.h). tests/test_jsonout.c
 * compares the two on documents built to reach every branch.
 */
#include "computefit/jsonout.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "computefit/dynbuf.h"

#define JSONOUT_MAX_DEPTH 2048 /* jansson's own parser limit; deeper is treated as a cycle */

/* Whether s[0..n) is UTF-8 as jansson accepts it: no overlong forms, no surrogates, nothing
 * above U+10FFFF. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static bool put_string(struct dynbuf *d, const char *str, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    bool high = false;
    dynbuf_addn(d, "\"", 1);
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            high = true;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        dynbuf_addn(d, str + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        dynbuf_addn(d, esc, len);
    }
    if (high && !utf8_ok(s, n))
        return false;
    dynbuf_addn(d, str + run, n - run);
    return dynbuf_addn(d, "\"", 1);
}

__extension__ typedef unsigned __int128 u128;

/* round(m * 2^e2 * 10^k) for 0 <= k <= 27, exactly, ties to even (as glibc's printf rounds). */
static uint64_t scaled_round(uint64_t m, int e2, int k)
{
    u128 n = m;
    for (int i = 0; i < k; i++)
        n *= 5; /* m < 2^53 and 5^27 < 2^63: no overflow */
    int s = e2 + k;
    if (s >= 0)
        return s < 16 ? (uint64_t)(n << s) : UINT64_MAX; /* UINT64_MAX: out of range */
    int sh = -s;
    if (sh >= 120)
        return 0;
    u128 q = n >> sh, r = n & (((u128)1 << sh) - 1), half = (u128)1 << (sh - 1);
    if (r > half || (r == half && (q & 1)))
        q++;
    return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

/* "%.15g" of v > 0 after jansson's edits, computed from exact integers when v's 15 significant
 * digits are those of round(v * 10^k) for some 0 <= k <= 27 (about 1e-13 <= v < 1e15, where
 * every price, cost and quantity falls); returns 0 elsewhere, for snprintf to handle. */
static size_t real_fast(double v, char out[48])
{
    static const uint64_t lo = 100000000000000ULL, hi = 1000000000000000ULL; /* 1e14, 1e15 */
    int ex;
    double f = frexp(v, &ex);
    uint64_t m = (uint64_t)ldexp(f, 53);
    int e2 = ex - 53;
    int k = 14 - (int)floor(log10(v));
    uint64_t dig = 0;
    for (int tries = 0; tries < 3; tries++) {
        if (k < 0 || k > 27)
            return 0;
        dig = scaled_round(m, e2, k);
        if (dig >= hi)
            k--;
        else if (dig < lo)
            k++;
        else
            break;
    }
    if (dig < lo || dig >= hi)
        return 0;
    char digits[16];
    for (int i = 14; i >= 0; i--) {
        digits[i] = (char)('0' + dig % 10);
        dig /= 10;
    }
    int nd = 15; /* significant digits left once trailing zeros go */
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int x = 14 - k; /* the decimal exponent of the first digit */
    size_t len = 0;
    if (x < -4) { /* exponential: d[.ddd]e-X */
        out[len++] = digits[0];
        if (nd > 1) {
            out[len++] = '.';
            memcpy(out + len, digits + 1, (size_t)nd - 1);
            len += (size_t)nd - 1;
        }
        len += (size_t)snprintf(out + len, 48 - len, "e-%d", -x);
    } else if (x < 0) { /* 0.000ddd */
        memcpy(out, "0.", 2);
        len = 2;
        for (int i = 0; i < -x - 1; i++)
            out[len++] = '0';
        memcpy(out + len, digits, (size_t)nd);
        len += (size_t)nd;
    } else { /* ddd[.ddd], and ".0" when integral (jansson's addition) */
        memcpy(out, digits, (size_t)x + 1);
        len = (size_t)x + 1;
        out[len++] = '.';
        if (nd > x + 1) {
            memcpy(out + len, digits + x + 1, (size_t)(nd - x - 1));
            len += (size_t)(nd - x - 1);
        } else {
            out[len++] = '0';
        }
    }
    out[len] = '\0';
    return len;
}

/* jansson's jsonp_dtostr() in the C locale, which computefit never leaves: real_fast() where it
 * applies, else snprintf. */
static bool put_real(struct dynbuf *d, double v)
{
    char fast[49];
    if (v != 0 && isfinite(v)) {
        size_t n = real_fast(fabs(v), fast + 1);
        if (n) {
            fast[0] = '-';
            return v < 0 ? dynbuf_addn(d, fast, n + 1) : dynbuf_addn(d, fast + 1, n);
        }
    }
    char b[64];
    int n = snprintf(b, sizeof(b), "%.15g", v);
    if (n < 0 || (size_t)n + 3 >= sizeof(b))
        return false;
    size_t len = (size_t)n;
    if (!strchr(b, '.') && !strchr(b, 'e')) {
        b[len++] = '.'; /* so that it reads back as a real */
        b[len++] = '0';
        b[len] = '\0';
    }
    char *e = strchr(b, 'e');
    if (e) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - b) + 1);
            len -= (size_t)(end - start);
        }
    }
    return dynbuf_addn(d, b, len);
}

static bool put(struct dynbuf *d, json_t *v, int depth)
{
    char num[32];
    if (depth > JSONOUT_MAX_DEPTH)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        dynbuf_addn(d, "{", 1);
        bool first = true;
        for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
            if (!first)
                dynbuf_addn(d, ",", 1);
            first = false;
            if (!put_string(d, json_object_iter_key(it), json_object_iter_key_len(it)))
                return false;
            dynbuf_addn(d, ":", 1);
            if (!put(d, json_object_iter_value(it), depth + 1))
                return false;
        }
        return dynbuf_addn(d, "}", 1);
    }
    case JSON_ARRAY: {
        dynbuf_addn(d, "[", 1);
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i)
                dynbuf_addn(d, ",", 1);
            if (!put(d, json_array_get(v, i), depth + 1))
                return false;
        }
        return dynbuf_addn(d, "]", 1);
    }
    case JSON_STRING:
        return put_string(d, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: {
        int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return n > 0 && dynbuf_addn(d, num, (size_t)n);
    }
    case JSON_REAL:
        return put_real(d, json_real_value(v));
    case JSON_TRUE:
        return dynbuf_addn(d, "true", 4);
    case JSON_FALSE:
        return dynbuf_addn(d, "false", 5);
    case JSON_NULL:
        return dynbuf_addn(d, "null", 4);
    }
    return false;
}

char *jsonout_dumps(json_t *doc, size_t *ret_len)
{
    if (!json_is_object(doc) && !json_is_array(doc))
        return NULL; /* json_dumps without JSON_ENCODE_ANY */
    struct dynbuf d;
    dynbuf_init(&d, SIZE_MAX - 1);
    if (!put(&d, doc, 0) || !dynbuf_ok(&d)) {
        dynbuf_free(&d);
        return NULL;
    }
    return dynbuf_take(&d, ret_len);
}
