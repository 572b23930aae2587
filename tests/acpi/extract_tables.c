/* Test helper: write the SRAT, SLIT, MADT and HMAT found through the RSDP of
 * a guest memory image (from physical address 0) into a directory as
 * srat.dat, slit.dat, madt.dat, hmat.dat. Used by scripts/qemu-acpi-fixtures.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/acpi_parse.h"
#include "util/file.h"

static const char *dir;

static int save(const char *sig, const uint8_t *data, size_t len, void *ctx)
{
    static const char *const sigs[] = {"SRAT", "SLIT", "APIC", "HMAT"};
    static const char *const names[] = {"srat.dat", "slit.dat", "madt.dat", "hmat.dat"};
    char path[4096];
    struct vt_err err;

    (void)ctx;
    for (int i = 0; i < 4; i++)
        if (!strcmp(sig, sigs[i])) {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            if (vt_write_file_atomic(path, data, len, &err) < 0) {
                fprintf(stderr, "extract_tables: %s\n", err.msg);
                return -1;
            }
            printf("%s: %zu bytes\n", path, len);
        }
    return 0;
}

int main(int argc, char **argv)
{
    char *image;
    size_t len;
    struct vt_err err;

    if (argc != 3) {
        fprintf(stderr, "usage: extract_tables IMAGE DIR\n");
        return 2;
    }
    dir = argv[2];
    if (vt_read_file(argv[1], (size_t)4 << 30, 0, &image, &len, &err) < 0 ||
        acpi_image_tables((const uint8_t *)image, len, 0, save, NULL, NULL, NULL, &err) < 0) {
        fprintf(stderr, "extract_tables: %s\n", err.msg);
        return 1;
    }
    free(image);
    return 0;
}
