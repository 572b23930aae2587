/* Fuzz target: srat_parse. The input is a whole SRAT; it is parsed as
 * given (header checks) and with Length and checksum fixed (the body).
 * Invariants: success exactly when an independent walk of the subtables
 * accepts the table; every entry lies inside the table, in order, with the
 * type, length and fields the bytes at its offset hold. */
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "fuzz_common.h"

#define SRAT_BODY 48

/* The length rules the parser documents (Linux's bad_srat() / acpi_parse_*). */
static bool length_ok(uint8_t type, uint8_t len)
{
    switch (type) {
    case VT_SRAT_LAPIC:
        return len == 16;
    case VT_SRAT_MEMORY:
        return len >= 40;
    case VT_SRAT_X2APIC:
        return len >= 24;
    case VT_SRAT_GICC:
        return len >= 18;
    case VT_SRAT_GENERIC_INITIATOR:
        return len >= 32;
    default:
        return true;
    }
}

static bool known_type(uint8_t type)
{
    return type <= VT_SRAT_GICC || type == VT_SRAT_GENERIC_INITIATOR;
}

/* Reference: would the parser accept the body, and how many entries does it keep? */
static bool reference_walk(const uint8_t *t, size_t size, size_t *nknown)
{
    size_t off = SRAT_BODY;

    *nknown = 0;
    if (size < SRAT_BODY)
        return false;
    while (off < size) {
        uint8_t type, len;

        if (size - off < 2)
            return false;
        type = t[off];
        len = t[off + 1];
        if (len < 2 || len > size - off || !length_ok(type, len))
            return false;
        *nknown += known_type(type);
        off += len;
    }
    return true;
}

static void check_entries(const uint8_t *t, size_t size, const struct acpi_srat *srat)
{
    size_t prev_end = SRAT_BODY;

    FUZZ_CHECK(srat->revision == t[8], "revision %u, byte 8 is %u", srat->revision, t[8]);
    FUZZ_CHECK(srat->n == 0 || srat->entries, "%zu entries, no array", srat->n);
    for (size_t i = 0; i < srat->n; i++) {
        const struct acpi_srat_entry *e = &srat->entries[i];
        const uint8_t *p;

        FUZZ_CHECK(e->offset >= prev_end, "entry %zu at %zu overlaps the previous (ends %zu)", i,
                   e->offset, prev_end);
        FUZZ_CHECK(e->offset + 2 <= size && e->length >= 2 && e->length <= size - e->offset,
                   "entry %zu: offset %zu length %u outside the %zu-byte table", i, e->offset,
                   e->length, size);
        p = t + e->offset;
        FUZZ_CHECK(e->type == p[0] && e->length == p[1],
                   "entry %zu: type/length %u/%u, bytes %u/%u", i, e->type, e->length, p[0], p[1]);
        FUZZ_CHECK(known_type(e->type) && length_ok(e->type, e->length),
                   "entry %zu: kept type %u length %u", i, e->type, e->length);
        switch (e->type) {
        case VT_SRAT_LAPIC: {
            uint32_t pxm = p[2];

            if (srat->revision >= 2)
                pxm |= (uint32_t)fuzz_le(p + 9, 3) << 8;
            FUZZ_CHECK(e->pxm == pxm && e->apic_id == p[3] && e->flags == fuzz_le(p + 4, 4),
                       "entry %zu (LAPIC): pxm %u apic %u", i, e->pxm, e->apic_id);
            break;
        }
        case VT_SRAT_MEMORY: {
            uint32_t pxm = (uint32_t)fuzz_le(p + 2, 4);

            if (srat->revision <= 1)
                pxm &= 0xff;
            FUZZ_CHECK(e->pxm == pxm && e->base == fuzz_le(p + 8, 8) &&
                           e->length_bytes == fuzz_le(p + 16, 8) && e->flags == fuzz_le(p + 28, 4),
                       "entry %zu (memory): pxm %u base %#llx", i, e->pxm,
                       (unsigned long long)e->base);
            break;
        }
        case VT_SRAT_X2APIC:
            FUZZ_CHECK(e->pxm == fuzz_le(p + 4, 4) && e->apic_id == fuzz_le(p + 8, 4) &&
                           e->flags == fuzz_le(p + 12, 4),
                       "entry %zu (x2APIC): pxm %u apic %u", i, e->pxm, e->apic_id);
            break;
        case VT_SRAT_GICC:
            FUZZ_CHECK(e->pxm == fuzz_le(p + 2, 4) && e->apic_id == fuzz_le(p + 6, 4) &&
                           e->flags == fuzz_le(p + 10, 4),
                       "entry %zu (GICC): pxm %u uid %u", i, e->pxm, e->apic_id);
            break;
        case VT_SRAT_GENERIC_INITIATOR:
            FUZZ_CHECK(e->handle_type == p[3] && e->pxm == fuzz_le(p + 4, 4) &&
                           memcmp(e->handle, p + 8, 16) == 0 && e->flags == fuzz_le(p + 24, 4),
                       "entry %zu (generic initiator): pxm %u", i, e->pxm);
            break;
        default:
            break;
        }
        prev_end = e->offset + e->length;
    }
}

static void parse_one(const uint8_t *t, size_t size)
{
    struct acpi_srat srat;
    struct vt_err err;
    size_t nknown = 0;
    bool want;
    int rc;

    vt_err_clear(&err);
    rc = srat_parse(t, size, "srat.dat", &srat, &err);
    fuzz_check_err(rc, &err);
    want = fuzz_acpi_header_ok(t, size, "SRAT") && reference_walk(t, size, &nknown);
    FUZZ_CHECK((rc == 0) == want, "parser says %d, the reference walk says %s (%s)", rc,
               want ? "valid" : "invalid", rc ? err.msg : "");
    if (rc == 0)
        FUZZ_CHECK(srat.n == nknown, "%zu entries kept, the reference finds %zu", srat.n, nknown);
    if (rc == 0) {
        check_entries(t, size, &srat);
        srat_free(&srat);
        FUZZ_CHECK(srat.entries == NULL && srat.n == 0, "%s", "srat_free left entries");
    } else {
        FUZZ_CHECK(srat.entries == NULL && srat.n == 0, "failure %d left %zu entries", rc, srat.n);
    }
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
