/* libvtopo umbrella header: guest NUMA topology from the host to the guest. */
#ifndef VTOPO_VTOPO_H
#define VTOPO_VTOPO_H

#include "vtopo/acpi.h"
#include "vtopo/bitmap.h"
#include "vtopo/check.h"
#include "vtopo/cpuid.h"
#include "vtopo/draw.h"
#include "vtopo/emit.h"
#include "vtopo/vmm.h"
#include "vtopo/err.h"
#include "vtopo/exec.h"
#include "vtopo/guest.h"
#include "vtopo/export.h"
#include "vtopo/host.h"
#include "vtopo/io.h"
#include "vtopo/irq.h"
#include "vtopo/layout.h"
#include "vtopo/place.h"
#include "vtopo/size.h"
#include "vtopo/text.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". */
VT_API const char *vt_version(void);

#ifdef __cplusplus
}
#endif

#endif
