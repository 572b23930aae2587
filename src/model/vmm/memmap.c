/*
 * The guest memory map of each VMM kind and how each VMM lays vnode memory
 * out on it (its SRAT memory entries).
 *
 * The rules below were read from the VMMs' sources (reference only, no code
 * taken); docs/memory-maps.md has the same with worked examples.
 *
 * VT_MEM_QEMU_PC — QEMU hw/i386/pc_piix.c, pc_init1() (current machine types,
 * gigabyte_align = true, max-ram-below-4g not given, so it defaults to
 * 0xe0000000):
 *     lowmem = ram_size >= 0xe0000000 ? 0xc0000000 : 0xe0000000
 *     below_4g = min(ram_size, lowmem), above_4g = ram_size - below_4g
 * (QEMU's own examples: -m 4G gives 3072M low, 1024M high.)
 *
 * VT_MEM_QEMU_Q35 — QEMU hw/i386/pc_q35.c, pc_q35_init() (max-ram-below-4g
 * not given, so it defaults to 4 GiB and does not lower lowmem):
 *     lowmem = ram_size >= 0xb0000000 ? 0x80000000 : 0xb0000000
 *     below_4g = min(ram_size, lowmem), above_4g = ram_size - below_4g
 *
 * Both QEMU kinds: hw/i386/pc.c, pc_memory_init() maps RAM [0, below_4g) and
 * [above_4g_mem_start, + above_4g) with above_4g_mem_start = 4 GiB; the
 * firmware (SeaBIOS, OVMF) reserves the legacy VGA/BIOS area, modelled here as
 * reserved [640K, 1M). Not modelled: the relocation of above-4G RAM to 1 TiB
 * for AMD vCPUs whose highest used GPA reaches 0xfd00000000 (the same
 * function), and max-ram-below-4g.
 *
 * Placement for the QEMU kinds — hw/i386/acpi-build.c, build_srat(): node
 * memory is laid out back to back from 0 in node order (next_base = base +
 * node_mem); a node spanning 640K gets [base, 640K) and continues at 1M with
 * the rest of its share, so the hole consumes its address space; a node
 * spanning below_4g gets [base, below_4g) and continues at 4G with everything
 * left of its share, so this hole does not; zero-size nodes get no entry.
 *
 * VT_MEM_XEN_HVM — Xen tools/libs/light/libxl_dom.c, libxl__build_hvm():
 *     mem_size = max_memkb - video_memkb (ram_bytes here)
 *     mmio_size = HVM_BELOW_4G_MMIO_LENGTH (xen/include/public/hvm/e820.h:
 *                 4G - HVM_BELOW_4G_MMIO_START, START = 0xf0000000), the
 *                 default with a device model and no mmio_hole set
 *     mmio_start = 4G - mmio_size = 0xf0000000
 *     lowmem_end = min(mem_size, mmio_start)
 *     highmem_end = 4G + (mem_size - mmio_start) when mem_size > mmio_start
 * hvmloader (tools/firmware/hvmloader/e820.c) reserves the BIOS area below
 * 1M, modelled as reserved [640K, 1M). Not modelled: mmio_hole (xl), the
 * relocation of low RAM above 4G by hvmloader when PCI BARs need more room.
 *
 * Placement for Xen — tools/libs/light/libxl_vnuma.c,
 * libxl__vnuma_build_vmemrange_hvm(): hole_start = min(lowmem_end,
 * mmio_start), hole_end = max(mmio_start + mmio_size, 4G); each vnode's bytes
 * are placed from `next` on, jumping over [hole_start, hole_end) and split at
 * hole_start. The legacy hole is not cut. libxl takes video RAM out of vnode
 * 0; vtopo does not model video RAM.
 *
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/vmm/memmap.h"
#include "util/size.h"

#define QEMU_PC_MAX_RAM_BELOW_4G UINT64_C(0xe0000000) /* pc_piix.c default */
#define QEMU_PC_LOWMEM_ALIGNED   UINT64_C(0xc0000000) /* gigabyte_align */
#define QEMU_Q35_SPLIT_AT        UINT64_C(0xb0000000)
#define QEMU_Q35_LOWMEM_SPLIT    UINT64_C(0x80000000)
#define XEN_HVM_MMIO_START       UINT64_C(0xf0000000) /* HVM_BELOW_4G_MMIO_START */

/* ---- maps of each kind -------------------------------------------------- */

static bool has_legacy_hole(enum vt_mem_layout kind)
{
    return kind == VT_MEM_QEMU_PC || kind == VT_MEM_QEMU_Q35 || kind == VT_MEM_XEN_HVM;
}

/* Checks shared by every built kind; the message names the kind. */
static int check_ram(enum vt_mem_layout kind, uint64_t ram, struct vt_err *err)
{
    struct size_str a;

    if (ram == 0)
        return vt_err_set(err, -EINVAL, "memory layout %s: memory size is 0",
                          vt_mem_layout_name(kind));
    if (ram % VT_E820_PAGE)
        return vt_err_set(err, -EINVAL, "memory layout %s: memory %s is not a multiple of 4 KiB",
                          vt_mem_layout_name(kind), size_str(&a, ram));
    if (has_legacy_hole(kind) && ram <= VT_LEGACY_HOLE_END)
        return vt_err_set(err, -EINVAL,
                          "memory layout %s: memory %s must be larger than the 1 MiB that "
                          "holds the legacy 640K-1M region",
                          vt_mem_layout_name(kind), size_str(&a, ram));
    return 0;
}

int memmap_split(enum vt_mem_layout kind, uint64_t ram, uint64_t *below_4g, uint64_t *above_4g,
                 struct vt_err *err)
{
    uint64_t lowmem, below, above;
    struct size_str a;
    int rc;

    switch (kind) {
    case VT_MEM_QEMU_PC:
        lowmem =
            ram >= QEMU_PC_MAX_RAM_BELOW_4G ? QEMU_PC_LOWMEM_ALIGNED : QEMU_PC_MAX_RAM_BELOW_4G;
        break;
    case VT_MEM_QEMU_Q35:
        lowmem = ram >= QEMU_Q35_SPLIT_AT ? QEMU_Q35_LOWMEM_SPLIT : QEMU_Q35_SPLIT_AT;
        break;
    case VT_MEM_XEN_HVM:
        lowmem = XEN_HVM_MMIO_START;
        break;
    default:
        return vt_err_set(err, -EINVAL, "memory layout %s has no below/above-4G split",
                          vt_mem_layout_name(kind));
    }
    if ((rc = check_ram(kind, ram, err)) < 0)
        return rc;
    below = ram < lowmem ? ram : lowmem;
    above = ram - below;
    if (above > VT_PHYS_ADDR_LIMIT - MEMMAP_4G)
        return vt_err_set(err, -ERANGE,
                          "memory layout %s: memory %s would end beyond the 52-bit "
                          "guest-physical address space",
                          vt_mem_layout_name(kind), size_str(&a, ram));
    if (below_4g)
        *below_4g = below;
    if (above_4g)
        *above_4g = above;
    return 0;
}

int memmap_build(enum vt_mem_layout kind, uint64_t ram, struct e820_map *map, struct vt_err *err)
{
    struct e820_buf b = {0};
    uint64_t below, above;
    struct size_str a;
    int rc = 0;

    if (!map)
        return vt_err_set(err, -EINVAL, "memory layout: no map given");
    switch (kind) {
    case VT_MEM_FLAT:
        if ((rc = check_ram(kind, ram, err)) < 0)
            return rc;
        if (ram > VT_PHYS_ADDR_LIMIT)
            return vt_err_set(err, -ERANGE,
                              "memory layout flat: memory %s would end beyond the 52-bit "
                              "guest-physical address space",
                              size_str(&a, ram));
        rc = e820_buf_add(&b, 0, ram, VT_E820_RAM);
        break;
    case VT_MEM_QEMU_PC:
    case VT_MEM_QEMU_Q35:
    case VT_MEM_XEN_HVM:
        if ((rc = memmap_split(kind, ram, &below, &above, err)) < 0)
            return rc;
        rc = e820_buf_add(&b, 0, VT_LEGACY_HOLE_START, VT_E820_RAM);
        if (rc == 0)
            rc = e820_buf_add(&b, VT_LEGACY_HOLE_START, VT_LEGACY_HOLE_END, VT_E820_RESERVED);
        if (rc == 0)
            rc = e820_buf_add(&b, VT_LEGACY_HOLE_END, below, VT_E820_RAM);
        if (rc == 0)
            rc = e820_buf_add(&b, MEMMAP_4G, MEMMAP_4G + above, VT_E820_RAM);
        break;
    case VT_MEM_E820:
    case VT_MEM_HOST:
        return vt_err_set(err, -EINVAL,
                          "memory layout %s: the map is %s, not built from a memory size",
                          vt_mem_layout_name(kind),
                          kind == VT_MEM_E820 ? "read from a file" : "shaped by the host");
    default:
        return vt_err_set(err, -EINVAL, "memory layout %d is unknown", (int)kind);
    }
    if (rc < 0) {
        free(b.e);
        return vt_err_set(err, rc, "memory layout %s: out of memory", vt_mem_layout_name(kind));
    }
    map->entries = b.e;
    map->n = b.n;
    return 0;
}

/* ---- placement ---------------------------------------------------------- */

struct rbuf {
    struct placed_range *r;
    size_t n, cap;
};

/* Append [start, end) of vnode, merging with the previous range when it is
 * the same vnode's and ends at start. Capacity is reserved up front. */
static void rbuf_add(struct rbuf *b, uint64_t start, uint64_t end, unsigned vnode)
{
    if (end <= start)
        return;
    if (b->n && b->r[b->n - 1].vnode == vnode && b->r[b->n - 1].end == start) {
        b->r[b->n - 1].end = end;
        return;
    }
    if (b->n < b->cap) {
        b->r[b->n].start = start;
        b->r[b->n].end = end;
        b->r[b->n].vnode = vnode;
        b->n++;
    }
}

/* QEMU build_srat(): shares back to back in RAM address space; the legacy
 * hole eats address space, the below-4G hole does not. */
static int place_qemu(uint64_t below_4g, const uint64_t *bytes, size_t nvnodes, struct rbuf *b,
                      struct vt_err *err)
{
    uint64_t next = 0;

    for (size_t v = 0; v < nvnodes; v++) {
        uint64_t base = next, len = bytes[v];

        next = base + len;
        if (len == 0)
            continue;
        if (base <= VT_LEGACY_HOLE_START && next > VT_LEGACY_HOLE_START) {
            if (next < VT_LEGACY_HOLE_END) {
                struct size_str a;

                return vt_err_set(err, -EINVAL,
                                  "vnode %zu: its memory ends at %s, inside the 640K-1M legacy "
                                  "hole; QEMU would then describe memory past the end of RAM",
                                  v, size_str(&a, next));
            }
            rbuf_add(b, base, VT_LEGACY_HOLE_START, (unsigned)v);
            base = VT_LEGACY_HOLE_END;
            len = next - base;
        }
        if (base <= below_4g && next > below_4g) {
            rbuf_add(b, base, below_4g, (unsigned)v);
            len = next - below_4g;
            base = MEMMAP_4G;
            next = base + len;
        }
        rbuf_add(b, base, base + len, (unsigned)v);
    }
    return 0;
}

/* libxl__vnuma_build_vmemrange_hvm(): sequential, jumping over [hole_start,
 * hole_end) = [lowmem_end, 4G). */
static void place_xen(uint64_t lowmem_end, const uint64_t *bytes, size_t nvnodes, struct rbuf *b)
{
    const uint64_t hole_start = lowmem_end, hole_end = MEMMAP_4G;
    uint64_t next = 0;

    for (size_t v = 0; v < nvnodes; v++) {
        uint64_t remaining = bytes[v];

        while (remaining > 0) {
            uint64_t count = remaining;

            if (next >= hole_start && next < hole_end)
                next = hole_end;
            if (next < hole_start && next + remaining >= hole_start)
                count = hole_start - next;
            rbuf_add(b, next, next + count, (unsigned)v);
            remaining -= count;
            next += count;
        }
    }
}

/* Plain address order over the RAM entries; the total equals the map's RAM. */
static void place_e820(const struct e820_map *map, const uint64_t *bytes, size_t nvnodes,
                       struct rbuf *b)
{
    size_t i = 0;
    uint64_t pos = 0;

    while (i < map->n && map->entries[i].type != VT_E820_RAM)
        i++;
    if (i < map->n)
        pos = map->entries[i].start;
    for (size_t v = 0; v < nvnodes; v++) {
        uint64_t remaining = bytes[v];

        while (remaining > 0 && i < map->n) {
            uint64_t take;

            if (pos == map->entries[i].end) {
                do
                    i++;
                while (i < map->n && map->entries[i].type != VT_E820_RAM);
                if (i == map->n)
                    break;
                pos = map->entries[i].start;
            }
            take = map->entries[i].end - pos;
            if (take > remaining)
                take = remaining;
            rbuf_add(b, pos, pos + take, (unsigned)v);
            pos += take;
            remaining -= take;
        }
    }
}

static bool same_map(const struct e820_map *a, const struct e820_map *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->entries[i].start != b->entries[i].start || a->entries[i].end != b->entries[i].end ||
            a->entries[i].type != b->entries[i].type)
            return false;
    return true;
}

int memmap_place(enum vt_mem_layout kind, const struct e820_map *map, const uint64_t *bytes,
                 size_t nvnodes, struct placed_range **ranges, size_t *nranges, struct vt_err *err)
{
    struct rbuf b = {0};
    uint64_t total = 0, below = 0;
    struct size_str a, c;
    int rc;

    if (!ranges || !nranges)
        return vt_err_set(err, -EINVAL, "memory placement: no output given");
    if (nvnodes == 0 || !bytes)
        return vt_err_set(err, -EINVAL, "memory placement: no vnodes");
    if (nvnodes > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "memory placement: %zu vnodes, at most %d", nvnodes,
                          VT_MAX_VNODES);
    if ((rc = e820_check_map(map, err)) < 0)
        return rc;
    for (size_t v = 0; v < nvnodes; v++) {
        if (bytes[v] % VT_E820_PAGE)
            return vt_err_set(err, -EINVAL, "vnode %zu: memory %s is not a multiple of 4 KiB", v,
                              size_str(&a, bytes[v]));
        if (bytes[v] > UINT64_MAX - total)
            return vt_err_set(err, -ERANGE, "vnode memory sizes overflow 64 bits");
        total += bytes[v];
    }
    if (total == 0)
        return vt_err_set(err, -EINVAL, "memory placement: every vnode has 0 bytes");

    switch (kind) {
    case VT_MEM_FLAT:
    case VT_MEM_QEMU_PC:
    case VT_MEM_QEMU_Q35:
    case VT_MEM_XEN_HVM: {
        struct e820_map want;
        bool same;

        if ((rc = memmap_build(kind, total, &want, err)) < 0) {
            vt_err_prefix(err, "vnode memory totals %s: ", size_str(&a, total));
            return rc;
        }
        same = same_map(map, &want);
        e820_free(&want);
        if (!same)
            return vt_err_set(err, -EINVAL,
                              "vnode memory totals %s, but the memory map is not the %s map "
                              "for that size (it has %s of RAM)",
                              size_str(&a, total), vt_mem_layout_name(kind),
                              size_str(&c, e820_ram_bytes(map)));
        if (kind != VT_MEM_FLAT && (rc = memmap_split(kind, total, &below, NULL, err)) < 0)
            return rc;
        break;
    }
    case VT_MEM_E820:
        if (total != e820_ram_bytes(map))
            return vt_err_set(err, -EINVAL,
                              "vnode memory totals %s, but the E820 map has %s of RAM",
                              size_str(&a, total), size_str(&c, e820_ram_bytes(map)));
        break;
    case VT_MEM_HOST:
        return vt_err_set(err, -EINVAL,
                          "memory layout host: vnodes take their pnodes' ranges, "
                          "not an address-order placement");
    default:
        return vt_err_set(err, -EINVAL, "memory layout %d is unknown", (int)kind);
    }

    /* Each vnode adds at most one range per hole or RAM entry it crosses. */
    b.cap = nvnodes + map->n + 2;
    b.r = malloc(b.cap * sizeof(*b.r));
    if (!b.r)
        return vt_err_set(err, -ENOMEM, "memory placement: out of memory");
    if (kind == VT_MEM_QEMU_PC || kind == VT_MEM_QEMU_Q35)
        rc = place_qemu(below, bytes, nvnodes, &b, err);
    else if (kind == VT_MEM_XEN_HVM)
        place_xen(below, bytes, nvnodes, &b);
    else
        place_e820(map, bytes, nvnodes, &b);
    if (rc < 0) {
        free(b.r);
        return rc;
    }
    *ranges = b.r;
    *nranges = b.n;
    return 0;
}

static int cmp_range(const void *x, const void *y)
{
    const struct placed_range *a = x, *b = y;

    return a->start < b->start ? -1 : a->start > b->start;
}

uint64_t e820_uncovered_ram(const struct e820_map *map, const struct placed_range *ranges,
                            size_t nranges)
{
    struct placed_range *r = NULL;
    uint64_t uncovered = 0;
    size_t k = 0;

    if (!map)
        return 0;
    if (nranges) {
        r = malloc(nranges * sizeof(*r));
        if (!r)
            return e820_ram_bytes(map); /* cannot tell: claim nothing is covered */
        memcpy(r, ranges, nranges * sizeof(*r));
        qsort(r, nranges, sizeof(*r), cmp_range);
    }
    for (size_t i = 0; i < map->n; i++) {
        const struct vt_e820_entry *e = &map->entries[i];
        uint64_t pos = e->start; /* [e->start, pos) is accounted for */

        if (e->type != VT_E820_RAM)
            continue;
        /* Ranges ending at or before this entry cannot cover later ones. */
        while (k < nranges && r[k].end <= e->start)
            k++;
        for (size_t j = k; j < nranges && r[j].start < e->end && pos < e->end; j++) {
            if (r[j].end <= pos)
                continue;
            if (r[j].start > pos)
                uncovered += r[j].start - pos;
            pos = r[j].end < e->end ? r[j].end : e->end;
        }
        uncovered += e->end - pos;
    }
    free(r);
    return uncovered;
}
