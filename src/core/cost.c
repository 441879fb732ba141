/*
 * cost.c - the machinery every platform prices with: options, variants, line items, blocks,
 * Spot estimates, the choice of the cheapest (see cost.h). What each platform charges is in
 * platform_<key>.c.
 */
#include "computefit/cost.h"

#include <math.h>
#include <string.h>

#include "computefit/platform.h"

#define GIB 1073741824.0 /* bytes in a GB as AWS bills data: 2^30 */

double cost_round_up(double v, double step)
{
    return ceil(v / step - COST_EPS) * step;
}

int cost_arch_list(enum workload_arch a, enum cf_arch out[CF_ARCH_COUNT])
{
    if (a == WORKLOAD_ARCH_ANY) {
        out[0] = CF_ARCH_X86_64;
        out[1] = CF_ARCH_ARM64;
        return 2;
    }
    out[0] = a == WORKLOAD_ARCH_ARM64 ? CF_ARCH_ARM64 : CF_ARCH_X86_64;
    return 1;
}

double cost_ops_hours(const struct workload *w, const struct model *m, enum model_platform p)
{
    double h = m->ops.hours_per_month[p];
    if (w->settings.team_engineers == 1)
        h *= m->ops.solo_multiplier;
    return h;
}

const char *cost_mode_name(enum cost_mode mode)
{
    return mode == COST_MODE_ALWAYS_ON ? "always_on" : mode == COST_MODE_PER_JOB ? "per_job" : "";
}

/* Regions where Lambda offers no function URLs (docs.aws.amazon.com/lambda/latest/dg/
 * lambda-urls.html, "Function URLs are not supported in the following AWS Regions", read
 * 2026-12). */
static const char *const no_function_urls[] = {
    "ap-south-2",     "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
    "ap-southeast-7", "ap-east-2",      "ca-west-1",      "eu-south-2",
    "eu-central-2",   "il-central-1",   "me-central-1",
};

bool cost_function_urls(const char *region)
{
    for (size_t i = 0; i < sizeof(no_function_urls) / sizeof(no_function_urls[0]); i++)
        if (!strcmp(region, no_function_urls[i]))
            return false;
    return true;
}

/* The request's front door and network as platform `p` has them. An HTTP task's `auto` door is
 * the cheapest that serves HTTP: a function URL for functions (API Gateway's HTTP APIs in a
 * region without function URLs), an ALB for tasks. Tasks cannot
 * have a function URL (an ALB it is), and an API Gateway reaches tasks through a VPC link to an
 * ALB. Lambda outside a VPC holds no address: a public IPv4 address or a NAT gateway is for
 * what runs in the VPC (containers, instances, Lambda Managed Instances). Then which categories
 * the region has no rates for. */
static void resolve_bill(const struct cost_ctx *c, const struct platform *p, struct cost_option *o)
{
    const struct workload *w = c->w;
    const struct region_rates *rr = c->rr;
    o->front_door = WORKLOAD_DOOR_NONE;
    o->network = WORKLOAD_NET_NONE;
    if (w->settings.compute_only)
        return;
    o->logs = true;
    enum workload_front_door d = w->bill.front_door;
    if (w->trigger == MODEL_TRIGGER_HTTP && d != WORKLOAD_DOOR_NONE) {
        if (d == WORKLOAD_DOOR_AUTO)
            d = p->functions ? WORKLOAD_DOOR_FUNCTION_URL : WORKLOAD_DOOR_ALB;
        else if (d == WORKLOAD_DOOR_FUNCTION_URL && !p->functions)
            d = WORKLOAD_DOOR_ALB;
        if (d == WORKLOAD_DOOR_FUNCTION_URL && !cost_function_urls(c->rr->code)) {
            d = WORKLOAD_DOOR_API_GATEWAY_HTTP; /* the cheapest door left that serves HTTP */
            o->no_function_url = true;
        }
        o->front_door = d;
        o->front_door_alb =
            d == WORKLOAD_DOOR_ALB || (!p->functions && (d == WORKLOAD_DOOR_API_GATEWAY_HTTP ||
                                                         d == WORKLOAD_DOOR_API_GATEWAY_REST));
    }
    if (!p->outside_vpc)
        o->network = w->bill.network;
    const struct api_gateway_rates *ag = &rr->api_gateway;
    bool api = o->front_door == WORKLOAD_DOOR_API_GATEWAY_HTTP ||
               o->front_door == WORKLOAD_DOOR_API_GATEWAY_REST;
    size_t n_tiers =
        o->front_door == WORKLOAD_DOOR_API_GATEWAY_HTTP ? ag->n_http_tiers : ag->n_rest_tiers;
    o->unpriced[COST_CAT_FRONT_DOOR] = (o->front_door_alb && !rr->has[CF_OFFER_ELB]) ||
                                       (api && (!rr->has[CF_OFFER_API_GATEWAY] || n_tiers == 0));
    o->unpriced[COST_CAT_NETWORK] =
        (o->network == WORKLOAD_NET_PUBLIC_IPV4 && !rr->has[CF_OFFER_VPC]) ||
        (o->network == WORKLOAD_NET_NAT && !rr->has_nat_gateway);
    o->unpriced[COST_CAT_LOGS] = !rr->has[CF_OFFER_CLOUDWATCH];
}

void cost_option_init(const struct cost_ctx *c, const struct platform *p, struct cost_option *o)
{
    memset(o, 0, sizeof(*o));
    o->platform = p;
    o->chosen = -1;
    o->ops_hours = cost_ops_hours(c->w, c->m, p->id);
    o->ops_priced = c->w->settings.engineer_hourly_usd > 0;
    o->concurrency = workload_concurrency(c->w, c->m);
    resolve_bill(c, p, o);
}

void cost_block(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                double limit_value, double value, bool rate_dependent, struct message detail)
{
    if (!ARENA_GROW(c->arena, o->blocks, o->n_blocks, o->cap_blocks))
        return;
    o->blocks[o->n_blocks++] = (struct cost_block){
        .limit = limit,
        .limit_value = limit_value,
        .value = value,
        .rate_dependent = rate_dependent,
        .detail = detail,
    };
}

struct cost_variant *cost_variant_add(const struct cost_ctx *c, struct cost_option *o,
                                      const char *name, enum cf_arch arch, enum cost_mode mode)
{
    if (!ARENA_GROW(c->arena, o->variants, o->n_variants, o->cap_variants))
        return NULL;
    struct cost_variant *v = &o->variants[o->n_variants++];
    memset(v, 0, sizeof(*v));
    v->name = name;
    v->arch = arch;
    v->mode = mode;
    v->piece_end = (double)INFINITY;
    return v;
}

void cost_line_add(const struct cost_ctx *c, struct cost_variant *v, const char *item,
                   double quantity, const char *unit, double unit_usd, bool discountable)
{
    if (!ARENA_GROW(c->arena, v->lines, v->n_lines, v->cap_lines))
        return;
    v->lines[v->n_lines++] = (struct cost_line){
        .item = item,
        .quantity = quantity,
        .unit = unit,
        .unit_usd = unit_usd,
        .usd = quantity * unit_usd,
        .estimate = v->spot && v->spot_source == COST_SPOT_DISCOUNT,
        .discountable = discountable,
    };
}

void cost_note_add(const struct cost_ctx *c, struct cost_variant *v, struct message note)
{
    if (ARENA_GROW(c->arena, v->notes, v->n_notes, v->cap_notes))
        v->notes[v->n_notes++] = note;
}

const char *cost_category_name(enum cost_category cat)
{
    static const char *const names[COST_CAT_COUNT] = {"compute", "front_door", "network", "logs",
                                                      "operations"};
    return cat < COST_CAT_COUNT ? names[cat] : "compute";
}

/* Appends a line of the rest of the bill. */
static void bill_line(const struct cost_ctx *c, struct cost_variant *v, enum cost_category cat,
                      bool shared, const char *item, double quantity, const char *unit,
                      double unit_usd, struct message basis)
{
    size_t n = v->n_lines;
    cost_line_add(c, v, item, quantity, unit, unit_usd, false);
    if (v->n_lines > n) {
        struct cost_line *l = &v->lines[n];
        l->estimate = false; /* a published rate, whatever the variant's compute is */
        l->category = cat;
        l->shared = shared;
        l->basis = basis;
    }
}

/* API Gateway's requests through its monthly tiers, one line per tier touched (the first even
 * when empty); ends the variant's piece at the next tier boundary. */
static void api_gateway_lines(const struct cost_ctx *c, const struct cost_option *o,
                              struct cost_variant *v)
{
    static const char *const items[2][CF_API_GATEWAY_TIERS_MAX] = {
        /* [rest][tier] */
        {"api_gateway_http_requests_tier_1", "api_gateway_http_requests_tier_2",
         "api_gateway_http_requests_tier_3", "api_gateway_http_requests_tier_4",
         "api_gateway_http_requests_tier_5", "api_gateway_http_requests_tier_6"},
        {"api_gateway_rest_requests_tier_1", "api_gateway_rest_requests_tier_2",
         "api_gateway_rest_requests_tier_3", "api_gateway_rest_requests_tier_4",
         "api_gateway_rest_requests_tier_5", "api_gateway_rest_requests_tier_6"},
    };
    const struct api_gateway_rates *ag = &c->rr->api_gateway;
    bool http = o->front_door == WORKLOAD_DOOR_API_GATEWAY_HTTP;
    const struct rate_tier *t = http ? ag->http_tiers : ag->rest_tiers;
    size_t n = http ? ag->n_http_tiers : ag->n_rest_tiers;
    double requests = c->w->invocations_per_month, lo = 0;
    struct message basis = msg_make(N_BILL_API_GATEWAY, "nn", (double)http, requests);
    for (size_t i = 0; i < n && i < CF_API_GATEWAY_TIERS_MAX; i++) {
        double q = fmin(requests, t[i].up_to) - lo;
        if (q > 0 || i == 0)
            bill_line(c, v, COST_CAT_FRONT_DOOR, true, items[!http][i], q > 0 ? q : 0, "request",
                      t[i].usd, basis);
        if (t[i].up_to > requests) {
            v->piece_end = fmin(v->piece_end, t[i].up_to);
            break;
        }
        lo = t[i].up_to;
    }
}

/* An ALB's hours and its LCU-hours: the largest of its dimensions at the month's average rate,
 * each linear in the rate. */
static void alb_lines(const struct cost_ctx *c, const struct cost_option *o, struct cost_variant *v)
{
    const struct model_bill *b = &c->m->bill;
    const struct workload *w = c->w;
    double hours = c->m->hours_per_month;
    bool lambda_target = o->platform->functions && o->front_door == WORKLOAD_DOOR_ALB;
    double per_s = workload_rate_per_s(w, c->m);
    double gb_per_lcu =
        lambda_target ? b->alb_processed_gb_per_lcu_lambda : b->alb_processed_gb_per_lcu;
    double lcu_new = per_s / b->requests_per_connection / b->alb_new_connections_per_lcu;
    double lcu_active = workload_concurrency(w, c->m) / b->alb_active_connections_per_lcu;
    double lcu_bytes = per_s * 3600 * w->bill.bytes_per_request / GIB / gb_per_lcu;
    double lcu = fmax(lcu_new, fmax(lcu_active, lcu_bytes));
    bill_line(c, v, COST_CAT_FRONT_DOOR, true, "alb_hours", hours, "ALB-hour",
              c->rr->elb.alb_hour_usd,
              msg_make(N_BILL_ALB_HOURS, "n", (double)(o->front_door != WORKLOAD_DOOR_ALB)));
    bill_line(c, v, COST_CAT_FRONT_DOOR, true, "alb_lcu_hours", lcu * hours, "LCU-hour",
              c->rr->elb.alb_lcu_hour_usd,
              msg_make(N_BILL_ALB_LCU, "nnnnnnnn", lcu, lcu_new, b->alb_new_connections_per_lcu,
                       lcu_active, b->alb_active_connections_per_lcu, lcu_bytes, gb_per_lcu,
                       w->bill.bytes_per_request));
}

/* The rest of the bill (see cost_option): front door, network, logs, where the region has
 * rates for them (rules.c warns of the others). Rates come from the region as it is: a Savings
 * Plan does not cover them, nor does Spot discount them. */
static void bill_lines(const struct cost_ctx *c, const struct cost_option *o,
                       struct cost_variant *v)
{
    const struct workload *w = c->w;
    const struct region_rates *rr = c->rr;
    const struct model_bill *b = &c->m->bill;
    double hours = c->m->hours_per_month;
    if (o->front_door != WORKLOAD_DOOR_NONE && !o->unpriced[COST_CAT_FRONT_DOOR]) {
        if (o->front_door == WORKLOAD_DOOR_FUNCTION_URL)
            bill_line(c, v, COST_CAT_FRONT_DOOR, true, "function_url_requests",
                      w->invocations_per_month, "request", 0, msg_make(N_BILL_FUNCTION_URL, ""));
        else if (o->front_door != WORKLOAD_DOOR_ALB)
            api_gateway_lines(c, o, v);
        if (o->front_door_alb)
            alb_lines(c, o, v);
    }
    if (!o->unpriced[COST_CAT_NETWORK]) {
        if (o->network == WORKLOAD_NET_PUBLIC_IPV4 && v->address_hours > 0)
            bill_line(c, v, COST_CAT_NETWORK, false, "public_ipv4_hours", v->address_hours,
                      "address-hour", rr->public_ipv4_hour_usd, msg_make(N_BILL_PUBLIC_IPV4, ""));
        if (o->network == WORKLOAD_NET_NAT) {
            bill_line(
                c, v, COST_CAT_NETWORK, true, "nat_gateway_hours", b->nat_gateways * hours,
                "NAT gateway-hour", rr->nat_gateway_hour_usd,
                msg_make(N_BILL_NAT_HOURS, "nn", b->nat_gateways, (double)(b->nat_gateways != 1)));
            bill_line(c, v, COST_CAT_NETWORK, true, "nat_gateway_gb", w->bill.egress_gb_per_month,
                      "GB", rr->nat_gateway_gb_usd,
                      msg_make(N_BILL_NAT_GB, "n", w->bill.egress_gb_per_month));
        }
    }
    if (o->logs && !o->unpriced[COST_CAT_LOGS]) {
        double gb = w->invocations_per_month * w->bill.log_bytes_per_invocation / GIB;
        double stored = gb * w->bill.log_retention_days / (hours / 24);
        bill_line(c, v, COST_CAT_LOGS, true, "logs_ingested_gb", gb, "GB",
                  rr->cloudwatch.logs_ingest_gb_usd,
                  msg_make(N_BILL_LOGS_INGESTED, "n", w->bill.log_bytes_per_invocation));
        bill_line(c, v, COST_CAT_LOGS, true, "logs_stored_gb_months", stored, "GB-month",
                  rr->cloudwatch.logs_storage_gb_month_usd,
                  msg_make(N_BILL_LOGS_STORED, "nn", (double)w->bill.log_retention_days, stored));
    }
}

void cost_variant_finish(const struct cost_ctx *c, const struct cost_option *o,
                         struct cost_variant *v)
{
    bill_lines(c, o, v);
    double infra = 0, compute = 0, shared = 0;
    for (size_t i = 0; i < v->n_lines; i++) {
        const struct cost_line *l = &v->lines[i];
        infra += l->usd;
        if (l->category == COST_CAT_COMPUTE)
            compute += l->usd;
        if (l->shared)
            shared += l->usd;
    }
    v->infrastructure_usd = infra;
    v->compute_usd = compute;
    v->shared_usd = shared;
    v->operations_usd = 0;
    if (o->ops_priced) {
        size_t n = v->n_lines;
        cost_line_add(c, v, "operations", o->ops_hours, "engineer-hour",
                      c->w->settings.engineer_hourly_usd, false);
        if (v->n_lines > n) {
            v->lines[n].estimate = false; /* effort is not discounted, nor an estimated rate */
            v->lines[n].category = COST_CAT_OPERATIONS;
            v->operations_usd = v->lines[n].usd;
        }
    }
    v->monthly_usd = v->infrastructure_usd + v->operations_usd;
}

void cost_spot_estimate(const struct cost_ctx *c, struct cost_option *o, size_t base,
                        const char *name, double discount)
{
    struct cost_variant *v = cost_variant_add(c, o, name, CF_ARCH_X86_64, COST_MODE_NONE);
    if (!v)
        return;
    const struct cost_variant *b = &o->variants[base]; /* after the append: it may have moved */
    v->arch = b->arch;
    v->mode = b->mode;
    v->piece_end = b->piece_end;
    v->step_rate = b->step_rate;
    v->detail = b->detail;
    v->notes = b->notes; /* shared: the base gets no more notes once finished */
    v->n_notes = v->cap_notes = b->n_notes;
    v->startup_s = b->startup_s;
    v->curved = b->curved;
    v->on_gpu = b->on_gpu;
    v->spot_type = v->spot_band = NULL;
    v->fall_from = b->fall_from;
    v->fall_to = b->fall_to;
    v->spot = true;
    v->spot_source = COST_SPOT_DISCOUNT;
    /* (A base whose lines ran out of memory may have none: the arena is failed then, and so is
     * the answer.) */
    v->address_hours = b->address_hours;
    /* Compute lines only: the rest of the bill and the effort line are added again below. */
    for (size_t i = 0; i < b->n_lines; i++) {
        const struct cost_line *l = &b->lines[i];
        if (l->category != COST_CAT_COMPUTE)
            continue;
        cost_line_add(c, v, l->item, l->quantity, l->unit,
                      l->unit_usd * (l->discountable ? 1 - discount : 1), l->discountable);
        if (v->n_lines && !l->discountable)
            v->lines[v->n_lines - 1].estimate = l->estimate; /* not discounted: as it was */
        b = &o->variants[base];                              /* lines grew in the arena, not here */
    }
    cost_variant_finish(c, o, v);
    /* Every line of a stepping fleet but the shared ones is proportional to its size: so is the
     * discounted step. */
    b = &o->variants[base];
    double b_own = b->infrastructure_usd - b->shared_usd;
    if (b->step_rate > 0 && b_own > 0)
        v->step_usd = b->step_usd * (v->infrastructure_usd - v->shared_usd) / b_own;
}

void cost_choose(const struct cost_ctx *c, struct cost_option *o)
{
    double budget = c->w->latency_budget_s;
    int fastest = -1;
    o->chosen = -1;
    for (size_t i = 0; i < o->n_variants; i++) {
        struct cost_variant *v = &o->variants[i];
        v->too_slow = v->startup_s > budget + COST_EPS;
        if (fastest < 0 || v->startup_s < o->variants[fastest].startup_s)
            fastest = (int)i;
        if (!v->too_slow && (o->chosen < 0 || v->monthly_usd < o->variants[o->chosen].monthly_usd))
            o->chosen = (int)i;
    }
    if (o->chosen < 0 && fastest >= 0) {
        const struct cost_variant *f = &o->variants[fastest];
        cost_block(c, o, "latency_budget", budget, f->startup_s, false,
                   msg_make(B_LATENCY, "snn", o->platform->title, budget, f->startup_s));
        for (size_t i = 0; i < o->n_variants; i++)
            if (o->chosen < 0 || o->variants[i].monthly_usd < o->variants[o->chosen].monthly_usd)
                o->chosen = (int)i;
    }
    o->feasible = o->n_blocks == 0;
}

struct message cost_fleet_note(const struct cost_ctx *c, const struct cost_fleet *f,
                               const char *one, const char *many)
{
    const char *units = f->units == 1 ? one : many;
    const struct model_capacity *cap = &c->m->capacity;
    double load = workload_concurrency(c->w, c->m);
    if (f->by_wait)
        return msg_make(N_FLEET_WAIT, "nsnnnn", f->units, units, load, f->per_unit,
                        100 * cap->max_wait_probability, 100 * f->wait_probability);
    return msg_make(N_FLEET_UTILISATION, "nsnnnn", f->units, units, load, f->per_unit,
                    100 * f->utilisation, 100 * cap->target_utilisation);
}

void cost_block_memory(const struct cost_ctx *c, struct cost_option *o, const char *limit,
                       double max_mb, struct message too_much)
{
    const struct workload *w = c->w;
    if (w->model_memory_mb > w->memory_mb && w->model_memory_mb > max_mb + COST_EPS)
        cost_block(c, o, limit, max_mb, w->model_memory_mb, false,
                   msg_make(B_MODEL_MEMORY, "nnssn", w->model_memory_mb, w->model_params_b,
                            model_precision_name(w->precision), o->platform->title, max_mb));
    else if (w->memory_mb > max_mb + COST_EPS)
        cost_block(c, o, limit, max_mb, w->memory_mb, false, too_much);
}

double cost_erlang_b(double servers, double load)
{
    if (!(load > 0))
        return 0;
    double b = 1; /* the stable recursion B(k) = A B(k-1) / (k + A B(k-1)) */
    for (double k = 1; k <= servers; k++)
        b = load * b / (k + load * b);
    return b;
}

double cost_erlang_c(double servers, double load)
{
    if (!(load > 0))
        return 0;
    if (load >= servers)
        return 1;
    double b = cost_erlang_b(servers, load);
    return servers * b / (servers - load * (1 - b));
}

/* Whether `slots` serve `load` within the waiting bound. Far above the load (more spare slots
 * than 4 standard deviations of a Poisson load, Halfin-Whitt) the chance of waiting is below
 * 1e-4, under any bound the model allows, and Erlang C is not computed. */
static bool wait_ok(double slots, double load, double bound)
{
    if (slots - load >= 4 * sqrt(load) + 4)
        return true;
    return cost_erlang_c(slots, load) <= bound;
}

/* The most load `slots` carry within the model's bounds: the utilisation target, and when the
 * workload is latency-sensitive the waiting bound too (found by bisection: the bound holds at
 * `lo`, a load they already carry, and fails above the utilisation cap's). */
static double fleet_top_load(const struct cost_ctx *c, double slots, double lo)
{
    const struct model_capacity *cap = &c->m->capacity;
    double top = slots * cap->target_utilisation;
    if (c->w->latency_sensitive && !wait_ok(slots, top, cap->max_wait_probability)) {
        double hi = top;
        for (int i = 0; i < 60 && hi - lo > 1e-12 * hi; i++) {
            double mid = lo + (hi - lo) / 2;
            if (wait_ok(slots, mid, cap->max_wait_probability))
                lo = mid;
            else
                hi = mid;
        }
        top = lo;
    }
    return top;
}

double cost_fleet_end(const struct cost_ctx *c, double per_unit, double units)
{
    const struct workload *w = c->w;
    if (!(w->duration_s > 0))
        return (double)INFINITY;
    double per_month = c->m->hours_per_month * 3600; /* seconds */
    double load = workload_concurrency(w, c->m);
    return fleet_top_load(c, units * per_unit, load) * per_month / w->duration_s;
}

void cost_fleet_size(const struct cost_ctx *c, double per_unit, struct cost_fleet *ret)
{
    const struct workload *w = c->w;
    const struct model_capacity *cap = &c->m->capacity;
    double load = workload_concurrency(w, c->m), u = cap->target_utilisation;
    double per_month = c->m->hours_per_month * 3600; /* seconds */
    struct cost_fleet f = {.per_unit = per_unit, .piece_end = (double)INFINITY};
    f.units = fmax(1, ceil(load / (per_unit * u) - COST_EPS));
    if (w->latency_sensitive) {
        double by_util = f.units;
        while (!wait_ok(f.units * per_unit, load, cap->max_wait_probability))
            f.units++;
        f.by_wait = f.units > by_util;
    }
    double slots = f.units * per_unit;
    f.utilisation = load / slots;
    f.wait_probability = wait_ok(slots, load, 0) ? 0 : cost_erlang_c(slots, load);
    if (w->duration_s > 0) {
        /* The load this many units carry before the next is needed, as a rate; the steps are
         * regular when utilisation alone sizes the fleet. */
        f.piece_end = fleet_top_load(c, slots, load) * per_month / w->duration_s;
        if (!w->latency_sensitive)
            f.step_rate = per_unit * u * per_month / w->duration_s;
    }
    *ret = f;
}

void cost_price(const struct cost_ctx *c, const struct platform *p, struct cost_option *ret_option)
{
    cost_option_init(c, p, ret_option);
    p->price(c, ret_option);
}

double cost_best(const struct cost_option *o, enum cost_mode mode)
{
    double best = (double)NAN;
    for (size_t i = 0; i < o->n_variants; i++) {
        const struct cost_variant *v = &o->variants[i];
        if ((mode != COST_MODE_NONE && v->mode != mode) || v->too_slow)
            continue;
        if (isnan(best) || v->monthly_usd < best)
            best = v->monthly_usd;
    }
    return best;
}

const struct cost_variant *cost_chosen(const struct cost_option *o)
{
    return o->chosen >= 0 ? &o->variants[o->chosen] : NULL;
}
