/* Address-to-node queries for the caller's own memory: move_pages(2) with no
 * target nodes, through libnuma. The only part of libvtopo that needs
 * libnuma, kept in its own object so the static CLI does not carry it. */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>

#include "vtopo/exec.h"

/* Pages per move_pages call: the status array of one call stays small, and
 * a count that does not fit the kernel's unsigned long never reaches it. */
#define QUERY_CHUNK 4096u

long vt_exec_query_nodes(const void *const *addrs, size_t n, int *nodes)
{
    long found = 0;

    if (n && (!addrs || !nodes))
        return -EINVAL;
    for (size_t done = 0; done < n;) {
        size_t count = n - done < QUERY_CHUNK ? n - done : QUERY_CHUNK;

        /* nodes == NULL: report where each page is, move nothing. The kernel
         * fills one status per page, so one bad address fails only itself. */
        if (numa_move_pages(0, (unsigned long)count, (void **)(uintptr_t)(addrs + done), NULL,
                            nodes + done, 0) < 0)
            return errno ? -errno : -EIO;
        for (size_t i = 0; i < count; i++)
            found += nodes[done + i] >= 0;
        done += count;
    }
    return found;
}
