/* Trims of a memory map to a memory budget (internal). */
#ifndef VT_PLAN_E820_TRIM_H
#define VT_PLAN_E820_TRIM_H

#include "format/e820.h"

/*
 * Proportional trim of a (host-shaped or file) map to budget bytes of RAM,
 * counted in whole 4 KiB pages: every RAM entry keeps its share
 * budget * pages / total_pages from its first whole page, remainders carried
 * over Bresenham-style so the result totals exactly budget and each entry
 * keeps within one page of its exact share; what is cut off each RAM entry
 * (its top part, and any sliver outside whole pages, as in "usable up to
 * 0x9fbff") becomes VT_E820_UNUSABLE. The first-fit trim (keep RAM from the
 * lowest address up to the budget) is provided for comparison. budget must
 * be a non-zero multiple of 4 KiB and at most the map's RAM in whole pages.
 * *out is written only on success.
 */
int e820_trim_proportional(const struct e820_map *in, uint64_t budget, struct e820_map *out,
                           struct vt_err *err);
int e820_trim_first_fit(const struct e820_map *in, uint64_t budget, struct e820_map *out,
                        struct vt_err *err);

#endif
