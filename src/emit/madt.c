/* MADT of a layout: a processor entry per vCPU (UID = vCPU index), the
 * present ones enabled, the hot-pluggable ones online-capable, then what a
 * whole MADT needs (IO-APIC, IRQ0 override, NMIs). */
#include "format/acpi_table.h"

/* Revision 5 (ACPI 6.3): the first with the online-capable flag, which Linux
 * 5.18 to 6.3 read only from a MADT of revision 5 or more (later kernels:
 * from FADT 6.3). */
#define MADT_REVISION       5
#define LAPIC_ADDRESS       0xfee00000u
#define IOAPIC_ADDRESS      0xfec00000u
#define PCAT_COMPAT         1u
#define MADT_ENABLED        1u
#define MADT_ONLINE_CAPABLE 2u

/* One processor entry; returns whether it is an x2APIC entry. */
static bool cpu_entry(struct buf *b, const struct vt_vcpu *c, uint32_t flags, bool all_x2apic)
{
    /* The spec: APIC IDs below 255 use the local APIC structure (whose UID
     * is one byte), 255 and above the x2APIC structure. */
    if (c->apic_id <= VT_XAPIC_MAX_ID && c->vcpu <= VT_MADT_LAPIC_MAX_UID && !all_x2apic) {
        buf_le(b, 0, 1);
        buf_le(b, 8, 1);
        buf_le(b, c->vcpu, 1);
        buf_le(b, c->apic_id, 1);
        buf_le(b, flags, 4);
        return false;
    }
    buf_le(b, 9, 1);
    buf_le(b, 16, 1);
    buf_le(b, 0, 2);
    buf_le(b, c->apic_id, 4);
    buf_le(b, flags, 4);
    buf_le(b, c->vcpu, 4);
    return true;
}

int vt_acpi_madt(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                 size_t *len, struct vt_err *err)
{
    bool any_x2apic = false, all_x2apic = false;
    struct buf b;

    /* A vCPU with an APIC ID below 255 but a UID of 255 or more fits no
     * local APIC entry, and Linux (6.7+, "x86/acpi: Ignore invalid x2APIC
     * entries") ignores an x2APIC entry below 255 when the MADT has local
     * APIC entries: the CPU would be lost. Such a MADT lists every CPU as
     * x2APIC, which every Linux reads. */
    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++)
        all_x2apic |= vt_layout_vcpu(l, i)->apic_id <= VT_XAPIC_MAX_ID &&
                      vt_layout_vcpu(l, i)->vcpu > VT_MADT_LAPIC_MAX_UID;
    for (size_t i = 0; i < vt_layout_hotplug_vcpu_count(l); i++)
        all_x2apic |= vt_layout_hotplug_vcpu(l, i)->apic_id <= VT_XAPIC_MAX_ID &&
                      vt_layout_hotplug_vcpu(l, i)->vcpu > VT_MADT_LAPIC_MAX_UID;

    acpi_begin(&b, "APIC", MADT_REVISION, o);
    buf_le(&b, LAPIC_ADDRESS, 4);
    buf_le(&b, PCAT_COMPAT, 4);
    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++)
        any_x2apic |= cpu_entry(&b, vt_layout_vcpu(l, i), MADT_ENABLED, all_x2apic);
    /* Not enabled but online-capable: Linux counts them as possible CPUs to
     * hot-add (QEMU: "omitting non present CPU from MADT breaks hotplug"). */
    for (size_t i = 0; i < vt_layout_hotplug_vcpu_count(l); i++)
        any_x2apic |= cpu_entry(&b, vt_layout_hotplug_vcpu(l, i), MADT_ONLINE_CAPABLE, all_x2apic);
    if (!(o && o->madt_cpus_only)) {
        buf_le(&b, 1, 1); /* IO-APIC */
        buf_le(&b, 12, 1);
        buf_le(&b, 0, 1); /* IO-APIC id */
        buf_le(&b, 0, 1);
        buf_le(&b, IOAPIC_ADDRESS, 4);
        buf_le(&b, 0, 4); /* GSI base */
        buf_le(&b, 2, 1); /* interrupt source override: ISA IRQ0 -> GSI 2 */
        buf_le(&b, 10, 1);
        buf_le(&b, 0, 1); /* bus: ISA */
        buf_le(&b, 0, 1); /* source IRQ */
        buf_le(&b, 2, 4); /* GSI */
        buf_le(&b, 0, 2); /* flags: conforms to the bus */
        buf_le(&b, 4, 1); /* local APIC NMI, all processors, LINT1 */
        buf_le(&b, 6, 1);
        buf_le(&b, 0xff, 1);
        buf_le(&b, 0, 2);
        buf_le(&b, 1, 1);
        if (any_x2apic) {
            buf_le(&b, 10, 1); /* local x2APIC NMI, all processors, LINT1 */
            buf_le(&b, 12, 1);
            buf_le(&b, 0, 2);
            buf_le(&b, 0xffffffffu, 4);
            buf_le(&b, 1, 1);
            buf_le(&b, 0, 3);
        }
    }
    return acpi_end(&b, data, len, err);
}
