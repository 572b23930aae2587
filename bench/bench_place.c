/* bench_place: vtopo's placement against two baselines on the same guests.
 *
 * Quality: --sequences seeded random arrival and departure sequences, each
 * on a random synthetic host (2 to 8 nodes, SMT on and off, huge page
 * pools some of the time), fed to three states at once: vtopo's policy;
 * libxl's automatic NUMA placement and Nova's numa_fit_instance_to_host
 * (spread, its default), implemented here from their published
 * descriptions as choices of nodes that vt_place then fills
 * (vt_place_request.pnodes), so all three hold CPUs, memory and huge pages
 * the same way and the comparison is of the choice of nodes. Per
 * strategy: the guests placed before the first refusal, the guest memory
 * on a node other than its vCPUs', the nodes per guest, the share of a
 * fixed stream held; and every state read back through
 * vt_place_state_parse (which refuses a CPU held twice) at each sequence's
 * end. Speed: on a 64-node, 8,192-CPU host with 1,000 guests placed, one
 * placement on one node, one on two, and a refusal (medians of --reps),
 * against reading every node's free state (vt_place_node_free) in the same
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
enum strat { VTOPO, LIBXL, NOVA };
static const char *const strat_name[NSTRAT] = {"vtopo", "libxl", "Nova (spread)"};

/* ---- the baselines: their choice of nodes, vt_place's accounting ------- */

struct cand {
    unsigned pnodes[8];
    unsigned k;
    uint64_t nr_vcpus, free_mem; /* libxl's keys */
};

static int cmp_libxl(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;

    /* numa_cmpf: fewer vCPUs that can run on the nodes, then more free
     * memory (the candidates of one size). */
    if (a->nr_vcpus != b->nr_vcpus)
        return a->nr_vcpus < b->nr_vcpus ? -1 : 1;
    if (a->free_mem != b->free_mem)
        return a->free_mem > b->free_mem ? -1 : 1;
    return 0;
}

/* libxl's automatic placement (libxl__get_numa_candidate, numa_cmpf, as
 * xl-numa-placement(7) describes it): candidates of the fewest nodes first,
 * each with free memory and CPUs for the guest in all (min_free_memkb,
 * min_cpus = its vCPUs), sorted by the vCPUs already on their nodes, then
 * the most free memory; the first vt_place takes. Memory is striped over
 * the nodes and the vCPUs float over them: (k - 1)/k of it is remote. */
static int place_libxl(struct vt_place_state *s, const struct vt_host *h,
                       struct vt_place_request *r, const struct vt_placed_guest **g,
                       uint64_t *remote)
{
    size_t nn = vt_host_node_count(h);
    struct vt_place_free f[8];
    struct cand c[256];
    struct vt_err err;

    for (size_t i = 0; i < nn; i++)
        vt_place_node_free(s, i, &f[i]);
    for (unsigned k = 1; k <= nn && k <= r->vcpus; k++) {
        size_t n = 0;

        for (unsigned mask = 1; mask < (1u << nn); mask++) {
            struct cand cd = {{0}, 0, 0, 0};
            uint64_t cpus = 0;

            if ((unsigned)__builtin_popcount(mask) != k)
                continue;
            for (size_t i = 0; i < nn; i++)
                if (mask >> i & 1) {
                    cd.pnodes[cd.k++] = f[i].pnode;
                    cd.nr_vcpus += f[i].vcpus;
                    cd.free_mem += f[i].memory_bytes;
                    cpus += vt_bitmap_weight(vt_host_node(h, i)->cpus);
                }
            if (cd.free_mem >= r->memory_bytes && cpus >= r->vcpus)
                c[n++] = cd;
        }
        qsort(c, n, sizeof(c[0]), cmp_libxl);
        for (size_t q = 0; q < n; q++) {
            r->pnodes = c[q].pnodes;
            r->npnodes = c[q].k;
            if (vt_place(s, r, g, &err) == 0) {
                *remote = r->memory_bytes / k * (k - 1);
                return 0;
            }
        }
    }
    return -ENOSPC;
}

static const struct vt_place_free *sort_free;

static int cmp_spread(const void *x, const void *y)
{
    const struct vt_place_free *a = &sort_free[*(const size_t *)x],
                               *b = &sort_free[*(const size_t *)y];

    /* The least used first: vCPUs on the node, then the most free memory. */
    if (a->vcpus != b->vcpus)
        return a->vcpus < b->vcpus ? -1 : 1;
    if (a->memory_bytes != b->memory_bytes)
        return a->memory_bytes > b->memory_bytes ? -1 : 1;
    return a->pnode < b->pnode ? -1 : a->pnode > b->pnode;
}

/* Nova's numa_fit_instance_to_host with its default since Zed
 * (packing_host_numa_cells_allocation_strategy = False: spread): the
 * guest's cells (hw:numa_nodes, 1 unless asked) fitted to the host's cells
 * sorted least used first, the first that fits. */
static int place_nova(struct vt_place_state *s, const struct vt_host *h, struct vt_place_request *r,
                      const struct vt_placed_guest **g)
{
    size_t nn = vt_host_node_count(h), order[8];
    struct vt_place_free f[8];
    unsigned pn[1];
    struct vt_err err;

    for (size_t i = 0; i < nn; i++) {
        vt_place_node_free(s, i, &f[i]);
        order[i] = i;
    }
    sort_free = f;
    qsort(order, nn, sizeof(order[0]), cmp_spread);
    for (size_t q = 0; q < nn; q++) {
        pn[0] = f[order[q]].pnode;
        r->pnodes = pn;
        r->npnodes = 1;
        if (vt_place(s, r, g, &err) == 0)
            return 0;
    }
    return -ENOSPC;
}

/* One arrival under one strategy: 0 placed (*remote its remote memory),
 * -ENOSPC refused, or another error (said). */
static int arrive(enum strat st, struct vt_place_state *s, const struct vt_host *h,
                  struct vt_place_request r, const struct vt_placed_guest **g, uint64_t *remote)
{
    struct vt_err err;
    int rc;

    *remote = 0;
    if (st == LIBXL)
        return place_libxl(s, h, &r, g, remote);
    if (st == NOVA)
        return place_nova(s, h, &r, g);
    if ((rc = vt_place(s, &r, g, &err)) < 0 && rc != -ENOSPC)
        fprintf(stderr, "bench_place: %s\n", err.msg);
    return rc;
}

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
            /* A departure: a guest at random (a no-op where it is not placed). */
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

            uint64_t remote = 0;

            if (stopped[k])
                continue;
            prc = arrive((enum strat)k, s[k], h, r, &g, &remote);
            if (rate) {
                t[k].offered++;
                t[k].accepted += prc == 0;
                if (prc == 0 || prc == -ENOSPC)
                    continue;
            }
            if (prc == 0) {
                placed[k]++;
                t[k].placed++;
                t[k].remote_bytes += remote;
                t[k].placed_bytes += g->memory_bytes;
                t[k].nodes += g->nparts;
            } else if (prc == -ENOSPC) {
                stopped[k] = true;
            } else {
                fprintf(stderr, "bench_place: %s: guest %s failed\n", spec, name);
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
    double *t[4], m[4];
    static const char *const what[4] = {
        "every node's free state (baseline)",
        "vt_place, a guest on one node",
        "vt_place, a guest on two nodes",
        "vt_place, a refusal",
    };
    uint64_t rng = 42;
    struct vt_err err;
    char name[32];
    size_t nn;

    for (int k = 0; k < 4; k++)
        if (!(t[k] = calloc(reps, sizeof(*t[k]))))
            return -1;
    if (!h || vt_place_state_new(h, 0, &s, &err) < 0)
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
        int rc;

        t0 = bench_now();
        for (size_t k = 0; k < nn; k++)
            vt_place_node_free(s, k, &f);
        t[0][i] = bench_now() - t0;
        for (int kind = 1; kind < 4; kind++) {
            random_guest(&rng, &r, name, 100000 + (unsigned)i, true, false, 16, 64);
            r.cpu_policy = VT_CPU_DEDICATED;
            r.thread_policy = VT_THREAD_PREFER;
            /* More vCPUs than one node's 128 CPUs; as many as the host has (some are held). */
            r.vcpus = kind == 1 ? r.vcpus : kind == 2 ? 200 : 8192;
            t0 = bench_now();
            rc = vt_place(s, &r, &g, &err);
            t[kind][i] = bench_now() - t0;
            if ((kind < 3 && rc < 0) || (kind == 3 && rc != -ENOSPC)) {
                fprintf(stderr, "bench_place: %s: %s\n", what[kind], rc ? err.msg : "placed");
                return -1;
            }
            if (rc == 0 && (kind == 2 ? g->nparts != 2 : g->nparts != 1)) {
                fprintf(stderr, "bench_place: %s: placed on %zu nodes\n", what[kind], g->nparts);
                return -1;
            }
            vt_place_release(s, name, &err);
        }
    }
    for (int k = 0; k < 4; k++)
        m[k] = bench_median(t[k], reps);
    printf("speed: 64 nodes, 8192 CPUs, 1000 guests placed (medians of %zu)\n", reps);
    for (int k = 0; k < 4; k++) {
        printf("  %-36s %9.1f us", what[k], m[k] * 1e6);
        if (k)
            printf("  (%.1fx the baseline; %s the 1 ms requirement)", m[k] / m[0],
                   m[k] < 1e-3 ? "meets" : "does NOT meet");
        printf("\n");
        free(t[k]);
    }
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
