/* bench_draw: the pictures of the largest plan, in-process: 8,192 vCPUs
 * pinned one to one on the 64 vnodes of a 64-node synthetic host (128 CPUs a
 * node), drawn as SVG and as terminal text, against the plan itself
 * (vt_plan of the same request) in the same run; and the SVG's size.
 * Prints medians and ratios; exits non-zero only when something fails to
 * run, never because of a figure (results: docs/PERFORMANCE.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "vtopo/draw.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

static int plan(const struct vt_host *h, struct vt_layout **l)
{
    struct vt_request *r = vt_request_new();
    struct vt_err err;
    int rc = r && vt_request_set_vcpus(r, 8192, &err) == 0 &&
                     vt_request_set_memory(r, (uint64_t)64 << 30, &err) == 0 &&
                     vt_request_set_pin_identity(r, &err) == 0 &&
                     vt_request_parse_apic(r, "xen", &err) == 0 && vt_plan(h, r, l, &err) == 0
                 ? 0
                 : -1;

    if (rc < 0)
        fprintf(stderr, "bench_draw: %s\n", err.msg);
    vt_request_free(r);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"reps", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    struct vt_host_source src = {
        VT_HOST_SYNTHETIC, "sockets=8,nodes-per-socket=8,cores=512,threads=2,mem=4T", NULL, true};
    size_t reps = 51, svg_bytes = 0;
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    double *tp, *ts, *tt, mp, ms, mt;
    struct vt_err err;
    int opt;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (opt != 'r' || bench_parse_count("--reps", optarg, &reps) < 0)
            return 2;
    bench_print_machine();
    tp = calloc(reps, sizeof(*tp));
    ts = calloc(reps, sizeof(*ts));
    tt = calloc(reps, sizeof(*tt));
    if (!tp || !ts || !tt || vt_host_load(&src, &h, &err) < 0 || plan(h, &l) < 0)
        return 1;
    for (size_t i = 0; i < reps; i++) {
        struct vt_layout *again = NULL;
        char *svg = NULL, *text = NULL;
        double t0 = bench_now();

        if (plan(h, &again) < 0)
            return 1;
        tp[i] = bench_now() - t0;
        vt_layout_free(again);
        t0 = bench_now();
        if (vt_draw_plan(l, h, VT_DRAW_SVG, &svg, &err) < 0)
            return 1;
        ts[i] = bench_now() - t0;
        t0 = bench_now();
        if (vt_draw_plan(l, h, VT_DRAW_TEXT, &text, &err) < 0)
            return 1;
        tt[i] = bench_now() - t0;
        svg_bytes = strlen(svg);
        free(svg);
        free(text);
    }
    mp = bench_median(tp, reps);
    ms = bench_median(ts, reps);
    mt = bench_median(tt, reps);
    printf("draw: the plan of 8192 vCPUs on 64 vnodes (medians of %zu)\n", reps);
    printf("  vt_plan of it (baseline)   %9.2f ms\n", mp * 1e3);
    printf("  vt_draw_plan, SVG          %9.2f ms  (%.2fx the plan; %s the 50 ms requirement)\n",
           ms * 1e3, ms / mp, ms < 50e-3 ? "meets" : "does NOT meet");
    printf("  vt_draw_plan, text         %9.2f ms  (%.2fx the plan)\n", mt * 1e3, mt / mp);
    printf("  SVG size                   %9zu bytes (%s the 1 MiB requirement)\n", svg_bytes,
           svg_bytes < (1u << 20) ? "meets" : "does NOT meet");
    free(tp);
    free(ts);
    free(tt);
    vt_layout_free(l);
    vt_host_free(h);
    return 0;
}
