/*
 * offer_ec2.c - the EC2 offer (AmazonEC2): its offer-file parser, streamed (Linux on-demand rows
 * of a region, GPU and c/m/r CPU families), and its descriptor with the EC2 section of the rates
 * document ("ec2_instances": the instance types, sorted by price).
 *
 * DESIGN
 *
 * The us-east-1 EC2 offer file is ~480 MB of JSON (2026) and grows; jansson would need several
 * GB to hold it, and it may not be written to disk either. It is parsed as it downloads: the
 * refresher's libcurl write callback hands each chunk (any size, down to 1 byte) to
 * offer_ec2_stream_feed().
 *
 * Approach: a hand-written validating scanner (jsonscan.c) walks the outer structure, and
 * jansson decodes one entry at a time. The scanner checks the full JSON grammar on every byte
 * (strings, escapes, UTF-8, numbers, nesting), builds nothing, and for the few places this
 * parser cares about - each products.<SKU>, each terms.OnDemand.<SKU>, and the version strings -
 * it collects that one value's bytes (at most max_entry_bytes) for json_loadb(). Everything
 * else (the disclaimer, terms.Reserved, attributesList, unknown keys) is validated and dropped.
 *
 * Why not a streaming parser from Debian (libyajl-dev 2.1.0)?
 *  - Memory: yajl's lexer buffers a token that spans chunks with no limit of its own, so one
 *    huge string in a hostile or broken file grows without bound (CVE-2022-24795 was a
 *    heap overflow in that growing buffer, yajl_buf); here every buffer has a named limit (struct
 *    offer_ec2_limits): one entry, the kept rows, the pending prices, the nesting depth.
 *  - Code: a SAX parser delivers tens of millions of tokens per file to callbacks; picking rows
 *    would still need a hand-written state machine over products/attributes/terms/dimensions.
 *    With one jansson object per product, the row filter reads like the Lambda and ECS parsers
 *    (json_object_get on a small object), and the hand-written part is only the JSON grammar,
 *    which is small, allocation-free per byte, and fuzzable through feed().
 *  - Dependency: yajl would be a new build and runtime dependency for every machine and CI; its
 *    last upstream release is 2.1.0 (2014), with memory-safety fixes on large or crafted input
 *    carried as distribution patches.
 * Cost: jansson decodes the products that mention both "Linux" and "Shared" (may_be_row(): a
 * tenth of them in scripts/bench's generated file; ~2 KB each) and the on-demand terms of the
 * kept SKUs; every other product is only scanned. Decoding every product took half of the
 * refresh's CPU (perf, scripts/bench --ingest: ~100 MB/s); BENCHMARKS.md has the figures.
 * Peak memory of the stream itself was 15 KB on the ~20 MB test file; the process's resident
 * size grew by 0.3 MB.
 *
 * A GPU row of a family missing from the spec table (e.g. dl1, whose "gpu" attribute is 8) is
 * counted in offer_ec2_stats.unknown_gpu_types and left out: without the table it has no GPU
 * model or memory to advise with. Add the family to config/gpu-specs.json to price it.
 *
 * Both orders of the file's sections are handled with bounded memory:
 *  - products before terms (what AWS publishes): candidate rows are kept (at most max_rows, a
 *    few dozen in practice) and, once `products` has closed, only the terms.OnDemand entries of
 *    those SKUs are decoded; the others are skipped by the scanner without jansson.
 *  - terms before products: every on-demand SKU with a positive hourly JRTCKXETXF price is held
 *    as {SKU, price} (32 bytes; at most max_pending_prices) and matched to the rows at the end.
 *
 * Selection, by attributes only (never by SKU): productFamily "Compute Instance" or "Compute
 * Instance (bare metal)", servicecode AmazonEC2, regionCode == region (or, without regionCode,
 * the region's location name), locationType "AWS Region" when present, an instanceType whose
 * family is in the GPU spec table or is a kept CPU family (offer_ec2_cpu_type_kept: c, m, r of
 * the 6th generation and newer, Intel, AMD and Graviton), operatingSystem Linux, tenancy Shared,
 * preInstalledSw NA, licenseModel "No License required", capacitystatus Used and marketoption
 * OnDemand (the last two absent from old layouts), operation RunInstances (Capacity Blocks are
 * RunInstances:CB at $0 with the same usagetype) and usagetype "<prefix->BoxUsage:<type>"; priced
 * by the single "Hrs" dimension of term JRTCKXETXF, which must be positive. vCPU, memory and GPU
 * count come from the row's attributes (for a GPU row the spec table fills in what a row lacks; a
 * CPU row must carry them); GPU model and memory from the spec table, since the offer's gpuMemory
 * is unreliable ("NA"). The architecture follows the family's name (offer_ec2_type_arch).
 *
 * Duplicate keys are refused, as jansson's JSON_REJECT_DUPLICATES refuses them in every other
 * file the refresher reads (Lambda and ECS offers, region indexes, the Spot feed) and in each
 * entry decoded here: the document's last-wins or first-wins reading is a guess about which
 * price AWS meant. The stream cannot remember every key of a 480 MB file in bounded memory, so
 * it checks the keys that decide a price: the top-level members it reads (products, terms,
 * version, publicationDate, offerCode), terms.OnDemand, a kept row's SKU met again in products
 * (a 4096-bit filter of the kept SKUs keeps that check off the per-product path) and a kept
 * row's terms.OnDemand entry met twice. A duplicate among the products it drops, or a dropped
 * product that comes before a kept row with the same SKU, is not detected.
 * A kept row whose on-demand term does not parse (a price of "-1", "NaN", "1e400", "0x10",
 * "1,5", " 0.1", "") fails the file: dropping the row would drop the type's last good rate.
 *
 * NAT gateways: the stream also keeps the region's two NAT gateway rates, from the products of
 * productFamily "NAT Gateway", servicecode AmazonEC2, the region, group "NGW:NatGateway",
 * operation "NatGateway" (when present) and usagetype "<prefix>NatGateway-Hours" (priced by the
 * single unbounded "Hrs" dimension) or "<prefix>NatGateway-Bytes" (the single unbounded "GB"
 * one): the hourly charge per NAT gateway and the charge per GB it processes. Traps, left out by
 * their usage type: Regional NAT gateways ("<prefix>RegionalNatGateway-Hours/-Bytes", operation
 * RegionalNatGateway) and NAT gateways with provisioned bandwidth ("<prefix>NatGateway-Prvd-Gbps"
 * per Gbps-hour, "...-Prvd-Bytes" at $0). may_be_row() lets a product through when its text holds
 * the JSON string "NAT Gateway" too (a handful of products per file), so no other product is
 * decoded for them. Two products for one of the two rates fail the file, as in the other
 * parsers; a file with only one of them, or without a price above 0 for one, has no NAT rates
 * (the ones in use stay). Their SKUs join the kept rows' duplicate checks; with terms before
 * products, single unbounded "GB" prices are held in a second pending list (the same
 * max_pending_prices limit covers both), since the hourly list keeps only "Hrs" prices.
 *
 * Threads: a stream is used by one thread at a time (the refresher's); it owns no lock.
 */
#include "computefit/offer.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "computefit/jsonscan.h"
#include "computefit/offer_kind.h"
#include "computefit/rates_doc.h"
#include "computefit/rates_json.h"

#define SKU_LEN      32 /* real SKUs have 16 characters; longer keys cannot match a product */
#define MAX_ROW_DIMS 16 /* price dimensions read from one on-demand term */

struct ec2_row {
    char sku[SKU_LEN];
    bool priced;
    bool terms_seen; /* its terms.OnDemand entry was read (a second one is a duplicate key) */
    struct ec2_instance gi;
};

/* The price of a SKU whose on-demand term does not parse (a malformed price string). */
#define PRICE_MALFORMED (-1.0)
/* Bits of the filter that tells, cheaply, whether a product key may be a kept row's SKU. */
#define SKU_FILTER_BITS 4096

struct sku_price {
    char sku[SKU_LEN];
    double usd;
};

/* Prices seen before their products, in one unit. */
struct pending_list {
    struct sku_price *v;
    size_t n, cap;
};

/* The two NAT gateway rates the stream keeps (see DESIGN). */
enum nat_part { NAT_HOURS = 0, NAT_BYTES = 1, NAT_PARTS };
static const char *const nat_usage[NAT_PARTS] = {"NatGateway-Hours", "NatGateway-Bytes"};
static const char *const nat_unit[NAT_PARTS] = {"Hrs", "GB"};

struct nat_row {
    char sku[SKU_LEN];
    bool found;      /* a product of the region has this rate's usage type */
    bool priced;     /* its on-demand term gave a single unbounded price above 0 */
    bool terms_seen; /* its terms.OnDemand entry was read (a second one is a duplicate key) */
    double usd;
};

/* The top-level member being scanned. */
enum ec2_section {
    SEC_NONE,
    SEC_PRODUCTS,
    SEC_TERMS,
    SEC_VERSION,
    SEC_PUBLISHED,
    SEC_OFFERCODE,
    SEC_OTHER,
};

struct offer_ec2_stream {
    char region[CF_REGION_LEN];
    const struct gpu_specs *specs; /* borrowed */
    struct offer_ec2_limits lim;
    struct jsonscan *scan;

    enum ec2_section section;
    bool in_ondemand;        /* terms.OnDemand is open */
    char entry_sku[SKU_LEN]; /* key of the entry being captured */
    bool entry_sku_ok;       /* ... when it fits and holds no NUL */

    bool products_seen, products_done, ondemand_seen, offer_code_seen;
    bool terms_seen, version_seen, published_seen; /* top-level members met (duplicates) */
    uint64_t sku_filter[SKU_FILTER_BITS / 64];     /* hashes of the kept rows' SKUs */

    struct ec2_row *rows; /* candidates */
    size_t n_rows, cap_rows;
    bool rows_sorted; /* by sku */

    struct pending_list pending;    /* "Hrs" prices seen before their products */
    struct pending_list pending_gb; /* "GB" prices seen before their products (NAT bytes) */
    struct nat_row nat[NAT_PARTS];

    struct offer_info info;
    struct offer_ec2_stats stats;
    bool finished;
    int err;
    struct cf_error errd;
};

void offer_ec2_limits_default(struct offer_ec2_limits *lim)
{
    lim->max_entry_bytes = 1024 * 1024;
    lim->max_rows = 4096;
    lim->max_pending_prices = 1000000;
    lim->max_depth = 64;
    lim->max_products = 20000000;
}

static void note_memory(struct offer_ec2_stream *s)
{
    size_t now = sizeof(*s) + s->cap_rows * sizeof(struct ec2_row) +
                 (s->pending.cap + s->pending_gb.cap) * sizeof(struct sku_price) +
                 jsonscan_memory(s->scan);
    if (now > s->stats.peak_bytes)
        s->stats.peak_bytes = now;
}

static int sku_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static struct ec2_row *find_row(struct offer_ec2_stream *s, const char *sku)
{
    if (!s->n_rows)
        return NULL; /* qsort/bsearch need a valid pointer even for no elements */
    if (!s->rows_sorted) {
        qsort(s->rows, s->n_rows, sizeof(*s->rows), sku_cmp);
        s->rows_sorted = true;
    }
    return bsearch(sku, s->rows, s->n_rows, sizeof(*s->rows), sku_cmp);
}

/* ---- reading one product ---- */

static const char *attr(const json_t *attrs, const char *name)
{
    return json_string_value(json_object_get(attrs, name));
}

static bool attr_is(const json_t *attrs, const char *name, const char *want)
{
    const char *v = attr(attrs, name);
    return v && strcmp(v, want) == 0;
}

/* An attribute that old layouts lack: absent, or equal to `want`. */
static bool attr_absent_or(const json_t *attrs, const char *name, const char *want)
{
    return !json_object_get(attrs, name) || attr_is(attrs, name, want);
}

/* Reads "96", "1152 GiB" or "3,904 GiB" (when unit is "GiB") as a positive finite number. AWS
 * writes some large memory sizes with a thousands separator. */
static bool parse_quantity(const char *text, const char *unit, double *ret)
{
    char digits[32];
    size_t n = 0;
    if (!text || !((*text >= '0' && *text <= '9') || *text == '.'))
        return false;
    for (; *text && *text != ' '; text++) {
        bool sep = *text == ',' && n > 0 && digits[n - 1] >= '0' && digits[n - 1] <= '9' &&
                   text[1] >= '0' && text[1] <= '9';
        if (sep)
            continue;
        if (n + 1 == sizeof(digits))
            return false;
        digits[n++] = *text;
    }
    digits[n] = '\0';
    char *end;
    double v = strtod(digits, &end);
    if (end == digits || *end != '\0' || !isfinite(v) || v <= 0)
        return false;
    while (*text == ' ')
        text++;
    if (strcmp(text, unit ? unit : "") != 0)
        return false;
    *ret = v;
    return true;
}

static int parse_count(const char *text)
{
    double v;
    if (!parse_quantity(text, NULL, &v) || v != floor(v) || v > 1024)
        return 0;
    return (int)v;
}

bool offer_ec2_cpu_type_kept(const char *type)
{
    if (!type || (*type != 'c' && *type != 'm' && *type != 'r'))
        return false;
    const char *p = type + 1;
    int gen = 0;
    for (; *p >= '0' && *p <= '9' && gen < 1000; p++)
        gen = gen * 10 + (*p - '0');
    if (gen < 6 || (*p != 'i' && *p != 'a' && *p != 'g') || p[1] != '.')
        return false;
    p += 2; /* the size */
    return *p && strncmp(p, "metal", 5) != 0 && strlen(type) < CF_INSTANCE_TYPE_LEN;
}

enum cf_arch offer_ec2_type_arch(const char *type)
{
    const char *p = type;
    while (*p >= 'a' && *p <= 'z')
        p++; /* the series: "m", "g", "inf" */
    while (*p >= '0' && *p <= '9')
        p++; /* the generation */
    for (; *p && *p != '.' && *p != '-'; p++)
        if (*p == 'g')
            return CF_ARCH_ARM64;
    return CF_ARCH_X86_64;
}

/* Decides whether product `p` is a Linux on-demand row of a kept family in the stream's region.
 * Returns 1 and fills *row when it is, 0 when it is not, or a negative CF_E* code. */
static int product_row(struct offer_ec2_stream *s, const json_t *p, struct ec2_row *row)
{
    const char *family = json_string_value(json_object_get(p, "productFamily"));
    const json_t *attrs = json_object_get(p, "attributes");
    if (!family || !json_is_object(attrs) ||
        (strcmp(family, "Compute Instance") != 0 &&
         strcmp(family, "Compute Instance (bare metal)") != 0))
        return 0;
    if (!attr_is(attrs, "servicecode", "AmazonEC2") || !offer_attrs_in_region(attrs, s->region) ||
        !attr_absent_or(attrs, "locationType", "AWS Region"))
        return 0;
    const char *type = attr(attrs, "instanceType");
    if (!type || strlen(type) >= CF_INSTANCE_TYPE_LEN || !strchr(type, '.'))
        return 0;
    const struct gpu_family_spec *fam = gpu_specs_family(s->specs, type);
    int gpus = parse_count(attr(attrs, "gpu"));
    bool cpu = !fam && gpus <= 0 && offer_ec2_cpu_type_kept(type);
    if (!fam && gpus <= 0 && !cpu)
        return 0; /* neither a GPU instance nor a kept CPU family */
    if (!attr_is(attrs, "operatingSystem", "Linux") || !attr_is(attrs, "tenancy", "Shared") ||
        !attr_absent_or(attrs, "preInstalledSw", "NA") ||
        !attr_absent_or(attrs, "licenseModel", "No License required") ||
        !attr_absent_or(attrs, "capacitystatus", "Used") ||
        !attr_absent_or(attrs, "marketoption", "OnDemand") ||
        !attr_absent_or(attrs, "operation", "RunInstances"))
        return 0;
    char box[CF_INSTANCE_TYPE_LEN + 16];
    snprintf(box, sizeof(box), "BoxUsage:%s", type);
    if (!offer_usagetype_is(attr(attrs, "usagetype"), box))
        return 0;
    if (!fam && !cpu) {
        s->stats.unknown_gpu_types++; /* a GPU we cannot name or size: left out */
        return 0;
    }

    const struct gpu_type_spec *spec = cpu ? NULL : gpu_specs_type(s->specs, type);
    struct ec2_row r = {.priced = false};
    snprintf(r.gi.type, sizeof(r.gi.type), "%s", type);
    r.gi.arch = offer_ec2_type_arch(type);
    r.gi.usd_per_hour = (double)NAN;
    if (!parse_quantity(attr(attrs, "vcpu"), NULL, &r.gi.vcpu)) {
        if (!spec)
            return cf_error_set(&s->errd, CF_EUPSTREAM, s->entry_sku,
                                "%s (product %s) has no vcpu count that is a number", type,
                                s->entry_sku);
        r.gi.vcpu = spec->vcpu;
    }
    if (!parse_quantity(attr(attrs, "memory"), "GiB", &r.gi.memory_gib)) {
        if (!spec)
            return cf_error_set(&s->errd, CF_EUPSTREAM, s->entry_sku,
                                "%s (product %s) has no memory in GiB", type, s->entry_sku);
        r.gi.memory_gib = spec->memory_gib;
    }
    if (cpu) {
        *row = r; /* no GPU: gpus 0, no model, no GPU memory */
        return 1;
    }
    if (gpus <= 0) {
        if (!spec || spec->gpus <= 0)
            return cf_error_set(&s->errd, CF_EUPSTREAM, s->entry_sku,
                                "%s (product %s) has no GPU count", type, s->entry_sku);
        gpus = spec->gpus;
    }
    r.gi.gpus = gpus;
    snprintf(r.gi.gpu_model, sizeof(r.gi.gpu_model), "%s", fam->gpu_model);
    r.gi.gpu_memory_gib = fam->gpu_memory_gib * gpus;
    *row = r;
    return 1;
}

static unsigned sku_bit(const char *sku)
{
    uint32_t h = 2166136261u;
    for (const char *p = sku; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % SKU_FILTER_BITS;
}

/* Returns whether `sku` is a kept row's: the filter answers most products at once, a scan
 * of the (few) rows the rest. */
static bool is_kept_sku(const struct offer_ec2_stream *s, const char *sku)
{
    unsigned b = sku_bit(sku);
    if (!(s->sku_filter[b / 64] & (UINT64_C(1) << (b % 64))))
        return false;
    for (size_t i = 0; i < s->n_rows; i++)
        if (strcmp(s->rows[i].sku, sku) == 0)
            return true;
    for (int k = 0; k < NAT_PARTS; k++)
        if (s->nat[k].found && strcmp(s->nat[k].sku, sku) == 0)
            return true;
    return false;
}

static void mark_kept_sku(struct offer_ec2_stream *s, const char *sku)
{
    unsigned b = sku_bit(sku);
    s->sku_filter[b / 64] |= UINT64_C(1) << (b % 64);
}

/* The NAT rate whose row has SKU `sku`, or NULL. */
static struct nat_row *find_nat(struct offer_ec2_stream *s, const char *sku)
{
    for (int k = 0; k < NAT_PARTS; k++)
        if (s->nat[k].found && strcmp(s->nat[k].sku, sku) == 0)
            return &s->nat[k];
    return NULL;
}

/* Keeps product `p` when it is one of the region's two NAT gateway rows (see DESIGN). Returns 0,
 * or CF_EUPSTREAM when a second product claims a rate. */
static int nat_product(struct offer_ec2_stream *s, const json_t *attrs)
{
    if (!attr_is(attrs, "servicecode", "AmazonEC2") || !offer_attrs_in_region(attrs, s->region) ||
        !attr_absent_or(attrs, "locationType", "AWS Region") ||
        !attr_is(attrs, "group", "NGW:NatGateway") ||
        !attr_absent_or(attrs, "operation", "NatGateway"))
        return 0;
    const char *usagetype = attr(attrs, "usagetype");
    for (int k = 0; usagetype && k < NAT_PARTS; k++) {
        if (!offer_usagetype_is(usagetype, nat_usage[k]))
            continue;
        struct nat_row *n = &s->nat[k];
        if (n->found)
            return cf_error_set(&s->errd, CF_EUPSTREAM, nat_usage[k],
                                "products %s and %s both price %s in %s; cannot tell which "
                                "applies",
                                n->sku, s->entry_sku, nat_usage[k], s->region);
        *n = (struct nat_row){.found = true};
        snprintf(n->sku, SKU_LEN, "%s", s->entry_sku);
        mark_kept_sku(s, s->entry_sku);
        s->stats.nat_rows++;
    }
    return 0;
}

static int add_row(struct offer_ec2_stream *s, const struct ec2_row *row)
{
    if (s->n_rows == s->lim.max_rows)
        return cf_error_set(&s->errd, CF_EUPSTREAM, "products",
                            "more than %zu Linux on-demand instance rows; raise the row limit",
                            s->lim.max_rows);
    if (s->n_rows == s->cap_rows) {
        size_t n = s->cap_rows ? s->cap_rows * 2 : 64;
        if (n > s->lim.max_rows)
            n = s->lim.max_rows;
        struct ec2_row *p = realloc(s->rows, n * sizeof(*p));
        if (!p)
            return cf_error_set(&s->errd, CF_ENOMEM, NULL, "out of memory keeping GPU rows");
        s->rows = p;
        s->cap_rows = n;
        note_memory(s);
    }
    s->rows[s->n_rows] = *row;
    snprintf(s->rows[s->n_rows].sku, SKU_LEN, "%s", s->entry_sku);
    mark_kept_sku(s, s->entry_sku);
    s->n_rows++;
    s->rows_sorted = false;
    s->stats.candidates++;
    return 0;
}

/* Whether a product's text can hold a row at all: product_row() wants operatingSystem "Linux"
 * and tenancy "Shared", so the JSON strings "Linux" and "Shared" must both be in the text.
 * Without a backslash a JSON string has only one spelling, so a product lacking either is no
 * row and need not be decoded. A product is still decoded as before when it holds a backslash
 * or any number or literal (genuine products are strings only; jansson refuses some numbers,
 * e.g. 1e999, and that refusal must stay an error). Most products (other systems, Dedicated
 * and Host tenancy) are thus dropped after a few byte searches instead of a jansson decode
 * (see "Cost" in the DESIGN block). The scanner has already checked the grammar. */
static bool may_be_row(const char *text, size_t len)
{
    if (memchr(text, '\\', len))
        return true; /* escapes: a string may have another spelling */
    const char *p = text, *end = text + len;
    if (p == end || *p != '{')
        return true; /* not an object: the decode refuses it */
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        for (const char *c = p; c < (q ? q : end); c++)
            if (*c != ' ' && *c != '\n' && *c != '\t' && *c != '\r' && *c != '{' && *c != '}' &&
                *c != '[' && *c != ']' && *c != ',' && *c != ':')
                return true; /* a number or a literal outside the strings */
        if (!q)
            break;
        const char *close = memchr(q + 1, '"', (size_t)(end - q - 1));
        if (!close)
            return true;
        p = close + 1;
    }
    return (memmem(text, len, "\"Linux\"", 7) && memmem(text, len, "\"Shared\"", 8)) ||
           memmem(text, len, "\"NAT Gateway\"", 13);
}

static int on_product(struct offer_ec2_stream *s, const char *text, size_t len)
{
    /* Before the shortcut below: a kept row's SKU met again is a duplicate however it reads. */
    if (s->entry_sku_ok && is_kept_sku(s, s->entry_sku))
        return cf_error_set(&s->errd, CF_EUPSTREAM, s->entry_sku, "SKU %s is in products twice",
                            s->entry_sku);
    if (!may_be_row(text, len))
        return 0;
    json_error_t je;
    json_t *p = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int r = 0;
    if (!p)
        return cf_error_set(&s->errd, CF_EUPSTREAM, s->entry_sku,
                            "product %.40s is not valid JSON: %s", s->entry_sku, je.text);
    if (!json_is_object(p)) {
        r = cf_error_set(&s->errd, CF_EUPSTREAM, s->entry_sku, "product %.40s is not an object",
                         s->entry_sku);
        goto out;
    }
    if (!s->entry_sku_ok)
        goto out; /* a key that cannot be a SKU */
    const char *family = json_string_value(json_object_get(p, "productFamily"));
    const json_t *attrs = json_object_get(p, "attributes");
    if (family && strcmp(family, "NAT Gateway") == 0 && json_is_object(attrs)) {
        r = nat_product(s, attrs);
        goto out;
    }
    struct ec2_row row;
    r = product_row(s, p, &row);
    if (r == 1)
        r = add_row(s, &row);
out:
    json_decref(p);
    return r;
}

/* ---- reading one SKU's on-demand terms ---- */

/* The positive price in `unit` ("Hrs", "GB") of a SKU's JRTCKXETXF term, NAN when it has none,
 * or PRICE_MALFORMED when the term does not parse (a price that is not a decimal number: "-1",
 * "NaN", "1e400", "0x10"...), with the reason in *why. */
static double unit_price(const json_t *sku_terms, const char *unit, struct cf_error *why)
{
    struct offer_dim dims[MAX_ROW_DIMS];
    size_t n = 0, hrs = 0, at = 0;
    if (offer_ondemand_dims(sku_terms, dims, MAX_ROW_DIMS, &n, why))
        return PRICE_MALFORMED;
    for (size_t i = 0; i < n; i++)
        if (strcmp(dims[i].unit, unit) == 0) {
            hrs++;
            at = i;
        }
    if (hrs != 1 || dims[at].begin != 0 || !isinf(dims[at].end) || !(dims[at].usd > 0))
        return (double)NAN;
    return dims[at].usd;
}

/* Holds the price of the entry being read in `l`; both lists share max_pending_prices. */
static int add_pending(struct offer_ec2_stream *s, struct pending_list *l, double usd)
{
    if (s->pending.n + s->pending_gb.n >= s->lim.max_pending_prices)
        return cf_error_set(&s->errd, CF_EUPSTREAM, "terms.OnDemand",
                            "more than %zu on-demand prices come before the products; raise the "
                            "pending-price limit",
                            s->lim.max_pending_prices);
    if (l->n == l->cap) {
        size_t n = l->cap ? l->cap + l->cap / 2 : 1024;
        if (n > s->lim.max_pending_prices)
            n = s->lim.max_pending_prices;
        struct sku_price *p = realloc(l->v, n * sizeof(*p));
        if (!p)
            return cf_error_set(&s->errd, CF_ENOMEM, NULL, "out of memory keeping prices");
        l->v = p;
        l->cap = n;
        note_memory(s);
    }
    struct sku_price *sp = &l->v[l->n++];
    snprintf(sp->sku, SKU_LEN, "%s", s->entry_sku);
    sp->usd = usd;
    s->stats.pending_prices = s->pending.n + s->pending_gb.n;
    return 0;
}

/* Prices a kept row from its terms.OnDemand entry: `usd` as unit_price() returned it for "Hrs" (for
 * a price that arrived before the products, `why` is NULL). A second entry for the same SKU is a
 * duplicate key, refused like jansson's JSON_REJECT_DUPLICATES refuses one in the other offer
 * files; so is a malformed price, which must not silently drop the instance type. */
static int set_price(struct offer_ec2_stream *s, struct ec2_row *row, double usd,
                     const struct cf_error *why)
{
    if (row->terms_seen)
        return cf_error_set(&s->errd, CF_EUPSTREAM, row->sku, "SKU %s is in terms.OnDemand twice",
                            row->sku);
    row->terms_seen = true;
    if (usd == PRICE_MALFORMED)
        return cf_error_set(&s->errd, CF_EUPSTREAM, row->sku,
                            "the on-demand term of %s (SKU %s) does not parse: %s", row->gi.type,
                            row->sku, why ? why->message : "the price dimension does not parse");
    if (isnan(usd))
        return 0; /* no usable hourly price: the row stays unpriced and is left out */
    row->priced = true;
    row->gi.usd_per_hour = usd;
    return 0;
}

/* Prices a NAT rate from its terms.OnDemand entry, as set_price() prices a kept row. */
static int set_nat_price(struct offer_ec2_stream *s, struct nat_row *n, double usd,
                         const struct cf_error *why)
{
    if (n->terms_seen)
        return cf_error_set(&s->errd, CF_EUPSTREAM, n->sku, "SKU %s is in terms.OnDemand twice",
                            n->sku);
    n->terms_seen = true;
    if (usd == PRICE_MALFORMED)
        return cf_error_set(&s->errd, CF_EUPSTREAM, n->sku,
                            "the on-demand term of NAT gateway SKU %s does not parse: %s", n->sku,
                            why ? why->message : "the price dimension does not parse");
    if (isnan(usd))
        return 0; /* no usable price: the region gets no NAT rates from this file */
    n->priced = true;
    n->usd = usd;
    return 0;
}

static int on_terms(struct offer_ec2_stream *s, const char *text, size_t len)
{
    json_error_t je;
    json_t *t = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    int r = 0;
    if (!t)
        return cf_error_set(&s->errd, CF_EUPSTREAM, s->entry_sku,
                            "the on-demand terms of %.40s are not valid JSON: %s", s->entry_sku,
                            je.text);
    s->stats.terms_parsed++;
    struct cf_error why = {0};
    struct nat_row *nat = s->products_done ? find_nat(s, s->entry_sku) : NULL;
    if (nat) {
        double usd = unit_price(t, nat_unit[nat - s->nat], &why);
        json_decref(t);
        return set_nat_price(s, nat, usd, &why);
    }
    double usd = unit_price(t, "Hrs", &why);
    double gb = !s->products_done && isnan(usd) ? unit_price(t, "GB", &why) : (double)NAN;
    json_decref(t);
    struct ec2_row *row = s->products_done ? find_row(s, s->entry_sku) : NULL;
    if (row)
        r = set_price(s, row, usd, &why);
    else if (!s->products_done && !isnan(usd))
        r = add_pending(s, &s->pending, usd); /* a malformed price fails only if claimed */
    else if (!s->products_done && !isnan(gb) && gb != PRICE_MALFORMED)
        r = add_pending(s, &s->pending_gb, gb);
    return r;
}

/* ---- the scanner's handler ---- */

static bool key_is(const struct jsonscan_event *ev, const char *name)
{
    return ev->key && !ev->key_truncated && ev->key_len == strlen(name) &&
           memcmp(ev->key, name, ev->key_len) == 0;
}

static void take_sku(struct offer_ec2_stream *s, const struct jsonscan_event *ev)
{
    s->entry_sku_ok = ev->key && !ev->key_truncated && ev->key_len < SKU_LEN &&
                      !memchr(ev->key, '\0', ev->key_len);
    snprintf(s->entry_sku, SKU_LEN, "%s", s->entry_sku_ok ? ev->key : "?");
}

static int want_object(const struct jsonscan_event *ev, const char *what, struct cf_error *reterr)
{
    if (ev->type == JSONSCAN_OBJECT)
        return JSONSCAN_CONTINUE;
    return cf_error_set(reterr, CF_EUPSTREAM, what, "%s in the EC2 offer file is not an object",
                        what);
}

/* Marks a member the parser reads as met; a second one is a duplicate key, refused like
 * jansson's JSON_REJECT_DUPLICATES refuses one in the other offer files. Returns true (with
 * the error in reterr) for a duplicate. */
static bool once(bool *seen, const char *what, struct cf_error *reterr)
{
    if (*seen) {
        cf_error_set(reterr, CF_EUPSTREAM, what, "the EC2 offer file has \"%s\" twice", what);
        return true;
    }
    *seen = true;
    return false;
}

static int begin_value(struct offer_ec2_stream *s, const struct jsonscan_event *ev)
{
    struct cf_error *reterr = &s->errd;
    switch (ev->depth) {
    case 0:
        return want_object(ev, "the document", reterr);
    case 1:
        s->section = SEC_OTHER;
        if (key_is(ev, "products")) {
            if (once(&s->products_seen, "products", reterr))
                return CF_EUPSTREAM;
            s->section = SEC_PRODUCTS;
            s->products_done = false;
            return want_object(ev, "products", reterr);
        }
        if (key_is(ev, "terms")) {
            if (once(&s->terms_seen, "terms", reterr))
                return CF_EUPSTREAM;
            s->section = SEC_TERMS;
            return want_object(ev, "terms", reterr);
        }
        if (ev->type == JSONSCAN_STRING) {
            bool dup = false;
            if (key_is(ev, "version")) {
                s->section = SEC_VERSION;
                dup = once(&s->version_seen, "version", reterr);
            } else if (key_is(ev, "publicationDate")) {
                s->section = SEC_PUBLISHED;
                dup = once(&s->published_seen, "publicationDate", reterr);
            } else if (key_is(ev, "offerCode")) {
                s->section = SEC_OFFERCODE;
                dup = once(&s->offer_code_seen, "offerCode", reterr);
            }
            if (dup)
                return CF_EUPSTREAM;
            if (s->section != SEC_OTHER)
                return JSONSCAN_CAPTURE;
        }
        return JSONSCAN_SKIP;
    case 2:
        if (s->section == SEC_PRODUCTS) {
            if (++s->stats.products > s->lim.max_products)
                return cf_error_set(reterr, CF_EUPSTREAM, "products",
                                    "more than %llu products; raise the product limit",
                                    (unsigned long long)s->lim.max_products);
            take_sku(s, ev);
            if (ev->type != JSONSCAN_OBJECT)
                return cf_error_set(reterr, CF_EUPSTREAM, s->entry_sku,
                                    "product %s is not an object", s->entry_sku);
            return JSONSCAN_CAPTURE;
        }
        if (s->section == SEC_TERMS && key_is(ev, "OnDemand")) {
            if (once(&s->ondemand_seen, "terms.OnDemand", reterr))
                return CF_EUPSTREAM;
            s->in_ondemand = true;
            return want_object(ev, "terms.OnDemand", reterr);
        }
        return JSONSCAN_SKIP;
    case 3:
        if (!s->in_ondemand)
            return JSONSCAN_SKIP;
        s->stats.ondemand_skus++;
        take_sku(s, ev);
        if (!s->entry_sku_ok)
            return JSONSCAN_SKIP;
        if (s->products_done && !find_row(s, s->entry_sku) && !find_nat(s, s->entry_sku))
            return JSONSCAN_SKIP; /* not a kept row: no need to decode it */
        return JSONSCAN_CAPTURE;
    default:
        return JSONSCAN_SKIP;
    }
}

/* Decodes a captured top-level string into dst. */
static int top_string(struct offer_ec2_stream *s, const struct jsonscan_event *ev, char *dst,
                      size_t size)
{
    json_error_t je;
    json_t *v = json_loadb(ev->text, ev->text_len, JSON_DECODE_ANY, &je);
    if (!json_is_string(v)) {
        json_decref(v);
        return cf_error_set(&s->errd, CF_EUPSTREAM, NULL,
                            "a top-level string of the EC2 offer file does not decode: %s",
                            je.text);
    }
    snprintf(dst, size, "%s", json_string_value(v));
    json_decref(v);
    return 0;
}

static int end_value(struct offer_ec2_stream *s, const struct jsonscan_event *ev)
{
    char code[32];
    int r = 0;
    switch (ev->depth) {
    case 1:
        if (s->section == SEC_PRODUCTS)
            s->products_done = true;
        else if (s->section == SEC_VERSION && ev->text)
            r = top_string(s, ev, s->info.version, sizeof(s->info.version));
        else if (s->section == SEC_PUBLISHED && ev->text)
            r = top_string(s, ev, s->info.published, sizeof(s->info.published));
        else if (s->section == SEC_OFFERCODE && ev->text) {
            r = top_string(s, ev, code, sizeof(code));
            if (!r && strcmp(code, "AmazonEC2") != 0)
                r = cf_error_set(&s->errd, CF_EUPSTREAM, "offerCode",
                                 "the file is the offer \"%s\", expected \"AmazonEC2\"", code);
        }
        s->section = SEC_NONE;
        return r;
    case 2:
        if (s->section == SEC_PRODUCTS && ev->text)
            return on_product(s, ev->text, ev->text_len);
        if (s->section == SEC_TERMS)
            s->in_ondemand = false;
        return 0;
    case 3:
        if (s->in_ondemand && ev->text)
            return on_terms(s, ev->text, ev->text_len);
        return 0;
    default:
        return 0;
    }
}

/* The handler's errors are written to s->errd, then handed to the scanner's record. */
static int scan_begin(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    struct offer_ec2_stream *s = ud;
    int r = begin_value(s, ev);
    if (r < 0)
        *reterr = s->errd;
    return r;
}

static int scan_end(void *ud, const struct jsonscan_event *ev, struct cf_error *reterr)
{
    struct offer_ec2_stream *s = ud;
    int r = end_value(s, ev);
    if (r < 0)
        *reterr = s->errd;
    return r;
}

static const struct jsonscan_handler scan_handler = {.begin = scan_begin, .end = scan_end};

/* ---- the stream ---- */

struct offer_ec2_stream *offer_ec2_stream_new(const char *region, const struct gpu_specs *specs,
                                              const struct offer_ec2_limits *lim)
{
    if (!region || !specs || strlen(region) >= CF_REGION_LEN ||
        (lim && (!lim->max_entry_bytes || !lim->max_rows || !lim->max_pending_prices ||
                 !lim->max_depth || !lim->max_products)))
        return NULL;
    struct offer_ec2_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    snprintf(s->region, sizeof(s->region), "%s", region);
    s->specs = specs;
    if (lim)
        s->lim = *lim;
    else
        offer_ec2_limits_default(&s->lim);
    struct jsonscan_limits sl = {
        .max_depth = s->lim.max_depth,
        .max_key_bytes = 256,
        .max_capture_bytes = s->lim.max_entry_bytes,
    };
    s->scan = jsonscan_new(&sl, &scan_handler, s);
    if (!s->scan) {
        free(s);
        return NULL;
    }
    note_memory(s);
    return s;
}

void offer_ec2_stream_free(struct offer_ec2_stream *s)
{
    if (!s)
        return;
    jsonscan_free(s->scan);
    free(s->rows);
    free(s->pending.v);
    free(s->pending_gb.v);
    free(s);
}

void offer_ec2_stream_stats(const struct offer_ec2_stream *s, struct offer_ec2_stats *ret_stats)
{
    *ret_stats = s->stats;
}

/* Records a scanner error as this stream's: syntax and size errors are the upstream's. */
static int stream_failed(struct offer_ec2_stream *s, int r, const struct cf_error *e)
{
    s->err = offer_stream_error(r, e, "EC2 offer file", &s->errd);
    return s->err;
}

int offer_ec2_stream_feed(struct offer_ec2_stream *s, const char *buf, size_t len)
{
    struct cf_error e = {0};
    if (s->err)
        return s->err;
    if (s->finished) {
        cf_error_set(&e, CF_EINTERNAL, NULL, "the EC2 offer stream was fed after it finished");
        return stream_failed(s, CF_EINTERNAL, &e);
    }
    s->stats.bytes += len;
    int r = jsonscan_feed(s->scan, buf, len, &e);
    note_memory(s);
    if (r)
        return stream_failed(s, r, &e);
    return 0;
}

static int type_cmp(const void *a, const void *b)
{
    const struct ec2_row *x = a, *y = b;
    int c = strcmp(x->gi.type, y->gi.type);
    if (c)
        return c;
    return strcmp(x->sku, y->sku);
}

static int price_cmp(const void *a, const void *b)
{
    const struct ec2_instance *x = a, *y = b;
    if (x->usd_per_hour != y->usd_per_hour)
        return x->usd_per_hour < y->usd_per_hour ? -1 : 1;
    return strcmp(x->type, y->type);
}

/* The run of entries of sorted list `l` whose SKU is `sku`: sets *ret_end and returns the
 * first, or NULL when there is none. */
static const struct sku_price *pending_run(const struct pending_list *l, const char *sku,
                                           const struct sku_price **ret_end)
{
    if (!l->n)
        return NULL;
    const struct sku_price *sp = bsearch(sku, l->v, l->n, sizeof(*l->v), sku_cmp);
    if (!sp)
        return NULL;
    /* bsearch finds any of equal keys: walk back to the first, and on past the last. */
    while (sp > l->v && strcmp(sp[-1].sku, sku) == 0)
        sp--;
    const struct sku_price *end = sp;
    while (end < l->v + l->n && strcmp(end->sku, sku) == 0)
        end++;
    *ret_end = end;
    return sp;
}

/* Gives every row still unpriced, and the NAT rates, the price that arrived before it, if any. */
static int merge_pending(struct offer_ec2_stream *s)
{
    const struct sku_price *sp, *end = NULL;
    int r;
    if (s->pending.n)
        qsort(s->pending.v, s->pending.n, sizeof(*s->pending.v), sku_cmp);
    if (s->pending_gb.n)
        qsort(s->pending_gb.v, s->pending_gb.n, sizeof(*s->pending_gb.v), sku_cmp);
    for (size_t i = 0; i < s->n_rows; i++) {
        struct ec2_row *row = &s->rows[i];
        for (sp = pending_run(&s->pending, row->sku, &end); sp && sp < end; sp++)
            if ((r = set_price(s, row, sp->usd, NULL)))
                return r;
    }
    for (int k = 0; k < NAT_PARTS; k++) {
        struct nat_row *n = &s->nat[k];
        if (!n->found)
            continue;
        /* The hourly list holds the NAT hour's price, and any malformed term. */
        for (sp = pending_run(&s->pending, n->sku, &end); sp && sp < end; sp++)
            if (k == NAT_HOURS || sp->usd == PRICE_MALFORMED)
                if ((r = set_nat_price(s, n, sp->usd, NULL)))
                    return r;
        for (sp = pending_run(&s->pending_gb, n->sku, &end); k == NAT_BYTES && sp && sp < end; sp++)
            if ((r = set_nat_price(s, n, sp->usd, NULL)))
                return r;
    }
    return 0;
}

bool offer_ec2_stream_nat(const struct offer_ec2_stream *s, double *ret_hour_usd,
                          double *ret_gb_usd)
{
    if (!s->finished || s->err || !s->nat[NAT_HOURS].priced || !s->nat[NAT_BYTES].priced)
        return false;
    *ret_hour_usd = s->nat[NAT_HOURS].usd;
    *ret_gb_usd = s->nat[NAT_BYTES].usd;
    return true;
}

int offer_ec2_stream_finish(struct offer_ec2_stream *s, struct ec2_instance **ret_gpus,
                            size_t *ret_n, struct offer_info *ret_info, struct cf_error *reterr)
{
    struct ec2_instance *out = NULL;
    size_t n = 0;
    int r;
    struct cf_error e = {0};

    if (s->finished && !s->err) {
        cf_error_set(&e, CF_EINTERNAL, NULL, "the EC2 offer stream was already finished");
        stream_failed(s, CF_EINTERNAL, &e);
    }
    s->finished = true;
    if (s->err)
        goto fail;
    if ((r = jsonscan_finish(s->scan, &e))) {
        stream_failed(s, r, &e);
        goto fail;
    }
    if (!s->products_seen || s->stats.products == 0) {
        cf_error_set(&s->errd, CF_EUPSTREAM, "products", "the EC2 offer file has no products");
        s->err = CF_EUPSTREAM;
        goto fail;
    }
    if (!s->ondemand_seen) {
        cf_error_set(&s->errd, CF_EUPSTREAM, "terms.OnDemand",
                     "the EC2 offer file has no terms.OnDemand object");
        s->err = CF_EUPSTREAM;
        goto fail;
    }
    if ((r = merge_pending(s))) {
        s->err = r;
        goto fail;
    }

    /* One row per instance type: identical duplicates collapse, different prices fail. */
    if (s->n_rows)
        qsort(s->rows, s->n_rows, sizeof(*s->rows), type_cmp);
    s->rows_sorted = false;
    if (s->n_rows) {
        out = malloc(s->n_rows * sizeof(*out));
        if (!out) {
            s->err = cf_error_set(&s->errd, CF_ENOMEM, NULL, "out of memory");
            goto fail;
        }
    }
    for (size_t i = 0; i < s->n_rows; i++) {
        const struct ec2_row *row = &s->rows[i];
        if (!row->priced) {
            s->stats.unpriced++;
            continue;
        }
        if (n && strcmp(out[n - 1].type, row->gi.type) == 0) {
            if (out[n - 1].usd_per_hour == row->gi.usd_per_hour)
                continue;
            s->err = cf_error_set(&s->errd, CF_EUPSTREAM, row->gi.type,
                                  "%s has two Linux on-demand rows, at $%g and $%g per hour",
                                  row->gi.type, out[n - 1].usd_per_hour, row->gi.usd_per_hour);
            goto fail;
        }
        out[n++] = row->gi;
    }
    if (n)
        qsort(out, n, sizeof(*out), price_cmp);
    if (n == 0) {
        free(out);
        out = NULL;
    }

    *ret_gpus = out;
    *ret_n = n;
    if (ret_info)
        *ret_info = s->info;
    return 0;

fail:
    free(out);
    if (reterr)
        *reterr = s->errd;
    return s->err;
}

/* ---- The EC2 offer: descriptor and rates-document section ---- */

static long ec2_interval(const struct cf_config *cfg)
{
    return cfg->ec2_refresh_interval_s;
}

static uint64_t ec2_max_bytes(const struct cf_config *cfg)
{
    return (uint64_t)cfg->fetch_max_ec2_bytes;
}

static int ec2_open(const struct offer_ctx *ctx, const char *region, void **ret,
                    struct cf_error *reterr)
{
    struct offer_ec2_limits lim;
    if (ctx->ec2_limits) {
        lim = *ctx->ec2_limits;
    } else {
        offer_ec2_limits_default(&lim);
        lim.max_entry_bytes = (size_t)ctx->cfg->ec2_max_entry_bytes;
        lim.max_rows = (size_t)ctx->cfg->ec2_max_rows;
        lim.max_products = (uint64_t)ctx->cfg->ec2_max_products;
    }
    if (!ctx->specs)
        return cf_error_set(reterr, CF_ECONFIG, "gpu_specs_file", "no GPU spec table");
    struct offer_ec2_stream *s = offer_ec2_stream_new(region, ctx->specs, &lim);
    if (!s)
        return cf_error_set(reterr, CF_ENOMEM, NULL, "out of memory");
    *ret = s;
    return 0;
}

static int ec2_feed(void *stream, const char *buf, size_t len)
{
    return offer_ec2_stream_feed(stream, buf, len);
}

/* Bit of ec2_finish()'s `missing` mask: the file had no NAT gateway rates. */
#define EC2_MISSING_NAT 1u

static int ec2_finish(void *stream, struct region_rates *ret, unsigned *ret_missing,
                      struct cf_error *reterr)
{
    /* The instance list is one part: a file without rows replaces it. The NAT rates are
     * another: a file without them keeps the ones in use. */
    int r = offer_ec2_stream_finish(stream, &ret->instances, &ret->n_instances,
                                    &ret->info[CF_OFFER_EC2], reterr);
    if (r == 0)
        ret->has_nat_gateway =
            offer_ec2_stream_nat(stream, &ret->nat_gateway_hour_usd, &ret->nat_gateway_gb_usd);
    *ret_missing = r == 0 && !ret->has_nat_gateway ? EC2_MISSING_NAT : 0;
    return r;
}

static void ec2_free_stream(void *stream)
{
    offer_ec2_stream_free(stream);
}

static const struct offer_stream_ops ec2_stream_ops = {
    .open = ec2_open,
    .feed = ec2_feed,
    .finish = ec2_finish,
    .free_stream = ec2_free_stream,
};

/* The live list replaces the one in use wholesale (ec2_check_shrink refuses one that lost too
 * many types); a region left without rows has no EC2 rates. NAT gateway rates the file has
 * replace the ones in use, with the file's provenance (p->info, which the refresher has
 * completed); a file without them keeps those in use. */
static int ec2_apply(struct region_rates *rr, struct region_rates *p, unsigned missing,
                     struct cf_error *reterr)
{
    (void)reterr;
    if (!(missing & EC2_MISSING_NAT) && p->has_nat_gateway) {
        rr->has_nat_gateway = true;
        rr->nat_gateway_hour_usd = p->nat_gateway_hour_usd;
        rr->nat_gateway_gb_usd = p->nat_gateway_gb_usd;
        rr->nat_gateway_info = p->info[CF_OFFER_EC2];
    }
    free(rr->instances);
    rr->instances = p->instances;
    rr->n_instances = p->n_instances;
    p->instances = NULL;
    p->n_instances = 0;
    rr->has[CF_OFFER_EC2] = rr->n_instances > 0;
    return 0;
}

/* A live file that lost more than ec2_max_lost_share of the instance types kept from the last
 * one is taken for a partial file (a truncated upload, a broken export): refused, so that the
 * last good list keeps serving and /pricing shows why. Only a list read from an offer file
 * (live, or saved to the state directory) is the measure: the bundled snapshot comes from
 * another source, whose list of types need not match an offer file's. */
static int ec2_check_shrink(const struct region_rates *cur, const struct region_rates *p,
                            const struct cf_config *cfg, struct cf_error *reterr)
{
    enum cf_rate_source src = cur->info[CF_OFFER_EC2].source;
    if (src != CF_SOURCE_LIVE && src != CF_SOURCE_STATE)
        return 0;
    size_t lost = 0;
    const char *example = NULL;
    for (size_t i = 0; i < cur->n_instances; i++) {
        bool kept = false;
        for (size_t j = 0; j < p->n_instances && !kept; j++)
            kept = strcmp(cur->instances[i].type, p->instances[j].type) == 0;
        if (!kept) {
            lost++;
            example = example ? example : cur->instances[i].type;
        }
    }
    if (cur->n_instances == 0 || (double)lost <= cfg->ec2_max_lost_share * (double)cur->n_instances)
        return 0;
    return cf_error_set(reterr, CF_EUPSTREAM, cur->code,
                        "the EC2 file for %s lacks %zu of the %zu instance types in use (%s "
                        "among them), more than ec2_max_lost_share (%g): refused as a partial "
                        "file; the rates in use stay",
                        cur->code, lost, cur->n_instances, example, cfg->ec2_max_lost_share);
}

static unsigned ec2_count_moves(const struct region_rates *old, const struct region_rates *nw,
                                double factor)
{
    unsigned moves = 0;
    for (size_t i = 0; i < nw->n_instances; i++)
        for (size_t j = 0; j < old->n_instances; j++)
            if (strcmp(nw->instances[i].type, old->instances[j].type) == 0)
                offer_kind_compare_rate(old->instances[j].usd_per_hour,
                                        nw->instances[i].usd_per_hour, factor, nw->code,
                                        nw->instances[i].type, &moves);
    if (old->has_nat_gateway && nw->has_nat_gateway) {
        offer_kind_compare_rate(old->nat_gateway_hour_usd, nw->nat_gateway_hour_usd, factor,
                                nw->code, "nat_gateway.hour_usd", &moves);
        offer_kind_compare_rate(old->nat_gateway_gb_usd, nw->nat_gateway_gb_usd, factor, nw->code,
                                "nat_gateway.gb_processed_usd", &moves);
    }
    return moves;
}

static json_t *ec2_to_json(const struct region_rates *rr)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < rr->n_instances; i++) {
        const struct ec2_instance *g = &rr->instances[i];
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:i}", "instance_type", g->type, "arch",
                              cf_arch_name(g->arch), "usd_per_hour",
                              rates_doc_number(g->usd_per_hour), "vcpu", rates_doc_number(g->vcpu),
                              "memory_gib", rates_doc_number(g->memory_gib), "gpus", g->gpus);
        /* A CPU instance has no GPU model or memory to write. */
        if (o && g->gpus > 0 &&
            (json_object_set_new(o, "gpu_model", json_string(g->gpu_model)) ||
             json_object_set_new(o, "gpu_memory_gib", rates_doc_number(g->gpu_memory_gib)))) {
            json_decref(o);
            o = NULL;
        }
        if (json_array_append_new(arr, o)) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static int ec2_instance_from_json(const json_t *v, const char *path, struct ec2_instance *g,
                                  struct cf_error *reterr)
{
    static const char *const keys[] = {"instance_type", "arch",           "usd_per_hour",
                                       "vcpu",          "memory_gib",     "gpus",
                                       "gpu_model",     "gpu_memory_gib", NULL};
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_string(v, "instance_type", path, g->type, sizeof(g->type), reterr);
    if (r == 0) {
        char arch[16];
        r = rates_doc_get_string(v, "arch", path, arch, sizeof(arch), reterr);
        if (r == 0 && strcmp(arch, "x86_64") != 0 && strcmp(arch, "arm64") != 0) {
            char apath[RATES_DOC_PATH_LEN];
            rates_doc_path_key(apath, path, "arch");
            return cf_error_set(reterr, CF_EINVAL, apath, "%s must be \"x86_64\" or \"arm64\".",
                                apath);
        }
        g->arch = strcmp(arch, "arm64") == 0 ? CF_ARCH_ARM64 : CF_ARCH_X86_64;
    }
    if (r == 0)
        r = rates_doc_get_number(v, "usd_per_hour", path, &g->usd_per_hour, reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "vcpu", path, &g->vcpu, reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "memory_gib", path, &g->memory_gib, reterr);
    if (r == 0) {
        const json_t *gpus = NULL;
        r = rates_doc_get_present(v, "gpus", path, &gpus, reterr);
        if (r == 0 && (!json_is_integer(gpus) || json_integer_value(gpus) < 0 ||
                       json_integer_value(gpus) > 1024)) {
            char gpath[RATES_DOC_PATH_LEN];
            rates_doc_path_key(gpath, path, "gpus");
            return cf_error_set(reterr, CF_EINVAL, gpath,
                                "%s must be a whole number of GPUs from 0 to 1024.", gpath);
        }
        if (r == 0)
            g->gpus = (int)json_integer_value(gpus);
    }
    if (r == 0 && g->gpus == 0) {
        /* A CPU instance: no GPU model or memory. */
        if (json_object_get(v, "gpu_model") || json_object_get(v, "gpu_memory_gib")) {
            char gpath[RATES_DOC_PATH_LEN];
            rates_doc_path_key(gpath, path, "gpus");
            return cf_error_set(reterr, CF_EINVAL, gpath,
                                "%s is 0: an instance without GPUs has no gpu_model or "
                                "gpu_memory_gib.",
                                gpath);
        }
        return 0;
    }
    if (r == 0)
        r = rates_doc_get_string(v, "gpu_model", path, g->gpu_model, sizeof(g->gpu_model), reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "gpu_memory_gib", path, &g->gpu_memory_gib, reterr);
    return r;
}

static int ec2_from_json(const json_t *arr, const char *path, struct region_rates *rr,
                         struct cf_error *reterr)
{
    char gpath[RATES_DOC_PATH_LEN];
    if (!json_is_array(arr))
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be an array of instance types or null, got %s.", path,
                            rates_doc_kind(arr));
    size_t n = json_array_size(arr);
    if (n > RATES_JSON_MAX_INSTANCES)
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must hold at most %d instance types, got %zu.", path,
                            RATES_JSON_MAX_INSTANCES, n);
    if (n) {
        rr->instances = calloc(n, sizeof(*rr->instances));
        if (!rr->instances)
            return cf_error_set(reterr, CF_ENOMEM, path, "Out of memory loading %s.", path);
    }
    for (size_t i = 0; i < n; i++) {
        rates_doc_path_index(gpath, path, i);
        int r = ec2_instance_from_json(json_array_get(arr, i), gpath, &rr->instances[i], reterr);
        if (r < 0)
            return r;
        rr->n_instances = i + 1;
    }
    return 0;
}

static int ec2_instance_validate(const struct ec2_instance *g, const char *prefix,
                                 struct cf_error *reterr)
{
    char path[RATES_DOC_PATH_LEN];
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
    if (r < 0)
        return r;
    if (g->arch != CF_ARCH_X86_64 && g->arch != CF_ARCH_ARM64) {
        rates_doc_path_key(path, prefix, "arch");
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be x86_64 or arm64.", path);
    }
    if (g->gpus < 0 || g->gpus > 1024) {
        rates_doc_path_key(path, prefix, "gpus");
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be from 0 to 1024, got %d.", path,
                            g->gpus);
    }
    if (g->gpus == 0) {
        if (g->gpu_memory_gib != 0 || g->gpu_model[0]) {
            rates_doc_path_key(path, prefix, "gpus");
            return cf_error_set(reterr, CF_EINVAL, path,
                                "%s is 0: an instance without GPUs has no GPU model or memory.",
                                path);
        }
        return 0;
    }
    r = rates_doc_check_positive(g->gpu_memory_gib, prefix, "gpu_memory_gib", "GiB", reterr);
    if (r < 0)
        return r;
    if (!rates_doc_text_ok(g->gpu_model, sizeof(g->gpu_model)) || !g->gpu_model[0]) {
        rates_doc_path_key(path, prefix, "gpu_model");
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must be a GPU model name such as \"A10G\" (printable ASCII, at "
                            "most %zu characters).",
                            path, sizeof(g->gpu_model) - 1);
    }
    return 0;
}

static int ec2_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    char sub[RATES_DOC_PATH_LEN];
    if (rr->n_instances > RATES_JSON_MAX_INSTANCES || (rr->n_instances && !rr->instances))
        return cf_error_set(reterr, CF_EINVAL, path,
                            "%s must hold at most %d instance types, got %zu.", path,
                            RATES_JSON_MAX_INSTANCES, rr->n_instances);
    for (size_t i = 0; i < rr->n_instances; i++) {
        rates_doc_path_index(sub, path, i);
        int r = ec2_instance_validate(&rr->instances[i], sub, reterr);
        if (r < 0)
            return r;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(rr->instances[j].type, rr->instances[i].type) == 0) {
                char tpath[RATES_DOC_PATH_LEN];
                rates_doc_path_key(tpath, sub, "instance_type");
                return cf_error_set(reterr, CF_EINVAL, tpath,
                                    "%s repeats %s (already at index %zu): each instance "
                                    "type has one price.",
                                    tpath, rr->instances[i].type, j);
            }
        }
    }
    return 0;
}

static int instance_order(const struct ec2_instance *x, const struct ec2_instance *y)
{
    if (x->usd_per_hour != y->usd_per_hour)
        return x->usd_per_hour < y->usd_per_hour ? -1 : 1;
    return strcmp(x->type, y->type);
}

/* rates_finish() sorts the instance list by price (then type); the advice takes the cheapest
 * fit. */
static int ec2_validate_sorted(const struct region_rates *rr, const char *path,
                               struct cf_error *reterr)
{
    char sub[RATES_DOC_PATH_LEN];
    for (size_t j = 1; j < rr->n_instances; j++) {
        if (instance_order(&rr->instances[j - 1], &rr->instances[j]) > 0) {
            rates_doc_path_index(sub, path, j);
            return cf_error_set(reterr, CF_EINVAL, sub,
                                "Instance types of %s must be sorted by usd_per_hour "
                                "(rates_finish() sorts them); %s is out of order.",
                                rr->code, rr->instances[j].type);
        }
    }
    return 0;
}

/* ---- The NAT gateway rates: their section of the rates document ----
 *
 * "nat_gateway": {"hour_usd": n, "gb_processed_usd": n}, with "sources"."nat_gateway"; both keys
 * only in a region with NAT rates. */

static bool nat_has(const struct region_rates *rr)
{
    return rr->has_nat_gateway;
}

static json_t *nat_to_json(const struct region_rates *rr)
{
    return json_pack("{s:o, s:o}", "hour_usd", rates_doc_number(rr->nat_gateway_hour_usd),
                     "gb_processed_usd", rates_doc_number(rr->nat_gateway_gb_usd));
}

static int nat_from_json(const json_t *v, const char *path, struct region_rates *rr,
                         struct cf_error *reterr)
{
    static const char *const keys[] = {"hour_usd", "gb_processed_usd", NULL};
    if (!json_is_object(v))
        return cf_error_set(reterr, CF_EINVAL, path, "%s must be an object, got %s.", path,
                            rates_doc_kind(v));
    int r = rates_doc_check_keys(v, keys, path, reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "hour_usd", path, &rr->nat_gateway_hour_usd, reterr);
    if (r == 0)
        r = rates_doc_get_number(v, "gb_processed_usd", path, &rr->nat_gateway_gb_usd, reterr);
    if (r == 0)
        rr->has_nat_gateway = true;
    return r;
}

static int nat_validate(const struct region_rates *rr, const char *path, struct cf_error *reterr)
{
    int r = rates_doc_check_rate(rr->nat_gateway_hour_usd, path, "hour_usd", "NAT gateway-hour",
                                 reterr);
    if (r == 0)
        r = rates_doc_check_rate(rr->nat_gateway_gb_usd, path, "gb_processed_usd", "GB processed",
                                 reterr);
    return r;
}

static const struct offer_part ec2_nat_part = {
    .doc_key = "nat_gateway",
    .info_offset = offsetof(struct region_rates, nat_gateway_info),
    .has = nat_has,
    .to_json = nat_to_json,
    .from_json = nat_from_json,
    .validate = nat_validate,
};

const struct offer_kind offer_kind_ec2 = {
    .id = CF_OFFER_EC2,
    .code = "AmazonEC2",
    .index_path = "/offers/v1.0/aws/AmazonEC2/current/region_index.json",
    .index = &offer_index_v1,
    .interval = ec2_interval,
    .max_bytes = ec2_max_bytes,
    .stream = &ec2_stream_ops,
    .apply = ec2_apply,
    .count_moves = ec2_count_moves,
    .doc_key = "ec2_instances",
    .to_json = ec2_to_json,
    .from_json = ec2_from_json,
    .validate = ec2_validate,
    .validate_sorted = ec2_validate_sorted,
    .check_shrink = ec2_check_shrink,
    .feed = &offer_feed_ec2_spot,
    .part = &ec2_nat_part,
};
