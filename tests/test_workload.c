/*
 * test_workload.c - the request parser: every field in its JSON and string forms, presets,
 * derived values, and every kind of bad input rejected with the field named.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/workload.h"
#include "testutil.h"

static struct model *model;

static void load_model(void)
{
    model = cf_test_model();
}

static void free_model(void)
{
    model_free(model);
    model = NULL;
}

/* Parses a JSON text that must be accepted. */
static struct workload parse_ok(const char *text)
{
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_msg(req != NULL, "bad test JSON: %s", text);
    struct workload w;
    struct cf_error err = {0};
    int r = workload_parse(req, model, NULL, &w, &err);
    ck_assert_msg(r == 0, "%s rejected: %s: %s", text, err.field, err.message);
    json_decref(req);
    return w;
}

/* Parses a JSON text that must be rejected with `code` at `field`. */
static void parse_bad(const char *text, int code, const char *field)
{
    json_t *req = json_loads(text, 0, NULL);
    ck_assert_msg(req != NULL, "bad test JSON: %s", text);
    struct workload w;
    memset(&w, 0x5a, sizeof(w));
    struct cf_error err = {0};
    int r = workload_parse(req, model, NULL, &w, &err);
    ck_assert_msg(r == code, "%s: got %d (%s: %s), expected %d", text, r, err.field, err.message,
                  code);
    ck_assert_msg(!strcmp(err.field, field), "%s: field \"%s\", expected \"%s\" (%s)", text,
                  err.field, field, err.message);
    ck_assert_msg(strlen(err.message) > 15, "%s: message too short", text);
    unsigned char *p = (unsigned char *)&w;
    for (size_t i = 0; i < sizeof(w); i++)
        ck_assert_msg(p[i] == 0x5a, "%s: *ret_workload was written on failure", text);
    json_decref(req);
}

#define BASE "\"duration\": 30, \"memory\": 2048, \"invocations\": 10000"

START_TEST(minimal_numbers)
{
    struct workload w = parse_ok("{" BASE "}");
    ck_assert_double_eq(w.duration_s, 30);
    ck_assert_double_eq(w.memory_mb, 2048);
    ck_assert_double_eq(w.invocations_per_month, 10000);
    ck_assert_double_eq_tol(w.vcpu, 2048.0 / 1769, 1e-12); /* what Lambda gives 2048 MB */
    ck_assert_int_eq(w.vcpu_from, WORKLOAD_FROM_MEMORY);
    ck_assert(!w.gpu);
    ck_assert_int_eq(w.arch, WORKLOAD_ARCH_X86_64);
    ck_assert_str_eq(w.settings.region, "us-east-1");
    ck_assert(!w.settings.include_free_tier);
    ck_assert_int_eq(w.trigger, MODEL_TRIGGER_NONE);
    ck_assert_double_eq(w.fargate.startup_s, 30); /* model default */
    ck_assert(!w.fargate.pinned);
    /* Little's law: 10,000 a month over 730 h, 30 s each. */
    ck_assert_double_eq_tol(workload_concurrency(&w, model), 10000.0 / (730 * 3600) * 30, 1e-15);
}
END_TEST

/* A GET query string arrives as an object of strings: every field accepts its string form. */
START_TEST(query_string_form)
{
    struct workload w = parse_ok(
        "{\"duration\": \"30s\", \"memory\": \"2GB\", \"invocations\": \"500/day\", \"gpu\": "
        "\"false\", \"latency_sensitive\": \"true\", \"interruptible\": \"1\", "
        "\"team_engineers\": \"2\", \"engineer_hourly_usd\": \"95.5\", \"include_free_tier\": "
        "\"true\", \"vcpu\": \"0.5\", \"ephemeral_storage\": \"1GB\", \"architecture\": "
        "\"arm64\", \"trigger\": \"s3\", \"region\": \"eu-west-1\", \"fargate.vcpu\": \"1\", "
        "\"fargate.memory\": \"3GB\", \"fargate.mode\": \"per_job\", \"fargate.startup\": "
        "\"45s\"}");
    ck_assert_double_eq(w.duration_s, 30);
    ck_assert_double_eq(w.memory_mb, 2048);
    ck_assert_double_eq_tol(w.invocations_per_month, 500 * 730.0 / 24, 1e-9);
    ck_assert(!w.gpu);
    ck_assert(w.latency_sensitive);
    ck_assert(w.interruptible);
    ck_assert_int_eq(w.settings.team_engineers, 2);
    ck_assert_double_eq(w.settings.engineer_hourly_usd, 95.5);
    ck_assert(w.settings.include_free_tier);
    ck_assert_double_eq(w.vcpu, 0.5);
    ck_assert_int_eq(w.vcpu_from, WORKLOAD_FROM_REQUEST);
    ck_assert_double_eq(w.ephemeral_mb, 1024);
    ck_assert_int_eq(w.arch, WORKLOAD_ARCH_ARM64);
    ck_assert_int_eq(w.trigger, MODEL_TRIGGER_S3);
    ck_assert_str_eq(w.settings.region, "eu-west-1");
    ck_assert(w.fargate.pinned);
    ck_assert_double_eq(w.fargate.vcpu, 1);
    ck_assert_double_eq(w.fargate.memory_gb, 3);
    ck_assert_int_eq(w.fargate.mode, WORKLOAD_FARGATE_MODE_PER_JOB);
    ck_assert_double_eq(w.fargate.startup_s, 45);
}
END_TEST

START_TEST(invocation_forms)
{
    struct workload w =
        parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations_per_day\": 500}");
    ck_assert_double_eq_tol(w.invocations_per_month, 500 * 730.0 / 24, 1e-9);
    w = parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations_per_second\": \"2\"}");
    ck_assert_double_eq_tol(w.invocations_per_month, 2 * 3600 * 730.0, 1e-6);
    w = parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations_per_hour\": 3}");
    ck_assert_double_eq_tol(w.invocations_per_month, 3 * 730.0, 1e-9);
    w = parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations_per_month\": 7}");
    ck_assert_double_eq(w.invocations_per_month, 7);
    /* Both forms at once: rejected, naming the second. */
    parse_bad("{\"duration\": 1, \"memory\": 128, \"invocations\": 10, \"invocations_per_day\": 1}",
              CF_EINVAL, "invocations_per_day");
    parse_bad("{\"duration\": 1, \"memory\": 128, \"invocations_per_month\": 10, "
              "\"invocations_per_second\": 1}",
              CF_EINVAL, "invocations_per_second");
    /* An alias takes a plain number, not a unit. */
    parse_bad("{\"duration\": 1, \"memory\": 128, \"invocations_per_day\": \"5/hour\"}", CF_EINVAL,
              "invocations_per_day");
}
END_TEST

START_TEST(fargate_shapes)
{
    /* Pinned pair, nested. */
    struct workload w =
        parse_ok("{" BASE ", \"fargate\": {\"vcpu\": 0.25, \"memory\": \"0.5GB\", \"mode\": "
                 "\"always_on\", \"tasks\": 2}}");
    ck_assert(w.fargate.pinned);
    ck_assert_double_eq(w.fargate.vcpu, 0.25);
    ck_assert_double_eq(w.fargate.memory_gb, 0.5);
    ck_assert_int_eq(w.fargate.mode, WORKLOAD_FARGATE_MODE_ALWAYS_ON);
    ck_assert_int_eq(w.fargate.tasks, 2);
    /* Memory as a number is MB, like an ECS task definition. */
    w = parse_ok("{" BASE ", \"fargate\": {\"vcpu\": 0.5, \"memory\": 1024}}");
    ck_assert_double_eq(w.fargate.memory_gb, 1);
    /* Only the vCPU: the smallest memory for it that holds the task (2048 MB -> 2 GB at 1). */
    w = parse_ok("{" BASE ", \"fargate.vcpu\": 1}");
    ck_assert_double_eq(w.fargate.vcpu, 1);
    ck_assert_double_eq(w.fargate.memory_gb, 2);
    /* Only the vCPU, smaller than the task: its largest memory (0.25 vCPU -> 2 GB). */
    w = parse_ok("{\"duration\": 1, \"memory\": \"6GB\", \"invocations\": 1, \"fargate.vcpu\": "
                 "0.25}");
    ck_assert_double_eq(w.fargate.memory_gb, 2);
    /* Only the memory: the smallest vCPU that takes it and covers the task's vCPU (2048 MB ->
     * 1.16 vCPU on Lambda; 4 GB is valid for 0.5, 1 and 2 vCPU -> 2). */
    w = parse_ok("{" BASE ", \"fargate\": {\"memory\": \"4GB\"}}");
    ck_assert_double_eq(w.fargate.vcpu, 2);
    /* tasks implies always_on. */
    w = parse_ok("{" BASE ", \"fargate.tasks\": 3}");
    ck_assert_int_eq(w.fargate.mode, WORKLOAD_FARGATE_MODE_ALWAYS_ON);
    ck_assert(!w.fargate.pinned);

    parse_bad("{" BASE ", \"fargate\": {\"vcpu\": 0.3}}", CF_EINVAL, "fargate.vcpu");
    parse_bad("{" BASE ", \"fargate\": {\"vcpu\": 0.25, \"memory\": \"3GB\"}}", CF_EINVAL,
              "fargate.memory");
    parse_bad("{" BASE ", \"fargate\": {\"vcpu\": 8, \"memory\": \"18GB\"}}", CF_EINVAL,
              "fargate.memory");
    parse_bad("{" BASE ", \"fargate\": {\"memory\": \"7.5GB\"}}", CF_EINVAL, "fargate.memory");
    parse_bad("{" BASE ", \"fargate\": {\"cpu\": 1}}", CF_EUNKNOWN, "fargate.cpu");
    parse_bad("{" BASE ", \"fargate\": {\"vcpu\": 1}, \"fargate.vcpu\": 1}", CF_EINVAL,
              "fargate.vcpu");
    parse_bad("{" BASE ", \"fargate\": {\"mode\": \"sometimes\"}}", CF_EINVAL, "fargate.mode");
    parse_bad("{" BASE ", \"fargate\": {\"mode\": \"per_job\", \"tasks\": 2}}", CF_EINVAL,
              "fargate.tasks");
    parse_bad("{" BASE ", \"fargate\": {\"tasks\": 0}}", CF_EINVAL, "fargate.tasks");
    parse_bad("{" BASE ", \"fargate\": {\"tasks\": 1.5}}", CF_EINVAL, "fargate.tasks");
    parse_bad("{" BASE ", \"fargate\": {\"startup\": \"-5s\"}}", CF_EINVAL, "fargate.startup");
    parse_bad("{" BASE ", \"fargate\": {\"startup\": \"2h\"}}", CF_EINVAL, "fargate.startup");
    parse_bad("{" BASE ", \"fargate\": \"1 vCPU\"}", CF_EINVAL, "fargate");
    parse_bad("{" BASE ", \"fargate.cpu\": 1}", CF_EUNKNOWN, "fargate.cpu");
}
END_TEST

START_TEST(model_size_derivation)
{
    /* 7 B parameters in fp16 with the 1.2 overhead: 7e9 x 2 x 1.2 bytes = 16,021.73 MB. */
    double mb_7b_fp16 = 7e9 * 2 * 1.2 / (1024.0 * 1024);
    struct workload w = parse_ok("{\"duration\": 1, \"invocations\": 100, \"model_params_b\": 7}");
    ck_assert_double_eq_tol(w.memory_mb, mb_7b_fp16, 1e-9);
    ck_assert_int_eq(w.memory_from, WORKLOAD_FROM_MODEL_PARAMS);
    ck_assert(!w.gpu);
    /* With a GPU the same size is needed on the GPU (GiB). int4: 7e9 x 0.5 x 1.2 bytes. */
    w = parse_ok("{\"duration\": 1, \"invocations\": 100, \"model_params_b\": \"7\", "
                 "\"precision\": \"int4\", \"gpu\": true}");
    ck_assert(w.gpu);
    ck_assert_double_eq_tol(w.gpu_memory_gb, 7e9 * 0.5 * 1.2 / (1024.0 * 1024 * 1024), 1e-12);
    ck_assert_int_eq(w.gpu_memory_from, WORKLOAD_FROM_MODEL_PARAMS);
    /* Explicit values win over derived ones. */
    w = parse_ok("{\"duration\": 1, \"invocations\": 100, \"model_params_b\": 7, \"memory\": "
                 "\"4GB\", \"gpu_memory\": 20}");
    ck_assert_double_eq(w.memory_mb, 4096);
    ck_assert_double_eq(w.gpu_memory_gb, 20);
    ck_assert(w.gpu); /* gpu_memory implies gpu */
    parse_bad("{" BASE ", \"precision\": \"fp16\"}", CF_EINVAL, "precision");
    /* fp8 is a precision of its own: 7e9 x 1 byte x 1.2 = 8.4e9 bytes = 8,010.86 MB. */
    w = parse_ok("{\"duration\": 1, \"invocations\": 1, \"model_params_b\": 7, \"precision\": "
                 "\"fp8\"}");
    ck_assert_int_eq(w.precision, MODEL_PRECISION_FP8);
    ck_assert_double_eq_tol(w.memory_mb, 7e9 * 1 * 1.2 / (1024.0 * 1024), 1e-9);
    parse_bad("{\"duration\": 1, \"invocations\": 1, \"model_params_b\": 7, \"precision\": "
              "\"fp7\"}",
              CF_EINVAL, "precision");
    parse_bad("{\"duration\": 1, \"invocations\": 1, \"model_params_b\": -7}", CF_EINVAL,
              "model_params_b");
    /* 5,000 B in fp32 needs 5e12 x 4 x 1.2 bytes = 22 TB of memory: beyond any workload, and
     * the error names the field the user gave. */
    parse_bad("{\"duration\": 1, \"invocations\": 1, \"model_params_b\": 5000, \"precision\": "
              "\"fp32\"}",
              CF_EINVAL, "model_params_b");
    /* 1,000 B in fp16 fits 4 TB of host memory (2.2 TB) but not 2,048 GB of GPU memory. */
    parse_bad("{\"duration\": 1, \"invocations\": 1, \"model_params_b\": 1000, \"gpu\": "
              "true}",
              CF_EINVAL, "model_params_b");
}
END_TEST

START_TEST(gpu_fields)
{
    struct workload w = parse_ok("{" BASE ", \"gpu_memory\": \"24GB\"}");
    ck_assert(w.gpu);
    ck_assert_double_eq(w.gpu_memory_gb, 24);
    w = parse_ok("{" BASE ", \"gpu\": \"true\"}");
    ck_assert(w.gpu);
    ck_assert_double_eq(w.gpu_memory_gb, 0); /* any GPU */
    parse_bad("{" BASE ", \"gpu\": false, \"gpu_memory\": 16}", CF_EINVAL, "gpu_memory");
    parse_bad("{" BASE ", \"gpu_memory\": 0}", CF_EINVAL, "gpu_memory");
    parse_bad("{" BASE ", \"gpu_memory\": \"3TB\"}", CF_EINVAL, "gpu_memory");
    parse_bad("{" BASE ", \"gpu\": \"maybe\"}", CF_EINVAL, "gpu");
    parse_bad("{" BASE ", \"gpu\": 1}", CF_EINVAL, "gpu");
}
END_TEST

START_TEST(kind_presets)
{
    /* document-processing: 30 s, 1 GB, 500/day, s3. */
    struct workload w = parse_ok("{\"kind\": \"document-processing\"}");
    ck_assert_str_eq(w.kind, "document-processing");
    ck_assert_double_eq(w.duration_s, 30);
    ck_assert_double_eq(w.memory_mb, 1024);
    ck_assert_double_eq_tol(w.invocations_per_month, 500 * 730.0 / 24, 1e-9);
    ck_assert_int_eq(w.trigger, MODEL_TRIGGER_S3);
    ck_assert_int_eq(w.duration_from, WORKLOAD_FROM_KIND);
    /* Explicit fields win, and an explicit rate form replaces the preset's. */
    w = parse_ok("{\"kind\": \"document-processing\", \"duration\": \"2m\", "
                 "\"invocations_per_hour\": 1}");
    ck_assert_double_eq(w.duration_s, 120);
    ck_assert_int_eq(w.duration_from, WORKLOAD_FROM_REQUEST);
    ck_assert_double_eq(w.invocations_per_month, 730);
    ck_assert_double_eq(w.memory_mb, 1024);
    /* fine-tuning has a GPU; an explicit "no GPU" drops the preset's GPU memory. */
    w = parse_ok("{\"kind\": \"fine-tuning\"}");
    ck_assert(w.gpu);
    ck_assert_double_eq(w.gpu_memory_gb, 20);
    w = parse_ok("{\"kind\": \"fine-tuning\", \"gpu\": false}");
    ck_assert(!w.gpu);
    /* model_params_b in the request beats the preset's memory. */
    w = parse_ok("{\"kind\": \"real-time-api\", \"model_params_b\": 1}");
    ck_assert_double_eq_tol(w.memory_mb, 1e9 * 2 * 1.2 / (1024.0 * 1024), 1e-9);
    /* Every preset of the model parses on its own. */
    for (size_t i = 0; i < model->n_kinds; i++) {
        json_t *req = json_pack("{s:s}", "kind", model->kinds[i].name);
        struct cf_error err = {0};
        ck_assert_msg(workload_parse(req, model, NULL, &w, &err) == 0, "%s: %s",
                      model->kinds[i].name, err.message);
        json_decref(req);
    }
    parse_bad("{\"kind\": \"knitting\"}", CF_EINVAL, "kind");
    parse_bad("{\"kind\": 3}", CF_EINVAL, "kind");
}
END_TEST

START_TEST(bad_inputs)
{
    /* Wrong types. */
    parse_bad("{\"duration\": true, \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    parse_bad("{\"duration\": null, \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    parse_bad("{\"duration\": [30], \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    parse_bad("{\"duration\": 1, \"memory\": {}, \"invocations\": 1}", CF_EINVAL, "memory");
    parse_bad("{" BASE ", \"trigger\": 5}", CF_EINVAL, "trigger");
    parse_bad("{" BASE ", \"name\": 5}", CF_EINVAL, "name");
    /* Negative and zero. */
    parse_bad("{\"duration\": -5, \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    parse_bad("{\"duration\": 0, \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    parse_bad("{\"duration\": 1, \"memory\": 0, \"invocations\": 1}", CF_EINVAL, "memory");
    parse_bad("{\"duration\": 1, \"memory\": \"-2GB\", \"invocations\": 1}", CF_EINVAL, "memory");
    parse_bad("{\"duration\": 1, \"memory\": 1, \"invocations\": 0}", CF_EINVAL, "invocations");
    parse_bad("{\"duration\": 1, \"memory\": 1, \"invocations\": \"-1/day\"}", CF_EINVAL,
              "invocations");
    parse_bad("{" BASE ", \"vcpu\": 0}", CF_EINVAL, "vcpu");
    parse_bad("{" BASE ", \"ephemeral_storage\": -1}", CF_EINVAL, "ephemeral_storage");
    parse_bad("{" BASE ", \"team_engineers\": 0}", CF_EINVAL, "team_engineers");
    parse_bad("{" BASE ", \"engineer_hourly_usd\": 0}", CF_EINVAL, "engineer_hourly_usd");
    /* NaN and Infinity as strings, and overflow. */
    parse_bad("{\"duration\": \"NaN\", \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    parse_bad("{\"duration\": 1, \"memory\": \"Infinity\", \"invocations\": 1}", CF_EINVAL,
              "memory");
    parse_bad("{\"duration\": 1, \"memory\": 1, \"invocations\": \"inf\"}", CF_EINVAL,
              "invocations");
    parse_bad("{\"duration\": \"1e999\", \"memory\": 1, \"invocations\": 1}", CF_EINVAL,
              "duration");
    parse_bad("{" BASE ", \"vcpu\": \"nan\"}", CF_EINVAL, "vcpu");
    /* Bad units. */
    parse_bad("{\"duration\": \"5 parsecs\", \"memory\": 1, \"invocations\": 1}", CF_EINVAL,
              "duration");
    parse_bad("{\"duration\": 1, \"memory\": \"2 stone\", \"invocations\": 1}", CF_EINVAL,
              "memory");
    parse_bad("{\"duration\": 1, \"memory\": 1, \"invocations\": \"5/fortnight\"}", CF_EINVAL,
              "invocations");
    /* Unknown enums. */
    parse_bad("{" BASE ", \"architecture\": \"sparc\"}", CF_EINVAL, "architecture");
    parse_bad("{" BASE ", \"trigger\": \"carrier-pigeon\"}", CF_EINVAL, "trigger");
    /* Unknown fields, named, with a hint when close. */
    parse_bad("{" BASE ", \"durration\": 5}", CF_EUNKNOWN, "durration");
    parse_bad("{" BASE ", \"colour\": \"blue\"}", CF_EUNKNOWN, "colour");
    parse_bad("{" BASE ", \"tasks\": []}", CF_EUNKNOWN, "tasks");
    /* Absurd sizes. */
    parse_bad("{\"duration\": 1, \"memory\": \"5TB\", \"invocations\": 1}", CF_EINVAL, "memory");
    parse_bad("{\"duration\": \"32d\", \"memory\": 1, \"invocations\": 1}", CF_EINVAL, "duration");
    parse_bad("{\"duration\": 1, \"memory\": 1, \"invocations\": 2e12}", CF_EINVAL, "invocations");
    parse_bad("{\"duration\": 1, \"memory\": 1, \"invocations\": \"1000000/s\"}", CF_EINVAL,
              "invocations");
    parse_bad("{" BASE ", \"vcpu\": 5000}", CF_EINVAL, "vcpu");
    parse_bad("{" BASE ", \"ephemeral_storage\": \"100TB\"}", CF_EINVAL, "ephemeral_storage");
    parse_bad("{" BASE ", \"team_engineers\": 1e9}", CF_EINVAL, "team_engineers");
    /* Missing. */
    parse_bad("{\"memory\": 1, \"invocations\": 1}", CF_EMISSING, "duration");
    parse_bad("{\"duration\": 1, \"memory\": 1}", CF_EMISSING, "invocations");
    parse_bad("{\"duration\": 1, \"invocations\": 1}", CF_EMISSING, "memory");
    /* Settings. */
    parse_bad("{" BASE ", \"region\": \"US East\"}", CF_EINVAL, "region");
    parse_bad("{" BASE ", \"region\": \"\"}", CF_EINVAL, "region");
    parse_bad("{" BASE ", \"team_engineers\": 2.5}", CF_EINVAL, "team_engineers");
    parse_bad("{" BASE ", \"include_free_tier\": \"sure\"}", CF_EINVAL, "include_free_tier");
    parse_bad("{" BASE ", \"name\": \"\"}", CF_EINVAL, "name");
    parse_bad("{" BASE ", \"name\": \"0123456789012345678901234567890123456789012345678901234567"
              "8901234\"}",
              CF_EINVAL, "name");

    json_t *arr = json_array();
    struct workload w;
    ck_assert_int_eq(workload_parse(arr, model, NULL, &w, NULL), CF_EINVAL);
    json_decref(arr);
}
END_TEST

START_TEST(unknown_field_hint)
{
    json_t *req = json_loads("{\"duration\": 1, \"memory\": 1, \"invocations\": 1, "
                             "\"latency_sensitiv\": true}",
                             0, NULL);
    struct workload w;
    struct cf_error err = {0};
    ck_assert_int_eq(workload_parse(req, model, NULL, &w, &err), CF_EUNKNOWN);
    ck_assert_ptr_nonnull(strstr(err.message, "did you mean \"latency_sensitive\""));
    json_decref(req);
    /* A key that is not valid UTF-8 text once cut is echoed as ASCII. */
    req = json_pack("{s:i, s:i, s:i, s:i}", "duration", 1, "memory", 1, "invocations", 1,
                    "\xc3\xa9t\xc3\xa9", 1);
    ck_assert_int_eq(workload_parse(req, model, NULL, &w, &err), CF_EUNKNOWN);
    for (const char *p = err.field; *p; p++)
        ck_assert(*p >= 0x20 && *p < 0x7f);
    json_decref(req);
}
END_TEST

START_TEST(plan_settings)
{
    json_t *plan = json_loads("{\"region\": \"eu-west-1\", \"team_engineers\": 1, "
                              "\"include_free_tier\": true}",
                              0, NULL);
    struct workload_settings s;
    ck_assert_int_eq(workload_parse_settings(plan, model, &s, NULL), 0);
    ck_assert_str_eq(s.region, "eu-west-1");
    ck_assert_int_eq(s.team_engineers, 1);
    json_decref(plan);
    /* A task of a plan takes the plan's settings and may not repeat them. */
    json_t *task = json_loads("{" BASE ", \"name\": \"t\"}", 0, NULL);
    struct workload w;
    ck_assert_int_eq(workload_parse(task, model, &s, &w, NULL), 0);
    ck_assert_str_eq(w.settings.region, "eu-west-1");
    ck_assert_str_eq(w.name, "t");
    json_decref(task);
    task = json_loads("{" BASE ", \"region\": \"us-east-1\"}", 0, NULL);
    struct cf_error err = {0};
    ck_assert_int_eq(workload_parse(task, model, &s, &w, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "region");
    json_decref(task);
}
END_TEST

/* Found by fuzz/fuzz_workload.c (fuzz/regressions/workload/plan-task-name-with-newline: a
 * plan whose task is named "\nin"): the name went verbatim into the text answer for bots,
 * which then had seven lines instead of at most six ("Tasks: \nin -> ..."). Control
 * characters are refused in names now; other text, UTF-8 included, is still a name. */
START_TEST(name_without_control_characters)
{
    size_t len = 0;
    char *input = cf_test_read("fuzz/regressions/workload/plan-task-name-with-newline", &len);
    json_t *doc = json_loadb(input + 1, len - 1, JSON_REJECT_DUPLICATES, NULL);
    free(input);
    ck_assert_ptr_nonnull(doc);
    struct workload_settings s;
    ck_assert_int_eq(workload_parse_settings(doc, model, &s, NULL), 0);
    json_t *task = json_array_get(json_object_get(doc, "tasks"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(task, "name")), "\nin");
    struct workload w;
    struct cf_error err = {0};
    ck_assert_int_eq(workload_parse(task, model, &s, &w, &err), CF_EINVAL);
    ck_assert_str_eq(err.field, "name");
    json_decref(doc);

    parse_bad("{" BASE ", \"name\": \"a\\tb\"}", CF_EINVAL, "name");
    parse_bad("{" BASE ", \"name\": \"a\\u007fb\"}", CF_EINVAL, "name");
    parse_bad("{" BASE ", \"name\": \"line\\r\"}", CF_EINVAL, "name");
    w = parse_ok("{" BASE ", \"name\": \"r\u00e9sum\u00e9s (PDF) #2\"}");
    ck_assert_str_eq(w.name, "r\xc3\xa9sum\xc3\xa9s (PDF) #2");
}
END_TEST

/* What the workload echo (render_json's "workload") is made of. */
START_TEST(derived_values)
{
    struct workload w = parse_ok("{\"duration\": \"250ms\", \"memory\": \"1GB\", \"invocations\": "
                                 "\"100/s\", \"name\": \"api\", \"trigger\": \"http\"}");
    ck_assert_str_eq(w.name, "api");
    ck_assert_double_eq(w.duration_s, 0.25);
    ck_assert_double_eq(w.memory_mb, 1024);
    /* 100/s over the model's 730-hour month. */
    ck_assert_double_eq_tol(w.invocations_per_month, 100 * 3600 * 730.0, 1e-6);
    ck_assert_double_eq_tol(workload_rate_per_s(&w, model), 100, 1e-12);
    /* Little's law: 100/s x 0.25 s = 25 at once. */
    ck_assert_double_eq_tol(workload_concurrency(&w, model), 25, 1e-12);
    ck_assert_str_eq(model_trigger_name(w.trigger), "http");
    ck_assert(!w.gpu);
    ck_assert_str_eq(workload_source_name(w.vcpu_from), "memory");
    ck_assert_str_eq(workload_source_name(w.duration_from), "request");
    ck_assert_str_eq(workload_fargate_mode_name(w.fargate.mode), "cheaper");
    w = parse_ok("{\"duration\": 1, \"memory\": 512, \"invocations\": 1, \"fargate\": "
                 "{\"mode\": \"per_job\"}}");
    ck_assert_str_eq(workload_fargate_mode_name(w.fargate.mode), "per_job");
}
END_TEST

/* One enum value as people type it and the value it must parse to. */
struct typed_enum {
    const char *field;
    const char *text;
    int value;
};

/* Parses {BASE, field: text} (with model_params_b for precision) and returns the field's value. */
static int parse_enum_field(const char *field, const char *text)
{
    json_t *req = json_pack("{s:i, s:i, s:i, s:i, s:s}", "duration", 1, "memory", 128,
                            "invocations", 1, "model_params_b", 1, field, text);
    if (strcmp(field, "precision") != 0)
        json_object_del(req, "model_params_b");
    struct workload w;
    struct cf_error err = {0};
    int r = workload_parse(req, model, NULL, &w, &err);
    json_decref(req);
    ck_assert_msg(r == 0, "%s=\"%s\" rejected: %s", field, text, err.message);
    if (!strcmp(field, "architecture"))
        return (int)w.arch;
    if (!strcmp(field, "precision"))
        return (int)w.precision;
    if (!strcmp(field, "trigger"))
        return (int)w.trigger;
    return (int)w.fargate.mode;
}

/* Issue 11, item 9: enums in any case and with their common synonyms. */
START_TEST(enums_in_any_case_and_synonyms)
{
    static const struct typed_enum rows[] = {
        {"architecture", "ARM64", WORKLOAD_ARCH_ARM64},
        {"architecture", "arm", WORKLOAD_ARCH_ARM64},
        {"architecture", "graviton", WORKLOAD_ARCH_ARM64},
        {"architecture", "aarch64", WORKLOAD_ARCH_ARM64},
        {"architecture", " Arm64 ", WORKLOAD_ARCH_ARM64},
        {"architecture", "x86", WORKLOAD_ARCH_X86_64},
        {"architecture", "amd64", WORKLOAD_ARCH_X86_64},
        {"architecture", "X86_64", WORKLOAD_ARCH_X86_64},
        {"architecture", "x86-64", WORKLOAD_ARCH_X86_64},
        {"architecture", "x64", WORKLOAD_ARCH_X86_64},
        {"architecture", "ANY", WORKLOAD_ARCH_ANY},
        {"precision", "BF16", MODEL_PRECISION_BF16},
        {"precision", "bfloat16", MODEL_PRECISION_BF16},
        {"precision", "float16", MODEL_PRECISION_FP16},
        {"precision", "FP16", MODEL_PRECISION_FP16},
        {"precision", "half", MODEL_PRECISION_FP16},
        {"precision", "fp8", MODEL_PRECISION_FP8},
        {"precision", "FLOAT8", MODEL_PRECISION_FP8},
        {"precision", "4bit", MODEL_PRECISION_INT4},
        {"precision", "q4", MODEL_PRECISION_INT4},
        {"precision", "4-bit", MODEL_PRECISION_INT4},
        {"precision", "INT4", MODEL_PRECISION_INT4},
        {"precision", "8bit", MODEL_PRECISION_INT8},
        {"precision", "Q8", MODEL_PRECISION_INT8},
        {"precision", "float32", MODEL_PRECISION_FP32},
        {"trigger", "api", MODEL_TRIGGER_HTTP},
        {"trigger", "API", MODEL_TRIGGER_HTTP},
        {"trigger", "apigateway", MODEL_TRIGGER_HTTP},
        {"trigger", "HTTP", MODEL_TRIGGER_HTTP},
        {"trigger", "cron", MODEL_TRIGGER_SCHEDULE},
        {"trigger", "Scheduled", MODEL_TRIGGER_SCHEDULE},
        {"trigger", "kinesis", MODEL_TRIGGER_STREAM},
        {"trigger", "dynamodb", MODEL_TRIGGER_STREAM},
        {"trigger", "DynamoDB", MODEL_TRIGGER_STREAM},
        {"trigger", "S3", MODEL_TRIGGER_S3},
        {"trigger", "EventBridge", MODEL_TRIGGER_EVENTBRIDGE},
        {"fargate.mode", "Always_On", WORKLOAD_FARGATE_MODE_ALWAYS_ON},
        {"fargate.mode", "PER_JOB", WORKLOAD_FARGATE_MODE_PER_JOB},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        ck_assert_msg(parse_enum_field(rows[i].field, rows[i].text) == rows[i].value,
                      "%s=\"%s\" is not %d", rows[i].field, rows[i].text, rows[i].value);
    /* Every name the model and the echo use parses to itself, so the tables of spellings
     * cannot fall behind the enums. */
    for (int p = 0; p < MODEL_PRECISION_COUNT; p++)
        ck_assert_int_eq(parse_enum_field("precision", model_precision_name(p)), p);
    for (int t = MODEL_TRIGGER_NONE + 1; t < MODEL_TRIGGER_COUNT; t++)
        ck_assert_int_eq(parse_enum_field("trigger", model_trigger_name(t)), t);
    for (int a = WORKLOAD_ARCH_X86_64; a <= WORKLOAD_ARCH_ANY; a++)
        ck_assert_int_eq(parse_enum_field("architecture", workload_arch_name(a)), a);
}
END_TEST

/* Issue 11, item 9: the numbers, units and booleans people type, through the whole parser. A
 * month is 730 hours (config/model.json). */
START_TEST(values_people_type)
{
    struct workload w = parse_ok("{\"duration\": \"1h30m\", \"memory\": \"2Gi\", \"invocations\": "
                                 "\"1,000/day\", \"ephemeral_storage\": \"2 gigabytes\", "
                                 "\"gpu\": \"yes\", \"gpu_memory\": \"24Gi\", "
                                 "\"latency_sensitive\": \"ON\", \"interruptible\": \"no\", "
                                 "\"include_free_tier\": \"Yes\"}");
    ck_assert_double_eq(w.duration_s, 5400);   /* 3,600 + 30 x 60 */
    ck_assert_double_eq(w.memory_mb, 2048);    /* 2 x 1024 */
    ck_assert_double_eq(w.ephemeral_mb, 2048); /* 2 x 1024 */
    ck_assert_double_eq(w.gpu_memory_gb, 24);  /* Gi = GB = 1024 MB */
    ck_assert_double_eq_tol(w.invocations_per_month, 1000 * 730.0 / 24, 1e-9); /* 30,416.67 */
    ck_assert(w.gpu && w.latency_sensitive && !w.interruptible && w.settings.include_free_tier);

    w = parse_ok("{\"duration\": \"00:05:00\", \"memory\": 128, \"invocations\": \"100k\"}");
    ck_assert_double_eq(w.duration_s, 300);
    ck_assert_double_eq(w.invocations_per_month, 100000); /* a bare count is per month */
    w = parse_ok("{\"duration\": \"1 week\", \"memory\": 128, \"invocations\": \"12/year\"}");
    ck_assert_double_eq(w.duration_s, 604800); /* 7 x 86,400 */
    ck_assert_double_eq(w.invocations_per_month, 1);
    w = parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations\": \"every 5 minutes\"}");
    ck_assert_double_eq(w.invocations_per_month, 730 * 60 / 5.0); /* 8,760 */
    w = parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations\": \"100 rps\"}");
    ck_assert_double_eq(w.invocations_per_month, 100 * 3600 * 730.0); /* 262,800,000 */
    /* The invocations_per_* aliases take a count, not a rate. */
    w = parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations_per_day\": \"1,000\"}");
    ck_assert_double_eq_tol(w.invocations_per_month, 1000 * 730.0 / 24, 1e-9);
    w = parse_ok("{\"duration\": 1, \"memory\": 128, \"invocations_per_hour\": \"2.5k\"}");
    ck_assert_double_eq(w.invocations_per_month, 2500 * 730.0); /* 1,825,000 */

    /* model_params_b in billions; fp16 by default: params x 2 bytes x 1.2. */
    static const struct {
        const char *text;
        double billions;
    } params[] = {{"7B", 7}, {"7b", 7}, {"70B", 70}, {"1.5B", 1.5}, {"500M", 0.5}, {"1T", 1000}};
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        json_t *req = json_pack("{s:i, s:i, s:s}", "duration", 1, "invocations", 1,
                                "model_params_b", params[i].text);
        struct cf_error err = {0};
        ck_assert_msg(workload_parse(req, model, NULL, &w, &err) == 0, "%s: %s", params[i].text,
                      err.message);
        json_decref(req);
        ck_assert_double_eq(w.model_params_b, params[i].billions);
        ck_assert_double_eq_tol(w.memory_mb, params[i].billions * 1e9 * 2 * 1.2 / (1024.0 * 1024),
                                1e-9 * w.memory_mb);
    }
}
END_TEST

/* Refused values name the field and say what to write: the nearest accepted form when one is
 * close. */
START_TEST(refusals_suggest_the_nearest_form)
{
    static const struct {
        const char *body;
        const char *field;
        const char *has;
    } rows[] = {
        {"{" BASE ", \"architecture\": \"armm\"}", "architecture", "did you mean \"arm64\"?"},
        {"{" BASE ", \"architecture\": \"sparc\"}", "architecture", "arm64 (also arm, aarch64"},
        {"{" BASE ", \"trigger\": \"kinesiss\"}", "trigger", "did you mean \"stream\"?"},
        {"{" BASE ", \"trigger\": \"carrier-pigeon\"}", "trigger", "http (also api,"},
        {"{" BASE ", \"model_params_b\": 7, \"precision\": \"fp7\"}", "precision",
         "did you mean \"fp8\"?"},
        {"{" BASE ", \"model_params_b\": 7, \"precision\": \"bfloat\"}", "precision",
         "did you mean \"bf16\"?"},
        {"{" BASE ", \"fargate.mode\": \"always-on\"}", "fargate.mode",
         "did you mean \"always_on\"?"},
        {"{" BASE ", \"gpu\": \"yess\"}", "gpu", "did you mean \"yes\"?"},
        {"{\"duration\": 1, \"invocations\": 1, \"model_params_b\": \"7 bilion\"}",
         "model_params_b", "did you mean \"7 billion\"?"},
        {"{\"duration\": 1, \"invocations\": 1, \"model_params_b\": \"500m\"}", "model_params_b",
         "write M for a million"},
        {"{\"duration\": 1, \"memory\": 1, \"invocations\": \"5 per fortnight\"}", "invocations",
         "\"5/week\""},
        {"{\"duration\": 1, \"memory\": 1, \"invocations\": \"1,5/day\"}", "invocations",
         "ambiguous"},
        {"{\"duration\": \"30m1h\", \"memory\": 1, \"invocations\": 1}", "duration", "\"1h30m\""},
        {"{\"duration\": 1, \"memory\": 1, \"invocations_per_day\": \"1,5\"}",
         "invocations_per_day", "ambiguous"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        parse_bad(rows[i].body, CF_EINVAL, rows[i].field);
        json_t *req = json_loads(rows[i].body, 0, NULL);
        struct workload w;
        struct cf_error err = {0};
        workload_parse(req, model, NULL, &w, &err);
        json_decref(req);
        ck_assert_msg(strstr(err.message, rows[i].has), "%s: no \"%s\" in: %s", rows[i].body,
                      rows[i].has, err.message);
    }
}
END_TEST

static Suite *workload_suite(void)
{
    Suite *s = suite_create("workload");
    TCase *tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, load_model, free_model);
    tcase_add_test(tc, minimal_numbers);
    tcase_add_test(tc, query_string_form);
    tcase_add_test(tc, invocation_forms);
    tcase_add_test(tc, fargate_shapes);
    tcase_add_test(tc, model_size_derivation);
    tcase_add_test(tc, gpu_fields);
    tcase_add_test(tc, kind_presets);
    tcase_add_test(tc, bad_inputs);
    tcase_add_test(tc, unknown_field_hint);
    tcase_add_test(tc, plan_settings);
    tcase_add_test(tc, name_without_control_characters);
    tcase_add_test(tc, derived_values);
    tcase_add_test(tc, enums_in_any_case_and_synonyms);
    tcase_add_test(tc, values_people_type);
    tcase_add_test(tc, refusals_suggest_the_nearest_form);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(workload_suite());
}
