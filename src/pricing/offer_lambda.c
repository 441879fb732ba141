/*
 * offer_lambda.c - the AWSLambda offer-file parser.
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
    struct offer_products it;
    struct pick picks[LAMBDA_PARTS] = {{0}};
    struct lambda_rates rates[CF_ARCH_COUNT];
    unsigned missing = 0;
    int r;

    memset(rates, 0, sizeof(rates));
    if ((r = offer_products_open(&it, doc, "AWSLambda", region, reterr)))
        return r;

    const char *sku;
    const json_t *attrs;
    while (offer_products_next(&it, &sku, &attrs)) {
        const char *group = json_string_value(json_object_get(attrs, "group"));
        if (!group)
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
        if ((r = sku_dims(it.ondemand, sku, dims, sizeof(dims) / sizeof(dims[0]), &n, reterr)))
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
        *ret_info = it.info;
    return 0;
}
