/*
 * fuzz_offer_ec2.c - libFuzzer target for the streamed AmazonEC2 offer-file parser
 * (offer_ec2_stream_new/feed/finish in src/pricing/offer_ec2.c), with the GPU spec table of
 * config/gpu-specs.json.
 *
 * Input: the first byte chooses the chunk split (see fuzz_chunker) and, with its top bit, tight
 * limits (entries of 4 KB, 2 rows, 2 pending prices, depth 8, 4 products); the rest is the
 * offer file. It is streamed twice, as one chunk and in fuzz-chosen chunks, for us-east-1.
 * Checked: the split changes nothing (result, message, rows, provenance, counters); an error
 * is a filled CF_E* record; rows are at most max_rows, priced above 0, sorted by price, one per
 * instance type, with the spec table's GPU figures, and fit for rates_validate().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/offer.h"
#include "fuzz.h"

static struct gpu_specs *specs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_t *doc = fuzz_load_json("config/gpu-specs.json");
    struct cf_error err = {0};
    if (gpu_specs_from_json(doc, &specs, &err) != 0)
        fuzz_fail(__FILE__, __LINE__, "specs", "gpu-specs.json: %s: %s", err.field, err.message);
    json_decref(doc);
    return 0;
}

struct result {
    int r;
    struct cf_error err;
    struct ec2_instance *gpus;
    size_t n;
    struct offer_info info;
    struct offer_ec2_stats stats;
};

static int feed(void *ctx, const char *buf, size_t n)
{
    return offer_ec2_stream_feed(ctx, buf, n);
}

static void stream(const struct offer_ec2_limits *lim, const char *doc, size_t len, uint8_t split,
                   struct result *res)
{
    struct offer_ec2_stream *s = offer_ec2_stream_new("us-east-1", specs, lim);
    FUZZ_ASSERT(s != NULL, "offer_ec2_stream_new failed");
    int fed = fuzz_feed_chunks(doc, len, split, feed, s);
    memset(&res->info, 0, sizeof(res->info));
    res->gpus = NULL;
    res->n = 0;
    res->r = offer_ec2_stream_finish(s, &res->gpus, &res->n, &res->info, &res->err);
    FUZZ_ASSERT(fed == 0 || res->r == fed, "feed said %d, finish %d", fed, res->r);
    offer_ec2_stream_stats(s, &res->stats);
    offer_ec2_stream_free(s);
}

static void check_rows(const struct result *res, const struct offer_ec2_limits *lim)
{
    FUZZ_ASSERT(res->n <= lim->max_rows, "%zu rows, limit %zu", res->n, lim->max_rows);
    FUZZ_ASSERT((res->n == 0) == (res->gpus == NULL), "rows %zu with array %p", res->n,
                (void *)res->gpus);
    for (size_t i = 0; i < res->n; i++) {
        const struct ec2_instance *g = &res->gpus[i];
        fuzz_check_str(g->type, sizeof(g->type), "type");
        fuzz_check_str(g->gpu_model, sizeof(g->gpu_model), "gpu_model");
        /* What rates_validate() demands of a row, or the refresher's whole table is refused. */
        for (const char *p = g->type; *p; p++)
            FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in type", (unsigned char)*p);
        FUZZ_ASSERT(g->vcpu > 0 && g->memory_gib > 0, "%s: vcpu %g, memory %g", g->type, g->vcpu,
                    g->memory_gib);
        FUZZ_ASSERT(isfinite(g->usd_per_hour) && g->usd_per_hour > 0, "%s at %g", g->type,
                    g->usd_per_hour);
        FUZZ_ASSERT(g->gpus >= 1, "%s has %d GPUs", g->type, g->gpus);
        FUZZ_ASSERT(isfinite(g->gpu_memory_gib) && g->gpu_memory_gib > 0, "%s gpu memory %g",
                    g->type, g->gpu_memory_gib);
        FUZZ_ASSERT(gpu_specs_family(specs, g->type) != NULL, "%s is not a GPU family", g->type);
        if (i > 0)
            FUZZ_ASSERT(res->gpus[i - 1].usd_per_hour <= g->usd_per_hour, "not sorted by price");
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(res->gpus[j].type, g->type) != 0, "%s twice", g->type);
    }
}

static bool same_row(const struct ec2_instance *a, const struct ec2_instance *b)
{
    return strcmp(a->type, b->type) == 0 && a->usd_per_hour == b->usd_per_hour &&
           a->vcpu == b->vcpu && a->memory_gib == b->memory_gib && a->gpus == b->gpus &&
           strcmp(a->gpu_model, b->gpu_model) == 0 && a->gpu_memory_gib == b->gpu_memory_gib;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct offer_ec2_limits lim;
    offer_ec2_limits_default(&lim);
    if (data[0] & 0x80) {
        lim.max_entry_bytes = 4096;
        lim.max_rows = 2;
        lim.max_pending_prices = 2;
        lim.max_depth = 8;
        lim.max_products = 4;
    }
    const char *doc = (const char *)data + 1;
    size_t len = size - 1;
    struct result whole = {0}, split = {0};
    stream(&lim, doc, len, 0, &whole);
    stream(&lim, doc, len, (uint8_t)(data[0] | 1), &split);

    FUZZ_ASSERT(whole.r == split.r, "whole %d (%s) vs split %d (%s)", whole.r, whole.err.message,
                split.r, split.err.message);
    if (whole.r != 0) {
        fuzz_check_error(whole.r, &whole.err);
        FUZZ_ASSERT(strcmp(whole.err.message, split.err.message) == 0, "%s / %s", whole.err.message,
                    split.err.message);
    } else {
        check_rows(&whole, &lim);
        FUZZ_ASSERT(whole.n == split.n, "%zu rows whole, %zu split", whole.n, split.n);
        for (size_t i = 0; i < whole.n; i++)
            FUZZ_ASSERT(same_row(&whole.gpus[i], &split.gpus[i]), "row %zu differs", i);
        FUZZ_ASSERT(strcmp(whole.info.version, split.info.version) == 0 &&
                        strcmp(whole.info.published, split.info.published) == 0,
                    "provenance differs");
        fuzz_check_str(whole.info.version, sizeof(whole.info.version), "version");
        fuzz_check_str(whole.info.published, sizeof(whole.info.published), "published");
    }
    FUZZ_ASSERT(whole.stats.products == split.stats.products &&
                    whole.stats.candidates == split.stats.candidates &&
                    whole.stats.ondemand_skus == split.stats.ondemand_skus,
                "counters differ with the split");
    free(whole.gpus);
    free(split.gpus);
    return 0;
}
