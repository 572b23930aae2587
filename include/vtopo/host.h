/* vt_host: an immutable model of a host's NUMA topology — nodes (pnode, with
 * the firmware proximity domain host_pxm when known), CPUs, memory ranges,
 * distances and PCI devices — loaded from sysfs, a host file or a synthetic
 * spec, all producing the same model. */
#ifndef VTOPO_HOST_H
#define VTOPO_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/bitmap.h"
#include "vtopo/err.h"
#include "vtopo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* host_pxm value when the firmware proximity domain is not known. */
#define VT_PXM_UNKNOWN UINT32_MAX
/* Results of vt_host_pfn_lookup for a frame outside every node's ranges. */
#define VT_PXM_INVALID   (UINT32_MAX - 1)
#define VT_PNODE_INVALID (-1)
/* pnode of a PCI device whose numa_node is -1 (unknown, never guessed). */
#define VT_PNODE_UNKNOWN (-1)

/* Limits on what a host source may describe. */
#define VT_HOST_MAX_NODES   4096
#define VT_HOST_MAX_DEVICES 65536
#define VT_HOST_MAX_RANGES  65536
/* The largest host file read back: what a host at these limits saves (a
 * distance row per node on one line, at most 8 bytes per distance), with
 * 64 MiB for the CPUs, ranges, devices and warnings. */
#define VT_HOST_FILE_MAX ((size_t)VT_HOST_MAX_NODES * VT_HOST_MAX_NODES * 8 + ((size_t)64 << 20))

/* Huge pages of one size on a node (nodeN/hugepages/hugepages-SIZEkB):
 * the pool (nr_hugepages) and how many of it are free (free_hugepages). */
struct vt_host_hugepages {
    uint64_t page_bytes;
    uint64_t total;
    uint64_t free;
};

/* free_bytes when the source does not say (a host file or synthetic spec
 * without it). */
#define VT_HOST_FREE_UNKNOWN UINT64_MAX

/* A physical address range [start, end). */
struct vt_mem_range {
    uint64_t start;
    uint64_t end;
};

struct vt_host_node {
    unsigned pnode;    /* host OS node id (/sys/devices/system/node/nodeN) */
    uint32_t host_pxm; /* firmware proximity domain, VT_PXM_UNKNOWN if unknown */
    /* CPUs the node lists that are online; offline ones the node lists;
     * online minus isolated minus nohz_full. */
    const struct vt_bitmap *cpus;
    const struct vt_bitmap *offline_cpus;
    const struct vt_bitmap *housekeeping_cpus;
    uint64_t memory_bytes;             /* MemTotal */
    const struct vt_mem_range *ranges; /* sorted, merged; may be empty (unknown) */
    size_t nranges;
    bool has_cpu;    /* at least one online CPU */
    bool has_memory; /* memory_bytes > 0 */
    bool has_generic_initiator;
    /* Distances to every node, indexed like vt_host_node(h, i); 0 = unknown. */
    const uint32_t *distances;
    /* What is free on it when the host was read (volatile: not part of the
     * fingerprint): MemFree (nodeN/meminfo; VT_HOST_FREE_UNKNOWN when the
     * source does not say), and its huge page pools by ascending page size
     * (the pools are inside memory_bytes, not in free_bytes). */
    uint64_t free_bytes;
    const struct vt_host_hugepages *hugepages;
    size_t nhugepages;
};

/* The host CPUs' vendor or architecture, from /proc/cpuinfo (vendor_id on
 * x86, CPU implementer on Arm, cpu: POWER...), the host file or the
 * synthetic spec; vtopo plans x86 guests. */
enum vt_host_cpu_vendor {
    VT_HOST_CPU_UNKNOWN, /* not known (no /proc/cpuinfo, an older host file) */
    VT_HOST_CPU_INTEL,   /* GenuineIntel */
    VT_HOST_CPU_AMD,     /* AuthenticAMD (and HygonGenuine, which is AMD's) */
    VT_HOST_CPU_X86,     /* another x86 vendor */
    VT_HOST_CPU_ARM,
    VT_HOST_CPU_POWER,
    VT_HOST_CPU_OTHER, /* another architecture */
};
/* "unknown", "intel", "amd", "x86", "arm", "power", "other". */
VT_API const char *vt_host_cpu_vendor_name(enum vt_host_cpu_vendor v);

struct vt_host_cpus {
    enum vt_host_cpu_vendor vendor;
    const struct vt_bitmap *possible;
    const struct vt_bitmap *present;
    const struct vt_bitmap *online;
    const struct vt_bitmap *offline; /* possible minus online */
    const struct vt_bitmap *isolated;
    const struct vt_bitmap *nohz_full;
    const struct vt_bitmap *housekeeping; /* online minus isolated minus nohz_full */
};

/* Where one CPU sits in the machine, from its topology/ and cache/
 * directories in sysfs: ids are the kernel's (-1 when not known), unique
 * only within the level above (core ids repeat in every package). */
struct vt_host_cpu_topo {
    int package; /* physical_package_id */
    int die;     /* die_id */
    int cluster; /* cluster_id */
    int core;    /* core_id */
    /* Its SMT siblings, itself included (thread_siblings_list, or
     * core_cpus_list); NULL when not known. */
    const struct vt_bitmap *siblings;
    /* The CPUs sharing its last-level cache (the highest-level data or
     * unified cache's shared_cpu_list), itself included; NULL when not
     * known. llc_level and llc_bytes are 0 when not known. */
    const struct vt_bitmap *llc;
    unsigned llc_level;
    uint64_t llc_bytes;
};

struct vt_host_device {
    char bdf[24];         /* "0000:3b:00.0" */
    uint32_t pci_domain;  /* segment */
    uint8_t bus, dev, fn; /* dev 0..31, fn 0..7 */
    uint16_t vendor, device;
    uint32_t class_code;                /* 24-bit class/subclass/prog-if */
    int pnode;                          /* numa_node, or VT_PNODE_UNKNOWN */
    const struct vt_bitmap *local_cpus; /* NULL when the source did not say */
    /* The driver bound to it (its driver link: "nvme", "vfio-pci"); NULL
     * when none is. */
    const char *driver;
    /* Its IOMMU group (its iommu_group link), -1 when it has none (no
     * IOMMU, or the source did not say). */
    int iommu_group;
    /* SR-IOV: a virtual function's physical function (its physfn link),
     * NULL for any other device; a physical function's virtual functions
     * that the host lists (those whose physfn is it), ascending. */
    const char *physfn;
    const char *const *virtfns;
    size_t nvirtfns;
    /* Its MSI/MSI-X vectors: how many (the entries of msi_irqs/) and their
     * Linux IRQ numbers, ascending; msi_irqs is NULL when only the count
     * is known (a version 1 host file). */
    size_t nmsi_irqs;
    const unsigned *msi_irqs;
    /* The names Linux gives the device, none when it has none: its network
     * interfaces (eth0), NVMe controllers (nvme0), InfiniBand devices
     * (mlx5_0) and DRM cards (card0) — the entries of its net/, nvme/,
     * infiniband/ and drm/ directories in sysfs, and of net/ and block/ of
     * a virtio device on it (virtio0/net/eth0, virtio1/block/vda) — in that
     * order of classes, each class in name order. Each at most
     * VT_HOST_DEVICE_NAME_MAX characters of [A-Za-z0-9._:@+-]. */
    const char *const *names;
    size_t nnames;
};
#define VT_HOST_DEVICE_NAME_MAX 31

struct vt_host;

enum vt_host_kind {
    VT_HOST_SYSFS,     /* arg: fsroot directory; NULL or "/" for the live system */
    VT_HOST_FILE,      /* arg: a host description file (docs/host-format.md) */
    VT_HOST_SYNTHETIC, /* arg: a one-line spec (docs/synthetic-hosts.md) */
};

struct vt_host_source {
    enum vt_host_kind kind;
    const char *arg;
    /* Directory with the host's SRAT/SLIT (as "SRAT" or "srat.dat"). NULL:
     * for sysfs, <fsroot>/sys/firmware/acpi/tables if readable; otherwise none. */
    const char *acpi_dir;
    /* With acpi_dir NULL: read no firmware tables at all, so the PXMs are
     * unknown without a warning (for users that need no PXM). */
    bool skip_acpi;
};

/*
 * Load a host. On success *out is an immutable model the caller frees with
 * vt_host_free. Problems the model can live with (buggy firmware, unknown
 * PXMs, inconsistent dumps) become warnings (vt_host_warning); anything that
 * would make the model wrong is an error with a sentence naming the file and
 * field. Nothing is guessed: an unknown PXM or device node stays unknown.
 */
VT_API int vt_host_load(const struct vt_host_source *src, struct vt_host **out, struct vt_err *err);
VT_API void vt_host_free(struct vt_host *h);

/* Nodes, ascending by pnode; only nodes that are online (have a sysfs dir). */
VT_API size_t vt_host_node_count(const struct vt_host *h);
VT_API const struct vt_host_node *vt_host_node(const struct vt_host *h, size_t index);
/* Index of pnode in the node array, or -1. */
VT_API int vt_host_node_index(const struct vt_host *h, unsigned pnode);
VT_API const struct vt_bitmap *vt_host_possible_nodes(const struct vt_host *h);
/* Distance between two pnodes; 0 when unknown or either node does not exist. */
VT_API uint32_t vt_host_distance(const struct vt_host *h, unsigned pnode_from, unsigned pnode_to);

VT_API const struct vt_host_cpus *vt_host_cpus(const struct vt_host *h);
/* pnode of an online or node-listed CPU, or -1. */
VT_API int vt_host_cpu_pnode(const struct vt_host *h, unsigned pcpu);
/* A CPU's state in one word: "offline", "isolated", "nohz_full" (online,
 * not isolated) or "housekeeping". */
VT_API const char *vt_host_cpu_state(const struct vt_host *h, unsigned pcpu);
/* The CPU's place in the machine, or NULL when the source said nothing of
 * it (an offline CPU has no topology/ in sysfs; an older host file). */
VT_API const struct vt_host_cpu_topo *vt_host_cpu_topo(const struct vt_host *h, unsigned pcpu);

/* A PCI class code's name ("NVMe", "Ethernet", "VGA"; "PCI" for one it
 * does not know), from its base class and subclass. */
VT_API const char *vt_pci_class_name(uint32_t class_code);
VT_API size_t vt_host_device_count(const struct vt_host *h);
VT_API const struct vt_host_device *vt_host_device(const struct vt_host *h, size_t index);
VT_API const struct vt_host_device *vt_host_device_by_bdf(const struct vt_host *h, const char *bdf);
/* A PCI address in any spelling Linux takes ("3b:00.0", "0000:3B:00.0")
 * written as sysfs does ("0000:3b:00.0") into out; -EINVAL when it is not
 * one. */
#define VT_BDF_TEXT_MAX 24
VT_API int vt_bdf_normalize(const char *text, char out[VT_BDF_TEXT_MAX]);
/* The device with this name (one of vt_host_device.names), or NULL. */
VT_API const struct vt_host_device *vt_host_device_by_name(const struct vt_host *h,
                                                           const char *name);

/* Warnings gathered while loading, in order. */
VT_API size_t vt_host_warning_count(const struct vt_host *h);
VT_API const char *vt_host_warning(const struct vt_host *h, size_t index);
/* How many of the warnings (the first ones) a host file recorded when its
 * host was read and saved, rather than arose now. */
VT_API size_t vt_host_recorded_warning_count(const struct vt_host *h);
/* The root a sysfs host was read under ("/" for the live system); NULL for a
 * host file or a synthetic host. */
VT_API const char *vt_host_fsroot(const struct vt_host *h);
/* One line saying where the model came from ("sysfs /", "file x.json"). */
VT_API const char *vt_host_description(const struct vt_host *h);

/*
 * Batch frame lookup, the semantics of Xen's "PXMs of a batch of machine
 * frames": for each host page frame number pfns[i] (4 KiB frames), write the
 * host_pxm of the node whose ranges contain it to pxms[i] (VT_PXM_UNKNOWN if
 * that node's PXM is unknown, VT_PXM_INVALID outside every range) and, when
 * pnodes is not NULL, its pnode to pnodes[i] (VT_PNODE_INVALID outside).
 * One bad frame never fails the batch. Returns the number of frames found
 * inside a node's range, or -EINVAL when an array needed for n > 0 is NULL.
 */
VT_API long vt_host_pfn_lookup(const struct vt_host *h, const uint64_t *pfns, size_t n,
                               uint32_t *pxms, int *pnodes);

/* The host as a JSON document (docs/host-format.md): *json is malloc'd. */
VT_API int vt_host_to_json(const struct vt_host *h, char **json, struct vt_err *err);
/* The host's topology as 16 hex digits: a hash (FNV-1a, 64 bits) of its
 * JSON document without "source" and "warnings", so the same machine gives
 * the same fingerprint from sysfs, a dump or a host file, and any change of
 * its nodes, CPUs, memory, distances or devices gives another. plan.json
 * records the fingerprint of the host it was made on. */
#define VT_HOST_FINGERPRINT_LEN 16
VT_API int vt_host_fingerprint(const struct vt_host *h, char fp[VT_HOST_FINGERPRINT_LEN + 1],
                               struct vt_err *err);
/* Write vt_host_to_json's document to path atomically. */
VT_API int vt_host_save(const struct vt_host *h, const char *path, struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
