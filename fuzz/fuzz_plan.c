/* Fuzz target: vt_plan on a synthetic host, the path `vtopo plan` takes, with
 * every request option (the CLI's own inputs reach no other fuzz target:
 * --mem-layout host once leaked here). The input is a synthetic host spec on
 * the first line, then "option=value" lines: vcpus, memory (MiB), vnodes,
 * max-vcpus as numbers, the others as the text setters take it
 * (docs/plan-format.md), mem-layout without e820: (no files here).
 * Invariants: a failure carries a sentence; a plan has 1..VT_MAX_VNODES
 * vnodes and every vCPU in one of them; every empty vnode is warned about;
 * its four ACPI tables are made (or refused with a sentence) and `vtopo
 * check` takes them as tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "vtopo/acpi.h"
#include "vtopo/check.h"
#include "vtopo/host.h"
#include "vtopo/layout.h"

/* Cap the plan's size so one input stays fast. */
#define FUZZ_MAX_VCPUS 512

static int apply(struct vt_request *r, const char *key, const char *v, struct vt_err *err)
{
    unsigned long n = strtoul(v, NULL, 10);

    if (!strcmp(key, "vcpus"))
        return vt_request_set_vcpus(r, n > FUZZ_MAX_VCPUS ? FUZZ_MAX_VCPUS : (unsigned)n, err);
    if (!strcmp(key, "max-vcpus"))
        return vt_request_set_max_vcpus(r, n > FUZZ_MAX_VCPUS ? FUZZ_MAX_VCPUS : (unsigned)n, err);
    if (!strcmp(key, "memory"))
        return vt_request_set_memory(r, (uint64_t)(n % (1u << 20)) << 20, err);
    if (!strcmp(key, "vnodes"))
        return vt_request_set_vnodes(r, (unsigned)(n % 2048), err);
    if (!strcmp(key, "vcpu-nodes"))
        return vt_request_parse_vcpu_vnodes(r, v, err);
    if (!strcmp(key, "pin"))
        return vt_request_parse_pins(r, v, err);
    if (!strcmp(key, "pin-identity"))
        return vt_request_set_pin_identity(r, err);
    if (!strcmp(key, "vnode-pnodes"))
        return vt_request_parse_vnode_pnodes(r, v, err);
    if (!strcmp(key, "vnode-memory"))
        return vt_request_parse_vnode_memory(r, v, err);
    if (!strcmp(key, "shape"))
        return vt_request_parse_shape(r, v, err);
    if (!strcmp(key, "vendor"))
        return vt_request_parse_vendor(r, v, err);
    if (!strcmp(key, "apic"))
        return vt_request_parse_apic(r, v, err);
    if (!strcmp(key, "mem-layout") && strncmp(v, "e820:", 5) != 0)
        return vt_request_parse_mem_layout(r, v, err);
    if (!strcmp(key, "guest-pxms"))
        return vt_request_parse_guest_pxms(r, v, err);
    if (!strcmp(key, "distances"))
        return vt_request_parse_distances(r, v, err);
    if (!strcmp(key, "hmat-latency"))
        return vt_request_parse_hmat_latency(r, v, err);
    if (!strcmp(key, "hmat-bandwidth"))
        return vt_request_parse_hmat_bandwidth(r, v, err);
    if (!strcmp(key, "initiator"))
        return vt_request_parse_initiators(r, v, err);
    if (!strcmp(key, "hotplug-memory"))
        return vt_request_parse_hotplug_memory(r, v, err);
    if (!strcmp(key, "allow-package-span"))
        vt_request_allow_package_span(r, true);
    return 0;
}

static void check_plan(const struct vt_layout *l)
{
    size_t nv = vt_layout_vnode_count(l), empty = 0, warned = 0;
    int (*const emit[4])(const struct vt_layout *, const struct vt_acpi_options *, uint8_t **,
                         size_t *, struct vt_err *) = {vt_acpi_srat, vt_acpi_slit, vt_acpi_madt,
                                                       vt_acpi_hmat};
    uint8_t *t[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0};
    struct vt_err err;

    FUZZ_CHECK(nv >= 1 && nv <= VT_MAX_VNODES, "%zu vnodes", nv);
    for (size_t i = 0; i < vt_layout_vcpu_count(l); i++)
        FUZZ_CHECK(vt_layout_vcpu(l, i)->vnode < nv, "vCPU %zu in vnode %u", i,
                   vt_layout_vcpu(l, i)->vnode);
    for (size_t v = 0; v < nv; v++) {
        const struct vt_vnode *vn = vt_layout_vnode(l, v);

        empty += vt_bitmap_iszero(vn->vcpus) && vt_bitmap_iszero(vn->hotplug_vcpus) &&
                 !vn->memory_bytes && !vn->hotplug_memory_bytes && !vn->ninitiators;
    }
    for (size_t i = 0; i < vt_layout_warning_count(l); i++)
        warned += strstr(vt_layout_warning(l, i), " is empty (") != NULL;
    FUZZ_CHECK(warned == empty, "%zu empty vnodes, %zu warned", empty, warned);
    for (int k = 0; k < 4; k++) {
        vt_err_clear(&err);
        fuzz_check_err(emit[k](l, NULL, &t[k], &len[k], &err), &err);
    }
    if (t[0] && t[1] && t[2] && t[3]) {
        struct vt_check_input in = {.srat = t[0],
                                    .slit = t[1],
                                    .madt = t[2],
                                    .hmat = t[3],
                                    .srat_len = len[0],
                                    .slit_len = len[1],
                                    .madt_len = len[2],
                                    .hmat_len = len[3]};
        struct vt_check *c = NULL;
        int rc;

        vt_err_clear(&err);
        rc = vt_check_run(&in, &c, &err);
        FUZZ_CHECK(rc == 0, "vtopo check refuses the plan's tables: %s", err.msg);
        vt_check_free(c);
    }
    for (int k = 0; k < 4; k++)
        free(t[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size), *save = NULL, *line;
    struct vt_host_source src = {VT_HOST_SYNTHETIC, NULL, NULL};
    struct vt_request *r = vt_request_new();
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    struct vt_err err;
    int rc = 0;

    if (!r)
        abort();
    line = strtok_r(text, "\n", &save);
    /* Hosts of at most a few nodes: vt_host_load has its own target. */
    src.arg = line && strlen(line) < 200 ? line : "sockets=2,cores=4";
    vt_err_clear(&err);
    if ((rc = vt_host_load(&src, &h, &err)) < 0) {
        fuzz_check_err(rc, &err);
        goto out;
    }
    if (vt_host_node_count(h) > 64)
        goto out;
    while (rc == 0 && (line = strtok_r(NULL, "\n", &save))) {
        char *eq = strchr(line, '=');

        vt_err_clear(&err);
        if (eq)
            *eq = '\0';
        rc = apply(r, line, eq ? eq + 1 : "", &err);
        fuzz_check_err(rc, &err);
    }
    if (rc == 0) {
        vt_err_clear(&err);
        rc = vt_plan(h, r, &l, &err);
        fuzz_check_err(rc, &err);
        if (rc == 0)
            check_plan(l);
    }
out:
    vt_layout_free(l);
    vt_host_free(h);
    vt_request_free(r);
    free(text);
    return 0;
}
