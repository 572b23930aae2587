/* Fuzz target: hmat_parse. The input is a whole HMAT, parsed as given and
 * with Length and checksum fixed. Invariants: success exactly when an
 * independent walk accepts it (revision 1 or 2, structures of at least 8
 * bytes inside the table, proximity-domain attributes exactly 40 bytes,
 * locality structures holding their initiator and target lists and matrix,
 * at most 65536 of each); every kept structure lies inside the table, in
 * order, with the fields, PXM lists and entries its bytes hold. */
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "fuzz_common.h"

#define HMAT_BODY 40
#define MAX_PDS   65536u

static bool reference_walk(const uint8_t *t, size_t size, size_t *npds, size_t *nlocs)
{
    size_t off = HMAT_BODY;

    *npds = *nlocs = 0;
    if (size < HMAT_BODY || (t[8] != 1 && t[8] != 2))
        return false;
    while (off < size) {
        uint64_t type, len;

        if (size - off < 8)
            return false;
        type = fuzz_le(t + off, 2);
        len = fuzz_le(t + off + 4, 4);
        if (len < 8 || len > size - off)
            return false;
        if (type == 0) {
            if (len != 40)
                return false;
            ++*npds;
        } else if (type == 1) {
            uint64_t ninit, ntarg;

            if (len < 32)
                return false;
            ninit = fuzz_le(t + off + 12, 4);
            ntarg = fuzz_le(t + off + 16, 4);
            if (ninit > MAX_PDS || ntarg > MAX_PDS ||
                32 + 4 * (ninit + ntarg) + 2 * ninit * ntarg > len)
                return false;
            ++*nlocs;
        }
        off += len;
    }
    return true;
}

static void check_hmat(const uint8_t *t, size_t size, const struct acpi_hmat *h)
{
    size_t prev = HMAT_BODY - 1;

    FUZZ_CHECK(h->revision == t[8], "revision %u, byte 8 is %u", h->revision, t[8]);
    for (size_t i = 0; i < h->npds; i++) {
        const struct acpi_hmat_pd *pd = &h->pds[i];
        const uint8_t *p = t + pd->offset;

        FUZZ_CHECK(pd->offset >= HMAT_BODY && pd->offset + 40 <= size &&
                       (i == 0 || pd->offset >= h->pds[i - 1].offset + 40),
                   "attributes %zu at offset %zu", i, pd->offset);
        FUZZ_CHECK(fuzz_le(p, 2) == 0 && fuzz_le(p + 4, 4) == 40 &&
                       pd->flags == fuzz_le(p + 8, 2) && pd->initiator_pd == fuzz_le(p + 12, 4) &&
                       pd->memory_pd == fuzz_le(p + 16, 4),
                   "attributes %zu: flags %#x initiator %u memory %u", i, pd->flags,
                   pd->initiator_pd, pd->memory_pd);
    }
    for (size_t i = 0; i < h->nlocs; i++) {
        const struct acpi_hmat_locality *l = &h->locs[i];
        const uint8_t *p = t + l->offset;
        uint64_t len;

        FUZZ_CHECK(l->offset >= HMAT_BODY && l->offset + 32 <= size && (i == 0 || l->offset > prev),
                   "locality %zu at offset %zu", i, l->offset);
        len = fuzz_le(p + 4, 4);
        FUZZ_CHECK(fuzz_le(p, 2) == 1 && l->offset + len <= size && l->data_type == p[9] &&
                       l->ninit == fuzz_le(p + 12, 4) && l->ntarg == fuzz_le(p + 16, 4) &&
                       l->base_unit == fuzz_le(p + 24, 8),
                   "locality %zu: type %u, %u x %u", i, l->data_type, l->ninit, l->ntarg);
        FUZZ_CHECK(32 + 4 * ((uint64_t)l->ninit + l->ntarg) <= len, "locality %zu lists past it",
                   i);
        for (uint64_t k = 0; k < (uint64_t)l->ninit + l->ntarg; k++)
            FUZZ_CHECK(l->pds[k] == fuzz_le(p + 32 + 4 * k, 4), "locality %zu: pd %llu is %u", i,
                       (unsigned long long)k, l->pds[k]);
        for (uint64_t k = 0; k < (uint64_t)l->ninit * l->ntarg; k++)
            FUZZ_CHECK(l->entries[k] ==
                           fuzz_le(p + 32 + 4 * ((uint64_t)l->ninit + l->ntarg) + 2 * k, 2),
                       "locality %zu: entry %llu is %u", i, (unsigned long long)k, l->entries[k]);
        prev = l->offset;
    }
}

static void parse_one(const uint8_t *t, size_t size)
{
    struct acpi_hmat hmat;
    struct vt_err err;
    size_t npds = 0, nlocs = 0;
    bool want;
    int rc;

    vt_err_clear(&err);
    rc = hmat_parse(t, size, "hmat.dat", &hmat, &err);
    fuzz_check_err(rc, &err);
    want = fuzz_acpi_header_ok(t, size, "HMAT") && reference_walk(t, size, &npds, &nlocs);
    FUZZ_CHECK((rc == 0) == want, "parser says %d, the reference walk says %s (%s)", rc,
               want ? "valid" : "invalid", rc ? err.msg : "");
    if (rc < 0) {
        FUZZ_CHECK(hmat.pds == NULL && hmat.npds == 0 && hmat.locs == NULL && hmat.nlocs == 0,
                   "failure %d left structures", rc);
        return;
    }
    FUZZ_CHECK(hmat.npds == npds && hmat.nlocs == nlocs,
               "%zu attributes + %zu localities, the reference finds %zu + %zu", hmat.npds,
               hmat.nlocs, npds, nlocs);
    check_hmat(t, size, &hmat);
    hmat_free(&hmat);
    FUZZ_CHECK(hmat.pds == NULL && hmat.locs == NULL, "%s", "hmat_free left structures");
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
