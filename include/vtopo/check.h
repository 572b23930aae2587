/* vt_check: lint any guest's SRAT, SLIT, MADT and HMAT (ours, QEMU's, Xen's,
 * cloud-hypervisor's, a real machine's), optionally with its E820 and CPUID,
 * and predict what a Linux x86 guest does with them. */
#ifndef VTOPO_CHECK_H
#define VTOPO_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vt_severity {
    VT_SEV_ERROR,   /* Linux rejects or loses something */
    VT_SEV_WARNING, /* Linux works around it, or warns */
    VT_SEV_NOTE,    /* worth knowing */
};

struct vt_finding {
    enum vt_severity severity;
    const char *rule; /* stable id, e.g. "srat.coverage" (docs/check.md) */
    char table[5];    /* "SRAT", ..., or "" for cross-table findings */
    long offset;      /* byte offset in that table, or -1 */
    const char *message;
};

/* The most a memory image may hold (what a guest's tables below 4 GiB
 * need). The other inputs' limits live with their formats:
 * VT_ACPI_TABLE_MAX, VT_CPUID_TEXT_MAX, VT_E820_TEXT_MAX. */
#define VT_CHECK_IMAGE_MAX ((size_t)4 << 30)

/* A root-table (XSDT or RSDT) entry of a memory image whose table could not
 * be read. */
struct vt_check_image_skip {
    unsigned entry;   /* index in the root table */
    uint64_t address; /* the physical address it holds */
    char why[64];
};
#define VT_CHECK_IMAGE_SKIPS_MAX 16

/* What to check. Any table may be absent (NULL); names are used in messages. */
struct vt_check_input {
    const uint8_t *srat, *slit, *madt, *hmat;
    size_t srat_len, slit_len, madt_len, hmat_len;
    const char *srat_name, *slit_name, *madt_name, *hmat_name;
    const char *e820_text; /* the guest's E820 (docs/memory-maps.md text form), or NULL */
    const char *e820_name;
    const char *cpuid_text; /* cpuid.txt (docs/cpuid.md), or NULL */
    const char *cpuid_name;
    /* Set by vt_check_input_from_image: the root table and the entries it
     * could not follow (each an "image.table_skipped" warning; beyond
     * VT_CHECK_IMAGE_SKIPS_MAX only counted). */
    const char *image_root; /* "XSDT" or "RSDT", NULL when not from an image */
    size_t image_nskipped;
    struct vt_check_image_skip image_skipped[VT_CHECK_IMAGE_SKIPS_MAX];
    /* What vt_check_input_add_* read (freed by vt_check_input_release). */
    void *owned;
};

/* What a file given to vt_check_input_add_file holds. */
enum vt_check_file {
    VT_CHECK_FILE_TABLE, /* an SRAT, SLIT, MADT or HMAT, recognised by its signature */
    VT_CHECK_FILE_CPUID, /* cpuid.txt */
    VT_CHECK_FILE_E820,  /* the E820 text */
    VT_CHECK_FILE_IMAGE, /* a memory image from physical address 0 (vt_check_input_from_image) */
};

/*
 * Read inputs into in (zeroed by the caller first), as `vtopo check` does.
 * Only regular files are read (never a FIFO, a device or a directory), each
 * kind up to its limit. A table is recognised by its signature; a second
 * table of a kind, a second CPUID or E820 text, or a file that is no table,
 * is -EINVAL with a sentence. A directory gives its tables under any of their
 * names (SRAT, srat.dat, SRAT.dat; madt.dat for the MADT; two different
 * files for one table are -EINVAL) and its cpuid.txt and e820.txt unless in
 * has them already, all read through one open descriptor and read again when
 * the path no longer names that directory afterwards, so that a directory
 * replaced meanwhile (vtopo plan --out) gives the old set or the new one,
 * never a mix (-EAGAIN after 8 replacements in a row).
 * vt_check_input_release frees what they read.
 */
VT_API int vt_check_input_add_file(struct vt_check_input *in, enum vt_check_file kind,
                                   const char *path, struct vt_err *err);
VT_API int vt_check_input_add_dir(struct vt_check_input *in, const char *dir, struct vt_err *err);
VT_API void vt_check_input_release(struct vt_check_input *in);

/* A node as Linux will number it. */
struct vt_check_node {
    int linux_node;
    uint32_t pxm;
    size_t ncpus;                  /* CPUs present at boot (SRAT APIC IDs enabled in the MADT) */
    uint64_t memory_bytes;         /* enabled memory ranges not marked hot-pluggable */
    size_t hotplug_cpus;           /* SRAT APIC IDs the MADT lists as hot-pluggable (Linux registers
                                      them disabled: possible, not present) */
    uint64_t hotplug_memory_bytes; /* enabled hot-pluggable memory ranges */
    size_t generic_initiators;     /* enabled generic initiator entries Linux reads */
};

struct vt_check;

/* Point in's SRAT, SLIT, MADT and HMAT at the tables found in a memory image
 * (physical memory from address base, e.g. a QEMU "pmemsave" of low RAM):
 * the RSDP, the XSDT or RSDT it names, and the tables they list; entries
 * whose table cannot be read are recorded in in->image_skipped. The image
 * must outlive in. Fails when the image holds no valid RSDP and root table
 * (-ENOENT), or when the root table lists two tables of one kind (-EINVAL,
 * as two SRAT files given to vtopo check). */
VT_API int vt_check_input_from_image(struct vt_check_input *in, const uint8_t *image, size_t len,
                                     uint64_t base, struct vt_err *err);

/* Run every rule. Fails (with a sentence) only on unusable input: no table,
 * or out of memory. */
VT_API int vt_check_run(const struct vt_check_input *in, struct vt_check **out, struct vt_err *err);
VT_API void vt_check_free(struct vt_check *c);

VT_API size_t vt_check_finding_count(const struct vt_check *c);
VT_API const struct vt_finding *vt_check_finding(const struct vt_check *c, size_t i);
/* Findings of a severity. */
VT_API size_t vt_check_count(const struct vt_check *c, enum vt_severity s);
/* Whether Linux uses the SRAT / the SLIT / the HMAT. */
VT_API bool vt_check_srat_used(const struct vt_check *c);
VT_API bool vt_check_slit_used(const struct vt_check *c);
VT_API bool vt_check_hmat_used(const struct vt_check *c);
/* The predicted Linux nodes, in node order (empty when the SRAT is not used:
 * Linux then fakes one node). */
VT_API size_t vt_check_node_count(const struct vt_check *c);
VT_API const struct vt_check_node *vt_check_node(const struct vt_check *c, size_t i);
/* The report as JSON; *json is malloc'd. */
VT_API int vt_check_to_json(const struct vt_check *c, char **json, struct vt_err *err);
VT_API const char *vt_severity_name(enum vt_severity s);

#ifdef __cplusplus
}
#endif

#endif
