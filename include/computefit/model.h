/*
 * model.h - the model's constants (limits, thresholds, effort, presets), loaded from
 * config/model.json. PLACEHOLDER: the core module defines struct model fully.
 */
#ifndef COMPUTEFIT_MODEL_H
#define COMPUTEFIT_MODEL_H

#include <jansson.h>

#include "computefit/error.h"

struct model;

/* Builds a model from the parsed config/model.json document (borrowed). On success sets
 * *ret_model to a new model the caller frees with model_free() and returns 0. */
int model_from_json(const json_t *doc, struct model **ret_model, struct cf_error *reterr);

/* Frees a model. Accepts NULL. */
void model_free(struct model *model);

#endif
