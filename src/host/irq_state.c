/* The interrupt state's data: building it, its accessors and its JSON form
 * (the host file's "irqs"). The sources are in irqs.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/proc_interrupts.h"
#include "host/irq_state.h"
#include "util/hash.h"
#include "util/json_doc.h"
#include "util/parse.h"

const char *vt_irq_managed_name(enum vt_irq_managed m)
{
    return m == VT_IRQ_MANAGED_YES ? "yes" : m == VT_IRQ_MANAGED_NO ? "no" : "unknown";
}

struct vt_irq_state *irq_state_new(const char *source)
{
    struct vt_irq_state *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->source = strdup(source);
    s->cpus = vt_bitmap_new();
    if (!s->source || !s->cpus) {
        vt_irq_state_free(s);
        return NULL;
    }
    return s;
}

void vt_irq_state_free(struct vt_irq_state *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nirqs; i++) {
        struct irq_entry *e = &s->irqs[i];

        free(e->chip);
        free(e->hwirq);
        free(e->actions);
        free(e->bdf);
        free(e->counts);
        vt_bitmap_free(e->affinity);
        vt_bitmap_free(e->effective);
        vt_bitmap_free(e->hint);
    }
    free(s->irqs);
    free(s->keyed);
    free(s->cpu_ids);
    vt_bitmap_free(s->cpus);
    free(s->source);
    free(s);
}

struct irq_entry *irq_state_add(struct vt_irq_state *s, unsigned irq)
{
    struct irq_entry *e;

    if (s->nirqs == s->cap) {
        struct irq_entry *n = realloc(s->irqs, (s->cap = s->cap ? s->cap * 2 : 64) * sizeof(*n));

        if (!n)
            return NULL;
        s->irqs = n;
    }
    e = &s->irqs[s->nirqs++];
    memset(e, 0, sizeof(*e));
    e->pub.irq = irq;
    e->pub.index = -1;
    e->pub.node = -1;
    if (!(e->counts = calloc(s->ncpus ? s->ncpus : 1, sizeof(*e->counts))))
        return NULL;
    return e;
}

static int cmp_key(const void *a, const void *b)
{
    const struct irq_entry *x = *(const struct irq_entry *const *)a;
    const struct irq_entry *y = *(const struct irq_entry *const *)b;
    int c = strcmp(x->bdf, y->bdf);

    return c ? c : (x->pub.index > y->pub.index) - (x->pub.index < y->pub.index);
}

/* The fingerprint: FNV-1a over the CPUs counted, then each keyed vector's
 * BDF, index and managed flag in key order. */
static void fingerprint(struct vt_irq_state *s)
{
    char *cpus = vt_bitmap_format_list(s->cpus);
    uint64_t h = fnv1a64(cpus ? cpus : "", cpus ? strlen(cpus) : 0);

    for (size_t i = 0; i < s->nkeyed; i++) {
        const struct irq_entry *e = s->keyed[i];
        unsigned char tail[3] = {(unsigned char)(e->pub.index >> 8), (unsigned char)e->pub.index,
                                 (unsigned char)e->pub.managed};

        h = (h ^ fnv1a64(e->bdf, strlen(e->bdf))) * UINT64_C(0x100000001b3);
        h = (h ^ fnv1a64(tail, sizeof(tail))) * UINT64_C(0x100000001b3);
    }
    snprintf(s->fp, sizeof(s->fp), "%016llx", (unsigned long long)h);
    free(cpus);
}

int irq_state_finalize(struct vt_irq_state *s, struct vt_err *err)
{
    free(s->keyed);
    s->nkeyed = 0;
    if (!(s->keyed = calloc(s->nirqs ? s->nirqs : 1, sizeof(*s->keyed))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < s->nirqs; i++) {
        struct irq_entry *e = &s->irqs[i];

        e->pub.chip = e->chip ? e->chip : "";
        e->pub.hwirq = e->hwirq ? e->hwirq : "";
        e->pub.actions = e->actions ? e->actions : "";
        e->pub.bdf = e->bdf;
        e->pub.affinity = e->affinity;
        e->pub.effective = e->effective;
        e->pub.hint = e->hint;
        e->pub.total = 0;
        for (size_t c = 0; c < s->ncpus; c++)
            e->pub.total += e->counts[c];
        if (e->bdf && e->pub.index >= 0)
            s->keyed[s->nkeyed++] = e;
    }
    if (s->nkeyed)
        qsort(s->keyed, s->nkeyed, sizeof(*s->keyed), cmp_key);
    for (size_t i = 1; i < s->nkeyed; i++)
        if (!cmp_key(&s->keyed[i - 1], &s->keyed[i]))
            return vt_err_set(err, -EINVAL, "IRQs %u and %u are both vector %d of %s",
                              s->keyed[i - 1]->pub.irq, s->keyed[i]->pub.irq,
                              s->keyed[i]->pub.index, s->keyed[i]->bdf);
    fingerprint(s);
    return 0;
}

size_t vt_irq_state_vector_count(const struct vt_irq_state *s)
{
    return s->nkeyed;
}

const struct vt_irq_info *vt_irq_state_vector(const struct vt_irq_state *s, size_t i)
{
    return i < s->nkeyed ? &s->keyed[i]->pub : NULL;
}

size_t vt_irq_state_count(const struct vt_irq_state *s)
{
    return s->nirqs;
}

const struct vt_irq_info *vt_irq_state_irq(const struct vt_irq_state *s, size_t i)
{
    return i < s->nirqs ? &s->irqs[i].pub : NULL;
}

const struct vt_irq_info *vt_irq_state_find(const struct vt_irq_state *s, const char *bdf,
                                            unsigned index)
{
    struct irq_entry key, *kp = &key, **hit;
    char want[BDF_TEXT_MAX];

    if (bdf_normalize(bdf, want) < 0)
        return NULL;
    key.bdf = want;
    key.pub.index = (int)index;
    hit = bsearch(&kp, s->keyed, s->nkeyed, sizeof(*s->keyed), cmp_key);
    return hit ? &(*hit)->pub : NULL;
}

const struct vt_bitmap *vt_irq_state_cpus(const struct vt_irq_state *s)
{
    return s->cpus;
}

uint64_t vt_irq_state_cpu_count(const struct vt_irq_state *s, size_t i, unsigned cpu)
{
    for (size_t c = 0; i < s->nirqs && c < s->ncpus; c++)
        if (s->cpu_ids[c] == cpu)
            return s->irqs[i].counts[c];
    return 0;
}

bool vt_irq_state_managed_known(const struct vt_irq_state *s)
{
    return s->managed_known;
}

int vt_irq_state_fingerprint(const struct vt_irq_state *s, char fp[VT_IRQ_FINGERPRINT_LEN + 1],
                             struct vt_err *err)
{
    (void)err;
    memcpy(fp, s->fp, VT_IRQ_FINGERPRINT_LEN + 1);
    return 0;
}

const char *vt_irq_state_source(const struct vt_irq_state *s)
{
    return s->source;
}

/* ---- JSON (the host file's "irqs") ------------------------------------- */

static struct json_object *jlist_or_null(const struct vt_bitmap *b, bool *oom)
{
    char *t;
    struct json_object *o;

    if (!b)
        return NULL;
    if (!(t = vt_bitmap_format_list(b))) {
        *oom = true;
        return NULL;
    }
    o = json_object_new_string(t);
    free(t);
    *oom |= !o;
    return o;
}

static void jput(struct json_object *o, const char *k, struct json_object *v, bool *oom)
{
    if (!o || json_object_object_add(o, k, v) < 0)
        *oom = true;
}

struct json_object *irq_state_json(const struct vt_irq_state *s)
{
    struct json_object *root = json_object_new_object(), *vecs = json_object_new_array();
    bool oom = !root || !vecs;

    jput(root, "source", json_object_new_string(s->source), &oom);
    jput(root, "cpus", jlist_or_null(s->cpus, &oom), &oom);
    jput(root, "managed_known", json_object_new_boolean(s->managed_known), &oom);
    for (size_t i = 0; !oom && i < s->nirqs; i++) {
        const struct irq_entry *e = &s->irqs[i];
        struct json_object *v = json_object_new_object(), *counts = json_object_new_array();

        jput(v, "irq", json_object_new_int64(e->pub.irq), &oom);
        jput(v, "chip", json_object_new_string(e->pub.chip), &oom);
        jput(v, "hwirq", json_object_new_string(e->pub.hwirq), &oom);
        jput(v, "actions", json_object_new_string(e->pub.actions), &oom);
        jput(v, "bdf", e->bdf ? json_object_new_string(e->bdf) : NULL, &oom);
        jput(v, "index", e->pub.index >= 0 ? json_object_new_int(e->pub.index) : NULL, &oom);
        for (size_t c = 0; counts && c < s->ncpus; c++)
            if (json_object_array_add(counts, json_object_new_uint64(e->counts[c])) < 0)
                oom = true;
        jput(v, "counts", counts, &oom);
        jput(v, "affinity", jlist_or_null(e->affinity, &oom), &oom);
        jput(v, "effective", jlist_or_null(e->effective, &oom), &oom);
        jput(v, "hint", jlist_or_null(e->hint, &oom), &oom);
        jput(v, "node", json_object_new_int(e->pub.node), &oom);
        jput(v, "managed", json_object_new_string(vt_irq_managed_name(e->pub.managed)), &oom);
        if (!v || json_object_array_add(vecs, v) < 0) {
            json_object_put(v);
            oom = true;
        }
    }
    jput(root, "vectors", vecs, &oom);
    if (oom) {
        json_object_put(root);
        return NULL;
    }
    return root;
}

int vt_irq_state_to_json(const struct vt_irq_state *s, char **json, struct vt_err *err)
{
    struct json_object *o = irq_state_json(s);

    *json = json_doc_text(o);
    json_object_put(o);
    return *json ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
}

struct jr {
    const char *path;
    struct vt_err *err;
};

/* A field of the document breaking a rule (json_doc_bad). */
#define jbad(r, where, ...) json_doc_bad((r)->err, (r)->path, where, __VA_ARGS__)

/* An optional string member (absent or null: NULL). */
static int jstr(const struct jr *r, const char *where, struct json_object *o, const char *key,
                bool required, const char **out)
{
    struct json_object *v = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !v) {
        if (required)
            return jbad(r, where, "\"%s\" is missing", key);
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return jbad(r, where, "\"%s\" must be a string", key);
    *out = json_object_get_string(v);
    if (strchr(*out, '\n'))
        return jbad(r, where, "\"%s\" must be one line", key);
    return 0;
}

static int jcpus(const struct jr *r, const char *where, struct json_object *o, const char *key,
                 struct vt_bitmap **out)
{
    const char *t;
    int rc;

    *out = NULL;
    if ((rc = jstr(r, where, o, key, false, &t)) < 0 || !t)
        return rc;
    if (!(*out = vt_bitmap_new()))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    if ((rc = vt_bitmap_parse_list(*out, t, VT_CPU_ID_MAX, r->err)) < 0)
        vt_err_prefix(r->err, "%s: %s: \"%s\": ", r->path, where, key);
    return rc;
}

static int jint(const struct jr *r, const char *where, struct json_object *o, const char *key,
                int64_t lo, int64_t hi, bool required, int64_t *out)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v) || !v) {
        if (required)
            return jbad(r, where, "\"%s\" is missing", key);
        return 1;
    }
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < lo ||
        json_object_get_int64(v) > hi)
        return jbad(r, where, "\"%s\" must be an integer from %lld to %lld", key, (long long)lo,
                    (long long)hi);
    *out = json_object_get_int64(v);
    return 0;
}

static int read_vector(const struct jr *r, struct vt_irq_state *s, struct json_object *o, size_t i)
{
    static const char *const keys[] = {"irq",   "chip",    "hwirq",    "actions",   "bdf",
                                       "index", "counts",  "affinity", "effective", "hint",
                                       "node",  "managed", NULL};
    char where[48];
    const char *chip, *hwirq, *actions, *bdf, *managed;
    struct json_object *counts;
    struct irq_entry *e;
    int64_t irq, v;
    int rc;

    snprintf(where, sizeof(where), "irqs.vectors[%zu]", i);
    if (!json_object_is_type(o, json_type_object))
        return jbad(r, where, "must be an object");
    json_object_object_foreach(o, key, val)
    {
        size_t k;

        (void)val;
        for (k = 0; keys[k] && strcmp(keys[k], key); k++)
            ;
        if (!keys[k])
            return jbad(r, where, "unknown key '%s'", key);
    }
    if ((rc = jint(r, where, o, "irq", 0, VT_IRQ_MAX_IRQ, true, &irq)) < 0)
        return rc;
    if (s->nirqs && (unsigned)irq <= s->irqs[s->nirqs - 1].pub.irq)
        return jbad(r, where, "IRQ %lld after IRQ %u (the IRQs ascend)", (long long)irq,
                    s->irqs[s->nirqs - 1].pub.irq);
    if ((rc = jstr(r, where, o, "chip", true, &chip)) < 0 ||
        (rc = jstr(r, where, o, "hwirq", false, &hwirq)) < 0 ||
        (rc = jstr(r, where, o, "actions", false, &actions)) < 0 ||
        (rc = jstr(r, where, o, "bdf", false, &bdf)) < 0 ||
        (rc = jstr(r, where, o, "managed", false, &managed)) < 0)
        return rc;
    if (!(e = irq_state_add(s, (unsigned)irq)) || !(e->chip = strdup(chip)) ||
        !(e->hwirq = strdup(hwirq ? hwirq : "")) || !(e->actions = strdup(actions ? actions : "")))
        return vt_err_set(r->err, -ENOMEM, "out of memory");
    if (bdf) {
        char norm[BDF_TEXT_MAX];

        if (bdf_normalize(bdf, norm) < 0)
            return jbad(r, where, "\"bdf\": '%s' is not a PCI address (0000:3b:00.0)", bdf);
        if (!(e->bdf = strdup(norm)))
            return vt_err_set(r->err, -ENOMEM, "out of memory");
        if ((rc = jint(r, where, o, "index", 0, VT_IRQ_MAX_VECTORS - 1, true, &v)) < 0)
            return rc;
        e->pub.index = (int)v;
    } else if (json_object_object_get_ex(o, "index", &counts) && counts) {
        return jbad(r, where, "\"index\" without \"bdf\" (a vector of which device?)");
    }
    if (!managed || !strcmp(managed, "unknown"))
        e->pub.managed = VT_IRQ_MANAGED_UNKNOWN;
    else if (!strcmp(managed, "yes"))
        e->pub.managed = VT_IRQ_MANAGED_YES;
    else if (!strcmp(managed, "no"))
        e->pub.managed = VT_IRQ_MANAGED_NO;
    else
        return jbad(r, where, "\"managed\" must be \"yes\", \"no\" or \"unknown\"");
    if ((rc = jint(r, where, o, "node", -1, VT_NODE_ID_MAX, false, &v)) < 0)
        return rc;
    if (rc == 0)
        e->pub.node = (int)v;
    if ((rc = jcpus(r, where, o, "affinity", &e->affinity)) < 0 ||
        (rc = jcpus(r, where, o, "effective", &e->effective)) < 0 ||
        (rc = jcpus(r, where, o, "hint", &e->hint)) < 0)
        return rc;
    if (json_object_object_get_ex(o, "counts", &counts) && counts) {
        if (!json_object_is_type(counts, json_type_array) ||
            json_object_array_length(counts) != s->ncpus)
            return jbad(r, where, "\"counts\" must be an array of %zu counts, one per CPU",
                        s->ncpus);
        for (size_t c = 0; c < s->ncpus; c++) {
            struct json_object *n = json_object_array_get_idx(counts, c);

            if (!n || !json_object_is_type(n, json_type_int) || json_object_get_int64(n) < 0)
                return jbad(r, where, "\"counts\"[%zu] must be a count", c);
            e->counts[c] = json_object_get_uint64(n);
        }
    }
    return 0;
}

int irq_state_from_json(struct json_object *o, const char *path, struct vt_irq_state **out,
                        struct vt_err *err)
{
    static const char *const keys[] = {"source", "cpus", "managed_known", "vectors", NULL};
    const struct jr r = {path, err};
    struct vt_irq_state *s = NULL;
    struct json_object *v, *vecs;
    const char *source;
    int rc;

    *out = NULL;
    if (!json_object_is_type(o, json_type_object))
        return jbad(&r, "irqs", "must be an object");
    json_object_object_foreach(o, key, val)
    {
        size_t k;

        (void)val;
        for (k = 0; keys[k] && strcmp(keys[k], key); k++)
            ;
        if (!keys[k])
            return jbad(&r, "irqs", "unknown key '%s'", key);
    }
    if ((rc = jstr(&r, "irqs", o, "source", false, &source)) < 0)
        return rc;
    if (!(s = irq_state_new(source ? source : path)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    vt_bitmap_free(s->cpus);
    s->cpus = NULL;
    if ((rc = jcpus(&r, "irqs", o, "cpus", &s->cpus)) < 0)
        goto out;
    if (!s->cpus || vt_bitmap_iszero(s->cpus)) {
        rc = jbad(&r, "irqs", "\"cpus\" must list the CPUs counted");
        goto out;
    }
    if (!(s->cpu_ids = malloc(vt_bitmap_weight(s->cpus) * sizeof(unsigned)))) {
        rc = vt_err_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    for (int c = vt_bitmap_first(s->cpus); c >= 0; c = vt_bitmap_next(s->cpus, c))
        s->cpu_ids[s->ncpus++] = (unsigned)c;
    if (json_object_object_get_ex(o, "managed_known", &v) && v) {
        if (!json_object_is_type(v, json_type_boolean)) {
            rc = jbad(&r, "irqs", "\"managed_known\" must be true or false");
            goto out;
        }
        s->managed_known = json_object_get_boolean(v);
    }
    if (!json_object_object_get_ex(o, "vectors", &vecs) || !vecs ||
        !json_object_is_type(vecs, json_type_array)) {
        rc = jbad(&r, "irqs", "\"vectors\" must be an array");
        goto out;
    }
    for (size_t i = 0; i < json_object_array_length(vecs) && rc == 0; i++)
        rc = read_vector(&r, s, json_object_array_get_idx(vecs, i), i);
    if (rc == 0 && (rc = irq_state_finalize(s, err)) < 0)
        vt_err_prefix(err, "%s: irqs: ", path);
out:
    if (rc < 0) {
        vt_irq_state_free(s);
        return rc;
    }
    *out = s;
    return 0;
}
