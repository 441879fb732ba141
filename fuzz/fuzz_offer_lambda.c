/*
 * fuzz_offer_lambda.c - libFuzzer target for the AWSLambda offer-file parser
 * (offer_lambda_parse in src/pricing/offer_lambda.c).
 *
 * Input: a whole offer file, parsed as the refresher parses it, then read for two regions.
 * Checked: an error is a filled CF_E* record and touches no output; a success gives finite,
 * non-negative rates, 1 to CF_LAMBDA_TIERS_MAX duration tiers ascending and ending at
 * INFINITY for every architecture the file had, provisioned-concurrency rates exactly where the
 * missing mask says the file had both rows (0 elsewhere), and terminated provenance strings.
 */
#include <math.h>
#include <string.h>

#include "computefit/offer.h"
#include "fuzz.h"

static void check_arch(const struct lambda_rates *lr, bool requests, bool duration, bool storage,
                       bool provisioned)
{
    if (requests)
        fuzz_check_rate(lr->request_usd, "request_usd");
    if (storage)
        fuzz_check_rate(lr->ephemeral_gb_s_usd, "ephemeral_gb_s_usd");
    FUZZ_ASSERT(lr->has_provisioned == provisioned, "has_provisioned %d where the mask says %d",
                lr->has_provisioned, provisioned);
    if (provisioned) {
        fuzz_check_rate(lr->provisioned_gb_s_usd, "provisioned_gb_s_usd");
        fuzz_check_rate(lr->provisioned_duration_gb_s_usd, "provisioned_duration_gb_s_usd");
    } else {
        FUZZ_ASSERT(lr->provisioned_gb_s_usd == 0 && lr->provisioned_duration_gb_s_usd == 0,
                    "provisioned rates %g / %g without provisioned rows", lr->provisioned_gb_s_usd,
                    lr->provisioned_duration_gb_s_usd);
    }
    if (!duration) {
        FUZZ_ASSERT(lr->n_tiers == 0, "%zu tiers for a missing duration row", lr->n_tiers);
        return;
    }
    FUZZ_ASSERT(lr->n_tiers >= 1 && lr->n_tiers <= CF_LAMBDA_TIERS_MAX, "%zu tiers", lr->n_tiers);
    for (size_t i = 0; i < lr->n_tiers; i++) {
        fuzz_check_rate(lr->gb_s_tiers[i].usd, "tier usd");
        FUZZ_ASSERT(lr->gb_s_tiers[i].up_to > 0, "tier %zu up to %g", i, lr->gb_s_tiers[i].up_to);
        if (i > 0)
            FUZZ_ASSERT(lr->gb_s_tiers[i].up_to > lr->gb_s_tiers[i - 1].up_to,
                        "tiers not ascending at %zu", i);
    }
    FUZZ_ASSERT(isinf(lr->gb_s_tiers[lr->n_tiers - 1].up_to), "last tier is bounded");
}

static void parse(const json_t *doc, const char *region)
{
    struct lambda_rates lr[CF_ARCH_COUNT];
    memset(lr, 0xa5, sizeof(lr));
    unsigned missing = 0xdead;
    struct offer_info info;
    memset(&info, 0xa5, sizeof(info));
    struct cf_error err = {0};
    int r = offer_lambda_parse(doc, region, lr, &missing, &info, &err);
    if (r != 0) {
        fuzz_check_error(r, &err);
        FUZZ_ASSERT(missing == 0xdead, "missing mask set on failure");
        return;
    }
    FUZZ_ASSERT(!(missing & (OFFER_LAMBDA_REQUESTS_X86 | OFFER_LAMBDA_DURATION_X86)),
                "success without x86 requests and duration (missing %#x)", missing);
    check_arch(&lr[CF_ARCH_X86_64], true, true, !(missing & OFFER_LAMBDA_STORAGE_X86),
               !(missing & OFFER_LAMBDA_PROVISIONED_X86));
    check_arch(&lr[CF_ARCH_ARM64], !(missing & OFFER_LAMBDA_REQUESTS_ARM),
               !(missing & OFFER_LAMBDA_DURATION_ARM), !(missing & OFFER_LAMBDA_STORAGE_ARM),
               !(missing & OFFER_LAMBDA_PROVISIONED_ARM));
    fuzz_check_str(info.version, sizeof(info.version), "version");
    fuzz_check_str(info.published, sizeof(info.published), "published");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_each_region(data, size, parse);
    return 0;
}
