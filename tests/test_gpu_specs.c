/*
 * test_gpu_specs.c - the static GPU spec table: the shipped config/gpu-specs.json, look-ups
 * (family prefixes that share letters: g6/g6e, p3/p3dn, p5/p5e/p5en), malformed files, and the
 * agreement between the spec table and the GPU figures in the bundled rates snapshot.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/gpu_specs.h"
#include "computefit/rates_json.h"
#include "testutil.h"

static struct gpu_specs *load_shipped(void)
{
    size_t len;
    char *text = cf_test_read("config/gpu-specs.json", &len);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    ck_assert_msg(doc != NULL, "config/gpu-specs.json: line %d: %s", jerr.line, jerr.text);
    struct gpu_specs *specs = NULL;
    struct cf_error err = {0};
    int r = gpu_specs_from_json(doc, &specs, &err);
    json_decref(doc);
    ck_assert_msg(r == 0, "gpu_specs_from_json: %d %s: %s", r, err.field, err.message);
    ck_assert_ptr_nonnull(specs);
    return specs;
}

/* The families the brief names, with the model and per-GPU memory AWS documents. */
static const struct {
    const char *family, *model;
    double gib;
} want_families[] = {
    {"g4dn", "T4", 16}, {"g5", "A10G", 24},   {"g6", "L4", 24},      {"g6e", "L40S", 48},
    {"p3", "V100", 16}, {"p3dn", "V100", 32}, {"p4d", "A100", 40},   {"p4de", "A100", 80},
    {"p5", "H100", 80}, {"p5e", "H200", 141}, {"p5en", "H200", 141},
};

START_TEST(test_shipped_families)
{
    struct gpu_specs *s = load_shipped();
    ck_assert_uint_eq(s->n_families, sizeof(want_families) / sizeof(want_families[0]));
    for (size_t i = 0; i < sizeof(want_families) / sizeof(want_families[0]); i++) {
        const struct gpu_family_spec *f = gpu_specs_family(s, want_families[i].family);
        ck_assert_msg(f != NULL, "family %s missing", want_families[i].family);
        ck_assert_str_eq(f->family, want_families[i].family);
        ck_assert_str_eq(f->gpu_model, want_families[i].model);
        ck_assert_double_eq(f->gpu_memory_gib, want_families[i].gib);
    }
    gpu_specs_free(s);
}
END_TEST

/* aws-price-list.md section 9 (vCPU, RAM GiB, GPUs) and the g6e sizes of the brief. */
static const struct {
    const char *type;
    double vcpu, mem;
    int gpus;
} want_types[] = {
    {"g4dn.xlarge", 4, 16, 1},      {"g4dn.2xlarge", 8, 32, 1},      {"g4dn.4xlarge", 16, 64, 1},
    {"g4dn.8xlarge", 32, 128, 1},   {"g4dn.12xlarge", 48, 192, 4},   {"g4dn.16xlarge", 64, 256, 1},
    {"g4dn.metal", 96, 384, 8},     {"g5.xlarge", 4, 16, 1},         {"g5.2xlarge", 8, 32, 1},
    {"g5.4xlarge", 16, 64, 1},      {"g5.8xlarge", 32, 128, 1},      {"g5.12xlarge", 48, 192, 4},
    {"g5.16xlarge", 64, 256, 1},    {"g5.24xlarge", 96, 384, 4},     {"g5.48xlarge", 192, 768, 8},
    {"g6.xlarge", 4, 16, 1},        {"g6.2xlarge", 8, 32, 1},        {"g6.4xlarge", 16, 64, 1},
    {"g6.8xlarge", 32, 128, 1},     {"g6.12xlarge", 48, 192, 4},     {"g6.16xlarge", 64, 256, 1},
    {"g6.24xlarge", 96, 384, 4},    {"g6.48xlarge", 192, 768, 8},    {"g6e.xlarge", 4, 32, 1},
    {"g6e.2xlarge", 8, 64, 1},      {"g6e.4xlarge", 16, 128, 1},     {"g6e.8xlarge", 32, 256, 1},
    {"g6e.12xlarge", 48, 384, 4},   {"g6e.16xlarge", 64, 512, 1},    {"g6e.24xlarge", 96, 768, 4},
    {"g6e.48xlarge", 192, 1536, 8}, {"p3.2xlarge", 8, 61, 1},        {"p3.8xlarge", 32, 244, 4},
    {"p3.16xlarge", 64, 488, 8},    {"p3dn.24xlarge", 96, 768, 8},   {"p4d.24xlarge", 96, 1152, 8},
    {"p4de.24xlarge", 96, 1152, 8}, {"p5.4xlarge", 16, 256, 1},      {"p5.48xlarge", 192, 2048, 8},
    {"p5e.48xlarge", 192, 2048, 8}, {"p5en.48xlarge", 192, 2048, 8},
};

START_TEST(test_shipped_types)
{
    struct gpu_specs *s = load_shipped();
    ck_assert_uint_eq(s->n_types, sizeof(want_types) / sizeof(want_types[0]));
    for (size_t i = 0; i < sizeof(want_types) / sizeof(want_types[0]); i++) {
        const struct gpu_type_spec *t = gpu_specs_type(s, want_types[i].type);
        ck_assert_msg(t != NULL, "type %s missing", want_types[i].type);
        ck_assert_double_eq(t->vcpu, want_types[i].vcpu);
        ck_assert_double_eq(t->memory_gib, want_types[i].mem);
        ck_assert_int_eq(t->gpus, want_types[i].gpus);
    }
    gpu_specs_free(s);
}
END_TEST

START_TEST(test_lookup_prefixes)
{
    struct gpu_specs *s = load_shipped();
    /* Families that share a prefix must not be confused: g6e is L40S 48, not g6's L4 24. */
    ck_assert_str_eq(gpu_specs_family(s, "g6e.xlarge")->gpu_model, "L40S");
    ck_assert_str_eq(gpu_specs_family(s, "g6.xlarge")->gpu_model, "L4");
    ck_assert_double_eq(gpu_specs_family(s, "p3dn.24xlarge")->gpu_memory_gib, 32);
    ck_assert_double_eq(gpu_specs_family(s, "p3.16xlarge")->gpu_memory_gib, 16);
    ck_assert_double_eq(gpu_specs_family(s, "p5en.48xlarge")->gpu_memory_gib, 141);
    ck_assert_double_eq(gpu_specs_family(s, "p5.48xlarge")->gpu_memory_gib, 80);
    /* A bare family name is its own family; a bare family is not an instance type. */
    ck_assert_str_eq(gpu_specs_family(s, "g5")->family, "g5");
    ck_assert_ptr_null(gpu_specs_type(s, "g5"));
    /* Not GPU instances, or nonsense. */
    ck_assert_ptr_null(gpu_specs_family(s, "m5.large"));
    ck_assert_ptr_null(gpu_specs_type(s, "m5.large"));
    ck_assert_ptr_null(gpu_specs_type(s, "g5.3xlarge"));
    ck_assert_ptr_null(gpu_specs_family(s, ""));
    ck_assert_ptr_null(gpu_specs_family(s, ".xlarge"));
    ck_assert_ptr_null(gpu_specs_family(s, NULL));
    ck_assert_ptr_null(gpu_specs_type(s, NULL));
    ck_assert_ptr_null(gpu_specs_family(NULL, "g5.xlarge"));
    ck_assert_ptr_null(gpu_specs_type(s, "g5.xlarge-with-a-name-far-too-long-for-any-type"));
    ck_assert_ptr_null(gpu_specs_family(s, "g5g5g5g5g5g5g5g5g5g5.xlarge"));
    /* The p4d row's gpuMemory is "NA" in AWS's own file: the table answers 8 x 40 GiB. */
    const struct gpu_type_spec *t = gpu_specs_type(s, "p4d.24xlarge");
    ck_assert_double_eq(t->gpus * gpu_specs_family(s, t->type)->gpu_memory_gib, 8 * 40);
    gpu_specs_free(s);
    gpu_specs_free(NULL);
}
END_TEST

/* Every GPU instance of the bundled snapshot carries the figures of the spec table it was built
 * from: its vCPU, RAM and GPU count, its family's model, and family memory x GPU count. */
START_TEST(test_snapshot_agrees_with_specs)
{
    struct gpu_specs *s = load_shipped();
    struct rates *r = NULL;
    struct cf_error err = {0};
    char *path = cf_test_path("config/rates-snapshot.json");
    int e = rates_load_file(path, CF_SOURCE_SNAPSHOT, &r, &err);
    free(path);
    ck_assert_msg(e == 0, "%s: %s", err.field, err.message);
    size_t checked = 0;
    for (size_t i = 0; i < r->n_regions; i++) {
        const struct region_rates *rr = &r->regions[i];
        for (size_t j = 0; j < rr->n_instances; j++) {
            const struct ec2_instance *g = &rr->instances[j];
            if (g->gpus == 0)
                continue; /* a CPU instance: not the spec table's */
            const struct gpu_type_spec *t = gpu_specs_type(s, g->type);
            const struct gpu_family_spec *f = gpu_specs_family(s, g->type);
            ck_assert_msg(t && f, "%s %s not in the spec table", rr->code, g->type);
            ck_assert_double_eq(g->vcpu, t->vcpu);
            ck_assert_double_eq(g->memory_gib, t->memory_gib);
            ck_assert_int_eq(g->gpus, t->gpus);
            ck_assert_str_eq(g->gpu_model, f->gpu_model);
            ck_assert_double_eq(g->gpu_memory_gib, f->gpu_memory_gib * t->gpus);
            checked++;
        }
    }
    ck_assert_uint_gt(checked, 100);
    rates_unref(r);
    gpu_specs_free(s);
}
END_TEST

/* Applies one edit to a small valid spec document and expects it rejected naming `field`. */
static void expect_rejected(const char *edit_json, const char *field)
{
    static const char base[] =
        "{\"families\": {\"g5\": {\"gpu_model\": \"A10G\", \"gpu_memory_gib\": 24}},"
        " \"instances\": {\"g5.xlarge\": {\"vcpu\": 4, \"memory_gib\": 16, \"gpus\": 1}},"
        " \"sources\": [\"test\"]}";
    json_error_t jerr;
    json_t *doc = json_loads(base, 0, &jerr);
    ck_assert_ptr_nonnull(doc);
    json_t *edit = json_loads(edit_json, 0, &jerr);
    ck_assert_msg(edit != NULL, "bad edit %s", edit_json);
    /* The edit is a partial document merged two levels deep ("families": {"g5": {...}}). */
    const char *k1;
    json_t *v1;
    json_object_foreach(edit, k1, v1)
    {
        json_t *target = json_object_get(doc, k1);
        if (json_is_object(v1) && json_is_object(target)) {
            const char *k2;
            json_t *v2;
            json_object_foreach(v1, k2, v2)
            {
                json_t *t2 = json_object_get(target, k2);
                if (json_is_object(v2) && json_is_object(t2))
                    json_object_update(t2, v2);
                else
                    json_object_set(target, k2, v2);
            }
        } else if (json_is_null(v1)) {
            json_object_del(doc, k1);
        } else {
            json_object_set(doc, k1, v1);
        }
    }
    json_decref(edit);
    struct gpu_specs *s = NULL;
    struct cf_error err = {0};
    int r = gpu_specs_from_json(doc, &s, &err);
    json_decref(doc);
    ck_assert_msg(r == CF_ECONFIG, "edit %s: got %d, want CF_ECONFIG", edit_json, r);
    ck_assert_ptr_null(s);
    ck_assert_msg(strcmp(err.field, field) == 0, "edit %s: field \"%s\", want \"%s\" (%s)",
                  edit_json, err.field, field, err.message);
    ck_assert_msg(err.message[0] != '\0', "no message");
}

START_TEST(test_malformed)
{
    expect_rejected("{\"families\": {\"g5\": {\"gpu_memory_gib\": \"abc\"}}}",
                    "families.g5.gpu_memory_gib");
    expect_rejected("{\"families\": {\"g5\": {\"gpu_memory_gib\": -24}}}",
                    "families.g5.gpu_memory_gib");
    expect_rejected("{\"families\": {\"g5\": {\"gpu_memory_gib\": 0}}}",
                    "families.g5.gpu_memory_gib");
    expect_rejected("{\"families\": {\"g5\": {\"gpu_memry_gib\": 24}}}",
                    "families.g5.gpu_memry_gib");
    expect_rejected("{\"families\": {\"g5\": {\"gpu_model\": \"\"}}}", "families.g5.gpu_model");
    expect_rejected("{\"families\": {\"g5\": {\"gpu_model\": 7}}}", "families.g5.gpu_model");
    expect_rejected("{\"families\": {\"G5\": {\"gpu_model\": \"x\", \"gpu_memory_gib\": 1}}}",
                    "families.G5");
    expect_rejected("{\"families\": {\"g5\": []}}", "families.g5");
    expect_rejected("{\"instances\": {\"g5.xlarge\": {\"gpus\": 0}}}", "instances.g5.xlarge.gpus");
    expect_rejected("{\"instances\": {\"g5.xlarge\": {\"gpus\": 1.5}}}",
                    "instances.g5.xlarge.gpus");
    expect_rejected("{\"instances\": {\"g5.xlarge\": {\"vcpu\": \"4\"}}}",
                    "instances.g5.xlarge.vcpu");
    expect_rejected("{\"instances\": {\"g5.xlarge\": {\"memory_gib\": -1}}}",
                    "instances.g5.xlarge.memory_gib");
    expect_rejected(
        "{\"instances\": {\"x1.large\": {\"vcpu\": 1, \"memory_gib\": 1, \"gpus\": 1}}}",
        "instances.x1.large");
    expect_rejected(
        "{\"instances\": {\"g5xlarge\": {\"vcpu\": 1, \"memory_gib\": 1, \"gpus\": 1}}}",
        "instances.g5xlarge");
    expect_rejected("{\"families\": null}", "families");
    expect_rejected("{\"instances\": null}", "instances");
    expect_rejected("{\"families\": []}", "families");
    expect_rejected("{\"sources\": null}", "sources");
    expect_rejected("{\"sources\": []}", "sources");
    expect_rejected("{\"sources\": [\"ok\", 3]}", "sources[1]");
    expect_rejected("{\"note\": \"typo\"}", "note");

    struct gpu_specs *s = NULL;
    struct cf_error err = {0};
    json_t *arr = json_array();
    ck_assert_int_eq(gpu_specs_from_json(arr, &s, &err), CF_ECONFIG);
    ck_assert_int_eq(gpu_specs_from_json(NULL, &s, NULL), CF_ECONFIG);
    json_decref(arr);
    ck_assert_ptr_null(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gpu_specs");
    TCase *tc = tcase_create("gpu_specs");
    tcase_add_test(tc, test_shipped_families);
    tcase_add_test(tc, test_shipped_types);
    tcase_add_test(tc, test_lookup_prefixes);
    tcase_add_test(tc, test_snapshot_agrees_with_specs);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
