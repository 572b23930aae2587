/* A whole-layout check built on Linux's CPU topology model
 * (src/model/linux/cpu_topo.c): the oracle the CPUID and plan tests hold
 * every layout to (test-only, static inline). */
#ifndef VT_TEST_LINUX_TOPO_CHECK_H
#define VT_TEST_LINUX_TOPO_CHECK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/cpu_topo.h"
#include "vtopo/layout.h"

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
