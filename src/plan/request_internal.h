/* The inside of vt_request (internal). */
#ifndef VT_PLAN_REQUEST_INTERNAL_H
#define VT_PLAN_REQUEST_INTERNAL_H

#include "vtopo/layout.h"

/* A matrix field (distances, hmat_latency, hmat_bandwidth): rows x
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

/* initiators: one generic initiator. */
struct request_initiator {
    uint16_t segment;
    uint8_t bus, devfn;
    unsigned vnode;
};

/* hotplug_memory: one hot-pluggable range. */
struct request_hotplug {
    uint64_t bytes;
    unsigned vnode;
};

/* devices: one PCI device (vt_device_request, its BDF normalized). */
struct request_device {
    char bdf[24];
    int vnode; /* -1: chosen by the device's host node */
    enum vt_device_model model;
    unsigned queues;
    int slot; /* -1: the vnode's next free root port */
};

struct vt_request {
    const char *const *names; /* how messages name the fields; NULL: their own names */
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
    bool have_vendor; /* given; else the host's CPU vendor decides */
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
    struct request_device *devices; /* --device, in the order given */
    size_t ndevices;
    unsigned *spare_slots; /* --spare-slots: 1 entry (every vnode) or one per vnode */
    size_t nspare_slots;
    bool strict_devices;
    /* --vnode-cpus: 1 entry (every vnode) or one per vnode; a NULL entry is
     * "any" (no affinity). NULL: the default (vt_vnode.float_cpus). */
    struct vt_bitmap **vnode_cpus;
    size_t nvnode_cpus;
    enum vt_emulator_cpus emulator_mode;
    struct vt_bitmap *emulator_cpus; /* VT_EMULATOR_LIST's, else NULL */
};

/* Linux hot-adds memory in memory blocks of 128 MiB (x86-64's smallest):
 * hot-pluggable ranges are non-zero multiples of it. */
#define HOTPLUG_GRANULE (UINT64_C(128) << 20)
static inline bool hotplug_size_ok(uint64_t bytes)
{
    return bytes && bytes % HOTPLUG_GRANULE == 0;
}

/* The vt_device_model named name ("vfio", ...: vt_device_model_name), or -1. */
int device_model_of_name(const char *name);
/* How messages name field f of r (vt_request_name_fields). */
const char *request_name(const struct vt_request *r, enum vt_request_field f);
/* The names table of r, for a layout planned from it (may be NULL). */
const char *const *request_names(const struct vt_request *r);
/* Field f named by a names table (NULL: the field's own name). */
const char *field_name(const char *const *names, enum vt_request_field f);
/* The rule of one value of matrix field f (distances, hmat_latency,
 * hmat_bandwidth): 0, or -EINVAL with the rule's sentence. */
int request_check_matrix_value(const struct vt_request *r, enum vt_request_field f, size_t row,
                               size_t col, uint64_t v, struct vt_err *err);
/* 0 when placement k may be set: none set yet, or k itself. */
int request_check_placement(const struct vt_request *r, enum placement_kind k, struct vt_err *err);

/* A deep copy of r (the layout keeps one: vt_layout_request), or NULL. */
struct vt_request *request_copy(const struct vt_request *r);

struct buf;
struct json_object;
/* r as the "request" object of plan.json: the fields' own names as keys. */
void request_to_json(const struct vt_request *r, struct buf *b);
/* The fields of a "request" object into r (fresh from vt_request_new), each
 * through its typed setter; messages name the file `name`. */
int request_from_json_object(struct json_object *o, const char *name, struct vt_request *r,
                             struct vt_err *err);

#endif
