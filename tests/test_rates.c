/*
 * test_rates.c - the rates table's own rules: staleness and age, the table's life cycle
 * (deep copies own their GPU lists and EC2 Spot advice), the EC2 Spot look-ups, and the const
 * iteration of documents the core reads.
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

static void set_spot(struct ec2_spot_advice *a, const char *type, double savings, int range)
{
    snprintf(a->type, sizeof(a->type), "%s", type);
    a->savings_pct = savings;
    a->range = range;
}

/* A deep copy owns its Spot advice; rates_finish() sorts it by type, and the look-ups find a
 * type, a band, or nothing. */
START_TEST(ec2_spot_clone_finish_and_lookups)
{
    struct rates *a = rates_new(1);
    ck_assert_ptr_nonnull(a);
    struct region_rates *rr = &a->regions[0];
    a->n_regions = 1;
    snprintf(rr->code, sizeof(rr->code), "us-east-1");
    ck_assert(!rates_has_ec2_spot(rr));
    ck_assert_ptr_null(rates_ec2_spot(rr, "g5.xlarge"));
    rr->ec2_spot = calloc(3, sizeof(*rr->ec2_spot));
    ck_assert_ptr_nonnull(rr->ec2_spot);
    rr->n_ec2_spot = 3;
    /* us-east-1 Linux in the genuine Spot Advisor feed (tests/fixtures/SOURCES.md). */
    set_spot(&rr->ec2_spot[0], "p4d.24xlarge", 67, 2);
    set_spot(&rr->ec2_spot[1], "g5.xlarge", 59, 4);
    set_spot(&rr->ec2_spot[2], "m5.large", 66, 3);
    static const char *const labels[] = {"<5%", "5-10%", "10-15%", "15-20%", ">20%"};
    static const double maxes[] = {5, 11, 16, 22, 100};
    for (size_t i = 0; i < 5; i++) {
        snprintf(rr->ec2_spot_ranges[i].label, sizeof(rr->ec2_spot_ranges[i].label), "%s",
                 labels[i]);
        rr->ec2_spot_ranges[i].max_pct = maxes[i];
    }
    rr->n_ec2_spot_ranges = 5;
    rates_finish(a);
    ck_assert(rates_has_ec2_spot(rr));
    ck_assert_str_eq(rr->ec2_spot[0].type, "g5.xlarge");
    ck_assert_str_eq(rr->ec2_spot[2].type, "p4d.24xlarge");

    struct rates *b = rates_clone(a, 0);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(b->regions[0].ec2_spot, rr->ec2_spot);
    rates_unref(a); /* b's copy outlives the original (ASan would see a use after free) */
    const struct region_rates *br = &b->regions[0];
    const struct ec2_spot_advice *g5 = rates_ec2_spot(br, "g5.xlarge");
    ck_assert_ptr_nonnull(g5);
    ck_assert_double_eq(g5->savings_pct, 59);
    const struct ec2_spot_range *band = rates_ec2_spot_range(br, g5->range);
    ck_assert_ptr_nonnull(band);
    ck_assert_str_eq(band->label, ">20%");
    ck_assert_double_eq(band->max_pct, 100);
    ck_assert_double_eq(rates_ec2_spot(br, "m5.large")->savings_pct, 66);
    ck_assert_str_eq(rates_ec2_spot_range(br, rates_ec2_spot(br, "p4d.24xlarge")->range)->label,
                     "10-15%");
    ck_assert_ptr_null(rates_ec2_spot(br, "g5.2xlarge"));
    ck_assert_ptr_null(rates_ec2_spot(br, ""));
    ck_assert_ptr_null(rates_ec2_spot(br, NULL));
    ck_assert_ptr_null(rates_ec2_spot(br, "a-type-name-far-longer-than-the-32-byte-field"));
    ck_assert_ptr_null(rates_ec2_spot_range(br, -1));
    ck_assert_ptr_null(rates_ec2_spot_range(br, 5));
    ck_assert_ptr_null(rates_ec2_spot_range(br, CF_EC2_SPOT_RANGES));
    rates_unref(b);

    /* rates_region_clear() frees it and leaves the region without any. */
    struct region_rates scratch;
    memset(&scratch, 0, sizeof(scratch));
    scratch.ec2_spot = calloc(1, sizeof(*scratch.ec2_spot));
    scratch.n_ec2_spot = 1;
    rates_region_clear(&scratch);
    ck_assert_ptr_null(scratch.ec2_spot);
    ck_assert(!rates_has_ec2_spot(&scratch));
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
    tcase_add_test(tc, ec2_spot_clone_finish_and_lookups);
    tcase_add_test(tc, const_object_iteration);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
