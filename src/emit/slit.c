/* SLIT of a layout, indexed by guest_pxm as Linux reads it. */
#include <errno.h>
#include <stdlib.h>

#include "format/acpi_table.h"

#define SLIT_REVISION       1
#define SLIT_MAX_LOCALITIES 4096u

int vt_acpi_slit(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                 size_t *len, struct vt_err *err)
{
    size_t nv = vt_layout_vnode_count(l);
    uint32_t count = 0;
    int *vnode_of; /* per PXM, -1 = unused */
    struct buf b;

    for (size_t v = 0; v < nv; v++)
        if (vt_layout_vnode(l, v)->guest_pxm + 1 > count)
            count = vt_layout_vnode(l, v)->guest_pxm + 1;
    if (count > SLIT_MAX_LOCALITIES)
        return vt_err_set(err, -E2BIG,
                          "SLIT: guest PXM %u needs %u localities, more than the %u vtopo "
                          "emits",
                          count - 1, count, SLIT_MAX_LOCALITIES);
    vnode_of = malloc(count * sizeof(*vnode_of));
    if (!vnode_of)
        return vt_err_set(err, -ENOMEM, "out of memory building the SLIT");
    for (uint32_t p = 0; p < count; p++)
        vnode_of[p] = -1;
    for (size_t v = 0; v < nv; v++)
        vnode_of[vt_layout_vnode(l, v)->guest_pxm] = (int)v;

    acpi_begin(&b, "SLIT", SLIT_REVISION, o);
    buf_le(&b, count, 8);
    for (uint32_t i = 0; i < count; i++)
        for (uint32_t j = 0; j < count; j++) {
            uint32_t d;

            if (i == j)
                d = 10;
            else if (vnode_of[i] < 0 || vnode_of[j] < 0)
                d = 20; /* a PXM no vnode uses: Linux needs > 10 everywhere */
            else
                d = vt_layout_distance(l, (unsigned)vnode_of[i], (unsigned)vnode_of[j]);
            buf_le(&b, d > 254 ? 254 : d, 1);
        }
    free(vnode_of);
    return acpi_end(&b, data, len, err);
}
