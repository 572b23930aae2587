/* Unit tests: the NUMA-local execution runtime (vt_exec_*). Hosts are sysfs
 * dumps written by the test that map their nodes onto this machine's CPUs 0
 * and 1, so sched_getcpu() inside fn proves where it ran; get_mempolicy()
 * inside fn proves the memory policy; a seccomp filter makes the kernel
 * refuse sched_setaffinity for the hotplug-failure paths. Label exec: also
 * run under ThreadSanitizer (make tsan). */
#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/mempolicy.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit/support.h"
#include "vtopo/exec.h"

/* ---- the machine --------------------------------------------------------- */

/* Every placement test needs CPUs 0 and 1 usable by this process: fail
 * loudly (never skip) when they are not. */
static void require_cpus01(void)
{
    cpu_set_t s;

    /* Each test starts from both CPUs, whatever an earlier (failed) one left. */
    CPU_ZERO(&s);
    CPU_SET(0, &s);
    CPU_SET(1, &s);
    sched_setaffinity(0, sizeof(s), &s);
    if (sched_getaffinity(0, sizeof(s), &s) < 0 || !CPU_ISSET(0, &s) || !CPU_ISSET(1, &s))
        fail_msg("these tests map fake nodes onto CPUs 0 and 1; this process may not use both "
                 "(run it without taskset/cpuset restrictions)");
}

/* Pin the calling thread, from outside vtopo: the runtime notices such a
 * change within about a millisecond (its per-thread cache), so wait 5 ms. */
static void pin_self(int cpu0, int cpu1)
{
    cpu_set_t s;

    CPU_ZERO(&s);
    if (cpu0 >= 0)
        CPU_SET(cpu0, &s);
    if (cpu1 >= 0)
        CPU_SET(cpu1, &s);
    assert_int_equal(sched_setaffinity(0, sizeof(s), &s), 0);
    usleep(5000);
}

static int mempolicy_of_self(unsigned long *mask)
{
    int mode = -1;
    unsigned long m[64] = {0};

    if (syscall(SYS_get_mempolicy, &mode, m, 64 * 64 + 1, NULL, 0) < 0)
        return -errno;
    if (mask)
        *mask = m[0];
    return mode;
}

/* The kernel nodes this process may allocate on (first word). */
static unsigned long mems_allowed(void)
{
    unsigned long m[64] = {0};

    if (syscall(SYS_get_mempolicy, NULL, m, 64 * 64 + 1, NULL, MPOL_F_MEMS_ALLOWED) < 0)
        fail_msg("get_mempolicy(MPOL_F_MEMS_ALLOWED): %s; this kernel has no NUMA system calls",
                 strerror(errno));
    return m[0];
}

/* ---- sysfs dumps ---------------------------------------------------------- */

struct fx_node {
    unsigned id;
    const char *cpulist;
    unsigned long mem_kb;
    const char *distance;
};

struct fx_dev {
    const char *bdf, *numa_node, *local_cpulist;
};

struct fx {
    const char *cpu_online, *isolated, *nohz_full, *node_possible;
    const struct fx_node *nodes;
    size_t nnodes;
    const struct fx_dev *devs;
    size_t ndevs;
};

static void fx_put(const char *root, const char *rel, const char *text)
{
    char line[512];

    snprintf(line, sizeof(line), "%s\n", text);
    assert_int_equal(t_write(root, rel, line, -1), 0);
}

static char *fx_create(const struct fx *f)
{
    char *root = t_mkdtemp(), rel[256], online[256] = "", text[256];

    assert_non_null(root);
    fx_put(root, "sys/devices/system/cpu/online", f->cpu_online);
    fx_put(root, "sys/devices/system/cpu/possible", "0-1");
    fx_put(root, "sys/devices/system/cpu/isolated", f->isolated ? f->isolated : "");
    fx_put(root, "sys/devices/system/cpu/nohz_full", f->nohz_full ? f->nohz_full : "");
    fx_put(root, "sys/devices/system/memory/block_size_bytes", "8000000");
    for (size_t i = 0; i < f->nnodes; i++) {
        const struct fx_node *n = &f->nodes[i];

        snprintf(online + strlen(online), sizeof(online) - strlen(online), "%s%u", i ? "," : "",
                 n->id);
        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/cpulist", n->id);
        fx_put(root, rel, n->cpulist);
        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/meminfo", n->id);
        snprintf(text, sizeof(text), "Node %u MemTotal:       %lu kB", n->id, n->mem_kb);
        fx_put(root, rel, text);
        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/distance", n->id);
        fx_put(root, rel, n->distance);
    }
    fx_put(root, "sys/devices/system/node/online", online);
    fx_put(root, "sys/devices/system/node/possible", f->node_possible ? f->node_possible : online);
    for (size_t i = 0; i < f->ndevs; i++) {
        const struct fx_dev *d = &f->devs[i];

        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/numa_node", d->bdf);
        fx_put(root, rel, d->numa_node);
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", d->bdf);
        fx_put(root, rel, "0x8086");
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", d->bdf);
        fx_put(root, rel, "0x1234");
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/class", d->bdf);
        fx_put(root, rel, "0x020000");
        if (d->local_cpulist) {
            snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/local_cpulist", d->bdf);
            fx_put(root, rel, d->local_cpulist);
        }
    }
    return root;
}

/* node 0 = CPU 0, node 1 = CPU 1, 1 GiB each, distance 20. */
static const struct fx_node two_nodes[] = {
    {0, "0", 1048576, "10 20"},
    {1, "1", 1048576, "20 10"},
};

static char *fx_two(const char *isolated, const char *nohz_full)
{
    struct fx f = {"0-1", isolated, nohz_full, NULL, two_nodes, 2, NULL, 0};

    return fx_create(&f);
}

static struct vt_exec *rt_new(const char *root, const struct vt_exec_options *opts)
{
    struct vt_host_source src = {VT_HOST_SYSFS, root, NULL};
    struct vt_exec *rt = NULL;
    struct vt_err err;

    if (vt_exec_new(&src, opts, &rt, &err) != 0)
        fail_msg("vt_exec_new: %s", err.msg);
    return rt;
}

/* ---- functions to run ----------------------------------------------------- */

struct probe {
    int cpu;
    pthread_t thread;
    int mode;
    unsigned long mask;
    cpu_set_t affinity;
    atomic_int runs;
    int ret;
};

static int probe_fn(void *arg)
{
    struct probe *p = arg;

    p->cpu = sched_getcpu();
    p->thread = pthread_self();
    p->mode = mempolicy_of_self(&p->mask);
    sched_getaffinity(0, sizeof(p->affinity), &p->affinity);
    atomic_fetch_add(&p->runs, 1);
    return p->ret;
}

static void probe_reset(struct probe *p, int ret)
{
    memset(p, 0, sizeof(*p));
    p->cpu = -1;
    p->mode = -1;
    p->ret = ret;
}

static int count_fn(void *arg)
{
    atomic_fetch_add((atomic_int *)arg, 1);
    return 7;
}

/* ---- placement ------------------------------------------------------------ */

static void test_worker_runs_on_node_cpu(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct probe p;

    (void)state;
    require_cpus01();
    pin_self(0, 1); /* wider than any node: never the fast path */
    rt = rt_new(root, NULL);
    for (int i = 0; i < 40; i++) {
        int node = i % 2;

        probe_reset(&p, 100 + i);
        assert_int_equal(vt_exec_on_node(rt, node, probe_fn, &p, &info), 100 + i);
        assert_int_equal(atomic_load(&p.runs), 1);
        assert_int_equal(p.cpu, node);
        assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
        assert_int_equal(info.reason, VT_EXEC_REASON_NONE);
        assert_int_equal(info.cpu, node);
        assert_int_equal(info.pnode, node);
        assert_int_equal(info.target_pnode, node);
        assert_int_equal(info.mem_pnode, -1);
        assert_false(pthread_equal(p.thread, pthread_self()));
        /* The worker is bound to the node's housekeeping CPUs. */
        assert_int_equal(CPU_COUNT(&p.affinity), 1);
        assert_true(CPU_ISSET(node, &p.affinity));
    }
    vt_exec_free(rt);
    t_rmtree(root);
}

static void test_fast_path_inline(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct probe p;

    (void)state;
    require_cpus01();
    rt = rt_new(root, NULL);
    pin_self(1, -1);
    probe_reset(&p, -3);
    assert_int_equal(vt_exec_on_node(rt, 1, probe_fn, &p, &info), -3);
    assert_int_equal(info.path, VT_EXEC_PATH_INLINE);
    assert_true(pthread_equal(p.thread, pthread_self()));
    assert_int_equal(p.cpu, 1);
    assert_int_equal(info.cpu, 1);
    assert_int_equal(info.pnode, 1);
    /* The other node still hands off. */
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 0, probe_fn, &p, &info);
    assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
    assert_int_equal(p.cpu, 0);
    /* A mask changed behind the cache's back that moves the thread off the
     * cached CPUs is noticed at the next call, without waiting. */
    {
        cpu_set_t only0;

        CPU_ZERO(&only0);
        CPU_SET(0, &only0);
        assert_int_equal(sched_setaffinity(0, sizeof(only0), &only0), 0);
    }
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 0, probe_fn, &p, &info);
    assert_int_equal(info.path, VT_EXEC_PATH_INLINE);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
    assert_int_equal(p.cpu, 1);
    pin_self(0, 1);
    vt_exec_free(rt);
    t_rmtree(root);
}

static void test_migrate_path(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec_options o = {.mode = VT_EXEC_MODE_MIGRATE};
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct probe p;
    cpu_set_t after;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, &o);
    for (int node = 0; node < 2; node++) {
        probe_reset(&p, INT_MIN + node);
        assert_int_equal(vt_exec_on_node(rt, node, probe_fn, &p, &info), INT_MIN + node);
        assert_int_equal(info.path, VT_EXEC_PATH_MIGRATE);
        assert_true(pthread_equal(p.thread, pthread_self()));
        assert_int_equal(p.cpu, node);
        assert_int_equal(CPU_COUNT(&p.affinity), 1);
        assert_true(CPU_ISSET(node, &p.affinity));
        /* Restored afterwards. */
        assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
        assert_true(CPU_ISSET(0, &after) && CPU_ISSET(1, &after));
    }
    vt_exec_free(rt);
    t_rmtree(root);
}

static void test_isolated_and_nohz_full_excluded(void **state)
{
    /* One node with both CPUs; one of them isolated (then nohz_full). */
    static const struct fx_node one[] = {{0, "0-1", 1048576, "10"}};
    struct fx f = {"0-1", "1", NULL, NULL, one, 1, NULL, 0};
    struct vt_exec_info info;
    struct probe p;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    for (int variant = 0; variant < 2; variant++) {
        char *root;
        struct vt_exec *rt;
        int hk = variant == 0 ? 0 : 1;

        f.isolated = variant == 0 ? "1" : NULL;
        f.nohz_full = variant == 0 ? NULL : "0";
        root = fx_create(&f);
        rt = rt_new(root, NULL);
        for (int i = 0; i < 30; i++) {
            probe_reset(&p, 0);
            vt_exec_on_node(rt, 0, probe_fn, &p, &info);
            assert_int_equal(p.cpu, hk);
            assert_int_equal(CPU_COUNT(&p.affinity), 1);
            assert_true(CPU_ISSET(hk, &p.affinity));
        }
        vt_exec_free(rt);
        t_rmtree(root);
    }
}

static void test_all_isolated_node_runs_locally(void **state)
{
    char *root = fx_two("1", NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct probe p;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    probe_reset(&p, 5);
    assert_int_equal(vt_exec_on_node(rt, 1, probe_fn, &p, &info), 5);
    assert_int_equal(atomic_load(&p.runs), 1);
    assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_HOUSEKEEPING);
    assert_true(pthread_equal(p.thread, pthread_self()));
    assert_int_equal(info.target_pnode, 1);
    /* nohz_full counts the same way. */
    vt_exec_free(rt);
    t_rmtree(root);
    root = fx_two(NULL, "0");
    rt = rt_new(root, NULL);
    probe_reset(&p, 6);
    assert_int_equal(vt_exec_on_node(rt, 0, probe_fn, &p, &info), 6);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_HOUSEKEEPING);
    assert_int_equal(atomic_load(&p.runs), 1);
    vt_exec_free(rt);
    t_rmtree(root);
}

static void test_offline_and_invalid_nodes(void **state)
{
    struct fx f = {"0-1", NULL, NULL, "0-2", two_nodes, 2, NULL, 0};
    char *root = fx_create(&f);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct probe p;
    const struct {
        int node;
        enum vt_exec_reason reason;
    } cases[] = {
        {2, VT_EXEC_REASON_OFFLINE_NODE},    {3, VT_EXEC_REASON_INVALID_NODE},
        {4095, VT_EXEC_REASON_INVALID_NODE}, {INT_MAX, VT_EXEC_REASON_INVALID_NODE},
        {-1, VT_EXEC_REASON_INVALID_NODE},
    };

    (void)state;
    rt = rt_new(root, NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        probe_reset(&p, -(int)i - 1);
        assert_int_equal(vt_exec_on_node(rt, cases[i].node, probe_fn, &p, &info), -(int)i - 1);
        assert_int_equal(atomic_load(&p.runs), 1);
        assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
        assert_int_equal(info.reason, cases[i].reason);
        assert_int_equal(info.target_pnode, cases[i].node);
        assert_true(pthread_equal(p.thread, pthread_self()));
        assert_string_not_equal(vt_exec_reason_text(info.reason), "");
    }
    vt_exec_free(rt);
    t_rmtree(root);
}

static void test_process_affinity_limits_housekeeping(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct vt_err err;
    struct probe p;

    (void)state;
    require_cpus01();
    /* The process (its main thread: cmocka runs tests there) may use CPU 0 only. */
    pin_self(0, -1);
    rt = rt_new(root, NULL);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_HOUSEKEEPING);
    assert_int_equal(p.cpu, 0);
    /* Widened again, a refresh brings node 1 back. */
    pin_self(0, 1);
    assert_int_equal(vt_exec_refresh(rt, &err), 0);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
    assert_int_equal(p.cpu, 1);
    vt_exec_free(rt);
    t_rmtree(root);
}

/* ---- memory-only nodes ----------------------------------------------------- */

/* Node ids for a dump with a memory-only node this process may allocate on
 * (m: the first node of its mems), a memory-only node it may not (x), and
 * two CPU nodes (c0 on CPU 0, c1 on CPU 1). The kernel node id m is real;
 * the others need not exist. */
struct memfx {
    unsigned m, x, c0, c1;
};

static struct memfx memfx_ids(void)
{
    unsigned long allowed = mems_allowed();
    struct memfx ids;
    unsigned next = 0;

    if (!allowed)
        fail_msg("this process may allocate on no node below 64");
    ids.m = (unsigned)__builtin_ctzl(allowed);
    ids.x = (unsigned)__builtin_ctzl(~allowed);
    while (next == ids.m || next == ids.x)
        next++;
    ids.c0 = next++;
    while (next == ids.m || next == ids.x)
        next++;
    ids.c1 = next;
    return ids;
}

/* Distances: m is nearer c1 (20) than c0 (30), so "nearest" is not "lowest";
 * x is nearer c0. */
static char *memfx_create(const struct memfx *ids)
{
    struct fx_node nodes[4];
    unsigned order[4] = {ids->m, ids->x, ids->c0, ids->c1};
    char dist[4][64];
    struct fx f = {"0-1", NULL, NULL, NULL, nodes, 4, NULL, 0};

    /* Sort by id: distance rows list nodes in id order. */
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (order[j] < order[i]) {
                unsigned t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    for (int i = 0; i < 4; i++) {
        unsigned a = order[i];

        dist[i][0] = '\0';
        for (int j = 0; j < 4; j++) {
            unsigned b = order[j], d;

            if (a == b)
                d = 10;
            else if ((a == ids->m && b == ids->c1) || (b == ids->m && a == ids->c1))
                d = 20;
            else if ((a == ids->x && b == ids->c0) || (b == ids->x && a == ids->c0))
                d = 20;
            else
                d = 30;
            snprintf(dist[i] + strlen(dist[i]), sizeof(dist[i]) - strlen(dist[i]), "%s%u",
                     j ? " " : "", d);
        }
        nodes[i].id = a;
        nodes[i].cpulist = a == ids->c0 ? "0" : a == ids->c1 ? "1" : "";
        nodes[i].mem_kb = 1048576;
        nodes[i].distance = dist[i];
    }
    return fx_create(&f);
}

static void test_memory_only_node(void **state)
{
    struct memfx ids = memfx_ids();
    char *root = memfx_create(&ids);
    const enum vt_exec_mode modes[] = {VT_EXEC_MODE_WORKER, VT_EXEC_MODE_MIGRATE};
    struct vt_exec_info info;
    struct probe p;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    assert_int_equal(mempolicy_of_self(NULL), MPOL_DEFAULT);
    for (size_t k = 0; k < 2; k++) {
        struct vt_exec_options o = {.mode = modes[k]};
        struct vt_exec *rt = rt_new(root, &o);

        /* m: runs on its nearest CPU node c1 (CPU 1), preferring m's memory. */
        probe_reset(&p, 11);
        assert_int_equal(vt_exec_on_node(rt, (int)ids.m, probe_fn, &p, &info), 11);
        assert_int_equal(p.cpu, 1);
        assert_int_equal(p.mode, MPOL_PREFERRED);
        assert_int_equal(p.mask, 1ul << ids.m);
        assert_int_equal(info.path, modes[k] == VT_EXEC_MODE_WORKER ? VT_EXEC_PATH_WORKER
                                                                    : VT_EXEC_PATH_MIGRATE);
        assert_int_equal(info.target_pnode, (int)ids.m);
        assert_int_equal(info.mem_pnode, (int)ids.m);
        assert_int_equal(info.pnode, (int)ids.c1);
        assert_true(info.flags & VT_EXEC_F_NEAREST);
        assert_true(info.flags & VT_EXEC_F_MEMPOLICY);
        assert_false(info.flags & VT_EXEC_F_MEMPOLICY_SKIPPED);
        /* Restored afterwards: the same worker (or this thread) again. */
        probe_reset(&p, 0);
        vt_exec_on_node(rt, (int)ids.c1, probe_fn, &p, &info);
        assert_int_equal(p.cpu, 1);
        assert_int_equal(p.mode, MPOL_DEFAULT);
        assert_int_equal(mempolicy_of_self(NULL), MPOL_DEFAULT);

        /* x: this process may not allocate there; runs on c0 without a policy. */
        probe_reset(&p, 12);
        assert_int_equal(vt_exec_on_node(rt, (int)ids.x, probe_fn, &p, &info), 12);
        assert_int_equal(p.cpu, 0);
        assert_int_equal(p.mode, MPOL_DEFAULT);
        assert_true(info.flags & VT_EXEC_F_NEAREST);
        assert_true(info.flags & VT_EXEC_F_MEMPOLICY_SKIPPED);
        assert_false(info.flags & VT_EXEC_F_MEMPOLICY);
        assert_int_equal(info.mem_pnode, (int)ids.x);
        vt_exec_free(rt);
    }

    /* Fast path: already on c1's CPU, the caller's own policy is set and restored. */
    {
        struct vt_exec *rt = rt_new(root, NULL);

        pin_self(1, -1);
        probe_reset(&p, 0);
        vt_exec_on_node(rt, (int)ids.m, probe_fn, &p, &info);
        assert_int_equal(info.path, VT_EXEC_PATH_INLINE);
        assert_true(pthread_equal(p.thread, pthread_self()));
        assert_int_equal(p.mode, MPOL_PREFERRED);
        assert_int_equal(p.mask, 1ul << ids.m);
        assert_int_equal(mempolicy_of_self(NULL), MPOL_DEFAULT);
        /* A policy of the caller's own survives the call. */
        {
            unsigned long mask = 1ul << ids.m;
            unsigned long got;

            assert_int_equal(syscall(SYS_set_mempolicy, MPOL_BIND, &mask, 65), 0);
            vt_exec_on_node(rt, (int)ids.m, probe_fn, &p, &info);
            assert_int_equal(p.mode, MPOL_PREFERRED);
            assert_int_equal(mempolicy_of_self(&got), MPOL_BIND);
            assert_int_equal(got, mask);
            assert_int_equal(syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0), 0);
        }
        pin_self(0, 1);
        vt_exec_free(rt);
    }
    t_rmtree(root);
}

/* ---- hotplug ------------------------------------------------------------- */

static void test_hotplug_refresh(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct vt_err err;
    const struct vt_host *before;
    struct probe p;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(p.cpu, 1);

    /* A refresh that changes nothing keeps the same view. */
    before = vt_exec_host(rt);
    assert_int_equal(vt_exec_refresh(rt, &err), 0);
    assert_ptr_equal(vt_exec_host(rt), before);

    /* CPU 1 goes offline: node 1 is left without CPUs and runs on node 0. */
    fx_put(root, "sys/devices/system/cpu/online", "0");
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(p.cpu, 1); /* not refreshed yet: the old view */
    assert_int_equal(vt_exec_refresh(rt, &err), 0);
    assert_ptr_not_equal(vt_exec_host(rt), before);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(p.cpu, 0);
    assert_int_equal(info.pnode, 0);
    assert_true(info.flags & VT_EXEC_F_NEAREST);
    assert_int_equal(info.mem_pnode, 1);
    assert_int_equal(atomic_load(&p.runs), 1);
    /* The old host model stays valid until vt_exec_free. */
    assert_int_equal(vt_host_node_count(before), 2);

    /* Back online. */
    fx_put(root, "sys/devices/system/cpu/online", "0-1");
    assert_int_equal(vt_exec_refresh(rt, &err), 0);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(p.cpu, 1);
    assert_false(info.flags & VT_EXEC_F_NEAREST);

    /* CPU 0 goes: node 0 runs on node 1's CPU; its worker there is new. */
    fx_put(root, "sys/devices/system/cpu/online", "1");
    assert_int_equal(vt_exec_refresh(rt, &err), 0);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 0, probe_fn, &p, &info);
    assert_int_equal(p.cpu, 1);

    /* Node 1 isolated as well: nothing is left for node 0 or 1. */
    fx_put(root, "sys/devices/system/cpu/isolated", "1");
    assert_int_equal(vt_exec_refresh(rt, &err), 0);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_HOUSEKEEPING);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 0, probe_fn, &p, &info);
    assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_CPU_NODE);
    assert_int_equal(atomic_load(&p.runs), 1);

    /* A broken dump: the refresh fails and the previous view stays. */
    fx_put(root, "sys/devices/system/cpu/online", "");
    assert_int_not_equal(vt_exec_refresh(rt, &err), 0);
    assert_non_null(strstr(err.msg, "online"));
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 0, probe_fn, &p, &info);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_CPU_NODE);
    vt_exec_free(rt);
    t_rmtree(root);
}

/* A refresh that brings a node its first pool starts the pool's workers
 * before publishing the view: a caller racing it never finds a pool without
 * workers (NO_WORKER, fn run on the caller although workers can start). */
struct race {
    struct vt_exec *rt;
    atomic_int stop;
    atomic_int calls, no_worker;
};

static void *race_main(void *arg)
{
    struct race *r = arg;
    cpu_set_t s;

    CPU_ZERO(&s);
    CPU_SET(0, &s);
    sched_setaffinity(0, sizeof(s), &s); /* this thread only: never inline on node 1 */
    while (!atomic_load(&r->stop)) {
        struct vt_exec_info info;
        atomic_int runs;

        atomic_init(&runs, 0);
        vt_exec_on_node(r->rt, 1, count_fn, &runs, &info);
        if (atomic_load(&runs) != 1 || info.reason == VT_EXEC_REASON_NO_WORKER)
            atomic_fetch_add(&r->no_worker, 1);
        atomic_fetch_add(&r->calls, 1);
    }
    return NULL;
}

static void test_refresh_new_pool_race(void **state)
{
    struct vt_err err;

    (void)state;
    require_cpus01();
    /* The refreshing thread on CPU 1, the caller on CPU 0: truly concurrent. */
    pin_self(1, -1);
    for (int i = 0; i < 20; i++) {
        char *root = fx_two("1", NULL); /* node 1 all isolated: no pool yet */
        struct race r = {rt_new(root, NULL)};
        pthread_t t;

        assert_int_equal(pthread_create(&t, NULL, race_main, &r), 0);
        while (atomic_load(&r.calls) < 100)
            sched_yield();
        fx_put(root, "sys/devices/system/cpu/isolated", "");
        assert_int_equal(vt_exec_refresh(r.rt, &err), 0);
        usleep(1000);
        atomic_store(&r.stop, 1);
        pthread_join(t, NULL);
        if (atomic_load(&r.no_worker))
            fail_msg("round %d: %d calls ran on the caller with NO_WORKER (or not once) while a "
                     "refresh started node 1's workers",
                     i, atomic_load(&r.no_worker));
        vt_exec_free(r.rt);
        t_rmtree(root);
    }
    pin_self(0, 1);
}

struct tid_probe {
    pid_t tid;
    cpu_set_t affinity;
};

static int tid_fn(void *arg)
{
    struct tid_probe *t = arg;

    t->tid = (pid_t)syscall(SYS_gettid);
    sched_getaffinity(0, sizeof(t->affinity), &t->affinity);
    return sched_getcpu();
}

/* A cpuset change can rewrite every thread's mask (to the whole cpuset, on
 * kernels before 6.2): after the refresh that follows, workers re-bind before
 * their next call, also when their node's set itself did not change. */
static void test_refresh_rebinds_workers(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct tid_probe tp;
    struct vt_err err;
    cpu_set_t both;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    assert_int_equal(vt_exec_on_node(rt, 1, tid_fn, &tp, &info), 1);
    assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
    assert_int_equal(CPU_COUNT(&tp.affinity), 1);
    /* Someone else widens the worker; then a change elsewhere, a refresh. */
    CPU_ZERO(&both);
    CPU_SET(0, &both);
    CPU_SET(1, &both);
    assert_int_equal(sched_setaffinity(tp.tid, sizeof(both), &both), 0);
    fx_put(root, "sys/devices/system/cpu/nohz_full", "0");
    assert_int_equal(vt_exec_refresh(rt, &err), 0);
    for (int i = 0; i < 10; i++) {
        memset(&tp.affinity, 0, sizeof(tp.affinity));
        assert_int_equal(vt_exec_on_node(rt, 1, tid_fn, &tp, &info), 1);
        assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
        assert_int_equal(CPU_COUNT(&tp.affinity), 1);
        assert_true(CPU_ISSET(1, &tp.affinity));
    }
    vt_exec_free(rt);
    t_rmtree(root);
}

/* A seccomp filter on every thread: sched_setaffinity fails with EINVAL, as
 * it does when the CPUs asked for went offline or left the cpuset. */
static int deny_setaffinity(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_setaffinity, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EINVAL & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
        return -errno;
    return 0;
}

#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child: line %d: %s\n", __LINE__, #cond);                              \
            _exit(1);                                                                              \
        }                                                                                          \
    } while (0)

/* In a child process (the filter cannot be removed). */
static void affinity_failure_child(const char *root)
{
    struct vt_exec_options mo = {.mode = VT_EXEC_MODE_MIGRATE};
    struct vt_host_source src = {VT_HOST_SYSFS, root, NULL};
    struct vt_exec *rt, *mrt;
    struct vt_exec_info info;
    struct vt_err err;
    struct probe p;

    CHILD_CHECK(vt_exec_new(&src, NULL, &rt, &err) == 0);
    CHILD_CHECK(vt_exec_new(&src, &mo, &mrt, &err) == 0);
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    CHILD_CHECK(p.cpu == 1 && info.path == VT_EXEC_PATH_WORKER);
    CHILD_CHECK(deny_setaffinity() == 0);

    /* The worker is already bound: it keeps working. */
    probe_reset(&p, 0);
    vt_exec_on_node(rt, 1, probe_fn, &p, &info);
    CHILD_CHECK(p.cpu == 1 && info.path == VT_EXEC_PATH_WORKER);

    /* Migrate: refused, refreshed, refused again: runs here, once. */
    probe_reset(&p, 9);
    CHILD_CHECK(vt_exec_on_node(mrt, 1, probe_fn, &p, &info) == 9);
    CHILD_CHECK(atomic_load(&p.runs) == 1);
    CHILD_CHECK(info.path == VT_EXEC_PATH_LOCAL);
    CHILD_CHECK(info.reason == VT_EXEC_REASON_AFFINITY_FAILED);
    CHILD_CHECK(info.flags & VT_EXEC_F_REFRESHED);
    CHILD_CHECK(pthread_equal(p.thread, pthread_self()));

    /* The nodes swap CPUs: node 1's worker must re-bind to CPU 0, is
     * refused, and the call comes back to the caller. */
    fx_put(root, "sys/devices/system/node/node0/cpulist", "1");
    fx_put(root, "sys/devices/system/node/node1/cpulist", "0");
    CHILD_CHECK(vt_exec_refresh(rt, &err) == 0);
    probe_reset(&p, -77);
    CHILD_CHECK(vt_exec_on_node(rt, 1, probe_fn, &p, &info) == -77);
    CHILD_CHECK(atomic_load(&p.runs) == 1);
    CHILD_CHECK(info.path == VT_EXEC_PATH_LOCAL);
    CHILD_CHECK(info.reason == VT_EXEC_REASON_AFFINITY_FAILED);
    CHILD_CHECK(info.flags & VT_EXEC_F_REFRESHED);
    CHILD_CHECK(pthread_equal(p.thread, pthread_self()));
    /* The asynchronous form: bounced by the worker, run by the waiter. */
    {
        struct vt_exec_req req;

        probe_reset(&p, 31);
        CHILD_CHECK(vt_exec_submit(rt, &req, 1, probe_fn, &p) == 0);
        CHILD_CHECK(vt_exec_wait(&req, &info) == 31);
        CHILD_CHECK(atomic_load(&p.runs) == 1);
        CHILD_CHECK(info.path == VT_EXEC_PATH_LOCAL);
        CHILD_CHECK(info.reason == VT_EXEC_REASON_AFFINITY_FAILED);
        CHILD_CHECK(info.flags & VT_EXEC_F_REFRESHED);
    }
    vt_exec_free(rt);
    vt_exec_free(mrt);
    _exit(0);
}

static void test_affinity_failure_refreshes(void **state)
{
    char *root = fx_two(NULL, NULL);
    int status;
    pid_t pid;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        affinity_failure_child(root);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the child checking affinity failures failed (status %#x; see its message)",
                 status);
    t_rmtree(root);
}

/* ---- devices -------------------------------------------------------------- */

static void test_devices(void **state)
{
    static const struct fx_dev devs[] = {
        {"0000:3b:00.0", "1", "1"},    /* on node 1 */
        {"0000:5e:00.0", "-1", "1"},   /* no node, local CPUs narrower: node 1's set */
        {"0000:00:1f.0", "-1", "0-1"}, /* no node, all CPUs */
        {"0000:00:02.0", "-1", NULL},  /* no node, no local_cpulist */
        {"0001:00:00.0", "0", "0"},
    };
    struct fx f = {"0-1", NULL, NULL, NULL, two_nodes, 2, devs, 5};
    char *root = fx_create(&f);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct probe p;
    const struct {
        const char *bdf;
        int cpu; /* -1: local */
        enum vt_exec_reason reason;
        int target;
    } cases[] = {
        {"0000:3b:00.0", 1, VT_EXEC_REASON_NONE, 1},
        {"3b:00.0", 1, VT_EXEC_REASON_NONE, 1},
        {"0000:5e:00.0", 1, VT_EXEC_REASON_NONE, -1},
        {"0000:00:1f.0", -1, VT_EXEC_REASON_DEVICE_NO_NODE, -1},
        {"0000:00:02.0", -1, VT_EXEC_REASON_DEVICE_NO_NODE, -1},
        {"0001:00:00.0", 0, VT_EXEC_REASON_NONE, 0},
        {"0000:3b:00.1", -1, VT_EXEC_REASON_UNKNOWN_DEVICE, -1},
        {"not-a-bdf", -1, VT_EXEC_REASON_UNKNOWN_DEVICE, -1},
        {"0000:3b:20.0", -1, VT_EXEC_REASON_UNKNOWN_DEVICE, -1},
        {NULL, -1, VT_EXEC_REASON_UNKNOWN_DEVICE, -1},
    };

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vt_exec_req req;

        for (int async = 0; async < 2; async++) {
            int rc;

            probe_reset(&p, (int)i);
            if (async) {
                rc = vt_exec_submit_device(rt, &req, cases[i].bdf, probe_fn, &p);
                assert_in_range(rc, 0, 1);
                rc = vt_exec_wait(&req, &info);
            } else {
                rc = vt_exec_on_device(rt, cases[i].bdf, probe_fn, &p, &info);
            }
            assert_int_equal(rc, (int)i);
            assert_int_equal(atomic_load(&p.runs), 1);
            assert_int_equal(info.reason, cases[i].reason);
            assert_int_equal(info.target_pnode, cases[i].target);
            if (cases[i].cpu >= 0) {
                assert_int_equal(p.cpu, cases[i].cpu);
                assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
            } else {
                assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
                assert_true(pthread_equal(p.thread, pthread_self()));
            }
        }
    }
    vt_exec_free(rt);
    t_rmtree(root);
}

/* A device whose local CPUs are not any node's set gets a pool of its own. */
static void test_device_pool(void **state)
{
    static const struct fx_node one[] = {{0, "0-1", 1048576, "10"}};
    static const struct fx_dev devs[] = {{"0000:af:00.0", "-1", "1"}};
    struct fx f = {"0-1", NULL, NULL, NULL, one, 1, devs, 1};
    char *root = fx_create(&f);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct probe p;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    for (int i = 0; i < 20; i++) {
        probe_reset(&p, 0);
        vt_exec_on_device(rt, "0000:af:00.0", probe_fn, &p, &info);
        assert_int_equal(p.cpu, 1);
        assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
        assert_int_equal(CPU_COUNT(&p.affinity), 1);
        /* The node itself spans both CPUs: inline from here. */
        probe_reset(&p, 0);
        vt_exec_on_node(rt, 0, probe_fn, &p, &info);
        assert_int_equal(info.path, VT_EXEC_PATH_INLINE);
    }
    vt_exec_free(rt);
    t_rmtree(root);
}

/* ---- asynchronous ------------------------------------------------------------ */

struct meet {
    atomic_int *arrived;
    int cpu;
    bool met;
};

/* Wait (up to 10 s) until both functions are running at the same time. */
static int meet_fn(void *arg)
{
    struct meet *m = arg;
    struct timespec t0, t;

    m->cpu = sched_getcpu();
    atomic_fetch_add(m->arrived, 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        if (atomic_load(m->arrived) >= 2) {
            m->met = true;
            return m->cpu;
        }
        sched_yield();
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (t.tv_sec - t0.tv_sec < 10);
    return -1;
}

static void test_async_parallel(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_req req[2];
    struct vt_exec_info info;
    atomic_int arrived;
    struct meet m[2] = {{&arrived, -1, false}, {&arrived, -1, false}};

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    atomic_init(&arrived, 0);
    /* Each waits for the other: only parallel workers can both return. */
    assert_int_equal(vt_exec_submit(rt, &req[0], 0, meet_fn, &m[0]), 0);
    assert_int_equal(vt_exec_submit(rt, &req[1], 1, meet_fn, &m[1]), 0);
    assert_int_equal(vt_exec_wait(&req[1], &info), 1);
    assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
    assert_int_equal(info.cpu, 1);
    assert_int_equal(vt_exec_wait(&req[0], &info), 0);
    assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
    assert_int_equal(info.cpu, 0);
    assert_true(m[0].met && m[1].met);
    /* A second wait is an error, not a second run. */
    assert_int_equal(vt_exec_wait(&req[0], &info), -EINVAL);
    vt_exec_free(rt);
    t_rmtree(root);
}

/* ---- reentrancy -------------------------------------------------------------- */

struct chain {
    struct vt_exec *rt;
    int depth;
    int cpus[8];
    unsigned flags[8];
    enum vt_exec_path paths[8];
    int ret;
};

static int chain_fn(void *arg)
{
    struct chain *c = arg;
    int level = c->depth++;
    struct vt_exec_info info;
    int ret;

    c->cpus[level] = sched_getcpu();
    if (level == 5)
        return -1000;
    /* Alternate nodes: 0 -> 1 -> 0 -> 1 ... each call made from a worker. */
    ret = vt_exec_on_node(c->rt, (level + 1) % 2, chain_fn, c, &info);
    c->flags[level + 1] = info.flags;
    c->paths[level + 1] = info.path;
    return ret - 1;
}

struct self_wait {
    struct vt_exec *rt;
    int node;
    atomic_int runs;
    int cpu_inner;
    struct vt_exec_info info;
};

static int inner_fn(void *arg)
{
    struct self_wait *s = arg;

    s->cpu_inner = sched_getcpu();
    atomic_fetch_add(&s->runs, 1);
    return 3;
}

/* On a worker: submit to this very node (one worker) and wait for it. */
static int self_wait_fn(void *arg)
{
    struct self_wait *s = arg;
    struct vt_exec_req req;
    int rc = vt_exec_submit(s->rt, &req, s->node, inner_fn, s);

    if (rc < 0)
        return rc;
    return vt_exec_wait(&req, &s->info) + 10;
}

static void test_reentrant_calls(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct chain c = {0};
    struct self_wait sw = {0};

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    c.rt = rt;
    assert_int_equal(vt_exec_on_node(rt, 0, chain_fn, &c, &info), -1005);
    assert_int_equal(c.depth, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(c.cpus[i], i % 2);
    assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
    for (int i = 1; i < 6; i++) {
        assert_int_equal(c.paths[i], VT_EXEC_PATH_MIGRATE);
        assert_true(c.flags[i] & VT_EXEC_F_NESTED);
    }

    /* Waiting inside fn for a call queued behind itself: stolen, not deadlocked. */
    sw.rt = rt;
    sw.node = 1;
    assert_int_equal(vt_exec_on_node(rt, 1, self_wait_fn, &sw, &info), 13);
    assert_int_equal(atomic_load(&sw.runs), 1);
    assert_int_equal(sw.cpu_inner, 1);
    assert_true(sw.info.flags & VT_EXEC_F_STOLEN);
    /* ... and for another node's worker, which runs it (or it is stolen). */
    atomic_store(&sw.runs, 0);
    sw.node = 0;
    assert_int_equal(vt_exec_on_node(rt, 1, self_wait_fn, &sw, &info), 13);
    assert_int_equal(atomic_load(&sw.runs), 1);
    assert_int_equal(sw.cpu_inner, 0);
    vt_exec_free(rt);
    t_rmtree(root);
}

/* ---- exactly once under concurrency ------------------------------------------ */

#define EO_THREADS 6
#define EO_CALLS   1500

struct eo_slot {
    atomic_int runs;
    int expect_cpu; /* -1: any */
    int cpu;
};

struct eo_thread {
    struct vt_exec *rt;
    unsigned seed;
    int index;
    struct eo_slot *slots;
    atomic_int *bad_ret;
    atomic_int *bad_cpu;
};

struct eo_arg {
    struct eo_slot *slot;
    struct vt_exec *rt;
    int value;
    int nest; /* nested call target, -1 none */
    struct eo_slot *nest_slot;
};

static int eo_fn(void *arg)
{
    struct eo_arg *a = arg;

    a->slot->cpu = sched_getcpu();
    atomic_fetch_add(&a->slot->runs, 1);
    if (a->nest >= 0) {
        struct eo_arg inner = {a->nest_slot, a->rt, 0, -1, NULL};

        vt_exec_on_node(a->rt, a->nest, eo_fn, &inner, NULL);
    }
    return a->value;
}

static const int eo_targets[] = {0, 1, 0, 1, 2, 9, -1};

static void *eo_main(void *arg)
{
    struct eo_thread *t = arg;
    unsigned seed = t->seed;

    for (int i = 0; i < EO_CALLS;) {
        int batch = 1 + (int)(rand_r(&seed) % 4);
        bool async = rand_r(&seed) % 3 == 0;
        struct vt_exec_req req[4];
        struct eo_arg args[4];
        int issued = 0;

        for (int b = 0; b < batch && i < EO_CALLS; b++, i++) {
            int node = eo_targets[rand_r(&seed) % (sizeof(eo_targets) / sizeof(eo_targets[0]))];
            struct eo_slot *slot = &t->slots[2 * i];
            struct eo_arg *a = &args[issued];

            slot->expect_cpu = node == 0 || node == 1 ? node : -1;
            a->slot = slot;
            a->rt = t->rt;
            a->value = (t->index << 20) ^ i ^ (rand_r(&seed) & 0xff) << 12;
            a->nest = rand_r(&seed) % 8 == 0 ? (int)(rand_r(&seed) % 2) : -1;
            a->nest_slot = &t->slots[2 * i + 1];
            if (a->nest >= 0)
                a->nest_slot->expect_cpu = a->nest;
            if (async) {
                if (vt_exec_submit(t->rt, &req[issued], node, eo_fn, a) < 0)
                    atomic_fetch_add(t->bad_ret, 1);
            } else if (vt_exec_on_node(t->rt, node, eo_fn, a, NULL) != a->value) {
                atomic_fetch_add(t->bad_ret, 1);
            }
            issued++;
        }
        if (async)
            for (int b = 0; b < issued; b++)
                if (vt_exec_wait(&req[b], NULL) != args[b].value)
                    atomic_fetch_add(t->bad_ret, 1);
        for (int b = 0; b < issued; b++) {
            struct eo_slot *s = args[b].slot;

            if (s->expect_cpu >= 0 && s->cpu != s->expect_cpu)
                atomic_fetch_add(t->bad_cpu, 1);
        }
    }
    return NULL;
}

static void run_exactly_once(const struct vt_exec_options *o, const char *what)
{
    struct fx f = {"0-1", NULL, NULL, "0-2", two_nodes, 2, NULL, 0};
    char *root = fx_create(&f);
    struct vt_exec *rt = rt_new(root, o);
    unsigned seed = t_seed(what);
    struct eo_thread th[EO_THREADS];
    pthread_t tid[EO_THREADS];
    struct eo_slot *slots = calloc((size_t)EO_THREADS * EO_CALLS * 2, sizeof(*slots));
    atomic_int bad_ret, bad_cpu;

    assert_non_null(slots);
    atomic_init(&bad_ret, 0);
    atomic_init(&bad_cpu, 0);
    for (size_t i = 0; i < (size_t)EO_THREADS * EO_CALLS * 2; i++) {
        atomic_init(&slots[i].runs, 0);
        slots[i].expect_cpu = -2; /* -2: never issued */
    }
    for (int i = 0; i < EO_THREADS; i++) {
        th[i] = (struct eo_thread){rt,       seed + (unsigned)i * 7919u,
                                   i,        slots + (size_t)i * EO_CALLS * 2,
                                   &bad_ret, &bad_cpu};
        assert_int_equal(pthread_create(&tid[i], NULL, eo_main, &th[i]), 0);
    }
    for (int i = 0; i < EO_THREADS; i++)
        pthread_join(tid[i], NULL);
    for (size_t i = 0; i < (size_t)EO_THREADS * EO_CALLS * 2; i++) {
        int want = slots[i].expect_cpu == -2 ? 0 : 1;

        if (atomic_load(&slots[i].runs) != want)
            fail_msg("%s: call %zu ran %d times, expected %d (seed %u)", what, i,
                     atomic_load(&slots[i].runs), want, seed);
    }
    if (atomic_load(&bad_ret) || atomic_load(&bad_cpu))
        fail_msg("%s: %d wrong return values, %d calls on the wrong CPU (seed %u)", what,
                 atomic_load(&bad_ret), atomic_load(&bad_cpu), seed);
    vt_exec_free(rt);
    free(slots);
    t_rmtree(root);
}

static void test_exactly_once_concurrent(void **state)
{
    struct vt_exec_options two = {.workers_per_node = 2};
    struct vt_exec_options nospin = {.flags = VT_EXEC_NO_SPIN};
    struct vt_exec_options migrate = {.mode = VT_EXEC_MODE_MIGRATE, .spin_ns = 2000};

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    run_exactly_once(NULL, "exactly-once (worker)");
    run_exactly_once(&two, "exactly-once (2 workers per node)");
    run_exactly_once(&nospin, "exactly-once (no spinning)");
    run_exactly_once(&migrate, "exactly-once (migrate)");
}

/* ---- errors and return values -------------------------------------------------- */

static void test_return_values_and_errors(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_info info;
    struct vt_exec_req req;
    struct vt_err err;
    struct probe p;
    atomic_int runs;
    const int values[] = {0, 1, -1, 42, -EINVAL, INT_MIN, INT_MAX};

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        for (int node = -1; node < 2; node++) {
            probe_reset(&p, values[i]);
            assert_int_equal(vt_exec_on_node(rt, node, probe_fn, &p, NULL), values[i]);
            probe_reset(&p, values[i]);
            assert_int_equal(vt_exec_submit(rt, &req, node, probe_fn, &p), node < 0 ? 1 : 0);
            assert_int_equal(vt_exec_wait(&req, NULL), values[i]);
            assert_int_equal(atomic_load(&p.runs), 1);
        }
    }

    /* No function: nothing runs, -EINVAL. */
    assert_int_equal(vt_exec_on_node(rt, 0, NULL, NULL, &info), -EINVAL);
    assert_int_equal(vt_exec_on_device(rt, "0000:00:00.0", NULL, NULL, &info), -EINVAL);
    assert_int_equal(vt_exec_submit(rt, &req, 0, NULL, NULL), -EINVAL);
    atomic_init(&runs, 0);
    assert_int_equal(vt_exec_submit(rt, NULL, 0, count_fn, &runs), -EINVAL);
    assert_int_equal(atomic_load(&runs), 0);
    memset(&req, 0, sizeof(req));
    assert_int_equal(vt_exec_wait(&req, &info), -EINVAL);
    assert_int_equal(vt_exec_wait(NULL, &info), -EINVAL);

    /* No runtime: fn still runs exactly once, here. */
    assert_int_equal(vt_exec_on_node(NULL, 0, count_fn, &runs, &info), 7);
    assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_RUNTIME);
    assert_int_equal(vt_exec_on_device(NULL, "0000:00:00.0", count_fn, &runs, NULL), 7);
    assert_int_equal(vt_exec_submit(NULL, &req, 1, count_fn, &runs), 1);
    assert_int_equal(vt_exec_wait(&req, &info), 7);
    assert_int_equal(info.reason, VT_EXEC_REASON_NO_RUNTIME);
    assert_int_equal(atomic_load(&runs), 3);
    assert_int_equal(vt_exec_refresh(NULL, &err), -EINVAL);
    assert_null(vt_exec_host(NULL));
    vt_exec_free(NULL);
    vt_exec_free(rt);

    /* Bad options and sources. */
    {
        struct vt_host_source src = {VT_HOST_SYSFS, root, NULL};
        struct vt_host_source missing = {VT_HOST_SYSFS, "/nonexistent/vtopo-fsroot", NULL};
        struct vt_exec_options bad_mode = {.mode = (enum vt_exec_mode)7};
        struct vt_exec_options bad_flags = {.flags = 0x100};
        struct vt_exec_options too_many = {.workers_per_node = 5000};

        assert_int_equal(vt_exec_new(&src, &bad_mode, &rt, &err), -EINVAL);
        assert_null(rt);
        assert_non_null(strstr(err.msg, "mode"));
        assert_int_equal(vt_exec_new(&src, &bad_flags, &rt, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "0x100"));
        assert_int_equal(vt_exec_new(&src, &too_many, &rt, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "5000"));
        assert_int_equal(vt_exec_new(&missing, NULL, &rt, &err), -ENOENT);
        assert_non_null(strstr(err.msg, "/nonexistent/vtopo-fsroot"));
        assert_int_equal(vt_exec_new(&src, NULL, NULL, &err), -EINVAL);
    }
    assert_string_equal(vt_exec_path_name(VT_EXEC_PATH_WORKER), "worker");
    assert_string_equal(vt_exec_path_name(VT_EXEC_PATH_INLINE), "inline");
    assert_string_equal(vt_exec_path_name(VT_EXEC_PATH_MIGRATE), "migrate");
    assert_string_equal(vt_exec_path_name(VT_EXEC_PATH_LOCAL), "local");
    t_rmtree(root);
}

/* Worker threads that cannot start: a stack no address space can hold. */
static void test_worker_start_failure(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec_options o = {.stack_size = (size_t)1 << 60};
    struct vt_exec_options lazy = {.stack_size = (size_t)1 << 60, .flags = VT_EXEC_LAZY};
    struct vt_exec_info info;
    struct vt_exec_req req;
    struct vt_err err;
    struct probe p;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    for (int k = 0; k < 2; k++) {
        struct vt_exec *rt = rt_new(root, k ? &lazy : &o);

        probe_reset(&p, -12);
        assert_int_equal(vt_exec_on_node(rt, 1, probe_fn, &p, &info), -12);
        assert_int_equal(atomic_load(&p.runs), 1);
        assert_int_equal(info.path, VT_EXEC_PATH_LOCAL);
        assert_int_equal(info.reason, VT_EXEC_REASON_NO_WORKER);
        assert_true(pthread_equal(p.thread, pthread_self()));
        probe_reset(&p, 8);
        assert_int_equal(vt_exec_submit(rt, &req, 0, probe_fn, &p), 1);
        assert_int_equal(atomic_load(&p.runs), 1);
        assert_int_equal(vt_exec_wait(&req, &info), 8);
        assert_int_equal(info.reason, VT_EXEC_REASON_NO_WORKER);
        assert_int_equal(vt_exec_refresh(rt, &err), 0); /* tries again, fails again */
        probe_reset(&p, 0);
        vt_exec_on_node(rt, 0, probe_fn, &p, &info);
        assert_int_equal(info.reason, VT_EXEC_REASON_NO_WORKER);
        vt_exec_free(rt);
    }
    t_rmtree(root);
}

/* After fork() the child has no workers: calls take the migrate path. */
static void test_fork_child(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    int status;
    pid_t pid;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct vt_exec_info info;
        struct vt_exec_req req;
        struct probe p;

        probe_reset(&p, 4);
        CHILD_CHECK(vt_exec_on_node(rt, 1, probe_fn, &p, &info) == 4);
        CHILD_CHECK(p.cpu == 1 && info.path == VT_EXEC_PATH_MIGRATE);
        probe_reset(&p, 5);
        CHILD_CHECK(vt_exec_submit(rt, &req, 0, probe_fn, &p) == 1);
        CHILD_CHECK(vt_exec_wait(&req, &info) == 5 && p.cpu == 0);
        CHILD_CHECK(atomic_load(&p.runs) == 1);
        vt_exec_free(rt);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* The parent's workers are untouched. */
    {
        struct vt_exec_info info;
        struct probe p;

        probe_reset(&p, 0);
        vt_exec_on_node(rt, 1, probe_fn, &p, &info);
        assert_int_equal(info.path, VT_EXEC_PATH_WORKER);
        assert_int_equal(p.cpu, 1);
    }
    vt_exec_free(rt);
    t_rmtree(root);
}

/* fork() while another thread refreshes: the child must not inherit the
 * runtime's lock held by a thread it does not have. */
struct refresher {
    struct vt_exec *rt;
    atomic_int stop, rounds;
};

static void *refresher_main(void *arg)
{
    struct refresher *r = arg;

    while (!atomic_load(&r->stop)) {
        vt_exec_refresh(r->rt, NULL);
        atomic_fetch_add(&r->rounds, 1);
    }
    return NULL;
}

static void test_fork_during_refresh(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct refresher r = {0};
    pthread_t t;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    r.rt = rt_new(root, NULL);
    assert_int_equal(pthread_create(&t, NULL, refresher_main, &r), 0);
    for (int i = 0; i < 10; i++) {
        int status;
        pid_t pid;

        while (atomic_load(&r.rounds) < i + 1)
            sched_yield();
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct vt_err err;
            struct probe p;

            alarm(20); /* a deadlock ends the child with SIGALRM */
            CHILD_CHECK(vt_exec_refresh(r.rt, &err) == 0);
            probe_reset(&p, 6);
            CHILD_CHECK(vt_exec_on_node(r.rt, 1, probe_fn, &p, NULL) == 6 && p.cpu == 1);
            vt_exec_free(r.rt);
            _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("fork %d: the child %s", i,
                     WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM
                         ? "deadlocked in vt_exec_refresh"
                         : "failed (see its message)");
    }
    atomic_store(&r.stop, 1);
    pthread_join(t, NULL);
    vt_exec_free(r.rt);
    t_rmtree(root);
}

/* ---- binding for good ------------------------------------------------------------ */

struct bind_job {
    struct vt_exec *rt;
    int node;
    const char *bdf;
    enum vt_exec_mem mem;
    int rc;
    struct vt_err err;
    struct vt_exec_info info;
    cpu_set_t affinity;
    int mode;
    unsigned long mask;
};

static void *bind_thread(void *arg)
{
    struct bind_job *j = arg;

    j->rc = j->bdf ? vt_exec_bind_device(j->rt, j->bdf, j->mem, &j->info, &j->err)
                   : vt_exec_bind_node(j->rt, j->node, j->mem, &j->info, &j->err);
    sched_getaffinity(0, sizeof(j->affinity), &j->affinity);
    j->mode = mempolicy_of_self(&j->mask);
    return NULL;
}

/* Bind a fresh thread (the test's own stays as it is). */
static struct bind_job bind_on_thread(struct vt_exec *rt, int node, const char *bdf,
                                      enum vt_exec_mem mem)
{
    struct bind_job j = {rt, node, bdf, mem, 0, {0, ""}, {0}, {{0}}, -1, 0};
    pthread_t t;

    assert_int_equal(pthread_create(&t, NULL, bind_thread, &j), 0);
    pthread_join(t, NULL);
    return j;
}

static void test_bind(void **state)
{
    struct memfx ids = memfx_ids();
    char *root = memfx_create(&ids);
    struct vt_exec *rt;
    struct bind_job j;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    rt = rt_new(root, NULL);

    j = bind_on_thread(rt, (int)ids.c1, NULL, VT_EXEC_MEM_DEFAULT);
    assert_int_equal(j.rc, 0);
    assert_int_equal(CPU_COUNT(&j.affinity), 1);
    assert_true(CPU_ISSET(1, &j.affinity));
    assert_int_equal(j.mode, MPOL_DEFAULT);

    /* The memory-only node: nearest CPUs, its memory preferred or bound. */
    j = bind_on_thread(rt, (int)ids.m, NULL, VT_EXEC_MEM_DEFAULT);
    assert_int_equal(j.rc, 0);
    assert_true(CPU_ISSET(1, &j.affinity) && CPU_COUNT(&j.affinity) == 1);
    assert_int_equal(j.mode, MPOL_PREFERRED);
    assert_int_equal(j.mask, 1ul << ids.m);
    j = bind_on_thread(rt, (int)ids.m, NULL, VT_EXEC_MEM_BIND);
    assert_int_equal(j.rc, 0);
    assert_int_equal(j.mode, MPOL_BIND);
    assert_int_equal(j.mask, 1ul << ids.m);
    assert_int_equal(j.info.mem_pnode, (int)ids.m);

    /* x's memory is not this process's: binding to it is refused... */
    j = bind_on_thread(rt, (int)ids.x, NULL, VT_EXEC_MEM_PREFERRED);
    assert_int_equal(j.rc, -EINVAL);
    assert_non_null(strstr(j.err.msg, "memory is not available to this process"));
    assert_int_equal(CPU_COUNT(&j.affinity), 2); /* and the thread is untouched */
    /* ... a plain bind runs on the nearest node and says the policy was skipped. */
    j = bind_on_thread(rt, (int)ids.x, NULL, VT_EXEC_MEM_DEFAULT);
    assert_int_equal(j.rc, 0);
    assert_true(CPU_ISSET(0, &j.affinity) && CPU_COUNT(&j.affinity) == 1);
    assert_true(j.info.flags & VT_EXEC_F_MEMPOLICY_SKIPPED);
    assert_int_equal(j.mode, MPOL_DEFAULT);

    /* Nodes that cannot be used. */
    j = bind_on_thread(rt, 77, NULL, VT_EXEC_MEM_DEFAULT);
    assert_int_equal(j.rc, -EINVAL);
    assert_non_null(strstr(j.err.msg, "node 77 does not exist on this host"));
    assert_int_equal(CPU_COUNT(&j.affinity), 2);
    j = bind_on_thread(rt, (int)ids.c1, NULL, (enum vt_exec_mem)9);
    assert_int_equal(j.rc, -EINVAL);
    vt_exec_free(rt);
    t_rmtree(root);

    /* Offline, isolated, no memory, devices. */
    {
        static const struct fx_node nodes[] = {
            {0, "0", 0, "10 20"},
            {1, "1", 1048576, "20 10"},
        };
        static const struct fx_dev devs[] = {
            {"0000:3b:00.0", "1", "1"},
            {"0000:00:1f.0", "-1", "0-1"},
            {"0000:5e:00.0", "-1", "0"},
        };
        struct fx f = {"0-1", "1", NULL, "0-3", nodes, 2, devs, 3};

        root = fx_create(&f);
        rt = rt_new(root, NULL);
        j = bind_on_thread(rt, 2, NULL, VT_EXEC_MEM_DEFAULT);
        assert_int_equal(j.rc, -EINVAL);
        assert_non_null(strstr(j.err.msg, "node 2 is offline"));
        j = bind_on_thread(rt, 1, NULL, VT_EXEC_MEM_DEFAULT);
        assert_int_equal(j.rc, -EINVAL);
        assert_non_null(strstr(j.err.msg, "node 1 has no housekeeping CPU"));
        assert_non_null(strstr(j.err.msg, "housekeeping none"));
        j = bind_on_thread(rt, 0, NULL, VT_EXEC_MEM_BIND);
        assert_int_equal(j.rc, -EINVAL);
        assert_non_null(strstr(j.err.msg, "node 0 has no memory to bind to"));
        j = bind_on_thread(rt, -1, "0000:3b:00.0", VT_EXEC_MEM_DEFAULT);
        assert_int_equal(j.rc, -EINVAL);
        assert_non_null(strstr(j.err.msg, "device 0000:3b:00.0: numa_node 1: node 1 has no "
                                          "housekeeping CPU"));
        j = bind_on_thread(rt, -1, "0000:00:1f.0", VT_EXEC_MEM_DEFAULT);
        assert_int_equal(j.rc, 0);
        assert_int_equal(j.info.reason, VT_EXEC_REASON_DEVICE_NO_NODE);
        assert_int_equal(CPU_COUNT(&j.affinity), 2);
        j = bind_on_thread(rt, -1, "0000:00:1f.0", VT_EXEC_MEM_BIND);
        assert_int_equal(j.rc, -EINVAL);
        assert_non_null(strstr(j.err.msg, "no NUMA node"));
        j = bind_on_thread(rt, -1, "0000:5e:00.0", VT_EXEC_MEM_DEFAULT);
        assert_int_equal(j.rc, 0);
        assert_true(CPU_ISSET(0, &j.affinity) && CPU_COUNT(&j.affinity) == 1);
        j = bind_on_thread(rt, -1, "0000:99:00.0", VT_EXEC_MEM_DEFAULT);
        assert_int_equal(j.rc, -ENOENT);
        assert_non_null(strstr(j.err.msg, "no PCI device 0000:99:00.0"));
        j = bind_on_thread(rt, -1, "bogus", VT_EXEC_MEM_DEFAULT);
        assert_int_equal(j.rc, -EINVAL);
        assert_non_null(strstr(j.err.msg, "'bogus' is not a PCI address"));
        vt_exec_free(rt);
        t_rmtree(root);
    }
}

/* ---- address queries -------------------------------------------------------------- */

static void test_query_nodes(void **state)
{
    long page = sysconf(_SC_PAGESIZE);
    char *touched =
        mmap(NULL, (size_t)page * 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *gone =
        mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const void *addrs[5];
    int nodes[5], oracle = -1;
    enum { N = 10000 };
    static const void *many[N];
    static int many_nodes[N];
    char *big;

    (void)state;
    assert_true(touched != MAP_FAILED && gone != MAP_FAILED);
    touched[0] = 1;
    touched[page + 17] = 1; /* the second page, by an unaligned address */
    assert_int_equal(munmap(gone, (size_t)page), 0);
    /* The oracle: the kernel's own answer for one address. */
    assert_int_equal(
        syscall(SYS_get_mempolicy, &oracle, NULL, 0, touched, MPOL_F_NODE | MPOL_F_ADDR), 0);
    addrs[0] = touched;
    addrs[1] = touched + page + 17;
    addrs[2] = touched + 2 * page; /* mapped, never touched */
    addrs[3] = gone;               /* unmapped */
    addrs[4] = NULL;
    assert_int_equal(vt_exec_query_nodes(addrs, 5, nodes), 2);
    assert_int_equal(nodes[0], oracle);
    assert_int_equal(nodes[1], oracle);
    assert_int_equal(nodes[2], -ENOENT);
    assert_int_equal(nodes[3], -EFAULT);
    assert_int_equal(nodes[4], -EFAULT);

    assert_int_equal(vt_exec_query_nodes(NULL, 0, NULL), 0);
    assert_int_equal(vt_exec_query_nodes(NULL, 1, nodes), -EINVAL);
    assert_int_equal(vt_exec_query_nodes(addrs, 1, NULL), -EINVAL);

    /* More than one move_pages batch, every other page touched. */
    big = mmap(NULL, (size_t)page * N, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(big != MAP_FAILED);
    for (size_t i = 0; i < N; i++) {
        if (i % 2 == 0)
            big[i * (size_t)page] = 1;
        many[i] = big + i * (size_t)page;
    }
    assert_int_equal(vt_exec_query_nodes(many, N, many_nodes), N / 2);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(many_nodes[i], i % 2 == 0 ? oracle : -ENOENT);
    munmap(big, (size_t)page * N);
    munmap(touched, (size_t)page * 3);
}

/* ---- no allocation on the call path -------------------------------------------------- */

/* The test binary is linked with --wrap for malloc, calloc and realloc: every
 * allocation libvtopo's objects make is counted here. */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
static atomic_long lib_allocs;

void *__wrap_malloc(size_t size)
{
    atomic_fetch_add(&lib_allocs, 1);
    return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    atomic_fetch_add(&lib_allocs, 1);
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    atomic_fetch_add(&lib_allocs, 1);
    return __real_realloc(p, size);
}

static void test_no_allocation_on_call_path(void **state)
{
    char *root = fx_two(NULL, NULL);
    struct vt_exec *rt;
    struct vt_exec_req req;
    atomic_int runs;
    long before;

    (void)state;
    require_cpus01();
    pin_self(0, 1);
    /* The wrapper sees the library's allocations: creating a runtime makes some. */
    before = atomic_load(&lib_allocs);
    rt = rt_new(root, NULL);
    assert_true(atomic_load(&lib_allocs) > before);
    atomic_init(&runs, 0);
    vt_exec_on_node(rt, 0, count_fn, &runs, NULL); /* warm: workers started */
    before = atomic_load(&lib_allocs);
    for (int i = 0; i < 200; i++) {
        vt_exec_on_node(rt, i % 2, count_fn, &runs, NULL);
        vt_exec_on_node(rt, 5, count_fn, &runs, NULL);
        vt_exec_on_device(rt, "0000:00:00.0", count_fn, &runs, NULL);
        vt_exec_submit(rt, &req, i % 2, count_fn, &runs);
        vt_exec_wait(&req, NULL);
    }
    assert_int_equal(atomic_load(&lib_allocs), before);
    assert_int_equal(atomic_load(&runs), 801);
    vt_exec_free(rt);
    t_rmtree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_runs_on_node_cpu),
        cmocka_unit_test(test_fast_path_inline),
        cmocka_unit_test(test_migrate_path),
        cmocka_unit_test(test_isolated_and_nohz_full_excluded),
        cmocka_unit_test(test_all_isolated_node_runs_locally),
        cmocka_unit_test(test_offline_and_invalid_nodes),
        cmocka_unit_test(test_process_affinity_limits_housekeeping),
        cmocka_unit_test(test_memory_only_node),
        cmocka_unit_test(test_hotplug_refresh),
        cmocka_unit_test(test_refresh_new_pool_race),
        cmocka_unit_test(test_refresh_rebinds_workers),
        cmocka_unit_test(test_affinity_failure_refreshes),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_device_pool),
        cmocka_unit_test(test_async_parallel),
        cmocka_unit_test(test_reentrant_calls),
        cmocka_unit_test(test_exactly_once_concurrent),
        cmocka_unit_test(test_return_values_and_errors),
        cmocka_unit_test(test_worker_start_failure),
        cmocka_unit_test(test_fork_child),
        cmocka_unit_test(test_fork_during_refresh),
        cmocka_unit_test(test_bind),
        cmocka_unit_test(test_query_nodes),
        cmocka_unit_test(test_no_allocation_on_call_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
