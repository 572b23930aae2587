/* The guest side of `vtopo verify`: assets, the initramfs (cpio "newc", as
 * the kernel's initramfs-buffer-format.rst describes), and the QEMU boot. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "verify_guest.h"

/* ---- assets ---------------------------------------------------------------- */

static char *cache_dir(void)
{
    const char *env = getenv("VTOPO_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
               *home = getenv("HOME");
    char *dir = NULL;

    if (env && *env)
        dir = strdup(env);
    else if (xdg && *xdg && asprintf(&dir, "%s/vtopo", xdg) < 0)
        dir = NULL;
    else if (!(xdg && *xdg) &&
             asprintf(&dir, "%s/.cache/vtopo", home && *home ? home : "/root") < 0)
        dir = NULL;
    return dir;
}

static bool is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A static ELF executable: no PT_INTERP program header. */
static bool is_static_elf(const char *path)
{
    unsigned char h[64], ph[56];
    uint64_t phoff;
    uint16_t phentsize, phnum;
    bool ok = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return false;
    if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h, "\177ELF", 4) != 0 ||
        h[4] != 2 /* 64-bit */)
        goto out;
    phoff = (uint64_t)h[32] | (uint64_t)h[33] << 8 | (uint64_t)h[34] << 16 | (uint64_t)h[35] << 24 |
            (uint64_t)h[36] << 32 | (uint64_t)h[37] << 40;
    phentsize = (uint16_t)(h[54] | h[55] << 8);
    phnum = (uint16_t)(h[56] | h[57] << 8);
    if (phentsize < sizeof(ph))
        goto out;
    ok = true;
    for (unsigned i = 0; i < phnum; i++) {
        if (pread(fd, ph, sizeof(ph), (off_t)(phoff + (uint64_t)i * phentsize)) !=
            (ssize_t)sizeof(ph)) {
            ok = false;
            break;
        }
        if ((ph[0] | ph[1] << 8 | ph[2] << 16 | (unsigned)ph[3] << 24) == 3 /* PT_INTERP */) {
            ok = false;
            break;
        }
    }
out:
    close(fd);
    return ok;
}

static char *self_dir(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    char *slash;

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    if (!(slash = strrchr(buf, '/')))
        return NULL;
    *slash = '\0';
    return strdup(buf);
}

static char *find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    char *copy, *dir, *save, *found = NULL;

    if (!path || !(copy = strdup(path)))
        return NULL;
    for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *p;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
            break;
        if (access(p, X_OK) == 0)
            found = p;
        else
            free(p);
    }
    free(copy);
    return found;
}

static int find_kernel(const char *opt, char **out, struct vt_err *err)
{
    const char *env = getenv("VTOPO_KERNEL");
    char *cache, *p = NULL;

    if (opt || (env && *env)) {
        const char *path = opt ? opt : env;
        struct stat st;

        if (stat(path, &st) < 0)
            return vt_err_set(err, opt ? -EINVAL : -ENOENT, "%s %s: no such kernel image",
                              opt ? "--kernel" : "VTOPO_KERNEL", path);
        if (!S_ISREG(st.st_mode))
            return vt_err_set(err, opt ? -EINVAL : -ENOENT, "%s %s: %s, not a kernel image",
                              opt ? "--kernel" : "VTOPO_KERNEL", path,
                              vt_file_type_name(st.st_mode));
        return (*out = strdup(path)) ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (!(cache = cache_dir()) || asprintf(&p, "%s/kernel/vmlinuz", cache) < 0) {
        free(cache);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    free(cache);
    if (!is_file(p)) {
        vt_err_set(err, -ENOENT,
                   "no guest kernel: %s is missing (run scripts/fetch-guest-kernel.sh, which "
                   "downloads Debian's linux-image-cloud-amd64 there, or give --kernel)",
                   p);
        free(p);
        return -ENOENT;
    }
    *out = p;
    return 0;
}

static int find_busybox(char **out, struct vt_err *err)
{
    static const char *const candidates[] = {"/bin/busybox", "/usr/bin/busybox"};
    const char *env = getenv("VTOPO_BUSYBOX");

    if (env && *env) {
        if (!is_static_elf(env))
            return vt_err_set(err, -ENOENT, "VTOPO_BUSYBOX %s: not a static x86-64 executable",
                              env);
        return (*out = strdup(env)) ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
        if (is_static_elf(candidates[i]))
            return (*out = strdup(candidates[i])) ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
    return vt_err_set(err, -ENOENT,
                      "no static busybox in /bin or /usr/bin (install Debian's busybox-static: "
                      "scripts/install-deps.sh guest, or set VTOPO_BUSYBOX)");
}

/* A static helper next to vtopo, or in ../libexec/vtopo, or named by env. */
static int find_helper(const char *name, const char *env_name, char **out, struct vt_err *err)
{
    const char *env = getenv(env_name);
    char *dir = self_dir(), *p = NULL;

    if (env && *env) {
        free(dir);
        if (!is_static_elf(env))
            return vt_err_set(err, -ENOENT, "%s %s: not a static x86-64 executable", env_name, env);
        return (*out = strdup(env)) ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (dir && asprintf(&p, "%s/%s", dir, name) >= 0 && is_static_elf(p)) {
        free(dir);
        *out = p;
        return 0;
    }
    free(p);
    p = NULL;
    if (dir && asprintf(&p, "%s/../libexec/vtopo/%s", dir, name) >= 0 && is_static_elf(p)) {
        free(dir);
        *out = p;
        return 0;
    }
    free(p);
    free(dir);
    return vt_err_set(err, -ENOENT,
                      "the guest's %s is neither next to vtopo nor in ../libexec/vtopo (build it "
                      "with the project, or set %s)",
                      name, env_name);
}

int verify_find_assets(const char *kernel_opt, bool irq, struct verify_assets *a,
                       struct vt_err *err)
{
    const char *qemu = getenv("VTOPO_QEMU");
    int rc;

    memset(a, 0, sizeof(*a));
    if ((rc = find_kernel(kernel_opt, &a->kernel, err)) < 0 ||
        (rc = find_busybox(&a->busybox, err)) < 0 ||
        (rc = find_helper("vtopo-probe", "VTOPO_PROBE", &a->probe, err)) < 0 ||
        (irq && (rc = find_helper("vtopo-guest", "VTOPO_GUEST", &a->vtopo, err)) < 0))
        goto fail;
    if (qemu && *qemu)
        a->qemu = strdup(qemu);
    else if (!(a->qemu = find_in_path("qemu-system-x86_64"))) {
        rc = vt_err_set(err, -ENOENT,
                        "qemu-system-x86_64 is not on the PATH (install Debian's "
                        "qemu-system-x86: scripts/install-deps.sh guest, or set VTOPO_QEMU)");
        goto fail;
    }
    if (!a->qemu) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto fail;
    }
    return 0;
fail:
    verify_assets_free(a);
    return rc;
}

void verify_assets_free(struct verify_assets *a)
{
    free(a->kernel);
    free(a->busybox);
    free(a->probe);
    free(a->vtopo);
    free(a->qemu);
    memset(a, 0, sizeof(*a));
}

/* ---- initramfs ------------------------------------------------------------- */

/* The probe, and with vtopo.hotplug on the kernel command line (verify
 * --hot-add, --hot-remove) the probe again once the PCI devices change
 * (verify hot-plugs one after the first probe's end; at most 120 s). With
 * vtopo.irq (verify --irq-apply): vtopo plans the guest's movable vectors
 * (debugfs mounted, so managed ones are known where the kernel has irq
 * debugfs), applies the plan (each line of its report as "VTP apply ..."),
 * every NVMe controller is rescanned (its admin commands make its written
 * vectors fire, which is when x86 moves them) and the probe runs again; then
 * either the restore file is put back ("VTP restore ...") and the probe runs
 * a third time, or, with vtopo.hotplug too (--hot-remove), "VTP irq applied"
 * starts the hot-plug, the probe runs after it and vtopo re-plans against
 * its first plan ("VTP replan ..."). */
static const char init_script[] =
    "#!/bin/busybox sh\n"
    "/bin/busybox mount -t proc proc /proc\n"
    "/bin/busybox mount -t sysfs sysfs /sys\n"
    "/bin/vtopo-probe\n"
    "hotplug=; irq=\n"
    "/bin/busybox grep -q vtopo.hotplug /proc/cmdline && hotplug=1\n"
    "/bin/busybox grep -q vtopo.irq /proc/cmdline && irq=1\n"
    "if [ -n \"$irq\" ]; then\n"
    "  /bin/busybox mount -t debugfs debugfs /sys/kernel/debug\n"
    "  /bin/vtopo irq plan -q --out /irq-plan.json 2>&1 | /bin/busybox sed -n 's/^vtopo/VTP "
    "irqerr vtopo/p'\n"
    "  /bin/vtopo irq apply /irq-plan.json --yes -q 2>&1 | /bin/busybox sed 's/^/VTP apply /'\n"
    "  for f in /sys/class/nvme/*/rescan_controller; do [ -e \"$f\" ] && echo 1 > \"$f\"; done\n"
    "  /bin/busybox sleep 1\n"
    "  /bin/vtopo-probe\n"
    "  if [ -z \"$hotplug\" ]; then\n"
    "    /bin/vtopo irq restore /irq-plan.json.restore --yes -q 2>&1 |\n"
    "      /bin/busybox sed 's/^/VTP restore /'\n"
    "    /bin/vtopo-probe\n"
    "  fi\n"
    "  echo 'VTP irq applied'\n"
    "fi\n"
    "if [ -n \"$hotplug\" ]; then\n"
    "  n=$(/bin/busybox ls /sys/bus/pci/devices | /bin/busybox wc -l)\n"
    "  i=0\n"
    "  while [ \"$(/bin/busybox ls /sys/bus/pci/devices | /bin/busybox wc -l)\" = \"$n\" ] &&\n"
    "        [ $i -lt 1200 ]; do\n"
    "    /bin/busybox sleep 0.1\n"
    "    i=$((i + 1))\n"
    "  done\n"
    "  /bin/busybox sleep 1\n"
    "  /bin/vtopo-probe\n"
    "  if [ -n \"$irq\" ]; then\n"
    "    /bin/vtopo irq plan -q --previous /irq-plan.json 2>&1 |\n"
    "      /bin/busybox sed 's/^/VTP replan /'\n"
    "  fi\n"
    "fi\n"
    "/bin/busybox poweroff -f\n";

static void cpio_entry(FILE *b, unsigned ino, unsigned mode, unsigned rdev_major,
                       unsigned rdev_minor, const char *name, const void *data, size_t len)
{
    static const char zeros[4] = {0};
    size_t namesize = strlen(name) + 1;

    fprintf(b, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", ino, mode, 0u, 0u,
            1u, 0u, len, 0u, 0u, rdev_major, rdev_minor, namesize, 0u);
    fwrite(name, 1, namesize, b);
    fwrite(zeros, 1, (4 - (110 + namesize) % 4) % 4, b);
    if (len)
        fwrite(data, 1, len, b);
    fwrite(zeros, 1, (4 - len % 4) % 4, b);
}

int verify_write_initramfs(const struct verify_assets *a, const char *path, size_t *size,
                           struct vt_err *err)
{
    char *busybox = NULL, *probe = NULL, *vtopo = NULL;
    size_t bb_len, probe_len, vtopo_len = 0;
    char *data = NULL;
    size_t len = 0;
    FILE *b;
    int rc;

    if ((rc = vt_read_file(a->busybox, 64u << 20, 0, &busybox, &bb_len, err)) < 0)
        return rc;
    if ((rc = vt_read_file(a->probe, 64u << 20, 0, &probe, &probe_len, err)) < 0 ||
        (a->vtopo && (rc = vt_read_file(a->vtopo, 64u << 20, 0, &vtopo, &vtopo_len, err)) < 0)) {
        free(busybox);
        free(probe);
        return rc;
    }
    if (!(b = open_memstream(&data, &len))) {
        free(busybox);
        free(probe);
        free(vtopo);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    cpio_entry(b, 1, 040755, 0, 0, "bin", NULL, 0);
    cpio_entry(b, 2, 040755, 0, 0, "dev", NULL, 0);
    cpio_entry(b, 3, 040755, 0, 0, "proc", NULL, 0);
    cpio_entry(b, 4, 040755, 0, 0, "sys", NULL, 0);
    cpio_entry(b, 5, 020600, 5, 1, "dev/console", NULL, 0);
    cpio_entry(b, 6, 0100755, 0, 0, "init", init_script, sizeof(init_script) - 1);
    cpio_entry(b, 7, 0100755, 0, 0, "bin/busybox", busybox, bb_len);
    cpio_entry(b, 8, 0100755, 0, 0, "bin/vtopo-probe", probe, probe_len);
    if (vtopo)
        cpio_entry(b, 9, 0100755, 0, 0, "bin/vtopo", vtopo, vtopo_len);
    cpio_entry(b, 0, 0, 0, 0, "TRAILER!!!", NULL, 0);
    free(busybox);
    free(probe);
    free(vtopo);
    rc = ferror(b);
    if (fclose(b) != 0 || rc) {
        free(data);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    rc = vt_write_file_atomic(path, data, len, err);
    *size = len;
    free(data);
    return rc;
}

/* ---- boot ------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The most console kept (a guest stuck printing is cut here, QEMU still
 * drained). */
#define CONSOLE_MAX (size_t)(16u << 20)

/* Boot stages, by the first console text that shows them. */
static const struct {
    const char *marker, *stage;
} stages[] = {
    {"Linux version", "kernel started"}, {"smp: Brought up", "CPUs up"},
    {"Run /init", "initramfs running"},  {"VTP begin", "probe running"},
    {"VTP end", "probe done"},
};

/* ---- QMP ---------------------------------------------------------------------- */

/* One reply line to the last command: events ("event") are skipped. */
static int qmp_reply(int fd, char *buf, size_t size, struct vt_err *err)
{
    size_t len = 0;

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        char *nl;
        ssize_t n;

        if (poll(&p, 1, 10000) <= 0)
            return vt_err_set(err, -ETIMEDOUT, "QMP: no reply in 10 s");
        if ((n = read(fd, buf + len, size - 1 - len)) <= 0)
            return vt_err_set(err, -EIO, "QMP: the connection closed");
        len += (size_t)n;
        buf[len] = '\0';
        while ((nl = strchr(buf, '\n'))) {
            *nl = '\0';
            if (strstr(buf, "\"return\"") || strstr(buf, "\"QMP\""))
                return 0;
            if (strstr(buf, "\"error\""))
                return vt_err_set(err, -EINVAL, "QMP: %.300s", buf);
            len -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, len + 1);
        }
        if (len + 1 >= size)
            len = 0; /* an overlong line: not a reply we wait for */
    }
}

int verify_qmp(const char *socket_path, const struct vt_strlist *commands, struct vt_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char buf[4096];
    int fd, rc = 0;

    if (strlen(socket_path) >= sizeof(sa.sun_path))
        return vt_err_set(err, -ENAMETOOLONG, "QMP socket path %s is too long", socket_path);
    strcpy(sa.sun_path, socket_path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return vt_err_set(err, -errno, "QMP: socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = vt_err_set(err, -errno, "QMP: cannot connect to %s: %s", socket_path, strerror(errno));
        close(fd);
        return rc;
    }
    /* The greeting, then capabilities negotiation, then each command. */
    rc = qmp_reply(fd, buf, sizeof(buf), err);
    for (size_t i = 0; rc == 0 && i <= commands->count; i++) {
        const char *c = i ? commands->items[i - 1] : "{\"execute\": \"qmp_capabilities\"}";

        if (dprintf(fd, "%s\n", c) < 0)
            rc = vt_err_set(err, -errno, "QMP: cannot send: %s", strerror(errno));
        else
            rc = qmp_reply(fd, buf, sizeof(buf), err);
    }
    close(fd);
    return rc;
}

int verify_boot_run(char *const *argv, unsigned timeout_s, unsigned kvm_grace_s, bool quiet,
                    const struct verify_hook *hook, struct verify_boot *b, struct vt_err *err)
{
    bool hooked = false;
    int pipefd[2], status = 0;
    size_t stage = 0, cap = 0, from = 0;
    double start = now_s();
    bool tty = isatty(STDERR_FILENO), killed = false;
    pid_t pid;

    memset(b, 0, sizeof(*b));
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return vt_err_set(err, -errno, "pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return vt_err_set(err, -errno, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);

        dup2(null, STDIN_FILENO);
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        execv(argv[0], argv);
        dprintf(STDERR_FILENO, "vtopo verify: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    if (!quiet)
        fprintf(stderr, "vtopo verify: booting%s", tty ? "..." : "\n");
    for (;;) {
        struct pollfd p = {pipefd[0], POLLIN, 0};
        double elapsed = now_s() - start;
        int r;

        if (cli_interrupted()) {
            kill(pid, SIGKILL);
            break;
        }
        if (elapsed >= timeout_s ||
            (kvm_grace_s && b->console_len == 0 && elapsed >= kvm_grace_s)) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        r = poll(&p, 1, 250);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0) {
            char chunk[8192];
            ssize_t n = read(pipefd[0], chunk, sizeof(chunk));

            if (n <= 0)
                break;
            if (b->console_len + (size_t)n > CONSOLE_MAX)
                continue; /* keep draining, so QEMU never blocks */
            if (b->console_len + (size_t)n + 1 > cap) {
                size_t ncap = cap ? cap * 2 : 1 << 16;
                char *nc;

                while (ncap < b->console_len + (size_t)n + 1)
                    ncap *= 2;
                if (!(nc = realloc(b->console, ncap))) {
                    kill(pid, SIGKILL);
                    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                    close(pipefd[0]);
                    verify_boot_free(b);
                    return vt_err_set(err, -ENOMEM, "out of memory");
                }
                b->console = nc;
                cap = ncap;
            }
            memcpy(b->console + b->console_len, chunk, (size_t)n);
            /* Stages come in order; a marker may straddle two chunks. */
            from = b->console_len > 64 ? b->console_len - 64 : 0;
            b->console_len += (size_t)n;
            b->console[b->console_len] = '\0';
            if (hook && !hooked && strstr(b->console + from, hook->marker)) {
                hooked = true;
                if (!quiet)
                    fprintf(stderr, tty ? " %s (%.1f s)..." : "vtopo verify: %s (%.1f s)\n",
                            hook->what, now_s() - start);
                if (hook->fn(hook->ctx, &b->hook_err) < 0)
                    b->hook_failed = true;
            }
            while (stage < sizeof(stages) / sizeof(stages[0]) &&
                   strstr(b->console + from, stages[stage].marker)) {
                if (!quiet)
                    fprintf(stderr, tty ? " %s (%.1f s)..." : "vtopo verify: %s (%.1f s)\n",
                            stages[stage].stage, now_s() - start);
                stage++;
            }
        }
    }
    close(pipefd[0]);
    /* (the CLI's signal handlers do not restart system calls) */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (cli_interrupted()) { /* QEMU may have had the terminal's SIGINT too */
        verify_boot_free(b);
        if (!quiet && tty)
            fputc('\n', stderr);
        return vt_err_set(err, -EINTR, "interrupted; QEMU stopped");
    }
    b->seconds = now_s() - start;
    if (!b->console && !(b->console = strdup("")))
        return vt_err_set(err, -ENOMEM, "out of memory");
    b->kernel_started = strstr(b->console, "Linux version") != NULL;
    b->exit_code = killed ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (killed)
        b->status = b->kernel_started || !kvm_grace_s ? VERIFY_BOOT_TIMEOUT : VERIFY_BOOT_FAILED;
    else
        b->status = b->kernel_started ? VERIFY_BOOT_DONE : VERIFY_BOOT_FAILED;
    if (!quiet)
        fprintf(stderr, tty ? " %s (%.1f s)\n" : "vtopo verify: %s (%.1f s)\n",
                killed ? "killed" : "QEMU exited", b->seconds);
    return 0;
}

void verify_boot_free(struct verify_boot *b)
{
    free(b->console);
    memset(b, 0, sizeof(*b));
}
