/* Building a vt_strlist (internal). */
#ifndef VT_EMIT_STRLIST_H
#define VT_EMIT_STRLIST_H

#include "vtopo/vmm.h"

/* Append a printf-formatted string; -ENOMEM when out of memory. A NULL list
 * is accepted and ignored (for optional warning lists). */
int strlist_addf(struct vt_strlist *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
