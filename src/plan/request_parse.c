/* The request fields from text, in the grammar of vtopo's command line
 * (include/vtopo/layout.h, vt_request_parse_*): each parses its text into
 * the typed setter's arguments and calls it, so a request built from text is
 * held to the same rules as one built from arrays. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/request_internal.h"
#include "util/parse.h"
#include "vtopo/size.h"

#define F(f) request_name(r, f)

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
    /* VCPUS@VALUE, as the initiator and hot-plug maps write it, is the
     * same: one map syntax whichever a user reaches for. */
    for (char *c = copy; *c; c++)
        if (*c == '@')
            *c = ':';
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
 * and columns, each value following the field's rule.
 * *out is replaced only on success.
 */
static int parse_matrix(const struct vt_request *r, enum vt_request_field f, const char *text,
                        struct request_matrix *out, struct vt_err *err)
{
    const char *opt = F(f);
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
            /* Each value's rule as it is read (the typed setter checks
             * them again): the first bad value is the one reported, and
             * none beyond 32 bits reaches the typed matrix. */
            if ((rc = matrix_value(opt, row, col, p, last, &v, err)) < 0 ||
                (rc = request_check_matrix_value(r, f, row, col, v, err)) < 0)
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

/* "LEFT@RIGHT" split at its one '@' (or, with colon_too and no '@', its one
 * ':', as the vCPU maps write it); the piece is modified. */
static int split_at(const char *opt, char *piece, const char *want, bool colon_too, char **right,
                    struct vt_err *err)
{
    char *at = strchr(piece, '@');

    if (!at && colon_too && (at = strchr(piece, ':')) && strchr(at + 1, ':'))
        at = NULL;
    if (!at || strchr(at + 1, '@') || at == piece || !at[1])
        return vt_err_set(err, -EINVAL, "%s '%s': expected %s", opt, piece, want);
    *at = '\0';
    *right = at + 1;
    return 0;
}

/* ---- placement ------------------------------------------------------------ */

/* A per-vCPU map "LIST:VALUE,...": values[vcpu], -1 where not named. */
struct vcpu_map {
    const struct vt_request *r;
    enum vt_request_field f;
    int *values;
    size_t n;
};

static int vcpu_nodes_item(void *ctx, const char *left, const char *right, struct vt_err *err)
{
    struct vcpu_map *m = ctx;
    const struct vt_request *r = m->r;
    struct vt_bitmap *b = vt_bitmap_new();
    unsigned vnode = 0;
    int rc;

    if (!b)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = parse_vcpu_list(F(m->f), left, b, err)) < 0 ||
        (rc = parse_uint(F(m->f), "vnode", right, VT_MAX_VNODES - 1, &vnode, err)) < 0 ||
        (rc = grow_ints(&m->values, &m->n, (size_t)vt_bitmap_last(b) + 1, -1)) < 0) {
        vt_bitmap_free(b);
        return rc == -ENOMEM ? vt_err_set(err, rc, "out of memory") : rc;
    }
    vt_bitmap_foreach(v, b)
    {
        int *slot = &m->values[v];

        if (*slot >= 0) {
            rc = vt_err_set(err, -EINVAL, "%s: vCPU %d is assigned twice (vnodes %d and %u)",
                            F(m->f), v, *slot, vnode);
            break;
        }
        *slot = (int)vnode;
    }
    vt_bitmap_free(b);
    return rc;
}

int vt_request_parse_vcpu_vnodes(struct vt_request *r, const char *map, struct vt_err *err)
{
    struct vcpu_map m = {r, VT_FIELD_VCPU_VNODES, NULL, 0};
    int rc;

    if ((rc = request_check_placement(r, PLACE_VCPU_NODES, err)) == 0 &&
        (rc = for_each_item(F(m.f), map, vcpu_nodes_item, &m, err)) == 0)
        rc = vt_request_set_vcpu_vnodes(r, m.values, m.n, err);
    free(m.values);
    return rc;
}

static int pin_item(void *ctx, const char *left, const char *right, struct vt_err *err)
{
    struct vcpu_map *m = ctx;
    const struct vt_request *r = m->r;
    struct vt_bitmap *v = vt_bitmap_new(), *p = vt_bitmap_new();
    int rc, pc;

    if (!v || !p) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = parse_vcpu_list(F(m->f), left, v, err)) < 0)
        goto out;
    if ((rc = vt_bitmap_parse_list(p, right, VT_CPU_ID_MAX, err)) < 0) {
        vt_err_prefix(err, "%s: pCPU list ", F(m->f));
        goto out;
    }
    if (vt_bitmap_weight(v) != vt_bitmap_weight(p)) {
        rc = vt_err_set(err, -EINVAL,
                        "%s: '%s:%s' pins %u vCPUs to %u pCPUs (the lists must be the same "
                        "size)",
                        F(m->f), left, right, vt_bitmap_weight(v), vt_bitmap_weight(p));
        goto out;
    }
    if ((rc = grow_ints(&m->values, &m->n, (size_t)vt_bitmap_last(v) + 1, -1)) < 0) {
        rc = vt_err_set(err, rc, "out of memory");
        goto out;
    }
    pc = vt_bitmap_first(p);
    vt_bitmap_foreach(vc, v)
    {
        if (m->values[vc] >= 0) {
            rc = vt_err_set(err, -EINVAL, "%s: vCPU %d is pinned twice", F(m->f), vc);
            goto out;
        }
        m->values[vc] = pc;
        pc = vt_bitmap_next(p, pc);
    }
out:
    vt_bitmap_free(v);
    vt_bitmap_free(p);
    return rc;
}

int vt_request_parse_pins(struct vt_request *r, const char *map, struct vt_err *err)
{
    struct vcpu_map m = {r, VT_FIELD_PINS, NULL, 0};
    int rc;

    if ((rc = request_check_placement(r, PLACE_PIN, err)) == 0 &&
        (rc = for_each_item(F(m.f), map, pin_item, &m, err)) == 0)
        rc = vt_request_set_pins(r, m.values, m.n, err);
    free(m.values);
    return rc;
}

/* ---- per-vnode lists -------------------------------------------------------- */

struct pieces {
    const struct vt_request *r;
    void *values;
};

static int pnode_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct pieces *c = ctx;
    const struct vt_request *r = c->r;

    return parse_uint(F(VT_FIELD_VNODE_PNODES), "pnode", piece, VT_NODE_ID_MAX,
                      &((unsigned *)c->values)[i], err);
}

int vt_request_parse_vnode_pnodes(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct pieces c = {r, calloc(VT_MAX_VNODES, sizeof(unsigned))};
    size_t n = 0;
    int rc;

    if (!c.values)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = for_each_piece(F(VT_FIELD_VNODE_PNODES), list, VT_MAX_VNODES, pnode_piece, &c, &n,
                             err)) == 0)
        rc = vt_request_set_vnode_pnodes(r, c.values, n, err);
    free(c.values);
    return rc;
}

static int memory_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct pieces *c = ctx;
    const struct vt_request *r = c->r;
    uint64_t *bytes = c->values;
    int rc = vt_size_parse_unit(piece, &bytes[i], err);

    if (rc < 0) {
        vt_err_prefix(err, "%s: entry %zu: ", F(VT_FIELD_VNODE_MEMORY), i);
        return rc;
    }
    /* The typed setter's rule, said in the user's own words. */
    if (bytes[i] % VT_MEM_GRANULE)
        return vt_err_set(err, -EINVAL,
                          "%s: entry %zu (%s) is not a multiple of 2 MiB (the memory "
                          "granule)",
                          F(VT_FIELD_VNODE_MEMORY), i, piece);
    return 0;
}

int vt_request_parse_vnode_memory(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct pieces c = {r, calloc(VT_MAX_VNODES, sizeof(uint64_t))};
    size_t n = 0;
    int rc;

    if (!c.values)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = for_each_piece(F(VT_FIELD_VNODE_MEMORY), list, VT_MAX_VNODES, memory_piece, &c, &n,
                             err)) == 0)
        rc = vt_request_set_vnode_memory(r, c.values, n, err);
    free(c.values);
    return rc;
}

static int shape_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct pieces *c = ctx;
    const struct vt_request *r = c->r;
    struct vt_shape *s = c->values;
    const char *eq = strchr(piece, '=');
    static const char *const keys[] = {"sockets", "dies", "cores", "threads"};
    unsigned *fields[] = {&s->sockets, &s->dies, &s->cores, &s->threads};
    unsigned v = 0;

    (void)i;
    if (!eq)
        return vt_err_set(err, -EINVAL, "%s: '%s' is not key=value", F(VT_FIELD_SHAPE), piece);
    for (size_t k = 0; k < 4; k++)
        if (strlen(keys[k]) == (size_t)(eq - piece) &&
            strncmp(piece, keys[k], (size_t)(eq - piece)) == 0) {
            if (*fields[k])
                return vt_err_set(err, -EINVAL, "%s: %s is given twice", F(VT_FIELD_SHAPE),
                                  keys[k]);
            if (parse_uint(F(VT_FIELD_SHAPE), keys[k], eq + 1, VT_MAX_VCPUS, &v, err) < 0 || v == 0)
                return vt_err_set(err, -EINVAL, "%s: %s=%s must be from 1 to %d", F(VT_FIELD_SHAPE),
                                  keys[k], eq + 1, VT_MAX_VCPUS);
            *fields[k] = v;
            return 0;
        }
    return vt_err_set(err, -EINVAL, "%s: unknown key '%.*s' (known: sockets, dies, cores, threads)",
                      F(VT_FIELD_SHAPE), (int)(eq - piece), piece);
}

int vt_request_parse_shape(struct vt_request *r, const char *shape, struct vt_err *err)
{
    struct vt_shape s = {0};
    struct pieces c = {r, &s};
    size_t n;
    int rc = for_each_piece(F(VT_FIELD_SHAPE), shape, 4, shape_piece, &c, &n, err);

    return rc < 0 ? rc : vt_request_set_shape(r, &s, err);
}

int vt_request_parse_vendor(struct vt_request *r, const char *vendor, struct vt_err *err)
{
    if (strcmp(vendor, "intel") == 0)
        return vt_request_set_vendor(r, VT_VENDOR_INTEL, err);
    if (strcmp(vendor, "amd") == 0)
        return vt_request_set_vendor(r, VT_VENDOR_AMD, err);
    return vt_err_set(err, -EINVAL, "%s %s: expected intel or amd", F(VT_FIELD_VENDOR), vendor);
}

int vt_request_parse_apic(struct vt_request *r, const char *encoding, struct vt_err *err)
{
    static const enum vt_apic_encoding all[] = {VT_APIC_SDM, VT_APIC_XEN, VT_APIC_LEGACY};

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(encoding, vt_apic_encoding_name(all[i])) == 0)
            return vt_request_set_apic(r, all[i], err);
    return vt_err_set(err, -EINVAL, "%s %s: expected sdm, xen or legacy", F(VT_FIELD_APIC),
                      encoding);
}

int vt_request_parse_mem_layout(struct vt_request *r, const char *layout, struct vt_err *err)
{
    static const enum vt_mem_layout kinds[] = {VT_MEM_FLAT, VT_MEM_QEMU_PC, VT_MEM_QEMU_Q35,
                                               VT_MEM_XEN_HVM, VT_MEM_HOST};

    if (strncmp(layout, "e820:", 5) == 0)
        return vt_request_set_mem_layout(r, VT_MEM_E820, layout + 5, err);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(layout, vt_mem_layout_name(kinds[i])) == 0)
            return vt_request_set_mem_layout(r, kinds[i], NULL, err);
    return vt_err_set(err, -EINVAL,
                      "%s %s: expected flat, qemu-pc, qemu-q35, xen-hvm, host or "
                      "e820:FILE",
                      F(VT_FIELD_MEM_LAYOUT), layout);
}

/* ---- guest PXMs, distances, HMAT matrices ------------------------------- */

static int guest_pxm_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct pieces *c = ctx;
    const struct vt_request *r = c->r;
    unsigned v = 0;
    int rc = parse_uint(F(VT_FIELD_GUEST_PXMS), "PXM", piece, UINT32_MAX, &v, err);

    if (rc == 0)
        ((uint32_t *)c->values)[i] = v;
    return rc;
}

int vt_request_parse_guest_pxms(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct pieces c = {r, calloc(VT_MAX_VNODES, sizeof(uint32_t))};
    size_t n = 0;
    int rc;

    if (!c.values)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = for_each_piece(F(VT_FIELD_GUEST_PXMS), list, VT_MAX_VNODES, guest_pxm_piece, &c, &n,
                             err)) == 0)
        rc = vt_request_set_guest_pxms(r, c.values, n, err);
    free(c.values);
    return rc;
}

typedef int (*matrix_setter)(struct vt_request *r, const uint32_t *m, size_t rows, size_t cols,
                             struct vt_err *err);

static int parse_matrix_field(struct vt_request *r, enum vt_request_field f, const char *text,
                              matrix_setter set, struct vt_err *err)
{
    struct request_matrix m = {0};
    int rc = parse_matrix(r, f, text, &m, err);

    if (rc == 0)
        rc = set(r, m.values, m.rows, m.cols, err);
    free(m.values);
    return rc;
}

int vt_request_parse_distances(struct vt_request *r, const char *matrix, struct vt_err *err)
{
    return parse_matrix_field(r, VT_FIELD_DISTANCES, matrix, vt_request_set_distances, err);
}

int vt_request_parse_hmat_latency(struct vt_request *r, const char *matrix, struct vt_err *err)
{
    return parse_matrix_field(r, VT_FIELD_HMAT_LATENCY, matrix, vt_request_set_hmat_latency, err);
}

int vt_request_parse_hmat_bandwidth(struct vt_request *r, const char *matrix, struct vt_err *err)
{
    return parse_matrix_field(r, VT_FIELD_HMAT_BANDWIDTH, matrix, vt_request_set_hmat_bandwidth,
                              err);
}

/* ---- generic initiators, hot-pluggable memory ----------------------------- */

static int initiator_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct pieces *c = ctx;
    const struct vt_request *r = c->r;
    struct vt_initiator *gi = &((struct vt_initiator *)c->values)[i];
    char buf[64], *vnode_text = NULL;
    uint32_t segment = 0;
    uint8_t dev = 0, fn = 0;
    int rc;

    if (strlen(piece) >= sizeof(buf))
        return vt_err_set(err, -EINVAL, "%s '%.40s...': expected DEVICE@VNODE, e.g. 0000:00:04.0@1",
                          F(VT_FIELD_INITIATORS), piece);
    strcpy(buf, piece);
    if ((rc = split_at(F(VT_FIELD_INITIATORS), buf, "DEVICE@VNODE, e.g. 0000:00:04.0@1", false,
                       &vnode_text, err)) < 0)
        return rc;
    if (parse_bdf(buf, &segment, &gi->bus, &dev, &fn) < 0 || segment > UINT16_MAX)
        return vt_err_set(err, -EINVAL,
                          "%s '%s': '%s' is not a PCI address SEGMENT:BUS:DEVICE.FUNCTION "
                          "in hex (4, 2, 2 and 1 digits; device up to 1f, function up to 7), e.g. "
                          "0000:00:04.0",
                          F(VT_FIELD_INITIATORS), piece, buf);
    gi->segment = (uint16_t)segment;
    gi->devfn = (uint8_t)(dev << 3 | fn);
    return parse_uint(F(VT_FIELD_INITIATORS), "vnode", vnode_text, VT_MAX_VNODES - 1, &gi->vnode,
                      err);
}

int vt_request_parse_initiators(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct pieces c = {r, calloc(VT_MAX_INITIATORS, sizeof(struct vt_initiator))};
    size_t n = 0;
    int rc;

    if (!c.values)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = for_each_piece(F(VT_FIELD_INITIATORS), list, VT_MAX_INITIATORS, initiator_piece, &c,
                             &n, err)) == 0)
        rc = vt_request_add_initiators(r, c.values, n, err);
    free(c.values);
    return rc;
}

static int hotplug_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct pieces *c = ctx;
    const struct vt_request *r = c->r;
    struct vt_hotplug_request *h = &((struct vt_hotplug_request *)c->values)[i];
    char buf[64], *vnode_text = NULL;
    int rc;

    if (strlen(piece) >= sizeof(buf))
        return vt_err_set(err, -EINVAL, "%s '%.40s...': expected SIZE@VNODE, e.g. 4G@1",
                          F(VT_FIELD_HOTPLUG_MEMORY), piece);
    strcpy(buf, piece);
    if ((rc = split_at(F(VT_FIELD_HOTPLUG_MEMORY), buf, "SIZE@VNODE, e.g. 4G@1", true, &vnode_text,
                       err)) < 0)
        return rc;
    if ((rc = vt_size_parse_unit(buf, &h->bytes, err)) < 0) {
        vt_err_prefix(err, "%s '%s': ", F(VT_FIELD_HOTPLUG_MEMORY), piece);
        return rc;
    }
    /* The typed setter's rule, said in the user's own words. */
    if (!hotplug_size_ok(h->bytes))
        return vt_err_set(err, -EINVAL,
                          "%s '%s': the size must be a non-zero multiple of 128 MiB "
                          "(Linux hot-adds memory in blocks of 128 MiB)",
                          F(VT_FIELD_HOTPLUG_MEMORY), piece);
    return parse_uint(F(VT_FIELD_HOTPLUG_MEMORY), "vnode", vnode_text, VT_MAX_VNODES - 1, &h->vnode,
                      err);
}

int vt_request_parse_hotplug_memory(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct pieces c = {r, calloc(VT_MAX_HOTPLUG_RANGES, sizeof(struct vt_hotplug_request))};
    size_t n = 0;
    int rc;

    if (!c.values)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = for_each_piece(F(VT_FIELD_HOTPLUG_MEMORY), list, VT_MAX_HOTPLUG_RANGES, hotplug_piece,
                             &c, &n, err)) == 0)
        rc = vt_request_add_hotplug_memory(r, c.values, n, err);
    free(c.values);
    return rc;
}

/* ---- PCI devices ------------------------------------------------------------ */

const char *vt_device_model_name(enum vt_device_model m)
{
    static const char *const names[] = {"vfio", "nvme", "virtio-net", "virtio-blk"};

    return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

int device_model_of_name(const char *name)
{
    for (int m = VT_DEVICE_VFIO; m <= VT_DEVICE_VIRTIO_BLK; m++)
        if (!strcmp(name, vt_device_model_name((enum vt_device_model)m)))
            return m;
    return -1;
}

/* One attribute of --device: model=, queues=, slot=. */
static int device_attr(const struct vt_request *r, const char *spec, const char *attr,
                       struct vt_device_request *d, struct vt_err *err)
{
    const char *eq = strchr(attr, '=');
    unsigned v = 0;

    if (eq && !strncmp(attr, "model=", 6)) {
        int m = device_model_of_name(eq + 1);

        if (m >= 0) {
            d->model = (enum vt_device_model)m;
            return 0;
        }
        return vt_err_set(err, -EINVAL,
                          "%s '%s': model '%s' is not vfio, nvme, virtio-net or virtio-blk",
                          F(VT_FIELD_DEVICES), spec, eq + 1);
    }
    if (eq && !strncmp(attr, "queues=", 7)) {
        if (parse_uint(F(VT_FIELD_DEVICES), "queues", eq + 1, VT_MAX_DEVICE_QUEUES, &v, err) < 0 ||
            v == 0)
            return vt_err_set(err, -EINVAL, "%s '%s': queues '%s' is not a number from 1 to %d",
                              F(VT_FIELD_DEVICES), spec, eq + 1, VT_MAX_DEVICE_QUEUES);
        d->queues = v;
        return 0;
    }
    if (eq && !strncmp(attr, "slot=", 5)) {
        if (parse_uint(F(VT_FIELD_DEVICES), "slot", eq + 1, VT_MAX_EXPANDER_PORTS - 1, &v, err) < 0)
            return vt_err_set(err, -EINVAL, "%s '%s': slot '%s' is not a number from 0 to %d",
                              F(VT_FIELD_DEVICES), spec, eq + 1, VT_MAX_EXPANDER_PORTS - 1);
        d->slot = (int)v;
        return 0;
    }
    return vt_err_set(err, -EINVAL,
                      "%s '%s': '%s' is not model=MODEL, queues=N or slot=N (expected "
                      "BDF[@VNODE][,model=vfio|nvme|virtio-net|virtio-blk][,queues=N][,slot=N])",
                      F(VT_FIELD_DEVICES), spec, attr);
}

int vt_request_parse_device(struct vt_request *r, const char *spec, struct vt_err *err)
{
    struct vt_device_request d;
    char bdf[VT_DEVICE_SPEC_MAX];
    int rc = vt_device_request_parse(r, spec, &d, bdf, err);

    return rc < 0 ? rc : vt_request_add_devices(r, &d, 1, err);
}

int vt_device_request_parse(const struct vt_request *r, const char *spec,
                            struct vt_device_request *out, char bdf[VT_DEVICE_SPEC_MAX],
                            struct vt_err *err)
{
    struct vt_device_request d = {NULL, -1, VT_DEVICE_VFIO, 0, -1};
    char buf[VT_DEVICE_SPEC_MAX], *save = NULL, *tok, *at;
    int rc = 0;

    if (strlen(spec) >= sizeof(buf) || !*spec || spec[0] == ',')
        return vt_err_set(err, -EINVAL,
                          "%s '%.40s': expected BDF[@VNODE][,model=MODEL][,queues=N][,slot=N], "
                          "e.g. 0000:3b:00.0@1",
                          F(VT_FIELD_DEVICES), spec);
    strcpy(buf, spec);
    tok = strtok_r(buf, ",", &save);
    if ((at = strchr(tok, '@'))) {
        unsigned vnode = 0;

        *at = '\0';
        if ((rc = parse_uint(F(VT_FIELD_DEVICES), "vnode", at + 1, VT_MAX_VNODES - 1, &vnode,
                             err)) < 0)
            return rc;
        d.vnode = (int)vnode;
    }
    snprintf(bdf, VT_DEVICE_SPEC_MAX, "%s", tok);
    d.bdf = bdf;
    if (spec[strlen(spec) - 1] == ',' || strstr(spec, ",,"))
        return vt_err_set(err, -EINVAL, "%s '%s': an attribute is empty", F(VT_FIELD_DEVICES),
                          spec);
    while (rc == 0 && (tok = strtok_r(NULL, ",", &save))) {
        size_t klen = strcspn(tok, "=");

        for (const char *p = strstr(spec, ","); p && rc == 0 && p < spec + (tok - buf) - 1;
             p = strchr(p + 1, ','))
            if (!strncmp(p + 1, tok, klen + 1))
                rc = vt_err_set(err, -EINVAL, "%s '%s': %.*s is given twice", F(VT_FIELD_DEVICES),
                                spec, (int)klen, tok);
        if (rc == 0)
            rc = device_attr(r, spec, tok, &d, err);
    }
    if (rc == 0)
        *out = d;
    return rc;
}

static int spare_piece(void *ctx, size_t i, const char *piece, struct vt_err *err)
{
    struct pieces *c = ctx;
    const struct vt_request *r = c->r;

    return parse_uint(F(VT_FIELD_SPARE_SLOTS), "count", piece, VT_MAX_EXPANDER_PORTS - 1,
                      &((unsigned *)c->values)[i], err);
}

/* A host CPU list of field f into b ("any": *any set, b untouched). */
static int parse_cpu_set(const struct vt_request *r, enum vt_request_field f, const char *text,
                         struct vt_bitmap *b, bool *any, struct vt_err *err)
{
    int rc;

    if (any && !strcmp(text, "any")) {
        *any = true;
        return 0;
    }
    if ((rc = vt_bitmap_parse_list(b, text, VT_CPU_ID_MAX, err)) < 0) {
        vt_err_prefix(err, "%s: a host CPU list%s: ", F(f), any ? " or any" : ", auto or none");
        return rc;
    }
    if (vt_bitmap_iszero(b))
        return vt_err_set(err, -EINVAL, "%s: host CPU list '%s' is empty", F(f), text);
    return 0;
}

int vt_request_parse_vnode_cpus(struct vt_request *r, const char *lists, struct vt_err *err)
{
    struct vt_bitmap *sets[VT_MAX_VNODES] = {NULL};
    char *copy = strdup(lists), *p = copy, *semi;
    size_t n = 0;
    int rc = 0;

    if (!copy)
        return vt_err_set(err, -ENOMEM, "out of memory");
    do {
        bool any = false;

        if ((semi = strchr(p, ';')))
            *semi = '\0';
        if (!*p)
            rc = vt_err_set(err, -EINVAL,
                            "%s '%s': an entry is empty (give a host CPU list or any for every "
                            "vnode, separated by ';')",
                            F(VT_FIELD_VNODE_CPUS), lists);
        else if (n >= VT_MAX_VNODES)
            rc = vt_err_set(err, -EINVAL, "%s: more than %d entries", F(VT_FIELD_VNODE_CPUS),
                            VT_MAX_VNODES);
        else if (!(sets[n] = vt_bitmap_new()))
            rc = vt_err_set(err, -ENOMEM, "out of memory");
        else if ((rc = parse_cpu_set(r, VT_FIELD_VNODE_CPUS, p, sets[n], &any, err)) == 0 && any) {
            vt_bitmap_free(sets[n]);
            sets[n] = NULL;
        }
        n++;
        if (semi)
            p = semi + 1;
    } while (rc == 0 && semi);
    if (rc == 0)
        rc = vt_request_set_vnode_cpus(r, (const struct vt_bitmap *const *)sets, n, err);
    for (size_t i = 0; i < n && i < VT_MAX_VNODES; i++)
        vt_bitmap_free(sets[i]);
    free(copy);
    return rc;
}

int vt_request_parse_emulator_cpus(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct vt_bitmap *b = vt_bitmap_new();
    int rc;

    if (!b)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (!strcmp(list, "auto") || !strcmp(list, "none"))
        rc = vt_request_set_emulator_cpus(r, *list == 'a' ? VT_EMULATOR_AUTO : VT_EMULATOR_NONE,
                                          NULL, err);
    else if ((rc = parse_cpu_set(r, VT_FIELD_EMULATOR_CPUS, list, b, NULL, err)) == 0)
        rc = vt_request_set_emulator_cpus(r, VT_EMULATOR_LIST, b, err);
    vt_bitmap_free(b);
    return rc;
}

int vt_request_parse_spare_slots(struct vt_request *r, const char *list, struct vt_err *err)
{
    struct pieces c = {r, calloc(VT_MAX_VNODES, sizeof(unsigned))};
    size_t n = 0;
    int rc;

    if (!c.values)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = for_each_piece(F(VT_FIELD_SPARE_SLOTS), list, VT_MAX_VNODES, spare_piece, &c, &n,
                             err)) == 0)
        rc = vt_request_set_spare_slots(r, c.values, n, err);
    free(c.values);
    return rc;
}
