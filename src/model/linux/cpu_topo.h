/* A model of how a Linux x86 guest (the 6.9+ topology code:
 * arch/x86/kernel/cpu/topology_common.c, topology_ext.c, topology_amd.c,
 * cacheinfo.c, and smpboot.c's sibling checks) turns one CPU's CPUID leaves
 * into topology ids, and a whole-layout check built on it. A test oracle
 * (header-only, static inline), written from reading that code; every place
 * where Linux would warn or log a firmware bug is an error here.
 *
 * What the model assumes: a leaf is available exactly when the list holds it
 * (the VMM's max basic/extended leaf covers it); AMD is family 0x17 model >=
 * 0x20 or later (Zen 2+: the LLC id comes from 0x8000001D; Zen 1 hardwires
 * apic_id >> 3 and older families the node); the APIC register and the MADT
 * hold the APIC ID the CPUID leaves report, which linux_topo_check_layout
 * compares with the layout's. */
#ifndef VT_TEST_LINUX_TOPO_H
#define VT_TEST_LINUX_TOPO_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vtopo/cpuid.h"
#include "vtopo/err.h"
#include "vtopo/layout.h"

/* Linux's enum x86_topology_domains. */
enum lt_dom { LT_SMT, LT_CORE, LT_MODULE, LT_TILE, LT_DIE, LT_DIEGRP, LT_PKG, LT_NDOM };

#define LT_BAD_ID UINT32_MAX /* Linux's BAD_APICID for llc_id / l2c_id left unset */

struct linux_topo {
    uint32_t source;  /* leaf the domain shifts came from: 0x1f, 0x80000026, 0xb,
                       * 0x80000008 (AMD without TOPOEXT) or 0x4 (Intel legacy:
                       * leaf 4 EAX[31:26] + leaf 1 EBX[23:16]) */
    uint32_t apic_id; /* c->topo.initial_apicid after parsing */
    unsigned dom_shift[LT_NDOM], dom_ncpus[LT_NDOM];
    uint32_t pkg_id, die_id;                 /* apic_id >> shift of the level below */
    uint32_t core_id;                        /* package-relative: (apic & pkg mask) >> SMT shift */
    uint32_t smt_id;                         /* apic & SMT mask (Linux keeps no such field) */
    uint32_t llc_id, l2c_id;                 /* LT_BAD_ID when no cache leaf sets them */
    uint32_t amd_node_id, amd_nodes_per_pkg; /* 0 / 1 unless 0x8000001E says so */
    bool topoext;                            /* AMD: 0x80000001 ECX[22] */
};

struct lt_leaves {
    const struct vt_cpuid_leaf *v;
    size_t n;
};

static inline bool lt_has(const struct lt_leaves *x, uint32_t leaf)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->v[i].leaf == leaf)
            return true;
    return false;
}

/* cpuid(leaf, subleaf): zeros for what the list does not hold. */
static inline struct vt_cpuid_leaf lt_get(const struct lt_leaves *x, uint32_t leaf,
                                          uint32_t subleaf)
{
    struct vt_cpuid_leaf r = {leaf, subleaf, 0, 0, 0, 0};

    for (size_t i = 0; i < x->n; i++)
        if (x->v[i].leaf == leaf && x->v[i].subleaf == subleaf)
            return x->v[i];
    return r;
}

/* Linux get_count_order(): ceil(log2(n)), -1 for 0. */
static inline int lt_count_order(uint32_t n)
{
    int order = 31;

    if (!n)
        return -1;
    while (order > 0 && !(n & (UINT32_C(1) << order)))
        order--;
    return (n & (n - 1)) ? order + 1 : order;
}

static inline uint32_t lt_shr(uint32_t v, unsigned shift)
{
    return shift >= 32 ? 0 : v >> shift;
}

static inline uint32_t lt_mask(unsigned shift)
{
    return shift >= 32 ? UINT32_MAX : (UINT32_C(1) << shift) - 1;
}

/* topology_set_dom: set one domain and propagate it to the levels above. */
static inline void lt_set_dom(struct linux_topo *t, unsigned dom, unsigned shift, unsigned ncpus)
{
    for (unsigned d = dom; d < LT_NDOM; d++) {
        t->dom_shift[d] = shift;
        t->dom_ncpus[d] = ncpus;
    }
}

/* parse_topology_leaf(): 0 parsed, 1 not usable (subleaf 0 invalid), <0 error. */
static inline int lt_parse_ext_leaf(const struct lt_leaves *x, uint32_t leaf, struct linux_topo *t,
                                    struct vt_err *err)
{
    /* topo_domain_map_0b_1f / topo_domain_map_80000026, by level type. */
    static const unsigned map_0b_1f[] = {0, LT_SMT, LT_CORE, LT_MODULE, LT_TILE, LT_DIE, LT_DIEGRP};
    static const unsigned map_80000026[] = {0, LT_SMT, LT_CORE, LT_TILE, LT_DIE};
    unsigned maxtype = leaf == 0xb ? 3 : leaf == 0x1f ? 7 : 5;
    const unsigned *map = leaf == 0x80000026 ? map_80000026 : map_0b_1f;
    unsigned last_shift = 0;
    uint32_t sub;

    for (sub = 0; sub < 64; sub++) {
        struct vt_cpuid_leaf r = lt_get(x, leaf, sub);
        unsigned nproc = r.ebx & 0xffff, type = (r.ecx >> 8) & 0xff, shift = r.eax & 0x1f, dom;

        if (!nproc || type == 0)
            break;
        if (type >= maxtype)
            return vt_err_set(err, -EINVAL, "leaf 0x%x subleaf %u: Unknown domain type %u", leaf,
                              sub, type);
        dom = map[type];
        if (dom == LT_SMT)
            t->apic_id = r.edx;
        else if (t->apic_id != r.edx)
            return vt_err_set(err, -EINVAL,
                              "FW_BUG: CPUID leaf 0x%x subleaf %u APIC ID mismatch %x != %x", leaf,
                              sub, t->apic_id, r.edx);
        /* Linux does not check this; a narrower upper level is nonsense. */
        if (shift < last_shift)
            return vt_err_set(err, -EINVAL, "leaf 0x%x subleaf %u: shift %u below the %u below it",
                              leaf, sub, shift, last_shift);
        last_shift = shift;
        lt_set_dom(t, dom, shift, nproc);
    }
    if (sub == 0)
        return 1;
    if (!t->dom_shift[LT_SMT] && t->dom_ncpus[LT_SMT] > 1)
        return vt_err_set(err, -EINVAL,
                          "FW_BUG: CPUID leaf 0x%x subleaf 0 has shift level 0 but %u CPUs", leaf,
                          t->dom_ncpus[LT_SMT]);
    t->source = leaf;
    return 0;
}

/* cpu_parse_topology_ext(): 0x1F, then 0x80000026, then 0xB. */
static inline int lt_parse_ext(const struct lt_leaves *x, struct linux_topo *t, struct vt_err *err)
{
    static const uint32_t order[] = {0x1f, 0x80000026, 0xb};

    for (unsigned i = 0; i < 3; i++) {
        int rc;

        if (!lt_has(x, order[i]))
            continue;
        rc = lt_parse_ext_leaf(x, order[i], t, err);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

/* parse_legacy(): leaf 4 cores and leaf 1 logical processor count. */
static inline int lt_parse_legacy(const struct lt_leaves *x, struct linux_topo *t,
                                  struct vt_err *err)
{
    struct vt_cpuid_leaf l1 = lt_get(x, 0x1, 0), l4 = lt_get(x, 0x4, 0);
    unsigned cores = 1, core_shift, smt_shift = 0;

    if (lt_has(x, 0x4) && (l4.eax & 0x1f))
        cores = (l4.eax >> 26) + 1;
    core_shift = (unsigned)lt_count_order(cores);
    if (l1.edx & (1u << 28)) {
        int nproc_shift = lt_count_order((l1.ebx >> 16) & 0xff);

        if (nproc_shift < (int)core_shift)
            return vt_err_set(err, -EINVAL,
                              "WARN: leaf 1 EBX[23:16] = %u logical processors, fewer than the "
                              "%u cores of leaf 4",
                              (l1.ebx >> 16) & 0xff, cores);
        smt_shift = (unsigned)nproc_shift - core_shift;
        core_shift += smt_shift;
        cores <<= smt_shift;
    }
    lt_set_dom(t, LT_SMT, smt_shift, 1u << smt_shift);
    lt_set_dom(t, LT_CORE, core_shift, cores);
    t->source = 0x4;
    return 0;
}

/* Number of cache subleaves before the first of type 0 (find_num_cache_leaves). */
static inline uint32_t lt_cache_leaves(const struct lt_leaves *x, uint32_t leaf)
{
    uint32_t i = 0;

    while (i < 64 && (lt_get(x, leaf, i).eax & 0x1f))
        i++;
    return i;
}

/* Linux's cache id: apic_id >> get_count_order(EAX[25:14] + 1). */
static inline uint32_t lt_cache_id(uint32_t apic, uint32_t eax)
{
    return lt_shr(apic, (unsigned)lt_count_order(((eax >> 14) & 0xfff) + 1));
}

static inline int lt_parse_amd(const struct lt_leaves *x, struct linux_topo *t, struct vt_err *err)
{
    struct vt_cpuid_leaf e;
    int has_ext = 0, rc;

    t->topoext = (lt_get(x, 0x80000001, 0).ecx >> 22) & 1;
    if (t->topoext) {
        rc = lt_parse_ext(x, t, err);
        if (rc < 0)
            return rc;
        has_ext = rc == 0;
    }
    if (!has_ext) {
        /* parse_8000_0008() */
        uint32_t ecx = lt_get(x, 0x80000008, 0).ecx;
        unsigned nthreads = ecx & 0xff, sft = (ecx >> 12) & 0xf;

        if (!lt_has(x, 0x80000008))
            return vt_err_set(err, -EINVAL,
                              "AMD: no topology leaf Linux reads (0x80000026/0xB need TOPOEXT, "
                              "else 0x80000008)");
        if (!sft)
            sft = (unsigned)lt_count_order(nthreads + 1);
        t->dom_shift[LT_SMT] = 0;
        t->dom_ncpus[LT_SMT] = 1;
        lt_set_dom(t, LT_CORE, sft, nthreads + 1);
        t->source = 0x80000008;
    }
    if (!t->topoext)
        goto legacy_llc; /* no 0x8000001E; the node id MSR is not modelled */
    /* parse_8000_001e() */
    e = lt_get(x, 0x8000001e, 0);
    if (has_ext ? e.eax != t->apic_id : (e.eax & 0xff) != (t->apic_id & 0xff))
        return vt_err_set(err, -EINVAL,
                          "leaf 0x8000001E EAX (extended APIC ID) 0x%x != APIC ID 0x%x from leaf "
                          "0x%x",
                          e.eax, t->apic_id, has_ext ? t->source : 0x1);
    t->apic_id = e.eax;
    if (!has_ext) {
        unsigned nthreads = ((e.ebx >> 8) & 0xff) + 1;

        t->dom_shift[LT_SMT] = (unsigned)lt_count_order(nthreads);
        t->dom_ncpus[LT_SMT] = nthreads;
    }
    t->amd_nodes_per_pkg = ((e.ecx >> 8) & 7) + 1;
    t->amd_node_id = e.ecx & 0xff;
    /* cacheinfo_amd_init_llc_id(), Zen 2 and later */
    if (lt_get(x, 0x80000006, 0).edx) {
        uint32_t nleaves = lt_cache_leaves(x, 0x8000001d);
        uint32_t eax = nleaves ? lt_get(x, 0x8000001d, nleaves - 1).eax : 0;

        if (eax)
            t->llc_id = lt_cache_id(t->apic_id, eax);
    }
legacy_llc:
    /* legacy_set_llc(): no LLC id yet, so the CORE domain (the package here) */
    if (t->llc_id == LT_BAD_ID)
        t->llc_id = lt_shr(t->apic_id, t->dom_shift[LT_CORE]);
    return 0;
}

/* init_intel_cacheinfo(): L2 and L3 ids from leaf 4, else the package. */
static inline void lt_intel_caches(const struct lt_leaves *x, struct linux_topo *t)
{
    uint32_t nleaves = lt_has(x, 0x4) ? lt_cache_leaves(x, 0x4) : 0;
    uint32_t l2 = LT_BAD_ID, l3 = LT_BAD_ID;

    for (uint32_t i = 0; i < nleaves; i++) {
        struct vt_cpuid_leaf r = lt_get(x, 0x4, i);
        uint64_t size = (uint64_t)(r.ecx + 1ull) * ((r.ebx & 0xfff) + 1) *
                        (((r.ebx >> 12) & 0x3ff) + 1) * ((r.ebx >> 22) + 1);

        if (size < 1024)
            continue;
        if (((r.eax >> 5) & 7) == 2)
            l2 = lt_cache_id(t->apic_id, r.eax);
        else if (((r.eax >> 5) & 7) == 3)
            l3 = lt_cache_id(t->apic_id, r.eax);
    }
    t->l2c_id = l2;
    t->llc_id = l3 != LT_BAD_ID ? l3 : l2 != LT_BAD_ID ? l2 : t->pkg_id;
}

/*
 * Decode one CPU's leaves as Linux does for a CPU of vendor v. Returns 0 and
 * fills *out, or a negative errno with a sentence in err for anything Linux
 * would reject, warn about or log as a firmware bug on this CPU alone (cross-
 * CPU checks are linux_topo_check_layout's).
 */
static inline int linux_topo_decode(enum vt_vendor v, const struct vt_cpuid_leaf *leaves, size_t n,
                                    struct linux_topo *out, struct vt_err *err)
{
    struct lt_leaves x = {leaves, n};
    struct linux_topo *t = out;
    struct vt_cpuid_leaf l1;
    int rc;

    memset(t, 0, sizeof(*t));
    t->llc_id = t->l2c_id = LT_BAD_ID;
    t->amd_nodes_per_pkg = 1;
    /* fake_topology() presets */
    lt_set_dom(t, LT_SMT, 0, 1);
    if (!lt_has(&x, 0x1))
        return vt_err_set(err, -EINVAL, "no leaf 1");
    l1 = lt_get(&x, 0x1, 0);
    t->apic_id = l1.ebx >> 24;
    if (v == VT_VENDOR_AMD) {
        rc = lt_parse_amd(&x, t, err);
    } else {
        rc = lt_parse_ext(&x, t, err);
        if (rc > 0)
            rc = lt_parse_legacy(&x, t, err);
    }
    if (rc < 0)
        return rc;
    if ((l1.ebx >> 24) != (t->apic_id & 0xff))
        return vt_err_set(err, -EINVAL,
                          "leaf 1 EBX[31:24] initial APIC ID 0x%x != 0x%x (low 8 bits)",
                          l1.ebx >> 24, t->apic_id & 0xff);
    /* topo_set_ids() */
    t->pkg_id = lt_shr(t->apic_id, t->dom_shift[LT_DIEGRP]);
    t->die_id = lt_shr(t->apic_id, t->dom_shift[LT_TILE]);
    t->core_id = lt_shr(t->apic_id & lt_mask(t->dom_shift[LT_PKG]), t->dom_shift[LT_SMT]);
    t->smt_id = t->apic_id & lt_mask(t->dom_shift[LT_SMT]);
    if (v == VT_VENDOR_INTEL)
        lt_intel_caches(&x, t);
    return 0;
}

/* ---- the whole layout ---------------------------------------------------- */

/* Leaves to withhold, as a VMM with a lower max leaf or without TOPOEXT would. */
#define LT_HIDE_1F       (1u << 0)
#define LT_HIDE_B        (1u << 1)
#define LT_HIDE_80000026 (1u << 2)
#define LT_HIDE_TOPOEXT  (1u << 3) /* clear 0x80000001 ECX[22] */
#define LT_HIDE_4        (1u << 4)

/* What must match the layout (Linux's own warnings are always checked). */
#define LT_EXPECT_PKG (1u << 0) /* same pkg_id <=> same package */
#define LT_EXPECT_DIE (1u << 1) /* same die_id <=> same (package, die) */
#define LT_EXPECT_CORE                                                                             \
    (1u << 2)                      /* same (pkg_id, core_id), and same l2c_id if set, <=>          \
                                    * same (package, die, core) */
#define LT_EXPECT_THREAD (1u << 3) /* (pkg_id, core_id, smt_id) unique per vCPU */
#define LT_EXPECT_LLC    (1u << 4) /* same llc_id <=> same apic_id >> llc_shift, in one package */
#define LT_EXPECT_NODE   (1u << 5) /* AMD: node id == vnode & 0xff */
#define LT_EXPECT_ALL    0x3fu

struct lt_key {
    uint64_t k[3];
};

struct lt_pair {
    struct lt_key a, b;
    uint32_t vcpu;
};

static inline int lt_key_cmp(const struct lt_key *a, const struct lt_key *b)
{
    for (int i = 0; i < 3; i++)
        if (a->k[i] != b->k[i])
            return a->k[i] < b->k[i] ? -1 : 1;
    return 0;
}

static inline int lt_pair_cmp(const void *pa, const void *pb)
{
    const struct lt_pair *a = pa, *b = pb;
    int c = lt_key_cmp(&a->a, &b->a);

    return c ? c : lt_key_cmp(&a->b, &b->b);
}

/* Whether equal a-keys imply equal b-keys; on failure names two vCPUs.
 * O(n log n): sorted by (a, b), a run of equal a must hold one b. */
static inline int lt_implies(size_t n, const struct lt_key *a, const struct lt_key *b,
                             const char *what, struct vt_err *err)
{
    struct lt_pair *p = calloc(n ? n : 1, sizeof(*p));
    int rc = 0;

    if (!p)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        p[i].a = a[i];
        p[i].b = b[i];
        p[i].vcpu = (uint32_t)i;
    }
    qsort(p, n, sizeof(*p), lt_pair_cmp);
    for (size_t i = 1; i < n && rc == 0; i++)
        if (lt_key_cmp(&p[i].a, &p[i - 1].a) == 0 && lt_key_cmp(&p[i].b, &p[i - 1].b) != 0)
            rc = vt_err_set(err, -EINVAL, "%s: vCPUs %u and %u", what, p[i - 1].vcpu, p[i].vcpu);
    free(p);
    return rc;
}

static inline int lt_same_partition(size_t n, const struct lt_key *a, const struct lt_key *b,
                                    const char *what, struct vt_err *err)
{
    int rc = lt_implies(n, a, b, what, err);

    return rc < 0 ? rc : lt_implies(n, b, a, what, err);
}

static inline struct lt_key lt_k(uint64_t a, uint64_t b, uint64_t c)
{
    struct lt_key k = {{a, b, c}};

    return k;
}

/*
 * Decode every vCPU of l the way Linux does (with the leaves in `hide`
 * withheld) and check, as Linux does across CPUs: every domain shift equals
 * the boot CPU's (vCPU 0); the CPUID APIC ID equals the layout's (MADT); SMT,
 * L2 and LLC siblings share a vnode (topology_sane). Then the `expect`
 * equivalences with the layout. out (may be NULL) receives one entry per
 * vCPU. Returns 0 or a negative errno with the first problem in err.
 */
static inline int linux_topo_check_layout(const struct vt_layout *l, unsigned hide, unsigned expect,
                                          struct linux_topo *out, struct vt_err *err)
{
    size_t n = vt_layout_vcpu_count(l), needed = 0;
    enum vt_vendor vendor = vt_layout_vendor(l);
    const struct vt_apic_fields *f = vt_layout_apic_fields(l);
    struct linux_topo *t = calloc(n ? n : 1, sizeof(*t));
    struct lt_key *ka = calloc(n ? n : 1, sizeof(*ka)), *kb = calloc(n ? n : 1, sizeof(*kb));
    struct vt_cpuid_leaf *leaves = NULL;
    int rc = 0;

    if (!t || !ka || !kb) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        long got = vt_layout_cpuid(l, (unsigned)i, NULL, 0, &needed);
        size_t m = 0;

        if (got < 0) {
            rc = vt_err_set(err, (int)got, "vCPU %zu: vt_layout_cpuid failed", i);
            break;
        }
        free(leaves);
        leaves = calloc(needed, sizeof(*leaves));
        if (!leaves || vt_layout_cpuid(l, (unsigned)i, leaves, needed, NULL) != (long)needed) {
            rc = vt_err_set(err, -ENOMEM, "vCPU %zu: could not read its leaves", i);
            break;
        }
        for (size_t j = 0; j < needed; j++) {
            struct vt_cpuid_leaf c = leaves[j];

            if (((hide & LT_HIDE_1F) && c.leaf == 0x1f) || ((hide & LT_HIDE_B) && c.leaf == 0xb) ||
                ((hide & LT_HIDE_80000026) && c.leaf == 0x80000026) ||
                ((hide & LT_HIDE_4) && c.leaf == 0x4))
                continue;
            if ((hide & LT_HIDE_TOPOEXT) && c.leaf == 0x80000001)
                c.ecx &= ~(1u << 22);
            leaves[m++] = c;
        }
        if ((rc = linux_topo_decode(vendor, leaves, m, &t[i], err)) < 0) {
            vt_err_prefix(err, "vCPU %zu: ", i);
            break;
        }
        for (unsigned d = 0; d < LT_NDOM && rc == 0; d++)
            if (t[i].dom_shift[d] != t[0].dom_shift[d])
                rc = vt_err_set(err, -EINVAL, "FW_BUG: CPU%zu: Topology domain %u shift %u != %u",
                                i, d, t[i].dom_shift[d], t[0].dom_shift[d]);
        if (rc == 0 && t[i].apic_id != vt_layout_vcpu(l, i)->apic_id)
            rc = vt_err_set(err, -EINVAL,
                            "FW_BUG: CPU%zu: APIC ID mismatch. CPUID: 0x%04x APIC: 0x%04x", i,
                            t[i].apic_id, vt_layout_vcpu(l, i)->apic_id);
    }
    if (rc < 0)
        goto out;

    /* topology_sane(): smt, l2c and llc siblings on one node. match_smt()
     * compares node and LLC ids too when TOPOEXT is set. */
    for (size_t i = 0; i < n; i++) {
        const struct linux_topo *c = &t[i];

        ka[i] = c->topoext ? lt_k((uint64_t)c->pkg_id << 32 | c->die_id,
                                  (uint64_t)c->amd_node_id << 32 | c->llc_id, c->core_id)
                           : lt_k((uint64_t)c->pkg_id << 32 | c->die_id, 0, c->core_id);
        kb[i] = lt_k(vt_layout_vcpu(l, i)->vnode, 0, 0);
    }
    if ((rc = lt_implies(n, ka, kb, "sched: smt-sibling is not on the same node", err)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (t[i].l2c_id != LT_BAD_ID)
            ka[i] = lt_k(1, t[i].l2c_id, 0);
        else /* no L2 id: match_smt(), checked above */
            ka[i] = lt_k(2, i, 0);
    }
    if ((rc = lt_implies(n, ka, kb, "sched: l2c-sibling is not on the same node", err)) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        ka[i] = lt_k(t[i].llc_id, 0, 0);
    if ((rc = lt_implies(n, ka, kb, "sched: llc-sibling is not on the same node", err)) < 0)
        goto out;

    for (size_t i = 0; i < n; i++) {
        ka[i] = lt_k(t[i].pkg_id, 0, 0);
        kb[i] = lt_k(vt_layout_vcpu(l, i)->package, 0, 0);
    }
    if ((expect & LT_EXPECT_PKG) &&
        (rc = lt_same_partition(n, ka, kb, "packages differ from the layout's", err)) < 0)
        goto out;
    if (expect & LT_EXPECT_DIE) {
        for (size_t i = 0; i < n; i++) {
            ka[i] = lt_k(t[i].die_id, 0, 0);
            kb[i] = lt_k(vt_layout_vcpu(l, i)->package, vt_layout_vcpu(l, i)->die, 0);
        }
        if ((rc = lt_same_partition(n, ka, kb, "dies differ from the layout's", err)) < 0)
            goto out;
    }
    if (expect & LT_EXPECT_CORE) {
        for (size_t i = 0; i < n; i++) {
            const struct vt_vcpu *c = vt_layout_vcpu(l, i);

            ka[i] = lt_k(t[i].pkg_id, t[i].core_id, 0);
            kb[i] = lt_k(c->package, c->die, c->core);
        }
        if ((rc = lt_same_partition(n, ka, kb, "cores differ from the layout's", err)) < 0)
            goto out;
        /* Where Linux has an L2 id, the L2 is the core's. */
        for (size_t i = 0; i < n; i++)
            ka[i] = t[i].l2c_id != LT_BAD_ID ? lt_k(t[i].l2c_id, 0, 0)
                                             : lt_k(2, t[i].pkg_id, t[i].core_id);
        if ((rc = lt_same_partition(n, ka, kb, "L2 domains differ from the layout's cores", err)) <
            0)
            goto out;
    }
    if (expect & LT_EXPECT_THREAD) {
        for (size_t i = 0; i < n; i++) {
            ka[i] = lt_k(t[i].pkg_id, t[i].core_id, t[i].smt_id);
            kb[i] = lt_k(i, 0, 0);
        }
        if ((rc = lt_same_partition(n, ka, kb, "two vCPUs decode as one thread", err)) < 0)
            goto out;
    }
    if (expect & LT_EXPECT_LLC) {
        for (size_t i = 0; i < n; i++) {
            ka[i] = lt_k(t[i].llc_id, 0, 0);
            kb[i] = lt_k(vt_layout_vcpu(l, i)->apic_id >> f->llc_shift, 0, 0);
        }
        if ((rc = lt_same_partition(n, ka, kb, "LLC domains differ from apic_id >> llc_shift",
                                    err)) < 0)
            goto out;
        for (size_t i = 0; i < n; i++)
            kb[i] = lt_k(t[i].pkg_id, 0, 0);
        if ((rc = lt_implies(n, ka, kb, "an LLC spans packages", err)) < 0)
            goto out;
    }
    if ((expect & LT_EXPECT_NODE) && vendor == VT_VENDOR_AMD)
        for (size_t i = 0; i < n; i++)
            if (t[i].amd_node_id != (vt_layout_vcpu(l, i)->vnode & 0xff)) {
                rc = vt_err_set(err, -EINVAL, "vCPU %zu: AMD node id %u, vnode %u", i,
                                t[i].amd_node_id, vt_layout_vcpu(l, i)->vnode);
                goto out;
            }
    if (out)
        memcpy(out, t, n * sizeof(*t));
out:
    free(leaves);
    free(t);
    free(ka);
    free(kb);
    return rc;
}

#endif
