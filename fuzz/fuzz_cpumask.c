/* Fuzz target: vt_bitmap_parse_mask (kernel cpumask text: nodeN/cpumap, PCI
 * local_cpus, hwloc's 0x-prefixed words). Invariants: the result equals an
 * independent decoder written from the documented format (comma-separated
 * words of 1-8 hex digits, optional 0x, most significant first, trailing
 * white space allowed, no set bit above max_id), and the parsed set survives
 * cpulist format -> parse. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vtopo/bitmap.h"

#define REF_MAX_WORDS 4096

/* Reference decoder: true and the set bits in ref, or false. */
static bool reference(const char *text, unsigned max_id, struct vt_bitmap *ref)
{
    size_t body = 0, nwords = 1;
    const char *p;

    vt_bitmap_zero(ref);
    while (text[body] && !isspace((unsigned char)text[body]))
        body++;
    for (p = text + body; *p; p++)
        if (!isspace((unsigned char)*p))
            return false;
    if (body == 0)
        return false;
    for (size_t i = 0; i < body; i++)
        nwords += text[i] == ',';
    if (nwords > REF_MAX_WORDS)
        return false;
    p = text;
    for (size_t w = 0; w < nwords; w++) {
        const char *end = memchr(p, ',', (size_t)(text + body - p));
        size_t len;
        unsigned long v = 0;

        if (!end)
            end = text + body;
        len = (size_t)(end - p);
        if (len >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            p += 2;
            len -= 2;
        }
        if (len < 1 || len > 8)
            return false;
        for (size_t i = 0; i < len; i++) {
            if (!isxdigit((unsigned char)p[i]))
                return false;
            v = v << 4 | (unsigned long)(isdigit((unsigned char)p[i])
                                             ? p[i] - '0'
                                             : tolower((unsigned char)p[i]) - 'a' + 10);
        }
        for (unsigned bit = 0; bit < 32; bit++) {
            size_t id = (nwords - 1 - w) * 32 + bit;

            if (!((v >> bit) & 1))
                continue;
            if (id > max_id)
                return false;
            if (vt_bitmap_set(ref, (unsigned)id) < 0)
                abort();
        }
        p = end + 1;
    }
    return true;
}

static void check_mask(const char *text, unsigned max_id)
{
    struct vt_bitmap *b = vt_bitmap_new(), *ref = vt_bitmap_new(), *again = vt_bitmap_new();
    struct vt_err err;
    bool want;
    int rc;

    if (!b || !ref || !again)
        abort();
    vt_err_clear(&err);
    rc = vt_bitmap_parse_mask(b, text, max_id, &err);
    fuzz_check_err(rc, &err);
    if (strlen(text) <= REF_MAX_WORDS * 11) {
        char *got = vt_bitmap_format_list(b), *exp;

        want = reference(text, max_id, ref);
        exp = vt_bitmap_format_list(ref);
        FUZZ_CHECK((rc == 0) == want, "'%s': parser says %d (%s), the reference says %s", text, rc,
                   rc ? err.msg : got, want ? exp : "invalid");
        FUZZ_CHECK(rc < 0 || vt_bitmap_equal(b, ref), "'%s': parser gives '%s', the reference '%s'",
                   text, got, exp);
        free(got);
        free(exp);
    }
    if (rc < 0) {
        FUZZ_CHECK(vt_bitmap_iszero(b), "failure %d left ids set", rc);
    } else {
        char *list = vt_bitmap_format_list(b);

        FUZZ_CHECK(list && vt_bitmap_parse_list(again, list, max_id, &err) == 0 &&
                       vt_bitmap_equal(b, again),
                   "cpulist '%s' of mask '%s' does not parse back", list ? list : "(null)", text);
        free(list);
    }
    vt_bitmap_free(b);
    vt_bitmap_free(ref);
    vt_bitmap_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);

    check_mask(text, VT_CPU_ID_MAX);
    check_mask(text, 63);
    free(text);
    return 0;
}
