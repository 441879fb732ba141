/*
 * offer_lambda.c - the Lambda offer (AWSLambda): its offer-file parser, and its descriptor with
 * the Lambda section of the rates document ("lambda": per architecture the request rate, the
 * monthly GB-second tiers, the ephemeral storage rate and the provisioned-concurrency rates).
 *
 * The file is small (0.7 MB for us-east-1 in 2026) and is read whole with jansson. A part
 * (x86 requests, ARM duration, ...) is the product whose `group` names it; if a region has
 * several, the one whose usagetype is the expected one wins, and a tie is an error rather than
 * a guess. Provisioned concurrency is two products per architecture (the charge for configured
 * concurrency and the duration rate while it runs) under one bit of the `missing` mask: both or
 * neither, since one cannot be priced without the other.
 */
#include "computefit/offer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"

/* ---- Lambda ---- */

enum lambda_kind {
    KIND_REQUESTS,
    KIND_DURATION,
    KIND_STORAGE,
    KIND_PROVISIONED,          /* configured concurrency, per GB-second */
    KIND_PROVISIONED_DURATION, /* duration on provisioned concurrency, per GB-second */
};

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
    {OFFER_LAMBDA_PROVISIONED_X86, CF_ARCH_X86_64, KIND_PROVISIONED,
     "AWS-Lambda-Provisioned-Concurrency", "Lambda-Provisioned-Concurrency"},
    {OFFER_LAMBDA_PROVISIONED_X86, CF_ARCH_X86_64, KIND_PROVISIONED_DURATION,
     "AWS-Lambda-Duration-Provisioned", "Lambda-Provisioned-GB-Second"},
    {OFFER_LAMBDA_PROVISIONED_ARM, CF_ARCH_ARM64, KIND_PROVISIONED,
     "AWS-Lambda-Provisioned-Concurrency-ARM", "Lambda-Provisioned-Concurrency-ARM"},
    {OFFER_LAMBDA_PROVISIONED_ARM, CF_ARCH_ARM64, KIND_PROVISIONED_DURATION,
     "AWS-Lambda-Duration-Provisioned-ARM", "Lambda-Provisioned-GB-Second-ARM"},
};
#define LAMBDA_PARTS (sizeof(lambda_parts) / sizeof(lambda_parts[0]))

/* The `missing` bit of one architecture's part of one kind. */
static unsigned part_bit(int arch, enum lambda_kind kind)
{
    for (size_t i = 0; i < LAMBDA_PARTS; i++)
        if ((int)lambda_parts[i].arch == arch && lambda_parts[i].kind == kind)
            return lambda_parts[i].bit;
    return 0;
}

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

/* A provisioned-concurrency price: one unbounded price, in GB-seconds. AWS writes the unit
 * "Lambda-GB-Second"; any unit ending in GB-Second(s) is taken, and another one (hours,
 * requests, none) means the row is not the rate it is grouped as. */
static int provisioned_price(const char *sku, const struct offer_dim *dims, size_t n, double *ret,
                             struct cf_error *reterr)
{
    double usd = 0;
    int r = single_price(sku, dims, n, &usd, reterr);
    if (r)
        return r;
    const char *unit = dims[0].unit;
    size_t len = strlen(unit);
    bool gb_s = (len >= 9 && strcasecmp(unit + len - 9, "GB-Second") == 0) ||
                (len >= 10 && strcasecmp(unit + len - 10, "GB-Seconds") == 0);
    if (!gb_s)
        return cf_error_set(reterr, CF_EUPSTREAM, sku,
                            "product %s is priced per \"%s\" where a price per GB-second was "
                            "expected",
                            sku, unit);
    *ret = usd;
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
    unsigned missing = 0, present = 0;
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
        present |= part->bit;
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
        case KIND_PROVISIONED:
            r = provisioned_price(sku, dims, n, &lr->provisioned_gb_s_usd, reterr);
            break;
        case KIND_PROVISIONED_DURATION:
            r = provisioned_price(sku, dims, n, &lr->provisioned_duration_gb_s_usd, reterr);
            break;
        }
        if (r)
            return r;
    }
    /* A bit both missing and present is a provisioned pair with one of its two rows. */
    for (size_t i = 0; i < LAMBDA_PARTS; i++)
        if ((missing & present & lambda_parts[i].bit) && !picks[i].sku)
            return cf_error_set(reterr, CF_EUPSTREAM, lambda_parts[i].group,
                                "the Lambda offer prices %s provisioned concurrency in %s without "
                                "its %s row, and cannot be priced without both",
                                cf_arch_name(lambda_parts[i].arch), region, lambda_parts[i].group);
    for (int a = 0; a < CF_ARCH_COUNT; a++)
        rates[a].has_provisioned = !(missing & part_bit(a, KIND_PROVISIONED));
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

/* ---- The Lambda offer: descriptor and rates-document section ---- */

static int lambda_parse(const struct offer_ctx *ctx, const json_t *doc, const char *region,
                        struct region_rates *ret, unsigned *ret_missing, struct cf_error *reterr)
{
    (void)ctx;
    return offer_lambda_parse(doc, region, ret->lambda, ret_missing, &ret->info[CF_OFFER_LAMBDA],
                              reterr);
}

static int lambda_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                        struct cf_error *reterr)
{
    bool had = rr->has[CF_OFFER_LAMBDA];
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        unsigned req = part_bit(a, KIND_REQUESTS), dur = part_bit(a, KIND_DURATION);
        unsigned sto = part_bit(a, KIND_STORAGE), prov = part_bit(a, KIND_PROVISIONED);
        const struct lambda_rates *cur = &rr->lambda[a];
        struct lambda_rates l = p->lambda[a];
        if ((missing & (req | dur | sto)) && !had)
            return cf_error_set(reterr, CF_EUPSTREAM, rr->code,
                                "the Lambda offer has no %s rates for %s and none are in use",
                                cf_arch_name((enum cf_arch)a), rr->code);
        if (missing & req)
            l.request_usd = cur->request_usd;
        if (missing & dur) {
            memcpy(l.gb_s_tiers, cur->gb_s_tiers, sizeof(l.gb_s_tiers));
            l.n_tiers = cur->n_tiers;
        }
        if (missing & sto)
            l.ephemeral_gb_s_usd = cur->ephemeral_gb_s_usd;
        /* Optional even for a new region: without rates in use, it has none. */
        if (missing & prov) {
            l.has_provisioned = had && cur->has_provisioned;
            l.provisioned_gb_s_usd = l.has_provisioned ? cur->provisioned_gb_s_usd : 0;
            l.provisioned_duration_gb_s_usd =
                l.has_provisioned ? cur->provisioned_duration_gb_s_usd : 0;
        }
        rr->lambda[a] = l;
    }
    rr->has[CF_OFFER_LAMBDA] = true;
    return 0;
}

/* The rates the price-move check compares, in one architecture: each is 0 when the region
 * lacks it (provisioned concurrency), which offer_kind_compare_rate() skips. */
#define LAMBDA_MOVE_RATES 5
static void lambda_move_rates(const struct lambda_rates *l, double out[LAMBDA_MOVE_RATES])
{
    out[0] = l->request_usd;
    out[1] = l->gb_s_tiers[0].usd;
    out[2] = l->ephemeral_gb_s_usd;
    out[3] = l->provisioned_gb_s_usd;
    out[4] = l->provisioned_duration_gb_s_usd;
}

static unsigned lambda_count_moves(const struct region_rates *old, const struct region_rates *nw,
                                   double factor)
{
    static const char *const names[LAMBDA_MOVE_RATES] = {
        "lambda.request_usd", "lambda.gb_second_usd", "lambda.ephemeral_gb_second_usd",
        "lambda.provisioned.concurrency_gb_second_usd",
        "lambda.provisioned.duration_gb_second_usd"};
    unsigned moves = 0;
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        double before[LAMBDA_MOVE_RATES], after[LAMBDA_MOVE_RATES];
        lambda_move_rates(&old->lambda[a], before);
        lambda_move_rates(&nw->lambda[a], after);
        for (size_t i = 0; i < LAMBDA_MOVE_RATES; i++)
            offer_kind_compare_rate(before[i], after[i], factor, nw->code, names[i], &moves);
    }
    return moves;
}

static json_t *lambda_arch_json(const struct lambda_rates *l)
{
    json_t *tiers = json_array();
    if (!tiers)
        return NULL;
    for (size_t t = 0; t < l->n_tiers && t < CF_LAMBDA_TIERS_MAX; t++) {
        const struct rate_tier *tier = &l->gb_s_tiers[t];
        json_t *up =
            isinf(tier->up_to) && tier->up_to > 0 ? json_null() : rates_doc_number(tier->up_to);
        if (json_array_append_new(tiers, json_pack("{s:o, s:o}", "up_to_gb_s", up, "usd",
                                                   rates_doc_number(tier->usd)))) {
            json_decref(tiers);
            return NULL;
        }
    }
    json_t *prov = json_null();
    if (l->has_provisioned)
        prov = json_pack("{s:o, s:o}", "concurrency_gb_second_usd",
                         rates_doc_number(l->provisioned_gb_s_usd), "duration_gb_second_usd",
                         rates_doc_number(l->provisioned_duration_gb_s_usd));
    return json_pack("{s:o, s:o, s:o, s:o}", "request_usd", rates_doc_number(l->request_usd),
                     "gb_second_tiers", tiers, "ephemeral_gb_second_usd",
                     rates_doc_number(l->ephemeral_gb_s_usd), "provisioned", prov);
}

/* /pricing: "provisioned_concurrency", the architectures with provisioned-concurrency rates. */
static int lambda_status(const struct region_rates *rr, json_t *entry)
{
    bool has[CF_ARCH_COUNT];
    for (int a = 0; a < CF_ARCH_COUNT; a++)
        has[a] = rr->lambda[a].has_provisioned;
    return json_object_set_new(entry, "provisioned_concurrency", offer_kind_arch_list(has));
}

static json_t *lambda_to_json(const struct region_rates *rr)
{
    return json_pack("{s:o, s:o}", cf_arch_name(CF_ARCH_X86_64),
                     lambda_arch_json(&rr->lambda[CF_ARCH_X86_64]), cf_arch_name(CF_ARCH_ARM64),
                     lambda_arch_json(&rr->lambda[CF_ARCH_ARM64]));
}

/* Reads an architecture's "provisioned" (absent in documents written before it existed, null
 * without rates; either way the architecture has none). */
static int lambda_provisioned_from_json(const json_t *arch, const char *apath,
                                        struct lambda_rates *l, struct cf_error *reterr)
{
    static const char *const keys[] = {"concurrency_gb_second_usd", "duration_gb_second_usd", NULL};
    char path[RATES_DOC_PATH_LEN];
    const json_t *prov = NULL;
    if (!json_object_get(arch, "provisioned"))
        return 0;
    int r = rates_doc_get_object(arch, "provisioned", apath, true, &prov, reterr);
    if (r < 0 || json_is_null(prov))
        return r;
    rates_doc_path_key(path, apath, "provisioned");
    r = rates_doc_check_keys(prov, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_number(prov, "concurrency_gb_second_usd", path, &l->provisioned_gb_s_usd,
                                 reterr);
    if (r == 0)
        r = rates_doc_get_number(prov, "duration_gb_second_usd", path,
                                 &l->provisioned_duration_gb_s_usd, reterr);
    if (r == 0)
        l->has_provisioned = true;
    return r;
}

static int lambda_from_json(const json_t *lambda, const char *path, struct region_rates *rr,
                            struct cf_error *reterr)
{
    static const char *const keys[] = {"x86_64", "arm64", NULL};
    static const char *const arch_fields[] = {"request_usd", "gb_second_tiers",
                                              "ephemeral_gb_second_usd", "provisioned", NULL};
    char apath[RATES_DOC_PATH_LEN], tpath[RATES_DOC_PATH_LEN];
    const json_t *arch = NULL;
    if (!json_is_object(lambda))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object or null, got %s.", path,
                            rates_doc_kind(lambda));
    int r = rates_doc_check_keys(lambda, keys, path, reterr);
    for (int a = 0; r == 0 && a < CF_ARCH_COUNT; a++) {
        const char *name = cf_arch_name((enum cf_arch)a);
        struct lambda_rates *l = &rr->lambda[a];
        rates_doc_path_key(apath, path, name);
        r = rates_doc_get_object(lambda, name, path, false, &arch, reterr);
        if (r == 0)
            r = rates_doc_check_keys(arch, arch_fields, apath, reterr);
        if (r == 0)
            r = rates_doc_get_number(arch, "request_usd", apath, &l->request_usd, reterr);
        if (r == 0) {
            const json_t *tiers = NULL;
            rates_doc_path_key(tpath, apath, "gb_second_tiers");
            r = rates_doc_get_present(arch, "gb_second_tiers", apath, &tiers, reterr);
            if (r == 0)
                r = rates_doc_tiers_from_json(tiers, tpath, "up_to_gb_s", CF_LAMBDA_TIERS_MAX,
                                              l->gb_s_tiers, &l->n_tiers, reterr);
        }
        if (r == 0)
            r = rates_doc_get_number(arch, "ephemeral_gb_second_usd", apath, &l->ephemeral_gb_s_usd,
                                     reterr);
        if (r == 0)
            r = lambda_provisioned_from_json(arch, apath, l, reterr);
    }
    return r;
}

/* Provisioned rates, when the architecture has them: prices, and a duration rate below the
 * on-demand one, as AWS sets it in every region (aws-price-list.md section 7 and the pricing-page
 * feed: us-east-1 x86 0.0000097222 against 0.0000166667, ARM 0.0000077778 against 0.0000133334;
 * about 58% everywhere). A rate at or above it is a row of another group or a misplaced digit. */
static int lambda_provisioned_validate(const struct lambda_rates *l, const char *region,
                                       const char *prefix, struct cf_error *reterr)
{
    char path[RATES_DOC_PATH_LEN], dpath[RATES_DOC_PATH_LEN];
    if (!l->has_provisioned)
        return 0;
    rates_doc_path_key(path, prefix, "provisioned");
    int r = rates_doc_check_rate(l->provisioned_gb_s_usd, path, "concurrency_gb_second_usd",
                                 "GB-second of configured concurrency", reterr);
    if (r == 0)
        r = rates_doc_check_rate(l->provisioned_duration_gb_s_usd, path, "duration_gb_second_usd",
                                 "GB-second", reterr);
    if (r < 0 || l->provisioned_duration_gb_s_usd < l->gb_s_tiers[0].usd)
        return r;
    rates_doc_path_key(dpath, path, "duration_gb_second_usd");
    return cf_error_set(reterr, CF_EINVAL, dpath,
                        "%s (region %s) must be below the on-demand duration rate of the first "
                        "tier, %g: AWS prices duration on provisioned concurrency lower in every "
                        "region, got %g.",
                        dpath, region, l->gb_s_tiers[0].usd, l->provisioned_duration_gb_s_usd);
}

static int lambda_arch_validate(const struct lambda_rates *l, const char *region,
                                const char *prefix, struct cf_error *reterr)
{
    char path[RATES_DOC_PATH_LEN];
    int r = rates_doc_check_rate(l->request_usd, prefix, "request_usd", "request", reterr);
    if (r < 0)
        return r;
    rates_doc_path_key(path, prefix, "gb_second_tiers");
    r = rates_doc_check_tiers(l->gb_s_tiers, l->n_tiers, CF_LAMBDA_TIERS_MAX, path, "up_to_gb_s",
                              "GB-second", reterr);
    if (r < 0)
        return r;
    r = rates_doc_check_rate(l->ephemeral_gb_s_usd, prefix, "ephemeral_gb_second_usd", "GB-second",
                             reterr);
    if (r < 0)
        return r;
    return lambda_provisioned_validate(l, region, prefix, reterr);
}

static int lambda_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    char apath[RATES_DOC_PATH_LEN];
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        rates_doc_path_key(apath, path, cf_arch_name((enum cf_arch)a));
        int r = lambda_arch_validate(&rr->lambda[a], rr->code, apath, reterr);
        if (r < 0)
            return r;
    }
    return 0;
}

const struct offer_kind offer_kind_lambda = {
    .id = CF_OFFER_LAMBDA,
    .code = "AWSLambda",
    .index_path = "/offers/v1.0/aws/AWSLambda/current/region_index.json",
    .index = &offer_index_v1,
    .interval = offer_kind_refresh_interval,
    .parse = lambda_parse,
    .apply = lambda_apply,
    .count_moves = lambda_count_moves,
    .status = lambda_status,
    .doc_key = "lambda",
    .to_json = lambda_to_json,
    .from_json = lambda_from_json,
    .validate = lambda_validate,
};
