/* Fuzz target: irq_restore_parse (vtopo irq restore's file) and
 * vt_irq_plan_load (a plan file given to apply or --previous). Invariants:
 * a parsed restore file has each (BDF, index) once, normalised BDFs,
 * indexes below 2048 and non-empty targets; a loaded plan's vectors are
 * sorted and unique and save -> load gives the same JSON; failures leave
 * nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/irq_apply.h"
#include "fuzz_common.h"
#include "util/parse.h"

static void restore(const char *text)
{
    struct vt_irq_report *r = NULL;
    struct vt_err err;
    int rc;

    vt_err_clear(&err);
    rc = irq_restore_parse(text, "restore.json", "0123456789abcdef", &r, &err);
    fuzz_check_err(rc, &err);
    if (rc < 0) {
        FUZZ_CHECK(r == NULL, "failure %d returned a report", rc);
        return;
    }
    for (size_t i = 0; i < vt_irq_report_count(r); i++) {
        const struct vt_irq_applied *e = vt_irq_report_entry(r, i);
        char norm[BDF_TEXT_MAX];

        FUZZ_CHECK(e->index < 2048 && e->target && !vt_bitmap_iszero(e->target),
                   "entry %zu: index %u or its target", i, e->index);
        FUZZ_CHECK(bdf_normalize(e->bdf, norm) == 0 && !strcmp(norm, e->bdf),
                   "entry %zu: BDF '%s' not normalised", i, e->bdf);
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(strcmp(vt_irq_report_entry(r, k)->bdf, e->bdf) ||
                           vt_irq_report_entry(r, k)->index != e->index,
                       "entry %zu repeats entry %zu", i, k);
    }
    vt_irq_report_free(r);
}

static void plan(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/vtopo-fuzz-plan.XXXXXX", again[64];
    struct vt_irq_plan *p = NULL, *q = NULL;
    char *a = NULL, *b = NULL;
    struct vt_err err;
    int fd = mkstemp(path), rc;

    FUZZ_CHECK(fd >= 0, "%s", "mkstemp");
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "%s", "write");
    close(fd);
    rc = vt_irq_plan_load(path, &p, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0) {
        for (size_t i = 1; i < vt_irq_plan_count(p); i++) {
            const struct vt_irq_planned *x = vt_irq_plan_vector(p, i - 1),
                                        *y = vt_irq_plan_vector(p, i);
            int c = strcmp(x->bdf, y->bdf);

            FUZZ_CHECK(c < 0 || (c == 0 && x->index < y->index), "vector %zu out of order", i);
        }
        snprintf(again, sizeof(again), "%s.again", path);
        FUZZ_CHECK(vt_irq_plan_save(p, again, &err) == 0, "cannot save: %s", err.msg);
        FUZZ_CHECK(vt_irq_plan_load(again, &q, &err) == 0, "saved plan does not load: %s", err.msg);
        FUZZ_CHECK(vt_irq_plan_to_json(p, &a, &err) == 0 && vt_irq_plan_to_json(q, &b, &err) == 0 &&
                       !strcmp(a, b),
                   "%s", "save -> load changed the plan");
        unlink(again);
    } else {
        FUZZ_CHECK(p == NULL, "failure %d returned a plan", rc);
    }
    free(a);
    free(b);
    vt_irq_plan_free(p);
    vt_irq_plan_free(q);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);

    restore(text);
    plan(data, size);
    free(text);
    return 0;
}
