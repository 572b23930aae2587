/* Byte sizes in text: "64G", "512MiB", "1.5T", "4096". */
#ifndef VTOPO_SIZE_H
#define VTOPO_SIZE_H

#include <stddef.h>
#include <stdint.h>

#include "vtopo/err.h"
#include "vtopo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse a size: a decimal number with an optional fraction and an optional
 * unit B, K, M, G, T, P or E, each optionally followed by "B" or "iB" and in
 * either case. Every unit is binary (K = KiB = 1024), as in QEMU's -m and
 * numactl; a bare number is bytes. The result must be a whole number of bytes
 * that fits in 64 bits; "1.5K" is 1536, "0.3K" is rejected.
 */
VT_API int vt_size_parse(const char *text, uint64_t *bytes, struct vt_err *err);

/*
 * The same for a size a user gives a guest (vtopo's --memory, --vnode-memory,
 * --hotplug-memory, the synthetic spec's mem=): a number other than 0 needs
 * a unit, because a bare number is bytes here but MiB to QEMU's -m and xl's
 * memory=. "4096" is refused ("give a unit: 4096M, 4G"); "0" is 0.
 */
VT_API int vt_size_parse_unit(const char *text, uint64_t *bytes, struct vt_err *err);

/* Format exactly, in the largest binary unit that divides the value:
 * "64 GiB", "1536 MiB", "17 B". Returns snprintf's length. */
VT_API int vt_size_format(char *buf, size_t size, uint64_t bytes);

#ifdef __cplusplus
}
#endif

#endif
