/*
 * offer_common.c - what every Price List offer-file parser shares: region matching (regionCode,
 * or the location name in 2016 files), usagetype region prefixes, the on-demand price
 * dimensions of a SKU, the file's sections and provenance, and the walk over one region's
 * products of one service.
 */
#include "computefit/offer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsoniter.h"

/* Location names of the Price List, for files without regionCode (the 2016 layout), and the
 * prefix of the region's usage types ("EU-Fargate-GB-Hours"), for files whose rates name no
 * region (the Savings Plans price list). The prefixes are AWS's region billing codes
 * (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html;
 * eu-west-1 is "EU", as the genuine ligoj Savings Plans excerpt shows, ap-east-2 "APE2" as the
 * genuine ap-east-2 Savings Plans CSV shows). */
static const struct {
    const char *code;
    const char *location;
    const char *prefix;
} region_locations[] = {
    {"af-south-1", "Africa (Cape Town)", "AFS1"},
    {"ap-east-1", "Asia Pacific (Hong Kong)", "APE1"},
    {"ap-east-2", "Asia Pacific (Taipei)", "APE2"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)", "APN1"},
    {"ap-northeast-2", "Asia Pacific (Seoul)", "APN2"},
    {"ap-northeast-3", "Asia Pacific (Osaka)", "APN3"},
    {"ap-south-1", "Asia Pacific (Mumbai)", "APS3"},
    {"ap-south-2", "Asia Pacific (Hyderabad)", "APS5"},
    {"ap-southeast-1", "Asia Pacific (Singapore)", "APS1"},
    {"ap-southeast-2", "Asia Pacific (Sydney)", "APS2"},
    {"ap-southeast-3", "Asia Pacific (Jakarta)", "APS4"},
    {"ap-southeast-4", "Asia Pacific (Melbourne)", "APS6"},
    {"ap-southeast-5", "Asia Pacific (Malaysia)", "APS7"},
    {"ap-southeast-7", "Asia Pacific (Thailand)", "APS9"},
    {"ca-central-1", "Canada (Central)", "CAN1"},
    {"ca-west-1", "Canada West (Calgary)", "CAN2"},
    {"eu-central-1", "EU (Frankfurt)", "EUC1"},
    {"eu-central-2", "EU (Zurich)", "EUC2"},
    {"eu-north-1", "EU (Stockholm)", "EUN1"},
    {"eu-south-1", "EU (Milan)", "EUS1"},
    {"eu-south-2", "EU (Spain)", "EUS2"},
    {"eu-west-1", "EU (Ireland)", "EU"},
    {"eu-west-2", "EU (London)", "EUW2"},
    {"eu-west-3", "EU (Paris)", "EUW3"},
    {"il-central-1", "Israel (Tel Aviv)", "ILC1"},
    {"me-central-1", "Middle East (UAE)", "MEC1"},
    {"me-south-1", "Middle East (Bahrain)", "MES1"},
    {"mx-central-1", "Mexico (Central)", "MXC1"},
    {"sa-east-1", "South America (Sao Paulo)", "SAE1"},
    {"us-east-1", "US East (N. Virginia)", "USE1"},
    {"us-east-2", "US East (Ohio)", "USE2"},
    {"us-gov-east-1", "AWS GovCloud (US-East)", "UGE1"},
    {"us-gov-west-1", "AWS GovCloud (US)", "UGW1"},
    {"us-west-1", "US West (N. California)", "USW1"},
    {"us-west-2", "US West (Oregon)", "USW2"},
};

static int region_row(const char *region)
{
    if (!region)
        return -1;
    for (size_t i = 0; i < sizeof(region_locations) / sizeof(region_locations[0]); i++)
        if (strcmp(region_locations[i].code, region) == 0)
            return (int)i;
    return -1;
}

const char *offer_region_location(const char *region)
{
    int i = region_row(region);
    return i < 0 ? NULL : region_locations[i].location;
}

const char *offer_region_prefix(const char *region)
{
    int i = region_row(region);
    return i < 0 ? NULL : region_locations[i].prefix;
}

bool offer_attrs_in_region(const json_t *attrs, const char *region)
{
    const json_t *code = json_object_get(attrs, "regionCode");
    if (code)
        return json_is_string(code) && strcmp(json_string_value(code), region) == 0;
    const char *want = offer_region_location(region);
    const char *loc = json_string_value(json_object_get(attrs, "location"));
    return want && loc && strcmp(loc, want) == 0;
}

bool offer_usagetype_is(const char *usagetype, const char *name)
{
    if (!usagetype || !name)
        return false;
    size_t ulen = strlen(usagetype), nlen = strlen(name);
    if (ulen < nlen || strcmp(usagetype + ulen - nlen, name) != 0)
        return false;
    size_t plen = ulen - nlen; /* "USE2-" or "" */
    if (plen == 0)
        return true;
    if (usagetype[plen - 1] != '-')
        return false;
    size_t token = 0;
    for (size_t i = 0; i < plen; i++) {
        char c = usagetype[i];
        if (c == '-') {
            if (token == 0)
                return false;
            token = 0;
        } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            token++;
        } else {
            return false;
        }
    }
    return true;
}

bool offer_parse_decimal(const char *text, bool allow_inf, double *ret)
{
    if (!text || !*text)
        return false;
    if (allow_inf && strcmp(text, "Inf") == 0) {
        *ret = (double)INFINITY;
        return true;
    }
    for (const char *p = text; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
              *p == '-'))
            return false;
    char *end;
    double v = strtod(text, &end);
    if (*end != '\0' || !isfinite(v) || v < 0)
        return false;
    *ret = v;
    return true;
}

static int dim_read(const char *rate_code, const json_t *dim, struct offer_dim *ret,
                    struct cf_error *reterr)
{
    struct offer_dim d = {.begin = 0, .end = (double)INFINITY};
    const json_t *begin = json_object_get(dim, "beginRange");
    const json_t *end = json_object_get(dim, "endRange");
    const char *usd =
        json_string_value(json_object_get(json_object_get(dim, "pricePerUnit"), "USD"));
    const char *unit = json_string_value(json_object_get(dim, "unit"));
    if (!json_is_object(dim))
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code, "price dimension %s is not an object",
                            rate_code);
    if (!usd)
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code, "price dimension %s has no USD price",
                            rate_code);
    if (!offer_parse_decimal(usd, false, &d.usd))
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code,
                            "price dimension %s has the USD price \"%.32s\", which is not a "
                            "non-negative decimal number",
                            rate_code, usd);
    if (begin && !offer_parse_decimal(json_string_value(begin), false, &d.begin))
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code,
                            "price dimension %s has a beginRange that is not a number", rate_code);
    if (end && !offer_parse_decimal(json_string_value(end), true, &d.end))
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code,
                            "price dimension %s has an endRange that is neither a number nor Inf",
                            rate_code);
    if (d.end <= d.begin)
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code,
                            "price dimension %s has an empty range [%g, %g)", rate_code, d.begin,
                            d.end);
    if (unit)
        snprintf(d.unit, sizeof(d.unit), "%s", unit);
    *ret = d;
    return 0;
}

/* The offer term code of one term: its offerTermCode, or what follows the last '.' of its key
 * ("SKU.JRTCKXETXF") when that field is missing. */
static const char *term_code(const char *key, const json_t *term)
{
    const char *code = json_string_value(json_object_get(term, "offerTermCode"));
    if (code)
        return code;
    const char *dot = strrchr(key, '.');
    return dot ? dot + 1 : key;
}

int offer_ondemand_dims(const json_t *sku_terms, struct offer_dim *ret_dims, size_t max,
                        size_t *ret_n, struct cf_error *reterr)
{
    size_t n = 0;
    const char *key;
    json_t *term;
    if (!json_is_object(sku_terms))
        return cf_error_set(reterr, CF_EUPSTREAM, "terms.OnDemand",
                            "an entry of terms.OnDemand is not an object");
    jsoniter_object_foreach(sku_terms, key, term)
    {
        if (!json_is_object(term))
            return cf_error_set(reterr, CF_EUPSTREAM, key, "on-demand term %s is not an object",
                                key);
        if (strcmp(term_code(key, term), OFFER_ONDEMAND_TERM) != 0)
            continue;
        const json_t *dims = json_object_get(term, "priceDimensions");
        if (!json_is_object(dims))
            return cf_error_set(reterr, CF_EUPSTREAM, key,
                                "on-demand term %s has no priceDimensions object", key);
        const char *rate_code;
        json_t *dim;
        jsoniter_object_foreach(dims, rate_code, dim)
        {
            if (n == max)
                return cf_error_set(reterr, CF_EUPSTREAM, key,
                                    "on-demand term %s has more than %zu price dimensions", key,
                                    max);
            int r = dim_read(rate_code, dim, &ret_dims[n], reterr);
            if (r)
                return r;
            /* Insertion sort by beginRange: there are a handful at most. */
            struct offer_dim d = ret_dims[n];
            size_t i = n++;
            for (; i > 0 && ret_dims[i - 1].begin > d.begin; i--)
                ret_dims[i] = ret_dims[i - 1];
            ret_dims[i] = d;
        }
    }
    *ret_n = n;
    return 0;
}

int offer_read_info(const json_t *doc, const char *offer_code, struct offer_info *info,
                    struct cf_error *reterr)
{
    const json_t *code = json_object_get(doc, "offerCode");
    if (code && (!json_is_string(code) || strcmp(json_string_value(code), offer_code) != 0))
        return cf_error_set(reterr, CF_EUPSTREAM, "offerCode",
                            "the file is the offer \"%s\", expected \"%s\"",
                            json_is_string(code) ? json_string_value(code) : "?", offer_code);
    const char *version = json_string_value(json_object_get(doc, "version"));
    const char *published = json_string_value(json_object_get(doc, "publicationDate"));
    snprintf(info->version, sizeof(info->version), "%s", version ? version : "");
    snprintf(info->published, sizeof(info->published), "%s", published ? published : "");
    return 0;
}

/* The products and terms.OnDemand objects of an offer file, borrowed. */
int offer_sections(const json_t *doc, const json_t **ret_products, const json_t **ret_ondemand,
                   struct cf_error *reterr)
{
    if (!json_is_object(doc))
        return cf_error_set(reterr, CF_EUPSTREAM, NULL, "the offer file is not a JSON object");
    const json_t *products = json_object_get(doc, "products");
    const json_t *ondemand = json_object_get(json_object_get(doc, "terms"), "OnDemand");
    if (!json_is_object(products) || json_object_size(products) == 0)
        return cf_error_set(reterr, CF_EUPSTREAM, "products", "the offer file has no products");
    if (!json_is_object(ondemand))
        return cf_error_set(reterr, CF_EUPSTREAM, "terms.OnDemand",
                            "the offer file has no terms.OnDemand object");
    *ret_products = products;
    *ret_ondemand = ondemand;
    return 0;
}

int offer_products_open(struct offer_products *it, const json_t *doc, const char *offer_code,
                        const char *region, struct cf_error *reterr)
{
    struct offer_products o = {.service = offer_code, .region = region};
    int r;
    if (!region)
        return cf_error_set(reterr, CF_EINVAL, "region", "no region was given");
    if ((r = offer_sections(doc, &o.products, &o.ondemand, reterr)))
        return r;
    if ((r = offer_read_info(doc, offer_code, &o.info, reterr)))
        return r;
    o.iter = json_object_iter(jsoniter_unconst(o.products));
    *it = o;
    return 0;
}

bool offer_products_next(struct offer_products *it, const char **ret_sku, const json_t **ret_attrs)
{
    for (; it->iter; it->iter = json_object_iter_next(jsoniter_unconst(it->products), it->iter)) {
        const json_t *attrs = json_object_get(json_object_iter_value(it->iter), "attributes");
        const char *service = json_string_value(json_object_get(attrs, "servicecode"));
        if (!service || strcmp(service, it->service) != 0 ||
            !offer_attrs_in_region(attrs, it->region))
            continue;
        *ret_sku = json_object_iter_key(it->iter);
        *ret_attrs = attrs;
        it->iter = json_object_iter_next(jsoniter_unconst(it->products), it->iter);
        return true;
    }
    return false;
}

bool offer_usagetype_after_prefix(const char *usagetype, const char *name, const char *region)
{
    if (!usagetype || !name)
        return false;
    const char *prefix = offer_region_prefix(region);
    size_t plen = prefix ? strlen(prefix) : 0;
    return plen && strncmp(usagetype, prefix, plen) == 0 && usagetype[plen] == '-' &&
           strcmp(usagetype + plen + 1, name) == 0;
}

bool offer_usagetype_in_region(const char *usagetype, const char *name, const char *region)
{
    return (usagetype && name && strcmp(usagetype, name) == 0) ||
           offer_usagetype_after_prefix(usagetype, name, region);
}

int offer_sku_price(const json_t *ondemand, const char *sku, const char *const units[],
                    double *ret_usd, struct cf_error *reterr)
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
    bool unit_ok = !units;
    for (size_t i = 0; units && units[i] && !unit_ok; i++)
        unit_ok = strcmp(dims[0].unit, units[i]) == 0;
    if (!unit_ok)
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "product %s is priced per \"%s\", not per %s as its usage type says",
                            sku, dims[0].unit, units[0]);
    *ret_usd = dims[0].usd;
    return 0;
}

const char *offer_product_family(const struct offer_products *it, const char *sku)
{
    return json_string_value(json_object_get(json_object_get(it->products, sku), "productFamily"));
}

int offer_pick_prices(struct offer_products *it, const struct offer_price_part *parts, size_t n,
                      bool (*keep)(const struct offer_products *it, const char *sku,
                                   const json_t *attrs),
                      double *ret_usd, bool *ret_found, struct cf_error *reterr)
{
    const char *found[OFFER_PRICE_PARTS_MAX] = {0};
    double usd[OFFER_PRICE_PARTS_MAX] = {0};
    const char *sku;
    const json_t *attrs;
    size_t have = 0;
    int r;
    if (n < 1 || n > OFFER_PRICE_PARTS_MAX)
        return cf_error_set(reterr, CF_EINVAL, NULL, "%zu parts asked of one offer", n);
    while (offer_products_next(it, &sku, &attrs)) {
        const char *usagetype = json_string_value(json_object_get(attrs, "usagetype"));
        if (!usagetype || (keep && !keep(it, sku, attrs)))
            continue;
        for (size_t i = 0; i < n; i++) {
            double v = 0;
            if (parts[i].prefixed
                    ? !offer_usagetype_after_prefix(usagetype, parts[i].usagetype, it->region)
                    : !offer_usagetype_in_region(usagetype, parts[i].usagetype, it->region))
                continue;
            if ((r = offer_sku_price(it->ondemand, sku, parts[i].units, &v, reterr)))
                return r;
            if (v == 0)
                continue; /* a $0 row (Outposts LCUs are one) prices nothing */
            if (found[i])
                return cf_error_set(reterr, CF_EUPSTREAM, parts[i].usagetype,
                                    "products %s and %s both price %s in %s; cannot tell which "
                                    "applies",
                                    found[i], sku, parts[i].what, it->region);
            found[i] = sku;
            usd[i] = v;
            have++;
        }
    }
    for (size_t i = 0; have && have < n && i < n; i++)
        if (!found[i])
            return cf_error_set(reterr, CF_EUPSTREAM, parts[i].usagetype,
                                "the %s offer prices %s in %s without %s, and its rates go "
                                "together",
                                it->service, parts[i ? 0 : 1].what, it->region, parts[i].what);
    memcpy(ret_usd, usd, n * sizeof(usd[0]));
    *ret_found = have == n;
    return 0;
}

int offer_stream_error(int r, const struct cf_error *e, const char *what, struct cf_error *ret)
{
    *ret = *e;
    if (r == CF_EJSON || r == CF_ETOOBIG) {
        r = CF_EUPSTREAM;
        char msg[sizeof(ret->message)];
        snprintf(msg, sizeof(msg), "%s", ret->message);
        cf_error_set(ret, r, ret->field, "%s: %s", what, msg);
    }
    ret->code = r;
    return r;
}
