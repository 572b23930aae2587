/*
 * What a VMM does with libvtopo, through its public API only: it already has
 * its guest's configuration as numbers (6 vCPUs, 4 on the first guest node
 * and 2 on the second, 3 GiB and 1 GiB of memory on them, host nodes 1 and
 * 0), so it fills a request with arrays, plans the guest on the host, writes
 * the guest's ACPI tables and E820 map as one plan directory, and takes the
 * QEMU arguments that pass those tables. Errors name the request fields
 * (vcpu_vnodes, vnode_memory, ...), which a VMM maps to its own
 * configuration keys with vt_request_name_fields.
 *
 *   embed OUTDIR [SYNTHETIC_HOST_SPEC [wrong-total]]
 *
 * wrong-total asks for 2 GiB more memory than the nodes hold, to show the
 * refusal in the VMM's own words.
 * Prints the QEMU arguments, one per line; warnings go to stderr. Built and
 * run by `make check` (examples/embed/test_embed.sh).
 */
#include <stdio.h>
#include <stdlib.h>

#include <vtopo/vtopo.h>

/* The VMM's own configuration, as it would hold it. */
static const int vcpu_node[] = {0, 0, 0, 0, 1, 1};
static const uint64_t node_memory[] = {UINT64_C(3) << 30, UINT64_C(1) << 30};
static const unsigned node_host_node[] = {1, 0};

/* How this VMM's configuration names the request's fields in messages. */
static const char *const config_keys[VT_FIELD_COUNT] = {
    [VT_FIELD_VCPUS] = "cpus.boot",
    [VT_FIELD_MEMORY] = "memory.size",
    [VT_FIELD_VCPU_VNODES] = "numa.cpu_node",
    [VT_FIELD_VNODE_MEMORY] = "numa.memory",
    [VT_FIELD_VNODE_PNODES] = "numa.host_node",
    /* The others keep their field names. */
};

static int fail(const char *what, const struct vt_err *err)
{
    fprintf(stderr, "embed: %s: %s\n", what, err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    struct vt_host_source src = {.kind = VT_HOST_SYNTHETIC,
                                 .arg = argc > 2 ? argv[2] : "sockets=2,cores=8,threads=2,mem=32G",
                                 .skip_acpi = true};
    /* QEMU passes our tables (SRAT, SLIT and HMAT) from the plan directory. */
    struct vt_qemu_opts qemu = {.numa = VT_QEMU_NUMA_ACPI, .hmat = true};
    struct vt_strlist args = {0}, warnings = {0};
    struct vt_host *host = NULL;
    struct vt_request *r = NULL;
    struct vt_layout *l = NULL;
    uint64_t total = node_memory[0] + node_memory[1];
    struct vt_err err;
    int rc = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: embed OUTDIR [SYNTHETIC_HOST_SPEC [wrong-total]]\n");
        return 2;
    }
    qemu.tables_dir = argv[1];
    if (argc > 3)
        total += UINT64_C(2) << 30;
    if (vt_host_load(&src, &host, &err) < 0)
        return fail("host", &err);
    if (!(r = vt_request_new())) {
        fprintf(stderr, "embed: out of memory\n");
        goto out;
    }
    vt_request_name_fields(r, config_keys);
    if (vt_request_set_vcpus(r, 6, &err) < 0 || vt_request_set_memory(r, total, &err) < 0 ||
        vt_request_set_vcpu_vnodes(r, vcpu_node, 6, &err) < 0 ||
        vt_request_set_vnode_memory(r, node_memory, 2, &err) < 0 ||
        vt_request_set_vnode_pnodes(r, node_host_node, 2, &err) < 0 ||
        vt_request_set_mem_layout(r, VT_MEM_QEMU_Q35, NULL, &err) < 0) {
        rc = fail("request", &err);
        goto out;
    }
    if (vt_plan(host, r, &l, &err) < 0) {
        rc = fail("plan", &err);
        goto out;
    }
    for (size_t i = 0; i < vt_layout_warning_count(l); i++)
        fprintf(stderr, "embed: warning: %s\n", vt_layout_warning(l, i));
    /* The tables QEMU will pass, then the arguments that pass them. */
    if (vt_layout_write_dir(l, host, argv[1], &err) < 0) {
        rc = fail(argv[1], &err);
        goto out;
    }
    if (vt_emit_qemu(l, &qemu, &args, &warnings, &err) < 0) {
        rc = fail("qemu", &err);
        goto out;
    }
    for (size_t i = 0; i < warnings.count; i++)
        fprintf(stderr, "embed: warning: %s\n", warnings.items[i]);
    for (size_t i = 0; i < args.count; i++)
        printf("%s\n", args.items[i]);
    for (size_t v = 0; v < vt_layout_vnode_count(l); v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        fprintf(stderr, "embed: vnode %zu: guest_pxm %u, linux_node %d, pnode %d\n", v,
                vn->guest_pxm, vn->linux_node, vn->pnode);
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
out:
    vt_strlist_free(&args);
    vt_strlist_free(&warnings);
    vt_layout_free(l);
    vt_request_free(r);
    vt_host_free(host);
    return rc;
}
