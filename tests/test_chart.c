/*
 * test_chart.c - render_svg(): comparisons built by hand (where every coordinate is worked out
 * here from the axis spans) and by core_compare() on fixed us-east-1 rates, every SVG checked
 * for well-formedness with xmllint and for the elements a reader needs: the title that states
 * the workload, a legend entry per option, break-even markers, the requested-rate line and
 * readable tick labels. Edge cases: one feasible option, gaps in a curve, no break-even, no
 * feasible option at all, a free tier ($0), huge and hostile values.
 *
 * Hand-made comparisons are written as JSON (the shape of a /compare answer, for readability)
 * and turned into the struct the renderer takes by comparison_of(); a value that is not a
 * number where one belongs becomes NAN, which the renderer must treat as missing.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "computefit/advise.h"
#include "computefit/platform.h"
#include "computefit/render.h"
#include "testutil.h"

/* us-east-1 rates (shared/docs/aws-price-list.md sections 7-9), as in test_advise.c. */
#define REQ         0.0000002
#define X86_T1      0.0000166667
#define FG_X86_VCPU 0.04048
#define FG_X86_GB   0.004445
#define G4DN_XL     0.526
#define HOURS       730.0

/* The plot area in chart.c's 600x400 viewBox: x from 76 to 584, y from 302 (bottom) to 62. */
#define X0 76.0
#define X1 584.0
#define Y0 302.0
#define Y1 62.0

static struct model *model;
static struct rates *rates;

static void setup(void)
{
    static const struct cf_test_gpu g4dn = {"g4dn.xlarge", G4DN_XL, 4, 16, 1, "T4", 16};
    model = cf_test_model();
    rates = cf_test_rates(&g4dn, 1);
}

static void teardown(void)
{
    model_free(model);
    rates_unref(rates);
}

/* ---- helpers ---- */

/* Finds xmllint on PATH; NULL when it is not installed. */
static const char *xmllint_path(void)
{
    static char found[512];
    const char *path = getenv("PATH");
    char dirs[2048];
    snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(found, sizeof(found), "%s/xmllint", d);
        if (access(found, X_OK) == 0)
            return found;
    }
    return NULL;
}

/* Checks `svg` with `xmllint --noout`; fails the test with xmllint's complaint. A missing
 * xmllint fails the test too: a check that passes because it did not run would hide a broken
 * SVG (scripts/test installs libxml2-utils). */
static void assert_well_formed(const char *svg, size_t len)
{
    const char *xmllint = xmllint_path();
    ck_assert_msg(xmllint != NULL, "xmllint is not on PATH, so the SVG's well-formedness cannot be "
                                   "checked: install the package libxml2-utils "
                                   "(apt-get install libxml2-utils; scripts/test does)");
    char tmpl[] = "/tmp/test_chart_XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(svg, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    char cmd[1200], out[2048] = "";
    snprintf(cmd, sizeof(cmd), "'%s' --noout '%s' 2>&1", xmllint, tmpl);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    unlink(tmpl);
    ck_assert_msg(status == 0 && n == 0, "xmllint rejects the SVG (status %d): %s", status, out);
}

/* A number where the document has one, else NAN (missing, null, a string, ...). */
static double number_or_nan(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : (double)NAN;
}

/* Builds a comparison from a hand-made /compare-shaped document (borrowed): "workload" (name,
 * duration_s, memory_mb, invocations_per_month, region, gpu), "recommendation.platform",
 * "curve" points and "break_even" entries keyed as /compare keys them. The caller frees it
 * with cf_answer_free(). */
static struct cf_answer *comparison_of(const json_t *doc)
{
    static const struct {
        const char *key, *rival;
    } rivals[] = {{"lambda_vs_fargate_always_on", "Fargate always-on"},
                  {"lambda_vs_fargate_per_job", "Fargate per-job"},
                  {"lambda_vs_ecs_ec2", "ECS on EC2"}};
    struct cf_answer *a = calloc(1, sizeof(*a));
    ck_assert_ptr_nonnull(a);
    arena_init(&a->arena, 0);
    a->kind = ANSWER_COMPARISON;
    struct comparison *c = arena_alloc(&a->arena, sizeof(*c));
    ck_assert_ptr_nonnull(c);
    c->advice = arena_alloc(&a->arena, sizeof(*c->advice));
    ck_assert_ptr_nonnull(c->advice);
    a->comparison = c;
    struct advice *adv = c->advice;
    const json_t *w = json_object_get(doc, "workload");
    const char *name = json_string_value(json_object_get(w, "name"));
    snprintf(adv->w.name, sizeof(adv->w.name), "%s", name ? name : "");
    adv->w.duration_s = number_or_nan(json_object_get(w, "duration_s"));
    adv->w.memory_mb = number_or_nan(json_object_get(w, "memory_mb"));
    adv->w.invocations_per_month = number_or_nan(json_object_get(w, "invocations_per_month"));
    adv->w.gpu = json_is_true(json_object_get(w, "gpu"));
    const char *region = json_string_value(json_object_get(w, "region"));
    snprintf(adv->w.settings.region, sizeof(adv->w.settings.region), "%s", region ? region : "");
    const char *rec =
        json_string_value(json_object_get(json_object_get(doc, "recommendation"), "platform"));
    const struct platform *p = rec ? platform_find(rec) : NULL;
    adv->winner = p ? (int)p->id : -1;
    size_t i;
    const json_t *pt;
    json_array_foreach(json_object_get(doc, "curve"), i, pt)
    {
        ck_assert(ARENA_GROW(&a->arena, c->curve, c->n_curve, c->cap_curve));
        struct curve_point *cp = &c->curve[c->n_curve++];
        cp->n = number_or_nan(json_object_get(pt, "invocations_per_month"));
        for (int q = 0; q < MODEL_PLATFORM_COUNT; q++)
            cp->usd[q] = number_or_nan(json_object_get(pt, platforms[q].key));
    }
    for (size_t k = 0; k < sizeof(rivals) / sizeof(rivals[0]); k++) {
        const json_t *be = json_object_get(json_object_get(doc, "break_even"), rivals[k].key);
        if (!be)
            continue;
        ck_assert(ARENA_GROW(&a->arena, c->break_evens, c->n_break_evens, c->cap_break_evens));
        struct break_even *b = &c->break_evens[c->n_break_evens++];
        memset(b, 0, sizeof(*b));
        b->key = rivals[k].key;
        b->rival = rivals[k].rival;
        b->n = number_or_nan(json_object_get(be, "invocations_per_month"));
        b->found = !json_is_null(json_object_get(be, "invocations_per_month"));
        b->reference_usd = number_or_nan(json_object_get(be, "lambda_usd"));
        b->other_usd = number_or_nan(json_object_get(be, "other_usd"));
    }
    return a;
}

/* Renders `a`, checks the call's contract and the XML, and returns the SVG (caller frees). */
static char *render(const struct cf_answer *a)
{
    char *svg = NULL;
    size_t len = 0;
    struct cf_error err = {0};
    int r = render_svg(a, &svg, &len, &err);
    ck_assert_msg(r == 0, "render_svg: %d %s", r, err.message);
    ck_assert_ptr_nonnull(svg);
    ck_assert_uint_eq(strlen(svg), len);
    ck_assert_msg(strstr(svg, "viewBox=\"0 0 600 400\""), "no 600x400 viewBox");
    assert_well_formed(svg, len);
    return svg;
}

static char *render_doc(const json_t *doc)
{
    struct cf_answer *a = comparison_of(doc);
    char *svg = render(a);
    cf_answer_free(a);
    return svg;
}

static char *render_json_text(const char *json)
{
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    ck_assert_msg(doc != NULL, "bad test JSON: %s", jerr.text);
    char *svg = render_doc(doc);
    json_decref(doc);
    return svg;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

#define assert_has(svg, s)   ck_assert_msg(strstr((svg), (s)) != NULL, "SVG lacks %s", (s))
#define assert_lacks(svg, s) ck_assert_msg(strstr((svg), (s)) == NULL, "SVG has %s", (s))

/* The contents of the element that starts with `open` (up to the next `close`), for checks
 * that must look inside one group only. Returns a new malloc()ed string. */
static char *section(const char *svg, const char *open, const char *close)
{
    const char *a = strstr(svg, open);
    ck_assert_msg(a != NULL, "SVG lacks %s", open);
    const char *b = strstr(a, close);
    ck_assert_ptr_nonnull(b);
    char *s = strndup(a, (size_t)(b - a));
    ck_assert_ptr_nonnull(s);
    return s;
}

/* A hand-made compare document: three rates a decade apart, Lambda rising tenfold per decade,
 * Fargate flat at $50, no GPU option, one break-even at 5k a month. */
static const char *const hand_doc =
    "{\"recommendation\": {\"platform\": \"lambda\"},"
    " \"workload\": {\"duration_s\": 5, \"memory_mb\": 2048, \"invocations_per_month\": 1000,"
    "   \"region\": \"us-east-1\", \"gpu\": false},"
    " \"curve\": ["
    "  {\"invocations_per_month\": 100, \"lambda\": 1, \"fargate\": 50, \"ecs_ec2\": null},"
    "  {\"invocations_per_month\": 1000, \"lambda\": 10, \"fargate\": 50, \"ecs_ec2\": null},"
    "  {\"invocations_per_month\": 10000, \"lambda\": 100, \"fargate\": 50, \"ecs_ec2\": null}"
    " ],"
    " \"break_even\": {"
    "  \"lambda_vs_fargate_always_on\": {\"invocations_per_month\": 5000, \"lambda_usd\": 50,"
    "    \"other_usd\": 50},"
    "  \"lambda_vs_fargate_per_job\": {\"invocations_per_month\": null, \"reason\": \"none\"},"
    "  \"lambda_vs_ecs_ec2\": {\"invocations_per_month\": null, \"reason\": \"none\"}}}";

/* ---- hand-made documents ---- */

START_TEST(test_hand_elements)
{
    char *svg = render_json_text(hand_doc);
    /* The title states the workload: 5 s, 2048 MB, 1000 a month = "1k", the region. */
    assert_has(svg, ">5 s \xC3\x97 2048 MB, 1k/month, us-east-1</text>");
    assert_has(svg, "recommended: Lambda");
    /* Legend: the two feasible options with their cost at 1k a month, the third marked out. */
    assert_has(svg, "data-entry=\"lambda\"");
    assert_has(svg, ">Lambda: $10.00/month<");
    assert_has(svg, "data-entry=\"fargate\"");
    assert_has(svg, ">Fargate: $50.00/month<");
    assert_has(svg, ">ECS on EC2: cannot run this<");
    assert_has(svg, "data-entry=\"break-even\"");
    assert_has(svg, "data-entry=\"requested\"");
    /* One line per feasible option, none for the infeasible one. */
    assert_has(svg, "data-option=\"lambda\"");
    assert_has(svg, "data-option=\"fargate\"");
    assert_lacks(svg, "data-option=\"ecs_ec2\"");
    /* Ticks: rates 100..10k span decades 2..4; costs $1..$100 span decades 0..2. */
    assert_has(svg, "class=\"xtick\" x=\"76.0\" y=\"317.0\" text-anchor=\"middle\">100<");
    assert_has(svg, "class=\"xtick\" x=\"330.0\" y=\"317.0\" text-anchor=\"middle\">1k<");
    assert_has(svg, "class=\"xtick\" x=\"584.0\" y=\"317.0\" text-anchor=\"middle\">10k<");
    assert_has(svg, ">$1<");
    assert_has(svg, ">$10<");
    assert_has(svg, ">$100<");
    ck_assert_uint_eq(count(svg, "class=\"xtick\""), 3);
    ck_assert_uint_eq(count(svg, "class=\"ytick\""), 3);
    assert_has(svg, ">Invocations per month<");
    assert_has(svg, ">Monthly cost (USD)<");
    free(svg);
}
END_TEST

START_TEST(test_hand_geometry)
{
    char *svg = render_json_text(hand_doc);
    /* x = 76 + (log10(n) - 2) / 2 * 508: 100 -> 76, 1000 -> 330, 10000 -> 584.
     * y = 302 - log10(usd) / 2 * 240: $1 -> 302, $10 -> 182, $100 -> 62, and $50 -> 302 -
     * 1.69897 / 2 * 240 = 302 - 203.88 = 98.1. */
    char *lambda = section(svg, "data-option=\"lambda\"", "</g>");
    assert_has(lambda, "points=\"76.0,302.0 330.0,182.0 584.0,62.0\"");
    free(lambda);
    char *fargate = section(svg, "data-option=\"fargate\"", "</g>");
    assert_has(fargate, "points=\"76.0,98.1 330.0,98.1 584.0,98.1\"");
    assert_has(fargate, "stroke-dasharray");
    free(fargate);
    /* The requested rate, 1000 a month, is a vertical line at x = 330 over the whole plot. */
    char *req = section(svg, "class=\"requested\"", "</g>");
    assert_has(req, "x1=\"330.0\" x2=\"330.0\" y1=\"62.0\" y2=\"302.0\"");
    assert_has(req, ">requested: 1k/month<");
    free(req);
    /* The break-even diamond at 5000 a month and $50: x = 76 + (3.69897 - 2) / 2 * 508 = 507.5,
     * its top vertex 5 px above y = 98.1. */
    char *be = section(svg, "class=\"break-even\"", "</g>");
    ck_assert_uint_eq(count(be, "class=\"marker\""), 1);
    assert_has(be, "d=\"M507.5 93.1l5 5l-5 5l-5 -5z\"");
    assert_has(be, ">= Fargate always-on at 5k<");
    free(be);
    free(svg);
}
END_TEST

START_TEST(test_gaps_and_lone_points)
{
    /* Lambda: two runs of two points around a null; Fargate: one feasible point alone. */
    char *svg =
        render_json_text("{\"workload\": {\"invocations_per_month\": 1000},"
                         " \"curve\": ["
                         "  {\"invocations_per_month\": 10, \"lambda\": 1, \"fargate\": null},"
                         "  {\"invocations_per_month\": 100, \"lambda\": 2, \"fargate\": null},"
                         "  {\"invocations_per_month\": 1000, \"lambda\": null, \"fargate\": 7},"
                         "  {\"invocations_per_month\": 10000, \"lambda\": 4, \"fargate\": null},"
                         "  {\"invocations_per_month\": 100000, \"lambda\": 5}]}");
    char *lambda = section(svg, "data-option=\"lambda\"", "</g>");
    ck_assert_uint_eq(count(lambda, "<polyline"), 2);
    ck_assert_uint_eq(count(lambda, "<circle"), 0); /* no Lambda cost at the requested rate */
    free(lambda);
    char *fargate = section(svg, "data-option=\"fargate\"", "</g>");
    ck_assert_uint_eq(count(fargate, "<polyline"), 0);
    /* The lone point plus its requested-rate dot. */
    ck_assert_uint_eq(count(fargate, "<circle"), 2);
    free(fargate);
    assert_has(svg, ">Lambda<"); /* feasible, but no cost at the requested rate to quote */
    assert_has(svg, ">Fargate: $7.00/month<");
    assert_lacks(svg, "class=\"marker\"");
    assert_lacks(svg, "data-entry=\"break-even\"");
    free(svg);
}
END_TEST

START_TEST(test_no_feasible_option)
{
    char *svg = render_json_text(
        "{\"workload\": {\"duration_s\": 0.25, \"memory_mb\": 512, \"invocations_per_month\": 2e6},"
        " \"curve\": [{\"invocations_per_month\": 2e6, \"lambda\": null, \"fargate\": null,"
        "   \"ecs_ec2\": null}]}");
    assert_has(svg, ">250 ms \xC3\x97 512 MB, 2M/month</text>");
    assert_has(svg, "No option can run this workload");
    assert_lacks(svg, "data-option=");
    assert_has(svg, ">Lambda: cannot run this<");
    assert_has(svg, ">Fargate: cannot run this<");
    assert_has(svg, ">ECS on EC2: cannot run this<");
    free(svg);

    svg = render_json_text("{\"curve\": []}");
    assert_has(svg, "No option can run this workload");
    assert_has(svg, ">Monthly cost by invocation rate</text>");
    free(svg);
}
END_TEST

START_TEST(test_free_tier_floor)
{
    /* $0 cannot sit on a log scale: the floor is one decade below the smallest cost ($1, so
     * decade -1 .. 2), labelled "$0", and a zero cost is drawn on it (y = 302). */
    char *svg = render_json_text("{\"workload\": {\"invocations_per_month\": 100},"
                                 " \"curve\": [{\"invocations_per_month\": 10, \"lambda\": 0},"
                                 "  {\"invocations_per_month\": 100, \"lambda\": 0},"
                                 "  {\"invocations_per_month\": 1000, \"lambda\": 1},"
                                 "  {\"invocations_per_month\": 10000, \"lambda\": 100}]}");
    assert_has(svg, ">$0<");
    assert_has(svg, "class=\"axis-break\"");
    assert_has(svg, ">Lambda: $0/month<");
    /* y = 302 - (log10(usd) + 1) / 3 * 240: $1 -> 222, $100 -> 62. x: 10..10k, 169.3 px a
     * decade. */
    assert_has(svg, "points=\"76.0,302.0 245.3,302.0 414.7,222.0 584.0,62.0\"");
    assert_lacks(svg, ">$0.1<");
    free(svg);
}
END_TEST

START_TEST(test_hostile_input)
{
    /* Markup, quotes, control and non-characters in texts; numbers of every odd kind. */
    json_t *doc = json_pack(
        "{s:{s:s, s:s, s:f, s:f, s:f}, s:{s:s}, s:[{s:f, s:f, s:s, s:f}, {s:f, s:f, s:n, s:f},"
        " {s:s, s:f}, {s:f, s:f, s:f, s:f}, {s:f, s:f, s:f, s:f}, {s:f, s:f}, {s:f, s:b}, i, n],"
        " s:{s:{s:f, s:f}, s:{s:f, s:s}, s:{s:s}}}",
        "workload", "name", "<script>&\"'\x01\x1f \xEF\xBF\xBE x]]>", "region", "us-east-1\"><b>",
        "duration_s", 1e300, "memory_mb", -5.0, "invocations_per_month", 1e-300, "recommendation",
        "platform", "<lambda>", "curve", "invocations_per_month", 1e-300, "lambda", 1e300,
        "fargate", "12", "ecs_ec2", -1.0, "invocations_per_month", 1e300, "lambda", 1e-300,
        "fargate", "ecs_ec2", 0.0, "invocations_per_month", "many", "lambda", 1.0,
        "invocations_per_month", 5e-324, "lambda", 1.7e308, "fargate", 4.9e-324, "ecs_ec2", 2.0,
        "invocations_per_month", 1e10, "lambda", 1e10, "fargate", 1e10, "ecs_ec2", 1e10,
        "invocations_per_month", -3.0, "lambda", 3.0, "invocations_per_month", 5.0, "lambda", 1, 7,
        "break_even", "lambda_vs_fargate_always_on", "invocations_per_month", 1e308, "lambda_usd",
        1e-308, "lambda_vs_fargate_per_job", "invocations_per_month", 1e-10, "lambda_usd", "x",
        "lambda_vs_ecs_ec2", "invocations_per_month", "<1>");
    ck_assert_ptr_nonnull(doc);
    char *svg = render_doc(doc);
    assert_has(svg, "&lt;script&gt;&amp;&quot;&apos;");
    assert_lacks(svg, "<script");
    assert_lacks(svg, "\x01");
    assert_lacks(svg, "\xEF\xBF\xBE");
    assert_lacks(svg, "nan");
    assert_lacks(svg, "inf");
    /* 5e-324 .. 1e300 spans hundreds of decades: at most nine labelled ticks an axis. */
    ck_assert_uint_le(count(svg, "class=\"xtick\""), 9);
    ck_assert_uint_le(count(svg, "class=\"ytick\""), 9);
    /* Far-off break-even points are pointed at from the edge, not drawn off the canvas. */
    assert_has(svg, "class=\"off-chart\"");
    free(svg);
    json_decref(doc);

    /* A title of any length stays one line: squeezed, and cut with an ellipsis. The longest
     * name a workload may have (64 characters) and every other part of the title make 120. */
    char name[65];
    memset(name, 'W', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    doc = json_pack("{s:{s:s, s:f, s:f, s:b, s:f, s:s}, s:[{s:i, s:i}, {s:i, s:i}]}", "workload",
                    "name", name, "duration_s", 4500.0, "memory_mb", 123456.0, "gpu", 1,
                    "invocations_per_month", 1234567.0, "region", "ap-southeast-5", "curve",
                    "invocations_per_month", 10, "lambda", 1, "invocations_per_month", 100,
                    "lambda", 2);
    svg = render_doc(doc);
    assert_has(svg, "textLength=\"576\"");
    assert_has(svg, "\xE2\x80\xA6</text>");
    free(svg);
    json_decref(doc);
}
END_TEST

START_TEST(test_bad_documents)
{
    char *svg = (char *)0x1;
    size_t len = 7;
    struct cf_error err = {0};
    struct cf_answer advice = {.kind = ANSWER_ADVICE};
    ck_assert_int_eq(render_svg(&advice, &svg, &len, &err), CF_EINVAL);
    ck_assert_int_eq(render_svg(NULL, &svg, &len, NULL), CF_EINVAL);
    ck_assert_ptr_eq(svg, (char *)0x1); /* outputs untouched on failure */
    ck_assert_uint_eq(len, 7);
}
END_TEST

/* ---- documents from core_compare() ---- */

static struct cf_answer *compare(const char *text)
{
    return cf_test_answer(text, true, rates, model);
}

/* The lowest baseline of the legend's texts: the legend must end inside the 400-pixel canvas,
 * however many platforms it lists. */
static double legend_bottom(const char *svg)
{
    double bottom = 0;
    const char *p = strstr(svg, "<g class=\"legend\"");
    ck_assert_ptr_nonnull(p);
    while ((p = strstr(p, "<g class=\"legend-entry\"")) != NULL) {
        const char *t = strstr(p, "<text x=\"");
        ck_assert_ptr_nonnull(t);
        const char *y = strstr(t, " y=\"");
        ck_assert_ptr_nonnull(y);
        bottom = fmax(bottom, strtod(y + 4, NULL));
        p = t;
    }
    return bottom;
}

START_TEST(test_core_cpu_workload)
{
    struct cf_answer *doc = compare("{\"duration\": \"5s\", \"memory\": \"2GB\", "
                                    "\"invocations\": \"10000/month\"}");
    char *svg = render(doc);
    assert_has(svg, ">5 s \xC3\x97 2048 MB, 10k/month, us-east-1</text>");
    /* Lambda at 10k a month, no free tier: 10000 x (5 s x 2 GB x $0.0000166667 + $0.0000002)
     * = $1.66867, and the INIT of 3,193.2 cold starts (1 s x 2 GB each) $0.10644 (test_cost:
     * lambda_invoice): $1.77511 -> "$1.78". */
    assert_has(svg, ">Lambda: $1.78/month<");
    assert_has(svg, "data-option=\"lambda\"");
    assert_has(svg, "data-option=\"fargate\"");
    assert_has(svg, "data-entry=\"fargate\"");
    assert_has(svg, "data-entry=\"ecs_ec2\"");
    /* The managed-instance platforms, each in a colour and dash of its own (Okabe-Ito):
     * Lambda Managed Instances, three c6a.large always with 15% of their rate and the
     * requests, 3 x 730 x $0.0765 x 1.15 + 10,000 x $0.0000002 = $192.67; ECS Managed
     * Instances, the one c6a.large of ECS on EC2 and the model's 12%, $62.55. */
    assert_has(svg, "data-option=\"lambda_managed\" stroke=\"#D55E00\"");
    assert_has(svg, "data-option=\"ecs_managed\" stroke=\"#CC79A7\"");
    assert_has(svg, ">Lambda Managed: $192.67/month<");
    assert_has(svg, ">ECS Managed: $62.55/month<");
    assert_has(svg, "data-entry=\"lambda_managed\"");
    assert_has(svg, "data-entry=\"ecs_managed\"");
    ck_assert_double_le(legend_bottom(svg), 400 - 4);
    assert_has(svg, ">requested: 10k/month<");
    /* The curve spans 10^2.5 around 10k up to a quarter of a decade past the break-even at 432k:
     * the decades 1k, 10k and 100k are labelled; Lambda's $0.05 .. $128 and the GPU's hundreds
     * put "$1" and "$100" on the cost axis. */
    assert_has(svg, ">1k<");
    assert_has(svg, ">10k<");
    assert_has(svg, ">100k<");
    assert_has(svg, ">$1<");
    assert_has(svg, ">$100<");
    /* Every break-even the document holds is marked, on the plot or at its edge. */
    size_t n_be = 0;
    for (size_t k = 0; k < doc->comparison->n_break_evens; k++)
        n_be += doc->comparison->break_evens[k].found;
    ck_assert_uint_ge(n_be, 1);
    /* The curve now reaches every break-even: each is marked on the plot, none at its edge. */
    ck_assert_uint_eq(count(svg, "class=\"marker\""), n_be);
    ck_assert_uint_eq(count(svg, "class=\"off-chart\""), 0);
    free(svg);
    cf_answer_free(doc);
}
END_TEST

START_TEST(test_core_gpu_only)
{
    /* A GPU task: Lambda and Fargate cannot run it, nor Lambda Managed Instances (an 8 GB
     * environment has 4.63 vCPU, more than g4dn.xlarge's 4), so only ECS on EC2 and ECS
     * Managed Instances are drawn, and there is no break-even at all. One g4dn.xlarge always
     * on: 730 h x $0.526 = $383.98, and 12% more on ECS Managed Instances, $430.06. */
    struct cf_answer *doc = compare("{\"duration\": \"30s\", \"memory\": \"8GB\", \"gpu\": true, "
                                    "\"invocations\": \"2000/day\"}");
    char *svg = render(doc);
    assert_has(svg, "+ GPU, 60.8k/month, us-east-1</text>");
    assert_has(svg, ">Lambda: cannot run this<");
    assert_has(svg, ">Fargate: cannot run this<");
    assert_has(svg, ">ECS on EC2: $383.98/month<");
    assert_has(svg, ">ECS Managed: $430.06/month<");
    assert_has(svg, ">Lambda Managed: cannot run this<");
    assert_has(svg, "data-option=\"ecs_managed\"");
    assert_lacks(svg, "data-option=\"lambda_managed\"");
    assert_has(svg, "data-option=\"ecs_ec2\"");
    assert_lacks(svg, "data-option=\"lambda\"");
    assert_lacks(svg, "data-option=\"fargate\"");
    assert_lacks(svg, "class=\"marker\"");
    assert_lacks(svg, "class=\"off-chart\"");
    assert_lacks(svg, "data-entry=\"break-even\"");
    assert_has(svg, "class=\"requested\"");
    free(svg);
    cf_answer_free(doc);
}
END_TEST

static Suite *chart_suite(void)
{
    Suite *s = suite_create("chart");
    TCase *hand = tcase_create("hand");
    tcase_add_test(hand, test_hand_elements);
    tcase_add_test(hand, test_hand_geometry);
    tcase_add_test(hand, test_gaps_and_lone_points);
    tcase_add_test(hand, test_no_feasible_option);
    tcase_add_test(hand, test_free_tier_floor);
    tcase_add_test(hand, test_hostile_input);
    tcase_add_test(hand, test_bad_documents);
    suite_add_tcase(s, hand);
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_core_cpu_workload);
    tcase_add_test(core, test_core_gpu_only);
    suite_add_tcase(s, core);
    return s;
}

int main(void)
{
    return cf_test_run(chart_suite());
}
