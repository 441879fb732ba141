/*
 * rates_doc.c - paths, typed getters and value checks for rates documents (see rates_doc.h).
 */
#include "computefit/rates_doc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "computefit/jsoniter.h"
#include "computefit/rates_json.h"

void rates_doc_path_key(char out[RATES_DOC_PATH_LEN], const char *prefix, const char *key)
{
    snprintf(out, RATES_DOC_PATH_LEN, "%s%s%s", prefix, *prefix ? "." : "", key);
}

void rates_doc_path_index(char out[RATES_DOC_PATH_LEN], const char *prefix, size_t i)
{
    snprintf(out, RATES_DOC_PATH_LEN, "%s[%zu]", prefix, i);
}

/* A short description of a JSON value's type for error messages ("got a string"). */
const char *rates_doc_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* True when `s` is NUL-terminated within `n` bytes and is printable ASCII (or empty). */
bool rates_doc_text_ok(const char *s, size_t n)
{
    const char *end = memchr(s, '\0', n);
    if (!end)
        return false;
    for (; s < end; s++)
        if (*s < 0x20 || *s > 0x7e)
            return false;
    return true;
}

/* Region codes and instance types: a-z, 0-9, '-' (and '.' for instance types). */
bool rates_doc_name_ok(const char *s, size_t n, bool instance_type)
{
    if (!memchr(s, '\0', n) || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              (instance_type && c == '.')))
            return false;
    }
    if (instance_type) {
        const char *dot = strchr(s, '.');
        return dot && dot != s && dot[1];
    }
    return true;
}

int rates_doc_check_rate(double v, const char *prefix, const char *key, const char *unit,
                         struct cf_error *reterr)
{
    if (isfinite(v) && v > 0)
        return 0;
    char path[RATES_DOC_PATH_LEN];
    rates_doc_path_key(path, prefix, key);
    return cf_error_set(reterr, CF_EINVAL, path,
                        "%s must be a finite price above 0 in USD per %s (AWS charges for it; a "
                        "0 means a free-tier or Capacity Block row), got %g.",
                        path, unit, v);
}

int rates_doc_check_positive(double v, const char *prefix, const char *key, const char *what,
                             struct cf_error *reterr)
{
    if (isfinite(v) && v > 0)
        return 0;
    char path[RATES_DOC_PATH_LEN];
    rates_doc_path_key(path, prefix, key);
    return cf_error_set(reterr, CF_EINVAL, path,
                        "%s must be a finite number of %s above 0, got %g.", path, what, v);
}

int rates_doc_check_keys(const json_t *obj, const char *const allowed[], const char *prefix,
                         struct cf_error *reterr)
{
    const char *key;
    json_t *v;
    jsoniter_object_foreach(obj, key, v)
    {
        bool known = false;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            char path[RATES_DOC_PATH_LEN];
            rates_doc_path_key(path, prefix, key);
            return cf_error_set(reterr, CF_EUNKNOWN, path,
                                "%s is not part of the %s format: remove it or fix its spelling.",
                                path, RATES_JSON_FORMAT);
        }
    }
    return 0;
}

/* Fetches obj[key], which must be present (possibly null). */
int rates_doc_get_present(const json_t *obj, const char *key, const char *prefix,
                          const json_t **ret, struct cf_error *reterr)
{
    const json_t *v = json_object_get(obj, key);
    if (!v) {
        char path[RATES_DOC_PATH_LEN];
        rates_doc_path_key(path, prefix, key);
        return cf_error_set(reterr, CF_EMISSING, path, "%s is missing.", path);
    }
    *ret = v;
    return 0;
}

int rates_doc_get_object(const json_t *obj, const char *key, const char *prefix, bool nullable,
                         const json_t **ret, struct cf_error *reterr)
{
    const json_t *v = NULL;
    int r = rates_doc_get_present(obj, key, prefix, &v, reterr);
    if (r < 0)
        return r;
    if (json_is_object(v) || (nullable && json_is_null(v))) {
        *ret = v;
        return 0;
    }
    char path[RATES_DOC_PATH_LEN];
    rates_doc_path_key(path, prefix, key);
    return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object%s, got %s.", path,
                        nullable ? " or null" : "", rates_doc_kind(v));
}

int rates_doc_get_number(const json_t *obj, const char *key, const char *prefix, double *ret,
                         struct cf_error *reterr)
{
    const json_t *v = NULL;
    int r = rates_doc_get_present(obj, key, prefix, &v, reterr);
    if (r < 0)
        return r;
    if (!json_is_number(v)) {
        char path[RATES_DOC_PATH_LEN];
        rates_doc_path_key(path, prefix, key);
        if (json_is_string(v))
            return cf_error_set(reterr, CF_EINVAL, path,
                                "%s must be a JSON number, got the string \"%.40s\".", path,
                                json_string_value(v));
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be a JSON number, got %s.", path,
                            rates_doc_kind(v));
    }
    *ret = json_number_value(v);
    return 0;
}

/* Copies a string value into out[n]; it must fit and hold no NUL. */
int rates_doc_get_string(const json_t *obj, const char *key, const char *prefix, char *out,
                         size_t n, struct cf_error *reterr)
{
    const json_t *v = NULL;
    char path[RATES_DOC_PATH_LEN];
    int r = rates_doc_get_present(obj, key, prefix, &v, reterr);
    if (r < 0)
        return r;
    rates_doc_path_key(path, prefix, key);
    if (!json_is_string(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be a string, got %s.", path,
                            rates_doc_kind(v));
    size_t len = json_string_length(v);
    const char *s = json_string_value(v);
    if (len >= n || strlen(s) != len)
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be a string of at most %zu characters with no NUL.", path,
                            n - 1);
    memcpy(out, s, len + 1);
    return 0;
}

/* A number as JSON: whole numbers as integers (16, 6000000000) so that files read naturally,
 * everything else as a real. Both load back to the same double. NULL for NaN/Inf. */
json_t *rates_doc_number(double d)
{
    if (isfinite(d) && d == floor(d) && fabs(d) <= 9007199254740992.0)
        return json_integer((json_int_t)d);
    return json_real(d);
}

int rates_doc_tiers_from_json(const json_t *arr, const char *path, const char *bound_key,
                              size_t max, struct rate_tier *out, size_t *ret_n,
                              struct cf_error *reterr)
{
    const char *const keys[] = {bound_key, "usd", NULL};
    if (!json_is_array(arr))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an array of tiers, got %s.", path,
                            rates_doc_kind(arr));
    size_t n = json_array_size(arr);
    if (n < 1 || n > max)
        return cf_error_set(reterr, CF_EINVAL, path, "%s must hold 1 to %zu tiers, got %zu.", path,
                            max, n);
    for (size_t t = 0; t < n; t++) {
        char tpath[RATES_DOC_PATH_LEN];
        const json_t *tier = json_array_get(arr, t), *up = NULL;
        rates_doc_path_index(tpath, path, t);
        if (!json_is_object(tier))
            return cf_error_set(reterr, CF_EINVAL, tpath,
                                "%s must be an object with %s and usd, got %s.", tpath, bound_key,
                                rates_doc_kind(tier));
        int r = rates_doc_check_keys(tier, keys, tpath, reterr);
        if (r == 0)
            r = rates_doc_get_present(tier, bound_key, tpath, &up, reterr);
        if (r == 0 && json_is_null(up))
            out[t].up_to = (double)INFINITY;
        else if (r == 0)
            r = rates_doc_get_number(tier, bound_key, tpath, &out[t].up_to, reterr);
        if (r == 0)
            r = rates_doc_get_number(tier, "usd", tpath, &out[t].usd, reterr);
        if (r < 0)
            return r;
    }
    *ret_n = n;
    return 0;
}

int rates_doc_check_tiers(const struct rate_tier *tiers, size_t n, size_t max, const char *path,
                          const char *bound_key, const char *unit, struct cf_error *reterr)
{
    char tpath[RATES_DOC_PATH_LEN], upath[RATES_DOC_PATH_LEN];
    if (n < 1 || n > max)
        return cf_error_set(reterr, CF_EINVAL, path, "%s must hold 1 to %zu tiers, got %zu.", path,
                            max, n);
    for (size_t t = 0; t < n; t++) {
        rates_doc_path_index(tpath, path, t);
        int r = rates_doc_check_rate(tiers[t].usd, tpath, "usd", unit, reterr);
        if (r < 0)
            return r;
        rates_doc_path_key(upath, tpath, bound_key);
        if (t + 1 == n) {
            if (!(isinf(tiers[t].up_to) && tiers[t].up_to > 0))
                return cf_error_set(reterr, CF_EINVAL, upath,
                                    "%s must be null (no upper bound): the last tier covers all "
                                    "remaining usage, got %g.",
                                    upath, tiers[t].up_to);
        } else {
            double floor = t ? tiers[t - 1].up_to : 0;
            if (!isfinite(tiers[t].up_to) || !(tiers[t].up_to > floor))
                return cf_error_set(reterr, CF_EINVAL, upath,
                                    "%s must be a finite number above %g (tiers ascend; only the "
                                    "last is unbounded), got %g.",
                                    upath, floor, tiers[t].up_to);
        }
    }
    return 0;
}
