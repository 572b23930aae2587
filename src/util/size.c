/* Parsing and formatting byte sizes. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vtopo/size.h"

static const char units[] = "BKMGTPE";

int vt_size_parse(const char *text, uint64_t *bytes, struct vt_err *err)
{
    const char *p = text;
    uint64_t whole = 0, frac_num = 0, frac_den = 1, mult = 1;
    const char *u;

    if (!isdigit((unsigned char)*p))
        return vt_err_set(err, -EINVAL, "size '%s' must start with a digit", text);
    for (; isdigit((unsigned char)*p); p++) {
        uint64_t d = (uint64_t)(*p - '0');

        if (whole > (UINT64_MAX - d) / 10)
            return vt_err_set(err, -ERANGE,
                              "size '%s' does not fit in 64 bits (the most is 16 EiB - 1)", text);
        whole = whole * 10 + d;
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return vt_err_set(err, -EINVAL, "size '%s': a digit must follow the decimal point",
                              text);
        for (; isdigit((unsigned char)*p); p++) {
            if (frac_den > UINT64_MAX / 100)
                return vt_err_set(err, -EINVAL, "size '%s' has too many decimals", text);
            frac_num = frac_num * 10 + (uint64_t)(*p - '0');
            frac_den *= 10;
        }
    }
    if (*p) {
        u = strchr(units, toupper((unsigned char)*p));
        if (!u)
            return vt_err_set(err, -EINVAL,
                              "size '%s': unknown unit '%s' (use B, K, M, G, T, P, E, "
                              "optionally with B or iB)",
                              text, p);
        mult = UINT64_C(1) << (10 * (u - units));
        p++;
        if (u != units && *p && strcasecmp(p, "B") != 0 && strcasecmp(p, "iB") != 0)
            return vt_err_set(err, -EINVAL, "size '%s': unknown unit suffix '%s'", text, p);
        if (u == units && *p)
            return vt_err_set(err, -EINVAL, "size '%s': unknown unit suffix '%s'", text, p);
    }
    if (whole > UINT64_MAX / mult)
        return vt_err_set(err, -ERANGE,
                          "size '%s' does not fit in 64 bits (the most is 16 EiB - 1)", text);
    whole *= mult;
    if (frac_num) {
        /* 128 bits: frac_num * mult cannot overflow before the division. */
        unsigned __int128 f = (unsigned __int128)frac_num * mult;
        if (f % frac_den)
            return vt_err_set(err, -EINVAL, "size '%s' is not a whole number of bytes", text);
        f /= frac_den;
        if (f > UINT64_MAX - whole)
            return vt_err_set(err, -ERANGE,
                              "size '%s' does not fit in 64 bits (the most is 16 EiB - 1)", text);
        whole += (uint64_t)f;
    }
    *bytes = whole;
    return 0;
}

int vt_size_format(char *buf, size_t size, uint64_t bytes)
{
    static const char *names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    unsigned i = 0;

    while (i < 6 && bytes && (bytes & 1023) == 0) {
        bytes >>= 10;
        i++;
    }
    return snprintf(buf, size, "%llu %s", (unsigned long long)bytes, names[i]);
}

int vt_size_parse_unit(const char *text, uint64_t *bytes, struct vt_err *err)
{
    int rc = vt_size_parse(text, bytes, err);
    size_t n = strspn(text, "0123456789.");

    if (rc == 0 && text[n] == '\0' && *bytes != 0)
        return vt_err_set(err, -EINVAL,
                          "size '%s' has no unit: give one (%sM for MiB, as QEMU's -m and xl's "
                          "memory= read a bare number; or K, G, T)",
                          text, text);
    return rc;
}
