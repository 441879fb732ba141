/*
 * render_text.c - an answer as six lines at most, for chat-ops bots (see render.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/dynbuf.h"
#include "computefit/platform.h"
#include "computefit/render.h"

/* The longest answer rendered: six short lines, with room for long warnings. */
#define TEXT_MAX (64 * 1024)
#define LINE_MAX 1024

/* The text being written, and where each of its lines starts. */
struct text_out {
    struct dynbuf o;
    enum text_style style;
    struct text_line lines[TEXT_LINES_MAX];
    size_t n_lines;
};

/* Notes that a line of kind `k` starts here. */
static void line_begin(struct text_out *t, enum text_line_kind k)
{
    if (t->n_lines < TEXT_LINES_MAX)
        t->lines[t->n_lines++] = (struct text_line){k, t->o.len, 0};
}

/* The emphasis of the style: "**" in Markdown, "*" in Slack's mrkdwn, none in plain text. */
static const char *bold(const struct text_out *t)
{
    return t->style == TEXT_MARKDOWN ? "**" : t->style == TEXT_SLACK ? "*" : "";
}

static const char *const confidence_names[] = {"low", "medium", "high"};

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

static void line_recommendation(struct text_out *t, const char *label, const char *variant,
                                double usd, enum confidence c)
{
    const char *b = bold(t);
    char m[32];
    money(m, sizeof(m), usd);
    line_begin(t, TEXT_LINE_RECOMMENDATION);
    dynbuf_printf(&t->o, "Recommendation: %s%s%s%s%s — %s/month (confidence %s)\n", b, label, b,
                  variant ? " " : "", variant ? variant : "", m, confidence_names[c]);
}

static void line_options(struct text_out *t, const struct advice *a)
{
    struct dynbuf *o = &t->o;
    bool md = t->style != TEXT_PLAIN;
    line_begin(t, TEXT_LINE_COSTS);
    dynbuf_printf(o, "Monthly: ");
    for (int p = 0; p < MODEL_PLATFORM_COUNT; p++) {
        const struct cost_option *opt = &a->options[p];
        const struct cost_variant *v = opt->feasible ? cost_chosen(opt) : NULL;
        if (p)
            dynbuf_printf(o, " | ");
        if (v) {
            char m[32];
            money(m, sizeof(m), v->monthly_usd);
            dynbuf_printf(o, "%s %s", platforms[p].label, m);
        } else {
            dynbuf_printf(o, "%s %s (%s)", platforms[p].label,
                          md ? "_not possible_" : "not possible",
                          opt->n_blocks ? opt->blocks[0].limit : "infeasible");
        }
    }
    dynbuf_printf(o, "\n");
}

static void line_plan(struct text_out *t, const struct plan *p)
{
    struct dynbuf *o = &t->o;
    line_begin(t, TEXT_LINE_COSTS);
    dynbuf_printf(o, "Tasks: ");
    for (size_t i = 0; i < p->n_tasks; i++) {
        const struct advice *a = p->tasks[i].advice;
        char m[32];
        money(m, sizeof(m), cost_chosen(&a->options[a->winner])->monthly_usd);
        dynbuf_printf(o, "%s%s → %s %s", i ? " | " : "", p->tasks[i].name,
                      platforms[a->winner].label, m);
    }
    dynbuf_printf(o, "\n");
}

static void line_why(struct text_out *t, const char *text)
{
    line_begin(t, TEXT_LINE_WHY);
    dynbuf_printf(&t->o, "Why: %s\n", text);
}

/* The break-evens of the reference platform with the first other platform: every side of it
 * that has one (always-on and per-job Fargate), or why the first has none. */
static void line_break_even(struct text_out *t, const struct comparison *c)
{
    struct dynbuf *o = &t->o;
    if (!c->n_break_evens)
        return;
    line_begin(t, TEXT_LINE_BREAK_EVEN);
    const struct break_even *be = &c->break_evens[0];
    const char *ref = platforms[0].title;
    size_t found = 0;
    for (size_t i = 0; i < c->n_break_evens && c->break_evens[i].other == be->other; i++) {
        const struct break_even *x = &c->break_evens[i];
        if (!x->found)
            continue;
        char count[40];
        grouped(count, sizeof(count), x->n);
        if (!found++)
            dynbuf_printf(o, "Break-even: %s = ", ref);
        else
            dynbuf_printf(o, " and ");
        dynbuf_printf(o, "%s at %s", x->label, count);
    }
    if (found) {
        dynbuf_printf(o, " invocations/month\n");
        return;
    }
    char why[LINE_MAX];
    msg_format(&be->reason, why, sizeof(why));
    dynbuf_printf(o, "Break-even: %s and %s never cost the same (%s)\n", ref, be->label, why);
}

static void line_warnings(struct text_out *t, const struct message *w, size_t n)
{
    if (!n)
        return;
    char text[LINE_MAX];
    msg_format(&w[0], text, sizeof(text));
    line_begin(t, TEXT_LINE_WARNING);
    dynbuf_printf(&t->o, "%s%s", t->style != TEXT_PLAIN ? "_Warning:_ " : "Warning: ", text);
    if (n > 1)
        dynbuf_printf(&t->o, " (+%zu more)", n - 1);
    dynbuf_printf(&t->o, "\n");
}

static void line_pricing(struct text_out *t, const struct region_rates *rr,
                         const struct render_opts *opts)
{
    struct render_pricing rp;
    render_pricing_of(rr, opts, &rp);
    line_begin(t, TEXT_LINE_RATES);
    dynbuf_printf(&t->o, "Rates: %s, %s, as of %s%s\n", rp.source, rr->code,
                  rp.as_of ? rp.as_of : "", rp.stale ? " (stale)" : "");
}

static void advice_lines(struct text_out *t, const struct advice *a)
{
    if (a->winner >= 0) {
        const struct cost_variant *v = cost_chosen(&a->options[a->winner]);
        line_recommendation(t, platforms[a->winner].label, v->name, v->monthly_usd, a->confidence);
    } else {
        line_begin(t, TEXT_LINE_RECOMMENDATION);
        dynbuf_printf(&t->o, "Recommendation: none (no option can run this task)\n");
    }
    line_options(t, a);
    if (a->winner >= 0) {
        char why[LINE_MAX];
        msg_format(&a->summary, why, sizeof(why));
        line_why(t, why);
    }
}

char *render_text_lines(const struct cf_answer *a, const struct render_opts *opts,
                        enum text_style style, struct text_line *ret_lines, size_t *ret_n)
{
    struct text_out t = {.style = style};
    dynbuf_init(&t.o, TEXT_MAX);
    switch (a->kind) {
    case ANSWER_ADVICE:
        advice_lines(&t, a->advice);
        line_warnings(&t, a->advice->warnings, a->advice->n_warnings);
        break;
    case ANSWER_PLAN: {
        const struct plan *p = a->plan;
        char why[LINE_MAX];
        line_recommendation(
            &t, p->n_platforms_used > 1 ? "Hybrid plan" : platforms[p->only_platform].label, NULL,
            p->monthly_usd, p->confidence);
        line_plan(&t, p);
        render_plan_summary(p, why, sizeof(why));
        line_why(&t, why);
        line_warnings(&t, p->warnings, p->n_warnings);
        break;
    }
    case ANSWER_COMPARISON: {
        const struct advice *adv = a->comparison->advice;
        advice_lines(&t, adv);
        line_break_even(&t, a->comparison);
        line_warnings(&t, adv->warnings, adv->winner >= 0 ? adv->n_warnings : 0);
        break;
    }
    }
    line_pricing(&t, a->rr, opts);
    size_t len = 0;
    char *text = dynbuf_take(&t.o, &len);
    if (text && ret_lines) {
        /* Each line ends in '\n', the next line's start or the end of the text. */
        for (size_t i = 0; i < t.n_lines; i++) {
            size_t end = i + 1 < t.n_lines ? t.lines[i + 1].offset : len;
            t.lines[i].len = end - t.lines[i].offset - 1;
            ret_lines[i] = t.lines[i];
        }
        *ret_n = t.n_lines;
    }
    return text;
}

char *render_text(const struct cf_answer *a, const struct render_opts *opts, bool markdown)
{
    return render_text_lines(a, opts, markdown ? TEXT_MARKDOWN : TEXT_PLAIN, NULL, NULL);
}
