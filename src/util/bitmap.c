/* vt_bitmap: growable id sets and the kernel's cpulist/cpumask text forms. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtopo/bitmap.h"

#define WORD_BITS 64u

struct vt_bitmap {
    uint64_t *words;
    unsigned nwords; /* allocated words; bits beyond are zero */
};

struct vt_bitmap *vt_bitmap_new(void)
{
    return calloc(1, sizeof(struct vt_bitmap));
}

void vt_bitmap_free(struct vt_bitmap *b)
{
    if (!b)
        return;
    free(b->words);
    free(b);
}

static int grow(struct vt_bitmap *b, unsigned id)
{
    unsigned need = id / WORD_BITS + 1;
    uint64_t *w;

    if (id > VT_BITMAP_ID_MAX)
        return -ERANGE;
    if (need <= b->nwords)
        return 0;
    w = realloc(b->words, need * sizeof(*w));
    if (!w)
        return -ENOMEM;
    memset(w + b->nwords, 0, (need - b->nwords) * sizeof(*w));
    b->words = w;
    b->nwords = need;
    return 0;
}

struct vt_bitmap *vt_bitmap_dup(const struct vt_bitmap *src)
{
    struct vt_bitmap *b = vt_bitmap_new();

    if (b && vt_bitmap_copy(b, src) < 0) {
        vt_bitmap_free(b);
        return NULL;
    }
    return b;
}

int vt_bitmap_set(struct vt_bitmap *b, unsigned id)
{
    int rc = grow(b, id);

    if (rc < 0)
        return rc;
    b->words[id / WORD_BITS] |= UINT64_C(1) << (id % WORD_BITS);
    return 0;
}

int vt_bitmap_set_range(struct vt_bitmap *b, unsigned first, unsigned last)
{
    int rc;

    if (first > last)
        return 0;
    rc = grow(b, last);
    if (rc < 0)
        return rc;
    for (unsigned id = first; id <= last; id++)
        b->words[id / WORD_BITS] |= UINT64_C(1) << (id % WORD_BITS);
    return 0;
}

void vt_bitmap_clear(struct vt_bitmap *b, unsigned id)
{
    if (id / WORD_BITS < b->nwords)
        b->words[id / WORD_BITS] &= ~(UINT64_C(1) << (id % WORD_BITS));
}

void vt_bitmap_zero(struct vt_bitmap *b)
{
    if (b->nwords)
        memset(b->words, 0, b->nwords * sizeof(*b->words));
}

int vt_bitmap_copy(struct vt_bitmap *dst, const struct vt_bitmap *src)
{
    int last = vt_bitmap_last(src);

    if (dst == src)
        return 0;
    vt_bitmap_zero(dst);
    if (last < 0)
        return 0;
    if (grow(dst, (unsigned)last) < 0)
        return -ENOMEM;
    memcpy(dst->words, src->words, ((unsigned)last / WORD_BITS + 1) * sizeof(uint64_t));
    return 0;
}

int vt_bitmap_or(struct vt_bitmap *dst, const struct vt_bitmap *src)
{
    int last = vt_bitmap_last(src);

    if (last < 0)
        return 0;
    if (grow(dst, (unsigned)last) < 0)
        return -ENOMEM;
    for (unsigned i = 0; i <= (unsigned)last / WORD_BITS; i++)
        dst->words[i] |= src->words[i];
    return 0;
}

void vt_bitmap_and(struct vt_bitmap *dst, const struct vt_bitmap *src)
{
    for (unsigned i = 0; i < dst->nwords; i++)
        dst->words[i] &= i < src->nwords ? src->words[i] : 0;
}

void vt_bitmap_andnot(struct vt_bitmap *dst, const struct vt_bitmap *src)
{
    for (unsigned i = 0; i < dst->nwords && i < src->nwords; i++)
        dst->words[i] &= ~src->words[i];
}

bool vt_bitmap_isset(const struct vt_bitmap *b, unsigned id)
{
    if (id / WORD_BITS >= b->nwords)
        return false;
    return (b->words[id / WORD_BITS] >> (id % WORD_BITS)) & 1;
}

unsigned vt_bitmap_weight(const struct vt_bitmap *b)
{
    unsigned n = 0;

    for (unsigned i = 0; i < b->nwords; i++)
        n += (unsigned)__builtin_popcountll(b->words[i]);
    return n;
}

bool vt_bitmap_iszero(const struct vt_bitmap *b)
{
    return vt_bitmap_first(b) < 0;
}

int vt_bitmap_next(const struct vt_bitmap *b, int prev)
{
    unsigned id = prev < 0 ? 0 : (unsigned)prev + 1;

    for (unsigned i = id / WORD_BITS; i < b->nwords; i++) {
        uint64_t w = b->words[i];

        if (i == id / WORD_BITS)
            w &= ~UINT64_C(0) << (id % WORD_BITS);
        if (w)
            return (int)(i * WORD_BITS + (unsigned)__builtin_ctzll(w));
    }
    return -1;
}

int vt_bitmap_first(const struct vt_bitmap *b)
{
    return vt_bitmap_next(b, -1);
}

int vt_bitmap_last(const struct vt_bitmap *b)
{
    for (unsigned i = b->nwords; i-- > 0;)
        if (b->words[i])
            return (int)(i * WORD_BITS + 63u - (unsigned)__builtin_clzll(b->words[i]));
    return -1;
}

static uint64_t word_at(const struct vt_bitmap *b, unsigned i)
{
    return i < b->nwords ? b->words[i] : 0;
}

bool vt_bitmap_equal(const struct vt_bitmap *a, const struct vt_bitmap *b)
{
    unsigned n = a->nwords > b->nwords ? a->nwords : b->nwords;

    for (unsigned i = 0; i < n; i++)
        if (word_at(a, i) != word_at(b, i))
            return false;
    return true;
}

bool vt_bitmap_intersects(const struct vt_bitmap *a, const struct vt_bitmap *b)
{
    for (unsigned i = 0; i < a->nwords && i < b->nwords; i++)
        if (a->words[i] & b->words[i])
            return true;
    return false;
}

bool vt_bitmap_subset(const struct vt_bitmap *a, const struct vt_bitmap *b)
{
    for (unsigned i = 0; i < a->nwords; i++)
        if (a->words[i] & ~word_at(b, i))
            return false;
    return true;
}

/* ---- cpulist ---------------------------------------------------------- */

static bool end_of_region(char c)
{
    return c == '\0' || c == ',' || isspace((unsigned char)c);
}

/* One number of a region: decimal, or "N" for max_id. */
static int get_num(const char **pp, unsigned max_id, const char *text, unsigned *out,
                   struct vt_err *err)
{
    const char *p = *pp;
    unsigned long long v = 0;

    if (*p == 'N') {
        *out = max_id;
        *pp = p + 1;
        return 0;
    }
    if (!isdigit((unsigned char)*p)) {
        if (*p == '\0')
            return vt_err_set(err, -EINVAL, "'%s': a number is missing at the end", text);
        return vt_err_set(err, -EINVAL, "'%s': expected a number at offset %zu, found '%c'", text,
                          (size_t)(p - text), *p);
    }
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (unsigned)(*p - '0');
        if (v > max_id)
            return vt_err_set(err, -ERANGE, "'%s': id at offset %zu exceeds the maximum %u", text,
                              (size_t)(*pp - text), max_id);
        p++;
    }
    *out = (unsigned)v;
    *pp = p;
    return 0;
}

static int expect(const char **pp, char want, const char *text, struct vt_err *err)
{
    if (**pp != want) {
        if (**pp == '\0')
            return vt_err_set(err, -EINVAL, "'%s': expected '%c' at the end", text, want);
        return vt_err_set(err, -EINVAL, "'%s': expected '%c' at offset %zu, found '%c'", text, want,
                          (size_t)(*pp - text), **pp);
    }
    (*pp)++;
    return 0;
}

static int unexpected(const char *p, const char *text, struct vt_err *err)
{
    return vt_err_set(err, -EINVAL, "'%s': unexpected '%c' at offset %zu", text, *p,
                      (size_t)(p - text));
}

int vt_bitmap_parse_list(struct vt_bitmap *b, const char *text, unsigned max_id, struct vt_err *err)
{
    const char *p = text;
    int rc;

    if (max_id > VT_BITMAP_ID_MAX)
        max_id = VT_BITMAP_ID_MAX;
    vt_bitmap_zero(b);
    for (;;) {
        unsigned start, end, used, group;
        const char *region;

        while (*p && end_of_region(*p))
            p++;
        if (*p == '\0')
            return 0;
        region = p;
        if ((rc = get_num(&p, max_id, text, &start, err)) < 0)
            goto fail;
        end = start;
        used = group = 1;
        if (!end_of_region(*p)) {
            if (*p != '-') {
                rc = unexpected(p, text, err);
                goto fail;
            }
            p++;
            if ((rc = get_num(&p, max_id, text, &end, err)) < 0)
                goto fail;
            used = group = end - start + 1;
            if (end < start) {
                rc = vt_err_set(err, -EINVAL, "'%s': range at offset %zu goes backwards (%u-%u)",
                                text, (size_t)(region - text), start, end);
                goto fail;
            }
            if (!end_of_region(*p)) {
                if (*p != ':') {
                    rc = unexpected(p, text, err);
                    goto fail;
                }
                p++;
                if ((rc = get_num(&p, max_id, text, &used, err)) < 0 ||
                    (rc = expect(&p, '/', text, err)) < 0 ||
                    (rc = get_num(&p, max_id, text, &group, err)) < 0)
                    goto fail;
                if (group == 0 || used > group) {
                    rc = vt_err_set(err, -EINVAL,
                                    "'%s': in the region at offset %zu, used/group %u/%u needs "
                                    "0 < group and used <= group",
                                    text, (size_t)(region - text), used, group);
                    goto fail;
                }
                if (!end_of_region(*p)) {
                    rc = unexpected(p, text, err);
                    goto fail;
                }
            }
        }
        for (unsigned s = start; s <= end; s += group) {
            unsigned last = s + used - 1;

            if (used == 0)
                break;
            if (last > end)
                last = end;
            if (vt_bitmap_set_range(b, s, last) < 0) {
                rc = vt_err_set(err, -ENOMEM, "'%s': out of memory", text);
                goto fail;
            }
        }
    }
fail:
    vt_bitmap_zero(b);
    return rc;
}

/* ---- cpumask ---------------------------------------------------------- */

int vt_bitmap_parse_mask(struct vt_bitmap *b, const char *text, unsigned max_id, struct vt_err *err)
{
    size_t nwords = 1;
    const char *p;
    size_t word = 0;

    vt_bitmap_zero(b);
    if (!*text)
        return vt_err_set(err, -EINVAL, "empty mask (expected hex words such as 0000000f)");
    for (p = text; *p && !isspace((unsigned char)*p); p++)
        nwords += *p == ',';
    /* Each pass reads one word; a comma promises another ("f," is invalid). */
    for (p = text;;) {
        const char *start = p;
        uint64_t v = 0;
        unsigned digits = 0;
        unsigned base;

        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
            p += 2;
        while (isxdigit((unsigned char)*p)) {
            v = v << 4 |
                (uint64_t)(isdigit((unsigned char)*p) ? *p - '0'
                                                      : (tolower((unsigned char)*p) - 'a' + 10));
            digits++;
            p++;
        }
        if (digits == 0 || digits > 8) {
            int rc = vt_err_set(err, -EINVAL,
                                "'%s': mask word at offset %zu must have 1 to 8 hex digits", text,
                                (size_t)(start - text));
            vt_bitmap_zero(b);
            return rc;
        }
        base = (unsigned)((nwords - 1 - word) * 32);
        for (unsigned bit = 0; bit < 32; bit++) {
            if (!((v >> bit) & 1))
                continue;
            if ((size_t)base + bit > max_id) {
                int rc = vt_err_set(err, -ERANGE, "'%s': bit %zu is set, above the maximum id %u",
                                    text, (size_t)base + bit, max_id);
                vt_bitmap_zero(b);
                return rc;
            }
            if (vt_bitmap_set(b, base + bit) < 0) {
                vt_bitmap_zero(b);
                return vt_err_set(err, -ENOMEM, "'%s': out of memory", text);
            }
        }
        word++;
        if (*p == ',') {
            p++;
            continue;
        }
        while (isspace((unsigned char)*p))
            p++;
        if (*p) {
            int rc = vt_err_set(err, -EINVAL, "'%s': unexpected '%c' at offset %zu in a mask", text,
                                *p, (size_t)(p - text));
            vt_bitmap_zero(b);
            return rc;
        }
        return 0;
    }
}

/* ---- formatting ------------------------------------------------------- */

size_t vt_bitmap_snprint_list(char *buf, size_t size, const struct vt_bitmap *b)
{
    size_t len = 0;
    int id = vt_bitmap_first(b);

    if (size)
        buf[0] = '\0';
    while (id >= 0) {
        int last = id;
        char tmp[32];
        int n;

        while (vt_bitmap_isset(b, (unsigned)last + 1))
            last++;
        if (last > id)
            n = snprintf(tmp, sizeof(tmp), "%s%d-%d", len ? "," : "", id, last);
        else
            n = snprintf(tmp, sizeof(tmp), "%s%d", len ? "," : "", id);
        if (len + (size_t)n < size)
            memcpy(buf + len, tmp, (size_t)n + 1);
        else if (size)
            buf[size - 1] = '\0';
        len += (size_t)n;
        id = vt_bitmap_next(b, last);
    }
    return len;
}

char *vt_bitmap_format_list(const struct vt_bitmap *b)
{
    size_t need = vt_bitmap_snprint_list(NULL, 0, b);
    char *s = malloc(need + 1);

    if (s)
        vt_bitmap_snprint_list(s, need + 1, b);
    return s;
}
