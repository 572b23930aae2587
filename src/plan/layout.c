/* vt_layout: allocation, freezing, accessors, APIC-ID and GPA queries. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/layout_internal.h"
#include "plan/layout_query.h"
#include "plan/request_internal.h"
#include "util/text.h"

/* HMAT values derived from a distance d: d x 10 ns, 512000 / d MB/s (a local
 * access, d = 10, is 100 ns and 51.2 GB/s). */
#define HMAT_NS_PER_DISTANCE 10u
#define HMAT_MBPS_X_DISTANCE 512000u

struct vt_layout *layout_alloc(size_t nvcpus, size_t nvnodes)
{
    struct vt_layout *l = calloc(1, sizeof(*l));

    if (!l)
        return NULL;
    l->vcpus = calloc(nvcpus ? nvcpus : 1, sizeof(*l->vcpus));
    l->vnodes = calloc(nvnodes ? nvnodes : 1, sizeof(*l->vnodes));
    l->dist = calloc(nvnodes ? nvnodes * nvnodes : 1, sizeof(*l->dist));
    if (!l->vcpus || !l->vnodes || !l->dist) {
        vt_layout_free(l);
        return NULL;
    }
    l->nvcpus = l->npresent = nvcpus;
    l->nvnodes = nvnodes;
    l->nodes_per_pkg = 1; /* until layout_freeze counts them */
    for (size_t i = 0; i < nvcpus; i++) {
        l->vcpus[i].vcpu = (unsigned)i;
        l->vcpus[i].pcpu = -1;
    }
    for (size_t i = 0; i < nvnodes; i++) {
        l->vnodes[i].pub.vnode = (unsigned)i;
        l->vnodes[i].pub.pnode = -1;
        l->vnodes[i].pub.host_pxm = VT_PXM_UNKNOWN;
        if (!(l->vnodes[i].vcpus = vt_bitmap_new()) ||
            !(l->vnodes[i].hotplug_vcpus = vt_bitmap_new())) {
            vt_layout_free(l);
            return NULL;
        }
    }
    return l;
}

void vt_layout_free(struct vt_layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nvnodes; i++) {
        vt_bitmap_free(l->vnodes[i].vcpus);
        vt_bitmap_free(l->vnodes[i].hotplug_vcpus);
        vt_bitmap_free(l->vnodes[i].float_cpus);
        free(l->vnodes[i].ranges);
    }
    for (size_t i = 0; i < l->nwarnings; i++)
        free(l->warnings[i]);
    free(l->warnings);
    free(l->vcpus);
    free(l->vnodes);
    vt_bitmap_free(l->emulator_cpus);
    free(l->dist);
    free(l->hmat_row);
    free(l->hmat_col);
    free(l->hmat_latency);
    free(l->hmat_bandwidth);
    free(l->map);
    free(l->gpa);
    free(l->initiators);
    free(l->hotplug);
    free(l->devices);
    free(l->expanders);
    vt_request_free(l->request);
    free(l);
}

const struct vt_request *vt_layout_request(const struct vt_layout *l)
{
    return l->request;
}

void layout_warn(struct vt_layout *l, const char *fmt, ...)
{
    char **w = realloc(l->warnings, (l->nwarnings + 1) * sizeof(*w));
    va_list ap;
    char *msg;
    int rc;

    if (!w)
        return;
    l->warnings = w;
    va_start(ap, fmt);
    rc = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc >= 0 && (msg = vt_text_take_safe(msg)))
        l->warnings[l->nwarnings++] = msg;
}

static int cmp_gpa(const void *a, const void *b)
{
    const struct gpa_range *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* The most vnodes any package (as the guest sees packages: apic_id >>
 * pkg_shift) holds, counted up to 8, the limit of AMD's NodesPerProcessor
 * field: a whole-layout fact CPUID leaf 0x8000001E needs for every vCPU. */
static int nodes_per_package(struct vt_layout *l)
{
    const unsigned slots = 8;
    unsigned pkg_shift = l->fields.pkg_shift;
    size_t n = l->nvcpus, npkg = 0;
    unsigned *seen, *nseen;

    l->nodes_per_pkg = 1;
    for (size_t i = 0; i < n; i++) {
        size_t pk = l->vcpus[i].apic_id >> pkg_shift;

        npkg = pk + 1 > npkg ? pk + 1 : npkg;
    }
    seen = calloc(npkg ? npkg * slots : 1, sizeof(*seen));
    nseen = calloc(npkg ? npkg : 1, sizeof(*nseen));
    if (!seen || !nseen) {
        free(seen);
        free(nseen);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = &l->vcpus[i];
        size_t pk = c->apic_id >> pkg_shift;
        unsigned k = 0;

        while (k < nseen[pk] && seen[pk * slots + k] != c->vnode)
            k++;
        if (k == nseen[pk] && nseen[pk] < slots) {
            seen[pk * slots + nseen[pk]++] = c->vnode;
            if (nseen[pk] > l->nodes_per_pkg)
                l->nodes_per_pkg = nseen[pk];
        }
    }
    free(seen);
    free(nseen);
    return 0;
}

/* Initiator rows and target columns of the HMAT matrices, in vnode order. */
static int hmat_roles(struct vt_layout *l)
{
    size_t n = l->nvnodes ? l->nvnodes : 1;

    free(l->hmat_row);
    free(l->hmat_col);
    l->hmat_row = malloc(n * sizeof(*l->hmat_row));
    l->hmat_col = malloc(n * sizeof(*l->hmat_col));
    if (!l->hmat_row || !l->hmat_col)
        return -ENOMEM;
    l->ninit = l->ntarg = 0;
    for (size_t v = 0; v < l->nvnodes; v++) {
        l->hmat_row[v] = vt_layout_hmat_is_initiator(l, (unsigned)v) ? (int)l->ninit++ : -1;
        l->hmat_col[v] = vt_layout_hmat_is_target(l, (unsigned)v) ? (int)l->ntarg++ : -1;
    }
    return 0;
}

bool vt_layout_hmat_is_initiator(const struct vt_layout *l, unsigned vnode)
{
    const struct layout_vnode *v = vnode < l->nvnodes ? &l->vnodes[vnode] : NULL;

    return v && (!vt_bitmap_iszero(v->vcpus) || !vt_bitmap_iszero(v->hotplug_vcpus) ||
                 v->pub.ninitiators);
}

bool vt_layout_hmat_is_target(const struct vt_layout *l, unsigned vnode)
{
    const struct layout_vnode *v = vnode < l->nvnodes ? &l->vnodes[vnode] : NULL;

    return v && (v->pub.memory_bytes || v->pub.hotplug_memory_bytes);
}

int layout_freeze(struct vt_layout *l, struct vt_err *err)
{
    size_t total = l->nhotplug, k = 0;

    if (nodes_per_package(l) < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < l->nvnodes; i++) {
        struct layout_vnode *v = &l->vnodes[i];

        v->pub.vcpus = v->vcpus;
        v->pub.hotplug_vcpus = v->hotplug_vcpus;
        v->pub.ranges = v->ranges;
        v->pub.nranges = v->nranges;
        v->pub.ninitiators = 0;
        v->pub.hotplug_memory_bytes = 0;
        total += v->nranges;
    }
    for (size_t i = 0; i < l->ninitiators; i++)
        l->vnodes[l->initiators[i].vnode].pub.ninitiators++;
    free(l->gpa);
    l->gpa = calloc(total ? total : 1, sizeof(*l->gpa));
    if (!l->gpa)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < l->nvnodes; i++)
        for (size_t r = 0; r < l->vnodes[i].nranges; r++) {
            l->gpa[k].start = l->vnodes[i].ranges[r].start;
            l->gpa[k].end = l->vnodes[i].ranges[r].end;
            l->gpa[k].vnode = (unsigned)i;
            k++;
        }
    for (size_t h = 0; h < l->nhotplug; h++, k++) {
        l->gpa[k].start = l->hotplug[h].start;
        l->gpa[k].end = l->hotplug[h].end;
        l->gpa[k].vnode = l->hotplug[h].vnode;
        l->vnodes[l->hotplug[h].vnode].pub.hotplug_memory_bytes +=
            l->hotplug[h].end - l->hotplug[h].start;
    }
    l->ngpa = total;
    if (hmat_roles(l) < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (total)
        qsort(l->gpa, total, sizeof(*l->gpa), cmp_gpa);
    for (size_t i = 1; i < total; i++)
        if (l->gpa[i].start < l->gpa[i - 1].end)
            return vt_err_set(err, -EINVAL,
                              "memory ranges of vnode %u (0x%llx-0x%llx) and vnode %u "
                              "(0x%llx-0x%llx) overlap",
                              l->gpa[i - 1].vnode, (unsigned long long)l->gpa[i - 1].start,
                              (unsigned long long)l->gpa[i - 1].end, l->gpa[i].vnode,
                              (unsigned long long)l->gpa[i].start,
                              (unsigned long long)l->gpa[i].end);
    return 0;
}

size_t vt_layout_vcpu_count(const struct vt_layout *l)
{
    return l->npresent;
}

const struct vt_vcpu *vt_layout_vcpu(const struct vt_layout *l, size_t vcpu)
{
    return vcpu < l->npresent ? &l->vcpus[vcpu] : NULL;
}

size_t vt_layout_hotplug_vcpu_count(const struct vt_layout *l)
{
    return l->nvcpus - l->npresent;
}

const struct vt_vcpu *vt_layout_hotplug_vcpu(const struct vt_layout *l, size_t i)
{
    return i < l->nvcpus - l->npresent ? &l->vcpus[l->npresent + i] : NULL;
}

size_t vt_layout_initiator_count(const struct vt_layout *l)
{
    return l->ninitiators;
}

const struct vt_initiator *vt_layout_initiator(const struct vt_layout *l, size_t i)
{
    return i < l->ninitiators ? &l->initiators[i] : NULL;
}

size_t vt_layout_hotplug_memory_count(const struct vt_layout *l)
{
    return l->nhotplug;
}

const struct vt_hotplug_memory *vt_layout_hotplug_memory(const struct vt_layout *l, size_t i)
{
    return i < l->nhotplug ? &l->hotplug[i] : NULL;
}

size_t vt_layout_vnode_count(const struct vt_layout *l)
{
    return l->nvnodes;
}

const struct vt_vnode *vt_layout_vnode(const struct vt_layout *l, size_t vnode)
{
    return vnode < l->nvnodes ? &l->vnodes[vnode].pub : NULL;
}

uint32_t vt_layout_distance(const struct vt_layout *l, unsigned vnode_from, unsigned vnode_to)
{
    if (vnode_from >= l->nvnodes || vnode_to >= l->nvnodes)
        return 0;
    return l->dist[(size_t)vnode_from * l->nvnodes + vnode_to];
}

/* The HMAT entry index of (init_vnode, target_vnode), or -1 when the pair has
 * none. */
static long hmat_index(const struct vt_layout *l, unsigned init_vnode, unsigned target_vnode)
{
    if (init_vnode >= l->nvnodes || target_vnode >= l->nvnodes || !l->hmat_row ||
        l->hmat_row[init_vnode] < 0 || l->hmat_col[target_vnode] < 0)
        return -1;
    return (long)((size_t)l->hmat_row[init_vnode] * l->ntarg + (size_t)l->hmat_col[target_vnode]);
}

uint32_t vt_layout_hmat_latency(const struct vt_layout *l, unsigned init_vnode,
                                unsigned target_vnode)
{
    long k = hmat_index(l, init_vnode, target_vnode);

    if (k < 0)
        return 0;
    if (l->hmat_latency)
        return l->hmat_latency[k];
    return vt_layout_distance(l, init_vnode, target_vnode) * HMAT_NS_PER_DISTANCE;
}

uint32_t vt_layout_hmat_bandwidth(const struct vt_layout *l, unsigned init_vnode,
                                  unsigned target_vnode)
{
    long k = hmat_index(l, init_vnode, target_vnode);
    uint32_t d;

    if (k < 0)
        return 0;
    if (l->hmat_bandwidth)
        return l->hmat_bandwidth[k];
    d = vt_layout_distance(l, init_vnode, target_vnode);
    return d ? HMAT_MBPS_X_DISTANCE / d : 0;
}

const struct vt_shape *vt_layout_shape(const struct vt_layout *l)
{
    return &l->shape;
}

const struct vt_apic_fields *vt_layout_apic_fields(const struct vt_layout *l)
{
    return &l->fields;
}

enum vt_apic_encoding vt_layout_apic_encoding(const struct vt_layout *l)
{
    return l->apic;
}

enum vt_vendor vt_layout_vendor(const struct vt_layout *l)
{
    return l->vendor;
}

enum vt_mem_layout vt_layout_mem_layout(const struct vt_layout *l)
{
    return l->mem_layout;
}

uint64_t vt_layout_memory(const struct vt_layout *l)
{
    return l->memory;
}

size_t vt_layout_memory_map(const struct vt_layout *l, const struct vt_e820_entry **entries)
{
    if (entries)
        *entries = l->map;
    return l->nmap;
}

size_t vt_layout_warning_count(const struct vt_layout *l)
{
    return l->nwarnings;
}

const char *vt_layout_warning(const struct vt_layout *l, size_t index)
{
    return index < l->nwarnings ? l->warnings[index] : NULL;
}

long vt_layout_apic_ids(const struct vt_layout *l, uint32_t *ids, size_t count, size_t *needed)
{
    if (needed)
        *needed = l->npresent;
    if (!ids || count == 0)
        return (long)l->npresent;
    if (count < l->npresent)
        return -ENOBUFS;
    for (size_t i = 0; i < l->npresent; i++)
        ids[i] = l->vcpus[i].apic_id;
    return (long)l->npresent;
}

int vt_layout_gpa_lookup(const struct vt_layout *l, uint64_t gpa, struct vt_gpa_cursor *cursor,
                         unsigned *vnode, int *pnode)
{
    size_t k = l->ngpa;

    /* Sequential population: the same range, or the next one. */
    if (cursor && cursor->hint < l->ngpa) {
        size_t h = cursor->hint;

        if (gpa >= l->gpa[h].start && gpa < l->gpa[h].end)
            k = h;
        else if (h + 1 < l->ngpa && gpa >= l->gpa[h + 1].start && gpa < l->gpa[h + 1].end)
            k = h + 1;
    }
    if (k == l->ngpa && l->ngpa && gpa >= l->gpa[0].start) {
        size_t lo = 0, n = l->ngpa;

        /* Branchless lower bound: last range starting at or below gpa. */
        while (n > 1) {
            size_t half = n / 2;

            lo = l->gpa[lo + half].start <= gpa ? lo + half : lo;
            n -= half;
        }
        if (gpa < l->gpa[lo].end)
            k = lo;
    }
    if (k == l->ngpa)
        return -ENOENT;
    if (cursor)
        cursor->hint = k;
    if (vnode)
        *vnode = l->gpa[k].vnode;
    if (pnode)
        *pnode = l->vnodes[l->gpa[k].vnode].pub.pnode;
    return 0;
}

const struct vt_vcpu *layout_cpuid_facts(const struct vt_layout *l, size_t i,
                                         unsigned *nodes_per_package)
{
    *nodes_per_package = l->nodes_per_pkg;
    return i < l->nvcpus ? &l->vcpus[i] : NULL;
}

const char *layout_field(const struct vt_layout *l, enum vt_request_field f)
{
    return field_name(l->names, f);
}

bool layout_uses_pnode(const struct vt_layout *l, unsigned pnode)
{
    for (size_t v = 0; v < l->nvnodes; v++)
        if (l->vnodes[v].pub.pnode == (int)pnode)
            return true;
    return false;
}
