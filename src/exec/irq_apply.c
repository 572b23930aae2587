/* vt_irq_apply / vt_irq_restore: write planned affinities to
 * /proc/irq/N/smp_affinity_list (live, or into an --fsroot dump), saving
 * every affinity about to change first, and read back what took effect
 * (docs/irq.md). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "exec/irq_apply.h"
#include "util/file.h"
#include "util/parse.h"
#include "vtopo/io.h"
#include "vtopo/irq.h"

#define RESTORE_FORMAT  "vtopo-irq-restore"
#define RESTORE_VERSION 1
#define RESTORE_MAX     ((size_t)64 << 20)

struct entry {
    struct vt_irq_applied pub;
    char bdf[BDF_TEXT_MAX];
    struct vt_bitmap *target, *before, *effective;
};

struct vt_irq_report {
    struct entry *e;
    size_t n;
};

const char *vt_irq_apply_status_name(enum vt_irq_apply_status s)
{
    static const char *const names[] = {"same", "dry-run", "written", "managed",
                                        "gone", "offline", "failed"};

    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void vt_irq_report_free(struct vt_irq_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        vt_bitmap_free(r->e[i].target);
        vt_bitmap_free(r->e[i].before);
        vt_bitmap_free(r->e[i].effective);
    }
    free(r->e);
    free(r);
}

size_t vt_irq_report_count(const struct vt_irq_report *r)
{
    return r->n;
}

const struct vt_irq_applied *vt_irq_report_entry(const struct vt_irq_report *r, size_t i)
{
    return i < r->n ? &r->e[i].pub : NULL;
}

/* <root>/proc/irq/<irq>/<file>. */
static int irq_path(char *buf, size_t size, const char *root, unsigned irq, const char *file,
                    struct vt_err *err)
{
    size_t n = strlen(root);

    return path_fmt(buf, size, err, "%.*s/proc/irq/%u/%s",
                    (int)(n && root[n - 1] == '/' ? n - 1 : n), root, irq, file);
}

/* A cpulist file of /proc/irq/N; NULL when it cannot be read. */
static struct vt_bitmap *read_list(const char *root, unsigned irq, const char *file)
{
    char path[PATH_MAX], *text = NULL;
    struct vt_bitmap *b = NULL;
    struct vt_err err;

    if (irq_path(path, sizeof(path), root, irq, file, &err) < 0 ||
        vt_read_file(path, 1 << 16, VT_READ_TEXT, &text, NULL, &err) < 0)
        return NULL;
    if ((b = vt_bitmap_new()) && vt_bitmap_parse_list(b, text, VT_CPU_ID_MAX, &err) < 0) {
        vt_bitmap_free(b);
        b = NULL;
    }
    free(text);
    return b;
}

/* Write a cpulist to smp_affinity_list; 0 or -errno. */
static int write_list(const char *root, unsigned irq, const struct vt_bitmap *cpus)
{
    char path[PATH_MAX], *text = vt_bitmap_format_list(cpus), *line = NULL;
    struct vt_err err;
    int fd, rc = 0;
    size_t len;

    if (!text || asprintf(&line, "%s\n", text) < 0) {
        free(text);
        return -ENOMEM;
    }
    free(text);
    if (irq_path(path, sizeof(path), root, irq, "smp_affinity_list", &err) < 0) {
        free(line);
        return -ENAMETOOLONG;
    }
    len = strlen(line);
    if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
        rc = -errno;
    else if (write(fd, line, len) != (ssize_t)len)
        rc = errno ? -errno : -EIO;
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = -errno;
    free(line);
    return rc;
}

static struct vt_irq_report *report_new(size_t n)
{
    struct vt_irq_report *r = calloc(1, sizeof(*r));

    if (r && !(r->e = calloc(n ? n : 1, sizeof(*r->e)))) {
        free(r);
        return NULL;
    }
    return r;
}

/* The root a host's /proc is under, or a refusal. */
static int writable_root(const struct vt_host *h, bool yes, const char **root, struct vt_err *err)
{
    *root = vt_host_fsroot(h);
    if (!*root)
        return vt_err_set(err, -EINVAL,
                          "%s has no /proc/irq to write (a host file or synthetic host): "
                          "apply on the machine itself, or on an --fsroot dump",
                          vt_host_description(h));
    if (yes && !strcmp(*root, "/") && geteuid() != 0)
        return vt_err_set(err, -EPERM,
                          "writing /proc/irq/N/smp_affinity_list needs root (run as root, or "
                          "without --yes for a dry run)");
    return 0;
}

/* Save (bdf, index, irq, affinity) of every entry with a before. */
static int save_restore(const struct vt_host *h, const struct vt_irq_report *r, const char *root,
                        const char *path, struct vt_err *err)
{
    struct json_object *o = json_object_new_object(), *a = json_object_new_array();
    char fp[VT_HOST_FINGERPRINT_LEN + 1];
    const char *text;
    bool oom = !o || !a;
    int rc;

    if ((rc = vt_host_fingerprint(h, fp, err)) < 0) {
        json_object_put(o);
        json_object_put(a);
        return rc;
    }
    if (!oom) {
        json_object_object_add(o, "format", json_object_new_string(RESTORE_FORMAT));
        json_object_object_add(o, "version", json_object_new_int(RESTORE_VERSION));
        json_object_object_add(o, "host", json_object_new_string(fp));
        json_object_object_add(o, "root", json_object_new_string(root));
    }
    for (size_t i = 0; !oom && i < r->n; i++) {
        const struct entry *e = &r->e[i];
        struct json_object *x;
        char *list;

        if (!e->before)
            continue;
        if (!(x = json_object_new_object()) || !(list = vt_bitmap_format_list(e->before))) {
            json_object_put(x);
            oom = true;
            break;
        }
        json_object_object_add(x, "bdf", json_object_new_string(e->bdf));
        json_object_object_add(x, "index", json_object_new_int((int)e->pub.index));
        json_object_object_add(x, "irq", json_object_new_int64(e->pub.irq));
        json_object_object_add(x, "affinity", json_object_new_string(list));
        free(list);
        if (json_object_array_add(a, x) < 0) {
            json_object_put(x);
            oom = true;
        }
    }
    if (!oom)
        json_object_object_add(o, "irqs", a);
    else
        json_object_put(a);
    text =
        oom ? NULL
            : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                    JSON_C_TO_STRING_NOSLASHESCAPE);
    rc = text ? vt_write_file_atomic(path, text, strlen(text), err)
              : vt_err_set(err, -ENOMEM, "out of memory");
    json_object_put(o);
    return rc;
}

/* Write each entry with a target (status DRY_RUN so far); returns the
 * failures. */
static int write_all(const struct vt_host *h, struct vt_irq_report *r, const char *root)
{
    const struct vt_bitmap *online = vt_host_cpus(h)->online;
    int failed = 0;

    for (size_t i = 0; i < r->n; i++) {
        struct entry *e = &r->e[i];
        int rc;

        if (e->pub.status != VT_IRQ_APPLY_DRY_RUN)
            continue;
        if (!vt_bitmap_intersects(e->target, online)) {
            e->pub.status = VT_IRQ_APPLY_OFFLINE;
        } else if ((rc = write_list(root, e->pub.irq, e->target)) == -EIO || rc == -EPERM) {
            e->pub.status = VT_IRQ_APPLY_MANAGED;
        } else if (rc == -ENOENT) {
            e->pub.status = VT_IRQ_APPLY_GONE;
        } else if (rc < 0) {
            e->pub.status = VT_IRQ_APPLY_FAILED;
            e->pub.error = -rc;
        } else {
            e->pub.status = VT_IRQ_APPLY_WRITTEN;
            e->effective = read_list(root, e->pub.irq, "effective_affinity_list");
            e->pub.effective = e->effective;
        }
        failed += e->pub.status >= VT_IRQ_APPLY_GONE;
    }
    return failed;
}

/* Fill the entry's IRQ, before and status (SAME, GONE or DRY_RUN). */
static int prepare(struct entry *e, const struct vt_irq_state *s, const char *root)
{
    const struct vt_irq_info *q = vt_irq_state_find(s, e->bdf, e->pub.index);

    e->pub.bdf = e->bdf;
    e->pub.target = e->target;
    if (!q) {
        e->pub.status = VT_IRQ_APPLY_GONE;
        return 0;
    }
    e->pub.irq = q->irq;
    if (q->managed == VT_IRQ_MANAGED_YES) {
        e->pub.status = VT_IRQ_APPLY_MANAGED;
        return 0;
    }
    /* What is there now, read again right before it is saved. */
    e->before = read_list(root, q->irq, "smp_affinity_list");
    e->pub.before = e->before;
    if (!e->before)
        e->pub.status = VT_IRQ_APPLY_GONE;
    else if (vt_bitmap_equal(e->before, e->target))
        e->pub.status = VT_IRQ_APPLY_SAME;
    else
        e->pub.status = VT_IRQ_APPLY_DRY_RUN;
    return 0;
}

static int finish(const struct vt_host *h, struct vt_irq_report *r, const char *root, bool yes,
                  const char *restore_path, struct vt_irq_report **out, struct vt_err *err)
{
    int failed = 0, rc;

    for (size_t i = 0; i < r->n; i++)
        failed += r->e[i].pub.status >= VT_IRQ_APPLY_GONE;
    if (yes) {
        if (restore_path && (rc = save_restore(h, r, root, restore_path, err)) < 0) {
            vt_irq_report_free(r);
            return rc;
        }
        failed = write_all(h, r, root) + failed;
    }
    *out = r;
    return failed;
}

int vt_irq_apply(const struct vt_host *h, const struct vt_irq_state *s, const struct vt_irq_plan *p,
                 const struct vt_irq_apply_options *o, struct vt_irq_report **out,
                 struct vt_err *err)
{
    char hfp[VT_HOST_FINGERPRINT_LEN + 1], sfp[VT_IRQ_FINGERPRINT_LEN + 1];
    struct vt_irq_report *r;
    const char *root;
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if ((rc = writable_root(h, o->yes, &root, err)) < 0)
        return rc;
    if (o->yes && !o->restore_path)
        return vt_err_set(err, -EINVAL, "applying needs a restore file to save to first");
    if ((rc = vt_host_fingerprint(h, hfp, err)) < 0 ||
        (rc = vt_irq_state_fingerprint(s, sfp, err)) < 0)
        return rc;
    if (strcmp(hfp, vt_irq_plan_host(p)))
        return vt_err_set(err, -EINVAL,
                          "the plan is for another host (fingerprint %s; this host's is %s): "
                          "plan again here",
                          vt_irq_plan_host(p), hfp);
    if (strcmp(sfp, vt_irq_plan_state(p)))
        return vt_err_set(err, -EINVAL,
                          "the plan is for another interrupt state (fingerprint %s, now %s: "
                          "devices, vectors or online CPUs changed): plan again, or re-plan "
                          "with --previous",
                          vt_irq_plan_state(p), sfp);
    if (!(r = report_new(vt_irq_plan_count(p))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < vt_irq_plan_count(p); i++) {
        const struct vt_irq_planned *v = vt_irq_plan_vector(p, i);
        struct entry *e = &r->e[r->n];

        if (v->managed || v->cpu < 0)
            continue;
        r->n++;
        snprintf(e->bdf, sizeof(e->bdf), "%s", v->bdf);
        e->pub.index = v->index;
        if (!(e->target = vt_bitmap_new()) || vt_bitmap_set(e->target, (unsigned)v->cpu) < 0) {
            vt_irq_report_free(r);
            return vt_err_set(err, -ENOMEM, "out of memory");
        }
        prepare(e, s, root);
    }
    return finish(h, r, root, o->yes, o->restore_path, out, err);
}

int irq_restore_parse(const char *text, const char *path, const char *host_fp,
                      struct vt_irq_report **out, struct vt_err *err)
{
    struct json_object *root_o, *v, *a;
    struct vt_irq_report *r = NULL;
    enum json_tokener_error jerr;
    int rc = 0;

    *out = NULL;
    root_o = json_tokener_parse_verbose(text, &jerr);
    if (!root_o)
        return vt_err_set(err, -EINVAL,
                          "%s: not JSON (%s; truncated?): a restore file is what 'vtopo irq "
                          "apply --yes' saves",
                          path, json_tokener_error_desc(jerr));
    if (!json_object_is_type(root_o, json_type_object) ||
        !json_object_object_get_ex(root_o, "format", &v) || !v ||
        !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), RESTORE_FORMAT) ||
        !json_object_object_get_ex(root_o, "version", &v) || !v ||
        !json_object_is_type(v, json_type_int) || json_object_get_int(v) != RESTORE_VERSION) {
        rc = vt_err_set(err, -EINVAL,
                        "%s: format: not a restore file (\"format\": \"" RESTORE_FORMAT
                        "\", \"version\": %d)",
                        path, RESTORE_VERSION);
        goto out;
    }
    if (!json_object_object_get_ex(root_o, "host", &v) || !v ||
        !json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), host_fp)) {
        rc = vt_err_set(err, -EINVAL,
                        "%s: host: saved on another host (fingerprint %s; this host's is %s)", path,
                        v && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                                      : "missing",
                        host_fp);
        goto out;
    }
    if (!json_object_object_get_ex(root_o, "irqs", &a) || !a ||
        !json_object_is_type(a, json_type_array)) {
        rc = vt_err_set(err, -EINVAL, "%s: irqs: must be an array", path);
        goto out;
    }
    if (!(r = report_new(json_object_array_length(a)))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        struct json_object *x = json_object_array_get_idx(a, i), *b, *idx, *aff;
        struct entry *e = &r->e[r->n];

        if (!x || !json_object_is_type(x, json_type_object) ||
            !json_object_object_get_ex(x, "bdf", &b) || !b ||
            !json_object_is_type(b, json_type_string) ||
            bdf_normalize(json_object_get_string(b), e->bdf) < 0 ||
            !json_object_object_get_ex(x, "index", &idx) || !idx ||
            !json_object_is_type(idx, json_type_int) || json_object_get_int64(idx) < 0 ||
            json_object_get_int64(idx) >= VT_IRQ_MAX_VECTORS ||
            !json_object_object_get_ex(x, "affinity", &aff) || !aff ||
            !json_object_is_type(aff, json_type_string) || !(e->target = vt_bitmap_new()) ||
            vt_bitmap_parse_list(e->target, json_object_get_string(aff), VT_CPU_ID_MAX, err) < 0 ||
            vt_bitmap_iszero(e->target)) {
            vt_bitmap_free(e->target);
            e->target = NULL;
            rc = vt_err_set(err, -EINVAL,
                            "%s: irqs[%zu]: needs \"bdf\" (a PCI address), \"index\" (0-%d) "
                            "and \"affinity\" (a non-empty cpulist)",
                            path, i, VT_IRQ_MAX_VECTORS - 1);
            goto out;
        }
        e->pub.bdf = e->bdf;
        e->pub.target = e->target;
        e->pub.index = (unsigned)json_object_get_int64(idx);
        r->n++;
        for (size_t k = 0; k + 1 < r->n; k++)
            if (!strcmp(r->e[k].bdf, e->bdf) && r->e[k].pub.index == e->pub.index) {
                rc = vt_err_set(err, -EINVAL, "%s: irqs[%zu]: %s vector %u twice", path, i, e->bdf,
                                e->pub.index);
                goto out;
            }
    }
out:
    json_object_put(root_o);
    if (rc < 0) {
        vt_irq_report_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int vt_irq_restore(const struct vt_host *h, const struct vt_irq_state *s, const char *path,
                   bool yes, struct vt_irq_report **out, struct vt_err *err)
{
    char hfp[VT_HOST_FINGERPRINT_LEN + 1], *text = NULL;
    struct vt_irq_report *r = NULL;
    const char *root;
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if ((rc = writable_root(h, yes, &root, err)) < 0 ||
        (rc = vt_host_fingerprint(h, hfp, err)) < 0 ||
        (rc = vt_read_file(path, RESTORE_MAX, 0, &text, NULL, err)) < 0)
        return rc;
    rc = irq_restore_parse(text, path, hfp, &r, err);
    free(text);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < r->n; i++)
        prepare(&r->e[i], s, root);
    return finish(h, r, root, yes, NULL, out, err);
}
