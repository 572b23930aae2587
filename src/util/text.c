/* Escaping text from input for messages, reports and JSON. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* Length of the printable UTF-8 sequence at s (1-4), or 0 when the byte at s
 * must be escaped. */
static size_t safe_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;

    if (c >= 0x20 && c < 0x7f)
        return 1;
    if (c < 0xc2 || c > 0xf4) /* controls, DEL, continuation bytes, overlong leads */
        return 0;
    n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    cp = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
        return 0;
    return n;
}

size_t vt_text_escape(char *dst, size_t size, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0;

    if (!size)
        return 0;
    while (*s) {
        size_t n = safe_len(s);

        if (n) {
            if (o + n >= size)
                break;
            memcpy(dst + o, s, n);
            o += n;
            s += n;
        } else {
            if (o + 4 >= size)
                break;
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[*s >> 4];
            dst[o++] = hex[*s & 15];
            s++;
        }
    }
    dst[o] = '\0';
    return o;
}

bool vt_text_is_safe(const char *src)
{
    const unsigned char *s = (const unsigned char *)src;

    while (*s) {
        size_t n = safe_len(s);

        if (!n)
            return false;
        s += n;
    }
    return true;
}

void vt_text_escape_inplace(char *buf, size_t size)
{
    char *copy;

    if (vt_text_is_safe(buf))
        return;
    if (!(copy = strdup(buf))) {
        /* Out of memory: still never leave an unsafe byte. */
        for (unsigned char *s = (unsigned char *)buf; *s; s++)
            if (*s < 0x20 || *s >= 0x7f)
                *s = '?';
        return;
    }
    vt_text_escape(buf, size, copy);
    free(copy);
}

char *vt_text_escape_dup(const char *src)
{
    size_t size = strlen(src) * 4 + 1;
    char *dst = malloc(size);

    if (dst)
        vt_text_escape(dst, size, src);
    return dst;
}

char *vt_text_take_safe(char *s)
{
    char *e;

    if (!s || vt_text_is_safe(s))
        return s;
    e = vt_text_escape_dup(s);
    free(s);
    return e;
}

char *vt_text_json_dup(const char *src)
{
    char *dst = malloc(strlen(src) * 6 + 3), *q = dst;

    if (!dst)
        return NULL;
    *q++ = '"';
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *q++ = '\\';
            *q++ = (char)*p;
        } else if (*p < 0x20 || *p == 0x7f) {
            q += sprintf(q, "\\u%04x", *p);
        } else {
            *q++ = (char)*p;
        }
    }
    *q++ = '"';
    *q = '\0';
    return dst;
}
