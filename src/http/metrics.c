/*
 * metrics.c - Prometheus text exposition of the service's counters.
 */
#include "computefit/metrics.h"

#include "computefit/dynbuf.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_build.h"
#include "computefit/app.h"
#include "computefit/refresher.h"
#include "computefit/router.h"

#define STATUS_MIN 100
#define STATUS_MAX 599
#define N_STATUS   (STATUS_MAX - STATUS_MIN + 1)

/* Latency bucket upper bounds, in microseconds (0.1 ms ... 2.5 s). */
static const int64_t bucket_us[] = {100,   250,   500,    1000,   2500,   5000,    10000,
                                    25000, 50000, 100000, 250000, 500000, 1000000, 2500000};
#define N_BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

struct route_metrics {
    atomic_uint_least64_t by_status[N_STATUS];
    atomic_uint_least64_t buckets[N_BUCKETS + 1]; /* the last is +Inf */
    atomic_uint_least64_t sum_us;
    atomic_uint_least64_t count;
};

struct metrics {
    const struct route *routes;
    size_t n_routes;
    struct route_metrics *per_route; /* n_routes + 1: index 0 is "no route" */
};

struct metrics *metrics_new(const struct route *routes, size_t n_routes)
{
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->per_route = calloc(n_routes + 1, sizeof(*m->per_route));
    if (!m->per_route) {
        free(m);
        return NULL;
    }
    m->routes = routes;
    m->n_routes = n_routes;
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->per_route);
    free(m);
}

void metrics_observe(struct metrics *m, int route_id, int status, int64_t duration_us)
{
    if (!m)
        return;
    if (route_id < 0 || (size_t)route_id > m->n_routes)
        route_id = 0;
    struct route_metrics *r = &m->per_route[route_id];
    if (status >= STATUS_MIN && status <= STATUS_MAX)
        atomic_fetch_add_explicit(&r->by_status[status - STATUS_MIN], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < N_BUCKETS && duration_us > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&r->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, (uint64_t)(duration_us > 0 ? duration_us : 0),
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}

/* The largest exposition rendered (a few hundred series at most). */
#define METRICS_MAX (4 * 1024 * 1024)

static void labels(const struct metrics *m, size_t i, char *buf, size_t cap)
{
    if (i == 0)
        snprintf(buf, cap, "method=\"\",route=\"unmatched\"");
    else
        snprintf(buf, cap, "method=\"%s\",route=\"%s\"", m->routes[i - 1].method,
                 m->routes[i - 1].pattern);
}

static void render_requests(struct dynbuf *t, struct metrics *m)
{
    char lb[160];
    dynbuf_printf(
        t, "# HELP computefit_http_requests_total HTTP requests answered, by route and status.\n"
           "# TYPE computefit_http_requests_total counter\n");
    for (size_t i = 0; i <= m->n_routes; i++) {
        labels(m, i, lb, sizeof(lb));
        for (int s = 0; s < N_STATUS; s++) {
            uint64_t n = atomic_load_explicit(&m->per_route[i].by_status[s], memory_order_relaxed);
            if (n)
                dynbuf_printf(t, "computefit_http_requests_total{%s,status=\"%d\"} %llu\n", lb,
                              s + STATUS_MIN, (unsigned long long)n);
        }
    }
    dynbuf_printf(t,
                  "# HELP computefit_http_request_duration_seconds Time from the first byte of a "
                  "request to its completion.\n"
                  "# TYPE computefit_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= m->n_routes; i++) {
        struct route_metrics *r = &m->per_route[i];
        uint64_t count = atomic_load_explicit(&r->count, memory_order_relaxed);
        if (!count)
            continue;
        labels(m, i, lb, sizeof(lb));
        uint64_t cum = 0;
        for (size_t b = 0; b < N_BUCKETS; b++) {
            cum += atomic_load_explicit(&r->buckets[b], memory_order_relaxed);
            dynbuf_printf(t, "computefit_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
                          lb, (double)bucket_us[b] / 1e6, (unsigned long long)cum);
        }
        cum += atomic_load_explicit(&r->buckets[N_BUCKETS], memory_order_relaxed);
        dynbuf_printf(t, "computefit_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
                      lb, (unsigned long long)cum);
        dynbuf_printf(t, "computefit_http_request_duration_seconds_sum{%s} %.6f\n", lb,
                      (double)atomic_load_explicit(&r->sum_us, memory_order_relaxed) / 1e6);
        /* _count equals the +Inf bucket by definition; use it so a scrape is self-consistent. */
        dynbuf_printf(t, "computefit_http_request_duration_seconds_count{%s} %llu\n", lb,
                      (unsigned long long)cum);
    }
}

static void render_pricing(struct dynbuf *t, const struct cf_app *app, int64_t now)
{
    dynbuf_printf(t,
                  "# HELP computefit_rates_age_seconds Age of the oldest rates in use, by offer.\n"
                  "# TYPE computefit_rates_age_seconds gauge\n");
    struct rates *rates = pricing_cache_acquire(app->cache);
    /* The oldest known age: rates whose time is unknown have no age (rates_age()), and a
     * gauge cannot say null, so they are left out of it; /pricing reports them stale. */
    for (int o = 0; rates && o < CF_OFFER_COUNT; o++) {
        int64_t oldest = 0, age;
        bool known = false;
        for (size_t i = 0; i < rates->n_regions; i++) {
            const struct region_rates *rr = &rates->regions[i];
            if (rr->has[o] && rates_age(rates_offer_time(&rr->info[o]), now, &age) &&
                (!known || age > oldest)) {
                oldest = age;
                known = true;
            }
        }
        if (known)
            dynbuf_printf(t, "computefit_rates_age_seconds{offer=\"%s\"} %lld\n",
                          cf_offer_name((enum cf_offer)o), (long long)oldest);
    }
    dynbuf_printf(t,
                  "# HELP computefit_rates_regions Regions with rates in the table in use.\n"
                  "# TYPE computefit_rates_regions gauge\n"
                  "computefit_rates_regions %zu\n",
                  rates ? rates->n_regions : 0);
    rates_unref(rates);

    if (!app->refresher)
        return;
    dynbuf_printf(
        t, "# HELP computefit_refresh_attempts_total Rate refresh cycles started, by offer.\n"
           "# TYPE computefit_refresh_attempts_total counter\n");
    struct refresh_counts c[CF_OFFER_COUNT];
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        refresher_counts(app->refresher, (enum cf_offer)o, &c[o]);
        dynbuf_printf(t, "computefit_refresh_attempts_total{offer=\"%s\"} %llu\n",
                      cf_offer_name((enum cf_offer)o), (unsigned long long)c[o].attempts);
    }
    dynbuf_printf(
        t, "# HELP computefit_refresh_outcomes_total Rate refresh cycles by offer and outcome "
           "(rejected cycles are also counted as failed).\n"
           "# TYPE computefit_refresh_outcomes_total counter\n");
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        const char *name = cf_offer_name((enum cf_offer)o);
        dynbuf_printf(t,
                      "computefit_refresh_outcomes_total{offer=\"%s\",outcome=\"ok\"} %llu\n"
                      "computefit_refresh_outcomes_total{offer=\"%s\",outcome=\"unchanged\"} %llu\n"
                      "computefit_refresh_outcomes_total{offer=\"%s\",outcome=\"failed\"} %llu\n"
                      "computefit_refresh_outcomes_total{offer=\"%s\",outcome=\"rejected\"} %llu\n",
                      name, (unsigned long long)c[o].ok, name, (unsigned long long)c[o].unchanged,
                      name, (unsigned long long)c[o].failed, name,
                      (unsigned long long)c[o].rejected);
    }
    dynbuf_printf(t, "# HELP computefit_rate_moves_total Rates seen moving by more than "
                     "max_price_change_factor, by offer.\n"
                     "# TYPE computefit_rate_moves_total counter\n");
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        dynbuf_printf(t, "computefit_rate_moves_total{offer=\"%s\"} %llu\n",
                      cf_offer_name((enum cf_offer)o), (unsigned long long)c[o].big_moves);

    /* A follower (rates_url): its checks, and whether it is serving its last good rates
     * because the last one failed. Its offers' series above count the same checks. */
    struct refresh_follow f;
    if (!refresher_follow_status(app->refresher, &f))
        return;
    dynbuf_printf(t,
                  "# HELP computefit_rates_url_checks_total Checks of rates_url by outcome "
                  "(rejected checks are also counted as failed).\n"
                  "# TYPE computefit_rates_url_checks_total counter\n"
                  "computefit_rates_url_checks_total{outcome=\"ok\"} %llu\n"
                  "computefit_rates_url_checks_total{outcome=\"unchanged\"} %llu\n"
                  "computefit_rates_url_checks_total{outcome=\"failed\"} %llu\n"
                  "computefit_rates_url_checks_total{outcome=\"rejected\"} %llu\n"
                  "# HELP computefit_rates_url_failing 1 when the last check of rates_url failed "
                  "and the last good rates serve on.\n"
                  "# TYPE computefit_rates_url_failing gauge\n"
                  "computefit_rates_url_failing %d\n"
                  "# HELP computefit_rates_url_last_success_seconds When a check of rates_url last "
                  "succeeded (Unix time; 0 = never).\n"
                  "# TYPE computefit_rates_url_last_success_seconds gauge\n"
                  "computefit_rates_url_last_success_seconds %lld\n",
                  (unsigned long long)f.counts.ok, (unsigned long long)f.counts.unchanged,
                  (unsigned long long)f.counts.failed, (unsigned long long)f.counts.rejected,
                  f.failing ? 1 : 0, (long long)f.last_success);
}

char *metrics_render(struct metrics *m, const struct cf_app *app, int64_t now, size_t *ret_len)
{
    struct dynbuf t;
    dynbuf_init(&t, METRICS_MAX);
    if (m)
        render_requests(&t, m);
    dynbuf_printf(&t,
                  "# HELP computefit_http_requests_in_flight Requests being processed now.\n"
                  "# TYPE computefit_http_requests_in_flight gauge\n"
                  "computefit_http_requests_in_flight %ld\n",
                  (long)atomic_load(&app->in_flight));
    render_pricing(&t, app, now);
    dynbuf_printf(&t,
                  "# HELP computefit_build_info The running build.\n"
                  "# TYPE computefit_build_info gauge\n"
                  "computefit_build_info{version=\"%s\"} 1\n"
                  "# HELP computefit_start_time_seconds When the process started (Unix time).\n"
                  "# TYPE computefit_start_time_seconds gauge\n"
                  "computefit_start_time_seconds %lld\n",
                  CF_VERSION, (long long)app->started_at);
    return dynbuf_take(&t, ret_len);
}
