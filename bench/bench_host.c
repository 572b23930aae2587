/* bench_host: vtopo's host loading and frame lookup against baselines measured
 * in the same run — `vtopo host --json` vs hwloc's `lstopo-no-graphics --of xml`
 * on one sysfs dump (wall time and peak RSS, both exec'd, interleaved), and
 * vt_host_pfn_lookup vs a linear scan over the same 1024 ranges. Prints ratios;
 * exits non-zero only when something fails to run or the two lookups disagree,
 * never because of a ratio (results: docs/PERFORMANCE.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vtopo/host.h"

#define PAGE_SHIFT 12

/* ---- small helpers ---------------------------------------------------- */

static double now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v). */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* splitmix64: seeded, reproducible, good enough for benchmark inputs. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t bound)
{
    return bound ? rng_next(state) % bound : 0;
}

/* ---- (a) and (b): the CLI against lstopo, as processes ---------------- */

struct proc {
    const char *name;
    char **argv;
    bool hwloc_env; /* set HWLOC_COMPONENTS / HWLOC_FSROOT in the child */
    const char *fsroot;
};

struct run_result {
    double seconds;  /* fork to reaped */
    long maxrss_kib; /* ru_maxrss of the child */
};

/* In the forked child: redirect, set hwloc's environment, exec. Never returns. */
static void child_exec(const struct proc *p, const char *out_path, const char *err_path,
                       bool traced)
{
    int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int errfd = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (out < 0 || errfd < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(errfd, STDERR_FILENO) < 0)
        _exit(126);
    if (p->hwloc_env && (setenv("HWLOC_COMPONENTS", "linux,stop", 1) < 0 ||
                         setenv("HWLOC_FSROOT", p->fsroot, 1) < 0))
        _exit(126);
    if (traced && ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
        _exit(125);
    execvp(p->argv[0], p->argv);
    _exit(127);
}

static int check_status(const struct proc *p, int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        fprintf(stderr, "bench_host: %s: cannot execute %s\n", p->name, p->argv[0]);
    else if (WIFEXITED(status))
        fprintf(stderr, "bench_host: %s exited with status %d\n", p->name, WEXITSTATUS(status));
    else
        fprintf(stderr, "bench_host: %s died of signal %d\n", p->name, WTERMSIG(status));
    return -1;
}

/*
 * Run p once, stdout to out_path, stderr to err_path (each NULL: /dev/null); wait4
 * gives the child's peak RSS. Linux takes ru_maxrss as the larger of the
 * exec'd image's peak and that of the forked copy of this bench it replaced,
 * so the bench keeps its heap small while it spawns; run_traced reads the
 * exec'd image's own peak as a cross-check.
 */
static int run_once(const struct proc *p, const char *out_path, const char *err_path,
                    struct run_result *res)
{
    struct rusage ru;
    double t0 = now_sec();
    pid_t pid = fork();
    int status;

    if (pid < 0) {
        fprintf(stderr, "bench_host: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0)
        child_exec(p, out_path, err_path, false);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "bench_host: wait4: %s\n", strerror(errno));
            return -1;
        }
    }
    res->seconds = now_sec() - t0;
    res->maxrss_kib = ru.ru_maxrss;
    return check_status(p, status);
}

/* "VmHWM:" (or another "Key:") of /proc/<pid>/status in KiB, or -1. */
static long status_kib(pid_t pid, const char *key)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, klen) == 0) {
            v = strtol(line + klen, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/*
 * Run p under ptrace, stopped as it exits to read VmHWM (the peak RSS of the
 * exec'd program alone, whatever this bench's size) and RssAnon (its private
 * memory then; RSS also counts the pages of shared libraries it touched). Not
 * timed: the stops cost time. Returns 0, 1 when ptrace is not allowed, or -1.
 */
static int run_traced(const struct proc *p, long *hwm_kib, long *anon_kib)
{
    pid_t pid = fork();
    int status;

    *hwm_kib = *anon_kib = -1;
    if (pid < 0) {
        fprintf(stderr, "bench_host: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0)
        child_exec(p, NULL, NULL, true);
    for (bool first = true;;) {
        int sig = 0;

        if (waitpid(pid, &status, 0) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "bench_host: waitpid: %s\n", strerror(errno));
            return -1;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status))
            break;
        if (first) {
            /* The SIGTRAP of a traced execve: ask for a stop at exit. */
            if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
                       (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) < 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                return 1;
            }
        } else if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
            *hwm_kib = status_kib(pid, "VmHWM:");
            *anon_kib = status_kib(pid, "RssAnon:");
        } else if (WIFSTOPPED(status) && WSTOPSIG(status) != SIGTRAP) {
            sig = WSTOPSIG(status); /* pass the program's own signals on */
        }
        first = false;
        ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
        return 1; /* PTRACE_TRACEME refused */
    if (check_status(p, status) < 0)
        return -1;
    return *hwm_kib < 0 || *anon_kib < 0 ? 1 : 0;
}

/* Copy the first lines of a file to stderr, indented. */
static void show_file(const char *path)
{
    char line[512];
    int n = 0;
    FILE *f = fopen(path, "r");

    while (f && n++ < 10 && fgets(line, sizeof(line), f))
        fprintf(stderr, "  | %s", line);
    if (f)
        fclose(f);
}

/* First run of each program: output to a file we check for the expected
 * content, so a silently broken setup cannot produce a flattering ratio; on
 * failure, show what the program said. */
static int warm_up(const struct proc *p, const char *tmpdir, const char *needle)
{
    char out_path[4096], err_path[4096], buf[65536];
    struct run_result res;
    bool found = false;
    size_t len;
    int rc = -1;
    FILE *f;

    snprintf(out_path, sizeof(out_path), "%s/warmup.out", tmpdir);
    snprintf(err_path, sizeof(err_path), "%s/warmup.err", tmpdir);
    if (run_once(p, out_path, err_path, &res) < 0) {
        show_file(err_path);
        goto out;
    }
    if (!(f = fopen(out_path, "r"))) {
        fprintf(stderr, "bench_host: %s: %s\n", out_path, strerror(errno));
        goto out;
    }
    while (!found && (len = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
        buf[len] = '\0';
        found = strstr(buf, needle) != NULL;
    }
    fclose(f);
    if (!found) {
        fprintf(stderr, "bench_host: %s printed no %s; is the fsroot right?\n", p->name, needle);
        show_file(err_path);
        goto out;
    }
    rc = 0;
out:
    unlink(out_path);
    unlink(err_path);
    return rc;
}

static void print_stats(const char *name, double *t, long *rss, size_t n, double *med_t,
                        double *med_rss)
{
    double *r = malloc(n * sizeof(*r));
    double lo, hi;

    for (size_t i = 0; r && i < n; i++)
        r[i] = (double)rss[i];
    *med_t = median(t, n);
    lo = t[0];
    hi = t[n - 1];
    *med_rss = r ? median(r, n) : 0;
    printf("  %-8s wall median %8.3f ms  (min %.3f, max %.3f)   peak RSS median %7.0f KiB"
           "  (min %.0f, max %.0f)\n",
           name, *med_t * 1e3, lo * 1e3, hi * 1e3, *med_rss, r ? r[0] : 0, r ? r[n - 1] : 0);
    free(r);
}

static int bench_processes(const char *vtopo, const char *lstopo, const char *fsroot, size_t runs)
{
    char *vt_argv[] = {(char *)vtopo, "host", "--fsroot", (char *)fsroot, "--json", NULL};
    char *hw_argv[] = {(char *)lstopo, "--of", "xml", NULL};
    char *true_argv[] = {"true", NULL};
    const struct proc vt = {"vtopo", vt_argv, false, fsroot};
    const struct proc hw = {"lstopo", hw_argv, true, fsroot};
    const struct proc nop = {"true", true_argv, false, fsroot};
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
    if (warm_up(&vt, tmpdir, "\"nodes\"") < 0 || warm_up(&hw, tmpdir, "NUMANode") < 0) {
        rmdir(tmpdir);
        goto out;
    }
    rmdir(tmpdir);
    for (size_t i = 0; i < runs; i++) {
        /* Alternate who goes first so drift (thermal, page cache, neighbours on
         * this 2-core box) lands on both sides equally. */
        const struct proc *first = i % 2 ? &hw : &vt, *second = i % 2 ? &vt : &hw;
        struct run_result a, b, c;

        if (run_once(first, NULL, NULL, &a) < 0 || run_once(second, NULL, NULL, &b) < 0 ||
            run_once(&nop, NULL, NULL, &c) < 0)
            goto out;
        t_vt[i] = (first == &vt ? a : b).seconds;
        rss_vt[i] = (first == &vt ? a : b).maxrss_kib;
        t_hw[i] = (first == &hw ? a : b).seconds;
        rss_hw[i] = (first == &hw ? a : b).maxrss_kib;
        t_nop[i] = c.seconds;
        rss_nop[i] = c.maxrss_kib;
        pair[i] = t_hw[i] / t_vt[i];
    }
    pair_med = median(pair, runs);
    print_stats("vtopo", t_vt, rss_vt, runs, &mt_vt, &mr_vt);
    print_stats("lstopo", t_hw, rss_hw, runs, &mt_hw, &mr_hw);
    print_stats("true", t_nop, rss_nop, runs, &mt_nop, &mr_nop);
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

            if ((trc = run_traced(&vt, &hwm[0], &anon[0])) == 0 &&
                (trc = run_traced(&hw, &hwm[1], &anon[1])) == 0)
                trc = run_traced(&nop, &hwm[2], &anon[2]);
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
            double m_vt = median(h_vt, TRACED_RUNS), m_hw = median(h_hw, TRACED_RUNS);
            double n_vt = median(a_vt, TRACED_RUNS), n_hw = median(a_hw, TRACED_RUNS);

            printf("RESULT peak-rss (VmHWM at exit, %d traced runs each): vtopo %.0f KiB "
                   "(min %.0f, max %.0f), lstopo %.0f KiB (min %.0f, max %.0f): vtopo/lstopo = "
                   "%.3f (requirement <= 0.25: %s; /bin/true %.0f KiB)\n",
                   TRACED_RUNS, m_vt, h_vt[0], h_vt[TRACED_RUNS - 1], m_hw, h_hw[0],
                   h_hw[TRACED_RUNS - 1], m_vt / m_hw, m_vt / m_hw <= 0.25 ? "met" : "NOT met",
                   median(h_nop, TRACED_RUNS));
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
        uint64_t pages = 1 + rng_below(rng, 65536);
        uint64_t hole = rng_below(rng, 4) == 0 ? 0 : rng_below(rng, pages);

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
        if (rng_below(&rng, 32) == 0) {
            const struct vt_host_node *node =
                vt_host_node(h, (size_t)rng_below(&rng, vt_host_node_count(h)));
            const struct vt_mem_range *r = &node->ranges[rng_below(&rng, node->nranges)];
            uint64_t edge[3] = {r->start >> PAGE_SHIFT, (r->end >> PAGE_SHIFT) - 1,
                                r->end >> PAGE_SHIFT};

            pfns[i] = edge[rng_below(&rng, 3)];
        } else {
            pfns[i] = rng_below(&rng, limit_pfn + limit_pfn / 16);
        }
    }

    for (size_t rep = 0; rep < reps; rep++) {
        double t0, t1, t2;

        t0 = now_sec();
        found_lib = vt_host_pfn_lookup(h, pfns, nlookups, pxm_a, pn_a);
        t1 = now_sec();
        found_lin = linear_lookup(flat, nranges, pfns, nlookups, pxm_b, pn_b);
        t2 = now_sec();
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
        double m_lib = median(t_lib, reps), m_lin = median(t_lin, reps);

        printf("  answers identical in all %zu repetitions; %ld of %zu frames inside a range\n",
               reps, found_lib, nlookups);
        printf("  vt_host_pfn_lookup %8.2f ns/lookup (min %.2f, max %.2f)\n", m_lib * 1e9,
               t_lib[0] * 1e9, t_lib[reps - 1] * 1e9);
        printf("  linear scan        %8.2f ns/lookup (min %.2f, max %.2f)\n", m_lin * 1e9,
               t_lin[0] * 1e9, t_lin[reps - 1] * 1e9);
        double m_ratio = median(ratio, reps);

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

static int parse_size(const char *opt, const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end || v == 0 || v > (1ull << 32)) {
        fprintf(stderr, "bench_host: %s %s: expected a count from 1 to 2^32\n", opt, s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
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
    uint64_t seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
    bool do_process = true, do_lookup = true;
    struct utsname uts;
    int opt, failed = 0;
    char *end;

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
            if (parse_size("--runs", optarg, &runs) < 0)
                return 2;
            break;
        case 'n':
            if (parse_size("--lookups", optarg, &nlookups) < 0)
                return 2;
            break;
        case 'p':
            if (parse_size("--reps", optarg, &reps) < 0)
                return 2;
            break;
        case 's':
            errno = 0;
            seed = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end) {
                fprintf(stderr, "bench_host: --seed %s: expected a number\n", optarg);
                return 2;
            }
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

    printf("machine: %ld online CPUs", sysconf(_SC_NPROCESSORS_ONLN));
    if (uname(&uts) == 0)
        printf(", %s %s %s", uts.sysname, uts.release, uts.machine);
    printf("; load average ");
    {
        double load[3];

        if (getloadavg(load, 3) == 3)
            printf("%.2f %.2f %.2f", load[0], load[1], load[2]);
        else
            printf("unknown");
    }
    printf("\n");

    /* Processes first, while this process is still small (see run_once). */
    if (do_process && bench_processes(vtopo, lstopo, fsroot, runs) < 0)
        failed = 1;
    if (do_lookup && bench_lookup(seed, nlookups, reps) < 0)
        failed = 1;
    return failed;
}
