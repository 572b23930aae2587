/* A byte size as words for a message ("2 GiB", "384 KiB"), in a buffer of the
 * caller's (internal). */
#ifndef VT_UTIL_SIZE_H
#define VT_UTIL_SIZE_H

#include <stdint.h>

#include "vtopo/size.h"

struct size_str {
    char s[40];
};

static inline const char *size_str(struct size_str *b, uint64_t bytes)
{
    vt_size_format(b->s, sizeof(b->s), bytes);
    return b->s;
}

#endif
