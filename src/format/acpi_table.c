/* ACPI table builder: header, then length and checksum patched at the end. */
#include <errno.h>
#include <string.h>

#include "format/acpi_table.h"

void vt_acpi_options_init(struct vt_acpi_options *o)
{
    memset(o, 0, sizeof(*o));
    memcpy(o->oem_id, "VTOPO", 6);
    memcpy(o->oem_table_id, "VTOPO", 6);
    o->oem_revision = 1;
    memcpy(o->creator_id, "VTOP", 5);
    o->creator_revision = 1;
}

/* A fixed-width, space-padded ASCII field. */
static void put_field(struct buf *b, const char *s, size_t width)
{
    for (size_t i = 0; i < width; i++)
        buf_le(b, s && i < strlen(s) ? (uint8_t)s[i] : ' ', 1);
}

void acpi_begin(struct buf *b, const char *sig, uint8_t revision, const struct vt_acpi_options *o)
{
    struct vt_acpi_options dflt;

    if (!o) {
        vt_acpi_options_init(&dflt);
        o = &dflt;
    }
    buf_init(b);
    buf_append(b, sig, 4);
    buf_le(b, 0, 4); /* length, patched by acpi_end */
    buf_le(b, revision, 1);
    buf_le(b, 0, 1); /* checksum, patched by acpi_end */
    put_field(b, o->oem_id, 6);
    put_field(b, o->oem_table_id, 8);
    buf_le(b, o->oem_revision, 4);
    put_field(b, o->creator_id, 4);
    buf_le(b, o->creator_revision, 4);
}

int acpi_end(struct buf *b, uint8_t **data, size_t *len, struct vt_err *err)
{
    uint8_t sum = 0;

    *data = NULL;
    *len = 0;
    if (b->oom || b->len > UINT32_MAX) {
        buf_free(b);
        return vt_err_set(err, -ENOMEM, "out of memory building an ACPI table");
    }
    buf_patch_le(b, 4, b->len, 4);
    for (size_t i = 0; i < b->len; i++)
        sum = (uint8_t)(sum + b->data[i]);
    b->data[9] = (uint8_t)(0 - sum);
    *data = b->data;
    *len = b->len;
    buf_init(b);
    return 0;
}
