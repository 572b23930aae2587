/* Fuzz target: acpi_header_parse on a table of any signature, then the
 * table's own parser when vtopo has one (SRAT, SLIT, APIC), as a checker
 * reading an unknown table dump would. Invariants: the header is accepted
 * exactly when it is at least 36 bytes, its Length is the size and its bytes
 * sum to 0 (and the signature matches when one is wanted); the decoded fields
 * are the bytes at their offsets. */
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "fuzz_common.h"

static void check_header(const uint8_t *t, size_t size, const char *want_sig)
{
    struct acpi_header hdr;
    struct vt_err err;
    bool want = fuzz_acpi_header_ok(t, size, want_sig);
    int rc;

    vt_err_clear(&err);
    memset(&hdr, 0xa5, sizeof(hdr));
    rc = acpi_header_parse(t, size, "table.dat", want_sig, &hdr, &err);
    fuzz_check_err(rc, &err);
    FUZZ_CHECK((rc == 0) == want, "parser says %d (%s), the reference says %s", rc,
               rc ? err.msg : "", want ? "valid" : "invalid");
    if (rc < 0)
        return;
    FUZZ_CHECK(memcmp(hdr.signature, t, 4) == 0 && hdr.signature[4] == '\0', "%s",
               "signature differs from bytes 0-3");
    FUZZ_CHECK(hdr.length == size && hdr.revision == t[8] && hdr.oem_revision == fuzz_le(t + 24, 4),
               "length %u revision %u oem_revision %u", hdr.length, hdr.revision, hdr.oem_revision);
    FUZZ_CHECK(memcmp(hdr.oem_id, t + 10, 6) == 0 && hdr.oem_id[6] == '\0' &&
                   memcmp(hdr.oem_table_id, t + 16, 8) == 0 && hdr.oem_table_id[8] == '\0',
               "%s", "OEM ids differ from bytes 10-23");
}

/* The table's own parser, if any: no crash, a message on every failure. */
static void parse_body(const uint8_t *t, size_t size)
{
    struct vt_err err;
    int rc = 0;

    vt_err_clear(&err);
    if (memcmp(t, "SRAT", 4) == 0) {
        struct acpi_srat srat;

        if ((rc = srat_parse(t, size, "table.dat", &srat, &err)) == 0)
            srat_free(&srat);
    } else if (memcmp(t, "SLIT", 4) == 0) {
        struct acpi_slit slit;

        if ((rc = slit_parse(t, size, "table.dat", &slit, &err)) == 0) {
            (void)slit_valid(&slit);
            slit_free(&slit);
        }
    } else if (memcmp(t, "APIC", 4) == 0) {
        struct acpi_madt madt;

        if ((rc = madt_parse(t, size, "table.dat", &madt, &err)) == 0)
            madt_free(&madt);
    }
    fuzz_check_err(rc, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fixed = fuzz_acpi_fixup(data, size);

    check_header(data, size, NULL);
    check_header(data, size, "SRAT");
    if (fixed) {
        check_header(fixed, size, NULL);
        if (size >= 4) {
            char sig[5];

            /* The table's own signature as want_sig, when it has no NUL byte. */
            memcpy(sig, fixed, 4);
            sig[4] = '\0';
            if (strlen(sig) == 4)
                check_header(fixed, size, sig);
        }
        parse_body(fixed, size);
        free(fixed);
    } else if (size >= 4) {
        parse_body(data, size);
    }
    return 0;
}
