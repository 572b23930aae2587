/* The layout as JSON (docs/plan-format.md), streamed into a buffer: a large
 * plan (8192 vCPUs with all their CPUID leaves) stays a few MiB. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/acpi_file.h"
#include "emit/plan_json.h"
#include "format/e820.h"
#include "plan/request_internal.h"
#include "util/file.h"
#include "util/bytes.h"
#include "vtopo/acpi.h"
#include "vtopo/cpuid.h"
#include "vtopo/emit.h"
#include "vtopo/vmm.h"

#define PLAN_FORMAT         "vtopo-plan"
#define PLAN_FORMAT_VERSION 2

static void json_list(struct buf *b, const struct vt_bitmap *set)
{
    char *s = vt_bitmap_format_list(set);

    if (!s) {
        b->oom = true;
        return;
    }
    buf_json_string(b, s);
    free(s);
}

/* The present vCPUs ("vcpus") or the hot-pluggable ones ("hotplug_vcpus"). */
static void vcpus_json(struct buf *b, const struct vt_layout *l, bool hotplug)
{
    size_t n = hotplug ? vt_layout_hotplug_vcpu_count(l) : vt_layout_vcpu_count(l);

    buf_printf(b, "  \"%s\": [%s", hotplug ? "hotplug_vcpus" : "vcpus", n ? "\n" : "");
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = hotplug ? vt_layout_hotplug_vcpu(l, i) : vt_layout_vcpu(l, i);

        long slot = vt_layout_vmm_slot(l, c->vcpu);

        buf_printf(b,
                   "    {\"vcpu\": %u, \"apic_id\": %u, \"vnode\": %u, \"package\": %u, "
                   "\"die\": %u, \"core\": %u, \"thread\": %u, \"slot\": ",
                   c->vcpu, c->apic_id, c->vnode, c->package, c->die, c->core, c->thread);
        if (slot >= 0)
            buf_printf(b, "%ld, \"pcpu\": ", slot);
        else
            buf_printf(b, "null, \"pcpu\": ");
        if (c->pcpu >= 0)
            buf_printf(b, "%d}", c->pcpu);
        else
            buf_printf(b, "null}");
        buf_printf(b, "%s\n", i + 1 < n ? "," : "");
    }
    buf_printf(b, "%s],\n", n ? "  " : "");
}

static void vnodes_json(struct buf *b, const struct vt_layout *l)
{
    size_t n = vt_layout_vnode_count(l);

    buf_printf(b, "  \"vnodes\": [\n");
    for (size_t i = 0; i < n; i++) {
        const struct vt_vnode *v = vt_layout_vnode(l, i);

        buf_printf(b, "    {\"vnode\": %u, \"guest_pxm\": %" PRIu32 ", \"linux_node\": ", v->vnode,
                   v->guest_pxm);
        if (v->linux_node >= 0)
            buf_printf(b, "%d", v->linux_node);
        else
            buf_printf(b, "null");
        buf_printf(b, ", \"pnode\": ");
        if (v->pnode >= 0)
            buf_printf(b, "%d", v->pnode);
        else
            buf_printf(b, "null");
        buf_printf(b, ", \"host_pxm\": ");
        if (v->host_pxm != VT_PXM_UNKNOWN)
            buf_printf(b, "%" PRIu32, v->host_pxm);
        else
            buf_printf(b, "null");
        buf_printf(b, ", \"cpus\": ");
        json_list(b, v->vcpus);
        buf_printf(b, ", \"memory_bytes\": %" PRIu64 ", \"ranges\": [", v->memory_bytes);
        for (size_t r = 0; r < v->nranges; r++)
            buf_printf(b, "%s{\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\"}",
                       r ? ", " : "", v->ranges[r].start, v->ranges[r].end);
        buf_printf(b, "], \"hotplug_cpus\": ");
        json_list(b, v->hotplug_vcpus);
        buf_printf(b, ", \"hotplug_memory_bytes\": %" PRIu64 ", \"generic_initiators\": %zu",
                   v->hotplug_memory_bytes, v->ninitiators);
        buf_printf(b, ", \"float_cpus\": ");
        if (v->float_cpus)
            json_list(b, v->float_cpus);
        else
            buf_printf(b, "null");
        buf_printf(b, "}%s\n", i + 1 < n ? "," : "");
    }
    buf_printf(b, "  ],\n");
}

/* Generic initiators (in the order given) and hot-pluggable memory ranges
 * (in address order). */
static void devices_json(struct buf *b, const struct vt_layout *l)
{
    size_t ngi = vt_layout_initiator_count(l), nhot = vt_layout_hotplug_memory_count(l);

    buf_printf(b, "  \"initiators\": [%s", ngi ? "\n" : "");
    for (size_t i = 0; i < ngi; i++) {
        const struct vt_initiator *gi = vt_layout_initiator(l, i);

        buf_printf(b,
                   "    {\"device\": \"%04x:%02x:%02x.%x\", \"segment\": %u, \"bus\": %u, "
                   "\"devfn\": %u, \"vnode\": %u}%s\n",
                   gi->segment, gi->bus, gi->devfn >> 3, gi->devfn & 7, gi->segment, gi->bus,
                   gi->devfn, gi->vnode, i + 1 < ngi ? "," : "");
    }
    buf_printf(b, "%s],\n  \"hotplug_memory\": [%s", ngi ? "  " : "", nhot ? "\n" : "");
    for (size_t i = 0; i < nhot; i++) {
        const struct vt_hotplug_memory *h = vt_layout_hotplug_memory(l, i);

        buf_printf(
            b, "    {\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\", \"vnode\": %u}%s\n",
            h->start, h->end, h->vnode, i + 1 < nhot ? "," : "");
    }
    buf_printf(b, "%s],\n", nhot ? "  " : "");
}

/* PCI devices (in the order requested) and the vnodes' expander buses. */
static void pci_json(struct buf *b, const struct vt_layout *l)
{
    size_t nd = vt_layout_device_count(l), ne = vt_layout_expander_count(l);

    buf_printf(b, "  \"devices\": [%s", nd ? "\n" : "");
    for (size_t i = 0; i < nd; i++) {
        const struct vt_device *d = vt_layout_device(l, i);

        buf_printf(b,
                   "    {\"host_bdf\": \"%s\", \"guest_bdf\": \"%s\", \"root_port\": \"%s\", "
                   "\"vnode\": %u, \"guest_pxm\": %u, \"linux_node\": %d, ",
                   d->host_bdf, d->guest_bdf, d->root_port_bdf, d->vnode, d->guest_pxm,
                   d->linux_node);
        if (d->pnode >= 0)
            buf_printf(b, "\"pnode\": %d, ", d->pnode);
        else
            buf_printf(b, "\"pnode\": null, ");
        if (d->distance)
            buf_printf(b, "\"distance\": %u, ", d->distance);
        else
            buf_printf(b, "\"distance\": null, ");
        buf_printf(b, "\"model\": \"%s\", ", vt_device_model_name(d->model));
        if (d->queues)
            buf_printf(b, "\"queues\": %u, ", d->queues);
        buf_printf(b, "\"slot\": %u}%s\n", d->slot, i + 1 < nd ? "," : "");
    }
    buf_printf(b, "%s],\n  \"pci_expanders\": [%s", nd ? "  " : "", ne ? "\n" : "");
    for (size_t i = 0; i < ne; i++) {
        const struct vt_pci_expander *e = vt_layout_expander(l, i);

        buf_printf(b, "    {\"vnode\": %u, \"bus_nr\": %u, \"ports\": %u, \"segment\": %u}%s\n",
                   e->vnode, e->bus_nr, e->ports, e->segment, i + 1 < ne ? "," : "");
    }
    buf_printf(b, "%s],\n", ne ? "  " : "");
}

static void distances_json(struct buf *b, const struct vt_layout *l)
{
    size_t n = vt_layout_vnode_count(l);

    buf_printf(b, "  \"distances\": [\n");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "    [");
        for (size_t j = 0; j < n; j++)
            buf_printf(b, "%s%u", j ? ", " : "", vt_layout_distance(l, (unsigned)i, (unsigned)j));
        buf_printf(b, "]%s\n", i + 1 < n ? "," : "");
    }
    buf_printf(b, "  ],\n");
}

/* One HMAT matrix: a row per initiator vnode, a column per target vnode. */
static void hmat_matrix_json(struct buf *b, const struct vt_layout *l, const char *key,
                             uint32_t (*value)(const struct vt_layout *, unsigned, unsigned),
                             const char *after)
{
    size_t n = vt_layout_vnode_count(l);
    bool first_row = true;

    buf_printf(b, "    \"%s\": [", key);
    for (size_t i = 0; i < n; i++) {
        bool first = true;

        if (!vt_layout_hmat_is_initiator(l, (unsigned)i))
            continue;
        buf_printf(b, "%s\n      [", first_row ? "" : ",");
        first_row = false;
        for (size_t t = 0; t < n; t++) {
            if (!vt_layout_hmat_is_target(l, (unsigned)t))
                continue;
            buf_printf(b, "%s%u", first ? "" : ", ", value(l, (unsigned)i, (unsigned)t));
            first = false;
        }
        buf_printf(b, "]");
    }
    buf_printf(b, "\n    ]%s\n", after);
}

/* The HMAT's initiators (vnodes with vCPUs or generic initiators), targets
 * (vnodes with memory, hot-pluggable included) and the latency and bandwidth
 * between them. */
static void hmat_json(struct buf *b, const struct vt_layout *l)
{
    size_t n = vt_layout_vnode_count(l);
    bool first = true;

    buf_printf(b, "  \"hmat\": {\n    \"initiators\": [");
    for (size_t v = 0; v < n; v++)
        if (vt_layout_hmat_is_initiator(l, (unsigned)v)) {
            buf_printf(b, "%s%zu", first ? "" : ", ", v);
            first = false;
        }
    buf_printf(b, "],\n    \"targets\": [");
    first = true;
    for (size_t v = 0; v < n; v++)
        if (vt_layout_hmat_is_target(l, (unsigned)v)) {
            buf_printf(b, "%s%zu", first ? "" : ", ", v);
            first = false;
        }
    buf_printf(b, "],\n");
    hmat_matrix_json(b, l, "latency_ns", vt_layout_hmat_latency, ",");
    hmat_matrix_json(b, l, "bandwidth_mbps", vt_layout_hmat_bandwidth, "");
    buf_printf(b, "  },\n");
}

static void memory_map_json(struct buf *b, const struct vt_layout *l)
{
    const struct vt_e820_entry *e;
    size_t n = vt_layout_memory_map(l, &e);

    buf_printf(b, "  \"memory_map\": [\n");
    for (size_t i = 0; i < n; i++) {
        buf_printf(b, "    {\"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\", \"type\": ",
                   e[i].start, e[i].end);
        char tbuf[32];

        buf_json_string(b, vt_e820_type_name(e[i].type, tbuf, sizeof(tbuf)));
        buf_printf(b, "}%s\n", i + 1 < n ? "," : "");
    }
    buf_printf(b, "  ],\n");
}

/* Every planned vCPU's leaves: the present ones, then the hot-pluggable. */
static int cpuid_json(struct buf *b, const struct vt_layout *l, struct vt_err *err)
{
    size_t n = vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l), cap = 0;
    struct vt_cpuid_leaf *leaves = NULL;

    buf_printf(b, "  \"cpuid\": [\n");
    for (size_t i = 0; i < n; i++) {
        size_t need = 0;
        long got = vt_layout_cpuid(l, (unsigned)i, NULL, 0, &need);

        if (got < 0) {
            free(leaves);
            return vt_err_set(err, (int)got, "CPUID of vCPU %zu could not be derived", i);
        }
        if (need > cap) {
            struct vt_cpuid_leaf *nl = realloc(leaves, need * sizeof(*nl));

            if (!nl) {
                free(leaves);
                return vt_err_set(err, -ENOMEM, "out of memory");
            }
            leaves = nl;
            cap = need;
        }
        got = vt_layout_cpuid(l, (unsigned)i, leaves, cap, &need);
        if (got < 0) {
            free(leaves);
            return vt_err_set(err, (int)got, "CPUID of vCPU %zu could not be derived", i);
        }
        buf_printf(b, "    {\"vcpu\": %zu, \"leaves\": [", i);
        for (long k = 0; k < got; k++) {
            const struct vt_cpuid_leaf *c = &leaves[k];

            buf_printf(b,
                       "%s[\"0x%08" PRIx32 "\", \"0x%" PRIx32 "\", \"0x%08" PRIx32
                       "\", \"0x%08" PRIx32 "\", \"0x%08" PRIx32 "\", \"0x%08" PRIx32 "\"]",
                       k ? ", " : "", c->leaf, c->subleaf, c->eax, c->ebx, c->ecx, c->edx);
        }
        buf_printf(b, "]}%s\n", i + 1 < n ? "," : "");
    }
    buf_printf(b, "  ]\n");
    free(leaves);
    return 0;
}

/* Render the JSON into b (a memory buffer or a sink). */
/* plan.json; host_section (may be NULL) is the "host" object of a plan
 * directory, which keeps the host beside the plan. */
static int render_json(const struct vt_layout *l, const char *host_section, struct buf *b,
                       struct vt_err *err)
{
    const struct vt_shape *s = vt_layout_shape(l);
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    int rc;

    buf_printf(b, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n", PLAN_FORMAT,
               PLAN_FORMAT_VERSION);
    if (host_section)
        buf_printf(b, "  \"host\": %s,\n", host_section);
    buf_printf(b, "  \"request\": ");
    request_to_json(vt_layout_request(l), b);
    buf_printf(b, ",\n");
    buf_printf(b, "  \"apic_encoding\": \"%s\",\n  \"vendor\": \"%s\",\n",
               vt_apic_encoding_name(vt_layout_apic_encoding(l)),
               vt_vendor_name(vt_layout_vendor(l)));
    buf_printf(b, "  \"shape\": {\"sockets\": %u, \"dies\": %u, \"cores\": %u, \"threads\": %u},\n",
               s->sockets, s->dies, s->cores, s->threads);
    buf_printf(b,
               "  \"apic_fields\": {\"core_shift\": %u, \"die_shift\": %u, \"pkg_shift\": %u, "
               "\"llc_shift\": %u},\n",
               f->core_shift, f->die_shift, f->pkg_shift, f->llc_shift);
    buf_printf(b, "  \"memory_bytes\": %" PRIu64 ",\n", vt_layout_memory(l));
    vcpus_json(b, l, false);
    vcpus_json(b, l, true);
    vnodes_json(b, l);
    buf_printf(b, "  \"emulator_cpus\": ");
    if (vt_layout_emulator_pin(l))
        json_list(b, vt_layout_emulator_pin(l));
    else
        buf_printf(b, "null");
    buf_printf(b, ",\n");
    devices_json(b, l);
    pci_json(b, l);
    distances_json(b, l);
    hmat_json(b, l);
    memory_map_json(b, l);
    buf_printf(b, "  \"warnings\": [");
    for (size_t i = 0; i < vt_layout_warning_count(l); i++) {
        buf_printf(b, "%s\n    ", i ? "," : "");
        buf_json_string(b, vt_layout_warning(l, i));
    }
    buf_printf(b, "%s],\n", vt_layout_warning_count(l) ? "\n  " : "");
    rc = cpuid_json(b, l, err);
    buf_printf(b, "}\n");
    return rc;
}

int vt_layout_to_json(const struct vt_layout *l, char **json, struct vt_err *err)
{
    struct buf b;
    int rc;

    *json = NULL;
    buf_init(&b);
    if ((rc = render_json(l, NULL, &b, err)) < 0) {
        buf_free(&b);
        return rc;
    }
    buf_append(&b, "", 1);
    if (b.oom) {
        buf_free(&b);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *json = (char *)b.data;
    return 0;
}

int vt_layout_e820_text(const struct vt_layout *l, char **text, struct vt_err *err)
{
    const struct vt_e820_entry *e;
    size_t n = vt_layout_memory_map(l, &e);

    if (e820_format(e, n, text) < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    return 0;
}

static int atomic_sink(void *ctx, const void *data, size_t len)
{
    return atomic_file_write(ctx, data, len, NULL);
}

static const char *const plan_files[] = {
    [VT_PLAN_FILE_CPUID] = "cpuid.txt",   [VT_PLAN_FILE_E820] = "e820.txt",
    [VT_PLAN_FILE_JSON] = "plan.json",    [VT_PLAN_FILE_SRAT] = ACPI_FILE_SRAT,
    [VT_PLAN_FILE_SLIT] = ACPI_FILE_SLIT, [VT_PLAN_FILE_MADT] = ACPI_FILE_MADT,
    [VT_PLAN_FILE_HMAT] = ACPI_FILE_HMAT, [VT_PLAN_FILE_HOST] = "host.json",
    [VT_PLAN_FILE_SSDT] = ACPI_FILE_SSDT, [VT_PLAN_FILE_COUNT] = NULL};

const char *vt_plan_file_of_table(const char *signature)
{
    return signature ? acpi_file_of_signature(signature) : NULL;
}

const char *vt_layout_file_name(size_t i)
{
    return i < sizeof(plan_files) / sizeof(plan_files[0]) ? plan_files[i] : NULL;
}

/* The host beside a plan: its document (host.json) and the "host" object
 * plan.json records. */
struct plan_host {
    char *json;    /* host.json, or NULL without a host */
    char *section; /* {"fingerprint": ..., "source": ..., "file": "host.json"} */
};

static void plan_host_free(struct plan_host *ph)
{
    free(ph->json);
    free(ph->section);
}

static int plan_host(const struct vt_host *h, struct plan_host *ph, struct vt_err *err)
{
    char fp[VT_HOST_FINGERPRINT_LEN + 1];
    struct buf b;
    int rc;

    memset(ph, 0, sizeof(*ph));
    if (!h)
        return 0;
    if ((rc = vt_host_to_json(h, &ph->json, err)) < 0 || (rc = vt_host_fingerprint(h, fp, err)) < 0)
        return rc;
    buf_init(&b);
    buf_printf(&b, "{\"fingerprint\": \"%s\", \"source\": ", fp);
    buf_json_string(&b, vt_host_description(h));
    buf_printf(&b, ", \"file\": \"%s\"}", vt_layout_file_name(VT_PLAN_FILE_HOST));
    buf_append(&b, "", 1);
    if (b.oom) {
        buf_free(&b);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    ph->section = (char *)b.data;
    return 0;
}

/* One file of the plan rendered into f (the JSON streams in 64 KiB pieces). */
static int render_file(const struct vt_layout *l, const struct plan_host *ph, size_t i,
                       struct atomic_file *f, struct vt_err *err)
{
    static int (*const tables[])(const struct vt_layout *, const struct vt_acpi_options *,
                                 uint8_t **, size_t *, struct vt_err *) = {
        vt_acpi_srat, vt_acpi_slit, vt_acpi_madt, vt_acpi_hmat};
    char *text = NULL;
    uint8_t *table;
    size_t tlen;
    int rc;

    switch (i) {
    case VT_PLAN_FILE_CPUID:
        if ((rc = vt_cpuid_format(l, &text)) < 0)
            return vt_err_set(err, rc, "out of memory");
        break;
    case VT_PLAN_FILE_E820:
        if ((rc = vt_layout_e820_text(l, &text, err)) < 0)
            return rc;
        break;
    case VT_PLAN_FILE_JSON: {
        struct buf b;

        buf_init_sink(&b, atomic_sink, f);
        rc = render_json(l, ph->section, &b, err);
        if (rc == 0 && (rc = buf_flush(&b)) < 0)
            vt_err_set(err, rc, "%s: cannot write", f->path);
        buf_free(&b);
        return rc;
    }
    case VT_PLAN_FILE_HOST:
        return atomic_file_write(f, ph->json, strlen(ph->json), err);
    case VT_PLAN_FILE_SSDT:
        if ((rc = vt_acpi_ssdt_pxm(l, NULL, &table, &tlen, err)) < 0)
            return rc;
        rc = atomic_file_write(f, table, tlen, err);
        free(table);
        return rc;
    default:
        if ((rc = tables[i - VT_PLAN_FILE_SRAT](l, NULL, &table, &tlen, err)) < 0)
            return rc;
        rc = atomic_file_write(f, table, tlen, err);
        free(table);
        return rc;
    }
    rc = atomic_file_write(f, text, strlen(text), err);
    free(text);
    return rc;
}

/* The files into dir: each replaced atomically, or with fresh (dir is a new
 * set's directory) created in place; host.json only with a host, ssdt.dat
 * only with PCI expanders. */
static int write_files(const struct vt_layout *l, const struct vt_host *h, const char *dir,
                       bool fresh, struct vt_err *err)
{
    struct plan_host ph;
    int rc;

    if ((rc = plan_host(h, &ph, err)) < 0) {
        plan_host_free(&ph);
        return rc;
    }
    for (size_t i = 0; plan_files[i] && rc == 0; i++) {
        char path[PATH_MAX];
        struct atomic_file f;

        if ((i == VT_PLAN_FILE_HOST && !ph.json) ||
            (i == VT_PLAN_FILE_SSDT && !vt_layout_expander_count(l)))
            continue;
        if ((rc = path_fmt(path, sizeof(path), err, "%s/%s", dir, plan_files[i])) < 0 ||
            (rc = (fresh ? atomic_file_begin_new : atomic_file_begin)(&f, path, err)) < 0)
            break;
        if ((rc = render_file(l, &ph, i, &f, err)) < 0 || (rc = atomic_file_commit(&f, err)) < 0)
            atomic_file_abort(&f);
    }
    plan_host_free(&ph);
    return rc;
}

int vt_layout_write_files(const struct vt_layout *l, const struct vt_host *h, const char *dir,
                          struct vt_err *err)
{
    return write_files(l, h, dir, false, err);
}

int plan_json_render(const struct vt_layout *l, const struct vt_host *h, char **json,
                     struct vt_err *err)
{
    struct plan_host ph;
    struct buf b;
    int rc;

    *json = NULL;
    if ((rc = plan_host(h, &ph, err)) < 0) {
        plan_host_free(&ph);
        return rc;
    }
    buf_init(&b);
    rc = render_json(l, ph.section, &b, err);
    plan_host_free(&ph);
    buf_append(&b, "", 1);
    if (rc == 0 && b.oom)
        rc = vt_err_set(err, -ENOMEM, "out of memory");
    if (rc < 0) {
        buf_free(&b);
        return rc;
    }
    *json = (char *)b.data;
    return 0;
}

int vt_layout_write_dir(const struct vt_layout *l, const struct vt_host *h, const char *dir,
                        struct vt_err *err)
{
    struct vt_dirset s;
    int rc;

    if ((rc = vt_dirset_begin(&s, dir, plan_files, err)) < 0)
        return rc;
    if ((rc = write_files(l, h, s.tmp, true, err)) < 0 || (rc = vt_dirset_commit(&s, err)) < 0) {
        vt_dirset_abort(&s);
        return rc;
    }
    return 0;
}
