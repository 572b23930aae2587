/* Unit tests: synthetic hosts from one-line specs (docs/synthetic-hosts.md). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/support.h"
#include "vtopo/host.h"

static void expect_list(const struct vt_bitmap *b, const char *want)
{
    char *got = vt_bitmap_format_list(b);

    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("got '%s', want '%s'", got, want);
    free(got);
}

static void test_issue_example(void **state)
{
    struct vt_host *h =
        t_synthetic("sockets=2,nodes-per-socket=2,cores=12,threads=2,mem=256G,distances=10:12:32");

    (void)state;
    assert_int_equal(vt_host_node_count(h), 4);
    expect_list(vt_host_node(h, 0)->cpus, "0-11");
    expect_list(vt_host_node(h, 3)->cpus, "36-47");
    expect_list(vt_host_cpus(h)->online, "0-47");
    for (size_t i = 0; i < 4; i++) {
        const struct vt_host_node *n = vt_host_node(h, i);

        assert_int_equal(n->pnode, i);
        assert_int_equal(n->host_pxm, i);
        assert_int_equal(n->memory_bytes, UINT64_C(64) << 30);
        assert_int_equal(n->nranges, 1);
        assert_int_equal(n->ranges[0].start, (UINT64_C(64) << 30) * i);
        assert_true(n->has_cpu && n->has_memory && !n->has_generic_initiator);
    }
    assert_int_equal(vt_host_distance(h, 0, 0), 10);
    assert_int_equal(vt_host_distance(h, 0, 1), 12); /* same socket */
    assert_int_equal(vt_host_distance(h, 1, 2), 32); /* across sockets */
    assert_int_equal(vt_host_distance(h, 3, 2), 12);
    assert_int_equal(vt_host_cpu_pnode(h, 13), 1);
    assert_int_equal(vt_host_cpu_pnode(h, 48), -1);
    assert_int_equal(vt_host_warning_count(h), 0);
    vt_host_free(h);
}

static void test_defaults_and_lists(void **state)
{
    struct vt_host *h;

    (void)state;
    h = t_synthetic("sockets=1");
    assert_int_equal(vt_host_node_count(h), 1);
    expect_list(vt_host_node(h, 0)->cpus, "0-3");
    assert_int_equal(vt_host_node(h, 0)->memory_bytes, UINT64_C(4) << 30);
    vt_host_free(h);

    /* Sparse node ids, explicit PXMs, isolated/nohz_full/offline CPUs, and
     * lists continuing across commas. */
    h = t_synthetic("sockets=2,nodes-per-socket=2,cores=4,node-ids=0,1,33,34,pxms=4,5,6,7,"
                    "isolated=1,5-6,nohz-full=7,offline=3");
    assert_int_equal(vt_host_node_count(h), 4);
    assert_int_equal(vt_host_node(h, 2)->pnode, 33);
    assert_int_equal(vt_host_node(h, 2)->host_pxm, 6);
    expect_list(vt_host_possible_nodes(h), "0-1,33-34");
    expect_list(vt_host_node(h, 1)->cpus, "2");
    expect_list(vt_host_node(h, 1)->offline_cpus, "3");
    expect_list(vt_host_node(h, 2)->housekeeping_cpus, "4");
    expect_list(vt_host_node(h, 3)->housekeeping_cpus, "");
    expect_list(vt_host_cpus(h)->housekeeping, "0,2,4");
    expect_list(vt_host_cpus(h)->offline, "3");
    assert_int_equal(vt_host_distance(h, 33, 34), 12);
    assert_int_equal(vt_host_distance(h, 0, 34), 21);
    assert_int_equal(vt_host_distance(h, 0, 2), 0); /* no node 2 */
    vt_host_free(h);

    /* smt-last numbering: siblings after all first threads. */
    h = t_synthetic("sockets=2,cores=2,threads=2,cpu-numbering=smt-last");
    expect_list(vt_host_node(h, 0)->cpus, "0-1,4-5");
    expect_list(vt_host_node(h, 1)->cpus, "2-3,6-7");
    vt_host_free(h);
}

/* Topology: packages are sockets, core ids count each socket's cores, the
 * core's threads are siblings (next to each other, or smt-last), the L3 is
 * the socket's or the node's; offline CPUs have none. */
static void test_topology(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,nodes-per-socket=2,cores=4,threads=2,"
                                    "cpu-numbering=smt-last,offline=5");
    const struct vt_host_cpu_topo *t;

    (void)state;
    /* 8 cores; CPU = thread * 8 + core. CPU 11 is core 3 (node 1, socket 0)
     * thread 1. */
    t = vt_host_cpu_topo(h, 11);
    assert_non_null(t);
    assert_int_equal(t->package, 0);
    assert_int_equal(t->die, 0);
    assert_int_equal(t->cluster, -1);
    assert_int_equal(t->core, 3);
    expect_list(t->siblings, "3,11");
    expect_list(t->llc, "0-3,8-11");
    assert_int_equal(t->llc_level, 3);
    expect_list(vt_host_cpu_topo(h, 13)->siblings, "13"); /* CPU 5 is offline */
    expect_list(vt_host_cpu_topo(h, 13)->llc, "4,6-7,12-15");
    t = vt_host_cpu_topo(h, 6);
    assert_int_equal(t->package, 1);
    assert_int_equal(t->core, 2);
    expect_list(t->siblings, "6,14");
    assert_null(vt_host_cpu_topo(h, 5));
    assert_null(vt_host_cpu_topo(h, 16));
    vt_host_free(h);
    h = t_synthetic("sockets=1,nodes-per-socket=2,cores=4,llc=node");
    expect_list(vt_host_cpu_topo(h, 3)->llc, "2-3");
    expect_list(vt_host_cpu_topo(h, 3)->siblings, "3");
    vt_host_free(h);
}

/* devices=KIND@NODE[:VECTORS]: a bus each, the node's CPUs, IRQs from 24. */
static void test_devices(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,node-ids=0,4,devices=nvme@4:9,net@none:2,gpu@0");
    const struct vt_host_device *d;

    (void)state;
    assert_int_equal(vt_host_device_count(h), 3);
    d = vt_host_device_by_bdf(h, "0000:01:00.0");
    assert_non_null(d);
    assert_int_equal(d->class_code, 0x010802);
    assert_int_equal(d->pnode, 4);
    expect_list(d->local_cpus, "4-7");
    assert_int_equal(d->nmsi_irqs, 9);
    assert_int_equal(d->msi_irqs[0], 24);
    assert_int_equal(d->msi_irqs[8], 32);
    assert_int_equal(d->iommu_group, 0);
    assert_null(d->driver);
    d = vt_host_device_by_bdf(h, "0000:02:00.0");
    assert_int_equal(d->pnode, VT_PNODE_UNKNOWN);
    assert_null(d->local_cpus);
    assert_int_equal(d->msi_irqs[0], 33);
    d = vt_host_device_by_bdf(h, "0000:03:00.0");
    assert_int_equal(d->class_code, 0x030000);
    assert_int_equal(d->nmsi_irqs, 0);
    vt_host_free(h);
}

static void expect_bad(const char *spec, const char *fragment)
{
    struct vt_host_source src = {VT_HOST_SYNTHETIC, spec, NULL};
    struct vt_host *h = NULL;
    struct vt_err err;
    int rc = vt_host_load(&src, &h, &err);

    if (rc != -EINVAL || !strstr(err.msg, fragment))
        fail_msg("'%s': got %d '%s', want -EINVAL and '%s'", spec, rc, err.msg, fragment);
    assert_null(h);
}

static void test_bad_specs(void **state)
{
    (void)state;
    expect_bad("", "empty");
    expect_bad("sokets=2", "unknown key 'sokets'");
    expect_bad("sockets=0", "sockets=0: must be a whole number from 1");
    expect_bad("sockets=two", "sockets=two");
    expect_bad("sockets", "'sockets' is not key=value");
    expect_bad("=3", "has no key");
    expect_bad("sockets=2,sockets=3", "given twice");
    expect_bad("cores=5,nodes-per-socket=2", "does not split evenly");
    expect_bad("sockets=3,mem=1G", "does not split into 3 nodes of whole MiB");
    expect_bad("mem=12Q", "unknown unit 'Q'");
    expect_bad("distances=10:9", "must be above the local one");
    expect_bad("distances=10", "expected LOCAL:REMOTE");
    expect_bad("distances=10:20:30:40", "expected LOCAL:REMOTE");
    expect_bad("distances=10:300", "not a distance from 1 to 254");
    expect_bad("sockets=2,node-ids=4", "node-ids lists 1 ids for 2 nodes");
    expect_bad("sockets=2,pxms=1,1", "appears twice");
    expect_bad("sockets=2,pxms=1", "pxms lists 1 domains for 2 nodes");
    expect_bad("cores=4,isolated=9", "isolated= names CPU 9");
    expect_bad("cores=4,isolated=2-1", "goes backwards");
    expect_bad("threads=17", "threads=17");
    expect_bad("cpu-numbering=random", "expected linear or smt-last");
    expect_bad("sockets=1024,nodes-per-socket=5", "exceed the limit of 4096");
    expect_bad("cores=16384,threads=2", "CPUs exceed the limit");
    expect_bad("cores=4,offline=0-3", "no online CPU");
    expect_bad("llc=die", "llc=die: expected socket or node");
    expect_bad("devices=nvme", "device 1 is not KIND@NODE[:VECTORS] with KIND nvme, net or gpu");
    expect_bad("devices=nvme@0,disk@0", "device 2 is not KIND@NODE[:VECTORS]");
    expect_bad("devices=nvme@1", "device 1's node '1' is not a node of this host (or none)");
    expect_bad("devices=nvme@0:2049", "device 1's vectors '2049' are not a count from 0 to 2048");
    expect_bad("devices=nvme@0:x", "device 1's vectors 'x'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_example), cmocka_unit_test(test_defaults_and_lists),
        cmocka_unit_test(test_bad_specs),     cmocka_unit_test(test_topology),
        cmocka_unit_test(test_devices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
