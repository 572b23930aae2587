/* verify's views: parsing a real guest's console (a fixture from a Debian 6.1
 * cloud kernel booted by `make demo`), predicting the view from a plan and
 * from `vtopo check`, and comparing; a seeded property test renders random
 * plans' predictions as probe output and requires the parse to agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format/acpi_parse.h"
#include "support.h"
#include "util/file.h"
#include "verify_view.h"
#include "fields.h"
#include "vtopo/acpi.h"
#include "vtopo/vtopo.h"

#ifndef VT_SOURCE_DIR
#error "VT_SOURCE_DIR must name the source tree"
#endif

#define FIXTURE VT_SOURCE_DIR "/tests/fixtures/guest/demo-6vcpu-4g.console"

static char *read_fixture(void)
{
    char *text = NULL;
    size_t len;
    struct vt_err err;

    if (vt_read_file(FIXTURE, 1 << 22, 0, &text, &len, &err) < 0)
        fail_msg("%s", err.msg);
    return text;
}

/* The demo's guest: 6 vCPUs over 2 vnodes, 4 GiB, QEMU q35. */
static struct vt_layout *demo_layout(const char *extra_vcpu_nodes)
{
    struct vt_host_source src = {VT_HOST_FILE, VT_SOURCE_DIR "/examples/hosts/demo-2s6c.json",
                                 NULL};
    struct vt_host *h;
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct vt_err err;

    assert_int_equal(vt_host_load(&src, &h, &err), 0);
    assert_int_equal(vt_request_set_vcpus(r, 6, &err), 0);
    assert_int_equal(vt_request_set_memory(r, UINT64_C(4) << 30, &err), 0);
    if (extra_vcpu_nodes)
        assert_int_equal(vt_request_parse_vcpu_vnodes(r, extra_vcpu_nodes, &err), 0);
    else
        assert_int_equal(vt_request_set_vnodes(r, 2, &err), 0);
    assert_int_equal(vt_request_parse_mem_layout(r, "qemu-q35", &err), 0);
    if (vt_plan(h, r, &l, &err) < 0)
        fail_msg("%s", err.msg);
    vt_request_free(r);
    vt_host_free(h);
    return l;
}

static size_t compare_quiet(const struct vt_guest_view *want, const struct vt_guest_view *got,
                            uint64_t ram)
{
    FILE *devnull = fopen("/dev/null", "w");
    size_t n;

    assert_non_null(devnull);
    n = verify_compare(want, got, ram, VERIFY_TABLE, devnull);
    fclose(devnull);
    return n;
}

static void predict(const struct vt_layout *l, struct vt_guest_view *want)
{
    uint8_t *hmat;
    size_t len;
    struct vt_err err;

    assert_int_equal(vt_acpi_hmat(l, NULL, &hmat, &len, &err), 0);
    assert_int_equal(vt_guest_view_of_layout(l, hmat, len, false, want, &err), 0);
    free(hmat);
}

static void test_fixture_parses(void **state)
{
    char *text = read_fixture();
    struct vt_guest_view v;
    struct vt_err err;

    (void)state;
    assert_int_equal(verify_parse_console(text, &v, &err), 0);
    assert_true(v.complete);
    assert_int_equal(v.srat, VT_GUEST_USED);
    assert_int_equal(v.slit, VT_GUEST_USED);
    assert_int_equal(v.hmat, VT_GUEST_USED);
    assert_int_equal(v.nnodes, 2);
    assert_int_equal(v.nodes[1].pxm, 1);
    assert_int_equal(vt_bitmap_weight(v.nodes[1].cpus), 3);
    assert_true(vt_bitmap_isset(v.nodes[1].cpus, 3));
    assert_int_equal(v.nodes[0].dist[1], 21);
    assert_int_equal(v.nodes[1].nranges, 1);
    assert_int_equal(v.nodes[1].ranges[0].start, UINT64_C(0x100000000));
    assert_int_equal(v.nodes[1].ranges[0].end, UINT64_C(0x180000000));
    assert_int_equal(v.ncpus, 6);
    assert_int_equal(v.cpus[3].apic_id, 4);
    assert_int_equal(v.cpus[5].apic_id, 6);
    assert_int_equal(v.cpus[5].package, 1);
    assert_int_equal(v.nodes[0].access0, 1);
    assert_int_equal(v.nodes[0].read_latency, 100);
    assert_int_equal(v.nodes[0].read_bandwidth, 51200);
    assert_true(v.nodes[0].memory_bytes > (1800LL << 20));
    vt_guest_view_free(&v);
    free(text);
}

/* The fixture is what the plan predicts. */
static void test_fixture_matches_plan(void **state)
{
    char *text = read_fixture();
    struct vt_layout *l = demo_layout(NULL);
    struct vt_guest_view want, got;
    struct vt_err err;

    (void)state;
    predict(l, &want);
    assert_int_equal(verify_parse_console(text, &got, &err), 0);
    assert_int_equal(compare_quiet(&want, &got, vt_layout_memory(l)), 0);
    vt_guest_view_free(&want);
    vt_guest_view_free(&got);
    vt_layout_free(l);
    free(text);
}

/* Replace the first occurrence of from with to (same buffer, to not longer). */
static void edit(char *text, const char *from, const char *to)
{
    char *p = strstr(text, from);

    assert_non_null(p);
    assert_true(strlen(to) <= strlen(from));
    memcpy(p, to, strlen(to));
    memset(p + strlen(to), ' ', strlen(from) - strlen(to));
}

static size_t mismatches_after(const char *from, const char *to, const char *vcpu_nodes)
{
    char *text = read_fixture();
    struct vt_layout *l = demo_layout(vcpu_nodes);
    struct vt_guest_view want, got;
    struct vt_err err;
    size_t n;

    if (from)
        edit(text, from, to);
    predict(l, &want);
    assert_int_equal(verify_parse_console(text, &got, &err), 0);
    n = compare_quiet(&want, &got, vt_layout_memory(l));
    vt_guest_view_free(&want);
    vt_guest_view_free(&got);
    vt_layout_free(l);
    free(text);
    return n;
}

/* Every kind of difference is caught. */
static void test_mismatches(void **state)
{
    (void)state;
    /* a CPU on the wrong node: node 1's set, and cpu 5's node */
    assert_true(mismatches_after("VTP node 1 cpus 3-5", "VTP node 1 cpus 3-4", NULL) >= 1);
    assert_true(mismatches_after("VTP cpu 5 apic 6 node 1", "VTP cpu 5 apic 6 node 0", NULL) == 1);
    /* a distance */
    assert_int_equal(
        mismatches_after("VTP node 0 distance 10 21", "VTP node 0 distance 10 31", NULL), 1);
    /* an APIC ID */
    assert_int_equal(mismatches_after("VTP cpu 4 apic 5", "VTP cpu 4 apic 7", NULL), 1);
    /* memory far below the plan */
    assert_int_equal(mismatches_after("VTP node 1 memtotal_kb 2", "VTP node 1 memtotal_kb 1", NULL),
                     1);
    /* the plan differs from the guest: 2 + 4 vCPUs */
    assert_true(mismatches_after(NULL, NULL, "0-1:0,2-5:1") >= 3);
    /* the probe did not finish */
    assert_true(mismatches_after("VTP end", "VTP xx", NULL) >= 1);
    /* the kernel rejected the SLIT */
    assert_true(mismatches_after("NUMA: Initialized distance table, cnt=2",
                                 "SLIT table looks invalid", NULL) >= 1);
}

/* Rejections in the kernel log are verdicts; a panic is kept. */
static void test_kernel_verdicts(void **state)
{
    struct vt_guest_view v;
    struct vt_err err;

    (void)state;
    assert_int_equal(
        verify_parse_console("[    0.000000] NUMA: nodes only cover 511MB of your 1023MB "
                             "e820 RAM. Not used.\n"
                             "[    0.000000] SRAT: PXM 1 -> APIC 0x02 -> Node 1\n"
                             "VTP begin 1\nVTP nodes online 0\nVTP node 0 cpus 0-3\n"
                             "VTP node 0 distance 10\nVTP end\n",
                             &v, &err),
        0);
    assert_int_equal(v.srat, VT_GUEST_NOT_USED);
    assert_int_equal(v.slit, VT_GUEST_NOT_USED);
    assert_int_equal(v.nnodes, 1); /* the rejected SRAT's node 1 is not a node */
    assert_int_equal(v.nodes[0].pxm, VT_GUEST_UNKNOWN);
    vt_guest_view_free(&v);
    assert_int_equal(verify_parse_console("acpi/hmat: Ignoring: Invalid table\r\n"
                                          "Kernel panic - not syncing: Attempted to kill init!\r\n",
                                          &v, &err),
                     0);
    assert_false(v.complete);
    assert_int_equal(v.hmat, VT_GUEST_NOT_USED);
    assert_non_null(v.panic_line);
    assert_int_equal(v.srat, VT_GUEST_NOT_KNOWN);
    vt_guest_view_free(&v);
    /* a cpulist that does not parse is not known (a mismatch), not an error */
    assert_int_equal(verify_parse_console("VTP begin 1\nVTP node 0 cpus 3-x\nVTP cpu 0 llc 9-1\n"
                                          "VTP end\n",
                                          &v, &err),
                     0);
    assert_null(v.nodes[0].cpus);
    assert_null(v.cpus[0].llc);
    vt_guest_view_free(&v);
    /* garbage is no view, not a crash */
    assert_int_equal(
        verify_parse_console("VTP node\nVTP cpu\nVTP node x y\nVTP cpu 1 apic\n", &v, &err), 0);
    assert_false(v.complete);
    vt_guest_view_free(&v);
}

/* The check's prediction for the plan's own tables is the plan's nodes. */
static void test_from_check(void **state)
{
    struct vt_layout *l = demo_layout(NULL);
    uint8_t *srat, *slit;
    size_t srat_len, slit_len;
    struct vt_check_input in = {0};
    struct vt_check *c;
    struct vt_guest_view v;
    struct vt_err err;

    (void)state;
    assert_int_equal(vt_acpi_srat(l, NULL, &srat, &srat_len, &err), 0);
    assert_int_equal(vt_acpi_slit(l, NULL, &slit, &slit_len, &err), 0);
    in.srat = srat;
    in.srat_len = srat_len;
    in.slit = slit;
    in.slit_len = slit_len;
    assert_int_equal(vt_check_run(&in, &c, &err), 0);
    assert_int_equal(vt_guest_view_of_check(c, slit, slit_len, vt_layout_memory(l), &v, &err), 0);
    assert_int_equal(v.srat, VT_GUEST_USED);
    assert_int_equal(v.nnodes, 2);
    assert_int_equal(v.nodes[1].ncpus, 3);
    assert_int_equal(v.nodes[1].dist[0], 21);
    /* the check counts the SRAT's ranges: vnode 0's RAM without the 640K-1M hole */
    assert_int_equal(v.nodes[0].memory_bytes,
                     (long long)vt_layout_vnode(l, 0)->memory_bytes - (384 << 10));
    assert_int_equal(v.nodes[1].memory_bytes, (long long)vt_layout_vnode(l, 1)->memory_bytes);
    vt_guest_view_free(&v);
    vt_check_free(c);
    free(srat);
    free(slit);
    vt_layout_free(l);
}

/* Render a prediction as the probe would print it. */
static char *render(const struct vt_guest_view *v)
{
    char *text = NULL, list[4096];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    fprintf(f, "VTP begin 1\nVTP nodes online 0-%zu\n", v->nnodes - 1);
    for (size_t i = 0; i < v->nnodes; i++) {
        const struct vt_guest_node *n = &v->nodes[i];

        vt_bitmap_snprint_list(list, sizeof(list), n->cpus);
        fprintf(f, "VTP node %d cpus %s\nVTP node %d distance", n->id, *list ? list : "-", n->id);
        for (size_t j = 0; j < v->nnodes; j++)
            fprintf(f, " %u", n->dist[j]);
        fprintf(f, "\nVTP node %d memtotal_kb %lld\n", n->id, (n->memory_bytes - (8 << 20)) / 1024);
        for (size_t r = 0; r < n->nranges; r++)
            fprintf(f, "[    0.000000] ACPI: SRAT: Node %d PXM %lld [mem %#010llx-%#010llx]\n",
                    n->id, n->pxm, (unsigned long long)n->ranges[r].start,
                    (unsigned long long)n->ranges[r].end - 1);
        if (!n->nranges)
            fprintf(f, "[    0.000000] SRAT: PXM %lld -> APIC 0x00 -> Node %d\n", n->pxm, n->id);
        if (n->access0 == 1)
            fprintf(f,
                    "VTP node %d access0 initiators 0 read_latency %lld write_latency %lld "
                    "read_bandwidth %lld write_bandwidth %lld\n",
                    n->id, n->read_latency, n->write_latency, n->read_bandwidth,
                    n->write_bandwidth);
    }
    for (size_t i = 0; i < v->ncpus; i++) {
        const struct vt_guest_cpu *c = &v->cpus[i];

        vt_bitmap_snprint_list(list, sizeof(list), c->llc);
        fprintf(f, "VTP cpu %d apic %lld node %lld package %lld die %lld core %lld llc %s\n",
                c->cpu, c->apic_id, c->node, c->package, c->die, c->core, list);
    }
    fprintf(f, "VTP end\n");
    fclose(f);
    return text;
}

/* Property: for random plans, the prediction rendered as probe output parses
 * back to a view that compares equal; one changed CPU node is one mismatch
 * more. */
static void test_random_round_trip(void **state)
{
    struct vt_host *h = t_synthetic("sockets=4,cores=8,threads=2,mem=64G");

    (void)state;
    t_seed("test_random_round_trip");
    for (int iter = 0; iter < 300; iter++) {
        unsigned vcpus = 1 + (unsigned)rand() % 48, vnodes = 1 + (unsigned)rand() % 6;
        struct vt_request *r = cli_request_new();
        struct vt_layout *l = NULL;
        struct vt_guest_view want, got;
        struct vt_err err;
        char *text;

        if (vnodes > vcpus)
            vnodes = vcpus;
        assert_int_equal(vt_request_set_vcpus(r, vcpus, &err), 0);
        assert_int_equal(vt_request_set_memory(r, (UINT64_C(512) << 20) * vnodes, &err), 0);
        assert_int_equal(vt_request_set_vnodes(r, vnodes, &err), 0);
        assert_int_equal(vt_request_parse_mem_layout(r, rand() % 2 ? "qemu-q35" : "qemu-pc", &err),
                         0);
        if (rand() % 2)
            assert_int_equal(vt_request_parse_vendor(r, "amd", &err), 0);
        if (vt_plan(h, r, &l, &err) < 0)
            fail_msg("vcpus %u vnodes %u: %s", vcpus, vnodes, err.msg);
        predict(l, &want);
        text = render(&want);
        assert_int_equal(verify_parse_console(text, &got, &err), 0);
        if (compare_quiet(&want, &got, vt_layout_memory(l)) != 0) {
            verify_compare(&want, &got, vt_layout_memory(l), VERIFY_TABLE, stdout);
            fail_msg("vcpus %u vnodes %u: the rendered prediction does not compare equal", vcpus,
                     vnodes);
        }
        if (got.ncpus && got.nnodes > 1) {
            got.cpus[0].node = got.cpus[0].node == 0 ? 1 : 0;
            assert_int_equal(compare_quiet(&want, &got, vt_layout_memory(l)), 1);
        }
        free(text);
        vt_guest_view_free(&want);
        vt_guest_view_free(&got);
        vt_layout_free(l);
        vt_request_free(r);
    }
    vt_host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_parses), cmocka_unit_test(test_fixture_matches_plan),
        cmocka_unit_test(test_mismatches),     cmocka_unit_test(test_kernel_verdicts),
        cmocka_unit_test(test_from_check),     cmocka_unit_test(test_random_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
