/* bench_exec: the exec runtime's paths against baselines measured in the same
 * run, interleaved round by round — a two-thread futex ping-pong (the
 * blocking handoff floor) and a spinning one, vt_exec_on_node's worker path
 * (worker awake, and worker asleep), pthread_create + affinity + join per
 * call, the migrate path, and the fast path against a direct call. The caller
 * runs on one CPU and the target node's CPU is another: a sysfs dump maps node
 * 0 to the first CPU this process may use and node 1 to the second. Prints
 * medians, p99s and ratios; exits non-zero only when something fails to run or
 * a call ran in the wrong place, never because of a ratio (results:
 * docs/PERFORMANCE.md). */
#include <errno.h>
#include <getopt.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_common.h"
#include "vtopo/exec.h"

#define PROG "bench_exec"

static int cpu_target, cpu_caller; /* node 0's CPU, the caller's CPU (node 1's) */

/* ---- statistics ----------------------------------------------------------- */

struct series {
    const char *name;
    double *v; /* seconds per call */
    size_t n, cap;
    double median, p99;
};

static int series_init(struct series *s, const char *name, size_t cap)
{
    s->name = name;
    s->v = calloc(cap ? cap : 1, sizeof(*s->v));
    s->n = 0;
    s->cap = cap;
    return s->v ? 0 : -1;
}

static void series_add(struct series *s, double x)
{
    if (s->n < s->cap)
        s->v[s->n++] = x;
}

static void series_done(struct series *s)
{
    size_t k;

    s->median = bench_median(s->v, s->n); /* sorts */
    k = (s->n * 99 + 99) / 100;
    s->p99 = s->v[k ? k - 1 : 0];
}

static void pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0) {
        fprintf(stderr, "%s: cannot pin to CPU %d: %s\n", PROG, cpu, strerror(errno));
        exit(1);
    }
}

/* ---- baselines: ping-pong between two threads ------------------------------ */

struct pingpong {
    atomic_uint word;
    bool futex;
    size_t rounds;
};

static void futex_wait(atomic_uint *w, unsigned v)
{
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *w)
{
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Wait until *w == want: block in the kernel (futex) or spin. */
static void await(atomic_uint *w, unsigned want, bool futex)
{
    unsigned v;

    while ((v = atomic_load(w)) != want) {
        if (futex)
            futex_wait(w, v);
    }
}

static void *pong_main(void *arg)
{
    struct pingpong *p = arg;

    pin(cpu_target);
    for (size_t i = 0; i < p->rounds; i++) {
        await(&p->word, 2 * (unsigned)i + 1, p->futex);
        atomic_store(&p->word, 2 * (unsigned)i + 2);
        if (p->futex)
            futex_wake(&p->word);
    }
    return NULL;
}

/* n round trips, each timed, after 100 untimed ones. */
static int bench_pingpong(struct series *s, size_t n, bool futex)
{
    struct pingpong p = {0, futex, n + 100};
    pthread_t t;

    if (pthread_create(&t, NULL, pong_main, &p) != 0) {
        fprintf(stderr, "%s: pthread_create failed\n", PROG);
        return -1;
    }
    for (size_t i = 0; i < p.rounds; i++) {
        double t0 = bench_now();

        atomic_store(&p.word, 2 * (unsigned)i + 1);
        if (futex)
            futex_wake(&p.word);
        await(&p.word, 2 * (unsigned)i + 2, futex);
        if (i >= 100)
            series_add(s, bench_now() - t0);
    }
    pthread_join(t, NULL);
    return 0;
}

/* ---- baseline: a thread per call ------------------------------------------- */

static int trivial_fn(void *arg)
{
    return *(volatile int *)arg;
}

struct oneshot {
    int arg, ret, cpu;
};

static void *oneshot_main(void *p)
{
    struct oneshot *o = p;

    pin(cpu_target);
    o->cpu = sched_getcpu();
    o->ret = trivial_fn(&o->arg);
    return NULL;
}

static int bench_thread_per_call(struct series *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct oneshot o = {(int)i, -1, -1};
        double t0 = bench_now();
        pthread_t t;

        if (pthread_create(&t, NULL, oneshot_main, &o) != 0) {
            fprintf(stderr, "%s: pthread_create failed\n", PROG);
            return -1;
        }
        pthread_join(t, NULL);
        series_add(s, bench_now() - t0);
        if (o.ret != (int)i || o.cpu != cpu_target) {
            fprintf(stderr, "%s: the thread ran on CPU %d, not %d\n", PROG, o.cpu, cpu_target);
            return -1;
        }
    }
    return 0;
}

/* ---- the runtime ------------------------------------------------------------- */

static int cpu_fn(void *arg)
{
    (void)arg;
    return sched_getcpu();
}

/* n calls to node 0 from the caller's CPU, each timed and checked. gap_us:
 * sleep between calls (so the worker has gone to sleep), 0 for none. */
static int bench_calls(struct vt_exec *rt, struct series *s, size_t n, enum vt_exec_path want,
                       unsigned gap_us)
{
    for (size_t i = 0; i < n; i++) {
        struct vt_exec_info info;
        double t0;
        int cpu;

        if (gap_us)
            usleep(gap_us);
        t0 = bench_now();
        cpu = vt_exec_on_node(rt, 0, cpu_fn, NULL, &info);
        series_add(s, bench_now() - t0);
        if (cpu != cpu_target || info.path != want) {
            fprintf(stderr,
                    "%s: %s: ran on CPU %d by the %s path, expected CPU %d by the %s path\n", PROG,
                    s->name, cpu, vt_exec_path_name(info.path), cpu_target,
                    vt_exec_path_name(want));
            return -1;
        }
    }
    return 0;
}

/* The fast path and a direct call: batches of `batch` calls, one sample per
 * batch (a single call is shorter than the clock's resolution). */
static int bench_inline(struct vt_exec *rt, struct series *inl, struct series *direct,
                        size_t batches, size_t batch)
{
    int (*volatile call)(void *) = trivial_fn;
    struct vt_exec_info info;
    int one = 1;
    long sum = 0;

    if (vt_exec_on_node(rt, 0, trivial_fn, &one, &info) != 1 || info.path != VT_EXEC_PATH_INLINE) {
        fprintf(stderr, "%s: the fast path was not taken (%s path)\n", PROG,
                vt_exec_path_name(info.path));
        return -1;
    }
    for (size_t b = 0; b < batches; b++) {
        double t0 = bench_now(), t1, t2;

        for (size_t i = 0; i < batch; i++)
            sum += vt_exec_on_node(rt, 0, trivial_fn, &one, NULL);
        t1 = bench_now();
        for (size_t i = 0; i < batch; i++)
            sum += call(&one);
        t2 = bench_now();
        series_add(inl, (t1 - t0) / (double)batch);
        series_add(direct, (t2 - t1) / (double)batch);
    }
    if (sum != (long)(2 * batches * batch)) {
        fprintf(stderr, "%s: wrong return values on the fast path\n", PROG);
        return -1;
    }
    return 0;
}

/* ---- setup ------------------------------------------------------------------- */

static int put(const char *dir, const char *rel, const char *text)
{
    char path[4096], sub[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    for (char *p = strchr(path + strlen(dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
        snprintf(sub, sizeof(sub), "%.*s", (int)(p - path), path);
        mkdir(sub, 0755);
    }
    if (!(f = fopen(path, "w")) || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write %s\n", PROG, path);
        return -1;
    }
    return 0;
}

/* node 0 = cpu_target, node 1 = cpu_caller. */
static int make_dump(const char *dir)
{
    char buf[64], cpus[32];
    const char *files[][2] = {
        {"sys/devices/system/node/online", "0-1"},
        {"sys/devices/system/node/possible", "0-1"},
        {"sys/devices/system/node/node0/distance", "10 20"},
        {"sys/devices/system/node/node1/distance", "20 10"},
        {"sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 1048576 kB"},
        {"sys/devices/system/node/node1/meminfo", "Node 1 MemTotal: 1048576 kB"},
    };

    snprintf(cpus, sizeof(cpus), "%d,%d", cpu_target, cpu_caller);
    if (put(dir, "sys/devices/system/cpu/online", cpus) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (put(dir, files[i][0], files[i][1]) < 0)
            return -1;
    snprintf(buf, sizeof(buf), "%d", cpu_target);
    if (put(dir, "sys/devices/system/node/node0/cpulist", buf) < 0)
        return -1;
    snprintf(buf, sizeof(buf), "%d", cpu_caller);
    return put(dir, "sys/devices/system/node/node1/cpulist", buf);
}

static struct vt_exec *runtime(const char *dir, enum vt_exec_mode mode)
{
    struct vt_host_source src = {VT_HOST_SYSFS, dir, NULL};
    struct vt_exec_options o = {.mode = mode};
    struct vt_exec *rt;
    struct vt_err err;

    if (vt_exec_new(&src, &o, &rt, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROG, err.msg);
        return NULL;
    }
    return rt;
}

static void report(const struct series *s, const char *unit, double scale)
{
    printf("  %-34s median %9.3f %s   p99 %9.3f %s   (%zu samples)\n", s->name, s->median * scale,
           unit, s->p99 * scale, unit, s->n);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: %s [--rounds N] [--samples N] [--batches N] [--batch N]\n"
            "  --rounds N    interleaved rounds (default 10)\n"
            "  --samples N   handoff samples per method per round (default 2000)\n"
            "  --batches N   fast-path batches per round (default 101)\n"
            "  --batch N     calls per fast-path batch (default 10000)\n",
            PROG);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rounds", required_argument, NULL, 'r'},  {"samples", required_argument, NULL, 's'},
        {"batches", required_argument, NULL, 'B'}, {"batch", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    size_t rounds = 10, samples = 2000, batches = 101, batch = 10000;
    char dir[] = "/tmp/vtopo-bench-exec-XXXXXX", cmd[128];
    struct series futex = {0}, spin = {0}, worker = {0}, asleep = {0}, thread = {0}, migrate = {0},
                  inl = {0}, direct = {0};
    struct vt_exec *rt = NULL, *mrt = NULL;
    cpu_set_t allowed;
    int opt, idx = 0, rc = 1;

    while ((opt = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
        size_t *dst = opt == 'r' ? &rounds : opt == 's' ? &samples : opt == 'B' ? &batches : &batch;

        if (opt == 'h' || opt == '?') {
            usage();
            return opt == 'h' ? 0 : 2;
        }
        if (bench_parse_count(longopts[idx].name, optarg, dst) < 0)
            return 2;
    }
    if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0 || CPU_COUNT(&allowed) < 2) {
        fprintf(stderr, "%s: needs two CPUs this process may use\n", PROG);
        return 2;
    }
    cpu_target = cpu_caller = -1;
    for (int c = 0; c < CPU_SETSIZE && cpu_caller < 0; c++)
        if (CPU_ISSET(c, &allowed)) {
            if (cpu_target < 0)
                cpu_target = c;
            else
                cpu_caller = c;
        }
    if (!mkdtemp(dir) || make_dump(dir) < 0) {
        fprintf(stderr, "%s: cannot create the sysfs dump in /tmp\n", PROG);
        return 1;
    }
    if (series_init(&futex, "futex ping-pong (floor)", rounds * samples) < 0 ||
        series_init(&spin, "spin ping-pong", rounds * samples) < 0 ||
        series_init(&worker, "worker path (worker awake)", rounds * samples) < 0 ||
        series_init(&asleep, "worker path (worker asleep)", rounds * (samples / 20 + 1)) < 0 ||
        series_init(&thread, "pthread_create+affinity+join", rounds * (samples / 4 + 1)) < 0 ||
        series_init(&migrate, "migrate path", rounds * samples) < 0 ||
        series_init(&inl, "fast path (inline)", rounds * batches) < 0 ||
        series_init(&direct, "direct call", rounds * batches) < 0) {
        fprintf(stderr, "%s: out of memory\n", PROG);
        goto out;
    }
    bench_print_machine();
    printf("[exec] caller on CPU %d; node 0 = CPU %d (a sysfs dump in %s); fn returns "
           "sched_getcpu(), checked on every call\n",
           cpu_caller, cpu_target, dir);
    printf("  %zu rounds; per round and method: %zu handoffs (asleep: %zu after a 200 us "
           "pause each; thread per call: %zu), %zu fast-path batches of %zu calls\n",
           rounds, samples, samples / 20 + 1, samples / 4 + 1, batches, batch);
    if (!(rt = runtime(dir, VT_EXEC_MODE_WORKER)) || !(mrt = runtime(dir, VT_EXEC_MODE_MIGRATE)))
        goto out;

    for (size_t r = 0; r < rounds; r++) {
        pin(cpu_caller);
        if (bench_pingpong(&futex, samples, true) < 0 ||
            bench_pingpong(&spin, samples, false) < 0 ||
            bench_calls(rt, &worker, samples, VT_EXEC_PATH_WORKER, 0) < 0 ||
            bench_calls(rt, &asleep, samples / 20 + 1, VT_EXEC_PATH_WORKER, 200) < 0 ||
            bench_thread_per_call(&thread, samples / 4 + 1) < 0 ||
            bench_calls(mrt, &migrate, samples, VT_EXEC_PATH_MIGRATE, 0) < 0)
            goto out;
        pin(cpu_target);
        if (bench_inline(rt, &inl, &direct, batches, batch) < 0)
            goto out;
    }

    series_done(&futex);
    series_done(&spin);
    series_done(&worker);
    series_done(&asleep);
    series_done(&thread);
    series_done(&migrate);
    series_done(&inl);
    series_done(&direct);
    printf("round trips (caller CPU %d -> CPU %d -> back):\n", cpu_caller, cpu_target);
    report(&futex, "us", 1e6);
    report(&spin, "us", 1e6);
    report(&worker, "us", 1e6);
    report(&asleep, "us", 1e6);
    report(&thread, "us", 1e6);
    report(&migrate, "us", 1e6);
    printf("per call, on the target's CPU (mean of each batch):\n");
    report(&inl, "ns", 1e9);
    report(&direct, "ns", 1e9);
    printf("RESULT worker/futex-ping-pong median %.3f (target <= 1.5); p99 %.3f\n",
           worker.median / futex.median, worker.p99 / futex.p99);
    printf("RESULT thread-per-call/worker median %.1fx (target >= 10x); p99 %.1fx\n",
           thread.median / worker.median, thread.p99 / worker.p99);
    printf("RESULT fast path adds %.1f ns median to a direct call (target < 100 ns); p99 of "
           "batches %.1f ns vs %.1f ns\n",
           (inl.median - direct.median) * 1e9, inl.p99 * 1e9, direct.p99 * 1e9);
    printf("RESULT migrate/worker median %.1fx; migrate/futex-ping-pong %.2f; worker/spin "
           "ping-pong %.2f; worker asleep/futex ping-pong %.2f\n",
           migrate.median / worker.median, migrate.median / futex.median,
           worker.median / spin.median, asleep.median / futex.median);
    rc = 0;
out:
    vt_exec_free(rt);
    vt_exec_free(mrt);
    free(futex.v);
    free(spin.v);
    free(worker.v);
    free(asleep.v);
    free(thread.v);
    free(migrate.v);
    free(inl.v);
    free(direct.v);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "%s: could not remove %s\n", PROG, dir);
    return rc;
}
