/* Guest physical memory maps (E820) and the placement of vnode memory on
 * them (internal): QEMU pc/q35, Xen HVM, flat, custom E820 files and
 * host-shaped maps; the proportional trim of a map to a memory budget.
 * The rule of each kind, with its source, is in memmap.c and
 * docs/memory-maps.md. */
#ifndef VT_PLAN_MEMMAP_H
#define VT_PLAN_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "vtopo/err.h"
#include "vtopo/layout.h"

/* More entries than this in an E820 text is an error (Linux's own table
 * holds 128 + 3 * MAX_NUMNODES). */
#define VT_E820_MAX_ENTRIES 4096
/* Types without a name in enum vt_e820_type: Linux's E820_TYPE_PRAM and
 * E820_TYPE_SOFT_RESERVED (arch/x86/include/asm/e820/types.h). */
#define VT_E820_PRAM          12
#define VT_E820_SOFT_RESERVED UINT32_C(0xefffffff)
/* The legacy VGA/BIOS region the QEMU and Xen kinds mark reserved. */
#define VT_LEGACY_HOLE_START UINT64_C(0xa0000)
#define VT_LEGACY_HOLE_END   UINT64_C(0x100000)
/* x86-64 guest-physical addresses have at most 52 bits. */
#define VT_PHYS_ADDR_LIMIT (UINT64_C(1) << 52)
/* Trims work in whole pages of this size. */
#define VT_E820_PAGE UINT64_C(4096)

struct vt_e820 {
    struct vt_e820_entry *entries; /* sorted by start, non-overlapping */
    size_t n;
};

/* Free the entries and reset *map to empty; map may be NULL. */
void vt_e820_free(struct vt_e820 *map);
/* Total bytes of VT_E820_RAM entries. */
uint64_t vt_e820_ram_bytes(const struct vt_e820 *map);

/* Parse E820 text: lines in the kernel's boot-log form
 * "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable" (the prefix
 * up to "[mem " may be anything, e.g. a dmesg timestamp; end inclusive),
 * which vt_e820_format writes. Type names: usable, reserved, ACPI data,
 * ACPI NVS, unusable, persistent (type N), soft reserved, type N, and the
 * names newer kernels print (System RAM, device reserved, persistent RAM
 * (type N));
 * case-insensitive. Blank lines, '#' comments, "[gap ...]" lines and the
 * "... physical RAM map:" header are ignored. Sorts; rejects overlaps,
 * inverted entries, addresses beyond 52 bits, unknown type names, more than
 * VT_E820_MAX_ENTRIES entries and texts without entries, with
 * "NAME: line N: ..." messages. *map is written only on success. */
int vt_e820_parse(const char *text, const char *name, struct vt_e820 *map, struct vt_err *err);
/* The kernel's (classic) form, one entry per line, malloc'd; "" for n == 0.
 * -EINVAL for an empty or inverted entry, -ENOMEM. */
int vt_e820_format(const struct vt_e820_entry *entries, size_t n, char **text);

/*
 * The below/above-4G split of ram_bytes for VT_MEM_QEMU_PC, VT_MEM_QEMU_Q35
 * and VT_MEM_XEN_HVM (the rules are in memmap.c): RAM [1M, below_4g) and
 * [4G, 4G + above_4g); below_4g + above_4g == ram_bytes. -EINVAL for other
 * kinds and for the sizes vt_memmap_build rejects.
 */
int vt_memmap_split(enum vt_mem_layout kind, uint64_t ram_bytes, uint64_t *below_4g,
                    uint64_t *above_4g, struct vt_err *err);

/*
 * The guest memory map of a given kind for ram_bytes of RAM:
 *  - VT_MEM_FLAT: RAM [0, ram).
 *  - VT_MEM_QEMU_PC / VT_MEM_QEMU_Q35: QEMU's below/above-4G split for that
 *    machine type, RAM [0, 640K), reserved [640K, 1M), RAM [1M, below_4g),
 *    RAM [4G, 4G + above_4g).
 *  - VT_MEM_XEN_HVM: libxl's HVM layout with the default MMIO hole below 4G
 *    (lowmem ends at 0xf0000000), the same four entries.
 * ram_bytes is the RAM the guest is given (QEMU's ram_size; for Xen libxl's
 * max_memkb - video_memkb): for the QEMU and Xen kinds the 384K legacy hole
 * is inside it, so the map's RAM is 384K less. ram_bytes must be a non-zero
 * multiple of 4 KiB, above 1 MiB for the QEMU and Xen kinds, and RAM must end
 * inside the 52-bit physical address space.
 * VT_MEM_E820 / VT_MEM_HOST maps are not built here (parsed or host-shaped).
 * *map is written only on success.
 */
int vt_memmap_build(enum vt_mem_layout kind, uint64_t ram_bytes, struct vt_e820 *map,
                    struct vt_err *err);

/* One placed range: [start, end) of vnode. */
struct vt_placed_range {
    uint64_t start, end;
    unsigned vnode;
};

/*
 * Place each vnode's bytes (vnode order) in address order over the map's RAM,
 * splitting around holes:
 *  - QEMU kinds, as QEMU's build_srat() lays nodes out: vnode i's share is
 *    [base_i, base_i + bytes_i) in "RAM address space"; the 640K-1M hole
 *    consumes address space inside the share that spans it (so that vnode's
 *    ranges total 384K less than its bytes, exactly like QEMU's SRAT), the
 *    below-4G hole does not (the rest of the share continues at 4G). A vnode
 *    share may not end inside (640K, 1M): QEMU would then describe memory
 *    past the end of RAM; that is rejected.
 *  - VT_MEM_XEN_HVM, as libxl__vnuma_build_vmemrange_hvm(): sequential from
 *    0, split only around the MMIO hole [lowmem_end, 4G); vnode 0's range
 *    spans the legacy hole, so every vnode's ranges total its bytes. Xen's
 *    video RAM (subtracted from vnode 0 by libxl) is not modelled: pass
 *    vnode 0's bytes without it.
 *  - VT_MEM_FLAT and VT_MEM_E820: plain address order over the RAM entries.
 *  - VT_MEM_HOST is rejected: host-shaped vnodes take their pnodes' ranges.
 * For the built kinds the map must be the one vt_memmap_build makes for the
 * sum of bytes; for VT_MEM_E820 the sum must equal the map's RAM. Every
 * vnode's bytes must be a multiple of 4 KiB. Zero-byte vnodes get no range;
 * contiguous pieces of one vnode are merged. *ranges is malloc'd, sorted by
 * start, written only on success.
 */
int vt_memmap_place(enum vt_mem_layout kind, const struct vt_e820 *map, const uint64_t *bytes,
                    size_t nvnodes, struct vt_placed_range **ranges, size_t *nranges,
                    struct vt_err *err);

/* Bytes of the map's RAM that no range covers (ranges in any order, may
 * overlap). Linux rejects the SRAT when this exceeds 1 MiB
 * (memblock_validate_numa_coverage(SZ_1M)). */
uint64_t vt_e820_uncovered_ram(const struct vt_e820 *map, const struct vt_placed_range *ranges,
                               size_t nranges);

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
int vt_e820_trim_proportional(const struct vt_e820 *in, uint64_t budget, struct vt_e820 *out,
                              struct vt_err *err);
int vt_e820_trim_first_fit(const struct vt_e820 *in, uint64_t budget, struct vt_e820 *out,
                           struct vt_err *err);

#endif
