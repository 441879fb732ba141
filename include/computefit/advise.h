/*
 * advise.h - the advice core's public interface: workload + const rates -> an answer.
 *
 * Everything behind this header is pure (src/core/): no globals, locks, I/O, clocks or logging.
 * The HTTP layer borrows a rates table from the pricing cache, calls core_advise() or
 * core_compare(), renders the typed answer (JSON, text, Markdown, SVG: src/http/render_*.c)
 * and frees it. The same functions serve POST bodies and GET query strings: the HTTP layer
 * turns a query string into a JSON object of strings first.
 *
 * An answer borrows from the rates table (region provenance, instance types) and the model it
 * was computed with: keep both alive until cf_answer_free().
 */
#ifndef COMPUTEFIT_ADVISE_H
#define COMPUTEFIT_ADVISE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "computefit/arena.h"
#include "computefit/commit.h"
#include "computefit/cost.h"
#include "computefit/error.h"
#include "computefit/message.h"
#include "computefit/model.h"
#include "computefit/rates.h"
#include "computefit/workload.h"

/* How a reason leans: neutral, or for, against or risky on one platform. */
enum verdict_kind { VERDICT_NEUTRAL = 0, VERDICT_FAVOURS, VERDICT_RISKY, VERDICT_BLOCKS };

struct verdict {
    enum verdict_kind kind;
    enum model_platform platform; /* unless neutral */
};

/* A figure that decided a reason, named as in the JSON "figures" object. */
enum figure_kind {
    FIG_NUM = 1,      /* a number; null when not finite */
    FIG_INT,          /* an integer */
    FIG_BOOL,         /* a boolean */
    FIG_STR,          /* a string (borrowed) */
    FIG_NULL,         /* null */
    FIG_PER_PLATFORM, /* an object: one number (null when not finite) per platform key */
};

struct figure {
    const char *key; /* static */
    enum figure_kind kind;
    double num;
    const char *str;
    bool b;
    const double *per_platform; /* MODEL_PLATFORM_COUNT values, in the arena */
};

/* One rule weighed: the rule's name, its verdict, the sentence and the figures. */
struct reason {
    const char *rule; /* static: "gpu", "duration", ..., "seed_decision_tree" */
    struct verdict verdict;
    enum msg_code code; /* the rule's outcome; `text` may wrap its sentence */
    struct message text;
    struct figure *figures;
    size_t n_figures, cap_figures;
};

enum confidence { CONFIDENCE_LOW = 0, CONFIDENCE_MEDIUM, CONFIDENCE_HIGH };

/* One Savings Plan an option could be bought under: the option's `commitments`. */
struct commitment_quote {
    enum cf_sp_plan plan;
    int term_years;
    enum cf_sp_payment payment;
    double monthly_usd; /* the option repriced under the plan, by the same rules */
    double savings_usd; /* its on-demand monthly cost minus monthly_usd */
};

/* The advice on one workload. */
struct advice {
    struct workload w;
    const struct region_rates *rr; /* borrowed from the rates table */
    const struct model *m;         /* borrowed */
    struct cost_option options[MODEL_PLATFORM_COUNT];
    int winner;    /* the recommended platform, or -1 when nothing is feasible */
    int runner_up; /* cheapest other feasible platform, or -1 */
    /* The winner costs more than the runner-up, by less than the model's margin of error
     * (rules.close_cost_ratio), and needs less upkeep, which the totals do not price. */
    bool simpler;
    enum model_platform seed_pick;
    enum confidence confidence;
    struct message summary; /* the recommendation in a sentence (when winner >= 0) */
    struct reason *reasons;
    size_t n_reasons, cap_reasons;
    struct message *warnings;
    size_t n_warnings, cap_warnings;
    /* Savings Plans. `commit`: the view (in the arena) the options were priced under, when the
     * request's commitment has rates in the region; NULL: on-demand prices. */
    const struct commit_view *commit;
    bool commit_missing;  /* a commitment was asked for, and the region has no rates for it */
    int on_demand_winner; /* with `commit`: the winner at on-demand prices; else -1 */
    double on_demand_usd[MODEL_PLATFORM_COUNT]; /* each option's on-demand total; NAN: none */
    struct commitment_quote *quotes[MODEL_PLATFORM_COUNT]; /* feasible options only */
    size_t n_quotes[MODEL_PLATFORM_COUNT];
};

/* Returns the monthly cost of platform p's chosen variant when the option is feasible, else
 * NAN. */
double advice_total(const struct advice *a, int p);

/* ---- hybrid plans ---- */

struct plan_task {
    const char *name;      /* borrowed from the task's workload */
    struct advice *advice; /* in the answer's arena */
};

/* One platform's share of a plan. */
struct plan_platform {
    bool used;
    double infrastructure_usd;
    double operations_hours;
};

struct plan {
    struct workload_settings settings;
    struct plan_task *tasks;
    size_t n_tasks;
    struct plan_platform platforms[MODEL_PLATFORM_COUNT];
    size_t n_platforms_used;
    int only_platform;         /* the platform when n_platforms_used == 1 */
    double infrastructure_usd; /* sum over platforms */
    double operations_usd;     /* each used platform's effort once, when priced */
    bool free_tier;            /* settings.include_free_tier: taken once for the plan */
    double free_tier_requests; /* what it covered */
    double free_tier_gb_s;
    double free_tier_usd; /* the saving, <= 0 */
    /* One ALB and one NAT gateway serve the whole plan, as in one VPC: the hours the other
     * tasks' options were priced with come off (<= 0), each task placed as if alone. */
    double shared_alb_hours, shared_nat_hours; /* hours taken off */
    double shared_usd;                         /* the saving, <= 0 */
    double monthly_usd;
    enum confidence confidence; /* the lowest of the tasks' */
    struct message *warnings;
    size_t n_warnings, cap_warnings;
};

/* ---- comparison ---- */

/* Where the cheaper of the reference platform (platforms[0]) and another one changes. */
struct break_even {
    const char *key;   /* "lambda_vs_fargate_always_on", in the arena */
    const char *label; /* "always-on Fargate": the other side in a sentence, in the arena */
    const char *rival; /* "Fargate always-on": the other side in a chart label, in the arena */
    enum model_platform other;
    enum cost_mode mode; /* the other side's mode, COST_MODE_NONE for any */
    bool found;
    struct message reason; /* why there is none, when !found */
    double n;              /* invocations per month at the first crossing */
    double reference_usd, other_usd;
    enum model_platform cheaper_below, cheaper_above;
    bool reference_feasible, other_feasible;
    int crossings; /* how many times the cheaper one changes from 1 to the model's largest rate */
};

/* The monthly cost of every platform at one rate; NAN where the platform cannot run it. */
struct curve_point {
    double n;
    double usd[MODEL_PLATFORM_COUNT];
};

struct comparison {
    struct advice *advice; /* options, recommendation (winner may be -1), warnings */
    struct break_even *break_evens;
    size_t n_break_evens, cap_break_evens;
    struct curve_point *curve; /* ascending rates */
    size_t n_curve, cap_curve;
};

/* ---- the answer ---- */

enum answer_kind { ANSWER_ADVICE = 1, ANSWER_PLAN, ANSWER_COMPARISON };

struct cf_answer {
    struct arena arena; /* owns everything below */
    enum answer_kind kind;
    const struct model *model;
    const struct region_rates *rr; /* the region priced, borrowed from the rates table */
    struct advice *advice;         /* ANSWER_ADVICE */
    struct plan *plan;             /* ANSWER_PLAN */
    struct comparison *comparison; /* ANSWER_COMPARISON */
    /* The request's Savings Plan (given false: none), and the view it was priced under (NULL
     * when none, or when the region has no rates for it). */
    struct workload_commitment commitment;
    const struct commit_view *commit;
};

/* Answers POST /advise. `request` (borrowed) is one workload object or {"tasks": [...]}.
 * On success sets *ret_answer to a new answer (the caller frees it with cf_answer_free()) and
 * returns 0. On bad input returns a negative CF_E* code and fills *reterr (may be NULL) naming
 * the field; CF_EINFEASIBLE when no platform can run a task. *ret_answer is then untouched. */
int core_advise(const json_t *request, const struct rates *rates, const struct model *model,
                struct cf_answer **ret_answer, struct cf_error *reterr);

/* Answers POST /compare for one workload: the options side by side, break-even rates and a cost
 * curve. Same ownership and error rules as core_advise(), except that a workload no platform
 * can run is an answer (winner -1), not an error. */
int core_compare(const json_t *request, const struct rates *rates, const struct model *model,
                 struct cf_answer **ret_answer, struct cf_error *reterr);

/* Frees an answer. Accepts NULL. */
void cf_answer_free(struct cf_answer *answer);

/* ---- inside the core (advise.c, rules.c, compare.c) ---- */

/* Prices every platform for `w` in region `rr` and weighs the rules: fills *a (its arrays in
 * `arena`). Returns 0 or CF_ENOMEM. */
int advice_analyse(const struct workload *w, const struct region_rates *rr, const struct model *m,
                   struct arena *arena, struct advice *a);

/* Sets the seed article's pick and the confidence of a priced workload whose winner and
 * runner-up are set: high, one level lower for each of: the seed disagrees, the runner-up is
 * close, Lambda is picked for a long task, the pick is a Spot variant (rules.c). */
void advice_rate(struct advice *a);

/* Adds the reasons and warnings of an analysed workload (rules.c). */
void advice_reasons(struct advice *a, struct arena *arena);
void advice_warnings(struct advice *a, struct arena *arena);

/* The recommendation's sentence for an analysed workload with a winner (rules.c). */
struct message advice_summary(const struct advice *a, struct arena *arena);

/* Fills the break-evens and the curve of a comparison whose advice is analysed (compare.c).
 * Returns 0 or CF_ENOMEM. */
int compare_fill(struct comparison *cmp, struct arena *arena);

#endif
