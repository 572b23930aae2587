/* The display list and its SVG (scene.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/scene.h"

void scene_init(struct scene *s)
{
    memset(s, 0, sizeof(*s));
}

void scene_free(struct scene *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i].text);
    free(s->items);
    free(s->title);
    memset(s, 0, sizeof(*s));
}

char *scene_fmt(const char *fmt, ...)
{
    va_list ap;
    char *out;
    int rc;

    va_start(ap, fmt);
    rc = vasprintf(&out, fmt, ap);
    va_end(ap);
    return rc < 0 ? NULL : out;
}

static int add(struct scene *s, const struct scene_item *it, const char *text)
{
    struct scene_item *m;

    if (s->oom)
        return -1;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;

        if (!(m = realloc(s->items, cap * sizeof(*m)))) {
            s->oom = true;
            return -1;
        }
        s->items = m;
        s->cap = cap;
    }
    s->items[s->n] = *it;
    s->items[s->n].text = NULL;
    if (text && !(s->items[s->n].text = strdup(text))) {
        s->oom = true;
        return -1;
    }
    if (it->kind != SCENE_LINE) {
        if (it->x + it->w > s->width)
            s->width = it->x + it->w;
        if (it->y + it->h > s->height)
            s->height = it->y + it->h;
    }
    return (int)s->n++;
}

int scene_box(struct scene *s, int parent, int x, int y, int w, int h, const char *style,
              const char *title)
{
    struct scene_item it = {SCENE_BOX, x, y, w, h, style, NULL, parent};

    return add(s, &it, title);
}

int scene_text(struct scene *s, int parent, int x, int y, const char *style, const char *text)
{
    struct scene_item it = {SCENE_TEXT,   x,     y,    scene_text_w(text),
                            SCENE_LINE_H, style, NULL, parent};

    return add(s, &it, text);
}

int scene_line(struct scene *s, int x1, int y1, int x2, int y2, const char *style)
{
    struct scene_item it = {SCENE_LINE, x1, y1, x2 - x1, y2 - y1, style, NULL, -1};

    return add(s, &it, NULL);
}

void scene_resize(struct scene *s, int i, int w, int h)
{
    struct scene_item *it;

    if (i < 0 || (size_t)i >= s->n)
        return;
    it = &s->items[i];
    it->w = w;
    it->h = h;
    if (it->x + w > s->width)
        s->width = it->x + w;
    if (it->y + h > s->height)
        s->height = it->y + h;
}

void scene_shift(struct scene *s, size_t first, int dx, int dy)
{
    for (size_t i = first; i < s->n; i++) {
        struct scene_item *it = &s->items[i];

        it->x += dx;
        it->y += dy;
        if (it->kind != SCENE_LINE && it->x + it->w > s->width)
            s->width = it->x + it->w;
        if (it->kind != SCENE_LINE && it->y + it->h > s->height)
            s->height = it->y + it->h;
    }
}

void flow_init(struct flow *f, int x0, int y0, int maxw, int gap)
{
    f->x0 = f->x = x0;
    f->y = y0;
    f->maxw = maxw;
    f->rowh = 0;
    f->used = 0;
    f->gap = gap;
}

void flow_place(struct flow *f, int w, int h, int *x, int *y)
{
    if (f->x > f->x0 && f->x + w > f->x0 + f->maxw) {
        f->y += f->rowh + f->gap;
        f->x = f->x0;
        f->rowh = 0;
    }
    *x = f->x;
    *y = f->y;
    f->x += w + f->gap;
    if (h > f->rowh)
        f->rowh = h;
    if (f->x - f->gap - f->x0 > f->used)
        f->used = f->x - f->gap - f->x0;
}

int flow_bottom(const struct flow *f)
{
    return f->y + f->rowh;
}

/* ---- SVG ---------------------------------------------------------------- */

struct buf {
    char *p;
    size_t n, cap;
    bool oom;
};

static void put(struct buf *b, const char *text, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *m;

        while (cap < b->n + len + 1)
            cap *= 2;
        if (!(m = realloc(b->p, cap))) {
            b->oom = true;
            return;
        }
        b->p = m;
        b->cap = cap;
    }
    memcpy(b->p + b->n, text, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *text)
{
    put(b, text, strlen(text));
}

__attribute__((format(printf, 2, 3))) static void putf(struct buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

size_t scene_utf8_len(const unsigned char *p)
{
    unsigned cp;
    size_t n;

    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2, cp = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        n = 3, cp = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        n = 4, cp = p[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    /* XML 1.0's Char: no surrogates, no U+FFFE or U+FFFF. */
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) || cp >= 0xfffe)) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return n;
}

int scene_text_w(const char *text)
{
    int n = 0;

    /* As put_escaped writes it: a valid sequence is one character, any
     * other byte 0x80 or above one '?', a control byte nothing. */
    for (const unsigned char *p = (const unsigned char *)text; *p; n++) {
        size_t k = *p >= 0x80 ? scene_utf8_len(p) : 1;

        if (*p < 0x20)
            n--;
        p += k ? k : 1;
    }
    return n * SCENE_CHAR_W;
}

/* XML character data: &, <, >, " escaped; control bytes dropped; a byte
 * that is not valid UTF-8 (a host file's text, a device's name) is '?'. */
static void put_escaped(struct buf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        if ((unsigned char)*p >= 0x80) {
            size_t n = scene_utf8_len((const unsigned char *)p);

            if (n) {
                put(b, p, n);
                p += n - 1;
            } else {
                put(b, "?", 1);
            }
        } else if (*p == '&')
            puts_(b, "&amp;");
        else if (*p == '<')
            puts_(b, "&lt;");
        else if (*p == '>')
            puts_(b, "&gt;");
        else if (*p == '"')
            puts_(b, "&quot;");
        else if ((unsigned char)*p >= 0x20)
            put(b, p, 1);
    }
}

/* The classes the layouts use: one palette, in the file itself. */
static const char style_sheet[] =
    "text{font-family:'DejaVu Sans Mono',monospace;font-size:12px;fill:#222;"
    "white-space:pre}"
    ".title{font-weight:bold}"
    ".dim{fill:#666}"
    ".warn{fill:#a40}"
    ".bad{fill:#b00;font-weight:bold}"
    ".node{fill:#f6f6f2;stroke:#555;stroke-width:1}"
    ".vnode{fill:#eef3fb;stroke:#357;stroke-width:1.5}"
    ".pkg{fill:#fff;stroke:#999;stroke-dasharray:3 2}"
    ".core{fill:none;stroke:#bbb}"
    ".group{fill:#fff;stroke:#ccc}"
    ".hk{fill:#cfe8cf;stroke:#6a6}"
    ".iso{fill:#f6d7a7;stroke:#c80}"
    ".nohz{fill:#f3c9d9;stroke:#b47}"
    ".off{fill:#ddd;stroke:#999;stroke-dasharray:2 2}"
    ".vcpu{fill:#d6e4f7;stroke:#468}"
    ".hot{fill:#fff;stroke:#468;stroke-dasharray:3 2}"
    ".more{fill:#fff;stroke:#999}"
    ".bad-box{fill:#fbd;stroke:#b00;stroke-width:2}"
    ".link{stroke:#357;stroke-width:2;fill:none}"
    ".pin{stroke:#8ab;stroke-width:0.7;fill:none}"
    ".hole{fill:#fff;stroke:#999;stroke-dasharray:2 2}"
    ".rsv{fill:#bbb;stroke:#777}"
    ".hotmem{fill:#fff;stroke:#357;stroke-dasharray:4 2}"
    ".v0{fill:#9cc3e6}.v1{fill:#f2b880}.v2{fill:#a7d7a0}.v3{fill:#e6a0a8}"
    ".v4{fill:#c6b3e0}.v5{fill:#e8d38c}.v6{fill:#9ed5d1}.v7{fill:#d9b3a0}";

static void item_svg(struct buf *b, const struct scene_item *it);

char *scene_svg(const struct scene *s)
{
    struct buf b = {0};
    int w = s->width + 10, h = s->height + 10;

    putf(&b,
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
         "viewBox=\"0 0 %d %d\">\n",
         w, h, w, h);
    if (s->title) {
        puts_(&b, "<title>");
        put_escaped(&b, s->title);
        puts_(&b, "</title>\n");
    }
    puts_(&b, "<style>");
    puts_(&b, style_sheet);
    puts_(&b, "</style>\n");
    putf(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", w, h);
    /* Lines first: boxes paint over them, so a link shows between boxes,
     * not across the cells it passes. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < s->n; i++) {
            const struct scene_item *it = &s->items[i];

            if ((it->kind == SCENE_LINE) != (pass == 0))
                continue;
            item_svg(&b, it);
        }
    puts_(&b, "</svg>\n");
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static void item_svg(struct buf *b, const struct scene_item *it)
{
    {
        switch (it->kind) {
        case SCENE_BOX:
            putf(b, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"", it->style,
                 it->x, it->y, it->w, it->h);
            if (it->text) {
                puts_(b, "><title>");
                put_escaped(b, it->text);
                puts_(b, "</title></rect>\n");
            } else {
                puts_(b, "/>\n");
            }
            break;
        case SCENE_TEXT:
            putf(b, "<text class=\"%s\" x=\"%d\" y=\"%d\">", it->style, it->x,
                 it->y + SCENE_BASELINE);
            put_escaped(b, it->text);
            puts_(b, "</text>\n");
            break;
        case SCENE_LINE:
            putf(b, "<line class=\"%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", it->style,
                 it->x, it->y, it->x + it->w, it->y + it->h);
            break;
        }
    }
}

/* ---- geometry ----------------------------------------------------------- */

static bool inside(const struct scene_item *a, int x, int y, int w, int h)
{
    return a->x >= x && a->y >= y && a->x + a->w <= x + w && a->y + a->h <= y + h;
}

static bool intersect(const struct scene_item *a, const struct scene_item *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Siblings by parent, then top, then left. */
static int cmp_sibling(const void *pa, const void *pb, void *ctx)
{
    const struct scene *sc = ctx;
    const struct scene_item *a = &sc->items[*(const size_t *)pa];
    const struct scene_item *b = &sc->items[*(const size_t *)pb];

    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    return (a->x > b->x) - (a->x < b->x);
}

static const char *what(const struct scene_item *it)
{
    return it->text ? it->text : it->style;
}

/* Whether the segment (x0,y0)-(x1,y1) passes through the inside of box b
 * (Liang-Barsky clipping against the open rectangle). */
static bool crosses(int x0, int y0, int x1, int y1, const struct scene_item *b)
{
    double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
    double p[4] = {-dx, dx, -dy, dy}, q[4] = {x0 - (b->x + 0.5), (b->x + b->w - 0.5) - x0,
                                              y0 - (b->y + 0.5), (b->y + b->h - 0.5) - y0};

    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return false;
        } else {
            double t = q[i] / p[i];

            if (p[i] < 0 && t > t0)
                t0 = t;
            else if (p[i] > 0 && t < t1)
                t1 = t;
        }
    }
    return t0 < t1;
}

static bool on_or_in(int x, int y, const struct scene_item *b)
{
    return x >= b->x && x <= b->x + b->w && y >= b->y && y <= b->y + b->h;
}

bool scene_check(const struct scene *s, char *why, size_t size)
{
    size_t *ix = malloc((s->n ? s->n : 1) * sizeof(*ix)), m = 0;
    bool ok = true;

    if (!ix) {
        snprintf(why, size, "out of memory");
        return false;
    }
    for (size_t i = 0; i < s->n && ok; i++) {
        const struct scene_item *it = &s->items[i];
        const struct scene_item *p = it->parent >= 0 ? &s->items[it->parent] : NULL;

        if (it->kind == SCENE_LINE)
            continue;
        if (it->w < 0 || it->h < 0 || it->x < 0 || it->y < 0) {
            snprintf(why, size, "item %zu (%s) has a negative extent", i, what(it));
            ok = false;
        } else if (p ? !inside(it, p->x, p->y, p->w, p->h)
                     : !inside(it, 0, 0, s->width, s->height)) {
            snprintf(why, size, "item %zu (%s at %d,%d %dx%d) sticks out of %s", i, what(it), it->x,
                     it->y, it->w, it->h, p ? what(p) : "the canvas");
            ok = false;
        }
        ix[m++] = i;
    }
    qsort_r(ix, m, sizeof(*ix), cmp_sibling, (void *)s);
    /* Siblings sorted by top: each meets only those starting above its
     * bottom. */
    for (size_t a = 0; a < m && ok; a++) {
        const struct scene_item *x = &s->items[ix[a]];

        for (size_t b = a + 1; b < m && ok; b++) {
            const struct scene_item *y = &s->items[ix[b]];

            if (y->parent != x->parent || y->y >= x->y + x->h)
                break;
            if (intersect(x, y)) {
                snprintf(why, size, "'%s' (%d,%d %dx%d) overlaps '%s' (%d,%d %dx%d)", what(x), x->x,
                         x->y, x->w, x->h, what(y), y->x, y->y, y->w, y->h);
                ok = false;
            }
        }
    }
    /* A line passes through no box but those it starts or ends in (lines
     * are painted under the boxes: one crossing a box seems to end there). */
    for (size_t i = 0; i < s->n && ok; i++) {
        const struct scene_item *ln = &s->items[i];

        if (ln->kind != SCENE_LINE)
            continue;
        for (size_t b = 0; b < s->n && ok; b++) {
            const struct scene_item *bx = &s->items[b];

            if (bx->kind != SCENE_BOX || bx->parent >= 0 || on_or_in(ln->x, ln->y, bx) ||
                on_or_in(ln->x + ln->w, ln->y + ln->h, bx) ||
                !crosses(ln->x, ln->y, ln->x + ln->w, ln->y + ln->h, bx))
                continue;
            snprintf(why, size, "a line from %d,%d to %d,%d crosses '%s' (%d,%d %dx%d)", ln->x,
                     ln->y, ln->x + ln->w, ln->y + ln->h, what(bx), bx->x, bx->y, bx->w, bx->h);
            ok = false;
        }
    }
    free(ix);
    return ok;
}
