/* HMAT of a layout (revision 2): memory proximity domain attributes for the
 * targets, and access latency and bandwidth matrices from the initiators
 * (vnodes with vCPUs or generic initiators) to the targets (vnodes with
 * memory, hot-pluggable included), with
 * the values vt_layout_hmat_latency / vt_layout_hmat_bandwidth give (the
 * request's, or derived from distances), each written as a 16-bit entry
 * times the base unit src/model/linux/hmat_unit.h chooses. */
#include <errno.h>
#include <stdlib.h>

#include "model/linux/hmat_unit.h"
#include "format/acpi_table.h"

#define HMAT_REVISION         2
#define HMAT_INITIATOR_VALID  1u
#define HMAT_ACCESS_LATENCY   0
#define HMAT_ACCESS_BANDWIDTH 3
#define PS_PER_NS             1000u /* latency base units are picoseconds */

/* The ni x nt values of one data type, initiator rows. */
static uint32_t *locality_values(const struct vt_layout *l, uint8_t data_type, const unsigned *init,
                                 size_t ni, const unsigned *targ, size_t nt)
{
    uint32_t *v = malloc(ni * nt * sizeof(*v));

    if (!v)
        return NULL;
    for (size_t i = 0; i < ni; i++)
        for (size_t t = 0; t < nt; t++)
            v[i * nt + t] = data_type == HMAT_ACCESS_LATENCY
                                ? vt_layout_hmat_latency(l, init[i], targ[t])
                                : vt_layout_hmat_bandwidth(l, init[i], targ[t]);
    return v;
}

static int locality(struct buf *b, const struct vt_layout *l, uint8_t data_type,
                    const unsigned *init, size_t ni, const unsigned *targ, size_t nt,
                    struct vt_err *err)
{
    uint32_t *v = locality_values(l, data_type, init, ni, targ, nt);
    uint64_t unit;

    if (!v)
        return vt_err_set(err, -ENOMEM, "out of memory building the HMAT");
    /* The planner accepted only matrices a unit exists for. */
    unit = hmat_entry_unit(v, ni * nt, NULL, NULL);
    if (unit == 0) {
        free(v);
        return vt_err_set(err, -EINVAL,
                          "HMAT: no base unit represents the %s values in 16-bit entries",
                          data_type == HMAT_ACCESS_LATENCY ? "latency" : "bandwidth");
    }
    buf_le(b, 1, 2); /* type: system locality latency and bandwidth */
    buf_le(b, 0, 2);
    buf_le(b, 32 + 4 * ni + 4 * nt + 2 * ni * nt, 4);
    buf_le(b, 0, 1); /* flags: memory */
    buf_le(b, data_type, 1);
    buf_le(b, 0, 1); /* min transfer size */
    buf_le(b, 0, 1);
    buf_le(b, ni, 4);
    buf_le(b, nt, 4);
    buf_le(b, 0, 4);
    buf_le(b, data_type == HMAT_ACCESS_LATENCY ? unit * PS_PER_NS : unit, 8);
    for (size_t i = 0; i < ni; i++)
        buf_le(b, vt_layout_vnode(l, init[i])->guest_pxm, 4);
    for (size_t t = 0; t < nt; t++)
        buf_le(b, vt_layout_vnode(l, targ[t])->guest_pxm, 4);
    for (size_t k = 0; k < ni * nt; k++)
        buf_le(b, v[k] / unit, 2);
    free(v);
    return 0;
}

/* The initiator of a target's attributes: the target itself when it is an
 * initiator, else the initiator with the lowest latency to it (lowest vnode
 * on ties). */
static unsigned nearest_initiator(const struct vt_layout *l, unsigned target, const unsigned *init,
                                  size_t ni)
{
    unsigned best = init[0];

    for (size_t i = 0; i < ni; i++) {
        if (init[i] == target)
            return target;
        if (vt_layout_hmat_latency(l, init[i], target) < vt_layout_hmat_latency(l, best, target))
            best = init[i];
    }
    return best;
}

int vt_acpi_hmat(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                 size_t *len, struct vt_err *err)
{
    size_t nv = vt_layout_vnode_count(l), ni = 0, nt = 0;
    unsigned *init = malloc((nv ? nv : 1) * sizeof(*init));
    unsigned *targ = malloc((nv ? nv : 1) * sizeof(*targ));
    struct buf b;
    int rc = 0;

    if (!init || !targ) {
        free(init);
        free(targ);
        return vt_err_set(err, -ENOMEM, "out of memory building the HMAT");
    }
    for (size_t v = 0; v < nv; v++) {
        if (vt_layout_hmat_is_initiator(l, (unsigned)v))
            init[ni++] = (unsigned)v;
        if (vt_layout_hmat_is_target(l, (unsigned)v))
            targ[nt++] = (unsigned)v;
    }
    acpi_begin(&b, "HMAT", HMAT_REVISION, o);
    buf_le(&b, 0, 4); /* reserved */
    /* Linux rejects the whole HMAT if a domain without an SRAT memory entry
     * is a target here, so only vnodes with memory (boot or hot-pluggable)
     * get one. */
    for (size_t t = 0; t < nt; t++) {
        buf_le(&b, 0, 2); /* type: memory proximity domain attributes */
        buf_le(&b, 0, 2);
        buf_le(&b, 40, 4);
        buf_le(&b, ni ? HMAT_INITIATOR_VALID : 0, 2);
        buf_le(&b, 0, 2);
        buf_le(&b, ni ? vt_layout_vnode(l, nearest_initiator(l, targ[t], init, ni))->guest_pxm : 0,
               4);
        buf_le(&b, vt_layout_vnode(l, targ[t])->guest_pxm, 4);
        buf_le(&b, 0, 4);
        buf_le(&b, 0, 8);
        buf_le(&b, 0, 8);
    }
    if (ni && nt) {
        rc = locality(&b, l, HMAT_ACCESS_LATENCY, init, ni, targ, nt, err);
        if (rc == 0)
            rc = locality(&b, l, HMAT_ACCESS_BANDWIDTH, init, ni, targ, nt, err);
    }
    free(init);
    free(targ);
    if (rc < 0) {
        buf_free(&b);
        return rc;
    }
    return acpi_end(&b, data, len, err);
}
