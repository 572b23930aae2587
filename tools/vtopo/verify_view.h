/* verify's side of a guest's NUMA view: the console parser and the
 * comparison with the prediction (docs/verify.md). */
#ifndef VTOPO_CLI_VERIFY_VIEW_H
#define VTOPO_CLI_VERIFY_VIEW_H

#include <stdint.h>
#include <stdio.h>

#include "vtopo/draw.h"
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

/* verify --draw: keep every comparison row from now on; the rows kept
 * (oom: some could not be); free them. */
void verify_rows_keep(void);
const struct vt_draw_row *verify_rows(size_t *n, bool *oom);
void verify_rows_free(void);

/* --irq-apply: the report of `vtopo irq apply --yes` in the guest (its
 * "VTP apply" lines in report) names no failure; in the probe after it
 * (applied) every written vector's affinity is the plan's CPU and its
 * effective affinity is within it (or the vector has not fired since the
 * first probe: x86 moves it when it next fires), and at least one written
 * vector is delivered there; `vtopo irq restore` ("VTP restore") names no
 * failure and every vector's affinity (restored, unless NULL) is the first
 * probe's (before). Rows continuing the comparison's. */
size_t verify_compare_irq_apply(const char *report, const struct vt_guest_view *before,
                                const struct vt_guest_view *applied,
                                const struct vt_guest_view *restored, enum verify_style style,
                                FILE *out);

/* --irq-apply with --hot-remove: after the hot-remove, every vector still
 * in the guest (after) has the affinity it had after the apply (applied),
 * and `vtopo irq plan --previous` in the guest ("VTP replan" lines in
 * report) moved and placed nothing and dropped the removed device's
 * vectors. Rows "after: ...". */
size_t verify_compare_irq_replan(const char *report, const struct vt_guest_view *applied,
                                 const struct vt_guest_view *after, enum verify_style style,
                                 FILE *out);

/* The managed vectors of each planned NVMe device (or its stand-in) in the
 * guest against `vtopo irq predict` for the plan, the guest's vector count
 * and possible CPUs: rows continuing the comparison's. With isolated (the
 * guest booted with isolcpus=managed_irq,domain,ISOLATED irqaffinity=REST),
 * every vector's effective CPU must also be where the prediction says it
 * fires. */
size_t verify_compare_irqs(const struct vt_layout *l, const struct vt_guest_view *got,
                           const struct vt_bitmap *isolated, const struct vt_bitmap *rest,
                           enum verify_style style, FILE *out);

#endif
