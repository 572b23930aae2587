/* Names of the public enums, as every text format and message writes them. */
#include "vtopo/host.h"
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

const char *vt_pci_class_name(uint32_t class_code)
{
    /* The PCI base class and subclass (class_code >> 8), the common ones. */
    static const struct {
        uint16_t cls;
        const char *name;
    } names[] = {
        {0x0100, "SCSI"},        {0x0101, "IDE"},         {0x0104, "RAID"},
        {0x0106, "SATA"},        {0x0107, "SAS"},         {0x0108, "NVMe"},
        {0x0200, "Ethernet"},    {0x0207, "InfiniBand"},  {0x0280, "network"},
        {0x0300, "VGA"},         {0x0302, "3D"},          {0x0380, "display"},
        {0x0403, "audio"},       {0x0580, "memory"},      {0x0600, "host bridge"},
        {0x0601, "ISA bridge"},  {0x0604, "PCI bridge"},  {0x0680, "bridge"},
        {0x0880, "system"},      {0x0c03, "USB"},         {0x0c05, "SMBus"},
        {0x0c80, "serial bus"},  {0x1080, "crypto"},      {0x1101, "perf counters"},
        {0x1180, "signal proc"}, {0x1200, "accelerator"}, {0x0b40, "coprocessor"},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].cls == class_code >> 8)
            return names[i].name;
    return "PCI";
}
