/*
 * fuzz_workload.c - libFuzzer target for POST /advise and POST /compare: the JSON body through
 * the router (json_loadb with JSON_REJECT_DUPLICATES, object check), the workload parser and
 * validator, hybrid plans, the advice core and the renderers, on the bundled model and rates.
 *
 * Input: the first byte picks the route (bit 0: /advise or /compare) and the Accept header
 * (bits 1-2: none, text/plain, text/markdown, image/svg+xml); the rest is the body.
 * Checked (fuzz_app_run): never a 5xx, and every response well-formed in its media type.
 */
#include "fuzz.h"
#include "fuzz_app.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_app_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const accepts[] = {NULL, "text/plain", "text/markdown", "image/svg+xml"};
    struct fuzz_request fr = {
        .method = "POST",
        .path = (data[0] & 1) ? "/compare" : "/advise",
        .accept = accepts[(data[0] >> 1) & 3],
        .body = (const char *)data + 1,
        .body_len = size - 1,
    };
    fuzz_app_run(&fr);
    return 0;
}
