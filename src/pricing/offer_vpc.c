/*
 * offer_vpc.c - the AmazonVPC offer: its offer-file parser (the hourly rate of one in-use public
 * IPv4 address in one region), and its descriptor with the "vpc" section of the rates document
 * ({"public_ipv4_hour_usd": ..}). The offer is optional (CF_OFFERS): a region without its rate
 * is served as before, and a failed refresh leaves the service ready.
 *
 * The rate is the one product of the region whose usagetype, once its region prefix is removed,
 * is "PublicIPv4:InUseAddress" and whose group is "VPCPublicIPv4Address", priced by the single
 * unbounded "Hrs" dimension of its on-demand term JRTCKXETXF, which must be above 0. What the
 * genuine rows show (tests/fixtures/tellury-getproducts__getproducts-recorded.json, offer
 * 20260724154225): the usage type carries the "USE1-" prefix even in us-east-1 (where EC2 and
 * Lambda usage types have none), and the products have no productFamily, so neither is used to
 * select. Traps: the idle-address row has the same group and price (usage type
 * "...PublicIPv4:IdleAddress"), and the contiguous-block row ("...PublicIPv4:ContiguousBlock",
 * group VPCIPv4ContiguousBlocks) costs more; both are left out. Two products for the rate are an
 * error rather than a guess.
 *
 * The file is read whole with jansson (fetch_max_bytes caps it).
 */
#include "computefit/offer.h"

#include <math.h>
#include <string.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"

#define VPC_IPV4_USAGE "PublicIPv4:InUseAddress"
#define VPC_IPV4_GROUP "VPCPublicIPv4Address"

int offer_vpc_parse(const json_t *doc, const char *region, double *ret_ipv4_hour_usd,
                    struct offer_info *ret_info, struct cf_error *reterr)
{
    struct offer_products it;
    const char *found = NULL;
    struct offer_dim dims[4];
    size_t n = 0;
    int r;

    if ((r = offer_products_open(&it, doc, "AmazonVPC", region, reterr)))
        return r;
    const char *sku;
    const json_t *attrs;
    while (offer_products_next(&it, &sku, &attrs)) {
        const char *usagetype = json_string_value(json_object_get(attrs, "usagetype"));
        const char *group = json_string_value(json_object_get(attrs, "group"));
        if (!usagetype || !offer_usagetype_is(usagetype, VPC_IPV4_USAGE) || !group ||
            strcmp(group, VPC_IPV4_GROUP) != 0)
            continue;
        if (found)
            return cf_error_set(reterr, CF_EUPSTREAM, VPC_IPV4_USAGE,
                                "products %s and %s both price an in-use public IPv4 address in "
                                "%s; cannot tell which applies",
                                found, sku, region);
        found = sku;
    }
    if (!found)
        return cf_error_set(reterr, CF_EUPSTREAM, "products",
                            "the VPC offer has no in-use public IPv4 address price (%s, group "
                            "%s) for %s",
                            VPC_IPV4_USAGE, VPC_IPV4_GROUP, region);
    const json_t *t = json_object_get(it.ondemand, found);
    if (!t)
        return cf_error_set(reterr, CF_EUPSTREAM, found, "product %s has no on-demand term", found);
    if ((r = offer_ondemand_dims(t, dims, sizeof(dims) / sizeof(dims[0]), &n, reterr)))
        return r;
    if (n != 1 || dims[0].begin != 0 || !isinf(dims[0].end) || strcmp(dims[0].unit, "Hrs") != 0 ||
        !(dims[0].usd > 0))
        return cf_error_set(reterr, CF_EUPSTREAM, found,
                            "product %s (public IPv4 in %s) has no single unbounded hourly price "
                            "above 0 in its %s term",
                            found, region, OFFER_ONDEMAND_TERM);
    if (ret_ipv4_hour_usd)
        *ret_ipv4_hour_usd = dims[0].usd;
    if (ret_info)
        *ret_info = it.info;
    return 0;
}

/* ---- The VPC offer: descriptor and rates-document section ---- */

static int vpc_parse(const struct offer_ctx *ctx, const json_t *doc, const char *region,
                     struct region_rates *ret, unsigned *ret_missing, struct cf_error *reterr)
{
    (void)ctx;
    *ret_missing = 0; /* one rate, required in the file */
    return offer_vpc_parse(doc, region, &ret->public_ipv4_hour_usd, &ret->info[CF_OFFER_VPC],
                           reterr);
}

static int vpc_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                     struct cf_error *reterr)
{
    (void)missing;
    (void)reterr;
    rr->public_ipv4_hour_usd = p->public_ipv4_hour_usd;
    rr->has[CF_OFFER_VPC] = true;
    return 0;
}

static unsigned vpc_count_moves(const struct region_rates *old, const struct region_rates *nw,
                                double factor)
{
    unsigned moves = 0;
    offer_kind_compare_rate(old->public_ipv4_hour_usd, nw->public_ipv4_hour_usd, factor, nw->code,
                            "vpc.public_ipv4_hour_usd", &moves);
    return moves;
}

static json_t *vpc_to_json(const struct region_rates *rr)
{
    return json_pack("{s:o}", "public_ipv4_hour_usd", rates_doc_number(rr->public_ipv4_hour_usd));
}

static int vpc_from_json(const json_t *v, const char *path, struct region_rates *rr,
                         struct cf_error *reterr)
{
    static const char *const keys[] = {"public_ipv4_hour_usd", NULL};
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "public_ipv4_hour_usd", path, &rr->public_ipv4_hour_usd,
                                 reterr);
    return r;
}

static int vpc_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    return rates_doc_check_rate(rr->public_ipv4_hour_usd, path, "public_ipv4_hour_usd",
                                "public IPv4 address-hour", reterr);
}

const struct offer_kind offer_kind_vpc = {
    .id = CF_OFFER_VPC,
    .code = "AmazonVPC",
    .index_path = "/offers/v1.0/aws/AmazonVPC/current/region_index.json",
    .index = &offer_index_v1_optional,
    .interval = offer_kind_refresh_interval,
    .parse = vpc_parse,
    .apply = vpc_apply,
    .count_moves = vpc_count_moves,
    .doc_key = "vpc",
    .to_json = vpc_to_json,
    .from_json = vpc_from_json,
    .validate = vpc_validate,
};
