/* CPUID leaves of each vCPU, per vendor, derived only from the layout's APIC
 * IDs, shape and APIC-ID fields; the leaf-by-leaf formulas, the cache model
 * and the differences from QEMU, Xen and cloud-hypervisor are in
 * docs/cpuid.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/layout_query.h"
#include "vtopo/cpuid.h"

#define MAX_LEAVES 24

/* Leaf 0xB / 0x1F level types (Intel SDM). */
#define TOPO_INVALID 0
#define TOPO_SMT     1
#define TOPO_CORE    2
#define TOPO_DIE     5
/* Leaf 0x80000026 level types (AMD APM). */
#define AMD_LVL_CORE    1
#define AMD_LVL_COMPLEX 2
#define AMD_LVL_DIE     3
#define AMD_LVL_SOCKET  4

#define CPUID_1_EDX_HTT            (1u << 28)
#define CPUID_80000001_ECX_TOPOEXT (1u << 22)

/* The documented cache model (docs/cpuid.md): every level 64-byte lines, one
 * partition; sets = size / (ways * line). L1 and L2 are shared by the SMT
 * siblings of a core, L3 by the layout's LLC domain (apic_id >> llc_shift). */
enum cache_share { SHARE_CORE, SHARE_LLC };

struct cache_model {
    unsigned level, type; /* type: 1 data, 2 instruction, 3 unified */
    uint32_t size_kib, ways, line;
    enum cache_share share;
};

static const struct cache_model caches[] = {
    {1, 1, 32, 8, 64, SHARE_CORE},
    {1, 2, 32, 8, 64, SHARE_CORE},
    {2, 3, 1024, 16, 64, SHARE_CORE},
    {3, 3, 32768, 16, 64, SHARE_LLC},
};
#define NCACHES (sizeof(caches) / sizeof(caches[0]))

/* Facts about the whole layout that a vCPU's leaves need. */
struct cpuid_ctx {
    unsigned nodes_per_pkg; /* most vnodes sharing one package, capped at 8 */
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t mask_below(unsigned shift)
{
    return shift >= 32 ? UINT32_MAX : (UINT32_C(1) << shift) - 1;
}

/* The contract of struct vt_apic_fields that every formula below relies on. */
static int check_layout(const struct vt_layout *l)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    const struct vt_shape *s = vt_layout_shape(l);
    unsigned top = s->dies > 1 ? f->die_shift : f->pkg_shift;

    if (!s->threads || !s->cores || !s->dies)
        return -EINVAL;
    if (f->pkg_shift > 31 || f->core_shift > f->die_shift || f->die_shift > f->pkg_shift)
        return -EINVAL;
    if (f->llc_shift < f->core_shift || f->llc_shift > top)
        return -EINVAL;
    return 0;
}

static size_t leaf_count(const struct vt_layout *l)
{
    if (vt_layout_vendor(l) == VT_VENDOR_AMD)
        return 1 + 3 + 4 + (NCACHES + 1) + 1 + 5;
    return 1 + (NCACHES + 1) + 3 + (vt_layout_shape(l)->dies > 1 ? 4 : 3);
}

struct emit {
    struct vt_cpuid_leaf *out;
    size_t n;
};

static void put(struct emit *e, uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ebx,
                uint32_t ecx, uint32_t edx)
{
    struct vt_cpuid_leaf *x = &e->out[e->n++];

    x->leaf = leaf;
    x->subleaf = subleaf;
    x->eax = eax;
    x->ebx = ebx;
    x->ecx = ecx;
    x->edx = edx;
}

/* Leaf 0x4 / 0x8000001D: the same register layout for both vendors; EAX[31:26]
 * (cores in the package) exists on Intel only. */
static void put_caches(struct emit *e, uint32_t leaf, const struct vt_layout *l)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    bool intel = vt_layout_vendor(l) == VT_VENDOR_INTEL;
    uint32_t cores_field = min_u32(mask_below(f->pkg_shift - f->core_shift), 63);

    for (unsigned i = 0; i < NCACHES; i++) {
        const struct cache_model *c = &caches[i];
        unsigned share_shift = c->share == SHARE_CORE ? f->core_shift : f->llc_shift;
        uint32_t sets = c->size_kib * 1024 / (c->ways * c->line);
        uint32_t eax = c->type | c->level << 5 | 1u << 8 /* self-initialising */ |
                       min_u32(mask_below(share_shift), 4095) << 14;

        if (intel)
            eax |= cores_field << 26;
        put(e, leaf, i, eax, (c->line - 1) | 0u << 12 | (c->ways - 1) << 22, sets - 1, 0);
    }
    put(e, leaf, NCACHES, 0, 0, 0, 0); /* type 0: no more caches */
}

/* Leaf 0xB: SMT, then the whole package as the CORE level (as QEMU and Edera). */
static void put_0b(struct emit *e, const struct vt_layout *l, uint32_t apic)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    const struct vt_shape *s = vt_layout_shape(l);
    uint32_t per_pkg = s->threads * s->cores * s->dies;

    put(e, 0xb, 0, f->core_shift, s->threads & 0xffff, 0 | TOPO_SMT << 8, apic);
    put(e, 0xb, 1, f->pkg_shift, per_pkg & 0xffff, 1 | TOPO_CORE << 8, apic);
    put(e, 0xb, 2, 0, 0, 2 | TOPO_INVALID << 8, apic);
}

static void put_1f(struct emit *e, const struct vt_layout *l, uint32_t apic)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    const struct vt_shape *s = vt_layout_shape(l);
    uint32_t per_die = s->threads * s->cores;
    uint32_t sub = 0;

    put(e, 0x1f, sub, f->core_shift, s->threads & 0xffff, sub | TOPO_SMT << 8, apic);
    sub++;
    put(e, 0x1f, sub, f->die_shift, per_die & 0xffff, sub | TOPO_CORE << 8, apic);
    sub++;
    if (s->dies > 1) {
        put(e, 0x1f, sub, f->pkg_shift, (per_die * s->dies) & 0xffff, sub | TOPO_DIE << 8, apic);
        sub++;
    }
    put(e, 0x1f, sub, 0, 0, sub | TOPO_INVALID << 8, apic);
}

/* AMD's associativity code in 0x80000006 (APM: 2-way 2, 4-way 4, 8-way 6,
 * 16-way 8, 32-way 0xA, ...). */
static uint32_t amd_assoc(uint32_t ways)
{
    switch (ways) {
    case 1:
    case 2:
    case 4:
        return ways;
    case 8:
        return 0x6;
    case 16:
        return 0x8;
    case 32:
        return 0xa;
    default:
        return 0xf;
    }
}

static void put_amd(struct emit *e, const struct vt_layout *l, const struct cpuid_ctx *ctx,
                    const struct vt_vcpu *c)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    const struct vt_shape *s = vt_layout_shape(l);
    uint32_t apic = c->apic_id;
    uint32_t per_die = s->threads * s->cores, per_pkg = per_die * s->dies;
    uint32_t per_llc =
        s->threads * min_u32(s->cores, UINT32_C(1) << (f->llc_shift - f->core_shift));
    uint32_t core_in_pkg = (apic & mask_below(f->pkg_shift)) >> f->core_shift;
    const struct cache_model *l1d = &caches[0], *l1i = &caches[1], *l2 = &caches[2],
                             *l3 = &caches[3];

    /* AMD: EBX[23:16] counts threads in the package (QEMU does the same). */
    put(e, 0x1, 0, 0, (apic & 0xff) << 24 | min_u32(per_pkg, 255) << 16, 0,
        per_pkg > 1 ? CPUID_1_EDX_HTT : 0);
    put_0b(e, l, apic);
    /* Without TOPOEXT Linux reads neither 0xB, 0x80000026 nor 0x8000001D/1E
     * and its LLC becomes the whole package. */
    put(e, 0x80000001, 0, 0, 0, CPUID_80000001_ECX_TOPOEXT, 0);
    put(e, 0x80000005, 0, 0, 0, l1d->size_kib << 24 | l1d->ways << 16 | 1u << 8 | l1d->line,
        l1i->size_kib << 24 | l1i->ways << 16 | 1u << 8 | l1i->line);
    /* Linux derives an L3 id only if 0x80000006 EDX is non-zero. */
    put(e, 0x80000006, 0, 0, 0, l2->size_kib << 16 | amd_assoc(l2->ways) << 12 | 1u << 8 | l2->line,
        (l3->size_kib / 512) << 18 | amd_assoc(l3->ways) << 12 | 1u << 8 | l3->line);
    /* ApicIdSize is the package width itself, not a sum of cumulative widths. */
    put(e, 0x80000008, 0, 0, 0, min_u32(f->pkg_shift, 15) << 12 | min_u32(per_pkg - 1, 255), 0);
    put_caches(e, 0x8000001d, l);
    put(e, 0x8000001e, 0, apic, (s->threads - 1) << 8 | (core_in_pkg & 0xff),
        (ctx->nodes_per_pkg - 1) << 8 | (c->vnode & 0xff), 0);
    put(e, 0x80000026, 0, f->core_shift, s->threads & 0xffff, 0 | AMD_LVL_CORE << 8, apic);
    put(e, 0x80000026, 1, f->llc_shift, per_llc & 0xffff, 1 | AMD_LVL_COMPLEX << 8, apic);
    put(e, 0x80000026, 2, f->die_shift, per_die & 0xffff, 2 | AMD_LVL_DIE << 8, apic);
    put(e, 0x80000026, 3, f->pkg_shift, per_pkg & 0xffff, 3 | AMD_LVL_SOCKET << 8, apic);
    put(e, 0x80000026, 4, 0, 0, 4, apic);
}

static void put_intel(struct emit *e, const struct vt_layout *l, const struct vt_vcpu *c)
{
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    uint32_t apic = c->apic_id;
    /* Intel: EBX[23:16] is the number of addressable IDs in the package, a
     * power of two (as QEMU for Intel), at most 255. */
    uint32_t ids = f->pkg_shift >= 8 ? 255 : UINT32_C(1) << f->pkg_shift;

    put(e, 0x1, 0, 0, (apic & 0xff) << 24 | (ids > 1 ? ids : 0) << 16, 0,
        ids > 1 ? CPUID_1_EDX_HTT : 0);
    put_caches(e, 0x4, l);
    put_0b(e, l, apic);
    put_1f(e, l, apic);
}

static size_t build(const struct vt_layout *l, const struct cpuid_ctx *ctx, const struct vt_vcpu *c,
                    struct vt_cpuid_leaf *out)
{
    struct emit e = {out, 0};

    if (vt_layout_vendor(l) == VT_VENDOR_AMD)
        put_amd(&e, l, ctx, c);
    else
        put_intel(&e, l, c);
    return e.n;
}

long vt_layout_cpuid(const struct vt_layout *l, unsigned vcpu, struct vt_cpuid_leaf *leaves,
                     size_t count, size_t *needed)
{
    const struct vt_vcpu *c; /* present or hot-pluggable */
    struct cpuid_ctx ctx;
    size_t n;

    if (!l || !(c = layout_cpuid_facts(l, vcpu, &ctx.nodes_per_pkg)) || check_layout(l) < 0)
        return -EINVAL;
    n = leaf_count(l);
    if (needed)
        *needed = n;
    if (!leaves || count == 0)
        return (long)n;
    if (count < n)
        return -ENOBUFS;
    return (long)build(l, &ctx, c, leaves);
}

static char *put_hex8(char *o, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";

    o[0] = ' ';
    o[1] = '0';
    o[2] = 'x';
    for (int i = 7; i >= 0; i--, v >>= 4)
        o[3 + i] = digits[v & 15];
    return o + 11;
}

static size_t dec_len(unsigned v)
{
    size_t n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

int vt_cpuid_format(const struct vt_layout *l, char **text)
{
    const struct vt_apic_fields *f;
    struct vt_cpuid_leaf leaves[MAX_LEAVES];
    struct cpuid_ctx ctx;
    size_t nv, per, total, hlen;
    char head[512], *buf, *o;

    *text = NULL;
    if (!l || check_layout(l) < 0)
        return -EINVAL;
    f = vt_layout_apic_fields(l);
    hlen = (size_t)snprintf(
        head, sizeof(head),
        "# vtopo cpuid: %s, %s APIC IDs, %zu vCPUs; shifts core %u die %u package %u "
        "llc %u (docs/cpuid.md)\n# vcpu leaf subleaf eax ebx ecx edx\n",
        vt_vendor_name(vt_layout_vendor(l)), vt_apic_encoding_name(vt_layout_apic_encoding(l)),
        vt_layout_vcpu_count(l), f->core_shift, f->die_shift, f->pkg_shift, f->llc_shift);
    nv = vt_layout_vcpu_count(l);
    per = leaf_count(l);
    total = hlen + 1;
    for (unsigned v = 0; v < nv; v++)
        total += per * (dec_len(v) + 6 * 11 + 1);
    if (!(buf = malloc(total)))
        return -ENOMEM;
    memcpy(buf, head, hlen);
    o = buf + hlen;
    for (unsigned v = 0; v < nv; v++) {
        size_t n = build(l, &ctx, layout_cpuid_facts(l, v, &ctx.nodes_per_pkg), leaves);
        char num[16];
        size_t nl = dec_len(v);

        for (size_t k = nl, x = v; k > 0; k--, x /= 10)
            num[k - 1] = (char)('0' + x % 10);
        for (size_t i = 0; i < n; i++) {
            memcpy(o, num, nl);
            o += nl;
            o = put_hex8(o, leaves[i].leaf);
            o = put_hex8(o, leaves[i].subleaf);
            o = put_hex8(o, leaves[i].eax);
            o = put_hex8(o, leaves[i].ebx);
            o = put_hex8(o, leaves[i].ecx);
            o = put_hex8(o, leaves[i].edx);
            *o++ = '\n';
        }
    }
    *o = '\0';
    *text = buf;
    return 0;
}
