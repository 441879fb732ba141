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
#include "computefit/numfmt.h"
#include "computefit/utf8.h"

#define JSONOUT_MAX_DEPTH 2048 /* jansson's own parser limit; deeper is treated as a cycle */

/* Bytes a JSON string cannot carry as they are: control characters, '"' and '\\' (1), and the
 * bytes of multi-byte UTF-8 sequences (2), which are copied once the whole string is checked. */
static const unsigned char special[256] = {
    [0x00] = 1,   [0x01] = 1,   [0x02] = 1,   [0x03] = 1,   [0x04] = 1,   [0x05] = 1,
    [0x06] = 1,   [0x07] = 1,   [0x08] = 1,   [0x09] = 1,   [0x0a] = 1,   [0x0b] = 1,
    [0x0c] = 1,   [0x0d] = 1,   [0x0e] = 1,   [0x0f] = 1,   [0x10] = 1,   [0x11] = 1,
    [0x12] = 1,   [0x13] = 1,   [0x14] = 1,   [0x15] = 1,   [0x16] = 1,   [0x17] = 1,
    [0x18] = 1,   [0x19] = 1,   [0x1a] = 1,   [0x1b] = 1,   [0x1c] = 1,   [0x1d] = 1,
    [0x1e] = 1,   [0x1f] = 1,   ['"'] = 1,    ['\\'] = 1,
#define HIGH16(b)                                                                                  \
    [b + 0] = 2, [b + 1] = 2, [b + 2] = 2, [b + 3] = 2, [b + 4] = 2, [b + 5] = 2, [b + 6] = 2,     \
         [b + 7] = 2, [b + 8] = 2, [b + 9] = 2, [b + 10] = 2, [b + 11] = 2, [b + 12] = 2,          \
         [b + 13] = 2, [b + 14] = 2, [b + 15] = 2
    HIGH16(0x80), HIGH16(0x90), HIGH16(0xa0), HIGH16(0xb0), HIGH16(0xc0), HIGH16(0xd0),
    HIGH16(0xe0), HIGH16(0xf0),
#undef HIGH16
};

/* Whether any of the 8 bytes in x is a control character, '"', '\\' or >= 0x80: a whole word
 * of plain text is skipped at once (the classic "has a zero byte" test on shifted copies). */
static bool word_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t below_space = (x - ones * 0x20) & ~x;
    uint64_t zero_q = (quote - ones) & ~quote, zero_b = (backslash - ones) & ~backslash;
    return ((x | below_space | zero_q | zero_b) & highs) != 0;
}

static bool put_string(struct dynbuf *d, const char *str, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    bool high = false;
    size_t i = 0;
    bool plain = true;
    while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (word_special(x)) {
            plain = false;
            break;
        }
        i += 8;
    }
    if (plain && i < n) { /* the tail: the last 8 bytes again, or byte by byte when shorter */
        if (n >= 8) {
            uint64_t x;
            memcpy(&x, s + n - 8, 8);
            plain = !word_special(x);
        } else {
            for (size_t k = i; k < n && plain; k++)
                plain = !special[s[k]];
        }
    }
    char *p = plain ? dynbuf_room(d, n + 2) : NULL;
    if (p) { /* plain text: one copy */
        p[0] = '"';
        memcpy(p + 1, str, n);
        p[n + 1] = '"';
        dynbuf_commit(d, n + 2);
        return true;
    }
    dynbuf_addn(d, "\"", 1);
    size_t run = 0; /* start of the bytes not yet copied */
    for (; i < n; i++) {
        unsigned char c = s[i];
        if (!special[c])
            continue;
        if (special[c] == 2) {
            high = true;
            continue;
        }
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
    if (high && !utf8_valid(str, n))
        return false;
    dynbuf_addn(d, str + run, n - run);
    return dynbuf_addn(d, "\"", 1);
}

/* jansson's jsonp_dtostr() in the C locale, which computefit never leaves: real_fast() where it
 * applies, else snprintf. */
static bool put_real(struct dynbuf *d, double v)
{
    char b[NUMFMT_MAX + 2];
    if (fabs(v) < 1e15 && v == (double)(int64_t)v && (v != 0 || !signbit(v))) {
        /* An integer below 10^15: "%.15g" prints its digits, and jansson adds ".0". */
        int64_t i = (int64_t)v;
        uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
        char *p = b + sizeof(b);
        *--p = '0';
        *--p = '.';
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (i < 0)
            *--p = '-';
        return dynbuf_addn(d, p, (size_t)(b + sizeof(b) - p));
    }
    size_t len = numfmt_g(v, 15, b);
    char *e = memchr(b, 'e', len);
    if (!e && !memchr(b, '.', len)) {
        b[len++] = '.'; /* so that it reads back as a real */
        b[len++] = '0';
    }
    if (e) { /* jansson's edit, verbatim: "1e+20" -> "1e20", "2e-07" -> "2e-7" */
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

/* ---- the streaming writer ---- */

void jsonw_init(struct jsonw *w, struct dynbuf *d)
{
    memset(w, 0, sizeof(*w));
    w->d = d;
    w->first[0] = true;
}

bool jsonw_ok(const struct jsonw *w)
{
    return !w->bad && w->depth == 0 && dynbuf_ok(w->d);
}

/* The comma before a value or a key, unless it is the first of its container or the value of
 * a key just written. */

static void open_container(struct jsonw *w, const char *c)
{
    jsonw_sep_(w);
    if (w->depth == JSONW_MAX_DEPTH) {
        w->bad = true;
        return;
    }
    dynbuf_addn(w->d, c, 1);
    w->first[++w->depth] = true;
}

static void close_container(struct jsonw *w, const char *c)
{
    if (w->depth == 0) {
        w->bad = true;
        return;
    }
    w->depth--;
    dynbuf_addn(w->d, c, 1);
}

void jsonw_object(struct jsonw *w)
{
    open_container(w, "{");
}

void jsonw_object_end(struct jsonw *w)
{
    close_container(w, "}");
}

void jsonw_array(struct jsonw *w)
{
    open_container(w, "[");
}

void jsonw_array_end(struct jsonw *w)
{
    close_container(w, "]");
}

void jsonw_raw(struct jsonw *w, const char *text, size_t len)
{
    if (!w->first[w->depth])
        dynbuf_addn(w->d, ",", 1);
    w->first[w->depth] = false;
    dynbuf_addn(w->d, text, len);
}

void jsonw_num(struct jsonw *w, double v)
{
    jsonw_sep_(w);
    if (!isfinite(v)) {
        dynbuf_addn(w->d, "null", 4);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    struct jsonw_memo *m = &w->memo[(bits ^ (bits >> 29) ^ (bits >> 47)) % JSONW_MEMO];
    if (bits && m->bits == bits) {
        dynbuf_addn(w->d, m->text, m->len);
        return;
    }
    size_t start = w->d->len;
    if (!put_real(w->d, v)) {
        w->bad = true;
        return;
    }
    size_t len = w->d->len - start;
    if (bits && dynbuf_ok(w->d) && len <= sizeof(m->text)) {
        m->bits = bits;
        m->len = (uint8_t)len;
        memcpy(m->text, w->d->buf + start, len);
    }
}

void jsonw_int(struct jsonw *w, long long v)
{
    char num[24];
    size_t i = sizeof(num);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    jsonw_sep_(w);
    do {
        num[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        num[--i] = '-';
    dynbuf_addn(w->d, num + i, sizeof(num) - i);
}

void jsonw_str(struct jsonw *w, const char *s)
{
    jsonw_sep_(w);
    if (!s)
        dynbuf_addn(w->d, "null", 4);
    else if (!put_string(w->d, s, strlen(s)))
        w->bad = true;
}

void jsonw_bool(struct jsonw *w, bool b)
{
    jsonw_sep_(w);
    dynbuf_addn(w->d, b ? "true" : "false", b ? 4 : 5);
}

void jsonw_null(struct jsonw *w)
{
    jsonw_sep_(w);
    dynbuf_addn(w->d, "null", 4);
}
