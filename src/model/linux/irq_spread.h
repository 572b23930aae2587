/* How Linux spreads a device's managed interrupt vectors over CPUs
 * (internal): irq_create_affinity_masks with its pre/post vectors and
 * interrupt sets, each set spread by group_cpus_evenly (kernel/irq/affinity.c
 * in 6.1, lib/group_cpus.c from 6.3): present CPUs node by node first, then
 * the possible CPUs that are not present, each node's share of the groups in
 * proportion to its CPUs, SMT siblings kept together. The model of Linux's
 * behaviour next to the SRAT numbering (numa.c). */
#ifndef VT_MODEL_LINUX_IRQ_SPREAD_H
#define VT_MODEL_LINUX_IRQ_SPREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/bitmap.h"

/* The CPUs as the kernel sees them when it spreads. */
struct linux_irq_cpus {
    const struct vt_bitmap *possible, *present;
    const int *node_of; /* per CPU id (< ncpu_ids): its node (cpu_to_node) */
    size_t ncpu_ids;    /* nr_cpu_ids: the highest possible CPU + 1 */
    size_t nnode_ids;   /* nr_node_ids: the highest possible node + 1 */
    /* Per CPU id: its SMT siblings, itself included
     * (topology_sibling_cpumask); NULL, or a NULL entry: the CPU alone. */
    const struct vt_bitmap *const *siblings;
};

/* group_cpus_evenly: numgrps groups of CPUs into masks[0..numgrps) (fresh
 * bitmaps the caller frees). Returns 0 or -ENOMEM. */
int linux_group_cpus_evenly(const struct linux_irq_cpus *c, unsigned numgrps,
                            struct vt_bitmap **masks);

/* One vector of irq_create_affinity_masks: its mask and whether the kernel
 * manages it (the spread vectors; pre and post vectors are not). */
struct linux_irq_vector {
    struct vt_bitmap *mask;
    bool managed;
};

/*
 * irq_create_affinity_masks for nvecs vectors: pre_vectors and post_vectors
 * get default_affinity (irq_default_affinity: every possible CPU when NULL),
 * the others are spread set by set (set_sizes[0..nsets), summing to at most
 * nvecs - pre - post; nsets 0: one set of them all, default_calc_sets).
 * vec[0..nvecs) receives fresh masks (linux_irq_vectors_free). Returns 0,
 * -EINVAL when the sets do not fit (as the kernel's WARN), or -ENOMEM.
 */
int linux_irq_create_affinity_masks(const struct linux_irq_cpus *c, unsigned nvecs, unsigned pre,
                                    unsigned post, const unsigned *set_sizes, size_t nsets,
                                    const struct vt_bitmap *default_affinity,
                                    struct linux_irq_vector *vec);
void linux_irq_vectors_free(struct linux_irq_vector *vec, unsigned nvecs);

/* The I/O queues Linux's nvme driver sets up (nvme_setup_io_queues, no
 * write or poll queues): one per possible CPU, at most what the controller
 * grants and its MSI-X table holds after the admin queue's vector; each gets
 * a managed vector (the admin queue's is the pre vector). */
unsigned linux_nvme_io_queues(unsigned possible_cpus, unsigned controller_queues,
                              unsigned msix_entries);

/*
 * Where a vector is programmed when it starts (irq_startup, kernel/irq/
 * chip.c and manage.c), of which x86 makes one CPU its effective CPU:
 * - a managed vector: irq_do_set_affinity with its mask; under
 *   isolcpus=managed_irq (isolated: those CPUs; NULL: none) the mask's
 *   housekeeping CPUs when one of them is online, else the whole mask (best
 *   effort); then its online CPUs. Empty: none is online (it stays shut
 *   down until one is).
 * - any other vector: irq_setup_affinity with irq_default_affinity (a pre or
 *   post vector's mask is that) on the online CPUs (all of them when that
 *   leaves none), narrowed to the CPUs of the descriptor's node when that
 *   leaves some: the node of the mask's first CPU (alloc_descs), so not the
 *   device's.
 * A fresh bitmap, or NULL when out of memory.
 */
struct vt_bitmap *linux_irq_programmed(const struct linux_irq_cpus *c, const struct vt_bitmap *mask,
                                       bool managed, const struct vt_bitmap *online,
                                       const struct vt_bitmap *isolated);

#endif
