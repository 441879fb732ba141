/*
 * jsonscan.h - an incremental, validating JSON scanner that builds no tree.
 *
 * The scanner is pushed bytes in chunks of any size (down to one byte, as a libcurl write
 * callback delivers them) and checks the whole RFC 8259 grammar as it goes: structure, string
 * escapes (including \u surrogate pairs), UTF-8, numbers and literals. It keeps no value, only a
 * stack of open containers bounded by `max_depth`, so its memory does not depend on the size of
 * the document. It tells its handler where each value begins and ends, with the member name it
 * belongs to; the handler may ask for one value's exact bytes to be collected (bounded by
 * `max_capture_bytes`) so that a real parser such as jansson can decode that one value, or ask
 * for a value to be skipped quietly. This is how a 500 MB AWS offer file is parsed one product
 * at a time (see offer_ec2.c).
 *
 * Errors: CF_EJSON for a syntax error (the message gives the byte offset), CF_ETOOBIG when a
 * limit is exceeded, CF_ENOMEM, or whatever negative code the handler returned. Errors are
 * sticky: once a scan failed, every later call returns the same code and detail.
 *
 * A scanner is used by one thread at a time.
 */
#ifndef COMPUTEFIT_JSONSCAN_H
#define COMPUTEFIT_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/error.h"

enum jsonscan_type {
    JSONSCAN_OBJECT,
    JSONSCAN_ARRAY,
    JSONSCAN_STRING,
    JSONSCAN_NUMBER,
    JSONSCAN_TRUE,
    JSONSCAN_FALSE,
    JSONSCAN_NULL,
};

/* What a `begin` handler may return besides 0 (go on, and report the values inside this one)
 * or a negative CF_E* code (stop the scan with that error). */
enum jsonscan_action {
    JSONSCAN_CONTINUE = 0,
    JSONSCAN_CAPTURE = 1, /* collect this value's bytes; report nothing inside it */
    JSONSCAN_SKIP = 2,    /* validate this value, report nothing inside it */
};

struct jsonscan_limits {
    size_t max_depth;         /* open containers at once; deeper input is CF_ETOOBIG */
    size_t max_key_bytes;     /* decoded member name kept for the handler; longer is truncated */
    size_t max_capture_bytes; /* one captured value; longer is CF_ETOOBIG */
};

/* One value, as the handler sees it. Pointers are borrowed and valid only during the call. */
struct jsonscan_event {
    size_t depth;            /* 0 for the root value, 1 for its members or elements, ... */
    enum jsonscan_type type; /* the value's type */
    const char *key;         /* decoded member name (NUL-terminated), or NULL outside objects */
    size_t key_len;          /* bytes in key (a decoded name may contain NUL bytes) */
    bool key_truncated;      /* the name was longer than max_key_bytes and was cut */
    uint64_t offset;         /* byte offset of the value's first byte in the document */
    const char *text;        /* `end` of a captured value: its exact bytes (not NUL-terminated) */
    size_t text_len;         /* bytes in text */
};

struct jsonscan_handler {
    /* Called at the first byte of every reported value. Returns a jsonscan_action or a negative
     * CF_E* code, after filling *reterr (the scanner's own error record, never NULL). */
    int (*begin)(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr);
    /* Called when a reported value ends (at its last byte; for a number, at the byte after it or
     * at jsonscan_finish()). Returns 0 or a negative CF_E* code as `begin` does. May be NULL. */
    int (*end)(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr);
};

/* Fills *lim with the defaults: depth 64, keys of 256 bytes, captures of 1 MiB. */
void jsonscan_limits_default(struct jsonscan_limits *lim);

/* Returns a new scanner the caller frees with jsonscan_free(), or NULL when out of memory or
 * when a limit is 0. `lim` may be NULL for the defaults; `h` (borrowed; must outlive the scanner)
 * may be NULL to only validate; `ud` is passed to the handler. */
struct jsonscan *jsonscan_new(const struct jsonscan_limits *lim, const struct jsonscan_handler *h,
                              void *ud);

/* Scans the next `len` bytes of the document; `buf` may be NULL when len is 0. Returns 0, or a
 * negative CF_E* code with the detail in *reterr (which may be NULL). */
int jsonscan_feed(struct jsonscan *s, const char *buf, size_t len, struct cf_error *reterr);

/* Declares the end of the document. Returns 0 when exactly one complete JSON value (with
 * optional surrounding whitespace) was scanned; CF_EJSON when the input was empty, truncated or
 * otherwise malformed; or the handler's error. */
int jsonscan_finish(struct jsonscan *s, struct cf_error *reterr);

/* Returns how many bytes have been scanned so far. */
uint64_t jsonscan_offset(const struct jsonscan *s);

/* Returns the bytes the scanner's buffers hold now (stack, member name, capture buffer). */
size_t jsonscan_memory(const struct jsonscan *s);

/* Frees the scanner and its buffers. Accepts NULL. */
void jsonscan_free(struct jsonscan *s);

#endif
