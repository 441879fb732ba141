/*
 * validate.c - the checks every rates table passes before it is served or saved (validate.h):
 * the table, each region, each offer's section (through offer_kinds[]) and the provenance.
 */
#include "computefit/validate.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "computefit/isotime.h"
#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"
#include "computefit/rates_json.h"

#define PATH_LEN RATES_DOC_PATH_LEN

static int validate_info(const struct offer_info *info, const char *prefix, bool need_published,
                         struct cf_error *reterr)
{
    char path[PATH_LEN];
    if (info->source != CF_SOURCE_SNAPSHOT && info->source != CF_SOURCE_STATE &&
        info->source != CF_SOURCE_LIVE && info->source != CF_SOURCE_URL) {
        rates_doc_path_key(path, prefix, "source");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must say where the rates came from: snapshot, state, live or "
                            "rates_url.",
                            path);
    }
    struct {
        const char *key;
        const char *s;
        size_t n;
        bool required;
    } texts[] = {
        {"version", info->version, sizeof(info->version), false},
        {"published", info->published, sizeof(info->published), need_published},
        {"origin", info->origin, sizeof(info->origin), true},
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (rates_doc_text_ok(texts[i].s, texts[i].n) && (!texts[i].required || texts[i].s[0]))
            continue;
        rates_doc_path_key(path, prefix, texts[i].key);
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be %sprintable ASCII of at most %zu characters: every rate "
                            "records where it came from and when.",
                            path, texts[i].required ? "non-empty " : "", texts[i].n - 1);
    }
    if (info->fetched_at < 0 || info->fetched_at > ISOTIME_MAX) {
        rates_doc_path_key(path, prefix, "fetched_at");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be a time between 1970 and 9999 (0 = unknown), got %lld.",
                            path, (long long)info->fetched_at);
    }
    return 0;
}

/* The keys a region offers its required rates under, for the message about a region without
 * any: "lambda, fargate or ec2_gpu". */
static void offer_keys_text(char *out, size_t cap)
{
    size_t n = 0, total = 0, k = 0;
    out[0] = '\0';
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        total += cf_offer_required((enum cf_offer)o);
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!cf_offer_required((enum cf_offer)o))
            continue;
        const char *sep = k == 0 ? "" : k + 1 == total ? " or " : ", ";
        k++;
        int w = snprintf(out + n, cap - n, "%s%s", sep, offer_kinds[o]->doc_key);
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
}

int rates_validate_region(const struct region_rates *rr, const char *prefix,
                          struct cf_error *reterr)
{
    char path[PATH_LEN], sub[PATH_LEN];
    int r;

    if (!rates_doc_name_ok(rr->code, sizeof(rr->code), false)) {
        rates_doc_path_key(path, prefix, "region");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an AWS region code such as \"us-east-1\" (a-z, 0-9, '-'; "
                            "at most %zu characters).",
                            path, sizeof(rr->code) - 1);
    }
    /* Only required offers count: a region with nothing but Savings Plans rates has nothing
     * to apply them to. */
    bool any = false;
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        any = any || (rr->has[o] && cf_offer_required((enum cf_offer)o));
    if (!any) {
        char keys[128];
        offer_keys_text(keys, sizeof(keys));
        return cf_error_set(reterr, CF_EINVAL, prefix,
                            "Region %s has no rates for any offer: give %s, or leave the region "
                            "out.",
                            rr->code, keys);
    }
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!rr->has[o])
            continue;
        rates_doc_path_key(path, prefix, offer_kinds[o]->doc_key);
        r = offer_kinds[o]->validate(rr, path, reterr);
        if (r < 0)
            return r;
    }
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!rr->has[o])
            continue;
        rates_doc_path_key(path, prefix, "sources");
        rates_doc_path_key(sub, path, cf_offer_name((enum cf_offer)o));
        r = validate_info(&rr->info[o], sub, true, reterr);
        if (r < 0)
            return r;
    }
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        const struct offer_feed *feed = offer_kinds[o]->feed;
        if (!feed || !feed->has(rr))
            continue;
        rates_doc_path_key(path, prefix, feed->doc_key);
        r = feed->validate(rr, path, reterr);
        if (r < 0)
            return r;
        rates_doc_path_key(path, prefix, "sources");
        rates_doc_path_key(sub, path, feed->doc_key);
        r = validate_info(offer_feed_info(feed, rr), sub, feed->need_published, reterr);
        if (r < 0)
            return r;
    }
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        const struct offer_part *part = offer_kinds[o]->part;
        if (!part || !part->has(rr))
            continue;
        rates_doc_path_key(path, prefix, part->doc_key);
        r = part->validate(rr, path, reterr);
        if (r < 0)
            return r;
        rates_doc_path_key(path, prefix, "sources");
        rates_doc_path_key(sub, path, part->doc_key);
        r = validate_info(offer_part_info(part, rr), sub, true, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

int rates_validate(const struct rates *r, struct cf_error *reterr)
{
    char path[PATH_LEN], sub[PATH_LEN];
    if (!r)
        return cf_error_set(reterr, CF_EINVAL, "", "There is no rates table.");
    if (r->n_regions < 1 || r->n_regions > RATES_JSON_MAX_REGIONS || !r->regions)
        return cf_error_set(reterr, CF_EINVAL, "regions",
                            "regions must hold 1 to %d regions, got %zu.", RATES_JSON_MAX_REGIONS,
                            r->n_regions);
    if (r->built_at < 0 || r->built_at > ISOTIME_MAX)
        return cf_error_set(reterr, CF_EINVAL, "built_at",
                            "built_at must be a time between 1970 and 9999, got %lld.",
                            (long long)r->built_at);
    for (size_t i = 0; i < r->n_regions; i++) {
        const struct region_rates *rr = &r->regions[i];
        rates_doc_path_index(path, "regions", i);
        int e = rates_validate_region(rr, path, reterr);
        if (e < 0)
            return e;
        if (i > 0 && strcmp(r->regions[i - 1].code, rr->code) >= 0) {
            rates_doc_path_key(sub, path, "region");
            return cf_error_set(reterr, CF_EINVAL, sub,
                                "Region %s comes after %s: regions must be unique and sorted by "
                                "code (rates_finish() sorts them).",
                                rr->code, r->regions[i - 1].code);
        }
        for (int o = 0; o < CF_OFFER_COUNT; o++) {
            if (!rr->has[o] || !offer_kinds[o]->validate_sorted)
                continue;
            rates_doc_path_key(sub, path, offer_kinds[o]->doc_key);
            e = offer_kinds[o]->validate_sorted(rr, sub, reterr);
            if (e < 0)
                return e;
        }
    }
    return 0;
}
