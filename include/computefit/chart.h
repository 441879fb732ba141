/*
 * chart.h - the /compare answer as a picture for dashboards: a self-contained SVG.
 *
 * The chart is drawn from the JSON document that core_compare() returns, so the picture and the
 * JSON can never disagree, and drawing it needs no rates table, lock or I/O.
 */
#ifndef COMPUTEFIT_CHART_H
#define COMPUTEFIT_CHART_H

#include <jansson.h>
#include <stddef.h>

#include "computefit/error.h"

/* Renders `compare` (borrowed; the JSON answer of /compare) as a 600x400 SVG: monthly cost
 * against invocations per month, both on log scales, one line per option that is feasible
 * somewhere on the curve (broken where the curve holds null), a diamond at each break-even point
 * (an arrow at the edge for one outside the plotted rates), a dashed vertical line at the
 * requested rate, decade tick labels ("10k", "$1k"), a legend with each option's cost at the
 * requested rate, and a title that states the workload. A document in which no option is
 * feasible still gets axes, a legend and a sentence saying so, because that is an answer too.
 * Every text is XML-escaped and every number checked to be finite, so the output is well-formed
 * XML for any input document.
 * On success sets *ret_svg to a new malloc()ed NUL-terminated string (the caller free()s it) and
 * *ret_len to its length without the NUL, and returns 0. Returns CF_EINVAL when `compare` is not
 * an object with a "curve" array, CF_ENOMEM when out of memory, and CF_EINTERNAL should the SVG
 * outgrow its 256 KiB cap; fills *reterr (may be NULL) and leaves the outputs untouched. */
int chart_compare_svg(const json_t *compare, char **ret_svg, size_t *ret_len,
                      struct cf_error *reterr);

#endif
