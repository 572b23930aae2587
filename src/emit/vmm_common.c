/* What the VMM emitters share: slot numbering, checks, warnings
 * (docs/vmm-config.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "emit/strlist.h"
#include "emit/vmm_common.h"

size_t vt_vmm_slot(const struct vt_shape *s, const struct vt_vcpu *c)
{
    return (((size_t)c->package * s->dies + c->die) * s->cores + c->core) * s->threads + c->thread;
}

size_t vt_vmm_slot_count(const struct vt_shape *s)
{
    return (size_t)s->sockets * s->dies * s->cores * s->threads;
}

size_t vt_vmm_prefix(const struct vt_layout *l)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l), prefix = 0;

    while (prefix < n && vt_vmm_slot(s, vt_layout_vcpu(l, prefix)) == prefix)
        prefix++;
    return prefix;
}

unsigned *vt_vmm_slot_vnodes(const struct vt_layout *l)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t nslots = vt_vmm_slot_count(s), n = vt_layout_vcpu_count(l);
    unsigned *slot_vnode = malloc((nslots ? nslots : 1) * sizeof(*slot_vnode));
    unsigned last = n ? vt_layout_vcpu(l, 0)->vnode : 0;

    if (!slot_vnode)
        return NULL;
    for (size_t i = 0; i < nslots; i++)
        slot_vnode[i] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        slot_vnode[vt_vmm_slot(s, c)] = c->vnode;
    }
    /* Hot-pluggable vCPUs keep their slots for their vnodes. */
    for (size_t i = 0; i < vt_layout_hotplug_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vt_layout_hotplug_vcpu(l, i);

        if (vt_vmm_slot(s, c) < nslots)
            slot_vnode[vt_vmm_slot(s, c)] = c->vnode;
    }
    for (size_t i = 0; i < nslots; i++) {
        if (slot_vnode[i] == UINT32_MAX)
            slot_vnode[i] = last;
        last = slot_vnode[i];
    }
    return slot_vnode;
}

bool vt_qemu_device_memory(const struct vt_layout *l, uint64_t *start, uint64_t *end)
{
    size_t n = vt_layout_hotplug_memory_count(l);

    if (!n)
        return false;
    /* pc_memory_init: the device-memory region is maxmem - RAM plus 1 GiB of
     * alignment per slot, from the first range's 1 GiB boundary (where the
     * planner put it); build_srat covers all of it. */
    *start = *end = vt_layout_hotplug_memory(l, 0)->start;
    for (size_t i = 0; i < n; i++)
        *end += vt_layout_hotplug_memory(l, i)->end - vt_layout_hotplug_memory(l, i)->start +
                (UINT64_C(1) << 30);
    return true;
}

uint32_t vt_vmm_max_apic_id(const struct vt_layout *l)
{
    uint32_t max = 0;

    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++)
        if (vt_layout_vcpu(l, i)->apic_id > max)
            max = vt_layout_vcpu(l, i)->apic_id;
    /* A hot-pluggable vCPU needs x2APIC as much as a present one. */
    for (size_t i = 0; i < vt_layout_hotplug_vcpu_count(l); i++)
        if (vt_layout_hotplug_vcpu(l, i)->apic_id > max)
            max = vt_layout_hotplug_vcpu(l, i)->apic_id;
    return max;
}

int vt_vmm_check_slots(const struct vt_layout *l, const char *vmm, struct vt_err *err)
{
    const struct vt_shape *s = vt_layout_shape(l);
    enum vt_apic_encoding enc = vt_layout_apic_encoding(l);

    if (enc != VT_APIC_SDM)
        return vt_err_set(err, -EINVAL,
                          "%s derives APIC IDs with the sdm encoding, but this plan uses the %s "
                          "encoding (plan with --apic sdm)",
                          vmm, vt_apic_encoding_name(enc));
    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        if (c->package >= s->sockets || c->die >= s->dies || c->core >= s->cores ||
            c->thread >= s->threads)
            return vt_err_set(err, -EINVAL,
                              "vCPU %u's topology ids (package %u, die %u, core %u, thread %u) "
                              "lie outside the plan's shape, which %s cannot express (plan with "
                              "--shape)",
                              c->vcpu, c->package, c->die, c->core, c->thread, vmm);
        if (i == 0 && vt_vmm_slot(s, c) != 0)
            return vt_err_set(err, -EINVAL,
                              "%s boots vCPU 0 in its first CPU slot, but the plan puts vCPU 0 "
                              "at package %u, die %u, core %u, thread %u (plan with --shape)",
                              vmm, c->package, c->die, c->core, c->thread);
        if (i > 0 && vt_vmm_slot(s, c) <= vt_vmm_slot(s, vt_layout_vcpu(l, i - 1)))
            return vt_err_set(err, -EINVAL,
                              "%s numbers vCPUs in the order of its CPU slots (socket, die, core, "
                              "thread), but vCPU %u comes before vCPU %zu in that order (give "
                              "each vnode a contiguous range of vCPUs with --vcpu-nodes)",
                              vmm, c->vcpu, i - 1);
    }
    return 0;
}

int vt_vmm_check_qemu_memmap(const struct vt_layout *l, const char *vmm, struct vt_err *err)
{
    enum vt_mem_layout ml = vt_layout_mem_layout(l);

    if (ml != VT_MEM_QEMU_Q35 && ml != VT_MEM_QEMU_PC)
        return vt_err_set(err, -EINVAL,
                          "%s builds the guest memory map itself, but this plan uses the %s "
                          "memory layout (plan with --mem-layout qemu-q35 or qemu-pc)",
                          vmm, vt_mem_layout_name(ml));
    return 0;
}

int vt_vmm_check_dense_pxm(const struct vt_layout *l, const char *what, const char *fix,
                           struct vt_err *err)
{
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *n = vt_layout_vnode(l, v);

        if (n->guest_pxm != v)
            return vt_err_set(err, -EINVAL,
                              "%s and must be 0..n-1, but vnode %zu has guest PXM %" PRIu32 " (%s)",
                              what, v, n->guest_pxm, fix);
    }
    return 0;
}

int vt_vmm_warn_llc_per_die(const struct vt_layout *l, const char *vmm, struct vt_strlist *w)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);

    if (f->llc_shift == f->die_shift)
        return 0;
    return vt_strlist_addf(w,
                           "%s reports one L3 cache per die (%u APIC IDs) where the plan's LLC "
                           "is %u APIC IDs: the guest's LLC differs from cpuid.txt (give each "
                           "vnode its own die or socket with --shape)",
                           vmm, 1u << f->die_shift, 1u << f->llc_shift);
}

int vt_vmm_check_qemu_node_order(const struct vt_layout *l, const char *vmm, const char *fix,
                                 struct vt_err *err)
{
    size_t nv = vt_layout_vnode_count(l), nslots = vt_vmm_slot_count(vt_layout_shape(l));
    unsigned *slot_vnode = vt_vmm_slot_vnodes(l);
    int *node = malloc((nv ? nv : 1) * sizeof(*node)), next = 0, rc = 0;

    if (!slot_vnode || !node) {
        free(slot_vnode);
        free(node);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    for (size_t v = 0; v < nv; v++)
        node[v] = -1;
    /* QEMU's build_srat: a processor entry per CPU slot in slot order, then
     * the memory of each node in node order, then the device-memory region
     * in the last node. */
    for (size_t i = 0; i < nslots; i++)
        if (slot_vnode[i] < nv && node[slot_vnode[i]] < 0)
            node[slot_vnode[i]] = next++;
    for (size_t v = 0; v < nv; v++)
        if (vt_layout_vnode(l, v)->memory_bytes && node[v] < 0)
            node[v] = next++;
    if (nv && vt_layout_hotplug_memory_count(l) && node[nv - 1] < 0)
        node[nv - 1] = next++;
    for (size_t v = 0; v < nv && rc == 0; v++)
        if (node[v] != vt_layout_vnode(l, v)->linux_node)
            rc = vt_err_set(err, -EINVAL,
                            "%s builds its own SRAT with a processor entry per CPU slot in slot "
                            "order, hot-pluggable ones included, so Linux would number vnode %zu "
                            "as node %d, but the plan (whose SRAT lists the present vCPUs first) "
                            "predicts node %d (%s)",
                            vmm, v, node[v], vt_layout_vnode(l, v)->linux_node, fix);
    free(slot_vnode);
    free(node);
    return rc;
}
