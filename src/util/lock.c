/*
 * lock.c - aborting on a failed lock call (see lock.h).
 */
#include "computefit/lock.h"

#include <stdio.h>
#include <stdlib.h>

void lock_check(int r, const char *what)
{
    if (r == 0)
        return;
    fprintf(stderr, "computefit: %s failed (%d)\n", what ? what : "a lock call", r);
    abort();
}
