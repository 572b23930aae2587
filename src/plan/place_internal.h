/* The placement state's insides (internal): the guests and, kept in step
 * with them, what every host node has in use. place.c places and releases;
 * place_json.c reads and writes the document. */
#ifndef VT_PLAN_PLACE_INTERNAL_H
#define VT_PLAN_PLACE_INTERNAL_H

#include "vtopo/place.h"

struct place_part {
    struct vt_place_part pub;
    int *pcpus;
    struct vt_bitmap *reserved, *emulator;
};

struct place_guest {
    struct vt_placed_guest pub;
    char *name;
    struct place_part *parts;
    struct vt_place_part *pub_parts;
    size_t nparts;
};

/* A core of a node's dedication pool: its threads in the pool, ascending,
 * and its width, every online thread it has on the node: it is whole-able
 * (isolate, require) only when all of them are in the pool. */
struct place_core {
    unsigned first, nthreads, width;
    unsigned *threads;
};

/* What a host node (by index) has, and has in use. */
struct place_node {
    unsigned pnode;
    uint64_t capacity;            /* MemTotal minus the huge page pools */
    uint64_t mem_used;            /* ordinary memory of guests here */
    uint64_t *hp_used;            /* pages in use, per host pool (host node's hugepages[]) */
    unsigned shared_vcpus, vcpus; /* shared guests', every guest's */
    struct place_core *cores;
    size_t ncores;
    unsigned pool_cpus; /* CPUs in the dedication pool */
    bool pool_shared;   /* the pool takes shared (housekeeping) CPUs: no isolation */
};

struct vt_place_state {
    const struct vt_host *h;
    char fingerprint[VT_HOST_FINGERPRINT_LEN + 1];
    unsigned shared_ratio;
    struct place_guest *g;
    size_t n, cap;
    struct place_node *nodes; /* one per host node, the host's order */
    size_t nnodes;
    /* CPUs dedication may take; those held (run on, reserved, emulator) by
     * a guest; the node index of each CPU (-1: none). */
    struct vt_bitmap *pool, *held;
    /* The core (index into its node's cores) of each pool CPU, -1 else. */
    int *core_of;
    size_t ncore_of;
};

/* The node index of pnode in the state, or -1. */
int place_node_index(const struct vt_place_state *s, unsigned pnode);
/* The pool index of page_bytes on node index i, or -1. */
int place_pool_index(const struct vt_place_state *s, size_t i, uint64_t page_bytes);
/* Whether a guest name follows VT_PLACE_NAME_MAX's rule. */
bool place_name_ok(const char *name);
/* Take guest g (built by the caller, its parts filled) into the state: its
 * CPUs held, its memory and pages counted. A CPU already held or not on its
 * part's node, or more guests than VT_PLACE_MAX_GUESTS, is refused
 * (-EINVAL, why in err) and g left to the caller; so are, for a new guest,
 * a name taken and a CPU dedication may not take. A guest read from a
 * state file (from_file) may hold a CPU dedication may no longer take (the
 * host's isolation changed since: its guests stay where they are), and the
 * reader checks the names once, sorted. */
int place_add(struct vt_place_state *s, struct place_guest *g, bool from_file, struct vt_err *err);
void place_guest_clear(struct place_guest *g);
/* g's public view (pub.name, pub.parts) made from its insides. */
void place_guest_publish(struct place_guest *g);

#endif
