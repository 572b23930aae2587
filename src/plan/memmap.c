/*
 * Guest memory maps (E820): the kernel's text form (parse, format), the map of
 * each VMM kind, the placement of vnode memory on a map, and trims of a map
 * to a memory budget.
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
 * Text form — Linux arch/x86/kernel/e820.c, e820__print_table() and
 * e820_print_type(): "%s: [mem %#018Lx-%#018Lx] " and the type name, end
 * inclusive.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan/memmap.h"
#include "vtopo/size.h"

#define FOUR_GIB (UINT64_C(1) << 32)

#define QEMU_PC_MAX_RAM_BELOW_4G UINT64_C(0xe0000000) /* pc_piix.c default */
#define QEMU_PC_LOWMEM_ALIGNED   UINT64_C(0xc0000000) /* gigabyte_align */
#define QEMU_Q35_SPLIT_AT        UINT64_C(0xb0000000)
#define QEMU_Q35_LOWMEM_SPLIT    UINT64_C(0x80000000)
#define XEN_HVM_MMIO_START       UINT64_C(0xf0000000) /* HVM_BELOW_4G_MMIO_START */

/* A size for messages: "2 GiB", "384 KiB". */
struct szbuf {
    char s[40];
};

static const char *sz(struct szbuf *b, uint64_t v)
{
    vt_size_format(b->s, sizeof(b->s), v);
    return b->s;
}

/* ---- growable entry arrays --------------------------------------------- */

struct ebuf {
    struct vt_e820_entry *e;
    size_t n, cap;
};

/* Append [start, end) of type; empty ranges are skipped. */
static int ebuf_add(struct ebuf *b, uint64_t start, uint64_t end, uint32_t type)
{
    if (end <= start)
        return 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        struct vt_e820_entry *e = realloc(b->e, cap * sizeof(*e));

        if (!e)
            return -ENOMEM;
        b->e = e;
        b->cap = cap;
    }
    b->e[b->n].start = start;
    b->e[b->n].end = end;
    b->e[b->n].type = type;
    b->n++;
    return 0;
}

void vt_e820_free(struct vt_e820 *map)
{
    if (!map)
        return;
    free(map->entries);
    map->entries = NULL;
    map->n = 0;
}

uint64_t vt_e820_ram_bytes(const struct vt_e820 *map)
{
    uint64_t total = 0;

    if (!map)
        return 0;
    for (size_t i = 0; i < map->n; i++)
        if (map->entries[i].type == VT_E820_RAM)
            total += map->entries[i].end - map->entries[i].start;
    return total;
}

/* A map handed in by a caller: sorted, non-empty, non-overlapping entries. */
static int map_check(const struct vt_e820 *map, struct vt_err *err)
{
    if (!map || (map->n && !map->entries))
        return vt_err_set(err, -EINVAL, "memory map: no map given");
    for (size_t i = 0; i < map->n; i++) {
        const struct vt_e820_entry *e = &map->entries[i];

        if (e->end <= e->start)
            return vt_err_set(err, -EINVAL,
                              "memory map: entry %zu (0x%" PRIx64 "-0x%" PRIx64
                              "): empty or inverted",
                              i, e->start, e->end);
        if (i && e->start < map->entries[i - 1].end)
            return vt_err_set(err, -EINVAL,
                              "memory map: entry %zu (0x%" PRIx64 "-0x%" PRIx64
                              ") overlaps or precedes entry %zu (0x%" PRIx64 "-0x%" PRIx64 ")",
                              i, e->start, e->end, i - 1, map->entries[i - 1].start,
                              map->entries[i - 1].end);
    }
    return 0;
}

/* ---- text form ---------------------------------------------------------- */

/* The classic names of e820_print_type(); "persistent (type N)" for 7 and 12,
 * "type N" for the rest. */
const char *vt_e820_type_name(uint32_t type, char *buf, size_t size)
{
    switch (type) {
    case VT_E820_RAM:
        return "usable";
    case VT_E820_RESERVED:
        return "reserved";
    case VT_E820_SOFT_RESERVED:
        return "soft reserved";
    case VT_E820_ACPI:
        return "ACPI data";
    case VT_E820_NVS:
        return "ACPI NVS";
    case VT_E820_UNUSABLE:
        return "unusable";
    case VT_E820_PMEM:
    case VT_E820_PRAM:
        snprintf(buf, size, "persistent (type %" PRIu32 ")", type);
        return buf;
    default:
        snprintf(buf, size, "type %" PRIu32, type);
        return buf;
    }
}

int vt_e820_format(const struct vt_e820_entry *entries, size_t n, char **text)
{
    /* "BIOS-e820: [mem 0x%016-0x%016] " is 48 bytes; names are below 32. */
    const size_t line_max = 96;
    char *out, *p;

    if (!text || (n && !entries))
        return -EINVAL;
    if (n > SIZE_MAX / line_max - 1)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (entries[i].end <= entries[i].start)
            return -EINVAL;
    out = malloc(n * line_max + 1);
    if (!out)
        return -ENOMEM;
    p = out;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        char buf[40];
        int len = snprintf(p, line_max, "BIOS-e820: [mem 0x%016" PRIx64 "-0x%016" PRIx64 "] %s\n",
                           entries[i].start, entries[i].end - 1,
                           vt_e820_type_name(entries[i].type, buf, sizeof(buf)));

        if (len < 0 || (size_t)len >= line_max) {
            free(out);
            return -EINVAL;
        }
        p += len;
    }
    *text = out;
    return 0;
}

/* How much of a line to quote in a message. */
#define QUOTE_MAX 48

static const char *find_in(const char *s, size_t len, const char *needle)
{
    size_t nlen = strlen(needle);

    for (size_t i = 0; i + nlen <= len; i++)
        if (memcmp(s + i, needle, nlen) == 0)
            return s + i;
    return NULL;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t slen = strlen(suffix);

    return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

/* "0x" and 1-16 hex digits at *pp; advances *pp. A message names `what`. */
static int parse_hex(const char **pp, const char *end, const char *what, uint64_t *v, char *msg,
                     size_t msize)
{
    const char *p = *pp;
    unsigned digits = 0;
    uint64_t x = 0;

    if (end - p < 2 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) {
        snprintf(msg, msize, "%s: expected a hexadecimal number with 0x", what);
        return -EINVAL;
    }
    p += 2;
    while (p < end && isxdigit((unsigned char)*p)) {
        if (++digits > 16) {
            snprintf(msg, msize, "%s: more than 16 hexadecimal digits", what);
            return -ERANGE;
        }
        x = x << 4 | (uint64_t)(isdigit((unsigned char)*p) ? *p - '0'
                                                           : tolower((unsigned char)*p) - 'a' + 10);
        p++;
    }
    if (!digits) {
        snprintf(msg, msize, "%s: no digits after 0x", what);
        return -EINVAL;
    }
    *pp = p;
    *v = x;
    return 0;
}

/* A decimal type number "N)" or "N" (until end); 1 .. UINT32_MAX. */
static bool parse_type_number(const char *p, const char *end, uint32_t *type)
{
    uint64_t v = 0;

    if (p == end)
        return false;
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return false;
    }
    if (v == 0)
        return false;
    *type = (uint32_t)v;
    return true;
}

static bool word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* "persistent (type N)" / "persistent RAM (type N)": N must be 7 or 12. */
static bool parse_persistent(const char *s, size_t len, uint32_t *type)
{
    static const char *prefixes[] = {"persistent (type ", "persistent RAM (type "};

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t plen = strlen(prefixes[i]);

        if (len > plen + 1 && strncasecmp(s, prefixes[i], plen) == 0 && s[len - 1] == ')' &&
            parse_type_number(s + plen, s + len - 1, type))
            return *type == VT_E820_PMEM || *type == VT_E820_PRAM;
    }
    return false;
}

static bool parse_type(const char *s, size_t len, uint32_t *type)
{
    static const struct {
        const char *name;
        uint32_t type;
    } names[] = {
        {"usable", VT_E820_RAM},
        {"System RAM", VT_E820_RAM},
        {"reserved", VT_E820_RESERVED},
        {"device reserved", VT_E820_RESERVED},
        {"soft reserved", VT_E820_SOFT_RESERVED},
        {"ACPI data", VT_E820_ACPI},
        {"ACPI NVS", VT_E820_NVS},
        {"unusable", VT_E820_UNUSABLE},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (word_is(s, len, names[i].name)) {
            *type = names[i].type;
            return true;
        }
    if (parse_persistent(s, len, type))
        return true;
    return len > 5 && strncasecmp(s, "type ", 5) == 0 && parse_type_number(s + 5, s + len, type);
}

/* Parse one "[mem 0xS-0xE] TYPE" line (s points at "[mem "). */
static int parse_entry(const char *s, const char *end, struct vt_e820_entry *e, char *msg,
                       size_t msize)
{
    const char *p = s + 5;
    uint64_t start, last;
    uint32_t type;
    int rc;

    if ((rc = parse_hex(&p, end, "start", &start, msg, msize)) < 0)
        return rc;
    if (p == end || *p != '-') {
        snprintf(msg, msize, "expected '-' after the start address");
        return -EINVAL;
    }
    p++;
    if ((rc = parse_hex(&p, end, "end", &last, msg, msize)) < 0)
        return rc;
    if (p == end || *p != ']') {
        snprintf(msg, msize, "expected ']' after the end address");
        return -EINVAL;
    }
    p++;
    if (p == end || !isspace((unsigned char)*p)) {
        snprintf(msg, msize, "expected a type name after ']'");
        return -EINVAL;
    }
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (!parse_type(p, (size_t)(end - p), &type)) {
        snprintf(msg, msize,
                 "unknown type \"%.*s\" (expected usable, reserved, ACPI data, ACPI NVS, "
                 "unusable, persistent (type 7), soft reserved or type N)",
                 (int)(end - p > QUOTE_MAX ? QUOTE_MAX : end - p), p);
        return -EINVAL;
    }
    if (last < start) {
        snprintf(msg, msize, "inverted: end 0x%" PRIx64 " is below start 0x%" PRIx64, last, start);
        return -EINVAL;
    }
    if (last >= VT_PHYS_ADDR_LIMIT) {
        snprintf(msg, msize, "end 0x%" PRIx64 " is beyond the 52-bit physical address space", last);
        return -ERANGE;
    }
    e->start = start;
    e->end = last + 1;
    e->type = type;
    return 0;
}

struct parsed {
    struct vt_e820_entry e;
    unsigned line;
};

static int cmp_parsed(const void *a, const void *b)
{
    const struct parsed *x = a, *y = b;

    if (x->e.start != y->e.start)
        return x->e.start < y->e.start ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int vt_e820_parse(const char *text, const char *name, struct vt_e820 *map, struct vt_err *err)
{
    struct parsed *ents = NULL;
    size_t n = 0, cap = 0;
    unsigned line = 0;
    const char *p = text;
    struct vt_e820_entry *out;
    int rc = 0;

    if (!name)
        name = "e820";
    if (!text || !map)
        return vt_err_set(err, -EINVAL, "%s: no text given", name);
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *next = eol ? eol + 1 : p + strlen(p);
        const char *s = p, *e = eol ? eol : next, *mem;
        char msg[320];

        line++;
        p = next;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (s == e || *s == '#')
            continue;
        mem = find_in(s, (size_t)(e - s), "[mem ");
        if (!mem) {
            /* What else the kernel prints around its table. */
            if (find_in(s, (size_t)(e - s), "[gap ") ||
                ends_with(s, (size_t)(e - s), "physical RAM map:"))
                continue;
            rc = vt_err_set(err, -EINVAL,
                            "%s: line %u: expected \"[mem 0xSTART-0xEND] TYPE\", found \"%.*s\"",
                            name, line, (int)(e - s > QUOTE_MAX ? QUOTE_MAX : e - s), s);
            goto out;
        }
        if (n == VT_E820_MAX_ENTRIES) {
            rc = vt_err_set(err, -E2BIG, "%s: line %u: more than %d entries", name, line,
                            VT_E820_MAX_ENTRIES);
            goto out;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct parsed *grown = realloc(ents, ncap * sizeof(*grown));

            if (!grown) {
                rc = vt_err_set(err, -ENOMEM, "%s: out of memory", name);
                goto out;
            }
            ents = grown;
            cap = ncap;
        }
        if ((rc = parse_entry(mem, e, &ents[n].e, msg, sizeof(msg))) < 0) {
            vt_err_set(err, rc, "%s: line %u: %s", name, line, msg);
            goto out;
        }
        ents[n].line = line;
        n++;
    }
    if (n == 0) {
        rc = vt_err_set(err, -EINVAL, "%s: no \"[mem ...]\" entries", name);
        goto out;
    }
    qsort(ents, n, sizeof(*ents), cmp_parsed);
    for (size_t i = 1; i < n; i++)
        if (ents[i].e.start < ents[i - 1].e.end) {
            rc = vt_err_set(err, -EINVAL,
                            "%s: line %u: [mem 0x%" PRIx64 "-0x%" PRIx64
                            "] overlaps line %u: [mem 0x%" PRIx64 "-0x%" PRIx64 "]",
                            name, ents[i].line, ents[i].e.start, ents[i].e.end - 1,
                            ents[i - 1].line, ents[i - 1].e.start, ents[i - 1].e.end - 1);
            goto out;
        }
    out = malloc(n * sizeof(*out));
    if (!out) {
        rc = vt_err_set(err, -ENOMEM, "%s: out of memory", name);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = ents[i].e;
    map->entries = out;
    map->n = n;
out:
    free(ents);
    return rc;
}

/* ---- maps of each kind -------------------------------------------------- */

static bool has_legacy_hole(enum vt_mem_layout kind)
{
    return kind == VT_MEM_QEMU_PC || kind == VT_MEM_QEMU_Q35 || kind == VT_MEM_XEN_HVM;
}

/* Checks shared by every built kind; the message names the kind. */
static int check_ram(enum vt_mem_layout kind, uint64_t ram, struct vt_err *err)
{
    struct szbuf a;

    if (ram == 0)
        return vt_err_set(err, -EINVAL, "memory layout %s: memory size is 0",
                          vt_mem_layout_name(kind));
    if (ram % VT_E820_PAGE)
        return vt_err_set(err, -EINVAL, "memory layout %s: memory %s is not a multiple of 4 KiB",
                          vt_mem_layout_name(kind), sz(&a, ram));
    if (has_legacy_hole(kind) && ram <= VT_LEGACY_HOLE_END)
        return vt_err_set(err, -EINVAL,
                          "memory layout %s: memory %s must be larger than the 1 MiB that "
                          "holds the legacy 640K-1M region",
                          vt_mem_layout_name(kind), sz(&a, ram));
    return 0;
}

int vt_memmap_split(enum vt_mem_layout kind, uint64_t ram, uint64_t *below_4g, uint64_t *above_4g,
                    struct vt_err *err)
{
    uint64_t lowmem, below, above;
    struct szbuf a;
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
    if (above > VT_PHYS_ADDR_LIMIT - FOUR_GIB)
        return vt_err_set(err, -ERANGE,
                          "memory layout %s: memory %s would end beyond the 52-bit "
                          "guest-physical address space",
                          vt_mem_layout_name(kind), sz(&a, ram));
    if (below_4g)
        *below_4g = below;
    if (above_4g)
        *above_4g = above;
    return 0;
}

int vt_memmap_build(enum vt_mem_layout kind, uint64_t ram, struct vt_e820 *map, struct vt_err *err)
{
    struct ebuf b = {0};
    uint64_t below, above;
    struct szbuf a;
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
                              sz(&a, ram));
        rc = ebuf_add(&b, 0, ram, VT_E820_RAM);
        break;
    case VT_MEM_QEMU_PC:
    case VT_MEM_QEMU_Q35:
    case VT_MEM_XEN_HVM:
        if ((rc = vt_memmap_split(kind, ram, &below, &above, err)) < 0)
            return rc;
        rc = ebuf_add(&b, 0, VT_LEGACY_HOLE_START, VT_E820_RAM);
        if (rc == 0)
            rc = ebuf_add(&b, VT_LEGACY_HOLE_START, VT_LEGACY_HOLE_END, VT_E820_RESERVED);
        if (rc == 0)
            rc = ebuf_add(&b, VT_LEGACY_HOLE_END, below, VT_E820_RAM);
        if (rc == 0)
            rc = ebuf_add(&b, FOUR_GIB, FOUR_GIB + above, VT_E820_RAM);
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
    struct vt_placed_range *r;
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
                struct szbuf a;

                return vt_err_set(err, -EINVAL,
                                  "vnode %zu: its memory ends at %s, inside the 640K-1M legacy "
                                  "hole; QEMU would then describe memory past the end of RAM",
                                  v, sz(&a, next));
            }
            rbuf_add(b, base, VT_LEGACY_HOLE_START, (unsigned)v);
            base = VT_LEGACY_HOLE_END;
            len = next - base;
        }
        if (base <= below_4g && next > below_4g) {
            rbuf_add(b, base, below_4g, (unsigned)v);
            len = next - below_4g;
            base = FOUR_GIB;
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
    const uint64_t hole_start = lowmem_end, hole_end = FOUR_GIB;
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
static void place_e820(const struct vt_e820 *map, const uint64_t *bytes, size_t nvnodes,
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

static bool same_map(const struct vt_e820 *a, const struct vt_e820 *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->entries[i].start != b->entries[i].start || a->entries[i].end != b->entries[i].end ||
            a->entries[i].type != b->entries[i].type)
            return false;
    return true;
}

int vt_memmap_place(enum vt_mem_layout kind, const struct vt_e820 *map, const uint64_t *bytes,
                    size_t nvnodes, struct vt_placed_range **ranges, size_t *nranges,
                    struct vt_err *err)
{
    struct rbuf b = {0};
    uint64_t total = 0, below = 0;
    struct szbuf a, c;
    int rc;

    if (!ranges || !nranges)
        return vt_err_set(err, -EINVAL, "memory placement: no output given");
    if (nvnodes == 0 || !bytes)
        return vt_err_set(err, -EINVAL, "memory placement: no vnodes");
    if (nvnodes > VT_MAX_VNODES)
        return vt_err_set(err, -EINVAL, "memory placement: %zu vnodes, at most %d", nvnodes,
                          VT_MAX_VNODES);
    if ((rc = map_check(map, err)) < 0)
        return rc;
    for (size_t v = 0; v < nvnodes; v++) {
        if (bytes[v] % VT_E820_PAGE)
            return vt_err_set(err, -EINVAL, "vnode %zu: memory %s is not a multiple of 4 KiB", v,
                              sz(&a, bytes[v]));
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
        struct vt_e820 want;
        bool same;

        if ((rc = vt_memmap_build(kind, total, &want, err)) < 0) {
            vt_err_prefix(err, "vnode memory totals %s: ", sz(&a, total));
            return rc;
        }
        same = same_map(map, &want);
        vt_e820_free(&want);
        if (!same)
            return vt_err_set(err, -EINVAL,
                              "vnode memory totals %s, but the memory map is not the %s map "
                              "for that size (it has %s of RAM)",
                              sz(&a, total), vt_mem_layout_name(kind),
                              sz(&c, vt_e820_ram_bytes(map)));
        if (kind != VT_MEM_FLAT && (rc = vt_memmap_split(kind, total, &below, NULL, err)) < 0)
            return rc;
        break;
    }
    case VT_MEM_E820:
        if (total != vt_e820_ram_bytes(map))
            return vt_err_set(err, -EINVAL,
                              "vnode memory totals %s, but the E820 map has %s of RAM",
                              sz(&a, total), sz(&c, vt_e820_ram_bytes(map)));
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
    const struct vt_placed_range *a = x, *b = y;

    return a->start < b->start ? -1 : a->start > b->start;
}

uint64_t vt_e820_uncovered_ram(const struct vt_e820 *map, const struct vt_placed_range *ranges,
                               size_t nranges)
{
    struct vt_placed_range *r = NULL;
    uint64_t uncovered = 0;
    size_t k = 0;

    if (!map)
        return 0;
    if (nranges) {
        r = malloc(nranges * sizeof(*r));
        if (!r)
            return vt_e820_ram_bytes(map); /* cannot tell: claim nothing is covered */
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

/* ---- trims -------------------------------------------------------------- */

/* The whole 4 KiB pages inside a RAM entry: [*first, *first + pages * 4K). A
 * firmware map's RAM need not be page-aligned (usable up to 0x9fbff); the
 * slivers outside whole pages cannot be kept at page granularity. */
static uint64_t whole_pages(const struct vt_e820_entry *e, uint64_t *first)
{
    uint64_t lo = (e->start + VT_E820_PAGE - 1) / VT_E820_PAGE * VT_E820_PAGE;
    uint64_t hi = e->end / VT_E820_PAGE * VT_E820_PAGE;

    if (e->start > UINT64_MAX - (VT_E820_PAGE - 1) || hi <= lo) {
        *first = e->end;
        return 0;
    }
    *first = lo;
    return (hi - lo) / VT_E820_PAGE;
}

/* Validates the arguments; *total_pages is the whole pages of RAM. */
static int trim_check(const struct vt_e820 *in, uint64_t budget, struct vt_e820 *out,
                      uint64_t *total_pages, struct vt_err *err)
{
    struct szbuf a, c;
    uint64_t first;
    int rc;

    if (!out)
        return vt_err_set(err, -EINVAL, "memory trim: no output given");
    if ((rc = map_check(in, err)) < 0)
        return rc;
    *total_pages = 0;
    for (size_t i = 0; i < in->n; i++)
        if (in->entries[i].type == VT_E820_RAM)
            *total_pages += whole_pages(&in->entries[i], &first);
    if (budget == 0 || budget % VT_E820_PAGE)
        return vt_err_set(err, -EINVAL,
                          "memory trim: budget %s must be a non-zero multiple of 4 KiB",
                          sz(&a, budget));
    if (budget / VT_E820_PAGE > *total_pages)
        return vt_err_set(err, -EINVAL,
                          "memory trim: budget %s exceeds the map's %s of RAM in whole 4 KiB "
                          "pages",
                          sz(&a, budget), sz(&c, *total_pages * VT_E820_PAGE));
    return 0;
}

/* keep[i] bytes from the first whole page of each RAM entry stay RAM; the
 * rest of the entry (slivers outside whole pages, the cut-off top) becomes
 * unusable. Other entries are copied. */
static int trim_emit(const struct vt_e820 *in, const uint64_t *keep, struct vt_e820 *out,
                     struct vt_err *err)
{
    struct ebuf b = {0};
    int rc = 0;

    for (size_t i = 0; i < in->n && rc == 0; i++) {
        const struct vt_e820_entry *e = &in->entries[i];
        uint64_t first;

        if (e->type != VT_E820_RAM) {
            rc = ebuf_add(&b, e->start, e->end, e->type);
            continue;
        }
        whole_pages(e, &first);
        rc = ebuf_add(&b, e->start, first, VT_E820_UNUSABLE);
        if (rc == 0)
            rc = ebuf_add(&b, first, first + keep[i], VT_E820_RAM);
        if (rc == 0)
            rc = ebuf_add(&b, first + keep[i], e->end, VT_E820_UNUSABLE);
    }
    if (rc < 0) {
        free(b.e);
        return vt_err_set(err, rc, "memory trim: out of memory");
    }
    out->entries = b.e;
    out->n = b.n;
    return 0;
}

__extension__ typedef unsigned __int128 u128;

int vt_e820_trim_proportional(const struct vt_e820 *in, uint64_t budget, struct vt_e820 *out,
                              struct vt_err *err)
{
    uint64_t total, *keep, pages_b = budget / VT_E820_PAGE;
    u128 acc = 0;
    int rc;

    if ((rc = trim_check(in, budget, out, &total, err)) < 0)
        return rc;
    keep = calloc(in->n ? in->n : 1, sizeof(*keep));
    if (!keep)
        return vt_err_set(err, -ENOMEM, "memory trim: out of memory");
    /*
     * In pages: entry i keeps floor((B * (P_0 + ... + P_i)) / T) minus what
     * the entries before it kept, i.e. its exact share B * P_i / T plus the
     * fraction carried over from them, rounded down. The carry never reaches
     * a page, so every entry is within one page of its share, never above its
     * size (B <= T), and the last one brings the sum to exactly B.
     */
    for (size_t i = 0; i < in->n; i++) {
        uint64_t first, pages;

        if (in->entries[i].type != VT_E820_RAM)
            continue;
        acc += (u128)pages_b * whole_pages(&in->entries[i], &first);
        pages = (uint64_t)(acc / total);
        acc %= total;
        keep[i] = pages * VT_E820_PAGE;
    }
    rc = trim_emit(in, keep, out, err);
    free(keep);
    return rc;
}

int vt_e820_trim_first_fit(const struct vt_e820 *in, uint64_t budget, struct vt_e820 *out,
                           struct vt_err *err)
{
    uint64_t total, *keep, left = budget / VT_E820_PAGE;
    int rc;

    if ((rc = trim_check(in, budget, out, &total, err)) < 0)
        return rc;
    keep = calloc(in->n ? in->n : 1, sizeof(*keep));
    if (!keep)
        return vt_err_set(err, -ENOMEM, "memory trim: out of memory");
    for (size_t i = 0; i < in->n; i++) {
        uint64_t first, pages;

        if (in->entries[i].type != VT_E820_RAM)
            continue;
        pages = whole_pages(&in->entries[i], &first);
        if (pages > left)
            pages = left;
        keep[i] = pages * VT_E820_PAGE;
        left -= pages;
    }
    rc = trim_emit(in, keep, out, err);
    free(keep);
    return rc;
}
