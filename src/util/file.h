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
int read_file_at(int dirfd, const char *path, const char *name, size_t max, unsigned flags,
                 char **out, size_t *len, struct vt_err *err);

/* The same in steps: begin (temporary file next to path), write, then commit
 * (fsync, rename) or abort (remove the temporary file). */
struct atomic_file {
    int fd;
    const char *path;   /* as given, for messages */
    char dir[PATH_MAX]; /* where the target is (symlinks followed) */
    char base[NAME_MAX + 1];
    char tmp[PATH_MAX]; /* the temporary file; "" once renamed or removed */
};
int atomic_file_begin(struct atomic_file *a, const char *path, struct vt_err *err);
/* Instead of begin: a new file at path, which must not exist, in a directory
 * no one reads yet (a vt_dirset's): written in place, no rename. */
int atomic_file_begin_new(struct atomic_file *a, const char *path, struct vt_err *err);
int atomic_file_write(struct atomic_file *a, const void *data, size_t len, struct vt_err *err);
int atomic_file_commit(struct atomic_file *a, struct vt_err *err);
void atomic_file_abort(struct atomic_file *a);

/* snprintf into buf; -ENAMETOOLONG (with a message) when it does not fit. */
int path_fmt(char *buf, size_t size, struct vt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

bool path_exists(const char *path);

/* Directory listing with a small caller-owned buffer (getdents64), instead of
 * opendir's 32 KiB heap buffer per open directory. "." and ".." are skipped. */
struct dir_reader {
    int fd;
    size_t pos, len;
    char buf[2048] __attribute__((aligned(8)));
};
/* Open path (relative to dirfd, or AT_FDCWD); -errno on failure. */
int dir_reader_open(struct dir_reader *d, int dirfd, const char *path);
/* The next entry's name, or NULL at the end (or on a read error). */
const char *dir_reader_next(struct dir_reader *d);
void dir_reader_close(struct dir_reader *d);

#endif
