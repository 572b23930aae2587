/* vtopo irq show: a host's interrupts per device (keyed by BDF and vector
 * index) and per CPU (docs/irq.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "irq_cli.h"

static void show_usage(FILE *out)
{
    fprintf(out, "Usage: vtopo irq show [host options] [--device BDF] [--json] [--quiet]\n"
                 "\n"
                 "Show a host's interrupts: each PCI device's MSI/MSI-X vectors by index (IRQ\n"
                 "number, managed or not, affinity, effective CPU, count, name) and each CPU's\n"
                 "load (vectors whose effective CPU it is, managed ones among them, vectors\n"
                 "allowed on it, interrupts counted), with its housekeeping state. Read from\n"
                 "/proc/interrupts, /proc/irq/N/ and, when readable, debugfs's irq/irqs/N\n"
                 "(else managed is 'unknown', never guessed): this machine by default, a dump\n"
                 "with --fsroot, a host file saved with 'vtopo host --save FILE --irqs'\n"
                 "(--host), or a synthetic host's devices (--synthetic).\n"
                 "\n"
                 "  --device BDF          only this device's vectors\n"
                 "  --json                as JSON\n"
                 "  -q, --quiet           do not print warnings\n"
                 "  -h, --help            show this help\n"
                 "\n"
                 "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

static char *list_or(const struct vt_bitmap *b, const char *none)
{
    char *s = b ? vt_bitmap_format_list(b) : NULL;

    return s ? s : strdup(none);
}

/* JSON string with the characters JSON needs escaped (input text). */
static void jstr(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void print_vector(const struct vt_irq_info *v, bool json, bool last)
{
    char *aff = list_or(v->affinity, "?"), *eff = list_or(v->effective, "?");

    if (json) {
        printf("        {\"index\": %d, \"irq\": %u, \"managed\": \"%s\", \"affinity\": ", v->index,
               v->irq, vt_irq_managed_name(v->managed));
        jstr(aff);
        printf(", \"effective\": ");
        jstr(eff);
        printf(", \"node\": %d, \"count\": %llu, \"chip\": ", v->node,
               (unsigned long long)v->total);
        jstr(v->chip);
        printf(", \"name\": ");
        jstr(v->actions);
        printf("}%s\n", last ? "" : ",");
    } else {
        cli_line(stdout, "    %6d  %5u  %-7s  %-14s  %-9s  %4d  %10llu  %s", v->index, v->irq,
                 vt_irq_managed_name(v->managed), aff, eff, v->node, (unsigned long long)v->total,
                 v->actions);
    }
    free(aff);
    free(eff);
}

static void print_devices(const struct vt_host *h, const struct vt_irq_state *s, const char *only,
                          bool json)
{
    size_t n = vt_irq_state_vector_count(s);

    bool first = true;

    if (json)
        printf("  \"devices\": [\n");
    else
        printf("devices (vectors by index; IRQ numbers change when a device is re-added):\n");
    for (size_t i = 0; i < n;) {
        const struct vt_host_device *d = vt_host_device_by_bdf(h, vt_irq_state_vector(s, i)->bdf);
        size_t k = i, managed = 0;

        while (k < n && !strcmp(vt_irq_state_vector(s, k)->bdf, vt_irq_state_vector(s, i)->bdf))
            managed += vt_irq_state_vector(s, k++)->managed == VT_IRQ_MANAGED_YES;
        if (only && strcmp(only, vt_irq_state_vector(s, i)->bdf)) {
            i = k;
            continue;
        }
        if (json) {
            printf("%s    {\"bdf\": \"%s\", \"node\": %d, \"driver\": ", first ? "" : ",\n",
                   vt_irq_state_vector(s, i)->bdf, d ? d->pnode : -1);
            if (d && d->driver)
                jstr(d->driver);
            else
                printf("null");
            printf(", \"managed\": %zu, \"vectors\": [\n", managed);
        } else {
            cli_line(stdout, "  %s node %s%d driver %s: %zu vector%s, %zu managed%s",
                     vt_irq_state_vector(s, i)->bdf, d ? "" : "?", d ? d->pnode : -1,
                     d && d->driver ? d->driver : "-", k - i, cli_s(k - i), managed,
                     vt_irq_state_managed_known(s) ? "" : " (managed unknown: no debugfs)");
            printf("    vector    irq  managed  affinity        effective  node       count  "
                   "name\n");
        }
        for (size_t j = i; j < k; j++)
            print_vector(vt_irq_state_vector(s, j), json, j + 1 == k);
        if (json)
            printf("      ]}");
        first = false;
        i = k;
    }
    if (json)
        printf("%s  ],\n", first ? "" : "\n");
}

static void print_cpus(const struct vt_host *h, const struct vt_irq_state *s, bool json)
{
    const struct vt_bitmap *cpus = vt_irq_state_cpus(s);
    bool first = true;

    if (json)
        printf("  \"cpus\": [\n");
    else
        printf("cpus (vectors: effective here; managed among them; allowed: affinity "
               "includes it):\n"
               "     cpu  node  state         vectors  managed  allowed       count\n");
    for (int c = vt_bitmap_first(cpus); c >= 0; c = vt_bitmap_next(cpus, c)) {
        size_t eff = 0, man = 0, allowed = 0;
        unsigned long long count = 0;

        for (size_t i = 0; i < vt_irq_state_count(s); i++) {
            const struct vt_irq_info *v = vt_irq_state_irq(s, i);

            count += vt_irq_state_cpu_count(s, i, (unsigned)c);
            if (v->effective && vt_bitmap_isset(v->effective, (unsigned)c)) {
                eff++;
                man += v->managed == VT_IRQ_MANAGED_YES;
            }
            allowed += v->affinity && vt_bitmap_isset(v->affinity, (unsigned)c);
        }
        if (json)
            printf("%s    {\"cpu\": %d, \"node\": %d, \"state\": \"%s\", \"vectors\": %zu, "
                   "\"managed\": %zu, \"allowed\": %zu, \"count\": %llu}",
                   first ? "" : ",\n", c, vt_host_cpu_pnode(h, (unsigned)c),
                   vt_host_cpu_state(h, (unsigned)c), eff, man, allowed, count);
        else
            printf("  %6d  %4d  %-12s  %7zu  %7zu  %7zu  %10llu\n", c,
                   vt_host_cpu_pnode(h, (unsigned)c), vt_host_cpu_state(h, (unsigned)c), eff, man,
                   allowed, count);
        first = false;
    }
    if (json)
        printf("%s  ],\n", first ? "" : "\n");
}

int cmd_irq_show(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        {"device", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    struct vt_host *h = NULL;
    struct vt_irq_state *s = NULL;
    char only[32] = "";
    bool json = false;
    struct vt_err err;
    size_t n = 0, other = 0;
    int opt, rc;

    opterr = 0;
    optind = 2;
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (cli_host_opt(&ho, opt, optarg))
            continue;
        switch (opt) {
        case 'd':
            if (irq_parse_bdf("irq", "--device", optarg, only) != VT_EXIT_OK)
                return VT_EXIT_USAGE;
            break;
        case 'j':
            json = true;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            show_usage(stdout);
            return VT_EXIT_OK;
        default:
            return cli_bad_option("irq", opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("irq", "unexpected argument '%s'", argv[optind]);
    if ((rc = cli_load_host("irq", &ho, &h)) != VT_EXIT_OK)
        return rc;
    if (vt_irq_state_read(h, &s, &err) < 0) {
        rc = cli_fail("irq", &err);
        goto out;
    }
    if (*only && !vt_host_device_by_bdf(h, only) && !vt_irq_state_find(s, only, 0)) {
        rc = cli_usage_error("irq",
                             "--device %s: the host has no such PCI device with "
                             "interrupts ('vtopo irq show' lists them)",
                             only);
        goto out;
    }
    n = vt_irq_state_vector_count(s);
    other = vt_irq_state_count(s) - n;
    if (json) {
        printf("{\n  \"source\": ");
        jstr(vt_irq_state_source(s));
        printf(",\n  \"managed_known\": %s,\n", vt_irq_state_managed_known(s) ? "true" : "false");
    } else {
        char *cpus = list_or(vt_irq_state_cpus(s), "?");

        cli_line(stdout, "irq show: %zu IRQ%s, %zu of them device vectors; CPUs %s counted (%s)",
                 vt_irq_state_count(s), cli_s(vt_irq_state_count(s)), n, cpus,
                 vt_irq_state_source(s));
        free(cpus);
    }
    print_devices(h, s, *only ? only : NULL, json);
    if (!*only)
        print_cpus(h, s, json);
    if (json)
        printf("  \"other_irqs\": %zu\n}\n", other);
    else if (!*only)
        printf("other IRQs (not a PCI device's vectors): %zu\n", other);
    if (!vt_irq_state_managed_known(s) && !ho.quiet)
        cli_error("irq", "warning: debugfs (sys/kernel/debug/irq/irqs) is not readable: which "
                         "vectors are managed is unknown (mount debugfs, run as root)");
    rc = VT_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("irq", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
out:
    vt_irq_state_free(s);
    vt_host_free(h);
    return rc;
}
