/* HMAT of a layout (revision 2): memory proximity domain attributes for the
 * vnodes with memory, and access latency and bandwidth matrices from the
 * initiators (vnodes with vCPUs) to the targets (vnodes with memory), derived
 * from the distances: latency = distance x 10 ns, bandwidth = 512000 /
 * distance MB/s (so a local access is 100 ns and 51.2 GB/s). */
#include <errno.h>
#include <stdlib.h>

#include "acpi/table.h"

#define HMAT_REVISION        2
#define HMAT_INITIATOR_VALID 1u
#define PS_PER_NS            1000u /* latency base unit: entries in ns */

static void locality(struct vt_buf *b, const struct vt_layout *l, uint8_t data_type,
                     const unsigned *init, size_t ni, const unsigned *targ, size_t nt)
{
    vt_buf_le(b, 1, 2); /* type: system locality latency and bandwidth */
    vt_buf_le(b, 0, 2);
    vt_buf_le(b, 32 + 4 * ni + 4 * nt + 2 * ni * nt, 4);
    vt_buf_le(b, 0, 1); /* flags: memory */
    vt_buf_le(b, data_type, 1);
    vt_buf_le(b, 0, 1); /* min transfer size */
    vt_buf_le(b, 0, 1);
    vt_buf_le(b, ni, 4);
    vt_buf_le(b, nt, 4);
    vt_buf_le(b, 0, 4);
    vt_buf_le(b, data_type == 0 ? PS_PER_NS : 1, 8); /* ps, or MB/s */
    for (size_t i = 0; i < ni; i++)
        vt_buf_le(b, vt_layout_vnode(l, init[i])->guest_pxm, 4);
    for (size_t t = 0; t < nt; t++)
        vt_buf_le(b, vt_layout_vnode(l, targ[t])->guest_pxm, 4);
    for (size_t i = 0; i < ni; i++)
        for (size_t t = 0; t < nt; t++) {
            uint32_t d = vt_layout_distance(l, init[i], targ[t]);

            vt_buf_le(b, data_type == 0 ? d * 10 : 512000u / d, 2);
        }
}

int vt_acpi_hmat(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                 size_t *len, struct vt_err *err)
{
    size_t nv = vt_layout_vnode_count(l), ni = 0, nt = 0;
    unsigned *init = malloc((nv ? nv : 1) * sizeof(*init));
    unsigned *targ = malloc((nv ? nv : 1) * sizeof(*targ));
    struct vt_buf b;

    if (!init || !targ) {
        free(init);
        free(targ);
        return vt_err_set(err, -ENOMEM, "out of memory building the HMAT");
    }
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        if (!vt_bitmap_iszero(vn->vcpus))
            init[ni++] = (unsigned)v;
        if (vn->memory_bytes)
            targ[nt++] = (unsigned)v;
    }
    vt_acpi_begin(&b, "HMAT", HMAT_REVISION, o);
    vt_buf_le(&b, 0, 4); /* reserved */
    /* Linux rejects the whole HMAT if a memory-less domain is a target here,
     * so only vnodes with memory get one; the initiator is the vnode itself
     * when it has vCPUs, else the nearest vnode that has. */
    for (size_t t = 0; t < nt; t++) {
        unsigned best = init[0];

        for (size_t i = 0; i < ni; i++)
            if (init[i] == targ[t] || (best != targ[t] && vt_layout_distance(l, targ[t], init[i]) <
                                                              vt_layout_distance(l, targ[t], best)))
                best = init[i];
        vt_buf_le(&b, 0, 2); /* type: memory proximity domain attributes */
        vt_buf_le(&b, 0, 2);
        vt_buf_le(&b, 40, 4);
        vt_buf_le(&b, ni ? HMAT_INITIATOR_VALID : 0, 2);
        vt_buf_le(&b, 0, 2);
        vt_buf_le(&b, ni ? vt_layout_vnode(l, best)->guest_pxm : 0, 4);
        vt_buf_le(&b, vt_layout_vnode(l, targ[t])->guest_pxm, 4);
        vt_buf_le(&b, 0, 4);
        vt_buf_le(&b, 0, 8);
        vt_buf_le(&b, 0, 8);
    }
    if (ni && nt) {
        locality(&b, l, 0, init, ni, targ, nt); /* access latency */
        locality(&b, l, 3, init, ni, targ, nt); /* access bandwidth */
    }
    free(init);
    free(targ);
    return vt_acpi_end(&b, data, len, err);
}
