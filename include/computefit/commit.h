/*
 * commit.h - prices under a Savings Plan: the region's rates with the plan's rates in place.
 *
 * The platforms price from a `struct region_rates` and know nothing of Savings Plans. A
 * commitment is priced by handing them a view of the region whose covered rates are the
 * plan's (rates.h: the effective rates, any upfront payment amortized over the term), so that
 * every rule of sizing and choosing stays the platforms' own:
 *  - Lambda (Compute plans): the duration rate of each architecture the plan has one for, flat
 *    (the file has one rate per SKU, the on-demand tiers do not apply to it), and the two
 *    provisioned concurrency rates where it has them;
 *  - Fargate (Compute plans): vCPU and GB hours of each architecture the plan has both for;
 *  - EC2 (both plans): each instance type the plan has a rate for, the list re-sorted by price
 *    (the EC2 pricing takes the first type that fits as the cheapest).
 * What a plan does not cover keeps its on-demand rate: requests, ephemeral storage, instance
 * types and architectures without a rate. Spot is not covered either: a plan discounts
 * On-Demand usage ("Savings Plans cover uncovered On-Demand usage", AWS re:Post,
 * https://repost.aws/knowledge-center/savings-plans-billing), and Spot usage is billed at Spot
 * prices, so Spot variants are priced from the on-demand region as before.
 *
 * The price assumes the hourly commitment matches the covered usage in every hour. A plan
 * applies hour by hour up to the commitment, the rest "is charged at the On-Demand rates"
 * (Savings Plans User Guide, https://docs.aws.amazon.com/savingsplans/latest/userguide/
 * sp-applying.html), and commitment unused in one hour does not carry to another (re:Post,
 * above): exact for an always-on fleet, optimistic for usage that varies by hour, which the
 * answer says in a warning.
 *
 * Pure, like the rest of the core; a view lives in an answer's arena and borrows the region.
 */
#ifndef COMPUTEFIT_COMMIT_H
#define COMPUTEFIT_COMMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "computefit/arena.h"
#include "computefit/cost.h"
#include "computefit/rates.h"

struct platform;

#define COMMIT_RATES_MAX 16 /* the Lambda and Fargate rates a view can substitute */

/* A region's rates under one Savings Plan. */
struct commit_view {
    struct region_rates rr; /* the region's, covered rates replaced; instances in the arena */
    enum cf_sp_plan plan;
    int term_years;
    enum cf_sp_payment payment;
    bool covers[CF_OFFER_COUNT]; /* the plan replaced at least one rate of the offer */
    /* What it replaced, for commit_covered(): Lambda and Fargate rates, and which instance
     * types (parallel to rr.instances). */
    double rates[COMMIT_RATES_MAX];
    size_t n_rates;
    bool *ec2_covered;
};

/* Returns the view of region `rr` (borrowed: keep it alive with the view) under the plan, in
 * `arena`; NULL when the region has no rates of that plan that apply to any platform, or when
 * memory ran out (the arena is then failed). */
const struct commit_view *commit_view_new(const struct region_rates *rr, enum cf_sp_plan plan,
                                          int term_years, enum cf_sp_payment payment,
                                          struct arena *arena);

/* Returns whether the view covers any rate platform `p` prices from. */
bool commit_covers(const struct commit_view *cv, const struct platform *p);

/* Prices c->w on platform p under the view into *ret_option, its arrays in c->arena: as
 * cost_price() with the view's rates, except that Spot variants are priced from c->rr (the
 * on-demand region), and lines priced at a plan rate are marked `committed`. */
void commit_price(const struct cost_ctx *c, const struct commit_view *cv, const struct platform *p,
                  struct cost_option *ret_option);

/* Returns whether line `l` of a variant priced under the view is at one of the plan's rates. */
bool commit_covered(const struct commit_view *cv, const struct cost_line *l);

#endif
