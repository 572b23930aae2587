/* Little-endian byte buffers: a growable writer and bounds-checked readers
 * (internal). No packed structs, no casts of untrusted bytes. */
#ifndef VT_UTIL_BYTES_H
#define VT_UTIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    uint8_t *data;
    size_t len, cap;
    bool oom; /* set once an append failed; later appends are no-ops */
    /* Optional sink: data is handed to it whenever 64 KiB have gathered, so a
     * large text streams to a file in constant memory. */
    int (*sink)(void *ctx, const void *data, size_t len);
    void *sink_ctx;
    int sink_rc; /* the sink's first error */
};

void buf_init(struct buf *b);
void buf_init_sink(struct buf *b, int (*sink)(void *ctx, const void *data, size_t len), void *ctx);
/* Hand what is gathered to the sink; returns its first error (or -ENOMEM). */
int buf_flush(struct buf *b);
void buf_free(struct buf *b);
void buf_append(struct buf *b, const void *data, size_t n);
/* Append the low `size` bytes (1, 2, 4 or 8) of v, little-endian. */
void buf_le(struct buf *b, uint64_t v, unsigned size);
/* Overwrite `size` bytes at off, little-endian (off + size <= len). */
void buf_patch_le(struct buf *b, size_t off, uint64_t v, unsigned size);

/* Append printf-formatted text (no NUL). */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quoted and escaped. */
void buf_json_string(struct buf *b, const char *s);

/* A read-only view. Getters return false, leaving *v alone, when
 * [off, off + size) is not inside the view. */
struct rd {
    const uint8_t *p;
    size_t len;
};

bool rd_le(const struct rd *r, size_t off, unsigned size, uint64_t *v);
static inline bool rd_u8(const struct rd *r, size_t off, uint8_t *v)
{
    uint64_t x;
    if (!rd_le(r, off, 1, &x))
        return false;
    *v = (uint8_t)x;
    return true;
}
static inline bool rd_u16(const struct rd *r, size_t off, uint16_t *v)
{
    uint64_t x;
    if (!rd_le(r, off, 2, &x))
        return false;
    *v = (uint16_t)x;
    return true;
}
static inline bool rd_u32(const struct rd *r, size_t off, uint32_t *v)
{
    uint64_t x;
    if (!rd_le(r, off, 4, &x))
        return false;
    *v = (uint32_t)x;
    return true;
}
static inline bool rd_u64(const struct rd *r, size_t off, uint64_t *v)
{
    return rd_le(r, off, 8, v);
}

#endif
