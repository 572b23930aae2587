/* What the emitters read of a layout beyond the public accessors
 * (internal; the layout's inside stays in layout_internal.h). */
#ifndef VT_PLAN_LAYOUT_QUERY_H
#define VT_PLAN_LAYOUT_QUERY_H

#include <stddef.h>

#include "vtopo/layout.h"

/* Every planned vCPU: the present ones, then the hot-pluggable ones. */
size_t layout_all_vcpu_count(const struct vt_layout *l);
const struct vt_vcpu *layout_all_vcpu(const struct vt_layout *l, size_t i);
/* The most vnodes in one package, up to 8 (AMD's NodesPerProcessor). */
unsigned layout_nodes_per_package(const struct vt_layout *l);

/* How messages about this layout name request field f: as its request
 * named them (vt_request_name_fields), else the field's own name. */
const char *layout_field(const struct vt_layout *l, enum vt_request_field f);

#endif
