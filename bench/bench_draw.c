/* bench_draw: the pictures of the largest plans, in-process: 8,192 vCPUs on
 * the 64 vnodes of a 64-node synthetic host (128 CPUs a node), contiguous,
 * interleaved and at random, drawn as SVG and as terminal text, against
 * planning the contiguous one (vt_plan) in the same run; and the SVG's
 * size.
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

/* The plans drawn: vCPU i pinned to CPU i (contiguous runs); pinned to
 * CPU (i % 64) * 128 + i / 64, so vnode k has vCPUs k, k + 64, ...
 * (interleaved: runs with a step); on vnode rand() % 64 (srand(1): the
 * runs cut at 64 a box). */
enum kind { CONTIGUOUS, INTERLEAVED, RANDOM, NKINDS };
static const char *const kind_name[] = {"contiguous", "interleaved", "random"};

static int plan(const struct vt_host *h, enum kind k, struct vt_layout **l)
{
    static int map[8192];
    struct vt_request *r = vt_request_new();
    struct vt_err err = {0};
    int rc = -1;

    srand(1);
    for (int i = 0; i < 8192; i++)
        map[i] = k == INTERLEAVED ? (i % 64) * 128 + i / 64 : rand() % 64;
    if (r && vt_request_set_vcpus(r, 8192, &err) == 0 &&
        vt_request_set_memory(r, (uint64_t)64 << 30, &err) == 0 &&
        vt_request_parse_apic(r, "xen", &err) == 0 &&
        (k == CONTIGUOUS    ? vt_request_set_pin_identity(r, &err)
         : k == INTERLEAVED ? vt_request_set_pins(r, map, 8192, &err)
                            : vt_request_set_vcpu_vnodes(r, map, 8192, &err)) == 0 &&
        vt_plan(h, r, l, &err) == 0)
        rc = 0;
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
    size_t reps = 51;
    struct vt_host *h = NULL;
    double *tp, *ts, *tt, mp;
    struct vt_err err;
    int opt;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (opt != 'r' || bench_parse_count("--reps", optarg, &reps) < 0)
            return 2;
    bench_print_machine();
    tp = calloc(reps, sizeof(*tp));
    ts = calloc(reps, sizeof(*ts));
    tt = calloc(reps, sizeof(*tt));
    if (!tp || !ts || !tt || vt_host_load(&src, &h, &err) < 0)
        return 1;
    /* The baseline: planning the contiguous request. */
    for (size_t i = 0; i < reps; i++) {
        struct vt_layout *again = NULL;
        double t0 = bench_now();

        if (plan(h, CONTIGUOUS, &again) < 0)
            return 1;
        tp[i] = bench_now() - t0;
        vt_layout_free(again);
    }
    mp = bench_median(tp, reps);
    printf("draw: plans of 8192 vCPUs on 64 vnodes (medians of %zu)\n", reps);
    printf("  vt_plan, contiguous (baseline) %9.2f ms\n", mp * 1e3);
    for (enum kind k = 0; k < NKINDS; k++) {
        struct vt_layout *l = NULL;
        size_t svg_bytes = 0;
        double ms, mt;

        if (plan(h, k, &l) < 0)
            return 1;
        for (size_t i = 0; i < reps; i++) {
            char *svg = NULL, *text = NULL;
            double t0 = bench_now();

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
        ms = bench_median(ts, reps);
        mt = bench_median(tt, reps);
        printf("  %s:\n", kind_name[k]);
        printf("    vt_draw_plan, SVG            %9.2f ms  (%.2fx the plan; %s the 50 ms "
               "requirement)\n",
               ms * 1e3, ms / mp, ms < 50e-3 ? "meets" : "does NOT meet");
        printf("    vt_draw_plan, text           %9.2f ms  (%.2fx the plan)\n", mt * 1e3, mt / mp);
        printf("    SVG size                     %9zu bytes (%s the 1 MiB requirement)\n",
               svg_bytes, svg_bytes < (1u << 20) ? "meets" : "does NOT meet");
        vt_layout_free(l);
    }
    free(tp);
    free(ts);
    free(tt);
    vt_host_free(h);
    return 0;
}
