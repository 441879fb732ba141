/*
 * fuzz_offer_ec2_spot.c - libFuzzer target for the EC2 Spot Instance Advisor feed parser
 * (offer_ec2_spot_parse in src/pricing/offer_ec2_spot.c).
 *
 * Input: a whole feed, parsed as the refresher parses it, then read for two regions.
 * Checked: an error is a filled CF_E* record and touches no output; advice the parser accepts
 * is what the rates document accepts (the feed's own validation passes: type names that fit,
 * sorted and unique, savings in (0, 100), bands that exist), and its section of the document
 * reads back equal.
 */
#include <string.h>

#include "computefit/offer.h"
#include "computefit/offer_kind.h"
#include "fuzz.h"

static void assert_same(const struct region_rates *a, const struct region_rates *b)
{
    FUZZ_ASSERT(a->n_ec2_spot == b->n_ec2_spot, "%zu entries read back as %zu", a->n_ec2_spot,
                b->n_ec2_spot);
    FUZZ_ASSERT(a->n_ec2_spot_ranges == b->n_ec2_spot_ranges, "bands changed in the document");
    for (size_t i = 0; i < a->n_ec2_spot; i++)
        FUZZ_ASSERT(strcmp(a->ec2_spot[i].type, b->ec2_spot[i].type) == 0 &&
                        a->ec2_spot[i].savings_pct == b->ec2_spot[i].savings_pct &&
                        a->ec2_spot[i].range == b->ec2_spot[i].range,
                    "%s changed in the document", a->ec2_spot[i].type);
    for (size_t i = 0; i < a->n_ec2_spot_ranges; i++)
        FUZZ_ASSERT(strcmp(a->ec2_spot_ranges[i].label, b->ec2_spot_ranges[i].label) == 0 &&
                        a->ec2_spot_ranges[i].max_pct == b->ec2_spot_ranges[i].max_pct,
                    "band %zu changed in the document", i);
}

static void parse(const json_t *doc, const char *region)
{
    const struct offer_feed *feed = &offer_feed_ec2_spot;
    struct region_rates rr;
    memset(&rr, 0, sizeof(rr));
    struct cf_error err = {0};
    int r = offer_ec2_spot_parse(doc, region, &rr, &err);
    if (r != 0) {
        fuzz_check_error(r, &err);
        FUZZ_ASSERT(!rr.ec2_spot && !rr.n_ec2_spot && !rr.n_ec2_spot_ranges,
                    "advice set on failure");
        return;
    }
    if (!feed->has(&rr)) {
        FUZZ_ASSERT(!rr.ec2_spot && !rr.n_ec2_spot_ranges, "bands without advice");
        return;
    }
    rr.has[CF_OFFER_EC2] = true; /* advice needs the offer's rates; the feed checks only that */
    r = feed->validate(&rr, "ec2_spot", &err);
    FUZZ_ASSERT(r == 0, "parsed advice fails validation: %s: %s", err.field, err.message);
    for (size_t i = 0; i < rr.n_ec2_spot; i++)
        FUZZ_ASSERT(rates_ec2_spot(&rr, rr.ec2_spot[i].type) == &rr.ec2_spot[i],
                    "look-up misses %s", rr.ec2_spot[i].type);

    json_t *section = feed->to_json(&rr);
    FUZZ_ASSERT(section != NULL, "no section for valid advice");
    struct region_rates back;
    memset(&back, 0, sizeof(back));
    r = feed->from_json(section, "ec2_spot", &back, &err);
    FUZZ_ASSERT(r == 0, "the section does not read back: %s: %s", err.field, err.message);
    assert_same(&rr, &back);
    json_decref(section);
    rates_region_clear(&back);
    rates_region_clear(&rr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_each_region(data, size, parse);
    return 0;
}
