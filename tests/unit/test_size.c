/* Unit tests: size parsing and formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vtopo/size.h"

static void ok(const char *text, uint64_t want)
{
    uint64_t got = 0;
    struct vt_err err;

    if (vt_size_parse(text, &got, &err) != 0)
        fail_msg("'%s': unexpected error: %s", text, err.msg);
    if (got != want)
        fail_msg("'%s': got %llu, want %llu", text, (unsigned long long)got,
                 (unsigned long long)want);
}

static void bad(const char *text, int code, const char *fragment)
{
    uint64_t got = 12345;
    struct vt_err err;
    int rc = vt_size_parse(text, &got, &err);

    if (rc != code || !strstr(err.msg, fragment))
        fail_msg("'%s': got %d '%s', want %d and '%s'", text, rc, err.msg, code, fragment);
    assert_int_equal(got, 12345); /* untouched on error */
}

static void test_parse(void **state)
{
    (void)state;
    ok("0", 0);
    ok("4096", 4096);
    ok("17B", 17);
    ok("1K", 1024);
    ok("1k", 1024);
    ok("1KB", 1024);
    ok("1KiB", 1024);
    ok("512MiB", UINT64_C(512) << 20);
    ok("512m", UINT64_C(512) << 20);
    ok("64G", UINT64_C(64) << 30);
    ok("64GB", UINT64_C(64) << 30);
    ok("2T", UINT64_C(2) << 40);
    ok("1P", UINT64_C(1) << 50);
    ok("15E", UINT64_C(15) << 60);
    ok("1.5G", UINT64_C(3) << 29);
    ok("0.5K", 512);
    ok("1.25M", UINT64_C(1310720));
    ok("18446744073709551615", UINT64_MAX);
}

static void test_parse_bad(void **state)
{
    (void)state;
    bad("", -EINVAL, "must start with a digit");
    bad("G", -EINVAL, "must start with a digit");
    bad("-1G", -EINVAL, "must start with a digit");
    bad("12Q", -EINVAL, "unknown unit 'Q'");
    bad("12GX", -EINVAL, "unknown unit suffix 'X'");
    bad("12Bi", -EINVAL, "unknown unit suffix 'i'");
    bad("12 G", -EINVAL, "unknown unit ' G'");
    bad("1.", -EINVAL, "a digit must follow the decimal point");
    bad("0.3K", -EINVAL, "not a whole number of bytes");
    bad("1.0000001", -EINVAL, "not a whole number of bytes");
    bad("18446744073709551616", -ERANGE, "does not fit in 64 bits");
    bad("16E", -ERANGE, "does not fit in 64 bits");
    bad("99999999999T", -ERANGE, "does not fit in 64 bits");
}

static void test_format(void **state)
{
    char buf[32];

    (void)state;
    vt_size_format(buf, sizeof(buf), 0);
    assert_string_equal(buf, "0 B");
    vt_size_format(buf, sizeof(buf), 17);
    assert_string_equal(buf, "17 B");
    vt_size_format(buf, sizeof(buf), UINT64_C(64) << 30);
    assert_string_equal(buf, "64 GiB");
    vt_size_format(buf, sizeof(buf), UINT64_C(1536) << 20);
    assert_string_equal(buf, "1536 MiB");
    vt_size_format(buf, sizeof(buf), UINT64_C(1) << 60);
    assert_string_equal(buf, "1 EiB");
    /* Parse of the formatted text gives the value back. */
    for (uint64_t v = 1; v < (UINT64_C(1) << 62); v = v * 3 + 7) {
        uint64_t back;
        char text[32], *sp;

        vt_size_format(text, sizeof(text), v);
        sp = strchr(text, ' ');
        memmove(sp, sp + 1, strlen(sp));
        assert_int_equal(vt_size_parse(text, &back, NULL), 0);
        assert_int_equal(back, v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
