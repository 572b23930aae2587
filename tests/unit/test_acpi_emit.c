/* Unit tests: SRAT, SLIT, MADT and HMAT emitted from layouts, read back with
 * the bounds-checked parsers — parse(emit(layout)) == layout over thousands of
 * seeded random plans, including Linux's node numbering from the SRAT. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/linux/hmat_unit.h"
#include "format/acpi_parse.h"
#include "unit/support.h"
#include "fields.h"
#include "vtopo/acpi.h"
#include "vtopo/check.h"
#include "vtopo/emit.h"
#include "vtopo/layout.h"

#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)

/* The HMAT roles, derived here from the vnode's vCPUs, the generic
 * initiators and the hot-pluggable ranges (not from the layout's own
 * answer, which is compared with them). */
static bool initiator_of(const struct vt_layout *l, size_t v)
{
    const struct vt_vnode *vn = vt_layout_vnode(l, v);
    bool yes = !vt_bitmap_iszero(vn->vcpus) || !vt_bitmap_iszero(vn->hotplug_vcpus);

    for (size_t i = 0; i < vt_layout_initiator_count(l); i++)
        yes |= vt_layout_initiator(l, i)->vnode == v;
    if (yes != vt_layout_hmat_is_initiator(l, (unsigned)v))
        fail_msg("vnode %zu: vt_layout_hmat_is_initiator says %d", v, !yes);
    return yes;
}

static bool target_of(const struct vt_layout *l, size_t v)
{
    bool yes = vt_layout_vnode(l, v)->memory_bytes > 0;

    for (size_t i = 0; i < vt_layout_hotplug_memory_count(l); i++)
        yes |= vt_layout_hotplug_memory(l, i)->vnode == v;
    if (yes != vt_layout_hmat_is_target(l, (unsigned)v))
        fail_msg("vnode %zu: vt_layout_hmat_is_target says %d", v, !yes);
    return yes;
}

/* Every planned vCPU: the present ones, then the hot-pluggable ones. */
static const struct vt_vcpu *any_vcpu(const struct vt_layout *l, size_t i)
{
    size_t np = vt_layout_vcpu_count(l);

    return i < np ? vt_layout_vcpu(l, i) : vt_layout_hotplug_vcpu(l, i - np);
}

/* The HMAT's locality structures: latency (type 0) then bandwidth (type 3),
 * initiators and targets the guest PXMs of the vnodes with vCPUs and with
 * memory in vnode order, and every entry x base unit exactly the value the
 * layout gives (latency in ps = ns x 1000). */
static void check_hmat_localities(const struct vt_layout *l, const struct acpi_hmat *hmat,
                                  const char *what)
{
    size_t nv = vt_layout_vnode_count(l);

    for (size_t k = 0; k < hmat->nlocs; k++) {
        const struct acpi_hmat_locality *loc = &hmat->locs[k];
        size_t i = 0, t = 0;

        assert_int_equal(loc->data_type, k == 0 ? 0 : 3);
        for (size_t v = 0; v < nv; v++) {
            const struct vt_vnode *vn = vt_layout_vnode(l, v);

            if (initiator_of(l, v) && (i >= loc->ninit || loc->pds[i++] != vn->guest_pxm))
                fail_msg("%s: HMAT locality %zu: initiator %zu is not vnode %zu's PXM", what, k,
                         i - 1, v);
            if (target_of(l, v) && (t >= loc->ntarg || loc->pds[loc->ninit + t++] != vn->guest_pxm))
                fail_msg("%s: HMAT locality %zu: target %zu is not vnode %zu's PXM", what, k, t - 1,
                         v);
        }
        assert_int_equal(i, loc->ninit);
        assert_int_equal(t, loc->ntarg);
        i = 0;
        for (size_t a = 0; a < nv; a++) {
            if (!initiator_of(l, a))
                continue;
            t = 0;
            for (size_t b = 0; b < nv; b++) {
                uint64_t want, got;

                if (!target_of(l, b))
                    continue;
                want = k == 0 ? (uint64_t)vt_layout_hmat_latency(l, (unsigned)a, (unsigned)b) * 1000
                              : vt_layout_hmat_bandwidth(l, (unsigned)a, (unsigned)b);
                got = loc->entries[i * loc->ntarg + t] * loc->base_unit;
                if (want == 0 || got != want || loc->entries[i * loc->ntarg + t] > 0xfffe)
                    fail_msg("%s: HMAT %s vnode %zu -> %zu: entry %u x unit %llu = %llu, the "
                             "layout says %llu",
                             what, k == 0 ? "latency" : "bandwidth", a, b,
                             loc->entries[i * loc->ntarg + t], (unsigned long long)loc->base_unit,
                             (unsigned long long)got, (unsigned long long)want);
                t++;
            }
            i++;
        }
    }
}

/* The SRAT's entries after the CPUs: a generic initiator entry per device
 * in the order given (PCI handle: segment, bus, devfn, zeros), then the
 * memory entries in address order, boot ranges enabled, hot-pluggable ranges
 * enabled and flagged, each exactly one of the layout's. */
static void check_srat_rest(const struct vt_layout *l, const struct acpi_srat *srat, size_t k,
                            const char *what)
{
    size_t nv = vt_layout_vnode_count(l), nhot = vt_layout_hotplug_memory_count(l);
    uint64_t last_end = 0, boot = 0, ranges = 0, hot = 0, hot_want = 0;

    for (size_t i = 0; i < vt_layout_initiator_count(l); i++, k++) {
        const struct vt_initiator *gi = vt_layout_initiator(l, i);
        const struct acpi_srat_entry *e = k < srat->n ? &srat->entries[k] : NULL;
        bool zeros = true;

        for (int b = 4; e && b < 16; b++)
            zeros &= e->handle[b] == 0;
        if (!e || e->type != VT_SRAT_GENERIC_INITIATOR || e->length != 32 ||
            e->handle_type != VT_SRAT_GI_HANDLE_PCI || e->pci_segment != gi->segment ||
            e->pci_bus != gi->bus || e->pci_devfn != gi->devfn || e->handle[2] != gi->bus ||
            e->handle[3] != gi->devfn || !zeros || e->flags != VT_SRAT_ENABLED ||
            e->pxm != vt_layout_vnode(l, gi->vnode)->guest_pxm)
            fail_msg("%s: SRAT entry %zu does not describe generic initiator %zu", what, k, i);
    }
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        for (size_t r = 0; r < vn->nranges; r++)
            ranges += vn->ranges[r].end - vn->ranges[r].start;
        hot_want += vn->hotplug_memory_bytes;
    }
    for (; k < srat->n; k++) {
        const struct acpi_srat_entry *e = &srat->entries[k];
        bool is_hot = false;

        assert_int_equal(e->type, VT_SRAT_MEMORY);
        if (e->base < last_end)
            fail_msg("%s: SRAT memory entries not in address order", what);
        last_end = e->base + e->length_bytes;
        for (size_t h = 0; h < nhot; h++) {
            const struct vt_hotplug_memory *hm = vt_layout_hotplug_memory(l, h);

            if (hm->start == e->base && hm->end == e->base + e->length_bytes &&
                vt_layout_vnode(l, hm->vnode)->guest_pxm == e->pxm)
                is_hot = true;
        }
        if (e->flags != (is_hot ? VT_SRAT_ENABLED | VT_SRAT_MEM_HOTPLUGGABLE : VT_SRAT_ENABLED))
            fail_msg("%s: SRAT memory entry %zu (0x%llx) has flags %u", what, k,
                     (unsigned long long)e->base, e->flags);
        *(is_hot ? &hot : &boot) += e->length_bytes;
    }
    assert_int_equal(boot, ranges);
    assert_int_equal(hot, hot_want);
}

/* Linux's numbering, replayed here from its rule (not from
 * src/model/linux/numa.c): processor and generic initiator entries in one
 * pass in table order, then memory entries; a PXM takes the next node the
 * first time it is met. It must equal the layout's linux_node. */
static void check_linux_nodes(const struct vt_layout *l, const struct acpi_srat *srat,
                              const char *what)
{
    uint32_t first_seen[80];
    size_t nseen = 0;

    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < srat->n; i++) {
            size_t s;

            if ((srat->entries[i].type == VT_SRAT_MEMORY) != (pass == 1))
                continue;
            for (s = 0; s < nseen; s++)
                if (first_seen[s] == srat->entries[i].pxm)
                    break;
            if (s == nseen && nseen < 80)
                first_seen[nseen++] = srat->entries[i].pxm;
        }
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);
        int node = -1;

        for (size_t s = 0; s < nseen; s++)
            if (first_seen[s] == vn->guest_pxm)
                node = (int)s;
        if (node != vn->linux_node)
            fail_msg("%s: vnode %zu: Linux numbers it %d, the layout predicts %d", what, v, node,
                     vn->linux_node);
    }
}

/* Hot-pluggable ranges: each at a 1 GiB boundary at or above 4 GiB, above
 * every entry of the memory map and above the range before it. */
static void check_hotplug_placement(const struct vt_layout *l, const char *what)
{
    const struct vt_e820_entry *map;
    size_t nmap = vt_layout_memory_map(l, &map);
    uint64_t floor = 4 * G;

    for (size_t i = 0; i < nmap; i++)
        floor = map[i].end > floor ? map[i].end : floor;
    for (size_t h = 0; h < vt_layout_hotplug_memory_count(l); h++) {
        const struct vt_hotplug_memory *hm = vt_layout_hotplug_memory(l, h);

        if (hm->start % G || hm->start < floor || hm->end <= hm->start || hm->start - floor >= G)
            fail_msg("%s: hot-pluggable range %zu at 0x%llx-0x%llx (floor 0x%llx)", what, h,
                     (unsigned long long)hm->start, (unsigned long long)hm->end,
                     (unsigned long long)floor);
        floor = hm->end;
    }
}

/* What vtopo check predicts from the tables: clean, and per Linux node the
 * vnode's present and hot-pluggable CPUs, memory and generic initiators. */
static void check_check(const struct vt_layout *l, const uint8_t *srat, size_t srat_n,
                        const uint8_t *slit, size_t slit_n, const uint8_t *madt, size_t madt_n,
                        const uint8_t *hmat, size_t hmat_n, const char *what)
{
    char *e820 = NULL;
    struct vt_check_input in = {.srat = srat,
                                .slit = slit,
                                .madt = madt,
                                .hmat = hmat,
                                .srat_len = srat_n,
                                .slit_len = slit_n,
                                .madt_len = madt_n,
                                .hmat_len = hmat_n};
    struct vt_check *c = NULL;
    struct vt_err err;

    assert_int_equal(vt_layout_e820_text(l, &e820, NULL), 0);
    in.e820_text = e820;
    if (vt_check_run(&in, &c, &err) != 0)
        fail_msg("%s: check: %s", what, err.msg);
    for (size_t i = 0; i < vt_check_finding_count(c); i++) {
        const struct vt_finding *f = vt_check_finding(c, i);

        if (f->severity != VT_SEV_NOTE)
            fail_msg("%s: check: %s %s: %s", what, vt_severity_name(f->severity), f->rule,
                     f->message);
    }
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);
        const struct vt_check_node *cn = NULL;
        uint64_t ranges = 0;

        if (vn->linux_node < 0)
            continue;
        cn = vt_check_node(c, (size_t)vn->linux_node);
        for (size_t r = 0; r < vn->nranges; r++)
            ranges += vn->ranges[r].end - vn->ranges[r].start;
        if (!cn || cn->pxm != vn->guest_pxm || cn->ncpus != vt_bitmap_weight(vn->vcpus) ||
            cn->hotplug_cpus != vt_bitmap_weight(vn->hotplug_vcpus) || cn->memory_bytes != ranges ||
            cn->hotplug_memory_bytes != vn->hotplug_memory_bytes ||
            cn->generic_initiators != vn->ninitiators)
            fail_msg("%s: vnode %zu: check's Linux node %d differs", what, v, vn->linux_node);
    }
    vt_check_free(c);
    free(e820);
}

/* Everything the tables say, compared with the layout. */
static void check_tables(const struct vt_layout *l, const char *what, bool x2apic_all)
{
    struct vt_acpi_options o;
    uint8_t *srat_d = NULL, *slit_d = NULL, *madt_d = NULL, *hmat_d = NULL;
    size_t srat_n = 0, slit_n = 0, madt_n = 0, hmat_n = 0, np = vt_layout_vcpu_count(l);
    size_t nc = np + vt_layout_hotplug_vcpu_count(l);
    size_t nv = vt_layout_vnode_count(l), k = 0;
    struct acpi_srat srat;
    struct acpi_slit slit;
    struct acpi_madt madt;
    struct vt_err err;

    vt_acpi_options_init(&o);
    o.srat_x2apic_all = x2apic_all;
    if (vt_acpi_srat(l, &o, &srat_d, &srat_n, &err) ||
        vt_acpi_slit(l, &o, &slit_d, &slit_n, &err) ||
        vt_acpi_madt(l, &o, &madt_d, &madt_n, &err) || vt_acpi_hmat(l, &o, &hmat_d, &hmat_n, &err))
        fail_msg("%s: emit: %s", what, err.msg);
    {
        /* HMAT: an attribute structure per target, each memory domain an
         * SRAT memory PXM, the initiator one of the initiators. */
        struct acpi_hmat hmat;
        size_t targets = 0;

        if (hmat_parse(hmat_d, hmat_n, "hmat", &hmat, &err) != 0)
            fail_msg("%s: HMAT: %s", what, err.msg);
        for (size_t v = 0; v < nv; v++)
            targets += target_of(l, v);
        assert_int_equal(hmat.npds, targets);
        for (size_t i = 0; i < hmat.npds; i++) {
            bool mem_ok = false, init_ok = false;

            for (size_t v = 0; v < nv; v++) {
                const struct vt_vnode *vn = vt_layout_vnode(l, v);

                mem_ok |= vn->guest_pxm == hmat.pds[i].memory_pd && target_of(l, v);
                init_ok |= vn->guest_pxm == hmat.pds[i].initiator_pd && initiator_of(l, v);
            }
            if (!mem_ok || !init_ok || !(hmat.pds[i].flags & 1))
                fail_msg("%s: HMAT attribute structure %zu names domains %u/%u", what, i,
                         hmat.pds[i].initiator_pd, hmat.pds[i].memory_pd);
        }
        assert_int_equal(hmat.nlocs, targets ? 2 : 0);
        check_hmat_localities(l, &hmat, what);
        hmat_free(&hmat);
    }
    if (srat_parse(srat_d, srat_n, "srat", &srat, &err) ||
        slit_parse(slit_d, slit_n, "slit", &slit, &err) ||
        madt_parse(madt_d, madt_n, "madt", &madt, &err))
        fail_msg("%s: parse: %s", what, err.msg);

    /* SRAT: one enabled CPU entry per vCPU in order (the hot-pluggable ones
     * too), then the generic initiators, then the memory ranges. */
    assert_int_equal(srat.revision, 3);
    for (size_t i = 0; i < nc; i++, k++) {
        const struct vt_vcpu *c = any_vcpu(l, i);
        const struct acpi_srat_entry *e = &srat.entries[k];

        if (c->vcpu != i || e->apic_id != c->apic_id ||
            e->pxm != vt_layout_vnode(l, c->vnode)->guest_pxm ||
            e->type != (c->apic_id < 255 && !x2apic_all ? VT_SRAT_LAPIC : VT_SRAT_X2APIC) ||
            e->flags != VT_SRAT_ENABLED)
            fail_msg("%s: SRAT entry %zu does not describe vCPU %zu", what, k, i);
    }
    check_srat_rest(l, &srat, k, what);
    check_linux_nodes(l, &srat, what);
    check_hotplug_placement(l, what);
    /* SLIT: valid for Linux, indexed by guest PXM. */
    assert_true(slit_valid(&slit));
    for (size_t a = 0; a < nv; a++)
        for (size_t b = 0; b < nv; b++) {
            uint32_t pa = vt_layout_vnode(l, a)->guest_pxm, pb = vt_layout_vnode(l, b)->guest_pxm;

            if (slit.entries[pa * slit.count + pb] !=
                vt_layout_distance(l, (unsigned)a, (unsigned)b))
                fail_msg("%s: SLIT[%u][%u] differs from the distance of vnodes %zu, %zu", what, pa,
                         pb, a, b);
        }
    /* MADT (revision 5): a processor entry per vCPU, UID = vCPU index, LAPIC
     * below 255; present ones enabled, hot-pluggable ones online-capable. */
    assert_int_equal(madt.revision, 5);
    assert_int_equal(madt.ncpus, nc);
    assert_int_equal(madt.lapic_address, 0xfee00000u);
    /* A vCPU whose APIC ID is below 255 but whose UID is not fits no LAPIC
     * entry, and Linux 6.7+ drops x2APIC entries below 255 next to LAPIC
     * ones: then every entry is x2APIC. */
    bool all_x2apic = false;

    for (size_t i = 0; i < nc; i++)
        all_x2apic |= any_vcpu(l, i)->apic_id < 255 && i >= 255;
    {
        bool any_x2apic = all_x2apic;

        for (size_t i = 0; i < nc; i++)
            any_x2apic |= any_vcpu(l, i)->apic_id >= 255 || i >= 255;
        /* IO-APIC, IRQ0 override, LAPIC NMI, and the x2APIC NMI if needed. */
        assert_int_equal(madt.nother, 3 + any_x2apic);
    }
    for (size_t i = 0; i < nc; i++) {
        const struct vt_vcpu *c = any_vcpu(l, i);
        const struct acpi_madt_cpu *m = &madt.cpus[i];

        if (m->apic_id != c->apic_id || m->uid != c->vcpu ||
            m->flags != (i < np ? VT_MADT_ENABLED : VT_MADT_ONLINE_CAPABLE) ||
            m->type != (c->apic_id < 255 && c->vcpu < 255 && !all_x2apic ? 0 : 9))
            fail_msg("%s: MADT entry %zu does not describe vCPU %zu", what, i, i);
    }
    {
        bool big_pxm = false;

        for (size_t v = 0; v < nv; v++)
            big_pxm |= vt_layout_vnode(l, v)->guest_pxm >= 256; /* Linux drops the SRAT */
        if (!big_pxm)
            check_check(l, srat_d, srat_n, slit_d, slit_n, madt_d, madt_n, hmat_d, hmat_n, what);
    }
    srat_free(&srat);
    slit_free(&slit);
    madt_free(&madt);
    free(srat_d);
    free(slit_d);
    free(madt_d);
    free(hmat_d);
}

/* A plan; extra is "" or the hot-plug and device options as
 * "max=N;gi=LIST;hot=LIST" (any of them). */
static struct vt_layout *plan_extra(const struct vt_host *h, unsigned vcpus, unsigned vnodes,
                                    const char *apic, const char *layout, uint64_t mem,
                                    const char *extra)
{
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    char *copy = strdup(extra), *save = NULL;
    struct vt_err err;
    int rc = 0;

    assert_non_null(r);
    assert_non_null(copy);
    for (char *tok = strtok_r(copy, ";", &save); tok && !rc; tok = strtok_r(NULL, ";", &save)) {
        if (!strncmp(tok, "max=", 4))
            rc = vt_request_set_max_vcpus(r, (unsigned)atoi(tok + 4), &err);
        else if (!strncmp(tok, "gi=", 3))
            rc = vt_request_parse_initiators(r, tok + 3, &err);
        else if (!strncmp(tok, "hot=", 4))
            rc = vt_request_parse_hotplug_memory(r, tok + 4, &err);
        else
            fail_msg("test defect: '%s'", tok);
    }
    if (rc || vt_request_set_vcpus(r, vcpus, &err) || vt_request_set_memory(r, mem, &err) ||
        vt_request_set_vnodes(r, vnodes, &err) || vt_request_parse_apic(r, apic, &err) ||
        vt_request_parse_mem_layout(r, layout, &err) || vt_plan(h, r, &l, &err))
        fail_msg("plan %u/%u/%s/%s/%s: %s", vcpus, vnodes, apic, layout, extra, err.msg);
    free(copy);
    vt_request_free(r);
    return l;
}

static struct vt_layout *plan_text(const struct vt_host *h, unsigned vcpus, unsigned vnodes,
                                   const char *apic, const char *layout, uint64_t mem)
{
    return plan_extra(h, vcpus, vnodes, apic, layout, mem, "");
}

/* Random hot-plug and device options for a plan of vcpus over vnodes:
 * hot-pluggable vCPUs, generic initiators (in the plan's vnodes or in one
 * new vnode of their own) and hot-pluggable ranges. */
static void random_extra(char *buf, size_t size, unsigned vcpus, unsigned vnodes)
{
    size_t n = 0;
    unsigned total = vnodes;

    buf[0] = '\0';
    if (rand() % 3 == 0)
        n += (size_t)snprintf(buf + n, size - n, "max=%u;", vcpus + (unsigned)rand() % 40);
    if (rand() % 3 == 0) {
        unsigned ngi = 1 + (unsigned)rand() % 3, new_vnode = (unsigned)rand() % 2;

        total += new_vnode;
        n += (size_t)snprintf(buf + n, size - n, "gi=");
        for (unsigned i = 0; i < ngi; i++) {
            unsigned v = i == 0 && new_vnode ? vnodes : (unsigned)rand() % total;

            n += (size_t)snprintf(buf + n, size - n, "%s%04x:%02x:%02x.%x@%u", i ? "," : "",
                                  (unsigned)rand() % 3, i, (unsigned)rand() % 32,
                                  (unsigned)rand() % 8, v);
        }
        n += (size_t)snprintf(buf + n, size - n, ";");
    }
    if (rand() % 3 == 0) {
        unsigned nh = 1 + (unsigned)rand() % 3;

        n += (size_t)snprintf(buf + n, size - n, "hot=");
        for (unsigned i = 0; i < nh; i++)
            n += (size_t)snprintf(buf + n, size - n, "%s%uM@%u", i ? "," : "",
                                  128 * (1 + (unsigned)rand() % 24), (unsigned)rand() % total);
    }
}

static void test_random_roundtrip(void **state)
{
    static const char *apics[] = {"sdm", "xen", "legacy"};
    static const char *layouts[] = {"flat", "qemu-pc", "qemu-q35", "xen-hvm"};
    unsigned seed = t_seed("test_random_roundtrip");
    struct vt_host *h = t_synthetic("sockets=4,nodes-per-socket=2,cores=64,threads=2,mem=1T");

    (void)state;
    for (int iter = 0; iter < 2000; iter++) {
        unsigned vcpus = 1 + (unsigned)rand() % 300, vnodes = 1 + (unsigned)rand() % 8;
        const char *apic = apics[rand() % 3], *layout = layouts[rand() % 4];
        uint64_t mem = 2 * M * (uint64_t)(1 + rand() % 8192);
        char extra[256], what[400];
        struct vt_layout *l;

        random_extra(extra, sizeof(extra), vcpus, vnodes);
        l = plan_extra(h, vcpus, vnodes, apic, layout, mem, extra);
        snprintf(what, sizeof(what), "seed %u: %u vCPUs, %u vnodes, %s, %s, '%s'", seed, vcpus,
                 vnodes, apic, layout, extra);
        check_tables(l, what, rand() % 4 == 0);
        vt_layout_free(l);
    }
    vt_host_free(h);
}

/* dom0 identity with a PXM gap: the SLIT has a row for the unused PXM (10 on
 * its diagonal, 20 elsewhere), and the empty vnode has no SRAT entry. */
static void test_sparse_pxm(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=4,mem=8G,pxms=0,2");
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    uint8_t *d;
    size_t n;
    struct acpi_slit slit;

    (void)state;
    assert_int_equal(vt_request_set_vcpus(r, 8, NULL), 0);
    assert_int_equal(vt_request_set_pin_identity(r, NULL), 0);
    assert_int_equal(vt_plan(h, r, &l, NULL), 0);
    check_tables(l, "pin-identity", false);
    assert_int_equal(vt_acpi_slit(l, NULL, &d, &n, NULL), 0);
    assert_int_equal(slit_parse(d, n, "slit", &slit, NULL), 0);
    assert_int_equal(slit.count, 3);
    assert_int_equal(slit.entries[1 * 3 + 1], 10);
    assert_int_equal(slit.entries[0 * 3 + 1], 20);
    assert_int_equal(slit.entries[0 * 3 + 2], 21);
    slit_free(&slit);
    free(d);
    vt_layout_free(l);
    vt_request_free(r);
    vt_host_free(h);
}

/* APIC IDs of 255 and more take x2APIC entries in both tables. */
static void test_x2apic(void **state)
{
    struct vt_host *h = t_synthetic("sockets=4,cores=128,mem=64G");
    struct vt_layout *l = plan_text(h, 300, 2, "xen", "flat", 4096 * M);

    (void)state;
    assert_true(vt_layout_vcpu(l, 299)->apic_id >= 255);
    check_tables(l, "300 vCPUs", false);
    vt_layout_free(l);
    vt_host_free(h);
}

/* Hot-pluggable vCPUs 255-299 spread into vnode 0 get APIC IDs 155-199:
 * below 255 with a UID that is not, which no LAPIC entry can hold, and an
 * x2APIC entry below 255 next to LAPIC entries Linux 6.7+ ignores (vtopo
 * check: madt.x2apic_below_255). The MADT then lists every CPU as x2APIC. */
static void test_x2apic_uid(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=200,mem=64G");
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct acpi_madt madt;
    struct vt_err err;
    uint8_t *d;
    size_t n;

    (void)state;
    assert_non_null(r);
    if (vt_request_set_vcpus(r, 200, &err) || vt_request_set_max_vcpus(r, 300, &err) ||
        vt_request_set_memory(r, 4096 * M, &err) ||
        vt_request_parse_vcpu_vnodes(r, "0-99,200-299:0,100-199:1", &err) ||
        vt_plan(h, r, &l, &err))
        fail_msg("plan: %s", err.msg);
    vt_request_free(r);
    assert_int_equal(vt_layout_hotplug_vcpu(l, 55)->vcpu, 255);
    assert_true(vt_layout_hotplug_vcpu(l, 55)->apic_id < 255);
    check_tables(l, "UID 255 with APIC ID below 255", false);
    assert_int_equal(vt_acpi_madt(l, NULL, &d, &n, NULL), 0);
    assert_int_equal(madt_parse(d, n, "madt", &madt, NULL), 0);
    assert_int_equal(madt.ncpus, 300);
    for (size_t i = 0; i < madt.ncpus; i++)
        assert_int_equal(madt.cpus[i].type, 9);
    madt_free(&madt);
    free(d);
    vt_layout_free(l);
    vt_host_free(h);
}

/* A plan with given guest PXMs, distances and HMAT matrices. */
static struct vt_layout *plan_numa(const struct vt_host *h, const char *vcpu_nodes,
                                   const char *vnode_memory, const char *pxms, const char *dist,
                                   const char *lat, const char *bw)
{
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct vt_err err;

    assert_non_null(r);
    if (vt_request_set_vcpus(r, 4, &err) || vt_request_set_memory(r, 3072 * M, &err) ||
        vt_request_parse_vcpu_vnodes(r, vcpu_nodes, &err) ||
        vt_request_parse_vnode_memory(r, vnode_memory, &err) ||
        (pxms && vt_request_parse_guest_pxms(r, pxms, &err)) ||
        (dist && vt_request_parse_distances(r, dist, &err)) ||
        (lat && vt_request_parse_hmat_latency(r, lat, &err)) ||
        (bw && vt_request_parse_hmat_bandwidth(r, bw, &err)) || vt_plan(h, r, &l, &err))
        fail_msg("plan_numa: %s", err.msg);
    vt_request_free(r);
    return l;
}

/* Given HMAT values come back from the parsed table exactly: vnodes 0 and 2
 * have vCPUs, 1 and 2 memory (vnode 0 is memory-less, vnode 1 memory-only),
 * sparse guest PXMs 7, 3, 300. Latencies above 65534 ns need a base unit of
 * 4 ns, bandwidths above 65534 MB/s one of 4 MB/s. */
static void test_hmat_given(void **state)
{
    struct vt_host *h = t_synthetic("sockets=2,cores=4,mem=8G,distances=10:21");
    struct vt_layout *l =
        plan_numa(h, "0-1:0,2-3:2", "0,1G,2G", "7,3,300", "10,21,30;21,10,15;30,15,10",
                  "70000,140000;90000,130004", "200000,100000;4,8");
    uint8_t *d;
    size_t n;
    struct acpi_hmat hmat;

    (void)state;
    assert_int_equal(vt_layout_hmat_latency(l, 0, 1), 70000);
    assert_int_equal(vt_layout_hmat_latency(l, 2, 2), 130004);
    assert_int_equal(vt_layout_hmat_bandwidth(l, 0, 2), 100000);
    assert_int_equal(vt_layout_hmat_bandwidth(l, 2, 1), 4);
    /* No entry: vnode 1 has no vCPUs, vnode 0 no memory. */
    assert_int_equal(vt_layout_hmat_latency(l, 1, 1), 0);
    assert_int_equal(vt_layout_hmat_bandwidth(l, 0, 0), 0);
    check_tables(l, "given HMAT", false);
    assert_int_equal(vt_acpi_hmat(l, NULL, &d, &n, NULL), 0);
    assert_int_equal(hmat_parse(d, n, "hmat", &hmat, NULL), 0);
    assert_int_equal(hmat.nlocs, 2);
    assert_int_equal(hmat.locs[0].base_unit, 4000); /* ps */
    assert_int_equal(hmat.locs[0].entries[0], 17500);
    assert_int_equal(hmat.locs[0].entries[3], 32501);
    assert_int_equal(hmat.locs[1].base_unit, 4); /* MB/s */
    assert_int_equal(hmat.locs[1].entries[0], 50000);
    assert_int_equal(hmat.locs[1].entries[2], 1);
    assert_int_equal(hmat.locs[0].pds[0], 7); /* initiators: vnodes 0, 2 */
    assert_int_equal(hmat.locs[0].pds[1], 300);
    assert_int_equal(hmat.locs[0].pds[2], 3); /* targets: vnodes 1, 2 */
    assert_int_equal(hmat.locs[0].pds[3], 300);
    /* Memory-only vnode 1: its nearest initiator by the given latency is
     * vnode 0 (70000 < 90000 ns), though by distance vnode 2 is nearer. */
    assert_int_equal(hmat.npds, 2);
    assert_int_equal(hmat.pds[0].memory_pd, 3);
    assert_int_equal(hmat.pds[0].initiator_pd, 7);
    assert_int_equal(hmat.pds[1].memory_pd, 300);
    assert_int_equal(hmat.pds[1].initiator_pd, 300);
    hmat_free(&hmat);
    free(d);
    vt_layout_free(l);
    /* Derived values follow the given (asymmetric) distances, initiator to
     * target: latency 10 x d(init, target), bandwidth 512000 / d. */
    l = plan_numa(h, "0-1:0,2-3:2", "0,1G,2G", NULL, "10,21,30;22,10,15;31,16,10", NULL, NULL);
    assert_int_equal(vt_layout_hmat_latency(l, 2, 1), 160);
    assert_int_equal(vt_layout_hmat_latency(l, 0, 2), 300);
    assert_int_equal(vt_layout_hmat_bandwidth(l, 2, 1), 32000);
    check_tables(l, "derived from given distances", false);
    vt_layout_free(l);
    vt_host_free(h);
}

/* The base unit against a brute-force search: the smallest unit dividing
 * every value with every quotient at most 65534, or none. */
static void test_hmat_entry_unit(void **state)
{
    unsigned seed = t_seed("test_hmat_entry_unit");
    const uint32_t small[] = {100, 210, 51200};
    const uint32_t big[] = {70000, 140000};
    const uint32_t prime[] = {70001, 3};
    uint64_t gcd = 0, need = 0;

    (void)state;
    assert_int_equal(hmat_entry_unit(small, 3, NULL, NULL), 1);
    assert_int_equal(hmat_entry_unit(big, 2, NULL, NULL), 4);
    assert_int_equal(hmat_entry_unit(prime, 2, &gcd, &need), 0);
    assert_int_equal(gcd, 1);
    assert_int_equal(need, 2);
    for (int iter = 0; iter < 300; iter++) {
        uint32_t v[4];
        size_t n = 1 + (size_t)rand() % 4;
        uint32_t scale = 1 + (uint32_t)rand() % 50, max = 0;
        uint64_t want = 0, got;

        for (size_t i = 0; i < n; i++) {
            v[i] = scale * (1 + (uint32_t)rand() % 8000);
            max = v[i] > max ? v[i] : max;
        }
        for (uint64_t u = 1; u <= max && !want; u++) {
            bool ok = max / u <= VT_HMAT_ENTRY_MAX;

            for (size_t i = 0; i < n && ok; i++)
                ok = v[i] % u == 0;
            if (ok)
                want = u;
        }
        got = hmat_entry_unit(v, n, NULL, NULL);
        if (got != want)
            fail_msg("seed %u: %zu values (first %u, largest %u): unit %llu, brute force %llu",
                     seed, n, v[0], max, (unsigned long long)got, (unsigned long long)want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_roundtrip), cmocka_unit_test(test_sparse_pxm),
        cmocka_unit_test(test_x2apic),           cmocka_unit_test(test_hmat_given),
        cmocka_unit_test(test_x2apic_uid),       cmocka_unit_test(test_hmat_entry_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
