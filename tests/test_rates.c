/*
 * test_rates.c - the rates table's own rules: staleness and age, the table's life cycle
 * (deep copies own their GPU lists), and the const iteration of documents the core reads.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/jsoniter.h"
#include "computefit/rates.h"
#include "testutil.h"

#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */

START_TEST(age_and_staleness_of_one_time)
{
    int64_t age = -7;
    ck_assert(rates_age(NOW - 100, NOW, &age));
    ck_assert_int_eq(age, 100);
    ck_assert(!rates_stale(NOW - 100, NOW, 100)); /* exactly the limit is not past it */
    ck_assert(rates_stale(NOW - 101, NOW, 100));
    /* Unknown: no age, and stale whatever the limit. */
    age = -7;
    ck_assert(!rates_age(0, NOW, &age));
    ck_assert_int_eq(age, -7);
    ck_assert(!rates_age(-1, NOW, &age));
    ck_assert(rates_stale(0, NOW, 1000000000));
    ck_assert(rates_stale(-1, NOW, 1000000000));
    /* Ahead of the clock: a negative age, not stale. */
    ck_assert(rates_age(NOW + 60, NOW, &age));
    ck_assert_int_eq(age, -60);
    ck_assert(!rates_stale(NOW + 60, NOW, 0));
}
END_TEST

static void set_offer(struct region_rates *rr, enum cf_offer o, int64_t fetched_at,
                      const char *published)
{
    rr->has[o] = true;
    rr->info[o].fetched_at = fetched_at;
    snprintf(rr->info[o].published, sizeof(rr->info[o].published), "%s", published);
}

START_TEST(region_time_is_its_oldest_offer_and_unknown_wins)
{
    struct region_rates rr;
    memset(&rr, 0, sizeof(rr));
    ck_assert_int_eq(rates_region_time(&rr), 0); /* no offer: unknown */
    set_offer(&rr, CF_OFFER_LAMBDA, NOW - 10, "");
    ck_assert_int_eq(rates_region_time(&rr), NOW - 10);
    set_offer(&rr, CF_OFFER_FARGATE, 0, "2025-06-13"); /* from the publication date */
    ck_assert_int_eq(rates_region_time(&rr), 1749772800);
    set_offer(&rr, CF_OFFER_EC2, NOW - 5, "");
    ck_assert_int_eq(rates_region_time(&rr), 1749772800);
    /* An offer whose time is unknown makes the whole region's unknown, wherever it comes. */
    set_offer(&rr, CF_OFFER_LAMBDA, 0, "not a date");
    ck_assert_int_eq(rates_region_time(&rr), 0);
    set_offer(&rr, CF_OFFER_LAMBDA, NOW - 10, "");
    set_offer(&rr, CF_OFFER_EC2, 0, "");
    ck_assert_int_eq(rates_region_time(&rr), 0);
    /* An offer the region does not have does not count, whatever its info says. */
    rr.has[CF_OFFER_EC2] = false;
    ck_assert_int_eq(rates_region_time(&rr), 1749772800);
}
END_TEST

/* The publication date read by hand, against timegm() on every day from 1970 to 2100 and on
 * times of day; what the old sscanf()-based reading refused is still refused. */
START_TEST(offer_time_from_the_publication_date)
{
    struct offer_info info;
    memset(&info, 0, sizeof(info));
    for (int64_t day = 0; day < 47482; day += 7) { /* 1970-01-01 .. 2099-12-31, every 7 days */
        time_t t = (time_t)(day * 86400 + (day % 24) * 3600 + (day % 60) * 61 % 3600);
        struct tm tm;
        ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
        strftime(info.published, sizeof(info.published), "%Y-%m-%dT%H:%M:%SZ", &tm);
        ck_assert_int_eq(rates_offer_time(&info), (int64_t)t);
        strftime(info.published, sizeof(info.published), "%Y-%m-%d", &tm);
        ck_assert_int_eq(rates_offer_time(&info), (int64_t)timegm(&(struct tm){
                                                      .tm_year = tm.tm_year,
                                                      .tm_mon = tm.tm_mon,
                                                      .tm_mday = tm.tm_mday,
                                                  }));
    }
    const char *refused[] = {"",
                             "2025",
                             "2025-06",
                             "2025-13-01",
                             "2025-06-32",
                             "1969-12-31",
                             "2025-06-13T24:00:00",
                             "2025-06-13T10:00",
                             "June 13, 2025"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(info.published, sizeof(info.published), "%s", refused[i]);
        ck_assert_msg(rates_offer_time(&info) == 0, "%s was read as a time", refused[i]);
    }
    info.fetched_at = 1234; /* a known fetch time wins over the publication date */
    ck_assert_int_eq(rates_offer_time(&info), 1234);
}
END_TEST

START_TEST(clone_owns_its_gpu_lists)
{
    struct rates *a = rates_new(1);
    ck_assert_ptr_nonnull(a);
    struct region_rates *rr = &a->regions[0];
    a->n_regions = 1;
    snprintf(rr->code, sizeof(rr->code), "us-east-1");
    rr->instances = calloc(2, sizeof(*rr->instances));
    ck_assert_ptr_nonnull(rr->instances);
    rr->n_instances = 2;
    snprintf(rr->instances[0].type, sizeof(rr->instances[0].type), "g5.xlarge");
    snprintf(rr->instances[1].type, sizeof(rr->instances[1].type), "p4d.24xlarge");
    struct rates *b = rates_clone(a, 1);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(b->n_regions, 1);
    ck_assert_ptr_ne(b->regions[0].instances, rr->instances);
    ck_assert_str_eq(b->regions[0].instances[1].type, "p4d.24xlarge");
    rates_unref(a); /* b's copy outlives the original (ASan would see a use after free) */
    ck_assert_str_eq(b->regions[0].instances[0].type, "g5.xlarge");
    rates_unref(b);
}
END_TEST

START_TEST(const_object_iteration)
{
    json_t *doc = json_pack("{s:i, s:i, s:i}", "a", 1, "b", 2, "c", 3);
    const json_t *cdoc = doc;
    const char *key;
    const json_t *v;
    json_int_t sum = 0;
    size_t n = 0;
    jsoniter_object_foreach(cdoc, key, v)
    {
        sum += json_integer_value(v);
        n += strlen(key);
    }
    ck_assert_int_eq(sum, 6);
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_eq(jsoniter_unconst(cdoc), doc);
    json_decref(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rates");
    TCase *tc = tcase_create("rates");
    tcase_add_test(tc, age_and_staleness_of_one_time);
    tcase_add_test(tc, region_time_is_its_oldest_offer_and_unknown_wins);
    tcase_add_test(tc, offer_time_from_the_publication_date);
    tcase_add_test(tc, clone_owns_its_gpu_lists);
    tcase_add_test(tc, const_object_iteration);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
