/* Guest physical memory maps of each VMM kind and the placement of vnode
 * memory on them, as each VMM lays out its SRAT (internal): QEMU pc/q35, Xen
 * HVM, flat and custom E820 maps. The rule of each kind, with its source, is
 * in memmap.c and docs/memory-maps.md. */
#ifndef VT_MODEL_VMM_MEMMAP_H
#define VT_MODEL_VMM_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "format/e820.h"

/* Where x86 VMMs put RAM above the 32-bit hole. */
#define MEMMAP_4G (UINT64_C(1) << 32)
/* The legacy VGA/BIOS region the QEMU and Xen kinds mark reserved. */
#define VT_LEGACY_HOLE_START UINT64_C(0xa0000)
#define VT_LEGACY_HOLE_END   UINT64_C(0x100000)

/*
 * The below/above-4G split of ram_bytes for VT_MEM_QEMU_PC, VT_MEM_QEMU_Q35
 * and VT_MEM_XEN_HVM (the rules are in memmap.c): RAM [1M, below_4g) and
 * [4G, 4G + above_4g); below_4g + above_4g == ram_bytes. -EINVAL for other
 * kinds and for the sizes memmap_build rejects.
 */
int memmap_split(enum vt_mem_layout kind, uint64_t ram_bytes, uint64_t *below_4g,
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
int memmap_build(enum vt_mem_layout kind, uint64_t ram_bytes, struct e820_map *map,
                 struct vt_err *err);

/* One placed range: [start, end) of vnode. */
struct placed_range {
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
 * For the built kinds the map must be the one memmap_build makes for the
 * sum of bytes; for VT_MEM_E820 the sum must equal the map's RAM. Every
 * vnode's bytes must be a multiple of 4 KiB. Zero-byte vnodes get no range;
 * contiguous pieces of one vnode are merged. *ranges is malloc'd, sorted by
 * start, written only on success.
 */
int memmap_place(enum vt_mem_layout kind, const struct e820_map *map, const uint64_t *bytes,
                 size_t nvnodes, struct placed_range **ranges, size_t *nranges, struct vt_err *err);

/* Bytes of the map's RAM that no range covers (ranges in any order, may
 * overlap). Linux rejects the SRAT when this exceeds 1 MiB
 * (memblock_validate_numa_coverage(SZ_1M)). */
uint64_t e820_uncovered_ram(const struct e820_map *map, const struct placed_range *ranges,
                            size_t nranges);

#endif
