/* Fuzz target: verify_parse_console (a verify guest's console: the probe's "VTP"
 * lines mixed with the kernel's log). Invariants: a parse never fails but for
 * memory; nodes and CPUs come out sorted by id without duplicates; node SRAT
 * ranges are non-empty; a rejection verdict comes with its log line; the
 * comparison of the view with itself finds nothing, and with an empty
 * prediction terminates. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "verify_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    struct vt_guest_view v, none = {0};
    struct vt_err err;
    FILE *devnull;
    int rc;

    vt_err_clear(&err);
    rc = verify_parse_console(text, &v, &err);
    FUZZ_CHECK(rc == 0 || rc == -ENOMEM, "parse failed with %d: %s", rc, err.msg);
    free(text);
    if (rc < 0)
        return 0;
    for (size_t i = 0; i < v.nnodes; i++) {
        FUZZ_CHECK(i == 0 || v.nodes[i - 1].id < v.nodes[i].id, "nodes out of order at %zu", i);
        for (size_t r = 0; r < v.nodes[i].nranges; r++)
            FUZZ_CHECK(v.nodes[i].ranges[r].start < v.nodes[i].ranges[r].end,
                       "node %d: an empty range", v.nodes[i].id);
    }
    for (size_t i = 1; i < v.ncpus; i++)
        FUZZ_CHECK(v.cpus[i - 1].cpu < v.cpus[i].cpu, "cpus out of order at %zu", i);
    FUZZ_CHECK(v.srat != VT_GUEST_NOT_USED || v.srat_line, "SRAT not used without a log line");
    FUZZ_CHECK(v.slit != VT_GUEST_NOT_USED || v.slit_line || v.srat_line,
               "SLIT not used without a log line");
    devnull = fopen("/dev/null", "w");
    if (devnull) {
        if (v.complete)
            FUZZ_CHECK(verify_compare(&v, &v, 1u << 30, VERIFY_TABLE, devnull) == 0,
                       "a complete view differs from itself");
        verify_compare(&none, &v, 0, VERIFY_JSON, devnull);
        fclose(devnull);
    }
    vt_guest_view_free(&v);
    return 0;
}
