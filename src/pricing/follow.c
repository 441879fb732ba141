/*
 * follow.c - a replica's refresh from the rates document at rates_url (see follow.h).
 */
#include "computefit/follow.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "computefit/offer_kind.h"
#include "computefit/rates_json.h"
#include "computefit/validate.h"

/* Compares the document's region `d` (mutable: a feed's check re-applies its rates to it, which
 * keeps only what its offer has) with the region in use `c`: refuses it when it lost a required
 * offer's rates, else adds the rates that moved past `factor` to the report. */
static int check_region(const struct region_rates *c, struct region_rates *d, double factor,
                        struct follow_report *rep, struct cf_error *reterr)
{
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (cf_offer_required((enum cf_offer)o) && c->has[o] && !d->has[o])
            return cf_error_set(reterr, CF_EUPSTREAM, d->code,
                                "the rates document has no %s rates for %s, which the rates in "
                                "use have: refused as a partial document; the rates in use stay",
                                cf_offer_name((enum cf_offer)o), d->code);
    }
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        const struct offer_kind *kind = offer_kinds[o];
        unsigned n = 0;
        if (c->has[o] && d->has[o])
            n += kind->count_moves(c, d, factor);
        /* A feed's apply() is its price-move check too; given the region itself, it applies
         * the region's own feed rates again (offer_kind.h). */
        if (kind->feed && d->has[o] && kind->feed->has(d))
            n += kind->feed->apply(d, c, d, factor);
        rep->moves[o] += n;
        rep->moves_total += n;
    }
    return 0;
}

static struct region_rates *region_in(struct rates *t, const char *code)
{
    for (size_t i = 0; i < t->n_regions; i++)
        if (strcmp(t->regions[i].code, code) == 0)
            return &t->regions[i];
    return NULL;
}

/* Builds the next table: the rates in use (a deep copy), each of the document's regions in
 * place of the one with its code, or added. Takes the document's regions' owned parts. */
static struct rates *merge(const struct rates *cur, struct rates *doc, struct follow_report *rep)
{
    struct rates *next = cur ? rates_clone(cur, doc->n_regions) : rates_new(doc->n_regions);
    if (!next)
        return NULL;
    rep->kept = next->n_regions;
    for (size_t i = 0; i < doc->n_regions; i++) {
        struct region_rates *d = &doc->regions[i];
        struct region_rates *to = region_in(next, d->code);
        if (to) {
            rates_region_clear(to);
            rep->kept--;
        } else {
            to = &next->regions[next->n_regions++];
        }
        *to = *d;
        memset(d, 0, sizeof(*d)); /* its owned parts are the next table's now */
    }
    rates_finish(next);
    next->built_at = doc->built_at;
    return next;
}

int follow_document(const struct rates *cur, const char *body, size_t len,
                    const struct cf_config *cfg, struct rates **ret,
                    struct follow_report *ret_report, struct cf_error *reterr)
{
    struct follow_report rep;
    memset(&rep, 0, sizeof(rep));
    struct rates *doc = NULL, *next = NULL;
    struct cf_error e = {0};
    json_error_t jerr;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    int r = 0;
    if (!j) {
        r = cf_error_set(&e, CF_EJSON, NULL,
                         "the rates document is not JSON or is cut short (line %d, column %d): %s",
                         jerr.line, jerr.column, jerr.text);
        goto out;
    }
    r = rates_from_json(j, CF_SOURCE_URL, &doc, &e);
    json_decref(j);
    if (r != 0) {
        rep.rejected = r != CF_ENOMEM;
        char msg[sizeof(e.message)];
        snprintf(msg, sizeof(msg), "the rates document is refused: %s", e.message);
        memcpy(e.message, msg, sizeof(msg));
        goto out;
    }
    rep.built_at = doc->built_at;
    rep.regions = doc->n_regions;
    for (size_t i = 0; i < doc->n_regions && r == 0; i++) {
        const struct region_rates *c = cur ? rates_region(cur, doc->regions[i].code) : NULL;
        if (!c)
            rep.added++;
        else
            r = check_region(c, &doc->regions[i], cfg->max_price_change_factor, &rep, &e);
    }
    if (r == 0 && rep.moves_total && cfg->strict_validation)
        r = cf_error_set(&e, CF_EUPSTREAM, NULL,
                         "%u rates of the rates document moved by more than %gx; refused "
                         "(strict_validation)",
                         rep.moves_total, cfg->max_price_change_factor);
    if (r != 0) {
        rep.rejected = true;
        goto out;
    }
    next = merge(cur, doc, &rep);
    if (!next) {
        r = cf_error_set(&e, CF_ENOMEM, NULL, "out of memory building the rates");
        goto out;
    }
    /* Every region was valid on its own; the merged table is checked as a whole again (the
     * count of regions, their order), as every table is before it is served. */
    r = rates_validate(next, &e);
    if (r != 0) {
        rep.rejected = true;
        goto out;
    }
    *ret = next;
    next = NULL;
out:
    rates_unref(next);
    rates_unref(doc);
    if (ret_report)
        *ret_report = rep;
    if (r != 0 && reterr)
        *reterr = e;
    return r;
}
