/*
 * fuzz_offer_ecs.c - libFuzzer target for the AmazonECS (Fargate) offer-file parser
 * (offer_ecs_parse in src/pricing/offer_ecs.c).
 *
 * Input: a whole offer file, parsed as the refresher parses it, then read for two regions.
 * Checked: an error is a filled CF_E* record and touches no output; a success has the x86
 * rates, and every rate it gives is finite and not negative.
 */
#include <string.h>

#include "computefit/offer.h"
#include "fuzz.h"

static void parse(const json_t *doc, const char *region)
{
    struct fargate_rates fr[CF_ARCH_COUNT];
    memset(fr, 0xa5, sizeof(fr));
    double eph = -1;
    unsigned missing = 0xdead;
    struct offer_info info;
    memset(&info, 0xa5, sizeof(info));
    struct cf_error err = {0};
    int r = offer_ecs_parse(doc, region, fr, &eph, &missing, &info, &err);
    if (r != 0) {
        fuzz_check_error(r, &err);
        FUZZ_ASSERT(missing == 0xdead && eph == -1, "outputs set on failure");
        return;
    }
    FUZZ_ASSERT(!(missing & (OFFER_ECS_VCPU_X86 | OFFER_ECS_GB_X86)),
                "success without the x86 rates (missing %#x)", missing);
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        fuzz_check_rate(fr[a].vcpu_hour_usd, "vcpu_hour_usd");
        fuzz_check_rate(fr[a].gb_hour_usd, "gb_hour_usd");
    }
    fuzz_check_rate(eph, "ephemeral");
    fuzz_check_str(info.version, sizeof(info.version), "version");
    fuzz_check_str(info.published, sizeof(info.published), "published");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_each_region(data, size, parse);
    return 0;
}
