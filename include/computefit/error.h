/*
 * error.h - the one error table of computefit.
 *
 * Every fallible function returns 0 or a negative CF_E* code. CF_ERRORS maps each code to the
 * HTTP status and the machine-readable code that the JSON error body and the log line carry, so
 * the two can never disagree. Detail for a person goes in a struct cf_error: the JSON path of
 * the offending field (when one applies) and one sentence that says what to do.
 */
#ifndef COMPUTEFIT_ERROR_H
#define COMPUTEFIT_ERROR_H

#include <stddef.h>

/* X(name, http_status, machine_code) */
#define CF_ERRORS(X)                                                                               \
    X(EINVAL, 400, "invalid_field")                                                                \
    X(EMISSING, 400, "missing_field")                                                              \
    X(EUNKNOWN, 400, "unknown_field")                                                              \
    X(EJSON, 400, "invalid_json")                                                                  \
    X(EREGION, 400, "unknown_region")                                                              \
    X(EUNAUTH, 401, "unauthorized")                                                                \
    X(EFORBIDDEN, 403, "forbidden")                                                                \
    X(ENOTFOUND, 404, "not_found")                                                                 \
    X(EMETHOD, 405, "method_not_allowed")                                                          \
    X(ENOTACCEPT, 406, "not_acceptable")                                                           \
    X(ETOOBIG, 413, "body_too_large")                                                              \
    X(EMEDIA, 415, "unsupported_media_type")                                                       \
    X(EINFEASIBLE, 422, "no_feasible_option")                                                      \
    X(EBUSY, 503, "service_unavailable")                                                           \
    X(ENOPRICE, 503, "pricing_unavailable")                                                        \
    X(EUPSTREAM, 502, "upstream_error")                                                            \
    X(ECONFIG, 500, "invalid_config")                                                              \
    X(EIO, 500, "io_error")                                                                        \
    X(ENOMEM, 500, "out_of_memory")                                                                \
    X(EINTERNAL, 500, "internal_error")

enum cf_errno {
    CF_OK = 0,
#define CF__ERRNO_ENUM(name, status, code) CF_##name,
    CF__FIRST = -1000,
    CF_ERRORS(CF__ERRNO_ENUM)
#undef CF__ERRNO_ENUM
        CF__LAST
};

/* Detail of one failure. `field` is a JSON path ("memory", "tasks[2].duration", "fargate.vcpu")
 * or empty; `message` is one sentence a person can act on. Both are always NUL-terminated. */
struct cf_error {
    int code;
    char field[128];
    char message[512];
};

/* Returns the HTTP status for a CF_E* code (500 for an unknown code). */
int cf_error_status(int code);

/* Returns the snake_case machine code for a CF_E* code; a static string. */
const char *cf_error_name(int code);

/* Fills *err (when err is not NULL) and returns `code`, so that callers can write
 * `return cf_error_set(reterr, CF_EINVAL, "memory", "memory must be positive, got %g", v);`.
 * `field` may be NULL. The message is printf-formatted and truncated to fit. */
int cf_error_set(struct cf_error *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefixes err->field with `prefix` ("tasks[2]" + "memory" -> "tasks[2].memory"), used when a
 * nested parser reports a field relative to its own object. Safe with err == NULL. */
void cf_error_prefix_field(struct cf_error *err, const char *prefix);

#endif
