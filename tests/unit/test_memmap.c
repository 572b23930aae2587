/* Unit tests: guest memory maps of each kind (known answers from QEMU's and
 * libxl's rules), placement of vnode memory, trims, E820 text. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/vmm/memmap.h"
#include "plan/e820_trim.h"
#include "support.h"

#define K(x) ((uint64_t)(x) << 10)
#define M(x) ((uint64_t)(x) << 20)
#define G(x) ((uint64_t)(x) << 30)
#define G4   (UINT64_C(1) << 32)
#define LEG0 UINT64_C(0xa0000)
#define LEG1 UINT64_C(0x100000)

__extension__ typedef unsigned __int128 u128;

static unsigned seed_base;

/* A small deterministic generator per test (rand() state is shared). */
static uint64_t rng_state;

static void rng_seed(unsigned seed)
{
    rng_state = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
}

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t rng_below(uint64_t n)
{
    return n ? rng() % n : 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void expect_map(const struct e820_map *m, const struct vt_e820_entry *want, size_t n,
                       const char *what)
{
    if (m->n != n)
        fail_msg("%s: %zu entries, want %zu", what, m->n, n);
    for (size_t i = 0; i < n; i++)
        if (m->entries[i].start != want[i].start || m->entries[i].end != want[i].end ||
            m->entries[i].type != want[i].type)
            fail_msg("%s: entry %zu is 0x%" PRIx64 "-0x%" PRIx64 " type %" PRIu32
                     ", want 0x%" PRIx64 "-0x%" PRIx64 " type %" PRIu32,
                     what, i, m->entries[i].start, m->entries[i].end, m->entries[i].type,
                     want[i].start, want[i].end, want[i].type);
}

static void expect_ranges(const struct placed_range *r, size_t n, const struct placed_range *want,
                          size_t nwant, const char *what)
{
    if (n != nwant)
        fail_msg("%s: %zu ranges, want %zu", what, n, nwant);
    for (size_t i = 0; i < n; i++)
        if (r[i].start != want[i].start || r[i].end != want[i].end || r[i].vnode != want[i].vnode)
            fail_msg("%s: range %zu is vnode %u 0x%" PRIx64 "-0x%" PRIx64
                     ", want vnode %u 0x%" PRIx64 "-0x%" PRIx64,
                     what, i, r[i].vnode, r[i].start, r[i].end, want[i].vnode, want[i].start,
                     want[i].end);
}

/* Build and place in one go; fails the test on error. */
static void place_ok(enum vt_mem_layout kind, const uint64_t *bytes, size_t nv,
                     struct e820_map *map, struct placed_range **r, size_t *n)
{
    uint64_t total = 0;
    struct vt_err err;

    for (size_t i = 0; i < nv; i++)
        total += bytes[i];
    if (memmap_build(kind, total, map, &err) != 0)
        fail_msg("build %s %" PRIu64 ": %s", vt_mem_layout_name(kind), total, err.msg);
    if (memmap_place(kind, map, bytes, nv, r, n, &err) != 0)
        fail_msg("place %s: %s", vt_mem_layout_name(kind), err.msg);
}

/* ---- maps of each kind: known answers --------------------------------- */

struct split_case {
    enum vt_mem_layout kind;
    uint64_t ram, below, above;
};

/*
 * From QEMU pc_piix.c pc_init1() (lowmem 0xe0000000, 0xc0000000 once
 * ram >= 0xe0000000), pc_q35.c pc_q35_init() (lowmem 0xb0000000, 0x80000000
 * once ram >= 0xb0000000) and libxl__build_hvm() (mmio_start 0xf0000000).
 * QEMU's comment in pc_init1 gives "-M pc -m 4G -> 3072M low, 1024M high".
 */
static const struct split_case splits[] = {
    {VT_MEM_QEMU_PC, G(1), G(1), 0},
    {VT_MEM_QEMU_PC, G(2), G(2), 0},
    {VT_MEM_QEMU_PC, M(2816), M(2816), 0}, /* 2.75G */
    {VT_MEM_QEMU_PC, G(3), G(3), 0},
    {VT_MEM_QEMU_PC, M(3584) - M(2), M(3582), 0},
    {VT_MEM_QEMU_PC, M(3584), G(3), M(512)}, /* 3.5G: the split moves to 3G */
    {VT_MEM_QEMU_PC, G(4), G(3), G(1)},
    {VT_MEM_QEMU_PC, G(8), G(3), G(5)},
    {VT_MEM_QEMU_Q35, G(1), G(1), 0},
    {VT_MEM_QEMU_Q35, G(2), G(2), 0},
    {VT_MEM_QEMU_Q35, M(2816) - M(2), M(2814), 0},
    {VT_MEM_QEMU_Q35, M(2816), G(2), M(768)}, /* 2.75G: the split moves to 2G */
    {VT_MEM_QEMU_Q35, G(3), G(2), G(1)},
    {VT_MEM_QEMU_Q35, M(3584), G(2), M(1536)},
    {VT_MEM_QEMU_Q35, G(4), G(2), G(2)},
    {VT_MEM_QEMU_Q35, G(8), G(2), G(6)},
    {VT_MEM_XEN_HVM, G(1), G(1), 0},
    {VT_MEM_XEN_HVM, G(2), G(2), 0},
    {VT_MEM_XEN_HVM, G(3), G(3), 0},
    {VT_MEM_XEN_HVM, M(3840), M(3840), 0}, /* exactly mmio_start */
    {VT_MEM_XEN_HVM, M(3842), M(3840), M(2)},
    {VT_MEM_XEN_HVM, G(4), M(3840), M(256)},
    {VT_MEM_XEN_HVM, G(8), M(3840), M(4352)},
};

static void test_build_known(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
        const struct split_case *c = &splits[i];
        struct vt_e820_entry want[4] = {
            {0, LEG0, VT_E820_RAM},
            {LEG0, LEG1, VT_E820_RESERVED},
            {LEG1, c->below, VT_E820_RAM},
            {G4, G4 + c->above, VT_E820_RAM},
        };
        uint64_t below = 1, above = 1;
        struct e820_map m;
        struct vt_err err;
        char what[64];

        snprintf(what, sizeof(what), "%s %" PRIu64 " MiB", vt_mem_layout_name(c->kind),
                 c->ram >> 20);
        if (memmap_split(c->kind, c->ram, &below, &above, &err) != 0)
            fail_msg("%s: %s", what, err.msg);
        if (below != c->below || above != c->above)
            fail_msg("%s: split 0x%" PRIx64 "/0x%" PRIx64 ", want 0x%" PRIx64 "/0x%" PRIx64, what,
                     below, above, c->below, c->above);
        assert_int_equal(memmap_build(c->kind, c->ram, &m, &err), 0);
        expect_map(&m, want, c->above ? 4 : 3, what);
        /* The legacy hole is inside ram_size. */
        assert_int_equal(e820_ram_bytes(&m), c->ram - K(384));
        e820_free(&m);
        assert_null(m.entries);
        assert_int_equal(m.n, 0);
    }
}

static void test_build_flat(void **state)
{
    static const struct vt_e820_entry want[] = {{0, G(6), VT_E820_RAM}};
    struct e820_map m;
    struct vt_err err;

    (void)state;
    assert_int_equal(memmap_build(VT_MEM_FLAT, G(6), &m, &err), 0);
    expect_map(&m, want, 1, "flat 6G");
    assert_int_equal(e820_ram_bytes(&m), G(6));
    e820_free(&m);
    e820_free(NULL);
    /* Flat has no split. */
    assert_int_equal(memmap_split(VT_MEM_FLAT, G(6), NULL, NULL, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "flat has no below/above-4G split"));
}

static void test_build_bad(void **state)
{
    static const struct {
        enum vt_mem_layout kind;
        uint64_t ram;
        int code;
        const char *frag;
    } cases[] = {
        {VT_MEM_FLAT, 0, -EINVAL, "memory layout flat: memory size is 0"},
        {VT_MEM_QEMU_Q35, G(1) + 512, -EINVAL, "qemu-q35: memory 1073742336 B is not a multiple"},
        {VT_MEM_QEMU_PC, M(1), -EINVAL, "qemu-pc: memory 1 MiB must be larger than the 1 MiB"},
        {VT_MEM_XEN_HVM, K(640), -EINVAL, "xen-hvm: memory 640 KiB must be larger"},
        {VT_MEM_FLAT, (UINT64_C(1) << 52) + 4096, -ERANGE, "beyond the 52-bit"},
        {VT_MEM_QEMU_Q35, UINT64_C(1) << 52, -ERANGE, "qemu-q35: memory 4 PiB would end beyond"},
        {VT_MEM_E820, G(1), -EINVAL, "memory layout e820: the map is read from a file"},
        {VT_MEM_HOST, G(1), -EINVAL, "memory layout host: the map is shaped by the host"},
        {(enum vt_mem_layout)42, G(1), -EINVAL, "memory layout 42 is unknown"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct e820_map m = {(struct vt_e820_entry *)&m, 77};
        struct vt_err err;
        int rc = memmap_build(cases[i].kind, cases[i].ram, &m, &err);

        if (rc != cases[i].code || !strstr(err.msg, cases[i].frag))
            fail_msg("case %zu: got %d '%s', want %d '%s'", i, rc, err.msg, cases[i].code,
                     cases[i].frag);
        /* Never a partial output. */
        assert_ptr_equal(m.entries, (struct vt_e820_entry *)&m);
        assert_int_equal(m.n, 77);
    }
    /* The largest flat size is fine. */
    {
        struct e820_map m;

        assert_int_equal(memmap_build(VT_MEM_FLAT, UINT64_C(1) << 52, &m, NULL), 0);
        e820_free(&m);
    }
}

/* ---- placement: known answers ------------------------------------------ */

static void test_place_known(void **state)
{
    struct e820_map m;
    struct placed_range *r;
    size_t n;

    (void)state;
    {
        /* q35 -m 4G, two nodes of 2G: lowmem 2G; node 1 starts exactly at the
         * split, so build_srat puts all of it at 4G. */
        static const uint64_t b[] = {G(2), G(2)};
        static const struct placed_range want[] = {
            {0, LEG0, 0}, {LEG1, G(2), 0}, {G4, G4 + G(2), 1}};

        place_ok(VT_MEM_QEMU_Q35, b, 2, &m, &r, &n);
        expect_ranges(r, n, want, 3, "q35 2x2G");
        free(r);
        e820_free(&m);
    }
    {
        /* pc -m 4G, two nodes of 2G: lowmem 3G, node 1 split at 3G. */
        static const uint64_t b[] = {G(2), G(2)};
        static const struct placed_range want[] = {
            {0, LEG0, 0}, {LEG1, G(2), 0}, {G(2), G(3), 1}, {G4, G4 + G(1), 1}};

        place_ok(VT_MEM_QEMU_PC, b, 2, &m, &r, &n);
        expect_ranges(r, n, want, 4, "pc 2x2G");
        free(r);
        e820_free(&m);
    }
    {
        /* pc -m 4G, nodes 1G, 1G, 2G. */
        static const uint64_t b[] = {G(1), G(1), G(2)};
        static const struct placed_range want[] = {
            {0, LEG0, 0}, {LEG1, G(1), 0}, {G(1), G(2), 1}, {G(2), G(3), 2}, {G4, G4 + G(1), 2}};

        place_ok(VT_MEM_QEMU_PC, b, 3, &m, &r, &n);
        expect_ranges(r, n, want, 5, "pc 1G+1G+2G");
        free(r);
        e820_free(&m);
    }
    {
        /* q35 with an empty vnode 0: vnode 1 takes the legacy hole. */
        static const uint64_t b[] = {0, G(2), G(2)};
        static const struct placed_range want[] = {
            {0, LEG0, 1}, {LEG1, G(2), 1}, {G4, G4 + G(2), 2}};

        place_ok(VT_MEM_QEMU_Q35, b, 3, &m, &r, &n);
        expect_ranges(r, n, want, 3, "q35 0+2G+2G");
        free(r);
        e820_free(&m);
    }
    {
        /* q35 -m 8G, nodes 3G, 5G: node 0 crosses the 2G split. */
        static const uint64_t b[] = {G(3), G(5)};
        static const struct placed_range want[] = {
            {0, LEG0, 0}, {LEG1, G(2), 0}, {G4, G4 + G(1), 0}, {G4 + G(1), G4 + G(6), 1}};

        place_ok(VT_MEM_QEMU_Q35, b, 2, &m, &r, &n);
        expect_ranges(r, n, want, 4, "q35 3G+5G");
        free(r);
        e820_free(&m);
    }
    {
        /* Xen HVM 4G, two vnodes of 2G: libxl splits vnode 1 at 0xf0000000;
         * vnode 0 spans the legacy hole. */
        static const uint64_t b[] = {G(2), G(2)};
        static const struct placed_range want[] = {
            {0, G(2), 0}, {G(2), M(3840), 1}, {G4, G4 + M(256), 1}};

        place_ok(VT_MEM_XEN_HVM, b, 2, &m, &r, &n);
        expect_ranges(r, n, want, 3, "xen 2x2G");
        free(r);
        e820_free(&m);
    }
    {
        static const uint64_t b[] = {G(1), 0, G(1)};
        static const struct placed_range want[] = {{0, G(1), 0}, {G(1), G(2), 2}};

        place_ok(VT_MEM_FLAT, b, 3, &m, &r, &n);
        expect_ranges(r, n, want, 2, "flat 1G+0+1G");
        free(r);
        e820_free(&m);
    }
    {
        /* A custom E820: RAM entries 0-640K, 1M-3G (two adjacent entries),
         * 4G-6G (5G - 384K of RAM); vnodes 1G and the rest, in address order. */
        static const char *text =
            "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\n"
            "BIOS-e820: [mem 0x00000000000a0000-0x00000000000fffff] reserved\n"
            "BIOS-e820: [mem 0x0000000000100000-0x000000007fffffff] usable\n"
            "BIOS-e820: [mem 0x0000000080000000-0x00000000bfffffff] usable\n"
            "BIOS-e820: [mem 0x00000000c0000000-0x00000000ffffffff] reserved\n"
            "BIOS-e820: [mem 0x0000000100000000-0x000000017fffffff] usable\n";
        static const uint64_t b[] = {G(1), G(4) - K(384)};
        static const struct placed_range want[] = {
            {0, LEG0, 0}, {LEG1, G(1) + K(384), 0}, {G(1) + K(384), G(3), 1}, {G4, G4 + G(2), 1}};
        struct vt_err err;

        assert_int_equal(e820_parse(text, "custom", &m, &err), 0);
        if (memmap_place(VT_MEM_E820, &m, b, 2, &r, &n, &err) != 0)
            fail_msg("%s", err.msg);
        /* vnode 1's pieces in the two adjacent entries are merged. */
        expect_ranges(r, n, want, 4, "e820");
        assert_int_equal(e820_uncovered_ram(&m, r, n), 0);
        free(r);
        e820_free(&m);
    }
}

static void test_place_bad(void **state)
{
    struct e820_map q35, pc;
    struct placed_range *r = (struct placed_range *)&q35;
    size_t n = 99;
    struct vt_err err;
    static const uint64_t two2g[] = {G(2), G(2)};

    (void)state;
    assert_int_equal(memmap_build(VT_MEM_QEMU_Q35, G(4), &q35, NULL), 0);
    assert_int_equal(memmap_build(VT_MEM_QEMU_PC, G(4), &pc, NULL), 0);
#define BAD(kind, map, b, nv, code, frag)                                                          \
    do {                                                                                           \
        int rc_ = memmap_place(kind, map, b, nv, &r, &n, &err);                                    \
        if (rc_ != (code) || !strstr(err.msg, frag))                                               \
            fail_msg("line %d: got %d '%s', want %d '%s'", __LINE__, rc_, err.msg, code, frag);    \
        assert_ptr_equal(r, (struct placed_range *)&q35);                                          \
        assert_int_equal(n, 99);                                                                   \
    } while (0)
    {
        static const uint64_t b[] = {G(2), G(1)};

        BAD(VT_MEM_QEMU_Q35, &q35, b, 2, -EINVAL,
            "vnode memory totals 3 GiB, but the memory map is not the qemu-q35 map");
    }
    /* The pc map is not the q35 map for 4G. */
    BAD(VT_MEM_QEMU_Q35, &pc, two2g, 2, -EINVAL, "not the qemu-q35 map for that size");
    {
        static const uint64_t b[] = {G(2) + 512, G(2) - 512};

        BAD(VT_MEM_QEMU_Q35, &q35, b, 2, -EINVAL, "vnode 0: memory 2147484160 B is not a");
    }
    {
        /* vnode 0 of 800K ends inside the legacy hole. */
        static const uint64_t b[] = {K(800), G(4) - K(800)};
        struct e820_map m;

        assert_int_equal(memmap_build(VT_MEM_QEMU_Q35, G(4), &m, NULL), 0);
        BAD(VT_MEM_QEMU_Q35, &m, b, 2, -EINVAL,
            "vnode 0: its memory ends at 800 KiB, inside the 640K-1M legacy hole");
        e820_free(&m);
    }
    {
        static const uint64_t b[] = {0, 0};

        BAD(VT_MEM_QEMU_Q35, &q35, b, 2, -EINVAL, "every vnode has 0 bytes");
    }
    BAD(VT_MEM_HOST, &q35, two2g, 2, -EINVAL, "memory layout host: vnodes take their pnodes'");
    BAD(VT_MEM_E820, &q35, two2g, 2, -EINVAL,
        "vnode memory totals 4 GiB, but the E820 map has 4193920 KiB of RAM");
    BAD(VT_MEM_QEMU_Q35, &q35, two2g, 0, -EINVAL, "no vnodes");
    BAD(VT_MEM_QEMU_Q35, NULL, two2g, 2, -EINVAL, "no map given");
    {
        static const uint64_t b[] = {UINT64_MAX - 4095, 4096};

        BAD(VT_MEM_FLAT, &q35, b, 2, -ERANGE, "overflow");
    }
    {
        /* An unsorted map handed in by a caller. */
        struct vt_e820_entry e[] = {{G(1), G(2), VT_E820_RAM}, {0, G(1), VT_E820_RAM}};
        struct e820_map bad = {e, 2};

        BAD(VT_MEM_E820, &bad, two2g, 2, -EINVAL,
            "memory map: entry 1 (0x0-0x40000000) overlaps or precedes entry 0");
    }
#undef BAD
    e820_free(&q35);
    e820_free(&pc);
}

/* ---- placement: properties --------------------------------------------- */

/* A random E820 map: 1-12 RAM entries with reserved entries and gaps between
 * them, page-aligned, from a random base. */
static void random_e820(struct e820_map *m)
{
    size_t cap = 40, n = 0, nram = 1 + (size_t)rng_below(12);
    uint64_t pos = rng_below(4) * M(1);

    m->entries = calloc(cap, sizeof(*m->entries));
    assert_non_null(m->entries);
    for (size_t i = 0; i < nram; i++) {
        uint64_t len = (1 + rng_below(rng_below(2) ? 64 : 4096)) * 4096;

        if (rng_below(3) == 0 && pos) {
            /* adjacent RAM entry: no gap */
        } else if (rng_below(2)) {
            uint64_t rlen = (1 + rng_below(256)) * 4096;

            m->entries[n++] = (struct vt_e820_entry){pos, pos + rlen, VT_E820_RESERVED};
            pos += rlen + rng_below(3) * M(1);
        } else {
            pos += (1 + rng_below(1024)) * 4096;
        }
        m->entries[n++] = (struct vt_e820_entry){pos, pos + len, VT_E820_RAM};
        pos += len;
    }
    m->n = n;
}

/* Split total into nv vnode sizes, multiples of unit, some of them zero. */
static void random_split(uint64_t total, uint64_t unit, uint64_t *b, size_t nv)
{
    uint64_t units = total / unit, left = units;

    for (size_t i = 0; i < nv; i++)
        b[i] = 0;
    for (size_t i = 0; i + 1 < nv; i++) {
        uint64_t take = rng_below(4) == 0 ? 0 : rng_below(left + 1);

        if (rng_below(2))
            take = left / (nv - i); /* near-even splits too */
        b[i] = take * unit;
        left -= take;
    }
    b[nv - 1] = left * unit;
    /* Shuffle so the big remainder is not always last. */
    for (size_t i = nv; i > 1; i--) {
        size_t j = (size_t)rng_below(i);
        uint64_t t = b[i - 1];

        b[i - 1] = b[j];
        b[j] = t;
    }
}

static uint64_t overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
    uint64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;

    return hi > lo ? hi - lo : 0;
}

/* RAM of the map not covered by the ranges, computed page by page in
 * entry-sized steps (independent of e820_uncovered_ram). */
static uint64_t uncovered(const struct e820_map *m, const struct placed_range *r, size_t n)
{
    uint64_t total = 0;

    for (size_t i = 0; i < m->n; i++) {
        uint64_t cov = 0;

        if (m->entries[i].type != VT_E820_RAM)
            continue;
        /* Ranges are non-overlapping (checked by the caller): sum overlaps. */
        for (size_t j = 0; j < n; j++)
            cov += overlap(m->entries[i].start, m->entries[i].end, r[j].start, r[j].end);
        total += m->entries[i].end - m->entries[i].start - cov;
    }
    return total;
}

static bool inside_ram(const struct e820_map *m, uint64_t s, uint64_t e, bool legacy_ok)
{
    uint64_t pos = s;

    /* Walk the map: [s, e) must be covered by contiguous RAM (or legacy). */
    for (size_t i = 0; i < m->n && pos < e; i++) {
        const struct vt_e820_entry *x = &m->entries[i];
        bool ok = x->type == VT_E820_RAM ||
                  (legacy_ok && x->start == LEG0 && x->end == LEG1 && x->type == VT_E820_RESERVED);

        if (x->end <= pos)
            continue;
        if (!ok || x->start > pos)
            return false;
        pos = x->end;
    }
    return pos >= e;
}

static void check_placement(enum vt_mem_layout kind, const struct e820_map *m, const uint64_t *b,
                            size_t nv, const struct placed_range *r, size_t n, unsigned seed)
{
    uint64_t got[64] = {0}, share0 = 0;
    bool qemu = kind == VT_MEM_QEMU_PC || kind == VT_MEM_QEMU_Q35;

    for (size_t i = 0; i < n; i++) {
        if (r[i].end <= r[i].start || r[i].start % 4096 || r[i].end % 4096)
            fail_msg("seed %u %s: range %zu 0x%" PRIx64 "-0x%" PRIx64 " empty or unaligned", seed,
                     vt_mem_layout_name(kind), i, r[i].start, r[i].end);
        if (i && r[i].start < r[i - 1].end)
            fail_msg("seed %u %s: range %zu overlaps or is out of order", seed,
                     vt_mem_layout_name(kind), i);
        if (i && r[i].vnode < r[i - 1].vnode)
            fail_msg("seed %u %s: vnode order is not address order at range %zu", seed,
                     vt_mem_layout_name(kind), i);
        if (i && r[i].vnode == r[i - 1].vnode && r[i].start == r[i - 1].end)
            fail_msg("seed %u %s: ranges %zu and %zu not merged", seed, vt_mem_layout_name(kind),
                     i - 1, i);
        if (r[i].vnode >= nv || b[r[i].vnode] == 0)
            fail_msg("seed %u %s: range %zu for vnode %u with no memory", seed,
                     vt_mem_layout_name(kind), i, r[i].vnode);
        if (!inside_ram(m, r[i].start, r[i].end, kind == VT_MEM_XEN_HVM))
            fail_msg("seed %u %s: range %zu 0x%" PRIx64 "-0x%" PRIx64 " is not inside RAM", seed,
                     vt_mem_layout_name(kind), i, r[i].start, r[i].end);
        got[r[i].vnode] += r[i].end - r[i].start;
    }
    for (size_t v = 0; v < nv; v++) {
        /* The QEMU kinds: the share spanning 640K-1M loses the hole. */
        uint64_t want = b[v] - (qemu ? overlap(share0, share0 + b[v], LEG0, LEG1) : 0);

        if (got[v] != want)
            fail_msg("seed %u %s: vnode %zu has %" PRIu64 " bytes of ranges, want %" PRIu64, seed,
                     vt_mem_layout_name(kind), v, got[v], want);
        share0 += b[v];
    }
    /* Every byte of RAM is covered (Linux tolerates at most 1 MiB). */
    if (uncovered(m, r, n) != 0 || e820_uncovered_ram(m, r, n) != 0)
        fail_msg("seed %u %s: %" PRIu64 " bytes of RAM uncovered (library says %" PRIu64 ")", seed,
                 vt_mem_layout_name(kind), uncovered(m, r, n), e820_uncovered_ram(m, r, n));
}

static void test_place_property(void **state)
{
    static const enum vt_mem_layout kinds[] = {VT_MEM_FLAT, VT_MEM_QEMU_PC, VT_MEM_QEMU_Q35,
                                               VT_MEM_XEN_HVM, VT_MEM_E820};
    unsigned rejected = 0, placed = 0;

    (void)state;
    for (unsigned iter = 0; iter < 6000; iter++) {
        unsigned seed = seed_base + iter;
        enum vt_mem_layout kind;
        size_t nv, n;
        uint64_t b[64], total, unit;
        struct e820_map m;
        struct placed_range *r;
        struct vt_err err;
        int rc;

        rng_seed(seed);
        kind = kinds[rng_below(5)];
        nv = 1 + (size_t)rng_below(rng_below(4) ? 8 : 64);
        /* Mostly 2 MiB granules (what the planner uses), some 4 KiB pages. */
        unit = rng_below(4) ? M(2) : 4096;
        if (kind == VT_MEM_E820) {
            random_e820(&m);
            total = e820_ram_bytes(&m);
            unit = 4096;
        } else {
            /* Sizes around the split points, and up to 64G. */
            static const uint64_t around[] = {M(2816), M(3584), M(3840), G(4), M(1536)};

            total = rng_below(2) ? around[rng_below(5)] + (rng_below(65) - 32) * M(2)
                                 : (1 + rng_below(G(64) / unit)) * unit;
            if (total <= M(2))
                total = M(4);
            assert_int_equal(memmap_build(kind, total, &m, &err), 0);
        }
        random_split(total, unit, b, nv);
        rc = memmap_place(kind, &m, b, nv, &r, &n, &err);
        if (rc != 0) {
            /* Only a QEMU vnode ending inside the legacy hole may be refused. */
            uint64_t end = 0;
            bool in_hole = false;

            for (size_t v = 0; v < nv; v++) {
                end += b[v];
                in_hole |= b[v] && end > LEG0 && end < LEG1;
            }
            if (!(kind == VT_MEM_QEMU_PC || kind == VT_MEM_QEMU_Q35) || !in_hole ||
                !strstr(err.msg, "legacy hole"))
                fail_msg("seed %u %s: %s", seed, vt_mem_layout_name(kind), err.msg);
            rejected++;
        } else {
            check_placement(kind, &m, b, nv, r, n, seed);
            free(r);
            placed++;
        }
        e820_free(&m);
    }
    assert_true(placed > 5000);
    printf("placement: %u placed, %u refused (vnode ending inside 640K-1M)\n", placed, rejected);
}

/* ---- trims --------------------------------------------------------------- */

static void test_trim_known(void **state)
{
    struct vt_err err;
    struct e820_map out;

    (void)state;
    {
        /* Three RAM pages, budget two: the carry gives 0, 1, 1. */
        struct vt_e820_entry in_e[] = {
            {0, 4096, VT_E820_RAM}, {8192, 12288, VT_E820_RAM}, {16384, 20480, VT_E820_RAM}};
        struct e820_map in = {in_e, 3};
        static const struct vt_e820_entry want[] = {
            {0, 4096, VT_E820_UNUSABLE}, {8192, 12288, VT_E820_RAM}, {16384, 20480, VT_E820_RAM}};

        assert_int_equal(e820_trim_proportional(&in, 8192, &out, &err), 0);
        expect_map(&out, want, 3, "proportional 1+1+1 pages to 2");
        e820_free(&out);
    }
    {
        /* Two host nodes of 64G each, a 32G guest: 16G from each,
         * first-fit takes all 32G from node 0. */
        struct vt_e820_entry in_e[] = {{0, LEG0, VT_E820_RESERVED},
                                       {G4, G4 + G(64), VT_E820_RAM},
                                       {G4 + G(64), G4 + G(128), VT_E820_RAM}};
        struct e820_map in = {in_e, 3};
        static const struct vt_e820_entry prop[] = {{0, LEG0, VT_E820_RESERVED},
                                                    {G4, G4 + G(16), VT_E820_RAM},
                                                    {G4 + G(16), G4 + G(64), VT_E820_UNUSABLE},
                                                    {G4 + G(64), G4 + G(80), VT_E820_RAM},
                                                    {G4 + G(80), G4 + G(128), VT_E820_UNUSABLE}};
        static const struct vt_e820_entry ff[] = {{0, LEG0, VT_E820_RESERVED},
                                                  {G4, G4 + G(32), VT_E820_RAM},
                                                  {G4 + G(32), G4 + G(64), VT_E820_UNUSABLE},
                                                  {G4 + G(64), G4 + G(128), VT_E820_UNUSABLE}};

        assert_int_equal(e820_trim_proportional(&in, G(32), &out, &err), 0);
        expect_map(&out, prop, 5, "proportional 64G+64G to 32G");
        e820_free(&out);
        assert_int_equal(e820_trim_first_fit(&in, G(32), &out, &err), 0);
        expect_map(&out, ff, 4, "first fit 64G+64G to 32G");
        e820_free(&out);
        /* The whole budget keeps the map as it is. */
        assert_int_equal(e820_trim_proportional(&in, G(128), &out, &err), 0);
        expect_map(&out, in_e, 3, "proportional to all");
        e820_free(&out);
    }
}

static void test_trim_unaligned(void **state)
{
    /* A firmware map: RAM up to 0x9fbff, a RAM entry smaller than a page. */
    struct vt_e820_entry in_e[] = {{0, 0x9fc00, VT_E820_RAM},
                                   {0x9fc00, 0xa0000, VT_E820_RESERVED},
                                   {0xf0800, 0xf0c00, VT_E820_RAM},
                                   {M(1) + 0x10, M(4), VT_E820_RAM}};
    struct e820_map in = {in_e, 4}, out;
    static const struct vt_e820_entry all[] = {{0, 0x9f000, VT_E820_RAM},
                                               {0x9f000, 0x9fc00, VT_E820_UNUSABLE},
                                               {0x9fc00, 0xa0000, VT_E820_RESERVED},
                                               {0xf0800, 0xf0c00, VT_E820_UNUSABLE},
                                               {M(1) + 0x10, M(1) + 0x1000, VT_E820_UNUSABLE},
                                               {M(1) + 0x1000, M(4), VT_E820_RAM}};
    static const struct vt_e820_entry ff[] = {{0, 0x9f000, VT_E820_RAM},
                                              {0x9f000, 0x9fc00, VT_E820_UNUSABLE},
                                              {0x9fc00, 0xa0000, VT_E820_RESERVED},
                                              {0xf0800, 0xf0c00, VT_E820_UNUSABLE},
                                              {M(1) + 0x10, M(1) + 0x1000, VT_E820_UNUSABLE},
                                              {M(1) + 0x1000, M(2), VT_E820_RAM},
                                              {M(2), M(4), VT_E820_UNUSABLE}};
    struct vt_err err;
    /* 159 + 767 whole pages. */
    const uint64_t pages = 159 + 767;

    (void)state;
    assert_int_equal(e820_trim_proportional(&in, pages * 4096, &out, &err), 0);
    expect_map(&out, all, 6, "proportional, unaligned, whole budget");
    assert_int_equal(e820_ram_bytes(&out), pages * 4096);
    e820_free(&out);
    assert_int_equal(e820_trim_first_fit(&in, 0x9f000 + M(1) - 0x1000, &out, &err), 0);
    expect_map(&out, ff, 7, "first fit, unaligned");
    e820_free(&out);
}

static void test_trim_bad(void **state)
{
    struct vt_e820_entry ok_e[] = {{0, M(4), VT_E820_RAM}};
    struct vt_e820_entry unal_e[] = {{0, 0x9fc00, VT_E820_RAM}, {M(1), M(4), VT_E820_RAM}};
    struct vt_e820_entry ovl_e[] = {{0, M(4), VT_E820_RAM}, {M(2), M(8), VT_E820_RAM}};
    struct e820_map ok = {ok_e, 1}, unal = {unal_e, 2}, ovl = {ovl_e, 2};
    static const struct {
        int which;
        uint64_t budget;
        const char *frag;
    } cases[] = {
        {0, 0, "budget 0 B must be a non-zero multiple of 4 KiB"},
        {0, 1000, "budget 1000 B must be"},
        {0, M(8), "budget 8 MiB exceeds the map's 4 MiB of RAM"},
        /* 3711 KiB of RAM, 3708 KiB of it in whole pages. */
        {1, K(3712), "budget 3712 KiB exceeds the map's 3708 KiB of RAM in whole 4 KiB pages"},
        {2, M(1), "entry 1 (0x200000-0x800000) overlaps or precedes entry 0"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct e820_map *in = cases[i].which == 0 ? &ok : cases[i].which == 1 ? &unal : &ovl;

        for (int ff = 0; ff < 2; ff++) {
            struct e820_map out = {NULL, 55};
            struct vt_err err;
            int rc = ff ? e820_trim_first_fit(in, cases[i].budget, &out, &err)
                        : e820_trim_proportional(in, cases[i].budget, &out, &err);

            if (rc != -EINVAL || !strstr(err.msg, cases[i].frag))
                fail_msg("case %zu (%s): got %d '%s', want '%s'", i, ff ? "first fit" : "prop", rc,
                         err.msg, cases[i].frag);
            assert_int_equal(out.n, 55);
        }
    }
}

/* The first whole page of a RAM entry (its end when it has none). */
static uint64_t first_page(const struct vt_e820_entry *e, uint64_t *pages)
{
    uint64_t lo = (e->start + 4095) / 4096 * 4096, hi = e->end / 4096 * 4096;

    *pages = hi > lo ? (hi - lo) / 4096 : 0;
    return hi > lo ? lo : e->end;
}

/* The trimmed map is the input with each RAM entry cut into an unusable
 * sliver before its first whole page, a kept RAM part and an unusable rest;
 * returns the kept bytes of input entry i in keep[i]. */
static void check_trim_shape(const struct e820_map *in, const struct e820_map *out, uint64_t *keep,
                             unsigned seed)
{
    size_t j = 0;

    for (size_t i = 0; i < in->n; i++) {
        const struct vt_e820_entry *e = &in->entries[i];
        uint64_t pages, first = first_page(e, &pages);

        keep[i] = 0;
        if (e->type != VT_E820_RAM) {
            if (j >= out->n || out->entries[j].start != e->start || out->entries[j].end != e->end ||
                out->entries[j].type != e->type)
                fail_msg("seed %u: non-RAM entry %zu not copied", seed, i);
            j++;
            continue;
        }
        if (first > e->start) {
            if (j >= out->n || out->entries[j].start != e->start || out->entries[j].end != first ||
                out->entries[j].type != VT_E820_UNUSABLE)
                fail_msg("seed %u: RAM entry %zu: sliver before the first page is not unusable",
                         seed, i);
            j++;
        }
        if (j < out->n && out->entries[j].start == first && out->entries[j].type == VT_E820_RAM) {
            keep[i] = out->entries[j].end - first;
            j++;
        }
        if (first + keep[i] < e->end) {
            if (j >= out->n || out->entries[j].start != first + keep[i] ||
                out->entries[j].end != e->end || out->entries[j].type != VT_E820_UNUSABLE)
                fail_msg("seed %u: RAM entry %zu: cut part is not unusable", seed, i);
            j++;
        }
        if (keep[i] % 4096 || keep[i] > pages * 4096)
            fail_msg("seed %u: entry %zu keeps %" PRIu64 " bytes of %" PRIu64 " whole pages", seed,
                     i, keep[i], pages);
    }
    if (j != out->n)
        fail_msg("seed %u: %zu extra output entries", seed, out->n - j);
}

static void test_trim_property(void **state)
{
    (void)state;
    for (unsigned iter = 0; iter < 3000; iter++) {
        unsigned seed = seed_base + iter;
        struct e820_map in, prop, ff;
        uint64_t total, budget, kp[64], kf[64], sum_p = 0, sum_f = 0;
        struct vt_err err;
        size_t first_ram = SIZE_MAX, partial = 0;
        bool exhausted = false;

        rng_seed(seed);
        random_e820(&in);
        if (rng_below(3) == 0) {
            /* Firmware-like maps: RAM entries not page-aligned. */
            for (size_t i = 0; i < in.n; i++) {
                struct vt_e820_entry *e = &in.entries[i];
                uint64_t lo = rng_below(4096), hi = rng_below(4096);

                if (e->type == VT_E820_RAM && e->end - e->start > lo + hi) {
                    e->start += lo;
                    e->end -= hi;
                }
            }
        }
        total = 0;
        for (size_t i = 0; i < in.n; i++) {
            uint64_t pages;

            if (in.entries[i].type == VT_E820_RAM) {
                first_page(&in.entries[i], &pages);
                total += pages * 4096;
            }
        }
        if (total == 0) {
            e820_free(&in);
            continue;
        }
        budget = (1 + rng_below(total / 4096)) * 4096;
        if (e820_trim_proportional(&in, budget, &prop, &err) != 0 ||
            e820_trim_first_fit(&in, budget, &ff, &err) != 0)
            fail_msg("seed %u: %s", seed, err.msg);
        assert_true(in.n <= 64);
        check_trim_shape(&in, &prop, kp, seed);
        check_trim_shape(&in, &ff, kf, seed);
        if (e820_ram_bytes(&prop) != budget || e820_ram_bytes(&ff) != budget)
            fail_msg("seed %u: trimmed RAM %" PRIu64 " / %" PRIu64 ", want %" PRIu64, seed,
                     e820_ram_bytes(&prop), e820_ram_bytes(&ff), budget);
        for (size_t i = 0; i < in.n; i++) {
            const struct vt_e820_entry *e = &in.entries[i];
            uint64_t size;
            u128 exact_num, kept_num, diff; /* the share is exact_num / total */

            if (e->type != VT_E820_RAM)
                continue;
            first_page(e, &size);
            size *= 4096;
            exact_num = (u128)budget * size;
            kept_num = (u128)kp[i] * total;
            diff = kept_num > exact_num ? kept_num - exact_num : exact_num - kept_num;
            if (first_ram == SIZE_MAX)
                first_ram = i;
            /* Within one page of the exact proportional share. */
            if (diff >= (u128)4096 * total)
                fail_msg("seed %u: entry %zu keeps %" PRIu64 " of %" PRIu64
                         ", more than a page from its share",
                         seed, i, kp[i], size);
            /* First fit: whole entries, then one partial, then nothing. */
            if (exhausted && kf[i])
                fail_msg("seed %u: first fit keeps entry %zu after the budget ran out", seed, i);
            if (kf[i] < size) {
                exhausted = true;
                partial += kf[i] != 0;
            }
            sum_p += kp[i];
            sum_f += kf[i];
        }
        assert_true(partial <= 1);
        assert_int_equal(sum_p, budget);
        assert_int_equal(sum_f, budget);
        /* First fit piles onto the lowest entry: never less than its share. */
        assert_true(kf[first_ram] >= kp[first_ram]);
        e820_free(&in);
        e820_free(&prop);
        e820_free(&ff);
    }
}

/* ---- E820 text ----------------------------------------------------------- */

static void test_format_known(void **state)
{
    static const struct vt_e820_entry e[] = {
        {0, 0x9fc00, VT_E820_RAM},
        {0x9fc00, 0xa0000, VT_E820_RESERVED},
        {0xf0000, 0x100000, VT_E820_RESERVED},
        {0x100000, 0x7ffdc000, VT_E820_RAM},
        {0x7ffdc000, 0x7ffe0000, VT_E820_ACPI},
        {0x7ffe0000, 0x80000000, VT_E820_NVS},
        {0xb0000000, 0xc0000000, VT_E820_UNUSABLE},
        {G4, G4 + G(1), VT_E820_PMEM},
        {G4 + G(1), G4 + G(2), VT_E820_PRAM},
        {G4 + G(2), G4 + G(3), VT_E820_SOFT_RESERVED},
        {G4 + G(3), G4 + G(4), 9},
    };
    static const char *want = "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
                              "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
                              "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved\n"
                              "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdbfff] usable\n"
                              "BIOS-e820: [mem 0x000000007ffdc000-0x000000007ffdffff] ACPI data\n"
                              "BIOS-e820: [mem 0x000000007ffe0000-0x000000007fffffff] ACPI NVS\n"
                              "BIOS-e820: [mem 0x00000000b0000000-0x00000000bfffffff] unusable\n"
                              "BIOS-e820: [mem 0x0000000100000000-0x000000013fffffff] persistent "
                              "(type 7)\n"
                              "BIOS-e820: [mem 0x0000000140000000-0x000000017fffffff] persistent "
                              "(type 12)\n"
                              "BIOS-e820: [mem 0x0000000180000000-0x00000001bfffffff] soft "
                              "reserved\n"
                              "BIOS-e820: [mem 0x00000001c0000000-0x00000001ffffffff] type 9\n";
    struct e820_map m;
    struct vt_err err;
    char *text;

    (void)state;
    assert_int_equal(e820_format(e, 11, &text), 0);
    assert_string_equal(text, want);
    assert_int_equal(e820_parse(text, "fmt", &m, &err), 0);
    expect_map(&m, e, 11, "parse(format)");
    e820_free(&m);
    free(text);

    assert_int_equal(e820_format(e, 0, &text), 0);
    assert_string_equal(text, "");
    free(text);
    {
        struct vt_e820_entry bad[] = {{0x1000, 0x1000, VT_E820_RAM}};

        text = (char *)bad;
        assert_int_equal(e820_format(bad, 1, &text), -EINVAL);
        assert_ptr_equal(text, (char *)bad);
    }
    assert_int_equal(e820_format(NULL, 1, &text), -EINVAL);
}

static void test_parse_forms(void **state)
{
    /* A dmesg excerpt of an older kernel (timestamps, header), and the names
     * and gap lines of newer kernels; unsorted input is sorted. */
    static const char *old_log =
        "[    0.000000] BIOS-provided physical RAM map:\r\n"
        "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff] usable\r\n"
        "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
        "[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
        "\n"
        "# a comment\n"
        "   [    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved   \n"
        "[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000023fffffff] usable";
    static const char *new_log =
        "BIOS-provided physical RAM map:\n"
        "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff]  System RAM\n"
        "BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff]  device reserved\n"
        "BIOS-e820: [gap 0x00000000000a0000-0x00000000000effff]\n"
        "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff]  device reserved\n"
        "BIOS-e820: [mem 0x0000000000100000-0x00000000bffdffff]  SYSTEM ram\n"
        "BIOS-e820: [mem 0x0000000100000000-0x000000023fffffff]  persistent RAM (type 12)\n"
        "BIOS-e820: [mem 0x0000000240000000-0x000000024fffffff]  type 4294967295\n"
        "modified: [mem 0x250000000-0x250000fff] ACPI NVS\n";
    static const struct vt_e820_entry old_want[] = {
        {0, 0x9fc00, VT_E820_RAM},
        {0x9fc00, 0xa0000, VT_E820_RESERVED},
        {0xf0000, 0x100000, VT_E820_RESERVED},
        {0x100000, 0xbffe0000, VT_E820_RAM},
        {G4, 0x240000000, VT_E820_RAM},
    };
    static const struct vt_e820_entry new_want[] = {
        {0, 0x9fc00, VT_E820_RAM},
        {0x9fc00, 0xa0000, VT_E820_RESERVED},
        {0xf0000, 0x100000, VT_E820_RESERVED},
        {0x100000, 0xbffe0000, VT_E820_RAM},
        {G4, 0x240000000, VT_E820_PRAM},
        {0x240000000, 0x250000000, UINT32_MAX},
        {0x250000000, 0x250001000, VT_E820_NVS},
    };
    struct e820_map m;
    struct vt_err err;

    (void)state;
    if (e820_parse(old_log, "old", &m, &err) != 0)
        fail_msg("%s", err.msg);
    expect_map(&m, old_want, 5, "old log");
    assert_int_equal(e820_ram_bytes(&m), 0x9fc00 + 0xbfee0000 + G(5));
    e820_free(&m);
    if (e820_parse(new_log, NULL, &m, &err) != 0)
        fail_msg("%s", err.msg);
    expect_map(&m, new_want, 7, "new log");
    e820_free(&m);
}

static void test_parse_roundtrip(void **state)
{
    static const uint32_t types[] = {VT_E820_RAM,  VT_E820_RESERVED,      VT_E820_ACPI,
                                     VT_E820_NVS,  VT_E820_UNUSABLE,      VT_E820_PMEM,
                                     VT_E820_PRAM, VT_E820_SOFT_RESERVED, 6,
                                     13,           UINT32_MAX - 1};

    (void)state;
    for (unsigned iter = 0; iter < 2000; iter++) {
        unsigned seed = seed_base + iter;
        struct vt_e820_entry e[32];
        size_t n = 1 + (size_t)rng_below(32);
        uint64_t pos;
        struct e820_map m, m2;
        struct vt_err err;
        char *text, *text2;

        rng_seed(seed);
        pos = rng_below(1 << 20);
        for (size_t i = 0; i < n; i++) {
            /* Byte-granular, as real maps are (0x9fbff). */
            uint64_t len = 1 + rng_below(rng_below(2) ? 4096 : UINT64_C(1) << 40);

            pos += rng_below(2) ? 0 : rng_below(UINT64_C(1) << 36);
            if (pos + len >= VT_PHYS_ADDR_LIMIT) {
                n = i;
                break;
            }
            e[i] = (struct vt_e820_entry){pos, pos + len, types[rng_below(11)]};
            pos += len;
        }
        if (n == 0)
            continue;
        assert_int_equal(e820_format(e, n, &text), 0);
        if (e820_parse(text, "rt", &m, &err) != 0)
            fail_msg("seed %u: %s\n%s", seed, err.msg, text);
        expect_map(&m, e, n, "round trip");
        assert_int_equal(e820_format(m.entries, m.n, &text2), 0);
        assert_string_equal(text, text2);
        assert_int_equal(e820_parse(text2, "rt2", &m2, &err), 0);
        expect_map(&m2, m.entries, m.n, "round trip 2");
        e820_free(&m);
        e820_free(&m2);
        free(text);
        free(text2);
    }
}

static void test_parse_malformed(void **state)
{
    static const struct {
        const char *text;
        int code;
        const char *frag;
    } cases[] = {
        {"", -EINVAL, "t.e820: no \"[mem ...]\" entries"},
        {"# only a comment\n\n", -EINVAL, "no \"[mem ...]\" entries"},
        {"BIOS-provided physical RAM map:\n", -EINVAL, "no \"[mem ...]\" entries"},
        {"garbage\n", -EINVAL,
         "t.e820: line 1: expected \"[mem 0xSTART-0xEND] TYPE\", found \"garbage\""},
        {"\n# c\n\n  junk here  \n", -EINVAL,
         "line 4: expected \"[mem 0xSTART-0xEND] TYPE\", "
         "found \"junk here\""},
        {"[mem 0x1000-0x0fff] usable", -EINVAL,
         "line 1: inverted: end 0xfff is below start 0x1000"},
        {"[mem 0x2000-0x0] usable", -EINVAL, "inverted"},
        {"[mem 0x0-0xfff] usable\n[mem 0x800-0x1fff] reserved\n", -EINVAL,
         "t.e820: line 2: [mem 0x800-0x1fff] overlaps line 1: [mem 0x0-0xfff]"},
        {"[mem 0x1000-0x1fff] usable\n[mem 0x0-0x1000] reserved\n", -EINVAL,
         "line 1: [mem 0x1000-0x1fff] overlaps line 2: [mem 0x0-0x1000]"},
        {"[mem 0x0-0x1fff] usable\n[mem 0x0-0x1fff] usable\n", -EINVAL,
         "line 2: [mem 0x0-0x1fff] overlaps line 1"},
        {"[mem 0x0-0x10000000000000000] usable", -ERANGE, "end: more than 16 hexadecimal digits"},
        {"[mem 0x00000000000000000000000-0x1] usable", -ERANGE, "start: more than 16"},
        {"[mem 0xffffffffffffffff-0xffffffffffffffff] usable", -ERANGE,
         "end 0xffffffffffffffff is beyond the 52-bit physical address space"},
        {"[mem 0x0-0x10000000000000] usable", -ERANGE, "beyond the 52-bit"},
        {"[mem 0x0-0xfff] bogus", -EINVAL, "line 1: unknown type \"bogus\" (expected usable"},
        {"[mem 0x0-0xfff]", -EINVAL, "expected a type name after ']'"},
        {"[mem 0x0-0xfff]usable", -EINVAL, "expected a type name after ']'"},
        {"[mem 0x0 0xfff] usable", -EINVAL, "expected '-' after the start address"},
        {"[mem 0-0xfff] usable", -EINVAL, "start: expected a hexadecimal number with 0x"},
        {"[mem 0x0-fff] usable", -EINVAL, "end: expected a hexadecimal number with 0x"},
        {"[mem 0x-0xfff] usable", -EINVAL, "start: no digits after 0x"},
        {"[mem 0x0-0xfff usable", -EINVAL, "expected ']' after the end address"},
        {"[mem 0x0-0xfffg] usable", -EINVAL, "expected ']' after the end address"},
        {"[mem 0x0-0xfff] type 0", -EINVAL, "unknown type \"type 0\""},
        {"[mem 0x0-0xfff] type 4294967296", -EINVAL, "unknown type"},
        {"[mem 0x0-0xfff] type -1", -EINVAL, "unknown type"},
        {"[mem 0x0-0xfff] type 1x", -EINVAL, "unknown type"},
        {"[mem 0x0-0xfff] persistent (type 5)", -EINVAL, "unknown type"},
        {"[mem 0x0-0xfff] persistent (type 7", -EINVAL, "unknown type"},
        {"[mem 0x0-0xfff] usable; crypto-capable", -EINVAL, "unknown type"},
        {"e820: update [mem 0x0-0xfff] usable ==> reserved", -EINVAL,
         "unknown type \"usable ==> reserved\""},
        {"[mem 0x0-0xfff] usable\n[mem ", -EINVAL, "line 2: expected \"[mem"},
        {"[mem 0x0-0xfff] usable\n[mem 0x", -EINVAL, "line 2: start: no digits after 0x"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct e820_map m = {(struct vt_e820_entry *)&m, 33};
        struct vt_err err;
        int rc = e820_parse(cases[i].text, "t.e820", &m, &err);

        if (rc != cases[i].code || !strstr(err.msg, cases[i].frag))
            fail_msg("case %zu: got %d '%s', want %d '%s'", i, rc, err.msg, cases[i].code,
                     cases[i].frag);
        assert_ptr_equal(m.entries, (struct vt_e820_entry *)&m);
        assert_int_equal(m.n, 33);
    }
}

static void test_parse_limits(void **state)
{
    size_t per = 64, n = VT_E820_MAX_ENTRIES + 1;
    char *text = malloc(n * per + 1), *p = text;
    struct e820_map m;
    struct vt_err err;

    (void)state;
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "[mem 0x%zx-0x%zx] usable\n", i * 0x1000, i * 0x1000 + 0xfff);
    assert_int_equal(e820_parse(text, "big", &m, &err), -E2BIG);
    assert_string_equal(err.msg, "big: line 4097: more than 4096 entries");
    /* Exactly the limit is fine. */
    *strstr(text, "[mem 0x1000000-") = '\0';
    assert_int_equal(e820_parse(text, "big", &m, &err), 0);
    assert_int_equal(m.n, VT_E820_MAX_ENTRIES);
    e820_free(&m);
    free(text);

    /* A very long garbage line is quoted short. */
    text = malloc(100001);
    assert_non_null(text);
    memset(text, 'x', 100000);
    text[100000] = '\0';
    assert_int_equal(e820_parse(text, "long", &m, &err), -EINVAL);
    assert_true(strlen(err.msg) < 200);
    free(text);

    assert_int_equal(e820_parse(NULL, "none", &m, &err), -EINVAL);
    assert_string_equal(err.msg, "none: no text given");
}

/* Random lines from the pieces of the format: never a crash, and either a
 * valid sorted map or a message that starts with the name. */
static void test_parse_fuzz(void **state)
{
    static const char *pieces[] = {"[mem ",
                                   "0x",
                                   "0",
                                   "f",
                                   "1000",
                                   "fff",
                                   "-",
                                   "]",
                                   " ",
                                   "usable",
                                   "reserved",
                                   "type ",
                                   "12",
                                   "\n",
                                   "#",
                                   "[gap ",
                                   "persistent (type 7)",
                                   "ACPI NVS",
                                   "ffffffffffff",
                                   "\r",
                                   "(",
                                   ")",
                                   "System RAM",
                                   "\t"};

    (void)state;
    for (unsigned iter = 0; iter < 20000; iter++) {
        char text[512];
        size_t len = 0;
        struct e820_map m;
        struct vt_err err;

        rng_seed(seed_base + iter);
        for (unsigned k = (unsigned)rng_below(40); k > 0; k--) {
            const char *s = pieces[rng_below(sizeof(pieces) / sizeof(pieces[0]))];
            size_t l = strlen(s);

            if (len + l >= sizeof(text))
                break;
            memcpy(text + len, s, l);
            len += l;
        }
        text[len] = '\0';
        if (e820_parse(text, "fz", &m, &err) == 0) {
            assert_true(m.n > 0);
            for (size_t i = 0; i < m.n; i++) {
                assert_true(m.entries[i].start < m.entries[i].end);
                if (i)
                    assert_true(m.entries[i].start >= m.entries[i - 1].end);
            }
            e820_free(&m);
        } else {
            assert_true(strncmp(err.msg, "fz: ", 4) == 0);
        }
    }
}

static void test_uncovered(void **state)
{
    struct e820_map m;
    static const struct placed_range r[] = {
        /* Out of order and overlapping on purpose. */
        {G4, G4 + G(1), 1},
        {0, LEG0, 0},
        {LEG1 + M(1), G(1), 0},
        {M(512), M(600), 0},
    };

    (void)state;
    assert_int_equal(memmap_build(VT_MEM_QEMU_Q35, G(4), &m, NULL), 0);
    /* Uncovered: [1M, 2M), [1G, 2G) and [4G + 1G, 4G + 2G). */
    assert_int_equal(e820_uncovered_ram(&m, r, 4), M(1) + G(1) + G(1));
    assert_int_equal(e820_uncovered_ram(&m, NULL, 0), e820_ram_bytes(&m));
    e820_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_known),     cmocka_unit_test(test_build_flat),
        cmocka_unit_test(test_build_bad),       cmocka_unit_test(test_place_known),
        cmocka_unit_test(test_place_bad),       cmocka_unit_test(test_place_property),
        cmocka_unit_test(test_trim_known),      cmocka_unit_test(test_trim_unaligned),
        cmocka_unit_test(test_trim_bad),        cmocka_unit_test(test_trim_property),
        cmocka_unit_test(test_format_known),    cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_roundtrip), cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_limits),    cmocka_unit_test(test_parse_fuzz),
        cmocka_unit_test(test_uncovered),
    };

    seed_base = t_seed("test_memmap");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
