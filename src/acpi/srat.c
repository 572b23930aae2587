/* SRAT of a layout: processor affinity per vCPU (vCPU order), then memory
 * affinity per range (address order) — the order the layout's linux_node
 * prediction assumes. */
#include <errno.h>
#include <stdlib.h>

#include "acpi/table.h"

#define SRAT_REVISION 3
#define SRAT_ENABLED  1u

/* Ranges of every vnode, sorted by address. */
struct srat_mem {
    uint64_t start, end;
    uint32_t pxm;
};

static int cmp_mem(const void *a, const void *b)
{
    const struct srat_mem *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

int vt_acpi_srat(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                 size_t *len, struct vt_err *err)
{
    size_t nv = vt_layout_vnode_count(l), nmem = 0, k = 0;
    struct srat_mem *mem;
    struct vt_buf b;

    for (size_t v = 0; v < nv; v++)
        nmem += vt_layout_vnode(l, v)->nranges;
    mem = malloc((nmem ? nmem : 1) * sizeof(*mem));
    if (!mem)
        return vt_err_set(err, -ENOMEM, "out of memory building the SRAT");
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        for (size_t r = 0; r < vn->nranges; r++, k++) {
            mem[k].start = vn->ranges[r].start;
            mem[k].end = vn->ranges[r].end;
            mem[k].pxm = vn->guest_pxm;
        }
    }
    qsort(mem, nmem, sizeof(*mem), cmp_mem);

    vt_acpi_begin(&b, "SRAT", SRAT_REVISION, o);
    vt_buf_le(&b, 1, 4); /* table revision: "must be 1" */
    vt_buf_le(&b, 0, 8); /* reserved */
    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);
        uint32_t pxm = vt_layout_vnode(l, c->vnode)->guest_pxm;

        if (c->apic_id < 255 && !(o && o->srat_x2apic_all)) {
            vt_buf_le(&b, 0, 1);  /* LAPIC affinity */
            vt_buf_le(&b, 16, 1); /* Linux: exactly 16 */
            vt_buf_le(&b, pxm & 0xff, 1);
            vt_buf_le(&b, c->apic_id, 1);
            vt_buf_le(&b, SRAT_ENABLED, 4);
            vt_buf_le(&b, 0, 1);        /* local SAPIC EID */
            vt_buf_le(&b, pxm >> 8, 3); /* PXM bits 8-31, read from revision 2 on */
            vt_buf_le(&b, 0, 4);        /* clock domain */
        } else {
            vt_buf_le(&b, 2, 1); /* x2APIC affinity */
            vt_buf_le(&b, 24, 1);
            vt_buf_le(&b, 0, 2);
            vt_buf_le(&b, pxm, 4);
            vt_buf_le(&b, c->apic_id, 4);
            vt_buf_le(&b, SRAT_ENABLED, 4);
            vt_buf_le(&b, 0, 4); /* clock domain */
            vt_buf_le(&b, 0, 4);
        }
    }
    for (size_t i = 0; i < nmem; i++) {
        vt_buf_le(&b, 1, 1); /* memory affinity */
        vt_buf_le(&b, 40, 1);
        vt_buf_le(&b, mem[i].pxm, 4);
        vt_buf_le(&b, 0, 2);
        vt_buf_le(&b, mem[i].start, 8);
        vt_buf_le(&b, mem[i].end - mem[i].start, 8);
        vt_buf_le(&b, 0, 4);
        vt_buf_le(&b, SRAT_ENABLED, 4);
        vt_buf_le(&b, 0, 8);
    }
    free(mem);
    return vt_acpi_end(&b, data, len, err);
}
