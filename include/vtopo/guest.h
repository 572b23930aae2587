/* What a Linux guest will report of its NUMA topology: nodes with their PXM,
 * CPUs, memory, distances and HMAT access attributes, and each CPU's APIC
 * ID, node, package, die, core and last-level cache, predicted from a plan
 * (vt_guest_view_of_layout) or from the verdicts of vt_check on the tables a
 * guest is given (vt_guest_view_of_check). The same structure holds what a
 * booted guest reported, so a VMM can compare the two (`vtopo verify` does,
 * docs/verify.md). */
#ifndef VTOPO_GUEST_H
#define VTOPO_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "vtopo/bitmap.h"
#include "vtopo/check.h"
#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VT_GUEST_UNKNOWN (-1LL) /* a value not known (not reported, or not predicted) */

/* A verdict on a table: used, not used, or not known. */
enum vt_guest_verdict { VT_GUEST_NOT_KNOWN = -1, VT_GUEST_NOT_USED = 0, VT_GUEST_USED = 1 };

struct vt_guest_node {
    int id;                 /* Linux node id */
    long long pxm;          /* proximity domain, or VT_GUEST_UNKNOWN */
    struct vt_bitmap *cpus; /* Linux CPU numbers, or NULL when not known */
    long long ncpus;        /* CPU count, or VT_GUEST_UNKNOWN */
    uint32_t *dist;         /* distances to the nodes in id order, or NULL */
    size_t ndist;
    long long memory_bytes;      /* guest: MemTotal; predicted: the node's RAM */
    struct vt_mem_range *ranges; /* SRAT memory ranges Linux took, or NULL */
    size_t nranges;
    int access0; /* HMAT access class 0 attributes: 1 yes, 0 no, -1 not known */
    long long read_latency, write_latency, read_bandwidth, write_bandwidth;
};

struct vt_guest_cpu {
    int cpu; /* Linux CPU number */
    long long apic_id, node, package, die, core;
    struct vt_bitmap *llc; /* CPUs sharing the last-level cache, or NULL */
};

/* A PCI device: where the guest enumerated it and the node it gave it. */
/* One MSI/MSI-X vector a guest reported: its Linux IRQ and affinity. */
struct vt_guest_msi {
    unsigned irq;
    struct vt_bitmap *mask;      /* smp_affinity_list, or NULL */
    struct vt_bitmap *effective; /* effective_affinity_list, or NULL */
    long long count;             /* interrupts counted, all CPUs; -1 unknown */
};

struct vt_guest_pci {
    char bdf[16];                 /* "0000:41:00.0" */
    long long node;               /* numa_node (-1: none), or VT_GUEST_UNKNOWN */
    struct vt_bitmap *local_cpus; /* local_cpulist, or NULL when not known */
    char host_bdf[24];            /* predicted: the planned host device; guest: "" */
    struct vt_guest_msi *msi;     /* guest: its vectors in vector order; predicted: none */
    size_t nmsi;
};

struct vt_guest_view {
    /* Guest: the probe ran to its end. */
    bool complete;
    enum vt_guest_verdict srat, slit, hmat;
    /* The kernel log line behind each "not used" verdict, or NULL. */
    char *srat_line, *slit_line, *hmat_line;
    char *panic_line;            /* guest: the kernel panicked (first line), or NULL */
    struct vt_bitmap *gi_nodes;  /* nodes with a generic initiator, or NULL */
    struct vt_guest_node *nodes; /* by Linux node id order */
    size_t nnodes;
    struct vt_guest_cpu *cpus; /* by Linux CPU number; NULL when not known */
    size_t ncpus;
    /* PCI devices: predicted, the plan's (vt_layout_device order); guest,
     * every one it enumerated. */
    struct vt_guest_pci *pci;
    size_t npci;
    /* Predicted: the buses behind the expanders' root ports, where the
     * planned devices are and nothing else (a spare port's bus is empty). */
    struct vt_bitmap *pci_port_buses;
    struct vt_bitmap *possible_cpus; /* guest: cpu/possible; NULL when not known */
};

/* Free what a view holds and reset it to empty; v may be NULL. */
VT_API void vt_guest_view_free(struct vt_guest_view *v);
/* A node or CPU with every value unknown (VT_GUEST_UNKNOWN, access0 -1),
 * for code that fills a view from what a guest reported. */
VT_API void vt_guest_node_init(struct vt_guest_node *n, int id);
VT_API void vt_guest_cpu_init(struct vt_guest_cpu *c, int cpu);

/* The view a Linux guest of this plan reports: nodes by linux_node with the
 * vCPUs (Linux CPU n = vCPU n), distances, RAM and SRAT ranges, each
 * vCPU's APIC ID, package, die, core and LLC (vCPUs whose APIC IDs agree
 * above llc_shift), and each planned PCI device at its guest address with
 * its vnode's node and that node's CPUs as local CPUs. hmat (optional) is the HMAT given to the
 * guest, whose best attributes per memory node predict access class 0. qemu_native: QEMU built the
 * SRAT from -numa, so the hot-pluggable memory is its one device-memory range in the last node. */
VT_API int vt_guest_view_of_layout(const struct vt_layout *l, const uint8_t *hmat, size_t hmat_len,
                                   bool qemu_native, struct vt_guest_view *v, struct vt_err *err);

/* The view `vtopo check` predicts for a set of tables: the SRAT, SLIT and
 * HMAT verdicts, the nodes with their PXM, CPU count and RAM, and the
 * distances (the SLIT's, or Linux's 10/20 without one); without a usable
 * SRAT, the one node Linux fakes, holding ram_bytes. */
VT_API int vt_guest_view_of_check(const struct vt_check *c, const uint8_t *slit, size_t slit_len,
                                  uint64_t ram_bytes, struct vt_guest_view *v, struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
