/* /proc/interrupts: parse, format, and the PCI vector a row names. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/proc_interrupts.h"

void proc_interrupts_free(struct proc_interrupts *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nrows; i++) {
        free(p->rows[i].counts);
        free(p->rows[i].chip);
        free(p->rows[i].hwirq);
        free(p->rows[i].actions);
    }
    free(p->rows);
    free(p->cpus);
    memset(p, 0, sizeof(*p));
}

static const char *skip_space(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

static const char *token_end(const char *s, const char *end)
{
    while (s < end && *s != ' ' && *s != '\t')
        s++;
    return s;
}

/* A decimal number of at most 20 digits filling [s, e), at most max. */
static bool decimal(const char *s, const char *e, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s == e || e - s > 20)
        return false;
    for (; s < e; s++) {
        if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - (unsigned)(*s - '0')) / 10)
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

/* The hwirq-flow column: digits, or digits '-' a flow name ("edge",
 * "fasteoi"), or '-' and a flow name. */
static bool hwirq_token(const char *s, const char *e)
{
    const char *p = s;

    while (p < e && isdigit((unsigned char)*p))
        p++;
    if (p == e)
        return p > s;
    if (*p++ != '-' || p == e)
        return false;
    for (; p < e; p++)
        if (!isalpha((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

static char *dup_range(const char *s, const char *e)
{
    char *d = malloc((size_t)(e - s) + 1);

    if (d) {
        memcpy(d, s, (size_t)(e - s));
        d[e - s] = '\0';
    }
    return d;
}

static int parse_header(const char *s, const char *end, const char *name, struct proc_interrupts *p,
                        struct vt_err *err)
{
    size_t cap = 0;

    for (s = skip_space(s, end); s < end; s = skip_space(s, end)) {
        const char *e = token_end(s, end);
        uint64_t id;

        if (e - s < 4 || strncmp(s, "CPU", 3) != 0 || !decimal(s + 3, e, VT_CPU_ID_MAX, &id))
            return vt_err_set(err, -EINVAL,
                              "%s line 1: '%.*s' is not a CPU column (CPU0 ... CPU%u)", name,
                              (int)(e - s > 32 ? 32 : e - s), s, VT_CPU_ID_MAX);
        if (p->ncpus && id <= p->cpus[p->ncpus - 1])
            return vt_err_set(err, -EINVAL, "%s line 1: CPU%u after CPU%u (the CPUs ascend)", name,
                              (unsigned)id, p->cpus[p->ncpus - 1]);
        if (p->ncpus == cap) {
            unsigned *n = realloc(p->cpus, (cap = cap ? cap * 2 : 16) * sizeof(*n));

            if (!n)
                return vt_err_set(err, -ENOMEM, "out of memory");
            p->cpus = n;
        }
        p->cpus[p->ncpus++] = (unsigned)id;
        s = e;
    }
    if (!p->ncpus)
        return vt_err_set(err, -EINVAL, "%s line 1: no CPU columns (the header lists CPU0 ...)",
                          name);
    return 0;
}

static int parse_row(const char *s, const char *end, const char *name, size_t line,
                     struct proc_interrupts *p, size_t *cap, struct vt_err *err)
{
    const char *colon = memchr(s, ':', (size_t)(end - s)), *t = skip_space(s, end), *e;
    struct proc_irq_row *r;
    uint64_t irq;

    if (!colon)
        return vt_err_set(err, -EINVAL, "%s line %zu: no 'IRQ:' label", name, line);
    if (!isdigit((unsigned char)*t))
        return 0; /* NMI:, LOC:, ERR:, MIS: ... */
    if (!decimal(t, colon, VT_IRQ_MAX_IRQ, &irq))
        return vt_err_set(err, -EINVAL, "%s line %zu: '%.*s' is not an IRQ number (0-%u)", name,
                          line, (int)(colon - t > 32 ? 32 : colon - t), t, VT_IRQ_MAX_IRQ);
    if (p->nrows && irq <= p->rows[p->nrows - 1].irq)
        return vt_err_set(err, -EINVAL, "%s line %zu: IRQ %u after IRQ %u (the IRQs ascend)", name,
                          line, (unsigned)irq, p->rows[p->nrows - 1].irq);
    if (p->nrows == *cap) {
        struct proc_irq_row *n = realloc(p->rows, (*cap = *cap ? *cap * 2 : 64) * sizeof(*n));

        if (!n)
            return vt_err_set(err, -ENOMEM, "out of memory");
        p->rows = n;
    }
    r = &p->rows[p->nrows];
    memset(r, 0, sizeof(*r));
    r->irq = (unsigned)irq;
    if (!(r->counts = calloc(p->ncpus, sizeof(*r->counts))))
        return vt_err_set(err, -ENOMEM, "out of memory");
    p->nrows++; /* freed with the others from here on */
    s = colon + 1;
    for (size_t c = 0; c < p->ncpus; c++) {
        s = skip_space(s, end);
        e = token_end(s, end);
        if (!decimal(s, e, UINT64_MAX, &r->counts[c]))
            return vt_err_set(err, -EINVAL,
                              "%s line %zu: IRQ %u has %zu count%s, the header %zu CPUs", name,
                              line, r->irq, c, c == 1 ? "" : "s", p->ncpus);
        s = e;
    }
    s = skip_space(s, end);
    e = token_end(s, end);
    if (s == e)
        return vt_err_set(err, -EINVAL, "%s line %zu: IRQ %u has no chip name after its counts",
                          name, line, r->irq);
    if (!(r->chip = dup_range(s, e)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    s = skip_space(e, end);
    e = token_end(s, end);
    if (hwirq_token(s, e)) {
        r->hwirq = dup_range(s, e);
        s = skip_space(e, end);
    } else {
        r->hwirq = dup_range(s, s);
    }
    e = end;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (!r->hwirq || !(r->actions = dup_range(s, e)))
        return vt_err_set(err, -ENOMEM, "out of memory");
    return 0;
}

int proc_interrupts_parse(const char *text, const char *name, struct proc_interrupts *out,
                          struct vt_err *err)
{
    const char *s = text;
    size_t line = 0, cap = 0;
    bool header = false;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    while (*s && rc == 0) {
        const char *nl = strchr(s, '\n'), *end = nl ? nl : s + strlen(s);

        line++;
        if (memchr(s, '\r', (size_t)(end - s)))
            rc = vt_err_set(err, -EINVAL, "%s line %zu: a carriage return", name, line);
        else if (skip_space(s, end) == end)
            ; /* an empty line */
        else if (!header) {
            header = true;
            rc = parse_header(s, end, name, out, err);
        } else {
            rc = parse_row(s, end, name, line, out, &cap, err);
        }
        s = nl ? nl + 1 : end;
    }
    if (rc == 0 && !header)
        rc = vt_err_set(err, -EINVAL, "%s: empty (no CPU header)", name);
    if (rc < 0)
        proc_interrupts_free(out);
    return rc;
}

int proc_interrupts_format(const struct proc_interrupts *p, char **out)
{
    size_t len = 0;
    FILE *f = open_memstream(out, &len);

    *out = NULL;
    if (!f)
        return -ENOMEM;
    fputs("    ", f);
    for (size_t c = 0; c < p->ncpus; c++)
        fprintf(f, "       CPU%-4u", p->cpus[c]);
    fputc('\n', f);
    for (size_t i = 0; i < p->nrows; i++) {
        const struct proc_irq_row *r = &p->rows[i];

        fprintf(f, "%7u:", r->irq);
        for (size_t c = 0; c < p->ncpus; c++)
            fprintf(f, " %13llu", (unsigned long long)r->counts[c]);
        fprintf(f, " %8s %s  %s\n", r->chip, r->hwirq, r->actions);
    }
    if (fclose(f) != 0) {
        free(*out);
        *out = NULL;
        return -ENOMEM;
    }
    return 0;
}

/* "[IR-]PCI-MSI[X]-BDF": the BDF; NULL otherwise. "[IR-]PCI-MSI": *global. */
static const char *msi_chip(const char *chip, bool *global)
{
    *global = false;
    if (!strncmp(chip, "IR-", 3))
        chip += 3;
    if (strncmp(chip, "PCI-MSI", 7) != 0)
        return NULL;
    chip += 7;
    if (*chip == 'X')
        chip++;
    if (!*chip) {
        *global = true;
        return NULL;
    }
    return *chip == '-' ? chip + 1 : NULL;
}

bool proc_irq_pci_vector(const struct proc_irq_row *r, char bdf[BDF_TEXT_MAX], unsigned *index)
{
    const char *dev, *h = r->hwirq, *dash = strchr(h, '-');
    uint64_t hw;
    bool global;

    if ((dev = msi_chip(r->chip, &global)) || global) {
        if (!decimal(h, dash ? dash : h + strlen(h), UINT64_MAX, &hw))
            return false;
        if (dev) {
            if (bdf_normalize(dev, bdf) < 0 || hw > 2047)
                return false;
            *index = (unsigned)hw;
            return true;
        }
        snprintf(bdf, BDF_TEXT_MAX, "%04x:%02x:%02x.%x", (unsigned)(hw >> 27),
                 (unsigned)(hw >> 19) & 0xff, (unsigned)(hw >> 14) & 0x1f,
                 (unsigned)(hw >> 11) & 7);
        *index = (unsigned)(hw & 0x7ff);
        return hw >> 27 <= 0xffff;
    }
    /* vfio-msix[N](BDF) or vfio-msi[N](BDF), possibly among other actions. */
    for (const char *a = strstr(r->actions, "vfio-msi"); a; a = strstr(a + 1, "vfio-msi")) {
        const char *b = a + 8 + (a[8] == 'x'), *close;
        char tmp[BDF_TEXT_MAX];
        uint64_t n;

        if (*b != '[' || !(close = strchr(b, ']')) || !decimal(b + 1, close, 2047, &n) ||
            close[1] != '(' || !strchr(close, ')'))
            continue;
        snprintf(tmp, sizeof(tmp), "%.*s", (int)(strchr(close, ')') - close - 2), close + 2);
        if ((size_t)(strchr(close, ')') - close - 2) >= sizeof(tmp) || bdf_normalize(tmp, bdf) < 0)
            continue;
        *index = (unsigned)n;
        return true;
    }
    return false;
}
