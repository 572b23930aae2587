/* The interrupt state's sources: /proc and sysfs (live or a dump), a host
 * file's "irqs", or derived for a synthetic host (docs/irq.md). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/proc_interrupts.h"
#include "host/host_internal.h"
#include "host/irq_state.h"
#include "util/file.h"
#include "util/parse.h"

#define IRQ_FILE_MAX ((size_t)1 << 16)

int vt_irq_state_read(const struct vt_host *h, struct vt_irq_state **out, struct vt_err *err)
{
    vt_err_clear(err);
    *out = NULL;
    switch (h->kind) {
    case VT_HOST_SYSFS:
        return irq_state_read_sysfs(h, h->arg, out, err);
    case VT_HOST_SYNTHETIC:
        return irq_state_synthetic(h, out, err);
    case VT_HOST_FILE:
        break;
    }
    if (!h->irqs)
        return vt_err_set(err, -ENOENT,
                          "%s: the host file has no interrupt state (\"irqs\"; 'vtopo host "
                          "--save' on the machine, or on a dump with proc/interrupts, records "
                          "it)",
                          h->arg);
    {
        struct json_object *o = irq_state_json(h->irqs);
        int rc = o ? irq_state_from_json(o, h->arg, out, err)
                   : vt_err_set(err, -ENOMEM, "out of memory");

        json_object_put(o);
        return rc;
    }
}

/* ---- sysfs and /proc -------------------------------------------------- */

/* path under the root: "<root>/<rel>" (root "/" or "" for the live system). */
static int root_path(char *buf, size_t size, const char *root, const char *rel, struct vt_err *err)
{
    size_t n = strlen(root);

    return path_fmt(buf, size, err, "%.*s/%s", (int)(n && root[n - 1] == '/' ? n - 1 : n), root,
                    rel);
}

/* Read a small text file; -ENOENT quietly when absent. */
static int read_small(const char *root, const char *rel, char **text, struct vt_err *err)
{
    char path[PATH_MAX];
    struct vt_err tmp;
    int rc;

    *text = NULL;
    if ((rc = root_path(path, sizeof(path), root, rel, err)) < 0)
        return rc;
    rc = vt_read_file(path, IRQ_FILE_MAX, VT_READ_TEXT, text, NULL, &tmp);
    if (rc == -ENOENT)
        return rc;
    if (rc < 0)
        *err = tmp;
    return rc;
}

/* A cpulist (or, hex, a cpumask) file of /proc/irq/N; NULL when absent. */
static int read_cpus(const char *root, unsigned irq, const char *file, bool hex,
                     struct vt_bitmap **out, struct vt_err *err)
{
    char rel[64], *text;
    int rc;

    *out = NULL;
    snprintf(rel, sizeof(rel), "proc/irq/%u/%s", irq, file);
    if ((rc = read_small(root, rel, &text, err)) == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    if (!(*out = vt_bitmap_new()))
        rc = vt_err_set(err, -ENOMEM, "out of memory");
    else if ((rc = hex ? vt_bitmap_parse_mask(*out, text, VT_CPU_ID_MAX, err)
                       : vt_bitmap_parse_list(*out, text, VT_CPU_ID_MAX, err)) < 0)
        vt_err_prefix(err, "%s%s%s: ", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
    free(text);
    if (rc == 0 && hex && vt_bitmap_iszero(*out)) { /* no hint */
        vt_bitmap_free(*out);
        *out = NULL;
    }
    if (rc < 0) {
        vt_bitmap_free(*out);
        *out = NULL;
    }
    return rc;
}

static int read_node(const char *root, unsigned irq, int *node, struct vt_err *err)
{
    char rel[64], *text;
    long v;
    int rc;

    snprintf(rel, sizeof(rel), "proc/irq/%u/node", irq);
    if ((rc = read_small(root, rel, &text, err)) == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    if (parse_long(text, &v) < 0 || v < -1 || v > VT_NODE_ID_MAX)
        rc = vt_err_set(err, -EINVAL, "%s%s%s: '%.32s' is not a node number (-1 to %u)", root,
                        root[strlen(root) - 1] == '/' ? "" : "/", rel, text, VT_NODE_ID_MAX);
    else
        *node = (int)v;
    free(text);
    return rc;
}

/* debugfs's view of one IRQ: managed when its dstate lists
 * IRQD_AFFINITY_MANAGED. */
static int read_managed(const char *root, unsigned irq, enum vt_irq_managed *m, struct vt_err *err)
{
    char rel[64], *text;
    int rc;

    snprintf(rel, sizeof(rel), "sys/kernel/debug/irq/irqs/%u", irq);
    if ((rc = read_small(root, rel, &text, err)) == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    *m = strstr(text, "IRQD_AFFINITY_MANAGED") ? VT_IRQ_MANAGED_YES : VT_IRQ_MANAGED_NO;
    free(text);
    return 0;
}

/* The IRQ's place among a host device's msi_irqs. */
static bool msi_position(const struct vt_host *h, unsigned irq, const char **bdf, unsigned *index)
{
    for (size_t i = 0; i < vt_host_device_count(h); i++) {
        const struct vt_host_device *d = vt_host_device(h, i);

        for (size_t k = 0; d->msi_irqs && k < d->nmsi_irqs; k++)
            if (d->msi_irqs[k] == irq) {
                *bdf = d->bdf;
                *index = (unsigned)k;
                return true;
            }
    }
    return false;
}

static int fill_entry(const struct vt_host *h, const char *root, const struct proc_irq_row *r,
                      struct irq_entry *e, bool debugfs, struct vt_err *err)
{
    char bdf[BDF_TEXT_MAX];
    const char *b = NULL;
    unsigned index;
    int rc;

    if (!(e->chip = strdup(r->chip)) || !(e->hwirq = strdup(r->hwirq)) ||
        !(e->actions = strdup(r->actions)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (proc_irq_pci_vector(r, bdf, &index))
        b = bdf;
    else
        msi_position(h, r->irq, &b, &index);
    if (b) {
        if (!(e->bdf = strdup(b)))
            return vt_err_set(err, -ENOMEM, "out of memory");
        e->pub.index = (int)index;
    }
    if ((rc = read_cpus(root, r->irq, "smp_affinity_list", false, &e->affinity, err)) < 0 ||
        (rc = read_cpus(root, r->irq, "effective_affinity_list", false, &e->effective, err)) < 0 ||
        (rc = read_cpus(root, r->irq, "affinity_hint", true, &e->hint, err)) < 0 ||
        (rc = read_node(root, r->irq, &e->pub.node, err)) < 0)
        return rc;
    if (debugfs && (rc = read_managed(root, r->irq, &e->pub.managed, err)) < 0)
        return rc;
    if (debugfs && e->pub.managed == VT_IRQ_MANAGED_UNKNOWN)
        e->pub.managed = VT_IRQ_MANAGED_NO; /* debugfs lists every IRQ it has */
    return 0;
}

int irq_state_read_sysfs(const struct vt_host *h, const char *fsroot, struct vt_irq_state **out,
                         struct vt_err *err)
{
    const char *root = fsroot ? fsroot : "/";
    struct proc_interrupts p = {0};
    struct vt_irq_state *s = NULL;
    char path[PATH_MAX], dbg[PATH_MAX], *text = NULL;
    int rc;

    if ((rc = root_path(path, sizeof(path), root, "proc/interrupts", err)) < 0 ||
        (rc = root_path(dbg, sizeof(dbg), root, "sys/kernel/debug/irq/irqs", err)) < 0)
        return rc;
    if ((rc = vt_read_file(path, VT_PROC_INTERRUPTS_MAX, 0, &text, NULL, err)) < 0)
        return rc;
    if ((rc = proc_interrupts_parse(text, path, &p, err)) < 0)
        goto out;
    if (!(s = irq_state_new(root)) || !(s->cpu_ids = malloc(p.ncpus * sizeof(*s->cpu_ids)))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    s->ncpus = p.ncpus;
    for (size_t c = 0; c < p.ncpus; c++) {
        s->cpu_ids[c] = p.cpus[c];
        vt_bitmap_set(s->cpus, p.cpus[c]);
    }
    s->managed_known = access(dbg, R_OK | X_OK) == 0;
    for (size_t i = 0; i < p.nrows; i++) {
        struct irq_entry *e = irq_state_add(s, p.rows[i].irq);

        if (!e) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
        memcpy(e->counts, p.rows[i].counts, p.ncpus * sizeof(*e->counts));
        if ((rc = fill_entry(h, root, &p.rows[i], e, s->managed_known, err)) < 0)
            goto out;
    }
    if ((rc = irq_state_finalize(s, err)) < 0)
        vt_err_prefix(err, "%s: ", path);
out:
    free(text);
    proc_interrupts_free(&p);
    if (rc < 0) {
        vt_irq_state_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* ---- synthetic -------------------------------------------------------- */

static int cmp_irq(const void *a, const void *b)
{
    const struct irq_entry *x = a, *y = b;

    return (x->pub.irq > y->pub.irq) - (x->pub.irq < y->pub.irq);
}

int irq_state_synthetic(const struct vt_host *h, struct vt_irq_state **out, struct vt_err *err)
{
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    struct vt_irq_state *s = irq_state_new("synthetic");
    size_t n = 0;
    int rc = 0;

    if (!s || !(s->cpu_ids = malloc((vt_bitmap_weight(hc->online) + 1) * sizeof(unsigned))))
        goto oom;
    for (int c = vt_bitmap_first(hc->online); c >= 0; c = vt_bitmap_next(hc->online, c))
        s->cpu_ids[n++] = (unsigned)c;
    s->ncpus = n;
    if (vt_bitmap_copy(s->cpus, hc->online) < 0)
        goto oom;
    for (size_t i = 0; i < vt_host_device_count(h); i++) {
        const struct vt_host_device *d = vt_host_device(h, i);
        int ni = d->pnode >= 0 ? vt_host_node_index(h, (unsigned)d->pnode) : -1;
        const struct vt_bitmap *local = ni >= 0 ? vt_host_node(h, (size_t)ni)->cpus : NULL;

        for (size_t k = 0; d->msi_irqs && k < d->nmsi_irqs; k++) {
            struct irq_entry *e = irq_state_add(s, d->msi_irqs[k]);
            char hw[32];

            snprintf(hw, sizeof(hw), "%zu-edge", k);
            if (!e || !(e->chip = malloc(strlen(d->bdf) + 10)) || !(e->hwirq = strdup(hw)) ||
                !(e->actions = strdup("")) || !(e->bdf = strdup(d->bdf)) ||
                !(e->affinity =
                      vt_bitmap_dup(local && !vt_bitmap_iszero(local) ? local : hc->online)))
                goto oom;
            sprintf(e->chip, "PCI-MSIX-%s", d->bdf);
            e->pub.index = (int)k;
            e->pub.node = d->pnode;
        }
    }
    /* Devices list their IRQs in device order: sort by IRQ. */
    if (s->nirqs)
        qsort(s->irqs, s->nirqs, sizeof(*s->irqs), cmp_irq);
    for (size_t i = 1; i < s->nirqs && rc == 0; i++)
        if (s->irqs[i].pub.irq == s->irqs[i - 1].pub.irq)
            rc = vt_err_set(err, -EINVAL, "synthetic spec: IRQ %u belongs to two devices",
                            s->irqs[i].pub.irq);
    if (rc == 0)
        rc = irq_state_finalize(s, err);
    if (rc < 0) {
        vt_irq_state_free(s);
        return rc;
    }
    *out = s;
    return 0;
oom:
    vt_irq_state_free(s);
    return vt_err_set(err, -ENOMEM, "out of memory");
}
