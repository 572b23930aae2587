/* The host description file (docs/host-format.md): vt_host to JSON and back.
 * `vtopo host --json`, `--save FILE` and `--host FILE` all use this one format. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "host/host_internal.h"
#include "util/json_doc.h"
#include "host/irq_state.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/parse.h"

#define HOST_FORMAT "vtopo-host"
/* Version 2 added cpus.topology and the devices' driver, iommu_group,
 * physfn and msi_irqs as IRQ numbers (version 1 had only their count);
 * version 1 files still load. */
#define HOST_FORMAT_VERSION 2

/* ---- writing ---------------------------------------------------------- */

static struct json_object *jlist(const struct vt_bitmap *b)
{
    char *s = vt_bitmap_format_list(b);
    struct json_object *o = s ? json_object_new_string(s) : NULL;

    free(s);
    return o;
}

static struct json_object *jhex(uint64_t v, unsigned width)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "0x%0*" PRIx64, (int)width, v);
    return json_object_new_string(buf);
}

/* json_object_object_add takes ownership; a NULL value (out of memory) is
 * recorded so the caller fails once at the end. */
/* An array of numbers printed on one line straight from the host's arrays:
 * a node's distance row (0 printed as null: unknown) or a device's IRQ
 * numbers. At 4096 nodes the distances are 16 M numbers, which as json-c
 * objects, one per line, would take gigabytes to build and 200 MB to store. */
struct dist_row {
    const uint32_t *row;
    size_t n;
    bool zero_is_null;
};

static int dist_row_to_json(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
    const struct dist_row *d = json_object_get_userdata(jso);

    (void)level;
    (void)flags;
    printbuf_strappend(pb, "[");
    for (size_t j = 0; j < d->n; j++) {
        char num[16];
        int len = d->row[j] || !d->zero_is_null
                      ? snprintf(num, sizeof(num), "%s%" PRIu32, j ? ", " : "", d->row[j])
                      : snprintf(num, sizeof(num), "%snull", j ? ", " : "");

        if (printbuf_memappend(pb, num, len) < 0)
            return -1;
    }
    printbuf_strappend(pb, "]");
    return 0;
}

static void dist_row_free(struct json_object *jso, void *userdata)
{
    (void)jso;
    free(userdata);
}

static struct json_object *row_json(const uint32_t *row, size_t n, bool zero_is_null)
{
    struct json_object *o = json_object_new_array();
    struct dist_row *d = malloc(sizeof(*d));

    if (!o || !d) {
        json_object_put(o);
        free(d);
        return NULL;
    }
    *d = (struct dist_row){row, n, zero_is_null};
    json_object_set_serializer(o, dist_row_to_json, d, dist_row_free);
    return o;
}

static struct json_object *dist_json(const struct vt_host *h, size_t i)
{
    return row_json(h->nodes[i].pub.distances, h->nnodes, true);
}

/* A node's "free": what is free on it when it was read (not part of the
 * fingerprint); NULL when the source said nothing of it. */
static struct json_object *free_json(const struct vt_host_node *n, bool *oom)
{
    struct json_object *o, *pools;

    if (n->free_bytes == VT_HOST_FREE_UNKNOWN && !n->nhugepages)
        return NULL;
    if (!(o = json_object_new_object())) {
        *oom = true;
        return NULL;
    }
    if (n->free_bytes != VT_HOST_FREE_UNKNOWN)
        json_doc_put(o, "memory_bytes", json_object_new_uint64(n->free_bytes), oom);
    if (n->nhugepages) {
        pools = json_object_new_array();
        for (size_t k = 0; pools && k < n->nhugepages; k++) {
            struct json_object *p = json_object_new_object();

            if (p) {
                json_doc_put(p, "page_bytes", json_object_new_uint64(n->hugepages[k].page_bytes),
                             oom);
                json_doc_put(p, "total", json_object_new_uint64(n->hugepages[k].total), oom);
                json_doc_put(p, "free", json_object_new_uint64(n->hugepages[k].free), oom);
            }
            json_doc_push(pools, p, oom);
        }
        json_doc_put(o, "hugepages", pools, oom);
    }
    return o;
}

static struct json_object *node_json(const struct vt_host *h, size_t i, bool fingerprint, bool *oom)
{
    const struct vt_host_node *n = &h->nodes[i].pub;
    struct json_object *o = json_object_new_object(), *ranges;

    if (!o)
        return NULL;
    json_doc_put(o, "pnode", json_object_new_int64(n->pnode), oom);
    if (n->host_pxm == VT_PXM_UNKNOWN)
        json_object_object_add(o, "host_pxm", NULL); /* json null */
    else
        json_doc_put(o, "host_pxm", json_object_new_int64(n->host_pxm), oom);
    json_doc_put(o, "cpus", jlist(n->cpus), oom);
    json_doc_put(o, "offline_cpus", jlist(n->offline_cpus), oom);
    json_doc_put(o, "housekeeping_cpus", jlist(n->housekeeping_cpus), oom);
    json_doc_put(o, "memory_bytes", json_object_new_uint64(n->memory_bytes), oom);
    ranges = json_object_new_array();
    for (size_t r = 0; ranges && r < n->nranges; r++) {
        struct json_object *ro = json_object_new_object();

        if (ro) {
            json_doc_put(ro, "start", jhex(n->ranges[r].start, 1), oom);
            json_doc_put(ro, "end", jhex(n->ranges[r].end, 1), oom);
        }
        json_doc_push(ranges, ro, oom);
    }
    json_doc_put(o, "memory_ranges", ranges, oom);
    json_doc_put(o, "has_cpu", json_object_new_boolean(n->has_cpu), oom);
    json_doc_put(o, "has_memory", json_object_new_boolean(n->has_memory), oom);
    json_doc_put(o, "has_generic_initiator", json_object_new_boolean(n->has_generic_initiator),
                 oom);
    json_doc_put(o, "distances", dist_json(h, i), oom); /* unknown: null */
    if (!fingerprint) {
        struct json_object *f = free_json(n, oom);

        if (f)
            json_doc_put(o, "free", f, oom);
    }
    return o;
}

/* fingerprint: only what version 1 of the format had, as it had it. */
static struct json_object *device_json(const struct vt_host_device *d, bool fingerprint, bool *oom)
{
    struct json_object *o = json_object_new_object();

    if (!o)
        return NULL;
    json_doc_put(o, "bdf", json_object_new_string(d->bdf), oom);
    json_doc_put(o, "vendor", jhex(d->vendor, 4), oom);
    json_doc_put(o, "device", jhex(d->device, 4), oom);
    json_doc_put(o, "class", jhex(d->class_code, 6), oom);
    if (d->pnode >= 0)
        json_doc_put(o, "pnode", json_object_new_int64(d->pnode), oom);
    else
        json_object_object_add(o, "pnode", NULL);
    if (d->local_cpus)
        json_doc_put(o, "local_cpus", jlist(d->local_cpus), oom);
    else
        json_object_object_add(o, "local_cpus", NULL);
    if (fingerprint) {
        json_doc_put(o, "msi_irqs", json_object_new_uint64(d->nmsi_irqs), oom);
    } else {
        if (d->driver)
            json_doc_put(o, "driver", json_object_new_string(d->driver), oom);
        if (d->iommu_group >= 0)
            json_doc_put(o, "iommu_group", json_object_new_int64(d->iommu_group), oom);
        if (d->physfn)
            json_doc_put(o, "physfn", json_object_new_string(d->physfn), oom);
        if (d->msi_irqs)
            json_doc_put(o, "msi_irqs", row_json(d->msi_irqs, d->nmsi_irqs, false), oom);
        else if (d->nmsi_irqs)
            json_doc_put(o, "msi_irq_count", json_object_new_uint64(d->nmsi_irqs), oom);
    }
    if (d->nnames) {
        struct json_object *a = json_object_new_array();

        for (size_t k = 0; a && k < d->nnames; k++)
            json_doc_push(a, json_object_new_string(d->names[k]), oom);
        json_doc_put(o, "names", a, oom);
    }
    return o;
}

/* cpus.topology: one object per CPU the host knows the place of; unknown
 * ids and sets are left out. */
static struct json_object *cpu_topology_json(const struct vt_host *h, bool *oom)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; a && i < h->ncpu_topo; i++) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)i);
        const struct {
            const char *key;
            int v;
        } ids[] = {{"package", t ? t->package : -1},
                   {"die", t ? t->die : -1},
                   {"cluster", t ? t->cluster : -1},
                   {"core", t ? t->core : -1}};
        struct json_object *o;

        if (!t)
            continue;
        if (!(o = json_object_new_object())) {
            *oom = true;
            break;
        }
        json_doc_put(o, "cpu", json_object_new_int64((int64_t)i), oom);
        for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
            if (ids[k].v >= 0)
                json_doc_put(o, ids[k].key, json_object_new_int64(ids[k].v), oom);
        if (t->siblings)
            json_doc_put(o, "siblings", jlist(t->siblings), oom);
        if (t->llc) {
            json_doc_put(o, "llc", jlist(t->llc), oom);
            if (t->llc_level)
                json_doc_put(o, "llc_level", json_object_new_int64(t->llc_level), oom);
            if (t->llc_bytes)
                json_doc_put(o, "llc_bytes", json_object_new_uint64(t->llc_bytes), oom);
        }
        json_doc_push(a, o, oom);
    }
    return a;
}

/* The document; with fingerprint, what a fingerprint covers: the
 * version 1 document (so plans made before version 2 keep their host's
 * fingerprint), without what says where the host came from or how it was
 * read (source, warnings) and without what changes with a reboot or a
 * driver rebind though the machine is the same (drivers, IOMMU groups, IRQ
 * numbers; the CPU topology is left out with them, as version 1 had none). */
static int render(const struct vt_host *h, bool fingerprint, const struct vt_irq_state *irqs,
                  char **json, struct vt_err *err)
{
    struct json_object *root = json_object_new_object(), *cpus, *nodes, *devs, *warns;
    const struct vt_host_cpus *c = &h->cpus_pub;
    bool oom = !root;

    *json = NULL;
    if (oom)
        return vt_err_set(err, -ENOMEM, "out of memory");
    json_doc_put(root, "format", json_object_new_string(HOST_FORMAT), &oom);
    json_doc_put(root, "version", json_object_new_int(fingerprint ? 1 : HOST_FORMAT_VERSION), &oom);
    if (!fingerprint)
        json_doc_put(root, "source", json_object_new_string(h->desc), &oom);
    json_doc_put(root, "possible_nodes", jlist(h->possible_nodes), &oom);
    cpus = json_object_new_object();
    if (cpus) {
        json_doc_put(cpus, "vendor", json_object_new_string(vt_host_cpu_vendor_name(c->vendor)),
                     &oom);
        json_doc_put(cpus, "possible", jlist(c->possible), &oom);
        json_doc_put(cpus, "present", jlist(c->present), &oom);
        json_doc_put(cpus, "online", jlist(c->online), &oom);
        json_doc_put(cpus, "offline", jlist(c->offline), &oom);
        json_doc_put(cpus, "isolated", jlist(c->isolated), &oom);
        json_doc_put(cpus, "nohz_full", jlist(c->nohz_full), &oom);
        json_doc_put(cpus, "housekeeping", jlist(c->housekeeping), &oom);
        if (!fingerprint && h->ncpu_topo) /* none known: left out */
            json_doc_put(cpus, "topology", cpu_topology_json(h, &oom), &oom);
    }
    json_doc_put(root, "cpus", cpus, &oom);
    nodes = json_object_new_array();
    for (size_t i = 0; nodes && i < h->nnodes; i++)
        json_doc_push(nodes, node_json(h, i, fingerprint, &oom), &oom);
    json_doc_put(root, "nodes", nodes, &oom);
    devs = json_object_new_array();
    for (size_t i = 0; devs && i < h->ndevs; i++)
        json_doc_push(devs, device_json(&h->devs[i].pub, fingerprint, &oom), &oom);
    json_doc_put(root, "devices", devs, &oom);
    if (!fingerprint) {
        warns = json_object_new_array();
        for (size_t i = 0; warns && i < h->nwarnings; i++)
            json_doc_push(warns, json_object_new_string(h->warnings[i]), &oom);
        json_doc_put(root, "warnings", warns, &oom);
        if (irqs || h->irqs) {
            struct json_object *o = irq_state_json(irqs ? irqs : h->irqs);

            oom |= !o;
            json_doc_put(root, "irqs", o, &oom);
        }
    }

    *json = oom ? NULL : json_doc_text(root);
    json_object_put(root);
    if (!*json)
        return vt_err_set(err, -ENOMEM, "out of memory");
    return 0;
}

int vt_host_to_json(const struct vt_host *h, char **json, struct vt_err *err)
{
    return render(h, false, NULL, json, err);
}

int vt_host_fingerprint(const struct vt_host *h, char fp[VT_HOST_FINGERPRINT_LEN + 1],
                        struct vt_err *err)
{
    char *json;
    int rc = render(h, true, NULL, &json, err);

    if (rc < 0)
        return rc;
    snprintf(fp, VT_HOST_FINGERPRINT_LEN + 1, "%016" PRIx64, fnv1a64(json, strlen(json)));
    free(json);
    return 0;
}

int vt_host_save(const struct vt_host *h, const char *path, struct vt_err *err)
{
    return vt_host_save_irqs(h, NULL, path, err);
}

int vt_host_save_irqs(const struct vt_host *h, const struct vt_irq_state *irqs, const char *path,
                      struct vt_err *err)
{
    char *json;
    int rc = render(h, false, irqs, &json, err);

    if (rc < 0)
        return rc;
    /* What is saved must load back. */
    if (strlen(json) > VT_HOST_FILE_MAX) {
        free(json);
        return vt_err_set(err, -EFBIG,
                          "%s: the host file would be larger than %zu bytes, the most a host "
                          "file may be to load back",
                          path, VT_HOST_FILE_MAX);
    }
    rc = vt_write_file_atomic(path, json, strlen(json), err);
    free(json);
    return rc;
}

/* ---- reading ---------------------------------------------------------- */

struct reader {
    const char *path;
    struct vt_err *err;
    uint64_t version; /* the file's format version */
};

/* A field of the document breaking a rule (json_doc_bad). */
#define bad(r, where, ...) json_doc_bad((r)->err, (r)->path, where, __VA_ARGS__)

/* Every key of o must be in allowed (NULL-terminated). */
static int check_keys(const struct reader *r, const char *where, struct json_object *o,
                      const char *const *allowed)
{
    const char *key = json_doc_unknown_key(o, allowed);

    return key ? bad(r, where, "unknown key '%s'", key) : 0;
}

static int need_type(const struct reader *r, const char *where, struct json_object *v, json_type t,
                     const char *what)
{
    if (!v || !json_object_is_type(v, t))
        return bad(r, where, "must be %s", what);
    return 0;
}

/* A non-negative integer up to max; *present false if the key is absent. */
static int get_uint(const struct reader *r, const char *where, struct json_object *o,
                    const char *key, uint64_t max, bool required, uint64_t *out)
{
    struct json_object *v;
    char w[160];

    snprintf(w, sizeof(w), "%s.%s", where, key);
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return bad(r, w, "%s", "is missing");
        return 1;
    }
    if (!v || !json_object_is_type(v, json_type_int))
        return bad(r, w, "%s", "must be an integer");
    if (json_object_get_int64(v) < 0 && json_object_get_uint64(v) <= (uint64_t)INT64_MAX)
        return bad(r, w, "%s", "must not be negative");
    *out = json_object_get_uint64(v);
    if (*out == UINT64_MAX) /* json-c saturates anything from 2^64 on */
        return bad(r, w, "%s", "is too large (at most 2^64 - 2)");
    if (*out > max) {
        char m[64];

        snprintf(m, sizeof(m), "must be at most %llu", (unsigned long long)max);
        return bad(r, w, "%s", m);
    }
    return 0;
}

static int get_list(const struct reader *r, const char *where, struct json_object *o,
                    const char *key, unsigned max_id, bool required, struct vt_bitmap *b)
{
    struct json_object *v;
    char w[160];
    int rc;

    snprintf(w, sizeof(w), "%s.%s", where, key);
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return bad(r, w, "%s", "is missing");
        return 1;
    }
    if ((rc = need_type(r, w, v, json_type_string, "a cpulist string such as \"0-3,8\"")) < 0)
        return rc;
    rc = vt_bitmap_parse_list(b, json_object_get_string(v), max_id, r->err);
    if (rc < 0)
        vt_err_prefix(r->err, "%s: %s: ", r->path, w);
    return rc;
}

static int get_hex_string(const struct reader *r, const char *where, struct json_object *v,
                          uint64_t max, uint64_t *out)
{
    int rc = need_type(r, where, v, json_type_string, "a hex string such as \"0x8086\"");

    if (rc < 0)
        return rc;
    if (strncmp(json_object_get_string(v), "0x", 2) != 0 ||
        parse_u64_base(json_object_get_string(v), 16, out) < 0 || *out > max)
        return bad(r, where, "'%s' is not a hex value in range", json_object_get_string(v));
    return 0;
}

static int read_ranges(const struct reader *r, const char *where, struct json_object *a,
                       struct host_node *n)
{
    static const char *const keys[] = {"start", "end", NULL};
    int rc;

    if ((rc = need_type(r, where, a, json_type_array, "an array of {start, end}")) < 0)
        return rc;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        struct json_object *e = json_object_array_get_idx(a, i), *s, *en;
        uint64_t start, end;
        char w[192];

        snprintf(w, sizeof(w), "%s[%zu]", where, i);
        if ((rc = need_type(r, w, e, json_type_object, "an object {start, end}")) < 0 ||
            (rc = check_keys(r, w, e, keys)) < 0)
            return rc;
        if (!json_object_object_get_ex(e, "start", &s) || !json_object_object_get_ex(e, "end", &en))
            return bad(r, w, "%s", "needs both start and end");
        snprintf(w, sizeof(w), "%s[%zu].start", where, i);
        if ((rc = get_hex_string(r, w, s, UINT64_MAX, &start)) < 0)
            return rc;
        snprintf(w, sizeof(w), "%s[%zu].end", where, i);
        if ((rc = get_hex_string(r, w, en, UINT64_MAX, &end)) < 0)
            return rc;
        if (end <= start)
            return bad(r, w, "%s", "must be above start (ranges are [start, end))");
        if (host_add_range(n, start, end) < 0)
            return bad(r, where, "%s", "too many ranges");
    }
    return 0;
}

static const char *const node_keys[] = {
    "pnode",        "host_pxm",      "cpus",    "offline_cpus", "housekeeping_cpus",
    "memory_bytes", "memory_ranges", "has_cpu", "has_memory",   "has_generic_initiator",
    "distances",    "free",          NULL};

/* A node's "free" (free_json). */
static int read_free(const struct reader *r, const char *where, struct json_object *o,
                     struct host_node *n)
{
    static const char *const keys[] = {"memory_bytes", "hugepages", NULL};
    static const char *const pool_keys[] = {"page_bytes", "total", "free", NULL};
    struct json_object *v;
    char w[96];
    int rc;

    snprintf(w, sizeof(w), "%s.free", where);
    if ((rc = need_type(r, w, o, json_type_object, "an object")) < 0 ||
        (rc = check_keys(r, w, o, keys)) < 0 ||
        (rc = get_uint(r, w, o, "memory_bytes", UINT64_MAX - 1, false, &n->pub.free_bytes)) < 0)
        return rc;
    if (!json_object_object_get_ex(o, "hugepages", &v))
        return 0;
    snprintf(w, sizeof(w), "%s.free.hugepages", where);
    if ((rc = need_type(r, w, v, json_type_array, "an array")) < 0)
        return rc;
    for (size_t k = 0; k < json_object_array_length(v); k++) {
        struct json_object *p = json_object_array_get_idx(v, k);
        uint64_t size, total, nfree;
        char wp[128];

        snprintf(wp, sizeof(wp), "%s[%zu]", w, k);
        if ((rc = need_type(r, wp, p, json_type_object, "an object")) < 0 ||
            (rc = check_keys(r, wp, p, pool_keys)) < 0 ||
            (rc = get_uint(r, wp, p, "page_bytes", UINT64_MAX - 1, true, &size)) < 0 ||
            (rc = get_uint(r, wp, p, "total", UINT64_MAX - 1, true, &total)) < 0 ||
            (rc = get_uint(r, wp, p, "free", UINT64_MAX - 1, true, &nfree)) < 0)
            return rc;
        if (size < 4096 || (size & (size - 1)))
            return bad(r, wp, "%s", "page_bytes must be a power of two of at least 4096");
        if ((rc = host_add_hugepages(n, size, total, nfree)) < 0)
            return rc == -ENOMEM   ? vt_err_set(r->err, -ENOMEM, "out of memory")
                   : rc == -EEXIST ? bad(r, wp, "%s", "page_bytes is given twice")
                                   : bad(r, wp, "%s", "too many huge page sizes");
    }
    return 0;
}

static int read_node(const struct reader *r, struct vt_host *h, struct json_object *o, size_t idx)
{
    char w[64];
    struct host_node *n;
    struct json_object *v;
    uint64_t pnode, pxm;
    struct vt_bitmap *tmp;
    int rc;

    snprintf(w, sizeof(w), "nodes[%zu]", idx);
    if ((rc = need_type(r, w, o, json_type_object, "an object")) < 0 ||
        (rc = check_keys(r, w, o, node_keys)) < 0 ||
        (rc = get_uint(r, w, o, "pnode", VT_NODE_ID_MAX, true, &pnode)) < 0)
        return rc;
    if (h->nnodes && pnode <= h->nodes[h->nnodes - 1].pub.pnode)
        return bad(r, w, "%s", "pnode must be above the previous node's (ascending, unique)");
    if (!(n = host_add_node(h, (unsigned)pnode)))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    if (!json_object_object_get_ex(o, "host_pxm", &v))
        return bad(r, w, "%s", "host_pxm is missing (use null when unknown)");
    if (v) {
        rc = get_uint(r, w, o, "host_pxm", UINT32_MAX - 2, true, &pxm);
        if (rc < 0)
            return rc;
        n->pub.host_pxm = (uint32_t)pxm;
    }
    if ((rc = get_list(r, w, o, "cpus", VT_CPU_ID_MAX, true, n->listed)) < 0)
        return rc;
    if (!(tmp = vt_bitmap_new()))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    rc = get_list(r, w, o, "offline_cpus", VT_CPU_ID_MAX, false, tmp);
    if (rc == 0 && vt_bitmap_intersects(tmp, n->listed))
        rc = bad(r, w, "%s", "offline_cpus and cpus must not share a CPU");
    if (rc == 0 && vt_bitmap_or(n->listed, tmp) < 0)
        rc = vt_err_set(r->err, -ENOMEM, "out of memory");
    vt_bitmap_free(tmp);
    if (rc < 0)
        return rc;
    if ((rc = get_uint(r, w, o, "memory_bytes", UINT64_MAX, true, &n->pub.memory_bytes)) < 0)
        return rc;
    if (json_object_object_get_ex(o, "memory_ranges", &v)) {
        char wr[96];

        snprintf(wr, sizeof(wr), "%s.memory_ranges", w);
        if ((rc = read_ranges(r, wr, v, n)) < 0)
            return rc;
    }
    if (json_object_object_get_ex(o, "free", &v) && (rc = read_free(r, w, v, n)) < 0)
        return rc;
    if (json_object_object_get_ex(o, "has_generic_initiator", &v)) {
        char wr[96];

        snprintf(wr, sizeof(wr), "%s.has_generic_initiator", w);
        if ((rc = need_type(r, wr, v, json_type_boolean, "true or false")) < 0)
            return rc;
        n->pub.has_generic_initiator = json_object_get_boolean(v);
    }
    return 0;
}

/* Distances need every node first: row i has one entry per node, null = unknown. */
static int read_distances(const struct reader *r, struct vt_host *h, struct json_object *nodes)
{
    for (size_t i = 0; i < h->nnodes; i++) {
        struct json_object *o = json_object_array_get_idx(nodes, i), *row;
        char w[64];
        int rc;

        snprintf(w, sizeof(w), "nodes[%zu].distances", i);
        if (!json_object_object_get_ex(o, "distances", &row))
            continue; /* unknown */
        if ((rc = need_type(r, w, row, json_type_array, "an array")) < 0)
            return rc;
        if (json_object_array_length(row) != h->nnodes) {
            char m[96];

            snprintf(m, sizeof(m), "has %zu entries, expected one per node (%zu)",
                     json_object_array_length(row), h->nnodes);
            return bad(r, w, "%s", m);
        }
        for (size_t j = 0; j < h->nnodes; j++) {
            struct json_object *v = json_object_array_get_idx(row, j);
            int64_t d;

            if (!v)
                continue;
            if (!json_object_is_type(v, json_type_int) || (d = json_object_get_int64(v)) < 1 ||
                d > 65535) {
                char m[64];

                snprintf(m, sizeof(m), "entry %zu must be null or an integer 1..65535", j);
                return bad(r, w, "%s", m);
            }
            h->dist[i * h->nnodes + j] = (uint32_t)d;
        }
    }
    return 0;
}

/* A string naming a driver or a PCI address; the copy into *out. */
static int get_name(const struct reader *r, const char *where, struct json_object *o,
                    const char *key, bool bdf, char **out)
{
    struct json_object *v;
    char w[160];
    const char *text;
    int rc;

    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    snprintf(w, sizeof(w), "%s.%s", where, key);
    if ((rc = need_type(r, w, v, json_type_string,
                        bdf ? "a PCI address \"DDDD:BB:DD.F\"" : "a driver name")) < 0)
        return rc;
    text = json_object_get_string(v);
    if (bdf) {
        char norm[BDF_TEXT_MAX];

        if (bdf_normalize(text, norm) < 0)
            return bad(r, w, "'%s' is not a PCI address DDDD:BB:DD.F", text);
        if (!(*out = strdup(norm)))
            return vt_err_set(r->err, -ENOMEM, "out of memory");
        return 0;
    }
    if (!host_device_name_ok(text))
        return bad(r, w, "'%s' is not a driver name (1 to %d of A-Z a-z 0-9 . _ : @ + -)", text,
                   VT_HOST_DEVICE_NAME_MAX);
    if (!(*out = strdup(text)))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    return 0;
}

/* driver, iommu_group, physfn and the MSI vectors: msi_irqs is the IRQ
 * numbers from version 2 on (msi_irq_count when only the count is known),
 * the count in version 1. */
static int read_device_v2(const struct reader *r, const char *w, struct json_object *o,
                          struct host_dev *d)
{
    struct json_object *v;
    char wf[96];
    uint64_t x;
    int rc;

    if ((rc = get_name(r, w, o, "driver", false, &d->driver)) < 0 ||
        (rc = get_name(r, w, o, "physfn", true, &d->physfn)) < 0)
        return rc;
    if ((rc = get_uint(r, w, o, "iommu_group", INT32_MAX, false, &x)) < 0)
        return rc;
    if (rc == 0)
        d->pub.iommu_group = (int)x;
    if (r->version < 2) {
        if (json_object_object_get_ex(o, "msi_irq_count", NULL))
            return bad(r, w, "%s", "msi_irq_count is version 2's (the file says version 1)");
        if ((rc = get_uint(r, w, o, "msi_irqs", VT_HOST_DEVICE_MAX_MSI, false, &x)) < 0)
            return rc;
        d->pub.nmsi_irqs = rc == 0 ? (size_t)x : 0;
        return 0;
    }
    if ((rc = get_uint(r, w, o, "msi_irq_count", VT_HOST_DEVICE_MAX_MSI, false, &x)) < 0)
        return rc;
    if (rc == 0) {
        if (json_object_object_get_ex(o, "msi_irqs", &v))
            return bad(r, w, "%s",
                       "msi_irqs and msi_irq_count: give one (the IRQ numbers, or "
                       "only their count when they are not known)");
        d->pub.nmsi_irqs = (size_t)x;
        return 0;
    }
    if (!json_object_object_get_ex(o, "msi_irqs", &v))
        return 0;
    snprintf(wf, sizeof(wf), "%s.msi_irqs", w);
    if ((rc = need_type(r, wf, v, json_type_array, "an array of IRQ numbers")) < 0)
        return rc;
    for (size_t k = 0; k < json_object_array_length(v); k++) {
        struct json_object *e = json_object_array_get_idx(v, k);
        int64_t irq = e && json_object_is_type(e, json_type_int) ? json_object_get_int64(e) : -1;

        if (irq < 0 || irq >= (int64_t)UINT32_MAX)
            return bad(r, wf, "entry %zu must be an IRQ number (0 to 4294967294)", k);
        if ((rc = host_dev_add_msi(d, (unsigned)irq)) == -ENOMEM)
            return vt_err_set(r->err, -ENOMEM, "out of memory");
        if (rc < 0)
            return bad(r, wf, "more than %d vectors", VT_HOST_DEVICE_MAX_MSI);
    }
    return 0;
}

static int read_device(const struct reader *r, struct vt_host *h, struct json_object *o, size_t idx)
{
    static const char *const keys[] = {
        "bdf",    "vendor",      "device", "class",    "pnode",         "local_cpus", "names",
        "driver", "iommu_group", "physfn", "msi_irqs", "msi_irq_count", NULL};
    struct json_object *v;
    struct host_dev *d;
    char w[64], wf[96];
    uint64_t x;
    int rc;

    snprintf(w, sizeof(w), "devices[%zu]", idx);
    if ((rc = need_type(r, w, o, json_type_object, "an object")) < 0 ||
        (rc = check_keys(r, w, o, keys)) < 0)
        return rc;
    if (!(d = host_add_device(h)))
        return bad(r, w, "%s", "too many devices");
    snprintf(wf, sizeof(wf), "%s.bdf", w);
    if (!json_object_object_get_ex(o, "bdf", &v))
        return bad(r, wf, "%s", "is missing");
    if ((rc = need_type(r, wf, v, json_type_string, "a PCI address \"DDDD:BB:DD.F\"")) < 0)
        return rc;
    if (parse_bdf(json_object_get_string(v), &d->pub.pci_domain, &d->pub.bus, &d->pub.dev,
                  &d->pub.fn) < 0)
        return bad(r, wf, "'%s' is not a PCI address DDDD:BB:DD.F", json_object_get_string(v));
    snprintf(d->pub.bdf, sizeof(d->pub.bdf), "%04x:%02x:%02x.%x", d->pub.pci_domain, d->pub.bus,
             d->pub.dev, d->pub.fn);
    snprintf(wf, sizeof(wf), "%s.vendor", w);
    if (json_object_object_get_ex(o, "vendor", &v)) {
        if ((rc = get_hex_string(r, wf, v, 0xffff, &x)) < 0)
            return rc;
        d->pub.vendor = (uint16_t)x;
    }
    snprintf(wf, sizeof(wf), "%s.device", w);
    if (json_object_object_get_ex(o, "device", &v)) {
        if ((rc = get_hex_string(r, wf, v, 0xffff, &x)) < 0)
            return rc;
        d->pub.device = (uint16_t)x;
    }
    snprintf(wf, sizeof(wf), "%s.class", w);
    if (json_object_object_get_ex(o, "class", &v)) {
        if ((rc = get_hex_string(r, wf, v, 0xffffff, &x)) < 0)
            return rc;
        d->pub.class_code = (uint32_t)x;
    }
    if (json_object_object_get_ex(o, "pnode", &v) && v) {
        if ((rc = get_uint(r, w, o, "pnode", VT_NODE_ID_MAX, true, &x)) < 0)
            return rc;
        d->pub.pnode = (int)x;
    }
    if (json_object_object_get_ex(o, "local_cpus", &v) && v) {
        if (!(d->local_cpus = vt_bitmap_new()))
            return vt_err_set(r->err, -ENOMEM, "out of memory");
        if ((rc = get_list(r, w, o, "local_cpus", VT_CPU_ID_MAX, true, d->local_cpus)) < 0)
            return rc;
    }
    if ((rc = read_device_v2(r, w, o, d)) < 0)
        return rc;
    snprintf(wf, sizeof(wf), "%s.names", w);
    if (json_object_object_get_ex(o, "names", &v)) {
        if ((rc = need_type(r, wf, v, json_type_array, "an array of device names")) < 0)
            return rc;
        for (size_t k = 0; k < json_object_array_length(v); k++) {
            struct json_object *e = json_object_array_get_idx(v, k);
            const char *name = json_object_get_string(e);
            char we[160];

            snprintf(we, sizeof(we), "%s[%zu]", wf, k);
            if ((rc = need_type(r, we, e, json_type_string, "a device name")) < 0)
                return rc;
            if (!host_device_name_ok(name))
                return bad(r, we, "'%s' is not a device name (1 to %d of A-Z a-z 0-9 . _ : @ + -)",
                           name, VT_HOST_DEVICE_NAME_MAX);
            if ((rc = host_dev_add_name(d, name)) == -ENOMEM)
                return vt_err_set(r->err, -ENOMEM, "out of memory");
            if (rc < 0)
                return bad(r, wf, "more than %d names", VT_HOST_DEVICE_MAX_NAMES);
        }
    }
    return 0;
}

/* Two nodes with one firmware proximity domain would be one node to Linux
 * (it numbers nodes by PXM), and a plan could not tell them apart. */
struct pxm_node {
    uint32_t pxm;
    size_t idx;
};

static int cmp_pxm_node(const void *a, const void *b)
{
    const struct pxm_node *x = a, *y = b;

    if (x->pxm != y->pxm)
        return x->pxm < y->pxm ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int unique_pxms(const struct reader *r, const struct vt_host *h)
{
    struct pxm_node *v = malloc((h->nnodes ? h->nnodes : 1) * sizeof(*v));
    size_t n = 0;
    int rc = 0;

    if (!v)
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < h->nnodes; i++)
        if (h->nodes[i].pub.host_pxm != VT_PXM_UNKNOWN)
            v[n++] = (struct pxm_node){h->nodes[i].pub.host_pxm, i};
    qsort(v, n, sizeof(*v), cmp_pxm_node);
    for (size_t k = 1; k < n && rc == 0; k++)
        if (v[k].pxm == v[k - 1].pxm) {
            char w[64], m[160];

            snprintf(w, sizeof(w), "nodes[%zu].host_pxm", v[k].idx);
            snprintf(m, sizeof(m),
                     "%u is nodes[%zu]'s too; each node has a proximity domain of its own (Linux "
                     "makes one node of one PXM)",
                     v[k].pxm, v[k - 1].idx);
            rc = bad(r, w, "%s", m);
        }
    free(v);
    return rc;
}

/* cpus.topology (version 2): each CPU once; absent keys are unknown. */
static int read_cpu_topology(const struct reader *r, struct vt_host *h, struct json_object *a)
{
    static const char *const keys[] = {"cpu",      "package", "die",       "cluster",   "core",
                                       "siblings", "llc",     "llc_level", "llc_bytes", NULL};
    int rc;

    if ((rc = need_type(r, "cpus.topology", a, json_type_array, "an array of CPUs")) < 0)
        return rc;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        struct json_object *o = json_object_array_get_idx(a, i);
        const char *id_keys[] = {"package", "die", "cluster", "core"};
        struct host_cpu *c;
        uint64_t cpu, x;
        char w[64];
        int *ids[4];

        snprintf(w, sizeof(w), "cpus.topology[%zu]", i);
        if ((rc = need_type(r, w, o, json_type_object, "an object")) < 0 ||
            (rc = check_keys(r, w, o, keys)) < 0 ||
            (rc = get_uint(r, w, o, "cpu", VT_CPU_ID_MAX, true, &cpu)) < 0)
            return rc;
        if (vt_host_cpu_topo(h, (unsigned)cpu))
            return bad(r, w, "CPU %" PRIu64 " is listed twice", cpu);
        if (!(c = host_cpu_topo(h, (unsigned)cpu)))
            return vt_err_set(r->err, -ENOMEM, "out of memory");
        ids[0] = &c->pub.package;
        ids[1] = &c->pub.die;
        ids[2] = &c->pub.cluster;
        ids[3] = &c->pub.core;
        for (size_t k = 0; k < 4; k++) {
            if ((rc = get_uint(r, w, o, id_keys[k], INT32_MAX, false, &x)) < 0)
                return rc;
            if (rc == 0)
                *ids[k] = (int)x;
        }
        if (json_object_object_get_ex(o, "siblings", NULL)) {
            if (!(c->siblings = vt_bitmap_new()))
                return vt_err_set(r->err, -ENOMEM, "out of memory");
            if ((rc = get_list(r, w, o, "siblings", VT_CPU_ID_MAX, true, c->siblings)) < 0)
                return rc;
        }
        if (json_object_object_get_ex(o, "llc", NULL)) {
            if (!(c->llc = vt_bitmap_new()))
                return vt_err_set(r->err, -ENOMEM, "out of memory");
            if ((rc = get_list(r, w, o, "llc", VT_CPU_ID_MAX, true, c->llc)) < 0)
                return rc;
        } else if (json_object_object_get_ex(o, "llc_level", NULL) ||
                   json_object_object_get_ex(o, "llc_bytes", NULL)) {
            return bad(r, w, "%s", "llc_level and llc_bytes describe llc, which is missing");
        }
        if ((rc = get_uint(r, w, o, "llc_level", 255, false, &x)) < 0)
            return rc;
        if (rc == 0 && x == 0)
            return bad(r, w, "%s",
                       "llc_level must be 1 or more (a cache level; leave it out "
                       "when not known)");
        c->pub.llc_level = rc == 0 ? (unsigned)x : 0;
        if ((rc = get_uint(r, w, o, "llc_bytes", UINT64_MAX, false, &c->pub.llc_bytes)) < 0)
            return rc;
    }
    return 0;
}

static int read_root(struct reader *r, struct vt_host *h, struct json_object *root)
{
    static const char *const keys[] = {"format", "version", "source",   "possible_nodes", "cpus",
                                       "nodes",  "devices", "warnings", "irqs",           NULL};
    static const char *const cpu_keys[] = {"vendor",   "possible", "present",   "online",
                                           "offline",  "isolated", "nohz_full", "housekeeping",
                                           "topology", NULL};
    struct json_object *v, *cpus, *nodes, *devs;
    uint64_t version;
    int rc;

    if ((rc = need_type(r, "top level", root, json_type_object, "an object")) < 0 ||
        (rc = check_keys(r, "top level", root, keys)) < 0)
        return rc;
    if (!json_object_object_get_ex(root, "format", &v) || !v ||
        !json_object_is_type(v, json_type_string) ||
        strcmp(json_object_get_string(v), HOST_FORMAT) != 0)
        return bad(r, "format", "%s", "must be \"" HOST_FORMAT "\"");
    if ((rc = get_uint(r, "top level", root, "version", UINT32_MAX, true, &version)) < 0)
        return rc;
    if (version < 1 || version > HOST_FORMAT_VERSION)
        return bad(r, "version", "%s",
                   "must be 1 or 2 (this vtopo reads version 1 and 2 host files)");
    r->version = version;
    if (!json_object_object_get_ex(root, "cpus", &cpus))
        return bad(r, "cpus", "%s", "is missing");
    if ((rc = need_type(r, "cpus", cpus, json_type_object, "an object")) < 0 ||
        (rc = check_keys(r, "cpus", cpus, cpu_keys)) < 0 ||
        (rc = get_list(r, "cpus", cpus, "online", VT_CPU_ID_MAX, true, h->cpu_online)) < 0)
        return rc;
    if (json_object_object_get_ex(cpus, "vendor", &v)) {
        int vendor = json_object_is_type(v, json_type_string)
                         ? host_cpu_vendor_of_name(json_object_get_string(v))
                         : -1;

        if (vendor < 0)
            return bad(r, "cpus.vendor", "%s",
                       "must be \"unknown\", \"intel\", \"amd\", \"x86\", \"arm\", "
                       "\"power\" or \"other\"");
        h->cpus_pub.vendor = (enum vt_host_cpu_vendor)vendor;
    }
    if ((rc = get_list(r, "cpus", cpus, "possible", VT_CPU_ID_MAX, false, h->cpu_possible)) < 0 ||
        (rc = get_list(r, "cpus", cpus, "present", VT_CPU_ID_MAX, false, h->cpu_present)) < 0 ||
        (rc = get_list(r, "cpus", cpus, "isolated", VT_CPU_ID_MAX, false, h->cpu_isolated)) < 0 ||
        (rc = get_list(r, "cpus", cpus, "nohz_full", VT_CPU_ID_MAX, false, h->cpu_nohz_full)) < 0)
        return rc;
    if (json_object_object_get_ex(cpus, "topology", &v)) {
        if (version < 2)
            return bad(r, "cpus.topology", "%s", "is version 2's (the file says version 1)");
        if ((rc = read_cpu_topology(r, h, v)) < 0)
            return rc;
    }
    if ((rc = get_list(r, "top level", root, "possible_nodes", VT_NODE_ID_MAX, false,
                       h->possible_nodes)) < 0)
        return rc;
    if (!json_object_object_get_ex(root, "nodes", &nodes))
        return bad(r, "nodes", "%s", "is missing");
    if ((rc = need_type(r, "nodes", nodes, json_type_array, "an array")) < 0)
        return rc;
    if (json_object_array_length(nodes) == 0)
        return bad(r, "nodes", "%s", "must list at least one node");
    if (json_object_array_length(nodes) > VT_HOST_MAX_NODES)
        return bad(r, "nodes", "%s", "lists more nodes than the limit of 4096");
    for (size_t i = 0; i < json_object_array_length(nodes); i++)
        if ((rc = read_node(r, h, json_object_array_get_idx(nodes, i), i)) < 0)
            return rc;
    if ((rc = unique_pxms(r, h)) < 0)
        return rc;
    if (host_alloc_distances(h) < 0)
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    if ((rc = read_distances(r, h, nodes)) < 0)
        return rc;
    if (json_object_object_get_ex(root, "devices", &devs)) {
        if ((rc = need_type(r, "devices", devs, json_type_array, "an array")) < 0)
            return rc;
        for (size_t i = 0; i < json_object_array_length(devs); i++)
            if ((rc = read_device(r, h, json_object_array_get_idx(devs, i), i)) < 0)
                return rc;
    }
    /* Keep the original source's description, so save/load round-trips. */
    if (json_object_object_get_ex(root, "source", &v)) {
        char *desc;

        if ((rc = need_type(r, "source", v, json_type_string, "a string")) < 0)
            return rc;
        if (!(desc = strdup(json_object_get_string(v))))
            return vt_err_set(r->err, -ENOMEM, "out of memory");
        free(h->desc);
        h->desc = desc;
    }
    if (json_object_object_get_ex(root, "warnings", &v)) {
        if ((rc = need_type(r, "warnings", v, json_type_array, "an array of strings")) < 0)
            return rc;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *s = json_object_array_get_idx(v, i);

            if ((rc = need_type(r, "warnings", s, json_type_string, "an array of strings")) < 0)
                return rc;
            host_warn(h, "%s", json_object_get_string(s));
        }
        h->nrecorded_warnings = h->nwarnings;
    }
    if (json_object_object_get_ex(root, "irqs", &v)) {
        if (version < 2)
            return bad(r, "irqs", "%s", "is version 2's (the file says version 1)");
        if ((rc = irq_state_from_json(v, r->path, &h->irqs, r->err)) < 0)
            return rc;
    }
    return 0;
}

/*
 * json-c keeps the last of two equal keys in one object, other parsers the
 * first: a host file that says two things must not be read as either. The
 * text is valid JSON here (json-c took it), so a scan of strings and
 * brackets finds each object's keys; when an object closes its keys are
 * sorted and neighbours compared (n log n: an object of a million keys is
 * fine). Keys are compared as written.
 */
struct json_key {
    const char *at; /* the opening quote */
    size_t len;     /* up to the closing quote */
    size_t line;
};

struct key_frame {
    bool object, want_key;
    struct json_key *keys;
    size_t n, cap;
};

static int cmp_json_key(const void *a, const void *b)
{
    const struct json_key *x = a, *y = b;
    int c;

    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if ((c = memcmp(x->at, y->at, x->len)) != 0)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The object's keys, each once; else the sentence. */
static int unique_keys(const char *path, struct key_frame *f, struct vt_err *err)
{
    if (f->n < 2) /* (an empty object has no array at all) */
        return 0;
    qsort(f->keys, f->n, sizeof(*f->keys), cmp_json_key);
    for (size_t k = 1; k < f->n; k++)
        if (f->keys[k].len == f->keys[k - 1].len &&
            !memcmp(f->keys[k].at, f->keys[k - 1].at, f->keys[k].len))
            return vt_err_set(err, -EINVAL,
                              "%s: line %zu: key %.*s is given twice in one object (JSON "
                              "parsers disagree on which one counts)",
                              path, f->keys[k].line,
                              (int)(f->keys[k].len + 1 > 80 ? 80 : f->keys[k].len + 1),
                              f->keys[k].at);
    return 0;
}

static int duplicate_key(const char *path, const char *text, size_t len, struct vt_err *err)
{
    struct key_frame *stack = NULL;
    size_t depth = 0, cap = 0, line = 1;
    int rc = 0;

    for (size_t i = 0; i < len && rc == 0; i++) {
        char c = text[i];

        if (c == '\n') {
            line++;
        } else if (c == '{' || c == '[') {
            if (depth == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct key_frame *ns = realloc(stack, ncap * sizeof(*ns));

                if (!ns) {
                    rc = vt_err_set(err, -ENOMEM, "out of memory");
                    break;
                }
                stack = ns;
                cap = ncap;
            }
            stack[depth++] = (struct key_frame){c == '{', c == '{', NULL, 0, 0};
        } else if ((c == '}' || c == ']') && depth) {
            depth--;
            rc = unique_keys(path, &stack[depth], err);
            free(stack[depth].keys);
        } else if (c == ',' && depth && stack[depth - 1].object) {
            stack[depth - 1].want_key = true;
        } else if (c == '"') {
            size_t start = i++;
            struct key_frame *f = depth ? &stack[depth - 1] : NULL;

            while (i < len && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            if (!f || !f->want_key)
                continue;
            f->want_key = false;
            if (f->n == f->cap) {
                size_t ncap = f->cap ? f->cap * 2 : 16;
                struct json_key *nk = realloc(f->keys, ncap * sizeof(*nk));

                if (!nk) {
                    rc = vt_err_set(err, -ENOMEM, "out of memory");
                    break;
                }
                f->keys = nk;
                f->cap = ncap;
            }
            f->keys[f->n++] = (struct json_key){text + start, i - start, line};
        }
    }
    while (depth--)
        free(stack[depth].keys);
    free(stack);
    return rc;
}

int host_load_file(struct vt_host *h, const char *path, struct vt_err *err)
{
    struct reader r = {path, err, 0};
    struct json_object *root;
    char *text;
    size_t len;
    int rc;

    if ((rc = vt_read_file(path, VT_HOST_FILE_MAX, VT_READ_STREAM, &text, &len, err)) < 0)
        return rc;
    if ((rc = json_doc_parse(text, len, path, "a host file", &root, err)) == 0) {
        if ((rc = duplicate_key(path, text, len, err)) == 0)
            rc = read_root(&r, h, root);
        json_object_put(root);
    }
    free(text);
    return rc;
}
