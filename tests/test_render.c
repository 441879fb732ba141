/*
 * test_render.c - the text and Markdown answers for bots (render_text) and the provenance every
 * renderer shows (render_pricing_of), from answers of the real core on fixed us-east-1 rates.
 * Expected figures are worked out here from the rates.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/render.h"
#include "testutil.h"

static struct model *model;
static struct rates *rates;

/* 2025-06-20T00:00:00Z: a week after the oldest offer's publication (2025-06-13). */
static const struct render_opts opts = {1750377600, 172800};

static void setup(void)
{
    static const struct cf_test_gpu g4dn = {"g4dn.xlarge", 0.526, 4, 16, 1, "T4", 16};
    model = cf_test_model();
    rates = cf_test_rates(&g4dn, 1);
}

static void teardown(void)
{
    model_free(model);
    rates_unref(rates);
}

static struct cf_answer *answer(const char *text, bool compare)
{
    return cf_test_answer(text, compare, rates, model);
}

static size_t lines(const char *t)
{
    size_t n = 0;
    for (; *t; t++)
        n += *t == '\n';
    return n;
}

START_TEST(advice_in_six_lines)
{
    struct cf_answer *a = answer("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                                 "10000, \"trigger\": \"s3\", \"ephemeral_storage\": 512}",
                                 false);
    char *t = render_text(a, &opts, false);
    ck_assert_ptr_nonnull(t);
    /* 10,000 x ($0.0000002 + 5 s x 2 GB x $0.0000166667) = $1.66867, and 3,193.2 cold starts'
     * INIT of 1 s x 2 GB, $0.10644 (test_cost: lambda_invoice): $1.77511 -> "$1.78"; per-job
     * Fargate 1 vCPU / 2 GB for the 60 s minimum: 10,000 / 60 h x $0.04937 = $8.23; one
     * always-on c6a.large (2 vCPU, 4 GiB; the cheapest x86 instance holding 1.16 vCPU and 2 GB):
     * 730 x $0.0765 = $55.845, shown "$55.84" (as printf rounds the double just below it); Lambda
     * Managed Instances keep three such instances (2.32 GB, 1.16 vCPU environments) and add 15%
     * of their on-demand rate and the requests: 3 x 730 x $0.0765 x 1.15 + 10,000 x $0.0000002 =
     * $192.67; ECS Managed Instances the one c6a.large and the model's 12%: $55.845 x 1.12 =
     * $62.55. 512 MB of scratch storage costs nothing on Lambda or Fargate (both include it) but
     * warns that EBS is not in the EC2 price. */
    ck_assert_ptr_nonnull(strstr(t, "Recommendation: Lambda x86_64 — $1.78/month (confidence "
                                    "high)\n"));
    ck_assert_ptr_nonnull(strstr(t, "Monthly: Lambda $1.78 | Fargate $8.23 | ECS on EC2 $55.84 | "
                                    "Lambda Managed $192.67 | ECS Managed $62.55\n"));
    ck_assert_ptr_nonnull(strstr(t, "Why: Lambda (x86_64, 2048 MB) is the cheapest option"));
    ck_assert_ptr_nonnull(strstr(t, "Warning: EBS storage for the EC2 instances (ECS on EC2, ECS "
                                    "or Lambda Managed Instances) is not included"));
    /* The oldest offer, EC2, published 2025-06-13, a week before `now`: stale. */
    ck_assert_ptr_nonnull(strstr(t, "Rates: snapshot, us-east-1, as of 2025-06-13 (stale)\n"));
    ck_assert_uint_le(lines(t), 6);
    free(t);
    t = render_text(a, &opts, true);
    ck_assert_ptr_nonnull(strstr(t, "Recommendation: **Lambda** x86_64"));
    ck_assert_ptr_nonnull(strstr(t, "_Warning:_ "));
    free(t);
    cf_answer_free(a);
}
END_TEST

START_TEST(infeasible_options_and_plans)
{
    /* A GPU job: Lambda and Fargate are out, each with the first limit it hits. */
    struct cf_answer *a = answer("{\"duration\": \"4h\", \"memory\": \"8GB\", \"gpu\": true, "
                                 "\"invocations\": 1}",
                                 false);
    char *t = render_text(a, &opts, true);
    ck_assert_ptr_nonnull(strstr(t, "Lambda _not possible_ (gpu)"));
    ck_assert_ptr_nonnull(strstr(t, "Fargate _not possible_ (gpu)"));
    free(t);
    cf_answer_free(a);
    /* A plan: one line per task. Task b: 730 x $0.526 x (4 h + 300 s boot) / 730 h... per job:
     * 14,700 s x $0.526 / 3600 = $2.15 on ECS on EC2; ECS Managed Instances add the model's 12%
     * for less upkeep, $2.41, within the model's margin: recommended (basis "simpler"). */
    a = answer("{\"tasks\": [{\"name\": \"a\", \"duration\": 1, \"memory\": 128, \"invocations\": "
               "10}, {\"name\": \"b\", \"duration\": \"4h\", \"memory\": \"8GB\", \"gpu\": true, "
               "\"invocations\": 1}]}",
               false);
    t = render_text(a, &opts, false);
    ck_assert_ptr_nonnull(strstr(t, "Recommendation: Hybrid plan — "));
    ck_assert_ptr_nonnull(strstr(t, "Tasks: a → Lambda $0.0000 | b → ECS Managed $2.41\n"));
    ck_assert_ptr_nonnull(strstr(t, "Why: Run a on Lambda; b on ECS Managed Instances; $2.41 a "
                                    "month in total.\n"));
    ck_assert_ptr_nonnull(strstr(t, "Warning: Each task was placed as if"));
    free(t);
    cf_answer_free(a);
}
END_TEST

START_TEST(comparison_has_a_break_even_line)
{
    /* The invoice workload: Lambda = always-on Fargate at 36.0401 / 0.000166867 = 215,981
     * (test_compare: hand_worked_break_even). */
    struct cf_answer *a = answer("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                                 "10000}",
                                 true);
    char *t = render_text(a, &opts, false);
    ck_assert_ptr_nonnull(
        strstr(t, "Break-even: Lambda = always-on Fargate at 215,981 invocations/month\n"));
    free(t);
    cf_answer_free(a);
    /* Both Fargate sides cross: 20 s calls of 1 GB with 10 s of INIT. Per-job Fargate (60 s of
     * 0.5 vCPU / 1 GB, $0.000411417 a call) is cheaper while most Lambda calls are cold, up to
     * 6,664.6 a month (test_compare: cold_start_crossing); one always-on task ($18.02005) is
     * passed by warm Lambda calls ($0.000333534 each, plus INIT on exp(-6.16) = 0.2% of them:
     * $0.000333886) at 18.02005 / 0.000333886 = 53,971 a month. */
    a = answer("{\"duration\": \"20s\", \"memory\": \"1GB\", \"invocations\": 1000, "
               "\"init_duration\": \"10s\"}",
               true);
    t = render_text(a, &opts, false);
    ck_assert_ptr_nonnull(strstr(t, "Break-even: Lambda = always-on Fargate at 53,971 and per-job "
                                    "Fargate at 6,665 invocations/month\n"));
    free(t);
    cf_answer_free(a);
    /* Pinned to per-job Fargate: no always-on side, and the line says why. */
    a = answer("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": 10000, "
               "\"fargate.mode\": \"per_job\"}",
               true);
    t = render_text(a, &opts, false);
    ck_assert_ptr_nonnull(strstr(t, "Break-even: Lambda and always-on Fargate never cost the same "
                                    "(No break-even: the request pins Fargate to another mode "
                                    "than always_on.)\n"));
    free(t);
    cf_answer_free(a);
}
END_TEST

START_TEST(text_lines_and_styles)
{
    struct cf_answer *a = answer("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                                 "10000, \"trigger\": \"s3\", \"ephemeral_storage\": 512}",
                                 false);
    struct text_line l[TEXT_LINES_MAX];
    size_t n = 0;
    char *t = render_text_lines(a, &opts, TEXT_SLACK, l, &n);
    ck_assert_ptr_nonnull(t);
    /* The lines in order, each ending where the next starts, and the whole text. */
    const enum text_line_kind kinds[] = {TEXT_LINE_RECOMMENDATION, TEXT_LINE_COSTS, TEXT_LINE_WHY,
                                         TEXT_LINE_WARNING, TEXT_LINE_RATES};
    ck_assert_uint_eq(n, 5);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(l[i].kind, kinds[i]);
        ck_assert_uint_eq(l[i].offset, at);
        ck_assert_int_eq(t[l[i].offset + l[i].len], '\n');
        at = l[i].offset + l[i].len + 1;
    }
    ck_assert_uint_eq(at, strlen(t));
    /* Slack's mrkdwn: one asterisk for bold, underscores for italics. */
    ck_assert_ptr_nonnull(strstr(t, "Recommendation: *Lambda* x86_64 — $1.78/month"));
    ck_assert_ptr_nonnull(strstr(t, "_Warning:_ EBS storage"));
    /* The same words as render_text's Markdown, but for the emphasis. */
    char *md = render_text(a, &opts, true);
    ck_assert_ptr_nonnull(strstr(md, "Recommendation: **Lambda** x86_64 — $1.78/month"));
    ck_assert_str_eq(strstr(md, "Monthly:"), strstr(t, "Monthly:"));
    free(md);
    free(t);
    cf_answer_free(a);
}
END_TEST

/* A JSON text's member `key` as a string, for the tests below. */
static const char *str_at(const json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));
    ck_assert_msg(s != NULL, "no string %s", key);
    return s;
}

START_TEST(chat_answers)
{
    struct cf_answer *a = answer("{\"duration\": \"5s\", \"memory\": \"2GB\", \"invocations\": "
                                 "10000, \"trigger\": \"s3\", \"ephemeral_storage\": 512}",
                                 false);
    /* Slack: the mrkdwn text as the fallback, and a block per line. */
    json_t *doc = render_chat(CHAT_SLACK, a, &opts);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(str_at(doc, "response_type"), "in_channel");
    ck_assert_ptr_nonnull(strstr(str_at(doc, "text"), "Recommendation: *Lambda* x86_64"));
    json_t *blocks = json_object_get(doc, "blocks");
    ck_assert_uint_eq(json_array_size(blocks), 5);
    const char *types[] = {"section", "section", "section", "context", "context"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_str_eq(str_at(json_array_get(blocks, i), "type"), types[i]);
    /* Lambda Managed Instances: 3 c6a.large x 730 h x $0.0765 x 1.15 + 10,000 x $0.0000002 =
     * $192.67; ECS Managed Instances: one c6a.large x 730 h x $0.0765 x 1.12 = $62.55. */
    ck_assert_str_eq(str_at(json_object_get(json_array_get(blocks, 1), "text"), "text"),
                     "Monthly: Lambda $1.78 | Fargate $8.23 | ECS on EC2 $55.84 | Lambda Managed "
                     "$192.67 | ECS Managed $62.55");
    ck_assert_str_eq(str_at(json_object_get(json_array_get(blocks, 0), "text"), "type"), "mrkdwn");
    json_t *ctx = json_array_get(json_object_get(json_array_get(blocks, 4), "elements"), 0);
    ck_assert_str_eq(str_at(ctx, "text"), "Rates: snapshot, us-east-1, as of 2025-06-13 (stale)");
    json_decref(doc);
    /* Mattermost: Markdown. */
    doc = render_chat(CHAT_MATTERMOST, a, &opts);
    ck_assert_str_eq(str_at(doc, "response_type"), "in_channel");
    ck_assert_ptr_nonnull(strstr(str_at(doc, "text"), "Recommendation: **Lambda** x86_64"));
    ck_assert_ptr_null(json_object_get(doc, "blocks"));
    json_decref(doc);
    /* Teams: Markdown, a blank line between lines. */
    doc = render_chat(CHAT_TEAMS, a, &opts);
    ck_assert_str_eq(str_at(doc, "type"), "message");
    ck_assert_ptr_nonnull(strstr(str_at(doc, "text"), "(confidence high)\n\nMonthly: Lambda"));
    json_decref(doc);
    cf_answer_free(a);
}
END_TEST

START_TEST(chat_notices_escape_markup)
{
    json_t *doc = render_chat_notice(CHAT_SLACK, "\"<!channel>\" & <http://x|y> `code`");
    ck_assert_str_eq(str_at(doc, "response_type"), "ephemeral");
    ck_assert_str_eq(str_at(doc, "text"), "\"&lt;!channel&gt;\" &amp; &lt;http://x|y&gt; `code`");
    json_decref(doc);
    doc = render_chat_notice(CHAT_MATTERMOST, "a\nb <x>");
    ck_assert_str_eq(str_at(doc, "response_type"), "ephemeral");
    ck_assert_str_eq(str_at(doc, "text"), "a\nb <x>");
    json_decref(doc);
    doc = render_chat_notice(CHAT_TEAMS, "a\nb");
    ck_assert_str_eq(str_at(doc, "type"), "message");
    ck_assert_str_eq(str_at(doc, "text"), "a\n\nb");
    json_decref(doc);
    ck_assert_ptr_null(render_chat_notice(CHAT_SLACK, "\xff"));
}
END_TEST

START_TEST(pricing_provenance)
{
    struct render_pricing p;
    const struct region_rates *rr = rates_region(rates, "us-east-1");
    render_pricing_of(rr, &opts, &p);
    ck_assert_str_eq(p.source, "snapshot");
    ck_assert_str_eq(p.as_of, "2025-06-13");
    ck_assert_str_eq(p.version, "20250613");
    ck_assert_int_eq(p.age_s, 7 * 86400);
    ck_assert(p.stale);
    struct render_opts fresh = {1749772800 + 3600, 172800}; /* an hour after publication */
    render_pricing_of(rr, &fresh, &p);
    ck_assert_int_eq(p.age_s, 3600);
    ck_assert(!p.stale);
}
END_TEST

static Suite *render_suite(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("text");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, advice_in_six_lines);
    tcase_add_test(tc, infeasible_options_and_plans);
    tcase_add_test(tc, comparison_has_a_break_even_line);
    tcase_add_test(tc, pricing_provenance);
    tcase_add_test(tc, text_lines_and_styles);
    tcase_add_test(tc, chat_answers);
    tcase_add_test(tc, chat_notices_escape_markup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(render_suite());
}
