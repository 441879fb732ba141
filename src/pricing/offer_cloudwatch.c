/*
 * offer_cloudwatch.c - the Amazon CloudWatch offer (AmazonCloudWatch), optional: the CloudWatch
 * Logs standard-class ingestion and storage rates per region, and the "cloudwatch" section of
 * the rates document ({"logs": {"ingest_gb_usd": .., "storage_gb_month_usd": ..}}).
 *
 * The file is read whole with jansson. A rate is the one product of the region (servicecode
 * and regionCode, offer_products_next) whose usagetype is, after the region's own prefix and
 * never bare, "DataProcessing-Bytes" (ingestion, priced per "GB") or "TimedStorage-ByteHrs"
 * (storage, per "GB-Mo"), with one unbounded on-demand price (docs/price-rows.md has the rows
 * and the sources). Never bare: us-east-1 lists the current products ("USE1-DataProcessing-
 * Bytes", "USE1-TimedStorage-ByteHrs") next to legacy unprefixed ones at the same prices, and
 * reading both would price one rate twice. AWS's pricing-page feed shows the pairs in us-east-1
 * only (two rate codes at $0.50/GB and two at $0.03/GB-month, one of each labelled "Logs
 * Collected Data Ingestion" / "Stored Data"; one per rate in every other region), and
 * other projects' Price List rows name the usage types; no genuine AmazonCloudWatch offer file
 * was found. The strict prefix match (offer_usagetype_after_prefix) also keeps out the
 * look-alikes: Infrequent Access ("USE1-IA-TimedStorage-ByteHrs", "USE1-TimedStorage-IA-
 * ByteHrs"), vended logs ("USE1-VendedLog-Bytes"), centralised logs, another region's prefix. A
 * row with another unit is refused, naming it, so that a wrong guess shows in /pricing instead
 * of pricing logs from the wrong row; a $0 row is skipped; two priced rows for one rate are an
 * error. Both rates or neither: a file with neither leaves the region's rates as they are.
 */
#include "computefit/offer.h"

#include <string.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"

#define CW_MISSING_LOGS 1u

static const char *const gb_units[] = {"GB", NULL};
static const char *const gb_month_units[] = {"GB-Mo", "GB-Month", NULL};

static const struct offer_price_part cw_parts[] = {
    {"DataProcessing-Bytes", gb_units, "log ingestion", true},
    {"TimedStorage-ByteHrs", gb_month_units, "log storage", true},
};
#define CW_PARTS (sizeof(cw_parts) / sizeof(cw_parts[0]))

static int cw_parse(const struct offer_ctx *ctx, const json_t *doc, const char *region,
                    struct region_rates *ret, unsigned *ret_missing, struct cf_error *reterr)
{
    (void)ctx;
    struct offer_products it;
    double price[CW_PARTS] = {0};
    bool found = false;
    int r = offer_products_open(&it, doc, "AmazonCloudWatch", region, reterr);
    if (r == 0)
        r = offer_pick_prices(&it, cw_parts, CW_PARTS, NULL, price, &found, reterr);
    if (r)
        return r;
    ret->cloudwatch.logs_ingest_gb_usd = price[0];
    ret->cloudwatch.logs_storage_gb_month_usd = price[1];
    ret->info[CF_OFFER_CLOUDWATCH] = it.info;
    *ret_missing = found ? 0 : CW_MISSING_LOGS;
    return 0;
}

static int cw_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                    struct cf_error *reterr)
{
    (void)reterr;
    if (missing & CW_MISSING_LOGS)
        return 0;
    rr->cloudwatch = p->cloudwatch;
    rr->has[CF_OFFER_CLOUDWATCH] = true;
    return 0;
}

static unsigned cw_count_moves(const struct region_rates *old, const struct region_rates *nw,
                               double factor)
{
    unsigned moves = 0;
    offer_kind_compare_rate(old->cloudwatch.logs_ingest_gb_usd, nw->cloudwatch.logs_ingest_gb_usd,
                            factor, nw->code, "cloudwatch.logs.ingest_gb_usd", &moves);
    offer_kind_compare_rate(old->cloudwatch.logs_storage_gb_month_usd,
                            nw->cloudwatch.logs_storage_gb_month_usd, factor, nw->code,
                            "cloudwatch.logs.storage_gb_month_usd", &moves);
    return moves;
}

static json_t *cw_to_json(const struct region_rates *rr)
{
    return json_pack("{s:{s:o, s:o}}", "logs", "ingest_gb_usd",
                     rates_doc_number(rr->cloudwatch.logs_ingest_gb_usd), "storage_gb_month_usd",
                     rates_doc_number(rr->cloudwatch.logs_storage_gb_month_usd));
}

static int cw_from_json(const json_t *v, const char *path, struct region_rates *rr,
                        struct cf_error *reterr)
{
    static const char *const keys[] = {"logs", NULL};
    static const char *const logs_keys[] = {"ingest_gb_usd", "storage_gb_month_usd", NULL};
    char lpath[RATES_DOC_PATH_LEN];
    const json_t *logs = NULL;
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_object(v, "logs", path, false, &logs, reterr);
    rates_doc_path_key(lpath, path, "logs");
    if (r == 0)
        r = rates_doc_check_keys(logs, logs_keys, lpath, reterr);
    if (r == 0)
        r = rates_doc_get_number(logs, "ingest_gb_usd", lpath, &rr->cloudwatch.logs_ingest_gb_usd,
                                 reterr);
    if (r == 0)
        r = rates_doc_get_number(logs, "storage_gb_month_usd", lpath,
                                 &rr->cloudwatch.logs_storage_gb_month_usd, reterr);
    return r;
}

static int cw_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    char lpath[RATES_DOC_PATH_LEN];
    rates_doc_path_key(lpath, path, "logs");
    int r = rates_doc_check_rate(rr->cloudwatch.logs_ingest_gb_usd, lpath, "ingest_gb_usd",
                                 "GB ingested", reterr);
    if (r == 0)
        r = rates_doc_check_rate(rr->cloudwatch.logs_storage_gb_month_usd, lpath,
                                 "storage_gb_month_usd", "GB-month stored", reterr);
    return r;
}

const struct offer_kind offer_kind_cloudwatch = {
    .id = CF_OFFER_CLOUDWATCH,
    .code = "AmazonCloudWatch",
    .index_path = "/offers/v1.0/aws/AmazonCloudWatch/current/region_index.json",
    .index = &offer_index_v1_optional,
    .interval = offer_kind_refresh_interval,
    .parse = cw_parse,
    .apply = cw_apply,
    .count_moves = cw_count_moves,
    .doc_key = "cloudwatch",
    .to_json = cw_to_json,
    .from_json = cw_from_json,
    .validate = cw_validate,
};
