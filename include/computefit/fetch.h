/*
 * fetch.h - downloads one file over HTTP(S) (or from a file:// mirror) with libcurl.
 *
 * A struct fetcher owns ONE libcurl easy handle, reused for every download so that connections
 * to the pricing endpoint stay alive between files. It is used by one thread at a time (the
 * refresher); nothing in it is shared. curl_global_init() must have been called before any
 * thread starts (main does it).
 *
 * Every download is a conditional GET when the caller holds validators (ETag, Last-Modified):
 * a 304 comes back as `not_modified` and nothing is delivered. The body is received either into
 * a capped in-memory buffer (fetch_to_buffer, for the index files and the small offer files) or
 * streamed chunk by chunk to a caller's sink (fetch_to_sink, for the ~480 MB EC2 offer file,
 * which is never held whole). Transient failures (connection errors, timeouts, truncated
 * transfers, HTTP 5xx/408/429) are retried with exponential backoff and full jitter; the wait
 * and the transfer both end promptly when the caller's stop flag turns true.
 *
 * Errors: CF_EUPSTREAM (the upstream failed or answered an error status), CF_ETOOBIG (the body
 * went past the byte cap), CF_EBUSY (stopped by the stop flag), CF_EINVAL (bad URL or
 * options), CF_ENOMEM, or the sink's own code. reterr->message says what happened in one
 * sentence: "GET <url>: HTTP 500 (gave up after 3 attempts)".
 */
#ifndef COMPUTEFIT_FETCH_H
#define COMPUTEFIT_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/error.h"

/* Longest ETag accepted, quotes and any W/ prefix included. S3's are 34 characters. */
#define FETCH_ETAG_MAX 128
/* Longest Last-Modified value accepted; an IMF-fixdate is 29 characters. */
#define FETCH_DATE_MAX 64

/* The validators of one downloaded representation. An empty string means "none". Both are
 * validated before they are stored or sent (see fetch_etag_valid, fetch_date_valid), so they
 * can go into a header, a log line or a state file as they are. */
struct fetch_validators {
    char etag[FETCH_ETAG_MAX + 1];
    char last_modified[FETCH_DATE_MAX + 1];
};

struct fetch_opts {
    long connect_timeout_ms; /* TCP + TLS connect, per attempt (default 10000) */
    long timeout_ms;         /* the whole transfer, per attempt; 0 = none (default 600000) */
    long low_speed_bytes;    /* abort a transfer slower than this many bytes/s ... (1024) */
    long low_speed_time_s;   /* ... for this many seconds; 0 = never (default 30) */
    uint64_t max_bytes;      /* body cap when a call passes 0 (default 16 MiB) */
    int retries;             /* attempts after the first for transient failures (default 3) */
    long backoff_base_ms;    /* ceiling of the first wait; doubles per retry (default 1000) */
    long backoff_cap_ms;     /* no wait is longer than this (default 60000) */
    long max_redirects;      /* redirects followed, http/https only (default 5) */
    char user_agent[128];    /* default "computefit" */
    const atomic_bool *stop; /* borrowed, may be NULL: when true, waits and transfers end */
};

/* What one download did. Filled on success (ret_result) and, for diagnostics, after every
 * call (fetcher_last). */
struct fetch_result {
    bool not_modified;    /* 304 (or an unchanged file:// mtime): nothing was delivered */
    long http_status;     /* the final status; 200 or 304 on success; 0 for file:// */
    uint64_t bytes;       /* body bytes delivered to the buffer or sink, after decoding */
    uint64_t wire_bytes;  /* body bytes received on the wire, before decoding */
    bool decoded;         /* the body came with a Content-Encoding (gzip, deflate...) that
                             libcurl decoded */
    bool etag_rejected;   /* the server sent an ETag that failed validation: not stored */
    int attempts;         /* 1 + retries made */
    long new_connections; /* connections opened by the last attempt (0: one was reused) */
    double total_s;       /* wall time of the call, waits between attempts included */
    /* On 200: the server's validators for the new body (empty when it sent none or they were
     * invalid). On 304: the ones sent, updated by any valid ones the 304 carried. */
    struct fetch_validators validators;
};

/* Receives a streamed body. `write` gets each chunk as it arrives (decoded) and returns 0 to
 * continue or a negative CF_E* code to abort the transfer; the fetch then returns that code and
 * is not retried. `reset`, when not NULL, is called before a retry of a transfer that had
 * already delivered bytes, so that the receiver can start over (drop what it parsed); it
 * returns 0 or a negative CF_E* code. Without `reset`, a transfer that fails after delivering
 * its first byte is not retried. `ctx` is borrowed and passed to both. */
struct fetch_sink {
    int (*write)(void *ctx, const char *data, size_t len);
    int (*reset)(void *ctx);
    void *ctx;
};

struct fetcher;

/* Fills *opts with the defaults documented in struct fetch_opts. Never fails. */
void fetch_opts_defaults(struct fetch_opts *opts);

/* Creates a fetcher with its own libcurl easy handle. `opts` is copied (opts->stop stays
 * borrowed: it must outlive the fetcher). Returns 0 and sets *ret_fetcher (the caller
 * fetcher_free()s it), CF_EINVAL for out-of-range options, or CF_ENOMEM. */
int fetcher_new(const struct fetch_opts *opts, struct fetcher **ret_fetcher,
                struct cf_error *reterr);

/* Frees the fetcher and closes its connections. Accepts NULL. */
void fetcher_free(struct fetcher *f);

/* Downloads `url` (http, https or file) into memory. `have` holds the validators of the copy
 * the caller already has (NULL or empty strings: unconditional). `max_bytes` caps the decoded
 * body (0: opts.max_bytes). On success returns 0, sets *ret_body to a new malloc()ed,
 * NUL-terminated buffer that the caller free()s (NULL when not modified), *ret_len to its
 * length (not counting the NUL) and *ret_result (may be NULL). */
int fetch_to_buffer(struct fetcher *f, const char *url, const struct fetch_validators *have,
                    uint64_t max_bytes, char **ret_body, size_t *ret_len,
                    struct fetch_result *ret_result, struct cf_error *reterr);

/* Downloads `url` and streams the body to `sink` (borrowed) as it arrives; the body is never
 * held whole. `have` and `max_bytes` as for fetch_to_buffer. On success returns 0 and sets
 * *ret_result (may be NULL). On failure the sink may have received part of a body: the caller
 * discards whatever it built. */
int fetch_to_sink(struct fetcher *f, const char *url, const struct fetch_validators *have,
                  uint64_t max_bytes, const struct fetch_sink *sink,
                  struct fetch_result *ret_result, struct cf_error *reterr);

/* Returns what the last call did, whether it succeeded or not (attempts, status, bytes,
 * time); borrowed, valid until the next call on `f`. */
const struct fetch_result *fetcher_last(const struct fetcher *f);

/* Returns true when `etag` is an entity tag safe to store and send back: W/ optionally, then a
 * double-quoted string of visible ASCII characters other than '"' (RFC 9110 etagc without
 * obs-text), at most FETCH_ETAG_MAX characters in all. Control characters, spaces, bytes
 * above 0x7e and anything after the closing quote are refused: a value that reaches a header
 * or a state file must not be able to inject a line. */
bool fetch_etag_valid(const char *etag);

/* Returns true when `date` is a Last-Modified value safe to store and send back: printable
 * ASCII, at most FETCH_DATE_MAX characters, and a date libcurl can parse. */
bool fetch_date_valid(const char *date);

#endif
