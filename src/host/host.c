/* vt_host: building (for the sources), finalizing, accessors and frame
 * lookup; vt_host_load (load.c) runs a source over it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/parse.h"
#include "util/text.h"
#include "vtopo/size.h"

/* The host-wide bitmaps, for allocating and freeing them together. */
static struct vt_bitmap **host_bitmap(struct vt_host *h, unsigned i)
{
    struct vt_bitmap **all[] = {&h->possible_nodes, &h->cpu_possible, &h->cpu_present,
                                &h->cpu_online,     &h->cpu_offline,  &h->cpu_isolated,
                                &h->cpu_nohz_full,  &h->cpu_hk};

    return i < sizeof(all) / sizeof(all[0]) ? all[i] : NULL;
}

struct vt_host *host_new(const char *desc_fmt, ...)
{
    struct vt_host *h = calloc(1, sizeof(*h));
    struct vt_bitmap **b;
    va_list ap;

    if (!h)
        return NULL;
    va_start(ap, desc_fmt);
    if (vasprintf(&h->desc, desc_fmt, ap) < 0)
        h->desc = NULL;
    va_end(ap);
    h->desc = vt_text_take_safe(h->desc); /* it names an input path */
    if (!h->desc)
        goto fail;
    for (unsigned i = 0; (b = host_bitmap(h, i)); i++)
        if (!(*b = vt_bitmap_new()))
            goto fail;
    return h;
fail:
    vt_host_free(h);
    return NULL;
}

void vt_host_free(struct vt_host *h)
{
    struct vt_bitmap **b;

    if (!h)
        return;
    free(h->arg);
    vt_irq_state_free(h->irqs);
    for (size_t i = 0; i < h->nnodes; i++) {
        struct host_node *n = &h->nodes[i];

        vt_bitmap_free(n->listed);
        vt_bitmap_free(n->cpus);
        vt_bitmap_free(n->offline);
        vt_bitmap_free(n->hk);
        free(n->ranges);
        free(n->hugepages);
    }
    free(h->nodes);
    free(h->dist);
    for (unsigned i = 0; (b = host_bitmap(h, i)); i++)
        vt_bitmap_free(*b);
    for (size_t i = 0; i < h->ndevs; i++) {
        vt_bitmap_free(h->devs[i].local_cpus);
        for (size_t k = 0; k < h->devs[i].nnames; k++)
            free(h->devs[i].names[k]);
        free(h->devs[i].names);
        free(h->devs[i].driver);
        free(h->devs[i].physfn);
        free(h->devs[i].virtfns);
        free(h->devs[i].msi_irqs);
    }
    free(h->devs);
    for (size_t i = 0; i < h->ncpu_topo; i++) {
        vt_bitmap_free(h->cpu_topo[i].siblings);
        vt_bitmap_free(h->cpu_topo[i].llc);
    }
    free(h->cpu_topo);
    for (size_t i = 0; i < h->nwarnings; i++)
        free(h->warnings[i]);
    free(h->warnings);
    free(h->cpu_pnode);
    free(h->pfn);
    free(h->pfn_start);
    free(h->desc);
    free(h);
}

/* Grow *arr (element size sz) so that index n fits. */
static int grow_array(void **arr, size_t *cap, size_t n, size_t sz)
{
    size_t ncap;
    void *p;

    if (n < *cap)
        return 0;
    ncap = *cap ? *cap * 2 : 8;
    p = realloc(*arr, ncap * sz);
    if (!p)
        return -ENOMEM;
    memset((char *)p + *cap * sz, 0, (ncap - *cap) * sz);
    *arr = p;
    *cap = ncap;
    return 0;
}

struct host_node *host_add_node(struct vt_host *h, unsigned pnode)
{
    struct host_node *n;

    if (grow_array((void **)&h->nodes, &h->cap_nodes, h->nnodes, sizeof(*h->nodes)) < 0)
        return NULL;
    n = &h->nodes[h->nnodes];
    memset(n, 0, sizeof(*n));
    n->pub.pnode = pnode;
    n->pub.host_pxm = VT_PXM_UNKNOWN;
    n->pub.free_bytes = VT_HOST_FREE_UNKNOWN;
    n->listed = vt_bitmap_new();
    n->cpus = vt_bitmap_new();
    n->offline = vt_bitmap_new();
    n->hk = vt_bitmap_new();
    h->nnodes++; /* counted even if an allocation failed, so vt_host_free frees it */
    if (!n->listed || !n->cpus || !n->offline || !n->hk)
        return NULL;
    return n;
}

int host_add_hugepages(struct host_node *n, uint64_t page_bytes, uint64_t total, uint64_t free)
{
    struct vt_host_hugepages *m;
    size_t at = 0;

    while (at < n->nhugepages && n->hugepages[at].page_bytes < page_bytes)
        at++;
    if (at < n->nhugepages && n->hugepages[at].page_bytes == page_bytes)
        return -EEXIST;
    if (n->nhugepages == VT_HOST_MAX_HUGEPAGE_SIZES)
        return -E2BIG;
    if (!(m = realloc(n->hugepages, (n->nhugepages + 1) * sizeof(*m))))
        return -ENOMEM;
    n->hugepages = m;
    memmove(m + at + 1, m + at, (n->nhugepages - at) * sizeof(*m));
    m[at] = (struct vt_host_hugepages){page_bytes, total, free};
    n->nhugepages++;
    return 0;
}

int host_alloc_distances(struct vt_host *h)
{
    free(h->dist);
    h->dist = calloc(h->nnodes ? h->nnodes * h->nnodes : 1, sizeof(*h->dist));
    return h->dist ? 0 : -ENOMEM;
}

int host_add_range(struct host_node *n, uint64_t start, uint64_t end)
{
    if (n->nranges >= VT_HOST_MAX_RANGES)
        return -E2BIG;
    if (grow_array((void **)&n->ranges, &n->cap_ranges, n->nranges, sizeof(*n->ranges)) < 0)
        return -ENOMEM;
    n->ranges[n->nranges].start = start;
    n->ranges[n->nranges].end = end;
    n->nranges++;
    return 0;
}

struct host_dev *host_add_device(struct vt_host *h)
{
    struct host_dev *d;

    if (h->ndevs >= VT_HOST_MAX_DEVICES)
        return NULL;
    if (grow_array((void **)&h->devs, &h->cap_devs, h->ndevs, sizeof(*h->devs)) < 0)
        return NULL;
    d = &h->devs[h->ndevs++];
    memset(d, 0, sizeof(*d));
    d->pub.pnode = VT_PNODE_UNKNOWN;
    d->pub.iommu_group = -1;
    return d;
}

struct host_cpu *host_cpu_topo(struct vt_host *h, unsigned pcpu)
{
    struct host_cpu *c;

    if (pcpu > VT_CPU_ID_MAX)
        return NULL;
    if (pcpu >= h->ncpu_topo) {
        size_t n = pcpu + 1;
        struct host_cpu *t = realloc(h->cpu_topo, n * sizeof(*t));

        if (!t)
            return NULL;
        memset(t + h->ncpu_topo, 0, (n - h->ncpu_topo) * sizeof(*t));
        h->cpu_topo = t;
        h->ncpu_topo = n;
    }
    c = &h->cpu_topo[pcpu];
    if (!c->known) {
        c->known = true;
        c->pub.package = c->pub.die = c->pub.cluster = c->pub.core = -1;
    }
    return c;
}

int host_dev_add_msi(struct host_dev *d, unsigned irq)
{
    unsigned *v;

    if (d->pub.nmsi_irqs >= VT_HOST_DEVICE_MAX_MSI)
        return -E2BIG;
    if (!(v = realloc(d->msi_irqs, (d->pub.nmsi_irqs + 1) * sizeof(*v))))
        return -ENOMEM;
    d->msi_irqs = v;
    d->msi_irqs[d->pub.nmsi_irqs++] = irq;
    return 0;
}

void host_warn(struct vt_host *h, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    int rc;

    va_start(ap, fmt);
    rc = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc < 0 || !(msg = vt_text_take_safe(msg)))
        return;
    /* A host file keeps its source's warnings; loading it says them once. */
    for (size_t i = 0; i < h->nwarnings; i++)
        if (!strcmp(h->warnings[i], msg)) {
            free(msg);
            return;
        }
    if (grow_array((void **)&h->warnings, &h->cap_warnings, h->nwarnings, sizeof(*h->warnings)) <
        0) {
        free(msg);
        return;
    }
    h->warnings[h->nwarnings++] = msg;
}

/* ---- finalize --------------------------------------------------------- */

static int cmp_range(const void *a, const void *b)
{
    const struct vt_mem_range *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_pfn(const void *a, const void *b)
{
    const struct pfn_entry *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

static int cmp_dev(const void *a, const void *b)
{
    const struct vt_host_device *x = &((const struct host_dev *)a)->pub;
    const struct vt_host_device *y = &((const struct host_dev *)b)->pub;
    uint64_t kx =
        (uint64_t)x->pci_domain << 16 | (unsigned)x->bus << 8 | (unsigned)x->dev << 3 | x->fn;
    uint64_t ky =
        (uint64_t)y->pci_domain << 16 | (unsigned)y->bus << 8 | (unsigned)y->dev << 3 | y->fn;

    return kx < ky ? -1 : kx > ky;
}

/* Sort and merge one node's ranges; reject empty or inverted ones. */
static int normalize_ranges(struct host_node *n, struct vt_err *err)
{
    size_t out = 0;

    for (size_t i = 0; i < n->nranges; i++)
        if (n->ranges[i].end <= n->ranges[i].start)
            return vt_err_set(err, -EINVAL,
                              "node %u: memory range 0x%llx-0x%llx is empty or inverted",
                              n->pub.pnode, (unsigned long long)n->ranges[i].start,
                              (unsigned long long)n->ranges[i].end);
    if (n->nranges)
        qsort(n->ranges, n->nranges, sizeof(*n->ranges), cmp_range);
    for (size_t i = 0; i < n->nranges; i++) {
        if (out && n->ranges[i].start <= n->ranges[out - 1].end) {
            if (n->ranges[i].end > n->ranges[out - 1].end)
                n->ranges[out - 1].end = n->ranges[i].end;
            continue;
        }
        n->ranges[out++] = n->ranges[i];
    }
    n->nranges = out;
    return 0;
}

static int build_pfn_index(struct vt_host *h, struct vt_err *err)
{
    size_t total = 0, k = 0;

    for (size_t i = 0; i < h->nnodes; i++)
        total += h->nodes[i].nranges;
    h->pfn = calloc(total ? total : 1, sizeof(*h->pfn));
    if (!h->pfn)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < h->nnodes; i++)
        for (size_t r = 0; r < h->nodes[i].nranges; r++) {
            h->pfn[k].start = h->nodes[i].ranges[r].start;
            h->pfn[k].end = h->nodes[i].ranges[r].end;
            h->pfn[k].node_index = (uint32_t)i;
            k++;
        }
    h->npfn = total;
    qsort(h->pfn, total, sizeof(*h->pfn), cmp_pfn);
    h->pfn_start = malloc((total ? total : 1) * sizeof(*h->pfn_start));
    if (!h->pfn_start)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < total; i++)
        h->pfn_start[i] = h->pfn[i].start;
    for (size_t i = 1; i < total; i++)
        if (h->pfn[i].start < h->pfn[i - 1].end)
            return vt_err_set(
                err, -EINVAL,
                "memory range 0x%llx-0x%llx of node %u overlaps 0x%llx-0x%llx of "
                "node %u",
                (unsigned long long)h->pfn[i].start, (unsigned long long)h->pfn[i].end,
                h->nodes[h->pfn[i].node_index].pub.pnode, (unsigned long long)h->pfn[i - 1].start,
                (unsigned long long)h->pfn[i - 1].end,
                h->nodes[h->pfn[i - 1].node_index].pub.pnode);
    return 0;
}

/* Assign each CPU to the lowest node listing it; warn once about CPUs that
 * several nodes claim (the buggy-firmware case where every node lists all). */
static int assign_cpus(struct vt_host *h, struct vt_err *err)
{
    struct vt_bitmap *seen = vt_bitmap_new(), *dup = vt_bitmap_new(), *claimants = vt_bitmap_new();
    int last = vt_bitmap_last(h->cpu_online);
    int rc = -ENOMEM;

    if (!seen || !dup || !claimants)
        goto out;
    for (size_t i = 0; i < h->nnodes; i++) {
        int l = vt_bitmap_last(h->nodes[i].listed);
        if (l > last)
            last = l;
    }
    h->ncpu_pnode = last < 0 ? 0 : (size_t)last + 1;
    h->cpu_pnode = malloc((h->ncpu_pnode ? h->ncpu_pnode : 1) * sizeof(int));
    if (!h->cpu_pnode)
        goto out;
    for (size_t c = 0; c < h->ncpu_pnode; c++)
        h->cpu_pnode[c] = -1;
    for (size_t i = 0; i < h->nnodes; i++) {
        struct host_node *n = &h->nodes[i];

        if (vt_bitmap_copy(n->cpus, n->listed) < 0 || vt_bitmap_copy(n->offline, n->listed) < 0)
            goto out;
        if (vt_bitmap_intersects(n->listed, seen)) {
            struct vt_bitmap *both = vt_bitmap_dup(n->listed);

            if (!both)
                goto out;
            vt_bitmap_and(both, seen);
            rc = vt_bitmap_or(dup, both);
            vt_bitmap_free(both);
            if (rc < 0 || vt_bitmap_set(claimants, n->pub.pnode) < 0) {
                rc = -ENOMEM;
                goto out;
            }
            vt_bitmap_andnot(n->cpus, seen);
            vt_bitmap_andnot(n->offline, seen);
        }
        if (vt_bitmap_or(seen, n->listed) < 0) {
            rc = -ENOMEM;
            goto out;
        }
        vt_bitmap_and(n->cpus, h->cpu_online);
        vt_bitmap_andnot(n->offline, h->cpu_online);
        vt_bitmap_foreach(c, n->cpus) h->cpu_pnode[c] = (int)n->pub.pnode;
        vt_bitmap_foreach(c, n->offline) h->cpu_pnode[c] = (int)n->pub.pnode;
    }
    if (!vt_bitmap_iszero(dup)) {
        char *cpus = vt_bitmap_format_list(dup), *nodes = vt_bitmap_format_list(claimants);

        bool one = vt_bitmap_weight(claimants) == 1;

        host_warn(h,
                  "%s %s %s CPUs %s that a lower node already lists (buggy firmware?); "
                  "each CPU is kept in the lowest node that lists it",
                  one ? "node" : "nodes", nodes ? nodes : "?", one ? "lists" : "list",
                  cpus ? cpus : "?");
        free(cpus);
        free(nodes);
    }
    rc = 0;
out:
    vt_bitmap_free(seen);
    vt_bitmap_free(dup);
    vt_bitmap_free(claimants);
    if (rc < 0)
        vt_err_set(err, rc, "out of memory");
    return rc;
}

/* What a source can say that no Linux host shows: warned about, since a plan
 * built on it is built on a host that does not exist. */
static int check_consistency(struct vt_host *h, struct vt_err *err)
{
    struct vt_bitmap *nodeless = vt_bitmap_new();

    if (!nodeless || vt_bitmap_copy(nodeless, h->cpu_online) < 0) {
        vt_bitmap_free(nodeless);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < h->nnodes; i++)
        vt_bitmap_andnot(nodeless, h->nodes[i].cpus);
    if (!vt_bitmap_iszero(nodeless)) {
        char *list = vt_bitmap_format_list(nodeless);

        host_warn(h,
                  "online CPUs %s are in no node (Linux puts every online CPU in a node; a "
                  "node's cpulist is missing?); plans cannot place vCPUs on them",
                  list ? list : "?");
        free(list);
    }
    vt_bitmap_free(nodeless);
    for (size_t i = 0; i < h->nnodes; i++) {
        const struct host_node *n = &h->nodes[i];
        uint64_t ranged = 0;

        for (size_t r = 0; r < n->nranges; r++)
            ranged += n->ranges[r].end - n->ranges[r].start;
        /* MemTotal counts managed pages, always less than the node's ranges
         * (the kernel reserves some); more than a memory block above them is
         * memory the ranges do not hold. */
        if (n->nranges && n->pub.memory_bytes > ranged + HOST_MEMORY_BLOCK_MIN) {
            char a[32], b[32];

            vt_size_format(a, sizeof(a), n->pub.memory_bytes);
            vt_size_format(b, sizeof(b), ranged);
            host_warn(h,
                      "node %u: its memory (MemTotal) is %s but its physical ranges hold only "
                      "%s; ranges and memory come from different machines or a partial dump?",
                      n->pub.pnode, a, b);
        }
    }
    return 0;
}

static int cmp_uint(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

    return x < y ? -1 : x > y;
}

/* The device's IRQ numbers ascending, each once. */
static int finalize_msi(struct host_dev *d, struct vt_err *err)
{
    d->pub.msi_irqs = d->msi_irqs;
    if (!d->msi_irqs || d->pub.nmsi_irqs < 2)
        return 0;
    qsort(d->msi_irqs, d->pub.nmsi_irqs, sizeof(*d->msi_irqs), cmp_uint);
    for (size_t k = 1; k < d->pub.nmsi_irqs; k++)
        if (d->msi_irqs[k] == d->msi_irqs[k - 1])
            return vt_err_set(err, -EINVAL, "PCI device %s: MSI IRQ %u is listed twice", d->pub.bdf,
                              d->msi_irqs[k]);
    return 0;
}

/* SR-IOV: each virtual function's physfn is a device of the host (else it
 * is dropped with a warning: a partial dump), and each physical function
 * lists its virtual functions (the devices are sorted, so in BDF order). */
static int link_virtfns(struct vt_host *h, struct vt_err *err)
{
    for (size_t i = 0; i < h->ndevs; i++) {
        struct host_dev *vf = &h->devs[i];
        struct host_dev *pf;
        const char **v;

        if (!vf->physfn)
            continue;
        pf = (struct host_dev *)vt_host_device_by_bdf(h, vf->physfn);
        if (!pf || pf == vf || pf->physfn) {
            host_warn(h,
                      "PCI device %s: its physical function %s is %s; its SR-IOV relation is "
                      "dropped",
                      vf->pub.bdf, vf->physfn,
                      !pf ? "not a device of this host" : "itself a virtual function or itself");
            free(vf->physfn);
            vf->physfn = NULL;
            continue;
        }
        if (!(v = realloc(pf->virtfns, (pf->pub.nvirtfns + 1) * sizeof(*v))))
            return vt_err_set(err, -ENOMEM, "out of memory");
        pf->virtfns = v;
        pf->virtfns[pf->pub.nvirtfns++] = vf->pub.bdf;
    }
    for (size_t i = 0; i < h->ndevs; i++) {
        h->devs[i].pub.physfn = h->devs[i].physfn;
        h->devs[i].pub.virtfns = h->devs[i].virtfns;
    }
    return 0;
}

/* Each CPU with a topology is a possible CPU, inside its own SMT siblings
 * and last-level cache group. */
static int finalize_cpu_topo(struct vt_host *h, struct vt_err *err)
{
    for (size_t i = 0; i < h->ncpu_topo; i++) {
        struct host_cpu *c = &h->cpu_topo[i];
        const char *what = NULL;

        if (!c->known)
            continue;
        if (!vt_bitmap_isset(h->cpu_possible, (unsigned)i))
            return vt_err_set(err, -EINVAL,
                              "CPU %zu has a topology (package, core, siblings) but is not a "
                              "possible CPU",
                              i);
        if (c->siblings && !vt_bitmap_isset(c->siblings, (unsigned)i))
            what = "SMT siblings";
        else if (c->llc && !vt_bitmap_isset(c->llc, (unsigned)i))
            what = "last-level cache group";
        if (what) {
            char *list = vt_bitmap_format_list(what[0] == 'S' ? c->siblings : c->llc);
            int rc = vt_err_set(err, -EINVAL, "CPU %zu: its %s %s do not include it", i, what,
                                list ? list : "?");

            free(list);
            return rc;
        }
        c->pub.siblings = c->siblings;
        c->pub.llc = c->llc;
    }
    /* A group is every member's: the siblings (and the cache group) a CPU
     * lists list it back, with the same members. */
    for (size_t i = 0; i < h->ncpu_topo; i++) {
        const struct host_cpu *c = &h->cpu_topo[i];

        for (int k = 0; k < 2 && c->known; k++) {
            const struct vt_bitmap *set = k ? c->llc : c->siblings;

            for (int o = set ? vt_bitmap_first(set) : -1; o >= 0; o = vt_bitmap_next(set, o)) {
                const struct host_cpu *t = (size_t)o < h->ncpu_topo ? &h->cpu_topo[o] : NULL;
                const struct vt_bitmap *other = t && t->known ? (k ? t->llc : t->siblings) : NULL;

                if (other && !vt_bitmap_equal(set, other)) {
                    char *a = vt_bitmap_format_list(set), *b = vt_bitmap_format_list(other);
                    int rc = vt_err_set(err, -EINVAL,
                                        "CPU %zu's %s are %s but CPU %d's are %s (a group is "
                                        "the same for each of its CPUs)",
                                        i, k ? "last-level cache group" : "SMT siblings",
                                        a ? a : "?", o, b ? b : "?");

                    free(a);
                    free(b);
                    return rc;
                }
            }
        }
    }
    return 0;
}

/* What a node has free is within what it has: MemFree within MemTotal, a
 * pool's free pages within the pool, the pools within the memory. */
static int check_free(const struct host_node *n, struct vt_err *err)
{
    uint64_t pools = 0;
    char a[32], b[32];

    if (n->pub.free_bytes != VT_HOST_FREE_UNKNOWN && n->pub.free_bytes > n->pub.memory_bytes) {
        vt_size_format(a, sizeof(a), n->pub.free_bytes);
        vt_size_format(b, sizeof(b), n->pub.memory_bytes);
        return vt_err_set(err, -EINVAL, "node %u: free memory %s is above its memory %s",
                          n->pub.pnode, a, b);
    }
    for (size_t k = 0; k < n->nhugepages; k++) {
        const struct vt_host_hugepages *p = &n->hugepages[k];

        vt_size_format(a, sizeof(a), p->page_bytes);
        if (p->free > p->total)
            return vt_err_set(
                err, -EINVAL, "node %u: %llu free %s huge pages are more than its %llu",
                n->pub.pnode, (unsigned long long)p->free, a, (unsigned long long)p->total);
        if (p->page_bytes && p->total > (UINT64_MAX - pools) / p->page_bytes)
            return vt_err_set(err, -EINVAL, "node %u: its %s huge pages overflow 64 bits",
                              n->pub.pnode, a);
        pools += p->total * p->page_bytes;
    }
    if (pools > n->pub.memory_bytes) {
        vt_size_format(a, sizeof(a), pools);
        vt_size_format(b, sizeof(b), n->pub.memory_bytes);
        return vt_err_set(err, -EINVAL, "node %u: its huge page pools (%s) are above its memory %s",
                          n->pub.pnode, a, b);
    }
    return 0;
}

int host_finalize(struct vt_host *h, struct vt_err *err)
{
    int rc;

    if (h->nnodes == 0)
        return vt_err_set(err, -EINVAL, "the host has no NUMA node");
    if (h->nnodes > VT_HOST_MAX_NODES)
        return vt_err_set(err, -E2BIG, "%zu nodes exceed the limit of %d", h->nnodes,
                          VT_HOST_MAX_NODES);
    for (size_t i = 1; i < h->nnodes; i++)
        if (h->nodes[i].pub.pnode <= h->nodes[i - 1].pub.pnode)
            return vt_err_set(err, -EINVAL, "node %u is listed twice or out of order",
                              h->nodes[i].pub.pnode);
    if (!h->dist && (rc = host_alloc_distances(h)) < 0)
        return vt_err_set(err, rc, "out of memory");
    if (vt_bitmap_iszero(h->cpu_online))
        return vt_err_set(err, -EINVAL, "the host has no online CPU");
    for (size_t i = 0; i < h->nnodes; i++)
        if ((rc = check_free(&h->nodes[i], err)) < 0)
            return rc;

    /* Derived CPU sets. possible and present include online, whatever the source said. */
    if (vt_bitmap_or(h->cpu_present, h->cpu_online) < 0 ||
        vt_bitmap_or(h->cpu_possible, h->cpu_present) < 0 ||
        vt_bitmap_copy(h->cpu_offline, h->cpu_possible) < 0 ||
        vt_bitmap_copy(h->cpu_hk, h->cpu_online) < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    vt_bitmap_andnot(h->cpu_offline, h->cpu_online);
    vt_bitmap_andnot(h->cpu_hk, h->cpu_isolated);
    vt_bitmap_andnot(h->cpu_hk, h->cpu_nohz_full);
    for (size_t i = 0; i < h->nnodes; i++)
        if (vt_bitmap_set(h->possible_nodes, h->nodes[i].pub.pnode) < 0)
            return vt_err_set(err, -ENOMEM, "out of memory");

    if ((rc = assign_cpus(h, err)) < 0)
        return rc;
    for (size_t i = 0; i < h->nnodes; i++) {
        struct host_node *n = &h->nodes[i];

        if (vt_bitmap_copy(n->hk, n->cpus) < 0)
            return vt_err_set(err, -ENOMEM, "out of memory");
        vt_bitmap_and(n->hk, h->cpu_hk);
        if ((rc = normalize_ranges(n, err)) < 0)
            return rc;
        n->pub.cpus = n->cpus;
        n->pub.offline_cpus = n->offline;
        n->pub.housekeeping_cpus = n->hk;
        n->pub.ranges = n->ranges;
        n->pub.hugepages = n->hugepages;
        n->pub.nhugepages = n->nhugepages;
        n->pub.nranges = n->nranges;
        n->pub.has_cpu = !vt_bitmap_iszero(n->cpus);
        n->pub.has_memory = n->pub.memory_bytes > 0;
        n->pub.distances = h->dist + i * h->nnodes;
    }
    if ((rc = check_consistency(h, err)) < 0 || (rc = build_pfn_index(h, err)) < 0)
        return rc;

    if (h->ndevs)
        qsort(h->devs, h->ndevs, sizeof(*h->devs), cmp_dev);
    for (size_t i = 0; i < h->ndevs; i++) {
        struct vt_host_device *d = &h->devs[i].pub;

        if (i && cmp_dev(&h->devs[i - 1], &h->devs[i]) == 0)
            return vt_err_set(err, -EINVAL, "PCI device %s is listed twice", d->bdf);
        if (d->pnode >= 0 && vt_host_node_index(h, (unsigned)d->pnode) < 0) {
            host_warn(h, "PCI device %s: numa_node %d is not an online node; treated as unknown",
                      d->bdf, d->pnode);
            d->pnode = VT_PNODE_UNKNOWN;
        }
        d->local_cpus = h->devs[i].local_cpus;
        d->names = (const char *const *)h->devs[i].names;
        d->nnames = h->devs[i].nnames;
        d->driver = h->devs[i].driver;
        if ((rc = finalize_msi(&h->devs[i], err)) < 0)
            return rc;
    }
    if ((rc = link_virtfns(h, err)) < 0 || (rc = finalize_cpu_topo(h, err)) < 0)
        return rc;

    h->cpus_pub.possible = h->cpu_possible;
    h->cpus_pub.present = h->cpu_present;
    h->cpus_pub.online = h->cpu_online;
    h->cpus_pub.offline = h->cpu_offline;
    h->cpus_pub.isolated = h->cpu_isolated;
    h->cpus_pub.nohz_full = h->cpu_nohz_full;
    h->cpus_pub.housekeeping = h->cpu_hk;
    return 0;
}

/* ---- accessors -------------------------------------------------------- */

size_t vt_host_node_count(const struct vt_host *h)
{
    return h->nnodes;
}

const struct vt_host_node *vt_host_node(const struct vt_host *h, size_t index)
{
    return index < h->nnodes ? &h->nodes[index].pub : NULL;
}

int vt_host_node_index(const struct vt_host *h, unsigned pnode)
{
    size_t lo = 0, hi = h->nnodes;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (h->nodes[mid].pub.pnode == pnode)
            return (int)mid;
        if (h->nodes[mid].pub.pnode < pnode)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const struct vt_bitmap *vt_host_possible_nodes(const struct vt_host *h)
{
    return h->possible_nodes;
}

uint32_t vt_host_distance(const struct vt_host *h, unsigned pnode_from, unsigned pnode_to)
{
    int a = vt_host_node_index(h, pnode_from), b = vt_host_node_index(h, pnode_to);

    if (a < 0 || b < 0)
        return 0;
    return h->dist[(size_t)a * h->nnodes + (size_t)b];
}

const struct vt_host_cpus *vt_host_cpus(const struct vt_host *h)
{
    return &h->cpus_pub;
}

int vt_host_cpu_pnode(const struct vt_host *h, unsigned pcpu)
{
    return pcpu < h->ncpu_pnode ? h->cpu_pnode[pcpu] : -1;
}

const struct vt_host_cpu_topo *vt_host_cpu_topo(const struct vt_host *h, unsigned pcpu)
{
    return pcpu < h->ncpu_topo && h->cpu_topo[pcpu].known ? &h->cpu_topo[pcpu].pub : NULL;
}

size_t vt_host_device_count(const struct vt_host *h)
{
    return h->ndevs;
}

const struct vt_host_device *vt_host_device(const struct vt_host *h, size_t index)
{
    return index < h->ndevs ? &h->devs[index].pub : NULL;
}

const struct vt_host_device *vt_host_device_by_name(const struct vt_host *h, const char *name)
{
    for (size_t i = 0; i < h->ndevs; i++)
        for (size_t k = 0; k < h->devs[i].nnames; k++)
            if (strcmp(h->devs[i].names[k], name) == 0)
                return &h->devs[i].pub;
    return NULL;
}

int host_dev_add_name(struct host_dev *d, const char *name)
{
    char **names, *copy;

    if (d->nnames >= VT_HOST_DEVICE_MAX_NAMES)
        return -E2BIG;
    if (!(copy = strdup(name)))
        return -ENOMEM;
    if (!(names = realloc(d->names, (d->nnames + 1) * sizeof(*names)))) {
        free(copy);
        return -ENOMEM;
    }
    d->names = names;
    d->names[d->nnames++] = copy;
    return 0;
}

bool host_device_name_ok(const char *name)
{
    size_t n = strlen(name);

    return n > 0 && n <= VT_HOST_DEVICE_NAME_MAX &&
           strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+-") ==
               n;
}

const struct vt_host_device *vt_host_device_by_bdf(const struct vt_host *h, const char *bdf)
{
    for (size_t i = 0; i < h->ndevs; i++)
        if (strcmp(h->devs[i].pub.bdf, bdf) == 0)
            return &h->devs[i].pub;
    return NULL;
}

size_t vt_host_warning_count(const struct vt_host *h)
{
    return h->nwarnings;
}

const char *vt_host_warning(const struct vt_host *h, size_t index)
{
    return index < h->nwarnings ? h->warnings[index] : NULL;
}

size_t vt_host_recorded_warning_count(const struct vt_host *h)
{
    return h->nrecorded_warnings;
}

const char *vt_host_description(const struct vt_host *h)
{
    return h->desc;
}

/* ---- frame lookup ----------------------------------------------------- */

#define PAGE_SHIFT 12

/* Index of the last range starting at or below addr, or npfn when none does.
 * Branchless (the comparison becomes a conditional move): random frames make
 * every step of an ordinary binary search a mispredicted branch. */
static size_t pfn_search(const struct vt_host *h, uint64_t addr)
{
    const uint64_t *base = h->pfn_start;
    size_t n = h->npfn;

    if (n == 0 || addr < base[0])
        return h->npfn;
    while (n > 1) {
        size_t half = n / 2;

        base = base[half] <= addr ? base + half : base;
        n -= half;
    }
    return (size_t)(base - h->pfn_start);
}

long vt_host_pfn_lookup(const struct vt_host *h, const uint64_t *pfns, size_t n, uint32_t *pxms,
                        int *pnodes)
{
    long found = 0;

    if (n && (!pfns || !pxms))
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        const struct pfn_entry *hit = NULL;

        if (pfns[i] <= UINT64_MAX >> PAGE_SHIFT) {
            uint64_t addr = pfns[i] << PAGE_SHIFT;
            size_t k = pfn_search(h, addr);

            if (k < h->npfn && addr < h->pfn[k].end)
                hit = &h->pfn[k];
        }
        if (hit) {
            const struct vt_host_node *node = &h->nodes[hit->node_index].pub;

            pxms[i] = node->host_pxm;
            if (pnodes)
                pnodes[i] = (int)node->pnode;
            found++;
        } else {
            pxms[i] = VT_PXM_INVALID;
            if (pnodes)
                pnodes[i] = VT_PNODE_INVALID;
        }
    }
    return found;
}

static const char *const cpu_vendor_names[] = {
    [VT_HOST_CPU_UNKNOWN] = "unknown", [VT_HOST_CPU_INTEL] = "intel", [VT_HOST_CPU_AMD] = "amd",
    [VT_HOST_CPU_X86] = "x86",         [VT_HOST_CPU_ARM] = "arm",     [VT_HOST_CPU_POWER] = "power",
    [VT_HOST_CPU_OTHER] = "other",
};

const char *vt_host_cpu_vendor_name(enum vt_host_cpu_vendor v)
{
    return (unsigned)v < sizeof(cpu_vendor_names) / sizeof(cpu_vendor_names[0])
               ? cpu_vendor_names[v]
               : "unknown";
}

int host_cpu_vendor_of_name(const char *n)
{
    for (size_t i = 0; i < sizeof(cpu_vendor_names) / sizeof(cpu_vendor_names[0]); i++)
        if (!strcmp(n, cpu_vendor_names[i]))
            return (int)i;
    return -1;
}

int vt_bdf_normalize(const char *text, char out[VT_BDF_TEXT_MAX])
{
    return bdf_normalize(text, out);
}

const char *vt_host_fsroot(const struct vt_host *h)
{
    return h->kind == VT_HOST_SYSFS ? h->arg : NULL;
}

const char *vt_host_cpu_state(const struct vt_host *h, unsigned pcpu)
{
    const struct vt_host_cpus *c = vt_host_cpus(h);

    if (!vt_bitmap_isset(c->online, pcpu))
        return "offline";
    if (vt_bitmap_isset(c->isolated, pcpu))
        return "isolated";
    if (vt_bitmap_isset(c->nohz_full, pcpu))
        return "nohz_full";
    return "housekeeping";
}
