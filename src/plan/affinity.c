/* Where a guest's threads run on the host: each vnode's unpinned vCPUs
 * (vt_vnode.float_cpus: the housekeeping CPUs of its host node by default)
 * and the VMM's own threads (QEMU's emulator threads: next to the guest's
 * memory and off its vCPUs). include/vtopo/layout.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "plan/layout_internal.h"
#include "plan/layout_query.h"
#include "plan/request_internal.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

#define F(f) layout_field(l, f)

/* The host CPUs the guest's vCPUs are pinned to, into pinned. */
static int pinned_cpus(const struct vt_layout *l, struct vt_bitmap *pinned)
{
    for (size_t i = 0; i < l->nvcpus; i++)
        if (l->vcpus[i].pcpu >= 0 && vt_bitmap_set(pinned, (unsigned)l->vcpus[i].pcpu) < 0)
            return -ENOMEM;
    return 0;
}

/* Whether vnode v has a vCPU (present or hot-pluggable) that is not pinned. */
static bool has_unpinned(const struct vt_layout *l, size_t v)
{
    for (size_t i = 0; i < l->nvcpus; i++)
        if (l->vcpus[i].vnode == v && l->vcpus[i].pcpu < 0)
            return true;
    return false;
}

/* CPUs of host node index n for floating vCPUs: its housekeeping CPUs
 * that the pinned vCPUs leave. */
static int node_float(const struct vt_host *h, size_t n, const struct vt_bitmap *pinned,
                      struct vt_bitmap *out)
{
    if (vt_bitmap_copy(out, vt_host_node(h, n)->housekeeping_cpus) < 0)
        return -ENOMEM;
    vt_bitmap_andnot(out, pinned);
    return 0;
}

/* The default: node_float of the vnode's host node; when that is empty (a
 * node of memory only, or all isolated), of the nearest nodes where it is
 * not; when none has, no set (any CPU), warned. */
static int default_set(struct vt_layout *l, const struct vt_host *h, size_t v,
                       const struct vt_bitmap *pinned, struct vt_bitmap **out)
{
    unsigned pnode = (unsigned)l->vnodes[v].pub.pnode;
    struct vt_bitmap *set = vt_bitmap_new(), *cand = vt_bitmap_new();
    uint32_t best = UINT32_MAX;
    int rc = -ENOMEM;

    if (!set || !cand || node_float(h, (size_t)vt_host_node_index(h, pnode), pinned, set) < 0)
        goto out;
    for (size_t n = 0; vt_bitmap_iszero(set) && n < vt_host_node_count(h); n++) {
        uint32_t d = vt_host_distance(h, pnode, vt_host_node(h, n)->pnode);

        if (node_float(h, n, pinned, cand) < 0)
            goto out;
        if (!vt_bitmap_iszero(cand) && d && d < best)
            best = d;
    }
    for (size_t n = 0; best < UINT32_MAX && n < vt_host_node_count(h); n++)
        if (vt_host_distance(h, pnode, vt_host_node(h, n)->pnode) == best &&
            (node_float(h, n, pinned, cand) < 0 || vt_bitmap_or(set, cand) < 0))
            goto out;
    rc = 0;
    if (vt_bitmap_iszero(set)) {
        layout_warn(l,
                    "vnode %zu's unpinned vCPUs run on any host CPU: no housekeeping host CPU is "
                    "left for them (give them CPUs with %s)",
                    v, F(VT_FIELD_VNODE_CPUS));
    } else {
        if (best < UINT32_MAX)
            layout_warn(l,
                        "vnode %zu's host node %u has no housekeeping CPU for its unpinned "
                        "vCPUs: they run on the nearest node's",
                        v, pnode);
        *out = set;
        set = NULL;
    }
out:
    vt_bitmap_free(set);
    vt_bitmap_free(cand);
    return rc;
}

/* An explicit set: online CPUs (refused otherwise); warned when it leaves
 * the vnode's host node, holds isolated CPUs or pinned vCPUs' CPUs. */
static int given_set(struct vt_layout *l, const struct vt_host *h, size_t v, bool every,
                     const struct vt_bitmap *given, const struct vt_bitmap *pinned,
                     struct vt_bitmap **out, struct vt_err *err)
{
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    int pnode = l->vnodes[v].pub.pnode,
        i = pnode >= 0 ? vt_host_node_index(h, (unsigned)pnode) : -1;
    struct vt_bitmap *off;
    char *list;

    for (int c = vt_bitmap_first(given); c >= 0; c = vt_bitmap_next(given, c))
        if (!vt_bitmap_isset(hc->online, (unsigned)c))
            return every
                       ? vt_err_set(err, -EINVAL, "%s: host CPU %d is not online on the host",
                                    F(VT_FIELD_VNODE_CPUS), c)
                       : vt_err_set(err, -EINVAL,
                                    "%s: host CPU %d (vnode %zu's list) is not online on the host",
                                    F(VT_FIELD_VNODE_CPUS), c, v);
    if (!(*out = vt_bitmap_dup(given)) || !(off = vt_bitmap_dup(given)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (i >= 0) {
        vt_bitmap_andnot(off, vt_host_node(h, (size_t)i)->cpus);
        if (!vt_bitmap_iszero(off) && (list = vt_bitmap_format_list(off))) {
            layout_warn(l,
                        "vnode %zu's unpinned vCPUs may run on host CPUs %s, off its host node "
                        "%d: they reach its memory remotely",
                        v, list, pnode);
            free(list);
        }
    }
    if (vt_bitmap_copy(off, given) < 0)
        goto oom;
    vt_bitmap_andnot(off, hc->housekeeping);
    if (!vt_bitmap_iszero(off) && (list = vt_bitmap_format_list(off))) {
        layout_warn(l,
                    "vnode %zu's unpinned vCPUs may run on isolated or nohz_full host CPUs %s: "
                    "the scheduler does not move them between those",
                    v, list);
        free(list);
    }
    if (vt_bitmap_copy(off, given) < 0)
        goto oom;
    vt_bitmap_and(off, pinned);
    if (!vt_bitmap_iszero(off) && (list = vt_bitmap_format_list(off))) {
        layout_warn(l, "vnode %zu's unpinned vCPUs may run on host CPUs %s, where pinned vCPUs run",
                    v, list);
        free(list);
    }
    vt_bitmap_free(off);
    return 0;
oom:
    vt_bitmap_free(off);
    return vt_err_set(err, -ENOMEM, "out of memory");
}

/* The plan's emulator pin (l->emulator_cpus) by the request's mode: its
 * list (online CPUs only), auto (refused when no CPU is left), none, or by
 * default auto for a guest with pinned vCPUs (warned when no CPU is left). */
static int emulator_pin(struct vt_layout *l, const struct vt_host *h, bool pinned,
                        struct vt_err *err)
{
    const struct vt_request *r = l->request;
    struct vt_err why;

    if (r->emulator_mode == VT_EMULATOR_LIST) {
        for (int c = vt_bitmap_first(r->emulator_cpus); c >= 0;
             c = vt_bitmap_next(r->emulator_cpus, c))
            if (!vt_bitmap_isset(vt_host_cpus(h)->online, (unsigned)c))
                return vt_err_set(err, -EINVAL, "%s: host CPU %d is not online on the host",
                                  F(VT_FIELD_EMULATOR_CPUS), c);
        if (!(l->emulator_cpus = vt_bitmap_dup(r->emulator_cpus)))
            return vt_err_set(err, -ENOMEM, "out of memory");
        return 0;
    }
    if (r->emulator_mode == VT_EMULATOR_NONE ||
        (r->emulator_mode == VT_EMULATOR_DEFAULT && !pinned))
        return 0;
    if (vt_layout_emulator_cpus(l, h, &l->emulator_cpus, &why) == 0)
        return 0;
    if (why.code == -ENOMEM)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (r->emulator_mode == VT_EMULATOR_AUTO)
        return vt_err_set(err, -EINVAL,
                          "%s auto: %s (pin fewer vCPUs, or give a list of host CPUs)",
                          F(VT_FIELD_EMULATOR_CPUS), why.msg);
    layout_warn(l,
                "no emulator pin: %s; the VMM's own threads run on every host CPU (give them CPUs "
                "with %s)",
                why.msg, F(VT_FIELD_EMULATOR_CPUS));
    return 0;
}

int layout_float_cpus(struct vt_layout *l, const struct vt_host *h, struct vt_err *err)
{
    const struct vt_request *r = l->request;
    struct vt_bitmap *pinned = vt_bitmap_new();
    bool used = false;
    int rc = 0;

    if (!pinned || pinned_cpus(l, pinned) < 0) {
        vt_bitmap_free(pinned);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (r->nvnode_cpus > 1 && r->nvnode_cpus != l->nvnodes)
        rc = vt_err_set(err, -EINVAL,
                        "%s: %zu lists for %zu vnodes (give one for every vnode, or "
                        "one per vnode)",
                        F(VT_FIELD_VNODE_CPUS), r->nvnode_cpus, l->nvnodes);
    for (size_t v = 0; rc == 0 && v < l->nvnodes; v++) {
        struct layout_vnode *lv = &l->vnodes[v];
        const struct vt_bitmap *given =
            r->nvnode_cpus ? r->vnode_cpus[r->nvnode_cpus == 1 ? 0 : v] : NULL;

        if (!has_unpinned(l, v)) {
            if (r->nvnode_cpus > 1 && given)
                layout_warn(l, "%s: vnode %zu's list has no effect (%s)", F(VT_FIELD_VNODE_CPUS), v,
                            vt_bitmap_iszero(lv->vcpus) && vt_bitmap_iszero(lv->hotplug_vcpus)
                                ? "it has no vCPU"
                                : "its vCPUs are all pinned");
        } else if (given) {
            used = true;
            rc = given_set(l, h, v, r->nvnode_cpus == 1, given, pinned, &lv->float_cpus, err);
        } else if (!r->nvnode_cpus && lv->pub.pnode >= 0) {
            if (default_set(l, h, v, pinned, &lv->float_cpus) < 0)
                rc = vt_err_set(err, -ENOMEM, "out of memory");
        }
        lv->pub.float_cpus = lv->float_cpus;
    }
    if (rc == 0 && r->nvnode_cpus == 1 && !used)
        layout_warn(l, "%s has no effect: every vCPU is pinned", F(VT_FIELD_VNODE_CPUS));
    if (rc == 0)
        rc = emulator_pin(l, h, !vt_bitmap_iszero(pinned), err);
    vt_bitmap_free(pinned);
    return rc;
}

const struct vt_bitmap *vt_layout_emulator_pin(const struct vt_layout *l)
{
    return l->emulator_cpus;
}

int vt_layout_emulator_cpus(const struct vt_layout *l, const struct vt_host *h,
                            struct vt_bitmap **out, struct vt_err *err)
{
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    struct vt_bitmap *pinned = vt_bitmap_new(), *cpus = vt_bitmap_new();
    int rc = -ENOMEM;

    if (!pinned || !cpus || pinned_cpus(l, pinned) < 0)
        goto fail;
    /* The housekeeping CPUs of the host nodes that hold the guest's memory
     * or run its pinned vCPUs, */
    for (size_t n = 0; n < vt_host_node_count(h); n++) {
        const struct vt_host_node *hn = vt_host_node(h, n);
        bool used = vt_bitmap_intersects(hn->cpus, pinned) || layout_uses_pnode(l, hn->pnode);

        if (used && vt_bitmap_or(cpus, hn->housekeeping_cpus) < 0)
            goto fail;
    }
    vt_bitmap_andnot(cpus, pinned);
    /* or, when the vCPUs take all of those, any housekeeping CPU left. */
    if (vt_bitmap_iszero(cpus)) {
        if (vt_bitmap_copy(cpus, hc->housekeeping) < 0)
            goto fail;
        vt_bitmap_andnot(cpus, pinned);
    }
    if (vt_bitmap_iszero(cpus)) {
        rc = vt_err_set(err, -EINVAL,
                        "the guest's vCPUs are pinned to every housekeeping host CPU, so none is "
                        "left for the VMM's own threads");
        goto out;
    }
    vt_bitmap_free(pinned);
    *out = cpus;
    return 0;
fail:
    rc = vt_err_set(err, -ENOMEM, "out of memory");
out:
    vt_bitmap_free(pinned);
    vt_bitmap_free(cpus);
    return rc;
}
