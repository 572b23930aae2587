/* /proc/interrupts (internal): the header of online CPUs and one row per
 * numbered IRQ, as kernel/irq/proc.c:show_interrupts() prints them, and what
 * a row says of the PCI device and vector it belongs to. */
#ifndef VT_FORMAT_PROC_INTERRUPTS_H
#define VT_FORMAT_PROC_INTERRUPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/parse.h"
#include "vtopo/bitmap.h"
#include "vtopo/err.h"

/* Bounds of what is read: the header's CPU ids are at most VT_CPU_ID_MAX;
 * the IRQ numbers (x86's NR_IRQS with MAXSMP is far lower); the file's
 * size. */
#define VT_IRQ_MAX_IRQ         1048575u
#define VT_PROC_INTERRUPTS_MAX ((size_t)64 << 20)

struct proc_irq_row {
    unsigned irq;
    uint64_t *counts; /* one per header CPU, in header order */
    char *chip;       /* "IR-PCI-MSIX-0000:3d:00.0", "PCI-MSI", "IO-APIC" */
    char *hwirq;      /* the hwirq-flow column: "2-edge", "524288-edge"; "" */
    char *actions;    /* "nvme0q2", "vfio-msix[0](0000:3d:00.0)", "i8042, acpi"; "" */
};

struct proc_interrupts {
    unsigned *cpus; /* the header's CPU ids, ascending (online CPUs) */
    size_t ncpus;
    struct proc_irq_row *rows; /* ascending by irq, each irq once */
    size_t nrows;
};

/* Parse the text (name for messages). Rows that are not numbered (NMI:,
 * LOC:, ERR:, MIS:, ...) are skipped. A header without CPU columns, a CPU
 * id out of order or above VT_CPU_ID_MAX, a numbered row without one
 * count per CPU or with no chip, an IRQ twice: -EINVAL with "NAME line N:
 * ...". On failure *out is empty. */
int proc_interrupts_parse(const char *text, const char *name, struct proc_interrupts *out,
                          struct vt_err *err);
void proc_interrupts_free(struct proc_interrupts *p);
/* The text form again (show_interrupts' layout, numbered rows only). */
int proc_interrupts_format(const struct proc_interrupts *p, char **out);

/*
 * The PCI device and vector index a row names, when its chip or its action
 * says it exactly:
 *  - per-device MSI domains (Linux 6.2 and later): chip "PCI-MSIX-BDF" or
 *    "PCI-MSI-BDF" (with "IR-" in front under interrupt remapping), the
 *    hwirq being the vector index;
 *  - the global PCI-MSI domain: chip "PCI-MSI" (or "IR-PCI-MSI"), hwirq =
 *    index | (bus << 8 | devfn) << 11 | domain << 27
 *    (pci_msi_domain_calc_hwirq);
 *  - vfio's host vectors: action "vfio-msix[N](BDF)" or "vfio-msi[N](BDF)".
 * Returns false when the row says neither.
 */
bool proc_irq_pci_vector(const struct proc_irq_row *r, char bdf[BDF_TEXT_MAX], unsigned *index);

#endif
