/*
 * jsonout.h - the HTTP responses' JSON serialiser.
 *
 * The advice routes answer ~10 KB of JSON built with jansson; json_dumps() took about half of
 * the CPU of POST /advise (perf, BENCHMARKS.md), mostly in bookkeeping rather than in output:
 * a loop-detection hash table entry (with a snprintf'd key) per container, a UTF-8 decode and a
 * callback per string segment, a locale lookup per number. The trees we serialise are fresh,
 * acyclic and small, so a plain recursive walk into one growing buffer does the same job.
 */
#ifndef COMPUTEFIT_JSONOUT_H
#define COMPUTEFIT_JSONOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "computefit/dynbuf.h"

/* Serialises `doc` (borrowed) to exactly the bytes of json_dumps(doc, JSON_COMPACT |
 * JSON_REAL_PRECISION(15)) on jansson 2.14: members in insertion order, no spaces, control
 * characters as \b \f \n \r \t or \u00XX (upper case), other bytes as they are, reals as
 * "%.15g" with ".0" added to integral values and '+' and leading zeros dropped from exponents.
 * Returns a new malloc()ed NUL-terminated string (the caller free()s it) and sets *ret_len when
 * ret_len is not NULL; or NULL, like json_dumps, when memory runs out, a string is not valid
 * UTF-8, or the tree nests deeper than 2048 levels (a cycle would). */
char *jsonout_dumps(json_t *doc, size_t *ret_len);

/* ---- a writer that streams JSON into a dynbuf, for answers built from structs ---- */

/* The writer keeps commas and nesting: open containers, then write keys and values; each value
 * is written as jsonout_dumps() writes the same jansson value (reals as JSON_REAL_PRECISION(15),
 * integers as %lld). A string that is not valid UTF-8, or nesting past JSONW_MAX_DEPTH, marks
 * the writer failed; failures (and the dynbuf's own) are checked once, with jsonw_ok(). */
#define JSONW_MAX_DEPTH 64

/* An answer repeats many numbers (a rate in every variant's line, the concurrency in every
 * config): the writer remembers the text of the last few it formatted. */
#define JSONW_MEMO 64

struct jsonw_memo {
    uint64_t bits; /* the double's bit pattern; 0 (the text of +0.0 is not kept) = empty */
    uint8_t len;
    char text[31];
};

struct jsonw {
    struct dynbuf *d; /* borrowed */
    unsigned depth;
    bool first[JSONW_MAX_DEPTH + 1]; /* no member written yet at this depth */
    bool after_key;                  /* a key was written: its value needs no comma */
    bool bad;
    struct jsonw_memo memo[JSONW_MEMO];
};

/* Starts writing into `d` (borrowed; must outlive the writer). */
void jsonw_init(struct jsonw *w, struct dynbuf *d);

/* Whether everything written so far is valid and was stored. */
bool jsonw_ok(const struct jsonw *w);

void jsonw_object(struct jsonw *w); /* a value: '{' */
void jsonw_object_end(struct jsonw *w);
void jsonw_array(struct jsonw *w); /* a value: '[' */
void jsonw_array_end(struct jsonw *w);
/* The comma before a value or a key, unless it is the first of its container or the value of
 * a key just written. Inline: every key and value starts with it. */
static inline void jsonw_sep_(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        dynbuf_addn(w->d, ",", 1);
    w->first[w->depth] = false;
}

/* Inside an object, before its value. Keys are the renderer's own names, written as they are:
 * plain ASCII with nothing JSON would escape. `n` is the key's length. Inline, so that a literal
 * key's copy has a length known at compile time. */
static inline void jsonw_keyn(struct jsonw *w, const char *key, size_t n)
{
    jsonw_sep_(w);
    char *p = dynbuf_room(w->d, n + 3);
    if (p) {
        p[0] = '"';
        memcpy(p + 1, key, n);
        p[n + 1] = '"';
        p[n + 2] = ':';
        dynbuf_commit(w->d, n + 3);
    }
    w->after_key = true;
}

static inline void jsonw_key(struct jsonw *w, const char *key)
{
    jsonw_keyn(w, key, strlen(key));
}

/* Appends `text` (len bytes), members or elements written by another writer into another
 * buffer, as the next ones of the current container: a comma first unless it is the first. */
void jsonw_raw(struct jsonw *w, const char *text, size_t len);

/* Values. jsonw_num writes null for a number that is not finite (JSON has no NaN). */
void jsonw_num(struct jsonw *w, double v);
void jsonw_int(struct jsonw *w, long long v);
void jsonw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_bool(struct jsonw *w, bool b);
void jsonw_null(struct jsonw *w);

#endif
