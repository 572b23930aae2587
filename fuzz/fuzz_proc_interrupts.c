/* Fuzz target: proc_interrupts_parse (/proc/interrupts of the live system
 * or a dump) and proc_irq_pci_vector. Invariants: a parsed file has CPU
 * columns ascending and IRQs ascending, each row one count per CPU and a
 * chip; a row's PCI vector, when named, is a normalised BDF and an index
 * below 2048; format -> parse -> format is stable; a failure leaves nothing
 * allocated. */
#include <stdlib.h>
#include <string.h>

#include "format/proc_interrupts.h"
#include "fuzz_common.h"

static void check(const struct proc_interrupts *p)
{
    FUZZ_CHECK(p->ncpus >= 1 && p->cpus, "%zu CPUs after a successful parse", p->ncpus);
    for (size_t c = 1; c < p->ncpus; c++)
        FUZZ_CHECK(p->cpus[c - 1] < p->cpus[c], "CPU %u after %u", p->cpus[c], p->cpus[c - 1]);
    for (size_t i = 0; i < p->nrows; i++) {
        const struct proc_irq_row *r = &p->rows[i];
        char bdf[BDF_TEXT_MAX], norm[BDF_TEXT_MAX];
        unsigned index;

        FUZZ_CHECK(i == 0 || p->rows[i - 1].irq < r->irq, "IRQ %u after %u", r->irq,
                   p->rows[i - 1].irq);
        FUZZ_CHECK(r->chip && *r->chip && r->hwirq && r->actions && r->counts,
                   "IRQ %u: a field is missing", r->irq);
        FUZZ_CHECK(!strpbrk(r->chip, " \t\n") && !strpbrk(r->hwirq, " \t\n") &&
                       !strchr(r->actions, '\n'),
                   "IRQ %u: white space inside a field", r->irq);
        if (proc_irq_pci_vector(r, bdf, &index)) {
            FUZZ_CHECK(index < 2048, "IRQ %u: vector index %u", r->irq, index);
            FUZZ_CHECK(bdf_normalize(bdf, norm) == 0 && !strcmp(norm, bdf),
                       "IRQ %u: BDF '%s' not normalised", r->irq, bdf);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size), *out1 = NULL, *out2 = NULL;
    struct proc_interrupts p, again, third;
    struct vt_err err;
    int rc;

    vt_err_clear(&err);
    rc = proc_interrupts_parse(text, "interrupts", &p, &err);
    fuzz_check_err(rc, &err);
    if (rc < 0) {
        FUZZ_CHECK(!p.rows && !p.cpus && !p.nrows && !p.ncpus, "failure %d left rows", rc);
        free(text);
        return 0;
    }
    check(&p);
    FUZZ_CHECK(proc_interrupts_format(&p, &out1) == 0, "%s", "cannot format a parsed file");
    rc = proc_interrupts_parse(out1, "formatted", &again, &err);
    FUZZ_CHECK(rc == 0, "the formatted file does not parse: %s\n%s", err.msg, out1);
    FUZZ_CHECK(again.nrows == p.nrows && again.ncpus == p.ncpus, "%s",
               "parse(format(p)) has other rows or CPUs");
    FUZZ_CHECK(proc_interrupts_format(&again, &out2) == 0, "%s", "cannot format again");
    rc = proc_interrupts_parse(out2, "formatted", &third, &err);
    FUZZ_CHECK(rc == 0, "%s", "the second format does not parse");
    free(out1);
    out1 = NULL;
    FUZZ_CHECK(proc_interrupts_format(&third, &out1) == 0 && !strcmp(out1, out2),
               "format is not stable:\n%s---\n%s", out2, out1 ? out1 : "(none)");
    proc_interrupts_free(&p);
    proc_interrupts_free(&again);
    proc_interrupts_free(&third);
    free(out1);
    free(out2);
    free(text);
    return 0;
}
