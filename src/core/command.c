/*
 * command.c - a chat command's text read into a workload (see command.h for the grammar).
 *
 * The text is split into words first (spaces, tabs, line breaks and no-break spaces separate
 * them; quotes keep spaces inside a word), then read from left to right. A word that starts
 * with a digit or is "every" may begin a value of several words: the longest run of up to
 * COMMAND_JOIN_MAX words that reads as exactly one kind of value is taken. Every other word is
 * key=value, a flag, one of the enum spellings of workload.c, a preset or a region code. Nothing
 * here decides what a value means beyond which field it fills: the workload parser reads the
 * strings as it reads a query string's.
 */
#include "computefit/command.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "computefit/units.h"
#include "computefit/utf8.h"
#include "computefit/workload.h"

#define Q(s, buf) (units_quote((s), (buf), sizeof(buf)), (buf))

/* The words of a command, NUL-separated in `buf`, quotes taken out. */
struct words {
    char buf[COMMAND_MAX_BYTES + 1];
    const char *w[COMMAND_MAX_WORDS];
    size_t n;
};

/* A word that is a whole field's value, in any case. */
struct flag {
    const char *word;
    const char *field;
    const char *value;
};

static const struct flag flags[] = {
    {"gpu", "gpu", "true"},
    {"cpu", "gpu", "false"},
    {"no-gpu", "gpu", "false"},
    {"interruptible", "interruptible", "true"},
    {"spot", "interruptible", "true"},
    {"latency-sensitive", "latency_sensitive", "true"},
    {"latency_sensitive", "latency_sensitive", "true"},
    {"interactive", "latency_sensitive", "true"},
    {"free-tier", "include_free_tier", "true"},
    {"free_tier", "include_free_tier", "true"},
    {"compute-only", "compute_only", "true"},
    {"compute_only", "compute_only", "true"},
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

/* The enum fields whose spellings are words of their own ("s3", "arm", "fp16"). Front doors and
 * networks share "none", so they are given as key=value. */
static const char *const enum_words[] = {"trigger", "architecture", "precision"};

static const char *const help_words[] = {"help", "usage", "?"};

/* What a value of numbers and units can be, and the field each fills. */
enum reading { R_DURATION = 0, R_SIZE, R_RATE, R_PARAMS, R_COUNT };

static const struct {
    const char *field;
    const char *what;
} readings_of[R_COUNT] = {
    [R_DURATION] = {"duration", "a duration"},
    [R_SIZE] = {"memory", "a memory size"},
    [R_RATE] = {"invocations", "a rate"},
    [R_PARAMS] = {"model_params_b", "a model size in billions of parameters"},
};

/* The length of the separator (ASCII space, tab, line break, or U+00A0 no-break space) at s, or
 * 0. */
static size_t space_at(const char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        return 1;
    return (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0 ? 2 : 0;
}

/* The length of the quote mark (", U+201C or U+201D) at s, or 0. */
static size_t quote_at(const char *s)
{
    if (*s == '"')
        return 1;
    return (unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
                   ((unsigned char)s[2] == 0x9c || (unsigned char)s[2] == 0x9d)
               ? 3
               : 0;
}

static int split(const char *text, struct words *ws, struct cf_error *reterr)
{
    size_t len = strlen(text);
    if (len > COMMAND_MAX_BYTES)
        return cf_error_set(reterr, CF_EINVAL, "text",
                            "The command is %zu bytes long; at most %d are read.", len,
                            COMMAND_MAX_BYTES);
    if (!utf8_valid(text, len))
        return cf_error_set(reterr, CF_EINVAL, "text", "The command is not valid UTF-8.");
    for (size_t i = 0; i < len; i++)
        if (utf8_is_control((unsigned char)text[i]) && !space_at(text + i))
            return cf_error_set(reterr, CF_EINVAL, "text",
                                "The command holds a control character; type it as plain text.");
    size_t out = 0;
    ws->n = 0;
    const char *p = text;
    for (;;) {
        size_t s;
        while ((s = space_at(p)))
            p += s;
        if (!*p)
            break;
        if (ws->n == COMMAND_MAX_WORDS)
            return cf_error_set(reterr, CF_EINVAL, "text",
                                "The command has more than %d words; describe one task.",
                                COMMAND_MAX_WORDS);
        ws->w[ws->n++] = ws->buf + out;
        bool quoted = false;
        while (*p && (quoted || !space_at(p))) {
            size_t q = quote_at(p);
            if (q) {
                quoted = !quoted;
                p += q;
                continue;
            }
            ws->buf[out++] = *p++;
        }
        if (quoted)
            return cf_error_set(reterr, CF_EINVAL, "text",
                                "A quote is opened but never closed; close it, as in "
                                "name=\"nightly report\".");
        ws->buf[out++] = '\0';
    }
    return 0;
}

static bool is_help(const char *word)
{
    for (size_t i = 0; i < sizeof(help_words) / sizeof(help_words[0]); i++)
        if (!strcasecmp(word, help_words[i]))
            return true;
    return false;
}

const char *command_word(const struct command *c, const char *field)
{
    for (size_t i = 0; c && field && i < c->n_sources; i++)
        if (!strcmp(c->sources[i].field, field))
            return c->sources[i].word;
    return NULL;
}

/* Sets `field` to `value`, remembering `word` (what the user typed) as its source. */
static int set_field(struct command *c, const char *field, const char *value, const char *word,
                     struct cf_error *reterr)
{
    char q[COMMAND_QUOTE_LEN];
    const char *before = command_word(c, field);
    if (before)
        return cf_error_set(reterr, CF_EINVAL, "text",
                            "\"%s\" gives %s, which \"%s\" already gave; give each field once "
                            "(key=value sets any other field).",
                            Q(word, q), field, before);
    if (c->n_sources == COMMAND_MAX_WORDS || strlen(field) >= COMMAND_FIELD_LEN)
        return cf_error_set(reterr, CF_EINVAL, "text", "\"%s\": too many fields.", Q(word, q));
    json_t *s = json_string(value);
    if (!s || json_object_set_new(c->workload, field, s) != 0)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "Out of memory.");
    struct command_source *src = &c->sources[c->n_sources++];
    snprintf(src->field, sizeof(src->field), "%s", field);
    units_quote(word, src->word, sizeof(src->word));
    return 0;
}

/* Whether `s` ends in a multiplier of billions ("7B", "1.5 bn", "7 billion"). */
static bool ends_in_billions(const char *s)
{
    size_t n = strlen(s), k = n;
    while (k && isalpha((unsigned char)s[k - 1]))
        k--;
    const char *w = s + k;
    return k < n && (!strcasecmp(w, "b") || !strcasecmp(w, "bn") || !strcasecmp(w, "billion"));
}

/* The readings of `s` as a value, one bit per enum reading. A count alone reads as a rate per
 * month ("100k", which also reads as a size), except a count of billions, a model's size. Bare
 * numbers never get this far. */
static unsigned readings(const char *s, const struct model *m)
{
    double v;
    unsigned r = 0;
    if (units_parse_duration(s, "duration", &v, NULL) == 0)
        r |= 1u << R_DURATION;
    if (units_parse_size_mb(s, 1, "memory", &v, NULL) == 0)
        r |= 1u << R_SIZE;
    bool billions = ends_in_billions(s);
    if (!billions && units_parse_rate(s, m->hours_per_month, "invocations", &v, NULL) == 0)
        r |= 1u << R_RATE;
    if (billions && units_parse_count(s, 1e9, "model_params_b", &v, NULL) == 0)
        r |= 1u << R_PARAMS;
    return r;
}

static int single_reading(unsigned r)
{
    for (int i = 0; i < R_COUNT; i++)
        if (r == 1u << i)
            return i;
    return -1;
}

/* Says why the one word `s` is no value: a bare number, two readings, or the refusal of the
 * parser most likely meant (one whose message suggests a fix first). */
static int refuse_value(const char *s, unsigned r, const struct model *m, struct cf_error *reterr)
{
    char q[COMMAND_QUOTE_LEN];
    double v;
    if (units_parse_number(s, "text", &v, NULL) == 0)
        return cf_error_set(reterr, CF_EINVAL, "text",
                            "\"%s\" has no unit: write %ss for a duration, %sGB for memory or "
                            "%s/day for a rate.",
                            Q(s, q), q, q, q);
    units_quote(s, q, sizeof(q));
    if (r) {
        int a = -1, b = -1;
        for (int i = 0; i < R_COUNT; i++) {
            if (!(r & (1u << i)))
                continue;
            if (a < 0)
                a = i;
            else if (b < 0)
                b = i;
        }
        bool minute_or_mb = a == R_DURATION && b == R_SIZE; /* "30m" */
        char bare[COMMAND_QUOTE_LEN]; /* "5 m" as a value of key=value: "5m" */
        size_t k = 0;
        for (const char *p = q; *p; p++)
            if (*p != ' ')
                bare[k++] = *p;
        bare[k] = '\0';
        return cf_error_set(reterr, CF_EINVAL, "text",
                            "\"%s\" could be %s or %s: write %s=%s or %s=%s, or a unit that "
                            "says which%s.",
                            q, readings_of[a].what, readings_of[b].what, readings_of[a].field, bare,
                            readings_of[b].field, bare, minute_or_mb ? " (min or MB)" : "");
    }
    struct cf_error tries[3] = {{0}};
    units_parse_duration(s, "duration", &v, &tries[0]);
    units_parse_size_mb(s, 1, "memory", &v, &tries[1]);
    units_parse_rate(s, m->hours_per_month, "invocations", &v, &tries[2]);
    int pick = strchr(s, '/') || !strncasecmp(s, "every", 5) ? 2 : -1;
    for (int i = 0; pick < 0 && i < 3; i++)
        if (strstr(tries[i].message, "did you mean"))
            pick = i;
    if (pick >= 0)
        return cf_error_set(reterr, CF_EINVAL, "text", "\"%s\": %s", Q(s, q), tries[pick].message);
    return cf_error_set(reterr, CF_EINVAL, "text",
                        "\"%s\" is not a duration (30s), a memory size (1GB) or a rate "
                        "(500/day).",
                        Q(s, q));
}

/* Reads the value that starts at word *i (a digit, or "every"): the longest run of words that
 * reads as a value, which must read as exactly one kind ("5 m" is refused, not guessed).
 * Advances *i past it. */
static int read_value(const struct words *ws, size_t *i, const struct model *m, struct command *c,
                      struct cf_error *reterr)
{
    size_t max = ws->n - *i < COMMAND_JOIN_MAX ? ws->n - *i : COMMAND_JOIN_MAX;
    for (size_t k = max; k >= 1; k--) {
        char joined[COMMAND_MAX_BYTES + COMMAND_JOIN_MAX];
        size_t off = 0;
        for (size_t j = 0; j < k; j++)
            off += (size_t)snprintf(joined + off, sizeof(joined) - off, "%s%s", j ? " " : "",
                                    ws->w[*i + j]);
        unsigned r = readings(joined, m);
        int one = single_reading(r);
        if (one >= 0) {
            *i += k;
            return set_field(c, readings_of[one].field, joined, joined, reterr);
        }
        if (k == 1 || (one < 0 && r))
            return refuse_value(joined, r, m, reterr);
    }
    return 0; /* not reached: k == 1 always answers */
}

/* A region code's shape: "us-east-1", "us-gov-west-1", "ap-southeast-5": lower-case words and
 * a number, joined by single dashes. */
static bool is_region(const char *w)
{
    size_t n = strlen(w), dashes = 0;
    if (n < 9 || n >= 32 || !islower((unsigned char)w[0]) || !islower((unsigned char)w[1]) ||
        w[2] != '-' || !isdigit((unsigned char)w[n - 1]) || strstr(w, "--"))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (w[i] == '-')
            dashes++;
        else if (!islower((unsigned char)w[i]) && !isdigit((unsigned char)w[i]))
            return false;
    }
    return dashes >= 2;
}

static int read_key_value(const char *w, const char *eq, struct command *c, struct cf_error *reterr)
{
    char q[COMMAND_QUOTE_LEN];
    char key[COMMAND_FIELD_LEN];
    size_t n = (size_t)(eq - w);
    if (n == 0 || n >= sizeof(key))
        return cf_error_set(reterr, CF_EINVAL, "text",
                            "\"%s\": write a field's name before '=', as in memory=2GB.", Q(w, q));
    memcpy(key, w, n);
    key[n] = '\0';
    if (!workload_field_known(key)) {
        struct cf_error e = {0};
        workload_unknown_field(key, &e);
        return cf_error_set(reterr, CF_EINVAL, "text", "\"%s\": %s", Q(w, q), e.message);
    }
    return set_field(c, key, eq + 1, w, reterr);
}

/* Reads a word that is not a number: a flag, an enum spelling, a preset or a region code. */
static int read_word(const char *w, const struct model *m, struct command *c,
                     struct cf_error *reterr)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (!strcasecmp(w, flags[i].word))
            return set_field(c, flags[i].field, flags[i].value, w, reterr);
    const char *near = NULL;
    for (size_t i = 0; i < sizeof(enum_words) / sizeof(enum_words[0]); i++) {
        const char *close = NULL;
        const char *name = workload_enum_word(enum_words[i], w, &close);
        if (name)
            return set_field(c, enum_words[i], name, w, reterr);
        if (!near)
            near = close;
    }
    const char *names[MODEL_KINDS_MAX + N_FLAGS];
    size_t k = 0;
    for (size_t i = 0; i < m->n_kinds; i++) {
        if (!strcasecmp(w, m->kinds[i].name))
            return set_field(c, "kind", m->kinds[i].name, w, reterr);
        names[k++] = m->kinds[i].name;
    }
    if (is_region(w))
        return set_field(c, "region", w, w, reterr);
    for (size_t i = 0; i < N_FLAGS; i++)
        names[k++] = flags[i].word;
    if (!near)
        near = units_nearest(w, names, k);
    char q[COMMAND_QUOTE_LEN];
    return cf_error_set(reterr, CF_EINVAL, "text",
                        "\"%s\" is not a word computefit knows%s%s%s; \"help\" lists them.",
                        Q(w, q), near ? " (did you mean \"" : "", near ? near : "",
                        near ? "\"?)" : "");
}

int command_parse(const char *text, const struct model *model, struct command *ret,
                  struct cf_error *reterr)
{
    struct words ws;
    int r = split(text ? text : "", &ws, reterr);
    if (r < 0)
        return r;
    bool help = ws.n == 0;
    for (size_t i = 0; i < ws.n; i++)
        help |= is_help(ws.w[i]);
    if (help) {
        *ret = (struct command){.kind = COMMAND_HELP};
        return 0;
    }
    struct command c = {.kind = COMMAND_WORKLOAD, .workload = json_object()};
    if (!c.workload)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "Out of memory.");
    for (size_t i = 0; i < ws.n && r == 0;) {
        const char *w = ws.w[i];
        const char *eq = strchr(w, '=');
        if (eq) {
            r = read_key_value(w, eq, &c, reterr);
            i++;
        } else if (isdigit((unsigned char)w[0]) || w[0] == '.' || !strcasecmp(w, "every")) {
            r = read_value(&ws, &i, model, &c, reterr);
        } else {
            r = read_word(w, model, &c, reterr);
            i++;
        }
    }
    if (r < 0) {
        json_decref(c.workload);
        return r;
    }
    *ret = c;
    return 0;
}

void command_free(struct command *c)
{
    if (!c)
        return;
    json_decref(c->workload);
    c->workload = NULL;
}

const char *command_example(const char *field)
{
    static const char *const examples[][2] = {
        {"duration", "30s"}, {"memory", "1GB"}, {"invocations", "500/day"}};
    for (size_t i = 0; field && i < sizeof(examples) / sizeof(examples[0]); i++)
        if (!strcmp(field, examples[i][0]))
            return examples[i][1];
    return NULL;
}

size_t command_usage(const struct model *model, const char *invocation, char *buf, size_t cap)
{
    if (!cap)
        return 0;
    char name[COMMAND_QUOTE_LEN + 4];
    units_quote(invocation && *invocation ? invocation : "/computefit", name, sizeof(name));
    char presets[512] = "";
    size_t off = 0;
    for (size_t i = 0; model && i < model->n_kinds && off < sizeof(presets); i++) {
        int n = snprintf(presets + off, sizeof(presets) - off, "%s`%s`", i ? ", " : "",
                         model->kinds[i].name);
        off += n > 0 ? (size_t)n : 0;
    }
    const char *example = model && model->n_kinds ? model->kinds[0].name : "";
    int n = snprintf(
        buf, cap,
        "Where should a task run on AWS, and what will it cost? Describe it in a few words: "
        "`%s 30s 1GB 500/day s3`\n"
        "• how long one run takes (`30s`, `250ms`, `1h30m`), its memory (`1GB`, `512MB`) and how "
        "often it runs (`500/day`, `10/s`, `every 5 minutes`)\n"
        "• what starts it: `http`, `s3`, `sqs`, `schedule`, `stream`, `manual`...\n"
        "• flags: `gpu`, `cpu`, `arm`, `interruptible`, `latency-sensitive`, `free-tier`, "
        "`compute-only`; a region (`eu-west-1`); a model size (`7B`) and precision (`fp16`)\n"
        "• a preset, with its own run time, memory and rate, which what you type replaces: %s "
        "(`%s %s 1/week`)\n"
        "• any other field as key=value: `vcpu=2`, `gpu_memory=24GB`, `name=\"nightly report\"`",
        name, presets[0] ? presets : "none", name, example);
    size_t len = n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
    len = utf8_cut(buf, len);
    buf[len] = '\0';
    return len;
}
