/* Files the way vtopo reads its inputs and writes its outputs
 * (docs/hardening.md): bounded reads that never block, single files replaced
 * atomically, and directories of files replaced as one set, for callers that
 * write plan directories or read tables of their own. */
#ifndef VTOPO_IO_H
#define VTOPO_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "vtopo/err.h"
#include "vtopo/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Read all of path (read() until EOF, never trusting st_size: sysfs bin
 * attributes report a fixed size) into a NUL-terminated malloc'd buffer.
 * More than max bytes is an error (-EFBIG). The open never blocks: only a
 * regular file is read, or with VT_READ_STREAM also a pipe or socket (e.g.
 * /dev/stdin), which is then read as the stream it is; a FIFO, a device or a
 * directory is refused with a sentence (-EINVAL, -EISDIR). With VT_READ_TEXT
 * the trailing NUL bytes and white space that sysfs files carry are
 * stripped; *len is the length after stripping. Errors carry -errno and name
 * the path.
 */
#define VT_READ_TEXT   1u
#define VT_READ_STREAM 2u
VT_API int vt_read_file(const char *path, size_t max, unsigned flags, char **out, size_t *len,
                        struct vt_err *err);

/* "a FIFO", "a character device", ... for messages. */
VT_API const char *vt_file_type_name(mode_t mode);

/*
 * Outputs never destroy what they write to and are never seen half-written.
 * A path is resolved (symlinks, ".", "..", a trailing slash) to what it
 * names; something other than a regular file (a device such as /dev/null, a
 * FIFO, a directory) is refused, and so is a new name ending in '/'. The new
 * content goes into a temporary name next to the target,
 * ".<name>.vtopo-new.<6 random letters>", which one rename puts in place; a
 * replaced file keeps its mode (and owner, for root), a new one gets 0666
 * less the umask. A temporary name whose writer died (kill -9) is removed by
 * the next write of the same target; no other name ever is.
 */
VT_API int vt_write_file_atomic(const char *path, const void *data, size_t len, struct vt_err *err);

/*
 * A directory of files replaced as one set: the files are written into a new
 * sibling directory ".<name>.vtopo-new.<6 random letters>" (vt_dirset_begin;
 * s->tmp is its path), and commit puts it in place with one renameat2(RENAME_EXCHANGE)
 * of the whole directory (two renames where the filesystem has no exchange;
 * a writer killed between them has the old set put back by the next one),
 * then removes the old set's files. A reader that opens the directory once
 * sees the old set or the new one (and can tell which it read: the old one
 * is no longer what the path names, vt_check_input_add_dir); concurrent
 * writers of one path serialise on a lock of the parent directory, and the
 * last to commit wins whole. An existing path must be a directory holding
 * only names of the set (`names`, NULL-terminated) or temporary names of
 * them, and not a mount point: the directory is replaced as a whole, so
 * anything else in it is refused, never deleted. The parent directory must
 * be writable. A failure, or abort, leaves the old set and no new directory.
 * A signal while waiting for another writer's lock ends the wait (-EINTR).
 */
/* Path and name buffers of struct vt_dirset (Linux's PATH_MAX and
 * NAME_MAX + 1). */
#define VT_IO_PATH_MAX 4096
#define VT_IO_NAME_MAX 256
struct vt_dirset {
    int fd; /* the new directory, open and locked while it is being written */
    const char *path;
    const char *const *names;
    char dir[VT_IO_PATH_MAX];
    char base[VT_IO_NAME_MAX];
    char tmp[VT_IO_PATH_MAX];
};
VT_API int vt_dirset_begin(struct vt_dirset *s, const char *path, const char *const *names,
                           struct vt_err *err);
VT_API int vt_dirset_commit(struct vt_dirset *s, struct vt_err *err);
VT_API void vt_dirset_abort(struct vt_dirset *s);

#ifdef __cplusplus
}
#endif

#endif
