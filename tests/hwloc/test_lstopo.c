/* hwloc side by side: for every hwloc sysfs dump under $VT_DATASETS, vtopo's
 * host model against `lstopo-no-graphics --of xml` on the same fsroot — node
 * ids, cpusets, memory and the NUMALatency matrix — with every documented
 * hwloc difference asserted, not skipped (docs/hwloc-comparison.md). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vtopo/bitmap.h"
#include "vtopo/host.h"

#define LSTOPO   "lstopo-no-graphics"
#define MAX_XML  (64u << 20)
#define MAX_GPUS 64

/* ---- what hwloc is documented to do differently, per dataset ---------- */

/*
 * Node lists are cpulists of pnodes ("" = none). The test derives hwloc's
 * expected view from vtopo's model plus hwloc's documented rules, and checks
 * that the nodes each rule changes are exactly the ones listed here, so this
 * table and docs/hwloc-comparison.md cannot drift from what happens.
 */
struct profile {
    const char *dataset;
    const char *overlap_dropped; /* cpumap overlaps a lower node's: hwloc ignores the node */
    const char *hmat_widened;    /* hwloc cpuset gains the CPUs of the node's HMAT initiators */
    const char *dist_widened;    /* CPU-less node that hwloc locates from the distances */
    const char *gpu_nodes;       /* NVIDIA GPU memory nodes (proc/driver/nvidia) */
    /* Cgroup cpuset that hwloc's default (no --disallowed) view is restricted
     * to: directory under the fsroot and the prefix of its cpus/mems files. */
    const char *cpuset_dir, *cpuset_prefix;
};

static const struct profile profiles[] = {
    {"128arm-2pa2n8cluster4co", "", "", "", "", NULL, NULL},
    {"16amd64-8n2c-cpusets", "", "", "", "", "dev/cpuset/dummy", ""},
    {"32em64t-2n8c+dax+nvme+mic+dimms", "", "", "", "", NULL, NULL},
    {"40intel64-2g2n4c+pcilocality", "", "", "", "", NULL, NULL},
    {"48amd64-4pa2n6c-sparse", "", "", "", "", NULL, NULL},
    {"8em64t-2s2ca2c-buggynuma", "1-7", "", "", "", NULL, NULL},
    {"fakeheteromemtiers", "", "4,6,8-9", "", "", NULL, NULL},
    {"fakememinitiators-1np2c+1npp+gi", "", "5-10", "4", "", "sys/fs/cgroup/cpuset", "cpuset."},
    {"nvidiagpunumanodes", "", "", "", "250-255", NULL, NULL},
    {"offline-cpu0-node0", "", "", "", "", NULL, NULL},
};

/* A dataset no profile names: hwloc must agree with vtopo exactly. */
static const struct profile strict_profile = {"(no profile)", "", "", "", "", NULL, NULL};

struct dataset {
    char name[256];
    char path[PATH_MAX];
};

/* Filled by main before the tests run. */
static struct dataset *datasets;
static size_t ndatasets;
static char datasets_problem[PATH_MAX + 128];

/* ---- reporting -------------------------------------------------------- */

struct ctx {
    const char *dataset;
    const char *run;
    unsigned failures;
};

static void mismatch(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mismatch(struct ctx *c, const char *fmt, ...)
{
    va_list ap;

    printf("  MISMATCH [%s%s%s]: ", c->dataset, *c->run ? ", " : "", c->run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    c->failures++;
}

static const char *list_str(char *buf, size_t size, const struct vt_bitmap *b)
{
    size_t need = vt_bitmap_snprint_list(buf, size, b);

    if (need == 0)
        snprintf(buf, size, "(none)");
    else if (need >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
    return buf;
}

/* Record why something failed (vsnprintf: truncating a long path is fine). */
static void say(char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, whysz, fmt, ap);
    va_end(ap);
}

/* ---- small file helpers ----------------------------------------------- */

/* Read a small text file into buf (NUL-terminated, stops at an embedded NUL). */
static int read_small(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f)
        return -errno;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

static struct vt_bitmap *list_new(const char *text)
{
    struct vt_bitmap *b = vt_bitmap_new();
    struct vt_err err;

    if (b && vt_bitmap_parse_list(b, text, VT_BITMAP_ID_MAX, &err) < 0) {
        fprintf(stderr, "bad cpulist '%s' in the profile table: %s\n", text, err.msg);
        abort();
    }
    return b;
}

/* ---- hwloc's XML: a small attribute scanner ---------------------------- */

struct hw_node {
    unsigned os_index;
    uint64_t gp_index;
    bool has_gp;
    struct vt_bitmap *cpuset, *complete; /* complete is NULL when not printed */
    uint64_t memory;                     /* local_memory; hwloc omits it when 0 */
};

struct hw_topo {
    struct hw_node *nodes;
    size_t nnodes, cap;
    bool has_dist, dist_gp; /* a NUMALatency matrix; indexed by gp_index instead of os_index */
    uint64_t nbobjs;
    uint64_t *idx, *val;
    size_t nidx, capidx, nval, capval;
};

static void hw_free(struct hw_topo *t)
{
    for (size_t i = 0; i < t->nnodes; i++) {
        vt_bitmap_free(t->nodes[i].cpuset);
        vt_bitmap_free(t->nodes[i].complete);
    }
    free(t->nodes);
    free(t->idx);
    free(t->val);
    memset(t, 0, sizeof(*t));
}

struct attr {
    const char *name, *val;
    size_t nlen, vlen;
};

#define MAX_ATTRS 64

static bool is_name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_' || ch == '-' || ch == ':' || ch == '.';
}

static bool attr_is(const struct attr *a, const char *name)
{
    return a->nlen == strlen(name) && memcmp(a->name, name, a->nlen) == 0;
}

/* The value of attribute name, malloc'd; NULL when absent. Values we use never
 * need XML entities, so one with '&' is rejected rather than misread. */
static char *attr_dup(const struct attr *a, size_t n, const char *name, char *why, size_t whysz,
                      bool *bad)
{
    for (size_t i = 0; i < n; i++) {
        char *v;

        if (!attr_is(&a[i], name))
            continue;
        if (memchr(a[i].val, '&', a[i].vlen)) {
            say(why, whysz, "attribute %s=\"%.*s\" uses an XML entity", name, (int)a[i].vlen,
                a[i].val);
            *bad = true;
            return NULL;
        }
        v = strndup(a[i].val, a[i].vlen);
        if (!v) {
            say(why, whysz, "out of memory");
            *bad = true;
        }
        return v;
    }
    return NULL;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;

    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return errno || *end ? -EINVAL : 0;
}

/*
 * hwloc_bitmap_snprintf's form: "0x"-prefixed 32-bit words, most significant
 * first, all-zero words between others printed empty ("0xff,,0x0"); a bitmap
 * infinitely set from some bit on starts with "0xf...f". vtopo models finite
 * CPU sets only, so the infinite form is an error, not something to guess at.
 */
static int hw_bitmap(const char *text, struct vt_bitmap *b, char *why, size_t whysz)
{
    size_t len = strlen(text);
    char *norm = malloc(len * 2 + 2), *o = norm;
    const char *p = text;
    struct vt_err err;
    int rc;

    if (!norm) {
        say(why, whysz, "out of memory");
        return -ENOMEM;
    }
    if (strstr(text, "f...f")) {
        say(why, whysz,
            "hwloc printed the infinite bitmap '%s' (0xf...f form); vtopo's CPU sets are "
            "finite, so this cannot be compared",
            text);
        free(norm);
        return -ERANGE;
    }
    for (;;) {
        const char *end = strchr(p, ',');
        size_t wl = end ? (size_t)(end - p) : strlen(p);

        if (wl == 0) {
            *o++ = '0';
        } else if (wl < 3 || p[0] != '0' || p[1] != 'x') {
            say(why, whysz, "bitmap '%s': word '%.*s' is not 0x-prefixed hex", text, (int)wl, p);
            free(norm);
            return -EINVAL;
        } else {
            memcpy(o, p, wl);
            o += wl;
        }
        if (!end)
            break;
        *o++ = ',';
        p = end + 1;
    }
    *o = '\0';
    rc = vt_bitmap_parse_mask(b, norm, VT_CPU_ID_MAX, &err);
    if (rc < 0)
        say(why, whysz, "bitmap '%s': %s", text, err.msg);
    free(norm);
    return rc;
}

static int push_u64(uint64_t **arr, size_t *n, size_t *cap, uint64_t v)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        uint64_t *p = realloc(*arr, ncap * sizeof(*p));

        if (!p)
            return -ENOMEM;
        *arr = p;
        *cap = ncap;
    }
    (*arr)[(*n)++] = v;
    return 0;
}

/* Whitespace-separated decimal numbers up to the next '<'. */
static int parse_numbers(const char *p, uint64_t **arr, size_t *n, size_t *cap, char *why,
                         size_t whysz)
{
    while (*p && *p != '<') {
        char num[32];
        size_t k = 0;
        uint64_t v;

        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        while (*p && *p != '<' && !isspace((unsigned char)*p) && k < sizeof(num) - 1)
            num[k++] = *p++;
        num[k] = '\0';
        if (parse_u64(num, &v) < 0) {
            say(why, whysz, "distance matrix: '%s' is not a number", num);
            return -EINVAL;
        }
        if (push_u64(arr, n, cap, v) < 0) {
            say(why, whysz, "out of memory");
            return -ENOMEM;
        }
    }
    return 0;
}

static int hw_add_node(struct hw_topo *t, const struct attr *a, size_t na, char *why, size_t whysz)
{
    bool bad = false;
    char *os = attr_dup(a, na, "os_index", why, whysz, &bad);
    char *cpuset = bad ? NULL : attr_dup(a, na, "cpuset", why, whysz, &bad);
    char *complete = bad ? NULL : attr_dup(a, na, "complete_cpuset", why, whysz, &bad);
    char *mem = bad ? NULL : attr_dup(a, na, "local_memory", why, whysz, &bad);
    char *gp = bad ? NULL : attr_dup(a, na, "gp_index", why, whysz, &bad);
    struct hw_node *n;
    uint64_t v;
    int rc = -EINVAL;

    if (bad)
        goto out;
    if (!os || parse_u64(os, &v) < 0 || v > VT_NODE_ID_MAX) {
        say(why, whysz, "NUMANode with os_index '%s'", os ? os : "(missing)");
        goto out;
    }
    if (!cpuset) {
        say(why, whysz, "NUMANode P#%" PRIu64 " has no cpuset attribute", v);
        goto out;
    }
    for (size_t i = 0; i < t->nnodes; i++)
        if (t->nodes[i].os_index == v) {
            say(why, whysz, "NUMANode P#%" PRIu64 " appears twice", v);
            goto out;
        }
    if (t->nnodes == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        struct hw_node *p = realloc(t->nodes, ncap * sizeof(*p));

        if (!p) {
            rc = -ENOMEM;
            say(why, whysz, "out of memory");
            goto out;
        }
        t->nodes = p;
        t->cap = ncap;
    }
    n = &t->nodes[t->nnodes];
    memset(n, 0, sizeof(*n));
    n->os_index = (unsigned)v;
    n->cpuset = vt_bitmap_new();
    n->complete = complete ? vt_bitmap_new() : NULL;
    t->nnodes++; /* counted now so hw_free frees whatever was allocated */
    if (!n->cpuset || (complete && !n->complete)) {
        rc = -ENOMEM;
        say(why, whysz, "out of memory");
        goto out;
    }
    if ((rc = hw_bitmap(cpuset, n->cpuset, why, whysz)) < 0)
        goto out;
    if (complete && (rc = hw_bitmap(complete, n->complete, why, whysz)) < 0)
        goto out;
    rc = -EINVAL;
    if (mem && parse_u64(mem, &n->memory) < 0) {
        say(why, whysz, "NUMANode P#%u: local_memory '%s' is not a number", n->os_index, mem);
        goto out;
    }
    if (gp) {
        if (parse_u64(gp, &n->gp_index) < 0) {
            say(why, whysz, "NUMANode P#%u: gp_index '%s' is not a number", n->os_index, gp);
            goto out;
        }
        n->has_gp = true;
    }
    rc = 0;
out:
    free(os);
    free(cpuset);
    free(complete);
    free(mem);
    free(gp);
    return rc;
}

/* <distances2 type="NUMANode" name="NUMALatency" nbobjs=.. indexing="os"|"gp">:
 * returns 1 when this is the block to read, 0 for another one, <0 on error. */
static int hw_dist_start(struct hw_topo *t, const struct attr *a, size_t na, char *why,
                         size_t whysz)
{
    bool bad = false;
    char *type = attr_dup(a, na, "type", why, whysz, &bad);
    char *name = bad ? NULL : attr_dup(a, na, "name", why, whysz, &bad);
    char *nb = bad ? NULL : attr_dup(a, na, "nbobjs", why, whysz, &bad);
    char *indexing = bad ? NULL : attr_dup(a, na, "indexing", why, whysz, &bad);
    int rc = -EINVAL;

    if (bad)
        goto out;
    if (!type || strcmp(type, "NUMANode") != 0 || !name || strcmp(name, "NUMALatency") != 0) {
        rc = 0;
        goto out;
    }
    if (t->has_dist) {
        say(why, whysz, "two NUMALatency matrices");
        goto out;
    }
    if (!nb || parse_u64(nb, &t->nbobjs) < 0 || t->nbobjs == 0 || t->nbobjs > VT_NODE_ID_MAX + 1) {
        say(why, whysz, "NUMALatency: nbobjs '%s'", nb ? nb : "(missing)");
        goto out;
    }
    /* hwloc 2.x writes indexing="os" for NUMA nodes; "gp" names gp_index. */
    if (!indexing || (strcmp(indexing, "os") != 0 && strcmp(indexing, "gp") != 0)) {
        say(why, whysz, "NUMALatency: indexing '%s' is neither os nor gp",
            indexing ? indexing : "(missing)");
        goto out;
    }
    t->dist_gp = strcmp(indexing, "gp") == 0;
    t->has_dist = true;
    rc = 1;
out:
    free(type);
    free(name);
    free(nb);
    free(indexing);
    return rc;
}

/* Parse one tag's name and attributes; p points just after '<'. Returns the
 * character after '>' or NULL with why set. */
static const char *parse_tag(const char *p, struct attr *name, struct attr *attrs, size_t *nattrs,
                             bool *self_closing, char *why, size_t whysz)
{
    const char *start = p;

    *nattrs = 0;
    *self_closing = false;
    name->name = p;
    while (is_name_char(*p))
        p++;
    name->nlen = (size_t)(p - start);
    if (!name->nlen) {
        say(why, whysz, "malformed tag at '%.20s'", start);
        return NULL;
    }
    for (;;) {
        struct attr *a;
        const char *q;
        char quote;

        while (isspace((unsigned char)*p))
            p++;
        if (*p == '>')
            return p + 1;
        if (p[0] == '/' && p[1] == '>') {
            *self_closing = true;
            return p + 2;
        }
        if (*nattrs == MAX_ATTRS) {
            say(why, whysz, "<%.*s> has more than %d attributes", (int)name->nlen, name->name,
                MAX_ATTRS);
            return NULL;
        }
        a = &attrs[(*nattrs)++];
        a->name = p;
        while (is_name_char(*p))
            p++;
        a->nlen = (size_t)(p - a->name);
        while (isspace((unsigned char)*p))
            p++;
        if (!a->nlen || *p != '=') {
            say(why, whysz, "<%.*s>: malformed attribute at '%.20s'", (int)name->nlen, name->name,
                a->name);
            return NULL;
        }
        p++;
        while (isspace((unsigned char)*p))
            p++;
        quote = *p;
        if (quote != '"' && quote != '\'') {
            say(why, whysz, "<%.*s>: unquoted value of %.*s", (int)name->nlen, name->name,
                (int)a->nlen, a->name);
            return NULL;
        }
        q = strchr(p + 1, quote);
        if (!q) {
            say(why, whysz, "<%.*s>: unterminated value of %.*s", (int)name->nlen, name->name,
                (int)a->nlen, a->name);
            return NULL;
        }
        a->val = p + 1;
        a->vlen = (size_t)(q - a->val);
        p = q + 1;
    }
}

static int hw_parse(const char *xml, struct hw_topo *t, char *why, size_t whysz)
{
    const char *p = xml;
    bool in_dist = false, saw_topology = false;
    struct attr attrs[MAX_ATTRS], name;

    memset(t, 0, sizeof(*t));
    while ((p = strchr(p, '<'))) {
        size_t na;
        bool self_closing;
        int rc;

        p++;
        if (strncmp(p, "!--", 3) == 0) {
            const char *e = strstr(p, "-->");

            if (!e) {
                say(why, whysz, "unterminated comment");
                return -EINVAL;
            }
            p = e + 3;
            continue;
        }
        if (*p == '?' || *p == '!') {
            const char *e = strchr(p, '>');

            if (!e) {
                say(why, whysz, "unterminated declaration");
                return -EINVAL;
            }
            p = e + 1;
            continue;
        }
        if (*p == '/') {
            if (strncmp(p + 1, "distances2>", 11) == 0)
                in_dist = false;
            continue;
        }
        if (!(p = parse_tag(p, &name, attrs, &na, &self_closing, why, whysz)))
            return -EINVAL;
        if (attr_is(&name, "topology")) {
            saw_topology = true;
        } else if (attr_is(&name, "object")) {
            bool bad = false;
            char *type = attr_dup(attrs, na, "type", why, whysz, &bad);

            if (bad)
                return -EINVAL;
            rc = type && strcmp(type, "NUMANode") == 0 ? hw_add_node(t, attrs, na, why, whysz) : 0;
            free(type);
            if (rc < 0)
                return rc;
        } else if (attr_is(&name, "distances2")) {
            if ((rc = hw_dist_start(t, attrs, na, why, whysz)) < 0)
                return rc;
            in_dist = rc == 1 && !self_closing;
        } else if (in_dist && !self_closing && attr_is(&name, "indexes")) {
            if ((rc = parse_numbers(p, &t->idx, &t->nidx, &t->capidx, why, whysz)) < 0)
                return rc;
        } else if (in_dist && !self_closing && attr_is(&name, "u64values")) {
            if ((rc = parse_numbers(p, &t->val, &t->nval, &t->capval, why, whysz)) < 0)
                return rc;
        }
    }
    if (!saw_topology) {
        say(why, whysz, "no <topology> element: not hwloc XML");
        return -EINVAL;
    }
    if (t->has_dist && (t->nidx != t->nbobjs || t->nval != t->nbobjs * t->nbobjs)) {
        say(why, whysz,
            "NUMALatency: nbobjs %" PRIu64 " but %zu indexes and %zu values (expected %" PRIu64 ")",
            t->nbobjs, t->nidx, t->nval, t->nbobjs * t->nbobjs);
        return -EINVAL;
    }
    return 0;
}

static const struct hw_node *hw_node(const struct hw_topo *t, unsigned os_index)
{
    for (size_t i = 0; i < t->nnodes; i++)
        if (t->nodes[i].os_index == os_index)
            return &t->nodes[i];
    return NULL;
}

/* os_index of the k-th matrix index, or -1. */
static long hw_dist_os(const struct hw_topo *t, size_t k)
{
    if (!t->dist_gp)
        return t->idx[k] <= VT_NODE_ID_MAX ? (long)t->idx[k] : -1;
    for (size_t i = 0; i < t->nnodes; i++)
        if (t->nodes[i].has_gp && t->nodes[i].gp_index == t->idx[k])
            return t->nodes[i].os_index;
    return -1;
}

/* ---- running lstopo --------------------------------------------------- */

static int find_lstopo(char *out, size_t size)
{
    const char *env = getenv("VT_LSTOPO");
    const char *path = getenv("PATH");
    char *copy, *save = NULL;
    int rc = -ENOENT;

    if (env && *env) {
        snprintf(out, size, "%s", env);
        return access(out, X_OK) == 0 ? 0 : -ENOENT;
    }
    copy = strdup(path && *path ? path : "/usr/bin:/bin");
    if (!copy)
        return -ENOMEM;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(out, size, "%s/%s", *dir ? dir : ".", LSTOPO);
        if (access(out, X_OK) == 0) {
            rc = 0;
            break;
        }
    }
    free(copy);
    return rc;
}

/* Unset every HWLOC_* variable, so nothing from the caller's environment
 * (HWLOC_XMLFILE, HWLOC_ALLOW, ...) changes what lstopo reports. */
static void clear_hwloc_env(void)
{
    for (;;) {
        char name[256];
        size_t i, len = 0;

        for (i = 0; environ[i]; i++)
            if (strncmp(environ[i], "HWLOC_", 6) == 0)
                break;
        if (!environ[i])
            return;
        while (environ[i][len] && environ[i][len] != '=' && len < sizeof(name) - 1)
            len++;
        memcpy(name, environ[i], len);
        name[len] = '\0';
        if (unsetenv(name) < 0)
            return;
    }
}

/* Run lstopo on fsroot with hwloc's own test-harness environment. */
static int run_lstopo(const char *lstopo, const char *fsroot, bool disallowed, bool keep_gpu,
                      char **xml, char *why, size_t whysz)
{
    char cmd[PATH_MAX + 64];
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    FILE *f;
    int status;

    *xml = NULL;
    if (!buf) {
        say(why, whysz, "out of memory");
        return -ENOMEM;
    }
    if (strchr(lstopo, '\'')) {
        say(why, whysz, "lstopo path %s contains a quote", lstopo);
        free(buf);
        return -EINVAL;
    }
    clear_hwloc_env();
    setenv("HWLOC_COMPONENTS", "linux,stop", 1);
    setenv("HWLOC_FSROOT", fsroot, 1);
    setenv("HWLOC_DUMPED_HWDATA_DIR", "/var/run/hwloc", 1);
    setenv("HWLOC_DONT_ADD_VERSION_INFO", "1", 1);
    setenv("LC_ALL", "C", 1);
    if (keep_gpu)
        setenv("HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES", "1", 1);
    snprintf(cmd, sizeof(cmd), "'%s' --of xml%s -", lstopo, disallowed ? " --disallowed" : "");
    f = popen(cmd, "r");
    if (!f) {
        say(why, whysz, "popen(%s): %s", cmd, strerror(errno));
        free(buf);
        clear_hwloc_env();
        return -errno;
    }
    for (;;) {
        size_t n;

        if (len + 1 == cap) {
            char *p = cap < MAX_XML ? realloc(buf, cap * 2) : NULL;

            if (!p)
                break;
            buf = p;
            cap *= 2;
        }
        n = fread(buf + len, 1, cap - 1 - len, f);
        if (n == 0)
            break;
        len += n;
    }
    buf[len] = '\0';
    status = pclose(f);
    clear_hwloc_env();
    if (len + 1 == cap) {
        say(why, whysz, "%s printed more than %u bytes", cmd, MAX_XML);
        free(buf);
        return -E2BIG;
    }
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (status != -1 && WIFEXITED(status))
            say(why, whysz, "%s (HWLOC_FSROOT=%s) exited with status %d", cmd, fsroot,
                WEXITSTATUS(status));
        else if (status != -1 && WIFSIGNALED(status))
            say(why, whysz, "%s (HWLOC_FSROOT=%s) was killed by signal %d", cmd, fsroot,
                WTERMSIG(status));
        else
            say(why, whysz, "%s (HWLOC_FSROOT=%s): pclose failed: %s", cmd, fsroot,
                strerror(errno));
        free(buf);
        return -EIO;
    }
    *xml = buf;
    return 0;
}

/* ---- facts the test reads from the dump itself -------------------------- */

struct gpu {
    char bdf[64];
    unsigned pnode;
};

/* /proc/driver/nvidia/gpus/<bdf>/numa_status "Node: N": the NUMA node holding
 * that GPU's memory (what hwloc drops, or keeps with HWLOC_KEEP_NVIDIA_...). */
static size_t read_gpus(const char *fsroot, struct gpu *gpus, size_t max)
{
    char path[PATH_MAX];
    struct dirent *de;
    size_t n = 0;
    DIR *d;

    if (snprintf(path, sizeof(path), "%s/proc/driver/nvidia/gpus", fsroot) >= (int)sizeof(path) ||
        !(d = opendir(path)))
        return 0;
    while ((de = readdir(d)) && n < max) {
        char file[PATH_MAX + 300], text[256];
        const char *p;
        long node;

        if (de->d_name[0] == '.')
            continue;
        snprintf(file, sizeof(file), "%s/%s/numa_status", path, de->d_name);
        if (read_small(file, text, sizeof(text)) < 0 || !(p = strstr(text, "Node:")))
            continue;
        node = strtol(p + 5, NULL, 10);
        if (node < 0 || node > (long)VT_NODE_ID_MAX)
            continue;
        if (strlen(de->d_name) >= sizeof(gpus[n].bdf))
            continue;
        memcpy(gpus[n].bdf, de->d_name, strlen(de->d_name) + 1);
        gpus[n].pnode = (unsigned)node;
        n++;
    }
    closedir(d);
    return n;
}

/* Union into out the CPUs of nodeN/access1/initiators (else access0), the way
 * hwloc's read_node_initiators does: every "nodeM" entry but N itself. Returns
 * -1 when neither directory exists. */
static int initiators(const char *fsroot, const struct vt_host *h, unsigned pnode,
                      struct vt_bitmap *const *raw, const bool *present, struct vt_bitmap *out)
{
    char path[PATH_MAX];
    struct dirent *de;
    DIR *d;

    snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%u/access1/initiators", fsroot,
             pnode);
    if (!(d = opendir(path))) {
        snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%u/access0/initiators", fsroot,
                 pnode);
        if (!(d = opendir(path)))
            return -1;
    }
    while ((de = readdir(d))) {
        char *end;
        unsigned long m;
        int j;

        if (strncmp(de->d_name, "node", 4) != 0 || !isdigit((unsigned char)de->d_name[4]))
            continue;
        m = strtoul(de->d_name + 4, &end, 10);
        if (m == pnode || m > VT_NODE_ID_MAX)
            continue;
        j = vt_host_node_index(h, (unsigned)m);
        if (j >= 0 && present[j])
            assert_int_equal(vt_bitmap_or(out, raw[j]), 0);
    }
    closedir(d);
    return 0;
}

/* The cgroup cpuset the profile names: cpus and mems, each a cpulist. */
static int read_cpuset(const char *fsroot, const struct profile *p, struct vt_bitmap *cpus,
                       struct vt_bitmap *mems, char *why, size_t whysz)
{
    const char *file[2] = {"cpus", "mems"};
    struct vt_bitmap *dst[2] = {cpus, mems};

    for (int i = 0; i < 2; i++) {
        char path[PATH_MAX + 64], text[4096];
        struct vt_err err;
        int rc;

        snprintf(path, sizeof(path), "%s/%s/%s%s", fsroot, p->cpuset_dir, p->cpuset_prefix,
                 file[i]);
        rc = read_small(path, text, sizeof(text));

        if (rc < 0) {
            say(why, whysz, "%s: %s", path, strerror(-rc));
            return rc;
        }
        if (vt_bitmap_parse_list(dst[i], text, VT_CPU_ID_MAX, &err) < 0) {
            say(why, whysz, "%s: %s", path, err.msg);
            return -EINVAL;
        }
    }
    return 0;
}

/* ---- hwloc's expected view, derived from vtopo's model ---------------- */

enum cause { SAME, OVERLAP, GPU_DROPPED, CGROUP, HMAT, DIST, GPU_LOCAL };

static const char *const cause_name[] = {
    [SAME] = "own CPUs",
    [OVERLAP] = "cpumap overlaps a lower node (buggy firmware): ignored",
    [GPU_DROPPED] = "NVIDIA GPU memory node: dropped",
    [CGROUP] = "outside the cgroup's mems: hidden",
    [HMAT] = "locality from HMAT initiators",
    [DIST] = "locality from the closest nodes' distances",
    [GPU_LOCAL] = "locality from the GPU's PCI local_cpus",
};

struct expect {
    size_t n;
    bool *present;
    enum cause *cause;
    struct vt_bitmap **cpus;
};

static void expect_free(struct expect *e)
{
    for (size_t i = 0; e->cpus && i < e->n; i++)
        vt_bitmap_free(e->cpus[i]);
    free(e->cpus);
    free(e->present);
    free(e->cause);
}

static bool distances_known(const struct vt_host *h)
{
    size_t n = vt_host_node_count(h);

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (!vt_host_node(h, i)->distances[j])
                return false;
    return n >= 2;
}

/* hwloc's fixup_cpuless_node_locality_from_distances: a CPU-less node gets
 * the CPUs of the strictly closest other nodes, unless all are equidistant. */
static bool dist_fixup(const struct vt_host *h, size_t i, struct vt_bitmap *const *raw,
                       const bool *present, struct vt_bitmap *out)
{
    const uint32_t *d = vt_host_node(h, i)->distances;
    size_t n = vt_host_node_count(h), nb = 0;
    uint32_t min = UINT32_MAX;

    for (size_t j = 0; j < n; j++) {
        if (j == i || !present[j])
            continue;
        if (d[j] < min) {
            min = d[j];
            nb = 1;
        } else if (d[j] == min) {
            nb++;
        }
    }
    if (min <= d[i] || min == UINT32_MAX || nb == n - 1)
        return false;
    for (size_t j = 0; j < n; j++)
        if (j != i && present[j] && d[j] == min)
            assert_int_equal(vt_bitmap_or(out, raw[j]), 0);
    return true;
}

/*
 * What lstopo should print for this host: which nodes, and each node's
 * cpuset, following topology-linux.c look_sysfsnode (reference doc §1.1):
 * nodes whose cpumap overlaps an earlier one are ignored; NVIDIA GPU memory
 * nodes are dropped, or kept with their GPU's local_cpus; nodes with CPUs
 * first, then CPU-less ones, gain their HMAT initiators' CPUs; CPU-less nodes
 * without initiators are located from distances; the default view is then
 * restricted to the cgroup cpuset (cpus NULL: not restricted).
 */
static void expect_build(struct expect *e, const struct vt_host *h, const char *fsroot,
                         const struct profile *prof, const struct gpu *gpus, size_t ngpus,
                         bool keep_gpu, const struct vt_bitmap *cg_cpus,
                         const struct vt_bitmap *cg_mems)
{
    const struct vt_bitmap *online = vt_host_cpus(h)->online;
    struct vt_bitmap *overlap = list_new(prof->overlap_dropped);
    bool use_dist = distances_known(h);

    e->n = vt_host_node_count(h);
    e->present = calloc(e->n, sizeof(*e->present));
    e->cause = calloc(e->n, sizeof(*e->cause));
    e->cpus = calloc(e->n, sizeof(*e->cpus));
    assert_non_null(overlap);
    assert_true(e->present && e->cause && e->cpus);
    for (size_t i = 0; i < e->n; i++) {
        const struct vt_host_node *nd = vt_host_node(h, i);

        e->cpus[i] = vt_bitmap_dup(nd->cpus);
        assert_non_null(e->cpus[i]);
        assert_int_equal(vt_bitmap_or(e->cpus[i], nd->offline_cpus), 0);
        e->present[i] = true;
        e->cause[i] = SAME;
        if (vt_bitmap_isset(overlap, nd->pnode)) {
            e->present[i] = false;
            e->cause[i] = OVERLAP;
        }
        for (size_t g = 0; g < ngpus; g++) {
            const struct vt_host_device *dev;

            if (gpus[g].pnode != nd->pnode)
                continue;
            if (!keep_gpu) {
                e->present[i] = false;
                e->cause[i] = GPU_DROPPED;
                continue;
            }
            vt_bitmap_zero(e->cpus[i]);
            dev = vt_host_device_by_bdf(h, gpus[g].bdf);
            if (dev && dev->local_cpus)
                assert_int_equal(vt_bitmap_copy(e->cpus[i], dev->local_cpus), 0);
            e->cause[i] = GPU_LOCAL;
        }
    }
    vt_bitmap_free(overlap);

    /* Pass 1: nodes with CPUs (cpumap not empty). Each pass reads the others'
     * cpusets as they are at that moment, as hwloc does. */
    for (size_t i = 0; i < e->n; i++)
        if (e->present[i] && !vt_bitmap_iszero(e->cpus[i])) {
            struct vt_bitmap *add = vt_bitmap_new();

            assert_non_null(add);
            initiators(fsroot, h, vt_host_node(h, i)->pnode, e->cpus, e->present, add);
            if (!vt_bitmap_subset(add, e->cpus[i]) && e->cause[i] == SAME)
                e->cause[i] = HMAT;
            assert_int_equal(vt_bitmap_or(e->cpus[i], add), 0);
            vt_bitmap_free(add);
        }
    /* Pass 2: CPU-less nodes. */
    for (size_t i = 0; i < e->n; i++)
        if (e->present[i] && vt_bitmap_iszero(e->cpus[i])) {
            struct vt_bitmap *add = vt_bitmap_new();

            assert_non_null(add);
            if (initiators(fsroot, h, vt_host_node(h, i)->pnode, e->cpus, e->present, add) == 0 &&
                !vt_bitmap_iszero(add)) {
                e->cause[i] = HMAT;
            } else if (use_dist && dist_fixup(h, i, e->cpus, e->present, add) &&
                       !vt_bitmap_iszero(add)) {
                e->cause[i] = DIST;
            }
            assert_int_equal(vt_bitmap_or(e->cpus[i], add), 0);
            vt_bitmap_free(add);
        }
    /* The core keeps online CPUs only; the default view also only allowed ones. */
    for (size_t i = 0; i < e->n; i++) {
        vt_bitmap_and(e->cpus[i], online);
        if (cg_cpus)
            vt_bitmap_and(e->cpus[i], cg_cpus);
        if (cg_mems && e->present[i] && !vt_bitmap_isset(cg_mems, vt_host_node(h, i)->pnode)) {
            e->present[i] = false;
            e->cause[i] = CGROUP;
        }
    }
}

/* Nodes whose cause is c, as a bitmap of pnodes. */
static struct vt_bitmap *expect_nodes(const struct expect *e, const struct vt_host *h, enum cause c)
{
    struct vt_bitmap *b = vt_bitmap_new();

    assert_non_null(b);
    for (size_t i = 0; i < e->n; i++)
        if (e->cause[i] == c)
            assert_int_equal(vt_bitmap_set(b, vt_host_node(h, i)->pnode), 0);
    return b;
}

/* The profile's list for one rule must be exactly the nodes the rule changed. */
static void check_rule(struct ctx *c, const struct expect *e, const struct vt_host *h,
                       enum cause cause, const char *listed, const char *field)
{
    struct vt_bitmap *want = list_new(listed), *got = expect_nodes(e, h, cause);
    char a[256], b[256];

    assert_non_null(want);
    if (!vt_bitmap_equal(want, got))
        mismatch(c, "profile says %s = %s, but the rule \"%s\" applies to nodes %s", field,
                 list_str(a, sizeof(a), want), cause_name[cause], list_str(b, sizeof(b), got));
    vt_bitmap_free(want);
    vt_bitmap_free(got);
}

/* ---- the comparison ----------------------------------------------------- */

static bool has_warning(const struct vt_host *h, const char *a, const char *b)
{
    for (size_t i = 0; i < vt_host_warning_count(h); i++)
        if (strstr(vt_host_warning(h, i), a) && (!b || strstr(vt_host_warning(h, i), b)))
            return true;
    return false;
}

/* Facts about vtopo's own model that the documented differences rest on. */
static void check_model(struct ctx *c, const struct vt_host *h, const struct profile *prof,
                        const struct gpu *gpus, size_t ngpus)
{
    struct vt_bitmap *overlap = list_new(prof->overlap_dropped);
    struct vt_bitmap *want_gpu = list_new(prof->gpu_nodes), *got_gpu = vt_bitmap_new();
    char a[256], b[256];

    assert_true(overlap && want_gpu && got_gpu);
    /* vtopo keeps a node whose CPUs a lower node already lists, CPU-less, and says so. */
    vt_bitmap_foreach(pn, overlap)
    {
        int i = vt_host_node_index(h, (unsigned)pn);
        const struct vt_host_node *nd = i >= 0 ? vt_host_node(h, (size_t)i) : NULL;

        if (!nd || !vt_bitmap_iszero(nd->cpus) || !vt_bitmap_iszero(nd->offline_cpus) ||
            !nd->memory_bytes)
            mismatch(c, "vtopo should keep node %d as a CPU-less node with memory", pn);
    }
    if (!vt_bitmap_iszero(overlap) &&
        !has_warning(h, "buggy firmware", list_str(a, sizeof(a), overlap)))
        mismatch(c, "vtopo gave no 'buggy firmware' warning naming nodes %s", a);

    for (size_t g = 0; g < ngpus; g++) {
        int i = vt_host_node_index(h, gpus[g].pnode);
        const struct vt_host_node *nd = i >= 0 ? vt_host_node(h, (size_t)i) : NULL;

        assert_int_equal(vt_bitmap_set(got_gpu, gpus[g].pnode), 0);
        if (!nd || nd->has_cpu || !nd->memory_bytes)
            mismatch(c, "GPU %s memory node %u should be a CPU-less node with memory in vtopo",
                     gpus[g].bdf, gpus[g].pnode);
        if (!vt_host_device_by_bdf(h, gpus[g].bdf))
            mismatch(c, "vtopo has no PCI device %s (GPU of node %u)", gpus[g].bdf, gpus[g].pnode);
    }
    if (!vt_bitmap_equal(want_gpu, got_gpu))
        mismatch(c, "profile says gpu_nodes = %s, proc/driver/nvidia names %s",
                 list_str(a, sizeof(a), want_gpu), list_str(b, sizeof(b), got_gpu));
    vt_bitmap_free(overlap);
    vt_bitmap_free(want_gpu);
    vt_bitmap_free(got_gpu);
}

static void compare_distances(struct ctx *c, const struct vt_host *h, const struct expect *e,
                              const struct hw_topo *t, size_t nexp)
{
    struct vt_bitmap *want = vt_bitmap_new(), *got = vt_bitmap_new();
    size_t n = vt_host_node_count(h), equal = 0;
    char a[256], b[256];

    assert_true(want && got);
    for (size_t i = 0; i < e->n; i++)
        if (e->present[i])
            assert_int_equal(vt_bitmap_set(want, vt_host_node(h, i)->pnode), 0);
    if (!t->has_dist) {
        if (nexp >= 2 && distances_known(h))
            mismatch(c, "hwloc has no NUMALatency matrix, vtopo knows the distances of %s",
                     list_str(a, sizeof(a), want));
        /* hwloc keeps no 1x1 matrix; vtopo's own entry must still be LOCAL_DISTANCE. */
        else if (nexp == 1 && vt_host_distance(h, (unsigned)vt_bitmap_first(want),
                                               (unsigned)vt_bitmap_first(want)) != 10)
            mismatch(c, "vtopo's distance of node %d to itself is %" PRIu32 ", not 10",
                     vt_bitmap_first(want),
                     vt_host_distance(h, (unsigned)vt_bitmap_first(want),
                                      (unsigned)vt_bitmap_first(want)));
        else
            printf("    distances: hwloc has no matrix (%zu node%s shown); vtopo has %zux%zu%s\n",
                   nexp, nexp == 1 ? "" : "s", n, n,
                   distances_known(h) || n == 1 ? "" : " (unknown)");
        goto out;
    }
    for (size_t k = 0; k < t->nidx; k++) {
        long os = hw_dist_os(t, k);

        if (os < 0 || vt_bitmap_isset(got, (unsigned)os)) {
            mismatch(c, "NUMALatency index %" PRIu64 " is unknown or repeated", t->idx[k]);
            goto out;
        }
        assert_int_equal(vt_bitmap_set(got, (unsigned)os), 0);
    }
    if (!vt_bitmap_equal(want, got)) {
        mismatch(c, "hwloc's matrix covers nodes %s, expected %s", list_str(a, sizeof(a), got),
                 list_str(b, sizeof(b), want));
        goto out;
    }
    for (size_t r = 0; r < t->nidx; r++)
        for (size_t k = 0; k < t->nidx; k++) {
            unsigned from = (unsigned)hw_dist_os(t, r), to = (unsigned)hw_dist_os(t, k);
            uint64_t hv = t->val[r * t->nidx + k];
            uint32_t ours = vt_host_distance(h, from, to);

            if (hv != ours)
                mismatch(c, "distance %u->%u: hwloc %" PRIu64 ", vtopo %" PRIu32, from, to, hv,
                         ours);
            else
                equal++;
        }
    printf("    distances: %zux%zu matrix over %s (%s indexing), %zu/%zu entries equal\n", t->nidx,
           t->nidx, list_str(a, sizeof(a), got), t->dist_gp ? "gp" : "os", equal,
           t->nidx * t->nidx);
out:
    vt_bitmap_free(want);
    vt_bitmap_free(got);
}

struct run {
    const char *label;
    bool disallowed, keep_gpu, cgroup;
};

static void compare_run(struct ctx *c, const char *lstopo, const struct dataset *ds,
                        const struct vt_host *h, const struct profile *prof, const struct gpu *gpus,
                        size_t ngpus, const struct run *run)
{
    struct vt_bitmap *cg_cpus = NULL, *cg_mems = NULL, *want = vt_bitmap_new(),
                     *got = vt_bitmap_new();
    struct expect e = {0};
    struct hw_topo t = {0};
    char why[1024], a[256], b[256];
    size_t nexp = 0, ncpu_eq = 0, nmem_eq = 0;
    char *xml = NULL;

    assert_true(want && got);
    c->run = run->label;
    printf("  run: %s\n", run->label);
    if (run->cgroup && prof->cpuset_dir) {
        cg_cpus = vt_bitmap_new();
        cg_mems = vt_bitmap_new();
        assert_true(cg_cpus && cg_mems);
        if (read_cpuset(ds->path, prof, cg_cpus, cg_mems, why, sizeof(why)) < 0) {
            mismatch(c, "the profile's cgroup cpuset cannot be read: %s", why);
            goto out;
        }
        printf("    cgroup cpuset %s/%s{cpus,mems}: cpus %s, mems %s\n", prof->cpuset_dir,
               prof->cpuset_prefix, list_str(a, sizeof(a), cg_cpus),
               list_str(b, sizeof(b), cg_mems));
    }
    expect_build(&e, h, ds->path, prof, gpus, ngpus, run->keep_gpu, cg_cpus, cg_mems);
    if (run->disallowed && run->keep_gpu) {
        /* The full view: the profile's lists must be exactly what the rules changed. */
        check_rule(c, &e, h, OVERLAP, prof->overlap_dropped, "overlap_dropped");
        check_rule(c, &e, h, HMAT, prof->hmat_widened, "hmat_widened");
        check_rule(c, &e, h, DIST, prof->dist_widened, "dist_widened");
        check_rule(c, &e, h, GPU_LOCAL, prof->gpu_nodes, "gpu_nodes");
    }

    if (run_lstopo(lstopo, ds->path, run->disallowed, run->keep_gpu, &xml, why, sizeof(why)) < 0) {
        mismatch(c, "%s", why);
        goto out;
    }
    if (hw_parse(xml, &t, why, sizeof(why)) < 0) {
        mismatch(c, "cannot read lstopo's XML: %s", why);
        goto out;
    }

    for (size_t i = 0; i < e.n; i++) {
        const struct vt_host_node *nd = vt_host_node(h, i);

        if (e.present[i]) {
            nexp++;
            assert_int_equal(vt_bitmap_set(want, nd->pnode), 0);
        } else {
            printf("    node %u: hidden by hwloc (%s)\n", nd->pnode, cause_name[e.cause[i]]);
        }
    }
    for (size_t k = 0; k < t.nnodes; k++)
        assert_int_equal(vt_bitmap_set(got, t.nodes[k].os_index), 0);
    if (!vt_bitmap_equal(want, got))
        mismatch(c, "hwloc shows NUMA nodes %s, expected %s", list_str(a, sizeof(a), got),
                 list_str(b, sizeof(b), want));
    else
        printf("    nodes: %zu (%s) as expected; vtopo has %zu\n", nexp,
               list_str(a, sizeof(a), got), e.n);

    for (size_t i = 0; i < e.n; i++) {
        const struct vt_host_node *nd = vt_host_node(h, i);
        const struct hw_node *hn = hw_node(&t, nd->pnode);
        struct vt_bitmap *ours_all;

        if (!e.present[i] || !hn)
            continue;
        if (!vt_bitmap_equal(hn->cpuset, e.cpus[i])) {
            mismatch(c, "node %u cpuset: hwloc %s, expected %s (vtopo cpus %s; %s)", nd->pnode,
                     list_str(a, sizeof(a), hn->cpuset), list_str(b, sizeof(b), e.cpus[i]),
                     list_str(why, sizeof(why), nd->cpus), cause_name[e.cause[i]]);
        } else {
            ncpu_eq++;
            if (e.cause[i] != SAME || !vt_bitmap_equal(hn->cpuset, nd->cpus))
                printf("    node %u: hwloc cpuset %s, vtopo cpus %s (%s%s)\n", nd->pnode,
                       list_str(a, sizeof(a), hn->cpuset), list_str(b, sizeof(b), nd->cpus),
                       cause_name[e.cause[i]], cg_cpus ? ", cgroup cpus only" : "");
        }
        /* complete_cpuset: hwloc never knows a CPU of a node that vtopo does not. */
        ours_all = vt_bitmap_dup(nd->cpus);
        assert_non_null(ours_all);
        assert_int_equal(vt_bitmap_or(ours_all, nd->offline_cpus), 0);
        if (hn->complete && !vt_bitmap_subset(hn->cpuset, hn->complete))
            mismatch(c, "node %u: hwloc cpuset is not inside its complete_cpuset", nd->pnode);
        if (hn->complete && (e.cause[i] == SAME || e.cause[i] == CGROUP) &&
            !vt_bitmap_subset(hn->complete, ours_all))
            mismatch(c, "node %u: hwloc complete_cpuset %s has CPUs vtopo does not list (%s)",
                     nd->pnode, list_str(a, sizeof(a), hn->complete),
                     list_str(b, sizeof(b), ours_all));
        vt_bitmap_free(ours_all);
        if (hn->memory != nd->memory_bytes)
            mismatch(c, "node %u local_memory: hwloc %" PRIu64 " bytes, vtopo %" PRIu64, nd->pnode,
                     hn->memory, nd->memory_bytes);
        else
            nmem_eq++;
    }
    printf("    cpusets: %zu/%zu equal to the expectation; local_memory: %zu/%zu equal (bytes)\n",
           ncpu_eq, nexp, nmem_eq, nexp);
    compare_distances(c, h, &e, &t, nexp);
out:
    fflush(stdout);
    expect_free(&e);
    hw_free(&t);
    free(xml);
    vt_bitmap_free(cg_cpus);
    vt_bitmap_free(cg_mems);
    vt_bitmap_free(want);
    vt_bitmap_free(got);
}

static const struct profile *profile_for(const char *dataset)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
        if (strcmp(profiles[i].dataset, dataset) == 0)
            return &profiles[i];
    return &strict_profile;
}

static void test_dataset(void **state)
{
    const struct dataset *ds = *state;
    const struct profile *prof = profile_for(ds->name);
    struct vt_host_source src = {VT_HOST_SYSFS, ds->path, NULL};
    /* full: everything hwloc can show; default: what it shows unasked. */
    const struct run runs[] = {
        {"full view (--disallowed, HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES=1)", true, true, false},
        {"default view (no flags)", false, false, true},
    };
    struct ctx c = {ds->name, "", 0};
    struct gpu gpus[MAX_GPUS];
    char lstopo[PATH_MAX];
    struct vt_host *h;
    struct vt_err err;
    size_t ngpus;

    if (find_lstopo(lstopo, sizeof(lstopo)) < 0)
        fail_msg("%s not found in PATH%s: this test compares vtopo with hwloc and cannot pass "
                 "without it (install the Debian package 'hwloc', or set VT_LSTOPO)",
                 LSTOPO, getenv("VT_LSTOPO") ? " (nor at $VT_LSTOPO)" : "");
    if (vt_host_load(&src, &h, &err) < 0)
        fail_msg("%s: vt_host_load: %s", ds->name, err.msg);

    printf("[%s] vtopo: %zu nodes; hwloc: %s; profile: %s\n", ds->name, vt_host_node_count(h),
           lstopo, prof == &strict_profile ? "none (strict)" : prof->dataset);
    ngpus = read_gpus(ds->path, gpus, MAX_GPUS);
    check_model(&c, h, prof, gpus, ngpus);
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++)
        compare_run(&c, lstopo, ds, h, prof, gpus, ngpus, &runs[r]);
    vt_host_free(h);
    if (c.failures)
        fail_msg("%s: %u mismatch%s between vtopo and lstopo (listed above)", ds->name, c.failures,
                 c.failures == 1 ? "" : "es");
}

static void test_lstopo_found(void **state)
{
    char path[PATH_MAX];

    (void)state;
    if (find_lstopo(path, sizeof(path)) < 0)
        fail_msg("%s not found in PATH: this test compares vtopo with hwloc and cannot pass "
                 "without it (install the Debian package 'hwloc', or set VT_LSTOPO)",
                 LSTOPO);
    printf("using %s\n", path);
}

/* Every profile must meet its dataset, so no documented difference goes
 * unchecked because a dump went missing. */
static void test_profiles_used(void **state)
{
    unsigned missing = 0;

    (void)state;
    if (datasets_problem[0])
        fail_msg("%s", datasets_problem);
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        bool found = false;

        for (size_t k = 0; k < ndatasets; k++)
            found |= strcmp(datasets[k].name, profiles[i].dataset) == 0;
        if (!found) {
            printf("profile %s: no such dataset under $VT_DATASETS\n", profiles[i].dataset);
            missing++;
        }
    }
    if (missing)
        fail_msg("%u profiled dataset(s) missing", missing);
}

static int cmp_dataset(const void *a, const void *b)
{
    return strcmp(((const struct dataset *)a)->name, ((const struct dataset *)b)->name);
}

static void find_datasets(void)
{
    const char *dir = getenv("VT_DATASETS");
    struct dirent *de;
    size_t cap = 0;
    DIR *d;

    if (!dir || !*dir) {
        snprintf(datasets_problem, sizeof(datasets_problem),
                 "VT_DATASETS is not set: run through ctest (fixture 'datasets' unpacks them)");
        return;
    }
    if (!(d = opendir(dir))) {
        snprintf(datasets_problem, sizeof(datasets_problem), "VT_DATASETS=%s: %s", dir,
                 strerror(errno));
        return;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        struct stat st;
        char path[PATH_MAX];

        if (de->d_name[0] == '.' || (len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0) ||
            len >= sizeof(datasets[0].name))
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
            stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        if (ndatasets == cap) {
            struct dataset *p = realloc(datasets, (cap ? cap * 2 : 16) * sizeof(*p));

            if (!p)
                break;
            datasets = p;
            cap = cap ? cap * 2 : 16;
        }
        snprintf(datasets[ndatasets].name, sizeof(datasets[0].name), "%s", de->d_name);
        snprintf(datasets[ndatasets].path, sizeof(datasets[0].path), "%s", path);
        ndatasets++;
    }
    closedir(d);
    if (ndatasets == 0)
        snprintf(datasets_problem, sizeof(datasets_problem),
                 "VT_DATASETS=%s holds no dataset directory", dir);
    else
        qsort(datasets, ndatasets, sizeof(*datasets), cmp_dataset);
}

int main(void)
{
    struct CMUnitTest *tests;
    size_t n = 0;
    int rc;

    find_datasets();
    tests = calloc(ndatasets + 2, sizeof(*tests));
    if (!tests) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lstopo_found);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_profiles_used);
    for (size_t i = 0; i < ndatasets; i++)
        tests[n++] = (struct CMUnitTest){datasets[i].name, test_dataset, NULL, NULL, &datasets[i]};
    /* The tests are only known at run time, so call what cmocka_run_group_tests expands to. */
    rc = _cmocka_run_group_tests("hwloc_lstopo", tests, n, NULL, NULL);
    free(tests);
    free(datasets);
    return rc;
}
