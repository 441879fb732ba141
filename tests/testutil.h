/*
 * testutil.h - helpers shared by the Check test binaries.
 */
#ifndef COMPUTEFIT_TESTUTIL_H
#define COMPUTEFIT_TESTUTIL_H

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

/* Returns the process's peak resident size (VmHWM in /proc/self/status) in KiB, or -1. */
long cf_test_peak_rss_kb(void);

/* Runs a Check suite with TAP output and returns the process exit status. */
struct Suite;
int cf_test_run(struct Suite *s);

#endif
