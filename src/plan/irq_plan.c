/* vt_irq_plan_make: each non-managed device vector onto one housekeeping CPU
 * of its device's node, least loaded first, whole cores before SMT
 * siblings; incremental against a previous plan (docs/irq.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/parse.h"
#include "vtopo/io.h"
#include "vtopo/irq.h"

#define IRQ_PLAN_FORMAT  "vtopo-irq-plan"
#define IRQ_PLAN_VERSION 1
#define IRQ_PLAN_MAX     ((size_t)256 << 20)

struct plan_vec {
    struct vt_irq_planned pub;
    char bdf[BDF_TEXT_MAX];
    struct vt_bitmap *current;
    bool borrowed;              /* current is an earlier vector's (the same mask) */
    const struct plan_vec *was; /* while planning: the previous plan's */
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
};

/* The CPUs a node's devices' vectors may go to, in the order they are
 * tried (pnode -1: a device of unknown node). */
struct eligible {
    int pnode;
    struct vt_bitmap *cpus; /* the same CPUs, for membership */
    unsigned *order;
    size_t n;
    /* A min-heap of (load, position in order), built at the first placement;
     * entries go stale as loads grow and are fixed when they reach the top. */
    struct heap_entry {
        unsigned load, pos;
    } * heap;
};

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

/* Sort key: the SMT rank above the CPU id (ids below 2^14). */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
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

static int eligible_for(const struct vt_host *h, struct vt_irq_plan *p, const char *bdf, int pnode,
                        struct eligible *e, struct vt_err *err)
{
    struct vt_bitmap *b = node_cpus(h, pnode, p->cpus);
    uint64_t *keys = NULL;
    size_t k = 0;

    if (!b)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (vt_bitmap_iszero(b) && pnode >= 0) {
        /* The nearest node with a housekeeping CPU. */
        int best = -1;
        uint32_t bd = UINT32_MAX;

        for (size_t i = 0; i < vt_host_node_count(h); i++) {
            const struct vt_host_node *n = vt_host_node(h, i);
            uint32_t d = vt_host_distance(h, (unsigned)pnode, n->pnode);
            struct vt_bitmap *c = node_cpus(h, (int)n->pnode, p->cpus);
            bool any = c && !vt_bitmap_iszero(c);

            vt_bitmap_free(c);
            if (any && (d ? d : UINT32_MAX - 1) < bd) {
                bd = d ? d : UINT32_MAX - 1;
                best = (int)n->pnode;
            }
        }
        vt_bitmap_free(b);
        if (best < 0)
            return vt_err_set(err, -EINVAL, "no housekeeping CPU to place interrupts on");
        if (warn(p,
                 "node %d has no housekeeping CPU: the vectors of its devices (%s, ...) go to "
                 "node %d's",
                 pnode, bdf, best) < 0 ||
            !(b = node_cpus(h, best, p->cpus)))
            return vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (vt_bitmap_iszero(b)) {
        vt_bitmap_free(b);
        return vt_err_set(err, -EINVAL, "no housekeeping CPU to place interrupts on");
    }
    e->n = vt_bitmap_weight(b);
    if (!(e->order = malloc(e->n * sizeof(*e->order))) || !(keys = malloc(e->n * sizeof(*keys)))) {
        vt_bitmap_free(b);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    for (int c = vt_bitmap_first(b); c >= 0; c = vt_bitmap_next(b, c))
        keys[k++] = (uint64_t)smt_rank(h, (unsigned)c) << 32 | (unsigned)c;
    e->cpus = b;
    qsort(keys, e->n, sizeof(*keys), cmp_u64);
    for (size_t i = 0; i < e->n; i++)
        e->order[i] = (unsigned)keys[i];
    free(keys);
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
static void rebalance(struct vt_irq_plan *p, const struct eligible *el, const size_t *el_of)
{
    for (;;) {
        size_t best = SIZE_MAX;
        unsigned to = 0, gap = 1;

        for (size_t i = 0; i < p->n; i++) {
            struct plan_vec *v = &p->v[i];
            unsigned m;

            if (v->pub.managed)
                continue;
            m = least_loaded(p, &el[el_of[i]]);
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
    struct eligible *el = NULL;
    size_t nel = 0, *el_of = NULL, nvec, matched = 0;
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
    if (o->cpuset)
        vt_bitmap_and(p->cpus, o->cpuset);
    /* The vectors in key order; managed ones count where they fire. */
    if (!(el = calloc(nvec + 1, sizeof(*el))) || !(el_of = calloc(nvec + 1, sizeof(*el_of)))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nvec; i++) {
        const struct vt_irq_info *q = vt_irq_state_vector(s, i);
        struct plan_vec *v = &p->v[p->n++];
        size_t k;

        if (i == 0 || strcmp(q->bdf, vt_irq_state_vector(s, i - 1)->bdf))
            d = vt_host_device_by_bdf(h, q->bdf);
        memcpy(v->bdf, q->bdf, strlen(q->bdf) + 1);
        v->pub.index = (unsigned)q->index;
        v->pub.irq = q->irq;
        v->pub.node = d ? d->pnode : q->node;
        v->pub.managed = q->managed == VT_IRQ_MANAGED_YES;
        v->pub.cpu = -1;
        /* A device's vectors mostly share one mask: kept once. */
        if (q->affinity && p->n > 1 && p->v[p->n - 2].current &&
            vt_bitmap_equal(p->v[p->n - 2].current, q->affinity)) {
            v->current = p->v[p->n - 2].current;
            v->borrowed = true;
        } else if (q->affinity && !(v->current = vt_bitmap_dup(q->affinity))) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
        if (v->pub.managed) {
            const struct vt_bitmap *at = q->effective ? q->effective : q->affinity;
            int c = at ? vt_bitmap_first(at) : -1;

            v->pub.cpu = c;
            if (c >= 0 && (size_t)c < p->nload)
                p->load[c]++;
            continue;
        }
        /* Its node's eligible CPUs, computed once per node. */
        for (k = 0; k < nel && el[k].pnode != v->pub.node; k++)
            ;
        if (k == nel) {
            el[nel++].pnode = v->pub.node; /* freed at out whatever eligible_for left */
            if ((rc = eligible_for(h, p, v->bdf, v->pub.node, &el[k], err)) < 0)
                goto out;
        }
        el_of[i] = k;
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
            !vt_bitmap_isset(el[el_of[i]].cpus, (unsigned)v->was->pub.cpu))
            continue;
        v->pub.cpu = v->was->pub.cpu;
        p->load[v->pub.cpu]++;
    }
    /* The rest: least loaded, in (BDF, index) order. */
    for (size_t i = 0; i < p->n; i++) {
        struct plan_vec *v = &p->v[i];
        unsigned cpu;

        if (v->pub.managed || v->pub.cpu >= 0)
            continue;
        if (least_loaded_heap(p, &el[el_of[i]], &cpu) < 0) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
        v->pub.cpu = (int)cpu;
        p->load[v->pub.cpu]++;
        if (v->was) {
            v->pub.moved = true;
            p->moves++;
        } else if (prev) {
            v->pub.placed = true;
            p->placed++;
        }
    }
    if (prev && o->rebalance)
        rebalance(p, el, el_of);
    p->dropped = prev ? prev->n - matched : 0;
    for (size_t i = 0; i < p->n; i++)
        p->v[i].pub.bdf = p->v[i].bdf, p->v[i].pub.current = p->v[i].current;
out:
    for (size_t i = 0; el && i < nel; i++) {
        free(el[i].order);
        free(el[i].heap);
        vt_bitmap_free(el[i].cpus);
    }
    free(el);
    free(el_of);
    if (rc < 0) {
        vt_irq_plan_free(p);
        return rc;
    }
    *out = p;
    return 0;
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
    const char *t;

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
    t = oom ? NULL
            : json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                       JSON_C_TO_STRING_SPACED |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE);
    *json = t ? malloc(strlen(t) + 2) : NULL;
    if (*json)
        sprintf(*json, "%s\n", t);
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

__attribute__((format(printf, 4, 5))) static int bad(struct vt_err *err, const char *path,
                                                     const char *where, const char *fmt, ...)
{
    char msg[VT_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return vt_err_set(err, -EINVAL, "%s: %s: %s", path, where, msg);
}

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
