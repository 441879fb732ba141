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

/* The emphasis of render_text_lines()' text: none, Markdown ("**bold**", "_italic_"), or
 * Slack's mrkdwn ("*bold*", "_italic_"). */
enum text_style { TEXT_PLAIN = 0, TEXT_MARKDOWN, TEXT_SLACK };

/* What one line of the text says, for renderers that lay the lines out (Slack's blocks). */
enum text_line_kind {
    TEXT_LINE_RECOMMENDATION = 0,
    TEXT_LINE_COSTS, /* each option's monthly cost, or each task of a plan */
    TEXT_LINE_WHY,
    TEXT_LINE_BREAK_EVEN,
    TEXT_LINE_WARNING,
    TEXT_LINE_RATES
};

#define TEXT_LINES_MAX 6

/* One line: text[offset .. offset + len), without its '\n'. */
struct text_line {
    enum text_line_kind kind;
    size_t offset, len;
};

/* render_text() in any style, and where its lines are: when `ret_lines` is not NULL, fills
 * ret_lines[0 .. *ret_n) (room for TEXT_LINES_MAX) in the order of the text. Same return. */
char *render_text_lines(const struct cf_answer *a, const struct render_opts *opts,
                        enum text_style style, struct text_line *ret_lines, size_t *ret_n);

/* The chat platforms of the /chatops routes. */
enum chat_platform { CHAT_SLACK = 0, CHAT_MATTERMOST, CHAT_TEAMS };

/* Renders `a` as the answer a chat platform posts for everyone to see, from the lines of
 * render_text_lines(): for Slack {"response_type": "in_channel", "text", "blocks"}, the text in
 * mrkdwn (the fallback that notifications show) and a block per line (the recommendation, the
 * costs, the reason and a break-even as sections; the warning and the rates as context);
 * for Mattermost {"response_type": "in_channel", "text"} in Markdown; for Teams {"type":
 * "message", "text"} in Markdown, a blank line between lines (Teams joins single line breaks).
 * Slack's control characters (&, <, >) are escaped as its documentation asks. Returns a new
 * reference, or NULL when out of memory. */
json_t *render_chat(enum chat_platform p, const struct cf_answer *a,
                    const struct render_opts *opts);

/* Renders `text` (UTF-8, Markdown with `code` spans; the usage, a refusal) as a message for
 * the caller alone: response_type "ephemeral" on Slack and Mattermost; on Teams, which has no
 * such thing, a message in the thread. Returns a new reference, or NULL when out of memory or
 * when `text` is not UTF-8. */
json_t *render_chat_notice(enum chat_platform p, const char *text);

/* Renders a comparison as a 600x400 SVG (render_svg.c has the layout). On success sets
 * *ret_svg to a new malloc()ed NUL-terminated string and *ret_len to its length and returns 0;
 * CF_EINVAL when `a` is not a comparison, CF_ENOMEM, or CF_EINTERNAL when the SVG would outgrow
 * its cap; fills *reterr (may be NULL) and leaves the outputs untouched. */
int render_svg(const struct cf_answer *a, char **ret_svg, size_t *ret_len, struct cf_error *reterr);

#endif
