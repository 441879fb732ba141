/*
 * platform.h - the places a task can run, one descriptor each.
 *
 * A platform is one row of `platforms[]`: its keys and names, the offer whose rates it needs,
 * and its functions (price: limits and variants; describe: a variant in a sentence; config:
 * the variant's settings as typed key/values). The rest of computefit loops over the table:
 * the advice, the break-even solver, the plan and every renderer work for any row. Adding a
 * platform is a row in platform.c, its functions in platform_<key>.c, and its constants in
 * config/model.json.
 */
#ifndef COMPUTEFIT_PLATFORM_H
#define COMPUTEFIT_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "computefit/cost.h"
#include "computefit/message.h"
#include "computefit/model.h"
#include "computefit/rates.h"

/* A value of a variant's `config`, for renderers: numbers (null when not finite), integers,
 * strings (borrowed), booleans, null, and nested objects between PARAM_BEGIN and PARAM_END. */
enum param_kind {
    PARAM_NUM = 1,
    PARAM_INT,
    PARAM_STR,
    PARAM_BOOL,
    PARAM_NULL,
    PARAM_BEGIN,
    PARAM_END
};

struct param {
    const char *key; /* static; NULL for PARAM_END */
    enum param_kind kind;
    double num;      /* PARAM_NUM, PARAM_INT */
    const char *str; /* PARAM_STR */
    bool b;          /* PARAM_BOOL */
};

static inline struct param param_num(const char *key, double v)
{
    return (struct param){.key = key, .kind = PARAM_NUM, .num = v};
}

/* A number when `present`, else null. */
static inline struct param param_opt(const char *key, bool present, double v)
{
    return (struct param){.key = key, .kind = present ? PARAM_NUM : PARAM_NULL, .num = v};
}

static inline struct param param_int(const char *key, double v)
{
    return (struct param){.key = key, .kind = PARAM_INT, .num = v};
}

static inline struct param param_str(const char *key, const char *s)
{
    return (struct param){.key = key, .kind = PARAM_STR, .str = s};
}

static inline struct param param_bool(const char *key, bool b)
{
    return (struct param){.key = key, .kind = PARAM_BOOL, .b = b};
}

static inline struct param param_null(const char *key)
{
    return (struct param){.key = key, .kind = PARAM_NULL};
}

/* Opens a nested object; param_end() closes it. */
static inline struct param param_begin(const char *key)
{
    return (struct param){.key = key, .kind = PARAM_BEGIN};
}

static inline struct param param_end(void)
{
    return (struct param){.kind = PARAM_END};
}

/* The most params a config has; a platform that needs more is a bug that its test catches. */
#define PLATFORM_PARAMS_MAX 32

/* Break-even pairs a platform forms with the reference platform (the first row). */
enum platform_break_even {
    BREAK_EVEN_ANY = 0, /* one pair: the platform's cheapest variant of any mode */
    BREAK_EVEN_BY_MODE, /* one pair per mode: always-on, then per-job */
};

struct platform {
    enum model_platform id;
    const char *key;         /* "lambda": JSON key of options and curves, model.json ops key */
    const char *verdict_key; /* the platform in verdicts: "favours_<verdict_key>" */
    const char *title;       /* "ECS on EC2": in sentences */
    const char *label;       /* "ECS on EC2": short answers for bots */
    const char *chart_label; /* "ECS on EC2": chart legends */
    const char *rates_label; /* "EC2 instance": "the rates table has no ... rates" */
    enum cf_offer offer;     /* the offer whose rates it needs */
    /* Functions answer HTTP through a function URL or API Gateway alone; other platforms'
     * tasks need a load balancer. */
    bool functions;
    /* Runs outside the customer's VPC: no address of its own, no NAT gateway (Lambda). */
    bool outside_vpc;
    enum platform_break_even break_even;

    /* Prices c->w: blocks, variants (each with its piece_end), the chosen one. */
    void (*price)(const struct cost_ctx *c, struct cost_option *o);
    /* A priced variant in a few words ("Lambda (x86_64, 1024 MB)"). */
    struct message (*describe)(const struct cost_option *o, const struct cost_variant *v);
    /* Fills out[] (PLATFORM_PARAMS_MAX) with the variant's settings; returns how many. */
    size_t (*config)(const struct cost_option *o, const struct cost_variant *v,
                     const struct workload *w, const struct model *m, struct param *out);
    /* Takes the account's free tier once for a plan from the chosen variants of the plan's
     * tasks placed on this platform (`v[0..n)`, in task order, priced without a free tier in
     * region `rr`): returns the saving (<= 0) and sets the requests and GB-seconds it covered.
     * NULL for a platform without a free tier. */
    double (*plan_free_tier)(const struct model *m, const struct region_rates *rr,
                             const struct cost_variant *const *v, size_t n, double *ret_requests,
                             double *ret_gb_s);
};

/* The platforms, indexed by enum model_platform; the first is the reference of break-evens. */
extern const struct platform platforms[MODEL_PLATFORM_COUNT];

/* Returns the platform whose key is `key`, or NULL. */
const struct platform *platform_find(const char *key);

/* The rows' functions, defined in platform_<key>.c. */
void platform_lambda_price(const struct cost_ctx *c, struct cost_option *o);
struct message platform_lambda_describe(const struct cost_option *o, const struct cost_variant *v);
size_t platform_lambda_config(const struct cost_option *o, const struct cost_variant *v,
                              const struct workload *w, const struct model *m, struct param *out);
double platform_lambda_plan_free_tier(const struct model *m, const struct region_rates *rr,
                                      const struct cost_variant *const *v, size_t n,
                                      double *ret_requests, double *ret_gb_s);
void platform_fargate_price(const struct cost_ctx *c, struct cost_option *o);
struct message platform_fargate_describe(const struct cost_option *o, const struct cost_variant *v);
size_t platform_fargate_config(const struct cost_option *o, const struct cost_variant *v,
                               const struct workload *w, const struct model *m, struct param *out);
void platform_ecs_ec2_price(const struct cost_ctx *c, struct cost_option *o);
void platform_ecs_managed_price(const struct cost_ctx *c, struct cost_option *o);
void platform_lambda_managed_price(const struct cost_ctx *c, struct cost_option *o);
struct message platform_lambda_managed_describe(const struct cost_option *o,
                                                const struct cost_variant *v);
size_t platform_lambda_managed_config(const struct cost_option *o, const struct cost_variant *v,
                                      const struct workload *w, const struct model *m,
                                      struct param *out);
/* ECS on EC2 and ECS Managed Instances describe and configure their variants alike: ec2pack.h's
 * ec2pack_ecs_describe() and ec2pack_ecs_config(). */

#endif
