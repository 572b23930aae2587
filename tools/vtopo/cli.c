/* Shared pieces of the vtopo CLI: exit codes, messages, host options. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One line on f: prefix, then the message with every byte that could drive a
 * terminal escaped (messages carry file names and values from input). */
__attribute__((format(printf, 3, 0))) static void vline(FILE *f, const char *prefix,
                                                        const char *fmt, va_list ap)
{
    char *msg = NULL, *safe;

    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    safe = vt_text_take_safe(msg);
    fprintf(f, "%s%s\n", prefix, safe ? safe : "out of memory");
    free(safe);
}

void cli_line(FILE *f, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vline(f, "", fmt, ap);
    va_end(ap);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    char prefix[64];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "vtopo %s: ", cmd);
    va_start(ap, fmt);
    vline(stderr, prefix, fmt, ap);
    va_end(ap);
}

int cli_fail(const char *cmd, const struct vt_err *err)
{
    cli_error(cmd, "%s", err->msg[0] ? err->msg : "failed");
    switch (-err->code) {
    case EINVAL:
    case ERANGE:
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case E2BIG:
    case EFBIG:
    case ENAMETOOLONG:
    case EISDIR:
        return VT_EXIT_USAGE;
    default:
        return VT_EXIT_SYSTEM;
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char prefix[64];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "vtopo %s: ", cmd);
    va_start(ap, fmt);
    vline(stderr, prefix, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try 'vtopo %s --help'.\n", cmd);
    return VT_EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int opt, char **argv)
{
    const char *arg = argv[optind - 1];

    if (opt == ':')
        return cli_usage_error(cmd, "option '%s' needs an argument", arg);
    if (optopt && strncmp(arg, "--", 2) == 0 && strchr(arg, '='))
        return cli_usage_error(cmd, "option '%.*s' takes no argument",
                               (int)(strchr(arg, '=') - arg), arg);
    if (optopt && strncmp(arg, "--", 2) != 0)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

bool cli_host_opt(struct cli_host_opts *o, int opt, const char *arg)
{
    switch (opt) {
    case OPT_FSROOT:
        o->fsroot = arg;
        return true;
    case OPT_HOST:
        o->host_file = arg;
        return true;
    case OPT_SYNTHETIC:
        o->synthetic = arg;
        return true;
    case OPT_ACPI:
        o->acpi_dir = arg;
        return true;
    default:
        return false;
    }
}

int cli_host_source(const char *cmd, const struct cli_host_opts *o, struct vt_host_source *src)
{
    int given = !!o->fsroot + !!o->host_file + !!o->synthetic;

    if (given > 1)
        return cli_usage_error(cmd, "--fsroot, --host and --synthetic are alternatives; give "
                                    "at most one");
    memset(src, 0, sizeof(*src));
    src->kind = VT_HOST_SYSFS;
    src->arg = o->fsroot;
    src->acpi_dir = o->acpi_dir;
    if (o->host_file) {
        src->kind = VT_HOST_FILE;
        src->arg = o->host_file;
    } else if (o->synthetic) {
        src->kind = VT_HOST_SYNTHETIC;
        src->arg = o->synthetic;
    }
    return VT_EXIT_OK;
}

int cli_load_host(const char *cmd, const struct cli_host_opts *o, struct vt_host **host)
{
    struct vt_host_source src;
    struct vt_err err;
    int rc;

    if ((rc = cli_host_source(cmd, o, &src)) != VT_EXIT_OK)
        return rc;
    if (vt_host_load(&src, host, &err) < 0)
        return cli_fail(cmd, &err);
    for (size_t i = 0; !o->quiet && i < vt_host_warning_count(*host); i++) {
        if (i < vt_host_recorded_warning_count(*host))
            cli_line(stderr, "vtopo %s: note: %s recorded when it was saved: %s", cmd, o->host_file,
                     vt_host_warning(*host, i));
        else
            fprintf(stderr, "vtopo %s: warning: %s\n", cmd, vt_host_warning(*host, i));
    }
    return VT_EXIT_OK;
}

/* ---- termination signals while files are being written ---------------- */

static const int deferred_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NDEFERRED (sizeof(deferred_signals) / sizeof(deferred_signals[0]))
static volatile sig_atomic_t pending_signal;
static struct sigaction saved_actions[NDEFERRED];

static void record_signal(int sig)
{
    pending_signal = sig;
}

void cli_defer_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = record_signal;
    sa.sa_flags = 0; /* no SA_RESTART: a wait for a lock ends, see lock_dir */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NDEFERRED; i++)
        sigaction(deferred_signals[i], &sa, &saved_actions[i]);
}

bool cli_interrupted(void)
{
    return pending_signal != 0;
}

void cli_end_deferral(void)
{
    int sig = pending_signal;

    for (size_t i = 0; i < NDEFERRED; i++)
        sigaction(deferred_signals[i], &saved_actions[i], NULL);
    if (sig) {
        /* Die of it now, as the caller of vtopo expects. */
        fflush(stdout);
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

int cli_parse_uint(const char *text, unsigned max, unsigned *out)
{
    unsigned long v = 0;

    if (!*text)
        return -EINVAL;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > max)
            return -EINVAL;
    }
    if (v == 0)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}

int cli_isolcpus(const char *cmd, const char *text, const struct vt_layout *l,
                 const struct vt_host *h, struct vt_bitmap **isolated, struct vt_bitmap **rest,
                 char **params)
{
    struct vt_bitmap *cpus = vt_bitmap_new(), *iso = vt_bitmap_new();
    struct vt_err err;
    int rc = VT_EXIT_OK;

    *isolated = *rest = NULL;
    *params = NULL;
    if (!cpus || !iso) {
        rc = VT_EXIT_SYSTEM;
        cli_error(cmd, "out of memory");
    } else if (vt_bitmap_parse_list(iso, text, VT_CPU_ID_MAX, &err) < 0) {
        rc = cli_usage_error(cmd, "--isolcpus %s: %s", text, err.msg);
    } else if (l ? vt_bitmap_set_range(cpus, 0,
                                       (unsigned)(vt_layout_vcpu_count(l) +
                                                  vt_layout_hotplug_vcpu_count(l) - 1)) < 0
                 : vt_bitmap_or(cpus, vt_host_cpus(h)->possible) < 0) {
        rc = VT_EXIT_SYSTEM;
        cli_error(cmd, "out of memory");
    } else if (vt_irq_isolation_params(cpus, iso, params, &err) < 0) {
        rc = err.code == -ENOMEM
                 ? cli_fail(cmd, &err)
                 : cli_usage_error(cmd, "--isolcpus %s (%s): %s", text,
                                   l ? "the guest's vCPUs" : "the host's CPUs", err.msg);
    }
    if (rc == VT_EXIT_OK) {
        vt_bitmap_andnot(cpus, iso);
        *isolated = iso;
        *rest = cpus;
        return rc;
    }
    vt_bitmap_free(cpus);
    vt_bitmap_free(iso);
    return rc;
}

int cli_path(char *buf, size_t size, const char *dir, const char *name, struct vt_err *err)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= size)
        return vt_err_set(err, -ENAMETOOLONG, "path too long: %.80s...", buf);
    return 0;
}
