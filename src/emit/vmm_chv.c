/* cloud-hypervisor arguments for a layout (docs/vmm-config.md). CH splits a
 * vCPU index into topology ids as QEMU does (thread, core, die, package;
 * get_x2apic_id), boots vCPUs 0..boot-1 and makes boot..max-1 hot-pluggable;
 * --cpus topology=t:c:d:p must multiply to max, with at most 2 threads per
 * core on x86. Each vnode is a --numa guest_numa_id (its PXM; CH writes the
 * SLIT in id order, so ids must be 0..n-1) with its vCPUs and one
 * --memory-zone. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/strlist.h"
#include "emit/vmm_common.h"
#include "util/bytes.h"
#include "vtopo/vmm.h"

/* How messages name a request field (as the plan's request named them). */
#define F(f) layout_field(l, f)

static int check_layout(const struct vt_layout *l, struct vt_err *err)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l), prefix;
    int rc;

    if ((rc = vmm_check_slots(l, "cloud-hypervisor", err)) < 0)
        return rc;
    if (vt_layout_initiator_count(l))
        return vt_err_set(err, -EINVAL,
                          "cloud-hypervisor names a generic initiator by the id of its --device "
                          "(--numa device_id=), which the plan does not know, and writes its own "
                          "SRAT handle layout (plan without %s)",
                          F(VT_FIELD_INITIATORS));
    if (vt_layout_hotplug_memory_count(l))
        return vt_err_set(err, -EINVAL,
                          "cloud-hypervisor hot-adds memory with virtio-mem (--memory-zone "
                          "hotplug_size=) at addresses of its own choosing, which these arguments "
                          "do not set up (plan without %s)",
                          F(VT_FIELD_HOTPLUG_MEMORY));
    if ((prefix = vmm_prefix(l)) < n)
        return vt_err_set(err, -EINVAL,
                          "cloud-hypervisor boots vCPUs 0..N-1 in the order of its topology and "
                          "cannot leave a CPU slot empty, but vCPU %zu is in slot %zu (plan with "
                          "a %s whose product is the vCPU count)",
                          prefix, vmm_slot(s, vt_layout_vcpu(l, prefix)), F(VT_FIELD_SHAPE));
    for (size_t k = 0; k < vt_layout_expander_count(l); k++)
        if (vt_layout_expander(l, k)->ports >= VT_MAX_EXPANDER_PORTS)
            return vt_err_set(err, -EINVAL,
                              "cloud-hypervisor's device ids on a PCI segment are 1-31 (0 is its "
                              "host bridge), but vnode %u has %u devices and spare slots (fewer "
                              "%s, or fewer %s)",
                              vt_layout_expander(l, k)->vnode, vt_layout_expander(l, k)->ports,
                              F(VT_FIELD_DEVICES), F(VT_FIELD_SPARE_SLOTS));
    for (size_t i = 0; i < vt_layout_device_count(l); i++)
        if (vt_layout_device(l, i)->model == VT_DEVICE_NVME)
            return vt_err_set(err, -EINVAL,
                              "cloud-hypervisor has no emulated NVMe controller, so device %s "
                              "cannot be model=nvme (%s %s with model vfio, virtio-net or "
                              "virtio-blk)",
                              vt_layout_device(l, i)->host_bdf, F(VT_FIELD_DEVICES),
                              vt_layout_device(l, i)->host_bdf);
    if (s->threads > 2)
        return vt_err_set(err, -EINVAL,
                          "cloud-hypervisor allows at most 2 threads per core on x86, but the "
                          "plan's shape has %u (plan with %s threads=1 or threads=2)",
                          s->threads, F(VT_FIELD_SHAPE));
    if ((rc = vmm_check_dense_pxm(l,
                                  "cloud-hypervisor writes its SLIT in guest_numa_id order, "
                                  "which Linux reads by proximity domain, so the ids (the "
                                  "guest PXMs) must follow the vnodes",
                                  false, err)) < 0)
        return rc;
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        if (vt_bitmap_iszero(vn->vcpus) && !vn->memory_bytes)
            return vt_err_set(err, -EINVAL,
                              "cloud-hypervisor's --numa needs cpus or memory_zones, but vnode "
                              "%zu has neither vCPUs nor memory (give it memory with "
                              "%s)",
                              v, F(VT_FIELD_VNODE_MEMORY));
    }
    return 0;
}

static int warnings_of(const struct vt_layout *l, struct vt_strlist *w)
{
    int rc = strlist_addf(w,
                          "cloud-hypervisor places the memory zones in guest-physical memory "
                          "itself: the vnodes' ranges differ from the plan's %s memory map "
                          "(their sizes do not)",
                          vt_mem_layout_name(vt_layout_mem_layout(l)));

    rc |= vmm_warn_llc_per_die(l, "cloud-hypervisor", w);
    if (vt_layout_vendor(l) == VT_VENDOR_AMD && vt_layout_vnode_count(l) > 1)
        rc |= strlist_addf(w, "cloud-hypervisor's AMD leaf 0x8000001E gives every vCPU the "
                              "same NodeId, where the plan gives each vCPU its vnode's");
    if (qemu_slot_count(vt_layout_shape(l)) > 256)
        rc |= strlist_addf(w, "cloud-hypervisor releases that keep vCPU ids in 8 bits (as "
                              "its --numa cpus list did) take at most 256 vCPUs");
    if (vt_layout_expander_count(l))
        rc |= strlist_addf(w, "--numa pci_segments needs cloud-hypervisor v36 or later; each "
                              "vnode's devices are on a PCI segment of its own, so the guest "
                              "addresses are SEGMENT:00:ID.0, not the plan's (QEMU's) guest BDFs");
    for (size_t i = 0; i < vt_layout_device_count(l); i++) {
        const struct vt_device *d = vt_layout_device(l, i);

        char name[VMM_DEVICE_NAME_MAX];

        vmm_device_name(d, name);
        if (d->model == VT_DEVICE_VIRTIO_BLK)
            rc |= strlist_addf(w,
                               "the disk of device %s is vt_drv_%s.img: give --disk path= "
                               "the real image",
                               d->host_bdf, name);
    }
    return rc ? -ENOMEM : 0;
}

static int cpus_arg(const struct vt_layout *l, struct vt_strlist *a)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l);
    struct buf b;
    bool any = false;
    char **lists;
    size_t nlists;
    int rc;

    buf_init(&b);
    buf_printf(&b, "boot=%zu,max=%zu,topology=%u:%u:%u:%u", n, qemu_slot_count(s), s->threads,
               s->cores, s->dies, s->sockets);
    /* Each slot is CH's vCPU id (the present vCPUs are the slot prefix),
     * empty ones too: its pinned CPU or its vnode's float_cpus. */
    if (vmm_slot_affinity(l, &lists, &nlists) < 0) {
        buf_free(&b);
        return -ENOMEM;
    }
    for (size_t slot = 0; slot < nlists; slot++) {
        if (!lists[slot])
            continue;
        buf_printf(&b, "%s%zu@[%s]", any ? "," : ",affinity=[", slot, lists[slot]);
        any = true;
    }
    vmm_lists_free(lists, nlists);
    if (any)
        buf_printf(&b, "]");
    buf_append(&b, "", 1);
    rc = b.oom ? -ENOMEM : strlist_addf(a, "--cpus");
    rc |= b.oom ? 0 : strlist_addf(a, "%s", (const char *)b.data);
    buf_free(&b);
    return rc ? -ENOMEM : 0;
}

static int numa_args(const struct vt_layout *l, const struct vt_chv_opts *o,
                     const unsigned *slot_vnode, struct vt_strlist *a)
{
    size_t nv = vt_layout_vnode_count(l), nslots = qemu_slot_count(vt_layout_shape(l));
    char backing[64] = "", node[32];
    int rc = 0;

    if (o->backing.kind == VT_MEM_BACKEND_MEMFD)
        snprintf(backing, sizeof(backing), ",shared=on");
    else if (o->backing.kind == VT_MEM_BACKEND_HUGEPAGES)
        snprintf(backing, sizeof(backing), ",shared=on,hugepages=on,hugepage_size=%" PRIu64 "M",
                 vmm_hugepage_size(&o->backing) >> 20);

    rc |= strlist_addf(a, "--memory");
    rc |= strlist_addf(a, "size=0");
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        if (!vn->memory_bytes)
            continue;
        rc |= strlist_addf(a, "--memory-zone");
        rc |= strlist_addf(a, "id=mem%zu,size=%" PRIu64 "M%s%s%s", v, vn->memory_bytes >> 20,
                           backing, vn->pnode >= 0 ? ",host_numa_node=" : "",
                           vn->pnode >= 0 ? (snprintf(node, sizeof(node), "%d", vn->pnode), node)
                                          : "");
    }
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);
        struct vt_bitmap *cpus = vt_bitmap_new();
        char *list = NULL;
        struct buf b;

        for (size_t i = 0; cpus && i < nslots; i++)
            if (slot_vnode[i] == v && vt_bitmap_set(cpus, (unsigned)i) < 0) {
                vt_bitmap_free(cpus);
                cpus = NULL;
            }
        if (!cpus || !(list = vt_bitmap_format_list(cpus))) {
            vt_bitmap_free(cpus);
            return -ENOMEM;
        }
        vt_bitmap_free(cpus);
        buf_init(&b);
        buf_printf(&b, "guest_numa_id=%zu", v);
        if (*list)
            buf_printf(&b, ",cpus=[%s]", list);
        free(list);
        for (size_t w = 0, first = 1; w < nv; w++) {
            if (w == v)
                continue;
            buf_printf(&b, "%s%zu@%u", first ? ",distances=[" : ",", w,
                       vt_layout_distance(l, (unsigned)v, (unsigned)w));
            first = 0;
        }
        if (nv > 1)
            buf_printf(&b, "]");
        if (vn->memory_bytes)
            buf_printf(&b, ",memory_zones=[mem%zu]", v);
        if (vt_layout_vnode_expander(l, (unsigned)v))
            buf_printf(&b, ",pci_segments=[%u]", vt_layout_vnode_expander(l, (unsigned)v)->segment);
        buf_append(&b, "", 1);
        if (b.oom) {
            buf_free(&b);
            return -ENOMEM;
        }
        rc |= strlist_addf(a, "--numa");
        rc |= strlist_addf(a, "%s", (const char *)b.data);
        buf_free(&b);
    }
    return rc ? -ENOMEM : 0;
}

/* A device's --device/--net/--disk value (also ch-remote add-*'s): its
 * segment and pci_device_id = slot + 1 (0 is the segment's host bridge). */
static int chv_device_value(const struct vt_layout *l, const struct vt_device *d, char *buf,
                            size_t size)
{
    unsigned seg = vt_layout_vnode_expander(l, d->vnode)->segment;
    char name[VMM_DEVICE_NAME_MAX];
    int n = 0;

    vmm_device_name(d, name);
    if (d->model == VT_DEVICE_VFIO)
        n = snprintf(buf, size, "path=/sys/bus/pci/devices/%s/,", d->host_bdf);
    else if (d->model == VT_DEVICE_VIRTIO_BLK)
        n = snprintf(buf, size, "path=vt_drv_%s.img,", name);
    n += snprintf(buf + n, size - (size_t)n, "id=vt_dev_%s", name);
    if (d->queues) /* virtio-net counts its queues both ways */
        n += snprintf(buf + n, size - (size_t)n, ",num_queues=%u",
                      d->model == VT_DEVICE_VIRTIO_NET ? 2 * d->queues : d->queues);
    n += snprintf(buf + n, size - (size_t)n, ",pci_segment=%u,pci_device_id=%u", seg, d->slot + 1);
    return n < (int)size ? 0 : -ENOMEM;
}

/* The PCI segments (one per expander: a segment's host bridge has the
 * _PXM of its --numa pci_segments) and the devices on them. Each device is
 * device pci_device_id = slot + 1 of its segment (0 is the host bridge). */
static int pci_args(const struct vt_layout *l, struct vt_strlist *a)
{
    static const char *const option[] = {"--device", "", "--net", "--disk"};
    int rc = 0;

    if (!vt_layout_expander_count(l))
        return 0;
    rc |= strlist_addf(a, "--platform");
    rc |= strlist_addf(a, "num_pci_segments=%zu", vt_layout_expander_count(l) + 1);
    for (size_t i = 0; i < vt_layout_device_count(l); i++) {
        const struct vt_device *d = vt_layout_device(l, i);
        char value[256];

        if (chv_device_value(l, d, value, sizeof(value)) < 0)
            return -ENOMEM;
        rc |= strlist_addf(a, "%s", option[d->model]);
        rc |= strlist_addf(a, "%s", value);
    }
    return rc ? -ENOMEM : 0;
}

int vt_emit_cloud_hypervisor_hotplug(const struct vt_layout *l, const char *host_bdf, bool add,
                                     struct vt_strlist *args, struct vt_err *err)
{
    static const char *const command[] = {"add-device", "", "add-net", "add-disk"};
    const struct vt_device *d = vmm_find_device(l, host_bdf);
    char value[256], name[VMM_DEVICE_NAME_MAX];
    int rc;

    if (!d)
        return vt_err_set(err, -EINVAL, "the plan has no device %s (%s)", host_bdf,
                          F(VT_FIELD_DEVICES));
    if (d->model == VT_DEVICE_NVME)
        return vt_err_set(err, -EINVAL,
                          "cloud-hypervisor has no emulated NVMe controller, so device %s cannot "
                          "be model=nvme",
                          d->host_bdf);
    vmm_device_name(d, name);
    memset(args, 0, sizeof(*args));
    if (add)
        rc = chv_device_value(l, d, value, sizeof(value)) < 0
                 ? -ENOMEM
                 : strlist_addf(args, "%s", command[d->model]) | strlist_addf(args, "%s", value);
    else
        rc = strlist_addf(args, "remove-device") | strlist_addf(args, "vt_dev_%s", name);
    if (rc) {
        vt_strlist_free(args);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    return 0;
}

int vt_emit_cloud_hypervisor(const struct vt_layout *l, const struct vt_chv_opts *o,
                             struct vt_strlist *args, struct vt_strlist *warnings,
                             struct vt_err *err)
{
    static const struct vt_chv_opts defaults = {.backing = {.kind = VT_MEM_BACKEND_RAM}};
    struct vt_strlist a = {0};
    unsigned *slot_vnode;
    int rc;

    if (!o)
        o = &defaults;
    if ((rc = check_layout(l, err)) < 0 || (rc = vmm_check_backing(l, &o->backing, err)) < 0)
        return rc;
    if (!(slot_vnode = vmm_slot_vnodes(l)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    rc = cpus_arg(l, &a);
    if (!rc)
        rc = numa_args(l, o, slot_vnode, &a);
    if (!rc)
        rc = pci_args(l, &a);
    free(slot_vnode);
    if (!rc && warnings)
        rc = warnings_of(l, warnings);
    if (rc) {
        vt_strlist_free(&a);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *args = a;
    return 0;
}
