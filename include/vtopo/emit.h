/* Emitters: text views of a vt_layout (pure functions of it). */
#ifndef VTOPO_EMIT_H
#define VTOPO_EMIT_H

#include <stdbool.h>

#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The layout as JSON (docs/plan-format.md), CPUID leaves included: *json is
 * malloc'd. */
VT_API int vt_layout_to_json(const struct vt_layout *l, char **json, struct vt_err *err);

/* The guest memory map in the kernel's boot-log form, one entry per line
 * ("BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable"). */
VT_API int vt_layout_e820_text(const struct vt_layout *l, char **text, struct vt_err *err);

/*
 * A plan directory: plan.json, cpuid.txt, e820.txt, the ACPI tables
 * srat.dat, slit.dat, madt.dat and hmat.dat (acpidump/acpixtract naming,
 * default options), and with h (may be NULL) the host it was planned on as
 * host.json, whose fingerprint plan.json records beside the request: the
 * directory alone is then enough to plan the guest again
 * (vt_plan_dir_load). vt_layout_write_dir makes or replaces dir as one set: the
 * files are written into a new sibling directory that one rename
 * (renameat2 RENAME_EXCHANGE) puts in place of dir, so a reader sees the old
 * plan or the new one, never a mix, and concurrent writers serialise (the
 * last wins whole). dir may exist only as a directory holding nothing but
 * plan files (anything else is refused, never deleted); a symlink is
 * followed. On failure dir is as it was and nothing new is left.
 */
VT_API int vt_layout_write_dir(const struct vt_layout *l, const struct vt_host *h, const char *dir,
                               struct vt_err *err);

/* The same files written into dir, an existing directory the caller owns
 * (e.g. a work directory), each replaced atomically on its own. */
VT_API int vt_layout_write_files(const struct vt_layout *l, const struct vt_host *h,
                                 const char *dir, struct vt_err *err);

/*
 * A plan directory planned again from itself, the way `vtopo --plan DIR`
 * reads one: host.json loaded (its fingerprint must be the one plan.json
 * records), the request plan.json records read back (messages name its
 * fields with names, which may be NULL: the fields' own names) and planned,
 * and the result checked to be plan.json byte for byte, else the directory
 * was edited or another vtopo made it. *h and *l are the caller's to free;
 * on failure both are NULL.
 */
VT_API int vt_plan_dir_load(const char *dir, const char *const *names, struct vt_host **h,
                            struct vt_layout **l, struct vt_err *err);

/* The names of a plan directory's files, i from 0 (enum vt_plan_file);
 * NULL past the last. */
enum vt_plan_file {
    VT_PLAN_FILE_CPUID, /* cpuid.txt */
    VT_PLAN_FILE_E820,  /* e820.txt */
    VT_PLAN_FILE_JSON,  /* plan.json */
    VT_PLAN_FILE_SRAT,  /* srat.dat */
    VT_PLAN_FILE_SLIT,  /* slit.dat */
    VT_PLAN_FILE_MADT,  /* madt.dat */
    VT_PLAN_FILE_HMAT,  /* hmat.dat */
    VT_PLAN_FILE_HOST,  /* host.json (with a host) */
    VT_PLAN_FILE_SSDT,  /* ssdt.dat (with PCI expanders: vt_acpi_ssdt_pxm) */
    VT_PLAN_FILE_COUNT
};
/* The ACPI tables are the files SRAT to HMAT. */
#define VT_PLAN_FILE_FIRST_TABLE VT_PLAN_FILE_SRAT
#define VT_PLAN_FILE_LAST_TABLE  VT_PLAN_FILE_HMAT
VT_API const char *vt_layout_file_name(size_t i);
/* The plan-directory file of an ACPI table by its 4-byte signature (SRAT,
 * SLIT, APIC, HMAT: srat.dat, slit.dat, madt.dat, hmat.dat), or NULL. */
VT_API const char *vt_plan_file_of_table(const char *signature);

#ifdef __cplusplus
}
#endif

#endif
