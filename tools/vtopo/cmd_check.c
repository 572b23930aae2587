/* vtopo check: lint a guest's ACPI tables (and E820, CPUID) and predict what
 * Linux does with them. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"

void cmd_check_usage(FILE *out)
{
    fprintf(out,
            "Usage: vtopo check [DIR | FILE... | --memory-image FILE | --plan DIR]\n"
            "                   [--cpuid FILE] [--e820 FILE] [--json] [--quiet]\n"
            "\n"
            "Check a guest's SRAT, SLIT, MADT and HMAT against the rules Linux applies, and\n"
            "predict what a Linux guest does with them: whether it uses the SRAT and the\n"
            "SLIT, the node numbering, CPUs without a node, memory-less and CPU-less nodes,\n"
            "tables that disagree with each other (docs/check.md lists every rule).\n"
            "\n"
            "  DIR               a directory of tables named SRAT, srat.dat or SRAT.dat (the\n"
            "                    same for SLIT, HMAT, and APIC, apic.dat, APIC.dat or madt.dat\n"
            "                    for the MADT), e.g. /sys/firmware/acpi/tables or 'vtopo plan\n"
            "                    --out'; its cpuid.txt and e820.txt are used too\n"
            "  FILE...           table files, recognised by their signature\n"
            "  --plan DIR        a plan directory (vtopo plan --out DIR): as DIR, once the\n"
            "                    plan is checked to be what its request plans on its host\n"
            "  --cpuid FILE      the guest's CPUID leaves (cpuid.txt format, docs/cpuid.md):\n"
            "                    APIC IDs against the MADT, packages and caches spanning nodes\n"
            "  --e820 FILE       the guest's E820 (kernel boot-log form): RAM the SRAT misses\n"
            "  --memory-image FILE  find the tables through the RSDP in a dump of guest\n"
            "                    physical memory from address 0 (e.g. QEMU's pmemsave)\n"
            "  --json            the report as JSON\n"
            "  -q, --quiet       print only the verdict line\n"
            "  -h, --help        show this help\n"
            "\n"
            "Options may come before or after DIR or the files. Every input is a regular\n"
            "file; one that is not the table its name says (shorter than the 36-byte header,\n"
            "or another signature) is unusable input.\n"
            "\n"
            "Exit status: 0 no problem, 1 problems found (errors or warnings), 2 bad usage or\n"
            "unusable input, 3 system error.\n");
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

                /* MiB rounded to the nearest, as vtopo plan's whole-2-MiB
                 * vnodes show: a vnode of QEMU's map holds its memory less
                 * the 384 KiB legacy hole, and is still its 4096 MiB here. */
                printf("  node %d: PXM %" PRIu32 ", %zu CPU%s, %" PRIu64 " MiB", n->linux_node,
                       n->pxm, n->ncpus, cli_s(n->ncpus), (n->memory_bytes + (1u << 19)) >> 20);
                if (n->hotplug_cpus)
                    printf(", %zu hot-pluggable CPU%s", n->hotplug_cpus, cli_s(n->hotplug_cpus));
                if (n->hotplug_memory_bytes)
                    printf(", %" PRIu64 " MiB hot-pluggable",
                           (n->hotplug_memory_bytes + (1u << 19)) >> 20);
                if (n->generic_initiators)
                    printf(", %zu generic initiator%s", n->generic_initiators,
                           cli_s(n->generic_initiators));
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
        {"plan", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct vt_check_input in = {0};
    const char *cpuid_path = NULL, *e820_path = NULL, *image_path = NULL, *plan_dir = NULL;
    bool json = false, quiet = false;
    struct vt_check *c = NULL;
    struct vt_err err;
    int opt, rc = VT_EXIT_OK;

    opterr = 0;
    optind = 1;
    /* Options anywhere, before or after DIR or the files (GNU getopt). */
    while ((opt = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
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
        case 'p':
            plan_dir = optarg;
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
    if (plan_dir && (optind < argc || image_path))
        return cli_usage_error("check",
                               "--plan %s is the tables to check: give no other "
                               "directory, files or --memory-image",
                               plan_dir);
    if (plan_dir) {
        /* A plan directory: its tables, CPUID and E820, and a plan that
         * still is what its request plans on its host. */
        struct vt_host *h = NULL;
        struct vt_layout *l = NULL;

        if (vt_plan_dir_load(plan_dir, cli_field_flags, &h, &l, &err) < 0)
            return cli_fail("check", &err);
        vt_layout_free(l);
        vt_host_free(h);
    }
    /* What to read: the operands, or the plan directory. */
    char *plan_operand[1] = {(char *)plan_dir};
    char **operands = plan_dir ? plan_operand : argv + optind;
    int noperands = plan_dir ? 1 : argc - optind;

    if (noperands == 0 && !image_path)
        return cli_usage_error("check", "name a directory of tables or table files");
    if (noperands && image_path)
        return cli_usage_error("check", "--memory-image and table files are alternatives");
    for (int i = 0; i < noperands; i++) {
        struct stat st;

        if (stat(operands[i], &st) == 0 && S_ISDIR(st.st_mode) && noperands > 1)
            return cli_usage_error("check", "give one directory, or table files");
    }
    /* The explicit --cpuid and --e820 first: a directory's own come only
     * when these are not given. */
    if ((cpuid_path && vt_check_input_add_file(&in, VT_CHECK_FILE_CPUID, cpuid_path, &err) < 0) ||
        (e820_path && vt_check_input_add_file(&in, VT_CHECK_FILE_E820, e820_path, &err) < 0) ||
        (image_path && vt_check_input_add_file(&in, VT_CHECK_FILE_IMAGE, image_path, &err) < 0)) {
        rc = cli_fail("check", &err);
        goto out;
    }
    for (int i = 0; i < noperands; i++) {
        struct stat st;

        if ((stat(operands[i], &st) == 0 && S_ISDIR(st.st_mode)
                 ? vt_check_input_add_dir(&in, operands[i], &err)
                 : vt_check_input_add_file(&in, VT_CHECK_FILE_TABLE, operands[i], &err)) < 0) {
            /* A file that is no table may be a guest's memory dump. */
            if (err.code == -EINVAL && strstr(err.msg, ": not an SRAT, SLIT, MADT or HMAT"))
                snprintf(err.msg + strlen(err.msg), sizeof(err.msg) - strlen(err.msg),
                         "; a guest memory dump (pmemsave) goes with --memory-image");
            rc = cli_fail("check", &err);
            goto out;
        }
    }
    if (vt_check_run(&in, &c, &err) < 0) {
        rc = cli_fail("check", &err);
        goto out;
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
    vt_check_free(c);
    vt_check_input_release(&in);
    return rc;
}
