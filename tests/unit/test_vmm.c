/* Unit tests: the VMM views of a layout (vt_emit_qemu, vt_emit_libvirt,
 * vt_emit_xl, vt_emit_cloud_hypervisor) — known answers for the demo plan,
 * every refusal, and properties over thousands of seeded random plans: QEMU's
 * -smp prefix, -device and -numa cpu arguments place every vCPU exactly once
 * in the slot of its topology ids, and the NUMA lists of libvirt,
 * cloud-hypervisor and xl partition the CPUs by vnode. */
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
#include "fields.h"
#include "model/vmm/xen.h"
#include "vtopo/layout.h"
#include "vtopo/vmm.h"

#define M (UINT64_C(1) << 20)

/* ---- helpers --------------------------------------------------------------- */

struct preq {
    unsigned vcpus;
    uint64_t memory;
    const char *vnodes, *vcpu_nodes, *pin, *vnode_memory, *shape, *apic, *mem_layout, *vendor;
    bool span;
    /* Hot-plug and devices (0 / NULL: none). */
    unsigned max_vcpus;
    const char *initiators, *hotplug_memory;
};

/* Plan p on h; NULL (with err set) when the planner refuses. */
static struct vt_layout *plan(const struct vt_host *h, const struct preq *p, struct vt_err *err)
{
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    int rc;

    assert_non_null(r);
    rc = vt_request_set_vcpus(r, p->vcpus, err);
    if (!rc)
        rc = vt_request_set_memory(r, p->memory, err);
    if (!rc && p->vnodes)
        rc = vt_request_set_vnodes(r, (unsigned)atoi(p->vnodes), err);
    if (!rc && p->vcpu_nodes)
        rc = vt_request_parse_vcpu_vnodes(r, p->vcpu_nodes, err);
    if (!rc && p->pin)
        rc = vt_request_parse_pins(r, p->pin, err);
    if (!rc && p->vnode_memory)
        rc = vt_request_parse_vnode_memory(r, p->vnode_memory, err);
    if (!rc && p->shape)
        rc = vt_request_parse_shape(r, p->shape, err);
    if (!rc && p->apic)
        rc = vt_request_parse_apic(r, p->apic, err);
    if (!rc && p->vendor)
        rc = vt_request_parse_vendor(r, p->vendor, err);
    if (!rc && p->mem_layout)
        rc = vt_request_parse_mem_layout(r, p->mem_layout, err);
    vt_request_allow_package_span(r, p->span);
    if (!rc && p->max_vcpus)
        rc = vt_request_set_max_vcpus(r, p->max_vcpus, err);
    if (!rc && p->initiators)
        rc = vt_request_parse_initiators(r, p->initiators, err);
    if (!rc && p->hotplug_memory)
        rc = vt_request_parse_hotplug_memory(r, p->hotplug_memory, err);
    if (!rc)
        rc = vt_plan(h, r, &l, err);
    vt_request_free(r);
    return rc ? NULL : l;
}

static struct vt_layout *plan_ok(const struct vt_host *h, const struct preq *p)
{
    struct vt_err err;
    struct vt_layout *l = plan(h, p, &err);

    if (!l)
        fail_msg("plan: %s", err.msg);
    return l;
}

/* The list joined with '\n' (each item followed by one), malloc'd. */
static char *joined(const struct vt_strlist *s)
{
    size_t n = 1;
    char *out, *p;

    for (size_t i = 0; i < s->count; i++)
        n += strlen(s->items[i]) + 1;
    out = p = malloc(n);
    assert_non_null(out);
    for (size_t i = 0; i < s->count; i++)
        p += sprintf(p, "%s\n", s->items[i]);
    *p = '\0';
    return out;
}

static struct vt_host *demo_host(void)
{
    return t_synthetic("sockets=2,cores=6,mem=16G,distances=10:21");
}

static const struct preq demo = {6,    1024 * M,   "2",  NULL, NULL, NULL, "sockets=2,cores=3",
                                 NULL, "qemu-q35", NULL, false};

/* ---- known answers ------------------------------------------------------------ */

static void test_demo_qemu(void **state)
{
    struct vt_host *h = demo_host();
    struct vt_layout *l = plan_ok(h, &demo);
    struct vt_strlist args = {0}, warnings = {0};
    struct vt_qemu_opts o = {.numa = VT_QEMU_NUMA_ACPI, .tables_dir = "/t", .hmat = true};
    struct vt_err err;
    char *text;

    (void)state;
    assert_int_equal(vt_emit_qemu(l, NULL, &args, &warnings, &err), 0);
    text = joined(&args);
    assert_string_equal(text, "-machine\nq35\n-cpu\nmax,vendor=GenuineIntel\n"
                              "-smp\n6,sockets=2,cores=3,threads=1,maxcpus=6\n-m\n1024M\n"
                              "-object\nmemory-backend-ram,id=vnode0,size=512M\n"
                              "-object\nmemory-backend-ram,id=vnode1,size=512M\n"
                              "-numa\nnode,nodeid=0,memdev=vnode0\n"
                              "-numa\nnode,nodeid=1,memdev=vnode1\n"
                              "-numa\ncpu,node-id=0,socket-id=0,core-id=0,thread-id=0\n"
                              "-numa\ncpu,node-id=0,socket-id=0,core-id=1,thread-id=0\n"
                              "-numa\ncpu,node-id=0,socket-id=0,core-id=2,thread-id=0\n"
                              "-numa\ncpu,node-id=1,socket-id=1,core-id=0,thread-id=0\n"
                              "-numa\ncpu,node-id=1,socket-id=1,core-id=1,thread-id=0\n"
                              "-numa\ncpu,node-id=1,socket-id=1,core-id=2,thread-id=0\n"
                              "-numa\ndist,src=0,dst=1,val=21\n-numa\ndist,src=1,dst=0,val=21\n");
    free(text);
    assert_int_equal(warnings.count, 0);
    vt_strlist_free(&args);
    assert_int_equal(vt_emit_qemu(l, &o, &args, NULL, &err), 0);
    text = joined(&args);
    assert_non_null(strstr(text, "\n1024M\n-acpitable\nfile=/t/srat.dat\n-acpitable\n"
                                 "file=/t/slit.dat\n-acpitable\nfile=/t/hmat.dat\n"));
    assert_null(strstr(text, "-numa"));
    free(text);
    vt_strlist_free(&args);
    vt_layout_free(l);
    vt_host_free(h);
}

static void test_demo_libvirt(void **state)
{
    struct vt_host *h = demo_host();
    struct vt_layout *l = plan_ok(h, &demo);
    struct vt_strlist warnings = {0};
    struct vt_err err;
    char *xml = NULL;

    (void)state;
    assert_int_equal(vt_emit_libvirt(l, NULL, &xml, &warnings, &err), 0);
    assert_string_equal(
        xml, "<!-- vtopo emit libvirt: 6 vCPUs, 1024 MiB, 2 vnodes (docs/vmm-config.md).\n"
             "     The domain needs <os><type machine='q35'>hvm</type></os> and "
             "<features><acpi/></features>;\n"
             "     the plan's CPUID leaves are those of an intel CPU. -->\n"
             "<memory unit='MiB'>1024</memory>\n"
             "<vcpu placement='static'>6</vcpu>\n"
             "<cputune>\n"
             "  <vcpupin vcpu='0' cpuset='0-5'/>\n"
             "  <vcpupin vcpu='1' cpuset='0-5'/>\n"
             "  <vcpupin vcpu='2' cpuset='0-5'/>\n"
             "  <vcpupin vcpu='3' cpuset='6-11'/>\n"
             "  <vcpupin vcpu='4' cpuset='6-11'/>\n"
             "  <vcpupin vcpu='5' cpuset='6-11'/>\n"
             "</cputune>\n"
             "<numatune>\n"
             "  <memnode cellid='0' mode='strict' nodeset='0'/>\n"
             "  <memnode cellid='1' mode='strict' nodeset='1'/>\n"
             "</numatune>\n"
             "<cpu mode='maximum' check='none'>\n"
             "  <topology sockets='2' dies='1' cores='3' threads='1'/>\n"
             "  <numa>\n"
             "    <cell id='0' cpus='0-2' memory='512' unit='MiB'>\n"
             "      <distances>\n"
             "        <sibling id='0' value='10'/>\n"
             "        <sibling id='1' value='21'/>\n"
             "      </distances>\n"
             "    </cell>\n"
             "    <cell id='1' cpus='3-5' memory='512' unit='MiB'>\n"
             "      <distances>\n"
             "        <sibling id='0' value='21'/>\n"
             "        <sibling id='1' value='10'/>\n"
             "      </distances>\n"
             "    </cell>\n"
             "  </numa>\n"
             "</cpu>\n");
    assert_int_equal(warnings.count, 0);
    free(xml);
    vt_layout_free(l);
    vt_host_free(h);
}

static void test_demo_xl(void **state)
{
    struct vt_host *h = demo_host();
    struct preq p = {6, 1024 * M, "2", NULL, NULL, NULL, NULL, "xen", "xen-hvm", NULL, false};
    struct vt_layout *l = plan_ok(h, &p);
    struct vt_strlist warnings = {0};
    struct vt_err err;
    char *cfg = NULL;

    (void)state;
    assert_int_equal(vt_emit_xl(l, &cfg, &warnings, &err), 0);
    assert_string_equal(cfg,
                        "# vtopo emit xl: 6 vCPUs, 1024 MiB, 2 vnodes (docs/vmm-config.md)\n"
                        "type = \"hvm\"\n"
                        "vcpus = 6\n"
                        "maxvcpus = 6\n"
                        "memory = 1024\n"
                        "maxmem = 1024\n"
                        "# libxl takes the video RAM out of vnode 0; the plan has none\n"
                        "vga = \"none\"\n"
                        "vnuma = [ [ \"pnode=0\", \"size=512\", \"vcpus=0-2\", "
                        "\"vdistances=10,21\" ],\n"
                        "          [ \"pnode=1\", \"size=512\", \"vcpus=3-5\", "
                        "\"vdistances=21,10\" ] ]\n"
                        "cpus = [ \"0-5\", \"0-5\", \"0-5\", \"6-11\", \"6-11\", \"6-11\" ]\n");
    /* The CPUID topology, and vCPU 3's APIC ID: 8 (vnode 1 << 3), not 6. */
    assert_int_equal(warnings.count, 2);
    assert_non_null(strstr(warnings.items[0], "zeroes leaf 0xB"));
    assert_non_null(strstr(warnings.items[1], "vCPU 3 the APIC ID 6 where the plan's xen "
                                              "encoding gives 8"));
    vt_strlist_free(&warnings);
    free(cfg);
    vt_layout_free(l);
    vt_host_free(h);
}

static void test_demo_chv(void **state)
{
    struct vt_host *h = demo_host();
    struct preq p = demo;
    struct vt_layout *l;
    struct vt_strlist args = {0}, warnings = {0};
    struct vt_err err;
    char *text;

    (void)state;
    p.pin = "0-2:0-2,3-5:6-8";
    p.vnodes = NULL;
    l = plan_ok(h, &p);
    assert_int_equal(vt_emit_cloud_hypervisor(l, NULL, &args, &warnings, &err), 0);
    text = joined(&args);
    assert_string_equal(
        text, "--cpus\nboot=6,max=6,topology=1:3:1:2,affinity=[0@[0],1@[1],2@[2],3@[6],"
              "4@[7],5@[8]]\n--memory\nsize=0\n"
              "--memory-zone\nid=mem0,size=512M,host_numa_node=0\n"
              "--memory-zone\nid=mem1,size=512M,host_numa_node=1\n"
              "--numa\nguest_numa_id=0,cpus=[0-2],distances=[1@21],memory_zones=[mem0]\n"
              "--numa\nguest_numa_id=1,cpus=[3-5],distances=[0@21],memory_zones=[mem1]\n");
    free(text);
    assert_int_equal(warnings.count, 1);
    assert_non_null(strstr(warnings.items[0], "the plan's qemu-q35 memory map"));
    vt_strlist_free(&args);
    vt_strlist_free(&warnings);
    vt_layout_free(l);
    vt_host_free(h);
}

/* 2 + 3 vCPUs over two sockets of three cores: slot 2 is empty. */
static void test_unbalanced(void **state)
{
    struct vt_host *h = demo_host();
    struct preq p = {5,    1024 * M, NULL,      "0-1:0,2-4:1", NULL, NULL,
                     NULL, NULL,     "qemu-pc", NULL,          false};
    struct vt_layout *l = plan_ok(h, &p);
    struct vt_strlist args = {0};
    struct vt_err err;
    char *text, *xml;

    (void)state;
    assert_int_equal(vt_emit_qemu(l, NULL, &args, NULL, &err), 0);
    text = joined(&args);
    assert_non_null(strstr(text, "-machine\npc\n"));
    assert_non_null(strstr(text, "-smp\n2,sockets=2,cores=3,threads=1,maxcpus=6\n"
                                 "-device\nmax-x86_64-cpu,id=vcpu2,socket-id=1,core-id=0,"
                                 "thread-id=0\n"
                                 "-device\nmax-x86_64-cpu,id=vcpu3,socket-id=1,core-id=1,"
                                 "thread-id=0\n"
                                 "-device\nmax-x86_64-cpu,id=vcpu4,socket-id=1,core-id=2,"
                                 "thread-id=0\n-m\n"));
    /* The empty slot belongs to the node of the vCPU before it. */
    assert_non_null(strstr(text, "cpu,node-id=0,socket-id=0,core-id=2,thread-id=0\n"));
    free(text);
    vt_strlist_free(&args);
    assert_int_equal(vt_emit_libvirt(l, NULL, &xml, NULL, &err), 0);
    assert_non_null(strstr(xml, "<vcpu placement='static' current='5'>6</vcpu>\n<vcpus>\n"
                                "  <vcpu id='0' enabled='yes' hotpluggable='no'/>\n"
                                "  <vcpu id='1' enabled='yes' hotpluggable='no'/>\n"
                                "  <vcpu id='2' enabled='no' hotpluggable='yes'/>\n"
                                "  <vcpu id='3' enabled='yes' hotpluggable='yes'/>\n"));
    assert_non_null(strstr(xml, "<type machine='pc'>"));
    free(xml);
    assert_int_equal(vt_emit_cloud_hypervisor(l, NULL, &args, NULL, &err), -EINVAL);
    assert_string_equal(err.msg, "cloud-hypervisor boots vCPUs 0..N-1 in the order of its "
                                 "topology and cannot leave a CPU slot empty, but vCPU 2 is in "
                                 "slot 3 (plan with a --shape whose product is the vCPU count)");
    assert_int_equal(args.count, 0);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Every emitter refuses what its VMM cannot express, leaves its outputs
 * alone, and names the plan option to change. */
static void test_refusals(void **state)
{
    static const struct {
        struct preq p;
        int which; /* 0 qemu, 1 libvirt, 2 xl, 3 cloud-hypervisor */
        const char *msg;
    } cases[] = {
        {{4, 1024 * M, "2", NULL, NULL, NULL, NULL, "xen", "qemu-q35", NULL, false},
         0,
         "QEMU derives APIC IDs with the sdm encoding, but this plan uses the xen encoding "
         "(plan with --apic sdm)"},
        {{4, 1024 * M, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false},
         0,
         "(plan with --mem-layout qemu-q35 or qemu-pc)"},
        {{6, 1024 * M, NULL, "0,2,4:0,1,3,5:1", NULL, NULL, NULL, NULL, "qemu-q35", NULL, false},
         0,
         "but vCPU 2 comes before vCPU 1 in that order (give each vnode a contiguous range of "
         "vCPUs with --vcpu-nodes)"},
        {{4, 1024 * M, NULL, "0-1:0,2-3:1", NULL, "1G,0", NULL, NULL, "qemu-q35", NULL, false},
         1,
         "but vnode 1 has no memory (give every vnode memory with --vnode-memory)"},
        {{4, 1024 * M, NULL, NULL, NULL, NULL, NULL, "legacy", "qemu-q35", NULL, false},
         1,
         "libvirt (QEMU) derives APIC IDs with the sdm encoding"},
        {{4, 1024 * M, "2", NULL, NULL, NULL, NULL, NULL, "xen-hvm", NULL, false},
         2,
         "not the sdm encoding of this plan (plan with --apic xen, or --apic legacy)"},
        {{4, 1024 * M, "2", NULL, NULL, NULL, NULL, "xen", "flat", NULL, false},
         2,
         "uses the flat memory layout (plan with --mem-layout xen-hvm)"},
        {{130, 1024 * M, NULL, NULL, NULL, NULL, NULL, "legacy", "xen-hvm", NULL, false},
         2,
         "has 130 (plan with --vcpus 128 or fewer)"},
        {{100, 1024 * M, "3", NULL, NULL, NULL, NULL, "xen", "xen-hvm", NULL, false},
         2,
         "but vCPU 67 has APIC ID 256 (plan with fewer vCPUs per vnode, or --apic legacy)"},
        {{33, 66 * M, "33", NULL, NULL, NULL, NULL, "legacy", "xen-hvm", NULL, false},
         2,
         "has 33 (plan with --vnodes 32 or fewer)"},
        {{4, 1024 * M, NULL, "0-1:0,2-3:2", NULL, "512M,0,512M", NULL, "xen", "xen-hvm", NULL,
          false},
         2,
         "but vnode 1 has none (give every vnode vCPUs with --vcpu-nodes)"},
        {{4, 1024 * M, NULL, NULL, NULL, NULL, NULL, "xen", NULL, NULL, false},
         3,
         "but this plan uses the xen encoding (plan with --apic sdm)"},
        {{6, 1024 * M, NULL, NULL, NULL, NULL, "sockets=2,cores=1,threads=3", NULL, NULL, NULL,
          false},
         3,
         "has 3 (plan with --shape threads=1 or threads=2)"},
        {{4, 1024 * M, NULL, "0-1:0,2-3:2", NULL, "512M,0,512M", NULL, NULL, NULL, NULL, false},
         3,
         "but vnode 1 has neither vCPUs nor memory (give it memory with --vnode-memory)"},
        /* Hot-plug and devices: refused where the VMM view would drop them,
         * not left out silently. */
        {{4, 1024 * M, "2", NULL, NULL, "512M,256M,256M", NULL, NULL, "qemu-q35", NULL, false, 0,
          "0000:00:04.0@2"},
         1,
         "cannot describe generic initiators (--initiator); plan without --initiator, or emit "
         "qemu with --numa acpi"},
        {{4, 1024 * M, "2", NULL, NULL, NULL, NULL, NULL, "qemu-q35", NULL, false, 0, NULL, "1G@1"},
         1,
         "plan without --hotplug-memory, or emit qemu"},
        {{4, 1024 * M, "2", NULL, NULL, NULL, NULL, "xen", "xen-hvm", NULL, false, 0,
          "0000:00:04.0@1"},
         2,
         "Xen's SRAT (libacpi) has no generic initiator entries (plan without --initiator)"},
        {{4, 1024 * M, "2", NULL, NULL, NULL, NULL, "xen", "xen-hvm", NULL, false, 0, NULL, "1G@1"},
         2,
         "(plan without --hotplug-memory)"},
        {{100, 1024 * M, "2", NULL, NULL, NULL, NULL, "legacy", "xen-hvm", NULL, false, 130},
         2,
         "has 130 (plan with --max-vcpus 128 or fewer)"},
        {{4, 1024 * M, "2", NULL, NULL, NULL, "sockets=2,cores=2", NULL, NULL, NULL, false, 0,
          "0000:00:04.0@1"},
         3,
         "(plan without --initiator)"},
        {{4, 1024 * M, "2", NULL, NULL, NULL, "sockets=2,cores=2", NULL, NULL, NULL, false, 0, NULL,
          "1G@1"},
         3,
         "(plan without --hotplug-memory)"},
        /* vnode 1 has only a hot-pluggable vCPU, in a slot before vnode 2's
         * present one: QEMU's SRAT (slot order) makes it node 1, ours
         * (present vCPUs first) node 2. */
        {{2, 1536 * M, NULL, "0:0,2:1,1:2", NULL, NULL, NULL, NULL, "qemu-q35", NULL, false, 3},
         0,
         "so Linux would number vnode 1 as node 1, but the plan (whose SRAT lists the present "
         "vCPUs first) predicts node 2 (emit with --numa acpi"},
        {{2, 1536 * M, NULL, "0:0,2:1,1:2", NULL, NULL, NULL, NULL, "qemu-q35", NULL, false, 3},
         1,
         "so Linux would number vnode 1 as node 1"},
    };
    struct vt_host *h = t_synthetic("sockets=2,cores=64,mem=64G,distances=10:21");

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vt_layout *l = plan_ok(h, &cases[i].p);
        struct vt_strlist args = {0}, warnings = {0};
        struct vt_err err;
        char *text = NULL;
        int rc;

        err.msg[0] = '\0';
        switch (cases[i].which) {
        case 0:
            rc = vt_emit_qemu(l, NULL, &args, &warnings, &err);
            break;
        case 1:
            rc = vt_emit_libvirt(l, NULL, &text, &warnings, &err);
            break;
        case 2:
            rc = vt_emit_xl(l, &text, &warnings, &err);
            break;
        default:
            rc = vt_emit_cloud_hypervisor(l, NULL, &args, &warnings, &err);
            break;
        }
        if (rc != -EINVAL || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: rc %d, '%s'; expected -EINVAL and '%s'", i, rc, err.msg,
                     cases[i].msg);
        assert_null(text);
        assert_int_equal(args.count, 0);
        assert_int_equal(warnings.count, 0);
        vt_layout_free(l);
    }
    /* Memory backings through the typed options, in every QEMU-family view:
     * a page size x86 lacks, a vnode not a whole number of pages, a kind
     * outside the enum. */
    {
        static const struct {
            struct vt_mem_backing b;
            const char *msg;
        } bad[] = {
            {{VT_MEM_BACKEND_HUGEPAGES, 4 << 20},
             "huge pages of 4096 KiB: x86 has 2 MiB and 1 GiB pages"},
            {{VT_MEM_BACKEND_HUGEPAGES, 1 << 30},
             "vnode 0's 768 MiB are not a whole number of 1024 MiB huge pages"},
            {{(enum vt_mem_backend)7, 0}, "memory backing 7 is not one of vt_mem_backend's"},
        };
        struct preq p = {4, 1536 * M, "2", NULL, NULL, NULL, NULL, NULL, "qemu-q35", NULL, false};
        struct vt_layout *l = plan_ok(h, &p);

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            for (int which = 0; which < 3; which++) {
                struct vt_qemu_opts qo = {.backing = bad[i].b};
                struct vt_libvirt_opts lo = {.backing = bad[i].b};
                struct vt_chv_opts co = {.backing = bad[i].b};
                struct vt_strlist args = {0};
                struct vt_err err;
                char *text = NULL;
                int rc = which == 0   ? vt_emit_qemu(l, &qo, &args, NULL, &err)
                         : which == 1 ? vt_emit_libvirt(l, &lo, &text, NULL, &err)
                                      : vt_emit_cloud_hypervisor(l, &co, &args, NULL, &err);

                if (rc != -EINVAL || !strstr(err.msg, bad[i].msg))
                    fail_msg("backing %zu, view %d: rc %d, '%s'; expected '%s'", i, which, rc,
                             err.msg, bad[i].msg);
                assert_null(text);
                assert_int_equal(args.count, 0);
            }
        vt_layout_free(l);
    }
    vt_host_free(h);
}

/* The kernel parameters: acpi_apic_instance=2 with our MADT; under TCG with
 * APIC-ID holes and at most 8 possible CPUs, possible_cpus=9. */
static void test_kernel_params(void **state)
{
    struct vt_host *h = demo_host();
    struct vt_layout *l = plan_ok(h, &demo); /* APIC IDs 0,1,2,4,5,6 */
    struct vt_qemu_opts acpi = {.numa = VT_QEMU_NUMA_ACPI, .madt = true};
    struct vt_err err;
    char *p;

    (void)state;
    assert_int_equal(vt_emit_qemu_kernel_params(l, NULL, false, &p, &err), 0);
    assert_string_equal(p, "");
    free(p);
    assert_int_equal(vt_emit_qemu_kernel_params(l, NULL, true, &p, &err), 0);
    assert_string_equal(p, "possible_cpus=9");
    free(p);
    assert_int_equal(vt_emit_qemu_kernel_params(l, &acpi, true, &p, &err), 0);
    assert_string_equal(p, "acpi_apic_instance=2 possible_cpus=9");
    free(p);
    vt_layout_free(l);
    /* 4 present vCPUs (APIC IDs 0, 1, 8, 9) and 6 hot-pluggable ones: our
     * MADT lists 10 possible CPUs, so Linux already uses physical flat mode,
     * and possible_cpus=9 would keep one hot-pluggable vCPU from ever being
     * added. */
    {
        struct preq hp = {.vcpus = 4,
                          .memory = 1024 * M,
                          .vcpu_nodes = "0-1,4-6:0,2-3,7-9:1",
                          .mem_layout = "qemu-q35",
                          .max_vcpus = 10};

        l = plan_ok(h, &hp);
    }
    assert_int_equal(vt_emit_qemu_kernel_params(l, &acpi, true, &p, &err), 0);
    assert_string_equal(p, "acpi_apic_instance=2");
    free(p);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Hot-pluggable vCPUs and memory in the views that can express them. */
static void test_hotplug_views(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=64,mem=1024G,distances=10:21");
    struct preq p = {.vcpus = 4,
                     .memory = 1024 * M,
                     .vcpu_nodes = "0-1,4-5:0,2-3,6-7:1",
                     .apic = "legacy",
                     .mem_layout = "xen-hvm",
                     .max_vcpus = 8};
    struct vt_qemu_opts acpi = {.numa = VT_QEMU_NUMA_ACPI, .tables_dir = "a:b"};
    struct vt_strlist args = {0}, warnings = {0};
    struct vt_layout *l = plan_ok(h, &p);
    struct vt_err err;
    char *cfg = NULL, *text, list[300 * 7];
    size_t off = 0;

    (void)state;
    /* xl: maxvcpus counts the hot-pluggable vCPUs, and the vnodes' vcpus=
     * lists hold them (xl: the lists add up to maxvcpus). */
    assert_int_equal(vt_emit_xl(l, &cfg, NULL, &err), 0);
    assert_non_null(strstr(cfg, "vcpus = 4\nmaxvcpus = 8\n"));
    assert_non_null(strstr(cfg, "\"vcpus=0-1,4-5\""));
    assert_non_null(strstr(cfg, "\"vcpus=2-3,6-7\""));
    free(cfg);
    vt_layout_free(l);
    /* xl: a vnode whose vCPUs are all hot-pluggable is a vnode with vCPUs. */
    p.vcpu_nodes = NULL;
    p.vnodes = "2";
    l = plan_ok(h, &p);
    cfg = NULL;
    assert_int_equal(vt_emit_xl(l, &cfg, NULL, &err), 0);
    assert_non_null(strstr(cfg, "\"vcpus=4-7\""));
    free(cfg);
    vt_layout_free(l);

    /* QEMU: hot-pluggable vCPUs with APIC IDs >= 255 need x2APIC as much
     * as present ones (vCPU 130 gets APIC ID 256). */
    p = (struct preq){.vcpus = 4,
                      .memory = 1024 * M,
                      .vnodes = "2",
                      .shape = "sockets=2,cores=130",
                      .mem_layout = "qemu-q35",
                      .max_vcpus = 260};
    l = plan_ok(h, &p);
    assert_int_equal(vt_emit_qemu(l, NULL, &args, &warnings, &err), 0);
    text = joined(&args);
    assert_non_null(strstr(text, "-machine\nq35,kernel-irqchip=split\n"));
    assert_non_null(strstr(text, "-device\nintel-iommu,intremap=on,eim=on\n"));
    free(text);
    vt_strlist_free(&args);
    vt_strlist_free(&warnings);
    assert_int_equal(vt_emit_libvirt(l, NULL, &cfg, &warnings, &err), 0);
    assert_int_equal(warnings.count, 1);
    assert_non_null(strstr(warnings.items[0], "APIC IDs up to 385 need x2APIC"));
    free(cfg);
    vt_strlist_free(&warnings);
    /* QEMU's -acpitable file= splits at ':'. */
    assert_int_equal(vt_emit_qemu(l, &acpi, &args, NULL, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "the tables directory 'a:b' has one"));
    assert_int_equal(args.count, 0);
    vt_layout_free(l);

    /* QEMU has 256 memory slots: one DIMM per hot-pluggable range. */
    for (int i = 0; i < 257; i++)
        off += (size_t)snprintf(list + off, sizeof(list) - off, "%s128M@1", i ? "," : "");
    p = (struct preq){.vcpus = 2,
                      .memory = 1024 * M,
                      .vnodes = "2",
                      .mem_layout = "qemu-q35",
                      .hotplug_memory = list};
    l = plan_ok(h, &p);
    assert_int_equal(vt_emit_qemu(l, NULL, &args, NULL, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "QEMU has at most 256 memory slots (ACPI_MAX_RAM_SLOTS), one "
                                    "per hot-pluggable range, but --hotplug-memory plans 257 "
                                    "ranges"));
    assert_int_equal(args.count, 0);
    vt_layout_free(l);
    list[strlen("128M@1") * 256 + 255] = '\0'; /* 256 ranges */
    l = plan_ok(h, &p);
    assert_int_equal(vt_emit_qemu(l, NULL, &args, NULL, &err), 0);
    text = joined(&args);
    assert_non_null(strstr(text, "-m\n1024M,slots=256,maxmem=33792M\n"));
    free(text);
    vt_strlist_free(&args);
    vt_layout_free(l);
    vt_host_free(h);
}

/* ---- properties over random plans ------------------------------------------------ */

static unsigned rnd(unsigned n)
{
    return n ? (unsigned)rand() % n : 0;
}

/* A random QEMU-family plan: vCPU ranges per vnode (some vnodes CPU-less or
 * memory-less), the default shape or one that fills every slot. */
static struct vt_layout *random_plan(const struct vt_host *h, char *what, size_t size)
{
    static const char *threads[] = {"1", "2"};
    char map[512], mem[256], shape[96];
    struct preq p = {0};
    struct vt_err err;
    unsigned nv = 1 + rnd(5), next = 0;
    size_t off = 0, moff = 0;

    p.vcpus = 1 + rnd(48);
    p.memory = 2 * M * (1 + rnd(2048)) + 64 * M * nv;
    p.mem_layout = rnd(2) ? "qemu-q35" : "qemu-pc";
    p.vendor = rnd(2) ? "intel" : "amd";
    /* Contiguous ranges in vnode order; a vnode may get none. */
    for (unsigned v = 0; v < nv && next < p.vcpus; v++) {
        unsigned take = v + 1 == nv ? p.vcpus - next : rnd(p.vcpus - next + 1);

        if (take)
            off += (size_t)snprintf(map + off, sizeof(map) - off, "%s%u-%u:%u", off ? "," : "",
                                    next, next + take - 1, v);
        next += take;
    }
    if (next < p.vcpus)
        off += (size_t)snprintf(map + off, sizeof(map) - off, "%s%u-%u:0", off ? "," : "", next,
                                p.vcpus - 1);
    p.vcpu_nodes = map;
    if (rnd(4) == 0) {
        /* Every vnode 64 MiB, the rest on vnode 0 (or one memory-less). */
        uint64_t rest = p.memory - 64 * M * (nv - 1);

        for (unsigned v = 0; v < nv; v++)
            moff += (size_t)snprintf(mem + moff, sizeof(mem) - moff, "%s%lluM", v ? "," : "",
                                     (unsigned long long)((v ? 64 * M : rest) >> 20));
        p.vnode_memory = mem;
    }
    if (rnd(3) == 0) {
        unsigned t = (unsigned)atoi(threads[rnd(2)]);

        if (p.vcpus % t == 0) {
            unsigned rest = p.vcpus / t, dies = rest % 2 == 0 && rnd(2) ? 2 : 1;

            snprintf(shape, sizeof(shape), "sockets=1,dies=%u,cores=%u,threads=%u", dies,
                     rest / dies, t);
            p.shape = shape;
            p.span = true;
        }
    }
    snprintf(what, size, "%u vCPUs, map %s, memory %s, shape %s, %s, %s", p.vcpus, map,
             p.vnode_memory ? p.vnode_memory : "default", p.shape ? p.shape : "default",
             p.mem_layout, p.vendor);
    return plan(h, &p, &err);
}

/* "key=NUMBER" inside s, or -1. */
static long prop(const char *s, const char *key)
{
    char pat[32];
    const char *at;

    snprintf(pat, sizeof(pat), "%s=", key);
    for (at = strstr(s, pat); at; at = strstr(at + 1, pat))
        if (at == s || at[-1] == ',')
            return strtol(at + strlen(pat), NULL, 10);
    return -1;
}

static size_t slot_of(const struct vt_shape *s, long socket, long die, long core, long thread)
{
    return (((size_t)socket * s->dies + (size_t)(die < 0 ? 0 : die)) * s->cores + (size_t)core) *
               s->threads +
           (size_t)thread;
}

/* A pc-machine plan whose APIC IDs need x2APIC, which QEMU gives only on
 * q35 (the intel-iommu): every QEMU-family view refuses it. */
static bool pc_with_x2apic(const struct vt_layout *l)
{
    uint32_t max = 0;

    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++)
        max = vt_layout_vcpu(l, i)->apic_id > max ? vt_layout_vcpu(l, i)->apic_id : max;
    for (size_t i = 0; i < vt_layout_hotplug_vcpu_count(l); i++)
        max = vt_layout_hotplug_vcpu(l, i)->apic_id > max ? vt_layout_hotplug_vcpu(l, i)->apic_id
                                                          : max;
    return vt_layout_mem_layout(l) == VT_MEM_QEMU_PC && max > VT_XAPIC_MAX_ID;
}

/* QEMU: -smp K places vCPUs 0..K-1 in slots 0..K-1; each -device names the
 * slot (socket/die/core/thread ids) of one more vCPU; together they place
 * every vCPU exactly once, in the slot of its own topology ids; -numa cpu
 * names every slot once, with the vnode of the vCPU in it. */
static void check_qemu(const struct vt_layout *l, const char *what)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l),
           nslots = (size_t)s->sockets * s->dies * s->cores * s->threads;
    struct vt_strlist a = {0};
    struct vt_err err;
    unsigned *placed = calloc(n, sizeof(*placed)), *numa_seen = calloc(nslots, sizeof(unsigned));
    int *slot_vcpu = malloc(nslots * sizeof(int));
    long prefix = -1;
    size_t nodes = 0;

    assert_non_null(placed);
    assert_non_null(numa_seen);
    assert_non_null(slot_vcpu);
    for (size_t i = 0; i < nslots; i++)
        slot_vcpu[i] = -1;
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        slot_vcpu[slot_of(s, c->package, c->die, c->core, c->thread)] = (int)i;
    }
    if (pc_with_x2apic(l)) {
        /* x2APIC needs the intel-iommu, which only q35 has. */
        assert_int_equal(vt_emit_qemu(l, NULL, &a, NULL, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "only the q35 machine has one"));
        free(placed);
        free(numa_seen);
        free(slot_vcpu);
        return;
    }
    if (vt_emit_qemu(l, NULL, &a, NULL, &err) != 0)
        fail_msg("%s: emit qemu: %s", what, err.msg);
    for (size_t i = 0; i + 1 < a.count; i++) {
        const char *opt = a.items[i], *v = a.items[i + 1];

        if (!strcmp(opt, "-smp")) {
            prefix = strtol(v, NULL, 10);
            if (prop(v, "sockets") != s->sockets || prop(v, "cores") != s->cores ||
                prop(v, "threads") != s->threads || prop(v, "maxcpus") != (long)nslots ||
                (s->dies > 1 && prop(v, "dies") != s->dies))
                fail_msg("%s: -smp %s does not give the plan's shape", what, v);
            for (long k = 0; k < prefix; k++) {
                /* Slot k holds vCPU k. */
                if ((size_t)k >= n || slot_vcpu[k] != k)
                    fail_msg("%s: -smp %ld puts vCPU %ld in slot %ld, which is not its slot", what,
                             prefix, k, k);
                placed[k]++;
            }
        } else if (!strcmp(opt, "-device") && strstr(v, "-x86_64-cpu,")) {
            long vcpu = strtol(strstr(v, "id=vcpu") + 7, NULL, 10);
            size_t slot = slot_of(s, prop(v, "socket-id"), prop(v, "die-id"), prop(v, "core-id"),
                                  prop(v, "thread-id"));

            if (vcpu < 0 || (size_t)vcpu >= n || slot >= nslots || slot_vcpu[slot] != vcpu ||
                (long)slot < prefix)
                fail_msg("%s: -device %s is not vCPU %ld's slot", what, v, vcpu);
            placed[vcpu]++;
        } else if (!strcmp(opt, "-numa") && !strncmp(v, "cpu,", 4)) {
            size_t slot = slot_of(s, prop(v, "socket-id"), prop(v, "die-id"), prop(v, "core-id"),
                                  prop(v, "thread-id"));

            assert_true(slot < nslots);
            numa_seen[slot]++;
            if (slot_vcpu[slot] >= 0 &&
                prop(v, "node-id") != (long)vt_layout_vcpu(l, (size_t)slot_vcpu[slot])->vnode)
                fail_msg("%s: -numa %s: vCPU %d is in vnode %u", what, v, slot_vcpu[slot],
                         vt_layout_vcpu(l, (size_t)slot_vcpu[slot])->vnode);
        } else if (!strcmp(opt, "-numa") && !strncmp(v, "node,", 5)) {
            nodes++;
        }
    }
    assert_true(prefix >= 1);
    for (size_t i = 0; i < n; i++)
        if (placed[i] != 1)
            fail_msg("%s: vCPU %zu is placed %u times", what, i, placed[i]);
    for (size_t i = 0; i < nslots; i++)
        if (numa_seen[i] != 1)
            fail_msg("%s: slot %zu has %u -numa cpu options", what, i, numa_seen[i]);
    assert_int_equal(nodes, vt_layout_vnode_count(l));
    vt_strlist_free(&a);
    free(placed);
    free(numa_seen);
    free(slot_vcpu);
}

/* Parse a cpulist; every id lands in owner[] (which must still be -1). */
static void claim(const char *list, size_t len, int *owner, size_t nowner, int who,
                  const char *what)
{
    char buf[512];
    struct vt_bitmap *b = vt_bitmap_new();
    struct vt_err err;

    assert_true(len < sizeof(buf));
    memcpy(buf, list, len);
    buf[len] = '\0';
    assert_non_null(b);
    if (vt_bitmap_parse_list(b, buf, 100000, &err) != 0)
        fail_msg("%s: '%s': %s", what, buf, err.msg);
    for (int id = vt_bitmap_first(b); id >= 0; id = vt_bitmap_next(b, id)) {
        if ((size_t)id >= nowner || owner[id] != -1)
            fail_msg("%s: CPU %d listed twice or beyond %zu", what, id, nowner);
        owner[id] = who;
    }
    vt_bitmap_free(b);
}

/* cloud-hypervisor: when it takes the plan, --cpus boot is the vCPU count,
 * the topology multiplies to max, and the --numa cpus lists partition
 * 0..max-1 with every vCPU in its vnode's list. */
static void check_chv(const struct vt_layout *l, const char *what, unsigned *taken)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l),
           nslots = (size_t)s->sockets * s->dies * s->cores * s->threads;
    struct vt_strlist a = {0};
    struct vt_err err;
    int *owner;
    long t, c, d, p;
    uint64_t zones = 0;
    bool prefix = true, empty_vnode = false;

    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *v = vt_layout_vcpu(l, i);

        prefix &= slot_of(s, v->package, v->die, v->core, v->thread) == i;
    }
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++)
        empty_vnode |=
            vt_bitmap_iszero(vt_layout_vnode(l, v)->vcpus) && !vt_layout_vnode(l, v)->memory_bytes;
    if (!prefix || s->threads > 2 || empty_vnode) {
        if (vt_emit_cloud_hypervisor(l, NULL, &a, NULL, &err) != -EINVAL)
            fail_msg("%s: cloud-hypervisor took a plan it cannot express", what);
        return;
    }
    if (vt_emit_cloud_hypervisor(l, NULL, &a, NULL, &err) != 0)
        fail_msg("%s: emit cloud-hypervisor: %s", what, err.msg);
    (*taken)++;
    owner = malloc(nslots * sizeof(*owner));
    assert_non_null(owner);
    for (size_t i = 0; i < nslots; i++)
        owner[i] = -1;
    assert_string_equal(a.items[0], "--cpus");
    assert_int_equal(prop(a.items[1], "boot"), n);
    assert_int_equal(prop(a.items[1], "max"), nslots);
    assert_int_equal(sscanf(strstr(a.items[1], "topology=") + 9, "%ld:%ld:%ld:%ld", &t, &c, &d, &p),
                     4);
    assert_int_equal(t * c * d * p, (long)nslots);
    for (size_t i = 2; i + 1 < a.count; i++) {
        const char *v = a.items[i + 1], *cpus;

        if (!strcmp(a.items[i], "--memory-zone")) {
            zones += (uint64_t)prop(v, "size") * M;
        } else if (!strcmp(a.items[i], "--numa") && (cpus = strstr(v, "cpus=["))) {
            cpus += 6;
            claim(cpus, strcspn(cpus, "]"), owner, nslots, (int)prop(v, "guest_numa_id"), what);
        }
    }
    assert_int_equal(zones, vt_layout_memory(l));
    for (size_t i = 0; i < nslots; i++)
        if (owner[i] < 0 || (i < n && owner[i] != (int)vt_layout_vcpu(l, i)->vnode))
            fail_msg("%s: CPU %zu is in --numa %d", what, i, owner[i]);
    free(owner);
    vt_strlist_free(&a);
}

/* The whole domain holds the fragment, each line indented by two, with the
 * options' elements: a memfd backing, a custom model with the plan's vendor
 * and a feature, the emulator pin. */
static void check_libvirt_domain(const struct vt_layout *l, const char *fragment, const char *what)
{
    struct vt_bitmap *emu = vt_bitmap_new();
    struct vt_libvirt_opts o = {.domain = true,
                                .name = "random",
                                .cpu_model = "Skylake-Server,+pdpe1gb",
                                .backing = {.kind = VT_MEM_BACKEND_MEMFD},
                                .emulator_cpus = emu};
    struct vt_err err;
    char *xml = NULL, line[4096];
    const char *p = fragment;

    assert_non_null(emu);
    assert_int_equal(vt_bitmap_set_range(emu, 2, 3), 0);
    if (vt_emit_libvirt(l, &o, &xml, NULL, &err) != 0)
        fail_msg("%s: emit libvirt --domain: %s", what, err.msg);
    assert_non_null(strstr(xml, "<domain type='kvm'>\n  <name>random</name>\n"));
    assert_non_null(strstr(xml, "  <memoryBacking>\n    <source type='memfd'/>\n"));
    assert_non_null(strstr(xml, vt_layout_vendor(l) == VT_VENDOR_AMD
                                    ? "vendor_id='AuthenticAMD'>Skylake-Server</model>"
                                    : "vendor_id='GenuineIntel'>Skylake-Server</model>"));
    assert_non_null(strstr(xml, "    <feature policy='require' name='pdpe1gb'/>\n"));
    assert_non_null(strstr(xml, "    <emulatorpin cpuset='2-3'/>\n"));
    assert_non_null(strstr(xml, "\n</domain>\n"));
    /* Every element line of the fragment, indented (the <cpu> line is the
     * model's, the comment the domain's own). */
    while (*p) {
        size_t len = strcspn(p, "\n");

        if (len + 4 < sizeof(line) && p[0] == '<' && strncmp(p, "<cpu ", 5) != 0 &&
            strncmp(p, "<!--", 4) != 0) {
            snprintf(line, sizeof(line), "\n  %.*s\n", (int)len, p);
            if (!strstr(xml, line))
                fail_msg("%s: the domain lacks the fragment's line '%.*s'", what, (int)len, p);
        }
        p += len + (p[len] == '\n');
    }
    free(xml);
    vt_bitmap_free(emu);
}

/* libvirt: when it takes the plan, the cells' cpus partition the slots, each
 * vCPU's slot in its vnode's cell, and exactly the vCPUs' slots enabled. */
static void check_libvirt(const struct vt_layout *l, const char *what, unsigned *taken)
{
    const struct vt_shape *s = vt_layout_shape(l);
    size_t n = vt_layout_vcpu_count(l),
           nslots = (size_t)s->sockets * s->dies * s->cores * s->threads;
    struct vt_err err;
    char *xml = NULL;
    const char *at;
    int *owner;
    bool memless = false;
    size_t enabled = 0;

    for (size_t v = 0; v < vt_layout_vnode_count(l); v++)
        memless |= !vt_layout_vnode(l, v)->memory_bytes;
    if (memless) {
        if (vt_emit_libvirt(l, NULL, &xml, NULL, &err) != -EINVAL)
            fail_msg("%s: libvirt took a memory-less vnode", what);
        return;
    }
    if (pc_with_x2apic(l)) {
        if (vt_emit_libvirt(l, NULL, &xml, NULL, &err) != -EINVAL)
            fail_msg("%s: libvirt took x2APIC on the pc machine", what);
        return;
    }
    if (vt_emit_libvirt(l, NULL, &xml, NULL, &err) != 0)
        fail_msg("%s: emit libvirt: %s", what, err.msg);
    check_libvirt_domain(l, xml, what);
    (*taken)++;
    owner = malloc(nslots * sizeof(*owner));
    assert_non_null(owner);
    for (size_t i = 0; i < nslots; i++)
        owner[i] = -1;
    for (at = strstr(xml, "<cell id='"); at; at = strstr(at + 1, "<cell id='")) {
        int id = atoi(at + 10);
        const char *cpus = strstr(at, " cpus='"), *end = strchr(at, '>');

        if (cpus && cpus < end)
            claim(cpus + 7, strcspn(cpus + 7, "'"), owner, nslots, id, what);
    }
    for (size_t i = 0; i < nslots; i++)
        if (owner[i] < 0)
            fail_msg("%s: slot %zu is in no cell", what, i);
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);
        size_t slot = slot_of(s, c->package, c->die, c->core, c->thread);
        char pat[64];

        if (owner[slot] != (int)c->vnode)
            fail_msg("%s: vCPU %zu (slot %zu) is in cell %d", what, i, slot, owner[slot]);
        snprintf(pat, sizeof(pat), "<vcpu id='%zu' enabled='yes'", slot);
        if (strstr(xml, "<vcpus>") && !strstr(xml, pat))
            fail_msg("%s: vCPU %zu's slot %zu is not enabled", what, i, slot);
    }
    for (at = strstr(xml, "enabled='yes'"); at; at = strstr(at + 1, "enabled='yes'"))
        enabled++;
    if (strstr(xml, "<vcpus>"))
        assert_int_equal(enabled, n);
    free(owner);
    free(xml);
}

static void test_random_qemu_family(void **state)
{
    unsigned seed = t_seed("test_random_qemu_family");
    struct vt_host *h = t_synthetic("sockets=4,nodes-per-socket=2,cores=16,threads=2,mem=64G");
    unsigned planned = 0, with_devices = 0, chv = 0, libvirt = 0;

    (void)state;
    for (int iter = 0; iter < 3000; iter++) {
        char what[1024], full[1100];
        struct vt_layout *l = random_plan(h, what, sizeof(what));
        const struct vt_shape *s;

        if (!l)
            continue;
        snprintf(full, sizeof(full), "seed %u iter %d: %s", seed, iter, what);
        planned++;
        s = vt_layout_shape(l);
        with_devices +=
            vt_layout_vcpu_count(l) < (size_t)s->sockets * s->dies * s->cores * s->threads;
        check_qemu(l, full);
        check_chv(l, full, &chv);
        check_libvirt(l, full, &libvirt);
        vt_layout_free(l);
    }
    printf("random plans: %u planned, %u with empty slots, %u taken by cloud-hypervisor, %u by "
           "libvirt\n",
           planned, with_devices, chv, libvirt);
    assert_true(planned >= 1500);
    assert_true(with_devices >= 200);
    assert_true(chv >= 200);
    assert_true(libvirt >= 200);
    vt_host_free(h);
}

/* xl: the vnuma vcpus lists partition the vCPUs by vnode, the sizes add up to
 * memory and maxmem, and each vdistances row is the layout's. */
static void test_random_xl(void **state)
{
    unsigned seed = t_seed("test_random_xl");
    struct vt_host *h = t_synthetic("sockets=4,nodes-per-socket=2,cores=16,threads=2,mem=64G");
    unsigned taken = 0;

    (void)state;
    for (int iter = 0; iter < 1500; iter++) {
        char vn[8], what[160];
        struct preq p = {1 + rnd(128), 2 * M * (8 + rnd(4096)),
                         vn,           NULL,
                         NULL,         NULL,
                         NULL,         rnd(2) ? "xen" : "legacy",
                         "xen-hvm",    rnd(2) ? "intel" : "amd",
                         false};
        struct vt_err err;
        struct vt_layout *l;
        char *cfg = NULL, *line;
        int *owner;
        uint64_t mib = 0;
        size_t nv, n;
        bool high;
        int rc;

        snprintf(vn, sizeof(vn), "%u", 1 + rnd(p.vcpus < 8 ? p.vcpus : 8));
        snprintf(what, sizeof(what), "seed %u iter %d: %u vCPUs, %s vnodes, %s", seed, iter,
                 p.vcpus, vn, p.apic);
        if (!(l = plan(h, &p, &err)))
            continue;
        rc = vt_emit_xl(l, &cfg, NULL, &err);
        n = vt_layout_vcpu_count(l);
        nv = vt_layout_vnode_count(l);
        high = false;
        for (size_t i = 0; i < n; i++)
            high |= vt_layout_vcpu(l, i)->apic_id >= 255;
        if (high) {
            /* libxl's MADT has 8-bit APIC IDs. */
            assert_int_equal(rc, -EINVAL);
            vt_layout_free(l);
            continue;
        }
        if (rc != 0)
            fail_msg("%s: emit xl: %s", what, err.msg);
        taken++;
        owner = malloc(n * sizeof(*owner));
        assert_non_null(owner);
        for (size_t i = 0; i < n; i++)
            owner[i] = -1;
        line = strstr(cfg, "vnuma = [ ");
        assert_non_null(line);
        for (size_t v = 0; v < nv; v++) {
            char *spec = strstr(line, "[ \"pnode="), *cpus, *dist;

            assert_non_null(spec);
            assert_int_equal(atoi(spec + 9), vt_layout_vnode(l, v)->pnode);
            mib += strtoull(strstr(spec, "\"size=") + 6, NULL, 10);
            cpus = strstr(spec, "\"vcpus=") + 7;
            claim(cpus, strcspn(cpus, "\""), owner, n, (int)v, what);
            dist = strstr(spec, "\"vdistances=") + 12;
            for (size_t w = 0; w < nv; w++) {
                char *end;

                assert_int_equal(strtoul(dist, &end, 10),
                                 vt_layout_distance(l, (unsigned)v, (unsigned)w));
                dist = end + 1;
            }
            line = strchr(spec, '\n');
        }
        for (size_t i = 0; i < n; i++)
            if (owner[i] != (int)vt_layout_vcpu(l, i)->vnode)
                fail_msg("%s: vCPU %zu is in vnuma entry %d", what, i, owner[i]);
        assert_int_equal(mib << 20, vt_layout_memory(l));
        assert_non_null(strstr(cfg, "\nmaxmem = "));
        free(owner);
        free(cfg);
        vt_layout_free(l);
    }
    printf("random xl plans taken: %u\n", taken);
    assert_true(taken >= 500);
    vt_host_free(h);
}

/* Xen places dom0's vCPU i on the i-th CPU of dom0's nodes, wrapping around;
 * dom0_nodes= takes PXMs. */
static void test_xen_dom0(void **state)
{
    struct vt_bitmap *cpus = vt_bitmap_new();
    struct vt_host *h = t_synthetic("sockets=2,cores=4,mem=8G,pxms=5,9");
    const struct preq one_node = {4, 2048 * M, NULL, NULL, "0-3:4-7", NULL, NULL, "xen", "host"};
    const struct preq shifted = {3, 2048 * M, NULL, NULL, "0-2:5-7", NULL, NULL, "xen", "host"};
    struct vt_strlist warnings = {0};
    struct vt_layout *l;
    struct vt_err err;
    char *opts = NULL;

    (void)state;
    assert_non_null(cpus);
    assert_int_equal(xen_dom0_vcpu_cpu(cpus, 0), -1);
    assert_int_equal(vt_bitmap_parse_list(cpus, "4-7,12-15", VT_CPU_ID_MAX, &err), 0);
    assert_int_equal(xen_dom0_vcpu_cpu(cpus, 0), 4);
    assert_int_equal(xen_dom0_vcpu_cpu(cpus, 3), 7);
    assert_int_equal(xen_dom0_vcpu_cpu(cpus, 4), 12);
    assert_int_equal(xen_dom0_vcpu_cpu(cpus, 7), 15);
    assert_int_equal(xen_dom0_vcpu_cpu(cpus, 8), 4);
    vt_bitmap_free(cpus);

    l = plan_ok(h, &one_node);
    assert_int_equal(vt_emit_xen_dom0(l, h, &opts, &warnings, &err), 0);
    assert_string_equal(opts, "dom0=pvh dom0_max_vcpus=4 dom0_vcpus_pin dom0_mem=2048M,max:2048M "
                              "dom0_nodes=9");
    assert_int_equal(warnings.count, 2);
    free(opts);
    vt_strlist_free(&warnings);
    vt_layout_free(l);
    /* vCPU 0 on CPU 5: Xen would put it on 4, the node's first. */
    l = plan_ok(h, &shifted);
    opts = NULL;
    assert_int_equal(vt_emit_xen_dom0(l, h, &opts, NULL, &err), -EINVAL);
    assert_null(opts);
    assert_non_null(strstr(err.msg, "on host CPU 4"));
    vt_layout_free(l);
    vt_host_free(h);
}

/* The VMM's threads: the guest nodes' housekeeping CPUs off the pinned
 * vCPUs; the host's other housekeeping CPUs when those are all taken; an
 * error when every housekeeping CPU runs a vCPU. */
static void test_emulator_cpus(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=4,mem=8G,isolated=3");
    const struct preq part = {2, 1024 * M, NULL, NULL, "0-1:0-1"};
    const struct preq node0 = {3, 1024 * M, NULL, NULL, "0-2:0-2"};
    const struct preq all = {7, 1024 * M, NULL, NULL, "0-2:0-2,3-6:4-7"};
    struct vt_bitmap *cpus = NULL;
    struct vt_layout *l;
    struct vt_err err;
    char *list;

    (void)state;
    l = plan_ok(h, &part);
    assert_int_equal(vt_layout_emulator_cpus(l, h, &cpus, &err), 0);
    list = vt_bitmap_format_list(cpus);
    assert_string_equal(list, "2"); /* node 0's housekeeping 0-2 (3 is isolated), minus 0-1 */
    free(list);
    vt_bitmap_free(cpus);
    vt_layout_free(l);
    l = plan_ok(h, &node0);
    assert_int_equal(vt_layout_emulator_cpus(l, h, &cpus, &err), 0);
    list = vt_bitmap_format_list(cpus);
    assert_string_equal(list, "4-7"); /* node 0 is all vCPUs: node 1's */
    free(list);
    vt_bitmap_free(cpus);
    vt_layout_free(l);
    l = plan_ok(h, &all);
    cpus = NULL;
    assert_int_equal(vt_layout_emulator_cpus(l, h, &cpus, &err), -EINVAL);
    assert_null(cpus);
    assert_non_null(strstr(err.msg, "pinned to every housekeeping host CPU"));
    vt_layout_free(l);
    vt_host_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_qemu),     cmocka_unit_test(test_demo_libvirt),
        cmocka_unit_test(test_demo_xl),       cmocka_unit_test(test_demo_chv),
        cmocka_unit_test(test_unbalanced),    cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_kernel_params), cmocka_unit_test(test_random_qemu_family),
        cmocka_unit_test(test_random_xl),     cmocka_unit_test(test_hotplug_views),
        cmocka_unit_test(test_xen_dom0),      cmocka_unit_test(test_emulator_cpus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
