/* Symbol visibility for libvtopo's public API. */
#ifndef VTOPO_EXPORT_H
#define VTOPO_EXPORT_H

#if defined(VT_BUILDING_LIBRARY) && defined(__GNUC__)
#define VT_API __attribute__((visibility("default")))
#else
#define VT_API
#endif

#endif
