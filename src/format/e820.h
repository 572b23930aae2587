/* E820 memory maps (internal): the map type, its checks, growable entry
 * arrays and the kernel's text form. */
#ifndef VT_FORMAT_E820_H
#define VT_FORMAT_E820_H

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
/* x86-64 guest-physical addresses have at most 52 bits. */
#define VT_PHYS_ADDR_LIMIT (UINT64_C(1) << 52)
/* Trims work in whole pages of this size. */
#define VT_E820_PAGE UINT64_C(4096)

struct e820_map {
    struct vt_e820_entry *entries; /* sorted by start, non-overlapping */
    size_t n;
};

/* Free the entries and reset *map to empty; map may be NULL. */
void e820_free(struct e820_map *map);
/* Total bytes of VT_E820_RAM entries. */
uint64_t e820_ram_bytes(const struct e820_map *map);

/* A map handed in by a caller: sorted, non-empty, non-overlapping entries;
 * -EINVAL with a "memory map: ..." sentence otherwise. */
int e820_check_map(const struct e820_map *map, struct vt_err *err);

/* A growable array of entries. */
struct e820_buf {
    struct vt_e820_entry *e;
    size_t n, cap;
};

/* Append [start, end) of type; empty ranges are skipped. 0 or -ENOMEM. */
int e820_buf_add(struct e820_buf *b, uint64_t start, uint64_t end, uint32_t type);

/* Parse E820 text: lines in the kernel's boot-log form
 * "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable" (the prefix
 * up to "[mem " may be anything, e.g. a dmesg timestamp; end inclusive),
 * which e820_format writes. Type names: usable, reserved, ACPI data,
 * ACPI NVS, unusable, persistent (type N), soft reserved, type N, and the
 * names newer kernels print (System RAM, device reserved, persistent RAM
 * (type N));
 * case-insensitive. Blank lines, '#' comments, "[gap ...]" lines and the
 * "... physical RAM map:" header are ignored. Sorts; rejects overlaps,
 * inverted entries, addresses beyond 52 bits, unknown type names, more than
 * VT_E820_MAX_ENTRIES entries and texts without entries, with
 * "NAME: line N: ..." messages. *map is written only on success. */
int e820_parse(const char *text, const char *name, struct e820_map *map, struct vt_err *err);
/* The kernel's (classic) form, one entry per line, malloc'd; "" for n == 0.
 * -EINVAL for an empty or inverted entry, -ENOMEM. */
int e820_format(const struct vt_e820_entry *entries, size_t n, char **text);

#endif
