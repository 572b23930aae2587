/* Unit tests: the interrupt planner (plan/irq_plan.c) over seeded random
 * event sequences — devices added and removed, CPUs going offline, online,
 * isolated and back — each re-planned incrementally from the last plan:
 * locality (a vector on a housekeeping CPU of its device's node, of any node
 * for an unknown node, of the nearest node for a node without one), never an
 * isolated or offline CPU, no unnecessary move (a moved vector's old CPU is
 * no longer eligible; every other vector stays), the balance bound (on each
 * node, a CPU holding a planned vector has at most one vector more than the
 * node's least loaded CPU) for fresh and rebalanced plans; each event
 * applied in place to a plan that lives on (vt_irq_plan_event) gives the
 * plan vt_irq_plan_make gives, flags, counts and warnings included; events
 * refused leave the plan as it was; and the plan file round trip. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/irq_state.h"
#include "unit/support.h"
#include "vtopo/irq.h"

#define MAX_DEV 12
#define MAX_CPU 32

struct world {
    unsigned sockets, cores, threads, ncpu;
    bool offline[MAX_CPU], isolated[MAX_CPU];
    struct {
        bool present;
        int node;
        unsigned vectors, managed_from, managed_to; /* [from, to) managed */
        unsigned bus;
    } dev[MAX_DEV];
};

static void cpulist(char *buf, size_t size, const bool *set, unsigned n)
{
    size_t k = 0;

    buf[0] = '\0';
    for (unsigned c = 0; c < n && k + 8 < size; c++)
        if (set[c])
            k += (size_t)snprintf(buf + k, size - k, "%s%u", k ? "," : "", c);
}

static struct vt_host *world_host(const struct world *w)
{
    char spec[1024], iso[256], off[256];
    struct vt_host_source src = {VT_HOST_SYNTHETIC, spec, NULL, true};
    struct vt_host *h = NULL;
    struct vt_err err;

    cpulist(iso, sizeof(iso), w->isolated, w->ncpu);
    cpulist(off, sizeof(off), w->offline, w->ncpu);
    snprintf(spec, sizeof(spec), "sockets=%u,cores=%u,threads=%u%s%s%s%s", w->sockets, w->cores,
             w->threads, *iso ? ",isolated=" : "", iso, *off ? ",offline=" : "", off);
    if (vt_host_load(&src, &h, &err) < 0)
        fail_msg("%s: %s", spec, err.msg);
    return h;
}

/* The state: each present device's vectors, the managed ones on a CPU of
 * theirs (the kernel's: here round-robin over the online CPUs). */
static struct vt_irq_state *world_state(const struct world *w, const struct vt_host *h)
{
    const struct vt_bitmap *online = vt_host_cpus(h)->online;
    struct vt_irq_state *s = irq_state_new("test");
    struct vt_err err;
    unsigned n = 0;

    assert_non_null(s);
    s->cpu_ids = malloc(MAX_CPU * sizeof(unsigned));
    for (int c = vt_bitmap_first(online); c >= 0; c = vt_bitmap_next(online, c)) {
        s->cpu_ids[n++] = (unsigned)c;
        vt_bitmap_set(s->cpus, (unsigned)c);
    }
    s->ncpus = n;
    for (unsigned d = 0; d < MAX_DEV; d++) {
        if (!w->dev[d].present)
            continue;
        for (unsigned k = 0; k < w->dev[d].vectors; k++) {
            struct irq_entry *e = irq_state_add(s, 24 + w->dev[d].bus * 16 + k);
            char bdf[32];

            assert_non_null(e);
            snprintf(bdf, sizeof(bdf), "0000:%02x:00.0", w->dev[d].bus);
            e->chip = strdup("PCI-MSIX");
            e->bdf = strdup(bdf);
            e->pub.index = (int)k;
            e->pub.node = w->dev[d].node;
            e->affinity = vt_bitmap_new();
            if (k >= w->dev[d].managed_from && k < w->dev[d].managed_to) {
                /* The kernel's: a CPU of its own, moved only when the
                 * online CPUs change. */
                unsigned c = s->cpu_ids[(w->dev[d].bus * 7 + k) % n];

                e->pub.managed = VT_IRQ_MANAGED_YES;
                vt_bitmap_set(e->affinity, c);
                e->effective = vt_bitmap_dup(e->affinity);
            } else {
                e->pub.managed = VT_IRQ_MANAGED_NO;
                vt_bitmap_copy(e->affinity, online);
            }
        }
    }
    s->managed_known = true;
    if (irq_state_finalize(s, &err) < 0)
        fail_msg("%s", err.msg);
    return s;
}

/* The CPUs a device of pnode may use: the node's housekeeping CPUs, or the
 * nearest node's that has some, or all of them for an unknown node. */
static void eligible(const struct vt_host *h, int pnode, struct vt_bitmap *out)
{
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    uint32_t best = UINT32_MAX;

    vt_bitmap_zero(out);
    if (pnode < 0) {
        vt_bitmap_copy(out, hc->housekeeping);
        return;
    }
    if (!vt_bitmap_iszero(
            vt_host_node(h, (size_t)vt_host_node_index(h, (unsigned)pnode))->housekeeping_cpus)) {
        vt_bitmap_copy(
            out,
            vt_host_node(h, (size_t)vt_host_node_index(h, (unsigned)pnode))->housekeeping_cpus);
        return;
    }
    for (size_t i = 0; i < vt_host_node_count(h); i++) {
        const struct vt_host_node *n = vt_host_node(h, i);
        uint32_t d = vt_host_distance(h, (unsigned)pnode, n->pnode);

        if (!vt_bitmap_iszero(n->housekeeping_cpus) && d < best) {
            best = d;
            vt_bitmap_copy(out, n->housekeeping_cpus);
        }
    }
}

static void check_plan(unsigned seed, int seq, int step, const struct vt_host *h,
                       const struct vt_irq_plan *p, const struct vt_irq_plan *prev, bool balanced)
{
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    struct vt_bitmap *e = vt_bitmap_new();

    for (size_t i = 0; i < vt_irq_plan_count(p); i++) {
        const struct vt_irq_planned *v = vt_irq_plan_vector(p, i);
        const struct vt_irq_planned *was = NULL;

        if (v->managed)
            continue;
        eligible(h, v->node, e);
        if (v->cpu < 0 || !vt_bitmap_isset(e, (unsigned)v->cpu))
            fail_msg("seed %u seq %d step %d: %s vector %u on CPU %d, outside its node %d's "
                     "housekeeping CPUs",
                     seed, seq, step, v->bdf, v->index, v->cpu, v->node);
        if (vt_bitmap_isset(hc->isolated, (unsigned)v->cpu) ||
            !vt_bitmap_isset(hc->online, (unsigned)v->cpu))
            fail_msg("seed %u seq %d step %d: CPU %d is isolated or offline", seed, seq, step,
                     v->cpu);
        for (size_t k = 0; prev && k < vt_irq_plan_count(prev); k++)
            if (!strcmp(vt_irq_plan_vector(prev, k)->bdf, v->bdf) &&
                vt_irq_plan_vector(prev, k)->index == v->index)
                was = vt_irq_plan_vector(prev, k);
        if (prev && !balanced) {
            bool could_stay = was && vt_bitmap_isset(e, (unsigned)was->cpu);

            if (could_stay && v->cpu != was->cpu)
                fail_msg("seed %u seq %d step %d: %s vector %u moved from CPU %d, still "
                         "eligible, to %d",
                         seed, seq, step, v->bdf, v->index, was->cpu, v->cpu);
            if (v->moved != (was && !could_stay) || v->placed != !was)
                fail_msg("seed %u seq %d step %d: %s vector %u: moved %d placed %d wrong", seed,
                         seq, step, v->bdf, v->index, v->moved, v->placed);
        }
    }
    if (balanced || !prev)
        for (size_t n = 0; n < vt_host_node_count(h); n++) {
            const struct vt_bitmap *hk = vt_host_node(h, n)->housekeeping_cpus;
            unsigned lo = ~0u;

            for (int c = vt_bitmap_first(hk); c >= 0; c = vt_bitmap_next(hk, c))
                if (vt_irq_plan_cpu_load(p, (unsigned)c) < lo)
                    lo = vt_irq_plan_cpu_load(p, (unsigned)c);
            for (size_t i = 0; i < vt_irq_plan_count(p); i++) {
                const struct vt_irq_planned *v = vt_irq_plan_vector(p, i);

                if (!v->managed && vt_bitmap_isset(hk, (unsigned)v->cpu) &&
                    vt_irq_plan_cpu_load(p, (unsigned)v->cpu) > lo + 1)
                    fail_msg("seed %u seq %d step %d: CPU %d has %u vectors, node %u's least "
                             "loaded %u",
                             seed, seq, step, v->cpu, vt_irq_plan_cpu_load(p, (unsigned)v->cpu),
                             vt_host_node(h, n)->pnode, lo);
            }
        }
    vt_bitmap_free(e);
}

static void event(struct world *w)
{
    unsigned c = (unsigned)rand() % w->ncpu, d = (unsigned)rand() % MAX_DEV, nhk = 0;

    for (unsigned i = 0; i < w->ncpu; i++)
        nhk += !w->offline[i] && !w->isolated[i];
    switch (rand() % 6) {
    case 0:
    case 1: /* add */
        if (!w->dev[d].present) {
            w->dev[d].present = true;
            w->dev[d].node = rand() % 4 == 0 ? -1 : (int)((unsigned)rand() % w->sockets);
            w->dev[d].vectors = 1 + (unsigned)rand() % 9;
            w->dev[d].managed_from = rand() % 2 ? 1 : w->dev[d].vectors;
            w->dev[d].managed_to = w->dev[d].vectors;
            /* A bus no device has: new devices also land between others. */
            for (bool taken = true; taken;) {
                w->dev[d].bus = 1 + (unsigned)rand() % 200;
                taken = false;
                for (unsigned o = 0; o < MAX_DEV; o++)
                    taken |= o != d && w->dev[o].present && w->dev[o].bus == w->dev[d].bus;
            }
        }
        break;
    case 2: /* remove */
        w->dev[d].present = false;
        break;
    case 3: /* offline (CPU 0 stays, one housekeeping CPU at least) */
        if (c && nhk > 1)
            w->offline[c] = true;
        break;
    case 4: /* isolate */
        if (nhk > 1 && !w->offline[c])
            w->isolated[c] = true;
        break;
    default: /* back */
        w->offline[c] = w->isolated[c] = false;
        break;
    }
}

/* The event the world's last change was, for vt_irq_plan_event (a change
 * that changed nothing: CPU 0, which moves nothing). */
static struct vt_irq_event what_changed(const struct world *was, const struct world *w, char *bdf)
{
    for (unsigned d = 0; d < MAX_DEV; d++)
        if (was->dev[d].present != w->dev[d].present) {
            snprintf(bdf, 32, "0000:%02x:00.0",
                     w->dev[d].present ? w->dev[d].bus : was->dev[d].bus);
            return (struct vt_irq_event){w->dev[d].present ? VT_IRQ_EVENT_DEVICE_ADDED
                                                           : VT_IRQ_EVENT_DEVICE_REMOVED,
                                         bdf, 0};
        }
    for (unsigned c = 0; c < w->ncpu; c++)
        if (was->offline[c] != w->offline[c] || was->isolated[c] != w->isolated[c])
            return (struct vt_irq_event){VT_IRQ_EVENT_CPU_CHANGED, NULL, c};
    return (struct vt_irq_event){VT_IRQ_EVENT_CPU_CHANGED, NULL, 0};
}

/* The plan an event made in place equals vt_irq_plan_make's from the plan
 * before it. */
static void same_plan(unsigned seed, int seq, int step, const struct vt_irq_plan *a,
                      const struct vt_irq_plan *b)
{
    if (vt_irq_plan_count(a) != vt_irq_plan_count(b))
        fail_msg("seed %u seq %d step %d: %zu vectors made, %zu in place", seed, seq, step,
                 vt_irq_plan_count(a), vt_irq_plan_count(b));
    for (size_t i = 0; i < vt_irq_plan_count(a); i++) {
        const struct vt_irq_planned *x = vt_irq_plan_vector(a, i), *y = vt_irq_plan_vector(b, i);

        if (strcmp(x->bdf, y->bdf) || x->index != y->index || x->cpu != y->cpu ||
            x->managed != y->managed || x->moved != y->moved || x->placed != y->placed ||
            x->node != y->node || x->irq != y->irq)
            fail_msg("seed %u seq %d step %d: vector %zu: made %s/%u cpu %d moved %d placed %d, "
                     "in place %s/%u cpu %d moved %d placed %d",
                     seed, seq, step, i, x->bdf, x->index, x->cpu, x->moved, x->placed, y->bdf,
                     y->index, y->cpu, y->moved, y->placed);
    }
    for (unsigned c = 0; c < MAX_CPU; c++)
        if (vt_irq_plan_cpu_load(a, c) != vt_irq_plan_cpu_load(b, c))
            fail_msg("seed %u seq %d step %d: CPU %u load %u made, %u in place", seed, seq, step, c,
                     vt_irq_plan_cpu_load(a, c), vt_irq_plan_cpu_load(b, c));
    if (vt_irq_plan_moves(a) != vt_irq_plan_moves(b) ||
        vt_irq_plan_placed(a) != vt_irq_plan_placed(b) ||
        vt_irq_plan_dropped(a) != vt_irq_plan_dropped(b))
        fail_msg("seed %u seq %d step %d: counts %zu/%zu/%zu made, %zu/%zu/%zu in place", seed, seq,
                 step, vt_irq_plan_moves(a), vt_irq_plan_placed(a), vt_irq_plan_dropped(a),
                 vt_irq_plan_moves(b), vt_irq_plan_placed(b), vt_irq_plan_dropped(b));
    if (!vt_bitmap_equal(vt_irq_plan_cpus(a), vt_irq_plan_cpus(b)) ||
        strcmp(vt_irq_plan_host(a), vt_irq_plan_host(b)) ||
        strcmp(vt_irq_plan_state(a), vt_irq_plan_state(b)))
        fail_msg("seed %u seq %d step %d: CPUs or fingerprints differ", seed, seq, step);
    if (vt_irq_plan_warning_count(a) != vt_irq_plan_warning_count(b))
        fail_msg("seed %u seq %d step %d: %zu warnings made, %zu in place", seed, seq, step,
                 vt_irq_plan_warning_count(a), vt_irq_plan_warning_count(b));
    for (size_t i = 0; i < vt_irq_plan_warning_count(a); i++)
        if (strcmp(vt_irq_plan_warning(a, i), vt_irq_plan_warning(b, i)))
            fail_msg("seed %u seq %d step %d: warning '%s' made, '%s' in place", seed, seq, step,
                     vt_irq_plan_warning(a, i), vt_irq_plan_warning(b, i));
}

/* The plan files of both, but for the vectors' current masks (an event
 * refreshes only those it touches): every other member equal, and every
 * mask still readable. */
static void same_json(unsigned seed, int seq, int step, const struct vt_irq_plan *a,
                      const struct vt_irq_plan *b)
{
    char *ja, *jb;
    struct vt_err err;

    assert_int_equal(vt_irq_plan_to_json(a, &ja, &err), 0);
    assert_int_equal(vt_irq_plan_to_json(b, &jb, &err), 0);
    for (char *j = ja; j; j = j == ja ? jb : NULL)
        for (char *c = strstr(j, "\"current\": "); c; c = strstr(c, "\"current\": ")) {
            char *eol = strchr(c, '\n');

            memmove(c, eol, strlen(eol) + 1);
        }
    if (strcmp(ja, jb))
        fail_msg("seed %u seq %d step %d: the plan files differ:\n%s\n---\n%s", seed, seq, step, ja,
                 jb);
    free(ja);
    free(jb);
}

static void test_random_events(void **state)
{
    unsigned seed = t_seed("test_random_events");

    (void)state;
    for (int seq = 0; seq < 300; seq++) {
        struct world w = {0};
        struct vt_irq_plan *prev = NULL, *live = NULL;

        w.sockets = 1 + (unsigned)rand() % 4;
        w.cores = 1 + (unsigned)rand() % 3;
        w.threads = 1 + (unsigned)rand() % 2;
        w.ncpu = w.sockets * w.cores * w.threads;
        for (int step = 0; step < 12; step++) {
            struct vt_host *h;
            struct vt_irq_state *s;
            struct vt_irq_plan *p, *r;
            struct vt_irq_plan_options o = {NULL, prev, false};
            struct vt_err err;
            struct world was = w;
            struct vt_irq_event ev;
            char bdf[32];

            event(&w);
            h = world_host(&w);
            s = world_state(&w, h);
            if (vt_irq_plan_make(h, s, &o, &p, &err) < 0)
                fail_msg("seed %u seq %d step %d: %s", seed, seq, step, err.msg);
            check_plan(seed, seq, step, h, p, prev, false);
            /* The same event in place on the plan that lives on. */
            ev = what_changed(&was, &w, bdf);
            if (!live) {
                struct vt_irq_plan_options fresh = {0};

                if (vt_irq_plan_make(h, s, &fresh, &live, &err) < 0)
                    fail_msg("seed %u seq %d step %d: %s", seed, seq, step, err.msg);
            } else if (vt_irq_plan_event(live, h, s, &ev, NULL, &err) < 0) {
                fail_msg("seed %u seq %d step %d: event %d: %s", seed, seq, step, (int)ev.kind,
                         err.msg);
            } else {
                same_plan(seed, seq, step, p, live);
                same_json(seed, seq, step, p, live);
            }
            o.rebalance = true;
            if (prev) {
                if (vt_irq_plan_make(h, s, &o, &r, &err) < 0)
                    fail_msg("seed %u seq %d step %d: %s", seed, seq, step, err.msg);
                check_plan(seed, seq, step, h, r, prev, true);
                vt_irq_plan_free(r);
            }
            vt_irq_plan_free(prev);
            prev = p;
            vt_irq_state_free(s);
            vt_host_free(h);
        }
        vt_irq_plan_free(prev);
        vt_irq_plan_free(live);
    }
}

/* A small world: 2 sockets of 2 cores of 2 threads, a device of 5 vectors
 * (4 managed) on node 1 and one of 3 (none managed) of unknown node. */
static struct world two_devices(void)
{
    struct world w = {.sockets = 2, .cores = 2, .threads = 2, .ncpu = 8};

    w.dev[0] = (typeof(w.dev[0])){true, 1, 5, 1, 5, 1};
    w.dev[1] = (typeof(w.dev[1])){true, -1, 3, 3, 3, 2};
    return w;
}

/* The plan file: save, load, and the loaded plan is the previous of an
 * unchanged state with nothing moved. */
static void test_plan_file(void **state)
{
    struct world w = two_devices();
    char dir[] = "/tmp/vtopo-irqplan.XXXXXX", path[64];
    struct vt_irq_plan *p, *back, *again;
    struct vt_irq_plan_options o = {0};
    struct vt_host *h;
    struct vt_irq_state *s;
    struct vt_err err;
    char *a, *b;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/plan.json", dir);
    h = world_host(&w);
    s = world_state(&w, h);
    assert_int_equal(vt_irq_plan_make(h, s, &o, &p, &err), 0);
    assert_int_equal(vt_irq_plan_save(p, path, &err), 0);
    assert_int_equal(vt_irq_plan_load(path, &back, &err), 0);
    assert_int_equal(vt_irq_plan_to_json(p, &a, &err), 0);
    assert_int_equal(vt_irq_plan_to_json(back, &b, &err), 0);
    assert_string_equal(a, b);
    o.previous = back;
    assert_int_equal(vt_irq_plan_make(h, s, &o, &again, &err), 0);
    assert_int_equal(vt_irq_plan_moves(again), 0);
    assert_int_equal(vt_irq_plan_placed(again), 0);
    assert_int_equal(vt_irq_plan_dropped(again), 0);
    free(a);
    free(b);
    vt_irq_plan_free(p);
    vt_irq_plan_free(back);
    vt_irq_plan_free(again);
    vt_irq_state_free(s);
    vt_host_free(h);
    unlink(path);
    rmdir(dir);
}

/* Events refused: a plan read from a file, a device planned twice or not
 * planned, a state that is not the plan's; the plan is left as it was. */
static void test_event_refusals(void **state)
{
    struct world w = two_devices();
    char dir[] = "/tmp/vtopo-irqplan.XXXXXX", path[64], *before, *after;
    struct vt_irq_plan *p, *back;
    struct vt_irq_plan_options o = {0};
    struct vt_host *h, *hs[3];
    struct vt_irq_state *s, *ss[3];
    struct vt_err err;
    /* After: 0 the same host and state, 1 a third device, 2 every CPU
     * isolated (no housekeeping CPU left). */
    const struct {
        struct vt_irq_event e;
        int after;
        const char *why;
    } bad[] = {
        {{VT_IRQ_EVENT_DEVICE_ADDED, "0000:01:00.0", 0}, 0, "already has vectors"},
        {{VT_IRQ_EVENT_DEVICE_REMOVED, "0000:07:00.0", 0}, 0, "has no vectors in the plan"},
        {{VT_IRQ_EVENT_DEVICE_ADDED, "0000:07:00.0", 0}, 0, "has no vectors of device"},
        {{VT_IRQ_EVENT_DEVICE_REMOVED, "nonsense", 0}, 0, "not a PCI address"},
        {{VT_IRQ_EVENT_CPU_CHANGED, NULL, 99}, 0, "not one of the plan's host"},
        {{VT_IRQ_EVENT_CPU_CHANGED, NULL, 1}, 1, "give the device's event first"},
        {{VT_IRQ_EVENT_CPU_CHANGED, NULL, 1}, 2, "no housekeeping CPU"},
    };

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/plan.json", dir);
    h = hs[0] = world_host(&w);
    s = ss[0] = world_state(&w, h);
    for (unsigned c = 0; c < w.ncpu; c++)
        w.isolated[c] = true;
    hs[2] = world_host(&w);
    ss[2] = world_state(&w, hs[2]);
    memset(w.isolated, 0, sizeof(w.isolated));
    w.dev[2] = (typeof(w.dev[2])){true, 0, 2, 2, 2, 3};
    hs[1] = world_host(&w);
    ss[1] = world_state(&w, hs[1]);
    assert_int_equal(vt_irq_plan_make(h, s, &o, &p, &err), 0);
    assert_int_equal(vt_irq_plan_to_json(p, &before, &err), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = vt_irq_plan_event(p, hs[bad[i].after], ss[bad[i].after], &bad[i].e, "x", &err);

        if (rc != -EINVAL)
            fail_msg("event %zu: %d, want -EINVAL", i, rc);
        if (!strstr(err.msg, bad[i].why))
            fail_msg("event %zu: '%s' lacks '%s'", i, err.msg, bad[i].why);
        assert_int_equal(vt_irq_plan_to_json(p, &after, &err), 0);
        assert_string_equal(before, after);
        free(after);
    }
    assert_int_equal(vt_irq_plan_save(p, path, &err), 0);
    assert_int_equal(vt_irq_plan_load(path, &back, &err), 0);
    assert_int_equal(vt_irq_plan_event(back, h, s, &bad[4].e, NULL, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "read from a file"));
    free(before);
    vt_irq_plan_free(p);
    vt_irq_plan_free(back);
    for (int i = 0; i < 3; i++) {
        vt_irq_state_free(ss[i]);
        vt_host_free(hs[i]);
    }
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_events),
        cmocka_unit_test(test_plan_file),
        cmocka_unit_test(test_event_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
