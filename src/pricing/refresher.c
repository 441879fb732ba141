/*
 * refresher.c - keeps the rates current from the AWS Price List Bulk API.
 *
 * DESIGN
 * Thread: one refresher thread, started by refresher_start(). It alone uses `fetcher` (one
 * libcurl easy handle), the offer parsers, the cached region indexes (`index`) and the
 * per-region validators; none of those is shared, so none is locked.
 *
 * Cycle, per offer (AWSLambda, AmazonECS, AmazonEC2), when due:
 *   1. GET {base}/offers/v1.0/aws/{offer}/current/region_index.json, conditionally (ETag /
 *      Last-Modified): a 304 reuses the index parsed last time.
 *   2. For each configured region, its currentVersionUrl. A region whose URL is the one its
 *      rates in use came from (versioned URLs change when prices change) is not downloaded
 *      again; an unversioned URL is re-fetched conditionally, and a 304 means nothing is
 *      parsed. Lambda and ECS files (< 1 MB) are downloaded into memory and parsed with
 *      jansson; the EC2 file (~480 MB) is streamed through the EC2 parser as it arrives.
 *   3. The new table is built with NO lock held: a deep copy of the table in use with the
 *      refreshed parts replaced. It is validated (rates_validate: every region has its
 *      required rates, every price finite and > 0) and compared with the table in use: a rate
 *      that moved by more than max_price_change_factor is logged and counted, and rejects the
 *      table when strict_validation is on.
 *   4. Swapped in with pricing_cache_swap() (a brief write lock on one pointer), then written
 *      atomically to the state directory as the last known good table.
 * Fargate Spot: the Price List has no Spot rates. When fargate_spot_url is set, every Fargate
 * cycle also GETs AWS's Fargate Spot price feed (one small file for all regions) conditionally
 * with the same fetcher, keeps the last parsed feed (`spot.feed`, thread only) so that a 304
 * still prices a region added since, and reads each configured region's Spot rates from it.
 * A region (or an architecture) the feed has no complete rates for keeps what it had, none or
 * previous; Spot rates attach only to a region with on-demand Fargate rates. They go into the
 * same new table as the ECS rates, under the same validation and price-move checks. A feed
 * failure is the cycle's failure when nothing else failed: recorded in `spot` and in the
 * offer's status, the rates in use untouched.
 * A failed or rejected cycle changes nothing that requests see: the table in use stays, the
 * error is recorded for /pricing, and the offer is retried after retry_after seconds.
 *
 * Lock: `mu` guards the status fields of struct offer_state, struct region_state and struct
 * spot_state (times, errors, counters, version) and the `force`/`busy` flags; `cv` wakes the thread
 * for a trigger or for shutdown. HTTP workers take `mu` briefly to read the status (GET /pricing,
 * /metrics) and to trigger a refresh (POST /pricing/refresh). The thread never holds `mu` across
 * I/O. Shutdown: refresher_free() sets `stop` (an atomic the fetcher also watches, so downloads and
 * back-off waits end promptly), signals `cv` and joins the thread.
 */
#include "computefit/refresher.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/fetch.h"
#include "computefit/isotime.h"
#include "computefit/lock.h"
#include "computefit/log.h"
#include "computefit/rates_json.h"
#include "computefit/state.h"
#include "computefit/utf8.h"

#define URL_MAX         600
#define ERROR_MAX       300
#define REGIONS_MAX     64
#define INDEX_MAX_BYTES (4L * 1024 * 1024)
/* After a failure an offer is tried again this much sooner than its interval (at most). */
#define RETRY_AFTER_S 900

static const char *const offer_codes[CF_OFFER_COUNT] = {"AWSLambda", "AmazonECS", "AmazonEC2"};

struct region_state {
    char code[CF_REGION_LEN];
    char url[URL_MAX];                  /* the offer file last downloaded (thread only) */
    struct fetch_validators validators; /* its validators (thread only) */
    char last_error[ERROR_MAX];         /* under mu */
    int64_t last_attempt, last_success; /* under mu */
};

struct offer_state {
    json_t *index;                            /* last region_index.json (thread only) */
    struct fetch_validators index_validators; /* thread only */
    char last_error[ERROR_MAX];               /* under mu */
    int64_t last_attempt, last_success;       /* under mu */
    int64_t next_due;                         /* under mu */
    struct refresh_counts counts;             /* under mu */
    struct region_state regions[REGIONS_MAX];
};

/* The Fargate Spot price feed (see DESIGN). */
struct spot_state {
    json_t *feed;                       /* last parsed feed (thread only) */
    struct fetch_validators validators; /* its validators (thread only) */
    int64_t fetched_at;                 /* when it was downloaded (thread only) */
    char version[32];                   /* its metadata source:version (under mu) */
    char last_error[ERROR_MAX];         /* under mu */
    int64_t last_attempt, last_success; /* under mu */
};

struct refresher {
    const struct cf_config *cfg;
    struct pricing_cache *cache;
    const struct gpu_specs *specs;
    struct offer_ec2_limits ec2_limits;
    size_t n_regions;
    struct fetcher *fetcher;
    atomic_bool stop;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu; /* guards the status fields (see DESIGN), force and busy */
    pthread_cond_t cv;  /* signalled on trigger and on stop */
    bool force;
    bool busy;
    void (*on_cycle)(void *ctx); /* test hook (refresher_on_cycle); set before the thread starts */
    void *on_cycle_ctx;
    struct offer_state offers[CF_OFFER_COUNT];
    struct spot_state spot;
};

/* One region's freshly parsed rates for one offer, waiting to be applied. */
struct pending {
    bool changed;
    struct lambda_rates lambda[CF_ARCH_COUNT];
    unsigned missing;
    struct fargate_rates fargate[CF_ARCH_COUNT];
    double fargate_ephemeral;
    struct gpu_instance *gpus; /* owned */
    size_t n_gpus;
    struct offer_info info;
};

/* One region's Fargate Spot rates read from the feed, merged with the ones in use. */
struct spot_pending {
    bool changed;
    bool has[CF_ARCH_COUNT];
    struct fargate_rates rates[CF_ARCH_COUNT];
    struct offer_info info;
};

static void lock(struct refresher *rf)
{
    LOCK_CHECK(pthread_mutex_lock(&rf->mu));
}

static void unlock(struct refresher *rf)
{
    LOCK_CHECK(pthread_mutex_unlock(&rf->mu));
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static long interval_of(const struct refresher *rf, enum cf_offer o)
{
    return o == CF_OFFER_EC2 ? rf->cfg->ec2_refresh_interval_s : rf->cfg->refresh_interval_s;
}

/* Copies an error message for /pricing. A message may quote upstream text (a price, a URL) cut
 * at a byte limit, possibly inside a UTF-8 sequence, and jansson refuses a string that is not
 * valid UTF-8: the error would vanish from the status. Every byte that does not begin a complete
 * sequence becomes '?'. */
static void copy_error(char *dst, size_t cap, const char *msg)
{
    snprintf(dst, cap, "%s", msg);
    utf8_sanitize(dst);
}

/* A time for /pricing: ISO 8601, or null when unknown (0). */
static json_t *time_json(int64_t t)
{
    char buf[ISOTIME_LEN];
    return t > 0 && isotime_format(t, buf) ? json_string(buf) : json_null();
}

/* Parses the comma-separated region list into the offer states. */
static int parse_regions(struct refresher *rf, const char *list, struct cf_error *reterr)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        size_t n = (size_t)(e - p);
        if (n == 0 || n >= CF_REGION_LEN)
            return cf_error_set(reterr, CF_ECONFIG, "regions", "region code \"%.*s\" is not valid",
                                (int)n, p);
        for (size_t i = 0; i < n; i++) {
            char c = p[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return cf_error_set(reterr, CF_ECONFIG, "regions",
                                    "region code \"%.*s\" is not valid (a-z, 0-9 and '-')", (int)n,
                                    p);
        }
        if (rf->n_regions >= REGIONS_MAX)
            return cf_error_set(reterr, CF_ECONFIG, "regions", "at most %d regions", REGIONS_MAX);
        for (int o = 0; o < CF_OFFER_COUNT; o++)
            snprintf(rf->offers[o].regions[rf->n_regions].code, CF_REGION_LEN, "%.*s", (int)n, p);
        rf->n_regions++;
        p = e;
    }
    if (rf->n_regions == 0)
        return cf_error_set(reterr, CF_ECONFIG, "regions", "the region list is empty");
    return 0;
}

int refresher_new(const struct cf_config *cfg, struct pricing_cache *cache,
                  const struct gpu_specs *specs, const struct offer_ec2_limits *ec2_limits,
                  struct refresher **ret, struct cf_error *reterr)
{
    struct refresher *rf = calloc(1, sizeof(*rf));
    if (!rf)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory");
    rf->cfg = cfg;
    rf->cache = cache;
    rf->specs = specs;
    if (ec2_limits) {
        rf->ec2_limits = *ec2_limits;
    } else {
        offer_ec2_limits_default(&rf->ec2_limits);
        rf->ec2_limits.max_entry_bytes = (size_t)cfg->ec2_max_entry_bytes;
        rf->ec2_limits.max_rows = (size_t)cfg->ec2_max_rows;
        rf->ec2_limits.max_products = (uint64_t)cfg->ec2_max_products;
    }
    atomic_init(&rf->stop, false);
    LOCK_CHECK(pthread_mutex_init(&rf->mu, NULL));
    LOCK_CHECK(pthread_cond_init(&rf->cv, NULL));
    int r = parse_regions(rf, cfg->regions, reterr);
    if (r == 0) {
        struct fetch_opts fo;
        fetch_opts_defaults(&fo);
        fo.connect_timeout_ms = cfg->fetch_connect_timeout_s * 1000;
        fo.timeout_ms = cfg->fetch_timeout_s * 1000;
        fo.max_bytes = (uint64_t)cfg->fetch_max_bytes;
        fo.retries = (int)cfg->fetch_retries;
        fo.stop = &rf->stop;
        r = fetcher_new(&fo, &rf->fetcher, reterr);
    }
    if (r != 0) {
        refresher_free(rf);
        return r;
    }
    *ret = rf;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Downloading and parsing one offer                                                        */

static void base_url(const struct refresher *rf, const char *path, char out[URL_MAX])
{
    const char *base = rf->cfg->pricing_url;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    snprintf(out, URL_MAX, "%.*s%s", (int)n, base, path);
}

/* Returns the region's offer-file URL from the cached index, or an error naming why not. */
static int region_url(struct refresher *rf, const json_t *index, const char *region,
                      char out[URL_MAX], struct cf_error *reterr)
{
    const json_t *entry = json_object_get(json_object_get(index, "regions"), region);
    const char *path = json_string_value(json_object_get(entry, "currentVersionUrl"));
    if (!path)
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            "the region index has no currentVersionUrl for %s", region);
    size_t n = strlen(path);
    if (path[0] != '/' || n >= 400 || strstr(path, "..") || strpbrk(path, " \"\\\r\n\t?#"))
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            "the region index gives %s an unusable URL \"%.80s\"", region, path);
    base_url(rf, path, out);
    return 0;
}

static int fetch_index(struct refresher *rf, enum cf_offer o, struct cf_error *reterr)
{
    struct offer_state *os = &rf->offers[o];
    char url[URL_MAX], path[128];
    snprintf(path, sizeof(path), "/offers/v1.0/aws/%s/current/region_index.json", offer_codes[o]);
    base_url(rf, path, url);
    char *body = NULL;
    size_t len = 0;
    struct fetch_result res;
    int r = fetch_to_buffer(rf->fetcher, url, os->index ? &os->index_validators : NULL,
                            INDEX_MAX_BYTES, &body, &len, &res, reterr);
    if (r != 0)
        return r;
    if (res.not_modified && os->index)
        return 0;
    if (res.not_modified) /* a 304 for an index we never parsed: ask again, unconditionally */
        return cf_error_set(reterr, CF_EUPSTREAM, NULL, "GET %s: 304 without a cached copy", url);
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    free(body);
    if (!doc || !json_is_object(json_object_get(doc, "regions"))) {
        json_decref(doc);
        return cf_error_set(reterr, CF_EUPSTREAM, NULL, "GET %s: not a region index (%s)", url,
                            doc ? "no \"regions\" object" : jerr.text);
    }
    json_decref(os->index);
    os->index = doc;
    os->index_validators = res.validators;
    return 0;
}

static int parse_small(struct refresher *rf, enum cf_offer o, const char *region, const char *body,
                       size_t len, struct pending *p, struct cf_error *reterr)
{
    (void)rf;
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return cf_error_set(reterr, CF_EUPSTREAM, region, "the %s offer file is not JSON: %s",
                            offer_codes[o], jerr.text);
    int r;
    if (o == CF_OFFER_LAMBDA)
        r = offer_lambda_parse(doc, region, p->lambda, &p->missing, &p->info, reterr);
    else
        r = offer_ecs_parse(doc, region, p->fargate, &p->fargate_ephemeral, &p->missing, &p->info,
                            reterr);
    json_decref(doc);
    return r;
}

struct ec2_sink {
    struct refresher *rf;
    const char *region;
    struct offer_ec2_stream *stream;
    int feed_error; /* the parser refused the stream: its detail comes from finish() */
};

static int ec2_write(void *ctx, const char *data, size_t len)
{
    struct ec2_sink *s = ctx;
    int r = offer_ec2_stream_feed(s->stream, data, len);
    if (r != 0)
        s->feed_error = r;
    return r;
}

static int ec2_reset(void *ctx)
{
    struct ec2_sink *s = ctx;
    offer_ec2_stream_free(s->stream);
    s->stream = offer_ec2_stream_new(s->region, s->rf->specs, &s->rf->ec2_limits);
    s->feed_error = 0;
    return s->stream ? 0 : CF_ENOMEM;
}

/* Downloads and parses one region's offer file into *p. Sets p->changed unless the file was
 * unchanged (same versioned URL as the rates in use, or a 304). */
static int refresh_region(struct refresher *rf, enum cf_offer o, struct region_state *rs,
                          const struct region_rates *cur, const char *url, struct pending *p,
                          struct cf_error *reterr)
{
    if (cur && cur->has[o] && strcmp(cur->info[o].origin, url) == 0 &&
        cur->info[o].source != CF_SOURCE_SNAPSHOT && strstr(url, "/current/") == NULL)
        return 0; /* a versioned URL we already have: prices have not changed */
    const struct fetch_validators *have = strcmp(rs->url, url) == 0 ? &rs->validators : NULL;
    struct fetch_result res;
    int r;
    if (o == CF_OFFER_EC2) {
        if (!rf->specs)
            return cf_error_set(reterr, CF_ECONFIG, "gpu_specs_file", "no GPU spec table");
        struct ec2_sink sink = {rf, rs->code, NULL, 0};
        if (ec2_reset(&sink) != 0)
            return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory");
        struct fetch_sink fs = {ec2_write, ec2_reset, &sink};
        r = fetch_to_sink(rf->fetcher, url, have, (uint64_t)rf->cfg->fetch_max_ec2_bytes, &fs, &res,
                          reterr);
        if (r == 0 && !res.not_modified) {
            r = offer_ec2_stream_finish(sink.stream, &p->gpus, &p->n_gpus, &p->info, reterr);
        } else if (r != 0 && sink.feed_error && sink.stream) {
            /* The parser stopped the download: its own message says why. */
            struct gpu_instance *g = NULL;
            size_t n = 0;
            offer_ec2_stream_finish(sink.stream, &g, &n, NULL, reterr);
            free(g);
            r = sink.feed_error;
        }
        offer_ec2_stream_free(sink.stream);
    } else {
        char *body = NULL;
        size_t len = 0;
        r = fetch_to_buffer(rf->fetcher, url, have, 0, &body, &len, &res, reterr);
        if (r == 0 && !res.not_modified)
            r = parse_small(rf, o, rs->code, body, len, p, reterr);
        free(body);
    }
    if (r != 0)
        return r;
    snprintf(rs->url, sizeof(rs->url), "%s", url);
    rs->validators = res.validators;
    if (res.not_modified)
        return 0;
    p->changed = true;
    p->info.source = CF_SOURCE_LIVE;
    p->info.fetched_at = now_s();
    snprintf(p->info.origin, sizeof(p->info.origin), "%s", url);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Building, checking and swapping the new table                                            */

static struct region_rates *region_in(struct rates *t, const char *code)
{
    for (size_t i = 0; i < t->n_regions; i++)
        if (strcmp(t->regions[i].code, code) == 0)
            return &t->regions[i];
    return NULL;
}

/* Applies one region's pending rates; missing optional parts keep the values in use. */
static int apply(enum cf_offer o, struct region_rates *rr, struct pending *p,
                 struct cf_error *reterr)
{
    bool had = rr->has[o];
    switch (o) {
    case CF_OFFER_LAMBDA:
        for (int a = 0; a < CF_ARCH_COUNT; a++) {
            unsigned req =
                a == CF_ARCH_X86_64 ? OFFER_LAMBDA_REQUESTS_X86 : OFFER_LAMBDA_REQUESTS_ARM;
            unsigned dur =
                a == CF_ARCH_X86_64 ? OFFER_LAMBDA_DURATION_X86 : OFFER_LAMBDA_DURATION_ARM;
            unsigned sto =
                a == CF_ARCH_X86_64 ? OFFER_LAMBDA_STORAGE_X86 : OFFER_LAMBDA_STORAGE_ARM;
            struct lambda_rates l = p->lambda[a];
            if ((p->missing & (req | dur | sto)) && !had)
                return cf_error_set(reterr, CF_EUPSTREAM, rr->code,
                                    "the Lambda offer has no %s rates for %s and none are in use",
                                    cf_arch_name((enum cf_arch)a), rr->code);
            if (p->missing & req)
                l.request_usd = rr->lambda[a].request_usd;
            if (p->missing & dur) {
                memcpy(l.gb_s_tiers, rr->lambda[a].gb_s_tiers, sizeof(l.gb_s_tiers));
                l.n_tiers = rr->lambda[a].n_tiers;
            }
            if (p->missing & sto)
                l.ephemeral_gb_s_usd = rr->lambda[a].ephemeral_gb_s_usd;
            rr->lambda[a] = l;
        }
        break;
    case CF_OFFER_FARGATE:
        if ((p->missing & (OFFER_ECS_VCPU_ARM | OFFER_ECS_GB_ARM | OFFER_ECS_EPHEMERAL)) && !had)
            return cf_error_set(reterr, CF_EUPSTREAM, rr->code,
                                "the ECS offer lacks Fargate rates for %s and none are in use",
                                rr->code);
        if (p->missing & OFFER_ECS_VCPU_ARM)
            p->fargate[CF_ARCH_ARM64].vcpu_hour_usd = rr->fargate[CF_ARCH_ARM64].vcpu_hour_usd;
        if (p->missing & OFFER_ECS_GB_ARM)
            p->fargate[CF_ARCH_ARM64].gb_hour_usd = rr->fargate[CF_ARCH_ARM64].gb_hour_usd;
        if (p->missing & OFFER_ECS_EPHEMERAL)
            p->fargate_ephemeral = rr->fargate_ephemeral_gb_hour_usd;
        memcpy(rr->fargate, p->fargate, sizeof(rr->fargate));
        rr->fargate_ephemeral_gb_hour_usd = p->fargate_ephemeral;
        break;
    case CF_OFFER_EC2:
        free(rr->gpus);
        rr->gpus = p->gpus;
        rr->n_gpus = p->n_gpus;
        p->gpus = NULL;
        p->n_gpus = 0;
        break;
    default:
        break;
    }
    rr->has[o] = o != CF_OFFER_EC2 || rr->n_gpus > 0;
    rr->info[o] = p->info;
    return 0;
}

/* Compares one rate with the one in use; logs and counts a move past the factor. */
static void compare_rate(double before, double after, double factor, const char *region,
                         const char *what, unsigned *moves)
{
    if (!(before > 0) || !(after > 0))
        return;
    double ratio = after / before;
    if (ratio <= factor && ratio >= 1.0 / factor)
        return;
    (*moves)++;
    LOG_FIELDS(CF_LOG_WARN, "rate_moved", LOGF_S("region", region), LOGF_S("rate", what),
               LOGF_N("before", before), LOGF_N("after", after), LOGF_N("factor", ratio));
}

static unsigned count_moves(enum cf_offer o, const struct region_rates *old,
                            const struct region_rates *nw, double factor)
{
    unsigned moves = 0;
    if (!old || !old->has[o] || !nw->has[o])
        return 0;
    const char *rg = nw->code;
    if (o == CF_OFFER_LAMBDA) {
        for (int a = 0; a < CF_ARCH_COUNT; a++) {
            compare_rate(old->lambda[a].request_usd, nw->lambda[a].request_usd, factor, rg,
                         "lambda.request_usd", &moves);
            compare_rate(old->lambda[a].gb_s_tiers[0].usd, nw->lambda[a].gb_s_tiers[0].usd, factor,
                         rg, "lambda.gb_second_usd", &moves);
            compare_rate(old->lambda[a].ephemeral_gb_s_usd, nw->lambda[a].ephemeral_gb_s_usd,
                         factor, rg, "lambda.ephemeral_gb_second_usd", &moves);
        }
    } else if (o == CF_OFFER_FARGATE) {
        for (int a = 0; a < CF_ARCH_COUNT; a++) {
            compare_rate(old->fargate[a].vcpu_hour_usd, nw->fargate[a].vcpu_hour_usd, factor, rg,
                         "fargate.vcpu_hour_usd", &moves);
            compare_rate(old->fargate[a].gb_hour_usd, nw->fargate[a].gb_hour_usd, factor, rg,
                         "fargate.gb_hour_usd", &moves);
        }
        compare_rate(old->fargate_ephemeral_gb_hour_usd, nw->fargate_ephemeral_gb_hour_usd, factor,
                     rg, "fargate.ephemeral_gb_hour_usd", &moves);
    } else {
        for (size_t i = 0; i < nw->n_gpus; i++)
            for (size_t j = 0; j < old->n_gpus; j++)
                if (strcmp(nw->gpus[i].type, old->gpus[j].type) == 0)
                    compare_rate(old->gpus[j].usd_per_hour, nw->gpus[i].usd_per_hour, factor, rg,
                                 nw->gpus[i].type, &moves);
    }
    return moves;
}

static bool same_spot(const struct region_rates *cr, const struct spot_pending *p)
{
    if (strcmp(cr->fargate_spot_info.version, p->info.version) != 0)
        return false;
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        if (cr->has_fargate_spot[a] != p->has[a])
            return false;
        if (p->has[a] && (cr->fargate_spot[a].vcpu_hour_usd != p->rates[a].vcpu_hour_usd ||
                          cr->fargate_spot[a].gb_hour_usd != p->rates[a].gb_hour_usd))
            return false;
    }
    return true;
}

/* Downloads the Fargate Spot feed (conditionally) and reads every configured region's rates
 * into sp[], merged with the rates in use (`cur`, borrowed, may be NULL); `pend` says which
 * regions this cycle's ECS refresh adds or changes. Sets *ret_changed to the number of regions
 * whose Spot rates differ from the ones in use. Returns 0, or the download's or the first
 * region's error (the other regions are still read). */
static int refresh_spot(struct refresher *rf, const struct rates *cur, const struct pending *pend,
                        struct spot_pending sp[], size_t *ret_changed, struct cf_error *reterr)
{
    struct spot_state *ss = &rf->spot;
    const char *url = rf->cfg->fargate_spot_url;
    const struct offer_state *os = &rf->offers[CF_OFFER_FARGATE];
    char *body = NULL;
    size_t len = 0, changed = 0;
    struct fetch_result res;
    int64_t started = now_s();
    lock(rf);
    ss->last_attempt = started;
    unlock(rf);

    int r = fetch_to_buffer(rf->fetcher, url, ss->feed ? &ss->validators : NULL, 0, &body, &len,
                            &res, reterr);
    if (r == 0 && !res.not_modified) {
        json_error_t jerr;
        json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
            r = cf_error_set(reterr, CF_EUPSTREAM, NULL,
                             "GET %s: the Fargate Spot feed is not JSON: %s", url, jerr.text);
        } else {
            json_decref(ss->feed);
            ss->feed = doc;
            ss->validators = res.validators;
            ss->fetched_at = started;
        }
    } else if (r == 0 && !ss->feed) {
        r = cf_error_set(reterr, CF_EUPSTREAM, NULL, "GET %s: 304 without a cached copy", url);
    }
    free(body);
    if (r == 0) {
        const char *v = json_string_value(
            json_object_get(json_object_get(ss->feed, "metadata"), "source:version"));
        lock(rf);
        snprintf(ss->version, sizeof(ss->version), "%.31s", v ? v : "");
        unlock(rf);
    }

    bool fetched = r == 0;
    for (size_t i = 0; fetched && i < rf->n_regions; i++) {
        const char *code = os->regions[i].code;
        struct spot_pending *p = &sp[i];
        struct cf_error e = {0};
        int pr = offer_spot_parse(ss->feed, code, p->rates, p->has, &p->info, &e);
        if (pr != 0) {
            LOG_FIELDS(CF_LOG_WARN, "refresh_spot_region_failed", LOGF_S("region", code),
                       LOGF_S("message", e.message));
            if (r == 0) {
                r = pr;
                *reterr = e;
            }
            memset(p, 0, sizeof(*p));
            continue;
        }
        const struct region_rates *cr = cur ? rates_region(cur, code) : NULL;
        bool fargate = (cr && cr->has[CF_OFFER_FARGATE]) || pend[i].changed;
        if (!fargate || (!p->has[CF_ARCH_X86_64] && !p->has[CF_ARCH_ARM64]))
            continue; /* nothing to attach Spot rates to, or none in the feed: keep what is */
        for (int a = 0; a < CF_ARCH_COUNT; a++) {
            if (!p->has[a] && cr && cr->has_fargate_spot[a]) {
                p->has[a] = true; /* missing from the feed: keep the rate in use */
                p->rates[a] = cr->fargate_spot[a];
            }
        }
        p->info.source = CF_SOURCE_LIVE;
        p->info.fetched_at = ss->fetched_at;
        snprintf(p->info.origin, sizeof(p->info.origin), "%s", url);
        if (!cr || !same_spot(cr, p)) {
            p->changed = true;
            changed++;
        }
    }
    *ret_changed = changed;
    lock(rf);
    if (r == 0) {
        ss->last_error[0] = '\0';
        ss->last_success = now_s();
    } else {
        copy_error(ss->last_error, sizeof(ss->last_error), reterr->message);
    }
    unlock(rf);
    if (r != 0)
        LOG_FIELDS(CF_LOG_WARN, "refresh_spot_failed", LOGF_S("message", reterr->message));
    return r;
}

/* Puts one region's new Spot rates into the table being built; counts big moves. */
static unsigned apply_spot(struct region_rates *rr, const struct region_rates *old,
                           const struct spot_pending *p, double factor)
{
    unsigned moves = 0;
    if (!rr->has[CF_OFFER_FARGATE])
        return 0;
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        if (old && old->has_fargate_spot[a] && p->has[a]) {
            compare_rate(old->fargate_spot[a].vcpu_hour_usd, p->rates[a].vcpu_hour_usd, factor,
                         rr->code, "fargate_spot.vcpu_hour_usd", &moves);
            compare_rate(old->fargate_spot[a].gb_hour_usd, p->rates[a].gb_hour_usd, factor,
                         rr->code, "fargate_spot.gb_hour_usd", &moves);
        }
        rr->has_fargate_spot[a] = p->has[a];
        rr->fargate_spot[a] = p->rates[a];
    }
    rr->fargate_spot_info = p->info;
    return moves;
}

static void save_state(struct refresher *rf, const struct rates *t)
{
    char path[URL_MAX];
    if (state_rates_path(rf->cfg, path, sizeof(path)) != 0)
        return;
    struct cf_error err = {0};
    if (rates_save_file(t, path, &err) != 0)
        LOG_FIELDS(CF_LOG_ERROR, "state_save_failed", LOGF_S("path", path),
                   LOGF_S("message", err.message));
}

static void record(struct refresher *rf, enum cf_offer o, struct region_state *rs,
                   const struct cf_error *err, int64_t t)
{
    lock(rf);
    rs->last_attempt = t;
    if (err) {
        copy_error(rs->last_error, sizeof(rs->last_error), err->message);
    } else {
        rs->last_error[0] = '\0';
        rs->last_success = t;
    }
    unlock(rf);
    (void)o;
}

/* One refresh of one offer; see the DESIGN block. */
static int refresh_offer(struct refresher *rf, enum cf_offer o, struct cf_error *reterr)
{
    struct offer_state *os = &rf->offers[o];
    int64_t started = now_s();
    lock(rf);
    os->counts.attempts++;
    os->last_attempt = started;
    unlock(rf);

    struct pending pend[REGIONS_MAX];
    memset(pend, 0, sizeof(pend));
    struct rates *cur = pricing_cache_acquire(rf->cache);
    struct rates *next = NULL;
    struct cf_error err = {0};
    int r = fetch_index(rf, o, &err);
    int first_region_error = 0;
    struct cf_error region_err = {0};
    size_t changed = 0, added = 0, spot_changed = 0;
    bool swapped = false;
    struct spot_pending spend[REGIONS_MAX];
    memset(spend, 0, sizeof(spend));
    int spot_r = 0;
    struct cf_error spot_err = {0};

    for (size_t i = 0; r == 0 && i < rf->n_regions && !atomic_load(&rf->stop); i++) {
        struct region_state *rs = &os->regions[i];
        char url[URL_MAX];
        struct cf_error e = {0};
        const struct region_rates *cr = cur ? rates_region(cur, rs->code) : NULL;
        int rr = region_url(rf, os->index, rs->code, url, &e);
        if (rr == 0)
            rr = refresh_region(rf, o, rs, cr, url, &pend[i], &e);
        record(rf, o, rs, rr ? &e : NULL, now_s());
        if (rr != 0) {
            LOG_FIELDS(CF_LOG_WARN, "refresh_region_failed", LOGF_S("offer", offer_codes[o]),
                       LOGF_S("region", rs->code), LOGF_S("message", e.message));
            if (!first_region_error) {
                first_region_error = rr;
                region_err = e;
            }
            continue;
        }
        if (pend[i].changed) {
            changed++;
            added += cr == NULL;
        }
    }
    if (o == CF_OFFER_FARGATE && rf->cfg->fargate_spot_url[0] && !atomic_load(&rf->stop))
        spot_r = refresh_spot(rf, cur, pend, spend, &spot_changed, &spot_err);
    if (atomic_load(&rf->stop)) {
        r = cf_error_set(&err, CF_EBUSY, NULL, "stopped");
        goto out;
    }
    /* What the cycle reports: the index's failure, else a region's, else the Spot feed's. */
    int fail = r;
    struct cf_error fail_err = err;
    if (!fail && first_region_error) {
        fail = first_region_error;
        fail_err = region_err;
    }
    if (!fail && spot_r) {
        fail = spot_r;
        fail_err = spot_err;
    }
    if (changed == 0 && spot_changed == 0) {
        r = fail;
        err = fail_err;
        goto out;
    }
    r = 0;

    /* Build the next table outside any lock. */
    next = cur ? rates_clone(cur, added) : rates_new(added);
    if (!next) {
        r = cf_error_set(&err, CF_ENOMEM, NULL, "out of memory");
        goto out;
    }
    unsigned moves = 0;
    for (size_t i = 0; i < rf->n_regions; i++) {
        if (!pend[i].changed)
            continue;
        struct region_rates *rr = region_in(next, os->regions[i].code);
        if (!rr) {
            rr = &next->regions[next->n_regions++];
            snprintf(rr->code, sizeof(rr->code), "%s", os->regions[i].code);
        }
        r = apply(o, rr, &pend[i], &err);
        if (r != 0)
            goto out;
        moves += count_moves(o, cur ? rates_region(cur, rr->code) : NULL, rr,
                             rf->cfg->max_price_change_factor);
    }
    for (size_t i = 0; i < rf->n_regions; i++) {
        struct region_rates *rr = spend[i].changed ? region_in(next, os->regions[i].code) : NULL;
        if (rr)
            moves += apply_spot(rr, cur ? rates_region(cur, rr->code) : NULL, &spend[i],
                                rf->cfg->max_price_change_factor);
    }
    rates_finish(next);
    next->built_at = now_s();
    r = rates_validate(next, &err);
    if (r == 0 && moves && rf->cfg->strict_validation)
        r = cf_error_set(&err, CF_EUPSTREAM, NULL,
                         "%u rates moved by more than %gx; refused (strict_validation)", moves,
                         rf->cfg->max_price_change_factor);
    lock(rf);
    os->counts.big_moves += moves;
    if (r != 0)
        os->counts.rejected++;
    unlock(rf);
    if (r != 0)
        goto out;

    pricing_cache_swap(rf->cache, rates_ref(next));
    swapped = true;
    save_state(rf, next);
    LOG_FIELDS(CF_LOG_INFO, "rates_refreshed", LOGF_S("offer", offer_codes[o]),
               LOGF_I("regions_changed", changed), LOGF_I("spot_regions_changed", spot_changed),
               LOGF_I("rate_moves", moves));
    r = fail;
    if (r)
        err = fail_err;

out:
    for (size_t i = 0; i < REGIONS_MAX; i++)
        free(pend[i].gpus);
    rates_unref(next);
    rates_unref(cur);
    int64_t done = now_s();
    lock(rf);
    if (r == 0) {
        os->last_error[0] = '\0';
        os->last_success = done;
        if (changed || spot_changed)
            os->counts.ok++;
        else
            os->counts.unchanged++;
        os->next_due = done + interval_of(rf, o);
    } else {
        copy_error(os->last_error, sizeof(os->last_error), err.message);
        if (swapped)
            os->counts.ok++; /* partial: some regions refreshed, others kept their rates */
        else
            os->counts.failed++;
        long retry = interval_of(rf, o) < RETRY_AFTER_S ? interval_of(rf, o) : RETRY_AFTER_S;
        os->next_due = done + retry;
    }
    unlock(rf);
    if (r != 0) {
        LOG_FIELDS(CF_LOG_WARN, "refresh_failed", LOGF_S("offer", offer_codes[o]),
                   LOGF_S("message", err.message));
        if (reterr)
            *reterr = err;
    }
    return r;
}

/* Refreshes the offers in `offers_mask`, one after the other. The caller has set `busy` (under
 * `mu`, in the same critical section that decided to run) and clears it afterwards. */
static int run_cycle(struct refresher *rf, unsigned offers_mask, struct cf_error *reterr)
{
    int first = 0;
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!(offers_mask & (1u << o)))
            continue;
        struct cf_error e = {0};
        int r = refresh_offer(rf, (enum cf_offer)o, &e);
        if (r != 0 && !first) {
            first = r;
            if (reterr)
                *reterr = e;
        }
    }
    return first;
}

int refresher_run_once(struct refresher *rf, unsigned offers_mask, struct cf_error *reterr)
{
    lock(rf);
    rf->busy = true;
    unlock(rf);
    int r = run_cycle(rf, offers_mask, reterr);
    lock(rf);
    rf->busy = false;
    unlock(rf);
    return r;
}

void refresher_on_cycle(struct refresher *rf, void (*fn)(void *ctx), void *ctx)
{
    rf->on_cycle = fn;
    rf->on_cycle_ctx = ctx;
}

/* ---------------------------------------------------------------------------------------- */
/* The thread                                                                               */

static void *refresher_main(void *arg)
{
    struct refresher *rf = arg;
    lock(rf);
    while (!atomic_load(&rf->stop)) {
        int64_t t = now_s();
        unsigned due = 0;
        int64_t wake = INT64_MAX;
        for (int o = 0; o < CF_OFFER_COUNT; o++) {
            if (rf->force || rf->offers[o].next_due <= t)
                due |= 1u << o;
            else if (rf->offers[o].next_due < wake)
                wake = rf->offers[o].next_due;
        }
        if (due) {
            /* Claiming the cycle (busy) in the critical section that consumes the trigger
             * (force) leaves no moment in which refresher_trigger() sees neither flag and
             * accepts a second, queued cycle. */
            rf->force = false;
            rf->busy = true;
            unlock(rf);
            if (rf->on_cycle)
                rf->on_cycle(rf->on_cycle_ctx);
            run_cycle(rf, due, NULL);
            lock(rf);
            rf->busy = false;
            continue;
        }
        struct timespec until = {.tv_sec = (time_t)wake, .tv_nsec = 0};
        int w = pthread_cond_timedwait(&rf->cv, &rf->mu, &until);
        lock_check(w == ETIMEDOUT ? 0 : w, "pthread_cond_timedwait");
    }
    unlock(rf);
    return NULL;
}

int refresher_start(struct refresher *rf)
{
    /* The first refresh is due at once. */
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        rf->offers[o].next_due = 0;
    if (pthread_create(&rf->thread, NULL, refresher_main, rf) != 0)
        return CF_EINTERNAL;
    rf->started = true;
    LOG_FIELDS(CF_LOG_INFO, "refresher_started", LOGF_S("pricing_url", rf->cfg->pricing_url),
               LOGF_S("regions", rf->cfg->regions));
    return 0;
}

int refresher_trigger(struct refresher *rf)
{
    lock(rf);
    int r = rf->busy || rf->force ? CF_EBUSY : 0;
    if (!r) {
        rf->force = true;
        LOCK_CHECK(pthread_cond_signal(&rf->cv));
    }
    unlock(rf);
    return r;
}

bool refresher_busy(struct refresher *rf)
{
    lock(rf);
    bool b = rf->busy || rf->force;
    unlock(rf);
    return b;
}

void refresher_counts(struct refresher *rf, enum cf_offer offer, struct refresh_counts *ret)
{
    lock(rf);
    *ret = rf->offers[offer].counts;
    unlock(rf);
}

void refresher_free(struct refresher *rf)
{
    if (!rf)
        return;
    if (rf->started) {
        lock(rf);
        atomic_store(&rf->stop, true);
        LOCK_CHECK(pthread_cond_signal(&rf->cv));
        unlock(rf);
        LOCK_CHECK(pthread_join(rf->thread, NULL));
    }
    fetcher_free(rf->fetcher);
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        json_decref(rf->offers[o].index);
    json_decref(rf->spot.feed);
    LOCK_CHECK(pthread_cond_destroy(&rf->cv));
    LOCK_CHECK(pthread_mutex_destroy(&rf->mu));
    free(rf);
}

/* ---------------------------------------------------------------------------------------- */
/* Status for GET /pricing                                                                  */

static json_t *region_status(const struct region_rates *rr, enum cf_offer o,
                             const struct region_state *rs, const struct cf_config *cfg,
                             int64_t now)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    if (rr && rr->has[o]) {
        const struct offer_info *in = &rr->info[o];
        int64_t since = rates_offer_time(in), age;
        json_object_set_new(j, "source", json_string(cf_source_name(in->source)));
        json_object_set_new(j, "version", in->version[0] ? json_string(in->version) : json_null());
        json_object_set_new(j, "published",
                            in->published[0] ? json_string(in->published) : json_null());
        json_object_set_new(j, "fetched_at", time_json(in->fetched_at));
        json_object_set_new(j, "age_s",
                            rates_age(since, now, &age) ? json_integer(age) : json_null());
        json_object_set_new(j, "stale", json_boolean(rates_stale(since, now, cfg->stale_after_s)));
        json_object_set_new(j, "origin", json_string(in->origin));
    } else {
        json_object_set_new(j, "source", json_string("none"));
        json_object_set_new(j, "stale", json_true());
    }
    if (o == CF_OFFER_FARGATE) {
        json_t *spot;
        if (rr && rates_has_fargate_spot(rr)) {
            const struct offer_info *in = &rr->fargate_spot_info;
            json_t *archs = json_array();
            for (int a = 0; archs && a < CF_ARCH_COUNT; a++)
                if (rr->has_fargate_spot[a])
                    json_array_append_new(archs, json_string(cf_arch_name((enum cf_arch)a)));
            spot =
                json_pack("{s:s, s:o, s:o, s:o}", "source", cf_source_name(in->source), "version",
                          in->version[0] ? json_string(in->version) : json_null(), "fetched_at",
                          time_json(in->fetched_at), "architectures", archs ? archs : json_null());
        } else {
            spot = json_pack("{s:s}", "source", "none");
        }
        json_object_set_new(j, "spot", spot);
    }
    if (rs) {
        json_object_set_new(j, "last_attempt", time_json(rs->last_attempt));
        json_object_set_new(j, "last_error",
                            rs->last_error[0] ? json_string(rs->last_error) : json_null());
    }
    return j;
}

/* The Fargate Spot summary: where the table's Spot rates came from (the most current source
 * among its regions: live, else state, else snapshot; "none" when no region has any), the
 * feed's URL and, with a refresher, its last attempt and error. Called with `mu` held. */
static json_t *spot_status(const struct refresher *rf, const struct rates *rates,
                           const struct cf_config *cfg)
{
    const struct offer_info *best = NULL;
    for (size_t i = 0; rates && i < rates->n_regions; i++) {
        const struct region_rates *rr = &rates->regions[i];
        if (rates_has_fargate_spot(rr) && (!best || rr->fargate_spot_info.source > best->source))
            best = &rr->fargate_spot_info;
    }
    const char *version = best && best->version[0] ? best->version : NULL;
    if (rf && rf->spot.version[0])
        version = rf->spot.version;
    json_t *j =
        json_pack("{s:o, s:s, s:o}", "url",
                  cfg->fargate_spot_url[0] ? json_string(cfg->fargate_spot_url) : json_null(),
                  "source", best ? cf_source_name(best->source) : "none", "version",
                  version ? json_string(version) : json_null());
    if (!j)
        return NULL;
    json_object_set_new(j, "last_attempt", time_json(rf ? rf->spot.last_attempt : 0));
    json_object_set_new(j, "last_success", time_json(rf ? rf->spot.last_success : 0));
    json_object_set_new(j, "last_error",
                        rf && rf->spot.last_error[0] ? json_string(rf->spot.last_error)
                                                     : json_null());
    return j;
}

static json_t *status_json(struct refresher *rf, const struct rates *rates,
                           const struct cf_config *cfg, int64_t now)
{
    json_t *offers = json_object();
    for (int o = 0; offers && o < CF_OFFER_COUNT; o++) {
        json_t *regions = json_object();
        json_t *entry = json_pack("{s:s}", "offer_code", offer_codes[o]);
        if (!regions || !entry) {
            json_decref(regions);
            json_decref(entry);
            json_decref(offers);
            return NULL;
        }
        for (size_t i = 0; rates && i < rates->n_regions; i++)
            json_object_set_new(
                regions, rates->regions[i].code,
                region_status(&rates->regions[i], (enum cf_offer)o, NULL, cfg, now));
        if (rf) {
            const struct offer_state *os = &rf->offers[o];
            for (size_t i = 0; i < rf->n_regions; i++) {
                const struct region_state *rs = &os->regions[i];
                json_object_set_new(regions, rs->code,
                                    region_status(rates ? rates_region(rates, rs->code) : NULL,
                                                  (enum cf_offer)o, rs, cfg, now));
            }
            json_object_set_new(entry, "interval_s",
                                json_integer(interval_of(rf, (enum cf_offer)o)));
            json_object_set_new(entry, "last_attempt", time_json(os->last_attempt));
            json_object_set_new(entry, "last_success", time_json(os->last_success));
            json_object_set_new(entry, "next_refresh",
                                rf->started ? time_json(os->next_due > now ? os->next_due : now)
                                            : json_null());
            json_object_set_new(entry, "last_error",
                                os->last_error[0] ? json_string(os->last_error) : json_null());
            json_object_set_new(entry, "counts",
                                json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "attempts",
                                          (json_int_t)os->counts.attempts, "ok",
                                          (json_int_t)os->counts.ok, "unchanged",
                                          (json_int_t)os->counts.unchanged, "failed",
                                          (json_int_t)os->counts.failed, "rejected",
                                          (json_int_t)os->counts.rejected, "big_moves",
                                          (json_int_t)os->counts.big_moves));
        } else {
            json_object_set_new(entry, "next_refresh", json_null());
            json_object_set_new(entry, "last_error", json_null());
        }
        if (o == CF_OFFER_FARGATE)
            json_object_set_new(entry, "spot", spot_status(rf, rates, cfg));
        json_object_set_new(entry, "regions", regions);
        json_object_set_new(offers, cf_offer_name((enum cf_offer)o), entry);
    }
    if (!offers)
        return NULL;
    return json_pack("{s:b, s:b, s:s, s:o, s:I, s:o}", "refresh_enabled", rf != NULL, "busy",
                     rf ? (rf->busy || rf->force) : 0, "pricing_url", cfg->pricing_url, "built_at",
                     time_json(rates ? rates->built_at : 0), "stale_after_s",
                     (json_int_t)cfg->stale_after_s, "offers", offers);
}

json_t *refresher_status_json(struct refresher *rf, const struct rates *rates, int64_t now)
{
    lock(rf);
    json_t *j = status_json(rf, rates, rf->cfg, now);
    unlock(rf);
    return j;
}

json_t *pricing_status_json(const struct rates *rates, const struct cf_config *cfg, int64_t now)
{
    return status_json(NULL, rates, cfg, now);
}
