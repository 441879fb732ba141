/*
 * rates_json.c - the one serialisation of a rates table: snapshot, state file, /pricing/{region}.
 *
 * Loading is two passes over each region: the parser checks the document's shape (keys, types,
 * lengths) while it fills the struct, then the value checks of validate.c that a table built by
 * the live refresher passes too run on the region, with JSON paths that point into the
 * document. There is one set of rules for what a servable table is, whoever built it.
 *
 * Saving is atomic (temporary file, fsync, rename, fsync of the directory): the state file is
 * what the service starts from after a crash, so it must never be half written.
 */
#include "computefit/rates_json.h"

#include "computefit/isotime.h"
#include "computefit/offer_kind.h"
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

/* ------------------------------------------------------------------------------------------ */
/* Loading                                                                                     */

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
    /* "rates_url" is written by a replica that took its rates from a rates_url (a follower's
     * state file, or its GET /pricing/export); documents written before it existed never have
     * it and read as before. */
    if (r == 0 && strcmp(stored, "snapshot") && strcmp(stored, "state") && strcmp(stored, "live") &&
        strcmp(stored, "rates_url")) {
        char spath[PATH_LEN];
        rates_doc_path_key(spath, path, "source");
        return cf_error_set(reterr, CF_EINVAL, spath,
                            "%s must be \"snapshot\", \"state\", \"live\" or \"rates_url\", got "
                            "\"%s\".",
                            spath, stored);
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

/* Reads one offer's (or feed's) section of region `v` at path `prefix`: the offer's key must
 * be present, a feed's may be absent; null means no rates. */
static int parse_section(const json_t *v, const char *key, bool required, const char *prefix,
                         int (*from_json)(const json_t *, const char *, struct region_rates *,
                                          struct cf_error *),
                         struct region_rates *rr, bool *ret_has, struct cf_error *reterr)
{
    char path[PATH_LEN];
    const json_t *section = json_object_get(v, key);
    if (required) {
        int r = rates_doc_get_present(v, key, prefix, &section, reterr);
        if (r < 0)
            return r;
    }
    if (!section || json_is_null(section))
        return 0;
    rates_doc_path_key(path, prefix, key);
    int r = from_json(section, path, rr, reterr);
    if (r == 0)
        *ret_has = true;
    return r;
}

static int parse_region(const json_t *v, const char *prefix, enum cf_rate_source source,
                        struct region_rates *rr, struct cf_error *reterr)
{
    /* "region", each offer's key, its feed's and its part's, "sources" */
    const char *keys[2 + 3 * CF_OFFER_COUNT + 1];
    /* each offer's name, then each feed's key, then each part's */
    const char *source_keys[3 * CF_OFFER_COUNT + 1];
    size_t nk = 0, ns = 0;
    keys[nk++] = "region";
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        keys[nk++] = offer_kinds[o]->doc_key;
        if (offer_kinds[o]->feed)
            keys[nk++] = offer_kinds[o]->feed->doc_key;
        source_keys[ns++] = cf_offer_name((enum cf_offer)o);
    }
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        if (offer_kinds[o]->feed)
            source_keys[ns++] = offer_kinds[o]->feed->doc_key;
    for (int o = 0; o < CF_OFFER_COUNT; o++)
        if (offer_kinds[o]->part)
            source_keys[ns++] = keys[nk++] = offer_kinds[o]->part->doc_key;
    keys[nk++] = "sources";
    keys[nk] = NULL;
    source_keys[ns] = NULL;

    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, prefix, "%s must be an object, got %s.", prefix,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, prefix, reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "region", prefix, rr->code, sizeof(rr->code), reterr);
    for (int o = 0; r == 0 && o < CF_OFFER_COUNT; o++) {
        const struct offer_kind *kind = offer_kinds[o];
        r = parse_section(v, kind->doc_key, cf_offer_required((enum cf_offer)o), prefix,
                          kind->from_json, rr, &rr->has[o], reterr);
        bool ignored = false;
        if (r == 0 && kind->feed)
            r = parse_section(v, kind->feed->doc_key, false, prefix, kind->feed->from_json, rr,
                              &ignored, reterr);
        if (r == 0 && kind->part)
            r = parse_section(v, kind->part->doc_key, false, prefix, kind->part->from_json, rr,
                              &ignored, reterr);
    }
    const json_t *sources = NULL;
    char spath[PATH_LEN];
    rates_doc_path_key(spath, prefix, "sources");
    if (r == 0)
        r = rates_doc_get_object(v, "sources", prefix, false, &sources, reterr);
    if (r == 0)
        r = rates_doc_check_keys(sources, source_keys, spath, reterr);
    for (int o = 0; r == 0 && o < CF_OFFER_COUNT; o++) {
        const char *name = cf_offer_name((enum cf_offer)o);
        const json_t *entry = NULL;
        if (cf_offer_required((enum cf_offer)o))
            r = rates_doc_get_present(sources, name, spath, &entry, reterr);
        else
            entry = json_object_get(sources, name); /* absent: none (see offer_kind.h) */
        if (r == 0)
            r = parse_info_entry(entry, name, spath, rr->has[o], source, &rr->info[o], reterr);
    }
    for (int o = 0; r == 0 && o < CF_OFFER_COUNT; o++) {
        const struct offer_feed *feed = offer_kinds[o]->feed;
        if (feed)
            r = parse_info_entry(json_object_get(sources, feed->doc_key), feed->doc_key, spath,
                                 feed->has(rr), source, offer_feed_info_mut(feed, rr), reterr);
    }
    for (int o = 0; r == 0 && o < CF_OFFER_COUNT; o++) {
        const struct offer_part *part = offer_kinds[o]->part;
        if (part)
            r = parse_info_entry(json_object_get(sources, part->doc_key), part->doc_key, spath,
                                 part->has(rr), source, offer_part_info_mut(part, rr), reterr);
    }
    if (r == 0)
        r = rates_validate_region(rr, prefix, reterr);
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

    if (source != CF_SOURCE_SNAPSHOT && source != CF_SOURCE_STATE && source != CF_SOURCE_LIVE &&
        source != CF_SOURCE_URL)
        return cf_error_set(reterr, CF_EINVAL, "",
                            "The caller must say where the rates come from (snapshot, state, live "
                            "or rates_url).");
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

static json_t *info_json(const struct offer_info *info)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "source", cf_source_name(info->source), "version",
                     info->version, "published", info->published, "fetched_at",
                     time_or_null(info->fetched_at), "origin", info->origin);
}

/* Sets obj[key] to `v` (stolen); returns false when either is NULL (out of memory, or a rate
 * that is not finite). */
static bool put(json_t *obj, const char *key, json_t *v)
{
    return json_object_set_new(obj, key, v) == 0; /* jansson drops `v` when it fails */
}

json_t *rates_region_to_json(const struct region_rates *rr)
{
    if (!rr)
        return NULL;
    json_t *j = json_object(), *sources = json_object();
    bool ok = put(j, "region", json_string(rr->code));
    for (int o = 0; ok && o < CF_OFFER_COUNT; o++) {
        const struct offer_kind *kind = offer_kinds[o];
        if (!rr->has[o] && !cf_offer_required((enum cf_offer)o))
            continue; /* an optional offer's keys only where it has rates (offer_kind.h) */
        ok = put(j, kind->doc_key, rr->has[o] ? kind->to_json(rr) : json_null()) &&
             put(sources, cf_offer_name((enum cf_offer)o),
                 rr->has[o] ? info_json(&rr->info[o]) : json_null());
        /* A feed's keys appear only in a region with rates from it, so that a table without
         * any (the bundled snapshot) serialises exactly as before the feed existed. */
        if (ok && kind->feed && kind->feed->has(rr))
            ok = put(j, kind->feed->doc_key, kind->feed->to_json(rr));
    }
    for (int o = 0; ok && o < CF_OFFER_COUNT; o++) {
        const struct offer_feed *feed = offer_kinds[o]->feed;
        if (feed && feed->has(rr))
            ok = put(sources, feed->doc_key, info_json(offer_feed_info(feed, rr)));
    }
    /* A part's keys likewise, only in a region with its rates. */
    for (int o = 0; ok && o < CF_OFFER_COUNT; o++) {
        const struct offer_part *part = offer_kinds[o]->part;
        if (part && part->has(rr))
            ok = put(j, part->doc_key, part->to_json(rr)) &&
                 put(sources, part->doc_key, info_json(offer_part_info(part, rr)));
    }
    if (ok)
        ok = put(j, "sources", sources);
    else
        json_decref(sources);
    if (!ok) {
        json_decref(j);
        return NULL;
    }
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

char *rates_to_text(const struct rates *r, size_t *ret_len)
{
    json_t *doc = rates_to_json(r);
    char *text = doc ? dump_exact(doc) : NULL;
    json_decref(doc);
    if (!text)
        return NULL;
    size_t len = strlen(text);
    char *grown = realloc(text, len + 2);
    if (!grown) {
        free(text);
        return NULL;
    }
    grown[len] = '\n';
    grown[len + 1] = '\0';
    *ret_len = len + 1;
    return grown;
}

int rates_save_file(const struct rates *r, const char *path, struct cf_error *reterr)
{
    char *text = NULL, *tmp = NULL;
    size_t text_len = 0;
    int e, fd = -1;
    bool created = false;

    e = rates_validate(r, reterr);
    if (e < 0)
        return e;
    if (!path || !*path)
        return cf_error_set(reterr, CF_EIO, "", "No rates file was named.");
    text = rates_to_text(r, &text_len);
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
    if (write_all(fd, text, text_len) < 0) {
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
    return e;
}
