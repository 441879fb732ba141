/*
 * metrics.h - request counters and latency histograms, rendered in the Prometheus text format.
 *
 * Counters are atomics: the HTTP threads add to them in the request-completed callback without
 * a lock; GET /metrics reads them (each value is read atomically; a scrape taken while requests
 * complete may see one counter a request ahead of another, which Prometheus tolerates).
 */
#ifndef COMPUTEFIT_METRICS_H
#define COMPUTEFIT_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct route;
struct cf_app;
struct metrics;

/* Returns new metrics for a route table of `n_routes` routes (borrowed, labels), or NULL when
 * out of memory. */
struct metrics *metrics_new(const struct route *routes, size_t n_routes);

/* Frees the metrics. Accepts NULL. */
void metrics_free(struct metrics *m);

/* Records one answered request: `route_id` as http_response.route_id (0 = no route), its status
 * and how long it took. Safe from any thread. */
void metrics_observe(struct metrics *m, int route_id, int status, int64_t duration_us);

/* Returns the whole exposition (request metrics, in-flight requests, refresh attempts and
 * outcomes by offer, rates age by offer, build info) as a new malloc()ed string, or NULL when
 * out of memory. `app` is borrowed. `now` is Unix seconds. */
char *metrics_render(struct metrics *m, const struct cf_app *app, int64_t now, size_t *ret_len);

#endif
