/* The interrupt state (internal): building it, and its JSON form, which the
 * host file carries as "irqs". */
#ifndef VT_HOST_IRQ_STATE_H
#define VT_HOST_IRQ_STATE_H

#include <json-c/json.h>

#include "vtopo/irq.h"

struct irq_entry {
    struct vt_irq_info pub;
    char *chip, *hwirq, *actions, *bdf;
    uint64_t *counts; /* one per state CPU (s->cpu_ids order) */
    struct vt_bitmap *affinity, *effective, *hint;
};

struct vt_irq_state {
    char *source;
    unsigned *cpu_ids; /* the counted CPUs, ascending */
    size_t ncpus;
    struct vt_bitmap *cpus;
    struct irq_entry *irqs; /* ascending by irq */
    size_t nirqs, cap;
    struct irq_entry **keyed; /* the device vectors by (bdf, index), at finalize */
    size_t nkeyed;
    char fp[VT_IRQ_FINGERPRINT_LEN + 1];
    bool managed_known;
};

struct vt_irq_state *irq_state_new(const char *source);
/* A new entry (zeroed, counts allocated for s->ncpus), or NULL. */
struct irq_entry *irq_state_add(struct vt_irq_state *s, unsigned irq);
/* Public views, sums, the key order and the fingerprint, once every entry
 * is in (entries are not added after); -EINVAL with a sentence when two IRQs
 * claim one device vector. */
int irq_state_finalize(struct vt_irq_state *s, struct vt_err *err);

/* The "irqs" member; NULL when out of memory. */
struct json_object *irq_state_json(const struct vt_irq_state *s);
/* Read it back; messages "PATH: irqs...: ...". */
int irq_state_from_json(struct json_object *o, const char *path, struct vt_irq_state **out,
                        struct vt_err *err);

/* The three sources. */
int irq_state_read_sysfs(const struct vt_host *h, const char *fsroot, struct vt_irq_state **out,
                         struct vt_err *err);
int irq_state_synthetic(const struct vt_host *h, struct vt_irq_state **out, struct vt_err *err);

#endif
