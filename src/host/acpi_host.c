/* Host source add-on: recover each node's firmware proximity domain
 * (host_pxm) and physical ranges from the host's SRAT by replaying Linux's
 * node numbering, and cross-check distances against its SLIT. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/linux/numa.h"
#include "format/acpi_parse.h"
#include "format/acpi_file.h"
#include "host/host_internal.h"
#include "util/file.h"

/* Find and read a table of dir under any of its names (SRAT, srat.dat,
 * SRAT.dat). */
static int read_table(const char *dir, const char *sig, char **data, size_t *len, char *path,
                      size_t path_size, struct vt_err *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (dfd < 0) {
        snprintf(path, path_size, "%s/%s", dir, sig);
        rc = -errno;
        if (rc != -ENOENT)
            vt_err_set(err, rc, "%s: cannot open: %s", dir, strerror(-rc));
        return rc;
    }
    rc = acpi_read_dir_table(dfd, dir, sig, data, len, path, path_size, err);
    close(dfd);
    return rc;
}

/* The kernel command line in the dump disables or fakes NUMA: SRAT numbering
 * then says nothing about the node ids. */
static const char *numa_override(const char *cmdline)
{
    if (strstr(cmdline, "numa=fake"))
        return "numa=fake";
    if (strstr(cmdline, "numa=off"))
        return "numa=off";
    return NULL;
}

static void apply_slit(struct vt_host *h, const char *path, const uint8_t *data, size_t len)
{
    struct acpi_slit slit;
    struct vt_err e;
    size_t filled = 0, differ = 0;

    if (slit_parse(data, len, path, &slit, &e) < 0) {
        host_warn(h, "%s; host distances not cross-checked", e.msg);
        return;
    }
    if (!slit_valid(&slit)) {
        host_warn(h,
                  "%s: Linux rejects this SLIT (diagonal must be 10, other entries above "
                  "10); not used",
                  path);
        slit_free(&slit);
        return;
    }
    for (size_t i = 0; i < h->nnodes; i++)
        for (size_t j = 0; j < h->nnodes; j++) {
            uint32_t pi = h->nodes[i].pub.host_pxm, pj = h->nodes[j].pub.host_pxm;
            uint32_t *d = &h->dist[i * h->nnodes + j];
            uint8_t v;

            if (pi == VT_PXM_UNKNOWN || pj == VT_PXM_UNKNOWN || pi >= slit.count ||
                pj >= slit.count)
                continue;
            v = slit.entries[(uint64_t)pi * slit.count + pj];
            if (*d == 0) {
                *d = v;
                filled++;
            } else if (*d != v) {
                differ++;
            }
        }
    if (differ)
        host_warn(h, "%s: %zu distances differ from sysfs; sysfs values kept", path, differ);
    if (filled)
        host_warn(h, "%s: %zu distances unknown to sysfs taken from the SLIT", path, filled);
    slit_free(&slit);
}

int host_apply_acpi(struct vt_host *h, const char *dir, bool explicit_dir, struct vt_err *err)
{
    char path[PATH_MAX], *data = NULL, *cmdline = NULL;
    struct acpi_srat srat = {0};
    struct linux_numa map;
    struct vt_err e;
    const char *why = NULL;
    size_t len;
    int rc;

    rc = read_table(dir, "SRAT", &data, &len, path, sizeof(path), &e);
    if (rc < 0) {
        if (explicit_dir && rc == -ENOENT)
            return vt_err_set(err, -ENOENT, "%s: no SRAT (looked for SRAT, srat.dat, SRAT.dat)",
                              dir);
        if (explicit_dir)
            return vt_err_set(err, rc, "%s", e.msg);
        if (rc == -ENOENT)
            host_warn(h, "%s: no SRAT; firmware proximity domains (host_pxm) unknown", path);
        else if (rc == -EACCES || rc == -EPERM)
            host_warn(h, "%s: not readable (ACPI tables are root-only); host_pxm unknown", path);
        else
            host_warn(h, "%s; host_pxm unknown", e.msg);
        return 0;
    }
    rc = srat_parse((const uint8_t *)data, len, path, &srat, &e);
    free(data);
    data = NULL;
    if (rc < 0) {
        if (explicit_dir)
            return vt_err_set(err, rc, "%s", e.msg);
        host_warn(h, "%s; Linux rejects such an SRAT, host_pxm unknown", e.msg);
        return 0;
    }

    /* A dump's kernel command line (sysfs source only: dir under the fsroot). */
    if (!explicit_dir) {
        char cl[PATH_MAX];
        const char *tail = strstr(dir, "sys/firmware/acpi/tables");

        if (tail && (size_t)(tail - dir) + 12 < sizeof(cl)) {
            snprintf(cl, sizeof(cl), "%.*sproc/cmdline", (int)(tail - dir), dir);
            rc = vt_read_file(cl, 1 << 16, VT_READ_TEXT, &cmdline, NULL, &e);
            if (rc == 0 && (why = numa_override(cmdline)))
                host_warn(h,
                          "the kernel ran with %s, so node ids do not follow the SRAT; "
                          "host_pxm unknown",
                          why);
            else if (rc < 0 && rc != -ENOENT)
                host_warn(h, "%s; whether the kernel ran with numa=off or numa=fake is unknown",
                          e.msg);
            free(cmdline);
            if (why)
                goto out;
        }
    }
    linux_srat(&srat, &map);
    if (!map.srat_used) {
        host_warn(h, "%s: Linux does not use this SRAT: %s; host_pxm not taken from it", path,
                  map.why);
        goto out;
    }
    for (size_t i = 0; i < h->nnodes; i++)
        if (h->nodes[i].pub.pnode >= map.nnodes) {
            host_warn(h,
                      "%s maps %zu proximity domains, but node %u exists (NUMA emulation, "
                      "CXL windows or another machine's tables?); host_pxm not taken from it",
                      path, map.nnodes, h->nodes[i].pub.pnode);
            goto out;
        }
    /* The firmware's ranges replace whatever the source said, for every node:
     * a node whose PXM has no memory entry has no known range. */
    for (size_t i = 0; i < h->nnodes; i++) {
        struct host_node *n = &h->nodes[i];

        n->pub.host_pxm = map.pxm[n->pub.pnode];
        n->nranges = 0;
        for (size_t k = 0; k < srat.n; k++) {
            const struct acpi_srat_entry *en = &srat.entries[k];

            if (en->type != VT_SRAT_MEMORY || !(en->flags & VT_SRAT_ENABLED) ||
                en->pxm != n->pub.host_pxm || !en->length_bytes)
                continue;
            if (en->base > UINT64_MAX - en->length_bytes) {
                host_warn(h, "%s: entry at offset %zu: range wraps past 2^64; ignored", path,
                          en->offset);
                continue;
            }
            if ((rc = host_add_range(n, en->base, en->base + en->length_bytes)) < 0) {
                vt_err_set(err, rc, "%s: too many memory ranges", path);
                goto out;
            }
        }
    }
    rc = read_table(dir, "SLIT", &data, &len, path, sizeof(path), &e);
    if (rc == 0)
        apply_slit(h, path, (const uint8_t *)data, len);
    else if (rc != -ENOENT)
        host_warn(h, "%s; host distances not cross-checked", e.msg);
    rc = 0;
out:
    free(data);
    srat_free(&srat);
    return rc;
}
