/* Fuzz target: the vt_request_parse_* option parsers that take text
 * (--vcpu-nodes, --pin, --vnode-pnodes, --vnode-memory, --shape, --vendor,
 * --apic, --mem-layout, --guest-pxms, --distances, --hmat-latency,
 * --hmat-bandwidth) and the two that add (--initiator, --hotplug-memory).
 * The whole input goes to each setter, each on a fresh request and then once
 * more on the same request (setters replace what an earlier call set; adders
 * add). Invariants: what a setter accepts is in range (vCPUs, vnodes, pCPUs,
 * pnodes, 2 MiB granules, distinct PXMs, distances 10 on the diagonal and
 * 11-254 elsewhere, HMAT values with a 16-bit base unit, PCI addresses,
 * distinct devices, 128 MiB blocks), has as many entries as the text has
 * items, and a second call with the same text gives the same request — or,
 * for the adders, twice the ranges and, for devices already given, a
 * rejection that leaves the request as it was. */
#include <stdlib.h>
#include <string.h>

#include "model/linux/hmat_unit.h"
#include "fuzz_common.h"
#include "plan/request_internal.h"
#include "vtopo/size.h"

typedef int (*setter)(struct vt_request *r, const char *text, struct vt_err *err);

static size_t count_items(const char *text)
{
    size_t n = 1;

    for (const char *p = text; *p; p++)
        n += *p == ',';
    return n;
}

static void check_vcpu_nodes(const struct vt_request *r)
{
    bool any = false;

    FUZZ_CHECK(r->placement == PLACE_VCPU_NODES && r->nvcpu_vnode >= 1 &&
                   r->nvcpu_vnode <= VT_MAX_VCPUS && r->vcpu_vnode[r->nvcpu_vnode - 1] >= 0,
               "%zu vCPU slots", r->nvcpu_vnode);
    for (size_t v = 0; v < r->nvcpu_vnode; v++) {
        FUZZ_CHECK(r->vcpu_vnode[v] >= -1 && r->vcpu_vnode[v] < VT_MAX_VNODES, "vCPU %zu -> %d", v,
                   r->vcpu_vnode[v]);
        any |= r->vcpu_vnode[v] >= 0;
    }
    FUZZ_CHECK(any, "%s", "no vCPU assigned");
}

static void check_pin(const struct vt_request *r)
{
    FUZZ_CHECK(r->placement == PLACE_PIN && r->nvcpu_pcpu >= 1 && r->nvcpu_pcpu <= VT_MAX_VCPUS &&
                   r->vcpu_pcpu[r->nvcpu_pcpu - 1] >= 0,
               "%zu vCPU slots", r->nvcpu_pcpu);
    for (size_t v = 0; v < r->nvcpu_pcpu; v++)
        FUZZ_CHECK(r->vcpu_pcpu[v] >= -1 && r->vcpu_pcpu[v] <= (int)VT_CPU_ID_MAX,
                   "vCPU %zu -> pCPU %d", v, r->vcpu_pcpu[v]);
}

/* An accepted matrix: a row per ';'-separated piece, every value in its
 * option's range. */
static void check_matrix(const struct request_matrix *m, const char *text, int which)
{
    size_t rows = 1;

    for (const char *p = text; *p; p++)
        rows += *p == ';';
    /* rows x (cols - 1) commas in all. */
    FUZZ_CHECK(m->rows == rows && m->cols >= 1 && m->rows <= VT_MAX_VNODES &&
                   m->cols <= VT_MAX_VNODES && count_items(text) == m->rows * (m->cols - 1) + 1,
               "%zux%zu matrix from %zu rows", m->rows, m->cols, rows);
    for (size_t i = 0; i < m->rows; i++)
        for (size_t j = 0; j < m->cols; j++) {
            uint32_t v = m->values[i * m->cols + j];

            if (which == 9)
                FUZZ_CHECK(m->rows == m->cols && (i == j ? v == 10 : v >= 11 && v <= 254),
                           "distance %zu->%zu is %u", i, j, v);
            else
                FUZZ_CHECK(v >= 1 && (which == 11 || v <= VT_HMAT_VALUE_MAX / 1000),
                           "HMAT value %zu,%zu is %u", i, j, v);
        }
    if (which != 9)
        FUZZ_CHECK(hmat_entry_unit(m->values, m->rows * m->cols, NULL, NULL) != 0, "%s",
                   "an HMAT matrix without a base unit was accepted");
}

static void check_accepted(int which, const struct vt_request *r, const char *text)
{
    switch (which) {
    case 0:
        check_vcpu_nodes(r);
        break;
    case 1:
        check_pin(r);
        break;
    case 2:
        FUZZ_CHECK(r->nvnode_pnode == count_items(text) && r->nvnode_pnode <= VT_MAX_VNODES,
                   "%zu pnodes from '%s'", r->nvnode_pnode, text);
        for (size_t i = 0; i < r->nvnode_pnode; i++)
            FUZZ_CHECK(r->vnode_pnode[i] >= 0 && r->vnode_pnode[i] <= (int)VT_NODE_ID_MAX,
                       "pnode %d", r->vnode_pnode[i]);
        break;
    case 3: {
        char *copy = strdup(text), *save = NULL, *tok;
        size_t i = 0;

        FUZZ_CHECK(copy && r->nvnode_memory == count_items(text) &&
                       r->nvnode_memory <= VT_MAX_VNODES,
                   "%zu sizes from '%s'", r->nvnode_memory, text);
        for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), i++) {
            uint64_t bytes = 0;

            FUZZ_CHECK(vt_size_parse(tok, &bytes, NULL) == 0 && bytes == r->vnode_memory[i] &&
                           bytes % VT_MEM_GRANULE == 0,
                       "entry %zu '%s' is %llu bytes", i, tok,
                       (unsigned long long)r->vnode_memory[i]);
        }
        FUZZ_CHECK(i == r->nvnode_memory, "%zu pieces, %zu entries", i, r->nvnode_memory);
        free(copy);
        break;
    }
    case 4: {
        const unsigned f[] = {r->shape.sockets, r->shape.dies, r->shape.cores, r->shape.threads};

        FUZZ_CHECK(r->have_shape, "%s", "shape accepted but not recorded");
        for (size_t i = 0; i < 4; i++)
            FUZZ_CHECK(f[i] <= VT_MAX_VCPUS, "shape field %zu is %u", i, f[i]);
        break;
    }
    case 5:
        FUZZ_CHECK(strcmp(text, "intel") == 0 || strcmp(text, "amd") == 0, "vendor '%s'", text);
        break;
    case 6:
        FUZZ_CHECK(strcmp(text, "sdm") == 0 || strcmp(text, "xen") == 0 ||
                       strcmp(text, "legacy") == 0,
                   "apic '%s'", text);
        break;
    case 7:
        if (r->mem_layout == VT_MEM_E820)
            FUZZ_CHECK(strncmp(text, "e820:", 5) == 0 && r->e820_path &&
                           strcmp(r->e820_path, text + 5) == 0 && r->e820_path[0],
                       "e820 path '%s' from '%s'", r->e820_path ? r->e820_path : "(null)", text);
        else
            FUZZ_CHECK(r->e820_path == NULL && strncmp(text, "e820:", 5) != 0, "layout '%s'", text);
        break;
    case 8:
        FUZZ_CHECK(r->nvnode_guest_pxm == count_items(text) && r->nvnode_guest_pxm <= VT_MAX_VNODES,
                   "%zu PXMs from '%s'", r->nvnode_guest_pxm, text);
        for (size_t i = 0; i < r->nvnode_guest_pxm; i++)
            for (size_t k = 0; k < i; k++)
                FUZZ_CHECK(r->vnode_guest_pxm[i] != r->vnode_guest_pxm[k], "PXM %u twice",
                           r->vnode_guest_pxm[i]);
        break;
    case 9:
        check_matrix(&r->distances, text, which);
        break;
    case 10:
        check_matrix(&r->hmat_latency, text, which);
        break;
    case 11:
        check_matrix(&r->hmat_bandwidth, text, which);
        break;
    }
}

static bool same_matrix(const struct request_matrix *a, const struct request_matrix *b)
{
    return a->rows == b->rows && a->cols == b->cols &&
           (!a->rows || memcmp(a->values, b->values, a->rows * a->cols * sizeof(uint32_t)) == 0);
}

/* The parts of a request the setters write, compared after a second call. */
static bool same_request(const struct vt_request *a, const struct vt_request *b)
{
    return a->placement == b->placement && a->nvcpu_vnode == b->nvcpu_vnode &&
           (!a->nvcpu_vnode ||
            memcmp(a->vcpu_vnode, b->vcpu_vnode, a->nvcpu_vnode * sizeof(int)) == 0) &&
           a->nvcpu_pcpu == b->nvcpu_pcpu &&
           (!a->nvcpu_pcpu ||
            memcmp(a->vcpu_pcpu, b->vcpu_pcpu, a->nvcpu_pcpu * sizeof(int)) == 0) &&
           a->nvnode_pnode == b->nvnode_pnode &&
           (!a->nvnode_pnode ||
            memcmp(a->vnode_pnode, b->vnode_pnode, a->nvnode_pnode * sizeof(int)) == 0) &&
           a->nvnode_memory == b->nvnode_memory &&
           (!a->nvnode_memory ||
            memcmp(a->vnode_memory, b->vnode_memory, a->nvnode_memory * sizeof(uint64_t)) == 0) &&
           a->have_shape == b->have_shape && memcmp(&a->shape, &b->shape, sizeof(a->shape)) == 0 &&
           a->vendor == b->vendor && a->apic == b->apic && a->mem_layout == b->mem_layout &&
           (a->e820_path == NULL) == (b->e820_path == NULL) &&
           (!a->e820_path || strcmp(a->e820_path, b->e820_path) == 0) &&
           a->nvnode_guest_pxm == b->nvnode_guest_pxm &&
           (!a->nvnode_guest_pxm || memcmp(a->vnode_guest_pxm, b->vnode_guest_pxm,
                                           a->nvnode_guest_pxm * sizeof(uint32_t)) == 0) &&
           same_matrix(&a->distances, &b->distances) &&
           same_matrix(&a->hmat_latency, &b->hmat_latency) &&
           same_matrix(&a->hmat_bandwidth, &b->hmat_bandwidth);
}

/* --initiator and --hotplug-memory: accepted entries in range, one per item;
 * a second call adds the ranges again, and rejects the devices (each is
 * given once) without changing the request. */
static void check_adders(const char *text)
{
    struct vt_request *r = vt_request_new();
    struct vt_err err;
    int rc;

    if (!r)
        abort();
    rc = vt_request_parse_initiators(r, text, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0) {
        FUZZ_CHECK(r->ninitiators == count_items(text), "%zu devices from '%s'", r->ninitiators,
                   text);
        for (size_t i = 0; i < r->ninitiators; i++) {
            FUZZ_CHECK(r->initiators[i].vnode < VT_MAX_VNODES, "vnode %u", r->initiators[i].vnode);
            for (size_t k = 0; k < i; k++)
                FUZZ_CHECK(r->initiators[i].segment != r->initiators[k].segment ||
                               r->initiators[i].bus != r->initiators[k].bus ||
                               r->initiators[i].devfn != r->initiators[k].devfn,
                           "device %zu twice", i);
        }
        rc = vt_request_parse_initiators(r, text, &err);
        fuzz_check_err(rc, &err);
        FUZZ_CHECK(rc < 0 && r->ninitiators == count_items(text),
                   "a device given twice was accepted (%zu)", r->ninitiators);
    }
    rc = vt_request_parse_hotplug_memory(r, text, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0) {
        size_t n = r->nhotplug;

        FUZZ_CHECK(n == count_items(text), "%zu ranges from '%s'", n, text);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(r->hotplug[i].bytes && r->hotplug[i].bytes % (UINT64_C(128) << 20) == 0 &&
                           r->hotplug[i].vnode < VT_MAX_VNODES,
                       "range %zu: %llu bytes at vnode %u", i,
                       (unsigned long long)r->hotplug[i].bytes, r->hotplug[i].vnode);
        rc = vt_request_parse_hotplug_memory(r, text, &err);
        FUZZ_CHECK(rc == 0 && r->nhotplug == 2 * n &&
                       memcmp(r->hotplug, r->hotplug + n, n * sizeof(*r->hotplug)) == 0,
                   "a second call gave %zu ranges", r->nhotplug);
    }
    vt_request_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const setter setters[] = {
        vt_request_parse_vcpu_vnodes,  vt_request_parse_pins,
        vt_request_parse_vnode_pnodes, vt_request_parse_vnode_memory,
        vt_request_parse_shape,        vt_request_parse_vendor,
        vt_request_parse_apic,         vt_request_parse_mem_layout,
        vt_request_parse_guest_pxms,   vt_request_parse_distances,
        vt_request_parse_hmat_latency, vt_request_parse_hmat_bandwidth,
    };
    char *text = fuzz_strndup(data, size);

    for (int i = 0; i < (int)(sizeof(setters) / sizeof(setters[0])); i++) {
        struct vt_request *r = vt_request_new(), *once = vt_request_new();
        struct vt_err err;
        int rc, rc2;

        if (!r || !once)
            abort();
        vt_err_clear(&err);
        rc = setters[i](once, text, &err);
        fuzz_check_err(rc, &err);
        if (rc == 0)
            check_accepted(i, once, text);
        rc = setters[i](r, text, &err);
        vt_err_clear(&err);
        rc2 = setters[i](r, text, &err);
        fuzz_check_err(rc2, &err);
        FUZZ_CHECK(rc == rc2, "setter %d: first call %d, second %d (%s)", i, rc, rc2, err.msg);
        if (rc == 0)
            FUZZ_CHECK(same_request(once, r),
                       "setter %d: a second call with '%s' changes the request", i, text);
        vt_request_free(r);
        vt_request_free(once);
    }
    check_adders(text);
    free(text);
    return 0;
}
