/* A request as JSON and back (the "request" of plan.json,
 * docs/plan-format.md): the keys are the request fields' own names, the
 * values what their typed setters take. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "plan/request_internal.h"
#include "util/bytes.h"
#include "util/parse.h"

/* ---- writing ---------------------------------------------------------------- */

static const char *key(enum vt_request_field f)
{
    return vt_request_field_name(f);
}

static void ints(struct buf *b, enum vt_request_field f, const int *a, size_t n)
{
    buf_printf(b, ",\n    \"%s\": [", key(f));
    for (size_t i = 0; i < n; i++)
        buf_printf(b, "%s%d", i ? ", " : "", a[i]);
    buf_printf(b, "]");
}

static void matrix(struct buf *b, enum vt_request_field f, const struct request_matrix *m)
{
    if (!m->rows)
        return;
    buf_printf(b, ",\n    \"%s\": [", key(f));
    for (size_t i = 0; i < m->rows; i++) {
        buf_printf(b, "%s[", i ? ", " : "");
        for (size_t j = 0; j < m->cols; j++)
            buf_printf(b, "%s%" PRIu32, j ? ", " : "", m->values[i * m->cols + j]);
        buf_printf(b, "]");
    }
    buf_printf(b, "]");
}

/* A host CPU list as a string ("0-3,8"; NULL: "any"). */
static void cpu_list(struct buf *b, const char *sep, const struct vt_bitmap *cpus)
{
    char *list = cpus ? vt_bitmap_format_list(cpus) : NULL;

    if (cpus && !list)
        b->oom = true;
    buf_printf(b, "%s\"%s\"", sep, cpus ? (list ? list : "") : "any");
    free(list);
}

void request_to_json(const struct vt_request *r, struct buf *b)
{
    buf_printf(b, "{\n    \"%s\": %u", key(VT_FIELD_VCPUS), r->vcpus);
    if (r->max_vcpus)
        buf_printf(b, ",\n    \"%s\": %u", key(VT_FIELD_MAX_VCPUS), r->max_vcpus);
    if (r->memory)
        buf_printf(b, ",\n    \"%s\": %" PRIu64, key(VT_FIELD_MEMORY), r->memory);
    switch (r->placement) {
    case PLACE_VNODES:
        buf_printf(b, ",\n    \"%s\": %u", key(VT_FIELD_VNODES), r->vnodes);
        break;
    case PLACE_VCPU_NODES:
        ints(b, VT_FIELD_VCPU_VNODES, r->vcpu_vnode, r->nvcpu_vnode);
        break;
    case PLACE_PIN:
        ints(b, VT_FIELD_PINS, r->vcpu_pcpu, r->nvcpu_pcpu);
        break;
    case PLACE_PIN_IDENTITY:
        buf_printf(b, ",\n    \"%s\": true", key(VT_FIELD_PIN_IDENTITY));
        break;
    default:
        break;
    }
    if (r->vnode_pnode)
        ints(b, VT_FIELD_VNODE_PNODES, r->vnode_pnode, r->nvnode_pnode);
    if (r->vnode_memory) {
        buf_printf(b, ",\n    \"%s\": [", key(VT_FIELD_VNODE_MEMORY));
        for (size_t i = 0; i < r->nvnode_memory; i++)
            buf_printf(b, "%s%" PRIu64, i ? ", " : "", r->vnode_memory[i]);
        buf_printf(b, "]");
    }
    if (r->have_shape)
        buf_printf(
            b, ",\n    \"%s\": {\"sockets\": %u, \"dies\": %u, \"cores\": %u, \"threads\": %u}",
            key(VT_FIELD_SHAPE), r->shape.sockets, r->shape.dies, r->shape.cores, r->shape.threads);
    if (r->have_vendor)
        buf_printf(b, ",\n    \"%s\": \"%s\"", key(VT_FIELD_VENDOR), vt_vendor_name(r->vendor));
    buf_printf(b, ",\n    \"%s\": \"%s\"", key(VT_FIELD_APIC), vt_apic_encoding_name(r->apic));
    buf_printf(b, ",\n    \"%s\": \"%s\"", key(VT_FIELD_MEM_LAYOUT),
               vt_mem_layout_name(r->mem_layout));
    if (r->e820_path) {
        buf_printf(b, ",\n    \"e820_file\": ");
        buf_json_string(b, r->e820_path);
    }
    if (r->allow_package_span)
        buf_printf(b, ",\n    \"%s\": true", key(VT_FIELD_ALLOW_PACKAGE_SPAN));
    if (r->vnode_guest_pxm) {
        buf_printf(b, ",\n    \"%s\": [", key(VT_FIELD_GUEST_PXMS));
        for (size_t i = 0; i < r->nvnode_guest_pxm; i++)
            buf_printf(b, "%s%" PRIu32, i ? ", " : "", r->vnode_guest_pxm[i]);
        buf_printf(b, "]");
    }
    matrix(b, VT_FIELD_DISTANCES, &r->distances);
    matrix(b, VT_FIELD_HMAT_LATENCY, &r->hmat_latency);
    matrix(b, VT_FIELD_HMAT_BANDWIDTH, &r->hmat_bandwidth);
    if (r->ninitiators) {
        buf_printf(b, ",\n    \"%s\": [", key(VT_FIELD_INITIATORS));
        for (size_t i = 0; i < r->ninitiators; i++) {
            const struct request_initiator *gi = &r->initiators[i];

            buf_printf(b, "%s{\"bdf\": \"%04x:%02x:%02x.%x\", \"vnode\": %u}", i ? ", " : "",
                       gi->segment, gi->bus, gi->devfn >> 3, gi->devfn & 7, gi->vnode);
        }
        buf_printf(b, "]");
    }
    if (r->nhotplug) {
        buf_printf(b, ",\n    \"%s\": [", key(VT_FIELD_HOTPLUG_MEMORY));
        for (size_t i = 0; i < r->nhotplug; i++)
            buf_printf(b, "%s{\"bytes\": %" PRIu64 ", \"vnode\": %u}", i ? ", " : "",
                       r->hotplug[i].bytes, r->hotplug[i].vnode);
        buf_printf(b, "]");
    }
    if (r->ndevices) {
        buf_printf(b, ",\n    \"%s\": [", key(VT_FIELD_DEVICES));
        for (size_t i = 0; i < r->ndevices; i++) {
            const struct request_device *d = &r->devices[i];

            buf_printf(b, "%s{\"bdf\": \"%s\"", i ? ", " : "", d->bdf);
            if (d->vnode >= 0)
                buf_printf(b, ", \"vnode\": %d", d->vnode);
            buf_printf(b, ", \"model\": \"%s\"", vt_device_model_name(d->model));
            if (d->queues)
                buf_printf(b, ", \"queues\": %u", d->queues);
            if (d->slot >= 0)
                buf_printf(b, ", \"slot\": %d", d->slot);
            buf_printf(b, "}");
        }
        buf_printf(b, "]");
    }
    if (r->nspare_slots) {
        buf_printf(b, ",\n    \"%s\": [", key(VT_FIELD_SPARE_SLOTS));
        for (size_t i = 0; i < r->nspare_slots; i++)
            buf_printf(b, "%s%u", i ? ", " : "", r->spare_slots[i]);
        buf_printf(b, "]");
    }
    if (r->strict_devices)
        buf_printf(b, ",\n    \"%s\": true", key(VT_FIELD_STRICT_DEVICES));
    if (r->nvnode_cpus) {
        buf_printf(b, ",\n    \"%s\": [", key(VT_FIELD_VNODE_CPUS));
        for (size_t i = 0; i < r->nvnode_cpus; i++)
            cpu_list(b, i ? ", " : "", r->vnode_cpus[i]);
        buf_printf(b, "]");
    }
    if (r->emulator_mode == VT_EMULATOR_LIST) {
        buf_printf(b, ",\n    \"%s\": ", key(VT_FIELD_EMULATOR_CPUS));
        cpu_list(b, "", r->emulator_cpus);
    } else if (r->emulator_mode != VT_EMULATOR_DEFAULT) {
        buf_printf(b, ",\n    \"%s\": \"%s\"", key(VT_FIELD_EMULATOR_CPUS),
                   r->emulator_mode == VT_EMULATOR_AUTO ? "auto" : "none");
    }
    buf_printf(b, "\n  }");
}

/* ---- reading ---------------------------------------------------------------- */

struct reader {
    struct vt_request *r;
    const char *name; /* the file, for messages */
    struct vt_err *err;
};

static int bad(const struct reader *x, const char *k, const char *want)
{
    return vt_err_set(x->err, -EINVAL, "%s: request: \"%s\" must be %s", x->name, k, want);
}

static bool get_u64(struct json_object *v, uint64_t *out)
{
    int64_t i;

    if (!json_object_is_type(v, json_type_int))
        return false;
    i = json_object_get_int64(v);
    if (i < 0 && json_object_get_uint64(v) < (uint64_t)INT64_MAX)
        return false;
    *out = json_object_get_uint64(v);
    return true;
}

/* An array of n integers from lo to hi into a[] (room for max). */
static int int_array(const struct reader *x, const char *k, struct json_object *v, long long lo,
                     long long hi, long long *a, size_t max, size_t *n)
{
    size_t len;

    if (!json_object_is_type(v, json_type_array) || (len = json_object_array_length(v)) > max)
        return bad(x, k, "an array of numbers");
    for (size_t i = 0; i < len; i++) {
        struct json_object *e = json_object_array_get_idx(v, i);
        int64_t val;

        if (!json_object_is_type(e, json_type_int) || (val = json_object_get_int64(e)) < lo ||
            val > hi)
            return bad(x, k, "an array of numbers in range");
        a[i] = val;
    }
    *n = len;
    return 0;
}

static int read_matrix(const struct reader *x, const char *k, struct json_object *v,
                       int (*set)(struct vt_request *, const uint32_t *, size_t, size_t,
                                  struct vt_err *))
{
    size_t rows, cols = 0;
    uint32_t *m;
    int rc;

    if (!json_object_is_type(v, json_type_array) || (rows = json_object_array_length(v)) == 0 ||
        rows > VT_MAX_VNODES)
        return bad(x, k, "an array of rows");
    for (size_t i = 0; i < rows; i++) {
        struct json_object *row = json_object_array_get_idx(v, i);

        if (!json_object_is_type(row, json_type_array) ||
            (i ? json_object_array_length(row) != cols
               : ((cols = json_object_array_length(row)) == 0 || cols > VT_MAX_VNODES)))
            return bad(x, k, "an array of rows of one length");
    }
    if (!(m = malloc(rows * cols * sizeof(*m))))
        return vt_err_set(x->err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            uint64_t val;

            if (!get_u64(json_object_array_get_idx(json_object_array_get_idx(v, i), j), &val) ||
                val > UINT32_MAX) {
                free(m);
                return bad(x, k, "an array of rows of 32-bit numbers");
            }
            m[i * cols + j] = (uint32_t)val;
        }
    rc = set(x->r, m, rows, cols, x->err);
    free(m);
    return rc;
}

static int read_initiators(const struct reader *x, const char *k, struct json_object *v)
{
    size_t n;
    struct vt_initiator *gi;
    int rc;

    if (!json_object_is_type(v, json_type_array) ||
        (n = json_object_array_length(v)) > VT_MAX_INITIATORS)
        return bad(x, k, "an array of {\"bdf\", \"vnode\"}");
    if (!(gi = calloc(n ? n : 1, sizeof(*gi))))
        return vt_err_set(x->err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(v, i), *bdf, *vnode;
        uint32_t seg = 0;
        uint8_t dev = 0, fn = 0;
        uint64_t vn;

        if (!json_object_object_get_ex(e, "bdf", &bdf) ||
            !json_object_is_type(bdf, json_type_string) ||
            parse_bdf(json_object_get_string(bdf), &seg, &gi[i].bus, &dev, &fn) < 0 ||
            seg > UINT16_MAX || !json_object_object_get_ex(e, "vnode", &vnode) ||
            !get_u64(vnode, &vn) || vn >= VT_MAX_VNODES) {
            free(gi);
            return bad(x, k, "an array of {\"bdf\": \"SSSS:BB:DD.F\", \"vnode\": N}");
        }
        gi[i].segment = (uint16_t)seg;
        gi[i].devfn = (uint8_t)(dev << 3 | fn);
        gi[i].vnode = (unsigned)vn;
    }
    rc = vt_request_add_initiators(x->r, gi, n, x->err);
    free(gi);
    return rc;
}

static int read_hotplug(const struct reader *x, const char *k, struct json_object *v)
{
    size_t n;
    struct vt_hotplug_request *h;
    int rc;

    if (!json_object_is_type(v, json_type_array) ||
        (n = json_object_array_length(v)) > VT_MAX_HOTPLUG_RANGES)
        return bad(x, k, "an array of {\"bytes\", \"vnode\"}");
    if (!(h = calloc(n ? n : 1, sizeof(*h))))
        return vt_err_set(x->err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(v, i), *bytes, *vnode;
        uint64_t vn;

        if (!json_object_object_get_ex(e, "bytes", &bytes) || !get_u64(bytes, &h[i].bytes) ||
            !json_object_object_get_ex(e, "vnode", &vnode) || !get_u64(vnode, &vn) ||
            vn >= VT_MAX_VNODES) {
            free(h);
            return bad(x, k, "an array of {\"bytes\": N, \"vnode\": N}");
        }
        h[i].vnode = (unsigned)vn;
    }
    rc = vt_request_add_hotplug_memory(x->r, h, n, x->err);
    free(h);
    return rc;
}

/* vnode_cpus: an array of host CPU list strings or "any", read as the
 * text form (one ';' list) so the setter's rules apply. */
static int read_vnode_cpus(const struct reader *x, const char *k, struct json_object *v)
{
    struct buf b;
    size_t len;
    int rc;

    if (!json_object_is_type(v, json_type_array) || !(len = json_object_array_length(v)) ||
        len > VT_MAX_VNODES)
        return bad(x, k, "an array of host CPU list strings (\"0-3\" or \"any\"), one per vnode");
    buf_init(&b);
    for (size_t i = 0; i < len; i++) {
        struct json_object *e = json_object_array_get_idx(v, i);
        const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;

        if (!s || !*s || strchr(s, ';')) {
            buf_free(&b);
            return bad(x, k,
                       "an array of host CPU list strings (\"0-3\" or \"any\"), one per vnode");
        }
        buf_printf(&b, "%s%s", i ? ";" : "", s);
    }
    buf_append(&b, "", 1);
    rc = b.oom ? vt_err_set(x->err, -ENOMEM, "out of memory")
               : vt_request_parse_vnode_cpus(x->r, (const char *)b.data, x->err);
    buf_free(&b);
    return rc;
}

static int read_devices(const struct reader *x, const char *k, struct json_object *v)
{
    static const char *const want =
        "an array of {\"bdf\": \"DDDD:BB:DD.F\", \"vnode\": N, \"model\": \"vfio\", "
        "\"queues\": N, \"slot\": N} (vnode, queues and slot optional)";
    struct vt_device_request *d;
    size_t n;
    int rc;

    if (!json_object_is_type(v, json_type_array) ||
        (n = json_object_array_length(v)) > VT_MAX_DEVICES)
        return bad(x, k, want);
    if (!(d = calloc(n ? n : 1, sizeof(*d))))
        return vt_err_set(x->err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(v, i), *f;
        const char *fields[] = {"vnode", "queues", "slot"};
        uint64_t u[3] = {UINT64_MAX, 0, UINT64_MAX};
        bool ok = json_object_is_type(e, json_type_object) &&
                  json_object_object_get_ex(e, "bdf", &f) &&
                  json_object_is_type(f, json_type_string);
        int model = -1;

        if (ok) {
            d[i].bdf = json_object_get_string(f);
            ok = json_object_object_get_ex(e, "model", &f) &&
                 json_object_is_type(f, json_type_string);
        }
        ok = ok && (model = device_model_of_name(json_object_get_string(f))) >= 0;
        for (size_t j = 0; ok && j < 3; j++)
            if (json_object_object_get_ex(e, fields[j], &f))
                ok = get_u64(f, &u[j]) && u[j] < 65536;
        json_object_object_foreach(e, ek, ev)
        {
            (void)ev;
            ok = ok && (!strcmp(ek, "bdf") || !strcmp(ek, "model") || !strcmp(ek, "vnode") ||
                        !strcmp(ek, "queues") || !strcmp(ek, "slot"));
        }
        if (!ok) {
            free(d);
            return bad(x, k, want);
        }
        d[i].model = (enum vt_device_model)model;
        d[i].vnode = u[0] == UINT64_MAX ? -1 : (int)u[0];
        d[i].queues = (unsigned)u[1];
        d[i].slot = u[2] == UINT64_MAX ? -1 : (int)u[2];
    }
    rc = vt_request_add_devices(x->r, d, n, x->err);
    free(d);
    return rc;
}

/* One key of the request object. */
static int read_key(struct reader *x, const char *k, struct json_object *v, const char **e820)
{
    struct vt_request *r = x->r;
    long long a[VT_MAX_VCPUS];
    uint64_t u;
    size_t n;
    int rc;

    if (!strcmp(k, key(VT_FIELD_VCPUS)) || !strcmp(k, key(VT_FIELD_MAX_VCPUS)) ||
        !strcmp(k, key(VT_FIELD_VNODES))) {
        if (!get_u64(v, &u) || u > VT_MAX_VCPUS)
            return bad(x, k, "a number");
        return !strcmp(k, key(VT_FIELD_VCPUS)) ? vt_request_set_vcpus(r, (unsigned)u, x->err)
               : !strcmp(k, key(VT_FIELD_MAX_VCPUS))
                   ? vt_request_set_max_vcpus(r, (unsigned)u, x->err)
                   : vt_request_set_vnodes(r, (unsigned)u, x->err);
    }
    if (!strcmp(k, key(VT_FIELD_MEMORY)))
        return get_u64(v, &u) ? vt_request_set_memory(r, u, x->err) : bad(x, k, "bytes");
    if (!strcmp(k, key(VT_FIELD_VCPU_VNODES)) || !strcmp(k, key(VT_FIELD_PINS))) {
        bool pins = !strcmp(k, key(VT_FIELD_PINS));
        int *ia;

        if ((rc = int_array(x, k, v, -1, pins ? VT_CPU_ID_MAX : VT_MAX_VNODES - 1, a, VT_MAX_VCPUS,
                            &n)) < 0)
            return rc;
        if (!(ia = malloc((n ? n : 1) * sizeof(*ia))))
            return vt_err_set(x->err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            ia[i] = (int)a[i];
        rc = pins ? vt_request_set_pins(r, ia, n, x->err)
                  : vt_request_set_vcpu_vnodes(r, ia, n, x->err);
        free(ia);
        return rc;
    }
    if (!strcmp(k, key(VT_FIELD_PIN_IDENTITY)))
        return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v)
                   ? vt_request_set_pin_identity(r, x->err)
                   : bad(x, k, "true");
    if (!strcmp(k, key(VT_FIELD_ALLOW_PACKAGE_SPAN))) {
        if (!json_object_is_type(v, json_type_boolean))
            return bad(x, k, "true or false");
        vt_request_allow_package_span(r, json_object_get_boolean(v));
        return 0;
    }
    if (!strcmp(k, key(VT_FIELD_VNODE_PNODES)) || !strcmp(k, key(VT_FIELD_GUEST_PXMS))) {
        bool pxms = !strcmp(k, key(VT_FIELD_GUEST_PXMS));
        unsigned ua[VT_MAX_VNODES];
        uint32_t pa[VT_MAX_VNODES];

        if ((rc = int_array(x, k, v, 0, pxms ? UINT32_MAX : VT_NODE_ID_MAX, a, VT_MAX_VNODES, &n)) <
            0)
            return rc;
        for (size_t i = 0; i < n; i++) {
            ua[i] = (unsigned)a[i];
            pa[i] = (uint32_t)a[i];
        }
        return pxms ? vt_request_set_guest_pxms(r, pa, n, x->err)
                    : vt_request_set_vnode_pnodes(r, ua, n, x->err);
    }
    if (!strcmp(k, key(VT_FIELD_VNODE_MEMORY))) {
        uint64_t bytes[VT_MAX_VNODES];

        if (!json_object_is_type(v, json_type_array) ||
            (n = json_object_array_length(v)) > VT_MAX_VNODES)
            return bad(x, k, "an array of bytes");
        for (size_t i = 0; i < n; i++)
            if (!get_u64(json_object_array_get_idx(v, i), &bytes[i]))
                return bad(x, k, "an array of bytes");
        return vt_request_set_vnode_memory(r, bytes, n, x->err);
    }
    if (!strcmp(k, key(VT_FIELD_SHAPE))) {
        static const char *const parts[] = {"sockets", "dies", "cores", "threads"};
        struct vt_shape s = {0};
        unsigned *f[] = {&s.sockets, &s.dies, &s.cores, &s.threads};

        if (!json_object_is_type(v, json_type_object))
            return bad(x, k, "an object of sockets, dies, cores and threads");
        for (size_t i = 0; i < 4; i++) {
            struct json_object *e;

            if (json_object_object_get_ex(v, parts[i], &e)) {
                if (!get_u64(e, &u) || u > VT_MAX_VCPUS)
                    return bad(x, k, "an object of sockets, dies, cores and threads");
                *f[i] = (unsigned)u;
            }
        }
        return vt_request_set_shape(r, &s, x->err);
    }
    if (!strcmp(k, key(VT_FIELD_VENDOR)) || !strcmp(k, key(VT_FIELD_APIC)) ||
        !strcmp(k, key(VT_FIELD_MEM_LAYOUT))) {
        const char *s;

        if (!json_object_is_type(v, json_type_string))
            return bad(x, k, "a string");
        s = json_object_get_string(v);
        if (!strcmp(k, key(VT_FIELD_VENDOR)))
            return vt_request_parse_vendor(r, s, x->err);
        if (!strcmp(k, key(VT_FIELD_APIC)))
            return vt_request_parse_apic(r, s, x->err);
        if (!strcmp(s, "e820")) {
            r->mem_layout = VT_MEM_E820; /* the file comes with e820_file */
            return 0;
        }
        return vt_request_parse_mem_layout(r, s, x->err);
    }
    if (!strcmp(k, "e820_file")) {
        if (!json_object_is_type(v, json_type_string))
            return bad(x, k, "a string");
        *e820 = json_object_get_string(v);
        return 0;
    }
    if (!strcmp(k, key(VT_FIELD_DISTANCES)))
        return read_matrix(x, k, v, vt_request_set_distances);
    if (!strcmp(k, key(VT_FIELD_HMAT_LATENCY)))
        return read_matrix(x, k, v, vt_request_set_hmat_latency);
    if (!strcmp(k, key(VT_FIELD_HMAT_BANDWIDTH)))
        return read_matrix(x, k, v, vt_request_set_hmat_bandwidth);
    if (!strcmp(k, key(VT_FIELD_INITIATORS)))
        return read_initiators(x, k, v);
    if (!strcmp(k, key(VT_FIELD_HOTPLUG_MEMORY)))
        return read_hotplug(x, k, v);
    if (!strcmp(k, key(VT_FIELD_DEVICES)))
        return read_devices(x, k, v);
    if (!strcmp(k, key(VT_FIELD_SPARE_SLOTS))) {
        unsigned ua[VT_MAX_VNODES];

        if ((rc = int_array(x, k, v, 0, VT_MAX_EXPANDER_PORTS - 1, a, VT_MAX_VNODES, &n)) < 0)
            return rc;
        for (size_t i = 0; i < n; i++)
            ua[i] = (unsigned)a[i];
        return vt_request_set_spare_slots(r, ua, n, x->err);
    }
    if (!strcmp(k, key(VT_FIELD_VNODE_CPUS)))
        return read_vnode_cpus(x, k, v);
    if (!strcmp(k, key(VT_FIELD_EMULATOR_CPUS))) {
        if (!json_object_is_type(v, json_type_string))
            return bad(x, k, "\"auto\", \"none\" or a host CPU list string (\"0,11\")");
        return vt_request_parse_emulator_cpus(r, json_object_get_string(v), x->err);
    }
    if (!strcmp(k, key(VT_FIELD_STRICT_DEVICES))) {
        if (!json_object_is_type(v, json_type_boolean))
            return bad(x, k, "true or false");
        vt_request_set_strict_devices(r, json_object_get_boolean(v));
        return 0;
    }
    return vt_err_set(x->err, -EINVAL, "%s: request: unknown key \"%s\"", x->name, k);
}

int request_from_json_object(struct json_object *o, const char *name, struct vt_request *r,
                             struct vt_err *err)
{
    struct reader x = {r, name, err};
    const char *e820 = NULL;
    int rc;

    if (!json_object_is_type(o, json_type_object))
        return vt_err_set(err, -EINVAL, "%s: request: not an object", name);
    json_object_object_foreach(o, k, v)
    {
        if ((rc = read_key(&x, k, v, &e820)) < 0)
            return rc;
    }
    if (r->mem_layout == VT_MEM_E820)
        return vt_request_set_mem_layout(r, VT_MEM_E820, e820, err);
    if (e820)
        return vt_err_set(err, -EINVAL, "%s: request: e820_file without mem_layout e820", name);
    return 0;
}
