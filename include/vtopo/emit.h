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

/* Write plan.json, cpuid.txt, e820.txt and the ACPI tables srat.dat,
 * slit.dat, madt.dat and hmat.dat (acpidump/acpixtract naming, default
 * options) into dir (created if missing); all files are renamed into place
 * together once every one is written. */
VT_API int vt_layout_write_dir(const struct vt_layout *l, const char *dir, struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
