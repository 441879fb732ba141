/*
 * jsoniter.h - iterating a borrowed, const jansson object.
 *
 * jansson 2.14's object iterators (json_object_foreach, json_object_iter*) take a non-const
 * json_t although they only read the object. Code that reads a const document (a parsed
 * request, an offer file, a rates file) drops the qualifier here, in one place, rather than
 * with a cast of its own that -Wcast-qual would flag. Nothing here may write through the
 * pointer.
 */
#ifndef COMPUTEFIT_JSONITER_H
#define COMPUTEFIT_JSONITER_H

#include <jansson.h>
#include <stdint.h>

/* Returns `j` without its const, for jansson's read-only iterator calls only. */
static inline json_t *jsoniter_unconst(const json_t *j)
{
    return (json_t *)(uintptr_t)j;
}

/* json_object_foreach() over a const object; `value` may be a const json_t *. */
#define jsoniter_object_foreach(object, key, value)                                                \
    json_object_foreach(jsoniter_unconst(object), key, value)

#endif
