/* The process-wide state of the execution runtime, the only global mutable
 * state of libvtopo: the kernel's mask sizes, the fork generation, the main
 * thread's saved affinity while it migrates, the per-thread affinity cache of
 * the fast path and the list of live runtimes that fork() locks. */
#include <errno.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exec/exec_internal.h"

#define TLS_WORDS 16u /* fast-path cache: machines up to 1024 CPUs */
/* How long a thread's cached affinity mask is believed: 2^21 TSC ticks, about
 * a millisecond (0.5-1 ms at 2-4 GHz); 2^21 ns where there is no TSC. */
#define AFFINITY_TRUST (1u << 21)

static pthread_once_t sys_once = PTHREAD_ONCE_INIT;
static struct exec_sys sys_info;
static atomic_uint fork_gen;
static atomic_int main_pid;
static atomic_ulong aff_epoch = 1;
/* While vtopo narrows the main thread's affinity (migrate path), what it was:
 * the process's allowed CPUs are read from here instead of from the kernel. */
static pthread_mutex_t main_lock = PTHREAD_MUTEX_INITIALIZER;
static int main_depth;
static unsigned long main_saved[EXEC_MAX_CPU_WORDS];

/* Per thread: a cache of the thread's own affinity mask for the fast path. */
struct tls_aff {
    bool valid;
    unsigned long epoch;
    uint64_t stamp; /* when the mask was read (stamp()) */
    unsigned long mask[TLS_WORDS];
};
static __thread struct tls_aff tls_aff;
static __thread pid_t tls_tid;

/* The runtimes alive, so that fork() can take their locks: a child must not
 * inherit a runtime's lock held by a thread (a refresh) it does not have. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vt_exec *live_rts;

/* Lock order: live_lock, then a runtime's lock, then main_lock. */
static void atfork_prepare(void)
{
    pthread_mutex_lock(&live_lock);
    for (struct vt_exec *rt = live_rts; rt; rt = rt->next_live)
        pthread_mutex_lock(&rt->lock);
    pthread_mutex_lock(&main_lock);
}

static void atfork_unlock(void)
{
    pthread_mutex_unlock(&main_lock);
    for (struct vt_exec *rt = live_rts; rt; rt = rt->next_live)
        pthread_mutex_unlock(&rt->lock);
    pthread_mutex_unlock(&live_lock);
}

static void atfork_parent(void)
{
    atfork_unlock();
}

static void atfork_child(void)
{
    atomic_fetch_add(&fork_gen, 1);
    atomic_store(&main_pid, (int)getpid());
    tls_tid = 0;
    main_depth = 0;
    atfork_unlock();
}

static void sys_init(void)
{
    static unsigned long buf[EXEC_MAX_CPU_WORDS];
    long conf = sysconf(_SC_NPROCESSORS_CONF);
    size_t words = conf > 0 ? ((size_t)conf + WORD_BITS - 1) / WORD_BITS : 1;

    /* The kernel refuses masks smaller than its nr_cpu_ids (EINVAL). */
    for (; words <= EXEC_MAX_CPU_WORDS; words *= 2)
        if (sched_getaffinity(0, words * sizeof(*buf), (cpu_set_t *)buf) == 0 || errno != EINVAL)
            break;
    sys_info.cpu_words = words <= EXEC_MAX_CPU_WORDS ? words : 0;
    /* The same for node masks; without NUMA system calls no policy is set. */
    for (size_t bits = WORD_BITS; bits <= EXEC_MAX_MEM_WORDS * WORD_BITS; bits *= 2) {
        if (syscall(SYS_get_mempolicy, NULL, buf, bits + 1, NULL, MPOL_F_MEMS_ALLOWED) == 0) {
            sys_info.mem_bits = bits;
            break;
        }
        if (errno != EINVAL)
            break;
    }
    atomic_store(&main_pid, (int)getpid());
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

const struct exec_sys *exec_sys_init(void)
{
    pthread_once(&sys_once, sys_init);
    return &sys_info;
}

void exec_live_add(struct vt_exec *rt)
{
    pthread_mutex_lock(&live_lock);
    rt->next_live = live_rts;
    live_rts = rt;
    pthread_mutex_unlock(&live_lock);
}

void exec_live_remove(struct vt_exec *rt)
{
    pthread_mutex_lock(&live_lock);
    for (struct vt_exec **pp = &live_rts; *pp; pp = &(*pp)->next_live)
        if (*pp == rt) {
            *pp = rt->next_live;
            break;
        }
    pthread_mutex_unlock(&live_lock);
}

uint64_t exec_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const struct exec_sys *exec_sys(void)
{
    return &sys_info;
}

unsigned exec_fork_gen(void)
{
    return atomic_load_explicit(&fork_gen, memory_order_relaxed);
}

void exec_epoch_bump(void)
{
    atomic_fetch_add(&aff_epoch, 1);
}

size_t exec_cpu_bytes(void)
{
    return sys_info.cpu_words * sizeof(unsigned long);
}

bool exec_thread_is_main(void)
{
    if (!tls_tid)
        tls_tid = (pid_t)syscall(SYS_gettid);
    return tls_tid == atomic_load_explicit(&main_pid, memory_order_relaxed);
}

int exec_process_affinity(unsigned long *set)
{
    int rc = 0;

    pthread_mutex_lock(&main_lock);
    if (main_depth > 0)
        memcpy(set, main_saved, exec_cpu_bytes());
    else if (sched_getaffinity(atomic_load(&main_pid), exec_cpu_bytes(), (cpu_set_t *)set) < 0)
        rc = -errno;
    pthread_mutex_unlock(&main_lock);
    return rc;
}

void exec_main_enter(const unsigned long *saved)
{
    pthread_mutex_lock(&main_lock);
    if (main_depth++ == 0)
        memcpy(main_saved, saved, exec_cpu_bytes());
    pthread_mutex_unlock(&main_lock);
}

void exec_main_leave(void)
{
    pthread_mutex_lock(&main_lock);
    if (main_depth > 0)
        main_depth--;
    pthread_mutex_unlock(&main_lock);
}

static inline uint64_t stamp(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#else
    return exec_now_ns();
#endif
}

void exec_tls_set_affinity(const unsigned long *set)
{
    size_t words = sys_info.cpu_words;

    if (!set || words > TLS_WORDS) {
        tls_aff.valid = false;
        return;
    }
    memcpy(tls_aff.mask, set, words * sizeof(*set));
    tls_aff.valid = true;
    tls_aff.epoch = atomic_load_explicit(&aff_epoch, memory_order_relaxed);
    tls_aff.stamp = stamp();
}

/*
 * Is the calling thread's affinity mask inside cpus? cpu: where it runs now.
 * sched_getaffinity costs a few hundred ns, more than the whole fast path, so
 * the mask is cached per thread and believed for about a millisecond
 * (AFFINITY_TRUST) while the thread runs on one of its CPUs. vtopo's own
 * changes (migrate, bind, workers) update the cache at once; a refresh
 * (exec_epoch_bump) makes every thread read its mask again; a change made by
 * anyone else is noticed within that millisecond.
 */
bool exec_thread_inside(const unsigned long *cpus, int cpu)
{
    size_t words = sys_info.cpu_words;

    if (!set_has(cpus, words, cpu))
        return false;
    if (words > TLS_WORDS) {
        unsigned long m[EXEC_MAX_CPU_WORDS];

        return sched_getaffinity(0, exec_cpu_bytes(), (cpu_set_t *)m) == 0 &&
               set_subset(m, cpus, words);
    }
    if (!tls_aff.valid || tls_aff.epoch != atomic_load_explicit(&aff_epoch, memory_order_relaxed) ||
        !set_has(tls_aff.mask, words, cpu) || stamp() - tls_aff.stamp >= AFFINITY_TRUST) {
        if (sched_getaffinity(0, exec_cpu_bytes(), (cpu_set_t *)tls_aff.mask) < 0) {
            tls_aff.valid = false;
            return false;
        }
        tls_aff.valid = true;
        tls_aff.epoch = atomic_load_explicit(&aff_epoch, memory_order_relaxed);
        tls_aff.stamp = stamp();
    }
    return set_subset(tls_aff.mask, cpus, words);
}
