/* The NUMA-local execution runtime's shared internals: CPU sets in the
 * kernel's layout, topology snapshots, worker pools and requests (internal). */
#ifndef VT_EXEC_INTERNAL_H
#define VT_EXEC_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/exec.h"

/* ---- CPU and node sets as sched_setaffinity / set_mempolicy take them ---- */

/* Words of the largest CPU set vtopo handles (VT_CPU_ID_MAX + 1 CPUs). */
#define EXEC_MAX_CPU_WORDS ((VT_CPU_ID_MAX + 1) / 64)
/* Words of the largest node mask (VT_NODE_ID_MAX + 1 nodes). */
#define EXEC_MAX_MEM_WORDS ((VT_NODE_ID_MAX + 1) / 64)
#define WORD_BITS          64u

/* The kernel's cpumask size in words (what sched_getaffinity accepts) and
 * its node mask size in bits (what get_mempolicy accepts; 0 without NUMA
 * system calls). Process-wide, found once. */
struct exec_sys {
    size_t cpu_words;
    size_t mem_bits;
};
const struct exec_sys *exec_sys(void);

static inline bool set_has(const unsigned long *s, size_t words, int id)
{
    return id >= 0 && (size_t)id / WORD_BITS < words &&
           (s[(size_t)id / WORD_BITS] >> ((size_t)id % WORD_BITS) & 1u);
}

static inline bool set_subset(const unsigned long *a, const unsigned long *b, size_t words)
{
    for (size_t i = 0; i < words; i++)
        if (a[i] & ~b[i])
            return false;
    return true;
}

static inline bool set_empty(const unsigned long *s, size_t words)
{
    for (size_t i = 0; i < words; i++)
        if (s[i])
            return false;
    return true;
}

/* ---- snapshots: what every node and device is sent to ------------------ */

struct exec_pool;

/* Where calls for one node or device go, in one snapshot. */
struct exec_target {
    struct exec_pool *pool;     /* NULL: run on the caller (reason) */
    const unsigned long *cpus;  /* housekeeping CPUs to run on (snapshot storage) */
    int target_pnode;           /* the node asked for (device: numa_node), -1 */
    int run_pnode;              /* node whose CPUs run it (CPU-less: the nearest), -1 */
    int mem_pnode;              /* CPU-less target with memory: its pnode, else -1 */
    int mem_kernel;             /* mem_pnode when this process may allocate there, else -1 */
    unsigned flags;             /* VT_EXEC_F_NEAREST */
    enum vt_exec_reason reason; /* why pool is NULL */
};

struct exec_dev {
    uint64_t key; /* domain << 16 | bus << 8 | dev << 3 | fn */
    struct exec_target t;
};

/* An immutable view of the host for the call path. Published with a release
 * store; replaced ones stay allocated (linked by prev) until vt_exec_free, so
 * a reader never needs a reference count. A refresh that changes nothing
 * publishes nothing. */
struct exec_snap {
    uint64_t gen;
    struct vt_host *host;
    unsigned long *allowed; /* the process's allowed CPUs */
    unsigned long *mems;    /* kernel nodes this process may allocate on */
    struct exec_target *nodes;
    size_t nnodes; /* table size: highest pnode + 1 */
    struct exec_dev *devs;
    size_t ndevs;
    int *cpu_pnode; /* the model's node of each CPU, -1 */
    size_t ncpus;
    unsigned long *sets; /* storage of the targets' CPU sets */
    size_t nsets;
    struct exec_snap *prev;
};

/* ---- requests, pools, workers ------------------------------------------ */

enum { REQ_QUEUED = 1, REQ_RUNNING, REQ_STOLEN };

/* A call in flight. Synchronous calls keep it on the caller's stack;
 * vt_exec_submit keeps it in the caller's struct vt_exec_req. */
struct exec_req {
    struct exec_req *next;
    vt_exec_fn *fn;
    void *arg;
    struct vt_exec *rt;
    const struct exec_snap *snap;
    const struct exec_target *t;
    int key_pnode;    /* how to find the target again after a refresh */
    uint64_t key_dev; /* device key, or UINT64_MAX */
    int state;        /* REQ_*, under the pool's lock */
    /* Completion: 0 pending, 1 done, 2 pending with the waiter asleep (futex). */
    atomic_uint done;
    bool bounced;   /* the worker could not bind; fn did not run */
    bool ran_sync;  /* vt_exec_submit ran fn itself */
    bool submitted; /* a vt_exec_submit request not yet waited for */
    int ret;
    struct vt_exec_info info;
};

struct exec_worker {
    struct exec_pool *pool;
    pthread_t thread;
    uint64_t bound_gen; /* snapshot generation of the CPU set bound, 0: unbound */
    unsigned long bound[EXEC_MAX_CPU_WORDS];
};

/* The workers of one CPU set (a node's housekeeping CPUs, or a device's
 * local CPUs) and their queue. Never freed before the runtime. */
struct exec_pool {
    struct vt_exec *rt;
    unsigned index;
    int pnode;          /* node pool: its pnode; device pool: -1 */
    unsigned long *key; /* device pool: the CPU set it was made for */
    pthread_mutex_t lock;
    struct exec_req *head, *tail; /* FIFO, under lock */
    atomic_uint pending;          /* queued requests (polled without the lock) */
    atomic_uint wake;             /* futex word for sleeping workers */
    atomic_uint sleepers;
    atomic_int stop;
    atomic_uint nworkers; /* started */
    unsigned cap;         /* workers_per_node */
    struct exec_worker *workers;
};

struct vt_exec {
    struct vt_host_source src;
    char *src_arg, *src_acpi;
    struct vt_exec_options opts;
    uint64_t spin_ns;
    bool lazy;
    unsigned fork_gen;
    pthread_mutex_t lock; /* refresh, pool creation, worker start */
    _Atomic(struct exec_snap *) snap;
    struct exec_pool **pools;
    size_t npools, cap_pools;
    struct vt_exec *next_live; /* the list of runtimes fork() locks (state.c) */
    /* Runs a request on a worker thread (exec.c's exec_run_request): the
     * workers call up through this, so worker.c does not depend on exec.c. */
    void (*run_request)(struct exec_worker *w, struct exec_req *r);
};

/* ---- between the files --------------------------------------------------- */

/* topo.c: build a snapshot of the host src describes; creates pools it needs
 * (under rt->lock). */
int exec_snap_build(struct vt_exec *rt, const struct exec_snap *old, struct exec_snap **out,
                    struct vt_err *err);
bool exec_snap_equal(const struct exec_snap *a, const struct exec_snap *b);
void exec_snap_free(struct exec_snap *s);
const struct exec_target *exec_snap_node(const struct exec_snap *s, int pnode);
const struct exec_target *exec_snap_dev(const struct exec_snap *s, uint64_t key);
int exec_snap_cpu_pnode(const struct exec_snap *s, int cpu);
/* A PCI address ("DDDD:BB:DD.F" or "BB:DD.F") as a device key; -EINVAL. */
int exec_bdf_key(const char *bdf, uint64_t *key);

/* worker.c */
struct exec_pool *exec_pool_new(struct vt_exec *rt, int pnode, const unsigned long *key);
void exec_pool_free(struct exec_pool *p);
/* Start the pool's missing workers bound to cpus (rt->lock held). */
void exec_pool_start(struct exec_pool *p, const unsigned long *cpus, uint64_t gen);
void exec_pool_stop(struct exec_pool *p, bool join);
void exec_pool_post(struct exec_pool *p, struct exec_req *r);
/* Take r back from its pool's queue if no worker has started it. */
bool exec_pool_steal(struct exec_req *r);
/* Wait for r to complete; spinning first when may_spin. */
void exec_req_wait(struct exec_req *r, bool may_spin, uint64_t spin_ns);
/* The worker running on this thread, or NULL. */
struct exec_worker *exec_current_worker(void);

/* state.c: the process-wide state. */
/* The process's allowed CPUs (its main thread's affinity, consistently read
 * while that thread may be migrating). */
int exec_process_affinity(unsigned long *set);
/* The kernel's mask sizes, read once (the first call reads them). */
const struct exec_sys *exec_sys_init(void);
size_t exec_cpu_bytes(void);
/* The runtimes alive, whose locks fork() takes. */
void exec_live_add(struct vt_exec *rt);
void exec_live_remove(struct vt_exec *rt);
/* Whether the calling thread's affinity mask lies inside cpus (cpu: where it
 * runs now), from a per-thread cache believed for about a millisecond. */
bool exec_thread_inside(const unsigned long *cpus, int cpu);
/* The thread's affinity changed to set (NULL: unknown): the fast-path cache. */
void exec_tls_set_affinity(const unsigned long *set);
/* Process-wide: bumped by refreshes so that every thread re-reads its mask. */
void exec_epoch_bump(void);
/* Fork generation (bumped in the child of every fork). */
unsigned exec_fork_gen(void);
/* The main thread narrows its affinity (migrate path) with saved as what it
 * was, and leaves again; exec_process_affinity reads saved meanwhile. */
bool exec_thread_is_main(void);
void exec_main_enter(const unsigned long *saved);
void exec_main_leave(void);
uint64_t exec_now_ns(void);

/* futex on a 32-bit atomic. */
void exec_futex_wait(atomic_uint *addr, unsigned val);
void exec_futex_wake(atomic_uint *addr, int n);

static inline void exec_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif
