/*
 * form.h - a strict decoder of application/x-www-form-urlencoded bodies (the slash commands of
 * Slack and Mattermost).
 *
 * The WHATWG URL standard's decoder takes anything and guesses; this one refuses what no
 * genuine sender writes, so that a malformed body is a 400 that names what is wrong: a pair
 * without '=', an empty pair ("a=1&&b=2"), an empty name, a '%' not followed by two hex digits,
 * a name given twice, a decoded NUL, a name or value that is not UTF-8 once decoded, more than
 * FORM_MAX_FIELDS pairs. '+' is a space. An empty body has no fields.
 */
#ifndef COMPUTEFIT_FORM_H
#define COMPUTEFIT_FORM_H

#include <stddef.h>

#include "computefit/error.h"

#define FORM_MAX_FIELDS 64 /* Slack sends 11 fields, Mattermost about 14 */

struct form_field {
    const char *name;  /* decoded, NUL-terminated; points into the form's buffer */
    const char *value; /* likewise */
};

struct form {
    struct form_field fields[FORM_MAX_FIELDS];
    size_t n;
    char *buf; /* owned: the decoded names and values */
};

/* Decodes body[0..len). Returns 0 and fills *ret (the caller form_free()s it); or CF_EINVAL with
 * reterr->field the name of the pair at fault (when it has one) and a sentence saying what is
 * wrong; or CF_ENOMEM. *ret is untouched on failure. */
int form_parse(const char *body, size_t len, struct form *ret, struct cf_error *reterr);

/* Returns the value of field `name`, borrowed from `f`, or NULL when there is none. */
const char *form_get(const struct form *f, const char *name);

/* Frees what a form owns. Accepts NULL and a form already freed. */
void form_free(struct form *f);

#endif
