/* vtopo exec: run a command on a node's housekeeping CPUs (or a PCI device's
 * node), with its memory bound to or preferring that node — numactl's
 * --cpunodebind/--membind, aware of isolated CPUs, cpusets and devices. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cmd_exec_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo exec [--fsroot DIR | --host FILE | --synthetic SPEC] [--acpi DIR]\n"
            "                  (--node N | --device BDF|NAME) [--membind | --mempref]\n"
            "                  [--dry-run] [--quiet]\n"
            "                  -- COMMAND [ARG...]\n"
            "\n"
            "Run COMMAND on the housekeeping CPUs of host node N (online, not isolated, not\n"
            "nohz_full, allowed to this process), or of PCI device BDF's node, with its\n"
            "memory bound to or preferring that node. A node without CPUs runs on the\n"
            "nearest node that has some, preferring its own memory. vtopo replaces itself\n"
            "with COMMAND, which keeps the CPU affinity and memory policy.\n"
            "\n"
            "Target (exactly one):\n"
            "  --node N          host node N (a pnode, /sys/devices/system/node/nodeN)\n"
            "  --device BDF      the node of PCI device BDF (DDDD:BB:DD.F or BB:DD.F), or\n"
            "                    of the device with that name (eth0, nvme0: 'vtopo host'\n"
            "                    lists the names); a\n"
            "                    device with numa_node -1 runs on its local_cpulist when that\n"
            "                    is narrower than all CPUs, else unbound (with a warning)\n"
            "\n"
            "Memory (default: unchanged, except preferred for a node without CPUs):\n"
            "  --membind         allocate only on the node (MPOL_BIND)\n"
            "  --mempref         allocate on the node first (MPOL_PREFERRED)\n"
            "\n"
            "Host source (default: this machine's /sys):\n"
            "  --fsroot DIR      read sysfs under DIR; its node and CPU ids are taken as\n"
            "                    this machine's\n"
            "  --host FILE       read a host file (docs/host-format.md)\n"
            "  --synthetic SPEC  build a host from a spec (docs/synthetic-hosts.md)\n"
            "  --acpi DIR        take SRAT/SLIT from DIR\n"
            "\n"
            "  --dry-run         print where COMMAND would run (CPUs, node, memory) and do\n"
            "                    not run it\n"
            "  -q, --quiet       do not print warnings\n"
            "  -h, --help        show this help\n"
            "\n"
            "Exit status: COMMAND's own; 2 bad usage or a node/device that cannot be used\n"
            "(one sentence says why); 3 system error; 126 COMMAND cannot be run, 127 it\n"
            "was not found.\n");
}

enum {
    OPT_NODE = OPT_HOST_LAST + 1,
    OPT_DEVICE,
    OPT_MEMBIND,
    OPT_MEMPREF,
    OPT_DRY_RUN,
};

/* The calling thread's CPUs as a cpulist, into buf. */
static void own_cpus(char *buf, size_t size)
{
    size_t bytes = CPU_ALLOC_SIZE(16384);
    cpu_set_t *set = CPU_ALLOC(16384);
    size_t o = 0;

    buf[0] = '\0';
    if (!set || sched_getaffinity(0, bytes, set) < 0) {
        snprintf(buf, size, "?");
        CPU_FREE(set);
        return;
    }
    for (int c = 0; c < 16384 && o < size; c++) {
        int end = c;

        if (!CPU_ISSET_S((size_t)c, bytes, set))
            continue;
        while (end + 1 < 16384 && CPU_ISSET_S((size_t)end + 1, bytes, set))
            end++;
        o +=
            (size_t)snprintf(buf + o, size - o, end > c ? "%s%d-%d" : "%s%d", o ? "," : "", c, end);
        c = end;
    }
    CPU_FREE(set);
}

/* A node number: decimal digits, as a pnode (range checked by the library). */
static int parse_node(const char *text, int *out)
{
    long v = 0;

    if (!*text)
        return -EINVAL;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -EINVAL;
    }
    *out = (int)v;
    return 0;
}

/* What the caller should know about where COMMAND will run. */
static void warn_placement(const char *target, const struct vt_exec_info *info)
{
    if (info->reason == VT_EXEC_REASON_DEVICE_NO_NODE)
        fprintf(stderr,
                "vtopo exec: warning: device %s has no NUMA node (numa_node -1) and its local "
                "CPUs are all CPUs; the command runs unbound\n",
                target);
    if (info->flags & VT_EXEC_F_MEMPOLICY_SKIPPED)
        fprintf(stderr,
                "vtopo exec: warning: node %d has no CPUs and its memory is not available to "
                "this process; the command runs on node %d without a memory policy\n",
                info->mem_pnode, info->pnode);
}

int cmd_exec(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"node", required_argument, NULL, OPT_NODE},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"membind", no_argument, NULL, OPT_MEMBIND},
        {"mempref", no_argument, NULL, OPT_MEMPREF},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char named_bdf[64];
    bool dry_run = false;
    struct vt_exec_options eo = {.flags = VT_EXEC_LAZY}; /* binds this thread: no workers */
    struct cli_host_opts ho = {0};
    struct vt_host_source src;
    enum vt_exec_mem mem = VT_EXEC_MEM_DEFAULT;
    const char *node_arg = NULL, *device = NULL;
    struct vt_exec_info info;
    const struct vt_host *h;
    struct vt_exec *rt;
    struct vt_err err;
    int opt, rc, node = -1, e;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+:qh", longopts, NULL)) != -1) {
        if (cli_host_opt(&ho, opt, optarg))
            continue;
        switch (opt) {
        case OPT_NODE:
            node_arg = optarg;
            break;
        case OPT_DEVICE:
            device = optarg;
            break;
        case OPT_MEMBIND:
        case OPT_MEMPREF:
            if (mem != VT_EXEC_MEM_DEFAULT)
                return cli_usage_error("exec", "--membind and --mempref are alternatives; give "
                                               "at most one");
            mem = opt == OPT_MEMBIND ? VT_EXEC_MEM_BIND : VT_EXEC_MEM_PREFERRED;
            break;
        case OPT_DRY_RUN:
            dry_run = true;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            cmd_exec_usage(stdout);
            return VT_EXIT_OK;
        default:
            return cli_bad_option("exec", opt, argv);
        }
    }
    if (node_arg && device)
        return cli_usage_error("exec", "--node and --device are alternatives; give one");
    if (!node_arg && !device)
        return cli_usage_error("exec", "say where to run: --node N or --device BDF");
    if (node_arg && parse_node(node_arg, &node) < 0)
        return cli_usage_error("exec", "--node '%s' is not a node number", node_arg);
    if (optind >= argc)
        return cli_usage_error("exec", "no command to run: give it after '--'");
    if (strcmp(argv[optind - 1], "--") != 0)
        return cli_usage_error("exec", "the command must follow '--' (vtopo exec ... -- %s)",
                               argv[optind]);
    if ((rc = cli_host_source("exec", &ho, &src)) != VT_EXIT_OK)
        return rc;
    /* exec needs no firmware PXMs: unless --acpi names tables, do not read
     * (and warn about) the SRAT. */
    src.skip_acpi = !ho.acpi_dir;

    if (vt_exec_new(&src, &eo, &rt, &err) < 0)
        return cli_fail("exec", &err);
    h = vt_exec_host(rt);
    if (!ho.quiet)
        for (size_t i = 0; i < vt_host_warning_count(h); i++)
            fprintf(stderr, "vtopo exec: warning: %s\n", vt_host_warning(h, i));
    /* A name (eth0, nvme0) for a device: its PCI address. */
    if (device && vt_host_device_by_name(h, device)) {
        snprintf(named_bdf, sizeof(named_bdf), "%s", vt_host_device_by_name(h, device)->bdf);
        device = named_bdf;
    } else if (device && !strchr(device, ':')) {
        vt_exec_free(rt);
        cli_error("exec",
                  "no device is named '%s' on this host ('vtopo host' lists the PCI "
                  "devices and their names)",
                  device);
        return VT_EXIT_USAGE;
    }
    if (device)
        rc = vt_exec_bind_device(rt, device, mem, &info, &err);
    else
        rc = vt_exec_bind_node(rt, node, mem, &info, &err);
    vt_exec_free(rt);
    if (rc < 0)
        return cli_fail("exec", &err);
    if (!ho.quiet)
        warn_placement(device, &info);
    if (dry_run) {
        char cpus[4096];

        own_cpus(cpus, sizeof(cpus));
        printf("would run %s on CPUs %s", argv[optind], cpus);
        if (info.target_pnode >= 0)
            printf(" (node %d%s%s)", info.target_pnode, device ? ", device " : "",
                   device ? device : "");
        if (mem == VT_EXEC_MEM_BIND || mem == VT_EXEC_MEM_PREFERRED || info.mem_pnode >= 0)
            printf(", memory %s node %d", mem == VT_EXEC_MEM_BIND ? "bound to" : "preferred on",
                   info.mem_pnode >= 0 ? info.mem_pnode : info.target_pnode);
        printf("\n");
        return fflush(stdout) == 0 ? VT_EXIT_OK : VT_EXIT_SYSTEM;
    }

    fflush(stdout);
    fflush(stderr);
    execvp(argv[optind], argv + optind);
    e = errno;
    cli_error("exec", "cannot run '%s': %s", argv[optind], strerror(e));
    return e == ENOENT ? 127 : 126;
}
