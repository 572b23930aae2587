/* Strict number and name parsing shared by the host sources (internal). */
#ifndef VT_UTIL_PARSE_H
#define VT_UTIL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "<prefix><decimal>" exactly, value <= max (e.g. "node33", "memory7"). */
int parse_prefixed_uint(const char *name, const char *prefix, unsigned max, unsigned *out);
/* A whole string as an unsigned number in base 10 or 16 ("0x" allowed for 16). */
int parse_u64_base(const char *text, int base, uint64_t *out);
/* A whole string as a signed decimal number. */
int parse_long(const char *text, long *out);
/* The value of the first "KEY=value" line of text (a uevent file), copied
 * into val (size bytes, truncated, NUL-terminated); false when no line
 * starts with "KEY=". */
bool parse_key_value(const char *text, const char *key, char *val, size_t size);
/* "DDDD:BB:DD.F" (domain of 4 or more hex digits), device <= 31, function <= 7. */
int parse_bdf(const char *text, uint32_t *domain, uint8_t *bus, uint8_t *dev, uint8_t *fn);
/* A PCI address in its one spelling, "0000:3b:00.0" (lower case, domain of
 * at least 4 digits), into out; -EINVAL when text is not one (parse_bdf). */
#define BDF_TEXT_MAX 24
int bdf_normalize(const char *text, char out[BDF_TEXT_MAX]);

#endif
