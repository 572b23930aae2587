/* PCI devices in the plan: each host device on a vnode (its own host node's
 * where the plan has one), behind a root port of that vnode's PCI expander
 * bus, and the expanders' bus numbers; re-planning with a device fewer or
 * more keeps every other fact (docs/plan-format.md, "Devices"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/numa.h"
#include "plan/devices.h"
#include "plan/layout_internal.h"
#include "plan/request_internal.h"
#include "util/parse.h"

#define F(f) field_name(l->names, f)

/* Whether a Linux guest has vnode v's node online when it scans PCI: the
 * host bridge's _PXM must name an online node, or the device gets none. */
static bool vnode_holds_devices(const struct vt_layout *l, unsigned v)
{
    const struct vt_vnode *vn = vt_layout_vnode(l, v);

    return vn->linux_node >= 0 &&
           linux_node_online_at_boot(!vt_bitmap_iszero(vn->vcpus), vn->memory_bytes > 0,
                                     vn->ninitiators > 0);
}

static const char *why_not_online(const struct vt_vnode *vn)
{
    return vn->linux_node < 0 ? "it is empty, so Linux makes no node of it"
                              : "its node is not online when Linux scans PCI (it has no vCPU, "
                                "memory or generic initiator at boot)";
}

/* Device i's vnode as asked, or chosen: the vnodes on its host node (the
 * one with the fewest devices so far), else the nearest by host distance. */
static int choose_vnode(struct vt_layout *l, const struct vt_host *h, const struct vt_request *r,
                        size_t i, const unsigned *count, struct vt_err *err)
{
    const struct request_device *rd = &r->devices[i];
    struct vt_device *d = &l->devices[i];
    int best = -1;
    uint32_t best_dist = 0;

    if (rd->vnode >= 0) {
        const struct vt_vnode *vn;

        if ((size_t)rd->vnode >= l->nvnodes)
            return vt_err_set(err, -EINVAL, "%s %s@%d: the plan has vnodes 0-%zu",
                              F(VT_FIELD_DEVICES), rd->bdf, rd->vnode, l->nvnodes - 1);
        vn = vt_layout_vnode(l, (unsigned)rd->vnode);
        if (!vnode_holds_devices(l, (unsigned)rd->vnode))
            return vt_err_set(err, -EINVAL,
                              "%s %s@%d: vnode %d cannot hold a device: %s (the device would "
                              "have no node)",
                              F(VT_FIELD_DEVICES), rd->bdf, rd->vnode, rd->vnode,
                              why_not_online(vn));
        d->vnode = (unsigned)rd->vnode;
        return 0;
    }
    if (d->pnode < 0)
        return vt_err_set(err, -EINVAL,
                          "%s %s: the host does not know the device's node (numa_node -1); give "
                          "its vnode (%s %s@VNODE)",
                          F(VT_FIELD_DEVICES), rd->bdf, F(VT_FIELD_DEVICES), rd->bdf);
    for (unsigned v = 0; v < l->nvnodes; v++)
        if (vnode_holds_devices(l, v) && vt_layout_vnode(l, v)->pnode == d->pnode &&
            (best < 0 || count[v] < count[best]))
            best = (int)v;
    if (best >= 0) {
        d->vnode = (unsigned)best;
        return 0;
    }
    if (r->strict_devices)
        return vt_err_set(err, -EINVAL,
                          "%s %s: no vnode of the plan is on the device's host node %d, and %s "
                          "refuses a device off its node (bind a vnode to node %d with %s, or "
                          "leave out %s)",
                          F(VT_FIELD_DEVICES), rd->bdf, d->pnode, F(VT_FIELD_STRICT_DEVICES),
                          d->pnode, F(VT_FIELD_VNODE_PNODES), F(VT_FIELD_STRICT_DEVICES));
    for (unsigned v = 0; v < l->nvnodes; v++) {
        int pn = vt_layout_vnode(l, v)->pnode;
        uint32_t dist = pn >= 0 ? vt_host_distance(h, (unsigned)d->pnode, (unsigned)pn) : 0;

        if (!vnode_holds_devices(l, v) || !dist)
            continue;
        if (best < 0 || dist < best_dist || (dist == best_dist && count[v] < count[best])) {
            best = (int)v;
            best_dist = dist;
        }
    }
    if (best < 0)
        return vt_err_set(err, -EINVAL,
                          "%s %s: no vnode is on the device's host node %d and the host gives no "
                          "distance to the vnodes' nodes; give its vnode (%s %s@VNODE)",
                          F(VT_FIELD_DEVICES), rd->bdf, d->pnode, F(VT_FIELD_DEVICES), rd->bdf);
    d->vnode = (unsigned)best;
    return 0;
}

/* The distance the device pays, warned (or refused when strict) when its
 * vnode is not on its host node. */
static int check_locality(struct vt_layout *l, const struct vt_host *h, const struct vt_request *r,
                          size_t i, struct vt_err *err)
{
    struct vt_device *d = &l->devices[i];
    int pn = vt_layout_vnode(l, d->vnode)->pnode;

    d->distance =
        d->pnode >= 0 && pn >= 0 ? vt_host_distance(h, (unsigned)d->pnode, (unsigned)pn) : 0;
    if (d->pnode < 0 || pn == d->pnode)
        return 0;
    if (r->strict_devices)
        return vt_err_set(err, -EINVAL,
                          "%s %s@%u: vnode %u is on host node %d, not the device's node %d, and "
                          "%s refuses a device off its node",
                          F(VT_FIELD_DEVICES), d->host_bdf, d->vnode, d->vnode, pn, d->pnode,
                          F(VT_FIELD_STRICT_DEVICES));
    if (pn < 0)
        layout_warn(l, "device %s (host node %d) is on vnode %u, which has no host node",
                    d->host_bdf, d->pnode, d->vnode);
    else if (d->distance)
        layout_warn(l,
                    "device %s is on host node %d but its vnode %u is on host node %d: every DMA "
                    "and interrupt crosses distance %u (10 is local)",
                    d->host_bdf, d->pnode, d->vnode, pn, d->distance);
    else
        layout_warn(l,
                    "device %s is on host node %d but its vnode %u is on host node %d (distance "
                    "unknown)",
                    d->host_bdf, d->pnode, d->vnode, pn);
    return 0;
}

/* Each device's root port: the slots asked for, then the lowest free ones;
 * ports[v] = devices + spares, or more to reach the highest slot asked. */
static int assign_slots(struct vt_layout *l, const struct vt_request *r, unsigned *ports,
                        struct vt_err *err)
{
    for (unsigned v = 0; v < l->nvnodes; v++) {
        uint32_t taken = 0;
        unsigned ndev = 0, spare = 0, top = 0;

        if (r->nspare_slots == 1)
            spare = vnode_holds_devices(l, v) ? r->spare_slots[0] : 0;
        else if (v < r->nspare_slots)
            spare = r->spare_slots[v];
        if (spare && !vnode_holds_devices(l, v))
            return vt_err_set(err, -EINVAL, "%s: vnode %u cannot hold a device: %s",
                              F(VT_FIELD_SPARE_SLOTS), v, why_not_online(vt_layout_vnode(l, v)));
        for (size_t i = 0; i < l->ndevices; i++) {
            if (l->devices[i].vnode != v)
                continue;
            ndev++;
            if (r->devices[i].slot < 0)
                continue;
            if (taken & (UINT32_C(1) << r->devices[i].slot)) {
                for (size_t k = 0; k < i; k++)
                    if (l->devices[k].vnode == v && r->devices[k].slot == r->devices[i].slot)
                        return vt_err_set(err, -EINVAL,
                                          "%s %s: slot %d of vnode %u is %s's already",
                                          F(VT_FIELD_DEVICES), r->devices[i].bdf,
                                          r->devices[i].slot, v, r->devices[k].bdf);
            }
            taken |= UINT32_C(1) << r->devices[i].slot;
            l->devices[i].slot = (unsigned)r->devices[i].slot;
            if ((unsigned)r->devices[i].slot + 1 > top)
                top = (unsigned)r->devices[i].slot + 1;
        }
        for (size_t i = 0; i < l->ndevices; i++) {
            unsigned s = 0;

            if (l->devices[i].vnode != v || r->devices[i].slot >= 0)
                continue;
            while (s < VT_MAX_EXPANDER_PORTS && (taken & (UINT32_C(1) << s)))
                s++;
            if (s == VT_MAX_EXPANDER_PORTS)
                break; /* counted below */
            taken |= UINT32_C(1) << s;
            l->devices[i].slot = s;
            if (s + 1 > top)
                top = s + 1;
        }
        ports[v] = ndev + spare > top ? ndev + spare : top;
        if (ports[v] > VT_MAX_EXPANDER_PORTS)
            return vt_err_set(err, -EINVAL,
                              "vnode %u needs %u root ports (%u devices, %u spare%s), more than "
                              "the %d devices of its expander's bus (%s, %s)",
                              v, ports[v], ndev, ports[v] - ndev, ports[v] - ndev == 1 ? "" : "s",
                              VT_MAX_EXPANDER_PORTS, F(VT_FIELD_DEVICES), F(VT_FIELD_SPARE_SLOTS));
    }
    return 0;
}

/* The expanders, in vnode order, take the top of the bus numbers: the last
 * one ends at bus 255, each the one below the next; buses below
 * VT_EXPANDER_FIRST_BUS stay the main bus's. A pure function of each
 * vnode's port count, so a plan with a device fewer (its port spare) has
 * the same numbers. */
static int number_buses(struct vt_layout *l, const unsigned *ports, struct vt_err *err)
{
    unsigned total = 0, n = 0, next = 256;

    for (unsigned v = 0; v < l->nvnodes; v++)
        if (ports[v]) {
            total += 1 + ports[v];
            n++;
        }
    if (!n)
        return 0;
    if (total > 256 - VT_EXPANDER_FIRST_BUS)
        return vt_err_set(err, -EINVAL,
                          "the devices' expanders need %u bus numbers (one per expander and one "
                          "per root port) but buses %d-255 hold only %d (fewer %s, or fewer %s)",
                          total, VT_EXPANDER_FIRST_BUS, 256 - VT_EXPANDER_FIRST_BUS,
                          F(VT_FIELD_DEVICES), F(VT_FIELD_SPARE_SLOTS));
    if (!(l->expanders = calloc(n, sizeof(*l->expanders))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    l->nexpanders = n;
    for (unsigned v = l->nvnodes, k = n; v-- > 0;) {
        struct vt_pci_expander *e;

        if (!ports[v])
            continue;
        e = &l->expanders[--k];
        next -= 1 + ports[v];
        e->vnode = v;
        e->bus_nr = (uint8_t)next;
        e->ports = ports[v];
        e->segment = k + 1;
    }
    return 0;
}

int layout_place_devices(struct vt_layout *l, const struct vt_host *h, const struct vt_request *r,
                         struct vt_err *err)
{
    unsigned *count, *ports;
    int rc = 0;

    if (!r->ndevices && !r->nspare_slots)
        return 0;
    if (l->mem_layout == VT_MEM_QEMU_PC)
        return vt_err_set(err, -EINVAL,
                          "a device's node comes from its PCI expander bus, which QEMU has on "
                          "the q35 machine only (pxb-pcie); plan with %s qemu-q35",
                          F(VT_FIELD_MEM_LAYOUT));
    if (r->nspare_slots > 1 && r->nspare_slots != l->nvnodes)
        return vt_err_set(err, -EINVAL,
                          "%s lists %zu counts but the plan has %zu vnodes (give one "
                          "count for every vnode, or one per vnode)",
                          F(VT_FIELD_SPARE_SLOTS), r->nspare_slots, l->nvnodes);
    count = calloc(l->nvnodes, sizeof(*count));
    ports = calloc(l->nvnodes, sizeof(*ports));
    l->devices = calloc(r->ndevices ? r->ndevices : 1, sizeof(*l->devices));
    if (!count || !ports || !l->devices) {
        free(count);
        free(ports);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    l->ndevices = r->ndevices;
    for (size_t i = 0; i < r->ndevices && rc == 0; i++) {
        const struct vt_host_device *hd = vt_host_device_by_bdf(h, r->devices[i].bdf);
        struct vt_device *d = &l->devices[i];

        if (!hd) {
            rc = vt_err_set(err, -EINVAL,
                            "%s %s: the host has no such PCI device ('vtopo host' lists them)",
                            F(VT_FIELD_DEVICES), r->devices[i].bdf);
            break;
        }
        snprintf(d->host_bdf, sizeof(d->host_bdf), "%s", hd->bdf);
        d->pnode = hd->pnode;
        d->model = r->devices[i].model;
        d->queues = r->devices[i].queues;
        if ((rc = choose_vnode(l, h, r, i, count, err)) == 0 &&
            (rc = check_locality(l, h, r, i, err)) == 0)
            count[d->vnode]++;
    }
    if (rc == 0 && (rc = assign_slots(l, r, ports, err)) == 0)
        rc = number_buses(l, ports, err);
    if (rc == 0 && l->ndevices && l->mem_layout != VT_MEM_QEMU_Q35)
        layout_warn(l,
                    "the devices' guest addresses are those QEMU's and libvirt's expander buses "
                    "give (a q35 machine); with the %s memory layout the VMM places them its own "
                    "way (cloud-hypervisor on PCI segments, Xen without a node)",
                    vt_mem_layout_name(l->mem_layout));
    for (size_t i = 0; i < l->ndevices && rc == 0; i++) {
        struct vt_device *d = &l->devices[i];
        const struct vt_vnode *vn = vt_layout_vnode(l, d->vnode);
        const struct vt_pci_expander *e = vt_layout_vnode_expander(l, d->vnode);

        d->guest_pxm = vn->guest_pxm;
        d->linux_node = vn->linux_node;
        d->guest_bus = (uint8_t)(e->bus_nr + 1 + d->slot);
        snprintf(d->guest_bdf, sizeof(d->guest_bdf), "0000:%02x:00.0", d->guest_bus);
        snprintf(d->root_port_bdf, sizeof(d->root_port_bdf), "0000:%02x:%02x.0", e->bus_nr,
                 d->slot);
    }
    free(count);
    free(ports);
    return rc;
}

/* ---- accessors ------------------------------------------------------------- */

size_t vt_layout_device_count(const struct vt_layout *l)
{
    return l->ndevices;
}

const struct vt_device *vt_layout_device(const struct vt_layout *l, size_t i)
{
    return i < l->ndevices ? &l->devices[i] : NULL;
}

size_t vt_layout_expander_count(const struct vt_layout *l)
{
    return l->nexpanders;
}

const struct vt_pci_expander *vt_layout_expander(const struct vt_layout *l, size_t i)
{
    return i < l->nexpanders ? &l->expanders[i] : NULL;
}

const struct vt_pci_expander *vt_layout_vnode_expander(const struct vt_layout *l, unsigned vnode)
{
    for (size_t i = 0; i < l->nexpanders; i++)
        if (l->expanders[i].vnode == vnode)
            return &l->expanders[i];
    return NULL;
}

/* ---- re-planning with a device fewer or more --------------------------------- */

/* A copy of l's request with every device at its planned vnode and slot and
 * each vnode's spare count keeping its expander's ports; skip: a device
 * left out (its port becomes spare). */
static int pinned_request(const struct vt_layout *l, const char *skip, struct vt_request **out,
                          struct vt_err *err)
{
    struct vt_request *r = request_copy(l->request);
    unsigned *spare = calloc(l->nvnodes ? l->nvnodes : 1, sizeof(*spare));

    *out = NULL;
    if (!r || !spare) {
        vt_request_free(r);
        free(spare);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    r->ndevices = 0;
    for (size_t i = 0; i < l->ndevices; i++) {
        const struct vt_device *d = &l->devices[i];
        struct request_device *rd = &r->devices[r->ndevices];

        if (skip && !strcmp(d->host_bdf, skip))
            continue;
        *rd = l->request->devices[i];
        rd->vnode = (int)d->vnode;
        rd->slot = (int)d->slot;
        r->ndevices++;
    }
    for (size_t k = 0; k < l->nexpanders; k++) {
        const struct vt_pci_expander *e = &l->expanders[k];
        unsigned used = 0;

        for (size_t i = 0; i < r->ndevices; i++)
            used += r->devices[i].vnode == (int)e->vnode;
        spare[e->vnode] = e->ports - used;
    }
    free(r->spare_slots);
    r->spare_slots = spare;
    r->nspare_slots = l->nvnodes;
    *out = r;
    return 0;
}

int vt_layout_request_without_device(const struct vt_layout *l, const char *host_bdf,
                                     struct vt_request **out, struct vt_err *err)
{
    char bdf[BDF_TEXT_MAX];
    bool found = false;

    *out = NULL;
    if (bdf_normalize(host_bdf, bdf) < 0)
        return vt_err_set(err, -EINVAL, "%s: not a PCI address DDDD:BB:DD.F (hex)",
                          host_bdf ? host_bdf : "(null)");
    for (size_t i = 0; i < l->ndevices; i++)
        found |= !strcmp(l->devices[i].host_bdf, bdf);
    if (!found)
        return vt_err_set(err, -EINVAL, "device %s is not in the plan (%s)", bdf,
                          F(VT_FIELD_DEVICES));
    return pinned_request(l, bdf, out, err);
}

/* The ports of vnode v's expander that r's devices take. */
static uint32_t taken_ports(const struct vt_request *r, unsigned v)
{
    uint32_t taken = 0;

    for (size_t i = 0; i < r->ndevices; i++)
        if (r->devices[i].vnode == (int)v)
            taken |= UINT32_C(1) << r->devices[i].slot;
    return taken;
}

/* The vnode for a device added to a running guest: as asked, else among the
 * vnodes with a spare root port its host node's, else the nearest. */
static int hot_vnode(const struct vt_layout *l, const struct vt_host *h, const struct vt_request *r,
                     const struct vt_host_device *hd, int asked, struct vt_err *err)
{
    const char *fix = "an expander cannot be added to a running guest: plan with";
    int best = -1;
    uint32_t best_dist = 0;

    if (asked >= 0) {
        const struct vt_pci_expander *e;

        if ((size_t)asked >= l->nvnodes)
            return vt_err_set(err, -EINVAL, "%s %s@%d: the plan has vnodes 0-%zu",
                              F(VT_FIELD_DEVICES), hd->bdf, asked, l->nvnodes - 1);
        e = vt_layout_vnode_expander(l, (unsigned)asked);
        if (!e || !r->spare_slots[asked])
            return vt_err_set(err, -EINVAL, "%s %s@%d: vnode %d has no spare root port (%s %s)",
                              F(VT_FIELD_DEVICES), hd->bdf, asked, asked, fix,
                              F(VT_FIELD_SPARE_SLOTS));
        return asked;
    }
    if (hd->pnode < 0)
        return vt_err_set(err, -EINVAL,
                          "%s %s: the host does not know the device's node (numa_node -1); give "
                          "its vnode (%s %s@VNODE)",
                          F(VT_FIELD_DEVICES), hd->bdf, F(VT_FIELD_DEVICES), hd->bdf);
    for (size_t k = 0; k < l->nexpanders; k++) {
        unsigned v = l->expanders[k].vnode;
        int pn = vt_layout_vnode(l, v)->pnode;
        uint32_t dist = pn == hd->pnode ? 1 /* before any distance */
                        : pn >= 0       ? vt_host_distance(h, (unsigned)hd->pnode, (unsigned)pn)
                                        : 0;

        if (r->spare_slots[v] && dist && (best < 0 || dist < best_dist)) {
            best = (int)v;
            best_dist = dist;
        }
    }
    if (best < 0)
        return vt_err_set(err, -EINVAL,
                          "%s %s: no vnode on the device's host node %d, or at a known distance "
                          "from it, has a spare root port (%s %s)",
                          F(VT_FIELD_DEVICES), hd->bdf, hd->pnode, fix, F(VT_FIELD_SPARE_SLOTS));
    return best;
}

int vt_layout_request_with_device(const struct vt_layout *l, const struct vt_host *h,
                                  const struct vt_device_request *dev, struct vt_request **out,
                                  struct vt_err *err)
{
    struct vt_device_request d = *dev;
    const struct vt_host_device *hd;
    struct request_device *nd;
    struct vt_request *r;
    uint32_t taken;
    int v, rc;

    *out = NULL;
    if ((rc = pinned_request(l, NULL, &r, err)) < 0)
        return rc;
    /* Through the setter: the device's own rules (address, model, twice). */
    d.slot = -1;
    d.vnode = -1;
    if ((rc = vt_request_add_devices(r, &d, 1, err)) < 0) {
        vt_request_free(r);
        return rc;
    }
    nd = &r->devices[r->ndevices - 1];
    if (!(hd = vt_host_device_by_bdf(h, nd->bdf))) {
        rc = vt_err_set(err, -EINVAL,
                        "%s %s: the host has no such PCI device ('vtopo host' lists them)",
                        F(VT_FIELD_DEVICES), nd->bdf);
        vt_request_free(r);
        return rc;
    }
    r->ndevices--; /* the ports other devices take */
    if ((v = hot_vnode(l, h, r, hd, dev->vnode, err)) < 0) {
        vt_request_free(r);
        return v;
    }
    taken = taken_ports(r, (unsigned)v);
    r->ndevices++;
    nd->vnode = v;
    if (dev->slot >= 0) {
        const struct vt_pci_expander *e = vt_layout_vnode_expander(l, (unsigned)v);

        if ((unsigned)dev->slot >= e->ports || (taken & (UINT32_C(1) << dev->slot))) {
            rc = vt_err_set(err, -EINVAL,
                            "%s %s,slot=%d: root port %d of vnode %d is not a spare one (it has "
                            "ports 0-%u)",
                            F(VT_FIELD_DEVICES), nd->bdf, dev->slot, dev->slot, v, e->ports - 1);
            vt_request_free(r);
            return rc;
        }
        nd->slot = dev->slot;
    } else {
        nd->slot = 0;
        while (taken & (UINT32_C(1) << nd->slot))
            nd->slot++;
    }
    r->spare_slots[v]--;
    *out = r;
    return 0;
}
