/*
 * render.c - what every renderer of an answer shares: the provenance of the rates it used.
 */
#include <string.h>

#include "computefit/platform.h"
#include "computefit/render.h"

void render_pricing_of(const struct region_rates *rr, const struct render_opts *opts,
                       struct render_pricing *ret)
{
    const struct offer_info *oldest = NULL;
    const char *source = NULL;
    bool mixed = false;
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!rr->has[o] || !cf_offer_required((enum cf_offer)o))
            continue; /* an answer is priced from the required offers only (rates.h) */
        const struct offer_info *info = &rr->info[o];
        if (!oldest || (info->published[0] &&
                        (!oldest->published[0] || strcmp(info->published, oldest->published) < 0)))
            oldest = info;
        if (source && strcmp(source, cf_source_name(info->source)))
            mixed = true;
        source = cf_source_name(info->source);
    }
    ret->source = mixed ? "mixed" : source ? source : "none";
    ret->version = oldest && oldest->version[0] ? oldest->version : NULL;
    ret->as_of = oldest && oldest->published[0] ? oldest->published : NULL;
    int64_t since = rates_region_time(rr);
    ret->known_age = rates_age(since, opts->now, &ret->age_s);
    ret->stale = rates_stale(since, opts->now, opts->stale_after_s);
}

void render_plan_summary(const struct plan *p, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    msg_append(&(struct message){.code = S_PLAN_RUN}, out, cap, &len);
    for (int q = 0; q < MODEL_PLATFORM_COUNT; q++) {
        if (!p->platforms[q].used)
            continue;
        char names[1024];
        size_t nl = 0, count = 0, k = 0;
        names[0] = '\0';
        for (size_t i = 0; i < p->n_tasks; i++)
            count += p->tasks[i].advice->winner == q;
        for (size_t i = 0; i < p->n_tasks; i++) {
            if (p->tasks[i].advice->winner != q)
                continue;
            if (k++)
                msg_append(&(struct message){.code = k == count ? S_LIST_AND : S_LIST_COMMA}, names,
                           sizeof(names), &nl);
            struct message name = msg_make(D_TITLE, "s", p->tasks[i].name);
            msg_append(&name, names, sizeof(names), &nl);
        }
        struct message group = msg_make(S_PLAN_GROUP, "ss", names, platforms[q].title);
        msg_append(&group, out, cap, &len);
    }
    struct message total = msg_make(S_PLAN_TOTAL, "n", p->monthly_usd);
    msg_append(&total, out, cap, &len);
}
