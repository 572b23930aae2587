/* The CLI's one table from request fields to its flags: every message about
 * a request, the library's included, names the flag. Unit tests link it to
 * hold the library's messages to the CLI's wording. */
#include "fields.h"

/* How the CLI names each request field in messages, library's included:
 * the one table from fields to flags. */
const char *const cli_field_flags[VT_FIELD_COUNT] = {
    [VT_FIELD_VCPUS] = "--vcpus",
    [VT_FIELD_MEMORY] = "--memory",
    [VT_FIELD_VNODES] = "--vnodes",
    [VT_FIELD_VCPU_VNODES] = "--vcpu-nodes",
    [VT_FIELD_PINS] = "--pin",
    [VT_FIELD_PIN_IDENTITY] = "--pin-identity",
    [VT_FIELD_VNODE_PNODES] = "--vnode-pnodes",
    [VT_FIELD_VNODE_MEMORY] = "--vnode-memory",
    [VT_FIELD_SHAPE] = "--shape",
    [VT_FIELD_VENDOR] = "--vendor",
    [VT_FIELD_APIC] = "--apic",
    [VT_FIELD_MEM_LAYOUT] = "--mem-layout",
    [VT_FIELD_ALLOW_PACKAGE_SPAN] = "--allow-package-span",
    [VT_FIELD_GUEST_PXMS] = "--guest-pxms",
    [VT_FIELD_DISTANCES] = "--distances",
    [VT_FIELD_HMAT_LATENCY] = "--hmat-latency",
    [VT_FIELD_HMAT_BANDWIDTH] = "--hmat-bandwidth",
    [VT_FIELD_MAX_VCPUS] = "--max-vcpus",
    [VT_FIELD_INITIATORS] = "--initiator",
    [VT_FIELD_HOTPLUG_MEMORY] = "--hotplug-memory",
    [VT_FIELD_DEVICES] = "--device",
    [VT_FIELD_SPARE_SLOTS] = "--spare-slots",
    [VT_FIELD_STRICT_DEVICES] = "--strict-devices",
    [VT_FIELD_VNODE_CPUS] = "--vnode-cpus",
    [VT_FIELD_EMULATOR_CPUS] = "--emulator-cpus",
    [VT_FIELD_HOST_ACPI] = "--acpi",
    [VT_FIELD_QEMU_NUMA] = "--numa",
    [VT_FIELD_QEMU_HMAT] = "--hmat",
    [VT_FIELD_QEMU_MADT] = "--madt",
};

struct vt_request *cli_request_new(void)
{
    struct vt_request *r = vt_request_new();

    if (r)
        vt_request_name_fields(r, cli_field_flags);
    return r;
}
