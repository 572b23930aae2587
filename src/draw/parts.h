/* Pieces the host and plan pictures share (internal): CPU cells, ranges
 * collapsed with a count, sizes in words. */
#ifndef VT_DRAW_PARTS_H
#define VT_DRAW_PARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "draw/scene.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

/* Inner padding of a box, the gap between siblings, a CPU cell's height. */
#define PART_PAD  6
#define PART_GAP  4
#define PART_CELL 18
/* The widest row of cells inside a box, and the widest picture row. */
#define PART_ROW_W 560
#define PART_PAGE  1800
/* A node or vnode with more CPUs than this shows them as runs. */
#define PART_MAX_CELLS 64

/* Whether a host device is drawn: not bridges (class 06) or base system
 * peripherals (08: I/O APICs, timers, IOMMUs), which every node has and
 * which say nothing of where work should run (lstopo leaves them out too);
 * the pictures count them instead. */
bool part_device_shown(const struct vt_host_device *d);

/* A host's CPUs that no node lists (possible, offline, with no node), into
 * out (a fresh bitmap the caller frees; NULL when out of memory). */
struct vt_bitmap *part_cpus_of_no_node(const struct vt_host *h);

/* A host CPU's state: its CSS class and word. */
const char *part_cpu_class(const struct vt_host *h, unsigned cpu);
const char *part_cpu_state(const struct vt_host *h, unsigned cpu);

/* A cell of text (a CPU, a run of CPUs) at (x, y) inside parent: a box of
 * its class just wide enough for the text, and the text. Its width. */
int part_cell(struct scene *s, int parent, int x, int y, const char *style, const char *text,
              const char *title);
/* A cell's width for this text. */
int part_cell_w(const char *text);

/* "16 GiB" into buf. */
void part_size(char *buf, size_t size, uint64_t bytes);

/* Texts at (x, y) one under another inside parent, each at most cols
 * characters (longer text wrapped at spaces); the y below the last. */
int part_para(struct scene *s, int parent, int x, int y, const char *style, const char *text,
              size_t cols);

/* The guest-physical memory map of a plan, as the pictures show it: every
 * vnode range, hot-pluggable range and non-RAM E820 entry, with the holes
 * between them, in address order. *n of them (malloc'd), NULL when out of
 * memory. */
enum part_seg_kind { PART_SEG_RAM, PART_SEG_HOT, PART_SEG_RSV, PART_SEG_HOLE };

struct part_seg {
    uint64_t start, end;
    enum part_seg_kind kind;
    unsigned vnode;
    uint32_t type; /* an E820 entry's type */
};

struct part_seg *part_segments(const struct vt_layout *l, size_t *n);
/* What a segment is: "RAM, vnode 3", "hot-pluggable, vnode 1", an E820
 * type's name ("reserved"), "hole". */
void part_seg_what(const struct part_seg *sg, char *buf, size_t size);

/* A host node's title: "node 1  PXM 7  64 GiB  16 CPUs" (ncpus: its CPUs,
 * offline ones included). */
void part_node_title(const struct vt_host_node *n, unsigned ncpus, char *buf, size_t size);

#endif
