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
/* Cells of CPUs in a whole picture: more CPUs than this are drawn as runs,
 * each box's share of it (1 to PART_MAX_CELLS runs, then "+N more"). */
#define PART_CELL_BUDGET 2048

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

/* A run of numbers (CPUs, vCPUs) as the pictures show many of them: an
 * arithmetic progression first, first + step, ... of count members. */
struct part_run {
    unsigned first, step, count;
};

/* set's members as runs, in order, at most max of them (*rest: how many
 * members are left over). A run has step 1 ("0-63"), or a larger step when
 * it has 3 or more members ("0,64..8128": an interleaved plan); it also
 * ends where same(ctx, first, next) is false (NULL: never). *n runs,
 * malloc'd (NULL when out of memory or set is empty). */
struct part_run *part_runs(const struct vt_bitmap *set,
                           bool (*same)(const void *ctx, unsigned a, unsigned b), const void *ctx,
                           size_t max, size_t *n, unsigned *rest);
/* "5", "0-63 (64)", "0,64..8128 (128)"; without the count when !count. */
void part_run_text(const struct part_run *r, bool count, char *buf, size_t size);
/* set as a list for people: the kernel's cpulist ("0-3,8") unless some
 * run is a progression, then the runs with ", " ("0,64..8128, 5");
 * "-" when empty (malloc'd, NULL when out of memory). */
char *part_list(const struct vt_bitmap *set);
/* Whether the members of set are exactly one run of n: its text (no
 * count) into buf. */
bool part_one_run(const struct vt_bitmap *set, unsigned n, char *buf, size_t size);

/* A host device in words: "0000:3b:00.0 nvme0,nvme0n1 NVMe 33 vectors"
 * (malloc'd, NULL when out of memory). */
char *part_device_line(const struct vt_host_device *d);

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

/* A line of text inside parent at (x, y), wrapped at a row of cells'
 * width; widens *width to it. text NULL (out of memory) sets s->oom. The y
 * below it. */
int part_line(struct scene *s, int parent, int x, int y, const char *style, const char *text,
              int *width);

/* Host CPUs as cells of runs of one state into the flow (h NULL: no
 * state), at most max and a "+N more". */
void part_cpu_runs(struct scene *s, int box, struct flow *f, const struct vt_host *h,
                   const struct vt_bitmap *cpus, size_t max);
/* A box's share of PART_CELL_BUDGET among n boxes: 1 to PART_MAX_CELLS. */
size_t part_share(size_t n);

/* The last cell of a box whose runs were cut at PART_MAX_CELLS: "+N more",
 * its title listing the members of set after the last run drawn (last
 * NULL: all of them). */
void part_more_cell(struct scene *s, int box, struct flow *f, const struct vt_bitmap *set,
                    const struct part_run *last, unsigned rest, const char *what);

/* The guest-physical memory map of a plan, as the pictures show it: every
 * vnode range, hot-pluggable range and non-RAM E820 entry (cut out of the
 * ranges it lies in: a vnode's RAM below 1 MiB has the legacy area
 * reserved), with the holes between them, in address order. *n of them (malloc'd), NULL when out of
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

/* What a node without CPUs has instead: "no CPUs (memory only)", "no CPUs
 * or memory (a generic initiator)", ... */
const char *part_node_no_cpus(const struct vt_host_node *n);

/* What a vnode without vCPUs has instead, the same way. */
const char *part_vnode_no_vcpus(const struct vt_vnode *vn);
/* "WORDS LIST" for the CPUs of cpus (a list past PART_FLOAT_MAX characters
 * cut at a CPU, with ",..."), malloc'd; NULL when cpus is NULL or empty (or
 * out of memory: *oom set). For where unpinned vCPUs run (float_cpus). */
#define PART_FLOAT_MAX 64
char *part_float_text(const char *words, const struct vt_bitmap *cpus, bool *oom);

/* The plan's vCPU vcpu, present or hot-pluggable (NULL: none). */
const struct vt_vcpu *part_vcpu(const struct vt_layout *l, unsigned vcpu);

/* The pins of vCPUs vcpus[0..n) (in that order), consecutive vCPUs on
 * consecutive host CPUs as one run: "0-3->8-11, 4->2" with arrow "->";
 * unpinned ones left out (malloc'd). */
char *part_pin_pairs(const struct vt_layout *l, const unsigned *vcpus, size_t n, const char *arrow);
/* The pins of a vnode's vCPUs (present, then hot-pluggable), runs of
 * consecutive vCPUs on consecutive host CPUs together, arrow between
 * ("0-3->8-11, 4->2" with "->"); "" when none is pinned (malloc'd). */
char *part_pin_list(const struct vt_layout *l, const struct vt_vnode *vn, const char *arrow);
/* "vnode 1  PXM 1  Linux node 1  4 GiB -> host node 1 (PXM 1)" (malloc'd). */
char *part_vnode_title(const struct vt_vnode *vn);
/* "RAM 0-9ffff, 100000-1fffffff", the first max ranges and "+N more
 * ranges" (malloc'd). */
char *part_ranges_text(const struct vt_vnode *vn, size_t max);
/* A planned device: "0000:41:00.0 vfio <- host 0000:3b:00.0 (host node 1,
 * distance 21)" (malloc'd). */
char *part_planned_device(const struct vt_device *dev);
/* Whether the run's vCPUs have, in vCPU order, APIC IDs (pcpu false) or
 * host CPUs (true) that are a progression of a positive step too: its
 * text ("0-127", "0,2..254") into buf. */
bool part_run_values(const struct vt_layout *l, const struct part_run *r, bool pcpu, char *buf,
                     size_t size);

/* "56 cores x 2 threads" of a set of host CPUs (SMT siblings from the
 * topology; a CPU whose siblings are unknown is a core of its own). */
char *part_core_summary(const struct vt_host *h, const struct vt_bitmap *cpus);

/* The legend at (x, y): the CPU states' colours, after the vCPU cells'
 * (present, hot-pluggable) when vcpus; its bottom. */
int part_legend(struct scene *s, int x, int y, bool vcpus);

/* The host's first line: "host NAME: 2 nodes, 16 CPUs (16 online)"
 * (malloc'd, NULL when out of memory). */
char *part_host_line(const struct vt_host *h);

#endif
