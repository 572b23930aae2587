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
            "                  [--json | --cpus] [--save FILE [--irqs]] [--quiet]\n"
            "\n"
            "Show the host's NUMA topology: nodes (pnode and firmware proximity domain),\n"
            "CPUs with their packages, cores, SMT siblings and last-level caches,\n"
            "housekeeping CPUs, memory and its physical ranges, the distance matrix and\n"
            "PCI devices per node (driver, IOMMU group, SR-IOV functions, MSI IRQs).\n"
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
            "  --cpus            print one line per CPU: node, package, die, cluster, core,\n"
            "                    SMT siblings and last-level cache group ('-': unknown)\n"
            "  --save FILE       also write the host file to FILE (atomically)\n"
            "  --irqs            with --save: record the interrupt state too (what 'vtopo irq\n"
            "                    show' reads: /proc/interrupts, /proc/irq/N/, debugfs)\n"
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

/* A node's CPUs as packages, cores, threads per core and last-level
 * cache groups (each group's CPUs, which may reach beyond the node);
 * nothing when the host knows no CPU's place. */
static void print_node_topology(const struct vt_host *h, const struct vt_host_node *n)
{
    struct vt_bitmap *packages = vt_bitmap_new(), *seen = vt_bitmap_new();
    unsigned cores = 0, threads_min = 0, threads_max = 0, nllc = 0;
    bool any = false;
    char *pk;

    for (int c = vt_bitmap_first(n->cpus); packages && seen && c >= 0;
         c = vt_bitmap_next(n->cpus, c)) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)c);

        if (!t)
            continue;
        any = true;
        if (t->package >= 0)
            vt_bitmap_set(packages, (unsigned)t->package);
        if (t->siblings && vt_bitmap_first(t->siblings) == c) {
            unsigned w = vt_bitmap_weight(t->siblings);

            cores++;
            threads_min = threads_min && threads_min < w ? threads_min : w;
            threads_max = threads_max > w ? threads_max : w;
        }
    }
    if (!any) {
        vt_bitmap_free(packages);
        vt_bitmap_free(seen);
        return;
    }
    pk = vt_bitmap_format_list(packages);
    printf("  topology:     package %s", pk && *pk ? pk : "unknown");
    free(pk);
    if (cores) {
        printf(", %u core%s", cores, cores == 1 ? "" : "s");
        if (threads_min == threads_max)
            printf(", %u thread%s per core", threads_max, threads_max == 1 ? "" : "s");
        else
            printf(", %u to %u threads per core", threads_min, threads_max);
    }
    for (int c = vt_bitmap_first(n->cpus); seen && c >= 0; c = vt_bitmap_next(n->cpus, c)) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)c);
        char *list, size[32];

        if (!t || !t->llc || vt_bitmap_isset(seen, (unsigned)c))
            continue;
        vt_bitmap_or(seen, t->llc);
        list = vt_bitmap_format_list(t->llc);
        if (nllc++ == 0) {
            if (t->llc_level)
                printf(", L%u", t->llc_level);
            else
                printf(", last-level cache");
            if (t->llc_bytes) {
                vt_size_format(size, sizeof(size), t->llc_bytes);
                printf(" (%s each)", size);
            }
        }
        printf(" %s", list ? list : "?");
        free(list);
    }
    printf("\n");
    vt_bitmap_free(packages);
    vt_bitmap_free(seen);
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
    print_node_topology(h, n);
    printf("  memory:       %llu MiB", (unsigned long long)(n->memory_bytes >> 20));
    if (n->free_bytes != VT_HOST_FREE_UNKNOWN)
        printf(" (%llu MiB free)", (unsigned long long)(n->free_bytes >> 20));
    printf("\n");
    for (size_t k = 0; k < n->nhugepages; k++) {
        char sz[32];

        vt_size_format(sz, sizeof(sz), n->hugepages[k].page_bytes);
        printf("  huge pages:   %s: %llu (%llu free)\n", sz,
               (unsigned long long)n->hugepages[k].total, (unsigned long long)n->hugepages[k].free);
    }
    if (n->nranges) {
        printf("  ranges:      ");
        for (size_t r = 0; r < n->nranges; r++)
            printf(" 0x%llx-0x%llx", (unsigned long long)n->ranges[r].start,
                   (unsigned long long)n->ranges[r].end - 1);
        printf("\n");
    }
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

/* Ascending numbers as ranges: "24-31,40". */
static void print_ranges(const unsigned *v, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;

        while (j + 1 < n && v[j + 1] == v[j] + 1)
            j++;
        printf(j > i ? "%s%u-%u" : "%s%u", i ? "," : "", v[i], v[j]);
        i = j + 1;
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
    if (d->driver)
        printf(" driver %s", d->driver);
    if (d->iommu_group >= 0)
        printf(" iommu_group %d", d->iommu_group);
    if (d->physfn)
        printf(" physfn %s", d->physfn);
    for (size_t k = 0; k < d->nvirtfns; k++)
        printf("%s%s", k ? "," : " virtfns ", d->virtfns[k]);
    if (d->nmsi_irqs) {
        printf(" msi %zu", d->nmsi_irqs);
        if (d->msi_irqs) {
            printf(" (irq ");
            print_ranges(d->msi_irqs, d->nmsi_irqs);
            printf(")");
        }
    }
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
    printf("available: %zu node%s (%s), possible %s\n", n, n == 1 ? "" : "s", list ? list : "?",
           poss ? poss : "?");
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

static void print_id(int id)
{
    if (id >= 0)
        printf(" %7d", id);
    else
        printf(" %7s", "-");
}

/* --cpus: one line per possible CPU, lscpu -e style. */
static void print_cpus(const struct vt_host *h)
{
    const struct vt_host_cpus *c = vt_host_cpus(h);

    printf("%5s %5s %7s %7s %7s %7s %-8s %-16s %s\n", "cpu", "node", "package", "die", "cluster",
           "core", "online", "siblings", "llc");
    for (int cpu = vt_bitmap_first(c->possible); cpu >= 0; cpu = vt_bitmap_next(c->possible, cpu)) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)cpu);
        int pnode = vt_host_cpu_pnode(h, (unsigned)cpu);
        char *sib = t && t->siblings ? vt_bitmap_format_list(t->siblings) : NULL;
        char *llc = t && t->llc ? vt_bitmap_format_list(t->llc) : NULL;

        printf("%5d", cpu);
        if (pnode >= 0)
            printf(" %5d", pnode);
        else
            printf(" %5s", "-");
        print_id(t ? t->package : -1);
        print_id(t ? t->die : -1);
        print_id(t ? t->cluster : -1);
        print_id(t ? t->core : -1);
        printf(" %-8s %-16s ", vt_bitmap_isset(c->online, (unsigned)cpu) ? "yes" : "no",
               sib ? sib : "-");
        if (llc && t->llc_level)
            printf("L%u %s\n", t->llc_level, llc);
        else
            printf("%s\n", llc ? llc : "-");
        free(sib);
        free(llc);
    }
}

int cmd_host(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"json", no_argument, NULL, 'j'},
        {"cpus", no_argument, NULL, 'c'},
        {"save", required_argument, NULL, 's'},
        {"irqs", no_argument, NULL, 'i'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    const char *save = NULL;
    bool json = false, cpus = false, irqs = false;
    struct vt_irq_state *state = NULL;
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
        case 'c':
            cpus = true;
            break;
        case 's':
            save = optarg;
            break;
        case 'i':
            irqs = true;
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
    if (json && cpus)
        return cli_usage_error("host", "--json and --cpus: give one (the JSON has every CPU's "
                                       "topology in cpus.topology)");
    if (irqs && !save)
        return cli_usage_error("host", "--irqs records the interrupt state with --save FILE");
    if ((rc = cli_load_host("host", &ho, &h)) != VT_EXIT_OK)
        return rc;
    if (irqs && vt_irq_state_read(h, &state, &err) < 0) {
        rc = cli_fail("host", &err);
        vt_host_free(h);
        return rc;
    }
    if (save) {
        cli_defer_signals();
        rc = vt_host_save_irqs(h, state, save, &err) < 0 ? cli_fail("host", &err) : VT_EXIT_OK;
        cli_end_deferral();
        vt_irq_state_free(state);
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
    } else if (cpus) {
        print_cpus(h);
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
