/*
 * offer_ec2_spot.c - the EC2 Spot Instance Advisor feed: its parser (one region's Spot advice
 * on Linux instance types), and its descriptor, a feed attached to the EC2 offer, with its
 * section of the rates document ("ec2_spot": the interruption bands and, per instance type,
 * the saving and its band).
 *
 * The AWS Price List has no Spot rates. AWS's Spot Instance Advisor page reads, from one JSON
 * for every region (https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json, ~1 MB;
 * tests/fixtures/spotinfo__spot-advisor-data.json is a genuine copy):
 *
 *   {"instance_types": {"m5.large": {"emr": true, "cores": 2, "ram_gb": 8.0}, ...},
 *    "ranges": [{"index": 0, "label": "<5%", "dots": 0, "max": 5}, ...,
 *               {"index": 4, "label": ">20%", "dots": 4, "max": 100}],
 *    "spot_advisor": {"us-east-1": {"Linux": {"m5.large": {"s": 66, "r": 3}, ...},
 *                                   "Windows": {...}}, ...},
 *    "global_rate": "<10%"}
 *
 * `s` is the saving of Spot over on-demand in percent, `r` the index of the band of how often
 * Spot capacity of the type was interrupted over the trailing month. Only Linux entries are
 * read (ECS tasks on Spot run on Linux); instance_types, Windows and global_rate are not used.
 *
 * Provenance: the feed has no version and no date inside it, and a parser does not see the
 * HTTP headers, so the feed's version and published are "" (need_published is false, as for a
 * Fargate Spot feed without a timestamp). What dates it is fetched_at, set by the refresher
 * when it downloads the feed; conditional GETs (ETag / Last-Modified) and the comparison of
 * what was read with the advice in use (same()) tell a new feed from an old one.
 *
 * What is refused (CF_EUPSTREAM, the advice in use kept): a document that is not the feed's
 * shape, a bad `ranges` table (at most CF_EC2_SPOT_RANGES bands, indexes 0..n-1 each once, a
 * label of printable ASCII that fits, a max in (0, 100]), and in the region asked for an
 * instance type that is not a type name ("a-z0-9-" and a '.', shorter than
 * CF_INSTANCE_TYPE_LEN), an entry without a numeric `s` ("66" is refused), an `s` of 100 or
 * more (Spot is never free), or an `r` that is not an index of `ranges`.
 * What is skipped: an entry whose `s` is 0 or below. The genuine feed has 72 Linux entries with
 * s 0 across regions (a1, p2, x1e, i3en and some .metal types, r 0 or 4) and one with s -62
 * (ca-central-1 p5.48xlarge: Spot dearer than on-demand): they advise no saving, so a Spot
 * variant priced from them could never be the better choice. Refusing them would refuse
 * nearly every region of the genuine feed.
 *
 * Only types of the region's EC2 list are kept in a table: the parser does not see the region
 * being built, so apply() filters (and same() compares only those types), whatever families the
 * EC2 list holds.
 */
#include "computefit/offer.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsoniter.h"
#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"
#include "computefit/rates_json.h"

#define FEED "the Spot Advisor feed"

static int advice_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ec2_spot_advice *)a)->type,
                  ((const struct ec2_spot_advice *)b)->type);
}

/* Reads the feed's `ranges` table into ranges[] and *ret_n. */
static int parse_ranges(const json_t *doc, struct ec2_spot_range ranges[CF_EC2_SPOT_RANGES],
                        size_t *ret_n, struct cf_error *reterr)
{
    const json_t *arr = json_object_get(doc, "ranges");
    bool seen[CF_EC2_SPOT_RANGES] = {false};
    if (!json_is_array(arr) || json_array_size(arr) < 1 ||
        json_array_size(arr) > CF_EC2_SPOT_RANGES)
        return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                            FEED " has no \"ranges\" array of 1 to %d interruption bands",
                            CF_EC2_SPOT_RANGES);
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++) {
        const json_t *band = json_array_get(arr, i);
        const json_t *index = json_object_get(band, "index");
        const json_t *max = json_object_get(band, "max");
        const char *label = json_string_value(json_object_get(band, "label"));
        if (!json_is_object(band) || !json_is_integer(index) || json_integer_value(index) < 0 ||
            json_integer_value(index) >= (json_int_t)n || seen[json_integer_value(index)])
            return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                                FEED "'s ranges[%zu] has no \"index\" from 0 to %zu of its own", i,
                                n - 1);
        struct ec2_spot_range *r = &ranges[json_integer_value(index)];
        if (!label || !label[0] || strlen(label) >= sizeof(r->label) ||
            !rates_doc_text_ok(label, sizeof(r->label)))
            return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                                FEED "'s ranges[%zu] has no \"label\" of 1 to %zu printable "
                                     "characters",
                                i, sizeof(r->label) - 1);
        if (!json_is_number(max) || !(json_number_value(max) > 0) ||
            !(json_number_value(max) <= 100))
            return cf_error_set(reterr, CF_EUPSTREAM, NULL,
                                FEED "'s ranges[%zu] has no \"max\" above 0 and at most 100", i);
        seen[json_integer_value(index)] = true;
        snprintf(r->label, sizeof(r->label), "%s", label);
        r->max_pct = json_number_value(max);
    }
    *ret_n = n;
    return 0;
}

/* Reads the entry of `type` (the value `v`) in region's Linux object into *ret; sets *ret_keep
 * to whether it advises a saving. */
static int parse_entry(const char *region, const char *type, const json_t *v, size_t n_ranges,
                       struct ec2_spot_advice *ret, bool *ret_keep, struct cf_error *reterr)
{
    if (strlen(type) >= sizeof(ret->type) || !rates_doc_name_ok(type, sizeof(ret->type), true))
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            FEED " has an instance type \"%.40s%s\" in %s that is not a type "
                                 "name (a-z, 0-9, '-' and a '.'; at most %zu characters)",
                            type, strlen(type) > 40 ? "..." : "", region, sizeof(ret->type) - 1);
    const json_t *s = json_object_get(v, "s"), *r = json_object_get(v, "r");
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            FEED "'s %s %s is %s, not an object with \"s\" and \"r\"", region, type,
                            rates_doc_kind(v));
    if (!json_is_number(s))
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            FEED "'s %s %s has %s for its saving \"s\", not a number", region, type,
                            s ? rates_doc_kind(s) : "nothing");
    double pct = json_number_value(s);
    if (!(pct < 100))
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            FEED "'s %s %s has the saving %g%%: Spot is never free", region, type,
                            pct);
    if (!json_is_integer(r) || json_integer_value(r) < 0 ||
        json_integer_value(r) >= (json_int_t)n_ranges)
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            FEED "'s %s %s has no interruption band \"r\" from 0 to %zu", region,
                            type, n_ranges - 1);
    snprintf(ret->type, sizeof(ret->type), "%s", type);
    ret->savings_pct = pct;
    ret->range = (int)json_integer_value(r);
    *ret_keep = pct > 0;
    return 0;
}

int offer_ec2_spot_parse(const json_t *doc, const char *region, struct region_rates *ret,
                         struct cf_error *reterr)
{
    struct ec2_spot_range ranges[CF_EC2_SPOT_RANGES];
    size_t n_ranges = 0, n = 0;
    struct ec2_spot_advice *advice = NULL;
    int r = 0;

    if (!region)
        return cf_error_set(reterr, CF_EINVAL, "region", "no region was given");
    if (!json_is_object(doc))
        return cf_error_set(reterr, CF_EUPSTREAM, NULL, FEED " is not a JSON object");
    r = parse_ranges(doc, ranges, &n_ranges, reterr);
    if (r < 0)
        return r;
    const json_t *all = json_object_get(doc, "spot_advisor");
    if (!json_is_object(all))
        return cf_error_set(reterr, CF_EUPSTREAM, NULL, FEED " has no \"spot_advisor\" object");
    const json_t *entry = json_object_get(all, region);
    if (!entry)
        return 0; /* the feed has nothing for the region: not an error */
    const json_t *os_linux = json_object_get(entry, "Linux");
    if (!json_is_object(entry) || (os_linux && !json_is_object(os_linux)))
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            FEED "'s spot_advisor.%s is not an object with a \"Linux\" object",
                            region);
    size_t size = json_object_size(os_linux);
    if (size > RATES_JSON_MAX_EC2_SPOT)
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            FEED " has %zu Linux instance types in %s, over the limit of %d", size,
                            region, RATES_JSON_MAX_EC2_SPOT);
    if (size == 0)
        return 0;
    advice = calloc(size, sizeof(*advice));
    if (!advice)
        return cf_error_set(reterr, CF_ENOMEM, region, "out of memory");
    const char *type;
    const json_t *v;
    jsoniter_object_foreach(os_linux, type, v)
    {
        bool keep = false;
        r = parse_entry(region, type, v, n_ranges, &advice[n], &keep, reterr);
        if (r < 0)
            break;
        n += keep;
    }
    if (r < 0 || n == 0) {
        free(advice);
        return r;
    }
    qsort(advice, n, sizeof(*advice), advice_cmp); /* object keys are unique: no repeats */
    ret->ec2_spot = advice;
    ret->n_ec2_spot = n;
    memcpy(ret->ec2_spot_ranges, ranges, n_ranges * sizeof(ranges[0]));
    ret->n_ec2_spot_ranges = n_ranges;
    return 0;
}

/* ---- The feed on the EC2 offer: descriptor and rates-document section ---- */

static const char *spot_url(const struct cf_config *cfg)
{
    return cfg->ec2_spot_advisor_url;
}

static void spot_version(const json_t *doc, char out[32])
{
    (void)doc;
    out[0] = '\0'; /* the feed has no version */
}

static bool in_ec2_list(const struct region_rates *rr, const char *type)
{
    for (size_t i = 0; i < rr->n_instances; i++)
        if (strcmp(rr->instances[i].type, type) == 0)
            return true;
    return false;
}

/* The region's list is one part, replaced wholesale as the EC2 list is: a type the feed no
 * longer advises on loses its advice. */
static void spot_keep(struct region_rates *p, const struct region_rates *cur)
{
    (void)p;
    (void)cur;
}

/* Compares what `cur` keeps with what `p` holds for the types of cur's EC2 list: a feed that
 * changed only for types the region does not sell leaves the table as it is. */
static bool spot_same(const struct region_rates *cur, const struct region_rates *p)
{
    if (strcmp(cur->ec2_spot_info.version, p->ec2_spot_info.version) != 0)
        return false;
    size_t j = 0;
    for (size_t i = 0; i < p->n_ec2_spot; i++) {
        const struct ec2_spot_advice *a = &p->ec2_spot[i];
        if (!in_ec2_list(cur, a->type))
            continue;
        if (j >= cur->n_ec2_spot) /* both are sorted by type */
            return false;
        const struct ec2_spot_advice *b = &cur->ec2_spot[j++];
        if (strcmp(a->type, b->type) != 0 || a->savings_pct != b->savings_pct ||
            a->range != b->range)
            return false;
    }
    if (j != cur->n_ec2_spot)
        return false;
    if (j == 0)
        return true; /* no advice kept either way: the bands do not matter */
    if (cur->n_ec2_spot_ranges != p->n_ec2_spot_ranges)
        return false;
    for (size_t k = 0; k < p->n_ec2_spot_ranges; k++)
        if (strcmp(cur->ec2_spot_ranges[k].label, p->ec2_spot_ranges[k].label) != 0 ||
            cur->ec2_spot_ranges[k].max_pct != p->ec2_spot_ranges[k].max_pct)
            return false;
    return true;
}

/* Takes p's advice into rr, keeping the types of rr's EC2 list only, and counts how many Spot
 * prices implied by it (on-demand x (1 - saving)) moved past `factor` against `old`. `p` may
 * be `rr` itself: its advice is then filtered in place. */
static unsigned spot_apply(struct region_rates *rr, const struct region_rates *old,
                           struct region_rates *p, double factor)
{
    if (p != rr) {
        free(rr->ec2_spot);
        rr->ec2_spot = p->ec2_spot;
        rr->n_ec2_spot = p->n_ec2_spot;
        memcpy(rr->ec2_spot_ranges, p->ec2_spot_ranges, sizeof(rr->ec2_spot_ranges));
        rr->n_ec2_spot_ranges = p->n_ec2_spot_ranges;
        p->ec2_spot = NULL;
        p->n_ec2_spot = 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < rr->n_ec2_spot; i++)
        if (in_ec2_list(rr, rr->ec2_spot[i].type))
            rr->ec2_spot[n++] = rr->ec2_spot[i];
    rr->n_ec2_spot = n;
    if (n == 0) {
        free(rr->ec2_spot);
        rr->ec2_spot = NULL;
        rr->n_ec2_spot_ranges = 0;
        memset(rr->ec2_spot_ranges, 0, sizeof(rr->ec2_spot_ranges));
    }
    unsigned moves = 0;
    char what[64];
    for (size_t i = 0; old && i < n; i++) {
        const struct ec2_spot_advice *a = &rr->ec2_spot[i];
        const struct ec2_spot_advice *b = rates_ec2_spot(old, a->type);
        if (!b)
            continue;
        snprintf(what, sizeof(what), "ec2_spot.%s", a->type);
        offer_kind_compare_rate(1 - b->savings_pct / 100, 1 - a->savings_pct / 100, factor,
                                rr->code, what, &moves);
    }
    return moves;
}

static int spot_status(const struct region_rates *rr, json_t *entry)
{
    return json_object_set_new(entry, "instance_types", json_integer((json_int_t)rr->n_ec2_spot));
}

static json_t *spot_to_json(const struct region_rates *rr)
{
    json_t *ranges = json_array(), *types = json_array();
    bool ok = ranges && types;
    for (size_t i = 0; ok && i < rr->n_ec2_spot_ranges; i++) {
        const struct ec2_spot_range *b = &rr->ec2_spot_ranges[i];
        ok = json_array_append_new(ranges, json_pack("{s:s, s:o}", "label", b->label, "max_pct",
                                                     rates_doc_number(b->max_pct))) == 0;
    }
    for (size_t i = 0; ok && i < rr->n_ec2_spot; i++) {
        const struct ec2_spot_advice *a = &rr->ec2_spot[i];
        ok = json_array_append_new(types, json_pack("{s:s, s:o, s:i}", "instance_type", a->type,
                                                    "savings_pct", rates_doc_number(a->savings_pct),
                                                    "range", a->range)) == 0;
    }
    if (!ok) {
        json_decref(ranges);
        json_decref(types);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "ranges", ranges, "instances", types);
}

static int range_from_json(const json_t *v, const char *path, struct ec2_spot_range *b,
                           struct cf_error *reterr)
{
    static const char *const keys[] = {"label", "max_pct", NULL};
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "label", path, b->label, sizeof(b->label), reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "max_pct", path, &b->max_pct, reterr);
    return r;
}

static int advice_from_json(const json_t *v, const char *path, struct ec2_spot_advice *a,
                            struct cf_error *reterr)
{
    static const char *const keys[] = {"instance_type", "savings_pct", "range", NULL};
    const json_t *range = NULL;
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "instance_type", path, a->type, sizeof(a->type), reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "savings_pct", path, &a->savings_pct, reterr);
    if (r == 0)
        r = rates_doc_get_present(v, "range", path, &range, reterr);
    if (r == 0 && (!json_is_integer(range) || json_integer_value(range) < 0 ||
                   json_integer_value(range) >= CF_EC2_SPOT_RANGES)) {
        char rpath[RATES_DOC_PATH_LEN];
        rates_doc_path_key(rpath, path, "range");
        return cf_error_set(reterr, CF_EINVAL, rpath,
                            "%s must be the index of an interruption band in ranges, a whole "
                            "number from 0 to %d.",
                            rpath, CF_EC2_SPOT_RANGES - 1);
    }
    if (r == 0)
        a->range = (int)json_integer_value(range);
    return r;
}

/* Reads "ec2_spot" (not null): {"ranges": [...], "instances": [...]}, both non-empty. */
static int spot_from_json(const json_t *spot, const char *path, struct region_rates *rr,
                          struct cf_error *reterr)
{
    static const char *const keys[] = {"ranges", "instances", NULL};
    char sub[RATES_DOC_PATH_LEN], item[RATES_DOC_PATH_LEN];
    if (!json_is_object(spot))
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an object with ranges and instances, or null, got %s.",
                            path, rates_doc_kind(spot));
    int r = rates_doc_check_keys(spot, keys, path, reterr);
    const json_t *ranges = NULL, *types = NULL;
    if (r == 0)
        r = rates_doc_get_present(spot, "ranges", path, &ranges, reterr);
    if (r == 0)
        r = rates_doc_get_present(spot, "instances", path, &types, reterr);
    if (r < 0)
        return r;
    rates_doc_path_key(sub, path, "ranges");
    if (!json_is_array(ranges) || json_array_size(ranges) < 1 ||
        json_array_size(ranges) > CF_EC2_SPOT_RANGES)
        return cf_error_set(reterr, CF_EINVAL, sub,
                            "%s must be an array of 1 to %d interruption bands.", sub,
                            CF_EC2_SPOT_RANGES);
    for (size_t i = 0; r == 0 && i < json_array_size(ranges); i++) {
        rates_doc_path_index(item, sub, i);
        r = range_from_json(json_array_get(ranges, i), item, &rr->ec2_spot_ranges[i], reterr);
        rr->n_ec2_spot_ranges = i + 1;
    }
    if (r < 0)
        return r;
    rates_doc_path_key(sub, path, "instances");
    size_t n = json_array_size(types);
    if (!json_is_array(types) || n < 1 || n > RATES_JSON_MAX_EC2_SPOT)
        return cf_error_set(reterr, CF_EINVAL, sub,
                            "%s must be an array of 1 to %d instance types: give one, or make "
                            "%s null.",
                            sub, RATES_JSON_MAX_EC2_SPOT, path);
    rr->ec2_spot = calloc(n, sizeof(*rr->ec2_spot));
    if (!rr->ec2_spot)
        return cf_error_set(reterr, CF_ENOMEM, sub, "Out of memory loading %s.", sub);
    for (size_t i = 0; r == 0 && i < n; i++) {
        rates_doc_path_index(item, sub, i);
        r = advice_from_json(json_array_get(types, i), item, &rr->ec2_spot[i], reterr);
        rr->n_ec2_spot = i + 1; /* rates_region_clear() frees the array whatever happens */
    }
    return r;
}

/* The advice needs the region's EC2 list (it is a saving on its on-demand prices), bands that
 * make sense, and each entry a type name, a saving in (0, 100) and a band of the table, sorted
 * by type, each type once (rates_finish() sorts; the loader reads a document in its order). */
static int spot_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    char sub[RATES_DOC_PATH_LEN], item[RATES_DOC_PATH_LEN], key[RATES_DOC_PATH_LEN];
    if (!rr->has[CF_OFFER_EC2])
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s needs the region's on-demand EC2 rates (the advice is a saving on "
                            "them): give them, or make %s null.",
                            path, path);
    rates_doc_path_key(sub, path, "ranges");
    if (rr->n_ec2_spot_ranges < 1 || rr->n_ec2_spot_ranges > CF_EC2_SPOT_RANGES)
        return cf_error_set(reterr, CF_EINVAL, sub,
                            "%s must hold 1 to %d interruption bands, got %zu.", sub,
                            CF_EC2_SPOT_RANGES, rr->n_ec2_spot_ranges);
    for (size_t i = 0; i < rr->n_ec2_spot_ranges; i++) {
        const struct ec2_spot_range *b = &rr->ec2_spot_ranges[i];
        rates_doc_path_index(item, sub, i);
        if (!rates_doc_text_ok(b->label, sizeof(b->label)) || !b->label[0]) {
            rates_doc_path_key(key, item, "label");
            return cf_error_set(reterr, CF_EINVAL, key,
                                "%s must be a band's label such as \"<5%%\" (printable ASCII, 1 "
                                "to %zu characters).",
                                key, sizeof(b->label) - 1);
        }
        if (!(b->max_pct > 0 && b->max_pct <= 100)) {
            rates_doc_path_key(key, item, "max_pct");
            return cf_error_set(reterr, CF_EINVAL, key,
                                "%s must be the band's upper bound in percent, above 0 and at "
                                "most 100.",
                                key);
        }
    }
    rates_doc_path_key(sub, path, "instances");
    if (rr->n_ec2_spot > RATES_JSON_MAX_EC2_SPOT || !rr->ec2_spot)
        return cf_error_set(reterr, CF_EINVAL, sub, "%s must hold 1 to %d instance types, got %zu.",
                            sub, RATES_JSON_MAX_EC2_SPOT, rr->n_ec2_spot);
    for (size_t i = 0; i < rr->n_ec2_spot; i++) {
        const struct ec2_spot_advice *a = &rr->ec2_spot[i];
        rates_doc_path_index(item, sub, i);
        if (!rates_doc_name_ok(a->type, sizeof(a->type), true)) {
            rates_doc_path_key(key, item, "instance_type");
            return cf_error_set(reterr, CF_EINVAL, key,
                                "%s must be an instance type such as \"m5.large\" (a-z, 0-9, '-', "
                                "'.'; at most %zu characters).",
                                key, sizeof(a->type) - 1);
        }
        if (i > 0 && strcmp(rr->ec2_spot[i - 1].type, a->type) >= 0) {
            rates_doc_path_key(key, item, "instance_type");
            bool repeat = strcmp(rr->ec2_spot[i - 1].type, a->type) == 0;
            return cf_error_set(reterr, CF_EINVAL, key,
                                repeat ? "%s repeats %s: each instance type has one advice."
                                       : "%s is %s, after %s: instance types must be sorted (as "
                                         "rates_finish() sorts them).",
                                key, a->type, rr->ec2_spot[i - 1].type);
        }
        if (!(a->savings_pct > 0 && a->savings_pct < 100)) {
            rates_doc_path_key(key, item, "savings_pct");
            return cf_error_set(reterr, CF_EINVAL, key,
                                "%s must be the saving of Spot over on-demand in percent, above 0 "
                                "and below 100.",
                                key);
        }
        if (a->range < 0 || (size_t)a->range >= rr->n_ec2_spot_ranges) {
            rates_doc_path_key(key, item, "range");
            return cf_error_set(reterr, CF_EINVAL, key,
                                "%s must be the index of one of the %zu bands in ranges, got %d.",
                                key, rr->n_ec2_spot_ranges, a->range);
        }
    }
    return 0;
}

static int spot_parse(const json_t *doc, const char *region, struct region_rates *ret,
                      struct cf_error *reterr)
{
    return offer_ec2_spot_parse(doc, region, ret, reterr);
}

const struct offer_feed offer_feed_ec2_spot = {
    .name = "spot_advisor",
    .title = "EC2 Spot Advisor feed",
    .doc_key = "ec2_spot",
    .info_offset = offsetof(struct region_rates, ec2_spot_info),
    .need_published = false, /* the feed has no date */
    .url = spot_url,
    .version = spot_version,
    .parse = spot_parse,
    .has = rates_has_ec2_spot,
    .keep = spot_keep,
    .same = spot_same,
    .apply = spot_apply,
    .status = spot_status,
    .to_json = spot_to_json,
    .from_json = spot_from_json,
    .validate = spot_validate,
};
