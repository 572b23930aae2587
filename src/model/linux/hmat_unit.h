/* HMAT entry base units (internal, header-only): an HMAT locality structure
 * stores each value as a 16-bit entry times one 64-bit base unit. The request
 * setters use this to reject matrices no base unit represents exactly, and
 * the HMAT emitter to choose the unit it writes — the same rule for both. */
#ifndef VT_ACPI_HMAT_UNIT_H
#define VT_ACPI_HMAT_UNIT_H

#include <stddef.h>
#include <stdint.h>

/* Linux reads entries 0 and 0xffff as "no value" (hmat_normalize). */
#define VT_HMAT_ENTRY_MAX 0xfffeu
/* Linux multiplies entry x base unit in 32 bits: at most this many ps of
 * latency (4294967 ns) or MB/s of bandwidth. */
#define VT_HMAT_VALUE_MAX UINT32_MAX

static inline uint64_t hmat_gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;

        a = b;
        b = t;
    }
    return a;
}

/*
 * The smallest unit (in the values' own unit: ns, MB/s) that divides every
 * value and leaves every value / unit <= VT_HMAT_ENTRY_MAX, so each value is
 * exactly entry x unit; 0 when none exists. The values must be nonzero.
 * *gcd (the largest unit dividing them all) and *need (the smallest unit the
 * largest value fits with) may be NULL; they explain a 0.
 */
static inline uint64_t hmat_entry_unit(const uint32_t *values, size_t n, uint64_t *gcd,
                                       uint64_t *need)
{
    uint64_t g = 0, max = 0, min_unit, best = 0;

    for (size_t i = 0; i < n; i++) {
        g = hmat_gcd(g, values[i]);
        if (values[i] > max)
            max = values[i];
    }
    min_unit = max ? (max + VT_HMAT_ENTRY_MAX - 1) / VT_HMAT_ENTRY_MAX : 1;
    if (gcd)
        *gcd = g;
    if (need)
        *need = min_unit;
    /* Divisors d <= sqrt(g) ascending; their partners g / d descending and
     * never below sqrt(g): the first small one >= min_unit is the smallest,
     * else the last partner that still is. */
    for (uint64_t d = 1; d * d <= g; d++) {
        if (g % d)
            continue;
        if (d >= min_unit)
            return d;
        if (g / d >= min_unit)
            best = g / d;
    }
    return best;
}

#endif
