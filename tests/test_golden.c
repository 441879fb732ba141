/*
 * test_golden.c - published figures as tests. Each case in the JSON files of tests/golden/ is a
 * request whose expected figures come from outside computefit - AWS pricing pages' worked
 * examples, the AWS Pricing Calculator's conventions, documented limits, other tools' golden
 * files - with its source and date (tests/golden/README.md says how to write one). The runner
 * answers each request as POST /advise or POST /compare does, in process: core_advise() or
 * core_compare() on the bundled snapshot (config/rates-snapshot.json) and config/model.json,
 * render_json(), and checks every expectation against the JSON a client would receive. A
 * failure prints the case id, the path, the expected and the actual value.
 *
 * tests/golden/pending.json holds published figures computefit does not reproduce yet (features
 * not built, known bugs, sources that disagree). They are answered and their status printed -
 * PENDING, KNOWN BUG or SOURCE CONFLICT with the case id and each unmet expectation - but they
 * never fail the suite; one that starts to pass is announced so that it can move to a case file.
 *
 * Paths into the response are member names separated by dots, each optionally followed by
 * selectors:
 *
 *   options.lambda.variants[variant=x86_64].line_items[item=requests].usd
 *   options.lambda.blocked_by[limit=lambda.max_duration_s].limit_value
 *   plan.platforms.lambda.tasks[0]
 *
 *   name    an object member (any characters but '.' and '[')
 *   [N]     element N of an array
 *   [k=v]   the first element of an array of objects whose member k is the string v (or the
 *           number or boolean written v); v may contain '.', not ']'
 *
 * An expectation is {"path", "value"} - numbers within "tol" (absolute; without it, equal to
 * 1e-9 relative), anything else equal as JSON - or {"path", "absent": true}.
 */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/advise.h"
#include "computefit/rates_json.h"
#include "computefit/render.h"
#include "testutil.h"

#define GOLDEN_DIR   "tests/golden"
#define PENDING_FILE "pending.json"
#define MIN_CASES    25 /* issue 11: at least 25 published cases, outside pending.json */

static struct model *model;
static struct rates *rates;

static void setup(void)
{
    model = cf_test_model();
    char *path = cf_test_path("config/rates-snapshot.json");
    struct cf_error err = {0};
    int e = rates_load_file(path, CF_SOURCE_SNAPSHOT, &rates, &err);
    free(path);
    ck_assert_msg(e == 0, "snapshot: %s: %s", err.field, err.message);
}

static void teardown(void)
{
    model_free(model);
    rates_unref(rates);
}

/* ---- paths ---- */

/* Whether member `key` of `obj` is `val`: the string itself, or the number or boolean it spells. */
static bool member_is(const json_t *obj, const char *key, const char *val)
{
    const json_t *m = json_object_get(obj, key);
    if (json_is_string(m))
        return strcmp(json_string_value(m), val) == 0;
    if (json_is_boolean(m))
        return strcmp(val, json_is_true(m) ? "true" : "false") == 0;
    if (json_is_number(m)) {
        char *end = NULL;
        double d = strtod(val, &end);
        return end != val && *end == '\0' && d == json_number_value(m);
    }
    return false;
}

/* Applies the selector `sel` ("3" or "key=value") to the array `j`; NULL when nothing matches. */
static json_t *select_element(json_t *j, char *sel)
{
    char *eq = strchr(sel, '=');
    if (!eq) {
        char *end = NULL;
        unsigned long i = strtoul(sel, &end, 10);
        return end != sel && *end == '\0' ? json_array_get(j, i) : NULL;
    }
    *eq = '\0';
    size_t i;
    json_t *el;
    json_array_foreach(j, i, el)
    {
        if (json_is_object(el) && member_is(el, sel, eq + 1))
            return el;
    }
    return NULL;
}

/* Follows `path` (the syntax at the top of this file) from `root`. Returns the value, borrowed
 * from `root`, or NULL with the reason in why[0..cap). */
static json_t *path_get(json_t *root, const char *path, char *why, size_t cap)
{
    json_t *j = root;
    const char *p = path;
    while (*p) {
        size_t n = strcspn(p, ".[");
        char buf[160];
        if (n == 0 && *p != '[') {
            snprintf(why, cap, "empty name at offset %d", (int)(p - path));
            return NULL;
        }
        if (n > 0) {
            if (n >= sizeof(buf)) {
                snprintf(why, cap, "name too long at offset %d", (int)(p - path));
                return NULL;
            }
            memcpy(buf, p, n);
            buf[n] = '\0';
            j = json_object_get(j, buf);
            if (!j) {
                snprintf(why, cap, "no member \"%s\" after \"%.*s\"", buf, (int)(p - path), path);
                return NULL;
            }
            p += n;
        }
        while (*p == '[') {
            const char *close = strchr(p, ']');
            size_t len = close ? (size_t)(close - p - 1) : 0;
            if (!close || len == 0 || len >= sizeof(buf)) {
                snprintf(why, cap, "bad selector at offset %d", (int)(p - path));
                return NULL;
            }
            memcpy(buf, p + 1, len);
            buf[len] = '\0';
            json_t *el = json_is_array(j) ? select_element(j, buf) : NULL;
            if (!el) {
                snprintf(why, cap, "nothing matches [%.*s] after \"%.*s\"", (int)len, p + 1,
                         (int)(p - path), path);
                return NULL;
            }
            j = el;
            p = close + 1;
        }
        if (*p == '.')
            p++;
        else if (*p) {
            snprintf(why, cap, "expected '.' or '[' at offset %d", (int)(p - path));
            return NULL;
        }
    }
    return j;
}

/* ---- expectations ---- */

/* Writes `j` as compact JSON into out[0..cap). */
static void show(const json_t *j, char *out, size_t cap)
{
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(12));
    snprintf(out, cap, "%s", s ? s : "?");
    free(s);
}

/* Checks one expectation against the rendered answer `doc`. Returns true when it holds;
 * otherwise describes the miss in msg[0..cap). */
static bool expectation_holds(json_t *doc, const json_t *e, char *msg, size_t cap)
{
    const char *path = json_string_value(json_object_get(e, "path"));
    const json_t *want = json_object_get(e, "value");
    char why[256] = "", got_s[160], want_s[160];
    json_t *got = path_get(doc, path, why, sizeof(why));
    if (json_is_true(json_object_get(e, "absent"))) {
        if (!got)
            return true;
        show(got, got_s, sizeof(got_s));
        snprintf(msg, cap, "%s: expected nothing, got %s", path, got_s);
        return false;
    }
    show(want, want_s, sizeof(want_s));
    if (!got) {
        snprintf(msg, cap, "%s: expected %s, got nothing (%s)", path, want_s, why);
        return false;
    }
    show(got, got_s, sizeof(got_s));
    if (json_is_number(want) && json_is_number(got)) {
        double w = json_number_value(want), g = json_number_value(got);
        const json_t *tol = json_object_get(e, "tol");
        double t = tol ? json_number_value(tol) : 1e-9 * fmax(1, fabs(w));
        /* The hair of slack keeps a figure exactly at the tolerance from failing on binary
         * fractions (0.005 is not exact in a double). */
        if (fabs(g - w) <= t + 1e-12 * fmax(1, fabs(w)))
            return true;
        snprintf(msg, cap, "%s: expected %s (tolerance %g), got %s (off by %.6g)", path, want_s, t,
                 got_s, g - w);
        return false;
    }
    if (!json_is_number(want) && json_equal(want, got))
        return true;
    snprintf(msg, cap, "%s: expected %s, got %s", path, want_s, got_s);
    return false;
}

/* ---- cases ---- */

struct outcome {
    int checked, failed;
    bool refused;    /* the request was answered with an error */
    char first[640]; /* the first miss, or the refusal */
};

/* Answers case `c` as its route does and checks its expectations; each miss is printed as a TAP
 * comment "# <tag> <id> <miss>" (tag NULL: not printed). */
static void run_case(const json_t *c, const char *tag, struct outcome *o)
{
    const char *id = json_string_value(json_object_get(c, "id"));
    const char *route = json_string_value(json_object_get(c, "route"));
    bool compare = route && strcmp(route, "compare") == 0;
    const json_t *req = json_object_get(c, "request");
    struct cf_answer *ans = NULL;
    struct cf_error err = {0};
    *o = (struct outcome){0};
    int rc = compare ? core_compare(req, rates, model, &ans, &err)
                     : core_advise(req, rates, model, &ans, &err);
    if (rc != 0) {
        o->refused = true;
        snprintf(o->first, sizeof(o->first), "request refused: %s %s: %s", cf_error_name(rc),
                 err.field, err.message);
        if (tag)
            printf("# %s %s %s\n", tag, id, o->first);
        return;
    }
    /* Rendered at 2025-06-20T00:00:00Z; the rates' age does not enter any expectation. */
    static const struct render_opts opts = {1750377600, 172800};
    size_t len = 0;
    char *text = render_json(ans, &opts, &len);
    cf_answer_free(ans);
    ck_assert_ptr_nonnull(text);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr);
    free(text);
    ck_assert_msg(doc != NULL, "%s: render_json wrote invalid JSON: %s", id, jerr.text);
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(c, "expect"), i, e)
    {
        char msg[600];
        o->checked++;
        if (expectation_holds(doc, e, msg, sizeof(msg)))
            continue;
        if (!o->failed++)
            snprintf(o->first, sizeof(o->first), "%s", msg);
        if (tag)
            printf("# %s %s %s\n", tag, id, msg);
    }
    json_decref(doc);
}

static bool nonempty_string(const json_t *obj, const char *key)
{
    const json_t *s = json_object_get(obj, key);
    return json_is_string(s) && json_string_length(s) > 0;
}

/* Fails the test unless case `c` of `file` is well formed: README.md's fields, one pending block
 * exactly in pending.json, and expectations of the form the runner reads. */
static void check_schema(const json_t *c, const char *file, bool pending)
{
    const char *id = json_string_value(json_object_get(c, "id"));
    ck_assert_msg(id && *id, "%s: a case without an id", file);
    static const char *const text[] = {"title", "source", "source_date", "why"};
    for (size_t k = 0; k < sizeof(text) / sizeof(text[0]); k++)
        ck_assert_msg(nonempty_string(c, text[k]), "%s: %s: no \"%s\"", file, id, text[k]);
    ck_assert_msg(json_is_object(json_object_get(c, "request")), "%s: %s: no request", file, id);
    const char *route = json_string_value(json_object_get(c, "route"));
    ck_assert_msg(!json_object_get(c, "route") ||
                      (route && (!strcmp(route, "advise") || !strcmp(route, "compare"))),
                  "%s: %s: route is \"advise\" or \"compare\"", file, id);
    const json_t *pb = json_object_get(c, "pending");
    ck_assert_msg(!pending == !pb, "%s: %s: a \"pending\" block belongs in %s, and only there",
                  file, id, PENDING_FILE);
    if (pb) {
        const char *kind = json_string_value(json_object_get(pb, "kind"));
        ck_assert_msg(kind && (!strcmp(kind, "not_implemented") || !strcmp(kind, "known_bug") ||
                               !strcmp(kind, "source_conflict")),
                      "%s: %s: pending.kind is not_implemented, known_bug or source_conflict", file,
                      id);
        ck_assert_msg(nonempty_string(pb, "reason"), "%s: %s: pending.reason", file, id);
    }
    const json_t *ex = json_object_get(c, "expect");
    ck_assert_msg(json_array_size(ex) > 0, "%s: %s: no expectations", file, id);
    size_t i;
    const json_t *e;
    json_array_foreach(ex, i, e)
    {
        bool absent = json_is_true(json_object_get(e, "absent"));
        const json_t *value = json_object_get(e, "value"), *tol = json_object_get(e, "tol");
        ck_assert_msg(nonempty_string(e, "path"), "%s: %s: expect[%zu] has no path", file, id, i);
        ck_assert_msg(absent != (value != NULL), "%s: %s: expect[%zu]: \"value\" or \"absent\"",
                      file, id, i);
        ck_assert_msg(!tol || (json_is_number(value) && json_number_value(tol) >= 0),
                      "%s: %s: expect[%zu]: tol needs a numeric value", file, id, i);
    }
}

/* Reads tests/golden/<name>; returns its "cases" array (a new reference). */
static json_t *load_cases(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "%s/%s", GOLDEN_DIR, name);
    size_t len = 0;
    char *text = cf_test_read(rel, &len);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    ck_assert_msg(doc != NULL, "%s:%d: %s", rel, jerr.line, jerr.text);
    json_t *cases = json_incref(json_object_get(doc, "cases"));
    json_decref(doc);
    ck_assert_msg(json_is_array(cases), "%s: no \"cases\" array", rel);
    return cases;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the case files of tests/golden (every *.json but pending.json), sorted. Returns a new
 * array of new strings; *ret_n is its length. */
static char **case_files(size_t *ret_n)
{
    char *dir = cf_test_path(GOLDEN_DIR);
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    free(dir);
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
            strcmp(de->d_name, PENDING_FILE) == 0)
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        ck_assert_ptr_nonnull(names);
        names[n] = strdup(de->d_name);
        ck_assert_ptr_nonnull(names[n++]);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    *ret_n = n;
    return names;
}

START_TEST(published_figures)
{
    size_t n_files = 0;
    char **files = case_files(&n_files);
    json_t *ids = json_object();
    int cases = 0, checked = 0, failed = 0, failed_cases = 0;
    char first[700] = "";
    for (size_t f = 0; f < n_files; f++) {
        json_t *list = load_cases(files[f]);
        size_t i;
        const json_t *c;
        json_array_foreach(list, i, c)
        {
            check_schema(c, files[f], false);
            const char *id = json_string_value(json_object_get(c, "id"));
            ck_assert_msg(!json_object_get(ids, id), "%s: case id %s is used twice", files[f], id);
            json_object_set_new(ids, id, json_true());
            struct outcome o;
            run_case(c, "FAIL", &o);
            cases++;
            checked += o.checked;
            failed += o.failed + o.refused;
            if (o.failed || o.refused) {
                failed_cases++;
                if (!*first)
                    snprintf(first, sizeof(first), "%s: %s", id, o.first);
            }
        }
        json_decref(list);
        free(files[f]);
    }
    free(files);
    json_decref(ids);
    printf("# golden: %d cases, %d expectations, %d failed\n", cases, checked, failed);
    fflush(stdout);
    ck_assert_msg(cases >= MIN_CASES, "only %d golden cases in %s; the issue asks for %d", cases,
                  GOLDEN_DIR, MIN_CASES);
    ck_assert_msg(failed == 0, "%d golden expectation(s) in %d case(s) disagree; first: %s", failed,
                  failed_cases, first);
}
END_TEST

START_TEST(pending_figures)
{
    json_t *list = load_cases(PENDING_FILE);
    size_t i;
    const json_t *c;
    json_array_foreach(list, i, c)
    {
        check_schema(c, PENDING_FILE, true);
        const char *id = json_string_value(json_object_get(c, "id"));
        const json_t *pb = json_object_get(c, "pending");
        const char *kind = json_string_value(json_object_get(pb, "kind"));
        const char *tag = !strcmp(kind, "known_bug")         ? "KNOWN BUG"
                          : !strcmp(kind, "source_conflict") ? "SOURCE CONFLICT"
                                                             : "PENDING";
        struct outcome o;
        run_case(c, NULL, &o);
        if (o.refused)
            printf("# %s %s: not yet answered (%s)\n", tag, id, o.first);
        else if (o.failed)
            printf("# %s %s: %d of %d expectations unmet; first: %s\n", tag, id, o.failed,
                   o.checked, o.first);
        else
            printf("# %s %s: NOW PASSES - move it from %s to a case file\n", tag, id, PENDING_FILE);
        printf("#   %s\n", json_string_value(json_object_get(pb, "reason")));
    }
    fflush(stdout);
    json_decref(list);
}
END_TEST

/* The runner itself: a wrong figure, a path that leads nowhere, a line that should be absent and
 * a refused request are each reported, so that the suite can fail. */
START_TEST(runner_reports_misses)
{
    json_error_t jerr;
    json_t *c = json_loads(
        "{\"id\": \"self-test\", \"request\": {\"duration\": \"120ms\", \"memory\": 1536, "
        "\"invocations\": 3000000, \"include_free_tier\": true}, \"expect\": ["
        "{\"path\": \"options.lambda.variants[variant=x86_64].line_items[item=requests].usd\", "
        "\"value\": 0.41, \"tol\": 0.005},"
        "{\"path\": \"options.lambda.variants[variant=x86_64].line_items[item=requests].usd\", "
        "\"value\": 0.40, \"tol\": 0.005},"
        "{\"path\": \"options.lambda.variants[variant=arm64].line_items[0].usd\", \"value\": 1},"
        "{\"path\": \"options.lambda.variants[0].line_items[item=requests]\", \"absent\": true},"
        "{\"path\": \"options.lambda.variant\", \"value\": \"arm64\"},"
        "{\"path\": \"options.lambda.blocked_by\", \"value\": []}]}",
        0, &jerr);
    ck_assert_msg(c != NULL, "%s", jerr.text);
    struct outcome o;
    run_case(c, NULL, &o);
    ck_assert(!o.refused);
    ck_assert_int_eq(o.checked, 6);
    ck_assert_int_eq(o.failed, 4);
    ck_assert_msg(strstr(o.first, "expected 0.41") && strstr(o.first, "got 0.4"), "%s", o.first);
    json_object_set_new(json_object_get(c, "request"), "durration", json_integer(1));
    run_case(c, NULL, &o);
    ck_assert(o.refused);
    ck_assert_msg(strstr(o.first, "durration") != NULL, "%s", o.first);
    json_decref(c);

    char why[256];
    json_t *doc =
        json_loads("{\"a\": [{\"k\": \"x.y\", \"v\": [1, 2]}, {\"k\": 3, \"v\": true}]}", 0, NULL);
    ck_assert_int_eq(json_integer_value(path_get(doc, "a[k=x.y].v[1]", why, sizeof(why))), 2);
    ck_assert(json_is_true(path_get(doc, "a[k=3].v", why, sizeof(why))));
    ck_assert_ptr_null(path_get(doc, "a[k=4]", why, sizeof(why)));
    ck_assert_ptr_null(path_get(doc, "a[k=3", why, sizeof(why)));
    ck_assert_ptr_null(path_get(doc, "a..k", why, sizeof(why)));
    ck_assert_ptr_null(path_get(doc, "a[2]", why, sizeof(why)));
    json_decref(doc);
}
END_TEST

static Suite *golden_suite(void)
{
    Suite *s = suite_create("golden");
    TCase *tc = tcase_create("golden");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, runner_reports_misses);
    tcase_add_test(tc, published_figures);
    tcase_add_test(tc, pending_figures);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return cf_test_run(golden_suite());
}
