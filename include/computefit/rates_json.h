/*
 * rates_json.h - the one serialisation of a rates table.
 *
 * The same JSON is used for the bundled snapshot (config/rates-snapshot.json, built by
 * scripts/build-snapshot), the last-known-good file in the state directory (written by the
 * refresher) and the body of GET /pricing/{region}, so that what is served, what is saved and
 * what is shipped can never drift apart. The file format is
 *
 *   {"format": "computefit-rates/1", "built_at": "2025-06-13T00:00:00Z", "regions": [<region>]}
 *
 * and one region is
 *
 *   {"region": "us-east-1",
 *    "lambda": {"x86_64": {"request_usd": 2e-7,
 *                          "gb_second_tiers": [{"up_to_gb_s": 6e9, "usd": 1.66667e-5}, ...,
 *                                              {"up_to_gb_s": null, "usd": 1.33334e-5}],
 *                          "ephemeral_gb_second_usd": 3.09e-8,
 *                          "provisioned": {"concurrency_gb_second_usd": 4.1667e-6,
 *                                          "duration_gb_second_usd": 9.7222e-6} or null},
 *               "arm64": {...}},
 *    "fargate": {"x86_64": {"vcpu_hour_usd": 0.04048, "gb_hour_usd": 0.004445}, "arm64": {...},
 *                "ephemeral_gb_hour_usd": 0.000111},
 *    "fargate_spot": {"x86_64": {"vcpu_hour_usd": 0.01379631, "gb_hour_usd": 0.00151494},
 *                     "arm64": null},                             (optional; see below)
 *    "ec2_instances": [{"instance_type": "m7g.large", "arch": "arm64", "usd_per_hour": 0.0816,
 *                       "vcpu": 2, "memory_gib": 8, "gpus": 0}, ...,
 *                      {"instance_type": "g5.xlarge", "arch": "x86_64", "usd_per_hour": 1.006,
 *                       "vcpu": 4, "memory_gib": 16, "gpus": 1, "gpu_model": "A10G",
 *                       "gpu_memory_gib": 24}, ...],
 *    "ec2_spot": {"ranges": [{"label": "<5%", "max_pct": 5}, ..., {"label": ">20%",
 *                            "max_pct": 100}],
 *                 "instances": [{"instance_type": "g5.xlarge", "savings_pct": 59,
 *                                "range": 4}, ...]},             (optional; see below)
 *    "sources": {"lambda": {"source": "snapshot", "version": "...", "published": "...",
 *                           "fetched_at": "2025-06-05T17:56:26Z" or null, "origin": "..."},
 *                "fargate": {...}, "ec2": {...},
 *                "fargate_spot": {...},                           (only with fargate_spot)
 *                "ec2_spot": {...}}}                              (only with ec2_spot)
 *
 * "region" and "sources" are this file's; every other key is an offer's section, read, written
 * and checked by that offer's descriptor (offer_kind.h: offer_lambda.c holds "lambda", whose
 * provenance is "sources.lambda"), in the table's order, a feed's section right after its
 * offer's. The example shows today's offers.
 *
 * Lambda's "provisioned" (provisioned concurrency: the charge per GB-second configured and the
 * duration rate on it) is null where the region has no such rates, and may be absent, meaning
 * the same, in documents written before it existed; the duration rate must be below the first
 * on-demand tier's.
 *
 * JSON has no Infinity: the last tier's unbounded `up_to_gb_s` is null. An offer a region has no
 * rates for is null (as are its `sources` entry). `gpu_memory_gib` is the instance's total over
 * all its GPUs. Times are ISO 8601 UTC ("YYYY-MM-DDTHH:MM:SSZ"); an unknown fetched_at is null.
 *
 * Fargate Spot rates come from AWS's Fargate Spot price feed, not the Price List, and are
 * optional: "fargate_spot" absent or null means none (the Spot variant is then priced with the
 * model's discount, as an estimate). When present it holds both architecture keys, each rates
 * or null, at least one of them rates; it needs the region's on-demand "fargate" rates, and
 * "sources.fargate_spot" must then say where it came from (its "published" may be "": the feed
 * has only a version). A region without Spot rates has neither key when saved, so that tables
 * without Spot rates serialise exactly as before the keys existed.
 *
 * EC2 Spot advice comes from AWS's Spot Instance Advisor feed, not the Price List, and is
 * optional in the same way: "ec2_spot" absent or null means none. When present it needs the
 * region's "ec2_instances" rates; "ranges" holds 1 to 8 interruption bands (a label of printable
 * ASCII, at most 15 characters; an upper bound in (0, 100] percent), "instances" 1 to
 * RATES_JSON_MAX_EC2_SPOT entries sorted by instance_type, each type once, each with a saving
 * of Spot over on-demand in (0, 100) percent and "range", the index of its band. Only types of
 * the region's EC2 list are written (not required when read). "sources.ec2_spot" must then say
 * where it came from; its "version" and "published" are "" for the live feed, which has
 * neither.
 *
 * Errors: CF_EMISSING (a required key is absent), CF_EUNKNOWN (a key this format does not have:
 * a typo or a newer format), CF_EINVAL (a wrong type or value), CF_EJSON (not JSON), CF_EIO,
 * CF_ENOMEM. reterr->field is the JSON path of the culprit, e.g.
 * "regions[2].lambda.arm64.gb_second_tiers[1].up_to_gb_s", and reterr->message says what is
 * wrong in one sentence.
 *
 * Every rate must be finite and > 0: every rate in the table is one AWS charges for, so a 0 means
 * a free-tier or Capacity Block row slipped through a parser, and must not reach advice.
 */
#ifndef COMPUTEFIT_RATES_JSON_H
#define COMPUTEFIT_RATES_JSON_H

#include <jansson.h>

#include "computefit/error.h"
#include "computefit/rates.h"
#include "computefit/validate.h"

/* The format tag of a rates file; bumped when the format changes incompatibly. */
#define RATES_JSON_FORMAT "computefit-rates/1"

/* Limits on what a rates document may hold, so that a corrupt or hostile state file cannot make
 * the loader allocate without bound. */
#define RATES_JSON_MAX_REGIONS    256
#define RATES_JSON_MAX_INSTANCES  4096                /* EC2 instance types per region */
#define RATES_JSON_MAX_EC2_SPOT   4096                /* EC2 Spot advice entries per region */
#define RATES_JSON_MAX_FILE_BYTES (16L * 1024 * 1024) /* rates_load_file() refuses larger */

/* Builds a rates table from a parsed rates document (borrowed). Every key is checked, every rate
 * validated as rates_validate() does, sorted in rates_finish()'s order. `source` is recorded as
 * every offer's source (CF_SOURCE_SNAPSHOT for config/, CF_SOURCE_STATE for the state
 * directory, CF_SOURCE_URL for a document taken from rates_url): the document's own "source"
 * strings ("snapshot", "state", "live" or "rates_url") only say what the rates were when saved. The
 * rest of each offer's provenance (version, published, fetched_at, origin) is kept as stored.
 * On success sets *ret to a new table (refcount 1; the caller rates_unref()s it) and returns 0;
 * otherwise returns a negative CF_E* code with the offending JSON path in reterr->field and
 * leaves *ret alone. */
int rates_from_json(const json_t *doc, enum cf_rate_source source, struct rates **ret,
                    struct cf_error *reterr);

/* Returns a new reference to the whole table as a rates document (the caller json_decref()s
 * it), or NULL when out of memory or when a rate is not finite (validate first). Regions and GPU
 * instances keep the table's order, so rates_from_json(rates_to_json(r)) gives back a table
 * equal to `r` to the bit (provenance source aside, which the loader's caller sets). jansson's
 * default real precision (17 digits) dumps it exactly; JSON_REAL_PRECISION(15) gives readable
 * figures for display ("0.04048", not "0.040480000000000002"). */
json_t *rates_to_json(const struct rates *r);

/* Returns a new reference to one region as a JSON object in the shape above, which is also the
 * body of GET /pricing/{region} (the caller json_decref()s it), or NULL when out of memory or
 * when a rate is not finite. */
json_t *rates_region_to_json(const struct region_rates *rr);

/* Returns the text of the rates document of `r` (borrowed), exactly the bytes rates_save_file()
 * writes: rates_to_json(), indented by one space, figures with 15 significant digits when that
 * reads back exactly (else 17), and a final newline. One function, so that GET /pricing/export,
 * the state file and computefit-snapshot's output are byte for byte the same for the same table.
 * Returns a new malloc()ed, NUL-terminated string (the caller free()s it) and sets *ret_len to
 * its length, or NULL when out of memory or when a rate is not finite (validate first). */
char *rates_to_text(const struct rates *r, size_t *ret_len);

/* Reads, parses (rejecting duplicate keys) and loads the rates file at `path`, as
 * rates_from_json() does. Refuses files over RATES_JSON_MAX_FILE_BYTES. Returns 0 and sets
 * *ret to a new table (the caller rates_unref()s it), or CF_EIO (cannot read; the message names
 * the path and the reason), CF_EJSON (not JSON or truncated; the message gives line and column)
 * or a rates_from_json() error. */
int rates_load_file(const char *path, enum cf_rate_source source, struct rates **ret,
                    struct cf_error *reterr);

/* Validates `r` (borrowed), then writes it to `path` atomically: to "<path>.tmp.<pid>", flushed
 * and fsync()ed, renamed over `path`, and the directory fsync()ed, so that a crash or a full disk
 * leaves either the old file or the new one, never a mix. On any failure the temporary file is
 * removed and the old file is untouched. Figures are written with 15 significant digits when
 * that reads back exactly, else 17. One writer per path at a time (the refresher); readers may
 * load `path` concurrently. Returns 0, a rates_validate() error (nothing written), CF_EIO
 * (the message names the step and the system's reason) or CF_ENOMEM. */
int rates_save_file(const struct rates *r, const char *path, struct cf_error *reterr);

#endif
