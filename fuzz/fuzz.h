/*
 * fuzz.h - what the libFuzzer targets in fuzz/ share: the entry points libFuzzer calls, and a
 * few helpers to load the service's own data files and to cut an input into chunks.
 *
 * Every target is one fuzz_<name>.c built by fuzz/meson.build (-Dfuzz=true) and run by
 * scripts/fuzz. A target calls exactly what the service calls with the same flags, and aborts
 * (a crash libFuzzer reports) when a property the code promises does not hold.
 */
#ifndef COMPUTEFIT_FUZZ_H
#define COMPUTEFIT_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/error.h"

/* libFuzzer's entry points; each target defines the first, some the second. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Stops the process with a message on stderr: a broken invariant is a crash for libFuzzer. */
#define FUZZ_ASSERT(cond, ...)                                                                     \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                     \
    } while (0)

/* Prints where and why, then abort()s. */
void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* Loads the JSON file at `rel`, relative to the source root (CF_SOURCE_ROOT from the
 * environment, else the tree the target was built from), with the duplicate-key check the
 * service uses. Returns a new reference (the caller json_decref()s it); aborts when the file
 * does not load, since a target without its data would fuzz nothing. */
json_t *fuzz_load_json(const char *rel);

/* Returns a new malloc()ed NUL-terminated copy of data[0..size), or aborts when out of memory.
 * The copy ends at the first NUL byte of data, as a C string would. */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Chunk sizes for streaming parsers, drawn from a small generator seeded by one fuzz-chosen
 * byte, so that a reproducer replays the same split. Seed byte 0 means one chunk (the whole
 * input); otherwise sizes are 1 to 2^(seed & 7) bytes. */
struct fuzz_chunker {
    uint32_t state;
    size_t max;
};

/* Starts a chunker from `seed`. */
void fuzz_chunker_init(struct fuzz_chunker *c, uint8_t seed);

/* Returns the size of the next chunk, between 1 and `remaining` (0 only when remaining is 0). */
size_t fuzz_chunker_next(struct fuzz_chunker *c, size_t remaining);

/* Feeds doc[0..len) to `feed` in the chunks a chunker seeded with `split` cuts, stopping at
 * the first non-zero result, which it returns (0 when every chunk was taken). */
int fuzz_feed_chunks(const char *doc, size_t len, uint8_t split,
                     int (*feed)(void *ctx, const char *buf, size_t n), void *ctx);

/* Parses `data` the way the service parses a whole JSON file (json_loadb with
 * JSON_REJECT_DUPLICATES). Returns a new reference, or NULL when the input is not JSON. */
json_t *fuzz_parse_doc(const uint8_t *data, size_t size);

/* Parses `data` as fuzz_parse_doc() does and, when it is JSON, calls `fn` with the document
 * (borrowed) for each of the regions the offer targets ask for: us-east-1 (regionCode rows
 * in the seeds) and eu-west-1 (named only by location in the 2016 Lambda layout). */
void fuzz_each_region(const uint8_t *data, size_t size,
                      void (*fn)(const json_t *doc, const char *region));

/* Checks that an error result is a negative code with a filled error record. */
void fuzz_check_error(int r, const struct cf_error *err);

/* Checks that a rate a parser returned is finite and not negative. */
void fuzz_check_rate(double v, const char *what);

/* Checks that a string a parser returned is NUL-terminated within `cap` bytes. */
void fuzz_check_str(const char *s, size_t cap, const char *what);

#endif
