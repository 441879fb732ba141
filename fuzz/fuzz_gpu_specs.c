/*
 * fuzz_gpu_specs.c - libFuzzer target for the GPU spec table loader (gpu_specs_from_json in
 * src/pricing/gpu_specs.c), which reads config/gpu-specs.json at start-up.
 *
 * Input: a spec file, parsed as main.c parses it (JSON_REJECT_DUPLICATES). Checked: an error
 * is a filled CF_E* record; a loaded table finds every family and instance type it holds
 * (the look-ups are binary searches over the sorted arrays), and answers look-ups of odd names.
 */
#include <stdio.h>
#include <string.h>

#include "computefit/gpu_specs.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = fuzz_parse_doc(data, size);
    if (!doc)
        return 0;
    struct gpu_specs *s = NULL;
    struct cf_error err = {0};
    int r = gpu_specs_from_json(doc, &s, &err);
    if (r != 0) {
        fuzz_check_error(r, &err);
        FUZZ_ASSERT(s == NULL, "table set on failure");
        json_decref(doc);
        return 0;
    }
    for (size_t i = 0; i < s->n_families; i++) {
        const struct gpu_family_spec *f = &s->families[i];
        fuzz_check_str(f->family, sizeof(f->family), "family");
        fuzz_check_str(f->gpu_model, sizeof(f->gpu_model), "gpu_model");
        char type[64];
        snprintf(type, sizeof(type), "%s.xlarge", f->family);
        FUZZ_ASSERT(gpu_specs_family(s, type) == f, "family %s not found", f->family);
    }
    for (size_t i = 0; i < s->n_types; i++) {
        const struct gpu_type_spec *t = &s->types[i];
        fuzz_check_str(t->type, sizeof(t->type), "type");
        FUZZ_ASSERT(gpu_specs_type(s, t->type) == t, "type %s not found", t->type);
        (void)gpu_specs_family(s, t->type);
    }
    static const char *const odd[] = {"", ".", "g5", "g5.", ".xlarge", "g5.xlarge.x"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        (void)gpu_specs_family(s, odd[i]);
        (void)gpu_specs_type(s, odd[i]);
    }
    gpu_specs_free(s);
    json_decref(doc);
    return 0;
}
