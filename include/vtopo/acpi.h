/* ACPI tables of a vt_layout: SRAT, SLIT, MADT and HMAT as byte buffers a
 * VMM places in guest memory (pure functions of the layout). */
#ifndef VTOPO_ACPI_H
#define VTOPO_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest ACPI table vtopo reads (a file, a sysfs table): the largest a
 * guest or host of 4096 nodes and 8192 CPUs needs is an HMAT with access,
 * read and write latency and bandwidth matrices, 6 x 4096 x 4096 x 2 bytes
 * (192 MiB); rounded up. */
#define VT_ACPI_TABLE_MAX ((size_t)256 << 20)

/* What goes into every table header and the choices an emitter offers. */
struct vt_acpi_options {
    char oem_id[7];       /* up to 6 characters, space padded */
    char oem_table_id[9]; /* up to 8 characters, space padded */
    uint32_t oem_revision;
    char creator_id[5]; /* up to 4 characters */
    uint32_t creator_revision;
    /* SRAT: x2APIC affinity entries for every vCPU, not only for APIC IDs >= 255. */
    bool srat_x2apic_all;
    /* MADT: only the processor entries, without the IO-APIC, the interrupt
     * source override and the NMI entries a whole MADT needs. */
    bool madt_cpus_only;
};

/* The defaults: OEM "VTOPO " / "VTOPO   " revision 1, creator "VTOP" 1. */
VT_API void vt_acpi_options_init(struct vt_acpi_options *o);

/*
 * Each emitter returns a malloc'd table in *data (length *len): the 36-byte
 * header with length and checksum filled in, then the body. o may be NULL for
 * the defaults. The layouts are docs/acpi-tables.md:
 *  SRAT (revision 3): a processor affinity entry per vCPU in vCPU order, the
 *   hot-pluggable ones after the present ones, all enabled — LAPIC (type 0)
 *   for APIC IDs < 255, x2APIC (type 2) otherwise — then a generic initiator
 *   affinity entry (type 5, PCI handle: segment, bus, devfn) per device in
 *   the order given, then a memory affinity entry per range in address order,
 *   the hot-pluggable ranges flagged hot-pluggable; guest_pxm of the vnode.
 *  SLIT (revision 1): indexed by guest_pxm, locality count = highest guest_pxm
 *   + 1; unused PXMs get 10 on the diagonal and 20 elsewhere.
 *  MADT (revision 5): local APIC address 0xfee00000, PCAT_COMPAT; a LAPIC
 *   (type 0) entry per vCPU with APIC ID < 255 and vCPU index < 255, x2APIC
 *   (type 9) otherwise — every vCPU x2APIC when one has an APIC ID < 255 but
 *   an index >= 255 (Linux ignores x2APIC entries below 255 next to LAPIC
 *   ones) — UID = vCPU index, present vCPUs enabled, hot-pluggable
 *   ones online-capable and not enabled; then IO-APIC, IRQ0->GSI2 override
 *   and NMI entries unless madt_cpus_only.
 *  HMAT (revision 2): memory proximity domain attributes for the targets,
 *   access latency and bandwidth matrices from the initiators to the targets
 *   (vt_layout_hmat_is_initiator / _is_target, vt_layout_hmat_latency /
 *   _bandwidth), each value an exact 16-bit entry times the smallest base
 *   unit that fits.
 */
VT_API int vt_acpi_srat(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                        size_t *len, struct vt_err *err);
VT_API int vt_acpi_slit(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                        size_t *len, struct vt_err *err);
VT_API int vt_acpi_madt(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                        size_t *len, struct vt_err *err);
VT_API int vt_acpi_hmat(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                        size_t *len, struct vt_err *err);
/* An SSDT giving each PCI expander's host bridge in QEMU's DSDT (\_SB.PCxx,
 * xx its bus number) the _PXM of its vnode: QEMU writes one only for its
 * own -numa nodes, so with our SRAT (QEMU's acpi mode) the guest learns a
 * device's node from this table. Scope(\_SB.PCxx) { Name(_PXM, pxm) } per
 * expander; -EINVAL when the plan has none. */
VT_API int vt_acpi_ssdt_pxm(const struct vt_layout *l, const struct vt_acpi_options *o,
                            uint8_t **data, size_t *len, struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
