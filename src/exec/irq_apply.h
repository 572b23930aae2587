/* The restore file's reader (internal; fuzzed). */
#ifndef VT_EXEC_IRQ_APPLY_H
#define VT_EXEC_IRQ_APPLY_H

#include "vtopo/irq.h"

/* Parse a restore file's text (path for messages) saved on the host of
 * fingerprint host_fp: one entry per (bdf, index) with its target (the
 * affinity to put back), IRQ 0 and status SAME until looked up. */
int irq_restore_parse(const char *text, const char *path, const char *host_fp,
                      struct vt_irq_report **out, struct vt_err *err);

#endif
