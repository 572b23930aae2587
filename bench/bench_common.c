/* Helpers shared by the benchmarks (bench_common.h): timing, statistics,
 * seeded inputs, and measured child processes. */
#include "bench_common.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

#define PROG program_invocation_short_name

double bench_now(void)
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

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t bench_rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t bench_rng_below(uint64_t *state, uint64_t bound)
{
    return bound ? bench_rng_next(state) % bound : 0;
}

uint64_t bench_default_seed(void)
{
    return (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
}

int bench_parse_count(const char *opt, const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end || v == 0 || v > (1ull << 32)) {
        fprintf(stderr, "%s: %s %s: expected a count from 1 to 2^32\n", PROG, opt, s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int bench_parse_seed(const char *s, uint64_t *out)
{
    char *end;

    errno = 0;
    *out = strtoull(s, &end, 0);
    if (errno || end == s || *end) {
        fprintf(stderr, "%s: --seed %s: expected a number\n", PROG, s);
        return -1;
    }
    return 0;
}

void bench_print_machine(void)
{
    struct utsname uts;
    double load[3];

    printf("machine: %ld online CPUs", sysconf(_SC_NPROCESSORS_ONLN));
    if (uname(&uts) == 0)
        printf(", %s %s %s", uts.sysname, uts.release, uts.machine);
    printf("; load average ");
    if (getloadavg(load, 3) == 3)
        printf("%.2f %.2f %.2f\n", load[0], load[1], load[2]);
    else
        printf("unknown\n");
}

/* In the forked child: redirect, set the environment, exec. Never returns. */
static void child_exec(const struct bench_proc *p, const char *out_path, const char *err_path,
                       bool traced)
{
    int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int errfd = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (out < 0 || errfd < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(errfd, STDERR_FILENO) < 0)
        _exit(126);
    for (size_t i = 0; p->env && p->env[i] && p->env[i + 1]; i += 2)
        if (setenv(p->env[i], p->env[i + 1], 1) < 0)
            _exit(126);
    if (traced && ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
        _exit(125);
    execvp(p->argv[0], p->argv);
    _exit(127);
}

static int check_status(const struct bench_proc *p, int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        fprintf(stderr, "%s: %s: cannot execute %s\n", PROG, p->name, p->argv[0]);
    else if (WIFEXITED(status))
        fprintf(stderr, "%s: %s exited with status %d\n", PROG, p->name, WEXITSTATUS(status));
    else
        fprintf(stderr, "%s: %s died of signal %d\n", PROG, p->name, WTERMSIG(status));
    return -1;
}

int bench_run_once(const struct bench_proc *p, const char *out_path, const char *err_path,
                   struct bench_run *res)
{
    struct rusage ru;
    double t0 = bench_now();
    pid_t pid = fork();
    int status;

    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", PROG, strerror(errno));
        return -1;
    }
    if (pid == 0)
        child_exec(p, out_path, err_path, false);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "%s: wait4: %s\n", PROG, strerror(errno));
            return -1;
        }
    }
    res->seconds = bench_now() - t0;
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

int bench_run_traced(const struct bench_proc *p, long *hwm_kib, long *anon_kib)
{
    pid_t pid = fork();
    int status;

    *hwm_kib = *anon_kib = -1;
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", PROG, strerror(errno));
        return -1;
    }
    if (pid == 0)
        child_exec(p, NULL, NULL, true);
    for (bool first = true;;) {
        int sig = 0;

        if (waitpid(pid, &status, 0) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: waitpid: %s\n", PROG, strerror(errno));
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

int bench_warm_up(const struct bench_proc *p, const char *tmpdir, const char *needle)
{
    char out_path[4096], err_path[4096], buf[65536];
    struct bench_run res;
    bool found = false;
    size_t len;
    int rc = -1;
    FILE *f;

    snprintf(out_path, sizeof(out_path), "%s/warmup.out", tmpdir);
    snprintf(err_path, sizeof(err_path), "%s/warmup.err", tmpdir);
    if (bench_run_once(p, out_path, err_path, &res) < 0) {
        show_file(err_path);
        goto out;
    }
    if (!(f = fopen(out_path, "r"))) {
        fprintf(stderr, "%s: %s: %s\n", PROG, out_path, strerror(errno));
        goto out;
    }
    while (!found && (len = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
        buf[len] = '\0';
        found = strstr(buf, needle) != NULL;
    }
    fclose(f);
    if (!found) {
        fprintf(stderr, "%s: %s printed no %s; is the setup right?\n", PROG, p->name, needle);
        show_file(err_path);
        goto out;
    }
    rc = 0;
out:
    unlink(out_path);
    unlink(err_path);
    return rc;
}

void bench_print_stats(const char *name, double *t, const long *rss, size_t n, double *med_t,
                       double *med_rss)
{
    double *r = malloc(n * sizeof(*r));
    double lo, hi;

    for (size_t i = 0; r && i < n; i++)
        r[i] = (double)rss[i];
    *med_t = bench_median(t, n);
    lo = t[0];
    hi = t[n - 1];
    *med_rss = r ? bench_median(r, n) : 0;
    printf("  %-9s wall median %8.3f ms  (min %.3f, max %.3f)   peak RSS median %7.0f KiB"
           "  (min %.0f, max %.0f)\n",
           name, *med_t * 1e3, lo * 1e3, hi * 1e3, *med_rss, r ? r[0] : 0, r ? r[n - 1] : 0);
    free(r);
}
