/*
 * offer_lambda.c - the AWSLambda offer-file parser, and the helpers all offer parsers share
 * (region matching, usagetype prefixes, on-demand price dimensions, file provenance).
 *
 * The file is small (0.7 MB for us-east-1 in 2026) and is read whole with jansson. A part
 * (x86 requests, ARM duration, ...) is the product whose `group` names it; if a region has
 * several, the one whose usagetype is the expected one wins, and a tie is an error rather than
 * a guess.
 */
#include "computefit/offer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsoniter.h"

/* Location names of the Price List, for files without regionCode (the 2016 layout). */
static const struct {
    const char *code;
    const char *location;
} region_locations[] = {
    {"af-south-1", "Africa (Cape Town)"},
    {"ap-east-1", "Asia Pacific (Hong Kong)"},
    {"ap-northeast-1", "Asia Pacific (Tokyo)"},
    {"ap-northeast-2", "Asia Pacific (Seoul)"},
    {"ap-northeast-3", "Asia Pacific (Osaka)"},
    {"ap-south-1", "Asia Pacific (Mumbai)"},
    {"ap-south-2", "Asia Pacific (Hyderabad)"},
    {"ap-southeast-1", "Asia Pacific (Singapore)"},
    {"ap-southeast-2", "Asia Pacific (Sydney)"},
    {"ap-southeast-3", "Asia Pacific (Jakarta)"},
    {"ap-southeast-4", "Asia Pacific (Melbourne)"},
    {"ca-central-1", "Canada (Central)"},
    {"ca-west-1", "Canada West (Calgary)"},
    {"eu-central-1", "EU (Frankfurt)"},
    {"eu-central-2", "EU (Zurich)"},
    {"eu-north-1", "EU (Stockholm)"},
    {"eu-south-1", "EU (Milan)"},
    {"eu-south-2", "EU (Spain)"},
    {"eu-west-1", "EU (Ireland)"},
    {"eu-west-2", "EU (London)"},
    {"eu-west-3", "EU (Paris)"},
    {"il-central-1", "Israel (Tel Aviv)"},
    {"me-central-1", "Middle East (UAE)"},
    {"me-south-1", "Middle East (Bahrain)"},
    {"sa-east-1", "South America (Sao Paulo)"},
    {"us-east-1", "US East (N. Virginia)"},
    {"us-east-2", "US East (Ohio)"},
    {"us-gov-east-1", "AWS GovCloud (US-East)"},
    {"us-gov-west-1", "AWS GovCloud (US)"},
    {"us-west-1", "US West (N. California)"},
    {"us-west-2", "US West (Oregon)"},
};

const char *offer_region_location(const char *region)
{
    if (!region)
        return NULL;
    for (size_t i = 0; i < sizeof(region_locations) / sizeof(region_locations[0]); i++)
        if (strcmp(region_locations[i].code, region) == 0)
            return region_locations[i].location;
    return NULL;
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

/* Reads a Price List decimal string ("0.0000166667", "6000000000", "Inf" when allow_inf).
 * strtod's other spellings (hex, "nan", "infinity") are refused: AWS writes none of them. */
static bool parse_decimal(const char *text, bool allow_inf, double *ret)
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
    if (!parse_decimal(usd, false, &d.usd))
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code,
                            "price dimension %s has the USD price \"%.32s\", which is not a "
                            "non-negative decimal number",
                            rate_code, usd);
    if (begin && !parse_decimal(json_string_value(begin), false, &d.begin))
        return cf_error_set(reterr, CF_EUPSTREAM, rate_code,
                            "price dimension %s has a beginRange that is not a number", rate_code);
    if (end && !parse_decimal(json_string_value(end), true, &d.end))
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

/* ---- Lambda ---- */

enum lambda_kind { KIND_REQUESTS, KIND_DURATION, KIND_STORAGE };

static const struct lambda_part {
    unsigned bit;
    enum cf_arch arch;
    enum lambda_kind kind;
    const char *group;
    const char *usagetype; /* after the region prefix */
} lambda_parts[] = {
    {OFFER_LAMBDA_REQUESTS_X86, CF_ARCH_X86_64, KIND_REQUESTS, "AWS-Lambda-Requests", "Request"},
    {OFFER_LAMBDA_DURATION_X86, CF_ARCH_X86_64, KIND_DURATION, "AWS-Lambda-Duration",
     "Lambda-GB-Second"},
    {OFFER_LAMBDA_STORAGE_X86, CF_ARCH_X86_64, KIND_STORAGE, "AWS-Lambda-Storage-Duration",
     "Lambda-Storage-GB-Second"},
    {OFFER_LAMBDA_REQUESTS_ARM, CF_ARCH_ARM64, KIND_REQUESTS, "AWS-Lambda-Requests-ARM",
     "Request-ARM"},
    {OFFER_LAMBDA_DURATION_ARM, CF_ARCH_ARM64, KIND_DURATION, "AWS-Lambda-Duration-ARM",
     "Lambda-GB-Second-ARM"},
    {OFFER_LAMBDA_STORAGE_ARM, CF_ARCH_ARM64, KIND_STORAGE, "AWS-Lambda-Storage-Duration-ARM",
     "Lambda-Storage-GB-Second-ARM"},
};
#define LAMBDA_PARTS (sizeof(lambda_parts) / sizeof(lambda_parts[0]))

struct pick {
    const char *sku;   /* best product so far, borrowed from the document */
    const char *other; /* another product of the same rank, when ambiguous */
    int rank;          /* 2: usagetype as expected; 1: group only */
};

/* Keeps the better of the picked product and `sku` for one part. */
static void pick_offer(struct pick *p, const char *sku, int rank)
{
    if (rank > p->rank) {
        p->sku = sku;
        p->other = NULL;
        p->rank = rank;
    } else if (rank == p->rank) {
        p->other = sku;
    }
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

/* The dimensions of the JRTCKXETXF term of `sku`, which must have at least one. */
static int sku_dims(const json_t *ondemand, const char *sku, struct offer_dim *dims, size_t max,
                    size_t *ret_n, struct cf_error *reterr)
{
    const json_t *t = json_object_get(ondemand, sku);
    size_t n = 0;
    if (!t)
        return cf_error_set(reterr, CF_EUPSTREAM, sku, "product %s has no on-demand term", sku);
    int r = offer_ondemand_dims(t, dims, max, &n, reterr);
    if (r)
        return r;
    if (n == 0)
        return cf_error_set(reterr, CF_EUPSTREAM, sku, "product %s has no %s price", sku,
                            OFFER_ONDEMAND_TERM);
    *ret_n = n;
    return 0;
}

static int single_price(const char *sku, const struct offer_dim *dims, size_t n, double *ret,
                        struct cf_error *reterr)
{
    if (n != 1 || dims[0].begin != 0 || !isinf(dims[0].end))
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "product %s has %zu price tiers where one unbounded price was expected",
                            sku, n);
    *ret = dims[0].usd;
    return 0;
}

static int duration_tiers(const char *sku, const struct offer_dim *dims, size_t n,
                          struct lambda_rates *lr, struct cf_error *reterr)
{
    if (n > CF_LAMBDA_TIERS_MAX)
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "product %s has %zu duration tiers; at most %d are supported", sku, n,
                            CF_LAMBDA_TIERS_MAX);
    for (size_t i = 0; i < n; i++) {
        double want = i ? dims[i - 1].end : 0;
        if (dims[i].begin != want)
            return cf_error_set(reterr, CF_EUPSTREAM, sku,
                                "duration tiers of product %s leave a gap or overlap at %g GB-s",
                                sku, want);
        lr->gb_s_tiers[i].up_to = dims[i].end;
        lr->gb_s_tiers[i].usd = dims[i].usd;
    }
    if (!isinf(dims[n - 1].end))
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "the last duration tier of product %s ends at %g GB-s instead of Inf",
                            sku, dims[n - 1].end);
    lr->n_tiers = n;
    return 0;
}

int offer_lambda_parse(const json_t *doc, const char *region,
                       struct lambda_rates ret_rates[CF_ARCH_COUNT], unsigned *ret_missing,
                       struct offer_info *ret_info, struct cf_error *reterr)
{
    const json_t *products = NULL, *ondemand = NULL;
    struct pick picks[LAMBDA_PARTS] = {{0}};
    struct lambda_rates rates[CF_ARCH_COUNT];
    struct offer_info info = {0};
    unsigned missing = 0;
    int r;

    memset(rates, 0, sizeof(rates));
    if (!region)
        return cf_error_set(reterr, CF_EINVAL, "region", "no region was given");
    if ((r = offer_sections(doc, &products, &ondemand, reterr)))
        return r;
    if ((r = offer_read_info(doc, "AWSLambda", &info, reterr)))
        return r;

    const char *sku;
    json_t *product;
    jsoniter_object_foreach(products, sku, product)
    {
        const json_t *attrs = json_object_get(product, "attributes");
        const char *service = json_string_value(json_object_get(attrs, "servicecode"));
        const char *group = json_string_value(json_object_get(attrs, "group"));
        if (!service || strcmp(service, "AWSLambda") != 0 || !group ||
            !offer_attrs_in_region(attrs, region))
            continue;
        const char *usagetype = json_string_value(json_object_get(attrs, "usagetype"));
        for (size_t i = 0; i < LAMBDA_PARTS; i++)
            if (strcmp(group, lambda_parts[i].group) == 0)
                pick_offer(&picks[i], sku,
                           offer_usagetype_is(usagetype, lambda_parts[i].usagetype) ? 2 : 1);
    }

    for (size_t i = 0; i < LAMBDA_PARTS; i++) {
        const struct lambda_part *part = &lambda_parts[i];
        struct lambda_rates *lr = &rates[part->arch];
        struct offer_dim dims[CF_LAMBDA_TIERS_MAX + 4];
        size_t n = 0;
        if (picks[i].other)
            return cf_error_set(reterr, CF_EUPSTREAM, part->group,
                                "products %s and %s both price %s in %s; cannot tell which applies",
                                picks[i].sku, picks[i].other, part->group, region);
        if (!picks[i].sku) {
            missing |= part->bit;
            continue;
        }
        sku = picks[i].sku;
        if ((r = sku_dims(ondemand, sku, dims, sizeof(dims) / sizeof(dims[0]), &n, reterr)))
            return r;
        switch (part->kind) {
        case KIND_REQUESTS:
            r = single_price(sku, dims, n, &lr->request_usd, reterr);
            break;
        case KIND_STORAGE:
            r = single_price(sku, dims, n, &lr->ephemeral_gb_s_usd, reterr);
            break;
        case KIND_DURATION:
            r = duration_tiers(sku, dims, n, lr, reterr);
            break;
        }
        if (r)
            return r;
    }
    if (missing & (OFFER_LAMBDA_REQUESTS_X86 | OFFER_LAMBDA_DURATION_X86))
        return cf_error_set(reterr, CF_EUPSTREAM, "products",
                            "the Lambda offer has no x86 %s price for %s",
                            (missing & OFFER_LAMBDA_REQUESTS_X86) ? "request" : "duration", region);

    if (ret_rates)
        memcpy(ret_rates, rates, sizeof(rates));
    if (ret_missing)
        *ret_missing = missing;
    if (ret_info)
        *ret_info = info;
    return 0;
}
