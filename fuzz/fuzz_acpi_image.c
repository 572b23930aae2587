/* Fuzz target: acpi_image_tables and vt_check_input_from_image, which find
 * the ACPI tables in a guest memory image (`vtopo check --memory-image`):
 * the RSDP, its RSDT or XSDT, the tables they list. The input is the image's
 * base physical address (8 bytes, little-endian) and the image. Invariants:
 * every table handed to the callback lies whole inside the image, is at least
 * a header long, has the Length its header says and the signature the
 * callback is given; then vt_check_run on what was found fails only when no
 * table was found. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "fuzz_common.h"
#include "vtopo/check.h"

struct walk {
    const uint8_t *image;
    size_t len;
    size_t found, skipped;
};

static int found(const char *sig, const uint8_t *data, size_t len, void *ctx)
{
    struct walk *w = ctx;

    FUZZ_CHECK(data >= w->image && len >= 36 && len <= w->len &&
                   (size_t)(data - w->image) <= w->len - len,
               "table '%s' at image offset %td, %zu bytes, outside the %zu-byte image", sig,
               data - w->image, len, w->len);
    FUZZ_CHECK(fuzz_le(data + 4, 4) == len, "table '%s': Length %llu, given %zu bytes", sig,
               (unsigned long long)fuzz_le(data + 4, 4), len);
    FUZZ_CHECK(strlen(sig) <= 4 && strncmp(sig, (const char *)data, 4) == 0,
               "signature '%s' is not the table's", sig);
    w->found++;
    return 0;
}

static void skipped(unsigned entry, uint64_t address, const char *why, void *ctx)
{
    struct walk *w = ctx;

    (void)entry;
    (void)address;
    FUZZ_CHECK(why && *why, "a skipped entry without a reason");
    w->skipped++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vt_check_input in = {0};
    struct walk w;
    struct vt_err err;
    uint64_t base;
    uint8_t *image;
    int rc;

    if (size < 8)
        return 0;
    base = fuzz_le(data, 8);
    /* An exact-size copy: a read past the image is a read past this buffer. */
    image = malloc(size - 8 ? size - 8 : 1);
    if (!image)
        abort();
    memcpy(image, data + 8, size - 8);
    w = (struct walk){image, size - 8, 0, 0};
    vt_err_clear(&err);
    rc = acpi_image_tables(image, size - 8, base, found, skipped, &w, NULL, &err);
    fuzz_check_err(rc, &err);
    FUZZ_CHECK(rc == 0 || w.found == 0, "failure %d after %zu tables", rc, w.found);

    vt_err_clear(&err);
    rc = vt_check_input_from_image(&in, image, size - 8, base, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0) {
        struct vt_check *c = NULL;
        bool any = in.srat || in.slit || in.madt || in.hmat;

        vt_err_clear(&err);
        rc = vt_check_run(&in, &c, &err);
        fuzz_check_err(rc, &err);
        FUZZ_CHECK(rc == -ENOMEM || (rc == 0) == any, "check says %d with%s tables", rc,
                   any ? "" : "out");
        vt_check_free(c);
    }
    free(image);
    return 0;
}
