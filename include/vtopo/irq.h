/* Interrupts: a host's interrupt state (which IRQ is which device's vector,
 * where it may and does fire, whether it is managed), and how Linux spreads a device's managed
 * MSI/MSI-X vectors over CPUs (irq_create_affinity_masks: pre and post vectors, interrupt sets,
 * group_cpus_evenly over the possible CPUs, present ones first, node by
 * node), predicted for a host or for a planned guest. Managed vectors cannot
 * be moved from user space; their placement is the kernel's. docs/irq.md. */
#ifndef VTOPO_IRQ_H
#define VTOPO_IRQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ---- The interrupt state ------------------------------------------------ */

/* Whether the kernel manages an IRQ's affinity (IRQD_AFFINITY_MANAGED in
 * debugfs's /sys/kernel/debug/irq/irqs/N): unknown when debugfs is not
 * readable, never guessed. */
enum vt_irq_managed {
    VT_IRQ_MANAGED_UNKNOWN,
    VT_IRQ_MANAGED_NO,
    VT_IRQ_MANAGED_YES,
};
/* "unknown", "no", "yes". */
VT_API const char *vt_irq_managed_name(enum vt_irq_managed m);

struct vt_irq_info {
    unsigned irq;        /* Linux IRQ number: changes when a device is re-added */
    const char *chip;    /* /proc/interrupts: "IR-PCI-MSIX-0000:3d:00.0", "PCI-MSI" */
    const char *hwirq;   /* its hwirq-flow column: "2-edge", "524288-edge", "" */
    const char *actions; /* its handlers: "nvme0q2", "vfio-msix[0](0000:3d:00.0)" */
    /* The PCI device and its vector index (0-2047), keys that survive a
     * re-add: from the chip or vfio's name when they say (exactly), else the
     * IRQ's place among the device's msi_irqs/ entries (ascending). NULL and
     * -1 for an IRQ of no PCI device's vectors. */
    const char *bdf;
    int index;
    uint64_t total; /* interrupts counted, all CPUs */
    /* smp_affinity_list, effective_affinity_list: NULL when not known;
     * affinity_hint: NULL when none (zero) or not known. */
    const struct vt_bitmap *affinity, *effective, *hint;
    int node; /* /proc/irq/N/node, -1 none or not known */
    enum vt_irq_managed managed;
};

struct vt_irq_state;

/*
 * The host's interrupt state, from where the host came from: sysfs and
 * /proc (the live system, or an --fsroot dump holding proc/interrupts,
 * proc/irq/N/{smp_affinity_list,effective_affinity_list,node,affinity_hint}
 * and, when debugfs was readable, sys/kernel/debug/irq/irqs/N); a host file's
 * "irqs" (docs/host-format.md; -ENOENT when it has none); a synthetic host's
 * devices (each vector on its node's online CPUs, as Linux first places a
 * non-managed vector, effective CPU and managed flag unknown).
 */
VT_API int vt_irq_state_read(const struct vt_host *h, struct vt_irq_state **out,
                             struct vt_err *err);
VT_API void vt_irq_state_free(struct vt_irq_state *s);
/* IRQs ascending by number. */
VT_API size_t vt_irq_state_count(const struct vt_irq_state *s);
VT_API const struct vt_irq_info *vt_irq_state_irq(const struct vt_irq_state *s, size_t i);
/* The IRQ of a device's vector (bdf in any spelling), or NULL. */
VT_API const struct vt_irq_info *vt_irq_state_find(const struct vt_irq_state *s, const char *bdf,
                                                   unsigned index);
/* The CPUs /proc/interrupts counts for (the online ones when it was read). */
VT_API const struct vt_bitmap *vt_irq_state_cpus(const struct vt_irq_state *s);
/* Interrupts IRQ i fired on a CPU (0 for a CPU not counted). */
VT_API uint64_t vt_irq_state_cpu_count(const struct vt_irq_state *s, size_t i, unsigned cpu);
/* Whether the managed flag was read (debugfs readable). */
VT_API bool vt_irq_state_managed_known(const struct vt_irq_state *s);
/* Where the state was read: "/", the fsroot, "file F", "synthetic". */
VT_API const char *vt_irq_state_source(const struct vt_irq_state *s);
/* The state as the host file's "irqs" member (a JSON object), malloc'd. */
VT_API int vt_irq_state_to_json(const struct vt_irq_state *s, char **json, struct vt_err *err);
/* Save the host file with the interrupt state as its "irqs" (NULL: none;
 * vt_host_save keeps a host file's own). */
VT_API int vt_host_save_irqs(const struct vt_host *h, const struct vt_irq_state *irqs,
                             const char *path, struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
