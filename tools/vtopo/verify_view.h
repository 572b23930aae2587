/* verify's side of a guest's NUMA view: the console parser and the
 * comparison with the prediction (docs/verify.md). */
#ifndef VTOPO_CLI_VERIFY_VIEW_H
#define VTOPO_CLI_VERIFY_VIEW_H

#include <stdint.h>
#include <stdio.h>

#include "vtopo/guest.h"

/* Parse a verify guest's console output (probe lines and kernel log). */
int verify_parse_console(const char *console, struct vt_guest_view *v, struct vt_err *err);

/* Memory tolerance: a node's MemTotal may be below its RAM by the kernel's
 * own reservations (image, initramfs, memmap, SWIOTLB, page tables, per-CPU
 * areas), at most this much (docs/verify.md). */
uint64_t verify_memory_tolerance(uint64_t total_ram);

/* How the comparison is printed: the side-by-side table, only its
 * mismatched rows, or the rows as JSON objects ({item, predicted, guest, ok},
 * comma-separated, for the caller's array). */
enum verify_style { VERIFY_TABLE, VERIFY_MISMATCHES, VERIFY_JSON };

/* Compare the predicted view with the guest's, print it to out in style, and
 * return the number of mismatches. */
size_t verify_compare(const struct vt_guest_view *want, const struct vt_guest_view *got,
                      uint64_t total_ram, enum verify_style style, FILE *out);
/* The same for a second probe of one boot (after a hot-plug): each item
 * named "PREFIX item", JSON rows continuing the first comparison's. */
size_t verify_compare_more(const struct vt_guest_view *want, const struct vt_guest_view *got,
                           uint64_t total_ram, enum verify_style style, const char *prefix,
                           FILE *out);

/* The managed vectors of each planned NVMe device (or its stand-in) in the
 * guest against `vtopo irq predict` for the plan, the guest's vector count
 * and possible CPUs: rows continuing the comparison's. */
size_t verify_compare_irqs(const struct vt_layout *l, const struct vt_guest_view *got,
                           enum verify_style style, FILE *out);

#endif
