/* QEMU arguments for a layout (docs/vmm-config.md). QEMU numbers its CPU
 * slots socket-major (socket, die, core, thread) and gives slot i the APIC ID
 * of the sdm encoding; -smp K makes slots 0..K-1 present, and -device
 * <model>-x86_64-cpu,socket-id=...,core-id=... plugs any other slot. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/strlist.h"
#include "util/bytes.h"
#include "emit/vmm_common.h"
#include "model/vmm/qemu.h"
#include "vtopo/emit.h"
#include "vtopo/acpi.h"
#include "vtopo/vmm.h"

/* How messages name a request field (as the plan's request named them). */
#define F(f) layout_field(l, f)

static const char *vendor_id(enum vt_vendor v)
{
    return v == VT_VENDOR_AMD ? "AuthenticAMD" : "GenuineIntel";
}

/* The topology-id properties of a slot ("socket-id=1,core-id=2,thread-id=0";
 * die-id only with dies > 1, as QEMU rejects it otherwise on older
 * machines). */
static void slot_ids(const struct vt_shape *s, size_t slot, char *buf, size_t size)
{
    struct qemu_topo_ids id;

    qemu_slot_ids(s, slot, &id);
    if (s->dies > 1)
        snprintf(buf, size, "socket-id=%u,die-id=%u,core-id=%u,thread-id=%u", id.package, id.die,
                 id.core, id.thread);
    else
        snprintf(buf, size, "socket-id=%u,core-id=%u,thread-id=%u", id.package, id.core, id.thread);
}

/* A path as a QEMU option value: ',' doubled. */
static char *qemu_escape(const char *s)
{
    size_t n = strlen(s), extra = 0;
    char *out, *p;

    for (size_t i = 0; i < n; i++)
        extra += s[i] == ',';
    if (!(out = malloc(n + extra + 1)))
        return NULL;
    p = out;
    for (size_t i = 0; i < n; i++) {
        *p++ = s[i];
        if (s[i] == ',')
            *p++ = ',';
    }
    *p = '\0';
    return out;
}

/* Every table the acpi mode passes must fit -acpitable. */
static int check_table_sizes(const struct vt_layout *l, const struct vt_qemu_opts *o,
                             struct vt_err *err)
{
    /* How to make the table smaller: fix, then the field it names (if any)
     * and what follows it. */
    static const struct {
        const char *name, *fix;
        enum vt_request_field field;
        const char *fix_end;
        int (*emit)(const struct vt_layout *, const struct vt_acpi_options *, uint8_t **, size_t *,
                    struct vt_err *);
    } tables[] = {
        {"SRAT", "fewer vCPUs or memory ranges", VT_FIELD_COUNT, "", vt_acpi_srat},
        {"SLIT", "denser ", VT_FIELD_GUEST_PXMS, ": the SLIT has a row per PXM up to the highest",
         vt_acpi_slit},
        {"HMAT", "fewer vnodes, or emit without ", VT_FIELD_QEMU_HMAT, "", vt_acpi_hmat},
        {"MADT", "fewer vCPUs, or emit without ", VT_FIELD_QEMU_MADT, "", vt_acpi_madt},
    };

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        uint8_t *data;
        size_t len;
        int rc;

        if ((i == 2 && !o->hmat) || (i == 3 && !o->madt))
            continue;
        if ((rc = tables[i].emit(l, NULL, &data, &len, err)) < 0)
            return rc;
        free(data);
        if (len > VT_QEMU_ACPITABLE_MAX)
            return vt_err_set(err, -EINVAL,
                              "QEMU's -acpitable takes tables of at most %u bytes, but the "
                              "plan's %s is %zu bytes (plan %s%s%s)",
                              VT_QEMU_ACPITABLE_MAX, tables[i].name, len, tables[i].fix,
                              tables[i].field < VT_FIELD_COUNT ? F(tables[i].field) : "",
                              tables[i].fix_end);
    }
    return 0;
}

static int check_layout(const struct vt_layout *l, const struct vt_qemu_opts *o, struct vt_err *err)
{
    int rc;

    if ((rc = vmm_check_slots(l, "QEMU", err)) < 0 ||
        (rc = vmm_check_qemu_memmap(l, "QEMU", err)) < 0)
        return rc;
    if (o->numa == VT_QEMU_NUMA_NATIVE && vt_layout_initiator_count(l))
        return vt_err_set(err, -EINVAL,
                          "QEMU 7.2's -numa options cannot describe generic initiators "
                          "(%s); emit with %s acpi, which passes our SRAT",
                          F(VT_FIELD_INITIATORS), F(VT_FIELD_QEMU_NUMA));
    if (o->numa == VT_QEMU_NUMA_NATIVE)
        for (size_t i = 0; i < vt_layout_hotplug_memory_count(l); i++)
            if (vt_layout_hotplug_memory(l, i)->vnode + 1 != vt_layout_vnode_count(l))
                return vt_err_set(err, -EINVAL,
                                  "QEMU's own SRAT gives all hot-pluggable memory to its last "
                                  "node, but %s puts some in vnode %u; emit with "
                                  "%s acpi, which passes our SRAT",
                                  F(VT_FIELD_HOTPLUG_MEMORY), vt_layout_hotplug_memory(l, i)->vnode,
                                  F(VT_FIELD_QEMU_NUMA));
    if (o->numa == VT_QEMU_NUMA_NATIVE && vt_layout_hotplug_memory_count(l) > QEMU_MAX_RAM_SLOTS)
        return vt_err_set(err, -EINVAL,
                          "QEMU has at most %d memory slots (ACPI_MAX_RAM_SLOTS), one per "
                          "hot-pluggable range, but %s plans %zu ranges (give "
                          "fewer, larger ranges)",
                          QEMU_MAX_RAM_SLOTS, F(VT_FIELD_HOTPLUG_MEMORY),
                          vt_layout_hotplug_memory_count(l));
    if ((rc = vmm_check_backing(l, &o->backing, err)) < 0 ||
        (rc = vmm_check_x2apic_machine(l, "QEMU", err)) < 0)
        return rc;
    if (o->numa == VT_QEMU_NUMA_ACPI && o->backing.kind != VT_MEM_BACKEND_RAM)
        return vt_err_set(err, -EINVAL,
                          "QEMU's acpi NUMA mode (%s acpi) has no memory backend objects to "
                          "put on a memfd or huge pages; use the native mode",
                          F(VT_FIELD_QEMU_NUMA));
    if (o->numa == VT_QEMU_NUMA_ACPI && (rc = check_table_sizes(l, o, err)) < 0)
        return rc;
    if (o->numa == VT_QEMU_NUMA_ACPI && o->tables_dir && strchr(o->tables_dir, ':'))
        return vt_err_set(err, -EINVAL,
                          "QEMU's -acpitable file= splits its value into files at ':', but the "
                          "tables directory '%s' has one (write the tables to a directory "
                          "without ':')",
                          o->tables_dir);
    for (size_t k = 0; o->numa == VT_QEMU_NUMA_NATIVE && k < vt_layout_expander_count(l); k++)
        if (vt_layout_expander(l, k)->vnode > QEMU_MAX_PXB_NODE)
            return vt_err_set(err, -EINVAL,
                              "QEMU's DSDT holds an expander bus's node in 8 bits, so a device "
                              "or spare slot on vnode %u cannot have it (%s, %s)",
                              vt_layout_expander(l, k)->vnode, F(VT_FIELD_DEVICES),
                              F(VT_FIELD_SPARE_SLOTS));
    if (o->numa == VT_QEMU_NUMA_NATIVE &&
        (rc = vmm_check_dense_pxm(l, "QEMU's -numa node ids are the guest PXMs", true, err)) < 0)
        return rc;
    if (o->numa == VT_QEMU_NUMA_NATIVE)
        return vmm_check_qemu_node_order(l, "QEMU", true, err);
    return 0;
}

static int cpu_args(const struct vt_layout *l, const char *model, struct vt_strlist *a)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l), prefix = vmm_prefix(l);
    char ids[96];
    int rc = 0;

    rc |= strlist_addf(a, "-cpu");
    rc |= strlist_addf(a, "%s,vendor=%s", model, vendor_id(vt_layout_vendor(l)));
    rc |= strlist_addf(a, "-smp");
    if (s->dies > 1)
        rc |= strlist_addf(a, "%zu,sockets=%u,dies=%u,cores=%u,threads=%u,maxcpus=%zu", prefix,
                           s->sockets, s->dies, s->cores, s->threads, qemu_slot_count(s));
    else
        rc |= strlist_addf(a, "%zu,sockets=%u,cores=%u,threads=%u,maxcpus=%zu", prefix, s->sockets,
                           s->cores, s->threads, qemu_slot_count(s));
    for (size_t i = prefix; i < n; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        slot_ids(s, vmm_slot(s, c), ids, sizeof(ids));
        rc |= strlist_addf(a, "-device");
        rc |= strlist_addf(a, "%s-x86_64-cpu,id=vcpu%u,%s", model, c->vcpu, ids);
    }
    return rc ? -ENOMEM : 0;
}

/* The -object type of each vnode's memory, and what follows its size. */
static const char *backend_kind(const struct vt_qemu_opts *o)
{
    return o->backing.kind == VT_MEM_BACKEND_RAM ? "memory-backend-ram" : "memory-backend-memfd";
}

static const char *backend_extra(const struct vt_qemu_opts *o, char *buf, size_t size)
{
    if (o->backing.kind == VT_MEM_BACKEND_MEMFD)
        return ",share=on";
    if (o->backing.kind != VT_MEM_BACKEND_HUGEPAGES)
        return "";
    snprintf(buf, size, ",share=on,hugetlb=on,hugetlbsize=%" PRIu64 "M",
             vmm_hugepage_size(&o->backing) >> 20);
    return buf;
}

static int native_numa_args(const struct vt_layout *l, const struct vt_qemu_opts *o,
                            struct vt_strlist *a)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t nv = vt_layout_vnode_count(l), nslots = qemu_slot_count(s);
    unsigned *slot_vnode;
    char ids[96], hp[64], node[32];
    int rc = 0;

    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        if (!vn->memory_bytes)
            continue;
        rc |= strlist_addf(a, "-object");
        rc |= strlist_addf(a, "%s,id=vnode%zu,size=%" PRIu64 "M%s%s%s", backend_kind(o), v,
                           vn->memory_bytes >> 20, backend_extra(o, hp, sizeof(hp)),
                           o->bind && vn->pnode >= 0 ? ",host-nodes=" : "",
                           o->bind && vn->pnode >= 0
                               ? (snprintf(node, sizeof(node), "%d,policy=bind", vn->pnode), node)
                               : "");
    }
    for (size_t v = 0; v < nv; v++) {
        rc |= strlist_addf(a, "-numa");
        if (vt_layout_vnode(l, v)->memory_bytes)
            rc |= strlist_addf(a, "node,nodeid=%zu,memdev=vnode%zu", v, v);
        else
            rc |= strlist_addf(a, "node,nodeid=%zu", v);
    }
    /* Every slot gets a node, so QEMU has no unassigned CPU. */
    if (!(slot_vnode = vmm_slot_vnodes(l)))
        return -ENOMEM;
    for (size_t i = 0; i < nslots; i++) {
        slot_ids(s, i, ids, sizeof(ids));
        rc |= strlist_addf(a, "-numa");
        rc |= strlist_addf(a, "cpu,node-id=%u,%s", slot_vnode[i], ids);
    }
    free(slot_vnode);
    for (size_t i = 0; i < nv; i++)
        for (size_t j = 0; j < nv; j++) {
            if (i == j)
                continue;
            rc |= strlist_addf(a, "-numa");
            rc |= strlist_addf(a, "dist,src=%zu,dst=%zu,val=%u", i, j,
                               vt_layout_distance(l, (unsigned)i, (unsigned)j));
        }
    return rc ? -ENOMEM : 0;
}

static int acpi_table_arg(struct vt_strlist *a, const char *dir, const char *name)
{
    char *esc = qemu_escape(dir);
    int rc;

    if (!esc)
        return -ENOMEM;
    rc = strlist_addf(a, "-acpitable");
    rc |= strlist_addf(a, "file=%s/%s", esc, name);
    free(esc);
    return rc ? -ENOMEM : 0;
}

static int acpi_numa_args(const struct vt_layout *l, const struct vt_qemu_opts *o,
                          struct vt_strlist *a)
{
    const char *dir = o->tables_dir ? o->tables_dir : ".";
    int rc = 0;

    rc |= acpi_table_arg(a, dir, vt_layout_file_name(VT_PLAN_FILE_SRAT));
    rc |= acpi_table_arg(a, dir, vt_layout_file_name(VT_PLAN_FILE_SLIT));
    if (o->hmat)
        rc |= acpi_table_arg(a, dir, vt_layout_file_name(VT_PLAN_FILE_HMAT));
    if (o->madt)
        rc |= acpi_table_arg(a, dir, vt_layout_file_name(VT_PLAN_FILE_MADT));
    if (vt_layout_expander_count(l))
        rc |= acpi_table_arg(a, dir, vt_layout_file_name(VT_PLAN_FILE_SSDT));
    return rc ? -ENOMEM : 0;
}

/* QEMU's device for a planned PCI device (vt_device_model). */
static const char *const qemu_device_model[] = {"vfio-pci", "nvme", "virtio-net-pci",
                                                "virtio-blk-pci"};

/* A QEMU device property: a string, a number or a boolean (on/true). */
enum qemu_prop_kind { PROP_STRING, PROP_NUMBER, PROP_BOOL };
struct qemu_prop {
    const char *key;
    char value[48];
    enum qemu_prop_kind kind;
};
#define QEMU_DEVICE_PROPS 8

/* The null block device of a stand-in virtio-blk disk: 64 MiB. */
#define STAND_IN_DISK_BYTES 67108864

/* A planned device's properties in the order -device and device_add take
 * them: driver, its root port vt_rpV_S, its id vt_dev_NAME, then the
 * model's own (a passed-through device's host address; an emulated model's
 * serial, drive vt_drv_NAME and queues). With stand_in a passed-through
 * device is an emulated NVMe controller. Returns the count. */
static size_t qemu_device_props(const struct vt_device *d, bool stand_in,
                                struct qemu_prop p[QEMU_DEVICE_PROPS])
{
    enum vt_device_model m = stand_in && d->model == VT_DEVICE_VFIO ? VT_DEVICE_NVME : d->model;
    char name[VMM_DEVICE_NAME_MAX];
    size_t n = 0;

#define PROP(k, type, ...)                                                                         \
    do {                                                                                           \
        p[n].key = (k);                                                                            \
        p[n].kind = (type);                                                                        \
        snprintf(p[n].value, sizeof(p[n].value), __VA_ARGS__);                                     \
        n++;                                                                                       \
    } while (0)
    vmm_device_name(d, name);
    PROP("driver", PROP_STRING, "%s", qemu_device_model[m]);
    PROP("bus", PROP_STRING, "vt_rp%u_%u", d->vnode, d->slot);
    PROP("id", PROP_STRING, "vt_dev_%s", name);
    switch (m) {
    case VT_DEVICE_VFIO:
        PROP("host", PROP_STRING, "%s", d->host_bdf);
        break;
    case VT_DEVICE_NVME:
        PROP("serial", PROP_STRING, "vt_%s", name);
        if (d->queues)
            PROP("max_ioqpairs", PROP_NUMBER, "%u", d->queues);
        break;
    case VT_DEVICE_VIRTIO_NET:
        if (d->queues) { /* a vector per queue each way, config and control */
            PROP("mq", PROP_BOOL, "on");
            PROP("vectors", PROP_NUMBER, "%u", 2 * d->queues + 2);
        }
        break;
    case VT_DEVICE_VIRTIO_BLK:
        PROP("drive", PROP_STRING, "vt_drv_%s", name);
        if (d->queues)
            PROP("num-queues", PROP_NUMBER, "%u", d->queues);
        break;
    }
#undef PROP
    return n;
}

/* The properties as a -device value: "driver,key=value,...". */
static int qemu_device_value(const struct vt_device *d, bool stand_in, char *buf, size_t size)
{
    struct qemu_prop p[QEMU_DEVICE_PROPS];
    size_t np = qemu_device_props(d, stand_in, p);
    int n = snprintf(buf, size, "%s", p[0].value);

    for (size_t i = 1; i < np && n < (int)size; i++)
        n += snprintf(buf + n, size - (size_t)n, ",%s=%s", p[i].key, p[i].value);
    return n < (int)size ? 0 : -ENOMEM;
}

/* The expanders (pxb-pcie with the vnode's node), their root ports and the
 * devices on them. */
static int pci_args(const struct vt_layout *l, const struct vt_qemu_opts *o, struct vt_strlist *a)
{
    char value[256];
    int rc = 0;

    for (size_t k = 0; k < vt_layout_expander_count(l); k++) {
        const struct vt_pci_expander *e = vt_layout_expander(l, k);

        rc |= strlist_addf(a, "-device");
        /* In the acpi mode QEMU has no nodes: our SSDT gives the _PXM. */
        if (o->numa == VT_QEMU_NUMA_NATIVE)
            rc |= strlist_addf(a, "pxb-pcie,id=vt_pxb%u,bus=pcie.0,bus_nr=%u,numa_node=%u",
                               e->vnode, e->bus_nr, e->vnode);
        else
            rc |= strlist_addf(a, "pxb-pcie,id=vt_pxb%u,bus=pcie.0,bus_nr=%u", e->vnode, e->bus_nr);
        /* (chassis, slot) pairs are unique machine-wide: the expander's bus
         * number is the chassis. */
        for (unsigned p = 0; p < e->ports; p++) {
            rc |= strlist_addf(a, "-device");
            rc |= strlist_addf(a,
                               "pcie-root-port,id=vt_rp%u_%u,bus=vt_pxb%u,chassis=%u,slot=%u,"
                               "addr=0x%x",
                               e->vnode, p, e->vnode, e->bus_nr, p, p);
        }
    }
    for (size_t i = 0; i < vt_layout_device_count(l); i++) {
        const struct vt_device *d = vt_layout_device(l, i);

        char name[VMM_DEVICE_NAME_MAX];

        vmm_device_name(d, name);
        if (qemu_device_value(d, o->device_stand_ins, value, sizeof(value)) < 0)
            return -ENOMEM;
        if (o->device_stand_ins && d->model == VT_DEVICE_VIRTIO_BLK) {
            rc |= strlist_addf(a, "-blockdev");
            rc |= strlist_addf(a, "driver=null-co,node-name=vt_drv_%s,size=%d", name,
                               STAND_IN_DISK_BYTES);
        }
        rc |= strlist_addf(a, "-device");
        rc |= strlist_addf(a, "%s", value);
    }
    return rc;
}

static int qemu_warnings(const struct vt_layout *l, const struct vt_qemu_opts *o,
                         struct vt_strlist *w)
{
    int rc = vmm_warn_llc_per_die(l, "QEMU", w) | vmm_warn_machine_cpus(l, w);

    if (vmm_max_apic_id(l) > VT_XAPIC_MAX_ID)
        rc |= strlist_addf(w,
                           "APIC IDs up to %" PRIu32
                           " need x2APIC: an intel-iommu with interrupt remapping "
                           "is added, which QEMU supports under KVM only",
                           vmm_max_apic_id(l));
    if (o->numa == VT_QEMU_NUMA_ACPI && vt_layout_hotplug_memory_count(l))
        rc |= strlist_addf(w, "the hot-pluggable memory is in our SRAT only: with -m slots= "
                              "and maxmem= QEMU would turn NUMA on and build its own SRAT, "
                              "hiding ours, so QEMU cannot hot-add it in the acpi mode (the "
                              "native mode can, into its last node)");
    uint64_t start, end;

    if (o->numa == VT_QEMU_NUMA_NATIVE && vmm_qemu_device_memory(l, &start, &end)) {
        rc |= strlist_addf(w,
                           "QEMU's own SRAT gives vnode %zu one hot-pluggable range over its "
                           "whole device-memory region, 0x%" PRIx64 "-0x%" PRIx64
                           " (1 GiB of alignment per slot included), not the plan's ranges "
                           "(emit with %s acpi for ours)",
                           vt_layout_vnode_count(l) - 1, start, end - 1, F(VT_FIELD_QEMU_NUMA));
    }
    if (o->numa == VT_QEMU_NUMA_NATIVE && o->hmat)
        rc |= strlist_addf(w, "the HMAT is passed in the acpi NUMA mode only; QEMU builds "
                              "none from -numa here");
    for (size_t i = 0; !o->device_stand_ins && i < vt_layout_device_count(l); i++)
        if (vt_layout_device(l, i)->model == VT_DEVICE_VIRTIO_BLK) {
            char name[VMM_DEVICE_NAME_MAX];

            vmm_device_name(vt_layout_device(l, i), name);
            rc |= strlist_addf(w,
                               "virtio-blk vt_dev_%s needs its disk: add -drive "
                               "if=none,id=vt_drv_%s,file=DISK",
                               name, name);
        }
    return rc ? -ENOMEM : 0;
}

int vt_emit_qemu(const struct vt_layout *l, const struct vt_qemu_opts *o, struct vt_strlist *args,
                 struct vt_strlist *warnings, struct vt_err *err)
{
    static const struct vt_qemu_opts defaults = {.numa = VT_QEMU_NUMA_NATIVE};
    const char *model;
    struct vt_strlist a = {0};
    bool x2apic;
    int rc = 0;

    if (!o)
        o = &defaults;
    model = o->cpu_model && *o->cpu_model ? o->cpu_model : "max";
    if ((rc = vmm_cpu_model_check(model, err)) < 0)
        return rc;
    if ((rc = check_layout(l, o, err)) < 0)
        return rc;
    x2apic = vmm_max_apic_id(l) > VT_XAPIC_MAX_ID;
    rc |= strlist_addf(&a, "-machine");
    rc |= strlist_addf(&a, "%s%s", vt_layout_mem_layout(l) == VT_MEM_QEMU_PC ? "pc" : "q35",
                       x2apic ? ",kernel-irqchip=split" : "");
    if (x2apic) {
        rc |= strlist_addf(&a, "-device");
        rc |= strlist_addf(&a, "intel-iommu,intremap=on,eim=on");
    }
    rc |= cpu_args(l, model, &a);
    rc |= strlist_addf(&a, "-m");
    if (vt_layout_hotplug_memory_count(l) && o->numa == VT_QEMU_NUMA_NATIVE) {
        /* QEMU's device-memory region (where the plan put the hot-pluggable
         * ranges) exists only with slots and maxmem. Not in the acpi mode:
         * with memory hotplug QEMU turns NUMA on by itself and builds an
         * SRAT, which hides ours (qemu_warnings says so). */
        uint64_t hot = 0;

        for (size_t i = 0; i < vt_layout_hotplug_memory_count(l); i++)
            hot += vt_layout_hotplug_memory(l, i)->end - vt_layout_hotplug_memory(l, i)->start;
        rc |= strlist_addf(&a, "%" PRIu64 "M,slots=%zu,maxmem=%" PRIu64 "M",
                           vt_layout_memory(l) >> 20, vt_layout_hotplug_memory_count(l),
                           (vt_layout_memory(l) + hot) >> 20);
    } else {
        rc |= strlist_addf(&a, "%" PRIu64 "M", vt_layout_memory(l) >> 20);
    }
    rc |= o->numa == VT_QEMU_NUMA_NATIVE ? native_numa_args(l, o, &a) : acpi_numa_args(l, o, &a);
    rc |= pci_args(l, o, &a);
    if (!rc && warnings)
        rc = qemu_warnings(l, o, warnings);
    if (rc) {
        vt_strlist_free(&a);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *args = a;
    return 0;
}

int vt_emit_qemu_hotplug(const struct vt_layout *l, const struct vt_qemu_opts *o,
                         const char *host_bdf, bool add, struct vt_strlist *qmp, struct vt_err *err)
{
    static const struct vt_qemu_opts defaults = {.numa = VT_QEMU_NUMA_NATIVE};
    const struct vt_device *d = vmm_find_device(l, host_bdf);
    struct qemu_prop p[QEMU_DEVICE_PROPS];
    char name[VMM_DEVICE_NAME_MAX];
    struct buf b;
    size_t np;
    int rc = 0;

    if (!o)
        o = &defaults;
    if (!d)
        return vt_err_set(err, -EINVAL, "the plan has no device %s (%s)", host_bdf,
                          F(VT_FIELD_DEVICES));
    vmm_device_name(d, name);
    memset(qmp, 0, sizeof(*qmp));
    if (!add)
        return strlist_addf(qmp,
                            "{\"execute\": \"device_del\", \"arguments\": {\"id\": "
                            "\"vt_dev_%s\"}}",
                            name)
                   ? vt_err_set(err, -ENOMEM, "out of memory")
                   : 0;
    np = qemu_device_props(d, o->device_stand_ins, p);
    if (!strcmp(p[0].value, qemu_device_model[VT_DEVICE_VIRTIO_BLK]))
        rc |= o->device_stand_ins
                  ? strlist_addf(qmp,
                                 "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": "
                                 "\"null-co\", \"node-name\": \"vt_drv_%s\", \"size\": %d}}",
                                 name, STAND_IN_DISK_BYTES)
                  : strlist_addf(qmp,
                                 "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": "
                                 "\"raw\", \"node-name\": \"vt_drv_%s\", \"file\": {\"driver\": "
                                 "\"file\", \"filename\": \"DISK\"}}}",
                                 name);
    buf_init(&b);
    buf_printf(&b, "{\"execute\": \"device_add\", \"arguments\": {");
    for (size_t i = 0; i < np; i++)
        buf_printf(&b, p[i].kind == PROP_STRING ? "%s\"%s\": \"%s\"" : "%s\"%s\": %s",
                   i ? ", " : "", p[i].key, p[i].kind == PROP_BOOL ? "true" : p[i].value);
    buf_printf(&b, "}}");
    buf_append(&b, "", 1);
    rc |= b.oom ? -ENOMEM : strlist_addf(qmp, "%s", (const char *)b.data);
    buf_free(&b);
    if (rc) {
        vt_strlist_free(qmp);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    return 0;
}

static bool apic_id_holes(const struct vt_layout *l)
{
    size_t n = vt_layout_vcpu_count(l);

    for (size_t i = 0; i < n; i++)
        if (vt_layout_vcpu(l, i)->apic_id != i)
            return true;
    return false;
}

int vt_emit_qemu_kernel_params(const struct vt_layout *l, const struct vt_qemu_opts *o, bool tcg,
                               char **params, struct vt_err *err)
{
    const struct vt_shape *s = vt_layout_shape(l);
    /* The CPUs Linux counts as possible: our MADT lists the plan's vCPUs,
     * hot-pluggable ones included, QEMU's lists every slot. */
    size_t possible = o && o->madt ? vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l)
                                   : qemu_slot_count(s);
    bool madt = o && o->madt, fix_ipi = tcg && possible <= 8 && apic_id_holes(l);

    if (asprintf(params, "%s%s%s", madt ? "acpi_apic_instance=2" : "", madt && fix_ipi ? " " : "",
                 fix_ipi ? "possible_cpus=9" : "") < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    return 0;
}
