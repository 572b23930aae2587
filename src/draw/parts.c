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
    size_t n = strlen(text);

    return (int)(n < 2 ? 2 : n) * SCENE_CHAR_W + 8;
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

int part_para(struct scene *s, int parent, int x, int y, const char *style, const char *text,
              size_t cols)
{
    const char *p = text;

    while (*p) {
        size_t n = strlen(p), cut = n;
        char *line;

        if (n > cols) {
            cut = cols;
            while (cut > cols / 2 && p[cut] != ' ')
                cut--;
            if (p[cut] != ' ')
                cut = cols;
        }
        if (!(line = strndup(p, cut))) {
            s->oom = true;
            return y;
        }
        scene_text(s, parent, x, y, style, line);
        free(line);
        y += SCENE_LINE_H;
        p += cut;
        while (*p == ' ')
            p++;
    }
    return y;
}

static int cmp_seg(const void *a, const void *b)
{
    const struct part_seg *x = a, *y = b;

    return (x->start > y->start) - (x->start < y->start);
}

struct part_seg *part_segments(const struct vt_layout *l, size_t *n)
{
    const struct vt_e820_entry *map;
    size_t nmap = vt_layout_memory_map(l, &map), cap = nmap + 2 * vt_layout_hotplug_memory_count(l);
    struct part_seg *sg, *out;
    size_t k = 0, m = 0;

    for (size_t i = 0; i < vt_layout_vnode_count(l); i++)
        cap += vt_layout_vnode(l, i)->nranges;
    if (!(sg = calloc(cap + 1, sizeof(*sg))) || !(out = calloc(2 * cap + 1, sizeof(*out)))) {
        free(sg);
        return NULL;
    }
    for (size_t i = 0; i < vt_layout_vnode_count(l); i++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, i);

        for (size_t r = 0; r < vn->nranges; r++)
            sg[k++] = (struct part_seg){vn->ranges[r].start, vn->ranges[r].end, PART_SEG_RAM,
                                        vn->vnode, 1};
    }
    for (size_t i = 0; i < vt_layout_hotplug_memory_count(l); i++) {
        const struct vt_hotplug_memory *hm = vt_layout_hotplug_memory(l, i);

        sg[k++] = (struct part_seg){hm->start, hm->end, PART_SEG_HOT, hm->vnode, 0};
    }
    for (size_t i = 0; i < nmap; i++)
        if (map[i].type != VT_E820_RAM)
            sg[k++] = (struct part_seg){map[i].start, map[i].end, PART_SEG_RSV, 0, map[i].type};
    qsort(sg, k, sizeof(*sg), cmp_seg);
    for (size_t i = 0; i < k; i++) {
        uint64_t at = m ? out[m - 1].end : 0;

        if (sg[i].start < at) /* overlapping: keep the first */
            continue;
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
