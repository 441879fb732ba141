/*
 * web.h - the web page served at GET / (web/index.html, its CSS and JavaScript inline),
 * embedded at build time by scripts/embed-web with the Content-Security-Policy that allows
 * exactly its inline style and script (by their hashes) and an ETag that changes with it.
 */
#ifndef COMPUTEFIT_WEB_H
#define COMPUTEFIT_WEB_H

#include <stddef.h>

extern const unsigned char cf_web_page[]; /* UTF-8, cf_web_page_len bytes and a NUL */
extern const size_t cf_web_page_len;
extern const char cf_web_csp[];  /* the Content-Security-Policy header's value */
extern const char cf_web_etag[]; /* a strong entity tag, quoted: "\"0123...\"" */

#endif
