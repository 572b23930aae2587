/* Fuzz target: the host file reader (vt_host_load with VT_HOST_FILE, json-c
 * plus host_finalize). The input is written to a memfd the loader opens as
 * /proc/self/fd/N, so the library's own file path is exercised unchanged.
 * Invariants: a loaded host is consistent (nodes ascending and findable,
 * node CPU sets online, disjoint and mapped back to their node, ranges sorted,
 * merged and found by the frame lookup), and it round-trips: load -> save ->
 * load -> save gives the same bytes (docs/host-format.md promises it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "vtopo/host.h"

static char path[64];

static void put_file(const void *data, size_t size)
{
    static int fd = -1;
    const char *p = data;

    if (fd < 0) {
        fd = memfd_create("host.json", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) < 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t n = pwrite(fd, p + off, size - off, (off_t)off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
}

static int load(const void *data, size_t size, struct vt_host **h, struct vt_err *err)
{
    struct vt_host_source src = {VT_HOST_FILE, NULL, NULL};
    int rc;

    put_file(data, size);
    src.arg = path;
    vt_err_clear(err);
    rc = vt_host_load(&src, h, err);
    fuzz_check_err(rc, err);
    FUZZ_CHECK((rc == 0) == (*h != NULL), "rc %d with host %p", rc, (void *)*h);
    return rc;
}

/* The node owning address addr (frame lookup), as a pnode. */
static int pnode_at(const struct vt_host *h, uint64_t addr)
{
    uint64_t pfn = addr >> 12;
    uint32_t pxm;
    int pnode;

    FUZZ_CHECK(vt_host_pfn_lookup(h, &pfn, 1, &pxm, &pnode) >= 0, "%s", "lookup failed");
    return pnode;
}

static void check_host(const struct vt_host *h)
{
    const struct vt_host_cpus *c = vt_host_cpus(h);
    size_t nn = vt_host_node_count(h);
    struct vt_bitmap *seen = vt_bitmap_new();

    if (!seen)
        abort();
    FUZZ_CHECK(nn >= 1 && nn <= VT_HOST_MAX_NODES, "%zu nodes", nn);
    FUZZ_CHECK(vt_bitmap_subset(c->online, c->present) && vt_bitmap_subset(c->present, c->possible),
               "%s", "online within present within possible");
    FUZZ_CHECK(vt_bitmap_subset(c->housekeeping, c->online) &&
                   !vt_bitmap_intersects(c->housekeeping, c->isolated) &&
                   !vt_bitmap_intersects(c->offline, c->online),
               "%s", "derived CPU sets");
    for (size_t i = 0; i < nn; i++) {
        const struct vt_host_node *n = vt_host_node(h, i);

        FUZZ_CHECK(i == 0 || vt_host_node(h, i - 1)->pnode < n->pnode, "node %zu not ascending", i);
        FUZZ_CHECK(vt_host_node_index(h, n->pnode) == (int)i, "pnode %u not found at %zu", n->pnode,
                   i);
        FUZZ_CHECK(vt_bitmap_isset(vt_host_possible_nodes(h), n->pnode), "pnode %u not possible",
                   n->pnode);
        FUZZ_CHECK(vt_bitmap_subset(n->cpus, c->online) &&
                       !vt_bitmap_intersects(n->offline_cpus, c->online) &&
                       vt_bitmap_subset(n->housekeeping_cpus, n->cpus),
                   "node %u CPU sets", n->pnode);
        FUZZ_CHECK(!vt_bitmap_intersects(n->cpus, seen) &&
                       !vt_bitmap_intersects(n->offline_cpus, seen),
                   "node %u shares a CPU with a lower node", n->pnode);
        FUZZ_CHECK(vt_bitmap_or(seen, n->cpus) == 0 && vt_bitmap_or(seen, n->offline_cpus) == 0,
                   "%s", "out of memory");
        vt_bitmap_foreach(cpu, n->cpus) FUZZ_CHECK(
            vt_host_cpu_pnode(h, (unsigned)cpu) == (int)n->pnode, "CPU %d maps to %d, not node %u",
            cpu, vt_host_cpu_pnode(h, (unsigned)cpu), n->pnode);
        vt_bitmap_foreach(cpu, n->offline_cpus)
            FUZZ_CHECK(vt_host_cpu_pnode(h, (unsigned)cpu) == (int)n->pnode,
                       "offline CPU %d maps to %d, not node %u", cpu,
                       vt_host_cpu_pnode(h, (unsigned)cpu), n->pnode);
        FUZZ_CHECK(n->has_cpu == !vt_bitmap_iszero(n->cpus) &&
                       n->has_memory == (n->memory_bytes > 0),
                   "node %u has_cpu/has_memory", n->pnode);
        for (size_t r = 0; r < n->nranges; r++) {
            const struct vt_mem_range *m = &n->ranges[r];
            uint64_t first = m->start / 4096 + (m->start % 4096 != 0);
            uint64_t last = (m->end - 1) / 4096;

            FUZZ_CHECK(m->start < m->end && (r == 0 || n->ranges[r - 1].end < m->start),
                       "node %u range %zu not sorted and merged", n->pnode, r);
            if (first <= last) {
                FUZZ_CHECK(pnode_at(h, first << 12) == (int)n->pnode &&
                               pnode_at(h, last << 12) == (int)n->pnode,
                           "node %u range %zu: frames %#llx/%#llx not found", n->pnode, r,
                           (unsigned long long)first, (unsigned long long)last);
            }
        }
        for (size_t j = 0; j < nn; j++)
            FUZZ_CHECK(n->distances[j] <= 65535 &&
                           vt_host_distance(h, n->pnode, vt_host_node(h, j)->pnode) ==
                               n->distances[j],
                       "node %u distance %zu", n->pnode, j);
    }
    for (size_t d = 0; d < vt_host_device_count(h); d++) {
        const struct vt_host_device *dev = vt_host_device(h, d);

        FUZZ_CHECK(vt_host_device_by_bdf(h, dev->bdf) == dev, "device %s not found by bdf",
                   dev->bdf);
        FUZZ_CHECK(dev->pnode == VT_PNODE_UNKNOWN ||
                       vt_host_node_index(h, (unsigned)dev->pnode) >= 0,
                   "device %s on node %d, not a node", dev->bdf, dev->pnode);
    }
    vt_bitmap_free(seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vt_host *h = NULL, *h2 = NULL;
    char *json1 = NULL, *json2 = NULL;
    struct vt_err err;

    if (load(data, size, &h, &err) < 0)
        return 0;
    check_host(h);
    FUZZ_CHECK(vt_host_to_json(h, &json1, &err) == 0, "cannot save a loaded host: %s", err.msg);
    FUZZ_CHECK(load(json1, strlen(json1), &h2, &err) == 0, "the saved host does not load: %s\n%s",
               err.msg, json1);
    check_host(h2);
    FUZZ_CHECK(vt_host_to_json(h2, &json2, &err) == 0, "cannot save the reloaded host: %s",
               err.msg);
    FUZZ_CHECK(strcmp(json1, json2) == 0, "save -> load -> save differs:\n%s\n---\n%s", json1,
               json2);
    free(json1);
    free(json2);
    vt_host_free(h);
    vt_host_free(h2);
    return 0;
}
