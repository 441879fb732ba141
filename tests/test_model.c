/*
 * test_model.c - loading config/model.json: every constant read, every mistake in the file
 * rejected with its key path.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/model.h"
#include "testutil.h"

static json_t *load_doc(void)
{
    char *text = cf_test_read("config/model.json", NULL);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    free(text);
    ck_assert_msg(doc != NULL, "config/model.json: %s (line %d)", jerr.text, jerr.line);
    return doc;
}

START_TEST(real_file_loads)
{
    json_t *doc = load_doc();
    struct model *m = NULL;
    struct cf_error err = {0};
    ck_assert_msg(model_from_json(doc, &m, &err) == 0, "%s: %s", err.field, err.message);
    ck_assert_ptr_nonnull(m);
    ck_assert_double_eq(m->hours_per_month, 730);
    ck_assert_double_eq(m->lambda.max_duration_s, 900);
    ck_assert_double_eq(m->lambda.min_memory_mb, 128);
    ck_assert_double_eq(m->lambda.max_memory_mb, 10240);
    ck_assert_double_eq(m->lambda.max_ephemeral_mb, 10240);
    ck_assert_double_eq(m->lambda.max_concurrency, 1000);
    ck_assert_double_eq(m->lambda.mb_per_vcpu, 1769);
    ck_assert_double_eq(m->lambda.free_tier_requests, 1e6);
    ck_assert_double_eq(m->lambda.free_tier_gb_s, 400000);
    ck_assert_double_eq(m->fargate.minimum_billed_s, 60);
    ck_assert_double_eq(m->fargate.ephemeral_included_gb, 20);
    ck_assert_double_eq(m->fargate.max_ephemeral_gb, 200);
    /* Lambda Managed Instances (their sources are in the file, as of 2026-12). */
    ck_assert_double_eq(m->lambda_managed.management_fee_share, 0.15);
    ck_assert_double_eq(m->lambda_managed.min_instances, 3);
    ck_assert_double_eq(m->lambda_managed.max_duration_s, 5400);
    ck_assert_double_eq(m->lambda_managed.max_sync_duration_s, 900);
    ck_assert_double_eq(m->lambda_managed.min_memory_mb, 2048);
    ck_assert_double_eq(m->lambda_managed.max_memory_mb, 32768);
    ck_assert_double_eq(m->lambda_managed.min_memory_gib_per_vcpu, 2);
    ck_assert_double_eq(m->lambda_managed.max_memory_gib_per_vcpu, 8);
    ck_assert_double_eq(m->lambda_managed.max_concurrency_per_environment, 1600);
    ck_assert_double_eq(m->lambda_managed.max_accelerator_memory_gb, 48);
    ck_assert_double_eq(m->ecs_managed.management_fee_share, 0.12);
    /* Less upkeep than ECS on EC2, more than Lambda. */
    ck_assert_double_lt(m->ops.hours_per_month[MODEL_ECS_MANAGED],
                        m->ops.hours_per_month[MODEL_ECS_EC2]);
    ck_assert_double_gt(m->ops.hours_per_month[MODEL_LAMBDA_MANAGED],
                        m->ops.hours_per_month[MODEL_LAMBDA]);
    ck_assert_double_eq(m->rules.comfortable_duration_s, 600);
    ck_assert_double_eq(m->rules.comfortable_memory_mb, 3072);
    ck_assert_double_eq(m->rules.high_rate_per_s, 100);
    ck_assert_double_eq(m->size.precision_bytes[MODEL_PRECISION_FP16], 2);
    ck_assert_double_eq(m->size.precision_bytes[MODEL_PRECISION_INT4], 0.5);
    ck_assert_double_eq(m->size.precision_bytes[MODEL_PRECISION_FP8], 1); /* 8 bits */
    ck_assert_int_eq(m->size.default_precision, MODEL_PRECISION_FP16);
    ck_assert(m->event_trigger[MODEL_TRIGGER_S3]);
    ck_assert(m->event_trigger[MODEL_TRIGGER_HTTP]);
    ck_assert(!m->event_trigger[MODEL_TRIGGER_MANUAL]);
    ck_assert_uint_eq(m->n_kinds, 6);
    ck_assert_ptr_nonnull(model_kind_find(m, "document-processing"));
    ck_assert_ptr_nonnull(model_kind_find(m, "fine-tuning"));
    ck_assert_ptr_null(model_kind_find(m, "knitting"));
    model_free(m);
    json_decref(doc);
}
END_TEST

/* The Fargate table expands to exactly the valid pairs of the ECS documentation. */
START_TEST(fargate_pairs)
{
    json_t *doc = load_doc();
    struct model *m = NULL;
    ck_assert_int_eq(model_from_json(doc, &m, NULL), 0);
    /* 0.25: 3; 0.5: 1-4 = 4; 1: 2-8 = 7; 2: 4-16 = 13; 4: 8-30 = 23; 8: 16-60 step 4 = 12;
     * 16: 32-120 step 8 = 12. */
    ck_assert_uint_eq(m->fargate.n_pairs, 3 + 4 + 7 + 13 + 23 + 12 + 12);
    ck_assert_double_eq(m->fargate.max_vcpu, 16);
    ck_assert_double_eq(m->fargate.max_memory_gb, 120);
    ck_assert_double_eq(m->fargate.pairs[0].vcpu, 0.25);
    ck_assert_double_eq(m->fargate.pairs[0].memory_gb, 0.5);
    size_t n8 = 0, n16 = 0;
    bool has_8_20 = false, has_8_18 = false, has_16_40 = false, has_16_36 = false;
    for (size_t i = 0; i < m->fargate.n_pairs; i++) {
        const struct model_fargate_pair *p = &m->fargate.pairs[i];
        if (p->vcpu == 8) {
            n8++;
            has_8_20 |= p->memory_gb == 20;
            has_8_18 |= p->memory_gb == 18;
        }
        if (p->vcpu == 16) {
            n16++;
            has_16_40 |= p->memory_gb == 40;
            has_16_36 |= p->memory_gb == 36;
        }
        if (i)
            ck_assert(p->vcpu > p[-1].vcpu ||
                      (p->vcpu == p[-1].vcpu && p->memory_gb > p[-1].memory_gb));
    }
    ck_assert_uint_eq(n8, 12);
    ck_assert_uint_eq(n16, 12);
    ck_assert(has_8_20 && !has_8_18);
    ck_assert(has_16_40 && !has_16_36);
    model_free(m);
    json_decref(doc);
}
END_TEST

START_TEST(names)
{
    ck_assert_str_eq(model_platform_name(MODEL_LAMBDA), "lambda");
    ck_assert_str_eq(model_platform_name(MODEL_FARGATE), "fargate");
    ck_assert_str_eq(model_platform_name(MODEL_ECS_EC2), "ecs_ec2");
    ck_assert_str_eq(model_platform_name(MODEL_LAMBDA_MANAGED), "lambda_managed");
    ck_assert_str_eq(model_platform_name(MODEL_ECS_MANAGED), "ecs_managed");
    enum model_trigger t;
    ck_assert_int_eq(model_trigger_parse("eventbridge", &t), 0);
    ck_assert_int_eq(t, MODEL_TRIGGER_EVENTBRIDGE);
    ck_assert_str_eq(model_trigger_name(t), "eventbridge");
    ck_assert_int_eq(model_trigger_parse("carrier-pigeon", &t), CF_EINVAL);
    ck_assert_int_eq(model_trigger_parse("", &t), CF_EINVAL);
    enum model_precision p;
    ck_assert_int_eq(model_precision_parse("bf16", &p), 0);
    ck_assert_int_eq(p, MODEL_PRECISION_BF16);
    ck_assert_int_eq(model_precision_parse("fp8", &p), 0);
    ck_assert_int_eq(p, MODEL_PRECISION_FP8);
    ck_assert_str_eq(model_precision_name(p), "fp8");
    ck_assert_int_eq(model_precision_parse("fp7", &p), CF_EINVAL);
    model_free(NULL);
}
END_TEST

/* Loads the real file with one change applied by `edit` and expects CF_ECONFIG at `field`. */
static void expect_rejected(void (*edit)(json_t *doc), const char *field)
{
    json_t *doc = load_doc();
    edit(doc);
    struct model *m = (struct model *)0x1;
    struct cf_error err = {0};
    int r = model_from_json(doc, &m, &err);
    ck_assert_msg(r == CF_ECONFIG, "edit accepted (r=%d) for %s", r, field);
    ck_assert_ptr_eq(m, (struct model *)0x1); /* ret_ untouched */
    ck_assert_msg(!strcmp(err.field, field), "field \"%s\", expected \"%s\" (%s)", err.field, field,
                  err.message);
    ck_assert(strlen(err.message) > 10);
    json_decref(doc);
}

static json_t *group(json_t *doc, const char *name)
{
    return json_object_get(doc, name);
}

static void drop_constant(json_t *d)
{
    json_object_del(group(d, "lambda"), "max_duration_s");
}
static void unknown_constant(json_t *d)
{
    json_object_set_new(group(d, "lambda"), "max_durration_s",
                        json_pack("{s:i, s:s}", "value", 900, "source", "typo"));
}
static void no_source(json_t *d)
{
    json_object_del(json_object_get(group(d, "lambda"), "max_duration_s"), "source");
}
static void out_of_range(json_t *d)
{
    json_object_set_new(json_object_get(group(d, "lambda"), "max_duration_s"), "value",
                        json_integer(-1));
}
static void string_value(json_t *d)
{
    json_object_set_new(json_object_get(group(d, "fargate"), "spot_discount"), "value",
                        json_string("0.7"));
}
static void bad_format(json_t *d)
{
    json_object_set_new(d, "format", json_string("computefit-model/0"));
}
static void bad_fargate_row(json_t *d)
{
    json_t *rows = json_object_get(json_object_get(group(d, "fargate"), "sizes"), "value");
    json_object_set_new(json_array_get(rows, 1), "memory_gb_stride", json_integer(1));
}
static void bad_preset_unit(json_t *d)
{
    json_t *k = json_object_get(json_object_get(d, "kinds"), "value");
    json_object_set_new(json_object_get(k, "document-processing"), "duration",
                        json_string("5 parsecs"));
}
static void preset_with_setting(json_t *d)
{
    json_t *k = json_object_get(json_object_get(d, "kinds"), "value");
    json_object_set_new(json_object_get(k, "real-time-api"), "region", json_string("eu-west-1"));
}
static void unknown_trigger(json_t *d)
{
    json_array_append_new(json_object_get(json_object_get(group(d, "triggers"), "event"), "value"),
                          json_string("carrier-pigeon"));
}
static void min_above_max(json_t *d)
{
    json_object_set_new(json_object_get(group(d, "lambda"), "min_memory_mb"), "value",
                        json_integer(20000));
}
static void managed_ratio_inverted(json_t *d)
{
    json_object_set_new(json_object_get(group(d, "lambda_managed"), "min_memory_gib_per_vcpu"),
                        "value", json_integer(9));
}
static void managed_sync_longer(json_t *d)
{
    json_object_set_new(json_object_get(group(d, "lambda_managed"), "max_sync_duration_s"), "value",
                        json_integer(6000));
}
static void missing_managed_ops(json_t *d)
{
    json_object_del(json_object_get(json_object_get(group(d, "ops"), "hours_per_month"), "value"),
                    "ecs_managed");
}
static void missing_ops_platform(json_t *d)
{
    json_object_del(json_object_get(json_object_get(group(d, "ops"), "hours_per_month"), "value"),
                    "fargate");
}

START_TEST(file_mistakes_rejected)
{
    expect_rejected(drop_constant, "lambda.max_duration_s");
    expect_rejected(unknown_constant, "lambda.max_durration_s");
    expect_rejected(no_source, "lambda.max_duration_s");
    expect_rejected(out_of_range, "lambda.max_duration_s");
    expect_rejected(string_value, "fargate.spot_discount");
    expect_rejected(bad_format, "format");
    expect_rejected(bad_fargate_row, "fargate.sizes[1].memory_gb_stride");
    expect_rejected(bad_preset_unit, "kinds.document-processing.duration");
    expect_rejected(preset_with_setting, "kinds.real-time-api.region");
    expect_rejected(unknown_trigger, "triggers.event[7]");
    expect_rejected(min_above_max, "lambda.min_memory_mb");
    expect_rejected(missing_ops_platform, "ops.hours_per_month");
    expect_rejected(missing_managed_ops, "ops.hours_per_month");
    expect_rejected(managed_ratio_inverted, "lambda_managed.min_memory_gib_per_vcpu");
    expect_rejected(managed_sync_longer, "lambda_managed.max_sync_duration_s");
}
END_TEST

START_TEST(not_an_object)
{
    struct model *m = NULL;
    json_t *arr = json_array();
    ck_assert_int_eq(model_from_json(arr, &m, NULL), CF_ECONFIG);
    ck_assert_int_eq(model_from_json(NULL, &m, NULL), CF_ECONFIG);
    ck_assert_ptr_null(m);
    json_decref(arr);
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, real_file_loads);
    tcase_add_test(tc, fargate_pairs);
    tcase_add_test(tc, names);
    tcase_add_test(tc, file_mistakes_rejected);
    tcase_add_test(tc, not_an_object);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(model_suite());
}
