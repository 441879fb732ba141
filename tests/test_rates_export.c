/*
 * test_rates_export.c - GET /pricing/export's document, without a server: its bytes are the
 * state file's (and so computefit-snapshot's), its gzip decodes to them, its entity tags follow
 * the rates, and the cache builds it once per table however many threads ask.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "computefit/pricing.h"
#include "computefit/rates_export.h"
#include "computefit/rates_json.h"
#include "testutil.h"

static struct rates *load_snapshot(void)
{
    char *snap = cf_test_path("config/rates-snapshot.json");
    struct rates *r = NULL;
    struct cf_error err = {0};
    ck_assert_msg(rates_load_file(snap, CF_SOURCE_SNAPSHOT, &r, &err) == 0, "%s", err.message);
    free(snap);
    return r;
}

/* Inflates a gzip member; returns a new malloc()ed buffer. */
static char *gunzip(const unsigned char *in, size_t len, size_t *ret_len)
{
    size_t cap = 4 * 1024 * 1024;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    z_stream z;
    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    *ret_len = z.total_out;
    inflateEnd(&z);
    return out;
}

START_TEST(body_is_the_state_file)
{
    struct rates *r = load_snapshot();
    struct rates_export *e = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_export_new(r, 7, &e, &err), 0);
    ck_assert_uint_eq(e->generation, 7);

    /* What rates_save_file() writes, and so computefit-snapshot's --output, byte for byte. */
    char path[] = "/tmp/cf-export-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(rates_save_file(r, path, &err), 0);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *saved = malloc(e->len + 2);
    size_t n = fread(saved, 1, e->len + 1, f);
    fclose(f);
    unlink(path);
    ck_assert_uint_eq(n, e->len);
    ck_assert(memcmp(saved, e->body, n) == 0);
    ck_assert_int_eq(e->body[e->len - 1], '\n');
    free(saved);

    /* The gzip encoding is the same document, and much smaller. */
    size_t plain_len = 0;
    char *plain = gunzip(e->gzip, e->gzip_len, &plain_len);
    ck_assert_uint_eq(plain_len, e->len);
    ck_assert(memcmp(plain, e->body, plain_len) == 0);
    ck_assert_uint_lt(e->gzip_len * 5, e->len);
    free(plain);

    /* It loads back to the same rates. */
    json_t *doc = json_loadb(e->body, e->len, JSON_REJECT_DUPLICATES, NULL);
    ck_assert_ptr_nonnull(doc);
    struct rates *back = NULL;
    ck_assert_int_eq(rates_from_json(doc, CF_SOURCE_URL, &back, &err), 0);
    ck_assert_uint_eq(back->n_regions, r->n_regions);
    ck_assert_int_eq(back->built_at, r->built_at);
    const struct region_rates *us = rates_region(back, "us-east-1");
    ck_assert_int_eq(us->info[CF_OFFER_LAMBDA].source, CF_SOURCE_URL);
    ck_assert_str_eq(us->info[CF_OFFER_LAMBDA].origin,
                     rates_region(r, "us-east-1")->info[CF_OFFER_LAMBDA].origin);
    json_decref(doc);
    rates_unref(back);
    rates_export_unref(e);
    rates_unref(r);
}
END_TEST

START_TEST(etag_follows_the_rates)
{
    struct rates *r = load_snapshot();
    struct rates *same = load_snapshot();
    struct rates *moved = rates_clone(r, 0);
    for (size_t i = 0; i < moved->n_regions; i++)
        if (strcmp(moved->regions[i].code, "us-east-1") == 0)
            moved->regions[i].fargate[CF_ARCH_X86_64].vcpu_hour_usd = 0.05;
    struct rates_export *a = NULL, *b = NULL, *c = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(rates_export_new(r, 1, &a, &err), 0);
    ck_assert_int_eq(rates_export_new(same, 2, &b, &err), 0);
    ck_assert_int_eq(rates_export_new(moved, 3, &c, &err), 0);
    /* Equal tables, whoever built them: equal tags (replicas agree without talking). */
    ck_assert_str_eq(a->etag, b->etag);
    ck_assert_str_ne(a->etag, c->etag);
    /* A strong tag per representation: the gzip one is the same with "-gzip". */
    ck_assert_int_eq(a->etag[0], '"');
    char want[RATES_EXPORT_ETAG_LEN + 8];
    snprintf(want, sizeof(want), "%.*s-gzip\"", (int)strlen(a->etag) - 1, a->etag);
    ck_assert_str_eq(a->etag_gzip, want);

    /* If-None-Match, weak comparison: either tag, W/ or not, in a list, or "*". */
    char list[256];
    ck_assert(rates_export_matches(a, a->etag));
    ck_assert(rates_export_matches(a, a->etag_gzip));
    snprintf(list, sizeof(list), "W/%s", a->etag);
    ck_assert(rates_export_matches(a, list));
    snprintf(list, sizeof(list), "\"other\", %s", a->etag_gzip);
    ck_assert(rates_export_matches(a, list));
    ck_assert(rates_export_matches(a, "*"));
    ck_assert(!rates_export_matches(a, c->etag));
    ck_assert(!rates_export_matches(a, "\"other\""));
    ck_assert(!rates_export_matches(a, ""));
    ck_assert(!rates_export_matches(a, "garbage"));
    snprintf(list, sizeof(list), "%.*s", (int)strlen(a->etag) - 1, a->etag); /* unterminated */
    ck_assert(!rates_export_matches(a, list));

    rates_export_unref(a);
    rates_export_unref(b);
    rates_export_unref(c);
    rates_unref(r);
    rates_unref(same);
    rates_unref(moved);
}
END_TEST

START_TEST(cache_builds_once_per_table)
{
    struct pricing_cache *c = pricing_cache_new();
    struct rates_export *e1 = NULL, *e2 = NULL, *e3 = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(pricing_cache_export(c, &e1, &err), CF_ENOPRICE);
    pricing_cache_swap(c, load_snapshot());
    ck_assert_int_eq(pricing_cache_export(c, &e1, &err), 0);
    ck_assert_int_eq(pricing_cache_export(c, &e2, &err), 0);
    ck_assert_ptr_eq(e1, e2); /* the same bytes, not built twice */
    ck_assert_uint_eq(e1->generation, pricing_cache_generation(c));
    pricing_cache_swap(c, load_snapshot());
    ck_assert_int_eq(pricing_cache_export(c, &e3, &err), 0);
    ck_assert_ptr_ne(e3, e1);
    ck_assert_uint_eq(e3->generation, pricing_cache_generation(c));
    ck_assert_str_eq(e3->etag, e1->etag); /* an equal table */
    rates_export_unref(e1);
    rates_export_unref(e2);
    pricing_cache_free(c); /* the cache's reference to e3 goes; ours stays valid */
    ck_assert_uint_gt(e3->len, 0);
    rates_export_unref(e3);
}
END_TEST

/* Requests export while the refresher swaps: every export a thread gets is whole, and is the
 * export of a table that was in use (the TSan build checks the locking). */
struct race {
    struct pricing_cache *cache;
    size_t expect_len;
};

static void *exporter(void *arg)
{
    struct race *rc = arg;
    for (int i = 0; i < 40; i++) {
        struct rates_export *e = NULL;
        struct cf_error err = {0};
        if (pricing_cache_export(rc->cache, &e, &err) != 0 || e->len != rc->expect_len)
            return (void *)1;
        rates_export_unref(e);
    }
    return NULL;
}

START_TEST(concurrent_requests_and_swaps)
{
    struct race rc = {pricing_cache_new(), 0};
    struct rates *r = load_snapshot();
    size_t len = 0;
    free(rates_to_text(r, &len));
    rc.expect_len = len;
    pricing_cache_swap(rc.cache, r);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, exporter, &rc), 0);
    for (int i = 0; i < 5; i++)
        pricing_cache_swap(rc.cache, load_snapshot());
    for (int i = 0; i < 3; i++) {
        void *ret = NULL;
        pthread_join(t[i], &ret);
        ck_assert_ptr_null(ret);
    }
    pricing_cache_free(rc.cache);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rates_export");
    TCase *tc = tcase_create("export");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, body_is_the_state_file);
    tcase_add_test(tc, etag_follows_the_rates);
    tcase_add_test(tc, cache_builds_once_per_table);
    tcase_add_test(tc, concurrent_requests_and_swaps);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
