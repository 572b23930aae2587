/* vtopo error reporting: a negative errno-style code plus one human sentence. */
#ifndef VTOPO_ERR_H
#define VTOPO_ERR_H

#include <stddef.h>

#include "vtopo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of the message buffer, including the terminating NUL. */
#define VT_ERR_MSG_MAX 512

/*
 * Every fallible vtopo function returns 0 or a negative errno value and, when
 * given a non-NULL struct vt_err, fills it with that code and a sentence that
 * names the file, field or entry and the rule that was broken, e.g.
 * "srat.dat: entry 3 (x2APIC affinity): length 20, expected 24".
 */
struct vt_err {
    int code;                 /* 0 or a negative errno value */
    char msg[VT_ERR_MSG_MAX]; /* "" when code == 0 */
};

/* Reset to "no error". err may be NULL. */
VT_API void vt_err_clear(struct vt_err *err);

/* Record code (negative errno) and a printf-style message; returns code so a
 * caller can write `return vt_err_set(err, -EINVAL, "...")`. err may be NULL. */
VT_API int vt_err_set(struct vt_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend context ("file: ") to the message already recorded. err may be NULL. */
VT_API void vt_err_prefix(struct vt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
