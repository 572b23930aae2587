/* verify's side of a guest's NUMA view: parsing a verify guest's console
 * into a struct vt_guest_view, and comparing it with the predicted one
 * (docs/verify.md). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_view.h"
#include "vtopo/irq.h"
#include "vtopo/text.h"

/* ---- parsing the console ------------------------------------------------ */

/* The node with this id, added (in id order) when absent; NULL on ENOMEM. */
static struct vt_guest_node *node_get(struct vt_guest_view *v, int id)
{
    struct vt_guest_node *nodes;
    size_t at = 0;

    while (at < v->nnodes && v->nodes[at].id < id)
        at++;
    if (at < v->nnodes && v->nodes[at].id == id)
        return &v->nodes[at];
    if (!(nodes = realloc(v->nodes, (v->nnodes + 1) * sizeof(*nodes))))
        return NULL;
    v->nodes = nodes;
    memmove(&nodes[at + 1], &nodes[at], (v->nnodes - at) * sizeof(*nodes));
    v->nnodes++;
    vt_guest_node_init(&nodes[at], id);
    return &nodes[at];
}

static struct vt_guest_cpu *cpu_get(struct vt_guest_view *v, int cpu)
{
    struct vt_guest_cpu *cpus;
    size_t at = 0;

    while (at < v->ncpus && v->cpus[at].cpu < cpu)
        at++;
    if (at < v->ncpus && v->cpus[at].cpu == cpu)
        return &v->cpus[at];
    if (!(cpus = realloc(v->cpus, (v->ncpus + 1) * sizeof(*cpus))))
        return NULL;
    v->cpus = cpus;
    memmove(&cpus[at + 1], &cpus[at], (v->ncpus - at) * sizeof(*cpus));
    v->ncpus++;
    vt_guest_cpu_init(&cpus[at], cpu);
    return &cpus[at];
}

/* A cpulist ("-" = empty) into *out; a list that does not parse leaves *out
 * NULL (not known). Only running out of memory is an error. */
static int parse_list(const char *text, struct vt_bitmap **out)
{
    struct vt_bitmap *b = vt_bitmap_new();
    struct vt_err err;
    int rc;

    vt_bitmap_free(*out);
    *out = NULL;
    if (!b)
        return -ENOMEM;
    if (strcmp(text, "-") != 0 && (rc = vt_bitmap_parse_list(b, text, 65535, &err)) < 0) {
        vt_bitmap_free(b);
        return rc == -ENOMEM ? rc : 0;
    }
    *out = b;
    return 0;
}

static long long num(const char *s)
{
    char *end;
    long long v;

    if (!s || !strcmp(s, "-"))
        return VT_GUEST_UNKNOWN;
    v = strtoll(s, &end, 0);
    return end == s ? VT_GUEST_UNKNOWN : v;
}

/* A node or CPU number (0 to 65535), or -1. */
static int id_of(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    return end == s || *end || v < 0 || v > 65535 ? -1 : (int)v;
}

/* "VTP node N distance 10 21 ..." */
static int parse_distances(struct vt_guest_node *n, char *rest)
{
    size_t count = 0;
    char *save, *tok;
    uint32_t *d = NULL;

    for (tok = strtok_r(rest, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        uint32_t *nd = realloc(d, (count + 1) * sizeof(*d));

        if (!nd) {
            free(d);
            return -ENOMEM;
        }
        d = nd;
        d[count++] = (uint32_t)strtoul(tok, NULL, 10);
    }
    free(n->dist);
    n->dist = d;
    n->ndist = count;
    return 0;
}

static int probe_line(struct vt_guest_view *v, char *line)
{
    char *save, *kind = strtok_r(line, " ", &save), *a, *key;
    struct vt_guest_node *n;
    struct vt_guest_cpu *c;

    if (!kind)
        return 0;
    if (!strcmp(kind, "end")) {
        v->complete = true;
        return 0;
    }
    if (!strcmp(kind, "cpus")) {
        if ((a = strtok_r(NULL, " ", &save)) && !strcmp(a, "possible"))
            return parse_list(strtok_r(NULL, " ", &save) ?: "-", &v->possible_cpus);
        return 0;
    }
    if (!strcmp(kind, "nodes")) {
        if ((a = strtok_r(NULL, " ", &save)) && !strcmp(a, "has_generic_initiator"))
            return parse_list(strtok_r(NULL, " ", &save) ?: "-", &v->gi_nodes);
        return 0;
    }
    if (!strcmp(kind, "node")) {
        if (!(a = strtok_r(NULL, " ", &save)) || !(key = strtok_r(NULL, " ", &save)))
            return 0;
        if (id_of(a) < 0)
            return 0;
        if (!(n = node_get(v, id_of(a))))
            return -ENOMEM;
        if (!strcmp(key, "cpus")) {
            if (parse_list(strtok_r(NULL, " ", &save) ?: "-", &n->cpus) < 0)
                return -ENOMEM;
            n->ncpus = n->cpus ? vt_bitmap_weight(n->cpus) : VT_GUEST_UNKNOWN;
        } else if (!strcmp(key, "distance")) {
            return parse_distances(n, save);
        } else if (!strcmp(key, "memtotal_kb")) {
            long long kb = num(strtok_r(NULL, " ", &save));

            n->memory_bytes = kb < 0 || kb > LLONG_MAX / 1024 ? VT_GUEST_UNKNOWN : kb * 1024;
        } else if (!strcmp(key, "access0")) {
            char *k, *val;

            n->access0 = 1;
            while ((k = strtok_r(NULL, " ", &save)) && (val = strtok_r(NULL, " ", &save))) {
                if (!strcmp(k, "read_latency"))
                    n->read_latency = num(val);
                else if (!strcmp(k, "write_latency"))
                    n->write_latency = num(val);
                else if (!strcmp(k, "read_bandwidth"))
                    n->read_bandwidth = num(val);
                else if (!strcmp(k, "write_bandwidth"))
                    n->write_bandwidth = num(val);
            }
        }
        return 0;
    }
    if (!strcmp(kind, "msi")) {
        /* "msi BDF INDEX irq N affinity LIST effective LIST count N" */
        char *bdf = strtok_r(NULL, " ", &save), *idx = strtok_r(NULL, " ", &save), *k, *val;
        struct vt_guest_pci *d = NULL;
        struct vt_guest_msi *m;

        for (size_t i = 0; bdf && i < v->npci; i++)
            if (!strcmp(v->pci[i].bdf, bdf))
                d = &v->pci[i];
        if (!d || !idx || num(idx) != (long long)d->nmsi)
            return 0;
        if (!(m = realloc(d->msi, (d->nmsi + 1) * sizeof(*m))))
            return -ENOMEM;
        d->msi = m;
        m = &m[d->nmsi++];
        memset(m, 0, sizeof(*m));
        m->count = -1;
        while ((k = strtok_r(NULL, " ", &save)) && (val = strtok_r(NULL, " ", &save))) {
            if (!strcmp(k, "irq"))
                m->irq = (unsigned)num(val);
            else if (!strcmp(k, "affinity") && strcmp(val, "-") && parse_list(val, &m->mask) < 0)
                return -ENOMEM;
            else if (!strcmp(k, "effective") && strcmp(val, "-") && !m->effective &&
                     parse_list(val, &m->effective) < 0)
                return -ENOMEM;
            else if (!strcmp(k, "count"))
                m->count = num(val);
        }
        return 0;
    }
    if (!strcmp(kind, "pci")) {
        struct vt_guest_pci *pci, *d;
        char *k, *val;

        if (!(a = strtok_r(NULL, " ", &save)) || strlen(a) >= sizeof(d->bdf))
            return 0;
        if (!(pci = realloc(v->pci, (v->npci + 1) * sizeof(*pci))))
            return -ENOMEM;
        v->pci = pci;
        d = &pci[v->npci++];
        memset(d, 0, sizeof(*d));
        snprintf(d->bdf, sizeof(d->bdf), "%s", a);
        d->node = VT_GUEST_UNKNOWN;
        while ((k = strtok_r(NULL, " ", &save)) && (val = strtok_r(NULL, " ", &save))) {
            if (!strcmp(k, "node") && strcmp(val, "-") != 0)
                d->node = strtoll(val, NULL, 10);
            else if (!strcmp(k, "local_cpus") && parse_list(val, &d->local_cpus) < 0)
                return -ENOMEM; /* "-": none (the probe's empty list: a CPU-less node) */
        }
        return 0;
    }
    if (!strcmp(kind, "cpu")) {
        char *k, *val;

        if (!(a = strtok_r(NULL, " ", &save)) || id_of(a) < 0)
            return 0;
        if (!(c = cpu_get(v, id_of(a))))
            return -ENOMEM;
        while ((k = strtok_r(NULL, " ", &save)) && (val = strtok_r(NULL, " ", &save))) {
            if (!strcmp(k, "apic"))
                c->apic_id = num(val);
            else if (!strcmp(k, "node"))
                c->node = num(val);
            else if (!strcmp(k, "package"))
                c->package = num(val);
            else if (!strcmp(k, "die"))
                c->die = num(val);
            else if (!strcmp(k, "core"))
                c->core = num(val);
            else if (!strcmp(k, "llc") && strcmp(val, "-") != 0 && parse_list(val, &c->llc) < 0)
                return -ENOMEM;
        }
    }
    return 0;
}

static int keep_line(char **slot, const char *text)
{
    if (*slot)
        return 0;
    return (*slot = strdup(text)) ? 0 : -ENOMEM;
}

/* A kernel log line: the SRAT's memory ranges and PXMs (into srat, merged
 * into the probe's nodes at the end), and the verdicts. */
static int kernel_line(struct vt_guest_view *v, struct vt_guest_view *srat, const char *text)
{
    const char *p;
    int node, pxm;
    unsigned long long start, end;

    if ((p = strstr(text, "ACPI: SRAT: Node ")) &&
        sscanf(p, "ACPI: SRAT: Node %d PXM %d [mem %llx-%llx]", &node, &pxm, &start, &end) == 4) {
        struct vt_guest_node *n = node_get(srat, node);
        struct vt_mem_range *r;

        if (!n)
            return -ENOMEM;
        n->pxm = pxm;
        if (end < start || end == ULLONG_MAX)
            return 0; /* not a range the kernel prints */
        /* The same line may come twice: on the console, and from the probe. */
        for (size_t i = 0; i < n->nranges; i++)
            if (n->ranges[i].start == start && n->ranges[i].end == end + 1)
                return 0;
        if (!(r = realloc(n->ranges, (n->nranges + 1) * sizeof(*r))))
            return -ENOMEM;
        n->ranges = r;
        r[n->nranges].start = start;
        r[n->nranges++].end = end + 1;
        return 0;
    }
    if ((p = strstr(text, "SRAT: PXM ")) &&
        sscanf(p, "SRAT: PXM %d -> APIC %llx -> Node %d", &pxm, &start, &node) == 3) {
        struct vt_guest_node *n = node_get(srat, node);

        if (!n)
            return -ENOMEM;
        n->pxm = pxm;
        return 0;
    }
    if (strstr(text, "No NUMA configuration found") || strstr(text, "nodes only cover"))
        return keep_line(&v->srat_line, text);
    if (strstr(text, "SLIT table looks invalid"))
        return keep_line(&v->slit_line, text);
    if (strstr(text, "Ignoring HMAT") || strstr(text, "acpi/hmat: Ignoring") ||
        strstr(text, "missing from SRAT"))
        return keep_line(&v->hmat_line, text);
    if (strstr(text, "Kernel panic") || strstr(text, "BUG: "))
        return keep_line(&v->panic_line, text);
    return 0;
}

/* Give the probe's nodes the PXM and SRAT ranges the kernel logged (when
 * it kept the SRAT). */
static int merge_srat(struct vt_guest_view *v, struct vt_guest_view *srat)
{
    if (v->srat_line)
        return 0;
    for (size_t i = 0; i < srat->nnodes; i++) {
        struct vt_guest_node *from = &srat->nodes[i], *to = NULL;

        for (size_t j = 0; j < v->nnodes; j++)
            if (v->nodes[j].id == from->id)
                to = &v->nodes[j];
        if (!to && !v->complete && !(to = node_get(v, from->id)))
            return -ENOMEM;
        if (!to)
            continue;
        to->pxm = from->pxm;
        free(to->ranges);
        to->ranges = from->ranges;
        to->nranges = from->nranges;
        from->ranges = NULL;
        from->nranges = 0;
    }
    return 0;
}

int verify_parse_console(const char *console, struct vt_guest_view *v, struct vt_err *err)
{
    char *copy = strdup(console), *save, *line;
    struct vt_guest_view srat = {0};
    bool begun = false, any_access0 = false;
    int rc = 0;

    memset(v, 0, sizeof(*v));
    if (!copy)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (line = strtok_r(copy, "\r\n", &save); line && !rc; line = strtok_r(NULL, "\r\n", &save)) {
        char *vtp = strstr(line, "VTP ");

        if (vtp && !strncmp(vtp + 4, "kmsg ", 5)) {
            rc = kernel_line(v, &srat, vtp + 9);
        } else if (vtp) {
            begun |= !strncmp(vtp + 4, "begin", 5);
            rc = probe_line(v, vtp + 4);
        } else {
            rc = kernel_line(v, &srat, line);
        }
    }
    free(copy);
    v->complete = begun && v->complete;
    if (!rc)
        rc = merge_srat(v, &srat);
    vt_guest_view_free(&srat);
    if (rc < 0) {
        vt_guest_view_free(v);
        return vt_err_set(err, rc, "out of memory");
    }
    for (size_t i = 0; i < v->nnodes; i++)
        any_access0 |= v->nodes[i].access0 == 1;
    for (size_t i = 0; v->complete && i < v->nnodes; i++)
        if (v->nodes[i].access0 < 0)
            v->nodes[i].access0 = 0;
    v->srat = v->srat_line ? VT_GUEST_NOT_USED : v->complete ? VT_GUEST_USED : VT_GUEST_NOT_KNOWN;
    v->slit = v->slit_line || v->srat_line ? VT_GUEST_NOT_USED
              : v->complete                ? VT_GUEST_USED
                                           : VT_GUEST_NOT_KNOWN;
    /* The HMAT is judged on its own: Linux applies it even after rejecting
     * the SRAT's layout for coverage (through the SRAT's PXM map). */
    v->hmat = v->hmat_line  ? VT_GUEST_NOT_USED
              : v->complete ? (any_access0 ? VT_GUEST_USED : VT_GUEST_NOT_USED)
                            : VT_GUEST_NOT_KNOWN;
    return 0;
}

/* ---- predictions --------------------------------------------------------- */

/* ---- comparison ---------------------------------------------------------- */

uint64_t verify_memory_tolerance(uint64_t total_ram)
{
    /* Measured on Debian's 6.1 cloud kernel (docs/verify.md): the image and
     * initramfs (~40 MiB), the 64 MiB SWIOTLB, memmap (1/64 of RAM), page
     * tables and per-CPU areas. */
    return (UINT64_C(128) << 20) + total_ram / 32;
}

struct cmp {
    FILE *out;
    enum verify_style style;
    size_t mismatches, rows;
    const char *prefix; /* before each item, or "" */
};

/* s as a JSON string on out (vt_text_json_dup). */
static void json_str(FILE *out, const char *s)
{
    char *j = vt_text_json_dup(s);

    fputs(j ? j : "\"?\"", out);
    free(j);
}

/* Every row, kept for verify --draw while verify_rows_keep is on. */
static struct {
    bool on, oom;
    struct vt_draw_row *v;
    size_t n, cap;
} kept;

void verify_rows_keep(void)
{
    kept.on = true;
}

const struct vt_draw_row *verify_rows(size_t *n, bool *oom)
{
    *n = kept.n;
    *oom = kept.oom;
    return kept.v;
}

void verify_rows_free(void)
{
    for (size_t i = 0; i < kept.n; i++) {
        free((char *)kept.v[i].item);
        free((char *)kept.v[i].predicted);
        free((char *)kept.v[i].guest);
    }
    free(kept.v);
    memset(&kept, 0, sizeof(kept));
}

static void keep_row(const char *item, const char *want, const char *got, bool ok)
{
    struct vt_draw_row *m;

    if (!kept.on || kept.oom)
        return;
    if (kept.n == kept.cap) {
        size_t cap = kept.cap ? 2 * kept.cap : 64;

        if (!(m = realloc(kept.v, cap * sizeof(*m)))) {
            kept.oom = true;
            return;
        }
        kept.v = m;
        kept.cap = cap;
    }
    kept.v[kept.n] = (struct vt_draw_row){strdup(item), strdup(want), strdup(got), ok};
    if (!kept.v[kept.n].item || !kept.v[kept.n].predicted || !kept.v[kept.n].guest)
        kept.oom = true;
    kept.n++;
}

static void row(struct cmp *c, const char *item0, const char *want, const char *got, bool ok)
{
    char item[160];

    snprintf(item, sizeof(item), "%s%s", c->prefix, item0);
    keep_row(item, want, got, ok);
    if (!ok)
        c->mismatches++;
    if (c->style == VERIFY_JSON) {
        fprintf(c->out, "%s\n    {\"item\": ", c->rows++ ? "," : "");
        json_str(c->out, item);
        fprintf(c->out, ", \"predicted\": ");
        json_str(c->out, want);
        fprintf(c->out, ", \"guest\": ");
        json_str(c->out, got);
        fprintf(c->out, ", \"ok\": %s}", ok ? "true" : "false");
        return;
    }
    if (c->style == VERIFY_TABLE || !ok)
        fprintf(c->out, "  %-28s %-24s %-24s %s\n", item, want, got, ok ? "ok" : "MISMATCH");
}

static const char *verdict_name(enum vt_guest_verdict v)
{
    return v == VT_GUEST_USED ? "used" : v == VT_GUEST_NOT_USED ? "not used" : "?";
}

static void fmt_ll(char *buf, size_t size, long long v)
{
    if (v == VT_GUEST_UNKNOWN)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%lld", v);
}

static void fmt_list(char *buf, size_t size, const struct vt_bitmap *b)
{
    if (!b)
        snprintf(buf, size, "-");
    else if (vt_bitmap_iszero(b))
        snprintf(buf, size, "(none)");
    else
        vt_bitmap_snprint_list(buf, size, b);
}

static void fmt_dist(char *buf, size_t size, const uint32_t *d, size_t n)
{
    size_t at = 0;

    buf[0] = '\0';
    if (!d) {
        snprintf(buf, size, "-");
        return;
    }
    for (size_t i = 0; i < n && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, i ? " %u" : "%u", d[i]);
}

static void fmt_ranges(char *buf, size_t size, const struct vt_mem_range *r, size_t n)
{
    size_t at = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%" PRIx64 "-%" PRIx64, i ? "," : "",
                               r[i].start, r[i].end - 1);
    if (!n)
        snprintf(buf, size, "(none)");
}

static bool ranges_equal(const struct vt_guest_node *a, const struct vt_guest_node *b)
{
    if (a->nranges != b->nranges)
        return false;
    for (size_t i = 0; i < a->nranges; i++)
        if (a->ranges[i].start != b->ranges[i].start || a->ranges[i].end != b->ranges[i].end)
            return false;
    return true;
}

static void cmp_ll(struct cmp *c, const char *item, long long want, long long got)
{
    char w[32], g[32];

    if (want == VT_GUEST_UNKNOWN)
        return;
    fmt_ll(w, sizeof(w), want);
    fmt_ll(g, sizeof(g), got);
    row(c, item, w, g, want == got);
}

static void cmp_node(struct cmp *c, const struct vt_guest_node *w, const struct vt_guest_node *g,
                     uint64_t total_ram)
{
    char item[64], ws[512], gs[512];

    snprintf(item, sizeof(item), "node %d pxm", w->id);
    cmp_ll(c, item, w->pxm, g->pxm);
    if (w->cpus) {
        snprintf(item, sizeof(item), "node %d cpus", w->id);
        fmt_list(ws, sizeof(ws), w->cpus);
        fmt_list(gs, sizeof(gs), g->cpus);
        row(c, item, ws, gs, g->cpus && vt_bitmap_equal(w->cpus, g->cpus));
    } else {
        snprintf(item, sizeof(item), "node %d cpu count", w->id);
        cmp_ll(c, item, w->ncpus, g->ncpus);
    }
    if (w->dist) {
        snprintf(item, sizeof(item), "node %d distances", w->id);
        fmt_dist(ws, sizeof(ws), w->dist, w->ndist);
        fmt_dist(gs, sizeof(gs), g->dist, g->ndist);
        row(c, item, ws, gs, !strcmp(ws, gs));
    }
    if (w->ranges || w->nranges) {
        snprintf(item, sizeof(item), "node %d SRAT memory", w->id);
        fmt_ranges(ws, sizeof(ws), w->ranges, w->nranges);
        fmt_ranges(gs, sizeof(gs), g->ranges, g->nranges);
        row(c, item, ws, gs, ranges_equal(w, g));
    }
    if (w->memory_bytes != VT_GUEST_UNKNOWN) {
        uint64_t tol = verify_memory_tolerance(total_ram);
        long long diff = w->memory_bytes - g->memory_bytes;

        long long low = w->memory_bytes - (long long)tol;

        snprintf(item, sizeof(item), "node %d MemTotal (MiB)", w->id);
        snprintf(ws, sizeof(ws), "%lld..%lld", low > 0 ? low >> 20 : 0, w->memory_bytes >> 20);
        if (g->memory_bytes == VT_GUEST_UNKNOWN)
            snprintf(gs, sizeof(gs), "-");
        else
            snprintf(gs, sizeof(gs), "%lld", g->memory_bytes >> 20);
        row(c, item, ws, gs,
            g->memory_bytes != VT_GUEST_UNKNOWN && diff >= 0 && (uint64_t)diff <= tol);
    }
    if (w->access0 >= 0) {
        snprintf(item, sizeof(item), "node %d HMAT access0", w->id);
        row(c, item, w->access0 ? "yes" : "no", g->access0 == 1 ? "yes" : "no",
            (g->access0 == 1) == (w->access0 == 1));
        snprintf(item, sizeof(item), "node %d read latency", w->id);
        cmp_ll(c, item, w->read_latency, g->read_latency);
        snprintf(item, sizeof(item), "node %d write latency", w->id);
        cmp_ll(c, item, w->write_latency, g->write_latency);
        snprintf(item, sizeof(item), "node %d read bandwidth", w->id);
        cmp_ll(c, item, w->read_bandwidth, g->read_bandwidth);
        snprintf(item, sizeof(item), "node %d write bandwidth", w->id);
        cmp_ll(c, item, w->write_bandwidth, g->write_bandwidth);
    }
}

static void cmp_cpu(struct cmp *c, const struct vt_guest_cpu *w, const struct vt_guest_cpu *g)
{
    char item[64], ws[512], gs[512];

    snprintf(item, sizeof(item), "cpu %d apic id", w->cpu);
    cmp_ll(c, item, w->apic_id, g ? g->apic_id : VT_GUEST_UNKNOWN);
    snprintf(item, sizeof(item), "cpu %d node", w->cpu);
    cmp_ll(c, item, w->node, g ? g->node : VT_GUEST_UNKNOWN);
    snprintf(item, sizeof(item), "cpu %d package/die/core", w->cpu);
    snprintf(ws, sizeof(ws), "%lld/%lld/%lld", w->package, w->die, w->core);
    if (g)
        snprintf(gs, sizeof(gs), "%lld/%lld/%lld", g->package, g->die, g->core);
    else
        snprintf(gs, sizeof(gs), "-");
    row(c, item, ws, gs, !strcmp(ws, gs));
    if (w->llc) {
        snprintf(item, sizeof(item), "cpu %d LLC shared with", w->cpu);
        fmt_list(ws, sizeof(ws), w->llc);
        fmt_list(gs, sizeof(gs), g ? g->llc : NULL);
        row(c, item, ws, gs, g && g->llc && vt_bitmap_equal(w->llc, g->llc));
    }
}

static size_t compare(const struct vt_guest_view *want, const struct vt_guest_view *got,
                      uint64_t total_ram, struct cmp c)
{
    char ws[32], gs[32];
    FILE *out = c.out;
    enum verify_style style = c.style;

    if (style != VERIFY_JSON && !*c.prefix)
        fprintf(out, "  %-28s %-24s %-24s %s\n", "item", "predicted", "guest", "");
    row(&c, "SRAT", verdict_name(want->srat), verdict_name(got->srat), want->srat == got->srat);
    row(&c, "SLIT", verdict_name(want->slit), verdict_name(got->slit), want->slit == got->slit);
    row(&c, "HMAT", verdict_name(want->hmat), verdict_name(got->hmat), want->hmat == got->hmat);
    if (!got->complete) {
        row(&c, "probe output", "complete", got->panic_line ? "kernel panic" : "missing", false);
        return c.mismatches;
    }
    snprintf(ws, sizeof(ws), "%zu", want->nnodes);
    snprintf(gs, sizeof(gs), "%zu", got->nnodes);
    row(&c, "nodes", ws, gs, want->nnodes == got->nnodes);
    for (size_t i = 0; i < want->nnodes; i++) {
        const struct vt_guest_node *g = NULL;
        struct vt_guest_node missing;

        for (size_t j = 0; j < got->nnodes; j++)
            if (got->nodes[j].id == want->nodes[i].id)
                g = &got->nodes[j];
        if (!g) {
            vt_guest_node_init(&missing, want->nodes[i].id);
            g = &missing;
        }
        cmp_node(&c, &want->nodes[i], g, total_ram);
    }
    if (got->gi_nodes || (want->gi_nodes && !vt_bitmap_iszero(want->gi_nodes))) {
        char wl[256], gl[256];

        fmt_list(wl, sizeof(wl), want->gi_nodes);
        fmt_list(gl, sizeof(gl), got->gi_nodes);
        row(&c, "generic initiator nodes", wl, gl,
            want->gi_nodes && got->gi_nodes && vt_bitmap_equal(want->gi_nodes, got->gi_nodes));
    }
    for (size_t i = 0; i < want->npci; i++) {
        const struct vt_guest_pci *w = &want->pci[i], *g = NULL;
        char item[96], wl[256], gl[256];

        for (size_t j = 0; j < got->npci; j++)
            if (!strcmp(got->pci[j].bdf, w->bdf))
                g = &got->pci[j];
        snprintf(item, sizeof(item), "pci %s node", w->bdf);
        cmp_ll(&c, item, w->node, g ? g->node : VT_GUEST_UNKNOWN);
        snprintf(item, sizeof(item), "pci %s local cpus", w->bdf);
        fmt_list(wl, sizeof(wl), w->local_cpus);
        fmt_list(gl, sizeof(gl), g ? g->local_cpus : NULL);
        row(&c, item, wl, gl,
            g && g->local_cpus && w->local_cpus && vt_bitmap_equal(w->local_cpus, g->local_cpus));
    }
    /* Nothing unplanned behind the expanders' root ports (a device
     * hot-removed is gone). */
    for (size_t j = 0; want->pci_port_buses && j < got->npci; j++) {
        unsigned dom, bus, dev, fn;
        bool planned = false;
        char item[96];

        if (sscanf(got->pci[j].bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 || dom ||
            !vt_bitmap_isset(want->pci_port_buses, bus))
            continue;
        for (size_t i = 0; i < want->npci; i++)
            planned |= !strcmp(want->pci[i].bdf, got->pci[j].bdf);
        if (planned)
            continue;
        snprintf(item, sizeof(item), "pci %s", got->pci[j].bdf);
        row(&c, item, "(none: not planned)", "present", false);
    }
    if (want->cpus) {
        snprintf(ws, sizeof(ws), "%zu", want->ncpus);
        snprintf(gs, sizeof(gs), "%zu", got->ncpus);
        row(&c, "online cpus", ws, gs, want->ncpus == got->ncpus);
        for (size_t i = 0; i < want->ncpus; i++) {
            const struct vt_guest_cpu *g = NULL;

            for (size_t j = 0; j < got->ncpus; j++)
                if (got->cpus[j].cpu == want->cpus[i].cpu)
                    g = &got->cpus[j];
            cmp_cpu(&c, &want->cpus[i], g);
        }
    }
    return c.mismatches;
}

size_t verify_compare(const struct vt_guest_view *want, const struct vt_guest_view *got,
                      uint64_t total_ram, enum verify_style style, FILE *out)
{
    return compare(want, got, total_ram, (struct cmp){out, style, 0, 0, ""});
}

size_t verify_compare_more(const struct vt_guest_view *want, const struct vt_guest_view *got,
                           uint64_t total_ram, enum verify_style style, const char *prefix,
                           FILE *out)
{
    char p[64];

    snprintf(p, sizeof(p), "%s ", prefix);
    return compare(want, got, total_ram, (struct cmp){out, style, 0, 1, p});
}

size_t verify_compare_irqs(const struct vt_layout *l, const struct vt_guest_view *got,
                           const struct vt_bitmap *isolated, const struct vt_bitmap *rest,
                           enum verify_style style, FILE *out)
{
    struct cmp c = {out, style, 0, 1, ""};
    unsigned possible = got->possible_cpus ? vt_bitmap_weight(got->possible_cpus) : 0;

    for (size_t i = 0; i < vt_layout_device_count(l); i++) {
        const struct vt_device *d = vt_layout_device(l, i);
        const struct vt_guest_pci *g = NULL;
        struct vt_irq_request q = {0};
        struct vt_irq_prediction *p = NULL;
        struct vt_err err;
        char item[96], ws[256], gs[256];

        /* NVMe (and the NVMe standing in for a passed-through device): its
         * driver is built into the guest kernel; its admin queue is a pre
         * vector, its I/O queues one managed set. */
        if (d->model != VT_DEVICE_VFIO && d->model != VT_DEVICE_NVME)
            continue;
        for (size_t j = 0; j < got->npci; j++)
            if (!strcmp(got->pci[j].bdf, d->guest_bdf))
                g = &got->pci[j];
        snprintf(item, sizeof(item), "pci %s managed vectors", d->guest_bdf);
        snprintf(gs, sizeof(gs), "%zu", g && g->nmsi ? g->nmsi - 1 : 0);
        snprintf(ws, sizeof(ws), "%u", vt_irq_qemu_nvme_vectors(l, i, possible));
        row(&c, item, ws, gs, g && !strcmp(ws, gs));
        if (!g || g->nmsi < 2)
            continue;
        q.vectors = (unsigned)g->nmsi;
        q.pre = 1;
        q.isolated = isolated;
        q.default_cpus = rest;
        if (vt_irq_predict_layout(l, possible, &q, &p, &err) < 0) {
            row(&c, item, err.msg, gs, false);
            continue;
        }
        for (size_t k = 1; k < g->nmsi; k++) {
            snprintf(item, sizeof(item), "pci %s vector %zu cpus", d->guest_bdf, k);
            fmt_list(ws, sizeof(ws), vt_irq_prediction_vector(p, k)->cpus);
            fmt_list(gs, sizeof(gs), g->msi[k].mask);
            row(&c, item, ws, gs,
                g->msi[k].mask &&
                    vt_bitmap_equal(vt_irq_prediction_vector(p, k)->cpus, g->msi[k].mask));
        }
        /* Under the isolation, where each vector fires (the admin queue's
         * on irqaffinity's CPUs); one with no present CPU never fires. */
        for (size_t k = 0; isolated && k < g->nmsi; k++) {
            const struct vt_bitmap *fires = vt_irq_prediction_vector(p, k)->fires;

            if (vt_bitmap_iszero(fires))
                continue;
            snprintf(item, sizeof(item), "pci %s vector %zu fires on", d->guest_bdf, k);
            strcpy(ws, vt_bitmap_weight(fires) > 1 ? "one of " : "");
            fmt_list(ws + strlen(ws), sizeof(ws) - strlen(ws), fires);
            fmt_list(gs, sizeof(gs), g->msi[k].effective);
            row(&c, item, ws, gs,
                g->msi[k].effective && !vt_bitmap_iszero(g->msi[k].effective) &&
                    vt_bitmap_subset(g->msi[k].effective, fires));
        }
        vt_irq_prediction_free(p);
    }
    return c.mismatches;
}

/* The guest's vector (bdf, index), or NULL. */
static const struct vt_guest_msi *guest_msi(const struct vt_guest_view *v, const char *bdf,
                                            unsigned index)
{
    for (size_t i = 0; i < v->npci; i++)
        if (!strcmp(v->pci[i].bdf, bdf))
            return index < v->pci[i].nmsi ? &v->pci[i].msi[index] : NULL;
    return NULL;
}

size_t verify_compare_irq_apply(const char *report, const struct vt_guest_view *before,
                                const struct vt_guest_view *applied,
                                const struct vt_guest_view *restored, enum verify_style style,
                                FILE *out)
{
    struct cmp c = {out, style, 0, 1, ""};
    const char *line = report;
    size_t written = 0, moved = 0, summaries = 0;
    unsigned w, left, same, managed, failed;
    char item[160], ws[300], gs[300];

    /* Each report line of vtopo irq apply in the guest ("VTP apply ..."). */
    while ((line = strstr(line, "VTP apply "))) {
        char bdf[32], was[256], target[256], status[64], text[512];
        unsigned index, irq;
        struct vt_bitmap *t = NULL;
        const struct vt_guest_msi *m, *b;

        line += strlen("VTP apply ");
        snprintf(text, sizeof(text), "%.*s", (int)strcspn(line, "\r\n"), line);
        if (sscanf(text,
                   "irq apply: %u written, %u left, %u already so, %u managed (skipped), %u "
                   "failed",
                   &w, &left, &same, &managed, &failed) == 5) {
            summaries++;
            snprintf(gs, sizeof(gs), "%u written, %u failed", w, failed);
            row(&c, "irq apply in the guest", "1 or more written, 0 failed", gs,
                w > 0 && failed == 0);
            continue;
        }
        if (sscanf(text, " %31s vector %u irq %u: %255s -> %255[^:]: %63[^,( ]", bdf, &index, &irq,
                   was, target, status) != 6)
            continue;
        if (strcmp(status, "written") != 0) {
            snprintf(item, sizeof(item), "irq apply %s vector %u", bdf, index);
            row(&c, item, "written or already so", status,
                !strcmp(status, "same") || !strcmp(status, "managed"));
            continue;
        }
        written++;
        m = guest_msi(applied, bdf, index);
        if (parse_list(target, &t) < 0) {
            vt_bitmap_free(t);
            continue;
        }
        snprintf(item, sizeof(item), "irq applied %s vector %u cpus", bdf, index);
        fmt_list(gs, sizeof(gs), m ? m->mask : NULL);
        row(&c, item, target, gs, m && m->mask && vt_bitmap_equal(m->mask, t));
        /* x86 moves a vector it was not allowed to move in process context
         * when the vector next fires: one that has not fired since the first
         * probe may still show its old target. */
        b = guest_msi(before, bdf, index);
        snprintf(item, sizeof(item), "irq applied %s vector %u effective", bdf, index);
        fmt_list(gs, sizeof(gs), m ? m->effective : NULL);
        snprintf(ws, sizeof(ws), "within %s", target);
        if (m && m->effective && vt_bitmap_subset(m->effective, t)) {
            moved++;
            row(&c, item, ws, gs, true);
        } else if (m && b && m->count >= 0 && m->count == b->count) {
            snprintf(gs + strlen(gs), sizeof(gs) - strlen(gs), " (not fired since: move pending)");
            row(&c, item, ws, gs, true);
        } else {
            row(&c, item, ws, gs, false);
        }
        vt_bitmap_free(t);
    }
    if (!summaries)
        row(&c, "irq apply in the guest", "its report", "none (see the console)", false);
    /* The guest's NVMe admin commands after the apply make at least one
     * written vector fire on its new CPU. */
    snprintf(gs, sizeof(gs), "%zu of %zu", moved, written);
    row(&c, "irq applied vectors now delivered there", "1 or more", gs, moved > 0);
    if (!restored)
        return c.mismatches;
    /* Everything back as it was before the plan was applied: the restore's
     * report names no failure, and the third probe sees the first's masks. */
    line = strstr(report, "VTP restore irq restore: ");
    if (line && sscanf(line + strlen("VTP restore "),
                       "irq restore: %u written, %u left, %u already so, %u managed (skipped), %u "
                       "failed",
                       &w, &left, &same, &managed, &failed) == 5) {
        snprintf(gs, sizeof(gs), "%u written, %u failed", w, failed);
        row(&c, "irq restore in the guest", "0 failed", gs, failed == 0);
    } else {
        row(&c, "irq restore in the guest", "its report", "none (see the console)", false);
    }
    for (size_t i = 0; i < before->npci; i++)
        for (size_t k = 0; k < before->pci[i].nmsi; k++) {
            const struct vt_guest_msi *b = &before->pci[i].msi[k];
            const struct vt_guest_msi *r = guest_msi(restored, before->pci[i].bdf, (unsigned)k);

            snprintf(item, sizeof(item), "irq restored %s vector %zu cpus", before->pci[i].bdf, k);
            fmt_list(ws, sizeof(ws), b->mask);
            fmt_list(gs, sizeof(gs), r ? r->mask : NULL);
            row(&c, item, ws, gs,
                r && ((!b->mask && !r->mask) ||
                      (b->mask && r->mask && vt_bitmap_equal(b->mask, r->mask))));
        }
    return c.mismatches;
}

size_t verify_compare_irq_replan(const char *report, const struct vt_guest_view *applied,
                                 const struct vt_guest_view *after, enum verify_style style,
                                 FILE *out)
{
    struct cmp c = {out, style, 0, 1, "after: "};
    const char *line = strstr(report, "VTP replan against the previous plan: ");
    char item[160], ws[256], gs[256];
    size_t moved, placed, dropped;

    /* Every vector still there keeps the affinity the apply gave it. */
    for (size_t i = 0; i < after->npci; i++)
        for (size_t k = 0; k < after->pci[i].nmsi; k++) {
            const struct vt_guest_msi *r = &after->pci[i].msi[k];
            const struct vt_guest_msi *a = guest_msi(applied, after->pci[i].bdf, (unsigned)k);

            snprintf(item, sizeof(item), "irq %s vector %zu cpus", after->pci[i].bdf, k);
            fmt_list(ws, sizeof(ws), a ? a->mask : NULL);
            fmt_list(gs, sizeof(gs), r->mask);
            row(&c, item, ws, gs,
                a && ((!a->mask && !r->mask) ||
                      (a->mask && r->mask && vt_bitmap_equal(a->mask, r->mask))));
        }
    /* vtopo irq plan --previous in the guest: the removed device's vectors
     * dropped, nothing moved or placed. */
    if (line && sscanf(line + strlen("VTP replan against the previous plan: "),
                       "%zu moved, %zu placed, %zu dropped", &moved, &placed, &dropped) == 3) {
        snprintf(gs, sizeof(gs), "%zu moved, %zu placed, %zu dropped", moved, placed, dropped);
        row(&c, "irq re-plan in the guest", "0 moved, 0 placed, 1+ dropped", gs,
            moved == 0 && placed == 0 && dropped > 0);
    } else {
        row(&c, "irq re-plan in the guest", "its report", "none (see the console)", false);
    }
    return c.mismatches;
}
