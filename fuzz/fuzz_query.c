/*
 * fuzz_query.c - libFuzzer target for GET /advise and GET /compare: the query-string form
 * (query_to_json, query_negotiate in src/http/query.c) through the router, the workload parser
 * and the advice core, on the bundled model and rates.
 *
 * Input: the first byte picks the route (bit 0: /advise or /compare); then, when the rest
 * holds a newline, the text before it is the Accept header; the text after it is an
 * application/x-www-form-urlencoded query string, split on '&' and '=' and decoded ('+' and
 * %XX) as libmicrohttpd does, an argument without '=' having the value "".
 * Checked (fuzz_app_run): never a 5xx, and every response well-formed in its media type.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_app.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_app_init();
    return 0;
}

/* The byte of two hex digits; the caller checked them with isxdigit(). */
static char hexbyte(const char *p)
{
    char h[3] = {p[0], p[1], '\0'};
    return (char)strtol(h, NULL, 16);
}

/* Decodes s in place: '+' to ' ', %XX to its byte (a %00 ends the string, as it ends a C
 * string in libmicrohttpd); a '%' not followed by two hex digits stays. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '+') {
            *w++ = ' ';
        } else if (*r == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            *w++ = hexbyte(r + 1);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = fuzz_cstr(data + 1, size - 1);
    char *qs = text;
    const char *accept = NULL;
    char *nl = strchr(text, '\n');
    if (nl) {
        *nl = '\0';
        accept = text;
        qs = nl + 1;
    }
    const char *keys[MAX_ARGS], *values[MAX_ARGS];
    size_t n = 0;
    char *save = NULL;
    for (char *arg = strtok_r(qs, "&", &save); arg && n < MAX_ARGS;
         arg = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(arg, '=');
        if (eq)
            *eq = '\0';
        unescape(arg);
        keys[n] = arg;
        if (eq) {
            unescape(eq + 1);
            values[n] = eq + 1;
        } else {
            values[n] = "";
        }
        n++;
    }
    struct fuzz_request fr = {
        .method = "GET",
        .path = (data[0] & 1) ? "/compare" : "/advise",
        .accept = accept,
        .keys = keys,
        .values = values,
        .n_args = n,
    };
    fuzz_app_run(&fr);
    free(text);
    return 0;
}
