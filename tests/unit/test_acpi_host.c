/* Unit tests: recovering host_pxm and ranges from the host's SRAT/SLIT by
 * replaying Linux's node numbering (drivers/acpi/numa/srat.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "unit/support.h"
#include "vtopo/host.h"

#define G  (UINT64_C(1) << 30)
#define EN 1u

/* Write the SRAT (and optional SLIT) into a fresh directory and load a
 * synthetic host with it as --acpi. */
static int load_with(const char *spec, struct buf *srat, struct buf *slit, struct vt_host **h,
                     struct vt_err *err)
{
    char *dir = t_mkdtemp();
    struct vt_host_source src = {VT_HOST_SYNTHETIC, spec, dir};
    int rc;

    assert_non_null(dir);
    if (srat)
        assert_int_equal(t_write(dir, "srat.dat", srat->data, (long)srat->len), 0);
    if (slit)
        assert_int_equal(t_write(dir, "SLIT", slit->data, (long)slit->len), 0);
    rc = vt_host_load(&src, h, err);
    t_rmtree(dir);
    return rc;
}

static bool has_warning(const struct vt_host *h, const char *fragment)
{
    for (size_t i = 0; i < vt_host_warning_count(h); i++)
        if (strstr(vt_host_warning(h, i), fragment))
            return true;
    return false;
}

/* PXMs in order of first appearance: CPU entries (any CPU type, table order),
 * then memory entries; disabled entries do not count. */
static void test_first_appearance(void **state)
{
    struct buf b;
    struct vt_host *h;
    struct vt_err err;

    (void)state;
    t_srat_begin(&b, 3);
    t_srat_lapic(&b, 9, 0, 0);     /* disabled: no node */
    t_srat_x2apic(&b, 7, 300, EN); /* node 0 */
    t_srat_lapic(&b, 3, 1, EN);    /* node 1 */
    t_srat_lapic(&b, 7, 2, EN);
    t_srat_mem(&b, 3, 0, 2 * G, EN);
    t_srat_mem(&b, 5, 4 * G, 2 * G, EN); /* memory-only: node 2 */
    t_srat_mem(&b, 7, 2 * G, 2 * G, EN);
    t_srat_mem(&b, 9, 8 * G, 1 * G, 0); /* disabled */
    t_acpi_end(&b);
    assert_int_equal(load_with("sockets=3,cores=2,mem=6G", &b, NULL, &h, &err), 0);
    buf_free(&b);
    assert_int_equal(vt_host_node(h, 0)->host_pxm, 7);
    assert_int_equal(vt_host_node(h, 1)->host_pxm, 3);
    assert_int_equal(vt_host_node(h, 2)->host_pxm, 5);
    /* SRAT ranges replace the source's. */
    assert_int_equal(vt_host_node(h, 0)->nranges, 1);
    assert_int_equal(vt_host_node(h, 0)->ranges[0].start, 2 * G);
    assert_int_equal(vt_host_node(h, 1)->ranges[0].start, 0);
    assert_int_equal(vt_host_node(h, 2)->ranges[0].end, 6 * G);
    vt_host_free(h);
}

/* The generic initiator counts as a CPU-type entry. */
static void test_generic_initiator_order(void **state)
{
    struct buf b;
    struct vt_host *h;

    (void)state;
    t_srat_begin(&b, 3);
    t_srat_lapic(&b, 0, 0, EN);
    t_srat_mem(&b, 0, 0, G, EN);
    t_srat_mem(&b, 2, G, G, EN);
    t_srat_gi(&b, 1, EN); /* before memory-only PXM 2, though later in the table */
    t_acpi_end(&b);
    assert_int_equal(load_with("sockets=3,cores=1,mem=3G", &b, NULL, &h, NULL), 0);
    buf_free(&b);
    assert_int_equal(vt_host_node(h, 0)->host_pxm, 0);
    assert_int_equal(vt_host_node(h, 1)->host_pxm, 1);
    assert_int_equal(vt_host_node(h, 2)->host_pxm, 2);
    vt_host_free(h);
}

/* LAPIC PXM high bytes count only from SRAT revision 2; memory PXMs are
 * masked to 8 bits up to revision 1. So PXM 0x404 is domain 4 in a revision 1
 * table and "too many proximity domains" (>= 1024, a distribution kernel's
 * MAX_PXM_DOMAINS) in a revision 3 one. */
static void test_revision_masking(void **state)
{
    struct buf b;
    struct vt_host *h;

    (void)state;
    for (int rev = 1; rev <= 3; rev += 2) {
        t_srat_begin(&b, (uint8_t)rev);
        t_srat_lapic(&b, 0x404, 0, EN);
        t_srat_mem(&b, 0x404, 0, G, EN);
        t_acpi_end(&b);
        assert_int_equal(load_with("cores=1,mem=1G,pxms=77", &b, NULL, &h, NULL), 0);
        buf_free(&b);
        if (rev == 1) {
            assert_int_equal(vt_host_node(h, 0)->host_pxm, 4);
        } else {
            assert_int_equal(vt_host_node(h, 0)->host_pxm, 77);
            assert_true(has_warning(h, "1024 or more"));
        }
        vt_host_free(h);
    }
}

static void test_rejected_srats(void **state)
{
    struct buf b;
    struct vt_host *h;
    struct vt_err err;

    (void)state;
    /* No enabled memory entry: Linux does not use the SRAT. */
    t_srat_begin(&b, 3);
    t_srat_lapic(&b, 4, 0, EN);
    t_srat_mem(&b, 4, 0, G, 0);
    t_acpi_end(&b);
    assert_int_equal(load_with("cores=1,mem=1G,pxms=9", &b, NULL, &h, &err), 0);
    buf_free(&b);
    assert_true(has_warning(h, "no enabled memory affinity entry"));
    assert_int_equal(vt_host_node(h, 0)->host_pxm, 9); /* kept from the spec */
    vt_host_free(h);

    /* Different PXMs' ranges overlap. */
    t_srat_begin(&b, 3);
    t_srat_mem(&b, 0, 0, 2 * G, EN);
    t_srat_mem(&b, 1, G, 2 * G, EN);
    t_acpi_end(&b);
    assert_int_equal(load_with("sockets=2,cores=1,mem=2G", &b, NULL, &h, &err), 0);
    buf_free(&b);
    assert_true(has_warning(h, "overlap"));
    vt_host_free(h);

    /* More nodes than the SRAT has domains. */
    t_srat_begin(&b, 3);
    t_srat_mem(&b, 0, 0, 2 * G, EN);
    t_acpi_end(&b);
    assert_int_equal(load_with("sockets=2,cores=1,mem=2G", &b, NULL, &h, &err), 0);
    buf_free(&b);
    assert_true(has_warning(h, "maps 1 proximity domains, but node 1 exists"));
    vt_host_free(h);

    /* PXM 1024 in memory: "Too many proximity domains". */
    t_srat_begin(&b, 3);
    t_srat_mem(&b, 1024, 0, 2 * G, EN);
    t_acpi_end(&b);
    assert_int_equal(load_with("cores=1,mem=2G", &b, NULL, &h, &err), 0);
    buf_free(&b);
    assert_true(has_warning(h, "1024 or more"));
    vt_host_free(h);

    /* PXM 300 is a node on a distribution kernel (seen in Debian's 6.1). */
    t_srat_begin(&b, 3);
    t_srat_mem(&b, 300, 0, 2 * G, EN);
    t_acpi_end(&b);
    assert_int_equal(load_with("cores=1,mem=2G", &b, NULL, &h, &err), 0);
    buf_free(&b);
    assert_int_equal(vt_host_node(h, 0)->host_pxm, 300);
    vt_host_free(h);
}

/* Structurally broken tables from an explicit --acpi directory are errors. */
static void test_broken_tables(void **state)
{
    struct buf b;
    struct vt_host *h = NULL;
    struct vt_err err;

    (void)state;
    t_srat_begin(&b, 3);
    t_srat_lapic(&b, 0, 0, EN);
    t_srat_mem(&b, 0, 0, G, EN);
    t_acpi_end(&b);
    b.data[9]++; /* checksum */
    assert_int_equal(load_with("cores=1,mem=1G", &b, NULL, &h, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "srat.dat: checksum wrong"));
    assert_null(h);
    buf_free(&b);

    /* LAPIC entry of 15 bytes (Linux: must be exactly 16). */
    t_srat_begin(&b, 3);
    t_srat_lapic(&b, 0, 0, EN);
    b.data[b.len - 16 + 1] = 15;
    b.len--;
    t_srat_mem(&b, 0, 0, G, EN);
    t_acpi_end(&b);
    assert_int_equal(load_with("cores=1,mem=1G", &b, NULL, &h, &err), -EINVAL);
    assert_non_null(
        strstr(err.msg, "entry 0 (LAPIC affinity) at offset 48: length 15, expected 16"));
    buf_free(&b);

    /* Memory entry running past the end of the table. */
    t_srat_begin(&b, 3);
    t_srat_mem(&b, 0, 0, G, EN);
    b.data[b.len - 40 + 1] = 80;
    t_acpi_end(&b);
    assert_int_equal(load_with("cores=1,mem=1G", &b, NULL, &h, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "length 80 runs past the table (40 bytes left)"));
    buf_free(&b);

    /* Zero-length subtable (would loop forever if trusted). */
    t_srat_begin(&b, 3);
    buf_le(&b, 1, 1);
    buf_le(&b, 0, 1);
    t_acpi_end(&b);
    assert_int_equal(load_with("cores=1,mem=1G", &b, NULL, &h, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "length 0"));
    buf_free(&b);

    /* Header length disagreeing with the file. */
    t_srat_begin(&b, 3);
    t_srat_mem(&b, 0, 0, G, EN);
    t_acpi_end(&b);
    buf_le(&b, 0, 4);
    assert_int_equal(load_with("cores=1,mem=1G", &b, NULL, &h, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "header length 88 but the table has 92 bytes"));
    buf_free(&b);

    /* Wrong signature. */
    t_acpi_begin(&b, "SLIT", 1);
    t_acpi_end(&b);
    assert_int_equal(load_with("cores=1,mem=1G", &b, NULL, &h, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "signature 'SLIT', expected 'SRAT'"));
    buf_free(&b);

    /* No SRAT at all in an explicit directory. */
    assert_int_equal(load_with("cores=1,mem=1G", NULL, NULL, &h, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "no SRAT"));
}

static void test_slit_crosscheck(void **state)
{
    static const uint8_t good[] = {10, 21, 21, 10};
    static const uint8_t bad[] = {10, 21, 21, 9};
    struct buf b, s;
    struct vt_host *h;

    (void)state;
    t_srat_begin(&b, 3);
    t_srat_mem(&b, 0, 0, G, EN);
    t_srat_mem(&b, 1, G, G, EN);
    t_acpi_end(&b);
    t_slit(&s, 2, good);
    assert_int_equal(load_with("sockets=2,cores=1,mem=2G,distances=10:30", &b, &s, &h, NULL), 0);
    assert_true(has_warning(h, "2 distances differ from sysfs"));
    assert_int_equal(vt_host_distance(h, 0, 1), 30);
    vt_host_free(h);
    buf_free(&s);
    t_slit(&s, 2, bad);
    assert_int_equal(load_with("sockets=2,cores=1,mem=2G,distances=10:30", &b, &s, &h, NULL), 0);
    assert_true(has_warning(h, "Linux rejects this SLIT"));
    vt_host_free(h);
    buf_free(&s);
    buf_free(&b);
}

/* A sysfs fsroot: the SRAT is found under sys/firmware/acpi/tables; a missing
 * one or numa=fake leaves host_pxm unknown with a warning, never pnode. */
static void test_sysfs_default_dir(void **state)
{
    char *root = t_mkdtemp();
    struct vt_host_source src = {VT_HOST_SYSFS, root, NULL};
    struct vt_host *h;
    struct vt_err err;
    struct buf b;

    (void)state;
    t_write(root, "sys/devices/system/cpu/online", "0-3\n", -1);
    t_write(root, "sys/devices/system/node/online", "0-1\n", -1);
    t_write(root, "sys/devices/system/node/node0/cpulist", "0-1\n", -1);
    t_write(root, "sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 1048576 kB\n", -1);
    t_write(root, "sys/devices/system/node/node0/distance", "10 20\n", -1);
    t_write(root, "sys/devices/system/node/node1/cpulist", "2-3\n", -1);
    t_write(root, "sys/devices/system/node/node1/meminfo", "Node 1 MemTotal: 1048576 kB\n", -1);
    t_write(root, "sys/devices/system/node/node1/distance", "20 10\n", -1);
    assert_int_equal(vt_host_load(&src, &h, &err), 0);
    assert_int_equal(vt_host_node(h, 0)->host_pxm, VT_PXM_UNKNOWN);
    assert_int_equal(vt_host_node(h, 1)->host_pxm, VT_PXM_UNKNOWN);
    assert_true(has_warning(h, "no SRAT; firmware proximity domains (host_pxm) unknown"));
    vt_host_free(h);

    t_srat_begin(&b, 3);
    t_srat_lapic(&b, 2, 0, EN);
    t_srat_lapic(&b, 0, 2, EN);
    t_srat_mem(&b, 2, 0, G, EN);
    t_srat_mem(&b, 0, G, G, EN);
    t_acpi_end(&b);
    t_write(root, "sys/firmware/acpi/tables/SRAT", b.data, (long)b.len);
    buf_free(&b);
    assert_int_equal(vt_host_load(&src, &h, &err), 0);
    assert_int_equal(vt_host_node(h, 0)->host_pxm, 2);
    assert_int_equal(vt_host_node(h, 1)->host_pxm, 0);
    assert_int_equal(vt_host_node(h, 1)->ranges[0].start, G);
    vt_host_free(h);

    t_write(root, "proc/cmdline", "root=/dev/sda numa=fake=4\n", -1);
    assert_int_equal(vt_host_load(&src, &h, &err), 0);
    assert_int_equal(vt_host_node(h, 0)->host_pxm, VT_PXM_UNKNOWN);
    assert_true(has_warning(h, "numa=fake"));
    vt_host_free(h);
    t_rmtree(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_appearance),  cmocka_unit_test(test_generic_initiator_order),
        cmocka_unit_test(test_revision_masking),  cmocka_unit_test(test_rejected_srats),
        cmocka_unit_test(test_broken_tables),     cmocka_unit_test(test_slit_crosscheck),
        cmocka_unit_test(test_sysfs_default_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
