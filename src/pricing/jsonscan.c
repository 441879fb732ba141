/*
 * jsonscan.c - an incremental, validating JSON scanner (see computefit/jsonscan.h).
 *
 * One byte at a time, a state machine checks the RFC 8259 grammar. Its whole memory is a stack
 * of open containers (one byte and one offset per level, bounded by max_depth), the member name
 * being read (bounded by max_key_bytes) and, while the handler asked for one, the bytes of one
 * captured value (bounded by max_capture_bytes). Nothing else grows with the input, so the
 * scanner can be fed any stream, including random bytes from a fuzzer, in chunks of any size.
 *
 * A value's end is known at its last byte, except for a number, whose end is known only at the
 * byte after it; that byte is handled first as the number's terminator and then on its own.
 */
#include "computefit/jsonscan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum scan_state {
    ST_VALUE,     /* a value must come (after '[' a ']' may come instead: arr_first) */
    ST_OBJ_FIRST, /* after '{': a member name or '}' */
    ST_OBJ_KEY,   /* after ',' in an object: a member name */
    ST_COLON,     /* after a member name */
    ST_AFTER,     /* after a value inside a container: ',' or the closing bracket */
    ST_DONE,      /* after the root value: only whitespace */
    ST_STRING,    /* inside a string */
    ST_ESC,       /* after a backslash */
    ST_UHEX,      /* inside \uXXXX */
    ST_LOW_BS,    /* after a high surrogate: its low surrogate's backslash must come */
    ST_LOW_U,     /* ... and then its 'u' */
    ST_NUM_MINUS, /* number states, named after what was just read */
    ST_NUM_ZERO,
    ST_NUM_INT,
    ST_NUM_DOT,
    ST_NUM_FRAC,
    ST_NUM_E,
    ST_NUM_ESIGN,
    ST_NUM_EXP,
    ST_LITERAL, /* inside true, false or null */
};

struct jsonscan {
    struct jsonscan_limits lim;
    const struct jsonscan_handler *h;
    void *ud;

    unsigned char *stack; /* '{' or '[' per open container */
    uint64_t *opened_at;  /* offset of each open container's first byte */
    size_t depth;         /* open containers */

    enum scan_state state;
    bool arr_first;  /* ST_VALUE right after '[' */
    bool root_begun; /* a root value has started */
    uint64_t offset; /* bytes scanned */

    /* The string being read. */
    bool in_key;
    unsigned utf8_need; /* continuation bytes still due */
    unsigned char utf8_lo, utf8_hi;
    unsigned hex_n;
    uint32_t hex_val;
    uint32_t high; /* pending high surrogate, or 0 */

    /* The literal being read. */
    const char *lit;
    size_t lit_pos;
    enum jsonscan_type lit_type;

    /* The scalar being read (string, number, literal). */
    uint64_t scalar_at;

    /* The member name that the next value belongs to. */
    char *key;
    size_t key_len;
    bool key_truncated;

    /* Quiet mode: the value at quiet_depth is captured or skipped; nothing inside is reported. */
    bool quiet;
    bool capturing;
    size_t quiet_depth;
    char *cap;
    size_t cap_len, cap_size;

    int err;
    struct cf_error errd;
};

void jsonscan_limits_default(struct jsonscan_limits *lim)
{
    lim->max_depth = 64;
    lim->max_key_bytes = 256;
    lim->max_capture_bytes = 1024 * 1024;
}

struct jsonscan *jsonscan_new(const struct jsonscan_limits *lim, const struct jsonscan_handler *h,
                              void *ud)
{
    struct jsonscan_limits def;
    if (!lim) {
        jsonscan_limits_default(&def);
        lim = &def;
    }
    if (!lim->max_depth || !lim->max_key_bytes || !lim->max_capture_bytes ||
        lim->max_depth > SIZE_MAX / sizeof(uint64_t) || lim->max_key_bytes == SIZE_MAX)
        return NULL;
    struct jsonscan *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->lim = *lim;
    s->h = h;
    s->ud = ud;
    s->stack = malloc(lim->max_depth);
    s->opened_at = malloc(lim->max_depth * sizeof(uint64_t));
    s->key = malloc(lim->max_key_bytes + 1);
    if (!s->stack || !s->opened_at || !s->key) {
        jsonscan_free(s);
        return NULL;
    }
    s->key[0] = '\0';
    s->state = ST_VALUE;
    return s;
}

void jsonscan_free(struct jsonscan *s)
{
    if (!s)
        return;
    free(s->stack);
    free(s->opened_at);
    free(s->key);
    free(s->cap);
    free(s);
}

uint64_t jsonscan_offset(const struct jsonscan *s)
{
    return s->offset;
}

size_t jsonscan_memory(const struct jsonscan *s)
{
    return sizeof(*s) + s->lim.max_depth * (1 + sizeof(uint64_t)) + s->lim.max_key_bytes + 1 +
           s->cap_size;
}

__attribute__((format(printf, 3, 4))) static int fail(struct jsonscan *s, int code, const char *fmt,
                                                      ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->err = code;
    return cf_error_set(&s->errd, code, NULL, "%s (at byte %llu)", msg,
                        (unsigned long long)s->offset);
}

/* Records an error a handler returned, with a message of our own if it gave none. */
static int handler_failed(struct jsonscan *s, int r)
{
    if (s->errd.code != r || !s->errd.message[0])
        cf_error_set(&s->errd, r, NULL, "the JSON handler stopped the scan at byte %llu",
                     (unsigned long long)s->offset);
    s->err = r;
    return r;
}

static int capture_byte(struct jsonscan *s, unsigned char c)
{
    if (s->cap_len == s->cap_size) {
        if (s->cap_size >= s->lim.max_capture_bytes)
            return fail(s, CF_ETOOBIG, "a value is larger than the %zu-byte limit",
                        s->lim.max_capture_bytes);
        size_t n = s->cap_size ? s->cap_size * 2 : 4096;
        if (n > s->lim.max_capture_bytes || n < s->cap_size)
            n = s->lim.max_capture_bytes;
        char *p = realloc(s->cap, n);
        if (!p)
            return fail(s, CF_ENOMEM, "out of memory capturing a value of %zu bytes", n);
        s->cap = p;
        s->cap_size = n;
    }
    s->cap[s->cap_len++] = (char)c;
    return 0;
}

static void key_byte(struct jsonscan *s, unsigned char c)
{
    if (s->key_len < s->lim.max_key_bytes)
        s->key[s->key_len++] = (char)c;
    else
        s->key_truncated = true;
}

static void key_codepoint(struct jsonscan *s, uint32_t cp)
{
    if (cp < 0x80) {
        key_byte(s, (unsigned char)cp);
    } else if (cp < 0x800) {
        key_byte(s, (unsigned char)(0xC0 | (cp >> 6)));
        key_byte(s, (unsigned char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        key_byte(s, (unsigned char)(0xE0 | (cp >> 12)));
        key_byte(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        key_byte(s, (unsigned char)(0x80 | (cp & 0x3F)));
    } else {
        key_byte(s, (unsigned char)(0xF0 | (cp >> 18)));
        key_byte(s, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
        key_byte(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        key_byte(s, (unsigned char)(0x80 | (cp & 0x3F)));
    }
}

/* The state to return to after a value at `depth` ended. */
static void after_value(struct jsonscan *s)
{
    s->state = s->depth ? ST_AFTER : ST_DONE;
}

/* A value of `type` starts with byte `c` at the current offset. */
static int value_begin(struct jsonscan *s, enum jsonscan_type type, unsigned char c)
{
    bool container = type == JSONSCAN_OBJECT || type == JSONSCAN_ARRAY;
    size_t depth = s->depth;
    bool in_object = depth && s->stack[depth - 1] == '{';

    s->root_begun = true;
    s->arr_first = false;
    if (container && depth >= s->lim.max_depth)
        return fail(s, CF_ETOOBIG, "JSON nested deeper than %zu levels", s->lim.max_depth);
    if (!s->quiet && s->h && s->h->begin) {
        struct jsonscan_event ev = {
            .depth = depth,
            .type = type,
            .key = in_object ? s->key : NULL,
            .key_len = in_object ? s->key_len : 0,
            .key_truncated = in_object && s->key_truncated,
            .offset = s->offset,
        };
        int r = s->h->begin(s->ud, &ev, &s->errd);
        if (r < 0)
            return handler_failed(s, r);
        if (r == JSONSCAN_CAPTURE || r == JSONSCAN_SKIP) {
            s->quiet = true;
            s->quiet_depth = depth;
            if (r == JSONSCAN_CAPTURE) {
                s->capturing = true;
                s->cap_len = 0;
                int e = capture_byte(s, c);
                if (e)
                    return e;
            }
        }
    }
    if (container) {
        s->stack[depth] = type == JSONSCAN_OBJECT ? '{' : '[';
        s->opened_at[depth] = s->offset;
        s->depth++;
    } else {
        s->scalar_at = s->offset;
    }
    return 0;
}

/* The value of `type` at `depth` that began at `at` has ended. */
static int value_end(struct jsonscan *s, enum jsonscan_type type, size_t depth, uint64_t at)
{
    bool mine = s->quiet && s->quiet_depth == depth;
    after_value(s);
    if (s->quiet && !mine)
        return 0;
    bool captured = mine && s->capturing;
    s->quiet = false;
    s->capturing = false;
    if (!s->h || !s->h->end)
        return 0;
    struct jsonscan_event ev = {
        .depth = depth,
        .type = type,
        .offset = at,
        .text = captured ? s->cap : NULL,
        .text_len = captured ? s->cap_len : 0,
    };
    int r = s->h->end(s->ud, &ev, &s->errd);
    if (r < 0)
        return handler_failed(s, r);
    return 0;
}

static int close_container(struct jsonscan *s, unsigned char c)
{
    unsigned char want = c == '}' ? '{' : '[';
    if (!s->depth || s->stack[s->depth - 1] != want)
        return fail(s, CF_EJSON, "'%c' does not close the innermost open '%c'", c,
                    s->depth ? s->stack[s->depth - 1] : '?');
    s->depth--;
    return value_end(s, c == '}' ? JSONSCAN_OBJECT : JSONSCAN_ARRAY, s->depth,
                     s->opened_at[s->depth]);
}

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int begin_string(struct jsonscan *s, bool key, unsigned char c)
{
    s->in_key = key;
    s->utf8_need = 0;
    s->high = 0;
    s->state = ST_STRING;
    if (key) {
        s->key_len = 0;
        s->key_truncated = false;
        return 0;
    }
    return value_begin(s, JSONSCAN_STRING, c);
}

static int string_byte(struct jsonscan *s, unsigned char c)
{
    bool keep = s->in_key && !s->quiet;
    if (s->utf8_need) {
        if (c < s->utf8_lo || c > s->utf8_hi)
            return fail(s, CF_EJSON, "invalid UTF-8 in a string");
        s->utf8_need--;
        s->utf8_lo = 0x80;
        s->utf8_hi = 0xBF;
        if (keep)
            key_byte(s, c);
        return 0;
    }
    if (c == '"') {
        if (s->in_key) {
            s->key[s->key_len] = '\0';
            s->state = ST_COLON;
            return 0;
        }
        return value_end(s, JSONSCAN_STRING, s->depth, s->scalar_at);
    }
    if (c == '\\') {
        s->state = ST_ESC;
        return 0;
    }
    if (c < 0x20)
        return fail(s, CF_EJSON, "control character 0x%02x inside a string", c);
    if (c >= 0x80) {
        s->utf8_lo = 0x80;
        s->utf8_hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            s->utf8_need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            s->utf8_need = 2;
            if (c == 0xE0)
                s->utf8_lo = 0xA0; /* no overlong forms */
            else if (c == 0xED)
                s->utf8_hi = 0x9F; /* no UTF-16 surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            s->utf8_need = 3;
            if (c == 0xF0)
                s->utf8_lo = 0x90;
            else if (c == 0xF4)
                s->utf8_hi = 0x8F; /* nothing above U+10FFFF */
        } else {
            return fail(s, CF_EJSON, "invalid UTF-8 in a string");
        }
    }
    if (keep)
        key_byte(s, c);
    return 0;
}

static int escape_byte(struct jsonscan *s, unsigned char c)
{
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    if (c == 'u') {
        s->hex_n = 0;
        s->hex_val = 0;
        s->state = ST_UHEX;
        return 0;
    }
    const char *p = c ? strchr(from, c) : NULL;
    if (!p)
        return fail(s, CF_EJSON, "invalid escape sequence in a string");
    if (s->in_key && !s->quiet)
        key_byte(s, (unsigned char)to[p - from]);
    s->state = ST_STRING;
    return 0;
}

static int uhex_byte(struct jsonscan *s, unsigned char c)
{
    int v = hex_value(c);
    if (v < 0)
        return fail(s, CF_EJSON, "invalid \\u escape in a string");
    s->hex_val = s->hex_val * 16 + (uint32_t)v;
    if (++s->hex_n < 4)
        return 0;
    uint32_t cp = s->hex_val;
    if (s->high) {
        if (cp < 0xDC00 || cp > 0xDFFF)
            return fail(s, CF_EJSON, "a UTF-16 high surrogate is not followed by a low one");
        cp = 0x10000 + ((s->high - 0xD800) << 10) + (cp - 0xDC00);
        s->high = 0;
    } else if (cp >= 0xD800 && cp <= 0xDBFF) {
        s->high = cp;
        s->state = ST_LOW_BS;
        return 0;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(s, CF_EJSON, "a UTF-16 low surrogate without a high one");
    }
    if (s->in_key && !s->quiet)
        key_codepoint(s, cp);
    s->state = ST_STRING;
    return 0;
}

/* Whether byte c continues the number being read. */
static bool number_continues(enum scan_state st, unsigned char c)
{
    switch (st) {
    case ST_NUM_MINUS:
    case ST_NUM_DOT:
    case ST_NUM_ESIGN:
    case ST_NUM_EXP:
        return is_digit(c);
    case ST_NUM_ZERO:
        return c == '.' || c == 'e' || c == 'E';
    case ST_NUM_INT:
        return is_digit(c) || c == '.' || c == 'e' || c == 'E';
    case ST_NUM_FRAC: /* one '.' per number: "1.1.5" is not JSON */
        return is_digit(c) || c == 'e' || c == 'E';
    case ST_NUM_E:
        return is_digit(c) || c == '+' || c == '-';
    default:
        return false;
    }
}

static bool number_complete(enum scan_state st)
{
    return st == ST_NUM_ZERO || st == ST_NUM_INT || st == ST_NUM_FRAC || st == ST_NUM_EXP;
}

static bool is_number_state(enum scan_state st)
{
    return st >= ST_NUM_MINUS && st <= ST_NUM_EXP;
}

static void number_byte(struct jsonscan *s, unsigned char c)
{
    switch (s->state) {
    case ST_NUM_MINUS:
        s->state = c == '0' ? ST_NUM_ZERO : ST_NUM_INT;
        break;
    case ST_NUM_ZERO:
    case ST_NUM_INT:
    case ST_NUM_FRAC:
        if (c == '.')
            s->state = ST_NUM_DOT;
        else if (c == 'e' || c == 'E')
            s->state = ST_NUM_E;
        /* a digit keeps ST_NUM_INT or ST_NUM_FRAC; ST_NUM_ZERO takes none (no leading zeros) */
        break;
    case ST_NUM_DOT:
        s->state = ST_NUM_FRAC;
        break;
    case ST_NUM_E:
        s->state = is_digit(c) ? ST_NUM_EXP : ST_NUM_ESIGN;
        break;
    case ST_NUM_ESIGN:
        s->state = ST_NUM_EXP;
        break;
    default:
        break;
    }
}

static int begin_literal(struct jsonscan *s, unsigned char c)
{
    if (c == 't') {
        s->lit = "true";
        s->lit_type = JSONSCAN_TRUE;
    } else if (c == 'f') {
        s->lit = "false";
        s->lit_type = JSONSCAN_FALSE;
    } else {
        s->lit = "null";
        s->lit_type = JSONSCAN_NULL;
    }
    s->lit_pos = 1;
    s->state = ST_LITERAL;
    return value_begin(s, s->lit_type, c);
}

static int value_byte(struct jsonscan *s, unsigned char c)
{
    switch (c) {
    case '{':
        s->state = ST_OBJ_FIRST;
        return value_begin(s, JSONSCAN_OBJECT, c);
    case '[': {
        int r = value_begin(s, JSONSCAN_ARRAY, c);
        s->state = ST_VALUE;
        s->arr_first = true;
        return r;
    }
    case ']':
        if (s->arr_first)
            return close_container(s, c);
        return fail(s, CF_EJSON, "expected a value, found ']'");
    case '"':
        return begin_string(s, false, c);
    case '-':
        s->state = ST_NUM_MINUS;
        return value_begin(s, JSONSCAN_NUMBER, c);
    case 't':
    case 'f':
    case 'n':
        return begin_literal(s, c);
    default:
        if (c >= '1' && c <= '9') {
            s->state = ST_NUM_INT;
            return value_begin(s, JSONSCAN_NUMBER, c);
        }
        if (c == '0') {
            s->state = ST_NUM_ZERO;
            return value_begin(s, JSONSCAN_NUMBER, c);
        }
        return fail(s, CF_EJSON, "expected a JSON value, found byte 0x%02x", c);
    }
}

static int scan_byte(struct jsonscan *s, unsigned char c)
{
    int r;
    if (is_number_state(s->state)) {
        if (number_continues(s->state, c)) {
            if (s->capturing && (r = capture_byte(s, c)))
                return r;
            number_byte(s, c);
            return 0;
        }
        if (!number_complete(s->state))
            return fail(s, CF_EJSON, "malformed number");
        if ((r = value_end(s, JSONSCAN_NUMBER, s->depth, s->scalar_at)))
            return r;
    }
    if (s->capturing && (r = capture_byte(s, c)))
        return r;

    switch (s->state) {
    case ST_STRING:
        return string_byte(s, c);
    case ST_ESC:
        return escape_byte(s, c);
    case ST_UHEX:
        return uhex_byte(s, c);
    case ST_LOW_BS:
        if (c != '\\')
            return fail(s, CF_EJSON, "a UTF-16 high surrogate is not followed by a low one");
        s->state = ST_LOW_U;
        return 0;
    case ST_LOW_U:
        if (c != 'u')
            return fail(s, CF_EJSON, "a UTF-16 high surrogate is not followed by a low one");
        s->hex_n = 0;
        s->hex_val = 0;
        s->state = ST_UHEX;
        return 0;
    case ST_LITERAL:
        if (c != (unsigned char)s->lit[s->lit_pos])
            return fail(s, CF_EJSON, "invalid literal (expected \"%s\")", s->lit);
        if (s->lit[++s->lit_pos] == '\0')
            return value_end(s, s->lit_type, s->depth, s->scalar_at);
        return 0;
    default:
        break;
    }

    if (is_ws(c))
        return 0;
    switch (s->state) {
    case ST_VALUE:
        return value_byte(s, c);
    case ST_OBJ_FIRST:
    case ST_OBJ_KEY:
        if (c == '}' && s->state == ST_OBJ_FIRST)
            return close_container(s, c);
        if (c == '"')
            return begin_string(s, true, c);
        return fail(s, CF_EJSON, "expected a member name in double quotes, found byte 0x%02x", c);
    case ST_COLON:
        if (c != ':')
            return fail(s, CF_EJSON, "expected ':' after a member name, found byte 0x%02x", c);
        s->state = ST_VALUE;
        s->arr_first = false;
        return 0;
    case ST_AFTER:
        if (c == ',') {
            s->state = s->stack[s->depth - 1] == '{' ? ST_OBJ_KEY : ST_VALUE;
            s->arr_first = false;
            return 0;
        }
        if (c == '}' || c == ']')
            return close_container(s, c);
        return fail(s, CF_EJSON, "expected ',' or a closing bracket, found byte 0x%02x", c);
    case ST_DONE:
        return fail(s, CF_EJSON, "data after the end of the JSON document");
    default:
        return fail(s, CF_EINTERNAL, "JSON scanner in an impossible state %d", (int)s->state);
    }
}

static int report(const struct jsonscan *s, struct cf_error *reterr)
{
    if (reterr)
        *reterr = s->errd;
    return s->err;
}

int jsonscan_feed(struct jsonscan *s, const char *buf, size_t len, struct cf_error *reterr)
{
    if (s->err)
        return report(s, reterr);
    const unsigned char *p = (const unsigned char *)buf;
    for (size_t i = 0; i < len; i++) {
        if (scan_byte(s, p[i]))
            return report(s, reterr);
        s->offset++;
    }
    return 0;
}

int jsonscan_finish(struct jsonscan *s, struct cf_error *reterr)
{
    if (s->err)
        return report(s, reterr);
    if (is_number_state(s->state) && s->depth == 0) {
        if (!number_complete(s->state)) {
            fail(s, CF_EJSON, "the JSON document ends inside a number");
            return report(s, reterr);
        }
        if (value_end(s, JSONSCAN_NUMBER, 0, s->scalar_at))
            return report(s, reterr);
    }
    if (s->state != ST_DONE) {
        if (!s->root_begun)
            fail(s, CF_EJSON, "the JSON document is empty");
        else
            fail(s, CF_EJSON, "the JSON document is truncated (%zu containers still open)",
                 s->depth);
        return report(s, reterr);
    }
    return 0;
}
