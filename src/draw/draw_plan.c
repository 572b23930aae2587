/* A plan's picture (draw.h): the vnodes on the left, the host nodes that
 * back them on the right, links between them and the vCPUs' pins, the
 * guest-physical memory bar below, then the plan's warnings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/draw.h"
#include "draw/parts.h"

/* Draw individual pin lines up to this many pinned vCPUs. */
#define PIN_LINES_MAX 64

struct cellpos {
    int x, y, w; /* where a vCPU's or pCPU's cell is; w 0: not drawn alone */
};

/* vCPU cells of one vnode (present, then hot-pluggable) into the flow;
 * each drawn vCPU's cell in at[vcpu]. */
static void vcpu_cells(struct scene *s, const struct vt_layout *l, int box, struct flow *f,
                       const struct vt_bitmap *set, bool hot, struct cellpos *at)
{
    bool collapse = vt_bitmap_weight(set) > PART_MAX_CELLS;
    char text[48], title[128];
    int cx, cy;

    for (int c = vt_bitmap_first(set); c >= 0; c = vt_bitmap_next(set, c)) {
        const struct vt_vcpu *v = hot ? NULL : vt_layout_vcpu(l, (size_t)c);
        int last = c;

        if (!v)
            for (size_t k = 0; k < vt_layout_hotplug_vcpu_count(l); k++)
                if (vt_layout_hotplug_vcpu(l, k)->vcpu == (unsigned)c)
                    v = vt_layout_hotplug_vcpu(l, k);
        if (collapse) {
            while (vt_bitmap_isset(set, (unsigned)last + 1))
                last++;
            snprintf(text, sizeof(text), last > c ? "%d-%d (%d)" : "%d", c, last, last - c + 1);
            snprintf(title, sizeof(title), "vCPUs %d-%d%s", c, last, hot ? ", hot-pluggable" : "");
        } else {
            snprintf(text, sizeof(text), "%d(%u)", c, v ? v->apic_id : 0);
            if (v && v->pcpu >= 0)
                snprintf(title, sizeof(title), "vCPU %d, APIC ID %u, pinned to host CPU %d%s", c,
                         v->apic_id, v->pcpu, hot ? ", hot-pluggable" : "");
            else
                snprintf(title, sizeof(title), "vCPU %d, APIC ID %u%s", c, v ? v->apic_id : 0,
                         hot ? ", hot-pluggable" : "");
        }
        flow_place(f, part_cell_w(text), PART_CELL, &cx, &cy);
        part_cell(s, box, cx, cy, hot ? "hot" : "vcpu", text, title);
        if (!collapse)
            at[c] = (struct cellpos){cx, cy, part_cell_w(text)};
        c = last;
    }
}

/* "0-9ffff, 100000-1fffffff" of a vnode's ranges, into buf. */
static void ranges_text(const struct vt_vnode *vn, char *buf, size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t r = 0; r < vn->nranges && n < size; r++)
        n += (size_t)snprintf(buf + n, size - n, "%s%llx-%llx", r ? ", " : "",
                              (unsigned long long)vn->ranges[r].start,
                              (unsigned long long)vn->ranges[r].end - 1);
}

/* vnode i's box at (x, y); its size in *w, *hh. */
static void vnode_box(struct scene *s, const struct vt_layout *l, size_t i, int x, int y, int *w,
                      int *hh, struct cellpos *at)
{
    const struct vt_vnode *vn = vt_layout_vnode(l, i);
    char title[160], mem[32], node[24], host[32], text[512];
    int box, cy, width;
    struct flow f;

    part_size(mem, sizeof(mem), vn->memory_bytes);
    if (vn->linux_node >= 0)
        snprintf(node, sizeof(node), "Linux node %d", vn->linux_node);
    else
        snprintf(node, sizeof(node), "no Linux node");
    if (vn->pnode >= 0)
        snprintf(host, sizeof(host), "host node %d", vn->pnode);
    else
        snprintf(host, sizeof(host), "no host node");
    snprintf(title, sizeof(title), "vnode %u  PXM %u  %s  %s  -> %s", vn->vnode, vn->guest_pxm,
             node, mem, host);
    box = scene_box(s, -1, x, y, 0, 0, "vnode", title);
    scene_text(s, box, x + PART_PAD, y + PART_PAD, "title", title);
    width = (int)strlen(title) * SCENE_CHAR_W;
    flow_init(&f, x + PART_PAD, y + PART_PAD + SCENE_LINE_H + PART_GAP, PART_ROW_W, PART_GAP);
    vcpu_cells(s, l, box, &f, vn->vcpus, false, at);
    if (vn->hotplug_vcpus)
        vcpu_cells(s, l, box, &f, vn->hotplug_vcpus, true, at);
    cy = f.used ? flow_bottom(&f) + PART_GAP : f.y;
    width = f.used > width ? f.used : width;
    if (!vt_bitmap_weight(vn->vcpus) &&
        !(vn->hotplug_vcpus && vt_bitmap_weight(vn->hotplug_vcpus))) {
        scene_text(s, box, x + PART_PAD, cy, "dim", "no vCPUs (memory only)");
        cy += SCENE_LINE_H;
    }
    for (size_t d = 0; d < vt_layout_device_count(l); d++) {
        const struct vt_device *dev = vt_layout_device(l, d);

        if (dev->vnode != vn->vnode)
            continue;
        snprintf(text, sizeof(text), "%s %s <- host %s", dev->guest_bdf,
                 vt_device_model_name(dev->model), dev->host_bdf);
        scene_text(s, box, x + PART_PAD, cy, "", text);
        cy += SCENE_LINE_H;
        width = (int)strlen(text) * SCENE_CHAR_W > width ? (int)strlen(text) * SCENE_CHAR_W : width;
    }
    if (vn->nranges) {
        char r[384];

        ranges_text(vn, r, sizeof(r));
        snprintf(text, sizeof(text), "RAM %s", r);
        cy = part_para(s, box, x + PART_PAD, cy, "dim", text, 64);
        width = width > 64 * SCENE_CHAR_W ? width : 64 * SCENE_CHAR_W;
    }
    if (vn->hotplug_memory_bytes) {
        part_size(mem, sizeof(mem), vn->hotplug_memory_bytes);
        snprintf(text, sizeof(text), "hot-pluggable memory %s", mem);
        scene_text(s, box, x + PART_PAD, cy, "dim", text);
        cy += SCENE_LINE_H;
        width = (int)strlen(text) * SCENE_CHAR_W > width ? (int)strlen(text) * SCENE_CHAR_W : width;
    }
    *w = width + 2 * PART_PAD;
    *hh = cy - y + PART_PAD;
    scene_resize(s, box, *w, *hh);
}

/* The host node pnode's box at (x, y) with the CPUs the plan pins to it
 * (their cells in pat[cpu]) or the words for unpinned vCPUs. */
static void pnode_box(struct scene *s, const struct vt_layout *l, const struct vt_host *h,
                      int pnode, int x, int y, int *w, int *hh, struct cellpos *pat, size_t npat)
{
    struct vt_bitmap *pins = vt_bitmap_new();
    const struct vt_host_node *n = NULL;
    char title[128], mem[32], text[160];
    int box, width, cy, cx, ccy;
    struct flow f;

    if (!pins) {
        s->oom = true;
        return;
    }
    for (size_t i = 0; h && i < vt_host_node_count(h); i++)
        if ((int)vt_host_node(h, i)->pnode == pnode)
            n = vt_host_node(h, i);
    for (size_t v = 0; v < vt_layout_vcpu_count(l); v++) {
        const struct vt_vcpu *c = vt_layout_vcpu(l, v);

        if (c->pcpu >= 0 && vt_layout_vnode(l, c->vnode)->pnode == pnode)
            vt_bitmap_set(pins, (unsigned)c->pcpu);
    }
    if (n) {
        part_size(mem, sizeof(mem), n->memory_bytes);
        if (n->host_pxm == VT_PXM_UNKNOWN)
            snprintf(title, sizeof(title), "host node %d  PXM ?  %s", pnode, mem);
        else
            snprintf(title, sizeof(title), "host node %d  PXM %u  %s", pnode, n->host_pxm, mem);
    } else {
        snprintf(title, sizeof(title), "host node %d", pnode);
    }
    box = scene_box(s, -1, x, y, 0, 0, "node", title);
    scene_text(s, box, x + PART_PAD, y + PART_PAD, "title", title);
    width = (int)strlen(title) * SCENE_CHAR_W;
    cy = y + PART_PAD + SCENE_LINE_H + PART_GAP;
    if (!vt_bitmap_iszero(pins)) {
        bool collapse = vt_bitmap_weight(pins) > PART_MAX_CELLS;

        flow_init(&f, x + PART_PAD, cy, PART_ROW_W, PART_GAP);
        for (int c = vt_bitmap_first(pins); c >= 0; c = vt_bitmap_next(pins, c)) {
            const char *cls = h ? part_cpu_class(h, (unsigned)c) : "hk";
            int last = c;

            if (collapse)
                while (vt_bitmap_isset(pins, (unsigned)last + 1) &&
                       (!h || !strcmp(part_cpu_class(h, (unsigned)last + 1), cls)))
                    last++;
            snprintf(text, sizeof(text), last > c ? "%d-%d (%d)" : "%d", c, last, last - c + 1);
            flow_place(&f, part_cell_w(text), PART_CELL, &cx, &ccy);
            part_cell(s, box, cx, ccy, cls, text, h ? part_cpu_state(h, (unsigned)c) : NULL);
            if (!collapse && (size_t)c < npat)
                pat[c] = (struct cellpos){cx, ccy, part_cell_w(text)};
            c = last;
        }
        cy = flow_bottom(&f) + PART_GAP;
        width = f.used > width ? f.used : width;
    } else if (n) {
        char *cpus = vt_bitmap_format_list(n->housekeeping_cpus);

        snprintf(text, sizeof(text), "vCPUs float on its housekeeping CPUs %s",
                 cpus && *cpus ? cpus : "(none)");
        free(cpus);
        cy = part_para(s, box, x + PART_PAD, cy, "dim", text, 60);
        width = width > 60 * SCENE_CHAR_W ? width : 60 * SCENE_CHAR_W;
    }
    *w = width + 2 * PART_PAD;
    *hh = cy - y + PART_PAD;
    scene_resize(s, box, *w, *hh);
    vt_bitmap_free(pins);
}

/* ---- the memory bar ----------------------------------------------------- */

/* floor(sqrt(v)): a segment's weight in the bar (integers: the same
 * picture everywhere). */
static uint64_t isqrt(uint64_t v)
{
    uint64_t r = 0, bit = 1ull << 62;

    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

/* The bar at (x, y), width w. Its bottom. */
static int memory_bar(struct scene *s, const struct vt_layout *l, int x, int y, int w)
{
    size_t n = 0;
    struct part_seg *sg = part_segments(l, &n);
    const int minw = 28, barh = 26;
    uint64_t sum = 0;
    int spare;
    int box, sx, label_end, bar_w;
    char text[64], title[160], t2[32], what[48];

    if (!sg) {
        s->oom = true;
        return y;
    }
    if (w < (int)n * minw + 2 * PART_PAD)
        w = (int)n * minw + 2 * PART_PAD;
    bar_w = w - 2 * PART_PAD;
    box = scene_box(s, -1, x, y, w, 0, "group", "guest-physical memory");
    scene_text(s, box, x + PART_PAD, y + PART_PAD, "title",
               "guest-physical memory (widths grow with the square root of the size)");
    for (size_t i = 0; i < n; i++)
        sum += isqrt(sg[i].end - sg[i].start);
    spare = bar_w - (int)n * minw;
    sx = x + PART_PAD;
    label_end = 0;
    for (size_t i = 0; i < n; i++) {
        const int by = y + PART_PAD + SCENE_LINE_H + PART_GAP;
        int sw = minw + (int)((uint64_t)spare * isqrt(sg[i].end - sg[i].start) / (sum ? sum : 1));
        const char *cls;
        static const char *const vcls[] = {"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7"};

        if (i + 1 == n)
            sw = x + PART_PAD + bar_w - sx;
        part_size(t2, sizeof(t2), sg[i].end - sg[i].start);
        part_seg_what(&sg[i], what, sizeof(what));
        snprintf(title, sizeof(title), "%llx-%llx: %s, %s", (unsigned long long)sg[i].start,
                 (unsigned long long)sg[i].end - 1, what, t2);
        cls = sg[i].kind == PART_SEG_RAM   ? vcls[sg[i].vnode % 8]
              : sg[i].kind == PART_SEG_HOT ? "hotmem"
              : sg[i].kind == PART_SEG_RSV ? "rsv"
                                           : "hole";
        if (sg[i].kind == PART_SEG_RAM || sg[i].kind == PART_SEG_HOT)
            snprintf(text, sizeof(text), "%sv%u", sg[i].kind == PART_SEG_HOT ? "+" : "",
                     sg[i].vnode);
        else
            snprintf(text, sizeof(text), "%s", sg[i].kind == PART_SEG_RSV ? "rsv" : "hole");
        {
            int seg = scene_box(s, box, sx, by, sw, barh, cls, title);

            if ((int)strlen(text) * SCENE_CHAR_W + 4 <= sw)
                scene_text(s, seg, sx + 2, by + 5, "", text);
        }
        /* The start address under it, when there is room. */
        snprintf(text, sizeof(text), "%llx", (unsigned long long)sg[i].start);
        if (sx >= label_end && sx + (int)strlen(text) * SCENE_CHAR_W <= x + w - PART_PAD) {
            scene_text(s, box, sx, by + barh + 2, "dim", text);
            label_end = sx + (int)strlen(text) * SCENE_CHAR_W + SCENE_CHAR_W;
        }
        sx += sw;
    }
    free(sg);
    scene_resize(s, box, w,
                 PART_PAD + SCENE_LINE_H + PART_GAP + barh + 2 + SCENE_LINE_H + PART_PAD);
    return y + PART_PAD + SCENE_LINE_H + PART_GAP + barh + 2 + SCENE_LINE_H + PART_PAD;
}

int draw_plan_scene(const struct vt_layout *l, const struct vt_host *h, struct scene *s)
{
    size_t nv = vt_layout_vnode_count(l),
           ncpu = vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l) + 1;
    size_t npcpu = h ? (size_t)vt_bitmap_last(vt_host_cpus(h)->possible) + 2 : 1, npinned = 0;
    struct cellpos *vat = calloc(ncpu, sizeof(*vat)), *pat = NULL;
    int *vbox = calloc(nv + 1, sizeof(*vbox)), *pnodes = calloc(nv + 1, sizeof(*pnodes));
    int *pbox = calloc(nv + 1, sizeof(*pbox));
    int y, left_w = 0, y_left, y_right, right_x, bottom, np = 0;
    char line[256], mem[32];

    for (size_t v = 0; v < vt_layout_vcpu_count(l); v++)
        npinned += vt_layout_vcpu(l, v)->pcpu >= 0;
    for (size_t v = 0; v < vt_layout_vcpu_count(l); v++)
        if (vt_layout_vcpu(l, v)->pcpu >= 0 && (size_t)vt_layout_vcpu(l, v)->pcpu + 1 > npcpu)
            npcpu = (size_t)vt_layout_vcpu(l, v)->pcpu + 1;
    pat = calloc(npcpu, sizeof(*pat));
    if (!vat || !vbox || !pnodes || !pbox || !pat) {
        free(vat);
        free(vbox);
        free(pnodes);
        free(pbox);
        free(pat);
        return -1;
    }
    part_size(mem, sizeof(mem), vt_layout_memory(l));
    s->title = scene_fmt("vtopo: plan of %zu vCPUs, %zu vnodes", vt_layout_vcpu_count(l), nv);
    snprintf(line, sizeof(line),
             "plan: %zu vCPU%s, %s, %zu vnode%s; APIC %s, memory layout %s; cells: vCPU(APIC ID)",
             vt_layout_vcpu_count(l), vt_layout_vcpu_count(l) == 1 ? "" : "s", mem, nv,
             nv == 1 ? "" : "s", vt_apic_encoding_name(vt_layout_apic_encoding(l)),
             vt_mem_layout_name(vt_layout_mem_layout(l)));
    y = part_para(s, -1, 10, 10, "title", line, PART_PAGE / SCENE_CHAR_W) + 8;
    /* The vnodes, one under another. */
    y_left = y;
    for (size_t i = 0; i < nv; i++) {
        int w = 0, hh = 0;

        vbox[i] = (int)s->n;
        vnode_box(s, l, i, 10, y_left, &w, &hh, vat);
        y_left += hh + 12;
        left_w = w > left_w ? w : left_w;
    }
    /* The host nodes that back them, in the order of their first vnode. */
    right_x = 10 + left_w + (npinned && npinned <= PIN_LINES_MAX ? 160 : 100);
    y_right = y;
    for (size_t i = 0; i < nv; i++) {
        int p = vt_layout_vnode(l, i)->pnode, k;

        for (k = 0; k < np && pnodes[k] != p; k++)
            ;
        if (p < 0 || k < np)
            continue;
        {
            int w = 0, hh = 0;

            pnodes[np] = p;
            pbox[np++] = (int)s->n;
            pnode_box(s, l, h, p, right_x, y_right, &w, &hh, pat, npcpu);
            y_right += hh + 12;
        }
    }
    /* Links: each vnode to its host node; each pinned vCPU to its CPU. */
    for (size_t i = 0; i < nv && !s->oom; i++) {
        const struct scene_item *vb = &s->items[vbox[i]];
        int p = vt_layout_vnode(l, i)->pnode, k;

        for (k = 0; k < np && pnodes[k] != p; k++)
            ;
        if (k < np) {
            const struct scene_item *pb = &s->items[pbox[k]];

            scene_line(s, vb->x + vb->w, vb->y + 12, pb->x, pb->y + 12, "link");
        }
    }
    if (npinned <= PIN_LINES_MAX)
        for (size_t v = 0; v < vt_layout_vcpu_count(l) && !s->oom; v++) {
            const struct vt_vcpu *c = vt_layout_vcpu(l, v);

            if (c->pcpu >= 0 && vat[c->vcpu].w && (size_t)c->pcpu < npcpu && pat[c->pcpu].w)
                scene_line(s, vat[c->vcpu].x + vat[c->vcpu].w, vat[c->vcpu].y + PART_CELL / 2,
                           pat[c->pcpu].x, pat[c->pcpu].y + PART_CELL / 2, "pin");
        }
    bottom = (y_left > y_right ? y_left : y_right) + 8;
    bottom = memory_bar(s, l, 10, bottom, s->width - 10 > 800 ? s->width - 10 : 800) + 12;
    for (size_t i = 0; i < vt_layout_warning_count(l); i++) {
        snprintf(line, sizeof(line), "warning: %s", vt_layout_warning(l, i));
        bottom = part_para(s, -1, 10, bottom, "warn", line, 140);
    }
    free(vat);
    free(vbox);
    free(pnodes);
    free(pbox);
    free(pat);
    return s->oom ? -1 : 0;
}
