/* VMM configuration views of a vt_layout: the arguments or configuration that
 * make QEMU, libvirt, xl (Xen) or cloud-hypervisor build the planned guest.
 * Pure functions of the layout and the options; docs/vmm-config.md. */
#ifndef VTOPO_VMM_H
#define VTOPO_VMM_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A list of malloc'd strings: command-line arguments, or warnings. */
struct vt_strlist {
    char **items;
    size_t count;
};

/* Free the strings and the array; the list is left empty. */
VT_API void vt_strlist_free(struct vt_strlist *s);
/* Append a copy of str (NULL appends a NULL item, e.g. an argv terminator);
 * 0 or -ENOMEM. */
VT_API int vt_strlist_add(struct vt_strlist *s, const char *str);

/* The VMM's CPU slot of a vCPU (present or hot-pluggable): its CPU index in
 * QEMU (`info numa`, `-numa cpu`), its `vcpu id` in libvirt and its place in
 * cloud-hypervisor's topology, numbered socket-major from the plan's shape;
 * it differs from the vCPU number where a vnode's vCPUs do not fill their
 * sockets (2+3 vCPUs in 2 sockets of 3: vCPUs 2-4 are slots 3-5). -1 when
 * the plan's APIC IDs are not the slots' (the xen and legacy encodings) or
 * vcpu is beyond the plan. */
VT_API long vt_layout_vmm_slot(const struct vt_layout *l, unsigned vcpu);

/* How the guest's memory is backed on the host, in every VMM that can say:
 * QEMU's memory backend objects, libvirt's <memoryBacking>,
 * cloud-hypervisor's memory zones (Xen allocates from its own heap). */
enum vt_mem_backend {
    VT_MEM_BACKEND_RAM,   /* anonymous private memory (the default) */
    VT_MEM_BACKEND_MEMFD, /* a shared memfd: vhost-user devices need shared memory */
    /* a shared memfd of huge pages from the host's pool (reserved
     * beforehand); every vnode's memory a whole number of pages */
    VT_MEM_BACKEND_HUGEPAGES,
};

struct vt_mem_backing {
    enum vt_mem_backend kind;
    /* VT_MEM_BACKEND_HUGEPAGES: the page size, 2 MiB or 1 GiB (0: 2 MiB). */
    uint64_t hugepage_size;
};

/* How QEMU learns the NUMA layout. */
enum vt_qemu_numa {
    /* -numa node/cpu/dist: QEMU builds its own SRAT and SLIT. Needs guest
     * PXMs 0..n-1 (QEMU's node ids are the PXMs). */
    VT_QEMU_NUMA_NATIVE,
    /* -acpitable file=: our srat.dat, slit.dat (and hmat.dat, madt.dat) as
     * written by vt_layout_write_dir; QEMU builds no SRAT without -numa, so
     * ours is the one the guest uses. */
    VT_QEMU_NUMA_ACPI,
};

/* QEMU's -acpitable takes a table of at most 65535 bytes ("ACPI table too
 * big", hw/acpi/core.c acpi_table_add): vt_emit_qemu refuses a plan whose
 * tables exceed it in the acpi mode. */
#define VT_QEMU_ACPITABLE_MAX 65535u

struct vt_qemu_opts {
    enum vt_qemu_numa numa;
    /* VT_QEMU_NUMA_ACPI: the directory holding the tables (NULL = "."). */
    const char *tables_dir;
    /* VT_QEMU_NUMA_ACPI: add hmat.dat. */
    bool hmat;
    /* VT_QEMU_NUMA_ACPI: add madt.dat; QEMU still builds its own MADT, so the
     * guest kernel needs acpi_apic_instance=2 to use ours. */
    bool madt;
    /* VT_QEMU_NUMA_NATIVE: back each vnode that has a pnode with
     * host-nodes=<pnode>,policy=bind. */
    bool bind;
    /* The -cpu model (NULL = "max"), with flags if wanted
     * ("Skylake-Server,+pdpe1gb,-hle"); the plan's vendor is added to it.
     * vendor=, host-cache-info and l3-cache are refused: the plan decides
     * them. */
    const char *cpu_model;
    /* VT_QEMU_NUMA_NATIVE: each vnode's memory backend object:
     * memory-backend-ram, or memory-backend-memfd with share=on (and
     * hugetlb=on,hugetlbsize= for huge pages). */
    struct vt_mem_backing backing;
    /* The plan's PCI devices as test boots can have them without the host's
     * devices (vtopo verify): a passed-through device becomes an emulated
     * NVMe controller at the same guest address, a virtio-blk disk gets a
     * null block device (null-co). */
    bool device_stand_ins;
};

/*
 * QEMU arguments for the layout: -machine (q35 or pc, from the plan's memory
 * layout, which must be qemu-q35 or qemu-pc), -cpu, -smp with the plan's
 * shape (sockets, dies, cores, threads, maxcpus), -device for vCPUs QEMU's
 * -smp prefix cannot place, -m, and the NUMA options of o->numa. The plan
 * must use the sdm APIC encoding (QEMU's). Every argument is one string
 * ("-smp", "6,sockets=2,..."). Warnings (what QEMU 7.2 presents differently
 * from the plan, e.g. its L3 cache spanning a die with several vnodes) are
 * appended to *warnings when it is not NULL.
 */
VT_API int vt_emit_qemu(const struct vt_layout *l, const struct vt_qemu_opts *o,
                        struct vt_strlist *args, struct vt_strlist *warnings, struct vt_err *err);

/*
 * Linux kernel parameters the guest needs under QEMU with these options, as
 * one space-separated string (possibly empty, malloc'd): acpi_apic_instance=2
 * when o->madt, and, when tcg is true, possible_cpus=9 for guests of at most
 * 8 possible CPUs (with o->madt the plan's vCPUs, hot-pluggable ones
 * included; else every CPU slot) with APIC-ID holes — QEMU 7.2's TCG APIC stops delivering
 * logical-destination IPIs at the first unused APIC ID, which hangs Linux's
 * default flat (logical) mode; more than 8 possible CPUs switch Linux to
 * physical flat mode.
 */
/*
 * The QMP commands (one JSON object a string) that hot-add (add) or
 * hot-remove the plan's device host_bdf in a running guest booted from a
 * plan with the same expanders (vt_layout_request_with_device / _without
 * keep them): device_add into the device's spare root port (with a
 * blockdev-add first for a virtio-blk disk: a null one with
 * device_stand_ins, else a file the caller names DISK), or device_del of
 * its id. -EINVAL when the plan has no such device.
 */
VT_API int vt_emit_qemu_hotplug(const struct vt_layout *l, const struct vt_qemu_opts *o,
                                const char *host_bdf, bool add, struct vt_strlist *qmp,
                                struct vt_err *err);
VT_API int vt_emit_qemu_kernel_params(const struct vt_layout *l, const struct vt_qemu_opts *o,
                                      bool tcg, char **params, struct vt_err *err);

/*
 * The VMM views below, like vt_emit_qemu, return 0 or a negative errno with
 * err set and the outputs untouched: -EINVAL, with one sentence naming the
 * rule and the plan option to change, when the VMM cannot build the plan
 * (docs/vmm-config.md lists every case); -ENOMEM. Warnings (what the VMM
 * presents differently from the plan) are appended to *warnings when it is
 * not NULL.
 */

/* cloud-hypervisor arguments: --cpus (boot, max, topology, affinity of pinned
 * vCPUs), --memory size=0 with one --memory-zone per vnode with memory
 * (host_numa_node= its pnode), and --numa per vnode (guest_numa_id, cpus,
 * distances, memory_zones). Needs the sdm encoding, the plan's vCPUs in the
 * shape's first slots, at most 2 threads per core, guest PXMs 0..n-1, no
 * generic initiators and no hot-pluggable memory. */
struct vt_chv_opts {
    /* Each memory zone's backing: shared=on, and hugepages=on,hugepage_size=
     * for huge pages. */
    struct vt_mem_backing backing;
};

VT_API int vt_emit_cloud_hypervisor(const struct vt_layout *l, const struct vt_chv_opts *o,
                                    struct vt_strlist *args, struct vt_strlist *warnings,
                                    struct vt_err *err);
/* ch-remote's arguments, one a string, that hot-add (add-device,
 * add-net, add-disk with the device's segment and id) or hot-remove
 * (remove-device ID) the plan's device host_bdf. */
VT_API int vt_emit_cloud_hypervisor_hotplug(const struct vt_layout *l, const char *host_bdf,
                                            bool add, struct vt_strlist *args, struct vt_err *err);

struct vt_libvirt_opts {
    /* A whole <domain> that `virsh define` takes (name, os, features,
     * devices with the emulator and a serial console; the disks and NICs
     * are the user's), instead of the fragment to paste into one. */
    bool domain;
    /* domain: its <name> (NULL: "vtopo-guest") and <emulator> (NULL:
     * "/usr/bin/qemu-system-x86_64"). */
    const char *name;
    const char *emulator;
    /* The CPU, as vt_qemu_opts.cpu_model: NULL or "max" (mode='maximum'),
     * "host" (host-passthrough), "host-model", or a QEMU model
     * (mode='custom', the plan's vendor as its vendor_id); flags +f/-f or
     * f=on/f=off become <feature policy='require'/'disable'>. */
    const char *cpu_model;
    /* <memoryBacking>: memfd with <access mode='shared'/>, hugepages with
     * <page size=>. */
    struct vt_mem_backing backing;
    /* <emulatorpin cpuset=>: the host CPUs QEMU's emulator threads (all
     * but the vCPU and I/O threads) run on; NULL: the plan's
     * (vt_layout_emulator_pin; none when it has none). */
    const struct vt_bitmap *emulator_cpus;
};

/* libvirt domain XML, malloc'd: a fragment (<memory>, <memoryBacking>,
 * <vcpu> and <vcpus>, <cputune> with <vcpupin> and <emulatorpin>,
 * <numatune>, <cpu> with its mode, <topology> and <numa>) or, with
 * o->domain, a whole domain. o NULL: a fragment with the defaults. libvirt
 * drives QEMU: vt_emit_qemu's rules (native NUMA) hold, every vnode needs
 * memory, and there is no hot-pluggable memory. */
VT_API int vt_emit_libvirt(const struct vt_layout *l, const struct vt_libvirt_opts *o, char **xml,
                           struct vt_strlist *warnings, struct vt_err *err);

/* xl.cfg lines of an HVM guest (type, vcpus = present / maxvcpus = present
 * and hot-pluggable vCPUs, memory/maxmem, vga, vnuma = [...] with every
 * vnode's vCPUs, hot-pluggable ones included, cpus = [...] for pinned vCPUs),
 * malloc'd. Needs the xen or legacy encoding, the xen-hvm memory layout, at
 * most 128 vCPUs (hot-pluggable ones included) with APIC IDs below 255, at
 * most 32 vnodes, each with a pnode and vCPUs, no generic initiators and no
 * hot-pluggable memory. */
VT_API int vt_emit_xl(const struct vt_layout *l, char **cfg, struct vt_strlist *warnings,
                      struct vt_err *err);

/* Xen's boot options for a dom0 built as the plan (one line, malloc'd, for
 * GRUB_CMDLINE_XEN_DEFAULT or Xen's multiboot line): dom0=pvh (a PV dom0 gets
 * no ACPI NUMA tables), dom0_max_vcpus=N, dom0_vcpus_pin,
 * dom0_mem=SIZE,max:SIZE and, when the plan uses some of the host's nodes,
 * dom0_nodes= their ACPI PXMs (Xen takes PXMs there, not node ids). Xen puts
 * dom0's vCPU i on the i-th online CPU of those nodes, so the plan must pin
 * every vCPU there (--pin-identity on a host numbered in node order), use
 * the host memory layout and the xen or legacy encoding, and have no
 * hot-pluggable vCPUs or memory and no generic initiators. h is the host the
 * plan was made on, as Xen numbers it. */
VT_API int vt_emit_xen_dom0(const struct vt_layout *l, const struct vt_host *h, char **options,
                            struct vt_strlist *warnings, struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
