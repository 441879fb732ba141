/*
 * handlers.h - what route handlers share: the core run on the rates in use.
 */
#ifndef COMPUTEFIT_HANDLERS_H
#define COMPUTEFIT_HANDLERS_H

#include <jansson.h>

#include "computefit/advise.h"
#include "computefit/app.h"
#include "computefit/error.h"

/* core_advise() or core_compare(). */
typedef int (*core_fn)(const json_t *request, const struct rates *rates, const struct model *model,
                       struct cf_answer **ret, struct cf_error *reterr);

/* Runs `fn` on `request` (borrowed) with the rates in use: a reference to the table is held for
 * exactly the computation and the call of `use`, which reads the answer (and may render it)
 * but keeps nothing of it, however many refreshes swap tables meanwhile. Returns 0 once `use`
 * has run; otherwise the core's error, or CF_EBUSY without a model or CF_ENOPRICE without
 * rates, with *reterr filled and `use` not called. */
int handlers_answer(const struct cf_app *app, const json_t *request, core_fn fn,
                    void (*use)(const struct cf_answer *ans, void *ctx), void *ctx,
                    struct cf_error *reterr);

#endif
