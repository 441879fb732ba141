/*
 * advise.h - the advice core's public interface: workload + const rates -> advice.
 *
 * Everything behind this header is pure (src/core/): no globals, locks, I/O, clocks or logging.
 * The HTTP layer borrows a rates table from the pricing cache, calls one of these functions and
 * serialises the result. The same functions serve POST bodies and GET query strings: the HTTP
 * layer turns a query string into a JSON object of strings first.
 */
#ifndef COMPUTEFIT_ADVISE_H
#define COMPUTEFIT_ADVISE_H

#include <jansson.h>

#include "computefit/error.h"
#include "computefit/model.h"
#include "computefit/rates.h"

/* Answers POST /advise. `request` (borrowed) is one workload object or {"tasks": [...]}.
 * On success sets *ret_advice to a new reference (the caller json_decref()s it) and returns 0.
 * On bad input returns a negative CF_E* code and fills *reterr (may be NULL) naming the field;
 * *ret_advice is left untouched. */
int core_advise(const json_t *request, const struct rates *rates, const struct model *model,
                json_t **ret_advice, struct cf_error *reterr);

/* Answers POST /compare for one workload: the options side by side, break-even rates and a cost
 * curve. Same ownership and error rules as core_advise(). */
int core_compare(const json_t *request, const struct rates *rates, const struct model *model,
                 json_t **ret_compare, struct cf_error *reterr);

#endif
