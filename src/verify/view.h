/* A guest's NUMA view — what a Linux guest reports (parsed from the console
 * of a verify boot: the probe's "VTP" lines and the kernel log), or what it is
 * predicted to report (from a plan, or from `vtopo check` of the tables it was
 * given) — and the comparison of the two (internal; docs/verify.md). */
#ifndef VT_VERIFY_VIEW_H
#define VT_VERIFY_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vtopo/bitmap.h"
#include "vtopo/check.h"
#include "vtopo/err.h"
#include "vtopo/layout.h"

#define VV_UNKNOWN (-1LL) /* a value not known (not reported, or not predicted) */

/* A verdict on a table: used, not used, or not known. */
enum vv_verdict { VV_NOT_KNOWN = -1, VV_NOT_USED = 0, VV_USED = 1 };

struct vv_node {
    int id;                 /* Linux node id */
    long long pxm;          /* proximity domain, or VV_UNKNOWN */
    struct vt_bitmap *cpus; /* Linux CPU numbers, or NULL when not known */
    long long ncpus;        /* CPU count, or VV_UNKNOWN */
    uint32_t *dist;         /* distances to the nodes in id order, or NULL */
    size_t ndist;
    long long memory_bytes;      /* guest: MemTotal; predicted: the node's RAM */
    struct vt_mem_range *ranges; /* SRAT memory ranges Linux took, or NULL */
    size_t nranges;
    int access0; /* HMAT access class 0 attributes: 1 yes, 0 no, -1 not known */
    long long read_latency, write_latency, read_bandwidth, write_bandwidth;
};

struct vv_cpu {
    int cpu; /* Linux CPU number */
    long long apic_id, node, package, die, core;
    struct vt_bitmap *llc; /* CPUs sharing the last-level cache, or NULL */
};

struct vv_view {
    /* Guest: the probe ran to its end. */
    bool complete;
    enum vv_verdict srat, slit, hmat;
    /* The kernel log line behind each "not used" verdict, or NULL. */
    char *srat_line, *slit_line, *hmat_line;
    char *panic_line;           /* guest: the kernel panicked (first line), or NULL */
    struct vt_bitmap *gi_nodes; /* nodes with a generic initiator, or NULL */
    struct vv_node *nodes;      /* by Linux node id order */
    size_t nnodes;
    struct vv_cpu *cpus; /* by Linux CPU number; NULL when not known */
    size_t ncpus;
};

void vv_free(struct vv_view *v);

/* Parse a verify guest's console output (probe lines and kernel log). */
int vv_parse_console(const char *console, struct vv_view *v, struct vt_err *err);

/* The view a Linux guest of this plan reports: nodes by linux_node with the
 * vCPUs (Linux CPU n = vCPU n), distances, RAM and SRAT ranges, and each
 * vCPU's APIC ID, package, die, core and LLC (vCPUs whose APIC IDs agree
 * above llc_shift). hmat (optional) is the HMAT given to the guest, whose
 * best attributes per memory node predict access class 0. qemu_native: QEMU
 * built the SRAT from -numa, so the hot-pluggable memory is its one
 * device-memory range in the last node. */
int vv_from_layout(const struct vt_layout *l, const uint8_t *hmat, size_t hmat_len,
                   bool qemu_native, struct vv_view *v, struct vt_err *err);

/* The view `vtopo check` predicts for a set of tables: the SRAT, SLIT and
 * HMAT verdicts, the nodes with their PXM, CPU count and RAM, and the
 * distances (the SLIT's, or Linux's 10/20 without one); without a usable
 * SRAT, the one node Linux fakes, holding ram_bytes. */
int vv_from_check(const struct vt_check *c, const uint8_t *slit, size_t slit_len,
                  uint64_t ram_bytes, struct vv_view *v, struct vt_err *err);

/* Memory tolerance: a node's MemTotal may be below its RAM by the kernel's
 * own reservations (image, initramfs, memmap, SWIOTLB, page tables, per-CPU
 * areas), at most this much (docs/verify.md). */
uint64_t vv_memory_tolerance(uint64_t total_ram);

/* Compare the predicted view with the guest's, print the side-by-side table
 * to out, and return the number of mismatches. */
size_t vv_compare(const struct vv_view *want, const struct vv_view *got, uint64_t total_ram,
                  FILE *out);

#endif
