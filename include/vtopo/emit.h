/* Emitters: text views of a vt_layout (pure functions of it). */
#ifndef VTOPO_EMIT_H
#define VTOPO_EMIT_H

#include <stdbool.h>

#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The layout as JSON (docs/plan-format.md), CPUID leaves included: *json is
 * malloc'd. */
VT_API int vt_layout_to_json(const struct vt_layout *l, char **json, struct vt_err *err);

/* The guest memory map in the kernel's boot-log form, one entry per line
 * ("BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable"). */
VT_API int vt_layout_e820_text(const struct vt_layout *l, char **text, struct vt_err *err);

/* Write plan.json, cpuid.txt and e820.txt into dir (created if missing), each
 * atomically; everything is rendered before anything is written. */
VT_API int vt_layout_write_dir(const struct vt_layout *l, const char *dir, struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
