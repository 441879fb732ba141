/*
 * test_command.c - chat commands read into workloads: every kind of word, values of several
 * words, presets, help, and refusals that name the word at fault.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/command.h"
#include "computefit/utf8.h"
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

/* Parses `text`, which must be a workload whose JSON is exactly `want` (a JSON text), and
 * which the workload parser must accept. Returns the parsed workload. */
static struct workload command_ok(const char *text, const char *want)
{
    struct command c;
    struct cf_error err = {0};
    int r = command_parse(text, model, &c, &err);
    ck_assert_msg(r == 0, "\"%s\" refused: %s", text, err.message);
    ck_assert_int_eq(c.kind, COMMAND_WORKLOAD);
    json_t *expected = json_loads(want, 0, NULL);
    ck_assert_msg(expected != NULL, "bad test JSON: %s", want);
    char *got = json_dumps(c.workload, JSON_SORT_KEYS | JSON_COMPACT);
    ck_assert_msg(json_equal(c.workload, expected), "\"%s\": got %s, want %s", text, got, want);
    free(got);
    json_decref(expected);
    struct workload w;
    r = workload_parse(c.workload, model, NULL, &w, &err);
    ck_assert_msg(r == 0, "\"%s\": the workload parser refused %s: %s", text, err.field,
                  err.message);
    command_free(&c);
    command_free(&c); /* twice is harmless */
    return w;
}

/* Parses `text`, which must be refused with a message that holds each of the NULL-terminated
 * `parts` (the word at fault in quotes, first). */
static void command_bad(const char *text, const char *const *parts)
{
    struct command c;
    memset(&c, 0x5a, sizeof(c));
    struct cf_error err = {0};
    int r = command_parse(text, model, &c, &err);
    ck_assert_msg(r == CF_EINVAL, "\"%s\": got %d (%s), expected a refusal", text, r, err.message);
    ck_assert_str_eq(err.field, "text");
    for (const char *const *p = parts; *p; p++)
        ck_assert_msg(strstr(err.message, *p), "\"%s\": \"%s\" is not in \"%s\"", text, *p,
                      err.message);
    unsigned char *b = (unsigned char *)&c;
    for (size_t i = 0; i < sizeof(c); i++)
        ck_assert_msg(b[i] == 0x5a, "\"%s\": *ret was written on failure", text);
}

#define BAD(text, ...) command_bad(text, (const char *const[]){__VA_ARGS__, NULL})

static void help(const char *text)
{
    struct command c;
    struct cf_error err = {0};
    ck_assert_int_eq(command_parse(text, model, &c, &err), 0);
    ck_assert_int_eq(c.kind, COMMAND_HELP);
    ck_assert_ptr_null(c.workload);
    command_free(&c);
}

START_TEST(the_issue_example)
{
    struct workload w = command_ok(
        "30s 1GB 500/day s3",
        "{\"duration\":\"30s\",\"memory\":\"1GB\",\"invocations\":\"500/day\",\"trigger\":\"s3\"}");
    ck_assert_double_eq(w.duration_s, 30);
    ck_assert_double_eq(w.memory_mb, 1024);
    ck_assert_double_eq_tol(w.invocations_per_month, 500 * 730.0 / 24, 1e-6);
    ck_assert_int_eq(w.trigger, MODEL_TRIGGER_S3);
    /* Any order, any case of the words, any spaces between them. */
    command_ok("  S3\t500/day \n 1GB   30s ",
               "{\"duration\":\"30s\",\"memory\":\"1GB\",\"invocations\":\"500/day\","
               "\"trigger\":\"s3\"}");
}
END_TEST

START_TEST(values_of_several_words)
{
    struct workload w = command_ok("1 hour 30 minutes 2 GB 500 a day",
                                   "{\"duration\":\"1 hour 30 minutes\",\"memory\":\"2 GB\","
                                   "\"invocations\":\"500 a day\"}");
    ck_assert_double_eq(w.duration_s, 5400);
    ck_assert_double_eq(w.memory_mb, 2048);
    w = command_ok("250ms 512MB every 5 minutes", "{\"duration\":\"250ms\",\"memory\":\"512MB\","
                                                  "\"invocations\":\"every 5 minutes\"}");
    ck_assert_double_eq_tol(w.invocations_per_month, 730.0 * 12, 1e-6);
    command_ok("1:30 1.5 GB 10 req/s",
               "{\"duration\":\"1:30\",\"memory\":\"1.5 GB\",\"invocations\":\"10 req/s\"}");
    command_ok("2s 3GB 100 rps", "{\"duration\":\"2s\",\"memory\":\"3GB\",\"invocations\":\"100 "
                                 "rps\"}");
    command_ok("3 per 2 hours 4h 8GB",
               "{\"duration\":\"4h\",\"memory\":\"8GB\",\"invocations\":\"3 per 2 hours\"}");
    /* A rate must say its period: a count alone is no rate here. */
    command_ok("1s 1GB 100k/month",
               "{\"duration\":\"1s\",\"memory\":\"1GB\",\"invocations\":\"100k/month\"}");
}
END_TEST

START_TEST(words_flags_and_enums)
{
    struct workload w = command_ok(
        "30s 1GB 500/day cron graviton interruptible latency-sensitive eu-west-1 free-tier",
        "{\"duration\":\"30s\",\"memory\":\"1GB\",\"invocations\":\"500/day\","
        "\"trigger\":\"schedule\",\"architecture\":\"arm64\",\"interruptible\":\"true\","
        "\"latency_sensitive\":\"true\",\"region\":\"eu-west-1\","
        "\"include_free_tier\":\"true\"}");
    ck_assert_int_eq(w.trigger, MODEL_TRIGGER_SCHEDULE);
    ck_assert_int_eq(w.arch, WORKLOAD_ARCH_ARM64);
    ck_assert(w.interruptible && w.latency_sensitive && w.settings.include_free_tier);
    ck_assert_str_eq(w.settings.region, "eu-west-1");
    w = command_ok("2m30s 16GB 20/day gpu 7B fp16 spot HTTP compute-only",
                   "{\"duration\":\"2m30s\",\"memory\":\"16GB\",\"invocations\":\"20/day\","
                   "\"gpu\":\"true\",\"model_params_b\":\"7B\",\"precision\":\"fp16\","
                   "\"interruptible\":\"true\",\"trigger\":\"http\",\"compute_only\":\"true\"}");
    ck_assert(w.gpu);
    ck_assert_double_eq(w.model_params_b, 7);
    ck_assert_int_eq(w.precision, MODEL_PRECISION_FP16);
    w = command_ok("1s 1GB 1/s cpu x86 us-gov-west-1",
                   "{\"duration\":\"1s\",\"memory\":\"1GB\",\"invocations\":\"1/s\","
                   "\"gpu\":\"false\",\"architecture\":\"x86_64\","
                   "\"region\":\"us-gov-west-1\"}");
    ck_assert(w.cpu_only);
}
END_TEST

START_TEST(presets_and_key_values)
{
    struct workload w =
        command_ok("fine-tuning 1/month", "{\"kind\":\"fine-tuning\",\"invocations\":\"1/month\"}");
    ck_assert_str_eq(w.kind, "fine-tuning");
    ck_assert_double_eq(w.duration_s, 4 * 3600);
    ck_assert(w.gpu);
    command_ok("Document-Processing", "{\"kind\":\"document-processing\"}");
    w = command_ok("30s 1GB 500/day vcpu=2 name=\"nightly report\" front_door=alb",
                   "{\"duration\":\"30s\",\"memory\":\"1GB\",\"invocations\":\"500/day\","
                   "\"vcpu\":\"2\",\"name\":\"nightly report\",\"front_door\":\"alb\"}");
    ck_assert_double_eq(w.vcpu, 2);
    ck_assert_str_eq(w.name, "nightly report");
    /* The curly quotes chat clients put in place of straight ones. */
    w = command_ok("30s 1GB 500/day name=\xe2\x80\x9cnightly report\xe2\x80\x9d "
                   "fargate.vcpu=1 fargate.memory=2GB",
                   "{\"duration\":\"30s\",\"memory\":\"1GB\",\"invocations\":\"500/day\","
                   "\"name\":\"nightly report\",\"fargate.vcpu\":\"1\","
                   "\"fargate.memory\":\"2GB\"}");
    ck_assert_str_eq(w.name, "nightly report");
    /* No-break spaces (what Teams' &nbsp; becomes) separate words too. */
    command_ok("30s\xc2\xa0"
               "1GB\xc2\xa0"
               "500/day",
               "{\"duration\":\"30s\",\"memory\":\"1GB\",\"invocations\":\"500/day\"}");
}
END_TEST

START_TEST(help_and_nothing)
{
    help("");
    help("   \t\n");
    help("help");
    help("HELP");
    help("30s help");
    help("?");
    struct command c;
    ck_assert_int_eq(command_parse(NULL, model, &c, NULL), 0);
    ck_assert_int_eq(c.kind, COMMAND_HELP);
}
END_TEST

START_TEST(which_words_set_a_field)
{
    struct command c;
    struct cf_error err = {0};
    ck_assert_int_eq(command_parse("2 GB 30s every day memory_x=1", model, &c, &err), CF_EINVAL);
    ck_assert_int_eq(command_parse("2 GB 30s every day gpu", model, &c, &err), 0);
    ck_assert_str_eq(command_word(&c, "memory"), "2 GB");
    ck_assert_str_eq(command_word(&c, "invocations"), "every day");
    ck_assert_str_eq(command_word(&c, "gpu"), "gpu");
    ck_assert_ptr_null(command_word(&c, "vcpu"));
    ck_assert_ptr_null(command_word(NULL, "vcpu"));
    /* The examples given for missing fields read as those fields. */
    const char *fields[] = {"duration", "memory", "invocations"};
    char text[64];
    snprintf(text, sizeof(text), "%s %s %s", command_example("duration"), command_example("memory"),
             command_example("invocations"));
    command_free(&c);
    ck_assert_int_eq(command_parse(text, model, &c, &err), 0);
    for (size_t i = 0; i < 3; i++)
        ck_assert_str_eq(command_word(&c, fields[i]), command_example(fields[i]));
    ck_assert_ptr_null(command_example("vcpu"));
    ck_assert_ptr_null(command_example(NULL));
    command_free(&c);
}
END_TEST

START_TEST(refusals_name_the_word)
{
    BAD("30 1GB 500/day", "\"30\" has no unit", "30s", "30GB", "30/day");
    BAD("30m 1GB 500/day", "\"30m\" could be a duration or a memory size", "duration=30m",
        "memory=30m", "min or MB");
    BAD("30s 5 m 500/day", "\"5 m\" could be");
    BAD("30s 1GB 2GB 500/day", "\"2GB\" gives memory, which \"1GB\" already gave");
    BAD("30s 1GB 500/day memory=2GB", "\"memory=2GB\" gives memory");
    BAD("30s 1GB 500/day gpu gpu=false", "\"gpu=false\" gives gpu, which \"gpu\"");
    BAD("30s 1GB 500/day foo", "\"foo\" is not a word computefit knows", "\"help\" lists");
    BAD("30s 1GB 500/day gpuu", "\"gpuu\" is not a word computefit knows (did you mean \"gpu\"?)");
    BAD("30s 100k 500/day", "\"100k\" could be a memory size or a rate", "memory=100k",
        "invocations=100k");
    BAD("30s 1GB 500/day 5 m", "\"5 m\" could be", "duration=5m or memory=5m");
    BAD("30s 1GB 500/day fine-tunin", "did you mean \"fine-tuning\"");
    BAD("30s 1GB 500/day sqss", "did you mean \"sqs\"");
    BAD("30s 1GB 500/day memroy=2GB", "\"memroy=2GB\"", "did you mean \"memory\"");
    BAD("30s 1GB 500/day =2GB", "\"=2GB\"", "before '='");
    BAD("30x 1GB 500/day", "\"30x\"");
    BAD("30s 2GX 500/day", "\"2GX\" is not a duration (30s), a memory size (1GB) or a rate");
    BAD("30s 1GB 500/dya", "\"500/dya\": invocations", "did you mean \"500/day\"");
    BAD("30s 1GB every", "\"every\"");
    BAD("30s 1GB 500/day name=\"open", "never closed");
    BAD("30s 1GB 500/day name=a\x01", "control character");
    BAD("30s 1GB 500/day name=\xff", "not valid UTF-8");
    /* A refused word is echoed as printable ASCII, cut to fit. */
    BAD("30s 1GB 500/day caf\xc3\xa9", "\"caf??\"");
    char many[512] = "";
    for (int i = 0; i < COMMAND_MAX_WORDS + 1; i++)
        strcat(many, "gpu ");
    BAD(many, "more than 32 words");
    char longtext[COMMAND_MAX_BYTES + 8];
    memset(longtext, 'a', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    BAD(longtext, "1031 bytes long", "at most 1024");
    char longword[200];
    memset(longword, 'z', sizeof(longword) - 1);
    longword[sizeof(longword) - 1] = '\0';
    BAD(longword, "zzzzzzzzzz...\" is not a word");
}
END_TEST

START_TEST(usage_text)
{
    char buf[2048];
    size_t n = command_usage(model, "/cf", buf, sizeof(buf));
    ck_assert_uint_eq(n, strlen(buf));
    ck_assert_ptr_nonnull(strstr(buf, "`/cf 30s 1GB 500/day s3`"));
    for (size_t i = 0; i < model->n_kinds; i++)
        ck_assert_ptr_nonnull(strstr(buf, model->kinds[i].name));
    ck_assert_ptr_nonnull(strstr(buf, "key=value"));
    /* The usage's examples read. */
    char example[128];
    snprintf(example, sizeof(example), "`/cf %s 1/week`", model->kinds[0].name);
    ck_assert_ptr_nonnull(strstr(buf, example));
    snprintf(example, sizeof(example), "%s 1/week", model->kinds[0].name);
    char want[128];
    snprintf(want, sizeof(want), "{\"kind\":\"%s\",\"invocations\":\"1/week\"}",
             model->kinds[0].name);
    command_ok(example, want);
    /* An invocation is echoed as printable ASCII; the default names the command. */
    command_usage(model, "/c\nf", buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "`/c?f 30s"));
    command_usage(model, NULL, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "`/computefit 30s"));
    /* Cut at any length, the text stays valid UTF-8 (the bullets are three bytes). */
    for (size_t cap = 1; cap < 400; cap++) {
        char small[400];
        size_t k = command_usage(model, "/cf", small, cap);
        ck_assert_uint_lt(k, cap);
        ck_assert_uint_eq(k, strlen(small));
        ck_assert(utf8_valid(small, k));
    }
}
END_TEST

static Suite *command_suite(void)
{
    Suite *s = suite_create("command");
    TCase *tc = tcase_create("command");
    tcase_add_checked_fixture(tc, load_model, free_model);
    tcase_add_test(tc, the_issue_example);
    tcase_add_test(tc, values_of_several_words);
    tcase_add_test(tc, words_flags_and_enums);
    tcase_add_test(tc, presets_and_key_values);
    tcase_add_test(tc, help_and_nothing);
    tcase_add_test(tc, which_words_set_a_field);
    tcase_add_test(tc, refusals_name_the_word);
    tcase_add_test(tc, usage_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(command_suite());
}
