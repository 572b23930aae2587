/* bench_place: vtopo's placement against two baselines on the same guests.
 *
 * Quality: --sequences seeded random arrival and departure sequences, each
 * on a random synthetic host (2 to 8 nodes, SMT on and off, huge page
 * pools some of the time), fed to three states at once: vtopo's policy,
 * libxl's automatic NUMA placement (fewest nodes, then the least vCPU load,
 * then the most free memory; memory striped, no vNUMA) and a Nova-style
 * first fit (one node unless asked, the first that fits in node order),
 * both as their documentation describes them (VT_PLACE_LIBXL,
 * VT_PLACE_FIRST_FIT). Every strategy holds CPUs, memory and huge pages the
 * same way, so the comparison is of the choice of nodes. Per strategy: the
 * guests placed before the first refusal, the guest memory on a node other
 * than its vCPUs', the nodes per guest; and every state read back through
 * vt_place_state_parse (which refuses a CPU held twice) at each sequence's
 * end. Speed: one placement on a 64-node, 8,192-CPU host with 1,000 guests
 * placed (medians of --reps, each placed and released), against reading
 * the host's free state (vt_place_node_free of every node) in the same
 * run. Prints; exits non-zero only when something fails to run
 * (docs/PERFORMANCE.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "vtopo/host.h"
#include "vtopo/place.h"

#define NSTRAT 3
static const enum vt_place_strategy strat[NSTRAT] = {VT_PLACE_VTOPO, VT_PLACE_LIBXL,
                                                     VT_PLACE_FIRST_FIT};
static const char *const strat_name[NSTRAT] = {"vtopo", "libxl", "first fit (Nova)"};

struct totals {
    uint64_t placed, remote_bytes, placed_bytes, nodes, wins, losses;
    uint64_t accepted, offered; /* the second measure: arrivals held of those offered */
};

/* Arrivals offered in the second measure, refusals and all. */
#define RATE_ARRIVALS 300

static struct vt_host *load(const char *spec)
{
    struct vt_host_source src = {VT_HOST_SYNTHETIC, spec, NULL, true};
    struct vt_host *h = NULL;
    struct vt_err err;

    if (vt_host_load(&src, &h, &err) < 0)
        fprintf(stderr, "bench_place: %s: %s\n", spec, err.msg);
    return h;
}

/* A random host: its spec into buf; *smt, *huge; a node's CPUs and GiB. */
static void random_host(uint64_t *rng, char *buf, size_t size, bool *smt, bool *huge,
                        unsigned *node_cpus, unsigned *node_gib)
{
    unsigned sockets = 1 + (unsigned)bench_rng_below(rng, 4),
             nps = 1 + (unsigned)bench_rng_below(rng, 2), nodes, cores_node, mem_node;

    if (sockets * nps < 2)
        sockets = 2;
    nodes = sockets * nps;
    if (nodes > 8)
        nps = 1, nodes = sockets;
    cores_node = 4 + 4 * (unsigned)bench_rng_below(rng, 4);
    mem_node = 16u << bench_rng_below(rng, 3);
    *smt = bench_rng_below(rng, 2);
    *huge = bench_rng_below(rng, 3) == 0;
    *node_cpus = cores_node * (*smt ? 2 : 1);
    *node_gib = mem_node;
    snprintf(buf, size,
             "sockets=%u,nodes-per-socket=%u,cores=%u,threads=%u,mem=%uG,distances=10:12:21%s",
             sockets, nps, cores_node * nps, *smt ? 2 : 1, mem_node * nodes,
             *huge ? ",hugepages=1G:4+2M:2048" : "");
}

/* A guest that an empty node of node_cpus CPUs and node_gib GiB holds
 * (mostly a quarter of one, sometimes up to all of it), so a refusal comes
 * from what the others hold, not from its size. */
static void random_guest(uint64_t *rng, struct vt_place_request *r, char *name, unsigned id,
                         bool smt, bool huge, unsigned node_cpus, unsigned node_gib)
{
    unsigned cpus = bench_rng_below(rng, 4) ? node_cpus / 4 : node_cpus,
             gib = bench_rng_below(rng, 4) ? node_gib / 4 : node_gib / 2;

    memset(r, 0, sizeof(*r));
    snprintf(name, 32, "g%u", id);
    r->name = name;
    r->vcpus = 1 + (unsigned)bench_rng_below(rng, cpus ? cpus : 1);
    r->memory_bytes = (1 + bench_rng_below(rng, gib ? gib : 1)) << 30;
    r->cpu_policy = bench_rng_below(rng, 2) ? VT_CPU_DEDICATED : VT_CPU_SHARED;
    if (r->cpu_policy == VT_CPU_DEDICATED && smt)
        r->thread_policy = (enum vt_thread_policy)bench_rng_below(rng, 3);
    if (r->cpu_policy == VT_CPU_DEDICATED && r->thread_policy == VT_THREAD_ISOLATE &&
        r->vcpus > node_cpus / 2)
        r->vcpus = node_cpus / 2 ? node_cpus / 2 : 1; /* a core each */
    if (huge && bench_rng_below(rng, 4) == 0) {
        r->hugepage_bytes = bench_rng_below(rng, 2) ? 1u << 30 : 2u << 20;
        r->memory_bytes = (1 + bench_rng_below(rng, 4)) << 30;
    }
}

/* One sequence: arrivals (and departures, a third of the steps) until
 * every strategy has refused one arrival; or, with rate, RATE_ARRIVALS
 * arrivals whatever is refused (the share held). */
static int sequence(uint64_t seed, bool rate, struct totals *t)
{
    uint64_t rng = seed;
    char spec[160], name[32];
    bool smt, huge, stopped[NSTRAT] = {false};
    unsigned node_cpus, node_gib;
    struct vt_place_state *s[NSTRAT] = {NULL};
    unsigned placed[NSTRAT] = {0}, id = 0;
    struct vt_host *h;
    struct vt_err err;
    int rc = 0;

    random_host(&rng, spec, sizeof(spec), &smt, &huge, &node_cpus, &node_gib);
    if (!(h = load(spec)))
        return -1;
    for (int k = 0; k < NSTRAT; k++)
        if (vt_place_state_new(h, 0, &s[k], &err) < 0)
            rc = -1;
    while (rc == 0 && !(stopped[0] && stopped[1] && stopped[2]) &&
           id < (rate ? RATE_ARRIVALS : 10000)) {
        struct vt_place_request r;

        if (bench_rng_below(&rng, 3) == 0) {
            /* A departure: the oldest guest still placed anywhere. */
            char gone[32];

            snprintf(gone, sizeof(gone), "g%u", (unsigned)bench_rng_below(&rng, id + 1));
            for (int k = 0; k < NSTRAT; k++)
                if (!stopped[k])
                    vt_place_release(s[k], gone, &err);
            continue;
        }
        random_guest(&rng, &r, name, id++, smt, huge, node_cpus, node_gib);
        for (int k = 0; k < NSTRAT; k++) {
            const struct vt_placed_guest *g;
            int prc;

            if (stopped[k])
                continue;
            r.strategy = strat[k];
            prc = vt_place(s[k], &r, &g, &err);
            if (rate) {
                t[k].offered++;
                t[k].accepted += prc == 0;
                if (prc == 0 || prc == -ENOSPC)
                    continue;
            }
            if (prc == 0) {
                placed[k]++;
                t[k].placed++;
                t[k].remote_bytes += g->remote_bytes;
                t[k].placed_bytes += g->memory_bytes;
                t[k].nodes += g->nparts;
            } else if (prc == -ENOSPC) {
                stopped[k] = true;
            } else {
                fprintf(stderr, "bench_place: %s: %s\n", spec, err.msg);
                rc = -1;
            }
        }
    }
    /* Read back: a CPU held twice or a broken state is refused here. */
    for (int k = 0; rc == 0 && k < NSTRAT; k++) {
        struct vt_place_state *back = NULL;
        char *json = NULL;

        if (vt_place_state_to_json(s[k], &json, &err) < 0 ||
            vt_place_state_parse(h, json, strlen(json), strat_name[k], &back, &err) < 0) {
            fprintf(stderr, "bench_place: %s: invariant broken: %s\n", spec, err.msg);
            rc = -1;
        }
        free(json);
        vt_place_state_free(back);
    }
    for (int k = 1; k < NSTRAT && !rate; k++) {
        t[k].wins += placed[0] > placed[k];
        t[k].losses += placed[0] < placed[k];
    }
    for (int k = 0; k < NSTRAT; k++)
        vt_place_state_free(s[k]);
    vt_host_free(h);
    return rc;
}

/* One placement on a 64-node host of 8,192 CPUs with 1,000 guests. */
static int speed(size_t reps)
{
    struct vt_host *h = load("sockets=8,nodes-per-socket=8,cores=512,threads=2,mem=16T");
    struct vt_place_state *s = NULL;
    double *tp = calloc(reps, sizeof(*tp)), *tf = calloc(reps, sizeof(*tf)), mp, mf;
    uint64_t rng = 42;
    struct vt_err err;
    char name[32];
    size_t nn;

    if (!h || !tp || !tf || vt_place_state_new(h, 0, &s, &err) < 0)
        return -1;
    nn = vt_host_node_count(h);
    for (unsigned i = 0; i < 1000; i++) {
        struct vt_place_request r;
        const struct vt_placed_guest *g;

        random_guest(&rng, &r, name, i, true, false, 16, 64);
        if (vt_place(s, &r, &g, &err) < 0) {
            fprintf(stderr, "bench_place: guest %u of 1000: %s\n", i, err.msg);
            return -1;
        }
    }
    for (size_t i = 0; i < reps; i++) {
        struct vt_place_request r;
        const struct vt_placed_guest *g;
        struct vt_place_free f;
        double t0;

        random_guest(&rng, &r, name, 100000 + (unsigned)i, true, false, 16, 64);
        t0 = bench_now();
        if (vt_place(s, &r, &g, &err) < 0) {
            fprintf(stderr, "bench_place: %s\n", err.msg);
            return -1;
        }
        tp[i] = bench_now() - t0;
        vt_place_release(s, name, &err);
        t0 = bench_now();
        for (size_t k = 0; k < nn; k++)
            vt_place_node_free(s, k, &f);
        tf[i] = bench_now() - t0;
    }
    mp = bench_median(tp, reps);
    mf = bench_median(tf, reps);
    printf("speed: one placement on 64 nodes, 8192 CPUs, 1000 guests placed (medians of %zu)\n",
           reps);
    printf("  every node's free state (baseline) %9.1f us\n", mf * 1e6);
    printf("  vt_place                           %9.1f us  (%.1fx the baseline; %s the 1 ms "
           "requirement)\n",
           mp * 1e6, mp / mf, mp < 1e-3 ? "meets" : "does NOT meet");
    free(tp);
    free(tf);
    vt_place_state_free(s);
    vt_host_free(h);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"sequences", required_argument, NULL, 'n'},
                                         {"reps", required_argument, NULL, 'r'},
                                         {"seed", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    size_t nseq = 2000, reps = 201;
    uint64_t seed = bench_default_seed();
    struct totals t[NSTRAT] = {{0}};
    int opt;

    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if ((opt == 'n' && bench_parse_count("--sequences", optarg, &nseq) < 0) ||
            (opt == 'r' && bench_parse_count("--reps", optarg, &reps) < 0) ||
            (opt == 's' && bench_parse_seed(optarg, &seed) < 0) ||
            (opt != 'n' && opt != 'r' && opt != 's'))
            return 2;
    bench_print_machine();
    printf("place: %zu sequences, seed %" PRIu64 " (--seed repeats them)\n", nseq, seed);
    for (size_t i = 0; i < nseq; i++)
        if (sequence(seed + i * 0x9e3779b97f4a7c15ull, false, t) < 0 ||
            sequence(seed + i * 0x9e3779b97f4a7c15ull, true, t) < 0)
            return 1;
    printf("  %-18s %12s %14s %16s %10s\n", "strategy", "placed", "per sequence", "remote memory",
           "nodes/guest");
    for (int k = 0; k < NSTRAT; k++)
        printf("  %-18s %12" PRIu64 " %14.2f %15.1f%% %10.3f\n", strat_name[k], t[k].placed,
               (double)t[k].placed / (double)nseq,
               t[k].placed_bytes ? 100.0 * (double)t[k].remote_bytes / (double)t[k].placed_bytes
                                 : 0.0,
               t[k].placed ? (double)t[k].nodes / (double)t[k].placed : 0.0);
    for (int k = 1; k < NSTRAT; k++)
        printf("  vtopo against %s: more guests in %" PRIu64 " sequences, fewer in %" PRIu64
               ", as many in %" PRIu64 "; %.3fx the guests\n",
               strat_name[k], t[k].wins, t[k].losses, (uint64_t)nseq - t[k].wins - t[k].losses,
               t[k].placed ? (double)t[0].placed / (double)t[k].placed : 0.0);
    for (int k = 0; k < NSTRAT; k++)
        printf("  %-18s held %" PRIu64 " of %" PRIu64 " arrivals (%.2f%%), refusals and all\n",
               strat_name[k], t[k].accepted, t[k].offered,
               t[k].offered ? 100.0 * (double)t[k].accepted / (double)t[k].offered : 0.0);
    printf("  invariants: every state read back whole (no CPU held twice) at every sequence's "
           "end\n");
    return speed(reps) < 0 ? 1 : 0;
}
