/* Fuzz target: madt_parse. The input is a whole MADT ("APIC"), parsed as
 * given and with Length and checksum fixed. Invariants: success exactly when
 * an independent walk accepts every subtable; processor entries (LAPIC,
 * x2APIC) lie inside the table in order and hold the bytes at their offset;
 * processors plus other subtables count every subtable. */
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "fuzz_common.h"

#define MADT_BODY 44

static bool reference_walk(const uint8_t *t, size_t size, size_t *ncpus, size_t *nother)
{
    size_t off = MADT_BODY;

    *ncpus = *nother = 0;
    if (size < MADT_BODY)
        return false;
    while (off < size) {
        uint8_t type, len;

        if (size - off < 2)
            return false;
        type = t[off];
        len = t[off + 1];
        if (len < 2 || len > size - off || (type == 0 && len < 8) || (type == 9 && len < 16))
            return false;
        if (type == 0 || type == 9)
            ++*ncpus;
        else
            ++*nother;
        off += len;
    }
    return true;
}

static void check_cpus(const uint8_t *t, size_t size, const struct acpi_madt *madt)
{
    size_t prev_end = MADT_BODY;

    FUZZ_CHECK(madt->revision == t[8] && madt->lapic_address == fuzz_le(t + 36, 4) &&
                   madt->flags == fuzz_le(t + 40, 4),
               "header fields: revision %u lapic %#x flags %#x", madt->revision,
               madt->lapic_address, madt->flags);
    for (size_t i = 0; i < madt->ncpus; i++) {
        const struct acpi_madt_cpu *c = &madt->cpus[i];
        const uint8_t *p;

        FUZZ_CHECK(c->offset >= prev_end && c->offset + 2 <= size,
                   "cpu %zu at offset %zu (previous ends at %zu, table %zu bytes)", i, c->offset,
                   prev_end, size);
        p = t + c->offset;
        FUZZ_CHECK(c->type == p[0] && (c->type == 0 || c->type == 9) &&
                       p[1] >= (c->type == 0 ? 8 : 16) && p[1] <= size - c->offset,
                   "cpu %zu: type %u, bytes say type %u length %u", i, c->type, p[0], p[1]);
        if (c->type == 0)
            FUZZ_CHECK(c->uid == p[2] && c->apic_id == p[3] && c->flags == fuzz_le(p + 4, 4),
                       "cpu %zu (LAPIC): uid %u apic %u flags %#x", i, c->uid, c->apic_id,
                       c->flags);
        else
            FUZZ_CHECK(c->apic_id == fuzz_le(p + 4, 4) && c->flags == fuzz_le(p + 8, 4) &&
                           c->uid == fuzz_le(p + 12, 4),
                       "cpu %zu (x2APIC): uid %u apic %u flags %#x", i, c->uid, c->apic_id,
                       c->flags);
        prev_end = c->offset + p[1];
    }
}

static void parse_one(const uint8_t *t, size_t size)
{
    struct acpi_madt madt;
    struct vt_err err;
    size_t ncpus = 0, nother = 0;
    bool want;
    int rc;

    vt_err_clear(&err);
    rc = madt_parse(t, size, "madt.dat", &madt, &err);
    fuzz_check_err(rc, &err);
    want = fuzz_acpi_header_ok(t, size, "APIC") && reference_walk(t, size, &ncpus, &nother);
    FUZZ_CHECK((rc == 0) == want, "parser says %d, the reference walk says %s (%s)", rc,
               want ? "valid" : "invalid", rc ? err.msg : "");
    if (rc < 0) {
        FUZZ_CHECK(madt.cpus == NULL && madt.ncpus == 0, "failure %d left %zu cpus", rc,
                   madt.ncpus);
        return;
    }
    FUZZ_CHECK(madt.ncpus == ncpus && madt.nother == nother,
               "%zu cpus + %zu other subtables, the reference finds %zu + %zu", madt.ncpus,
               madt.nother, ncpus, nother);
    check_cpus(t, size, &madt);
    madt_free(&madt);
    FUZZ_CHECK(madt.cpus == NULL && madt.ncpus == 0, "%s", "madt_free left cpus");
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
