/* ACPI table builder, QEMU's begin/end pattern: begin writes the header with
 * placeholders, end patches length and checksum (internal). */
#ifndef VT_ACPI_TABLE_H
#define VT_ACPI_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/bytes.h"
#include "vtopo/acpi.h"

/* Start a table in b (initialised here). o may be NULL for the defaults. */
void acpi_begin(struct buf *b, const char *sig, uint8_t revision, const struct vt_acpi_options *o);
/* Patch length and checksum and hand the bytes to data and len; b is left
 * empty. Fails only when an append ran out of memory (nothing is returned). */
int acpi_end(struct buf *b, uint8_t **data, size_t *len, struct vt_err *err);

#endif
