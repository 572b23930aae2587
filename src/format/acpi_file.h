/* ACPI table files (internal): a table of a directory under any of the
 * names the tools that dump tables give it. File input, kept apart from the
 * byte codecs of format/acpi_parse.c. */
#ifndef VT_ACPI_TABLE_FILE_H
#define VT_ACPI_TABLE_FILE_H

#include <stddef.h>

#include "vtopo/err.h"

/*
 * Read the table with signature sig from a directory (open as dirfd, named
 * dir in messages) under any name it goes by: "SRAT" (sysfs), "srat.dat"
 * (acpidump -b), "SRAT.dat" (acpixtract), and for the MADT ("APIC") also
 * "madt.dat" (vtopo plan --out). At most VT_ACPI_TABLE_MAX bytes, a regular
 * file. Returns -ENOENT (path set to dir/SIG, err untouched) when there is
 * none, -EINVAL when two different files are there (which one is meant?).
 * path receives the file's path.
 */
int acpi_read_dir_table(int dirfd, const char *dir, const char *sig, char **data, size_t *len,
                        char *path, size_t psize, struct vt_err *err);

#endif
