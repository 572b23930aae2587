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
    /* The CPUs of isolcpus=managed_irq,LIST on the kernel command line, or
     * NULL: where managed vectors fire (vt_irq_vector.fires), not their
     * masks. */
    const struct vt_bitmap *isolated;
};

struct vt_irq_vector {
    unsigned index;               /* 0..vectors-1: the device's vector */
    bool managed;                 /* spread by the kernel, fixed */
    const struct vt_bitmap *cpus; /* its affinity mask */
    /* Where it fires when it starts (irq_startup; x86 picks one of these as
     * its effective CPU). A managed vector: the present CPUs of its mask,
     * under the request's isolated CPUs only its housekeeping ones when it
     * has a present one (best effort); empty when none is present (it stays
     * shut down). Any other: the present CPUs of its mask (the default
     * affinity) on the node of its first CPU, as Linux narrows it. */
    const struct vt_bitmap *fires;
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
/* The managed vectors a planned NVMe device (or a passed-through device's
 * NVMe stand-in) gets in a QEMU guest with possible_cpus possible CPUs: one
 * per I/O queue, a queue per possible CPU, at most the device's queues
 * (QEMU's 64 when not given) and its MSI-X table's 65 entries less the
 * admin queue's. 0 for another device or model. */
VT_API unsigned vt_irq_qemu_nvme_vectors(const struct vt_layout *l, size_t device,
                                         unsigned possible_cpus);
VT_API void vt_irq_prediction_free(struct vt_irq_prediction *p);
VT_API size_t vt_irq_prediction_count(const struct vt_irq_prediction *p);
VT_API const struct vt_irq_vector *vt_irq_prediction_vector(const struct vt_irq_prediction *p,
                                                            size_t i);
/* The CPUs the prediction spread over: possible and present. */
VT_API const struct vt_bitmap *vt_irq_prediction_possible(const struct vt_irq_prediction *p);
VT_API const struct vt_bitmap *vt_irq_prediction_present(const struct vt_irq_prediction *p);
/* The Linux node of a CPU in the prediction, or -1. */
VT_API int vt_irq_prediction_node(const struct vt_irq_prediction *p, unsigned cpu);

/* The kernel parameters that keep interrupts off the isolated CPUs of a
 * guest or host whose CPUs are cpus: "isolcpus=managed_irq,domain,LIST
 * irqaffinity=REST" (managed vectors fire on their masks' other CPUs where
 * they have one, best effort; the isolated CPUs leave the scheduler's load
 * balancing; every other vector starts on REST, cpus minus isolated).
 * -EINVAL, one sentence, when isolated is empty, not within cpus, all of
 * them, or holds CPU 0 (Linux always adds the boot CPU to irqaffinity=). */
VT_API int vt_irq_isolation_params(const struct vt_bitmap *cpus, const struct vt_bitmap *isolated,
                                   char **params, struct vt_err *err);

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
/* The device vectors (bdf set, index known) in (BDF, index) order. */
VT_API size_t vt_irq_state_vector_count(const struct vt_irq_state *s);
VT_API const struct vt_irq_info *vt_irq_state_vector(const struct vt_irq_state *s, size_t i);
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
/* The device vectors the state holds, as a fingerprint: each (BDF, vector
 * index) with its managed flag, and the CPUs counted; not the IRQ numbers or
 * counts (a re-added device keeps it). A plan records it, and apply refuses
 * a plan made for another state. */
#define VT_IRQ_FINGERPRINT_LEN 16
VT_API int vt_irq_state_fingerprint(const struct vt_irq_state *s,
                                    char fp[VT_IRQ_FINGERPRINT_LEN + 1], struct vt_err *err);
/* Save the host file with the interrupt state as its "irqs" (NULL: none;
 * vt_host_save keeps a host file's own). */
VT_API int vt_host_save_irqs(const struct vt_host *h, const struct vt_irq_state *irqs,
                             const char *path, struct vt_err *err);

/* ---- Planning the movable vectors (docs/irq.md) ------------------------- */

/* One device vector of a plan, keyed by (bdf, index). */
struct vt_irq_planned {
    const char *bdf;
    unsigned index;
    unsigned irq; /* when planned; apply looks it up again by (bdf, index) */
    int node;     /* the device's pnode, -1 unknown */
    bool managed; /* the kernel's (fixed, not planned): cpu is where it fires */
    int cpu;      /* the planned CPU; for a managed vector its effective CPU, or -1 */
    /* Its affinity when planned (NULL when not known). */
    const struct vt_bitmap *current;
    /* An incremental plan: moved from the previous plan's CPU (moved), or
     * placed for the first time (new). */
    bool moved, placed;
};

struct vt_irq_plan;

struct vt_irq_plan_options {
    /* CPUs this process may use (its cpuset); NULL: every CPU. */
    const struct vt_bitmap *cpuset;
    /* The plan to change as little as possible (vt_irq_plan_load); NULL: a
     * fresh plan. */
    const struct vt_irq_plan *previous;
    /* With previous: also make the fewest extra moves that bring every
     * node's CPUs back within one vector of each other. */
    bool rebalance;
    /* The host's vt_host_fingerprint when the caller has it (a VMM planning
     * again and again); NULL: computed. */
    const char *host_fingerprint;
};

/*
 * Plan every non-managed device vector of the state onto one housekeeping
 * CPU (online, not isolated, not nohz_full, in the cpuset) local to its
 * device's node, the least loaded first (managed vectors count where they
 * fire), one per physical core before SMT siblings; a device of unknown
 * node over every housekeeping CPU, a node without one to the nearest
 * node's (a warning). Every vector is keyed by (BDF, index). With
 * options->previous, only the vectors that must move do (docs/irq.md).
 */
VT_API int vt_irq_plan_make(const struct vt_host *h, const struct vt_irq_state *s,
                            const struct vt_irq_plan_options *options, struct vt_irq_plan **out,
                            struct vt_err *err);
VT_API void vt_irq_plan_free(struct vt_irq_plan *p);
VT_API size_t vt_irq_plan_count(const struct vt_irq_plan *p);
VT_API const struct vt_irq_planned *vt_irq_plan_vector(const struct vt_irq_plan *p, size_t i);
/* Vectors on a CPU: managed ones firing there plus planned ones. */
VT_API unsigned vt_irq_plan_cpu_load(const struct vt_irq_plan *p, unsigned cpu);
/* The CPUs the plan may use (housekeeping, in the cpuset). */
VT_API const struct vt_bitmap *vt_irq_plan_cpus(const struct vt_irq_plan *p);
/* Incremental: vectors moved, vectors placed anew, vectors dropped (their
 * device is gone). */
VT_API size_t vt_irq_plan_moves(const struct vt_irq_plan *p);
VT_API size_t vt_irq_plan_placed(const struct vt_irq_plan *p);
VT_API size_t vt_irq_plan_dropped(const struct vt_irq_plan *p);
VT_API size_t vt_irq_plan_warning_count(const struct vt_irq_plan *p);
VT_API const char *vt_irq_plan_warning(const struct vt_irq_plan *p, size_t i);
/* The host and interrupt-state fingerprints the plan was made for. */
VT_API const char *vt_irq_plan_host(const struct vt_irq_plan *p);
VT_API const char *vt_irq_plan_state(const struct vt_irq_plan *p);
/* What changed on the host since a plan was made. */
enum vt_irq_event_kind {
    VT_IRQ_EVENT_DEVICE_ADDED,   /* bdf: its vectors are in the state */
    VT_IRQ_EVENT_DEVICE_REMOVED, /* bdf */
    VT_IRQ_EVENT_CPU_CHANGED,    /* cpu went offline, isolated or nohz_full, or came back */
};

struct vt_irq_event {
    enum vt_irq_event_kind kind;
    const char *bdf; /* a device event's device, in any spelling */
    unsigned cpu;    /* a CPU event's CPU */
};

/*
 * Re-plan in place after one event, paying for the event rather than for
 * the machine (a VMM reacting to hot-plug): p, made by vt_irq_plan_make
 * (not read from a file), becomes what vt_irq_plan_make(h, s) with the same
 * cpuset and p as options->previous gives — the same CPUs, moved and placed
 * flags, counts and warnings (tests/unit/test_irq_plan.c compares them over
 * seeded event sequences). h and s are the host and the interrupt state
 * after the event, and differ from the plan's only by it. The vectors'
 * current affinities are refreshed only where the event touched them.
 * host_fingerprint: h's, when the caller has it (NULL: computed, which
 * costs more than the event). -EINVAL, one sentence and p unchanged, for a
 * plan read from a file, a device already planned (added) or not planned
 * (removed), a state whose vectors are not the plan's (a CPU event);
 * -ENOMEM leaves p to be freed.
 */
VT_API int vt_irq_plan_event(struct vt_irq_plan *p, const struct vt_host *h,
                             const struct vt_irq_state *s, const struct vt_irq_event *e,
                             const char *host_fingerprint, struct vt_err *err);

/* The plan file (JSON, docs/irq.md) and back. */
VT_API int vt_irq_plan_to_json(const struct vt_irq_plan *p, char **json, struct vt_err *err);
VT_API int vt_irq_plan_save(const struct vt_irq_plan *p, const char *path, struct vt_err *err);
VT_API int vt_irq_plan_load(const char *path, struct vt_irq_plan **out, struct vt_err *err);

/* ---- Applying a plan, and restoring (docs/irq.md) ----------------------- */

enum vt_irq_apply_status {
    VT_IRQ_APPLY_SAME,    /* already so: nothing written */
    VT_IRQ_APPLY_DRY_RUN, /* would be written (not --yes) */
    VT_IRQ_APPLY_WRITTEN, /* written; effective read back */
    VT_IRQ_APPLY_MANAGED, /* the kernel refused (EIO, EPERM from 6.12): managed, skipped */
    VT_IRQ_APPLY_GONE,    /* the device vector or its IRQ vanished: failed */
    VT_IRQ_APPLY_OFFLINE, /* every target CPU is offline: failed */
    VT_IRQ_APPLY_FAILED,  /* the write failed otherwise (error): failed */
};
/* "same", "dry-run", "written", "managed", "gone", "offline", "failed". */
VT_API const char *vt_irq_apply_status_name(enum vt_irq_apply_status s);

struct vt_irq_applied {
    const char *bdf;
    unsigned index;
    unsigned irq; /* looked up now by (bdf, index); 0 when gone */
    const struct vt_bitmap *target, *before, *effective; /* NULL: not known */
    enum vt_irq_apply_status status;
    int error; /* errno of a failed write */
};

struct vt_irq_report;

struct vt_irq_apply_options {
    bool yes; /* write; otherwise a dry run */
    /* Where to save every affinity about to change, before the first
     * write (atomically): required with yes. */
    const char *restore_path;
};

/*
 * Apply a plan to the host it was made for (a sysfs host: the live system,
 * or an --fsroot dump, which is written into). Refused (-EINVAL) when the
 * plan's host or interrupt-state fingerprint is not this host's or s's;
 * -EPERM on the live system without root. Each planned vector's IRQ is
 * looked up in s by (BDF, index); only non-managed ones are written. A
 * dry run writes nothing. Returns the number of failed vectors (gone,
 * offline, failed), or a negative error before anything was written.
 */
VT_API int vt_irq_apply(const struct vt_host *h, const struct vt_irq_state *s,
                        const struct vt_irq_plan *p, const struct vt_irq_apply_options *o,
                        struct vt_irq_report **out, struct vt_err *err);
/* Put back what a restore file holds (for the host it was saved on): each
 * (BDF, index) is looked up in s again. Dry run unless yes. The same return
 * as vt_irq_apply. */
VT_API int vt_irq_restore(const struct vt_host *h, const struct vt_irq_state *s,
                          const char *restore_path, bool yes, struct vt_irq_report **out,
                          struct vt_err *err);
VT_API void vt_irq_report_free(struct vt_irq_report *r);
VT_API size_t vt_irq_report_count(const struct vt_irq_report *r);
VT_API const struct vt_irq_applied *vt_irq_report_entry(const struct vt_irq_report *r, size_t i);

#ifdef __cplusplus
}
#endif

#endif
