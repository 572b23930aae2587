/* Dataset tests: vtopo's host model of hwloc's ten real-machine sysfs dumps
 * (../shared/data/hwloc-linux) against the facts in its MANIFEST.md: node
 * ids, CPU sets, memory sizes, distances, CPU states and the device node
 * histogram; plus a save/load round trip of every dump. */
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
#include "vtopo/host.h"

#define MAXN 12

struct node_fact {
    unsigned pnode;
    const char *cpus; /* as the node lists them (online and offline) */
    unsigned mib;     /* MemTotal >> 20 */
    unsigned dist[MAXN];
};

struct dataset {
    const char *name;
    const char *possible_nodes;
    const char *cpu_online, *cpu_possible;
    size_t nnodes;
    struct node_fact nodes[MAXN];
    /* PCI numa_node histogram: devices with -1/absent, on node 0, on node 1, ... */
    int dev_unknown, dev_total;
    int dev_on[4][2];     /* {pnode, count} */
    const char *warning;  /* a warning the dump must produce, or NULL */
    const char *gi_nodes; /* has_generic_initiator nodes (NULL: none) */
};

static const struct dataset datasets[] = {
    {"128arm-2pa2n8cluster4co",
     "0-3",
     "0-127",
     "0-127",
     4,
     {{0, "0-31", 128645, {10, 16, 32, 33}},
      {1, "32-63", 129021, {16, 10, 25, 32}},
      {2, "64-95", 129021, {32, 25, 10, 16}},
      {3, "96-127", 127990, {33, 32, 16, 10}}},
     0,
     0,
     {{0}},
     NULL},
    {"16amd64-8n2c-cpusets",
     "0-7",
     "0-3,5-15",
     "0-15",
     8,
     {{0, "0-1", 8190, {10, 20, 20, 20, 20, 20, 20, 20}},
      {1, "2-3", 8192, {20, 10, 20, 20, 20, 20, 20, 20}},
      {2, "4-5", 8192, {20, 20, 10, 20, 20, 20, 20, 20}},
      {3, "6-7", 8192, {20, 20, 20, 10, 20, 20, 20, 20}},
      {4, "8-9", 8192, {20, 20, 20, 20, 10, 20, 20, 20}},
      {5, "10-11", 8192, {20, 20, 20, 20, 20, 10, 20, 20}},
      {6, "12-13", 8192, {20, 20, 20, 20, 20, 20, 10, 20}},
      {7, "14-15", 8192, {20, 20, 20, 20, 20, 20, 20, 10}}},
     0,
     0,
     {{0}},
     NULL},
    {"32em64t-2n8c+dax+nvme+mic+dimms",
     "0-1",
     "0-15",
     "0-127",
     2,
     {{0, "0-7", 16354, {10, 21}}, {1, "8-15", 16384, {21, 10}}},
     93,
     137,
     {{0, 28}, {1, 16}},
     "block_size_bytes is missing"},
    {"40intel64-2g2n4c+pcilocality",
     "0-3",
     "0-39",
     "0-79",
     4,
     {{0, "0,4,8,12,16,20,24,28,32,36", 131058, {10, 20, 20, 20}},
      {1, "1,5,9,13,17,21,25,29,33,37", 131072, {20, 10, 20, 20}},
      {2, "2,6,10,14,18,22,26,30,34,38", 131072, {20, 20, 10, 20}},
      {3, "3,7,11,15,19,23,27,31,35,39", 131072, {20, 20, 20, 10}}},
     36,
     37,
     {{2, 1}},
     NULL},
    {"48amd64-4pa2n6c-sparse",
     "0-2,33-34,45,72-73",
     "0-47",
     "0-47",
     8,
     {{0, "0-5", 8189, {10, 16, 16, 22, 16, 22, 16, 22}},
      {1, "6-11", 16384, {16, 10, 22, 16, 16, 22, 22, 16}},
      {2, "12-17", 8192, {16, 22, 10, 16, 16, 16, 16, 16}},
      {33, "18-23", 16384, {22, 16, 16, 10, 16, 16, 22, 22}},
      {34, "24-29", 8192, {16, 16, 16, 16, 10, 16, 16, 22}},
      {45, "30-35", 16384, {22, 22, 16, 16, 16, 10, 22, 16}},
      {72, "36-41", 8192, {16, 22, 16, 22, 16, 22, 10, 16}},
      {73, "42-47", 16384, {22, 16, 16, 22, 22, 16, 16, 10}}},
     0,
     0,
     {{0}},
     NULL},
    /* Buggy firmware: every node lists CPUs 0-7. vtopo keeps each CPU in the
     * lowest node listing it and warns; the other nodes become CPU-less. */
    {"8em64t-2s2ca2c-buggynuma",
     "0-7",
     "0-7",
     "0-7",
     8,
     {{0, "0-7", 2047, {10, 10, 10, 10, 10, 10, 10, 10}},
      {1, "", 2047, {10, 10, 10, 10, 10, 10, 10, 10}},
      {2, "", 2048, {10, 10, 10, 10, 10, 10, 10, 10}},
      {3, "", 2048, {10, 10, 10, 10, 10, 10, 10, 10}},
      {4, "", 2048, {10, 10, 10, 10, 10, 10, 10, 10}},
      {5, "", 2048, {10, 10, 10, 10, 10, 10, 10, 10}},
      {6, "", 2048, {10, 10, 10, 10, 10, 10, 10, 10}},
      {7, "", 2048, {10, 10, 10, 10, 10, 10, 10, 10}}},
     0,
     0,
     {{0}},
     "nodes 1-7 list CPUs 0-7 that a lower node already lists"},
    {"fakeheteromemtiers",
     "0-9",
     "0-5",
     "0-5",
     7,
     {{0, "0-1", 2934, {10, 20, 20, 20, 20, 20, 20}},
      {1, "2-3", 978, {20, 10, 20, 20, 20, 20, 20}},
      {2, "4-5", 512, {20, 20, 10, 20, 20, 20, 20}},
      {4, "", 512, {20, 20, 20, 10, 20, 20, 20}},
      {6, "", 384, {20, 20, 20, 20, 10, 20, 20}},
      {8, "", 384, {20, 20, 20, 20, 20, 10, 20}},
      {9, "", 384, {20, 20, 20, 20, 20, 20, 10}}},
     0,
     0,
     {{0}},
     NULL},
    {"fakememinitiators-1np2c+1npp+gi",
     "0-10",
     "0-7",
     "0-7",
     11,
     {{0, "0-1", 0, {10, 21, 13, 21, 12, 11, 14, 17, 21, 21, 28}},
      {1, "2-3", 0, {21, 10, 21, 13, 31, 21, 21, 28, 11, 14, 17}},
      {2, "4-5", 0, {13, 21, 10, 21, 12, 14, 11, 17, 21, 21, 28}},
      {3, "6-7", 0, {21, 13, 21, 10, 31, 21, 21, 28, 14, 11, 17}},
      {4, "", 0, {12, 31, 12, 31, 10, 15, 15, 13, 31, 31, 13}},
      {5, "", 95163, {11, 21, 14, 21, 15, 10, 13, 17, 21, 21, 28}},
      {6, "", 96767, {14, 21, 11, 21, 15, 13, 10, 17, 21, 21, 28}},
      {7, "", 759808, {17, 28, 17, 28, 13, 17, 17, 10, 28, 28, 28}},
      {8, "", 95255, {21, 11, 21, 14, 31, 21, 21, 28, 10, 13, 17}},
      {9, "", 96729, {21, 14, 21, 11, 31, 21, 21, 28, 13, 10, 17}},
      {10, "", 761856, {28, 17, 28, 17, 13, 28, 28, 28, 17, 17, 10}}},
     0,
     0,
     {{0}},
     NULL,
     "4"},
    /* PCI directories without numa_node: all unknown. */
    {"nvidiagpunumanodes",
     "0,8,250-255",
     "0-15,88-103",
     "0-175",
     8,
     {{0, "0-87", 126796, {10, 40, 80, 80, 80, 80, 80, 80}},
      {8, "88-175", 130812, {40, 10, 80, 80, 80, 80, 80, 80}},
      {250, "", 15360, {80, 80, 10, 80, 80, 80, 80, 80}},
      {251, "", 15360, {80, 80, 80, 10, 80, 80, 80, 80}},
      {252, "", 15360, {80, 80, 80, 80, 10, 80, 80, 80}},
      {253, "", 15360, {80, 80, 80, 80, 80, 10, 80, 80}},
      {254, "", 15360, {80, 80, 80, 80, 80, 80, 10, 80}},
      {255, "", 15360, {80, 80, 80, 80, 80, 80, 80, 10}}},
     6,
     6,
     {{0}},
     NULL},
    /* Node 0 offline: one node; its distance row has 2 entries (one per
     * possible node), so the online node's column is used. */
    {"offline-cpu0-node0",
     "0-1",
     "4-20",
     "0-191",
     1,
     {{1, "1,3,5,7,9,11,13,15,17,19,21,23", 65536, {10}}},
     0,
     0,
     {{0}},
     "one per possible node"},
};

static const char *root;

static char *fmt(const struct vt_bitmap *b)
{
    static char buf[4][1024];
    static int i;

    i = (i + 1) % 4;
    vt_bitmap_snprint_list(buf[i], sizeof(buf[i]), b);
    return buf[i];
}

static void check_dataset(const struct dataset *d)
{
    char dir[1024];
    struct vt_host_source src = {VT_HOST_SYSFS, dir, NULL};
    struct vt_host *h;
    struct vt_err err;
    int hist_unknown = 0;
    bool warned = d->warning == NULL;

    snprintf(dir, sizeof(dir), "%s/%s", root, d->name);
    if (vt_host_load(&src, &h, &err) != 0)
        fail_msg("%s: %s", d->name, err.msg);
    printf("%s: %zu nodes, %zu devices, %zu warnings\n", d->name, vt_host_node_count(h),
           vt_host_device_count(h), vt_host_warning_count(h));
    if (vt_host_node_count(h) != d->nnodes)
        fail_msg("%s: %zu nodes, expected %zu", d->name, vt_host_node_count(h), d->nnodes);
    if (strcmp(fmt(vt_host_possible_nodes(h)), d->possible_nodes) != 0)
        fail_msg("%s: possible nodes %s, expected %s", d->name, fmt(vt_host_possible_nodes(h)),
                 d->possible_nodes);
    if (strcmp(fmt(vt_host_cpus(h)->online), d->cpu_online) != 0 ||
        strcmp(fmt(vt_host_cpus(h)->possible), d->cpu_possible) != 0)
        fail_msg("%s: cpus online %s possible %s, expected %s and %s", d->name,
                 fmt(vt_host_cpus(h)->online), fmt(vt_host_cpus(h)->possible), d->cpu_online,
                 d->cpu_possible);
    for (size_t i = 0; i < d->nnodes; i++) {
        const struct vt_host_node *n = vt_host_node(h, i);
        const struct node_fact *f = &d->nodes[i];
        struct vt_bitmap *listed = vt_bitmap_dup(n->cpus);

        assert_non_null(listed);
        vt_bitmap_or(listed, n->offline_cpus);
        if (n->pnode != f->pnode)
            fail_msg("%s: node index %zu is pnode %u, expected %u", d->name, i, n->pnode, f->pnode);
        if (strcmp(fmt(listed), f->cpus) != 0)
            fail_msg("%s: node %u lists CPUs '%s', expected '%s'", d->name, n->pnode, fmt(listed),
                     f->cpus);
        /* Online CPUs of the node are exactly the listed ones that are online. */
        vt_bitmap_and(listed, vt_host_cpus(h)->online);
        if (!vt_bitmap_equal(listed, n->cpus))
            fail_msg("%s: node %u online CPUs %s", d->name, n->pnode, fmt(n->cpus));
        vt_bitmap_free(listed);
        if (n->memory_bytes >> 20 != f->mib)
            fail_msg("%s: node %u has %llu MiB, expected %u", d->name, n->pnode,
                     (unsigned long long)(n->memory_bytes >> 20), f->mib);
        if (n->has_memory != (f->mib > 0) || n->has_cpu != !vt_bitmap_iszero(n->cpus))
            fail_msg("%s: node %u has_memory/has_cpu wrong", d->name, n->pnode);
        /* No dump carries ACPI tables: the PXM must stay unknown, not = pnode. */
        assert_int_equal(n->host_pxm, VT_PXM_UNKNOWN);
        for (size_t j = 0; j < d->nnodes; j++)
            if (n->distances[j] != f->dist[j])
                fail_msg("%s: distance %u->%u is %u, expected %u", d->name, n->pnode,
                         d->nodes[j].pnode, n->distances[j], f->dist[j]);
    }
    assert_int_equal(vt_host_device_count(h), (size_t)d->dev_total);
    for (size_t k = 0; k < vt_host_device_count(h); k++)
        hist_unknown += vt_host_device(h, k)->pnode == VT_PNODE_UNKNOWN;
    if (hist_unknown != d->dev_unknown)
        fail_msg("%s: %d devices with unknown node, expected %d", d->name, hist_unknown,
                 d->dev_unknown);
    for (size_t b = 0; b < 4 && d->dev_on[b][1]; b++) {
        int count = 0;

        for (size_t k = 0; k < vt_host_device_count(h); k++)
            count += vt_host_device(h, k)->pnode == d->dev_on[b][0];
        if (count != d->dev_on[b][1])
            fail_msg("%s: %d devices on node %d, expected %d", d->name, count, d->dev_on[b][0],
                     d->dev_on[b][1]);
    }
    {
        struct vt_bitmap *gi = vt_bitmap_new();

        assert_non_null(gi);
        for (size_t i = 0; i < d->nnodes; i++)
            if (vt_host_node(h, i)->has_generic_initiator)
                vt_bitmap_set(gi, vt_host_node(h, i)->pnode);
        if (strcmp(fmt(gi), d->gi_nodes ? d->gi_nodes : "") != 0)
            fail_msg("%s: generic initiator nodes '%s', expected '%s'", d->name, fmt(gi),
                     d->gi_nodes ? d->gi_nodes : "");
        vt_bitmap_free(gi);
    }
    for (size_t k = 0; k < vt_host_warning_count(h); k++)
        if (d->warning && strstr(vt_host_warning(h, k), d->warning))
            warned = true;
    if (!warned)
        fail_msg("%s: no warning containing '%s'", d->name, d->warning);

    /* The host file round-trips the whole model. */
    {
        char *tmp = t_mkdtemp(), path[256], *a, *b;
        struct vt_host_source fsrc = {VT_HOST_FILE, path, NULL};
        struct vt_host *back;

        assert_non_null(tmp);
        snprintf(path, sizeof(path), "%s/host.json", tmp);
        assert_int_equal(vt_host_save(h, path, &err), 0);
        if (vt_host_load(&fsrc, &back, &err) != 0)
            fail_msg("%s: reload: %s", d->name, err.msg);
        assert_int_equal(vt_host_to_json(h, &a, &err), 0);
        assert_int_equal(vt_host_to_json(back, &b, &err), 0);
        if (strcmp(a, b) != 0)
            fail_msg("%s: the saved host does not reload identically", d->name);
        free(a);
        free(b);
        vt_host_free(back);
        t_rmtree(tmp);
    }
    vt_host_free(h);
}

static void test_all_datasets(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(datasets) / sizeof(datasets[0]); i++)
        check_dataset(&datasets[i]);
}

/* A device with numa_node -1 but a narrow local_cpulist keeps both facts:
 * the node stays unknown (never guessed). */
static void test_unknown_node_kept(void **state)
{
    char dir[1024];
    struct vt_host_source src = {VT_HOST_SYSFS, dir, NULL};
    const struct vt_host_device *d;
    struct vt_host *h;
    char *s;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/32em64t-2n8c+dax+nvme+mic+dimms", root);
    assert_int_equal(vt_host_load(&src, &h, NULL), 0);
    d = vt_host_device_by_bdf(h, "0000:00:02.0");
    assert_non_null(d);
    assert_int_equal(d->pnode, VT_PNODE_UNKNOWN);
    s = vt_bitmap_format_list(d->local_cpus);
    assert_string_equal(s, "0-3");
    free(s);
    d = vt_host_device_by_bdf(h, "0000:7f:08.0");
    assert_non_null(d);
    assert_int_equal(d->pnode, VT_PNODE_UNKNOWN);
    vt_host_free(h);

    /* Ids and class (from uevent, "PCI_ID=8086:3407", "PCI_CLASS=60000"). */
    snprintf(dir, sizeof(dir), "%s/40intel64-2g2n4c+pcilocality", root);
    assert_int_equal(vt_host_load(&src, &h, NULL), 0);
    d = vt_host_device_by_bdf(h, "0000:00:00.0");
    assert_non_null(d);
    assert_int_equal(d->vendor, 0x8086);
    assert_int_equal(d->device, 0x3407);
    assert_int_equal(d->class_code, 0x060000);
    vt_host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_datasets),
        cmocka_unit_test(test_unknown_node_kept),
    };

    root = getenv("VT_DATASETS");
    if (!root) {
        fprintf(stderr, "test_datasets: VT_DATASETS is not set (run through ctest)\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
