/* Strict number and name parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

int parse_prefixed_uint(const char *name, const char *prefix, unsigned max, unsigned *out)
{
    size_t plen = strlen(prefix);
    uint64_t v;

    if (strncmp(name, prefix, plen) != 0 || parse_u64_base(name + plen, 10, &v) < 0 || v > max)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}

int parse_u64_base(const char *text, int base, uint64_t *out)
{
    const char *p = text;
    uint64_t v = 0;

    if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (!*p)
        return -EINVAL;
    for (; *p; p++) {
        unsigned d;

        if (isdigit((unsigned char)*p))
            d = (unsigned)(*p - '0');
        else if (base == 16 && isxdigit((unsigned char)*p))
            d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
        else
            return -EINVAL;
        if (v > (UINT64_MAX - d) / (unsigned)base)
            return -ERANGE;
        v = v * (unsigned)base + d;
    }
    *out = v;
    return 0;
}

int parse_long(const char *text, long *out)
{
    char *end;
    long v;

    if (!*text || isspace((unsigned char)*text))
        return -EINVAL;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

/* Exactly `digits` (or, with min_only, at least that many) hex digits up to a
 * terminator character. */
static int hex_field(const char **pp, unsigned digits, int min_only, char term, uint64_t *v)
{
    const char *p = *pp;
    unsigned n = 0;

    *v = 0;
    while (isxdigit((unsigned char)*p)) {
        *v = *v * 16 + (uint64_t)(isdigit((unsigned char)*p)
                                      ? *p - '0'
                                      : tolower((unsigned char)*p) - 'a' + 10);
        n++;
        p++;
        if (n > 8)
            return -EINVAL;
    }
    if (min_only ? n < digits : n != digits)
        return -EINVAL;
    if (*p != term)
        return -EINVAL;
    *pp = term ? p + 1 : p;
    return 0;
}

int parse_bdf(const char *text, uint32_t *domain, uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
    const char *p = text;
    uint64_t d, b, s, f;

    if (hex_field(&p, 4, 1, ':', &d) < 0 || hex_field(&p, 2, 0, ':', &b) < 0 ||
        hex_field(&p, 2, 0, '.', &s) < 0 || hex_field(&p, 1, 0, '\0', &f) < 0)
        return -EINVAL;
    if (d > UINT32_MAX || s > 31 || f > 7)
        return -EINVAL;
    *domain = (uint32_t)d;
    *bus = (uint8_t)b;
    *dev = (uint8_t)s;
    *fn = (uint8_t)f;
    return 0;
}

int bdf_normalize(const char *text, char out[BDF_TEXT_MAX])
{
    uint32_t domain;
    uint8_t bus, dev, fn;

    if (!text || parse_bdf(text, &domain, &bus, &dev, &fn) < 0)
        return -EINVAL;
    snprintf(out, BDF_TEXT_MAX, "%04x:%02x:%02x.%x", domain, bus, dev, fn);
    return 0;
}

bool parse_key_value(const char *text, const char *key, char *val, size_t size)
{
    size_t klen = strlen(key);
    const char *line = text;

    while (*line) {
        const char *eol = strchr(line, '\n');

        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            size_t len = strcspn(line + klen + 1, "\n");

            if (size) {
                len = len < size ? len : size - 1;
                memcpy(val, line + klen + 1, len);
                val[len] = '\0';
            }
            return true;
        }
        if (!eol)
            break;
        line = eol + 1;
    }
    return false;
}
