/* PCI devices in the plan (internal): vt_plan's last step. */
#ifndef VT_PLAN_DEVICES_H
#define VT_PLAN_DEVICES_H

#include "vtopo/host.h"
#include "vtopo/layout.h"

/* Each requested device on its vnode, behind a root port of the vnode's
 * expander; the expanders' bus numbers. Needs the vnodes' Linux nodes. */
int layout_place_devices(struct vt_layout *l, const struct vt_host *h, const struct vt_request *r,
                         struct vt_err *err);

#endif
