/* Fuzz target: vt_size_parse (--memory, --vnode-memory, synthetic specs).
 * Invariants: units are case-insensitive (the text with every letter's case
 * flipped gives the same result); a parsed size formats exactly and the
 * formatted text ("1536 MiB" without its space) parses back to the same bytes;
 * a plain decimal number is that many bytes. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vtopo/size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size), *flipped = fuzz_strndup(data, size), buf[64], *sp;
    uint64_t bytes = 0, again = 0, flip_bytes = 0;
    struct vt_err err;
    int rc, rc2, n;
    bool digits_only = text[0] != '\0';

    vt_err_clear(&err);
    rc = vt_size_parse(text, &bytes, &err);
    fuzz_check_err(rc, &err);

    for (char *p = flipped; *p; p++)
        *p = (char)(isupper((unsigned char)*p) ? tolower((unsigned char)*p)
                                               : toupper((unsigned char)*p));
    rc2 = vt_size_parse(flipped, &flip_bytes, &err);
    FUZZ_CHECK(rc == rc2 && (rc < 0 || bytes == flip_bytes),
               "'%s' gives %d/%" PRIu64 ", '%s' gives %d/%" PRIu64, text, rc, bytes, flipped, rc2,
               flip_bytes);

    for (const char *p = text; *p; p++)
        digits_only &= isdigit((unsigned char)*p) != 0;
    if (digits_only && strlen(text) <= 19)
        FUZZ_CHECK(rc == 0 && bytes == strtoull(text, NULL, 10), "'%s': %d, %" PRIu64 " bytes",
                   text, rc, bytes);

    if (rc == 0) {
        n = vt_size_format(buf, sizeof(buf), bytes);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof(buf) && (sp = strchr(buf, ' ')) != NULL,
                   "format of %" PRIu64 " gives '%s'", bytes, buf);
        memmove(sp, sp + 1, strlen(sp + 1) + 1);
        rc = vt_size_parse(buf, &again, &err);
        FUZZ_CHECK(rc == 0 && again == bytes, "'%s' (%" PRIu64 " bytes) formats as '%s': %d %s",
                   text, bytes, buf, rc, rc ? err.msg : "different value");
    }
    free(text);
    free(flipped);
    return 0;
}
