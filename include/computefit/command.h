/*
 * command.h - a workload as people type it in a chat command ("30s 1GB 500/day s3"), read into
 * the JSON object of strings that a GET query string makes, for core_advise() to check and
 * answer like any other request.
 *
 * The grammar: words separated by spaces, in any order.
 *   help (or usage, ?), or nothing      the usage text: COMMAND_HELP
 *   key=value                           any workload field (workload_field_known()), the value
 *                                       as in a query string; "double quotes" (straight or curly)
 *                                       keep spaces: name="nightly report"
 *   a duration                          duration: 30s, 250ms, 1h30m, 1 hour 30 minutes, 1:30
 *   a size                              memory: 1GB, 512MB, 1.5 GB
 *   a rate                              invocations: 500/day, 10 req/s, 500 a day, 100 rps,
 *                                       every 5 minutes
 *   a count of billions                 model_params_b: 7B, 1.5bn
 *   a trigger, architecture, precision  trigger, architecture, precision: the spellings
 *                                       workload.c accepts (s3, cron; arm, graviton; fp16)
 *   a flag                              gpu, cpu (gpu=false), interruptible (spot),
 *                                       latency-sensitive (interactive), free-tier, compute-only
 *   a preset                            kind: one of the model's kinds (fine-tuning)
 *   a region code                       region: eu-west-1
 * A value is recognised by its shape, with the parsers of units.h: a value up to
 * COMMAND_JOIN_MAX words long is read as one when its first word starts with a digit or is
 * "every" ("1 hour 30 minutes", "500 a day"). A word that two readings accept ("30m": 30
 * minutes or 30 MB?) and a bare number ("30") are refused with what to write instead, never
 * guessed, and each field is given once. The values themselves are checked by the workload
 * parser afterwards, as those of any request are.
 *
 * Pure: no I/O, clock or global state.
 */
#ifndef COMPUTEFIT_COMMAND_H
#define COMPUTEFIT_COMMAND_H

#include <jansson.h>
#include <stddef.h>

#include "computefit/error.h"
#include "computefit/model.h"

#define COMMAND_MAX_BYTES 1024 /* the longest command text read */
#define COMMAND_MAX_WORDS 32   /* the most words in one command */
#define COMMAND_JOIN_MAX  5    /* the most words of one value with spaces ("1 hour 30 minutes") */
#define COMMAND_QUOTE_LEN 40   /* a word as messages echo it (units_quote()) */
#define COMMAND_FIELD_LEN 40   /* longer than any workload field's name */

enum command_kind { COMMAND_HELP = 0, COMMAND_WORKLOAD };

/* A field the command set and the words that set it, for messages about the field. */
struct command_source {
    char field[COMMAND_FIELD_LEN];
    char word[COMMAND_QUOTE_LEN]; /* quoted as by units_quote(): printable ASCII */
};

struct command {
    enum command_kind kind;
    json_t *workload; /* COMMAND_WORKLOAD: an object of strings, owned; NULL for help */
    struct command_source sources[COMMAND_MAX_WORDS];
    size_t n_sources;
};

/* Reads the command `text` (NUL-terminated UTF-8; the model gives the presets and the month's
 * length). Returns 0 and fills *ret, whose workload the caller releases with command_free();
 * or CF_EINVAL with reterr->field "text" and a message that names the word at fault in
 * quotes and says what to write instead; or CF_ENOMEM. *ret is untouched on failure. */
int command_parse(const char *text, const struct model *model, struct command *ret,
                  struct cf_error *reterr);

/* Releases what a parsed command owns. Accepts NULL and a command already freed. */
void command_free(struct command *c);

/* Returns the words (quoted) that set workload field `field`, or NULL when the command did
 * not set it: borrowed from `c`. */
const char *command_word(const struct command *c, const char *field);

/* Returns how the grammar writes a value of `field` in an example: "30s" for duration, "1GB"
 * for memory, "500/day" for invocations; NULL for other fields. A static string. */
const char *command_example(const char *field);

/* Writes the usage text into buf[0..cap) (always NUL-terminated, cut at a character boundary
 * when it does not fit): the grammar in a few lines with examples, `invocation` ("/computefit",
 * "@computefit"; printable ASCII, at most 40 bytes, is kept of it) as the command's name, the
 * model's presets, Markdown code spans for what to type. Returns the length written. */
size_t command_usage(const struct model *model, const char *invocation, char *buf, size_t cap);

#endif
