/* Little-endian byte buffers: growable writer, bounds-checked reader. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

void buf_init(struct buf *b)
{
    memset(b, 0, sizeof(*b));
}

#define SINK_CHUNK 65536

void buf_init_sink(struct buf *b, int (*sink)(void *ctx, const void *data, size_t len), void *ctx)
{
    buf_init(b);
    b->sink = sink;
    b->sink_ctx = ctx;
}

int buf_flush(struct buf *b)
{
    if (b->sink && b->len && !b->sink_rc) {
        b->sink_rc = b->sink(b->sink_ctx, b->data, b->len);
        if (b->sink_rc)
            b->oom = true; /* stop gathering */
    }
    b->len = 0;
    return b->sink_rc ? b->sink_rc : b->oom ? -ENOMEM : 0;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_append(struct buf *b, const void *data, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->sink && b->len + n > SINK_CHUNK && buf_flush(b) < 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        uint8_t *d;

        while (cap < b->len + n)
            cap *= 2;
        d = realloc(b->data, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

void buf_le(struct buf *b, uint64_t v, unsigned size)
{
    uint8_t tmp[8];

    /* The common case writes in place; growing goes through append. */
    if (!b->oom && b->len + size <= b->cap && !b->sink) {
        for (unsigned i = 0; i < size; i++)
            b->data[b->len + i] = (uint8_t)(v >> (8 * i));
        b->len += size;
        return;
    }
    for (unsigned i = 0; i < size; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    buf_append(b, tmp, size);
}

void buf_patch_le(struct buf *b, size_t off, uint64_t v, unsigned size)
{
    if (b->oom || off + size > b->len)
        return;
    for (unsigned i = 0; i < size; i++)
        b->data[off + i] = (uint8_t)(v >> (8 * i));
}

bool rd_le(const struct rd *r, size_t off, unsigned size, uint64_t *v)
{
    uint64_t x = 0;

    if (off > r->len || size > r->len - off)
        return false;
    for (unsigned i = 0; i < size; i++)
        x |= (uint64_t)r->p[off + i] << (8 * i);
    *v = x;
    return true;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        buf_append(b, small, (size_t)n);
        return;
    }
    {
        char *big = malloc((size_t)n + 1);

        if (!big) {
            b->oom = true;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        buf_append(b, big, (size_t)n);
        free(big);
    }
}

void buf_json_string(struct buf *b, const char *s)
{
    buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};

            buf_append(b, esc, 2);
        } else if (*p < 0x20) {
            buf_printf(b, "\\u%04x", *p);
        } else {
            buf_append(b, p, 1);
        }
    }
    buf_append(b, "\"", 1);
}
