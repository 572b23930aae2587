/* The inside of vt_request (internal). */
#ifndef VT_PLAN_REQUEST_INTERNAL_H
#define VT_PLAN_REQUEST_INTERNAL_H

#include "vtopo/layout.h"

/* The most --initiator devices and --hotplug-memory ranges a request holds. */
#define VT_MAX_INITIATORS     1024
#define VT_MAX_HOTPLUG_RANGES 1024

/* A matrix option (--distances, --hmat-latency, --hmat-bandwidth): rows x
 * cols values, row-major; rows == 0 when not given. */
struct request_matrix {
    uint32_t *values;
    size_t rows, cols;
};

enum placement_kind {
    PLACE_NONE,
    PLACE_VNODES,
    PLACE_VCPU_NODES,
    PLACE_PIN,
    PLACE_PIN_IDENTITY,
};

/* --initiator: one generic initiator. */
struct request_initiator {
    uint16_t segment;
    uint8_t bus, devfn;
    unsigned vnode;
};

/* --hotplug-memory: one hot-pluggable range. */
struct request_hotplug {
    uint64_t bytes;
    unsigned vnode;
};

struct vt_request {
    unsigned vcpus;
    unsigned max_vcpus; /* --max-vcpus, 0 = not given (no hot-pluggable vCPUs) */
    uint64_t memory;
    enum placement_kind placement;
    unsigned vnodes;    /* PLACE_VNODES */
    int *vcpu_vnode;    /* PLACE_VCPU_NODES: per vCPU, -1 = unassigned */
    size_t nvcpu_vnode; /* entries in vcpu_vnode (the highest vCPU named + 1) */
    int *vcpu_pcpu;     /* PLACE_PIN: per vCPU, -1 = unpinned */
    size_t nvcpu_pcpu;
    int *vnode_pnode; /* --vnode-pnodes, or NULL */
    size_t nvnode_pnode;
    uint64_t *vnode_memory; /* --vnode-memory, or NULL */
    size_t nvnode_memory;
    bool have_shape;
    struct vt_shape shape; /* 0 = not given */
    enum vt_vendor vendor;
    enum vt_apic_encoding apic;
    enum vt_mem_layout mem_layout;
    char *e820_path; /* VT_MEM_E820 */
    bool allow_package_span;
    uint32_t *vnode_guest_pxm; /* --guest-pxms, or NULL */
    size_t nvnode_guest_pxm;
    struct request_matrix distances;      /* --distances: vnode x vnode */
    struct request_matrix hmat_latency;   /* --hmat-latency: ns, initiator x target */
    struct request_matrix hmat_bandwidth; /* --hmat-bandwidth: MB/s, initiator x target */
    struct request_initiator *initiators; /* --initiator, in the order given */
    size_t ninitiators;
    struct request_hotplug *hotplug; /* --hotplug-memory, in the order given */
    size_t nhotplug;
};

#endif
