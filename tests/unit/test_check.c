/* Unit tests: vt_check — our own tables are clean; a negative corpus of
 * hand-broken tables, each giving its expected finding; the real-world bugs
 * of the reference (MADT still vcpu*2, partial SRAT coverage, SLIT in node
 * order with sparse PXMs, a non-standard generic-initiator handle, an LLC
 * spanning vnodes). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unit/support.h"
#include "fields.h"
#include "vtopo/acpi.h"
#include "vtopo/check.h"
#include "vtopo/cpuid.h"
#include "vtopo/emit.h"
#include "vtopo/layout.h"

#define M (UINT64_C(1) << 20)

struct tables {
    uint8_t *t[4]; /* SRAT, SLIT, MADT, HMAT */
    size_t len[4];
    char *e820, *cpuid;
};

static struct vt_layout *plan(const char *host_spec, const char *opts)
{
    struct vt_host_source src = {VT_HOST_SYNTHETIC, host_spec, NULL};
    struct vt_host *h;
    struct vt_request *r = cli_request_new();
    struct vt_layout *l = NULL;
    struct vt_err err;
    char *copy = strdup(opts), *save = NULL;
    int rc = 0;

    assert_int_equal(vt_host_load(&src, &h, &err), 0);
    for (char *tok = strtok_r(copy, ";", &save); tok && !rc; tok = strtok_r(NULL, ";", &save)) {
        char *v = strchr(tok, '=');

        *v++ = '\0';
        if (!strcmp(tok, "vcpus"))
            rc = vt_request_set_vcpus(r, (unsigned)atoi(v), &err);
        else if (!strcmp(tok, "memory"))
            rc = vt_request_set_memory(r, strtoull(v, NULL, 10) * M, &err);
        else if (!strcmp(tok, "vnodes"))
            rc = vt_request_set_vnodes(r, (unsigned)atoi(v), &err);
        else if (!strcmp(tok, "apic"))
            rc = vt_request_parse_apic(r, v, &err);
        else if (!strcmp(tok, "shape"))
            rc = vt_request_parse_shape(r, v, &err);
        else if (!strcmp(tok, "layout"))
            rc = vt_request_parse_mem_layout(r, v, &err);
        else if (!strcmp(tok, "span"))
            vt_request_allow_package_span(r, true);
        else if (!strcmp(tok, "max"))
            rc = vt_request_set_max_vcpus(r, (unsigned)atoi(v), &err);
        else if (!strcmp(tok, "gi"))
            rc = vt_request_parse_initiators(r, v, &err);
        else if (!strcmp(tok, "hot"))
            rc = vt_request_parse_hotplug_memory(r, v, &err);
    }
    if (rc || vt_plan(h, r, &l, &err))
        fail_msg("'%s': %s", opts, err.msg);
    free(copy);
    vt_request_free(r);
    vt_host_free(h);
    return l;
}

static void emit(const struct vt_layout *l, struct tables *t)
{
    assert_int_equal(vt_acpi_srat(l, NULL, &t->t[0], &t->len[0], NULL), 0);
    assert_int_equal(vt_acpi_slit(l, NULL, &t->t[1], &t->len[1], NULL), 0);
    assert_int_equal(vt_acpi_madt(l, NULL, &t->t[2], &t->len[2], NULL), 0);
    assert_int_equal(vt_acpi_hmat(l, NULL, &t->t[3], &t->len[3], NULL), 0);
    assert_int_equal(vt_layout_e820_text(l, &t->e820, NULL), 0);
    assert_int_equal(vt_cpuid_format(l, &t->cpuid), 0);
}

static void tables_free(struct tables *t)
{
    for (int i = 0; i < 4; i++)
        free(t->t[i]);
    free(t->e820);
    free(t->cpuid);
    memset(t, 0, sizeof(*t));
}

static void fix_checksum(uint8_t *d, size_t len)
{
    uint8_t sum = 0;

    d[9] = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + d[i]);
    d[9] = (uint8_t)(0 - sum);
}

static struct vt_check *run(const struct tables *t)
{
    struct vt_check_input in = {.srat = t->t[0],
                                .slit = t->t[1],
                                .madt = t->t[2],
                                .hmat = t->t[3],
                                .srat_len = t->len[0],
                                .slit_len = t->len[1],
                                .madt_len = t->len[2],
                                .hmat_len = t->len[3],
                                .e820_text = t->e820,
                                .cpuid_text = t->cpuid};
    struct vt_check *c = NULL;
    struct vt_err err;

    if (vt_check_run(&in, &c, &err) != 0)
        fail_msg("check: %s", err.msg);
    return c;
}

static bool has_rule(const struct vt_check *c, const char *rule)
{
    for (size_t i = 0; i < vt_check_finding_count(c); i++)
        if (strcmp(vt_check_finding(c, i)->rule, rule) == 0)
            return true;
    return false;
}

static void dump(const struct vt_check *c)
{
    for (size_t i = 0; i < vt_check_finding_count(c); i++)
        printf("  %s %s: %s\n", vt_severity_name(vt_check_finding(c, i)->severity),
               vt_check_finding(c, i)->rule, vt_check_finding(c, i)->message);
}

/* Our tables pass, over a spread of layouts, and the predicted nodes match. */
static void test_ours_are_clean(void **state)
{
    static const char *const opts[] = {
        "vcpus=6;memory=4096;vnodes=2;layout=qemu-q35",
        "vcpus=49;memory=8192;vnodes=2;apic=xen;layout=xen-hvm",
        "vcpus=300;memory=16384;vnodes=3;apic=xen",
        "vcpus=12;memory=8192;vnodes=2;shape=sockets=2,cores=3,threads=2;layout=qemu-pc",
        "vcpus=64;memory=65536;vnodes=8;layout=qemu-q35",
        "vcpus=32;memory=8192;vnodes=4;apic=legacy",
        "vcpus=6;max=12;memory=4096;vnodes=3;layout=qemu-pc;gi=0000:00:04.0@3;hot=2G@1",
        "vcpus=250;max=300;memory=8192;vnodes=2;apic=xen;gi=0001:80:00.0@0;hot=1G@0"};

    (void)state;
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        struct vt_layout *l = plan("sockets=4,nodes-per-socket=2,cores=64,mem=512G", opts[i]);
        struct tables t = {0};
        struct vt_check *c;

        emit(l, &t);
        c = run(&t);
        if (vt_check_count(c, VT_SEV_ERROR) || vt_check_count(c, VT_SEV_WARNING)) {
            dump(c);
            fail_msg("'%s': our own tables have problems", opts[i]);
        }
        assert_true(vt_check_srat_used(c) && vt_check_slit_used(c) && vt_check_hmat_used(c));
        assert_int_equal(vt_check_node_count(c), vt_layout_vnode_count(l));
        for (size_t n = 0; n < vt_check_node_count(c); n++) {
            const struct vt_check_node *cn = vt_check_node(c, n);
            const struct vt_vnode *vn = NULL;

            for (size_t v = 0; v < vt_layout_vnode_count(l); v++)
                if (vt_layout_vnode(l, v)->linux_node == cn->linux_node)
                    vn = vt_layout_vnode(l, v);
            assert_non_null(vn);
            assert_int_equal(cn->pxm, vn->guest_pxm);
            assert_int_equal(cn->ncpus, vt_bitmap_weight(vn->vcpus));
            assert_int_equal(cn->hotplug_cpus, vt_bitmap_weight(vn->hotplug_vcpus));
            assert_int_equal(cn->hotplug_memory_bytes, vn->hotplug_memory_bytes);
            assert_int_equal(cn->generic_initiators, vn->ninitiators);
        }
        vt_check_free(c);
        tables_free(&t);
        vt_layout_free(l);
    }
}

/* A mutation of the base tables and the rule it must trigger. */
struct mutation {
    const char *name;
    int table;  /* 0 SRAT, 1 SLIT, 2 MADT, 3 HMAT, -1 none */
    size_t off; /* byte to set */
    uint8_t value;
    bool keep_checksum; /* leave the checksum wrong */
    const char *rule;
};

/* Base layout: 4 vCPUs, 2 vnodes, flat 4 GiB. SRAT: 48 header, 4 LAPIC
 * entries of 16 (48..111), 2 memory entries of 40 (112..191). MADT: 44
 * header, 4 LAPIC entries of 8 (44..75), IO-APIC 76, override 88, NMI 98.
 * SLIT: 44 + 2x2. HMAT: 40, 2 attribute structures of 40 (40..119), 2
 * locality structures. */
static const struct mutation corpus[] = {
    {"SRAT checksum", 0, 9, 0x00, true, "table.checksum"},
    {"SLIT checksum", 1, 9, 0x00, true, "table.checksum"},
    {"MADT checksum", 2, 9, 0x00, true, "table.checksum"},
    {"HMAT checksum", 3, 9, 0x00, true, "table.checksum"},
    {"SRAT length field", 0, 4, 0x00, false, "table.length"},
    {"MADT length field", 2, 5, 0x10, false, "table.length"},
    {"SRAT subtable length 1", 0, 49, 1, false, "srat.structure"},
    {"SRAT LAPIC length 15", 0, 49, 15, false, "srat.structure"},
    {"SRAT LAPIC length 17", 0, 65, 17, false, "srat.structure"},
    {"SRAT memory length 39", 0, 113, 39, false, "srat.structure"},
    {"SRAT memory length runs past the end", 0, 153, 200, false, "srat.structure"},
    {"SRAT zero-length subtable", 0, 49, 0, false, "srat.structure"},
    {"SRAT memory entries disabled (1)", 0, 140, 0, false, "srat.coverage"},
    {"SRAT CPU PXM 65536 (rev 3 high bytes)", 0, 58, 1, false, "srat.rejected"},
    {"SRAT memory PXM 65536", 0, 116, 1, false, "srat.rejected"},
    {"SRAT CPU PXM 256 (a node on 1024-node kernels)", 0, 57, 1, false, "srat.pxm_above_255"},
    {"SRAT memory PXM 256", 0, 115, 1, false, "srat.pxm_above_255"},
    {"SRAT memory ranges overlap", 0, 163, 0x7f, false, "srat.rejected"},
    {"SRAT memory base moved: RAM uncovered", 0, 124, 0x10, false, "srat.coverage"},
    {"SRAT CPU entry disabled: CPU without node", 0, 52, 0, false, "cross.cpu_without_node"},
    {"SRAT CPU APIC ID not in MADT", 0, 51, 0x40, false, "cross.srat_cpu_not_in_madt"},
    {"SRAT revision 1", 0, 8, 1, false, "srat.revision"},
    {"SLIT diagonal 11", 1, 44, 11, false, "slit.invalid"},
    {"SLIT off-diagonal 10", 1, 45, 10, false, "slit.invalid"},
    {"SLIT off-diagonal 0", 1, 46, 0, false, "slit.invalid"},
    {"SLIT count 1 for 2 PXMs", 1, 36, 1, false, "slit.count"},
    {"SLIT count beyond the table", 1, 36, 9, false, "slit.structure"},
    {"MADT LAPIC length 7", 2, 45, 7, false, "madt.structure"},
    {"MADT subtable length 0", 2, 53, 0, false, "madt.structure"},
    {"MADT duplicate APIC ID", 2, 55, 0, false, "madt.duplicate"},
    {"MADT LAPIC ID 0xff", 2, 63, 0xff, false, "madt.lapic_ff"},
    {"MADT entry disabled: SRAT CPU not in MADT", 2, 48, 0, false, "cross.srat_cpu_not_in_madt"},
    {"HMAT memory PD missing from SRAT", 3, 56, 7, false, "hmat.memory_pd_missing"},
    {"HMAT initiator PD missing from SRAT", 3, 52, 9, false, "hmat.initiator_missing"},
    {"HMAT attribute structure length 41", 3, 44, 41, false, "hmat.structure"},
    {"HMAT revision 3", 3, 8, 3, false, "hmat.structure"},
};

static void test_negative_corpus(void **state)
{
    struct vt_layout *l = plan("sockets=2,cores=8,mem=16G", "vcpus=4;memory=4096;vnodes=2");
    size_t ncorpus = sizeof(corpus) / sizeof(corpus[0]);

    (void)state;
    assert_true(ncorpus >= 30);
    for (size_t i = 0; i < ncorpus; i++) {
        const struct mutation *m = &corpus[i];
        struct tables t = {0};
        struct vt_check *c;

        emit(l, &t);
        assert_true(m->off < t.len[m->table]);
        t.t[m->table][m->off] = m->value;
        if (!m->keep_checksum && m->off != 4 && m->off != 5)
            fix_checksum(t.t[m->table], t.len[m->table]);
        c = run(&t);
        if (!has_rule(c, m->rule)) {
            dump(c);
            fail_msg("'%s': no %s finding", m->name, m->rule);
        }
        printf("  %-45s -> %s\n", m->name, m->rule);
        vt_check_free(c);
        tables_free(&t);
    }
    vt_layout_free(l);
}

/* A file that is not the table its slot says is not a broken table but
 * unusable input: vt_check_run fails with a sentence (vtopo check: exit 2),
 * whether the table came by name (a directory) or by signature. Entries
 * whose length is below the 2-byte entry header say so. */
static void test_not_a_table(void **state)
{
    struct vt_layout *l = plan("sockets=2,cores=8,mem=16G", "vcpus=4;memory=4096;vnodes=2");
    static const char *const what[4] = {"not an SRAT", "not a SLIT", "not a MADT", "not an HMAT"};
    struct tables t = {0};
    struct vt_check *c = NULL;
    struct vt_err err;

    (void)state;
    for (int k = 0; k < 4; k++) {
        struct vt_check_input in = {0};
        const uint8_t **slot[4] = {&in.srat, &in.slit, &in.madt, &in.hmat};
        size_t *len[4] = {&in.srat_len, &in.slit_len, &in.madt_len, &in.hmat_len};

        emit(l, &t);
        /* Another table's signature. */
        t.t[k][0] = 'X';
        *slot[k] = t.t[k];
        *len[k] = t.len[k];
        assert_int_equal(vt_check_run(&in, &c, &err), -EINVAL);
        assert_null(c);
        assert_non_null(strstr(err.msg, what[k]));
        assert_non_null(strstr(err.msg, "signature 'X"));
        /* Shorter than the header (an empty file, too). */
        *len[k] = 35;
        assert_int_equal(vt_check_run(&in, &c, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "35 bytes"));
        *len[k] = 0;
        assert_int_equal(vt_check_run(&in, &c, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "0 bytes"));
        tables_free(&t);
    }
    /* SRAT and MADT entries of length 0 or 1: below the entry header. */
    for (uint8_t bad = 0; bad < 2; bad++) {
        emit(l, &t);
        t.t[0][49] = bad;
        fix_checksum(t.t[0], t.len[0]);
        t.t[2][45] = bad;
        fix_checksum(t.t[2], t.len[2]);
        c = run(&t);
        for (size_t i = 0; i < vt_check_finding_count(c); i++) {
            const struct vt_finding *f = vt_check_finding(c, i);

            if (!strcmp(f->rule, "srat.structure") || !strcmp(f->rule, "madt.structure")) {
                assert_non_null(strstr(f->message, "below 2"));
                assert_null(strstr(f->message, "runs past"));
            }
        }
        assert_true(has_rule(c, "srat.structure"));
        assert_true(has_rule(c, "madt.structure"));
        vt_check_free(c);
        tables_free(&t);
    }
    vt_layout_free(l);
}

/* The reference's real-world bugs. */
static void test_real_world_bugs(void **state)
{
    const char *host = "sockets=2,cores=32,mem=64G";
    struct vt_layout *sdm = plan(host, "vcpus=6;memory=4096;vnodes=2;shape=sockets=2,cores=3");
    struct vt_layout *legacy = plan(host, "vcpus=6;memory=4096;vnodes=2;apic=legacy");
    struct tables a = {0}, b = {0};
    struct vt_check *c;

    (void)state;
    /* 1. The MADT still says vcpu*2 after the APIC encoding changed. */
    emit(sdm, &a);
    emit(legacy, &b);
    free(a.t[2]);
    a.t[2] = b.t[2];
    a.len[2] = b.len[2];
    b.t[2] = NULL;
    c = run(&a);
    assert_true(has_rule(c, "cpuid.apic_mismatch"));
    assert_true(has_rule(c, "cross.srat_cpu_not_in_madt"));
    vt_check_free(c);
    tables_free(&a);
    tables_free(&b);

    /* 2. An SRAT covering only part of RAM (a 2 GiB plan's SRAT, a 4 GiB E820). */
    {
        struct vt_layout *small = plan(host, "vcpus=6;memory=2048;vnodes=2");

        emit(sdm, &a);
        emit(small, &b);
        free(a.t[0]);
        a.t[0] = b.t[0];
        a.len[0] = b.len[0];
        b.t[0] = NULL;
        c = run(&a);
        assert_true(has_rule(c, "srat.coverage"));
        assert_false(vt_check_srat_used(c));
        vt_check_free(c);
        tables_free(&a);
        tables_free(&b);
        vt_layout_free(small);
    }

    /* 3. SLIT rows in node order with sparse PXMs (0, 2, 5), as
     * cloud-hypervisor wrote them: locality count 3. */
    {
        struct buf s;
        static const uint8_t m3[] = {10, 20, 20, 20, 10, 20, 20, 20, 10};

        emit(sdm, &a);
        t_srat_begin(&s, 3);
        t_srat_lapic(&s, 0, 0, 1);
        t_srat_lapic(&s, 2, 1, 1);
        t_srat_lapic(&s, 5, 2, 1);
        t_srat_mem(&s, 0, 0, 1024 * M, 1);
        t_srat_mem(&s, 2, 1024 * M, 1024 * M, 1);
        t_srat_mem(&s, 5, 2048 * M, 2048 * M, 1);
        t_acpi_end(&s);
        free(a.t[0]);
        a.t[0] = s.data;
        a.len[0] = s.len;
        t_slit(&s, 3, m3);
        free(a.t[1]);
        a.t[1] = s.data;
        a.len[1] = s.len;
        free(a.t[3]);
        a.t[3] = NULL;
        free(a.cpuid);
        a.cpuid = NULL;
        c = run(&a);
        assert_true(has_rule(c, "slit.count"));
        vt_check_free(c);
        tables_free(&a);
    }

    /* 4. A generic initiator with a non-standard PCI handle layout
     * (bus in bytes 2-3, device in 4-5, function in 6-7). */
    {
        struct buf s;

        emit(sdm, &a);
        t_srat_begin(&s, 3);
        t_srat_mem(&s, 0, 0, 4096 * M, 1);
        t_srat_gi(&s, 0, 1);
        s.data[s.len - 32 + 8 + 4] = 3; /* device 3 at byte 4 */
        t_acpi_end(&s);
        free(a.t[0]);
        a.t[0] = s.data;
        a.len[0] = s.len;
        c = run(&a);
        assert_true(has_rule(c, "srat.gi_handle"));
        vt_check_free(c);
        tables_free(&a);
    }

    /* 5. CPUID whose LLC spans vnodes: one package of 6 with a shared L3,
     * against tables that split it over 2 vnodes. */
    {
        struct vt_layout *one = plan(host, "vcpus=6;memory=4096;vnodes=1;shape=sockets=1,cores=6");
        struct vt_layout *two =
            plan(host, "vcpus=6;memory=4096;vnodes=2;shape=sockets=1,cores=6;span=1");

        emit(two, &a);
        emit(one, &b);
        free(a.cpuid);
        a.cpuid = b.cpuid;
        b.cpuid = NULL;
        c = run(&a);
        assert_true(has_rule(c, "cpuid.llc_spans_nodes"));
        assert_true(has_rule(c, "cpuid.package_spans_nodes"));
        vt_check_free(c);
        tables_free(&a);
        tables_free(&b);
        /* Our own CPUID for the spanning layout splits the LLC: only the
         * package warning remains. */
        emit(two, &a);
        c = run(&a);
        assert_false(has_rule(c, "cpuid.llc_spans_nodes"));
        assert_true(has_rule(c, "cpuid.package_spans_nodes"));
        vt_check_free(c);
        tables_free(&a);
        vt_layout_free(one);
        vt_layout_free(two);
    }
    vt_layout_free(sdm);
    vt_layout_free(legacy);
}

/* A memory image: RSDP at 0xe0000 (16-aligned), XSDT and RSDT listing our
 * tables plus one address outside the image; the tables are found through the
 * XSDT, through the RSDT when the RSDP is revision 0, and not at all when the
 * RSDP checksum is wrong. */
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void test_memory_image(void **state)
{
    struct vt_layout *l = plan("sockets=2,cores=8,mem=16G", "vcpus=4;memory=4096;vnodes=2");
    size_t size = 0x200000, at = 0x100000, addr[4];
    uint8_t *img = calloc(1, size), *rsdp = img + 0xe0000;
    struct tables t = {0};
    struct vt_check_input in = {0};
    struct vt_check *c;
    struct vt_err err;
    struct buf x;

    (void)state;
    assert_non_null(img);
    emit(l, &t);
    for (int i = 0; i < 4; i++) {
        memcpy(img + at, t.t[i], t.len[i]);
        addr[i] = at;
        at += (t.len[i] + 15) & ~(size_t)15;
    }
    /* XSDT at 0x180000, RSDT at 0x181000. */
    t_acpi_begin(&x, "XSDT", 1);
    for (int i = 0; i < 4; i++)
        buf_le(&x, addr[i], 8);
    buf_le(&x, UINT64_C(0x7fff0000000), 8); /* outside the image */
    t_acpi_end(&x);
    memcpy(img + 0x180000, x.data, x.len);
    buf_free(&x);
    t_acpi_begin(&x, "RSDT", 1);
    for (int i = 0; i < 4; i++)
        buf_le(&x, addr[i], 4);
    t_acpi_end(&x);
    memcpy(img + 0x181000, x.data, x.len);
    buf_free(&x);
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "VTOPO ", 6);
    rsdp[15] = 2;
    put32(rsdp + 16, 0x181000);
    put32(rsdp + 20, 36);
    put64(rsdp + 24, 0x180000);
    rsdp[8] = 0;
    {
        uint8_t s = 0;

        for (int i = 0; i < 20; i++)
            s = (uint8_t)(s + rsdp[i]);
        rsdp[8] = (uint8_t)(0 - s);
        s = 0;
        for (int i = 0; i < 36; i++)
            s = (uint8_t)(s + rsdp[i]);
        rsdp[32] = (uint8_t)(0 - s);
    }
    assert_int_equal(vt_check_input_from_image(&in, img, size, 0, &err), 0);
    assert_non_null(in.srat);
    assert_non_null(in.hmat);
    assert_int_equal(in.madt_len, t.len[2]);
    c = run(&t);
    {
        struct vt_check *ci;

        assert_int_equal(vt_check_run(&in, &ci, &err), 0);
        assert_int_equal(vt_check_node_count(ci), vt_check_node_count(c));
        assert_int_equal(vt_check_count(ci, VT_SEV_ERROR), 0);
        /* The XSDT entry outside the image is said, not only counted. */
        assert_string_equal(in.image_root, "XSDT");
        assert_int_equal(in.image_nskipped, 1);
        assert_int_equal(in.image_skipped[0].entry, 4);
        assert_true(in.image_skipped[0].address == UINT64_C(0x7fff0000000));
        assert_true(has_rule(ci, "image.table_skipped"));
        vt_check_free(ci);
    }
    vt_check_free(c);
    /* Only the SLIT, and an entry whose Length runs past the image: no SRAT
     * is read, and the note says the SRAT may be among the skipped. */
    {
        struct vt_check *ci;

        t_acpi_begin(&x, "XSDT", 1);
        buf_le(&x, addr[1], 8);
        buf_le(&x, size - 40, 8);
        t_acpi_end(&x);
        memcpy(img + 0x180000, x.data, x.len);
        buf_free(&x);
        put32(img + size - 40 + 4, 4096); /* Length past the end */
        memset(&in, 0, sizeof(in));
        assert_int_equal(vt_check_input_from_image(&in, img, size, 0, &err), 0);
        assert_null(in.srat);
        assert_int_equal(in.image_nskipped, 1);
        assert_non_null(strstr(in.image_skipped[0].why, "runs past the end of the image"));
        assert_int_equal(vt_check_run(&in, &ci, &err), 0);
        assert_true(has_rule(ci, "image.table_skipped"));
        for (size_t i = 0; i < vt_check_finding_count(ci); i++)
            if (!strcmp(vt_check_finding(ci, i)->rule, "srat.absent"))
                assert_non_null(
                    strstr(vt_check_finding(ci, i)->message, "1 XSDT entry could not be read"));
        vt_check_free(ci);
    }
    /* The SRAT listed twice: two SRATs, as two SRAT files are (-EINVAL). */
    t_acpi_begin(&x, "XSDT", 1);
    buf_le(&x, addr[0], 8);
    buf_le(&x, addr[1], 8);
    buf_le(&x, addr[0], 8);
    t_acpi_end(&x);
    memcpy(img + 0x180000, x.data, x.len);
    buf_free(&x);
    memset(&in, 0, sizeof(in));
    assert_int_equal(vt_check_input_from_image(&in, img, size, 0, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "the XSDT lists two SRAT tables (at 0x100000 and 0x100000)"));
    /* Revision 0: the RSDT (the XSDT's address is not read). */
    rsdp[15] = 0;
    rsdp[8] = (uint8_t)(rsdp[8] + 2);
    memset(&in, 0, sizeof(in));
    assert_int_equal(vt_check_input_from_image(&in, img, size, 0, &err), 0);
    assert_non_null(in.slit);
    /* A wrong RSDP checksum: no RSDP. */
    rsdp[8]++;
    memset(&in, 0, sizeof(in));
    assert_int_equal(vt_check_input_from_image(&in, img, size, 0, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "no valid RSDP"));
    tables_free(&t);
    free(img);
    vt_layout_free(l);
}

/* Hot-pluggable vCPUs and memory and generic initiators: our tables are
 * clean and the predicted nodes count them apart; each broken flag gives its
 * rule. */
static void test_hotplug_and_initiators(void **state)
{
    struct vt_layout *l =
        plan("sockets=2,cores=8,mem=16G", "vcpus=2;max=4;memory=4096;vnodes=2;layout=qemu-q35;"
                                          "gi=0000:00:04.0@2;hot=1G@1");
    struct tables t = {0};
    struct vt_check *c;
    const struct vt_check_node *n;
    /* MADT: 44 header, 4 LAPIC entries of 8; the hot-pluggable vCPUs 2 and 3
     * (vnode 1) at 60 and 68. */
    const size_t madt_cpu2_flags = 44 + 2 * 8 + 4;

    (void)state;
    emit(l, &t);
    c = run(&t);
    if (vt_check_count(c, VT_SEV_ERROR) || vt_check_count(c, VT_SEV_WARNING)) {
        dump(c);
        fail_msg("our own tables with hot-plug and a generic initiator have problems");
    }
    assert_int_equal(vt_check_node_count(c), 3);
    n = vt_check_node(c, 0);
    assert_int_equal(n->ncpus, 2);
    assert_int_equal(n->hotplug_cpus, 0);
    n = vt_check_node(c, 1);
    assert_int_equal(n->ncpus, 0);
    assert_int_equal(n->hotplug_cpus, 2);
    assert_int_equal(n->memory_bytes, 2048 * M);
    assert_int_equal(n->hotplug_memory_bytes, 1024 * M);
    n = vt_check_node(c, 2);
    assert_int_equal(n->pxm, 2);
    assert_int_equal(n->generic_initiators, 1);
    assert_int_equal(n->ncpus + n->hotplug_cpus + n->memory_bytes + n->hotplug_memory_bytes, 0);
    assert_true(has_rule(c, "node.initiator_only"));
    {
        char *json = NULL;

        assert_int_equal(vt_check_to_json(c, &json, NULL), 0);
        assert_non_null(strstr(json,
                               "{\"linux_node\": 1, \"pxm\": 1, \"cpus\": 0, \"memory_bytes\": "
                               "2147483648, \"hotplug_cpus\": 2, \"hotplug_memory_bytes\": "
                               "1073741824, \"generic_initiators\": 0}"));
        free(json);
    }
    vt_check_free(c);
    /* The online-capable flag in a revision 3 MADT: ignored by Linux. */
    t.t[2][8] = 3;
    fix_checksum(t.t[2], t.len[2]);
    c = run(&t);
    assert_true(has_rule(c, "madt.online_capable_revision"));
    assert_false(has_rule(c, "cross.srat_cpu_not_in_madt"));
    vt_check_free(c);
    /* Revision 3, flags 0 (QEMU's way): still counted as hot-pluggable. */
    t.t[2][madt_cpu2_flags] = 0;
    t.t[2][madt_cpu2_flags + 8] = 0;
    fix_checksum(t.t[2], t.len[2]);
    c = run(&t);
    assert_false(has_rule(c, "madt.online_capable_revision"));
    assert_false(has_rule(c, "cross.srat_cpu_not_in_madt"));
    assert_int_equal(vt_check_node(c, 1)->hotplug_cpus, 2);
    vt_check_free(c);
    /* Revision 5, flags 0: Linux never counts the CPU. */
    t.t[2][8] = 5;
    fix_checksum(t.t[2], t.len[2]);
    c = run(&t);
    assert_true(has_rule(c, "madt.not_online_capable"));
    assert_true(has_rule(c, "cross.srat_cpu_not_in_madt"));
    assert_int_equal(vt_check_node(c, 1)->hotplug_cpus, 0);
    vt_check_free(c);
    /* Enabled and online-capable at once: a note. */
    t.t[2][44 + 4] = 3;
    fix_checksum(t.t[2], t.len[2]);
    c = run(&t);
    assert_true(has_rule(c, "madt.online_capable_enabled"));
    vt_check_free(c);
    tables_free(&t);
    vt_layout_free(l);
}

/* Linux reads processor and generic initiator entries in one pass in table
 * order, memory after; a failing generic initiator ends that pass. */
static void test_initiator_order(void **state)
{
    struct vt_layout *l = plan("sockets=2,cores=8,mem=16G", "vcpus=2;memory=4096;vnodes=2");
    struct tables t = {0};
    struct vt_check *c;
    struct buf s;

    (void)state;
    /* LAPIC 0 in PXM 5, a GI in PXM 7, LAPIC 1 in PXM 9, memory of 5 and 9:
     * nodes 5, 7, 9 (with the GI read among the memory, 7 would be last). */
    emit(l, &t);
    free(t.t[3]);
    t.t[3] = NULL;
    free(t.cpuid);
    t.cpuid = NULL;
    t_srat_begin(&s, 3);
    t_srat_lapic(&s, 5, 0, 1);
    t_srat_gi(&s, 7, 1);
    t_srat_lapic(&s, 9, 1, 1);
    t_srat_mem(&s, 5, 0, 2048 * M, 1);
    t_srat_mem(&s, 9, 2048 * M, 2048 * M, 1);
    t_acpi_end(&s);
    free(t.t[0]);
    t.t[0] = s.data;
    t.len[0] = s.len;
    c = run(&t);
    assert_true(vt_check_srat_used(c));
    assert_int_equal(vt_check_node_count(c), 3);
    assert_int_equal(vt_check_node(c, 0)->pxm, 5);
    assert_int_equal(vt_check_node(c, 1)->pxm, 7);
    assert_int_equal(vt_check_node(c, 1)->generic_initiators, 1);
    assert_int_equal(vt_check_node(c, 2)->pxm, 9);
    assert_int_equal(vt_check_node(c, 2)->ncpus, 1);
    assert_false(has_rule(c, "srat.gi_error"));
    vt_check_free(c);
    /* The GI disabled: its handler fails and LAPIC 1 is never read: PXM 9
     * is numbered from its memory, without the CPU. */
    t.t[0][48 + 16 + 24] = 0;
    fix_checksum(t.t[0], t.len[0]);
    c = run(&t);
    assert_true(has_rule(c, "srat.gi_error"));
    assert_true(has_rule(c, "cross.cpu_without_node"));
    assert_true(vt_check_srat_used(c));
    assert_int_equal(vt_check_node_count(c), 2);
    assert_int_equal(vt_check_node(c, 1)->pxm, 9);
    assert_int_equal(vt_check_node(c, 1)->ncpus, 0);
    vt_check_free(c);
    /* Enabled, but PXM 65543: "Too many proximity domains" ends the pass the
     * same way; the SRAT is still used. */
    t.t[0][48 + 16 + 24] = 1;
    t.t[0][48 + 16 + 6] = 1; /* PXM 7 + 65536 */
    fix_checksum(t.t[0], t.len[0]);
    c = run(&t);
    assert_true(has_rule(c, "srat.gi_error"));
    assert_true(vt_check_srat_used(c));
    assert_int_equal(vt_check_node_count(c), 2);
    vt_check_free(c);
    tables_free(&t);
    vt_layout_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ours_are_clean),  cmocka_unit_test(test_negative_corpus),
        cmocka_unit_test(test_not_a_table),     cmocka_unit_test(test_real_world_bugs),
        cmocka_unit_test(test_memory_image),    cmocka_unit_test(test_hotplug_and_initiators),
        cmocka_unit_test(test_initiator_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
