/* SRAT of a layout: the entries of the layout's SRAT walk
 * (src/plan/srat_walk.c, which decides their order once for this emitter and
 * the planner's linux_node prediction), written as srat_parse reads
 * them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "format/acpi_table.h"
#include "plan/srat_walk.h"

/* Write one entry, as srat_parse reads it. */
static int write_entry(const struct acpi_srat_entry *e, void *ctx)
{
    struct buf *b = ctx;

    buf_le(b, e->type, 1);
    buf_le(b, e->length, 1);
    switch (e->type) {
    case VT_SRAT_LAPIC:
        buf_le(b, e->pxm & 0xff, 1);
        buf_le(b, e->apic_id, 1);
        buf_le(b, e->flags, 4);
        buf_le(b, 0, 1);           /* local SAPIC EID */
        buf_le(b, e->pxm >> 8, 3); /* PXM bits 8-31, read from revision 2 on */
        buf_le(b, 0, 4);           /* clock domain */
        break;
    case VT_SRAT_X2APIC:
        buf_le(b, 0, 2);
        buf_le(b, e->pxm, 4);
        buf_le(b, e->apic_id, 4);
        buf_le(b, e->flags, 4);
        buf_le(b, 0, 4); /* clock domain */
        buf_le(b, 0, 4);
        break;
    case VT_SRAT_GENERIC_INITIATOR:
        buf_le(b, 0, 1); /* reserved */
        buf_le(b, e->handle_type, 1);
        buf_le(b, e->pxm, 4);
        buf_append(b, e->handle, sizeof(e->handle));
        buf_le(b, e->flags, 4);
        buf_le(b, 0, 4); /* reserved */
        break;
    default: /* VT_SRAT_MEMORY */
        buf_le(b, e->pxm, 4);
        buf_le(b, 0, 2);
        buf_le(b, e->base, 8);
        buf_le(b, e->length_bytes, 8);
        buf_le(b, 0, 4);
        buf_le(b, e->flags, 4);
        buf_le(b, 0, 8);
        break;
    }
    return 0;
}

int vt_acpi_srat(const struct vt_layout *l, const struct vt_acpi_options *o, uint8_t **data,
                 size_t *len, struct vt_err *err)
{
    struct buf b;
    int rc;

    acpi_begin(&b, "SRAT", SRAT_WALK_REVISION, o);
    buf_le(&b, 1, 4); /* table revision: "must be 1" */
    buf_le(&b, 0, 8); /* reserved */
    rc =
        srat_walk_layout(l, o && o->srat_x2apic_all ? VT_SRAT_X2APIC_ALL : 0, write_entry, &b, err);
    if (rc < 0) {
        buf_free(&b);
        return rc;
    }
    return acpi_end(&b, data, len, err);
}
