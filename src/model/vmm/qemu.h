/* QEMU's x86 facts, each in one place (internal): its CPU slots and their
 * topology ids, the SRAT it builds itself from -numa options, and its
 * device-memory region. Plain data in and out; the emitters and the planner
 * map their layouts onto these. Sources: hw/i386/x86-common.c
 * (x86_topo_ids_from_idx), hw/i386/acpi-build.c (build_srat), hw/i386/pc.c
 * (pc_memory_init, pc_get_device_memory_range). */
#ifndef VT_MODEL_VMM_QEMU_H
#define VT_MODEL_VMM_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/acpi_parse.h"
#include "model/vmm/memmap.h"
#include "vtopo/err.h"
#include "vtopo/layout.h"

/* A CPU slot's topology ids. */
struct qemu_topo_ids {
    unsigned package, die, core, thread;
};

/* CPU slots of a shape: QEMU's maxcpus, sockets x dies x cores x threads. */
size_t qemu_slot_count(const struct vt_shape *s);
/* The slot (QEMU's CPU index, libvirt's vcpu id) of a CPU with these ids, and
 * the inverse, x86_topo_ids_from_idx(). */
size_t qemu_slot_of(const struct vt_shape *s, const struct qemu_topo_ids *ids);
void qemu_slot_ids(const struct vt_shape *s, size_t slot, struct qemu_topo_ids *ids);

/* QEMU's device-memory region (DIMMs, virtio-mem): it begins at the first
 * 1 GiB boundary at or above both 4 GiB and the end of RAM, and it is the
 * slots' bytes plus 1 GiB of alignment per slot (pc_memory_init,
 * pc_get_device_memory_range); the planner puts each hot-pluggable range at
 * the next such boundary (qemu_device_memory_base of the previous end). */
#define QEMU_DEVICE_MEMORY_ALIGN (UINT64_C(1) << 30)
uint64_t qemu_device_memory_base(uint64_t end);
/* The end of the region from base for nslots slots of bytes in all. */
uint64_t qemu_device_memory_end(uint64_t base, uint64_t bytes, size_t nslots);
/* ACPI_MAX_RAM_SLOTS (include/hw/acpi/acpi.h): QEMU refuses -m slots= above it
 * ("unsupported amount of memory slots"). */
#define QEMU_MAX_RAM_SLOTS 256
/* QEMU 7.2's machines take at most this many CPUs (-smp maxcpus), measured:
 * "Invalid SMP CPUs 300. The max CPUs supported by machine 'pc-q35-7.2' is
 * 288", and 255 for 'pc-i440fx-7.2'; later QEMU versions raise q35's. */
#define QEMU_Q35_MAX_CPUS 288
/* hw/i386/acpi-build.c build_dsdt keeps an expander bus's numa_node in a
 * uint8_t: the highest node a pxb-pcie's _PXM can name. */
#define QEMU_MAX_PXB_NODE 255
/* The ACPI name of an expander bus's host bridge in QEMU's DSDT
 * (build_dsdt: aml_device("PC%.02X", bus_num)): "PCFD" for bus 0xfd, under
 * \_SB; with -numa it holds _PXM = numa_node, without none. */
void qemu_pxb_acpi_name(unsigned bus_nr, char name[5]);

/* QEMU's emulated NVMe controller (hw/nvme/ctrl.c): max_ioqpairs defaults
 * to 64 I/O queue pairs, msix_qsize to a 65-entry MSI-X table (the admin
 * queue's vector and one per I/O queue). */
#define QEMU_NVME_MAX_IOQPAIRS 64
#define QEMU_NVME_MSIX_QSIZE   65

/* One node's memory as QEMU's SRAT lists it: [start, end). */
struct qemu_srat_range {
    uint64_t start, end;
    unsigned node;
};

/*
 * The SRAT QEMU builds from -numa options (build_srat), as far as Linux's
 * node numbering reads it (model/linux/numa.h): a processor entry per CPU
 * slot in slot order, hot-pluggable slots included (enabled: QEMU lists every
 * possible CPU), with the node of the slot (slot_node[i]); then the memory
 * ranges in the order given (node order, as QEMU walks its nodes); then,
 * when device_memory_end > device_memory_start, one hot-pluggable entry over
 * the device-memory region in the last node. PXM = node id. APIC IDs are not
 * filled in (the numbering does not read them). srat->entries is malloc'd;
 * 0 or -ENOMEM.
 */
int qemu_srat(const unsigned *slot_node, size_t nslots, const struct qemu_srat_range *ranges,
              size_t nranges, unsigned nnodes, uint64_t device_memory_start,
              uint64_t device_memory_end, struct acpi_srat *srat);

#endif
