/* How Linux turns one CPU's CPUID leaves into topology ids (cpu_topo.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/cpu_topo.h"

struct lt_leaves {
    const struct vt_cpuid_leaf *v;
    size_t n;
};

static bool lt_has(const struct lt_leaves *x, uint32_t leaf)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->v[i].leaf == leaf)
            return true;
    return false;
}

/* cpuid(leaf, subleaf): zeros for what the list does not hold. */
static struct vt_cpuid_leaf lt_get(const struct lt_leaves *x, uint32_t leaf, uint32_t subleaf)
{
    struct vt_cpuid_leaf r = {leaf, subleaf, 0, 0, 0, 0};

    for (size_t i = 0; i < x->n; i++)
        if (x->v[i].leaf == leaf && x->v[i].subleaf == subleaf)
            return x->v[i];
    return r;
}

/* Linux get_count_order(): ceil(log2(n)), -1 for 0. */
static int lt_count_order(uint32_t n)
{
    int order = 31;

    if (!n)
        return -1;
    while (order > 0 && !(n & (UINT32_C(1) << order)))
        order--;
    return (n & (n - 1)) ? order + 1 : order;
}

static uint32_t lt_shr(uint32_t v, unsigned shift)
{
    return shift >= 32 ? 0 : v >> shift;
}

static uint32_t lt_mask(unsigned shift)
{
    return shift >= 32 ? UINT32_MAX : (UINT32_C(1) << shift) - 1;
}

/* topology_set_dom: set one domain and propagate it to the levels above. */
static void lt_set_dom(struct linux_topo *t, unsigned dom, unsigned shift, unsigned ncpus)
{
    for (unsigned d = dom; d < LT_NDOM; d++) {
        t->dom_shift[d] = shift;
        t->dom_ncpus[d] = ncpus;
    }
}

/* parse_topology_leaf(): 0 parsed, 1 not usable (subleaf 0 invalid), <0 error. */
static int lt_parse_ext_leaf(const struct lt_leaves *x, uint32_t leaf, struct linux_topo *t,
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
static int lt_parse_ext(const struct lt_leaves *x, struct linux_topo *t, struct vt_err *err)
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
static int lt_parse_legacy(const struct lt_leaves *x, struct linux_topo *t, struct vt_err *err)
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
static uint32_t lt_cache_leaves(const struct lt_leaves *x, uint32_t leaf)
{
    uint32_t i = 0;

    while (i < 64 && (lt_get(x, leaf, i).eax & 0x1f))
        i++;
    return i;
}

/* Linux's cache id: apic_id >> get_count_order(EAX[25:14] + 1). */
static uint32_t lt_cache_id(uint32_t apic, uint32_t eax)
{
    return lt_shr(apic, (unsigned)lt_count_order(((eax >> 14) & 0xfff) + 1));
}

static int lt_parse_amd(const struct lt_leaves *x, struct linux_topo *t, struct vt_err *err)
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
static void lt_intel_caches(const struct lt_leaves *x, struct linux_topo *t)
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
int linux_topo_decode(enum vt_vendor v, const struct vt_cpuid_leaf *leaves, size_t n,
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

void linux_topo_sysfs_ids(enum vt_vendor v, const struct linux_topo *t, struct linux_sysfs_ids *ids)
{
    ids->package = t->pkg_id;
    /* 6.1's detect_extended_topology(): die_select_mask keeps the die bits
     * below the package; AMD's die_id is 0x8000001E's node id. */
    if (v == VT_VENDOR_AMD)
        ids->die = t->topoext ? (long long)t->amd_node_id : -1;
    else
        ids->die = (t->apic_id & lt_mask(t->dom_shift[LT_DIEGRP])) >> t->dom_shift[LT_TILE];
    ids->core = t->core_id;
}
