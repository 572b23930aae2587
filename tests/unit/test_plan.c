/* Unit tests: the planner — known answers (QEMU's and Xen's encodings, the
 * 25/24 split, pinning on a 2-socket host, dom0 identity), rejections, and
 * invariants over thousands of seeded random requests. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/linux/numa.h"
#include "format/acpi_parse.h"
#include "linux_topo_check.h"
#include "unit/support.h"
#include "util/file.h"
#include "fields.h"
#include "vtopo/vmm.h"
#include "vtopo/acpi.h"
#include "vtopo/cpuid.h"
#include "vtopo/emit.h"
#include "vtopo/layout.h"

#define G (UINT64_C(1) << 30)
#define M (UINT64_C(1) << 20)

/* A request from "key=value;key=value" (keys: vcpus memory vnodes vcpu-nodes
 * pin pin-identity vnode-pnodes vnode-memory shape vendor apic mem-layout
 * allow-span guest-pxms distances hmat-latency hmat-bandwidth max-vcpus
 * initiator hotplug-memory (the last two may repeat); in the
 * matrices '/' stands for the row separator ';'); NULL with err set when a
 * setter rejects. */
static struct vt_request *request(const char *text, struct vt_err *err)
{
    struct vt_request *r = cli_request_new();
    char *copy = strdup(text), *save = NULL, *tok;
    int rc = 0;

    assert_non_null(r);
    assert_non_null(copy);
    for (tok = strtok_r(copy, ";", &save); tok && rc == 0; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        char *v = eq ? eq + 1 : tok + strlen(tok);

        if (eq)
            *eq = '\0';
        if (strcmp(tok, "distances") == 0 || strncmp(tok, "hmat-", 5) == 0)
            for (char *c = v; *c; c++)
                *c = *c == '/' ? ';' : *c;
        if (strcmp(tok, "vcpus") == 0)
            rc = vt_request_set_vcpus(r, (unsigned)strtoul(v, NULL, 10), err);
        else if (strcmp(tok, "memory") == 0)
            rc = vt_request_set_memory(r, strtoull(v, NULL, 10) * M, err);
        else if (strcmp(tok, "vnodes") == 0)
            rc = vt_request_set_vnodes(r, (unsigned)strtoul(v, NULL, 10), err);
        else if (strcmp(tok, "vcpu-nodes") == 0)
            rc = vt_request_parse_vcpu_vnodes(r, v, err);
        else if (strcmp(tok, "pin") == 0)
            rc = vt_request_parse_pins(r, v, err);
        else if (strcmp(tok, "pin-identity") == 0)
            rc = vt_request_set_pin_identity(r, err);
        else if (strcmp(tok, "vnode-pnodes") == 0)
            rc = vt_request_parse_vnode_pnodes(r, v, err);
        else if (strcmp(tok, "vnode-memory") == 0)
            rc = vt_request_parse_vnode_memory(r, v, err);
        else if (strcmp(tok, "shape") == 0)
            rc = vt_request_parse_shape(r, v, err);
        else if (strcmp(tok, "vendor") == 0)
            rc = vt_request_parse_vendor(r, v, err);
        else if (strcmp(tok, "apic") == 0)
            rc = vt_request_parse_apic(r, v, err);
        else if (strcmp(tok, "mem-layout") == 0)
            rc = vt_request_parse_mem_layout(r, v, err);
        else if (strcmp(tok, "allow-span") == 0)
            vt_request_allow_package_span(r, true);
        else if (strcmp(tok, "guest-pxms") == 0)
            rc = vt_request_parse_guest_pxms(r, v, err);
        else if (strcmp(tok, "distances") == 0)
            rc = vt_request_parse_distances(r, v, err);
        else if (strcmp(tok, "hmat-latency") == 0)
            rc = vt_request_parse_hmat_latency(r, v, err);
        else if (strcmp(tok, "hmat-bandwidth") == 0)
            rc = vt_request_parse_hmat_bandwidth(r, v, err);
        else if (strcmp(tok, "max-vcpus") == 0)
            rc = vt_request_set_max_vcpus(r, (unsigned)strtoul(v, NULL, 10), err);
        else if (strcmp(tok, "initiator") == 0)
            rc = vt_request_parse_initiators(r, v, err);
        else if (strcmp(tok, "hotplug-memory") == 0)
            rc = vt_request_parse_hotplug_memory(r, v, err);
        else
            fail_msg("test defect: unknown key '%s'", tok);
    }
    free(copy);
    if (rc < 0) {
        vt_request_free(r);
        return NULL;
    }
    return r;
}

static struct vt_layout *plan(const struct vt_host *h, const char *text)
{
    struct vt_err err;
    struct vt_request *r = request(text, &err);
    struct vt_layout *l = NULL;

    if (!r)
        fail_msg("'%s': request rejected: %s", text, err.msg);
    if (vt_plan(h, r, &l, &err) != 0)
        fail_msg("'%s': %s", text, err.msg);
    vt_request_free(r);
    return l;
}

static void expect_reject(const struct vt_host *h, const char *text, const char *fragment)
{
    struct vt_err err;
    struct vt_request *r = request(text, &err);
    struct vt_layout *l = NULL;
    int rc = r ? vt_plan(h, r, &l, &err) : err.code;

    if (rc != -EINVAL || !strstr(err.msg, fragment))
        fail_msg("'%s': got %d '%s', want -EINVAL and '%s'", text, rc, rc ? err.msg : "", fragment);
    assert_null(l);
    vt_request_free(r);
}

static void expect_apic(const struct vt_layout *l, const uint32_t *want, size_t n)
{
    assert_int_equal(vt_layout_vcpu_count(l), n);
    for (size_t i = 0; i < n; i++)
        if (vt_layout_vcpu(l, i)->apic_id != want[i])
            fail_msg("vCPU %zu: APIC ID %u, want %u", i, vt_layout_vcpu(l, i)->apic_id, want[i]);
}

/* QEMU: -smp 6,sockets=2,cores=3 gives APIC IDs 0,1,2,4,5,6. */
static void test_sdm_qemu_known_answers(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G");
    struct vt_layout *l;
    const uint32_t two_by_three[] = {0, 1, 2, 4, 5, 6};
    const uint32_t smt[] = {0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13};

    (void)state;
    l = plan(h, "vcpus=6;memory=2048;vnodes=2;shape=sockets=2,cores=3");
    expect_apic(l, two_by_three, 6);
    assert_int_equal(vt_layout_apic_fields(l)->pkg_shift, 2);
    assert_int_equal(vt_layout_vcpu(l, 4)->package, 1);
    assert_int_equal(vt_layout_vcpu(l, 4)->core, 1);
    vt_layout_free(l);
    /* The default shape for 2 vnodes of 3 is the same. */
    l = plan(h, "vcpus=6;memory=2048;vnodes=2");
    expect_apic(l, two_by_three, 6);
    vt_layout_free(l);
    /* sockets=2,cores=3,threads=2: thread bit, 2-bit core field. */
    l = plan(h, "vcpus=12;memory=2048;vnodes=2;shape=sockets=2,cores=3,threads=2");
    expect_apic(l, smt, 12);
    assert_int_equal(vt_layout_apic_fields(l)->core_shift, 1);
    assert_int_equal(vt_layout_apic_fields(l)->pkg_shift, 3);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Xen vNUMA encoding, the worked examples of the issue and of Edera's code. */
static void test_xen_known_answers(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=32,mem=64G");
    struct vt_layout *l;
    uint32_t want[64];

    (void)state;
    l = plan(h, "vcpus=48;memory=4096;vnodes=2;apic=xen");
    for (unsigned i = 0; i < 24; i++) {
        want[i] = i * 2;
        want[24 + i] = 64 + i * 2;
    }
    expect_apic(l, want, 48);
    assert_int_equal(vt_layout_apic_fields(l)->pkg_shift, 6);
    vt_layout_free(l);
    /* 49 over 2: 25/24, IDs 0..48 and 64..110. */
    l = plan(h, "vcpus=49;memory=4096;vnodes=2;apic=xen");
    assert_int_equal(vt_bitmap_weight(vt_layout_vnode(l, 0)->vcpus), 25);
    assert_int_equal(vt_bitmap_weight(vt_layout_vnode(l, 1)->vcpus), 24);
    for (unsigned i = 0; i < 25; i++)
        want[i] = i * 2;
    for (unsigned i = 0; i < 24; i++)
        want[25 + i] = 64 + i * 2;
    expect_apic(l, want, 49);
    vt_layout_free(l);
    /* Every power-of-two balanced layout is exactly vcpu*2. */
    for (unsigned vn = 1; vn <= 8; vn *= 2)
        for (unsigned per = 1; per <= 8; per *= 2) {
            char text[128];

            snprintf(text, sizeof(text), "vcpus=%u;memory=%u;vnodes=%u;apic=xen", vn * per,
                     vn * 256, vn);
            l = plan(h, text);
            for (unsigned i = 0; i < vn * per; i++)
                want[i] = i * 2;
            expect_apic(l, want, vn * per);
            vt_layout_free(l);
        }
    vt_host_free(h);
}

static void test_legacy_and_capacity_query(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=32,mem=64G");
    struct vt_layout *l = plan(h, "vcpus=49;memory=4096;vnodes=2;apic=legacy");
    uint32_t ids[49];
    size_t needed = 0;

    (void)state;
    assert_int_equal(vt_layout_apic_ids(l, NULL, 0, &needed), 49);
    assert_int_equal(needed, 49);
    assert_int_equal(vt_layout_apic_ids(l, ids, 0, NULL), 49);
    needed = 0;
    assert_int_equal(vt_layout_apic_ids(l, ids, 48, &needed), -ENOBUFS);
    assert_int_equal(needed, 49);
    assert_int_equal(vt_layout_apic_ids(l, ids, 49, &needed), 49);
    for (unsigned i = 0; i < 49; i++)
        assert_int_equal(ids[i], i * 2);
    /* 25/24 cannot be one package per vnode with vcpu*2: warned. */
    assert_true(vt_layout_warning_count(l) > 0);
    assert_non_null(strstr(vt_layout_warning(l, 0), "--apic legacy"));
    vt_layout_free(l);
    vt_host_free(h);
}

/* Memory in proportion to vCPUs, exact total, in 2 MiB granules. */
static void test_memory_split(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=32,mem=64G");
    struct vt_layout *l = plan(h, "vcpus=49;memory=1024;vnodes=2");

    (void)state;
    /* 512 granules: 25/49 -> 261.2, 24/49 -> 250.8: the larger remainder wins. */
    assert_int_equal(vt_layout_vnode(l, 0)->memory_bytes, 261 * 2 * M);
    assert_int_equal(vt_layout_vnode(l, 1)->memory_bytes, 251 * 2 * M);
    vt_layout_free(l);
    /* Explicit sizes: vnode 0 memory-less, vnode 1 memory-only. */
    l = plan(h, "vcpus=4;memory=3072;vcpu-nodes=0-1:0,2-3:2;vnode-memory=0,1G,2G");
    assert_int_equal(vt_layout_vnode(l, 0)->memory_bytes, 0);
    assert_int_equal(vt_layout_vnode(l, 0)->nranges, 0);
    assert_int_equal(vt_bitmap_weight(vt_layout_vnode(l, 1)->vcpus), 0);
    assert_int_equal(vt_layout_vnode(l, 1)->memory_bytes, G);
    /* Linux numbering: CPU entries first (vnodes 0, 2), then memory (vnode 1). */
    assert_int_equal(vt_layout_vnode(l, 0)->linux_node, 0);
    assert_int_equal(vt_layout_vnode(l, 2)->linux_node, 1);
    assert_int_equal(vt_layout_vnode(l, 1)->linux_node, 2);
    vt_layout_free(l);
    vt_host_free(h);
}

/* A 2-socket host with pinning: vnodes follow the pinned CPUs' host nodes. */
static void test_pinning(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G,distances=10:21");
    struct vt_layout *l = plan(h, "vcpus=8;memory=4096;pin=0-3:12-15,4-7:0-3");

    (void)state;
    assert_int_equal(vt_layout_vnode_count(l), 2);
    assert_int_equal(vt_layout_vnode(l, 0)->pnode, 1); /* vCPU 0 is on pCPU 12 */
    assert_int_equal(vt_layout_vnode(l, 1)->pnode, 0);
    assert_int_equal(vt_layout_vcpu(l, 0)->pcpu, 12);
    assert_int_equal(vt_layout_vcpu(l, 7)->pcpu, 3);
    assert_int_equal(vt_layout_distance(l, 0, 1), 21);
    assert_int_equal(vt_layout_distance(l, 1, 1), 10);
    assert_int_equal(vt_layout_vnode(l, 0)->linux_node, 0);
    vt_layout_free(l);
    expect_reject(h, "vcpus=8;memory=4096;pin=0-3:12-15", "does not pin vCPU 4");
    expect_reject(h, "vcpus=2;memory=4096;pin=0-1:15-16", "pCPU 16");
    vt_host_free(h);
}

/* dom0: vCPU N on pCPU N, vnode = host PXM, gaps kept as empty vnodes. */
static void test_pin_identity(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=4,mem=8G,pxms=0,2");
    struct vt_layout *l = plan(h, "vcpus=8;memory=4096;pin-identity;mem-layout=host");

    (void)state;
    assert_int_equal(vt_layout_vnode_count(l), 3);
    assert_int_equal(vt_layout_vnode(l, 0)->pnode, 0);
    assert_int_equal(vt_layout_vnode(l, 1)->pnode, -1);
    assert_int_equal(vt_layout_vnode(l, 1)->linux_node, -1);
    assert_int_equal(vt_layout_vnode(l, 1)->memory_bytes, 0);
    assert_int_equal(vt_layout_vnode(l, 2)->pnode, 1);
    assert_int_equal(vt_layout_vnode(l, 2)->guest_pxm, 2);
    assert_int_equal(vt_layout_vnode(l, 2)->host_pxm, 2);
    assert_int_equal(vt_layout_vnode(l, 2)->linux_node, 1);
    assert_int_equal(vt_layout_vcpu(l, 5)->pcpu, 5);
    /* The trim keeps each host range's share: 2 GiB of each 4 GiB node. */
    assert_int_equal(vt_layout_vnode(l, 0)->memory_bytes, 2 * G);
    assert_int_equal(vt_layout_vnode(l, 2)->memory_bytes, 2 * G);
    assert_int_equal(vt_layout_vnode(l, 2)->ranges[0].start, 4 * G);
    assert_int_equal(vt_layout_distance(l, 0, 1), 20);
    vt_layout_free(l);
    /* Without --memory, all of the spanned nodes' ranges. */
    l = plan(h, "vcpus=8;pin-identity");
    assert_int_equal(vt_layout_memory(l), 8 * G);
    assert_int_equal(vt_layout_vnode(l, 2)->memory_bytes, 4 * G);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Default spreading is nearest-first: 2 vnodes land on one socket's nodes. */
static void test_nearest_first(void **state)
{
    struct vt_host *h =
        t_synthetic("sockets=2,nodes-per-socket=2,cores=8,mem=64G,distances=10:12:32");
    struct vt_layout *l = plan(h, "vcpus=8;memory=4096;vnodes=3");

    (void)state;
    assert_int_equal(vt_layout_vnode(l, 0)->pnode, 0);
    assert_int_equal(vt_layout_vnode(l, 1)->pnode, 1);
    assert_int_equal(vt_layout_vnode(l, 2)->pnode, 2);
    assert_int_equal(vt_layout_distance(l, 0, 1), 12);
    assert_int_equal(vt_layout_distance(l, 1, 2), 32);
    vt_layout_free(l);
    /* More vnodes than host nodes: two vnodes share a pnode at distance 11. */
    l = plan(h, "vcpus=10;memory=4000;vnodes=5");
    assert_int_equal(vt_layout_vnode(l, 4)->pnode, 0);
    assert_int_equal(vt_layout_distance(l, 0, 4), 11);
    vt_layout_free(l);
    vt_host_free(h);
}

static void test_rejections(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=8G");
    struct vt_err err;

    (void)state;
    expect_reject(h, "memory=1024", "--vcpus is required");
    expect_reject(h, "vcpus=4", "--memory is required");
    expect_reject(h, "vcpus=6;memory=1024;shape=sockets=2,cores=2",
                  "makes 4 vCPUs but --vcpus is 6");
    /* Without cores=, sockets x dies x threads (2^32 here) must not wrap
     * to a division by zero. */
    expect_reject(h, "vcpus=4;memory=1024;shape=sockets=8192,dies=8192,threads=64",
                  "--shape sockets=8192,dies=8192,cores=1,threads=64 makes 4294967296 vCPUs but "
                  "--vcpus is 4");
    expect_reject(h, "vcpus=6;memory=1024;vnodes=2;shape=sockets=1,cores=6",
                  "package 0 holds vCPUs of vnodes 0 and 1");
    expect_reject(h,
                  "vcpus=4;memory=1024;vcpu-nodes=0:0,1:1,2-3:0;shape=sockets=2,cores=1,threads=2",
                  "SMT siblings must share a vnode");
    expect_reject(h, "vcpus=4;memory=1024;vcpu-nodes=0-2:0", "does not assign vCPU 3");
    expect_reject(h, "vcpus=4;memory=1024;vcpu-nodes=0-4:0", "names vCPU 4");
    expect_reject(h, "vcpus=4;memory=1024;vnodes=2;vnode-pnodes=0,7", "pnode 7");
    expect_reject(h, "vcpus=4;memory=1024;vnodes=2;vnode-pnodes=0", "lists 1 pnodes for 2");
    expect_reject(h, "vcpus=4;memory=1024;vnodes=2;vnode-memory=512M,256M",
                  "adds up to 768 MiB but --memory is 1 GiB");
    expect_reject(h, "vcpus=4;memory=8192;vnodes=2;vnode-pnodes=0,0", "host node 0 would back");
    expect_reject(h, "vcpus=4;memory=1024;vnodes=2;apic=xen;shape=sockets=2,cores=2",
                  "--shape cannot be combined with --apic xen");
    {
        /* A host whose PXMs are unknown (no readable SRAT). */
        char *dir = t_mkdtemp(), path[256];
        struct vt_host_source src = {VT_HOST_FILE, path, NULL};
        struct vt_host *unknown;

        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/h.json", dir ? dir : "");
        t_write(dir, "h.json",
                "{\"format\":\"vtopo-host\",\"version\":1,\"cpus\":{\"online\":\"0-3\"},"
                "\"nodes\":[{\"pnode\":0,\"host_pxm\":null,\"cpus\":\"0-3\","
                "\"memory_bytes\":4294967296}]}",
                -1);
        assert_int_equal(vt_host_load(&src, &unknown, NULL), 0);
        expect_reject(unknown, "vcpus=4;memory=1024;pin-identity",
                      "node 0's is unknown (run as root");
        vt_host_free(unknown);
        t_rmtree(dir);
    }
    /* Setters reject on their own. */
    assert_null(request("vcpus=0", &err));
    assert_non_null(strstr(err.msg, "--vcpus 0: must be from 1 to 8192"));
    assert_null(request("vcpus=4;memory=3", &err));
    assert_non_null(strstr(err.msg, "multiple of 2 MiB"));
    assert_null(request("vnodes=2;pin=0:0", &err));
    assert_non_null(strstr(err.msg, "--vnodes and --pin are alternatives"));
    assert_null(request("vcpu-nodes=0-3:0,2:1", &err));
    assert_non_null(strstr(err.msg, "vCPU 2 is assigned twice"));
    assert_null(request("vcpu-nodes=0-3", &err));
    assert_non_null(strstr(err.msg, "has no ':'"));
    assert_null(request("pin=0-3:0-2", &err));
    assert_non_null(strstr(err.msg, "pins 4 vCPUs to 3 pCPUs"));
    assert_null(request("shape=sockets=2,cpus=3", &err));
    assert_non_null(strstr(err.msg, "unknown key 'cpus'"));
    assert_null(request("apic=x2", &err));
    assert_non_null(strstr(err.msg, "expected sdm, xen or legacy"));
    assert_null(request("mem-layout=qemu", &err));
    assert_non_null(strstr(err.msg, "expected flat, qemu-pc"));
    assert_null(request("vnode-memory=1G,,1G", &err));
    assert_non_null(strstr(err.msg, "an entry is empty"));
    vt_host_free(h);
}

/* Independent check of a plan's invariants. */
static void check_invariants(const struct vt_layout *l, const char *text, unsigned seed)
{
    size_t nc = vt_layout_vcpu_count(l), nv = vt_layout_vnode_count(l);
    struct vt_bitmap *all = vt_bitmap_new(), *apics = vt_bitmap_new();
    uint64_t mem = 0;

    assert_non_null(all);
    assert_non_null(apics);
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);
        uint64_t in_ranges = 0;

        if (vt_bitmap_intersects(all, vn->vcpus))
            fail_msg("seed %u '%s': vnode %zu shares vCPUs", seed, text, v);
        vt_bitmap_or(all, vn->vcpus);
        mem += vn->memory_bytes;
        for (size_t r = 0; r < vn->nranges; r++) {
            if (vn->ranges[r].end <= vn->ranges[r].start)
                fail_msg("seed %u '%s': empty range", seed, text);
            in_ranges += vn->ranges[r].end - vn->ranges[r].start;
        }
        /* QEMU kinds: vnode 0 loses the 640K-1M hole. */
        if (in_ranges != vn->memory_bytes && vn->memory_bytes - in_ranges != 384 * 1024)
            fail_msg("seed %u '%s': vnode %zu has %llu bytes in ranges for %llu", seed, text, v,
                     (unsigned long long)in_ranges, (unsigned long long)vn->memory_bytes);
        for (size_t w = 0; w < nv; w++) {
            uint32_t d = vt_layout_distance(l, (unsigned)v, (unsigned)w);

            if (v == w ? d != 10 : (d <= 10 || d > 254))
                fail_msg("seed %u '%s': distance %zu->%zu is %u", seed, text, v, w, d);
        }
    }
    if (vt_bitmap_weight(all) != nc || vt_bitmap_last(all) != (int)nc - 1)
        fail_msg("seed %u '%s': vCPUs are not partitioned over vnodes", seed, text);
    if (mem != vt_layout_memory(l))
        fail_msg("seed %u '%s': vnode memory %llu != %llu", seed, text, (unsigned long long)mem,
                 (unsigned long long)vt_layout_memory(l));
    for (size_t i = 0; i < nc; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);
        const struct vt_apic_fields *f = vt_layout_apic_fields(l);

        if (vt_bitmap_isset(apics, c->apic_id))
            fail_msg("seed %u '%s': APIC ID %u repeats", seed, text, c->apic_id);
        vt_bitmap_set(apics, c->apic_id);
        if (!vt_bitmap_isset(vt_layout_vnode(l, c->vnode)->vcpus, (unsigned)i))
            fail_msg("seed %u '%s': vCPU %zu not in its vnode", seed, text, i);
        /* LLC groups never span vnodes. */
        for (size_t j = 0; j < nc; j++) {
            const struct vt_vcpu *d = vt_layout_vcpu(l, j);

            if ((c->apic_id >> f->llc_shift) == (d->apic_id >> f->llc_shift) &&
                c->vnode != d->vnode)
                fail_msg("seed %u '%s': vCPUs %zu and %zu share an LLC across vnodes", seed, text,
                         i, j);
            if (j >= i)
                break; /* each pair once */
        }
    }
    vt_bitmap_free(all);
    vt_bitmap_free(apics);
    /* Coverage: RAM of the map in no vnode's range is at most 1 MiB (Linux's
     * memblock_validate_numa_coverage). (Xen HVM ranges, like libxl's, may run
     * over the reserved 640K-1M hole; Linux clips them to RAM.) */
    {
        const struct vt_e820_entry *map;
        size_t nmap = vt_layout_memory_map(l, &map);
        uint64_t ram = 0, covered = 0;

        for (size_t i = 0; i < nmap; i++) {
            if (map[i].type != VT_E820_RAM)
                continue;
            ram += map[i].end - map[i].start;
            for (size_t v = 0; v < nv; v++) {
                const struct vt_vnode *vn = vt_layout_vnode(l, v);

                for (size_t r = 0; r < vn->nranges; r++) {
                    uint64_t lo =
                        vn->ranges[r].start > map[i].start ? vn->ranges[r].start : map[i].start;
                    uint64_t hi = vn->ranges[r].end < map[i].end ? vn->ranges[r].end : map[i].end;

                    if (hi > lo)
                        covered += hi - lo;
                }
            }
        }
        if (ram - covered > M)
            fail_msg("seed %u '%s': %llu bytes of RAM in no vnode", seed, text,
                     (unsigned long long)(ram - covered));
    }
    /* A Linux guest decoding the CPUID finds exactly this topology. */
    {
        struct vt_err err;

        if (linux_topo_check_layout(l, 0, LT_EXPECT_ALL, NULL, &err) != 0)
            fail_msg("seed %u '%s': Linux-style CPUID decode: %s", seed, text, err.msg);
    }
}

/* The SRAT and SLIT of a plan, parsed back: every CPU and memory entry
 * carries its vnode's guest PXM, the SLIT is indexed by guest PXM (unused
 * PXMs: 10 on the diagonal, 20 elsewhere) and holds the layout's distances,
 * and Linux's replay of the SRAT numbers the nodes as linux_node predicts —
 * or, with a PXM of VT_LINUX_MAX_PXM (1024) or more in the SRAT, rejects
 * it; the plan warns of every such PXM, and of PXMs from 256 (which kernels
 * smaller than a distribution's reject). */
static void check_srat_slit(const struct vt_layout *l, const char *text, unsigned seed)
{
    size_t np = vt_layout_vcpu_count(l), nc = np + vt_layout_hotplug_vcpu_count(l);
    size_t nv = vt_layout_vnode_count(l), k;
    uint8_t *srat_d = NULL, *slit_d = NULL;
    size_t srat_n = 0, slit_n = 0;
    struct acpi_srat srat;
    struct acpi_slit slit;
    struct linux_numa numa;
    struct vt_err err;
    uint32_t max_pxm = 0;
    bool big_pxm = false, warn_pxm = false, warned = false, small_pxm = false, warned_small = false;
    int *vnode_of;

    if (vt_acpi_srat(l, NULL, &srat_d, &srat_n, &err) ||
        vt_acpi_slit(l, NULL, &slit_d, &slit_n, &err) ||
        srat_parse(srat_d, srat_n, "srat", &srat, &err) ||
        slit_parse(slit_d, slit_n, "slit", &slit, &err))
        fail_msg("seed %u '%s': SRAT/SLIT: %s", seed, text, err.msg);
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        max_pxm = vn->guest_pxm > max_pxm ? vn->guest_pxm : max_pxm;
        warn_pxm |= vn->guest_pxm >= VT_LINUX_MAX_PXM;
        small_pxm |= vn->guest_pxm >= VT_LINUX_SMALL_MAX_PXM && vn->guest_pxm < VT_LINUX_MAX_PXM;
        /* An empty vnode has no SRAT entry: Linux never sees its PXM. */
        big_pxm |= vn->guest_pxm >= VT_LINUX_MAX_PXM &&
                   (vn->memory_bytes || vn->hotplug_memory_bytes || !vt_bitmap_iszero(vn->vcpus) ||
                    !vt_bitmap_iszero(vn->hotplug_vcpus));
    }
    for (k = 0; k < nc; k++) {
        const struct vt_vcpu *c = k < np ? vt_layout_vcpu(l, k) : vt_layout_hotplug_vcpu(l, k - np);

        if (srat.entries[k].type == VT_SRAT_MEMORY || srat.entries[k].apic_id != c->apic_id ||
            srat.entries[k].pxm != vt_layout_vnode(l, c->vnode)->guest_pxm)
            fail_msg("seed %u '%s': SRAT entry %zu (PXM %u) does not describe vCPU %zu", seed, text,
                     k, srat.entries[k].pxm, k);
    }
    /* Generic initiators (a vnode's PXM), then memory. */
    for (size_t i = 0; i < vt_layout_initiator_count(l); i++, k++)
        if (srat.entries[k].type != VT_SRAT_GENERIC_INITIATOR ||
            srat.entries[k].pxm != vt_layout_vnode(l, vt_layout_initiator(l, i)->vnode)->guest_pxm)
            fail_msg("seed %u '%s': SRAT entry %zu is not generic initiator %zu", seed, text, k, i);
    for (; k < srat.n; k++) {
        const struct acpi_srat_entry *e = &srat.entries[k];
        unsigned vnode = 0;

        if (e->type != VT_SRAT_MEMORY || vt_layout_gpa_lookup(l, e->base, NULL, &vnode, NULL) ||
            vt_layout_gpa_lookup(l, e->base + e->length_bytes - 1, NULL, &vnode, NULL) ||
            e->pxm != vt_layout_vnode(l, vnode)->guest_pxm)
            fail_msg("seed %u '%s': SRAT memory entry %zu (PXM %u) is not its vnode's", seed, text,
                     k, e->pxm);
    }
    assert_int_equal(slit.count, (uint64_t)max_pxm + 1);
    assert_true(slit_valid(&slit));
    vnode_of = malloc(((size_t)max_pxm + 1) * sizeof(*vnode_of));
    assert_non_null(vnode_of);
    for (uint32_t p = 0; p <= max_pxm; p++)
        vnode_of[p] = -1;
    for (size_t v = 0; v < nv; v++)
        vnode_of[vt_layout_vnode(l, v)->guest_pxm] = (int)v;
    for (uint32_t a = 0; a <= max_pxm; a++)
        for (uint32_t b = 0; b <= max_pxm; b++) {
            uint32_t want =
                a == b ? 10
                : vnode_of[a] < 0 || vnode_of[b] < 0
                    ? 20
                    : vt_layout_distance(l, (unsigned)vnode_of[a], (unsigned)vnode_of[b]);

            if (slit.entries[(size_t)a * slit.count + b] != want)
                fail_msg("seed %u '%s': SLIT[%u][%u] is %u, want %u", seed, text, a, b,
                         slit.entries[(size_t)a * slit.count + b], want);
        }
    free(vnode_of);
    linux_srat(&srat, &numa);
    for (size_t i = 0; i < vt_layout_warning_count(l); i++) {
        warned |= strstr(vt_layout_warning(l, i), "no node (MAX_PXM_DOMAINS)") != NULL;
        warned_small |= strstr(vt_layout_warning(l, i), "distribution kernels") != NULL;
    }
    if (warned != warn_pxm)
        fail_msg("seed %u '%s': PXMs >= %u: %s, but the plan %s", seed, text, VT_LINUX_MAX_PXM,
                 warn_pxm ? "some" : "none", warned ? "warned" : "did not warn");
    if (warned_small != small_pxm)
        fail_msg("seed %u '%s': PXMs from 256 to 1023: %s, but the plan %s", seed, text,
                 small_pxm ? "some" : "none", warned_small ? "warned" : "did not warn");
    if (big_pxm) {
        if (numa.srat_used)
            fail_msg("seed %u '%s': Linux uses an SRAT with a PXM >= %u", seed, text,
                     VT_LINUX_MAX_PXM);
    } else {
        if (!numa.srat_used)
            fail_msg("seed %u '%s': Linux would not use the SRAT: %s", seed, text, numa.why);
        for (size_t v = 0; v < nv; v++) {
            const struct vt_vnode *vn = vt_layout_vnode(l, v);

            if (linux_node_of_pxm(&numa, vn->guest_pxm) != vn->linux_node)
                fail_msg("seed %u '%s': vnode %zu (PXM %u): Linux node %d, predicted %d", seed,
                         text, v, vn->guest_pxm, linux_node_of_pxm(&numa, vn->guest_pxm),
                         vn->linux_node);
        }
    }
    srat_free(&srat);
    slit_free(&slit);
    free(srat_d);
    free(slit_d);
}

/* --guest-pxms: sparse, unordered proximity domains follow into every view. */
static void test_guest_pxms(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G,distances=10:21");
    struct vt_layout *l = plan(h, "vcpus=6;memory=3072;vnodes=3;guest-pxms=5,0,2");
    char *json = NULL;

    (void)state;
    assert_int_equal(vt_layout_vnode(l, 0)->guest_pxm, 5);
    assert_int_equal(vt_layout_vnode(l, 1)->guest_pxm, 0);
    assert_int_equal(vt_layout_vnode(l, 2)->guest_pxm, 2);
    /* Linux numbers by first appearance in the SRAT (vCPU 0 is in PXM 5). */
    assert_int_equal(vt_layout_vnode(l, 0)->linux_node, 0);
    assert_int_equal(vt_layout_vnode(l, 1)->linux_node, 1);
    /* Three vnodes on a 2-node host: two share a host node, said once. */
    assert_int_equal(vt_layout_warning_count(l), 1);
    assert_non_null(strstr(vt_layout_warning(l, 0), "vnodes 0 and 2 are both on host node 0"));
    check_srat_slit(l, "guest-pxms=5,0,2", 0);
    assert_int_equal(vt_layout_to_json(l, &json, NULL), 0);
    assert_non_null(strstr(json, "{\"vnode\": 0, \"guest_pxm\": 5, \"linux_node\": 0,"));
    assert_non_null(strstr(json, "{\"vnode\": 2, \"guest_pxm\": 2, \"linux_node\": 2,"));
    free(json);
    vt_layout_free(l);
    /* A PXM of 1024 or more: warned (Linux drops the SRAT), tables still made. */
    l = plan(h, "vcpus=4;memory=2048;vnodes=2;guest-pxms=1,1024");
    assert_int_equal(vt_layout_vnode(l, 1)->guest_pxm, 1024);
    assert_int_equal(vt_layout_warning_count(l), 1);
    assert_non_null(strstr(vt_layout_warning(l, 0),
                           "vnode 1 has guest PXM 1024: Linux gives PXMs of 1024 and more no "
                           "node"));
    check_srat_slit(l, "guest-pxms=1,1024", 0);
    vt_layout_free(l);
    /* 256 to 1023: a node on distribution kernels, not on small ones. */
    l = plan(h, "vcpus=4;memory=2048;vnodes=2;guest-pxms=1,256");
    assert_int_equal(vt_layout_vnode(l, 1)->linux_node, 1);
    assert_int_equal(vt_layout_warning_count(l), 1);
    assert_non_null(strstr(vt_layout_warning(l, 0),
                           "vnode 1 has guest PXM 256: distribution kernels (1024 nodes) use it"));
    check_srat_slit(l, "guest-pxms=1,256", 0);
    vt_layout_free(l);
    /* The largest PXM a setter takes. */
    l = plan(h, "vcpus=2;memory=2048;vnodes=1;guest-pxms=4294967295");
    assert_int_equal(vt_layout_vnode(l, 0)->guest_pxm, UINT32_MAX);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Empty vnodes: a --vcpu-nodes gap no option names is refused (0-3:1023
 * would make 1023 empty vnodes); one asked for is made and warned about,
 * with no SRAT entry and no Linux node. */
static void test_empty_vnodes(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G");
    struct vt_layout *l;

    (void)state;
    expect_reject(h, "vcpus=4;memory=1024;vcpu-nodes=0-3:1023",
                  "--vcpu-nodes: vnode 0 gets no vCPU and no other option names it");
    expect_reject(h, "vcpus=4;memory=1024;vcpu-nodes=0-1:0,2-3:2",
                  "--vcpu-nodes: vnode 1 gets no vCPU and no other option names it");
    expect_reject(h, "vcpus=4;memory=1024;vcpu-nodes=0-3:1024",
                  "--vcpu-nodes: vnode '1024' is not a number from 0 to 1023");
    expect_reject(h, "vcpus=4;memory=1024;vnodes=1025", "--vnodes 1025: must be from 1 to 1024");
    /* Named by --vnode-memory: a memory-only vnode, no warning. */
    l = plan(h, "vcpus=4;memory=1536;vcpu-nodes=0-1:0,2-3:2;vnode-memory=512M,512M,512M");
    assert_int_equal(vt_layout_vnode_count(l), 3);
    /* ... but three vnodes on two host nodes: one warning, that one. */
    assert_int_equal(vt_layout_warning_count(l), 1);
    assert_non_null(strstr(vt_layout_warning(l, 0), "are both on host node"));
    vt_layout_free(l);
    /* Named, but empty: made, warned, no Linux node. */
    l = plan(h, "vcpus=4;memory=1024;vcpu-nodes=0-1:0,2-3:2;vnode-pnodes=0,1,1");
    assert_int_equal(vt_layout_vnode_count(l), 3);
    assert_int_equal(vt_layout_vnode(l, 1)->linux_node, -1);
    assert_int_equal(vt_layout_warning_count(l), 1);
    assert_non_null(strstr(vt_layout_warning(l, 0), "vnode 1 is empty"));
    check_srat_slit(l, "vcpu-nodes=0-1:0,2-3:2;vnode-pnodes=0,1,1", 0);
    vt_layout_free(l);
    /* --vnodes above the vCPUs. */
    l = plan(h, "vcpus=2;memory=1024;vnodes=3");
    assert_int_equal(vt_layout_warning_count(l), 1);
    assert_non_null(strstr(vt_layout_warning(l, 0),
                           "vnode 2 is empty (no vCPU, memory or generic initiator; --vnodes is "
                           "above what the vCPUs fill)"));
    vt_layout_free(l);
    vt_host_free(h);
}

/* --distances: the given matrix, asymmetric too, replaces the host's. */
static void test_distances(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G,distances=10:21");
    struct vt_layout *l =
        plan(h, "vcpus=6;memory=3072;vnodes=3;distances=10,20,30/20,10,25/31,26,10;"
                "guest-pxms=0,3,1");

    (void)state;
    assert_int_equal(vt_layout_distance(l, 0, 2), 30);
    assert_int_equal(vt_layout_distance(l, 2, 0), 31);
    assert_int_equal(vt_layout_distance(l, 1, 2), 25);
    assert_int_equal(vt_layout_distance(l, 2, 1), 26);
    assert_int_equal(vt_layout_distance(l, 1, 1), 10);
    /* Derived HMAT values follow them, initiator to target. */
    assert_int_equal(vt_layout_hmat_latency(l, 2, 0), 310);
    assert_int_equal(vt_layout_hmat_bandwidth(l, 0, 1), 25600);
    check_srat_slit(l, "distances, guest-pxms=0,3,1", 0);
    vt_layout_free(l);
    /* Without --distances: the host's (the two vnodes are on two sockets). */
    l = plan(h, "vcpus=4;memory=2048;vnodes=2");
    assert_int_equal(vt_layout_distance(l, 0, 1), 21);
    vt_layout_free(l);
    /* With --pin-identity and a PXM gap the matrix covers the empty vnode. */
    vt_host_free(h);
    h = t_synthetic("sockets=2,cores=4,mem=8G,pxms=0,2");
    l = plan(h, "vcpus=8;pin-identity;distances=10,40,50/40,10,60/50,60,10");
    assert_int_equal(vt_layout_distance(l, 0, 2), 50);
    assert_int_equal(vt_layout_vnode(l, 2)->guest_pxm, 2);
    check_srat_slit(l, "pin-identity, distances", 0);
    vt_layout_free(l);
    vt_host_free(h);
}

/* --hmat-latency / --hmat-bandwidth: a row per vnode with vCPUs, a column per
 * vnode with memory; the layout answers with the given values. */
static void test_hmat_matrices(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G");
    struct vt_layout *l =
        plan(h, "vcpus=4;memory=3072;vcpu-nodes=0-1:0,2-3:2;vnode-memory=0,1G,2G;"
                "hmat-latency=120,250/260,90;hmat-bandwidth=30000,12000/11000,40000");

    (void)state;
    assert_int_equal(vt_layout_hmat_latency(l, 0, 1), 120);
    assert_int_equal(vt_layout_hmat_latency(l, 0, 2), 250);
    assert_int_equal(vt_layout_hmat_latency(l, 2, 1), 260);
    assert_int_equal(vt_layout_hmat_latency(l, 2, 2), 90);
    assert_int_equal(vt_layout_hmat_bandwidth(l, 2, 1), 11000);
    assert_int_equal(vt_layout_hmat_latency(l, 1, 1), 0); /* vnode 1: no vCPUs */
    assert_int_equal(vt_layout_hmat_latency(l, 0, 0), 0); /* vnode 0: no memory */
    assert_int_equal(vt_layout_hmat_latency(l, 9, 1), 0);
    {
        char *json = NULL;

        assert_int_equal(vt_layout_to_json(l, &json, NULL), 0);
        assert_non_null(strstr(json, "  \"hmat\": {\n    \"initiators\": [0, 2],\n"
                                     "    \"targets\": [1, 2],\n"
                                     "    \"latency_ns\": [\n      [120, 250],\n      [260, 90]\n"
                                     "    ],\n    \"bandwidth_mbps\": [\n      [30000, 12000],\n"
                                     "      [11000, 40000]\n    ]\n  },\n"));
        free(json);
    }
    vt_layout_free(l);
    /* Only the bandwidth given: the latency stays derived from distances. */
    l = plan(h, "vcpus=4;memory=2048;vnodes=2;hmat-bandwidth=50000,20000/20000,50000");
    assert_int_equal(vt_layout_hmat_bandwidth(l, 1, 0), 20000);
    assert_int_equal(vt_layout_hmat_latency(l, 1, 0), vt_layout_distance(l, 1, 0) * 10);
    assert_int_equal(vt_layout_hmat_latency(l, 1, 1), 100);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Each bad --guest-pxms, --distances, --hmat-* input: one sentence naming
 * the option, the entry and the rule. */
static void test_numa_option_rejections(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=8G,pxms=0,2");
    static const struct {
        const char *request, *message;
    } setter[] = {
        {"guest-pxms=0,x", "--guest-pxms: PXM 'x' is not a number from 0 to 4294967295"},
        {"guest-pxms=4294967296", "--guest-pxms: PXM '4294967296' is not a number from 0 to"},
        {"guest-pxms=0,,1", "--guest-pxms '0,,1': an entry is empty"},
        {"guest-pxms=3,1,3",
         "--guest-pxms: PXM 3 is given to vnodes 0 and 2 (each vnode needs its own proximity "
         "domain)"},
        {"distances=", "--distances: empty (expected rows of comma-separated values"},
        {"distances=10,20/20", "--distances: row 1 has 1 values but row 0 has 2"},
        {"distances=10,20/20,10/", "--distances: row 2 is empty"},
        {"distances=10,,20/20,10", "--distances: row 0, column 1 is empty"},
        {"distances=10,2x/20,10", "--distances: row 0, column 1: '2x' is not a number"},
        {"distances=10,20/20,10/30,30",
         "--distances: 3 rows of 2 values; the matrix must be square"},
        {"distances=10,20,30", "--distances: 1 rows of 3 values; the matrix must be square"},
        {"distances=10,20/20,11",
         "--distances: row 1, column 1 (vnode 1 to itself) is 11; the diagonal must be 10"},
        {"distances=10,10/20,10",
         "--distances: row 0, column 1 (vnode 0 to vnode 1) is 10; distances between vnodes "
         "must be from 11 to 254 (Linux drops a SLIT with one of 10 or less, and 255 means "
         "unreachable)"},
        {"distances=10,20/255,10", "row 1, column 0 (vnode 1 to vnode 0) is 255; distances"},
        {"hmat-latency=100,0", "--hmat-latency: row 0, column 1 is 0; latencies must be from 1 to "
                               "4294967 ns"},
        {"hmat-latency=4294968", "--hmat-latency: row 0, column 0 is 4294968; latencies must be"},
        {"hmat-latency=70001,3",
         "--hmat-latency: no unit fits every value exactly in the HMAT's 16-bit entries: the "
         "largest needs a unit of at least 2 ns, but the values' greatest common divisor is 1 ns "
         "(round them to a coarser unit)"},
        {"hmat-bandwidth=0", "--hmat-bandwidth: row 0, column 0 is 0; bandwidths must be from 1 "
                             "to 4294967295 MB/s"},
        {"hmat-bandwidth=1,2/3", "--hmat-bandwidth: row 1 has 1 values but row 0 has 2"},
        {"hmat-bandwidth=4294967295,1", "--hmat-bandwidth: no unit fits every value exactly"},
    };
    struct vt_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(setter) / sizeof(setter[0]); i++) {
        if (request(setter[i].request, &err))
            fail_msg("'%s' was accepted", setter[i].request);
        if (err.code != -EINVAL || !strstr(err.msg, setter[i].message))
            fail_msg("'%s': got %d '%s', want '%s'", setter[i].request, err.code, err.msg,
                     setter[i].message);
    }
    /* Rules that need the plan. */
    expect_reject(h, "vcpus=4;memory=1024;vnodes=2;guest-pxms=0,1,2",
                  "--guest-pxms lists 3 PXMs for 2 vnodes (one per vnode, in vnode order)");
    expect_reject(h, "vcpus=8;pin-identity;guest-pxms=0,1,2",
                  "--guest-pxms cannot be combined with --pin-identity: with --pin-identity "
                  "each vnode's guest PXM is its host PXM");
    expect_reject(h, "vcpus=4;memory=1024;vnodes=3;distances=10,20/20,10",
                  "--distances is a 2x2 matrix but the plan has 3 vnodes (a row and a column per "
                  "vnode)");
    expect_reject(h, "vcpus=4;memory=1024;vcpu-nodes=0-3:0,4-7:2;hmat-latency=100,200",
                  "--vcpu-nodes names vCPU 7");
    expect_reject(h,
                  "vcpus=4;memory=1024;vcpu-nodes=0-1:0,2-3:2;vnode-memory=512M,0,512M;"
                  "hmat-latency=100,200",
                  "--hmat-latency has 1 rows but the plan has 2 initiators (vnodes with vCPUs or "
                  "generic initiators: 0,2); a row per initiator, in vnode order");
    expect_reject(h,
                  "vcpus=4;memory=1024;vcpu-nodes=0-1:0,2-3:2;vnode-memory=0,512M,512M;"
                  "hmat-bandwidth=1,2,3/4,5,6",
                  "--hmat-bandwidth has 3 columns but the plan has 2 targets (vnodes with memory, "
                  "hot-pluggable included: 1-2); a column per target, in vnode order");
    /* A setter that rejects leaves the earlier value in place. */
    {
        struct vt_request *r = request("vcpus=4;memory=1024;vnodes=2;guest-pxms=7,9", &err);
        struct vt_layout *l = NULL;

        assert_non_null(r);
        assert_int_equal(vt_request_parse_guest_pxms(r, "1,1", &err), -EINVAL);
        assert_int_equal(vt_request_parse_distances(r, "10,20;20,10", &err), 0);
        assert_int_equal(vt_request_parse_distances(r, "10,20;20,9", &err), -EINVAL);
        assert_int_equal(vt_plan(h, r, &l, &err), 0);
        assert_int_equal(vt_layout_vnode(l, 1)->guest_pxm, 9);
        assert_int_equal(vt_layout_distance(l, 1, 0), 20);
        vt_layout_free(l);
        vt_request_free(r);
    }
    vt_host_free(h);
}

/* ";guest-pxms=..." with n distinct PXMs: dense, sparse, or (rarely) one
 * of 256 and more, or of 1024 and more. */
static int random_guest_pxms(char *buf, size_t size, unsigned n)
{
    uint32_t pxm[16];
    unsigned range = rand() % 8 == 0    ? 300
                     : rand() % 16 == 0 ? 1100
                                        : n + (unsigned)rand() % (3 * n);
    int len = snprintf(buf, size, ";guest-pxms=");

    for (unsigned i = 0; i < n; i++) {
        bool again;

        do {
            pxm[i] = (uint32_t)rand() % range;
            again = false;
            for (unsigned k = 0; k < i; k++)
                again |= pxm[k] == pxm[i];
        } while (again);
        len += snprintf(buf + len, size - (size_t)len, "%s%u", i ? "," : "", pxm[i]);
    }
    return len;
}

/* ";key=..." a valid rows x cols matrix in the test syntax ('/' between
 * rows): distances 10 on the diagonal and 11-254 elsewhere (symmetric or
 * not); HMAT values all below 65535, or all multiples of 4 up to 240000
 * (a base unit of 4). */
static int random_matrix(char *buf, size_t size, const char *key, unsigned rows, unsigned cols)
{
    bool dist = strcmp(key, "distances") == 0, symmetric = rand() % 2, coarse = rand() % 2;
    uint32_t m[16][16];
    int len = snprintf(buf, size, ";%s=", key);

    for (unsigned i = 0; i < rows; i++)
        for (unsigned j = 0; j < cols; j++) {
            if (dist)
                m[i][j] = i == j ? 10 : symmetric && j < i ? m[j][i] : 11 + (uint32_t)rand() % 244;
            else
                m[i][j] =
                    coarse ? 4 * (1 + (uint32_t)rand() % 60000) : 1 + (uint32_t)rand() % 65534;
            len += snprintf(buf + len, size - (size_t)len, "%s%u", j ? "," : i ? "/" : "", m[i][j]);
        }
    return len;
}

/* The layout answers with the request's matrices, reread from the text. */
static void check_given(const struct vt_layout *l, const char *text, unsigned seed)
{
    static const char *const keys[] = {"distances=", "hmat-latency=", "hmat-bandwidth="};
    size_t nv = vt_layout_vnode_count(l);

    for (int k = 0; k < 3; k++) {
        const char *p = strstr(text, keys[k]);
        unsigned rows[16], cols[16], nr = 0, nc = 0;

        if (!p)
            continue;
        p += strlen(keys[k]);
        for (size_t v = 0; v < nv; v++) {
            if (k == 0 || !vt_bitmap_iszero(vt_layout_vnode(l, v)->vcpus))
                rows[nr++] = (unsigned)v;
            if (k == 0 || vt_layout_vnode(l, v)->memory_bytes)
                cols[nc++] = (unsigned)v;
        }
        for (unsigned i = 0; i < nr; i++)
            for (unsigned j = 0; j < nc; j++) {
                char *end;
                unsigned long want = strtoul(p, &end, 10);
                uint32_t got = k == 0   ? vt_layout_distance(l, rows[i], cols[j])
                               : k == 1 ? vt_layout_hmat_latency(l, rows[i], cols[j])
                                        : vt_layout_hmat_bandwidth(l, rows[i], cols[j]);

                if (got != want)
                    fail_msg("seed %u '%s': %s vnode %u -> %u is %u, given %lu", seed, text,
                             keys[k], rows[i], cols[j], got, want);
                p = end + 1;
            }
    }
}

/* The typed request API builds what the text forms build (the same plan
 * JSON), and its messages name the request fields: by their own names by
 * default, by the CLI's flags with the CLI's table (which names every field). */
static void test_typed_request(void **state)
{
    struct vt_host *h = t_synthetic("sockets=4,cores=8,threads=2,mem=64G");
    struct vt_request *typed = vt_request_new(), *text = NULL;
    int vnode_of[12] = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
    unsigned pnodes[3] = {2, 0, 1};
    uint64_t mem[3] = {2 * G, 1 * G, 1 * G};
    uint32_t pxms[3] = {4, 0, 9};
    uint32_t dist[9] = {10, 21, 31, 21, 10, 21, 31, 21, 10};
    struct vt_initiator gi = {0, 0, 4 << 3, 2};
    struct vt_hotplug_request hot = {G, 1};
    struct vt_shape shape = {3, 1, 0, 1};
    struct vt_layout *a = NULL, *b = NULL;
    char *ja = NULL, *jb = NULL, *xl = NULL;
    struct vt_err err;

    (void)state;
    assert_non_null(typed);
    assert_int_equal(vt_request_set_vcpus(typed, 10, &err), 0);
    assert_int_equal(vt_request_set_max_vcpus(typed, 12, &err), 0);
    assert_int_equal(vt_request_set_memory(typed, 4 * G, &err), 0);
    assert_int_equal(vt_request_set_vcpu_vnodes(typed, vnode_of, 12, &err), 0);
    assert_int_equal(vt_request_set_vnode_pnodes(typed, pnodes, 3, &err), 0);
    assert_int_equal(vt_request_set_vnode_memory(typed, mem, 3, &err), 0);
    assert_int_equal(vt_request_set_guest_pxms(typed, pxms, 3, &err), 0);
    assert_int_equal(vt_request_set_distances(typed, dist, 3, 3, &err), 0);
    assert_int_equal(vt_request_set_apic(typed, VT_APIC_XEN, &err), 0);
    assert_int_equal(vt_request_set_vendor(typed, VT_VENDOR_AMD, &err), 0);
    assert_int_equal(vt_request_set_mem_layout(typed, VT_MEM_QEMU_Q35, NULL, &err), 0);
    assert_int_equal(vt_request_add_initiators(typed, &gi, 1, &err), 0);
    assert_int_equal(vt_request_add_hotplug_memory(typed, &hot, 1, &err), 0);
    text = request("vcpus=10;max-vcpus=12;memory=4096;vcpu-nodes=0-4:0,5-7:1,8-11:2;"
                   "vnode-pnodes=2,0,1;vnode-memory=2G,1G,1G;guest-pxms=4,0,9;"
                   "distances=10,21,31/21,10,21/31,21,10;apic=xen;vendor=amd;mem-layout=qemu-q35;"
                   "initiator=0000:00:04.0@2;hotplug-memory=1G@1",
                   &err);
    assert_non_null(text);
    assert_int_equal(vt_plan(h, typed, &a, &err), 0);
    assert_int_equal(vt_plan(h, text, &b, &err), 0);
    assert_int_equal(vt_layout_to_json(a, &ja, &err), 0);
    assert_int_equal(vt_layout_to_json(b, &jb, &err), 0);
    assert_string_equal(ja, jb);

    /* Field names by default. */
    assert_int_equal(vt_request_set_vcpus(typed, 0, &err), -EINVAL);
    assert_string_equal(err.msg, "vcpus 0: must be from 1 to 8192");
    assert_int_equal(vt_request_set_shape(typed, &shape, &err), 0);
    assert_int_equal(vt_request_set_vnodes(typed, 2, &err), -EINVAL);
    assert_string_equal(err.msg, "vcpu_vnodes and vnodes are alternatives; give one");
    pxms[2] = 4;
    assert_int_equal(vt_request_set_guest_pxms(typed, pxms, 3, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "guest_pxms: PXM 4 is given to vnodes 0 and 2"));
    vnode_of[3] = VT_MAX_VNODES;
    assert_int_equal(vt_request_set_vcpu_vnodes(typed, vnode_of, 12, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "vcpu_vnodes: vCPU 3: vnode 1024 is not from 0 to 1023"));
    hot.bytes = 100 * M;
    assert_int_equal(vt_request_add_hotplug_memory(typed, &hot, 1, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "hotplug_memory: range 0 (100 MiB for vnode 1): the size"));
    assert_int_equal(vt_request_set_mem_layout(typed, VT_MEM_E820, NULL, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "mem_layout e820: needs a file name"));
    /* A layout's messages name the fields as its request did: the emitter of
     * xl refuses the shape-planned layout's apic encoding... */
    assert_int_equal(vt_emit_xl(a, &xl, NULL, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "(plan with mem_layout xen-hvm)"));
    vt_layout_free(a);
    a = NULL;
    {
        struct vt_request *empty = vt_request_new();

        assert_int_equal(vt_plan(h, empty, &a, &err), -EINVAL);
        assert_string_equal(err.msg, "vcpus is required");
        vt_request_name_fields(empty, cli_field_flags);
        assert_int_equal(vt_plan(h, empty, &a, &err), -EINVAL);
        assert_string_equal(err.msg, "--vcpus is required");
        vt_request_free(empty);
    }
    /* Every field has a name of its own and a flag in the CLI's table. */
    for (int f = 0; f < VT_FIELD_COUNT; f++) {
        assert_non_null(cli_field_flags[f]);
        assert_string_not_equal(vt_request_field_name((enum vt_request_field)f), "?");
        for (int g = 0; g < f; g++)
            assert_string_not_equal(vt_request_field_name((enum vt_request_field)f),
                                    vt_request_field_name((enum vt_request_field)g));
    }
    assert_string_equal(vt_request_field_name(VT_FIELD_COUNT), "?");
    free(ja);
    free(jb);
    free(xl);
    vt_layout_free(b);
    vt_request_free(typed);
    vt_request_free(text);
    vt_host_free(h);
}

/* Where unpinned vCPUs run: by default each vnode's host node's
 * housekeeping CPUs (the nearest nodes' when it has none), over random
 * isolation; vnode_cpus lists and "any"; the refusals. */
static void test_float_cpus(void **state)
{
    unsigned seed = t_seed("test_float_cpus");

    (void)state;
    for (int iter = 0; iter < 200; iter++) {
        /* 4 nodes of 4 CPUs; a random set of CPUs isolated, at least one
         * housekeeping CPU left somewhere. */
        unsigned iso = (unsigned)rand() & 0x7fff, vnodes = 1 + (unsigned)rand() % 4;
        char spec[128], text[128], list[96] = "";
        struct vt_bitmap *isob = vt_bitmap_new();
        struct vt_host *h;
        struct vt_request *r;
        struct vt_layout *l = NULL;
        struct vt_err err;

        for (unsigned c = 0; c < 16; c++)
            if (iso >> c & 1)
                vt_bitmap_set(isob, c);
        vt_bitmap_snprint_list(list, sizeof(list), isob);
        snprintf(spec, sizeof(spec), "sockets=4,cores=4,mem=16G%s%s", *list ? ",isolated=" : "",
                 list);
        h = t_synthetic(spec);
        snprintf(text, sizeof(text), "vcpus=%u;memory=1024;vnodes=%u", vnodes * 2, vnodes);
        r = request(text, &err);
        assert_non_null(r);
        if (vt_plan(h, r, &l, &err) < 0)
            fail_msg("seed %u '%s' on %s: %s", seed, text, spec, err.msg);
        for (size_t v = 0; v < vnodes; v++) {
            const struct vt_vnode *vn = vt_layout_vnode(l, v);
            size_t i = (size_t)vt_host_node_index(h, (unsigned)vn->pnode);
            const struct vt_host_node *hn = vt_host_node(h, i);
            struct vt_bitmap *want = vt_bitmap_dup(hn->housekeeping_cpus);

            /* A node without one: the nearest nodes that have one. */
            if (vt_bitmap_iszero(want)) {
                uint32_t best = UINT32_MAX;

                for (size_t k = 0; k < vt_host_node_count(h); k++)
                    if (!vt_bitmap_iszero(vt_host_node(h, k)->housekeeping_cpus) &&
                        hn->distances[k] < best)
                        best = hn->distances[k];
                for (size_t k = 0; k < vt_host_node_count(h); k++)
                    if (!vt_bitmap_iszero(vt_host_node(h, k)->housekeeping_cpus) &&
                        hn->distances[k] == best)
                        vt_bitmap_or(want, vt_host_node(h, k)->housekeeping_cpus);
            }
            if (vt_bitmap_iszero(want) ? vn->float_cpus != NULL
                                       : !vn->float_cpus || !vt_bitmap_equal(vn->float_cpus, want))
                fail_msg("seed %u '%s' on %s: vnode %zu floats on the wrong CPUs", seed, text, spec,
                         v);
            vt_bitmap_free(want);
        }
        vt_layout_free(l);
        vt_request_free(r);
        vt_host_free(h);
        vt_bitmap_free(isob);
    }
    /* Lists, any, and their refusals. */
    {
        struct vt_host *h = t_synthetic("sockets=2,cores=4,mem=16G");
        struct vt_request *r = vt_request_new();
        struct vt_layout *l = NULL;
        struct vt_err err;

        assert_int_equal(vt_request_set_vcpus(r, 4, &err), 0);
        assert_int_equal(vt_request_set_memory(r, 1 << 30, &err), 0);
        assert_int_equal(vt_request_set_vnodes(r, 2, &err), 0);
        assert_int_equal(vt_request_parse_vnode_cpus(r, "1-2;any", &err), 0);
        assert_int_equal(vt_plan(h, r, &l, &err), 0);
        assert_int_equal(vt_bitmap_weight(vt_layout_vnode(l, 0)->float_cpus), 2);
        assert_null(vt_layout_vnode(l, 1)->float_cpus);
        vt_layout_free(l);
        assert_int_equal(vt_request_parse_vnode_cpus(r, "1;2;3", &err), 0);
        assert_int_equal(vt_plan(h, r, &l, &err), -EINVAL);
        assert_string_equal(err.msg, "vnode_cpus: 3 lists for 2 vnodes (give one for every vnode, "
                                     "or one per vnode)");
        assert_int_equal(vt_request_parse_vnode_cpus(r, "9", &err), 0);
        assert_int_equal(vt_plan(h, r, &l, &err), -EINVAL);
        assert_string_equal(err.msg, "vnode_cpus: host CPU 9 is not online on the host");
        assert_int_equal(vt_request_parse_vnode_cpus(r, "", &err), -EINVAL);
        {
            struct vt_bitmap *b = vt_bitmap_new();

            /* A list goes with the list mode only. */
            vt_bitmap_set(b, 1);
            assert_int_equal(vt_request_set_emulator_cpus(r, VT_EMULATOR_AUTO, b, &err), -EINVAL);
            assert_int_equal(vt_request_set_emulator_cpus(r, VT_EMULATOR_LIST, NULL, &err),
                             -EINVAL);
            vt_bitmap_free(b);
        }
        vt_request_free(r);
        vt_host_free(h);
    }
}

/* vt_request_format: every field in the CLI's grammar, named by its flag,
 * quoted where the shell would split it (the CLI reads it back in
 * tests/cli/test_place_cli.sh). */
static void test_request_format(void **state)
{
    struct vt_err err;
    struct vt_request *r =
        request("vcpus=4;max-vcpus=6;memory=2048;vcpu-nodes=0-1:0,3:1;vnode-pnodes=1,0;"
                "vnode-memory=1G,1G;shape=sockets=2,threads=1;vendor=amd;apic=xen;"
                "mem-layout=qemu-q35;allow-span;guest-pxms=3,5;distances=10,20/20,10;"
                "hmat-latency=10,20/20,10;initiator=0000:00:04.0@1;hotplug-memory=1G@0",
                &err);
    char *text = NULL;

    (void)state;
    assert_non_null(r);
    assert_int_equal(vt_request_parse_device(r, "0000:3b:00.0@1,model=nvme,queues=4", &err), 0);
    assert_int_equal(vt_request_parse_spare_slots(r, "1,2", &err), 0);
    vt_request_set_strict_devices(r, true);
    assert_int_equal(vt_request_parse_vnode_cpus(r, "0-3,8;any", &err), 0);
    assert_int_equal(vt_request_parse_emulator_cpus(r, "auto", &err), 0);
    assert_int_equal(vt_request_format(r, &text, &err), 0);
    assert_string_equal(text, "--vcpus 4 --max-vcpus 6 --memory 2G --vcpu-nodes 0-1:0,3:1 "
                              "--vnode-pnodes 1,0 --vnode-memory 1G,1G --shape sockets=2,threads=1 "
                              "--vendor amd --apic xen --mem-layout qemu-q35 --allow-package-span "
                              "--guest-pxms 3,5 --distances '10,20;20,10' "
                              "--hmat-latency '10,20;20,10' --initiator 0000:00:04.0@1 "
                              "--hotplug-memory 1G@0 --device 0000:3b:00.0@1,model=nvme,queues=4 "
                              "--spare-slots 1,2 --strict-devices --vnode-cpus '0-3,8;any' "
                              "--emulator-cpus auto");
    free(text);
    vt_request_free(r);
    /* Pins run where vCPUs and host CPUs step together; a quote in a path. */
    r = request("vcpus=5;memory=512;pin=0-2:4-6,3:0,4:8", &err);
    assert_non_null(r);
    assert_int_equal(vt_request_set_mem_layout(r, VT_MEM_E820, "it's.e820", &err), 0);
    assert_int_equal(vt_request_format(r, &text, &err), 0);
    assert_string_equal(text, "--vcpus 5 --memory 512M --pin 0-2:4-6,3:0,4:8 "
                              "--mem-layout 'e820:it'\\''s.e820'");
    free(text);
    vt_request_free(r);
}

static void test_random_requests(void **state)
{
    static const char *apics[] = {"sdm", "xen", "legacy"};
    static const char *vendors[] = {"intel", "amd"};
    static const char *layouts[] = {"flat", "qemu-pc", "qemu-q35", "xen-hvm"};
    unsigned seed = t_seed("test_random_requests");
    struct vt_host *h = t_synthetic("sockets=4,nodes-per-socket=2,cores=64,threads=2,mem=1T");
    unsigned ok = 0, rejected = 0;

    (void)state;
    for (int iter = 0; iter < 3000; iter++) {
        unsigned vcpus = 1 + (unsigned)rand() % 96, vnodes = 1 + (unsigned)rand() % 9;
        unsigned mem = 2 * (unsigned)(1 + rand() % 4096);
        char text[4096];
        struct vt_err err;
        struct vt_request *r;
        struct vt_layout *l = NULL;
        int n;

        n = snprintf(text, sizeof(text),
                     "vcpus=%u;memory=%u;vnodes=%u;apic=%s;vendor=%s;mem-layout=%s", vcpus, mem,
                     vnodes, apics[rand() % 3], vendors[rand() % 2], layouts[rand() % 4]);
        if (rand() % 4 == 0 && strstr(text, "apic=sdm")) {
            unsigned t = 1 + (unsigned)rand() % 2, s = 1 + (unsigned)rand() % 4;

            if (vcpus % (t * s) == 0)
                snprintf(text + n, sizeof(text) - (size_t)n, ";shape=sockets=%u,threads=%u%s", s, t,
                         rand() % 2 ? ";allow-span" : "");
        }
        n = (int)strlen(text);
        if (rand() % 3 == 0)
            n += random_guest_pxms(text + n, sizeof(text) - (size_t)n, vnodes);
        if (rand() % 3 == 0)
            n += random_matrix(text + n, sizeof(text) - (size_t)n, "distances", vnodes, vnodes);
        if (rand() % 6 == 0) {
            /* Every vnode with vCPUs has memory unless memory is scarce; a
             * mismatch is a rejection to count. */
            unsigned used = vcpus < vnodes ? vcpus : vnodes;

            n += random_matrix(text + n, sizeof(text) - (size_t)n, "hmat-latency", used, used);
            n += random_matrix(text + n, sizeof(text) - (size_t)n, "hmat-bandwidth", used, used);
        }
        r = request(text, &err);
        if (!r)
            fail_msg("seed %u '%s': %s", seed, text, err.msg);
        if (vt_plan(h, r, &l, &err) == 0) {
            check_invariants(l, text, seed);
            check_srat_slit(l, text, seed);
            check_given(l, text, seed);
            ok++;
        } else {
            if (err.code != -EINVAL || !err.msg[0])
                fail_msg("seed %u '%s': error %d without a sentence", seed, text, err.code);
            if (rejected++ < 5)
                printf("  rejected '%s': %s\n", text, err.msg);
        }
        vt_layout_free(l);
        vt_request_free(r);
    }
    printf("test_random_requests: %u planned, %u rejected\n", ok, rejected);
    assert_true(ok > 2000);
    vt_host_free(h);
}

/* GPA lookups against a linear scan of the vnodes' ranges, random and
 * sequential (with a cursor). */
static void test_gpa_lookup(void **state)
{
    unsigned seed = t_seed("test_gpa_lookup");
    struct vt_host *h = t_synthetic("sockets=2,nodes-per-socket=4,cores=16,mem=64G");
    struct vt_layout *l = plan(h, "vcpus=24;memory=16384;vnodes=7;mem-layout=qemu-q35");
    struct vt_gpa_cursor cur = {0};
    uint64_t top = 0;

    (void)state;
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        if (vn->nranges && vn->ranges[vn->nranges - 1].end > top)
            top = vn->ranges[vn->nranges - 1].end;
    }
    for (int pass = 0; pass < 2; pass++)
        for (uint64_t k = 0; k < 200000; k++) {
            uint64_t gpa = pass ? k * 4096 * 32 % (top + (1u << 24))
                                : ((uint64_t)rand() << 31 ^ (uint64_t)rand()) % (top + (1u << 24));
            int want_vnode = -1, got_pnode = -7;
            unsigned got_vnode = 99999;
            int rc;

            for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
                const struct vt_vnode *vn = vt_layout_vnode(l, v);

                for (size_t r = 0; r < vn->nranges; r++)
                    if (gpa >= vn->ranges[r].start && gpa < vn->ranges[r].end)
                        want_vnode = (int)v;
            }
            rc = vt_layout_gpa_lookup(l, gpa, pass ? &cur : NULL, &got_vnode, &got_pnode);
            if (want_vnode < 0 ? rc != -ENOENT
                               : rc != 0 || got_vnode != (unsigned)want_vnode ||
                                     got_pnode != vt_layout_vnode(l, got_vnode)->pnode)
                fail_msg("seed %u gpa 0x%llx (%s): got rc %d vnode %u, want vnode %d", seed,
                         (unsigned long long)gpa, pass ? "sequential" : "random", rc, got_vnode,
                         want_vnode);
        }
    vt_layout_free(l);
    vt_host_free(h);
}

/* --out writes exactly what the in-memory renderers produce (the JSON is
 * streamed, in 64 KiB pieces, for a plan large enough to need several), and a
 * failure leaves nothing behind. */
static void test_write_dir(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=64,mem=64G");
    struct vt_layout *l = plan(h, "vcpus=128;memory=8192;vnodes=2;vendor=amd;mem-layout=qemu-pc");
    char *dir = t_mkdtemp(), path[300], *want, *got;
    const char *names[] = {"plan.json", "cpuid.txt", "e820.txt"};
    struct vt_err err;

    (void)state;
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/out", dir ? dir : "");
    assert_int_equal(vt_layout_write_dir(l, NULL, path, &err), 0);
    for (int i = 0; i < 3; i++) {
        char file[400];

        snprintf(file, sizeof(file), "%s/%s", path, names[i]);
        assert_int_equal(vt_read_file(file, 64u << 20, 0, &got, NULL, &err), 0);
        if (i == 0)
            assert_int_equal(vt_layout_to_json(l, &want, &err), 0);
        else if (i == 1)
            assert_int_equal(vt_cpuid_format(l, &want), 0);
        else
            assert_int_equal(vt_layout_e820_text(l, &want, &err), 0);
        if (i == 0)
            assert_true(strlen(want) > 65536);
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
    /* A path below a regular file: fails, writes nothing. */
    t_write(dir, "file", "x", 1);
    snprintf(path, sizeof(path), "%s/file/out", dir ? dir : "");
    assert_true(vt_layout_write_dir(l, NULL, path, &err) < 0);
    assert_non_null(strstr(err.msg, "file/out"));
    vt_layout_free(l);
    vt_host_free(h);
    t_rmtree(dir);
}

/* --max-vcpus: the hot-pluggable vCPUs are placed, numbered and given CPUID
 * like the present ones; the layout's vCPU count stays the present ones. */
static void test_hotplug_vcpus(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G");
    struct vt_layout *l = plan(h, "vcpus=4;max-vcpus=8;memory=4096;vnodes=2");
    const struct vt_vnode *v0, *v1;
    struct vt_cpuid_leaf leaves[64];
    uint32_t ids[8];
    char *json = NULL, *text = NULL;

    (void)state;
    assert_int_equal(vt_layout_vcpu_count(l), 4);
    assert_int_equal(vt_layout_hotplug_vcpu_count(l), 4);
    assert_null(vt_layout_vcpu(l, 4));
    assert_null(vt_layout_hotplug_vcpu(l, 4));
    /* --vnodes splits all 8: vCPUs 0-3 in vnode 0, the hot-pluggable 4-7 in
     * vnode 1, a package of their own (APIC IDs 4-7). */
    assert_int_equal(vt_layout_hotplug_vcpu(l, 0)->vcpu, 4);
    assert_int_equal(vt_layout_hotplug_vcpu(l, 0)->vnode, 1);
    assert_int_equal(vt_layout_hotplug_vcpu(l, 0)->apic_id, 4);
    assert_int_equal(vt_layout_hotplug_vcpu(l, 3)->apic_id, 7);
    assert_int_equal(vt_layout_hotplug_vcpu(l, 3)->package, 1);
    v0 = vt_layout_vnode(l, 0);
    v1 = vt_layout_vnode(l, 1);
    assert_int_equal(vt_bitmap_weight(v0->vcpus), 4);
    assert_int_equal(vt_bitmap_weight(v0->hotplug_vcpus), 0);
    assert_int_equal(vt_bitmap_weight(v1->vcpus), 0);
    assert_int_equal(vt_bitmap_first(v1->hotplug_vcpus), 4);
    assert_int_equal(vt_bitmap_weight(v1->hotplug_vcpus), 4);
    /* Memory follows every planned vCPU: half each; vnode 1 is an HMAT
     * initiator through its hot-pluggable vCPUs, and Linux numbers it from
     * their SRAT entries. */
    assert_int_equal(v1->memory_bytes, 2 * G);
    assert_true(vt_layout_hmat_is_initiator(l, 1));
    assert_int_equal(vt_layout_hmat_latency(l, 1, 0), vt_layout_distance(l, 1, 0) * 10);
    assert_int_equal(v1->linux_node, 1);
    /* APIC IDs and the CPUID text: the present vCPUs; the CPUID of a
     * hot-pluggable vCPU on request, none beyond. */
    assert_int_equal(vt_layout_apic_ids(l, ids, 8, NULL), 4);
    assert_true(vt_layout_cpuid(l, 7, leaves, 64, NULL) > 0);
    assert_int_equal(vt_layout_cpuid(l, 8, leaves, 64, NULL), -EINVAL);
    assert_int_equal(vt_cpuid_format(l, &text), 0);
    assert_non_null(strstr(text, "\n3 0x"));
    assert_null(strstr(text, "\n4 0x"));
    assert_int_equal(vt_layout_to_json(l, &json, NULL), 0);
    assert_non_null(strstr(json, "  \"hotplug_vcpus\": [\n    {\"vcpu\": 4, \"apic_id\": 4, "
                                 "\"vnode\": 1, \"package\": 1,"));
    assert_non_null(strstr(json, "\"hotplug_cpus\": \"4-7\", \"hotplug_memory_bytes\": 0"));
    assert_non_null(strstr(json, "    {\"vcpu\": 7, \"leaves\": ["));
    free(json);
    free(text);
    vt_layout_free(l);
    /* --vcpu-nodes and --shape count the hot-pluggable vCPUs: here two of
     * them join vnode 0's package. */
    l = plan(h, "vcpus=2;max-vcpus=8;memory=4096;vcpu-nodes=0-3:0,4-7:1;"
                "shape=sockets=2,cores=4");
    assert_int_equal(vt_layout_hotplug_vcpu(l, 1)->vnode, 0);
    assert_int_equal(vt_layout_hotplug_vcpu(l, 1)->apic_id, 3);
    assert_int_equal(vt_layout_hotplug_vcpu(l, 2)->apic_id, 4);
    assert_int_equal(vt_bitmap_weight(vt_layout_vnode(l, 0)->hotplug_vcpus), 2);
    vt_layout_free(l);
    /* --max-vcpus equal to --vcpus: nothing hot-pluggable. */
    l = plan(h, "vcpus=4;max-vcpus=4;memory=4096;vnodes=2");
    assert_int_equal(vt_layout_hotplug_vcpu_count(l), 0);
    vt_layout_free(l);
    vt_host_free(h);
}

/* --initiator: generic initiators in a vnode of the plan or in new vnodes of
 * their own, which are unbound (distance 20), HMAT initiators and, in
 * Linux's order, numbered after the CPU vnodes and before the memory-only
 * ones. */
static void test_initiators(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G,distances=10:21");
    struct vt_layout *l =
        plan(h, "vcpus=4;memory=4096;vnodes=2;initiator=0000:00:04.0@2,0001:3b:1f.7@0");
    const struct vt_initiator *gi;
    char *json = NULL;

    (void)state;
    assert_int_equal(vt_layout_vnode_count(l), 3);
    assert_int_equal(vt_layout_initiator_count(l), 2);
    gi = vt_layout_initiator(l, 0);
    assert_int_equal(gi->segment, 0);
    assert_int_equal(gi->bus, 0);
    assert_int_equal(gi->devfn, 0x20);
    assert_int_equal(gi->vnode, 2);
    gi = vt_layout_initiator(l, 1);
    assert_int_equal(gi->segment, 1);
    assert_int_equal(gi->bus, 0x3b);
    assert_int_equal(gi->devfn, 0x1f << 3 | 7);
    assert_null(vt_layout_initiator(l, 2));
    assert_int_equal(vt_layout_vnode(l, 2)->pnode, -1);
    assert_int_equal(vt_layout_vnode(l, 2)->memory_bytes, 0);
    assert_int_equal(vt_layout_vnode(l, 2)->ninitiators, 1);
    assert_int_equal(vt_layout_vnode(l, 0)->ninitiators, 1);
    assert_int_equal(vt_layout_vnode(l, 2)->guest_pxm, 2);
    assert_int_equal(vt_layout_vnode(l, 2)->linux_node, 2);
    assert_int_equal(vt_layout_distance(l, 2, 0), 20);
    assert_int_equal(vt_layout_distance(l, 1, 0), 21); /* the placement is unchanged */
    assert_true(vt_layout_hmat_is_initiator(l, 2));
    assert_false(vt_layout_hmat_is_target(l, 2));
    assert_int_equal(vt_layout_hmat_latency(l, 2, 1), 200);
    assert_int_equal(vt_layout_hmat_latency(l, 0, 2), 0);
    check_srat_slit(l, "initiators", 0);
    assert_int_equal(vt_layout_to_json(l, &json, NULL), 0);
    assert_non_null(strstr(json, "  \"initiators\": [\n    {\"device\": \"0000:00:04.0\", "
                                 "\"segment\": 0, \"bus\": 0, \"devfn\": 32, \"vnode\": 2},\n"));
    assert_non_null(strstr(json, "    \"initiators\": [0, 1, 2],\n    \"targets\": [0, 1],\n"));
    free(json);
    vt_layout_free(l);
    /* Linux's order: CPU vnodes 0 and 3, then vnode 2 (its generic
     * initiator is read with the CPUs), then memory-only vnode 1; by address
     * alone vnode 1 would come before vnode 2. */
    l = plan(h, "vcpus=4;memory=4096;vcpu-nodes=0-1:0,2-3:3;vnode-memory=1G,1G,1G,1G;"
                "initiator=0000:00:04.0@2");
    assert_int_equal(vt_layout_vnode(l, 0)->linux_node, 0);
    assert_int_equal(vt_layout_vnode(l, 3)->linux_node, 1);
    assert_int_equal(vt_layout_vnode(l, 2)->linux_node, 2);
    assert_int_equal(vt_layout_vnode(l, 1)->linux_node, 3);
    vt_layout_free(l);
    /* The per-vnode options count the new vnodes; --vnode-pnodes binds them. */
    l = plan(h, "vcpus=4;memory=4096;vnodes=2;initiator=0000:00:04.0@2;"
                "initiator=0000:00:05.0@3;vnode-pnodes=0,1,1,0;guest-pxms=4,5,6,7;"
                "vnode-memory=2G,2G,0,0");
    assert_int_equal(vt_layout_vnode_count(l), 4);
    assert_int_equal(vt_layout_vnode(l, 3)->pnode, 0);
    assert_int_equal(vt_layout_vnode(l, 3)->guest_pxm, 7);
    assert_int_equal(vt_layout_distance(l, 3, 0), 11);
    assert_int_equal(vt_layout_distance(l, 2, 0), 21);
    vt_layout_free(l);
    vt_host_free(h);
}

/* --hotplug-memory: ranges at 1 GiB boundaries from the end of the memory map
 * or 4 GiB, whichever is higher (QEMU's device-memory region), in the SRAT
 * and the GPA index, not in the E820. */
static void test_hotplug_memory(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=32G");
    struct vt_layout *l = plan(h, "vcpus=4;memory=4096;vnodes=2;mem-layout=qemu-q35;"
                                  "hotplug-memory=2G@1,128M@0;hotplug-memory=1G@1");
    const struct vt_e820_entry *map;
    size_t nmap;
    unsigned vnode = 9;
    char *json = NULL;

    (void)state;
    /* q35 with 4 GiB: 2 GiB below 4 GiB, RAM up to 6 GiB. */
    nmap = vt_layout_memory_map(l, &map);
    assert_int_equal(map[nmap - 1].end, 6 * G);
    assert_int_equal(vt_layout_hotplug_memory_count(l), 3);
    assert_int_equal(vt_layout_hotplug_memory(l, 0)->start, 6 * G);
    assert_int_equal(vt_layout_hotplug_memory(l, 0)->end, 8 * G);
    assert_int_equal(vt_layout_hotplug_memory(l, 0)->vnode, 1);
    assert_int_equal(vt_layout_hotplug_memory(l, 1)->start, 8 * G);
    assert_int_equal(vt_layout_hotplug_memory(l, 1)->end, 8 * G + 128 * M);
    assert_int_equal(vt_layout_hotplug_memory(l, 2)->start, 9 * G);
    assert_null(vt_layout_hotplug_memory(l, 3));
    assert_int_equal(vt_layout_vnode(l, 1)->hotplug_memory_bytes, 3 * G);
    assert_int_equal(vt_layout_vnode(l, 0)->hotplug_memory_bytes, 128 * M);
    assert_int_equal(vt_layout_vnode(l, 1)->memory_bytes, 2 * G);
    assert_int_equal(vt_layout_memory(l), 4 * G);
    assert_int_equal(vt_layout_gpa_lookup(l, 7 * G, NULL, &vnode, NULL), 0);
    assert_int_equal(vnode, 1);
    assert_int_equal(vt_layout_gpa_lookup(l, 8 * G + 128 * M, NULL, &vnode, NULL), -ENOENT);
    assert_int_equal(vt_layout_to_json(l, &json, NULL), 0);
    assert_non_null(strstr(json, "  \"hotplug_memory\": [\n    {\"start\": \"0x180000000\", "
                                 "\"end\": \"0x200000000\", \"vnode\": 1},\n"));
    free(json);
    vt_layout_free(l);
    /* All RAM below 4 GiB: the region starts at 4 GiB. */
    l = plan(h, "vcpus=2;memory=2048;mem-layout=qemu-pc;hotplug-memory=1G@0");
    assert_int_equal(vt_layout_hotplug_memory(l, 0)->start, 4 * G);
    vt_layout_free(l);
    /* RAM ending past a boundary rounds up: flat 4098 MiB ends at 4 GiB +
     * 2 MiB, the range starts at 5 GiB. */
    l = plan(h, "vcpus=2;memory=4098;hotplug-memory=256M@0");
    assert_int_equal(vt_layout_hotplug_memory(l, 0)->start, 5 * G);
    /* A vnode with only hot-pluggable memory is still a target. */
    vt_layout_free(l);
    l = plan(h, "vcpus=2;memory=2048;vcpu-nodes=0-1:0;vnode-memory=2G,0;"
                "initiator=0000:00:04.0@1;hotplug-memory=1G@1");
    assert_true(vt_layout_hmat_is_target(l, 1));
    assert_int_equal(vt_layout_hmat_latency(l, 0, 1), 200);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Every bad hot-plug or device input: one sentence naming the option and the
 * rule, at the setter or at vt_plan. */
static void test_hotplug_rejections(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=8,mem=8G");
    static const struct {
        const char *request, *message;
    } setter[] = {
        {"max-vcpus=0", "--max-vcpus 0: must be from 1 to 8192"},
        {"initiator=0000:00:04.0", "--initiator '0000:00:04.0': expected DEVICE@VNODE, e.g. "
                                   "0000:00:04.0@1"},
        {"initiator=0000:00:04.0@1@2", "--initiator '0000:00:04.0@1@2': expected DEVICE@VNODE"},
        {"initiator=00:04.0@1", "--initiator '00:04.0@1': '00:04.0' is not a PCI address "
                                "SEGMENT:BUS:DEVICE.FUNCTION in hex (4, 2, 2 and 1 digits; "
                                "device up to 1f, function up to 7), e.g. 0000:00:04.0"},
        {"initiator=0000:00:20.0@1", "'0000:00:20.0' is not a PCI address"},
        {"initiator=10000:00:04.0@1", "'10000:00:04.0' is not a PCI address"},
        {"initiator=0000:00:04.0@x", "--initiator: vnode 'x' is not a number from 0 to 1023"},
        {"initiator=0000:00:04.0@1,0000:00:04.0@2",
         "--initiator: device 0000:00:04.0 is given twice (vnodes 1 and 2); a device has one "
         "proximity domain"},
        {"initiator=0000:00:04.0@1;initiator=0000:00:04.0@1",
         "--initiator: device 0000:00:04.0 is given twice"},
        {"initiator=0000:00:04.0@1,", "--initiator '0000:00:04.0@1,': an entry is empty"},
        {"hotplug-memory=100M@0", "--hotplug-memory '100M@0': the size must be a non-zero "
                                  "multiple of 128 MiB (Linux hot-adds memory in blocks of "
                                  "128 MiB)"},
        {"hotplug-memory=0@0", "the size must be a non-zero multiple of 128 MiB"},
        {"hotplug-memory=1X@0", "--hotplug-memory '1X@0': "},
        {"hotplug-memory=1G", "--hotplug-memory '1G': expected SIZE@VNODE, e.g. 4G@1"},
        {"hotplug-memory=1G@-1", "--hotplug-memory: vnode '-1' is not a number from 0 to 1023"},
    };
    static const struct {
        const char *request, *message;
    } planner[] = {
        {"vcpus=4;max-vcpus=3;memory=1024",
         "--max-vcpus 3 is below --vcpus 4 (it counts every vCPU the guest may have, the present "
         "ones included)"},
        {"vcpus=4;max-vcpus=8;memory=1024;vcpu-nodes=0-3:0",
         "--vcpu-nodes does not assign vCPU 4 to a vnode (every vCPU, hot-pluggable ones "
         "included, needs exactly one)"},
        {"vcpus=4;max-vcpus=6;memory=1024;vcpu-nodes=0-7:0",
         "--vcpu-nodes names vCPU 7 but the guest has 6 vCPUs (0-5, hot-pluggable ones "
         "included)"},
        {"vcpus=4;max-vcpus=8;memory=1024;shape=sockets=2,cores=2",
         "--shape sockets=2,dies=1,cores=2,threads=1 makes 4 vCPUs but --max-vcpus is 8 (the "
         "product must equal the vCPU count, hot-pluggable ones included)"},
        {"vcpus=2;max-vcpus=4;memory=1024;pin=0-1:0-1",
         "--pin does not pin vCPU 2 (with --pin every vCPU, hot-pluggable ones included, needs "
         "a pCPU)"},
        {"vcpus=4;memory=1024;vnodes=2;initiator=0000:00:04.0@3",
         "--initiator 0000:00:04.0@3: the plan has vnodes 0-1, so a new vnode of generic "
         "initiators must be 2 (new vnodes follow without a gap)"},
        {"vcpus=4;memory=1024;vnodes=2;initiator=0000:00:04.0@2;vnode-memory=512M,512M",
         "--vnode-memory lists 2 sizes for 3 vnodes"},
        {"vcpus=4;memory=1024;vnodes=2;hotplug-memory=1G@2",
         "--hotplug-memory: vnode 2 (of range 0, 1 GiB) is not a vnode of the plan (vnodes "
         "0-1)"},
        {"vcpus=4;memory=1024;vnodes=2;hotplug-memory=1G@0,4096T@1",
         "--hotplug-memory: range 1 (4 PiB for vnode 1) would end beyond the 52-bit "
         "guest-physical address space (it starts at 0x140000000)"},
        {"vcpus=4;memory=2048;vnodes=2;hotplug-memory=4G@0",
         "host node 0 would back 5 GiB of guest memory, hot-pluggable included, but has 4 GiB "
         "(choose other pnodes with --vnode-pnodes, or less --memory or --hotplug-memory)"},
    };
    struct vt_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(setter) / sizeof(setter[0]); i++) {
        if (request(setter[i].request, &err))
            fail_msg("'%s' was accepted", setter[i].request);
        if (err.code != -EINVAL || !strstr(err.msg, setter[i].message))
            fail_msg("'%s': '%s', want '%s'", setter[i].request, err.msg, setter[i].message);
    }
    for (size_t i = 0; i < sizeof(planner) / sizeof(planner[0]); i++)
        expect_reject(h, planner[i].request, planner[i].message);
    vt_host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdm_qemu_known_answers),
        cmocka_unit_test(test_xen_known_answers),
        cmocka_unit_test(test_legacy_and_capacity_query),
        cmocka_unit_test(test_memory_split),
        cmocka_unit_test(test_pinning),
        cmocka_unit_test(test_pin_identity),
        cmocka_unit_test(test_nearest_first),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_guest_pxms),
        cmocka_unit_test(test_empty_vnodes),
        cmocka_unit_test(test_distances),
        cmocka_unit_test(test_hmat_matrices),
        cmocka_unit_test(test_numa_option_rejections),
        cmocka_unit_test(test_typed_request),
        cmocka_unit_test(test_random_requests),
        cmocka_unit_test(test_float_cpus),
        cmocka_unit_test(test_request_format),
        cmocka_unit_test(test_gpa_lookup),
        cmocka_unit_test(test_write_dir),
        cmocka_unit_test(test_hotplug_vcpus),
        cmocka_unit_test(test_initiators),
        cmocka_unit_test(test_hotplug_memory),
        cmocka_unit_test(test_hotplug_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
