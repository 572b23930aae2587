/* Names of the public enums, as every text format and message writes them. */
#include "vtopo/layout.h"

const char *vt_apic_encoding_name(enum vt_apic_encoding e)
{
    switch (e) {
    case VT_APIC_SDM:
        return "sdm";
    case VT_APIC_XEN:
        return "xen";
    case VT_APIC_LEGACY:
        return "legacy";
    }
    return "?";
}

const char *vt_vendor_name(enum vt_vendor v)
{
    return v == VT_VENDOR_AMD ? "amd" : "intel";
}

const char *vt_mem_layout_name(enum vt_mem_layout m)
{
    static const char *names[] = {"flat", "qemu-pc", "qemu-q35", "xen-hvm", "e820", "host"};

    return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}
