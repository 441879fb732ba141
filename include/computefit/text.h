/*
 * text.h - short answers for chat-ops bots: an advice or compare document as at most six lines
 * of plain text or Markdown that a bot can post as it is.
 */
#ifndef COMPUTEFIT_TEXT_H
#define COMPUTEFIT_TEXT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Renders `doc` (borrowed; the JSON answer of /advise or /compare) as text, with Markdown
 * emphasis when `markdown`. Lines: the recommendation; the monthly cost of each feasible
 * option (and why each other one is out); the deciding reason; break-even (compare only);
 * warnings (at most one line); the rates used. Returns a new malloc()ed NUL-terminated string
 * (the caller free()s it) or NULL when out of memory. */
char *text_render(const json_t *doc, bool markdown);

#endif
