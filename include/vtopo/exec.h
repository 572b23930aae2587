/* vt_exec: run a function synchronously (or asynchronously) on a host node's
 * housekeeping CPUs — what the Linux driver core does for a PCI probe on the
 * device's node — so that its allocations and first touches land there. */
#ifndef VTOPO_EXEC_H
#define VTOPO_EXEC_H

#include <stddef.h>

#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Semantics (docs/exec.md has the reasoning and the kernel's equivalents).
 *
 * Exactly once. Every vt_exec_on_node / vt_exec_on_device call runs fn
 * exactly once — never zero times, never twice — and returns fn's return
 * value unchanged (negative values included). When fn cannot run where it was
 * asked to (the node does not exist, is offline, has no housekeeping CPU, a
 * worker cannot be started, binding to the node fails even after a refresh),
 * fn runs on the calling thread, where it is, and info->path is
 * VT_EXEC_PATH_LOCAL with info->reason saying why. vt_exec_submit'ed
 * functions likewise run exactly once, on a worker or, failing that, on the
 * submitting or waiting thread.
 *
 * Housekeeping CPUs of a node are its CPUs that are online, not isolated
 * (isolcpus=), not nohz_full, and inside the process's allowed CPUs: the
 * affinity mask of the process (its main thread), which the kernel keeps
 * inside the process's cgroup cpuset. Pinning the main thread yourself (as
 * DPDK-style programs do, or with vt_exec_bind_node) therefore narrows what
 * every thread may reach from the next vt_exec_new or refresh on: pin
 * another thread, or pin the main one only after the last refresh. The host
 * model's node and CPU ids are
 * taken as this kernel's, also for a sysfs dump (--fsroot): CPUs the model
 * names that this process may not use are simply not housekeeping CPUs.
 *
 * Paths, in order of preference:
 *  - inline (fast path): the calling thread's affinity mask is already inside
 *    the target's housekeeping CPUs, so fn is called directly, no handoff.
 *    The mask is cached per thread (sched_getaffinity costs more than the
 *    whole fast path): vtopo's own changes update the cache, a refresh makes
 *    every thread re-read it, and other changes are seen within about a
 *    millisecond (at once if they moved the thread off the cached CPUs);
 *  - worker (the default): persistent worker threads per node, bound to the
 *    node's housekeeping CPUs, take the call through a spin-then-futex
 *    handoff; the call path allocates nothing;
 *  - migrate (VT_EXEC_MODE_MIGRATE): the calling thread's affinity is
 *    restricted to the node for the duration of fn and then restored — what
 *    the kernel's first PCI local-node probe did. Calls made on a worker
 *    thread (fn calling vt_exec_on_node) take the inline path if they can
 *    and this one otherwise, so nested calls never wait for another worker
 *    and cannot deadlock.
 *
 * CPU-less nodes with memory (memory-only nodes, or nodes whose CPUs went
 * offline) run fn on the nearest node with housekeeping CPUs by distance
 * (ties: the lower pnode), with the running thread's memory policy set to
 * MPOL_PREFERRED for the target node for the duration of fn and restored
 * afterwards. The policy names the kernel node with the pnode's id, and is
 * applied only when this process may allocate there (the node is in its
 * cpuset's mems, get_mempolicy(MPOL_F_MEMS_ALLOWED)); otherwise fn still runs
 * on the nearest node and info->flags has VT_EXEC_F_MEMPOLICY_SKIPPED.
 *
 * CPU hotplug. A CPU going offline or a node losing its CPUs never strands a
 * call: a failed sched_setaffinity (on a worker or on the migrate path) makes
 * the call refresh the runtime's view (VT_EXEC_F_REFRESHED) and retry once,
 * then fall back to the calling thread; vt_exec_refresh re-reads the host on
 * demand. A node left without online CPUs is treated as CPU-less.
 *
 * Thread safety. Any number of threads may call vt_exec_on_node,
 * vt_exec_on_device, vt_exec_submit, vt_exec_wait and vt_exec_refresh at
 * once; fn may call them too (reentrancy). vt_exec_free must not race with
 * any other call on the same runtime. In a child process after fork() the
 * runtime has no workers: synchronous calls take the migrate path there.
 */

struct vt_exec;

typedef int vt_exec_fn(void *arg);

enum vt_exec_mode {
    VT_EXEC_MODE_WORKER = 0, /* hand calls to per-node worker threads */
    VT_EXEC_MODE_MIGRATE,    /* move the calling thread for the duration of the call */
};

/* vt_exec_options.flags */
#define VT_EXEC_LAZY    0x1u /* start a node's workers on its first call, not in vt_exec_new */
#define VT_EXEC_NO_SPIN 0x2u /* never spin: workers and callers block in futex_wait at once */

struct vt_exec_options {
    enum vt_exec_mode mode;
    unsigned flags;            /* VT_EXEC_* above */
    unsigned workers_per_node; /* 0: 1 */
    /* How long an idle worker polls for the next call, and a caller for its
     * result, before sleeping in the kernel. 0: 50000 ns. On virtual machines
     * a futex wake of a halted vCPU costs tens of microseconds; polling for a
     * while avoids it for back-to-back calls. */
    unsigned spin_ns;
    size_t stack_size; /* worker stack size; 0: the C library's default */
};

enum vt_exec_path {
    VT_EXEC_PATH_NONE = 0,
    VT_EXEC_PATH_INLINE,  /* fast path: the caller already ran inside the target's CPUs */
    VT_EXEC_PATH_WORKER,  /* a worker thread bound to the target ran fn */
    VT_EXEC_PATH_MIGRATE, /* the calling thread ran fn with its affinity narrowed to the target */
    VT_EXEC_PATH_LOCAL,   /* fallback: the calling thread ran fn where it was; see reason */
};

/* Why fn ran on the calling thread (VT_EXEC_PATH_LOCAL); NONE otherwise. */
enum vt_exec_reason {
    VT_EXEC_REASON_NONE = 0,
    VT_EXEC_REASON_NO_RUNTIME,      /* rt was NULL */
    VT_EXEC_REASON_INVALID_NODE,    /* not a possible node of the host */
    VT_EXEC_REASON_OFFLINE_NODE,    /* a possible node that is not online */
    VT_EXEC_REASON_NO_HOUSEKEEPING, /* online CPUs all isolated, nohz_full or not allowed */
    VT_EXEC_REASON_NO_CPU_NODE,     /* CPU-less and no usable node at a known distance,
                                       or CPU-less without memory */
    VT_EXEC_REASON_UNKNOWN_DEVICE,  /* no such PCI device, or not a PCI address */
    VT_EXEC_REASON_DEVICE_NO_NODE,  /* numa_node -1 and local CPUs not narrower than all */
    VT_EXEC_REASON_NO_WORKER,       /* the target's worker threads could not be started */
    VT_EXEC_REASON_AFFINITY_FAILED, /* sched_setaffinity to the target failed, also after
                                       a refresh */
};

/* vt_exec_info.flags */
#define VT_EXEC_F_NEAREST           0x01u /* CPU-less target: ran on the nearest node */
#define VT_EXEC_F_MEMPOLICY         0x02u /* MPOL_PREFERRED for mem_pnode during fn */
#define VT_EXEC_F_MEMPOLICY_SKIPPED 0x04u /* mem_pnode is not in this process's mems */
#define VT_EXEC_F_MEMPOLICY_FAILED  0x08u /* set_mempolicy failed; fn ran without it */
#define VT_EXEC_F_REFRESHED         0x10u /* an affinity failure refreshed the runtime */
#define VT_EXEC_F_NESTED            0x20u /* called on a worker: migrate instead of handoff */
#define VT_EXEC_F_STOLEN            0x40u /* submitted call run by the thread waiting for it */
#define VT_EXEC_F_RESTORE_FAILED                                                                   \
    0x80u /* migrate: the old affinity could not be restored;                                      \
             the thread got the process's allowed CPUs */

/* Where and how a call ran. */
struct vt_exec_info {
    enum vt_exec_path path;
    enum vt_exec_reason reason;
    unsigned flags;   /* VT_EXEC_F_* */
    int cpu;          /* CPU fn started on (sched_getcpu), -1 if unknown */
    int pnode;        /* the host model's node of that CPU, -1 if none */
    int target_pnode; /* the node asked for (a device's numa_node), -1 for none */
    int mem_pnode;    /* node whose memory fn preferred (CPU-less targets), -1 for none */
};

/*
 * Create a runtime on the host src describes (NULL: the live system's sysfs).
 * The source is read again by vt_exec_refresh. opts NULL: defaults. Worker
 * threads are started here (unless VT_EXEC_LAZY, or the migrate mode, where
 * they start when a node is first used); a worker that cannot be started is
 * not an error — calls to its node then run on the caller
 * (VT_EXEC_REASON_NO_WORKER) and a later refresh tries again.
 */
VT_API int vt_exec_new(const struct vt_host_source *src, const struct vt_exec_options *opts,
                       struct vt_exec **out, struct vt_err *err);
/* Stop and join the workers and free everything. Every submitted call must
 * have been waited for. Accepts NULL. */
VT_API void vt_exec_free(struct vt_exec *rt);

/*
 * Run fn(arg) on a housekeeping CPU of host node pnode and return its value.
 * info (may be NULL) says where and how it ran. fn NULL: returns -EINVAL and
 * runs nothing. rt NULL: fn runs on the caller (VT_EXEC_REASON_NO_RUNTIME).
 *
 * A node that does not exist (or is offline, or has no usable CPU) is not
 * refused: fn runs on the caller and info->reason says why
 * (VT_EXEC_REASON_INVALID_NODE, ...). The call is the probe of a device
 * driver, which must run exactly once whatever the topology does under it (a
 * node hot-removed between the caller's look and the call is the same case),
 * and fn's return value is its own; a caller that wants a refusal checks the
 * node first (vt_host_node_index on vt_exec_host) or info->reason after.
 * `vtopo exec --node N` does refuse a node the host lacks: a command line has
 * no one to hand the reason to.
 */
VT_API int vt_exec_on_node(struct vt_exec *rt, int pnode, vt_exec_fn *fn, void *arg,
                           struct vt_exec_info *info);

/*
 * Run fn(arg) near PCI device bdf ("0000:3b:00.0", or "3b:00.0" for domain
 * 0): on its numa_node as vt_exec_on_node does; when numa_node is -1, on the
 * housekeeping CPUs of its local_cpulist if that is narrower than all online
 * CPUs; otherwise on the caller (VT_EXEC_REASON_DEVICE_NO_NODE).
 */
VT_API int vt_exec_on_device(struct vt_exec *rt, const char *bdf, vt_exec_fn *fn, void *arg,
                             struct vt_exec_info *info);

/*
 * The asynchronous form (the kernel's async probe): queue fn(arg) for a
 * worker of the target and return at once, so that many devices can be
 * probed in parallel, each on its own node. req is caller-owned storage that
 * must stay valid until vt_exec_wait returns; nothing is allocated. Submitted
 * calls always go to a worker (never inline: that would serialize them).
 * When no worker can take the call, fn runs before vt_exec_submit returns.
 * Returns 0 when queued, 1 when fn already ran, -EINVAL (fn not run) when req
 * or fn is NULL. Every successful submit needs exactly one vt_exec_wait.
 */
struct vt_exec_req {
    unsigned char opaque_[256];
} __attribute__((aligned(64)));

VT_API int vt_exec_submit(struct vt_exec *rt, struct vt_exec_req *req, int pnode, vt_exec_fn *fn,
                          void *arg);
VT_API int vt_exec_submit_device(struct vt_exec *rt, struct vt_exec_req *req, const char *bdf,
                                 vt_exec_fn *fn, void *arg);
/*
 * Wait for a submitted call and return fn's value; info as for
 * vt_exec_on_node. A worker waiting for a call that no worker has started yet
 * runs it itself (VT_EXEC_F_STOLEN), so waiting inside fn cannot deadlock.
 * Wait in the process that submitted: a child after fork() has no workers,
 * and a parent's request never completes there.
 */
VT_API int vt_exec_wait(struct vt_exec_req *req, struct vt_exec_info *info);

/*
 * Re-read the host (its source as given to vt_exec_new), the process's
 * allowed CPUs and memory nodes, and re-target every node and device. Calls
 * in flight finish where they were sent; later calls use the new view;
 * workers re-bind before their next call. Starts workers that are missing.
 * On error the previous view stays in force.
 */
VT_API int vt_exec_refresh(struct vt_exec *rt, struct vt_err *err);

/* Memory policy for vt_exec_bind_*. */
enum vt_exec_mem {
    VT_EXEC_MEM_DEFAULT = 0, /* unchanged (CPU-less targets: preferred) */
    VT_EXEC_MEM_PREFERRED,   /* MPOL_PREFERRED on the node */
    VT_EXEC_MEM_BIND,        /* MPOL_BIND to the node */
};

/*
 * Bind the calling thread for good, as numactl --cpunodebind (and --membind
 * or --preferred) would, for what it runs or exec()s next: its affinity
 * becomes the target's housekeeping CPUs (for a CPU-less node, the nearest
 * node's) and its memory policy as mem says. Unlike vt_exec_on_node this
 * fails — with a sentence naming the node or device and the reason — when
 * the target cannot be honoured: -EINVAL for a node that does not exist, is
 * offline, has no housekeeping CPU or no memory to bind, or a bad PCI
 * address; -ENOENT for an unknown device; -errno when the kernel refuses.
 * A device with no node and no narrower local CPUs leaves the thread as it is
 * (info->reason VT_EXEC_REASON_DEVICE_NO_NODE, returns 0) unless mem asks for
 * a node's memory (-EINVAL). info may be NULL.
 */
VT_API int vt_exec_bind_node(struct vt_exec *rt, int pnode, enum vt_exec_mem mem,
                             struct vt_exec_info *info, struct vt_err *err);
VT_API int vt_exec_bind_device(struct vt_exec *rt, const char *bdf, enum vt_exec_mem mem,
                               struct vt_exec_info *info, struct vt_err *err);

/*
 * Which NUMA node each of the caller's own addresses is on — move_pages(2)
 * with no target nodes, through libnuma. nodes[i] is the kernel node id of
 * the page holding addrs[i], or a negative errno for that address alone:
 * -ENOENT (mapped but not populated yet), -EFAULT (not mapped, or a page that
 * cannot be queried, such as the zero page), ... One bad address never fails
 * the batch. Returns how many addresses have a node, or a negative errno when
 * the query itself cannot be made (-EINVAL: a NULL array with n > 0; -ENOSYS:
 * a kernel without NUMA).
 */
VT_API long vt_exec_query_nodes(const void *const *addrs, size_t n, int *nodes);

/* The host model of the runtime's current view (its warnings, nodes and
 * devices). A refresh may install a newer one; this one stays valid until
 * vt_exec_free. */
VT_API const struct vt_host *vt_exec_host(const struct vt_exec *rt);

/* Short names for messages: "inline", "worker", "migrate", "local". */
VT_API const char *vt_exec_path_name(enum vt_exec_path path);
/* A phrase for a reason: "node is offline", ... ("" for NONE). */
VT_API const char *vt_exec_reason_text(enum vt_exec_reason reason);

#ifdef __cplusplus
}
#endif

#endif
