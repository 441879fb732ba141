/*
 * fuzz_numfmt.c - differential libFuzzer target for numfmt_g() and numfmt_f() (src/core/numfmt.c)
 * against glibc's snprintf, which they replace on the answers' hot path.
 *
 * Input: 8 bytes of a double's bit pattern (any: NaN, infinities, subnormals included), then one
 * byte choosing the precision. Checked: the same bytes as snprintf's "%.*g" and "%.*f".
 */
#include <stdio.h>
#include <string.h>

#include "computefit/numfmt.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    double v;
    memcpy(&v, data, sizeof(v));
    int p = size > 8 ? data[8] % 18 : 15;
    char want[NUMFMT_MAX], got[NUMFMT_MAX];
    int n = snprintf(want, sizeof(want), "%.*g", p < 1 ? 1 : p, v);
    size_t len = numfmt_g(v, p, got);
    FUZZ_ASSERT(strcmp(want, got) == 0 && (size_t)n == len,
                "%%.%dg of %a: printf \"%s\", numfmt \"%s\"", p, v, want, got);
    n = snprintf(want, sizeof(want), "%.*f", p, v);
    if (n < NUMFMT_MAX) { /* longer texts are written with %.17g instead (numfmt.h) */
        len = numfmt_f(v, p, got);
        FUZZ_ASSERT(strcmp(want, got) == 0 && (size_t)n == len,
                    "%%.%df of %a: printf \"%s\", numfmt \"%s\"", p, v, want, got);
    }
    return 0;
}
