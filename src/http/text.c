/*
 * text.c - advice as six lines at most, for chat-ops bots.
 */
#include "computefit/text.h"

#include "computefit/dynbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest answer rendered: six short lines, with room for long warnings. */
#define TEXT_MAX (64 * 1024)

static const char *const platforms[] = {"lambda", "fargate", "ecs_ec2_gpu"};

static const char *platform_label(const char *p)
{
    if (!p)
        return "none";
    if (strcmp(p, "lambda") == 0)
        return "Lambda";
    if (strcmp(p, "fargate") == 0)
        return "Fargate";
    if (strcmp(p, "ecs_ec2_gpu") == 0)
        return "ECS on EC2 (GPU)";
    if (strcmp(p, "hybrid") == 0)
        return "Hybrid plan";
    return p;
}

/* "$1.67", "$1,234", "$0.0021": cents for ordinary sums, more digits for tiny ones. */
static void money(char *buf, size_t cap, double usd)
{
    if (!isfinite(usd))
        snprintf(buf, cap, "n/a");
    else if (usd != 0 && fabs(usd) < 0.01)
        snprintf(buf, cap, "$%.4f", usd);
    else if (fabs(usd) >= 10000)
        snprintf(buf, cap, "$%.0f", usd);
    else
        snprintf(buf, cap, "$%.2f", usd);
}

/* "431962" -> "431,962" (whole numbers, for people reading a chat message). */
static void grouped(char *buf, size_t cap, double v)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%.0f", v);
    if (n <= 0 || (size_t)n >= sizeof(digits) || !isfinite(v) || v < 0) {
        snprintf(buf, cap, "%s", n > 0 ? digits : "?");
        return;
    }
    size_t j = 0;
    for (int i = 0; i < n && j + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[j++] = ',';
        buf[j++] = digits[i];
    }
    buf[j] = '\0';
}

static const char *str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static void line_recommendation(struct dynbuf *o, const json_t *rec, bool md)
{
    const char *b = md ? "**" : "";
    char m[32];
    money(m, sizeof(m), json_number_value(json_object_get(rec, "monthly_usd")));
    const char *variant = json_string_value(json_object_get(rec, "variant"));
    dynbuf_printf(o, "Recommendation: %s%s%s%s%s — %s/month (confidence %s)\n", b,
                  platform_label(json_string_value(json_object_get(rec, "platform"))), b,
                  variant ? " " : "", variant ? variant : "", m, str(rec, "confidence"));
}

static void line_options(struct dynbuf *o, const json_t *options, bool md)
{
    if (!json_is_object(options))
        return;
    dynbuf_printf(o, "Monthly: ");
    for (int i = 0; i < 3; i++) {
        const json_t *opt = json_object_get(options, platforms[i]);
        if (!opt)
            continue;
        if (i)
            dynbuf_printf(o, " | ");
        if (json_is_true(json_object_get(opt, "feasible"))) {
            char m[32];
            money(m, sizeof(m), json_number_value(json_object_get(opt, "monthly_usd")));
            dynbuf_printf(o, "%s %s", platform_label(platforms[i]), m);
        } else {
            const json_t *block = json_array_get(json_object_get(opt, "blocked_by"), 0);
            dynbuf_printf(o, "%s %s (%s)", platform_label(platforms[i]),
                          md ? "_not possible_" : "not possible",
                          block ? str(block, "limit") : "infeasible");
        }
    }
    dynbuf_printf(o, "\n");
}

static void line_plan(struct dynbuf *o, const json_t *plan)
{
    const json_t *tasks = json_object_get(plan, "tasks");
    size_t i;
    const json_t *t;
    dynbuf_printf(o, "Tasks: ");
    json_array_foreach(tasks, i, t)
    {
        const json_t *rec = json_object_get(t, "recommendation");
        char m[32];
        money(m, sizeof(m), json_number_value(json_object_get(rec, "monthly_usd")));
        dynbuf_printf(o, "%s%s → %s %s", i ? " | " : "", str(t, "name"),
                      platform_label(json_string_value(json_object_get(rec, "platform"))), m);
    }
    dynbuf_printf(o, "\n");
}

static void line_break_even(struct dynbuf *o, const json_t *be)
{
    const json_t *x = json_object_get(be, "lambda_vs_fargate_always_on");
    const json_t *n = json_object_get(x, "invocations_per_month");
    if (json_is_number(n)) {
        char count[40];
        grouped(count, sizeof(count), json_number_value(n));
        dynbuf_printf(o, "Break-even: Lambda = always-on Fargate at %s invocations/month\n", count);
    } else if (x)
        dynbuf_printf(o, "Break-even: Lambda and always-on Fargate never cost the same (%s)\n",
                      str(x, "reason"));
}

static void line_warnings(struct dynbuf *o, const json_t *warnings, bool md)
{
    size_t n = json_array_size(warnings);
    if (!n)
        return;
    const char *w = json_string_value(json_array_get(warnings, 0));
    dynbuf_printf(o, "%s%s", md ? "_Warning:_ " : "Warning: ", w ? w : "");
    if (n > 1)
        dynbuf_printf(o, " (+%zu more)", n - 1);
    dynbuf_printf(o, "\n");
}

static void line_pricing(struct dynbuf *o, const json_t *pricing)
{
    if (!pricing)
        return;
    dynbuf_printf(o, "Rates: %s, %s, as of %s%s\n", str(pricing, "source"), str(pricing, "region"),
                  str(pricing, "as_of"),
                  json_is_true(json_object_get(pricing, "stale")) ? " (stale)" : "");
}

char *text_render(const json_t *doc, bool md)
{
    struct dynbuf o;
    dynbuf_init(&o, TEXT_MAX);
    const json_t *rec = json_object_get(doc, "recommendation");
    const json_t *plan = json_object_get(doc, "plan");
    if (json_is_object(rec))
        line_recommendation(&o, rec, md);
    else
        dynbuf_printf(&o, "Recommendation: none (no option can run this task)\n");
    if (plan)
        line_plan(&o, plan);
    else
        line_options(&o, json_object_get(doc, "options"), md);
    if (json_is_object(rec))
        dynbuf_printf(&o, "Why: %s\n", str(rec, "summary"));
    if (json_object_get(doc, "break_even"))
        line_break_even(&o, json_object_get(doc, "break_even"));
    line_warnings(&o, json_object_get(doc, "warnings"), md);
    line_pricing(&o, json_object_get(doc, "pricing"));
    return dynbuf_take(&o, NULL);
}
