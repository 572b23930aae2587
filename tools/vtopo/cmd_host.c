/* vtopo host: show a host's NUMA topology (numactl --hardware style or JSON)
 * and save it as a host file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cmd_host_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo host [--fsroot DIR | --host FILE | --synthetic SPEC] [--acpi DIR]\n"
            "                  [--json] [--save FILE] [--quiet]\n"
            "\n"
            "Show the host's NUMA topology: nodes (pnode and firmware proximity domain),\n"
            "CPUs, housekeeping CPUs, memory and its physical ranges, the distance matrix\n"
            "and PCI devices per node.\n"
            "\n"
            "Host source (default: this machine's /sys):\n"
            "  --fsroot DIR      read sysfs under DIR (a dump such as hwloc-gather-topology's)\n"
            "  --host FILE       read a host file (docs/host-format.md)\n"
            "  --synthetic SPEC  build a host from a spec, e.g.\n"
            "                    sockets=2,nodes-per-socket=2,cores=12,threads=2,mem=256G\n"
            "                    (docs/synthetic-hosts.md)\n"
            "  --acpi DIR        take SRAT/SLIT from DIR (SRAT or srat.dat) instead of\n"
            "                    <fsroot>/sys/firmware/acpi/tables, to learn each node's PXM\n"
            "\n"
            "Output:\n"
            "  --json            print the host as JSON (the host-file format)\n"
            "  --save FILE       also write the host file to FILE (atomically)\n"
            "  -q, --quiet       do not print warnings\n"
            "  -h, --help        show this help\n"
            "\n"
            "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

static void print_list(const char *label, const struct vt_bitmap *b)
{
    char *s = vt_bitmap_format_list(b);

    printf("%s%s\n", label, s && *s ? s : "-");
    free(s);
}

static void print_node(const struct vt_host *h, const struct vt_host_node *n)
{
    printf("node %u", n->pnode);
    if (n->host_pxm == VT_PXM_UNKNOWN)
        printf(" (pxm unknown)");
    else
        printf(" (pxm %u)", n->host_pxm);
    if (n->has_generic_initiator)
        printf(" generic-initiator");
    if (!n->has_cpu)
        printf(" cpu-less");
    if (!n->has_memory)
        printf(" memory-less");
    printf("\n");
    print_list("  cpus:         ", n->cpus);
    if (!vt_bitmap_iszero(n->offline_cpus))
        print_list("  offline cpus: ", n->offline_cpus);
    print_list("  housekeeping: ", n->housekeeping_cpus);
    printf("  memory:       %llu MiB\n", (unsigned long long)(n->memory_bytes >> 20));
    if (n->nranges) {
        printf("  ranges:      ");
        for (size_t r = 0; r < n->nranges; r++)
            printf(" 0x%llx-0x%llx", (unsigned long long)n->ranges[r].start,
                   (unsigned long long)n->ranges[r].end - 1);
        printf("\n");
    }
    (void)h;
}

static void print_distances(const struct vt_host *h)
{
    size_t n = vt_host_node_count(h);
    bool known = false;

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            known |= vt_host_node(h, i)->distances[j] != 0;
    if (!known) {
        printf("node distances: unknown\n");
        return;
    }
    printf("node distances:\nnode ");
    for (size_t j = 0; j < n; j++)
        printf("%5u", vt_host_node(h, j)->pnode);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        const struct vt_host_node *ni = vt_host_node(h, i);

        printf("%4u:", ni->pnode);
        for (size_t j = 0; j < n; j++) {
            if (ni->distances[j])
                printf("%5u", ni->distances[j]);
            else
                printf("%5s", "?");
        }
        printf("\n");
    }
}

static void print_device(const struct vt_host_device *d)
{
    char *local = d->local_cpus ? vt_bitmap_format_list(d->local_cpus) : NULL;

    printf("  %s", d->bdf);
    for (size_t k = 0; k < d->nnames; k++)
        printf("%s%s", k ? "," : " ", d->names[k]);
    printf(" [%04x:%04x] class %06x", d->vendor, d->device, d->class_code);
    printf(" local_cpus %s", d->local_cpus ? (local && *local ? local : "-") : "unknown");
    if (d->msi_irqs)
        printf(" msi %u", d->msi_irqs);
    printf("\n");
    free(local);
}

static void print_devices(const struct vt_host *h)
{
    size_t nd = vt_host_device_count(h), unknown = 0;

    if (nd == 0) {
        printf("devices: none found\n");
        return;
    }
    for (size_t i = 0; i < vt_host_node_count(h); i++) {
        unsigned pnode = vt_host_node(h, i)->pnode;
        size_t count = 0;

        for (size_t k = 0; k < nd; k++)
            count += vt_host_device(h, k)->pnode == (int)pnode;
        if (!count)
            continue;
        printf("devices on node %u (%zu):\n", pnode, count);
        for (size_t k = 0; k < nd; k++)
            if (vt_host_device(h, k)->pnode == (int)pnode)
                print_device(vt_host_device(h, k));
    }
    for (size_t k = 0; k < nd; k++)
        unknown += vt_host_device(h, k)->pnode == VT_PNODE_UNKNOWN;
    if (unknown) {
        printf("devices with no node (numa_node -1) (%zu):\n", unknown);
        for (size_t k = 0; k < nd; k++)
            if (vt_host_device(h, k)->pnode == VT_PNODE_UNKNOWN)
                print_device(vt_host_device(h, k));
    }
}

static void print_host(const struct vt_host *h)
{
    const struct vt_host_cpus *c = vt_host_cpus(h);
    size_t n = vt_host_node_count(h);
    struct vt_bitmap *online = vt_bitmap_new();
    char *list, *poss;

    for (size_t i = 0; online && i < n; i++)
        vt_bitmap_set(online, vt_host_node(h, i)->pnode);
    list = online ? vt_bitmap_format_list(online) : NULL;
    poss = vt_bitmap_format_list(vt_host_possible_nodes(h));
    printf("host: %s\n", vt_host_description(h));
    printf("available: %zu nodes (%s), possible %s\n", n, list ? list : "?", poss ? poss : "?");
    free(list);
    free(poss);
    vt_bitmap_free(online);
    for (size_t i = 0; i < n; i++)
        print_node(h, vt_host_node(h, i));
    print_distances(h);
    print_list("cpus online:       ", c->online);
    print_list("cpus offline:      ", c->offline);
    print_list("cpus isolated:     ", c->isolated);
    print_list("cpus nohz_full:    ", c->nohz_full);
    print_list("cpus housekeeping: ", c->housekeeping);
    print_devices(h);
}

int cmd_host(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"json", no_argument, NULL, 'j'},
        {"save", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    const char *save = NULL;
    bool json = false;
    struct vt_host *h;
    struct vt_err err;
    int opt, rc;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (cli_host_opt(&ho, opt, optarg))
            continue;
        switch (opt) {
        case 'j':
            json = true;
            break;
        case 's':
            save = optarg;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            cmd_host_usage(stdout);
            return VT_EXIT_OK;
        default:
            return cli_bad_option("host", opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("host", "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_load_host("host", &ho, &h)) != VT_EXIT_OK)
        return rc;
    if (save) {
        cli_defer_signals();
        rc = vt_host_save(h, save, &err) < 0 ? cli_fail("host", &err) : VT_EXIT_OK;
        cli_end_deferral();
        if (rc != VT_EXIT_OK) {
            vt_host_free(h);
            return rc;
        }
    }
    if (json) {
        char *text;

        if (vt_host_to_json(h, &text, &err) < 0) {
            rc = cli_fail("host", &err);
            vt_host_free(h);
            return rc;
        }
        fputs(text, stdout);
        free(text);
    } else {
        print_host(h);
    }
    vt_host_free(h);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("host", "cannot write the output");
        return VT_EXIT_SYSTEM;
    }
    return VT_EXIT_OK;
}
