/* What the VMM emitters share (internal): QEMU's and cloud-hypervisor's CPU
 * slot numbering, and the checks and warnings of every QEMU-based view
 * (QEMU itself, libvirt). */
#ifndef VT_EMIT_VMM_COMMON_H
#define VT_EMIT_VMM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "model/vmm/qemu.h"
#include "plan/layout_query.h"
#include "vtopo/vmm.h"

/* The slot of a vCPU's topology ids (model/vmm/qemu.h, qemu_slot_of):
 * slots are numbered socket-major (socket, die, core, thread), as QEMU's
 * x86_topo_ids_from_idx and cloud-hypervisor's get_x2apic_id split a CPU
 * index. The slot count is qemu_slot_count(). */
size_t vmm_slot(const struct vt_shape *s, const struct vt_vcpu *c);

/* vCPU i of every planned one: the present ones, then the hot-pluggable. */
const struct vt_vcpu *vmm_any_vcpu(const struct vt_layout *l, size_t i);
size_t vmm_any_vcpu_count(const struct vt_layout *l);
/* The host CPUs vCPU c may run on, as a list into *list (malloc'd): its
 * pinned CPU, or its vnode's float_cpus; NULL when any. 0 or -ENOMEM. */
int vmm_vcpu_affinity(const struct vt_layout *l, const struct vt_vcpu *c, char **list);
/* The host CPUs of every slot (qemu_slot_count of them, in *n), into
 * *lists (malloc'd, NULL entries for any): a vCPU's slot its
 * vmm_vcpu_affinity, an empty slot (one a vCPU may be hot-added into) its
 * vnode's float_cpus (vmm_slot_vnodes). 0 or -ENOMEM; vmm_lists_free. */
int vmm_slot_affinity(const struct vt_layout *l, char ***lists, size_t *n);
void vmm_lists_free(char **lists, size_t n);

/* How many vCPUs sit in slots 0, 1, ... in vCPU order: vCPU i in slot i for
 * every i below the result. */
size_t vmm_prefix(const struct vt_layout *l);

/* The vnode of every slot, malloc'd (NULL when out of memory): a vCPU's slot
 * (present or hot-pluggable, --max-vcpus) has the vCPU's vnode, any other
 * empty slot that of the vCPU before it (or, before the first vCPU, of the
 * first vCPU), so a VMM that needs every slot in a node puts it next to its
 * neighbours. */
unsigned *vmm_slot_vnodes(const struct vt_layout *l);

/* The highest APIC ID of the planned vCPUs, hot-pluggable ones included. */
/* QEMU's device-memory region [*start, *end) for the plan's hot-pluggable
 * memory (native -numa: its own SRAT gives all of it to its last node as one
 * hot-pluggable range); false without hot-pluggable memory. */
bool vmm_qemu_device_memory(const struct vt_layout *l, uint64_t *start, uint64_t *end);
uint32_t vmm_max_apic_id(const struct vt_layout *l);

/* A VMM that gives CPU slot i the sdm APIC ID of its topology ids and
 * numbers vCPUs in slot order: the plan must use the sdm encoding, every
 * vCPU's ids must lie inside the shape, vCPU 0 must be in slot 0 and the
 * slots must ascend with the vCPU index. vmm names the VMM in messages. */
int vmm_check_slots(const struct vt_layout *l, const char *vmm, struct vt_err *err);

/* QEMU builds the guest memory map itself: the plan's memory layout must be
 * qemu-q35 or qemu-pc. */
int vmm_check_qemu_memmap(const struct vt_layout *l, const char *vmm, struct vt_err *err);

/* Guest PXMs 0..n-1 in vnode order. what says why ("QEMU's -numa node ids
 * are the guest PXMs"); the message says how to change the plan, and with
 * numa_acpi that emitting with QEMU's acpi mode is the other way out. */
int vmm_check_dense_pxm(const struct vt_layout *l, const char *what, bool numa_acpi,
                        struct vt_err *err);

/* With -numa, QEMU builds the SRAT itself (processor entries in CPU-slot
 * order, every slot, then memory in node order): Linux must number its nodes
 * as the plan's linux_node predicts. They differ when hot-pluggable vCPUs of
 * a vnode sit in slots before the present vCPUs of vnodes the plan numbers
 * first. vmm names the VMM; numa_acpi as for vmm_check_dense_pxm. */
int vmm_check_qemu_node_order(const struct vt_layout *l, const char *vmm, bool numa_acpi,
                              struct vt_err *err);

/* QEMU 7.2 (and cloud-hypervisor) share the L3 of CPUID leaf 4/0x8000001D
 * among the APIC IDs of one die: warn when the plan's LLC is narrower. */
int vmm_warn_llc_per_die(const struct vt_layout *l, const char *vmm, struct vt_strlist *w);

/* "emit with --numa acpi, which passes our SRAT, or " (flags as the layout's
 * request names them) when numa_acpi, else "". */
const char *vmm_numa_acpi_way(const struct vt_layout *l, bool numa_acpi, char *buf, size_t size);

/* x2APIC (an APIC ID above 254) needs interrupt remapping, which QEMU has
 * only on q35 (the intel-iommu device): refuse qemu-pc with it. */
int vmm_check_x2apic_machine(const struct vt_layout *l, const char *vmm, struct vt_err *err);

/* Warn when the plan has more CPU slots than QEMU 7.2's q35 machine takes
 * (QEMU_Q35_MAX_CPUS), with QEMU alone or under libvirt. */
int vmm_warn_machine_cpus(const struct vt_layout *l, struct vt_strlist *w);

/* The huge page size of a backing (2 MiB when not given). */
uint64_t vmm_hugepage_size(const struct vt_mem_backing *b);

/* A backing the VMM can build: huge pages of 2 MiB or 1 GiB (x86's), and
 * every vnode's memory a whole number of them. */
int vmm_check_backing(const struct vt_layout *l, const struct vt_mem_backing *b,
                      struct vt_err *err);

/* A CPU model with flags ("Skylake-Server,+pdpe1gb,-hle"): a name first, and
 * no vendor=, host-cache-info or l3-cache (the plan decides them). */
int vmm_cpu_model_check(const char *model, struct vt_err *err);

/* A planned device's name in VMM ids: its host BDF with ':' and '.' as '_'
 * ("0000_3b_00_0"), so ids (vt_dev_NAME, vt_drv_NAME) stay the same when
 * the plan is made again with a device more or fewer. */
#define VMM_DEVICE_NAME_MAX 32
void vmm_device_name(const struct vt_device *d, char name[VMM_DEVICE_NAME_MAX]);
/* The plan's device with this host BDF (any spelling bdf_normalize takes), or NULL. */
const struct vt_device *vmm_find_device(const struct vt_layout *l, const char *host_bdf);

#endif
