/*
 * fuzz_offer_spot.c - libFuzzer target for the Fargate Spot price feed parser
 * (offer_spot_parse in src/pricing/offer_spot.c).
 *
 * Input: a whole feed, parsed as the refresher parses it, then read for two regions.
 * Checked: an error is a filled CF_E* record and touches no output; an architecture the feed
 * has rates for has both rates finite and above 0, the others are 0.
 */
#include <string.h>

#include "computefit/offer.h"
#include "fuzz.h"

static void parse(const json_t *doc, const char *region)
{
    struct fargate_rates fr[CF_ARCH_COUNT];
    memset(fr, 0xa5, sizeof(fr));
    bool has[CF_ARCH_COUNT] = {true, true};
    struct offer_info info;
    memset(&info, 0xa5, sizeof(info));
    struct cf_error err = {0};
    int r = offer_spot_parse(doc, region, fr, has, &info, &err);
    if (r != 0) {
        fuzz_check_error(r, &err);
        FUZZ_ASSERT(has[0] && has[1], "ret_has set on failure");
        return;
    }
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        fuzz_check_rate(fr[a].vcpu_hour_usd, "spot vcpu");
        fuzz_check_rate(fr[a].gb_hour_usd, "spot gb");
        if (has[a])
            FUZZ_ASSERT(fr[a].vcpu_hour_usd > 0 && fr[a].gb_hour_usd > 0, "a Spot rate of 0");
        else
            FUZZ_ASSERT(fr[a].vcpu_hour_usd == 0 && fr[a].gb_hour_usd == 0,
                        "rates for an architecture the feed lacks");
    }
    fuzz_check_str(info.version, sizeof(info.version), "version");
    fuzz_check_str(info.published, sizeof(info.published), "published");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_each_region(data, size, parse);
    return 0;
}
