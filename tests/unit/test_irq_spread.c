/* Unit tests: Linux's spreading of managed vectors (model/linux/irq_spread.c)
 * against a guest's own answer and hand-derived ones, and its invariants
 * over seeded random CPU sets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/linux/irq_spread.h"
#include "vtopo/irq.h"
#include "unit/support.h"

static struct vt_bitmap *list(const char *text)
{
    struct vt_bitmap *b = vt_bitmap_new();
    struct vt_err err;

    assert_non_null(b);
    assert_int_equal(vt_bitmap_parse_list(b, text, VT_CPU_ID_MAX, &err), 0);
    return b;
}

static void expect_masks(const struct linux_irq_vector *v, unsigned n, const char *const *want)
{
    for (unsigned i = 0; i < n; i++) {
        char *got = vt_bitmap_format_list(v[i].mask);

        assert_non_null(got);
        if (strcmp(got, want[i]))
            fail_msg("vector %u: mask %s, want %s", i, got, want[i]);
        free(got);
    }
}

/* Seen in a q35 guest (Debian 6.1): 2 vnodes of 2 vCPUs, possible_cpus=9
 * (CPUs 4-8 absent, given nodes round-robin: 0,1,0,1,0), an nvme with 6 I/O
 * queues (the admin queue a pre vector): q1..q6 got 2,4 3,6 0,8 1 5 7.
 * The two nodes have 2 present CPUs each, and the kernel's heapsort puts
 * node 1 first: that is why q1 is on CPU 2. */
static void test_guest_nvme(void **state)
{
    static const int node_of[] = {0, 0, 1, 1, 0, 1, 0, 1, 0};
    static const char *const want[] = {"0-8", "2,4", "3,6", "0,8", "1", "5", "7"};
    struct vt_bitmap *possible = list("0-8"), *present = list("0-3");
    struct linux_irq_cpus c = {possible, present, node_of, 9, 2, NULL};
    struct linux_irq_vector v[7];

    (void)state;
    assert_int_equal(linux_irq_create_affinity_masks(&c, 7, 1, 0, NULL, 0, NULL, v), 0);
    expect_masks(v, 7, want);
    assert_false(v[0].managed);
    for (int i = 1; i < 7; i++)
        assert_true(v[i].managed);
    linux_irq_vectors_free(v, 7);
    vt_bitmap_free(possible);
    vt_bitmap_free(present);
}

/* Seen in a q35 guest (Debian 6.1): 4 vnodes of 1 vCPU, possible_cpus=6
 * (CPUs 4 and 5 absent, on nodes 0 and 1), an nvme with 6 I/O queues: q1..q6
 * got 1 2 3 0 5 4. In the second pass nodes 2 and 3 have no CPU (ncpus
 * UINT_MAX): ncpus_cmp_func's unsigned difference as an int sorts them
 * first, which decides where the heapsort puts the two equal nodes. */
static void test_guest_four_nodes(void **state)
{
    static const int node_of[] = {0, 1, 2, 3, 0, 1};
    static const char *const want[] = {"0-5", "1", "2", "3", "0", "5", "4"};
    struct vt_bitmap *possible = list("0-5"), *present = list("0-3");
    struct linux_irq_cpus c = {possible, present, node_of, 6, 4, NULL};
    struct linux_irq_vector v[7];

    (void)state;
    assert_int_equal(linux_irq_create_affinity_masks(&c, 7, 1, 0, NULL, 0, NULL, v), 0);
    expect_masks(v, 7, want);
    linux_irq_vectors_free(v, 7);
    vt_bitmap_free(possible);
    vt_bitmap_free(present);
}

/* Hand-derived from the kernel's code: fewer groups than nodes (whole nodes
 * round-robin); SMT siblings kept together; sets; post vectors. */
static void test_known_answers(void **state)
{
    static const int node_of[] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
    /* Cores of two threads: 0+1, 2+3, ... */
    struct vt_bitmap *sib[12];
    struct vt_bitmap *possible = list("0-11"), *present = list("0-11");
    struct linux_irq_cpus c = {possible, present, node_of, 12, 3, NULL};
    struct linux_irq_vector v[8];
    unsigned sets[2] = {3, 3};

    (void)state;
    for (int i = 0; i < 12; i++) {
        char t[16];

        snprintf(t, sizeof(t), "%d-%d", i & ~1, (i & ~1) + 1);
        sib[i] = list(t);
    }
    /* 2 groups over 3 nodes: node 0 to group 0, node 1 to 1, node 2 to 0. */
    {
        static const char *const want[] = {"0-3,8-11", "4-7"};

        assert_int_equal(linux_irq_create_affinity_masks(&c, 2, 0, 0, NULL, 0, NULL, v), 0);
        expect_masks(v, 2, want);
        linux_irq_vectors_free(v, 2);
    }
    /* 5 groups, 12 CPUs of 3 equal nodes: the heapsort gives node order
     * 1, 2, 0 (ngroups 5*4/12 = 1, then 4*4/8 = 2, then 2*4/4 = 2); with
     * siblings the pairs stay together. */
    {
        static const char *const want[] = {"4-7", "8-9", "10-11", "0-1", "2-3"};

        c.siblings = (const struct vt_bitmap *const *)sib;
        assert_int_equal(linux_irq_create_affinity_masks(&c, 5, 0, 0, NULL, 0, NULL, v), 0);
        expect_masks(v, 5, want);
        linux_irq_vectors_free(v, 5);
    }
    /* One pre, two sets of 3, one post: the sets spread on their own. */
    {
        /* 3 groups over 3 nodes: a node each, in node order. */
        static const char *const want[] = {"0-11", "0-3", "4-7",  "8-11",
                                           "0-3",  "4-7", "8-11", "0-11"};

        assert_int_equal(linux_irq_create_affinity_masks(&c, 8, 1, 1, sets, 2, NULL, v), 0);
        expect_masks(v, 8, want);
        assert_false(v[0].managed);
        assert_true(v[1].managed && v[6].managed);
        assert_false(v[7].managed);
        linux_irq_vectors_free(v, 8);
    }
    assert_int_equal(linux_irq_create_affinity_masks(&c, 4, 1, 1, sets, 2, NULL, v), -EINVAL);
    /* Pre and post vectors take them all: "Nothing to assign?", no vector
     * managed, each on the default affinity. */
    {
        static const char *const want[] = {"0-11", "0-11", "0-11"};

        assert_int_equal(linux_irq_create_affinity_masks(&c, 3, 2, 1, NULL, 0, NULL, v), 0);
        expect_masks(v, 3, want);
        for (int i = 0; i < 3; i++)
            assert_false(v[i].managed);
        linux_irq_vectors_free(v, 3);
    }
    for (int i = 0; i < 12; i++)
        vt_bitmap_free(sib[i]);
    vt_bitmap_free(possible);
    vt_bitmap_free(present);
}

/* Random CPU sets: every possible CPU is in some group; with at least as
 * many CPUs as groups each group is non-empty and the groups are disjoint;
 * present CPUs alone fill the groups before absent ones are added. */
static void test_random_invariants(void **state)
{
    unsigned seed = t_seed("test_random_invariants");

    (void)state;
    for (int iter = 0; iter < 2000; iter++) {
        unsigned ncpu = 1 + (unsigned)rand() % 64, nnode = 1 + (unsigned)rand() % 5;
        unsigned ngrp = 1 + (unsigned)rand() % 70, npossible = 0;
        int node_of[64];
        struct vt_bitmap *possible = vt_bitmap_new(), *present = vt_bitmap_new();
        struct vt_bitmap *all = vt_bitmap_new(), **m = calloc(ngrp, sizeof(*m));
        struct linux_irq_cpus c;

        assert_non_null(m);
        for (unsigned i = 0; i < ncpu; i++) {
            node_of[i] = (int)((unsigned)rand() % nnode);
            if (rand() % 5) {
                vt_bitmap_set(possible, i);
                npossible++;
                if (rand() % 3)
                    vt_bitmap_set(present, i);
            }
        }
        if (!npossible) {
            vt_bitmap_set(possible, 0);
            npossible = 1;
        }
        c = (struct linux_irq_cpus){possible, present, node_of, ncpu, nnode, NULL};
        assert_int_equal(linux_group_cpus_evenly(&c, ngrp, m), 0);
        for (unsigned g = 0; g < ngrp; g++) {
            if (ngrp <= npossible && vt_bitmap_iszero(m[g]))
                fail_msg("seed %u: iter %d: group %u of %u is empty (%u CPUs)", seed, iter, g, ngrp,
                         npossible);
            if (ngrp <= npossible && vt_bitmap_intersects(all, m[g]))
                fail_msg("seed %u: iter %d: group %u shares a CPU", seed, iter, g);
            vt_bitmap_or(all, m[g]);
            vt_bitmap_free(m[g]);
        }
        if (!vt_bitmap_equal(all, possible))
            fail_msg("seed %u: iter %d: the groups do not cover the possible CPUs", seed, iter);
        free(m);
        vt_bitmap_free(all);
        vt_bitmap_free(possible);
        vt_bitmap_free(present);
    }
}

static void expect_list(const struct vt_bitmap *b, const char *want, const char *what)
{
    char *got = vt_bitmap_format_list(b);

    assert_non_null(got);
    if (strcmp(got, want))
        fail_msg("%s: %s, want %s", what, got, want);
    free(got);
}

/* Where vectors start (irq_startup), seen in a q35 guest (Debian 6.1) of 6
 * vCPUs on 2 nodes (0-2, 3-5), possible_cpus=9, an nvme with 2 I/O queues:
 * masks 0-2,6,8 and 3-5,7 (managed), the admin queue's the default.
 * Booted with isolcpus=managed_irq,domain,1-2,4-5 irqaffinity=0,3 the guest
 * showed effective CPUs 0, 0 and 3; with possible_cpus=9 alone the admin
 * queue sat on 0-1 (the node of CPU 0, its default's first CPU: not the
 * device's node). */
static void test_programmed(void **state)
{
    static const int node_of[] = {0, 0, 0, 1, 1, 1, 0, 1, 0};
    struct vt_bitmap *possible = list("0-8"), *online = list("0-5"), *iso = list("1-2,4-5");
    struct linux_irq_cpus c = {possible, online, node_of, 9, 2, NULL};
    struct {
        const char *mask;
        bool managed, isolated;
        const char *want;
    } cases[] = {
        {"0-2,6,8", true, true, "0"},   /* its one housekeeping CPU */
        {"3-5,7", true, true, "3"},     /* likewise */
        {"3-5,7", true, false, "3-5"},  /* no isolation: its online CPUs */
        {"4,6", true, true, "4"},       /* only isolated online: best effort */
        {"6,8", true, true, ""},        /* none online: shut down */
        {"0,3", false, true, "0"},      /* irqaffinity=0,3: node of CPU 0 */
        {"0-8", false, false, "0-2"},   /* the default: node 0's online CPUs */
        {"2,4-5", false, false, "2"},   /* the first CPU's node, not the most's */
        {"7", false, false, "3-5"},     /* none online: every online CPU, on node 1 */
        {"4-5,6", false, false, "4-5"}, /* node 1 of CPU 4 */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vt_bitmap *mask = list(cases[i].mask);
        struct vt_bitmap *got = linux_irq_programmed(&c, mask, cases[i].managed, online,
                                                     cases[i].isolated ? iso : NULL);
        char what[64];

        assert_non_null(got);
        snprintf(what, sizeof(what), "case %zu (mask %s)", i, cases[i].mask);
        expect_list(got, cases[i].want, what);
        vt_bitmap_free(got);
        vt_bitmap_free(mask);
    }
    vt_bitmap_free(possible);
    vt_bitmap_free(online);
    vt_bitmap_free(iso);
}

/* nvme's I/O queues: a queue per possible CPU, within the controller's
 * and the MSI-X table's (the admin queue takes one entry). The guests:
 * 9 possible CPUs and 6 queues gave 6; 16 queues gave 9. */
static void test_nvme_queues(void **state)
{
    (void)state;
    assert_int_equal(linux_nvme_io_queues(9, 6, 65), 6);
    assert_int_equal(linux_nvme_io_queues(9, 16, 65), 9);
    assert_int_equal(linux_nvme_io_queues(4, 64, 65), 4);
    assert_int_equal(linux_nvme_io_queues(256, 64, 65), 64);
    assert_int_equal(linux_nvme_io_queues(256, 128, 65), 64);
    assert_int_equal(linux_nvme_io_queues(256, 128, 0), 128);
}

/* The boot options, and each refusal. */
static void test_isolation_params(void **state)
{
    struct vt_bitmap *cpus = list("0-5"), *iso = list("1-2,4-5");
    struct vt_err err;
    char *p = NULL;
    static const char *const bad[] = {"", "6", "0-5", "0,3"};
    static const char *const why[] = {"no CPU to isolate", "not within the CPUs 0-5", "every CPU",
                                      "CPU 0, the boot CPU"};

    (void)state;
    assert_int_equal(vt_irq_isolation_params(cpus, iso, &p, &err), 0);
    assert_string_equal(p, "isolcpus=managed_irq,domain,1-2,4-5 irqaffinity=0,3");
    free(p);
    vt_bitmap_free(iso);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        iso = *bad[i] ? list(bad[i]) : vt_bitmap_new();
        p = NULL;
        assert_int_equal(vt_irq_isolation_params(cpus, iso, &p, &err), -EINVAL);
        assert_null(p);
        if (!strstr(err.msg, why[i]))
            fail_msg("isolated '%s': '%s' lacks '%s'", bad[i], err.msg, why[i]);
        vt_bitmap_free(iso);
    }
    vt_bitmap_free(cpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_nvme),    cmocka_unit_test(test_guest_four_nodes),
        cmocka_unit_test(test_known_answers), cmocka_unit_test(test_random_invariants),
        cmocka_unit_test(test_programmed),    cmocka_unit_test(test_isolation_params),
        cmocka_unit_test(test_nvme_queues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
