/* Host source: a synthetic host from a one-line spec such as
 * "sockets=2,nodes-per-socket=2,cores=12,threads=2,mem=256G,distances=10:12:32"
 * (grammar in docs/synthetic-hosts.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_internal.h"
#include "util/parse.h"
#include "vtopo/size.h"

#define MIB (UINT64_C(1) << 20)

struct spec {
    uint64_t sockets, nps, cores, threads, mem, free_mem;
    bool have_cores, have_mem, have_free, smt_last, llc_node;
    /* hugepages=: each node's pools, all free (HUGEPAGE_SIZES at most) */
    uint64_t hp_size[8], hp_count[8];
    size_t nhp;
    char *devices; /* devices=: parsed once the nodes exist */
    int vendor;    /* enum vt_host_cpu_vendor */
    uint32_t dist_local, dist_socket, dist_remote;
    struct vt_bitmap *node_ids, *isolated, *nohz_full, *offline;
    uint32_t *pxms;
    size_t npxms;
};

static const char known_keys[] = "sockets, nodes-per-socket, cores, threads, mem, distances, "
                                 "node-ids, pxms, isolated, nohz-full, offline, cpu-numbering, "
                                 "vendor, llc, devices, free, hugepages";

__attribute__((format(printf, 2, 3))) static int spec_err(struct vt_err *err, const char *fmt, ...)
{
    char m[VT_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    return vt_err_set(err, -EINVAL, "synthetic spec: %s", m);
}

static int get_count(const char *key, const char *val, uint64_t max, uint64_t *out,
                     struct vt_err *err)
{
    char lim[32];

    snprintf(lim, sizeof(lim), "%llu", (unsigned long long)max);
    if (parse_u64_base(val, 10, out) < 0 || *out < 1 || *out > max)
        return vt_err_set(err, -EINVAL,
                          "synthetic spec: %s=%s: must be a whole number from 1 to %s", key, val,
                          lim);
    return 0;
}

static int get_distances(const char *val, struct spec *sp, struct vt_err *err)
{
    uint64_t v[3];
    int n = 0;
    const char *p = val;

    while (n < 3) {
        char num[16];
        size_t len = strcspn(p, ":");

        if (len == 0 || len >= sizeof(num))
            return spec_err(err, "distances=%s: expected LOCAL:REMOTE or LOCAL:SOCKET:REMOTE", val);
        memcpy(num, p, len);
        num[len] = '\0';
        if (parse_u64_base(num, 10, &v[n]) < 0 || v[n] < 1 || v[n] > 254)
            return spec_err(err, "distances=%s: '%s' is not a distance from 1 to 254", val, num);
        n++;
        p += len;
        if (*p != ':')
            break;
        p++;
    }
    if (*p || n < 2)
        return spec_err(err, "distances=%s: expected LOCAL:REMOTE or LOCAL:SOCKET:REMOTE", val);
    sp->dist_local = (uint32_t)v[0];
    sp->dist_socket = (uint32_t)v[1];
    sp->dist_remote = (uint32_t)v[n - 1];
    if (sp->dist_socket <= sp->dist_local || sp->dist_remote <= sp->dist_local)
        return spec_err(err, "distances=%s: remote distances must be above the local one", val);
    return 0;
}

static int get_list_value(const char *key, const char *val, unsigned max_id, struct vt_bitmap **b,
                          struct vt_err *err)
{
    int rc;

    vt_bitmap_free(*b);
    if (!(*b = vt_bitmap_new()))
        return vt_err_set(err, -ENOMEM, "out of memory");
    rc = vt_bitmap_parse_list(*b, val, max_id, err);
    if (rc < 0)
        vt_err_prefix(err, "synthetic spec: %s=: ", key);
    return rc;
}

/* pxms=0,1,4,5: one per node, in node order, any order of values but unique. */
static int get_pxms(const char *val, struct spec *sp, struct vt_err *err)
{
    char *copy = strdup(val), *save = NULL, *tok;
    size_t n = 0;
    int rc = 0;

    free(sp->pxms);
    sp->pxms = calloc(strlen(val) / 2 + 1, sizeof(*sp->pxms));
    if (!copy || !sp->pxms) {
        free(copy);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;

        if (parse_u64_base(tok, 10, &v) < 0 || v >= VT_PXM_INVALID) {
            rc = spec_err(err, "pxms=%s: '%s' is not a proximity domain number", val, tok);
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (sp->pxms[i] == v) {
                rc = spec_err(err, "pxms=%s: proximity domain %s appears twice", val, tok);
                break;
            }
        if (rc < 0)
            break;
        sp->pxms[n++] = (uint32_t)v;
    }
    sp->npxms = n;
    free(copy);
    return rc;
}

/* hugepages=2M:512+1G:4: each node's pool of each page size (all free). */
static int get_hugepages(const char *val, struct spec *sp, struct vt_err *err)
{
    const char *p = val;

    sp->nhp = 0;
    while (*p) {
        size_t n = strcspn(p, "+");
        char tok[64], *colon;
        uint64_t size, count;

        if (n == 0 || n >= sizeof(tok))
            return spec_err(err, "hugepages=%s: expected SIZE:COUNT[+SIZE:COUNT...]", val);
        memcpy(tok, p, n);
        tok[n] = '\0';
        if (!(colon = strchr(tok, ':')))
            return spec_err(err, "hugepages=%s: '%s' is not SIZE:COUNT", val, tok);
        *colon = '\0';
        if (vt_size_parse_unit(tok, &size, NULL) < 0 || size < 4096 || (size & (size - 1)))
            return spec_err(err,
                            "hugepages=%s: '%s' is not a page size (a power of two, 4K or more)",
                            val, tok);
        if (parse_u64_base(colon + 1, 10, &count) < 0 || count > (UINT64_C(1) << 32))
            return spec_err(err, "hugepages=%s: '%s' is not a count of pages (0 to 2^32)", val,
                            colon + 1);
        for (size_t k = 0; k < sp->nhp; k++)
            if (sp->hp_size[k] == size)
                return spec_err(err, "hugepages=%s: page size %s is given twice", val, tok);
        if (sp->nhp == sizeof(sp->hp_size) / sizeof(sp->hp_size[0]))
            return spec_err(err, "hugepages=%s: more than %zu page sizes", val,
                            sizeof(sp->hp_size) / sizeof(sp->hp_size[0]));
        sp->hp_size[sp->nhp] = size;
        sp->hp_count[sp->nhp++] = count;
        p += n + (p[n] == '+');
    }
    return 0;
}

static int set_key(struct spec *sp, const char *key, const char *val, struct vt_err *err)
{
    if (strcmp(key, "sockets") == 0)
        return get_count(key, val, 1024, &sp->sockets, err);
    if (strcmp(key, "nodes-per-socket") == 0)
        return get_count(key, val, VT_HOST_MAX_NODES, &sp->nps, err);
    if (strcmp(key, "cores") == 0) {
        sp->have_cores = true;
        return get_count(key, val, VT_CPU_ID_MAX + 1, &sp->cores, err);
    }
    if (strcmp(key, "threads") == 0)
        return get_count(key, val, 16, &sp->threads, err);
    if (strcmp(key, "mem") == 0) {
        int rc = vt_size_parse_unit(val, &sp->mem, err);

        if (rc < 0)
            vt_err_prefix(err, "synthetic spec: mem: ");
        sp->have_mem = true;
        return rc;
    }
    if (strcmp(key, "distances") == 0)
        return get_distances(val, sp, err);
    if (strcmp(key, "node-ids") == 0)
        return get_list_value(key, val, VT_NODE_ID_MAX, &sp->node_ids, err);
    if (strcmp(key, "pxms") == 0)
        return get_pxms(val, sp, err);
    if (strcmp(key, "isolated") == 0)
        return get_list_value(key, val, VT_CPU_ID_MAX, &sp->isolated, err);
    if (strcmp(key, "nohz-full") == 0)
        return get_list_value(key, val, VT_CPU_ID_MAX, &sp->nohz_full, err);
    if (strcmp(key, "offline") == 0)
        return get_list_value(key, val, VT_CPU_ID_MAX, &sp->offline, err);
    if (strcmp(key, "cpu-numbering") == 0) {
        if (strcmp(val, "linear") == 0)
            sp->smt_last = false;
        else if (strcmp(val, "smt-last") == 0)
            sp->smt_last = true;
        else
            return spec_err(err, "cpu-numbering=%s: expected linear or smt-last", val);
        return 0;
    }
    if (strcmp(key, "llc") == 0) {
        if (strcmp(val, "socket") == 0)
            sp->llc_node = false;
        else if (strcmp(val, "node") == 0)
            sp->llc_node = true;
        else
            return spec_err(err, "llc=%s: expected socket or node", val);
        return 0;
    }
    if (strcmp(key, "free") == 0) {
        int rc = vt_size_parse_unit(val, &sp->free_mem, err);

        if (rc < 0)
            vt_err_prefix(err, "synthetic spec: free: ");
        sp->have_free = true;
        return rc;
    }
    if (strcmp(key, "hugepages") == 0)
        return get_hugepages(val, sp, err);
    if (strcmp(key, "devices") == 0) {
        free(sp->devices);
        return (sp->devices = strdup(val)) ? 0 : vt_err_set(err, -ENOMEM, "out of memory");
    }
    if (strcmp(key, "vendor") == 0) {
        if ((sp->vendor = host_cpu_vendor_of_name(val)) < 0)
            return spec_err(
                err, "vendor=%s: expected intel, amd, x86, arm, power, other or unknown", val);
        return 0;
    }
    return spec_err(err, "unknown key '%s' (known: %s)", key, known_keys);
}

/* Split "k=v,k=v": a comma-separated piece without '=' continues the previous
 * value, so lists read naturally: "isolated=2-3,6-7,mem=8G". */
static int parse_spec(const char *text, struct spec *sp, struct vt_err *err)
{
    char *copy = strdup(text), *p, *key = NULL, *val = NULL;
    char seen[32][24];
    size_t nseen = 0;
    int rc = 0;

    if (!copy)
        return vt_err_set(err, -ENOMEM, "out of memory");
    if (!*copy) {
        free(copy);
        return vt_err_set(err, -EINVAL, "synthetic spec is empty (expected key=value,...)");
    }
    p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        char *eq;

        if (comma)
            *comma = '\0';
        eq = strchr(p, '=');
        if (eq) {
            if (key) {
                if ((rc = set_key(sp, key, val, err)) < 0)
                    break;
            }
            *eq = '\0';
            key = p;
            val = eq + 1;
            if (!*key) {
                rc = spec_err(err, "'=%s' has no key", val);
                break;
            }
            for (size_t i = 0; i < nseen; i++)
                if (strcmp(seen[i], key) == 0) {
                    rc = spec_err(err, "key '%s' is given twice", key);
                    break;
                }
            if (rc < 0)
                break;
            if (nseen < 32)
                snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
        } else if (key && *p) {
            /* Continuation: rejoin with the comma we cut. */
            val[strlen(val)] = ',';
        } else {
            rc = spec_err(err, "'%s' is not key=value", p);
            break;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (rc == 0 && key)
        rc = set_key(sp, key, val, err);
    free(copy);
    return rc;
}

/* The spec's sizes: nodes, cores per node, CPUs and memory per node, each
 * within the host model's limits and splitting evenly. */
struct synthetic_sizes {
    uint64_t nodes, cores_per_node, cpus, per_node_mem;
};

static int spec_sizes(struct spec *sp, struct synthetic_sizes *z, struct vt_err *err)
{
    z->nodes = sp->sockets * sp->nps;
    if (z->nodes > VT_HOST_MAX_NODES)
        return vt_err_set(err, -EINVAL, "synthetic spec: %llu nodes exceed the limit of %d",
                          (unsigned long long)z->nodes, VT_HOST_MAX_NODES);
    if (!sp->have_cores)
        sp->cores = 4 * sp->nps;
    if (sp->cores % sp->nps)
        return vt_err_set(err, -EINVAL,
                          "synthetic spec: cores=%llu (per socket) does not split evenly over "
                          "nodes-per-socket=%llu",
                          (unsigned long long)sp->cores, (unsigned long long)sp->nps);
    z->cores_per_node = sp->cores / sp->nps;
    z->cpus = z->nodes * z->cores_per_node * sp->threads;
    if (z->cpus > VT_CPU_ID_MAX + 1)
        return vt_err_set(err, -EINVAL, "synthetic spec: %llu CPUs exceed the limit of %u",
                          (unsigned long long)z->cpus, VT_CPU_ID_MAX + 1);
    if (!sp->have_mem)
        sp->mem = z->nodes * (4ull << 30);
    z->per_node_mem = sp->mem / z->nodes;
    if (sp->mem % z->nodes || z->per_node_mem % MIB || z->per_node_mem == 0) {
        char sz[32];

        vt_size_format(sz, sizeof(sz), sp->mem);
        return vt_err_set(err, -EINVAL,
                          "synthetic spec: mem=%s does not split into %llu nodes of whole MiB", sz,
                          (unsigned long long)z->nodes);
    }
    if (sp->have_free &&
        (sp->free_mem % z->nodes || (sp->free_mem / z->nodes) % MIB || sp->free_mem > sp->mem)) {
        char sz[32];

        vt_size_format(sz, sizeof(sz), sp->free_mem);
        return vt_err_set(err, -EINVAL,
                          "synthetic spec: free=%s does not split into %llu nodes of whole MiB "
                          "within mem",
                          sz, (unsigned long long)z->nodes);
    }
    if (sp->node_ids && vt_bitmap_weight(sp->node_ids) != z->nodes)
        return vt_err_set(err, -EINVAL, "synthetic spec: node-ids lists %u ids for %llu nodes",
                          vt_bitmap_weight(sp->node_ids), (unsigned long long)z->nodes);
    if (sp->pxms && sp->npxms != z->nodes)
        return vt_err_set(err, -EINVAL, "synthetic spec: pxms lists %zu domains for %llu nodes",
                          sp->npxms, (unsigned long long)z->nodes);
    return 0;
}

/* The host's CPU sets: all possible, present and online but the offline
 * ones; isolated and nohz_full as given, each inside the host's CPUs. */
static int spec_cpu_sets(struct vt_host *h, const struct spec *sp, uint64_t cpus,
                         struct vt_err *err)
{
    h->cpus_pub.vendor = (enum vt_host_cpu_vendor)sp->vendor;
    const struct {
        const char *key;
        struct vt_bitmap *set;
    } lists[] = {
        {"isolated", sp->isolated}, {"nohz-full", sp->nohz_full}, {"offline", sp->offline}};

    if (vt_bitmap_set_range(h->cpu_possible, 0, (unsigned)cpus - 1) < 0 ||
        vt_bitmap_set_range(h->cpu_online, 0, (unsigned)cpus - 1) < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < 3; i++)
        if (lists[i].set && vt_bitmap_last(lists[i].set) >= (int)cpus)
            return vt_err_set(
                err, -EINVAL, "synthetic spec: %s= names CPU %d but the host has CPUs 0-%llu",
                lists[i].key, vt_bitmap_last(lists[i].set), (unsigned long long)cpus - 1);
    if (sp->offline)
        vt_bitmap_andnot(h->cpu_online, sp->offline);
    if (vt_bitmap_copy(h->cpu_present, h->cpu_possible) < 0 ||
        (sp->isolated && vt_bitmap_copy(h->cpu_isolated, sp->isolated) < 0) ||
        (sp->nohz_full && vt_bitmap_copy(h->cpu_nohz_full, sp->nohz_full) < 0))
        return vt_err_set(err, -ENOMEM, "out of memory");
    return 0;
}

/* The CPUs of core c of node i (thread t is CPU cpu_of(t)). */
static uint64_t spec_cpu(const struct spec *sp, const struct synthetic_sizes *z, uint64_t i,
                         uint64_t c, uint64_t t)
{
    uint64_t core = i * z->cores_per_node + c;

    return sp->smt_last ? t * (z->nodes * z->cores_per_node) + core : core * sp->threads + t;
}

/* An online CPU's place, as Linux would show it: package = socket, die 0,
 * core ids counting the socket's cores, the core's threads as siblings,
 * the socket's (or with llc=node the node's) CPUs sharing an L3; offline
 * CPUs in neither set. */
static int spec_cpu_topo(struct vt_host *h, const struct spec *sp, const struct synthetic_sizes *z,
                         uint64_t i, uint64_t c, unsigned cpu)
{
    uint64_t first = sp->llc_node ? i : i / sp->nps * sp->nps;
    uint64_t last = sp->llc_node ? i : first + sp->nps - 1;
    struct host_cpu *t;

    if (!vt_bitmap_isset(h->cpu_online, cpu))
        return 0; /* Linux has no topology/ for an offline CPU */
    if (!(t = host_cpu_topo(h, cpu)) || !(t->siblings = vt_bitmap_new()) ||
        !(t->llc = vt_bitmap_new()))
        return -ENOMEM;
    t->pub.package = (int)(i / sp->nps);
    t->pub.die = 0;
    t->pub.core = (int)(i % sp->nps * z->cores_per_node + c);
    t->pub.llc_level = 3;
    for (uint64_t k = 0; k < sp->threads; k++)
        if (vt_bitmap_set(t->siblings, (unsigned)spec_cpu(sp, z, i, c, k)) < 0)
            return -ENOMEM;
    for (uint64_t n = first; n <= last; n++)
        for (uint64_t cc = 0; cc < z->cores_per_node; cc++)
            for (uint64_t k = 0; k < sp->threads; k++)
                if (vt_bitmap_set(t->llc, (unsigned)spec_cpu(sp, z, n, cc, k)) < 0)
                    return -ENOMEM;
    /* Linux drops offline CPUs from both. */
    vt_bitmap_and(t->siblings, h->cpu_online);
    vt_bitmap_and(t->llc, h->cpu_online);
    return 0;
}

/* The nodes with their ids, PXMs, memory range and CPUs (SMT siblings
 * numbered next to each other, or all first threads first with smt-last). */
static int spec_nodes(struct vt_host *h, const struct spec *sp, const struct synthetic_sizes *z,
                      struct vt_err *err)
{
    int id = sp->node_ids ? vt_bitmap_first(sp->node_ids) : 0;

    for (uint64_t i = 0; i < z->nodes; i++) {
        struct host_node *n = host_add_node(h, (unsigned)id);

        if (!n)
            return vt_err_set(err, -ENOMEM, "out of memory");
        n->pub.host_pxm = sp->pxms ? sp->pxms[i] : (uint32_t)i;
        n->pub.memory_bytes = z->per_node_mem;
        if (sp->have_free)
            n->pub.free_bytes = sp->free_mem / z->nodes;
        for (size_t k = 0; k < sp->nhp; k++)
            if (host_add_hugepages(n, sp->hp_size[k], sp->hp_count[k], sp->hp_count[k]) < 0)
                return vt_err_set(err, -ENOMEM, "out of memory");
        if (host_add_range(n, i * z->per_node_mem, (i + 1) * z->per_node_mem) < 0)
            return vt_err_set(err, -ENOMEM, "out of memory");
        for (uint64_t c = 0; c < z->cores_per_node; c++)
            for (uint64_t t = 0; t < sp->threads; t++) {
                uint64_t cpu = spec_cpu(sp, z, i, c, t);

                if (vt_bitmap_set(n->listed, (unsigned)cpu) < 0 ||
                    spec_cpu_topo(h, sp, z, i, c, (unsigned)cpu) < 0)
                    return vt_err_set(err, -ENOMEM, "out of memory");
            }
        id = sp->node_ids ? vt_bitmap_next(sp->node_ids, id) : id + 1;
    }
    if (host_alloc_distances(h) < 0)
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (uint64_t i = 0; i < z->nodes; i++)
        for (uint64_t j = 0; j < z->nodes; j++)
            h->dist[i * z->nodes + j] = i == j                       ? sp->dist_local
                                        : i / sp->nps == j / sp->nps ? sp->dist_socket
                                                                     : sp->dist_remote;
    return 0;
}

/* devices=KIND@NODE[:VECTORS],...: KIND nvme, net or gpu (QEMU's own
 * models' ids), NODE a node id or "none" (numa_node -1). Device k is
 * 0000:BB:00.0 with bus k + 1, IOMMU group k, no driver; its vectors take
 * the next IRQ numbers from 24 on (after the IO-APIC's 0-23). */
static int spec_devices(struct vt_host *h, const struct spec *sp, struct vt_err *err)
{
    static const struct {
        const char *kind;
        uint16_t vendor, device;
        uint32_t class_code;
    } kinds[] = {
        {"nvme", 0x1b36, 0x0010, 0x010802},
        {"net", 0x1af4, 0x1041, 0x020000},
        {"gpu", 0x1234, 0x1111, 0x030000},
    };
    char *copy, *save = NULL, *tok;
    unsigned irq = 24, k = 0;
    int rc = 0;

    if (!sp->devices)
        return 0;
    if (!(copy = strdup(sp->devices)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save), k++) {
        char *at = strchr(tok, '@'), *colon = at ? strchr(at, ':') : NULL;
        uint64_t node = 0, vectors = 0;
        struct host_dev *d;
        size_t kind;

        if (at)
            *at = '\0';
        if (colon)
            *colon = '\0';
        for (kind = 0; kind < sizeof(kinds) / sizeof(kinds[0]); kind++)
            if (strcmp(tok, kinds[kind].kind) == 0)
                break;
        if (!at || kind == sizeof(kinds) / sizeof(kinds[0])) {
            rc = spec_err(err,
                          "devices=%.40s: device %u is not KIND@NODE[:VECTORS] with KIND nvme, "
                          "net or gpu",
                          sp->devices, k + 1);
            break;
        }
        if (strcmp(at + 1, "none") != 0 &&
            (parse_u64_base(at + 1, 10, &node) < 0 || node > VT_NODE_ID_MAX ||
             vt_host_node_index(h, (unsigned)node) < 0)) {
            rc = spec_err(err,
                          "devices=%.40s: device %u's node '%s' is not a node of this host "
                          "(or none)",
                          sp->devices, k + 1, at + 1);
            break;
        }
        if (colon && (parse_u64_base(colon + 1, 10, &vectors) < 0 || vectors > 2048)) {
            rc = spec_err(err,
                          "devices=%.40s: device %u's vectors '%s' are not a count from 0 to "
                          "2048 (MSI-X's limit)",
                          sp->devices, k + 1, colon + 1);
            break;
        }
        if (k == 255) {
            rc = spec_err(err, "devices=%.40s...: more than 255 devices (one bus each)",
                          sp->devices);
            break;
        }
        if (!(d = host_add_device(h))) {
            rc = vt_err_set(err, -ENOMEM, "out of memory");
            break;
        }
        d->pub.bus = (uint8_t)(k + 1);
        snprintf(d->pub.bdf, sizeof(d->pub.bdf), "0000:%02x:00.0", k + 1);
        d->pub.vendor = kinds[kind].vendor;
        d->pub.device = kinds[kind].device;
        d->pub.class_code = kinds[kind].class_code;
        d->pub.iommu_group = (int)k;
        if (strcmp(at + 1, "none") != 0) {
            const struct host_node *n = &h->nodes[vt_host_node_index(h, (unsigned)node)];

            d->pub.pnode = (int)node;
            if (!(d->local_cpus = vt_bitmap_dup(n->listed)))
                rc = vt_err_set(err, -ENOMEM, "out of memory");
        }
        for (uint64_t v = 0; v < vectors && rc == 0; v++)
            if (host_dev_add_msi(d, irq++) < 0)
                rc = vt_err_set(err, -ENOMEM, "out of memory");
    }
    free(copy);
    return rc;
}

int host_load_synthetic(struct vt_host *h, const char *text, struct vt_err *err)
{
    struct spec sp = {.sockets = 1,
                      .nps = 1,
                      .threads = 1,
                      .dist_local = 10,
                      .dist_socket = 12,
                      .dist_remote = 21};
    struct synthetic_sizes z = {0};
    int rc;

    if ((rc = parse_spec(text, &sp, err)) == 0 && (rc = spec_sizes(&sp, &z, err)) == 0 &&
        (rc = spec_cpu_sets(h, &sp, z.cpus, err)) == 0)
        rc = spec_nodes(h, &sp, &z, err);
    if (rc == 0)
        rc = spec_devices(h, &sp, err);
    free(sp.devices);
    vt_bitmap_free(sp.node_ids);
    vt_bitmap_free(sp.isolated);
    vt_bitmap_free(sp.nohz_full);
    vt_bitmap_free(sp.offline);
    free(sp.pxms);
    return rc;
}
