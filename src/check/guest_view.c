/* What a Linux guest will report of its NUMA topology, predicted from a plan
 * or from `vtopo check` of the tables it is given (include/vtopo/guest.h;
 * docs/verify.md compares it with a booted guest). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/vmm_common.h"
#include "format/acpi_parse.h"
#include "model/linux/cpu_topo.h"
#include "model/linux/numa.h"
#include "vtopo/cpuid.h"
#include "vtopo/guest.h"

static void node_free(struct vt_guest_node *n)
{
    vt_bitmap_free(n->cpus);
    free(n->dist);
    free(n->ranges);
}

void vt_guest_view_free(struct vt_guest_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nnodes; i++)
        node_free(&v->nodes[i]);
    for (size_t i = 0; i < v->ncpus; i++)
        vt_bitmap_free(v->cpus[i].llc);
    vt_bitmap_free(v->gi_nodes);
    for (size_t i = 0; i < v->npci; i++) {
        vt_bitmap_free(v->pci[i].local_cpus);
        for (size_t k = 0; k < v->pci[i].nmsi; k++)
            vt_bitmap_free(v->pci[i].msi[k].mask), vt_bitmap_free(v->pci[i].msi[k].effective);
        free(v->pci[i].msi);
    }
    vt_bitmap_free(v->possible_cpus);
    free(v->pci);
    vt_bitmap_free(v->pci_port_buses);
    free(v->nodes);
    free(v->cpus);
    free(v->srat_line);
    free(v->slit_line);
    free(v->hmat_line);
    free(v->panic_line);
    memset(v, 0, sizeof(*v));
}

void vt_guest_node_init(struct vt_guest_node *n, int id)
{
    memset(n, 0, sizeof(*n));
    n->id = id;
    n->pxm = n->ncpus = n->memory_bytes = VT_GUEST_UNKNOWN;
    n->read_latency = n->write_latency = n->read_bandwidth = n->write_bandwidth = VT_GUEST_UNKNOWN;
    n->access0 = -1;
}

void vt_guest_cpu_init(struct vt_guest_cpu *c, int cpu)
{
    memset(c, 0, sizeof(*c));
    c->cpu = cpu;
    c->apic_id = c->node = c->package = c->die = c->core = VT_GUEST_UNKNOWN;
}

static int alloc_nodes(struct vt_guest_view *v, size_t n)
{
    if (n && !(v->nodes = calloc(n, sizeof(*v->nodes))))
        return -ENOMEM;
    v->nnodes = n;
    for (size_t i = 0; i < n; i++)
        vt_guest_node_init(&v->nodes[i], (int)i);
    return 0;
}

static int predict_llc(const struct vt_layout *l, struct vt_guest_view *v)
{
    unsigned shift = vt_layout_apic_fields(l)->llc_shift;
    size_t n = vt_layout_vcpu_count(l);

    for (size_t i = 0; i < n; i++) {
        uint32_t group = vt_layout_vcpu(l, i)->apic_id >> shift;

        if (!(v->cpus[i].llc = vt_bitmap_new()))
            return -ENOMEM;
        for (size_t j = 0; j < n; j++)
            if (vt_layout_vcpu(l, j)->apic_id >> shift == group &&
                vt_bitmap_set(v->cpus[i].llc, (unsigned)j) < 0)
                return -ENOMEM;
    }
    return 0;
}

/* The ids Linux shows for a vCPU, decoded from the vCPU's CPUID leaves by
 * Linux's model; unknown when the leaves do not decode. */
static int sysfs_ids(const struct vt_layout *l, const struct vt_vcpu *c,
                     struct linux_sysfs_ids *ids)
{
    struct vt_cpuid_leaf leaves[64];
    struct linux_topo t;
    size_t needed = 0;
    long n;

    ids->package = ids->die = ids->core = VT_GUEST_UNKNOWN;
    n = vt_layout_cpuid(l, c->vcpu, leaves, 64, &needed);
    if (n == -ENOMEM)
        return -ENOMEM;
    if (n >= 0 && linux_topo_decode(vt_layout_vendor(l), leaves, (size_t)n, &t, NULL) == 0)
        linux_topo_sysfs_ids(vt_layout_vendor(l), &t, ids);
    return 0;
}

/* Linux's access class 0 of a memory node: the best attributes any
 * initiator reaches it with (hmat_register_target_initiators) — the lowest
 * latency, the highest bandwidth; our HMAT gives access (read = write)
 * values. */
static void predict_access0(const struct vt_layout *l, unsigned target, struct vt_guest_node *n)
{
    long long lat = VT_GUEST_UNKNOWN, bw = VT_GUEST_UNKNOWN;

    for (size_t i = 0; i < vt_layout_vnode_count(l); i++) {
        long long li = vt_layout_hmat_latency(l, (unsigned)i, target);
        long long bi = vt_layout_hmat_bandwidth(l, (unsigned)i, target);

        if (li && (lat == VT_GUEST_UNKNOWN || li < lat))
            lat = li;
        if (bi && (bw == VT_GUEST_UNKNOWN || bi > bw))
            bw = bi;
    }
    n->read_latency = n->write_latency = lat;
    n->read_bandwidth = n->write_bandwidth = bw;
}

static bool online_at_boot(const struct vt_vnode *vn)
{
    return vn->linux_node >= 0 && linux_node_online_at_boot(!vt_bitmap_iszero(vn->vcpus),
                                                            vn->memory_bytes, vn->ninitiators);
}

static int cmp_range(const void *a, const void *b)
{
    const struct vt_mem_range *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* The SRAT memory ranges Linux logs for a vnode: its RAM ranges and its
 * hot-pluggable ones, by address. */
static int predict_ranges(const struct vt_layout *l, const struct vt_vnode *vn, bool qemu_native,
                          struct vt_guest_node *n)
{
    size_t nhot = vt_layout_hotplug_memory_count(l), count = vn->nranges;
    uint64_t qstart, qend;

    if (qemu_native) {
        /* QEMU's own SRAT: one range over its device-memory region, in its
         * last node. */
        bool last = vn->vnode + 1 == vt_layout_vnode_count(l);
        bool dev = last && vmm_qemu_device_memory(l, &qstart, &qend);

        if (!(n->ranges = malloc((vn->nranges + 1) * sizeof(*n->ranges))))
            return -ENOMEM;
        memcpy(n->ranges, vn->ranges, vn->nranges * sizeof(*n->ranges));
        n->nranges = vn->nranges;
        if (dev) {
            n->ranges[n->nranges].start = qstart;
            n->ranges[n->nranges++].end = qend;
        }
        return 0;
    }

    for (size_t i = 0; i < nhot; i++)
        count += vt_layout_hotplug_memory(l, i)->vnode == vn->vnode;
    if (count && !(n->ranges = malloc(count * sizeof(*n->ranges))))
        return -ENOMEM;
    if (vn->nranges)
        memcpy(n->ranges, vn->ranges, vn->nranges * sizeof(*n->ranges));
    n->nranges = vn->nranges;
    for (size_t i = 0; i < nhot; i++) {
        const struct vt_hotplug_memory *h = vt_layout_hotplug_memory(l, i);

        if (h->vnode == vn->vnode) {
            n->ranges[n->nranges].start = h->start;
            n->ranges[n->nranges++].end = h->end;
        }
    }
    qsort(n->ranges, n->nranges, sizeof(*n->ranges), cmp_range);
    return 0;
}

/* Each planned device at its guest address, with its vnode's node: the
 * expander's _PXM (Linux's acpi_get_node), whose CPUs are its local ones. */
static int predict_pci(const struct vt_layout *l, struct vt_guest_view *v)
{
    size_t n = vt_layout_device_count(l);

    if (vt_layout_expander_count(l) && !(v->pci_port_buses = vt_bitmap_new()))
        return -ENOMEM;
    for (size_t k = 0; k < vt_layout_expander_count(l); k++) {
        const struct vt_pci_expander *e = vt_layout_expander(l, k);

        if (vt_bitmap_set_range(v->pci_port_buses, e->bus_nr + 1u, e->bus_nr + e->ports) < 0)
            return -ENOMEM;
    }
    if (!n)
        return 0;
    if (!(v->pci = calloc(n, sizeof(*v->pci))))
        return -ENOMEM;
    v->npci = n;
    for (size_t i = 0; i < n; i++) {
        const struct vt_device *d = vt_layout_device(l, i);

        snprintf(v->pci[i].bdf, sizeof(v->pci[i].bdf), "%s", d->guest_bdf);
        snprintf(v->pci[i].host_bdf, sizeof(v->pci[i].host_bdf), "%s", d->host_bdf);
        v->pci[i].node = d->linux_node;
        if (!(v->pci[i].local_cpus = vt_bitmap_dup(vt_layout_vnode(l, d->vnode)->vcpus)))
            return -ENOMEM;
    }
    return 0;
}

int vt_guest_view_of_layout(const struct vt_layout *l, const uint8_t *hmat, size_t hmat_len,
                            bool qemu_native, struct vt_guest_view *v, struct vt_err *err)
{
    struct linux_sysfs_ids ids;
    size_t nv = vt_layout_vnode_count(l), ncpu = vt_layout_vcpu_count(l), nonline = 0;
    const struct vt_vnode **online;

    memset(v, 0, sizeof(*v));
    v->complete = true;
    v->srat = v->slit = VT_GUEST_USED;
    v->hmat = hmat && hmat_len ? VT_GUEST_USED : VT_GUEST_NOT_USED;
    /* The online nodes in Linux node order (sysfs lists and distance rows). */
    if (!(online = calloc(nv ? nv : 1, sizeof(*online))) || !(v->gi_nodes = vt_bitmap_new()))
        goto oom;
    for (int id = 0; (size_t)id < nv; id++)
        for (size_t i = 0; i < nv; i++)
            if (vt_layout_vnode(l, i)->linux_node == id && online_at_boot(vt_layout_vnode(l, i)))
                online[nonline++] = vt_layout_vnode(l, i);
    if (alloc_nodes(v, nonline) < 0)
        goto oom;
    for (size_t k = 0; k < nonline; k++) {
        struct vt_guest_node *n = &v->nodes[k];
        const struct vt_vnode *vn = online[k];
        bool cpu_entries = !vt_bitmap_iszero(vn->vcpus) ||
                           (vn->hotplug_vcpus && !vt_bitmap_iszero(vn->hotplug_vcpus));

        n->id = vn->linux_node;
        /* Linux logs a PXM only for CPU and memory entries, not for a
         * generic initiator (pr_debug): a GI-only node's PXM is not seen. */
        n->pxm = cpu_entries || vn->nranges || vn->hotplug_memory_bytes ? vn->guest_pxm
                                                                        : VT_GUEST_UNKNOWN;
        if (!(n->cpus = vt_bitmap_dup(vn->vcpus)) ||
            !(n->dist = malloc(nonline * sizeof(*n->dist))) ||
            predict_ranges(l, vn, qemu_native, n) < 0)
            goto oom;
        n->ncpus = vt_bitmap_weight(n->cpus);
        n->ndist = nonline;
        for (size_t j = 0; j < nonline; j++)
            n->dist[j] = vt_layout_distance(l, vn->vnode, online[j]->vnode);
        n->memory_bytes = (long long)vn->memory_bytes;
        n->access0 = v->hmat == VT_GUEST_USED && vn->memory_bytes ? 1 : 0;
        if (n->access0)
            predict_access0(l, vn->vnode, n);
        if (vn->ninitiators && vt_bitmap_set(v->gi_nodes, (unsigned)vn->linux_node) < 0)
            goto oom;
    }
    free(online);
    online = NULL;
    if (ncpu && !(v->cpus = calloc(ncpu, sizeof(*v->cpus))))
        goto oom;
    v->ncpus = ncpu;
    for (size_t i = 0; i < ncpu; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        vt_guest_cpu_init(&v->cpus[i], (int)i);
        v->cpus[i].apic_id = c->apic_id;
        v->cpus[i].node = vt_layout_vnode(l, c->vnode)->linux_node;
        if (sysfs_ids(l, c, &ids) < 0)
            goto oom;
        v->cpus[i].package = ids.package;
        v->cpus[i].die = ids.die;
        v->cpus[i].core = ids.core;
    }
    if (predict_llc(l, v) < 0 || predict_pci(l, v) < 0)
        goto oom;
    return 0;
oom:
    free(online);
    vt_guest_view_free(v);
    return vt_err_set(err, -ENOMEM, "out of memory");
}

int vt_guest_view_of_check(const struct vt_check *c, const uint8_t *slit, size_t slit_len,
                           uint64_t ram_bytes, struct vt_guest_view *v, struct vt_err *err)
{
    size_t n = vt_check_node_count(c);
    struct acpi_slit s = {0};
    bool have_slit = false;

    memset(v, 0, sizeof(*v));
    v->complete = true;
    v->srat = vt_check_srat_used(c) ? VT_GUEST_USED : VT_GUEST_NOT_USED;
    v->slit = vt_check_slit_used(c) ? VT_GUEST_USED : VT_GUEST_NOT_USED;
    v->hmat = vt_check_hmat_used(c) ? VT_GUEST_USED : VT_GUEST_NOT_USED;
    if (v->slit == VT_GUEST_USED && slit)
        /* A SLIT Linux uses parses (check said so); if not, Linux's own
         * 10/20 distances, and no error for the caller. */
        have_slit = slit_parse(slit, slit_len, "SLIT", &s, NULL) == 0;
    if (!(v->gi_nodes = vt_bitmap_new()))
        goto oom;
    if (v->srat == VT_GUEST_NOT_USED) {
        /* Linux fakes one node with every CPU and all RAM. */
        if (alloc_nodes(v, 1) < 0 || !(v->nodes[0].dist = malloc(sizeof(*v->nodes[0].dist))))
            goto oom;
        v->nodes[0].dist[0] = 10;
        v->nodes[0].ndist = 1;
        v->nodes[0].memory_bytes = (long long)ram_bytes;
        /* The HMAT still applies through the rejected SRAT's PXM map. */
        v->nodes[0].access0 = v->hmat == VT_GUEST_USED ? 1 : 0;
        return 0;
    }
    if (alloc_nodes(v, n) < 0)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const struct vt_check_node *cn = vt_check_node(c, i);
        struct vt_guest_node *node = &v->nodes[i];

        node->id = cn->linux_node;
        node->pxm = cn->pxm;
        if (cn->generic_initiators && vt_bitmap_set(v->gi_nodes, (unsigned)cn->linux_node) < 0)
            goto oom;
        node->ncpus = (long long)cn->ncpus;
        node->memory_bytes = (long long)cn->memory_bytes;
        if (v->hmat == VT_GUEST_NOT_USED)
            node->access0 = 0;
        if (!(node->dist = malloc(n * sizeof(*node->dist))))
            goto oom;
        node->ndist = n;
        for (size_t j = 0; j < n; j++) {
            uint32_t pi = cn->pxm, pj = vt_check_node(c, j)->pxm;

            if (have_slit && pi < s.count && pj < s.count)
                node->dist[j] = s.entries[pi * s.count + pj];
            else
                node->dist[j] = i == j ? 10 : 20;
        }
    }
    slit_free(&s);
    return 0;
oom:
    slit_free(&s);
    vt_guest_view_free(v);
    return vt_err_set(err, -ENOMEM, "out of memory");
}
