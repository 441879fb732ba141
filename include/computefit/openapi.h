/*
 * openapi.h - the OpenAPI document (openapi/openapi.yaml), converted to JSON and embedded at
 * build time by scripts/embed-openapi, so the binary serves exactly the committed contract.
 */
#ifndef COMPUTEFIT_OPENAPI_H
#define COMPUTEFIT_OPENAPI_H

#include <stddef.h>

extern const char cf_openapi_json[];
extern const size_t cf_openapi_json_len;

#endif
