/* vt_layout: one guest's virtual NUMA layout — vCPUs (present and
 * hot-pluggable) with their APIC IDs and topology ids, vnodes with their
 * proximity domain (guest_pxm), predicted Linux node id, host node (pnode,
 * host_pxm), memory and guest-physical ranges (boot and hot-pluggable),
 * generic initiators, distances, and the guest memory map. Planned once from
 * a host and a request (vt_plan); immutable; every guest-visible view (CPUID,
 * ACPI, E820, VMM configuration) is derived from it. */
#ifndef VTOPO_LAYOUT_H
#define VTOPO_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/bitmap.h"
#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VT_MAX_VCPUS 8192
/* What Linux accepts: a distribution kernel has 1024 nodes (MAX_NUMNODES,
 * NODES_SHIFT 10); more vnodes could never all be nodes of one guest. */
#define VT_MAX_VNODES 1024
/* Guest memory is split in whole granules of 2 MiB (x86 large pages). */
#define VT_MEM_GRANULE (UINT64_C(2) << 20)

enum vt_apic_encoding {
    VT_APIC_SDM,    /* per-level ceil(log2) fields, as QEMU and cloud-hypervisor */
    VT_APIC_XEN,    /* (vnode << fls(2*max_per_vnode - 1)) | (index_in_vnode * 2) */
    VT_APIC_LEGACY, /* vcpu * 2 */
};

enum vt_vendor {
    VT_VENDOR_INTEL,
    VT_VENDOR_AMD,
};

enum vt_mem_layout {
    VT_MEM_FLAT,     /* RAM from 0, no holes */
    VT_MEM_QEMU_PC,  /* QEMU i440fx: 640K-1M hole, below/above-4G split */
    VT_MEM_QEMU_Q35, /* QEMU q35 */
    VT_MEM_XEN_HVM,  /* libxl HVM: MMIO hole below 4 GiB */
    VT_MEM_E820,     /* a custom E820 file */
    VT_MEM_HOST,     /* host-shaped: the host's physical ranges of the vnodes' pnodes */
};

/* The largest E820 text vtopo reads (--mem-layout e820:FILE, vtopo check
 * --e820): a guest's map has tens of entries, a host's a few thousand. */
#define VT_E820_TEXT_MAX ((size_t)1 << 20)

/* E820 types (ACPI address range types). */
enum vt_e820_type {
    VT_E820_RAM = 1,
    VT_E820_RESERVED = 2,
    VT_E820_ACPI = 3,
    VT_E820_NVS = 4,
    VT_E820_UNUSABLE = 5,
    VT_E820_PMEM = 7,
};

struct vt_e820_entry {
    uint64_t start, end; /* [start, end) */
    uint32_t type;       /* enum vt_e820_type, or another type number */
};

/* sockets x dies per socket x cores per die x threads per core. */
struct vt_shape {
    unsigned sockets, dies, cores, threads;
};

/* The highest xAPIC ID: local APIC IDs are 8 bits and 255 is the broadcast
 * ID, so a CPU with an APIC ID above this needs x2APIC (an x2APIC MADT and
 * SRAT entry, interrupt remapping or the extended destination ID). */
#define VT_XAPIC_BROADCAST_ID 255u
#define VT_XAPIC_MAX_ID       (VT_XAPIC_BROADCAST_ID - 1)
/* The highest ACPI processor UID a local APIC MADT entry holds (one byte,
 * 255 kept out as for the APIC ID). */
#define VT_MADT_LAPIC_MAX_UID 254u

struct vt_vcpu {
    unsigned vcpu;    /* guest vCPU index (= ACPI processor UID) */
    uint32_t apic_id; /* x2APIC ID */
    unsigned vnode;
    unsigned package, die, core, thread; /* topology ids (die within package, ...) */
    int pcpu;                            /* pinned host CPU, or -1 */
};

struct vt_vnode {
    unsigned vnode;                /* dense 0..n-1 */
    uint32_t guest_pxm;            /* proximity domain in the guest's tables */
    int linux_node;                /* node id a Linux guest assigns (order of first appearance in
                                      the SRAT), or -1 for an empty vnode Linux makes no node of */
    int pnode;                     /* host node backing it, or -1 (no host binding) */
    uint32_t host_pxm;             /* that node's firmware PXM, VT_PXM_UNKNOWN if unknown */
    const struct vt_bitmap *vcpus; /* the vCPUs present at boot */
    uint64_t memory_bytes;         /* boot memory (in the E820) */
    const struct vt_mem_range *ranges; /* guest-physical, address order */
    size_t nranges;
    /* Hot-pluggable vCPUs (--max-vcpus): planned in this vnode, not present
     * at boot; vcpus above holds only the present ones. */
    const struct vt_bitmap *hotplug_vcpus;
    uint64_t hotplug_memory_bytes; /* --hotplug-memory (SRAT only, not in the E820) */
    size_t ninitiators;            /* generic initiators (--initiator) in this vnode */
    /* The host CPUs its unpinned vCPUs run on (their affinity: libvirt's
     * <vcpupin cpuset>, xl's cpus=, cloud-hypervisor's affinity), from
     * vnode_cpus or by default the housekeeping CPUs of its host node that
     * the pinned vCPUs leave (of the nearest such nodes when it has none);
     * NULL: any host CPU (vnode_cpus "any", no host node, or no unpinned
     * vCPU). */
    const struct vt_bitmap *float_cpus;
};

/* A generic initiator (SRAT type 5, PCI device handle): a device that
 * initiates memory accesses from the proximity domain of its vnode. */
struct vt_initiator {
    uint16_t segment; /* PCI segment (domain) */
    uint8_t bus;
    uint8_t devfn; /* device << 3 | function */
    unsigned vnode;
};

/* How a planned PCI device reaches the guest: the host device passed
 * through (vfio-pci), or an emulated model standing in for it (the guest
 * boots of `vtopo verify` use these where no device can be passed through). */
enum vt_device_model {
    VT_DEVICE_VFIO,
    VT_DEVICE_NVME,
    VT_DEVICE_VIRTIO_NET,
    VT_DEVICE_VIRTIO_BLK,
};

/* A PCI device planned into the guest: behind a root port of its vnode's
 * PCI expander bus (struct vt_pci_expander), whose _PXM is the vnode's
 * guest_pxm, so a Linux guest gives it the vnode's node (its numa_node and
 * local_cpulist). */
struct vt_device {
    char host_bdf[24]; /* the host device ("0000:3b:00.0") */
    int pnode;         /* the host device's node (numa_node), -1 when unknown */
    unsigned vnode;
    uint32_t guest_pxm; /* the vnode's */
    int linux_node;     /* the vnode's: the node a Linux guest gives the device */
    /* Host distance from the device's node to the vnode's host node (10:
     * local), 0 when either is unknown. */
    uint32_t distance;
    enum vt_device_model model;
    unsigned queues; /* the emulated model's queues; 0: the model's default (and vfio) */
    unsigned slot;   /* its root port: port `slot` of the vnode's expander */
    /* Where the guest finds it: bus (the root port's secondary bus), device
     * 0, function 0 in PCI segment 0 ("0000:41:00.0"); the root port is at
     * expander bus_nr, device slot, function 0. */
    uint8_t guest_bus;
    char guest_bdf[16];
    char root_port_bdf[16]; /* its root port's guest address ("0000:40:00.0") */
};

/* One vnode's PCI expander bus (QEMU pxb-pcie, libvirt pcie-expander-bus,
 * a cloud-hypervisor PCI segment): root bus bus_nr with `ports` root ports,
 * port k at bus_nr:k.0 with secondary bus bus_nr + 1 + k; its buses are
 * bus_nr to bus_nr + ports. Ports no device takes are spare, for hot-adding
 * a device on that node (an expander cannot be hot-added). */
/* Buses below this stay the main bus's (pcie.0 and its own root ports);
 * the expanders take the bus numbers from the top (255) down. */
#define VT_EXPANDER_FIRST_BUS 16
struct vt_pci_expander {
    unsigned vnode;
    uint8_t bus_nr;
    unsigned ports;
    unsigned segment; /* cloud-hypervisor's PCI segment: 1 + its index */
};

/* A hot-pluggable memory range: in the SRAT (hot-pluggable, enabled), not in
 * the E820 (nothing is there at boot). */
struct vt_hotplug_memory {
    uint64_t start, end; /* guest-physical [start, end) */
    unsigned vnode;
};

/* How APIC IDs are split into fields: ids >> core_shift is the core-level id,
 * >> die_shift the die-level id, >> pkg_shift the package id; >> llc_shift the
 * last-level cache domain (never wider than a vnode). */
struct vt_apic_fields {
    unsigned core_shift, die_shift, pkg_shift, llc_shift;
};

struct vt_request;
struct vt_layout;

/* ---- request --------------------------------------------------------- */

/*
 * A guest request, filled by typed setters; each setter validates its own
 * input and returns 0 or -EINVAL with a sentence naming the request field and
 * the rule (-ENOMEM when out of memory). vt_plan checks what needs the whole
 * request and the host. Each field is named after its setter (vcpus,
 * vcpu_vnodes, pins, ...: vt_request_field_name); a program that takes the
 * request from its own options (a command line, a config file) names the
 * fields its own way in every message with vt_request_name_fields.
 */
enum vt_request_field {
    VT_FIELD_VCPUS,
    VT_FIELD_MEMORY,
    VT_FIELD_VNODES,
    VT_FIELD_VCPU_VNODES,
    VT_FIELD_PINS,
    VT_FIELD_PIN_IDENTITY,
    VT_FIELD_VNODE_PNODES,
    VT_FIELD_VNODE_MEMORY,
    VT_FIELD_SHAPE,
    VT_FIELD_VENDOR,
    VT_FIELD_APIC,
    VT_FIELD_MEM_LAYOUT,
    VT_FIELD_ALLOW_PACKAGE_SPAN,
    VT_FIELD_GUEST_PXMS,
    VT_FIELD_DISTANCES,
    VT_FIELD_HMAT_LATENCY,
    VT_FIELD_HMAT_BANDWIDTH,
    VT_FIELD_MAX_VCPUS,
    VT_FIELD_INITIATORS,
    VT_FIELD_HOTPLUG_MEMORY,
    VT_FIELD_DEVICES,
    VT_FIELD_SPARE_SLOTS,
    VT_FIELD_STRICT_DEVICES,
    VT_FIELD_VNODE_CPUS,
    VT_FIELD_EMULATOR_CPUS,
    /* The host source's ACPI tables (struct vt_host_source, acpi_dir). */
    VT_FIELD_HOST_ACPI,
    /* The options of the QEMU emitter (struct vt_qemu_opts). */
    VT_FIELD_QEMU_NUMA,
    VT_FIELD_QEMU_HMAT,
    VT_FIELD_QEMU_MADT,
    VT_FIELD_COUNT
};

/* A request with every field unset (vendor intel, apic sdm, mem_layout
 * flat), or NULL when out of memory; free it with vt_request_free (NULL is
 * accepted). */
VT_API struct vt_request *vt_request_new(void);
VT_API void vt_request_free(struct vt_request *r);

/* The field's own name: "vcpus", "vcpu_vnodes", ...; "?" beyond the enum. */
VT_API const char *vt_request_field_name(enum vt_request_field f);
/* How messages about this request, and about layouts planned from it, name
 * the fields: names[f] for field f (VT_FIELD_COUNT entries, e.g. a CLI's
 * option names); NULL restores the field names. The table is not copied: it
 * must outlive the request and its layouts (a static table does). */
VT_API void vt_request_name_fields(struct vt_request *r, const char *const *names);

/* vCPUs present at boot, 1 to VT_MAX_VCPUS. */
VT_API int vt_request_set_vcpus(struct vt_request *r, unsigned vcpus, struct vt_err *err);
/* Guest memory in bytes: a non-zero multiple of VT_MEM_GRANULE. Optional
 * with VT_MEM_HOST and VT_MEM_E820 (the map's RAM). */
VT_API int vt_request_set_memory(struct vt_request *r, uint64_t bytes, struct vt_err *err);

/* Placement: exactly one of vnodes / vcpu_vnodes / pins / pin_identity. */
/* vnodes vnodes, the vCPUs split evenly (49 over 2: 25/24). 1 to
 * VT_MAX_VNODES. */
VT_API int vt_request_set_vnodes(struct vt_request *r, unsigned vnodes, struct vt_err *err);
/* The vnode of each vCPU: vnode_of_vcpu[i] for vCPU i (count entries, at
 * most VT_MAX_VCPUS), -1 for a vCPU left unassigned, vnodes up to
 * VT_MAX_VNODES - 1. vt_plan checks that every vCPU has one and that no vnode
 * number is skipped. */
VT_API int vt_request_set_vcpu_vnodes(struct vt_request *r, const int *vnode_of_vcpu, size_t count,
                                      struct vt_err *err);
/* The host CPU (pCPU) of each vCPU: pcpu_of_vcpu[i] for vCPU i (count
 * entries), -1 for an unpinned vCPU, pCPUs up to VT_CPU_ID_MAX; vnodes follow
 * the host nodes of the pinned pCPUs. */
VT_API int vt_request_set_pins(struct vt_request *r, const int *pcpu_of_vcpu, size_t count,
                               struct vt_err *err);
/* dom0: vCPU N on pCPU N, one vnode per spanned host node, guest_pxm =
 * host_pxm. */
VT_API int vt_request_set_pin_identity(struct vt_request *r, struct vt_err *err);

/* The pnode of each vnode (count entries, at most VT_MAX_VNODES, each up to
 * VT_NODE_ID_MAX). Default: spread nearest-first over nodes with CPUs and
 * memory. */
VT_API int vt_request_set_vnode_pnodes(struct vt_request *r, const unsigned *pnodes, size_t count,
                                       struct vt_err *err);
/* The memory of each vnode in bytes (count entries, each a multiple of
 * VT_MEM_GRANULE; the sum is the memory, vt_plan checks). */
VT_API int vt_request_set_vnode_memory(struct vt_request *r, const uint64_t *bytes, size_t count,
                                       struct vt_err *err);
/* The vCPU topology: sockets x dies x cores x threads = vCPUs; a field of 0
 * takes its default (1; cores: what makes the product). Each up to
 * VT_MAX_VCPUS. */
VT_API int vt_request_set_shape(struct vt_request *r, const struct vt_shape *shape,
                                struct vt_err *err);
/* Which CPUID leaves the guest gets (default intel). */
VT_API int vt_request_set_vendor(struct vt_request *r, enum vt_vendor vendor, struct vt_err *err);
/* How APIC IDs encode the topology (default sdm: QEMU's and
 * cloud-hypervisor's; xen: Xen's vNUMA; legacy: vcpu * 2). */
VT_API int vt_request_set_apic(struct vt_request *r, enum vt_apic_encoding encoding,
                               struct vt_err *err);
/* The guest memory map; e820_path (a file of E820 text) with VT_MEM_E820
 * only, and required there. */
VT_API int vt_request_set_mem_layout(struct vt_request *r, enum vt_mem_layout layout,
                                     const char *e820_path, struct vt_err *err);
/* Allow a package (socket) to span vnodes; the plan then warns what Linux does. */
VT_API void vt_request_allow_package_span(struct vt_request *r, bool allow);
/* The proximity domain (guest_pxm) of each vnode, in vnode order: distinct,
 * one per vnode (vt_plan checks the count), at most VT_MAX_VNODES. Default:
 * guest_pxm = vnode. Not with pin_identity, where guest_pxm is the host PXM. */
VT_API int vt_request_set_guest_pxms(struct vt_request *r, const uint32_t *pxms, size_t count,
                                     struct vt_err *err);
/*
 * Matrices are row-major, rows x cols values, each dimension 1 to
 * VT_MAX_VNODES, counted from 0.
 *
 * distances: the vnode-to-vnode distances (row = from vnode, column = to
 * vnode), replacing the derived ones; asymmetric allowed. Square, a row per
 * vnode (vt_plan checks the size), 10 on the diagonal, 11 to 254 elsewhere.
 */
VT_API int vt_request_set_distances(struct vt_request *r, const uint32_t *matrix, size_t rows,
                                    size_t cols, struct vt_err *err);
/*
 * HMAT access latency in ns and bandwidth in MB/s, replacing the values
 * derived from distances: a row per initiator (a vnode with vCPUs or generic
 * initiators), a column per target (a vnode with memory, hot-pluggable
 * included), both in vnode order (vt_plan checks the dimensions). Latencies
 * 1 to 4294967 ns, bandwidths 1 to 4294967295 MB/s, and one base unit (a
 * whole number of ns or MB/s) must represent every value of the matrix
 * exactly in the HMAT's 16-bit entries (up to 65534).
 */
VT_API int vt_request_set_hmat_latency(struct vt_request *r, const uint32_t *matrix, size_t rows,
                                       size_t cols, struct vt_err *err);
VT_API int vt_request_set_hmat_bandwidth(struct vt_request *r, const uint32_t *matrix, size_t rows,
                                         size_t cols, struct vt_err *err);
/*
 * Hot-pluggable vCPUs: max is the number of vCPUs the guest may ever have,
 * at least vcpus (vt_plan checks). vCPUs vcpus..max-1 are planned like the
 * present ones (placement, APIC IDs, topology, CPUID; vcpu_vnodes, pins and
 * shape count them) but are not present at boot. 1 to VT_MAX_VCPUS.
 */
VT_API int vt_request_set_max_vcpus(struct vt_request *r, unsigned max, struct vt_err *err);
/*
 * Generic initiators (PCI devices), added to those of earlier calls, all or
 * none: each device once, at most VT_MAX_INITIATORS in all. A vnode is a vnode
 * of the plan, or a new one holding only generic initiators: new vnodes are
 * numbered on from the placement's, without gaps (vt_plan checks).
 */
#define VT_MAX_INITIATORS 1024
VT_API int vt_request_add_initiators(struct vt_request *r, const struct vt_initiator *devices,
                                     size_t count, struct vt_err *err);
/*
 * Hot-pluggable memory, added to that of earlier calls, all or none: each
 * range a non-zero multiple of 128 MiB (Linux hot-adds memory in 128 MiB
 * blocks) for a vnode of the plan (vt_plan checks), at most
 * VT_MAX_HOTPLUG_RANGES in all. Each range starts at a 1 GiB boundary above
 * the guest's memory map, at or above 4 GiB (QEMU's device-memory region), in
 * the order given.
 */
#define VT_MAX_HOTPLUG_RANGES 1024
struct vt_hotplug_request {
    uint64_t bytes;
    unsigned vnode;
};
VT_API int vt_request_add_hotplug_memory(struct vt_request *r,
                                         const struct vt_hotplug_request *ranges, size_t count,
                                         struct vt_err *err);

/*
 * PCI devices of the host planned into the guest, added to those of earlier
 * calls, all or none: each host device once, at most VT_MAX_DEVICES in all.
 * vnode -1: the vnode whose host node is the device's (several: the one
 * with the fewest devices; none: the nearest by host distance, warned); a
 * device whose node the host does not know needs one. slot -1: the vnode's
 * next free root port; else that port (as a plan made again after removing
 * or adding a device keeps each device where it was). queues: for the
 * emulated models, 1 to VT_MAX_DEVICE_QUEUES; 0 the model's default. vt_plan
 * checks the host has each device and the vnode can hold one.
 */
#define VT_MAX_DEVICES       256
#define VT_MAX_DEVICE_QUEUES 1024
/* Root ports on one expander: a bus has 32 devices. */
#define VT_MAX_EXPANDER_PORTS 32
struct vt_device_request {
    const char *bdf; /* the host device, "DDDD:BB:DD.F" */
    int vnode;
    enum vt_device_model model;
    unsigned queues;
    int slot;
};
VT_API int vt_request_add_devices(struct vt_request *r, const struct vt_device_request *devices,
                                  size_t count, struct vt_err *err);
/* Spare root ports for hot-adding devices later: count 1, that many on every
 * vnode that can hold a device; else one entry per vnode. At most
 * VT_MAX_EXPANDER_PORTS - 1 each (vt_plan checks the ports fit). */
VT_API int vt_request_set_spare_slots(struct vt_request *r, const unsigned *per_vnode, size_t count,
                                      struct vt_err *err);
/* Refuse any device that would sit on a vnode whose host node is not the
 * device's (default: placed, and warned with the distance). */
VT_API void vt_request_set_strict_devices(struct vt_request *r, bool strict);
/*
 * The host CPUs each vnode's unpinned vCPUs run on (their affinity: the
 * VMM's per-vCPU pinning to a set), count 1 for every vnode or one entry
 * per vnode; a NULL entry is "any" (no affinity). Each set is non-empty,
 * CPUs up to VT_CPU_ID_MAX; vt_plan checks that they are online. Default
 * (not set): the housekeeping CPUs of the vnode's host node that the
 * guest's pinned vCPUs leave (vt_vnode.float_cpus).
 */
VT_API int vt_request_set_vnode_cpus(struct vt_request *r, const struct vt_bitmap *const *per_vnode,
                                     size_t count, struct vt_err *err);
/* Where the guest's VMM threads run (QEMU's emulator threads: libvirt's
 * <emulatorpin>): the VMM's default (no pinning unless vCPUs are pinned, then
 * auto), auto (vt_layout_emulator_cpus), none, or a list of host CPUs. */
enum vt_emulator_cpus {
    VT_EMULATOR_DEFAULT,
    VT_EMULATOR_AUTO,
    VT_EMULATOR_NONE,
    VT_EMULATOR_LIST,
};
/* cpus (non-empty) with VT_EMULATOR_LIST only; vt_plan checks that they
 * are online. */
VT_API int vt_request_set_emulator_cpus(struct vt_request *r, enum vt_emulator_cpus mode,
                                        const struct vt_bitmap *cpus, struct vt_err *err);

/*
 * The same fields from text, in the grammar of vtopo's command line
 * (vtopo-plan(1)): each parses its text and calls the typed setter, so the
 * messages name the field as that setter does.
 *   vcpu_vnodes   "0-24:0,25-48:1" (vCPU list ':' vnode, comma separated)
 *   pins          "0-15:0-15,16-31:32-47" (vCPU list ':' pCPU list of the
 *                 same size)
 *   vnode_pnodes  "0,1,1,2"          vnode_memory   "4G,4G,0,8G"
 *   shape         "sockets=2,dies=1,cores=3,threads=1" (any subset)
 *   vendor        "intel" | "amd"    apic  "sdm" | "xen" | "legacy"
 *   mem_layout    "flat" | "qemu-pc" | "qemu-q35" | "xen-hvm" | "host" |
 *                 "e820:FILE"
 *   guest_pxms    "0,2,5"
 *   matrices      rows separated by ';', values by ',' (blanks around a value
 *                 ignored): "10,20,30;20,10,25;30,25,10"
 *   initiators    "BDF@VNODE[,...]", BDF = SEGMENT:BUS:DEVICE.FUNCTION in
 *                 hex, 4, 2, 2 and 1 digits, e.g. "0000:00:04.0@1"
 *   hotplug_memory "SIZE@VNODE[,...]", e.g. "4G@1"
 *   device        one device: "BDF[@VNODE][,model=vfio|nvme|virtio-net|
 *                 virtio-blk][,queues=N][,slot=N]", e.g. "0000:3b:00.0@1"
 *   spare_slots   "N" (every vnode) or "N,N,..." (one per vnode)
 *   vnode_cpus    host CPU lists separated by ';', one (every vnode) or one
 *                 per vnode, each a list ("0-3,8") or "any": "0-3;8-11"
 *   emulator_cpus "auto" | "none" | a host CPU list: "0,11"
 */
VT_API int vt_request_parse_vcpu_vnodes(struct vt_request *r, const char *map, struct vt_err *err);
VT_API int vt_request_parse_pins(struct vt_request *r, const char *map, struct vt_err *err);
VT_API int vt_request_parse_vnode_pnodes(struct vt_request *r, const char *list,
                                         struct vt_err *err);
VT_API int vt_request_parse_vnode_memory(struct vt_request *r, const char *list,
                                         struct vt_err *err);
VT_API int vt_request_parse_shape(struct vt_request *r, const char *shape, struct vt_err *err);
VT_API int vt_request_parse_vendor(struct vt_request *r, const char *vendor, struct vt_err *err);
VT_API int vt_request_parse_apic(struct vt_request *r, const char *encoding, struct vt_err *err);
VT_API int vt_request_parse_mem_layout(struct vt_request *r, const char *layout,
                                       struct vt_err *err);
VT_API int vt_request_parse_guest_pxms(struct vt_request *r, const char *list, struct vt_err *err);
VT_API int vt_request_parse_distances(struct vt_request *r, const char *matrix, struct vt_err *err);
VT_API int vt_request_parse_hmat_latency(struct vt_request *r, const char *matrix,
                                         struct vt_err *err);
VT_API int vt_request_parse_hmat_bandwidth(struct vt_request *r, const char *matrix,
                                           struct vt_err *err);
VT_API int vt_request_parse_initiators(struct vt_request *r, const char *list, struct vt_err *err);
VT_API int vt_request_parse_hotplug_memory(struct vt_request *r, const char *list,
                                           struct vt_err *err);
VT_API int vt_request_parse_device(struct vt_request *r, const char *device, struct vt_err *err);
/* One device's text into *d (d->bdf points into bdf), without adding it:
 * for vt_layout_request_with_device. r (may be NULL) names the field. */
#define VT_DEVICE_SPEC_MAX 160
VT_API int vt_device_request_parse(const struct vt_request *r, const char *device,
                                   struct vt_device_request *d, char bdf[VT_DEVICE_SPEC_MAX],
                                   struct vt_err *err);
VT_API int vt_request_parse_spare_slots(struct vt_request *r, const char *list, struct vt_err *err);
VT_API int vt_request_parse_vnode_cpus(struct vt_request *r, const char *lists, struct vt_err *err);
/*
 * The request in that grammar, as one line of shell words: each field given,
 * as the request names it (vt_request_name_fields: a CLI's flags), then its
 * text (quoted for the shell unless it is all [A-Za-z0-9,.:=@_/+-]); the
 * flags (pin_identity, allow_package_span, strict_devices) alone, a device a
 * field each. Fields at their defaults (vendor not given, apic sdm,
 * mem_layout flat) are left out. Parsing it back gives the same request.
 * *text is malloc'd.
 */
VT_API int vt_request_format(const struct vt_request *r, char **text, struct vt_err *err);
VT_API int vt_request_parse_emulator_cpus(struct vt_request *r, const char *list,
                                          struct vt_err *err);

/* ---- planning -------------------------------------------------------- */

/* Plan a layout for request r on host h: the steps and what they guarantee
 * are in src/plan/plan.c and docs/plan-format.md. Every rejection is one
 * sentence naming the request field (as the request names its fields) and
 * the rule. The layout keeps no reference to h or r (only to the names table
 * of vt_request_name_fields). */
VT_API int vt_plan(const struct vt_host *h, const struct vt_request *r, struct vt_layout **out,
                   struct vt_err *err);
VT_API void vt_layout_free(struct vt_layout *l);
/* The request the layout was planned from (a copy the layout owns): what
 * plan.json records, and what vt_plan_dir_load plans again. */
VT_API const struct vt_request *vt_layout_request(const struct vt_layout *l);

/* The vCPUs present at boot, 0..count-1. */
VT_API size_t vt_layout_vcpu_count(const struct vt_layout *l);
VT_API const struct vt_vcpu *vt_layout_vcpu(const struct vt_layout *l, size_t vcpu);
/* The hot-pluggable vCPUs (--max-vcpus): the i-th is vCPU
 * vt_layout_vcpu_count(l) + i; NULL beyond the count. */
VT_API size_t vt_layout_hotplug_vcpu_count(const struct vt_layout *l);
VT_API const struct vt_vcpu *vt_layout_hotplug_vcpu(const struct vt_layout *l, size_t i);
/* Generic initiators, in the order given. */
VT_API size_t vt_layout_initiator_count(const struct vt_layout *l);
VT_API const struct vt_initiator *vt_layout_initiator(const struct vt_layout *l, size_t i);
/* Hot-pluggable memory ranges, in address order. */
VT_API size_t vt_layout_hotplug_memory_count(const struct vt_layout *l);
VT_API const struct vt_hotplug_memory *vt_layout_hotplug_memory(const struct vt_layout *l,
                                                                size_t i);
/* PCI devices, in the order requested, and the vnodes' expander buses, in
 * vnode order. */
VT_API size_t vt_layout_device_count(const struct vt_layout *l);
VT_API const struct vt_device *vt_layout_device(const struct vt_layout *l, size_t i);
VT_API size_t vt_layout_expander_count(const struct vt_layout *l);
VT_API const struct vt_pci_expander *vt_layout_expander(const struct vt_layout *l, size_t i);
/* The expander of vnode, or NULL when it has none. */
VT_API const struct vt_pci_expander *vt_layout_vnode_expander(const struct vt_layout *l,
                                                              unsigned vnode);
/*
 * Re-planning with one device fewer or more, every other fact kept: a new
 * request (the caller frees it) in which every device of l keeps its vnode
 * and root port and each expander its number of ports, so vt_plan on the
 * same host gives the same vCPUs, ranges, nodes, expanders and guest
 * addresses. Without: host_bdf's port becomes spare. With: the device takes
 * the lowest spare port of its vnode (dev->vnode, or by the device's host
 * node as vt_request_add_devices chooses among vnodes with a spare port);
 * -EINVAL when that vnode has no spare port (an expander cannot be added
 * to a running guest).
 */
VT_API int vt_layout_request_without_device(const struct vt_layout *l, const char *host_bdf,
                                            struct vt_request **out, struct vt_err *err);
VT_API int vt_layout_request_with_device(const struct vt_layout *l, const struct vt_host *h,
                                         const struct vt_device_request *dev,
                                         struct vt_request **out, struct vt_err *err);
VT_API size_t vt_layout_vnode_count(const struct vt_layout *l);
VT_API const struct vt_vnode *vt_layout_vnode(const struct vt_layout *l, size_t vnode);
/* Distance between two vnodes (10 on the diagonal). */
VT_API uint32_t vt_layout_distance(const struct vt_layout *l, unsigned vnode_from,
                                   unsigned vnode_to);
/* HMAT roles: an initiator is a vnode with vCPUs (present or hot-pluggable)
 * or generic initiators, a target a vnode with memory (present or
 * hot-pluggable). */
VT_API bool vt_layout_hmat_is_initiator(const struct vt_layout *l, unsigned vnode);
VT_API bool vt_layout_hmat_is_target(const struct vt_layout *l, unsigned vnode);
/*
 * HMAT access latency (ns) and bandwidth (MB/s) from an initiator vnode to a
 * target vnode: the request's matrices when given, else derived from the
 * distance d: latency = d x 10 ns, bandwidth = 512000 / d MB/s. 0 when
 * init_vnode is no initiator or target_vnode no target (the pair has no HMAT
 * entry).
 */
VT_API uint32_t vt_layout_hmat_latency(const struct vt_layout *l, unsigned init_vnode,
                                       unsigned target_vnode);
VT_API uint32_t vt_layout_hmat_bandwidth(const struct vt_layout *l, unsigned init_vnode,
                                         unsigned target_vnode);
VT_API const struct vt_shape *vt_layout_shape(const struct vt_layout *l);
VT_API const struct vt_apic_fields *vt_layout_apic_fields(const struct vt_layout *l);
VT_API enum vt_apic_encoding vt_layout_apic_encoding(const struct vt_layout *l);
VT_API enum vt_vendor vt_layout_vendor(const struct vt_layout *l);
VT_API enum vt_mem_layout vt_layout_mem_layout(const struct vt_layout *l);
VT_API uint64_t vt_layout_memory(const struct vt_layout *l);
/* The guest's memory map (E820), sorted, non-overlapping. */
VT_API size_t vt_layout_memory_map(const struct vt_layout *l, const struct vt_e820_entry **entries);
/*
 * The host CPUs for the guest's VMM threads (QEMU's emulator threads: all but
 * the vCPU and I/O threads; libvirt's <emulatorpin>) as emulator_cpus auto
 * picks them: the housekeeping CPUs of the host nodes that
 * hold the guest's memory or run its pinned vCPUs, minus the pinned vCPUs' CPUs; when the vCPUs
 * take all of those, every other housekeeping CPU. *out is a new bitmap the caller frees. -EINVAL
 * when the vCPUs are pinned to every housekeeping CPU. h is the host the plan was made on.
 */
VT_API int vt_layout_emulator_cpus(const struct vt_layout *l, const struct vt_host *h,
                                   struct vt_bitmap **out, struct vt_err *err);
/* Where the plan runs the VMM's own threads (libvirt's <emulatorpin>), by
 * the request's emulator_cpus: its list; auto (vt_layout_emulator_cpus);
 * none; by default auto when vCPUs are pinned (none, warned, when no CPU is
 * left) and none otherwise. NULL: none (the threads run anywhere). */
VT_API const struct vt_bitmap *vt_layout_emulator_pin(const struct vt_layout *l);
VT_API size_t vt_layout_warning_count(const struct vt_layout *l);
VT_API const char *vt_layout_warning(const struct vt_layout *l, size_t index);

/*
 * APIC IDs of every present vCPU in vCPU order, with capacity-query
 * semantics: with ids NULL or count 0, returns the number needed; with count
 * too small, returns -ENOBUFS and stores the number needed in *needed (if not
 * NULL); otherwise fills ids and returns the number written.
 */
VT_API long vt_layout_apic_ids(const struct vt_layout *l, uint32_t *ids, size_t count,
                               size_t *needed);

/* Cursor for sequential GPA lookups; zero-initialise before first use. */
struct vt_gpa_cursor {
    size_t hint;
};

/*
 * The vnode (and its pnode, -1 if unbound) whose guest-physical range (boot
 * or hot-pluggable memory) holds gpa: returns 0, or -ENOENT when gpa is in no
 * vnode's range. O(log n) in the number of ranges; with a cursor (may be
 * NULL), O(1) for an address in the same or the next range as the previous
 * lookup, as when populating guest memory in address order.
 */
VT_API int vt_layout_gpa_lookup(const struct vt_layout *l, uint64_t gpa,
                                struct vt_gpa_cursor *cursor, unsigned *vnode, int *pnode);

/* Names for enums ("sdm", "intel", "qemu-q35"). */
VT_API const char *vt_apic_encoding_name(enum vt_apic_encoding e);
VT_API const char *vt_vendor_name(enum vt_vendor v);
VT_API const char *vt_mem_layout_name(enum vt_mem_layout m);
/* "vfio", "nvme", "virtio-net", "virtio-blk". */
VT_API const char *vt_device_model_name(enum vt_device_model m);
/* An E820 type as Linux prints it ("usable", "ACPI NVS", "persistent (type 7)",
 * "type 9"); buf (at least 32 bytes) holds the numbered forms. */
VT_API const char *vt_e820_type_name(uint32_t type, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
