/* vt_request: a guest request, its typed setters and the rule of each field.
 * The text forms (vtopo's command-line grammar) are in request_parse.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/hmat_unit.h"
#include "plan/request_internal.h"
#include "util/parse.h"
#include "util/size.h"

static const char *const field_names[VT_FIELD_COUNT] = {
    [VT_FIELD_VCPUS] = "vcpus",
    [VT_FIELD_MEMORY] = "memory",
    [VT_FIELD_VNODES] = "vnodes",
    [VT_FIELD_VCPU_VNODES] = "vcpu_vnodes",
    [VT_FIELD_PINS] = "pins",
    [VT_FIELD_PIN_IDENTITY] = "pin_identity",
    [VT_FIELD_VNODE_PNODES] = "vnode_pnodes",
    [VT_FIELD_VNODE_MEMORY] = "vnode_memory",
    [VT_FIELD_SHAPE] = "shape",
    [VT_FIELD_VENDOR] = "vendor",
    [VT_FIELD_APIC] = "apic",
    [VT_FIELD_MEM_LAYOUT] = "mem_layout",
    [VT_FIELD_ALLOW_PACKAGE_SPAN] = "allow_package_span",
    [VT_FIELD_GUEST_PXMS] = "guest_pxms",
    [VT_FIELD_DISTANCES] = "distances",
    [VT_FIELD_HMAT_LATENCY] = "hmat_latency",
    [VT_FIELD_HMAT_BANDWIDTH] = "hmat_bandwidth",
    [VT_FIELD_MAX_VCPUS] = "max_vcpus",
    [VT_FIELD_INITIATORS] = "initiators",
    [VT_FIELD_HOTPLUG_MEMORY] = "hotplug_memory",
    [VT_FIELD_DEVICES] = "devices",
    [VT_FIELD_SPARE_SLOTS] = "spare_slots",
    [VT_FIELD_STRICT_DEVICES] = "strict_devices",
    [VT_FIELD_VNODE_CPUS] = "vnode_cpus",
    [VT_FIELD_EMULATOR_CPUS] = "emulator_cpus",
    [VT_FIELD_HOST_ACPI] = "acpi_dir",
    [VT_FIELD_QEMU_NUMA] = "numa",
    [VT_FIELD_QEMU_HMAT] = "hmat",
    [VT_FIELD_QEMU_MADT] = "madt",
};

const char *vt_request_field_name(enum vt_request_field f)
{
    return (unsigned)f < VT_FIELD_COUNT ? field_names[f] : "?";
}

const char *field_name(const char *const *names, enum vt_request_field f)
{
    if ((unsigned)f >= VT_FIELD_COUNT)
        return "?";
    return names && names[f] ? names[f] : field_names[f];
}

const char *request_name(const struct vt_request *r, enum vt_request_field f)
{
    return field_name(r ? r->names : NULL, f);
}

const char *const *request_names(const struct vt_request *r)
{
    return r->names;
}

void vt_request_name_fields(struct vt_request *r, const char *const *names)
{
    r->names = names;
}

struct vt_request *vt_request_new(void)
{
    struct vt_request *r = calloc(1, sizeof(*r));

    if (r) {
        r->vendor = VT_VENDOR_INTEL;
        r->apic = VT_APIC_SDM;
        r->mem_layout = VT_MEM_FLAT;
    }
    return r;
}

static void free_cpu_sets(struct vt_bitmap **sets, size_t n)
{
    for (size_t i = 0; sets && i < n; i++)
        vt_bitmap_free(sets[i]);
    free(sets);
}

/* A copy of n host CPU sets (NULL entries kept), or NULL. */
static struct vt_bitmap **dup_cpu_sets(const struct vt_bitmap *const *sets, size_t n)
{
    struct vt_bitmap **copy = calloc(n, sizeof(*copy));

    for (size_t i = 0; copy && i < n; i++)
        if (sets[i] && !(copy[i] = vt_bitmap_dup(sets[i]))) {
            free_cpu_sets(copy, n);
            return NULL;
        }
    return copy;
}

void vt_request_free(struct vt_request *r)
{
    if (!r)
        return;
    free(r->vcpu_vnode);
    free(r->vcpu_pcpu);
    free(r->vnode_pnode);
    free(r->vnode_memory);
    free(r->e820_path);
    free(r->vnode_guest_pxm);
    free(r->distances.values);
    free(r->hmat_latency.values);
    free(r->hmat_bandwidth.values);
    free(r->initiators);
    free(r->hotplug);
    free(r->devices);
    free(r->spare_slots);
    free_cpu_sets(r->vnode_cpus, r->nvnode_cpus);
    vt_bitmap_free(r->emulator_cpus);
    free(r);
}

#define F(f) request_name(r, f)

/* A malloc'd copy of n elements of size bytes (n > 0), or NULL. */
static void *dup_array(const void *a, size_t n, size_t size)
{
    void *copy = malloc(n * size);

    if (copy)
        memcpy(copy, a, n * size);
    return copy;
}

int vt_request_set_vcpus(struct vt_request *r, unsigned vcpus, struct vt_err *err)
{
    if (vcpus < 1 || vcpus > VT_MAX_VCPUS)
        return vt_err_set(err, -EINVAL, "%s %u: must be from 1 to %d", F(VT_FIELD_VCPUS), vcpus,
                          VT_MAX_VCPUS);
    r->vcpus = vcpus;
    return 0;
}

int vt_request_set_memory(struct vt_request *r, uint64_t bytes, struct vt_err *err)
{
    struct size_str a;

    if (bytes == 0)
        return vt_err_set(err, -EINVAL, "%s: must be more than 0", F(VT_FIELD_MEMORY));
    if (bytes % VT_MEM_GRANULE)
        return vt_err_set(err, -EINVAL, "%s %s: must be a multiple of 2 MiB (the memory granule)",
                          F(VT_FIELD_MEMORY), size_str(&a, bytes));
    r->memory = bytes;
    return 0;
}

static enum vt_request_field placement_field(enum placement_kind k)
{
    switch (k) {
    case PLACE_VNODES:
        return VT_FIELD_VNODES;
    case PLACE_VCPU_NODES:
        return VT_FIELD_VCPU_VNODES;
    case PLACE_PIN:
        return VT_FIELD_PINS;
    default:
        return VT_FIELD_PIN_IDENTITY;
    }
}

int request_check_placement(const struct vt_request *r, enum placement_kind k, struct vt_err *err)
{
    if (r->placement != PLACE_NONE && r->placement != k)
        return vt_err_set(err, -EINVAL, "%s and %s are alternatives; give one",
                          F(placement_field(r->placement)), F(placement_field(k)));
    return 0;
}

int vt_request_set_vnodes(struct vt_request *r, unsigned vnodes, struct vt_err *err)
{
    int rc;

    if (vnodes < 1 || vnodes > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "%s %u: must be from 1 to %d", F(VT_FIELD_VNODES), vnodes,
                          VT_MAX_VNODES);
    if ((rc = request_check_placement(r, PLACE_VNODES, err)) < 0)
        return rc;
    r->placement = PLACE_VNODES;
    r->vnodes = vnodes;
    return 0;
}

/* A copy of a per-vCPU array whose entries are -1 or 0..max. */
static int take_vcpu_array(struct vt_request *r, enum vt_request_field f, const char *what,
                           const int *a, size_t n, int max, int **out, size_t *nout,
                           struct vt_err *err)
{
    int *copy;

    if (!a || n == 0 || n > VT_MAX_VCPUS)
        return vt_err_set(err, -EINVAL, "%s: %zu entries, expected 1 to %d (one per vCPU)", F(f),
                          a ? n : 0, VT_MAX_VCPUS);
    for (size_t i = 0; i < n; i++)
        if (a[i] < -1 || a[i] > max)
            return vt_err_set(err, -EINVAL, "%s: vCPU %zu: %s %d is not from 0 to %d (or -1: none)",
                              F(f), i, what, a[i], max);
    if (!(copy = dup_array(a, n, sizeof(*copy))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    free(*out);
    *out = copy;
    *nout = n;
    return 0;
}

int vt_request_set_vcpu_vnodes(struct vt_request *r, const int *vnode_of_vcpu, size_t count,
                               struct vt_err *err)
{
    int rc;

    if ((rc = request_check_placement(r, PLACE_VCPU_NODES, err)) < 0 ||
        (rc = take_vcpu_array(r, VT_FIELD_VCPU_VNODES, "vnode", vnode_of_vcpu, count,
                              VT_MAX_VNODES - 1, &r->vcpu_vnode, &r->nvcpu_vnode, err)) < 0)
        return rc;
    r->placement = PLACE_VCPU_NODES;
    return 0;
}

int vt_request_set_pins(struct vt_request *r, const int *pcpu_of_vcpu, size_t count,
                        struct vt_err *err)
{
    int rc;

    if ((rc = request_check_placement(r, PLACE_PIN, err)) < 0 ||
        (rc = take_vcpu_array(r, VT_FIELD_PINS, "pCPU", pcpu_of_vcpu, count, VT_CPU_ID_MAX,
                              &r->vcpu_pcpu, &r->nvcpu_pcpu, err)) < 0)
        return rc;
    r->placement = PLACE_PIN;
    return 0;
}

int vt_request_set_pin_identity(struct vt_request *r, struct vt_err *err)
{
    int rc = request_check_placement(r, PLACE_PIN_IDENTITY, err);

    if (rc == 0)
        r->placement = PLACE_PIN_IDENTITY;
    return rc;
}

/* count per-vnode entries: 1 to VT_MAX_VNODES. */
static int vnode_count(const struct vt_request *r, enum vt_request_field f, const void *a,
                       size_t count, struct vt_err *err)
{
    if (!a || count == 0 || count > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "%s: %zu entries, expected 1 to %d (one per vnode)", F(f),
                          a ? count : 0, VT_MAX_VNODES);
    return 0;
}

int vt_request_set_vnode_pnodes(struct vt_request *r, const unsigned *pnodes, size_t count,
                                struct vt_err *err)
{
    int *copy;
    int rc;

    if ((rc = vnode_count(r, VT_FIELD_VNODE_PNODES, pnodes, count, err)) < 0)
        return rc;
    for (size_t i = 0; i < count; i++)
        if (pnodes[i] > VT_NODE_ID_MAX)
            return vt_err_set(err, -EINVAL, "%s: vnode %zu: pnode %u is not from 0 to %u",
                              F(VT_FIELD_VNODE_PNODES), i, pnodes[i], VT_NODE_ID_MAX);
    if (!(copy = malloc(count * sizeof(*copy))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++)
        copy[i] = (int)pnodes[i];
    free(r->vnode_pnode);
    r->vnode_pnode = copy;
    r->nvnode_pnode = count;
    return 0;
}

int vt_request_set_vnode_memory(struct vt_request *r, const uint64_t *bytes, size_t count,
                                struct vt_err *err)
{
    struct size_str a;
    uint64_t *copy;
    int rc;

    if ((rc = vnode_count(r, VT_FIELD_VNODE_MEMORY, bytes, count, err)) < 0)
        return rc;
    for (size_t i = 0; i < count; i++)
        if (bytes[i] % VT_MEM_GRANULE)
            return vt_err_set(err, -EINVAL,
                              "%s: entry %zu (%s) is not a multiple of 2 MiB (the memory "
                              "granule)",
                              F(VT_FIELD_VNODE_MEMORY), i, size_str(&a, bytes[i]));
    if (!(copy = dup_array(bytes, count, sizeof(*copy))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    free(r->vnode_memory);
    r->vnode_memory = copy;
    r->nvnode_memory = count;
    return 0;
}

int vt_request_set_shape(struct vt_request *r, const struct vt_shape *shape, struct vt_err *err)
{
    static const char *const keys[] = {"sockets", "dies", "cores", "threads"};
    unsigned v[4];

    if (!shape)
        return vt_err_set(err, -EINVAL, "%s: no shape given", F(VT_FIELD_SHAPE));
    v[0] = shape->sockets;
    v[1] = shape->dies;
    v[2] = shape->cores;
    v[3] = shape->threads;
    for (size_t k = 0; k < 4; k++)
        if (v[k] > VT_MAX_VCPUS)
            return vt_err_set(err, -EINVAL, "%s: %s=%u must be from 1 to %d", F(VT_FIELD_SHAPE),
                              keys[k], v[k], VT_MAX_VCPUS);
    r->shape = *shape;
    r->have_shape = true;
    return 0;
}

int vt_request_set_vendor(struct vt_request *r, enum vt_vendor vendor, struct vt_err *err)
{
    if (vendor != VT_VENDOR_INTEL && vendor != VT_VENDOR_AMD)
        return vt_err_set(err, -EINVAL, "%s %d: expected intel or amd", F(VT_FIELD_VENDOR),
                          (int)vendor);
    r->vendor = vendor;
    r->have_vendor = true;
    return 0;
}

int vt_request_set_apic(struct vt_request *r, enum vt_apic_encoding encoding, struct vt_err *err)
{
    if (encoding != VT_APIC_SDM && encoding != VT_APIC_XEN && encoding != VT_APIC_LEGACY)
        return vt_err_set(err, -EINVAL, "%s %d: expected sdm, xen or legacy", F(VT_FIELD_APIC),
                          (int)encoding);
    r->apic = encoding;
    return 0;
}

int vt_request_set_mem_layout(struct vt_request *r, enum vt_mem_layout layout,
                              const char *e820_path, struct vt_err *err)
{
    char *path = NULL;

    if (layout != VT_MEM_FLAT && layout != VT_MEM_QEMU_PC && layout != VT_MEM_QEMU_Q35 &&
        layout != VT_MEM_XEN_HVM && layout != VT_MEM_E820 && layout != VT_MEM_HOST)
        return vt_err_set(err, -EINVAL,
                          "%s %d: expected flat, qemu-pc, qemu-q35, xen-hvm, host or e820",
                          F(VT_FIELD_MEM_LAYOUT), (int)layout);
    if (layout == VT_MEM_E820 && (!e820_path || !*e820_path))
        return vt_err_set(err, -EINVAL, "%s e820: needs a file name (e820:FILE)",
                          F(VT_FIELD_MEM_LAYOUT));
    if (layout != VT_MEM_E820 && e820_path)
        return vt_err_set(err, -EINVAL, "%s %s: takes no file (only e820 does)",
                          F(VT_FIELD_MEM_LAYOUT), vt_mem_layout_name(layout));
    if (e820_path && !(path = strdup(e820_path)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    free(r->e820_path);
    r->e820_path = path;
    r->mem_layout = layout;
    return 0;
}

void vt_request_allow_package_span(struct vt_request *r, bool allow)
{
    r->allow_package_span = allow;
}

/* ---- guest PXMs, distances, HMAT matrices ------------------------------- */

int vt_request_set_guest_pxms(struct vt_request *r, const uint32_t *pxms, size_t count,
                              struct vt_err *err)
{
    uint32_t *copy;
    int rc;

    if ((rc = vnode_count(r, VT_FIELD_GUEST_PXMS, pxms, count, err)) < 0)
        return rc;
    /* Quadratic, over at most VT_MAX_VNODES entries. */
    for (size_t i = 1; i < count; i++)
        for (size_t k = 0; k < i; k++)
            if (pxms[k] == pxms[i])
                return vt_err_set(err, -EINVAL,
                                  "%s: PXM %u is given to vnodes %zu and %zu (each vnode needs its "
                                  "own proximity domain)",
                                  F(VT_FIELD_GUEST_PXMS), pxms[i], k, i);
    if (!(copy = dup_array(pxms, count, sizeof(*copy))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    free(r->vnode_guest_pxm);
    r->vnode_guest_pxm = copy;
    r->nvnode_guest_pxm = count;
    return 0;
}

/* The rule one matrix value must follow (row, col counted from 0). */
typedef int (*matrix_rule)(const char *field, size_t row, size_t col, uint64_t v,
                           struct vt_err *err);

/* A copy of a matrix whose dimensions are 1 to VT_MAX_VNODES and whose
 * values each follow rule. */
static int take_matrix(const char *field, const uint32_t *m, size_t rows, size_t cols,
                       matrix_rule rule, struct request_matrix *out, struct vt_err *err)
{
    uint32_t *copy;
    int rc;

    if (!m || rows < 1 || cols < 1 || rows > VT_MAX_VNODES || cols > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "%s: %zu rows of %zu values; each must be from 1 to %d",
                          field, m ? rows : 0, m ? cols : 0, VT_MAX_VNODES);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            if ((rc = rule(field, i, j, m[i * cols + j], err)) < 0)
                return rc;
    if (!(copy = dup_array(m, rows * cols, sizeof(*copy))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    free(out->values);
    out->values = copy;
    out->rows = rows;
    out->cols = cols;
    return 0;
}

static int distance_rule(const char *field, size_t row, size_t col, uint64_t v, struct vt_err *err)
{
    if (row == col && v != 10)
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu (vnode %zu to itself) is %llu; the diagonal "
                          "must be 10",
                          field, row, col, row, (unsigned long long)v);
    if (row != col && (v < 11 || v > 254))
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu (vnode %zu to vnode %zu) is %llu; distances "
                          "between vnodes must be from 11 to 254 (Linux drops a SLIT with one of "
                          "10 or less, and 255 means unreachable)",
                          field, row, col, row, col, (unsigned long long)v);
    return 0;
}

int vt_request_set_distances(struct vt_request *r, const uint32_t *matrix, size_t rows, size_t cols,
                             struct vt_err *err)
{
    struct request_matrix m = {0};
    int rc = take_matrix(F(VT_FIELD_DISTANCES), matrix, rows, cols, distance_rule, &m, err);

    if (rc < 0)
        return rc;
    if (rows != cols) {
        free(m.values);
        return vt_err_set(err, -EINVAL,
                          "%s: %zu rows of %zu values; the matrix must be square (a row "
                          "and a column per vnode)",
                          F(VT_FIELD_DISTANCES), rows, cols);
    }
    free(r->distances.values);
    r->distances = m;
    return 0;
}

static int latency_rule(const char *field, size_t row, size_t col, uint64_t v, struct vt_err *err)
{
    if (v < 1 || v > VT_HMAT_VALUE_MAX / 1000)
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu is %llu; latencies must be from 1 to %u ns "
                          "(Linux reads an HMAT latency as a 32-bit count of picoseconds)",
                          field, row, col, (unsigned long long)v, VT_HMAT_VALUE_MAX / 1000);
    return 0;
}

static int bandwidth_rule(const char *field, size_t row, size_t col, uint64_t v, struct vt_err *err)
{
    if (v < 1 || v > VT_HMAT_VALUE_MAX)
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu is %llu; bandwidths must be from 1 to %u MB/s "
                          "(Linux reads an HMAT bandwidth as a 32-bit number)",
                          field, row, col, (unsigned long long)v, VT_HMAT_VALUE_MAX);
    return 0;
}

/* An HMAT matrix: each value in range, and one base unit that represents
 * every value exactly in a 16-bit entry (src/model/linux/hmat_unit.h). */
static int take_hmat_matrix(const char *field, const char *unit, const uint32_t *m, size_t rows,
                            size_t cols, matrix_rule rule, struct request_matrix *out,
                            struct vt_err *err)
{
    struct request_matrix t = {0};
    uint64_t gcd = 0, need = 0;
    int rc = take_matrix(field, m, rows, cols, rule, &t, err);

    if (rc < 0)
        return rc;
    if (hmat_entry_unit(t.values, t.rows * t.cols, &gcd, &need) == 0) {
        free(t.values);
        return vt_err_set(err, -EINVAL,
                          "%s: no unit fits every value exactly in the HMAT's 16-bit entries: "
                          "the largest needs a unit of at least %llu %s, but the values' "
                          "greatest common divisor is %llu %s (round them to a coarser unit)",
                          field, (unsigned long long)need, unit, (unsigned long long)gcd, unit);
    }
    free(out->values);
    *out = t;
    return 0;
}

int request_check_matrix_value(const struct vt_request *r, enum vt_request_field f, size_t row,
                               size_t col, uint64_t v, struct vt_err *err)
{
    switch (f) {
    case VT_FIELD_DISTANCES:
        return distance_rule(F(f), row, col, v, err);
    case VT_FIELD_HMAT_LATENCY:
        return latency_rule(F(f), row, col, v, err);
    default:
        return bandwidth_rule(F(f), row, col, v, err);
    }
}

int vt_request_set_hmat_latency(struct vt_request *r, const uint32_t *matrix, size_t rows,
                                size_t cols, struct vt_err *err)
{
    return take_hmat_matrix(F(VT_FIELD_HMAT_LATENCY), "ns", matrix, rows, cols, latency_rule,
                            &r->hmat_latency, err);
}

int vt_request_set_hmat_bandwidth(struct vt_request *r, const uint32_t *matrix, size_t rows,
                                  size_t cols, struct vt_err *err)
{
    return take_hmat_matrix(F(VT_FIELD_HMAT_BANDWIDTH), "MB/s", matrix, rows, cols, bandwidth_rule,
                            &r->hmat_bandwidth, err);
}

/* ---- hot-pluggable vCPUs, generic initiators, hot-pluggable memory ------- */

int vt_request_set_max_vcpus(struct vt_request *r, unsigned max, struct vt_err *err)
{
    if (max < 1 || max > VT_MAX_VCPUS)
        return vt_err_set(err, -EINVAL, "%s %u: must be from 1 to %d", F(VT_FIELD_MAX_VCPUS), max,
                          VT_MAX_VCPUS);
    r->max_vcpus = max;
    return 0;
}

static const struct request_initiator *find_initiator(const struct request_initiator *a, size_t n,
                                                      const struct vt_initiator *gi)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].segment == gi->segment && a[i].bus == gi->bus && a[i].devfn == gi->devfn)
            return &a[i];
    return NULL;
}

int vt_request_add_initiators(struct vt_request *r, const struct vt_initiator *devices,
                              size_t count, struct vt_err *err)
{
    struct request_initiator *all;

    if (!devices && count)
        return vt_err_set(err, -EINVAL, "%s: no devices given", F(VT_FIELD_INITIATORS));
    if (count > VT_MAX_INITIATORS || r->ninitiators + count > VT_MAX_INITIATORS)
        return vt_err_set(err, -EINVAL, "%s: more than %d devices in all", F(VT_FIELD_INITIATORS),
                          VT_MAX_INITIATORS);
    if (!(all = realloc(r->initiators, (r->ninitiators + count + 1) * sizeof(*all))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    r->initiators = all;
    for (size_t i = 0; i < count; i++) {
        const struct vt_initiator *gi = &devices[i];
        const struct request_initiator *dup;

        if (gi->vnode >= VT_MAX_VNODES)
            return vt_err_set(err, -EINVAL, "%s: device %zu: vnode %u is not from 0 to %d",
                              F(VT_FIELD_INITIATORS), i, gi->vnode, VT_MAX_VNODES - 1);
        /* The ones already kept, then this call's before this one: they
         * sit past the kept ones, uncounted until every device passed, so a
         * refusal keeps none of this call's (all or none). */
        if ((dup = find_initiator(all, r->ninitiators + i, gi)))
            return vt_err_set(err, -EINVAL,
                              "%s: device %04x:%02x:%02x.%x is given twice (vnodes %u and %u); "
                              "a device has one proximity domain",
                              F(VT_FIELD_INITIATORS), gi->segment, gi->bus, gi->devfn >> 3,
                              gi->devfn & 7, dup->vnode, gi->vnode);
        all[r->ninitiators + i] =
            (struct request_initiator){gi->segment, gi->bus, gi->devfn, gi->vnode};
    }
    r->ninitiators += count;
    return 0;
}

int vt_request_add_hotplug_memory(struct vt_request *r, const struct vt_hotplug_request *ranges,
                                  size_t count, struct vt_err *err)
{
    struct request_hotplug *all;
    struct size_str a;

    if (!ranges && count)
        return vt_err_set(err, -EINVAL, "%s: no ranges given", F(VT_FIELD_HOTPLUG_MEMORY));
    if (count > VT_MAX_HOTPLUG_RANGES || r->nhotplug + count > VT_MAX_HOTPLUG_RANGES)
        return vt_err_set(err, -EINVAL, "%s: more than %d ranges in all",
                          F(VT_FIELD_HOTPLUG_MEMORY), VT_MAX_HOTPLUG_RANGES);
    for (size_t i = 0; i < count; i++) {
        if (!hotplug_size_ok(ranges[i].bytes))
            return vt_err_set(err, -EINVAL,
                              "%s: range %zu (%s for vnode %u): the size must be a non-zero "
                              "multiple of 128 MiB (Linux hot-adds memory in blocks of 128 MiB)",
                              F(VT_FIELD_HOTPLUG_MEMORY), i, size_str(&a, ranges[i].bytes),
                              ranges[i].vnode);
        if (ranges[i].vnode >= VT_MAX_VNODES)
            return vt_err_set(err, -EINVAL, "%s: range %zu: vnode %u is not from 0 to %d",
                              F(VT_FIELD_HOTPLUG_MEMORY), i, ranges[i].vnode, VT_MAX_VNODES - 1);
    }
    if (!(all = realloc(r->hotplug, (r->nhotplug + count + 1) * sizeof(*all))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++)
        all[r->nhotplug + i] = (struct request_hotplug){ranges[i].bytes, ranges[i].vnode};
    r->hotplug = all;
    r->nhotplug += count;
    return 0;
}

/* ---- PCI devices ----------------------------------------------------------- */

int vt_request_add_devices(struct vt_request *r, const struct vt_device_request *devices,
                           size_t count, struct vt_err *err)
{
    struct request_device *all;

    if (!devices && count)
        return vt_err_set(err, -EINVAL, "%s: no devices given", F(VT_FIELD_DEVICES));
    if (count > VT_MAX_DEVICES || r->ndevices + count > VT_MAX_DEVICES)
        return vt_err_set(err, -EINVAL, "%s: more than %d devices in all", F(VT_FIELD_DEVICES),
                          VT_MAX_DEVICES);
    if (!(all = realloc(r->devices, (r->ndevices + count + 1) * sizeof(*all))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    r->devices = all;
    for (size_t i = 0; i < count; i++) {
        const struct vt_device_request *d = &devices[i];
        struct request_device *n = &all[r->ndevices + i];

        if (bdf_normalize(d->bdf, n->bdf) < 0)
            return vt_err_set(err, -EINVAL, "%s %s: not a PCI address DDDD:BB:DD.F (hex)",
                              F(VT_FIELD_DEVICES), d->bdf ? d->bdf : "(null)");
        if (d->vnode < -1 || d->vnode >= VT_MAX_VNODES)
            return vt_err_set(err, -EINVAL, "%s %s: vnode %d is not from 0 to %d",
                              F(VT_FIELD_DEVICES), n->bdf, d->vnode, VT_MAX_VNODES - 1);
        if ((unsigned)d->model > VT_DEVICE_VIRTIO_BLK)
            return vt_err_set(err, -EINVAL, "%s %s: model %d is not one of vt_device_model's",
                              F(VT_FIELD_DEVICES), n->bdf, (int)d->model);
        if (d->queues && d->model == VT_DEVICE_VFIO)
            return vt_err_set(err, -EINVAL,
                              "%s %s: queues=%u is for an emulated model (nvme, virtio-net, "
                              "virtio-blk); a passed-through device has the queues its driver "
                              "makes",
                              F(VT_FIELD_DEVICES), n->bdf, d->queues);
        if (d->queues > VT_MAX_DEVICE_QUEUES)
            return vt_err_set(err, -EINVAL, "%s %s: queues=%u is not from 1 to %d",
                              F(VT_FIELD_DEVICES), n->bdf, d->queues, VT_MAX_DEVICE_QUEUES);
        if (d->slot < -1 || d->slot >= VT_MAX_EXPANDER_PORTS)
            return vt_err_set(err, -EINVAL,
                              "%s %s: slot %d is not from 0 to %d (a bus has 32 "
                              "devices)",
                              F(VT_FIELD_DEVICES), n->bdf, d->slot, VT_MAX_EXPANDER_PORTS - 1);
        /* The kept ones and this call's before this one (all or none). */
        for (size_t k = 0; k < r->ndevices + i; k++)
            if (!strcmp(all[k].bdf, n->bdf))
                return vt_err_set(err, -EINVAL,
                                  "%s %s: the device is given twice; a device goes to one "
                                  "guest node",
                                  F(VT_FIELD_DEVICES), n->bdf);
        n->vnode = d->vnode;
        n->model = d->model;
        n->queues = d->queues;
        n->slot = d->slot;
    }
    r->ndevices += count;
    return 0;
}

int vt_request_set_spare_slots(struct vt_request *r, const unsigned *per_vnode, size_t count,
                               struct vt_err *err)
{
    unsigned *copy;

    if (!per_vnode || count < 1 || count > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "%s: one count, or one per vnode (at most %d)",
                          F(VT_FIELD_SPARE_SLOTS), VT_MAX_VNODES);
    for (size_t i = 0; i < count; i++)
        if (per_vnode[i] > VT_MAX_EXPANDER_PORTS - 1)
            return vt_err_set(err, -EINVAL,
                              "%s %u: at most %d spare root ports on a vnode's expander (a bus "
                              "has 32 devices)",
                              F(VT_FIELD_SPARE_SLOTS), per_vnode[i], VT_MAX_EXPANDER_PORTS - 1);
    if (!(copy = dup_array(per_vnode, count, sizeof(*copy))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    free(r->spare_slots);
    r->spare_slots = copy;
    r->nspare_slots = count;
    return 0;
}

void vt_request_set_strict_devices(struct vt_request *r, bool strict)
{
    r->strict_devices = strict;
}

/* A host CPU set of field f: non-empty, CPUs up to VT_CPU_ID_MAX. */
static int check_cpu_set(const struct vt_request *r, enum vt_request_field f, const char *what,
                         const struct vt_bitmap *b, struct vt_err *err)
{
    if (vt_bitmap_iszero(b))
        return vt_err_set(err, -EINVAL, "%s: %s is empty (give host CPUs%s)", F(f), what,
                          f == VT_FIELD_VNODE_CPUS ? ", or any" : "");
    if (vt_bitmap_last(b) > (int)VT_CPU_ID_MAX)
        return vt_err_set(err, -EINVAL, "%s: %s names host CPU %d, above %u", F(f), what,
                          vt_bitmap_last(b), VT_CPU_ID_MAX);
    return 0;
}

int vt_request_set_vnode_cpus(struct vt_request *r, const struct vt_bitmap *const *per_vnode,
                              size_t count, struct vt_err *err)
{
    struct vt_bitmap **copy;
    char what[48];
    int rc;

    if (!per_vnode || count < 1 || count > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "%s: one host CPU list, or one per vnode (at most %d)",
                          F(VT_FIELD_VNODE_CPUS), VT_MAX_VNODES);
    for (size_t i = 0; i < count; i++) {
        snprintf(what, sizeof(what), count == 1 ? "the list" : "vnode %zu's list", i);
        if (per_vnode[i] &&
            (rc = check_cpu_set(r, VT_FIELD_VNODE_CPUS, what, per_vnode[i], err)) < 0)
            return rc;
    }
    if (!(copy = dup_cpu_sets(per_vnode, count)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    free_cpu_sets(r->vnode_cpus, r->nvnode_cpus);
    r->vnode_cpus = copy;
    r->nvnode_cpus = count;
    return 0;
}

int vt_request_set_emulator_cpus(struct vt_request *r, enum vt_emulator_cpus mode,
                                 const struct vt_bitmap *cpus, struct vt_err *err)
{
    struct vt_bitmap *copy = NULL;
    int rc;

    if ((unsigned)mode > VT_EMULATOR_LIST || (mode == VT_EMULATOR_LIST) != (cpus != NULL))
        return vt_err_set(err, -EINVAL, "%s: a list of host CPUs goes with the list mode only",
                          F(VT_FIELD_EMULATOR_CPUS));
    if (cpus && (rc = check_cpu_set(r, VT_FIELD_EMULATOR_CPUS, "the list", cpus, err)) < 0)
        return rc;
    if (cpus && !(copy = vt_bitmap_dup(cpus)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    vt_bitmap_free(r->emulator_cpus);
    r->emulator_cpus = copy;
    r->emulator_mode = mode;
    return 0;
}

/* ---- a copy for the layout ------------------------------------------------ */

static int copy_field(void **dst, const void *src, size_t n, size_t size)
{
    *dst = NULL;
    return !src || !n || (*dst = dup_array(src, n, size)) ? 0 : -ENOMEM;
}

struct vt_request *request_copy(const struct vt_request *r)
{
    struct vt_request *c = malloc(sizeof(*c));

    if (!c)
        return NULL;
    *c = *r;
    /* Nothing of r's is owned until copied: a failure frees only copies. */
    c->vcpu_vnode = c->vcpu_pcpu = c->vnode_pnode = NULL;
    c->vnode_memory = NULL;
    c->vnode_guest_pxm = c->distances.values = c->hmat_latency.values = NULL;
    c->hmat_bandwidth.values = NULL;
    c->initiators = NULL;
    c->hotplug = NULL;
    c->devices = NULL;
    c->spare_slots = NULL;
    c->vnode_cpus = NULL;
    c->emulator_cpus = NULL;
    c->e820_path = NULL;
    if (copy_field((void **)&c->vcpu_vnode, r->vcpu_vnode, r->nvcpu_vnode, sizeof(int)) < 0 ||
        copy_field((void **)&c->vcpu_pcpu, r->vcpu_pcpu, r->nvcpu_pcpu, sizeof(int)) < 0 ||
        copy_field((void **)&c->vnode_pnode, r->vnode_pnode, r->nvnode_pnode, sizeof(int)) < 0 ||
        copy_field((void **)&c->vnode_memory, r->vnode_memory, r->nvnode_memory, sizeof(uint64_t)) <
            0 ||
        copy_field((void **)&c->vnode_guest_pxm, r->vnode_guest_pxm, r->nvnode_guest_pxm,
                   sizeof(uint32_t)) < 0 ||
        copy_field((void **)&c->distances.values, r->distances.values,
                   r->distances.rows * r->distances.cols, sizeof(uint32_t)) < 0 ||
        copy_field((void **)&c->hmat_latency.values, r->hmat_latency.values,
                   r->hmat_latency.rows * r->hmat_latency.cols, sizeof(uint32_t)) < 0 ||
        copy_field((void **)&c->hmat_bandwidth.values, r->hmat_bandwidth.values,
                   r->hmat_bandwidth.rows * r->hmat_bandwidth.cols, sizeof(uint32_t)) < 0 ||
        copy_field((void **)&c->initiators, r->initiators, r->ninitiators, sizeof(*r->initiators)) <
            0 ||
        copy_field((void **)&c->hotplug, r->hotplug, r->nhotplug, sizeof(*r->hotplug)) < 0 ||
        copy_field((void **)&c->devices, r->devices, r->ndevices, sizeof(*r->devices)) < 0 ||
        copy_field((void **)&c->spare_slots, r->spare_slots, r->nspare_slots,
                   sizeof(*r->spare_slots)) < 0 ||
        (r->vnode_cpus && !(c->vnode_cpus = dup_cpu_sets(
                                (const struct vt_bitmap *const *)r->vnode_cpus, r->nvnode_cpus))) ||
        (r->emulator_cpus && !(c->emulator_cpus = vt_bitmap_dup(r->emulator_cpus))) ||
        (r->e820_path && !(c->e820_path = strdup(r->e820_path)))) {
        vt_request_free(c);
        return NULL;
    }
    return c;
}
