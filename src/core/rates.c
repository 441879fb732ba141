/*
 * rates.c - life cycle and look-ups of the immutable rates table.
 *
 * The reference count is the only mutable part of a table: it is atomic so that HTTP workers
 * and the refresher can take and drop references without a lock (see pricing/cache.c).
 */
#include "computefit/rates.h"

#include <stdlib.h>
#include <string.h>

struct rates *rates_new(size_t n_regions)
{
    struct rates *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    if (n_regions) {
        r->regions = calloc(n_regions, sizeof(*r->regions));
        if (!r->regions) {
            free(r);
            return NULL;
        }
    }
    atomic_init(&r->refcount, 1);
    return r;
}

struct rates *rates_ref(struct rates *r)
{
    if (r)
        atomic_fetch_add_explicit(&r->refcount, 1, memory_order_relaxed);
    return r;
}

void rates_unref(struct rates *r)
{
    if (!r)
        return;
    /* acq_rel: the last owner must see every write made before the other owners let go. */
    if (atomic_fetch_sub_explicit(&r->refcount, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < r->n_regions; i++)
        rates_region_clear(&r->regions[i]);
    free(r->regions);
    free(r);
}

void rates_region_clear(struct region_rates *rr)
{
    if (!rr)
        return;
    free(rr->instances);
    rr->instances = NULL;
    rr->n_instances = 0;
    free(rr->sp_ec2);
    rr->sp_ec2 = NULL;
    rr->n_sp_ec2 = 0;
    free(rr->ec2_spot);
    rr->ec2_spot = NULL;
    rr->n_ec2_spot = 0;
}

/* Copies `n` elements of `size` bytes into a new array at *ret (NULL for none); false when out
 * of memory. */
static bool copy_array(const void *from, size_t n, size_t size, void **ret)
{
    *ret = NULL;
    if (!n)
        return true;
    *ret = malloc(n * size);
    if (!*ret)
        return false;
    memcpy(*ret, from, n * size);
    return true;
}

struct rates *rates_clone(const struct rates *src, size_t extra_regions)
{
    struct rates *r = rates_new(src->n_regions + extra_regions);
    if (!r)
        return NULL;
    r->built_at = src->built_at;
    for (size_t i = 0; i < src->n_regions; i++) {
        const struct region_rates *from = &src->regions[i];
        struct region_rates *to = &r->regions[i];
        *to = *from;
        r->n_regions = i + 1; /* so that rates_unref() frees what was copied so far */
        void *instances = NULL, *sp_ec2 = NULL, *spot = NULL;
        bool ok =
            copy_array(from->instances, from->n_instances, sizeof(*from->instances), &instances) &&
            copy_array(from->sp_ec2, from->n_sp_ec2, sizeof(*from->sp_ec2), &sp_ec2) &&
            copy_array(from->ec2_spot, from->n_ec2_spot, sizeof(*from->ec2_spot), &spot);
        to->instances = instances;
        to->n_instances = instances ? from->n_instances : 0;
        to->sp_ec2 = sp_ec2;
        to->n_sp_ec2 = sp_ec2 ? from->n_sp_ec2 : 0;
        to->ec2_spot = spot;
        to->n_ec2_spot = spot ? from->n_ec2_spot : 0;
        if (!ok) {
            rates_unref(r);
            return NULL;
        }
    }
    return r;
}

static int region_cmp(const void *a, const void *b)
{
    return strcmp(((const struct region_rates *)a)->code, ((const struct region_rates *)b)->code);
}

static int gpu_cmp(const void *a, const void *b)
{
    const struct ec2_instance *x = a, *y = b;
    if (x->usd_per_hour != y->usd_per_hour)
        return x->usd_per_hour < y->usd_per_hour ? -1 : 1;
    return strcmp(x->type, y->type);
}

static int sp_ec2_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sp_ec2_rate *)a)->type, ((const struct sp_ec2_rate *)b)->type);
}

void rates_sort_instances(struct ec2_instance *v, size_t n)
{
    if (n) /* qsort's pointer must be valid even for no elements */
        qsort(v, n, sizeof(*v), gpu_cmp);
}

static int spot_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ec2_spot_advice *)a)->type,
                  ((const struct ec2_spot_advice *)b)->type);
}

void rates_finish(struct rates *r)
{
    if (!r)
        return;
    if (r->n_regions) /* qsort's pointer must be valid even for no elements */
        qsort(r->regions, r->n_regions, sizeof(*r->regions), region_cmp);
    for (size_t i = 0; i < r->n_regions; i++) {
        struct region_rates *rr = &r->regions[i];
        rates_sort_instances(rr->instances, rr->n_instances);
        if (rr->n_sp_ec2)
            qsort(rr->sp_ec2, rr->n_sp_ec2, sizeof(*rr->sp_ec2), sp_ec2_cmp);
        if (rr->n_ec2_spot)
            qsort(rr->ec2_spot, rr->n_ec2_spot, sizeof(*rr->ec2_spot), spot_cmp);
    }
}

int cf_sp_term_index(int term_years)
{
    return term_years == 1 ? 0 : term_years == 3 ? 1 : -1;
}

const struct sp_rates *rates_savings(const struct region_rates *rr, enum cf_sp_plan plan,
                                     int term_years, enum cf_sp_payment payment)
{
    int t = cf_sp_term_index(term_years);
    if (!rr || !rr->has[CF_OFFER_SAVINGS_PLANS] || t < 0 || (unsigned)plan >= CF_SP_PLAN_COUNT ||
        (unsigned)payment >= CF_SP_PAYMENT_COUNT)
        return NULL;
    const struct sp_rates *sp = &rr->savings[plan][t][payment];
    return sp->has ? sp : NULL;
}

bool rates_savings_ec2(const struct region_rates *rr, const char *type, enum cf_sp_plan plan,
                       int term_years, enum cf_sp_payment payment, double *ret_usd_per_hour)
{
    int t = cf_sp_term_index(term_years);
    if (!rr || !type || !rr->has[CF_OFFER_SAVINGS_PLANS] || !rr->n_sp_ec2 || t < 0 ||
        (unsigned)plan >= CF_SP_PLAN_COUNT || (unsigned)payment >= CF_SP_PAYMENT_COUNT)
        return false;
    struct sp_ec2_rate key;
    if (strlen(type) >= sizeof(key.type))
        return false;
    strcpy(key.type, type);
    const struct sp_ec2_rate *e =
        bsearch(&key, rr->sp_ec2, rr->n_sp_ec2, sizeof(*rr->sp_ec2), sp_ec2_cmp);
    if (!e || !(e->usd_per_hour[plan][t][payment] > 0))
        return false;
    *ret_usd_per_hour = e->usd_per_hour[plan][t][payment];
    return true;
}

const struct region_rates *rates_region(const struct rates *r, const char *code)
{
    if (!r || !code)
        return NULL;
    struct region_rates key;
    if (strlen(code) >= sizeof(key.code))
        return NULL;
    strcpy(key.code, code);
    if (!r->n_regions)
        return NULL;
    return bsearch(&key, r->regions, r->n_regions, sizeof(*r->regions), region_cmp);
}

/* Reads at most `max` digits (at least one) at *p into *ret and advances *p. */
static bool digits(const char **p, int max, int *ret)
{
    int v = 0, n = 0;
    while (n < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *ret = v;
    return n > 0;
}

/* Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): timegm() without its time-zone machinery, called for every answer. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t rates_offer_time(const struct offer_info *info)
{
    if (info->fetched_at > 0)
        return info->fetched_at;
    /* "YYYY-MM-DD", or with "THH:MM:SS" after it (what follows is not read). */
    const char *p = info->published;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return 0;
    if (*p == 'T') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
            !digits(&p, 2, &sec))
            return 0;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return 0;
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

bool rates_age(int64_t since, int64_t now, int64_t *ret_age_s)
{
    if (since <= 0)
        return false;
    *ret_age_s = now - since;
    return true;
}

bool rates_stale(int64_t since, int64_t now, int64_t stale_after_s)
{
    int64_t age;
    return !rates_age(since, now, &age) || age > stale_after_s;
}

int64_t rates_region_time(const struct region_rates *rr)
{
    int64_t oldest = 0;
    for (int o = 0; o < CF_OFFER_COUNT; o++) {
        if (!rr->has[o] || !cf_offer_required((enum cf_offer)o))
            continue;
        int64_t t = rates_offer_time(&rr->info[o]);
        if (t <= 0)
            return 0;
        if (oldest == 0 || t < oldest)
            oldest = t;
    }
    return oldest;
}

bool rates_has_fargate_spot(const struct region_rates *rr)
{
    for (int a = 0; a < CF_ARCH_COUNT; a++)
        if (rr->has_fargate_spot[a])
            return true;
    return false;
}

bool rates_has_ec2_spot(const struct region_rates *rr)
{
    return rr->n_ec2_spot > 0;
}

const struct ec2_spot_advice *rates_ec2_spot(const struct region_rates *rr, const char *type)
{
    struct ec2_spot_advice key;
    if (!rr || !type || !rr->n_ec2_spot || strlen(type) >= sizeof(key.type))
        return NULL;
    strcpy(key.type, type);
    return bsearch(&key, rr->ec2_spot, rr->n_ec2_spot, sizeof(*rr->ec2_spot), spot_cmp);
}

const struct ec2_spot_range *rates_ec2_spot_range(const struct region_rates *rr, int range)
{
    if (!rr || range < 0 || (size_t)range >= rr->n_ec2_spot_ranges ||
        (size_t)range >= CF_EC2_SPOT_RANGES)
        return NULL;
    return &rr->ec2_spot_ranges[range];
}

const char *cf_arch_name(enum cf_arch a)
{
    return a == CF_ARCH_ARM64 ? "arm64" : "x86_64";
}

const char *cf_offer_name(enum cf_offer o)
{
#define CF_OFFER_KEY(id, key, required) key,
    static const char *const keys[CF_OFFER_COUNT] = {CF_OFFERS(CF_OFFER_KEY)};
#undef CF_OFFER_KEY
    return (unsigned)o < CF_OFFER_COUNT ? keys[o] : "unknown";
}

bool cf_offer_required(enum cf_offer o)
{
#define CF_OFFER_REQUIRED(id, key, required) required,
    static const bool required[CF_OFFER_COUNT] = {CF_OFFERS(CF_OFFER_REQUIRED)};
#undef CF_OFFER_REQUIRED
    return (unsigned)o < CF_OFFER_COUNT && required[o];
}

const char *cf_sp_plan_name(enum cf_sp_plan p)
{
    return p == CF_SP_EC2_INSTANCE ? "ec2_instance" : "compute";
}

const char *cf_sp_payment_name(enum cf_sp_payment p)
{
    switch (p) {
    case CF_SP_PARTIAL_UPFRONT:
        return "partial_upfront";
    case CF_SP_ALL_UPFRONT:
        return "all_upfront";
    default:
        return "no_upfront";
    }
}

const char *cf_source_name(enum cf_rate_source s)
{
    switch (s) {
    case CF_SOURCE_SNAPSHOT:
        return "snapshot";
    case CF_SOURCE_STATE:
        return "state";
    case CF_SOURCE_LIVE:
        return "live";
    case CF_SOURCE_URL:
        return "rates_url";
    default:
        return "none";
    }
}
