/* The mutable side of vt_host: what sources fill in before host_finalize()
 * derives the rest and freezes the model (internal). */
#ifndef VT_HOST_INTERNAL_H
#define VT_HOST_INTERNAL_H

#include "vtopo/host.h"
#include "vtopo/irq.h"

/* The smallest memory block Linux x86-64 hot-plugs and lists in
 * /sys/devices/system/memory: the granularity of a node's known ranges. */
#define HOST_MEMORY_BLOCK_MIN (UINT64_C(128) << 20)

struct host_node {
    struct vt_host_node pub;
    struct vt_bitmap *listed; /* CPUs the source says the node has (maybe offline) */
    struct vt_bitmap *cpus, *offline, *hk;
    struct vt_mem_range *ranges;
    size_t nranges, cap_ranges;
    struct vt_host_hugepages *hugepages; /* pub.hugepages, ascending page size */
    size_t nhugepages;
};

struct host_dev {
    struct vt_host_device pub;
    struct vt_bitmap *local_cpus; /* NULL when unknown */
    char **names;                 /* pub.names */
    size_t nnames;
    char *driver, *physfn; /* pub.driver, pub.physfn */
    const char **virtfns;  /* pub.virtfns: derived by host_finalize */
    unsigned *msi_irqs;    /* pub.msi_irqs (pub.nmsi_irqs of them) */
};

/* One CPU's topology; known is false for a CPU the source said nothing of. */
struct host_cpu {
    struct vt_host_cpu_topo pub;
    struct vt_bitmap *siblings, *llc; /* NULL when unknown */
    bool known;
};

/* The topology record of pcpu, created (ids -1, nothing known) on first
 * use and marked known; NULL: out of memory or pcpu above VT_CPU_ID_MAX. */
struct host_cpu *host_cpu_topo(struct vt_host *h, unsigned pcpu);

/* Append IRQ number irq to the device's MSI vectors; -ENOMEM or -E2BIG
 * (more than VT_HOST_DEVICE_MAX_MSI). */
int host_dev_add_msi(struct host_dev *d, unsigned irq);
#define VT_HOST_DEVICE_MAX_MSI 65536

/* Append a copy of name to the device's names; -ENOMEM or -E2BIG (more than
 * VT_HOST_DEVICE_MAX_NAMES). */
int host_dev_add_name(struct host_dev *d, const char *name);
#define VT_HOST_DEVICE_MAX_NAMES 1024

/* A device name vtopo keeps (vt_host_device.names' rule). */
bool host_device_name_ok(const char *name);

/* One node range in the frame-lookup index, sorted by start. */
struct pfn_entry {
    uint64_t start, end; /* bytes, [start, end) */
    uint32_t node_index;
};

struct vt_host {
    char *desc;
    enum vt_host_kind kind; /* where it was loaded from (arg: the fsroot, file or spec) */
    char *arg;
    struct vt_irq_state *irqs; /* a host file's "irqs", else NULL */
    struct host_node *nodes;   /* ascending, unique pnode */
    size_t nnodes, cap_nodes;
    uint32_t *dist; /* nnodes * nnodes, row-major by node index; 0 = unknown */
    struct vt_bitmap *possible_nodes;
    struct vt_bitmap *cpu_possible, *cpu_present, *cpu_online, *cpu_offline, *cpu_isolated,
        *cpu_nohz_full, *cpu_hk;
    struct vt_host_cpus cpus_pub; /* cpus_pub.vendor is set by the sources */
    struct host_dev *devs;
    size_t ndevs, cap_devs;
    char **warnings;
    size_t nwarnings, cap_warnings;
    size_t nrecorded_warnings; /* the first ones: a host file's, from when it was saved */
    struct host_cpu *cpu_topo; /* indexed by pcpu */
    size_t ncpu_topo;
    int *cpu_pnode; /* indexed by pcpu, -1 = none */
    size_t ncpu_pnode;
    struct pfn_entry *pfn;
    uint64_t *pfn_start; /* pfn[i].start, contiguous: what the search touches */
    size_t npfn;
};

struct vt_host *host_new(const char *desc_fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append a node; pnodes must be added in ascending order. NULL: out of memory. */
struct host_node *host_add_node(struct vt_host *h, unsigned pnode);
/* Allocate the nnodes x nnodes distance matrix (all 0) once every node is added. */
int host_alloc_distances(struct vt_host *h);
int host_add_range(struct host_node *n, uint64_t start, uint64_t end);
struct host_dev *host_add_device(struct vt_host *h);
/* Record a huge page pool of the node: page sizes unique (-EEXIST), at most
 * VT_HOST_MAX_HUGEPAGE_SIZES of them (-E2BIG); kept ascending. */
int host_add_hugepages(struct host_node *n, uint64_t page_bytes, uint64_t total, uint64_t free);
#define VT_HOST_MAX_HUGEPAGE_SIZES 64
/* Record a warning (printf style). Out of memory drops the warning. */
void host_warn(struct vt_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Validate what the source filled in, derive every dependent field (online and
 * housekeeping CPUs per node, has_*, the CPU->node map, the frame index, the
 * public views) and freeze the model. Errors leave h to be freed by the caller. */
int host_finalize(struct vt_host *h, struct vt_err *err);

/* Sources. Each fills a fresh host and leaves finalizing to vt_host_load. */
int host_load_sysfs(struct vt_host *h, const char *fsroot, struct vt_err *err);
int host_load_file(struct vt_host *h, const char *path, struct vt_err *err);
int host_load_synthetic(struct vt_host *h, const char *spec, struct vt_err *err);
/* Replay Linux's SRAT numbering to set host_pxm (and SRAT ranges) per node.
 * explicit_dir: the user named the directory, so a missing SRAT is an error;
 * otherwise it is a warning. */
int host_apply_acpi(struct vt_host *h, const char *dir, bool explicit_dir, struct vt_err *err);

/* The vendor named n ("intel", ...), or -1. */
int host_cpu_vendor_of_name(const char *n);

#endif
