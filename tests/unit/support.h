/* Test helpers: temporary directories, files, and a tiny ACPI table writer. */
#ifndef VT_TEST_SUPPORT_H
#define VT_TEST_SUPPORT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/bytes.h"
#include "vtopo/host.h"

/* mkdir -p for the directory part of path (path relative to root). */
static inline void t_mkdirs(const char *path)
{
    char tmp[4096];

    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
}

/* Write root/rel with len bytes of data (len -1: strlen), creating directories. */
static inline int t_write(const char *root, const char *rel, const void *data, long len)
{
    char path[4096];
    FILE *f;
    size_t n = len < 0 ? strlen(data) : (size_t)len;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    t_mkdirs(path);
    f = fopen(path, "wb");
    if (!f)
        return -errno;
    if (fwrite(data, 1, n, f) != n) {
        fclose(f);
        return -EIO;
    }
    return fclose(f) == 0 ? 0 : -EIO;
}

static inline char *t_mkdtemp(void)
{
    char *d = strdup("/tmp/vt-test-XXXXXX");

    if (d && !mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

static inline void t_rmtree(char *dir)
{
    char cmd[4200];

    if (!dir)
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    free(dir);
}

/* A synthetic host (docs/synthetic-hosts.md); fails the test on an error. */
#define t_synthetic(spec)                                                                          \
    ({                                                                                             \
        struct vt_host_source src_ = {VT_HOST_SYNTHETIC, (spec), NULL};                            \
        struct vt_host *h_ = NULL;                                                                 \
        struct vt_err err_;                                                                        \
        if (vt_host_load(&src_, &h_, &err_) != 0)                                                  \
            fail_msg("'%s': %s", (spec), err_.msg);                                                \
        h_;                                                                                        \
    })

/* The seed of a randomised test: VT_SEED if set, else the time; printed so a
 * failure can be replayed, and fed to srand(). */
static inline unsigned t_seed(const char *test)
{
    const char *env = getenv("VT_SEED");
    unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL);

    printf("%s: seed %u (rerun with VT_SEED=%u)\n", test, seed, seed);
    srand(seed);
    return seed;
}

/* ACPI table writer for tests: header, then t_acpi_end patches length and
 * checksum (the begin/end pattern). */
static inline void t_acpi_begin(struct buf *b, const char *sig, uint8_t rev)
{
    buf_init(b);
    buf_append(b, sig, 4);
    buf_le(b, 0, 4); /* length, patched */
    buf_le(b, rev, 1);
    buf_le(b, 0, 1); /* checksum, patched */
    buf_append(b, "VTOPO ", 6);
    buf_append(b, "VTTEST  ", 8);
    buf_le(b, 1, 4);
    buf_append(b, "VTOP", 4);
    buf_le(b, 1, 4);
}

static inline void t_acpi_end(struct buf *b)
{
    uint8_t sum = 0;

    buf_patch_le(b, 4, b->len, 4);
    for (size_t i = 0; i < b->len; i++)
        sum = (uint8_t)(sum + b->data[i]);
    b->data[9] = (uint8_t)(0 - sum);
}

static inline void t_srat_begin(struct buf *b, uint8_t rev)
{
    t_acpi_begin(b, "SRAT", rev);
    buf_le(b, 1, 4); /* table revision */
    buf_le(b, 0, 8); /* reserved */
}

static inline void t_srat_lapic(struct buf *b, uint32_t pxm, uint8_t apic, uint32_t flags)
{
    buf_le(b, 0, 1);
    buf_le(b, 16, 1);
    buf_le(b, pxm & 0xff, 1);
    buf_le(b, apic, 1);
    buf_le(b, flags, 4);
    buf_le(b, 0, 1);
    buf_le(b, pxm >> 8, 3);
    buf_le(b, 0, 4);
}

static inline void t_srat_x2apic(struct buf *b, uint32_t pxm, uint32_t apic, uint32_t flags)
{
    buf_le(b, 2, 1);
    buf_le(b, 24, 1);
    buf_le(b, 0, 2);
    buf_le(b, pxm, 4);
    buf_le(b, apic, 4);
    buf_le(b, flags, 4);
    buf_le(b, 0, 4);
    buf_le(b, 0, 4);
}

static inline void t_srat_mem(struct buf *b, uint32_t pxm, uint64_t base, uint64_t len,
                              uint32_t flags)
{
    buf_le(b, 1, 1);
    buf_le(b, 40, 1);
    buf_le(b, pxm, 4);
    buf_le(b, 0, 2);
    buf_le(b, base, 8);
    buf_le(b, len, 8);
    buf_le(b, 0, 4);
    buf_le(b, flags, 4);
    buf_le(b, 0, 8);
}

static inline void t_srat_gi(struct buf *b, uint32_t pxm, uint32_t flags)
{
    buf_le(b, 5, 1);
    buf_le(b, 32, 1);
    buf_le(b, 0, 1);
    buf_le(b, 1, 1); /* PCI handle */
    buf_le(b, pxm, 4);
    for (int i = 0; i < 16; i++)
        buf_le(b, 0, 1);
    buf_le(b, flags, 4);
    buf_le(b, 0, 4);
}

static inline void t_slit(struct buf *b, unsigned n, const uint8_t *m)
{
    t_acpi_begin(b, "SLIT", 1);
    buf_le(b, n, 8);
    buf_append(b, m, (size_t)n * n);
    t_acpi_end(b);
}

#endif
