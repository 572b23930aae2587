/* CPUID: the topology-bearing leaves of each vCPU, derived from a vt_layout
 * (APIC IDs, shifts, vendor) so that a guest decoding them the way Linux does
 * finds exactly the layout's packages, dies, cores, threads and caches. */
#ifndef VTOPO_CPUID_H
#define VTOPO_CPUID_H

#include <stddef.h>
#include <stdint.h>

#include "vtopo/export.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest cpuid.txt vtopo reads (vtopo check --cpuid): 8192 vCPUs take
 * 7 MiB in vtopo's form, a dump of every leaf several times more. */
#define VT_CPUID_TEXT_MAX ((size_t)64 << 20)

struct vt_cpuid_leaf {
    uint32_t leaf, subleaf;
    uint32_t eax, ebx, ecx, edx;
};

/*
 * Every topology-bearing leaf of one vCPU, in (leaf, subleaf) order, with
 * capacity-query semantics: leaves NULL or count 0 returns the number needed;
 * count too small returns -ENOBUFS with the number needed in *needed; else
 * fills leaves and returns the number written. vcpu may be a present or a
 * hot-pluggable vCPU (up to vt_layout_vcpu_count + vt_layout_hotplug_vcpu_count
 * - 1): a VMM needs the leaves when it adds one. -EINVAL for a vCPU out of range
 * or a layout whose shifts break the contract in docs/cpuid.md (core_shift <=
 * llc_shift <= die or package shift, core_shift <= die_shift <= pkg_shift <= 31).
 * Intel: 0x1, 0x4 (L1d, L1i, L2, L3, then a null subleaf), 0xB and 0x1F (each
 * ending with an invalid subleaf). AMD: 0x1, 0xB, 0x80000001 (TOPOEXT),
 * 0x80000005, 0x80000006 (cache sizes), 0x80000008, 0x8000001D (each cache
 * level, then a null subleaf), 0x8000001E, 0x80000026 (ending with an invalid
 * subleaf). Only the bits docs/cpuid.md lists are ours; every other bit is 0
 * here and belongs to the VMM's CPU model (feature flags, family/model).
 */
VT_API long vt_layout_cpuid(const struct vt_layout *l, unsigned vcpu, struct vt_cpuid_leaf *leaves,
                            size_t count, size_t *needed);

/*
 * The leaves of every present vCPU as text (what `vtopo plan --cpuid` prints): '#'
 * header lines, then one line per (vCPU, leaf, subleaf):
 * "VCPU 0xLEAF 0xSUBLEAF 0xEAX 0xEBX 0xECX 0xEDX" (decimal vCPU, the rest
 * 0x%08x). *text is malloc'd; returns 0, -EINVAL as vt_layout_cpuid, or
 * -ENOMEM.
 */
VT_API int vt_cpuid_format(const struct vt_layout *l, char **text);

#ifdef __cplusplus
}
#endif

#endif
