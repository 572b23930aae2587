/* Bounds-checked readers for ACPI tables: the common header, SRAT and SLIT
 * (internal). Values are decoded the way Linux decodes them. */
#ifndef VT_ACPI_PARSE_H
#define VT_ACPI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/err.h"

#define VT_ACPI_HEADER_LEN 36

struct acpi_header {
    char signature[5];
    uint32_t length;
    uint8_t revision;
    char oem_id[7];
    char oem_table_id[9];
    uint32_t oem_revision;
};

/* Check a whole table: at least a header, the expected signature (if not
 * NULL), Length equal to the bytes given, and a zero checksum. name is how
 * messages refer to the table ("srat.dat"). */
int acpi_header_parse(const uint8_t *data, size_t len, const char *name, const char *want_sig,
                      struct acpi_header *hdr, struct vt_err *err);

enum acpi_srat_type {
    VT_SRAT_LAPIC = 0,
    VT_SRAT_MEMORY = 1,
    VT_SRAT_X2APIC = 2,
    VT_SRAT_GICC = 3,
    VT_SRAT_GENERIC_INITIATOR = 5,
};

#define VT_SRAT_ENABLED          1u
#define VT_SRAT_MEM_HOTPLUGGABLE 2u
#define VT_SRAT_GI_HANDLE_ACPI   0u
#define VT_SRAT_GI_HANDLE_PCI    1u

struct acpi_srat_entry {
    uint8_t type;
    uint8_t length;
    size_t offset;               /* byte offset of the subtable in the table */
    uint32_t pxm;                /* as Linux reads it for the table's revision */
    uint32_t flags;              /* bit 0: enabled */
    uint32_t apic_id;            /* LAPIC / x2APIC id; GICC: ACPI processor UID */
    uint64_t base, length_bytes; /* memory affinity */
    uint8_t handle_type;         /* generic initiator: 0 ACPI, 1 PCI */
    uint8_t handle[16];
    /* Generic initiator with a PCI handle: segment (bytes 0-1), bus (byte 2),
     * devfn = device << 3 | function (byte 3). */
    uint16_t pci_segment;
    uint8_t pci_bus, pci_devfn;
};

struct acpi_srat {
    uint8_t revision;
    struct acpi_srat_entry *entries; /* table order; other subtable types are skipped */
    size_t n;
};

/* Parse an SRAT. Rejects what Linux's bad_srat() rejects: a LAPIC entry whose
 * length is not 16, x2APIC shorter than 24, memory shorter than 40, and any
 * subtable running past the table. */
int srat_parse(const uint8_t *data, size_t len, const char *name, struct acpi_srat *srat,
               struct vt_err *err);
void srat_free(struct acpi_srat *srat);

struct acpi_slit {
    uint64_t count;   /* locality count */
    uint8_t *entries; /* count * count, row-major */
};

/* Parse a SLIT; count is limited to 65536 localities (and to the bytes present). */
int slit_parse(const uint8_t *data, size_t len, const char *name, struct acpi_slit *slit,
               struct vt_err *err);
/* Linux's slit_valid(): diagonal 10, everything else above 10. */
bool slit_valid(const struct acpi_slit *slit);
void slit_free(struct acpi_slit *slit);

#define VT_MADT_ENABLED        1u
#define VT_MADT_ONLINE_CAPABLE 2u /* from MADT revision 5 (ACPI 6.3) */

/* MADT processor entries (LAPIC type 0, x2APIC type 9) in table order. */
struct acpi_madt_cpu {
    uint8_t type;
    size_t offset;
    uint32_t uid; /* ACPI processor UID */
    uint32_t apic_id;
    uint32_t flags; /* bit 0 enabled, bit 1 online capable */
};

struct acpi_madt {
    uint8_t revision;
    uint32_t lapic_address, flags;
    struct acpi_madt_cpu *cpus;
    size_t ncpus;
    size_t nother; /* other subtables (IO-APIC, overrides, NMIs, ...) */
};

/* Parse a MADT; rejects subtables shorter than their type's size or running
 * past the table. */
int madt_parse(const uint8_t *data, size_t len, const char *name, struct acpi_madt *madt,
               struct vt_err *err);
void madt_free(struct acpi_madt *madt);

/* HMAT (revision 1 or 2): memory proximity domain attributes, and the PXM
 * lists and entries of the locality structures. */
struct acpi_hmat_pd {
    size_t offset;
    uint16_t flags; /* bit 0: initiator valid */
    uint32_t initiator_pd, memory_pd;
};

struct acpi_hmat_locality {
    size_t offset;
    uint8_t data_type;
    uint64_t base_unit;
    uint32_t *pds; /* ninit initiator PXMs, then ntarg target PXMs */
    uint32_t ninit, ntarg;
    uint16_t *entries; /* ninit x ntarg, a row per initiator; value = entry x base_unit */
};

struct acpi_hmat {
    uint8_t revision;
    struct acpi_hmat_pd *pds;
    size_t npds;
    struct acpi_hmat_locality *locs;
    size_t nlocs;
};

/* Parse an HMAT; rejects what Linux's hmat.c rejects structurally: a
 * revision other than 1 or 2, a proximity-domain structure not 40 bytes long,
 * a locality structure shorter than its lists, anything past the table. */
int hmat_parse(const uint8_t *data, size_t len, const char *name, struct acpi_hmat *hmat,
               struct vt_err *err);
void hmat_free(struct acpi_hmat *hmat);

/*
 * Find the ACPI tables in a memory image (physical memory from base, e.g. a
 * QEMU pmemsave of low RAM): the RSDP ("RSD PTR ", 16-byte aligned, checksum
 * of the first 20 bytes and, from revision 2, of all 36), then the XSDT (or
 * the RSDT) it points to, then each table it lists. Calls found(sig, data,
 * len, ctx) for every table found whole inside the image, checksum or not;
 * the table's own checks are the caller's. An entry whose table cannot be
 * read (outside the image, a Length below the header or past the image) is
 * handed to skipped(entry, address, why, ctx) instead (skipped may be
 * NULL). *root (may be NULL) is set to "XSDT" or "RSDT" before the first
 * callback. Fails when there is no valid RSDP or root table.
 */
int acpi_image_tables(const uint8_t *image, size_t len, uint64_t base,
                      int (*found)(const char *sig, const uint8_t *data, size_t len, void *ctx),
                      void (*skipped)(unsigned entry, uint64_t address, const char *why, void *ctx),
                      void *ctx, const char **root_sig, struct vt_err *err);

#endif
