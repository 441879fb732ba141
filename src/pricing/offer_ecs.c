/*
 * offer_ecs.c - the AmazonECS offer-file parser: Linux Fargate rates of one region.
 *
 * The file is small (16 KB for us-east-1 in 2025) and is read whole with jansson. Each rate is
 * the one product whose usagetype, once its region prefix ("USE1-", "EU-", none) is removed,
 * names it; Windows rows carry other usagetypes and an operatingSystem of "Windows", and are
 * refused on both counts. Two products for one rate are an error rather than a guess.
 */
#include "computefit/offer.h"

#include <math.h>
#include <string.h>

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

/* The one price of `sku`: a single unbounded dimension of its JRTCKXETXF term. */
static int ecs_price(const json_t *ondemand, const char *sku, double *ret, struct cf_error *reterr)
{
    struct offer_dim dims[4];
    size_t n = 0;
    const json_t *t = json_object_get(ondemand, sku);
    if (!t)
        return cf_error_set(reterr, CF_EUPSTREAM, sku, "product %s has no on-demand term", sku);
    int r = offer_ondemand_dims(t, dims, sizeof(dims) / sizeof(dims[0]), &n, reterr);
    if (r)
        return r;
    if (n != 1 || dims[0].begin != 0 || !isinf(dims[0].end))
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "product %s has %zu %s price dimensions where one unbounded price "
                            "was expected",
                            sku, n, OFFER_ONDEMAND_TERM);
    *ret = dims[0].usd;
    return 0;
}

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
        if ((r = ecs_price(it.ondemand, found[i], &price[i], reterr)))
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
