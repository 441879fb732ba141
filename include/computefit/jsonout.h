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
#include <stddef.h>

/* Serialises `doc` (borrowed) to exactly the bytes of json_dumps(doc, JSON_COMPACT |
 * JSON_REAL_PRECISION(15)) on jansson 2.14: members in insertion order, no spaces, control
 * characters as \b \f \n \r \t or \u00XX (upper case), other bytes as they are, reals as
 * "%.15g" with ".0" added to integral values and '+' and leading zeros dropped from exponents.
 * Returns a new malloc()ed NUL-terminated string (the caller free()s it) and sets *ret_len when
 * ret_len is not NULL; or NULL, like json_dumps, when memory runs out, a string is not valid
 * UTF-8, or the tree nests deeper than 2048 levels (a cycle would). */
char *jsonout_dumps(json_t *doc, size_t *ret_len);

#endif
