/* vt_plan: from a host and a request, one immutable vt_layout — vCPUs to
 * vnodes, vnodes to pnodes, memory per vnode, topology ids and APIC IDs in
 * the chosen encoding, distances, guest memory map and ranges, the predicted
 * Linux node numbering — validated against the union of QEMU's, libxl's and
 * Linux's rules (docs/plan-format.md). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/numa.h"
#include "format/acpi_parse.h"
#include "plan/layout_internal.h"
#include "model/vmm/memmap.h"
#include "model/vmm/qemu.h"
#include "plan/devices.h"
#include "plan/e820_trim.h"
#include "plan/request_internal.h"
#include "plan/srat_walk.h"
#include "util/file.h"
#include "vtopo/size.h"

/* How messages name a request field (the request's names: flags for the CLI). */
#define F(f) request_name(p->r, f)

_Static_assert(VT_MAX_VNODES == VT_LINUX_MAX_NUMNODES,
               "a plan has at most as many vnodes as the modelled Linux has nodes");

#define DIST_LOCAL      10
#define DIST_SAME_PNODE 11 /* two vnodes on one pnode: the nearest value Linux accepts */
#define DIST_UNBOUND    20 /* a vnode without a pnode (an empty PXM gap) */
#define DIST_MAX        254

struct planner {
    const struct vt_host *h;
    const struct vt_request *r;
    struct vt_err *err;
    enum vt_vendor vendor; /* the guest's: as asked, else the host's */
    bool foreign_host;     /* the host is not x86 (planned anyway: warned) */
    unsigned nvcpus;       /* every planned vCPU, hot-pluggable ones included */
    unsigned npresent;     /* vCPUs present at boot: 0..npresent-1 */
    unsigned nvnodes;
    unsigned nplaced; /* vnodes the placement made; the rest hold only generic initiators */
    int *vcpu_vnode;  /* per vCPU */
    int *vcpu_pcpu;   /* per vCPU, -1 unpinned */
    int *vnode_pnode; /* per vnode, -1 unbound */
    uint32_t *vnode_guest_pxm; /* guest_pxm per vnode */
    uint64_t *vnode_mem;       /* bytes per vnode */
    unsigned *vnode_count;     /* vCPUs per vnode */
    enum vt_mem_layout mem_layout;
    uint64_t memory;
    struct vt_layout *l;
};

static int oom(struct planner *p)
{
    return vt_err_set(p->err, -ENOMEM, "out of memory");
}

/* How messages count the vCPUs: hot-pluggable ones included with --max-vcpus. */
static const char *vcpu_option(const struct planner *p)
{
    return F(p->r->max_vcpus ? VT_FIELD_MAX_VCPUS : VT_FIELD_VCPUS);
}

static const char *hotplug_note(const struct planner *p)
{
    return p->r->max_vcpus ? ", hot-pluggable ones included" : "";
}

/* The same inside a sentence. */
static const char *hotplug_aside(const struct planner *p)
{
    return p->r->max_vcpus ? ", hot-pluggable ones included," : "";
}

/* Bit width of a field holding count values: ceil(log2(count)). */
static unsigned width(unsigned count)
{
    unsigned w = 0;

    while ((1u << w) < count)
        w++;
    return w;
}

/* fls(x): index of the highest set bit, 1-based; 0 for 0. */
static unsigned fls_u32(uint32_t x)
{
    return x ? 32u - (unsigned)__builtin_clz(x) : 0;
}

/* ---- vCPUs to vnodes --------------------------------------------------- */

static int alloc_vnodes(struct planner *p, unsigned n)
{
    p->nvnodes = n;
    p->vnode_pnode = malloc(n * sizeof(*p->vnode_pnode));
    p->vnode_guest_pxm = malloc(n * sizeof(*p->vnode_guest_pxm));
    p->vnode_mem = calloc(n, sizeof(*p->vnode_mem));
    p->vnode_count = calloc(n, sizeof(*p->vnode_count));
    if (!p->vnode_pnode || !p->vnode_guest_pxm || !p->vnode_mem || !p->vnode_count)
        return oom(p);
    for (unsigned v = 0; v < n; v++) {
        p->vnode_pnode[v] = -1;
        p->vnode_guest_pxm[v] = v;
    }
    return 0;
}

/* Balanced split: sizes differ by at most one, the larger vnodes first. */
static int place_balanced(struct planner *p)
{
    unsigned n = p->r->vnodes ? p->r->vnodes : 1; /* default: one vnode */
    unsigned base = p->nvcpus / n, extra = p->nvcpus % n, vcpu = 0;
    int rc = alloc_vnodes(p, n);

    if (rc < 0)
        return rc;
    for (unsigned v = 0; v < n; v++)
        for (unsigned k = 0; k < base + (v < extra); k++)
            p->vcpu_vnode[vcpu++] = (int)v;
    return 0;
}

static int place_map(struct planner *p)
{
    const struct vt_request *r = p->r;
    int max = -1;

    if (r->nvcpu_vnode > p->nvcpus)
        return vt_err_set(p->err, -EINVAL, "%s names vCPU %zu but the guest has %u vCPUs (0-%u%s)",
                          F(VT_FIELD_VCPU_VNODES), r->nvcpu_vnode - 1, p->nvcpus, p->nvcpus - 1,
                          hotplug_note(p));
    for (unsigned i = 0; i < p->nvcpus; i++) {
        if (i >= r->nvcpu_vnode || r->vcpu_vnode[i] < 0)
            return vt_err_set(p->err, -EINVAL,
                              "%s does not assign vCPU %u to a vnode (every vCPU%s "
                              "needs exactly one)",
                              F(VT_FIELD_VCPU_VNODES), i, hotplug_aside(p));
        p->vcpu_vnode[i] = r->vcpu_vnode[i];
        if (r->vcpu_vnode[i] > max)
            max = r->vcpu_vnode[i];
    }
    return alloc_vnodes(p, (unsigned)max + 1);
}

/* --pin: a vnode per host node of the pinned pCPUs, in order of first use. */
static int place_pinned(struct planner *p, bool identity)
{
    const struct vt_request *r = p->r;
    const struct vt_host_cpus *hc = vt_host_cpus(p->h);
    int pnode_vnode[VT_NODE_ID_MAX + 1];
    unsigned n = 0;
    int rc;

    for (unsigned i = 0; i <= VT_NODE_ID_MAX; i++)
        pnode_vnode[i] = -1;
    if (!identity && r->nvcpu_pcpu > p->nvcpus)
        return vt_err_set(p->err, -EINVAL, "%s names vCPU %zu but the guest has %u vCPUs%s",
                          F(VT_FIELD_PINS), r->nvcpu_pcpu - 1, p->nvcpus, hotplug_note(p));
    for (unsigned i = 0; i < p->nvcpus; i++) {
        int pcpu = identity ? (int)i : i < r->nvcpu_pcpu ? r->vcpu_pcpu[i] : -1;
        int pnode;

        if (pcpu < 0)
            return vt_err_set(p->err, -EINVAL,
                              "%s does not pin vCPU %u (with %s every vCPU%s needs a pCPU)",
                              F(VT_FIELD_PINS), i, F(VT_FIELD_PINS), hotplug_aside(p));
        if (!vt_bitmap_isset(hc->online, (unsigned)pcpu))
            return vt_err_set(p->err, -EINVAL,
                              "%s: pCPU %d (for vCPU %u) is not an online CPU of "
                              "the host",
                              F(identity ? VT_FIELD_PIN_IDENTITY : VT_FIELD_PINS), pcpu, i);
        pnode = vt_host_cpu_pnode(p->h, (unsigned)pcpu);
        if (pnode < 0)
            return vt_err_set(p->err, -EINVAL, "%s: pCPU %d is in no host node",
                              F(identity ? VT_FIELD_PIN_IDENTITY : VT_FIELD_PINS), pcpu);
        p->vcpu_pcpu[i] = pcpu;
        if (pnode_vnode[pnode] < 0)
            pnode_vnode[pnode] = (int)n++;
        p->vcpu_vnode[i] = pnode_vnode[pnode];
    }
    if (!identity) {
        if ((rc = alloc_vnodes(p, n)) < 0)
            return rc;
        for (unsigned pn = 0; pn <= VT_NODE_ID_MAX; pn++)
            if (pnode_vnode[pn] >= 0)
                p->vnode_pnode[pnode_vnode[pn]] = (int)pn;
        return 0;
    }
    /* dom0: vnode index = host PXM, gaps kept as empty vnodes. */
    {
        uint32_t max_pxm = 0;

        for (unsigned pn = 0; pn <= VT_NODE_ID_MAX; pn++) {
            const struct vt_host_node *hn;

            if (pnode_vnode[pn] < 0)
                continue;
            hn = vt_host_node(p->h, (size_t)vt_host_node_index(p->h, pn));
            if (hn->host_pxm == VT_PXM_UNKNOWN)
                return vt_err_set(p->err, -EINVAL,
                                  "%s needs each host node's firmware PXM, and node "
                                  "%u's is unknown (run as root so the SRAT is readable, or give "
                                  "%s DIR)",
                                  F(VT_FIELD_PIN_IDENTITY), pn, F(VT_FIELD_HOST_ACPI));
            if (hn->host_pxm >= VT_MAX_VNODES)
                return vt_err_set(p->err, -EINVAL,
                                  "%s: host node %u has PXM %u, above the %d vnodes a "
                                  "plan may have",
                                  F(VT_FIELD_PIN_IDENTITY), pn, hn->host_pxm, VT_MAX_VNODES);
            if (hn->host_pxm > max_pxm)
                max_pxm = hn->host_pxm;
        }
        if ((rc = alloc_vnodes(p, max_pxm + 1)) < 0)
            return rc;
        for (unsigned i = 0; i < p->nvcpus; i++) {
            int pn = vt_host_cpu_pnode(p->h, (unsigned)p->vcpu_pcpu[i]);
            const struct vt_host_node *hn =
                vt_host_node(p->h, (size_t)vt_host_node_index(p->h, (unsigned)pn));

            p->vcpu_vnode[i] = (int)hn->host_pxm;
            p->vnode_pnode[hn->host_pxm] = pn;
        }
    }
    return 0;
}

static int place_vcpus(struct planner *p)
{
    switch (p->r->placement) {
    case PLACE_NONE:
    case PLACE_VNODES:
        return place_balanced(p);
    case PLACE_VCPU_NODES:
        return place_map(p);
    case PLACE_PIN:
        return place_pinned(p, false);
    case PLACE_PIN_IDENTITY:
        return place_pinned(p, true);
    }
    return vt_err_set(p->err, -EINVAL, "unknown placement");
}

/* ---- generic initiators ---------------------------------------------------- */

/* Grow the per-vnode arrays to n vnodes: the new ones unbound, guest_pxm =
 * vnode, without vCPUs or memory. */
static int grow_vnodes(struct planner *p, unsigned n)
{
    int *pnode = realloc(p->vnode_pnode, n * sizeof(*pnode));
    uint32_t *pxm = pnode ? realloc(p->vnode_guest_pxm, n * sizeof(*pxm)) : NULL;
    uint64_t *mem = pxm ? realloc(p->vnode_mem, n * sizeof(*mem)) : NULL;
    unsigned *count = mem ? realloc(p->vnode_count, n * sizeof(*count)) : NULL;

    /* Each array that moved is already the planner's, so a failure frees all. */
    if (pnode)
        p->vnode_pnode = pnode;
    if (pxm)
        p->vnode_guest_pxm = pxm;
    if (mem)
        p->vnode_mem = mem;
    if (!count)
        return oom(p);
    p->vnode_count = count;
    for (unsigned v = p->nvnodes; v < n; v++) {
        pnode[v] = -1;
        pxm[v] = v;
        mem[v] = 0;
        count[v] = 0;
    }
    p->nvnodes = n;
    return 0;
}

static void bdf_text(const struct request_initiator *gi, char *buf, size_t size)
{
    snprintf(buf, size, "%04x:%02x:%02x.%x", gi->segment, gi->bus, gi->devfn >> 3, gi->devfn & 7);
}

/* --initiator: a device's vnode is one of the placement's, or a new vnode of
 * generic initiators only; new vnodes follow the placement's without a gap. */
static int initiator_vnodes(struct planner *p)
{
    const struct vt_request *r = p->r;
    unsigned top = p->nvnodes;
    bool *named;

    p->nplaced = p->nvnodes;
    for (size_t i = 0; i < r->ninitiators; i++)
        if (r->initiators[i].vnode + 1 > top)
            top = r->initiators[i].vnode + 1;
    if (top == p->nvnodes)
        return 0;
    named = calloc(top, sizeof(*named));
    if (!named)
        return oom(p);
    for (size_t i = 0; i < r->ninitiators; i++)
        named[r->initiators[i].vnode] = true;
    for (unsigned v = p->nvnodes; v < top; v++) {
        char bdf[32];

        if (named[v])
            continue;
        /* v is a gap: name the first device beyond it. */
        for (size_t i = 0; i < r->ninitiators; i++)
            if (r->initiators[i].vnode > v) {
                bdf_text(&r->initiators[i], bdf, sizeof(bdf));
                free(named);
                return vt_err_set(p->err, -EINVAL,
                                  "%s %s@%u: the plan has vnodes 0-%u, so a new vnode of "
                                  "generic initiators must be %u (new vnodes follow without a "
                                  "gap)",
                                  F(VT_FIELD_INITIATORS), bdf, r->initiators[i].vnode,
                                  p->nvnodes - 1, v);
            }
    }
    free(named);
    return grow_vnodes(p, top);
}

/* ---- empty vnodes --------------------------------------------------------- */

/* Whether an option other than the placement names vnode v. */
static bool vnode_named(const struct vt_request *r, unsigned v)
{
    if (v < r->nvnode_memory || v < r->nvnode_pnode || v < r->nvnode_guest_pxm ||
        v < r->distances.rows)
        return true;
    for (size_t i = 0; i < r->ninitiators; i++)
        if (r->initiators[i].vnode == v)
            return true;
    for (size_t i = 0; i < r->nhotplug; i++)
        if (r->hotplug[i].vnode == v)
            return true;
    return false;
}

/*
 * --vcpu-nodes makes vnodes up to the highest it names; one that gets no
 * vCPU and that no other option names is a gap nobody asked for (0-3:1023
 * would make 1023 empty vnodes).
 */
static int unnamed_vnodes(struct planner *p)
{
    if (p->r->placement != PLACE_VCPU_NODES)
        return 0;
    for (unsigned v = 0; v < p->nplaced; v++)
        if (!p->vnode_count[v] && !vnode_named(p->r, v))
            return vt_err_set(p->err, -EINVAL,
                              "%s: vnode %u gets no vCPU and no other option names it "
                              "(vnodes are numbered from 0 without gaps: renumber them, or give "
                              "vnode %u memory with %s)",
                              F(VT_FIELD_VCPU_VNODES), v, v, F(VT_FIELD_VNODE_MEMORY));
    return 0;
}

/* One warning for the vnodes in set: "vnode 2 <one>" or "vnodes 1-3 <many>". */
static void warn_vnodes(struct planner *p, const struct vt_bitmap *set, const char *one,
                        const char *many)
{
    char *list;

    if (vt_bitmap_iszero(set))
        return;
    list = vt_bitmap_format_list(set);
    if (vt_bitmap_weight(set) == 1)
        layout_warn(p->l, "vnode %s %s", list ? list : "?", one);
    else
        layout_warn(p->l, "vnodes %s %s", list ? list : "?", many);
    free(list);
}

/*
 * The threads of a guest core pinned to host CPUs that are not SMT
 * siblings of one host core (vt_host_cpu_topo): the guest's scheduler
 * believes they share a core. Said once, for the first such core; or, when
 * the host's siblings are not known, that they cannot be checked.
 */
static void warn_smt_pins(struct planner *p)
{
    const struct vt_layout *l = p->l;

    for (unsigned i = 0; i < p->nvcpus; i++)
        for (unsigned j = 0; j < i; j++) {
            const struct vt_vcpu *a = &l->vcpus[j], *b = &l->vcpus[i];
            const struct vt_host_cpu_topo *t;

            if (a->package != b->package || a->die != b->die || a->core != b->core || a->pcpu < 0 ||
                b->pcpu < 0 || a->pcpu == b->pcpu)
                continue;
            t = vt_host_cpu_topo(p->h, (unsigned)a->pcpu);
            if (!t || !t->siblings) {
                layout_warn(p->l,
                            "the shape has %u threads per core and the vCPUs are pinned, but the "
                            "host's SMT siblings are not known (host CPU %d's topology): check "
                            "that each vCPU core's threads are pinned to sibling threads of one "
                            "host core",
                            l->shape.threads, a->pcpu);
                return;
            }
            if (!vt_bitmap_isset(t->siblings, (unsigned)b->pcpu)) {
                layout_warn(p->l,
                            "vCPUs %u and %u are threads of one guest core but are pinned to host "
                            "CPUs %d and %d, which are not SMT siblings: the guest's scheduler "
                            "thinks they share a core's caches and execution units",
                            j, i, a->pcpu, b->pcpu);
                return;
            }
        }
}

/*
 * NUMA that is not there, said in words: vnodes with vCPUs or memory bound
 * to one host node (the guest sees two nodes and a distance the host does
 * not have), vCPUs pinned to one host CPU, and a guest core's threads
 * pinned to host CPUs that are not SMT siblings.
 */
static void warn_fake_numa(struct planner *p)
{
    bool smt_pinned = false;

    for (unsigned v = 0; v < p->nvnodes; v++)
        for (unsigned w = 0; w < v; w++)
            if (p->vnode_pnode[v] >= 0 && p->vnode_pnode[w] == p->vnode_pnode[v] &&
                p->mem_layout != VT_MEM_HOST && (p->vnode_count[v] || p->vnode_mem[v]) &&
                (p->vnode_count[w] || p->vnode_mem[w])) {
                layout_warn(p->l,
                            "vnodes %u and %u are both on host node %d: the guest sees two NUMA "
                            "nodes (distance %u) where the host has one; give them different "
                            "nodes with %s, or fewer vnodes",
                            w, v, p->vnode_pnode[v], p->l->dist[(size_t)w * p->nvnodes + v],
                            F(VT_FIELD_VNODE_PNODES));
                v = w = p->nvnodes; /* once */
                break;
            }
    for (unsigned i = 0; i < p->nvcpus; i++) {
        for (unsigned j = 0; j < i; j++)
            if (p->vcpu_pcpu[i] >= 0 && p->vcpu_pcpu[i] == p->vcpu_pcpu[j]) {
                layout_warn(p->l,
                            "vCPUs %u and %u are both pinned to host CPU %d: they share one CPU, "
                            "and the guest's scheduler does not know it",
                            j, i, p->vcpu_pcpu[i]);
                i = p->nvcpus; /* once */
                break;
            }
        smt_pinned |= i < p->nvcpus && p->vcpu_pcpu[i] >= 0;
    }
    if (smt_pinned && p->l->shape.threads > 1)
        warn_smt_pins(p);
}

/*
 * The vnodes the guest will not see as planned, one warning per kind, so a
 * plan of 1024 vnodes says it in three lines, not a thousand:
 * - empty (no vCPU, memory, hot-pluggable memory or generic initiator):
 *   the SRAT holds nothing of them, Linux never makes a node of them.
 *   Allowed where asked for (--vnodes beyond the vCPUs, a per-vnode list,
 *   --pin-identity's PXM gaps), never silently;
 * - a guest PXM Linux gives no node (VT_LINUX_MAX_PXM and above): the SRAT
 *   is dropped;
 * - a guest PXM only kernels with fewer nodes drop (from
 *   VT_LINUX_SMALL_MAX_PXM).
 */
static int warn_vnodes_unseen(struct planner *p)
{
    struct vt_bitmap *empty = vt_bitmap_new(), *big = vt_bitmap_new(), *small = vt_bitmap_new();
    char one[320], many[320], why[96] = "";
    int rc = 0;

    if (!empty || !big || !small) {
        rc = oom(p);
        goto out;
    }
    for (size_t v = 0; v < p->l->nvnodes && rc == 0; v++) {
        const struct vt_vnode *vn = &p->l->vnodes[v].pub;

        if (vt_bitmap_iszero(vn->vcpus) && vt_bitmap_iszero(vn->hotplug_vcpus) &&
            !vn->memory_bytes && !vn->hotplug_memory_bytes && !vn->ninitiators)
            rc = vt_bitmap_set(empty, (unsigned)v);
        if (rc == 0 && vn->guest_pxm >= VT_LINUX_MAX_PXM)
            rc = vt_bitmap_set(big, (unsigned)v);
        else if (rc == 0 && vn->guest_pxm >= VT_LINUX_SMALL_MAX_PXM)
            rc = vt_bitmap_set(small, (unsigned)v);
    }
    if (rc < 0) {
        rc = oom(p);
        goto out;
    }
    if (p->r->placement == PLACE_PIN_IDENTITY)
        snprintf(why, sizeof(why), "; gaps in the host's PXMs that %s keeps",
                 F(VT_FIELD_PIN_IDENTITY));
    else if (p->r->placement == PLACE_VNODES)
        snprintf(why, sizeof(why), "; %s is above what the vCPUs fill", F(VT_FIELD_VNODES));
    snprintf(one, sizeof(one),
             "is empty (no vCPU, memory or generic initiator%s): the SRAT holds nothing of it, "
             "so the guest has no node for it",
             why);
    snprintf(many, sizeof(many),
             "are empty (no vCPU, memory or generic initiator%s): the SRAT holds nothing of "
             "them, so the guest has no node for them",
             why);
    warn_vnodes(p, empty, one, many);
    if (!vt_bitmap_iszero(big)) {
        uint32_t guest_pxm = p->l->vnodes[vt_bitmap_first(big)].pub.guest_pxm;

        snprintf(one, sizeof(one),
                 "has guest PXM %u: Linux gives PXMs of %u and more no node (MAX_PXM_DOMAINS) "
                 "and does not use the SRAT",
                 guest_pxm, VT_LINUX_MAX_PXM);
        snprintf(many, sizeof(many),
                 "have guest PXMs of %u and more (the first: %u): Linux gives them no node "
                 "(MAX_PXM_DOMAINS) and does not use the SRAT",
                 VT_LINUX_MAX_PXM, guest_pxm);
        warn_vnodes(p, big, one, many);
    }
    if (!vt_bitmap_iszero(small)) {
        uint32_t guest_pxm = p->l->vnodes[vt_bitmap_first(small)].pub.guest_pxm;

        snprintf(one, sizeof(one),
                 "has guest PXM %u: distribution kernels (%u nodes) use it, but a kernel built "
                 "with %u nodes or fewer has MAX_PXM_DOMAINS %u and drops the SRAT",
                 guest_pxm, VT_LINUX_MAX_NUMNODES, VT_LINUX_SMALL_MAX_PXM, VT_LINUX_SMALL_MAX_PXM);
        snprintf(many, sizeof(many),
                 "have guest PXMs from %u to %u (the first: %u): distribution kernels (%u "
                 "nodes) use them, but a kernel built with %u nodes or fewer has "
                 "MAX_PXM_DOMAINS %u and drops the SRAT",
                 VT_LINUX_SMALL_MAX_PXM, VT_LINUX_MAX_PXM - 1, guest_pxm, VT_LINUX_MAX_NUMNODES,
                 VT_LINUX_SMALL_MAX_PXM, VT_LINUX_SMALL_MAX_PXM);
        warn_vnodes(p, small, one, many);
    }
out:
    vt_bitmap_free(empty);
    vt_bitmap_free(big);
    vt_bitmap_free(small);
    return rc;
}

/* ---- vnodes to pnodes -------------------------------------------------- */

/*
 * Default: spread the vnodes over the host nodes that have CPUs and memory,
 * nearest-first: start at the lowest such node, then repeatedly take the
 * candidate with the smallest total distance to the nodes already chosen
 * (lowest pnode on ties). With more vnodes than candidates, wrap around.
 */
static int choose_pnodes(struct planner *p)
{
    const struct vt_request *r = p->r;
    size_t nh = vt_host_node_count(p->h), ncand = 0, nchosen = 0;
    int *cand, *order; /* candidates as host node indices; chosen pnodes in order */
    uint64_t *sum;     /* per candidate: summed distance to the nodes chosen so far */
    bool *taken;

    if (r->placement == PLACE_PIN || r->placement == PLACE_PIN_IDENTITY) {
        if (r->vnode_pnode)
            return vt_err_set(p->err, -EINVAL,
                              "%s cannot be combined with %s: the pinned pCPUs "
                              "decide each vnode's host node",
                              F(VT_FIELD_VNODE_PNODES),
                              F(r->placement == PLACE_PIN ? VT_FIELD_PINS : VT_FIELD_PIN_IDENTITY));
        return 0;
    }
    if (r->vnode_pnode) {
        if (r->nvnode_pnode != p->nvnodes)
            return vt_err_set(p->err, -EINVAL, "%s lists %zu pnodes for %u vnodes",
                              F(VT_FIELD_VNODE_PNODES), r->nvnode_pnode, p->nvnodes);
        for (unsigned v = 0; v < p->nvnodes; v++) {
            if (vt_host_node_index(p->h, (unsigned)r->vnode_pnode[v]) < 0)
                return vt_err_set(p->err, -EINVAL,
                                  "%s: pnode %d (for vnode %u) is not a node of the "
                                  "host",
                                  F(VT_FIELD_VNODE_PNODES), r->vnode_pnode[v], v);
            p->vnode_pnode[v] = r->vnode_pnode[v];
        }
        return 0;
    }
    cand = malloc(nh * sizeof(*cand));
    order = malloc(nh * sizeof(*order));
    sum = calloc(nh, sizeof(*sum));
    taken = calloc(nh, sizeof(*taken));
    if (!cand || !order || !sum || !taken) {
        free(cand);
        free(order);
        free(sum);
        free(taken);
        return oom(p);
    }
    for (size_t i = 0; i < nh; i++) {
        const struct vt_host_node *hn = vt_host_node(p->h, i);

        if (hn->has_cpu && hn->has_memory)
            cand[ncand++] = (int)i;
    }
    if (ncand == 0) {
        /* No node has both (e.g. memory on CPU-less nodes): any node. */
        for (size_t i = 0; i < nh; i++)
            cand[ncand++] = (int)i;
    }
    {
        size_t want = p->nplaced < ncand ? p->nplaced : ncand;

        while (nchosen < want) {
            size_t best = 0;
            uint64_t best_sum = UINT64_MAX;
            const uint32_t *row;

            for (size_t c = 0; c < ncand; c++)
                if (!taken[c] && sum[c] < best_sum) {
                    best_sum = sum[c];
                    best = c;
                }
            taken[best] = true;
            order[nchosen++] = (int)vt_host_node(p->h, (size_t)cand[best])->pnode;
            row = vt_host_node(p->h, (size_t)cand[best])->distances;
            for (size_t c = 0; c < ncand; c++)
                sum[c] += row[cand[c]] ? row[cand[c]] : 255; /* unknown: farthest */
        }
        ncand = want;
    }
    free(sum);
    free(taken);
    /* Vnodes of generic initiators only stay unbound: adding a device moves
     * no other vnode. */
    for (unsigned v = 0; v < p->nplaced; v++)
        p->vnode_pnode[v] = order[v % ncand];
    free(cand);
    free(order);
    return 0;
}

/* ---- memory per vnode --------------------------------------------------- */

/* Largest remainder: granules proportional to weights, exact total; the
 * leftover granules go to the largest remainders, ties to the lower vnode. */
struct remainder {
    unsigned __int128 rem;
    unsigned vnode;
};

static int cmp_remainder(const void *a, const void *b)
{
    const struct remainder *x = a, *y = b;

    if (x->rem != y->rem)
        return x->rem > y->rem ? -1 : 1;
    return x->vnode < y->vnode ? -1 : x->vnode > y->vnode;
}

static int split_proportional(struct planner *p, uint64_t total, const unsigned *weights,
                              unsigned n, uint64_t *out)
{
    uint64_t granules = total / VT_MEM_GRANULE, sum_w = 0, given = 0;
    struct remainder *rem = malloc(n * sizeof(*rem));

    if (!rem)
        return oom(p);
    for (unsigned v = 0; v < n; v++)
        sum_w += weights[v];
    for (unsigned v = 0; v < n; v++) {
        unsigned __int128 share = (unsigned __int128)granules * weights[v];

        out[v] = sum_w ? (uint64_t)(share / sum_w) : 0;
        rem[v].rem = sum_w ? share % sum_w : 0;
        rem[v].vnode = v;
        given += out[v];
    }
    qsort(rem, n, sizeof(*rem), cmp_remainder);
    for (unsigned k = 0; given < granules && k < n; k++, given++)
        out[rem[k].vnode]++;
    for (unsigned v = 0; v < n; v++)
        out[v] *= VT_MEM_GRANULE;
    free(rem);
    return 0;
}

static int split_memory(struct planner *p)
{
    const struct vt_request *r = p->r;

    if (r->vnode_memory) {
        uint64_t sum = 0;
        char a[32], b[32];

        if (r->nvnode_memory != p->nvnodes)
            return vt_err_set(p->err, -EINVAL, "%s lists %zu sizes for %u vnodes",
                              F(VT_FIELD_VNODE_MEMORY), r->nvnode_memory, p->nvnodes);
        for (unsigned v = 0; v < p->nvnodes; v++) {
            p->vnode_mem[v] = r->vnode_memory[v];
            sum += r->vnode_memory[v];
        }
        if (sum != p->memory) {
            vt_size_format(a, sizeof(a), sum);
            vt_size_format(b, sizeof(b), p->memory);
            return vt_err_set(p->err, -EINVAL,
                              "%s adds up to %s but %s is %s (they must be "
                              "equal)",
                              F(VT_FIELD_VNODE_MEMORY), a, F(VT_FIELD_MEMORY), b);
        }
        return 0;
    }
    return split_proportional(p, p->memory, p->vnode_count, p->nvnodes, p->vnode_mem);
}

/* ---- topology and APIC IDs ----------------------------------------------- */

/* The sdm encoding (QEMU's, cloud-hypervisor's): the shape given, vCPUs in
 * QEMU's slot order; or one socket per vnode with vCPUs, max_per cores each.
 * index[v] counts vnode v's vCPUs so far, socket_of[v] is its socket. */
static int topology_sdm(struct planner *p, unsigned max_per, unsigned with_cpus, unsigned *index,
                        const unsigned *socket_of)
{
    const struct vt_request *r = p->r;
    struct vt_layout *l = p->l;
    int rc = 0;

    struct vt_shape s = r->shape;
    bool by_vnode = !r->have_shape;

    if (by_vnode) {
        /* One socket per vnode with vCPUs, max_per cores each. */
        s.sockets = with_cpus;
        s.dies = 1;
        s.cores = max_per;
        s.threads = 1;
    } else {
        uint64_t product;

        s.sockets = s.sockets ? s.sockets : 1;
        s.dies = s.dies ? s.dies : 1;
        s.threads = s.threads ? s.threads : 1;
        if (!s.cores) {
            /* 64 bits: three fields of up to 8192 overflow 32. */
            uint64_t others = (uint64_t)s.sockets * s.dies * s.threads;

            s.cores = p->nvcpus / others ? (unsigned)(p->nvcpus / others) : 1;
        }
        product = qemu_slot_count(&s);
        if (product != p->nvcpus) {
            rc =
                vt_err_set(p->err, -EINVAL,
                           "%s sockets=%u,dies=%u,cores=%u,threads=%u makes %llu "
                           "vCPUs but %s is %u (the product must equal the vCPU count%s)",
                           F(VT_FIELD_SHAPE), s.sockets, s.dies, s.cores, s.threads,
                           (unsigned long long)product, vcpu_option(p), p->nvcpus, hotplug_note(p));
            goto out;
        }
    }
    l->shape = s;
    l->fields.core_shift = width(s.threads);
    l->fields.die_shift = l->fields.core_shift + width(s.cores);
    l->fields.pkg_shift = l->fields.die_shift + width(s.dies);
    for (unsigned i = 0; i < p->nvcpus; i++) {
        struct vt_vcpu *c = &l->vcpus[i];
        unsigned v = (unsigned)p->vcpu_vnode[i];

        if (by_vnode) {
            c->package = socket_of[v];
            c->die = 0;
            c->core = index[v]++;
            c->thread = 0;
        } else {
            struct qemu_topo_ids ids;

            qemu_slot_ids(&s, i, &ids);
            c->package = ids.package;
            c->die = ids.die;
            c->core = ids.core;
            c->thread = ids.thread;
        }
        c->apic_id = c->package << l->fields.pkg_shift | c->die << l->fields.die_shift |
                     c->core << l->fields.core_shift | c->thread;
    }
out:
    return rc;
}

/* The xen encoding (vnode << fls(2 * max_per - 1) | index * 2: each vnode a
 * package of max_per cores), and legacy (vcpu * 2) where that is the same or
 * else one package of all. */
static int topology_xen(struct planner *p, unsigned max_per, unsigned with_cpus, unsigned *index)
{
    const struct vt_request *r = p->r;
    struct vt_layout *l = p->l;
    int rc = 0;

    bool legacy_aligned = true;
    unsigned pkg_shift = fls_u32(2 * max_per - 1);

    if (r->have_shape) {
        rc = vt_err_set(p->err, -EINVAL,
                        "%s cannot be combined with %s %s: that encoding puts each "
                        "vnode in its own package of max-vCPUs-per-vnode cores",
                        F(VT_FIELD_SHAPE), F(VT_FIELD_APIC), vt_apic_encoding_name(r->apic));
        goto out;
    }
    for (unsigned i = 0; i < p->nvcpus; i++) {
        unsigned v = (unsigned)p->vcpu_vnode[i];
        uint32_t xen_id = v << pkg_shift | index[v] * 2;

        legacy_aligned &= xen_id == i * 2;
        l->vcpus[i].apic_id = xen_id;
        l->vcpus[i].package = v;
        l->vcpus[i].core = index[v]++;
    }
    l->shape.sockets = with_cpus;
    l->shape.dies = 1;
    l->shape.cores = max_per;
    l->shape.threads = 1;
    l->fields.core_shift = 1;
    l->fields.die_shift = pkg_shift;
    l->fields.pkg_shift = pkg_shift;
    if (r->apic == VT_APIC_LEGACY && !legacy_aligned) {
        /* vcpu*2 cannot give each vnode its own package: one package of all. */
        pkg_shift = fls_u32(2 * p->nvcpus - 1);
        for (unsigned i = 0; i < p->nvcpus; i++) {
            l->vcpus[i].apic_id = i * 2;
            l->vcpus[i].package = 0;
            l->vcpus[i].core = i;
        }
        l->shape.sockets = 1;
        l->shape.cores = p->nvcpus;
        l->fields.die_shift = l->fields.pkg_shift = pkg_shift;
        if (with_cpus > 1)
            layout_warn(l,
                        "%s legacy: vcpu*2 APIC IDs cannot give each vnode its own "
                        "package here (vnodes are not power-of-two sized and in vCPU order), "
                        "so all vCPUs are one package spanning %u vnodes; Linux then drops "
                        "the package scheduling level (x86_has_numa_in_package)",
                        F(VT_FIELD_APIC), with_cpus);
    }
out:
    return rc;
}

static int topology(struct planner *p)
{
    const struct vt_request *r = p->r;
    struct vt_layout *l = p->l;
    unsigned max_per = 0, with_cpus = 0, *index = calloc(p->nvnodes, sizeof(unsigned));
    unsigned *socket_of = calloc(p->nvnodes, sizeof(unsigned));
    int rc = 0;

    if (!index || !socket_of) {
        free(index);
        free(socket_of);
        return oom(p);
    }
    for (unsigned v = 0; v < p->nvnodes; v++) {
        if (p->vnode_count[v] > max_per)
            max_per = p->vnode_count[v];
        if (p->vnode_count[v])
            socket_of[v] = with_cpus++;
    }

    rc = r->apic == VT_APIC_SDM ? topology_sdm(p, max_per, with_cpus, index, socket_of)
                                : topology_xen(p, max_per, with_cpus, index);
    if (rc < 0)
        goto out;
    for (unsigned i = 0; i < p->nvcpus; i++)
        l->vcpus[i].vnode = (unsigned)p->vcpu_vnode[i];
out:
    free(index);
    free(socket_of);
    return rc;
}

/* The first APIC group (apic_id >> shift) holding vCPUs of two vnodes, or -1
 * (-2 when out of memory); *va and *vb name the two vnodes. O(vCPUs + groups)
 * with a table indexed by group. */
static long group_spanning(const struct vt_layout *l, unsigned shift, unsigned *va, unsigned *vb)
{
    uint32_t max = 0;
    int *owner;
    long bad = -1;

    for (size_t i = 0; i < l->nvcpus; i++)
        if (l->vcpus[i].apic_id > max)
            max = l->vcpus[i].apic_id;
    owner = malloc(((size_t)(max >> shift) + 1) * sizeof(*owner));
    if (!owner)
        return -2;
    for (size_t g = 0; g <= (max >> shift); g++)
        owner[g] = -1;
    for (size_t i = 0; i < l->nvcpus && bad < 0; i++) {
        uint32_t g = l->vcpus[i].apic_id >> shift;

        if (owner[g] < 0) {
            owner[g] = (int)l->vcpus[i].vnode;
        } else if (owner[g] != (int)l->vcpus[i].vnode) {
            bad = (long)g;
            *va = (unsigned)owner[g];
            *vb = l->vcpus[i].vnode;
        }
    }
    free(owner);
    return bad;
}

/* SMT siblings, LLCs and (unless allowed) packages never span vnodes; APIC
 * IDs are unique. */
static int check_topology(struct planner *p)
{
    struct vt_layout *l = p->l;
    struct vt_apic_fields *f = &l->fields;
    unsigned va = 0, vb = 0, top = l->shape.dies > 1 ? f->die_shift : f->pkg_shift;
    struct vt_bitmap *seen = vt_bitmap_new();
    long g;

    if (!seen)
        return oom(p);
    for (size_t i = 0; i < l->nvcpus; i++) {
        uint32_t id = l->vcpus[i].apic_id;

        if (id > VT_BITMAP_ID_MAX) {
            vt_bitmap_free(seen);
            return vt_err_set(p->err, -EINVAL,
                              "vCPU %zu would get APIC ID %u, beyond the %u this planner "
                              "supports; use a denser %s",
                              i, id, VT_BITMAP_ID_MAX, F(VT_FIELD_SHAPE));
        }
        if (vt_bitmap_isset(seen, id)) {
            vt_bitmap_free(seen);
            return vt_err_set(p->err, -EINVAL, "vCPU %zu repeats APIC ID %u", i, id);
        }
        if (vt_bitmap_set(seen, id) < 0) {
            vt_bitmap_free(seen);
            return oom(p);
        }
    }
    vt_bitmap_free(seen);
    g = group_spanning(l, f->core_shift, &va, &vb);
    if (g == -2)
        return oom(p);
    if (g >= 0)
        return vt_err_set(p->err, -EINVAL,
                          "the threads of core %ld are in vnodes %u and %u; SMT siblings must "
                          "share a vnode (Linux warns \"sched: CPU's smt-sibling is not on the "
                          "same node\")",
                          g, va, vb);
    g = group_spanning(l, f->pkg_shift, &va, &vb);
    if (g == -2)
        return oom(p);
    if (g >= 0 && p->r->apic != VT_APIC_LEGACY) {
        if (!p->r->allow_package_span)
            return vt_err_set(p->err, -EINVAL,
                              "package %ld holds vCPUs of vnodes %u and %u; a package spanning "
                              "vnodes must be asked for with %s (or change "
                              "%s or the placement)",
                              g, va, vb, F(VT_FIELD_ALLOW_PACKAGE_SPAN), F(VT_FIELD_SHAPE));
        layout_warn(l,
                    "package %ld spans vnodes %u and %u (allowed by %s): Linux "
                    "sets x86_has_numa_in_package and drops the package scheduling level; "
                    "caches are split so no cache spans a vnode",
                    g, va, vb, F(VT_FIELD_ALLOW_PACKAGE_SPAN));
    }
    /* The LLC: the widest APIC-aligned group up to the die (or package) that
     * stays inside one vnode. */
    f->llc_shift = top;
    while (f->llc_shift > f->core_shift) {
        g = group_spanning(l, f->llc_shift, &va, &vb);
        if (g == -2)
            return oom(p);
        if (g < 0)
            break;
        f->llc_shift--;
    }
    if (f->llc_shift < top)
        layout_warn(l,
                    "a vnode boundary falls inside a %s, so its last-level cache is reported per "
                    "group of %u APIC IDs (no cache is shared across vnodes)",
                    l->shape.dies > 1 ? "die" : "package", 1u << f->llc_shift);
    for (size_t i = 0; i < l->nvcpus; i++)
        if (l->vcpus[i].apic_id > VT_XAPIC_MAX_ID) {
            layout_warn(l,
                        "vCPU %zu has APIC ID %u (>= 255): the guest needs x2APIC, and QEMU a "
                        "kernel irqchip with the x2APIC API",
                        i, l->vcpus[i].apic_id);
            break;
        }
    return 0;
}

/* ---- guest PXMs ------------------------------------------------------------ */

/* --guest-pxms replaces the default guest_pxm = vnode (the setter checked
 * the values; the count needs the plan's vnodes). */
static int guest_pxms(struct planner *p)
{
    const struct vt_request *r = p->r;

    if (!r->vnode_guest_pxm)
        return 0;
    if (r->placement == PLACE_PIN_IDENTITY)
        return vt_err_set(p->err, -EINVAL,
                          "%s cannot be combined with %s: with "
                          "%s each vnode's guest PXM is its host PXM",
                          F(VT_FIELD_GUEST_PXMS), F(VT_FIELD_PIN_IDENTITY),
                          F(VT_FIELD_PIN_IDENTITY));
    if (r->nvnode_guest_pxm != p->nvnodes)
        return vt_err_set(p->err, -EINVAL,
                          "%s lists %zu PXMs for %u vnodes (one per vnode, in vnode "
                          "order)",
                          F(VT_FIELD_GUEST_PXMS), r->nvnode_guest_pxm, p->nvnodes);
    memcpy(p->vnode_guest_pxm, r->vnode_guest_pxm, p->nvnodes * sizeof(*p->vnode_guest_pxm));
    return 0;
}

/* ---- distances ----------------------------------------------------------- */

/* --distances as given (the setter checked the values), else derived from
 * the host. */
static int distances(struct planner *p)
{
    struct vt_layout *l = p->l;
    const struct request_matrix *given = &p->r->distances;
    unsigned n = p->nvnodes;

    if (given->rows) {
        if (given->rows != n)
            return vt_err_set(p->err, -EINVAL,
                              "%s is a %zux%zu matrix but the plan has %u vnodes (a row "
                              "and a column per vnode)",
                              F(VT_FIELD_DISTANCES), given->rows, given->cols, n);
        memcpy(l->dist, given->values, (size_t)n * n * sizeof(*l->dist));
        return 0;
    }
    for (unsigned a = 0; a < n; a++)
        for (unsigned b = 0; b < n; b++) {
            int pa = p->vnode_pnode[a], pb = p->vnode_pnode[b];
            uint32_t d;

            if (a == b)
                d = DIST_LOCAL;
            else if (pa < 0 || pb < 0)
                d = DIST_UNBOUND;
            else if (pa == pb)
                d = DIST_SAME_PNODE;
            else {
                d = vt_host_distance(p->h, (unsigned)pa, (unsigned)pb);
                if (d == 0)
                    d = DIST_UNBOUND;
                if (d <= DIST_LOCAL)
                    d = DIST_SAME_PNODE;
                if (d > DIST_MAX)
                    d = DIST_MAX;
            }
            l->dist[(size_t)a * n + b] = d;
        }
    return 0;
}

/* ---- memory map and ranges ------------------------------------------------- */

static int add_range(struct layout_vnode *v, uint64_t start, uint64_t end)
{
    struct vt_mem_range *r = realloc(v->ranges, (v->nranges + 1) * sizeof(*r));

    if (!r)
        return -ENOMEM;
    v->ranges = r;
    r[v->nranges].start = start;
    r[v->nranges].end = end;
    v->nranges++;
    return 0;
}

static int take_map(struct planner *p, struct e820_map *map)
{
    p->l->map = map->entries;
    p->l->nmap = map->n;
    map->entries = NULL;
    map->n = 0;
    return 0;
}

/* The host's physical ranges of the vnodes' pnodes, sorted: one pnode per
 * vnode, and every pnode with memory must have its ranges. */
static int host_ranges_map(struct planner *p, struct e820_map *host)
{
    struct e820_buf b = {0};

    for (unsigned v = 0; v < p->nvnodes; v++) {
        const struct vt_host_node *hn;

        if (p->vnode_pnode[v] < 0)
            continue;
        for (unsigned w = 0; w < v; w++)
            if (p->vnode_pnode[w] == p->vnode_pnode[v]) {
                free(b.e);
                return vt_err_set(p->err, -EINVAL,
                                  "%s host: vnodes %u and %u share pnode %d; a "
                                  "host-shaped layout needs one pnode per vnode",
                                  F(VT_FIELD_MEM_LAYOUT), w, v, p->vnode_pnode[v]);
            }
        hn = vt_host_node(p->h, (size_t)vt_host_node_index(p->h, (unsigned)p->vnode_pnode[v]));
        if (hn->has_memory && hn->nranges == 0) {
            free(b.e);
            return vt_err_set(p->err, -EINVAL,
                              "%s host needs the host's physical memory ranges, and "
                              "node %u has none (no SRAT and no memory/block_size_bytes)",
                              F(VT_FIELD_MEM_LAYOUT), hn->pnode);
        }
        for (size_t k = 0; k < hn->nranges; k++)
            if (e820_buf_add(&b, hn->ranges[k].start, hn->ranges[k].end, VT_E820_RAM) < 0) {
                free(b.e);
                return oom(p);
            }
    }
    if (b.n == 0)
        return vt_err_set(p->err, -EINVAL, "%s host: the vnodes' host nodes have no memory ranges",
                          F(VT_FIELD_MEM_LAYOUT));
    /* Sorted input for the trim. */
    for (size_t i = 1; i < b.n; i++)
        for (size_t j = i; j > 0 && b.e[j].start < b.e[j - 1].start; j--) {
            struct vt_e820_entry t = b.e[j];

            b.e[j] = b.e[j - 1];
            b.e[j - 1] = t;
        }
    host->entries = b.e;
    host->n = b.n;
    return 0;
}

/* Each RAM entry of the trimmed map to the vnode whose pnode's range holds
 * it. */
static int assign_host_ranges(struct planner *p, const struct e820_map *trimmed)
{
    for (size_t i = 0; i < trimmed->n; i++) {
        const struct vt_e820_entry *e = &trimmed->entries[i];

        if (e->type != VT_E820_RAM)
            continue;
        for (unsigned v = 0; v < p->nvnodes; v++) {
            int pn = p->vnode_pnode[v];
            const struct vt_host_node *hn;
            bool inside = false;

            if (pn < 0)
                continue;
            hn = vt_host_node(p->h, (size_t)vt_host_node_index(p->h, (unsigned)pn));
            for (size_t k = 0; k < hn->nranges && !inside; k++)
                inside = e->start >= hn->ranges[k].start && e->end <= hn->ranges[k].end;
            if (inside) {
                if (add_range(&p->l->vnodes[v], e->start, e->end) < 0)
                    return oom(p);
                p->vnode_mem[v] += e->end - e->start;
                break;
            }
        }
    }
    return 0;
}

/* Host-shaped (dom0): the guest map is the host's physical ranges of the
 * vnodes' pnodes, trimmed proportionally to the memory budget; each vnode
 * holds what is left of its pnode's ranges. */
static int memory_host_shaped(struct planner *p)
{
    struct e820_map host = {0}, trimmed = {0};
    int rc;

    if ((rc = host_ranges_map(p, &host)) < 0)
        return rc;
    if (!p->r->memory)
        p->memory = e820_ram_bytes(&host) / VT_MEM_GRANULE * VT_MEM_GRANULE;
    if ((rc = e820_trim_proportional(&host, p->memory, &trimmed, p->err)) < 0)
        vt_err_prefix(p->err, "%s host: ", F(VT_FIELD_MEM_LAYOUT));
    else if ((rc = assign_host_ranges(p, &trimmed)) == 0)
        take_map(p, &trimmed);
    e820_free(&host);
    e820_free(&trimmed);
    return rc;
}

/* The memory map of an E820 file: its RAM trimmed proportionally to the
 * memory asked for (all of it, in whole 2 MiB granules, when none is). */
static int e820_file_map(struct planner *p, struct e820_map *map)
{
    struct e820_map file = {0};
    char *text;
    int rc;

    if ((rc = vt_read_file(p->r->e820_path, VT_E820_TEXT_MAX, VT_READ_TEXT, &text, NULL, p->err)) <
        0)
        return rc;
    rc = e820_parse(text, p->r->e820_path, &file, p->err);
    free(text);
    if (rc < 0)
        return rc;
    if (e820_ram_bytes(&file) < VT_MEM_GRANULE) {
        e820_free(&file);
        return vt_err_set(p->err, -EINVAL,
                          "%s: less than 2 MiB of usable RAM (entries of type 'usable'); a "
                          "guest's memory is whole 2 MiB granules of it",
                          p->r->e820_path);
    }
    if (!p->r->memory)
        p->memory = e820_ram_bytes(&file) / VT_MEM_GRANULE * VT_MEM_GRANULE;
    if (e820_ram_bytes(&file) < p->memory) {
        char a[32], b[32];

        vt_size_format(a, sizeof(a), e820_ram_bytes(&file));
        vt_size_format(b, sizeof(b), p->memory);
        e820_free(&file);
        return vt_err_set(p->err, -EINVAL, "%s has %s of RAM, less than %s %s", p->r->e820_path, a,
                          F(VT_FIELD_MEMORY), b);
    }
    rc = e820_trim_proportional(&file, p->memory, map, p->err);
    e820_free(&file);
    return rc;
}

/*
 * The guest's memory: each vnode's bytes and its guest-physical ranges.
 *
 *  1. The map: host-shaped (the pnodes' own ranges, trimmed proportionally:
 *     memory_host_shaped, which decides the vnodes' bytes itself), an E820
 *     file (e820_file_map), or the VMM kind's map for the memory
 *     (memmap_build: QEMU pc/q35, Xen HVM, flat).
 *  2. split_memory: each vnode's bytes, as given (vnode_memory) or in
 *     proportion to its vCPUs, in whole 2 MiB granules, totalling exactly the
 *     memory.
 *  3. memmap_place: the bytes laid on the map in vnode order as the VMM lays
 *     out its SRAT (model/vmm/memmap.c), split around holes.
 *
 * Guarantees: the vnodes' bytes total the memory; each vnode's ranges hold
 * its bytes (less the 384 KiB legacy hole inside the QEMU vnode that spans
 * it); ranges of different vnodes never overlap, and the map's RAM outside
 * every range is under Linux's 1 MiB SRAT coverage limit. The layout keeps
 * the map as the guest's E820.
 */
static int memory_layout(struct planner *p)
{
    struct e820_map map = {0};
    struct placed_range *placed = NULL;
    size_t nplaced = 0;
    int rc;

    if (p->mem_layout == VT_MEM_HOST) {
        if (p->r->vnode_memory)
            return vt_err_set(p->err, -EINVAL,
                              "%s cannot be combined with %s host: the "
                              "host's ranges, trimmed to %s, decide each vnode's memory",
                              F(VT_FIELD_VNODE_MEMORY), F(VT_FIELD_MEM_LAYOUT), F(VT_FIELD_MEMORY));
        return memory_host_shaped(p);
    }
    if (p->mem_layout == VT_MEM_E820)
        rc = e820_file_map(p, &map);
    else
        rc = memmap_build(p->mem_layout, p->memory, &map, p->err);
    if (rc < 0)
        return rc;
    if ((rc = split_memory(p)) < 0) {
        e820_free(&map);
        return rc;
    }
    rc = memmap_place(p->mem_layout, &map, p->vnode_mem, p->nvnodes, &placed, &nplaced, p->err);
    for (size_t i = 0; rc == 0 && i < nplaced; i++)
        if (add_range(&p->l->vnodes[placed[i].vnode], placed[i].start, placed[i].end) < 0)
            rc = oom(p);
    free(placed);
    if (rc == 0)
        take_map(p, &map);
    e820_free(&map);
    return rc;
}

/* ---- hot-pluggable memory ---------------------------------------------------- */

/*
 * --hotplug-memory: QEMU puts its device-memory region (DIMMs, virtio-mem) at
 * the end of the RAM above 4 GiB rounded up to 1 GiB (pc.c,
 * pc_get_device_memory_range), and reserves 1 GiB of alignment per slot; so
 * here each range starts at the next 1 GiB boundary at or above 4 GiB and
 * above the whole memory map, in the order given. The E820 is unchanged:
 * nothing is there at boot.
 */
static int place_hotplug(struct planner *p)
{
    const struct vt_request *r = p->r;
    struct vt_layout *l = p->l;
    uint64_t next = 0;

    if (!r->nhotplug)
        return 0;
    for (size_t i = 0; i < l->nmap; i++)
        if (l->map[i].end > next)
            next = l->map[i].end;

    l->hotplug = calloc(r->nhotplug, sizeof(*l->hotplug));
    if (!l->hotplug)
        return oom(p);
    for (size_t i = 0; i < r->nhotplug; i++) {
        const struct request_hotplug *h = &r->hotplug[i];
        uint64_t start = qemu_device_memory_base(next);
        char sz[32];

        vt_size_format(sz, sizeof(sz), h->bytes);
        if (h->vnode >= p->nvnodes)
            return vt_err_set(p->err, -EINVAL,
                              "%s: vnode %u (of range %zu, %s) is not a vnode of "
                              "the plan (vnodes 0-%u)",
                              F(VT_FIELD_HOTPLUG_MEMORY), h->vnode, i, sz, p->nvnodes - 1);
        if (start > VT_PHYS_ADDR_LIMIT || h->bytes > VT_PHYS_ADDR_LIMIT - start)
            return vt_err_set(p->err, -EINVAL,
                              "%s: range %zu (%s for vnode %u) would end beyond the "
                              "52-bit guest-physical address space (it starts at 0x%llx)",
                              F(VT_FIELD_HOTPLUG_MEMORY), i, sz, h->vnode,
                              (unsigned long long)start);
        l->hotplug[i].start = start;
        l->hotplug[i].end = start + h->bytes;
        l->hotplug[i].vnode = h->vnode;
        next = start + h->bytes;
    }
    l->nhotplug = r->nhotplug;
    return 0;
}

/* Host nodes must hold what their vnodes ask for, hot-pluggable memory
 * included. */
static int check_pnode_memory(struct planner *p)
{
    size_t nh = vt_host_node_count(p->h);

    for (size_t i = 0; i < nh; i++) {
        const struct vt_host_node *hn = vt_host_node(p->h, i);
        uint64_t want = 0, hot = 0;

        for (unsigned v = 0; v < p->nvnodes; v++)
            if (p->vnode_pnode[v] == (int)hn->pnode)
                want += p->vnode_mem[v];
        for (size_t k = 0; k < p->r->nhotplug; k++)
            if (p->vnode_pnode[p->r->hotplug[k].vnode] == (int)hn->pnode)
                hot += p->r->hotplug[k].bytes;
        if (want + hot > hn->memory_bytes) {
            /* One unit for both: GiB when both are whole GiB, else MiB
             * (the node's rounded down). */
            bool gib = (want + hot) % (UINT64_C(1) << 30) == 0 &&
                       hn->memory_bytes % (UINT64_C(1) << 30) == 0;
            unsigned shift = gib ? 30 : 20;
            unsigned long long a = (want + hot) >> shift, b = hn->memory_bytes >> shift;

            return vt_err_set(p->err, -EINVAL,
                              "host node %u would back %llu %s of guest memory%s but has %llu "
                              "%s (choose other pnodes with %s, or less %s%s%s)",
                              hn->pnode, a, gib ? "GiB" : "MiB",
                              hot ? ", hot-pluggable included," : "", b, gib ? "GiB" : "MiB",
                              F(VT_FIELD_VNODE_PNODES), F(VT_FIELD_MEMORY), hot ? " or " : "",
                              hot ? F(VT_FIELD_HOTPLUG_MEMORY) : "");
        }
    }
    return 0;
}

/* ---- Linux node numbering -------------------------------------------------- */

struct pxm_vnode {
    uint32_t pxm;
    unsigned vnode;
};

static int cmp_pxm_vnode(const void *a, const void *b)
{
    const struct pxm_vnode *x = a, *y = b;

    return x->pxm < y->pxm ? -1 : x->pxm > y->pxm;
}

/*
 * A Linux guest numbers nodes in order of first appearance of their PXM, in
 * the order acpi_numa_init() reads the SRAT: the entries of the plan's SRAT
 * (srat_of_layout, the emitter's own walk) go through the one model of
 * that rule (linux_srat_first_seen, src/model/linux/numa.c), so the prediction
 * follows whatever order src/emit/srat.c writes. A vnode Linux never meets
 * gets no node. (With a PXM of VT_LINUX_MAX_PXM or more Linux drops the
 * SRAT, which the plan warns about; the numbering is then the one the SRAT
 * would have given.)
 */
static int linux_nodes(struct planner *p)
{
    struct vt_layout *l = p->l;
    struct pxm_vnode *by_pxm = malloc((l->nvnodes ? l->nvnodes : 1) * sizeof(*by_pxm));
    struct acpi_srat srat = {0};
    size_t *first = NULL, n, gi_error;
    int rc;

    if (!by_pxm)
        return oom(p);
    for (size_t v = 0; v < l->nvnodes; v++) {
        l->vnodes[v].pub.linux_node = -1;
        by_pxm[v].pxm = l->vnodes[v].pub.guest_pxm;
        by_pxm[v].vnode = (unsigned)v;
    }
    qsort(by_pxm, l->nvnodes, sizeof(*by_pxm), cmp_pxm_vnode);
    if ((rc = srat_of_layout(l, VT_SRAT_NUMBERING, &srat, p->err)) < 0)
        goto out;
    if (!(first = malloc((srat.n ? srat.n : 1) * sizeof(*first))) ||
        (n = linux_srat_first_seen(&srat, first, &gi_error)) == SIZE_MAX) {
        rc = oom(p);
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        struct pxm_vnode key = {srat.entries[first[k]].pxm, 0};
        const struct pxm_vnode *hit =
            bsearch(&key, by_pxm, l->nvnodes, sizeof(*by_pxm), cmp_pxm_vnode);

        if (hit)
            l->vnodes[hit->vnode].pub.linux_node = (int)k;
    }
out:
    free(first);
    free(by_pxm);
    srat_free(&srat);
    return rc;
}

/* ---- HMAT ------------------------------------------------------------------ */

/* A given HMAT matrix must have a row per initiator and a column per target
 * of the frozen layout; it is copied into *out. */
static int take_hmat_matrix(struct planner *p, const char *opt, const struct request_matrix *m,
                            uint32_t **out)
{
    const struct vt_layout *l = p->l;
    bool rows_ok = m->rows == l->ninit;
    struct vt_bitmap *which;
    char *list;
    int rc;

    if (!m->rows)
        return 0;
    if (rows_ok && m->cols == l->ntarg) {
        *out = malloc(m->rows * m->cols * sizeof(**out));
        if (!*out)
            return oom(p);
        memcpy(*out, m->values, m->rows * m->cols * sizeof(**out));
        return 0;
    }
    which = vt_bitmap_new();
    if (!which)
        return oom(p);
    for (size_t v = 0; v < l->nvnodes; v++)
        if ((rows_ok ? l->hmat_col[v] : l->hmat_row[v]) >= 0 &&
            vt_bitmap_set(which, (unsigned)v) < 0) {
            vt_bitmap_free(which);
            return oom(p);
        }
    list = vt_bitmap_format_list(which);
    vt_bitmap_free(which);
    if (!list)
        return oom(p);
    if (!rows_ok)
        rc = vt_err_set(p->err, -EINVAL,
                        "%s has %zu rows but the plan has %zu initiators (vnodes with vCPUs or "
                        "generic initiators: %s); a row per initiator, in vnode order",
                        opt, m->rows, l->ninit, list);
    else
        rc = vt_err_set(p->err, -EINVAL,
                        "%s has %zu columns but the plan has %zu targets (vnodes with memory, "
                        "hot-pluggable included: %s); a column per target, in vnode order",
                        opt, m->cols, l->ntarg, list);
    free(list);
    return rc;
}

static int take_hmat_matrices(struct planner *p)
{
    int rc =
        take_hmat_matrix(p, F(VT_FIELD_HMAT_LATENCY), &p->r->hmat_latency, &p->l->hmat_latency);

    if (rc < 0)
        return rc;
    return take_hmat_matrix(p, F(VT_FIELD_HMAT_BANDWIDTH), &p->r->hmat_bandwidth,
                            &p->l->hmat_bandwidth);
}

/* ---- the plan -------------------------------------------------------------- */

static void planner_free(struct planner *p)
{
    free(p->vcpu_vnode);
    free(p->vcpu_pcpu);
    free(p->vnode_pnode);
    free(p->vnode_guest_pxm);
    free(p->vnode_mem);
    free(p->vnode_count);
}

/* The guest's CPU vendor: as asked, else the host's (an AMD host gets AMD's
 * CPUID leaves). vtopo plans x86 guests: a host of another architecture is
 * refused unless the vendor is given, and then warned about. */
static int guest_vendor(struct planner *p)
{
    enum vt_host_cpu_vendor hv = vt_host_cpus(p->h)->vendor;
    bool x86 = hv == VT_HOST_CPU_UNKNOWN || hv == VT_HOST_CPU_INTEL || hv == VT_HOST_CPU_AMD ||
               hv == VT_HOST_CPU_X86;

    p->vendor = p->r->have_vendor       ? p->r->vendor
                : hv == VT_HOST_CPU_AMD ? VT_VENDOR_AMD
                                        : VT_VENDOR_INTEL;
    p->foreign_host = !x86;
    if (x86)
        return 0;
    if (!p->r->have_vendor)
        return vt_err_set(p->err, -EINVAL,
                          "the host's CPUs are %s, and vtopo plans x86 guests (APIC IDs, CPUID "
                          "leaves, x86 ACPI tables): give %s intel or amd to plan an x86 guest "
                          "for this host anyway",
                          vt_host_cpu_vendor_name(hv), F(VT_FIELD_VENDOR));
    return 0;
}

/* Step 1: the request on its own, and the memory layout's default. */
static int check_request(struct planner *p)
{
    const struct vt_request *r = p->r;
    int rc;

    if (!r->vcpus)
        return vt_err_set(p->err, -EINVAL, "%s is required", F(VT_FIELD_VCPUS));
    p->mem_layout = r->mem_layout;
    if (r->placement == PLACE_PIN_IDENTITY && r->mem_layout == VT_MEM_FLAT)
        p->mem_layout = VT_MEM_HOST; /* dom0 default: host-shaped */
    p->memory = r->memory;
    if (!p->memory && p->mem_layout != VT_MEM_E820 && p->mem_layout != VT_MEM_HOST)
        return vt_err_set(p->err, -EINVAL, "%s is required", F(VT_FIELD_MEMORY));
    if (r->max_vcpus && r->max_vcpus < r->vcpus)
        return vt_err_set(p->err, -EINVAL,
                          "%s %u is below %s %u (it counts every vCPU the guest "
                          "may have, the present ones included)",
                          F(VT_FIELD_MAX_VCPUS), r->max_vcpus, F(VT_FIELD_VCPUS), r->vcpus);
    if ((rc = guest_vendor(p)) < 0)
        return rc;
    p->npresent = r->vcpus;
    p->nvcpus = r->max_vcpus ? r->max_vcpus : r->vcpus;
    p->vcpu_vnode = malloc(p->nvcpus * sizeof(*p->vcpu_vnode));
    p->vcpu_pcpu = malloc(p->nvcpus * sizeof(*p->vcpu_pcpu));
    if (!p->vcpu_vnode || !p->vcpu_pcpu)
        return oom(p);
    for (unsigned i = 0; i < p->nvcpus; i++)
        p->vcpu_pcpu[i] = -1;
    return 0;
}

/* Step 2: vCPUs to vnodes, the vnodes of generic initiators, no unnamed
 * vnode; step 3: pnodes and guest PXMs. */
static int place_vnodes(struct planner *p)
{
    int rc;

    if ((rc = place_vcpus(p)) < 0 || (rc = initiator_vnodes(p)) < 0)
        return rc;
    /* Memory follows every planned vCPU, hot-pluggable ones included. */
    for (unsigned i = 0; i < p->nvcpus; i++)
        p->vnode_count[p->vcpu_vnode[i]]++;
    if ((rc = unnamed_vnodes(p)) < 0 || (rc = choose_pnodes(p)) < 0)
        return rc;
    if (p->r->placement == PLACE_PIN_IDENTITY)
        for (unsigned v = 0; v < p->nvnodes; v++)
            p->vnode_guest_pxm[v] = v; /* = host PXM by construction */
    return guest_pxms(p);
}

/* The layout to fill: its vCPUs, vnodes and generic initiators. */
static int new_layout(struct planner *p)
{
    const struct vt_request *r = p->r;

    if (!(p->l = layout_alloc(p->nvcpus, p->nvnodes)))
        return oom(p);
    p->l->names = request_names(r);
    if (!(p->l->request = request_copy(r)))
        return oom(p);
    p->l->npresent = p->npresent;
    p->l->apic = r->apic;
    p->l->vendor = p->vendor;
    if (p->foreign_host)
        layout_warn(p->l,
                    "the host's CPUs are %s: this is an x86 guest's plan (%s %s), for an x86 "
                    "host",
                    vt_host_cpu_vendor_name(vt_host_cpus(p->h)->vendor), F(VT_FIELD_VENDOR),
                    vt_vendor_name(p->vendor));
    if (!r->ninitiators)
        return 0;
    if (!(p->l->initiators = calloc(r->ninitiators, sizeof(*p->l->initiators))))
        return oom(p);
    for (size_t i = 0; i < r->ninitiators; i++) {
        struct vt_initiator *gi = &p->l->initiators[i];

        gi->segment = r->initiators[i].segment;
        gi->bus = r->initiators[i].bus;
        gi->devfn = r->initiators[i].devfn;
        gi->vnode = r->initiators[i].vnode;
    }
    p->l->ninitiators = r->ninitiators;
    return 0;
}

/* Step 6: what the planner decided, into the layout's vnodes. */
static int fill_vnodes(struct planner *p)
{
    const struct vt_host *h = p->h;

    p->l->mem_layout = p->mem_layout;
    p->l->memory = p->memory;
    for (unsigned v = 0; v < p->nvnodes; v++) {
        struct layout_vnode *lv = &p->l->vnodes[v];

        lv->pub.guest_pxm = p->vnode_guest_pxm[v];
        lv->pub.pnode = p->vnode_pnode[v];
        if (lv->pub.pnode >= 0)
            lv->pub.host_pxm =
                vt_host_node(h, (size_t)vt_host_node_index(h, (unsigned)lv->pub.pnode))->host_pxm;
        lv->pub.memory_bytes = p->vnode_mem[v];
    }
    for (unsigned i = 0; i < p->nvcpus; i++) {
        struct layout_vnode *lv = &p->l->vnodes[p->vcpu_vnode[i]];

        if (vt_bitmap_set(i < p->npresent ? lv->vcpus : lv->hotplug_vcpus, i) < 0)
            return oom(p);
    }
    return 0;
}

/*
 * vt_plan: a guest's layout for request r on host h, in six steps.
 *
 *  1. check_request: what the request needs on its own (vcpus; memory unless
 *     the memory layout is host-shaped or an E820 file; max_vcpus >= vcpus).
 *  2. place_vnodes: place_vcpus puts every vCPU, present and hot-pluggable,
 *     on a vnode by the placement (vnodes: split evenly; vcpu_vnodes: as given; pins: a vnode
 *     per host node of the pinned pCPUs; pin_identity: a vnode per host PXM);
 *     initiator_vnodes adds the vnodes of generic initiators only, and
 *     unnamed_vnodes refuses a vnode number nothing names.
 *  3. (also in place_vnodes) choose_pnodes: each vnode's host node (as
 *     given, as pinned, or nearest-first over the nodes with CPUs and
 *     memory); guest_pxms.
 *  4. topology: the shape, the APIC-ID fields and each vCPU's package, die,
 *     core, thread and APIC ID (QEMU's slot order for a given shape, one
 *     package per vnode otherwise); check_topology.
 *  5. distances; memory_layout: each vnode's bytes and its guest-physical
 *     ranges on the VMM's memory map (model/vmm/memmap.c); place_hotplug:
 *     hot-pluggable ranges in QEMU's device-memory region;
 *     check_pnode_memory.
 *  6. fill_vnodes and layout_freeze (the GPA index, LLC width); the HMAT
 *     matrices; linux_nodes: each vnode's node under Linux's numbering of
 *     the plan's own SRAT (model/linux/numa.c); warn_vnodes_unseen;
 *     layout_place_devices: each PCI device on a vnode, behind a root port
 *     of the vnode's expander bus, and the expanders' bus numbers
 *     (plan/devices.c).
 *
 * What it guarantees (property-tested over 3000 seeded random requests,
 * tests/unit/test_plan.c, and by guest boots, tests/guest): on success *out
 * is an immutable layout in which the vCPUs are partitioned over the vnodes;
 * each vnode's ranges hold its memory (less QEMU's 384 KiB legacy hole in the
 * vnode that spans it) and the vnodes hold the request's memory, with at most
 * 1 MiB of the map's RAM in no vnode (Linux's SRAT coverage rule); APIC IDs
 * are unique and no SMT sibling, LLC or (unless allowed) package spans two
 * vnodes; distances are 10 to itself and 11-254 between vnodes; the CPUID of
 * every vCPU decodes under Linux's model to the planned topology; linux_node
 * is the node a Linux guest gives each vnode. A refusal is -EINVAL with one
 * sentence naming the request field (as the request names it) and the rule,
 * or -ENOMEM; the layout keeps no reference to h or r.
 */
int vt_plan(const struct vt_host *h, const struct vt_request *r, struct vt_layout **out,
            struct vt_err *err)
{
    struct planner p = {.h = h, .r = r, .err = err};
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if (!h)
        return vt_err_set(err, -EINVAL, "no host to plan on");
    if ((rc = check_request(&p)) < 0 || (rc = place_vnodes(&p)) < 0 || (rc = new_layout(&p)) < 0 ||
        (rc = topology(&p)) < 0 || (rc = check_topology(&p)) < 0)
        goto out;
    for (unsigned i = 0; i < p.nvcpus; i++)
        p.l->vcpus[i].pcpu = p.vcpu_pcpu[i];
    if ((rc = distances(&p)) < 0 || (rc = memory_layout(&p)) < 0 || (rc = place_hotplug(&p)) < 0)
        goto out;
    /* Host-shaped memory is the host's own ranges: nothing to fit. */
    if (p.mem_layout != VT_MEM_HOST && (rc = check_pnode_memory(&p)) < 0)
        goto out;
    warn_fake_numa(&p);
    if ((rc = fill_vnodes(&p)) < 0 || (rc = layout_freeze(p.l, err)) < 0 ||
        (rc = take_hmat_matrices(&p)) < 0 || (rc = linux_nodes(&p)) < 0 ||
        (rc = warn_vnodes_unseen(&p)) < 0 || (rc = layout_float_cpus(p.l, h, err)) < 0 ||
        (rc = layout_place_devices(p.l, h, r, err)) < 0)
        goto out;
    *out = p.l;
    p.l = NULL;
out:
    vt_layout_free(p.l);
    planner_free(&p);
    return rc;
}
