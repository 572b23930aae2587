/* vtopo check: lint a guest's ACPI tables (and E820, CPUID) and predict what
 * Linux does with them. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define FILE_MAX ((size_t)4 << 30) /* memory images can be large */

void cmd_check_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo check [DIR | FILE... | --memory-image FILE] [--cpuid FILE]\n"
            "                   [--e820 FILE] [--json] [--quiet]\n"
            "\n"
            "Check a guest's SRAT, SLIT, MADT and HMAT against the rules Linux applies, and\n"
            "predict what a Linux guest does with them: whether it uses the SRAT and the\n"
            "SLIT, the node numbering, CPUs without a node, memory-less and CPU-less nodes,\n"
            "tables that disagree with each other (docs/check.md lists every rule).\n"
            "\n"
            "  DIR               a directory of tables named SRAT, srat.dat or SRAT.dat (the\n"
            "                    same for SLIT, APIC/madt.dat, HMAT), e.g. /sys/firmware/acpi/\n"
            "                    tables or 'vtopo plan --out'; its cpuid.txt and e820.txt are\n"
            "                    used too\n"
            "  FILE...           table files, recognised by their signature\n"
            "  --cpuid FILE      the guest's CPUID leaves (cpuid.txt format, docs/cpuid.md):\n"
            "                    APIC IDs against the MADT, packages and caches spanning nodes\n"
            "  --e820 FILE       the guest's E820 (kernel boot-log form): RAM the SRAT misses\n"
            "  --memory-image FILE  find the tables through the RSDP in a dump of guest\n"
            "                    physical memory from address 0 (e.g. QEMU's pmemsave)\n"
            "  --json            the report as JSON\n"
            "  -q, --quiet       print only the verdict line\n"
            "  -h, --help        show this help\n"
            "\n"
            "Exit status: 0 no problem, 1 problems found (errors or warnings), 2 bad usage or\n"
            "unusable input, 3 system error.\n");
}

/* Read a whole file (bounded); -errno with a message on failure. */
static int slurp(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0;
    uint8_t *buf;

    if (!f) {
        cli_error("check", "%s: cannot open: %s", path, strerror(errno));
        return errno == ENOENT ? VT_EXIT_USAGE : VT_EXIT_SYSTEM;
    }
    buf = malloc(cap + 1);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);

        n += r;
        if (r == 0)
            break;
        if (n == cap) {
            uint8_t *nb;

            if (cap >= FILE_MAX) {
                fclose(f);
                free(buf);
                cli_error("check", "%s: larger than %zu bytes", path, FILE_MAX);
                return VT_EXIT_USAGE;
            }
            cap *= 2;
            nb = realloc(buf, cap + 1);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    if (!buf || ferror(f)) {
        fclose(f);
        free(buf);
        cli_error("check", "%s: cannot read", path);
        return VT_EXIT_SYSTEM;
    }
    fclose(f);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return VT_EXIT_OK;
}

struct loaded {
    uint8_t *data[4]; /* SRAT, SLIT, APIC, HMAT */
    size_t len[4];
    char *name[4];
    uint8_t *cpuid, *e820;
    char *cpuid_name, *e820_name;
};

static const char *const sigs[4] = {"SRAT", "SLIT", "APIC", "HMAT"};
static const char *const lower[4] = {"srat", "slit", "madt", "hmat"};

static int take(struct loaded *ld, const char *path, uint8_t *data, size_t len)
{
    for (int t = 0; t < 4; t++)
        if (len >= 4 && memcmp(data, sigs[t], 4) == 0) {
            if (ld->data[t]) {
                free(data);
                return cli_usage_error("check", "two %s tables given (%s and %s)", sigs[t],
                                       ld->name[t], path);
            }
            ld->data[t] = data;
            ld->len[t] = len;
            ld->name[t] = strdup(path);
            return VT_EXIT_OK;
        }
    {
        char sig[5] = "";
        int rc;

        if (len >= 4)
            memcpy(sig, data, 4);
        free(data);
        rc = cli_usage_error("check", "%s: not an SRAT, SLIT, MADT or HMAT (signature '%.4s')",
                             path, sig);
        return rc;
    }
}

static bool exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int load_dir(struct loaded *ld, const char *dir)
{
    char path[4096];
    int rc;

    for (int t = 0; t < 4; t++) {
        const char *forms[] = {sigs[t], lower[t], sigs[t]};
        const char *suffix[] = {"", ".dat", ".dat"};

        for (int f = 0; f < 3; f++) {
            uint8_t *data;
            size_t len;

            snprintf(path, sizeof(path), "%s/%s%s", dir, forms[f], suffix[f]);
            if (!exists(path))
                continue;
            if ((rc = slurp(path, &data, &len)) != VT_EXIT_OK)
                return rc;
            ld->data[t] = data;
            ld->len[t] = len;
            ld->name[t] = strdup(path);
            break;
        }
    }
    snprintf(path, sizeof(path), "%s/cpuid.txt", dir);
    if (!ld->cpuid && exists(path)) {
        size_t len;

        if ((rc = slurp(path, &ld->cpuid, &len)) != VT_EXIT_OK)
            return rc;
        ld->cpuid_name = strdup(path);
    }
    snprintf(path, sizeof(path), "%s/e820.txt", dir);
    if (!ld->e820 && exists(path)) {
        size_t len;

        if ((rc = slurp(path, &ld->e820, &len)) != VT_EXIT_OK)
            return rc;
        ld->e820_name = strdup(path);
    }
    return VT_EXIT_OK;
}

static void print_report(const struct vt_check *c, bool quiet)
{
    size_t ne = vt_check_count(c, VT_SEV_ERROR), nw = vt_check_count(c, VT_SEV_WARNING);

    if (!quiet) {
        printf("SRAT: %s\n", vt_check_srat_used(c) ? "used by Linux" : "not used by Linux");
        printf("SLIT: %s\n",
               vt_check_slit_used(c) ? "used by Linux" : "not used (absent or dropped)");
        printf("HMAT: %s\n",
               vt_check_hmat_used(c) ? "used by Linux" : "not used (absent or rejected)");
        if (vt_check_node_count(c)) {
            printf("Linux nodes:\n");
            for (size_t i = 0; i < vt_check_node_count(c); i++) {
                const struct vt_check_node *n = vt_check_node(c, i);

                printf("  node %d: PXM %" PRIu32 ", %zu CPUs, %" PRIu64 " MiB", n->linux_node,
                       n->pxm, n->ncpus, n->memory_bytes >> 20);
                if (n->hotplug_cpus)
                    printf(", %zu hot-pluggable CPUs", n->hotplug_cpus);
                if (n->hotplug_memory_bytes)
                    printf(", %" PRIu64 " MiB hot-pluggable", n->hotplug_memory_bytes >> 20);
                if (n->generic_initiators)
                    printf(", %zu generic initiator(s)", n->generic_initiators);
                printf("\n");
            }
        } else {
            printf("Linux nodes: one fake node (no usable SRAT)\n");
        }
        for (int sev = VT_SEV_ERROR; sev <= VT_SEV_NOTE; sev++)
            for (size_t i = 0; i < vt_check_finding_count(c); i++) {
                const struct vt_finding *f = vt_check_finding(c, i);

                if ((int)f->severity != sev)
                    continue;
                printf("%-7s %-28s", vt_severity_name(f->severity), f->rule);
                if (f->table[0] && f->offset >= 0)
                    printf(" %s+%ld", f->table, f->offset);
                else if (f->table[0])
                    printf(" %s", f->table);
                printf(": %s\n", f->message);
            }
    }
    printf("%s: %zu error(s), %zu warning(s)\n", ne + nw ? "problems found" : "clean", ne, nw);
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"cpuid", required_argument, NULL, 'c'},
        {"e820", required_argument, NULL, 'e'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"memory-image", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct loaded ld = {0};
    const char *cpuid_path = NULL, *e820_path = NULL, *image_path = NULL;
    uint8_t *image = NULL;
    size_t image_len = 0;
    bool json = false, quiet = false;
    struct vt_check *c = NULL;
    struct vt_err err;
    int opt, rc = VT_EXIT_OK;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "+:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            cpuid_path = optarg;
            break;
        case 'e':
            e820_path = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'm':
            image_path = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            cmd_check_usage(stdout);
            return VT_EXIT_OK;
        default:
            return cli_bad_option("check", opt, argv);
        }
    }
    if (optind >= argc && !image_path)
        return cli_usage_error("check", "name a directory of tables or table files");
    if (optind < argc && image_path)
        return cli_usage_error("check", "--memory-image and table files are alternatives");
    if (cpuid_path) {
        size_t len;

        if ((rc = slurp(cpuid_path, &ld.cpuid, &len)) != VT_EXIT_OK)
            goto out;
        ld.cpuid_name = strdup(cpuid_path);
    }
    if (e820_path) {
        size_t len;

        if ((rc = slurp(e820_path, &ld.e820, &len)) != VT_EXIT_OK)
            goto out;
        ld.e820_name = strdup(e820_path);
    }
    for (int i = optind; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (argc - optind > 1) {
                rc = cli_usage_error("check", "give one directory, or table files");
                goto out;
            }
            rc = load_dir(&ld, argv[i]);
        } else {
            uint8_t *data;
            size_t len;

            rc = slurp(argv[i], &data, &len);
            if (rc == VT_EXIT_OK)
                rc = take(&ld, argv[i], data, len);
        }
        if (rc != VT_EXIT_OK)
            goto out;
    }
    {
        struct vt_check_input in = {.srat = ld.data[0],
                                    .slit = ld.data[1],
                                    .madt = ld.data[2],
                                    .hmat = ld.data[3],
                                    .srat_len = ld.len[0],
                                    .slit_len = ld.len[1],
                                    .madt_len = ld.len[2],
                                    .hmat_len = ld.len[3],
                                    .srat_name = ld.name[0],
                                    .slit_name = ld.name[1],
                                    .madt_name = ld.name[2],
                                    .hmat_name = ld.name[3],
                                    .e820_text = (char *)ld.e820,
                                    .e820_name = ld.e820_name,
                                    .cpuid_text = (char *)ld.cpuid,
                                    .cpuid_name = ld.cpuid_name};

        if (image_path) {
            if ((rc = slurp(image_path, &image, &image_len)) != VT_EXIT_OK)
                goto out;
            if (vt_check_input_from_image(&in, image, image_len, 0, &err) < 0) {
                vt_err_prefix(&err, "%s: ", image_path);
                rc = cli_fail("check", &err);
                goto out;
            }
        }
        if (vt_check_run(&in, &c, &err) < 0) {
            rc = cli_fail("check", &err);
            goto out;
        }
    }
    if (json) {
        char *text;

        if (vt_check_to_json(c, &text, &err) < 0) {
            rc = cli_fail("check", &err);
            goto out;
        }
        fputs(text, stdout);
        free(text);
    } else {
        print_report(c, quiet);
    }
    rc = vt_check_count(c, VT_SEV_ERROR) + vt_check_count(c, VT_SEV_WARNING) ? VT_EXIT_PROBLEMS
                                                                             : VT_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("check", "cannot write the output");
        rc = VT_EXIT_SYSTEM;
    }
out:
    free(image);
    vt_check_free(c);
    for (int t = 0; t < 4; t++) {
        free(ld.data[t]);
        free(ld.name[t]);
    }
    free(ld.cpuid);
    free(ld.e820);
    free(ld.cpuid_name);
    free(ld.e820_name);
    return rc;
}
