/* The exec runtime's view of the host: which CPUs each node and device runs
 * on (housekeeping CPUs this process may use), CPU-less nodes sent to their
 * nearest node, devices with no node sent to their local CPUs. Built from a
 * freshly loaded host at creation and on every refresh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mempolicy.h>

#include "exec/exec_internal.h"
#include "util/parse.h"

static const struct exec_target invalid_target = {
    NULL, NULL, -1, -1, -1, -1, 0, VT_EXEC_REASON_INVALID_NODE,
};

const struct exec_target *exec_snap_node(const struct exec_snap *s, int pnode)
{
    if (pnode < 0 || (size_t)pnode >= s->nnodes)
        return &invalid_target;
    return &s->nodes[pnode];
}

const struct exec_target *exec_snap_dev(const struct exec_snap *s, uint64_t key)
{
    size_t lo = 0, hi = s->ndevs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (s->devs[mid].key == key)
            return &s->devs[mid].t;
        if (s->devs[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int exec_snap_cpu_pnode(const struct exec_snap *s, int cpu)
{
    return cpu >= 0 && (size_t)cpu < s->ncpus ? s->cpu_pnode[cpu] : -1;
}

int exec_bdf_key(const char *bdf, uint64_t *key)
{
    char full[32];
    uint32_t domain;
    uint8_t bus, dev, fn;

    if (!bdf)
        return -EINVAL;
    if (parse_bdf(bdf, &domain, &bus, &dev, &fn) < 0) {
        /* lspci's short form, domain 0. */
        if (strlen(bdf) > 7 || snprintf(full, sizeof(full), "0000:%s", bdf) >= (int)sizeof(full) ||
            parse_bdf(full, &domain, &bus, &dev, &fn) < 0)
            return -EINVAL;
    }
    *key = (uint64_t)domain << 16 | (unsigned)bus << 8 | (unsigned)dev << 3 | fn;
    return 0;
}

void exec_snap_free(struct exec_snap *s)
{
    if (!s)
        return;
    vt_host_free(s->host);
    free(s->allowed);
    free(s->mems);
    free(s->nodes);
    free(s->devs);
    free(s->cpu_pnode);
    free(s->sets);
    free(s);
}

/* ---- building ---------------------------------------------------------- */

struct build {
    struct vt_exec *rt;
    struct exec_snap *s;
    size_t words;
    size_t nset_cap;
    int *pnode_set; /* per node index of the host: set index of its usable CPUs, -1 */
    struct vt_err *err;
};

static unsigned long *set_at(const struct build *b, size_t i)
{
    return b->s->sets + i * b->words;
}

/* A vt_bitmap as a kernel CPU set; ids beyond the kernel's mask cannot be
 * used by this process and are dropped. */
static void set_from_bitmap(unsigned long *set, size_t words, const struct vt_bitmap *bm)
{
    memset(set, 0, words * sizeof(*set));
    vt_bitmap_foreach(c, bm)
    {
        if ((size_t)c / WORD_BITS >= words)
            break;
        set[(size_t)c / WORD_BITS] |= 1ul << ((size_t)c % WORD_BITS);
    }
}

/* The pool serving CPU set `cpus` of node pnode (device pools: pnode -1,
 * keyed by the set). Created when missing. */
static struct exec_pool *pool_for(struct build *b, int pnode, const unsigned long *cpus)
{
    struct vt_exec *rt = b->rt;
    struct exec_pool *p;

    for (size_t i = 0; i < rt->npools; i++) {
        p = rt->pools[i];
        if (pnode >= 0 && p->pnode == pnode)
            return p;
        if (pnode < 0 && p->pnode < 0 && memcmp(p->key, cpus, b->words * sizeof(*cpus)) == 0)
            return p;
    }
    if (rt->npools == rt->cap_pools) {
        size_t ncap = rt->cap_pools ? rt->cap_pools * 2 : 8;
        struct exec_pool **np = realloc(rt->pools, ncap * sizeof(*np));

        if (!np)
            return NULL;
        rt->pools = np;
        rt->cap_pools = ncap;
    }
    p = exec_pool_new(rt, pnode, pnode < 0 ? cpus : NULL);
    if (!p)
        return NULL;
    p->index = (unsigned)rt->npools;
    rt->pools[rt->npools++] = p;
    return p;
}

static int oom(struct build *b)
{
    return vt_err_set(b->err, -ENOMEM, "out of memory");
}

/* The node index (in the host) with usable CPUs nearest to node index i, or
 * -1: smallest known distance, ties to the lower pnode. */
static int nearest_with_cpus(const struct build *b, size_t i)
{
    const struct vt_host *h = b->s->host;
    const struct vt_host_node *n = vt_host_node(h, i);
    int best = -1;
    uint32_t best_d = 0;

    for (size_t j = 0; j < vt_host_node_count(h); j++) {
        uint32_t d = n->distances[j];

        if (j == i || b->pnode_set[j] < 0 || d == 0)
            continue;
        if (best < 0 || d < best_d) {
            best = (int)j;
            best_d = d;
        }
    }
    return best;
}

static int build_nodes(struct build *b)
{
    struct exec_snap *s = b->s;
    const struct vt_host *h = s->host;
    const struct vt_bitmap *possible = vt_host_possible_nodes(h);
    size_t nn = vt_host_node_count(h);
    int last = vt_bitmap_last(possible);

    s->nnodes = last < 0 ? 0 : (size_t)last + 1;
    s->nodes = calloc(s->nnodes ? s->nnodes : 1, sizeof(*s->nodes));
    b->pnode_set = malloc((nn ? nn : 1) * sizeof(*b->pnode_set));
    b->nset_cap = nn + vt_host_device_count(h) + 1;
    s->sets = calloc(b->nset_cap * b->words, sizeof(*s->sets));
    if (!s->nodes || !b->pnode_set || !s->sets)
        return oom(b);

    /* Usable CPUs of every online node: housekeeping and allowed. */
    for (size_t i = 0; i < nn; i++) {
        unsigned long *set = set_at(b, s->nsets);

        set_from_bitmap(set, b->words, vt_host_node(h, i)->housekeeping_cpus);
        for (size_t w = 0; w < b->words; w++)
            set[w] &= s->allowed[w];
        if (set_empty(set, b->words)) {
            b->pnode_set[i] = -1;
        } else {
            b->pnode_set[i] = (int)s->nsets++;
        }
    }

    for (size_t p = 0; p < s->nnodes; p++) {
        struct exec_target *t = &s->nodes[p];
        int i = vt_host_node_index(h, (unsigned)p);
        const struct vt_host_node *n;
        int run;

        *t = invalid_target;
        t->target_pnode = (int)p;
        if (!vt_bitmap_isset(possible, (unsigned)p))
            continue;
        if (i < 0) {
            t->reason = VT_EXEC_REASON_OFFLINE_NODE;
            continue;
        }
        n = vt_host_node(h, (size_t)i);
        run = i;
        if (!n->has_cpu) {
            if (!n->has_memory) {
                t->reason = VT_EXEC_REASON_NO_CPU_NODE;
                continue;
            }
            /* Wherever it runs, a CPU-less node's memory is preferred. */
            t->mem_pnode = (int)p;
            t->mem_kernel =
                set_has(s->mems, exec_sys()->mem_bits / WORD_BITS, (int)p) ? (int)p : -1;
            run = nearest_with_cpus(b, (size_t)i);
            if (run < 0) {
                t->reason = VT_EXEC_REASON_NO_CPU_NODE;
                continue;
            }
            t->flags |= VT_EXEC_F_NEAREST;
        } else if (b->pnode_set[i] < 0) {
            t->reason = VT_EXEC_REASON_NO_HOUSEKEEPING;
            continue;
        }
        t->run_pnode = (int)vt_host_node(h, (size_t)run)->pnode;
        t->cpus = set_at(b, (size_t)b->pnode_set[run]);
        t->pool = pool_for(b, t->run_pnode, t->cpus);
        if (!t->pool)
            return oom(b);
        t->reason = VT_EXEC_REASON_NONE;
    }
    return 0;
}

static int cmp_dev(const void *x, const void *y)
{
    const struct exec_dev *a = x, *b = y;

    return a->key < b->key ? -1 : a->key > b->key;
}

static int build_devices(struct build *b)
{
    struct exec_snap *s = b->s;
    const struct vt_host *h = s->host;
    size_t nd = vt_host_device_count(h);
    unsigned long *online = calloc(b->words, sizeof(*online));
    unsigned long *hk = calloc(b->words, sizeof(*hk));
    int rc = 0;

    s->devs = calloc(nd ? nd : 1, sizeof(*s->devs));
    if (!s->devs || !online || !hk) {
        rc = oom(b);
        goto out;
    }
    set_from_bitmap(online, b->words, vt_host_cpus(h)->online);
    set_from_bitmap(hk, b->words, vt_host_cpus(h)->housekeeping);
    for (size_t i = 0; i < nd; i++) {
        const struct vt_host_device *d = vt_host_device(h, i);
        struct exec_dev *e = &s->devs[s->ndevs++];
        unsigned long *set;
        bool narrower = false;

        exec_bdf_key(d->bdf, &e->key);
        if (d->pnode >= 0) {
            e->t = *exec_snap_node(s, d->pnode);
            continue;
        }
        e->t = invalid_target;
        e->t.reason = VT_EXEC_REASON_DEVICE_NO_NODE;
        if (!d->local_cpus)
            continue;
        set = set_at(b, s->nsets);
        set_from_bitmap(set, b->words, d->local_cpus);
        for (size_t w = 0; w < b->words; w++) {
            set[w] &= online[w];
            narrower |= set[w] != online[w];
        }
        if (!narrower || set_empty(set, b->words))
            continue;
        for (size_t w = 0; w < b->words; w++)
            set[w] &= hk[w] & s->allowed[w];
        if (set_empty(set, b->words)) {
            e->t.reason = VT_EXEC_REASON_NO_HOUSEKEEPING;
            continue;
        }
        /* A node's pool when the set is exactly one node's usable CPUs. */
        e->t.pool = NULL;
        for (size_t p = 0; p < s->nnodes && !e->t.pool; p++) {
            const struct exec_target *nt = &s->nodes[p];

            if (nt->pool && nt->mem_pnode < 0 &&
                memcmp(nt->cpus, set, b->words * sizeof(*set)) == 0) {
                e->t.pool = nt->pool;
                e->t.cpus = nt->cpus;
                e->t.run_pnode = nt->run_pnode;
            }
        }
        if (!e->t.pool) {
            e->t.cpus = set;
            s->nsets++;
            if (!(e->t.pool = pool_for(b, -1, set))) {
                rc = oom(b);
                goto out;
            }
        }
        e->t.reason = VT_EXEC_REASON_NONE;
    }
    qsort(s->devs, s->ndevs, sizeof(*s->devs), cmp_dev);
out:
    free(online);
    free(hk);
    return rc;
}

static int build_cpu_map(struct build *b)
{
    struct exec_snap *s = b->s;
    const struct vt_host *h = s->host;
    int last = vt_bitmap_last(vt_host_cpus(h)->possible);

    for (size_t i = 0; i < vt_host_node_count(h); i++) {
        int l = vt_bitmap_last(vt_host_node(h, i)->offline_cpus);

        if (l > last)
            last = l;
    }
    s->ncpus = last < 0 ? 0 : (size_t)last + 1;
    s->cpu_pnode = malloc((s->ncpus ? s->ncpus : 1) * sizeof(*s->cpu_pnode));
    if (!s->cpu_pnode)
        return oom(b);
    for (size_t c = 0; c < s->ncpus; c++)
        s->cpu_pnode[c] = vt_host_cpu_pnode(h, (unsigned)c);
    return 0;
}

static int read_mems(struct build *b)
{
    const struct exec_sys *sys = exec_sys();
    size_t words = sys->mem_bits / WORD_BITS;

    b->s->mems = calloc(words ? words : 1, sizeof(unsigned long));
    if (!b->s->mems)
        return oom(b);
    if (!words)
        return 0; /* no NUMA system calls: no node's memory can be preferred */
    if (syscall(SYS_get_mempolicy, NULL, b->s->mems, sys->mem_bits + 1, NULL, MPOL_F_MEMS_ALLOWED) <
        0)
        return vt_err_set(b->err, -errno, "get_mempolicy(MPOL_F_MEMS_ALLOWED): %s",
                          strerror(errno));
    return 0;
}

int exec_snap_build(struct vt_exec *rt, const struct exec_snap *old, struct exec_snap **out,
                    struct vt_err *err)
{
    struct build b = {rt, NULL, exec_sys()->cpu_words, 0, NULL, err};
    struct exec_snap *s = calloc(1, sizeof(*s));
    int rc;

    *out = NULL;
    if (!s)
        return vt_err_set(err, -ENOMEM, "out of memory");
    b.s = s;
    s->gen = old ? old->gen + 1 : 1;
    if ((rc = vt_host_load(&rt->src, &s->host, err)) < 0)
        goto fail;
    if (!(s->allowed = calloc(b.words, sizeof(*s->allowed)))) {
        rc = oom(&b);
        goto fail;
    }
    if ((rc = exec_process_affinity(s->allowed)) < 0) {
        rc = vt_err_set(err, rc, "sched_getaffinity of the process: %s", strerror(-rc));
        goto fail;
    }
    if ((rc = read_mems(&b)) < 0 || (rc = build_nodes(&b)) < 0 || (rc = build_devices(&b)) < 0 ||
        (rc = build_cpu_map(&b)) < 0)
        goto fail;
    free(b.pnode_set);
    *out = s;
    return 0;
fail:
    free(b.pnode_set);
    exec_snap_free(s);
    return rc;
}

/* ---- comparing: a refresh that changes nothing publishes nothing -------- */

static bool target_equal(const struct exec_target *a, const struct exec_target *b, size_t words)
{
    if (a->pool != b->pool || a->target_pnode != b->target_pnode || a->run_pnode != b->run_pnode ||
        a->mem_pnode != b->mem_pnode || a->mem_kernel != b->mem_kernel || a->flags != b->flags ||
        a->reason != b->reason || !a->cpus != !b->cpus)
        return false;
    return !a->cpus || memcmp(a->cpus, b->cpus, words * sizeof(*a->cpus)) == 0;
}

bool exec_snap_equal(const struct exec_snap *a, const struct exec_snap *b)
{
    size_t words = exec_sys()->cpu_words, mwords = exec_sys()->mem_bits / WORD_BITS;

    if (a->nnodes != b->nnodes || a->ndevs != b->ndevs || a->ncpus != b->ncpus ||
        memcmp(a->allowed, b->allowed, words * sizeof(*a->allowed)) != 0 ||
        memcmp(a->mems, b->mems, mwords * sizeof(*a->mems)) != 0 ||
        memcmp(a->cpu_pnode, b->cpu_pnode, a->ncpus * sizeof(*a->cpu_pnode)) != 0)
        return false;
    for (size_t i = 0; i < a->nnodes; i++)
        if (!target_equal(&a->nodes[i], &b->nodes[i], words))
            return false;
    for (size_t i = 0; i < a->ndevs; i++)
        if (a->devs[i].key != b->devs[i].key || !target_equal(&a->devs[i].t, &b->devs[i].t, words))
            return false;
    return true;
}
