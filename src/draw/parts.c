/* Pieces the pictures share (parts.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/parts.h"
#include "vtopo/size.h"

const char *part_cpu_class(const struct vt_host *h, unsigned cpu)
{
    const char *st = vt_host_cpu_state(h, cpu);

    return !strcmp(st, "offline")     ? "off"
           : !strcmp(st, "isolated")  ? "iso"
           : !strcmp(st, "nohz_full") ? "nohz"
                                      : "hk";
}

const char *part_cpu_state(const struct vt_host *h, unsigned cpu)
{
    const char *st = vt_host_cpu_state(h, cpu);

    if (!strcmp(st, "isolated") && vt_bitmap_isset(vt_host_cpus(h)->nohz_full, cpu))
        return "isolated and nohz_full";
    return st;
}

int part_cell_w(const char *text)
{
    int w = scene_text_w(text);

    return (w < 2 * SCENE_CHAR_W ? 2 * SCENE_CHAR_W : w) + 8;
}

struct part_run *part_runs(const struct vt_bitmap *set,
                           bool (*same)(const void *ctx, unsigned a, unsigned b), const void *ctx,
                           size_t max, size_t *n, unsigned *rest)
{
    unsigned cnt = vt_bitmap_weight(set), *a = malloc((cnt + 1) * sizeof(*a)), k = 0;
    struct part_run *r = calloc(cnt + 1, sizeof(*r));
    size_t nr = 0;

    *n = 0;
    *rest = 0;
    if (!a || !r || !cnt) {
        free(a);
        free(r);
        return NULL;
    }
    for (int c = vt_bitmap_first(set); c >= 0; c = vt_bitmap_next(set, c))
        a[k++] = (unsigned)c;
    for (unsigned i = 0; i < cnt;) {
        unsigned j = i;

        if (nr == max) {
            *rest = cnt - i;
            break;
        }
        if (i + 1 < cnt && (!same || same(ctx, a[i], a[i + 1]))) {
            unsigned step = a[i + 1] - a[i];

            j = i + 1;
            while (j + 1 < cnt && a[j + 1] - a[j] == step && (!same || same(ctx, a[i], a[j + 1])))
                j++;
            if (step > 1 && j - i + 1 < 3)
                j = i; /* two apart: two cells say it better */
        }
        r[nr++] = (struct part_run){a[i], j > i ? a[i + 1] - a[i] : 1, j - i + 1};
        i = j + 1;
    }
    free(a);
    *n = nr;
    return r;
}

void part_run_text(const struct part_run *r, bool count, char *buf, size_t size)
{
    unsigned last = r->first + r->step * (r->count - 1);

    if (r->count == 1)
        snprintf(buf, size, "%u", r->first);
    else if (r->step > 1 && r->count == 3)
        snprintf(buf, size, count ? "%u,%u,%u (3)" : "%u,%u,%u", r->first, r->first + r->step,
                 last);
    else if (r->step == 1)
        snprintf(buf, size, count ? "%u-%u (%u)" : "%u-%u", r->first, last, r->count);
    else
        snprintf(buf, size, count ? "%u,%u..%u (%u)" : "%u,%u..%u", r->first, r->first + r->step,
                 last, r->count);
}

bool part_one_run(const struct vt_bitmap *set, unsigned n, char *buf, size_t size)
{
    size_t nr;
    unsigned rest;
    struct part_run *r = part_runs(set, NULL, NULL, 1, &nr, &rest);
    bool one = r && nr == 1 && !rest && r[0].count == n;

    if (one)
        part_run_text(&r[0], false, buf, size);
    free(r);
    return one;
}

char *part_device_line(const struct vt_host_device *d)
{
    char *names = NULL, *line;
    size_t len = 0;
    FILE *f = open_memstream(&names, &len);

    if (!f)
        return NULL;
    for (size_t k = 0; k < d->nnames; k++)
        fprintf(f, "%s%s", k ? "," : " ", d->names[k]);
    if (fclose(f) != 0) {
        free(names);
        return NULL;
    }
    if (d->nmsi_irqs)
        line = scene_fmt("%s%s %s %zu vector%s", d->bdf, names, vt_pci_class_name(d->class_code),
                         d->nmsi_irqs, d->nmsi_irqs == 1 ? "" : "s");
    else
        line = scene_fmt("%s%s %s", d->bdf, names, vt_pci_class_name(d->class_code));
    free(names);
    return line;
}

int part_cell(struct scene *s, int parent, int x, int y, const char *style, const char *text,
              const char *title)
{
    int w = part_cell_w(text), box = scene_box(s, parent, x, y, w, PART_CELL, style, title);

    scene_text(s, box, x + 4, y + 1, "", text);
    return w;
}

void part_size(char *buf, size_t size, uint64_t bytes)
{
    /* Whole MiB or GiB: the exact form would be "1535 MiB 512 KiB"-like. */
    if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
        snprintf(buf, size, "%llu GiB", (unsigned long long)(bytes >> 30));
    else if (bytes >= (1ull << 20))
        snprintf(buf, size, "%llu MiB", (unsigned long long)(bytes >> 20));
    else
        vt_size_format(buf, size, bytes);
}

/* part_para, widening *width (when not NULL) to its widest line. */
static int para(struct scene *s, int parent, int x, int y, const char *style, const char *text,
                size_t cols, int *width)
{
    const char *p = text;

    while (*p) {
        size_t n = strlen(p), cut = n;
        char *line;

        if (n > cols) {
            /* cols characters, not bytes: never inside a UTF-8 sequence */
            size_t lim = 0, k = 0, half = 0;

            while (p[lim] && k < cols) {
                lim++;
                while (((unsigned char)p[lim] & 0xc0) == 0x80)
                    lim++;
                if (++k == cols / 2)
                    half = lim;
            }
            cut = lim;
            while (cut > half && p[cut] != ' ')
                cut--;
            if (p[cut] != ' ')
                cut = lim;
        }
        if (!(line = strndup(p, cut))) {
            s->oom = true;
            return y;
        }
        scene_text(s, parent, x, y, style, line);
        if (width && scene_text_w(line) > *width)
            *width = scene_text_w(line);
        free(line);
        y += SCENE_LINE_H;
        p += cut;
        while (*p == ' ')
            p++;
    }
    return y;
}

int part_para(struct scene *s, int parent, int x, int y, const char *style, const char *text,
              size_t cols)
{
    return para(s, parent, x, y, style, text, cols, NULL);
}

int part_line(struct scene *s, int parent, int x, int y, const char *style, const char *text,
              int *width)
{
    if (!text) {
        s->oom = true;
        return y;
    }
    return para(s, parent, x, y, style, text, PART_ROW_W / SCENE_CHAR_W, width);
}

void part_more_cell(struct scene *s, int box, struct flow *f, const struct vt_bitmap *set,
                    const struct part_run *last, unsigned rest, const char *what)
{
    struct vt_bitmap *more = vt_bitmap_dup(set);
    char text[32], *list = NULL, *title;
    int cx, cy;

    for (unsigned c = 0, end = last ? last->first + last->step * (last->count - 1) : 0;
         last && more && c <= end; c++)
        vt_bitmap_clear(more, c);
    list = more ? vt_bitmap_format_list(more) : NULL;
    snprintf(text, sizeof(text), "+%u more", rest);
    title = scene_fmt("%u more %s: %s", rest, what, list ? list : "?");
    if (!more || !list || !title)
        s->oom = true;
    flow_place(f, part_cell_w(text), PART_CELL, &cx, &cy);
    part_cell(s, box, cx, cy, "more", text, title);
    free(title);
    free(list);
    vt_bitmap_free(more);
}

static int cmp_seg(const void *a, const void *b)
{
    const struct part_seg *x = a, *y = b;

    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->kind > y->kind) - (x->kind < y->kind);
}

/* Range [start, end) of kind minus the reserved entries rsv[0..nrsv) (in
 * address order) into out at *k. */
static void add_cut(struct part_seg *out, size_t *k, struct part_seg seg,
                    const struct part_seg *rsv, size_t nrsv)
{
    for (size_t i = 0; i < nrsv && seg.start < seg.end; i++) {
        if (rsv[i].end <= seg.start || rsv[i].start >= seg.end)
            continue;
        if (rsv[i].start > seg.start) {
            out[*k] = seg;
            out[(*k)++].end = rsv[i].start;
        }
        seg.start = rsv[i].end;
    }
    if (seg.start < seg.end)
        out[(*k)++] = seg;
}

struct part_seg *part_segments(const struct vt_layout *l, size_t *n)
{
    const struct vt_e820_entry *map;
    size_t nmap = vt_layout_memory_map(l, &map), nrsv = 0, nsrc, k = 0, m = 0;
    struct part_seg *rsv, *sg = NULL, *out = NULL;

    /* The ranges do not overlap, nor do the reserved entries: each entry
     * cuts one more piece at most. */
    nsrc = vt_layout_hotplug_memory_count(l);
    for (size_t i = 0; i < vt_layout_vnode_count(l); i++)
        nsrc += vt_layout_vnode(l, i)->nranges;
    if (!(rsv = calloc(nmap + 1, sizeof(*rsv))) ||
        !(sg = calloc(nsrc + 2 * nmap + 1, sizeof(*sg))) ||
        !(out = calloc(2 * (nsrc + 2 * nmap) + 1, sizeof(*out)))) {
        free(rsv);
        free(sg);
        return NULL;
    }
    for (size_t i = 0; i < nmap; i++)
        if (map[i].type != VT_E820_RAM)
            rsv[nrsv++] = (struct part_seg){map[i].start, map[i].end, PART_SEG_RSV, 0, map[i].type};
    qsort(rsv, nrsv, sizeof(*rsv), cmp_seg);
    for (size_t i = 0; i < vt_layout_vnode_count(l); i++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, i);

        for (size_t r = 0; r < vn->nranges; r++)
            add_cut(sg, &k,
                    (struct part_seg){vn->ranges[r].start, vn->ranges[r].end, PART_SEG_RAM,
                                      vn->vnode, 1},
                    rsv, nrsv);
    }
    for (size_t i = 0; i < vt_layout_hotplug_memory_count(l); i++) {
        const struct vt_hotplug_memory *hm = vt_layout_hotplug_memory(l, i);

        add_cut(sg, &k, (struct part_seg){hm->start, hm->end, PART_SEG_HOT, hm->vnode, 0}, rsv,
                nrsv);
    }
    memcpy(sg + k, rsv, nrsv * sizeof(*rsv));
    k += nrsv;
    free(rsv);
    qsort(sg, k, sizeof(*sg), cmp_seg);
    for (size_t i = 0; i < k; i++) {
        uint64_t at = m ? out[m - 1].end : 0;

        if (sg[i].end <= at) /* inside what is shown already */
            continue;
        if (sg[i].start < at) /* overlapping it: the rest */
            sg[i].start = at;
        if (sg[i].start > at)
            out[m++] = (struct part_seg){at, sg[i].start, PART_SEG_HOLE, 0, 0};
        out[m++] = sg[i];
    }
    free(sg);
    *n = m;
    return out;
}

void part_seg_what(const struct part_seg *sg, char *buf, size_t size)
{
    char type[32];

    if (sg->kind == PART_SEG_RAM)
        snprintf(buf, size, "RAM, vnode %u", sg->vnode);
    else if (sg->kind == PART_SEG_HOT)
        snprintf(buf, size, "hot-pluggable, vnode %u", sg->vnode);
    else if (sg->kind == PART_SEG_RSV)
        snprintf(buf, size, "%s", vt_e820_type_name(sg->type, type, sizeof(type)));
    else
        snprintf(buf, size, "hole");
}

void part_node_title(const struct vt_host_node *n, unsigned ncpus, char *buf, size_t size)
{
    char mem[32], pxm[24];

    part_size(mem, sizeof(mem), n->memory_bytes);
    if (n->host_pxm == VT_PXM_UNKNOWN)
        snprintf(pxm, sizeof(pxm), "PXM ?");
    else
        snprintf(pxm, sizeof(pxm), "PXM %u", n->host_pxm);
    snprintf(buf, size, "node %u  %s  %s  %u CPU%s", n->pnode, pxm, mem, ncpus,
             ncpus == 1 ? "" : "s");
}

bool part_device_shown(const struct vt_host_device *d)
{
    unsigned base = d->class_code >> 16;

    return base != 0x06 && base != 0x08;
}

struct vt_bitmap *part_cpus_of_no_node(const struct vt_host *h)
{
    struct vt_bitmap *b = vt_bitmap_dup(vt_host_cpus(h)->possible);

    for (size_t i = 0; b && i < vt_host_node_count(h); i++) {
        vt_bitmap_andnot(b, vt_host_node(h, i)->cpus);
        vt_bitmap_andnot(b, vt_host_node(h, i)->offline_cpus);
    }
    return b;
}

const char *part_node_no_cpus(const struct vt_host_node *n)
{
    if (n->has_generic_initiator)
        return n->has_memory ? "no CPUs (memory and a generic initiator)"
                             : "no CPUs or memory (a generic initiator)";
    return n->has_memory ? "no CPUs (memory only)" : "no CPUs, no memory";
}

char *part_host_line(const struct vt_host *h)
{
    size_t nn = vt_host_node_count(h);

    return scene_fmt("host %s: %zu node%s, %u CPUs (%u online)", vt_host_description(h), nn,
                     nn == 1 ? "" : "s", vt_bitmap_weight(vt_host_cpus(h)->possible),
                     vt_bitmap_weight(vt_host_cpus(h)->online));
}

const char *part_vnode_no_vcpus(const struct vt_vnode *vn)
{
    bool mem = vn->memory_bytes || vn->hotplug_memory_bytes;

    if (vn->ninitiators)
        return mem ? "no vCPUs (memory and generic initiators)"
                   : "no vCPUs or memory (generic initiators)";
    return mem ? "no vCPUs (memory only)" : "no vCPUs, no memory";
}

const struct vt_vcpu *part_vcpu(const struct vt_layout *l, unsigned vcpu)
{
    size_t n = vt_layout_vcpu_count(l), nh = vt_layout_hotplug_vcpu_count(l);

    if (vcpu < n)
        return vt_layout_vcpu(l, vcpu);
    /* Hot-pluggable vCPUs follow the present ones, in order. */
    if (vcpu - n < nh && vt_layout_hotplug_vcpu(l, vcpu - n)->vcpu == vcpu)
        return vt_layout_hotplug_vcpu(l, vcpu - n);
    for (size_t k = 0; k < nh; k++)
        if (vt_layout_hotplug_vcpu(l, k)->vcpu == vcpu)
            return vt_layout_hotplug_vcpu(l, k);
    return NULL;
}

char *part_list(const struct vt_bitmap *set)
{
    size_t nr = 0, len = 0;
    unsigned rest;
    struct part_run *r;
    bool strided = false;
    char *text = NULL, run[48];
    FILE *f;

    if (vt_bitmap_iszero(set))
        return strdup("-");
    if (!(r = part_runs(set, NULL, NULL, SIZE_MAX, &nr, &rest)))
        return NULL;
    for (size_t i = 0; i < nr; i++)
        strided |= r[i].step > 1;
    if (!strided) {
        free(r);
        return vt_bitmap_format_list(set);
    }
    if ((f = open_memstream(&text, &len))) {
        for (size_t i = 0; i < nr; i++) {
            part_run_text(&r[i], false, run, sizeof(run));
            fprintf(f, "%s%s", i ? ", " : "", run);
        }
        if (fclose(f) != 0) {
            free(text);
            text = NULL;
        }
    }
    free(r);
    return text;
}

static bool same_class(const void *ctx, unsigned a, unsigned b)
{
    return !ctx || !strcmp(part_cpu_class(ctx, a), part_cpu_class(ctx, b));
}

size_t part_share(size_t n)
{
    size_t share = n ? PART_CELL_BUDGET / n : PART_MAX_CELLS;

    return share < 1 ? 1 : share > PART_MAX_CELLS ? PART_MAX_CELLS : share;
}

void part_cpu_runs(struct scene *s, int box, struct flow *f, const struct vt_host *h,
                   const struct vt_bitmap *cpus, size_t max)
{
    size_t nr = 0;
    unsigned rest = 0;
    struct part_run *r = part_runs(cpus, same_class, h, max, &nr, &rest);
    char text[48], run[48], title[96];
    int cx, cy;

    if (!r)
        s->oom = true;
    for (size_t i = 0; i < nr; i++) {
        part_run_text(&r[i], true, text, sizeof(text));
        part_run_text(&r[i], false, run, sizeof(run));
        snprintf(title, sizeof(title), "CPU%s %s: %s", r[i].count > 1 ? "s" : "", run,
                 h ? part_cpu_state(h, r[i].first) : "host CPU");
        flow_place(f, part_cell_w(text), PART_CELL, &cx, &cy);
        part_cell(s, box, cx, cy, h ? part_cpu_class(h, r[i].first) : "hk", text, title);
    }
    if (rest)
        part_more_cell(s, box, f, cpus, &r[nr - 1], rest, "CPUs");
    free(r);
}

char *part_pin_pairs(const struct vt_layout *l, const unsigned *vcpus, size_t n, const char *arrow)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    bool first = true;

    if (!f)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const struct vt_vcpu *v = part_vcpu(l, vcpus[i]);
        size_t last = i;

        if (!v || v->pcpu < 0)
            continue;
        /* Consecutive vCPUs on consecutive host CPUs: one run. */
        while (last + 1 < n && vcpus[last + 1] == vcpus[last] + 1) {
            const struct vt_vcpu *w = part_vcpu(l, vcpus[last + 1]);

            if (!w || w->pcpu != v->pcpu + (int)(last + 1 - i))
                break;
            last++;
        }
        if (last > i)
            fprintf(f, "%s%u-%u%s%d-%d", first ? "" : ", ", vcpus[i], vcpus[last], arrow, v->pcpu,
                    v->pcpu + (int)(last - i));
        else
            fprintf(f, "%s%u%s%d", first ? "" : ", ", vcpus[i], arrow, v->pcpu);
        first = false;
        i = last;
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

char *part_pin_list(const struct vt_layout *l, const struct vt_vnode *vn, const char *arrow)
{
    unsigned n =
        vt_bitmap_weight(vn->vcpus) + (vn->hotplug_vcpus ? vt_bitmap_weight(vn->hotplug_vcpus) : 0);
    unsigned *v = malloc((n + 1) * sizeof(*v)), k = 0;
    char *out;

    if (!v)
        return NULL;
    for (int hot = 0; hot < 2; hot++) {
        const struct vt_bitmap *set = hot ? vn->hotplug_vcpus : vn->vcpus;

        for (int c = set ? vt_bitmap_first(set) : -1; c >= 0; c = vt_bitmap_next(set, c))
            v[k++] = (unsigned)c;
    }
    out = part_pin_pairs(l, v, k, arrow);
    free(v);
    return out;
}

char *part_vnode_title(const struct vt_vnode *vn)
{
    char mem[32], node[24], host[48];

    part_size(mem, sizeof(mem), vn->memory_bytes);
    if (vn->linux_node >= 0)
        snprintf(node, sizeof(node), "Linux node %d", vn->linux_node);
    else
        snprintf(node, sizeof(node), "no Linux node");
    if (vn->pnode >= 0 && vn->host_pxm != VT_PXM_UNKNOWN)
        snprintf(host, sizeof(host), "host node %d (PXM %u)", vn->pnode, vn->host_pxm);
    else if (vn->pnode >= 0)
        snprintf(host, sizeof(host), "host node %d", vn->pnode);
    else
        snprintf(host, sizeof(host), "no host node");
    return scene_fmt("vnode %u  PXM %u  %s  %s -> %s", vn->vnode, vn->guest_pxm, node, mem, host);
}

char *part_ranges_text(const struct vt_vnode *vn, size_t max)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return NULL;
    fputs("RAM", f);
    for (size_t r = 0; r < vn->nranges && r < max; r++)
        fprintf(f, "%s %llx-%llx", r ? "," : "", (unsigned long long)vn->ranges[r].start,
                (unsigned long long)vn->ranges[r].end - 1);
    if (vn->nranges > max)
        fprintf(f, ", +%zu more ranges", vn->nranges - max);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

char *part_planned_device(const struct vt_device *dev)
{
    if (dev->pnode < 0)
        return scene_fmt("%s %s <- host %s (host node unknown)", dev->guest_bdf,
                         vt_device_model_name(dev->model), dev->host_bdf);
    if (dev->distance > 10)
        return scene_fmt("%s %s <- host %s (host node %d, distance %u)", dev->guest_bdf,
                         vt_device_model_name(dev->model), dev->host_bdf, dev->pnode,
                         dev->distance);
    return scene_fmt("%s %s <- host %s (host node %d)", dev->guest_bdf,
                     vt_device_model_name(dev->model), dev->host_bdf, dev->pnode);
}

bool part_run_values(const struct vt_layout *l, const struct part_run *r, bool pcpu, char *buf,
                     size_t size)
{
    long first = 0, step = 0;

    for (unsigned k = 0; k < r->count; k++) {
        const struct vt_vcpu *v = part_vcpu(l, r->first + k * r->step);
        long x;

        if (!v || (pcpu && v->pcpu < 0))
            return false;
        x = pcpu ? v->pcpu : (long)v->apic_id;
        if (k == 0)
            first = x;
        else if (k == 1)
            step = x - first;
        if (k > 0 && (step < 1 || x != first + (long)k * step))
            return false;
    }
    {
        struct part_run vr = {(unsigned)first, r->count > 1 ? (unsigned)step : 1, r->count};

        part_run_text(&vr, false, buf, size);
    }
    return true;
}

char *part_core_summary(const struct vt_host *h, const struct vt_bitmap *cpus)
{
    struct vt_bitmap *seen = vt_bitmap_new();
    unsigned cores = 0, tmin = UINT32_MAX, tmax = 0;
    char *out;

    if (!seen)
        return NULL;
    for (int c = vt_bitmap_first(cpus); c >= 0; c = vt_bitmap_next(cpus, c)) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)c);
        unsigned n = 0;

        if (vt_bitmap_isset(seen, (unsigned)c))
            continue;
        for (int k = c; k >= 0; k = vt_bitmap_next(cpus, k))
            if (k == c || (t && t->siblings && vt_bitmap_isset(t->siblings, (unsigned)k))) {
                vt_bitmap_set(seen, (unsigned)k);
                n++;
            }
        cores++;
        tmin = n < tmin ? n : tmin;
        tmax = n > tmax ? n : tmax;
    }
    vt_bitmap_free(seen);
    if (!cores)
        return strdup("no CPUs");
    if (tmin == tmax)
        return scene_fmt("%u core%s x %u thread%s", cores, cores == 1 ? "" : "s", tmin,
                         tmin == 1 ? "" : "s");
    out = scene_fmt("%u cores of %u to %u threads", cores, tmin, tmax);
    return out;
}

int part_legend(struct scene *s, int x, int y, bool vcpus)
{
    static const char *const cls[] = {"vcpu", "hot", "hk", "iso", "nohz", "off"};
    static const char *const word[] = {"vCPU",     "hot-pluggable vCPU", "housekeeping",
                                       "isolated", "nohz_full",          "offline"};

    for (int i = vcpus ? 0 : 2; i < 6; i++) {
        scene_box(s, -1, x, y + 2, 12, 12, cls[i], NULL);
        scene_text(s, -1, x + 16, y, "", word[i]);
        x += 16 + scene_text_w(word[i]) + 16;
    }
    return y + SCENE_LINE_H;
}

char *part_float_text(const char *words, const struct vt_bitmap *cpus, bool *oom)
{
    char *list, *text;
    size_t len;

    if (!cpus || vt_bitmap_iszero(cpus))
        return NULL;
    if (!(list = vt_bitmap_format_list(cpus))) {
        *oom = true;
        return NULL;
    }
    len = strlen(list);
    if (len > PART_FLOAT_MAX)
        for (size_t k = PART_FLOAT_MAX; k > 0; k--)
            if (list[k] == ',') {
                len = k;
                break;
            }
    text = scene_fmt("%s %.*s%s", words, (int)len, list, list[len] ? ",..." : "");
    free(list);
    *oom |= !text;
    return text;
}
