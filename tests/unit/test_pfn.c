/* Unit tests: batch frame lookup (host PFN -> host_pxm, pnode), the
 * semantics of Xen's "PXMs of a batch of machine frames". */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "unit/support.h"
#include "vtopo/host.h"

#define PAGE 4096u

/* A host with three nodes: node 0 (PXM 4) [0, 640K) and [1M, 3G); node 2
 * (PXM unknown) [4G, 6G); node 5 (PXM 9) [6G, 8G) and [16G, 16G+4K). */
static const char host_json[] =
    "{\"format\": \"vtopo-host\", \"version\": 1,\n"
    " \"cpus\": {\"online\": \"0-2\"},\n"
    " \"nodes\": [\n"
    "  {\"pnode\": 0, \"host_pxm\": 4, \"cpus\": \"0\", \"memory_bytes\": 3220570112,\n"
    "   \"memory_ranges\": [{\"start\": \"0x100000\", \"end\": \"0xc0000000\"},\n"
    "                       {\"start\": \"0x0\", \"end\": \"0xa0000\"}]},\n"
    "  {\"pnode\": 2, \"host_pxm\": null, \"cpus\": \"1\", \"memory_bytes\": 2147483648,\n"
    "   \"memory_ranges\": [{\"start\": \"0x100000000\", \"end\": \"0x180000000\"}]},\n"
    "  {\"pnode\": 5, \"host_pxm\": 9, \"cpus\": \"2\", \"memory_bytes\": 2147487744,\n"
    "   \"memory_ranges\": [{\"start\": \"0x180000000\", \"end\": \"0x200000000\"},\n"
    "                       {\"start\": \"0x400000000\", \"end\": \"0x400001000\"}]}\n"
    " ]}\n";

static struct vt_host *load_json(const char *json)
{
    char *dir = t_mkdtemp();
    char path[256];
    struct vt_host_source src = {VT_HOST_FILE, path, NULL};
    struct vt_host *h = NULL;
    struct vt_err err;

    if (!dir)
        fail_msg("cannot create a temporary directory");
    snprintf(path, sizeof(path), "%s/host.json", dir ? dir : "");
    assert_int_equal(t_write(dir, "host.json", json, -1), 0);
    if (vt_host_load(&src, &h, &err) != 0)
        fail_msg("%s", err.msg);
    t_rmtree(dir);
    return h;
}

static void test_boundaries(void **state)
{
    struct vt_host *h = load_json(host_json);
    const uint64_t pfns[] = {
        0,                       /* first frame of node 0 */
        0x9f,                    /* last frame below 640K */
        0xa0,                    /* hole 640K..1M */
        0xff,                    /* hole */
        0x100,                   /* 1M: node 0 again */
        0xbffff,                 /* last frame below 3G */
        0xc0000,                 /* 3G: hole below 4G */
        0x100000,                /* 4G: node 2 (PXM unknown) */
        0x17ffff,                /* last frame of node 2 */
        0x180000,                /* adjacent range of node 5 */
        0x1fffff,                /* last frame of node 5's first range */
        0x200000,                /* 8G: nothing */
        0x400000,                /* the single 4K frame of node 5 */
        0x400001,                /* just past it */
        UINT64_MAX,              /* frame number beyond any address */
        (UINT64_C(1) << 52),     /* 2^64 bytes: beyond */
        (UINT64_C(1) << 52) - 1, /* highest addressable frame */
    };
    const uint32_t want_pxm[] = {4,
                                 4,
                                 VT_PXM_INVALID,
                                 VT_PXM_INVALID,
                                 4,
                                 4,
                                 VT_PXM_INVALID,
                                 VT_PXM_UNKNOWN,
                                 VT_PXM_UNKNOWN,
                                 9,
                                 9,
                                 VT_PXM_INVALID,
                                 9,
                                 VT_PXM_INVALID,
                                 VT_PXM_INVALID,
                                 VT_PXM_INVALID,
                                 VT_PXM_INVALID};
    const int want_node[] = {0, 0, -1, -1, 0, 0, -1, 2, 2, 5, 5, -1, 5, -1, -1, -1, -1};
    size_t n = sizeof(pfns) / sizeof(pfns[0]);
    uint32_t pxms[sizeof(pfns) / sizeof(pfns[0])];
    int nodes[sizeof(pfns) / sizeof(pfns[0])];
    long found;

    (void)state;
    found = vt_host_pfn_lookup(h, pfns, n, pxms, nodes);
    for (size_t i = 0; i < n; i++)
        if (pxms[i] != want_pxm[i] || nodes[i] != want_node[i])
            fail_msg("pfn %#" PRIx64 ": got pxm %#x node %d, want pxm %#x node %d", pfns[i],
                     pxms[i], nodes[i], want_pxm[i], want_node[i]);
    assert_int_equal(found, 9);
    /* pnodes is optional; n == 0 is fine; NULL arrays with n > 0 are not. */
    assert_int_equal(vt_host_pfn_lookup(h, pfns, n, pxms, NULL), 9);
    assert_int_equal(vt_host_pfn_lookup(h, NULL, 0, NULL, NULL), 0);
    assert_int_equal(vt_host_pfn_lookup(h, NULL, 1, pxms, NULL), -EINVAL);
    assert_int_equal(vt_host_pfn_lookup(h, pfns, 1, NULL, NULL), -EINVAL);
    vt_host_free(h);
}

struct range {
    uint64_t start, end;
    uint32_t pxm;
    int pnode;
};

/* Property: against a linear scan, over random hosts and random frames. */
static void test_random_vs_linear(void **state)
{
    unsigned seed = t_seed("test_random_vs_linear");

    (void)state;
    for (int iter = 0; iter < 40; iter++) {
        size_t nnodes = 1 + (size_t)rand() % 6, nr = 0, cap = 4096, len = 0;
        struct range *r = calloc(64, sizeof(*r));
        char *json = malloc(cap * 16);
        uint64_t addr = (uint64_t)(rand() % 4) * PAGE;
        struct vt_host *h;

        assert_non_null(r);
        assert_non_null(json);
        len += (size_t)sprintf(json + len,
                               "{\"format\":\"vtopo-host\",\"version\":1,"
                               "\"cpus\":{\"online\":\"0-%zu\"},\"nodes\":[",
                               nnodes - 1);
        for (size_t n = 0; n < nnodes; n++) {
            size_t k = (size_t)rand() % 8;

            len += (size_t)sprintf(json + len,
                                   "%s{\"pnode\":%zu,\"host_pxm\":%zu,\"cpus\":\"%zu\","
                                   "\"memory_bytes\":1,\"memory_ranges\":[",
                                   n ? "," : "", n * 3, n + 100, n);
            for (size_t i = 0; i < k; i++) {
                uint64_t gap = (uint64_t)(rand() % 3) * PAGE * (uint64_t)(1 + rand() % 100);
                uint64_t size = PAGE * (uint64_t)(1 + rand() % 5000);

                addr += gap;
                r[nr].start = addr;
                r[nr].end = addr + size;
                r[nr].pxm = (uint32_t)(n + 100);
                r[nr].pnode = (int)(n * 3);
                len += (size_t)sprintf(json + len,
                                       "%s{\"start\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\"}",
                                       i ? "," : "", r[nr].start, r[nr].end);
                addr += size;
                nr++;
            }
            len += (size_t)sprintf(json + len, "]}");
        }
        sprintf(json + len, "]}");
        h = load_json(json);
        for (int q = 0; q < 2000; q++) {
            uint64_t pfn = (uint64_t)rand() % (addr / PAGE + 10);
            uint32_t pxm, want_pxm = VT_PXM_INVALID;
            int pnode, want_node = -1;

            for (size_t i = 0; i < nr; i++)
                if (pfn * PAGE >= r[i].start && pfn * PAGE < r[i].end) {
                    want_pxm = r[i].pxm;
                    want_node = r[i].pnode;
                }
            vt_host_pfn_lookup(h, &pfn, 1, &pxm, &pnode);
            if (pxm != want_pxm || pnode != want_node)
                fail_msg("seed %u iter %d pfn %#" PRIx64 ": got %u/%d want %u/%d", seed, iter, pfn,
                         pxm, pnode, want_pxm, want_node);
        }
        vt_host_free(h);
        free(json);
        free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_random_vs_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
