/* What the emitters read of a layout beyond the public accessors
 * (internal; the layout's inside stays in layout_internal.h). */
#ifndef VT_PLAN_LAYOUT_QUERY_H
#define VT_PLAN_LAYOUT_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "vtopo/layout.h"

/* What the CPUID of vCPU i needs beyond the public accessors, in one call
 * (the CPUID emitter runs per vCPU): the vCPU among every planned one (the
 * present, then the hot-pluggable; NULL past the last), and the most vnodes
 * in one package, up to 8 (AMD's NodesPerProcessor). */
const struct vt_vcpu *layout_cpuid_facts(const struct vt_layout *l, size_t i,
                                         unsigned *nodes_per_package);

/* How messages about this layout name request field f: as its request
 * named them (vt_request_name_fields), else the field's own name. */
const char *layout_field(const struct vt_layout *l, enum vt_request_field f);

/* Whether a vnode of the layout is backed by host node pnode. */
bool layout_uses_pnode(const struct vt_layout *l, unsigned pnode);

#endif
