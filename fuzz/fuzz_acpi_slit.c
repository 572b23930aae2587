/* Fuzz target: slit_parse and slit_valid. The input is a whole SLIT,
 * parsed as given and with Length and checksum fixed. Invariants: success
 * exactly when the locality count is 1..65536 and its matrix is present; the
 * matrix is the bytes after the count; slit_valid agrees with Linux's
 * slit_valid() rule computed here. */
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "fuzz_common.h"

#define SLIT_MATRIX 44

static void parse_one(const uint8_t *t, size_t size)
{
    struct acpi_slit slit;
    struct vt_err err;
    uint64_t count = size >= SLIT_MATRIX ? fuzz_le(t + 36, 8) : 0;
    bool want = fuzz_acpi_header_ok(t, size, "SLIT") && size >= SLIT_MATRIX && count >= 1 &&
                count <= 65536 && count * count <= size - SLIT_MATRIX;
    int rc;

    vt_err_clear(&err);
    rc = slit_parse(t, size, "slit.dat", &slit, &err);
    fuzz_check_err(rc, &err);
    FUZZ_CHECK((rc == 0) == want, "parser says %d, the reference says %s (count %llu, %zu bytes)",
               rc, want ? "valid" : "invalid", (unsigned long long)count, size);
    if (rc < 0) {
        FUZZ_CHECK(slit.entries == NULL && slit.count == 0, "failure %d left a matrix", rc);
        return;
    }
    FUZZ_CHECK(slit.count == count, "count %llu, bytes say %llu", (unsigned long long)slit.count,
               (unsigned long long)count);
    FUZZ_CHECK(memcmp(slit.entries, t + SLIT_MATRIX, count * count) == 0, "%s",
               "matrix differs from the table's bytes");
    {
        bool valid = true;

        for (uint64_t i = 0; i < count; i++)
            for (uint64_t j = 0; j < count; j++) {
                uint8_t v = t[SLIT_MATRIX + i * count + j];

                if (i == j ? v != 10 : v <= 10)
                    valid = false;
            }
        FUZZ_CHECK(slit_valid(&slit) == valid, "slit_valid %d, reference %d", slit_valid(&slit),
                   valid);
    }
    slit_free(&slit);
    FUZZ_CHECK(slit.entries == NULL && slit.count == 0, "%s", "slit_free left a matrix");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fixed = fuzz_acpi_fixup(data, size);

    parse_one(data, size);
    if (fixed) {
        parse_one(fixed, size);
        free(fixed);
    }
    return 0;
}
