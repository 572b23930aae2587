/* Host source: Linux sysfs (and /proc/meminfo) under a configurable root,
 * the way real machines — and hand-edited dumps of them — present it. */
#include <ctype.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host/host_internal.h"
#include "util/file.h"
#include "util/parse.h"

/* Biggest sysfs file we read: an 8192-CPU cpumap is ~2.3 KB, a distance row
 * of 4096 nodes ~16 KB; meminfo a few KB. */
#define SYSFS_MAX_FILE   (1u << 20)
#define CPUINFO_MAX_FILE (64u << 20)

struct sysfs {
    const char *root; /* "" for the live system, else the fsroot without trailing '/' */
    struct vt_host *h;
    struct vt_err *err;
    /* Paths are relative to the root, or with dfd >= 0 to an open directory
     * (<root>/<drel>), which saves resolving the same symlinks per file. */
    int dfd;
    const char *drel;
};

/* The path of rel as messages show it: <root>/[<drel>/]<rel>. */
static int spath(const struct sysfs *s, char *buf, size_t size, const char *rel)
{
    if (s->dfd >= 0)
        return path_fmt(buf, size, s->err, "%s/%s/%s", s->root, s->drel, rel);
    return path_fmt(buf, size, s->err, "%s/%s", s->root, rel);
}

/* Read a text file. Returns 0, -ENOENT (quietly, with no error recorded) when
 * absent and allow_missing, or a negative error. */
static int read_text(const struct sysfs *s, const char *rel, bool allow_missing, char **out)
{
    char path[PATH_MAX];
    struct vt_err tmp;
    int rc;

    if ((rc = spath(s, path, sizeof(path), rel)) < 0)
        return rc;
    rc = read_file_at(s->dfd >= 0 ? s->dfd : AT_FDCWD, s->dfd >= 0 ? rel : path, path,
                      SYSFS_MAX_FILE, VT_READ_TEXT, out, NULL, &tmp);
    if (rc == -ENOENT && allow_missing)
        return rc;
    if (rc < 0 && s->err)
        *s->err = tmp;
    return rc;
}

/* Prefix the recorded error with the file's path; returns rc. */
static int prefix_path(const struct sysfs *s, const char *rel, int rc)
{
    char path[PATH_MAX];

    if (spath(s, path, sizeof(path), rel) == 0)
        vt_err_prefix(s->err, "%s: ", path);
    return rc;
}

/* Read a set file into b with parse (cpulist or cpumask syntax). Missing:
 * -ENOENT when allow_missing. */
static int read_set(const struct sysfs *s, const char *rel, unsigned max_id, bool allow_missing,
                    struct vt_bitmap *b,
                    int (*parse)(struct vt_bitmap *, const char *, unsigned, struct vt_err *))
{
    char *text;
    int rc = read_text(s, rel, allow_missing, &text);

    if (rc < 0)
        return rc;
    /* nohz_full reads "(null)" on kernels without a nohz_full= boot option. */
    if (strcmp(text, "(null)") == 0)
        text[0] = '\0';
    rc = parse(b, text, max_id, s->err);
    free(text);
    return rc < 0 ? prefix_path(s, rel, rc) : rc;
}

static int read_list(const struct sysfs *s, const char *rel, unsigned max_id, bool allow_missing,
                     struct vt_bitmap *b)
{
    return read_set(s, rel, max_id, allow_missing, b, vt_bitmap_parse_list);
}

static int read_mask(const struct sysfs *s, const char *rel, unsigned max_id, bool allow_missing,
                     struct vt_bitmap *b)
{
    return read_set(s, rel, max_id, allow_missing, b, vt_bitmap_parse_mask);
}

static int fail_oom(const struct sysfs *s)
{
    return vt_err_set(s->err, -ENOMEM, "out of memory");
}

/* ---- CPUs ------------------------------------------------------------- */

/* Without cpu/online (very old kernels, some dumps): a cpuN directory is
 * online unless its cpuN/online says 0 (CPU0 often has no online file). */
static int cpus_from_dirs(const struct sysfs *s)
{
    char path[PATH_MAX];
    struct dir_reader d;
    const char *name;
    int rc = 0;

    if ((rc = spath(s, path, sizeof(path), "sys/devices/system/cpu")) < 0)
        return rc;
    if ((rc = dir_reader_open(&d, AT_FDCWD, path)) < 0)
        return vt_err_set(s->err, rc, "%s: cannot list CPUs: %s", path, strerror(-rc));
    while ((name = dir_reader_next(&d))) {
        char rel[64], *text;
        unsigned cpu;

        if (parse_prefixed_uint(name, "cpu", VT_CPU_ID_MAX, &cpu) < 0)
            continue;
        snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%u/online", cpu);
        rc = read_text(s, rel, true, &text);
        if (rc == -ENOENT) {
            rc = 0;
        } else if (rc < 0) {
            break;
        } else {
            bool off = strcmp(text, "0") == 0;

            free(text);
            if (off)
                continue;
        }
        if (vt_bitmap_set(s->h->cpu_online, cpu) < 0) {
            rc = fail_oom(s);
            break;
        }
    }
    dir_reader_close(&d);
    return rc;
}

/* The CPUs' vendor from the first CPU's entry in /proc/cpuinfo. */
static enum vt_host_cpu_vendor cpuinfo_vendor(const char *text)
{
    static const struct {
        const char *key, *value;
        enum vt_host_cpu_vendor v;
    } known[] = {
        {"vendor_id", "GenuineIntel", VT_HOST_CPU_INTEL},
        {"vendor_id", "AuthenticAMD", VT_HOST_CPU_AMD},
        {"vendor_id", "HygonGenuine", VT_HOST_CPU_AMD},
        {"vendor_id", NULL, VT_HOST_CPU_X86},
        {"CPU implementer", NULL, VT_HOST_CPU_ARM},
        {"cpu", "POWER", VT_HOST_CPU_POWER},
    };

    for (const char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *colon = strchr(line, ':'), *end = strchr(line, '\n');
        size_t klen;

        if (!colon || (end && colon > end))
            continue;
        klen = (size_t)(colon - line);
        while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
            klen--;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            const char *v = colon + 1;

            if (strlen(known[i].key) != klen || strncmp(line, known[i].key, klen))
                continue;
            while (*v == ' ' || *v == '\t')
                v++;
            if (!known[i].value || !strncmp(v, known[i].value, strlen(known[i].value)))
                return known[i].v;
        }
        if (line[0] == '\n' && line != text)
            break; /* the first CPU's entry ended */
    }
    return VT_HOST_CPU_UNKNOWN;
}

static int load_cpus(const struct sysfs *s)
{
    struct vt_host *h = s->h;
    int rc;

    rc = read_list(s, "sys/devices/system/cpu/online", VT_CPU_ID_MAX, true, h->cpu_online);
    if (rc == -ENOENT) {
        host_warn(h,
                  "%s/sys/devices/system/cpu/online is missing; online CPUs taken from the "
                  "cpuN directories",
                  s->root);
        rc = cpus_from_dirs(s);
    }
    if (rc < 0)
        return rc;
    if (vt_bitmap_iszero(h->cpu_online))
        return vt_err_set(s->err, -EINVAL, "%s/sys/devices/system/cpu/online: no CPU is online",
                          s->root);
    rc = read_list(s, "sys/devices/system/cpu/possible", VT_CPU_ID_MAX, true, h->cpu_possible);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    rc = read_list(s, "sys/devices/system/cpu/present", VT_CPU_ID_MAX, true, h->cpu_present);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    rc = read_list(s, "sys/devices/system/cpu/isolated", VT_CPU_ID_MAX, true, h->cpu_isolated);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    rc = read_list(s, "sys/devices/system/cpu/nohz_full", VT_CPU_ID_MAX, true, h->cpu_nohz_full);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    {
        char *text = NULL;

        char path[PATH_MAX];
        struct vt_err tmp;

        /* One entry per CPU: 8192 CPUs make ~12 MiB, beyond SYSFS_MAX_FILE. */
        if ((rc = spath(s, path, sizeof(path), "proc/cpuinfo")) < 0)
            return rc;
        rc = read_file_at(s->dfd >= 0 ? s->dfd : AT_FDCWD, s->dfd >= 0 ? "proc/cpuinfo" : path,
                          path, CPUINFO_MAX_FILE, VT_READ_TEXT, &text, NULL, &tmp);
        if (rc < 0 && rc != -ENOENT) {
            *s->err = tmp;
            return rc;
        }
        h->cpus_pub.vendor = text ? cpuinfo_vendor(text) : VT_HOST_CPU_UNKNOWN;
        free(text);
    }
    return 0;
}

/* ---- CPU topology ----------------------------------------------------- */

/* An id file of topology/ (physical_package_id, core_id...): absent leaves
 * *id as it is (-1); Linux writes -1 itself for an id it does not know. */
static int read_topo_id(const struct sysfs *s, const char *rel, int *id)
{
    char *text;
    long v;
    int rc = read_text(s, rel, true, &text);

    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    if (parse_long(text, &v) < 0 || v < -1 || v > INT_MAX)
        rc = prefix_path(s, rel, vt_err_set(s->err, -EINVAL, "'%s' is not -1 or an id", text));
    else
        *id = (int)v;
    free(text);
    return rc;
}

/* A CPU set from the first of its files that exists (a list, or a mask
 * where the name does not end in _list); *out NULL when none does. */
static int read_first_set(const struct sysfs *s, const char *const *rels, size_t n,
                          struct vt_bitmap **out)
{
    int rc = -ENOENT;

    if (!(*out = vt_bitmap_new()))
        return fail_oom(s);
    for (size_t i = 0; i < n && rc == -ENOENT; i++) {
        size_t len = strlen(rels[i]);

        rc = len > 5 && !strcmp(rels[i] + len - 5, "_list")
                 ? read_list(s, rels[i], VT_CPU_ID_MAX, true, *out)
                 : read_mask(s, rels[i], VT_CPU_ID_MAX, true, *out);
    }
    if (rc < 0) {
        vt_bitmap_free(*out);
        *out = NULL;
    }
    return rc == -ENOENT ? 0 : rc;
}

/* A cache's size file: "32K", "1024K", "32M" (the kernel writes K). */
static int parse_cache_size(const char *text, uint64_t *bytes)
{
    size_t n = strspn(text, "0123456789");
    char num[24];
    uint64_t v, unit = 1;

    if (n == 0 || n >= sizeof(num))
        return -EINVAL;
    memcpy(num, text, n);
    num[n] = '\0';
    if (parse_u64_base(num, 10, &v) < 0)
        return -EINVAL;
    if (text[n] == 'K' || text[n] == 'k')
        unit = UINT64_C(1) << 10;
    else if (text[n] == 'M')
        unit = UINT64_C(1) << 20;
    else if (text[n] == 'G')
        unit = UINT64_C(1) << 30;
    else if (text[n])
        return -EINVAL;
    if ((text[n] && text[n + 1]) || v > UINT64_MAX / unit)
        return -EINVAL;
    *bytes = v * unit;
    return 0;
}

/* The last-level cache: the highest-level data or unified cache of the
 * CPU's cache/indexN directories. */
static int load_llc(const struct sysfs *s, struct host_cpu *c)
{
    struct dir_reader r;
    const char *e;
    char names[64][16];
    size_t n = 0;
    int rc = 0;

    if (dir_reader_open(&r, s->dfd, "cache") < 0)
        return 0;
    while ((e = dir_reader_next(&r)) && n < 64)
        if (!strncmp(e, "index", 5) && strlen(e) < sizeof(names[0]))
            snprintf(names[n++], sizeof(names[0]), "%s", e);
    dir_reader_close(&r);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char rel[64], *type = NULL, *size = NULL;
        int level = -1;

        snprintf(rel, sizeof(rel), "cache/%s/level", names[i]);
        if ((rc = read_topo_id(s, rel, &level)) < 0)
            break;
        snprintf(rel, sizeof(rel), "cache/%s/type", names[i]);
        rc = read_text(s, rel, true, &type);
        if (rc == -ENOENT)
            rc = 0;
        if (rc == 0 && level > (int)c->pub.llc_level &&
            (!type || strcmp(type, "Instruction") != 0)) {
            const char *sets[2];
            char list[64], map[64];
            struct vt_bitmap *cpus;

            snprintf(list, sizeof(list), "cache/%s/shared_cpu_list", names[i]);
            snprintf(map, sizeof(map), "cache/%s/shared_cpu_map", names[i]);
            sets[0] = list;
            sets[1] = map;
            if ((rc = read_first_set(s, sets, 2, &cpus)) == 0 && cpus) {
                vt_bitmap_free(c->llc);
                c->llc = cpus;
                c->pub.llc_level = (unsigned)level;
                c->pub.llc_bytes = 0;
                snprintf(rel, sizeof(rel), "cache/%s/size", names[i]);
                rc = read_text(s, rel, true, &size);
                if (rc == -ENOENT)
                    rc = 0;
                else if (rc == 0 && parse_cache_size(size, &c->pub.llc_bytes) < 0)
                    rc = prefix_path(
                        s, rel,
                        vt_err_set(s->err, -EINVAL, "'%s' is not a cache size (32K, 1024K)", size));
            }
        }
        free(type);
        free(size);
    }
    return rc;
}

/* One CPU's topology/ and cache/ (a CPU without either: nothing known). */
static int load_cpu_topo(const struct sysfs *parent, unsigned cpu)
{
    static const char *const siblings[] = {"topology/thread_siblings_list",
                                           "topology/core_cpus_list", "topology/thread_siblings",
                                           "topology/core_cpus"};
    char drel[64], path[PATH_MAX];
    struct sysfs dev = *parent, *s = &dev;
    struct host_cpu *c;
    int rc;

    snprintf(drel, sizeof(drel), "sys/devices/system/cpu/cpu%u", cpu);
    if ((rc = spath(parent, path, sizeof(path), drel)) < 0)
        return rc;
    if ((dev.dfd = openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return 0;
    dev.drel = drel;
    if (faccessat(dev.dfd, "topology", F_OK, 0) < 0 && faccessat(dev.dfd, "cache", F_OK, 0) < 0) {
        close(dev.dfd);
        return 0;
    }
    if (!(c = host_cpu_topo(s->h, cpu))) {
        close(dev.dfd);
        return fail_oom(s);
    }
    if ((rc = read_topo_id(s, "topology/physical_package_id", &c->pub.package)) == 0 &&
        (rc = read_topo_id(s, "topology/die_id", &c->pub.die)) == 0 &&
        (rc = read_topo_id(s, "topology/cluster_id", &c->pub.cluster)) == 0 &&
        (rc = read_topo_id(s, "topology/core_id", &c->pub.core)) == 0 &&
        (rc = read_first_set(s, siblings, 4, &c->siblings)) == 0)
        rc = load_llc(s, c);
    close(dev.dfd);
    return rc;
}

/* Every possible, present or online CPU's topology. */
static int load_cpu_topology(const struct sysfs *s)
{
    struct vt_bitmap *all = vt_bitmap_dup(s->h->cpu_possible);
    int rc = 0;

    if (!all || vt_bitmap_or(all, s->h->cpu_present) < 0 || vt_bitmap_or(all, s->h->cpu_online) < 0)
        rc = fail_oom(s);
    for (int cpu = rc ? -1 : vt_bitmap_first(all); rc == 0 && cpu >= 0;
         cpu = vt_bitmap_next(all, cpu))
        rc = load_cpu_topo(s, (unsigned)cpu);
    vt_bitmap_free(all);
    return rc;
}

/* ---- nodes ------------------------------------------------------------ */

/* The field ("MemTotal") of "Node 0 MemTotal:       8386460 kB" in
 * nodeN/meminfo, or of "MemTotal: N kB" in /proc/meminfo, in bytes;
 * -ENOENT (no message) when the line is missing. */
static int parse_meminfo(const struct sysfs *s, const char *rel, const char *text,
                         const char *field, uint64_t *bytes)
{
    char key[32];
    const char *p;
    uint64_t kb;
    char *end;

    snprintf(key, sizeof(key), "%s:", field);
    if (!(p = strstr(text, key)))
        return -ENOENT;
    p += strlen(key);
    while (*p == ' ' || *p == '\t')
        p++;
    if (!isdigit((unsigned char)*p))
        return vt_err_set(s->err, -EINVAL, "%s/%s: %s is not a number", s->root, rel, field);
    errno = 0;
    kb = strtoull(p, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno || strncmp(end, "kB", 2) != 0 || kb > UINT64_MAX / 1024)
        return vt_err_set(s->err, -EINVAL, "%s/%s: %s must be a number of kB", s->root, rel, field);
    *bytes = kb * 1024;
    return 0;
}

/* A node's MemTotal (required) and MemFree (free stays unknown without it). */
static int read_meminfo(const struct sysfs *s, const char *rel, uint64_t *total, uint64_t *free_)
{
    char *text;
    int rc = read_text(s, rel, true, &text);

    if (rc < 0)
        return rc;
    rc = parse_meminfo(s, rel, text, "MemTotal", total);
    if (rc == -ENOENT)
        rc = vt_err_set(s->err, -EINVAL, "%s/%s: no MemTotal line", s->root, rel);
    if (rc == 0 && (rc = parse_meminfo(s, rel, text, "MemFree", free_)) == -ENOENT)
        rc = 0;
    free(text);
    return rc;
}

/* A count file's number ("512\n"). */
static int parse_count(char *text, uint64_t *v)
{
    text[strcspn(text, "\n")] = '\0';
    return parse_u64_base(text, 10, v);
}

/* The huge page pools under rel ("hugepages-2048kB/{nr,free}_hugepages"):
 * a node's, or the machine's (/sys/kernel/mm/hugepages). None: fine. */
static int load_hugepages(const struct sysfs *s, struct host_node *n, const char *rel)
{
    char path[PATH_MAX], sub[PATH_MAX];
    struct dir_reader d;
    const char *name;
    int rc;

    if ((rc = spath(s, path, sizeof(path), rel)) < 0)
        return rc;
    if (dir_reader_open(&d, AT_FDCWD, path) < 0)
        return 0;
    rc = 0;
    while (rc == 0 && (name = dir_reader_next(&d))) {
        unsigned long long kb;
        uint64_t total = 0, nfree = 0;
        char *text = NULL;
        int len = 0;

        if (sscanf(name, "hugepages-%llukB%n", &kb, &len) != 1 || name[len] || !kb ||
            kb > UINT64_MAX / 1024)
            continue;
        snprintf(sub, sizeof(sub), "%s/%s/nr_hugepages", rel, name);
        if ((rc = read_text(s, sub, true, &text)) == -ENOENT) {
            rc = 0;
            continue;
        }
        if (rc == 0 && parse_count(text, &total) < 0)
            rc = vt_err_set(s->err, -EINVAL, "%s/%s: not a number", s->root, sub);
        free(text);
        text = NULL;
        snprintf(sub, sizeof(sub), "%s/%s/free_hugepages", rel, name);
        if (rc == 0 && (rc = read_text(s, sub, true, &text)) == -ENOENT) {
            nfree = total; /* unknown: as if unused */
            rc = 0;
        } else if (rc == 0 && parse_count(text, &nfree) < 0) {
            rc = vt_err_set(s->err, -EINVAL, "%s/%s: not a number", s->root, sub);
        }
        free(text);
        if (rc == 0 && (rc = host_add_hugepages(n, kb * 1024, total, nfree)) < 0)
            rc = rc == -ENOMEM
                     ? fail_oom(s)
                     : vt_err_set(s->err, rc, "%s/%s: too many huge page sizes", s->root, rel);
    }
    dir_reader_close(&d);
    return rc;
}

/* Memory blocks linked from nodeN/memoryM give the node's physical ranges. */
static int load_node_blocks(const struct sysfs *s, struct host_node *n, uint64_t block_size)
{
    char rel[64], path[PATH_MAX];
    struct dir_reader d;
    const char *name;
    int rc = 0;

    snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u", n->pub.pnode);
    if ((rc = spath(s, path, sizeof(path), rel)) < 0)
        return rc;
    if ((rc = dir_reader_open(&d, AT_FDCWD, path)) < 0)
        return vt_err_set(s->err, rc, "%s: cannot list: %s", path, strerror(-rc));
    while ((name = dir_reader_next(&d))) {
        unsigned block;

        if (parse_prefixed_uint(name, "memory", UINT_MAX, &block) < 0)
            continue;
        if ((uint64_t)block > UINT64_MAX / block_size - 1) {
            rc = vt_err_set(s->err, -ERANGE, "%s/%s: memory block %u is beyond 2^64 bytes", path,
                            name, block);
            break;
        }
        if ((rc = host_add_range(n, (uint64_t)block * block_size,
                                 ((uint64_t)block + 1) * block_size)) < 0) {
            vt_err_set(s->err, rc, "%s: too many memory blocks", path);
            break;
        }
    }
    dir_reader_close(&d);
    return rc;
}

/* block_size 0: memory/block_size_bytes is missing, ranges stay unknown. */
static int load_node(const struct sysfs *s, struct host_node *n, uint64_t block_size)
{
    char rel[96];
    unsigned pnode = n->pub.pnode;
    int rc;

    snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/cpulist", pnode);
    rc = read_list(s, rel, VT_CPU_ID_MAX, true, n->listed);
    if (rc == -ENOENT) {
        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/cpumap", pnode);
        rc = read_mask(s, rel, VT_CPU_ID_MAX, true, n->listed);
        if (rc == -ENOENT) {
            host_warn(s->h, "node %u has neither cpulist nor cpumap; assuming it has no CPUs",
                      pnode);
            rc = 0;
        }
    }
    if (rc < 0)
        return rc;

    snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/meminfo", pnode);
    rc = read_meminfo(s, rel, &n->pub.memory_bytes, &n->pub.free_bytes);
    if (rc == -ENOENT) {
        host_warn(s->h, "node %u has no meminfo; its memory size is taken as 0", pnode);
        rc = 0;
    }
    if (rc < 0)
        return rc;
    snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/hugepages", pnode);
    if ((rc = load_hugepages(s, n, rel)) < 0)
        return rc;
    return block_size ? load_node_blocks(s, n, block_size) : 0;
}

/* nodeN/distance lists distances to the ONLINE nodes in id order. Some dumps
 * list one entry per POSSIBLE node instead; anything else is unusable. */
static int load_distances(const struct sysfs *s, const struct vt_bitmap *possible)
{
    struct vt_host *h = s->h;
    size_t nposs = vt_bitmap_weight(possible);
    uint32_t *row = calloc(nposs > h->nnodes ? nposs : h->nnodes, sizeof(*row));
    bool unusable = false;
    int rc = 0;

    if (!row)
        return fail_oom(s);
    for (size_t i = 0; i < h->nnodes && !unusable; i++) {
        char rel[96], *text;
        size_t count = 0, cap = nposs > h->nnodes ? nposs : h->nnodes;
        const char *p;

        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/distance",
                 h->nodes[i].pub.pnode);
        rc = read_text(s, rel, true, &text);
        if (rc == -ENOENT) {
            host_warn(h, "node %u has no distance file; distances unknown", h->nodes[i].pub.pnode);
            rc = 0;
            unusable = true;
            break;
        }
        if (rc < 0)
            break;
        for (p = text; *p;) {
            char *end;
            unsigned long v;

            while (isspace((unsigned char)*p))
                p++;
            if (!*p)
                break;
            errno = 0;
            v = strtoul(p, &end, 10);
            if (end == p || errno || v > UINT32_MAX || (*end && !isspace((unsigned char)*end))) {
                rc = vt_err_set(s->err, -EINVAL, "%s/%s: entry %zu is not a non-negative number",
                                s->root, rel, count + 1);
                break;
            }
            if (count < cap)
                row[count] = (uint32_t)v;
            count++;
            p = end;
        }
        free(text);
        if (rc < 0)
            break;
        if (count == h->nnodes) {
            for (size_t j = 0; j < h->nnodes; j++)
                h->dist[i * h->nnodes + j] = row[j];
        } else if (count == nposs) {
            /* Row over possible nodes: pick the online ones' columns. */
            size_t k = 0, j = 0;

            vt_bitmap_foreach(pn, possible)
            {
                if (j < h->nnodes && h->nodes[j].pub.pnode == (unsigned)pn)
                    h->dist[i * h->nnodes + j++] = row[k];
                k++;
            }
            if (i == 0)
                host_warn(h,
                          "distance rows list %zu entries, one per possible node, but %zu "
                          "node%s online; the online nodes' columns are used",
                          nposs, h->nnodes, h->nnodes == 1 ? " is" : "s are");
        } else {
            host_warn(h, "%s/%s lists %zu distances but %zu node%s online; distances unknown",
                      s->root, rel, count, h->nnodes, h->nnodes == 1 ? " is" : "s are");
            unusable = true;
        }
    }
    if (unusable)
        memset(h->dist, 0, h->nnodes * h->nnodes * sizeof(*h->dist));
    free(row);
    return rc;
}

static int node_ids_from_dirs(const struct sysfs *s, struct vt_bitmap *online, bool *have_dir)
{
    char path[PATH_MAX];
    struct dir_reader d;
    const char *name;
    int rc;

    if ((rc = spath(s, path, sizeof(path), "sys/devices/system/node")) < 0)
        return rc;
    if (dir_reader_open(&d, AT_FDCWD, path) < 0) {
        *have_dir = false;
        return 0;
    }
    *have_dir = true;
    while ((name = dir_reader_next(&d))) {
        unsigned id;

        if (parse_prefixed_uint(name, "node", VT_NODE_ID_MAX, &id) == 0 &&
            vt_bitmap_set(online, id) < 0) {
            dir_reader_close(&d);
            return fail_oom(s);
        }
    }
    dir_reader_close(&d);
    return 0;
}

/* CONFIG_NUMA=n: one node 0 holding every online CPU and all memory. */
static int load_single_node(const struct sysfs *s)
{
    struct host_node *n;
    int rc;

    host_warn(s->h,
              "%s/sys/devices/system/node does not exist (kernel without NUMA); "
              "modelled as one node 0",
              s->root);
    n = host_add_node(s->h, 0);
    if (!n || vt_bitmap_copy(n->listed, s->h->cpu_online) < 0 || host_alloc_distances(s->h) < 0)
        return fail_oom(s);
    s->h->dist[0] = 10;
    rc = read_meminfo(s, "proc/meminfo", &n->pub.memory_bytes, &n->pub.free_bytes);
    if (rc == -ENOENT) {
        host_warn(s->h, "%s/proc/meminfo is missing; memory size taken as 0", s->root);
        rc = 0;
    }
    return rc < 0 ? rc : load_hugepages(s, n, "sys/kernel/mm/hugepages");
}

static int load_nodes(const struct sysfs *s)
{
    struct vt_host *h = s->h;
    struct vt_bitmap *online = vt_bitmap_new(), *possible = vt_bitmap_new(), *gi = vt_bitmap_new();
    uint64_t block_size = 0;
    bool have_dir = true;
    char *text = NULL;
    int rc;

    if (!online || !possible || !gi) {
        rc = fail_oom(s);
        goto out;
    }
    rc = read_list(s, "sys/devices/system/node/online", VT_NODE_ID_MAX, true, online);
    if (rc == -ENOENT)
        rc = node_ids_from_dirs(s, online, &have_dir);
    if (rc < 0)
        goto out;
    if (!have_dir) {
        rc = load_single_node(s);
        goto out;
    }
    if (vt_bitmap_iszero(online)) {
        rc = vt_err_set(s->err, -EINVAL, "%s/sys/devices/system/node: no online node", s->root);
        goto out;
    }
    rc = read_list(s, "sys/devices/system/node/possible", VT_NODE_ID_MAX, true, possible);
    if (rc < 0 && rc != -ENOENT)
        goto out;
    if (vt_bitmap_or(possible, online) < 0 || vt_bitmap_or(h->possible_nodes, possible) < 0) {
        rc = fail_oom(s);
        goto out;
    }
    rc = read_list(s, "sys/devices/system/node/has_generic_initiator", VT_NODE_ID_MAX, true, gi);
    if (rc < 0 && rc != -ENOENT)
        goto out;

    rc = read_text(s, "sys/devices/system/memory/block_size_bytes", true, &text);
    if (rc == 0) {
        rc = parse_u64_base(text, 16, &block_size);
        if (rc < 0 || block_size == 0 || (block_size & (block_size - 1))) {
            rc = vt_err_set(s->err, -EINVAL,
                            "%s/sys/devices/system/memory/block_size_bytes: '%s' is not a "
                            "power-of-two hex size",
                            s->root, text);
            goto out;
        }
    } else if (rc != -ENOENT) {
        goto out;
    }
    rc = 0;

    vt_bitmap_foreach(pnode, online)
    {
        char rel[64], path[PATH_MAX];
        struct host_node *n;

        snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d", pnode);
        if ((rc = spath(s, path, sizeof(path), rel)) < 0)
            goto out;
        if (!path_exists(path)) {
            host_warn(h, "node %d is listed online but %s does not exist; ignored", pnode, path);
            continue;
        }
        if (!(n = host_add_node(h, (unsigned)pnode))) {
            rc = fail_oom(s);
            goto out;
        }
        n->pub.has_generic_initiator = vt_bitmap_isset(gi, (unsigned)pnode);
        if ((rc = load_node(s, n, block_size)) < 0)
            goto out;
    }
    if (!block_size)
        host_warn(h,
                  "%s/sys/devices/system/memory/block_size_bytes is missing; physical "
                  "memory ranges unknown",
                  s->root);
    if (h->nnodes == 0) {
        rc = vt_err_set(s->err, -EINVAL, "%s/sys/devices/system/node: no node directory", s->root);
        goto out;
    }
    if (host_alloc_distances(h) < 0) {
        rc = fail_oom(s);
        goto out;
    }
    rc = load_distances(s, possible);
out:
    free(text);
    vt_bitmap_free(online);
    vt_bitmap_free(possible);
    vt_bitmap_free(gi);
    return rc;
}

/* ---- PCI devices ------------------------------------------------------ */

static int read_hex_field(const struct sysfs *s, const char *rel, uint64_t max, uint64_t *v)
{
    char *text;
    int rc = read_text(s, rel, true, &text);

    if (rc < 0)
        return rc;
    rc = parse_u64_base(text, 16, v);
    if (rc < 0 || *v > max)
        rc = prefix_path(s, rel,
                         vt_err_set(s->err, -EINVAL, "'%s' is not a hex value up to %#llx", text,
                                    (unsigned long long)max));
    free(text);
    return rc;
}

/* The IRQ numbers of the device's MSI/MSI-X vectors: the entries of its
 * msi_irqs/ (absent: none). */
static int load_msi_irqs(const struct sysfs *s, struct host_dev *d)
{
    struct dir_reader r;
    const char *e;
    int rc = 0;

    if (dir_reader_open(&r, s->dfd, "msi_irqs") < 0)
        return 0;
    while (rc == 0 && (e = dir_reader_next(&r))) {
        unsigned irq;

        if (parse_prefixed_uint(e, "", UINT_MAX - 1, &irq) < 0) {
            rc = prefix_path(s, "msi_irqs",
                             vt_err_set(s->err, -EINVAL, "entry '%s' is not an IRQ number", e));
            break;
        }
        if ((rc = host_dev_add_msi(d, irq)) == -ENOMEM)
            rc = fail_oom(s);
        else if (rc < 0)
            rc =
                prefix_path(s, "msi_irqs",
                            vt_err_set(s->err, rc, "more than %d vectors", VT_HOST_DEVICE_MAX_MSI));
    }
    dir_reader_close(&r);
    return rc;
}

/* The last component of the symbolic link rel in the open device directory,
 * into buf; 1 when there is no such link. */
static int link_name(const struct sysfs *s, const char *rel, char *buf, size_t size)
{
    char target[PATH_MAX];
    ssize_t n = readlinkat(s->dfd, rel, target, sizeof(target) - 1);
    const char *base;

    if (n < 0)
        return errno == ENOENT || errno == EINVAL
                   ? 1
                   : prefix_path(
                         s, rel,
                         vt_err_set(s->err, -errno, "cannot read the link: %s", strerror(errno)));
    target[n] = '\0';
    base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    if (strlen(base) >= size)
        return prefix_path(s, rel,
                           vt_err_set(s->err, -EINVAL, "the link's target '%s' is too long", base));
    memcpy(buf, base, strlen(base) + 1);
    return 0;
}

/* Driver (when uevent did not name it), IOMMU group and SR-IOV physfn from
 * the device's links. */
static int load_device_links(const struct sysfs *s, struct host_dev *d)
{
    char name[64];
    int rc;

    if (!d->driver) {
        if ((rc = link_name(s, "driver", name, sizeof(name))) < 0)
            return rc;
        if (rc == 0 && host_device_name_ok(name) && !(d->driver = strdup(name)))
            return fail_oom(s);
    }
    if ((rc = link_name(s, "iommu_group", name, sizeof(name))) < 0)
        return rc;
    if (rc == 0) {
        unsigned group;

        if (parse_prefixed_uint(name, "", INT_MAX, &group) < 0)
            return prefix_path(
                s, "iommu_group",
                vt_err_set(s->err, -EINVAL, "'%s' is not an IOMMU group number", name));
        d->pub.iommu_group = (int)group;
    }
    if ((rc = link_name(s, "physfn", name, sizeof(name))) < 0)
        return rc;
    if (rc == 0) {
        char pf[BDF_TEXT_MAX];

        if (bdf_normalize(name, pf) < 0)
            return prefix_path(
                s, "physfn",
                vt_err_set(s->err, -EINVAL, "'%s' is not a PCI address DDDD:BB:DD.F", name));
        if (!(d->physfn = strdup(pf)))
            return fail_oom(s);
    }
    return 0;
}

static int load_device_files(const struct sysfs *s, struct host_dev *d);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of one class directory at dfd/rel (absent: none), in name
 * order; drm/ also holds renderD128 and controlD64: its names are card*. */
static int class_names(const struct sysfs *s, struct host_dev *d, int dfd, const char *rel,
                       bool cards)
{
    struct dir_reader r;
    size_t first = d->nnames;
    const char *e;
    int rc = 0;

    if (dir_reader_open(&r, dfd, rel) < 0)
        return 0;
    while (rc == 0 && (e = dir_reader_next(&r)))
        if (host_device_name_ok(e) && (!cards || !strncmp(e, "card", 4)))
            rc = host_dev_add_name(d, e);
    dir_reader_close(&r);
    if (rc == -ENOMEM)
        return fail_oom(s);
    if (rc < 0)
        return vt_err_set(s->err, rc, "%s/%s/%s: more than %d device names", s->root, s->drel, rel,
                          VT_HOST_DEVICE_MAX_NAMES);
    if (d->nnames - first > 1)
        qsort(d->names + first, d->nnames - first, sizeof(*d->names), cmp_str);
    return 0;
}

/* The device's names (vt_host_device.names). */
static int device_names(const struct sysfs *s, struct host_dev *d)
{
    static const char *const classes[] = {"net", "nvme", "infiniband", "drm"};
    struct dir_reader r;
    const char *e;
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < sizeof(classes) / sizeof(classes[0]); i++)
        rc = class_names(s, d, s->dfd, classes[i], i == 3);
    /* A virtio device's interface is one level down: virtio0/net/eth0. */
    if (rc < 0 || dir_reader_open(&r, s->dfd, ".") < 0)
        return rc;
    while (rc == 0 && (e = dir_reader_next(&r))) {
        char rel[64];

        if (strncmp(e, "virtio", 6) != 0 || strlen(e) > 32)
            continue;
        snprintf(rel, sizeof(rel), "%s/net", e);
        rc = class_names(s, d, s->dfd, rel, false);
        snprintf(rel, sizeof(rel), "%s/block", e);
        if (rc == 0)
            rc = class_names(s, d, s->dfd, rel, false);
    }
    dir_reader_close(&r);
    return rc;
}

static int load_device(const struct sysfs *parent, int devices_fd, const char *name)
{
    char drel[PATH_MAX];
    struct sysfs dev = *parent, *s = &dev;
    struct host_dev *d;
    int rc;

    if (!(d = host_add_device(s->h)))
        return vt_err_set(s->err, -E2BIG, "too many PCI devices (limit %d)", VT_HOST_MAX_DEVICES);
    if (parse_bdf(name, &d->pub.pci_domain, &d->pub.bus, &d->pub.dev, &d->pub.fn) < 0)
        return vt_err_set(s->err, -EINVAL,
                          "%s/sys/bus/pci/devices/%s: not a PCI address DDDD:BB:DD.F", s->root,
                          name);
    snprintf(d->pub.bdf, sizeof(d->pub.bdf), "%04x:%02x:%02x.%x", d->pub.pci_domain, d->pub.bus,
             d->pub.dev, d->pub.fn);

    snprintf(drel, sizeof(drel), "sys/bus/pci/devices/%s", name);
    dev.drel = drel;
    dev.dfd = openat(devices_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dev.dfd < 0)
        return vt_err_set(s->err, -errno, "%s/%s: cannot open: %s", s->root, drel, strerror(errno));
    rc = load_device_files(s, d);
    close(dev.dfd);
    return rc;
}

/* The files of one device directory (s->dfd). */
/* Vendor, device and class from the device's uevent in one read (what the
 * three separate files say too). Returns 1 when uevent does not have them. */
static int load_device_uevent(const struct sysfs *s, struct host_dev *d)
{
    char id[32], cls[32], driver[64];
    uint64_t vendor, device, class_code;
    char *text;
    int rc = read_text(s, "uevent", true, &text);

    if (rc == -ENOENT)
        return 1;
    if (rc < 0)
        return rc;
    if (parse_key_value(text, "DRIVER", driver, sizeof(driver)) && host_device_name_ok(driver) &&
        !(d->driver = strdup(driver))) {
        free(text);
        return fail_oom(s);
    }
    if (!parse_key_value(text, "PCI_ID", id, sizeof(id)) ||
        !parse_key_value(text, "PCI_CLASS", cls, sizeof(cls))) {
        free(text);
        return 1;
    }
    free(text);
    if (strlen(id) != 9 || id[4] != ':')
        return prefix_path(s, "uevent",
                           vt_err_set(s->err, -EINVAL, "PCI_ID '%s' is not VVVV:DDDD", id));
    id[4] = '\0';
    if (parse_u64_base(id, 16, &vendor) < 0 || parse_u64_base(id + 5, 16, &device) < 0) {
        id[4] = ':';
        return prefix_path(s, "uevent",
                           vt_err_set(s->err, -EINVAL, "PCI_ID '%s' is not VVVV:DDDD", id));
    }
    if (parse_u64_base(cls, 16, &class_code) < 0 || class_code > 0xffffff)
        return prefix_path(
            s, "uevent",
            vt_err_set(s->err, -EINVAL, "PCI_CLASS '%s' is not a 24-bit hex value", cls));
    d->pub.vendor = (uint16_t)vendor;
    d->pub.device = (uint16_t)device;
    d->pub.class_code = (uint32_t)class_code;
    return 0;
}

/* Vendor, device and class from their own files (dumps without uevent). */
static int load_device_id_files(const struct sysfs *s, struct host_dev *d)
{
    uint64_t v;
    int rc;

    if ((rc = read_hex_field(s, "vendor", 0xffff, &v)) == 0)
        d->pub.vendor = (uint16_t)v;
    else if (rc != -ENOENT)
        return rc;
    if ((rc = read_hex_field(s, "device", 0xffff, &v)) == 0)
        d->pub.device = (uint16_t)v;
    else if (rc != -ENOENT)
        return rc;
    if ((rc = read_hex_field(s, "class", 0xffffff, &v)) == 0)
        d->pub.class_code = (uint32_t)v;
    else if (rc != -ENOENT)
        return rc;
    return 0;
}

static int load_device_files(const struct sysfs *s, struct host_dev *d)
{
    char *text;
    int rc;

    rc = load_device_uevent(s, d);
    if (rc == 1)
        rc = load_device_id_files(s, d);
    if (rc < 0)
        return rc;

    rc = read_text(s, "numa_node", true, &text);
    if (rc == 0) {
        long node;

        rc = parse_long(text, &node);
        if (rc < 0 || node < -1 || node > (long)VT_NODE_ID_MAX)
            rc = prefix_path(s, "numa_node",
                             vt_err_set(s->err, -EINVAL, "'%s' is not -1 or a node id up to %u",
                                        text, VT_NODE_ID_MAX));
        else
            d->pub.pnode = node < 0 ? VT_PNODE_UNKNOWN : (int)node;
        free(text);
        if (rc < 0)
            return rc;
    } else if (rc != -ENOENT) {
        return rc;
    }

    if (!(d->local_cpus = vt_bitmap_new()))
        return fail_oom(s);
    rc = read_list(s, "local_cpulist", VT_CPU_ID_MAX, true, d->local_cpus);
    if (rc == -ENOENT)
        rc = read_mask(s, "local_cpus", VT_CPU_ID_MAX, true, d->local_cpus);
    if (rc == -ENOENT) {
        vt_bitmap_free(d->local_cpus);
        d->local_cpus = NULL;
        rc = 0;
    }
    if (rc < 0)
        return rc;
    if ((rc = load_msi_irqs(s, d)) < 0 || (rc = load_device_links(s, d)) < 0)
        return rc;
    return device_names(s, d);
}

static int load_devices(const struct sysfs *s)
{
    char path[PATH_MAX];
    struct dir_reader d;
    const char *name;
    int rc;

    if ((rc = spath(s, path, sizeof(path), "sys/bus/pci/devices")) < 0)
        return rc;
    if (dir_reader_open(&d, AT_FDCWD, path) < 0)
        return 0; /* no PCI bus (or a dump without it) */
    while ((name = dir_reader_next(&d))) {
        if (name[0] == '.')
            continue;
        if ((rc = load_device(s, d.fd, name)) < 0)
            break;
    }
    dir_reader_close(&d);
    return rc;
}

int host_load_sysfs(struct vt_host *h, const char *fsroot, struct vt_err *err)
{
    char root[PATH_MAX];
    size_t len = strlen(fsroot);
    struct sysfs s = {root, h, err, -1, NULL};
    int rc;

    while (len > 1 && fsroot[len - 1] == '/')
        len--;
    if (len == 1 && fsroot[0] == '/')
        len = 0;
    if (len >= sizeof(root))
        return vt_err_set(err, -ENAMETOOLONG, "fsroot path too long");
    memcpy(root, fsroot, len);
    root[len] = '\0';
    if (len) {
        struct stat st;

        if (stat(root, &st) < 0)
            return errno == ENOENT
                       ? vt_err_set(err, -ENOENT, "fsroot %s does not exist", root)
                       : vt_err_set(err, -errno, "fsroot %s: %s", root, strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return vt_err_set(err, -ENOTDIR, "fsroot %s is not a directory", root);
    }

    if ((rc = load_cpus(&s)) < 0 || (rc = load_cpu_topology(&s)) < 0 || (rc = load_nodes(&s)) < 0 ||
        (rc = load_devices(&s)) < 0)
        return rc;
    return 0;
}
