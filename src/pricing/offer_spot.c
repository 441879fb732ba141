/*
 * offer_spot.c - the Fargate Spot price feed: its parser (Fargate Spot rates of one region),
 * and its descriptor, a feed attached to the Fargate offer, with its section of the rates
 * document ("fargate_spot": per architecture the vCPU-hour and GB-hour rates, or null).
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"

enum spot_kind { SPOT_NONE = 0, SPOT_VCPU, SPOT_GB };

/* Reads a feed price: a decimal string (offer_parse_decimal) above 0: a Spot price of 0 is a
 * broken row, not a free rate. */
static bool spot_decimal(const char *text, double *ret)
{
    double v;
    if (!offer_parse_decimal(text, false, &v) || !(v > 0))
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

/* ---- The Fargate Spot feed on the Fargate offer: descriptor and rates-document section ---- */

static const char *spot_url(const struct cf_config *cfg)
{
    return cfg->fargate_spot_url;
}

static void spot_version(const json_t *doc, char out[32])
{
    const char *v =
        json_string_value(json_object_get(json_object_get(doc, "metadata"), "source:version"));
    snprintf(out, 32, "%.31s", v ? v : "");
}

static int spot_parse(const json_t *doc, const char *region, struct region_rates *ret,
                      struct cf_error *reterr)
{
    return offer_spot_parse(doc, region, ret->fargate_spot, ret->has_fargate_spot,
                            &ret->fargate_spot_info, reterr);
}

static void spot_keep(struct region_rates *p, const struct region_rates *cur)
{
    for (int a = 0; cur && a < CF_ARCH_COUNT; a++) {
        if (!p->has_fargate_spot[a] && cur->has_fargate_spot[a]) {
            p->has_fargate_spot[a] = true; /* missing from the feed: keep the rate in use */
            p->fargate_spot[a] = cur->fargate_spot[a];
        }
    }
}

static bool spot_same(const struct region_rates *cur, const struct region_rates *p)
{
    if (strcmp(cur->fargate_spot_info.version, p->fargate_spot_info.version) != 0)
        return false;
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        if (cur->has_fargate_spot[a] != p->has_fargate_spot[a])
            return false;
        if (p->has_fargate_spot[a] &&
            (cur->fargate_spot[a].vcpu_hour_usd != p->fargate_spot[a].vcpu_hour_usd ||
             cur->fargate_spot[a].gb_hour_usd != p->fargate_spot[a].gb_hour_usd))
            return false;
    }
    return true;
}

static unsigned spot_apply(struct region_rates *rr, const struct region_rates *old,
                           struct region_rates *p, double factor)
{
    unsigned moves = 0;
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        if (old && old->has_fargate_spot[a] && p->has_fargate_spot[a]) {
            offer_kind_compare_rate(old->fargate_spot[a].vcpu_hour_usd,
                                    p->fargate_spot[a].vcpu_hour_usd, factor, rr->code,
                                    "fargate_spot.vcpu_hour_usd", &moves);
            offer_kind_compare_rate(old->fargate_spot[a].gb_hour_usd,
                                    p->fargate_spot[a].gb_hour_usd, factor, rr->code,
                                    "fargate_spot.gb_hour_usd", &moves);
        }
        rr->has_fargate_spot[a] = p->has_fargate_spot[a];
        rr->fargate_spot[a] = p->fargate_spot[a];
    }
    return moves;
}

static int spot_status(const struct region_rates *rr, json_t *entry)
{
    return json_object_set_new(entry, "architectures", offer_kind_arch_list(rr->has_fargate_spot));
}

static json_t *spot_to_json(const struct region_rates *rr)
{
    json_t *arch[CF_ARCH_COUNT];
    for (int a = 0; a < CF_ARCH_COUNT; a++)
        arch[a] =
            rr->has_fargate_spot[a] ? offer_fargate_arch_json(&rr->fargate_spot[a]) : json_null();
    return json_pack("{s:o, s:o}", cf_arch_name(CF_ARCH_X86_64), arch[CF_ARCH_X86_64],
                     cf_arch_name(CF_ARCH_ARM64), arch[CF_ARCH_ARM64]);
}

/* Reads "fargate_spot" (not null): an object with both architectures, each rates or null, at
 * least one of them rates. */
static int spot_from_json(const json_t *spot, const char *path, struct region_rates *rr,
                          struct cf_error *reterr)
{
    static const char *const keys[] = {"x86_64", "arm64", NULL};
    char apath[RATES_DOC_PATH_LEN];
    const json_t *arch = NULL;
    if (!json_is_object(spot))
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an object with x86_64 and arm64, or null, got %s.", path,
                            rates_doc_kind(spot));
    int r = rates_doc_check_keys(spot, keys, path, reterr);
    for (int a = 0; r == 0 && a < CF_ARCH_COUNT; a++) {
        const char *name = cf_arch_name((enum cf_arch)a);
        rates_doc_path_key(apath, path, name);
        r = rates_doc_get_object(spot, name, path, true, &arch, reterr);
        if (r < 0 || json_is_null(arch))
            continue;
        r = offer_fargate_arch_from_json(arch, apath, &rr->fargate_spot[a], reterr);
        if (r == 0)
            rr->has_fargate_spot[a] = true;
    }
    if (r == 0 && !rates_has_fargate_spot(rr))
        r = cf_error_set(reterr, CF_EINVAL, path,
                         "%s has rates for neither x86_64 nor arm64: give one, or make %s null.",
                         path, path);
    return r;
}

/* Spot rates need the region's on-demand Fargate rates (ephemeral storage is billed at the
 * on-demand rate on Spot), and every rate finite and > 0. */
static int spot_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    char apath[RATES_DOC_PATH_LEN];
    if (!rr->has[CF_OFFER_FARGATE])
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s needs the region's on-demand fargate rates (Spot storage is "
                            "billed at the on-demand rate): give fargate, or make %s null.",
                            path, path);
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        if (!rr->has_fargate_spot[a])
            continue;
        rates_doc_path_key(apath, path, cf_arch_name((enum cf_arch)a));
        int r = offer_fargate_arch_validate(&rr->fargate_spot[a], apath, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

const struct offer_feed offer_feed_fargate_spot = {
    .name = "spot",
    .title = "Fargate Spot feed",
    .doc_key = "fargate_spot",
    .info_offset = offsetof(struct region_rates, fargate_spot_info),
    .need_published = false, /* the feed has only a version */
    .url = spot_url,
    .version = spot_version,
    .parse = spot_parse,
    .has = rates_has_fargate_spot,
    .keep = spot_keep,
    .same = spot_same,
    .apply = spot_apply,
    .status = spot_status,
    .to_json = spot_to_json,
    .from_json = spot_from_json,
    .validate = spot_validate,
};
