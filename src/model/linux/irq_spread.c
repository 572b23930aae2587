/* Linux's spreading of managed interrupt vectors (irq_spread.h), step by
 * step as the kernel does it: kernel/irq/affinity.c of 6.1
 * (irq_create_affinity_masks, irq_build_affinity_masks,
 * __irq_build_affinity_masks, alloc_nodes_vectors, irq_spread_init_one),
 * the same algorithm lib/group_cpus.c has from 6.3 (group_cpus_evenly).
 * Every tie is broken as the kernel breaks it, which is why lib/sort.c's
 * heapsort is reproduced too: nodes with equal CPU counts come out of it in
 * an order a stable sort would not give (two such nodes swap), and that
 * order decides which group gets which node's CPUs. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/irq_spread.h"
#include "vtopo/irq.h"

/* node_groups: a node's CPUs in the mask while sorting, its share of the
 * groups after (a union in the kernel); UINT_MAX: no CPU in the mask. */
struct node_groups {
    unsigned id;
    unsigned ncpus, ngroups;
};

/* ncpus_cmp_func: the unsigned difference returned as an int, so a node
 * without CPUs in the pass (ncpus UINT_MAX) compares below every other
 * (UINT_MAX - n is negative as an int) and two of them equal. */
static int ncpus_cmp(const struct node_groups *l, const struct node_groups *r)
{
    return (int)(l->ncpus - r->ncpus);
}

/* lib/sort.c's sort() of node_groups with ncpus_cmp_func: the bottom-up
 * heapsort, on element indices (parent of k is (k - 1) / 2). */
static void kernel_sort(struct node_groups *a, size_t num)
{
    size_t n = num, h = num / 2;

    if (!h)
        return;
    for (;;) {
        size_t b, c, d;

        if (h) {
            h--; /* building the heap: sift element h down */
        } else if (--n) {
            struct node_groups t = a[0]; /* extract the root to n */

            a[0] = a[n];
            a[n] = t;
        } else {
            break;
        }
        /* The sift-down path to a leaf, one compare per level (>= 0 takes
         * the left child on a tie, as do_cmp(c, d) >= 0 does). */
        for (b = h; c = 2 * b + 1, (d = c + 1) < n;)
            b = ncpus_cmp(&a[c], &a[d]) >= 0 ? c : d;
        if (d == n) /* the last leaf, without a sibling */
            b = c;
        /* Back up to where element h belongs, then rotate it there. */
        while (b != h && ncpus_cmp(&a[h], &a[b]) >= 0)
            b = (b - 1) / 2;
        c = b;
        while (b != h) {
            struct node_groups t;

            b = (b - 1) / 2;
            t = a[b];
            a[b] = a[c];
            a[c] = t;
        }
    }
}

/* The CPUs of node n in cpu_mask, into nmsk. */
static void node_cpus(const struct linux_irq_cpus *c, unsigned n, const struct vt_bitmap *cpu_mask,
                      struct vt_bitmap *nmsk)
{
    vt_bitmap_zero(nmsk);
    for (int cpu = vt_bitmap_first(cpu_mask); cpu >= 0; cpu = vt_bitmap_next(cpu_mask, cpu))
        if ((size_t)cpu < c->ncpu_ids && c->node_of[cpu] == (int)n)
            vt_bitmap_set(nmsk, (unsigned)cpu);
}

/* alloc_nodes_vectors: each node's share of numgrps, in proportion to its
 * CPUs in cpu_mask, at least 1, taken in ascending order of CPU count. */
static void alloc_nodes_groups(const struct linux_irq_cpus *c, unsigned numgrps,
                               const struct vt_bitmap *cpu_mask, const bool *in_mask,
                               struct vt_bitmap *nmsk, struct node_groups *ng)
{
    unsigned remaining = 0;

    for (unsigned n = 0; n < c->nnode_ids; n++) {
        ng[n].id = n;
        ng[n].ncpus = UINT_MAX;
    }
    for (unsigned n = 0; n < c->nnode_ids; n++) {
        unsigned ncpus;

        if (!in_mask[n])
            continue;
        node_cpus(c, n, cpu_mask, nmsk);
        if (!(ncpus = vt_bitmap_weight(nmsk)))
            continue;
        remaining += ncpus;
        ng[n].ncpus = ncpus;
    }
    numgrps = numgrps < remaining ? numgrps : remaining;
    kernel_sort(ng, c->nnode_ids);
    for (unsigned n = 0; n < c->nnode_ids; n++) {
        unsigned ncpus = ng[n].ncpus, ngroups;

        if (ncpus == UINT_MAX)
            continue;
        ngroups = numgrps * ncpus / remaining;
        ng[n].ngroups = ngroups ? ngroups : 1;
        remaining -= ncpus;
        numgrps -= ng[n].ngroups;
    }
}

/* irq_spread_init_one: take per_grp CPUs of nmsk into mask, lowest first,
 * each with its SMT siblings still in nmsk before the next. */
static void spread_init_one(const struct linux_irq_cpus *c, struct vt_bitmap *mask,
                            struct vt_bitmap *nmsk, unsigned per_grp)
{
    while (per_grp > 0) {
        int cpu = vt_bitmap_first(nmsk);
        const struct vt_bitmap *sibl;

        if (cpu < 0)
            return;
        vt_bitmap_clear(nmsk, (unsigned)cpu);
        vt_bitmap_set(mask, (unsigned)cpu);
        per_grp--;
        sibl = c->siblings && (size_t)cpu < c->ncpu_ids ? c->siblings[cpu] : NULL;
        for (int s = sibl ? vt_bitmap_first(sibl) : -1; s >= 0 && per_grp > 0;
             s = vt_bitmap_next(sibl, s)) {
            if (!vt_bitmap_isset(nmsk, (unsigned)s))
                continue;
            vt_bitmap_clear(nmsk, (unsigned)s);
            vt_bitmap_set(mask, (unsigned)s);
            per_grp--;
        }
    }
}

/* __irq_build_affinity_masks: spread cpu_mask over the groups from
 * startgrp (wrapping at numgrps); returns how many groups it filled, or
 * -ENOMEM. */
static int spread(const struct linux_irq_cpus *c, unsigned startgrp, unsigned numgrps,
                  const struct vt_bitmap *cpu_mask, struct vt_bitmap **masks)
{
    struct vt_bitmap *nmsk = vt_bitmap_new();
    bool *in_mask = calloc(c->nnode_ids ? c->nnode_ids : 1, sizeof(*in_mask));
    struct node_groups *ng = calloc(c->nnode_ids ? c->nnode_ids : 1, sizeof(*ng));
    unsigned nodes = 0, curgrp = startgrp, done = 0;
    int rc = 0;

    if (!nmsk || !in_mask || !ng) {
        rc = -ENOMEM;
        goto out;
    }
    if (vt_bitmap_iszero(cpu_mask))
        goto out;
    /* get_nodes_in_cpumask */
    for (unsigned n = 0; n < c->nnode_ids; n++) {
        node_cpus(c, n, cpu_mask, nmsk);
        if (!vt_bitmap_iszero(nmsk)) {
            in_mask[n] = true;
            nodes++;
        }
    }
    /* No more groups than nodes: whole nodes, round-robin over the groups. */
    if (numgrps <= nodes) {
        for (unsigned n = 0; n < c->nnode_ids; n++) {
            if (!in_mask[n])
                continue;
            node_cpus(c, n, cpu_mask, nmsk);
            if (vt_bitmap_or(masks[curgrp], nmsk) < 0) {
                rc = -ENOMEM;
                goto out;
            }
            if (++curgrp == numgrps)
                curgrp = 0;
        }
        rc = (int)numgrps;
        goto out;
    }
    alloc_nodes_groups(c, numgrps, cpu_mask, in_mask, nmsk, ng);
    for (unsigned i = 0; i < c->nnode_ids; i++) {
        const struct node_groups *nv = &ng[i];
        unsigned ncpus, extra;

        if (nv->ncpus == UINT_MAX)
            continue;
        node_cpus(c, nv->id, cpu_mask, nmsk);
        if (!(ncpus = vt_bitmap_weight(nmsk)))
            continue;
        /* The first ncpus % ngroups groups take one CPU more. */
        extra = ncpus - nv->ngroups * (ncpus / nv->ngroups);
        for (unsigned v = 0; v < nv->ngroups; v++, curgrp++) {
            unsigned per_grp = ncpus / nv->ngroups;

            if (extra) {
                per_grp++;
                extra--;
            }
            if (curgrp >= numgrps)
                curgrp = 0;
            spread_init_one(c, masks[curgrp], nmsk, per_grp);
        }
        done += nv->ngroups;
    }
    rc = (int)done;
out:
    vt_bitmap_free(nmsk);
    free(in_mask);
    free(ng);
    return rc;
}

int linux_group_cpus_evenly(const struct linux_irq_cpus *c, unsigned numgrps,
                            struct vt_bitmap **masks)
{
    struct vt_bitmap *npresent = vt_bitmap_dup(c->possible);
    int present, rc = 0;

    for (unsigned i = 0; i < numgrps; i++)
        masks[i] = NULL;
    for (unsigned i = 0; npresent && i < numgrps; i++)
        if (!(masks[i] = vt_bitmap_new()))
            rc = -ENOMEM;
    if (!npresent || rc < 0)
        goto fail;
    /* Present CPUs first, then the possible ones not present, from the
     * next group (or from the first when the present filled them all). */
    if ((present = spread(c, 0, numgrps, c->present, masks)) < 0)
        goto fail;
    vt_bitmap_andnot(npresent, c->present);
    if (spread(c, (unsigned)present >= numgrps ? 0 : (unsigned)present, numgrps, npresent, masks) <
        0)
        goto fail;
    vt_bitmap_free(npresent);
    return 0;
fail:
    vt_bitmap_free(npresent);
    for (unsigned i = 0; i < numgrps; i++) {
        vt_bitmap_free(masks[i]);
        masks[i] = NULL;
    }
    return -ENOMEM;
}

void linux_irq_vectors_free(struct linux_irq_vector *vec, unsigned nvecs)
{
    for (unsigned i = 0; vec && i < nvecs; i++) {
        vt_bitmap_free(vec[i].mask);
        vec[i].mask = NULL;
    }
}

int linux_irq_create_affinity_masks(const struct linux_irq_cpus *c, unsigned nvecs, unsigned pre,
                                    unsigned post, const unsigned *set_sizes, size_t nsets,
                                    const struct vt_bitmap *default_affinity,
                                    struct linux_irq_vector *vec)
{
    unsigned affvecs = nvecs > pre + post ? nvecs - pre - post : 0, curvec, used = 0;
    unsigned one = affvecs;
    const struct vt_bitmap *dflt = default_affinity ? default_affinity : c->possible;

    memset(vec, 0, nvecs * sizeof(*vec));
    /* "Nothing to assign?": no masks at all, so every vector gets the
     * default affinity and none is managed. */
    if (!affvecs) {
        for (curvec = 0; curvec < nvecs; curvec++)
            if (!(vec[curvec].mask = vt_bitmap_dup(dflt)))
                goto oom;
        return 0;
    }
    if (!nsets) { /* default_calc_sets: one set of every affinity vector */
        set_sizes = &one;
        nsets = 1;
    }
    for (size_t i = 0; i < nsets; i++)
        used += set_sizes[i];
    if (used > affvecs)
        return -EINVAL;
    for (curvec = 0; curvec < pre && curvec < nvecs; curvec++)
        if (!(vec[curvec].mask = vt_bitmap_dup(dflt)))
            goto oom;
    for (size_t i = 0; i < nsets; i++) {
        struct vt_bitmap **m = calloc(set_sizes[i] ? set_sizes[i] : 1, sizeof(*m));

        if (!m || linux_group_cpus_evenly(c, set_sizes[i], m) < 0) {
            free(m);
            goto oom;
        }
        for (unsigned k = 0; k < set_sizes[i]; k++)
            vec[curvec + k].mask = m[k];
        free(m);
        curvec += set_sizes[i];
    }
    /* The vectors after the sets and the post vectors: the default. */
    for (curvec = pre + used; curvec < nvecs; curvec++)
        if (!vec[curvec].mask && !(vec[curvec].mask = vt_bitmap_dup(dflt)))
            goto oom;
    for (unsigned i = pre; i + post < nvecs; i++)
        vec[i].managed = true;
    return 0;
oom:
    linux_irq_vectors_free(vec, nvecs);
    return -ENOMEM;
}

struct vt_bitmap *linux_irq_programmed(const struct linux_irq_cpus *c, const struct vt_bitmap *mask,
                                       bool managed, const struct vt_bitmap *online,
                                       const struct vt_bitmap *isolated)
{
    struct vt_bitmap *prog = vt_bitmap_dup(mask), *nodemask;
    int first = vt_bitmap_first(mask), node;

    if (!prog)
        return NULL;
    if (managed) {
        /* housekeeping_cpumask(HK_TYPE_MANAGED_IRQ): every CPU not
         * isolated. */
        if (isolated) {
            vt_bitmap_andnot(prog, isolated);
            vt_bitmap_and(prog, online);
            if (!vt_bitmap_iszero(prog))
                return prog;
            vt_bitmap_copy(prog, mask);
        }
        vt_bitmap_and(prog, online);
        return prog;
    }
    vt_bitmap_and(prog, online);
    if (vt_bitmap_iszero(prog))
        vt_bitmap_copy(prog, online);
    node = first >= 0 && (size_t)first < c->ncpu_ids ? c->node_of[first] : -1;
    if (node < 0)
        return prog;
    if (!(nodemask = vt_bitmap_new())) {
        vt_bitmap_free(prog);
        return NULL;
    }
    for (size_t cpu = 0; cpu < c->ncpu_ids; cpu++)
        if (c->node_of[cpu] == node && vt_bitmap_set(nodemask, (unsigned)cpu) < 0) {
            vt_bitmap_free(nodemask);
            vt_bitmap_free(prog);
            return NULL;
        }
    if (vt_bitmap_intersects(prog, nodemask))
        vt_bitmap_and(prog, nodemask);
    vt_bitmap_free(nodemask);
    return prog;
}

int vt_irq_isolation_params(const struct vt_bitmap *cpus, const struct vt_bitmap *isolated,
                            char **params, struct vt_err *err)
{
    struct vt_bitmap *rest = vt_bitmap_dup(cpus);
    char *iso = vt_bitmap_format_list(isolated), *hk = NULL, *all = vt_bitmap_format_list(cpus);
    int rc = 0;

    if (!rest || !iso || !all) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    vt_bitmap_andnot(rest, isolated);
    if (vt_bitmap_iszero(isolated))
        rc = vt_err_set(err, -EINVAL, "no CPU to isolate");
    else if (!vt_bitmap_subset(isolated, cpus))
        rc = vt_err_set(err, -EINVAL, "not within the CPUs %s", all);
    else if (vt_bitmap_iszero(rest))
        rc = vt_err_set(err, -EINVAL,
                        "that is every CPU, and the kernel needs at least one housekeeping CPU");
    else if (vt_bitmap_isset(isolated, 0))
        rc = vt_err_set(err, -EINVAL,
                        "CPU 0, the boot CPU, cannot be kept free of interrupts (Linux adds it "
                        "to irqaffinity= whatever it says)");
    else if (!(hk = vt_bitmap_format_list(rest)))
        rc = vt_err_set(err, -ENOMEM, "out of memory");
    /* managed_irq: managed vectors' effective CPUs (best effort); domain:
     * out of the scheduler's load balancing (what isolcpus=LIST alone
     * means, which the managed_irq flag would otherwise replace);
     * irqaffinity: where every other vector starts. */
    else if (asprintf(params, "isolcpus=managed_irq,domain,%s irqaffinity=%s", iso, hk) < 0)
        rc = vt_err_set(err, -ENOMEM, "out of memory");
out:
    vt_bitmap_free(rest);
    free(iso);
    free(hk);
    free(all);
    return rc;
}

unsigned linux_nvme_io_queues(unsigned possible_cpus, unsigned controller_queues,
                              unsigned msix_entries)
{
    unsigned n = possible_cpus < controller_queues ? possible_cpus : controller_queues;

    if (msix_entries && n > msix_entries - 1)
        n = msix_entries - 1;
    return n;
}
