/* vt_irq_plan_make: each non-managed device vector onto one housekeeping CPU
 * of its device's node, least loaded first, whole cores before SMT
 * siblings; incremental against a previous plan (docs/irq.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/json_doc.h"
#include "util/parse.h"
#include "vtopo/io.h"
#include "vtopo/irq.h"

#define IRQ_PLAN_FORMAT  "vtopo-irq-plan"
#define IRQ_PLAN_VERSION 1
#define IRQ_PLAN_MAX     ((size_t)256 << 20)

struct plan_vec {
    struct vt_irq_planned pub;
    char bdf[BDF_TEXT_MAX];
    /* Its affinity when planned. A device's vectors mostly share one mask:
     * the first holding it owns it, the next ones of the same device borrow
     * it (release_current hands it on). */
    struct vt_bitmap *current;
    bool borrowed;
    bool first;                 /* the first vector of its device */
    const struct plan_vec *was; /* while planning: the previous plan's */
    size_t el;                  /* a planned vector's eligible set (p->el) */
};

/* The CPUs a node's devices' vectors may go to, in the order they are
 * tried (pnode -1: a device of unknown node). */
struct eligible {
    int pnode;
    int target;             /* the node whose CPUs they are (the nearest one's: fallback) */
    bool fallback;          /* pnode has no housekeeping CPU */
    bool warned;            /* while the warnings are made */
    struct vt_bitmap *cpus; /* the same CPUs, for membership */
    unsigned *order;
    size_t n;
    size_t users; /* planned vectors using it */
    /* A min-heap of (load, position in order), built at the first placement;
     * entries go stale as loads grow and are fixed when they reach the top.
     * Only while vt_irq_plan_make places (loads only grow there). */
    struct heap_entry {
        unsigned load, pos;
    } * heap;
};

struct vt_irq_plan {
    struct plan_vec *v;
    size_t n;
    struct vt_bitmap *cpus;
    unsigned *load; /* by CPU id, nload of them */
    size_t nload;
    size_t moves, placed, dropped;
    char **warnings;
    size_t nwarnings;
    char host[VT_HOST_FINGERPRINT_LEN + 1], state[VT_IRQ_FINGERPRINT_LEN + 1];
    /* A plan vt_irq_plan_make made (not one read from a file) keeps what
     * vt_irq_plan_event needs: the eligible sets and the cpuset. */
    bool made;
    struct eligible *el;
    size_t nel, el_cap;
    struct vt_bitmap *cpuset; /* NULL: every CPU */
};

static void eligible_free(struct eligible *e)
{
    free(e->order);
    free(e->heap);
    vt_bitmap_free(e->cpus);
    e->order = NULL;
    e->heap = NULL;
    e->cpus = NULL;
}

void vt_irq_plan_free(struct vt_irq_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        if (!p->v[i].borrowed)
            vt_bitmap_free(p->v[i].current);
    for (size_t i = 0; i < p->nwarnings; i++)
        free(p->warnings[i]);
    free(p->warnings);
    for (size_t i = 0; i < p->nel; i++)
        eligible_free(&p->el[i]);
    free(p->el);
    vt_bitmap_free(p->cpuset);
    free(p->v);
    free(p->load);
    vt_bitmap_free(p->cpus);
    free(p);
}

__attribute__((format(printf, 2, 3))) static int warn(struct vt_irq_plan *p, const char *fmt, ...)
{
    char **w = realloc(p->warnings, (p->nwarnings + 1) * sizeof(*w));
    va_list ap;
    int rc;

    if (!w)
        return -ENOMEM;
    p->warnings = w;
    va_start(ap, fmt);
    rc = vasprintf(&w[p->nwarnings], fmt, ap);
    va_end(ap);
    if (rc < 0)
        return -ENOMEM;
    p->nwarnings++;
    return 0;
}

/* The warnings: one per node without a housekeeping CPU whose devices
 * have vectors planned, naming the first such device, in key order. */
static int rebuild_warnings(struct vt_irq_plan *p)
{
    bool any = false;

    for (size_t i = 0; i < p->nwarnings; i++)
        free(p->warnings[i]);
    p->nwarnings = 0;
    for (size_t k = 0; k < p->nel; k++) {
        p->el[k].warned = false;
        any |= p->el[k].fallback && p->el[k].users;
    }
    for (size_t i = 0; any && i < p->n; i++) {
        struct eligible *e = &p->el[p->v[i].el];

        if (p->v[i].pub.managed || !e->fallback || e->warned)
            continue;
        e->warned = true;
        if (warn(p,
                 "node %d has no housekeeping CPU: the vectors of its devices (%s, ...) go to "
                 "node %d's",
                 e->pnode, p->v[i].bdf, e->target) < 0)
            return -ENOMEM;
    }
    return 0;
}

static struct vt_irq_plan *plan_new(size_t nvec, size_t nload)
{
    struct vt_irq_plan *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->v = calloc(nvec ? nvec : 1, sizeof(*p->v));
    p->load = calloc(nload ? nload : 1, sizeof(*p->load));
    p->nload = nload;
    p->cpus = vt_bitmap_new();
    if (!p->v || !p->load || !p->cpus) {
        vt_irq_plan_free(p);
        return NULL;
    }
    return p;
}

/* ---- eligible CPUs ---------------------------------------------------- */

/* The SMT rank of a CPU: how many of its siblings come before it. */
static unsigned smt_rank(const struct vt_host *h, unsigned cpu)
{
    const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, cpu);
    unsigned r = 0;

    if (!t || !t->siblings)
        return 0;
    for (int c = vt_bitmap_first(t->siblings); c >= 0 && (unsigned)c < cpu;
         c = vt_bitmap_next(t->siblings, c))
        r++;
    return r;
}

/* The housekeeping CPUs of pnode within the allowed set (all nodes: -1). */
static struct vt_bitmap *node_cpus(const struct vt_host *h, int pnode, const struct vt_bitmap *ok)
{
    struct vt_bitmap *b = vt_bitmap_new();
    int i = pnode >= 0 ? vt_host_node_index(h, (unsigned)pnode) : -1;

    if (!b)
        return NULL;
    if (pnode < 0)
        vt_bitmap_copy(b, ok);
    else if (i >= 0 && vt_bitmap_copy(b, vt_host_node(h, (size_t)i)->housekeeping_cpus) == 0)
        vt_bitmap_and(b, ok);
    return b;
}

/* e's CPUs for its pnode: the node's housekeeping CPUs within ok (the
 * plan's), or the nearest node's that has some (fallback), ordered by SMT
 * rank, then CPU id. */
static int eligible_for(const struct vt_host *h, const struct vt_bitmap *ok, struct eligible *e,
                        struct vt_err *err)
{
    struct vt_bitmap *b = node_cpus(h, e->pnode, ok);
    unsigned *rank = NULL, top = 0;
    size_t k = 0;

    eligible_free(e);
    e->fallback = false;
    e->target = e->pnode;
    if (!b)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (vt_bitmap_iszero(b) && e->pnode >= 0) {
        /* The nearest node with a housekeeping CPU. */
        int best = -1;
        uint32_t bd = UINT32_MAX;

        for (size_t i = 0; i < vt_host_node_count(h); i++) {
            const struct vt_host_node *n = vt_host_node(h, i);
            uint32_t d = vt_host_distance(h, (unsigned)e->pnode, n->pnode);

            if (vt_bitmap_intersects(n->housekeeping_cpus, ok) && (d ? d : UINT32_MAX - 1) < bd) {
                bd = d ? d : UINT32_MAX - 1;
                best = (int)n->pnode;
            }
        }
        vt_bitmap_free(b);
        if (best < 0)
            return vt_err_set(err, -EINVAL, "no housekeeping CPU to place interrupts on");
        e->fallback = true;
        e->target = best;
        if (!(b = node_cpus(h, best, ok)))
            return vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (vt_bitmap_iszero(b)) {
        vt_bitmap_free(b);
        return vt_err_set(err, -EINVAL, "no housekeeping CPU to place interrupts on");
    }
    e->n = vt_bitmap_weight(b);
    e->cpus = b;
    if (!(e->order = malloc(e->n * sizeof(*e->order))) || !(rank = malloc(e->n * sizeof(*rank))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (int c = vt_bitmap_first(b); c >= 0; c = vt_bitmap_next(b, c)) {
        e->order[k] = (unsigned)c;
        rank[k] = smt_rank(h, (unsigned)c);
        top = rank[k] > top ? rank[k] : top;
        k++;
    }
    /* By rank, then CPU id: a pass per rank (a handful) keeps it linear. */
    if (top) {
        unsigned *by = malloc(e->n * sizeof(*by));
        size_t m = 0;

        if (!by) {
            free(rank);
            return vt_err_set(err, -ENOMEM, "out of memory");
        }
        for (unsigned r = 0; r <= top; r++)
            for (size_t i = 0; i < e->n; i++)
                if (rank[i] == r)
                    by[m++] = e->order[i];
        free(e->order);
        e->order = by;
    }
    free(rank);
    return 0;
}

/* The least loaded CPU of e, the first in its order on a tie (a scan). */
static unsigned least_loaded(const struct vt_irq_plan *p, const struct eligible *e)
{
    unsigned best = e->order[0];

    for (size_t i = 1; i < e->n; i++)
        if (p->load[e->order[i]] < p->load[best])
            best = e->order[i];
    return best;
}

static bool heap_less(const struct heap_entry *a, const struct heap_entry *b)
{
    return a->load < b->load || (a->load == b->load && a->pos < b->pos);
}

static void sift_down(struct heap_entry *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        struct heap_entry t;

        if (l < n && heap_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && heap_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* The same as least_loaded while loads only grow, in O(log n) amortised:
 * a stale top (its CPU's load grew) is refreshed and sifted down until the
 * top is current; loads never drop here, so a current top is the least. */
static int least_loaded_heap(const struct vt_irq_plan *p, struct eligible *e, unsigned *cpu)
{
    if (!e->heap) {
        if (!(e->heap = malloc(e->n * sizeof(*e->heap))))
            return -ENOMEM;
        for (size_t i = 0; i < e->n; i++)
            e->heap[i] = (struct heap_entry){p->load[e->order[i]], (unsigned)i};
        for (size_t i = e->n / 2; i-- > 0;)
            sift_down(e->heap, e->n, i);
    }
    while (e->heap[0].load != p->load[e->order[e->heap[0].pos]]) {
        e->heap[0].load = p->load[e->order[e->heap[0].pos]];
        sift_down(e->heap, e->n, 0);
    }
    *cpu = e->order[e->heap[0].pos];
    return 0;
}

/* ---- the plan --------------------------------------------------------- */

static int cmp_planned(const void *a, const void *b)
{
    const struct plan_vec *x = a, *y = b;
    int c = strcmp(x->bdf, y->bdf);

    return c ? c : (x->pub.index > y->pub.index) - (x->pub.index < y->pub.index);
}

/* With --rebalance: while a vector can go from a CPU to one of its
 * eligible CPUs two or more below, move the one with the widest gap. */
static void rebalance(struct vt_irq_plan *p)
{
    for (;;) {
        size_t best = SIZE_MAX;
        unsigned to = 0, gap = 1;

        for (size_t i = 0; i < p->n; i++) {
            struct plan_vec *v = &p->v[i];
            unsigned m;

            if (v->pub.managed)
                continue;
            m = least_loaded(p, &p->el[v->el]);
            if (p->load[v->pub.cpu] > p->load[m] + gap) {
                gap = p->load[v->pub.cpu] - p->load[m];
                best = i;
                to = m;
            }
        }
        if (best == SIZE_MAX)
            return;
        p->load[p->v[best].pub.cpu]--;
        p->load[to]++;
        p->v[best].pub.cpu = (int)to;
        if (!p->v[best].pub.moved && !p->v[best].pub.placed) {
            p->v[best].pub.moved = true;
            p->moves++;
        }
    }
}

/* Where a managed vector fires: its effective CPU, else its mask's first. */
static int fires_on(const struct vt_irq_info *q)
{
    const struct vt_bitmap *at = q->effective ? q->effective : q->affinity;

    return at ? vt_bitmap_first(at) : -1;
}

static void load_add(struct vt_irq_plan *p, int cpu, int delta)
{
    if (cpu >= 0 && (size_t)cpu < p->nload)
        p->load[cpu] = (unsigned)((int)p->load[cpu] + delta);
}

/* A vector of the state, keyed, not placed yet (d: its device, or NULL). */
static void vec_from(struct plan_vec *v, const struct vt_irq_info *q,
                     const struct vt_host_device *d)
{
    memcpy(v->bdf, q->bdf, strlen(q->bdf) + 1);
    v->pub.index = (unsigned)q->index;
    v->pub.irq = q->irq;
    v->pub.node = d ? d->pnode : q->node;
    v->pub.managed = q->managed == VT_IRQ_MANAGED_YES;
    v->pub.cpu = -1;
}

/* The eligible set of pnode, or p->nel. */
static size_t find_set(const struct vt_irq_plan *p, int pnode)
{
    size_t k;

    for (k = 0; k < p->nel && p->el[k].pnode != pnode; k++)
        ;
    return k;
}

/* pnode's eligible set, made the first time; on failure the plan has no
 * set more. Its index, or a negative errno. */
static long need_set(const struct vt_host *h, struct vt_irq_plan *p, int pnode, struct vt_err *err)
{
    size_t k = find_set(p, pnode);
    int rc;

    if (k < p->nel)
        return (long)k;
    if (p->nel == p->el_cap) {
        size_t cap = p->el_cap ? 2 * p->el_cap : 8;
        struct eligible *m = realloc(p->el, cap * sizeof(*m));

        if (!m)
            return vt_err_set(err, -ENOMEM, "out of memory");
        memset(m + p->el_cap, 0, (cap - p->el_cap) * sizeof(*m));
        p->el = m;
        p->el_cap = cap;
    }
    memset(&p->el[k], 0, sizeof(p->el[k]));
    p->el[k].pnode = pnode;
    if ((rc = eligible_for(h, p->cpus, &p->el[k], err)) < 0) {
        eligible_free(&p->el[k]);
        return rc;
    }
    p->nel++;
    return (long)k;
}

/* v's eligible set (v->el, its users). */
static int use_set(const struct vt_host *h, struct vt_irq_plan *p, struct plan_vec *v,
                   struct vt_err *err)
{
    long k = need_set(h, p, v->pub.node, err);

    if (k < 0)
        return (int)k;
    v->el = (size_t)k;
    p->el[k].users++;
    return 0;
}

/* Let go of v's current mask: a borrower just drops it; an owner hands it
 * to the next vector of its device that borrows it, or frees it. */
static void release_current(struct vt_irq_plan *p, size_t i)
{
    struct plan_vec *v = &p->v[i];

    if (!v->borrowed) {
        for (size_t j = i + 1; v->current && j < p->n && !p->v[j].first; j++)
            if (p->v[j].borrowed && p->v[j].current == v->current) {
                p->v[j].borrowed = false;
                v->current = NULL;
                break;
            }
        vt_bitmap_free(v->current);
    }
    v->current = NULL;
    v->borrowed = false;
}

/* Vector i's current mask, its own copy of mask (NULL: not known). */
static int set_current(struct vt_irq_plan *p, size_t i, const struct vt_bitmap *mask)
{
    struct vt_bitmap *c = mask ? vt_bitmap_dup(mask) : NULL;

    if (mask && !c)
        return -ENOMEM;
    release_current(p, i);
    p->v[i].current = c;
    return 0;
}

/* Placing a vector: a fresh plan's, one that moved or one placed anew, or
 * (vt_irq_plan_make against a previous plan) moved when it had a previous
 * place, else placed. */
enum placing { PLACE_FRESH, PLACE_MOVED, PLACE_NEW, PLACE_BY_WAS };

/* Each vector in [a, b) without a CPU onto its set's least loaded one, in
 * key order: a heap per set while loads only grow, freed after. */
static int place_pending(struct vt_irq_plan *p, size_t a, size_t b, enum placing how)
{
    int rc = 0;

    for (size_t i = a; i < b && rc == 0; i++) {
        struct plan_vec *v = &p->v[i];
        unsigned cpu;

        if (v->pub.managed || v->pub.cpu >= 0)
            continue;
        if ((rc = least_loaded_heap(p, &p->el[v->el], &cpu)) < 0)
            break;
        v->pub.cpu = (int)cpu;
        load_add(p, v->pub.cpu, 1);
        if (how == PLACE_MOVED || (how == PLACE_BY_WAS && v->was)) {
            v->pub.moved = true;
            p->moves++;
        } else if (how != PLACE_FRESH) {
            v->pub.placed = true;
            p->placed++;
        }
    }
    for (size_t k = 0; k < p->nel; k++) {
        free(p->el[k].heap);
        p->el[k].heap = NULL;
    }
    return rc;
}

/* The public view's pointers into the vectors from index i on (after the
 * array moved). */
static void repoint(struct vt_irq_plan *p, size_t i)
{
    for (; i < p->n; i++)
        p->v[i].pub.bdf = p->v[i].bdf, p->v[i].pub.current = p->v[i].current;
}

int vt_irq_plan_make(const struct vt_host *h, const struct vt_irq_state *s,
                     const struct vt_irq_plan_options *options, struct vt_irq_plan **out,
                     struct vt_err *err)
{
    const struct vt_irq_plan_options none = {0};
    const struct vt_irq_plan_options *o = options ? options : &none;
    const struct vt_irq_plan *prev = o->previous;
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    int last = vt_bitmap_last(hc->possible);
    struct vt_irq_plan *p;
    const struct vt_host_device *d = NULL;
    size_t nvec, matched = 0;
    int rc = 0;

    vt_err_clear(err);
    *out = NULL;
    nvec = vt_irq_state_vector_count(s);
    if (!(p = plan_new(nvec, last < 0 ? 1 : (size_t)last + 1)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (o->host_fingerprint)
        snprintf(p->host, sizeof(p->host), "%s", o->host_fingerprint);
    else if ((rc = vt_host_fingerprint(h, p->host, err)) < 0)
        goto out;
    if ((rc = vt_irq_state_fingerprint(s, p->state, err)) < 0)
        goto out;
    if (vt_bitmap_copy(p->cpus, hc->housekeeping) < 0) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if (o->cpuset) {
        vt_bitmap_and(p->cpus, o->cpuset);
        if (!(p->cpuset = vt_bitmap_dup(o->cpuset))) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
    }
    /* The vectors in key order; managed ones count where they fire. */
    p->made = true;
    for (size_t i = 0; i < nvec; i++) {
        const struct vt_irq_info *q = vt_irq_state_vector(s, i);
        struct plan_vec *v = &p->v[p->n++];

        if ((v->first = i == 0 || strcmp(q->bdf, vt_irq_state_vector(s, i - 1)->bdf)))
            d = vt_host_device_by_bdf(h, q->bdf);
        vec_from(v, q, d);
        /* The device's previous vector's mask, when it is the same. */
        if (q->affinity && !v->first && p->v[p->n - 2].current &&
            vt_bitmap_equal(p->v[p->n - 2].current, q->affinity)) {
            v->current = p->v[p->n - 2].current;
            v->borrowed = true;
        } else if (q->affinity && !(v->current = vt_bitmap_dup(q->affinity))) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
        if (v->pub.managed) {
            v->pub.cpu = fires_on(q);
            load_add(p, v->pub.cpu, 1);
            continue;
        }
        /* Its node's eligible CPUs, computed once per node. */
        if ((rc = use_set(h, p, v, err)) < 0)
            goto out;
    }
    /* Kept: a vector of the previous plan whose CPU is still eligible. Both
     * plans are in key order: one walk pairs them. */
    for (size_t i = 0, j = 0; prev && i < p->n; i++) {
        struct plan_vec *v = &p->v[i];
        int c = 1;

        while (j < prev->n && (c = cmp_planned(&prev->v[j], v)) < 0)
            j++;
        if (c != 0)
            continue;
        matched++;
        v->was = &prev->v[j];
        if (v->pub.managed || v->was->pub.cpu < 0 ||
            !vt_bitmap_isset(p->el[v->el].cpus, (unsigned)v->was->pub.cpu))
            continue;
        v->pub.cpu = v->was->pub.cpu;
        p->load[v->pub.cpu]++;
    }
    /* The rest: least loaded, in (BDF, index) order. */
    if (place_pending(p, 0, p->n, prev ? PLACE_BY_WAS : PLACE_FRESH) < 0) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if (prev && o->rebalance)
        rebalance(p);
    p->dropped = prev ? prev->n - matched : 0;
    repoint(p, 0);
    if (rebuild_warnings(p) < 0)
        rc = vt_err_set(err, -ENOMEM, "out of memory");
out:
    if (rc < 0) {
        vt_irq_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* ---- events, in place ------------------------------------------------- */

/* An event's counts and flags are its own. */
static void reset_counts(struct vt_irq_plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        p->v[i].pub.moved = p->v[i].pub.placed = false;
    p->moves = p->placed = p->dropped = 0;
}

/* The first of n keyed items whose BDF (bdf_at) is bdf or after it. */
static size_t lower_bound(const void *set, size_t n, const char *(*bdf_at)(const void *, size_t),
                          const char *bdf)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(bdf_at(set, mid), bdf) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *plan_bdf(const void *p, size_t i)
{
    return ((const struct vt_irq_plan *)p)->v[i].bdf;
}

static const char *state_bdf(const void *s, size_t i)
{
    return vt_irq_state_vector(s, i)->bdf;
}

static int event_removed(struct vt_irq_plan *p, const char *bdf, struct vt_err *err)
{
    size_t a = lower_bound(p, p->n, plan_bdf, bdf), b = a;

    while (b < p->n && !strcmp(p->v[b].bdf, bdf))
        b++;
    if (a == b)
        return vt_err_set(err, -EINVAL, "device %s has no vectors in the plan", bdf);
    reset_counts(p);
    /* Its masks are its own (a device borrows from itself only). */
    for (size_t i = a; i < b; i++) {
        struct plan_vec *v = &p->v[i];

        load_add(p, v->pub.cpu, -1);
        if (!v->pub.managed)
            p->el[v->el].users--;
        if (!v->borrowed)
            vt_bitmap_free(v->current);
    }
    memmove(&p->v[a], &p->v[b], (p->n - b) * sizeof(*p->v));
    p->n -= b - a;
    p->dropped = b - a;
    repoint(p, a);
    return 0;
}

static int event_added(struct vt_irq_plan *p, const struct vt_host *h, const struct vt_irq_state *s,
                       const char *bdf, struct vt_err *err)
{
    size_t a = lower_bound(p, p->n, plan_bdf, bdf);
    size_t sa = lower_bound(s, vt_irq_state_vector_count(s), state_bdf, bdf), k = 0;
    const struct vt_host_device *d = vt_host_device_by_bdf(h, bdf);
    struct plan_vec *m;
    long set;

    if (a < p->n && !strcmp(p->v[a].bdf, bdf))
        return vt_err_set(err, -EINVAL, "device %s already has vectors in the plan", bdf);
    while (sa + k < vt_irq_state_vector_count(s) &&
           !strcmp(vt_irq_state_vector(s, sa + k)->bdf, bdf))
        k++;
    if (!k)
        return vt_err_set(err, -EINVAL, "the interrupt state has no vectors of device %s", bdf);
    /* The sets its vectors need, before anything changes (a set nobody
     * uses changes nothing). */
    for (size_t i = 0; i < k; i++) {
        const struct vt_irq_info *q = vt_irq_state_vector(s, sa + i);

        if (q->managed != VT_IRQ_MANAGED_YES &&
            (set = need_set(h, p, d ? d->pnode : q->node, err)) < 0)
            return (int)set;
    }
    if (!(m = realloc(p->v, (p->n + k) * sizeof(*m))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    p->v = m;
    reset_counts(p);
    memmove(&p->v[a + k], &p->v[a], (p->n - a) * sizeof(*p->v));
    memset(&p->v[a], 0, k * sizeof(*p->v));
    p->n += k;
    repoint(p, 0);
    for (size_t i = 0; i < k; i++) {
        const struct vt_irq_info *q = vt_irq_state_vector(s, sa + i);
        struct plan_vec *v = &p->v[a + i];

        vec_from(v, q, d);
        v->first = i == 0;
        if (set_current(p, a + i, q->affinity) < 0)
            return vt_err_set(err, -ENOMEM, "out of memory");
        if (v->pub.managed) {
            v->pub.cpu = fires_on(q);
            load_add(p, v->pub.cpu, 1);
        } else {
            v->el = find_set(p, v->pub.node);
            p->el[v->el].users++;
        }
    }
    repoint(p, a);
    return place_pending(p, a, a + k, PLACE_NEW) < 0 ? vt_err_set(err, -ENOMEM, "out of memory")
                                                     : 0;
}

static int event_cpu(struct vt_irq_plan *p, const struct vt_host *h, const struct vt_irq_state *s,
                     unsigned cpu, struct vt_err *err)
{
    struct vt_bitmap *cpus = NULL;
    struct eligible *redo = NULL;
    int pn, rc = 0;

    if (cpu >= p->nload)
        return vt_err_set(err, -EINVAL, "CPU %u is not one of the plan's host", cpu);
    if (vt_irq_state_vector_count(s) != p->n)
        return vt_err_set(err, -EINVAL,
                          "the interrupt state has %zu device vectors, the plan %zu: give the "
                          "device's event first",
                          vt_irq_state_vector_count(s), p->n);
    for (size_t i = 0; i < p->n; i++) {
        const struct vt_irq_info *q = vt_irq_state_vector(s, i);
        const struct plan_vec *v = &p->v[i];

        if (q->index != (int)v->pub.index || (q->managed == VT_IRQ_MANAGED_YES) != v->pub.managed ||
            (v->first && strcmp(q->bdf, v->bdf)))
            return vt_err_set(err, -EINVAL,
                              "the interrupt state's vector %zu is not the plan's (%s vector "
                              "%u): give the device's event first",
                              i, v->bdf, v->pub.index);
    }
    /* The CPUs and the sets the CPU can change, made aside first: its
     * node's, the unknown node's, every borrowed one (a node may lose or
     * regain its last CPU) and every set that held it (an offline CPU may
     * have no node any more). */
    pn = vt_host_cpu_pnode(h, cpu);
    if (!(cpus = vt_bitmap_dup(vt_host_cpus(h)->housekeeping)) ||
        !(redo = calloc(p->nel + 1, sizeof(*redo)))) {
        vt_bitmap_free(cpus);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (p->cpuset)
        vt_bitmap_and(cpus, p->cpuset);
    for (size_t k = 0; k < p->nel && rc == 0; k++) {
        const struct eligible *e = &p->el[k];

        redo[k].pnode = e->pnode;
        if (e->pnode < 0 || e->pnode == pn || e->fallback || vt_bitmap_isset(e->cpus, cpu))
            rc = eligible_for(h, cpus, &redo[k], err);
    }
    if (rc < 0) {
        for (size_t k = 0; k < p->nel; k++)
            eligible_free(&redo[k]);
        free(redo);
        vt_bitmap_free(cpus);
        return rc;
    }
    /* From here the plan changes. */
    reset_counts(p);
    vt_bitmap_free(p->cpus);
    p->cpus = cpus;
    for (size_t k = 0; k < p->nel; k++)
        if (redo[k].cpus) {
            redo[k].users = p->el[k].users;
            eligible_free(&p->el[k]);
            p->el[k] = redo[k];
        }
    /* Managed vectors fire where the kernel now has them; planned ones
     * whose CPU left their set are placed again, in key order. */
    for (size_t i = 0; i < p->n; i++) {
        struct plan_vec *v = &p->v[i];
        const struct vt_irq_info *q = vt_irq_state_vector(s, i);

        if (v->pub.managed) {
            int c = fires_on(q);

            if (c != v->pub.cpu) {
                load_add(p, v->pub.cpu, -1);
                load_add(p, c, 1);
                v->pub.cpu = c;
                if (set_current(p, i, q->affinity) < 0)
                    rc = -ENOMEM;
            }
        } else if (redo[v->el].cpus && !vt_bitmap_isset(p->el[v->el].cpus, (unsigned)v->pub.cpu)) {
            load_add(p, v->pub.cpu, -1);
            v->pub.cpu = -1;
        }
    }
    free(redo);
    if (rc < 0 || place_pending(p, 0, p->n, PLACE_MOVED) < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].pub.moved && set_current(p, i, vt_irq_state_vector(s, i)->affinity) < 0)
            return vt_err_set(err, -ENOMEM, "out of memory");
    repoint(p, 0);
    return 0;
}

int vt_irq_plan_event(struct vt_irq_plan *p, const struct vt_host *h, const struct vt_irq_state *s,
                      const struct vt_irq_event *e, const char *host_fingerprint,
                      struct vt_err *err)
{
    char bdf[BDF_TEXT_MAX], fp[VT_HOST_FINGERPRINT_LEN + 1];
    int rc;

    vt_err_clear(err);
    if (!p->made)
        return vt_err_set(err, -EINVAL,
                          "the plan was read from a file: make it again with it as the previous "
                          "plan before giving events");
    if (e->kind != VT_IRQ_EVENT_CPU_CHANGED && (!e->bdf || vt_bdf_normalize(e->bdf, bdf) < 0))
        return vt_err_set(err, -EINVAL, "the event's device %s: not a PCI address",
                          e->bdf ? e->bdf : "(none)");
    if (host_fingerprint)
        snprintf(fp, sizeof(fp), "%s", host_fingerprint);
    else if ((rc = vt_host_fingerprint(h, fp, err)) < 0)
        return rc;
    switch (e->kind) {
    case VT_IRQ_EVENT_DEVICE_REMOVED:
        rc = event_removed(p, bdf, err);
        break;
    case VT_IRQ_EVENT_DEVICE_ADDED:
        rc = event_added(p, h, s, bdf, err);
        break;
    case VT_IRQ_EVENT_CPU_CHANGED:
        rc = event_cpu(p, h, s, e->cpu, err);
        break;
    default:
        return vt_err_set(err, -EINVAL, "unknown event %d", (int)e->kind);
    }
    if (rc < 0)
        return rc;
    memcpy(p->host, fp, sizeof(p->host));
    if ((rc = vt_irq_state_fingerprint(s, p->state, err)) < 0)
        return rc;
    return rebuild_warnings(p) < 0 ? vt_err_set(err, -ENOMEM, "out of memory") : 0;
}

size_t vt_irq_plan_count(const struct vt_irq_plan *p)
{
    return p->n;
}

const struct vt_irq_planned *vt_irq_plan_vector(const struct vt_irq_plan *p, size_t i)
{
    return i < p->n ? &p->v[i].pub : NULL;
}

unsigned vt_irq_plan_cpu_load(const struct vt_irq_plan *p, unsigned cpu)
{
    return cpu < p->nload ? p->load[cpu] : 0;
}

const struct vt_bitmap *vt_irq_plan_cpus(const struct vt_irq_plan *p)
{
    return p->cpus;
}

size_t vt_irq_plan_moves(const struct vt_irq_plan *p)
{
    return p->moves;
}

size_t vt_irq_plan_placed(const struct vt_irq_plan *p)
{
    return p->placed;
}

size_t vt_irq_plan_dropped(const struct vt_irq_plan *p)
{
    return p->dropped;
}

size_t vt_irq_plan_warning_count(const struct vt_irq_plan *p)
{
    return p->nwarnings;
}

const char *vt_irq_plan_warning(const struct vt_irq_plan *p, size_t i)
{
    return i < p->nwarnings ? p->warnings[i] : NULL;
}

const char *vt_irq_plan_host(const struct vt_irq_plan *p)
{
    return p->host;
}

const char *vt_irq_plan_state(const struct vt_irq_plan *p)
{
    return p->state;
}

/* ---- the plan file ---------------------------------------------------- */

static void jput(struct json_object *o, const char *k, struct json_object *v, bool *oom)
{
    if (!o || json_object_object_add(o, k, v) < 0)
        *oom = true;
}

static struct json_object *jlist(const struct vt_bitmap *b, bool *oom)
{
    char *t = b ? vt_bitmap_format_list(b) : NULL;
    struct json_object *o = t ? json_object_new_string(t) : NULL;

    *oom |= b && !o;
    free(t);
    return o;
}

int vt_irq_plan_to_json(const struct vt_irq_plan *p, char **json, struct vt_err *err)
{
    struct json_object *root = json_object_new_object(), *vecs = json_object_new_array(),
                       *warns = json_object_new_array();
    bool oom = !root || !vecs || !warns;

    jput(root, "format", json_object_new_string(IRQ_PLAN_FORMAT), &oom);
    jput(root, "version", json_object_new_int(IRQ_PLAN_VERSION), &oom);
    jput(root, "host", json_object_new_string(p->host), &oom);
    jput(root, "state", json_object_new_string(p->state), &oom);
    jput(root, "cpus", jlist(p->cpus, &oom), &oom);
    for (size_t i = 0; !oom && i < p->n; i++) {
        const struct plan_vec *v = &p->v[i];
        struct json_object *o = json_object_new_object();

        jput(o, "bdf", json_object_new_string(v->bdf), &oom);
        jput(o, "index", json_object_new_int((int)v->pub.index), &oom);
        jput(o, "irq", json_object_new_int64(v->pub.irq), &oom);
        jput(o, "node", json_object_new_int(v->pub.node), &oom);
        jput(o, "managed", json_object_new_boolean(v->pub.managed), &oom);
        jput(o, "cpu", v->pub.cpu >= 0 ? json_object_new_int(v->pub.cpu) : NULL, &oom);
        jput(o, "current", jlist(v->current, &oom), &oom);
        jput(o, "moved", json_object_new_boolean(v->pub.moved), &oom);
        jput(o, "placed", json_object_new_boolean(v->pub.placed), &oom);
        if (!o || json_object_array_add(vecs, o) < 0) {
            json_object_put(o);
            oom = true;
        }
    }
    jput(root, "vectors", vecs, &oom);
    jput(root, "moves", json_object_new_int64((int64_t)p->moves), &oom);
    jput(root, "placed", json_object_new_int64((int64_t)p->placed), &oom);
    jput(root, "dropped", json_object_new_int64((int64_t)p->dropped), &oom);
    for (size_t i = 0; !oom && i < p->nwarnings; i++)
        if (json_object_array_add(warns, json_object_new_string(p->warnings[i])) < 0)
            oom = true;
    jput(root, "warnings", warns, &oom);
    *json = oom ? NULL : json_doc_text(root);
    json_object_put(root);
    return *json ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
}

int vt_irq_plan_save(const struct vt_irq_plan *p, const char *path, struct vt_err *err)
{
    char *json;
    int rc = vt_irq_plan_to_json(p, &json, err);

    if (rc < 0)
        return rc;
    rc = vt_write_file_atomic(path, json, strlen(json), err);
    free(json);
    return rc;
}

#define bad json_doc_bad /* a field of the plan file breaking a rule */

static bool is_fingerprint(struct json_object *v)
{
    const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

    if (strlen(s) != 16)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static int get_int(struct json_object *o, const char *key, int64_t lo, int64_t hi, bool null_ok,
                   int64_t *out)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v))
        return -1;
    if (!v)
        return null_ok ? 1 : -1;
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < lo ||
        json_object_get_int64(v) > hi)
        return -1;
    *out = json_object_get_int64(v);
    return 0;
}

static int read_vec(struct json_object *o, const char *path, size_t i, struct plan_vec *v,
                    struct vt_err *err)
{
    char where[48];
    struct json_object *b = NULL, *m = NULL, *c = NULL;
    int64_t x;
    int r;

    snprintf(where, sizeof(where), "vectors[%zu]", i);
    if (!json_object_is_type(o, json_type_object))
        return bad(err, path, where, "must be an object");
    if (!json_object_object_get_ex(o, "bdf", &b) || !b ||
        !json_object_is_type(b, json_type_string) ||
        bdf_normalize(json_object_get_string(b), v->bdf) < 0)
        return bad(err, path, where, "\"bdf\" must be a PCI address such as \"0000:3b:00.0\"");
    if (get_int(o, "index", 0, VT_IRQ_MAX_VECTORS - 1, false, &x) < 0)
        return bad(err, path, where, "\"index\" must be a vector index from 0 to %d",
                   VT_IRQ_MAX_VECTORS - 1);
    v->pub.index = (unsigned)x;
    if (get_int(o, "irq", 0, UINT32_MAX, false, &x) < 0)
        return bad(err, path, where, "\"irq\" must be an IRQ number");
    v->pub.irq = (unsigned)x;
    if (get_int(o, "node", -1, VT_NODE_ID_MAX, false, &x) < 0)
        return bad(err, path, where, "\"node\" must be a node number or -1");
    v->pub.node = (int)x;
    if (!json_object_object_get_ex(o, "managed", &m) || !m ||
        !json_object_is_type(m, json_type_boolean))
        return bad(err, path, where, "\"managed\" must be true or false");
    v->pub.managed = json_object_get_boolean(m);
    if ((r = get_int(o, "cpu", 0, VT_CPU_ID_MAX, true, &x)) < 0 || (r && !v->pub.managed))
        return bad(err, path, where, "\"cpu\" must be a CPU number%s",
                   v->pub.managed ? " or null" : "");
    v->pub.cpu = r ? -1 : (int)x;
    if (json_object_object_get_ex(o, "current", &c) && c) {
        if (!json_object_is_type(c, json_type_string) || !(v->current = vt_bitmap_new()) ||
            vt_bitmap_parse_list(v->current, json_object_get_string(c), VT_CPU_ID_MAX, err) < 0)
            return bad(err, path, where, "\"current\" must be a cpulist or null");
    }
    return 0;
}

int vt_irq_plan_load(const char *path, struct vt_irq_plan **out, struct vt_err *err)
{
    char *text = NULL;
    struct json_object *root, *v, *vecs;
    struct vt_irq_plan *p = NULL;
    enum json_tokener_error jerr;
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if ((rc = vt_read_file(path, IRQ_PLAN_MAX, VT_READ_STREAM, &text, NULL, err)) < 0)
        return rc;
    root = json_tokener_parse_verbose(text, &jerr);
    free(text);
    if (!root)
        return vt_err_set(err, -EINVAL,
                          "%s: not JSON (%s): an interrupt plan is what 'vtopo irq "
                          "plan --out FILE' writes",
                          path, json_tokener_error_desc(jerr));
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "format", &v) || !v ||
        !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), IRQ_PLAN_FORMAT)) {
        rc = bad(err, path, "format", "must be \"" IRQ_PLAN_FORMAT "\" (an interrupt plan)");
        goto out;
    }
    if (!json_object_object_get_ex(root, "version", &v) || !v ||
        !json_object_is_type(v, json_type_int) || json_object_get_int(v) != IRQ_PLAN_VERSION) {
        rc = bad(err, path, "version", "must be %d", IRQ_PLAN_VERSION);
        goto out;
    }
    if (!json_object_object_get_ex(root, "vectors", &vecs) || !vecs ||
        !json_object_is_type(vecs, json_type_array)) {
        rc = bad(err, path, "vectors", "must be an array");
        goto out;
    }
    if (!(p = plan_new(json_object_array_length(vecs), 1))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if (!json_object_object_get_ex(root, "host", &v) || !is_fingerprint(v) ||
        !json_object_object_get_ex(root, "state", &v) || !is_fingerprint(v)) {
        rc = bad(err, path, "host/state", "must be 16 hex digits each (the fingerprints)");
        goto out;
    }
    json_object_object_get_ex(root, "host", &v);
    snprintf(p->host, sizeof(p->host), "%s", json_object_get_string(v));
    json_object_object_get_ex(root, "state", &v);
    snprintf(p->state, sizeof(p->state), "%s", json_object_get_string(v));
    if (!json_object_object_get_ex(root, "cpus", &v) || !v ||
        !json_object_is_type(v, json_type_string) ||
        vt_bitmap_parse_list(p->cpus, json_object_get_string(v), VT_CPU_ID_MAX, err) < 0) {
        rc = bad(err, path, "cpus", "must be a cpulist");
        goto out;
    }
    for (size_t i = 0; i < json_object_array_length(vecs); i++) {
        p->n++; /* freed with the plan whatever read_vec left in it */
        if ((rc = read_vec(json_object_array_get_idx(vecs, i), path, i, &p->v[i], err)) < 0)
            goto out;
        if (i && cmp_planned(&p->v[i - 1], &p->v[i]) >= 0) {
            rc = bad(err, path, "vectors",
                     "%s vector %u: the vectors are sorted by (bdf, index), "
                     "each once",
                     p->v[i].bdf, p->v[i].pub.index);
            goto out;
        }
    }
    for (size_t i = 0; i < p->n; i++) {
        p->v[i].pub.bdf = p->v[i].bdf;
        p->v[i].pub.current = p->v[i].current;
        if ((size_t)p->v[i].pub.cpu + 1 > p->nload)
            p->nload = (size_t)p->v[i].pub.cpu + 1;
    }
    free(p->load);
    if (!(p->load = calloc(p->nload, sizeof(*p->load)))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].pub.cpu >= 0)
            p->load[p->v[i].pub.cpu]++;
out:
    json_object_put(root);
    if (rc < 0) {
        vt_irq_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
}
