/* Trims of a memory map to a memory budget: proportional (the planner's rule
 * for host-shaped and file maps) and first-fit (for comparison). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "plan/e820_trim.h"
#include "util/size.h"

/* ---- trims -------------------------------------------------------------- */

/* The whole 4 KiB pages inside a RAM entry: [*first, *first + pages * 4K). A
 * firmware map's RAM need not be page-aligned (usable up to 0x9fbff); the
 * slivers outside whole pages cannot be kept at page granularity. */
static uint64_t whole_pages(const struct vt_e820_entry *e, uint64_t *first)
{
    uint64_t lo = (e->start + VT_E820_PAGE - 1) / VT_E820_PAGE * VT_E820_PAGE;
    uint64_t hi = e->end / VT_E820_PAGE * VT_E820_PAGE;

    if (e->start > UINT64_MAX - (VT_E820_PAGE - 1) || hi <= lo) {
        *first = e->end;
        return 0;
    }
    *first = lo;
    return (hi - lo) / VT_E820_PAGE;
}

/* Validates the arguments; *total_pages is the whole pages of RAM. */
static int trim_check(const struct e820_map *in, uint64_t budget, struct e820_map *out,
                      uint64_t *total_pages, struct vt_err *err)
{
    struct size_str a, c;
    uint64_t first;
    int rc;

    if (!out)
        return vt_err_set(err, -EINVAL, "memory trim: no output given");
    if ((rc = e820_check_map(in, err)) < 0)
        return rc;
    *total_pages = 0;
    for (size_t i = 0; i < in->n; i++)
        if (in->entries[i].type == VT_E820_RAM)
            *total_pages += whole_pages(&in->entries[i], &first);
    if (budget == 0 || budget % VT_E820_PAGE)
        return vt_err_set(err, -EINVAL,
                          "memory trim: budget %s must be a non-zero multiple of 4 KiB",
                          size_str(&a, budget));
    if (budget / VT_E820_PAGE > *total_pages)
        return vt_err_set(err, -EINVAL,
                          "memory trim: budget %s exceeds the map's %s of RAM in whole 4 KiB "
                          "pages",
                          size_str(&a, budget), size_str(&c, *total_pages * VT_E820_PAGE));
    return 0;
}

/* keep[i] bytes from the first whole page of each RAM entry stay RAM; the
 * rest of the entry (slivers outside whole pages, the cut-off top) becomes
 * unusable. Other entries are copied. */
static int trim_emit(const struct e820_map *in, const uint64_t *keep, struct e820_map *out,
                     struct vt_err *err)
{
    struct e820_buf b = {0};
    int rc = 0;

    for (size_t i = 0; i < in->n && rc == 0; i++) {
        const struct vt_e820_entry *e = &in->entries[i];
        uint64_t first;

        if (e->type != VT_E820_RAM) {
            rc = e820_buf_add(&b, e->start, e->end, e->type);
            continue;
        }
        whole_pages(e, &first);
        rc = e820_buf_add(&b, e->start, first, VT_E820_UNUSABLE);
        if (rc == 0)
            rc = e820_buf_add(&b, first, first + keep[i], VT_E820_RAM);
        if (rc == 0)
            rc = e820_buf_add(&b, first + keep[i], e->end, VT_E820_UNUSABLE);
    }
    if (rc < 0) {
        free(b.e);
        return vt_err_set(err, rc, "memory trim: out of memory");
    }
    out->entries = b.e;
    out->n = b.n;
    return 0;
}

__extension__ typedef unsigned __int128 u128;

int e820_trim_proportional(const struct e820_map *in, uint64_t budget, struct e820_map *out,
                           struct vt_err *err)
{
    uint64_t total, *keep, pages_b = budget / VT_E820_PAGE;
    u128 acc = 0;
    int rc;

    if ((rc = trim_check(in, budget, out, &total, err)) < 0)
        return rc;
    keep = calloc(in->n ? in->n : 1, sizeof(*keep));
    if (!keep)
        return vt_err_set(err, -ENOMEM, "memory trim: out of memory");
    /*
     * In pages: entry i keeps floor((B * (P_0 + ... + P_i)) / T) minus what
     * the entries before it kept, i.e. its exact share B * P_i / T plus the
     * fraction carried over from them, rounded down. The carry never reaches
     * a page, so every entry is within one page of its share, never above its
     * size (B <= T), and the last one brings the sum to exactly B.
     */
    for (size_t i = 0; i < in->n; i++) {
        uint64_t first, pages;

        if (in->entries[i].type != VT_E820_RAM)
            continue;
        acc += (u128)pages_b * whole_pages(&in->entries[i], &first);
        pages = (uint64_t)(acc / total);
        acc %= total;
        keep[i] = pages * VT_E820_PAGE;
    }
    rc = trim_emit(in, keep, out, err);
    free(keep);
    return rc;
}

int e820_trim_first_fit(const struct e820_map *in, uint64_t budget, struct e820_map *out,
                        struct vt_err *err)
{
    uint64_t total, *keep, left = budget / VT_E820_PAGE;
    int rc;

    if ((rc = trim_check(in, budget, out, &total, err)) < 0)
        return rc;
    keep = calloc(in->n ? in->n : 1, sizeof(*keep));
    if (!keep)
        return vt_err_set(err, -ENOMEM, "memory trim: out of memory");
    for (size_t i = 0; i < in->n; i++) {
        uint64_t first, pages;

        if (in->entries[i].type != VT_E820_RAM)
            continue;
        pages = whole_pages(&in->entries[i], &first);
        if (pages > left)
            pages = left;
        keep[i] = pages * VT_E820_PAGE;
        left -= pages;
    }
    rc = trim_emit(in, keep, out, err);
    free(keep);
    return rc;
}
