/* vt_place: host nodes and host CPUs for a new guest given the guests
 * already placed, never holding a host CPU, huge page or (unless asked)
 * byte of memory twice; and the state that records them (docs/placement.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/place_internal.h"
#include "util/hash.h"
#include "vtopo/size.h"

/* Candidate node sets of one size are all enumerated up to this many;
 * above, each node with its nearest ones (by distance, then id). */
#define PLACE_EXHAUSTIVE_MAX 4096

const char *vt_cpu_policy_name(enum vt_cpu_policy p)
{
    return p == VT_CPU_DEDICATED ? "dedicated" : "shared";
}

const char *vt_thread_policy_name(enum vt_thread_policy p)
{
    return p == VT_THREAD_ISOLATE ? "isolate" : p == VT_THREAD_REQUIRE ? "require" : "prefer";
}

int vt_cpu_policy_of_name(const char *n)
{
    return !strcmp(n, "shared") ? VT_CPU_SHARED : !strcmp(n, "dedicated") ? VT_CPU_DEDICATED : -1;
}

int vt_thread_policy_of_name(const char *n)
{
    return !strcmp(n, "prefer")    ? VT_THREAD_PREFER
           : !strcmp(n, "isolate") ? VT_THREAD_ISOLATE
           : !strcmp(n, "require") ? VT_THREAD_REQUIRE
                                   : -1;
}

bool place_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > VT_PLACE_NAME_MAX || name[0] == '.' || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '.' || name[i] == '_' ||
              name[i] == '-'))
            return false;
    return true;
}

/* ---- the state ---------------------------------------------------------- */

int place_node_index(const struct vt_place_state *s, unsigned pnode)
{
    for (size_t i = 0; i < s->nnodes; i++)
        if (s->nodes[i].pnode == pnode)
            return (int)i;
    return -1;
}

int place_pool_index(const struct vt_place_state *s, size_t i, uint64_t page_bytes)
{
    const struct vt_host_node *n = vt_host_node(s->h, i);

    for (size_t k = 0; k < n->nhugepages; k++)
        if (n->hugepages[k].page_bytes == page_bytes)
            return (int)k;
    return -1;
}

/* The node's dedication pool as cores: each CPU with its SMT siblings in
 * the pool and on the node (a CPU whose siblings are unknown is a core of
 * its own). */
static int build_cores(struct vt_place_state *s, size_t i)
{
    const struct vt_host_node *hn = vt_host_node(s->h, i);
    struct place_node *n = &s->nodes[i];
    struct vt_bitmap *left = vt_bitmap_dup(hn->cpus);

    if (!left)
        return -ENOMEM;
    vt_bitmap_and(left, s->pool);
    n->pool_cpus = vt_bitmap_weight(left);
    n->pool_shared = vt_bitmap_intersects(left, hn->housekeeping_cpus);
    n->cores = calloc(n->pool_cpus + 1, sizeof(*n->cores));
    if (!n->cores) {
        vt_bitmap_free(left);
        return -ENOMEM;
    }
    for (int c = vt_bitmap_first(left); c >= 0; c = vt_bitmap_first(left)) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(s->h, (unsigned)c);
        struct place_core *core = &n->cores[n->ncores++];

        core->first = (unsigned)c;
        if (!(core->threads = calloc(n->pool_cpus, sizeof(*core->threads)))) {
            vt_bitmap_free(left);
            return -ENOMEM;
        }
        for (int k = c; k >= 0; k = vt_bitmap_next(left, k))
            if (k == c || (t && t->siblings && vt_bitmap_isset(t->siblings, (unsigned)k)))
                core->threads[core->nthreads++] = (unsigned)k;
        /* Its width: every online thread of the core on the node, in the
         * pool or not (a core isolation splits is never whole). */
        core->width = 1;
        if (t && t->siblings) {
            struct vt_bitmap *sib = vt_bitmap_dup(t->siblings);

            if (!sib) {
                vt_bitmap_free(left);
                return -ENOMEM;
            }
            vt_bitmap_and(sib, hn->cpus);
            vt_bitmap_set(sib, (unsigned)c);
            core->width = vt_bitmap_weight(sib);
            vt_bitmap_free(sib);
        }
        for (unsigned k = 0; k < core->nthreads; k++) {
            vt_bitmap_clear(left, core->threads[k]);
            if (core->threads[k] < s->ncore_of)
                s->core_of[core->threads[k]] = (int)(n->ncores - 1);
        }
    }
    vt_bitmap_free(left);
    return 0;
}

/* What placements depend on, as 16 hex digits (FNV-1a): each node's id,
 * memory and CPUs (online or not), each CPU's SMT siblings. Not the host's
 * devices, nor which CPUs are isolated or online now: a device plugged in
 * or isolcpus= changed leaves the placed guests where they are (a guest
 * that then holds a CPU dedication may not take is refused by name when
 * the state is read). */
static int topology_fingerprint(const struct vt_host *h, char out[VT_HOST_FINGERPRINT_LEN + 1])
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return -ENOMEM;
    for (size_t i = 0; i < vt_host_node_count(h); i++) {
        const struct vt_host_node *n = vt_host_node(h, i);
        struct vt_bitmap *all = vt_bitmap_dup(n->cpus);
        char *list;

        if (!all) {
            fclose(f);
            free(text);
            return -ENOMEM;
        }
        vt_bitmap_or(all, n->offline_cpus);
        list = vt_bitmap_format_list(all);
        fprintf(f, "node %u memory %llu cpus %s\n", n->pnode, (unsigned long long)n->memory_bytes,
                list ? list : "?");
        free(list);
        for (int c = vt_bitmap_first(all); c >= 0; c = vt_bitmap_next(all, c)) {
            const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)c);

            if (t && t->siblings && (list = vt_bitmap_format_list(t->siblings))) {
                fprintf(f, "cpu %d siblings %s\n", c, list);
                free(list);
            }
        }
        vt_bitmap_free(all);
    }
    if (fclose(f) != 0) {
        free(text);
        return -ENOMEM;
    }
    snprintf(out, VT_HOST_FINGERPRINT_LEN + 1, "%016llx", (unsigned long long)fnv1a64(text, len));
    free(text);
    return 0;
}

int vt_place_state_new(const struct vt_host *h, unsigned shared_ratio, struct vt_place_state **out,
                       struct vt_err *err)
{
    struct vt_place_state *s = calloc(1, sizeof(*s));
    const struct vt_host_cpus *c = vt_host_cpus(h);
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if (!s)
        return vt_err_set(err, -ENOMEM, "out of memory");
    s->h = h;
    s->shared_ratio = shared_ratio ? shared_ratio : VT_PLACE_SHARED_RATIO;
    if ((rc = topology_fingerprint(h, s->fingerprint)) < 0) {
        vt_err_set(err, rc, "out of memory");
        vt_place_state_free(s);
        return rc;
    }
    s->nnodes = vt_host_node_count(h);
    s->nodes = calloc(s->nnodes + 1, sizeof(*s->nodes));
    s->ncore_of = (size_t)vt_bitmap_last(c->online) + 1;
    if ((s->core_of = malloc(s->ncore_of * sizeof(*s->core_of))))
        for (size_t k = 0; k < s->ncore_of; k++)
            s->core_of[k] = -1;
    s->pool = vt_bitmap_dup(c->online);
    s->held = vt_bitmap_new();
    if (!s->nodes || !s->pool || !s->held || !s->core_of) {
        vt_place_state_free(s);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    /* Where the host isolates CPUs (isolcpus=, nohz_full=), those are for
     * dedication and the housekeeping ones for the host and shared guests;
     * a host isolating none lets dedication take any online CPU. */
    {
        struct vt_bitmap *iso = vt_bitmap_dup(c->online);

        if (!iso) {
            vt_place_state_free(s);
            return vt_err_set(err, -ENOMEM, "out of memory");
        }
        vt_bitmap_andnot(iso, c->housekeeping);
        if (!vt_bitmap_iszero(iso))
            vt_bitmap_and(s->pool, iso);
        vt_bitmap_free(iso);
    }
    for (size_t i = 0; i < s->nnodes; i++) {
        const struct vt_host_node *hn = vt_host_node(h, i);
        struct place_node *n = &s->nodes[i];
        uint64_t pools = 0;

        n->pnode = hn->pnode;
        for (size_t k = 0; k < hn->nhugepages; k++)
            pools += hn->hugepages[k].total * hn->hugepages[k].page_bytes;
        n->capacity = hn->memory_bytes > pools ? hn->memory_bytes - pools : 0;
        if (!(n->hp_used = calloc(hn->nhugepages + 1, sizeof(*n->hp_used))) ||
            build_cores(s, i) < 0) {
            vt_place_state_free(s);
            return vt_err_set(err, -ENOMEM, "out of memory");
        }
    }
    *out = s;
    return 0;
}

void place_guest_publish(struct place_guest *g)
{
    for (size_t p = 0; p < g->nparts; p++) {
        g->pub_parts[p] = g->parts[p].pub;
        g->pub_parts[p].pcpus = g->parts[p].pcpus;
        g->pub_parts[p].reserved = g->parts[p].reserved;
        g->pub_parts[p].emulator = g->parts[p].emulator;
    }
    g->pub.name = g->name;
    g->pub.parts = g->pub_parts;
    g->pub.nparts = g->nparts;
}

void place_guest_clear(struct place_guest *g)
{
    for (size_t p = 0; g->parts && p < g->nparts; p++) {
        free(g->parts[p].pcpus);
        vt_bitmap_free(g->parts[p].reserved);
        vt_bitmap_free(g->parts[p].emulator);
    }
    free(g->parts);
    free(g->pub_parts);
    free(g->name);
    memset(g, 0, sizeof(*g));
}

void vt_place_state_free(struct vt_place_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        place_guest_clear(&s->g[i]);
    free(s->g);
    for (size_t i = 0; s->nodes && i < s->nnodes; i++) {
        for (size_t k = 0; k < s->nodes[i].ncores; k++)
            free(s->nodes[i].cores[k].threads);
        free(s->nodes[i].cores);
        free(s->nodes[i].hp_used);
    }
    free(s->nodes);
    vt_bitmap_free(s->pool);
    vt_bitmap_free(s->held);
    free(s->core_of);
    free(s);
}

unsigned vt_place_state_shared_ratio(const struct vt_place_state *s)
{
    return s->shared_ratio;
}

size_t vt_place_guest_count(const struct vt_place_state *s)
{
    return s->n;
}

const struct vt_placed_guest *vt_place_guest(const struct vt_place_state *s, size_t i)
{
    return i < s->n ? &s->g[i].pub : NULL;
}

const struct vt_placed_guest *vt_place_guest_by_name(const struct vt_place_state *s,
                                                     const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->g[i].name, name))
            return &s->g[i].pub;
    return NULL;
}

/* Every CPU of a part: run on, reserved, emulator. */
static void part_cpus(const struct place_part *p, struct vt_bitmap *out)
{
    vt_bitmap_zero(out);
    for (unsigned k = 0; p->pcpus && k < p->pub.vcpus; k++)
        vt_bitmap_set(out, (unsigned)p->pcpus[k]);
    vt_bitmap_or(out, p->reserved);
    vt_bitmap_or(out, p->emulator);
}

/* Count g's memory, pages and shared vCPUs in (sign 1) or out (-1). */
static void account(struct vt_place_state *s, const struct place_guest *g, int sign)
{
    for (size_t p = 0; p < g->nparts; p++) {
        const struct vt_place_part *pp = &g->parts[p].pub;
        struct place_node *n = &s->nodes[place_node_index(s, pp->pnode)];
        int pool = g->pub.hugepage_bytes
                       ? place_pool_index(s, (size_t)(n - s->nodes), g->pub.hugepage_bytes)
                       : -1;

        if (pool >= 0)
            n->hp_used[pool] += (uint64_t)sign * (pp->memory_bytes / g->pub.hugepage_bytes);
        else
            n->mem_used += (uint64_t)sign * pp->memory_bytes;
        if (g->pub.cpu_policy == VT_CPU_SHARED)
            n->shared_vcpus += (unsigned)sign * pp->vcpus;
        n->vcpus += (unsigned)sign * pp->vcpus;
    }
}

/* Whether g's dedicated vCPUs come in groups of one host core's threads,
 * every part whole groups: that many; else 1. */
static unsigned smt_groups(const struct vt_place_state *s, const struct place_guest *g)
{
    unsigned t = 0;

    if (g->pub.cpu_policy != VT_CPU_DEDICATED || g->pub.thread_policy == VT_THREAD_ISOLATE)
        return 1;
    for (size_t p = 0; p < g->nparts; p++) {
        const struct place_part *pp = &g->parts[p];
        size_t ni = (size_t)place_node_index(s, pp->pub.pnode);

        for (unsigned v = 0; v < pp->pub.vcpus; v++) {
            unsigned cpu = (unsigned)pp->pcpus[v];
            int core = cpu < s->ncore_of ? s->core_of[cpu] : -1;
            const struct place_core *pc = core >= 0 ? &s->nodes[ni].cores[core] : NULL;
            /* A sibling group is a whole core's threads. */
            unsigned n = pc && pc->nthreads == pc->width ? pc->nthreads : 1;

            if (!t)
                t = n;
            if (n != t || pp->pub.vcpus % t)
                return 1;
            /* The first of a group starts a core; the rest follow on it. */
            if (v % t && (cpu >= s->ncore_of ||
                          s->core_of[cpu] != s->core_of[(unsigned)pp->pcpus[v - v % t]]))
                return 1;
        }
    }
    return t ? t : 1;
}

/* The name of the guest that holds host CPU c. */
static const char *holder(const struct vt_place_state *s, unsigned c)
{
    for (size_t k = 0; k < s->n; k++)
        for (size_t q = 0; q < s->g[k].nparts; q++) {
            const struct place_part *p = &s->g[k].parts[q];

            for (unsigned v = 0; p->pcpus && v < p->pub.vcpus; v++)
                if ((unsigned)p->pcpus[v] == c)
                    return s->g[k].name;
            if (vt_bitmap_isset(p->reserved, c) || vt_bitmap_isset(p->emulator, c))
                return s->g[k].name;
        }
    return "?";
}

int place_add(struct vt_place_state *s, struct place_guest *g, bool from_file, struct vt_err *err)
{
    struct vt_bitmap *cpus = vt_bitmap_new(), *mine = vt_bitmap_new();
    int rc = 0;

    if (!cpus || !mine) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if (!from_file && vt_place_guest_by_name(s, g->name)) {
        rc = vt_err_set(err, -EINVAL, "a guest named '%s' is placed already", g->name);
        goto out;
    }
    if (s->n >= VT_PLACE_MAX_GUESTS) {
        rc = vt_err_set(err, -EINVAL, "more than %d guests", VT_PLACE_MAX_GUESTS);
        goto out;
    }
    for (size_t p = 0; p < g->nparts && rc == 0; p++) {
        const struct place_part *pp = &g->parts[p];
        int ni = place_node_index(s, pp->pub.pnode);

        if (ni < 0) {
            rc = vt_err_set(err, -EINVAL, "guest '%s': the host has no node %u", g->name,
                            pp->pub.pnode);
            break;
        }
        if (g->pub.hugepage_bytes && place_pool_index(s, (size_t)ni, g->pub.hugepage_bytes) < 0) {
            char sz[32];

            vt_size_format(sz, sizeof(sz), g->pub.hugepage_bytes);
            rc = vt_err_set(err, -EINVAL, "guest '%s': node %u has no %s huge pages", g->name,
                            pp->pub.pnode, sz);
            break;
        }
        part_cpus(pp, cpus);
        for (int c = vt_bitmap_first(cpus); c >= 0 && rc == 0; c = vt_bitmap_next(cpus, c)) {
            const char *other =
                vt_bitmap_isset(s->held, (unsigned)c) ? holder(s, (unsigned)c) : NULL;

            if (other)
                rc =
                    vt_err_set(err, -EINVAL, "guest '%s' holds host CPU %d, which guest '%s' holds",
                               g->name, c, other);
            else if (vt_bitmap_isset(mine, (unsigned)c))
                rc = vt_err_set(err, -EINVAL, "guest '%s' holds host CPU %d twice", g->name, c);
            else if (!from_file && !vt_bitmap_isset(s->pool, (unsigned)c))
                rc = vt_err_set(err, -EINVAL,
                                "guest '%s' holds host CPU %d, which is not one to dedicate "
                                "(offline, or housekeeping on a host that isolates CPUs)",
                                g->name, c);
            else if (!vt_bitmap_isset(vt_host_node(s->h, (size_t)ni)->cpus, (unsigned)c) &&
                     !vt_bitmap_isset(vt_host_node(s->h, (size_t)ni)->offline_cpus, (unsigned)c))
                rc = vt_err_set(err, -EINVAL, "guest '%s' holds host CPU %d, not on node %u",
                                g->name, c, pp->pub.pnode);
            vt_bitmap_set(mine, (unsigned)c);
        }
    }
    if (rc == 0 && s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct place_guest *m = realloc(s->g, cap * sizeof(*m));

        if (!m) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
        s->g = m;
        s->cap = cap;
        /* The public views point into parts, not into s->g: no fixing up. */
    }
    if (rc == 0) {
        g->pub.threads_per_core = smt_groups(s, g);
        s->g[s->n++] = *g;
        memset(g, 0, sizeof(*g));
        vt_bitmap_or(s->held, mine);
        account(s, &s->g[s->n - 1], 1);
    }
out:
    vt_bitmap_free(cpus);
    vt_bitmap_free(mine);
    return rc;
}

int vt_place_release(struct vt_place_state *s, const char *name, struct vt_err *err)
{
    struct vt_bitmap *cpus = vt_bitmap_new();

    vt_err_clear(err);
    if (!cpus)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++) {
        struct place_guest *g = &s->g[i];

        if (strcmp(g->name, name) != 0)
            continue;
        for (size_t p = 0; p < g->nparts; p++) {
            part_cpus(&g->parts[p], cpus);
            vt_bitmap_andnot(s->held, cpus);
        }
        account(s, g, -1);
        place_guest_clear(g);
        memmove(&s->g[i], &s->g[i + 1], (s->n - i - 1) * sizeof(*s->g));
        s->n--;
        vt_bitmap_free(cpus);
        return 0;
    }
    vt_bitmap_free(cpus);
    return vt_err_set(err, -ENOENT, "no guest named '%s' is placed", name);
}

/* ---- what is free ------------------------------------------------------- */

static uint64_t node_free_memory(const struct vt_place_state *s, size_t i)
{
    const struct place_node *n = &s->nodes[i];
    uint64_t live = vt_host_node(s->h, i)->free_bytes,
             left = n->capacity > n->mem_used ? n->capacity - n->mem_used : 0;

    return live != VT_HOST_FREE_UNKNOWN && live < left ? live : left;
}

uint64_t vt_place_node_free_pages(const struct vt_place_state *s, size_t i, uint64_t page_bytes)
{
    int k = place_pool_index(s, i, page_bytes);
    const struct vt_host_hugepages *p;
    uint64_t left;

    if (k < 0)
        return 0;
    p = &vt_host_node(s->h, i)->hugepages[k];
    left = p->total > s->nodes[i].hp_used[k] ? p->total - s->nodes[i].hp_used[k] : 0;
    return p->free < left ? p->free : left;
}

/* Whether core c is whole and free: every online thread of it in the pool
 * and not held. */
static bool core_whole(const struct vt_place_state *s, const struct place_core *c,
                       const struct vt_bitmap *held);

static unsigned core_free(const struct vt_place_state *s, const struct place_core *c,
                          const struct vt_bitmap *held)
{
    unsigned n = 0;

    for (unsigned k = 0; k < c->nthreads; k++)
        n += !vt_bitmap_isset(held ? held : s->held, c->threads[k]);
    return n;
}

static bool core_whole(const struct vt_place_state *s, const struct place_core *c,
                       const struct vt_bitmap *held)
{
    return c->nthreads == c->width && core_free(s, c, held) == c->nthreads;
}

struct vt_bitmap *vt_place_node_shared_cpus(const struct vt_place_state *s, size_t i)
{
    struct vt_bitmap *shared = vt_bitmap_dup(vt_host_node(s->h, i)->housekeeping_cpus);

    if (shared)
        vt_bitmap_andnot(shared, s->held);
    return shared;
}

void vt_place_node_free(const struct vt_place_state *s, size_t i, struct vt_place_free *f)
{
    const struct place_node *n = &s->nodes[i];
    struct vt_bitmap *shared = vt_place_node_shared_cpus(s, i);

    memset(f, 0, sizeof(*f));
    f->pnode = n->pnode;
    f->memory_bytes = node_free_memory(s, i);
    for (size_t k = 0; k < n->ncores; k++) {
        unsigned nf = core_free(s, &n->cores[k], NULL);

        f->dedicated_cpus += nf;
        f->whole_cores += core_whole(s, &n->cores[k], NULL);
    }
    if (shared)
        f->shared_cpus = vt_bitmap_weight(shared);
    vt_bitmap_free(shared);
    f->shared_vcpus = n->shared_vcpus;
    f->vcpus = n->vcpus;
}

/* ---- taking CPUs -------------------------------------------------------- */

struct take {
    int *pcpus; /* out: vcpus entries, or NULL (counting) */
    unsigned npcpus;
    struct vt_bitmap *reserved, *emulator; /* out, or NULL */
};

/* Take up to want free threads of core c into held (and out[]), in order.
 * How many. */
static unsigned take_threads(const struct place_core *c, struct vt_bitmap *held, unsigned want,
                             int *out, unsigned *nout, struct vt_bitmap *as)
{
    unsigned got = 0;

    for (unsigned k = 0; k < c->nthreads && got < want; k++)
        if (!vt_bitmap_isset(held, c->threads[k])) {
            vt_bitmap_set(held, c->threads[k]);
            if (out)
                out[(*nout)++] = (int)c->threads[k];
            if (as)
                vt_bitmap_set(as, c->threads[k]);
            got++;
        }
    return got;
}

/* prefer: whole free cores while the want fills them, then the threads of
 * cores in use (keeping whole cores whole), then a whole core broken. */
static unsigned take_prefer(const struct place_node *n, struct vt_bitmap *held, unsigned want,
                            int *out, unsigned *nout, struct vt_bitmap *as)
{
    unsigned got = 0;

    for (size_t k = 0; k < n->ncores && got < want; k++) {
        const struct place_core *c = &n->cores[k];

        if (want - got >= c->nthreads && core_free(NULL, c, held) == c->nthreads)
            got += take_threads(c, held, want - got, out, nout, as);
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < n->ncores && got < want; k++) {
            const struct place_core *c = &n->cores[k];
            unsigned nf = core_free(NULL, c, held);

            if (nf && (pass == 1 || nf < c->nthreads))
                got += take_threads(c, held, want - got, out, nout, as);
        }
    return got;
}

/* A dedicated share of node n: vcpus vCPUs under the thread policy, then
 * emu emulator CPUs, taken into held. 0, or -ENOSPC with held partly
 * changed (the caller's scratch). */
static int take_node(const struct place_node *n, struct vt_bitmap *held, unsigned vcpus,
                     unsigned emu, enum vt_thread_policy tp, struct take *t)
{
    unsigned got = 0;

    if (tp == VT_THREAD_PREFER) {
        got = take_prefer(n, held, vcpus, t->pcpus, &t->npcpus, NULL);
    } else {
        for (size_t k = 0; k < n->ncores && got < vcpus; k++) {
            const struct place_core *c = &n->cores[k];
            unsigned use = tp == VT_THREAD_ISOLATE ? 1 : c->nthreads;

            if (!core_whole(NULL, c, held) || (tp == VT_THREAD_REQUIRE && c->nthreads < 2))
                continue;
            if (use > vcpus - got)
                use = vcpus - got;
            got += take_threads(c, held, use, t->pcpus, &t->npcpus, NULL);
            /* The core's other threads: held for it, run by nobody. */
            take_threads(c, held, c->nthreads, NULL, NULL, t->reserved);
        }
    }
    if (got < vcpus)
        return -ENOSPC;
    if (emu && take_prefer(n, held, emu, NULL, NULL, t->emulator) < emu)
        return -ENOSPC;
    return 0;
}

/* ---- choosing nodes ----------------------------------------------------- */

struct req_ctx {
    const struct vt_place_state *s;
    const struct vt_place_request *r;
    uint64_t unit;               /* memory granule: the huge page, or VT_MEM_GRANULE */
    struct vt_place_free *free_; /* per node index */
    uint64_t *pages;             /* free huge pages per node index */
    struct vt_bitmap *scratch;
};

struct share {
    unsigned vcpus[VT_PLACE_MAX_VNODES];
    uint64_t memory[VT_PLACE_MAX_VNODES];
};

struct cand {
    unsigned k;
    size_t nodes[VT_PLACE_MAX_VNODES];
    unsigned maxdist, sumdist;
    double fit;
};

static unsigned dist(const struct vt_place_state *s, size_t a, size_t b)
{
    uint32_t d = vt_host_node(s->h, a)->distances[b];

    return d ? d : a == b ? 10 : 255;
}

/* What node i could take as vnode j (j 0 also runs the emulator CPUs):
 * vCPUs and memory granules (counts only; the real taking may still find
 * the cores uneven). */
static uint64_t cap_vcpus(const struct req_ctx *c, size_t i, unsigned j)
{
    const struct vt_place_request *r = c->r;
    const struct vt_place_free *f = &c->free_[i];
    const struct place_node *n = &c->s->nodes[i];
    unsigned emu = j == 0 ? r->emulator_cpus : 0, keep = 0, cpus, cores = 0, threads = 0, t,
             emu_cores;
    uint64_t load;

    if (r->cpu_policy == VT_CPU_SHARED) {
        load = (uint64_t)c->s->shared_ratio * f->shared_cpus;
        load = load > f->shared_vcpus ? load - f->shared_vcpus : 0;
        return load < f->shared_cpus ? load : f->shared_cpus;
    }
    /* Where dedication takes the shared CPUs (a host isolating none), it
     * leaves the shared guests placed there their ratio. */
    if (n->pool_shared && f->shared_vcpus)
        keep = (f->shared_vcpus + c->s->shared_ratio - 1) / c->s->shared_ratio;
    cpus = f->dedicated_cpus > emu + keep ? f->dedicated_cpus - emu - keep : 0;
    if (r->thread_policy == VT_THREAD_PREFER)
        return cpus;
    /* Whole cores (of SMT siblings, for require), their threads. */
    for (size_t k = 0; k < n->ncores; k++)
        if (core_whole(c->s, &n->cores[k], NULL) &&
            (r->thread_policy != VT_THREAD_REQUIRE || n->cores[k].nthreads >= 2)) {
            cores++;
            threads += n->cores[k].nthreads;
        }
    if (!cores)
        return 0;
    t = (threads + cores - 1) / cores;
    emu_cores = (emu + t - 1) / t;
    if (cores <= emu_cores)
        return 0;
    cores -= emu_cores;
    cores = cores < cpus / t ? cores : cpus / t;
    return (uint64_t)cores * (r->thread_policy == VT_THREAD_ISOLATE ? 1 : t);
}

static uint64_t cap_units(const struct req_ctx *c, size_t i)
{
    if (c->r->hugepage_bytes)
        return c->pages[i];
    if (c->r->overcommit_memory)
        return UINT64_MAX / 2;
    return c->free_[i].memory_bytes / c->unit;
}

/* total split over the k caps as evenly as they allow (the first ones one
 * more), every share at least 1; false when they do not hold it. */
static bool split(uint64_t total, const uint64_t *cap, unsigned k, uint64_t *out)
{
    uint64_t lo = 1, hi = total, sum = 0, over;

    for (unsigned j = 0; j < k; j++) {
        if (cap[j] < 1)
            return false;
        sum += cap[j] < total ? cap[j] : total;
    }
    if (sum < total || total < k)
        return false;
    /* The lowest level L with sum(min(cap, L)) >= total. */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, got = 0;

        for (unsigned j = 0; j < k && got < total; j++)
            got += cap[j] < mid ? cap[j] : mid;
        if (got >= total)
            hi = mid;
        else
            lo = mid + 1;
    }
    sum = 0;
    for (unsigned j = 0; j < k; j++)
        sum += out[j] = cap[j] < lo ? cap[j] : lo;
    /* Too much by over: one less from the last ones at the level. */
    over = sum - total;
    for (unsigned j = k; j-- > 0 && over;)
        if (out[j] == lo && lo > 1) {
            out[j]--;
            over--;
        }
    return over == 0;
}

/* The candidate's vnodes: each its vCPUs and memory, as even as the nodes
 * allow. */
static bool shares(const struct req_ctx *c, const struct cand *cd, struct share *sh)
{
    uint64_t cap[VT_PLACE_MAX_VNODES] = {0}, v[VT_PLACE_MAX_VNODES] = {0},
             m[VT_PLACE_MAX_VNODES] = {0};

    for (unsigned j = 0; j < cd->k; j++)
        cap[j] = cap_vcpus(c, cd->nodes[j], j);
    if (!split(c->r->vcpus, cap, cd->k, v))
        return false;
    for (unsigned j = 0; j < cd->k; j++)
        cap[j] = cap_units(c, cd->nodes[j]);
    if (!split(c->r->memory_bytes / c->unit, cap, cd->k, m))
        return false;
    for (unsigned j = 0; j < cd->k; j++) {
        sh->vcpus[j] = (unsigned)v[j];
        sh->memory[j] = m[j] * c->unit;
    }
    return true;
}

/* The candidate's scores (vtopo's and libxl's), when every vnode fits. */
static bool score(const struct req_ctx *c, struct cand *cd)
{
    const struct vt_place_request *r = c->r;

    struct share sh;

    cd->maxdist = cd->sumdist = 0;
    cd->fit = 0;
    if (!shares(c, cd, &sh))
        return false;
    for (unsigned j = 0; j < cd->k; j++) {
        size_t i = cd->nodes[j];
        const struct vt_place_free *f = &c->free_[i];
        const struct place_node *n = &c->s->nodes[i];
        unsigned v = sh.vcpus[j];
        uint64_t m = sh.memory[j];

        for (unsigned q = 0; q < cd->k; q++) {
            unsigned d = dist(c->s, i, cd->nodes[q]);

            cd->maxdist = d > cd->maxdist ? d : cd->maxdist;
            cd->sumdist += d;
        }
        /* What is left where it goes, as a share of the node: the less,
         * the tighter the fit. */
        if (r->hugepage_bytes) {
            int pk = place_pool_index(c->s, i, r->hugepage_bytes);
            uint64_t tot = pk >= 0 ? vt_host_node(c->s->h, i)->hugepages[pk].total : 0;

            cd->fit += tot ? (double)(c->pages[i] - m / r->hugepage_bytes) / (double)tot : 0;
        } else if (n->capacity) {
            cd->fit +=
                (double)(f->memory_bytes > m ? f->memory_bytes - m : 0) / (double)n->capacity;
        }
        if (r->cpu_policy == VT_CPU_DEDICATED) {
            cd->fit += n->pool_cpus ? (double)(f->dedicated_cpus - v) / n->pool_cpus : 0;
        } else {
            double cap = (double)c->s->shared_ratio * f->shared_cpus;

            cd->fit += cap ? (cap - f->shared_vcpus - v) / cap : 0;
        }
    }
    return true;
}

/* Whether a is better than b: the nearest, then the tightest fit, then
 * the lower node ids. */
static bool better(const struct cand *a, const struct cand *b)
{
    if (a->maxdist != b->maxdist)
        return a->maxdist < b->maxdist;
    if (a->sumdist != b->sumdist)
        return a->sumdist < b->sumdist;
    if (a->fit != b->fit)
        return a->fit < b->fit;
    for (unsigned j = 0; j < a->k; j++)
        if (a->nodes[j] != b->nodes[j])
            return a->nodes[j] < b->nodes[j];
    return false;
}

static int cmp_cand(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;

    return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

static uint64_t choose(uint64_t n, uint64_t k)
{
    uint64_t r = 1;

    for (uint64_t i = 1; i <= k; i++) {
        r = r * (n - k + i) / i;
        if (r > PLACE_EXHAUSTIVE_MAX)
            return r;
    }
    return r;
}

struct cand_list {
    struct cand *v;
    size_t n, cap;
};

static int cand_push(struct cand_list *l, const struct cand *cd)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct cand *m = realloc(l->v, cap * sizeof(*m));

        if (!m)
            return -ENOMEM;
        l->v = m;
        l->cap = cap;
    }
    l->v[l->n++] = *cd;
    return 0;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return (x > y) - (x < y);
}

/* Every feasible set of k of the nodes usable[0..nu) into l: all
 * combinations, or each node with its k - 1 nearest. */
static int candidates(const struct req_ctx *c, const size_t *usable, size_t nu, unsigned k,
                      struct cand_list *l)
{
    struct cand cd = {.k = k};
    size_t idx[VT_PLACE_MAX_VNODES];

    if (k > nu)
        return 0;
    if (choose(nu, k) <= PLACE_EXHAUSTIVE_MAX) {
        for (unsigned j = 0; j < k; j++)
            idx[j] = j;
        for (;;) {
            for (unsigned j = 0; j < k; j++)
                cd.nodes[j] = usable[idx[j]];
            if (score(c, &cd) && cand_push(l, &cd) < 0)
                return -ENOMEM;
            {
                int j = (int)k - 1;

                while (j >= 0 && idx[j] == nu - k + (size_t)j)
                    j--;
                if (j < 0)
                    break;
                idx[j]++;
                for (unsigned q = (unsigned)j + 1; q < k; q++)
                    idx[q] = idx[q - 1] + 1;
            }
        }
        return 0;
    }
    for (size_t seed = 0; seed < nu; seed++) {
        bool *in = calloc(nu, sizeof(*in));

        if (!in)
            return -ENOMEM;
        in[seed] = true;
        cd.nodes[0] = usable[seed];
        for (unsigned j = 1; j < k; j++) {
            size_t best = nu;

            for (size_t q = 0; q < nu; q++)
                if (!in[q] && (best == nu || dist(c->s, usable[seed], usable[q]) <
                                                 dist(c->s, usable[seed], usable[best])))
                    best = q;
            in[best] = true;
            cd.nodes[j] = usable[best];
        }
        free(in);
        qsort(cd.nodes, k, sizeof(cd.nodes[0]), cmp_size);
        if (score(c, &cd) && cand_push(l, &cd) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* ---- the guest ---------------------------------------------------------- */

/* Build the guest on candidate cd and take it into the state; -ENOSPC when
 * the cores turn out uneven. */
static int commit(struct vt_place_state *s, const struct req_ctx *c, const struct cand *cd,
                  const struct vt_placed_guest **out, struct vt_err *err)
{
    const struct vt_place_request *r = c->r;
    struct place_guest g = {0};
    struct share sh;
    unsigned first = 0;
    int rc = 0;

    if (!shares(c, cd, &sh))
        return -ENOSPC;
    if (vt_bitmap_copy(c->scratch, s->held) < 0 || !(g.name = strdup(r->name)) ||
        !(g.parts = calloc(cd->k, sizeof(*g.parts))) ||
        !(g.pub_parts = calloc(cd->k, sizeof(*g.pub_parts)))) {
        place_guest_clear(&g);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    g.nparts = cd->k;
    for (unsigned j = 0; j < cd->k && rc == 0; j++) {
        struct place_part *p = &g.parts[j];
        unsigned v = sh.vcpus[j];

        p->pub.pnode = s->nodes[cd->nodes[j]].pnode;
        p->pub.vcpus = v;
        p->pub.first_vcpu = first;
        p->pub.memory_bytes = sh.memory[j];
        first += v;
        if (!(p->reserved = vt_bitmap_new()) || !(p->emulator = vt_bitmap_new())) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            break;
        }
        if (r->cpu_policy == VT_CPU_DEDICATED) {
            struct take t = {NULL, 0, p->reserved, p->emulator};

            if (!(p->pcpus = t.pcpus = calloc(v + 1, sizeof(*p->pcpus)))) {
                rc = vt_err_set(err, -ENOMEM, "out of memory");
                break;
            }
            rc = take_node(&s->nodes[cd->nodes[j]], c->scratch, v, j == 0 ? r->emulator_cpus : 0,
                           r->thread_policy, &t);
        }
    }
    if (rc == 0) {
        g.pub.vcpus = r->vcpus;
        g.pub.memory_bytes = r->memory_bytes;
        g.pub.hugepage_bytes = r->hugepage_bytes;
        g.pub.cpu_policy = r->cpu_policy;
        g.pub.thread_policy = r->thread_policy;
        g.pub.overcommit_memory = r->overcommit_memory;
        place_guest_publish(&g);
        rc = place_add(s, &g, false, err);
        if (rc == 0)
            *out = &s->g[s->n - 1].pub;
    }
    place_guest_clear(&g);
    return rc;
}

static int check_request(const struct vt_place_state *s, const struct vt_place_request *r,
                         uint64_t *unit, struct vt_err *err)
{
    char sz[32];

    if (!r->name || !place_name_ok(r->name))
        return vt_err_set(err, -EINVAL,
                          "name '%s': 1 to %d letters, digits, '.', '_' or '-', not starting "
                          "with '.' or '-'",
                          r->name ? r->name : "", VT_PLACE_NAME_MAX);
    if (vt_place_guest_by_name(s, r->name))
        return vt_err_set(err, -EINVAL, "name '%s': a guest of that name is placed already",
                          r->name);
    if (r->vcpus < 1 || r->vcpus > VT_MAX_VCPUS)
        return vt_err_set(err, -EINVAL, "vcpus %u: must be 1 to %d", r->vcpus, VT_MAX_VCPUS);
    if (r->vnodes > VT_PLACE_MAX_VNODES || r->vnodes > r->vcpus)
        return vt_err_set(err, -EINVAL, "vnodes %u: must be at most the vCPUs (%u) and %d",
                          r->vnodes, r->vcpus, VT_PLACE_MAX_VNODES);
    if (r->hugepage_bytes &&
        (r->hugepage_bytes < VT_MEM_GRANULE || (r->hugepage_bytes & (r->hugepage_bytes - 1))))
        return vt_err_set(err, -EINVAL,
                          "hugepages: a page size is a power of two of 2 MiB or more");
    *unit = r->hugepage_bytes ? r->hugepage_bytes : VT_MEM_GRANULE;
    if (!r->memory_bytes || r->memory_bytes % *unit) {
        vt_size_format(sz, sizeof(sz), *unit);
        return vt_err_set(err, -EINVAL, "memory: must be a non-zero multiple of %s", sz);
    }
    if (r->cpu_policy == VT_CPU_SHARED && r->emulator_cpus)
        return vt_err_set(err, -EINVAL,
                          "emulator CPUs go with the dedicated CPU policy (shared guests' "
                          "emulators float with their vCPUs)");
    if (r->cpu_policy == VT_CPU_SHARED && r->thread_policy != VT_THREAD_PREFER)
        return vt_err_set(err, -EINVAL,
                          "thread policy %s goes with the dedicated CPU policy (shared vCPUs "
                          "float)",
                          vt_thread_policy_name(r->thread_policy));
    if (r->emulator_cpus > VT_CPU_ID_MAX)
        return vt_err_set(err, -EINVAL, "emulator CPUs %u: too many", r->emulator_cpus);
    if (r->npnodes) {
        if (r->npnodes > VT_PLACE_MAX_VNODES || r->npnodes > r->vcpus ||
            (r->vnodes && r->vnodes != r->npnodes))
            return vt_err_set(err, -EINVAL,
                              "pnodes: %zu nodes for %u vCPUs%s (at most one a vCPU, %d in all)",
                              r->npnodes, r->vcpus, r->vnodes ? " and the vnodes asked" : "",
                              VT_PLACE_MAX_VNODES);
        for (size_t j = 0; j < r->npnodes; j++) {
            int ni = place_node_index(s, r->pnodes[j]);

            if (ni < 0 || !vt_host_node(s->h, (size_t)ni)->has_cpu)
                return vt_err_set(err, -EINVAL, "pnodes: the host has no node %u with CPUs",
                                  r->pnodes[j]);
            for (size_t q = 0; q < j; q++)
                if (r->pnodes[q] == r->pnodes[j])
                    return vt_err_set(err, -EINVAL, "pnodes: node %u is given twice", r->pnodes[j]);
        }
    }
    return 0;
}

/* Why nothing fits: what the guest needs, then what each node has free. */
static int refuse(const struct req_ctx *c, unsigned kmin, unsigned kmax, struct vt_err *err)
{
    const struct vt_place_request *r = c->r;
    char mem[32], msg[VT_ERR_MSG_MAX], a[32], what[80];
    size_t len;

    vt_size_format(mem, sizeof(mem), r->memory_bytes);
    len = (size_t)snprintf(
        msg, sizeof(msg), "'%s' does not fit: %u %s vCPU%s%s and %s%s%s on ", r->name, r->vcpus,
        vt_cpu_policy_name(r->cpu_policy), r->vcpus == 1 ? "" : "s",
        r->cpu_policy == VT_CPU_DEDICATED && r->thread_policy != VT_THREAD_PREFER
            ? (r->thread_policy == VT_THREAD_ISOLATE ? " (whole cores)" : " (SMT siblings)")
            : "",
        mem, r->hugepage_bytes ? " of huge pages" : "",
        r->emulator_cpus ? " and emulator CPUs" : "");
    if (kmin == kmax)
        len +=
            (size_t)snprintf(msg + len, sizeof(msg) - len, "%u node%s", kmin, kmin == 1 ? "" : "s");
    else
        len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%u to %u nodes", kmin, kmax);
    len += (size_t)snprintf(msg + len, sizeof(msg) - len, "; free:");
    for (size_t i = 0; i < c->s->nnodes && len < sizeof(msg) - 1; i++) {
        const struct vt_place_free *f = &c->free_[i];

        if (i == 8) {
            snprintf(msg + len, sizeof(msg) - len, " ... (%zu nodes)", c->s->nnodes);
            break;
        }
        if (r->hugepage_bytes) {
            vt_size_format(a, sizeof(a), r->hugepage_bytes);
            snprintf(what, sizeof(what), "%llu %s pages", (unsigned long long)c->pages[i], a);
        } else {
            vt_size_format(what, sizeof(what), f->memory_bytes);
        }
        if (r->cpu_policy == VT_CPU_DEDICATED)
            len += (size_t)snprintf(msg + len, sizeof(msg) - len,
                                    "%s node %u %u CPU%s (%u whole core%s), %s", i ? ";" : "",
                                    f->pnode, f->dedicated_cpus, f->dedicated_cpus == 1 ? "" : "s",
                                    f->whole_cores, f->whole_cores == 1 ? "" : "s", what);
        else
            len += (size_t)snprintf(msg + len, sizeof(msg) - len,
                                    "%s node %u %u shared CPU%s with %u vCPUs, %s", i ? ";" : "",
                                    f->pnode, f->shared_cpus, f->shared_cpus == 1 ? "" : "s",
                                    f->shared_vcpus, what);
    }
    return vt_err_set(err, -ENOSPC, "%s", msg);
}

static int cmp_u64_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x < y) - (x > y);
}

int vt_place(struct vt_place_state *s, const struct vt_place_request *r,
             const struct vt_placed_guest **out, struct vt_err *err)
{
    struct req_ctx c = {s, r, 0, NULL, NULL, NULL};
    struct cand_list l = {0};
    size_t *usable = NULL, nu = 0;
    uint64_t *cv = NULL, *cu = NULL; /* the k largest capacities, summed */
    unsigned kmin, kmax;
    bool short_ = false;
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if ((rc = check_request(s, r, &c.unit, err)) < 0)
        return rc;
    c.free_ = calloc(s->nnodes + 1, sizeof(*c.free_));
    c.pages = calloc(s->nnodes + 1, sizeof(*c.pages));
    usable = calloc(s->nnodes + 1, sizeof(*usable));
    c.scratch = vt_bitmap_new();
    if (!c.free_ || !c.pages || !usable || !c.scratch) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < s->nnodes; i++) {
        vt_place_node_free(s, i, &c.free_[i]);
        if (r->hugepage_bytes)
            c.pages[i] = vt_place_node_free_pages(s, i, r->hugepage_bytes);
        /* A node that cannot take one vCPU takes no vnode. */
        if (vt_host_node(s->h, i)->has_cpu)
            usable[nu++] = i;
    }
    kmin = r->vnodes ? r->vnodes : 1;
    kmax = r->vnodes ? r->vnodes : (unsigned)(nu < r->vcpus ? nu : r->vcpus);
    if (kmax > VT_PLACE_MAX_VNODES)
        kmax = VT_PLACE_MAX_VNODES;
    rc = -ENOSPC;
    if (r->npnodes) {
        /* The caller's nodes, in its order: the one candidate. */
        struct cand cd = {.k = (unsigned)r->npnodes};

        for (size_t j = 0; j < r->npnodes; j++)
            cd.nodes[j] = (size_t)place_node_index(s, r->pnodes[j]);
        kmin = kmax = cd.k;
        if (score(&c, &cd))
            rc = commit(s, &c, &cd, out, err);
        if (rc == -ENOSPC)
            rc = refuse(&c, kmin, kmax, err);
        goto out;
    }
    /* The most any k nodes could take: the k largest capacities of each
     * kind. A size whose best k fall short has no set that holds the guest
     * (no search); all of them short is a refusal without one. */
    if (!(cv = calloc(nu + 1, sizeof(*cv))) || !(cu = calloc(nu + 1, sizeof(*cu)))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t q = 0; q < nu; q++) {
        cv[q] = cap_vcpus(&c, usable[q], 1);
        cu[q] = cap_units(&c, usable[q]);
    }
    qsort(cv, nu, sizeof(*cv), cmp_u64_desc);
    qsort(cu, nu, sizeof(*cu), cmp_u64_desc);
    for (size_t q = 1; q < nu; q++) {
        cv[q] += cv[q - 1];
        cu[q] = cu[q] > UINT64_MAX - cu[q - 1] ? UINT64_MAX : cu[q] + cu[q - 1];
    }
    short_ = !nu || cv[nu - 1] < (uint64_t)r->vcpus + r->emulator_cpus ||
             cu[nu - 1] < r->memory_bytes / c.unit;
    for (unsigned k = kmin; !short_ && k <= kmax && rc == -ENOSPC; k++) {
        if (k > nu || cv[k - 1] < (uint64_t)r->vcpus + r->emulator_cpus ||
            cu[k - 1] < r->memory_bytes / c.unit)
            continue;
        l.n = 0;
        if (candidates(&c, usable, nu, k, &l) < 0) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            break;
        }
        if (l.n)
            qsort(l.v, l.n, sizeof(*l.v), cmp_cand);
        for (size_t q = 0; q < l.n && rc == -ENOSPC; q++)
            rc = commit(s, &c, &l.v[q], out, err);
    }
    if (rc == -ENOSPC)
        rc = refuse(&c, kmin, kmax, err);
out:
    free(cv);
    free(cu);
    free(l.v);
    free(c.free_);
    free(c.pages);
    free(usable);
    vt_bitmap_free(c.scratch);
    return rc;
}

bool vt_place_guest_shape(const struct vt_placed_guest *g, struct vt_shape *shape)
{
    /* SMT siblings as the guest's threads: a socket a vnode, so vnodes of
     * unequal vCPUs keep the guest's default shape. */
    if (g->threads_per_core < 2)
        return false;
    for (size_t p = 1; p < g->nparts; p++)
        if (g->parts[p].vcpus != g->parts[0].vcpus)
            return false;
    *shape = (struct vt_shape){(unsigned)g->nparts, 0, 0, g->threads_per_core};
    return true;
}

int vt_place_guest_float_cpus(const struct vt_place_state *s, const struct vt_placed_guest *g,
                              size_t part, struct vt_bitmap **out)
{
    *out = NULL;
    if (g->cpu_policy == VT_CPU_DEDICATED || part >= g->nparts)
        return 0;
    *out = vt_place_node_shared_cpus(s, (size_t)vt_host_node_index(s->h, g->parts[part].pnode));
    return *out ? 0 : -ENOMEM;
}

int vt_place_guest_emulator_cpus(const struct vt_place_state *s, const struct vt_placed_guest *g,
                                 struct vt_bitmap **out)
{
    struct vt_bitmap *set = vt_bitmap_new(), *sh = NULL;
    bool own;

    *out = NULL;
    if (!set)
        return -ENOMEM;
    /* Its own emulator CPUs, */
    for (size_t p = 0; p < g->nparts; p++)
        if (vt_bitmap_or(set, g->parts[p].emulator) < 0)
            goto oom;
    own = !vt_bitmap_iszero(set);
    /* else the shared CPUs of its nodes (where a shared guest's vCPUs
     * float), */
    for (size_t p = 0; !own && p < g->nparts; p++) {
        size_t i = (size_t)vt_host_node_index(s->h, g->parts[p].pnode);

        if (!(sh = vt_place_node_shared_cpus(s, i)) || vt_bitmap_or(set, sh) < 0)
            goto oom;
        vt_bitmap_free(sh);
        sh = NULL;
    }
    /* else (a dedicated guest on nodes whose every CPU is held) its own
     * vCPUs' CPUs. */
    for (size_t p = 0; vt_bitmap_iszero(set) && p < g->nparts; p++)
        for (unsigned v = 0; g->parts[p].pcpus && v < g->parts[p].vcpus; v++)
            if (vt_bitmap_set(set, (unsigned)g->parts[p].pcpus[v]) < 0)
                goto oom;
    *out = set;
    return 0;
oom:
    vt_bitmap_free(sh);
    vt_bitmap_free(set);
    return -ENOMEM;
}

int vt_place_guest_request(const struct vt_place_state *s, const struct vt_placed_guest *g,
                           struct vt_request *r, struct vt_err *err)
{
    struct vt_bitmap **floats = calloc(g->nparts + 1, sizeof(*floats)), *emu = NULL;
    struct vt_shape shape;
    int *map = calloc(g->vcpus + 1, sizeof(*map));
    unsigned *pnodes = calloc(g->nparts + 1, sizeof(*pnodes));
    uint64_t *mem = calloc(g->nparts + 1, sizeof(*mem));
    int rc;

    vt_err_clear(err);
    if (!map || !pnodes || !mem || !floats) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t p = 0; p < g->nparts; p++) {
        const struct vt_place_part *pp = &g->parts[p];

        pnodes[p] = pp->pnode;
        mem[p] = pp->memory_bytes;
        for (unsigned v = 0; v < pp->vcpus; v++)
            map[pp->first_vcpu + v] = g->cpu_policy == VT_CPU_DEDICATED ? pp->pcpus[v] : (int)p;
    }
    if ((rc = vt_request_set_vcpus(r, g->vcpus, err)) < 0 ||
        (rc = vt_request_set_memory(r, g->memory_bytes, err)) < 0)
        goto out;
    if (vt_place_guest_shape(g, &shape) && (rc = vt_request_set_shape(r, &shape, err)) < 0)
        goto out;
    if (g->cpu_policy == VT_CPU_DEDICATED)
        rc = vt_request_set_pins(r, map, g->vcpus, err);
    else if ((rc = vt_request_set_vcpu_vnodes(r, map, g->vcpus, err)) == 0)
        rc = vt_request_set_vnode_pnodes(r, pnodes, g->nparts, err);
    if (rc == 0)
        rc = vt_request_set_vnode_memory(r, mem, g->nparts, err);
    /* Where its floating threads run: shared vCPUs over their nodes'
     * shared CPUs, the VMM's threads over vt_place_guest_emulator_cpus. */
    for (size_t p = 0; rc == 0 && g->cpu_policy == VT_CPU_SHARED && p < g->nparts; p++)
        if (vt_place_guest_float_cpus(s, g, p, &floats[p]) < 0)
            rc = vt_err_set(err, -ENOMEM, "out of memory");
    if (rc == 0 && g->cpu_policy == VT_CPU_SHARED)
        rc = vt_request_set_vnode_cpus(r, (const struct vt_bitmap *const *)floats, g->nparts, err);
    if (rc == 0 && vt_place_guest_emulator_cpus(s, g, &emu) < 0)
        rc = vt_err_set(err, -ENOMEM, "out of memory");
    if (rc == 0)
        rc = vt_request_set_emulator_cpus(r, VT_EMULATOR_LIST, emu, err);
out:
    for (size_t p = 0; floats && p < g->nparts; p++)
        vt_bitmap_free(floats[p]);
    free(floats);
    vt_bitmap_free(emu);
    free(map);
    free(pnodes);
    free(mem);
    return rc;
}
