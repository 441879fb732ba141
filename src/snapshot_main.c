/*
 * snapshot_main.c - computefit-snapshot: builds a rates snapshot from AWS Price List offer files,
 * with the same fetcher, parsers and validation the live refresher uses.
 *
 * Usage: computefit-snapshot --output FILE [--base FILE] [computefit settings...]
 *   --pricing-url  base of an offer tree: https://pricing.us-east-1.amazonaws.com, a mirror, or
 *                  file:///path/to/mirror (local files laid out as offers/v1.0/aws/...)
 *   --regions      the regions to read
 *   --base FILE    start from this rates file (regions and offers the tree lacks are kept)
 *   --ec2-spot-advisor-url  the EC2 Spot Instance Advisor feed (a URL or file://); like the
 *                  service, AWS's by default: give "" to keep the base's Spot advice, which then
 *                  follows each region's new EC2 list
 * Every other computefit setting (--gpu-specs-file, --fetch-*, --ec2-max-*) applies as well,
 * except rates_url (refused: the tool reads AWS, never a replica's source).
 * Exit status: 0 written; 1 a download, parse or validation failed (nothing written);
 * 2 bad arguments.
 *
 * The file it writes is byte for byte what GET /pricing/export serves (uncompressed) for the same
 * table (both are rates_to_text()), so a fleet may follow it where object storage hosts it
 * (README, "Fleets"): rates_url = https://<bucket>/rates.json. Written atomically (rename), so a
 * reader of a local file never sees half of it.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/config.h"
#include "computefit/gpu_specs.h"
#include "computefit/log.h"
#include "computefit/rates_json.h"
#include "computefit/refresher.h"

extern char **environ;

static int fail(int status, const struct cf_error *err)
{
    fprintf(stderr, "computefit-snapshot: %s%s%s\n", err->field, err->field[0] ? ": " : "",
            err->message);
    return status;
}

int main(int argc, char **argv)
{
    const char *output = NULL, *base = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    int n_rest = 0;
    for (int i = 1; rest && i < argc; i++) {
        if (strcmp(argv[i], "--output") == 0 && i + 1 < argc)
            output = argv[++i];
        else if (strcmp(argv[i], "--base") == 0 && i + 1 < argc)
            base = argv[++i];
        else
            rest[n_rest++] = argv[i];
    }
    struct cf_config cfg;
    struct cf_error err = {0};
    int r = rest ? config_load(&cfg, n_rest, rest, environ, &err) : CF_ENOMEM;
    free(rest);
    if (r == 1)
        return 0;
    if (r != 0)
        return fail(2, &err);
    if (cfg.rates_url[0]) {
        /* It would copy a replica's source instead of reading AWS: never what is meant. */
        fprintf(stderr, "computefit-snapshot: it reads the AWS Price List (pricing_url); unset "
                        "rates_url (COMPUTEFIT_RATES_URL) for it\n");
        return 2;
    }
    if (!output) {
        fprintf(stderr, "computefit-snapshot: --output FILE is required (see the header of "
                        "src/snapshot_main.c)\n");
        return 2;
    }
    log_set_level(CF_LOG_WARN);
    json_object_seed(0);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    int status = 1;
    struct gpu_specs *specs = NULL;
    struct refresher *rf = NULL;
    struct pricing_cache *cache = pricing_cache_new();
    json_error_t jerr;
    json_t *doc = json_load_file(cfg.gpu_specs_file, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        cf_error_set(&err, CF_ECONFIG, "gpu_specs_file", "%s: %s", cfg.gpu_specs_file, jerr.text);
        status = fail(2, &err);
        goto out;
    }
    r = gpu_specs_from_json(doc, &specs, &err);
    json_decref(doc);
    if (r != 0) {
        status = fail(2, &err);
        goto out;
    }
    if (base) {
        struct rates *t = NULL;
        if (rates_load_file(base, CF_SOURCE_SNAPSHOT, &t, &err) != 0) {
            status = fail(2, &err);
            goto out;
        }
        pricing_cache_swap(cache, t);
    }
    if (refresher_new(&cfg, cache, specs, NULL, &rf, &err) != 0) {
        status = fail(2, &err);
        goto out;
    }
    /* The required offers must all be read; an optional one (Savings Plans) that the tree
     * lacks, or that fails, leaves the regions without its rates (or with --base's), as the
     * service itself would. */
    unsigned required = 0, optional = 0;
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        *(cf_offer_required((enum cf_offer)o) ? &required : &optional) |= 1u << o;
    if (refresher_run_once(rf, required, &err) != 0) {
        status = fail(1, &err);
        goto out;
    }
    if (optional && refresher_run_once(rf, optional, &err) != 0)
        fprintf(stderr, "computefit-snapshot: optional rates not read: %s\n", err.message);
    struct rates *t = pricing_cache_acquire(cache);
    r = t ? rates_save_file(t, output, &err)
          : cf_error_set(&err, CF_EUPSTREAM, NULL, "no rates were read");
    if (r == 0)
        fprintf(stderr, "computefit-snapshot: wrote %s: %zu regions\n", output, t->n_regions);
    rates_unref(t);
    status = r == 0 ? 0 : fail(1, &err);
out:
    refresher_free(rf);
    pricing_cache_free(cache);
    gpu_specs_free(specs);
    curl_global_cleanup();
    return status;
}
