/* bench_host: vtopo's host loading and frame lookup against baselines measured
 * in the same run — `vtopo host --json` vs hwloc's `lstopo-no-graphics --of xml`
 * on one sysfs dump (wall time and peak RSS, both exec'd, interleaved), and
 * vt_host_pfn_lookup vs a linear scan over the same 1024 ranges. Prints ratios;
 * exits non-zero only when something fails to run or the two lookups disagree,
 * never because of a ratio (results: docs/PERFORMANCE.md). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "vtopo/host.h"

#define PAGE_SHIFT 12

/* ---- (a) and (b): the CLI against lstopo, as processes ---------------- */

static int bench_processes(const char *vtopo, const char *lstopo, const char *fsroot, size_t runs)
{
    char *vt_argv[] = {(char *)vtopo, "host", "--fsroot", (char *)fsroot, "--json", NULL};
    char *hw_argv[] = {(char *)lstopo, "--of", "xml", NULL};
    char *true_argv[] = {"true", NULL};
    const char *const hw_env[] = {"HWLOC_COMPONENTS", "linux,stop", "HWLOC_FSROOT", fsroot, NULL};
    const struct bench_proc vt = {"vtopo", vt_argv, NULL};
    const struct bench_proc hw = {"lstopo", hw_argv, hw_env};
    const struct bench_proc nop = {"true", true_argv, NULL};
    double *t_vt = calloc(runs, sizeof(double)), *t_hw = calloc(runs, sizeof(double));
    double *pair = calloc(runs, sizeof(double)), *t_nop = calloc(runs, sizeof(double));
    long *rss_vt = calloc(runs, sizeof(long)), *rss_hw = calloc(runs, sizeof(long));
    long *rss_nop = calloc(runs, sizeof(long));
    char tmpdir[] = "/tmp/vtopo-bench-XXXXXX";
    double mt_vt, mt_hw, mt_nop, mr_vt, mr_hw, mr_nop, pair_med;
    int rc = -1;

    if (!t_vt || !t_hw || !pair || !t_nop || !rss_vt || !rss_hw || !rss_nop) {
        fprintf(stderr, "bench_host: out of memory\n");
        goto out;
    }
    if (!mkdtemp(tmpdir)) {
        fprintf(stderr, "bench_host: mkdtemp: %s\n", strerror(errno));
        goto out;
    }
    printf("[a,b] vtopo host --json  vs  HWLOC_COMPONENTS=linux,stop HWLOC_FSROOT=DIR "
           "lstopo-no-graphics --of xml\n");
    printf("  fsroot %s\n", fsroot);
    printf("  vtopo  %s\n  lstopo %s\n", vtopo, lstopo);
    printf("  %zu runs each, interleaved (vtopo,lstopo then lstopo,vtopo ...), after one "
           "checked warm-up run each; /bin/true runs alongside as the fork+exec floor\n",
           runs);
    if (bench_warm_up(&vt, tmpdir, "\"nodes\"") < 0 || bench_warm_up(&hw, tmpdir, "NUMANode") < 0) {
        rmdir(tmpdir);
        goto out;
    }
    rmdir(tmpdir);
    for (size_t i = 0; i < runs; i++) {
        /* Alternate who goes first so drift (thermal, page cache, neighbours on
         * this 2-core box) lands on both sides equally. */
        const struct bench_proc *first = i % 2 ? &hw : &vt, *second = i % 2 ? &vt : &hw;
        struct bench_run a, b, c;

        if (bench_run_once(first, NULL, NULL, &a) < 0 ||
            bench_run_once(second, NULL, NULL, &b) < 0 || bench_run_once(&nop, NULL, NULL, &c) < 0)
            goto out;
        t_vt[i] = (first == &vt ? a : b).seconds;
        rss_vt[i] = (first == &vt ? a : b).maxrss_kib;
        t_hw[i] = (first == &hw ? a : b).seconds;
        rss_hw[i] = (first == &hw ? a : b).maxrss_kib;
        t_nop[i] = c.seconds;
        rss_nop[i] = c.maxrss_kib;
        pair[i] = t_hw[i] / t_vt[i];
    }
    pair_med = bench_median(pair, runs);
    bench_print_stats("vtopo", t_vt, rss_vt, runs, &mt_vt, &mr_vt);
    bench_print_stats("lstopo", t_hw, rss_hw, runs, &mt_hw, &mr_hw);
    bench_print_stats("true", t_nop, rss_nop, runs, &mt_nop, &mr_nop);
    printf("RESULT load-time: vtopo %.3f ms, lstopo %.3f ms: vtopo is %.2fx faster "
           "(median of per-pair ratios %.2fx; requirement >= 5x: %s)\n",
           mt_vt * 1e3, mt_hw * 1e3, mt_hw / mt_vt, pair_med,
           mt_hw / mt_vt >= 5 ? "met" : "NOT met");
    printf("RESULT load-time minus fork+exec floor (%.3f ms): vtopo %.3f ms, lstopo %.3f ms: "
           "%.2fx (for information; the requirement is on whole runs)\n",
           mt_nop * 1e3, (mt_vt - mt_nop) * 1e3, (mt_hw - mt_nop) * 1e3,
           mt_vt > mt_nop ? (mt_hw - mt_nop) / (mt_vt - mt_nop) : 0.0);
    printf("RESULT peak-rss (wait4 ru_maxrss): vtopo %.0f KiB, lstopo %.0f KiB: vtopo/lstopo = "
           "%.3f (requirement <= 0.25: %s; /bin/true %.0f KiB)\n",
           mr_vt, mr_hw, mr_vt / mr_hw, mr_vt / mr_hw <= 0.25 ? "met" : "NOT met", mr_nop);

    /* Cross-check without the fork floor: the exec'd image's own figures. */
    {
        enum { TRACED_RUNS = 9 };
        double h_vt[TRACED_RUNS], h_hw[TRACED_RUNS], h_nop[TRACED_RUNS];
        double a_vt[TRACED_RUNS], a_hw[TRACED_RUNS];
        int trc = 0;

        for (size_t i = 0; trc == 0 && i < TRACED_RUNS; i++) {
            long hwm[3], anon[3];

            if ((trc = bench_run_traced(&vt, &hwm[0], &anon[0])) == 0 &&
                (trc = bench_run_traced(&hw, &hwm[1], &anon[1])) == 0)
                trc = bench_run_traced(&nop, &hwm[2], &anon[2]);
            h_vt[i] = (double)hwm[0];
            h_hw[i] = (double)hwm[1];
            h_nop[i] = (double)hwm[2];
            a_vt[i] = (double)anon[0];
            a_hw[i] = (double)anon[1];
        }
        if (trc < 0)
            goto out;
        if (trc > 0) {
            printf("  (VmHWM cross-check skipped: ptrace is not permitted here)\n");
        } else {
            double m_vt = bench_median(h_vt, TRACED_RUNS), m_hw = bench_median(h_hw, TRACED_RUNS);
            double n_vt = bench_median(a_vt, TRACED_RUNS), n_hw = bench_median(a_hw, TRACED_RUNS);

            printf("RESULT peak-rss (VmHWM at exit, %d traced runs each): vtopo %.0f KiB "
                   "(min %.0f, max %.0f), lstopo %.0f KiB (min %.0f, max %.0f): vtopo/lstopo = "
                   "%.3f (requirement <= 0.25: %s; /bin/true %.0f KiB)\n",
                   TRACED_RUNS, m_vt, h_vt[0], h_vt[TRACED_RUNS - 1], m_hw, h_hw[0],
                   h_hw[TRACED_RUNS - 1], m_vt / m_hw, m_vt / m_hw <= 0.25 ? "met" : "NOT met",
                   bench_median(h_nop, TRACED_RUNS));
            printf("  private memory at exit (RssAnon, for information): vtopo %.0f KiB, lstopo "
                   "%.0f KiB: %.3f\n",
                   n_vt, n_hw, n_vt / n_hw);
        }
    }
    rc = 0;
out:
    free(t_vt);
    free(t_hw);
    free(t_nop);
    free(pair);
    free(rss_vt);
    free(rss_hw);
    free(rss_nop);
    return rc;
}

/* ---- (c): frame lookup against a linear scan -------------------------- */

#define LK_NODES  64
#define LK_RANGES 1024

/*
 * Write a host file with LK_RANGES ranges dealt round-robin over LK_NODES
 * nodes, random sizes (4 KiB .. 256 MiB) and random holes (some zero), so
 * lookups hit and miss. Adjacent ranges belong to different nodes, so the
 * library's per-node merge keeps all of them.
 */
static int write_host_file(const char *path, uint64_t *rng)
{
    uint64_t starts[LK_RANGES], ends[LK_RANGES], cursor = 1ull << 20; /* first MiB: a hole */
    FILE *f = fopen(path, "w");

    if (!f) {
        fprintf(stderr, "bench_host: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (size_t k = 0; k < LK_RANGES; k++) {
        uint64_t pages = 1 + bench_rng_below(rng, 65536);
        uint64_t hole = bench_rng_below(rng, 4) == 0 ? 0 : bench_rng_below(rng, pages);

        starts[k] = cursor;
        ends[k] = cursor + (pages << PAGE_SHIFT);
        cursor = ends[k] + (hole << PAGE_SHIFT);
    }
    fprintf(f,
            "{\n  \"format\": \"vtopo-host\",\n  \"version\": 1,\n"
            "  \"cpus\": { \"online\": \"0-%d\" },\n  \"nodes\": [\n",
            LK_NODES - 1);
    for (size_t n = 0; n < LK_NODES; n++) {
        uint64_t bytes = 0;
        bool first = true;

        for (size_t k = n; k < LK_RANGES; k += LK_NODES)
            bytes += ends[k] - starts[k];
        /* Sparse pnodes and PXMs, distinct from each other and from the index,
         * so a mix-up of numberings shows as a mismatch. */
        fprintf(f,
                "    { \"pnode\": %zu, \"host_pxm\": %zu, \"cpus\": \"%zu\", "
                "\"memory_bytes\": %" PRIu64 ", \"memory_ranges\": [",
                n * 2 + 1, n * 3 + 7, n, bytes);
        for (size_t k = n; k < LK_RANGES; k += LK_NODES) {
            fprintf(f, "%s{ \"start\": \"0x%" PRIx64 "\", \"end\": \"0x%" PRIx64 "\" }",
                    first ? "" : ", ", starts[k], ends[k]);
            first = false;
        }
        fprintf(f, "] }%s\n", n + 1 < LK_NODES ? "," : "");
    }
    fprintf(f, "  ]\n}\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "bench_host: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

/* The baseline: every range in one flat array (node by node, as the host
 * lists them), tried in order until one contains the frame. */
struct flat_range {
    uint64_t start, end;
    uint32_t pxm;
    int pnode;
};

static long linear_lookup(const struct flat_range *fr, size_t nfr, const uint64_t *pfns, size_t n,
                          uint32_t *pxms, int *pnodes)
{
    long found = 0;

    for (size_t i = 0; i < n; i++) {
        uint32_t pxm = VT_PXM_INVALID;
        int pnode = VT_PNODE_INVALID;

        if (pfns[i] <= UINT64_MAX >> PAGE_SHIFT) {
            uint64_t addr = pfns[i] << PAGE_SHIFT;

            for (size_t r = 0; r < nfr; r++)
                if (addr >= fr[r].start && addr < fr[r].end) {
                    pxm = fr[r].pxm;
                    pnode = fr[r].pnode;
                    found++;
                    break;
                }
        }
        pxms[i] = pxm;
        pnodes[i] = pnode;
    }
    return found;
}

static int bench_lookup(uint64_t seed, size_t nlookups, size_t reps)
{
    char dir[] = "/tmp/vtopo-bench-XXXXXX", path[64];
    struct vt_host_source src = {VT_HOST_FILE, path, NULL};
    uint64_t rng = seed, limit_pfn = 0;
    uint64_t *pfns = NULL;
    uint32_t *pxm_a = NULL, *pxm_b = NULL;
    int *pn_a = NULL, *pn_b = NULL;
    double *t_lib = calloc(reps, sizeof(double)), *t_lin = calloc(reps, sizeof(double));
    double *ratio = calloc(reps, sizeof(double));
    struct flat_range *flat = NULL;
    struct vt_host *h = NULL;
    struct vt_err err;
    size_t nranges = 0;
    long found_lib = 0, found_lin = 0;
    int rc = -1;

    printf("[c] vt_host_pfn_lookup vs linear scan: %zu random frames, seed %" PRIu64
           " (rerun with --seed %" PRIu64 ")\n",
           nlookups, seed, seed);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench_host: mkdtemp: %s\n", strerror(errno));
        goto out;
    }
    snprintf(path, sizeof(path), "%s/host.json", dir);
    rc = write_host_file(path, &rng);
    if (rc == 0 && (rc = vt_host_load(&src, &h, &err)) < 0)
        fprintf(stderr, "bench_host: loading the generated host: %s\n", err.msg);
    unlink(path);
    rmdir(dir);
    if (rc < 0)
        goto out;
    rc = -1;
    for (size_t j = 0; j < vt_host_node_count(h); j++) {
        const struct vt_host_node *node = vt_host_node(h, j);

        nranges += node->nranges;
        for (size_t r = 0; r < node->nranges; r++)
            if ((node->ranges[r].end >> PAGE_SHIFT) > limit_pfn)
                limit_pfn = node->ranges[r].end >> PAGE_SHIFT;
    }
    if (nranges != LK_RANGES) {
        fprintf(stderr, "bench_host: the host has %zu ranges, expected %d\n", nranges, LK_RANGES);
        goto out;
    }
    printf("  host: %zu nodes, %zu ranges, frames 0..%#" PRIx64 "\n", vt_host_node_count(h),
           nranges, limit_pfn);
    if (!(flat = malloc(nranges * sizeof(*flat)))) {
        fprintf(stderr, "bench_host: out of memory\n");
        goto out;
    }
    nranges = 0;
    for (size_t j = 0; j < vt_host_node_count(h); j++) {
        const struct vt_host_node *node = vt_host_node(h, j);

        for (size_t r = 0; r < node->nranges; r++)
            flat[nranges++] = (struct flat_range){node->ranges[r].start, node->ranges[r].end,
                                                  node->host_pxm, (int)node->pnode};
    }

    pfns = malloc(nlookups * sizeof(*pfns));
    pxm_a = malloc(nlookups * sizeof(*pxm_a));
    pxm_b = malloc(nlookups * sizeof(*pxm_b));
    pn_a = malloc(nlookups * sizeof(*pn_a));
    pn_b = malloc(nlookups * sizeof(*pn_b));
    if (!pfns || !pxm_a || !pxm_b || !pn_a || !pn_b || !t_lib || !t_lin || !ratio) {
        fprintf(stderr, "bench_host: out of memory\n");
        goto out;
    }
    /* Uniform over the populated span plus 1/16 beyond it; one frame in 32 is
     * a range edge (first page, last page, first page after) to pin the
     * boundaries down. */
    for (size_t i = 0; i < nlookups; i++) {
        if (bench_rng_below(&rng, 32) == 0) {
            const struct vt_host_node *node =
                vt_host_node(h, (size_t)bench_rng_below(&rng, vt_host_node_count(h)));
            const struct vt_mem_range *r = &node->ranges[bench_rng_below(&rng, node->nranges)];
            uint64_t edge[3] = {r->start >> PAGE_SHIFT, (r->end >> PAGE_SHIFT) - 1,
                                r->end >> PAGE_SHIFT};

            pfns[i] = edge[bench_rng_below(&rng, 3)];
        } else {
            pfns[i] = bench_rng_below(&rng, limit_pfn + limit_pfn / 16);
        }
    }

    for (size_t rep = 0; rep < reps; rep++) {
        double t0, t1, t2;

        t0 = bench_now();
        found_lib = vt_host_pfn_lookup(h, pfns, nlookups, pxm_a, pn_a);
        t1 = bench_now();
        found_lin = linear_lookup(flat, nranges, pfns, nlookups, pxm_b, pn_b);
        t2 = bench_now();
        t_lib[rep] = (t1 - t0) / (double)nlookups;
        t_lin[rep] = (t2 - t1) / (double)nlookups;
        ratio[rep] = t_lin[rep] / t_lib[rep];
        if (found_lib < 0 || found_lib != found_lin ||
            memcmp(pxm_a, pxm_b, nlookups * sizeof(*pxm_a)) != 0 ||
            memcmp(pn_a, pn_b, nlookups * sizeof(*pn_a)) != 0) {
            for (size_t i = 0; i < nlookups; i++)
                if (pxm_a[i] != pxm_b[i] || pn_a[i] != pn_b[i]) {
                    fprintf(stderr,
                            "bench_host: frame %#" PRIx64 ": vt_host_pfn_lookup says pxm %" PRIu32
                            " pnode %d, the linear scan pxm %" PRIu32 " pnode %d\n",
                            pfns[i], pxm_a[i], pn_a[i], pxm_b[i], pn_b[i]);
                    break;
                }
            fprintf(stderr,
                    "bench_host: the lookups disagree (found %ld vs %ld, seed %" PRIu64 ")\n",
                    found_lib, found_lin, seed);
            goto out;
        }
        /* Scramble the outputs so the next repetition cannot pass on stale data. */
        memset(pxm_a, 0xa5, nlookups * sizeof(*pxm_a));
        memset(pn_a, 0xa5, nlookups * sizeof(*pn_a));
    }
    {
        double m_lib = bench_median(t_lib, reps), m_lin = bench_median(t_lin, reps);

        printf("  answers identical in all %zu repetitions; %ld of %zu frames inside a range\n",
               reps, found_lib, nlookups);
        printf("  vt_host_pfn_lookup %8.2f ns/lookup (min %.2f, max %.2f)\n", m_lib * 1e9,
               t_lib[0] * 1e9, t_lib[reps - 1] * 1e9);
        printf("  linear scan        %8.2f ns/lookup (min %.2f, max %.2f)\n", m_lin * 1e9,
               t_lin[0] * 1e9, t_lin[reps - 1] * 1e9);
        double m_ratio = bench_median(ratio, reps);

        printf("RESULT pfn-lookup: %.2f ns vs linear %.2f ns per lookup over %d ranges: "
               "%.1fx faster (per-repetition ratios %.1fx..%.1fx, median %.1fx; "
               "requirement >= 10x: %s)\n",
               m_lib * 1e9, m_lin * 1e9, LK_RANGES, m_lin / m_lib, ratio[0], ratio[reps - 1],
               m_ratio, m_lin / m_lib >= 10 ? "met" : "NOT met");
    }
    rc = 0;
out:
    vt_host_free(h);
    free(flat);
    free(pfns);
    free(pxm_a);
    free(pxm_b);
    free(pn_a);
    free(pn_b);
    free(t_lib);
    free(t_lin);
    free(ratio);
    return rc;
}

/* ---- main ------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: bench_host [--vtopo PATH --fsroot DIR] [--lstopo PATH] [--runs N]\n"
            "                  [--lookups N] [--reps N] [--seed S] [--no-process] [--no-lookup]\n"
            "  --vtopo PATH   the built vtopo CLI (needed for the process benchmark)\n"
            "  --fsroot DIR   the sysfs dump both programs read\n"
            "  --lstopo PATH  hwloc's lstopo-no-graphics (default: from PATH)\n"
            "  --runs N       process runs of each program (default 100)\n"
            "  --lookups N    random frames (default 1000000)\n"
            "  --reps N       lookup repetitions, median reported (default 5)\n"
            "  --seed S       seed for the frame benchmark (default: time and pid)\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vtopo", required_argument, NULL, 'v'},
        {"lstopo", required_argument, NULL, 'l'},
        {"fsroot", required_argument, NULL, 'f'},
        {"runs", required_argument, NULL, 'r'},
        {"lookups", required_argument, NULL, 'n'},
        {"reps", required_argument, NULL, 'p'},
        {"seed", required_argument, NULL, 's'},
        {"no-process", no_argument, NULL, 'P'},
        {"no-lookup", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *vtopo = NULL, *lstopo = "lstopo-no-graphics", *fsroot = NULL;
    size_t runs = 100, nlookups = 1000000, reps = 5;
    uint64_t seed = bench_default_seed();
    bool do_process = true, do_lookup = true;
    int opt, failed = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'v':
            vtopo = optarg;
            break;
        case 'l':
            lstopo = optarg;
            break;
        case 'f':
            fsroot = optarg;
            break;
        case 'r':
            if (bench_parse_count("--runs", optarg, &runs) < 0)
                return 2;
            break;
        case 'n':
            if (bench_parse_count("--lookups", optarg, &nlookups) < 0)
                return 2;
            break;
        case 'p':
            if (bench_parse_count("--reps", optarg, &reps) < 0)
                return 2;
            break;
        case 's':
            if (bench_parse_seed(optarg, &seed) < 0)
                return 2;
            break;
        case 'P':
            do_process = false;
            break;
        case 'L':
            do_lookup = false;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || (do_process && (!vtopo || !fsroot))) {
        usage(stderr);
        return 2;
    }

    bench_print_machine();

    /* Processes first, while this process is still small (see bench_run_once). */
    if (do_process && bench_processes(vtopo, lstopo, fsroot, runs) < 0)
        failed = 1;
    if (do_lookup && bench_lookup(seed, nlookups, reps) < 0)
        failed = 1;
    return failed;
}
