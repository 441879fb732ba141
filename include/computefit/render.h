/*
 * render.h - the core's answers (advise.h) as the bytes each caller wants: JSON for dashboards,
 * plain text and Markdown for chat-ops bots, SVG for /compare charts.
 *
 * Renderers read the typed answer and nothing else: the wording of every sentence comes from
 * the one table in message.h, every platform's names and settings from platforms[], so the
 * representations cannot drift apart. The only thing a renderer adds is the age of the rates,
 * which the pure core cannot know: `now` comes from the caller.
 */
#ifndef COMPUTEFIT_RENDER_H
#define COMPUTEFIT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/advise.h"
#include "computefit/error.h"

struct render_opts {
    int64_t now;        /* Unix seconds, for the age of the rates */
    long stale_after_s; /* rates older than this are reported stale */
};

/* The provenance of the rates an answer used, as "pricing" shows it. */
struct render_pricing {
    const char *source;  /* "snapshot", "state", "live", "rates_url", "mixed" or "none" */
    const char *version; /* of the oldest offer; NULL when unknown */
    const char *as_of;   /* publication date of the oldest offer; NULL when unknown */
    bool known_age;      /* the rates' time is known: age_s is their age */
    int64_t age_s;       /* negative when the publisher's clock is ahead of ours */
    bool stale;          /* rates.h's rule: unknown or older than stale_after_s */
};

/* Fills *ret with the provenance of region `rr`'s rates at opts->now. */
void render_pricing_of(const struct region_rates *rr, const struct render_opts *opts,
                       struct render_pricing *ret);

/* Writes a plan's recommendation in a sentence ("Run a and b on Lambda; c on Fargate; $12.34 a
 * month in total.") into out[0..cap), cut at a character boundary when it does not fit. */
void render_plan_summary(const struct plan *p, char *out, size_t cap);

/* Renders `a` as the JSON body of /advise or /compare. Returns a new malloc()ed NUL-terminated
 * string (the caller free()s it) and sets *ret_len, or NULL when out of memory. */
char *render_json(const struct cf_answer *a, const struct render_opts *opts, size_t *ret_len);

/* Renders `a` as at most six lines for chat-ops bots, with Markdown emphasis when `markdown`:
 * the recommendation; the monthly cost of each option (and why each other one is out) or each
 * task of a plan; the deciding sentence; the break-even (comparisons); the first warning; the
 * rates used. Returns a new malloc()ed string, or NULL when out of memory. */
char *render_text(const struct cf_answer *a, const struct render_opts *opts, bool markdown);

/* Renders a comparison as a 600x400 SVG (render_svg.c has the layout). On success sets
 * *ret_svg to a new malloc()ed NUL-terminated string and *ret_len to its length and returns 0;
 * CF_EINVAL when `a` is not a comparison, CF_ENOMEM, or CF_EINTERNAL when the SVG would outgrow
 * its cap; fills *reterr (may be NULL) and leaves the outputs untouched. */
int render_svg(const struct cf_answer *a, char **ret_svg, size_t *ret_len, struct cf_error *reterr);

#endif
