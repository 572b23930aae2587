/* ACPI table files (internal): a table of a directory under any of the
 * names the tools that dump tables give it. File input, kept apart from the
 * byte codecs of format/acpi_parse.c. */
#ifndef VT_FORMAT_ACPI_FILE_H
#define VT_FORMAT_ACPI_FILE_H

#include <stddef.h>

#include "vtopo/err.h"

/* The file names of the tables in a plan directory (vtopo plan --out), by
 * signature: acpidump -b's names, and madt.dat for the MADT ("APIC"). */
#define ACPI_FILE_SRAT "srat.dat"
#define ACPI_FILE_SLIT "slit.dat"
#define ACPI_FILE_MADT "madt.dat"
#define ACPI_FILE_HMAT "hmat.dat"
/* Not a NUMA table check reads: the expanders' _PXM (QEMU's acpi mode). */
#define ACPI_FILE_SSDT "ssdt.dat"
/* The plan-directory file name of the table with signature sig (4 bytes:
 * SRAT, SLIT, APIC, HMAT), or NULL. */
const char *acpi_file_of_signature(const char *sig);

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
