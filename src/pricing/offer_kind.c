/*
 * offer_kind.c - the table of offers, and what their descriptors share: the Price List's region
 * index layout and the price-move check (see offer_kind.h).
 */
#include "computefit/offer_kind.h"

#include <string.h>

#include "computefit/log.h"

/* One line per offer (clang-format would pack five or more into columns). */
/* clang-format off */
const struct offer_kind *const offer_kinds[CF_OFFER_COUNT] = {
    [CF_OFFER_LAMBDA] = &offer_kind_lambda,
    [CF_OFFER_FARGATE] = &offer_kind_fargate,
    [CF_OFFER_EC2] = &offer_kind_ec2,
    [CF_OFFER_SAVINGS_PLANS] = &offer_kind_savings,
    [CF_OFFER_ELB] = &offer_kind_elb,
    [CF_OFFER_API_GATEWAY] = &offer_kind_api_gateway,
    [CF_OFFER_CLOUDWATCH] = &offer_kind_cloudwatch,
    [CF_OFFER_VPC] = &offer_kind_vpc,
};
/* clang-format on */

static const char *index_v1_check(const json_t *index)
{
    return json_is_object(json_object_get(index, "regions")) ? NULL : "no \"regions\" object";
}

static int index_v1_region_path(const json_t *index, const char *region, const char **ret_path,
                                struct cf_error *reterr)
{
    const json_t *entry = json_object_get(json_object_get(index, "regions"), region);
    const char *path = json_string_value(json_object_get(entry, "currentVersionUrl"));
    if (!path)
        return cf_error_set(reterr, CF_EUPSTREAM, region,
                            "the region index has no currentVersionUrl for %s", region);
    *ret_path = path;
    return 0;
}

const struct offer_index_layout offer_index_v1 = {
    .check = index_v1_check,
    .region_path = index_v1_region_path,
};

/* An optional offer's index: a region it does not list has no file (no rates there); a listed
 * region without a URL is still an error. */
static int index_v1_optional_region_path(const json_t *index, const char *region,
                                         const char **ret_path, struct cf_error *reterr)
{
    if (!json_object_get(json_object_get(index, "regions"), region)) {
        *ret_path = NULL;
        return 0;
    }
    return index_v1_region_path(index, region, ret_path, reterr);
}

const struct offer_index_layout offer_index_v1_optional = {
    .check = index_v1_check,
    .region_path = index_v1_optional_region_path,
};

long offer_kind_refresh_interval(const struct cf_config *cfg)
{
    return cfg->refresh_interval_s;
}

const struct offer_info *offer_feed_info(const struct offer_feed *feed,
                                         const struct region_rates *rr)
{
    return (const struct offer_info *)(const void *)((const char *)rr + feed->info_offset);
}

struct offer_info *offer_feed_info_mut(const struct offer_feed *feed, struct region_rates *rr)
{
    return (struct offer_info *)(void *)((char *)rr + feed->info_offset);
}

const struct offer_info *offer_part_info(const struct offer_part *part,
                                         const struct region_rates *rr)
{
    return (const struct offer_info *)(const void *)((const char *)rr + part->info_offset);
}

struct offer_info *offer_part_info_mut(const struct offer_part *part, struct region_rates *rr)
{
    return (struct offer_info *)(void *)((char *)rr + part->info_offset);
}

json_t *offer_kind_arch_list(const bool has[CF_ARCH_COUNT])
{
    json_t *archs = json_array();
    for (int a = 0; archs && a < CF_ARCH_COUNT; a++) {
        if (has[a] &&
            json_array_append_new(archs, json_string(cf_arch_name((enum cf_arch)a))) != 0) {
            json_decref(archs);
            return NULL;
        }
    }
    return archs;
}

void offer_kind_compare_rate(double before, double after, double factor, const char *region,
                             const char *what, unsigned *moves)
{
    if (!(before > 0) || !(after > 0))
        return;
    double ratio = after / before;
    if (ratio <= factor && ratio >= 1.0 / factor)
        return;
    (*moves)++;
    LOG_FIELDS(CF_LOG_WARN, "rate_moved", LOGF_S("region", region), LOGF_S("rate", what),
               LOGF_N("before", before), LOGF_N("after", after), LOGF_N("factor", ratio));
}
