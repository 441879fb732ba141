/*
 * offer.h - parsers for AWS Price List offer files (Bulk API): Lambda, ECS/Fargate, EC2 GPUs.
 *
 * Rows are selected by their attributes (service code, region, group or usagetype, operating
 * system, tenancy, ...), never by SKU, and priced from the global on-demand term JRTCKXETXF
 * only. Unknown keys are ignored, so both the 2016 layout (no regionCode, no ARM, no tiers) and
 * the current one (with a trailing attributesList) parse. A file whose shape is wrong, or whose
 * required rows are missing or ambiguous, is CF_EUPSTREAM with a sentence in reterr->message:
 * the caller keeps its previous rates. Prices are decimal strings read with strtod, so the
 * process must keep the "C" LC_NUMERIC locale.
 *
 * The Lambda and ECS files are small (under 1 MB) and are parsed whole with jansson. The EC2
 * regional file is about 480 MB: it is streamed through offer_ec2_stream_feed() as it downloads
 * and only the Linux on-demand GPU rows are kept (see the DESIGN block in offer_ec2.c).
 *
 * offer_info results carry the file's version and publication date; `source`, `fetched_at` and
 * `origin` are left empty (CF_SOURCE_NONE, 0, "") for the caller, who knows where the file came
 * from, to fill.
 */
#ifndef COMPUTEFIT_OFFER_H
#define COMPUTEFIT_OFFER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "computefit/error.h"
#include "computefit/gpu_specs.h"
#include "computefit/rates.h"

/* The global on-demand offer term code; every other term (free tier A429C66SYZ, Reserved
 * codes) is ignored. */
#define OFFER_ONDEMAND_TERM "JRTCKXETXF"

/* ---- Lambda (offer code AWSLambda) ---- */

/* Bits of the `missing` mask of offer_lambda_parse(): the parts the file had no row for. */
enum offer_lambda_part {
    OFFER_LAMBDA_REQUESTS_X86 = 1u << 0, /* group AWS-Lambda-Requests */
    OFFER_LAMBDA_DURATION_X86 = 1u << 1, /* group AWS-Lambda-Duration */
    OFFER_LAMBDA_STORAGE_X86 = 1u << 2,  /* group AWS-Lambda-Storage-Duration */
    OFFER_LAMBDA_REQUESTS_ARM = 1u << 3, /* group AWS-Lambda-Requests-ARM */
    OFFER_LAMBDA_DURATION_ARM = 1u << 4, /* group AWS-Lambda-Duration-ARM */
    OFFER_LAMBDA_STORAGE_ARM = 1u << 5,  /* group AWS-Lambda-Storage-Duration-ARM */
    /* Groups AWS-Lambda-Provisioned-Concurrency and AWS-Lambda-Duration-Provisioned (both or
     * neither: see offer_lambda_parse), then the same with -ARM. */
    OFFER_LAMBDA_PROVISIONED_X86 = 1u << 6,
    OFFER_LAMBDA_PROVISIONED_ARM = 1u << 7,
};

/* Reads the Lambda rates of `region` ("us-east-1") from a whole AWSLambda offer file `doc`
 * (borrowed). Rows are picked by servicecode AWSLambda, regionCode (or, in files without
 * regionCode, the region's location name) and `group`; the free tier (location "Any", term
 * A429C66SYZ) never matches. All price dimensions of a duration row become tiers sorted by
 * beginRange, the last one up to INFINITY ("Inf").
 *
 * x86 requests and duration are required: without them the call fails with CF_EUPSTREAM. The
 * other parts may be missing (the 2016 file has no ARM, no ephemeral storage and no provisioned
 * concurrency): their bits are set in *ret_missing and their fields in ret_rates are 0 (n_tiers
 * 0, has_provisioned false), for the caller to decide. Provisioned concurrency is one part of
 * two rows per architecture, its charge per configured GB-second and its duration rate: each
 * must have one unbounded price in GB-seconds, and a file with only one of the two is
 * CF_EUPSTREAM, as is a part's row that is malformed or ambiguous.
 * On success fills ret_rates[CF_ARCH_X86_64] and [CF_ARCH_ARM64], *ret_missing and *ret_info
 * (each may be NULL) and returns 0; on failure touches none of them. */
int offer_lambda_parse(const json_t *doc, const char *region,
                       struct lambda_rates ret_rates[CF_ARCH_COUNT], unsigned *ret_missing,
                       struct offer_info *ret_info, struct cf_error *reterr);

/* ---- ECS / Fargate (offer code AmazonECS) ---- */

/* Bits of the `missing` mask of offer_ecs_parse(). */
enum offer_ecs_part {
    OFFER_ECS_VCPU_X86 = 1u << 0,  /* usagetype ...Fargate-vCPU-Hours:perCPU */
    OFFER_ECS_GB_X86 = 1u << 1,    /* ...Fargate-GB-Hours */
    OFFER_ECS_VCPU_ARM = 1u << 2,  /* ...Fargate-ARM-vCPU-Hours:perCPU */
    OFFER_ECS_GB_ARM = 1u << 3,    /* ...Fargate-ARM-GB-Hours */
    OFFER_ECS_EPHEMERAL = 1u << 4, /* ...Fargate-EphemeralStorage-GB-Hours */
};

/* Reads the Linux Fargate rates of `region` from a whole AmazonECS offer file `doc` (borrowed).
 * Rows are picked by servicecode AmazonECS, regionCode (or location) and the usagetype after
 * its region prefix ("USE1-", "EU-", none); Windows rows never match. x86 vCPU and GB rates are
 * required (CF_EUPSTREAM without them); missing ARM or ephemeral-storage rows set their bits in
 * *ret_missing and leave 0 in their fields. On success fills ret_rates[CF_ARCH_COUNT],
 * *ret_ephemeral_gb_hour, *ret_missing and *ret_info (each may be NULL) and returns 0. */
int offer_ecs_parse(const json_t *doc, const char *region,
                    struct fargate_rates ret_rates[CF_ARCH_COUNT], double *ret_ephemeral_gb_hour,
                    unsigned *ret_missing, struct offer_info *ret_info, struct cf_error *reterr);

/* ---- Public IPv4 addresses (offer code AmazonVPC) ---- */

/* Reads the hourly rate of one in-use public IPv4 address in `region` from a whole AmazonVPC
 * offer file `doc` (borrowed): the one product of servicecode AmazonVPC in the region (by
 * regionCode, or location) with group "VPCPublicIPv4Address" and usagetype
 * "<prefix>PublicIPv4:InUseAddress" (the prefix is there even in us-east-1: "USE1-"), priced by
 * its single unbounded "Hrs" dimension of term JRTCKXETXF, above 0. Idle-address and
 * contiguous-block rows never match. On success fills *ret_ipv4_hour_usd and *ret_info (each
 * may be NULL) and returns 0; fails with CF_EUPSTREAM, touching neither, when the file is not
 * an AmazonVPC offer file, has no such product or two of them, or its price is not as said. */
int offer_vpc_parse(const json_t *doc, const char *region, double *ret_ipv4_hour_usd,
                    struct offer_info *ret_info, struct cf_error *reterr);

/* ---- Fargate Spot (AWS's Fargate Spot price feed; not in the Price List) ---- */

/* Reads the Fargate Spot rates of `region` from a whole Fargate Spot price feed `doc`
 * (borrowed; format in offer_spot.c and tests/fixtures/ligoj__spot-fargate.json): the rows of
 * `prices` whose attributes."aws:region" is `region`, priced from their price.USD decimal
 * strings. An architecture counts only when the feed has both its vCPU-hour and its GB-hour
 * rate: ret_has[a] says which did, and the fields of the others are 0. A region the feed has
 * no complete rates for is not an error (every ret_has false): the caller keeps what it had.
 * ret_info gets the version from metadata."source:version" and, when that is a 14-digit
 * timestamp, the publication date made from it ("" otherwise); its other fields are left
 * empty for the caller. Fails with CF_EUPSTREAM, touching no output, when the document is not
 * a feed (no `prices` array, a row that is not an object, a non-numeric version) or a row of
 * `region` is unusable (no price above 0, unit and label naming different rates, two prices
 * for one rate). Each ret_ pointer may be NULL. */
int offer_spot_parse(const json_t *doc, const char *region,
                     struct fargate_rates ret_rates[CF_ARCH_COUNT], bool ret_has[CF_ARCH_COUNT],
                     struct offer_info *ret_info, struct cf_error *reterr);

/* ---- EC2 Spot advice (AWS's Spot Instance Advisor feed; not in the Price List) ---- */

/* Reads the EC2 Spot advice of `region` from a whole Spot Instance Advisor feed `doc`
 * (borrowed; format in offer_ec2_spot.c and tests/fixtures/spotinfo__spot-advisor-data.json)
 * into `ret` (zeroed by the caller): one struct ec2_spot_advice per instance type of
 * spot_advisor.<region>.Linux that advises a saving (an `s` of 0 or below is skipped), sorted
 * by type, in ret->ec2_spot (owned by *ret; rates_region_clear() frees it), and the feed's
 * `ranges` table in ret->ec2_spot_ranges. A region the feed has no Linux advice for is not an
 * error: ret is left without any (the caller keeps what it had). The feed has no version or
 * date: ret->ec2_spot_info is left for the caller. Fails with CF_EUPSTREAM, touching nothing,
 * when the document is not the feed (no `ranges` table of 1 to CF_EC2_SPOT_RANGES sound
 * bands, no `spot_advisor` object) or an entry of `region` is unusable (a type that is not a
 * type name or does not fit CF_INSTANCE_TYPE_LEN, no numeric `s`, an `s` of 100 or more, an
 * `r` that is not a band's index); with CF_ENOMEM when out of memory. */
int offer_ec2_spot_parse(const json_t *doc, const char *region, struct region_rates *ret,
                         struct cf_error *reterr);

/* ---- EC2 instances (offer code AmazonEC2), streamed ---- */

/* Whether `type` ("m7g.large") is of a CPU family computefit prices on ECS on EC2: compute
 * optimised (c), general purpose (m) and memory optimised (r), 6th generation and newer, in
 * their plain Intel (i), AMD (a) and Graviton (g) variants; not bare metal (the largest size's
 * vCPUs and memory at its price, and nothing ECS tasks gain from). GPU families come from the
 * GPU spec table instead. */
bool offer_ec2_cpu_type_kept(const char *type);

/* The architecture of an instance type from its family's name: arm64 when the letters after
 * the generation number hold a "g" (AWS Graviton: m7g, c6gn, g5g), else x86_64. */
enum cf_arch offer_ec2_type_arch(const char *type);

/* Limits on what one EC2 offer stream may hold; config names them. A file that needs more is
 * CF_EUPSTREAM, never a larger allocation. Start from offer_ec2_limits_default() and change
 * what config sets: every field must be positive. */
struct offer_ec2_limits {
    size_t max_entry_bytes;    /* one product or one SKU's on-demand terms, as JSON text */
    size_t max_rows;           /* candidate Linux on-demand rows kept */
    size_t max_pending_prices; /* on-demand prices held while `terms` comes before `products` */
    size_t max_depth;          /* JSON nesting */
    uint64_t max_products;     /* products examined in one file */
};

/* Fills *lim with the defaults: entries of 1 MiB, 4096 rows, 1,000,000 pending prices (32 MB),
 * depth 64, 20,000,000 products. */
void offer_ec2_limits_default(struct offer_ec2_limits *lim);

/* What a stream has seen; for logs and tests. */
struct offer_ec2_stats {
    uint64_t bytes;           /* bytes fed */
    uint64_t products;        /* product entries examined */
    uint64_t ondemand_skus;   /* SKUs under terms.OnDemand */
    uint64_t terms_parsed;    /* of those, the entries decoded (the others were skipped) */
    size_t candidates;        /* products that passed every attribute filter */
    size_t pending_prices;    /* prices held because terms came first */
    size_t unpriced;          /* candidates without a positive JRTCKXETXF hourly price */
    size_t unknown_gpu_types; /* GPU rows (gpu > 0) of a family missing from the spec table */
    size_t nat_rows;          /* NAT gateway rows kept (at most 2: hours and bytes) */
    size_t peak_bytes;        /* most memory the stream's own buffers held at once */
};

struct offer_ec2_stream;

/* Returns a new stream that keeps the Linux on-demand rows of `region` of the GPU families in
 * `specs` and of the CPU families offer_ec2_cpu_type_kept() names, or NULL when out of memory
 * or when region/specs is NULL. `specs` is borrowed and must outlive the stream: it says which
 * instance families are GPU families and gives their GPU model and per-GPU memory. `lim`
 * (copied) may be NULL for the defaults; a zero limit makes the call fail. */
struct offer_ec2_stream *offer_ec2_stream_new(const char *region, const struct gpu_specs *specs,
                                              const struct offer_ec2_limits *lim);

/* Scans the next `len` bytes of the offer file. Chunks may have any size, down to one byte.
 * Returns 0, or a negative CF_E* code (CF_EUPSTREAM for a malformed or oversized file,
 * CF_ENOMEM); the error is sticky and its detail comes from offer_ec2_stream_finish(). */
int offer_ec2_stream_feed(struct offer_ec2_stream *s, const char *buf, size_t len);

/* Declares the end of the file and hands over the result. On success sets *ret_gpus to a new
 * malloc()ed array of *ret_n rows sorted by price (the caller free()s it; NULL when there is no
 * row, which is not an error: a region may have none of the kept types), fills *ret_info (may be
 * NULL) and returns 0. Fails with CF_EUPSTREAM when the document is truncated or malformed, has no
 * products or no terms.OnDemand, is another offer's file, names one instance type at two
 * different prices, gives a kept row an on-demand price that does not parse, or repeats a key
 * that decides a price (see the DESIGN block of offer_ec2.c). Call it once; the stream is spent
 * afterwards. */
int offer_ec2_stream_finish(struct offer_ec2_stream *s, struct ec2_instance **ret_gpus,
                            size_t *ret_n, struct offer_info *ret_info, struct cf_error *reterr);

/* After a successful offer_ec2_stream_finish(): sets the region's NAT gateway rates, per NAT
 * gateway-hour and per GB processed, and returns true, or returns false when the file had not
 * both of them priced above 0 (no NAT rates; see the DESIGN block of offer_ec2.c). */
bool offer_ec2_stream_nat(const struct offer_ec2_stream *s, double *ret_hour_usd,
                          double *ret_gb_usd);

/* Copies the stream's counters into *ret_stats. */
void offer_ec2_stream_stats(const struct offer_ec2_stream *s, struct offer_ec2_stats *ret_stats);

/* Frees the stream and everything it holds. Accepts NULL. */
void offer_ec2_stream_free(struct offer_ec2_stream *s);

/* ---- Helpers shared by the Price List parsers (in offer_common.c) ---- */

/* Copies the streaming scanner's error `e` (code `r`) into *ret as a streamed file's error:
 * a syntax or size error (CF_EJSON, CF_ETOOBIG) is the upstream's, CF_EUPSTREAM, its message
 * prefixed with `what` ("EC2 offer file"). Returns the resulting code. */
int offer_stream_error(int r, const struct cf_error *e, const char *what, struct cf_error *ret);

/* Returns the Price List location name of a region code ("us-east-1" -> "US East (N.
 * Virginia)"), a static string, or NULL for a region missing from the built-in table. Only
 * files without the regionCode attribute (2016 layout) need it. */
const char *offer_region_location(const char *region);

/* Returns the prefix of `region`'s usage types ("USE2", "EU"), or NULL for a region this build
 * does not know. us-east-1's is "USE1", though its EC2 and Lambda usage types have none. */
const char *offer_region_prefix(const char *region);

/* Returns whether a product's `attributes` object (borrowed) belongs to `region`: its
 * regionCode equals `region`, or, when it has no regionCode, its location is the region's
 * location name. */
bool offer_attrs_in_region(const json_t *attrs, const char *region);

/* Returns whether `usagetype` is `name` once its region prefix is removed: "Request",
 * "USE2-Request" and "EU-Request" are "Request"; "USE1-Fargate-ARM-GB-Hours" is not
 * "Fargate-GB-Hours". A prefix is one or more tokens of capital letters and digits, each
 * followed by '-'. */
bool offer_usagetype_is(const char *usagetype, const char *name);

/* Returns whether `usagetype` is `name` in `region`: `name` itself ("LoadBalancerUsage", as in
 * us-east-1) or `name` after the region's own prefix ("USE2-LoadBalancerUsage"). Stricter than
 * offer_usagetype_is(): "TS-LoadBalancerUsage" (an ALB trust store), "Outposts-LCUUsage",
 * "IA-TimedStorage-ByteHrs" and another region's prefix are not `name`. Rows are found by
 * their regionCode (offer_products_next); the prefix only tells a rate from its look-alikes.
 * In a region this build has no prefix for, only the bare name matches. */
bool offer_usagetype_in_region(const char *usagetype, const char *name, const char *region);

/* Returns whether `usagetype` is `name` after `region`'s own prefix ("USE1-DataProcessing-Bytes"
 * in us-east-1), the bare name not included: for an offer whose bare usage type is another
 * product (CloudWatch's legacy us-east-1 rows). False in a region this build has no prefix for. */
bool offer_usagetype_after_prefix(const char *usagetype, const char *name, const char *region);

/* Sets *ret_usd to the one price of `sku` in `ondemand` (terms.OnDemand, borrowed): a single
 * unbounded JRTCKXETXF dimension whose unit is one of `units` (NULL-terminated; the first names
 * it in messages; NULL for any unit). Returns 0, or CF_EUPSTREAM (no term, several dimensions,
 * another unit, a malformed price). A price of 0 is returned as such: the caller decides. */
int offer_sku_price(const json_t *ondemand, const char *sku, const char *const units[],
                    double *ret_usd, struct cf_error *reterr);

/* Reads a price list decimal string ("0.0000166667", "6000000000"; "Inf" too when allow_inf)
 * into *ret: finite (or that infinity) and not negative. strtod's other spellings (hex, "nan",
 * "infinity", spaces) are refused: AWS writes none of them. Returns false, leaving *ret
 * alone, for anything else. */
bool offer_parse_decimal(const char *text, bool allow_inf, double *ret);

/* One price dimension of an on-demand term. */
struct offer_dim {
    double begin; /* beginRange; 0 when absent */
    double end;   /* endRange; INFINITY for "Inf" or when absent */
    double usd;   /* pricePerUnit.USD, finite and >= 0 */
    char unit[24];
};

/* Collects the price dimensions of the JRTCKXETXF term(s) in `sku_terms`, the object that
 * terms.OnDemand holds for one SKU (borrowed), sorted by `begin`. Other terms (A429C66SYZ, a
 * Reserved code placed there) are ignored. Sets *ret_n (0 when the SKU has no such term) and
 * returns 0, or CF_EUPSTREAM when a dimension is malformed (a price that is not a finite
 * non-negative number, a range that does not parse, more than `max` dimensions). */
int offer_ondemand_dims(const json_t *sku_terms, struct offer_dim *ret_dims, size_t max,
                        size_t *ret_n, struct cf_error *reterr);

/* Finds the `products` object (non-empty) and `terms.OnDemand` object of a whole offer file
 * (borrowed); sets both (borrowed from `doc`) and returns 0, or CF_EUPSTREAM naming what is
 * missing. */
int offer_sections(const json_t *doc, const json_t **ret_products, const json_t **ret_ondemand,
                   struct cf_error *reterr);

/* Copies the file's version and publicationDate into *info (other fields untouched) and checks
 * that its offerCode, when present, is `offer_code`. Returns 0 or CF_EUPSTREAM. */
int offer_read_info(const json_t *doc, const char *offer_code, struct offer_info *info,
                    struct cf_error *reterr);

/* A walk over the products of one whole offer file that belong to one service and region: the
 * loop every whole-file parser starts with. Everything in it is borrowed from the document. */
struct offer_products {
    const json_t *products; /* the file's products object */
    const json_t *ondemand; /* its terms.OnDemand object */
    struct offer_info info; /* its version and publication date (offer_read_info) */
    const char *service;    /* the offer code products must have as servicecode */
    const char *region;
    void *iter; /* jansson's iterator at the next product to look at */
};

/* Starts a walk over `doc` (borrowed; must outlive the walk) for the products of `offer_code`
 * in `region`: checks that a region was given (CF_EINVAL), finds the sections
 * (offer_sections) and reads the provenance, refusing another offer's file
 * (offer_read_info). Returns 0 and fills *it, or the first error. */
int offer_products_open(struct offer_products *it, const json_t *doc, const char *offer_code,
                        const char *region, struct cf_error *reterr);

/* Returns the productFamily of product `sku` of the walk's file (borrowed), or NULL. */
const char *offer_product_family(const struct offer_products *it, const char *sku);

/* Moves to the next product whose attributes have servicecode it->service and belong to
 * it->region (offer_attrs_in_region); sets *ret_sku and *ret_attrs (borrowed) and returns true,
 * or returns false when there is none left. Products come in the file's order. */
bool offer_products_next(struct offer_products *it, const char **ret_sku, const json_t **ret_attrs);

/* One rate of an offer read by offer_pick_prices(). */
struct offer_price_part {
    const char *usagetype;    /* bare, or after the region's prefix (offer_usagetype_in_region) */
    const char *const *units; /* the units it may be priced in (offer_sku_price) */
    const char *what;         /* for messages: "the ALB's hours" */
    bool prefixed; /* only after the region's prefix (offer_usagetype_after_prefix), never bare */
};
#define OFFER_PRICE_PARTS_MAX 4

/* Walks the rest of `it` and reads the one price of each of parts[n] (n <= 4): the product
 * whose usagetype is the part's in the region (after the region's prefix only, for a
 * `prefixed` part), that `keep` (may be NULL) accepts, priced once and unbounded in one of its
 * units. A product priced $0 prices nothing and is skipped. The parts go together: on success
 * ret_usd[n] holds the prices and *ret_found is true, or the file had none of them (*ret_found
 * false, prices 0). Returns CF_EUPSTREAM for a malformed candidate, two priced products for one
 * part, or some parts without the others. */
int offer_pick_prices(struct offer_products *it, const struct offer_price_part *parts, size_t n,
                      bool (*keep)(const struct offer_products *it, const char *sku,
                                   const json_t *attrs),
                      double *ret_usd, bool *ret_found, struct cf_error *reterr);

#endif
