/* Shared pieces of the vtopo CLI: exit codes, messages, host options. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "vtopo %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(const char *cmd, const struct vt_err *err)
{
    cli_error(cmd, "%s", err->msg[0] ? err->msg : "failed");
    switch (-err->code) {
    case EINVAL:
    case ERANGE:
    case ENOENT:
    case ENOTDIR:
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
    va_list ap;

    fprintf(stderr, "vtopo %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'vtopo %s --help'.\n", cmd);
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
    if (!o->quiet)
        for (size_t i = 0; i < vt_host_warning_count(*host); i++)
            fprintf(stderr, "vtopo %s: warning: %s\n", cmd, vt_host_warning(*host, i));
    return VT_EXIT_OK;
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
