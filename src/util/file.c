/* Bounded whole-file reading and atomic file writing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/file.h"

int vt_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
                 struct vt_err *err)
{
    return vt_read_file_at(AT_FDCWD, path, path, max, flags, out, len, err);
}

int vt_read_file_at(int dirfd, const char *relpath, const char *path, size_t max, unsigned flags,
                    char **out, size_t *len, struct vt_err *err)
{
    size_t cap = 4096, n = 0;
    char *buf;
    int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return vt_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
    buf = malloc(cap);
    if (!buf) {
        close(fd);
        return vt_err_set(err, -ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        ssize_t r;

        if (n + 1 >= cap) {
            char *nb;

            if (cap > max + 1) {
                free(buf);
                close(fd);
                return vt_err_set(err, -EFBIG, "%s: larger than the limit of %zu bytes", path, max);
            }
            cap *= 2;
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                close(fd);
                return vt_err_set(err, -ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
        }
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            int e = errno;

            if (e == EINTR)
                continue;
            free(buf);
            close(fd);
            return vt_err_set(err, -e, "%s: cannot read: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        free(buf);
        return vt_err_set(err, -EFBIG, "%s: larger than the limit of %zu bytes", path, max);
    }
    if (flags & VT_READ_TEXT) {
        while (n && (buf[n - 1] == '\0' || buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
                     buf[n - 1] == '\t' || buf[n - 1] == '\r'))
            n--;
        if (memchr(buf, '\0', n)) {
            free(buf);
            return vt_err_set(err, -EINVAL, "%s: a NUL byte inside the text", path);
        }
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return 0;
}

/* Make the rename durable; failure here loses nothing already written. */
static void sync_parent_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd;

    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int vt_atomic_begin(struct vt_atomic *a, const char *path, struct vt_err *err)
{
    a->fd = -1;
    a->path = path;
    if (vt_path_fmt(a->tmp, sizeof(a->tmp), err, "%s.tmp.XXXXXX", path) < 0)
        return -ENAMETOOLONG;
    a->fd = mkstemp(a->tmp);
    if (a->fd < 0)
        return vt_err_set(err, -errno, "%s: cannot create a temporary file: %s", path,
                          strerror(errno));
    return 0;
}

int vt_atomic_write(struct vt_atomic *a, const void *data, size_t len, struct vt_err *err)
{
    const char *p = data;

    while (len) {
        ssize_t w = write(a->fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return vt_err_set(err, -errno, "%s: cannot write: %s", a->path, strerror(errno));
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int vt_atomic_close(struct vt_atomic *a, struct vt_err *err)
{
    int fd = a->fd;

    a->fd = -1;
    if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
        int e = errno;

        close(fd);
        return vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e));
    }
    if (close(fd) < 0)
        return vt_err_set(err, -errno, "%s: cannot write: %s", a->path, strerror(errno));
    return 0;
}

int vt_atomic_commit(struct vt_atomic *a, struct vt_err *err)
{
    if (a->fd >= 0 && vt_atomic_close(a, err) < 0)
        return err ? err->code : -EIO;
    if (rename(a->tmp, a->path) < 0) {
        int e = errno;

        return vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e));
    }
    a->tmp[0] = '\0';
    sync_parent_dir(a->path);
    return 0;
}

void vt_atomic_abort(struct vt_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = '\0';
}

int vt_write_file_atomic(const char *path, const void *data, size_t len, struct vt_err *err)
{
    struct vt_atomic a;
    int rc;

    if ((rc = vt_atomic_begin(&a, path, err)) < 0)
        return rc;
    if ((rc = vt_atomic_write(&a, data, len, err)) < 0 || (rc = vt_atomic_commit(&a, err)) < 0)
        vt_atomic_abort(&a);
    return rc;
}

int vt_path_fmt(char *buf, size_t size, struct vt_err *err, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        return vt_err_set(err, -ENAMETOOLONG, "path too long: %.80s...", buf);
    return 0;
}

bool vt_path_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int vt_dir_open(struct vt_dir *d, int dirfd, const char *path)
{
    d->pos = d->len = 0;
    d->fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return d->fd < 0 ? -errno : 0;
}

const char *vt_dir_next(struct vt_dir *d)
{
    for (;;) {
        if (d->pos >= d->len) {
            long n = syscall(SYS_getdents64, d->fd, d->buf, sizeof(d->buf));

            if (n <= 0)
                return NULL;
            d->len = (size_t)n;
            d->pos = 0;
        }
        /* struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name[] */
        {
            const char *rec = d->buf + d->pos;
            unsigned short reclen;
            const char *name = rec + 19;

            memcpy(&reclen, rec + 16, sizeof(reclen));
            if (reclen == 0 || d->pos + reclen > d->len)
                return NULL;
            d->pos += reclen;
            if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
                return name;
        }
    }
}

void vt_dir_close(struct vt_dir *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}
