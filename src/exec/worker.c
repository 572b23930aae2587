/* The exec runtime's worker pools: persistent threads bound to a node's (or
 * a device's) housekeeping CPUs, a FIFO of requests, and the spin-then-futex
 * handoff in both directions (caller -> worker wake-up, worker -> caller
 * completion). Nothing here allocates once the workers are running. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "exec/exec_internal.h"

static __thread struct exec_worker *current_worker;

struct exec_worker *exec_current_worker(void)
{
    return current_worker;
}

void exec_futex_wait(atomic_uint *addr, unsigned val)
{
    /* EAGAIN (the value changed) and EINTR both mean: look again. */
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

void exec_futex_wake(atomic_uint *addr, int n)
{
    syscall(SYS_futex, (unsigned *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

struct exec_pool *exec_pool_new(struct vt_exec *rt, int pnode, const unsigned long *key)
{
    size_t words = exec_sys()->cpu_words;
    struct exec_pool *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->rt = rt;
    p->pnode = pnode;
    p->cap = rt->opts.workers_per_node;
    p->workers = calloc(p->cap, sizeof(*p->workers));
    if (key && (p->key = malloc(words * sizeof(*key))))
        memcpy(p->key, key, words * sizeof(*key));
    if (!p->workers || (key && !p->key) || pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p->workers);
        free(p->key);
        free(p);
        return NULL;
    }
    return p;
}

void exec_pool_free(struct exec_pool *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p->key);
    free(p);
}

/* ---- the queue ----------------------------------------------------------- */

void exec_pool_post(struct exec_pool *p, struct exec_req *r)
{
    r->next = NULL;
    r->state = REQ_QUEUED;
    pthread_mutex_lock(&p->lock);
    if (p->tail)
        p->tail->next = r;
    else
        p->head = r;
    p->tail = r;
    /* seq_cst, like the sleepers check below and the worker's pair of
     * accesses in idle_wait: one side always sees the other. */
    atomic_fetch_add(&p->pending, 1);
    pthread_mutex_unlock(&p->lock);
    if (atomic_load(&p->sleepers) > 0) {
        atomic_fetch_add(&p->wake, 1);
        exec_futex_wake(&p->wake, 1);
    }
}

static void unlink_locked(struct exec_pool *p, struct exec_req *r)
{
    struct exec_req **pp = &p->head, *prev = NULL;

    while (*pp && *pp != r) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = r->next;
    if (p->tail == r)
        p->tail = prev;
    atomic_fetch_sub(&p->pending, 1);
}

static struct exec_req *pool_pop(struct exec_pool *p)
{
    struct exec_req *r;

    if (atomic_load_explicit(&p->pending, memory_order_relaxed) == 0)
        return NULL;
    pthread_mutex_lock(&p->lock);
    r = p->head;
    if (r) {
        unlink_locked(p, r);
        r->state = REQ_RUNNING;
    }
    pthread_mutex_unlock(&p->lock);
    return r;
}

bool exec_pool_steal(struct exec_req *r)
{
    struct exec_pool *p = r->t->pool;
    bool stolen = false;

    pthread_mutex_lock(&p->lock);
    if (r->state == REQ_QUEUED) {
        unlink_locked(p, r);
        r->state = REQ_STOLEN;
        stolen = true;
    }
    pthread_mutex_unlock(&p->lock);
    return stolen;
}

/* ---- completion ---------------------------------------------------------- */

static void req_complete(struct exec_req *r)
{
    /* After this exchange r may be gone (the caller's stack): only its
     * address is used, for the wake, which is harmless if stale. */
    atomic_uint *addr = &r->done;

    if (atomic_exchange_explicit(addr, 1, memory_order_acq_rel) == 2)
        exec_futex_wake(addr, 1);
}

void exec_req_wait(struct exec_req *r, bool may_spin, uint64_t spin_ns)
{
    unsigned expected = 0;

    if (may_spin && spin_ns) {
        uint64_t start = exec_now_ns();

        do {
            for (int i = 0; i < 64; i++) {
                if (atomic_load_explicit(&r->done, memory_order_acquire) == 1)
                    return;
                exec_cpu_relax();
            }
        } while (exec_now_ns() - start < spin_ns);
    }
    if (atomic_compare_exchange_strong(&r->done, &expected, 2) || expected == 2)
        while (atomic_load_explicit(&r->done, memory_order_acquire) != 1)
            exec_futex_wait(&r->done, 2);
    atomic_thread_fence(memory_order_acquire);
}

/* ---- workers ------------------------------------------------------------- */

/* Poll for work for the spin window, then sleep until posted to or stopped. */
static void idle_wait(struct exec_pool *p, uint64_t spin_ns)
{
    unsigned seq;

    if (spin_ns) {
        uint64_t start = exec_now_ns();

        do {
            for (int i = 0; i < 64; i++) {
                if (atomic_load_explicit(&p->pending, memory_order_relaxed) ||
                    atomic_load_explicit(&p->stop, memory_order_relaxed))
                    return;
                exec_cpu_relax();
            }
        } while (exec_now_ns() - start < spin_ns);
    }
    seq = atomic_load(&p->wake);
    atomic_fetch_add(&p->sleepers, 1);
    if (atomic_load(&p->pending) == 0 && !atomic_load(&p->stop))
        exec_futex_wait(&p->wake, seq);
    atomic_fetch_sub(&p->sleepers, 1);
}

static void *worker_main(void *arg)
{
    struct exec_worker *w = arg;
    struct exec_pool *p = w->pool;
    char name[32];

    current_worker = w;
    if (w->bound_gen)
        exec_tls_set_affinity(w->bound);
    if (p->pnode >= 0)
        snprintf(name, sizeof(name), "vt-exec/%d", p->pnode);
    else
        snprintf(name, sizeof(name), "vt-exec/d%u", p->index);
    name[15] = '\0'; /* the kernel's limit for a thread's name */
    pthread_setname_np(pthread_self(), name);
    for (;;) {
        struct exec_req *r = pool_pop(p);

        if (r) {
            w->pool->rt->run_request(w, r);
            req_complete(r);
            continue;
        }
        if (atomic_load(&p->stop) && atomic_load(&p->pending) == 0)
            break;
        idle_wait(p, p->rt->spin_ns);
    }
    current_worker = NULL;
    return NULL;
}

static int create_worker(struct exec_worker *w, const unsigned long *cpus, size_t words)
{
    pthread_attr_t attr;
    int rc;

    if ((rc = pthread_attr_init(&attr)) != 0)
        return rc;
    if (w->pool->rt->opts.stack_size &&
        (rc = pthread_attr_setstacksize(&attr, w->pool->rt->opts.stack_size)) != 0)
        goto out;
    if (cpus &&
        (rc = pthread_attr_setaffinity_np(&attr, words * sizeof(*cpus), (const cpu_set_t *)cpus)))
        goto out;
    rc = pthread_create(&w->thread, &attr, worker_main, w);
out:
    pthread_attr_destroy(&attr);
    return rc;
}

void exec_pool_start(struct exec_pool *p, const unsigned long *cpus, uint64_t gen)
{
    size_t words = exec_sys()->cpu_words;
    unsigned n = atomic_load(&p->nworkers);
    sigset_t all, old;

    /* Workers take no process signals: they belong to the application's
     * threads. The new threads inherit the mask blocked here. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (; n < p->cap; n++) {
        struct exec_worker *w = &p->workers[n];
        int rc;

        w->pool = p;
        memcpy(w->bound, cpus, words * sizeof(*cpus));
        w->bound_gen = gen;
        /* Start on the node, so no migration follows; if the kernel refuses
         * the set now, start unbound and bind on the first call. */
        rc = create_worker(w, cpus, words);
        if (rc == EINVAL) {
            w->bound_gen = 0;
            rc = create_worker(w, NULL, words);
        }
        if (rc != 0)
            break;
        atomic_store(&p->nworkers, n + 1);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void exec_pool_stop(struct exec_pool *p, bool join)
{
    unsigned n = atomic_load(&p->nworkers);

    atomic_store(&p->stop, 1);
    atomic_fetch_add(&p->wake, 1);
    exec_futex_wake(&p->wake, INT_MAX);
    for (unsigned i = 0; join && i < n; i++)
        pthread_join(p->workers[i].thread, NULL);
}
