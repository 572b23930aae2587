/* vt_exec: the public entry points of the NUMA-local execution runtime and
 * its three paths — inline (the caller is already there), worker (handoff to
 * a thread bound to the node) and migrate (the caller's affinity narrowed for
 * the call) — with the local fallback that keeps every call exactly-once,
 * memory policy for CPU-less targets, refresh and binding for good. */
#include <errno.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/exec_internal.h"

_Static_assert(sizeof(struct exec_req) <= sizeof(struct vt_exec_req),
               "struct vt_exec_req is too small for a request");
_Static_assert(_Alignof(struct exec_req) <= _Alignof(struct vt_exec_req),
               "struct vt_exec_req is not aligned enough for a request");

#define DEFAULT_SPIN_NS   50000u
#define MAX_WORKERS       1024u
#define KNOWN_FLAGS       (VT_EXEC_LAZY | VT_EXEC_NO_SPIN)
#define NO_DEVICE         UINT64_MAX
#define KEPT_ACROSS_TRIES (VT_EXEC_F_REFRESHED | VT_EXEC_F_NESTED | VT_EXEC_F_STOLEN)

/* ---- memory policy ------------------------------------------------------- */

struct mpol_save {
    int mode;
    unsigned long mask[EXEC_MAX_MEM_WORDS];
};

static int mpol_set(int mode, int node)
{
    unsigned long mask[EXEC_MAX_MEM_WORDS] = {0};

    mask[(unsigned)node / WORD_BITS] = 1ul << ((unsigned)node % WORD_BITS);
    return (int)syscall(SYS_set_mempolicy, mode, mask, exec_sys()->mem_bits + 1);
}

/* Prefer kernel node `node` for the calling thread, saving its policy. */
static unsigned mpol_prefer(int node, struct mpol_save *save)
{
    if (syscall(SYS_get_mempolicy, &save->mode, save->mask, exec_sys()->mem_bits + 1, NULL, 0) <
            0 ||
        mpol_set(MPOL_PREFERRED, node) < 0)
        return VT_EXEC_F_MEMPOLICY_FAILED;
    return VT_EXEC_F_MEMPOLICY;
}

static void mpol_restore(const struct mpol_save *save)
{
    int base = save->mode & ~MPOL_MODE_FLAGS;

    if (base == MPOL_DEFAULT || base == MPOL_LOCAL)
        syscall(SYS_set_mempolicy, save->mode, NULL, 0);
    else
        syscall(SYS_set_mempolicy, save->mode, save->mask, exec_sys()->mem_bits + 1);
}

/* ---- running fn ---------------------------------------------------------- */

static const struct exec_target no_runtime_target = {
    NULL, NULL, -1, -1, -1, -1, 0, VT_EXEC_REASON_NO_RUNTIME,
};
static const struct exec_target unknown_device_target = {
    NULL, NULL, -1, -1, -1, -1, 0, VT_EXEC_REASON_UNKNOWN_DEVICE,
};

static void info_init(struct vt_exec_info *info)
{
    memset(info, 0, sizeof(*info));
    info->cpu = info->pnode = info->target_pnode = info->mem_pnode = -1;
}

static void info_target(struct vt_exec_info *info, const struct exec_target *t)
{
    info->target_pnode = t->target_pnode;
    info->mem_pnode = t->mem_pnode;
    info->flags = (info->flags & KEPT_ACROSS_TRIES) | t->flags;
    info->reason = VT_EXEC_REASON_NONE;
}

/* Run fn on this thread as it is now, with the target's memory policy. */
static int run_here(const struct exec_snap *snap, const struct exec_target *t, vt_exec_fn *fn,
                    void *arg, struct vt_exec_info *info)
{
    struct mpol_save save;
    unsigned mf = 0;
    int ret;

    if (t->mem_pnode >= 0)
        mf = t->mem_kernel >= 0 ? mpol_prefer(t->mem_kernel, &save) : VT_EXEC_F_MEMPOLICY_SKIPPED;
    info->flags |= mf;
    info->cpu = sched_getcpu();
    info->pnode = snap ? exec_snap_cpu_pnode(snap, info->cpu) : -1;
    ret = fn(arg);
    if (mf & VT_EXEC_F_MEMPOLICY)
        mpol_restore(&save);
    return ret;
}

static int run_local(const struct exec_snap *snap, const struct exec_target *t, vt_exec_fn *fn,
                     void *arg, struct vt_exec_info *info, enum vt_exec_reason reason)
{
    info->path = VT_EXEC_PATH_LOCAL;
    info->reason = reason;
    return run_here(snap, t, fn, arg, info);
}

static void run_request(struct exec_worker *w, struct exec_req *r)
{
    const unsigned long *cpus = r->t->cpus;
    size_t words = exec_sys()->cpu_words;
    int cpu = sched_getcpu();

    /* Re-bind when the set changed (a refresh) or the kernel moved the worker
     * off it (a CPU went offline). */
    if (w->bound_gen != r->snap->gen || !set_has(cpus, words, cpu)) {
        /* Also to the same set: whatever changed the view (a cpuset change,
         * hotplug) may have rewritten this thread's mask behind its back. */
        if (sched_setaffinity(0, exec_cpu_bytes(), (const cpu_set_t *)cpus) < 0) {
            w->bound_gen = 0;
            exec_tls_set_affinity(NULL);
            r->bounced = true; /* fn not run: the caller refreshes and retries */
            return;
        }
        memcpy(w->bound, cpus, exec_cpu_bytes());
        exec_tls_set_affinity(w->bound);
        w->bound_gen = r->snap->gen;
    }
    r->info.path = VT_EXEC_PATH_WORKER;
    r->ret = run_here(r->snap, r->t, r->fn, r->arg, &r->info);
}

/* Narrow the calling thread to the target for fn, then restore it. Sets
 * *retry (fn not run) when the kernel refuses the target's CPUs. */
static int run_migrate(const struct exec_snap *snap, const struct exec_target *t, vt_exec_fn *fn,
                       void *arg, struct vt_exec_info *info, bool *retry)
{
    unsigned long saved[EXEC_MAX_CPU_WORDS];
    bool is_main = exec_thread_is_main();
    int ret;

    if (sched_getaffinity(0, exec_cpu_bytes(), (cpu_set_t *)saved) < 0) {
        *retry = true;
        return 0;
    }
    if (is_main)
        exec_main_enter(saved);
    if (sched_setaffinity(0, exec_cpu_bytes(), (const cpu_set_t *)t->cpus) < 0) {
        if (is_main)
            exec_main_leave();
        *retry = true;
        return 0;
    }
    exec_tls_set_affinity(t->cpus);
    info->path = VT_EXEC_PATH_MIGRATE;
    ret = run_here(snap, t, fn, arg, info);
    if (sched_setaffinity(0, exec_cpu_bytes(), (const cpu_set_t *)saved) == 0) {
        exec_tls_set_affinity(saved);
    } else {
        /* Its old CPUs are gone: give the thread what the process may use. */
        info->flags |= VT_EXEC_F_RESTORE_FAILED;
        sched_setaffinity(0, exec_cpu_bytes(), (const cpu_set_t *)snap->allowed);
        exec_tls_set_affinity(NULL);
        if (exec_current_worker())
            exec_current_worker()->bound_gen = 0;
    }
    if (is_main)
        exec_main_leave();
    return ret;
}

static const struct exec_snap *snap_get(struct vt_exec *rt)
{
    return atomic_load_explicit(&rt->snap, memory_order_acquire);
}

static bool forked(const struct vt_exec *rt)
{
    return exec_fork_gen() != rt->fork_gen;
}

static const struct exec_target *resolve(const struct exec_snap *s, int pnode, uint64_t dev)
{
    const struct exec_target *t;

    if (dev == NO_DEVICE)
        return exec_snap_node(s, pnode);
    t = exec_snap_dev(s, dev);
    return t ? t : &unknown_device_target;
}

/* Workers of a lazily started pool, started on its first call. */
static bool pool_ready(struct vt_exec *rt, struct exec_pool *p, const struct exec_snap *snap,
                       const struct exec_target *t)
{
    if (atomic_load_explicit(&p->nworkers, memory_order_acquire) > 0)
        return true;
    if (!rt->lazy || forked(rt))
        return false;
    pthread_mutex_lock(&rt->lock);
    if (atomic_load(&p->nworkers) == 0 && !atomic_load(&p->stop))
        exec_pool_start(p, t->cpus, snap->gen);
    pthread_mutex_unlock(&rt->lock);
    return atomic_load(&p->nworkers) > 0;
}

static void req_init(struct exec_req *r, struct vt_exec *rt, const struct exec_snap *snap,
                     const struct exec_target *t, vt_exec_fn *fn, void *arg)
{
    r->next = NULL;
    r->fn = fn;
    r->arg = arg;
    r->rt = rt;
    r->snap = snap;
    r->t = t;
    r->state = 0;
    atomic_init(&r->done, 0);
    r->bounced = false;
    r->ran_sync = false;
    r->ret = 0;
}

static int run_worker(struct vt_exec *rt, const struct exec_snap *snap, const struct exec_target *t,
                      vt_exec_fn *fn, void *arg, struct vt_exec_info *info, int cpu, bool *retry)
{
    struct exec_req r;

    if (!pool_ready(rt, t->pool, snap, t))
        return run_local(snap, t, fn, arg, info, VT_EXEC_REASON_NO_WORKER);
    req_init(&r, rt, snap, t, fn, arg);
    r.info = *info;
    exec_pool_post(t->pool, &r);
    /* Spinning next to the worker's only CPU would keep it from running. */
    exec_req_wait(&r, !set_has(t->cpus, exec_sys()->cpu_words, cpu), rt->spin_ns);
    if (r.bounced) {
        *retry = true;
        return 0;
    }
    *info = r.info;
    return r.ret;
}

static int refresh(struct vt_exec *rt, struct vt_err *err);

/*
 * A synchronous call to node pnode (or device dev): the one path every
 * vt_exec_on_node / vt_exec_on_device call takes. first_try is 1 when a
 * refresh already happened.
 *
 *  1. Resolve the target in the current snapshot of the host (topo.c): its
 *     CPUs, the node whose memory to prefer and the pool of its workers. A
 *     target with no CPU the process may use runs here (local fallback,
 *     with the reason in info).
 *  2. Inline: the calling thread's affinity already lies inside the target's
 *     CPUs (a per-thread cache believed for about a millisecond, state.c):
 *     fn runs now, with the target's memory policy.
 *  3. Otherwise, a worker thread calling out (nested), the migrate mode or a
 *     forked child narrows the caller's affinity for the call (run_migrate);
 *     everyone else hands the call to a worker bound to the target's CPUs
 *     (run_worker, worker.c), spinning briefly, then sleeping on a futex.
 *  4. CPUs refused on the way (hotplug, a cpuset change) refresh the
 *     snapshot once and try again; a second refusal runs fn locally.
 *
 * Guarantees: fn runs exactly once, on this thread or one worker, and its
 * return value is returned; info says where it ran (path, CPU, pnode), why
 * it did not run on the target (reason) and what was done to memory policy
 * (flags). A worker never waits for another worker, so calls cannot deadlock
 * through handoffs. No path allocates (tests/unit/test_exec.c checks it), and
 * the inline path makes no system call while the affinity cache is fresh
 * (docs/exec.md).
 */
static int exec_call(struct vt_exec *rt, int pnode, uint64_t dev, vt_exec_fn *fn, void *arg,
                     struct vt_exec_info *info, int first_try)
{
    for (int attempt = first_try;; attempt++) {
        const struct exec_snap *snap = snap_get(rt);
        const struct exec_target *t = resolve(snap, pnode, dev);
        bool retry = false;
        int cpu, ret;

        info_target(info, t);
        if (dev == NO_DEVICE)
            info->target_pnode = pnode; /* also one beyond the host's nodes */
        if (!t->pool)
            return run_local(snap, t, fn, arg, info, t->reason);
        cpu = sched_getcpu();
        if (exec_thread_inside(t->cpus, cpu)) {
            info->path = VT_EXEC_PATH_INLINE;
            return run_here(snap, t, fn, arg, info);
        }
        if (exec_current_worker()) {
            /* A worker never waits for another worker: no handoff cycles. */
            info->flags |= VT_EXEC_F_NESTED;
            ret = run_migrate(snap, t, fn, arg, info, &retry);
        } else if (rt->opts.mode == VT_EXEC_MODE_MIGRATE || forked(rt)) {
            ret = run_migrate(snap, t, fn, arg, info, &retry);
        } else {
            ret = run_worker(rt, snap, t, fn, arg, info, cpu, &retry);
        }
        if (!retry)
            return ret;
        if (attempt > 0)
            return run_local(snap, t, fn, arg, info, VT_EXEC_REASON_AFFINITY_FAILED);
        /* The CPUs were refused (hotplug, cpuset change): look again. */
        refresh(rt, NULL);
        info->flags |= VT_EXEC_F_REFRESHED;
    }
}

int vt_exec_on_node(struct vt_exec *rt, int pnode, vt_exec_fn *fn, void *arg,
                    struct vt_exec_info *info)
{
    struct vt_exec_info tmp;

    if (!info)
        info = &tmp;
    info_init(info);
    if (!fn)
        return -EINVAL;
    if (!rt) {
        info->target_pnode = pnode;
        return run_local(NULL, &no_runtime_target, fn, arg, info, VT_EXEC_REASON_NO_RUNTIME);
    }
    return exec_call(rt, pnode, NO_DEVICE, fn, arg, info, 0);
}

int vt_exec_on_device(struct vt_exec *rt, const char *bdf, vt_exec_fn *fn, void *arg,
                      struct vt_exec_info *info)
{
    struct vt_exec_info tmp;
    uint64_t key;

    if (!info)
        info = &tmp;
    info_init(info);
    if (!fn)
        return -EINVAL;
    if (!rt)
        return run_local(NULL, &no_runtime_target, fn, arg, info, VT_EXEC_REASON_NO_RUNTIME);
    if (exec_bdf_key(bdf, &key) < 0)
        return run_local(snap_get(rt), &unknown_device_target, fn, arg, info,
                         VT_EXEC_REASON_UNKNOWN_DEVICE);
    return exec_call(rt, -1, key, fn, arg, info, 0);
}

/* ---- asynchronous calls -------------------------------------------------- */

static int submit(struct vt_exec *rt, struct vt_exec_req *ureq, int pnode, uint64_t dev,
                  bool bad_bdf, vt_exec_fn *fn, void *arg)
{
    struct exec_req *r = (struct exec_req *)ureq;
    const struct exec_snap *snap;
    const struct exec_target *t;

    if (!ureq || !fn)
        return -EINVAL;
    memset(r, 0, sizeof(*r));
    info_init(&r->info);
    r->fn = fn;
    r->arg = arg;
    r->rt = rt;
    r->key_pnode = pnode;
    r->key_dev = dev;
    r->submitted = true;
    r->ran_sync = true;
    atomic_init(&r->done, 1);
    if (!rt) {
        r->info.target_pnode = pnode;
        r->ret = run_local(NULL, &no_runtime_target, fn, arg, &r->info, VT_EXEC_REASON_NO_RUNTIME);
        return 1;
    }
    snap = snap_get(rt);
    t = bad_bdf ? &unknown_device_target : resolve(snap, pnode, dev);
    info_target(&r->info, t);
    if (dev == NO_DEVICE && !bad_bdf)
        r->info.target_pnode = pnode;
    if (!t->pool) {
        r->ret = run_local(snap, t, fn, arg, &r->info, t->reason);
        return 1;
    }
    if (forked(rt)) {
        r->ret = exec_call(rt, pnode, dev, fn, arg, &r->info, 0);
        return 1;
    }
    if (!pool_ready(rt, t->pool, snap, t)) {
        r->ret = run_local(snap, t, fn, arg, &r->info, VT_EXEC_REASON_NO_WORKER);
        return 1;
    }
    req_init(r, rt, snap, t, fn, arg);
    exec_pool_post(t->pool, r);
    return 0;
}

int vt_exec_submit(struct vt_exec *rt, struct vt_exec_req *req, int pnode, vt_exec_fn *fn,
                   void *arg)
{
    return submit(rt, req, pnode, NO_DEVICE, false, fn, arg);
}

int vt_exec_submit_device(struct vt_exec *rt, struct vt_exec_req *req, const char *bdf,
                          vt_exec_fn *fn, void *arg)
{
    uint64_t key = NO_DEVICE;
    bool bad = exec_bdf_key(bdf, &key) < 0;

    return submit(rt, req, -1, key, bad, fn, arg);
}

int vt_exec_wait(struct vt_exec_req *ureq, struct vt_exec_info *info)
{
    struct exec_req *r = (struct exec_req *)ureq;

    if (!r || !r->submitted)
        return -EINVAL;
    r->submitted = false;
    if (!r->ran_sync) {
        if (exec_current_worker() && exec_pool_steal(r)) {
            /* Nobody started it and this worker would block a pool: run it. */
            bool retry = false;

            r->info.flags |= VT_EXEC_F_STOLEN | VT_EXEC_F_NESTED;
            r->ret = run_migrate(r->snap, r->t, r->fn, r->arg, &r->info, &retry);
            r->bounced = retry;
        } else {
            exec_req_wait(r, !set_has(r->t->cpus, exec_sys()->cpu_words, sched_getcpu()),
                          r->rt->spin_ns);
        }
        if (r->bounced) {
            unsigned kept = r->info.flags & VT_EXEC_F_STOLEN;

            refresh(r->rt, NULL);
            info_init(&r->info);
            r->info.flags = VT_EXEC_F_REFRESHED | kept;
            r->ret = exec_call(r->rt, r->key_pnode, r->key_dev, r->fn, r->arg, &r->info, 1);
        }
    }
    if (info)
        *info = r->info;
    return r->ret;
}

/* ---- creation, refresh, teardown ----------------------------------------- */

/* Start the workers of every pool the current view uses (rt->lock held). */
static void start_workers(struct vt_exec *rt, const struct exec_snap *s)
{
    if (rt->lazy || forked(rt))
        return;
    for (size_t i = 0; i < s->nnodes; i++)
        if (s->nodes[i].pool)
            exec_pool_start(s->nodes[i].pool, s->nodes[i].cpus, s->gen);
    for (size_t i = 0; i < s->ndevs; i++)
        if (s->devs[i].t.pool)
            exec_pool_start(s->devs[i].t.pool, s->devs[i].t.cpus, s->gen);
}

static int refresh(struct vt_exec *rt, struct vt_err *err)
{
    struct exec_snap *old, *s;
    int rc;

    pthread_mutex_lock(&rt->lock);
    old = atomic_load(&rt->snap);
    rc = exec_snap_build(rt, old, &s, err);
    if (rc == 0) {
        if (exec_snap_equal(old, s)) {
            exec_snap_free(s);
            s = old;
        } else {
            s->prev = old;
        }
        /* Workers first, then the view: a caller that finds a new pool in it
         * must find its workers too, not fall back with NO_WORKER. */
        start_workers(rt, s);
        if (s != old)
            atomic_store_explicit(&rt->snap, s, memory_order_release);
    }
    pthread_mutex_unlock(&rt->lock);
    /* Threads whose mask changed behind the cache's back re-read it. */
    exec_epoch_bump();
    return rc;
}

int vt_exec_refresh(struct vt_exec *rt, struct vt_err *err)
{
    vt_err_clear(err);
    if (!rt)
        return vt_err_set(err, -EINVAL, "no runtime");
    return refresh(rt, err);
}

static char *dup_or_null(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;

    *oom |= s && !d;
    return d;
}

void vt_exec_free(struct vt_exec *rt)
{
    struct exec_snap *s;
    bool join;

    if (!rt)
        return;
    exec_live_remove(rt);
    /* In a child after fork() the workers do not exist: nothing to join. */
    join = !forked(rt);
    for (size_t i = 0; i < rt->npools; i++)
        exec_pool_stop(rt->pools[i], join);
    for (size_t i = 0; i < rt->npools; i++)
        exec_pool_free(rt->pools[i]);
    free(rt->pools);
    s = atomic_load(&rt->snap);
    while (s) {
        struct exec_snap *prev = s->prev;

        exec_snap_free(s);
        s = prev;
    }
    pthread_mutex_destroy(&rt->lock);
    free(rt->src_arg);
    free(rt->src_acpi);
    free(rt);
}

int vt_exec_new(const struct vt_host_source *src, const struct vt_exec_options *opts,
                struct vt_exec **out, struct vt_err *err)
{
    static const struct vt_host_source live = {VT_HOST_SYSFS, NULL, NULL};
    struct vt_exec_options o = {0};
    struct exec_snap *s;
    struct vt_exec *rt;
    bool oom = false;
    int rc;

    vt_err_clear(err);
    if (!out)
        return vt_err_set(err, -EINVAL, "no place for the runtime (out is NULL)");
    *out = NULL;
    if (!exec_sys_init()->cpu_words)
        return vt_err_set(err, -ENOTSUP,
                          "this kernel's CPU masks are larger than the %u CPUs vtopo handles",
                          VT_CPU_ID_MAX + 1);
    if (opts)
        o = *opts;
    if (o.mode != VT_EXEC_MODE_WORKER && o.mode != VT_EXEC_MODE_MIGRATE)
        return vt_err_set(err, -EINVAL, "unknown execution mode %d", (int)o.mode);
    if (o.flags & ~KNOWN_FLAGS)
        return vt_err_set(err, -EINVAL, "unknown option flags %#x", o.flags & ~KNOWN_FLAGS);
    if (o.workers_per_node > MAX_WORKERS)
        return vt_err_set(err, -EINVAL, "workers_per_node %u is more than %u", o.workers_per_node,
                          MAX_WORKERS);
    if (!o.workers_per_node)
        o.workers_per_node = 1;
    if (!src)
        src = &live;

    if (!(rt = calloc(1, sizeof(*rt))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    rt->opts = o;
    rt->src = *src;
    rt->src.arg = rt->src_arg = dup_or_null(src->arg, &oom);
    rt->src.acpi_dir = rt->src_acpi = dup_or_null(src->acpi_dir, &oom);
    rt->spin_ns = o.flags & VT_EXEC_NO_SPIN ? 0 : o.spin_ns ? o.spin_ns : DEFAULT_SPIN_NS;
    rt->lazy = (o.flags & VT_EXEC_LAZY) || o.mode == VT_EXEC_MODE_MIGRATE;
    rt->fork_gen = exec_fork_gen();
    rt->run_request = run_request;
    if (oom || pthread_mutex_init(&rt->lock, NULL) != 0) {
        free(rt->src_arg);
        free(rt->src_acpi);
        free(rt);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    pthread_mutex_lock(&rt->lock);
    rc = exec_snap_build(rt, NULL, &s, err);
    if (rc == 0) {
        atomic_store_explicit(&rt->snap, s, memory_order_release);
        start_workers(rt, s);
    }
    pthread_mutex_unlock(&rt->lock);
    if (rc < 0) {
        vt_exec_free(rt);
        return rc;
    }
    exec_live_add(rt);
    *out = rt;
    return 0;
}

/* ---- binding for good ---------------------------------------------------- */

static char *list_of(const struct vt_bitmap *b)
{
    char *s = b ? vt_bitmap_format_list(b) : NULL;

    if (s && !*s) {
        free(s);
        s = strdup("none");
    }
    return s;
}

/* The kernel set as a cpulist, into buf. */
static void set_list(char *buf, size_t size, const unsigned long *set, size_t words)
{
    struct vt_bitmap *b = vt_bitmap_new();

    for (size_t i = 0; b && i < words * WORD_BITS; i++)
        if (set_has(set, words, (int)i))
            vt_bitmap_set(b, (unsigned)i);
    if (!b || vt_bitmap_snprint_list(buf, size, b) == 0)
        snprintf(buf, size, "none");
    vt_bitmap_free(b);
}

/* The sentence for a target that cannot be honoured. */
static int bind_refusal(const struct exec_snap *s, const struct exec_target *t, int p,
                        const char *what, struct vt_err *err)
{
    const struct vt_host *h = s->host;
    int idx = p >= 0 ? vt_host_node_index(h, (unsigned)p) : -1;
    const struct vt_host_node *n = idx >= 0 ? vt_host_node(h, (size_t)idx) : NULL;
    char allowed[256];
    char *a, *b;
    int rc;

    switch (t->reason) {
    case VT_EXEC_REASON_INVALID_NODE:
        a = list_of(vt_host_possible_nodes(h));
        rc = vt_err_set(err, -EINVAL, "%snode %d does not exist on this host (its nodes: %s)", what,
                        p, a ? a : "?");
        free(a);
        return rc;
    case VT_EXEC_REASON_OFFLINE_NODE:
        return vt_err_set(err, -EINVAL, "%snode %d is offline (possible but not online)", what, p);
    case VT_EXEC_REASON_NO_HOUSEKEEPING:
        set_list(allowed, sizeof(allowed), s->allowed, exec_sys()->cpu_words);
        if (p < 0) /* a device without a node, narrowed to its local CPUs */
            return vt_err_set(err, -EINVAL,
                              "%snone of its local CPUs (local_cpulist) is a housekeeping CPU "
                              "this process may use (it may use %s)",
                              what, allowed);
        a = list_of(n ? n->cpus : NULL);
        b = list_of(n ? n->housekeeping_cpus : NULL);
        rc = vt_err_set(err, -EINVAL,
                        "%snode %d has no housekeeping CPU this process may use (online CPUs %s, "
                        "housekeeping %s, this process may use %s)",
                        what, p, a ? a : "?", b ? b : "?", allowed);
        free(a);
        free(b);
        return rc;
    case VT_EXEC_REASON_NO_CPU_NODE:
        if (n && !n->has_memory)
            return vt_err_set(err, -EINVAL, "%snode %d has neither online CPUs nor memory", what,
                              p);
        return vt_err_set(err, -EINVAL,
                          "%snode %d has no CPUs and no node with usable CPUs is at a known "
                          "distance from it",
                          what, p);
    default:
        return vt_err_set(err, -EINVAL, "%scannot run there: %s", what,
                          vt_exec_reason_text(t->reason));
    }
}

static int bind_target(const struct exec_snap *s, const struct exec_target *t, int pnode,
                       const char *what, bool device, enum vt_exec_mem mem,
                       struct vt_exec_info *info, struct vt_err *err)
{
    int mem_node = t->mem_pnode >= 0 ? t->mem_pnode : pnode;
    int mode = mem == VT_EXEC_MEM_BIND ? MPOL_BIND : MPOL_PREFERRED;
    const char *mode_name = mem == VT_EXEC_MEM_BIND ? "bind to" : "prefer";
    struct mpol_save save;
    bool policy = false;
    char cpus[256];

    info_target(info, t);
    info->target_pnode = pnode;
    if (mem != VT_EXEC_MEM_DEFAULT && mem != VT_EXEC_MEM_PREFERRED && mem != VT_EXEC_MEM_BIND)
        return vt_err_set(err, -EINVAL, "unknown memory policy %d", (int)mem);
    if (device && t->reason == VT_EXEC_REASON_DEVICE_NO_NODE && mem == VT_EXEC_MEM_DEFAULT) {
        info->reason = t->reason;
        return 0; /* no locality to honour: the thread stays as it is */
    }
    if (device && t->target_pnode < 0 && mem != VT_EXEC_MEM_DEFAULT)
        return vt_err_set(err, -EINVAL,
                          "%sthe device has no NUMA node (numa_node -1), so there is no node "
                          "memory to %s",
                          what, mode_name);
    if (!t->pool)
        return bind_refusal(s, t, pnode, what, err);

    if (mem != VT_EXEC_MEM_DEFAULT) {
        int idx = vt_host_node_index(s->host, (unsigned)mem_node);

        if (idx < 0 || !vt_host_node(s->host, (size_t)idx)->has_memory)
            return vt_err_set(err, -EINVAL, "%snode %d has no memory to %s", what, mem_node,
                              mode_name);
    } else if (t->mem_pnode >= 0) {
        mode = MPOL_PREFERRED; /* a CPU-less node: its memory is the point */
    }
    if (mem != VT_EXEC_MEM_DEFAULT || t->mem_pnode >= 0) {
        if (!set_has(s->mems, exec_sys()->mem_bits / WORD_BITS, mem_node)) {
            if (mem == VT_EXEC_MEM_DEFAULT) {
                info->flags |= VT_EXEC_F_MEMPOLICY_SKIPPED;
            } else {
                set_list(cpus, sizeof(cpus), s->mems, exec_sys()->mem_bits / WORD_BITS);
                return vt_err_set(err, -EINVAL,
                                  "%snode %d's memory is not available to this process (it may "
                                  "allocate on nodes %s)",
                                  what, mem_node, cpus);
            }
        } else {
            if (syscall(SYS_get_mempolicy, &save.mode, save.mask, exec_sys()->mem_bits + 1, NULL,
                        0) < 0 ||
                mpol_set(mode, mem_node) < 0)
                return vt_err_set(err, -errno, "%sset_mempolicy(%s node %d): %s", what,
                                  mode == MPOL_BIND ? "MPOL_BIND" : "MPOL_PREFERRED", mem_node,
                                  strerror(errno));
            policy = true;
            info->flags |= VT_EXEC_F_MEMPOLICY;
        }
    }
    if (sched_setaffinity(0, exec_cpu_bytes(), (const cpu_set_t *)t->cpus) < 0) {
        int e = errno;

        if (policy)
            mpol_restore(&save);
        set_list(cpus, sizeof(cpus), t->cpus, exec_sys()->cpu_words);
        return vt_err_set(err, -e, "%scannot run on CPUs %s: %s", what, cpus, strerror(e));
    }
    exec_tls_set_affinity(t->cpus);
    info->path = VT_EXEC_PATH_MIGRATE;
    info->cpu = sched_getcpu();
    info->pnode = exec_snap_cpu_pnode(s, info->cpu);
    if (policy || mem != VT_EXEC_MEM_DEFAULT)
        info->mem_pnode = mem_node;
    return 0;
}

int vt_exec_bind_node(struct vt_exec *rt, int pnode, enum vt_exec_mem mem,
                      struct vt_exec_info *info, struct vt_err *err)
{
    struct vt_exec_info tmp;
    const struct exec_snap *s;

    vt_err_clear(err);
    if (!info)
        info = &tmp;
    info_init(info);
    if (!rt)
        return vt_err_set(err, -EINVAL, "no runtime");
    s = snap_get(rt);
    return bind_target(s, exec_snap_node(s, pnode), pnode, "", false, mem, info, err);
}

int vt_exec_bind_device(struct vt_exec *rt, const char *bdf, enum vt_exec_mem mem,
                        struct vt_exec_info *info, struct vt_err *err)
{
    struct vt_exec_info tmp;
    const struct exec_snap *s;
    const struct exec_target *t;
    char what[96];
    uint64_t key;

    vt_err_clear(err);
    if (!info)
        info = &tmp;
    info_init(info);
    if (!rt)
        return vt_err_set(err, -EINVAL, "no runtime");
    if (exec_bdf_key(bdf, &key) < 0)
        return vt_err_set(err, -EINVAL, "'%s' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)",
                          bdf ? bdf : "(null)");
    s = snap_get(rt);
    if (!(t = exec_snap_dev(s, key)))
        return vt_err_set(err, -ENOENT, "no PCI device %s on this host", bdf);
    if (t->target_pnode >= 0)
        snprintf(what, sizeof(what), "device %s: numa_node %d: ", bdf, t->target_pnode);
    else
        snprintf(what, sizeof(what), "device %s (no NUMA node): ", bdf);
    return bind_target(s, t, t->target_pnode, what, true, mem, info, err);
}

const struct vt_host *vt_exec_host(const struct vt_exec *rt)
{
    const struct exec_snap *s;

    if (!rt)
        return NULL;
    s = atomic_load_explicit(&((struct vt_exec *)rt)->snap, memory_order_acquire);
    return s->host;
}

/* ---- names --------------------------------------------------------------- */

const char *vt_exec_path_name(enum vt_exec_path path)
{
    switch (path) {
    case VT_EXEC_PATH_INLINE:
        return "inline";
    case VT_EXEC_PATH_WORKER:
        return "worker";
    case VT_EXEC_PATH_MIGRATE:
        return "migrate";
    case VT_EXEC_PATH_LOCAL:
        return "local";
    default:
        return "none";
    }
}

const char *vt_exec_reason_text(enum vt_exec_reason reason)
{
    switch (reason) {
    case VT_EXEC_REASON_NONE:
        return "";
    case VT_EXEC_REASON_NO_RUNTIME:
        return "no runtime";
    case VT_EXEC_REASON_INVALID_NODE:
        return "no such node";
    case VT_EXEC_REASON_OFFLINE_NODE:
        return "node is offline";
    case VT_EXEC_REASON_NO_HOUSEKEEPING:
        return "no housekeeping CPU this process may use";
    case VT_EXEC_REASON_NO_CPU_NODE:
        return "CPU-less node with no usable node nearby";
    case VT_EXEC_REASON_UNKNOWN_DEVICE:
        return "no such PCI device";
    case VT_EXEC_REASON_DEVICE_NO_NODE:
        return "device has no NUMA node";
    case VT_EXEC_REASON_NO_WORKER:
        return "worker threads could not be started";
    case VT_EXEC_REASON_AFFINITY_FAILED:
        return "the kernel refused the node's CPUs";
    }
    return "unknown reason";
}
