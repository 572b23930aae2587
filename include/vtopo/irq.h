/* Interrupts: how Linux spreads a device's managed MSI/MSI-X vectors over
 * CPUs (irq_create_affinity_masks: pre and post vectors, interrupt sets,
 * group_cpus_evenly over the possible CPUs, present ones first, node by
 * node), predicted for a host or for a planned guest. Managed vectors cannot
 * be moved from user space; their placement is the kernel's. docs/irq.md. */
#ifndef VTOPO_IRQ_H
#define VTOPO_IRQ_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/bitmap.h"
#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most vectors a device has (MSI-X's 2048). */
#define VT_IRQ_MAX_VECTORS 2048

/* What a driver asks pci_alloc_irq_vectors_affinity for: vectors in all,
 * the first pre and the last post of them unmanaged (irq_default_affinity:
 * every possible CPU unless default_cpus says otherwise), the rest spread
 * set by set (sets: the sizes, at most VT_IRQ_MAX_VECTORS in all; nsets 0:
 * one set of them all). NVMe: pre 1 (the admin queue), one set of I/O
 * queues; virtio-blk: pre 1 (config). */
struct vt_irq_request {
    unsigned vectors, pre, post;
    const unsigned *sets;
    size_t nsets;
    const struct vt_bitmap *default_cpus;
};

struct vt_irq_vector {
    unsigned index;               /* 0..vectors-1: the device's vector */
    bool managed;                 /* spread by the kernel, fixed */
    const struct vt_bitmap *cpus; /* its affinity mask */
};

struct vt_irq_prediction;

/* On a host: its possible and present CPUs, their nodes and SMT siblings
 * (a possible CPU no node lists gets the online nodes round-robin, as x86
 * Linux gives it). */
VT_API int vt_irq_predict_host(const struct vt_host *h, const struct vt_irq_request *q,
                               struct vt_irq_prediction **out, struct vt_err *err);
/* In a guest of the plan: its present vCPUs, the hot-pluggable ones as
 * possible, each on its vnode's Linux node, SMT siblings from the plan's
 * topology; possible_cpus (0: none) is the kernel parameter of that name,
 * whose extra CPUs get the online nodes round-robin (vtopo verify gives
 * TCG guests possible_cpus=9). */
VT_API int vt_irq_predict_layout(const struct vt_layout *l, unsigned possible_cpus,
                                 const struct vt_irq_request *q, struct vt_irq_prediction **out,
                                 struct vt_err *err);
VT_API void vt_irq_prediction_free(struct vt_irq_prediction *p);
VT_API size_t vt_irq_prediction_count(const struct vt_irq_prediction *p);
VT_API const struct vt_irq_vector *vt_irq_prediction_vector(const struct vt_irq_prediction *p,
                                                            size_t i);
/* The CPUs the prediction spread over: possible and present. */
VT_API const struct vt_bitmap *vt_irq_prediction_possible(const struct vt_irq_prediction *p);
VT_API const struct vt_bitmap *vt_irq_prediction_present(const struct vt_irq_prediction *p);
/* The Linux node of a CPU in the prediction, or -1. */
VT_API int vt_irq_prediction_node(const struct vt_irq_prediction *p, unsigned cpu);

#ifdef __cplusplus
}
#endif

#endif
