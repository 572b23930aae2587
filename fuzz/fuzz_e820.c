/* Fuzz target: e820_parse (E820 text: boot-log lines, files given to
 * --mem-layout e820:FILE). Invariants: a parsed map is non-empty, at most
 * VT_E820_MAX_ENTRIES, sorted, non-overlapping, non-empty entries inside the
 * 52-bit address space with a non-zero type; format -> parse gives the same
 * map, and formatting that again gives the same text. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "format/e820.h"

static void check_map(const struct e820_map *map)
{
    FUZZ_CHECK(map->n >= 1 && map->n <= VT_E820_MAX_ENTRIES && map->entries,
               "%zu entries after a successful parse", map->n);
    for (size_t i = 0; i < map->n; i++) {
        const struct vt_e820_entry *e = &map->entries[i];

        FUZZ_CHECK(e->start < e->end && e->end <= VT_PHYS_ADDR_LIMIT && e->type != 0,
                   "entry %zu: [%#" PRIx64 ", %#" PRIx64 ") type %" PRIu32, i, e->start, e->end,
                   e->type);
        FUZZ_CHECK(i == 0 || map->entries[i - 1].end <= e->start,
                   "entry %zu starts at %#" PRIx64 " before the previous ends (%#" PRIx64 ")", i,
                   e->start, map->entries[i - 1].end);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size), *out1 = NULL, *out2 = NULL;
    struct e820_map map = {0}, again = {0};
    struct vt_err err;
    int rc;

    vt_err_clear(&err);
    rc = e820_parse(text, "e820.txt", &map, &err);
    fuzz_check_err(rc, &err);
    if (rc < 0) {
        FUZZ_CHECK(map.entries == NULL && map.n == 0, "failure %d wrote the map", rc);
        free(text);
        return 0;
    }
    check_map(&map);
    FUZZ_CHECK(e820_format(map.entries, map.n, &out1) == 0, "%s", "cannot format a parsed map");
    vt_err_clear(&err);
    rc = e820_parse(out1, "formatted", &again, &err);
    FUZZ_CHECK(rc == 0, "the formatted map does not parse: %s\n%s", err.msg, out1);
    FUZZ_CHECK(
        again.n == map.n && memcmp(again.entries, map.entries, map.n * sizeof(*map.entries)) == 0,
        "parse(format(map)) differs from map (%zu vs %zu entries):\n%s", again.n, map.n, out1);
    FUZZ_CHECK(e820_format(again.entries, again.n, &out2) == 0 && strcmp(out1, out2) == 0,
               "format is not stable:\n%s---\n%s", out1, out2 ? out2 : "(none)");
    e820_free(&map);
    e820_free(&again);
    free(out1);
    free(out2);
    free(text);
    return 0;
}
