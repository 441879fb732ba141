/*
 * gpu_specs.h - the static GPU spec table (config/gpu-specs.json).
 *
 * The AWS offer file's `gpuMemory` attribute is unreliable ("NA" for p3.8xlarge and
 * p4d.24xlarge), so the GPU model and per-GPU memory of each instance family come from this
 * table. It also holds vCPU/RAM/GPU-count per instance type, which the bundled snapshot needs
 * because the pricing-page feed it is built from carries prices only.
 *
 * File format:
 *   { "families":  { "g5":  {"gpu_model": "A10G", "gpu_memory_gib": 24}, ... },
 *     "instances": { "g5.xlarge": {"vcpu": 4, "memory_gib": 16, "gpus": 1}, ... },
 *     "sources": [ "...where these figures come from..." ] }
 */
#ifndef COMPUTEFIT_GPU_SPECS_H
#define COMPUTEFIT_GPU_SPECS_H

#include <jansson.h>
#include <stddef.h>

#include "computefit/error.h"
#include "computefit/rates.h"

struct gpu_family_spec {
    char family[16];                  /* "g5", "p3dn", "g6e": the part before the '.' */
    char gpu_model[CF_GPU_MODEL_LEN]; /* "A10G" */
    double gpu_memory_gib;            /* per GPU */
};

struct gpu_type_spec {
    char type[CF_INSTANCE_TYPE_LEN]; /* "g5.xlarge" */
    double vcpu;
    double memory_gib;
    int gpus;
};

struct gpu_specs {
    struct gpu_family_spec *families; /* owned, sorted by family */
    size_t n_families;
    struct gpu_type_spec *types; /* owned, sorted by type */
    size_t n_types;
};

/* Builds the table from the parsed file (borrowed). On success sets *ret_specs to a new table
 * the caller frees with gpu_specs_free() and returns 0; on a malformed file returns CF_ECONFIG
 * with the offending key in reterr->field. */
int gpu_specs_from_json(const json_t *doc, struct gpu_specs **ret_specs, struct cf_error *reterr);

/* Frees the table. Accepts NULL. */
void gpu_specs_free(struct gpu_specs *specs);

/* Returns the family spec of `instance_type` ("g5.xlarge" -> "g5"), borrowed, or NULL. */
const struct gpu_family_spec *gpu_specs_family(const struct gpu_specs *specs,
                                               const char *instance_type);

/* Returns the spec of exactly `instance_type`, borrowed, or NULL. */
const struct gpu_type_spec *gpu_specs_type(const struct gpu_specs *specs,
                                           const char *instance_type);

#endif
