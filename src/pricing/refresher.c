/*
 * refresher.c - keeps the rates current from the AWS Price List Bulk API.
 *
 * DESIGN
 * Thread: one refresher thread, started by refresher_start(). It alone uses `fetcher` (one
 * libcurl easy handle), the offer parsers, the cached region indexes (`index`) and the
 * per-region validators; none of those is shared, so none is locked.
 *
 * Offers: the refresher names none. Each is a descriptor in offer_kinds[] (offer_kind.h): its
 * region index and layout, interval, parser (whole file or streamed), merge, price-move check
 * and feed; this file runs the same cycle for every one of them.
 *
 * Cycle, per offer, when due:
 *   1. GET {base}{index_path} (e.g. /offers/v1.0/aws/AWSLambda/current/region_index.json),
 *      conditionally (ETag / Last-Modified): a 304 reuses the index parsed last time.
 *   2. For each configured region, the file the index names. A region whose URL is the one its
 *      rates in use came from (versioned URLs change when prices change) is not downloaded
 *      again; an unversioned URL is re-fetched conditionally, and a 304 means nothing is
 *      parsed. Small files (Lambda and ECS, < 1 MB) are downloaded into memory and parsed with
 *      jansson; a streamed offer's file (EC2, ~480 MB) goes through its parser as it arrives.
 *      A parsed region is a scratch struct region_rates with only the offer's part filled, and
 *      a mask of the optional parts the file lacked.
 *   3. The new table is built with NO lock held: a deep copy of the table in use with the
 *      refreshed parts merged in by the offer's apply(), which keeps the values in use for the
 *      missing parts. It is validated (rates_validate: every region has its required rates,
 *      every price finite and > 0) and compared with the table in use: a rate that moved by
 *      more than max_price_change_factor is logged and counted, and rejects the table when
 *      strict_validation is on.
 *   4. Swapped in with pricing_cache_swap() (a brief write lock on one pointer), then written
 *      atomically to the state directory as the last known good table.
 * Feeds: a source outside the Price List attached to an offer (the Fargate Spot price feed on
 * the Fargate offer, the Spot Instance Advisor feed on the EC2 offer; the Price List has no
 * Spot rates). When its URL is configured, every cycle
 * of the offer also GETs the feed (one small file for all regions) conditionally with the same
 * fetcher, keeps the last parsed document (`feed.doc`, thread only) so that a 304 still prices
 * a region added since, and reads each configured region's rates from it. A region (or a part)
 * the feed has no rates for keeps what it had, none or previous; the feed's rates attach only
 * to a region with the offer's own rates, and are applied again wherever the offer's rates
 * change (a feed may keep only what the offer has: the EC2 Spot advice, the types of the EC2
 * list). They go into the same new table as the offer's, under the same validation and
 * price-move checks. A feed failure is the cycle's failure when
 * nothing else failed: recorded in `feed` and in the offer's status, the rates in use
 * untouched.
 * A failed or rejected cycle changes nothing that requests see: the table in use stays, the
 * error is recorded for /pricing, and the offer is retried after retry_after seconds.
 *
 * Follower: with rates_url set, the thread reads no offer file, index or feed. Each cycle is
 * one conditional GET of the rates document at rates_url (a fleet's leader's
 * GET /pricing/export, or a file computefit-snapshot published), with the same fetcher (gzip,
 * the byte cap fetch_max_bytes, at most the loader's RATES_JSON_MAX_FILE_BYTES, retries), then
 * follow_document() (follow.c: the loader's checks, the price-move check, the partial-document
 * check, laid over the table in use), then the same swap and state file. A 304 changes nothing.
 * Every offer is due at once, every rates_url_interval seconds; its outcome is recorded in
 * `follow` and, since each offer's rates were refreshed (or not) by it, in every offer's status
 * and counters too, so that /pricing and /metrics read as for a live refresh. The AWS path is
 * untouched when rates_url is empty.
 *
 * Lock: `mu` guards the status fields of struct offer_state, struct region_state, struct
 * feed_state and struct follow_state (times, errors, counters, version) and the `force`/`busy`
 * flags; `cv` wakes the thread for a trigger or for shutdown. HTTP workers take `mu` briefly to
 * read the status (GET /pricing, /metrics) and to trigger a refresh (POST /pricing/refresh).
 * The thread never holds `mu` across I/O. Shutdown: refresher_free() sets `stop` (an atomic the
 * fetcher also watches, so downloads and back-off waits end promptly), signals `cv` and joins
 * the thread.
 */
#include "computefit/refresher.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "computefit/fetch.h"
#include "computefit/follow.h"
#include "computefit/isotime.h"
#include "computefit/lock.h"
#include "computefit/log.h"
#include "computefit/offer_kind.h"
#include "computefit/rates_json.h"
#include "computefit/state.h"
#include "computefit/utf8.h"

#define URL_MAX         600
#define ERROR_MAX       300
#define REGIONS_MAX     64
#define INDEX_MAX_BYTES (4L * 1024 * 1024)
/* After a failure an offer is tried again this much sooner than its interval (at most). */
#define RETRY_AFTER_S 900

struct region_state {
    char code[CF_REGION_LEN];
    char url[URL_MAX];                  /* the offer file last downloaded (thread only) */
    struct fetch_validators validators; /* its validators (thread only) */
    char last_error[ERROR_MAX];         /* under mu */
    int64_t last_attempt, last_success; /* under mu */
};

/* The feed attached to an offer, when its descriptor has one (see DESIGN). */
struct feed_state {
    json_t *doc;                        /* last parsed feed (thread only) */
    struct fetch_validators validators; /* its validators (thread only) */
    int64_t fetched_at;                 /* when it was downloaded (thread only) */
    char version[32];                   /* its own version (under mu) */
    char last_error[ERROR_MAX];         /* under mu */
    int64_t last_attempt, last_success; /* under mu */
};

struct offer_state {
    json_t *index;                            /* last region index (thread only) */
    struct fetch_validators index_validators; /* thread only */
    char last_error[ERROR_MAX];               /* under mu */
    int64_t last_attempt, last_success;       /* under mu */
    int64_t next_due;                         /* under mu */
    struct refresh_counts counts;             /* under mu */
    struct region_state regions[REGIONS_MAX];
    struct feed_state feed; /* unused when the offer has no feed */
};

/* A follower's rates_url (see DESIGN). */
struct follow_state {
    char shown[URL_MAX];                /* rates_url without user:password@ or ?query (const) */
    struct fetch_validators validators; /* of the document in use (thread only) */
    bool have_doc;                      /* a document was taken: validators are its (thread) */
    char etag[FETCH_ETAG_MAX + 1];      /* the document in use's ETag, for /pricing (under mu) */
    int64_t built_at;                   /* the document in use's built_at (under mu) */
    uint64_t bytes, wire_bytes;         /* the last document downloaded (under mu) */
    char last_error[ERROR_MAX];         /* under mu */
    int64_t last_attempt, last_success, last_change; /* under mu */
    struct refresh_counts counts;                    /* under mu */
};

struct refresher {
    const struct cf_config *cfg;
    struct pricing_cache *cache;
    struct offer_ec2_limits ec2_limits; /* the caller's, when given to refresher_new() */
    struct offer_ctx ctx;               /* what the parsers may use */
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
    bool following; /* rates_url is set: refresh from it, not from AWS (constant) */
    struct follow_state follow;
};

/* One region's freshly parsed rates for one offer or its feed, waiting to be applied: a scratch
 * region with only that part filled. Its owned parts are freed with rates_region_clear(). */
struct pending {
    bool changed;
    unsigned missing; /* the offer's bits for optional parts its file lacked */
    struct region_rates rates;
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
    return rf->following ? rf->cfg->rates_url_interval_s : offer_kinds[o]->interval(rf->cfg);
}

/* Writes `url` as /pricing and the logs may show it: without the user:password@ of its
 * authority and without its query and fragment, which may hold credentials (a pre-signed
 * object storage URL). */
static void url_shown(const char *url, char out[URL_MAX])
{
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t scheme = (size_t)(auth - url);
    size_t host = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', host);
    const char *from = at ? at + 1 : auth;
    size_t rest = strcspn(from, "?#");
    snprintf(out, URL_MAX, "%.*s%.*s", (int)scheme, url, (int)rest, from);
}

/* Replaces the first `url` in msg (cap bytes) by `shown`: the fetcher's messages quote the URL
 * they fetched. */
static void message_shown(char *msg, size_t cap, const char *url, const char *shown)
{
    char *at = strstr(msg, url);
    if (!at || strcmp(url, shown) == 0)
        return;
    char out[sizeof(((struct cf_error *)0)->message)];
    snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - msg), msg, shown, at + strlen(url));
    snprintf(msg, cap, "%s", out);
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
    if (ec2_limits)
        rf->ec2_limits = *ec2_limits;
    rf->ctx = (struct offer_ctx){
        .cfg = cfg, .specs = specs, .ec2_limits = ec2_limits ? &rf->ec2_limits : NULL};
    atomic_init(&rf->stop, false);
    LOCK_CHECK(pthread_mutex_init(&rf->mu, NULL));
    LOCK_CHECK(pthread_cond_init(&rf->cv, NULL));
    int r = parse_regions(rf, cfg->regions, reterr);
    rf->following = cfg->rates_url[0] != '\0';
    if (rf->following)
        url_shown(cfg->rates_url, rf->follow.shown);
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

/* Returns the region's offer-file URL from the cached index, or an error naming why not. Sets
 * *ret_listed to false (and returns 0) when the index of an optional offer does not list the
 * region: it has no such rates, and keeps what it has. */
static int region_url(struct refresher *rf, enum cf_offer o, const char *region, char out[URL_MAX],
                      bool *ret_listed, struct cf_error *reterr)
{
    const char *path = NULL;
    int r = offer_kinds[o]->index->region_path(rf->offers[o].index, region, &path, reterr);
    if (r != 0)
        return r;
    if (!path) {
        *ret_listed = false;
        return 0;
    }
    size_t n = strlen(path);
    if (path[0] != '/' || n >= 400 || strstr(path, "..") || strpbrk(path, " \"\\\r\n\t?#"))
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            "the region index gives %s an unusable URL \"%.80s\"", region, path);
    base_url(rf, path, out);
    return 0;
}

static int fetch_index(struct refresher *rf, enum cf_offer o, struct cf_error *reterr)
{
    const struct offer_kind *kind = offer_kinds[o];
    struct offer_state *os = &rf->offers[o];
    char url[URL_MAX];
    base_url(rf, kind->index_path, url);
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
    const char *wrong = doc ? kind->index->check(doc) : jerr.text;
    if (wrong) {
        json_decref(doc);
        return cf_error_set(reterr, CF_EUPSTREAM, NULL, "GET %s: not a region index (%s)", url,
                            wrong);
    }
    json_decref(os->index);
    os->index = doc;
    os->index_validators = res.validators;
    return 0;
}

/* Parses a whole offer file held in memory. */
static int parse_whole(struct refresher *rf, enum cf_offer o, const char *region, const char *body,
                       size_t len, struct pending *p, struct cf_error *reterr)
{
    const struct offer_kind *kind = offer_kinds[o];
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return cf_error_set(reterr, CF_EUPSTREAM, region, "the %s offer file is not JSON: %s",
                            kind->code, jerr.text);
    int r = kind->parse(&rf->ctx, doc, region, &p->rates, &p->missing, reterr);
    json_decref(doc);
    return r;
}

/* The fetcher's sink for a streamed offer: each chunk goes to the offer's stream parser. */
struct stream_sink {
    struct refresher *rf;
    const struct offer_stream_ops *ops;
    const char *region;
    void *stream;
    int feed_error; /* the parser refused the stream: its detail comes from finish() */
};

static int sink_write(void *ctx, const char *data, size_t len)
{
    struct stream_sink *s = ctx;
    int r = s->ops->feed(s->stream, data, len);
    if (r != 0)
        s->feed_error = r;
    return r;
}

/* Starts the stream over, for a download that is retried from its first byte. */
static int sink_reset(void *ctx)
{
    struct stream_sink *s = ctx;
    struct cf_error ignored = {0};
    s->ops->free_stream(s->stream);
    s->stream = NULL;
    s->feed_error = 0;
    return s->ops->open(&s->rf->ctx, s->region, &s->stream, &ignored);
}

/* Downloads `url` through the offer's stream parser into *p. */
static int parse_streamed(struct refresher *rf, enum cf_offer o, const char *region,
                          const char *url, const struct fetch_validators *have,
                          struct fetch_result *res, struct pending *p, struct cf_error *reterr)
{
    const struct offer_kind *kind = offer_kinds[o];
    struct stream_sink sink = {rf, kind->stream, region, NULL, 0};
    int r = kind->stream->open(&rf->ctx, region, &sink.stream, reterr);
    if (r != 0)
        return r;
    struct fetch_sink fs = {sink_write, sink_reset, &sink};
    r = fetch_to_sink(rf->fetcher, url, have, kind->max_bytes ? kind->max_bytes(rf->cfg) : 0, &fs,
                      res, reterr);
    if (r == 0 && !res->not_modified) {
        r = kind->stream->finish(sink.stream, &p->rates, &p->missing, reterr);
    } else if (r != 0 && sink.feed_error && sink.stream) {
        /* The parser stopped the download: its own message says why. */
        struct region_rates spent;
        unsigned missing = 0;
        memset(&spent, 0, sizeof(spent));
        kind->stream->finish(sink.stream, &spent, &missing, reterr);
        rates_region_clear(&spent);
        r = sink.feed_error;
    }
    kind->stream->free_stream(sink.stream);
    return r;
}

/* Downloads and parses one region's offer file into *p. Sets p->changed unless the file was
 * unchanged (same versioned URL as the rates in use, or a 304). */
static int refresh_region(struct refresher *rf, enum cf_offer o, struct region_state *rs,
                          const struct region_rates *cur, const char *url, struct pending *p,
                          struct cf_error *reterr)
{
    const struct offer_kind *kind = offer_kinds[o];
    if (cur && cur->has[o] && strcmp(cur->info[o].origin, url) == 0 &&
        cur->info[o].source != CF_SOURCE_SNAPSHOT && strstr(url, "/current/") == NULL)
        return 0; /* a versioned URL we already have: prices have not changed */
    const struct fetch_validators *have = strcmp(rs->url, url) == 0 ? &rs->validators : NULL;
    struct fetch_result res;
    int r;
    snprintf(p->rates.code, sizeof(p->rates.code), "%s", rs->code);
    if (kind->stream) {
        r = parse_streamed(rf, o, rs->code, url, have, &res, p, reterr);
    } else {
        char *body = NULL;
        size_t len = 0;
        r = fetch_to_buffer(rf->fetcher, url, have, kind->max_bytes ? kind->max_bytes(rf->cfg) : 0,
                            &body, &len, &res, reterr);
        if (r == 0 && !res.not_modified)
            r = parse_whole(rf, o, rs->code, body, len, p, reterr);
        free(body);
    }
    /* A refused file's validators are not kept: the next cycle fetches it again. */
    if (r == 0 && !res.not_modified && kind->check_shrink && cur && cur->has[o])
        r = kind->check_shrink(cur, &p->rates, rf->cfg, reterr);
    if (r != 0)
        return r;
    snprintf(rs->url, sizeof(rs->url), "%s", url);
    rs->validators = res.validators;
    if (res.not_modified)
        return 0;
    struct offer_info *info = &p->rates.info[o];
    p->changed = true;
    info->source = CF_SOURCE_LIVE;
    info->fetched_at = now_s();
    snprintf(info->origin, sizeof(info->origin), "%s", url);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The feed attached to an offer                                                            */

/* Downloads the offer's feed (conditionally) and reads every configured region's rates into
 * fp[], merged with the rates in use (`cur`, borrowed, may be NULL); `pend` says which regions
 * this cycle's refresh of the offer adds or changes. Sets *ret_changed to the number of regions
 * whose feed rates differ from the ones in use. Returns 0, or the download's or the first
 * region's error (the other regions are still read). */
static int refresh_feed(struct refresher *rf, enum cf_offer o, const struct rates *cur,
                        const struct pending *pend, struct pending fp[], size_t *ret_changed,
                        struct cf_error *reterr)
{
    const struct offer_feed *feed = offer_kinds[o]->feed;
    const struct offer_state *os = &rf->offers[o];
    struct feed_state *fs = &rf->offers[o].feed;
    const char *url = feed->url(rf->cfg);
    char *body = NULL, event[64];
    size_t len = 0, changed = 0;
    struct fetch_result res;
    int64_t started = now_s();
    lock(rf);
    fs->last_attempt = started;
    unlock(rf);

    int r = fetch_to_buffer(rf->fetcher, url, fs->doc ? &fs->validators : NULL, 0, &body, &len,
                            &res, reterr);
    if (r == 0 && !res.not_modified) {
        json_error_t jerr;
        json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc) {
            r = cf_error_set(reterr, CF_EUPSTREAM, NULL, "GET %s: the %s is not JSON: %s", url,
                             feed->title, jerr.text);
        } else {
            json_decref(fs->doc);
            fs->doc = doc;
            fs->validators = res.validators;
            fs->fetched_at = started;
        }
    } else if (r == 0 && !fs->doc) {
        r = cf_error_set(reterr, CF_EUPSTREAM, NULL, "GET %s: 304 without a cached copy", url);
    }
    free(body);
    if (r == 0) {
        char version[32];
        feed->version(fs->doc, version);
        lock(rf);
        snprintf(fs->version, sizeof(fs->version), "%s", version);
        unlock(rf);
    }

    bool fetched = r == 0;
    for (size_t i = 0; fetched && i < rf->n_regions; i++) {
        const char *code = os->regions[i].code;
        struct pending *p = &fp[i];
        struct cf_error e = {0};
        snprintf(p->rates.code, sizeof(p->rates.code), "%s", code);
        int pr = feed->parse(fs->doc, code, &p->rates, &e);
        if (pr != 0) {
            snprintf(event, sizeof(event), "refresh_%s_region_failed", feed->name);
            LOG_FIELDS(CF_LOG_WARN, event, LOGF_S("region", code), LOGF_S("message", e.message));
            if (r == 0) {
                r = pr;
                *reterr = e;
            }
            rates_region_clear(&p->rates);
            memset(p, 0, sizeof(*p));
            continue;
        }
        const struct region_rates *cr = cur ? rates_region(cur, code) : NULL;
        bool offer = (cr && cr->has[o]) || pend[i].changed;
        if (!offer || !feed->has(&p->rates))
            continue; /* nothing to attach the feed's rates to, or none in it: keep what is */
        feed->keep(&p->rates, cr);
        struct offer_info *info = offer_feed_info_mut(feed, &p->rates);
        info->source = CF_SOURCE_LIVE;
        info->fetched_at = fs->fetched_at;
        snprintf(info->origin, sizeof(info->origin), "%s", url);
        if (!cr || !feed->same(cr, &p->rates)) {
            p->changed = true;
            changed++;
        }
    }
    *ret_changed = changed;
    lock(rf);
    if (r == 0) {
        fs->last_error[0] = '\0';
        fs->last_success = now_s();
    } else {
        copy_error(fs->last_error, sizeof(fs->last_error), reterr->message);
    }
    unlock(rf);
    if (r != 0) {
        snprintf(event, sizeof(event), "refresh_%s_failed", feed->name);
        LOG_FIELDS(CF_LOG_WARN, event, LOGF_S("message", reterr->message));
    }
    return r;
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

static void record(struct refresher *rf, struct region_state *rs, const struct cf_error *err,
                   int64_t t)
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
}

/* Logs rates_refreshed. It has one <feed>_regions_changed field for every feed in the table,
 * whichever offer this is (0 for the others), so that every line of the event has the same
 * fields. */
static void log_refreshed(enum cf_offer o, size_t changed, size_t feed_changed, unsigned moves)
{
    struct log_field fields[3 + CF_OFFER_COUNT];
    char names[CF_OFFER_COUNT][48];
    int n = 0;
    fields[n++] = LOGF_S("offer", offer_kinds[o]->code);
    fields[n++] = LOGF_I("regions_changed", changed);
    for (int k = 0; k < CF_OFFER_COUNT; k++) {
        const struct offer_feed *feed = offer_kinds[k]->feed;
        if (!feed)
            continue;
        snprintf(names[k], sizeof(names[k]), "%s_regions_changed", feed->name);
        fields[n++] = LOGF_I(names[k], k == (int)o ? feed_changed : 0);
    }
    fields[n++] = LOGF_I("rate_moves", moves);
    log_fields(CF_LOG_INFO, "rates_refreshed", fields, n);
}

/* One refresh of one offer; see the DESIGN block. */
static int refresh_offer(struct refresher *rf, enum cf_offer o, struct cf_error *reterr)
{
    const struct offer_kind *kind = offer_kinds[o];
    struct offer_state *os = &rf->offers[o];
    int64_t started = now_s();
    lock(rf);
    os->counts.attempts++;
    os->last_attempt = started;
    unlock(rf);

    struct rates *cur = pricing_cache_acquire(rf->cache);
    struct rates *next = NULL;
    struct cf_error err = {0};
    int first_region_error = 0;
    struct cf_error region_err = {0};
    size_t changed = 0, added = 0, feed_changed = 0;
    bool swapped = false;
    int feed_r = 0;
    struct cf_error feed_err = {0};
    /* Scratch regions are large (every offer's fields): on the heap, one per configured
     * region, for the offer and for its feed. */
    struct pending *pend = calloc(2 * rf->n_regions, sizeof(*pend));
    struct pending *fpend = pend ? pend + rf->n_regions : NULL;
    int r = pend ? fetch_index(rf, o, &err) : cf_error_set(&err, CF_ENOMEM, NULL, "out of memory");

    for (size_t i = 0; r == 0 && i < rf->n_regions && !atomic_load(&rf->stop); i++) {
        struct region_state *rs = &os->regions[i];
        char url[URL_MAX];
        struct cf_error e = {0};
        const struct region_rates *cr = cur ? rates_region(cur, rs->code) : NULL;
        bool listed = true;
        int rr = region_url(rf, o, rs->code, url, &listed, &e);
        if (rr == 0 && listed)
            rr = refresh_region(rf, o, rs, cr, url, &pend[i], &e);
        record(rf, rs, rr ? &e : NULL, now_s());
        if (rr != 0) {
            LOG_FIELDS(CF_LOG_WARN, "refresh_region_failed", LOGF_S("offer", kind->code),
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
    if (pend && kind->feed && kind->feed->url(rf->cfg)[0] && !atomic_load(&rf->stop))
        feed_r = refresh_feed(rf, o, cur, pend, fpend, &feed_changed, &feed_err);
    if (atomic_load(&rf->stop)) {
        r = cf_error_set(&err, CF_EBUSY, NULL, "stopped");
        goto out;
    }
    /* What the cycle reports: the index's failure, else a region's, else the feed's. */
    int fail = r;
    struct cf_error fail_err = err;
    if (!fail && first_region_error) {
        fail = first_region_error;
        fail_err = region_err;
    }
    if (!fail && feed_r) {
        fail = feed_r;
        fail_err = feed_err;
    }
    if (changed == 0 && feed_changed == 0) {
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
        if (!rr && !cf_offer_required(o)) {
            /* An optional offer's rates only add to a region's required ones: a region the
             * table lacks has nothing to apply them to (validation would refuse it, and with
             * it every other region's refresh). Its next cycle reads them. */
            LOG_FIELDS(CF_LOG_INFO, "refresh_region_skipped", LOGF_S("offer", kind->code),
                       LOGF_S("region", os->regions[i].code),
                       LOGF_S("message", "no required rates in the table yet"));
            changed--;
            continue;
        }
        if (!rr) {
            rr = &next->regions[next->n_regions++];
            snprintf(rr->code, sizeof(rr->code), "%s", os->regions[i].code);
        }
        r = kind->apply(rr, &pend[i].rates, pend[i].missing, &err);
        if (r != 0)
            goto out;
        rr->info[o] = pend[i].rates.info[o];
        const struct region_rates *old = cur ? rates_region(cur, rr->code) : NULL;
        if (old && old->has[o] && rr->has[o])
            moves += kind->count_moves(old, rr, rf->cfg->max_price_change_factor);
    }
    for (size_t i = 0; kind->feed && i < rf->n_regions; i++) {
        /* The feed's rates where they changed; and where the offer's changed, the feed's again
         * (this cycle's when it read any for the region, else the ones in use), since they may
         * depend on the offer's (EC2 Spot advice keeps only the types of the EC2 list). */
        bool fresh = fpend[i].changed || (pend[i].changed && kind->feed->has(&fpend[i].rates));
        struct region_rates *rr =
            fresh || pend[i].changed ? region_in(next, os->regions[i].code) : NULL;
        if (!rr || !rr->has[o])
            continue; /* the feed's rates attach only to the offer's */
        if (!fresh && !kind->feed->has(rr))
            continue;
        moves += kind->feed->apply(rr, cur ? rates_region(cur, rr->code) : NULL,
                                   fresh ? &fpend[i].rates : rr, rf->cfg->max_price_change_factor);
        if (fresh)
            *offer_feed_info_mut(kind->feed, rr) = *offer_feed_info(kind->feed, &fpend[i].rates);
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
    log_refreshed(o, changed, feed_changed, moves);
    r = fail;
    if (r)
        err = fail_err;

out:
    for (size_t i = 0; pend && i < 2 * rf->n_regions; i++)
        rates_region_clear(&pend[i].rates);
    free(pend);
    rates_unref(next);
    rates_unref(cur);
    int64_t done = now_s();
    lock(rf);
    if (r == 0) {
        os->last_error[0] = '\0';
        os->last_success = done;
        if (changed || feed_changed)
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
        LOG_FIELDS(CF_LOG_WARN, "refresh_failed", LOGF_S("offer", kind->code),
                   LOGF_S("message", err.message));
        if (reterr)
            *reterr = err;
    }
    return r;
}

/* ---------------------------------------------------------------------------------------- */
/* A follower's cycle                                                                       */

/* Records a follower's cycle in `follow` and in every offer's status (see DESIGN). */
static void follow_record(struct refresher *rf, int r, bool changed,
                          const struct follow_report *rep, const struct fetch_result *res,
                          const struct cf_error *err)
{
    struct follow_state *fs = &rf->follow;
    int64_t done = now_s();
    long interval = rf->cfg->rates_url_interval_s;
    long next = done + (r == 0 ? interval : interval < RETRY_AFTER_S ? interval : RETRY_AFTER_S);
    lock(rf);
    struct refresh_counts *counts[CF_OFFER_COUNT + 1];
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        struct offer_state *os = &rf->offers[o];
        counts[o] = &os->counts;
        os->counts.big_moves += rep->moves[o];
        os->next_due = next;
        if (r == 0) {
            os->last_error[0] = '\0';
            os->last_success = done;
        } else {
            copy_error(os->last_error, sizeof(os->last_error), err->message);
        }
    }
    counts[CF_OFFER_COUNT] = &fs->counts;
    fs->counts.big_moves += rep->moves_total;
    for (int i = 0; i <= CF_OFFER_COUNT; i++) {
        if (r == 0) {
            counts[i]->ok += changed;
            counts[i]->unchanged += !changed;
        } else {
            counts[i]->failed++;
            counts[i]->rejected += rep->rejected;
        }
    }
    if (r == 0) {
        fs->last_error[0] = '\0';
        fs->last_success = done;
        snprintf(fs->etag, sizeof(fs->etag), "%s", fs->validators.etag);
    } else {
        copy_error(fs->last_error, sizeof(fs->last_error), err->message);
    }
    if (changed) {
        fs->last_change = done;
        fs->built_at = rep->built_at;
        fs->bytes = res->bytes;
        fs->wire_bytes = res->wire_bytes;
    }
    unlock(rf);
}

/* One check of rates_url (see DESIGN). */
static int follow_cycle(struct refresher *rf, struct cf_error *reterr)
{
    struct follow_state *fs = &rf->follow;
    int64_t started = now_s();
    lock(rf);
    fs->counts.attempts++;
    fs->last_attempt = started;
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        rf->offers[o].counts.attempts++;
        rf->offers[o].last_attempt = started;
    }
    unlock(rf);

    struct rates *cur = pricing_cache_acquire(rf->cache);
    struct rates *next = NULL;
    struct follow_report rep;
    memset(&rep, 0, sizeof(rep));
    struct fetch_result res;
    memset(&res, 0, sizeof(res));
    struct cf_error err = {0};
    char *body = NULL;
    size_t len = 0;
    uint64_t cap = (uint64_t)rf->cfg->fetch_max_bytes;
    if (cap > (uint64_t)RATES_JSON_MAX_FILE_BYTES)
        cap = (uint64_t)RATES_JSON_MAX_FILE_BYTES; /* what the state file could not load */
    bool changed = false;
    int r = fetch_to_buffer(rf->fetcher, rf->cfg->rates_url, fs->have_doc ? &fs->validators : NULL,
                            cap, &body, &len, &res, &err);
    if (r == 0 && res.not_modified) {
        fs->validators = res.validators;
    } else if (r == 0) {
        r = follow_document(cur, body, len, rf->cfg, &next, &rep, &err);
        if (r != 0) {
            char msg[sizeof(err.message)];
            snprintf(msg, sizeof(msg), "GET %s: %s", fs->shown, err.message);
            memcpy(err.message, msg, sizeof(msg));
        }
    }
    free(body);
    message_shown(err.message, sizeof(err.message), rf->cfg->rates_url, fs->shown);
    if (r == 0 && next) {
        /* A refused document's validators are not kept: the next cycle fetches it again. */
        fs->validators = res.validators;
        fs->have_doc = true;
        pricing_cache_swap(rf->cache, rates_ref(next));
        save_state(rf, next);
        changed = true;
    }
    follow_record(rf, r, changed, &rep, &res, &err);
    if (r != 0) {
        LOG_FIELDS(CF_LOG_WARN, "rates_url_failed", LOGF_S("url", fs->shown),
                   LOGF_B("rejected", rep.rejected), LOGF_S("message", err.message));
        if (reterr)
            *reterr = err;
    } else if (changed) {
        LOG_FIELDS(CF_LOG_INFO, "rates_url_refreshed", LOGF_S("url", fs->shown),
                   LOGF_I("regions", rep.regions), LOGF_I("regions_added", rep.added),
                   LOGF_I("regions_kept", rep.kept), LOGF_I("rate_moves", rep.moves_total),
                   LOGF_I("bytes", res.bytes), LOGF_I("wire_bytes", res.wire_bytes));
    }
    rates_unref(next);
    rates_unref(cur);
    return r;
}

/* Refreshes the offers in `offers_mask`, one after the other; a follower checks its rates_url
 * once, for all of them. The caller has set `busy` (under `mu`, in the same critical section
 * that decided to run) and clears it afterwards. */
static int run_cycle(struct refresher *rf, unsigned offers_mask, struct cf_error *reterr)
{
    if (rf->following)
        return offers_mask ? follow_cycle(rf, reterr) : 0;
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
    if (rf->following)
        LOG_FIELDS(CF_LOG_INFO, "refresher_started", LOGF_S("rates_url", rf->follow.shown),
                   LOGF_I("interval_s", rf->cfg->rates_url_interval_s));
    else
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
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        json_decref(rf->offers[o].index);
        json_decref(rf->offers[o].feed.doc);
    }
    LOCK_CHECK(pthread_cond_destroy(&rf->cv));
    LOCK_CHECK(pthread_mutex_destroy(&rf->mu));
    free(rf);
}

/* ---------------------------------------------------------------------------------------- */
/* Status for GET /pricing                                                                  */

/* A feed's entry in one region's status: its source, version and fetched_at, and what the feed
 * adds (Fargate Spot: its architectures), or {"source": "none"} without rates from it. */
static json_t *feed_region_status(const struct offer_feed *feed, const struct region_rates *rr)
{
    if (!rr || !feed->has(rr))
        return json_pack("{s:s}", "source", "none");
    const struct offer_info *in = offer_feed_info(feed, rr);
    json_t *j = json_pack("{s:s, s:o, s:o}", "source", cf_source_name(in->source), "version",
                          in->version[0] ? json_string(in->version) : json_null(), "fetched_at",
                          time_json(in->fetched_at));
    if (j && feed->status(rr, j) != 0) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* A part's entry in one region's status (the EC2 offer's "nat_gateway"): its source, version,
 * published and fetched_at, or {"source": "none"} without its rates. */
static json_t *part_region_status(const struct offer_part *part, const struct region_rates *rr)
{
    if (!rr || !part->has(rr))
        return json_pack("{s:s}", "source", "none");
    const struct offer_info *in = offer_part_info(part, rr);
    return json_pack("{s:s, s:o, s:o, s:o}", "source", cf_source_name(in->source), "version",
                     in->version[0] ? json_string(in->version) : json_null(), "published",
                     in->published[0] ? json_string(in->published) : json_null(), "fetched_at",
                     time_json(in->fetched_at));
}

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
        if (offer_kinds[o]->status && offer_kinds[o]->status(rr, j) != 0) {
            json_decref(j);
            return NULL;
        }
    } else {
        json_object_set_new(j, "source", json_string("none"));
        json_object_set_new(j, "stale", json_true());
    }
    const struct offer_feed *feed = offer_kinds[o]->feed;
    if (feed)
        json_object_set_new(j, feed->name, feed_region_status(feed, rr));
    const struct offer_part *part = offer_kinds[o]->part;
    if (part)
        json_object_set_new(j, part->doc_key, part_region_status(part, rr));
    if (rs) {
        json_object_set_new(j, "last_attempt", time_json(rs->last_attempt));
        json_object_set_new(j, "last_error",
                            rs->last_error[0] ? json_string(rs->last_error) : json_null());
    }
    return j;
}

/* A feed's summary: where the table's rates from it came from (the most current source among
 * its regions: live, else state, else snapshot; "none" when no region has any), the feed's URL
 * and, with a refresher, its last attempt and error. Called with `mu` held. */
static json_t *feed_status(const struct refresher *rf, enum cf_offer o, const struct rates *rates,
                           const struct cf_config *cfg)
{
    const struct offer_feed *feed = offer_kinds[o]->feed;
    const struct feed_state *fs = rf ? &rf->offers[o].feed : NULL;
    const struct offer_info *best = NULL;
    for (size_t i = 0; rates && i < rates->n_regions; i++) {
        const struct region_rates *rr = &rates->regions[i];
        const struct offer_info *in = offer_feed_info(feed, rr);
        if (feed->has(rr) && (!best || in->source > best->source))
            best = in;
    }
    const char *version = best && best->version[0] ? best->version : NULL;
    if (fs && fs->version[0])
        version = fs->version;
    const char *url = feed->url(cfg);
    json_t *j = json_pack("{s:o, s:s, s:o}", "url", url[0] ? json_string(url) : json_null(),
                          "source", best ? cf_source_name(best->source) : "none", "version",
                          version ? json_string(version) : json_null());
    if (!j)
        return NULL;
    json_object_set_new(j, "last_attempt", time_json(fs ? fs->last_attempt : 0));
    json_object_set_new(j, "last_success", time_json(fs ? fs->last_success : 0));
    json_object_set_new(j, "last_error",
                        fs && fs->last_error[0] ? json_string(fs->last_error) : json_null());
    return j;
}

/* A follower's rates_url for /pricing (null when it is not one): where its rates come from,
 * the document in use (its ETag, its built_at, its size on the wire and decoded), the last
 * check's outcome and the counters. Called with `mu` held. */
static json_t *follow_status(const struct refresher *rf, int64_t now)
{
    if (!rf || !rf->following)
        return json_null();
    const struct follow_state *fs = &rf->follow;
    const struct refresh_counts *c = &fs->counts;
    return json_pack(
        "{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
        "url", fs->shown, "interval_s", (json_int_t)rf->cfg->rates_url_interval_s, "last_attempt",
        time_json(fs->last_attempt), "last_success", time_json(fs->last_success), "last_change",
        time_json(fs->last_change), "last_error",
        fs->last_error[0] ? json_string(fs->last_error) : json_null(), "etag",
        fs->etag[0] ? json_string(fs->etag) : json_null(), "built_at", time_json(fs->built_at),
        "next_refresh",
        rf->started ? time_json(rf->offers[0].next_due > now ? rf->offers[0].next_due : now)
                    : json_null(),
        "bytes", (json_int_t)fs->bytes, "wire_bytes", (json_int_t)fs->wire_bytes, "counts",
        "attempts", (json_int_t)c->attempts, "ok", (json_int_t)c->ok, "unchanged",
        (json_int_t)c->unchanged, "failed", (json_int_t)c->failed, "rejected",
        (json_int_t)c->rejected, "big_moves", (json_int_t)c->big_moves);
}

static json_t *status_json(struct refresher *rf, const struct rates *rates,
                           const struct cf_config *cfg, int64_t now)
{
    json_t *offers = json_object();
    for (int o = 0; offers && o < CF_OFFER_COUNT; o++) {
        const struct offer_kind *kind = offer_kinds[o];
        json_t *regions = json_object();
        json_t *entry = json_pack("{s:s}", "offer_code", kind->code);
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
            /* A follower refreshes no region of its own: its regions are the table's. */
            for (size_t i = 0; !rf->following && i < rf->n_regions; i++) {
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
        if (kind->feed)
            json_object_set_new(entry, kind->feed->name,
                                feed_status(rf, (enum cf_offer)o, rates, cfg));
        json_object_set_new(entry, "regions", regions);
        json_object_set_new(offers, cf_offer_name((enum cf_offer)o), entry);
    }
    if (!offers)
        return NULL;
    return json_pack("{s:b, s:b, s:s, s:o, s:o, s:I, s:o}", "refresh_enabled", rf != NULL, "busy",
                     rf ? (rf->busy || rf->force) : 0, "pricing_url", cfg->pricing_url, "rates_url",
                     follow_status(rf, now), "built_at", time_json(rates ? rates->built_at : 0),
                     "stale_after_s", (json_int_t)cfg->stale_after_s, "offers", offers);
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

bool refresher_follow_status(struct refresher *rf, struct refresh_follow *ret)
{
    if (!rf->following)
        return false;
    lock(rf);
    ret->counts = rf->follow.counts;
    ret->last_success = rf->follow.last_success;
    ret->failing = rf->follow.last_error[0] != '\0';
    unlock(rf);
    return true;
}
