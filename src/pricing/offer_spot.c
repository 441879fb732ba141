/*
 * offer_spot.c - the Fargate Spot price feed parser: Fargate Spot rates of one region.
 *
 * The AWS Price List has no Spot rates. AWS's Fargate pricing page reads them from a small JSON
 * feed (https://dftu77xade0tc.cloudfront.net/fargate-spot-prices.json), one file for every
 * region:
 *
 *   {"metadata": {"source:version": "20190730194642", ...},
 *    "prices": [{"id": "...", "unit": "vCPU-Hours", "price": {"USD": "0.01458"},
 *                "attributes": {"aws:region": "us-east-1", "aws:label": "per vCPU per hour"}},
 *               ...]}
 *
 * A row is a vCPU-hour or a GB-hour rate, told apart by its unit ("vCPU-Hours", "GB-Hours")
 * or, without one, by its label ("per vCPU per hour", "per GB per hour"); the two must not
 * disagree. A unit or label containing "ARM" makes it an arm64 rate. The only genuine feed
 * here (tests/fixtures/ligoj__spot-fargate.json, 2019) has x86 rows only: the ARM spellings
 * ("ARM-vCPU-Hours", "ARM-GB-Hours", as other tools read today's feed) are not seen in any
 * genuine file in this repository. Windows rows, should any appear, are skipped: Fargate Spot
 * prices Linux tasks. Rows of other kinds are ignored, so that a feed that grows does not break.
 */
#include "computefit/offer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum spot_kind { SPOT_NONE = 0, SPOT_VCPU, SPOT_GB };

/* Reads a feed price: a decimal string, finite and above 0 (a Spot price of 0 is a broken
 * row, not a free rate). Hex, "nan" and "inf" spellings are refused. */
static bool spot_decimal(const char *text, double *ret)
{
    if (!text || !*text)
        return false;
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
              *p == '-'))
            return false;
    char *end;
    double v = strtod(text, &end);
    if (*end != '\0' || !isfinite(v) || !(v > 0))
        return false;
    *ret = v;
    return true;
}

static enum spot_kind kind_of_unit(const char *unit)
{
    if (!unit)
        return SPOT_NONE;
    if (strcmp(unit, "vCPU-Hours") == 0 || strcmp(unit, "ARM-vCPU-Hours") == 0)
        return SPOT_VCPU;
    if (strcmp(unit, "GB-Hours") == 0 || strcmp(unit, "ARM-GB-Hours") == 0)
        return SPOT_GB;
    return SPOT_NONE;
}

static enum spot_kind kind_of_label(const char *label)
{
    if (!label)
        return SPOT_NONE;
    if (strstr(label, "per vCPU per hour"))
        return SPOT_VCPU;
    if (strstr(label, "per GB per hour"))
        return SPOT_GB;
    return SPOT_NONE;
}

/* "20190730194642" -> "2019-07-30T19:46:42Z"; "" when the version is not such a timestamp. */
static void published_of(const char *version, char out[32])
{
    out[0] = '\0';
    if (strlen(version) != 14 || strspn(version, "0123456789") != 14)
        return;
    snprintf(out, 32, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", version, version + 4, version + 6,
             version + 8, version + 10, version + 12);
}

int offer_spot_parse(const json_t *doc, const char *region,
                     struct fargate_rates ret_rates[CF_ARCH_COUNT], bool ret_has[CF_ARCH_COUNT],
                     struct offer_info *ret_info, struct cf_error *reterr)
{
    double price[CF_ARCH_COUNT][3] = {{0}}; /* [arch][kind]; 0 = not seen */
    struct offer_info info = {0};

    if (!region)
        return cf_error_set(reterr, CF_EINVAL, "region", "no region was given");
    if (!json_is_object(doc))
        return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                            "the Fargate Spot feed is not a JSON object");
    const json_t *prices = json_object_get(doc, "prices");
    if (!json_is_array(prices))
        return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                            "the Fargate Spot feed has no \"prices\" array");
    const json_t *meta = json_object_get(doc, "metadata");
    if (meta && !json_is_object(meta))
        return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                            "the Fargate Spot feed's metadata is not an object");
    const json_t *ver = json_object_get(meta, "source:version");
    if (ver) {
        const char *v = json_string_value(ver);
        if (!v || strlen(v) >= sizeof(info.version) || strspn(v, "0123456789") != strlen(v))
            return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                                "the Fargate Spot feed's source:version is not a string of "
                                "digits");
        snprintf(info.version, sizeof(info.version), "%s", v);
        published_of(info.version, info.published);
    }

    for (size_t i = 0; i < json_array_size(prices); i++) {
        const json_t *row = json_array_get(prices, i);
        if (!json_is_object(row))
            return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                                "the Fargate Spot feed's prices[%zu] is not an object", i);
        const json_t *attrs = json_object_get(row, "attributes");
        const char *rg = json_string_value(json_object_get(attrs, "aws:region"));
        if (!rg || strcmp(rg, region) != 0)
            continue;
        const char *label = json_string_value(json_object_get(attrs, "aws:label"));
        const char *unit = json_string_value(json_object_get(row, "unit"));
        if ((label && strstr(label, "Windows")) || (unit && strstr(unit, "Windows")))
            continue;
        enum spot_kind by_unit = kind_of_unit(unit), by_label = kind_of_label(label);
        if (by_unit && by_label && by_unit != by_label)
            return cf_error_set(reterr, CF_EUPSTREAM, region,
                                "the Fargate Spot feed's prices[%zu] for %s has unit \"%s\" but "
                                "label \"%s\"",
                                i, region, unit, label);
        enum spot_kind kind = by_unit ? by_unit : by_label;
        if (!kind)
            continue; /* a kind of rate this service does not use */
        int arch = (label && strstr(label, "ARM")) || (unit && strstr(unit, "ARM"))
                       ? CF_ARCH_ARM64
                       : CF_ARCH_X86_64;
        double usd = 0;
        const char *text = json_string_value(json_object_get(json_object_get(row, "price"), "USD"));
        if (!text)
            return cf_error_set(reterr, CF_EUPSTREAM, region,
                                "the Fargate Spot feed's prices[%zu] for %s has no USD price", i,
                                region);
        if (!spot_decimal(text, &usd))
            return cf_error_set(reterr, CF_EUPSTREAM, region,
                                "the Fargate Spot feed's prices[%zu] for %s has the USD price "
                                "\"%.32s\", which is not a decimal string above 0",
                                i, region, text);
        if (price[arch][kind] > 0 && price[arch][kind] != usd)
            return cf_error_set(reterr, CF_EUPSTREAM, region,
                                "the Fargate Spot feed gives %s two %s %s prices (%g and %g)",
                                region, cf_arch_name((enum cf_arch)arch),
                                kind == SPOT_VCPU ? "vCPU-hour" : "GB-hour", price[arch][kind],
                                usd);
        price[arch][kind] = usd;
    }

    /* An architecture counts only with both of its rates: a vCPU rate alone cannot price a
     * task, and mixing it with an on-demand memory rate would be neither price. */
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        bool complete = price[a][SPOT_VCPU] > 0 && price[a][SPOT_GB] > 0;
        if (ret_rates) {
            ret_rates[a].vcpu_hour_usd = complete ? price[a][SPOT_VCPU] : 0;
            ret_rates[a].gb_hour_usd = complete ? price[a][SPOT_GB] : 0;
        }
        if (ret_has)
            ret_has[a] = complete;
    }
    if (ret_info)
        *ret_info = info;
    return 0;
}
