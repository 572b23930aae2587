/* The host's picture (draw.h): a box per node with its packages, cores and
 * SMT threads (each CPU's state), its devices, the devices of no node, and
 * the distance matrix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/draw.h"
#include "draw/parts.h"

/* One package's CPUs of a node inside parent at (x, y): cores of SMT
 * cells, or at most runs runs of one state (runs 0: the cores). Its size
 * in *w, *h. */
static void package_box(struct scene *s, const struct vt_host *h, int parent, int x, int y,
                        const struct vt_bitmap *cpus, int pkg, size_t runs, int *w, int *hh)
{
    char label[96], text[48], title[96];
    struct vt_bitmap *done = vt_bitmap_new();
    int box = scene_box(s, parent, x, y, 0, 0, "pkg", NULL), cx, cy;
    struct flow f;

    if (runs && pkg >= 0) {
        char *sum = part_core_summary(h, cpus);

        snprintf(label, sizeof(label), "package %d: %s", pkg, sum ? sum : "?");
        s->oom |= !sum;
        free(sum);
    } else {
        snprintf(label, sizeof(label), pkg >= 0 ? "package %d" : "CPUs", pkg);
    }
    scene_text(s, box, x + PART_PAD, y + 2, "dim", label);
    flow_init(&f, x + PART_PAD, y + 2 + SCENE_LINE_H + 2, PART_ROW_W, PART_GAP);
    if (runs)
        part_cpu_runs(s, box, &f, h, cpus, runs);
    for (int c = vt_bitmap_first(cpus); !runs && done && c >= 0; c = vt_bitmap_next(cpus, c)) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)c);
        int n = 0, cw = 4, core, tx;

        if (vt_bitmap_isset(done, (unsigned)c))
            continue;
        /* A core: the CPU and its SMT siblings of this node, side by side. */
        for (int k = vt_bitmap_first(cpus); k >= 0; k = vt_bitmap_next(cpus, k))
            if (k == c || (t && t->siblings && vt_bitmap_isset(t->siblings, (unsigned)k))) {
                snprintf(text, sizeof(text), "%d", k);
                cw += part_cell_w(text) + 2;
                n++;
            }
        flow_place(&f, cw, PART_CELL + 4, &cx, &cy);
        snprintf(title, sizeof(title), "core %d", t ? t->core : -1);
        core = scene_box(s, box, cx, cy, cw, PART_CELL + 4, "core", title);
        tx = cx + 2;
        for (int k = vt_bitmap_first(cpus); k >= 0; k = vt_bitmap_next(cpus, k))
            if (k == c || (t && t->siblings && vt_bitmap_isset(t->siblings, (unsigned)k))) {
                snprintf(text, sizeof(text), "%d", k);
                snprintf(title, sizeof(title), "CPU %d: %s%s", k, part_cpu_state(h, (unsigned)k),
                         n > 1 ? " (SMT)" : "");
                tx +=
                    part_cell(s, core, tx, cy + 2, part_cpu_class(h, (unsigned)k), text, title) + 2;
                vt_bitmap_set(done, (unsigned)k);
            }
    }
    if (!done)
        s->oom = true;
    vt_bitmap_free(done);
    *w = (f.used > (int)strlen(label) * SCENE_CHAR_W ? f.used : (int)strlen(label) * SCENE_CHAR_W) +
         2 * PART_PAD;
    *hh = flow_bottom(&f) - y + PART_PAD;
    scene_resize(s, box, *w, *hh);
}

/* The lines of the devices of pnode (-1: of no node) inside box from
 * (x, y), then how many bridges and system devices are left out; widens
 * *width. The y below them. */
static int device_lines(struct scene *s, const struct vt_host *h, int box, int x, int y, int pnode,
                        int *width)
{
    size_t hidden = 0;
    char *line;

    for (size_t d = 0; d < vt_host_device_count(h); d++) {
        const struct vt_host_device *dev = vt_host_device(h, d);
        int pn = dev->pnode < 0 ? -1 : dev->pnode;

        if (pn != pnode)
            continue;
        if (!part_device_shown(dev)) {
            hidden++;
            continue;
        }
        line = part_device_line(dev);
        y = part_line(s, box, x, y, "", line, width);
        free(line);
    }
    if (hidden) {
        line = scene_fmt("+ %zu bridge%s and system device%s", hidden, hidden == 1 ? "" : "s",
                         hidden == 1 ? "" : "s");
        y = part_line(s, box, x, y, "dim", line, width);
        free(line);
    }
    return y;
}

/* Node i's box, built at (x, y). Its size in *w, *hh. */
static void node_box(struct scene *s, const struct vt_host *h, size_t i, int x, int y, size_t share,
                     int *w, int *hh)
{
    const struct vt_host_node *n = vt_host_node(h, i);
    struct vt_bitmap *all = vt_bitmap_dup(n->cpus), *pkg = vt_bitmap_new(), *left = vt_bitmap_new();
    char title[128];
    int box, cy, width, pw, ph;
    size_t runs;

    if (!all || !pkg || !left) {
        vt_bitmap_free(all);
        vt_bitmap_free(pkg);
        vt_bitmap_free(left);
        s->oom = true;
        return;
    }
    vt_bitmap_or(all, n->offline_cpus);
    if (vt_bitmap_copy(left, all) < 0)
        s->oom = true;
    runs = share ? share : vt_bitmap_weight(all) > PART_MAX_CELLS ? PART_MAX_CELLS : 0;
    part_node_title(n, vt_bitmap_weight(all), title, sizeof(title));
    box = scene_box(s, -1, x, y, 0, 0, "node", title);
    scene_text(s, box, x + PART_PAD, y + PART_PAD, "title", title);
    width = (int)strlen(title) * SCENE_CHAR_W;
    cy = y + PART_PAD + SCENE_LINE_H + PART_GAP;
    /* Its CPUs by package, in the order of their first CPU. */
    for (int c = vt_bitmap_first(left); c >= 0; c = vt_bitmap_first(left)) {
        const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)c);
        int p = t ? t->package : -1;

        vt_bitmap_zero(pkg);
        for (int k = c; k >= 0; k = vt_bitmap_next(left, k)) {
            const struct vt_host_cpu_topo *tk = vt_host_cpu_topo(h, (unsigned)k);

            if ((tk ? tk->package : -1) == p)
                vt_bitmap_set(pkg, (unsigned)k);
        }
        vt_bitmap_andnot(left, pkg);
        package_box(s, h, box, x + PART_PAD, cy, pkg, p, runs, &pw, &ph);
        cy += ph + PART_GAP;
        width = pw > width ? pw : width;
    }
    if (vt_bitmap_iszero(all)) {
        const char *what = part_node_no_cpus(n);

        scene_text(s, box, x + PART_PAD, cy, "dim", what);
        cy += SCENE_LINE_H + PART_GAP;
        width = width > scene_text_w(what) ? width : scene_text_w(what);
    }
    cy = device_lines(s, h, box, x + PART_PAD, cy, (int)n->pnode, &width);
    *w = width + 2 * PART_PAD;
    *hh = cy - y + PART_PAD;
    scene_resize(s, box, *w, *hh);
    vt_bitmap_free(all);
    vt_bitmap_free(pkg);
    vt_bitmap_free(left);
}

/* The distance matrix at (x, y). Its bottom. */
static int distances(struct scene *s, const struct vt_host *h, int x, int y)
{
    size_t nn = vt_host_node_count(h);
    int cw = 4 * SCENE_CHAR_W, box, width, rows;
    char t[16];

    if (!nn)
        return y;
    if (nn > 64) {
        /* A matrix of n^2 numbers is no picture: their range, as the
         * terminal text gives it. */
        uint32_t lo = UINT32_MAX, hi = 0;
        char *line;

        for (size_t i = 0; i < nn; i++)
            for (size_t j = 0; j < nn; j++) {
                uint32_t d = vt_host_node(h, i)->distances[j];

                lo = d && d < lo ? d : lo;
                hi = d > hi ? d : hi;
            }
        line = scene_fmt("distances: %zu x %zu, from %u to %u (vtopo host --json lists them)", nn,
                         nn, lo == UINT32_MAX ? 0 : lo, hi);
        s->oom |= !line;
        y = line ? part_para(s, -1, x, y, "dim", line, PART_PAGE / SCENE_CHAR_W) : y;
        free(line);
        return y;
    }
    width = (int)(nn + 1) * cw + 2 * PART_PAD;
    if (width < 24 * SCENE_CHAR_W + 2 * PART_PAD)
        width = 24 * SCENE_CHAR_W + 2 * PART_PAD;
    rows = (int)nn + 2;
    box = scene_box(s, -1, x, y, width, rows * SCENE_LINE_H + 2 * PART_PAD, "group",
                    "node distances (SLIT)");
    scene_text(s, box, x + PART_PAD, y + PART_PAD, "title", "distances (node to node)");
    for (size_t j = 0; j < nn; j++) {
        snprintf(t, sizeof(t), "%3u", vt_host_node(h, j)->pnode);
        scene_text(s, box, x + PART_PAD + (int)(j + 1) * cw, y + PART_PAD + SCENE_LINE_H, "dim", t);
    }
    for (size_t i = 0; i < nn; i++) {
        const struct vt_host_node *n = vt_host_node(h, i);
        int ry = y + PART_PAD + (int)(i + 2) * SCENE_LINE_H;

        snprintf(t, sizeof(t), "%3u", n->pnode);
        scene_text(s, box, x + PART_PAD, ry, "dim", t);
        for (size_t j = 0; j < nn; j++) {
            if (n->distances[j])
                snprintf(t, sizeof(t), "%3u", n->distances[j] > 999 ? 999 : n->distances[j]);
            else
                snprintf(t, sizeof(t), "  ?");
            scene_text(s, box, x + PART_PAD + (int)(j + 1) * cw, ry, "", t);
        }
    }
    return y + rows * SCENE_LINE_H + 2 * PART_PAD;
}

int draw_host_scene(const struct vt_host *h, struct scene *s)
{
    struct vt_bitmap *nonode;
    char *line;
    size_t none = 0, share = vt_bitmap_weight(vt_host_cpus(h)->possible) > PART_CELL_BUDGET
                                 ? part_share(vt_host_node_count(h))
                                 : 0;
    struct flow f;
    int y, bottom;

    s->title = scene_fmt("vtopo: host %s", vt_host_description(h));
    line = part_host_line(h);
    y = line ? part_para(s, -1, 10, 10, "title", line, PART_PAGE / SCENE_CHAR_W) : 10;
    s->oom |= !line;
    free(line);
    y = part_legend(s, 10, y + 4, false) + 8;
    flow_init(&f, 10, y, PART_PAGE, 12);
    for (size_t i = 0; i < vt_host_node_count(h); i++) {
        size_t first = s->n;
        int w = 0, hh = 0, nx, ny;

        node_box(s, h, i, 0, 0, share, &w, &hh);
        flow_place(&f, w, hh, &nx, &ny);
        scene_shift(s, first, nx, ny);
    }
    bottom = flow_bottom(&f) + 12;
    /* Possible CPUs no node lists (mostly offline ones), each in its state. */
    if ((nonode = part_cpus_of_no_node(h)) && !vt_bitmap_iszero(nonode)) {
        int box = scene_box(s, -1, 10, bottom, 0, 0, "group", "CPUs of no node"), pw, ph;

        scene_text(s, box, 10 + PART_PAD, bottom + PART_PAD, "title", "CPUs no node lists");
        package_box(s, h, box, 10 + PART_PAD, bottom + PART_PAD + SCENE_LINE_H + PART_GAP, nonode,
                    -1, part_share(vt_host_node_count(h) + 1), &pw, &ph);
        if (pw < 28 * SCENE_CHAR_W)
            pw = 28 * SCENE_CHAR_W;
        scene_resize(s, box, pw + 2 * PART_PAD, SCENE_LINE_H + PART_GAP + ph + 2 * PART_PAD);
        bottom += SCENE_LINE_H + PART_GAP + ph + 2 * PART_PAD + 12;
    }
    vt_bitmap_free(nonode);
    for (size_t d = 0; d < vt_host_device_count(h); d++)
        none += vt_host_device(h, d)->pnode < 0;
    if (none) {
        int box = scene_box(s, -1, 10, bottom, 0, 0, "group", "devices of no node"), cy,
            width = 33 * SCENE_CHAR_W;

        scene_text(s, box, 10 + PART_PAD, bottom + PART_PAD, "title",
                   "devices of no node (numa_node -1)");
        cy = device_lines(s, h, box, 10 + PART_PAD, bottom + PART_PAD + SCENE_LINE_H, -1, &width);
        scene_resize(s, box, width + 2 * PART_PAD, cy - bottom + PART_PAD);
        bottom = cy + PART_PAD + 12;
    }
    distances(s, h, 10, bottom);
    return s->oom ? -1 : 0;
}
