/* Pictures: the host, a guest plan beside the host nodes that back it, as
 * SVG (self-contained, deterministic) or terminal text (80 columns, box
 * drawing or plain ASCII). docs/draw.md. */
#ifndef VTOPO_DRAW_H
#define VTOPO_DRAW_H

#include <stdbool.h>

#include "vtopo/err.h"
#include "vtopo/export.h"
#include "vtopo/guest.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

enum vt_draw_format {
    VT_DRAW_SVG,   /* an SVG document */
    VT_DRAW_TEXT,  /* terminal text with box drawing (UTF-8) */
    VT_DRAW_ASCII, /* terminal text, plain ASCII */
};

/* The host: each node with its packages, cores and SMT threads (each CPU
 * online, offline, isolated, nohz_full or housekeeping), its devices, the
 * devices of no node, the distances. *out is malloc'd text. */
VT_API int vt_draw_host(const struct vt_host *h, enum vt_draw_format f, char **out,
                        struct vt_err *err);
/* A plan: its vnodes (guest PXM, Linux node, memory, vCPUs with their APIC
 * IDs and pins, devices) beside the host nodes that back them (h: the
 * plan's host, or NULL: the nodes by number only, their pinned CPUs without
 * their state), vnode-to-node links and vCPU pins, the guest-physical
 * memory map, and the plan's warnings. */
VT_API int vt_draw_plan(const struct vt_layout *l, const struct vt_host *h, enum vt_draw_format f,
                        char **out, struct vt_err *err);

/* One row of a comparison of a predicted and a booted guest (vtopo
 * verify's: item, the two values, whether they agree). */
struct vt_draw_row {
    const char *item, *predicted, *guest;
    bool ok;
};

/* The predicted and the observed guest side by side (SVG only): each Linux
 * node of either with its PXM, CPUs, memory and distances, a node that a
 * mismatching row names ("node N ...": not "after: node N", a later
 * probe's) or that one side lacks marked; below, every mismatching row and
 * how many agree. */
VT_API int vt_draw_guests(const struct vt_guest_view *want, const struct vt_guest_view *got,
                          const struct vt_draw_row *rows, size_t nrows, char **svg,
                          struct vt_err *err);

#ifdef __cplusplus
}
#endif

#endif
