/* vt_check: rules a guest's SRAT/SLIT/MADT/HMAT (and E820, CPUID) must meet
 * for Linux to use them as meant, and the nodes Linux will make of them
 * (docs/check.md lists every rule with its source). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/linux/numa.h"
#include "format/acpi_parse.h"
#include "model/linux/cpu_topo.h"
#include "format/e820.h"
#include "util/bytes.h"
#include "util/text.h"
#include "vtopo/check.h"

#define MIB (UINT64_C(1) << 20)

struct vt_check {
    struct vt_finding *f;
    size_t nf;
    bool srat_used, slit_used, hmat_used;
    struct vt_check_node *nodes;
    size_t nnodes;
};

struct idmap;

struct ctx {
    struct vt_check *c;
    const struct vt_check_input *in;
    bool oom;
    bool have_srat, have_madt;
    /* The SRAT passed Linux's parse (acpi_numa >= 0): its PXM-to-node map
     * stands even when the NUMA layout is rejected later for coverage. */
    bool srat_parsed;
    struct acpi_srat srat;
    struct acpi_slit slit;
    struct acpi_madt madt;
    struct linux_numa numa;
    /* Indexes, so that every rule is linear in the CPUs: */
    struct idmap *madt_ids;         /* MADT APIC IDs Linux counts as CPUs -> entry */
    struct idmap *madt_uids;        /* MADT UIDs -> entry */
    struct idmap *srat_ids;         /* enabled SRAT processor APIC IDs -> entry */
    bool mem_pxm[VT_LINUX_MAX_PXM]; /* PXMs with an enabled SRAT memory entry */
};

struct key {
    uint32_t k;
    size_t i; /* index into madt.cpus or srat.entries */
};

static int cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;

    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static struct key *keys_new(size_t n)
{
    return malloc((n ? n : 1) * sizeof(struct key));
}

/* A small open-addressing map from 32-bit ids to indexes: O(1) lookups, so
 * the rules stay linear in the CPUs (8192 of them check in well under 1 ms). */
struct idmap {
    uint32_t *keys;
    size_t *vals; /* SIZE_MAX = empty */
    size_t mask;
};

static struct idmap *idmap_new(size_t n)
{
    struct idmap *m = calloc(1, sizeof(*m));
    size_t cap = 16;

    while (m && cap < 2 * n)
        cap *= 2;
    if (m) {
        m->keys = malloc(cap * sizeof(*m->keys));
        m->vals = malloc(cap * sizeof(*m->vals));
        m->mask = cap - 1;
    }
    if (!m || !m->keys || !m->vals) {
        if (m) {
            free(m->keys);
            free(m->vals);
        }
        free(m);
        return NULL;
    }
    memset(m->vals, 0xff, cap * sizeof(*m->vals));
    return m;
}

static void idmap_free(struct idmap *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->vals);
    free(m);
}

/* The slot of k: holding k, or the empty one where k would go. */
static size_t idmap_slot(const struct idmap *m, uint32_t k)
{
    size_t i = (size_t)(k * UINT32_C(2654435761)) & m->mask;

    while (m->vals[i] != SIZE_MAX && m->keys[i] != k)
        i = (i + 1) & m->mask;
    return i;
}

/* The index stored for k, or SIZE_MAX. A NULL map holds nothing. */
static size_t idmap_get(const struct idmap *m, uint32_t k)
{
    return m ? m->vals[idmap_slot(m, k)] : SIZE_MAX;
}

/* Store k -> v unless k is there; returns the index already stored, or
 * SIZE_MAX when v was stored. */
static size_t idmap_put(struct idmap *m, uint32_t k, size_t v)
{
    size_t i = idmap_slot(m, k);

    if (m->vals[i] != SIZE_MAX)
        return m->vals[i];
    m->keys[i] = k;
    m->vals[i] = v;
    return SIZE_MAX;
}

static void index_srat(struct ctx *x);

__attribute__((format(printf, 6, 7))) static void finding(struct ctx *x, enum vt_severity sev,
                                                          const char *rule, const char *table,
                                                          long offset, const char *fmt, ...)
{
    struct vt_finding *n = realloc(x->c->f, (x->c->nf + 1) * sizeof(*n));
    va_list ap;
    char *msg;
    int rc;

    if (!n) {
        x->oom = true;
        return;
    }
    x->c->f = n;
    va_start(ap, fmt);
    rc = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (rc < 0 || !(msg = vt_text_take_safe(msg))) {
        x->oom = true;
        return;
    }
    n = &x->c->f[x->c->nf++];
    n->severity = sev;
    n->rule = rule;
    snprintf(n->table, sizeof(n->table), "%s", table);
    n->offset = offset;
    n->message = msg;
}

/* Offset named in a parser's message ("at offset 48"), or -1. */
static long offset_in(const char *msg)
{
    const char *p = strstr(msg, "at offset ");

    return p ? strtol(p + 10, NULL, 10) : -1;
}

/* Header and checksum. A wrong checksum is reported and the table is read on
 * from a corrected copy (*copy, to free), so its other findings still show. */
static const uint8_t *header_check(struct ctx *x, const char *sig, const uint8_t *data, size_t len,
                                   const char *name, uint8_t **copy)
{
    uint8_t sum = 0;
    uint32_t hlen;

    *copy = NULL;
    (void)sig; /* vt_check_run made sure the table is one (is_table) */
    hlen = (uint32_t)data[4] | (uint32_t)data[5] << 8 | (uint32_t)data[6] << 16 |
           (uint32_t)data[7] << 24;
    if (hlen != len) {
        finding(x, VT_SEV_ERROR, "table.length", sig, 4,
                "%s: header length %u but the table has %zu bytes; ACPICA will not install it",
                name, hlen, len);
        return NULL;
    }
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + data[i]);
    if (sum == 0)
        return data;
    finding(x, VT_SEV_ERROR, "table.checksum", sig, 9,
            "%s: checksum wrong (should be 0x%02x): ACPICA reports \"Incorrect checksum\" and "
            "the kernel does not install the table",
            name, (uint8_t)(data[9] - sum));
    *copy = malloc(len);
    if (!*copy) {
        x->oom = true;
        return NULL;
    }
    memcpy(*copy, data, len);
    (*copy)[9] = (uint8_t)(data[9] - sum);
    return *copy;
}

/* ---- SRAT ---------------------------------------------------------------- */

static void check_srat(struct ctx *x)
{
    const struct vt_check_input *in = x->in;
    const char *name = in->srat_name ? in->srat_name : "SRAT";
    uint8_t *copy;
    const uint8_t *d = header_check(x, "SRAT", in->srat, in->srat_len, name, &copy);
    struct vt_err err;

    if (!d)
        return;
    if (srat_parse(d, in->srat_len, name, &x->srat, &err) < 0) {
        finding(x, VT_SEV_ERROR, "srat.structure", "SRAT", offset_in(err.msg),
                "%s; Linux calls bad_srat() and ignores the whole SRAT", err.msg);
        free(copy);
        return;
    }
    free(copy);
    x->have_srat = true;
    if (x->srat.revision < 2)
        for (size_t i = 0; i < x->srat.n; i++)
            if (x->srat.entries[i].type == VT_SRAT_LAPIC ||
                x->srat.entries[i].type == VT_SRAT_MEMORY) {
                finding(x, VT_SEV_NOTE, "srat.revision", "SRAT", 8,
                        "%s: revision %u: Linux reads only 8-bit proximity domains from LAPIC and "
                        "memory entries (revision 2 or later gives 32 bits)",
                        name, x->srat.revision);
                break;
            }
    for (size_t i = 0; i < x->srat.n; i++) {
        const struct acpi_srat_entry *e = &x->srat.entries[i];

        if (e->type != VT_SRAT_GENERIC_INITIATOR || e->handle_type != 1)
            continue;
        for (int b = 4; b < 16; b++)
            if (e->handle[b]) {
                finding(x, VT_SEV_WARNING, "srat.gi_handle", "SRAT", (long)e->offset + 8,
                        "%s: generic initiator at offset %zu: PCI device handle bytes 4-15 must "
                        "be zero (segment u16, bus, devfn); this one uses another layout (as "
                        "cloud-hypervisor did), so the handle names the wrong device",
                        name, e->offset);
                break;
            }
    }
    for (size_t i = 0; i < x->srat.n; i++) {
        const struct acpi_srat_entry *e = &x->srat.entries[i];

        if (e->type == VT_SRAT_MEMORY && (e->flags & VT_SRAT_ENABLED) && e->pxm < VT_LINUX_MAX_PXM)
            x->mem_pxm[e->pxm] = true;
    }
    linux_srat(&x->srat, &x->numa);
    index_srat(x);
    if (x->numa.gi_error != SIZE_MAX) {
        const struct acpi_srat_entry *e = &x->srat.entries[x->numa.gi_error];
        bool off = !(e->flags & VT_SRAT_ENABLED);

        finding(x, VT_SEV_WARNING, "srat.gi_error", "SRAT", (long)e->offset,
                "%s: the generic initiator at offset %zu %s %u: Linux's acpi_parse_gi_affinity "
                "fails, so it gets no node, and acpi_parse_entries_array() calls no handler "
                "after a failure: the %zu processor and generic initiator entries after it are "
                "not read (their CPUs get nodes round-robin)",
                name, e->offset, off ? "is disabled (flags" : "has proximity domain",
                off ? e->flags : e->pxm, x->numa.gi_skipped);
    }
    if (!x->numa.srat_used) {
        finding(x, VT_SEV_ERROR, "srat.rejected", "SRAT",
                x->numa.bad_offset == SIZE_MAX ? -1 : (long)x->numa.bad_offset,
                "%s: Linux does not use this SRAT: %s; it falls back to one node", name,
                x->numa.why);
        return;
    }
    x->c->srat_used = true;
    x->srat_parsed = true;
    {
        size_t n = 0, first = 0;

        for (size_t i = 0; i < x->numa.nnodes; i++)
            if (x->numa.pxm[i] >= VT_LINUX_SMALL_MAX_PXM && n++ == 0)
                first = i;
        if (n)
            finding(x, VT_SEV_NOTE, "srat.pxm_above_255", "SRAT", -1,
                    "%s: %zu proximity domain%s from %u (the first: %u): distribution kernels "
                    "(%u nodes) use them, but a kernel built with %u nodes or fewer (upstream's "
                    "x86-64 default is 64) has MAX_PXM_DOMAINS %u and drops this SRAT",
                    name, n, n == 1 ? "" : "s", VT_LINUX_SMALL_MAX_PXM, x->numa.pxm[first],
                    VT_LINUX_MAX_NUMNODES, VT_LINUX_SMALL_MAX_PXM, VT_LINUX_SMALL_MAX_PXM);
    }
}

/* More than 1 MiB of RAM outside every enabled SRAT memory range: Linux
 * (memblock_validate_numa_coverage) rejects the NUMA configuration. */
static void check_coverage(struct ctx *x)
{
    uint64_t ram = 0, covered = 0;
    struct e820_map map;
    struct vt_err err;

    if (!x->in->e820_text)
        return;
    if (e820_parse(x->in->e820_text, x->in->e820_name ? x->in->e820_name : "e820", &map, &err) <
        0) {
        finding(x, VT_SEV_ERROR, "e820.format", "", -1, "%s", err.msg);
        return;
    }
    if (!x->c->srat_used) {
        e820_free(&map);
        return;
    }
    for (size_t i = 0; i < map.n; i++) {
        const struct vt_e820_entry *r = &map.entries[i];

        if (r->type != VT_E820_RAM || r->end <= r->start)
            continue;
        ram += r->end - r->start;
        for (size_t k = 0; k < x->srat.n; k++) {
            const struct acpi_srat_entry *e = &x->srat.entries[k];
            uint64_t lo, hi;

            if (e->type != VT_SRAT_MEMORY || !(e->flags & VT_SRAT_ENABLED) ||
                e->base > UINT64_MAX - e->length_bytes)
                continue;
            lo = e->base > r->start ? e->base : r->start;
            hi = e->base + e->length_bytes < r->end ? e->base + e->length_bytes : r->end;
            if (hi > lo)
                covered += hi - lo;
        }
    }
    if (ram - covered > MIB) {
        finding(x, VT_SEV_ERROR, "srat.coverage", "SRAT", -1,
                "the SRAT's memory ranges cover %" PRIu64 " MiB of the E820's %" PRIu64
                " MiB of RAM; more than 1 MiB uncovered makes Linux reject the NUMA "
                "configuration (\"NUMA: no nodes coverage\") and fall back to one node",
                covered >> 20, ram >> 20);
        x->c->srat_used = false;
    }
    e820_free(&map);
}

/* ---- SLIT ---------------------------------------------------------------- */

static void check_slit(struct ctx *x)
{
    const struct vt_check_input *in = x->in;
    const char *name = in->slit_name ? in->slit_name : "SLIT";
    uint8_t *copy;
    const uint8_t *d = header_check(x, "SLIT", in->slit, in->slit_len, name, &copy);
    struct vt_err err;
    uint32_t max_pxm = 0;
    bool any = false;

    if (!d)
        return;
    if (slit_parse(d, in->slit_len, name, &x->slit, &err) < 0) {
        finding(x, VT_SEV_ERROR, "slit.structure", "SLIT", 36,
                "%s; Linux ignores the SLIT (distances 10/20)", err.msg);
        free(copy);
        return;
    }
    free(copy);
    for (uint64_t i = 0; i < x->slit.count; i++)
        for (uint64_t j = 0; j < x->slit.count; j++) {
            uint8_t v = x->slit.entries[i * x->slit.count + j];

            if (i == j ? v != 10 : v <= 10) {
                finding(x, VT_SEV_WARNING, "slit.invalid", "SLIT",
                        (long)(44 + i * x->slit.count + j),
                        "%s: entry [%" PRIu64 "][%" PRIu64 "] is %u; Linux needs 10 on the "
                        "diagonal and more than 10 elsewhere, so it drops the SLIT (\"SLIT table "
                        "looks invalid. Not used.\") and uses 10/20",
                        name, i, j, v);
                return;
            }
        }
    /* Linux reads the SLIT only after a usable SRAT, and forgets its
     * distances when it rejects the SRAT afterwards (numa_reset_distance). */
    if (!x->have_srat || !x->c->srat_used)
        return;
    x->c->slit_used = true;
    for (size_t n = 0; n < x->numa.nnodes; n++)
        if (x->numa.pxm[n] >= max_pxm) {
            max_pxm = x->numa.pxm[n];
            any = true;
        }
    if (any && x->slit.count < (uint64_t)max_pxm + 1)
        finding(x, VT_SEV_WARNING, "slit.count", "SLIT", 36,
                "%s: locality count %" PRIu64 " but the SRAT uses PXM %u; Linux indexes the SLIT "
                "by PXM, so PXMs from %" PRIu64 " on get the default distances 10/20 (rows "
                "written in node order instead of PXM order?)",
                name, x->slit.count, max_pxm, x->slit.count);
}

/* ---- MADT ---------------------------------------------------------------- */

/*
 * Whether Linux counts a MADT processor entry as a CPU: enabled ones as
 * present; disabled ones as possible (hot-pluggable) when online-capable, or
 * in a MADT before revision 5, where Linux 5.18-6.3 do not read the flag and
 * count every disabled entry, as older kernels do. (Later kernels decide by
 * the FADT revision, 6.3, instead.)
 */
static bool madt_counted(const struct acpi_madt *m, const struct acpi_madt_cpu *c)
{
    return (c->flags & (VT_MADT_ENABLED | VT_MADT_ONLINE_CAPABLE)) || m->revision < 5;
}

/* The MADT entry Linux counts for an APIC ID, or NULL. */
static const struct acpi_madt_cpu *madt_cpu(const struct ctx *x, uint32_t apic_id)
{
    size_t k = idmap_get(x->madt_ids, apic_id);

    return k != SIZE_MAX ? &x->madt.cpus[k] : NULL;
}

static bool madt_has(const struct ctx *x, uint32_t apic_id)
{
    return madt_cpu(x, apic_id) != NULL;
}

/* Index the MADT by APIC ID (the entries Linux counts, enabled ones first;
 * a second enabled entry for an ID is reported) and by UID. */
static void index_madt(struct ctx *x, const char *name)
{
    x->madt_ids = idmap_new(x->madt.ncpus);
    x->madt_uids = idmap_new(x->madt.ncpus);
    if (!x->madt_ids || !x->madt_uids) {
        x->oom = true;
        return;
    }
    for (int enabled = 1; enabled >= 0; enabled--)
        for (size_t i = 0; i < x->madt.ncpus; i++) {
            const struct acpi_madt_cpu *c = &x->madt.cpus[i];
            size_t prev;

            if (!(c->flags & VT_MADT_ENABLED) != !enabled || !madt_counted(&x->madt, c))
                continue;
            prev = idmap_put(x->madt_ids, c->apic_id, i);
            if (prev != SIZE_MAX && enabled)
                finding(x, VT_SEV_ERROR, "madt.duplicate", "APIC", (long)c->offset,
                        "%s: APIC ID %u is listed twice (offsets %zu and %zu)", name, c->apic_id,
                        x->madt.cpus[prev].offset, c->offset);
        }
    for (size_t i = 0; i < x->madt.ncpus; i++)
        idmap_put(x->madt_uids, x->madt.cpus[i].uid, i);
}

/* The online-capable flag against the MADT revision. */
static void check_online_capable(struct ctx *x, const char *name)
{
    const struct acpi_madt *m = &x->madt;
    size_t old_rev = 0, not_capable = 0, both = 0;
    const struct acpi_madt_cpu *first_old = NULL, *first_not = NULL, *first_both = NULL;

    for (size_t i = 0; i < m->ncpus; i++) {
        const struct acpi_madt_cpu *c = &m->cpus[i];
        bool en = c->flags & VT_MADT_ENABLED, oc = c->flags & VT_MADT_ONLINE_CAPABLE;

        if (oc && m->revision < 5 && !old_rev++)
            first_old = c;
        if (!en && !oc && m->revision >= 5 && !not_capable++)
            first_not = c;
        if (en && oc && !both++)
            first_both = c;
    }
    if (old_rev)
        finding(x, VT_SEV_WARNING, "madt.online_capable_revision", "APIC", (long)first_old->offset,
                "%s: %zu processor entries (first: APIC ID %u) set the online-capable flag, but "
                "the MADT is revision %u and the flag exists from revision 5 (ACPI 6.3) on: "
                "Linux 5.18-6.3 read it only from revision 5 (later kernels: from FADT 6.3), so "
                "here it is ignored (every disabled entry counts as a hot-pluggable CPU), and "
                "fwts reports a reserved bit",
                name, old_rev, first_old->apic_id, m->revision);
    if (not_capable)
        finding(x, VT_SEV_WARNING, "madt.not_online_capable", "APIC", (long)first_not->offset,
                "%s: %zu disabled processor entries (first: APIC ID %u) lack the online-capable "
                "flag in a revision %u MADT: Linux (from 5.18) does not count them as possible "
                "CPUs, so they can never be hot-added",
                name, not_capable, first_not->apic_id, m->revision);
    if (both)
        finding(x, VT_SEV_NOTE, "madt.online_capable_enabled", "APIC", (long)first_both->offset,
                "%s: %zu processor entries (first: APIC ID %u) are both enabled and "
                "online-capable; the spec wants online-capable clear on an enabled entry (Linux "
                "ignores it)",
                name, both, first_both->apic_id);
}

/* Index the SRAT's enabled processor entries Linux reads (those before a
 * failed generic initiator) by APIC ID. */
static void index_srat(struct ctx *x)
{
    x->srat_ids = idmap_new(x->srat.n);
    if (!x->srat_ids) {
        x->oom = true;
        return;
    }
    for (size_t i = 0; i < x->srat.n && i < x->numa.gi_error; i++) {
        const struct acpi_srat_entry *e = &x->srat.entries[i];

        if ((e->type == VT_SRAT_LAPIC || e->type == VT_SRAT_X2APIC) && (e->flags & VT_SRAT_ENABLED))
            idmap_put(x->srat_ids, e->apic_id, i);
    }
}

static void check_madt(struct ctx *x)
{
    const struct vt_check_input *in = x->in;
    const char *name = in->madt_name ? in->madt_name : "MADT";
    uint8_t *copy;
    const uint8_t *d = header_check(x, "APIC", in->madt, in->madt_len, name, &copy);
    struct vt_err err;
    bool has_lapic = false;

    if (!d)
        return;
    if (madt_parse(d, in->madt_len, name, &x->madt, &err) < 0) {
        finding(x, VT_SEV_ERROR, "madt.structure", "APIC", offset_in(err.msg), "%s", err.msg);
        free(copy);
        return;
    }
    free(copy);
    x->have_madt = true;
    index_madt(x, name);
    if (x->oom)
        return;
    check_online_capable(x, name);
    for (size_t i = 0; i < x->madt.ncpus; i++)
        has_lapic |= x->madt.cpus[i].type == 0 && x->madt.cpus[i].apic_id != VT_XAPIC_BROADCAST_ID;
    for (size_t i = 0; i < x->madt.ncpus; i++) {
        const struct acpi_madt_cpu *c = &x->madt.cpus[i];

        if (c->type == 0 && c->apic_id == VT_XAPIC_BROADCAST_ID)
            finding(x, VT_SEV_WARNING, "madt.lapic_ff", "APIC", (long)c->offset,
                    "%s: local APIC entry with APIC ID 0xff: Linux ignores it", name);
        if (c->type == 9 && c->apic_id <= VT_XAPIC_MAX_ID && has_lapic)
            finding(x, VT_SEV_ERROR, "madt.x2apic_below_255", "APIC", (long)c->offset,
                    "%s: x2APIC entry with APIC ID %u below 255 next to local APIC entries: "
                    "Linux ignores it (the spec wants a local APIC entry), so the CPU never "
                    "comes up",
                    name, c->apic_id);
    }
}

/* ---- cross-table ----------------------------------------------------------- */

static void check_cross(struct ctx *x)
{
    size_t not_in_madt = 0, no_node = 0;
    long first = -1;
    uint32_t first_id = 0, first_missing = 0;

    if (!x->have_srat || !x->have_madt)
        return;
    for (size_t i = 0; i < x->srat.n; i++) {
        const struct acpi_srat_entry *e = &x->srat.entries[i];

        if ((e->type != VT_SRAT_LAPIC && e->type != VT_SRAT_X2APIC) ||
            !(e->flags & VT_SRAT_ENABLED) || madt_has(x, e->apic_id))
            continue;
        if (!not_in_madt++) {
            first = (long)e->offset;
            first_id = e->apic_id;
        }
    }
    if (not_in_madt)
        finding(x, VT_SEV_WARNING, "cross.srat_cpu_not_in_madt", "SRAT", first,
                "%zu SRAT processor entries name APIC IDs the MADT does not list (first: %u): "
                "CPUs the guest never starts, or APIC IDs from another encoding",
                not_in_madt, first_id);
    if (!x->c->srat_used)
        return;
    for (size_t i = 0; i < x->madt.ncpus; i++) {
        const struct acpi_madt_cpu *c = &x->madt.cpus[i];
        bool found = false;

        if (!madt_counted(&x->madt, c))
            continue;
        found = idmap_get(x->srat_ids, c->apic_id) != SIZE_MAX;
        if (!found && !no_node++)
            first_missing = c->apic_id;
    }
    if (no_node)
        finding(x, VT_SEV_WARNING, "cross.cpu_without_node", "APIC", -1,
                "%zu MADT CPUs have no SRAT processor entry (first: APIC ID %u): Linux gives "
                "them nodes round-robin (numa_init_array), not where they belong",
                no_node, first_missing);
}

/* ---- HMAT ---------------------------------------------------------------- */

static bool srat_memory_pxm(const struct ctx *x, uint32_t pxm)
{
    return pxm < VT_LINUX_MAX_PXM && x->mem_pxm[pxm];
}

static void check_hmat(struct ctx *x)
{
    const struct vt_check_input *in = x->in;
    const char *name = in->hmat_name ? in->hmat_name : "HMAT";
    uint8_t *copy;
    const uint8_t *d = header_check(x, "HMAT", in->hmat, in->hmat_len, name, &copy);
    struct acpi_hmat hmat;
    struct vt_err err;
    bool ok = true;

    if (!d)
        return;
    if (hmat_parse(d, in->hmat_len, name, &hmat, &err) < 0) {
        finding(x, VT_SEV_ERROR, "hmat.structure", "HMAT", offset_in(err.msg),
                "%s; Linux ignores the HMAT", err.msg);
        free(copy);
        return;
    }
    free(copy);
    if (!x->have_srat || !x->srat_parsed) {
        finding(x, VT_SEV_ERROR, "hmat.no_srat", "HMAT", -1,
                "%s: Linux parses the HMAT only after an SRAT it could parse", name);
        hmat_free(&hmat);
        return;
    }
    if (!x->c->srat_used)
        finding(x, VT_SEV_WARNING, "hmat.rejected_srat", "HMAT", -1,
                "%s: Linux rejected the SRAT's NUMA layout but still applies the HMAT through "
                "the rejected SRAT's PXM-to-node map (observed with Linux 6.1): the one node "
                "it fakes gets the attributes of the PXM that was node 0",
                name);
    for (size_t i = 0; i < hmat.npds && ok; i++) {
        const struct acpi_hmat_pd *pd = &hmat.pds[i];

        if (hmat.revision > 1 && !srat_memory_pxm(x, pd->memory_pd)) {
            finding(x, VT_SEV_ERROR, "hmat.memory_pd_missing", "HMAT", (long)pd->offset,
                    "%s: memory proximity domain %u has no enabled SRAT memory entry: Linux "
                    "rejects the HMAT (\"Memory Domain missing from SRAT\" at debug level, then "
                    "\"acpi/hmat: Ignoring: Invalid table\")",
                    name, pd->memory_pd);
            ok = false;
        } else if ((pd->flags & 1) && linux_node_of_pxm(&x->numa, pd->initiator_pd) < 0) {
            finding(x, VT_SEV_ERROR, "hmat.initiator_missing", "HMAT", (long)pd->offset,
                    "%s: initiator proximity domain %u is not in the SRAT: Linux rejects the "
                    "HMAT",
                    name, pd->initiator_pd);
            ok = false;
        }
    }
    for (size_t i = 0; i < hmat.nlocs && ok; i++)
        if (hmat.locs[i].base_unit == 0) {
            finding(x, VT_SEV_WARNING, "hmat.base_unit", "HMAT", (long)hmat.locs[i].offset + 24,
                    "%s: locality structure with entry base unit 0: every value reads as 0", name);
        }
    x->c->hmat_used = ok;
    hmat_free(&hmat);
}

/* ---- CPUID ------------------------------------------------------------------ */

struct cpu_leaves {
    unsigned vcpu;
    struct vt_cpuid_leaf *l;
    size_t n, cap;
};

/* cpuid.txt: "vcpu leaf subleaf eax ebx ecx edx" per line, hex with 0x;
 * "# vtopo cpuid: intel|amd, ..." names the vendor. */
static int parse_cpuid(struct ctx *x, struct cpu_leaves **out, size_t *ncpus,
                       enum vt_vendor *vendor)
{
    const char *p = x->in->cpuid_text, *name = x->in->cpuid_name ? x->in->cpuid_name : "cpuid";
    struct cpu_leaves *cpus = NULL;
    size_t n = 0, line = 0;
    bool vendor_known = false;

    *vendor = VT_VENDOR_INTEL;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char buf[256];
        unsigned v;
        unsigned long r[6];

        line++;
        if (len >= sizeof(buf))
            len = sizeof(buf) - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += eol ? (size_t)(eol - p) + 1 : strlen(p);
        if (buf[0] == '#') {
            if (strstr(buf, "vtopo cpuid: amd")) {
                *vendor = VT_VENDOR_AMD;
                vendor_known = true;
            } else if (strstr(buf, "vtopo cpuid: intel")) {
                vendor_known = true;
            }
            continue;
        }
        if (strspn(buf, " \t\r") == strlen(buf))
            continue;
        if (sscanf(buf, "%u %lx %lx %lx %lx %lx %lx", &v, &r[0], &r[1], &r[2], &r[3], &r[4],
                   &r[5]) != 7 ||
            v >= VT_MAX_VCPUS) {
            finding(x, VT_SEV_ERROR, "cpuid.format", "", -1,
                    "%s: line %zu: expected 'vcpu leaf subleaf eax ebx ecx edx'", name, line);
            for (size_t i = 0; i < n; i++)
                free(cpus[i].l);
            free(cpus);
            return -EINVAL;
        }
        if (n == 0 || cpus[n - 1].vcpu != v) {
            struct cpu_leaves *nc = realloc(cpus, (n + 1) * sizeof(*nc));

            if (!nc)
                goto oom;
            cpus = nc;
            memset(&cpus[n], 0, sizeof(cpus[n]));
            cpus[n++].vcpu = v;
        }
        {
            struct cpu_leaves *c = &cpus[n - 1];

            if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 32;
                struct vt_cpuid_leaf *nl = realloc(c->l, cap * sizeof(*nl));

                if (!nl)
                    goto oom;
                c->l = nl;
                c->cap = cap;
            }
            c->l[c->n++] = (struct vt_cpuid_leaf){(uint32_t)r[0], (uint32_t)r[1], (uint32_t)r[2],
                                                  (uint32_t)r[3], (uint32_t)r[4], (uint32_t)r[5]};
            if (!vendor_known && r[0] == 0x8000001e)
                *vendor = VT_VENDOR_AMD;
        }
    }
    if (n == 0) {
        /* As an E820 without entries: a named input that says nothing. */
        finding(x, VT_SEV_ERROR, "cpuid.format", "", -1,
                "%s: no CPUID leaves (expected lines 'vcpu leaf subleaf eax ebx ecx edx')", name);
        return -EINVAL;
    }
    *out = cpus;
    *ncpus = n;
    return 0;
oom:
    for (size_t i = 0; i < n; i++)
        free(cpus[i].l);
    free(cpus);
    x->oom = true;
    return -ENOMEM;
}

/* Linux node of an APIC ID through the SRAT, or -1. */
static int node_of_apic(const struct ctx *x, uint32_t apic_id)
{
    size_t k = idmap_get(x->srat_ids, apic_id);

    return k != SIZE_MAX ? linux_node_of_pxm(&x->numa, x->srat.entries[k].pxm) : -1;
}

/* Two CPUs in one group (package or LLC) but different nodes: sort by group,
 * then compare neighbours. */
static void spans(struct ctx *x, const struct linux_topo *t, const int *node, size_t n, bool llc)
{
    struct key *g = keys_new(n);
    size_t ng = 0;

    if (!g) {
        x->oom = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = llc ? t[i].llc_id : t[i].pkg_id;

        if (id != LT_BAD_ID && node[i] >= 0)
            g[ng++] = (struct key){id, i};
    }
    qsort(g, ng, sizeof(*g), cmp_key);
    for (size_t k = 1; k < ng; k++) {
        size_t i = g[k].i, j = g[k - 1].i;

        if (g[k].k != g[k - 1].k || node[i] == node[j])
            continue;
        if (llc)
            finding(x, VT_SEV_WARNING, "cpuid.llc_spans_nodes", "", -1,
                    "CPUID puts APIC IDs %u (node %d) and %u (node %d) in one last-level "
                    "cache: Linux warns \"llc-sibling ... is not on the same node\" "
                    "(topology_sane) and schedules across nodes as if they shared a cache",
                    t[j].apic_id, node[j], t[i].apic_id, node[i]);
        else
            finding(x, VT_SEV_WARNING, "cpuid.package_spans_nodes", "", -1,
                    "CPUID puts APIC IDs %u (node %d) and %u (node %d) in one package: "
                    "Linux sets x86_has_numa_in_package and drops the package scheduling "
                    "level",
                    t[j].apic_id, node[j], t[i].apic_id, node[i]);
        break;
    }
    free(g);
}

static void check_cpuid(struct ctx *x)
{
    struct cpu_leaves *cpus = NULL;
    size_t n = 0;
    enum vt_vendor vendor;
    struct linux_topo *t;
    int *node;

    if (!x->in->cpuid_text || parse_cpuid(x, &cpus, &n, &vendor) < 0)
        return;
    t = calloc(n ? n : 1, sizeof(*t));
    node = calloc(n ? n : 1, sizeof(*node));
    if (!t || !node) {
        x->oom = true;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct vt_err err;

        node[i] = -1;
        if (linux_topo_decode(vendor, cpus[i].l, cpus[i].n, &t[i], &err) < 0) {
            finding(x, VT_SEV_ERROR, "cpuid.decode", "", -1, "vCPU %u: %s", cpus[i].vcpu, err.msg);
            goto out;
        }
        if (x->have_madt) {
            size_t k = idmap_get(x->madt_uids, cpus[i].vcpu);
            const struct acpi_madt_cpu *m = k != SIZE_MAX ? &x->madt.cpus[k] : NULL;

            if (m && m->apic_id != t[i].apic_id) {
                finding(x, VT_SEV_ERROR, "cpuid.apic_mismatch", "APIC", (long)m->offset,
                        "vCPU %u: CPUID reports APIC ID %u but the MADT entry with UID %u says "
                        "%u (a table still built with another encoding, e.g. vcpu*2?): Linux "
                        "reports \"APIC ID mismatch\" and the CPU's node and topology are wrong",
                        cpus[i].vcpu, t[i].apic_id, cpus[i].vcpu, m->apic_id);
                goto out;
            }
            if (!m && !madt_has(x, t[i].apic_id))
                finding(x, VT_SEV_WARNING, "cpuid.not_in_madt", "APIC", -1,
                        "vCPU %u: CPUID APIC ID %u is not in the MADT", cpus[i].vcpu, t[i].apic_id);
        }
        if (x->have_srat && x->c->srat_used)
            node[i] = node_of_apic(x, t[i].apic_id);
    }
    if (x->have_madt) {
        size_t enabled = 0;

        for (size_t i = 0; i < x->madt.ncpus; i++)
            enabled += (x->madt.cpus[i].flags & VT_MADT_ENABLED) != 0;
        if (n < enabled)
            finding(x, VT_SEV_ERROR, "cpuid.missing_cpus", "", -1,
                    "the CPUID describes %zu vCPU%s but the MADT enables %zu CPUs: the others "
                    "have no CPUID here (the CPUID and the tables of two guests?)",
                    n, n == 1 ? "" : "s", enabled);
    }
    spans(x, t, node, n, false);
    spans(x, t, node, n, true);
out:
    for (size_t i = 0; i < n; i++)
        free(cpus[i].l);
    free(cpus);
    free(t);
    free(node);
}

/* ---- the predicted nodes ---------------------------------------------------- */

static void predict_nodes(struct ctx *x)
{
    struct vt_check *c = x->c;

    if (!x->have_srat || !c->srat_used)
        return;
    c->nodes = calloc(x->numa.nnodes ? x->numa.nnodes : 1, sizeof(*c->nodes));
    if (!c->nodes) {
        x->oom = true;
        return;
    }
    c->nnodes = x->numa.nnodes;
    for (size_t n = 0; n < c->nnodes; n++) {
        c->nodes[n].linux_node = (int)n;
        c->nodes[n].pxm = x->numa.pxm[n];
    }
    for (size_t i = 0; i < x->srat.n; i++) {
        const struct acpi_srat_entry *e = &x->srat.entries[i];
        int nd = linux_node_of_pxm(&x->numa, e->pxm);
        struct vt_check_node *cn = nd >= 0 ? &c->nodes[nd] : NULL;
        const struct acpi_madt_cpu *m;

        if (!(e->flags & VT_SRAT_ENABLED) || !cn)
            continue;
        /* Processor and GI entries after a failed GI are never read. */
        if (e->type != VT_SRAT_MEMORY && i >= x->numa.gi_error)
            continue;
        if (e->type == VT_SRAT_MEMORY) {
            if (e->flags & VT_SRAT_MEM_HOTPLUGGABLE)
                cn->hotplug_memory_bytes += e->length_bytes;
            else
                cn->memory_bytes += e->length_bytes;
        } else if (e->type == VT_SRAT_GENERIC_INITIATOR) {
            cn->generic_initiators++;
        } else if (e->type == VT_SRAT_LAPIC || e->type == VT_SRAT_X2APIC) {
            if (!x->have_madt)
                cn->ncpus++;
            else if ((m = madt_cpu(x, e->apic_id)))
                (*(m->flags & VT_MADT_ENABLED ? &cn->ncpus : &cn->hotplug_cpus))++;
        }
    }
    for (size_t n = 0; n < c->nnodes; n++) {
        const struct vt_check_node *cn = &c->nodes[n];
        bool cpus = cn->ncpus || cn->hotplug_cpus;

        if (!cpus && cn->memory_bytes)
            finding(x, VT_SEV_NOTE, "node.cpu_less", "", -1,
                    "Linux node %zu (PXM %u) has memory but no CPU", n, cn->pxm);
        else if (cn->ncpus && !cn->memory_bytes)
            finding(x, VT_SEV_NOTE, "node.memory_less", "", -1,
                    "Linux node %zu (PXM %u) has CPUs but no memory: Linux onlines it late "
                    "(init_cpu_to_node) and allocates its memory from the nearest node",
                    n, cn->pxm);
        else if (!cpus && !cn->memory_bytes && !cn->hotplug_memory_bytes && cn->generic_initiators)
            finding(x, VT_SEV_NOTE, "node.initiator_only", "", -1,
                    "Linux node %zu (PXM %u) has only generic initiators: Linux onlines it "
                    "without CPUs or memory (\"Initializing node %zu as memoryless\", "
                    "init_gi_nodes) and lists it in has_generic_initiator",
                    n, cn->pxm, n);
        else if (!linux_node_online_at_boot(cn->ncpus, cn->memory_bytes, cn->generic_initiators))
            finding(x, VT_SEV_NOTE, "node.hotplug_only", "", -1,
                    "Linux node %zu (PXM %u) has only hot-pluggable CPUs or memory: it is a "
                    "possible node, not online until a CPU or memory is added",
                    n, cn->pxm);
    }
}

/* A table given as sig must be one: at least its header, with its
 * signature. Anything else is not a broken table but another file (an empty
 * file, a text file, a table put where another kind goes), unusable input. */
static int is_table(const uint8_t *data, size_t len, const char *name, const char *sig,
                    const char *what, struct vt_err *err)
{
    char found[5] = "";

    if (!data || (len >= VT_ACPI_HEADER_LEN && memcmp(data, sig, 4) == 0))
        return 0;
    if (len >= 4)
        memcpy(found, data, 4);
    if (len < VT_ACPI_HEADER_LEN)
        return vt_err_set(err, -EINVAL,
                          "%s: %zu bytes, not %s table (an ACPI table starts with a 36-byte "
                          "header)",
                          name ? name : sig, len, what);
    return vt_err_set(err, -EINVAL, "%s: signature '%s', not %s table (its signature is '%s')",
                      name ? name : sig, found, what, sig);
}

int vt_check_run(const struct vt_check_input *in, struct vt_check **out, struct vt_err *err)
{
    struct ctx x = {0};
    int rc;

    *out = NULL;
    if (!in->srat && !in->slit && !in->madt && !in->hmat)
        return vt_err_set(err, -EINVAL, "no ACPI table to check (SRAT, SLIT, MADT or HMAT)");
    if ((rc = is_table(in->srat, in->srat_len, in->srat_name, "SRAT", "an SRAT", err)) < 0 ||
        (rc = is_table(in->slit, in->slit_len, in->slit_name, "SLIT", "a SLIT", err)) < 0 ||
        (rc = is_table(in->madt, in->madt_len, in->madt_name, "APIC", "a MADT", err)) < 0 ||
        (rc = is_table(in->hmat, in->hmat_len, in->hmat_name, "HMAT", "an HMAT", err)) < 0)
        return rc;
    x.c = calloc(1, sizeof(*x.c));
    if (!x.c)
        return vt_err_set(err, -ENOMEM, "out of memory");
    x.in = in;
    for (size_t i = 0; i < in->image_nskipped && i < VT_CHECK_IMAGE_SKIPS_MAX; i++)
        finding(&x, VT_SEV_WARNING, "image.table_skipped", "", -1,
                "%s entry %u points at %#" PRIx64 ": %s, so that table is not checked",
                in->image_root, in->image_skipped[i].entry, in->image_skipped[i].address,
                in->image_skipped[i].why);
    if (in->image_nskipped > VT_CHECK_IMAGE_SKIPS_MAX)
        finding(&x, VT_SEV_WARNING, "image.table_skipped", "", -1,
                "and %zu more %s entries whose tables cannot be read",
                in->image_nskipped - VT_CHECK_IMAGE_SKIPS_MAX, in->image_root);
    if (in->srat)
        check_srat(&x);
    else if (in->image_nskipped)
        finding(&x, VT_SEV_NOTE, "srat.absent", "", -1,
                "no SRAT among the tables read (%zu %s entr%s could not be read, see "
                "image.table_skipped): if none of them is an SRAT, Linux makes one node of "
                "everything",
                in->image_nskipped, in->image_root, in->image_nskipped == 1 ? "y" : "ies");
    else
        finding(&x, VT_SEV_NOTE, "srat.absent", "", -1,
                "no SRAT: Linux makes one node of everything");
    check_coverage(&x);
    if (in->slit)
        check_slit(&x);
    if (in->madt)
        check_madt(&x);
    check_cross(&x);
    if (in->hmat)
        check_hmat(&x);
    check_cpuid(&x);
    predict_nodes(&x);
    srat_free(&x.srat);
    slit_free(&x.slit);
    madt_free(&x.madt);
    idmap_free(x.madt_ids);
    idmap_free(x.madt_uids);
    idmap_free(x.srat_ids);
    if (x.oom) {
        vt_check_free(x.c);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *out = x.c;
    return 0;
}

void vt_check_free(struct vt_check *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nf; i++)
        free((char *)c->f[i].message);
    free(c->f);
    free(c->nodes);
    free(c);
}

size_t vt_check_finding_count(const struct vt_check *c)
{
    return c->nf;
}

const struct vt_finding *vt_check_finding(const struct vt_check *c, size_t i)
{
    return i < c->nf ? &c->f[i] : NULL;
}

size_t vt_check_count(const struct vt_check *c, enum vt_severity s)
{
    size_t n = 0;

    for (size_t i = 0; i < c->nf; i++)
        n += c->f[i].severity == s;
    return n;
}

bool vt_check_srat_used(const struct vt_check *c)
{
    return c->srat_used;
}

bool vt_check_slit_used(const struct vt_check *c)
{
    return c->slit_used;
}

bool vt_check_hmat_used(const struct vt_check *c)
{
    return c->hmat_used;
}

size_t vt_check_node_count(const struct vt_check *c)
{
    return c->nnodes;
}

const struct vt_check_node *vt_check_node(const struct vt_check *c, size_t i)
{
    return i < c->nnodes ? &c->nodes[i] : NULL;
}

const char *vt_severity_name(enum vt_severity s)
{
    return s == VT_SEV_ERROR ? "error" : s == VT_SEV_WARNING ? "warning" : "note";
}

int vt_check_to_json(const struct vt_check *c, char **json, struct vt_err *err)
{
    struct buf b;

    buf_init(&b);
    buf_printf(&b,
               "{\n  \"format\": \"vtopo-check\",\n  \"version\": 1,\n  \"srat_used\": %s,\n"
               "  \"slit_used\": %s,\n  \"hmat_used\": %s,\n  \"errors\": %zu,\n"
               "  \"warnings\": %zu,\n  \"linux_nodes\": [",
               c->srat_used ? "true" : "false", c->slit_used ? "true" : "false",
               c->hmat_used ? "true" : "false", vt_check_count(c, VT_SEV_ERROR),
               vt_check_count(c, VT_SEV_WARNING));
    for (size_t i = 0; i < c->nnodes; i++)
        buf_printf(&b,
                   "%s\n    {\"linux_node\": %d, \"pxm\": %" PRIu32 ", \"cpus\": %zu, "
                   "\"memory_bytes\": %" PRIu64 ", \"hotplug_cpus\": %zu, "
                   "\"hotplug_memory_bytes\": %" PRIu64 ", \"generic_initiators\": %zu}",
                   i ? "," : "", c->nodes[i].linux_node, c->nodes[i].pxm, c->nodes[i].ncpus,
                   c->nodes[i].memory_bytes, c->nodes[i].hotplug_cpus,
                   c->nodes[i].hotplug_memory_bytes, c->nodes[i].generic_initiators);
    buf_printf(&b, "%s],\n  \"findings\": [", c->nnodes ? "\n  " : "");
    for (size_t i = 0; i < c->nf; i++) {
        buf_printf(&b, "%s\n    {\"severity\": \"%s\", \"rule\": \"%s\", \"table\": ", i ? "," : "",
                   vt_severity_name(c->f[i].severity), c->f[i].rule);
        if (c->f[i].table[0])
            buf_json_string(&b, c->f[i].table);
        else
            buf_printf(&b, "null");
        buf_printf(&b, ", \"offset\": ");
        if (c->f[i].offset >= 0)
            buf_printf(&b, "%ld", c->f[i].offset);
        else
            buf_printf(&b, "null");
        buf_printf(&b, ", \"message\": ");
        buf_json_string(&b, c->f[i].message);
        buf_printf(&b, "}");
    }
    buf_printf(&b, "%s]\n}\n", c->nf ? "\n  " : "");
    buf_append(&b, "", 1);
    if (b.oom) {
        buf_free(&b);
        return vt_err_set(err, -ENOMEM, "out of memory");
    }
    *json = (char *)b.data;
    return 0;
}
