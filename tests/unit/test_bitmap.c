/* Unit tests: vt_bitmap, cpulist (kernel syntax) and cpumask parsing/formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "unit/support.h"
#include "vtopo/bitmap.h"

/* Parse text with parse and return the formatted cpulist, or "ERR <code> <message>"
 * (static buffer). */
static const char *parsed(int (*parse)(struct vt_bitmap *, const char *, unsigned, struct vt_err *),
                          const char *text, unsigned max_id)
{
    static char out[4096];
    struct vt_bitmap *b = vt_bitmap_new();
    struct vt_err err;
    int rc = parse(b, text, max_id, &err);

    if (rc < 0)
        snprintf(out, sizeof(out), "ERR %d %s", rc, err.msg);
    else
        vt_bitmap_snprint_list(out, sizeof(out), b);
    vt_bitmap_free(b);
    return out;
}

static const char *roundtrip(const char *text, unsigned max_id)
{
    return parsed(vt_bitmap_parse_list, text, max_id);
}

static const char *mask(const char *text, unsigned max_id)
{
    return parsed(vt_bitmap_parse_mask, text, max_id);
}

static void test_list_valid(void **state)
{
    (void)state;
    assert_string_equal(roundtrip("", 8191), "");
    assert_string_equal(roundtrip("\n", 8191), "");
    assert_string_equal(roundtrip("0", 8191), "0");
    assert_string_equal(roundtrip("0-3", 8191), "0-3");
    assert_string_equal(roundtrip("3,1,2,0", 8191), "0-3");
    assert_string_equal(roundtrip("0-3,8-11\n", 8191), "0-3,8-11");
    assert_string_equal(roundtrip("0,2,4,6", 8191), "0,2,4,6");
    /* Regions may also be separated by white space, and may overlap. */
    assert_string_equal(roundtrip("0 2  4,3-5", 8191), "0,2-5");
    assert_string_equal(roundtrip("0,", 8191), "0");
    /* The used/group form: in each group of 4 starting at 0, the first 2. */
    assert_string_equal(roundtrip("0-15:2/4", 8191), "0-1,4-5,8-9,12-13");
    assert_string_equal(roundtrip("1-9:1/3", 8191), "1,4,7");
    assert_string_equal(roundtrip("0-3:0/2", 8191), "");
    assert_string_equal(roundtrip("0-5:3/3", 8191), "0-5");
    /* A last group shorter than `used` is clipped at the range end. */
    assert_string_equal(roundtrip("0-4:2/4", 8191), "0-1,4");
    /* "N" is the highest id. */
    assert_string_equal(roundtrip("0-N", 7), "0-7");
    assert_string_equal(roundtrip("N", 8191), "8191");
    assert_string_equal(roundtrip("8191", 8191), "8191");
    assert_string_equal(roundtrip("4000-4100:1/50", 8191), "4000,4050,4100");
}

static void expect_error(const char *text, unsigned max_id, int code, const char *fragment)
{
    const char *got = roundtrip(text, max_id);
    char want[32];

    snprintf(want, sizeof(want), "ERR %d ", code);
    if (strncmp(got, want, strlen(want)) != 0 || !strstr(got, fragment))
        fail_msg("'%s': got '%s', want code %d and '%s'", text, got, code, fragment);
}

static void test_list_invalid(void **state)
{
    (void)state;
    expect_error("0-3x", 8191, -EINVAL, "unexpected 'x' at offset 3");
    expect_error("x", 8191, -EINVAL, "expected a number at offset 0");
    expect_error("5-2", 8191, -EINVAL, "goes backwards (5-2)");
    expect_error("0-", 8191, -EINVAL, "a number is missing");
    expect_error("-1", 8191, -EINVAL, "expected a number");
    expect_error("8192", 8191, -ERANGE, "exceeds the maximum 8191");
    expect_error("0-99999999999999999999", 8191, -ERANGE, "exceeds");
    expect_error("0-7:0/0", 8191, -EINVAL, "0 < group");
    expect_error("0-7:3/2", 8191, -EINVAL, "used <= group");
    expect_error("0-7:2", 8191, -EINVAL, "expected '/'");
    expect_error("0-7:2/", 8191, -EINVAL, "a number is missing");
    expect_error("0-7/2", 8191, -EINVAL, "unexpected '/' at offset 3");
    expect_error("0-7:1/2x", 8191, -EINVAL, "unexpected 'x'");
    expect_error("1.5", 8191, -EINVAL, "unexpected '.' at offset 1");
    expect_error("0;1", 8191, -EINVAL, "unexpected ';' at offset 1");
    expect_error("0x10", 8191, -EINVAL, "unexpected 'x' at offset 1");
}

static void test_list_error_leaves_empty(void **state)
{
    struct vt_bitmap *b = vt_bitmap_new();

    (void)state;
    assert_int_equal(vt_bitmap_parse_list(b, "0-3", 100, NULL), 0);
    assert_int_equal(vt_bitmap_parse_list(b, "0-3,9-2", 100, NULL), -EINVAL);
    assert_true(vt_bitmap_iszero(b));
    vt_bitmap_free(b);
}

static void test_mask(void **state)
{
    (void)state;
    assert_string_equal(mask("00000003", 8191), "0-1");
    assert_string_equal(mask("ff,00000001\n", 8191), "0,32-39");
    assert_string_equal(mask("0x000000ff,0xffffffff", 8191), "0-39");
    assert_string_equal(mask("00000000,00000000,00000000,80000000", 8191), "31");
    /* A wide all-zero prefix (NR_CPUS 8192) stays within limits. */
    {
        char wide[256 * 9 + 16] = "";

        for (int i = 0; i < 255; i++)
            strcat(wide, "00000000,");
        strcat(wide, "0000f00f");
        assert_string_equal(mask(wide, 63), "0-3,12-15");
    }
    assert_string_equal(mask("0", 8191), "");
    assert_true(strncmp(mask("", 8191), "ERR", 3) == 0);
    assert_true(strstr(mask("123456789", 8191), "1 to 8 hex digits") != NULL);
    assert_true(strstr(mask("ff,,ff", 8191), "1 to 8 hex digits") != NULL);
    /* Found by fuzz_cpumask: a trailing comma promised a word that never came. */
    assert_true(strstr(mask("f,", 8191), "1 to 8 hex digits") != NULL);
    assert_true(strstr(mask("fg", 8191), "unexpected 'g'") != NULL);
    assert_true(strstr(mask("1,00000000", 31), "bit 32 is set, above the maximum id 31") != NULL);
}

static void test_set_ops(void **state)
{
    struct vt_bitmap *a = vt_bitmap_new(), *b = vt_bitmap_new(), *c;

    (void)state;
    assert_int_equal(vt_bitmap_set_range(a, 0, 200), 0);
    assert_int_equal(vt_bitmap_parse_list(b, "100-300", 1000, NULL), 0);
    assert_int_equal(vt_bitmap_weight(a), 201);
    assert_true(vt_bitmap_intersects(a, b));
    c = vt_bitmap_dup(a);
    vt_bitmap_and(c, b);
    assert_int_equal(vt_bitmap_first(c), 100);
    assert_int_equal(vt_bitmap_last(c), 200);
    vt_bitmap_andnot(a, b);
    assert_int_equal(vt_bitmap_last(a), 99);
    assert_false(vt_bitmap_intersects(a, b));
    assert_true(vt_bitmap_subset(c, b));
    assert_false(vt_bitmap_subset(b, c));
    assert_int_equal(vt_bitmap_or(a, b), 0);
    assert_int_equal(vt_bitmap_weight(a), 301);
    assert_false(vt_bitmap_equal(a, b));
    vt_bitmap_clear(a, 0);
    vt_bitmap_clear(a, 99999); /* beyond the allocation: a no-op */
    assert_int_equal(vt_bitmap_first(a), 1);
    assert_int_equal(vt_bitmap_next(a, 300), -1);
    assert_int_equal(vt_bitmap_set(a, VT_BITMAP_ID_MAX + 1), -ERANGE);
    assert_int_equal(vt_bitmap_set(a, VT_BITMAP_ID_MAX), 0);
    assert_int_equal(vt_bitmap_last(a), (int)VT_BITMAP_ID_MAX);
    vt_bitmap_zero(a);
    assert_true(vt_bitmap_iszero(a));
    /* Bitmaps of different allocation sizes compare by content. */
    vt_bitmap_zero(b);
    assert_true(vt_bitmap_equal(a, b));
    assert_true(vt_bitmap_subset(a, b));
    vt_bitmap_free(a);
    vt_bitmap_free(b);
    vt_bitmap_free(c);
    vt_bitmap_free(NULL);
}

static void test_snprint_truncation(void **state)
{
    struct vt_bitmap *b = vt_bitmap_new();
    char small[6];

    (void)state;
    vt_bitmap_parse_list(b, "0-3,10,20-29", 100, NULL);
    assert_int_equal(vt_bitmap_snprint_list(NULL, 0, b), strlen("0-3,10,20-29"));
    assert_int_equal(vt_bitmap_snprint_list(small, sizeof(small), b), strlen("0-3,10,20-29"));
    assert_true(strlen(small) < sizeof(small));
    vt_bitmap_free(b);
}

/* Property: format(parse(format(random set))) is stable, and parsing the
 * formatted text gives back the same set, for thousands of random sets. */
static void test_random_roundtrip(void **state)
{
    unsigned seed = t_seed("test_random_roundtrip");

    (void)state;
    for (int iter = 0; iter < 3000; iter++) {
        struct vt_bitmap *a = vt_bitmap_new(), *b = vt_bitmap_new();
        unsigned max = (unsigned)(rand() % 9000), n = (unsigned)(rand() % 64);
        char *text;

        for (unsigned i = 0; i < n; i++) {
            unsigned lo = (unsigned)rand() % (max + 1);
            unsigned len = (unsigned)(rand() % 5 ? rand() % 4 : rand() % 300);

            vt_bitmap_set_range(a, lo, lo + len > max ? max : lo + len);
        }
        text = vt_bitmap_format_list(a);
        assert_non_null(text);
        if (vt_bitmap_parse_list(b, text, 8999, NULL) != 0 || !vt_bitmap_equal(a, b))
            fail_msg("seed %u iteration %d: '%s' did not round-trip", seed, iter, text);
        free(text);
        vt_bitmap_free(a);
        vt_bitmap_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_valid),
        cmocka_unit_test(test_list_invalid),
        cmocka_unit_test(test_list_error_leaves_empty),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_set_ops),
        cmocka_unit_test(test_snprint_truncation),
        cmocka_unit_test(test_random_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
