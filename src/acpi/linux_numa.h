/* What a Linux x86 guest does with an SRAT (internal): whether it is used,
 * and the node numbering it produces (drivers/acpi/numa/srat.c,
 * arch/x86/mm/srat.c, mm/numa_memblks.c). One implementation for the host
 * model's PXM recovery, for `vtopo check` and for the planner's linux_node
 * prediction. */
#ifndef VT_ACPI_LINUX_NUMA_H
#define VT_ACPI_LINUX_NUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi/parse.h"

/* Linux's MAX_PXM_DOMAINS: a PXM at or above it gets no node. */
#define VT_LINUX_MAX_PXM 256u

struct vt_linux_numa {
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
 * that is disabled or has a PXM of 256 or more makes its handler fail, and
 * acpi_parse_entries_array() calls no handler after a failure: the first
 * pass ends there. Writes the indexes (into srat->entries) of the entries
 * Linux maps a PXM for, in that order, into order (room for srat->n) and
 * returns their count; *gi_error is the index of the generic initiator that
 * ended the first pass, or SIZE_MAX.
 */
size_t vt_linux_srat_order(const struct vt_srat *srat, size_t *order, size_t *gi_error);

/*
 * Replay acpi_numa_init() in vt_linux_srat_order's order; a PXM gets the
 * next node id the first time it is seen. Linux does not use the SRAT
 * (bad_srat or -ENOENT) when a processor or memory entry has a PXM of 256 or
 * more, when no enabled memory entry exists, or when memory ranges of
 * different PXMs overlap.
 */
void vt_linux_srat(const struct vt_srat *srat, struct vt_linux_numa *out);
/* Linux node of a PXM, or -1. */
int vt_linux_node_of_pxm(const struct vt_linux_numa *numa, uint32_t pxm);

#endif
