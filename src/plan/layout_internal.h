/* The inside of vt_layout: what the planner fills in before freezing it
 * (internal). Emitters use the public accessors only. */
#ifndef VT_PLAN_LAYOUT_INTERNAL_H
#define VT_PLAN_LAYOUT_INTERNAL_H

#include "vtopo/layout.h"

struct layout_vnode {
    struct vt_vnode pub;
    struct vt_bitmap *vcpus;         /* present */
    struct vt_bitmap *hotplug_vcpus; /* hot-pluggable */
    struct vt_bitmap *float_cpus;    /* or NULL (plan/affinity.c) */
    struct vt_mem_range *ranges;
    size_t nranges;
};

/* A guest-physical range and its vnode, sorted by start: the GPA index. */
struct gpa_range {
    uint64_t start, end;
    unsigned vnode;
};

struct vt_layout {
    struct vt_request *request; /* a copy of the request it was planned from */
    const char *const *names;   /* how messages name request fields (the request's) */
    struct vt_vcpu *vcpus;      /* every planned vCPU: the present ones, then the hot-pluggable */
    size_t nvcpus;              /* all of them */
    size_t npresent;            /* vCPUs 0..npresent-1 are present at boot */
    struct vt_initiator *initiators;
    size_t ninitiators;
    struct vt_hotplug_memory *hotplug; /* address order */
    size_t nhotplug;
    struct vt_device *devices; /* as requested (plan/devices.c) */
    size_t ndevices;
    struct vt_pci_expander *expanders; /* vnode order */
    size_t nexpanders;
    struct layout_vnode *vnodes;
    size_t nvnodes;
    struct vt_bitmap *emulator_cpus; /* the VMM threads' pin, or NULL (plan/affinity.c) */
    uint32_t *dist;                  /* nvnodes * nvnodes */
    /* HMAT: initiators (vt_layout_hmat_is_initiator) and targets
     * (vt_layout_hmat_is_target), each in vnode order (set by layout_freeze). */
    int *hmat_row, *hmat_col; /* per vnode: its initiator row / target column, or -1 */
    size_t ninit, ntarg;
    uint32_t *hmat_latency, *hmat_bandwidth; /* ninit x ntarg as given, or NULL: derived */
    struct vt_shape shape;
    struct vt_apic_fields fields;
    enum vt_apic_encoding apic;
    enum vt_vendor vendor;
    enum vt_mem_layout mem_layout;
    uint64_t memory;
    struct vt_e820_entry *map;
    size_t nmap;
    struct gpa_range *gpa;
    size_t ngpa;
    unsigned nodes_per_pkg; /* most vnodes in one package, up to 8 (AMD NodesPerProcessor) */
    char **warnings;
    size_t nwarnings;
};

/* An empty layout with room for nvcpus vCPUs (all present until the planner
 * lowers npresent) and nvnodes vnodes (bitmaps allocated, distances 0); NULL
 * when out of memory. */
struct vt_layout *layout_alloc(size_t nvcpus, size_t nvnodes);
void layout_warn(struct vt_layout *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Point the public views at the private data, build the GPA index (boot
 * and hot-pluggable ranges) and number the HMAT initiators and targets. */
int layout_freeze(struct vt_layout *l, struct vt_err *err);
/* Each vnode's float_cpus from the request or the default, and the
 * emulator pin by the request's mode, on host h (plan/affinity.c). */
int layout_float_cpus(struct vt_layout *l, const struct vt_host *h, struct vt_err *err);

#endif
