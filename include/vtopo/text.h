/* Text from input made safe to print: bytes that could drive a terminal or
 * break UTF-8 and JSON become visible escapes. Every message of libvtopo has
 * been through this; callers printing input of their own can use it too. */
#ifndef VTOPO_TEXT_H
#define VTOPO_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Copy src into dst (size bytes, always NUL-terminated, truncated at a whole
 * escape) with every byte that is not printable text written as "\xNN": C0
 * controls (newline and tab included), DEL, the C1 controls U+0080-U+009F
 * and bytes that are not part of a valid UTF-8 sequence. Printable ASCII and
 * valid UTF-8 (e.g. "≥") are kept. Returns the length written.
 */
VT_API size_t vt_text_escape(char *dst, size_t size, const char *src);

/* The same in place, for a NUL-terminated buffer of size bytes. */
VT_API void vt_text_escape_inplace(char *buf, size_t size);

/* A malloc'd escaped copy of src, or NULL when out of memory. */
VT_API char *vt_text_escape_dup(const char *src);

/* s (malloc'd) made safe: s itself when it is, else an escaped copy (s is
 * freed). NULL when out of memory. */
VT_API char *vt_text_take_safe(char *s);

/* Whether src is already safe (vt_text_escape would copy it unchanged). */
VT_API bool vt_text_is_safe(const char *src);

/* src as a JSON string, quoted: '"' and '\\' escaped, control bytes as
 * \u00XX (malloc'd, NULL when out of memory). */
VT_API char *vt_text_json_dup(const char *src);

#ifdef __cplusplus
}
#endif

#endif
