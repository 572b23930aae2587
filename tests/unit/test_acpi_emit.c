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

#include "acpi/parse.h"
#include "unit/support.h"
#include "vtopo/acpi.h"
#include "vtopo/layout.h"

#define M (UINT64_C(1) << 20)

/* Everything the tables say, compared with the layout. */
static void check_tables(const struct vt_layout *l, const char *what, bool x2apic_all)
{
    struct vt_acpi_options o;
    uint8_t *srat_d = NULL, *slit_d = NULL, *madt_d = NULL, *hmat_d = NULL;
    size_t srat_n = 0, slit_n = 0, madt_n = 0, hmat_n = 0, nc = vt_layout_vcpu_count(l);
    size_t nv = vt_layout_vnode_count(l), k = 0;
    struct vt_srat srat;
    struct vt_slit slit;
    struct vt_madt madt;
    struct vt_err err;
    uint32_t first_seen[64];
    size_t nseen = 0;

    vt_acpi_options_init(&o);
    o.srat_x2apic_all = x2apic_all;
    if (vt_acpi_srat(l, &o, &srat_d, &srat_n, &err) ||
        vt_acpi_slit(l, &o, &slit_d, &slit_n, &err) ||
        vt_acpi_madt(l, &o, &madt_d, &madt_n, &err) || vt_acpi_hmat(l, &o, &hmat_d, &hmat_n, &err))
        fail_msg("%s: emit: %s", what, err.msg);
    {
        /* HMAT: an attribute structure per vnode with memory, each memory
         * domain an SRAT memory PXM, the initiator one with vCPUs. */
        struct vt_hmat hmat;
        size_t with_mem = 0;

        if (vt_hmat_parse(hmat_d, hmat_n, "hmat", &hmat, &err) != 0)
            fail_msg("%s: HMAT: %s", what, err.msg);
        for (size_t v = 0; v < nv; v++)
            with_mem += vt_layout_vnode(l, v)->memory_bytes > 0;
        assert_int_equal(hmat.npds, with_mem);
        for (size_t i = 0; i < hmat.npds; i++) {
            bool mem_ok = false, init_ok = false;

            for (size_t v = 0; v < nv; v++) {
                const struct vt_vnode *vn = vt_layout_vnode(l, v);

                mem_ok |= vn->guest_pxm == hmat.pds[i].memory_pd && vn->memory_bytes;
                init_ok |=
                    vn->guest_pxm == hmat.pds[i].initiator_pd && !vt_bitmap_iszero(vn->vcpus);
            }
            if (!mem_ok || !init_ok || !(hmat.pds[i].flags & 1))
                fail_msg("%s: HMAT attribute structure %zu names domains %u/%u", what, i,
                         hmat.pds[i].initiator_pd, hmat.pds[i].memory_pd);
        }
        assert_int_equal(hmat.nlocs, with_mem ? 2 : 0);
        vt_hmat_free(&hmat);
    }
    if (vt_srat_parse(srat_d, srat_n, "srat", &srat, &err) ||
        vt_slit_parse(slit_d, slit_n, "slit", &slit, &err) ||
        vt_madt_parse(madt_d, madt_n, "madt", &madt, &err))
        fail_msg("%s: parse: %s", what, err.msg);

    /* SRAT: one CPU entry per vCPU in order, then the ranges in address order. */
    assert_int_equal(srat.revision, 3);
    for (size_t i = 0; i < nc; i++, k++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);
        const struct vt_srat_entry *e = &srat.entries[k];

        if (e->apic_id != c->apic_id || e->pxm != vt_layout_vnode(l, c->vnode)->guest_pxm ||
            e->type != (c->apic_id < 255 && !x2apic_all ? VT_SRAT_LAPIC : VT_SRAT_X2APIC) ||
            !(e->flags & VT_SRAT_ENABLED))
            fail_msg("%s: SRAT entry %zu does not describe vCPU %zu", what, k, i);
    }
    {
        uint64_t last_end = 0, bytes = 0, ranges = 0;

        for (size_t v = 0; v < nv; v++) {
            const struct vt_vnode *vn = vt_layout_vnode(l, v);

            for (size_t r = 0; r < vn->nranges; r++)
                ranges += vn->ranges[r].end - vn->ranges[r].start;
        }
        for (; k < srat.n; k++) {
            const struct vt_srat_entry *e = &srat.entries[k];

            assert_int_equal(e->type, VT_SRAT_MEMORY);
            if (e->base < last_end)
                fail_msg("%s: SRAT memory entries not in address order", what);
            last_end = e->base + e->length_bytes;
            bytes += e->length_bytes;
        }
        assert_int_equal(bytes, ranges);
    }
    /* Linux numbers nodes by first appearance: the layout's prediction. */
    for (size_t i = 0; i < srat.n; i++) {
        size_t s;

        for (s = 0; s < nseen; s++)
            if (first_seen[s] == srat.entries[i].pxm)
                break;
        if (s == nseen && nseen < 64)
            first_seen[nseen++] = srat.entries[i].pxm;
    }
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);
        int node = -1;

        for (size_t s = 0; s < nseen; s++)
            if (first_seen[s] == vn->guest_pxm)
                node = (int)s;
        if (node != vn->linux_node)
            fail_msg("%s: vnode %zu: Linux numbers it %d, the layout predicts %d", what, v, node,
                     vn->linux_node);
    }
    /* SLIT: valid for Linux, indexed by guest PXM. */
    assert_true(vt_slit_valid(&slit));
    for (size_t a = 0; a < nv; a++)
        for (size_t b = 0; b < nv; b++) {
            uint32_t pa = vt_layout_vnode(l, a)->guest_pxm, pb = vt_layout_vnode(l, b)->guest_pxm;

            if (slit.entries[pa * slit.count + pb] !=
                vt_layout_distance(l, (unsigned)a, (unsigned)b))
                fail_msg("%s: SLIT[%u][%u] differs from the distance of vnodes %zu, %zu", what, pa,
                         pb, a, b);
        }
    /* MADT: a processor entry per vCPU, UID = vCPU index, LAPIC below 255. */
    assert_int_equal(madt.ncpus, nc);
    assert_int_equal(madt.lapic_address, 0xfee00000u);
    {
        bool any_x2apic = false;

        for (size_t i = 0; i < nc; i++)
            any_x2apic |= vt_layout_vcpu(l, i)->apic_id >= 255 || i >= 255;
        /* IO-APIC, IRQ0 override, LAPIC NMI, and the x2APIC NMI if needed. */
        assert_int_equal(madt.nother, 3 + any_x2apic);
    }
    for (size_t i = 0; i < nc; i++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, i);
        const struct vt_madt_cpu *m = &madt.cpus[i];

        if (m->apic_id != c->apic_id || m->uid != c->vcpu || !(m->flags & 1) ||
            m->type != (c->apic_id < 255 && c->vcpu < 255 ? 0 : 9))
            fail_msg("%s: MADT entry %zu does not describe vCPU %zu", what, i, i);
    }
    vt_srat_free(&srat);
    vt_slit_free(&slit);
    vt_madt_free(&madt);
    free(srat_d);
    free(slit_d);
    free(madt_d);
    free(hmat_d);
}

static struct vt_layout *plan_text(const struct vt_host *h, unsigned vcpus, unsigned vnodes,
                                   const char *apic, const char *layout, uint64_t mem)
{
    struct vt_request *r = vt_request_new();
    struct vt_layout *l = NULL;
    struct vt_err err;

    assert_non_null(r);
    if (vt_request_set_vcpus(r, vcpus, &err) || vt_request_set_memory(r, mem, &err) ||
        vt_request_set_vnodes(r, vnodes, &err) || vt_request_set_apic(r, apic, &err) ||
        vt_request_set_mem_layout(r, layout, &err) || vt_plan(h, r, &l, &err))
        fail_msg("plan %u/%u/%s/%s: %s", vcpus, vnodes, apic, layout, err.msg);
    vt_request_free(r);
    return l;
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
        struct vt_layout *l = plan_text(h, vcpus, vnodes, apic, layout, mem);
        char what[160];

        snprintf(what, sizeof(what), "seed %u: %u vCPUs, %u vnodes, %s, %s", seed, vcpus, vnodes,
                 apic, layout);
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
    struct vt_request *r = vt_request_new();
    struct vt_layout *l = NULL;
    uint8_t *d;
    size_t n;
    struct vt_slit slit;

    (void)state;
    assert_int_equal(vt_request_set_vcpus(r, 8, NULL), 0);
    assert_int_equal(vt_request_set_pin_identity(r, NULL), 0);
    assert_int_equal(vt_plan(h, r, &l, NULL), 0);
    check_tables(l, "pin-identity", false);
    assert_int_equal(vt_acpi_slit(l, NULL, &d, &n, NULL), 0);
    assert_int_equal(vt_slit_parse(d, n, "slit", &slit, NULL), 0);
    assert_int_equal(slit.count, 3);
    assert_int_equal(slit.entries[1 * 3 + 1], 10);
    assert_int_equal(slit.entries[0 * 3 + 1], 20);
    assert_int_equal(slit.entries[0 * 3 + 2], 21);
    vt_slit_free(&slit);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_roundtrip),
        cmocka_unit_test(test_sparse_pxm),
        cmocka_unit_test(test_x2apic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
