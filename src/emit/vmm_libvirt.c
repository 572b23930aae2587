/* A libvirt domain XML fragment for a layout (docs/vmm-config.md). libvirt
 * drives QEMU, so QEMU's rules hold: libvirt's vCPU ids are QEMU's CPU slots
 * (socket-major), <cell id> is QEMU's node id and so the guest PXM, and
 * libvirt (9.0) backs every cell with a memory-backend object, which QEMU
 * refuses at size 0. vCPUs outside the slot prefix are enabled hot-pluggable
 * <vcpus> entries, which libvirt plugs before the guest runs. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "emit/strlist.h"
#include "emit/vmm_common.h"
#include "util/bytes.h"
#include "util/parse.h"
#include "vtopo/vmm.h"

/* How messages name a request field (as the plan's request named them). */
#define F(f) layout_field(l, f)

static int check_layout(const struct vt_layout *l, struct vt_err *err)
{
    int rc;

    if ((rc = vmm_check_slots(l, "libvirt (QEMU)", err)) < 0 ||
        (rc = vmm_check_x2apic_machine(l, "libvirt (QEMU)", err)) < 0 ||
        (rc = vmm_check_qemu_memmap(l, "libvirt (QEMU)", err)) < 0 ||
        (rc = vmm_check_dense_pxm(l, "libvirt's <cell id> values are QEMU's node ids", false,
                                  err)) < 0)
        return rc;
    /* Before the memory rule, which a vnode of generic initiators breaks too. */
    if (vt_layout_initiator_count(l))
        return vt_err_set(err, -EINVAL,
                          "libvirt starts QEMU with -numa options, which cannot describe generic "
                          "initiators (%s); plan without %s, or emit qemu "
                          "with %s acpi, which passes our SRAT",
                          F(VT_FIELD_INITIATORS), F(VT_FIELD_INITIATORS), F(VT_FIELD_QEMU_NUMA));
    if (vt_layout_hotplug_memory_count(l))
        return vt_err_set(err, -EINVAL,
                          "the libvirt fragment has no memory hot-plug (<maxMemory slots=>), so "
                          "the hot-pluggable memory of %s would be lost; plan "
                          "without %s, or emit qemu",
                          F(VT_FIELD_HOTPLUG_MEMORY), F(VT_FIELD_HOTPLUG_MEMORY));
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++)
        if (!vt_layout_vnode(l, v)->memory_bytes)
            return vt_err_set(err, -EINVAL,
                              "libvirt backs every <cell> with a memory backend, which QEMU "
                              "refuses at size 0, but vnode %zu has no memory (give every vnode "
                              "memory with %s)",
                              v, F(VT_FIELD_VNODE_MEMORY));
    return vmm_check_qemu_node_order(l, "libvirt (QEMU)", false, err);
}

/* The slots of a vnode as a cpulist, malloc'd. */
static char *cell_cpus(const unsigned *slot_vnode, size_t nslots, unsigned vnode)
{
    struct vt_bitmap *b = vt_bitmap_new();
    char *list = NULL;

    if (!b)
        return NULL;
    for (size_t i = 0; i < nslots; i++)
        if (slot_vnode[i] == vnode && vt_bitmap_set(b, (unsigned)i) < 0)
            goto out;
    list = vt_bitmap_format_list(b);
out:
    vt_bitmap_free(b);
    return list;
}

static int cells(struct buf *b, const struct vt_layout *l, const unsigned *slot_vnode)
{
    size_t nv = vt_layout_vnode_count(l), nslots = qemu_slot_count(vt_layout_shape(l));

    buf_printf(b, "  <numa>\n");
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);
        char *cpus = cell_cpus(slot_vnode, nslots, (unsigned)v);

        if (!cpus)
            return -ENOMEM;
        /* A CPU-less cell has no cpus attribute (libvirt 6.5 and later). */
        buf_printf(b, "    <cell id='%zu'%s%s%s memory='%" PRIu64 "' unit='MiB'>\n", v,
                   *cpus ? " cpus='" : "", cpus, *cpus ? "'" : "", vn->memory_bytes >> 20);
        free(cpus);
        buf_printf(b, "      <distances>\n");
        for (size_t w = 0; w < nv; w++)
            buf_printf(b, "        <sibling id='%zu' value='%u'/>\n", w,
                       vt_layout_distance(l, (unsigned)v, (unsigned)w));
        buf_printf(b, "      </distances>\n");
        buf_printf(b, "    </cell>\n");
    }
    buf_printf(b, "  </numa>\n");
    return 0;
}

static void vcpus(struct buf *b, const struct vt_layout *l)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l), nslots = qemu_slot_count(s), prefix = vmm_prefix(l);

    if (n == nslots) {
        buf_printf(b, "<vcpu placement='static'>%zu</vcpu>\n", nslots);
        return;
    }
    buf_printf(b, "<vcpu placement='static' current='%zu'>%zu</vcpu>\n", n, nslots);
    if (prefix == n)
        return; /* libvirt enables the first 'current' vCPUs */
    buf_printf(b, "<vcpus>\n");
    for (size_t slot = 0, i = 0; slot < nslots; slot++) {
        bool present = i < n && vmm_slot(s, vt_layout_vcpu(l, i)) == slot;

        buf_printf(b, "  <vcpu id='%zu' enabled='%s' hotpluggable='%s'/>\n", slot,
                   present ? "yes" : "no", present && slot < prefix ? "no" : "yes");
        i += present;
    }
    buf_printf(b, "</vcpus>\n");
}

/* <emulatorpin>'s CPUs: the caller's, else the plan's. */
static const struct vt_bitmap *emulator_cpus(const struct vt_layout *l,
                                             const struct vt_libvirt_opts *o)
{
    return o->emulator_cpus ? o->emulator_cpus : vt_layout_emulator_pin(l);
}

static int cputune(struct buf *b, const struct vt_layout *l, const struct vt_libvirt_opts *o)
{
    const struct vt_bitmap *emu = emulator_cpus(l, o);
    bool any = false;
    char **lists;
    size_t n;

    /* Every slot, empty ones too (a vCPU hot-added there runs where its
     * vnode's do): its pinned CPU, or its vnode's float_cpus. */
    if (vmm_slot_affinity(l, &lists, &n) < 0)
        return -ENOMEM;
    for (size_t slot = 0; slot < n; slot++) {
        if (!lists[slot])
            continue;
        if (!any)
            buf_printf(b, "<cputune>\n");
        any = true;
        buf_printf(b, "  <vcpupin vcpu='%zu' cpuset='%s'/>\n", slot, lists[slot]);
    }
    vmm_lists_free(lists, n);
    if (emu && !vt_bitmap_iszero(emu)) {
        char *list = vt_bitmap_format_list(emu);

        if (!list)
            return -ENOMEM;
        if (!any)
            buf_printf(b, "<cputune>\n");
        any = true;
        buf_printf(b, "  <emulatorpin cpuset='%s'/>\n", list);
        free(list);
    }
    if (any)
        buf_printf(b, "</cputune>\n");
    return 0;
}

static void memory_backing(struct buf *b, const struct vt_mem_backing *m)
{
    if (m->kind == VT_MEM_BACKEND_RAM)
        return;
    buf_printf(b, "<memoryBacking>\n");
    if (m->kind == VT_MEM_BACKEND_HUGEPAGES)
        buf_printf(b, "  <hugepages>\n    <page size='%" PRIu64 "' unit='KiB'/>\n  </hugepages>\n",
                   vmm_hugepage_size(m) >> 10);
    buf_printf(b, "  <source type='memfd'/>\n  <access mode='shared'/>\n</memoryBacking>\n");
}

/* libvirt's name of a CPUID feature where it differs from QEMU's (QEMU's
 * with '_' read as '-', as QEMU reads it): libvirt 9.0's
 * cpu_map/x86_features.xml, its <alias source='qemu'> entries and the names
 * it spells with '_'. Every other name is the same in both. */
static const struct {
    const char *qemu, *libvirt;
} libvirt_feature_names[] = {
    {"sse3", "pni"},
    {"pclmulqdq", "pclmuldq"},
    {"sse4-1", "sse4.1"},
    {"sse4-2", "sse4.2"},
    {"xd", "nx"},
    {"ffxsr", "fxsr_opt"},
    {"fxsr-opt", "fxsr_opt"},
    {"i64", "lm"},
    {"ds-cpl", "ds_cpl"},
    {"tsc-adjust", "tsc_adjust"},
    {"mbm-total", "mbm_total"},
    {"mbm-local", "mbm_local"},
    {"lahf-lm", "lahf_lm"},
    {"cmp-legacy", "cmp_legacy"},
    {"nodeid-msr", "nodeid_msr"},
    {"perfctr-core", "perfctr_core"},
    {"perfctr-nb", "perfctr_nb"},
};

/* QEMU -cpu properties that are not CPUID features: libvirt sets them with
 * elements of its own (<pmu>, <hyperv>, <kvm>, <cpu migratable=>) or not at
 * all. Prefixes end in '-'. */
static const char *const qemu_cpu_properties[] = {
    "enforce",
    "check",
    "pmu",
    "migratable",
    "host-phys-bits",
    "full-cpuid-auto-level",
    "lmce",
    "tcg-cpuid",
    "vmware-cpuid-freq",
    "kvm",
    "kvmclock",
    "kvm-",
    "hv-",
    "x-",
};

/* The libvirt <feature name> of a QEMU flag name (len bytes at f) into buf,
 * or -EINVAL with err set. */
static int libvirt_feature(const char *f, size_t len, char *buf, size_t size, struct vt_err *err)
{
    if (!len)
        return vt_err_set(err, -EINVAL, "a CPU flag is empty");
    if (len >= size)
        return vt_err_set(err, -EINVAL, "the CPU flag '%.*s' is too long", (int)len, f);
    for (size_t i = 0; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", f[i]))
            return vt_err_set(err, -EINVAL,
                              "the CPU flag '%.*s' is not a feature name (lower-case letters, "
                              "digits, '-', '_', '.')",
                              (int)len, f);
    for (size_t i = 0; i < len; i++)
        buf[i] = f[i] == '_' ? '-' : f[i];
    buf[len] = '\0';
    for (size_t i = 0; i < sizeof(qemu_cpu_properties) / sizeof(qemu_cpu_properties[0]); i++) {
        const char *p = qemu_cpu_properties[i];
        size_t n = strlen(p);

        if (p[n - 1] == '-' ? !strncmp(buf, p, n) : !strcmp(buf, p))
            return vt_err_set(err, -EINVAL,
                              "the CPU flag '%s' is a QEMU CPU property, not a CPUID feature: "
                              "libvirt sets it with elements of its own (<pmu>, <hyperv>, <kvm> "
                              "in <features>), which vtopo does not write; leave it out",
                              buf);
    }
    for (size_t i = 0; i < sizeof(libvirt_feature_names) / sizeof(libvirt_feature_names[0]); i++)
        if (!strcmp(buf, libvirt_feature_names[i].qemu)) {
            if (strlen(libvirt_feature_names[i].libvirt) >= size)
                return vt_err_set(err, -EINVAL, "the CPU flag '%s' is too long", buf);
            strcpy(buf, libvirt_feature_names[i].libvirt);
            break;
        }
    return 0;
}

/* The <cpu> element's opening and the model with its features, from a QEMU
 * CPU model with flags (vmm_cpu_model_check has checked it). */
static int cpu_open(struct buf *b, const struct vt_layout *l, const char *model, struct vt_err *err)
{
    size_t n = strcspn(model, ",");
    const char *flags = model + n;

    if (n == 3 && !strncmp(model, "max", 3)) {
        buf_printf(b, "<cpu mode='maximum' check='none'>\n");
    } else if (n == 4 && !strncmp(model, "host", 4)) {
        buf_printf(b, "<cpu mode='host-passthrough' check='none'>\n");
    } else if (n == 10 && !strncmp(model, "host-model", 10)) {
        buf_printf(b, "<cpu mode='host-model' check='none'>\n");
    } else {
        for (size_t i = 0; i < n; i++)
            if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.",
                        model[i]))
                return vt_err_set(err, -EINVAL,
                                  "the CPU model '%.*s' is not a QEMU model name (letters, "
                                  "digits, '-', '_', '.')",
                                  (int)n, model);
        buf_printf(b, "<cpu mode='custom' match='exact' check='none'>\n");
        buf_printf(b, "  <model fallback='forbid' vendor_id='%s'>%.*s</model>\n",
                   vt_layout_vendor(l) == VT_VENDOR_AMD ? "AuthenticAMD" : "GenuineIntel", (int)n,
                   model);
    }
    while (*flags == ',') {
        const char *f = flags + 1, *eq;
        size_t len = strcspn(f, ",");
        bool on = true;
        char name[64];
        int rc;

        flags = f + len;
        if (*f == '+' || *f == '-') {
            on = *f == '+';
            f++, len--;
        } else if ((eq = memchr(f, '=', len))) {
            size_t vlen = len - (size_t)(eq + 1 - f);

            if ((vlen == 2 && !strncmp(eq + 1, "on", 2)) ||
                (vlen == 4 && !strncmp(eq + 1, "true", 4)))
                on = true;
            else if ((vlen == 3 && !strncmp(eq + 1, "off", 3)) ||
                     (vlen == 5 && !strncmp(eq + 1, "false", 5)))
                on = false;
            else
                return vt_err_set(err, -EINVAL,
                                  "the CPU flag '%.*s' sets a value; libvirt's <feature> "
                                  "turns a flag on or off only (+flag, -flag, flag=on, "
                                  "flag=off)",
                                  (int)len, f);
            len = (size_t)(eq - f);
        }
        if ((rc = libvirt_feature(f, len, name, sizeof(name), err)) < 0)
            return rc;
        buf_printf(b, "  <feature policy='%s' name='%s'/>\n", on ? "require" : "disable", name);
    }
    return 0;
}

/* A domain name or path that goes into the XML as it is: no markup or
 * control characters. */
static int xml_plain(const char *what, const char *text, struct vt_err *err)
{
    for (const char *p = text; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return vt_err_set(err, -EINVAL, "the %s holds a control character", what);
        if (strchr("<>&'\"", *p))
            return vt_err_set(err, -EINVAL,
                              "the %s holds '%c'; vtopo puts no XML markup characters (<>&'\") "
                              "into the domain",
                              what, *p);
    }
    return 0;
}

static void numatune(struct buf *b, const struct vt_layout *l)
{
    bool any = false;

    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        if (vn->pnode < 0)
            continue;
        if (!any)
            buf_printf(b, "<numatune>\n");
        any = true;
        buf_printf(b, "  <memnode cellid='%zu' mode='strict' nodeset='%d'/>\n", v, vn->pnode);
    }
    if (any)
        buf_printf(b, "</numatune>\n");
}

static int warnings_of(const struct vt_layout *l, const struct vt_libvirt_opts *o,
                       struct vt_strlist *w)
{
    int rc = vmm_warn_llc_per_die(l, "QEMU (under libvirt)", w) | vmm_warn_machine_cpus(l, w);

    if (vmm_max_apic_id(l) > VT_XAPIC_MAX_ID)
        rc |=
            strlist_addf(w,
                         "APIC IDs up to %" PRIu32 " need x2APIC: the domain %s <features><ioapic "
                         "driver='qemu'/></features> and <iommu model='intel'><driver "
                         "intremap='on' eim='on'/></iommu>, which QEMU supports under KVM "
                         "only",
                         vmm_max_apic_id(l), o->domain ? "has" : "needs");
    for (size_t i = 0; emulator_cpus(l, o) && i < vt_layout_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        if (c->pcpu >= 0 && vt_bitmap_isset(emulator_cpus(l, o), (unsigned)c->pcpu)) {
            rc |= strlist_addf(w,
                               "host CPU %d runs vCPU %u and QEMU's emulator threads "
                               "(<emulatorpin>): they take time from the vCPU",
                               c->pcpu, c->vcpu);
            break;
        }
    }
    if (vt_layout_expander_count(l) && !o->domain) {
        size_t ports = 0;

        for (size_t k = 0; k < vt_layout_expander_count(l); k++)
            ports += vt_layout_expander(l, k)->ports;
        rc |= strlist_addf(w,
                           "the <devices> go into the domain's own; their PCI controller "
                           "indexes 1-%zu must be free there (renumber the domain's, or these "
                           "and the <address bus=> that name them)",
                           vt_layout_expander_count(l) + ports);
    }
    for (size_t i = 0; i < vt_layout_device_count(l); i++)
        if (vt_layout_device(l, i)->model == VT_DEVICE_VIRTIO_BLK) {
            char name[VMM_DEVICE_NAME_MAX];

            vmm_device_name(vt_layout_device(l, i), name);
            rc |= strlist_addf(w,
                               "the virtio-blk disk of device %s is "
                               "/var/lib/libvirt/images/vt_drv_%s.img: point <source file=> at "
                               "the real image",
                               vt_layout_device(l, i)->host_bdf, name);
        }
    return rc ? -ENOMEM : 0;
}

/* The whole domain around the fragment: its lines indented by two. */
/* The expanders (pcie-expander-bus with the vnode's <node>), their root
 * ports and the devices on them, each line indented by indent. Controller
 * indexes: the expanders from 1 in vnode order, then the root ports;
 * libvirt matches an <address bus=> to a controller's index, the guest's
 * bus numbers come from busNr and the firmware's walk, as with QEMU. */
/* The target name of the n-th virtio disk (from 0): vdb, vdc, ... vdz,
 * vdaa, ... as Linux names them; vda is left to the domain's boot disk. */
static void virtio_disk_name(size_t n, char *buf, size_t size)
{
    char letters[8];
    size_t k = sizeof(letters) - 1, i = n + 1;

    letters[k] = '\0';
    do {
        letters[--k] = (char)('a' + i % 26);
        i = i / 26;
    } while (i-- > 0 && k > 0);
    snprintf(buf, size, "vd%s", letters + k);
}

static void pci_devices(struct buf *b, const struct vt_layout *l, const char *indent)
{
    size_t ne = vt_layout_expander_count(l), port_index = ne + 1, disks = 0;

    for (size_t k = 0; k < ne; k++) {
        const struct vt_pci_expander *e = vt_layout_expander(l, k);

        buf_printf(b,
                   "%s<controller type='pci' index='%zu' model='pcie-expander-bus'>\n"
                   "%s  <target busNr='%u'>\n%s    <node>%u</node>\n%s  </target>\n"
                   "%s</controller>\n",
                   indent, k + 1, indent, e->bus_nr, indent, e->vnode, indent, indent);
    }
    for (size_t k = 0; k < ne; k++) {
        const struct vt_pci_expander *e = vt_layout_expander(l, k);

        for (unsigned p = 0; p < e->ports; p++)
            buf_printf(b,
                       "%s<controller type='pci' index='%zu' model='pcie-root-port'>\n"
                       "%s  <address type='pci' domain='0x0000' bus='0x%02zx' slot='0x%02x' "
                       "function='0x0'/>\n%s</controller>\n",
                       indent, port_index++, indent, k + 1, p, indent);
    }
    for (size_t i = 0; i < vt_layout_device_count(l); i++) {
        const struct vt_device *d = vt_layout_device(l, i);
        size_t k = 0, index = ne + 1;
        char addr[128], name[VMM_DEVICE_NAME_MAX], disk[16];

        vmm_device_name(d, name);
        while (vt_layout_expander(l, k)->vnode != d->vnode)
            index += vt_layout_expander(l, k++)->ports;
        snprintf(addr, sizeof(addr),
                 "<address type='pci' domain='0x0000' bus='0x%02zx' slot='0x00' function='0x0'/>",
                 index + d->slot);
        switch (d->model) {
        case VT_DEVICE_VFIO: {
            uint32_t dom = 0;
            uint8_t bus = 0, dev = 0, fn = 0;

            parse_bdf(d->host_bdf, &dom, &bus, &dev, &fn); /* the host's own address */
            buf_printf(b,
                       "%s<hostdev mode='subsystem' type='pci' managed='yes'>\n"
                       "%s  <source>\n%s    <address domain='0x%04" PRIx32 "' bus='0x%02x' "
                       "slot='0x%02x' function='0x%x'/>\n%s  </source>\n%s  %s\n%s</hostdev>\n",
                       indent, indent, indent, dom, bus, dev, fn, indent, indent, addr, indent);
            break;
        }
        case VT_DEVICE_VIRTIO_NET:
            buf_printf(b,
                       "%s<interface type='network'>\n%s  <source network='default'/>\n"
                       "%s  <model type='virtio'/>\n",
                       indent, indent, indent);
            if (d->queues)
                buf_printf(b, "%s  <driver name='vhost' queues='%u'/>\n", indent, d->queues);
            buf_printf(b, "%s  %s\n%s</interface>\n", indent, addr, indent);
            break;
        case VT_DEVICE_VIRTIO_BLK:
            virtio_disk_name(disks++, disk, sizeof(disk));
            buf_printf(b,
                       "%s<disk type='file' device='disk'>\n"
                       "%s  <driver name='qemu' type='raw'/>\n"
                       "%s  <source file='/var/lib/libvirt/images/vt_drv_%s.img'/>\n"
                       "%s  <target dev='%s' bus='virtio'/>\n%s  %s\n%s</disk>\n",
                       indent, indent, indent, name, indent, disk, indent, addr, indent);
            break;
        case VT_DEVICE_NVME:
            break; /* refused by check_devices */
        }
    }
}

/* What libvirt 9.0 cannot write of the plan's devices. */
static int check_devices(const struct vt_layout *l, struct vt_err *err)
{
    for (size_t i = 0; i < vt_layout_device_count(l); i++) {
        const struct vt_device *d = vt_layout_device(l, i);

        if (d->model == VT_DEVICE_NVME)
            return vt_err_set(err, -EINVAL,
                              "libvirt 9.0 has no emulated NVMe controller, so device %s cannot "
                              "be model=nvme (%s %s with model vfio, virtio-net or virtio-blk)",
                              d->host_bdf, F(VT_FIELD_DEVICES), d->host_bdf);
        if (d->model == VT_DEVICE_VIRTIO_BLK && d->queues)
            return vt_err_set(err, -EINVAL,
                              "device %s: the libvirt disk vtopo writes has no queues= (leave "
                              "queues out of %s %s)",
                              d->host_bdf, F(VT_FIELD_DEVICES), d->host_bdf);
    }
    return 0;
}

static void domain(struct buf *b, const struct vt_layout *l, const struct vt_libvirt_opts *o,
                   const char *fragment)
{
    bool x2apic = vmm_max_apic_id(l) > VT_XAPIC_MAX_ID;

    buf_printf(b, "<domain type='kvm'>\n  <name>%s</name>\n", o->name ? o->name : "vtopo-guest");
    /* The fragment's <devices> go into the domain's own. */
    for (const char *p = fragment; *p && strncmp(p, "<devices>", 9) != 0;) {
        size_t n = strcspn(p, "\n");

        buf_printf(b, "  %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    buf_printf(b,
               "  <os>\n    <type arch='x86_64' machine='%s'>hvm</type>\n  </os>\n"
               "  <features>\n    <acpi/>\n    <apic/>\n%s  </features>\n",
               vt_layout_mem_layout(l) == VT_MEM_QEMU_PC ? "pc" : "q35",
               x2apic ? "    <ioapic driver='qemu'/>\n" : "");
    buf_printf(b, "  <devices>\n    <emulator>%s</emulator>\n",
               o->emulator ? o->emulator : "/usr/bin/qemu-system-x86_64");
    if (x2apic)
        buf_printf(b, "    <iommu model='intel'>\n      <driver intremap='on' eim='on'/>\n"
                      "    </iommu>\n");
    pci_devices(b, l, "    ");
    buf_printf(b, "    <serial type='pty'/>\n    <console type='pty'/>\n  </devices>\n"
                  "</domain>\n");
}

int vt_emit_libvirt(const struct vt_layout *l, const struct vt_libvirt_opts *o, char **xml,
                    struct vt_strlist *warnings, struct vt_err *err)
{
    static const struct vt_libvirt_opts defaults = {.domain = false};
    const struct vt_shape *s = vt_layout_shape(l);
    const char *model;
    unsigned *slot_vnode = NULL;
    struct buf b, d;
    int rc;

    if (!o)
        o = &defaults;
    model = o->cpu_model && *o->cpu_model ? o->cpu_model : "max";
    if ((rc = vmm_cpu_model_check(model, err)) < 0 || (rc = check_layout(l, err)) < 0 ||
        (rc = check_devices(l, err)) < 0 || (rc = vmm_check_backing(l, &o->backing, err)) < 0)
        return rc;
    if (o->domain && o->name && (!*o->name || strchr(o->name, '/')))
        return vt_err_set(err, -EINVAL,
                          "the domain name '%s' is not one libvirt takes (not empty, no '/')",
                          o->name);
    if (o->domain && o->emulator && *o->emulator != '/')
        return vt_err_set(err, -EINVAL, "the emulator '%s' is not an absolute path", o->emulator);
    if (o->domain && ((o->name && (rc = xml_plain("domain name", o->name, err)) < 0) ||
                      (o->emulator && (rc = xml_plain("emulator path", o->emulator, err)) < 0)))
        return rc;
    if (!(slot_vnode = vmm_slot_vnodes(l)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    buf_init(&b);
    if (o->domain)
        buf_printf(&b,
                   "<!-- vtopo emit libvirt, a whole domain: %zu vCPU%s, %" PRIu64
                   " MiB, %zu vnode%s (docs/vmm-config.md).\n"
                   "     Add the disks and NICs; the plan's CPUID leaves are those of an %s "
                   "CPU. -->\n",
                   vt_layout_vcpu_count(l), vt_layout_vcpu_count(l) == 1 ? "" : "s",
                   vt_layout_memory(l) >> 20, vt_layout_vnode_count(l),
                   vt_layout_vnode_count(l) == 1 ? "" : "s", vt_vendor_name(vt_layout_vendor(l)));
    else
        buf_printf(&b,
                   "<!-- vtopo emit libvirt: %zu vCPU%s, %" PRIu64
                   " MiB, %zu vnode%s (docs/vmm-config.md).\n"
                   "     The domain needs <os><type machine='%s'>hvm</type></os> and "
                   "<features><acpi/></features>;\n"
                   "     the plan's CPUID leaves are those of an %s CPU. -->\n",
                   vt_layout_vcpu_count(l), vt_layout_vcpu_count(l) == 1 ? "" : "s",
                   vt_layout_memory(l) >> 20, vt_layout_vnode_count(l),
                   vt_layout_vnode_count(l) == 1 ? "" : "s",
                   vt_layout_mem_layout(l) == VT_MEM_QEMU_PC ? "pc" : "q35",
                   vt_vendor_name(vt_layout_vendor(l)));
    buf_printf(&b, "<memory unit='MiB'>%" PRIu64 "</memory>\n", vt_layout_memory(l) >> 20);
    memory_backing(&b, &o->backing);
    vcpus(&b, l);
    rc = cputune(&b, l, o);
    numatune(&b, l);
    if (rc == 0)
        rc = cpu_open(&b, l, model, err);
    if (rc == 0) {
        buf_printf(&b, "  <topology sockets='%u' dies='%u' cores='%u' threads='%u'/>\n", s->sockets,
                   s->dies, s->cores, s->threads);
        rc = cells(&b, l, slot_vnode);
        buf_printf(&b, "</cpu>\n");
    }
    if (rc == 0 && vt_layout_expander_count(l)) {
        buf_printf(&b, "<devices>\n");
        pci_devices(&b, l, "  ");
        buf_printf(&b, "</devices>\n");
    }
    buf_append(&b, "", 1);
    free(slot_vnode);
    if (rc == -EINVAL) {
        buf_free(&b);
        return rc;
    }
    if (rc == 0 && !b.oom && o->domain) {
        buf_init(&d);
        domain(&d, l, o, (const char *)b.data);
        buf_append(&d, "", 1);
        buf_free(&b);
        b = d;
    }
    if (rc == 0 && !b.oom && warnings)
        rc = warnings_of(l, o, warnings);
    if (rc < 0 || b.oom) {
        buf_free(&b);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *xml = (char *)b.data;
    return 0;
}
