/* Helpers shared by the fuzz targets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "fuzz invariant failed: %s:%d: %s: ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void fuzz_check_err(int rc, const struct vt_err *err)
{
    FUZZ_CHECK(rc <= 0, "return value %d is positive", rc);
    if (rc == 0)
        return;
    FUZZ_CHECK(err->code == rc, "error code %d but the function returned %d", err->code, rc);
    FUZZ_CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL, "message not NUL-terminated");
    FUZZ_CHECK(err->msg[0] != '\0', "failure %d without a message", rc);
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

uint64_t fuzz_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

uint8_t *fuzz_acpi_fixup(const uint8_t *data, size_t size)
{
    uint8_t *t, sum = 0;

    if (size < 36 || size > UINT32_MAX)
        return NULL;
    t = malloc(size);
    if (!t)
        abort();
    memcpy(t, data, size);
    for (unsigned i = 0; i < 4; i++)
        t[4 + i] = (uint8_t)(size >> (8 * i));
    t[9] = 0;
    for (size_t i = 0; i < size; i++)
        sum = (uint8_t)(sum + t[i]);
    t[9] = (uint8_t)(0x100 - sum);
    return t;
}

bool fuzz_acpi_header_ok(const uint8_t *data, size_t size, const char *sig)
{
    uint8_t sum = 0;

    if (size < 36 || fuzz_le(data + 4, 4) != size || (sig && memcmp(data, sig, 4) != 0))
        return false;
    for (size_t i = 0; i < size; i++)
        sum = (uint8_t)(sum + data[i]);
    return sum == 0;
}
