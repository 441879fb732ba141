/*
 * rates_doc.h - reading, checking and writing sections of a rates document (rates_json.h), for
 * rates_json.c and for the offers, each of which reads and writes its own section (offer_kind.h).
 *
 * Every error names the culprit by its JSON path ("regions[2].lambda.arm64.request_usd") in
 * reterr->field, repeats it in the message, and says what was expected in one sentence, so that
 * a hand-edited or corrupt file points at its own mistake. Paths are at most
 * RATES_DOC_PATH_LEN - 1 characters (struct cf_error's field), cut beyond.
 *
 * Values come back borrowed from the document; nothing here allocates except
 * rates_doc_number(), which returns a new reference.
 */
#ifndef COMPUTEFIT_RATES_DOC_H
#define COMPUTEFIT_RATES_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "computefit/error.h"
#include "computefit/rates.h"

#define RATES_DOC_PATH_LEN 128 /* = sizeof(struct cf_error.field) */

/* Writes "<prefix>.<key>" (or "<key>" when prefix is "") into out. */
void rates_doc_path_key(char out[RATES_DOC_PATH_LEN], const char *prefix, const char *key);

/* Writes "<prefix>[<i>]" into out. */
void rates_doc_path_index(char out[RATES_DOC_PATH_LEN], const char *prefix, size_t i);

/* Returns a short description of a value's type for messages: "an object", "a number", ... */
const char *rates_doc_kind(const json_t *v);

/* Returns whether `s` is NUL-terminated within `n` bytes and is printable ASCII (or empty): the
 * rule for provenance strings and GPU model names. */
bool rates_doc_text_ok(const char *s, size_t n);

/* Returns whether `s` (NUL-terminated within `n` bytes) is a non-empty region code (a-z, 0-9,
 * '-'), or with `instance_type` an instance type ("g5.xlarge": the same and one inner '.'). */
bool rates_doc_name_ok(const char *s, size_t n, bool instance_type);

/* Returns 0 when rate `v` at <prefix>.<key> is finite and > 0, else CF_EINVAL saying it must be
 * a price in USD per `unit`. */
int rates_doc_check_rate(double v, const char *prefix, const char *key, const char *unit,
                         struct cf_error *reterr);

/* Returns 0 when `v` at <prefix>.<key> is finite and > 0, else CF_EINVAL saying it must be a
 * number of `what`. */
int rates_doc_check_positive(double v, const char *prefix, const char *key, const char *what,
                             struct cf_error *reterr);

/* Returns 0 when every key of `obj` is one of `allowed` (NULL-terminated), else CF_EUNKNOWN
 * naming the first other key: a typo, or a newer format. */
int rates_doc_check_keys(const json_t *obj, const char *const allowed[], const char *prefix,
                         struct cf_error *reterr);

/* Sets *ret to obj[key] (borrowed), which must be present, possibly null; CF_EMISSING when it
 * is absent. */
int rates_doc_get_present(const json_t *obj, const char *key, const char *prefix,
                          const json_t **ret, struct cf_error *reterr);

/* Sets *ret to obj[key] (borrowed), which must be an object, or null when `nullable`;
 * CF_EMISSING or CF_EINVAL otherwise. */
int rates_doc_get_object(const json_t *obj, const char *key, const char *prefix, bool nullable,
                         const json_t **ret, struct cf_error *reterr);

/* Sets *ret to the number obj[key]; CF_EMISSING or CF_EINVAL (a string is quoted back). */
int rates_doc_get_number(const json_t *obj, const char *key, const char *prefix, double *ret,
                         struct cf_error *reterr);

/* Copies the string obj[key] into out[n]; it must fit and hold no NUL. */
int rates_doc_get_string(const json_t *obj, const char *key, const char *prefix, char *out,
                         size_t n, struct cf_error *reterr);

/* Reads an array of monthly tiers at `path` ([{<bound_key>: number or null, "usd": number}],
 * 1 to `max` of them; null bound = INFINITY) into out[] and *ret_n. Shapes only: values are
 * rates_doc_check_tiers()'s. */
int rates_doc_tiers_from_json(const json_t *arr, const char *path, const char *bound_key,
                              size_t max, struct rate_tier *out, size_t *ret_n,
                              struct cf_error *reterr);

/* Returns 0 when tiers[n] (1 to `max`) are each priced (finite, > 0, in USD per `unit`), with
 * finite bounds that ascend and an unbounded last tier; else CF_EINVAL naming the tier by its
 * path (<path>[i].<bound_key>). Lambda's duration and API Gateway's requests use it. */
int rates_doc_check_tiers(const struct rate_tier *tiers, size_t n, size_t max, const char *path,
                          const char *bound_key, const char *unit, struct cf_error *reterr);

/* Returns a new reference to `d` as JSON: whole numbers as integers (16, 6000000000) so that
 * files read naturally, everything else as a real; both load back to the same double. NULL for
 * NaN and infinities (validate first) or when out of memory. */
json_t *rates_doc_number(double d);

#endif
