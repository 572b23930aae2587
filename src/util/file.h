/* Bounded whole-file reading and atomic file writing: the internal half
 * (the public half is vtopo/io.h). */
#ifndef VT_UTIL_FILE_H
#define VT_UTIL_FILE_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "vtopo/err.h"
#include "vtopo/io.h"

/* The same for path relative to dirfd (openat); messages name `name`. */
int vt_read_file_at(int dirfd, const char *path, const char *name, size_t max, unsigned flags,
                    char **out, size_t *len, struct vt_err *err);

/* The same in steps: begin (temporary file next to path), write, then commit
 * (fsync, rename) or abort (remove the temporary file). */
struct vt_atomic {
    int fd;
    const char *path;   /* as given, for messages */
    char dir[PATH_MAX]; /* where the target is (symlinks followed) */
    char base[NAME_MAX + 1];
    char tmp[PATH_MAX]; /* the temporary file; "" once renamed or removed */
};
int vt_atomic_begin(struct vt_atomic *a, const char *path, struct vt_err *err);
/* Instead of begin: a new file at path, which must not exist, in a directory
 * no one reads yet (a vt_dirset's): written in place, no rename. */
int vt_atomic_begin_new(struct vt_atomic *a, const char *path, struct vt_err *err);
int vt_atomic_write(struct vt_atomic *a, const void *data, size_t len, struct vt_err *err);
int vt_atomic_commit(struct vt_atomic *a, struct vt_err *err);
void vt_atomic_abort(struct vt_atomic *a);

/* snprintf into buf; -ENAMETOOLONG (with a message) when it does not fit. */
int vt_path_fmt(char *buf, size_t size, struct vt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

bool vt_path_exists(const char *path);

/* Directory listing with a small caller-owned buffer (getdents64), instead of
 * opendir's 32 KiB heap buffer per open directory. "." and ".." are skipped. */
struct vt_dir {
    int fd;
    size_t pos, len;
    char buf[2048] __attribute__((aligned(8)));
};
/* Open path (relative to dirfd, or AT_FDCWD); -errno on failure. */
int vt_dir_open(struct vt_dir *d, int dirfd, const char *path);
/* The next entry's name, or NULL at the end (or on a read error). */
const char *vt_dir_next(struct vt_dir *d);
void vt_dir_close(struct vt_dir *d);

#endif
