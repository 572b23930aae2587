/* Bounded whole-file reading and atomic file writing (internal). */
#ifndef VT_UTIL_FILE_H
#define VT_UTIL_FILE_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>

#include "vtopo/err.h"

/*
 * Read all of path (read() until EOF, never trusting st_size: sysfs bin
 * attributes report a fixed size) into a NUL-terminated malloc'd buffer.
 * More than max bytes is an error. With VT_READ_TEXT the trailing NUL bytes
 * and white space that sysfs files carry are stripped; *len is the length
 * after stripping. Errors carry -errno and name the path.
 */
#define VT_READ_TEXT 1u
int vt_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
                 struct vt_err *err);
/* The same for path relative to dirfd (openat); messages name `name`. */
int vt_read_file_at(int dirfd, const char *path, const char *name, size_t max, unsigned flags,
                    char **out, size_t *len, struct vt_err *err);

/* Write data to path atomically: a temporary file in the same directory,
 * fsync, rename. On failure nothing is left behind and path is untouched. */
int vt_write_file_atomic(const char *path, const void *data, size_t len, struct vt_err *err);

/* The same in steps, so that several files are written first and renamed
 * into place last: begin (temporary file next to path), write, then commit
 * (fsync, close, rename) or abort (remove the temporary file). */
struct vt_atomic {
    int fd;
    const char *path;
    char tmp[PATH_MAX];
};
int vt_atomic_begin(struct vt_atomic *a, const char *path, struct vt_err *err);
int vt_atomic_write(struct vt_atomic *a, const void *data, size_t len, struct vt_err *err);
/* fsync and close, leaving the rename for vt_atomic_commit. */
int vt_atomic_close(struct vt_atomic *a, struct vt_err *err);
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
