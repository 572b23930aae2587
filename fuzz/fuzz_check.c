/* Fuzz target: vt_check_run, the checker behind `vtopo check` (it parses the
 * SRAT, SLIT, MADT and HMAT, the E820 text and cpuid.txt, then applies every
 * rule and predicts Linux's nodes). The input is a list of records: a tag
 * byte, a 16-bit little-endian length, that many bytes. Tags: 'S' SRAT,
 * 'L' SLIT, 'M' MADT, 'H' HMAT with Length and checksum fixed; 's', 'l', 'm',
 * 'h' the same tables as given; 'E' E820 text; 'C' cpuid.txt. The last
 * record of a kind wins. Invariants: the check fails exactly when no table is
 * given or a given one is not its kind's (shorter than the 36-byte header,
 * or another signature: unusable input); every finding has a severity, a rule, a message and an
 * offset inside its table; severity counts add up; predicted nodes are numbered 0..n-1 and exist
 * only when the SRAT is used; the JSON report is valid JSON; a second run on the same input gives
 * the same report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz_common.h"
#include "vtopo/check.h"

struct record {
    const uint8_t *data;
    size_t len;
    uint8_t *owned;
};

/* The records' kinds, in the order of struct vt_check_input's tables. */
static const char tags[] = "SLMHEC", raw_tags[] = "slmh";
static const char *const sigs[] = {"SRAT", "SLIT", "APIC", "HMAT"};

static void split(const uint8_t *data, size_t size, struct record rec[6])
{
    size_t off = 0;

    while (size - off >= 3) {
        uint8_t tag = data[off];
        size_t len = (size_t)fuzz_le(data + off + 1, 2);
        const char *k = tag ? strchr(tags, tag) : NULL;
        const char *kl = tag ? strchr(raw_tags, tag) : NULL;
        size_t i;

        off += 3;
        if (len > size - off)
            len = size - off;
        if (k || kl) {
            i = k ? (size_t)(k - tags) : (size_t)(kl - raw_tags);
            free(rec[i].owned);
            rec[i].owned = NULL;
            if (i >= 4) {
                /* Text: NUL-terminated copy. */
                rec[i].owned = (uint8_t *)fuzz_strndup(data + off, len);
            } else if (k) {
                rec[i].owned = fuzz_acpi_fixup(data + off, len);
            }
            rec[i].data = rec[i].owned ? rec[i].owned : data + off;
            rec[i].len = len;
        }
        off += len;
    }
}

/* The record is a table of signature sig (or absent). */
static bool is_kind(const uint8_t *data, size_t len, const char *sig)
{
    return !data || (len >= 36 && !memcmp(data, sig, 4));
}

static char *run(const struct vt_check_input *in, bool usable)
{
    struct vt_check *c = NULL;
    struct vt_err err;
    size_t total, nodes, by_sev = 0;
    char *json = NULL;
    int rc;

    vt_err_clear(&err);
    rc = vt_check_run(in, &c, &err);
    fuzz_check_err(rc, &err);
    if (rc == -ENOMEM)
        return NULL;
    FUZZ_CHECK((rc == 0) == usable && (rc == 0) == (c != NULL), "check says %d (%s)", rc, err.msg);
    if (rc < 0)
        return NULL;
    total = vt_check_finding_count(c);
    for (int s = VT_SEV_ERROR; s <= VT_SEV_NOTE; s++)
        by_sev += vt_check_count(c, (enum vt_severity)s);
    FUZZ_CHECK(by_sev == total, "%zu findings, %zu by severity", total, by_sev);
    for (size_t i = 0; i < total; i++) {
        const struct vt_finding *f = vt_check_finding(c, i);
        size_t tlen = 0;
        bool known = f->table[0] == '\0';

        FUZZ_CHECK(f->severity >= VT_SEV_ERROR && f->severity <= VT_SEV_NOTE && f->rule &&
                       f->rule[0] && f->message && f->message[0] &&
                       memchr(f->table, '\0', sizeof(f->table)),
                   "finding %zu is incomplete", i);
        for (size_t t = 0; t < 4; t++)
            if (strcmp(f->table, sigs[t]) == 0) {
                const size_t lens[] = {in->srat_len, in->slit_len, in->madt_len, in->hmat_len};

                known = true;
                tlen = lens[t];
            }
        FUZZ_CHECK(known, "finding %zu (%s) names table '%s'", i, f->rule, f->table);
        /* An offset may be the table's end (where a missing field would be),
         * or 0 (the signature) of a table too short to have one. */
        FUZZ_CHECK(f->offset == -1 || (f->table[0] && f->offset >= 0 &&
                                       (f->offset == 0 || (size_t)f->offset <= tlen)),
                   "finding %zu (%s): offset %ld in %s of %zu bytes: %s", i, f->rule, f->offset,
                   f->table, tlen, f->message);
    }
    nodes = vt_check_node_count(c);
    FUZZ_CHECK(nodes == 0 || vt_check_srat_used(c), "%zu nodes predicted without the SRAT", nodes);
    for (size_t i = 0; i < nodes; i++)
        FUZZ_CHECK(vt_check_node(c, i)->linux_node == (int)i, "node %zu numbered %d", i,
                   vt_check_node(c, i)->linux_node);
    rc = vt_check_to_json(c, &json, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0) {
        struct json_object *o = json_tokener_parse(json);

        FUZZ_CHECK(o != NULL, "the report is not JSON:\n%s", json);
        json_object_put(o);
    }
    vt_check_free(c);
    return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct record rec[6] = {{0}};
    struct vt_check_input in = {0};
    char *first, *second;

    split(data, size, rec);
    in.srat = rec[0].data, in.srat_len = rec[0].len, in.srat_name = "srat.dat";
    in.slit = rec[1].data, in.slit_len = rec[1].len, in.slit_name = "slit.dat";
    in.madt = rec[2].data, in.madt_len = rec[2].len, in.madt_name = "madt.dat";
    in.hmat = rec[3].data, in.hmat_len = rec[3].len, in.hmat_name = "hmat.dat";
    in.e820_text = (const char *)rec[4].data, in.e820_name = "e820.txt";
    in.cpuid_text = (const char *)rec[5].data, in.cpuid_name = "cpuid.txt";
    first = run(
        &in, (in.srat || in.slit || in.madt || in.hmat) && is_kind(in.srat, in.srat_len, "SRAT") &&
                 is_kind(in.slit, in.slit_len, "SLIT") && is_kind(in.madt, in.madt_len, "APIC") &&
                 is_kind(in.hmat, in.hmat_len, "HMAT"));
    if (first) {
        second = run(&in, true);
        FUZZ_CHECK(second && strcmp(first, second) == 0, "%s", "a second run reports differently");
        free(second);
    }
    free(first);
    for (size_t i = 0; i < 6; i++)
        free(rec[i].owned);
    return 0;
}
