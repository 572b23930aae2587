/* Bounded whole-file reading that never blocks on a FIFO or a device, and
 * atomic writing of one file or of a directory of files as a set. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/file.h"

/* ---- reading ------------------------------------------------------------ */

const char *vt_file_type_name(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "not a regular file";
}

int vt_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
                 struct vt_err *err)
{
    return vt_read_file_at(AT_FDCWD, path, path, max, flags, out, len, err);
}

/* Open an input without blocking (a FIFO without a writer would block open()
 * forever) and accept only what can be read to its end: a regular file, or
 * with VT_READ_STREAM a pipe or socket, which then blocks as a stream does. */
static int open_input(int dirfd, const char *relpath, const char *path, size_t max, unsigned flags,
                      struct vt_err *err)
{
    int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    int e;

    if (fd < 0)
        return vt_err_set(err, -errno, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0) {
        e = errno;
        close(fd);
        return vt_err_set(err, -e, "%s: cannot read: %s", path, strerror(e));
    }
    if (S_ISREG(st.st_mode)) {
        /* sysfs and procfs sizes are nominal, but never above the truth. */
        if ((uint64_t)st.st_size > max) {
            close(fd);
            return vt_err_set(err, -EFBIG, "%s: larger than the limit of %zu bytes", path, max);
        }
        return fd;
    }
    if ((flags & VT_READ_STREAM) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        int fl = fcntl(fd, F_GETFL);

        if (fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0)
            return fd;
        e = errno;
        close(fd);
        return vt_err_set(err, -e, "%s: cannot read: %s", path, strerror(e));
    }
    close(fd);
    if (S_ISDIR(st.st_mode))
        return vt_err_set(err, -EISDIR, "%s: is a directory, not a file", path);
    return vt_err_set(err, -EINVAL, "%s: %s, not a regular file", path,
                      vt_file_type_name(st.st_mode));
}

int vt_read_file_at(int dirfd, const char *relpath, const char *path, size_t max, unsigned flags,
                    char **out, size_t *len, struct vt_err *err)
{
    size_t cap = 4096, n = 0;
    char *buf;
    int fd = open_input(dirfd, relpath, path, max, flags, err);

    if (fd < 0)
        return fd;
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

/* ---- writing: where, and the temporary names ---------------------------- */

/*
 * Every output is first written under a temporary name next to it,
 * "<target>.tmp.XXXXXX", held with flock(LOCK_EX) while its writer lives.
 * Temporary names are created, and stale ones (whose writer died: nobody
 * holds the lock) removed, with the parent directory locked, so a writer's
 * name is never taken for stale between its creation and its lock.
 */
#define TMP_INFIX  ".tmp."
#define TMP_RANDOM 6

static const char tmp_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Whether name is "<base>.tmp.XXXXXX". */
static bool is_tmp_of(const char *name, const char *base)
{
    size_t blen = strlen(base), ilen = sizeof(TMP_INFIX) - 1;

    if (strncmp(name, base, blen) != 0 || strncmp(name + blen, TMP_INFIX, ilen) != 0 ||
        strlen(name + blen + ilen) != TMP_RANDOM)
        return false;
    for (const char *p = name + blen + ilen; *p; p++)
        if (!strchr(tmp_chars, *p))
            return false;
    return true;
}

/* Split path into its directory and its last component (trailing slashes
 * dropped). */
static int split_path(const char *path, char *dir, size_t dsize, char *base, size_t bsize,
                      struct vt_err *err)
{
    size_t len = strlen(path);
    const char *slash;

    while (len > 1 && path[len - 1] == '/')
        len--;
    if (len == 0 || (len == 1 && path[0] == '/'))
        return vt_err_set(err, -EINVAL, "'%s': not a file name", path);
    slash = memrchr(path, '/', len);
    if (!slash) {
        if (vt_path_fmt(dir, dsize, err, ".") < 0)
            return -ENAMETOOLONG;
        return vt_path_fmt(base, bsize, err, "%.*s", (int)len, path);
    }
    if (vt_path_fmt(dir, dsize, err, "%.*s", slash == path ? 1 : (int)(slash - path), path) < 0)
        return -ENAMETOOLONG;
    if (vt_path_fmt(base, bsize, err, "%.*s", (int)(len - (size_t)(slash + 1 - path)), slash + 1) <
        0)
        return -ENAMETOOLONG;
    if (!strcmp(base, ".") || !strcmp(base, ".."))
        return vt_err_set(err, -EINVAL, "%s: name the file or directory itself, not '%s'", path,
                          base);
    return 0;
}

/*
 * What an output at path replaces: with symlinks followed, the file (or
 * directory, with want_dir) they lead to. Fills dir and base (where the
 * temporary name goes and what the rename replaces) and *st when it exists.
 * Refuses what is of another type (a device, a FIFO, ...): writing there
 * must never replace it with a regular file.
 */
static int resolve_output(const char *path, bool want_dir, char *dir, size_t dsize, char *base,
                          size_t bsize, struct stat *st, bool *exists, struct vt_err *err)
{
    char *real = NULL;
    int rc;

    *exists = false;
    if (lstat(path, st) < 0) {
        if (errno != ENOENT)
            return vt_err_set(err, -errno, "%s: %s", path, strerror(errno));
        return split_path(path, dir, dsize, base, bsize, err);
    }
    if (S_ISLNK(st->st_mode)) {
        if (!(real = realpath(path, NULL)))
            return errno == ENOENT
                       ? vt_err_set(err, -EINVAL,
                                    "%s: a symbolic link to nothing; name the file itself", path)
                       : vt_err_set(err, -errno, "%s: %s", path, strerror(errno));
        if (stat(real, st) < 0) {
            rc = vt_err_set(err, -errno, "%s: %s", path, strerror(errno));
            free(real);
            return rc;
        }
    }
    *exists = true;
    if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
        rc = vt_err_set(err, want_dir ? -ENOTDIR : -EINVAL,
                        "%s: %s, not a %s; vtopo replaces only %s", path,
                        S_ISREG(st->st_mode) ? "a regular file" : vt_file_type_name(st->st_mode),
                        want_dir ? "directory" : "regular file",
                        want_dir ? "directories it wrote" : "regular files");
        free(real);
        return rc;
    }
    rc = split_path(real ? real : path, dir, dsize, base, bsize, err);
    free(real);
    return rc;
}

/* The parent directory of the output path, open, and locked exclusively
 * (*lock_fd); *lock_fd is -1 when it cannot be locked (a filesystem without
 * flock): writing then goes on without the cleanup of stale names. */
static int lock_dir(const char *dir, const char *path, int *lock_fd, struct vt_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    *lock_fd = -1;
    if (fd < 0)
        return vt_err_set(err, -errno, "%s: cannot write into %s: %s", path, dir, strerror(errno));
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        *lock_fd = -1;
        return fd; /* unlocked, but usable */
    }
    *lock_fd = fd;
    return fd;
}

/* Remove every entry of the open directory fd (regular files and symlinks;
 * a subdirectory stays, and so does fd's directory then). */
static void empty_dir(int fd)
{
    struct vt_dir d;
    const char *name;

    if (vt_dir_open(&d, fd, ".") < 0)
        return;
    while ((name = vt_dir_next(&d)))
        unlinkat(fd, name, 0);
    vt_dir_close(&d);
}

/* Remove the temporary names of base in directory dfd that no live writer
 * holds locked: what a killed writer left. */
static void remove_stale(int dfd, const char *base)
{
    struct vt_dir d;
    const char *name;

    if (vt_dir_open(&d, dfd, ".") < 0)
        return;
    while ((name = vt_dir_next(&d))) {
        struct stat st;
        int fd;

        if (!is_tmp_of(name, base))
            continue;
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                empty_dir(fd);
                unlinkat(dfd, name, AT_REMOVEDIR);
            } else if (S_ISREG(st.st_mode)) {
                unlinkat(dfd, name, 0);
            }
        }
        close(fd);
    }
    vt_dir_close(&d);
}

static void random_suffix(char *out)
{
    unsigned char r[TMP_RANDOM];

    if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
        struct timespec ts;
        uint64_t x;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        x = (uint64_t)ts.tv_nsec * 2654435761u ^ (uint64_t)getpid() << 20 ^ (uint64_t)ts.tv_sec;
        for (size_t i = 0; i < sizeof(r); i++, x >>= 8)
            r[i] = (unsigned char)x;
    }
    for (size_t i = 0; i < TMP_RANDOM; i++)
        out[i] = tmp_chars[r[i] % (sizeof(tmp_chars) - 1)];
    out[TMP_RANDOM] = '\0';
}

/* A new temporary name "<base>.tmp.XXXXXX" in tmp; fn tries to make it and
 * returns 0, or -EEXIST to try another. */
static int make_tmp_name(const char *base, char *tmp, size_t tsize,
                         int (*fn)(const char *name, void *ctx), void *ctx, struct vt_err *err)
{
    int rc = -EEXIST;

    for (int tries = 0; tries < 100 && rc == -EEXIST; tries++) {
        char sfx[TMP_RANDOM + 1];

        random_suffix(sfx);
        if ((rc = vt_path_fmt(tmp, tsize, err, "%s" TMP_INFIX "%s", base, sfx)) < 0)
            return rc;
        rc = fn(tmp, ctx);
    }
    return rc;
}

struct tmp_ctx {
    int dfd, fd;
    mode_t mode;
};

/* Give the unnamed, already locked file ctx->fd its name: it is never seen
 * unlocked under that name, so no one takes it for stale. */
static int link_tmpfile(const char *name, void *p)
{
    struct tmp_ctx *c = p;
    char proc[64];

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->fd);
    if (linkat(AT_FDCWD, proc, c->dfd, name, AT_SYMLINK_FOLLOW) == 0 ||
        linkat(c->fd, "", c->dfd, name, AT_EMPTY_PATH) == 0)
        return 0;
    return -errno;
}

static int create_file(const char *name, void *p)
{
    struct tmp_ctx *c = p;

    c->fd = openat(c->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, c->mode);
    if (c->fd < 0)
        return -errno;
    flock(c->fd, LOCK_EX);
    return 0;
}

static int create_dir(const char *name, void *p)
{
    struct tmp_ctx *c = p;

    if (mkdirat(c->dfd, name, c->mode) < 0)
        return -errno;
    c->fd = openat(c->dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->fd < 0) {
        int e = errno;

        unlinkat(c->dfd, name, AT_REMOVEDIR);
        return -e;
    }
    flock(c->fd, LOCK_EX);
    return 0;
}

/*
 * Create "<dir>/<base>.tmp.XXXXXX" (a file, or a directory with want_dir)
 * with mode (less the umask, as any new file), open and locked in *fd, its
 * name in tmp (relative to dir); stale names of base are removed first.
 *
 * A file is made unnamed (O_TMPFILE), locked, then linked to its name, so no
 * directory lock is needed (a file write inside a directory set being
 * written must not wait for the set's own lock). A directory cannot be made
 * locked, so it is made, and stale ones removed, with the parent locked.
 */
static int create_tmp(const char *path, const char *dir, const char *base, bool want_dir,
                      mode_t mode, char *tmp, size_t tsize, int *fd, struct vt_err *err)
{
    struct tmp_ctx c = {-1, -1, mode};
    int lock_fd = -1, rc;

    *fd = -1;
    if (want_dir) {
        if ((c.dfd = lock_dir(dir, path, &lock_fd, err)) < 0)
            return c.dfd;
    } else if ((c.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        return vt_err_set(err, -errno, "%s: cannot write into %s: %s", path, dir, strerror(errno));
    }
    if (!want_dir || lock_fd >= 0)
        remove_stale(c.dfd, base);
    if (want_dir) {
        rc = make_tmp_name(base, tmp, tsize, create_dir, &c, err);
    } else if ((c.fd = openat(c.dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode)) >= 0) {
        flock(c.fd, LOCK_EX);
        if ((rc = make_tmp_name(base, tmp, tsize, link_tmpfile, &c, err)) < 0) {
            close(c.fd);
            c.fd = -1;
        }
    } else {
        /* No O_TMPFILE on this filesystem: a named file, locked at once. */
        rc = make_tmp_name(base, tmp, tsize, create_file, &c, err);
    }
    close(c.dfd);
    if (rc < 0) {
        if (rc == -ENAMETOOLONG)
            return rc;
        return vt_err_set(err, rc, "%s: cannot create a temporary %s in %s: %s", path,
                          want_dir ? "directory" : "file", dir, strerror(-rc));
    }
    *fd = c.fd;
    return 0;
}

/* A replaced file keeps its mode, and its owner when we may set it (root
 * saving over a user's file). */
static void keep_attributes(int fd, const struct stat *st)
{
    fchmod(fd, st->st_mode & 07777);
    if (geteuid() == 0 && (st->st_uid != 0 || st->st_gid != 0) &&
        fchown(fd, st->st_uid, st->st_gid))
        fchmod(fd, st->st_mode & 0777); /* no set-id bits on a file root now owns */
}

/* ---- one file ----------------------------------------------------------- */

static bool is_set_member(const char *name, const char *const *names);
static int check_members_at(const char *dir, const char *base, const char *path,
                            const char *const *names, struct vt_err *err);

/*
 * Where an output at path goes (dir, base) and its temporary name (tmp, a
 * path; *fd open and locked), for a file, or for a directory set when names
 * is its members. What the output may not replace is refused first; a
 * replaced one's mode (and owner) carries over.
 */
static int begin_output(const char *path, const char *const *names, char *dir, char *base,
                        char *tmp, int *fd, struct vt_err *err)
{
    bool want_dir = names != NULL, exists;
    char rel[NAME_MAX + 32];
    struct stat st;
    int rc;

    *fd = -1;
    tmp[0] = '\0';
    if ((rc = resolve_output(path, want_dir, dir, PATH_MAX, base, NAME_MAX + 1, &st, &exists,
                             err)) < 0)
        return rc;
    if (exists && want_dir && (rc = check_members_at(dir, base, path, names, err)) < 0)
        return rc;
    if ((rc = create_tmp(path, dir, base, want_dir, want_dir ? 0777 : 0666, rel, sizeof(rel), fd,
                         err)) < 0)
        return rc;
    if (vt_path_fmt(tmp, PATH_MAX, err, "%s/%s", dir, rel) < 0) {
        /* (not reached: rel fits NAME_MAX beside dir, which fits PATH_MAX) */
        close(*fd);
        *fd = -1;
        return -ENAMETOOLONG;
    }
    if (exists)
        keep_attributes(*fd, &st);
    return 0;
}

int vt_atomic_begin(struct vt_atomic *a, const char *path, struct vt_err *err)
{
    a->path = path;
    return begin_output(path, NULL, a->dir, a->base, a->tmp, &a->fd, err);
}

int vt_atomic_begin_new(struct vt_atomic *a, const char *path, struct vt_err *err)
{
    a->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    a->path = path;
    a->dir[0] = a->base[0] = '\0';
    if (a->fd < 0)
        return vt_err_set(err, -errno, "%s: cannot create: %s", path, strerror(errno));
    if (vt_path_fmt(a->tmp, sizeof(a->tmp), err, "%s", path) < 0) {
        vt_atomic_abort(a);
        return -ENAMETOOLONG;
    }
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

/* fsync the directory, so that a rename in it is durable. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int vt_atomic_commit(struct vt_atomic *a, struct vt_err *err)
{
    char target[PATH_MAX];
    int e;

    if (fsync(a->fd) < 0) {
        e = errno;
        return vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e));
    }
    if (!a->base[0]) { /* vt_atomic_begin_new: already in place */
        a->tmp[0] = '\0';
        e = close(a->fd) < 0 ? errno : 0;
        a->fd = -1;
        return e ? vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e)) : 0;
    }
    if (vt_path_fmt(target, sizeof(target), err, "%s/%s", a->dir, a->base) < 0)
        return -ENAMETOOLONG;
    /* Renamed while still open and locked: never taken for stale. */
    if (rename(a->tmp, target) < 0) {
        e = errno;
        return vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e));
    }
    a->tmp[0] = '\0';
    e = close(a->fd) < 0 ? errno : 0;
    a->fd = -1;
    sync_dir(a->dir);
    if (e)
        return vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e));
    return 0;
}

void vt_atomic_abort(struct vt_atomic *a)
{
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = '\0';
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
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

/* ---- a directory as a set ----------------------------------------------- */

/* Whether name is one of names, or a temporary name of one (left inside by
 * a writer that wrote the files one by one). */
static bool is_set_member(const char *name, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (!strcmp(name, names[i]) || is_tmp_of(name, names[i]))
            return true;
    return false;
}

/* The directory dfd holds nothing but members of the set. */
static int check_members(int dfd, const char *path, const char *const *names, struct vt_err *err)
{
    struct vt_dir d;
    const char *name;
    int rc = 0;

    if ((rc = vt_dir_open(&d, dfd, ".")) < 0)
        return vt_err_set(err, rc, "%s: cannot list the directory: %s", path, strerror(-rc));
    while ((name = vt_dir_next(&d)))
        if (!is_set_member(name, names)) {
            rc = vt_err_set(err, -EINVAL,
                            "%s: holds '%s', which vtopo did not write there; the directory "
                            "is replaced as a whole, so name a new or empty directory, or one "
                            "vtopo wrote",
                            path, name);
            break;
        }
    vt_dir_close(&d);
    return rc;
}

static int check_members_at(const char *dir, const char *base, const char *path,
                            const char *const *names, struct vt_err *err)
{
    char full[PATH_MAX];
    int fd, rc;

    if (vt_path_fmt(full, sizeof(full), err, "%s/%s", dir, base) < 0)
        return -ENAMETOOLONG;
    if ((fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return vt_err_set(err, -errno, "%s: cannot open the directory: %s", path, strerror(errno));
    rc = check_members(fd, path, names, err);
    close(fd);
    return rc;
}

int vt_dirset_begin(struct vt_dirset *s, const char *path, const char *const *names,
                    struct vt_err *err)
{
    s->path = path;
    s->names = names;
    /* Refuses before any work what commit would refuse (foreign entries). */
    return begin_output(path, names, s->dir, s->base, s->tmp, &s->fd, err);
}

/* Replace dir/base by dir/tmp_base (both in the locked directory dfd): one
 * exchange where the filesystem has it, else two renames (a reader then may
 * find no directory for a moment, but never a mix). The old set ends at
 * *old (relative to dfd), or old is "" when there was none. */
static int swap_in(int dfd, const char *tmp_base, const char *base, char *old, size_t osize)
{
    struct stat st;

    old[0] = '\0';
    if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            return -errno;
        if (renameat2(dfd, tmp_base, dfd, base, RENAME_NOREPLACE) == 0)
            return 0;
        if (errno != EINVAL)
            return -errno;
        return renameat(dfd, tmp_base, dfd, base) < 0 ? -errno : 0; /* no NOREPLACE here */
    }
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (renameat2(dfd, tmp_base, dfd, base, RENAME_EXCHANGE) == 0) {
        snprintf(old, osize, "%s", tmp_base);
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -errno;
    for (int tries = 0; tries < 100; tries++) {
        char sfx[TMP_RANDOM + 1];

        random_suffix(sfx);
        snprintf(old, osize, "%s" TMP_INFIX "%s", base, sfx);
        if (renameat2(dfd, base, dfd, old, RENAME_NOREPLACE) == 0)
            break;
        if (errno != EEXIST && errno != EINVAL) {
            old[0] = '\0';
            return -errno;
        }
        if (errno == EINVAL && renameat(dfd, base, dfd, old) == 0) /* no NOREPLACE either */
            break;
        old[0] = '\0';
    }
    if (!old[0])
        return -EEXIST;
    if (renameat(dfd, tmp_base, dfd, base) < 0) {
        int e = errno;

        renameat(dfd, old, dfd, base); /* put the old set back */
        old[0] = '\0';
        return -e;
    }
    return 0;
}

int vt_dirset_commit(struct vt_dirset *s, struct vt_err *err)
{
    const char *tmp_base = strrchr(s->tmp, '/') + 1;
    char old[NAME_MAX + 32];
    int lock_fd, dfd, rc;

    if (fsync(s->fd) < 0)
        return vt_err_set(err, -errno, "%s: cannot write: %s", s->path, strerror(errno));
    if ((dfd = lock_dir(s->dir, s->path, &lock_fd, err)) < 0)
        return dfd;
    /* Again, under the lock: the directory may have changed since begin. */
    {
        struct stat st;

        if (fstatat(dfd, s->base, &st, 0) == 0 && S_ISDIR(st.st_mode) &&
            (rc = check_members_at(s->dir, s->base, s->path, s->names, err)) < 0) {
            close(dfd);
            return rc;
        }
    }
    rc = swap_in(dfd, tmp_base, s->base, old, sizeof(old));
    if (rc < 0) {
        close(dfd);
        return vt_err_set(err, rc, "%s: cannot put the new directory in place: %s", s->path,
                          strerror(-rc));
    }
    s->tmp[0] = '\0';
    fsync(dfd);
    if (old[0]) {
        /* The old set, now under a temporary name: its files go, and the
         * directory with them unless something foreign appeared there. */
        int ofd = openat(dfd, old, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (ofd >= 0) {
            struct vt_dir d;
            const char *name;

            if (vt_dir_open(&d, ofd, ".") == 0) {
                while ((name = vt_dir_next(&d)))
                    if (is_set_member(name, s->names))
                        unlinkat(ofd, name, 0);
                vt_dir_close(&d);
            }
            close(ofd);
            unlinkat(dfd, old, AT_REMOVEDIR);
        }
    }
    close(dfd); /* the parent's lock */
    close(s->fd);
    s->fd = -1;
    return 0;
}

void vt_dirset_abort(struct vt_dirset *s)
{
    if (s->fd >= 0 && s->tmp[0]) {
        empty_dir(s->fd);
        rmdir(s->tmp);
    }
    s->tmp[0] = '\0';
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

/* ---- paths and listing -------------------------------------------------- */

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
