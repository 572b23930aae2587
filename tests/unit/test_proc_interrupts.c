/* Unit tests: /proc/interrupts (format/proc_interrupts.c): the rows of a
 * real layout, the (BDF, vector index) each chip form and vfio's action
 * names, rows that name none, and the text form back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format/proc_interrupts.h"
#include "unit/support.h"

/* Rows as 6.1 (global PCI-MSI domain, interrupt remapping) and 6.2+
 * (per-device domains) print them, vfio's host vectors of a passed-through
 * device behind a chip that names no device, and rows that are no PCI
 * vector. */
static const char text[] =
    "            CPU0       CPU1       CPU2       CPU3       \n"
    "   0:         41          0          0          0   IO-APIC   2-edge      timer\n"
    "  24:          0         12          0          0  IR-PCI-MSI 524288-edge      nvme0q0\n"
    "  25:          3          0          0          0  IR-PCI-MSI 165187585-edge      eth0-rx-1\n"
    "  26:          0          0          7          0  PCI-MSIX-0000:3d:00.0   2-edge      "
    "nvme1q2\n"
    "  27:          0          0          0          1  IR-PCI-MSI-0000:00:1c.0    0-edge      "
    "PCIe PME\n"
    "  28:          5          0          0          0  ITS-MSI 49285123-edge      "
    "vfio-msix[3](0000:5e:00.1)\n"
    "  29:          0          0          0          0  ITS-MSI 49287168-edge      "
    "vfio-msi[0](0000:5e:00.2), other\n"
    " NMI:          0          0          0          0   Non-maskable interrupts\n"
    " LOC:        100        200        300        400   Local timer interrupts\n";

static void test_vectors(void **state)
{
    struct proc_interrupts p;
    struct vt_err err;
    static const struct {
        unsigned irq;
        bool pci;
        const char *bdf;
        unsigned index;
    } want[] = {
        {0, false, NULL, 0},
        /* 524288 = (1 << 8 | 0) << 11: bus 1, devfn 0, vector 0 */
        {24, true, "0000:01:00.0", 0},
        /* 165187585 = 1 | (0x3b << 8 | 0x12) << 11 | 1 << 27: 0001:3b:02.2 */
        {25, true, "0001:3b:02.2", 1},
        {26, true, "0000:3d:00.0", 2},
        {27, true, "0000:00:1c.0", 0},
        /* a chip that says nothing (arm64's GIC ITS): vfio's action does */
        {28, true, "0000:5e:00.1", 3},
        {29, true, "0000:5e:00.2", 0},
    };

    (void)state;
    assert_int_equal(proc_interrupts_parse(text, "interrupts", &p, &err), 0);
    assert_int_equal(p.ncpus, 4);
    assert_int_equal(p.nrows, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < p.nrows; i++) {
        char bdf[BDF_TEXT_MAX];
        unsigned index = 99;
        bool pci = proc_irq_pci_vector(&p.rows[i], bdf, &index);

        assert_int_equal(p.rows[i].irq, want[i].irq);
        if (pci != want[i].pci)
            fail_msg("IRQ %u: pci %d, want %d", want[i].irq, pci, want[i].pci);
        if (pci && (strcmp(bdf, want[i].bdf) || index != want[i].index))
            fail_msg("IRQ %u: %s vector %u, want %s vector %u", want[i].irq, bdf, index,
                     want[i].bdf, want[i].index);
    }
    assert_int_equal(p.rows[3].counts[2], 7);
    proc_interrupts_free(&p);
}

/* The text form parses back to the same rows. */
static void test_round_trip(void **state)
{
    struct proc_interrupts p, q;
    struct vt_err err;
    char *out;

    (void)state;
    assert_int_equal(proc_interrupts_parse(text, "interrupts", &p, &err), 0);
    assert_int_equal(proc_interrupts_format(&p, &out), 0);
    assert_int_equal(proc_interrupts_parse(out, "again", &q, &err), 0);
    assert_int_equal(p.nrows, q.nrows);
    for (size_t i = 0; i < p.nrows; i++) {
        assert_int_equal(p.rows[i].irq, q.rows[i].irq);
        assert_string_equal(p.rows[i].chip, q.rows[i].chip);
        assert_string_equal(p.rows[i].actions, q.rows[i].actions);
        for (size_t c = 0; c < p.ncpus; c++)
            assert_int_equal(p.rows[i].counts[c], q.rows[i].counts[c]);
    }
    free(out);
    proc_interrupts_free(&p);
    proc_interrupts_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
