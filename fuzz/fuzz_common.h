/* Shared by the fuzz targets (docs/fuzzing.md): the libFuzzer entry point's
 * prototype, invariant checks that abort (so libFuzzer and the corpus replay
 * both report them as crashes), and small helpers. */
#ifndef VT_FUZZ_COMMON_H
#define VT_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtopo/err.h"

/* Each fuzz_<target>.c defines it; libFuzzer or replay.c calls it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "fuzz invariant failed: FILE:LINE: COND: message" and abort. */
__attribute__((noreturn, format(printf, 4, 5))) void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...);

/* An invariant: a logic bug, not only a crash, stops the fuzzer. The message
 * (printf style, at least a format string) says which values disagreed. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                     \
    } while (0)

/* Every failure carries its code and a sentence; success leaves no code. */
void fuzz_check_err(int rc, const struct vt_err *err);

/* The input as a NUL-terminated string (malloc'd; it ends at the first NUL
 * byte, as any C string the parsers are given would). Aborts on OOM. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Little-endian reads the targets use as their own reference decoder. */
uint64_t fuzz_le(const uint8_t *p, unsigned bytes);

/* A copy of an ACPI table with Length set to size and the checksum fixed, so
 * mutations reach the body instead of stopping at the header checks. NULL
 * when size is below the 36-byte header or above 4 GiB. */
uint8_t *fuzz_acpi_fixup(const uint8_t *data, size_t size);

/* Reference header check: at least 36 bytes, Length equal to size, bytes
 * summing to 0 and, when sig is not NULL, that signature. */
bool fuzz_acpi_header_ok(const uint8_t *data, size_t size, const char *sig);

#endif
