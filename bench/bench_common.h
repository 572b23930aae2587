/* Helpers shared by the benchmarks: clocks, medians, a seeded generator,
 * option parsing, and running a program as a child process to time it and
 * read its peak memory (wait4's ru_maxrss, and VmHWM at exit under ptrace).
 * Messages are prefixed with the benchmark's own name. */
#ifndef VT_BENCH_COMMON_H
#define VT_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);
/* Median of v[0..n) (sorts v, so v[0] and v[n-1] are then the min and max). */
double bench_median(double *v, size_t n);

/* splitmix64: seeded, reproducible, good enough for benchmark inputs. */
uint64_t bench_rng_next(uint64_t *state);
uint64_t bench_rng_below(uint64_t *state, uint64_t bound);
/* A seed from the time and the pid. */
uint64_t bench_default_seed(void);

/* A count from 1 to 2^32 for option opt; prints the problem and returns -1. */
int bench_parse_count(const char *opt, const char *s, size_t *out);
int bench_parse_seed(const char *s, uint64_t *out);
/* "machine: N online CPUs, Linux x.y x86_64; load average a b c". */
void bench_print_machine(void);

/* A program to run: argv[0] is looked up in PATH; env holds NAME, VALUE
 * pairs set in the child only (NULL-terminated; NULL for none). */
struct bench_proc {
    const char *name;
    char **argv;
    const char *const *env;
};

struct bench_run {
    double seconds;  /* fork to reaped */
    long maxrss_kib; /* ru_maxrss of the child */
};

/*
 * Run p once, stdout to out_path, stderr to err_path (each NULL: /dev/null);
 * wait4 gives the child's peak RSS. Linux takes ru_maxrss as the larger of the
 * exec'd image's peak and that of the forked copy of the bench it replaced, so
 * a bench keeps its heap small while it spawns; bench_run_traced reads the
 * exec'd image's own peak as a cross-check. Returns 0, or -1 (reported) when
 * the program cannot run or exits non-zero.
 */
int bench_run_once(const struct bench_proc *p, const char *out_path, const char *err_path,
                   struct bench_run *res);

/*
 * Run p under ptrace, stopped as it exits to read VmHWM (the peak RSS of the
 * exec'd program alone, whatever the bench's size) and RssAnon (its private
 * memory then). Not timed: the stops cost time. Returns 0, 1 when ptrace is
 * not allowed, or -1.
 */
int bench_run_traced(const struct bench_proc *p, long *hwm_kib, long *anon_kib);

/* First run of a program: output to a file in tmpdir that must contain
 * needle, so a silently broken setup cannot produce a flattering figure; on
 * failure, show what the program said. Returns 0 or -1. */
int bench_warm_up(const struct bench_proc *p, const char *tmpdir, const char *needle);

/* Print "  NAME wall median ... peak RSS median ..." for n runs (sorts t);
 * stores the medians. */
void bench_print_stats(const char *name, double *t, const long *rss, size_t n, double *med_t,
                       double *med_rss);

#endif
