/*
 * offer_savings.c - the Savings Plans offer (AWS's Savings Plans price list,
 * AWSComputeSavingsPlan): its region index layout, its per-region file's parser (streamed), and
 * its descriptor with the "savings_plans" section of the rates document. What the rates mean is
 * in rates.h ("Savings Plans").
 *
 * DESIGN
 *
 * The file. One per region, found through
 * /savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json, whose "regions" is an
 * array of {regionCode, versionUrl} (offer_index_sp). Its layout is not an offer file's:
 *   {"version", "publicationDate", "regionCode",
 *    "products": [{"sku", "productFamily", "serviceCode", "usageType", "operation",
 *                  "attributes": {"purchaseOption", "purchaseTerm", ...}}, ...],
 *    "terms": {"savingsPlan": [{"sku", "description", "effectiveDate",
 *                               "leaseContractLength": {"duration", "unit"},
 *                               "rates": [{"discountedSku", "discountedUsageType",
 *                                          "discountedOperation", "discountedServiceCode",
 *                                          "rateCode", "unit",
 *                                          "discountedRate": {"price", "currency"}}, ...]}]}}
 * (docs/aws-price-list.md section 5; AWS's "Reading the service price list file for a Savings
 * Plan"; the ligoj excerpt in tests/fixtures). A product is a plan: productFamily
 * "ComputeSavingsPlans" or "EC2InstanceSavingsPlans", its term ("1yr"/"3yr") and payment option
 * ("No Upfront", "Partial Upfront", "All Upfront"). A term lists the plan's rates, one per
 * on-demand SKU it discounts.
 *
 * Size. A region's file lists every EC2 usage type (tenancies, operating systems, Unused*
 * reservations) for every plan: tens to hundreds of MB. It is streamed like the EC2 offer file
 * (offer_ec2.c has the reasons): jsonscan.c validates every byte and hands over one product or
 * one rate at a time, which jansson decodes; a term's own members (sku, leaseContractLength)
 * are captured alone, so that a term holding thousands of rates is never held whole. Rates
 * that can be none of ours (no "Lambda-", "Fargate-" or "BoxUsage:" in their text, and no
 * escape) are dropped without decoding.
 *
 * Order. Products may come before or after the terms, and a term's sku before or after its
 * rates: the stream keeps every plan (sku, type, term, payment: ~40 bytes), every term's sku
 * and the candidate rates (the few it can use: Lambda, Fargate, Linux shared EC2), each bounded
 * by a named limit (struct offer_savings_limits), and joins them at the end.
 *
 * Selection. A rate is kept when:
 *  - its discountedRegionCode, when present, is the region; and its discountedUsageType carries
 *    the region's prefix (offer_region_prefix(): "EU-Lambda-GB-Second" in eu-west-1; in
 *    us-east-1 also none, as "BoxUsage:c5.large" and "Lambda-GB-Second" have none there). A
 *    region whose prefix this build does not know keeps only rates that name it in
 *    discountedRegionCode. Other regions' prefixes are dropped.
 *  - it is one of: AWSLambda "Lambda-GB-Second[-ARM]" (duration), "Lambda-Provisioned-
 *    Concurrency[-ARM]", "Lambda-Provisioned-GB-Second[-ARM]"; AmazonECS "Fargate-vCPU-Hours:
 *    perCPU", "Fargate-GB-Hours" and their "Fargate-ARM-" forms (Linux); AmazonEC2
 *    "BoxUsage:<type>" with discountedOperation exactly "RunInstances" (Linux, shared tenancy:
 *    RunInstances:0002 is Windows, :0010 RHEL...; DedicatedUsage, HostBoxUsage and Unused* are
 *    other usage types).
 *  - its currency, when given, is USD; its price is a decimal number above 0 (a kept rate whose
 *    price does not parse fails the file rather than silently dropping the rate).
 *  - its plan is known: a product of a family above with a known purchase option and a term of
 *    1 or 3 years (the product's purchaseTerm, else the term's leaseContractLength). A plan with
 *    another purchase option or family is left out and counted, not refused: AWS may add some.
 *    An EC2 Instance Savings Plan's Lambda or Fargate rates (it has none) are left out.
 * The same rate twice (plan, architecture or instance type) at one price is kept once; at two
 * prices the file is refused. EC2 rates are kept, when merged into the table, only for the
 * instance types of the region's on-demand list.
 *
 * Threads: a stream is used by one thread at a time (the refresher's); it owns no lock.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsonscan.h"
#include "computefit/offer.h"
#include "computefit/offer_kind.h"
#include "computefit/offer_savings.h"
#include "computefit/rates_doc.h"
#include "computefit/rates_json.h"

#define SKU_LEN 32

/* What a candidate rate discounts. */
enum sp_target {
    T_LAMBDA_DURATION,
    T_LAMBDA_PROVISIONED,
    T_LAMBDA_PROVISIONED_DURATION,
    T_FARGATE_VCPU,
    T_FARGATE_GB,
    T_EC2,
};

static const struct {
    const char *service;
    const char *name;
    enum sp_target target;
    enum cf_arch arch;
} usage_names[] = {
    {"AWSLambda", "Lambda-GB-Second", T_LAMBDA_DURATION, CF_ARCH_X86_64},
    {"AWSLambda", "Lambda-GB-Second-ARM", T_LAMBDA_DURATION, CF_ARCH_ARM64},
    {"AWSLambda", "Lambda-Provisioned-Concurrency", T_LAMBDA_PROVISIONED, CF_ARCH_X86_64},
    {"AWSLambda", "Lambda-Provisioned-Concurrency-ARM", T_LAMBDA_PROVISIONED, CF_ARCH_ARM64},
    {"AWSLambda", "Lambda-Provisioned-GB-Second", T_LAMBDA_PROVISIONED_DURATION, CF_ARCH_X86_64},
    {"AWSLambda", "Lambda-Provisioned-GB-Second-ARM", T_LAMBDA_PROVISIONED_DURATION, CF_ARCH_ARM64},
    {"AmazonECS", "Fargate-vCPU-Hours:perCPU", T_FARGATE_VCPU, CF_ARCH_X86_64},
    {"AmazonECS", "Fargate-GB-Hours", T_FARGATE_GB, CF_ARCH_X86_64},
    {"AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU", T_FARGATE_VCPU, CF_ARCH_ARM64},
    {"AmazonECS", "Fargate-ARM-GB-Hours", T_FARGATE_GB, CF_ARCH_ARM64},
};

struct sp_plan_row {
    char sku[SKU_LEN];
    signed char plan, payment, years; /* years 0: the product did not say */
};

struct sp_term_row {
    char sku[SKU_LEN];
    signed char years; /* 0: no usable leaseContractLength */
};

struct sp_cand {
    uint32_t term; /* index into terms */
    unsigned char target, arch;
    char type[CF_INSTANCE_TYPE_LEN]; /* T_EC2 */
    double usd;
};

enum sp_section { SEC_NONE, SEC_PRODUCTS, SEC_TERMS, SEC_VERSION, SEC_PUBLISHED, SEC_REGION };

struct offer_savings_stream {
    char region[CF_REGION_LEN];
    const char *prefix; /* the region's usage-type prefix; NULL when unknown */
    struct offer_savings_limits lim;
    struct jsonscan *scan;

    enum sp_section section;
    bool in_sp;      /* terms.savingsPlan is open */
    bool in_term;    /* a terms.savingsPlan element is open */
    int term_member; /* 1 sku, 2 leaseContractLength, 3 rates, 0 other */
    bool products_seen, terms_seen, sp_seen, version_seen, published_seen, region_seen;
    bool term_sku_seen, term_lease_seen, term_rates_seen;

    struct sp_plan_row *plans;
    size_t n_plans, cap_plans;
    struct sp_term_row *terms;
    size_t n_terms, cap_terms;
    struct sp_cand *cands;
    size_t n_cands, cap_cands;

    struct offer_info info;
    struct offer_savings_stats stats;
    bool finished;
    int err;
    struct cf_error errd;
};

void offer_savings_limits_default(struct offer_savings_limits *lim)
{
    lim->max_entry_bytes = 1024 * 1024;
    lim->max_plans = 100000;
    lim->max_rates = 1000000;
    lim->max_depth = 64;
}

static void note_memory(struct offer_savings_stream *s)
{
    size_t now = sizeof(*s) + s->cap_plans * sizeof(*s->plans) + s->cap_terms * sizeof(*s->terms) +
                 s->cap_cands * sizeof(*s->cands) + jsonscan_memory(s->scan);
    if (now > s->stats.peak_bytes)
        s->stats.peak_bytes = now;
}

/* Grows *arr (of `size`-byte elements, *cap of them) to hold one more, up to `max`. */
static int grow(struct offer_savings_stream *s, void **arr, size_t *cap, size_t n, size_t size,
                size_t max, const char *what)
{
    if (n < *cap)
        return 0;
    if (n >= max)
        return cf_error_set(&s->errd, CF_EUPSTREAM, NULL,
                            "the Savings Plans file has more than %zu %s; raise the limit", max,
                            what);
    size_t c = *cap ? *cap * 2 : 64;
    if (c > max)
        c = max;
    void *p = realloc(*arr, c * size);
    if (!p)
        return cf_error_set(&s->errd, CF_ENOMEM, NULL, "out of memory keeping %s", what);
    *arr = p;
    *cap = c;
    note_memory(s);
    return 0;
}

static const char *str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static int years_of(const char *term)
{
    if (!term)
        return 0;
    return strcmp(term, "1yr") == 0 ? 1 : strcmp(term, "3yr") == 0 ? 3 : -1;
}

static int payment_of(const char *option)
{
    if (!option)
        return -1;
    if (strcmp(option, "No Upfront") == 0)
        return CF_SP_NO_UPFRONT;
    if (strcmp(option, "Partial Upfront") == 0)
        return CF_SP_PARTIAL_UPFRONT;
    if (strcmp(option, "All Upfront") == 0)
        return CF_SP_ALL_UPFRONT;
    return -1;
}

/* ---- products: the plans ---- */

static int on_product(struct offer_savings_stream *s, const char *text, size_t len)
{
    json_error_t je;
    json_t *p = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int r = 0;
    if (!json_is_object(p)) {
        r = cf_error_set(&s->errd, CF_EUPSTREAM, "products",
                         "a Savings Plans product is not a JSON object%s%s", p ? "" : ": ",
                         p ? "" : je.text);
        goto out;
    }
    s->stats.products++;
    const char *family = str(p, "productFamily"), *sku = str(p, "sku");
    const json_t *attrs = json_object_get(p, "attributes");
    int plan = -1;
    if (family && strcmp(family, "ComputeSavingsPlans") == 0)
        plan = CF_SP_COMPUTE;
    else if (family && strcmp(family, "EC2InstanceSavingsPlans") == 0)
        plan = CF_SP_EC2_INSTANCE;
    if (plan < 0 || !sku || !*sku || strlen(sku) >= SKU_LEN)
        goto out; /* another kind of plan (SageMaker...) */
    int payment = payment_of(str(attrs, "purchaseOption"));
    int years = years_of(str(attrs, "purchaseTerm"));
    if (payment < 0 || years < 0) {
        s->stats.unknown_plans++;
        goto out;
    }
    r = grow(s, (void **)&s->plans, &s->cap_plans, s->n_plans, sizeof(*s->plans), s->lim.max_plans,
             "plans");
    if (r)
        goto out;
    struct sp_plan_row *row = &s->plans[s->n_plans++];
    snprintf(row->sku, sizeof(row->sku), "%s", sku);
    row->plan = (signed char)plan;
    row->payment = (signed char)payment;
    row->years = (signed char)years;
out:
    json_decref(p);
    return r;
}

/* ---- terms ---- */

static int on_term_sku(struct offer_savings_stream *s, const char *text, size_t len)
{
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    const char *sku = json_string_value(v);
    if (sku && strlen(sku) < SKU_LEN)
        snprintf(s->terms[s->n_terms - 1].sku, SKU_LEN, "%s", sku);
    json_decref(v);
    return 0;
}

static int on_term_lease(struct offer_savings_stream *s, const char *text, size_t len)
{
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *d = json_object_get(v, "duration");
    const char *unit = str(v, "unit");
    if (json_is_integer(d) && (!unit || strcmp(unit, "year") == 0) &&
        (json_integer_value(d) == 1 || json_integer_value(d) == 3))
        s->terms[s->n_terms - 1].years = (signed char)json_integer_value(d);
    json_decref(v);
    return 0;
}

/* Returns the rest of `usage` after the region's prefix, or NULL when it is another region's.
 * `named` says the rate named this region in discountedRegionCode. */
static const char *in_region(const struct offer_savings_stream *s, const char *usage, bool named)
{
    size_t plen = s->prefix ? strlen(s->prefix) : 0;
    if (s->prefix && strncmp(usage, s->prefix, plen) == 0 && usage[plen] == '-')
        return usage + plen + 1;
    /* A token of capitals and digits followed by '-' is some region's prefix. */
    const char *p = usage;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
        p++;
    bool prefixed = p > usage && *p == '-';
    if (!prefixed && (strcmp(s->region, "us-east-1") == 0 || (named && !s->prefix)))
        return usage;
    if (prefixed && named && !s->prefix)
        return p + 1;
    return NULL;
}

/* An instance type as AWS writes one: "c5.large", "p4d.24xlarge". */
static bool type_ok(const char *t)
{
    size_t n = strlen(t), dots = 0;
    if (n < 3 || n >= CF_INSTANCE_TYPE_LEN)
        return false;
    for (const char *p = t; *p; p++) {
        if (*p == '.')
            dots++;
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    }
    return dots == 1 && t[0] != '.' && t[n - 1] != '.';
}

/* Whether a rate's text can be one of ours (see "Size" in the DESIGN block). */
static bool may_be_ours(const char *text, size_t len)
{
    return memchr(text, '\\', len) || memmem(text, len, "Lambda-", 7) ||
           memmem(text, len, "Fargate-", 8) || memmem(text, len, "BoxUsage:", 9);
}

static int on_rate(struct offer_savings_stream *s, const char *text, size_t len)
{
    s->stats.rates++;
    if (!may_be_ours(text, len))
        return 0;
    json_error_t je;
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int r = 0;
    if (!json_is_object(v)) {
        r = cf_error_set(&s->errd, CF_EUPSTREAM, "terms.savingsPlan",
                         "a Savings Plans rate is not a JSON object%s%s", v ? "" : ": ",
                         v ? "" : je.text);
        goto out;
    }
    const char *usage = str(v, "discountedUsageType"), *service = str(v, "discountedServiceCode");
    const char *op = str(v, "discountedOperation"), *rcode = str(v, "discountedRegionCode");
    const json_t *rate = json_object_get(v, "discountedRate");
    const char *currency = str(rate, "currency");
    if (!usage || !service || (rcode && strcmp(rcode, s->region) != 0) ||
        (currency && strcmp(currency, "USD") != 0))
        goto out;
    const char *name = in_region(s, usage, rcode != NULL);
    if (!name)
        goto out;
    struct sp_cand c = {.term = (uint32_t)(s->n_terms - 1)};
    bool ours = false;
    if (strcmp(service, "AmazonEC2") == 0) {
        if (strncmp(name, "BoxUsage:", 9) == 0 && op && strcmp(op, "RunInstances") == 0 &&
            type_ok(name + 9)) {
            c.target = T_EC2;
            snprintf(c.type, sizeof(c.type), "%s", name + 9);
            ours = true;
        }
    } else {
        for (size_t i = 0; i < sizeof(usage_names) / sizeof(usage_names[0]); i++) {
            if (strcmp(service, usage_names[i].service) == 0 &&
                strcmp(name, usage_names[i].name) == 0) {
                c.target = (unsigned char)usage_names[i].target;
                c.arch = (unsigned char)usage_names[i].arch;
                ours = true;
            }
        }
    }
    if (!ours)
        goto out;
    if (!offer_parse_decimal(str(rate, "price"), false, &c.usd) || !(c.usd > 0)) {
        r = cf_error_set(&s->errd, CF_EUPSTREAM, usage,
                         "the Savings Plans rate for %.60s (%.40s) has no price above 0 that "
                         "parses",
                         usage, str(v, "rateCode") ? str(v, "rateCode") : "no rate code");
        goto out;
    }
    r = grow(s, (void **)&s->cands, &s->cap_cands, s->n_cands, sizeof(*s->cands), s->lim.max_rates,
             "rates that computefit uses");
    if (r == 0)
        s->cands[s->n_cands++] = c;
out:
    json_decref(v);
    return r;
}

/* ---- the scanner's handler ---- */

static bool key_is(const struct jsonscan_event *ev, const char *name)
{
    return ev->key && !ev->key_truncated && ev->key_len == strlen(name) &&
           memcmp(ev->key, name, ev->key_len) == 0;
}

static int want(struct offer_savings_stream *s, const struct jsonscan_event *ev,
                enum jsonscan_type type, const char *what)
{
    if (ev->type == type)
        return JSONSCAN_CONTINUE;
    return cf_error_set(&s->errd, CF_EUPSTREAM, what, "%s in the Savings Plans file is not %s",
                        what, type == JSONSCAN_ARRAY ? "an array" : "an object");
}

static bool once(struct offer_savings_stream *s, bool *seen, const char *what)
{
    if (*seen) {
        cf_error_set(&s->errd, CF_EUPSTREAM, what, "the Savings Plans file has \"%s\" twice", what);
        return true;
    }
    *seen = true;
    return false;
}

static int begin_value(struct offer_savings_stream *s, const struct jsonscan_event *ev)
{
    switch (ev->depth) {
    case 0:
        return want(s, ev, JSONSCAN_OBJECT, "the document");
    case 1:
        s->section = SEC_NONE;
        if (key_is(ev, "products")) {
            if (once(s, &s->products_seen, "products"))
                return CF_EUPSTREAM;
            s->section = SEC_PRODUCTS;
            return want(s, ev, JSONSCAN_ARRAY, "products");
        }
        if (key_is(ev, "terms")) {
            if (once(s, &s->terms_seen, "terms"))
                return CF_EUPSTREAM;
            s->section = SEC_TERMS;
            return want(s, ev, JSONSCAN_OBJECT, "terms");
        }
        if (ev->type == JSONSCAN_STRING) {
            bool dup = false;
            if (key_is(ev, "version")) {
                s->section = SEC_VERSION;
                dup = once(s, &s->version_seen, "version");
            } else if (key_is(ev, "publicationDate")) {
                s->section = SEC_PUBLISHED;
                dup = once(s, &s->published_seen, "publicationDate");
            } else if (key_is(ev, "regionCode")) {
                s->section = SEC_REGION;
                dup = once(s, &s->region_seen, "regionCode");
            }
            if (dup)
                return CF_EUPSTREAM;
            if (s->section != SEC_NONE)
                return JSONSCAN_CAPTURE;
        }
        return JSONSCAN_SKIP;
    case 2:
        if (s->section == SEC_PRODUCTS) {
            if (ev->type != JSONSCAN_OBJECT)
                return cf_error_set(&s->errd, CF_EUPSTREAM, "products",
                                    "a Savings Plans product is not an object");
            return JSONSCAN_CAPTURE;
        }
        if (s->section == SEC_TERMS && key_is(ev, "savingsPlan")) {
            if (once(s, &s->sp_seen, "terms.savingsPlan"))
                return CF_EUPSTREAM;
            s->in_sp = true;
            return want(s, ev, JSONSCAN_ARRAY, "terms.savingsPlan");
        }
        return JSONSCAN_SKIP;
    case 3: {
        if (!s->in_sp)
            return JSONSCAN_SKIP;
        int r = want(s, ev, JSONSCAN_OBJECT, "a terms.savingsPlan entry");
        if (r == 0)
            r = grow(s, (void **)&s->terms, &s->cap_terms, s->n_terms, sizeof(*s->terms),
                     s->lim.max_plans, "plan terms");
        if (r)
            return r;
        s->terms[s->n_terms++] = (struct sp_term_row){.years = 0};
        s->in_term = true;
        s->term_sku_seen = s->term_lease_seen = s->term_rates_seen = false;
        return JSONSCAN_CONTINUE;
    }
    case 4:
        s->term_member = 0;
        if (!s->in_term)
            return JSONSCAN_SKIP;
        if (key_is(ev, "sku")) {
            if (once(s, &s->term_sku_seen, "terms.savingsPlan[].sku"))
                return CF_EUPSTREAM;
            s->term_member = 1;
            return ev->type == JSONSCAN_STRING ? JSONSCAN_CAPTURE : JSONSCAN_SKIP;
        }
        if (key_is(ev, "leaseContractLength")) {
            if (once(s, &s->term_lease_seen, "terms.savingsPlan[].leaseContractLength"))
                return CF_EUPSTREAM;
            s->term_member = 2;
            return ev->type == JSONSCAN_OBJECT ? JSONSCAN_CAPTURE : JSONSCAN_SKIP;
        }
        if (key_is(ev, "rates")) {
            if (once(s, &s->term_rates_seen, "terms.savingsPlan[].rates"))
                return CF_EUPSTREAM;
            s->term_member = 3;
            return want(s, ev, JSONSCAN_ARRAY, "terms.savingsPlan[].rates");
        }
        return JSONSCAN_SKIP;
    case 5:
        if (!s->in_term || s->term_member != 3)
            return JSONSCAN_SKIP;
        if (ev->type != JSONSCAN_OBJECT)
            return cf_error_set(&s->errd, CF_EUPSTREAM, "terms.savingsPlan",
                                "a Savings Plans rate is not an object");
        return JSONSCAN_CAPTURE;
    default:
        return JSONSCAN_SKIP;
    }
}

static int top_string(struct offer_savings_stream *s, const struct jsonscan_event *ev, char *dst,
                      size_t size)
{
    json_t *v = json_loadb(ev->text, ev->text_len, JSON_DECODE_ANY, NULL);
    int r = 0;
    if (!json_is_string(v))
        r = cf_error_set(&s->errd, CF_EUPSTREAM, NULL,
                         "a top-level string of the Savings Plans file does not decode");
    else
        snprintf(dst, size, "%s", json_string_value(v));
    json_decref(v);
    return r;
}

static int end_value(struct offer_savings_stream *s, const struct jsonscan_event *ev)
{
    char region[CF_REGION_LEN + 8];
    int r = 0;
    switch (ev->depth) {
    case 1:
        if (s->section == SEC_VERSION && ev->text)
            r = top_string(s, ev, s->info.version, sizeof(s->info.version));
        else if (s->section == SEC_PUBLISHED && ev->text)
            r = top_string(s, ev, s->info.published, sizeof(s->info.published));
        else if (s->section == SEC_REGION && ev->text) {
            r = top_string(s, ev, region, sizeof(region));
            if (r == 0 && strcmp(region, s->region) != 0)
                r = cf_error_set(&s->errd, CF_EUPSTREAM, "regionCode",
                                 "the Savings Plans file is for region \"%.40s\", not %s", region,
                                 s->region);
        }
        s->section = SEC_NONE;
        return r;
    case 2:
        if (s->section == SEC_PRODUCTS && ev->text)
            return on_product(s, ev->text, ev->text_len);
        if (s->section == SEC_TERMS)
            s->in_sp = false;
        return 0;
    case 3:
        s->in_term = false;
        return 0;
    case 4:
        if (s->term_member == 1 && ev->text)
            r = on_term_sku(s, ev->text, ev->text_len);
        else if (s->term_member == 2 && ev->text)
            r = on_term_lease(s, ev->text, ev->text_len);
        s->term_member = 0;
        return r;
    case 5:
        if (s->term_member == 3 && ev->text)
            return on_rate(s, ev->text, ev->text_len);
        return 0;
    default:
        return 0;
    }
}

static int scan_begin(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    struct offer_savings_stream *s = ud;
    int r = begin_value(s, ev);
    if (r < 0)
        *reterr = s->errd;
    return r;
}

static int scan_end(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    struct offer_savings_stream *s = ud;
    int r = end_value(s, ev);
    if (r < 0)
        *reterr = s->errd;
    return r;
}

static const struct jsonscan_handler scan_handler = {.begin = scan_begin, .end = scan_end};

/* ---- the stream ---- */

struct offer_savings_stream *offer_savings_stream_new(const char *region,
                                                      const struct offer_savings_limits *lim)
{
    if (!region || strlen(region) >= CF_REGION_LEN ||
        (lim && (!lim->max_entry_bytes || !lim->max_plans || !lim->max_rates || !lim->max_depth)))
        return NULL;
    struct offer_savings_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    snprintf(s->region, sizeof(s->region), "%s", region);
    s->prefix = offer_region_prefix(region);
    if (lim)
        s->lim = *lim;
    else
        offer_savings_limits_default(&s->lim);
    struct jsonscan_limits sl = {
        .max_depth = s->lim.max_depth,
        .max_key_bytes = 256,
        .max_capture_bytes = s->lim.max_entry_bytes,
    };
    s->scan = jsonscan_new(&sl, &scan_handler, s);
    if (!s->scan) {
        free(s);
        return NULL;
    }
    note_memory(s);
    return s;
}

void offer_savings_stream_free(struct offer_savings_stream *s)
{
    if (!s)
        return;
    jsonscan_free(s->scan);
    free(s->plans);
    free(s->terms);
    free(s->cands);
    free(s);
}

void offer_savings_stream_stats(const struct offer_savings_stream *s,
                                struct offer_savings_stats *ret_stats)
{
    *ret_stats = s->stats;
}

static int stream_failed(struct offer_savings_stream *s, int r, const struct cf_error *e)
{
    s->err = offer_stream_error(r, e, "Savings Plans file", &s->errd);
    return s->err;
}

int offer_savings_stream_feed(struct offer_savings_stream *s, const char *buf, size_t len)
{
    struct cf_error e = {0};
    if (s->err)
        return s->err;
    if (s->finished) {
        cf_error_set(&e, CF_EINTERNAL, NULL, "the Savings Plans stream was fed after it finished");
        return stream_failed(s, CF_EINTERNAL, &e);
    }
    s->stats.bytes += len;
    int r = jsonscan_feed(s->scan, buf, len, &e);
    note_memory(s);
    if (r)
        return stream_failed(s, r, &e);
    return 0;
}

static int plan_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sp_plan_row *)a)->sku, ((const struct sp_plan_row *)b)->sku);
}

static int cand_type_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sp_cand *)a)->type, ((const struct sp_cand *)b)->type);
}

static const char *target_name(enum sp_target t)
{
    static const char *const names[] = {"Lambda duration",
                                        "Lambda provisioned concurrency",
                                        "Lambda provisioned duration",
                                        "Fargate vCPU",
                                        "Fargate memory",
                                        "EC2"};
    return names[t];
}

/* Sets *slot to usd, or checks that it already holds that price. */
static int put_rate(struct offer_savings_stream *s, double *slot, double usd, int plan, int years,
                    int payment, const struct sp_cand *c)
{
    if (*slot == 0 || *slot == usd) {
        *slot = usd;
        return 0;
    }
    return cf_error_set(&s->errd, CF_EUPSTREAM, c->type[0] ? c->type : target_name(c->target),
                        "the %s %d-year %s Savings Plan has two %s rates for %s: %g and %g",
                        cf_sp_plan_name((enum cf_sp_plan)plan), years,
                        cf_sp_payment_name((enum cf_sp_payment)payment),
                        target_name((enum sp_target)c->target),
                        c->type[0] ? c->type : cf_arch_name((enum cf_arch)c->arch), *slot, usd);
}

/* Resolves a candidate's plan: returns 1 with *plan, *t and *payment set, or 0 to leave it. */
static int resolve(struct offer_savings_stream *s, const struct sp_cand *c, int *plan, int *t,
                   int *payment, int *years)
{
    const struct sp_term_row *term = &s->terms[c->term];
    const struct sp_plan_row *p =
        s->n_plans && term->sku[0]
            ? bsearch(term->sku, s->plans, s->n_plans, sizeof(*s->plans), plan_cmp)
            : NULL;
    if (!p) {
        s->stats.rates_without_plan++;
        return 0;
    }
    int y = p->years ? p->years : term->years;
    if (cf_sp_term_index(y) < 0 || (p->plan == CF_SP_EC2_INSTANCE && c->target != T_EC2)) {
        s->stats.rates_without_plan++;
        return 0;
    }
    *plan = p->plan;
    *t = cf_sp_term_index(y);
    *payment = p->payment;
    *years = y;
    return 1;
}

int offer_savings_stream_finish(struct offer_savings_stream *s, struct region_rates *ret,
                                struct cf_error *reterr)
{
    struct region_rates out;
    memset(&out, 0, sizeof(out));
    struct cf_error e = {0};
    int r;

    if (s->finished && !s->err) {
        cf_error_set(&e, CF_EINTERNAL, NULL, "the Savings Plans stream was already finished");
        stream_failed(s, CF_EINTERNAL, &e);
    }
    s->finished = true;
    if (s->err)
        goto fail;
    if ((r = jsonscan_finish(s->scan, &e))) {
        stream_failed(s, r, &e);
        goto fail;
    }
    if (!s->products_seen || !s->sp_seen) {
        s->err = cf_error_set(&s->errd, CF_EUPSTREAM, s->products_seen ? "terms" : "products",
                              "the Savings Plans file has no %s array",
                              s->products_seen ? "terms.savingsPlan" : "products");
        goto fail;
    }
    if (s->n_plans)
        qsort(s->plans, s->n_plans, sizeof(*s->plans), plan_cmp);
    for (size_t i = 1; i < s->n_plans; i++) {
        if (strcmp(s->plans[i - 1].sku, s->plans[i].sku) == 0) {
            s->err = cf_error_set(&s->errd, CF_EUPSTREAM, s->plans[i].sku,
                                  "Savings Plan product %s is in products twice", s->plans[i].sku);
            goto fail;
        }
    }

    /* Lambda and Fargate rates into their plans' slots. */
    size_t n_ec2 = 0;
    for (size_t i = 0; i < s->n_cands; i++) {
        struct sp_cand *c = &s->cands[i];
        int plan, t, pay, years;
        if (c->target == T_EC2) {
            s->cands[n_ec2++] = *c; /* kept for the pass below */
            continue;
        }
        if (!resolve(s, c, &plan, &t, &pay, &years))
            continue;
        struct sp_rates *sp = &out.savings[plan][t][pay];
        double *slot = NULL;
        switch ((enum sp_target)c->target) {
        case T_LAMBDA_DURATION:
            slot = &sp->lambda[c->arch].duration_gb_s_usd;
            break;
        case T_LAMBDA_PROVISIONED:
            slot = &sp->lambda[c->arch].provisioned_gb_s_usd;
            break;
        case T_LAMBDA_PROVISIONED_DURATION:
            slot = &sp->lambda[c->arch].provisioned_duration_gb_s_usd;
            break;
        case T_FARGATE_VCPU:
            slot = &sp->fargate[c->arch].vcpu_hour_usd;
            break;
        default:
            slot = &sp->fargate[c->arch].gb_hour_usd;
            break;
        }
        if ((r = put_rate(s, slot, c->usd, plan, years, pay, c))) {
            s->err = r;
            goto fail;
        }
        sp->has = true;
        s->stats.kept++;
    }

    /* EC2 rates, one row per instance type. */
    if (n_ec2)
        qsort(s->cands, n_ec2, sizeof(*s->cands), cand_type_cmp);
    for (size_t i = 0; i < n_ec2; i++) {
        const struct sp_cand *c = &s->cands[i];
        int plan, t, pay, years;
        if (!resolve(s, c, &plan, &t, &pay, &years))
            continue;
        if (!out.n_sp_ec2 || strcmp(out.sp_ec2[out.n_sp_ec2 - 1].type, c->type) != 0) {
            struct sp_ec2_rate *p = realloc(out.sp_ec2, (out.n_sp_ec2 + 1) * sizeof(*p));
            if (!p) {
                s->err = cf_error_set(&s->errd, CF_ENOMEM, NULL, "out of memory");
                goto fail;
            }
            out.sp_ec2 = p;
            memset(&p[out.n_sp_ec2], 0, sizeof(*p));
            snprintf(p[out.n_sp_ec2].type, sizeof(p->type), "%s", c->type);
            out.n_sp_ec2++;
        }
        struct sp_ec2_rate *row = &out.sp_ec2[out.n_sp_ec2 - 1];
        if ((r = put_rate(s, &row->usd_per_hour[plan][t][pay], c->usd, plan, years, pay, c))) {
            s->err = r;
            goto fail;
        }
        out.savings[plan][t][pay].has = true;
        s->stats.kept++;
    }

    for (int p = 0; p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++)
                memcpy(&ret->savings[p][t][pay], &out.savings[p][t][pay], sizeof(struct sp_rates));
    ret->sp_ec2 = out.sp_ec2;
    ret->n_sp_ec2 = out.n_sp_ec2;
    ret->info[CF_OFFER_SAVINGS_PLANS] = s->info;
    return 0;

fail:
    free(out.sp_ec2);
    if (reterr)
        *reterr = s->errd;
    return s->err;
}

/* ---- the region index: {"regions": [{"regionCode", "versionUrl"}, ...]} ---- */

static const char *index_sp_check(const json_t *index)
{
    return json_is_array(json_object_get(index, "regions")) ? NULL : "no \"regions\" array";
}

static int index_sp_region_path(const json_t *index, const char *region, const char **ret_path,
                                struct cf_error *reterr)
{
    const json_t *regions = json_object_get(index, "regions");
    const char *found = NULL;
    for (size_t i = 0; i < json_array_size(regions); i++) {
        const json_t *e = json_array_get(regions, i);
        const char *code = str(e, "regionCode");
        if (!code || strcmp(code, region) != 0)
            continue;
        const char *path = str(e, "versionUrl");
        if (!path)
            return cf_error_set(reterr, CF_EUPSTREAM, region,
                                "the Savings Plans region index has no versionUrl for %s", region);
        if (found && strcmp(found, path) != 0)
            return cf_error_set(reterr, CF_EUPSTREAM, region,
                                "the Savings Plans region index lists %s twice", region);
        found = path;
    }
    *ret_path = found; /* NULL: no Savings Plans in this region */
    return 0;
}

const struct offer_index_layout offer_index_sp = {
    .check = index_sp_check,
    .region_path = index_sp_region_path,
};

/* ---- the descriptor ---- */

static int sp_open(const struct offer_ctx *ctx, const char *region, void **ret,
                   struct cf_error *reterr)
{
    struct offer_savings_limits lim;
    offer_savings_limits_default(&lim);
    lim.max_entry_bytes = (size_t)ctx->cfg->ec2_max_entry_bytes;
    struct offer_savings_stream *s = offer_savings_stream_new(region, &lim);
    if (!s)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory");
    *ret = s;
    return 0;
}

static int sp_feed(void *stream, const char *buf, size_t len)
{
    return offer_savings_stream_feed(stream, buf, len);
}

static int sp_finish(void *stream, struct region_rates *ret, unsigned *ret_missing,
                     struct cf_error *reterr)
{
    *ret_missing = 0; /* the file replaces the region's Savings Plans rates wholesale */
    return offer_savings_stream_finish(stream, ret, reterr);
}

static void sp_free_stream(void *stream)
{
    offer_savings_stream_free(stream);
}

static const struct offer_stream_ops sp_stream_ops = {
    .open = sp_open,
    .feed = sp_feed,
    .finish = sp_finish,
    .free_stream = sp_free_stream,
};

static long sp_interval(const struct cf_config *cfg)
{
    return cfg->ec2_refresh_interval_s;
}

static uint64_t sp_max_bytes(const struct cf_config *cfg)
{
    return (uint64_t)cfg->fetch_max_ec2_bytes;
}

static const struct ec2_instance *instance_of(const struct region_rates *rr, const char *type)
{
    for (size_t i = 0; i < rr->n_instances; i++)
        if (strcmp(rr->instances[i].type, type) == 0)
            return &rr->instances[i];
    return NULL;
}

static bool ec2_row_empty(const struct sp_ec2_rate *e)
{
    for (int p = 0; p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++)
                if (e->usd_per_hour[p][t][pay] > 0)
                    return false;
    return true;
}

/* Recomputes each plan's `has` and the offer's, from the rates the region holds. */
static void sp_settle(struct region_rates *rr)
{
    bool any = false;
    for (int p = 0; p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++) {
                struct sp_rates *sp = &rr->savings[p][t][pay];
                bool has = false;
                for (int a = 0; a < CF_ARCH_COUNT; a++)
                    has = has || sp->lambda[a].duration_gb_s_usd > 0 ||
                          sp->lambda[a].provisioned_gb_s_usd > 0 ||
                          sp->lambda[a].provisioned_duration_gb_s_usd > 0 ||
                          sp->fargate[a].vcpu_hour_usd > 0 || sp->fargate[a].gb_hour_usd > 0;
                for (size_t i = 0; !has && i < rr->n_sp_ec2; i++)
                    has = rr->sp_ec2[i].usd_per_hour[p][t][pay] > 0;
                sp->has = has;
                any = any || has;
            }
    rr->has[CF_OFFER_SAVINGS_PLANS] = any;
}

/* The file's rates replace the region's; EC2 rates only for the region's on-demand types. */
static int sp_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                    struct cf_error *reterr)
{
    (void)missing;
    (void)reterr;
    size_t n = 0;
    for (size_t i = 0; i < p->n_sp_ec2; i++)
        if (instance_of(rr, p->sp_ec2[i].type))
            p->sp_ec2[n++] = p->sp_ec2[i];
    free(rr->sp_ec2);
    rr->sp_ec2 = n ? p->sp_ec2 : NULL;
    rr->n_sp_ec2 = n;
    if (!n)
        free(p->sp_ec2);
    p->sp_ec2 = NULL;
    p->n_sp_ec2 = 0;
    memcpy(rr->savings, p->savings, sizeof(rr->savings));
    sp_settle(rr);
    return 0;
}

static void plan_label(char *out, size_t cap, int p, int t, int pay, const char *what)
{
    snprintf(out, cap, "savings_plans.%s.%dyr.%s.%s", cf_sp_plan_name((enum cf_sp_plan)p),
             t ? 3 : 1, cf_sp_payment_name((enum cf_sp_payment)pay), what);
}

static unsigned sp_count_moves(const struct region_rates *old, const struct region_rates *nw,
                               double factor)
{
    unsigned moves = 0;
    char what[160];
    for (int p = 0; p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++) {
                const struct sp_rates *a = &old->savings[p][t][pay], *b = &nw->savings[p][t][pay];
                for (int arch = 0; arch < CF_ARCH_COUNT; arch++) {
                    const double pairs[5][2] = {
                        {a->lambda[arch].duration_gb_s_usd, b->lambda[arch].duration_gb_s_usd},
                        {a->lambda[arch].provisioned_gb_s_usd,
                         b->lambda[arch].provisioned_gb_s_usd},
                        {a->lambda[arch].provisioned_duration_gb_s_usd,
                         b->lambda[arch].provisioned_duration_gb_s_usd},
                        {a->fargate[arch].vcpu_hour_usd, b->fargate[arch].vcpu_hour_usd},
                        {a->fargate[arch].gb_hour_usd, b->fargate[arch].gb_hour_usd},
                    };
                    static const char *const names[5] = {"lambda.duration", "lambda.provisioned",
                                                         "lambda.provisioned_duration",
                                                         "fargate.vcpu_hour", "fargate.gb_hour"};
                    for (int k = 0; k < 5; k++) {
                        char n2[64];
                        snprintf(n2, sizeof(n2), "%s.%s", names[k],
                                 cf_arch_name((enum cf_arch)arch));
                        plan_label(what, sizeof(what), p, t, pay, n2);
                        offer_kind_compare_rate(pairs[k][0], pairs[k][1], factor, nw->code, what,
                                                &moves);
                    }
                }
                /* Both lists are sorted by type (the stream's, and rates_finish()'s). */
                for (size_t i = 0, j = 0; i < nw->n_sp_ec2 && j < old->n_sp_ec2;) {
                    int c = strcmp(nw->sp_ec2[i].type, old->sp_ec2[j].type);
                    if (c == 0) {
                        plan_label(what, sizeof(what), p, t, pay, nw->sp_ec2[i].type);
                        offer_kind_compare_rate(old->sp_ec2[j].usd_per_hour[p][t][pay],
                                                nw->sp_ec2[i].usd_per_hour[p][t][pay], factor,
                                                nw->code, what, &moves);
                    }
                    i += c <= 0;
                    j += c >= 0;
                }
            }
    return moves;
}

/* /pricing: "plans", the plans with rates ("compute/3yr/all_upfront"), and "ec2_instance_types",
 * how many instance types have Savings Plans rates. */
static int sp_status(const struct region_rates *rr, json_t *entry)
{
    json_t *plans = json_array();
    for (int p = 0; plans && p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; plans && t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; plans && pay < CF_SP_PAYMENT_COUNT; pay++) {
                if (!rr->savings[p][t][pay].has)
                    continue;
                char label[64];
                snprintf(label, sizeof(label), "%s/%dyr/%s", cf_sp_plan_name((enum cf_sp_plan)p),
                         t ? 3 : 1, cf_sp_payment_name((enum cf_sp_payment)pay));
                if (json_array_append_new(plans, json_string(label))) {
                    json_decref(plans);
                    plans = NULL;
                }
            }
    if (!plans || json_object_set_new(entry, "plans", plans) ||
        json_object_set_new(entry, "ec2_instance_types", json_integer((json_int_t)rr->n_sp_ec2)))
        return -1;
    return 0;
}

/* ---- the rates document's section ----
 *
 * "savings_plans": {"plans": [{"plan": "compute", "term_years": 3, "payment": "all_upfront",
 *     "lambda": {"x86_64": {"duration_gb_second_usd": n|null,
 *                           "provisioned_concurrency_gb_second_usd": n|null,
 *                           "provisioned_duration_gb_second_usd": n|null} | null, "arm64": ..},
 *     "fargate": {"x86_64": {"vcpu_hour_usd": n|null, "gb_hour_usd": n|null} | null, ..},
 *     "ec2": [{"instance_type": "g5.xlarge", "usd_per_hour": n}, ...]}, ...]}
 * One entry per plan with rates, in plan, term, payment order; "lambda" and "fargate" are null
 * on an EC2 Instance Savings Plan. Written only for a region with Savings Plans rates. */

static json_t *num_or_null(double v)
{
    return v > 0 ? rates_doc_number(v) : json_null();
}

static json_t *plan_json(const struct region_rates *rr, int p, int t, int pay)
{
    const struct sp_rates *sp = &rr->savings[p][t][pay];
    json_t *lambda = json_null(), *fargate = json_null(), *ec2 = json_array();
    if (p == CF_SP_COMPUTE) {
        lambda = json_object();
        fargate = json_object();
        for (int a = 0; lambda && fargate && a < CF_ARCH_COUNT; a++) {
            const struct sp_lambda_rates *l = &sp->lambda[a];
            const struct fargate_rates *f = &sp->fargate[a];
            json_t *lj = l->duration_gb_s_usd > 0 || l->provisioned_gb_s_usd > 0 ||
                                 l->provisioned_duration_gb_s_usd > 0
                             ? json_pack("{s:o, s:o, s:o}", "duration_gb_second_usd",
                                         num_or_null(l->duration_gb_s_usd),
                                         "provisioned_concurrency_gb_second_usd",
                                         num_or_null(l->provisioned_gb_s_usd),
                                         "provisioned_duration_gb_second_usd",
                                         num_or_null(l->provisioned_duration_gb_s_usd))
                             : json_null();
            json_t *fj =
                f->vcpu_hour_usd > 0 || f->gb_hour_usd > 0
                    ? json_pack("{s:o, s:o}", "vcpu_hour_usd", num_or_null(f->vcpu_hour_usd),
                                "gb_hour_usd", num_or_null(f->gb_hour_usd))
                    : json_null();
            json_object_set_new(lambda, cf_arch_name((enum cf_arch)a), lj);
            json_object_set_new(fargate, cf_arch_name((enum cf_arch)a), fj);
        }
    }
    for (size_t i = 0; ec2 && i < rr->n_sp_ec2; i++) {
        double usd = rr->sp_ec2[i].usd_per_hour[p][t][pay];
        if (usd > 0 &&
            json_array_append_new(ec2, json_pack("{s:s, s:o}", "instance_type", rr->sp_ec2[i].type,
                                                 "usd_per_hour", rates_doc_number(usd)))) {
            json_decref(ec2);
            ec2 = NULL;
        }
    }
    return json_pack("{s:s, s:i, s:s, s:o, s:o, s:o}", "plan", cf_sp_plan_name((enum cf_sp_plan)p),
                     "term_years", t ? 3 : 1, "payment",
                     cf_sp_payment_name((enum cf_sp_payment)pay), "lambda", lambda, "fargate",
                     fargate, "ec2", ec2);
}

static json_t *sp_to_json(const struct region_rates *rr)
{
    json_t *plans = json_array();
    for (int p = 0; plans && p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; plans && t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; plans && pay < CF_SP_PAYMENT_COUNT; pay++) {
                if (rr->savings[p][t][pay].has &&
                    json_array_append_new(plans, plan_json(rr, p, t, pay))) {
                    json_decref(plans);
                    plans = NULL;
                }
            }
    return plans ? json_pack("{s:o}", "plans", plans) : NULL;
}

/* Reads a rate that may be null (0: none). */
static int get_rate(const json_t *obj, const char *key, const char *path, double *ret,
                    struct cf_error *reterr)
{
    const json_t *v = NULL;
    int r = rates_doc_get_present(obj, key, path, &v, reterr);
    if (r < 0 || json_is_null(v))
        return r;
    return rates_doc_get_number(obj, key, path, ret, reterr);
}

static int archs_from_json(const json_t *obj, const char *path, struct sp_rates *sp, bool lambda,
                           struct cf_error *reterr)
{
    static const char *const arch_keys[] = {"x86_64", "arm64", NULL};
    static const char *const lkeys[] = {"duration_gb_second_usd",
                                        "provisioned_concurrency_gb_second_usd",
                                        "provisioned_duration_gb_second_usd", NULL};
    static const char *const fkeys[] = {"vcpu_hour_usd", "gb_hour_usd", NULL};
    char apath[RATES_DOC_PATH_LEN];
    if (!json_is_object(obj))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object or null, got %s.", path,
                            rates_doc_kind(obj));
    int r = rates_doc_check_keys(obj, arch_keys, path, reterr);
    for (int a = 0; r == 0 && a < CF_ARCH_COUNT; a++) {
        const json_t *v = NULL;
        r = rates_doc_get_object(obj, cf_arch_name((enum cf_arch)a), path, true, &v, reterr);
        if (r < 0 || json_is_null(v))
            continue;
        rates_doc_path_key(apath, path, cf_arch_name((enum cf_arch)a));
        r = rates_doc_check_keys(v, lambda ? lkeys : fkeys, apath, reterr);
        if (lambda) {
            struct sp_lambda_rates *l = &sp->lambda[a];
            if (r == 0)
                r = get_rate(v, lkeys[0], apath, &l->duration_gb_s_usd, reterr);
            if (r == 0)
                r = get_rate(v, lkeys[1], apath, &l->provisioned_gb_s_usd, reterr);
            if (r == 0)
                r = get_rate(v, lkeys[2], apath, &l->provisioned_duration_gb_s_usd, reterr);
        } else {
            if (r == 0)
                r = get_rate(v, fkeys[0], apath, &sp->fargate[a].vcpu_hour_usd, reterr);
            if (r == 0)
                r = get_rate(v, fkeys[1], apath, &sp->fargate[a].gb_hour_usd, reterr);
        }
    }
    return r;
}

static int enum_from(const char *s, const char *(*name)(int), int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, name(i)) == 0)
            return i;
    return -1;
}

static const char *plan_name_i(int i)
{
    return cf_sp_plan_name((enum cf_sp_plan)i);
}

static const char *payment_name_i(int i)
{
    return cf_sp_payment_name((enum cf_sp_payment)i);
}

static int ec2_from_json(const json_t *arr, const char *path, struct region_rates *rr, int p, int t,
                         int pay, struct cf_error *reterr)
{
    static const char *const keys[] = {"instance_type", "usd_per_hour", NULL};
    char ipath[RATES_DOC_PATH_LEN];
    if (!json_is_array(arr) || json_array_size(arr) > RATES_JSON_MAX_INSTANCES)
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an array of at most %d instance types.", path,
                            RATES_JSON_MAX_INSTANCES);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        struct sp_ec2_rate row;
        double usd = 0;
        memset(&row, 0, sizeof(row));
        rates_doc_path_index(ipath, path, i);
        if (!json_is_object(v))
            return cf_error_set(reterr, CF_EINVAL, ipath, "%s must be an object, got %s.", ipath,
                                rates_doc_kind(v));
        int r = rates_doc_check_keys(v, keys, ipath, reterr);
        if (r == 0)
            r = rates_doc_get_string(v, "instance_type", ipath, row.type, sizeof(row.type), reterr);
        if (r == 0)
            r = rates_doc_get_number(v, "usd_per_hour", ipath, &usd, reterr);
        if (r < 0)
            return r;
        struct sp_ec2_rate *e = NULL;
        for (size_t j = 0; j < rr->n_sp_ec2 && !e; j++)
            if (strcmp(rr->sp_ec2[j].type, row.type) == 0)
                e = &rr->sp_ec2[j];
        if (!e) {
            if (rr->n_sp_ec2 >= (size_t)RATES_JSON_MAX_INSTANCES)
                return cf_error_set(reterr, CF_EINVAL, ipath,
                                    "%s: too many instance types with Savings Plans rates.", ipath);
            e = realloc(rr->sp_ec2, (rr->n_sp_ec2 + 1) * sizeof(*e));
            if (!e)
                return cf_error_set(reterr, CF_ENOMEM, ipath, "Out of memory loading %s.", ipath);
            rr->sp_ec2 = e;
            e = &rr->sp_ec2[rr->n_sp_ec2++];
            *e = row;
        } else if (e->usd_per_hour[p][t][pay] != 0) {
            return cf_error_set(reterr, CF_EINVAL, ipath,
                                "%s repeats %s: each instance type has one rate per plan.", ipath,
                                row.type);
        }
        e->usd_per_hour[p][t][pay] = usd;
    }
    return 0;
}

static int sp_from_json(const json_t *v, const char *path, struct region_rates *rr,
                        struct cf_error *reterr)
{
    static const char *const keys[] = {"plans", NULL};
    static const char *const pkeys[] = {"plan",    "term_years", "payment", "lambda",
                                        "fargate", "ec2",        NULL};
    char ppath[RATES_DOC_PATH_LEN], sub[RATES_DOC_PATH_LEN];
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object or null, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    const json_t *plans = json_object_get(v, "plans");
    rates_doc_path_key(ppath, path, "plans");
    if (r == 0 && !json_is_array(plans))
        return cf_error_set(reterr, CF_EINVAL, ppath, "%s must be an array of plans, got %s.",
                            ppath, rates_doc_kind(plans));
    for (size_t i = 0; r == 0 && i < json_array_size(plans); i++) {
        const json_t *e = json_array_get(plans, i);
        char epath[RATES_DOC_PATH_LEN], plan[32], payment[32];
        double years = 0;
        rates_doc_path_index(epath, ppath, i);
        if (!json_is_object(e))
            return cf_error_set(reterr, CF_EINVAL, epath, "%s must be an object, got %s.", epath,
                                rates_doc_kind(e));
        r = rates_doc_check_keys(e, pkeys, epath, reterr);
        if (r == 0)
            r = rates_doc_get_string(e, "plan", epath, plan, sizeof(plan), reterr);
        if (r == 0)
            r = rates_doc_get_number(e, "term_years", epath, &years, reterr);
        if (r == 0)
            r = rates_doc_get_string(e, "payment", epath, payment, sizeof(payment), reterr);
        if (r < 0)
            return r;
        int p = enum_from(plan, plan_name_i, CF_SP_PLAN_COUNT);
        int pay = enum_from(payment, payment_name_i, CF_SP_PAYMENT_COUNT);
        int t = years == 1 ? 0 : years == 3 ? 1 : -1;
        if (p < 0 || pay < 0 || t < 0)
            return cf_error_set(reterr, CF_EINVAL, epath,
                                "%s must name a plan (compute or ec2_instance), a term_years of "
                                "1 or 3 and a payment (no_upfront, partial_upfront or "
                                "all_upfront).",
                                epath);
        struct sp_rates *sp = &rr->savings[p][t][pay];
        if (sp->has)
            return cf_error_set(reterr, CF_EINVAL, epath,
                                "%s repeats the %s %d-year %s plan: each plan appears once.", epath,
                                plan, t ? 3 : 1, payment);
        sp->has = true;
        const json_t *x = NULL;
        static const char *const parts[] = {"lambda", "fargate"};
        for (int k = 0; r == 0 && k < 2; k++) {
            r = rates_doc_get_present(e, parts[k], epath, &x, reterr);
            if (r == 0 && !json_is_null(x)) {
                rates_doc_path_key(sub, epath, parts[k]);
                r = archs_from_json(x, sub, sp, k == 0, reterr);
            }
        }
        if (r == 0)
            r = rates_doc_get_present(e, "ec2", epath, &x, reterr);
        if (r == 0) {
            rates_doc_path_key(sub, epath, "ec2");
            r = ec2_from_json(x, sub, rr, p, t, pay, reterr);
        }
    }
    return r;
}

/* Checks one rate: 0 (none), or finite, > 0 and not above the on-demand rate it discounts
 * (`od`, when known: > 0). */
static int check_sp_rate(double v, double od, const char *prefix, const char *key, const char *unit,
                         struct cf_error *reterr)
{
    char path[RATES_DOC_PATH_LEN];
    if (v == 0)
        return 0;
    int r = rates_doc_check_rate(v, prefix, key, unit, reterr);
    if (r < 0)
        return r;
    if (od > 0 && v > od) {
        rates_doc_path_key(path, prefix, key);
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s is %g, above the on-demand rate it discounts (%g): a Savings "
                            "Plans rate is never dearer.",
                            path, v, od);
    }
    return 0;
}

static int sp_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    char ppath[RATES_DOC_PATH_LEN], sub[RATES_DOC_PATH_LEN];
    int r = 0;
    bool any = false;
    for (int p = 0; p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++)
                any = any || rr->savings[p][t][pay].has;
    if (!any)
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must hold at least one plan with rates, or be left out.", path);
    for (int p = 0; p < CF_SP_PLAN_COUNT; p++)
        for (int t = 0; t < CF_SP_TERM_COUNT; t++)
            for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++) {
                const struct sp_rates *sp = &rr->savings[p][t][pay];
                snprintf(sub, sizeof(sub), "%s/%dyr/%s", cf_sp_plan_name((enum cf_sp_plan)p),
                         t ? 3 : 1, cf_sp_payment_name((enum cf_sp_payment)pay));
                rates_doc_path_key(ppath, path, sub);
                for (int a = 0; a < CF_ARCH_COUNT; a++) {
                    const struct sp_lambda_rates *l = &sp->lambda[a];
                    const struct fargate_rates *f = &sp->fargate[a];
                    bool some = l->duration_gb_s_usd != 0 || l->provisioned_gb_s_usd != 0 ||
                                l->provisioned_duration_gb_s_usd != 0 || f->vcpu_hour_usd != 0 ||
                                f->gb_hour_usd != 0;
                    if (some && (!sp->has || p != CF_SP_COMPUTE))
                        return cf_error_set(reterr, CF_EINVAL, ppath,
                                            "%s has Lambda or Fargate rates: only a Compute "
                                            "Savings Plan with rates has them.",
                                            ppath);
                    const struct lambda_rates *odl =
                        rr->has[CF_OFFER_LAMBDA] ? &rr->lambda[a] : NULL;
                    const struct fargate_rates *odf =
                        rr->has[CF_OFFER_FARGATE] ? &rr->fargate[a] : NULL;
                    char apath[RATES_DOC_PATH_LEN];
                    rates_doc_path_key(apath, ppath, cf_arch_name((enum cf_arch)a));
                    r = check_sp_rate(l->duration_gb_s_usd,
                                      odl && odl->n_tiers ? odl->gb_s_tiers[0].usd : 0, apath,
                                      "lambda.duration_gb_second_usd", "GB-second", reterr);
                    if (r == 0)
                        r = check_sp_rate(
                            l->provisioned_gb_s_usd,
                            odl && odl->has_provisioned ? odl->provisioned_gb_s_usd : 0, apath,
                            "lambda.provisioned_concurrency_gb_second_usd", "GB-second", reterr);
                    if (r == 0)
                        r = check_sp_rate(
                            l->provisioned_duration_gb_s_usd,
                            odl && odl->has_provisioned ? odl->provisioned_duration_gb_s_usd : 0,
                            apath, "lambda.provisioned_duration_gb_second_usd", "GB-second",
                            reterr);
                    if (r == 0)
                        r = check_sp_rate(f->vcpu_hour_usd, odf ? odf->vcpu_hour_usd : 0, apath,
                                          "fargate.vcpu_hour_usd", "vCPU-hour", reterr);
                    if (r == 0)
                        r = check_sp_rate(f->gb_hour_usd, odf ? odf->gb_hour_usd : 0, apath,
                                          "fargate.gb_hour_usd", "GB-hour", reterr);
                    if (r < 0)
                        return r;
                }
            }
    if (rr->n_sp_ec2 && !rr->sp_ec2)
        return cf_error_set(reterr, CF_EINVAL, path, "%s has no EC2 rates array.", path);
    for (size_t i = 0; i < rr->n_sp_ec2; i++) {
        const struct sp_ec2_rate *e = &rr->sp_ec2[i];
        snprintf(sub, sizeof(sub), "ec2[%zu]", i);
        rates_doc_path_key(ppath, path, sub);
        if (!rates_doc_name_ok(e->type, sizeof(e->type), true))
            return cf_error_set(reterr, CF_EINVAL, ppath,
                                "%s must name an instance type such as \"g5.xlarge\".", ppath);
        if (ec2_row_empty(e))
            return cf_error_set(reterr, CF_EINVAL, ppath, "%s (%s) has no rate for any plan.",
                                ppath, e->type);
        const struct ec2_instance *od = rr->has[CF_OFFER_EC2] ? instance_of(rr, e->type) : NULL;
        for (int p = 0; p < CF_SP_PLAN_COUNT; p++)
            for (int t = 0; t < CF_SP_TERM_COUNT; t++)
                for (int pay = 0; pay < CF_SP_PAYMENT_COUNT; pay++) {
                    double v = e->usd_per_hour[p][t][pay];
                    char key[96];
                    snprintf(key, sizeof(key), "%s.%s/%dyr/%s", e->type,
                             cf_sp_plan_name((enum cf_sp_plan)p), t ? 3 : 1,
                             cf_sp_payment_name((enum cf_sp_payment)pay));
                    if (v != 0 && !rr->savings[p][t][pay].has)
                        return cf_error_set(reterr, CF_EINVAL, ppath,
                                            "%s has a rate for a plan without rates.", ppath);
                    r = check_sp_rate(v, od ? od->usd_per_hour : 0, path, key, "instance-hour",
                                      reterr);
                    if (r < 0)
                        return r;
                }
    }
    return 0;
}

/* rates_finish() sorts the EC2 rates by type; rates_savings_ec2() searches them. */
static int sp_validate_sorted(const struct region_rates *rr, const char *path,
                              struct cf_error *reterr)
{
    for (size_t i = 1; i < rr->n_sp_ec2; i++)
        if (strcmp(rr->sp_ec2[i - 1].type, rr->sp_ec2[i].type) >= 0)
            return cf_error_set(reterr, CF_EINVAL, path,
                                "The Savings Plans EC2 rates of %s must be unique and sorted by "
                                "type (rates_finish() sorts them); %s is out of order.",
                                rr->code, rr->sp_ec2[i].type);
    return 0;
}

const struct offer_kind offer_kind_savings = {
    .id = CF_OFFER_SAVINGS_PLANS,
    .code = "AWSComputeSavingsPlan",
    .index_path = "/savingsPlan/v1.0/aws/AWSComputeSavingsPlan/current/region_index.json",
    .index = &offer_index_sp,
    .interval = sp_interval,
    .max_bytes = sp_max_bytes,
    .stream = &sp_stream_ops,
    .apply = sp_apply,
    .count_moves = sp_count_moves,
    .status = sp_status,
    .doc_key = "savings_plans",
    .to_json = sp_to_json,
    .from_json = sp_from_json,
    .validate = sp_validate,
    .validate_sorted = sp_validate_sorted,
};
