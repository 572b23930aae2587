/* What a Linux x86 guest does with an SRAT: used or not, and its numbering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/numa.h"

int linux_node_of_pxm(const struct linux_numa *numa, uint32_t pxm)
{
    return pxm < VT_LINUX_MAX_PXM ? numa->node_of[pxm] : -1;
}

/* A PXM met for the first time gets the next node, within Linux's limits. */
static bool map_pxm(struct linux_numa *m, const struct acpi_srat_entry *e)
{
    if (e->pxm >= VT_LINUX_MAX_PXM) {
        snprintf(m->why, sizeof(m->why),
                 "the entry at offset %zu has proximity domain %u, and PXMs of %u or more get no "
                 "node (\"SRAT: Too many proximity domains\")",
                 e->offset, e->pxm, VT_LINUX_MAX_PXM);
        m->bad_offset = e->offset;
        return false;
    }
    if (m->nnodes >= VT_LINUX_MAX_NUMNODES) {
        snprintf(m->why, sizeof(m->why),
                 "the entry at offset %zu has proximity domain %u, beyond the first %u distinct "
                 "ones, and Linux has %u nodes (\"SRAT: Too many proximity domains\")",
                 e->offset, e->pxm, VT_LINUX_MAX_NUMNODES, VT_LINUX_MAX_NUMNODES);
        m->bad_offset = e->offset;
        return false;
    }
    m->node_of[e->pxm] = (int16_t)m->nnodes;
    m->pxm[m->nnodes++] = e->pxm;
    return true;
}

struct mem_range {
    uint64_t start, end;
    uint32_t pxm;
    size_t offset;
};

static int cmp_range(const void *a, const void *b)
{
    const struct mem_range *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* Different PXMs' ranges overlapping make numa_cleanup_meminfo fail. */
static bool overlap(const struct acpi_srat *srat, struct linux_numa *m)
{
    struct mem_range *r = calloc(srat->n ? srat->n : 1, sizeof(*r));
    size_t n = 0;
    bool bad = false;

    if (!r) {
        snprintf(m->why, sizeof(m->why), "out of memory while checking the ranges");
        return true;
    }
    for (size_t i = 0; i < srat->n; i++) {
        const struct acpi_srat_entry *e = &srat->entries[i];

        if (e->type == VT_SRAT_MEMORY && (e->flags & VT_SRAT_ENABLED) && e->length_bytes &&
            e->base <= UINT64_MAX - e->length_bytes) {
            r[n].start = e->base;
            r[n].end = e->base + e->length_bytes;
            r[n].pxm = e->pxm;
            r[n].offset = e->offset;
            n++;
        }
    }
    qsort(r, n, sizeof(*r), cmp_range);
    for (size_t i = 1; i < n && !bad; i++)
        if (r[i].start < r[i - 1].end && r[i].pxm != r[i - 1].pxm) {
            bad = true;
            snprintf(m->why, sizeof(m->why),
                     "memory ranges of PXM %u (offset %zu) and PXM %u (offset %zu) overlap "
                     "(\"overlaps with node\")",
                     r[i - 1].pxm, r[i - 1].offset, r[i].pxm, r[i].offset);
            m->bad_offset = r[i].offset;
        }
    free(r);
    return bad;
}

size_t linux_srat_order(const struct acpi_srat *srat, size_t *order, size_t *gi_error)
{
    size_t n = 0;

    *gi_error = SIZE_MAX;
    for (size_t i = 0; i < srat->n; i++) {
        const struct acpi_srat_entry *e = &srat->entries[i];

        if (e->type == VT_SRAT_MEMORY)
            continue;
        if (e->type == VT_SRAT_GENERIC_INITIATOR &&
            (!(e->flags & VT_SRAT_ENABLED) || e->pxm >= VT_LINUX_MAX_PXM)) {
            *gi_error = i;
            break;
        }
        if (e->flags & VT_SRAT_ENABLED)
            order[n++] = i;
    }
    for (size_t i = 0; i < srat->n; i++) {
        const struct acpi_srat_entry *e = &srat->entries[i];

        if (e->type == VT_SRAT_MEMORY && (e->flags & VT_SRAT_ENABLED))
            order[n++] = i;
    }
    return n;
}

struct seen {
    uint32_t pxm;
    size_t k; /* position in Linux's order */
};

static int cmp_seen(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;

    if (x->pxm != y->pxm)
        return x->pxm < y->pxm ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

size_t linux_srat_first_seen(const struct acpi_srat *srat, size_t *first, size_t *gi_error)
{
    size_t n = linux_srat_order(srat, first, gi_error), nfirst = 0;
    struct seen *by_pxm = malloc((n ? n : 1) * sizeof(*by_pxm));
    bool *keep = calloc(n ? n : 1, sizeof(*keep));

    if (!by_pxm || !keep) {
        free(by_pxm);
        free(keep);
        return SIZE_MAX;
    }
    for (size_t k = 0; k < n; k++)
        by_pxm[k] = (struct seen){srat->entries[first[k]].pxm, k};
    /* By PXM, then by position: the first of each run is its first sight. */
    qsort(by_pxm, n, sizeof(*by_pxm), cmp_seen);
    for (size_t i = 0; i < n; i++)
        keep[by_pxm[i].k] = i == 0 || by_pxm[i].pxm != by_pxm[i - 1].pxm;
    for (size_t k = 0; k < n; k++)
        if (keep[k])
            first[nfirst++] = first[k];
    free(by_pxm);
    free(keep);
    return nfirst;
}

void linux_srat(const struct acpi_srat *srat, struct linux_numa *m)
{
    size_t *first = malloc((srat->n ? srat->n : 1) * sizeof(*first)), n;
    bool any_mem = false;

    memset(m, 0, sizeof(*m));
    memset(m->node_of, 0xff, sizeof(m->node_of)); /* -1 */
    m->bad_offset = SIZE_MAX;
    if (!first || (n = linux_srat_first_seen(srat, first, &m->gi_error)) == SIZE_MAX) {
        free(first);
        snprintf(m->why, sizeof(m->why), "out of memory while reading the SRAT");
        return;
    }
    if (m->gi_error != SIZE_MAX)
        for (size_t i = m->gi_error + 1; i < srat->n; i++)
            m->gi_skipped += srat->entries[i].type != VT_SRAT_MEMORY;
    for (size_t k = 0; k < n; k++)
        if (!map_pxm(m, &srat->entries[first[k]])) {
            free(first);
            return;
        }
    free(first);
    /* Linux's walk reads every enabled memory entry (linux_srat_order). */
    for (size_t i = 0; i < srat->n && !any_mem; i++)
        any_mem =
            srat->entries[i].type == VT_SRAT_MEMORY && (srat->entries[i].flags & VT_SRAT_ENABLED);
    if (!any_mem) {
        snprintf(m->why, sizeof(m->why),
                 "it has no enabled memory affinity entry (acpi_numa_init returns -ENOENT)");
        return;
    }
    if (overlap(srat, m))
        return;
    m->srat_used = true;
}

void linux_numa_init_array(int *node_of, const struct vt_bitmap *possible,
                           const struct vt_bitmap *online_nodes)
{
    int n = vt_bitmap_first(online_nodes);

    for (int cpu = vt_bitmap_first(possible); n >= 0 && cpu >= 0;
         cpu = vt_bitmap_next(possible, cpu)) {
        if (node_of[cpu] >= 0)
            continue;
        node_of[cpu] = n;
        if ((n = vt_bitmap_next(online_nodes, n)) < 0)
            n = vt_bitmap_first(online_nodes);
    }
}

bool linux_node_online_at_boot(bool present_cpus, bool ram, bool generic_initiators)
{
    return present_cpus || ram || generic_initiators;
}
