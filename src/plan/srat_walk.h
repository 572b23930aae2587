/* The entries of a layout's SRAT in table order (internal). */
#ifndef VT_PLAN_SRAT_WALK_H
#define VT_PLAN_SRAT_WALK_H

#include "format/acpi_parse.h"
#include "vtopo/err.h"
#include "vtopo/layout.h"

/* The SRAT's revision, and the offset of its first entry. */
#define SRAT_WALK_REVISION 3
#define SRAT_WALK_HEADER   48

#define VT_SRAT_X2APIC_ALL 1u /* x2APIC entries for every vCPU (vt_acpi_options) */
#define VT_SRAT_NUMBERING                                                                          \
    2u /* leave out processor entries that repeat the PXM of                                       \
          the processor entry before them: what Linux's                                            \
          numbering needs, without an entry per vCPU */
/* The SRAT vt_acpi_srat writes for a layout, entry by entry as srat_parse
 * reads them back from its bytes (offsets included): the one place the
 * table's order is decided (src/plan/srat_walk.c). how: VT_SRAT_* flags. The walk
 * calls fn for each entry in table order and stops at the first negative
 * return (out of memory: err set); srat_of_layout collects them. */
typedef int (*srat_visit)(const struct acpi_srat_entry *e, void *ctx);
int srat_walk_layout(const struct vt_layout *l, unsigned how, srat_visit fn, void *ctx,
                     struct vt_err *err);
int srat_of_layout(const struct vt_layout *l, unsigned how, struct acpi_srat *srat,
                   struct vt_err *err);

#endif
