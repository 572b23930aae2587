/* Bounds-checked ACPI table readers: header, SRAT, SLIT, MADT, HMAT, and the
 * tables of a memory image. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "util/bytes.h"

int acpi_header_parse(const uint8_t *data, size_t len, const char *name, const char *want_sig,
                      struct acpi_header *hdr, struct vt_err *err)
{
    struct rd r = {data, len};
    uint8_t sum = 0;

    if (len < VT_ACPI_HEADER_LEN)
        return vt_err_set(err, -EINVAL, "%s: %zu bytes, shorter than the 36-byte ACPI header", name,
                          len);
    memcpy(hdr->signature, data, 4);
    hdr->signature[4] = '\0';
    if (want_sig && memcmp(data, want_sig, 4) != 0)
        return vt_err_set(err, -EINVAL, "%s: signature '%.4s', expected '%s'", name,
                          (const char *)data, want_sig);
    rd_u32(&r, 4, &hdr->length);
    rd_u8(&r, 8, &hdr->revision);
    memcpy(hdr->oem_id, data + 10, 6);
    hdr->oem_id[6] = '\0';
    memcpy(hdr->oem_table_id, data + 16, 8);
    hdr->oem_table_id[8] = '\0';
    rd_u32(&r, 24, &hdr->oem_revision);
    if (hdr->length != len)
        return vt_err_set(err, -EINVAL, "%s: header length %u but the table has %zu bytes", name,
                          hdr->length, len);
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + data[i]);
    if (sum != 0)
        return vt_err_set(err, -EINVAL,
                          "%s: checksum wrong (bytes sum to %#04x, must be 0; checksum byte "
                          "should be %#04x)",
                          name, sum, (uint8_t)(data[9] - sum));
    return 0;
}

static const char *srat_type_name(uint8_t type)
{
    switch (type) {
    case VT_SRAT_LAPIC:
        return "LAPIC affinity";
    case VT_SRAT_MEMORY:
        return "memory affinity";
    case VT_SRAT_X2APIC:
        return "x2APIC affinity";
    case VT_SRAT_GICC:
        return "GICC affinity";
    case VT_SRAT_GENERIC_INITIATOR:
        return "generic initiator affinity";
    default:
        return "unknown type";
    }
}

/* An entry's type and length at off: inside the table, and as long as
 * Linux's bad_srat() wants its type. */
static int srat_entry_header(const struct rd *r, const char *name, size_t idx, size_t off,
                             struct acpi_srat_entry *e, struct vt_err *err)
{
    static const uint8_t min_len[] = {[0] = 16, [1] = 40, [2] = 24, [3] = 18, [5] = 32};
    size_t len = r->len;

    if (!rd_u8(r, off, &e->type) || !rd_u8(r, off + 1, &e->length))
        return vt_err_set(err, -EINVAL, "%s: entry %zu at offset %zu: truncated header", name, idx,
                          off);
    e->offset = off;
    if (e->length < 2)
        return vt_err_set(err, -EINVAL,
                          "%s: entry %zu (%s) at offset %zu: length %u is below 2 (the "
                          "entry's own type and length bytes)",
                          name, idx, srat_type_name(e->type), off, e->length);
    if (e->length > len - off)
        return vt_err_set(err, -EINVAL,
                          "%s: entry %zu (%s) at offset %zu: length %u runs past the table "
                          "(%zu bytes left)",
                          name, idx, srat_type_name(e->type), off, e->length, len - off);
    if (e->type < sizeof(min_len) && min_len[e->type] &&
        (e->type == VT_SRAT_LAPIC ? e->length != 16 : e->length < min_len[e->type]))
        return vt_err_set(err, -EINVAL, "%s: entry %zu (%s) at offset %zu: length %u, %s %u", name,
                          idx, srat_type_name(e->type), off, e->length,
                          e->type == VT_SRAT_LAPIC ? "expected" : "expected at least",
                          min_len[e->type]);
    return 0;
}

/* The fields of an entry of a known type (false: a type vtopo skips), as
 * Linux reads them for the table's revision. */
static bool srat_entry_fields(const struct rd *r, uint8_t revision, struct acpi_srat_entry *e)
{
    size_t off = e->offset;
    uint8_t lo = 0;

    switch (e->type) {
    case VT_SRAT_LAPIC: {
        uint8_t apic = 0, hi[3] = {0};

        rd_u8(r, off + 2, &lo);
        rd_u8(r, off + 3, &apic);
        rd_u32(r, off + 4, &e->flags);
        for (int i = 0; i < 3; i++)
            rd_u8(r, off + 9 + (size_t)i, &hi[i]);
        e->apic_id = apic;
        e->pxm = lo;
        /* Linux takes the high PXM bytes only from revision 2 on. */
        if (revision >= 2)
            e->pxm |= (uint32_t)hi[0] << 8 | (uint32_t)hi[1] << 16 | (uint32_t)hi[2] << 24;
        return true;
    }
    case VT_SRAT_MEMORY:
        rd_u32(r, off + 2, &e->pxm);
        rd_u64(r, off + 8, &e->base);
        rd_u64(r, off + 16, &e->length_bytes);
        rd_u32(r, off + 28, &e->flags);
        if (revision <= 1)
            e->pxm &= 0xff;
        return true;
    case VT_SRAT_X2APIC:
        rd_u32(r, off + 4, &e->pxm);
        rd_u32(r, off + 8, &e->apic_id);
        rd_u32(r, off + 12, &e->flags);
        return true;
    case VT_SRAT_GICC:
        rd_u32(r, off + 2, &e->pxm);
        rd_u32(r, off + 6, &e->apic_id);
        rd_u32(r, off + 10, &e->flags);
        return true;
    case VT_SRAT_GENERIC_INITIATOR:
        rd_u8(r, off + 3, &e->handle_type);
        rd_u32(r, off + 4, &e->pxm);
        memcpy(e->handle, r->p + off + 8, 16);
        rd_u32(r, off + 24, &e->flags);
        if (e->handle_type == VT_SRAT_GI_HANDLE_PCI) {
            rd_u16(r, off + 8, &e->pci_segment);
            rd_u8(r, off + 10, &e->pci_bus);
            rd_u8(r, off + 11, &e->pci_devfn);
        }
        return true;
    default:
        return false;
    }
}

int srat_parse(const uint8_t *data, size_t len, const char *name, struct acpi_srat *srat,
               struct vt_err *err)
{
    struct acpi_header hdr;
    struct rd r = {data, len};
    size_t off = 48, cap = 0, idx = 0;
    int rc;

    memset(srat, 0, sizeof(*srat));
    if ((rc = acpi_header_parse(data, len, name, "SRAT", &hdr, err)) < 0)
        return rc;
    if (len < 48)
        return vt_err_set(err, -EINVAL, "%s: %zu bytes, shorter than the 48-byte SRAT header", name,
                          len);
    srat->revision = hdr.revision;
    for (; off < len; idx++) {
        struct acpi_srat_entry e = {0};

        if ((rc = srat_entry_header(&r, name, idx, off, &e, err)) < 0) {
            srat_free(srat);
            return rc;
        }
        off += e.length;
        if (!srat_entry_fields(&r, srat->revision, &e))
            continue;
        if (srat->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct acpi_srat_entry *ne = realloc(srat->entries, ncap * sizeof(*ne));

            if (!ne) {
                srat_free(srat);
                return vt_err_set(err, -ENOMEM, "%s: out of memory", name);
            }
            srat->entries = ne;
            cap = ncap;
        }
        srat->entries[srat->n++] = e;
    }
    return 0;
}

void srat_free(struct acpi_srat *srat)
{
    free(srat->entries);
    srat->entries = NULL;
    srat->n = 0;
}

#define SLIT_MAX_LOCALITIES 65536u

int slit_parse(const uint8_t *data, size_t len, const char *name, struct acpi_slit *slit,
               struct vt_err *err)
{
    struct acpi_header hdr;
    struct rd r = {data, len};
    uint64_t count;
    int rc;

    memset(slit, 0, sizeof(*slit));
    if ((rc = acpi_header_parse(data, len, name, "SLIT", &hdr, err)) < 0)
        return rc;
    if (!rd_u64(&r, 36, &count))
        return vt_err_set(err, -EINVAL, "%s: %zu bytes, too short for the locality count", name,
                          len);
    if (count == 0)
        return vt_err_set(err, -EINVAL,
                          "%s: locality count 0 (a SLIT has at least one locality, its own "
                          "distance 10)",
                          name);
    if (count <= UINT32_MAX && count * count > len - 44)
        return vt_err_set(
            err, -EINVAL, "%s: locality count %llu needs %llu matrix bytes but %zu are present",
            name, (unsigned long long)count, (unsigned long long)(count * count), len - 44);
    if (count > SLIT_MAX_LOCALITIES || count * count > len - 44)
        return vt_err_set(err, -EINVAL,
                          "%s: locality count %llu needs a %llu x %llu matrix, far more than the "
                          "%zu bytes present",
                          name, (unsigned long long)count, (unsigned long long)count,
                          (unsigned long long)count, len - 44);
    slit->entries = malloc(count * count);
    if (!slit->entries)
        return vt_err_set(err, -ENOMEM, "%s: out of memory", name);
    memcpy(slit->entries, data + 44, count * count);
    slit->count = count;
    return 0;
}

bool slit_valid(const struct acpi_slit *slit)
{
    for (uint64_t i = 0; i < slit->count; i++)
        for (uint64_t j = 0; j < slit->count; j++) {
            uint8_t v = slit->entries[i * slit->count + j];

            if (i == j ? v != 10 : v <= 10)
                return false;
        }
    return true;
}

void slit_free(struct acpi_slit *slit)
{
    free(slit->entries);
    slit->entries = NULL;
    slit->count = 0;
}

int madt_parse(const uint8_t *data, size_t len, const char *name, struct acpi_madt *madt,
               struct vt_err *err)
{
    struct acpi_header hdr;
    struct rd r = {data, len};
    size_t off = 44, cap = 0, idx = 0;
    int rc;

    memset(madt, 0, sizeof(*madt));
    if ((rc = acpi_header_parse(data, len, name, "APIC", &hdr, err)) < 0)
        return rc;
    if (len < 44)
        return vt_err_set(err, -EINVAL, "%s: %zu bytes, shorter than the 44-byte MADT header", name,
                          len);
    madt->revision = hdr.revision;
    rd_u32(&r, 36, &madt->lapic_address);
    rd_u32(&r, 40, &madt->flags);
    for (; off < len; idx++) {
        struct acpi_madt_cpu c = {0};
        uint8_t type = 0, slen = 0;

        if (!rd_u8(&r, off, &type) || !rd_u8(&r, off + 1, &slen)) {
            madt_free(madt);
            return vt_err_set(err, -EINVAL, "%s: entry %zu at offset %zu: truncated header", name,
                              idx, off);
        }
        if (slen < 2) {
            madt_free(madt);
            return vt_err_set(err, -EINVAL,
                              "%s: entry %zu at offset %zu: length %u is below 2 (the entry's "
                              "own type and length bytes)",
                              name, idx, off, slen);
        }
        if (slen > len - off) {
            madt_free(madt);
            return vt_err_set(err, -EINVAL,
                              "%s: entry %zu at offset %zu: length %u runs past the table (%zu "
                              "bytes left)",
                              name, idx, off, slen, len - off);
        }
        if ((type == 0 && slen < 8) || (type == 9 && slen < 16)) {
            madt_free(madt);
            return vt_err_set(
                err, -EINVAL, "%s: entry %zu (%s) at offset %zu: length %u, expected %u", name, idx,
                type == 0 ? "local APIC" : "local x2APIC", off, slen, type == 0 ? 8 : 16);
        }
        if (type != 0 && type != 9) {
            madt->nother++;
            off += slen;
            continue;
        }
        c.type = type;
        c.offset = off;
        if (type == 0) {
            uint8_t uid = 0, id = 0;

            rd_u8(&r, off + 2, &uid);
            rd_u8(&r, off + 3, &id);
            rd_u32(&r, off + 4, &c.flags);
            c.uid = uid;
            c.apic_id = id;
        } else {
            rd_u32(&r, off + 4, &c.apic_id);
            rd_u32(&r, off + 8, &c.flags);
            rd_u32(&r, off + 12, &c.uid);
        }
        if (madt->ncpus == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct acpi_madt_cpu *n = realloc(madt->cpus, ncap * sizeof(*n));

            if (!n) {
                madt_free(madt);
                return vt_err_set(err, -ENOMEM, "%s: out of memory", name);
            }
            madt->cpus = n;
            cap = ncap;
        }
        madt->cpus[madt->ncpus++] = c;
        off += slen;
    }
    return 0;
}

void madt_free(struct acpi_madt *madt)
{
    free(madt->cpus);
    madt->cpus = NULL;
    madt->ncpus = 0;
}

#define HMAT_MAX_PDS 65536u

void hmat_free(struct acpi_hmat *hmat)
{
    for (size_t i = 0; i < hmat->nlocs; i++) {
        free(hmat->locs[i].pds);
        free(hmat->locs[i].entries);
    }
    free(hmat->locs);
    free(hmat->pds);
    memset(hmat, 0, sizeof(*hmat));
}

static int hmat_fail(struct acpi_hmat *hmat, int rc)
{
    hmat_free(hmat);
    return rc;
}

int hmat_parse(const uint8_t *data, size_t len, const char *name, struct acpi_hmat *hmat,
               struct vt_err *err)
{
    struct acpi_header hdr;
    struct rd r = {data, len};
    size_t off = 40, idx = 0;
    int rc;

    memset(hmat, 0, sizeof(*hmat));
    if ((rc = acpi_header_parse(data, len, name, "HMAT", &hdr, err)) < 0)
        return rc;
    if (hdr.revision != 1 && hdr.revision != 2)
        return vt_err_set(err, -EINVAL,
                          "%s: revision %u (Linux: \"Ignoring HMAT: Unknown revision\")", name,
                          hdr.revision);
    if (len < 40)
        return vt_err_set(err, -EINVAL, "%s: %zu bytes, shorter than the 40-byte HMAT header", name,
                          len);
    hmat->revision = hdr.revision;
    for (; off < len; idx++) {
        uint16_t type = 0;
        uint32_t slen = 0;

        if (!rd_u16(&r, off, &type) || !rd_u32(&r, off + 4, &slen))
            return hmat_fail(hmat, vt_err_set(err, -EINVAL,
                                              "%s: structure %zu at offset %zu: truncated header "
                                              "(%zu bytes left, 8 needed)",
                                              name, idx, off, len - off));
        if (slen < 8)
            return hmat_fail(hmat, vt_err_set(err, -EINVAL,
                                              "%s: structure %zu at offset %zu: length %u is "
                                              "below 8 (the structure's own header)",
                                              name, idx, off, slen));
        if (slen > len - off)
            return hmat_fail(hmat, vt_err_set(err, -EINVAL,
                                              "%s: structure %zu at offset %zu: length %u runs "
                                              "past the table (%zu bytes left)",
                                              name, idx, off, slen, len - off));
        if (type == 0) {
            struct acpi_hmat_pd pd = {off, 0, 0, 0};
            struct acpi_hmat_pd *n;

            if (slen != 40)
                return hmat_fail(hmat, vt_err_set(err, -EINVAL,
                                                  "%s: structure %zu (memory proximity domain "
                                                  "attributes) at offset %zu: length %u, "
                                                  "expected 40",
                                                  name, idx, off, slen));
            rd_u16(&r, off + 8, &pd.flags);
            rd_u32(&r, off + 12, &pd.initiator_pd);
            rd_u32(&r, off + 16, &pd.memory_pd);
            n = realloc(hmat->pds, (hmat->npds + 1) * sizeof(*n));
            if (!n)
                return hmat_fail(hmat, vt_err_set(err, -ENOMEM, "%s: out of memory", name));
            hmat->pds = n;
            hmat->pds[hmat->npds++] = pd;
        } else if (type == 1) {
            struct acpi_hmat_locality loc = {0};
            struct acpi_hmat_locality *n;
            uint64_t need;

            loc.offset = off;
            if (slen < 32)
                return hmat_fail(hmat, vt_err_set(err, -EINVAL,
                                                  "%s: structure %zu (locality) at offset %zu: "
                                                  "length %u, below 32",
                                                  name, idx, off, slen));
            rd_u8(&r, off + 9, &loc.data_type);
            rd_u32(&r, off + 12, &loc.ninit);
            rd_u32(&r, off + 16, &loc.ntarg);
            rd_u64(&r, off + 24, &loc.base_unit);
            need = 32 + 4 * ((uint64_t)loc.ninit + loc.ntarg) + 2 * (uint64_t)loc.ninit * loc.ntarg;
            if (loc.ninit > HMAT_MAX_PDS || loc.ntarg > HMAT_MAX_PDS || need > slen)
                return hmat_fail(hmat, vt_err_set(err, -EINVAL,
                                                  "%s: structure %zu (locality) at offset %zu: "
                                                  "%u initiators and %u targets need %llu bytes, "
                                                  "the structure has %u",
                                                  name, idx, off, loc.ninit, loc.ntarg,
                                                  (unsigned long long)need, slen));
            /* Both sizes are bounded by the bytes present (need <= slen). */
            loc.pds = malloc(((size_t)loc.ninit + loc.ntarg + 1) * sizeof(*loc.pds));
            loc.entries = malloc(((size_t)loc.ninit * loc.ntarg + 1) * sizeof(*loc.entries));
            if (!loc.pds || !loc.entries) {
                free(loc.pds);
                free(loc.entries);
                return hmat_fail(hmat, vt_err_set(err, -ENOMEM, "%s: out of memory", name));
            }
            for (uint32_t i = 0; i < loc.ninit + loc.ntarg; i++)
                rd_u32(&r, off + 32 + 4 * (size_t)i, &loc.pds[i]);
            for (size_t k = 0; k < (size_t)loc.ninit * loc.ntarg; k++)
                rd_u16(&r, off + 32 + 4 * ((size_t)loc.ninit + loc.ntarg) + 2 * k, &loc.entries[k]);
            n = realloc(hmat->locs, (hmat->nlocs + 1) * sizeof(*n));
            if (!n) {
                free(loc.pds);
                free(loc.entries);
                return hmat_fail(hmat, vt_err_set(err, -ENOMEM, "%s: out of memory", name));
            }
            hmat->locs = n;
            hmat->locs[hmat->nlocs++] = loc;
        }
        off += slen;
    }
    return 0;
}

/* The table at physical address pa, if it lies whole inside the image;
 * else NULL and why not. */
static const uint8_t *image_table(const uint8_t *image, size_t len, uint64_t base, uint64_t pa,
                                  size_t *tlen, const char **why)
{
    struct rd r = {image, len};
    uint32_t l32 = 0;
    uint64_t off;

    if (pa < base || pa - base >= len || len - (pa - base) < VT_ACPI_HEADER_LEN) {
        *why = "the address is outside the image";
        return NULL;
    }
    off = pa - base;
    rd_u32(&r, (size_t)off + 4, &l32);
    if (l32 < VT_ACPI_HEADER_LEN) {
        *why = "its Length is below the 36-byte header";
        return NULL;
    }
    if (l32 > len - off) {
        *why = "its Length runs past the end of the image";
        return NULL;
    }
    *tlen = l32;
    return image + off;
}

static bool sum_zero(const uint8_t *d, size_t n)
{
    uint8_t s = 0;

    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + d[i]);
    return s == 0;
}

int acpi_image_tables(const uint8_t *image, size_t len, uint64_t base,
                      int (*found)(const char *sig, const uint8_t *data, size_t len, void *ctx),
                      void (*skipped)(unsigned entry, uint64_t address, const char *why, void *ctx),
                      void *ctx, const char **root_sig, struct vt_err *err)
{
    const uint8_t *root = NULL;
    const char *why;
    size_t rlen = 0, width = 0;
    int rc;

    for (size_t off = 0; off + 36 <= len && !root; off += 16) {
        struct rd r = {image + off, len - off};
        uint8_t rev = 0;
        uint32_t rsdt = 0;
        uint64_t xsdt = 0;

        if (memcmp(image + off, "RSD PTR ", 8) != 0 || !sum_zero(image + off, 20))
            continue;
        rd_u8(&r, 15, &rev);
        rd_u32(&r, 16, &rsdt);
        rd_u64(&r, 24, &xsdt);
        /* ACPICA: the XSDT if revision > 1 and its address is set. */
        if (rev >= 2 && sum_zero(image + off, 36) && xsdt &&
            (root = image_table(image, len, base, xsdt, &rlen, &why)) && !memcmp(root, "XSDT", 4)) {
            width = 8;
        } else if ((root = image_table(image, len, base, rsdt, &rlen, &why)) &&
                   !memcmp(root, "RSDT", 4)) {
            width = 4;
        } else {
            root = NULL;
        }
    }
    if (!root)
        return vt_err_set(err, -ENOENT,
                          "no valid RSDP with a root table (RSDT/XSDT) inside the image");
    if (root_sig)
        *root_sig = width == 8 ? "XSDT" : "RSDT";
    for (size_t off = VT_ACPI_HEADER_LEN; off + width <= rlen; off += width) {
        struct rd r = {root, rlen};
        uint64_t pa = 0;
        const uint8_t *t;
        size_t tlen;
        char sig[5];

        rd_le(&r, off, (unsigned)width, &pa);
        if (!(t = image_table(image, len, base, pa, &tlen, &why))) {
            if (skipped)
                skipped((unsigned)((off - VT_ACPI_HEADER_LEN) / width), pa, why, ctx);
            continue;
        }
        memcpy(sig, t, 4);
        sig[4] = '\0';
        if ((rc = found(sig, t, tlen, ctx)) < 0)
            return rc;
    }
    return 0;
}
