/*
 * gpu_specs.c - the static GPU spec table (config/gpu-specs.json): per-family GPU model and
 * per-GPU memory, per-type vCPU, RAM and GPU count.
 *
 * The file is ours, so it is read strictly: every key must be known, every figure positive and
 * every instance type must belong to a listed family. A typo there would otherwise silently
 * change which instance the advisor can offer.
 */
#include "computefit/gpu_specs.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsoniter.h"

/* Limits on the table, so that a corrupt file cannot make us allocate without bound. */
#define GPU_SPECS_MAX_FAMILIES 256
#define GPU_SPECS_MAX_TYPES    4096
#define GPU_SPECS_MAX_GPUS     64
#define GPU_SPECS_MAX_FIGURE   1e7 /* vCPU, GiB: far above any instance AWS sells */

static int family_cmp(const void *a, const void *b)
{
    return strcmp(((const struct gpu_family_spec *)a)->family,
                  ((const struct gpu_family_spec *)b)->family);
}

static int type_cmp(const void *a, const void *b)
{
    return strcmp(((const struct gpu_type_spec *)a)->type, ((const struct gpu_type_spec *)b)->type);
}

/* Letters, digits and '-' only: the characters AWS uses in family and size names. */
static bool name_chars_ok(const char *s, bool allow_dot)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              (allow_dot && c == '.')))
            return false;
    }
    return true;
}

/* Rejects any key of `obj` not in `allowed` (NULL-terminated), naming it as path.key. */
static int check_keys(const json_t *obj, const char *const allowed[], const char *path,
                      struct cf_error *reterr)
{
    const char *key;
    json_t *v;
    jsoniter_object_foreach(obj, key, v)
    {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known = known || strcmp(key, allowed[i]) == 0;
        if (!known) {
            char field[128];
            snprintf(field, sizeof(field), "%s%s%s", path, *path ? "." : "", key);
            return cf_error_set(reterr, CF_ECONFIG, field,
                                "Unknown key %s in the GPU spec file: remove it or fix its "
                                "spelling.",
                                field);
        }
    }
    return 0;
}

static int get_positive(const json_t *obj, const char *key, const char *path, double *ret,
                        struct cf_error *reterr)
{
    char field[128];
    snprintf(field, sizeof(field), "%s.%s", path, key);
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return cf_error_set(reterr, CF_ECONFIG, field, "%s is missing; it must be a number.",
                            field);
    if (!json_is_number(v))
        return cf_error_set(reterr, CF_ECONFIG, field, "%s must be a number.", field);
    double d = json_number_value(v);
    if (!isfinite(d) || d <= 0 || d > GPU_SPECS_MAX_FIGURE)
        return cf_error_set(reterr, CF_ECONFIG, field,
                            "%s must be a positive number up to %g, got %g.", field,
                            GPU_SPECS_MAX_FIGURE, d);
    *ret = d;
    return 0;
}

static int parse_family(const char *name, const json_t *v, struct gpu_family_spec *ret,
                        struct cf_error *reterr)
{
    static const char *const keys[] = {"gpu_model", "gpu_memory_gib", NULL};
    char path[128];
    snprintf(path, sizeof(path), "families.%s", name);
    if (strlen(name) >= sizeof(ret->family) || !name_chars_ok(name, false))
        return cf_error_set(reterr, CF_ECONFIG, path,
                            "Family name \"%s\" must be 1-%zu characters of a-z, 0-9 and '-'.",
                            name, sizeof(ret->family) - 1);
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_ECONFIG, path,
                            "%s must be an object with gpu_model and gpu_memory_gib.", path);
    int r = check_keys(v, keys, path, reterr);
    if (r < 0)
        return r;
    const json_t *model = json_object_get(v, "gpu_model");
    if (!json_is_string(model) || json_string_length(model) == 0 ||
        json_string_length(model) >= sizeof(ret->gpu_model) ||
        strlen(json_string_value(model)) != json_string_length(model)) {
        char field[128];
        snprintf(field, sizeof(field), "%s.gpu_model", path);
        return cf_error_set(reterr, CF_ECONFIG, field,
                            "%s must be a non-empty string of at most %zu characters.", field,
                            sizeof(ret->gpu_model) - 1);
    }
    double mem;
    r = get_positive(v, "gpu_memory_gib", path, &mem, reterr);
    if (r < 0)
        return r;
    snprintf(ret->family, sizeof(ret->family), "%s", name);
    snprintf(ret->gpu_model, sizeof(ret->gpu_model), "%s", json_string_value(model));
    ret->gpu_memory_gib = mem;
    return 0;
}

static int parse_type(const char *name, const json_t *v, struct gpu_type_spec *ret,
                      struct cf_error *reterr)
{
    static const char *const keys[] = {"vcpu", "memory_gib", "gpus", NULL};
    char path[128];
    snprintf(path, sizeof(path), "instances.%s", name);
    const char *dot = strchr(name, '.');
    if (strlen(name) >= sizeof(ret->type) || !name_chars_ok(name, true) || !dot || dot == name ||
        !dot[1] || strchr(dot + 1, '.'))
        return cf_error_set(reterr, CF_ECONFIG, path,
                            "Instance type \"%s\" must look like \"g5.xlarge\" (at most %zu "
                            "characters).",
                            name, sizeof(ret->type) - 1);
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_ECONFIG, path,
                            "%s must be an object with vcpu, memory_gib and gpus.", path);
    int r = check_keys(v, keys, path, reterr);
    if (r < 0)
        return r;
    double vcpu, mem;
    r = get_positive(v, "vcpu", path, &vcpu, reterr);
    if (r < 0)
        return r;
    r = get_positive(v, "memory_gib", path, &mem, reterr);
    if (r < 0)
        return r;
    const json_t *gpus = json_object_get(v, "gpus");
    if (!json_is_integer(gpus) || json_integer_value(gpus) < 1 ||
        json_integer_value(gpus) > GPU_SPECS_MAX_GPUS) {
        char field[128];
        snprintf(field, sizeof(field), "%s.gpus", path);
        return cf_error_set(reterr, CF_ECONFIG, field,
                            "%s must be a whole number of GPUs from 1 to %d.", field,
                            GPU_SPECS_MAX_GPUS);
    }
    snprintf(ret->type, sizeof(ret->type), "%s", name);
    ret->vcpu = vcpu;
    ret->memory_gib = mem;
    ret->gpus = (int)json_integer_value(gpus);
    return 0;
}

static int check_sources(const json_t *sources, struct cf_error *reterr)
{
    if (!json_is_array(sources) || json_array_size(sources) == 0)
        return cf_error_set(reterr, CF_ECONFIG, "sources",
                            "sources must be a non-empty array of strings saying where the "
                            "figures come from.");
    for (size_t i = 0; i < json_array_size(sources); i++) {
        const json_t *s = json_array_get(sources, i);
        if (!json_is_string(s) || json_string_length(s) == 0) {
            char field[32];
            snprintf(field, sizeof(field), "sources[%zu]", i);
            return cf_error_set(reterr, CF_ECONFIG, field, "%s must be a non-empty string.", field);
        }
    }
    return 0;
}

/* Copies the family part of an instance type ("g5.xlarge" -> "g5"; a bare "g5" stays "g5");
 * returns false when it cannot be a family name. */
static bool family_of(const char *instance_type, char *out, size_t n)
{
    size_t len = strcspn(instance_type, ".");
    if (len == 0 || len >= n)
        return false;
    memcpy(out, instance_type, len);
    out[len] = '\0';
    return true;
}

int gpu_specs_from_json(const json_t *doc, struct gpu_specs **ret_specs, struct cf_error *reterr)
{
    static const char *const keys[] = {"families", "instances", "sources", NULL};
    struct gpu_specs *s = NULL;
    int r;

    if (!json_is_object(doc))
        return cf_error_set(reterr, CF_ECONFIG, "",
                            "The GPU spec file must hold a JSON object with families, instances "
                            "and sources.");
    r = check_keys(doc, keys, "", reterr);
    if (r < 0)
        return r;
    const json_t *families = json_object_get(doc, "families");
    const json_t *instances = json_object_get(doc, "instances");
    if (!json_is_object(families) || json_object_size(families) == 0 ||
        json_object_size(families) > GPU_SPECS_MAX_FAMILIES)
        return cf_error_set(reterr, CF_ECONFIG, "families",
                            "families must be an object of 1-%d GPU families.",
                            GPU_SPECS_MAX_FAMILIES);
    if (!json_is_object(instances) || json_object_size(instances) == 0 ||
        json_object_size(instances) > GPU_SPECS_MAX_TYPES)
        return cf_error_set(reterr, CF_ECONFIG, "instances",
                            "instances must be an object of 1-%d instance types.",
                            GPU_SPECS_MAX_TYPES);
    r = check_sources(json_object_get(doc, "sources"), reterr);
    if (r < 0)
        return r;

    s = calloc(1, sizeof(*s));
    if (!s)
        return cf_error_set(reterr, CF_ENOMEM, "", "Out of memory reading the GPU spec table.");
    s->families = calloc(json_object_size(families), sizeof(*s->families));
    s->types = calloc(json_object_size(instances), sizeof(*s->types));
    if (!s->families || !s->types) {
        r = cf_error_set(reterr, CF_ENOMEM, "", "Out of memory reading the GPU spec table.");
        goto out;
    }

    const char *key;
    json_t *v;
    jsoniter_object_foreach(families, key, v)
    {
        r = parse_family(key, v, &s->families[s->n_families], reterr);
        if (r < 0)
            goto out;
        s->n_families++;
    }
    qsort(s->families, s->n_families, sizeof(*s->families), family_cmp);

    jsoniter_object_foreach(instances, key, v)
    {
        struct gpu_type_spec *t = &s->types[s->n_types];
        r = parse_type(key, v, t, reterr);
        if (r < 0)
            goto out;
        s->n_types++;
        if (!gpu_specs_family(s, t->type)) {
            char field[128];
            snprintf(field, sizeof(field), "instances.%s", t->type);
            r = cf_error_set(reterr, CF_ECONFIG, field,
                             "%s belongs to no family listed under families: add its family "
                             "with its GPU model and memory.",
                             t->type);
            goto out;
        }
    }
    qsort(s->types, s->n_types, sizeof(*s->types), type_cmp);

    *ret_specs = s;
    s = NULL;
    r = 0;
out:
    gpu_specs_free(s);
    return r;
}

void gpu_specs_free(struct gpu_specs *specs)
{
    if (!specs)
        return;
    free(specs->families);
    free(specs->types);
    free(specs);
}

const struct gpu_family_spec *gpu_specs_family(const struct gpu_specs *specs,
                                               const char *instance_type)
{
    if (!specs || !instance_type)
        return NULL;
    struct gpu_family_spec key;
    if (!family_of(instance_type, key.family, sizeof(key.family)))
        return NULL;
    return bsearch(&key, specs->families, specs->n_families, sizeof(*specs->families), family_cmp);
}

const struct gpu_type_spec *gpu_specs_type(const struct gpu_specs *specs, const char *instance_type)
{
    if (!specs || !instance_type)
        return NULL;
    struct gpu_type_spec key;
    if (strlen(instance_type) >= sizeof(key.type))
        return NULL;
    strcpy(key.type, instance_type);
    return bsearch(&key, specs->types, specs->n_types, sizeof(*specs->types), type_cmp);
}
