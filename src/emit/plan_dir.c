/* A plan directory planned again from itself: its host.json and the request
 * plan.json records (vt_plan_dir_load, docs/plan-format.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "emit/plan_json.h"
#include "plan/request_internal.h"
#include "util/file.h"

/* plan.json is at most this big (8192 vCPUs with their CPUID: a few MiB). */
#define PLAN_JSON_MAX (UINT64_C(256) << 20)

static int read_plan_json(const char *path, char **text, size_t *len, struct json_object **root,
                          struct vt_err *err)
{
    struct json_tokener *tok;
    int rc;

    if ((rc = vt_read_file(path, PLAN_JSON_MAX, 0, text, len, err)) < 0)
        return rc;
    if (!(tok = json_tokener_new()))
        return vt_err_set(err, -ENOMEM, "out of memory");
    *root = *len > INT32_MAX ? NULL : json_tokener_parse_ex(tok, *text, (int)*len);
    rc = *root && json_object_is_type(*root, json_type_object)
             ? 0
             : vt_err_set(err, -EINVAL, "%s: not a plan (no JSON object)", path);
    json_tokener_free(tok);
    return rc;
}

int vt_plan_dir_load(const char *dir, const char *const *names, struct vt_host **h,
                     struct vt_layout **l, struct vt_err *err)
{
    char path[4096], host_path[4096], fp[VT_HOST_FINGERPRINT_LEN + 1], *text = NULL, *again = NULL;
    struct json_object *root = NULL, *version, *request, *host, *want_fp;
    struct vt_host_source src = {.kind = VT_HOST_FILE, .arg = host_path, .skip_acpi = true};
    struct vt_request *r = NULL;
    size_t len = 0;
    int rc;

    *h = NULL;
    *l = NULL;
    if ((rc = path_fmt(path, sizeof(path), err, "%s/%s", dir,
                       vt_layout_file_name(VT_PLAN_FILE_JSON))) < 0 ||
        (rc = path_fmt(host_path, sizeof(host_path), err, "%s/%s", dir,
                       vt_layout_file_name(VT_PLAN_FILE_HOST))) < 0 ||
        (rc = read_plan_json(path, &text, &len, &root, err)) < 0)
        goto out;
    if (!json_object_object_get_ex(root, "version", &version) || json_object_get_int(version) < 2 ||
        !json_object_object_get_ex(root, "request", &request) ||
        !json_object_object_get_ex(root, "host", &host) ||
        !json_object_object_get_ex(host, "fingerprint", &want_fp) ||
        !json_object_is_type(want_fp, json_type_string)) {
        rc = vt_err_set(err, -EINVAL,
                        "%s records no request or no host (a plan of an older vtopo, or "
                        "written without its host): plan it again into a directory",
                        path);
        goto out;
    }
    if ((rc = vt_host_load(&src, h, err)) < 0 || (rc = vt_host_fingerprint(*h, fp, err)) < 0)
        goto out;
    if (strcmp(fp, json_object_get_string(want_fp))) {
        rc = vt_err_set(err, -EINVAL,
                        "%s is not the host %s was planned on (its fingerprint is %s, the plan "
                        "records %s)",
                        host_path, path, fp, json_object_get_string(want_fp));
        goto out;
    }
    if (!(r = vt_request_new())) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    vt_request_name_fields(r, names);
    if ((rc = request_from_json_object(request, path, r, err)) < 0 ||
        (rc = vt_plan(*h, r, l, err)) < 0) {
        vt_err_prefix(err, "%s: ", path);
        goto out;
    }
    /* The plan again must be the plan on disk: else the directory was
     * edited, or another vtopo made it. */
    if ((rc = plan_json_render(*l, *h, &again, err)) < 0)
        goto out;
    if (strlen(again) != len || memcmp(again, text, len)) {
        rc = vt_err_set(err, -EINVAL,
                        "%s is not what its request plans on its host (edited, or made by "
                        "another version of vtopo): plan it again",
                        path);
        goto out;
    }
out:
    if (rc < 0) {
        vt_layout_free(*l);
        vt_host_free(*h);
        *l = NULL;
        *h = NULL;
    }
    free(again);
    free(text);
    json_object_put(root);
    vt_request_free(r);
    return rc;
}
