/* Unit tests: CPUID leaves from a layout (src/emit/cpuid.c), decoded the way
 * Linux does (linux_topo.h): known answers from QEMU's and Edera's encodings,
 * the peer bugs the checks must catch, thousands of random layouts in every
 * encoding and vendor, bad layouts, capacity queries and the text format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linux_topo_check.h"
#include "plan/layout_internal.h"
#include "support.h"
#include "vtopo/cpuid.h"

/* ---- a test-only builder: the planner's formulas (layout.h, plan.c) ------ */

struct tspec {
    enum vt_apic_encoding enc;
    enum vt_vendor vendor;
    struct vt_shape shape; /* VT_APIC_SDM only */
    unsigned nvcpus, nvnodes;
    const unsigned *vnode_of; /* per vCPU */
};

static unsigned t_width(unsigned count)
{
    unsigned w = 0;

    while ((1u << w) < count)
        w++;
    return w;
}

static unsigned t_fls(uint32_t x)
{
    return x ? 32u - (unsigned)__builtin_clz(x) : 0;
}

/* Whether some group apic_id >> shift holds vCPUs of two vnodes. */
static bool t_spans(const struct vt_layout *l, unsigned shift)
{
    uint32_t max = 0;
    int *owner;
    bool bad = false;

    for (size_t i = 0; i < l->nvcpus; i++)
        max = l->vcpus[i].apic_id > max ? l->vcpus[i].apic_id : max;
    owner = malloc(((size_t)(max >> shift) + 1) * sizeof(*owner));
    assert_non_null(owner);
    for (size_t g = 0; g <= (max >> shift); g++)
        owner[g] = -1;
    for (size_t i = 0; i < l->nvcpus && !bad; i++) {
        uint32_t g = l->vcpus[i].apic_id >> shift;

        if (owner[g] < 0)
            owner[g] = (int)l->vcpus[i].vnode;
        else
            bad = owner[g] != (int)l->vcpus[i].vnode;
    }
    free(owner);
    return bad;
}

static struct vt_layout *t_build(const struct tspec *s)
{
    struct vt_layout *l = layout_alloc(s->nvcpus, s->nvnodes);
    unsigned *count = calloc(s->nvnodes, sizeof(*count)),
             *index = calloc(s->nvnodes, sizeof(*index));
    unsigned max_per = 0, with_cpus = 0, top;
    struct vt_apic_fields *f;

    assert_non_null(l);
    assert_non_null(count);
    assert_non_null(index);
    f = &l->fields;
    l->vendor = s->vendor;
    l->apic = s->enc;
    for (unsigned i = 0; i < s->nvcpus; i++)
        count[s->vnode_of[i]]++;
    for (unsigned v = 0; v < s->nvnodes; v++) {
        max_per = count[v] > max_per ? count[v] : max_per;
        with_cpus += count[v] > 0;
    }
    if (s->enc == VT_APIC_SDM) {
        const struct vt_shape *sh = &s->shape;

        l->shape = *sh;
        f->core_shift = t_width(sh->threads);
        f->die_shift = f->core_shift + t_width(sh->cores);
        f->pkg_shift = f->die_shift + t_width(sh->dies);
        for (unsigned i = 0; i < s->nvcpus; i++) {
            struct vt_vcpu *c = &l->vcpus[i];

            /* QEMU's x86_topo_ids_from_idx and x86_apicid_from_topo_ids. */
            c->package = i / (sh->dies * sh->cores * sh->threads);
            c->die = i / (sh->cores * sh->threads) % sh->dies;
            c->core = i / sh->threads % sh->cores;
            c->thread = i % sh->threads;
            c->apic_id = c->package << f->pkg_shift | c->die << f->die_shift |
                         c->core << f->core_shift | c->thread;
        }
    } else {
        unsigned pkg_shift = t_fls(2 * max_per - 1);
        bool aligned = true;

        for (unsigned i = 0; i < s->nvcpus; i++) {
            unsigned v = s->vnode_of[i];
            uint32_t id = v << pkg_shift | index[v] * 2;

            aligned &= id == i * 2;
            l->vcpus[i].apic_id = id;
            l->vcpus[i].package = v;
            l->vcpus[i].core = index[v]++;
        }
        l->shape = (struct vt_shape){with_cpus, 1, max_per, 1};
        f->core_shift = 1;
        f->die_shift = f->pkg_shift = pkg_shift;
        if (s->enc == VT_APIC_LEGACY && !aligned) {
            pkg_shift = t_fls(2 * s->nvcpus - 1);
            for (unsigned i = 0; i < s->nvcpus; i++) {
                l->vcpus[i].apic_id = i * 2;
                l->vcpus[i].package = 0;
                l->vcpus[i].core = i;
            }
            l->shape = (struct vt_shape){1, 1, s->nvcpus, 1};
            f->die_shift = f->pkg_shift = pkg_shift;
        }
    }
    for (unsigned i = 0; i < s->nvcpus; i++) {
        l->vcpus[i].vnode = s->vnode_of[i];
        assert_int_equal(vt_bitmap_set(l->vnodes[s->vnode_of[i]].vcpus, i), 0);
    }
    /* The widest APIC-aligned group up to the die (or package) inside one vnode. */
    top = l->shape.dies > 1 ? f->die_shift : f->pkg_shift;
    f->llc_shift = top;
    while (f->llc_shift > f->core_shift && t_spans(l, f->llc_shift))
        f->llc_shift--;
    assert_int_equal(layout_freeze(l, NULL), 0);
    free(count);
    free(index);
    return l;
}

/* Leaves of one vCPU into a fixed array. */
static size_t t_leaves(const struct vt_layout *l, unsigned vcpu, struct vt_cpuid_leaf *out,
                       size_t cap)
{
    long n = vt_layout_cpuid(l, vcpu, out, cap, NULL);

    if (n < 0)
        fail_msg("vt_layout_cpuid(vCPU %u) = %ld", vcpu, n);
    return (size_t)n;
}

static struct vt_cpuid_leaf *t_find(struct vt_cpuid_leaf *v, size_t n, uint32_t leaf,
                                    uint32_t subleaf)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].leaf == leaf && v[i].subleaf == subleaf)
            return &v[i];
    fail_msg("no leaf 0x%x subleaf %u", leaf, subleaf);
    return NULL;
}

static void t_expect_leaf(struct vt_cpuid_leaf *v, size_t n, uint32_t leaf, uint32_t subleaf,
                          uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    const struct vt_cpuid_leaf *x = t_find(v, n, leaf, subleaf);

    if (x->eax != eax || x->ebx != ebx || x->ecx != ecx || x->edx != edx)
        fail_msg("leaf 0x%x.%u: got %08x %08x %08x %08x, want %08x %08x %08x %08x", leaf, subleaf,
                 x->eax, x->ebx, x->ecx, x->edx, eax, ebx, ecx, edx);
}

static void t_check(const struct vt_layout *l, unsigned hide, unsigned expect)
{
    struct vt_err err = {0};

    if (linux_topo_check_layout(l, hide, expect, NULL, &err) < 0)
        fail_msg("hide 0x%x expect 0x%x: %s", hide, expect, err.msg);
}

/* ---- known answers ---------------------------------------------------- */

/* QEMU -smp 6,sockets=2,cores=3,threads=1 (Intel): APIC IDs 0,1,2,4,5,6;
 * values as QEMU's cpu_x86_cpuid gives them with its legacy cache model. */
static void test_qemu_2x3(void **state)
{
    static const unsigned vnode[6] = {0, 0, 0, 1, 1, 1};
    static const uint32_t apic[6] = {0, 1, 2, 4, 5, 6};
    struct tspec s = {VT_APIC_SDM, VT_VENDOR_INTEL, {2, 1, 3, 1}, 6, 2, vnode};
    struct vt_layout *l = t_build(&s);
    struct vt_cpuid_leaf v[32];
    size_t n;

    (void)state;
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(l->vcpus[i].apic_id, apic[i]);
    n = t_leaves(l, 4, v, 32);
    t_expect_leaf(v, n, 0x1, 0, 0, 5u << 24 | 4u << 16, 0, 1u << 28);
    t_expect_leaf(v, n, 0xb, 0, 0, 1, 0x100, 5);
    t_expect_leaf(v, n, 0xb, 1, 2, 3, 0x201, 5);
    t_expect_leaf(v, n, 0xb, 2, 0, 0, 0x002, 5);
    /* 0x1F without a die level: the same two levels (QEMU emits it only with
     * x-force-cpuid-0x1f here). */
    t_expect_leaf(v, n, 0x1f, 0, 0, 1, 0x100, 5);
    t_expect_leaf(v, n, 0x1f, 1, 2, 3, 0x201, 5);
    t_expect_leaf(v, n, 0x1f, 2, 0, 0, 0x002, 5);
    /* L1d: QEMU's legacy_l1d_cache (32 KiB, 8-way, 64 sets); EAX[31:26] = 3. */
    assert_int_equal(t_find(v, n, 0x4, 0)->eax, 0x0c000121);
    assert_int_equal(t_find(v, n, 0x4, 0)->ebx, 0x01c0003f);
    assert_int_equal(t_find(v, n, 0x4, 0)->ecx, 0x3f);
    /* L3 shared by the die (QEMU's default share level): (1 << 2) - 1. */
    assert_int_equal(t_find(v, n, 0x4, 3)->eax, 0x0c00c163);
    assert_int_equal(t_find(v, n, 0x4, 4)->eax, 0);
    t_check(l, 0, LT_EXPECT_ALL);
    t_check(l, LT_HIDE_1F, LT_EXPECT_ALL);
    t_check(l, LT_HIDE_1F | LT_HIDE_B, LT_EXPECT_ALL);
    vt_layout_free(l);
}

/* QEMU -smp 16,sockets=1,dies=2,cores=4,threads=2: 0x1F has a die level. */
static void test_qemu_dies(void **state)
{
    unsigned vnode[16] = {0};
    struct tspec s = {VT_APIC_SDM, VT_VENDOR_INTEL, {1, 2, 4, 2}, 16, 1, vnode};
    struct vt_layout *l = t_build(&s);
    struct vt_cpuid_leaf v[32];
    size_t n;

    (void)state;
    assert_int_equal(l->fields.core_shift, 1);
    assert_int_equal(l->fields.die_shift, 3);
    assert_int_equal(l->fields.pkg_shift, 4);
    assert_int_equal(l->vcpus[9].apic_id, 9);   /* die 1, core 0, thread 1 */
    assert_int_equal(l->vcpus[13].apic_id, 13); /* die 1, core 2, thread 1 */
    n = t_leaves(l, 13, v, 32);
    t_expect_leaf(v, n, 0x1f, 0, 1, 2, 0x100, 13);
    t_expect_leaf(v, n, 0x1f, 1, 3, 8, 0x201, 13);
    t_expect_leaf(v, n, 0x1f, 2, 4, 16, 0x502, 13);
    t_expect_leaf(v, n, 0x1f, 3, 0, 0, 0x003, 13);
    t_expect_leaf(v, n, 0xb, 1, 4, 16, 0x201, 13);
    /* cores field (1 << (4 - 1)) - 1 = 7; L1 shared by 2 threads; L3 by the die. */
    assert_int_equal(t_find(v, n, 0x4, 0)->eax >> 26, 7);
    assert_int_equal((t_find(v, n, 0x4, 0)->eax >> 14) & 0xfff, 1);
    assert_int_equal((t_find(v, n, 0x4, 3)->eax >> 14) & 0xfff, 7);
    t_check(l, 0, LT_EXPECT_ALL);
    vt_layout_free(l);
}

/* QEMU -cpu EPYC -smp 24,cores=24: 0x80000008 ECX = pkg_offset << 12 | 23.
 * cloud-hypervisor's cumulative widths give ApicIdSize 10 here. */
static void test_qemu_amd_24(void **state)
{
    unsigned vnode[24] = {0};
    struct tspec s = {VT_APIC_SDM, VT_VENDOR_AMD, {1, 1, 24, 1}, 24, 1, vnode};
    struct vt_layout *l = t_build(&s);
    struct vt_cpuid_leaf v[32];
    size_t n = t_leaves(l, 7, v, 32);

    (void)state;
    t_expect_leaf(v, n, 0x80000008, 0, 0, 0, 0x5017, 0);
    t_expect_leaf(v, n, 0x8000001e, 0, 7, 7, 0, 0);
    t_expect_leaf(v, n, 0x1, 0, 0, 7u << 24 | 24u << 16, 0, 1u << 28);
    t_expect_leaf(v, n, 0x80000026, 0, 0, 1, 0x100, 7);
    t_expect_leaf(v, n, 0x80000026, 1, 5, 24, 0x201, 7);
    t_expect_leaf(v, n, 0x80000026, 2, 5, 24, 0x302, 7);
    t_expect_leaf(v, n, 0x80000026, 3, 5, 24, 0x403, 7);
    t_expect_leaf(v, n, 0x80000026, 4, 0, 0, 0x004, 7);
    t_check(l, 0, LT_EXPECT_ALL);
    vt_layout_free(l);
}

/* Edera's worked examples: 2 vnodes of 24 -> pkg_shift 6, IDs 0-46 and
 * 64-110; a 25/24 split -> 0-48 and 64-110. */
static void test_edera_examples(void **state)
{
    unsigned vnode[49];
    struct vt_layout *l;
    struct vt_cpuid_leaf v[32];
    size_t n;

    (void)state;
    for (unsigned i = 0; i < 48; i++)
        vnode[i] = i >= 24;
    l = t_build(&(struct tspec){VT_APIC_XEN, VT_VENDOR_AMD, {0}, 48, 2, vnode});
    assert_int_equal(l->fields.pkg_shift, 6);
    assert_int_equal(l->vcpus[23].apic_id, 46);
    assert_int_equal(l->vcpus[24].apic_id, 64);
    assert_int_equal(l->vcpus[47].apic_id, 110);
    n = t_leaves(l, 30, v, 32);
    t_expect_leaf(v, n, 0xb, 0, 1, 1, 0x100, 76);
    t_expect_leaf(v, n, 0xb, 1, 6, 24, 0x201, 76);
    t_expect_leaf(v, n, 0x80000008, 0, 0, 0, 0x6017, 0);
    t_expect_leaf(v, n, 0x8000001e, 0, 76, 6, 1, 0); /* core 6, node 1 of 1 per package */
    /* L3 shared by the whole vnode: 63, not Edera's max_per_node - 1 = 23. */
    assert_int_equal((t_find(v, n, 0x8000001d, 3)->eax >> 14) & 0xfff, 63);
    t_check(l, 0, LT_EXPECT_ALL);
    vt_layout_free(l);

    for (unsigned i = 0; i < 49; i++)
        vnode[i] = i >= 25;
    l = t_build(&(struct tspec){VT_APIC_XEN, VT_VENDOR_INTEL, {0}, 49, 2, vnode});
    assert_int_equal(l->fields.pkg_shift, 6);
    assert_int_equal(l->vcpus[24].apic_id, 48);
    assert_int_equal(l->vcpus[25].apic_id, 64);
    assert_int_equal(l->vcpus[48].apic_id, 110);
    n = t_leaves(l, 0, v, 32);
    t_expect_leaf(v, n, 0xb, 1, 6, 25, 0x201, 0);
    t_check(l, 0, LT_EXPECT_ALL);
    t_check(l, LT_HIDE_1F, LT_EXPECT_ALL);
    t_check(l, LT_HIDE_1F | LT_HIDE_B, LT_EXPECT_ALL);
    vt_layout_free(l);
}

/* A vnode boundary inside a package: the LLC follows llc_shift, 0x80000026's
 * complex level carries it, NodesPerProcessor counts both vnodes. */
static void test_split_package(void **state)
{
    static const unsigned even[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    static const unsigned odd[6] = {0, 0, 0, 1, 1, 1};
    struct vt_cpuid_leaf v[32];
    struct vt_layout *l;
    size_t n;

    (void)state;
    l = t_build(&(struct tspec){VT_APIC_SDM, VT_VENDOR_AMD, {1, 1, 8, 1}, 8, 2, even});
    assert_int_equal(l->fields.pkg_shift, 3);
    assert_int_equal(l->fields.llc_shift, 2);
    n = t_leaves(l, 5, v, 32);
    t_expect_leaf(v, n, 0x80000026, 1, 2, 4, 0x201, 5);
    t_expect_leaf(v, n, 0x80000026, 2, 3, 8, 0x302, 5);
    t_expect_leaf(v, n, 0x80000026, 3, 3, 8, 0x403, 5);
    t_expect_leaf(v, n, 0x8000001e, 0, 5, 5, 0x101, 0);
    assert_int_equal((t_find(v, n, 0x8000001d, 3)->eax >> 14) & 0xfff, 3);
    t_check(l, 0, LT_EXPECT_ALL);
    vt_layout_free(l);

    /* 3 + 3 cores in a 2-bit field: no aligned group above a core fits. */
    l = t_build(&(struct tspec){VT_APIC_SDM, VT_VENDOR_INTEL, {1, 1, 6, 1}, 6, 2, odd});
    assert_int_equal(l->fields.llc_shift, 0);
    n = t_leaves(l, 3, v, 32);
    assert_int_equal((t_find(v, n, 0x4, 3)->eax >> 14) & 0xfff, 0);
    assert_int_equal(t_find(v, n, 0x4, 3)->eax >> 26, 7);
    t_check(l, 0, LT_EXPECT_ALL);
    t_check(l, LT_HIDE_1F | LT_HIDE_B, LT_EXPECT_ALL);
    vt_layout_free(l);
}

/* ---- the peer bugs: the decoder must see them ---------------------------- */

typedef void (*t_patch_fn)(struct vt_cpuid_leaf *v, size_t n, const struct vt_vcpu *c);

/* Decode every vCPU into t, after patching its leaves and withholding
 * 0x80000026 / 0x80000001 as hide says. */
static void t_decode_all(const struct vt_layout *l, t_patch_fn patch, unsigned hide,
                         struct linux_topo *t)
{
    for (unsigned i = 0; i < l->nvcpus; i++) {
        struct vt_cpuid_leaf v[32], keep[32];
        size_t n = t_leaves(l, i, v, 32), m = 0;
        struct vt_err err = {0};

        if (patch)
            patch(v, n, &l->vcpus[i]);
        for (size_t j = 0; j < n; j++)
            if (!((hide & LT_HIDE_80000026) && v[j].leaf == 0x80000026) &&
                !((hide & LT_HIDE_TOPOEXT) && v[j].leaf == 0x80000001))
                keep[m++] = v[j];
        if (linux_topo_decode(l->vendor, keep, m, &t[i], &err) < 0)
            fail_msg("vCPU %u: %s", i, err.msg);
    }
}

static unsigned t_distinct_llc(const struct vt_layout *l, const struct linux_topo *t,
                               unsigned vnode)
{
    unsigned distinct = 0;

    for (unsigned i = 0; i < l->nvcpus; i++) {
        bool seen = false;

        if (l->vcpus[i].vnode != vnode)
            continue;
        for (unsigned j = 0; j < i; j++)
            seen |= l->vcpus[j].vnode == vnode && t[j].llc_id == t[i].llc_id;
        distinct += !seen;
    }
    return distinct;
}

static void patch_edera_llc(struct vt_cpuid_leaf *v, size_t n, const struct vt_vcpu *c)
{
    (void)c;
    for (size_t i = 0; i < n; i++)
        if (v[i].leaf == 0x8000001d && v[i].subleaf == 3)
            v[i].eax = (v[i].eax & ~(0xfffu << 14)) | 23u << 14; /* max_per_node - 1 */
}

static void patch_host_llc(struct vt_cpuid_leaf *v, size_t n, const struct vt_vcpu *c)
{
    (void)c;
    for (size_t i = 0; i < n; i++)
        if (v[i].leaf == 0x4 && v[i].subleaf == 3)
            v[i].eax |= 0xfffu << 14; /* the host's sharing, passed through */
}

static void patch_ch_apicidsize(struct vt_cpuid_leaf *v, size_t n, const struct vt_vcpu *c)
{
    (void)c;
    for (size_t i = 0; i < n; i++)
        if (v[i].leaf == 0x80000008)
            v[i].ecx = 10u << 12 | 23; /* (tw) + (tw + cw) + (tw + cw + dw) for 24 cores */
}

static void patch_constant_nodeid(struct vt_cpuid_leaf *v, size_t n, const struct vt_vcpu *c)
{
    (void)c;
    for (size_t i = 0; i < n; i++)
        if (v[i].leaf == 0x8000001e)
            v[i].ecx = 0x5; /* one value for every vCPU */
}

static void test_peer_bugs(void **state)
{
    unsigned vnode[48];
    struct linux_topo t[48];
    struct vt_layout *l;

    (void)state;
    for (unsigned i = 0; i < 48; i++)
        vnode[i] = i >= 24;

    /* Edera's leaf-4/1D sharing (max_per_node - 1) shows each vnode as two LLCs. */
    l = t_build(&(struct tspec){VT_APIC_XEN, VT_VENDOR_AMD, {0}, 48, 2, vnode});
    t_decode_all(l, NULL, 0, t);
    assert_int_equal(t_distinct_llc(l, t, 0), 1);
    assert_int_equal(t_distinct_llc(l, t, 1), 1);
    t_decode_all(l, patch_edera_llc, 0, t);
    assert_int_equal(t_distinct_llc(l, t, 0), 2);

    /* A constant NodeId: vCPUs of different vnodes get one node id. */
    t_decode_all(l, NULL, 0, t);
    assert_int_not_equal(t[0].amd_node_id, t[30].amd_node_id);
    t_decode_all(l, patch_constant_nodeid, 0, t);
    assert_int_equal(t[0].amd_node_id, t[30].amd_node_id);
    vt_layout_free(l);

    /* The host's L3 sharing in a guest of 2 vnodes in 2 sockets (CH #5742):
     * one LLC spans both vnodes. */
    l = t_build(&(struct tspec){VT_APIC_SDM, VT_VENDOR_INTEL, {2, 1, 24, 1}, 48, 2, vnode});
    t_decode_all(l, NULL, 0, t);
    assert_int_not_equal(t[0].llc_id, t[24].llc_id);
    t_decode_all(l, patch_host_llc, 0, t);
    assert_int_equal(t[0].llc_id, t[24].llc_id);
    vt_layout_free(l);

    /* cloud-hypervisor's cumulative ApicIdSize merges two sockets of 24 cores
     * into one package when Linux reads 0x80000008 (no TOPOEXT). */
    l = t_build(&(struct tspec){VT_APIC_SDM, VT_VENDOR_AMD, {2, 1, 24, 1}, 48, 2, vnode});
    t_decode_all(l, NULL, LT_HIDE_TOPOEXT, t);
    assert_int_equal(t[0].source, 0x80000008);
    assert_int_not_equal(t[0].pkg_id, t[24].pkg_id);
    t_decode_all(l, patch_ch_apicidsize, LT_HIDE_TOPOEXT, t);
    assert_int_equal(t[0].pkg_id, t[24].pkg_id);
    vt_layout_free(l);
}

/* ---- the decoder's own rejections -------------------------------------- */

static void t_bad_decode(enum vt_vendor vendor, const struct vt_cpuid_leaf *v, size_t n,
                         const char *fragment)
{
    struct linux_topo t;
    struct vt_err err = {0};

    if (linux_topo_decode(vendor, v, n, &t, &err) >= 0)
        fail_msg("decoded, want an error with '%s'", fragment);
    if (!strstr(err.msg, fragment))
        fail_msg("error '%s', want '%s'", err.msg, fragment);
}

static void test_decoder_rejects(void **state)
{
    unsigned vnode[8] = {0};
    struct vt_layout *l =
        t_build(&(struct tspec){VT_APIC_SDM, VT_VENDOR_INTEL, {1, 1, 4, 2}, 8, 1, vnode});
    struct vt_cpuid_leaf good[32], v[32];
    size_t n = t_leaves(l, 3, good, 32);
    struct linux_topo t;
    struct vt_err err = {0};

    (void)state;
    assert_int_equal(linux_topo_decode(VT_VENDOR_INTEL, good, n, &t, &err), 0);
    assert_int_equal(t.source, 0x1f);
    assert_int_equal(t.apic_id, 3);
    assert_int_equal(t.core_id, 1);
    assert_int_equal(t.smt_id, 1);

    memcpy(v, good, sizeof(v));
    t_find(v, n, 0x1f, 1)->edx = 7;
    t_bad_decode(VT_VENDOR_INTEL, v, n, "APIC ID mismatch");

    memcpy(v, good, sizeof(v));
    t_find(v, n, 0x1f, 1)->ecx = 1 | 9u << 8;
    t_bad_decode(VT_VENDOR_INTEL, v, n, "Unknown domain type 9");

    memcpy(v, good, sizeof(v));
    t_find(v, n, 0x1f, 0)->eax = 0;
    t_bad_decode(VT_VENDOR_INTEL, v, n, "shift level 0 but 2 CPUs");

    memcpy(v, good, sizeof(v));
    t_find(v, n, 0x1, 0)->ebx = 9u << 24 | 8u << 16;
    t_bad_decode(VT_VENDOR_INTEL, v, n, "initial APIC ID");

    /* A zero count at subleaf 0 makes Linux skip the leaf: 0x1F and 0xB
     * both unusable here, so the legacy leaves decide (and still agree). */
    memcpy(v, good, sizeof(v));
    t_find(v, n, 0x1f, 0)->ebx = 0;
    t_find(v, n, 0xb, 0)->ebx = 0;
    assert_int_equal(linux_topo_decode(VT_VENDOR_INTEL, v, n, &t, &err), 0);
    assert_int_equal(t.source, 0x4);
    assert_int_equal(t.dom_shift[LT_SMT], 1);
    assert_int_equal(t.dom_shift[LT_PKG], 3);

    /* Leaf 1 promising fewer logical processors than leaf 4's cores. */
    memcpy(v, good, sizeof(v));
    t_find(v, n, 0x1f, 0)->ebx = 0;
    t_find(v, n, 0xb, 0)->ebx = 0;
    t_find(v, n, 0x1, 0)->ebx = 3u << 24 | 2u << 16;
    t_bad_decode(VT_VENDOR_INTEL, v, n, "fewer than the");
    vt_layout_free(l);

    l = t_build(&(struct tspec){VT_APIC_SDM, VT_VENDOR_AMD, {1, 1, 4, 2}, 8, 1, vnode});
    n = t_leaves(l, 5, good, 32);
    assert_int_equal(linux_topo_decode(VT_VENDOR_AMD, good, n, &t, &err), 0);
    assert_int_equal(t.source, 0x80000026);
    memcpy(v, good, sizeof(v));
    t_find(v, n, 0x8000001e, 0)->eax = 4;
    t_bad_decode(VT_VENDOR_AMD, v, n, "0x8000001E EAX");
    t_bad_decode(VT_VENDOR_AMD, v, 1, "no topology leaf");
    vt_layout_free(l);
}

/* ---- random layouts in every encoding and vendor ------------------------- */

static unsigned rnd(unsigned n)
{
    return n ? (unsigned)rand() % n : 0;
}

/* Most vnodes sharing one package, by the layout's package ids. */
static unsigned t_nodes_per_pkg(const struct vt_layout *l)
{
    unsigned best = 1;

    for (unsigned i = 0; i < l->nvcpus; i++) {
        unsigned distinct = 0;

        for (unsigned v = 0; v < l->nvnodes; v++) {
            bool has = false;

            for (unsigned j = 0; j < l->nvcpus && !has; j++)
                has = l->vcpus[j].package == l->vcpus[i].package && l->vcpus[j].vnode == v;
            distinct += has;
        }
        best = distinct > best ? distinct : best;
    }
    return best > 8 ? 8 : best;
}

static bool t_pkg_spans_vnodes(const struct vt_layout *l)
{
    for (unsigned i = 0; i < l->nvcpus; i++)
        for (unsigned j = i + 1; j < l->nvcpus; j++)
            if (l->vcpus[i].package == l->vcpus[j].package &&
                l->vcpus[i].vnode != l->vcpus[j].vnode)
                return true;
    return false;
}

/* Per-leaf facts independent of Linux: order, subleaf numbers, APIC IDs. */
static void t_leaf_facts(const struct vt_layout *l)
{
    unsigned nodes_per_pkg = l->vendor == VT_VENDOR_AMD ? t_nodes_per_pkg(l) : 1;

    for (unsigned i = 0; i < l->nvcpus; i++) {
        struct vt_cpuid_leaf v[32];
        uint32_t apic = l->vcpus[i].apic_id;
        size_t needed = 0, n;

        long got = vt_layout_cpuid(l, i, NULL, 0, &needed);

        assert_int_equal(got, (long)needed);
        n = t_leaves(l, i, v, 32);
        assert_int_equal(n, needed);
        for (size_t j = 0; j < n; j++) {
            if (j && (v[j].leaf < v[j - 1].leaf ||
                      (v[j].leaf == v[j - 1].leaf && v[j].subleaf <= v[j - 1].subleaf)))
                fail_msg("vCPU %u: leaves out of order at %zu", i, j);
            if (v[j].leaf == 0xb || v[j].leaf == 0x1f || v[j].leaf == 0x80000026) {
                assert_int_equal(v[j].edx, apic);
                assert_int_equal(v[j].ecx & 0xff, v[j].subleaf);
            }
        }
        assert_int_equal(t_find(v, n, 0x1, 0)->ebx >> 24, apic & 0xff);
        if (l->vendor == VT_VENDOR_AMD) {
            const struct vt_cpuid_leaf *e = t_find(v, n, 0x8000001e, 0);

            assert_int_equal(e->eax, apic);
            assert_int_equal(e->ecx & 0xff, l->vcpus[i].vnode & 0xff);
            assert_int_equal(((e->ecx >> 8) & 7) + 1, nodes_per_pkg);
            assert_int_equal((t_find(v, n, 0x80000008, 0)->ecx >> 12) & 0xf, l->fields.pkg_shift);
        }
    }
}

static char t_desc[256];

static void t_describe(const struct vt_layout *l, unsigned nvnodes)
{
    snprintf(t_desc, sizeof(t_desc),
             "%s %s %u vCPUs %u vnodes shape %ux%ux%ux%u shifts %u/%u/%u/%u",
             vt_vendor_name(l->vendor), vt_apic_encoding_name(l->apic), (unsigned)l->nvcpus,
             nvnodes, l->shape.sockets, l->shape.dies, l->shape.cores, l->shape.threads,
             l->fields.core_shift, l->fields.die_shift, l->fields.pkg_shift, l->fields.llc_shift);
}

/* How often the random layouts hit the cases worth having. */
enum { C_SPAN, C_LLC_SPLIT, C_DIES, C_LEGACY_PATH, C_APIC_256, C_NO_TOPOEXT, C_NCASES };
static unsigned t_cases[C_NCASES];

static void t_check_all_paths(const struct vt_layout *l)
{
    unsigned nodie = l->shape.dies > 1 ? LT_EXPECT_ALL & ~LT_EXPECT_DIE : LT_EXPECT_ALL;
    uint32_t max_apic = 0;
    struct vt_err err = {0};
    bool spans = t_pkg_spans_vnodes(l);

    for (unsigned i = 0; i < l->nvcpus; i++)
        max_apic = l->vcpus[i].apic_id > max_apic ? l->vcpus[i].apic_id : max_apic;

    t_cases[C_SPAN] += spans;
    t_cases[C_LLC_SPLIT] +=
        l->fields.llc_shift < (l->shape.dies > 1 ? l->fields.die_shift : l->fields.pkg_shift);
    t_cases[C_DIES] += l->shape.dies > 1;
    t_cases[C_APIC_256] += max_apic >= 256;
    t_leaf_facts(l);
    t_check(l, 0, LT_EXPECT_ALL);
    if (l->vendor == VT_VENDOR_INTEL) {
        t_check(l, LT_HIDE_1F, nodie);
        /* The legacy leaves hold 8-bit APIC IDs and at most 64 cores. */
        if (l->fields.pkg_shift <= 8 && l->fields.pkg_shift - l->fields.core_shift <= 6 &&
            max_apic < 256) {
            t_check(l, LT_HIDE_1F | LT_HIDE_B, nodie);
            t_cases[C_LEGACY_PATH]++;
        }
        return;
    }
    t_check(l, LT_HIDE_80000026, nodie);
    /* Without TOPOEXT Linux sees only packages, its LLC is the package, and
     * its APIC ID is leaf 1's 8 bits. */
    if (max_apic >= 256)
        return;
    t_cases[C_NO_TOPOEXT]++;
    if (!spans) {
        t_check(l, LT_HIDE_TOPOEXT, LT_EXPECT_PKG);
    } else if (linux_topo_check_layout(l, LT_HIDE_TOPOEXT, LT_EXPECT_PKG, NULL, &err) >= 0 ||
               !strstr(err.msg, "llc-sibling")) {
        fail_msg("no TOPOEXT, package across vnodes: want an llc-sibling warning, got '%s'",
                 err.msg);
    }
}

static struct vt_layout *t_random_sdm(enum vt_vendor vendor, unsigned *vnode_of, unsigned *nv)
{
    struct vt_shape sh = {1 + rnd(4), 1 + rnd(3), 1 + rnd(9), 1 + rnd(3)};
    unsigned n, ncores, cut[4], salt = rnd(1000);

    if (rnd(40) == 0) /* now and then a big one */
        sh = (struct vt_shape){1 + rnd(4), 1 + rnd(2), 20 + rnd(100), 1 + rnd(2)};
    n = sh.sockets * sh.dies * sh.cores * sh.threads;
    ncores = n / sh.threads;
    *nv = 1 + rnd(4);
    for (unsigned k = 0; k < 4; k++)
        cut[k] = rnd(ncores + 1);
    for (unsigned i = 0, mode = rnd(5); i < n; i++) {
        unsigned core = i / sh.threads, pkg = i / (sh.dies * sh.cores * sh.threads);
        unsigned die = i / (sh.cores * sh.threads) % sh.dies, v = 0;

        switch (mode) {
        case 0:
            v = 0;
            break;
        case 1: /* QEMU's default: pkg_id % nodes */
            v = pkg % *nv;
            break;
        case 2: /* contiguous, cut at core boundaries (packages may span) */
            for (unsigned k = 0; k + 1 < *nv; k++)
                v += core >= cut[k];
            break;
        case 3: /* cores scattered */
            v = ((core + salt) * 2654435761u >> 16) % *nv;
            break;
        default:
            v = (pkg * sh.dies + die) % *nv;
            break;
        }
        vnode_of[i] = v;
    }
    /* Every mode keeps SMT siblings together: the vnode depends on the core. */
    return t_build(&(struct tspec){VT_APIC_SDM, vendor, sh, n, *nv, vnode_of});
}

static struct vt_layout *t_random_xen(enum vt_apic_encoding enc, enum vt_vendor vendor,
                                      unsigned *vnode_of, unsigned *nv)
{
    unsigned n = 1 + rnd(rnd(40) == 0 ? 600 : 120), mode = rnd(4);

    *nv = 1 + rnd(6);
    for (unsigned i = 0; i < n; i++) {
        switch (mode) {
        case 0: /* balanced, larger vnodes first (the planner's default) */
            vnode_of[i] = (unsigned)((uint64_t)i * *nv / n);
            break;
        case 1:
            vnode_of[i] = rnd(*nv);
            break;
        case 2:
            vnode_of[i] = i % *nv;
            break;
        default: /* power-of-two vnodes in vCPU order: legacy-aligned */
            vnode_of[i] = (i / 4) % *nv;
            break;
        }
    }
    return t_build(&(struct tspec){enc, vendor, {0}, n, *nv, vnode_of});
}

/* On failure, the layout being checked (the seed is printed at the start). */
static int t_report(void **state)
{
    (void)state;
    if (t_desc[0])
        printf("failing layout: %s\n", t_desc);
    return 0;
}

static void test_random_layouts(void **state)
{
    static unsigned vnode_of[4 * 3 * 120 * 3];
    unsigned counts[3][2] = {{0}};
    unsigned seed = t_seed("test_random_layouts");

    (void)state;
    for (unsigned iter = 0; iter < 6000; iter++) {
        enum vt_apic_encoding enc = (enum vt_apic_encoding)(iter % 3);
        enum vt_vendor vendor = (enum vt_vendor)(iter / 3 % 2);
        unsigned nv = 1;
        struct vt_layout *l = enc == VT_APIC_SDM ? t_random_sdm(vendor, vnode_of, &nv)
                                                 : t_random_xen(enc, vendor, vnode_of, &nv);

        t_describe(l, nv);
        if (getenv("VT_VERBOSE"))
            printf("seed %u iter %u: %s\n", seed, iter, t_desc);
        t_check_all_paths(l);
        counts[enc][vendor]++;
        vt_layout_free(l);
    }
    t_desc[0] = '\0';
    for (unsigned e = 0; e < 3; e++)
        for (unsigned v = 0; v < 2; v++)
            assert_true(counts[e][v] >= 900);
    printf("random layouts: %u span vnodes, %u split an LLC, %u have dies, %u legacy-leaf "
           "decodes, %u with APIC IDs >= 256, %u AMD decodes without TOPOEXT\n",
           t_cases[C_SPAN], t_cases[C_LLC_SPLIT], t_cases[C_DIES], t_cases[C_LEGACY_PATH],
           t_cases[C_APIC_256], t_cases[C_NO_TOPOEXT]);
    for (unsigned c = 0; c < C_NCASES; c++)
        assert_true(t_cases[c] >= 50);
}

/* ---- bad layouts, capacity queries, text ---------------------------------- */

static void test_bad_layouts(void **state)
{
    unsigned vnode[8] = {0};
    struct vt_layout *l =
        t_build(&(struct tspec){VT_APIC_SDM, VT_VENDOR_INTEL, {1, 1, 4, 2}, 8, 1, vnode});
    struct vt_apic_fields keep = l->fields;
    struct vt_cpuid_leaf v[32];
    char *text = (char *)1;

    (void)state;
    assert_int_equal(vt_layout_cpuid(l, 8, v, 32, NULL), -EINVAL);
    l->fields.llc_shift = 0; /* an LLC narrower than a core's threads */
    assert_int_equal(vt_layout_cpuid(l, 0, v, 32, NULL), -EINVAL);
    assert_int_equal(vt_cpuid_format(l, &text), -EINVAL);
    assert_null(text);
    l->fields = keep;
    l->fields.die_shift = keep.pkg_shift + 1;
    assert_int_equal(vt_layout_cpuid(l, 0, v, 32, NULL), -EINVAL);
    l->fields = keep;
    l->fields.llc_shift = keep.pkg_shift + 1; /* an LLC wider than the package */
    assert_int_equal(vt_layout_cpuid(l, 0, NULL, 0, NULL), -EINVAL);
    l->fields = keep;
    l->fields.pkg_shift = l->fields.llc_shift = 32;
    assert_int_equal(vt_layout_cpuid(l, 0, v, 32, NULL), -EINVAL);
    l->fields = keep;
    l->shape.threads = 0;
    assert_int_equal(vt_layout_cpuid(l, 0, v, 32, NULL), -EINVAL);
    vt_layout_free(l);
}

static void test_capacity(void **state)
{
    unsigned vnode[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    struct vt_cpuid_leaf v[32];
    size_t needed = 0;

    (void)state;
    for (int vendor = 0; vendor < 2; vendor++)
        for (unsigned dies = 1; dies <= 2; dies++) {
            struct vt_layout *l = t_build(&(struct tspec){
                VT_APIC_SDM, (enum vt_vendor)vendor, {2, dies, 4 / dies, 1}, 8, 2, vnode});
            long want = vendor == VT_VENDOR_AMD ? 19 : dies > 1 ? 13 : 12;

            assert_int_equal(vt_layout_cpuid(l, 0, NULL, 32, &needed), want);
            assert_int_equal(needed, (size_t)want);
            needed = 0;
            assert_int_equal(vt_layout_cpuid(l, 0, v, 0, &needed), want);
            assert_int_equal(needed, (size_t)want);
            assert_int_equal(vt_layout_cpuid(l, 0, NULL, 0, NULL), want);
            needed = 0;
            memset(v, 0xab, sizeof(v));
            assert_int_equal(vt_layout_cpuid(l, 0, v, (size_t)want - 1, &needed), -ENOBUFS);
            assert_int_equal(needed, (size_t)want);
            assert_int_equal(v[0].leaf, 0xabababab); /* untouched */
            assert_int_equal(vt_layout_cpuid(l, 0, v, (size_t)want, NULL), want);
            assert_int_equal(v[0].leaf, 1);
            assert_int_equal(v[want - 1].leaf, vendor == VT_VENDOR_AMD ? 0x80000026 : 0x1f);
            vt_layout_free(l);
        }
}

static void test_format(void **state)
{
    unsigned vnode[12] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    struct vt_cpuid_leaf v[32];

    (void)state;
    for (int vendor = 0; vendor < 2; vendor++) {
        struct vt_layout *l = t_build(
            &(struct tspec){VT_APIC_SDM, (enum vt_vendor)vendor, {2, 1, 3, 2}, 12, 2, vnode});
        char *text = NULL, *save = NULL;
        unsigned vcpu = 0, rows = 0, headers = 0;
        size_t k = 0, n = t_leaves(l, 0, v, 32);

        assert_int_equal(vt_cpuid_format(l, &text), 0);
        assert_non_null(text);
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            unsigned cpu;
            uint32_t r[6];

            if (line[0] == '#') {
                assert_int_equal(rows, 0); /* headers first */
                headers++;
                continue;
            }
            if (sscanf(line, "%u 0x%8x 0x%8x 0x%8x 0x%8x 0x%8x 0x%8x", &cpu, &r[0], &r[1], &r[2],
                       &r[3], &r[4], &r[5]) != 7)
                fail_msg("bad line '%s'", line);
            assert_int_equal(strlen(line), strlen("0") + (cpu >= 10) + 6 * 11);
            if (k == n) {
                vcpu++;
                k = 0;
                n = t_leaves(l, vcpu, v, 32);
            }
            assert_int_equal(cpu, vcpu);
            assert_int_equal(r[0], v[k].leaf);
            assert_int_equal(r[1], v[k].subleaf);
            assert_int_equal(r[2], v[k].eax);
            assert_int_equal(r[3], v[k].ebx);
            assert_int_equal(r[4], v[k].ecx);
            assert_int_equal(r[5], v[k].edx);
            k++;
            rows++;
        }
        assert_int_equal(headers, 2);
        assert_int_equal(vcpu, 11);
        assert_int_equal(k, n);
        assert_int_equal(rows, 12 * n);
        free(text);
        vt_layout_free(l);
    }
}

/* The cache model is self-consistent: leaf 4 / 0x8000001D geometry and
 * AMD's 0x80000005/6 sizes describe the same caches. */
static void test_cache_model(void **state)
{
    unsigned vnode[4] = {0};
    static const uint32_t kib[4] = {32, 32, 1024, 32768};

    (void)state;
    for (int vendor = 0; vendor < 2; vendor++) {
        struct vt_layout *l = t_build(
            &(struct tspec){VT_APIC_SDM, (enum vt_vendor)vendor, {1, 1, 2, 2}, 4, 1, vnode});
        struct vt_cpuid_leaf v[32];
        size_t n = t_leaves(l, 1, v, 32);
        uint32_t leaf = vendor == VT_VENDOR_AMD ? 0x8000001d : 0x4;

        for (unsigned i = 0; i < 4; i++) {
            const struct vt_cpuid_leaf *c = t_find(v, n, leaf, i);
            uint64_t size = (uint64_t)(c->ecx + 1) * ((c->ebx & 0xfff) + 1) *
                            (((c->ebx >> 12) & 0x3ff) + 1) * ((c->ebx >> 22) + 1);

            assert_int_equal(size, (uint64_t)kib[i] * 1024);
            assert_int_equal((c->eax >> 5) & 7, i < 2 ? 1 : i);
            assert_int_equal(c->eax & 0x1f, i == 0 ? 1 : i == 1 ? 2 : 3);
        }
        assert_int_equal(t_find(v, n, leaf, 4)->eax, 0);
        if (vendor == VT_VENDOR_AMD) {
            assert_int_equal(t_find(v, n, 0x80000005, 0)->ecx >> 24, 32);
            assert_int_equal(t_find(v, n, 0x80000005, 0)->edx >> 24, 32);
            assert_int_equal(t_find(v, n, 0x80000006, 0)->ecx >> 16, 1024);
            assert_int_equal((t_find(v, n, 0x80000006, 0)->edx >> 18) * 512, 32768);
            assert_int_equal(t_find(v, n, 0x80000001, 0)->ecx, 1u << 22);
        }
        vt_layout_free(l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_2x3),
        cmocka_unit_test(test_qemu_dies),
        cmocka_unit_test(test_qemu_amd_24),
        cmocka_unit_test(test_edera_examples),
        cmocka_unit_test(test_peer_bugs),
        cmocka_unit_test(test_decoder_rejects),
        cmocka_unit_test_teardown(test_random_layouts, t_report),
        cmocka_unit_test(test_bad_layouts),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_cache_model),
        cmocka_unit_test(test_split_package),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
