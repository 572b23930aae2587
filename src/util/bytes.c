/* Little-endian byte buffers: growable writer, bounds-checked reader. */
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

void vt_buf_init(struct vt_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void vt_buf_free(struct vt_buf *b)
{
    free(b->data);
    vt_buf_init(b);
}

void vt_buf_append(struct vt_buf *b, const void *data, size_t n)
{
    if (b->oom || n == 0)
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

void vt_buf_le(struct vt_buf *b, uint64_t v, unsigned size)
{
    uint8_t tmp[8];

    for (unsigned i = 0; i < size; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    vt_buf_append(b, tmp, size);
}

void vt_buf_patch_le(struct vt_buf *b, size_t off, uint64_t v, unsigned size)
{
    if (b->oom || off + size > b->len)
        return;
    for (unsigned i = 0; i < size; i++)
        b->data[off + i] = (uint8_t)(v >> (8 * i));
}

bool vt_rd_le(const struct vt_rd *r, size_t off, unsigned size, uint64_t *v)
{
    uint64_t x = 0;

    if (off > r->len || size > r->len - off)
        return false;
    for (unsigned i = 0; i < size; i++)
        x |= (uint64_t)r->p[off + i] << (8 * i);
    *v = x;
    return true;
}
