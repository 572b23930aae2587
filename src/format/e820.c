/*
 * E820 memory maps as data and as the kernel's text: the map type, its checks
 * and growable entry arrays, the text form (parse, format).
 *
 * Text form — Linux arch/x86/kernel/e820.c, e820__print_table() and
 * e820_print_type(): "%s: [mem %#018Lx-%#018Lx] " and the type name, end
 * inclusive.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/e820.h"

/* ---- growable entry arrays --------------------------------------------- */

/* Append [start, end) of type; empty ranges are skipped. */
int e820_buf_add(struct e820_buf *b, uint64_t start, uint64_t end, uint32_t type)
{
    if (end <= start)
        return 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        struct vt_e820_entry *e = realloc(b->e, cap * sizeof(*e));

        if (!e)
            return -ENOMEM;
        b->e = e;
        b->cap = cap;
    }
    b->e[b->n].start = start;
    b->e[b->n].end = end;
    b->e[b->n].type = type;
    b->n++;
    return 0;
}

void e820_free(struct e820_map *map)
{
    if (!map)
        return;
    free(map->entries);
    map->entries = NULL;
    map->n = 0;
}

uint64_t e820_ram_bytes(const struct e820_map *map)
{
    uint64_t total = 0;

    if (!map)
        return 0;
    for (size_t i = 0; i < map->n; i++)
        if (map->entries[i].type == VT_E820_RAM)
            total += map->entries[i].end - map->entries[i].start;
    return total;
}

int e820_check_map(const struct e820_map *map, struct vt_err *err)
{
    if (!map || (map->n && !map->entries))
        return vt_err_set(err, -EINVAL, "memory map: no map given");
    for (size_t i = 0; i < map->n; i++) {
        const struct vt_e820_entry *e = &map->entries[i];

        if (e->end <= e->start)
            return vt_err_set(err, -EINVAL,
                              "memory map: entry %zu (0x%" PRIx64 "-0x%" PRIx64
                              "): empty or inverted",
                              i, e->start, e->end);
        if (i && e->start < map->entries[i - 1].end)
            return vt_err_set(err, -EINVAL,
                              "memory map: entry %zu (0x%" PRIx64 "-0x%" PRIx64
                              ") overlaps or precedes entry %zu (0x%" PRIx64 "-0x%" PRIx64 ")",
                              i, e->start, e->end, i - 1, map->entries[i - 1].start,
                              map->entries[i - 1].end);
    }
    return 0;
}

/* ---- text form ---------------------------------------------------------- */

/* The classic names of e820_print_type(); "persistent (type N)" for 7 and 12,
 * "type N" for the rest. */
const char *vt_e820_type_name(uint32_t type, char *buf, size_t size)
{
    switch (type) {
    case VT_E820_RAM:
        return "usable";
    case VT_E820_RESERVED:
        return "reserved";
    case VT_E820_SOFT_RESERVED:
        return "soft reserved";
    case VT_E820_ACPI:
        return "ACPI data";
    case VT_E820_NVS:
        return "ACPI NVS";
    case VT_E820_UNUSABLE:
        return "unusable";
    case VT_E820_PMEM:
    case VT_E820_PRAM:
        snprintf(buf, size, "persistent (type %" PRIu32 ")", type);
        return buf;
    default:
        snprintf(buf, size, "type %" PRIu32, type);
        return buf;
    }
}

int e820_format(const struct vt_e820_entry *entries, size_t n, char **text)
{
    /* "BIOS-e820: [mem 0x%016-0x%016] " is 48 bytes; names are below 32. */
    const size_t line_max = 96;
    char *out, *p;

    if (!text || (n && !entries))
        return -EINVAL;
    if (n > SIZE_MAX / line_max - 1)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (entries[i].end <= entries[i].start)
            return -EINVAL;
    out = malloc(n * line_max + 1);
    if (!out)
        return -ENOMEM;
    p = out;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        char buf[40];
        int len = snprintf(p, line_max, "BIOS-e820: [mem 0x%016" PRIx64 "-0x%016" PRIx64 "] %s\n",
                           entries[i].start, entries[i].end - 1,
                           vt_e820_type_name(entries[i].type, buf, sizeof(buf)));

        if (len < 0 || (size_t)len >= line_max) {
            free(out);
            return -EINVAL;
        }
        p += len;
    }
    *text = out;
    return 0;
}

/* How much of a line to quote in a message. */
#define QUOTE_MAX 48

static const char *find_in(const char *s, size_t len, const char *needle)
{
    size_t nlen = strlen(needle);

    for (size_t i = 0; i + nlen <= len; i++)
        if (memcmp(s + i, needle, nlen) == 0)
            return s + i;
    return NULL;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t slen = strlen(suffix);

    return len >= slen && memcmp(s + len - slen, suffix, slen) == 0;
}

/* "0x" and 1-16 hex digits at *pp; advances *pp. A message names `what`. */
static int parse_hex(const char **pp, const char *end, const char *what, uint64_t *v, char *msg,
                     size_t msize)
{
    const char *p = *pp;
    unsigned digits = 0;
    uint64_t x = 0;

    if (end - p < 2 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) {
        snprintf(msg, msize, "%s: expected a hexadecimal number with 0x", what);
        return -EINVAL;
    }
    p += 2;
    while (p < end && isxdigit((unsigned char)*p)) {
        if (++digits > 16) {
            snprintf(msg, msize, "%s: more than 16 hexadecimal digits", what);
            return -ERANGE;
        }
        x = x << 4 | (uint64_t)(isdigit((unsigned char)*p) ? *p - '0'
                                                           : tolower((unsigned char)*p) - 'a' + 10);
        p++;
    }
    if (!digits) {
        snprintf(msg, msize, "%s: no digits after 0x", what);
        return -EINVAL;
    }
    *pp = p;
    *v = x;
    return 0;
}

/* A decimal type number "N)" or "N" (until end); 1 .. UINT32_MAX. */
static bool parse_type_number(const char *p, const char *end, uint32_t *type)
{
    uint64_t v = 0;

    if (p == end)
        return false;
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p))
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return false;
    }
    if (v == 0)
        return false;
    *type = (uint32_t)v;
    return true;
}

static bool word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* "persistent (type N)" / "persistent RAM (type N)": N must be 7 or 12. */
static bool parse_persistent(const char *s, size_t len, uint32_t *type)
{
    static const char *prefixes[] = {"persistent (type ", "persistent RAM (type "};

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t plen = strlen(prefixes[i]);

        if (len > plen + 1 && strncasecmp(s, prefixes[i], plen) == 0 && s[len - 1] == ')' &&
            parse_type_number(s + plen, s + len - 1, type))
            return *type == VT_E820_PMEM || *type == VT_E820_PRAM;
    }
    return false;
}

static bool parse_type(const char *s, size_t len, uint32_t *type)
{
    static const struct {
        const char *name;
        uint32_t type;
    } names[] = {
        {"usable", VT_E820_RAM},
        {"System RAM", VT_E820_RAM},
        {"reserved", VT_E820_RESERVED},
        {"device reserved", VT_E820_RESERVED},
        {"soft reserved", VT_E820_SOFT_RESERVED},
        {"ACPI data", VT_E820_ACPI},
        {"ACPI NVS", VT_E820_NVS},
        {"unusable", VT_E820_UNUSABLE},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (word_is(s, len, names[i].name)) {
            *type = names[i].type;
            return true;
        }
    if (parse_persistent(s, len, type))
        return true;
    return len > 5 && strncasecmp(s, "type ", 5) == 0 && parse_type_number(s + 5, s + len, type);
}

/* Parse one "[mem 0xS-0xE] TYPE" line (s points at "[mem "). */
static int parse_entry(const char *s, const char *end, struct vt_e820_entry *e, char *msg,
                       size_t msize)
{
    const char *p = s + 5;
    uint64_t start, last;
    uint32_t type;
    int rc;

    if ((rc = parse_hex(&p, end, "start", &start, msg, msize)) < 0)
        return rc;
    if (p == end || *p != '-') {
        snprintf(msg, msize, "expected '-' after the start address");
        return -EINVAL;
    }
    p++;
    if ((rc = parse_hex(&p, end, "end", &last, msg, msize)) < 0)
        return rc;
    if (p == end || *p != ']') {
        snprintf(msg, msize, "expected ']' after the end address");
        return -EINVAL;
    }
    p++;
    if (p == end || !isspace((unsigned char)*p)) {
        snprintf(msg, msize, "expected a type name after ']'");
        return -EINVAL;
    }
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (!parse_type(p, (size_t)(end - p), &type)) {
        snprintf(msg, msize,
                 "unknown type \"%.*s\" (expected usable, reserved, ACPI data, ACPI NVS, "
                 "unusable, persistent (type 7), soft reserved or type N)",
                 (int)(end - p > QUOTE_MAX ? QUOTE_MAX : end - p), p);
        return -EINVAL;
    }
    if (last < start) {
        snprintf(msg, msize, "inverted: end 0x%" PRIx64 " is below start 0x%" PRIx64, last, start);
        return -EINVAL;
    }
    if (last >= VT_PHYS_ADDR_LIMIT) {
        snprintf(msg, msize, "end 0x%" PRIx64 " is beyond the 52-bit physical address space", last);
        return -ERANGE;
    }
    e->start = start;
    e->end = last + 1;
    e->type = type;
    return 0;
}

struct parsed {
    struct vt_e820_entry e;
    unsigned line;
};

static int cmp_parsed(const void *a, const void *b)
{
    const struct parsed *x = a, *y = b;

    if (x->e.start != y->e.start)
        return x->e.start < y->e.start ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

int e820_parse(const char *text, const char *name, struct e820_map *map, struct vt_err *err)
{
    struct parsed *ents = NULL;
    size_t n = 0, cap = 0;
    unsigned line = 0;
    const char *p = text;
    struct vt_e820_entry *out;
    int rc = 0;

    if (!name)
        name = "e820";
    if (!text || !map)
        return vt_err_set(err, -EINVAL, "%s: no text given", name);
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *next = eol ? eol + 1 : p + strlen(p);
        const char *s = p, *e = eol ? eol : next, *mem;
        char msg[320];

        line++;
        p = next;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        if (s == e || *s == '#')
            continue;
        mem = find_in(s, (size_t)(e - s), "[mem ");
        if (!mem) {
            /* What else the kernel prints around its table. */
            if (find_in(s, (size_t)(e - s), "[gap ") ||
                ends_with(s, (size_t)(e - s), "physical RAM map:"))
                continue;
            rc = vt_err_set(err, -EINVAL,
                            "%s: line %u: expected \"[mem 0xSTART-0xEND] TYPE\", found \"%.*s\"",
                            name, line, (int)(e - s > QUOTE_MAX ? QUOTE_MAX : e - s), s);
            goto out;
        }
        if (n == VT_E820_MAX_ENTRIES) {
            rc = vt_err_set(err, -E2BIG, "%s: line %u: more than %d entries", name, line,
                            VT_E820_MAX_ENTRIES);
            goto out;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct parsed *grown = realloc(ents, ncap * sizeof(*grown));

            if (!grown) {
                rc = vt_err_set(err, -ENOMEM, "%s: out of memory", name);
                goto out;
            }
            ents = grown;
            cap = ncap;
        }
        if ((rc = parse_entry(mem, e, &ents[n].e, msg, sizeof(msg))) < 0) {
            vt_err_set(err, rc, "%s: line %u: %s", name, line, msg);
            goto out;
        }
        ents[n].line = line;
        n++;
    }
    if (n == 0) {
        rc = vt_err_set(err, -EINVAL, "%s: no \"[mem ...]\" entries", name);
        goto out;
    }
    qsort(ents, n, sizeof(*ents), cmp_parsed);
    for (size_t i = 1; i < n; i++)
        if (ents[i].e.start < ents[i - 1].e.end) {
            rc = vt_err_set(err, -EINVAL,
                            "%s: line %u: [mem 0x%" PRIx64 "-0x%" PRIx64
                            "] overlaps line %u: [mem 0x%" PRIx64 "-0x%" PRIx64 "]",
                            name, ents[i].line, ents[i].e.start, ents[i].e.end - 1,
                            ents[i - 1].line, ents[i - 1].e.start, ents[i - 1].e.end - 1);
            goto out;
        }
    out = malloc(n * sizeof(*out));
    if (!out) {
        rc = vt_err_set(err, -ENOMEM, "%s: out of memory", name);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = ents[i].e;
    map->entries = out;
    map->n = n;
out:
    free(ents);
    return rc;
}
