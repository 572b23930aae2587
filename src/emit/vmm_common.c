/* What the VMM emitters share: slot numbering, checks, warnings
 * (docs/vmm-config.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/strlist.h"
#include "emit/vmm_common.h"
#include "model/linux/numa.h"
#include "model/vmm/qemu.h"
#include "util/parse.h"

#define F(f) layout_field(l, f)

size_t vmm_slot(const struct vt_shape *s, const struct vt_vcpu *c)
{
    struct qemu_topo_ids ids = {c->package, c->die, c->core, c->thread};

    return qemu_slot_of(s, &ids);
}

long vt_layout_vmm_slot(const struct vt_layout *l, unsigned vcpu)
{
    const struct vt_shape *s = vt_layout_shape(l);
    unsigned nfirst;
    unsigned present = (unsigned)vt_layout_vcpu_count(l);
    const struct vt_vcpu *c;

    nfirst = present;
    if (vt_layout_apic_encoding(l) != VT_APIC_SDM)
        return -1;
    if (vcpu < nfirst)
        c = vt_layout_vcpu(l, vcpu);
    else if (!(c = vt_layout_hotplug_vcpu(l, vcpu - nfirst)))
        return -1;
    if (c->package >= s->sockets || c->die >= s->dies || c->core >= s->cores ||
        c->thread >= s->threads)
        return -1;
    return (long)vmm_slot(s, c);
}

size_t vmm_prefix(const struct vt_layout *l)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l), prefix = 0;

    while (prefix < n && vmm_slot(s, vt_layout_vcpu(l, prefix)) == prefix)
        prefix++;
    return prefix;
}

unsigned *vmm_slot_vnodes(const struct vt_layout *l)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t nslots = qemu_slot_count(s), n = vt_layout_vcpu_count(l);
    unsigned *slot_vnode = malloc((nslots ? nslots : 1) * sizeof(*slot_vnode));
    unsigned last = n ? vt_layout_vcpu(l, 0)->vnode : 0;

    if (!slot_vnode)
        return NULL;
    for (size_t i = 0; i < nslots; i++)
        slot_vnode[i] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        slot_vnode[vmm_slot(s, c)] = c->vnode;
    }
    /* Hot-pluggable vCPUs keep their slots for their vnodes. */
    for (size_t i = 0; i < vt_layout_hotplug_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vt_layout_hotplug_vcpu(l, i);

        if (vmm_slot(s, c) < nslots)
            slot_vnode[vmm_slot(s, c)] = c->vnode;
    }
    for (size_t i = 0; i < nslots; i++) {
        if (slot_vnode[i] == UINT32_MAX)
            slot_vnode[i] = last;
        last = slot_vnode[i];
    }
    return slot_vnode;
}

bool vmm_qemu_device_memory(const struct vt_layout *l, uint64_t *start, uint64_t *end)
{
    size_t n = vt_layout_hotplug_memory_count(l);
    uint64_t bytes = 0;

    if (!n)
        return false;
    /* The planner put the first range at the region's base. */
    for (size_t i = 0; i < n; i++)
        bytes += vt_layout_hotplug_memory(l, i)->end - vt_layout_hotplug_memory(l, i)->start;
    *start = vt_layout_hotplug_memory(l, 0)->start;
    *end = qemu_device_memory_end(*start, bytes, n);
    return true;
}

uint32_t vmm_max_apic_id(const struct vt_layout *l)
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

int vmm_check_slots(const struct vt_layout *l, const char *vmm, struct vt_err *err)
{
    const struct vt_shape *s = vt_layout_shape(l);
    enum vt_apic_encoding enc = vt_layout_apic_encoding(l);

    if (enc != VT_APIC_SDM)
        return vt_err_set(err, -EINVAL,
                          "%s derives APIC IDs with the sdm encoding, but this plan uses the %s "
                          "encoding (plan with %s sdm)",
                          vmm, vt_apic_encoding_name(enc), F(VT_FIELD_APIC));
    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        if (c->package >= s->sockets || c->die >= s->dies || c->core >= s->cores ||
            c->thread >= s->threads)
            return vt_err_set(err, -EINVAL,
                              "vCPU %u's topology ids (package %u, die %u, core %u, thread %u) "
                              "lie outside the plan's shape, which %s cannot express (plan with "
                              "%s)",
                              c->vcpu, c->package, c->die, c->core, c->thread, vmm,
                              F(VT_FIELD_SHAPE));
        if (i == 0 && vmm_slot(s, c) != 0)
            return vt_err_set(err, -EINVAL,
                              "%s boots vCPU 0 in its first CPU slot, but the plan puts vCPU 0 "
                              "at package %u, die %u, core %u, thread %u (plan with %s)",
                              vmm, c->package, c->die, c->core, c->thread, F(VT_FIELD_SHAPE));
        if (i > 0 && vmm_slot(s, c) <= vmm_slot(s, vt_layout_vcpu(l, i - 1)))
            return vt_err_set(err, -EINVAL,
                              "%s numbers vCPUs in the order of its CPU slots (socket, die, core, "
                              "thread), but vCPU %u comes before vCPU %zu in that order (give "
                              "each vnode a contiguous range of vCPUs with %s)",
                              vmm, c->vcpu, i - 1, F(VT_FIELD_VCPU_VNODES));
    }
    return 0;
}

int vmm_check_qemu_memmap(const struct vt_layout *l, const char *vmm, struct vt_err *err)
{
    enum vt_mem_layout ml = vt_layout_mem_layout(l);

    if (ml != VT_MEM_QEMU_Q35 && ml != VT_MEM_QEMU_PC)
        return vt_err_set(err, -EINVAL,
                          "%s builds the guest memory map itself, but this plan uses the %s "
                          "memory layout (plan with %s qemu-q35 or qemu-pc)",
                          vmm, vt_mem_layout_name(ml), F(VT_FIELD_MEM_LAYOUT));
    return 0;
}

const char *vmm_numa_acpi_way(const struct vt_layout *l, bool numa_acpi, char *buf, size_t size)
{
    if (!numa_acpi)
        return "";
    snprintf(buf, size, "emit with %s acpi, which passes our SRAT, or ", F(VT_FIELD_QEMU_NUMA));
    return buf;
}

int vmm_check_dense_pxm(const struct vt_layout *l, const char *what, bool numa_acpi,
                        struct vt_err *err)
{
    char way[96];

    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *n = vt_layout_vnode(l, v);

        if (n->guest_pxm != v)
            return vt_err_set(err, -EINVAL,
                              "%s and must be 0..n-1, but vnode %zu has guest PXM %" PRIu32
                              " (%splan without %s or a sparse %s)",
                              what, v, n->guest_pxm,
                              vmm_numa_acpi_way(l, numa_acpi, way, sizeof(way)),
                              F(VT_FIELD_PIN_IDENTITY), F(VT_FIELD_GUEST_PXMS));
    }
    return 0;
}

int vmm_warn_llc_per_die(const struct vt_layout *l, const char *vmm, struct vt_strlist *w)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);

    if (f->llc_shift == f->die_shift)
        return 0;
    return strlist_addf(w,
                        "%s reports one L3 cache per die (%u APIC IDs) where the plan's LLC "
                        "is %u APIC IDs: the guest's LLC differs from cpuid.txt (give each "
                        "vnode its own die or socket with %s)",
                        vmm, 1u << f->die_shift, 1u << f->llc_shift, F(VT_FIELD_SHAPE));
}

int vmm_check_qemu_node_order(const struct vt_layout *l, const char *vmm, bool numa_acpi,
                              struct vt_err *err)
{
    char way[96];
    size_t nv = vt_layout_vnode_count(l), nslots = qemu_slot_count(vt_layout_shape(l)), nr = 0;
    unsigned *slot_vnode = vmm_slot_vnodes(l);
    struct qemu_srat_range *ranges = NULL;
    struct linux_numa *numa = malloc(sizeof(*numa));
    struct acpi_srat srat = {0};
    uint64_t dev_start = 0, dev_end = 0;
    int rc = 0;

    for (size_t v = 0; v < nv; v++)
        nr += vt_layout_vnode(l, v)->nranges;
    if (!slot_vnode || !numa || !(ranges = calloc(nr ? nr : 1, sizeof(*ranges)))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    nr = 0;
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        for (size_t k = 0; k < vn->nranges; k++)
            ranges[nr++] =
                (struct qemu_srat_range){vn->ranges[k].start, vn->ranges[k].end, (unsigned)v};
    }
    vmm_qemu_device_memory(l, &dev_start, &dev_end);
    if (qemu_srat(slot_vnode, nslots, ranges, nr, (unsigned)nv, dev_start, dev_end, &srat) < 0) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    /* QEMU's node ids are its PXMs, and dense: vnode v is PXM v. */
    linux_srat(&srat, numa);
    for (size_t v = 0; v < nv && rc == 0; v++) {
        int node = linux_node_of_pxm(numa, (uint32_t)v);

        if (node != vt_layout_vnode(l, v)->linux_node)
            rc = vt_err_set(err, -EINVAL,
                            "%s builds its own SRAT with a processor entry per CPU slot in slot "
                            "order, hot-pluggable ones included, so Linux would number vnode %zu "
                            "as node %d, but the plan (whose SRAT lists the present vCPUs first) "
                            "predicts node %d (%splan with %s giving each vnode one contiguous "
                            "range of vCPUs, hot-pluggable ones included, the vnodes with vCPUs "
                            "present at boot first)",
                            vmm, v, node, vt_layout_vnode(l, v)->linux_node,
                            vmm_numa_acpi_way(l, numa_acpi, way, sizeof(way)),
                            F(VT_FIELD_VCPU_VNODES));
    }
out:
    srat_free(&srat);
    free(ranges);
    free(numa);
    free(slot_vnode);
    return rc;
}

uint64_t vmm_hugepage_size(const struct vt_mem_backing *b)
{
    return b->hugepage_size ? b->hugepage_size : UINT64_C(2) << 20;
}

int vmm_check_backing(const struct vt_layout *l, const struct vt_mem_backing *b, struct vt_err *err)
{
    uint64_t page = vmm_hugepage_size(b);

    if (b->kind == VT_MEM_BACKEND_RAM || b->kind == VT_MEM_BACKEND_MEMFD)
        return 0;
    if (b->kind != VT_MEM_BACKEND_HUGEPAGES)
        return vt_err_set(err, -EINVAL, "memory backing %d is not one of vt_mem_backend's",
                          (int)b->kind);
    if (page != (UINT64_C(2) << 20) && page != (UINT64_C(1) << 30))
        return vt_err_set(err, -EINVAL,
                          "huge pages of %" PRIu64 " KiB: x86 has 2 MiB and 1 GiB pages",
                          page >> 10);
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++)
        if (vt_layout_vnode(l, v)->memory_bytes % page)
            return vt_err_set(err, -EINVAL,
                              "vnode %zu's %" PRIu64 " MiB are not a whole number of %" PRIu64
                              " MiB huge pages (give each vnode a multiple with %s)",
                              v, vt_layout_vnode(l, v)->memory_bytes >> 20, page >> 20,
                              layout_field(l, VT_FIELD_VNODE_MEMORY));
    return 0;
}

int vmm_cpu_model_check(const char *model, struct vt_err *err)
{
    /* Flags may follow the model (Skylake-Server,+pdpe1gb,-hle); the vendor
     * and the caches are the plan's. */
    if (!*model || *model == ',')
        return vt_err_set(err, -EINVAL, "the CPU model '%s' has no name before its flags", model);
    for (const char *p = strchr(model, ','); p; p = strchr(p + 1, ','))
        if (!strncmp(p + 1, "vendor=", 7) || !strncmp(p + 1, "host-cache-info", 15) ||
            !strncmp(p + 1, "l3-cache", 8))
            return vt_err_set(err, -EINVAL,
                              "the CPU model '%s' sets %.*s, which the plan decides (its "
                              "vendor and caches)",
                              model, (int)strcspn(p + 1, "=,"), p + 1);
    return 0;
}

int vmm_check_x2apic_machine(const struct vt_layout *l, const char *vmm, struct vt_err *err)
{
    if (vmm_max_apic_id(l) <= VT_XAPIC_MAX_ID || vt_layout_mem_layout(l) != VT_MEM_QEMU_PC)
        return 0;
    return vt_err_set(err, -EINVAL,
                      "APIC IDs up to %" PRIu32 " need x2APIC, which %s gives only with "
                      "interrupt remapping by an intel-iommu, and only the q35 machine has one "
                      "(plan with %s qemu-q35, or fewer vCPUs)",
                      vmm_max_apic_id(l), vmm, layout_field(l, VT_FIELD_MEM_LAYOUT));
}

int vmm_warn_machine_cpus(const struct vt_layout *l, struct vt_strlist *w)
{
    size_t slots = qemu_slot_count(vt_layout_shape(l));

    /* qemu-pc's 255 needs no warning: more slots means an APIC ID above
     * 254, which vmm_check_x2apic_machine refuses there. */
    if (vt_layout_mem_layout(l) == VT_MEM_QEMU_PC || slots <= QEMU_Q35_MAX_CPUS)
        return 0;
    return strlist_addf(w,
                        "QEMU 7.2's q35 machine takes at most %d CPUs, and this plan has %zu CPU "
                        "slots (its shape's product): it needs a QEMU that takes more",
                        QEMU_Q35_MAX_CPUS, slots)
               ? -ENOMEM
               : 0;
}

void vmm_device_name(const struct vt_device *d, char name[VMM_DEVICE_NAME_MAX])
{
    size_t i = 0;

    for (; d->host_bdf[i] && i + 1 < VMM_DEVICE_NAME_MAX; i++)
        name[i] = d->host_bdf[i] == ':' || d->host_bdf[i] == '.' ? '_' : d->host_bdf[i];
    name[i] = '\0';
}

const struct vt_device *vmm_find_device(const struct vt_layout *l, const char *host_bdf)
{
    char bdf[BDF_TEXT_MAX];

    if (bdf_normalize(host_bdf, bdf) < 0)
        return NULL;
    for (size_t i = 0; i < vt_layout_device_count(l); i++)
        if (!strcmp(vt_layout_device(l, i)->host_bdf, bdf))
            return vt_layout_device(l, i);
    return NULL;
}

size_t vmm_any_vcpu_count(const struct vt_layout *l)
{
    return vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l);
}

const struct vt_vcpu *vmm_any_vcpu(const struct vt_layout *l, size_t i)
{
    size_t n = vt_layout_vcpu_count(l);

    return i < n ? vt_layout_vcpu(l, i) : vt_layout_hotplug_vcpu(l, i - n);
}

int vmm_vcpu_affinity(const struct vt_layout *l, const struct vt_vcpu *c, char **list)
{
    const struct vt_bitmap *f = vt_layout_vnode(l, c->vnode)->float_cpus;

    *list = NULL;
    if (c->pcpu >= 0) {
        if (asprintf(list, "%d", c->pcpu) < 0) {
            *list = NULL;
            return -ENOMEM;
        }
        return 0;
    }
    if (f && !(*list = vt_bitmap_format_list(f)))
        return -ENOMEM;
    return 0;
}

void vmm_lists_free(char **lists, size_t n)
{
    for (size_t i = 0; lists && i < n; i++)
        free(lists[i]);
    free(lists);
}

int vmm_slot_affinity(const struct vt_layout *l, char ***lists, size_t *n)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t nslots = qemu_slot_count(s);
    unsigned *slot_vnode = vmm_slot_vnodes(l);
    char **out = calloc(nslots + 1, sizeof(*out));
    bool *taken = calloc(nslots + 1, sizeof(*taken));
    int rc = -ENOMEM;

    if (!slot_vnode || !out || !taken)
        goto done;
    for (size_t i = 0; i < vmm_any_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vmm_any_vcpu(l, i);
        size_t slot = vmm_slot(s, c);

        taken[slot] = true;
        if (vmm_vcpu_affinity(l, c, &out[slot]) < 0)
            goto done;
    }
    for (size_t slot = 0; slot < nslots; slot++) {
        const struct vt_bitmap *f;

        if (taken[slot] || slot_vnode[slot] >= vt_layout_vnode_count(l))
            continue;
        f = vt_layout_vnode(l, slot_vnode[slot])->float_cpus;
        if (f && !(out[slot] = vt_bitmap_format_list(f)))
            goto done;
    }
    *lists = out;
    *n = nslots;
    out = NULL;
    rc = 0;
done:
    vmm_lists_free(out, nslots);
    free(taken);
    free(slot_vnode);
    return rc;
}
