/* Where a guest's VMM threads (QEMU's emulator threads) should run:
 * next to its memory and off its vCPUs (include/vtopo/layout.h). */
#include <errno.h>
#include <stdio.h>

#include "plan/layout_internal.h"
#include "plan/layout_query.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

int vt_layout_emulator_cpus(const struct vt_layout *l, const struct vt_host *h,
                            struct vt_bitmap **out, struct vt_err *err)
{
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    struct vt_bitmap *pinned = vt_bitmap_new(), *cpus = vt_bitmap_new();
    int rc = -ENOMEM;

    if (!pinned || !cpus)
        goto fail;
    for (size_t i = 0; i < l->nvcpus; i++)
        if (l->vcpus[i].pcpu >= 0 && vt_bitmap_set(pinned, (unsigned)l->vcpus[i].pcpu) < 0)
            goto fail;
    /* The housekeeping CPUs of the host nodes that hold the guest's memory
     * or run its pinned vCPUs, */
    for (size_t n = 0; n < vt_host_node_count(h); n++) {
        const struct vt_host_node *hn = vt_host_node(h, n);
        bool used = vt_bitmap_intersects(hn->cpus, pinned) || layout_uses_pnode(l, hn->pnode);

        if (used && vt_bitmap_or(cpus, hn->housekeeping_cpus) < 0)
            goto fail;
    }
    vt_bitmap_andnot(cpus, pinned);
    /* or, when the vCPUs take all of those, any housekeeping CPU left. */
    if (vt_bitmap_iszero(cpus)) {
        if (vt_bitmap_copy(cpus, hc->housekeeping) < 0)
            goto fail;
        vt_bitmap_andnot(cpus, pinned);
    }
    if (vt_bitmap_iszero(cpus)) {
        rc = vt_err_set(err, -EINVAL,
                        "the guest's vCPUs are pinned to every housekeeping host CPU, so none is "
                        "left for the VMM's own threads");
        goto out;
    }
    vt_bitmap_free(pinned);
    *out = cpus;
    return 0;
fail:
    rc = vt_err_set(err, -ENOMEM, "out of memory");
out:
    vt_bitmap_free(pinned);
    vt_bitmap_free(cpus);
    return rc;
}
