/* vt_host_load: a host from one of its sources (sysfs, host file, synthetic
 * spec), the ACPI tables applied, finalized. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/host_internal.h"

static const struct {
    const char *desc;  /* vt_host_description prefix */
    const char *input; /* how messages name the argument */
    int (*load)(struct vt_host *h, const char *arg, struct vt_err *err);
} sources[] = {
    [VT_HOST_SYSFS] = {"sysfs", "fsroot", host_load_sysfs},
    [VT_HOST_FILE] = {"file", "host file name", host_load_file},
    [VT_HOST_SYNTHETIC] = {"synthetic", "synthetic host spec", host_load_synthetic},
};

int vt_host_load(const struct vt_host_source *src, struct vt_host **out, struct vt_err *err)
{
    const char *arg = src->arg;
    struct vt_host *h;
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if ((unsigned)src->kind >= sizeof(sources) / sizeof(sources[0]))
        return vt_err_set(err, -EINVAL, "unknown host source kind %d", (int)src->kind);
    if (arg && !*arg)
        return vt_err_set(err, -EINVAL, "the %s is an empty string", sources[src->kind].input);
    if (!arg && src->kind != VT_HOST_SYSFS)
        return vt_err_set(err, -EINVAL, "no %s given", sources[src->kind].input);
    if (!arg)
        arg = "/"; /* the live system */
    h = host_new("%s %s", sources[src->kind].desc, arg);
    if (!h || !(h->arg = strdup(arg))) {
        vt_host_free(h);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    h->kind = src->kind;
    rc = sources[src->kind].load(h, arg, err);
    if (rc == 0 && src->acpi_dir) {
        rc = host_apply_acpi(h, src->acpi_dir, true, err);
    } else if (rc == 0 && src->kind == VT_HOST_SYSFS && !src->skip_acpi) {
        /* The live system's or the dump's own tables, if readable. */
        char dir[4096];

        if (snprintf(dir, sizeof(dir), "%s%ssys/firmware/acpi/tables", arg,
                     arg[strlen(arg) - 1] == '/' ? "" : "/") < (int)sizeof(dir))
            rc = host_apply_acpi(h, dir, false, err);
    }
    if (rc == 0 && (rc = host_finalize(h, err)) < 0)
        vt_err_prefix(err, "%s: ",
                      src->kind == VT_HOST_SYNTHETIC ? "synthetic spec"
                      : src->arg                     ? src->arg
                                                     : "sysfs");
    if (rc < 0) {
        vt_host_free(h);
        return rc;
    }
    *out = h;
    return 0;
}
