/* xl.cfg lines for a layout (docs/vmm-config.md): an HVM guest with
 * vnuma = [ [ "pnode=", "size=", "vcpus=", "vdistances=" ], ... ] and cpus=
 * pinning. The rules are xl's (tools/xl/xl_parse.c, parse_vnuma_config: every
 * VNODE_SPEC key mandatory, size in MiB, the vcpus of all vnodes = maxvcpus,
 * the sizes = maxmem), libxl's (libxl_vnuma.c: each vCPU in one vnode; the
 * HVM vmemranges laid out vnode by vnode around the MMIO hole, video RAM
 * taken out of vnode 0) and Xen's (HVM_MAX_VCPUS 128, 8-bit APIC IDs in the
 * libacpi MADT, the XSA-77 size cap of XEN_DOMCTL_setvnumainfo). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "emit/strlist.h"
#include "emit/vmm_common.h"
#include "model/vmm/xen.h"
#include "util/bytes.h"
#include "vtopo/host.h"
#include "vtopo/vmm.h"

/* How messages name a request field (as the plan's request named them). */
#define F(f) layout_field(l, f)

static int check_devices(const struct vt_layout *l, struct vt_err *err)
{
    for (size_t i = 0; i < vt_layout_device_count(l); i++)
        if (vt_layout_device(l, i)->model != VT_DEVICE_VFIO)
            return vt_err_set(err, -EINVAL,
                              "xl passes host devices through (pci=) and has no emulated %s "
                              "that stands for one, so device %s must be model=vfio (%s)",
                              vt_device_model_name(vt_layout_device(l, i)->model),
                              vt_layout_device(l, i)->host_bdf, F(VT_FIELD_DEVICES));
    return 0;
}

static int check_layout(const struct vt_layout *l, struct vt_err *err)
{
    enum vt_apic_encoding enc = vt_layout_apic_encoding(l);
    enum vt_mem_layout ml = vt_layout_mem_layout(l);
    size_t n = vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l),
           nv = vt_layout_vnode_count(l);
    int rc;

    if (enc == VT_APIC_SDM)
        return vt_err_set(err, -EINVAL,
                          "Xen gives vCPU N the APIC ID 2N (or, with vNUMA APIC topology, the "
                          "xen encoding), not the sdm encoding of this plan (plan with %s "
                          "xen, or %s legacy)",
                          F(VT_FIELD_APIC), F(VT_FIELD_APIC));
    if (ml != VT_MEM_XEN_HVM)
        return vt_err_set(err, -EINVAL,
                          "libxl builds the memory map of an HVM guest itself, but this plan "
                          "uses the %s memory layout (plan with %s xen-hvm)",
                          vt_mem_layout_name(ml), F(VT_FIELD_MEM_LAYOUT));
    if (vt_layout_initiator_count(l))
        return vt_err_set(err, -EINVAL,
                          "Xen's SRAT (libacpi) has no generic initiator entries (plan without "
                          "%s)",
                          F(VT_FIELD_INITIATORS));
    if (vt_layout_hotplug_memory_count(l))
        return vt_err_set(err, -EINVAL,
                          "Xen's SRAT (libacpi) has no hot-pluggable memory ranges, and an HVM "
                          "guest with maxmem above memory uses populate-on-demand, which vNUMA "
                          "refuses (plan without %s)",
                          F(VT_FIELD_HOTPLUG_MEMORY));
    if (n > XEN_HVM_MAX_VCPUS)
        return vt_err_set(err, -EINVAL,
                          "a Xen HVM guest has at most %d vCPUs (HVM_MAX_VCPUS), but this plan "
                          "has %zu (plan with %s %d or fewer)",
                          XEN_HVM_MAX_VCPUS, n,
                          F(vt_layout_hotplug_vcpu_count(l) ? VT_FIELD_MAX_VCPUS : VT_FIELD_VCPUS),
                          XEN_HVM_MAX_VCPUS);
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = vmm_any_vcpu(l, i);

        if (c->apic_id > VT_XAPIC_MAX_ID)
            return vt_err_set(err, -EINVAL,
                              "libxl's MADT holds 8-bit xAPIC IDs below 255, but vCPU %u has "
                              "APIC ID %" PRIu32 " (plan with fewer vCPUs per vnode, or %s legacy)",
                              c->vcpu, c->apic_id, F(VT_FIELD_APIC));
    }
    if (nv > XEN_MAX_VNODES)
        return vt_err_set(err, -EINVAL,
                          "Xen accepts at most %d vnodes (XEN_DOMCTL_setvnumainfo's distance "
                          "table must fit a 4 KiB page), but this plan has %zu (plan with "
                          "%s %d or fewer)",
                          XEN_MAX_VNODES, nv, F(VT_FIELD_VNODES), XEN_MAX_VNODES);
    if ((rc = vmm_check_dense_pxm(l, "Xen's vNUMA proximity domains are the vnode numbers", false,
                                  err)) < 0)
        return rc;
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        if (vn->pnode < 0)
            return vt_err_set(err, -EINVAL,
                              "xl's vnuma needs a host node (pnode=) for every vnode, but vnode "
                              "%zu has none (plan without %s, whose PXM gaps are such "
                              "vnodes)",
                              v, F(VT_FIELD_PIN_IDENTITY));
        if (vt_bitmap_iszero(vn->vcpus) && vt_bitmap_iszero(vn->hotplug_vcpus))
            return vt_err_set(err, -EINVAL,
                              "xl's vnuma needs vCPUs (vcpus=) in every vnode, but vnode %zu "
                              "has none (give every vnode vCPUs with %s)",
                              v, F(VT_FIELD_VCPU_VNODES));
    }
    return 0;
}

static int warnings_of(const struct vt_layout *l, struct vt_strlist *w)
{
    int rc = 0;

    if (vt_layout_device_count(l))
        rc |= strlist_addf(w, "Xen gives an HVM guest's passed-through devices no node (libxl's "
                              "SRAT has no device entries and its host bridge no _PXM): the "
                              "guest sees numa_node -1, not the plan's vnodes");
    if (vt_layout_expander_count(l)) {
        size_t spare = 0;

        for (size_t k = 0; k < vt_layout_expander_count(l); k++)
            spare += vt_layout_expander(l, k)->ports;
        if (spare > vt_layout_device_count(l))
            rc |= strlist_addf(w, "xl has no spare root ports: hot-add a device with xl "
                                  "pci-attach, on no particular node");
    }

    if (vt_layout_vnode_count(l) > 1)
        rc |= strlist_addf(w, "upstream Xen derives the guest's CPUID topology from the host "
                              "and zeroes leaf 0xB, with no package per vnode: the guest's "
                              "topology differs from cpuid.txt unless the hypervisor has a "
                              "vNUMA CPUID topology (Edera's "
                              "XEN_DOMCTL_CDF_vnuma_apic_topology)");
    for (size_t i = 0; i < vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vmm_any_vcpu(l, i);

        if (c->apic_id == 2 * c->vcpu)
            continue;
        rc |= strlist_addf(w,
                           "upstream Xen gives vCPU %u the APIC ID %u where the plan's xen "
                           "encoding gives %" PRIu32
                           ": only a hypervisor with vNUMA APIC IDs (Edera's "
                           "XEN_DOMCTL_CDF_vnuma_apic_topology) builds the planned guest "
                           "(plan with %s legacy for upstream Xen)",
                           c->vcpu, 2 * c->vcpu, c->apic_id, F(VT_FIELD_APIC));
        break;
    }
    return rc ? -ENOMEM : 0;
}

static int vnuma(struct buf *b, const struct vt_layout *l)
{
    size_t nv = vt_layout_vnode_count(l);

    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);
        struct vt_bitmap *all = vt_bitmap_new();
        char *cpus = NULL;

        /* xl: the vnodes' vcpus= lists add up to maxvcpus. */
        if (all && vt_bitmap_or(all, vn->vcpus) == 0 && vt_bitmap_or(all, vn->hotplug_vcpus) == 0)
            cpus = vt_bitmap_format_list(all);
        vt_bitmap_free(all);
        if (!cpus)
            return -ENOMEM;
        buf_printf(b, "%s[ \"pnode=%d\", \"size=%" PRIu64 "\", \"vcpus=%s\", \"vdistances=",
                   v ? "          " : "vnuma = [ ", vn->pnode, vn->memory_bytes >> 20, cpus);
        free(cpus);
        for (size_t w = 0; w < nv; w++)
            buf_printf(b, "%s%u", w ? "," : "", vt_layout_distance(l, (unsigned)v, (unsigned)w));
        buf_printf(b, "\" ]%s\n", v + 1 < nv ? "," : " ]");
    }
    return 0;
}

/* Xen's vCPU i is the plan's vCPU i, present or hot-pluggable (xl brings
 * up vcpus = N of maxvcpus, the first).
 * cpus = [ "LIST", ... ] (hard affinity) up to the last vCPU with one: its
 * pinned CPU or its vnode's float_cpus; "all" for a vCPU without before it
 * (xl leaves vCPUs past the list on every CPU). */
static int pinning(struct buf *b, const struct vt_layout *l)
{
    size_t n = vmm_any_vcpu_count(l), end = 0;
    char *list;

    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = vmm_any_vcpu(l, i);

        if (c->pcpu >= 0 || vt_layout_vnode(l, c->vnode)->float_cpus)
            end = i + 1;
    }
    if (!end)
        return 0;
    buf_printf(b, "cpus = [ ");
    for (size_t i = 0; i < end; i++) {
        if (vmm_vcpu_affinity(l, vmm_any_vcpu(l, i), &list) < 0)
            return -ENOMEM;
        buf_printf(b, "%s\"%s\"", i ? ", " : "", list ? list : "all");
        free(list);
    }
    buf_printf(b, " ]\n");
    return 0;
}

int vt_emit_xl(const struct vt_layout *l, char **cfg, struct vt_strlist *warnings,
               struct vt_err *err)
{
    size_t n = vt_layout_vcpu_count(l), max = n + vt_layout_hotplug_vcpu_count(l);
    uint64_t mib = vt_layout_memory(l) >> 20;
    struct buf b;
    int rc;

    if ((rc = check_layout(l, err)) < 0 || (rc = check_devices(l, err)) < 0)
        return rc;
    buf_init(&b);
    buf_printf(
        &b, "# vtopo emit xl: %zu vCPU%s, %" PRIu64 " MiB, %zu vnode%s (docs/vmm-config.md)\n", n,
        n == 1 ? "" : "s", mib, vt_layout_vnode_count(l), vt_layout_vnode_count(l) == 1 ? "" : "s");
    buf_printf(&b, "type = \"hvm\"\n");
    /* vCPUs n..max-1 start offline: hot-pluggable (xl vcpu-set). */
    buf_printf(&b, "vcpus = %zu\nmaxvcpus = %zu\n", n, max);
    buf_printf(&b, "memory = %" PRIu64 "\nmaxmem = %" PRIu64 "\n", mib, mib);
    buf_printf(&b, "# libxl takes the video RAM out of vnode 0; the plan has none\n");
    buf_printf(&b, "vga = \"none\"\n");
    rc = vnuma(&b, l);
    if (rc == 0)
        rc = pinning(&b, l);
    if (vt_layout_device_count(l)) {
        buf_printf(&b,
                   "# passed through (xl-pci-configuration(5)); xl gives them no node\npci = [");
        for (size_t i = 0; i < vt_layout_device_count(l); i++)
            buf_printf(&b, "%s \"%s\"", i ? "," : "", vt_layout_device(l, i)->host_bdf);
        buf_printf(&b, " ]\n");
    }
    buf_append(&b, "", 1);
    if (rc == 0 && !b.oom && warnings)
        rc = warnings_of(l, warnings);
    if (rc < 0 || b.oom) {
        buf_free(&b);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *cfg = (char *)b.data;
    return 0;
}

/* ---- dom0: Xen's boot options ----------------------------------------- */

/* The host nodes of the plan's vnodes and their online CPUs (Xen's
 * dom0_cpus for dom0_nodes= those nodes); *all when they are every host
 * node (Xen's default: dom0_nodes= is then left out). */
static int dom0_nodes(const struct vt_layout *l, const struct vt_host *h, struct vt_bitmap *cpus,
                      struct buf *pxms, bool *all, struct vt_err *err)
{
    *all = true;
    for (size_t n = 0; n < vt_host_node_count(h); n++) {
        const struct vt_host_node *hn = vt_host_node(h, n);

        if (!layout_uses_pnode(l, hn->pnode)) {
            *all = false;
            continue;
        }
        if (hn->host_pxm == VT_PXM_UNKNOWN)
            return vt_err_set(err, -EINVAL,
                              "Xen's dom0_nodes= takes ACPI proximity domains, and host node %u's "
                              "is not known (load the host with its SRAT: %s)",
                              hn->pnode, F(VT_FIELD_HOST_ACPI));
        buf_printf(pxms, "%s%" PRIu32, pxms->len ? "," : "", hn->host_pxm);
        if (vt_bitmap_or(cpus, hn->cpus) < 0)
            return vt_err_set(err, -ENOMEM, "out of memory");
    }
    return 0;
}

static int dom0_check(const struct vt_layout *l, const struct vt_bitmap *cpus, struct vt_err *err)
{
    size_t n = vt_layout_vcpu_count(l);

    if (vt_layout_apic_encoding(l) == VT_APIC_SDM)
        return vt_err_set(err, -EINVAL,
                          "Xen gives dom0's vCPU N the APIC ID 2N (or, with vNUMA APIC topology, "
                          "the xen encoding), not the sdm encoding of this plan (plan with %s "
                          "xen, or %s legacy)",
                          F(VT_FIELD_APIC), F(VT_FIELD_APIC));
    if (vt_layout_mem_layout(l) != VT_MEM_HOST)
        return vt_err_set(err, -EINVAL,
                          "dom0's memory map is the host's, but this plan uses the %s memory "
                          "layout (plan with %s host)",
                          vt_mem_layout_name(vt_layout_mem_layout(l)), F(VT_FIELD_MEM_LAYOUT));
    if (vt_layout_hotplug_vcpu_count(l))
        return vt_err_set(err, -EINVAL,
                          "Xen's boot options give dom0 no hot-pluggable vCPUs (plan without %s)",
                          F(VT_FIELD_MAX_VCPUS));
    if (vt_layout_hotplug_memory_count(l))
        return vt_err_set(err, -EINVAL,
                          "Xen's boot options give dom0 no hot-pluggable memory (plan without %s)",
                          F(VT_FIELD_HOTPLUG_MEMORY));
    if (vt_layout_initiator_count(l))
        return vt_err_set(err, -EINVAL,
                          "Xen's boot options give dom0 no generic initiators (plan without %s)",
                          F(VT_FIELD_INITIATORS));
    if (n > XEN_HVM_MAX_VCPUS)
        return vt_err_set(err, -EINVAL,
                          "Xen gives a PVH dom0 at most %d vCPUs (HVM_MAX_VCPUS), but this plan "
                          "has %zu (plan with %s %d or fewer)",
                          XEN_HVM_MAX_VCPUS, n, F(VT_FIELD_VCPUS), XEN_HVM_MAX_VCPUS);
    if (n > vt_bitmap_weight(cpus))
        return vt_err_set(err, -EINVAL,
                          "Xen pins dom0's vCPUs to the %u online CPUs of its nodes, one each, "
                          "but this plan has %zu vCPUs (plan with %s %u or fewer)",
                          vt_bitmap_weight(cpus), n, F(VT_FIELD_VCPUS), vt_bitmap_weight(cpus));
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);
        int cpu = xen_dom0_vcpu_cpu(cpus, (unsigned)i);
        char pin[48] = "leaves it unpinned";

        if (c->pcpu == cpu)
            continue;
        if (c->pcpu >= 0)
            snprintf(pin, sizeof(pin), "pins it to CPU %d", c->pcpu);
        return vt_err_set(err, -EINVAL,
                          "Xen puts dom0's vCPU %zu on host CPU %d (the CPUs of dom0's nodes in "
                          "order, dom0_vcpus_pin), but this plan %s (plan with %s)",
                          i, cpu, pin, F(VT_FIELD_PIN_IDENTITY));
    }
    return 0;
}

int vt_emit_xen_dom0(const struct vt_layout *l, const struct vt_host *h, char **options,
                     struct vt_strlist *warnings, struct vt_err *err)
{
    struct vt_bitmap *cpus = vt_bitmap_new();
    uint64_t mem = vt_layout_memory(l);
    size_t n = vt_layout_vcpu_count(l);
    struct buf pxms, b;
    bool all;
    int rc;

    if (!cpus)
        return vt_err_set(err, -ENOMEM, "out of memory");
    buf_init(&pxms);
    buf_init(&b);
    if ((rc = dom0_nodes(l, h, cpus, &pxms, &all, err)) < 0 || (rc = dom0_check(l, cpus, err)) < 0)
        goto out;
    buf_append(&pxms, "", 1);
    /* PVH: the dom0 that gets ACPI tables (a PV dom0 has no SRAT). */
    buf_printf(&b, "dom0=pvh dom0_max_vcpus=%zu dom0_vcpus_pin", n);
    if (mem % (UINT64_C(1) << 20))
        buf_printf(&b, " dom0_mem=%" PRIu64 "K,max:%" PRIu64 "K", mem >> 10, mem >> 10);
    else
        buf_printf(&b, " dom0_mem=%" PRIu64 "M,max:%" PRIu64 "M", mem >> 20, mem >> 20);
    if (!all && !pxms.oom)
        buf_printf(&b, " dom0_nodes=%s", (const char *)pxms.data);
    buf_append(&b, "", 1);
    rc = b.oom || pxms.oom ? -ENOMEM : 0;
    if (rc == 0 && warnings) {
        rc |= strlist_addf(warnings,
                           "upstream Xen gives a PVH dom0 no SRAT or SLIT: only a hypervisor "
                           "that builds dom0's vNUMA from the host (Edera's hvm/dom0_build.c) "
                           "presents the plan's vnodes, and it does so only when dom0 has every "
                           "host CPU, pinned");
        if (n < vt_bitmap_weight(vt_host_cpus(h)->online))
            rc |= strlist_addf(warnings,
                               "dom0 has %zu of the host's %u online CPUs: Edera's dom0 vNUMA "
                               "needs all of them (vCPUs == pCPUs)",
                               n, vt_bitmap_weight(vt_host_cpus(h)->online));
        size_t used = 0;

        for (size_t k = 0; k < vt_host_node_count(h); k++)
            used += layout_uses_pnode(l, vt_host_node(h, k)->pnode);
        if (used > 1)
            rc |= strlist_addf(warnings,
                               "Xen decides how much of dom0's memory each of its nodes gives "
                               "(dom0_mem is one total): the plan's per-vnode sizes are not "
                               "passed");
        if (vt_layout_apic_encoding(l) == VT_APIC_LEGACY && vt_layout_vnode_count(l) > 1)
            rc |= strlist_addf(warnings,
                               "the legacy encoding (vcpu*2) is upstream Xen's; a dom0 with "
                               "vNUMA has the xen encoding's APIC IDs (plan with %s xen)",
                               F(VT_FIELD_APIC));
        rc = rc ? -ENOMEM : 0;
    }
    if (rc < 0) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    *options = (char *)b.data;
    b.data = NULL;
out:
    buf_free(&pxms);
    buf_free(&b);
    vt_bitmap_free(cpus);
    return rc;
}
