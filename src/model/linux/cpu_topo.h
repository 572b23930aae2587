/* A model of how a Linux x86 guest (the 6.9+ topology code:
 * arch/x86/kernel/cpu/topology_common.c, topology_ext.c, topology_amd.c,
 * cacheinfo.c, and smpboot.c's sibling checks) turns one CPU's CPUID leaves
 * into topology ids (cpu_topo.c), written from reading that code; every
 * place where Linux would warn or log a firmware bug is an error here.
 *
 * What the model assumes: a leaf is available exactly when the list holds it
 * (the VMM's max basic/extended leaf covers it); AMD is family 0x17 model >=
 * 0x20 or later (Zen 2+: the LLC id comes from 0x8000001D; Zen 1 hardwires
 * apic_id >> 3 and older families the node); the APIC register and the MADT
 * hold the APIC ID the CPUID leaves report, which linux_topo_check_layout
 * compares with the layout's. */
#ifndef VT_MODEL_LINUX_CPU_TOPO_H
#define VT_MODEL_LINUX_CPU_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/cpuid.h"
#include "vtopo/err.h"
#include "vtopo/layout.h"

/* Linux's enum x86_topology_domains. */
enum lt_dom { LT_SMT, LT_CORE, LT_MODULE, LT_TILE, LT_DIE, LT_DIEGRP, LT_PKG, LT_NDOM };

#define LT_BAD_ID UINT32_MAX /* Linux's BAD_APICID for llc_id / l2c_id left unset */

struct linux_topo {
    uint32_t source;  /* leaf the domain shifts came from: 0x1f, 0x80000026, 0xb,
                       * 0x80000008 (AMD without TOPOEXT) or 0x4 (Intel legacy:
                       * leaf 4 EAX[31:26] + leaf 1 EBX[23:16]) */
    uint32_t apic_id; /* c->topo.initial_apicid after parsing */
    unsigned dom_shift[LT_NDOM], dom_ncpus[LT_NDOM];
    uint32_t pkg_id, die_id;                 /* apic_id >> shift of the level below */
    uint32_t core_id;                        /* package-relative: (apic & pkg mask) >> SMT shift */
    uint32_t smt_id;                         /* apic & SMT mask (Linux keeps no such field) */
    uint32_t llc_id, l2c_id;                 /* LT_BAD_ID when no cache leaf sets them */
    uint32_t amd_node_id, amd_nodes_per_pkg; /* 0 / 1 unless 0x8000001E says so */
    bool topoext;                            /* AMD: 0x80000001 ECX[22] */
};

/*
 * Decode one CPU's leaves as Linux does for a CPU of vendor v. Returns 0 and
 * fills *out, or a negative errno with a sentence in err for anything Linux
 * would reject, warn about or log as a firmware bug on this CPU alone (cross-
 * CPU checks are linux_topo_check_layout's).
 */
int linux_topo_decode(enum vt_vendor v, const struct vt_cpuid_leaf *leaves, size_t n,
                      struct linux_topo *out, struct vt_err *err);

/* The ids Linux 6.1 shows in /sys/devices/system/cpu/cpuN/topology/ for a
 * decoded CPU: physical_package_id, die_id (the die within the package on
 * Intel; on AMD the node id of leaf 0x8000001E, -1 without it) and core_id
 * (package-relative, the die bits included). */
struct linux_sysfs_ids {
    long long package, die, core;
};
void linux_topo_sysfs_ids(enum vt_vendor v, const struct linux_topo *t,
                          struct linux_sysfs_ids *ids);

#endif
