/* What a Linux x86 guest does with an SRAT (internal): whether it is used,
 * and the node numbering it produces (drivers/acpi/numa/srat.c,
 * arch/x86/mm/srat.c, mm/numa_memblks.c). One implementation for the host
 * model's PXM recovery and for `vtopo check`. */
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
};

/*
 * Replay acpi_numa_init(): one pass over the enabled CPU-type entries
 * (LAPIC, x2APIC, GICC, generic initiator) in table order, then the enabled
 * memory entries; a PXM gets the next node id the first time it is seen.
 * Linux does not use the SRAT (bad_srat or -ENOENT) when a PXM is 256 or
 * more, when no enabled memory entry exists, or when memory ranges of
 * different PXMs overlap.
 */
void vt_linux_srat(const struct vt_srat *srat, struct vt_linux_numa *out);
/* Linux node of a PXM, or -1. */
int vt_linux_node_of_pxm(const struct vt_linux_numa *numa, uint32_t pxm);

#endif
