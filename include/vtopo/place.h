/* Many guests on one host: choosing host nodes and host CPUs for a new
 * guest given what is already placed (docs/placement.md), and the state
 * of placed guests as a JSON document. The CLI is `vtopo place`. */
#ifndef VTOPO_PLACE_H
#define VTOPO_PLACE_H

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

/* How a guest's vCPUs use host CPUs: each on a host CPU of its own
 * (dedicated: no other vCPU, and no other guest, ever runs there), or
 * floating over a node's shared CPUs with other guests' vCPUs. */
enum vt_cpu_policy { VT_CPU_SHARED, VT_CPU_DEDICATED };
/* Dedicated vCPUs and SMT siblings: prefer siblings (fill whole cores
 * first), isolate (a whole core per vCPU, its siblings held idle), require
 * (whole cores only, the spare threads of the last held; a host without SMT
 * refuses). */
enum vt_thread_policy { VT_THREAD_PREFER, VT_THREAD_ISOLATE, VT_THREAD_REQUIRE };

/* At most this many vCPUs of shared guests per shared host CPU of a node
 * by default (a state's shared_ratio). */
#define VT_PLACE_SHARED_RATIO 4
/* A guest's name: 1 to 64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
#define VT_PLACE_NAME_MAX   64
#define VT_PLACE_MAX_GUESTS 65536
/* A guest spans at most this many host nodes (one vnode each). */
#define VT_PLACE_MAX_VNODES 64

struct vt_place_request {
    const char *name;
    unsigned vcpus;
    uint64_t memory_bytes;   /* a multiple of hugepage_bytes, or of VT_MEM_GRANULE */
    unsigned vnodes;         /* 0: as few as fit */
    uint64_t hugepage_bytes; /* 0: ordinary memory; else backed by huge pages of this size */
    enum vt_cpu_policy cpu_policy;
    enum vt_thread_policy thread_policy; /* dedicated only */
    unsigned emulator_cpus;              /* dedicated only: host CPUs for QEMU's own threads */
    bool overcommit_memory;              /* ordinary memory may exceed what is free */
    /* The host nodes to place it on, vnode i on pnodes[i] (npnodes of them,
     * distinct; vnodes, when given, must agree): a toolstack's own choice
     * (and a baseline's, bench/bench_place), its CPUs, memory and huge
     * pages taken as vtopo takes them. NULL: vtopo's policy chooses. */
    const unsigned *pnodes;
    size_t npnodes;
};

/* A placed guest's share of one host node: vnode i of its plan. */
struct vt_place_part {
    unsigned pnode;
    unsigned vcpus; /* vCPUs first_vcpu .. first_vcpu + vcpus - 1 */
    unsigned first_vcpu;
    uint64_t memory_bytes;
    /* Dedicated: the host CPU of each of its vCPUs, core by core (vcpus
     * entries); NULL when shared. */
    const int *pcpus;
    /* Dedicated: CPUs held for it but not run on (isolate's and require's
     * spare threads); the emulator's CPUs (the first part only). Empty
     * when none; never NULL. */
    const struct vt_bitmap *reserved;
    const struct vt_bitmap *emulator;
};

struct vt_placed_guest {
    const char *name;
    unsigned vcpus;
    uint64_t memory_bytes;
    uint64_t hugepage_bytes;
    enum vt_cpu_policy cpu_policy;
    enum vt_thread_policy thread_policy;
    bool overcommit_memory;
    /* Dedicated: its vCPUs come in groups of this many SMT siblings of one
     * host core (vCPUs 0,1 on one core's threads, ...), so its plan gives
     * the guest as many threads a core; 1 otherwise. */
    unsigned threads_per_core;
    const struct vt_place_part *parts;
    size_t nparts;
};

/* What a host node has free for new guests, given the state. */
struct vt_place_free {
    unsigned pnode;
    uint64_t memory_bytes;   /* ordinary memory: within MemTotal minus pools minus placed, and
                                within MemFree when known */
    unsigned dedicated_cpus; /* CPUs dedication may still take */
    unsigned whole_cores;    /* of them, cores with every thread free */
    unsigned shared_cpus;    /* CPUs shared guests float on */
    unsigned shared_vcpus;   /* shared guests' vCPUs on them */
    unsigned vcpus;          /* every guest's vCPUs on the node, dedicated and shared */
};

struct vt_place_state;

/* An empty state for host h (h must outlive it); shared_ratio 0 takes
 * VT_PLACE_SHARED_RATIO. */
VT_API int vt_place_state_new(const struct vt_host *h, unsigned shared_ratio,
                              struct vt_place_state **out, struct vt_err *err);
/* A state document (what vt_place_state_to_json writes) for host h: its
 * fingerprint must be h's, every guest well-formed, no host CPU held by two
 * guests or twice. Errors name `name` (the file), the field and the rule. */
VT_API int vt_place_state_parse(const struct vt_host *h, const char *json, size_t len,
                                const char *name, struct vt_place_state **out, struct vt_err *err);
VT_API int vt_place_state_to_json(const struct vt_place_state *s, char **json, struct vt_err *err);
VT_API void vt_place_state_free(struct vt_place_state *s);
/* One guest as the state document has it (an element of "guests"). */
VT_API int vt_place_guest_to_json(const struct vt_placed_guest *g, char **json, struct vt_err *err);

VT_API unsigned vt_place_state_shared_ratio(const struct vt_place_state *s);
VT_API size_t vt_place_guest_count(const struct vt_place_state *s);
VT_API const struct vt_placed_guest *vt_place_guest(const struct vt_place_state *s, size_t i);
VT_API const struct vt_placed_guest *vt_place_guest_by_name(const struct vt_place_state *s,
                                                            const char *name);
/* What node index i of the host has free. */
VT_API void vt_place_node_free(const struct vt_place_state *s, size_t i, struct vt_place_free *f);
/* The CPUs shared guests float on, on node index i: its housekeeping CPUs
 * no guest holds (a new bitmap the caller frees; NULL when out of memory).
 * Fewer as dedicated guests take them on a host that isolates no CPU. */
VT_API struct vt_bitmap *vt_place_node_shared_cpus(const struct vt_place_state *s, size_t i);
/* Free pages of page_bytes on node index i (0 when it has no such pool). */
VT_API uint64_t vt_place_node_free_pages(const struct vt_place_state *s, size_t i,
                                         uint64_t page_bytes);

/* Choose nodes and CPUs for r and add the guest to s; *out is it (owned by
 * s, valid until s next changes). A refusal (-ENOSPC) says what is short and where; a bad request
 * (-EINVAL) which field breaks which rule; s is unchanged by either. */
VT_API int vt_place(struct vt_place_state *s, const struct vt_place_request *r,
                    const struct vt_placed_guest **out, struct vt_err *err);
/* Free guest name's CPUs, memory and huge pages (-ENOENT: no such guest). */
VT_API int vt_place_release(struct vt_place_state *s, const char *name, struct vt_err *err);

/* The guest's vCPU shape when its SMT sibling groups make one (a socket a
 * vnode of equal vCPUs, threads_per_core threads a core): true and *shape;
 * false when the plan's default shape is the guest's. */
VT_API bool vt_place_guest_shape(const struct vt_placed_guest *g, struct vt_shape *shape);
/* Where a placed guest's floating threads run now (new bitmaps the caller
 * frees; 0 or -ENOMEM). Part `part`'s vCPUs: a shared guest's float over
 * the shared CPUs of the part's node (vt_place_node_shared_cpus); *out is
 * NULL for a dedicated guest, whose vCPUs are pinned. */
VT_API int vt_place_guest_float_cpus(const struct vt_place_state *s,
                                     const struct vt_placed_guest *g, size_t part,
                                     struct vt_bitmap **out);
/* Its VMM's threads (QEMU's emulator threads): its emulator CPUs when it
 * has them; else the shared CPUs of its nodes; else (a dedicated guest on
 * nodes whose every CPU is held) its own vCPUs' CPUs. */
VT_API int vt_place_guest_emulator_cpus(const struct vt_place_state *s,
                                        const struct vt_placed_guest *g, struct vt_bitmap **out);
/* The plan request that follows from a placed guest of s: its vCPUs,
 * memory, vnodes on its nodes with their memory, its pins when dedicated,
 * its shape (vt_place_guest_shape), a shared guest's vnode_cpus
 * (vt_place_guest_float_cpus) and its emulator_cpus
 * (vt_place_guest_emulator_cpus). On a host that isolates no CPU the
 * shared CPUs shrink as dedicated guests arrive: docs/placement.md. */
VT_API int vt_place_guest_request(const struct vt_place_state *s, const struct vt_placed_guest *g,
                                  struct vt_request *r, struct vt_err *err);

VT_API const char *vt_cpu_policy_name(enum vt_cpu_policy p);
VT_API const char *vt_thread_policy_name(enum vt_thread_policy p);
/* The policy named n, or -1. */
VT_API int vt_cpu_policy_of_name(const char *n);
VT_API int vt_thread_policy_of_name(const char *n);

#ifdef __cplusplus
}
#endif

#endif
