/* What a Linux x86 guest does with an SRAT (internal): whether it is used,
 * and the node numbering it produces (drivers/acpi/numa/srat.c,
 * arch/x86/mm/srat.c, mm/numa_memblks.c). One implementation for the host
 * model's PXM recovery, for `vtopo check` and for the planner's linux_node
 * prediction. */
#ifndef VT_MODEL_LINUX_NUMA_H
#define VT_MODEL_LINUX_NUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/acpi_parse.h"
#include "vtopo/bitmap.h"

/*
 * The kernel modelled is a distribution's x86-64 kernel (Debian, Ubuntu,
 * RHEL and SUSE build with CONFIG_MAXSMP, NODES_SHIFT 10): MAX_NUMNODES is
 * 1024, and MAX_PXM_DOMAINS (include/acpi/acpi_numa.h: 256, or MAX_NUMNODES
 * when that is larger) is 1024 too. A PXM at or above it, or a PXM beyond the
 * first 1024 distinct ones, gets no node ("SRAT: Too many proximity
 * domains"). Seen in Debian's 6.1 cloud kernel: PXM 300 -> Node 1.
 * A kernel built with NODES_SHIFT below 9 (upstream's x86-64 default is 6:
 * 64 nodes) keeps MAX_PXM_DOMAINS at 256: VT_LINUX_SMALL_MAX_PXM.
 */
#define VT_LINUX_MAX_NUMNODES  1024u
#define VT_LINUX_MAX_PXM       VT_LINUX_MAX_NUMNODES
#define VT_LINUX_SMALL_MAX_PXM 256u

struct linux_numa {
    uint32_t pxm[VT_LINUX_MAX_PXM];    /* PXM of Linux node i */
    int16_t node_of[VT_LINUX_MAX_PXM]; /* Linux node of PXM p, or -1 */
    size_t nnodes;
    bool srat_used;
    char why[192];     /* when !srat_used: the rule broken */
    size_t bad_offset; /* the entry that broke it, or SIZE_MAX */
    /* The generic-initiator entry that ended the first pass (index in
     * srat->entries, SIZE_MAX if none) and how many processor and GI entries
     * after it Linux therefore never read. */
    size_t gi_error;
    size_t gi_skipped;
};

/*
 * The order in which acpi_numa_init() (drivers/acpi/numa/srat.c) maps PXMs to
 * nodes: one pass over the processor entries (LAPIC, x2APIC, GICC) and the
 * generic initiator entries together, in table order
 * (acpi_table_parse_entries_array), then a pass over the memory entries.
 * Disabled processor and memory entries are skipped. A generic initiator
 * that is disabled or has a PXM of VT_LINUX_MAX_PXM or more makes its
 * handler fail, and
 * acpi_parse_entries_array() calls no handler after a failure: the first
 * pass ends there. Writes the indexes (into srat->entries) of the entries
 * Linux maps a PXM for, in that order, into order (room for srat->n) and
 * returns their count; *gi_error is the index of the generic initiator that
 * ended the first pass, or SIZE_MAX.
 */
size_t linux_srat_order(const struct acpi_srat *srat, size_t *order, size_t *gi_error);

/*
 * Linux's numbering rule: a PXM gets the next node id the first time it is
 * met in linux_srat_order's order. Writes the indexes of those first
 * sightings, in that order, into first (room for srat->n) and returns their
 * count (SIZE_MAX when out of memory); gi_error as for linux_srat_order.
 * Node k is the PXM of first[k] when Linux uses the SRAT; the planner also
 * numbers a table Linux drops this way (the numbering it would have given).
 */
size_t linux_srat_first_seen(const struct acpi_srat *srat, size_t *first, size_t *gi_error);
/*
 * Replay acpi_numa_init() in linux_srat_order's order; a PXM gets the
 * next node id the first time it is seen. Linux does not use the SRAT
 * (bad_srat or -ENOENT) when a processor or memory entry has a PXM that gets
 * no node (VT_LINUX_MAX_PXM or more, or beyond VT_LINUX_MAX_NUMNODES distinct
 * ones), when no enabled memory entry exists, or when memory ranges of
 * different PXMs overlap.
 */
void linux_srat(const struct acpi_srat *srat, struct linux_numa *out);
/* Whether Linux brings a node online at boot: it has CPUs present at boot,
 * RAM, or a generic initiator (init_gi_nodes()). A node whose CPUs or memory
 * are all hot-pluggable is a possible node, offline until one is added: seen
 * in Debian's 6.1 cloud kernel, which logs "Initializing node 1 as
 * memoryless" for a node of hot-pluggable vCPUs (init_cpu_to_node()) and
 * still lists only node 0 in /sys/devices/system/node/online (guest case
 * hotplug-cpu-only-vnode). */
bool linux_node_online_at_boot(bool present_cpus, bool ram, bool generic_initiators);
/* x86's numa_init_array(): each possible CPU without a node (node_of[cpu]
 * < 0, typically one the SRAT does not list) gets the online nodes
 * round-robin, in CPU order from the first online node. */
void linux_numa_init_array(int *node_of, const struct vt_bitmap *possible,
                           const struct vt_bitmap *online_nodes);
/* Linux node of a PXM, or -1. */
int linux_node_of_pxm(const struct linux_numa *numa, uint32_t pxm);

#endif
