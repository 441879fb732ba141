/*
 * testutil.h - helpers shared by the Check test binaries.
 */
#ifndef COMPUTEFIT_TESTUTIL_H
#define COMPUTEFIT_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Returns a new malloc()ed absolute path for `rel`, relative to the source root (from the
 * CF_SOURCE_ROOT environment variable that meson test sets; "." otherwise). */
char *cf_test_path(const char *rel);

/* Reads the whole file at source-root-relative `rel`; returns a new malloc()ed NUL-terminated
 * buffer and sets *ret_len, or aborts the test binary when the file cannot be read. */
char *cf_test_read(const char *rel, size_t *ret_len);

/* Loads the bundled config/model.json; fails the running test when it does not load. Returns a
 * new model the caller frees with model_free(). */
struct model;
struct model *cf_test_model(void);

/* One GPU instance type of a test table: type, $/hour, vCPU, GiB, GPUs, GPU model, GPU GiB. */
struct cf_test_gpu {
    const char *type;
    double usd_per_hour, vcpu, memory_gib;
    int gpus;
    const char *gpu_model;
    double gpu_memory_gib;
};

/* Builds a table with region "us-east-1" holding the real us-east-1 rates of
 * shared/docs/aws-price-list.md sections 7-9 (Lambda with its three x86 and Arm tiers, requests
 * and ephemeral storage; Fargate x86 and Arm with ephemeral storage), the `n_gpus` GPU
 * instance types given and 15 CPU instance types of the c, m and r families (testutil.c).
 * Provenance: source snapshot, origin "test fixture", Lambda and ECS published 2025-06-17 (version
 * 20250617), EC2 2025-06-13 (20250613). Returns a new table (the caller rates_unref()s it); fails
 * the running test when out of memory. */
struct rates;
struct rates *cf_test_rates(const struct cf_test_gpu *gpus, size_t n_gpus);

/* Adds Savings Plans rates to region "us-east-1" of a cf_test_rates() table, values no AWS file
 * has (testutil.c lists them): Compute 1-year No Upfront (Lambda, Fargate and two instance
 * types), Compute 3-year All Upfront (Lambda and Fargate only) and EC2 Instance 1-year No
 * Upfront (three instance types). Fails the running test when out of memory. */
void cf_test_savings(struct rates *r);

/* Adds the rest of the bill to region "us-east-1" of a cf_test_rates() table, at rates no AWS
 * file has, so that a test's figures can only come from these: an ALB, API Gateway HTTP (two
 * tiers, at 300 million) and REST (four, at 333 million, 1 billion and 20 billion) requests,
 * CloudWatch Logs, public IPv4 addresses and a NAT gateway. */
#define CF_TEST_ALB_HOUR    0.0311
#define CF_TEST_ALB_LCU     0.0077
#define CF_TEST_HTTP_API_1  0.00000111
#define CF_TEST_HTTP_API_2  0.00000099
#define CF_TEST_REST_API_1  0.00000361
#define CF_TEST_REST_API_2  0.00000291
#define CF_TEST_REST_API_3  0.00000247
#define CF_TEST_REST_API_4  0.00000161
#define CF_TEST_LOGS_INGEST 0.57
#define CF_TEST_LOGS_STORED 0.037
#define CF_TEST_IPV4_HOUR   0.0061
#define CF_TEST_NAT_HOUR    0.0517
#define CF_TEST_NAT_GB      0.0519
void cf_test_bill(struct rates *r);

/* Answers the JSON request `text` with core_compare() (`compare`) or core_advise() on `rates`
 * and `model`; fails the running test on bad JSON or any error. The caller frees the answer
 * with cf_answer_free(). */
struct cf_answer;
struct cf_answer *cf_test_answer(const char *text, bool compare, const struct rates *rates,
                                 const struct model *model);

/* Returns the process's peak resident size (VmHWM in /proc/self/status) in KiB, or -1. */
long cf_test_peak_rss_kb(void);

/* Runs a Check suite with TAP output and returns the process exit status. */
struct Suite;
int cf_test_run(struct Suite *s);

#endif
