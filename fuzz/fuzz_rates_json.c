/*
 * fuzz_rates_json.c - libFuzzer target for the rates snapshot / state-file loader
 * (src/pricing/rates_json.c), which reads config/rates-snapshot.json and the state directory's
 * last-known-good rates.json at start-up.
 *
 * Input: a rates document, parsed as rates_load_file() parses it (json_loadb with
 * JSON_REJECT_DUPLICATES), then loaded with rates_from_json(). Checked: an error is a filled
 * CF_E* record; a loaded table passes rates_validate(), serialises (rates_to_json and every
 * region through rates_region_to_json, as GET /pricing/{region} does), and reads back from its
 * own JSON text to the same document, as the state file must.
 */
#include <stdlib.h>

#include "computefit/rates_json.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = fuzz_parse_doc(data, size);
    if (!doc)
        return 0;
    struct rates *t = NULL, *t2 = NULL;
    json_t *j1 = NULL, *j2 = NULL, *back = NULL;
    char *text = NULL;
    struct cf_error err = {0};
    int r = rates_from_json(doc, CF_SOURCE_STATE, &t, &err);
    if (r != 0) {
        fuzz_check_error(r, &err);
        FUZZ_ASSERT(t == NULL, "table set on failure");
        goto out;
    }
    r = rates_validate(t, &err);
    FUZZ_ASSERT(r == 0, "a loaded table fails validation: %s: %s", err.field, err.message);
    for (size_t i = 0; i < t->n_regions; i++) {
        json_t *rj = rates_region_to_json(&t->regions[i]);
        FUZZ_ASSERT(rj != NULL, "region %zu does not serialise", i);
        json_decref(rj);
        for (int o = 0; o < CF_OFFER_COUNT; o++)
            (void)rates_offer_time(&t->regions[i].info[o]);
    }
    j1 = rates_to_json(t);
    FUZZ_ASSERT(j1 != NULL, "a loaded table does not serialise");
    text = json_dumps(j1, JSON_COMPACT);
    FUZZ_ASSERT(text != NULL, "json_dumps failed");
    back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_ASSERT(back != NULL, "its own JSON does not parse: %s", text);
    r = rates_from_json(back, CF_SOURCE_STATE, &t2, &err);
    FUZZ_ASSERT(r == 0, "its own JSON does not load: %s: %s", err.field, err.message);
    j2 = rates_to_json(t2);
    FUZZ_ASSERT(j2 != NULL && json_equal(j1, j2), "the table changes on a round trip");
out:
    free(text);
    json_decref(back);
    json_decref(j1);
    json_decref(j2);
    rates_unref(t);
    rates_unref(t2);
    json_decref(doc);
    return 0;
}
