/* vt_check_input from what holds the tables: files (tables, cpuid.txt, E820
 * text), memory images and directories, each kind read with its own limit,
 * never blocking. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/acpi_parse.h"
#include "format/acpi_file.h"
#include "util/file.h"
#include "vtopo/emit.h"
#include "vtopo/acpi.h"
#include "vtopo/check.h"
#include "vtopo/cpuid.h"

/* Everything the input owns: the buffers and the names that point at them. */
struct owned {
    char **items;
    size_t n;
};

static int own(struct vt_check_input *in, char *p, struct vt_err *err)
{
    struct owned *o = in->owned;
    char **items;

    if (!o && !(o = in->owned = calloc(1, sizeof(*o)))) {
        free(p);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (!(items = realloc(o->items, (o->n + 1) * sizeof(*items)))) {
        free(p);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    o->items = items;
    o->items[o->n++] = p;
    return 0;
}

static int own_name(struct vt_check_input *in, const char *path, const char **name,
                    struct vt_err *err)
{
    char *copy = strdup(path);
    int rc;

    if (!copy)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if ((rc = own(in, copy, err)) < 0)
        return rc;
    *name = copy;
    return 0;
}

void vt_check_input_release(struct vt_check_input *in)
{
    struct owned *o;

    if (!in || !(o = in->owned))
        return;
    for (size_t i = 0; i < o->n; i++)
        free(o->items[i]);
    free(o->items);
    free(o);
    in->owned = NULL;
}

static const char *const table_sigs[] = {"SRAT", "SLIT", "APIC", "HMAT"};

struct slot {
    const uint8_t **data;
    size_t *len;
    const char **name;
};

static struct slot table_slot(struct vt_check_input *in, size_t t)
{
    switch (t) {
    case 0:
        return (struct slot){&in->srat, &in->srat_len, &in->srat_name};
    case 1:
        return (struct slot){&in->slit, &in->slit_len, &in->slit_name};
    case 2:
        return (struct slot){&in->madt, &in->madt_len, &in->madt_name};
    default:
        return (struct slot){&in->hmat, &in->hmat_len, &in->hmat_name};
    }
}

/* Put a table read from path into its slot (the data is the input's now):
 * slot `named` when its name said which table it is (vt_check_run then
 * refuses a file that is not that table), else the slot of its signature. */
static int take_table(struct vt_check_input *in, const char *path, char *data, size_t len,
                      int named, struct vt_err *err)
{
    char sig[5] = "";
    int rc;

    if ((rc = own(in, data, err)) < 0)
        return rc;
    for (size_t t = 0; t < 4; t++) {
        struct slot s = table_slot(in, t);

        if (named >= 0 ? (int)t != named : len < 4 || memcmp(data, table_sigs[t], 4) != 0)
            continue;
        if (*s.data)
            return vt_err_set(err, -EINVAL, "two %s tables given (%s and %s)", table_sigs[t],
                              *s.name, path);
        *s.data = (const uint8_t *)data;
        *s.len = len;
        return own_name(in, path, s.name, err);
    }
    if (len >= 4)
        memcpy(sig, data, 4);
    return vt_err_set(err, -EINVAL,
                      "%s: not an SRAT, SLIT, MADT or HMAT (%zu bytes, signature '%s')", path, len,
                      sig);
}

/* ---- a memory image ----------------------------------------------------- */

struct image_walk {
    struct vt_check_input *in;
    const uint8_t *image;
    uint64_t base;
    struct vt_err *err;
};

static int take_image_table(const char *sig, const uint8_t *data, size_t len, void *ctx)
{
    static const char *const names[] = {"SRAT (from the image)", "SLIT (from the image)",
                                        "MADT (from the image)", "HMAT (from the image)"};
    struct image_walk *w = ctx;
    struct vt_check_input *in = w->in;

    for (size_t t = 0; t < 4; t++) {
        struct slot s = table_slot(in, t);

        if (strcmp(sig, table_sigs[t]))
            continue;
        if (*s.data)
            return vt_err_set(w->err, -EINVAL,
                              "the %s lists two %s tables (at %#" PRIx64 " and %#" PRIx64
                              "): which one is meant? (as two %s files given to one check)",
                              in->image_root, sig, w->base + (uint64_t)(*s.data - w->image),
                              w->base + (uint64_t)(data - w->image), sig);
        *s.data = data;
        *s.len = len;
        *s.name = names[t];
    }
    return 0;
}

static void skip_image_table(unsigned entry, uint64_t address, const char *why, void *ctx)
{
    struct image_walk *w = ctx;
    struct vt_check_input *in = w->in;

    if (in->image_nskipped < VT_CHECK_IMAGE_SKIPS_MAX) {
        struct vt_check_image_skip *s = &in->image_skipped[in->image_nskipped];

        s->entry = entry;
        s->address = address;
        snprintf(s->why, sizeof(s->why), "%s", why);
    }
    in->image_nskipped++;
}

int vt_check_input_from_image(struct vt_check_input *in, const uint8_t *image, size_t len,
                              uint64_t base, struct vt_err *err)
{
    struct image_walk w = {in, image, base, err};

    in->image_nskipped = 0;
    return acpi_image_tables(image, len, base, take_image_table, skip_image_table, &w,
                             &in->image_root, err);
}

/* ---- files and directories --------------------------------------------- */

/* A text input (cpuid.txt or E820) into its place, once. */
static int take_text(struct vt_check_input *in, const char *what, const char **text,
                     const char **name, int dirfd, const char *rel, const char *path, size_t max,
                     struct vt_err *err)
{
    char *data;
    int rc;

    if (*text)
        return vt_err_set(err, -EINVAL, "two %s inputs given (%s and %s)", what, *name, path);
    if ((rc = read_file_at(dirfd, rel, path, max, 0, &data, NULL, err)) < 0 ||
        (rc = own(in, data, err)) < 0)
        return rc;
    *text = data;
    return own_name(in, path, name, err);
}

int vt_check_input_add_file(struct vt_check_input *in, enum vt_check_file kind, const char *path,
                            struct vt_err *err)
{
    char *data;
    size_t len;
    int rc;

    switch (kind) {
    case VT_CHECK_FILE_TABLE:
        if ((rc = vt_read_file(path, VT_ACPI_TABLE_MAX, 0, &data, &len, err)) < 0)
            return rc;
        return take_table(in, path, data, len, -1, err);
    case VT_CHECK_FILE_CPUID:
        return take_text(in, "CPUID", &in->cpuid_text, &in->cpuid_name, AT_FDCWD, path, path,
                         VT_CPUID_TEXT_MAX, err);
    case VT_CHECK_FILE_E820:
        return take_text(in, "E820", &in->e820_text, &in->e820_name, AT_FDCWD, path, path,
                         VT_E820_TEXT_MAX, err);
    case VT_CHECK_FILE_IMAGE:
        if (in->srat || in->slit || in->madt || in->hmat || in->image_root)
            return vt_err_set(err, -EINVAL, "%s: a memory image and table files are alternatives",
                              path);
        if ((rc = vt_read_file(path, VT_CHECK_IMAGE_MAX, 0, &data, &len, err)) < 0 ||
            (rc = own(in, data, err)) < 0)
            return rc;
        if ((rc = vt_check_input_from_image(in, (const uint8_t *)data, len, 0, err)) < 0)
            vt_err_prefix(err, "%s: ", path);
        return rc;
    }
    return vt_err_set(err, -EINVAL, "%s: unknown kind of input", path);
}

/* Whether the directory open as dfd is still the one dir names. A plan
 * directory replaced meanwhile (vtopo plan --out swaps in a new one) is not,
 * and the old one's files go right after the swap: what was read of it may
 * lack some. */
static bool still_there(int dfd, const char *dir)
{
    struct stat a, b;

    return fstat(dfd, &a) == 0 && a.st_nlink > 0 && stat(dir, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

/* The plan directory's text file of kind `file` (cpuid.txt, e820.txt), when
 * the directory has one. */
static int take_plan_text(struct vt_check_input *s, int dfd, const char *dir,
                          enum vt_plan_file file, const char *what, const char **text,
                          const char **name, size_t max, struct vt_err *err)
{
    const char *base = vt_layout_file_name(file);
    char path[4096];
    int rc;

    if (faccessat(dfd, base, F_OK, 0) != 0)
        return 0;
    if ((rc = path_fmt(path, sizeof(path), err, "%s/%s", dir, base)) < 0)
        return rc;
    return take_text(s, what, text, name, dfd, base, path, max, err);
}

/* One read of the directory into s (the texts only where in has none);
 * *moved when it was replaced meanwhile, whatever the read gave. */
static int read_dir_once(struct vt_check_input *s, const struct vt_check_input *in, const char *dir,
                         bool *moved, struct vt_err *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char path[PATH_MAX];
    int rc = 0;

    *moved = false;
    if (dfd < 0)
        return vt_err_set(err, -errno, "%s: cannot open: %s", dir, strerror(errno));
    for (size_t t = 0; t < 4 && rc == 0; t++) {
        char *data;
        size_t len;

        rc = acpi_read_dir_table(dfd, dir, table_sigs[t], &data, &len, path, sizeof(path), err);
        if (rc == -ENOENT)
            rc = 0;
        else if (rc == 0)
            rc = take_table(s, path, data, len, (int)t, err);
    }
    if (rc == 0 && !in->cpuid_text)
        rc = take_plan_text(s, dfd, dir, VT_PLAN_FILE_CPUID, "CPUID", &s->cpuid_text,
                            &s->cpuid_name, VT_CPUID_TEXT_MAX, err);
    if (rc == 0 && !in->e820_text)
        rc = take_plan_text(s, dfd, dir, VT_PLAN_FILE_E820, "E820", &s->e820_text, &s->e820_name,
                            VT_E820_TEXT_MAX, err);
    *moved = !still_there(dfd, dir);
    close(dfd);
    return rc;
}

/* Move what s read into in (s is empty after). */
static int merge(struct vt_check_input *in, struct vt_check_input *s, struct vt_err *err)
{
    struct owned *so = s->owned;
    int rc = 0;

    for (size_t t = 0; t < 4 && rc == 0; t++) {
        struct slot a = table_slot(in, t), b = table_slot(s, t);

        if (!*b.data)
            continue;
        if (*a.data)
            rc = vt_err_set(err, -EINVAL, "two %s tables given (%s and %s)", table_sigs[t], *a.name,
                            *b.name);
        *a.data = *b.data;
        *a.len = *b.len;
        *a.name = *b.name;
    }
    if (s->cpuid_text) {
        in->cpuid_text = s->cpuid_text;
        in->cpuid_name = s->cpuid_name;
    }
    if (s->e820_text) {
        in->e820_text = s->e820_text;
        in->e820_name = s->e820_name;
    }
    /* The buffers are in's now, whatever the outcome. */
    for (size_t i = 0; so && i < so->n; i++) {
        if (own(in, so->items[i], err) < 0) {
            for (size_t k = i + 1; k < so->n; k++)
                free(so->items[k]);
            rc = -ENOMEM;
            break;
        }
    }
    if (so) {
        free(so->items);
        free(so);
    }
    memset(s, 0, sizeof(*s));
    return rc;
}

/* A directory replaced while it is read is read again, from the new one. */
#define DIR_READ_TRIES 8

int vt_check_input_add_dir(struct vt_check_input *in, const char *dir, struct vt_err *err)
{
    for (int tries = 0; tries < DIR_READ_TRIES; tries++) {
        struct vt_check_input s = {0};
        bool moved;
        int rc = read_dir_once(&s, in, dir, &moved, err);

        if (moved) {
            vt_check_input_release(&s);
            continue;
        }
        if (rc < 0) {
            vt_check_input_release(&s);
            return rc;
        }
        return merge(in, &s, err);
    }
    return vt_err_set(err, -EAGAIN, "%s: replaced %d times while it was read; try again", dir,
                      DIR_READ_TRIES);
}
