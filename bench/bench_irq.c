/* bench_irq: the interrupt planner on a synthetic host of 1,024 CPUs (8
 * nodes of 64 cores x 2 threads, 8 CPUs of each node isolated) with 4,096
 * device vectors (64 devices of 64 vectors, 56 on the nodes, 8 of unknown
 * node), in-process: vt_irq_plan_make against a baseline in the same run (a
 * naive round-robin assignment of the same vectors: the cost of touching
 * each once), then an incremental re-plan after one CPU is isolated, and
 * single events in place (vt_irq_plan_event: a CPU isolated, a device
 * removed, a device added). And the
 * quality of three placements of the same vectors: vtopo's, the kernel's
 * default (each vector's mask is its node's online CPUs, or all of them for
 * an unknown node, and x86's vector matrix picks the CPU of the mask with
 * the fewest vectors, matrix_find_best_cpu; isolation ignored) and a naive
 * round-robin over all online CPUs (mlnx-tools' set_irq_affinity.sh): the
 * pile-up factor (most vectors on one CPU / the ideal, vectors / usable
 * CPUs), vectors on isolated CPUs and vectors off their device's node.
 * Prints medians and ratios; exits non-zero only when something fails to
 * run, never because of a figure (results: docs/PERFORMANCE.md). */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "vtopo/host.h"
#include "vtopo/irq.h"

#define NODES   8
#define CPUS    1024
#define DEVICES 64
#define VECTORS 64

struct quality {
    unsigned most;
    double factor;
    size_t isolated, off_node;
};

static void rate(const struct vt_host *h, const int *cpu_of, const int *node_of, size_t n,
                 struct quality *q)
{
    unsigned load[CPUS] = {0};
    const struct vt_host_cpus *hc = vt_host_cpus(h);

    memset(q, 0, sizeof(*q));
    for (size_t i = 0; i < n; i++) {
        load[cpu_of[i]]++;
        q->isolated += vt_bitmap_isset(hc->isolated, (unsigned)cpu_of[i]);
        q->off_node += node_of[i] >= 0 && vt_host_cpu_pnode(h, (unsigned)cpu_of[i]) != node_of[i];
    }
    for (unsigned c = 0; c < CPUS; c++)
        q->most = load[c] > q->most ? load[c] : q->most;
    q->factor = q->most / ((double)n / vt_bitmap_weight(hc->housekeeping));
}

/* The kernel's default: the least loaded CPU of the node's online CPUs. */
static void kernel_default(const struct vt_host *h, const int *node_of, size_t n, int *cpu_of)
{
    unsigned load[CPUS] = {0};
    const struct vt_bitmap *online = vt_host_cpus(h)->online;

    for (size_t i = 0; i < n; i++) {
        int best = -1;

        for (int c = vt_bitmap_first(online); c >= 0; c = vt_bitmap_next(online, c))
            if ((node_of[i] < 0 || vt_host_cpu_pnode(h, (unsigned)c) == node_of[i]) &&
                (best < 0 || load[c] < load[best]))
                best = c;
        cpu_of[i] = best;
        load[best]++;
    }
}

static void round_robin(size_t n, int *cpu_of)
{
    for (size_t i = 0; i < n; i++)
        cpu_of[i] = (int)(i % CPUS);
}

/* A plan of (h, s) (previous prev, host fingerprint fp) made reps times:
 * the median time of the make or, with e, of the event e in place on each
 * plan (vt_irq_plan_event), the host and state after it being (h2, s2),
 * fingerprint fp2. */
static double time_plan(const struct vt_host *h, const struct vt_irq_state *s,
                        const struct vt_irq_plan *prev, const char *fp,
                        const struct vt_irq_event *e, const struct vt_host *h2,
                        const struct vt_irq_state *s2, const char *fp2, size_t reps)
{
    double *t = calloc(reps, sizeof(*t)), med;
    struct vt_irq_plan_options o = {NULL, prev, false, fp};
    struct vt_err err;

    for (size_t i = 0; t && i < reps; i++) {
        struct vt_irq_plan *p = NULL;
        double t0 = bench_now();

        if (vt_irq_plan_make(h, s, &o, &p, &err) < 0 ||
            (e && ((t0 = bench_now()), vt_irq_plan_event(p, h2, s2, e, fp2, &err) < 0))) {
            fprintf(stderr, "bench_irq: %s\n", err.msg);
            vt_irq_plan_free(p);
            free(t);
            return -1;
        }
        t[i] = bench_now() - t0;
        vt_irq_plan_free(p);
    }
    med = t ? bench_median(t, reps) : -1;
    free(t);
    return med;
}

/* The bench's host (skip: a device index left out, or -1). */
static int load_host(const char *extra_isolated, int skip, struct vt_host **h,
                     struct vt_irq_state **s)
{
    char spec[8192], iso[512];
    struct vt_host_source src = {VT_HOST_SYNTHETIC, spec, NULL, true};
    struct vt_err err;
    size_t n = 0, k = 0;

    for (unsigned node = 0; node < NODES; node++)
        k += (size_t)snprintf(iso + k, sizeof(iso) - k, "%s%u-%u", node ? "," : "",
                              node * (CPUS / NODES) + 56, node * (CPUS / NODES) + 63);
    n = (size_t)snprintf(
        spec, sizeof(spec), "sockets=%d,cores=%d,threads=2,isolated=%s%s%s,devices=", NODES,
        CPUS / NODES / 2, iso, extra_isolated ? "," : "", extra_isolated ? extra_isolated : "");
    for (unsigned d = 0; d < DEVICES; d++) {
        if ((int)d == skip)
            continue;
        if (d % 8 == 7)
            n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%snvme@none:%d",
                                  spec[n - 1] == '=' ? "" : ",", VECTORS);
        else
            n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%snvme@%u:%d",
                                  spec[n - 1] == '=' ? "" : ",", d % NODES, VECTORS);
    }
    if (vt_host_load(&src, h, &err) < 0 || vt_irq_state_read(*h, s, &err) < 0) {
        fprintf(stderr, "bench_irq: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"reps", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    size_t reps = 101, n;
    struct vt_host *h = NULL, *h2 = NULL, *h3 = NULL;
    struct vt_irq_state *s = NULL, *s2 = NULL, *s3 = NULL;
    struct vt_irq_plan *p = NULL;
    struct vt_irq_plan_options o = {0};
    struct vt_err err;
    int *cpu_of, *node_of, opt;
    double t_plan, t_plan_fp, t_rr, t_inc, t_ev_cpu, t_ev_rm, t_ev_add, *tr;
    char fp[VT_HOST_FINGERPRINT_LEN + 1], fp2[VT_HOST_FINGERPRINT_LEN + 1],
        fp3[VT_HOST_FINGERPRINT_LEN + 1], gone[32];
    struct vt_irq_event ev_cpu = {VT_IRQ_EVENT_CPU_CHANGED, NULL, 0};
    struct vt_irq_event ev_rm = {VT_IRQ_EVENT_DEVICE_REMOVED, gone, 0};
    struct vt_irq_event ev_add = {VT_IRQ_EVENT_DEVICE_ADDED, gone, 0};
    struct quality qv, qk, qr;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (opt != 'r' || bench_parse_count("--reps", optarg, &reps) < 0)
            return 2;
    bench_print_machine();
    /* The events: CPU 0 of node 0 isolated too; the last device (of
     * unknown node: the others keep their addresses) removed, or added. */
    if (load_host(NULL, -1, &h, &s) < 0 || load_host("0", -1, &h2, &s2) < 0 ||
        load_host(NULL, DEVICES - 1, &h3, &s3) < 0 || vt_irq_plan_make(h, s, &o, &p, &err) < 0) {
        fprintf(stderr, "bench_irq: setup failed\n");
        return 1;
    }
    n = vt_irq_plan_count(p);
    cpu_of = calloc(n, sizeof(*cpu_of));
    node_of = calloc(n, sizeof(*node_of));
    tr = calloc(reps, sizeof(*tr));
    if (!cpu_of || !node_of || !tr || n != DEVICES * VECTORS)
        return 1;
    for (size_t i = 0; i < n; i++) {
        cpu_of[i] = vt_irq_plan_vector(p, i)->cpu;
        node_of[i] = vt_irq_plan_vector(p, i)->node;
    }
    rate(h, cpu_of, node_of, n, &qv);
    kernel_default(h, node_of, n, cpu_of);
    rate(h, cpu_of, node_of, n, &qk);
    round_robin(n, cpu_of);
    rate(h, cpu_of, node_of, n, &qr);
    if (vt_host_fingerprint(h, fp, &err) < 0 || vt_host_fingerprint(h2, fp2, &err) < 0 ||
        vt_host_fingerprint(h3, fp3, &err) < 0)
        return 1;
    snprintf(gone, sizeof(gone), "%s",
             vt_irq_state_vector(s, vt_irq_state_vector_count(s) - 1)->bdf);
    t_plan = time_plan(h, s, NULL, fp, NULL, NULL, NULL, NULL, reps);
    t_plan_fp = time_plan(h, s, NULL, NULL, NULL, NULL, NULL, NULL, reps);
    for (size_t r = 0; r < reps; r++) {
        double t0 = bench_now();

        round_robin(n, cpu_of);
        __asm__ volatile("" : : "r"(cpu_of) : "memory");
        tr[r] = bench_now() - t0;
    }
    t_rr = bench_median(tr, reps);
    t_inc = time_plan(h2, s2, p, fp2, NULL, NULL, NULL, NULL, reps);
    t_ev_cpu = time_plan(h, s, NULL, fp, &ev_cpu, h2, s2, fp2, reps);
    t_ev_rm = time_plan(h, s, NULL, fp, &ev_rm, h3, s3, fp3, reps);
    t_ev_add = time_plan(h3, s3, NULL, fp3, &ev_add, h, s, fp, reps);
    if (t_plan < 0 || t_plan_fp < 0 || t_inc < 0 || t_ev_cpu < 0 || t_ev_rm < 0 || t_ev_add < 0)
        return 1;
    printf("irq plan: %zu vectors of %d devices over %d CPUs, %d nodes (medians of %zu)\n", n,
           DEVICES, CPUS, NODES, reps);
    printf("  vt_irq_plan_make (host fingerprint given) %9.1f us  (%s the 1 ms requirement)\n",
           t_plan * 1e6, t_plan < 1e-3 ? "meets" : "does NOT meet");
    printf("  the same, computing the host's fingerprint %6.1f us\n", t_plan_fp * 1e6);
    printf("  round-robin of the vectors  %9.1f us  (the plan is %.0fx it)\n", t_rr * 1e6,
           t_plan / t_rr);
    printf("  re-plan with --previous, one CPU isolated %6.1f us  (%.2fx the plan)\n", t_inc * 1e6,
           t_inc / t_plan);
    printf("  one event in place (vt_irq_plan_event), against the 50 us requirement:\n");
    printf("    a CPU isolated      %7.1f us  (%s; %.3fx the plan)\n", t_ev_cpu * 1e6,
           t_ev_cpu < 50e-6 ? "meets" : "does NOT meet", t_ev_cpu / t_plan);
    printf("    a device removed    %7.1f us  (%s; %.3fx the plan)\n", t_ev_rm * 1e6,
           t_ev_rm < 50e-6 ? "meets" : "does NOT meet", t_ev_rm / t_plan);
    printf("    a device added      %7.1f us  (%s; %.3fx the plan)\n", t_ev_add * 1e6,
           t_ev_add < 50e-6 ? "meets" : "does NOT meet", t_ev_add / t_plan);
    printf("placement quality (ideal %.2f vectors per housekeeping CPU):\n",
           (double)n / vt_bitmap_weight(vt_host_cpus(h)->housekeeping));
    printf("  %-24s pile-up %5.2f (most %3u)  on isolated CPUs %5zu  off-node %5zu\n", "vtopo",
           qv.factor, qv.most, qv.isolated, qv.off_node);
    printf("  %-24s pile-up %5.2f (most %3u)  on isolated CPUs %5zu  off-node %5zu\n",
           "kernel default", qk.factor, qk.most, qk.isolated, qk.off_node);
    printf("  %-24s pile-up %5.2f (most %3u)  on isolated CPUs %5zu  off-node %5zu\n",
           "round-robin", qr.factor, qr.most, qr.isolated, qr.off_node);
    free(cpu_of);
    free(node_of);
    free(tr);
    vt_irq_plan_free(p);
    vt_irq_state_free(s);
    vt_irq_state_free(s2);
    vt_irq_state_free(s3);
    vt_host_free(h);
    vt_host_free(h2);
    vt_host_free(h3);
    return 0;
}
