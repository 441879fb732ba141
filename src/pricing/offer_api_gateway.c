/*
 * offer_api_gateway.c - the Amazon API Gateway offer (AmazonApiGateway), optional: the monthly
 * request tiers of HTTP APIs and of REST APIs per region, and the "api_gateway" section of the
 * rates document ({"http_request_tiers": [..] or null, "rest_request_tiers": [..] or null}).
 *
 * The file is read whole with jansson. A rate is the one product of the region (servicecode
 * and regionCode, offer_products_next) whose usagetype is, bare or after the region's own
 * prefix (AWS writes "USE1-" even in us-east-1), "ApiGatewayHttpRequest" (HTTP APIs,
 * operation ApiGatewayHttpApi) or "ApiGatewayRequest" (REST APIs); WebSocket messages and
 * minutes, caches and other regions' rows carry other usage types. Its JRTCKXETXF dimensions
 * are the monthly tiers (beginRange/endRange in requests, "Inf" for the last), priced per
 * request ("Requests"): they must follow on from 0 without a gap, each above $0, the last one
 * unbounded, at most CF_API_GATEWAY_TIERS_MAX. A product whose every tier is $0 prices nothing
 * and is skipped; two priced products for one API type are an error rather than a guess.
 * Either API type may be absent (AWS had no HTTP APIs in Mexico, Taipei or Malaysia in 2025):
 * the region keeps what it has for it (none, or the tiers in use).
 */
#include "computefit/offer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"

/* Bits of the `missing` mask. */
#define APIGW_MISSING_HTTP 1u
#define APIGW_MISSING_REST 2u

static const struct apigw_part {
    unsigned bit;
    const char *usagetype; /* after the region's prefix */
    const char *key;       /* the section's key */
    const char *what;      /* for messages */
} apigw_parts[] = {
    {APIGW_MISSING_HTTP, "ApiGatewayHttpRequest", "http_request_tiers", "HTTP API requests"},
    {APIGW_MISSING_REST, "ApiGatewayRequest", "rest_request_tiers", "REST API requests"},
};
#define APIGW_PARTS (sizeof(apigw_parts) / sizeof(apigw_parts[0]))

static struct rate_tier *part_tiers(struct api_gateway_rates *a, size_t i, size_t **ret_n)
{
    *ret_n = i == 0 ? &a->n_http_tiers : &a->n_rest_tiers;
    return i == 0 ? a->http_tiers : a->rest_tiers;
}

static const struct rate_tier *part_tiers_c(const struct api_gateway_rates *a, size_t i,
                                            size_t *ret_n)
{
    *ret_n = i == 0 ? a->n_http_tiers : a->n_rest_tiers;
    return i == 0 ? a->http_tiers : a->rest_tiers;
}

/* Reads the tiers of `sku` into out[]; sets *ret_n to 0 when every tier is $0 (no rate). */
static int sku_tiers(const json_t *ondemand, const char *sku, struct rate_tier *out, size_t *ret_n,
                     struct cf_error *reterr)
{
    struct offer_dim dims[CF_API_GATEWAY_TIERS_MAX + 1];
    size_t n = 0;
    bool priced = false, free_tier = false;
    const json_t *t = json_object_get(ondemand, sku);
    if (!t)
        return cf_error_set(reterr, CF_EUPSTREAM, sku, "product %s has no on-demand term", sku);
    int r = offer_ondemand_dims(t, dims, sizeof(dims) / sizeof(dims[0]), &n, reterr);
    if (r)
        return r;
    if (n == 0 || n > CF_API_GATEWAY_TIERS_MAX)
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "product %s has %zu request tiers; 1 to %d are supported", sku, n,
                            CF_API_GATEWAY_TIERS_MAX);
    for (size_t i = 0; i < n; i++) {
        double want = i ? dims[i - 1].end : 0;
        if (dims[i].begin != want)
            return cf_error_set(reterr, CF_EUPSTREAM, sku,
                                "request tiers of product %s leave a gap or overlap at %.0f "
                                "requests",
                                sku, want);
        if (strncasecmp(dims[i].unit, "Request", 7) != 0)
            return cf_error_set(reterr, CF_EUPSTREAM, sku,
                                "product %s is priced per \"%s\" where a price per request was "
                                "expected",
                                sku, dims[i].unit);
        priced = priced || dims[i].usd > 0;
        free_tier = free_tier || dims[i].usd == 0;
        out[i].up_to = dims[i].end;
        out[i].usd = dims[i].usd;
    }
    if (!isinf(dims[n - 1].end))
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "the last request tier of product %s ends at %.0f requests instead "
                            "of Inf",
                            sku, dims[n - 1].end);
    if (priced && free_tier)
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "product %s has a $0 request tier among priced ones", sku);
    *ret_n = priced ? n : 0;
    return 0;
}

static int apigw_parse(const struct offer_ctx *ctx, const json_t *doc, const char *region,
                       struct region_rates *ret, unsigned *ret_missing, struct cf_error *reterr)
{
    (void)ctx;
    struct offer_products it;
    struct api_gateway_rates a;
    const char *found[APIGW_PARTS] = {0};
    unsigned missing = 0;
    int r;

    memset(&a, 0, sizeof(a));
    if ((r = offer_products_open(&it, doc, "AmazonApiGateway", region, reterr)))
        return r;
    const char *sku;
    const json_t *attrs;
    while (offer_products_next(&it, &sku, &attrs)) {
        const char *usagetype = json_string_value(json_object_get(attrs, "usagetype"));
        for (size_t i = 0; usagetype && i < APIGW_PARTS; i++) {
            struct rate_tier tiers[CF_API_GATEWAY_TIERS_MAX];
            size_t n = 0, *np;
            if (!offer_usagetype_in_region(usagetype, apigw_parts[i].usagetype, region))
                continue;
            if ((r = sku_tiers(it.ondemand, sku, tiers, &n, reterr)))
                return r;
            if (n == 0)
                continue; /* all $0: prices nothing */
            if (found[i])
                return cf_error_set(reterr, CF_EUPSTREAM, apigw_parts[i].usagetype,
                                    "products %s and %s both price %s in %s; cannot tell which "
                                    "applies",
                                    found[i], sku, apigw_parts[i].what, region);
            found[i] = sku;
            memcpy(part_tiers(&a, i, &np), tiers, n * sizeof(tiers[0]));
            *np = n;
        }
    }
    for (size_t i = 0; i < APIGW_PARTS; i++)
        if (!found[i])
            missing |= apigw_parts[i].bit;
    ret->api_gateway = a;
    ret->info[CF_OFFER_API_GATEWAY] = it.info;
    *ret_missing = missing;
    return 0;
}

/* An API type the file lacks keeps the region's tiers for it (none, or the ones in use). */
static int apigw_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                       struct cf_error *reterr)
{
    (void)reterr;
    struct api_gateway_rates a = p->api_gateway;
    const struct api_gateway_rates *cur = &rr->api_gateway;
    bool had = rr->has[CF_OFFER_API_GATEWAY];
    if (missing & APIGW_MISSING_HTTP) {
        memcpy(a.http_tiers, cur->http_tiers, sizeof(a.http_tiers));
        a.n_http_tiers = had ? cur->n_http_tiers : 0;
    }
    if (missing & APIGW_MISSING_REST) {
        memcpy(a.rest_tiers, cur->rest_tiers, sizeof(a.rest_tiers));
        a.n_rest_tiers = had ? cur->n_rest_tiers : 0;
    }
    if (!a.n_http_tiers && !a.n_rest_tiers)
        return 0; /* nothing in the file, nothing in use */
    rr->api_gateway = a;
    rr->has[CF_OFFER_API_GATEWAY] = true;
    return 0;
}

static unsigned apigw_count_moves(const struct region_rates *old, const struct region_rates *nw,
                                  double factor)
{
    static const char *const names[APIGW_PARTS] = {"api_gateway.http_request_usd",
                                                   "api_gateway.rest_request_usd"};
    unsigned moves = 0;
    for (size_t i = 0; i < APIGW_PARTS; i++) {
        size_t no = 0, nn = 0;
        const struct rate_tier *to = part_tiers_c(&old->api_gateway, i, &no);
        const struct rate_tier *tn = part_tiers_c(&nw->api_gateway, i, &nn);
        if (no && nn) /* the first tier: what most accounts pay */
            offer_kind_compare_rate(to[0].usd, tn[0].usd, factor, nw->code, names[i], &moves);
    }
    return moves;
}

static json_t *tiers_json(const struct rate_tier *tiers, size_t n)
{
    if (n == 0)
        return json_null();
    json_t *arr = json_array();
    for (size_t t = 0; arr && t < n; t++) {
        json_t *up = isinf(tiers[t].up_to) && tiers[t].up_to > 0 ? json_null()
                                                                 : rates_doc_number(tiers[t].up_to);
        if (json_array_append_new(arr, json_pack("{s:o, s:o}", "up_to_requests", up, "usd",
                                                 rates_doc_number(tiers[t].usd)))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *apigw_to_json(const struct region_rates *rr)
{
    const struct api_gateway_rates *a = &rr->api_gateway;
    return json_pack("{s:o, s:o}", "http_request_tiers", tiers_json(a->http_tiers, a->n_http_tiers),
                     "rest_request_tiers", tiers_json(a->rest_tiers, a->n_rest_tiers));
}

static int apigw_from_json(const json_t *v, const char *path, struct region_rates *rr,
                           struct cf_error *reterr)
{
    static const char *const keys[] = {"http_request_tiers", "rest_request_tiers", NULL};
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    for (size_t i = 0; r == 0 && i < APIGW_PARTS; i++) {
        char tpath[RATES_DOC_PATH_LEN];
        const json_t *arr = NULL;
        size_t *np;
        struct rate_tier *tiers = part_tiers(&rr->api_gateway, i, &np);
        rates_doc_path_key(tpath, path, apigw_parts[i].key);
        r = rates_doc_get_present(v, apigw_parts[i].key, path, &arr, reterr);
        if (r == 0 && json_is_null(arr))
            *np = 0;
        else if (r == 0)
            r = rates_doc_tiers_from_json(arr, tpath, "up_to_requests", CF_API_GATEWAY_TIERS_MAX,
                                          tiers, np, reterr);
    }
    return r;
}

static int apigw_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    const struct api_gateway_rates *a = &rr->api_gateway;
    if (!a->n_http_tiers && !a->n_rest_tiers)
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must price HTTP or REST API requests (or the region leaves "
                            "api_gateway out).",
                            path);
    for (size_t i = 0; i < APIGW_PARTS; i++) {
        char tpath[RATES_DOC_PATH_LEN];
        size_t n = 0;
        const struct rate_tier *tiers = part_tiers_c(a, i, &n);
        if (n == 0)
            continue;
        rates_doc_path_key(tpath, path, apigw_parts[i].key);
        int r = rates_doc_check_tiers(tiers, n, CF_API_GATEWAY_TIERS_MAX, tpath, "up_to_requests",
                                      "request", reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

const struct offer_kind offer_kind_api_gateway = {
    .id = CF_OFFER_API_GATEWAY,
    .code = "AmazonApiGateway",
    .index_path = "/offers/v1.0/aws/AmazonApiGateway/current/region_index.json",
    .index = &offer_index_v1_optional,
    .interval = offer_kind_refresh_interval,
    .parse = apigw_parse,
    .apply = apigw_apply,
    .count_moves = apigw_count_moves,
    .doc_key = "api_gateway",
    .to_json = apigw_to_json,
    .from_json = apigw_from_json,
    .validate = apigw_validate,
};
