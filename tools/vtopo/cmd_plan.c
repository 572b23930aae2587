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
            "Usage: vtopo plan --plan DIR [--add-device SPEC | --remove-device BDF]\n"
            "                  [--json | --cpuid] [--out DIR] [--quiet]\n"
            "       vtopo plan [--fsroot DIR | --host FILE | --synthetic SPEC] [--acpi DIR]\n"
            "                  --vcpus N --memory SIZE [placement] [--vnode-pnodes LIST]\n"
            "                  [--vnode-memory LIST] [--shape S] [--vendor intel|amd]\n"
            "                  [--apic sdm|xen|legacy] [--mem-layout L] [--allow-package-span]\n"
            "                  [--guest-pxms LIST] [--distances MATRIX]\n"
            "                  [--hmat-latency MATRIX] [--hmat-bandwidth MATRIX]\n"
            "                  [--max-vcpus N] [--initiator BDF@VNODE]...\n"
            "                  [--hotplug-memory SIZE@VNODE]...\n"
            "                  [--device BDF[@VNODE][,model=M][,queues=N][,slot=N]]...\n"
            "                  [--spare-slots N|LIST] [--strict-devices]\n"
            "                  [--vnode-cpus LIST[;LIST...]|any] [--emulator-cpus LIST|auto|none]\n"
            "                  [--json | --cpuid] [--out DIR] [--quiet]\n"
            "\n"
            "Plan a guest's virtual NUMA layout on a host: vCPUs to vnodes, vnodes to host\n"
            "nodes, memory per vnode and its guest-physical ranges, APIC IDs, CPUID,\n"
            "distances, hot-pluggable vCPUs and memory, generic initiators, PCI devices\n"
            "with their guest addresses and the node numbering a Linux guest will see.\n"
            "\n");
    cli_plan_usage_options(out);
    fprintf(out, "Output:\n"
                 "  --json                the layout as JSON (docs/plan-format.md)\n"
                 "  --cpuid               every vCPU's CPUID leaves (docs/cpuid.md)\n"
                 "  --add-device SPEC     with --plan DIR: the plan with one device more, as\n"
                 "                        --device takes it, in a spare root port of its vnode;\n"
                 "                        everything else as it was (for a hot-add)\n"
                 "  --remove-device BDF   with --plan DIR: the plan without that host device, its\n"
                 "                        root port spare; everything else as it was\n"
                 "  --out DIR             write plan.json, cpuid.txt, e820.txt, host.json and the\n"
                 "                        ACPI tables srat.dat, slit.dat, madt.dat, hmat.dat (and\n"
                 "                        ssdt.dat with devices) into DIR\n"
                 "  -q, --quiet           do not print warnings\n"
                 "  -h, --help            show this help\n"
                 "\n"
                 "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

/* An HMAT matrix: a row per initiator vnode, a column per target vnode,
 * labelled with vnode numbers. */
static void print_hmat(const struct vt_layout *l, const char *title,
                       uint32_t (*value)(const struct vt_layout *, unsigned, unsigned))
{
    size_t nv = vt_layout_vnode_count(l);
    int w = 5;

    for (size_t i = 0; i < nv; i++)
        for (size_t t = 0; t < nv; t++) {
            int digits = snprintf(NULL, 0, " %u", value(l, (unsigned)i, (unsigned)t));

            w = digits > w ? digits : w;
        }
    printf("%s (rows: initiator vnodes, columns: target vnodes):\nvnode", title);
    for (size_t t = 0; t < nv; t++)
        if (vt_layout_hmat_is_target(l, (unsigned)t))
            printf("%*zu", w, t);
    printf("\n");
    for (size_t i = 0; i < nv; i++) {
        if (!vt_layout_hmat_is_initiator(l, (unsigned)i))
            continue;
        printf("%4zu:", i);
        for (size_t t = 0; t < nv; t++)
            if (vt_layout_hmat_is_target(l, (unsigned)t))
                printf("%*u", w, value(l, (unsigned)i, (unsigned)t));
        printf("\n");
    }
}

/* A vnode's hot-pluggable vCPUs and memory and its generic initiators, when
 * it has any. */
static void print_vnode_extras(const struct vt_layout *l, const struct vt_vnode *v)
{
    if (!vt_bitmap_iszero(v->hotplug_vcpus)) {
        char *cpus = vt_bitmap_format_list(v->hotplug_vcpus);

        printf("  hot-pluggable vcpus: %s\n", cpus ? cpus : "?");
        free(cpus);
    }
    if (v->hotplug_memory_bytes) {
        printf("  hot-pluggable memory: %" PRIu64 " MiB, ranges:", v->hotplug_memory_bytes >> 20);
        for (size_t k = 0; k < vt_layout_hotplug_memory_count(l); k++) {
            const struct vt_hotplug_memory *h = vt_layout_hotplug_memory(l, k);

            if (h->vnode == v->vnode)
                printf(" 0x%" PRIx64 "-0x%" PRIx64, h->start, h->end - 1);
        }
        printf("\n");
    }
    if (v->ninitiators) {
        printf("  generic initiators:");
        for (size_t k = 0; k < vt_layout_initiator_count(l); k++) {
            const struct vt_initiator *gi = vt_layout_initiator(l, k);

            if (gi->vnode == v->vnode)
                printf(" %04x:%02x:%02x.%x", gi->segment, gi->bus, gi->devfn >> 3, gi->devfn & 7);
        }
        printf("\n");
    }
}

static void print_vcpu(const struct vt_layout *l, const struct vt_vcpu *c, bool hotplug)
{
    long slot = vt_layout_vmm_slot(l, c->vcpu);

    printf("  %5u  %7u  %5u  %7u  %3u  %4u  %6u  ", c->vcpu, c->apic_id, c->vnode, c->package,
           c->die, c->core, c->thread);
    if (slot >= 0)
        printf("%4ld  ", slot);
    else
        printf("%4s  ", "-");
    if (c->pcpu >= 0)
        printf("%4d", c->pcpu);
    else
        printf("%4s", "-");
    printf("%s\n", hotplug ? "  hot-pluggable" : "");
}

/* PCI devices: where each goes in the guest, and each vnode's expander. */
static void print_devices(const struct vt_layout *l)
{
    size_t nd = vt_layout_device_count(l), ne = vt_layout_expander_count(l);

    if (!nd && !ne)
        return;
    printf("devices:\n  host_bdf      guest_bdf     root_port     vnode  linux_node  pnode  "
           "distance  model           slot\n");
    for (size_t i = 0; i < nd; i++) {
        const struct vt_device *d = vt_layout_device(l, i);
        char pnode[16] = "-", dist[16] = "-", model[32];

        if (d->pnode >= 0)
            snprintf(pnode, sizeof(pnode), "%d", d->pnode);
        if (d->distance)
            snprintf(dist, sizeof(dist), "%u", d->distance);
        if (d->queues)
            snprintf(model, sizeof(model), "%s/%uq", vt_device_model_name(d->model), d->queues);
        else
            snprintf(model, sizeof(model), "%s", vt_device_model_name(d->model));
        printf("  %-12s  %-12s  %-12s  %5u  %10d  %5s  %8s  %-14s  %4u\n", d->host_bdf,
               d->guest_bdf, d->root_port_bdf, d->vnode, d->linux_node, pnode, dist, model,
               d->slot);
    }
    printf("pci expanders (root bus, root ports at BUS:SLOT.0, each port's own bus after it):\n");
    for (size_t i = 0; i < ne; i++) {
        const struct vt_pci_expander *e = vt_layout_expander(l, i);
        size_t used = 0;

        for (size_t k = 0; k < nd; k++)
            used += vt_layout_device(l, k)->vnode == e->vnode;
        printf("  vnode %u: bus 0x%02x, %u root port%s (%zu spare), buses 0x%02x-0x%02x\n",
               e->vnode, e->bus_nr, e->ports, e->ports == 1 ? "" : "s", e->ports - used, e->bus_nr,
               e->bus_nr + e->ports);
    }
}

static void print_layout(const struct vt_layout *l)
{
    const struct vt_shape *s = vt_layout_shape(l);
    const struct vt_e820_entry *map;
    size_t nv = vt_layout_vnode_count(l), nc = vt_layout_vcpu_count(l);
    size_t nhot = vt_layout_hotplug_vcpu_count(l);
    size_t nmap = vt_layout_memory_map(l, &map);
    char sz[32], hot[48] = "";

    vt_size_format(sz, sizeof(sz), vt_layout_memory(l));
    if (nhot)
        snprintf(hot, sizeof(hot), " (+%zu hot-pluggable)", nhot);
    printf("plan: %zu vCPU%s%s, %s, %zu vnode%s; shape %u socket%s x %u die%s x %u core%s x %u "
           "thread%s; APIC %s; vendor %s\n",
           nc, cli_s(nc), hot, sz, nv, cli_s(nv), s->sockets, cli_s(s->sockets), s->dies,
           cli_s(s->dies), s->cores, cli_s(s->cores), s->threads, cli_s(s->threads),
           vt_apic_encoding_name(vt_layout_apic_encoding(l)), vt_vendor_name(vt_layout_vendor(l)));
    for (size_t i = 0; i < nv; i++) {
        const struct vt_vnode *v = vt_layout_vnode(l, i);
        char *cpus = vt_bitmap_format_list(v->vcpus);

        printf("vnode %u: guest_pxm %" PRIu32, v->vnode, v->guest_pxm);
        if (v->linux_node >= 0)
            printf(", linux node %d", v->linux_node);
        else if (vt_bitmap_iszero(v->vcpus) && vt_bitmap_iszero(v->hotplug_vcpus) &&
                 !v->memory_bytes && !v->hotplug_memory_bytes && !v->ninitiators)
            printf(", no linux node (empty)");
        else /* a generic initiator Linux does not read (a PXM of 256 or more) */
            printf(", no linux node (Linux reads none of its SRAT entries)");
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
        if (v->float_cpus && (cpus = vt_bitmap_format_list(v->float_cpus))) {
            printf("  unpinned vCPUs run on host CPUs %s\n", cpus);
            free(cpus);
        }
        if (v->nranges) {
            printf("  ranges:");
            for (size_t r = 0; r < v->nranges; r++)
                printf(" 0x%" PRIx64 "-0x%" PRIx64, v->ranges[r].start, v->ranges[r].end - 1);
            printf("\n");
        }
        print_vnode_extras(l, v);
    }
    if (vt_layout_emulator_pin(l)) {
        char *emu = vt_bitmap_format_list(vt_layout_emulator_pin(l));

        if (emu)
            printf("VMM threads (emulator) on host CPUs %s\n", emu);
        free(emu);
    }
    /* slot: QEMU's CPU index, libvirt's vcpu id (vt_layout_vmm_slot). */
    printf("vcpus:\n   vcpu  apic_id  vnode  package  die  core  thread  slot  pcpu\n");
    for (size_t i = 0; i < nc; i++)
        print_vcpu(l, vt_layout_vcpu(l, i), false);
    for (size_t i = 0; i < nhot; i++)
        print_vcpu(l, vt_layout_hotplug_vcpu(l, i), true);
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
    print_devices(l);
    print_hmat(l, "hmat latency in ns", vt_layout_hmat_latency);
    print_hmat(l, "hmat bandwidth in MB/s", vt_layout_hmat_bandwidth);
    printf("memory map:\n");
    for (size_t i = 0; i < nmap; i++) {
        char tbuf[32];

        printf("  0x%016" PRIx64 "-0x%016" PRIx64 " %s\n", map[i].start, map[i].end - 1,
               vt_e820_type_name(map[i].type, tbuf, sizeof(tbuf)));
    }
}

enum {
    OPT_JSON = OPT_PLAN_LAST + 1,
    OPT_CPUID,
    OPT_OUT,
    OPT_ADD_DEVICE,
    OPT_REMOVE_DEVICE,
};

int cmd_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        CLI_PLAN_LONG_OPTIONS,
        {"json", no_argument, NULL, OPT_JSON},
        {"cpuid", no_argument, NULL, OPT_CPUID},
        {"out", required_argument, NULL, OPT_OUT},
        {"add-device", required_argument, NULL, OPT_ADD_DEVICE},
        {"remove-device", required_argument, NULL, OPT_REMOVE_DEVICE},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    struct vt_request *r = cli_request_new();
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    const char *out_dir = NULL, *add = NULL, *remove = NULL;
    bool json = false, cpuid = false, quiet;
    struct vt_err err;
    int opt, rc = VT_EXIT_OK;

    if (!r) {
        cli_error("plan", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    opterr = 0;
    optind = 1;
    while ((opt = cli_plan_getopt("plan", argc, argv, longopts, &ho, r, &rc)) != -1) {
        if (opt == CLI_OPT_FAILED)
            goto out;
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
        case OPT_ADD_DEVICE:
        case OPT_REMOVE_DEVICE:
            if (add || remove) {
                rc = cli_usage_error("plan", "--add-device and --remove-device: one device at a "
                                             "time");
                goto out;
            }
            *(opt == OPT_ADD_DEVICE ? &add : &remove) = optarg;
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
    if ((add || remove) && (!ho.plan_dir || (add && remove))) {
        rc = cli_usage_error("plan", "%s: %s", add ? "--add-device" : "--remove-device",
                             add && remove ? "one device at a time (not both)"
                                           : "it changes a plan: give it with --plan DIR");
        goto out;
    }
    /* With --add-device/--remove-device the directory's plan is only the
     * base: the warnings are the new plan's. */
    quiet = ho.quiet;
    ho.quiet = quiet || add || remove;
    rc = cli_plan_layout("plan", &ho, r, &h, &l);
    ho.quiet = quiet;
    if (rc != VT_EXIT_OK)
        goto out;
    if (add || remove) {
        struct vt_layout *n = NULL;

        if ((rc = cli_replan_device("plan", h, l, add, remove, quiet, &n)) != VT_EXIT_OK)
            goto out;
        vt_layout_free(l);
        l = n;
    }
    if (out_dir) {
        cli_defer_signals();
        rc = vt_layout_write_dir(l, h, out_dir, &err) < 0 ? cli_fail("plan", &err) : VT_EXIT_OK;
        cli_end_deferral();
        if (rc != VT_EXIT_OK)
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
