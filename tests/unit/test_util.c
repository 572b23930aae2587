/* Unit tests: vt_err, bounded file reading, atomic writing, strict parsers,
 * little-endian byte buffers. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/bytes.h"
#include "util/file.h"
#include "util/parse.h"
#include "util/text.h"
#include "vtopo/err.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/vt-util-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_raw(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_err(void **state)
{
    struct vt_err err;
    char big[600];

    (void)state;
    assert_int_equal(vt_err_set(&err, -EINVAL, "entry %d: length %u, expected %u", 3, 20, 24),
                     -EINVAL);
    assert_int_equal(err.code, -EINVAL);
    assert_string_equal(err.msg, "entry 3: length 20, expected 24");
    vt_err_prefix(&err, "%s: ", "srat.dat");
    assert_string_equal(err.msg, "srat.dat: entry 3: length 20, expected 24");
    vt_err_clear(&err);
    assert_int_equal(err.code, 0);
    assert_string_equal(err.msg, "");
    /* Long messages are truncated, never overflow. */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    vt_err_set(&err, -E2BIG, "%s", big);
    assert_int_equal(strlen(err.msg), VT_ERR_MSG_MAX - 1);
    vt_err_prefix(&err, "prefix: ");
    assert_int_equal(strlen(err.msg), VT_ERR_MSG_MAX - 1);
    assert_true(strncmp(err.msg, "prefix: aaa", 11) == 0);
    /* A NULL err is allowed everywhere. */
    assert_int_equal(vt_err_set(NULL, -EIO, "x"), -EIO);
    vt_err_prefix(NULL, "x");
    vt_err_clear(NULL);
}

static void test_read_text(void **state)
{
    char path[128], *buf;
    size_t len;
    struct vt_err err;

    (void)state;
    snprintf(path, sizeof(path), "%s/cpulist", tmpdir);
    /* sysfs: newline then NUL padding. */
    write_raw(path, "0-31\n\0\0\0", 8);
    assert_int_equal(vt_read_file(path, 4096, VT_READ_TEXT, &buf, &len, &err), 0);
    assert_string_equal(buf, "0-31");
    assert_int_equal(len, 4);
    free(buf);
    /* Binary mode keeps everything. */
    assert_int_equal(vt_read_file(path, 4096, 0, &buf, &len, &err), 0);
    assert_int_equal(len, 8);
    free(buf);
    /* A NUL in the middle of text is an error. */
    write_raw(path, "0-1\0garbage\n", 12);
    assert_int_equal(vt_read_file(path, 4096, VT_READ_TEXT, &buf, &len, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "a NUL byte inside the text"));
    /* Larger than the limit. */
    {
        char data[10000];

        memset(data, '1', sizeof(data));
        write_raw(path, data, sizeof(data));
        assert_int_equal(vt_read_file(path, 9999, VT_READ_TEXT, &buf, &len, &err), -EFBIG);
        assert_non_null(strstr(err.msg, "larger than the limit of 9999 bytes"));
        assert_int_equal(vt_read_file(path, 10000, VT_READ_TEXT, &buf, &len, &err), 0);
        assert_int_equal(len, 10000);
        free(buf);
    }
    /* Empty file. */
    write_raw(path, "", 0);
    assert_int_equal(vt_read_file(path, 10, VT_READ_TEXT, &buf, &len, &err), 0);
    assert_int_equal(len, 0);
    free(buf);
    /* Missing: -ENOENT naming the path. */
    snprintf(path, sizeof(path), "%s/missing", tmpdir);
    assert_int_equal(vt_read_file(path, 10, 0, &buf, &len, &err), -ENOENT);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "cannot open"));
}

static size_t count_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_atomic_write(void **state)
{
    char path[128], bad[160], *buf;
    size_t len, before;
    struct vt_err err;

    (void)state;
    snprintf(path, sizeof(path), "%s/out.json", tmpdir);
    assert_int_equal(vt_write_file_atomic(path, "first", 5, &err), 0);
    assert_int_equal(vt_write_file_atomic(path, "second!", 7, &err), 0);
    assert_int_equal(vt_read_file(path, 100, 0, &buf, &len, &err), 0);
    assert_int_equal(len, 7);
    assert_memory_equal(buf, "second!", 7);
    free(buf);
    before = count_dir(tmpdir);
    /* Into a directory that does not exist: error, nothing left behind. */
    snprintf(bad, sizeof(bad), "%s/nodir/out.json", tmpdir);
    assert_true(vt_write_file_atomic(bad, "x", 1, &err) < 0);
    assert_non_null(strstr(err.msg, "nodir/out.json"));
    assert_int_equal(count_dir(tmpdir), before);
    /* Over a directory: the rename fails, the temporary file is removed. */
    snprintf(bad, sizeof(bad), "%s/adir", tmpdir);
    assert_int_equal(mkdir(bad, 0755), 0);
    before = count_dir(tmpdir);
    assert_true(vt_write_file_atomic(bad, "x", 1, &err) < 0);
    assert_int_equal(count_dir(tmpdir), before);
    rmdir(bad);
}

/* Inputs never block and never eat memory: a FIFO, a device, a directory
 * are refused at once; a pipe is read only where a stream is allowed. */
static void test_read_kinds(void **state)
{
    char path[128], *buf;
    size_t len;
    struct vt_err err;
    int fds[2];

    (void)state;
    snprintf(path, sizeof(path), "%s/fifo", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(vt_read_file(path, 100, 0, &buf, &len, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "fifo: a FIFO, not a regular file"));
    /* With streams allowed, a FIFO nobody writes is an empty stream. */
    assert_int_equal(vt_read_file(path, 100, VT_READ_STREAM, &buf, &len, &err), 0);
    assert_int_equal(len, 0);
    free(buf);
    assert_int_equal(vt_read_file("/dev/zero", 100, 0, &buf, &len, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "/dev/zero: a character device, not a regular file"));
    assert_int_equal(vt_read_file(tmpdir, 100, 0, &buf, &len, &err), -EISDIR);
    assert_non_null(strstr(err.msg, "is a directory"));
    /* A pipe with a writer, as /dev/stdin. */
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "{}", 2), 2);
    close(fds[1]);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
    assert_int_equal(vt_read_file(path, 100, 0, &buf, &len, &err), -EINVAL);
    assert_int_equal(vt_read_file(path, 100, VT_READ_STREAM, &buf, &len, &err), 0);
    assert_string_equal(buf, "{}");
    free(buf);
    close(fds[0]);
    /* A regular file above the limit is refused by its size, unread. */
    snprintf(path, sizeof(path), "%s/big", tmpdir);
    write_raw(path, "0123456789", 10);
    assert_int_equal(vt_read_file(path, 9, 0, &buf, &len, &err), -EFBIG);
}

/* Outputs never destroy what they name: a symlink is followed, a device,
 * FIFO or dangling link refused; modes are kept or follow the umask; a
 * stale temporary file of the target (its writer killed) is removed. */
static void test_atomic_targets(void **state)
{
    char path[128], link[128], tmp[160], *buf;
    size_t len;
    struct vt_err err;
    struct stat st;
    mode_t old;

    (void)state;
    /* A null device of our own where we may make one (root): should the
     * refusal ever break, the system's /dev/null is not the casualty. */
    snprintf(path, sizeof(path), "%s/null", tmpdir);
    if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) != 0)
        snprintf(path, sizeof(path), "/dev/null");
    assert_true(vt_write_file_atomic(path, "x", 1, &err) < 0);
    assert_non_null(strstr(err.msg, "null: a character device, not a regular file"));
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    snprintf(path, sizeof(path), "%s/target", tmpdir);
    snprintf(link, sizeof(link), "%s/link", tmpdir);
    write_raw(path, "old", 3);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(symlink("target", link), 0);
    assert_int_equal(vt_write_file_atomic(link, "new", 3, &err), 0);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(vt_read_file(path, 100, 0, &buf, &len, &err), 0);
    assert_string_equal(buf, "new");
    free(buf);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    unlink(link);
    assert_int_equal(symlink("nowhere", link), 0);
    assert_int_equal(vt_write_file_atomic(link, "x", 1, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "a symbolic link to nothing"));
    unlink(link);
    /* A new file: 0666 less the umask. */
    old = umask(027);
    snprintf(path, sizeof(path), "%s/new", tmpdir);
    assert_int_equal(vt_write_file_atomic(path, "x", 1, &err), 0);
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* A stale temporary name (no writer holds it) goes with the next write;
     * another file's stays. */
    snprintf(tmp, sizeof(tmp), "%s/.new.vtopo-new.AbCd12", tmpdir);
    write_raw(tmp, "stale", 5);
    snprintf(link, sizeof(link), "%s/.other.vtopo-new.AbCd12", tmpdir);
    write_raw(link, "other", 5);
    assert_int_equal(vt_write_file_atomic(path, "y", 1, &err), 0);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(access(link, F_OK), 0);
    unlink(link);
}

/* A directory set: replaced whole, foreign entries refused and kept, an
 * abort leaves nothing. */
static void test_dirset(void **state)
{
    static const char *const names[] = {"a", "b", NULL};
    char dir[128], path[PATH_MAX + 8], *buf;
    struct vt_dirset s;
    struct vt_err err;
    size_t len;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/set", tmpdir);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(vt_dirset_begin(&s, dir, names, &err), 0);
        snprintf(path, sizeof(path), "%s/a", s.tmp);
        write_raw(path, round ? "A2" : "A1", 2);
        assert_int_equal(vt_dirset_commit(&s, &err), 0);
    }
    snprintf(path, sizeof(path), "%s/a", dir);
    assert_int_equal(vt_read_file(path, 100, 0, &buf, &len, &err), 0);
    assert_string_equal(buf, "A2");
    free(buf);
    /* An abort: the old set stays, no temporary directory. */
    assert_int_equal(vt_dirset_begin(&s, dir, names, &err), 0);
    snprintf(path, sizeof(path), "%s/b", s.tmp);
    write_raw(path, "B", 1);
    vt_dirset_abort(&s);
    snprintf(path, sizeof(path), "%s/b", dir);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access(s.tmp, F_OK), -1);
    /* Something foreign inside: refused before any work, left alone. */
    snprintf(path, sizeof(path), "%s/mine", dir);
    write_raw(path, "keep", 4);
    assert_int_equal(vt_dirset_begin(&s, dir, names, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "holds 'mine', which is not one of its files"));
    assert_int_equal(access(path, F_OK), 0);
    /* A regular file where the directory goes. */
    assert_int_equal(vt_dirset_begin(&s, path, names, &err), -ENOTDIR);
}

/* Escaping: printable ASCII and UTF-8 stay, controls, DEL, C1 and broken
 * UTF-8 become \xNN, truncation never splits an escape. */
static void test_escape(void **state)
{
    char out[64];

    (void)state;
    vt_text_escape(out, sizeof(out), "plain \xe2\x89\xa5 256");
    assert_string_equal(out, "plain \xe2\x89\xa5 256");
    vt_text_escape(out, sizeof(out), "\x1b[31m\x7f\n\t");
    assert_string_equal(out, "\\x1b[31m\\x7f\\x0a\\x09");
    vt_text_escape(out, sizeof(out),
                   "\xc2\x9b"
                   "1;2H \xff \xc0\xaf \xed\xa0\x80");
    assert_string_equal(out, "\\xc2\\x9b1;2H \\xff \\xc0\\xaf \\xed\\xa0\\x80");
    vt_text_escape(out, 6,
                   "ab\x01"
                   "cd");
    assert_string_equal(out, "ab");
    assert_true(vt_text_is_safe("node 0 \xe2\x89\xa5"));
    assert_false(vt_text_is_safe("\x1b"));
}

static void test_parsers(void **state)
{
    unsigned u;
    uint64_t v;
    long l;
    uint32_t dom;
    uint8_t bus, dev, fn;

    (void)state;
    assert_int_equal(parse_prefixed_uint("node33", "node", 4095, &u), 0);
    assert_int_equal(u, 33);
    assert_int_equal(parse_prefixed_uint("node", "node", 4095, &u), -EINVAL);
    assert_int_equal(parse_prefixed_uint("node4096", "node", 4095, &u), -EINVAL);
    assert_int_equal(parse_prefixed_uint("nodex", "node", 4095, &u), -EINVAL);
    assert_int_equal(parse_prefixed_uint("node1x", "node", 4095, &u), -EINVAL);
    assert_int_equal(parse_prefixed_uint("memory7", "node", 4095, &u), -EINVAL);

    assert_int_equal(parse_u64_base("8000000", 16, &v), 0);
    assert_int_equal(v, 0x8000000);
    assert_int_equal(parse_u64_base("0x8086", 16, &v), 0);
    assert_int_equal(v, 0x8086);
    assert_int_equal(parse_u64_base("ffffffffffffffff", 16, &v), 0);
    assert_int_equal(parse_u64_base("10000000000000000", 16, &v), -ERANGE);
    assert_int_equal(parse_u64_base("", 10, &v), -EINVAL);
    assert_int_equal(parse_u64_base("0x", 16, &v), -EINVAL);
    assert_int_equal(parse_u64_base("12a", 10, &v), -EINVAL);

    assert_int_equal(parse_long("-1", &l), 0);
    assert_int_equal(l, -1);
    assert_int_equal(parse_long(" 1", &l), -EINVAL);
    assert_int_equal(parse_long("1 ", &l), -EINVAL);
    assert_int_equal(parse_long("", &l), -EINVAL);

    assert_int_equal(parse_bdf("0000:3b:00.0", &dom, &bus, &dev, &fn), 0);
    assert_int_equal(dom, 0);
    assert_int_equal(bus, 0x3b);
    assert_int_equal(dev, 0);
    assert_int_equal(fn, 0);
    assert_int_equal(parse_bdf("10000:e1:1f.7", &dom, &bus, &dev, &fn), 0);
    assert_int_equal(dom, 0x10000);
    assert_int_equal(dev, 31);
    assert_int_equal(fn, 7);
    assert_int_equal(parse_bdf("0000:3b:20.0", &dom, &bus, &dev, &fn), -EINVAL);
    assert_int_equal(parse_bdf("0000:3b:00.8", &dom, &bus, &dev, &fn), -EINVAL);
    assert_int_equal(parse_bdf("000:3b:00.0", &dom, &bus, &dev, &fn), -EINVAL);
    assert_int_equal(parse_bdf("0000:3b:00.0x", &dom, &bus, &dev, &fn), -EINVAL);
    assert_int_equal(parse_bdf("0000:3b:00", &dom, &bus, &dev, &fn), -EINVAL);
    assert_int_equal(parse_bdf("3b:00.0", &dom, &bus, &dev, &fn), -EINVAL);
}

static void test_bytes(void **state)
{
    struct buf b;
    struct rd r;
    uint64_t v;
    uint32_t u32;
    uint8_t u8;

    (void)state;
    buf_init(&b);
    buf_append(&b, "SRAT", 4);
    buf_le(&b, 0x11223344, 4);
    buf_le(&b, 0x0102030405060708ull, 8);
    buf_le(&b, 0xab, 1);
    buf_patch_le(&b, 4, 0xdeadbeef, 4);
    buf_patch_le(&b, 100, 1, 4); /* out of range: ignored */
    assert_false(b.oom);
    assert_int_equal(b.len, 17);
    r.p = b.data;
    r.len = b.len;
    assert_true(rd_u32(&r, 4, &u32));
    assert_int_equal(u32, 0xdeadbeef);
    assert_true(rd_u64(&r, 8, &v));
    assert_int_equal(v, 0x0102030405060708ull);
    assert_true(rd_u8(&r, 16, &u8));
    assert_int_equal(u8, 0xab);
    /* Reads that run past the end fail and leave the output alone. */
    u32 = 7;
    assert_false(rd_u32(&r, 14, &u32));
    assert_int_equal(u32, 7);
    assert_false(rd_u8(&r, 17, &u8));
    assert_false(rd_u64(&r, SIZE_MAX - 2, &v));
    buf_free(&b);
}

/* vt_text_json_dup: a JSON string whatever the text. */
static void test_json_string(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "\"plain\""},
        {"a \"quote\" and \\", "\"a \\\"quote\\\" and \\\\\""},
        {"tab\tnl\nesc\x1b del\x7f", "\"tab\\u0009nl\\u000aesc\\u001b del\\u007f\""},
        {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
        {"", "\"\""},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *j = vt_text_json_dup(cases[i].in);

        assert_non_null(j);
        assert_string_equal(j, cases[i].out);
        free(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err),          cmocka_unit_test(test_read_text),
        cmocka_unit_test(test_atomic_write), cmocka_unit_test(test_parsers),
        cmocka_unit_test(test_bytes),        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_read_kinds),   cmocka_unit_test(test_atomic_targets),
        cmocka_unit_test(test_dirset),       cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
