/*
 * render_chat.c - answers as the chat platforms post them (see render.h): Slack's Block Kit,
 * Mattermost's and Teams' Markdown messages.
 *
 * The wording is render_text.c's, line by line: this file only lays the lines out for each
 * platform and escapes what the platform would read as markup of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "computefit/dynbuf.h"
#include "computefit/render.h"
#include "computefit/utf8.h"

/* Slack's limit on the text of a section or a context element (Block Kit reference). */
#define SLACK_BLOCK_TEXT_MAX 3000
#define CHAT_TEXT_MAX        (64 * 1024)

/* Appends s[0..n) to `o` as the platform reads it: for Slack, &, < and > escaped (Slack reads
 * "<!channel>" as a mention and "<http://...|x>" as a link); for Teams, each line break
 * doubled, so that lines stay lines. Stops, at a character boundary and never inside an
 * escape, before `o` would pass `cap` bytes. */
static void append_text(struct dynbuf *o, enum chat_platform p, const char *s, size_t n, size_t cap)
{
    for (size_t i = 0; i < n;) {
        const char *rep = NULL; /* what stands for the byte s[i], if anything */
        if (p == CHAT_SLACK)
            rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : NULL;
        else if (p == CHAT_TEAMS && s[i] == '\n')
            rep = "\n\n";
        size_t used = 1, k = rep ? strlen(rep) : utf8_decode(s + i, n - i, NULL);
        if (!rep) {
            if (k == 0) { /* not UTF-8: render_text's text always is */
                rep = "?";
                k = 1;
            } else {
                used = k;
            }
        }
        if (o->len + k > cap)
            return;
        dynbuf_addn(o, rep ? rep : s + i, k);
        i += used;
    }
}

/* Returns text[0..n) as the platform reads it, as a new JSON string (NULL when out of
 * memory). */
static json_t *chat_string(enum chat_platform p, const char *text, size_t n, size_t cap)
{
    struct dynbuf o;
    dynbuf_init(&o, cap);
    append_text(&o, p, text, n, cap);
    size_t len = 0;
    char *s = dynbuf_take(&o, &len);
    json_t *j = s ? json_stringn(s, len) : NULL;
    free(s);
    return j;
}

static json_t *slack_block(const struct text_line *l, const char *text)
{
    json_t *t = json_pack("{s:s, s:o}", "type", "mrkdwn", "text",
                          chat_string(CHAT_SLACK, text + l->offset, l->len, SLACK_BLOCK_TEXT_MAX));
    if (l->kind == TEXT_LINE_WARNING || l->kind == TEXT_LINE_RATES)
        return json_pack("{s:s, s:[o]}", "type", "context", "elements", t);
    return json_pack("{s:s, s:o}", "type", "section", "text", t);
}

json_t *render_chat(enum chat_platform p, const struct cf_answer *a, const struct render_opts *opts)
{
    struct text_line lines[TEXT_LINES_MAX];
    size_t n = 0;
    char *text =
        render_text_lines(a, opts, p == CHAT_SLACK ? TEXT_SLACK : TEXT_MARKDOWN, lines, &n);
    if (!text)
        return NULL;
    size_t len = strlen(text);
    while (len && text[len - 1] == '\n')
        len--;
    json_t *msg = chat_string(p, text, len, CHAT_TEXT_MAX);
    json_t *doc = NULL;
    if (p == CHAT_TEAMS) {
        doc = json_pack("{s:s, s:o}", "type", "message", "text", msg);
    } else if (p == CHAT_MATTERMOST) {
        doc = json_pack("{s:s, s:o}", "response_type", "in_channel", "text", msg);
    } else {
        json_t *blocks = json_array();
        for (size_t i = 0; blocks && i < n; i++)
            if (json_array_append_new(blocks, slack_block(&lines[i], text)) != 0) {
                json_decref(blocks);
                blocks = NULL;
            }
        doc = json_pack("{s:s, s:o, s:o}", "response_type", "in_channel", "text", msg, "blocks",
                        blocks);
    }
    free(text);
    return doc;
}

json_t *render_chat_notice(enum chat_platform p, const char *text)
{
    size_t n = strlen(text);
    if (!utf8_valid(text, n))
        return NULL;
    json_t *msg = chat_string(p, text, n, CHAT_TEXT_MAX);
    if (p == CHAT_TEAMS)
        return json_pack("{s:s, s:o}", "type", "message", "text", msg);
    return json_pack("{s:s, s:o}", "response_type", "ephemeral", "text", msg);
}
