/* The plan options shared by every command that plans a guest (plan, emit,
 * verify): parsing into a vt_request, and loading the host and planning. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* A number option of the CLI's own (the typed setter checks the range). */
static int number_opt(enum vt_request_field f, const char *arg, unsigned max, unsigned *u,
                      struct vt_err *err)
{
    if (cli_parse_uint(arg, max, u) < 0)
        return vt_err_set(err, -EINVAL, "%s %s: must be a number from 1 to %u", cli_field_flags[f],
                          arg, max);
    return 0;
}

/* Apply one request option; returns 0, a negative error (err set), or 1 when
 * opt is not a request option. */
int cli_plan_opt(struct vt_request *r, int opt, const char *arg, struct vt_err *err)
{
    uint64_t v;
    unsigned u;
    int rc;

    switch (opt) {
    case OPT_VCPUS:
        if ((rc = number_opt(VT_FIELD_VCPUS, arg, VT_MAX_VCPUS, &u, err)) < 0)
            return rc;
        return vt_request_set_vcpus(r, u, err);
    case OPT_MEMORY:
        if ((rc = vt_size_parse_unit(arg, &v, err)) < 0) {
            vt_err_prefix(err, "%s: ", cli_field_flags[VT_FIELD_MEMORY]);
            return rc;
        }
        return vt_request_set_memory(r, v, err);
    case OPT_VNODES:
        if ((rc = number_opt(VT_FIELD_VNODES, arg, VT_MAX_VNODES, &u, err)) < 0)
            return rc;
        return vt_request_set_vnodes(r, u, err);
    case OPT_VCPU_NODES:
        return vt_request_parse_vcpu_vnodes(r, arg, err);
    case OPT_PIN:
        return vt_request_parse_pins(r, arg, err);
    case OPT_PIN_IDENTITY:
        return vt_request_set_pin_identity(r, err);
    case OPT_VNODE_PNODES:
        return vt_request_parse_vnode_pnodes(r, arg, err);
    case OPT_VNODE_MEMORY:
        return vt_request_parse_vnode_memory(r, arg, err);
    case OPT_SHAPE:
        return vt_request_parse_shape(r, arg, err);
    case OPT_VENDOR:
        return vt_request_parse_vendor(r, arg, err);
    case OPT_APIC:
        return vt_request_parse_apic(r, arg, err);
    case OPT_MEM_LAYOUT:
        return vt_request_parse_mem_layout(r, arg, err);
    case OPT_ALLOW_SPAN:
        vt_request_allow_package_span(r, true);
        return 0;
    case OPT_GUEST_PXMS:
        return vt_request_parse_guest_pxms(r, arg, err);
    case OPT_DISTANCES:
        return vt_request_parse_distances(r, arg, err);
    case OPT_HMAT_LATENCY:
        return vt_request_parse_hmat_latency(r, arg, err);
    case OPT_HMAT_BANDWIDTH:
        return vt_request_parse_hmat_bandwidth(r, arg, err);
    case OPT_MAX_VCPUS:
        if ((rc = number_opt(VT_FIELD_MAX_VCPUS, arg, VT_MAX_VCPUS, &u, err)) < 0)
            return rc;
        return vt_request_set_max_vcpus(r, u, err);
    case OPT_INITIATOR:
        return vt_request_parse_initiators(r, arg, err);
    case OPT_HOTPLUG_MEMORY:
        return vt_request_parse_hotplug_memory(r, arg, err);
    case OPT_PLAN_DEVICE:
        return vt_request_parse_device(r, arg, err);
    case OPT_SPARE_SLOTS:
        return vt_request_parse_spare_slots(r, arg, err);
    case OPT_VNODE_CPUS:
        return vt_request_parse_vnode_cpus(r, arg, err);
    case OPT_EMULATOR_CPUS:
        return vt_request_parse_emulator_cpus(r, arg, err);
    case OPT_STRICT_DEVICES:
        vt_request_set_strict_devices(r, true);
        return 0;
    default:
        return 1;
    }
}

void cli_plan_usage_options(FILE *out)
{
    fprintf(out, "Plan: --plan DIR takes a plan directory (vtopo plan --out DIR): its host and\n"
                 "request, planned again; no other host or guest option with it. A plan made\n"
                 "on another live machine is refused unless --any-host.\n"
                 "\n"
                 "Host source (default: this machine's /sys): --fsroot, --host, --synthetic,\n"
                 "--acpi, as for 'vtopo host'.\n"
                 "\n"
                 "Guest:\n"
                 "  --vcpus N             vCPUs present at boot (1-8192)\n"
                 "  --memory SIZE         guest memory, e.g. 16G (a multiple of 2 MiB); optional\n"
                 "                        with --mem-layout host or e820:FILE\n"
                 "Placement (one of; default: one vnode):\n"
                 "  --vnodes N            N vnodes, vCPUs split evenly (49 over 2: 25/24)\n"
                 "  --vcpu-nodes MAP      explicit map, e.g. 0-24:0,25-48:1 (or 0-24@0,25-48@1,\n"
                 "                        as --initiator and --hotplug-memory write theirs)\n"
                 "  --pin MAP             pin vCPUs to host CPUs, e.g. 0-15:0-15,16-31:32-47;\n"
                 "                        vnodes follow the host nodes of the pinned CPUs\n"
                 "  --pin-identity        dom0: vCPU N on CPU N, a vnode per host PXM (gaps kept\n"
                 "                        as empty vnodes), host-shaped memory\n"
                 "  --vnode-pnodes LIST   host node of each vnode, e.g. 0,1 (default: spread\n"
                 "                        nearest-first over nodes with CPUs and memory)\n"
                 "  --vnode-memory LIST   memory of each vnode, e.g. 4G,4G,0 (default: in\n"
                 "                        proportion to vCPUs, exact total)\n"
                 "Shape and encodings:\n"
                 "  --shape S             sockets=,dies=,cores=,threads= (product = vCPUs;\n"
                 "                        default: one socket per vnode, threads=1)\n"
                 "  --vendor V            intel or amd: which CPUID leaves (default: the host's\n"
                 "                        CPU vendor; vtopo plans x86 guests)\n"
                 "  --apic E              sdm (default; QEMU's and cloud-hypervisor's encoding),\n"
                 "                        xen (vNUMA: vnode << fls(2*max-1) | index*2), legacy\n"
                 "                        (vcpu*2)\n"
                 "  --allow-package-span  let a package hold vCPUs of several vnodes (warned)\n"
                 "  --mem-layout L        flat (default), qemu-pc, qemu-q35, xen-hvm, host, or\n"
                 "                        e820:FILE\n"
                 "Proximity domains, distances, HMAT (MATRIX: rows separated by ';', values by\n"
                 "',', e.g. '10,20;20,10' -- quote it for the shell):\n"
                 "  --guest-pxms LIST     guest PXM of each vnode, distinct, e.g. 0,2,5 (default:\n"
                 "                        PXM = vnode; not with --pin-identity)\n"
                 "  --distances MATRIX    vnode-to-vnode distances, a row and a column per vnode:\n"
                 "                        10 on the diagonal, 11-254 elsewhere (default: from\n"
                 "                        the host nodes)\n"
                 "  --hmat-latency MATRIX HMAT access latency in ns, a row per vnode with vCPUs\n"
                 "                        (hot-pluggable too) or generic initiators and a\n"
                 "                        column per vnode with memory (hot-pluggable too),\n"
                 "                        in vnode order (default: distance x 10)\n"
                 "  --hmat-bandwidth MATRIX\n"
                 "                        HMAT access bandwidth in MB/s, rows and columns as\n"
                 "                        for --hmat-latency (default: 512000 / distance)\n"
                 "Hot-plug and devices (--initiator and --hotplug-memory repeat and take\n"
                 "comma-separated lists):\n"
                 "  --max-vcpus N         vCPUs the guest may have (>= --vcpus): vCPUs from\n"
                 "                        --vcpus on are planned like the others (placement,\n"
                 "                        APIC IDs, CPUID) but hot-pluggable: MADT\n"
                 "                        online-capable, not enabled\n"
                 "  --initiator BDF@VNODE a PCI device as an SRAT generic initiator, e.g.\n"
                 "                        0000:00:04.0@1; VNODE a vnode of the plan, or the\n"
                 "                        next new one for a node of generic initiators only\n"
                 "  --hotplug-memory SIZE@VNODE\n"
                 "                        hot-pluggable memory of a vnode, e.g. 4G@1 (a multiple\n"
                 "                        of 128 MiB): SRAT only, from 1 GiB boundaries above\n"
                 "                        the memory map and 4 GiB, not in the E820\n"
                 "  --device BDF[@VNODE][,model=M][,queues=N][,slot=N]\n"
                 "                        a host PCI device in the guest (repeat for more),\n"
                 "                        behind a root port of its vnode's PCI expander bus,\n"
                 "                        so the guest gives it the vnode's node; VNODE\n"
                 "                        defaults to the vnode on the device's host node (the\n"
                 "                        nearest one, warned, when none is); M is vfio\n"
                 "                        (default: passed through), nvme, virtio-net or\n"
                 "                        virtio-blk (emulated stand-ins); queues for those\n"
                 "  --spare-slots N|LIST  spare root ports on every vnode (N) or per vnode, for\n"
                 "                        hot-adding devices later on that node\n"
                 "  --strict-devices      refuse a device whose vnode is not on its host node\n"
                 "  --vnode-cpus LIST[;LIST...]|any\n"
                 "                        the host CPUs each vnode's unpinned vCPUs run on (one\n"
                 "                        list for every vnode, or one per vnode; any: no\n"
                 "                        affinity); default: the housekeeping CPUs of the\n"
                 "                        vnode's host node that pinned vCPUs leave\n"
                 "  --emulator-cpus LIST|auto|none\n"
                 "                        the host CPUs of the VMM's own threads (libvirt's\n"
                 "                        <emulatorpin>); auto: the housekeeping CPUs of the\n"
                 "                        guest's host nodes not pinned to vCPUs (the default\n"
                 "                        when vCPUs are pinned)\n");
}

/* The option's name as the user wrote it, for messages. */
static const char *option_name(const struct option *longopts, int opt)
{
    for (const struct option *o = longopts; o->name; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

int cli_plan_getopt(const char *cmd, int argc, char **argv, const struct option *longopts,
                    struct cli_host_opts *ho, struct vt_request *r, int *rc)
{
    struct vt_err err;
    int opt, applied;

    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
        if (opt == OPT_PLAN_DIR) {
            ho->plan_dir = optarg;
            continue;
        }
        if (opt == OPT_ANY_HOST) {
            ho->any_host = true;
            continue;
        }
        if (cli_host_opt(ho, opt, optarg)) {
            if (!ho->planning_option)
                ho->planning_option = option_name(longopts, opt);
            continue;
        }
        if ((applied = cli_plan_opt(r, opt, optarg, &err)) < 0) {
            *rc = cli_fail(cmd, &err);
            return CLI_OPT_FAILED;
        }
        if (applied == 1)
            return opt;
        ho->given |= 1ull << (opt - OPT_VCPUS);
        if (!ho->planning_option)
            ho->planning_option = option_name(longopts, opt);
    }
    return -1;
}

/* A plan made on a live host (sysfs /) names that machine's nodes and CPUs:
 * used on another machine, it is refused unless --any-host. */
static int same_live_host(const char *cmd, const struct cli_host_opts *ho,
                          const struct vt_host *planned)
{
    struct vt_host_source live = {.kind = VT_HOST_SYSFS}; /* as vtopo plan reads it */
    char want[VT_HOST_FINGERPRINT_LEN + 1], have[VT_HOST_FINGERPRINT_LEN + 1];
    struct vt_host *h = NULL;
    struct vt_err err;
    int rc = VT_EXIT_OK;

    if (ho->any_host || strcmp(vt_host_description(planned), "sysfs /") != 0)
        return VT_EXIT_OK;
    if (vt_host_fingerprint(planned, want, &err) < 0 || vt_host_load(&live, &h, &err) < 0 ||
        vt_host_fingerprint(h, have, &err) < 0)
        rc = cli_fail(cmd, &err);
    else if (strcmp(want, have) != 0)
        rc = cli_usage_error(cmd,
                             "--plan %s was planned on a live host (fingerprint %s) that is not "
                             "this machine (%s): its host nodes and pinned CPUs are the other's; "
                             "give --any-host to use it here anyway",
                             ho->plan_dir, want, have);
    vt_host_free(h);
    return rc;
}

bool cli_plan_given(const struct cli_host_opts *ho, int opt)
{
    return opt >= OPT_VCPUS && opt < OPT_PLAN_LAST && (ho->given >> (opt - OPT_VCPUS) & 1);
}

int cli_plan_layout(const char *cmd, const struct cli_host_opts *ho, const struct vt_request *r,
                    struct vt_host **h, struct vt_layout **l)
{
    struct vt_err err;
    int rc;

    if (ho->plan_dir) {
        if (ho->planning_option)
            return cli_usage_error(cmd,
                                   "--plan %s carries its host and its request: give no --%s "
                                   "(or plan again with it)",
                                   ho->plan_dir, ho->planning_option);
        if (vt_plan_dir_load(ho->plan_dir, cli_field_flags, h, l, &err) < 0)
            return cli_fail(cmd, &err);
        if ((rc = same_live_host(cmd, ho, *h)) != VT_EXIT_OK)
            return rc;
    } else {
        if ((rc = cli_load_host(cmd, ho, h)) != VT_EXIT_OK)
            return rc;
        if (vt_plan(*h, r, l, &err) < 0)
            return cli_fail(cmd, &err);
    }
    if (!ho->quiet)
        for (size_t i = 0; i < vt_layout_warning_count(*l); i++)
            fprintf(stderr, "vtopo %s: warning: %s\n", cmd, vt_layout_warning(*l, i));
    return VT_EXIT_OK;
}

int cli_replan_device(const char *cmd, const struct vt_host *h, const struct vt_layout *l,
                      const char *add, const char *remove, bool quiet, struct vt_layout **out)
{
    struct vt_request *r = NULL;
    struct vt_layout *n = NULL;
    struct vt_err err;
    int rc;

    if (add) {
        struct vt_device_request d;
        char bdf[VT_DEVICE_SPEC_MAX];

        rc = vt_device_request_parse(vt_layout_request(l), add, &d, bdf, &err);
        if (rc == 0)
            rc = vt_layout_request_with_device(l, h, &d, &r, &err);
    } else {
        rc = vt_layout_request_without_device(l, remove, &r, &err);
    }
    if (rc == 0) {
        vt_request_name_fields(r, cli_field_flags);
        rc = vt_plan(h, r, &n, &err);
    }
    vt_request_free(r);
    if (rc < 0)
        return cli_fail(cmd, &err);
    for (size_t i = 0; !quiet && i < vt_layout_warning_count(n); i++)
        fprintf(stderr, "vtopo %s: warning: %s\n", cmd, vt_layout_warning(n, i));
    *out = n;
    return VT_EXIT_OK;
}
