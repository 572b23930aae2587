/* vt_request: a guest request and the parsing of each of its options. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "plan/request_internal.h"
#include "util/parse.h"
#include "vtopo/size.h"

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

    if (vt_parse_u64_base(text, 10, &v) < 0 || v > max)
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
