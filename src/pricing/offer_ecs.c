/*
 * offer_ecs.c - the Fargate offer (AmazonECS): its offer-file parser (Linux Fargate rates of one
 * region), and its descriptor with the Fargate section of the rates document ("fargate": per
 * architecture the vCPU-hour and GB-hour rates, and the ephemeral storage rate). Its Spot rates
 * come from a feed of their own, attached to this descriptor (offer_spot.c).
 *
 * The file is small (16 KB for us-east-1 in 2025) and is read whole with jansson. Each rate is
 * the one product whose usagetype, once its region prefix ("USE1-", "EU-", none) is removed,
 * names it; Windows rows carry other usagetypes and an operatingSystem of "Windows", and are
 * refused on both counts. Two products for one rate are an error rather than a guess.
 */
#include "computefit/offer.h"

#include <math.h>
#include <string.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"

static const struct ecs_part {
    unsigned bit;
    const char *usagetype; /* after the region prefix */
} ecs_parts[] = {
    {OFFER_ECS_VCPU_X86, "Fargate-vCPU-Hours:perCPU"},
    {OFFER_ECS_GB_X86, "Fargate-GB-Hours"},
    {OFFER_ECS_VCPU_ARM, "Fargate-ARM-vCPU-Hours:perCPU"},
    {OFFER_ECS_GB_ARM, "Fargate-ARM-GB-Hours"},
    {OFFER_ECS_EPHEMERAL, "Fargate-EphemeralStorage-GB-Hours"},
};
#define ECS_PARTS (sizeof(ecs_parts) / sizeof(ecs_parts[0]))

int offer_ecs_parse(const json_t *doc, const char *region,
                    struct fargate_rates ret_rates[CF_ARCH_COUNT], double *ret_ephemeral_gb_hour,
                    unsigned *ret_missing, struct offer_info *ret_info, struct cf_error *reterr)
{
    const char *found[ECS_PARTS] = {0};
    double price[ECS_PARTS] = {0};
    struct offer_products it;
    unsigned missing = 0;
    int r;

    if ((r = offer_products_open(&it, doc, "AmazonECS", region, reterr)))
        return r;

    const char *sku;
    const json_t *attrs;
    while (offer_products_next(&it, &sku, &attrs)) {
        const char *usagetype = json_string_value(json_object_get(attrs, "usagetype"));
        const json_t *os = json_object_get(attrs, "operatingSystem");
        if (!usagetype)
            continue;
        if (os && (!json_is_string(os) || strcmp(json_string_value(os), "Linux") != 0))
            continue; /* Windows, or anything that is not plain Linux */
        for (size_t i = 0; i < ECS_PARTS; i++) {
            if (!offer_usagetype_is(usagetype, ecs_parts[i].usagetype))
                continue;
            if (found[i])
                return cf_error_set(reterr, CF_EUPSTREAM, ecs_parts[i].usagetype,
                                    "products %s and %s both price %s in %s; cannot tell which "
                                    "applies",
                                    found[i], sku, ecs_parts[i].usagetype, region);
            found[i] = sku;
        }
    }
    for (size_t i = 0; i < ECS_PARTS; i++) {
        if (!found[i]) {
            missing |= ecs_parts[i].bit;
            continue;
        }
        if ((r = offer_sku_price(it.ondemand, found[i], NULL, &price[i], reterr)))
            return r;
    }
    if (missing & (OFFER_ECS_VCPU_X86 | OFFER_ECS_GB_X86))
        return cf_error_set(reterr, CF_EUPSTREAM, "products",
                            "the ECS offer has no Linux x86 Fargate %s price for %s",
                            (missing & OFFER_ECS_VCPU_X86) ? "vCPU-hour" : "GB-hour", region);

    if (ret_rates) {
        ret_rates[CF_ARCH_X86_64].vcpu_hour_usd = price[0];
        ret_rates[CF_ARCH_X86_64].gb_hour_usd = price[1];
        ret_rates[CF_ARCH_ARM64].vcpu_hour_usd = price[2];
        ret_rates[CF_ARCH_ARM64].gb_hour_usd = price[3];
    }
    if (ret_ephemeral_gb_hour)
        *ret_ephemeral_gb_hour = price[4];
    if (ret_missing)
        *ret_missing = missing;
    if (ret_info)
        *ret_info = it.info;
    return 0;
}

/* ---- The Fargate offer: descriptor and rates-document section ---- */

static int fargate_parse(const struct offer_ctx *ctx, const json_t *doc, const char *region,
                         struct region_rates *ret, unsigned *ret_missing, struct cf_error *reterr)
{
    (void)ctx;
    return offer_ecs_parse(doc, region, ret->fargate, &ret->fargate_ephemeral_gb_hour_usd,
                           ret_missing, &ret->info[CF_OFFER_FARGATE], reterr);
}

static int fargate_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                         struct cf_error *reterr)
{
    if ((missing & (OFFER_ECS_VCPU_ARM | OFFER_ECS_GB_ARM | OFFER_ECS_EPHEMERAL)) &&
        !rr->has[CF_OFFER_FARGATE])
        return cf_error_set(reterr, CF_EUPSTREAM, rr->code,
                            "the ECS offer lacks Fargate rates for %s and none are in use",
                            rr->code);
    if (missing & OFFER_ECS_VCPU_ARM)
        p->fargate[CF_ARCH_ARM64].vcpu_hour_usd = rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd;
    if (missing & OFFER_ECS_GB_ARM)
        p->fargate[CF_ARCH_ARM64].gb_hour_usd = rr->fargate[CF_ARCH_ARM64].gb_hour_usd;
    if (missing & OFFER_ECS_EPHEMERAL)
        p->fargate_ephemeral_gb_hour_usd = rr->fargate_ephemeral_gb_hour_usd;
    memcpy(rr->fargate, p->fargate, sizeof(rr->fargate));
    rr->fargate_ephemeral_gb_hour_usd = p->fargate_ephemeral_gb_hour_usd;
    rr->has[CF_OFFER_FARGATE] = true;
    return 0;
}

static unsigned fargate_count_moves(const struct region_rates *old, const struct region_rates *nw,
                                    double factor)
{
    unsigned moves = 0;
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        offer_kind_compare_rate(old->fargate[a].vcpu_hour_usd, nw->fargate[a].vcpu_hour_usd, factor,
                                nw->code, "fargate.vcpu_hour_usd", &moves);
        offer_kind_compare_rate(old->fargate[a].gb_hour_usd, nw->fargate[a].gb_hour_usd, factor,
                                nw->code, "fargate.gb_hour_usd", &moves);
    }
    offer_kind_compare_rate(old->fargate_ephemeral_gb_hour_usd, nw->fargate_ephemeral_gb_hour_usd,
                            factor, nw->code, "fargate.ephemeral_gb_hour_usd", &moves);
    return moves;
}

json_t *offer_fargate_arch_json(const struct fargate_rates *f)
{
    return json_pack("{s:o, s:o}", "vcpu_hour_usd", rates_doc_number(f->vcpu_hour_usd),
                     "gb_hour_usd", rates_doc_number(f->gb_hour_usd));
}

int offer_fargate_arch_from_json(const json_t *arch, const char *path, struct fargate_rates *f,
                                 struct cf_error *reterr)
{
    static const char *const fields[] = {"vcpu_hour_usd", "gb_hour_usd", NULL};
    int r = rates_doc_check_keys(arch, fields, path, reterr);
    if (r == 0)
        r = rates_doc_get_number(arch, "vcpu_hour_usd", path, &f->vcpu_hour_usd, reterr);
    if (r == 0)
        r = rates_doc_get_number(arch, "gb_hour_usd", path, &f->gb_hour_usd, reterr);
    return r;
}

int offer_fargate_arch_validate(const struct fargate_rates *f, const char *path,
                                struct cf_error *reterr)
{
    int r = rates_doc_check_rate(f->vcpu_hour_usd, path, "vcpu_hour_usd", "vCPU-hour", reterr);
    if (r == 0)
        r = rates_doc_check_rate(f->gb_hour_usd, path, "gb_hour_usd", "GB-hour", reterr);
    return r;
}

static json_t *fargate_to_json(const struct region_rates *rr)
{
    return json_pack("{s:o, s:o, s:o}", cf_arch_name(CF_ARCH_X86_64),
                     offer_fargate_arch_json(&rr->fargate[CF_ARCH_X86_64]),
                     cf_arch_name(CF_ARCH_ARM64),
                     offer_fargate_arch_json(&rr->fargate[CF_ARCH_ARM64]), "ephemeral_gb_hour_usd",
                     rates_doc_number(rr->fargate_ephemeral_gb_hour_usd));
}

static int fargate_from_json(const json_t *fargate, const char *path, struct region_rates *rr,
                             struct cf_error *reterr)
{
    static const char *const keys[] = {"x86_64", "arm64", "ephemeral_gb_hour_usd", NULL};
    char apath[RATES_DOC_PATH_LEN];
    const json_t *arch = NULL;
    if (!json_is_object(fargate))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object or null, got %s.", path,
                            rates_doc_kind(fargate));
    int r = rates_doc_check_keys(fargate, keys, path, reterr);
    for (int a = 0; r == 0 && a < CF_ARCH_COUNT; a++) {
        const char *name = cf_arch_name((enum cf_arch)a);
        rates_doc_path_key(apath, path, name);
        r = rates_doc_get_object(fargate, name, path, false, &arch, reterr);
        if (r == 0)
            r = offer_fargate_arch_from_json(arch, apath, &rr->fargate[a], reterr);
    }
    if (r == 0)
        r = rates_doc_get_number(fargate, "ephemeral_gb_hour_usd", path,
                                 &rr->fargate_ephemeral_gb_hour_usd, reterr);
    return r;
}

static int fargate_validate(const struct region_rates *rr, const char *path,
                            struct cf_error *reterr)
{
    char apath[RATES_DOC_PATH_LEN];
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        rates_doc_path_key(apath, path, cf_arch_name((enum cf_arch)a));
        int r = offer_fargate_arch_validate(&rr->fargate[a], apath, reterr);
        if (r < 0)
            return r;
    }
    return rates_doc_check_rate(rr->fargate_ephemeral_gb_hour_usd, path, "ephemeral_gb_hour_usd",
                                "GB-hour", reterr);
}

const struct offer_kind offer_kind_fargate = {
    .id = CF_OFFER_FARGATE,
    .code = "AmazonECS",
    .index_path = "/offers/v1.0/aws/AmazonECS/current/region_index.json",
    .index = &offer_index_v1,
    .interval = offer_kind_refresh_interval,
    .parse = fargate_parse,
    .apply = fargate_apply,
    .count_moves = fargate_count_moves,
    .doc_key = "fargate",
    .to_json = fargate_to_json,
    .from_json = fargate_from_json,
    .validate = fargate_validate,
    .feed = &offer_feed_fargate_spot,
};
