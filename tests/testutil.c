/*
 * testutil.c - helpers shared by the Check test binaries.
 */
#include "testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/model.h"

char *cf_test_path(const char *rel)
{
    const char *root = getenv("CF_SOURCE_ROOT");
    if (!root || !*root)
        root = ".";
    size_t n = strlen(root) + strlen(rel) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", root, rel);
    return p;
}

char *cf_test_read(const char *rel, size_t *ret_len)
{
    char *path = cf_test_path(rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        abort();
    buf[n] = '\0';
    fclose(f);
    free(path);
    if (ret_len)
        *ret_len = (size_t)n;
    return buf;
}

int cf_test_run(struct Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

struct model *cf_test_model(void)
{
    char *text = cf_test_read("config/model.json", NULL);
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    ck_assert_msg(doc != NULL, "config/model.json: %s", jerr.text);
    struct model *model = NULL;
    struct cf_error err = {0};
    ck_assert_msg(model_from_json(doc, &model, &err) == 0, "config/model.json: %s: %s", err.field,
                  err.message);
    json_decref(doc);
    return model;
}

long cf_test_peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}
