/* vtopo irq plan: each device's movable vectors onto its node's
 * housekeeping CPUs, balanced, keyed by (BDF, vector index) (docs/irq.md). */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "irq_cli.h"

static void plan_usage(FILE *out)
{
    fprintf(out, "Usage: vtopo irq plan [host options] [--cpuset LIST] [--previous PLAN.json\n"
                 "                      [--rebalance]] [--out PLAN.json] [--json | --script]\n"
                 "                      [--quiet]\n"
                 "\n"
                 "Plan where each PCI device's movable (non-managed) MSI/MSI-X vectors should\n"
                 "fire: one housekeeping CPU each (online, not isolated, not nohz_full, in the\n"
                 "cpuset) local to the device's node, the least loaded first, counting the\n"
                 "managed vectors already there, one per physical core before SMT siblings.\n"
                 "A device of unknown node spreads over every housekeeping CPU; a node without\n"
                 "one sends its devices to the nearest node's, with a warning. Every vector is\n"
                 "keyed by (BDF, vector index); 'vtopo irq apply' looks its IRQ number up.\n"
                 "\n"
                 "  --cpuset LIST         CPUs the plan may use (default: this process's allowed\n"
                 "                        CPUs on the live system, every CPU otherwise)\n"
                 "  --previous FILE       change a previous plan as little as possible: a removed\n"
                 "                        device moves nothing, an added one is placed alone, a\n"
                 "                        CPU gone offline or isolated moves only its vectors\n"
                 "  --rebalance           with --previous: the fewest extra moves that bring each\n"
                 "                        node's CPUs back within one vector of each other\n"
                 "  --out FILE            write the plan (JSON) to FILE, atomically\n"
                 "  --json                print the plan file instead of the tables\n"
                 "  --script              print the shell lines that would apply it\n"
                 "  -q, --quiet           do not print warnings\n"
                 "  -h, --help            show this help\n"
                 "\n"
                 "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

/* The vectors on each of a node's planned CPUs, least and most. */
static void node_spread(const struct vt_host *h, const struct vt_irq_plan *p, size_t node,
                        unsigned *lo, unsigned *hi)
{
    const struct vt_host_node *n = vt_host_node(h, node);
    const struct vt_bitmap *ok = vt_irq_plan_cpus(p);

    *lo = ~0u;
    *hi = 0;
    for (int c = vt_bitmap_first(n->cpus); c >= 0; c = vt_bitmap_next(n->cpus, c)) {
        unsigned l = vt_irq_plan_cpu_load(p, (unsigned)c);

        if (!vt_bitmap_isset(ok, (unsigned)c))
            continue;
        *lo = l < *lo ? l : *lo;
        *hi = l > *hi ? l : *hi;
    }
}

static void print_tables(const struct vt_host *h, const struct vt_irq_plan *p, bool incremental)
{
    const struct vt_bitmap *ok = vt_irq_plan_cpus(p);
    char *cpus = vt_bitmap_format_list(ok);
    size_t n = vt_irq_plan_count(p), managed = 0, change = 0;

    for (size_t i = 0; i < n; i++) {
        const struct vt_irq_planned *v = vt_irq_plan_vector(p, i);

        managed += v->managed;
        change += !v->managed && !(v->current && vt_bitmap_weight(v->current) == 1 &&
                                   vt_bitmap_isset(v->current, (unsigned)v->cpu));
    }
    cli_line(stdout,
             "irq plan: %zu vector%s (%zu managed, fixed; %zu planned, %zu of them to change), "
             "on CPUs %s",
             n, cli_s(n), managed, n - managed, change, cpus ? cpus : "?");
    free(cpus);
    printf("  device        vector    irq  node  managed  current         cpu  change\n");
    for (size_t i = 0; i < n; i++) {
        const struct vt_irq_planned *v = vt_irq_plan_vector(p, i);
        char *cur = v->current ? vt_bitmap_format_list(v->current) : NULL;
        const char *what = v->managed    ? "fixed"
                           : v->moved    ? "moved"
                           : v->placed   ? "placed"
                           : incremental ? "kept"
                           : (v->current && vt_bitmap_weight(v->current) == 1 &&
                              vt_bitmap_isset(v->current, (unsigned)v->cpu))
                               ? "-"
                               : "set";

        printf("  %-12s  %6u  %5u  %4d  %-7s  %-14s  %4d  %s\n", v->bdf, v->index, v->irq, v->node,
               v->managed ? "yes" : "no", cur ? cur : "?", v->cpu, what);
        free(cur);
    }
    printf("cpus (managed vectors fire there; planned ones are the plan's):\n"
           "     cpu  node  state         managed  planned  total\n");
    for (int c = vt_bitmap_first(ok); c >= 0; c = vt_bitmap_next(ok, c)) {
        unsigned m = 0, total = vt_irq_plan_cpu_load(p, (unsigned)c);

        for (size_t i = 0; i < n; i++)
            m += vt_irq_plan_vector(p, i)->managed && vt_irq_plan_vector(p, i)->cpu == c;
        printf("  %6d  %4d  %-12s  %7u  %7u  %5u\n", c, vt_host_cpu_pnode(h, (unsigned)c),
               vt_host_cpu_state(h, (unsigned)c), m, total - m, total);
    }
    for (size_t i = 0; i < vt_host_node_count(h); i++) {
        unsigned lo, hi;

        node_spread(h, p, i, &lo, &hi);
        if (hi)
            printf("node %u: %u to %u vectors per housekeeping CPU\n", vt_host_node(h, i)->pnode,
                   lo, hi);
    }
    if (incremental)
        printf("against the previous plan: %zu moved, %zu placed, %zu dropped\n",
               vt_irq_plan_moves(p), vt_irq_plan_placed(p), vt_irq_plan_dropped(p));
}

static void print_script(const struct vt_host *h, const struct vt_irq_plan *p, const char *root)
{
    printf("#!/bin/sh\n"
           "# vtopo irq plan for host %s, interrupt state %s (%s).\n"
           "# IRQ numbers are those when planned: a re-added device gets new ones, so\n"
           "# 'vtopo irq apply' looks each (device, vector) up again and saves what it\n"
           "# changes first.\n"
           "set -e\n",
           vt_irq_plan_host(p), vt_irq_plan_state(p), vt_host_description(h));
    for (size_t i = 0; i < vt_irq_plan_count(p); i++) {
        const struct vt_irq_planned *v = vt_irq_plan_vector(p, i);

        if (!v->managed)
            printf("echo %d > %s/proc/irq/%u/smp_affinity_list  # %s vector %u\n", v->cpu,
                   root && strcmp(root, "/") ? root : "", v->irq, v->bdf, v->index);
    }
}

/* The process's allowed CPUs (the live system's default cpuset). */
static struct vt_bitmap *process_cpus(void)
{
    struct vt_bitmap *b = vt_bitmap_new();
    cpu_set_t *set = CPU_ALLOC(VT_CPU_ID_MAX + 1);
    size_t size = CPU_ALLOC_SIZE(VT_CPU_ID_MAX + 1);

    if (b && set && sched_getaffinity(0, size, set) == 0) {
        for (unsigned c = 0; c <= VT_CPU_ID_MAX; c++)
            if (CPU_ISSET_S(c, size, set))
                vt_bitmap_set(b, c);
    } else {
        vt_bitmap_free(b);
        b = NULL;
    }
    if (set)
        CPU_FREE(set);
    return b;
}

int cmd_irq_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"cpuset", required_argument, NULL, 'c'},
        {"previous", required_argument, NULL, 'p'},
        {"rebalance", no_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},
        {"script", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    struct vt_irq_plan_options po = {0};
    struct vt_host *h = NULL;
    struct vt_irq_state *s = NULL;
    struct vt_irq_plan *p = NULL, *prev = NULL;
    struct vt_bitmap *cpuset = NULL;
    const char *cpuset_text = NULL, *prev_path = NULL, *out = NULL;
    bool json = false, script = false;
    struct vt_err err;
    int opt, rc;

    opterr = 0;
    optind = 2;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (cli_host_opt(&ho, opt, optarg))
            continue;
        switch (opt) {
        case 'c':
            cpuset_text = optarg;
            break;
        case 'p':
            prev_path = optarg;
            break;
        case 'r':
            po.rebalance = true;
            break;
        case 'o':
            out = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 's':
            script = true;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            plan_usage(stdout);
            return VT_EXIT_OK;
        default:
            return cli_bad_option("irq", opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("irq", "unexpected argument '%s'", argv[optind]);
    if (json && script)
        return cli_usage_error("irq", "--json and --script: give one");
    if (po.rebalance && !prev_path)
        return cli_usage_error("irq", "--rebalance rebalances a --previous plan");
    if (cpuset_text) {
        if (!(cpuset = vt_bitmap_new()))
            return VT_EXIT_SYSTEM;
        if (vt_bitmap_parse_list(cpuset, cpuset_text, VT_CPU_ID_MAX, &err) < 0) {
            vt_bitmap_free(cpuset);
            return cli_usage_error("irq", "--cpuset %s: %s", cpuset_text, err.msg);
        }
    } else if (!ho.fsroot && !ho.host_file && !ho.synthetic) {
        cpuset = process_cpus();
    }
    po.cpuset = cpuset;
    if ((rc = cli_load_host("irq", &ho, &h)) != VT_EXIT_OK)
        goto out;
    if (prev_path && vt_irq_plan_load(prev_path, &prev, &err) < 0) {
        rc = cli_fail("irq", &err);
        goto out;
    }
    po.previous = prev;
    if (vt_irq_state_read(h, &s, &err) < 0 || vt_irq_plan_make(h, s, &po, &p, &err) < 0) {
        rc = cli_fail("irq", &err);
        goto out;
    }
    if (prev && strcmp(vt_irq_plan_host(prev), vt_irq_plan_host(p)) && !ho.quiet)
        cli_error("irq",
                  "warning: --previous %s was planned when the host differed (fingerprint %s, "
                  "now %s: CPUs went offline or isolated, or devices changed)",
                  prev_path, vt_irq_plan_host(prev), vt_irq_plan_host(p));
    if (out) {
        cli_defer_signals();
        rc = vt_irq_plan_save(p, out, &err) < 0 ? cli_fail("irq", &err) : VT_EXIT_OK;
        cli_end_deferral();
        if (rc != VT_EXIT_OK)
            goto out;
    }
    for (size_t i = 0; !ho.quiet && i < vt_irq_plan_warning_count(p); i++)
        cli_error("irq", "warning: %s", vt_irq_plan_warning(p, i));
    if (!vt_irq_state_managed_known(s) && !ho.quiet)
        cli_error("irq", "warning: which vectors are managed is unknown (debugfs not readable): "
                         "every vector is planned; 'vtopo irq apply' skips those the kernel "
                         "refuses (EIO/EPERM: managed)");
    if (json) {
        char *text;

        if (vt_irq_plan_to_json(p, &text, &err) < 0) {
            rc = cli_fail("irq", &err);
            goto out;
        }
        fputs(text, stdout);
        free(text);
    } else if (script) {
        print_script(h, p, ho.fsroot);
    } else {
        print_tables(h, p, prev != NULL);
    }
    rc = VT_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("irq", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
out:
    vt_irq_plan_free(p);
    vt_irq_plan_free(prev);
    vt_irq_state_free(s);
    vt_host_free(h);
    vt_bitmap_free(cpuset);
    return rc;
}

/* ---- apply and restore ------------------------------------------------ */

static void apply_usage(FILE *out)
{
    fprintf(out, "Usage: vtopo irq apply PLAN.json [host options] [--yes] [--restore-file FILE]\n"
                 "       vtopo irq restore FILE [host options] [--yes]\n"
                 "\n"
                 "apply: write a plan's CPUs to /proc/irq/N/smp_affinity_list, each IRQ looked\n"
                 "up again by (device, vector index). A dry run unless --yes. Before the first\n"
                 "write, every affinity about to change is saved to the restore file\n"
                 "(atomically); then each IRQ's effective_affinity_list is read back. Managed\n"
                 "vectors are never written (the kernel refuses them: EIO, EPERM from 6.12).\n"
                 "Refused for a plan made for another host or another interrupt state, and on\n"
                 "the live system for a user who is not root. With --fsroot the dump is\n"
                 "written.\n"
                 "restore: put back what a restore file holds (dry run unless --yes).\n"
                 "\n"
                 "  --yes                 write (otherwise only say what would be written)\n"
                 "  --restore-file FILE   where apply saves the affinities it changes (default:\n"
                 "                        PLAN.json with .restore appended)\n"
                 "  -q, --quiet           do not print warnings\n"
                 "  -h, --help            show this help\n"
                 "\n"
                 "Exit status: 0 ok, 1 some vector failed (each is named; the restore file holds\n"
                 "everything), 2 bad usage or input, 3 system error.\n");
}

static int print_report(const struct vt_irq_report *r, const char *what, bool yes,
                        const char *restore)
{
    size_t counts[VT_IRQ_APPLY_FAILED + 1] = {0}, failed = 0;

    for (size_t i = 0; i < vt_irq_report_count(r); i++) {
        const struct vt_irq_applied *e = vt_irq_report_entry(r, i);
        char *t = e->target ? vt_bitmap_format_list(e->target) : NULL;
        char *b = e->before ? vt_bitmap_format_list(e->before) : NULL;
        char *f = e->effective ? vt_bitmap_format_list(e->effective) : NULL;

        counts[e->status]++;
        failed += e->status >= VT_IRQ_APPLY_GONE;
        printf("  %s vector %u irq %u: %s -> %s: %s", e->bdf, e->index, e->irq, b ? b : "?",
               t ? t : "?", vt_irq_apply_status_name(e->status));
        if (e->status == VT_IRQ_APPLY_WRITTEN)
            printf(", effective %s%s", f ? f : "?",
                   f && e->target && !vt_bitmap_subset(e->effective, e->target)
                       ? " (not yet: x86 moves a vector when it next fires)"
                       : "");
        else if (e->status == VT_IRQ_APPLY_FAILED)
            printf(" (%s)", strerror(e->error));
        else if (e->status == VT_IRQ_APPLY_MANAGED)
            printf(" (skipped: the kernel manages it)");
        else if (e->status == VT_IRQ_APPLY_GONE)
            printf(" (the device vector or its IRQ is gone)");
        else if (e->status == VT_IRQ_APPLY_OFFLINE)
            printf(" (every target CPU is offline)");
        putchar('\n');
        free(t);
        free(b);
        free(f);
    }
    printf("irq %s: %zu written, %zu %s, %zu already so, %zu managed (skipped), %zu failed\n", what,
           counts[VT_IRQ_APPLY_WRITTEN], counts[VT_IRQ_APPLY_DRY_RUN],
           yes ? "left" : "to write (dry run: --yes writes)", counts[VT_IRQ_APPLY_SAME],
           counts[VT_IRQ_APPLY_MANAGED], failed);
    if (yes && restore)
        cli_line(stdout, "saved what was there to %s: 'vtopo irq restore %s --yes' puts it back",
                 restore, restore);
    return failed ? VT_EXIT_PROBLEMS : VT_EXIT_OK;
}

int cmd_irq_apply(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"yes", no_argument, NULL, 'y'},
        {"restore-file", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool restore = !strcmp(argv[1], "restore"), yes = false;
    struct cli_host_opts ho = {0};
    struct vt_host *h = NULL;
    struct vt_irq_state *s = NULL;
    struct vt_irq_plan *p = NULL;
    struct vt_irq_report *r = NULL;
    const char *file = NULL, *restore_file = NULL;
    char *derived = NULL;
    struct vt_err err;
    int opt, rc, failed;

    opterr = 0;
    optind = 2;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (cli_host_opt(&ho, opt, optarg))
            continue;
        switch (opt) {
        case 'y':
            yes = true;
            break;
        case 'r':
            if (restore)
                return cli_usage_error("irq", "--restore-file is apply's: restore reads FILE");
            restore_file = optarg;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            apply_usage(stdout);
            return VT_EXIT_OK;
        default:
            return cli_bad_option("irq", opt, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("irq", "%s needs %s", argv[1],
                               restore ? "the restore file" : "the plan file (PLAN.json)");
    file = argv[optind++];
    if (optind < argc)
        return cli_usage_error("irq", "unexpected argument '%s'", argv[optind]);
    if (!restore && !restore_file) {
        if (asprintf(&derived, "%s.restore", file) < 0)
            return VT_EXIT_SYSTEM;
        restore_file = derived;
    }
    if ((rc = cli_load_host("irq", &ho, &h)) != VT_EXIT_OK)
        goto out;
    if ((!restore && vt_irq_plan_load(file, &p, &err) < 0) || vt_irq_state_read(h, &s, &err) < 0) {
        rc = cli_fail("irq", &err);
        goto out;
    }
    cli_defer_signals();
    failed = restore ? vt_irq_restore(h, s, file, yes, &r, &err)
                     : vt_irq_apply(h, s, p, &(struct vt_irq_apply_options){yes, restore_file}, &r,
                                    &err);
    cli_end_deferral();
    if (failed < 0) {
        rc = cli_fail("irq", &err);
        goto out;
    }
    rc = print_report(r, argv[1], yes, restore ? NULL : restore_file);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("irq", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
out:
    free(derived);
    vt_irq_report_free(r);
    vt_irq_plan_free(p);
    vt_irq_state_free(s);
    vt_host_free(h);
    return rc;
}
