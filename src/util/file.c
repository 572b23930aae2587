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
    return read_file_at(AT_FDCWD, path, path, max, flags, out, len, err);
}

/* Open an input without blocking (a FIFO without a writer would block open()
 * forever) and accept only what can be read to its end: a regular file, or
 * with VT_READ_STREAM a pipe or socket, which then blocks as a stream does. */
static int open_input(int dirfd, const char *relpath, const char *path, size_t max, unsigned flags,
                      size_t *size_hint, struct vt_err *err)
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
        /* A sysfs text attribute says 4096 (a page) whatever it holds, procfs
         * 0: the size is a bound, and every kind's limit is above a page. */
        if ((uint64_t)st.st_size > max) {
            close(fd);
            return vt_err_set(err, -EFBIG, "%s: larger than the limit of %zu bytes", path, max);
        }
        *size_hint = (size_t)st.st_size;
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

int read_file_at(int dirfd, const char *relpath, const char *path, size_t max, unsigned flags,
                 char **out, size_t *len, struct vt_err *err)
{
    size_t cap = 4096, n = 0, hint = 0;
    char *buf;
    int fd = open_input(dirfd, relpath, path, max, flags, &hint, err);

    if (fd < 0)
        return fd;
    /* A regular file's size, when it has one, is the first guess: a 4 GiB
     * image then takes 4 GiB, not the 8 that doubling would ask for. */
    if (hint >= cap)
        cap = hint + 2;
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
 * Every output is first written under a temporary name beside its target,
 * ".<name>.vtopo-new.<6 random letters>", held with flock(LOCK_EX) while its
 * writer lives; where a filesystem cannot exchange two directories, the
 * replaced set waits under ".<name>.vtopo-old.<6 random letters>" until the
 * new one is in place. The next write of the same target removes such names
 * whose writer died (nobody holds the lock): of a file, the file; of a
 * directory, only the set's own files, and the directory when nothing else
 * is left in it. Nothing else is ever removed: no other name, and nothing a
 * user put inside such a directory. An old set whose target is missing (a
 * writer killed between the two renames) is put back instead.
 */
#define TMP_NEW    "new"
#define TMP_OLD    "old"
#define TMP_RANDOM 6
/* A temporary name is the target's and 18 bytes more; its buffer has room. */
#define TMP_EXTRA    18
#define TMP_NAME_MAX (NAME_MAX + TMP_EXTRA + 1)

static const char tmp_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Whether name is ".<base>.vtopo-<kind>.<6 random letters>". */
static bool is_tmp_of(const char *name, const char *base, const char *kind)
{
    size_t blen = strlen(base), klen = strlen(kind);
    const char *p = name;

    if (*p++ != '.' || strncmp(p, base, blen) != 0)
        return false;
    p += blen;
    if (strncmp(p, ".vtopo-", 7) != 0 || strncmp(p + 7, kind, klen) != 0 || p[7 + klen] != '.')
        return false;
    p += 8 + klen;
    if (strlen(p) != TMP_RANDOM)
        return false;
    for (; *p; p++)
        if (!strchr(tmp_chars, *p))
            return false;
    return true;
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

/* A new temporary name of base, of a kind, into name (TMP_NAME_MAX). */
static void tmp_name(char *name, const char *base, const char *kind)
{
    char sfx[TMP_RANDOM + 1];

    random_suffix(sfx);
    snprintf(name, TMP_NAME_MAX, ".%.*s.vtopo-%.3s.%s", NAME_MAX, base, kind, sfx);
}

/* Whether name is one of names, or a temporary name of one (a file of the
 * set written on its own, vt_write_file_atomic, by a writer that died). */
static bool is_set_member(const char *name, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (!strcmp(name, names[i]) || is_tmp_of(name, names[i], TMP_NEW))
            return true;
    return false;
}

/*
 * What an output at path replaces: with symlinks, ".", ".." and a trailing
 * slash resolved, the directory it is in (dir) and its name there (base),
 * and *st when it exists. Refuses what is of another type (a device, a FIFO,
 * a directory where a file goes): writing there must never replace it.
 */
static int resolve_output(const char *path, bool want_dir, char *dir, char *base, struct stat *st,
                          bool *exists, struct vt_err *err)
{
    size_t len = strlen(path), nlen;
    char parent[PATH_MAX], *real, *slash;
    const char *name;
    int rc;

    *exists = false;
    if (!len)
        return vt_err_set(err, -EINVAL, "an empty file name: name the output");
    *exists = lstat(path, st) == 0;
    if (!*exists && errno != ENOENT)
        return vt_err_set(err, -errno, "%s: %s", path, strerror(errno));
    if (*exists) {
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
        if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
            free(real);
            return vt_err_set(
                err, want_dir ? -ENOTDIR : -EINVAL, "%s: %s, not a %s; vtopo replaces only %s",
                path, S_ISREG(st->st_mode) ? "a regular file" : vt_file_type_name(st->st_mode),
                want_dir ? "directory" : "regular file",
                want_dir ? "directories it wrote" : "regular files");
        }
        slash = strrchr(real, '/');
        if (slash == real && !real[1]) {
            free(real);
            return vt_err_set(err, -EINVAL, "%s: the root directory cannot be replaced", path);
        }
        snprintf(dir, PATH_MAX, "%.*s", slash == real ? 1 : (int)(slash - real), real);
        name = slash + 1;
        nlen = strlen(name);
    } else {
        /* A new name: its parent must exist; the name is the last component. */
        if (len && path[len - 1] == '/' && !want_dir)
            return vt_err_set(err, -EINVAL, "%s: names a directory, not a file", path);
        while (len > 1 && path[len - 1] == '/')
            len--;
        slash = memrchr(path, '/', len);
        if (path_fmt(parent, sizeof(parent), err, "%.*s",
                     !slash || slash == path ? 1 : (int)(slash - path), slash ? path : ".") < 0)
            return -ENAMETOOLONG;
        if (!(real = realpath(parent, NULL)))
            return vt_err_set(err, -errno, "%s: cannot write into %s: %s", path, parent,
                              strerror(errno));
        snprintf(dir, PATH_MAX, "%s", real);
        name = slash ? slash + 1 : path;
        nlen = len - (size_t)(name - path);
    }
    rc = nlen > NAME_MAX - TMP_EXTRA
             ? vt_err_set(err, -ENAMETOOLONG,
                          "%s: the name is too long (at most %d bytes: its temporary name is "
                          "%d more)",
                          path, NAME_MAX - TMP_EXTRA, TMP_EXTRA)
             : 0;
    if (rc == 0)
        snprintf(base, NAME_MAX + 1, "%.*s", (int)nlen, name);
    free(real);
    return rc;
}

/* The directory dir, open, and locked exclusively. A filesystem without
 * flock leaves it unlocked (*locked false): writing then goes on without the
 * cleanup of stale names. A signal while waiting for another writer ends the
 * wait: -EINTR, so that Ctrl-C stops a writer stuck behind another. */
static int lock_dir(const char *dir, const char *path, bool *locked, struct vt_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    *locked = false;
    if (fd < 0)
        return vt_err_set(err, -errno, "%s: cannot write into %s: %s", path, dir, strerror(errno));
    if (flock(fd, LOCK_EX) == 0) {
        *locked = true;
    } else if (errno == EINTR) {
        close(fd);
        return vt_err_set(err, -EINTR,
                          "%s: interrupted while waiting for another writer in %s to finish", path,
                          dir);
    }
    return fd;
}

/* Remove the set's files from the directory fd; then the directory itself
 * (name in dfd) when nothing else is in it. */
static void remove_set(int dfd, const char *name, int fd, const char *const *names)
{
    struct dir_reader d;
    const char *entry;

    if (dir_reader_open(&d, fd, ".") == 0) {
        while ((entry = dir_reader_next(&d)))
            if (is_set_member(entry, names))
                unlinkat(fd, entry, 0);
        dir_reader_close(&d);
    }
    unlinkat(dfd, name, AT_REMOVEDIR); /* fails, harmlessly, on anything left */
}

/*
 * What dead writers of base left in the directory dfd: with names (a set,
 * dfd locked), an old set is put back where the target is missing, and the
 * other sets lose their files (the directories go when empty); without (a
 * file), a regular temporary file goes. Only names nobody holds locked.
 */
static void remove_stale(int dfd, const char *base, const char *const *names)
{
    for (int pass = 0; pass < 2; pass++) {
        struct dir_reader d;
        const char *name;

        if (dir_reader_open(&d, dfd, ".") < 0)
            return;
        while ((name = dir_reader_next(&d))) {
            bool old = names && is_tmp_of(name, base, TMP_OLD);
            struct stat st;
            int fd;

            /* Pass 0 restores old sets, pass 1 removes the rest. */
            if (pass == 0 ? !old : !old && !is_tmp_of(name, base, TMP_NEW))
                continue;
            fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
            if (fd < 0)
                continue;
            if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0) {
                if (names && S_ISDIR(st.st_mode)) {
                    if (pass == 0 && faccessat(dfd, base, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
                        renameat(dfd, name, dfd, base);
                    else
                        remove_set(dfd, name, fd, names);
                } else if (!names && S_ISREG(st.st_mode)) {
                    unlinkat(dfd, name, 0);
                }
            }
            close(fd);
        }
        dir_reader_close(&d);
    }
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

/* A new temporary name of base in tmp (TMP_NAME_MAX): fn makes it, or
 * returns -EEXIST to try another. */
static int make_tmp(const char *base, char *tmp, int (*fn)(const char *name, void *ctx), void *ctx)
{
    int rc = -EEXIST;

    for (int tries = 0; tries < 100 && rc == -EEXIST; tries++) {
        tmp_name(tmp, base, TMP_NEW);
        rc = fn(tmp, ctx);
    }
    return rc;
}

/*
 * Create the temporary name of base in dir (a file, or a directory when
 * names is a set's members) with mode (less the umask, as any new file),
 * open and locked in *fd, its name in tmp (TMP_NAME_MAX); stale names of base
 * are dealt with first.
 *
 * A file is made unnamed (O_TMPFILE), locked, then linked to its name, so it
 * is never seen unlocked and no directory lock is needed (a file written
 * inside a set being written must not wait for the set's own lock). Where
 * the filesystem has no O_TMPFILE, the file is named first and locked next,
 * and stale names are left alone, since one could be a writer's between the
 * two. A directory cannot be made locked, so it is made, and stale names
 * dealt with, with dir locked.
 */
static int create_tmp(const char *path, const char *dir, const char *base, const char *const *names,
                      char *tmp, int *fd, struct vt_err *err)
{
    struct tmp_ctx c = {-1, -1, names ? 0777 : 0666};
    bool locked = false;
    int rc;

    *fd = -1;
    if (names) {
        if ((c.dfd = lock_dir(dir, path, &locked, err)) < 0)
            return c.dfd;
        if (locked)
            remove_stale(c.dfd, base, names);
        rc = make_tmp(base, tmp, create_dir, &c);
    } else if ((c.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        return vt_err_set(err, -errno, "%s: cannot write into %s: %s", path, dir, strerror(errno));
    } else if ((c.fd = openat(c.dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, c.mode)) >= 0) {
        flock(c.fd, LOCK_EX);
        remove_stale(c.dfd, base, NULL);
        if ((rc = make_tmp(base, tmp, link_tmpfile, &c)) < 0) {
            close(c.fd);
            c.fd = -1;
        }
    } else {
        rc = make_tmp(base, tmp, create_file, &c);
    }
    close(c.dfd);
    if (rc < 0)
        return vt_err_set(err, rc,
                          "%s: cannot make the new %s beside it in %s: %s (the directory must be "
                          "writable)",
                          path, names ? "directory" : "file", dir, strerror(-rc));
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

/* The directory dir/base holds nothing but members of the set. */
static int check_members(const char *dir, const char *base, const char *path,
                         const char *const *names, struct vt_err *err)
{
    char full[PATH_MAX];
    struct dir_reader d;
    const char *name;
    int rc;

    if (path_fmt(full, sizeof(full), err, "%s/%s", dir, base) < 0)
        return -ENAMETOOLONG;
    if ((rc = dir_reader_open(&d, AT_FDCWD, full)) < 0)
        return vt_err_set(err, rc, "%s: cannot list the directory: %s", path, strerror(-rc));
    while ((name = dir_reader_next(&d)))
        if (!is_set_member(name, names)) {
            rc = vt_err_set(err, -EINVAL,
                            "%s: holds '%s', which is not one of its files; the directory is "
                            "replaced as a whole, so name a new or empty directory, or one "
                            "written as this one is",
                            path, name);
            break;
        }
    dir_reader_close(&d);
    return rc;
}

/*
 * Where an output at path goes (dir, base) and its temporary name (tmp, a
 * path; *fd open and locked), for a file, or for a directory set when names
 * is its members. What the output may not replace is refused first: for a
 * set, also a directory holding anything else, and a mount point (it cannot
 * be renamed). A replaced one's mode (and owner) carries over.
 */
static int begin_output(const char *path, const char *const *names, char *dir, char *base,
                        char *tmp, int *fd, struct vt_err *err)
{
    char rel[TMP_NAME_MAX];
    struct stat st, pst;
    bool exists;
    int rc;

    *fd = -1;
    tmp[0] = '\0';
    if ((rc = resolve_output(path, names != NULL, dir, base, &st, &exists, err)) < 0)
        return rc;
    if (exists && names) {
        if (stat(dir, &pst) == 0 && pst.st_dev != st.st_dev)
            return vt_err_set(err, -EINVAL,
                              "%s: a mount point; the directory is replaced as a whole, so "
                              "name a directory inside it",
                              path);
        if ((rc = check_members(dir, base, path, names, err)) < 0)
            return rc;
    }
    if ((rc = create_tmp(path, dir, base, names, rel, fd, err)) < 0)
        return rc;
    snprintf(tmp, PATH_MAX, "%s/%s", dir, rel); /* fits: rel is a name beside base */
    if (exists)
        keep_attributes(*fd, &st);
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

/* ---- one file ----------------------------------------------------------- */

int atomic_file_begin(struct atomic_file *a, const char *path, struct vt_err *err)
{
    a->path = path;
    return begin_output(path, NULL, a->dir, a->base, a->tmp, &a->fd, err);
}

int atomic_file_begin_new(struct atomic_file *a, const char *path, struct vt_err *err)
{
    a->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    a->path = path;
    a->dir[0] = a->base[0] = '\0';
    if (a->fd < 0)
        return vt_err_set(err, -errno, "%s: cannot create: %s", path, strerror(errno));
    if (path_fmt(a->tmp, sizeof(a->tmp), err, "%s", path) < 0) {
        atomic_file_abort(a);
        return -ENAMETOOLONG;
    }
    return 0;
}

int atomic_file_write(struct atomic_file *a, const void *data, size_t len, struct vt_err *err)
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

int atomic_file_commit(struct atomic_file *a, struct vt_err *err)
{
    char target[PATH_MAX];
    int e;

    if (fsync(a->fd) < 0) {
        e = errno;
        return vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e));
    }
    if (!a->base[0]) { /* atomic_file_begin_new: already in place */
        a->tmp[0] = '\0';
        e = close(a->fd) < 0 ? errno : 0;
        a->fd = -1;
        return e ? vt_err_set(err, -e, "%s: cannot write: %s", a->path, strerror(e)) : 0;
    }
    if (path_fmt(target, sizeof(target), err, "%s/%s", a->dir, a->base) < 0)
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

void atomic_file_abort(struct atomic_file *a)
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
    struct atomic_file a;
    int rc;

    if ((rc = atomic_file_begin(&a, path, err)) < 0)
        return rc;
    if ((rc = atomic_file_write(&a, data, len, err)) < 0 || (rc = atomic_file_commit(&a, err)) < 0)
        atomic_file_abort(&a);
    return rc;
}

/* ---- a directory as a set ----------------------------------------------- */

int vt_dirset_begin(struct vt_dirset *s, const char *path, const char *const *names,
                    struct vt_err *err)
{
    s->path = path;
    s->names = names;
    return begin_output(path, names, s->dir, s->base, s->tmp, &s->fd, err);
}

/*
 * Replace base by tmp_base (both in the locked directory dfd): one exchange
 * where the filesystem has it, else two renames, the old set first under an
 * "old" name (a reader may then find no directory for a moment, but never a
 * mix; a writer killed between them has its old set put back by the next).
 * The replaced set ends at old (TMP_NAME_MAX, relative to dfd), or old is ""
 * when there was none.
 */
static int swap_in(int dfd, const char *tmp_base, const char *base, char *old)
{
    int rc = -EEXIST;

    old[0] = '\0';
    if (faccessat(dfd, base, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            return -errno;
        if (renameat2(dfd, tmp_base, dfd, base, RENAME_NOREPLACE) == 0)
            return 0;
        if (errno != EINVAL)
            return -errno;
        return renameat(dfd, tmp_base, dfd, base) < 0 ? -errno : 0; /* no NOREPLACE here */
    }
    if (renameat2(dfd, tmp_base, dfd, base, RENAME_EXCHANGE) == 0) {
        snprintf(old, TMP_NAME_MAX, "%s", tmp_base);
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -errno;
    for (int tries = 0; tries < 100 && rc == -EEXIST; tries++) {
        tmp_name(old, base, TMP_OLD);
        if (faccessat(dfd, old, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        rc = renameat(dfd, base, dfd, old) < 0 ? -errno : 0;
    }
    if (rc < 0) {
        old[0] = '\0';
        return rc;
    }
    if (renameat(dfd, tmp_base, dfd, base) < 0) {
        rc = -errno;
        renameat(dfd, old, dfd, base); /* put the old set back */
        old[0] = '\0';
        return rc;
    }
    return 0;
}

int vt_dirset_commit(struct vt_dirset *s, struct vt_err *err)
{
    const char *tmp_base = strrchr(s->tmp, '/') + 1;
    char old[TMP_NAME_MAX];
    bool locked;
    int dfd, rc;

    if (fsync(s->fd) < 0)
        return vt_err_set(err, -errno, "%s: cannot write: %s", s->path, strerror(errno));
    if ((dfd = lock_dir(s->dir, s->path, &locked, err)) < 0)
        return dfd;
    /* Again, under the lock: the directory may have changed since begin. */
    {
        struct stat st;

        if (fstatat(dfd, s->base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
            (rc = check_members(s->dir, s->base, s->path, s->names, err)) < 0) {
            close(dfd);
            return rc;
        }
    }
    rc = swap_in(dfd, tmp_base, s->base, old);
    if (rc < 0) {
        close(dfd);
        return vt_err_set(err, rc, "%s: cannot put the new directory in place: %s", s->path,
                          strerror(-rc));
    }
    s->tmp[0] = '\0';
    fsync(dfd);
    if (old[0]) {
        /* The old set, now under a temporary name: its files go, and the
         * directory with them unless something else is in it. */
        int ofd = openat(dfd, old, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (ofd >= 0) {
            remove_set(dfd, old, ofd, s->names);
            close(ofd);
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
        struct dir_reader d;
        const char *name;

        /* Only what the writer put there: the set's files. */
        if (dir_reader_open(&d, s->fd, ".") == 0) {
            while ((name = dir_reader_next(&d)))
                if (is_set_member(name, s->names))
                    unlinkat(s->fd, name, 0);
            dir_reader_close(&d);
        }
        rmdir(s->tmp);
    }
    s->tmp[0] = '\0';
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

/* ---- paths and listing -------------------------------------------------- */

int path_fmt(char *buf, size_t size, struct vt_err *err, const char *fmt, ...)
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

bool path_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int dir_reader_open(struct dir_reader *d, int dirfd, const char *path)
{
    d->pos = d->len = 0;
    d->fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return d->fd < 0 ? -errno : 0;
}

const char *dir_reader_next(struct dir_reader *d)
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

void dir_reader_close(struct dir_reader *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}
