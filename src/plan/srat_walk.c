/* The entries of a layout's SRAT, in table order: processor affinity per
 * vCPU (vCPU order, the hot-pluggable ones after the present), generic
 * initiator affinity per device (the order given), then memory affinity per
 * range (address order, hot-pluggable ranges flagged). The order is decided
 * once, here: the emitter (src/emit/srat.c) writes the entries it visits, and
 * the planner's linux_node prediction (src/plan/plan.c with
 * src/model/linux/numa.c) replays them without writing and reparsing bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan/srat_walk.h"

/* Ranges of every vnode, boot and hot-pluggable, sorted by address. */
struct srat_mem {
    uint64_t start, end;
    uint32_t pxm;
    uint32_t flags;
};

static int cmp_mem(const void *a, const void *b)
{
    const struct srat_mem *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* A walk over the entries of a layout's SRAT, in table order. */
struct walk {
    const struct vt_layout *l;
    unsigned how;
    size_t off; /* offset of the next entry */
    srat_visit fn;
    void *ctx;
    bool last_cpu;     /* the last entry visited was a processor entry... */
    uint32_t last_pxm; /* ...of this PXM */
};

static int visit(struct walk *w, struct acpi_srat_entry *e)
{
    e->offset = w->off;
    w->off += e->length;
    return w->fn(e, w->ctx);
}

/* Hot-pluggable vCPUs are enabled too, so Linux knows their node when they
 * are added (QEMU lists every possible CPU the same way). */
static int cpu_entry(struct walk *w, const struct vt_vcpu *c)
{
    struct acpi_srat_entry e;
    uint32_t pxm = vt_layout_vnode(w->l, c->vnode)->guest_pxm;
    bool lapic = c->apic_id <= VT_XAPIC_MAX_ID && !(w->how & VT_SRAT_X2APIC_ALL);

    /* The same PXM right after another processor entry numbers nothing. */
    if ((w->how & VT_SRAT_NUMBERING) && w->last_cpu && w->last_pxm == pxm) {
        w->off += lapic ? 16 : 24;
        return 0;
    }
    memset(&e, 0, sizeof(e));
    e.type = lapic ? VT_SRAT_LAPIC : VT_SRAT_X2APIC;
    e.length = lapic ? 16 : 24; /* Linux: LAPIC exactly 16 */
    e.pxm = pxm;
    e.apic_id = c->apic_id;
    e.flags = VT_SRAT_ENABLED;
    w->last_cpu = true;
    w->last_pxm = pxm;
    return visit(w, &e);
}

/* Generic initiator with a PCI device handle: segment (u16), then bus in
 * byte 2 and devfn in byte 3, then 12 zero bytes (ACPI 6.3 5.2.16.6; QEMU's
 * build_srat_pci_generic_initiator). */
static int gi_entry(struct walk *w, const struct vt_initiator *gi)
{
    struct acpi_srat_entry e;

    memset(&e, 0, sizeof(e));
    e.type = VT_SRAT_GENERIC_INITIATOR;
    e.length = 32;
    e.pxm = vt_layout_vnode(w->l, gi->vnode)->guest_pxm;
    e.flags = VT_SRAT_ENABLED;
    e.handle_type = VT_SRAT_GI_HANDLE_PCI;
    e.pci_segment = gi->segment;
    e.pci_bus = gi->bus;
    e.pci_devfn = gi->devfn;
    e.handle[0] = (uint8_t)gi->segment;
    e.handle[1] = (uint8_t)(gi->segment >> 8);
    e.handle[2] = gi->bus;
    e.handle[3] = gi->devfn;
    w->last_cpu = false;
    return visit(w, &e);
}

int srat_walk_layout(const struct vt_layout *l, unsigned how, srat_visit fn, void *ctx,
                     struct vt_err *err)
{
    size_t nv = vt_layout_vnode_count(l), nhot = vt_layout_hotplug_memory_count(l);
    size_t nmem = nhot, k = 0;
    struct walk w = {l, how, SRAT_WALK_HEADER, fn, ctx, false, 0};
    struct srat_mem *mem;
    int rc = 0;

    for (size_t v = 0; v < nv; v++)
        nmem += vt_layout_vnode(l, v)->nranges;
    mem = malloc((nmem ? nmem : 1) * sizeof(*mem));
    if (!mem)
        return vt_err_set(err, -ENOMEM, "out of memory building the SRAT");
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        for (size_t r = 0; r < vn->nranges; r++, k++) {
            mem[k].start = vn->ranges[r].start;
            mem[k].end = vn->ranges[r].end;
            mem[k].pxm = vn->guest_pxm;
            mem[k].flags = VT_SRAT_ENABLED;
        }
    }
    for (size_t h = 0; h < nhot; h++, k++) {
        const struct vt_hotplug_memory *hm = vt_layout_hotplug_memory(l, h);

        mem[k].start = hm->start;
        mem[k].end = hm->end;
        mem[k].pxm = vt_layout_vnode(l, hm->vnode)->guest_pxm;
        mem[k].flags = VT_SRAT_ENABLED | VT_SRAT_MEM_HOTPLUGGABLE;
    }
    qsort(mem, nmem, sizeof(*mem), cmp_mem);
    for (size_t i = 0; rc == 0 && i < vt_layout_vcpu_count(l); i++)
        rc = cpu_entry(&w, vt_layout_vcpu(l, i));
    for (size_t i = 0; rc == 0 && i < vt_layout_hotplug_vcpu_count(l); i++)
        rc = cpu_entry(&w, vt_layout_hotplug_vcpu(l, i));
    for (size_t i = 0; rc == 0 && i < vt_layout_initiator_count(l); i++)
        rc = gi_entry(&w, vt_layout_initiator(l, i));
    for (size_t i = 0; rc == 0 && i < nmem; i++) {
        struct acpi_srat_entry e;

        memset(&e, 0, sizeof(e));
        e.type = VT_SRAT_MEMORY;
        e.length = 40;
        e.pxm = mem[i].pxm;
        e.base = mem[i].start;
        e.length_bytes = mem[i].end - mem[i].start;
        e.flags = mem[i].flags;
        rc = visit(&w, &e);
    }
    free(mem);
    return rc < 0 ? vt_err_set(err, rc, "out of memory building the SRAT") : 0;
}

static int collect(const struct acpi_srat_entry *e, void *ctx)
{
    struct acpi_srat *srat = ctx;

    if ((srat->n & (srat->n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
        struct acpi_srat_entry *n =
            realloc(srat->entries, (srat->n ? 2 * srat->n : 1) * sizeof(*n));

        if (!n)
            return -ENOMEM;
        srat->entries = n;
    }
    srat->entries[srat->n++] = *e;
    return 0;
}

int srat_of_layout(const struct vt_layout *l, unsigned how, struct acpi_srat *srat,
                   struct vt_err *err)
{
    int rc;

    memset(srat, 0, sizeof(*srat));
    srat->revision = SRAT_WALK_REVISION;
    if ((rc = srat_walk_layout(l, how, collect, srat, err)) < 0)
        srat_free(srat);
    return rc;
}
