/* Fuzz target: vt_bitmap_parse_list (cpulists: sysfs, --pin, --vcpu-nodes,
 * host files). Invariants: every id is at most max_id; format -> parse gives
 * the same set and formatting is canonical (stable); the same set written as a
 * kernel cpumask parses back equal with vt_bitmap_parse_mask; a truncating
 * vt_bitmap_snprint_list returns the full length and writes a prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vtopo/bitmap.h"

/* The kernel's cpumask text ("%08x" words, most significant first). */
static char *format_mask(const struct vt_bitmap *b)
{
    int last = vt_bitmap_last(b);
    size_t nwords = last < 0 ? 1 : (size_t)last / 32 + 1;
    char *s = malloc(nwords * 9 + 1), *p = s;

    if (!s)
        abort();
    for (size_t w = nwords; w-- > 0;) {
        unsigned v = 0;

        for (unsigned bit = 0; bit < 32; bit++)
            if (vt_bitmap_isset(b, (unsigned)(w * 32 + bit)))
                v |= 1u << bit;
        p += sprintf(p, "%08x%s", v, w ? "," : "");
    }
    return s;
}

static void check_list(const char *text, unsigned max_id)
{
    struct vt_bitmap *b = vt_bitmap_new(), *again = vt_bitmap_new(), *mask = vt_bitmap_new();
    char *list, *list2, *mtext, small[24];
    struct vt_err err;
    size_t need;
    int rc;

    if (!b || !again || !mask)
        abort();
    vt_err_clear(&err);
    rc = vt_bitmap_parse_list(b, text, max_id, &err);
    fuzz_check_err(rc, &err);
    if (rc < 0) {
        FUZZ_CHECK(vt_bitmap_iszero(b), "failure %d left ids set", rc);
        goto out;
    }
    FUZZ_CHECK(vt_bitmap_last(b) <= (int)max_id, "id %d above max_id %u", vt_bitmap_last(b),
               max_id);
    list = vt_bitmap_format_list(b);
    FUZZ_CHECK(list != NULL, "%s", "format failed");
    rc = vt_bitmap_parse_list(again, list, max_id, &err);
    FUZZ_CHECK(rc == 0 && vt_bitmap_equal(b, again), "'%s' does not parse back (%d: %s)", list, rc,
               rc ? err.msg : "different set");
    list2 = vt_bitmap_format_list(again);
    FUZZ_CHECK(list2 && strcmp(list, list2) == 0, "format not canonical: '%s' then '%s'", list,
               list2 ? list2 : "(null)");

    need = vt_bitmap_snprint_list(small, sizeof(small), b);
    FUZZ_CHECK(need == strlen(list), "snprint_list returns %zu, the text has %zu", need,
               strlen(list));
    FUZZ_CHECK(memchr(small, '\0', sizeof(small)) && strncmp(small, list, strlen(small)) == 0,
               "truncated text '%.*s' is not a prefix of '%s'", (int)sizeof(small), small, list);

    mtext = format_mask(b);
    rc = vt_bitmap_parse_mask(mask, mtext, max_id, &err);
    FUZZ_CHECK(rc == 0 && vt_bitmap_equal(b, mask), "mask '%s' of '%s' does not parse back (%d)",
               mtext, list, rc);
    free(mtext);
    free(list);
    free(list2);
out:
    vt_bitmap_free(b);
    vt_bitmap_free(again);
    vt_bitmap_free(mask);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);

    /* Host CPU ids, and the tighter limit node lists use. */
    check_list(text, VT_CPU_ID_MAX);
    check_list(text, VT_NODE_ID_MAX);
    free(text);
    return 0;
}
