/* The pictures' scenes (internal): what vt_draw_host and vt_draw_plan
 * write as SVG, for the tests to check their geometry. */
#ifndef VT_DRAW_DRAW_H
#define VT_DRAW_DRAW_H

#include "draw/scene.h"
#include "vtopo/draw.h"

/* 0, or -1 when out of memory (the scene is then partial). */
int draw_host_scene(const struct vt_host *h, struct scene *s);
/* h: the host the plan was made on, or NULL (the host side is then the
 * plan's pnodes without their CPUs). */
int draw_plan_scene(const struct vt_layout *l, const struct vt_host *h, struct scene *s);

int draw_guests_scene(const struct vt_guest_view *want, const struct vt_guest_view *got,
                      const struct vt_draw_row *rows, size_t nrows, struct scene *s);

/* The terminal text forms. */
char *draw_host_text(const struct vt_host *h, bool ascii);
char *draw_plan_text(const struct vt_layout *l, bool ascii);

#endif
