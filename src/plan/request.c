/* vt_request: a guest request and the parsing of each of its options. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/hmat_unit.h"
#include "plan/request_internal.h"
#include "util/parse.h"
#include "vtopo/size.h"

/* Linux hot-adds memory in memory blocks of 128 MiB (x86-64's smallest). */
#define HOTPLUG_GRANULE (UINT64_C(128) << 20)

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
    free(r);
}

int vt_request_set_vcpus(struct vt_request *r, unsigned vcpus, struct vt_err *err)
{
    if (vcpus < 1 || vcpus > VT_MAX_VCPUS)
        return vt_err_set(err, -EINVAL, "--vcpus %u: must be from 1 to %d", vcpus, VT_MAX_VCPUS);
    r->vcpus = vcpus;
    return 0;
}

static int check_granule(const char *opt, uint64_t bytes, struct vt_err *err)
{
    char sz[32];

    if (bytes % VT_MEM_GRANULE == 0)
        return 0;
    vt_size_format(sz, sizeof(sz), bytes);
    return vt_err_set(err, -EINVAL, "%s %s: must be a multiple of 2 MiB (the memory granule)", opt,
                      sz);
}

int vt_request_set_memory(struct vt_request *r, uint64_t bytes, struct vt_err *err)
{
    int rc;

    if (bytes == 0)
        return vt_err_set(err, -EINVAL, "--memory: must be more than 0");
    if ((rc = check_granule("--memory", bytes, err)) < 0)
        return rc;
    r->memory = bytes;
    return 0;
}

static const char *placement_option(enum placement_kind k)
{
    switch (k) {
    case PLACE_VNODES:
        return "--vnodes";
    case PLACE_VCPU_NODES:
        return "--vcpu-nodes";
    case PLACE_PIN:
        return "--pin";
    case PLACE_PIN_IDENTITY:
        return "--pin-identity";
    default:
        return "?";
    }
}

static int set_placement(struct vt_request *r, enum placement_kind k, struct vt_err *err)
{
    if (r->placement != PLACE_NONE && r->placement != k)
        return vt_err_set(err, -EINVAL, "%s and %s are alternatives; give one",
                          placement_option(r->placement), placement_option(k));
    r->placement = k;
    return 0;
}

int vt_request_set_vnodes(struct vt_request *r, unsigned vnodes, struct vt_err *err)
{
    if (vnodes < 1 || vnodes > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "--vnodes %u: must be from 1 to %d", vnodes, VT_MAX_VNODES);
    if (set_placement(r, PLACE_VNODES, err) < 0)
        return err ? err->code : -EINVAL;
    r->vnodes = vnodes;
    return 0;
}

/*
 * Split "L:R,L:R,..." where each L is a cpulist and R a single value or list
 * without commas. A comma-separated piece without ':' belongs to the next
 * item's left side, so "0-3,8-11:0,4-7:1" maps 0-3 and 8-11 to 0.
 * For each item, calls fn(left, right).
 */
static int for_each_item(const char *opt, const char *text,
                         int (*fn)(void *ctx, const char *left, const char *right,
                                   struct vt_err *err),
                         void *ctx, struct vt_err *err)
{
    char *copy = strdup(text), *start, *p;
    int rc = 0;

    if (!copy)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (!*copy) {
        free(copy);
        return vt_err_set(err, -EINVAL, "%s: empty (expected VCPUS:VALUE,...)", opt);
    }
    start = p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        char *colon;

        if (comma)
            *comma = '\0';
        colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            if (strchr(colon + 1, ':')) {
                rc = vt_err_set(err, -EINVAL, "%s: '%s:%s' has two ':'", opt, start, colon + 1);
                break;
            }
            if (!*start || !colon[1]) {
                rc = vt_err_set(err, -EINVAL, "%s: '%s:%s' needs a list on both sides of ':'", opt,
                                start, colon + 1);
                break;
            }
            if ((rc = fn(ctx, start, colon + 1, err)) < 0)
                break;
            if (!comma)
                break;
            start = p = comma + 1;
            continue;
        }
        if (!comma) {
            rc = vt_err_set(err, -EINVAL, "%s: '%s' has no ':' (expected VCPUS:VALUE)", opt, start);
            break;
        }
        *comma = ','; /* part of the left side's list */
        p = comma + 1;
    }
    free(copy);
    return rc;
}

/* Grow a per-vCPU int array to n entries, new entries set to fill. */
static int grow_ints(int **arr, size_t *len, size_t n, int fill)
{
    int *a;

    if (n <= *len)
        return 0;
    a = realloc(*arr, n * sizeof(*a));
    if (!a)
        return -ENOMEM;
    for (size_t i = *len; i < n; i++)
        a[i] = fill;
    *arr = a;
    *len = n;
    return 0;
}

static int parse_uint(const char *opt, const char *what, const char *text, unsigned max,
                      unsigned *out, struct vt_err *err)
{
    uint64_t v;

    if (parse_u64_base(text, 10, &v) < 0 || v > max)
        return vt_err_set(err, -EINVAL, "%s: %s '%s' is not a number from 0 to %u", opt, what, text,
                          max);
    *out = (unsigned)v;
    return 0;
}

static int parse_vcpu_list(const char *opt, const char *text, struct vt_bitmap *b,
                           struct vt_err *err)
{
    int rc = vt_bitmap_parse_list(b, text, VT_MAX_VCPUS - 1, err);

    if (rc < 0)
        vt_err_prefix(err, "%s: vCPU list ", opt);
    else if (vt_bitmap_iszero(b))
        rc = vt_err_set(err, -EINVAL, "%s: vCPU list '%s' is empty", opt, text);
    return rc;
}

static int vcpu_nodes_item(void *ctx, const char *left, const char *right, struct vt_err *err)
{
    struct vt_request *r = ctx;
    struct vt_bitmap *b = vt_bitmap_new();
    unsigned vnode = 0;
    int rc;

    if (!b)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = parse_vcpu_list("--vcpu-nodes", left, b, err)) < 0 ||
        (rc = parse_uint("--vcpu-nodes", "vnode", right, VT_MAX_VNODES - 1, &vnode, err)) < 0 ||
        (rc = grow_ints(&r->vcpu_vnode, &r->nvcpu_vnode, (size_t)vt_bitmap_last(b) + 1, -1)) < 0) {
        vt_bitmap_free(b);
        return rc == -ENOMEM ? vt_err_set(err, rc, "out of memory") : rc;
    }
    vt_bitmap_foreach(v, b)
    {
        int *slot = &r->vcpu_vnode[v];

        if (*slot >= 0) {
            rc = vt_err_set(err, -EINVAL,
                            "--vcpu-nodes: vCPU %d is assigned twice (vnodes %d and %u)", v, *slot,
                            vnode);
            break;
        }
        *slot = (int)vnode;
    }
    vt_bitmap_free(b);
    return rc;
}

int vt_request_set_vcpu_nodes(struct vt_request *r, const char *map, struct vt_err *err)
{
    int rc;

    if ((rc = set_placement(r, PLACE_VCPU_NODES, err)) < 0)
        return rc;
    free(r->vcpu_vnode);
    r->vcpu_vnode = NULL;
    r->nvcpu_vnode = 0;
    return for_each_item("--vcpu-nodes", map, vcpu_nodes_item, r, err);
}

static int pin_item(void *ctx, const char *left, const char *right, struct vt_err *err)
{
    struct vt_request *r = ctx;
    struct vt_bitmap *v = vt_bitmap_new(), *p = vt_bitmap_new();
    int rc, pc;

    if (!v || !p) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = parse_vcpu_list("--pin", left, v, err)) < 0)
        goto out;
    if ((rc = vt_bitmap_parse_list(p, right, VT_CPU_ID_MAX, err)) < 0) {
        vt_err_prefix(err, "--pin: pCPU list ");
        goto out;
    }
    if (vt_bitmap_weight(v) != vt_bitmap_weight(p)) {
        rc = vt_err_set(err, -EINVAL,
                        "--pin: '%s:%s' pins %u vCPUs to %u pCPUs (the lists must be the same "
                        "size)",
                        left, right, vt_bitmap_weight(v), vt_bitmap_weight(p));
        goto out;
    }
    if ((rc = grow_ints(&r->vcpu_pcpu, &r->nvcpu_pcpu, (size_t)vt_bitmap_last(v) + 1, -1)) < 0) {
        rc = vt_err_set(err, rc, "out of memory");
        goto out;
    }
    pc = vt_bitmap_first(p);
    vt_bitmap_foreach(vc, v)
    {
        if (r->vcpu_pcpu[vc] >= 0) {
            rc = vt_err_set(err, -EINVAL, "--pin: vCPU %d is pinned twice", vc);
            goto out;
        }
        r->vcpu_pcpu[vc] = pc;
        pc = vt_bitmap_next(p, pc);
    }
out:
    vt_bitmap_free(v);
    vt_bitmap_free(p);
    return rc;
}

int vt_request_set_pin(struct vt_request *r, const char *map, struct vt_err *err)
{
    int rc;

    if ((rc = set_placement(r, PLACE_PIN, err)) < 0)
        return rc;
    free(r->vcpu_pcpu);
    r->vcpu_pcpu = NULL;
    r->nvcpu_pcpu = 0;
    return for_each_item("--pin", map, pin_item, r, err);
}

int vt_request_set_pin_identity(struct vt_request *r, struct vt_err *err)
{
    return set_placement(r, PLACE_PIN_IDENTITY, err);
}

/* Split a comma list into at most max pieces, calling fn on each. */
static int for_each_piece(const char *opt, const char *text, size_t max,
                          int (*fn)(void *ctx, size_t i, const char *piece, struct vt_err *err),
                          void *ctx, size_t *count, struct vt_err *err)
{
    char *copy = strdup(text), *save = NULL, *tok;
    size_t n = 0;
    int rc = 0;

    if (!copy)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (!*text || text[strlen(text) - 1] == ',' || text[0] == ',' || strstr(text, ",,")) {
        free(copy);
        return vt_err_set(err, -EINVAL, "%s '%s': an entry is empty", opt, text);
    }
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n >= max) {
            rc = vt_err_set(err, -EINVAL, "%s: more than %zu entries", opt, max);
            break;
        }
        if ((rc = fn(ctx, n, tok, err)) < 0)
            break;
        n++;
    }
    free(copy);
    *count = n;
    return rc;
}

static int pnode_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct vt_request *r = ctx;
    unsigned v = 0;
    int rc = parse_uint("--vnode-pnodes", "pnode", piece, VT_NODE_ID_MAX, &v, err);

    if (rc == 0)
        r->vnode_pnode[i] = (int)v;
    return rc;
}

int vt_request_set_vnode_pnodes(struct vt_request *r, const char *list, struct vt_err *err)
{
    free(r->vnode_pnode);
    r->vnode_pnode = calloc(VT_MAX_VNODES, sizeof(*r->vnode_pnode));
    if (!r->vnode_pnode)
        return vt_err_set(err, -ENOMEM, "out of memory");
    return for_each_piece("--vnode-pnodes", list, VT_MAX_VNODES, pnode_piece, r, &r->nvnode_pnode,
                          err);
}

static int memory_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct vt_request *r = ctx;
    int rc = vt_size_parse(piece, &r->vnode_memory[i], err);

    if (rc < 0) {
        vt_err_prefix(err, "--vnode-memory: entry %zu: ", i);
        return rc;
    }
    if (r->vnode_memory[i] % VT_MEM_GRANULE)
        return vt_err_set(err, -EINVAL,
                          "--vnode-memory: entry %zu (%s) is not a multiple of 2 MiB (the memory "
                          "granule)",
                          i, piece);
    return 0;
}

int vt_request_set_vnode_memory(struct vt_request *r, const char *list, struct vt_err *err)
{
    free(r->vnode_memory);
    r->vnode_memory = calloc(VT_MAX_VNODES, sizeof(*r->vnode_memory));
    if (!r->vnode_memory)
        return vt_err_set(err, -ENOMEM, "out of memory");
    return for_each_piece("--vnode-memory", list, VT_MAX_VNODES, memory_piece, r, &r->nvnode_memory,
                          err);
}

static int shape_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct vt_shape *s = ctx;
    const char *eq = strchr(piece, '=');
    static const char *const keys[] = {"sockets", "dies", "cores", "threads"};
    unsigned *fields[] = {&s->sockets, &s->dies, &s->cores, &s->threads};
    unsigned v = 0;

    (void)i;
    if (!eq)
        return vt_err_set(err, -EINVAL, "--shape: '%s' is not key=value", piece);
    for (size_t k = 0; k < 4; k++)
        if (strlen(keys[k]) == (size_t)(eq - piece) &&
            strncmp(piece, keys[k], (size_t)(eq - piece)) == 0) {
            if (*fields[k])
                return vt_err_set(err, -EINVAL, "--shape: %s is given twice", keys[k]);
            if (parse_uint("--shape", keys[k], eq + 1, VT_MAX_VCPUS, &v, err) < 0 || v == 0)
                return vt_err_set(err, -EINVAL, "--shape: %s=%s must be from 1 to %d", keys[k],
                                  eq + 1, VT_MAX_VCPUS);
            *fields[k] = v;
            return 0;
        }
    return vt_err_set(err, -EINVAL,
                      "--shape: unknown key '%.*s' (known: sockets, dies, cores, threads)",
                      (int)(eq - piece), piece);
}

int vt_request_set_shape(struct vt_request *r, const char *shape, struct vt_err *err)
{
    struct vt_shape s = {0};
    size_t n;
    int rc = for_each_piece("--shape", shape, 4, shape_piece, &s, &n, err);

    if (rc < 0)
        return rc;
    r->shape = s;
    r->have_shape = true;
    return 0;
}

int vt_request_set_vendor(struct vt_request *r, const char *vendor, struct vt_err *err)
{
    if (strcmp(vendor, "intel") == 0)
        r->vendor = VT_VENDOR_INTEL;
    else if (strcmp(vendor, "amd") == 0)
        r->vendor = VT_VENDOR_AMD;
    else
        return vt_err_set(err, -EINVAL, "--vendor %s: expected intel or amd", vendor);
    return 0;
}

int vt_request_set_apic(struct vt_request *r, const char *encoding, struct vt_err *err)
{
    if (strcmp(encoding, "sdm") == 0)
        r->apic = VT_APIC_SDM;
    else if (strcmp(encoding, "xen") == 0)
        r->apic = VT_APIC_XEN;
    else if (strcmp(encoding, "legacy") == 0)
        r->apic = VT_APIC_LEGACY;
    else
        return vt_err_set(err, -EINVAL, "--apic %s: expected sdm, xen or legacy", encoding);
    return 0;
}

int vt_request_set_mem_layout(struct vt_request *r, const char *layout, struct vt_err *err)
{
    static const struct {
        const char *name;
        enum vt_mem_layout kind;
    } kinds[] = {{"flat", VT_MEM_FLAT},
                 {"qemu-pc", VT_MEM_QEMU_PC},
                 {"qemu-q35", VT_MEM_QEMU_Q35},
                 {"xen-hvm", VT_MEM_XEN_HVM},
                 {"host", VT_MEM_HOST}};

    free(r->e820_path);
    r->e820_path = NULL;
    if (strncmp(layout, "e820:", 5) == 0) {
        if (!layout[5])
            return vt_err_set(err, -EINVAL, "--mem-layout e820: needs a file name (e820:FILE)");
        if (!(r->e820_path = strdup(layout + 5)))
            return vt_err_set(err, -ENOMEM, "out of memory");
        r->mem_layout = VT_MEM_E820;
        return 0;
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(layout, kinds[i].name) == 0) {
            r->mem_layout = kinds[i].kind;
            return 0;
        }
    return vt_err_set(err, -EINVAL,
                      "--mem-layout %s: expected flat, qemu-pc, qemu-q35, xen-hvm, host or "
                      "e820:FILE",
                      layout);
}

void vt_request_allow_package_span(struct vt_request *r, bool allow)
{
    r->allow_package_span = allow;
}

/* ---- guest PXMs, distances, HMAT matrices ------------------------------- */

static int guest_pxm_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    uint32_t *pxm = ctx;
    unsigned v = 0;
    int rc = parse_uint("--guest-pxms", "PXM", piece, UINT32_MAX, &v, err);

    if (rc < 0)
        return rc;
    for (size_t k = 0; k < i; k++)
        if (pxm[k] == v)
            return vt_err_set(err, -EINVAL,
                              "--guest-pxms: PXM %u is given to vnodes %zu and %zu (each vnode "
                              "needs its own proximity domain)",
                              v, k, i);
    pxm[i] = v;
    return 0;
}

int vt_request_set_guest_pxms(struct vt_request *r, const char *list, struct vt_err *err)
{
    uint32_t *pxm = calloc(VT_MAX_VNODES, sizeof(*pxm));
    size_t n = 0;
    int rc;

    if (!pxm)
        return vt_err_set(err, -ENOMEM, "out of memory");
    rc = for_each_piece("--guest-pxms", list, VT_MAX_VNODES, guest_pxm_piece, pxm, &n, err);
    if (rc < 0) {
        free(pxm);
        return rc;
    }
    free(r->vnode_guest_pxm);
    r->vnode_guest_pxm = pxm;
    r->nvnode_guest_pxm = n;
    return 0;
}

/* The rule one matrix value must follow (row, col counted from 0). */
typedef int (*matrix_rule)(const char *opt, size_t row, size_t col, uint64_t v, struct vt_err *err);

/* One matrix value, text [p, end) without blanks around it. */
static int matrix_value(const char *opt, size_t row, size_t col, const char *p, const char *end,
                        uint64_t *v, struct vt_err *err)
{
    char buf[32];
    size_t len = (size_t)(end - p);

    if (len < sizeof(buf)) {
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (parse_u64_base(buf, 10, v) == 0)
            return 0;
    }
    return vt_err_set(err, -EINVAL, "%s: row %zu, column %zu: '%.*s' is not a number", opt, row,
                      col, (int)(len > 40 ? 40 : len), p);
}

/*
 * Parse "a,b,c;d,e,f": rows separated by ';', values by ',', blanks around a
 * value ignored, every row as long as the first, at most VT_MAX_VNODES rows
 * and columns; rule checks each value. *out is replaced only on success.
 */
static int parse_matrix(const char *opt, const char *text, matrix_rule rule,
                        struct request_matrix *out, struct vt_err *err)
{
    struct request_matrix m = {0};
    size_t n = 0, cap = 0, row = 0;
    const char *p = text;
    int rc = 0;

    if (!*text)
        return vt_err_set(err, -EINVAL,
                          "%s: empty (expected rows of comma-separated values, the rows "
                          "separated by ';')",
                          opt);
    for (;; row++) {
        const char *row_end = strchr(p, ';');
        size_t col = 0;

        if (!row_end)
            row_end = p + strlen(p);
        if (row >= VT_MAX_VNODES) {
            rc = vt_err_set(err, -EINVAL, "%s: more than %d rows", opt, VT_MAX_VNODES);
            goto fail;
        }
        for (;; col++) {
            const char *end = p, *last;
            uint64_t v = 0;

            while (end < row_end && *end != ',')
                end++;
            last = end;
            while (p < last && isblank((unsigned char)*p))
                p++;
            while (last > p && isblank((unsigned char)last[-1]))
                last--;
            if (p == last) {
                rc = col == 0 && end == row_end
                         ? vt_err_set(err, -EINVAL, "%s: row %zu is empty", opt, row)
                         : vt_err_set(err, -EINVAL, "%s: row %zu, column %zu is empty", opt, row,
                                      col);
                goto fail;
            }
            if (col >= VT_MAX_VNODES) {
                rc = vt_err_set(err, -EINVAL, "%s: row %zu has more than %d values", opt, row,
                                VT_MAX_VNODES);
                goto fail;
            }
            if ((rc = matrix_value(opt, row, col, p, last, &v, err)) < 0 ||
                (rc = rule(opt, row, col, v, err)) < 0)
                goto fail;
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                uint32_t *nv = realloc(m.values, ncap * sizeof(*nv));

                if (!nv) {
                    rc = vt_err_set(err, -ENOMEM, "out of memory");
                    goto fail;
                }
                m.values = nv;
                cap = ncap;
            }
            m.values[n++] = (uint32_t)v;
            p = end;
            if (p == row_end)
                break;
            p++;
        }
        if (row == 0)
            m.cols = col + 1;
        else if (col + 1 != m.cols) {
            rc = vt_err_set(err, -EINVAL,
                            "%s: row %zu has %zu values but row 0 has %zu (every row needs as "
                            "many)",
                            opt, row, col + 1, m.cols);
            goto fail;
        }
        if (!*row_end)
            break;
        p = row_end + 1;
    }
    m.rows = row + 1;
    free(out->values);
    *out = m;
    return 0;
fail:
    free(m.values);
    return rc;
}

static int distance_rule(const char *opt, size_t row, size_t col, uint64_t v, struct vt_err *err)
{
    if (row == col && v != 10)
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu (vnode %zu to itself) is %llu; the diagonal "
                          "must be 10",
                          opt, row, col, row, (unsigned long long)v);
    if (row != col && (v < 11 || v > 254))
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu (vnode %zu to vnode %zu) is %llu; distances "
                          "between vnodes must be from 11 to 254 (Linux drops a SLIT with one of "
                          "10 or less, and 255 means unreachable)",
                          opt, row, col, row, col, (unsigned long long)v);
    return 0;
}

int vt_request_set_distances(struct vt_request *r, const char *matrix, struct vt_err *err)
{
    struct request_matrix m = {0};
    int rc = parse_matrix("--distances", matrix, distance_rule, &m, err);

    if (rc < 0)
        return rc;
    if (m.rows != m.cols) {
        free(m.values);
        return vt_err_set(err, -EINVAL,
                          "--distances: %zu rows of %zu values; the matrix must be square (a row "
                          "and a column per vnode)",
                          m.rows, m.cols);
    }
    free(r->distances.values);
    r->distances = m;
    return 0;
}

static int latency_rule(const char *opt, size_t row, size_t col, uint64_t v, struct vt_err *err)
{
    if (v < 1 || v > VT_HMAT_VALUE_MAX / 1000)
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu is %llu; latencies must be from 1 to %u ns "
                          "(Linux reads an HMAT latency as a 32-bit count of picoseconds)",
                          opt, row, col, (unsigned long long)v, VT_HMAT_VALUE_MAX / 1000);
    return 0;
}

static int bandwidth_rule(const char *opt, size_t row, size_t col, uint64_t v, struct vt_err *err)
{
    if (v < 1 || v > VT_HMAT_VALUE_MAX)
        return vt_err_set(err, -EINVAL,
                          "%s: row %zu, column %zu is %llu; bandwidths must be from 1 to %u MB/s "
                          "(Linux reads an HMAT bandwidth as a 32-bit number)",
                          opt, row, col, (unsigned long long)v, VT_HMAT_VALUE_MAX);
    return 0;
}

/* An HMAT matrix: parsed, each value in range, and one base unit that
 * represents every value exactly in a 16-bit entry (src/model/linux/hmat_unit.h). */
static int set_hmat_matrix(const char *opt, const char *unit, const char *matrix, matrix_rule rule,
                           struct request_matrix *out, struct vt_err *err)
{
    struct request_matrix m = {0};
    uint64_t gcd = 0, need = 0;
    int rc = parse_matrix(opt, matrix, rule, &m, err);

    if (rc < 0)
        return rc;
    if (hmat_entry_unit(m.values, m.rows * m.cols, &gcd, &need) == 0) {
        free(m.values);
        return vt_err_set(err, -EINVAL,
                          "%s: no unit fits every value exactly in the HMAT's 16-bit entries: "
                          "the largest needs a unit of at least %llu %s, but the values' "
                          "greatest common divisor is %llu %s (round them to a coarser unit)",
                          opt, (unsigned long long)need, unit, (unsigned long long)gcd, unit);
    }
    free(out->values);
    *out = m;
    return 0;
}

int vt_request_set_hmat_latency(struct vt_request *r, const char *matrix, struct vt_err *err)
{
    return set_hmat_matrix("--hmat-latency", "ns", matrix, latency_rule, &r->hmat_latency, err);
}

int vt_request_set_hmat_bandwidth(struct vt_request *r, const char *matrix, struct vt_err *err)
{
    return set_hmat_matrix("--hmat-bandwidth", "MB/s", matrix, bandwidth_rule, &r->hmat_bandwidth,
                           err);
}

/* ---- hot-pluggable vCPUs, generic initiators, hot-pluggable memory ------- */

int vt_request_set_max_vcpus(struct vt_request *r, unsigned max, struct vt_err *err)
{
    if (max < 1 || max > VT_MAX_VCPUS)
        return vt_err_set(err, -EINVAL, "--max-vcpus %u: must be from 1 to %d", max, VT_MAX_VCPUS);
    r->max_vcpus = max;
    return 0;
}

/* "LEFT@RIGHT" split at its one '@'; the piece is modified. */
static int split_at(const char *opt, char *piece, const char *want, char **right,
                    struct vt_err *err)
{
    char *at = strchr(piece, '@');

    if (!at || strchr(at + 1, '@') || at == piece || !at[1])
        return vt_err_set(err, -EINVAL, "%s '%s': expected %s", opt, piece, want);
    *at = '\0';
    *right = at + 1;
    return 0;
}

/* The entries one call adds, checked before any is kept. */
struct new_initiators {
    const struct vt_request *r;
    struct request_initiator *add;
};

static const struct request_initiator *find_initiator(const struct request_initiator *a, size_t n,
                                                      const struct request_initiator *gi)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].segment == gi->segment && a[i].bus == gi->bus && a[i].devfn == gi->devfn)
            return &a[i];
    return NULL;
}

static int initiator_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct new_initiators *n = ctx;
    struct request_initiator gi = {0};
    const struct request_initiator *dup;
    char buf[64], *vnode_text = NULL;
    uint32_t segment = 0;
    uint8_t dev = 0, fn = 0;
    unsigned vnode = 0;
    int rc;

    if (strlen(piece) >= sizeof(buf))
        return vt_err_set(err, -EINVAL,
                          "--initiator '%.40s...': expected DEVICE@VNODE, e.g. 0000:00:04.0@1",
                          piece);
    strcpy(buf, piece);
    if ((rc = split_at("--initiator", buf, "DEVICE@VNODE, e.g. 0000:00:04.0@1", &vnode_text, err)) <
        0)
        return rc;
    if (parse_bdf(buf, &segment, &gi.bus, &dev, &fn) < 0 || segment > UINT16_MAX)
        return vt_err_set(err, -EINVAL,
                          "--initiator '%s': '%s' is not a PCI address SEGMENT:BUS:DEVICE.FUNCTION "
                          "in hex (4, 2, 2 and 1 digits; device up to 1f, function up to 7), e.g. "
                          "0000:00:04.0",
                          piece, buf);
    if ((rc = parse_uint("--initiator", "vnode", vnode_text, VT_MAX_VNODES - 1, &vnode, err)) < 0)
        return rc;
    gi.segment = (uint16_t)segment;
    gi.devfn = (uint8_t)(dev << 3 | fn);
    gi.vnode = vnode;
    if ((dup = find_initiator(n->r->initiators, n->r->ninitiators, &gi)) ||
        (dup = find_initiator(n->add, i, &gi)))
        return vt_err_set(
            err, -EINVAL,
            "--initiator: device %04x:%02x:%02x.%x is given twice (vnodes %u and %u); "
            "a device has one proximity domain",
            gi.segment, gi.bus, dev, fn, dup->vnode, vnode);
    n->add[i] = gi;
    return 0;
}

int vt_request_add_initiators(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct new_initiators ni = {r, calloc(VT_MAX_INITIATORS, sizeof(*ni.add))};
    struct request_initiator *all;
    size_t n = 0;
    int rc;

    if (!ni.add)
        return vt_err_set(err, -ENOMEM, "out of memory");
    rc = for_each_piece("--initiator", list, VT_MAX_INITIATORS, initiator_piece, &ni, &n, err);
    if (rc == 0 && r->ninitiators + n > VT_MAX_INITIATORS)
        rc =
            vt_err_set(err, -EINVAL, "--initiator: more than %d devices in all", VT_MAX_INITIATORS);
    if (rc == 0 && !(all = realloc(r->initiators, (r->ninitiators + n) * sizeof(*all))))
        rc = vt_err_set(err, -ENOMEM, "out of memory");
    if (rc == 0) {
        memcpy(all + r->ninitiators, ni.add, n * sizeof(*all));
        r->initiators = all;
        r->ninitiators += n;
    }
    free(ni.add);
    return rc;
}

static int hotplug_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct request_hotplug *add = ctx;
    char buf[64], *vnode_text = NULL;
    unsigned vnode = 0;
    uint64_t bytes = 0;
    int rc;

    if (strlen(piece) >= sizeof(buf))
        return vt_err_set(err, -EINVAL,
                          "--hotplug-memory '%.40s...': expected SIZE@VNODE, e.g. 4G@1", piece);
    strcpy(buf, piece);
    if ((rc = split_at("--hotplug-memory", buf, "SIZE@VNODE, e.g. 4G@1", &vnode_text, err)) < 0)
        return rc;
    if ((rc = vt_size_parse(buf, &bytes, err)) < 0) {
        vt_err_prefix(err, "--hotplug-memory '%s': ", piece);
        return rc;
    }
    if (bytes == 0 || bytes % HOTPLUG_GRANULE)
        return vt_err_set(err, -EINVAL,
                          "--hotplug-memory '%s': the size must be a non-zero multiple of 128 MiB "
                          "(Linux hot-adds memory in blocks of 128 MiB)",
                          piece);
    if ((rc = parse_uint("--hotplug-memory", "vnode", vnode_text, VT_MAX_VNODES - 1, &vnode, err)) <
        0)
        return rc;
    add[i].bytes = bytes;
    add[i].vnode = vnode;
    return 0;
}

int vt_request_add_hotplug_memory(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct request_hotplug *add = calloc(VT_MAX_HOTPLUG_RANGES, sizeof(*add)), *all;
    size_t n = 0;
    int rc;

    if (!add)
        return vt_err_set(err, -ENOMEM, "out of memory");
    rc = for_each_piece("--hotplug-memory", list, VT_MAX_HOTPLUG_RANGES, hotplug_piece, add, &n,
                        err);
    if (rc == 0 && r->nhotplug + n > VT_MAX_HOTPLUG_RANGES)
        rc = vt_err_set(err, -EINVAL, "--hotplug-memory: more than %d ranges in all",
                        VT_MAX_HOTPLUG_RANGES);
    if (rc == 0 && !(all = realloc(r->hotplug, (r->nhotplug + n) * sizeof(*all))))
        rc = vt_err_set(err, -ENOMEM, "out of memory");
    if (rc == 0) {
        memcpy(all + r->nhotplug, add, n * sizeof(*all));
        r->hotplug = all;
        r->nhotplug += n;
    }
    free(add);
    return rc;
}
