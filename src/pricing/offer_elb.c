/*
 * offer_elb.c - the Elastic Load Balancing offer (AWSELB), optional: an Application Load
 * Balancer's hourly rate and its LCU rate per region, and the "elb" section of the rates
 * document ({"alb": {"hour_usd": .., "lcu_hour_usd": ..}}).
 *
 * The regional file is small (19 KB for us-east-1 in 2026, 14 products) and is read whole with
 * jansson. One file prices every kind of load balancer with the same usage types, so a row is
 * an ALB rate only when all of these hold (docs/price-rows.md has the rows and the sources):
 *  - servicecode AWSELB and regionCode (or location) the region (offer_products_next);
 *  - productFamily "Load Balancer-Application" and operation "LoadBalancing:Application":
 *    the NLB ("Load Balancer-Network"), GWLB ("Load Balancer-Gateway") and Classic ("Load
 *    Balancer", operation "LoadBalancing") rows carry the same LoadBalancerUsage and LCUUsage;
 *  - locationType, when present, "AWS Region": Outposts rows are "AWS Outposts";
 *  - usagetype LoadBalancerUsage or LCUUsage, bare (us-east-1) or after the region's own
 *    prefix ("USE2-"): "TS-LoadBalancerUsage" (trust store), "Outposts-LCUUsage",
 *    "ReservedLCUUsage" (reserved LCUs) are other rates (offer_usagetype_in_region);
 *  - one unbounded on-demand price in "Hrs" or "LCU-Hrs".
 * A matching row priced $0 is not a rate and is skipped; two priced rows for one rate are an
 * error rather than a guess, as is a file with one of the two ALB rates without the other. A
 * file with neither leaves the region's rates as they are (none, or the ones in use).
 */
#include "computefit/offer.h"

#include <math.h>
#include <string.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"

#define ELB_FAMILY    "Load Balancer-Application"
#define ELB_OPERATION "LoadBalancing:Application"

/* Bit of the `missing` mask: the file has no ALB rates for the region. */
#define ELB_MISSING_ALB 1u

static const char *const hour_units[] = {"Hrs", NULL};
static const char *const lcu_units[] = {"LCU-Hrs", NULL};

static const struct offer_price_part elb_parts[] = {
    {"LoadBalancerUsage", hour_units, "the ALB's hours", false},
    {"LCUUsage", lcu_units, "the ALB's LCU-hours", false},
};
#define ELB_PARTS (sizeof(elb_parts) / sizeof(elb_parts[0]))

/* Whether a product's attributes make it an ALB row of a region (not Outposts). */
static bool alb_row(const struct offer_products *it, const char *sku, const json_t *attrs)
{
    const char *family = offer_product_family(it, sku);
    const char *op = json_string_value(json_object_get(attrs, "operation"));
    const json_t *loc_type = json_object_get(attrs, "locationType");
    return family && strcmp(family, ELB_FAMILY) == 0 && op && strcmp(op, ELB_OPERATION) == 0 &&
           (!loc_type ||
            (json_is_string(loc_type) && strcmp(json_string_value(loc_type), "AWS Region") == 0));
}

static int elb_parse(const struct offer_ctx *ctx, const json_t *doc, const char *region,
                     struct region_rates *ret, unsigned *ret_missing, struct cf_error *reterr)
{
    (void)ctx;
    struct offer_products it;
    double price[ELB_PARTS] = {0};
    bool found = false;
    int r = offer_products_open(&it, doc, "AWSELB", region, reterr);
    if (r == 0)
        r = offer_pick_prices(&it, elb_parts, ELB_PARTS, alb_row, price, &found, reterr);
    if (r)
        return r;
    ret->elb.alb_hour_usd = price[0];
    ret->elb.alb_lcu_hour_usd = price[1];
    ret->info[CF_OFFER_ELB] = it.info;
    *ret_missing = found ? 0 : ELB_MISSING_ALB;
    return 0;
}

/* A file without ALB rates keeps the region's (none, or the ones in use). */
static int elb_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                     struct cf_error *reterr)
{
    (void)reterr;
    if (missing & ELB_MISSING_ALB)
        return 0;
    rr->elb = p->elb;
    rr->has[CF_OFFER_ELB] = true;
    return 0;
}

static unsigned elb_count_moves(const struct region_rates *old, const struct region_rates *nw,
                                double factor)
{
    unsigned moves = 0;
    offer_kind_compare_rate(old->elb.alb_hour_usd, nw->elb.alb_hour_usd, factor, nw->code,
                            "elb.alb.hour_usd", &moves);
    offer_kind_compare_rate(old->elb.alb_lcu_hour_usd, nw->elb.alb_lcu_hour_usd, factor, nw->code,
                            "elb.alb.lcu_hour_usd", &moves);
    return moves;
}

static json_t *elb_to_json(const struct region_rates *rr)
{
    return json_pack("{s:{s:o, s:o}}", "alb", "hour_usd", rates_doc_number(rr->elb.alb_hour_usd),
                     "lcu_hour_usd", rates_doc_number(rr->elb.alb_lcu_hour_usd));
}

static int elb_from_json(const json_t *v, const char *path, struct region_rates *rr,
                         struct cf_error *reterr)
{
    static const char *const keys[] = {"alb", NULL};
    static const char *const alb_keys[] = {"hour_usd", "lcu_hour_usd", NULL};
    char apath[RATES_DOC_PATH_LEN];
    const json_t *alb = NULL;
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_object(v, "alb", path, false, &alb, reterr);
    rates_doc_path_key(apath, path, "alb");
    if (r == 0)
        r = rates_doc_check_keys(alb, alb_keys, apath, reterr);
    if (r == 0)
        r = rates_doc_get_number(alb, "hour_usd", apath, &rr->elb.alb_hour_usd, reterr);
    if (r == 0)
        r = rates_doc_get_number(alb, "lcu_hour_usd", apath, &rr->elb.alb_lcu_hour_usd, reterr);
    return r;
}

static int elb_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    char apath[RATES_DOC_PATH_LEN];
    rates_doc_path_key(apath, path, "alb");
    int r = rates_doc_check_rate(rr->elb.alb_hour_usd, apath, "hour_usd", "ALB-hour", reterr);
    if (r == 0)
        r = rates_doc_check_rate(rr->elb.alb_lcu_hour_usd, apath, "lcu_hour_usd", "LCU-hour",
                                 reterr);
    return r;
}

const struct offer_kind offer_kind_elb = {
    .id = CF_OFFER_ELB,
    .code = "AWSELB",
    .index_path = "/offers/v1.0/aws/AWSELB/current/region_index.json",
    .index = &offer_index_v1_optional,
    .interval = offer_kind_refresh_interval,
    .parse = elb_parse,
    .apply = elb_apply,
    .count_moves = elb_count_moves,
    .doc_key = "elb",
    .to_json = elb_to_json,
    .from_json = elb_from_json,
    .validate = elb_validate,
};
