/* The placement state as a JSON document (docs/placement.md): written
 * whole, read back with every field checked and every host CPU held once. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "plan/place_internal.h"
#include "util/json_doc.h"

#define PLACE_FORMAT  "vtopo-place-state"
#define PLACE_VERSION 1

/* ---- writing ------------------------------------------------------------ */

static struct json_object *jlist(const struct vt_bitmap *b, bool *oom)
{
    char *t = vt_bitmap_format_list(b);
    struct json_object *o = t ? json_object_new_string(t) : NULL;

    free(t);
    *oom |= !o;
    return o;
}

static struct json_object *part_json(const struct vt_placed_guest *g, const struct vt_place_part *p,
                                     bool *oom)
{
    struct json_object *o = json_object_new_object();

    if (!o) {
        *oom = true;
        return NULL;
    }
    json_doc_put(o, "pnode", json_object_new_int64(p->pnode), oom);
    json_doc_put(o, "vcpus", json_object_new_int64(p->vcpus), oom);
    json_doc_put(o, "memory_bytes", json_object_new_uint64(p->memory_bytes), oom);
    if (g->cpu_policy == VT_CPU_DEDICATED) {
        struct json_object *a = json_object_new_array();

        for (unsigned v = 0; a && v < p->vcpus; v++)
            json_doc_push(a, json_object_new_int64(p->pcpus[v]), oom);
        json_doc_put(o, "pcpus", a, oom);
        json_doc_put(o, "reserved", jlist(p->reserved, oom), oom);
        json_doc_put(o, "emulator", jlist(p->emulator, oom), oom);
    }
    return o;
}

static struct json_object *guest_json(const struct vt_placed_guest *g, bool *oom)
{
    struct json_object *o = json_object_new_object(), *parts = json_object_new_array();

    if (!o || !parts) {
        json_object_put(o);
        json_object_put(parts);
        *oom = true;
        return NULL;
    }
    json_doc_put(o, "name", json_object_new_string(g->name), oom);
    json_doc_put(o, "vcpus", json_object_new_int64(g->vcpus), oom);
    json_doc_put(o, "memory_bytes", json_object_new_uint64(g->memory_bytes), oom);
    json_doc_put(o, "hugepage_bytes", json_object_new_uint64(g->hugepage_bytes), oom);
    json_doc_put(o, "cpu_policy", json_object_new_string(vt_cpu_policy_name(g->cpu_policy)), oom);
    json_doc_put(o, "thread_policy",
                 json_object_new_string(vt_thread_policy_name(g->thread_policy)), oom);
    json_doc_put(o, "overcommit_memory", json_object_new_boolean(g->overcommit_memory), oom);
    for (size_t p = 0; p < g->nparts; p++)
        json_doc_push(parts, part_json(g, &g->parts[p], oom), oom);
    json_doc_put(o, "parts", parts, oom);
    return o;
}

int vt_place_guest_to_json(const struct vt_placed_guest *g, char **json, struct vt_err *err)
{
    bool oom = false;
    struct json_object *o = guest_json(g, &oom);

    vt_err_clear(err);
    *json = o && !oom ? json_doc_text(o) : NULL;
    json_object_put(o);
    return *json ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
}

int vt_place_state_to_json(const struct vt_place_state *s, char **json, struct vt_err *err)
{
    struct json_object *root = json_object_new_object(), *guests = json_object_new_array();
    bool oom = !root || !guests;

    vt_err_clear(err);
    *json = NULL;
    if (oom) {
        json_object_put(root);
        json_object_put(guests);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    json_doc_put(root, "format", json_object_new_string(PLACE_FORMAT), &oom);
    json_doc_put(root, "version", json_object_new_int(PLACE_VERSION), &oom);
    json_doc_put(root, "topology_fingerprint", json_object_new_string(s->fingerprint), &oom);
    json_doc_put(root, "shared_ratio", json_object_new_int64(s->shared_ratio), &oom);
    for (size_t i = 0; i < s->n; i++) {
        const struct vt_placed_guest *g = &s->g[i].pub;
        struct json_object *o = json_object_new_object(), *parts = json_object_new_array();

        if (o) {
            json_doc_put(o, "name", json_object_new_string(g->name), &oom);
            json_doc_put(o, "vcpus", json_object_new_int64(g->vcpus), &oom);
            json_doc_put(o, "memory_bytes", json_object_new_uint64(g->memory_bytes), &oom);
            json_doc_put(o, "hugepage_bytes", json_object_new_uint64(g->hugepage_bytes), &oom);
            json_doc_put(o, "cpu_policy", json_object_new_string(vt_cpu_policy_name(g->cpu_policy)),
                         &oom);
            json_doc_put(o, "thread_policy",
                         json_object_new_string(vt_thread_policy_name(g->thread_policy)), &oom);
            json_doc_put(o, "overcommit_memory", json_object_new_boolean(g->overcommit_memory),
                         &oom);
            for (size_t p = 0; parts && p < g->nparts; p++)
                json_doc_push(parts, part_json(g, &g->parts[p], &oom), &oom);
            json_doc_put(o, "parts", parts, &oom);
        } else {
            json_object_put(parts);
        }
        json_doc_push(guests, o, &oom);
    }
    json_doc_put(root, "guests", guests, &oom);
    *json = oom ? NULL : json_doc_text(root);
    json_object_put(root);
    return *json ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
}

/* ---- reading ------------------------------------------------------------ */

struct rd {
    const char *name;
    struct vt_err *err;
};

/* A field of the document breaking a rule (json_doc_bad). */
#define bad(r, where, ...) json_doc_bad((r)->err, (r)->name, where, __VA_ARGS__)

/* Every key of o must be in allowed (NULL-terminated). */
static int check_keys(const struct rd *r, const char *where, struct json_object *o,
                      const char *const *allowed)
{
    const char *key = json_doc_unknown_key(o, allowed);

    return key ? bad(r, where, "unknown key '%s'", key) : 0;
}

/* A member of o of type t; -EINVAL naming it when missing or another type. */
static int member(const struct rd *r, const char *where, struct json_object *o, const char *key,
                  json_type t, const char *what, struct json_object **v)
{
    if (!json_object_object_get_ex(o, key, v) || !*v)
        return bad(r, where, "%s is missing", key);
    if (!json_object_is_type(*v, t))
        return bad(r, where, "%s must be %s", key, what);
    return 0;
}

static int get_u64(const struct rd *r, const char *where, struct json_object *o, const char *key,
                   uint64_t max, uint64_t *out)
{
    struct json_object *v;
    int rc = member(r, where, o, key, json_type_int, "a non-negative integer", &v);

    if (rc < 0)
        return rc;
    if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) <= (uint64_t)INT64_MAX)
        return bad(r, where, "%s must not be negative", key);
    *out = json_object_get_uint64(v);
    if (*out > max)
        return bad(r, where, "%s must be at most %" PRIu64, key, max);
    return 0;
}

static int get_cpulist(const struct rd *r, const char *where, struct json_object *o,
                       const char *key, struct vt_bitmap *b)
{
    struct json_object *v;
    int rc = member(r, where, o, key, json_type_string, "a cpulist string", &v);

    if (rc < 0)
        return rc;
    if ((rc = vt_bitmap_parse_list(b, json_object_get_string(v), VT_CPU_ID_MAX, r->err)) < 0)
        vt_err_prefix(r->err, "%s: %s.%s: ", r->name, where, key);
    return rc;
}

static int read_part(const struct rd *r, const char *where, struct json_object *o,
                     struct place_guest *g, size_t p, unsigned *first)
{
    static const char *const keys[] = {"pnode",    "vcpus", "memory_bytes", "pcpus", "reserved",
                                       "emulator", NULL};
    struct place_part *pp = &g->parts[p];
    bool ded = g->pub.cpu_policy == VT_CPU_DEDICATED;
    struct json_object *v;
    uint64_t x;
    int rc;

    if (!json_object_is_type(o, json_type_object))
        return bad(r, where, "must be an object");
    if ((rc = check_keys(r, where, o, keys)) < 0 ||
        (rc = get_u64(r, where, o, "pnode", VT_NODE_ID_MAX, &x)) < 0)
        return rc;
    pp->pub.pnode = (unsigned)x;
    for (size_t q = 0; q < p; q++)
        if (g->parts[q].pub.pnode == pp->pub.pnode)
            return bad(r, where, "pnode %u is an earlier part's too", pp->pub.pnode);
    if ((rc = get_u64(r, where, o, "vcpus", VT_MAX_VCPUS, &x)) < 0)
        return rc;
    if (!x)
        return bad(r, where, "vcpus must be at least 1");
    pp->pub.vcpus = (unsigned)x;
    pp->pub.first_vcpu = *first;
    *first += pp->pub.vcpus;
    if ((rc = get_u64(r, where, o, "memory_bytes", UINT64_MAX - 1, &pp->pub.memory_bytes)) < 0)
        return rc;
    if (pp->pub.memory_bytes % (g->pub.hugepage_bytes ? g->pub.hugepage_bytes : VT_MEM_GRANULE))
        return bad(r, where, "memory_bytes must be a multiple of %s",
                   g->pub.hugepage_bytes ? "hugepage_bytes" : "2 MiB");
    if (!(pp->reserved = vt_bitmap_new()) || !(pp->emulator = vt_bitmap_new()))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    if (!ded) {
        if (json_object_object_get_ex(o, "pcpus", &v) ||
            json_object_object_get_ex(o, "reserved", &v) ||
            json_object_object_get_ex(o, "emulator", &v))
            return bad(r, where, "a shared guest's part has no pcpus, reserved or emulator");
        return 0;
    }
    if ((rc = member(r, where, o, "pcpus", json_type_array, "an array of host CPUs", &v)) < 0)
        return rc;
    if (json_object_array_length(v) != pp->pub.vcpus)
        return bad(r, where, "pcpus has %zu entries for %u vCPUs", json_object_array_length(v),
                   pp->pub.vcpus);
    if (!(pp->pcpus = calloc(pp->pub.vcpus + 1, sizeof(*pp->pcpus))))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    for (unsigned k = 0; k < pp->pub.vcpus; k++) {
        struct json_object *c = json_object_array_get_idx(v, k);
        int64_t cpu = c && json_object_is_type(c, json_type_int) ? json_object_get_int64(c) : -1;

        if (cpu < 0 || cpu > VT_CPU_ID_MAX)
            return bad(r, where, "pcpus[%u] must be a host CPU number (0 to %d)", k, VT_CPU_ID_MAX);
        pp->pcpus[k] = (int)cpu;
    }
    if ((rc = get_cpulist(r, where, o, "reserved", pp->reserved)) < 0 ||
        (rc = get_cpulist(r, where, o, "emulator", pp->emulator)) < 0)
        return rc;
    if (p > 0 && !vt_bitmap_iszero(pp->emulator))
        return bad(r, where, "emulator CPUs belong to the first part");
    return 0;
}

static int read_guest(const struct rd *r, const char *where, struct json_object *o,
                      struct place_guest *g)
{
    static const char *const keys[] = {
        "name",       "vcpus",         "memory_bytes",      "hugepage_bytes",
        "cpu_policy", "thread_policy", "overcommit_memory", "parts",
        NULL};
    struct json_object *v, *parts;
    char w[160];
    unsigned first = 0;
    uint64_t x, sum = 0;
    int rc, pol;

    if (!json_object_is_type(o, json_type_object))
        return bad(r, where, "must be an object");
    if ((rc = check_keys(r, where, o, keys)) < 0 ||
        (rc = member(r, where, o, "name", json_type_string, "a string", &v)) < 0)
        return rc;
    if (!place_name_ok(json_object_get_string(v)))
        return bad(r, where, "name '%s' is not a guest name (1 to %d of A-Z a-z 0-9 . _ -)",
                   json_object_get_string(v), VT_PLACE_NAME_MAX);
    if (!(g->name = strdup(json_object_get_string(v))))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    if ((rc = get_u64(r, where, o, "vcpus", VT_MAX_VCPUS, &x)) < 0)
        return rc;
    if (!x)
        return bad(r, where, "vcpus must be at least 1");
    g->pub.vcpus = (unsigned)x;
    if ((rc = get_u64(r, where, o, "memory_bytes", UINT64_MAX - 1, &g->pub.memory_bytes)) < 0 ||
        (rc = get_u64(r, where, o, "hugepage_bytes", UINT64_MAX - 1, &g->pub.hugepage_bytes)) < 0)
        return rc;
    if (g->pub.hugepage_bytes && (g->pub.hugepage_bytes < VT_MEM_GRANULE ||
                                  (g->pub.hugepage_bytes & (g->pub.hugepage_bytes - 1))))
        return bad(r, where, "hugepage_bytes must be 0 or a power of two of 2 MiB or more");
    if ((rc = member(r, where, o, "cpu_policy", json_type_string, "\"dedicated\" or \"shared\"",
                     &v)) < 0)
        return rc;
    if ((pol = vt_cpu_policy_of_name(json_object_get_string(v))) < 0)
        return bad(r, where, "cpu_policy must be \"dedicated\" or \"shared\"");
    g->pub.cpu_policy = (enum vt_cpu_policy)pol;
    if ((rc = member(r, where, o, "thread_policy", json_type_string,
                     "\"prefer\", \"isolate\" or \"require\"", &v)) < 0)
        return rc;
    if ((pol = vt_thread_policy_of_name(json_object_get_string(v))) < 0)
        return bad(r, where, "thread_policy must be \"prefer\", \"isolate\" or \"require\"");
    g->pub.thread_policy = (enum vt_thread_policy)pol;
    if (g->pub.cpu_policy == VT_CPU_SHARED && g->pub.thread_policy != VT_THREAD_PREFER)
        return bad(r, where, "a shared guest's thread_policy is \"prefer\"");
    if ((rc = member(r, where, o, "overcommit_memory", json_type_boolean, "true or false", &v)) < 0)
        return rc;
    g->pub.overcommit_memory = json_object_get_boolean(v);
    if ((rc = member(r, where, o, "parts", json_type_array, "an array", &parts)) < 0)
        return rc;
    g->nparts = json_object_array_length(parts);
    if (g->nparts < 1 || g->nparts > VT_PLACE_MAX_VNODES)
        return bad(r, where, "parts must have 1 to %d entries", VT_PLACE_MAX_VNODES);
    if (!(g->parts = calloc(g->nparts, sizeof(*g->parts))) ||
        !(g->pub_parts = calloc(g->nparts, sizeof(*g->pub_parts))))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    for (size_t p = 0; p < g->nparts; p++) {
        snprintf(w, sizeof(w), "%s.parts[%zu]", where, p);
        if ((rc = read_part(r, w, json_object_array_get_idx(parts, p), g, p, &first)) < 0)
            return rc;
        sum += g->parts[p].pub.memory_bytes;
    }
    if (first != g->pub.vcpus)
        return bad(r, where, "the parts have %u vCPUs, the guest %u", first, g->pub.vcpus);
    if (sum != g->pub.memory_bytes)
        return bad(r, where,
                   "the parts' memory_bytes add up to %" PRIu64 ", the guest's is %" PRIu64, sum,
                   g->pub.memory_bytes);
    place_guest_publish(g);
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vt_place_state_parse(const struct vt_host *h, const char *json, size_t len, const char *name,
                         struct vt_place_state **out, struct vt_err *err)
{
    static const char *const keys[] = {"format",       "version", "topology_fingerprint",
                                       "shared_ratio", "guests",  NULL};
    struct rd r = {name, err};
    struct json_object *root = NULL, *v, *guests;
    struct vt_place_state *s = NULL;
    uint64_t x, ratio;
    int rc;

    vt_err_clear(err);
    *out = NULL;
    if ((rc = json_doc_parse(json, len, name, "a placement state", &root, err)) < 0)
        return rc;
    if (!json_object_is_type(root, json_type_object)) {
        rc = vt_err_set(err, -EINVAL, "%s: not a JSON object", name);
        goto out;
    }
    if ((rc = member(&r, "format", root, "format", json_type_string, "a string", &v)) < 0)
        goto out;
    if (strcmp(json_object_get_string(v), PLACE_FORMAT) != 0) {
        rc = vt_err_set(err, -EINVAL, "%s: format is '%s', not '%s'", name,
                        json_object_get_string(v), PLACE_FORMAT);
        goto out;
    }
    if ((rc = check_keys(&r, "the top level", root, keys)) < 0 ||
        (rc = get_u64(&r, "the top level", root, "version", 1000, &x)) < 0)
        goto out;
    if (x != PLACE_VERSION) {
        rc = bad(&r, "version", "must be %d", PLACE_VERSION);
        goto out;
    }
    if ((rc = get_u64(&r, "the top level", root, "shared_ratio", 1024, &ratio)) < 0)
        goto out;
    if (!ratio) {
        rc = bad(&r, "shared_ratio", "must be at least 1");
        goto out;
    }
    if ((rc = vt_place_state_new(h, (unsigned)ratio, &s, err)) < 0)
        goto out;
    if ((rc = member(&r, "the top level", root, "topology_fingerprint", json_type_string,
                     "a string", &v)) < 0)
        goto out;
    if (strcmp(json_object_get_string(v), s->fingerprint) != 0) {
        rc = vt_err_set(err, -EINVAL,
                        "%s: the state is of another host (topology fingerprint %s; this host's "
                        "is %s: other nodes, CPUs, SMT siblings or memory)",
                        name, json_object_get_string(v), s->fingerprint);
        goto out;
    }
    if ((rc = member(&r, "the top level", root, "guests", json_type_array, "an array", &guests)) <
        0)
        goto out;
    for (size_t i = 0; i < json_object_array_length(guests); i++) {
        struct place_guest g = {0};
        char w[64];

        snprintf(w, sizeof(w), "guests[%zu]", i);
        rc = read_guest(&r, w, json_object_array_get_idx(guests, i), &g);
        if (rc == 0 && (rc = place_add(s, &g, true, err)) < 0)
            vt_err_prefix(err, "%s: %s: ", name, w);
        place_guest_clear(&g);
        if (rc < 0)
            goto out;
    }
    /* Every name once: sorted, each against the next. */
    {
        const char **names = calloc(s->n + 1, sizeof(*names));

        if (!names) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < s->n; i++)
            names[i] = s->g[i].name;
        qsort(names, s->n, sizeof(*names), cmp_name);
        for (size_t i = 1; i < s->n && rc == 0; i++)
            if (!strcmp(names[i - 1], names[i]))
                rc = vt_err_set(err, -EINVAL, "%s: guests: a guest named '%s' is placed already",
                                name, names[i]);
        free(names);
        if (rc < 0)
            goto out;
    }
out:
    json_object_put(root);
    if (rc < 0)
        vt_place_state_free(s);
    else
        *out = s;
    return rc;
}
