/* vtopo plan: plan a guest's virtual NUMA layout on a host and print it
 * (human, --json, --cpuid) or write it to a directory (--out). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cmd_plan_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo plan [--fsroot DIR | --host FILE | --synthetic SPEC] [--acpi DIR]\n"
            "                  --vcpus N --memory SIZE [placement] [--vnode-pnodes LIST]\n"
            "                  [--vnode-memory LIST] [--shape S] [--vendor intel|amd]\n"
            "                  [--apic sdm|xen|legacy] [--mem-layout L] [--allow-package-span]\n"
            "                  [--json | --cpuid] [--out DIR] [--quiet]\n"
            "\n"
            "Plan a guest's virtual NUMA layout on a host: vCPUs to vnodes, vnodes to host\n"
            "nodes, memory per vnode and its guest-physical ranges, APIC IDs, CPUID,\n"
            "distances and the node numbering a Linux guest will see.\n"
            "\n"
            "Host source (default: this machine's /sys): --fsroot, --host, --synthetic,\n"
            "--acpi, as for 'vtopo host'.\n"
            "\n"
            "Guest:\n"
            "  --vcpus N             vCPUs (1-8192)\n"
            "  --memory SIZE         guest memory, e.g. 16G (a multiple of 2 MiB); optional\n"
            "                        with --mem-layout host or e820:FILE\n"
            "Placement (one of; default: one vnode):\n"
            "  --vnodes N            N vnodes, vCPUs split evenly (49 over 2: 25/24)\n"
            "  --vcpu-nodes MAP      explicit map, e.g. 0-24:0,25-48:1\n"
            "  --pin MAP             pin vCPUs to host CPUs, e.g. 0-15:0-15,16-31:32-47;\n"
            "                        vnodes follow the host nodes of the pinned CPUs\n"
            "  --pin-identity        dom0: vCPU N on CPU N, a vnode per host PXM (gaps kept\n"
            "                        as empty vnodes), host-shaped memory\n"
            "  --vnode-pnodes LIST   host node of each vnode, e.g. 0,1 (default: spread\n"
            "                        nearest-first over nodes with CPUs and memory)\n"
            "  --vnode-memory LIST   memory of each vnode, e.g. 4G,4G,0 (default: in\n"
            "                        proportion to vCPUs, exact total)\n"
            "Shape and encodings:\n"
            "  --shape S             sockets=,dies=,cores=,threads= (product = vCPUs;\n"
            "                        default: one socket per vnode, threads=1)\n"
            "  --vendor V            intel (default) or amd: which CPUID leaves\n"
            "  --apic E              sdm (default; QEMU's and cloud-hypervisor's encoding),\n"
            "                        xen (vNUMA: vnode << fls(2*max-1) | index*2), legacy\n"
            "                        (vcpu*2)\n"
            "  --allow-package-span  let a package hold vCPUs of several vnodes (warned)\n"
            "  --mem-layout L        flat (default), qemu-pc, qemu-q35, xen-hvm, host, or\n"
            "                        e820:FILE\n"
            "Output:\n"
            "  --json                the layout as JSON (docs/plan-format.md)\n"
            "  --cpuid               every vCPU's CPUID leaves (docs/cpuid.md)\n"
            "  --out DIR             write plan.json, cpuid.txt, e820.txt and the ACPI\n"
            "                        tables srat.dat, slit.dat, madt.dat, hmat.dat into DIR\n"
            "  -q, --quiet           do not print warnings\n"
            "  -h, --help            show this help\n"
            "\n"
            "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

static void print_layout(const struct vt_layout *l)
{
    const struct vt_shape *s = vt_layout_shape(l);
    const struct vt_e820_entry *map;
    size_t nv = vt_layout_vnode_count(l), nc = vt_layout_vcpu_count(l);
    size_t nmap = vt_layout_memory_map(l, &map);
    char sz[32];

    vt_size_format(sz, sizeof(sz), vt_layout_memory(l));
    printf("plan: %zu vCPUs, %s, %zu vnodes; shape %u socket(s) x %u die(s) x %u core(s) x %u "
           "thread(s); APIC %s; vendor %s\n",
           nc, sz, nv, s->sockets, s->dies, s->cores, s->threads,
           vt_apic_encoding_name(vt_layout_apic_encoding(l)), vt_vendor_name(vt_layout_vendor(l)));
    for (size_t i = 0; i < nv; i++) {
        const struct vt_vnode *v = vt_layout_vnode(l, i);
        char *cpus = vt_bitmap_format_list(v->vcpus);

        printf("vnode %u: guest_pxm %" PRIu32, v->vnode, v->guest_pxm);
        if (v->linux_node >= 0)
            printf(", linux node %d", v->linux_node);
        else
            printf(", no linux node (empty)");
        if (v->pnode >= 0) {
            printf(", pnode %d", v->pnode);
            if (v->host_pxm != VT_PXM_UNKNOWN)
                printf(" (host pxm %" PRIu32 ")", v->host_pxm);
            else
                printf(" (host pxm unknown)");
        } else {
            printf(", no pnode");
        }
        printf("\n  vcpus:  %s\n  memory: %" PRIu64 " MiB\n", cpus && *cpus ? cpus : "-",
               v->memory_bytes >> 20);
        free(cpus);
        if (v->nranges) {
            printf("  ranges:");
            for (size_t r = 0; r < v->nranges; r++)
                printf(" 0x%" PRIx64 "-0x%" PRIx64, v->ranges[r].start, v->ranges[r].end - 1);
            printf("\n");
        }
    }
    printf("vcpus:\n   vcpu  apic_id  vnode  package  die  core  thread  pcpu\n");
    for (size_t i = 0; i < nc; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);

        printf("  %5u  %7u  %5u  %7u  %3u  %4u  %6u  ", c->vcpu, c->apic_id, c->vnode, c->package,
               c->die, c->core, c->thread);
        if (c->pcpu >= 0)
            printf("%4d\n", c->pcpu);
        else
            printf("%4s\n", "-");
    }
    printf("distances:\nvnode");
    for (size_t j = 0; j < nv; j++)
        printf("%5zu", j);
    printf("\n");
    for (size_t i = 0; i < nv; i++) {
        printf("%4zu:", i);
        for (size_t j = 0; j < nv; j++)
            printf("%5u", vt_layout_distance(l, (unsigned)i, (unsigned)j));
        printf("\n");
    }
    printf("memory map:\n");
    for (size_t i = 0; i < nmap; i++) {
        char tbuf[32];

        printf("  0x%016" PRIx64 "-0x%016" PRIx64 " %s\n", map[i].start, map[i].end - 1,
               vt_e820_type_name(map[i].type, tbuf, sizeof(tbuf)));
    }
}

enum {
    OPT_VCPUS = OPT_HOST_LAST + 1,
    OPT_MEMORY,
    OPT_VNODES,
    OPT_VCPU_NODES,
    OPT_PIN,
    OPT_PIN_IDENTITY,
    OPT_VNODE_PNODES,
    OPT_VNODE_MEMORY,
    OPT_SHAPE,
    OPT_VENDOR,
    OPT_APIC,
    OPT_MEM_LAYOUT,
    OPT_ALLOW_SPAN,
    OPT_JSON,
    OPT_CPUID,
    OPT_OUT,
};

/* Apply one request option; returns 0, a negative error (err set), or 1 when
 * opt is not a request option. */
static int request_opt(struct vt_request *r, int opt, const char *arg, struct vt_err *err)
{
    uint64_t v;
    unsigned u;
    int rc;

    switch (opt) {
    case OPT_VCPUS:
        if (cli_parse_uint(arg, VT_MAX_VCPUS, &u) < 0)
            return vt_err_set(err, -EINVAL, "--vcpus %s: must be a number from 1 to %d", arg,
                              VT_MAX_VCPUS);
        return vt_request_set_vcpus(r, u, err);
    case OPT_MEMORY:
        if ((rc = vt_size_parse(arg, &v, err)) < 0) {
            vt_err_prefix(err, "--memory: ");
            return rc;
        }
        return vt_request_set_memory(r, v, err);
    case OPT_VNODES:
        if (cli_parse_uint(arg, VT_MAX_VNODES, &u) < 0)
            return vt_err_set(err, -EINVAL, "--vnodes %s: must be a number from 1 to %d", arg,
                              VT_MAX_VNODES);
        return vt_request_set_vnodes(r, u, err);
    case OPT_VCPU_NODES:
        return vt_request_set_vcpu_nodes(r, arg, err);
    case OPT_PIN:
        return vt_request_set_pin(r, arg, err);
    case OPT_PIN_IDENTITY:
        return vt_request_set_pin_identity(r, err);
    case OPT_VNODE_PNODES:
        return vt_request_set_vnode_pnodes(r, arg, err);
    case OPT_VNODE_MEMORY:
        return vt_request_set_vnode_memory(r, arg, err);
    case OPT_SHAPE:
        return vt_request_set_shape(r, arg, err);
    case OPT_VENDOR:
        return vt_request_set_vendor(r, arg, err);
    case OPT_APIC:
        return vt_request_set_apic(r, arg, err);
    case OPT_MEM_LAYOUT:
        return vt_request_set_mem_layout(r, arg, err);
    case OPT_ALLOW_SPAN:
        vt_request_allow_package_span(r, true);
        return 0;
    default:
        return 1;
    }
}

int cmd_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"vcpus", required_argument, NULL, OPT_VCPUS},
        {"memory", required_argument, NULL, OPT_MEMORY},
        {"vnodes", required_argument, NULL, OPT_VNODES},
        {"vcpu-nodes", required_argument, NULL, OPT_VCPU_NODES},
        {"pin", required_argument, NULL, OPT_PIN},
        {"pin-identity", no_argument, NULL, OPT_PIN_IDENTITY},
        {"vnode-pnodes", required_argument, NULL, OPT_VNODE_PNODES},
        {"vnode-memory", required_argument, NULL, OPT_VNODE_MEMORY},
        {"shape", required_argument, NULL, OPT_SHAPE},
        {"vendor", required_argument, NULL, OPT_VENDOR},
        {"apic", required_argument, NULL, OPT_APIC},
        {"mem-layout", required_argument, NULL, OPT_MEM_LAYOUT},
        {"allow-package-span", no_argument, NULL, OPT_ALLOW_SPAN},
        {"json", no_argument, NULL, OPT_JSON},
        {"cpuid", no_argument, NULL, OPT_CPUID},
        {"out", required_argument, NULL, OPT_OUT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    struct vt_request *r = vt_request_new();
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    const char *out_dir = NULL;
    bool json = false, cpuid = false;
    struct vt_err err;
    int opt, rc = VT_EXIT_OK;

    if (!r) {
        cli_error("plan", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+:qh", longopts, NULL)) != -1) {
        int applied;

        if (cli_host_opt(&ho, opt, optarg))
            continue;
        applied = request_opt(r, opt, optarg, &err);
        if (applied < 0) {
            rc = cli_fail("plan", &err);
            goto out;
        }
        if (applied == 0)
            continue;
        switch (opt) {
        case OPT_JSON:
            json = true;
            break;
        case OPT_CPUID:
            cpuid = true;
            break;
        case OPT_OUT:
            out_dir = optarg;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            cmd_plan_usage(stdout);
            goto out;
        default:
            rc = cli_bad_option("plan", opt, argv);
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error("plan", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (json && cpuid) {
        rc = cli_usage_error("plan", "--json and --cpuid are alternatives (the JSON holds the "
                                     "CPUID leaves too)");
        goto out;
    }
    if ((rc = cli_load_host("plan", &ho, &h)) != VT_EXIT_OK)
        goto out;
    if (vt_plan(h, r, &l, &err) < 0) {
        rc = cli_fail("plan", &err);
        goto out;
    }
    if (!ho.quiet)
        for (size_t i = 0; i < vt_layout_warning_count(l); i++)
            fprintf(stderr, "vtopo plan: warning: %s\n", vt_layout_warning(l, i));
    if (out_dir && vt_layout_write_dir(l, out_dir, &err) < 0) {
        rc = cli_fail("plan", &err);
        goto out;
    }
    if (json || cpuid) {
        char *text = NULL;

        if ((json ? vt_layout_to_json(l, &text, &err) : vt_cpuid_format(l, &text)) < 0) {
            if (!json)
                vt_err_set(&err, -ENOMEM, "out of memory");
            rc = cli_fail("plan", &err);
            goto out;
        }
        fputs(text, stdout);
        free(text);
    } else {
        print_layout(l);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("plan", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
out:
    vt_layout_free(l);
    vt_host_free(h);
    vt_request_free(r);
    return rc;
}
