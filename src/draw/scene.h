/* A picture as a display list (internal): boxes, texts and lines on an
 * integer canvas, each item inside its parent box, written out as SVG. The
 * layouts (draw_host.c, draw_plan.c) build it; the tests check its
 * geometry (scene_check) and the SVG is rendered by a browser. */
#ifndef VT_DRAW_SCENE_H
#define VT_DRAW_SCENE_H

#include <stdbool.h>
#include <stddef.h>

/* Text metrics of the SVG's 12 px monospace font, rounded up (DejaVu Sans
 * Mono advances 7.2 px): a character's width, a line's height, and where
 * the baseline sits below a line's top. */
#define SCENE_CHAR_W   8
#define SCENE_LINE_H   16
#define SCENE_BASELINE 12

enum scene_kind { SCENE_BOX, SCENE_TEXT, SCENE_LINE };

struct scene_item {
    enum scene_kind kind;
    /* A box or a text's extent: [x, x + w) x [y, y + h); a line: from (x,
     * y) to (x + w, y + h). */
    int x, y, w, h;
    const char *style; /* its CSS class (static text) */
    char *text;        /* a text's words; a box's title (a tooltip), or NULL */
    int parent;        /* the enclosing box's index, -1 for the canvas */
};

struct scene {
    struct scene_item *items;
    size_t n, cap;
    int width, height; /* the canvas, grown to what was drawn */
    char *title;
    bool oom;
};

void scene_init(struct scene *s);
void scene_free(struct scene *s);
/* Add an item; its index (or -1 when out of memory: s->oom is set, and
 * every later call is a no-op). text is copied. */
int scene_box(struct scene *s, int parent, int x, int y, int w, int h, const char *style,
              const char *title);
/* A line of text whose top-left is (x, y): SCENE_LINE_H high, as wide as
 * its characters. */
int scene_text(struct scene *s, int parent, int x, int y, const char *style, const char *text);
int scene_line(struct scene *s, int x1, int y1, int x2, int y2, const char *style);
/* Set box i's size once its contents are known (the canvas grows). */
void scene_resize(struct scene *s, int i, int w, int h);
/* Move items from index first on by (dx, dy): a group built at the origin
 * put in its place. */
void scene_shift(struct scene *s, size_t first, int dx, int dy);

/* Items placed left to right inside a box, wrapping at a width. */
struct flow {
    int x0, maxw;         /* the left edge, the widest row */
    int x, y, rowh, used; /* the cursor; the row's height; the widest so far */
    int gap;
};
void flow_init(struct flow *f, int x0, int y0, int maxw, int gap);
/* Where an item w x h goes. */
void flow_place(struct flow *f, int w, int h, int *x, int *y);
/* The bottom of what was placed (y0 when nothing). */
int flow_bottom(const struct flow *f);

/* The length of the valid UTF-8 sequence at p (2 to 4 bytes; no overlong
 * forms, surrogates, U+FFFE/U+FFFF or code points above U+10FFFF), or 0. */
size_t scene_utf8_len(const unsigned char *p);

/* A text's width in the SVG: SCENE_CHAR_W per character (UTF-8 decoded:
 * a multi-byte character is one). */
int scene_text_w(const char *text);

/* printf into a fresh buffer (NULL when out of memory). */
char *scene_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The SVG text (malloc'd, NULL when out of memory): self-contained, no
 * script or external resource, the same bytes for the same scene. */
char *scene_svg(const struct scene *s);

/* The geometry's rules: every box and text lies within its parent (the
 * canvas for -1), no two boxes or texts of one parent intersect, and no
 * line passes through a top-level box it neither starts nor ends in. The
 * first broken rule in words into why (size bytes) and false, else true. */
bool scene_check(const struct scene *s, char *why, size_t size);

#endif
