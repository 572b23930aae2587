/* Unit tests: placing many guests on one host (vt_place, docs/placement.md).
 * Seeded random arrival and departure sequences on synthetic hosts of 2 to
 * 8 nodes, with and without SMT, isolated CPUs and huge pages, checked
 * after every step by a checker of the test's own that recounts everything
 * from the guests: no host CPU held twice, no node's memory, huge pages or
 * shared CPUs over capacity, every thread policy held, release giving back
 * exactly what placing took, a refusal changing nothing, the state's JSON
 * read back the same. Then the policy's choices one by one, and the state
 * file's refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/support.h"
#include "vtopo/place.h"

static const char *const hosts[] = {
    "sockets=2,cores=4,mem=32G",
    "sockets=2,cores=8,threads=2,mem=64G,hugepages=1G:8+2M:1024",
    ("sockets=2,nodes-per-socket=2,cores=8,threads=2,mem=128G,isolated=2-7,10-15,18-23,26-31,"
     "distances=10:12:21"),
    "sockets=4,nodes-per-socket=2,cores=4,mem=64G,hugepages=2M:2048,distances=10:16:32",
    "sockets=1,cores=6,threads=2,cpu-numbering=smt-last,mem=16G,free=12G",
    /* Isolation that splits cores: CPU 0's sibling is isolated, it is not. */
    "sockets=1,cores=8,threads=2,isolated=1-15,mem=16G",
    "sockets=2,cores=8,threads=2,cpu-numbering=smt-last,isolated=1-7,9-31,mem=32G",
};

/* The CPUs a part holds: run on, reserved, emulator. */
static void part_held(const struct vt_place_part *p, struct vt_bitmap *out)
{
    vt_bitmap_zero(out);
    for (unsigned v = 0; p->pcpus && v < p->vcpus; v++)
        vt_bitmap_set(out, (unsigned)p->pcpus[v]);
    vt_bitmap_or(out, p->reserved);
    vt_bitmap_or(out, p->emulator);
}

static const struct vt_host_node *node_of(const struct vt_host *h, unsigned pnode, size_t *idx)
{
    for (size_t i = 0; i < vt_host_node_count(h); i++)
        if (vt_host_node(h, i)->pnode == pnode) {
            if (idx)
                *idx = i;
            return vt_host_node(h, i);
        }
    fail_msg("no node %u", pnode);
    return NULL;
}

/* The host's dedication pool, as the documentation defines it. */
static struct vt_bitmap *pool_of(const struct vt_host *h)
{
    const struct vt_host_cpus *c = vt_host_cpus(h);
    struct vt_bitmap *iso = vt_bitmap_dup(c->online), *pool = vt_bitmap_dup(c->online);

    vt_bitmap_andnot(iso, c->housekeeping);
    if (!vt_bitmap_iszero(iso))
        vt_bitmap_copy(pool, iso);
    vt_bitmap_free(iso);
    return pool;
}

/* Every invariant, recounted from the guests (the checker owes nothing to
 * place.c). */
static void check_state(const struct vt_host *h, const struct vt_place_state *s, const char *what)
{
    size_t nn = vt_host_node_count(h);
    struct vt_bitmap *held = vt_bitmap_new(), *part = vt_bitmap_new(), *pool = pool_of(h);
    uint64_t *mem = calloc(nn, sizeof(*mem)), *pages = calloc(nn * 8, sizeof(*pages));
    unsigned *shared = calloc(nn, sizeof(*shared));

    for (size_t g = 0; g < vt_place_guest_count(s); g++) {
        const struct vt_placed_guest *pg = vt_place_guest(s, g);
        unsigned vcpus = 0;
        uint64_t bytes = 0;

        for (size_t p = 0; p < pg->nparts; p++) {
            const struct vt_place_part *pp = &pg->parts[p];
            size_t ni = 0;
            const struct vt_host_node *n = node_of(h, pp->pnode, &ni);

            for (size_t q = 0; q < p; q++)
                if (pg->parts[q].pnode == pp->pnode)
                    fail_msg("%s: guest %s has node %u twice", what, pg->name, pp->pnode);
            if (pp->first_vcpu != vcpus || !pp->vcpus)
                fail_msg("%s: guest %s part %zu starts at vCPU %u", what, pg->name, p,
                         pp->first_vcpu);
            vcpus += pp->vcpus;
            bytes += pp->memory_bytes;
            part_held(pp, part);
            if (vt_bitmap_intersects(part, held))
                fail_msg("%s: guest %s holds a host CPU another guest holds", what, pg->name);
            if (!vt_bitmap_subset(part, n->cpus) || !vt_bitmap_subset(part, pool))
                fail_msg("%s: guest %s holds a CPU off node %u or outside the pool", what, pg->name,
                         pp->pnode);
            if (pp->pcpus && vt_bitmap_weight(part) != pp->vcpus + vt_bitmap_weight(pp->reserved) +
                                                           vt_bitmap_weight(pp->emulator))
                fail_msg("%s: guest %s runs two vCPUs on one CPU", what, pg->name);
            vt_bitmap_or(held, part);
            if (pg->cpu_policy == VT_CPU_SHARED)
                shared[ni] += pp->vcpus;
            if (pg->hugepage_bytes) {
                size_t k = 0;

                while (k < n->nhugepages && n->hugepages[k].page_bytes != pg->hugepage_bytes)
                    k++;
                assert_true(k < n->nhugepages);
                pages[ni * 8 + k] += pp->memory_bytes / pg->hugepage_bytes;
            } else if (!pg->overcommit_memory) {
                mem[ni] += pp->memory_bytes;
            }
            /* The thread policies, against the host's own siblings. */
            for (unsigned v = 0; pg->cpu_policy == VT_CPU_DEDICATED && v < pp->vcpus; v++) {
                const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)pp->pcpus[v]);
                struct vt_bitmap *sib = vt_bitmap_dup(t->siblings);

                /* The whole core: every online sibling, in the pool or
                 * not (isolation may split a core). */
                vt_bitmap_and(sib, n->cpus);
                if (pg->thread_policy == VT_THREAD_ISOLATE) {
                    /* Its core's other threads: held by it, run by nobody. */
                    vt_bitmap_clear(sib, (unsigned)pp->pcpus[v]);
                    if (!vt_bitmap_subset(sib, pp->reserved))
                        fail_msg("%s: isolate guest %s shares CPU %d's core", what, pg->name,
                                 pp->pcpus[v]);
                } else if (pg->thread_policy == VT_THREAD_REQUIRE) {
                    struct vt_bitmap *mine = vt_bitmap_new();

                    part_held(pp, mine);
                    if (vt_bitmap_weight(sib) < 2 || !vt_bitmap_subset(sib, mine))
                        fail_msg("%s: require guest %s has CPU %d without its whole core", what,
                                 pg->name, pp->pcpus[v]);
                    vt_bitmap_free(mine);
                }
                vt_bitmap_free(sib);
            }
        }
        if (vcpus != pg->vcpus || bytes != pg->memory_bytes)
            fail_msg("%s: guest %s's parts hold %u vCPUs and %llu bytes, not %u and %llu", what,
                     pg->name, vcpus, (unsigned long long)bytes, pg->vcpus,
                     (unsigned long long)pg->memory_bytes);
    }
    /* Where floating threads run: a shared guest's vCPUs on their node's
     * housekeeping CPUs and on no CPU any guest holds; every guest's VMM
     * threads on no CPU another guest holds, and inside its own when it
     * holds them. */
    for (size_t g = 0; g < vt_place_guest_count(s); g++) {
        const struct vt_placed_guest *pg = vt_place_guest(s, g);
        struct vt_bitmap *f = NULL, *mine = vt_bitmap_new(), *others = vt_bitmap_dup(held);

        for (size_t p = 0; p < pg->nparts; p++) {
            part_held(&pg->parts[p], part);
            vt_bitmap_or(mine, part);
            assert_int_equal(vt_place_guest_float_cpus(s, pg, p, &f), 0);
            if (pg->cpu_policy == VT_CPU_DEDICATED) {
                assert_null(f);
                continue;
            }
            if (!f || vt_bitmap_iszero(f) || vt_bitmap_intersects(f, held) ||
                !vt_bitmap_subset(f, node_of(h, pg->parts[p].pnode, NULL)->housekeeping_cpus))
                fail_msg("%s: shared guest %s's vnode %zu floats on a held CPU, off its node's "
                         "housekeeping ones, or on none",
                         what, pg->name, p);
            vt_bitmap_free(f);
        }
        vt_bitmap_andnot(others, mine);
        assert_int_equal(vt_place_guest_emulator_cpus(s, pg, &f), 0);
        if (vt_bitmap_iszero(f) || vt_bitmap_intersects(f, others))
            fail_msg("%s: guest %s's VMM threads run on another guest's CPU, or on none", what,
                     pg->name);
        if (!vt_bitmap_iszero(pg->parts[0].emulator) && !vt_bitmap_equal(f, pg->parts[0].emulator))
            fail_msg("%s: guest %s's VMM threads are not on its emulator CPUs", what, pg->name);
        vt_bitmap_free(f);
        vt_bitmap_free(mine);
        vt_bitmap_free(others);
    }
    for (size_t i = 0; i < nn; i++) {
        const struct vt_host_node *n = vt_host_node(h, i);
        struct vt_bitmap *sh = vt_bitmap_dup(n->housekeeping_cpus);
        uint64_t pools = 0;

        for (size_t k = 0; k < n->nhugepages; k++) {
            pools += n->hugepages[k].total * n->hugepages[k].page_bytes;
            if (pages[i * 8 + k] > n->hugepages[k].total)
                fail_msg("%s: node %u: %llu huge pages of a pool of %llu", what, n->pnode,
                         (unsigned long long)pages[i * 8 + k],
                         (unsigned long long)n->hugepages[k].total);
        }
        if (mem[i] > n->memory_bytes - pools)
            fail_msg("%s: node %u holds %llu bytes of %llu", what, n->pnode,
                     (unsigned long long)mem[i], (unsigned long long)(n->memory_bytes - pools));
        vt_bitmap_andnot(sh, held);
        if (shared[i] > vt_place_state_shared_ratio(s) * vt_bitmap_weight(sh))
            fail_msg("%s: node %u: %u shared vCPUs on %u CPUs", what, n->pnode, shared[i],
                     vt_bitmap_weight(sh));
        vt_bitmap_free(sh);
    }
    free(mem);
    free(pages);
    free(shared);
    vt_bitmap_free(held);
    vt_bitmap_free(part);
    vt_bitmap_free(pool);
}

static char *state_json(const struct vt_place_state *s)
{
    char *j = NULL;
    struct vt_err err;

    if (vt_place_state_to_json(s, &j, &err) < 0)
        fail_msg("%s", err.msg);
    return j;
}

static void free_of(const struct vt_place_state *s, size_t nn, struct vt_place_free *f,
                    uint64_t *pages)
{
    for (size_t i = 0; i < nn; i++) {
        vt_place_node_free(s, i, &f[i]);
        pages[i] =
            vt_place_node_free_pages(s, i, 1u << 30) + vt_place_node_free_pages(s, i, 2u << 20);
    }
}

static void random_request(const struct vt_host *h, struct vt_place_request *r, char *name,
                           unsigned id)
{
    static unsigned pn[2];
    static const uint64_t hp[] = {0, 0, 0, 2u << 20, 1u << 30};

    snprintf(name, 32, "g%u", id);
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->vcpus = 1 + (unsigned)rand() % (rand() % 4 ? 6 : 20);
    r->hugepage_bytes = hp[rand() % 5];
    r->memory_bytes = (uint64_t)(1 + rand() % 12) << (r->hugepage_bytes >= (1u << 30) ? 30 : 29);
    if (r->hugepage_bytes == 0 && rand() % 3 == 0)
        r->memory_bytes = (uint64_t)(1 + rand() % 64) << 21;
    r->cpu_policy = rand() % 2 ? VT_CPU_DEDICATED : VT_CPU_SHARED;
    if (r->cpu_policy == VT_CPU_DEDICATED) {
        r->thread_policy = (enum vt_thread_policy)(rand() % 3);
        r->emulator_cpus = rand() % 5 == 0 ? 1 : 0;
    }
    r->vnodes = rand() % 6 == 0 ? 1 + (unsigned)rand() % 3 : 0;
    if (r->vnodes > r->vcpus)
        r->vnodes = r->vcpus;
    r->overcommit_memory = rand() % 10 == 0;
    if (rand() % 8 == 0) {
        /* The caller's nodes: one or two of the host's, in any order. */
        size_t nn = vt_host_node_count(h), a = (size_t)rand() % nn, b = (size_t)rand() % nn;

        pn[0] = vt_host_node(h, a)->pnode;
        pn[1] = vt_host_node(h, b)->pnode;
        r->pnodes = pn;
        r->npnodes = a != b && r->vcpus >= 2 ? 2 : 1;
        r->vnodes = 0;
    }
}

static void test_random_sequences(void **state)
{
    unsigned seed = t_seed("test_random_sequences"), placed = 0, refused = 0, released = 0;

    (void)state;
    for (size_t hi = 0; hi < sizeof(hosts) / sizeof(hosts[0]); hi++) {
        struct vt_host *h = t_synthetic(hosts[hi]);
        size_t nn = vt_host_node_count(h);

        for (int seq = 0; seq < 12; seq++) {
            struct vt_place_state *s = NULL;
            struct vt_err err;
            unsigned id = 0;

            assert_int_equal(vt_place_state_new(h, 1 + (unsigned)rand() % 4, &s, &err), 0);
            for (int step = 0; step < 120; step++) {
                char what[160], name[32];

                snprintf(what, sizeof(what), "seed %u host '%s' sequence %d step %d", seed,
                         hosts[hi], seq, step);
                if (vt_place_guest_count(s) && rand() % 3 == 0) {
                    /* A departure: release gives back exactly what placing took. */
                    size_t k = (size_t)rand() % vt_place_guest_count(s);
                    char *gone = strdup(vt_place_guest(s, k)->name);

                    assert_int_equal(vt_place_release(s, gone, &err), 0);
                    assert_int_equal(vt_place_release(s, gone, &err), -ENOENT);
                    free(gone);
                    released++;
                } else {
                    struct vt_place_request r;
                    struct vt_place_free before[8], after[8];
                    uint64_t pb[8], pa[8];
                    const struct vt_placed_guest *g = NULL;
                    char *j0 = state_json(s), *j1;
                    int rc;

                    random_request(h, &r, name, id++);
                    free_of(s, nn, before, pb);
                    rc = vt_place(s, &r, &g, &err);
                    if (rc == 0 && r.npnodes)
                        for (size_t q = 0; q < r.npnodes; q++)
                            assert_int_equal(g->parts[q].pnode, r.pnodes[q]);
                    if (rc == -ENOSPC || rc == -EINVAL) {
                        /* Refused: nothing changed; the message says why. */
                        j1 = state_json(s);
                        assert_string_equal(j0, j1);
                        free(j1);
                        assert_true(strlen(err.msg) > 10);
                        refused++;
                    } else {
                        assert_int_equal(rc, 0);
                        assert_string_equal(g->name, name);
                        placed++;
                        if (rand() % 4 == 0) {
                            assert_int_equal(vt_place_release(s, name, &err), 0);
                            free_of(s, nn, after, pa);
                            assert_memory_equal(before, after, nn * sizeof(before[0]));
                            assert_memory_equal(pb, pa, nn * sizeof(pb[0]));
                            j1 = state_json(s);
                            assert_string_equal(j0, j1);
                            free(j1);
                        }
                    }
                    free(j0);
                }
                check_state(h, s, what);
                /* The JSON reads back as the same state. */
                if (step % 10 == 0) {
                    char *j = state_json(s), *k;
                    struct vt_place_state *back = NULL;

                    if (vt_place_state_parse(h, j, strlen(j), "state.json", &back, &err) < 0)
                        fail_msg("%s: %s", what, err.msg);
                    k = state_json(back);
                    assert_string_equal(j, k);
                    free(j);
                    free(k);
                    vt_place_state_free(back);
                }
            }
            vt_place_state_free(s);
        }
        vt_host_free(h);
    }
    printf("test_random_sequences: %u placed, %u refused, %u released\n", placed, refused,
           released);
    assert_true(placed > 500 && refused > 50);
}

static const struct vt_placed_guest *place(struct vt_place_state *s, const char *name,
                                           unsigned vcpus, uint64_t mem, enum vt_cpu_policy cp,
                                           enum vt_thread_policy tp)
{
    struct vt_place_request r = {name, vcpus, mem, 0, 0, cp, tp, 0, false, NULL, 0};
    const struct vt_placed_guest *g = NULL;
    struct vt_err err;

    if (vt_place(s, &r, &g, &err) < 0)
        fail_msg("%s: %s", name, err.msg);
    return g;
}

/* The policy's choices: fewest nodes, the nearest, the tightest fit, whole
 * cores, an uneven split rather than a refusal. */
static void test_policy(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,nodes-per-socket=2,cores=16,threads=2,mem=64G,"
                                    "distances=10:12:21");
    struct vt_place_state *s = NULL;
    const struct vt_placed_guest *g;
    struct vt_place_request r = {0};
    struct vt_err err;

    (void)state;
    assert_int_equal(vt_place_state_new(h, 0, &s, &err), 0);
    /* One node holds it: one node. */
    g = place(s, "a", 4, 8ull << 30, VT_CPU_SHARED, VT_THREAD_PREFER);
    assert_int_equal(g->nparts, 1);
    assert_int_equal(g->parts[0].pnode, 0);
    /* The tightest fit: node 0 (8 GiB left) before the empty nodes. */
    g = place(s, "b", 2, 6ull << 30, VT_CPU_SHARED, VT_THREAD_PREFER);
    assert_int_equal(g->parts[0].pnode, 0);
    /* Two nodes needed (16 GiB a node, node 0 has 2 left): the nearest pair
     * that holds it, 2 and 3 of one socket (distance 12), not 1 and 2 (21). */
    g = place(s, "c", 16, 28ull << 30, VT_CPU_DEDICATED, VT_THREAD_PREFER);
    assert_int_equal(g->nparts, 2);
    assert_int_equal(g->parts[0].pnode, 2);
    assert_int_equal(g->parts[1].pnode, 3);
    /* isolate: a core a vCPU, the sibling held idle. */
    assert_int_equal(vt_place_release(s, "c", &err), 0);
    g = place(s, "d", 2, 2ull << 30, VT_CPU_DEDICATED, VT_THREAD_ISOLATE);
    assert_int_equal(vt_bitmap_weight(g->parts[0].reserved), 2);
    assert_false(vt_bitmap_isset(g->parts[0].reserved, (unsigned)g->parts[0].pcpus[0]));
    /* prefer fills whole cores: 2 vCPUs on one core's two threads. */
    g = place(s, "e", 2, 2ull << 30, VT_CPU_DEDICATED, VT_THREAD_PREFER);
    assert_int_equal(g->parts[0].pcpus[0] / 2, g->parts[0].pcpus[1] / 2);
    assert_int_equal(g->threads_per_core, 2);
    vt_place_state_free(s);
    vt_host_free(h);

    /* require on a host without SMT: refused, saying so. */
    h = t_synthetic("sockets=1,cores=8,mem=16G");
    assert_int_equal(vt_place_state_new(h, 0, &s, &err), 0);
    r = (struct vt_place_request){"f", 2,     1ull << 30, 0, 0, VT_CPU_DEDICATED, VT_THREAD_REQUIRE,
                                  0,   false, NULL,       0};
    assert_int_equal(vt_place(s, &r, &g, &err), -ENOSPC);
    assert_non_null(strstr(err.msg, "SMT siblings"));
    vt_place_state_free(s);
    vt_host_free(h);

    /* 40 GiB where node 0 has 16 and node 1 24: split 16 + 24, not refused
     * for an even 20 + 20. */
    h = t_synthetic("sockets=2,cores=8,mem=48G");
    assert_int_equal(vt_place_state_new(h, 0, &s, &err), 0);
    place(s, "g", 2, 8ull << 30, VT_CPU_SHARED, VT_THREAD_PREFER);
    g = place(s, "h", 8, 40ull << 30, VT_CPU_SHARED, VT_THREAD_PREFER);
    assert_int_equal(g->nparts, 2);
    assert_int_equal(g->parts[0].memory_bytes + g->parts[1].memory_bytes, 40ull << 30);
    assert_true(g->parts[0].memory_bytes == 16ull << 30 || g->parts[1].memory_bytes == 16ull << 30);
    /* Bad requests: one sentence naming the field. */
    r = (struct vt_place_request){"h", 2,     1ull << 30, 0, 0, VT_CPU_SHARED, VT_THREAD_PREFER,
                                  0,   false, NULL,       0};
    assert_int_equal(vt_place(s, &r, &g, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "placed already"));
    r.name = "bad name";
    assert_int_equal(vt_place(s, &r, &g, &err), -EINVAL);
    r.name = "i";
    r.memory_bytes = 3ull << 20;
    assert_int_equal(vt_place(s, &r, &g, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "multiple of 2 MiB"));
    r.memory_bytes = 1ull << 30;
    r.emulator_cpus = 1;
    assert_int_equal(vt_place(s, &r, &g, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "dedicated"));
    vt_place_state_free(s);
    vt_host_free(h);
}

/* text with the first from (at offset off) replaced by to (malloc'd). */
static char *edit(const char *text, size_t off, size_t fromlen, const char *to)
{
    size_t n = strlen(text), tl = strlen(to);
    char *out = malloc(n - fromlen + tl + 1);

    memcpy(out, text, off);
    memcpy(out + off, to, tl);
    memcpy(out + off + tl, text + off + fromlen, n - off - fromlen + 1);
    return out;
}

/* Where what is in text from offset from on; fails the test when nowhere. */
static size_t offset_of(const char *text, const char *what, size_t from)
{
    size_t n = strlen(what);

    for (size_t i = from; text[i]; i++)
        if (!strncmp(text + i, what, n))
            return i;
    fail_msg("'%s' is not in the state", what);
    return 0;
}

/* A state file: each refusal names the file, the field and the rule. */
static void test_state_file(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=4,threads=2,mem=16G"),
                   *other = t_synthetic("sockets=2,cores=4,mem=16G");
    struct vt_place_state *s = NULL, *back = NULL;
    struct vt_err err;
    char *j, *bad;
    static const struct {
        const char *from, *to, *says;
    } edits[] = {
        {"\"vcpus\": 2,", "\"vcpus\": 3,", "the parts have 2 vCPUs, the guest 3"},
        {"\"cpu_policy\": \"dedicated\"", "\"cpu_policy\": \"fast\"", "cpu_policy must be"},
        {"\"format\": \"vtopo-place-state\"", "\"format\": \"x\"", "format is 'x'"},
        {"\"version\": 1", "\"version\": 2", "version: must be 1"},
        {"\"name\": \"b\"", "\"name\": \"a\"", "a guest named 'a' is placed already"},
        {"\"shared_ratio\": 4", "\"shared_ratio\": 0", "shared_ratio: must be at least 1"},
    };

    (void)state;
    assert_int_equal(vt_place_state_new(h, 0, &s, &err), 0);
    place(s, "a", 2, 1ull << 30, VT_CPU_DEDICATED, VT_THREAD_PREFER);
    place(s, "b", 2, 1ull << 30, VT_CPU_DEDICATED, VT_THREAD_PREFER);
    j = state_json(s);
    /* Another host's. */
    assert_int_equal(vt_place_state_parse(other, j, strlen(j), "st.json", &back, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "st.json: the state is of another host"));
    /* Cut short anywhere: refused, never half read. */
    for (size_t cut = 0; cut < strlen(j) - 2; cut += 7) {
        assert_int_not_equal(vt_place_state_parse(h, j, cut, "st.json", &back, &err), 0);
        assert_null(back);
        assert_non_null(strstr(err.msg, "st.json"));
    }
    for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++) {
        bad = edit(j, offset_of(j, edits[e].from, 0), strlen(edits[e].from), edits[e].to);
        assert_int_equal(vt_place_state_parse(h, bad, strlen(bad), "st.json", &back, &err),
                         -EINVAL);
        if (!strstr(err.msg, edits[e].says))
            fail_msg("edit %zu: '%s' does not say '%s'", e, err.msg, edits[e].says);
        free(bad);
    }
    /* b's first CPU made a's: double booking is refused. */
    {
        size_t off = offset_of(j, "\"pcpus\": [", offset_of(j, "\"name\": \"b\"", 0)) +
                     strlen("\"pcpus\": [");
        const struct vt_placed_guest *a = vt_place_guest_by_name(s, "a");
        char num[16];

        off += strspn(j + off, " \n");
        snprintf(num, sizeof(num), "%d", a->parts[0].pcpus[0]);
        bad = edit(j, off, strspn(j + off, "0123456789"), num);
        assert_int_equal(vt_place_state_parse(h, bad, strlen(bad), "st.json", &back, &err),
                         -EINVAL);
        assert_non_null(strstr(err.msg, "which guest 'a' holds"));
        free(bad);
    }
    /* The same machine with other CPUs isolated (or a device more): the
     * same topology, so its state still reads, guests where they were. */
    {
        struct vt_host *iso = t_synthetic("sockets=2,cores=4,threads=2,mem=16G,isolated=8-15,"
                                          "devices=nvme@1:4");

        if (vt_place_state_parse(iso, j, strlen(j), "st.json", &back, &err) < 0)
            fail_msg("isolation changed: %s", err.msg);
        assert_int_equal(vt_place_guest_count(back), 2);
        assert_int_equal(vt_place_release(back, "a", &err), 0);
        vt_place_state_free(back);
        vt_host_free(iso);
    }
    free(j);
    vt_place_state_free(s);
    vt_host_free(h);
    vt_host_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_random_sequences),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
