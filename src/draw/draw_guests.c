/* vtopo verify --draw (draw.h): the predicted and the observed guest side by
 * side, node by node, mismatches marked, then the rows that disagree. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/draw.h"
#include "draw/parts.h"

/* Rows that disagree listed in the picture; the rest are counted. */
#define GUESTS_ROWS_MAX 200

static const struct vt_guest_node *node_of(const struct vt_guest_view *v, int id)
{
    for (size_t i = 0; i < v->nnodes; i++)
        if (v->nodes[i].id == id)
            return &v->nodes[i];
    return NULL;
}

/* Whether a row that disagrees is about node id of the views drawn ("node
 * 3 cpus"; not "after: node 3 ...", a later probe's, which is listed
 * only). */
static bool node_mismatch(const struct vt_draw_row *rows, size_t nrows, int id)
{
    char want[32];

    snprintf(want, sizeof(want), "node %d ", id);
    for (size_t i = 0; i < nrows; i++)
        if (!rows[i].ok && rows[i].item && !strncmp(rows[i].item, want, strlen(want)))
            return true;
    return false;
}

/* One side's box of node id at (x, y), w wide; its height. */
static int node_box(struct scene *s, const struct vt_guest_node *n, int id, bool bad, int x, int y,
                    int w, const char *side)
{
    size_t cols = (size_t)(w - 2 * PART_PAD) / SCENE_CHAR_W;
    char *line, title[64];
    int box, cy;

    snprintf(title, sizeof(title), "%s: node %d", side, id);
    box = scene_box(s, -1, x, y, w, 0, bad ? "bad-box" : "vnode", title);
    if (!n) {
        scene_text(s, box, x + PART_PAD, y + PART_PAD, "bad", "no such node");
        scene_resize(s, box, w, SCENE_LINE_H + 2 * PART_PAD);
        return SCENE_LINE_H + 2 * PART_PAD;
    }
    if (n->pxm != VT_GUEST_UNKNOWN)
        snprintf(title, sizeof(title), "node %d  PXM %lld", id, n->pxm);
    else
        snprintf(title, sizeof(title), "node %d", id);
    scene_text(s, box, x + PART_PAD, y + PART_PAD, "title", title);
    cy = y + PART_PAD + SCENE_LINE_H;
    if (n->cpus) {
        char *cpus = part_list(n->cpus);

        line = cpus ? scene_fmt("CPUs %s", strcmp(cpus, "-") ? cpus : "none") : NULL;
        free(cpus);
    } else if (n->ncpus != VT_GUEST_UNKNOWN) {
        line = scene_fmt("%lld CPUs", n->ncpus);
    } else {
        line = scene_fmt("CPUs ?");
    }
    s->oom |= !line;
    cy = line ? part_para(s, box, x + PART_PAD, cy, "", line, cols) : cy;
    free(line);
    if (n->memory_bytes != VT_GUEST_UNKNOWN) {
        char mem[32];

        part_size(mem, sizeof(mem), (uint64_t)n->memory_bytes);
        line = scene_fmt("memory %s", mem);
        s->oom |= !line;
        cy = line ? part_para(s, box, x + PART_PAD, cy, "", line, cols) : cy;
        free(line);
    }
    if (n->dist && n->ndist) {
        size_t len = 0;
        FILE *f = open_memstream(&line, &len);

        if (f) {
            fputs("distances", f);
            for (size_t d = 0; d < n->ndist; d++)
                fprintf(f, " %u", n->dist[d]);
        }
        if (!f || fclose(f) != 0) {
            s->oom = true;
        } else {
            cy = part_para(s, box, x + PART_PAD, cy, "dim", line, cols);
            free(line);
        }
    }
    scene_resize(s, box, w, cy - y + PART_PAD);
    return cy - y + PART_PAD;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

int draw_guests_scene(const struct vt_guest_view *want, const struct vt_guest_view *got,
                      const struct vt_draw_row *rows, size_t nrows, struct scene *s)
{
    const int colw = 60 * SCENE_CHAR_W, gap = 40;
    int y = 10, *ids = calloc(want->nnodes + got->nnodes + 1, sizeof(*ids));
    size_t bad = 0, nids = 0;
    char *line;

    if (!ids)
        return -1;
    for (size_t i = 0; i < nrows; i++)
        bad += !rows[i].ok;
    s->title = scene_fmt("vtopo verify: the predicted and the observed guest");
    line =
        scene_fmt("verify: %zu row%s, %zu mismatch%s%s", nrows, nrows == 1 ? "" : "s", bad,
                  bad == 1 ? "" : "es", got->complete ? "" : " (the guest's probe did not finish)");
    s->oom |= !line;
    if (line)
        scene_text(s, -1, 10, y, bad || !got->complete ? "bad" : "title", line);
    free(line);
    y += SCENE_LINE_H + 8;
    scene_text(s, -1, 10, y, "title", "predicted");
    scene_text(s, -1, 10 + colw + gap, y, "title", "the guest");
    y += SCENE_LINE_H + 4;
    /* Every node id either side has, ascending. */
    for (int side = 0; side < 2; side++) {
        const struct vt_guest_view *v = side ? got : want;

        for (size_t i = 0; i < v->nnodes; i++) {
            size_t k = 0;

            while (k < nids && ids[k] != v->nodes[i].id)
                k++;
            if (k == nids)
                ids[nids++] = v->nodes[i].id;
        }
    }
    qsort(ids, nids, sizeof(*ids), cmp_int);
    for (size_t k = 0; k < nids; k++) {
        const struct vt_guest_node *p = node_of(want, ids[k]), *g = node_of(got, ids[k]);
        bool mark = !p || !g || node_mismatch(rows, nrows, ids[k]);
        size_t first = s->n;
        int hp = node_box(s, p, ids[k], !p, 10, y, colw, "predicted");
        int hg = node_box(s, g, ids[k], mark, 10 + colw + gap, y, colw, "guest");
        int hmax = hp > hg ? hp : hg;

        /* Both boxes of a row as high as the higher. */
        for (size_t i = first; i < s->n; i++)
            if (s->items[i].kind == SCENE_BOX && s->items[i].parent < 0)
                scene_resize(s, (int)i, s->items[i].w, hmax);
        y += hmax + 8;
    }
    free(ids);
    y += 8;
    if (bad) {
        size_t listed = 0;

        scene_text(s, -1, 10, y, "bad", "rows that disagree (item: predicted / guest):");
        y += SCENE_LINE_H;
        for (size_t i = 0; i < nrows; i++) {
            if (rows[i].ok)
                continue;
            if (listed++ == GUESTS_ROWS_MAX) {
                line = scene_fmt("+%zu more rows that disagree (verify's report lists them)",
                                 bad - GUESTS_ROWS_MAX);
                s->oom |= !line;
                y = line ? part_para(s, -1, 10, y, "bad", line, 120) : y;
                free(line);
                break;
            }
            line = scene_fmt("%s: %s / %s", rows[i].item ? rows[i].item : "?",
                             rows[i].predicted ? rows[i].predicted : "?",
                             rows[i].guest ? rows[i].guest : "?");
            s->oom |= !line;
            y = line ? part_para(s, -1, 10, y, "bad", line, 2 * 60 + gap / SCENE_CHAR_W) : y;
            free(line);
        }
    } else if (got->complete) {
        scene_text(s, -1, 10, y, "title", "every row agrees");
    } else {
        scene_text(s, -1, 10, y, "bad", "the guest reported nothing to compare");
    }
    return s->oom ? -1 : 0;
}

int vt_draw_guests(const struct vt_guest_view *want, const struct vt_guest_view *got,
                   const struct vt_draw_row *rows, size_t nrows, char **svg, struct vt_err *err)
{
    struct scene s;
    int rc;

    vt_err_clear(err);
    *svg = NULL;
    scene_init(&s);
    rc = draw_guests_scene(want, got, rows, nrows, &s);
    *svg = rc == 0 ? scene_svg(&s) : NULL;
    scene_free(&s);
    return *svg ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
}
