/* The terminal pictures (draw.h): a box per node or vnode, 80 columns, in
 * box drawing or plain ASCII; lists of CPUs as ranges. And the public
 * calls, which pick the SVG or the text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/draw.h"
#include "draw/parts.h"

#define COLS  80
#define INNER (COLS - 4) /* "| " text " |" */

struct out {
    FILE *f;
    bool ascii;
    bool *oom; /* set when a line could not be made */
};

static const char *glyph(const struct out *o, int which)
{
    static const char *const utf[] = {"\u250c", "\u2510", "\u2514", "\u2518", "\u2500", "\u2502"};
    static const char *const asc[] = {"+", "+", "+", "+", "-", "|"};

    return o->ascii ? asc[which] : utf[which];
}

/* Text from elsewhere (a host file's description, a device's name) made
 * one column a character: control bytes and bytes that are not UTF-8 become
 * '?', and with --ascii every character that is not ASCII (malloc'd). */
static char *clean(const struct out *o, const char *text)
{
    char *c = malloc(strlen(text) + 1), *q = c;

    if (!c) {
        o->oom[0] = true;
        return NULL;
    }
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t k = *p >= 0x80 ? scene_utf8_len(p) : 1;

        /* U+202A..U+202E, U+2066..U+2069: bidirectional overrides that
         * would reorder what the terminal shows. */
        bool bidi = k == 3 && p[0] == 0xe2 &&
                    ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
                     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));

        if (*p < 0x20 || *p == 0x7f || !k || bidi || (o->ascii && *p >= 0x80)) {
            *q++ = '?';
            p += k ? k : 1;
        } else {
            memcpy(q, p, k);
            q += k;
            p += k;
        }
    }
    *q = '\0';
    return c;
}

/* Columns of clean text: its code points. */
static size_t ncols(const char *p, size_t bytes)
{
    size_t n = 0;

    for (size_t i = 0; i < bytes && p[i]; i++)
        n += ((unsigned char)p[i] & 0xc0) != 0x80;
    return n;
}

/* The bytes of clean text's first cols columns. */
static size_t bytes_of(const char *p, size_t cols)
{
    size_t i = 0;

    while (p[i] && cols) {
        i++;
        while (((unsigned char)p[i] & 0xc0) == 0x80)
            i++;
        cols--;
    }
    return i;
}

/* Where to cut clean text p to fit room columns: after the last space or
 * comma in the second half, else at room; the bytes. */
static size_t cut_at(const char *p, size_t room, bool commas)
{
    size_t cut = bytes_of(p, room), half = bytes_of(p, room / 2);

    if (!p[cut])
        return cut;
    for (size_t c = cut; c > half; c--)
        if (p[c - 1] == ' ' || (commas && p[c - 1] == ','))
            return c;
    return cut;
}

/* The top edge with a title: "+- title -----+"; a title too long for it
 * goes on inside the box. */
static void row(const struct out *o, const char *text);

static void top(const struct out *o, const char *title)
{
    char *t = clean(o, title);
    size_t cut, n;

    if (!t)
        return;
    cut = cut_at(t, COLS - 6, false);
    n = ncols(t, cut);
    fprintf(o->f, "%s%s %.*s ", glyph(o, 0), glyph(o, 4), (int)cut, t);
    for (size_t i = n + 4; i < COLS - 1; i++)
        fputs(glyph(o, 4), o->f);
    fprintf(o->f, "%s\n", glyph(o, 1));
    while (t[cut] == ' ')
        cut++;
    if (t[cut])
        row(o, t + cut);
    free(t);
}

static void bottom(const struct out *o)
{
    fputs(glyph(o, 2), o->f);
    for (int i = 1; i < COLS - 1; i++)
        fputs(glyph(o, 4), o->f);
    fprintf(o->f, "%s\n", glyph(o, 3));
}

/* A line inside a box, wrapped at spaces or commas to fit; continuation
 * lines indented by two. */
static void row(const struct out *o, const char *text)
{
    char *t = clean(o, text);
    const char *p = t;
    bool first = true;

    if (!t)
        return;
    do {
        size_t room = INNER - (first ? 0 : 2), cut = cut_at(p, room, true);

        fprintf(o->f, "%s %s%.*s%*s %s\n", glyph(o, 5), first ? "" : "  ", (int)cut, p,
                (int)(room - ncols(p, cut)), "", glyph(o, 5));
        p += cut;
        while (*p == ' ')
            p++;
        first = false;
    } while (*p);
    free(t);
}

__attribute__((format(printf, 2, 3))) static void rowf(const struct out *o, const char *fmt, ...)
{
    char *buf;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vasprintf(&buf, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        o->oom[0] = true;
        return;
    }
    row(o, buf);
    free(buf);
}

/* A line outside boxes, wrapped at COLS. */
static void para(const struct out *o, const char *text)
{
    char *t = clean(o, text);
    const char *p = t;

    if (!t)
        return;
    do {
        size_t cut = cut_at(p, COLS, false), keep = cut;

        while (keep && p[keep - 1] == ' ')
            keep--;
        fprintf(o->f, "%.*s\n", (int)keep, p);
        p += cut;
        while (*p == ' ')
            p++;
    } while (*p);
    free(t);
}

static char *list(const struct vt_bitmap *b)
{
    char *t = b ? part_list(b) : strdup("-");

    return t ? t : strdup("?");
}

/* ---- host --------------------------------------------------------------- */

/* The rows of pnode's devices (-1: of no node), then how many bridges and
 * system devices are left out. */
static void device_rows(const struct out *o, const struct vt_host *h, int pnode)
{
    size_t hidden = 0;

    for (size_t d = 0; d < vt_host_device_count(h); d++) {
        const struct vt_host_device *dev = vt_host_device(h, d);

        if ((dev->pnode < 0 ? -1 : dev->pnode) != pnode)
            continue;
        if (!part_device_shown(dev)) {
            hidden++;
        } else {
            char *line = part_device_line(dev);

            if (line)
                row(o, line);
            else
                o->oom[0] = true;
            free(line);
        }
    }
    if (hidden)
        rowf(o, "+ %zu bridge%s and system device%s", hidden, hidden == 1 ? "" : "s",
             hidden == 1 ? "" : "s");
}

char *draw_host_text(const struct vt_host *h, bool ascii)
{
    char *text = NULL, title[128], *line;
    size_t len = 0, nn = vt_host_node_count(h), none = 0;
    const struct vt_host_cpus *hc = vt_host_cpus(h);
    bool oom = false;
    struct out o = {open_memstream(&text, &len), ascii, &oom};

    if (!o.f)
        return NULL;
    if ((line = part_host_line(h)))
        para(&o, line);
    oom |= !line;
    free(line);
    for (size_t i = 0; i < nn; i++) {
        const struct vt_host_node *n = vt_host_node(h, i);
        struct vt_bitmap *all = vt_bitmap_dup(n->cpus), *st = vt_bitmap_new(),
                         *seen = vt_bitmap_new();
        static const char *const states[] = {"housekeeping", "isolated", "nohz_full", "offline"};
        char cores[4096];
        size_t k = 0;

        if (!all || !st || !seen) {
            vt_bitmap_free(all);
            vt_bitmap_free(st);
            vt_bitmap_free(seen);
            oom = true;
            break;
        }
        vt_bitmap_or(all, n->offline_cpus);
        part_node_title(n, vt_bitmap_weight(all), title, sizeof(title));
        top(&o, title);
        for (int s = 0; s < 4; s++) {
            char *l;

            vt_bitmap_zero(st);
            for (int c = vt_bitmap_first(all); c >= 0; c = vt_bitmap_next(all, c))
                /* nohz_full also lists the isolated CPUs that are both. */
                if (s == 2 ? vt_bitmap_isset(hc->online, (unsigned)c) &&
                                 vt_bitmap_isset(hc->nohz_full, (unsigned)c)
                           : !strcmp(vt_host_cpu_state(h, (unsigned)c), states[s]))
                    vt_bitmap_set(st, (unsigned)c);
            if (vt_bitmap_iszero(st))
                continue;
            l = list(st);
            rowf(&o, "%-13s %s", states[s], l);
            free(l);
        }
        /* Cores as SMT groups ("0+12"), packages apart. */
        cores[0] = '\0';
        for (int c = vt_bitmap_first(all); c >= 0 && k + 32 < sizeof(cores);
             c = vt_bitmap_next(all, c)) {
            const struct vt_host_cpu_topo *t = vt_host_cpu_topo(h, (unsigned)c);

            if (vt_bitmap_isset(seen, (unsigned)c))
                continue;
            k += (size_t)snprintf(cores + k, sizeof(cores) - k, "%s%d", k ? " " : "", c);
            vt_bitmap_set(seen, (unsigned)c);
            for (int s = c + 1; t && t->siblings && s >= 0 && k + 16 < sizeof(cores);
                 s = vt_bitmap_next(all, s))
                if (vt_bitmap_isset(t->siblings, (unsigned)s) &&
                    !vt_bitmap_isset(seen, (unsigned)s)) {
                    k += (size_t)snprintf(cores + k, sizeof(cores) - k, "+%d", s);
                    vt_bitmap_set(seen, (unsigned)s);
                }
        }
        if (vt_bitmap_weight(all) <= PART_MAX_CELLS && *cores) {
            rowf(&o, "cores: %s", cores);
        } else if (*cores) {
            char *sum = part_core_summary(h, n->cpus);

            if (sum)
                row(&o, sum);
            oom |= !sum;
            free(sum);
        }
        if (vt_bitmap_iszero(all))
            row(&o, part_node_no_cpus(n));
        device_rows(&o, h, (int)n->pnode);
        bottom(&o);
        vt_bitmap_free(all);
        vt_bitmap_free(st);
        vt_bitmap_free(seen);
    }
    {
        struct vt_bitmap *nonode = part_cpus_of_no_node(h);

        if (nonode && !vt_bitmap_iszero(nonode)) {
            struct vt_bitmap *on = vt_bitmap_new();

            top(&o, "CPUs no node lists");
            for (int st = 0; st < 2 && on; st++) {
                vt_bitmap_copy(on, nonode);
                if (st)
                    vt_bitmap_andnot(on, hc->online);
                else
                    vt_bitmap_and(on, hc->online);
                if (!vt_bitmap_iszero(on)) {
                    char *ol = list(on);

                    rowf(&o, "%-13s %s", st ? "offline" : "online", ol);
                    free(ol);
                }
            }
            bottom(&o);
            vt_bitmap_free(on);
        }
        vt_bitmap_free(nonode);
    }
    for (size_t d = 0; d < vt_host_device_count(h); d++)
        none += vt_host_device(h, d)->pnode < 0;
    if (none) {
        top(&o, "devices of no node (numa_node -1)");
        device_rows(&o, h, -1);
        bottom(&o);
    }
    /* Distances: a table while it fits, else the range. */
    if (nn && (nn + 1) * 4 <= COLS) {
        fprintf(o.f, "distances:\n    ");
        for (size_t j = 0; j < nn; j++)
            fprintf(o.f, "%4u", vt_host_node(h, j)->pnode);
        fputc('\n', o.f);
        for (size_t i = 0; i < nn; i++) {
            fprintf(o.f, "%4u", vt_host_node(h, i)->pnode);
            for (size_t j = 0; j < nn; j++)
                fprintf(o.f, vt_host_node(h, i)->distances[j] ? "%4u" : "   ?",
                        vt_host_node(h, i)->distances[j]);
            fputc('\n', o.f);
        }
    } else if (nn) {
        uint32_t lo = UINT32_MAX, hi = 0;

        for (size_t i = 0; i < nn; i++)
            for (size_t j = 0; j < nn; j++) {
                uint32_t d = vt_host_node(h, i)->distances[j];

                lo = d && d < lo ? d : lo;
                hi = d > hi ? d : hi;
            }
        fprintf(o.f, "distances: %zu x %zu, from %u to %u (the SVG has the table)\n", nn, nn, lo,
                hi);
    }
    if (fclose(o.f) != 0 || oom) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- plan --------------------------------------------------------------- */

/* "0-3 (APIC IDs 0-3)" of a vnode's vCPUs (malloc'd). */
static char *vcpu_list(const struct vt_layout *l, const struct vt_bitmap *set)
{
    struct vt_bitmap *apic = vt_bitmap_new();
    char *ids = NULL, *aps = NULL, *out = NULL;

    for (int c = apic ? vt_bitmap_first(set) : -1; c >= 0; c = vt_bitmap_next(set, c)) {
        const struct vt_vcpu *v = part_vcpu(l, (unsigned)c);

        if (v)
            vt_bitmap_set(apic, v->apic_id);
    }
    if (apic && (ids = part_list(set)) && (aps = part_list(apic)))
        out = scene_fmt("%s (APIC ID%s %s)", ids, vt_bitmap_weight(apic) == 1 ? "" : "s", aps);
    free(ids);
    free(aps);
    vt_bitmap_free(apic);
    return out;
}

char *draw_plan_text(const struct vt_layout *l, bool ascii)
{
    char *text = NULL, mem[32], *line;
    size_t len = 0, nv = vt_layout_vnode_count(l);
    bool oom = false;
    struct out o = {open_memstream(&text, &len), ascii, &oom};

    if (!o.f)
        return NULL;
    part_size(mem, sizeof(mem), vt_layout_memory(l));
    line = scene_fmt("plan: %zu vCPU%s, %s, %zu vnode%s; APIC %s, memory layout %s",
                     vt_layout_vcpu_count(l), vt_layout_vcpu_count(l) == 1 ? "" : "s", mem, nv,
                     nv == 1 ? "" : "s", vt_apic_encoding_name(vt_layout_apic_encoding(l)),
                     vt_mem_layout_name(vt_layout_mem_layout(l)));
    if (line)
        para(&o, line);
    oom |= !line;
    free(line);
    for (size_t i = 0; i < nv; i++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, i);
        bool hot = vn->hotplug_vcpus && !vt_bitmap_iszero(vn->hotplug_vcpus);
        char *pins;

        if ((line = part_vnode_title(vn)))
            top(&o, line);
        oom |= !line;
        free(line);
        if (!vt_bitmap_iszero(vn->vcpus)) {
            if ((line = vcpu_list(l, vn->vcpus)))
                rowf(&o, "vCPUs %s", line);
            oom |= !line;
            free(line);
        } else if (hot) {
            row(&o, "vCPUs none at boot");
        } else {
            row(&o, part_vnode_no_vcpus(vn));
        }
        if (hot) {
            if ((line = vcpu_list(l, vn->hotplug_vcpus)))
                rowf(&o, "hot-pluggable vCPUs %s", line);
            oom |= !line;
            free(line);
        }
        oom |= !(pins = part_pin_list(l, vn, "->"));
        if (pins && *pins)
            rowf(&o, "pins (vCPU->host CPU) %s", pins);
        free(pins);
        if ((line = part_float_text("unpinned vCPUs on host CPUs", vn->float_cpus, &oom)))
            row(&o, line);
        free(line);
        for (size_t d = 0; d < vt_layout_device_count(l); d++) {
            const struct vt_device *dev = vt_layout_device(l, d);

            if (dev->vnode != vn->vnode)
                continue;
            if ((line = part_planned_device(dev)))
                rowf(&o, "device %s", line);
            oom |= !line;
            free(line);
        }
        for (size_t g = 0; g < vt_layout_initiator_count(l); g++) {
            const struct vt_initiator *gi = vt_layout_initiator(l, g);

            if (gi->vnode == vn->vnode)
                rowf(&o, "generic initiator %04x:%02x:%02x.%u", gi->segment, gi->bus,
                     gi->devfn >> 3, gi->devfn & 7);
        }
        if (vn->nranges) {
            if ((line = part_ranges_text(vn, SIZE_MAX)))
                row(&o, line);
            oom |= !line;
            free(line);
        }
        if (vn->hotplug_memory_bytes) {
            part_size(mem, sizeof(mem), vn->hotplug_memory_bytes);
            rowf(&o, "hot-pluggable memory %s", mem);
        }
        bottom(&o);
    }
    fprintf(o.f, "guest-physical memory:\n");
    {
        size_t nseg = 0;
        struct part_seg *sg = part_segments(l, &nseg);

        oom |= !sg;
        for (size_t i = 0; sg && i < nseg; i++) {
            char what[48];

            part_size(mem, sizeof(mem), sg[i].end - sg[i].start);
            part_seg_what(&sg[i], what, sizeof(what));
            fprintf(o.f, "  %16llx-%-16llx %-10s %s\n", (unsigned long long)sg[i].start,
                    (unsigned long long)sg[i].end - 1, mem, what);
        }
        free(sg);
    }
    for (size_t i = 0; i < vt_layout_warning_count(l); i++) {
        if ((line = scene_fmt("warning: %s", vt_layout_warning(l, i))))
            para(&o, line);
        oom |= !line;
        free(line);
    }
    if (fclose(o.f) != 0 || oom) {
        free(text);
        return NULL;
    }
    return text;
}

/* ---- the public calls --------------------------------------------------- */

static int finish(struct scene *s, int rc, enum vt_draw_format f, char *text, char **out,
                  struct vt_err *err)
{
    if (f == VT_DRAW_SVG) {
        text = rc == 0 ? scene_svg(s) : NULL;
        scene_free(s);
    }
    if (!text)
        return vt_err_set(err, -ENOMEM, "out of memory");
    *out = text;
    return 0;
}

int vt_draw_host(const struct vt_host *h, enum vt_draw_format f, char **out, struct vt_err *err)
{
    struct scene s;
    int rc = 0;

    vt_err_clear(err);
    *out = NULL;
    scene_init(&s);
    if (f == VT_DRAW_SVG)
        rc = draw_host_scene(h, &s);
    return finish(&s, rc, f, f == VT_DRAW_SVG ? NULL : draw_host_text(h, f == VT_DRAW_ASCII), out,
                  err);
}

int vt_draw_plan(const struct vt_layout *l, const struct vt_host *h, enum vt_draw_format f,
                 char **out, struct vt_err *err)
{
    struct scene s;
    int rc = 0;

    vt_err_clear(err);
    *out = NULL;
    scene_init(&s);
    if (f == VT_DRAW_SVG)
        rc = draw_plan_scene(l, h, &s);
    return finish(&s, rc, f, f == VT_DRAW_SVG ? NULL : draw_plan_text(l, f == VT_DRAW_ASCII), out,
                  err);
}
