/*
 * rates_json.c - the one serialisation of a rates table: snapshot, state file, /pricing/{region}.
 *
 * Loading is two passes over each region: the parser checks the document's shape (keys, types,
 * lengths) while it fills the struct, then the same value checks that rates_validate() applies to
 * a table built by the live refresher run on the region, with JSON paths that point into the
 * document. There is one set of rules for what a servable table is, whoever built it.
 *
 * Saving is atomic (temporary file, fsync, rename, fsync of the directory): the state file is
 * what the service starts from after a crash, so it must never be half written.
 */
#include "computefit/rates_json.h"

#include "computefit/isotime.h"
#include "computefit/rates_doc.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_LEN RATES_DOC_PATH_LEN

static const char *const arch_keys[CF_ARCH_COUNT] = {"x86_64", "arm64"};
static const char *const offer_keys[CF_OFFER_COUNT] = {"lambda", "fargate", "ec2"};

/* ------------------------------------------------------------------------------------------ */
/* Value checks shared by the loader and rates_validate()                                     */

static int validate_lambda(const struct lambda_rates *l, const char *prefix,
                           struct cf_error *reterr)
{
    char path[PATH_LEN], tpath[PATH_LEN];
    int r = rates_doc_check_rate(l->request_usd, prefix, "request_usd", "request", reterr);
    if (r < 0)
        return r;
    rates_doc_path_key(path, prefix, "gb_second_tiers");
    if (l->n_tiers < 1 || l->n_tiers > CF_LAMBDA_TIERS_MAX)
        return cf_error_set(reterr, CF_EINVAL, path, "%s must hold 1 to %d tiers, got %zu.", path,
                            CF_LAMBDA_TIERS_MAX, l->n_tiers);
    for (size_t t = 0; t < l->n_tiers; t++) {
        const struct rate_tier *tier = &l->gb_s_tiers[t];
        rates_doc_path_index(tpath, path, t);
        r = rates_doc_check_rate(tier->usd, tpath, "usd", "GB-second", reterr);
        if (r < 0)
            return r;
        char upath[PATH_LEN];
        rates_doc_path_key(upath, tpath, "up_to_gb_s");
        if (t + 1 == l->n_tiers) {
            if (!(isinf(tier->up_to) && tier->up_to > 0))
                return cf_error_set(reterr, CF_EINVAL, upath,
                                    "%s must be null (no upper bound): the last tier covers all "
                                    "remaining usage, got %g.",
                                    upath, tier->up_to);
        } else {
            double floor = t ? l->gb_s_tiers[t - 1].up_to : 0;
            if (!isfinite(tier->up_to) || !(tier->up_to > floor))
                return cf_error_set(reterr, CF_EINVAL, upath,
                                    "%s must be a finite number of GB-seconds above %g (tiers "
                                    "ascend; only the last is unbounded), got %g.",
                                    upath, floor, tier->up_to);
        }
    }
    return rates_doc_check_rate(l->ephemeral_gb_s_usd, prefix, "ephemeral_gb_second_usd",
                                "GB-second", reterr);
}

static int validate_gpu(const struct gpu_instance *g, const char *prefix, struct cf_error *reterr)
{
    char path[PATH_LEN];
    if (!rates_doc_name_ok(g->type, sizeof(g->type), true)) {
        rates_doc_path_key(path, prefix, "instance_type");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an instance type such as \"g5.xlarge\" (a-z, 0-9, '-', "
                            "'.'; at most %zu characters).",
                            path, sizeof(g->type) - 1);
    }
    int r = rates_doc_check_rate(g->usd_per_hour, prefix, "usd_per_hour", "instance-hour", reterr);
    if (r == 0)
        r = rates_doc_check_positive(g->vcpu, prefix, "vcpu", "vCPUs", reterr);
    if (r == 0)
        r = rates_doc_check_positive(g->memory_gib, prefix, "memory_gib", "GiB", reterr);
    if (r == 0)
        r = rates_doc_check_positive(g->gpu_memory_gib, prefix, "gpu_memory_gib", "GiB", reterr);
    if (r < 0)
        return r;
    if (g->gpus < 1) {
        rates_doc_path_key(path, prefix, "gpus");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be at least 1: only GPU instances belong here, got %d.", path,
                            g->gpus);
    }
    if (!rates_doc_text_ok(g->gpu_model, sizeof(g->gpu_model)) || !g->gpu_model[0]) {
        rates_doc_path_key(path, prefix, "gpu_model");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be a GPU model name such as \"A10G\" (printable ASCII, at "
                            "most %zu characters).",
                            path, sizeof(g->gpu_model) - 1);
    }
    return 0;
}

static int validate_info(const struct offer_info *info, const char *prefix, bool need_published,
                         struct cf_error *reterr)
{
    char path[PATH_LEN];
    if (info->source != CF_SOURCE_SNAPSHOT && info->source != CF_SOURCE_STATE &&
        info->source != CF_SOURCE_LIVE) {
        rates_doc_path_key(path, prefix, "source");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must say where the rates came from: snapshot, state or live.",
                            path);
    }
    struct {
        const char *key;
        const char *s;
        size_t n;
        bool required;
    } texts[] = {
        {"version", info->version, sizeof(info->version), false},
        {"published", info->published, sizeof(info->published), need_published},
        {"origin", info->origin, sizeof(info->origin), true},
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (rates_doc_text_ok(texts[i].s, texts[i].n) && (!texts[i].required || texts[i].s[0]))
            continue;
        rates_doc_path_key(path, prefix, texts[i].key);
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be %sprintable ASCII of at most %zu characters: every rate "
                            "records where it came from and when.",
                            path, texts[i].required ? "non-empty " : "", texts[i].n - 1);
    }
    if (info->fetched_at < 0 || info->fetched_at > ISOTIME_MAX) {
        rates_doc_path_key(path, prefix, "fetched_at");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be a time between 1970 and 9999 (0 = unknown), got %lld.",
                            path, (long long)info->fetched_at);
    }
    return 0;
}

/* Checks a region's Fargate Spot rates, when it has any: they need the on-demand Fargate rates
 * (ephemeral storage is billed at the on-demand rate on Spot), every rate finite and > 0, and
 * provenance whose publication date may be empty (the Spot feed has only a version). */
static int validate_spot(const struct region_rates *rr, const char *prefix, struct cf_error *reterr)
{
    char path[PATH_LEN], sub[PATH_LEN];
    if (!rates_has_fargate_spot(rr))
        return 0;
    rates_doc_path_key(path, prefix, "fargate_spot");
    if (!rr->has[CF_OFFER_FARGATE])
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s needs the region's on-demand fargate rates (Spot storage is "
                            "billed at the on-demand rate): give fargate, or make %s null.",
                            path, path);
    for (int a = 0; a < CF_ARCH_COUNT; a++) {
        if (!rr->has_fargate_spot[a])
            continue;
        rates_doc_path_key(sub, path, arch_keys[a]);
        int r = rates_doc_check_rate(rr->fargate_spot[a].vcpu_hour_usd, sub, "vcpu_hour_usd",
                                     "vCPU-hour", reterr);
        if (r == 0)
            r = rates_doc_check_rate(rr->fargate_spot[a].gb_hour_usd, sub, "gb_hour_usd", "GB-hour",
                                     reterr);
        if (r < 0)
            return r;
    }
    rates_doc_path_key(path, prefix, "sources");
    rates_doc_path_key(sub, path, "fargate_spot");
    return validate_info(&rr->fargate_spot_info, sub, false, reterr);
}

/* Checks one region's values; `prefix` is its JSON path ("regions[3]"). GPU order is not
 * checked here: the loader validates each region before it sorts the table. */
static int validate_region(const struct region_rates *rr, const char *prefix,
                           struct cf_error *reterr)
{
    char path[PATH_LEN], sub[PATH_LEN];
    int r;

    if (!rates_doc_name_ok(rr->code, sizeof(rr->code), false)) {
        rates_doc_path_key(path, prefix, "region");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an AWS region code such as \"us-east-1\" (a-z, 0-9, '-'; "
                            "at most %zu characters).",
                            path, sizeof(rr->code) - 1);
    }
    if (!rr->has[CF_OFFER_LAMBDA] && !rr->has[CF_OFFER_FARGATE] && !rr->has[CF_OFFER_EC2])
        return cf_error_set(reterr, CF_EINVAL, prefix,
                            "Region %s has no rates for any offer: give lambda, fargate or "
                            "ec2_gpu, or leave the region out.",
                            rr->code);
    if (rr->has[CF_OFFER_LAMBDA]) {
        for (int a = 0; a < CF_ARCH_COUNT; a++) {
            rates_doc_path_key(path, prefix, "lambda");
            rates_doc_path_key(sub, path, arch_keys[a]);
            r = validate_lambda(&rr->lambda[a], sub, reterr);
            if (r < 0)
                return r;
        }
    }
    if (rr->has[CF_OFFER_FARGATE]) {
        rates_doc_path_key(path, prefix, "fargate");
        for (int a = 0; a < CF_ARCH_COUNT; a++) {
            rates_doc_path_key(sub, path, arch_keys[a]);
            r = rates_doc_check_rate(rr->fargate[a].vcpu_hour_usd, sub, "vcpu_hour_usd",
                                     "vCPU-hour", reterr);
            if (r == 0)
                r = rates_doc_check_rate(rr->fargate[a].gb_hour_usd, sub, "gb_hour_usd", "GB-hour",
                                         reterr);
            if (r < 0)
                return r;
        }
        r = rates_doc_check_rate(rr->fargate_ephemeral_gb_hour_usd, path, "ephemeral_gb_hour_usd",
                                 "GB-hour", reterr);
        if (r < 0)
            return r;
    }
    if (rr->has[CF_OFFER_EC2]) {
        rates_doc_path_key(path, prefix, "ec2_gpu");
        if (rr->n_gpus > RATES_JSON_MAX_GPUS || (rr->n_gpus && !rr->gpus))
            return cf_error_set(reterr, CF_EINVAL, path,
                                "%s must hold at most %d instance types, got %zu.", path,
                                RATES_JSON_MAX_GPUS, rr->n_gpus);
        for (size_t i = 0; i < rr->n_gpus; i++) {
            rates_doc_path_index(sub, path, i);
            r = validate_gpu(&rr->gpus[i], sub, reterr);
            if (r < 0)
                return r;
            for (size_t j = 0; j < i; j++) {
                if (strcmp(rr->gpus[j].type, rr->gpus[i].type) == 0) {
                    char tpath[PATH_LEN];
                    rates_doc_path_key(tpath, sub, "instance_type");
                    return cf_error_set(reterr, CF_EINVAL, tpath,
                                        "%s repeats %s (already at index %zu): each instance "
                                        "type has one price.",
                                        tpath, rr->gpus[i].type, j);
                }
            }
        }
    }
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!rr->has[o])
            continue;
        rates_doc_path_key(path, prefix, "sources");
        rates_doc_path_key(sub, path, offer_keys[o]);
        r = validate_info(&rr->info[o], sub, true, reterr);
        if (r < 0)
            return r;
    }
    return validate_spot(rr, prefix, reterr);
}

static int gpu_order(const struct gpu_instance *x, const struct gpu_instance *y)
{
    if (x->usd_per_hour != y->usd_per_hour)
        return x->usd_per_hour < y->usd_per_hour ? -1 : 1;
    return strcmp(x->type, y->type);
}

int rates_validate(const struct rates *r, struct cf_error *reterr)
{
    char path[PATH_LEN], sub[PATH_LEN];
    if (!r)
        return cf_error_set(reterr, CF_EINVAL, "", "There is no rates table.");
    if (r->n_regions < 1 || r->n_regions > RATES_JSON_MAX_REGIONS || !r->regions)
        return cf_error_set(reterr, CF_EINVAL, "regions",
                            "regions must hold 1 to %d regions, got %zu.", RATES_JSON_MAX_REGIONS,
                            r->n_regions);
    if (r->built_at < 0 || r->built_at > ISOTIME_MAX)
        return cf_error_set(reterr, CF_EINVAL, "built_at",
                            "built_at must be a time between 1970 and 9999, got %lld.",
                            (long long)r->built_at);
    for (size_t i = 0; i < r->n_regions; i++) {
        const struct region_rates *rr = &r->regions[i];
        rates_doc_path_index(path, "regions", i);
        int e = validate_region(rr, path, reterr);
        if (e < 0)
            return e;
        if (i > 0 && strcmp(r->regions[i - 1].code, rr->code) >= 0) {
            rates_doc_path_key(sub, path, "region");
            return cf_error_set(reterr, CF_EINVAL, sub,
                                "Region %s comes after %s: regions must be unique and sorted by "
                                "code (rates_finish() sorts them).",
                                rr->code, r->regions[i - 1].code);
        }
        if (!rr->has[CF_OFFER_EC2])
            continue;
        for (size_t j = 1; j < rr->n_gpus; j++) {
            if (gpu_order(&rr->gpus[j - 1], &rr->gpus[j]) > 0) {
                rates_doc_path_key(sub, path, "ec2_gpu");
                rates_doc_path_index(path, sub, j);
                return cf_error_set(reterr, CF_EINVAL, path,
                                    "GPU instances of %s must be sorted by usd_per_hour "
                                    "(rates_finish() sorts them); %s is out of order.",
                                    rr->code, rr->gpus[j].type);
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Loading                                                                                     */

static int parse_tiers(const json_t *arr, const char *path, struct lambda_rates *l,
                       struct cf_error *reterr)
{
    static const char *const keys[] = {"up_to_gb_s", "usd", NULL};
    if (!json_is_array(arr))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an array of tiers, got %s.", path,
                            rates_doc_kind(arr));
    size_t n = json_array_size(arr);
    if (n < 1 || n > CF_LAMBDA_TIERS_MAX)
        return cf_error_set(reterr, CF_EINVAL, path, "%s must hold 1 to %d tiers, got %zu.", path,
                            CF_LAMBDA_TIERS_MAX, n);
    for (size_t t = 0; t < n; t++) {
        char tpath[PATH_LEN];
        const json_t *tier = json_array_get(arr, t), *up = NULL;
        rates_doc_path_index(tpath, path, t);
        if (!json_is_object(tier))
            return cf_error_set(reterr, CF_EINVAL, tpath,
                                "%s must be an object with up_to_gb_s and usd, got %s.", tpath,
                                rates_doc_kind(tier));
        int r = rates_doc_check_keys(tier, keys, tpath, reterr);
        if (r == 0)
            r = rates_doc_get_present(tier, "up_to_gb_s", tpath, &up, reterr);
        if (r == 0 && json_is_null(up))
            l->gb_s_tiers[t].up_to = (double)INFINITY;
        else if (r == 0)
            r = rates_doc_get_number(tier, "up_to_gb_s", tpath, &l->gb_s_tiers[t].up_to, reterr);
        if (r == 0)
            r = rates_doc_get_number(tier, "usd", tpath, &l->gb_s_tiers[t].usd, reterr);
        if (r < 0)
            return r;
    }
    l->n_tiers = n;
    return 0;
}

static int parse_lambda(const json_t *region, const char *prefix, struct region_rates *rr,
                        struct cf_error *reterr)
{
    static const char *const keys[] = {"x86_64", "arm64", NULL};
    static const char *const arch_fields[] = {"request_usd", "gb_second_tiers",
                                              "ephemeral_gb_second_usd", NULL};
    char path[PATH_LEN], apath[PATH_LEN], tpath[PATH_LEN];
    const json_t *lambda = NULL, *arch = NULL;
    int r = rates_doc_get_object(region, "lambda", prefix, true, &lambda, reterr);
    if (r < 0 || json_is_null(lambda))
        return r;
    rates_doc_path_key(path, prefix, "lambda");
    r = rates_doc_check_keys(lambda, keys, path, reterr);
    for (int a = 0; r == 0 && a < CF_ARCH_COUNT; a++) {
        struct lambda_rates *l = &rr->lambda[a];
        rates_doc_path_key(apath, path, arch_keys[a]);
        r = rates_doc_get_object(lambda, arch_keys[a], path, false, &arch, reterr);
        if (r == 0)
            r = rates_doc_check_keys(arch, arch_fields, apath, reterr);
        if (r == 0)
            r = rates_doc_get_number(arch, "request_usd", apath, &l->request_usd, reterr);
        if (r == 0) {
            const json_t *tiers = NULL;
            rates_doc_path_key(tpath, apath, "gb_second_tiers");
            r = rates_doc_get_present(arch, "gb_second_tiers", apath, &tiers, reterr);
            if (r == 0)
                r = parse_tiers(tiers, tpath, l, reterr);
        }
        if (r == 0)
            r = rates_doc_get_number(arch, "ephemeral_gb_second_usd", apath, &l->ephemeral_gb_s_usd,
                                     reterr);
    }
    if (r == 0)
        rr->has[CF_OFFER_LAMBDA] = true;
    return r;
}

static int parse_fargate(const json_t *region, const char *prefix, struct region_rates *rr,
                         struct cf_error *reterr)
{
    static const char *const keys[] = {"x86_64", "arm64", "ephemeral_gb_hour_usd", NULL};
    static const char *const arch_fields[] = {"vcpu_hour_usd", "gb_hour_usd", NULL};
    char path[PATH_LEN], apath[PATH_LEN];
    const json_t *fargate = NULL, *arch = NULL;
    int r = rates_doc_get_object(region, "fargate", prefix, true, &fargate, reterr);
    if (r < 0 || json_is_null(fargate))
        return r;
    rates_doc_path_key(path, prefix, "fargate");
    r = rates_doc_check_keys(fargate, keys, path, reterr);
    for (int a = 0; r == 0 && a < CF_ARCH_COUNT; a++) {
        rates_doc_path_key(apath, path, arch_keys[a]);
        r = rates_doc_get_object(fargate, arch_keys[a], path, false, &arch, reterr);
        if (r == 0)
            r = rates_doc_check_keys(arch, arch_fields, apath, reterr);
        if (r == 0)
            r = rates_doc_get_number(arch, "vcpu_hour_usd", apath, &rr->fargate[a].vcpu_hour_usd,
                                     reterr);
        if (r == 0)
            r = rates_doc_get_number(arch, "gb_hour_usd", apath, &rr->fargate[a].gb_hour_usd,
                                     reterr);
    }
    if (r == 0)
        r = rates_doc_get_number(fargate, "ephemeral_gb_hour_usd", path,
                                 &rr->fargate_ephemeral_gb_hour_usd, reterr);
    if (r == 0)
        rr->has[CF_OFFER_FARGATE] = true;
    return r;
}

static int parse_gpu(const json_t *v, const char *path, struct gpu_instance *g,
                     struct cf_error *reterr)
{
    static const char *const keys[] = {
        "instance_type", "usd_per_hour", "vcpu",           "memory_gib",
        "gpus",          "gpu_model",    "gpu_memory_gib", NULL};
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "instance_type", path, g->type, sizeof(g->type), reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "usd_per_hour", path, &g->usd_per_hour, reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "vcpu", path, &g->vcpu, reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "memory_gib", path, &g->memory_gib, reterr);
    if (r == 0) {
        const json_t *gpus = NULL;
        r = rates_doc_get_present(v, "gpus", path, &gpus, reterr);
        if (r == 0 && (!json_is_integer(gpus) || json_integer_value(gpus) < 1 ||
                       json_integer_value(gpus) > 1024)) {
            char gpath[PATH_LEN];
            rates_doc_path_key(gpath, path, "gpus");
            return cf_error_set(reterr, CF_EINVAL, gpath,
                                "%s must be a whole number of GPUs from 1 to 1024.", gpath);
        }
        if (r == 0)
            g->gpus = (int)json_integer_value(gpus);
    }
    if (r == 0)
        r = rates_doc_get_string(v, "gpu_model", path, g->gpu_model, sizeof(g->gpu_model), reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "gpu_memory_gib", path, &g->gpu_memory_gib, reterr);
    return r;
}

static int parse_ec2(const json_t *region, const char *prefix, struct region_rates *rr,
                     struct cf_error *reterr)
{
    char path[PATH_LEN], gpath[PATH_LEN];
    const json_t *arr = NULL;
    int r = rates_doc_get_present(region, "ec2_gpu", prefix, &arr, reterr);
    if (r < 0 || json_is_null(arr))
        return r;
    rates_doc_path_key(path, prefix, "ec2_gpu");
    if (!json_is_array(arr))
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an array of GPU instance types or null, got %s.", path,
                            rates_doc_kind(arr));
    size_t n = json_array_size(arr);
    if (n > RATES_JSON_MAX_GPUS)
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must hold at most %d instance types, got %zu.", path,
                            RATES_JSON_MAX_GPUS, n);
    if (n) {
        rr->gpus = calloc(n, sizeof(*rr->gpus));
        if (!rr->gpus)
            return cf_error_set(reterr, CF_ENOMEM, path, "Out of memory loading %s.", path);
    }
    for (size_t i = 0; i < n; i++) {
        rates_doc_path_index(gpath, path, i);
        r = parse_gpu(json_array_get(arr, i), gpath, &rr->gpus[i], reterr);
        if (r < 0)
            return r;
        rr->n_gpus = i + 1;
    }
    rr->has[CF_OFFER_EC2] = true;
    return 0;
}

/* Reads sources.<key> into *info. `v` is the entry (an object or null; NULL when absent, which
 * only an optional entry may be); `has` says whether the region has the rates it describes. */
static int parse_info_entry(const json_t *v, const char *key, const char *prefix, bool has,
                            enum cf_rate_source source, struct offer_info *info,
                            struct cf_error *reterr)
{
    static const char *const keys[] = {"source",     "version", "published",
                                       "fetched_at", "origin",  NULL};
    char path[PATH_LEN];
    const json_t *fetched = NULL;
    int r;
    rates_doc_path_key(path, prefix, key);
    if (v && !json_is_object(v) && !json_is_null(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object or null, got %s.", path,
                            rates_doc_kind(v));
    if ((!v || json_is_null(v)) == has)
        return cf_error_set(reterr, has ? (v ? CF_EINVAL : CF_EMISSING) : CF_EINVAL, path,
                            has ? "%s must say where this region's %s rates came from."
                                : "%s must be null: this region has no %s rates.",
                            path, key);
    if (!v || json_is_null(v))
        return 0;
    char stored[16];
    r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "source", path, stored, sizeof(stored), reterr);
    if (r == 0 && strcmp(stored, "snapshot") && strcmp(stored, "state") && strcmp(stored, "live")) {
        char spath[PATH_LEN];
        rates_doc_path_key(spath, path, "source");
        return cf_error_set(reterr, CF_EINVAL, spath,
                            "%s must be \"snapshot\", \"state\" or \"live\", got \"%s\".", spath,
                            stored);
    }
    if (r == 0)
        r = rates_doc_get_string(v, "version", path, info->version, sizeof(info->version), reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "published", path, info->published, sizeof(info->published),
                                 reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "origin", path, info->origin, sizeof(info->origin), reterr);
    if (r == 0)
        r = rates_doc_get_present(v, "fetched_at", path, &fetched, reterr);
    if (r < 0)
        return r;
    info->fetched_at = 0;
    if (!json_is_null(fetched) && !(json_is_string(fetched) &&
                                    isotime_parse(json_string_value(fetched), &info->fetched_at))) {
        char fpath[PATH_LEN];
        rates_doc_path_key(fpath, path, "fetched_at");
        return cf_error_set(reterr, CF_EINVAL, fpath,
                            "%s must be null (unknown) or a UTC time \"YYYY-MM-DDTHH:MM:SSZ\".",
                            fpath);
    }
    info->source = source;
    return 0;
}

static int parse_info(const json_t *sources, int o, const char *prefix, enum cf_rate_source source,
                      struct region_rates *rr, struct cf_error *reterr)
{
    const json_t *v = NULL;
    int r = rates_doc_get_present(sources, offer_keys[o], prefix, &v, reterr);
    if (r == 0)
        r = parse_info_entry(v, offer_keys[o], prefix, rr->has[o], source, &rr->info[o], reterr);
    return r;
}

/* Reads the optional "fargate_spot": absent or null means none; otherwise an object with both
 * architectures, each rates or null, at least one of them rates. */
static int parse_fargate_spot(const json_t *region, const char *prefix, struct region_rates *rr,
                              struct cf_error *reterr)
{
    static const char *const keys[] = {"x86_64", "arm64", NULL};
    static const char *const arch_fields[] = {"vcpu_hour_usd", "gb_hour_usd", NULL};
    char path[PATH_LEN], apath[PATH_LEN];
    const json_t *spot = json_object_get(region, "fargate_spot"), *arch = NULL;
    if (!spot || json_is_null(spot))
        return 0;
    rates_doc_path_key(path, prefix, "fargate_spot");
    if (!json_is_object(spot))
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an object with x86_64 and arm64, or null, got %s.", path,
                            rates_doc_kind(spot));
    int r = rates_doc_check_keys(spot, keys, path, reterr);
    for (int a = 0; r == 0 && a < CF_ARCH_COUNT; a++) {
        rates_doc_path_key(apath, path, arch_keys[a]);
        r = rates_doc_get_object(spot, arch_keys[a], path, true, &arch, reterr);
        if (r < 0 || json_is_null(arch))
            continue;
        r = rates_doc_check_keys(arch, arch_fields, apath, reterr);
        if (r == 0)
            r = rates_doc_get_number(arch, "vcpu_hour_usd", apath,
                                     &rr->fargate_spot[a].vcpu_hour_usd, reterr);
        if (r == 0)
            r = rates_doc_get_number(arch, "gb_hour_usd", apath, &rr->fargate_spot[a].gb_hour_usd,
                                     reterr);
        if (r == 0)
            rr->has_fargate_spot[a] = true;
    }
    if (r == 0 && !rates_has_fargate_spot(rr))
        r = cf_error_set(reterr, CF_EINVAL, path,
                         "%s has rates for neither x86_64 nor arm64: give one, or make %s null.",
                         path, path);
    return r;
}

static int parse_region(const json_t *v, const char *prefix, enum cf_rate_source source,
                        struct region_rates *rr, struct cf_error *reterr)
{
    static const char *const keys[] = {"region",  "lambda",  "fargate", "fargate_spot",
                                       "ec2_gpu", "sources", NULL};
    static const char *const source_keys[] = {"lambda", "fargate", "ec2", "fargate_spot", NULL};
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, prefix, "%s must be an object, got %s.", prefix,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, prefix, reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "region", prefix, rr->code, sizeof(rr->code), reterr);
    if (r == 0)
        r = parse_lambda(v, prefix, rr, reterr);
    if (r == 0)
        r = parse_fargate(v, prefix, rr, reterr);
    if (r == 0)
        r = parse_fargate_spot(v, prefix, rr, reterr);
    if (r == 0)
        r = parse_ec2(v, prefix, rr, reterr);
    const json_t *sources = NULL;
    char spath[PATH_LEN];
    rates_doc_path_key(spath, prefix, "sources");
    if (r == 0)
        r = rates_doc_get_object(v, "sources", prefix, false, &sources, reterr);
    if (r == 0)
        r = rates_doc_check_keys(sources, source_keys, spath, reterr);
    for (int o = 0; r == 0 && o < CF_OFFER_COUNT; o++)
        r = parse_info(sources, o, spath, source, rr, reterr);
    if (r == 0)
        r = parse_info_entry(json_object_get(sources, "fargate_spot"), "fargate_spot", spath,
                             rates_has_fargate_spot(rr), source, &rr->fargate_spot_info, reterr);
    if (r == 0)
        r = validate_region(rr, prefix, reterr);
    return r;
}

int rates_from_json(const json_t *doc, enum cf_rate_source source, struct rates **ret,
                    struct cf_error *reterr)
{
    static const char *const keys[] = {"format", "built_at", "regions", NULL};
    struct rates *r = NULL;
    const json_t *v = NULL;
    char built[32], path[PATH_LEN];
    int e;

    if (source != CF_SOURCE_SNAPSHOT && source != CF_SOURCE_STATE && source != CF_SOURCE_LIVE)
        return cf_error_set(reterr, CF_EINVAL, "",
                            "The caller must say where the rates come from (snapshot, state or "
                            "live).");
    if (!json_is_object(doc))
        return cf_error_set(reterr, CF_EINVAL, "",
                            "A rates document must be a JSON object with format, built_at and "
                            "regions, got %s.",
                            doc ? rates_doc_kind(doc) : "nothing");
    /* The format tag first: a newer format's keys are then explained by its tag. */
    e = rates_doc_get_present(doc, "format", "", &v, reterr);
    if (e < 0)
        return e;
    if (!json_is_string(v) || strcmp(json_string_value(v), RATES_JSON_FORMAT) != 0)
        return cf_error_set(reterr, CF_EINVAL, "format",
                            "format must be \"%s\"; this is %s%.40s%s, which this version cannot "
                            "read.",
                            RATES_JSON_FORMAT, json_is_string(v) ? "\"" : "",
                            json_is_string(v) ? json_string_value(v) : rates_doc_kind(v),
                            json_is_string(v) ? "\"" : "");
    e = rates_doc_check_keys(doc, keys, "", reterr);
    if (e < 0)
        return e;
    int64_t built_at = 0;
    e = rates_doc_get_string(doc, "built_at", "", built, sizeof(built), reterr);
    if (e < 0)
        return e;
    if (!isotime_parse(built, &built_at))
        return cf_error_set(reterr, CF_EINVAL, "built_at",
                            "built_at must be a UTC time \"YYYY-MM-DDTHH:MM:SSZ\", got \"%s\".",
                            built);
    e = rates_doc_get_present(doc, "regions", "", &v, reterr);
    if (e < 0)
        return e;
    if (!json_is_array(v))
        return cf_error_set(reterr, CF_EINVAL, "regions",
                            "regions must be an array of regions, got %s.", rates_doc_kind(v));
    if (json_array_size(v) < 1 || json_array_size(v) > RATES_JSON_MAX_REGIONS)
        return cf_error_set(reterr, CF_EINVAL, "regions",
                            "regions must hold 1 to %d regions, got %zu.", RATES_JSON_MAX_REGIONS,
                            json_array_size(v));

    size_t n = json_array_size(v);
    r = rates_new(n);
    if (!r)
        return cf_error_set(reterr, CF_ENOMEM, "regions", "Out of memory loading the rates.");
    r->built_at = built_at;
    for (size_t i = 0; i < n; i++) {
        rates_doc_path_index(path, "regions", i);
        r->n_regions = i + 1; /* so that rates_unref() frees what this region allocates */
        e = parse_region(json_array_get(v, i), path, source, &r->regions[i], reterr);
        if (e < 0)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->regions[j].code, r->regions[i].code) == 0) {
                char rpath[PATH_LEN];
                rates_doc_path_key(rpath, path, "region");
                e = cf_error_set(reterr, CF_EINVAL, rpath,
                                 "%s repeats region %s (already at regions[%zu]): each region "
                                 "appears once.",
                                 rpath, r->regions[i].code, j);
                goto out;
            }
        }
    }
    rates_finish(r);
    e = rates_validate(r, reterr);
    if (e < 0)
        goto out;
    *ret = r;
    r = NULL;
    e = 0;
out:
    rates_unref(r);
    return e;
}

/* ------------------------------------------------------------------------------------------ */
/* Serialising                                                                                 */

static json_t *time_or_null(int64_t t)
{
    char buf[ISOTIME_LEN];
    if (t == 0)
        return json_null();
    return isotime_format(t, buf) ? json_string(buf) : NULL;
}

static json_t *lambda_arch_json(const struct lambda_rates *l)
{
    json_t *tiers = json_array();
    if (!tiers)
        return NULL;
    for (size_t t = 0; t < l->n_tiers && t < CF_LAMBDA_TIERS_MAX; t++) {
        const struct rate_tier *tier = &l->gb_s_tiers[t];
        json_t *up =
            isinf(tier->up_to) && tier->up_to > 0 ? json_null() : rates_doc_number(tier->up_to);
        if (json_array_append_new(tiers, json_pack("{s:o, s:o}", "up_to_gb_s", up, "usd",
                                                   rates_doc_number(tier->usd)))) {
            json_decref(tiers);
            return NULL;
        }
    }
    return json_pack("{s:o, s:o, s:o}", "request_usd", rates_doc_number(l->request_usd),
                     "gb_second_tiers", tiers, "ephemeral_gb_second_usd",
                     rates_doc_number(l->ephemeral_gb_s_usd));
}

static json_t *lambda_json(const struct region_rates *rr)
{
    if (!rr->has[CF_OFFER_LAMBDA])
        return json_null();
    return json_pack("{s:o, s:o}", arch_keys[CF_ARCH_X86_64],
                     lambda_arch_json(&rr->lambda[CF_ARCH_X86_64]), arch_keys[CF_ARCH_ARM64],
                     lambda_arch_json(&rr->lambda[CF_ARCH_ARM64]));
}

static json_t *fargate_arch_json(const struct fargate_rates *f)
{
    return json_pack("{s:o, s:o}", "vcpu_hour_usd", rates_doc_number(f->vcpu_hour_usd),
                     "gb_hour_usd", rates_doc_number(f->gb_hour_usd));
}

static json_t *fargate_json(const struct region_rates *rr)
{
    if (!rr->has[CF_OFFER_FARGATE])
        return json_null();
    return json_pack("{s:o, s:o, s:o}", arch_keys[CF_ARCH_X86_64],
                     fargate_arch_json(&rr->fargate[CF_ARCH_X86_64]), arch_keys[CF_ARCH_ARM64],
                     fargate_arch_json(&rr->fargate[CF_ARCH_ARM64]), "ephemeral_gb_hour_usd",
                     rates_doc_number(rr->fargate_ephemeral_gb_hour_usd));
}

static json_t *ec2_json(const struct region_rates *rr)
{
    if (!rr->has[CF_OFFER_EC2])
        return json_null();
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < rr->n_gpus; i++) {
        const struct gpu_instance *g = &rr->gpus[i];
        json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:i, s:s, s:o}", "instance_type", g->type,
                              "usd_per_hour", rates_doc_number(g->usd_per_hour), "vcpu",
                              rates_doc_number(g->vcpu), "memory_gib",
                              rates_doc_number(g->memory_gib), "gpus", g->gpus, "gpu_model",
                              g->gpu_model, "gpu_memory_gib", rates_doc_number(g->gpu_memory_gib));
        if (json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *info_json(const struct region_rates *rr, int o)
{
    if (!rr->has[o])
        return json_null();
    const struct offer_info *info = &rr->info[o];
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "source", cf_source_name(info->source), "version",
                     info->version, "published", info->published, "fetched_at",
                     time_or_null(info->fetched_at), "origin", info->origin);
}

static json_t *fargate_spot_json(const struct region_rates *rr)
{
    json_t *arch[CF_ARCH_COUNT];
    for (int a = 0; a < CF_ARCH_COUNT; a++)
        arch[a] = rr->has_fargate_spot[a] ? fargate_arch_json(&rr->fargate_spot[a]) : json_null();
    return json_pack("{s:o, s:o}", arch_keys[CF_ARCH_X86_64], arch[CF_ARCH_X86_64],
                     arch_keys[CF_ARCH_ARM64], arch[CF_ARCH_ARM64]);
}

static json_t *spot_info_json(const struct offer_info *info)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "source", cf_source_name(info->source), "version",
                     info->version, "published", info->published, "fetched_at",
                     time_or_null(info->fetched_at), "origin", info->origin);
}

json_t *rates_region_to_json(const struct region_rates *rr)
{
    if (!rr)
        return NULL;
    json_t *sources =
        json_pack("{s:o, s:o, s:o}", offer_keys[CF_OFFER_LAMBDA], info_json(rr, CF_OFFER_LAMBDA),
                  offer_keys[CF_OFFER_FARGATE], info_json(rr, CF_OFFER_FARGATE),
                  offer_keys[CF_OFFER_EC2], info_json(rr, CF_OFFER_EC2));
    /* Only a region with Spot rates has the two Spot keys, so that a table without any (the
     * bundled snapshot) serialises exactly as before they existed. */
    bool spot = rates_has_fargate_spot(rr);
    if (spot && sources &&
        json_object_set_new(sources, "fargate_spot", spot_info_json(&rr->fargate_spot_info))) {
        json_decref(sources);
        sources = NULL;
    }
    json_t *j = json_object();
    if (!j || json_object_set_new(j, "region", json_string(rr->code)) ||
        json_object_set_new(j, "lambda", lambda_json(rr)) ||
        json_object_set_new(j, "fargate", fargate_json(rr)) ||
        (spot && json_object_set_new(j, "fargate_spot", fargate_spot_json(rr))) ||
        json_object_set_new(j, "ec2_gpu", ec2_json(rr)) || json_object_set(j, "sources", sources)) {
        json_decref(j);
        j = NULL;
    }
    json_decref(sources);
    return j;
}

json_t *rates_to_json(const struct rates *r)
{
    char built[ISOTIME_LEN];
    if (!r || !isotime_format(r->built_at, built))
        return NULL;
    json_t *regions = json_array();
    if (!regions)
        return NULL;
    for (size_t i = 0; i < r->n_regions; i++) {
        if (json_array_append_new(regions, rates_region_to_json(&r->regions[i]))) {
            json_decref(regions);
            return NULL;
        }
    }
    return json_pack("{s:s, s:s, s:o}", "format", RATES_JSON_FORMAT, "built_at", built, "regions",
                     regions);
}

/* ------------------------------------------------------------------------------------------ */
/* Files                                                                                       */

/* strerror() may share a buffer between threads; the loader runs on the refresher thread. */
#define ERRTEXT(e) strerror_r((e), (char[96]){0}, 96)

int rates_load_file(const char *path, enum cf_rate_source source, struct rates **ret,
                    struct cf_error *reterr)
{
    char *buf = NULL;
    json_t *doc = NULL;
    int e, fd = -1;
    struct stat st;

    if (!path)
        return cf_error_set(reterr, CF_EIO, "", "No rates file was named.");
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        e = cf_error_set(reterr, CF_EIO, "", "Cannot open the rates file %s: %s.", path,
                         ERRTEXT(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        e = cf_error_set(reterr, CF_EIO, "", "The rates file %s is not a readable regular file.",
                         path);
        goto out;
    }
    if (st.st_size > RATES_JSON_MAX_FILE_BYTES) {
        e = cf_error_set(reterr, CF_EIO, "",
                         "The rates file %s is %lld bytes, over the %ld-byte limit.", path,
                         (long long)st.st_size, RATES_JSON_MAX_FILE_BYTES);
        goto out;
    }
    size_t cap = (size_t)st.st_size, len = 0;
    buf = malloc(cap + 1);
    if (!buf) {
        e = cf_error_set(reterr, CF_ENOMEM, "", "Out of memory reading %s.", path);
        goto out;
    }
    while (len < cap) {
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = cf_error_set(reterr, CF_EIO, "", "Cannot read the rates file %s: %s.", path,
                             ERRTEXT(errno));
            goto out;
        }
        if (got == 0)
            break; /* the file shrank under us: parse what is there, which fails if cut */
        len += (size_t)got;
    }
    json_error_t jerr;
    doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        e = cf_error_set(reterr, CF_EJSON, "",
                         "The rates file %s is not valid JSON (line %d, column %d): %s.", path,
                         jerr.line, jerr.column, jerr.text);
        goto out;
    }
    e = rates_from_json(doc, source, ret, reterr);
out:
    json_decref(doc);
    free(buf);
    if (fd >= 0)
        close(fd);
    return e;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync()s the directory holding `path`, so that the rename itself survives a crash. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return -ENOMEM;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -errno;
    int e = 0;
    /* Some file systems cannot sync a directory; the rename is then as durable as they allow. */
    if (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP)
        e = -errno;
    close(fd);
    return e;
}

/* Dumps `doc` with 15 significant digits when that reads back exactly (AWS prices have at most
 * 10 decimals, so it nearly always does: "0.04048" rather than "0.040480000000000002"), else
 * with jansson's lossless 17. Returns a new malloc()ed string, or NULL when out of memory. */
static char *dump_exact(const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
    if (!text)
        return NULL;
    json_t *back = json_loads(text, 0, NULL);
    bool exact = back && json_equal(doc, back);
    json_decref(back);
    if (exact)
        return text;
    free(text);
    return json_dumps(doc, JSON_INDENT(1));
}

int rates_save_file(const struct rates *r, const char *path, struct cf_error *reterr)
{
    json_t *doc = NULL;
    char *text = NULL, *tmp = NULL;
    int e, fd = -1;
    bool created = false;

    e = rates_validate(r, reterr);
    if (e < 0)
        return e;
    if (!path || !*path)
        return cf_error_set(reterr, CF_EIO, "", "No rates file was named.");
    doc = rates_to_json(r);
    if (doc)
        text = dump_exact(doc);
    size_t tmp_len = strlen(path) + 32;
    tmp = malloc(tmp_len);
    if (!text || !tmp) {
        e = cf_error_set(reterr, CF_ENOMEM, "", "Out of memory writing %s.", path);
        goto out;
    }
    snprintf(tmp, tmp_len, "%s.tmp.%ld", path, (long)getpid());

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        e = cf_error_set(reterr, CF_EIO, "", "Cannot create %s: %s.", tmp, ERRTEXT(errno));
        goto out;
    }
    created = true;
    if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0) {
        e = cf_error_set(reterr, CF_EIO, "", "Cannot write %s: %s.", tmp, ERRTEXT(errno));
        goto out;
    }
    /* write(2) has no user-space buffer to flush; fsync() makes the bytes durable. */
    if (fsync(fd) < 0) {
        e = cf_error_set(reterr, CF_EIO, "", "Cannot fsync %s: %s.", tmp, ERRTEXT(errno));
        goto out;
    }
    int c = close(fd);
    fd = -1;
    if (c < 0) {
        e = cf_error_set(reterr, CF_EIO, "", "Cannot close %s: %s.", tmp, ERRTEXT(errno));
        goto out;
    }
    if (rename(tmp, path) < 0) {
        e = cf_error_set(reterr, CF_EIO, "", "Cannot rename %s to %s: %s.", tmp, path,
                         ERRTEXT(errno));
        goto out;
    }
    created = false;
    int d = sync_dir(path);
    if (d < 0) {
        e = cf_error_set(reterr, CF_EIO, "",
                         "%s was replaced but its directory could not be synced: %s.", path,
                         ERRTEXT(-d));
        goto out;
    }
    e = 0;
out:
    if (fd >= 0)
        close(fd);
    if (created)
        unlink(tmp);
    free(tmp);
    free(text);
    json_decref(doc);
    return e;
}
