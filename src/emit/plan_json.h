/* plan.json as one string (internal): what vt_layout_write_dir writes for a
 * layout and its host (h may be NULL). */
#ifndef VT_EMIT_PLAN_JSON_H
#define VT_EMIT_PLAN_JSON_H

#include "vtopo/emit.h"

int plan_json_render(const struct vt_layout *l, const struct vt_host *h, char **json,
                     struct vt_err *err);

#endif
