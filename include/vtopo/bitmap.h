/* vt_bitmap: a growable set of small non-negative ids (CPUs, nodes), with the
 * kernel's cpulist ("0-3,8-11:2/4") and cpumask ("ff,00000003") text forms. */
#ifndef VTOPO_BITMAP_H
#define VTOPO_BITMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/err.h"
#include "vtopo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Highest id any bitmap can hold. Parsers take a tighter max_id of their own. */
#define VT_BITMAP_ID_MAX 65535u
/* Highest host CPU id vtopo accepts (the kernel's NR_CPUS can be 8192). */
#define VT_CPU_ID_MAX 16383u
/* Highest host node id vtopo accepts (MAX_NUMNODES is at most 1024 on Linux). */
#define VT_NODE_ID_MAX 4095u

struct vt_bitmap;

/* Allocation; vt_bitmap_free accepts NULL. Return NULL when out of memory. */
VT_API struct vt_bitmap *vt_bitmap_new(void);
VT_API struct vt_bitmap *vt_bitmap_dup(const struct vt_bitmap *src);
VT_API void vt_bitmap_free(struct vt_bitmap *b);

/* Mutation. vt_bitmap_set and the set operations return 0, -ENOMEM, or -ERANGE
 * for an id above VT_BITMAP_ID_MAX. */
VT_API int vt_bitmap_set(struct vt_bitmap *b, unsigned id);
VT_API int vt_bitmap_set_range(struct vt_bitmap *b, unsigned first, unsigned last);
VT_API void vt_bitmap_clear(struct vt_bitmap *b, unsigned id);
VT_API void vt_bitmap_zero(struct vt_bitmap *b);
VT_API int vt_bitmap_copy(struct vt_bitmap *dst, const struct vt_bitmap *src);
/* dst = dst | src, dst & src, dst & ~src. */
VT_API int vt_bitmap_or(struct vt_bitmap *dst, const struct vt_bitmap *src);
VT_API void vt_bitmap_and(struct vt_bitmap *dst, const struct vt_bitmap *src);
VT_API void vt_bitmap_andnot(struct vt_bitmap *dst, const struct vt_bitmap *src);

/* Queries. first/next/last return -1 when there is no such id. */
VT_API bool vt_bitmap_isset(const struct vt_bitmap *b, unsigned id);
VT_API unsigned vt_bitmap_weight(const struct vt_bitmap *b);
VT_API bool vt_bitmap_iszero(const struct vt_bitmap *b);
VT_API int vt_bitmap_first(const struct vt_bitmap *b);
VT_API int vt_bitmap_next(const struct vt_bitmap *b, int prev);
VT_API int vt_bitmap_last(const struct vt_bitmap *b);
VT_API bool vt_bitmap_equal(const struct vt_bitmap *a, const struct vt_bitmap *b);
VT_API bool vt_bitmap_intersects(const struct vt_bitmap *a, const struct vt_bitmap *b);
/* True when every id of a is in b. */
VT_API bool vt_bitmap_subset(const struct vt_bitmap *a, const struct vt_bitmap *b);

#define vt_bitmap_foreach(id, b)                                                                   \
    for (int id = vt_bitmap_first(b); id >= 0; id = vt_bitmap_next(b, id))

/*
 * Parse the kernel's cpulist syntax (lib/bitmap-str.c bitmap_parselist) into b,
 * replacing its contents: regions separated by commas or white space, each
 * "a", "a-b" or "a-b:used/group" (in every group of `group` ids starting at a,
 * the first `used` are set), decimal numbers or "N" for max_id. The empty
 * string is the empty set. Ids above max_id, a > b, group 0, used > group and
 * any other character are rejected with a sentence naming the offending text.
 */
VT_API int vt_bitmap_parse_list(struct vt_bitmap *b, const char *text, unsigned max_id,
                                struct vt_err *err);

/*
 * Parse a kernel cpumask ("00000000,0000ff0f", the format of nodeN/cpumap and
 * local_cpus): comma-separated hex words of up to 32 bits, most significant
 * first; a word may carry a "0x" prefix (hwloc's form). Leading zero words may
 * exceed max_id; a set bit above max_id is an error.
 */
VT_API int vt_bitmap_parse_mask(struct vt_bitmap *b, const char *text, unsigned max_id,
                                struct vt_err *err);

/* Format as a cpulist ("0-3,8,10-11"; "" for the empty set) into buf, snprintf
 * style: returns the length the full text needs, excluding the NUL. */
VT_API size_t vt_bitmap_snprint_list(char *buf, size_t size, const struct vt_bitmap *b);
/* The same into a malloc'd string the caller frees; NULL when out of memory. */
VT_API char *vt_bitmap_format_list(const struct vt_bitmap *b);

#ifdef __cplusplus
}
#endif

#endif
