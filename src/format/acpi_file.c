/* A table of a directory under any of its names, and the names of the
 * tables in a plan directory. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "format/acpi_file.h"
#include "util/file.h"
#include "vtopo/acpi.h"

const char *acpi_file_of_signature(const char *sig)
{
    static const struct {
        char sig[5];
        const char *file;
    } files[] = {{"SRAT", ACPI_FILE_SRAT},
                 {"SLIT", ACPI_FILE_SLIT},
                 {"APIC", ACPI_FILE_MADT},
                 {"HMAT", ACPI_FILE_HMAT}};

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (!memcmp(sig, files[i].sig, 4))
            return files[i].file;
    return NULL;
}

int acpi_read_dir_table(int dirfd, const char *dir, const char *sig, char **data, size_t *len,
                        char *path, size_t psize, struct vt_err *err)
{
    char names[4][16];
    size_t nnames = 3;
    int first = -1;
    struct stat st, first_st;

    const char *plan_name = acpi_file_of_signature(sig);

    snprintf(names[0], sizeof(names[0]), "%.4s", sig);
    snprintf(names[1], sizeof(names[1]), "%.4s.dat", sig);
    for (char *p = names[1]; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    snprintf(names[2], sizeof(names[2]), "%.4s.dat", sig);
    if (plan_name && strcmp(plan_name, names[1]))
        snprintf(names[nnames++], sizeof(names[0]), "%s", plan_name);
    for (size_t i = 0; i < nnames; i++) {
        if (fstatat(dirfd, names[i], &st, 0) < 0)
            continue;
        if (first < 0) {
            first = (int)i;
            first_st = st;
        } else if (st.st_ino != first_st.st_ino || st.st_dev != first_st.st_dev) {
            return vt_err_set(err, -EINVAL,
                              "%s holds both %s and %s: which one is the %s? Name the table "
                              "file instead",
                              dir, names[first], names[i], sig);
        }
    }
    if (first < 0) {
        snprintf(path, psize, "%s/%s", dir, names[0]);
        return -ENOENT;
    }
    if (path_fmt(path, psize, err, "%s/%s", dir, names[first]) < 0)
        return -ENAMETOOLONG;
    return read_file_at(dirfd, names[first], path, VT_ACPI_TABLE_MAX, 0, data, len, err);
}
