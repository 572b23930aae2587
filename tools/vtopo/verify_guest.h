/* The guest side of `vtopo verify`: finding the kernel, busybox and probe,
 * building the initramfs, and booting QEMU (docs/verify.md). */
#ifndef VTOPO_VERIFY_GUEST_H
#define VTOPO_VERIFY_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/err.h"
#include "vtopo/vmm.h"

/* What a verify boot needs from the machine. */
struct verify_assets {
    char *kernel;  /* bzImage */
    char *busybox; /* a static busybox */
    char *probe;   /* the static vtopo-probe */
    char *vtopo;   /* the static vtopo-guest, for --irq-apply; else NULL */
    char *qemu;    /* qemu-system-x86_64 */
};

/* Find them: kernel_opt (--kernel) or $VTOPO_KERNEL or the cache that
 * scripts/fetch-guest-kernel.sh fills; $VTOPO_BUSYBOX or busybox-static's
 * /bin/busybox; $VTOPO_PROBE or vtopo-probe next to this executable (or in
 * ../libexec/vtopo); $VTOPO_QEMU or qemu-system-x86_64 on the PATH. Each one
 * missing is one sentence saying how to get it; -EINVAL for a bad --kernel,
 * -ENOENT for anything else missing. */
int verify_find_assets(const char *kernel_opt, bool irq, struct verify_assets *a,
                       struct vt_err *err);
void verify_assets_free(struct verify_assets *a);

/* Write a newc initramfs at path: /init (a busybox sh script that mounts
 * /proc and /sys, runs the probe and powers off), /bin/busybox,
 * /bin/vtopo-probe, /dev/console, and /bin/vtopo when a->vtopo is set.
 * Returns its size in *size. */
int verify_write_initramfs(const struct verify_assets *a, const char *path, size_t *size,
                           struct vt_err *err);

enum verify_boot_status {
    VERIFY_BOOT_DONE,    /* QEMU exited after the guest powered off */
    VERIFY_BOOT_TIMEOUT, /* killed after the timeout */
    VERIFY_BOOT_FAILED,  /* QEMU exited with an error before the kernel ran */
};

struct verify_boot {
    enum verify_boot_status status;
    bool hook_failed; /* the hook returned an error (hook_err) */
    struct vt_err hook_err;
    int exit_code; /* QEMU's exit status (-1 when killed) */
    char *console; /* everything QEMU and the guest printed (malloc'd) */
    size_t console_len;
    bool kernel_started; /* "Linux version" was seen */
    double seconds;
};

/* Boot QEMU with argv (NULL-terminated) and collect its console; progress
 * goes to stderr unless quiet. A KVM boot that prints nothing within
 * kvm_grace seconds counts as failed (0 = no such limit). */
/* Something to do once, when the console first shows marker (e.g. hot-plug
 * a device after the first probe: "VTP end"). */
struct verify_hook {
    const char *marker, *what; /* what: the progress line's words */
    int (*fn)(void *ctx, struct vt_err *err);
    void *ctx;
};
int verify_boot_run(char *const *argv, unsigned timeout_s, unsigned kvm_grace_s, bool quiet,
                    const struct verify_hook *hook, struct verify_boot *b, struct vt_err *err);
/* Send QMP commands (each a JSON object) to the QEMU listening on
 * socket_path, after the capabilities negotiation; each must succeed. */
int verify_qmp(const char *socket_path, const struct vt_strlist *commands, struct vt_err *err);
void verify_boot_free(struct verify_boot *b);

#endif
