/* vtopo draw host|plan: pictures of a host, or of a plan beside the host
 * nodes that back it, as terminal text or SVG (vt_draw_host, vt_draw_plan;
 * docs/draw.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cmd_draw_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo draw host [host options] [--svg | --ascii] [--out FILE]\n"
            "       vtopo draw plan [plan options | --plan DIR] [--svg | --ascii] [--out FILE]\n"
            "\n"
            "Draw a host (each node's packages, cores and SMT threads, each CPU online,\n"
            "offline, isolated, nohz_full or housekeeping; its devices; the distances) or a\n"
            "plan (its vnodes with guest PXM, Linux node, memory, vCPUs and their APIC IDs,\n"
            "devices, beside the host nodes that back them, with the vnode-to-node links and\n"
            "the vCPUs' pins; the guest-physical memory map; the plan's warnings).\n"
            "\n"
            "  --svg                 an SVG document (self-contained; the same bytes for the\n"
            "                        same input) instead of terminal text\n"
            "  --ascii               terminal text in plain ASCII instead of box drawing\n"
            "  --out FILE            write it to FILE (atomically) instead of stdout\n"
            "  -q, --quiet           do not print the plan's or host's warnings on stderr\n"
            "  -h, --help            show this help\n"
            "\n"
            "Terminal text fits 80 columns. Host options as for 'vtopo host', plan options\n"
            "as for 'vtopo plan'.\n"
            "\n"
            "Exit status: 0 ok, 2 bad usage or input, 3 system error.\n");
}

enum {
    OPT_DRAW_SVG = OPT_PLAN_LAST + 1,
    OPT_DRAW_ASCII,
    OPT_DRAW_OUT,
};

int cmd_draw(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        CLI_PLAN_LONG_OPTIONS,
        {"svg", no_argument, NULL, OPT_DRAW_SVG},
        {"ascii", no_argument, NULL, OPT_DRAW_ASCII},
        {"out", required_argument, NULL, OPT_DRAW_OUT},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli_host_opts ho = {0};
    struct vt_request *r = NULL;
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    enum vt_draw_format f = VT_DRAW_TEXT;
    const char *out = NULL, *what;
    bool svg = false, ascii = false, plan;
    char *text = NULL;
    struct vt_err err;
    int opt, rc = VT_EXIT_OK;

    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
            cmd_draw_usage(stdout);
            return VT_EXIT_OK;
        }
        return cli_usage_error("draw", "missing what to draw (host or plan)");
    }
    what = argv[1];
    if (strcmp(what, "host") != 0 && strcmp(what, "plan") != 0)
        return cli_usage_error("draw", "cannot draw '%s' (host or plan)", what);
    plan = !strcmp(what, "plan");
    if (!(r = cli_request_new())) {
        cli_error("draw", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    opterr = 0;
    optind = 2;
    while ((opt = cli_plan_getopt("draw", argc, argv, longopts, &ho, r, &rc)) != -1) {
        if (opt == CLI_OPT_FAILED)
            goto done;
        switch (opt) {
        case OPT_DRAW_SVG:
            svg = true;
            break;
        case OPT_DRAW_ASCII:
            ascii = true;
            break;
        case OPT_DRAW_OUT:
            out = optarg;
            break;
        case 'q':
            ho.quiet = true;
            break;
        case 'h':
            cmd_draw_usage(stdout);
            goto done;
        default:
            rc = cli_bad_option("draw", opt, argv);
            goto done;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error("draw", "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if (svg && ascii) {
        rc = cli_usage_error("draw", "--svg and --ascii: give one");
        goto done;
    }
    if (out && !*out) {
        rc = cli_usage_error("draw", "--out: an empty file name");
        goto done;
    }
    if (!plan && ho.any_host) {
        rc = cli_usage_error("draw", "--any-host goes with 'vtopo draw plan --plan DIR'");
        goto done;
    }
    if (!plan && (ho.given || ho.plan_dir)) {
        rc = cli_usage_error("draw", "--%s is a plan option: 'vtopo draw plan' takes it",
                             ho.plan_dir ? "plan" : ho.planning_option);
        goto done;
    }
    f = svg ? VT_DRAW_SVG : ascii ? VT_DRAW_ASCII : VT_DRAW_TEXT;
    if (plan ? (rc = cli_plan_layout("draw", &ho, r, &h, &l)) != VT_EXIT_OK
             : (rc = cli_load_host("draw", &ho, &h)) != VT_EXIT_OK)
        goto done;
    if ((plan ? vt_draw_plan(l, h, f, &text, &err) : vt_draw_host(h, f, &text, &err)) < 0) {
        rc = cli_fail("draw", &err);
        goto done;
    }
    if (out) {
        if (vt_write_file_atomic(out, text, strlen(text), &err) < 0)
            rc = cli_fail("draw", &err);
    } else if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
        cli_error("draw", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
done:
    free(text);
    vt_layout_free(l);
    vt_host_free(h);
    vt_request_free(r);
    return rc;
}
