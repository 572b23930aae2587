/* Unit tests: the pictures (src/draw). Hosts from 1 node of 2 CPUs to 64
 * nodes of 128, and seeded random plans on them (unbalanced, memory-only
 * and CPU-less vnodes, pins, hot-pluggable vCPUs and memory, devices):
 * every box and text inside its parent and no two siblings overlapping
 * (scene_check), the SVG the same bytes twice and well-formed (xmllint),
 * the terminal text within 80 columns. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "draw/draw.h"
#include "draw/parts.h"
#include "unit/support.h"

static const char *const hosts[] = {
    "sockets=1,cores=2,threads=1,mem=1G",
    "sockets=2,cores=6,threads=1,isolated=5,11,devices=nvme@1:33,net@0:8,nvme@none:4",
    "sockets=2,cores=4,threads=2,isolated=2-3,nohz-full=6,offline=7,devices=nvme@1:9",
    "sockets=4,nodes-per-socket=2,cores=8,threads=2,mem=512G,devices=nvme@3:17,net@5:8",
    /* A long description (the picture's first line), many devices. */
    "sockets=2,cores=3,devices=nvme@0:4,nvme@0:4,nvme@0:4,nvme@0:4,nvme@0:4,nvme@0:4,nvme@1:4,"
    "nvme@1:4,nvme@1:4,nvme@1:4,nvme@1:4,nvme@1:4,net@0:3,net@0:3,net@0:3,net@0:3,net@1:3,"
    "net@1:3,net@1:3,net@1:3,net@none:2,net@none:2,net@none:2,net@none:2,net@none:2",
    "sockets=8,nodes-per-socket=8,cores=512,threads=2,mem=4T",
};

#define NHOSTS (sizeof(hosts) / sizeof(hosts[0])) /* the last: 64 nodes of 128 CPUs */

/* Display columns of UTF-8 text: its code points. */
static size_t columns(const char *p, size_t n)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xc0) != 0x80;
    return c;
}

static void check_text(const char *text, const char *what)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);

        if (columns(p, n) > 80)
            fail_msg("%s: a line of %zu columns: %.*s", what, columns(p, n), (int)n, p);
        p += n + (nl != NULL);
    }
}

/* xmllint (libxml2-utils, an oracle of ours) reads the SVG. */
static void well_formed(const char *svg, const char *what)
{
    FILE *p = popen("xmllint --noout - 2>&1", "w");
    int rc;

    if (!p)
        fail_msg("%s: cannot run xmllint", what);
    fputs(svg, p);
    rc = pclose(p);
    if (rc != 0)
        fail_msg("%s: xmllint says the SVG is not well-formed (status %d; is libxml2-utils "
                 "installed?)",
                 what, rc);
}

static void check_scene(const struct scene *s, const char *what)
{
    char why[512];
    char *a = scene_svg(s), *b = scene_svg(s);

    if (!scene_check(s, why, sizeof(why)))
        fail_msg("%s: %s", what, why);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    if (!strstr(a, "<svg") || strstr(a, "<script") || strstr(a, "href"))
        fail_msg("%s: not a self-contained SVG", what);
    well_formed(a, what);
    free(a);
    free(b);
}

static void test_hosts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        struct vt_host *h = t_synthetic(hosts[i]);
        struct scene s;
        char *t, *u;
        struct vt_err err;

        scene_init(&s);
        assert_int_equal(draw_host_scene(h, &s), 0);
        check_scene(&s, hosts[i]);
        /* Nothing cut: the description's end and every device are there. */
        {
            char *svg = scene_svg(&s);
            const char *d = vt_host_description(h);

            if (!strstr(svg, d + (strlen(d) > 40 ? strlen(d) - 40 : 0)))
                fail_msg("%s: the description's end is not in the picture", hosts[i]);
            for (size_t k = 0; k < vt_host_device_count(h); k++)
                if (!strstr(svg, vt_host_device(h, k)->bdf))
                    fail_msg("%s: device %s is not in the picture", hosts[i],
                             vt_host_device(h, k)->bdf);
            free(svg);
        }
        scene_free(&s);
        assert_int_equal(vt_draw_host(h, VT_DRAW_TEXT, &t, &err), 0);
        assert_int_equal(vt_draw_host(h, VT_DRAW_ASCII, &u, &err), 0);
        check_text(t, hosts[i]);
        check_text(u, hosts[i]);
        for (const char *p = u; *p; p++)
            if ((unsigned char)*p >= 0x80)
                fail_msg("%s: --ascii output has a non-ASCII byte", hosts[i]);
        free(t);
        free(u);
        vt_host_free(h);
    }
}

/* A random request on host i; NULL when the planner refuses it. */
static struct vt_layout *random_plan(const struct vt_host *h, unsigned host_cpus, char *what,
                                     size_t size)
{
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct vt_err err;
    unsigned vcpus = 1 + (unsigned)rand() % (host_cpus < 96 ? host_cpus : 96);
    unsigned vnodes = 1 + (unsigned)rand() % 6;
    uint64_t mem = (uint64_t)(128 + rand() % 4096) << 21;
    int k = snprintf(what, size, "vcpus=%u vnodes=%u memory=%llu MiB", vcpus, vnodes,
                     (unsigned long long)(mem >> 20));
    static const char *const layouts[] = {"qemu-q35", "flat", "xen-hvm"};
    const char *layout = layouts[rand() % 3];

    assert_non_null(r);
    if (vt_request_set_vcpus(r, vcpus, &err) < 0 || vt_request_set_memory(r, mem, &err) < 0 ||
        vt_request_parse_mem_layout(r, layout, &err) < 0 ||
        (!strcmp(layout, "xen-hvm") && vt_request_parse_apic(r, "xen", &err) < 0))
        fail_msg("%s: %s", what, err.msg);
    k += snprintf(what + k, size - (size_t)k, " %s", layout);
    if (rand() % 3 == 0 && vcpus <= host_cpus) {
        /* pinned, vCPU i to a random distinct online CPU of the host */
        int cpus[1024], n = 0;

        for (int c = vt_bitmap_first(vt_host_cpus(h)->online); c >= 0 && n < 1024;
             c = vt_bitmap_next(vt_host_cpus(h)->online, c))
            cpus[n++] = c;
        for (int i = n - 1; i > 0; i--) {
            int j = rand() % (i + 1), t = cpus[i];

            cpus[i] = cpus[j];
            cpus[j] = t;
        }
        if (vt_request_set_pins(r, cpus, vcpus, &err) == 0)
            k += snprintf(what + k, size - (size_t)k, " pinned");
    } else if (rand() % 4 == 0 && vcpus >= 2) {
        /* vCPUs on vnodes 0 and 2 at random, vnode 1 memory only */
        int map[96];
        uint64_t half = mem / 2 / (2u << 20) * (2u << 20),
                 vm[3] = {half, 64ull << 20, mem - half - (64ull << 20)};

        for (unsigned i = 0; i < vcpus; i++)
            map[i] = i == 0 ? 0 : i == 1 ? 2 : (rand() % 2) * 2;
        if (vt_request_set_vcpu_vnodes(r, map, vcpus, &err) < 0 ||
            vt_request_set_vnode_memory(r, vm, 3, &err) < 0)
            fail_msg("%s: %s", what, err.msg);
        k += snprintf(what + k, size - (size_t)k, " memory-only vnode");
    } else if (rand() % 8 == 0 && vt_request_set_pin_identity(r, &err) == 0) {
        k += snprintf(what + k, size - (size_t)k, " pin-identity");
    } else if (vt_request_set_vnodes(r, vnodes, &err) < 0) {
        fail_msg("%s: %s", what, err.msg);
    }
    if (rand() % 4 == 0 && vt_request_set_max_vcpus(r, vcpus + 1 + (unsigned)rand() % 8, &err) == 0)
        k += snprintf(what + k, size - (size_t)k, " max-vcpus");
    if (rand() % 4 == 0 && vt_request_parse_hotplug_memory(r, "1G@0", &err) == 0)
        k += snprintf(what + k, size - (size_t)k, " hotplug-memory");
    if (rand() % 6 == 0 && vt_request_parse_initiators(r, "0000:70:00.0@0", &err) == 0)
        k += snprintf(what + k, size - (size_t)k, " initiator");
    for (size_t d = 0; d < vt_host_device_count(h) && rand() % 2; d++) {
        char spec[64];

        snprintf(spec, sizeof(spec), "%s%s", vt_host_device(h, d)->bdf,
                 vt_host_device(h, d)->pnode < 0 ? "@0" : "");
        if (vt_request_parse_device(r, spec, &err) == 0)
            k += snprintf(what + k, size - (size_t)k, " device %s", spec);
    }
    if (vt_plan(h, r, &l, &err) < 0)
        l = NULL;
    vt_request_free(r);
    return l;
}

/* The memory bar's segments: in address order from 0, each where the last
 * ended (holes fill the gaps), and every non-RAM E820 entry shown. */
static void check_segments(const struct vt_layout *l, const char *what)
{
    size_t n = 0;
    struct part_seg *sg = part_segments(l, &n);
    const struct vt_e820_entry *map;
    size_t nmap = vt_layout_memory_map(l, &map);

    assert_non_null(sg);
    for (size_t i = 0; i < n; i++) {
        if (sg[i].start >= sg[i].end || sg[i].start != (i ? sg[i - 1].end : 0))
            fail_msg("%s: segment %zu is %llx-%llx after %llx", what, i,
                     (unsigned long long)sg[i].start, (unsigned long long)sg[i].end,
                     (unsigned long long)(i ? sg[i - 1].end : 0));
    }
    for (size_t e = 0; e < nmap; e++) {
        bool shown = false;

        for (size_t i = 0; i < n && map[e].type != VT_E820_RAM; i++)
            shown |= sg[i].kind == PART_SEG_RSV && sg[i].start == map[e].start &&
                     sg[i].end == map[e].end;
        if (map[e].type != VT_E820_RAM && !shown)
            fail_msg("%s: the E820's entry %llx-%llx is not in the memory bar", what,
                     (unsigned long long)map[e].start, (unsigned long long)map[e].end);
    }
    free(sg);
}

static void test_random_plans(void **state)
{
    unsigned seed = t_seed("test_random_plans"), drawn = 0;

    (void)state;
    for (size_t i = 0; i + 1 < sizeof(hosts) / sizeof(hosts[0]); i++) {
        struct vt_host *h = t_synthetic(hosts[i]);
        unsigned ncpu = vt_bitmap_weight(vt_host_cpus(h)->online);

        for (int iter = 0; iter < 60; iter++) {
            char what[512], label[640];
            struct vt_layout *l = random_plan(h, ncpu, what, sizeof(what));
            struct scene s;
            struct vt_err err;
            char *t;

            if (!l)
                continue;
            snprintf(label, sizeof(label), "seed %u host '%s' %s", seed, hosts[i], what);
            check_segments(l, label);
            scene_init(&s);
            assert_int_equal(draw_plan_scene(l, h, &s), 0);
            check_scene(&s, label);
            scene_free(&s);
            scene_init(&s);
            assert_int_equal(draw_plan_scene(l, NULL, &s), 0);
            check_scene(&s, label);
            scene_free(&s);
            assert_int_equal(vt_draw_plan(l, h, VT_DRAW_TEXT, &t, &err), 0);
            check_text(t, label);
            free(t);
            /* verify --draw: the plan's guest against itself, and against a
             * guest that reported nothing; a row naming node 0 disagrees. */
            {
                struct vt_guest_view want = {0}, none = {0};
                const struct vt_draw_row rows[] = {
                    {"node 0 cpus", "0-3", "0-2", false},
                    {"cpu 0 apic id", "0", "0", true},
                    {"a row of many words that goes on and on to be wrapped at the picture's "
                     "width, as a long warning would be, and then some more words",
                     "x", "y", false},
                };

                assert_int_equal(vt_guest_view_of_layout(l, NULL, 0, false, &want, &err), 0);
                for (int side = 0; side < 2; side++) {
                    scene_init(&s);
                    assert_int_equal(draw_guests_scene(&want, side ? &none : &want, rows, 3, &s),
                                     0);
                    check_scene(&s, label);
                    scene_free(&s);
                }
                vt_guest_view_free(&want);
            }
            vt_layout_free(l);
            drawn++;
        }
        vt_host_free(h);
    }
    printf("test_random_plans: %u plans drawn\n", drawn);
    assert_true(drawn > 100);
}

static bool same_parity(const void *ctx, unsigned a, unsigned b)
{
    (void)ctx;
    return a % 2 == b % 2;
}

/* part_runs: the runs give back the set, in order, a progression of 3 or
 * more (step 1: 2 or more), never across what same() separates; and the
 * cut at max leaves the rest to count. */
static void test_runs(void **state)
{
    unsigned seed = t_seed("test_runs");

    (void)state;
    for (int iter = 0; iter < 500; iter++) {
        struct vt_bitmap *set = vt_bitmap_new(), *back = vt_bitmap_new();
        unsigned n = 1 + (unsigned)rand() % 300, step = 1 + (unsigned)rand() % 5, rest = 0;
        size_t nr = 0, max = rand() % 2 ? SIZE_MAX : 1 + (size_t)(rand() % 20);
        bool parity = rand() % 2;
        struct part_run *r;
        unsigned covered = 0, prev_last = 0;

        for (unsigned i = 0; i < n; i++)
            if (rand() % 4)
                vt_bitmap_set(set, i * step + (rand() % 8 == 0 ? 1u : 0u));
        if (vt_bitmap_iszero(set))
            vt_bitmap_set(set, 3);
        r = part_runs(set, parity ? same_parity : NULL, NULL, max, &nr, &rest);
        assert_non_null(r);
        assert_true(nr <= max);
        for (size_t i = 0; i < nr; i++) {
            unsigned last = r[i].first + r[i].step * (r[i].count - 1);

            if (i && r[i].first <= prev_last)
                fail_msg("seed %u: run %zu starts at %u, before %u", seed, i, r[i].first,
                         prev_last);
            if (r[i].step > 1 && r[i].count < 3)
                fail_msg("seed %u: a run of %u with step %u", seed, r[i].count, r[i].step);
            for (unsigned k = 0; k < r[i].count; k++) {
                unsigned m = r[i].first + k * r[i].step;

                if (!vt_bitmap_isset(set, m))
                    fail_msg("seed %u: run %zu has %u, not in the set", seed, i, m);
                if (parity && m % 2 != r[i].first % 2)
                    fail_msg("seed %u: run %zu crosses same()", seed, i);
                vt_bitmap_set(back, m);
            }
            covered += r[i].count;
            prev_last = last;
            /* Nothing of the set between a run's members or between runs. */
            for (unsigned m = r[i].first; m <= last; m++)
                if (vt_bitmap_isset(set, m) && !vt_bitmap_isset(back, m))
                    fail_msg("seed %u: run %zu skips %u", seed, i, m);
        }
        assert_int_equal(covered + rest, vt_bitmap_weight(set));
        if (!rest && !vt_bitmap_equal(set, back))
            fail_msg("seed %u: the runs are not the set", seed);
        free(r);
        vt_bitmap_free(set);
        vt_bitmap_free(back);
    }
}

/* Drawn and checked, its SVG under 1 MiB; its size and items printed. */
static void check_large(const struct vt_layout *l, const struct vt_host *h, const char *what)
{
    struct scene s;
    char *svg, *t;
    struct vt_err err;

    scene_init(&s);
    assert_int_equal(draw_plan_scene(l, h, &s), 0);
    check_scene(&s, what);
    svg = scene_svg(&s);
    printf("%s: %zu bytes of SVG, %zu items\n", what, strlen(svg), s.n);
    if (strlen(svg) >= (1u << 20))
        fail_msg("%s: %zu bytes of SVG", what, strlen(svg));
    free(svg);
    scene_free(&s);
    assert_int_equal(vt_draw_plan(l, h, VT_DRAW_TEXT, &t, &err), 0);
    check_text(t, what);
    free(t);
}

/* 8,192 vCPUs on 64 vnodes: interleaved (vCPU i on vnode i % 64, pinned to
 * CPU (i % 64) * 128 + i / 64: runs with a step), and at random (with a
 * seed: the cut at PART_MAX_CELLS runs). */
static void test_large_interleaved(void **state)
{
    struct vt_host *h = t_synthetic(hosts[NHOSTS - 1]);
    unsigned seed = t_seed("test_large_interleaved");
    int *vnode = calloc(8192, sizeof(*vnode)), *pin = calloc(8192, sizeof(*pin));

    (void)state;
    static const char *const kinds[] = {
        "8192 vCPUs interleaved",    "8192 vCPUs pinned interleaved",
        "8192 vCPUs at random",      "4096 vCPUs and 4096 hot-pluggable, 64 a vnode",
        "8192 vCPUs on 1024 vnodes", "4096 vCPUs and 4096 hot-pluggable at random over 1024 vnodes",
    };

    for (int kind = 0; kind < 6; kind++) {
        struct vt_request *r = cli_request_new();
        struct vt_layout *l = NULL;
        struct vt_err err;

        for (int i = 0; i < 8192; i++) {
            vnode[i] = kind == 0   ? i % 64
                       : kind == 3 ? (i / 64) % 64
                       : kind == 5 ? (i < 1024 ? i : rand() % 1024)
                                   : rand() % 64;
            pin[i] = (i % 64) * 128 + i / 64;
        }
        assert_int_equal(vt_request_set_vcpus(r, kind == 3 || kind == 5 ? 4096 : 8192, &err), 0);
        if (kind == 3 || kind == 5)
            assert_int_equal(vt_request_set_max_vcpus(r, 8192, &err), 0);
        assert_int_equal(vt_request_set_memory(r, (uint64_t)64 << 30, &err), 0);
        assert_int_equal(vt_request_parse_apic(r, "xen", &err), 0);
        if (kind == 1)
            assert_int_equal(vt_request_set_pins(r, pin, 8192, &err), 0);
        else if (kind == 4)
            assert_int_equal(vt_request_set_vnodes(r, 1024, &err), 0);
        else
            assert_int_equal(vt_request_set_vcpu_vnodes(r, vnode, 8192, &err), 0);
        if (vt_plan(h, r, &l, &err) < 0)
            fail_msg("seed %u kind %d: %s", seed, kind, err.msg);
        assert_int_equal(vt_layout_vnode_count(l), kind >= 4 ? 1024 : 64);
        check_large(l, h, kinds[kind]);
        vt_layout_free(l);
        vt_request_free(r);
    }
    free(vnode);
    free(pin);
    vt_host_free(h);
}

/* The largest: 8,192 vCPUs pinned one to one on 64 vnodes of a 64-node host
 * (runs of CPUs, one per vnode), under 1 MiB of SVG. */
static void test_large(void **state)
{
    struct vt_host *h = t_synthetic(hosts[NHOSTS - 1]);
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct vt_err err;

    (void)state;
    assert_int_equal(vt_request_set_vcpus(r, 8192, &err), 0);
    assert_int_equal(vt_request_set_memory(r, (uint64_t)64 << 30, &err), 0);
    assert_int_equal(vt_request_set_pin_identity(r, &err), 0);
    assert_int_equal(vt_request_parse_apic(r, "xen", &err), 0);
    if (vt_plan(h, r, &l, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(vt_layout_vnode_count(l), 64);
    check_large(l, h, "8192 vCPUs pinned one to one");
    vt_layout_free(l);
    vt_request_free(r);
    vt_host_free(h);
}

/* A run's cell names APIC IDs and pins only when they follow the vCPUs in
 * order: 128 vCPUs pinned in reverse must not read as vCPU i on CPU i. */
static void test_run_order(void **state)
{
    struct vt_host *h = t_synthetic("sockets=1,cores=128,mem=4G");
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct vt_err err;
    struct scene s;
    int pin[128];
    char *svg;

    (void)state;
    for (int i = 0; i < 128; i++)
        pin[i] = 127 - i;
    assert_int_equal(vt_request_set_vcpus(r, 128, &err), 0);
    assert_int_equal(vt_request_set_memory(r, 4ull << 30, &err), 0);
    assert_int_equal(vt_request_set_pins(r, pin, 128, &err), 0);
    if (vt_plan(h, r, &l, &err) < 0)
        fail_msg("%s", err.msg);
    scene_init(&s);
    assert_int_equal(draw_plan_scene(l, h, &s), 0);
    check_scene(&s, "128 vCPUs pinned in reverse");
    svg = scene_svg(&s);
    if (strstr(svg, "\u2192"
                    "0-127") ||
        !strstr(svg, "0\u2192"
                     "127, 1\u2192"
                     "126"))
        fail_msg("the reversed pins are drawn as if in order");
    if (!strstr(svg, "0-127 (128) APIC 0-127<"))
        fail_msg("the run's APIC IDs (in order) are not in its cell");
    free(svg);
    scene_free(&s);
    vt_layout_free(l);
    vt_request_free(r);
    vt_host_free(h);
}

/* verify --draw's boxes keep every CPU (no fixed buffer cuts them). */
static void test_guests_long(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=128,mem=8G");
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct vt_guest_view want = {0};
    struct vt_err err;
    struct scene s;
    int map[256];
    char *svg;

    (void)state;
    for (int i = 0; i < 256; i++)
        map[i] = i % 2;
    assert_int_equal(vt_request_set_vcpus(r, 256, &err), 0);
    assert_int_equal(vt_request_set_memory(r, 4ull << 30, &err), 0);
    assert_int_equal(vt_request_set_vcpu_vnodes(r, map, 256, &err), 0);
    if (vt_plan(h, r, &l, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(vt_guest_view_of_layout(l, NULL, 0, false, &want, &err), 0);
    scene_init(&s);
    assert_int_equal(draw_guests_scene(&want, &want, NULL, 0, &s), 0);
    check_scene(&s, "256 vCPUs interleaved over 2 nodes");
    svg = scene_svg(&s);
    if (!strstr(svg, "CPUs 0,2..254") || !strstr(svg, "CPUs 1,3..255"))
        fail_msg("a node's CPU list is cut");
    free(svg);
    scene_free(&s);
    vt_guest_view_free(&want);
    vt_layout_free(l);
    vt_request_free(r);
    vt_host_free(h);
}

/* A memory map of 4,096 entries: the bar keeps to BAR_SEGMENTS_MAX
 * segments (the rest one "+N"), the picture to a page's width. */
static void test_long_e820(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=4,mem=128G");
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    char path[] = "/tmp/test_draw_e820.XXXXXX", spec[64];
    struct vt_err err;
    struct scene s;
    uint64_t a = 0;
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    char *svg;

    (void)state;
    assert_non_null(f);
    for (int i = 0; i < 2048; i++) {
        fprintf(f, "BIOS-e820: [mem 0x%016llx-0x%016llx] usable\n", (unsigned long long)a,
                (unsigned long long)(a + 0x1ffffff));
        a += 0x2000000;
        fprintf(f, "BIOS-e820: [mem 0x%016llx-0x%016llx] reserved\n", (unsigned long long)a,
                (unsigned long long)(a + 0xfff));
        a += 0x200000;
    }
    fclose(f);
    snprintf(spec, sizeof(spec), "e820:%s", path);
    assert_int_equal(vt_request_set_vcpus(r, 4, &err), 0);
    assert_int_equal(vt_request_set_vnodes(r, 2, &err), 0);
    if (vt_request_parse_mem_layout(r, spec, &err) < 0 || vt_plan(h, r, &l, &err) < 0)
        fail_msg("%s", err.msg);
    unlink(path);
    check_segments(l, "4096 E820 entries");
    scene_init(&s);
    assert_int_equal(draw_plan_scene(l, h, &s), 0);
    check_scene(&s, "4096 E820 entries");
    if (s.width > 1900)
        fail_msg("the picture is %d px wide", s.width);
    svg = scene_svg(&s);
    if (!strstr(svg, "more ranges (the text picture lists them)") || !strstr(svg, ", +"))
        fail_msg("the memory bar or the RAM line does not say what it left out");
    free(svg);
    scene_free(&s);
    vt_layout_free(l);
    vt_request_free(r);
    vt_host_free(h);
}

/* Text from elsewhere (a host file's description, a device's name) is
 * escaped and, where it is not valid UTF-8, replaced: the SVG stays
 * well-formed. */
static void test_escape(void **state)
{
    static const char *const texts[] = {
        "a < b & c > \"d\"",        "caf\xc3\xa9 \xe2\x94\x80",
        "bad \xff\xfe byte",        "cut \xe2\x94",
        "overlong \xc0\xaf",        "surrogate \xed\xa0\x80",
        "control \x01\x1b[31m red", "not XML \xef\xbf\xbe \xef\xbf\xbf",
    };
    struct scene s;
    char *svg;

    (void)state;
    scene_init(&s);
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        int box = scene_box(&s, -1, 10, 10 + 30 * (int)i, 400, 24, "node", texts[i]);

        scene_text(&s, box, 14, 12 + 30 * (int)i, "", texts[i]);
    }
    check_scene(&s, "escaped texts");
    svg = scene_svg(&s);
    assert_non_null(strstr(svg, "a &lt; b &amp; c &gt; &quot;d&quot;"));
    assert_non_null(strstr(svg, "caf\xc3\xa9 \xe2\x94\x80"));
    assert_non_null(strstr(svg, "bad ?? byte"));
    assert_null(strstr(svg, "\x1b"));
    free(svg);
    scene_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts),        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_random_plans), cmocka_unit_test(test_runs),
        cmocka_unit_test(test_large),        cmocka_unit_test(test_large_interleaved),
        cmocka_unit_test(test_run_order),    cmocka_unit_test(test_guests_long),
        cmocka_unit_test(test_long_e820),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
