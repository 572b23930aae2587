/* QEMU's x86 CPU slots, its own SRAT and its device-memory region
 * (qemu.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/vmm/qemu.h"

size_t qemu_slot_count(const struct vt_shape *s)
{
    return (size_t)s->sockets * s->dies * s->cores * s->threads;
}

size_t qemu_slot_of(const struct vt_shape *s, const struct qemu_topo_ids *ids)
{
    return (((size_t)ids->package * s->dies + ids->die) * s->cores + ids->core) * s->threads +
           ids->thread;
}

void qemu_slot_ids(const struct vt_shape *s, size_t slot, struct qemu_topo_ids *ids)
{
    ids->thread = (unsigned)(slot % s->threads);
    ids->core = (unsigned)(slot / s->threads % s->cores);
    ids->die = (unsigned)(slot / s->threads / s->cores % s->dies);
    ids->package = (unsigned)(slot / s->threads / s->cores / s->dies);
}

uint64_t qemu_device_memory_base(uint64_t end)
{
    uint64_t base = end > MEMMAP_4G ? end : MEMMAP_4G;

    return (base + QEMU_DEVICE_MEMORY_ALIGN - 1) / QEMU_DEVICE_MEMORY_ALIGN *
           QEMU_DEVICE_MEMORY_ALIGN;
}

uint64_t qemu_device_memory_end(uint64_t base, uint64_t bytes, size_t nslots)
{
    return base + bytes + nslots * QEMU_DEVICE_MEMORY_ALIGN;
}

int qemu_srat(const unsigned *slot_node, size_t nslots, const struct qemu_srat_range *ranges,
              size_t nranges, unsigned nnodes, uint64_t device_memory_start,
              uint64_t device_memory_end, struct acpi_srat *srat)
{
    bool device = device_memory_end > device_memory_start && nnodes;
    size_t n = 0;

    srat->revision = 3;
    srat->n = 0;
    if (!(srat->entries = calloc(nslots + nranges + 1, sizeof(*srat->entries))))
        return -ENOMEM;
    for (size_t i = 0; i < nslots; i++) {
        struct acpi_srat_entry *e = &srat->entries[n++];

        e->type = VT_SRAT_X2APIC;
        e->pxm = slot_node[i];
        e->flags = VT_SRAT_ENABLED;
    }
    for (size_t i = 0; i < nranges; i++) {
        struct acpi_srat_entry *e = &srat->entries[n++];

        e->type = VT_SRAT_MEMORY;
        e->pxm = ranges[i].node;
        e->flags = VT_SRAT_ENABLED;
        e->base = ranges[i].start;
        e->length_bytes = ranges[i].end - ranges[i].start;
    }
    if (device) {
        struct acpi_srat_entry *e = &srat->entries[n++];

        e->type = VT_SRAT_MEMORY;
        e->pxm = nnodes - 1;
        e->flags = VT_SRAT_ENABLED | VT_SRAT_MEM_HOTPLUGGABLE;
        e->base = device_memory_start;
        e->length_bytes = device_memory_end - device_memory_start;
    }
    srat->n = n;
    return 0;
}

void qemu_pxb_acpi_name(unsigned bus_nr, char name[5])
{
    snprintf(name, 5, "PC%02X", bus_nr & 0xff);
}
