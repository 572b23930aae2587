/* vtopo irq: the subcommands, and predict: how Linux spreads a device's
 * managed MSI/MSI-X vectors over a host's CPUs, or a planned guest's
 * (docs/irq.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "irq_cli.h"

static void predict_usage(FILE *out)
{
    fprintf(out, "Usage: vtopo irq predict [host options | plan options | --plan DIR]\n"
                 "                 --vectors N [--pre K] [--post K] [--sets LIST]\n"
                 "                 [--possible-cpus N] [--device BDF] [--json] [--quiet]\n"
                 "\n"
                 "Predict where Linux puts a device's managed MSI/MSI-X vectors: the kernel's\n"
                 "own spreading (irq_create_affinity_masks, group_cpus_evenly) over the possible\n"
                 "CPUs, present ones first, node by node, SMT siblings together. Managed\n"
                 "vectors cannot be moved from user space; this says where they will be. On a\n"
                 "host (default: this machine; --fsroot, --host, --synthetic as for 'vtopo\n"
                 "host'), or in a planned guest (--plan DIR, or the options of 'vtopo plan').\n"
                 "\n"
                 "  --vectors N           the vectors the driver gets (1-2048; NVMe: I/O queues\n"
                 "                        + 1, the admin queue being a pre vector)\n"
                 "  --pre K, --post K     the first K / last K vectors are not managed (they get\n"
                 "                        every possible CPU)\n"
                 "  --sets LIST           interrupt sets, e.g. 4,2 (default: one set of all the\n"
                 "                        managed vectors)\n"
                 "  --possible-cpus N     a guest's possible_cpus= kernel parameter: CPUs beyond\n"
                 "                        the plan's get the online nodes round-robin\n"
                 "  --isolcpus LIST       as booted with isolcpus=managed_irq,domain,LIST\n"
                 "                        irqaffinity=REST (the guest's vCPUs, or the host's\n"
                 "                        CPUs): where each vector fires, and which managed\n"
                 "                        vectors still reach LIST\n"
                 "  --device BDF          say how many managed vectors reach the device's node\n"
                 "                        (on a host: a host device; in a guest: a planned one)\n"
                 "  --json                the prediction as JSON\n"
                 "  -q, --quiet           do not print warnings\n"
                 "  -h, --help            show this help\n"
                 "\n"
                 "Managed vectors that reach isolated or nohz_full host CPUs are named, with the\n"
                 "boot options that keep them off (isolcpus=managed_irq,domain,LIST\n"
                 "irqaffinity=REST, best effort); 'vtopo emit --isolcpus LIST' prints them for a\n"
                 "guest's kernel.\n"
                 "\n"
                 "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

void cmd_irq_usage(FILE *out)
{
    fprintf(out, "Usage: vtopo irq show [host options] [--device BDF] [--json]\n"
                 "       vtopo irq plan [host options] [--previous PLAN.json] [--out FILE]\n"
                 "       vtopo irq apply PLAN.json [host options] [--yes]\n"
                 "       vtopo irq restore FILE [host options] [--yes]\n"
                 "       vtopo irq predict [host options | plan options | --plan DIR]\n"
                 "                 --vectors N [--pre K] [--post K] [--sets LIST] ...\n"
                 "\n"
                 "A host's interrupts, keyed by (device, vector index), never by IRQ number:\n"
                 "  show      every device's vectors (IRQ, managed or not, affinity, effective\n"
                 "            CPU, count) and every CPU's load, from /proc/interrupts,\n"
                 "            /proc/irq/N/ and debugfs (--fsroot: a dump; --host: a host file\n"
                 "            saved with 'vtopo host --save FILE --irqs')\n"
                 "  predict   where Linux puts a device's managed vectors\n"
                 "  plan      each device's movable vectors onto its node's housekeeping\n"
                 "            CPUs, balanced (--previous: incrementally)\n"
                 "  apply     write a plan (dry run unless --yes), saving what it changes\n"
                 "  restore   put a restore file's affinities back\n"
                 "\n"
                 "'vtopo irq SUBCOMMAND --help' shows a subcommand's options. docs/irq.md.\n"
                 "\n"
                 "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

enum {
    OPT_VECTORS = OPT_PLAN_LAST + 1,
    OPT_PRE,
    OPT_POST,
    OPT_SETS,
    OPT_POSSIBLE,
    OPT_IRQ_DEVICE,
    OPT_ISOLCPUS,
    OPT_IRQ_JSON,
};

/* The device's node in the prediction's numbering, or -1 (reported). */
static int device_node(const struct vt_host *h, const struct vt_layout *l, const char *bdf,
                       bool *known)
{
    *known = false;
    if (l) {
        for (size_t i = 0; i < vt_layout_device_count(l); i++) {
            const struct vt_device *d = vt_layout_device(l, i);

            if (!strcmp(d->host_bdf, bdf) || !strcmp(d->guest_bdf, bdf)) {
                *known = true;
                return d->linux_node;
            }
        }
        return -1;
    }
    for (size_t i = 0; i < vt_host_device_count(h); i++) {
        const struct vt_host_device *d = vt_host_device(h, i);

        if (!strcmp(d->bdf, bdf)) {
            *known = true;
            return d->pnode;
        }
    }
    return -1;
}

static char *list_of(const struct vt_bitmap *b)
{
    char *s = vt_bitmap_format_list(b);

    return s ? s : strdup("?");
}

/* The nodes a mask reaches, as a list. */
static char *nodes_of(const struct vt_irq_prediction *p, const struct vt_bitmap *mask)
{
    struct vt_bitmap *n = vt_bitmap_new();
    char *s;

    for (int c = n ? vt_bitmap_first(mask) : -1; c >= 0; c = vt_bitmap_next(mask, c))
        if (vt_irq_prediction_node(p, (unsigned)c) >= 0)
            vt_bitmap_set(n, (unsigned)vt_irq_prediction_node(p, (unsigned)c));
    s = n ? list_of(n) : NULL;
    vt_bitmap_free(n);
    return s;
}

/* Managed vectors reach the host's isolated or nohz_full CPUs (h_list):
 * the boot options that keep them off, as emit --isolcpus gives them for a
 * guest (never CPU 0, the boot CPU). */
static void warn_isolated(const struct vt_irq_prediction *p, const struct vt_bitmap *avoid,
                          const char *h_list)
{
    struct vt_bitmap *list = vt_bitmap_dup(avoid);
    char *params = NULL;
    struct vt_err err;

    if (list) {
        vt_bitmap_clear(list, 0);
        if (vt_bitmap_iszero(list) ||
            vt_irq_isolation_params(vt_irq_prediction_possible(p), list, &params, &err) < 0)
            params = NULL;
    }
    cli_line(stderr,
             "vtopo irq: warning: managed vectors reach isolated or nohz_full CPUs %s; %s%s%s "
             "(best effort: a vector whose CPUs are all isolated stays there)",
             h_list, params ? "booting with " : "", params ? params : "",
             params ? " keeps them off where their mask has another online CPU"
                    : "no boot option keeps them off CPU 0, the boot CPU");
    vt_bitmap_free(list);
    free(params);
}

/* boot: the isolation's kernel parameters when q->isolated is set. */
static int print_prediction(const struct vt_irq_prediction *p, const struct vt_irq_request *q,
                            const struct vt_host *h, bool guest, const char *boot, int dev_node,
                            const char *dev_bdf, bool json, bool quiet)
{
    const struct vt_host_cpus *hc = guest || q->isolated ? NULL : vt_host_cpus(h);
    struct vt_bitmap *avoid = vt_bitmap_new(), *hit = vt_bitmap_new();
    size_t n = vt_irq_prediction_count(p), managed = 0, on_node = 0, kept_off = 0;
    char *poss = list_of(vt_irq_prediction_possible(p));
    char *pres = list_of(vt_irq_prediction_present(p));

    if (!avoid || !hit || !poss || !pres) {
        vt_bitmap_free(avoid);
        vt_bitmap_free(hit);
        free(poss);
        free(pres);
        cli_error("irq", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    if (hc) {
        vt_bitmap_or(avoid, hc->isolated);
        vt_bitmap_or(avoid, hc->nohz_full);
    }
    if (q->isolated)
        vt_bitmap_or(avoid, q->isolated);
    if (json)
        printf("{\n  \"possible\": \"%s\",\n  \"present\": \"%s\",\n  \"vectors\": [\n", poss,
               pres);
    else
        printf("irq predict: %u vector%s (%u pre, %u post), %s: possible CPUs %s, present %s\n"
               "  vector  managed  cpus                  nodes%s\n",
               q->vectors, cli_s(q->vectors), q->pre, q->post,
               guest ? "in the guest" : "on the host", poss, pres,
               q->isolated ? "      fires" : "");
    for (size_t i = 0; i < n; i++) {
        const struct vt_irq_vector *v = vt_irq_prediction_vector(p, i);
        char *cpus = list_of(v->cpus), *nodes = nodes_of(p, v->cpus), *fires = list_of(v->fires);
        bool reaches = false;

        for (int c = vt_bitmap_first(v->cpus); dev_node >= 0 && c >= 0;
             c = vt_bitmap_next(v->cpus, c))
            reaches |= vt_irq_prediction_node(p, (unsigned)c) == dev_node;
        if (v->managed) {
            managed++;
            on_node += reaches;
            /* Under the isolation: where it fires; else its mask. */
            if (vt_bitmap_intersects(q->isolated ? v->fires : v->cpus, avoid))
                vt_bitmap_or(hit, q->isolated ? v->fires : v->cpus);
            kept_off += q->isolated && vt_bitmap_intersects(v->cpus, avoid) &&
                        !vt_bitmap_intersects(v->fires, avoid);
        }
        if (json)
            printf("    {\"vector\": %u, \"managed\": %s, \"cpus\": \"%s\", \"nodes\": \"%s\", "
                   "\"fires\": \"%s\"}%s\n",
                   v->index, v->managed ? "true" : "false", cpus, nodes ? nodes : "?", fires,
                   i + 1 < n ? "," : "");
        else if (q->isolated)
            printf("  %6u  %-7s  %-20s  %-9s  %s\n", v->index, v->managed ? "yes" : "no", cpus,
                   nodes ? nodes : "?", *fires ? fires : "(none)");
        else
            printf("  %6u  %-7s  %-20s  %s\n", v->index, v->managed ? "yes" : "no", cpus,
                   nodes ? nodes : "?");
        free(cpus);
        free(nodes);
        free(fires);
    }
    vt_bitmap_and(hit, avoid);
    if (json) {
        char *h_list = list_of(hit);

        printf("  ],\n  \"managed\": %zu,\n  \"isolated_reached\": \"%s\"", managed, h_list);
        if (boot)
            printf(",\n  \"boot_options\": \"%s\",\n  \"kept_off\": %zu", boot, kept_off);
        if (dev_bdf)
            printf(",\n  \"device\": {\"bdf\": \"%s\", \"node\": %d, \"managed_on_node\": %zu}",
                   dev_bdf, dev_node, on_node);
        printf("\n}\n");
        free(h_list);
    } else {
        if (dev_bdf && dev_node >= 0)
            printf("device %s is on node %d: %zu of %zu managed vector%s reach a CPU of it "
                   "(the kernel spreads managed vectors over every node, whatever the "
                   "device's)\n",
                   dev_bdf, dev_node, on_node, managed, cli_s(managed));
        else if (dev_bdf)
            printf("device %s has no node (numa_node -1)\n", dev_bdf);
        if (boot)
            cli_line(stdout,
                     "booted with %s: %zu managed vector%s whose mask holds an isolated CPU "
                     "fire%s on a housekeeping CPU of it instead",
                     boot, kept_off, cli_s(kept_off), kept_off == 1 ? "s" : "");
        if (!vt_bitmap_iszero(hit) && !quiet) {
            char *h_list = list_of(hit), *a_list = list_of(avoid);

            if (boot)
                cli_line(stderr,
                         "vtopo irq: warning: managed vectors still fire on isolated CPUs %s: "
                         "their masks have no present housekeeping CPU (best effort: only I/O "
                         "submitted on those CPUs uses them)",
                         h_list);
            else
                warn_isolated(p, avoid, h_list);
            free(h_list);
            free(a_list);
        }
    }
    vt_bitmap_free(avoid);
    vt_bitmap_free(hit);
    free(poss);
    free(pres);
    return VT_EXIT_OK;
}

/* --sets LIST: sizes, each 1 or more. */
static int parse_sets(const char *text, unsigned *sets, size_t *n)
{
    char *copy = strdup(text), *save = NULL, *tok;
    int rc = 0;

    *n = 0;
    if (!copy)
        return -ENOMEM;
    for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
        unsigned v;

        if (*n == 64 || cli_parse_uint(tok, VT_IRQ_MAX_VECTORS, &v) < 0 || !v)
            rc = -EINVAL;
        else
            sets[(*n)++] = v;
    }
    if (!*n || text[strlen(text) - 1] == ',' || strstr(text, ",,"))
        rc = -EINVAL;
    free(copy);
    return rc;
}

static int irq_predict(int argc, char **argv)
{
    /* --device is irq's own (the device reported), ahead of the plan's
     * --device (getopt_long takes the first match): a guest's devices come
     * with its plan directory. */
    static const struct option longopts[] = {
        {"device", required_argument, NULL, OPT_IRQ_DEVICE},
        CLI_HOST_LONG_OPTIONS,
        CLI_PLAN_LONG_OPTIONS,
        {"vectors", required_argument, NULL, OPT_VECTORS},
        {"pre", required_argument, NULL, OPT_PRE},
        {"post", required_argument, NULL, OPT_POST},
        {"sets", required_argument, NULL, OPT_SETS},
        {"possible-cpus", required_argument, NULL, OPT_POSSIBLE},
        {"isolcpus", required_argument, NULL, OPT_ISOLCPUS},
        {"json", no_argument, NULL, OPT_IRQ_JSON},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    struct vt_request *r = cli_request_new();
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    struct vt_irq_prediction *p = NULL;
    struct vt_irq_request q = {0};
    unsigned sets[64], possible = 0;
    const char *dev = NULL, *isolcpus = NULL;
    struct vt_bitmap *iso = NULL, *rest = NULL;
    char *boot = NULL;
    bool json = false, have_vectors = false, guest, known;
    struct vt_err err;
    int opt, rc = VT_EXIT_OK, dev_node = -1;

    if (!r) {
        cli_error("irq", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    opterr = 0;
    optind = 2;
    while ((opt = cli_plan_getopt("irq", argc, argv, longopts, &ho, r, &rc)) != -1) {
        unsigned *u = opt == OPT_VECTORS ? &q.vectors
                      : opt == OPT_PRE   ? &q.pre
                      : opt == OPT_POST  ? &q.post
                                         : &possible;

        if (opt == CLI_OPT_FAILED)
            goto out;
        switch (opt) {
        case OPT_VECTORS:
        case OPT_PRE:
        case OPT_POST:
        case OPT_POSSIBLE:
            if (cli_parse_uint(optarg, opt == OPT_POSSIBLE ? VT_MAX_VCPUS : VT_IRQ_MAX_VECTORS, u) <
                    0 ||
                (opt == OPT_VECTORS && !*u)) {
                rc = cli_usage_error("irq", "--%s %s: must be a number from %d to %d",
                                     opt == OPT_VECTORS ? "vectors"
                                     : opt == OPT_PRE   ? "pre"
                                     : opt == OPT_POST  ? "post"
                                                        : "possible-cpus",
                                     optarg, opt == OPT_VECTORS ? 1 : 0,
                                     opt == OPT_POSSIBLE ? VT_MAX_VCPUS : VT_IRQ_MAX_VECTORS);
                goto out;
            }
            have_vectors |= opt == OPT_VECTORS;
            break;
        case OPT_SETS:
            if (parse_sets(optarg, sets, &q.nsets) < 0) {
                rc = cli_usage_error("irq",
                                     "--sets %s: set sizes 1 to %d, comma separated, at "
                                     "most 64",
                                     optarg, VT_IRQ_MAX_VECTORS);
                goto out;
            }
            q.sets = sets;
            break;
        case OPT_IRQ_DEVICE:
            dev = optarg;
            break;
        case OPT_ISOLCPUS:
            isolcpus = optarg;
            break;
        case OPT_IRQ_JSON:
            json = true;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            predict_usage(stdout);
            goto out;
        default:
            rc = cli_bad_option("irq", opt, argv);
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error("irq", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (!have_vectors) {
        rc = cli_usage_error("irq", "predict needs --vectors N");
        goto out;
    }
    /* A guest when a plan is named (a directory, or the plan's options). */
    guest = ho.plan_dir || ho.given;
    if (!guest && possible) {
        rc = cli_usage_error("irq", "--possible-cpus is a guest's kernel parameter: give a plan");
        goto out;
    }
    if (guest ? (rc = cli_plan_layout("irq", &ho, r, &h, &l)) != VT_EXIT_OK
              : (rc = cli_load_host("irq", &ho, &h)) != VT_EXIT_OK)
        goto out;
    if (dev) {
        char bdf[VT_BDF_TEXT_MAX];

        if ((rc = irq_parse_bdf("irq", "--device", dev, bdf)) != VT_EXIT_OK)
            goto out;
        dev_node = device_node(h, l, bdf, &known);
        if (!known) {
            rc = cli_usage_error("irq", "--device %s: %s", dev,
                                 guest ? "not a device of the plan (its host or guest address)"
                                       : "the host has no such PCI device ('vtopo host' lists "
                                         "them)");
            goto out;
        }
    }
    /* As booted with isolcpus=managed_irq,domain,LIST irqaffinity=REST. */
    if (isolcpus) {
        if ((rc = cli_isolcpus("irq", isolcpus, l, h, &iso, &rest, &boot)) != VT_EXIT_OK)
            goto out;
        q.isolated = iso;
        q.default_cpus = rest;
    }
    if ((guest ? vt_irq_predict_layout(l, possible, &q, &p, &err)
               : vt_irq_predict_host(h, &q, &p, &err)) < 0) {
        rc = cli_fail("irq", &err);
        goto out;
    }
    rc = print_prediction(p, &q, h, guest, boot, dev_node, dev, json, ho.quiet);
    if (rc == VT_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_error("irq", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
out:
    vt_irq_prediction_free(p);
    vt_bitmap_free(iso);
    vt_bitmap_free(rest);
    free(boot);
    vt_layout_free(l);
    vt_host_free(h);
    vt_request_free(r);
    return rc;
}

int cmd_irq(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            cmd_irq_usage(stdout);
            return VT_EXIT_OK;
        }
        return cli_usage_error("irq",
                               "missing the subcommand (show, predict, plan, apply, restore)");
    }
    if (!strcmp(argv[1], "predict"))
        return irq_predict(argc, argv);
    if (!strcmp(argv[1], "show"))
        return cmd_irq_show(argc, argv);
    if (!strcmp(argv[1], "plan"))
        return cmd_irq_plan(argc, argv);
    if (!strcmp(argv[1], "apply") || !strcmp(argv[1], "restore"))
        return cmd_irq_apply(argc, argv);
    return cli_usage_error("irq", "unknown subcommand '%s' (show, predict, plan, apply, restore)",
                           argv[1]);
}

int irq_parse_bdf(const char *cmd, const char *option, const char *text, char *out)
{
    if (vt_bdf_normalize(text, out) < 0)
        return cli_usage_error(cmd, "%s %s: not a PCI address (such as 0000:3b:00.0)", option,
                               text);
    return VT_EXIT_OK;
}
