/* Unit tests: the host file (docs/host-format.md) — save/load round trips and
 * the messages for malformed files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "unit/support.h"
#include "vtopo/host.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = t_mkdtemp();
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    t_rmtree(dir);
    return 0;
}

static int load_file_text(const char *text, struct vt_host **h, struct vt_err *err)
{
    char path[256];
    struct vt_host_source src = {VT_HOST_FILE, path, NULL};

    snprintf(path, sizeof(path), "%s/h.json", dir);
    assert_int_equal(t_write(dir, "h.json", text, -1), 0);
    return vt_host_load(&src, h, err);
}

/* save(load(save(x))) == save(x), byte for byte. */
static void roundtrip(struct vt_host *h, const char *what)
{
    char *first, *second;
    struct vt_host *back;
    struct vt_err err;

    assert_int_equal(vt_host_to_json(h, &first, &err), 0);
    if (load_file_text(first, &back, &err) != 0)
        fail_msg("%s: reloading failed: %s", what, err.msg);
    assert_int_equal(vt_host_to_json(back, &second, &err), 0);
    if (strcmp(first, second) != 0)
        fail_msg("%s: the reloaded host differs:\n%s\n---\n%s", what, first, second);
    free(first);
    free(second);
    vt_host_free(back);
}

static void test_random_synthetic_roundtrip(void **state)
{
    unsigned seed = t_seed("test_random_synthetic_roundtrip");

    (void)state;
    for (int i = 0; i < 200; i++) {
        unsigned sockets = 1 + (unsigned)rand() % 4, nps = 1 + (unsigned)rand() % 3;
        unsigned cores = nps * (1 + (unsigned)rand() % 6), threads = 1 + (unsigned)rand() % 2;
        unsigned cpus = sockets * cores * threads;
        char spec[256];
        struct vt_host_source src = {VT_HOST_SYNTHETIC, spec, NULL};
        struct vt_host *h;
        struct vt_err err;

        snprintf(spec, sizeof(spec),
                 "sockets=%u,nodes-per-socket=%u,cores=%u,threads=%u,mem=%uG,"
                 "distances=10:%u:%u,isolated=%u,offline=%u%s%s,devices=nvme@0:%u,net@none",
                 sockets, nps, cores, threads, sockets * nps * 2, 11 + (unsigned)rand() % 5,
                 20 + (unsigned)rand() % 20, (unsigned)rand() % cpus,
                 cpus > 1 ? 1 + (unsigned)rand() % (cpus - 1) : 0,
                 rand() % 2 ? ",cpu-numbering=smt-last" : "", rand() % 2 ? ",llc=node" : "",
                 (unsigned)rand() % 64);
        if (cpus == 1)
            snprintf(spec, sizeof(spec), "sockets=1,cores=1");
        if (vt_host_load(&src, &h, &err) != 0)
            fail_msg("seed %u: '%s': %s", seed, spec, err.msg);
        roundtrip(h, spec);
        vt_host_free(h);
    }
}

static const char full_host[] =
    "{\"format\": \"vtopo-host\", \"version\": 1, \"source\": \"hand-written\",\n"
    " \"possible_nodes\": \"0-3\",\n"
    " \"cpus\": {\"possible\": \"0-7\", \"online\": \"0-5\", \"isolated\": \"1\",\n"
    "          \"nohz_full\": \"2\"},\n"
    " \"nodes\": [\n"
    "  {\"pnode\": 0, \"host_pxm\": 0, \"cpus\": \"0-2\", \"offline_cpus\": \"6\",\n"
    "   \"memory_bytes\": 1073741824, \"distances\": [10, 20, null]},\n"
    "  {\"pnode\": 1, \"host_pxm\": null, \"cpus\": \"3-5\", \"memory_bytes\": 0,\n"
    "   \"distances\": [20, 10, 20]},\n"
    "  {\"pnode\": 3, \"host_pxm\": 7, \"cpus\": \"\", \"memory_bytes\": 2048,\n"
    "   \"has_generic_initiator\": true}\n"
    " ],\n"
    " \"devices\": [\n"
    "  {\"bdf\": \"0000:3b:00.0\", \"vendor\": \"0x8086\", \"device\": \"0x1572\",\n"
    "   \"class\": \"0x020000\", \"pnode\": 1, \"local_cpus\": \"3-5\", \"msi_irqs\": 65},\n"
    "  {\"bdf\": \"0000:00:1f.3\", \"pnode\": null, \"local_cpus\": null}\n"
    " ]}\n";

static void test_full_host(void **state)
{
    struct vt_host *h;
    struct vt_err err;
    const struct vt_host_device *d;
    char *s;

    (void)state;
    if (load_file_text(full_host, &h, &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(vt_host_description(h), "hand-written");
    assert_int_equal(vt_host_node_count(h), 3);
    assert_int_equal(vt_host_node(h, 1)->host_pxm, VT_PXM_UNKNOWN);
    assert_int_equal(vt_host_node(h, 2)->pnode, 3);
    assert_true(vt_host_node(h, 2)->has_generic_initiator);
    assert_false(vt_host_node(h, 2)->has_cpu);
    assert_false(vt_host_node(h, 1)->has_memory);
    s = vt_bitmap_format_list(vt_host_node(h, 0)->housekeeping_cpus);
    assert_string_equal(s, "0");
    free(s);
    s = vt_bitmap_format_list(vt_host_node(h, 0)->offline_cpus);
    assert_string_equal(s, "6");
    free(s);
    assert_int_equal(vt_host_distance(h, 0, 3), 0);
    assert_int_equal(vt_host_distance(h, 3, 0), 0); /* no row: unknown */
    assert_int_equal(vt_host_distance(h, 1, 3), 20);
    /* Devices come back sorted by address. */
    d = vt_host_device(h, 0);
    assert_string_equal(d->bdf, "0000:00:1f.3");
    assert_int_equal(d->pnode, VT_PNODE_UNKNOWN);
    assert_null(d->local_cpus);
    d = vt_host_device_by_bdf(h, "0000:3b:00.0");
    assert_non_null(d);
    assert_int_equal(d->vendor, 0x8086);
    assert_int_equal(d->class_code, 0x020000);
    /* Version 1 had the count only. */
    assert_int_equal(d->nmsi_irqs, 65);
    assert_null(d->msi_irqs);
    assert_int_equal(d->iommu_group, -1);
    assert_null(d->driver);
    assert_null(vt_host_cpu_topo(h, 0));
    assert_int_equal(d->pnode, 1);
    assert_null(vt_host_device_by_bdf(h, "0000:99:00.0"));
    roundtrip(h, "full host");
    vt_host_free(h);
}

/* Version 2: CPU topology, drivers, IOMMU groups, SR-IOV and IRQ numbers. */
static const char v2_host[] =
    "{\"format\": \"vtopo-host\", \"version\": 2,\n"
    " \"cpus\": {\"online\": \"0-3\", \"topology\": [\n"
    "   {\"cpu\": 2, \"package\": 1, \"die\": 0, \"core\": 4, \"siblings\": \"2-3\",\n"
    "    \"llc\": \"2-3\", \"llc_level\": 3, \"llc_bytes\": 16777216},\n"
    "   {\"cpu\": 0, \"cluster\": 7}]},\n"
    " \"nodes\": [{\"pnode\": 0, \"host_pxm\": 0, \"cpus\": \"0-3\", \"memory_bytes\": 4096}],\n"
    " \"devices\": [\n"
    "  {\"bdf\": \"0000:3b:02.1\", \"physfn\": \"0000:3b:00.0\", \"driver\": \"vfio-pci\",\n"
    "   \"iommu_group\": 40, \"msi_irqs\": [300, 299]},\n"
    "  {\"bdf\": \"0000:3b:00.0\", \"driver\": \"ixgbe\", \"iommu_group\": 12,\n"
    "   \"msi_irqs\": [24, 25, 26]},\n"
    "  {\"bdf\": \"0000:3b:02.0\", \"physfn\": \"0000:3b:00.0\", \"msi_irq_count\": 3},\n"
    "  {\"bdf\": \"0000:5e:00.1\", \"physfn\": \"0000:99:00.0\"}\n"
    " ]}\n";

static void test_v2_host(void **state)
{
    const struct vt_host_cpu_topo *t;
    const struct vt_host_device *d;
    struct vt_host *h;
    struct vt_err err;
    char *s;

    (void)state;
    if (load_file_text(v2_host, &h, &err) != 0)
        fail_msg("%s", err.msg);
    t = vt_host_cpu_topo(h, 2);
    assert_non_null(t);
    assert_int_equal(t->package, 1);
    assert_int_equal(t->die, 0);
    assert_int_equal(t->cluster, -1);
    assert_int_equal(t->core, 4);
    s = vt_bitmap_format_list(t->siblings);
    assert_string_equal(s, "2-3");
    free(s);
    assert_int_equal(t->llc_level, 3);
    assert_int_equal(t->llc_bytes, 16u << 20);
    t = vt_host_cpu_topo(h, 0);
    assert_non_null(t);
    assert_int_equal(t->cluster, 7);
    assert_int_equal(t->package, -1);
    assert_null(t->siblings);
    assert_null(t->llc);
    assert_null(vt_host_cpu_topo(h, 1));
    assert_null(vt_host_cpu_topo(h, 99999));
    /* The physical function lists its virtual functions, in address order. */
    d = vt_host_device_by_bdf(h, "0000:3b:00.0");
    assert_non_null(d);
    assert_string_equal(d->driver, "ixgbe");
    assert_int_equal(d->iommu_group, 12);
    assert_null(d->physfn);
    assert_int_equal(d->nvirtfns, 2);
    assert_string_equal(d->virtfns[0], "0000:3b:02.0");
    assert_string_equal(d->virtfns[1], "0000:3b:02.1");
    assert_int_equal(d->nmsi_irqs, 3);
    assert_int_equal(d->msi_irqs[2], 26);
    d = vt_host_device_by_bdf(h, "0000:3b:02.1");
    assert_string_equal(d->physfn, "0000:3b:00.0");
    assert_int_equal(d->nvirtfns, 0);
    assert_int_equal(d->msi_irqs[0], 299); /* sorted */
    d = vt_host_device_by_bdf(h, "0000:3b:02.0");
    assert_int_equal(d->nmsi_irqs, 3);
    assert_null(d->msi_irqs);
    /* A physfn the host does not have is dropped with a warning. */
    d = vt_host_device_by_bdf(h, "0000:5e:00.1");
    assert_null(d->physfn);
    assert_int_equal(vt_host_warning_count(h), 1);
    assert_non_null(strstr(vt_host_warning(h, 0), "its physical function 0000:99:00.0 is not a "
                                                  "device of this host"));
    roundtrip(h, "version 2 host");
    vt_host_free(h);
}

static void expect_bad(const char *text, const char *fragment)
{
    struct vt_host *h = NULL;
    struct vt_err err;
    int rc = load_file_text(text, &h, &err);

    if (rc >= 0 || !strstr(err.msg, fragment))
        fail_msg("got %d '%s', want an error with '%s' for:\n%s", rc, err.msg, fragment, text);
    assert_null(h);
}

#define HDR_V1_TOPO                                                                                \
    "{\"format\":\"vtopo-host\",\"version\":1,\"cpus\":{\"online\":\"0\",\"topology\":[]},"        \
    "\"nodes\":[{\"pnode\":0,\"host_pxm\":0,\"cpus\":\"0\",\"memory_bytes\":1}]}"
#define HDR "{\"format\":\"vtopo-host\",\"version\":1,\"cpus\":{\"online\":\"0-1\"},"

static void test_bad_files(void **state)
{
    (void)state;
    expect_bad("{\"format\": \"vtopo-host\",\n\"version\": 1,\n oops}", "line 3: not valid JSON");
    expect_bad("{\"format\": \"vtopo-host\"", "unexpected end of file");
    expect_bad(HDR "\"nodes\":[]} trailing", "text after the JSON document");
    expect_bad("[1, 2]", "top level: must be an object");
    expect_bad("{\"format\":\"hwloc\",\"version\":1}", "format: must be \"vtopo-host\"");
    expect_bad("{\"format\":\"vtopo-host\",\"version\":3}", "version: must be 1 or 2");
    expect_bad(HDR_V1_TOPO, "cpus.topology: is version 2's (the file says version 1)");
    expect_bad(HDR "\"nodes\":[], \"extra\": 1}", "top level: unknown key 'extra'");
    expect_bad("{\"format\":\"vtopo-host\",\"version\":1,\"nodes\":[]}", "cpus: is missing");
    expect_bad(HDR "\"nodes\":[]}", "nodes: must list at least one node");
    expect_bad(HDR "\"nodes\":{}}", "nodes: must be an array");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0-1\"}]}",
               "nodes[0].memory_bytes: is missing");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"cpus\":\"0-1\",\"memory_bytes\":1}]}",
               "host_pxm is missing");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0-1x\","
                   "\"memory_bytes\":1}]}",
               "nodes[0].cpus: '0-1x'");
    expect_bad(HDR
               "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":-5}]}",
               "nodes[0].memory_bytes: must not be negative");
    expect_bad(HDR "\"nodes\":[{\"pnode\":1,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1},"
                   "{\"pnode\":1,\"host_pxm\":null,\"cpus\":\"1\",\"memory_bytes\":1}]}",
               "nodes[1]: pnode must be above the previous node's");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1,"
                   "\"memroy\":1}]}",
               "nodes[0]: unknown key 'memroy'");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1,"
                   "\"distances\":[10,20]}]}",
               "nodes[0].distances: has 2 entries, expected one per node (1)");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1,"
                   "\"distances\":[0]}]}",
               "entry 0 must be null or an integer 1..65535");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1,"
                   "\"memory_ranges\":[{\"start\":\"0x1000\",\"end\":\"0x1000\"}]}]}",
               "memory_ranges[0].end: must be above start");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1,"
                   "\"memory_ranges\":[{\"start\":\"4096\",\"end\":\"0x2000\"}]}]}",
               "memory_ranges[0].start: '4096' is not a hex value");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1,"
                   "\"memory_ranges\":[{\"start\":\"0x0\",\"end\":\"0x2000\"}]},"
                   "{\"pnode\":1,\"host_pxm\":null,\"cpus\":\"1\",\"memory_bytes\":1,"
                   "\"memory_ranges\":[{\"start\":\"0x1000\",\"end\":\"0x3000\"}]}]}",
               "memory range 0x1000-0x3000 of node 1 overlaps 0x0-0x2000 of node 0");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1,"
                   "\"offline_cpus\":\"0\"}]}",
               "offline_cpus and cpus must not share a CPU");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1}],"
                   "\"devices\":[{\"bdf\":\"00:1f.3\"}]}",
               "devices[0].bdf: '00:1f.3' is not a PCI address");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1}],"
                   "\"devices\":[{\"bdf\":\"0000:00:1f.3\",\"vendor\":\"0x12345\"}]}",
               "devices[0].vendor: '0x12345' is not a hex value in range");
    expect_bad(HDR "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0\",\"memory_bytes\":1}],"
                   "\"devices\":[{\"bdf\":\"0000:00:1f.3\"},{\"bdf\":\"0000:00:1f.3\"}]}",
               "PCI device 0000:00:1f.3 is listed twice");
    {
        struct vt_host_source src = {VT_HOST_FILE, "/nonexistent/host.json", NULL};
        struct vt_host *h = NULL;
        struct vt_err err;

        assert_int_equal(vt_host_load(&src, &h, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "/nonexistent/host.json: cannot open"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_synthetic_roundtrip),
        cmocka_unit_test(test_full_host),
        cmocka_unit_test(test_v2_host),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
