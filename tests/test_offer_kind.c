/*
 * test_offer_kind.c - the table of offer descriptors: every row complete and in its place, the
 * keys that rates files, /pricing and metrics use unique, and the Price List's region index
 * layout.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/offer_kind.h"
#include "testutil.h"

START_TEST(every_row_is_complete)
{
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        const struct offer_kind *k = offer_kinds[o];
        ck_assert_ptr_nonnull(k);
        ck_assert_int_eq(k->id, o);
        ck_assert_str_ne(cf_offer_name((enum cf_offer)o), "unknown");
        ck_assert(k->code && *k->code);
        /* The index is under the offer's own code. */
        ck_assert_ptr_nonnull(strstr(k->index_path, k->code));
        ck_assert_ptr_nonnull(k->index);
        ck_assert(k->index->check != NULL);
        ck_assert(k->index->region_path != NULL);
        ck_assert(k->interval != NULL);
        ck_assert_msg((k->parse != NULL) != (k->stream != NULL), "%s: one parser", k->code);
        if (k->stream) {
            ck_assert(k->stream->open != NULL);
            ck_assert(k->stream->feed != NULL);
            ck_assert(k->stream->finish != NULL);
            ck_assert(k->stream->free_stream != NULL);
        }
        ck_assert(k->apply != NULL);
        ck_assert(k->count_moves != NULL);
        ck_assert(k->doc_key && *k->doc_key);
        ck_assert(k->to_json != NULL);
        ck_assert(k->from_json != NULL);
        ck_assert(k->validate != NULL);
        const struct offer_feed *f = k->feed;
        if (!f)
            continue;
        ck_assert(f->name && *f->name && f->title && *f->title && f->doc_key && *f->doc_key);
        ck_assert_uint_le(f->info_offset + sizeof(struct offer_info), sizeof(struct region_rates));
        ck_assert(f->url && f->version && f->parse && f->has && f->keep && f->same && f->apply &&
                  f->status && f->to_json && f->from_json && f->validate);
    }
}
END_TEST

static void assert_unique(const char *const *keys, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(strcmp(keys[i], keys[j]) != 0, "%s: \"%s\" twice", what, keys[i]);
}

START_TEST(keys_are_unique)
{
    /* The keys of a region in the rates document, and the names in its "sources". */
    const char *region_keys[2 * CF_OFFER_COUNT + 2] = {"region", "sources"};
    const char *source_keys[2 * CF_OFFER_COUNT];
    const char *codes[CF_OFFER_COUNT];
    const char *feed_names[CF_OFFER_COUNT]; /* log events and fields are named after them */
    size_t nr = 2, ns = 0, nf = 0;
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        region_keys[nr++] = offer_kinds[o]->doc_key;
        source_keys[ns++] = cf_offer_name((enum cf_offer)o);
        codes[o] = offer_kinds[o]->code;
        if (offer_kinds[o]->feed) {
            region_keys[nr++] = offer_kinds[o]->feed->doc_key;
            source_keys[ns++] = offer_kinds[o]->feed->doc_key;
            feed_names[nf++] = offer_kinds[o]->feed->name;
        }
    }
    assert_unique(feed_names, nf, "feed names");
    assert_unique(region_keys, nr, "region keys");
    assert_unique(source_keys, ns, "sources keys");
    assert_unique(codes, CF_OFFER_COUNT, "offer codes");
}
END_TEST

START_TEST(feed_info_is_the_feeds_own)
{
    struct region_rates rr;
    memset(&rr, 0, sizeof(rr));
    ck_assert_ptr_eq(offer_feed_info(&offer_feed_fargate_spot, &rr), &rr.fargate_spot_info);
    ck_assert_ptr_eq(offer_feed_info_mut(&offer_feed_fargate_spot, &rr), &rr.fargate_spot_info);
    ck_assert_ptr_eq(offer_feed_info(&offer_feed_ec2_spot, &rr), &rr.ec2_spot_info);
    ck_assert_ptr_eq(offer_feed_info_mut(&offer_feed_ec2_spot, &rr), &rr.ec2_spot_info);
    ck_assert_ptr_eq(offer_kinds[CF_OFFER_EC2]->feed, &offer_feed_ec2_spot);
}
END_TEST

/* The status list of architectures with optional rates (Fargate Spot, Lambda provisioned
 * concurrency): in enum order, possibly empty, never null. */
START_TEST(arch_list)
{
    static const struct {
        bool has[CF_ARCH_COUNT];
        const char *want;
    } cases[] = {
        {{true, true}, "[\"x86_64\",\"arm64\"]"},
        {{false, true}, "[\"arm64\"]"},
        {{true, false}, "[\"x86_64\"]"},
        {{false, false}, "[]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *list = offer_kind_arch_list(cases[i].has);
        ck_assert_ptr_nonnull(list);
        char *text = json_dumps(list, JSON_COMPACT | JSON_ENCODE_ANY);
        ck_assert_str_eq(text, cases[i].want);
        free(text);
        json_decref(list);
    }
}
END_TEST

START_TEST(index_v1_layout)
{
    json_t *good = json_loads("{\"regions\": {\"us-east-1\": {\"regionCode\": \"us-east-1\", "
                              "\"currentVersionUrl\": \"/offers/v1.0/aws/AWSLambda/2026/us-east-1/"
                              "index.json\"}, \"eu-west-1\": {\"regionCode\": \"eu-west-1\"}}}",
                              0, NULL);
    ck_assert_ptr_nonnull(good);
    ck_assert_ptr_null(offer_index_v1.check(good));
    const char *path = NULL;
    struct cf_error err = {0};
    ck_assert_int_eq(offer_index_v1.region_path(good, "us-east-1", &path, &err), 0);
    ck_assert_str_eq(path, "/offers/v1.0/aws/AWSLambda/2026/us-east-1/index.json");
    path = NULL;
    ck_assert_int_eq(offer_index_v1.region_path(good, "eu-west-1", &path, &err), CF_EUPSTREAM);
    ck_assert_ptr_null(path);
    ck_assert_str_eq(err.message, "the region index has no currentVersionUrl for eu-west-1");
    ck_assert_int_eq(offer_index_v1.region_path(good, "ap-east-1", &path, &err), CF_EUPSTREAM);
    json_decref(good);
    /* The Savings Plans layout (an array of regions) is another layout, not this one. */
    json_t *sp = json_loads("{\"regions\": [{\"regionCode\": \"us-east-1\", \"versionUrl\": "
                            "\"/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/1/us-east-1/"
                            "index.json\"}]}",
                            0, NULL);
    ck_assert_str_eq(offer_index_v1.check(sp), "no \"regions\" object");
    ck_assert_int_eq(offer_index_v1.region_path(sp, "us-east-1", &path, &err), CF_EUPSTREAM);
    json_decref(sp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("offer_kind");
    TCase *tc = tcase_create("offer_kind");
    tcase_add_test(tc, every_row_is_complete);
    tcase_add_test(tc, keys_are_unique);
    tcase_add_test(tc, feed_info_is_the_feeds_own);
    tcase_add_test(tc, arch_list);
    tcase_add_test(tc, index_v1_layout);
    suite_add_tcase(s, tc);
    return cf_test_run(s);
}
