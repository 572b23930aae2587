/* A plan's picture (draw.h): the vnodes on the left, the host nodes that
 * back them on the right, links between them and the vCPUs' pins, the
 * guest-physical memory bar below, then the plan's warnings. Many vnodes
 * (more than PLAN_COLUMN_MAX) flow in rows instead, their host nodes in
 * rows below them, without lines (each title names its host node). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/draw.h"
#include "draw/parts.h"

/* Draw individual pin lines up to this many pinned vCPUs. */
#define PIN_LINES_MAX 64
/* Vnodes one under another up to this many; more flow in rows. */
#define PLAN_COLUMN_MAX 64
/* Memory bar segments drawn; the rest are one "+N more" segment. */
#define BAR_SEGMENTS_MAX 60
/* RAM ranges listed in a vnode box. */
#define BOX_RANGES_MAX 8

struct cellpos {
    int x, y, w; /* where a vCPU's or pCPU's cell is; w 0: not drawn alone */
};

/* The plan's vCPU v in the order present, then hot-pluggable. */
static const struct vt_vcpu *vcpu_at(const struct vt_layout *l, size_t v)
{
    return v < vt_layout_vcpu_count(l) ? vt_layout_vcpu(l, v)
                                       : vt_layout_hotplug_vcpu(l, v - vt_layout_vcpu_count(l));
}

/* The cell of a run of vCPUs: "0-63 (64) APIC 0-63 →64-127": the APIC IDs
 * and host CPUs when, in vCPU order, each is a progression too; the title
 * gives every APIC ID and pin. */
static void run_cell(struct scene *s, const struct vt_layout *l, int box, struct flow *f,
                     const struct part_run *r, bool hot)
{
    struct vt_bitmap *apic = vt_bitmap_new();
    unsigned *members = calloc(r->count + 1, sizeof(*members)), npinned = 0;
    char text[160], run[48], vals[48], *al = NULL, *pl = NULL, *title;
    int cx, cy;

    for (unsigned i = 0; apic && members && i < r->count; i++) {
        const struct vt_vcpu *v = part_vcpu(l, r->first + i * r->step);

        members[i] = r->first + i * r->step;
        if (v) {
            vt_bitmap_set(apic, v->apic_id);
            npinned += v->pcpu >= 0;
        }
    }
    if (!apic || !members || !(al = part_list(apic)) ||
        (npinned && !(pl = part_pin_pairs(l, members, r->count, "\u2192"))))
        s->oom = true;
    part_run_text(r, true, text, sizeof(text));
    part_run_text(r, false, run, sizeof(run));
    if (part_run_values(l, r, false, vals, sizeof(vals)))
        snprintf(text + strlen(text), sizeof(text) - strlen(text), " APIC %s", vals);
    if (npinned == r->count && part_run_values(l, r, true, vals, sizeof(vals)))
        snprintf(text + strlen(text), sizeof(text) - strlen(text), " \u2192%s", vals);
    title = scene_fmt("vCPUs %s, APIC IDs %s%s%s%s", run, al ? al : "?", npinned ? "; pins " : "",
                      pl ? pl : "", hot ? "; hot-pluggable" : "");
    s->oom |= !title;
    flow_place(f, part_cell_w(text), PART_CELL, &cx, &cy);
    part_cell(s, box, cx, cy, hot ? "hot" : "vcpu", text, title);
    free(title);
    free(al);
    free(pl);
    free(members);
    vt_bitmap_free(apic);
}

/* vCPU cells of one set (present or hot-pluggable) into the flow: each
 * "vCPU(APIC ID)", "→host CPU" when pinned, its cell in at[vcpu]; or at
 * most max runs (and "+N more"). How many cells. */
static size_t vcpu_cells(struct scene *s, const struct vt_layout *l, int box, struct flow *f,
                         const struct vt_bitmap *set, bool hot, size_t max, struct cellpos *at)
{
    char text[48], title[128];
    int cx, cy;

    if (vt_bitmap_iszero(set))
        return 0;
    if (max) {
        size_t nr = 0;
        unsigned rest = 0;
        struct part_run *r = part_runs(set, NULL, NULL, max, &nr, &rest);

        if (!r)
            s->oom = true;
        for (size_t i = 0; i < nr; i++)
            run_cell(s, l, box, f, &r[i], hot);
        if (rest)
            part_more_cell(s, box, f, set, &r[nr - 1], rest, "vCPUs");
        free(r);
        return nr + (rest > 0);
    }
    for (int c = vt_bitmap_first(set); c >= 0; c = vt_bitmap_next(set, c)) {
        const struct vt_vcpu *v = part_vcpu(l, (unsigned)c);
        unsigned apic = v ? v->apic_id : 0;

        if (v && v->pcpu >= 0) {
            snprintf(text, sizeof(text), "%d(%u)\u2192%d", c, apic, v->pcpu);
            snprintf(title, sizeof(title), "vCPU %d, APIC ID %u, pinned to host CPU %d%s", c, apic,
                     v->pcpu, hot ? ", hot-pluggable" : "");
        } else {
            snprintf(text, sizeof(text), "%d(%u)", c, apic);
            snprintf(title, sizeof(title), "vCPU %d, APIC ID %u%s", c, apic,
                     hot ? ", hot-pluggable" : "");
        }
        flow_place(f, part_cell_w(text), PART_CELL, &cx, &cy);
        part_cell(s, box, cx, cy, hot ? "hot" : "vcpu", text, title);
        at[c] = (struct cellpos){cx, cy, part_cell_w(text)};
    }
    return vt_bitmap_weight(set);
}

/* vnode i's box at (x, y), its vCPUs as runs of at most runs cells (0:
 * each alone); its size in *w, *hh. */
static void vnode_box(struct scene *s, const struct vt_layout *l, size_t i, int x, int y,
                      size_t runs, int *w, int *hh, struct cellpos *at)
{
    const struct vt_vnode *vn = vt_layout_vnode(l, i);
    bool hot = vn->hotplug_vcpus && !vt_bitmap_iszero(vn->hotplug_vcpus);
    char mem[32], *text, *title = part_vnode_title(vn);
    int box, cy, width = 0;
    size_t drawn;
    struct flow f;

    s->oom |= !title;
    box = scene_box(s, -1, x, y, 0, 0, "vnode", title);
    cy = part_line(s, box, x + PART_PAD, y + PART_PAD, "title", title, &width);
    free(title);
    flow_init(&f, x + PART_PAD, cy + PART_GAP, PART_ROW_W, PART_GAP);
    drawn = vcpu_cells(s, l, box, &f, vn->vcpus, false, runs, at);
    /* The hot-pluggable ones: what the present ones left of the box's
     * runs; none left, one "+N more" for them all. */
    if (hot && runs && drawn >= runs) {
        part_more_cell(s, box, &f, vn->hotplug_vcpus, NULL, vt_bitmap_weight(vn->hotplug_vcpus),
                       "hot-pluggable vCPUs");
    } else if (hot) {
        vcpu_cells(s, l, box, &f, vn->hotplug_vcpus, true, runs ? runs - drawn : 0, at);
    }
    cy = f.used ? flow_bottom(&f) + PART_GAP : f.y;
    width = f.used > width ? f.used : width;
    if (vt_bitmap_iszero(vn->vcpus) && !hot)
        cy = part_line(s, box, x + PART_PAD, cy, "dim", part_vnode_no_vcpus(vn), &width);
    if ((text = part_float_text("unpinned vCPUs on host CPUs", vn->float_cpus, &s->oom))) {
        cy = part_line(s, box, x + PART_PAD, cy, "dim", text, &width);
        free(text);
    }
    for (size_t d = 0; d < vt_layout_device_count(l); d++) {
        const struct vt_device *dev = vt_layout_device(l, d);

        if (dev->vnode != vn->vnode)
            continue;
        text = part_planned_device(dev);
        cy = part_line(s, box, x + PART_PAD, cy, dev->distance > 10 ? "warn" : "", text, &width);
        free(text);
    }
    for (size_t g = 0; g < vt_layout_initiator_count(l); g++) {
        const struct vt_initiator *gi = vt_layout_initiator(l, g);

        if (gi->vnode != vn->vnode)
            continue;
        text = scene_fmt("generic initiator %04x:%02x:%02x.%u", gi->segment, gi->bus,
                         gi->devfn >> 3, gi->devfn & 7);
        cy = part_line(s, box, x + PART_PAD, cy, "", text, &width);
        free(text);
    }
    if (vn->nranges) {
        text = part_ranges_text(vn, BOX_RANGES_MAX);
        cy = part_line(s, box, x + PART_PAD, cy, "dim", text, &width);
        free(text);
    }
    if (vn->hotplug_memory_bytes) {
        part_size(mem, sizeof(mem), vn->hotplug_memory_bytes);
        text = scene_fmt("hot-pluggable memory %s", mem);
        cy = part_line(s, box, x + PART_PAD, cy, "dim", text, &width);
        free(text);
    }
    *w = width + 2 * PART_PAD;
    *hh = cy - y + PART_PAD;
    scene_resize(s, box, *w, *hh);
}

/* The host node pnode's box at (x, y) with the CPUs the plan pins to it
 * (each cell in pat[cpu] when drawn alone) or the words for unpinned
 * vCPUs. */
static void pnode_box(struct scene *s, const struct vt_layout *l, const struct vt_host *h,
                      int pnode, int x, int y, int *w, int *hh, struct cellpos *pat, size_t npat)
{
    struct vt_bitmap *pins = vt_bitmap_new();
    const struct vt_host_node *n = NULL;
    char title[128], text[48];
    int box, width, cy, cx, ccy;
    struct flow f;

    if (!pins) {
        s->oom = true;
        return;
    }
    for (size_t i = 0; h && i < vt_host_node_count(h); i++)
        if ((int)vt_host_node(h, i)->pnode == pnode)
            n = vt_host_node(h, i);
    /* The CPUs its vnodes' vCPUs are pinned to, hot-pluggable ones too. */
    for (size_t v = 0; v < vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l); v++) {
        const struct vt_vcpu *c = vcpu_at(l, v);

        if (c->pcpu >= 0 && vt_layout_vnode(l, c->vnode)->pnode == pnode)
            vt_bitmap_set(pins, (unsigned)c->pcpu);
    }
    if (n) {
        part_node_title(n, vt_bitmap_weight(n->cpus) + vt_bitmap_weight(n->offline_cpus), title,
                        sizeof(title));
    } else {
        snprintf(title, sizeof(title), "node %d", pnode);
    }
    box = scene_box(s, -1, x, y, 0, 0, "node", title);
    scene_text(s, box, x + PART_PAD, y + PART_PAD, "title", title);
    width = scene_text_w(title);
    cy = y + PART_PAD + SCENE_LINE_H + PART_GAP;
    if (!vt_bitmap_iszero(pins)) {
        flow_init(&f, x + PART_PAD, cy, PART_ROW_W, PART_GAP);
        if (vt_bitmap_weight(pins) > PART_MAX_CELLS) {
            part_cpu_runs(s, box, &f, h, pins, PART_MAX_CELLS);
        } else {
            for (int c = vt_bitmap_first(pins); c >= 0; c = vt_bitmap_next(pins, c)) {
                snprintf(text, sizeof(text), "%d", c);
                flow_place(&f, part_cell_w(text), PART_CELL, &cx, &ccy);
                part_cell(s, box, cx, ccy, h ? part_cpu_class(h, (unsigned)c) : "hk", text,
                          h ? part_cpu_state(h, (unsigned)c) : NULL);
                if ((size_t)c < npat)
                    pat[c] = (struct cellpos){cx, ccy, part_cell_w(text)};
            }
        }
        cy = flow_bottom(&f) + PART_GAP;
        width = f.used > width ? f.used : width;
    } else if (n) {
        /* Its CPUs the plan's unpinned vCPUs run on (their vnodes'
         * float_cpus). */
        struct vt_bitmap *on = vt_bitmap_new();
        char *words;

        for (size_t v = 0; on && v < vt_layout_vnode_count(l); v++)
            if (vt_layout_vnode(l, v)->float_cpus &&
                vt_bitmap_or(on, vt_layout_vnode(l, v)->float_cpus) < 0)
                s->oom = true;
        if (on)
            vt_bitmap_and(on, n->cpus);
        s->oom |= !on;
        if ((words = part_float_text("unpinned vCPUs on its CPUs", on, &s->oom)))
            cy = part_line(s, box, x + PART_PAD, cy, "dim", words, &width);
        free(words);
        vt_bitmap_free(on);
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
    size_t more = 0;
    int spare;
    int box, sx, label_end, bar_w;
    char text[64], title[192], t2[32], what[64];

    if (!sg) {
        s->oom = true;
        return y;
    }
    /* Past BAR_SEGMENTS_MAX, the rest is one segment (the text lists all). */
    if (n > BAR_SEGMENTS_MAX) {
        more = n - BAR_SEGMENTS_MAX + 1;
        sg[BAR_SEGMENTS_MAX - 1].end = sg[n - 1].end;
        n = BAR_SEGMENTS_MAX;
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
        if (more && i + 1 == n)
            snprintf(what, sizeof(what), "%zu more ranges (the text picture lists them)", more);
        else
            part_seg_what(&sg[i], what, sizeof(what));
        snprintf(title, sizeof(title), "%llx-%llx: %s, %s", (unsigned long long)sg[i].start,
                 (unsigned long long)sg[i].end - 1, what, t2);
        cls = more && i + 1 == n           ? "more"
              : sg[i].kind == PART_SEG_RAM ? vcls[sg[i].vnode % 8]
              : sg[i].kind == PART_SEG_HOT ? "hotmem"
              : sg[i].kind == PART_SEG_RSV ? "rsv"
                                           : "hole";
        if (more && i + 1 == n)
            snprintf(text, sizeof(text), "+%zu", more);
        else if (sg[i].kind == PART_SEG_RAM || sg[i].kind == PART_SEG_HOT)
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
           nall = vt_layout_vcpu_count(l) + vt_layout_hotplug_vcpu_count(l), ncpu = nall + 1;
    size_t npcpu = h ? (size_t)vt_bitmap_last(vt_host_cpus(h)->possible) + 2 : 1, npinned = 0;
    struct cellpos *vat = calloc(ncpu, sizeof(*vat)), *pat = NULL;
    int *vbox = calloc(nv + 1, sizeof(*vbox)), *pnodes = calloc(nv + 1, sizeof(*pnodes));
    int *pbox = calloc(nv + 1, sizeof(*pbox));
    int y, left_w = 0, y_left, y_right, right_x, bottom, np = 0;
    bool column = nv <= PLAN_COLUMN_MAX, runs_all = nall > PART_CELL_BUDGET;
    /* With hot-pluggable vCPUs a box shows two sets: half the share each. */
    size_t share = part_share(vt_layout_hotplug_vcpu_count(l) ? 2 * nv : nv);
    char *line, mem[32];

    for (size_t v = 0; v < nall; v++) {
        const struct vt_vcpu *c = vcpu_at(l, v);

        npinned += c->pcpu >= 0;
        if (c->pcpu >= 0 && (size_t)c->pcpu + 1 > npcpu)
            npcpu = (size_t)c->pcpu + 1;
    }
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
    line = scene_fmt("plan: %zu vCPU%s, %s, %zu vnode%s; APIC %s, memory layout %s; cells: "
                     "vCPU(APIC ID)\u2192host CPU",
                     vt_layout_vcpu_count(l), vt_layout_vcpu_count(l) == 1 ? "" : "s", mem, nv,
                     nv == 1 ? "" : "s", vt_apic_encoding_name(vt_layout_apic_encoding(l)),
                     vt_mem_layout_name(vt_layout_mem_layout(l)));
    s->oom |= !line;
    y = line ? part_para(s, -1, 10, 10, "title", line, PART_PAGE / SCENE_CHAR_W) : 10;
    free(line);
    y = part_legend(s, 10, y + 4, true) + 8;
    /* The vnodes: one under another, or in rows. */
    y_left = y;
    {
        struct flow f;

        flow_init(&f, 10, y, PART_PAGE, 12);
        for (size_t i = 0; i < nv; i++) {
            const struct vt_vnode *vn = vt_layout_vnode(l, i);
            size_t here = vt_bitmap_weight(vn->vcpus) +
                          (vn->hotplug_vcpus ? vt_bitmap_weight(vn->hotplug_vcpus) : 0);
            size_t first = s->n;
            int w = 0, hh = 0, nx, ny;

            vbox[i] = (int)s->n;
            vnode_box(s, l, i, column ? 10 : 0, column ? y_left : 0,
                      runs_all || here > PART_MAX_CELLS ? share : 0, &w, &hh, vat);
            if (column) {
                y_left += hh + 12;
                left_w = w > left_w ? w : left_w;
            } else {
                flow_place(&f, w, hh, &nx, &ny);
                scene_shift(s, first, nx, ny);
            }
        }
        if (!column)
            y_left = flow_bottom(&f) + 12;
    }
    /* The host nodes that back them, in the order of their first vnode:
     * on the right, or in rows below. */
    right_x = 10 + left_w + (npinned && npinned <= PIN_LINES_MAX ? 160 : 100);
    y_right = column ? y : y_left;
    {
        struct flow f;

        flow_init(&f, 10, y_right, PART_PAGE, 12);
        for (size_t i = 0; i < nv; i++) {
            int p = vt_layout_vnode(l, i)->pnode, k, w = 0, hh = 0, nx, ny;
            size_t first = s->n;

            for (k = 0; k < np && pnodes[k] != p; k++)
                ;
            if (p < 0 || k < np)
                continue;
            pnodes[np] = p;
            pbox[np++] = (int)s->n;
            pnode_box(s, l, h, p, column ? right_x : 0, column ? y_right : 0, &w, &hh, pat, npcpu);
            if (column) {
                y_right += hh + 12;
            } else {
                flow_place(&f, w, hh, &nx, &ny);
                scene_shift(s, first, nx, ny);
            }
        }
        if (!column && np)
            y_right = flow_bottom(&f) + 12;
    }
    /* Lines: each vnode to its host node; each pinned vCPU from its
     * vnode's edge, at its cell's height, to its host CPU. */
    for (size_t i = 0; column && i < nv && !s->oom; i++) {
        int p = vt_layout_vnode(l, i)->pnode, k;

        for (k = 0; k < np && pnodes[k] != p; k++)
            ;
        if (k < np) {
            /* Copies: adding a line may move the items. */
            const struct scene_item vbc = s->items[vbox[i]], pbc = s->items[pbox[k]], *vb = &vbc,
                                    *pb = &pbc;

            /* Out of its box to the left column's edge at its own height,
             * then across the gutter: it passes no other vnode's box. */
            scene_line(s, vb->x + vb->w, vb->y + 12, 10 + left_w, vb->y + 12, "link");
            scene_line(s, 10 + left_w, vb->y + 12, pb->x, pb->y + 12, "link");
        }
    }
    for (size_t v = 0; column && npinned <= PIN_LINES_MAX && !s->oom && v < nall; v++) {
        const struct vt_vcpu *c = vcpu_at(l, v);
        const struct scene_item vbc = s->items[vbox[c->vnode]], *vb = &vbc;

        if (c->pcpu >= 0 && c->vcpu < ncpu && vat[c->vcpu].w && (size_t)c->pcpu < npcpu &&
            pat[c->pcpu].w) {
            /* Out of the vnode's box at the cell's height to the left
             * column's edge, across the gutter to the host node's edge,
             * then straight into the CPU's cell: it enters no other box
             * (lines are painted under the boxes). */
            int gx = right_x - 6, ty = pat[c->pcpu].y + PART_CELL / 2,
                vy = vat[c->vcpu].y + PART_CELL / 2;

            scene_line(s, vb->x + vb->w, vy, 10 + left_w, vy, "pin");
            scene_line(s, 10 + left_w, vy, gx, ty, "pin");
            scene_line(s, gx, ty, pat[c->pcpu].x, ty, "pin");
        }
    }
    bottom = (y_left > y_right ? y_left : y_right) + 8;
    bottom = memory_bar(s, l, 10, bottom, s->width - 10 > 800 ? s->width - 10 : 800) + 12;
    for (size_t i = 0; i < vt_layout_warning_count(l); i++) {
        line = scene_fmt("warning: %s", vt_layout_warning(l, i));
        s->oom |= !line;
        bottom = line ? part_para(s, -1, 10, bottom, "warn", line, 140) : bottom;
        free(line);
    }
    free(vat);
    free(vbox);
    free(pnodes);
    free(pbox);
    free(pat);
    return s->oom ? -1 : 0;
}
