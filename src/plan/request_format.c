/* vt_request_format: a request back in the text grammar of its parsers
 * (request_parse.c), one shell line of "FIELD VALUE" words, so that parsing
 * it again gives the same request. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "plan/request_internal.h"
#include "util/bytes.h"

#define F(f) request_name(r, f)

/* A size as the parsers take it: the largest binary unit that divides it. */
static void size_text(struct buf *b, uint64_t bytes)
{
    static const char units[] = "TGMK";

    for (int i = 0; bytes && i < 4; i++) {
        unsigned shift = 40u - 10u * (unsigned)i;

        if (bytes % (UINT64_C(1) << shift) == 0) {
            buf_printf(b, "%" PRIu64 "%c", bytes >> shift, units[i]);
            return;
        }
    }
    buf_printf(b, "%" PRIu64, bytes); /* 0, or bytes (never a request's) */
}

/* " NAME" and, when value is not NULL, " VALUE": quoted for the shell unless
 * every byte is one the shell leaves alone. */
static void word(struct buf *b, const char *name, const char *value)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                ",.:=@_/+-";

    buf_printf(b, "%s%s", b->len ? " " : "", name);
    if (!value)
        return;
    if (*value && value[strspn(value, plain)] == '\0') {
        buf_printf(b, " %s", value);
        return;
    }
    buf_printf(b, " '");
    for (const char *p = value; *p; p++)
        if (*p == '\'')
            buf_printf(b, "'\\''");
        else
            buf_printf(b, "%c", *p);
    buf_printf(b, "'");
}

/* A field whose value another buffer built. */
static void field(struct buf *b, const struct vt_request *r, enum vt_request_field f, struct buf *v)
{
    buf_append(v, "", 1);
    if (v->oom)
        b->oom = true;
    else
        word(b, F(f), (const char *)v->data);
    buf_free(v);
    buf_init(v);
}

/* vCPU runs of a map (vcpu -> value, -1 none): "0-3:0-3" when the values
 * step with the vCPUs (step 1: pins) or stay (step 0: vnodes). */
static void runs(struct buf *v, const int *map, size_t n, int step)
{
    bool first = true;

    for (size_t i = 0; i < n; i++) {
        size_t last = i;

        if (map[i] < 0)
            continue;
        while (last + 1 < n && map[last + 1] >= 0 && map[last + 1] == map[last] + step)
            last++;
        if (last == i)
            buf_printf(v, "%s%zu:%d", first ? "" : ",", i, map[i]);
        else if (step)
            buf_printf(v, "%s%zu-%zu:%d-%d", first ? "" : ",", i, last, map[i], map[last]);
        else
            buf_printf(v, "%s%zu-%zu:%d", first ? "" : ",", i, last, map[i]);
        first = false;
        i = last;
    }
}

static void cpu_list(struct buf *v, const struct vt_bitmap *b)
{
    char *list = vt_bitmap_format_list(b);

    if (!list)
        v->oom = true;
    else
        buf_printf(v, "%s", list);
    free(list);
}

static void matrix(struct buf *b, const struct vt_request *r, enum vt_request_field f,
                   const struct request_matrix *m, struct buf *v)
{
    if (!m->rows)
        return;
    for (size_t i = 0; i < m->rows; i++)
        for (size_t j = 0; j < m->cols; j++)
            buf_printf(v, "%s%" PRIu32, j ? "," : i ? ";" : "", m->values[i * m->cols + j]);
    field(b, r, f, v);
}

static void bdf(struct buf *v, uint16_t segment, uint8_t bus, uint8_t devfn)
{
    buf_printf(v, "%04x:%02x:%02x.%x", segment, bus, devfn >> 3, devfn & 7);
}

int vt_request_format(const struct vt_request *r, char **text, struct vt_err *err)
{
    struct buf b, v;

    buf_init(&b);
    buf_init(&v);
    if (r->vcpus) {
        buf_printf(&v, "%u", r->vcpus);
        field(&b, r, VT_FIELD_VCPUS, &v);
    }
    if (r->max_vcpus) {
        buf_printf(&v, "%u", r->max_vcpus);
        field(&b, r, VT_FIELD_MAX_VCPUS, &v);
    }
    if (r->memory) {
        size_text(&v, r->memory);
        field(&b, r, VT_FIELD_MEMORY, &v);
    }
    switch (r->placement) {
    case PLACE_VNODES:
        buf_printf(&v, "%u", r->vnodes);
        field(&b, r, VT_FIELD_VNODES, &v);
        break;
    case PLACE_VCPU_NODES:
        runs(&v, r->vcpu_vnode, r->nvcpu_vnode, 0);
        field(&b, r, VT_FIELD_VCPU_VNODES, &v);
        break;
    case PLACE_PIN:
        runs(&v, r->vcpu_pcpu, r->nvcpu_pcpu, 1);
        field(&b, r, VT_FIELD_PINS, &v);
        break;
    case PLACE_PIN_IDENTITY:
        word(&b, F(VT_FIELD_PIN_IDENTITY), NULL);
        break;
    default:
        break;
    }
    for (size_t i = 0; i < r->nvnode_pnode; i++)
        buf_printf(&v, "%s%d", i ? "," : "", r->vnode_pnode[i]);
    if (r->nvnode_pnode)
        field(&b, r, VT_FIELD_VNODE_PNODES, &v);
    for (size_t i = 0; i < r->nvnode_memory; i++) {
        buf_printf(&v, "%s", i ? "," : "");
        size_text(&v, r->vnode_memory[i]);
    }
    if (r->nvnode_memory)
        field(&b, r, VT_FIELD_VNODE_MEMORY, &v);
    if (r->have_shape) {
        const unsigned parts[] = {r->shape.sockets, r->shape.dies, r->shape.cores,
                                  r->shape.threads};
        const char *names[] = {"sockets", "dies", "cores", "threads"};
        bool first = true;

        for (int i = 0; i < 4; i++)
            if (parts[i]) {
                buf_printf(&v, "%s%s=%u", first ? "" : ",", names[i], parts[i]);
                first = false;
            }
        if (!first)
            field(&b, r, VT_FIELD_SHAPE, &v);
    }
    if (r->have_vendor) {
        buf_printf(&v, "%s", vt_vendor_name(r->vendor));
        field(&b, r, VT_FIELD_VENDOR, &v);
    }
    if (r->apic != VT_APIC_SDM) {
        buf_printf(&v, "%s", vt_apic_encoding_name(r->apic));
        field(&b, r, VT_FIELD_APIC, &v);
    }
    if (r->mem_layout == VT_MEM_E820)
        buf_printf(&v, "e820:%s", r->e820_path);
    else if (r->mem_layout != VT_MEM_FLAT)
        buf_printf(&v, "%s", vt_mem_layout_name(r->mem_layout));
    if (r->mem_layout != VT_MEM_FLAT)
        field(&b, r, VT_FIELD_MEM_LAYOUT, &v);
    if (r->allow_package_span)
        word(&b, F(VT_FIELD_ALLOW_PACKAGE_SPAN), NULL);
    for (size_t i = 0; i < r->nvnode_guest_pxm; i++)
        buf_printf(&v, "%s%" PRIu32, i ? "," : "", r->vnode_guest_pxm[i]);
    if (r->nvnode_guest_pxm)
        field(&b, r, VT_FIELD_GUEST_PXMS, &v);
    matrix(&b, r, VT_FIELD_DISTANCES, &r->distances, &v);
    matrix(&b, r, VT_FIELD_HMAT_LATENCY, &r->hmat_latency, &v);
    matrix(&b, r, VT_FIELD_HMAT_BANDWIDTH, &r->hmat_bandwidth, &v);
    for (size_t i = 0; i < r->ninitiators; i++) {
        buf_printf(&v, "%s", i ? "," : "");
        bdf(&v, r->initiators[i].segment, r->initiators[i].bus, r->initiators[i].devfn);
        buf_printf(&v, "@%u", r->initiators[i].vnode);
    }
    if (r->ninitiators)
        field(&b, r, VT_FIELD_INITIATORS, &v);
    for (size_t i = 0; i < r->nhotplug; i++) {
        buf_printf(&v, "%s", i ? "," : "");
        size_text(&v, r->hotplug[i].bytes);
        buf_printf(&v, "@%u", r->hotplug[i].vnode);
    }
    if (r->nhotplug)
        field(&b, r, VT_FIELD_HOTPLUG_MEMORY, &v);
    for (size_t i = 0; i < r->ndevices; i++) { /* one field each */
        const struct request_device *d = &r->devices[i];

        buf_printf(&v, "%s", d->bdf);
        if (d->vnode >= 0)
            buf_printf(&v, "@%d", d->vnode);
        if (d->model != VT_DEVICE_VFIO)
            buf_printf(&v, ",model=%s", vt_device_model_name(d->model));
        if (d->queues)
            buf_printf(&v, ",queues=%u", d->queues);
        if (d->slot >= 0)
            buf_printf(&v, ",slot=%d", d->slot);
        field(&b, r, VT_FIELD_DEVICES, &v);
    }
    for (size_t i = 0; i < r->nspare_slots; i++)
        buf_printf(&v, "%s%u", i ? "," : "", r->spare_slots[i]);
    if (r->nspare_slots)
        field(&b, r, VT_FIELD_SPARE_SLOTS, &v);
    if (r->strict_devices)
        word(&b, F(VT_FIELD_STRICT_DEVICES), NULL);
    for (size_t i = 0; i < r->nvnode_cpus; i++) {
        buf_printf(&v, "%s", i ? ";" : "");
        if (r->vnode_cpus[i])
            cpu_list(&v, r->vnode_cpus[i]);
        else
            buf_printf(&v, "any");
    }
    if (r->nvnode_cpus)
        field(&b, r, VT_FIELD_VNODE_CPUS, &v);
    if (r->emulator_mode == VT_EMULATOR_LIST)
        cpu_list(&v, r->emulator_cpus);
    else if (r->emulator_mode != VT_EMULATOR_DEFAULT)
        buf_printf(&v, "%s", r->emulator_mode == VT_EMULATOR_AUTO ? "auto" : "none");
    if (r->emulator_mode != VT_EMULATOR_DEFAULT)
        field(&b, r, VT_FIELD_EMULATOR_CPUS, &v);
    buf_append(&b, "", 1);
    buf_free(&v);
    if (b.oom) {
        buf_free(&b);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *text = (char *)b.data;
    return 0;
}
