/* vtopo verify: plan a guest, boot a real Linux kernel under QEMU with the
 * plan's tables, and compare what the guest saw with the prediction
 * (docs/verify.md). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "verify_view.h"
#include "verify_guest.h"

#define BASE_KERNEL_PARAMS "console=ttyS0 nowatchdog tsc=reliable no_timer_check panic=-1"

void cmd_verify_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: vtopo verify [plan options | --plan DIR] [--kernel PATH] [--accel auto|tcg|kvm]\n"
        "                    [--numa acpi|native] [--madt] [--table FILE]... [--tables DIR] [--out "
        "DIR]\n"
        "                    [--timeout SECONDS] [--append PARAMS]\n"
        "                    [--hot-add DEVICE | --hot-remove BDF] [--irq-apply]\n"
        "                    [--isolcpus LIST] [--draw FILE] [--quiet]\n"
        "\n"
        "Plan a guest, write its tables, boot a real Linux kernel under QEMU with them,\n"
        "and compare what the guest saw (read by a probe in its initramfs) with the\n"
        "plan's prediction: Linux node numbering, CPUs per node, distances, the SRAT\n"
        "memory ranges, MemTotal per node, HMAT attributes, and every CPU's APIC ID,\n"
        "package, die, core and LLC, and every planned PCI device's guest address, node\n"
        "and local CPUs (emulated stand-ins for passed-through ones). The plan must use\n"
        "--apic sdm and --mem-layout qemu-q35 or qemu-pc (QEMU's).\n"
        "\n");
    cli_plan_usage_options(out);
    fprintf(out,
            "Guest:\n"
            "  --kernel PATH         the guest kernel (default: $VTOPO_KERNEL, else the Debian\n"
            "                        cloud kernel that scripts/fetch-guest-kernel.sh caches)\n"
            "  --accel A             auto (default: KVM when /dev/kvm works, else TCG), tcg\n"
            "                        or kvm\n"
            "  --numa native         QEMU builds the SRAT and SLIT from -numa options (the\n"
            "                        default, as for emit: verify tests what emit deploys)\n"
            "  --numa acpi           pass our SRAT, SLIT and HMAT with -acpitable (--madt\n"
            "                        and --table select it)\n"
            "  --madt                also pass our MADT (kernel parameter acpi_apic_instance=2)\n"
            "  --table FILE          boot with this table instead of the plan's (SRAT, SLIT,\n"
            "                        APIC or HMAT, by its signature); the prediction is then\n"
            "                        what 'vtopo check' says Linux does with the tables\n"
            "  --tables DIR          --table for each of srat.dat, slit.dat, madt.dat and\n"
            "                        hmat.dat in DIR (a plan directory's names)\n"
            "  --out DIR             keep the tables, initramfs, QEMU arguments and console\n"
            "                        log in DIR, a plan directory, as vtopo plan --out\n"
            "                        (--keep DIR is its older name)\n"
            "  --timeout SECONDS     give up on the guest after this long (default 300)\n"
            "  --append PARAMS       extra guest kernel parameters\n"
            "  --hot-add DEVICE      after the first probe, hot-add a device (as --device takes\n"
            "                        it) into a spare root port with QMP device_add, then\n"
            "                        compare the guest again with the plan that has it\n"
            "                        (vtopo plan --plan DIR --add-device)\n"
            "  --hot-remove BDF      the same with QMP device_del of the plan's device BDF\n"
            "  --irq-apply           after the first probe, run vtopo in the guest: irq plan,\n"
            "                        irq apply --yes (the probe reads every written vector\n"
            "                        back), irq restore (everything as it was); with\n"
            "                        --hot-remove, instead of the restore: the hot-remove,\n"
            "                        then irq plan --previous (nothing may move)\n"
            "  --isolcpus LIST       boot the guest with vtopo emit --isolcpus's parameters\n"
            "                        (isolcpus=managed_irq,domain,LIST irqaffinity=REST):\n"
            "                        each NVMe vector must fire where 'vtopo irq predict\n"
            "                        --isolcpus' says\n"
            "  --draw FILE           also write the predicted and the observed guest side by\n"
            "                        side as SVG, mismatches marked (vtopo draw)\n"
            "  --require-numa        also fail (exit 1) when the guest has fewer nodes than\n"
            "                        the plan, even where check predicted it (--table)\n"
            "  --json                the comparison as JSON: rows {item, predicted, guest,\n"
            "                        ok}, mismatches, planned and guest nodes, verdict\n"
            "  --mismatches-only     print only the rows that differ\n"
            "  -q, --quiet           no progress and no warnings\n"
            "  -h, --help            show this help\n"
            "\n"
            "Exit status: 0 the guest matches the prediction, 1 it does not, 2 bad usage or\n"
            "input, 3 the guest could not be booted (the reason and its log are printed).\n");
}

enum {
    OPT_KERNEL = OPT_PLAN_LAST + 1,
    OPT_ACCEL,
    OPT_VNUMA,
    OPT_VMADT,
    OPT_TABLE,
    OPT_TABLES,
    OPT_KEEP,
    OPT_OUT,
    OPT_TIMEOUT,
    OPT_APPEND,
    OPT_JSON,
    OPT_MISMATCHES,
    OPT_REQUIRE_NUMA,
    OPT_HOT_ADD,
    OPT_HOT_REMOVE,
    OPT_IRQ_APPLY,
    OPT_ISOLCPUS,
    OPT_DRAW,
};

enum accel { ACCEL_AUTO, ACCEL_TCG, ACCEL_KVM };

struct verify_opts {
    struct cli_host_opts ho;
    const char *kernel, *keep, *append;
    const char *keep_option; /* how the user named keep: --out or --keep */
    const char **tables;
    size_t ntables;
    struct vt_strlist table_paths; /* the paths --tables DIR adds to tables */
    enum accel accel;
    struct vt_qemu_opts qo;
    unsigned timeout;
    bool numa_given; /* --numa given: else native, or acpi for --madt, --table */
    bool require_numa;
    enum verify_style style;
    const char *hot_add, *hot_remove; /* --hot-add DEVICE, --hot-remove BDF */
    bool irq_apply;                   /* --irq-apply */
    /* --isolcpus LIST; once planned, the CPUs, the others (irqaffinity=) and
     * the kernel parameters (cli_isolcpus) */
    const char *isolcpus;
    const char *draw; /* --draw FILE */
    struct vt_bitmap *iso, *iso_rest;
    char *iso_params;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* One more --table FILE. */
static int add_table(struct verify_opts *o, const char *path)
{
    const char **t = realloc(o->tables, (o->ntables + 1) * sizeof(*t));

    if (!t) {
        cli_error("verify", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    o->tables = t;
    o->tables[o->ntables++] = path;
    return VT_EXIT_OK;
}

/* --tables DIR: each table file a plan directory has there, as --table. */
static int add_tables_dir(struct verify_opts *o, const char *dir)
{
    struct stat st;
    size_t found = 0;

    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return cli_usage_error("verify", "--tables %s: %s", dir,
                               errno == ENOENT ? "no such directory" : "not a directory");
    for (size_t f = VT_PLAN_FILE_FIRST_TABLE; f <= VT_PLAN_FILE_LAST_TABLE; f++) {
        char path[4096];
        struct vt_err err;
        int rc;

        if (cli_path(path, sizeof(path), dir, vt_layout_file_name(f), &err) < 0)
            return cli_fail("verify", &err);
        if (stat(path, &st) < 0)
            continue;
        if (vt_strlist_add(&o->table_paths, path) < 0) {
            cli_error("verify", "out of memory");
            return VT_EXIT_SYSTEM;
        }
        if ((rc = add_table(o, o->table_paths.items[o->table_paths.count - 1])) != VT_EXIT_OK)
            return rc;
        found++;
    }
    if (!found)
        return cli_usage_error("verify",
                               "--tables %s: no srat.dat, slit.dat, madt.dat or hmat.dat "
                               "there",
                               dir);
    return VT_EXIT_OK;
}

/* Copy the --table files over the plan's tables. */
static int apply_tables(const struct verify_opts *o, const char *dir, bool *madt,
                        struct vt_err *err)
{
    for (size_t i = 0; i < o->ntables; i++) {
        char *data = NULL, path[4096];
        const char *name;
        size_t len;
        int rc;

        if ((rc = vt_read_file(o->tables[i], VT_ACPI_TABLE_MAX, 0, &data, &len, err)) < 0)
            return rc;
        if (len > VT_QEMU_ACPITABLE_MAX) {
            free(data);
            return vt_err_set(err, -EINVAL,
                              "--table %s: %zu bytes, but QEMU's -acpitable takes at most %u",
                              o->tables[i], len, VT_QEMU_ACPITABLE_MAX);
        }
        if (len < 36 || !(name = vt_plan_file_of_table(data))) {
            free(data);
            return vt_err_set(err, -EINVAL,
                              "--table %s: not an ACPI SRAT, SLIT, APIC (MADT) or HMAT table "
                              "(the first 4 bytes are the signature)",
                              o->tables[i]);
        }
        *madt |= !strcmp(name, vt_layout_file_name(VT_PLAN_FILE_MADT));
        if ((rc = cli_path(path, sizeof(path), dir, name, err)) < 0 ||
            (rc = vt_write_file_atomic(path, data, len, err)) < 0) {
            free(data);
            return rc;
        }
        free(data);
    }
    return 0;
}

/* Read a table of the work directory (absent: NULL, 0). */
static int read_table(const char *dir, const char *name, char **data, size_t *len,
                      struct vt_err *err)
{
    char path[4096];
    int rc;

    *data = NULL;
    *len = 0;
    if ((rc = cli_path(path, sizeof(path), dir, name, err)) < 0)
        return rc;
    if (access(path, F_OK) != 0)
        return 0;
    return vt_read_file(path, VT_ACPI_TABLE_MAX, 0, data, len, err);
}

struct tables {
    char *srat, *slit, *madt, *hmat, *e820;
    size_t srat_len, slit_len, madt_len, hmat_len, e820_len;
};

static void tables_free(struct tables *t)
{
    free(t->srat);
    free(t->slit);
    free(t->madt);
    free(t->hmat);
    free(t->e820);
}

static int read_tables(const char *dir, bool with_madt, bool with_hmat, struct tables *t,
                       struct vt_err *err)
{
    int rc;

    memset(t, 0, sizeof(*t));
    if ((rc = read_table(dir, vt_layout_file_name(VT_PLAN_FILE_SRAT), &t->srat, &t->srat_len,
                         err)) < 0 ||
        (rc = read_table(dir, vt_layout_file_name(VT_PLAN_FILE_SLIT), &t->slit, &t->slit_len,
                         err)) < 0 ||
        (with_madt && (rc = read_table(dir, vt_layout_file_name(VT_PLAN_FILE_MADT), &t->madt,
                                       &t->madt_len, err)) < 0) ||
        (with_hmat && (rc = read_table(dir, vt_layout_file_name(VT_PLAN_FILE_HMAT), &t->hmat,
                                       &t->hmat_len, err)) < 0) ||
        (rc = read_table(dir, vt_layout_file_name(VT_PLAN_FILE_E820), &t->e820, &t->e820_len,
                         err)) < 0)
        tables_free(t);
    return rc;
}

/* `vtopo check` of the tables the guest gets; prints its findings. */
static int run_check(const struct tables *t, bool quiet, struct vt_check **out, struct vt_err *err)
{
    struct vt_check_input in = {
        .srat = (const uint8_t *)t->srat,
        .srat_len = t->srat_len,
        .srat_name = vt_layout_file_name(VT_PLAN_FILE_SRAT),
        .slit = (const uint8_t *)t->slit,
        .slit_len = t->slit_len,
        .slit_name = vt_layout_file_name(VT_PLAN_FILE_SLIT),
        .madt = (const uint8_t *)t->madt,
        .madt_len = t->madt_len,
        .madt_name = vt_layout_file_name(VT_PLAN_FILE_MADT),
        .hmat = (const uint8_t *)t->hmat,
        .hmat_len = t->hmat_len,
        .hmat_name = vt_layout_file_name(VT_PLAN_FILE_HMAT),
        .e820_text = t->e820,
        .e820_name = vt_layout_file_name(VT_PLAN_FILE_E820),
    };
    int rc = vt_check_run(&in, out, err);

    if (rc < 0 || quiet)
        return rc;
    for (size_t i = 0; i < vt_check_finding_count(*out); i++) {
        const struct vt_finding *f = vt_check_finding(*out, i);

        if (f->severity == VT_SEV_NOTE)
            continue;
        printf("check: %s: %s: %s\n", vt_severity_name(f->severity), f->rule, f->message);
    }
    return 0;
}

static bool kvm_usable(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* The QEMU command line: the plan's arguments, then the boot ones. */
static int qemu_argv(const struct vt_layout *l, const struct verify_opts *o,
                     const struct verify_assets *a, const char *initrd, const char *qmp, bool tcg,
                     struct vt_strlist *argv, struct vt_err *err)
{
    struct vt_strlist args = {0};
    char *params = NULL;
    int rc;

    if ((rc = vt_emit_qemu(l, &o->qo, &args, NULL, err)) < 0)
        return rc;
    if ((rc = vt_emit_qemu_kernel_params(l, &o->qo, tcg, &params, err)) < 0) {
        vt_strlist_free(&args);
        return rc;
    }
    memset(argv, 0, sizeof(*argv));
    if (vt_strlist_add(argv, a->qemu) < 0)
        goto oom;
    for (size_t i = 0; i < args.count; i++)
        if (vt_strlist_add(argv, args.items[i]) < 0)
            goto oom;
    {
        char *append = NULL;
        const char *boot[] = {"-accel",      tcg ? "tcg,thread=single" : "kvm",
                              "-nodefaults", "-display",
                              "none",        "-serial",
                              "stdio",       "-monitor",
                              "none",        "-no-reboot",
                              "-kernel",     a->kernel,
                              "-initrd",     initrd,
                              "-append",     NULL};

        if (asprintf(&append, "%s%s%s%s%s%s%s%s%s", BASE_KERNEL_PARAMS, *params ? " " : "", params,
                     o->iso_params ? " " : "", o->iso_params ? o->iso_params : "",
                     qmp ? " vtopo.hotplug" : "", o->irq_apply ? " vtopo.irq" : "",
                     o->append ? " " : "", o->append ? o->append : "") < 0)
            goto oom;
        if (qmp) {
            char *sock = NULL;

            if (asprintf(&sock, "unix:%s,server=on,wait=off", qmp) < 0 ||
                vt_strlist_add(argv, "-qmp") < 0 || vt_strlist_add(argv, sock) < 0) {
                free(sock);
                free(append);
                goto oom;
            }
            free(sock);
        }
        boot[sizeof(boot) / sizeof(boot[0]) - 1] = append;
        for (size_t i = 0; i < sizeof(boot) / sizeof(boot[0]); i++)
            if (vt_strlist_add(argv, boot[i]) < 0) {
                free(append);
                goto oom;
            }
        free(append);
    }
    free(params);
    vt_strlist_free(&args);
    return 0;
oom:
    free(params);
    vt_strlist_free(&args);
    vt_strlist_free(argv);
    return vt_err_set(err, -ENOMEM, "out of memory");
}

static void save_text(const char *dir, const char *name, const char *text, size_t len)
{
    char path[4096];
    struct vt_err err;

    if (cli_path(path, sizeof(path), dir, name, &err) == 0)
        vt_write_file_atomic(path, text, len, &err);
}

/* qemu.args, one argument per line, naming the files where they end up:
 * the --keep directory (shown), not the work directory (dir) that becomes it
 * at the end. */
static void save_argv(const char *dir, const char *shown, const struct vt_strlist *argv)
{
    size_t dlen = strlen(dir), len = 0;
    char *text = NULL;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return;
    for (size_t i = 0; i < argv->count; i++) {
        const char *arg = argv->items[i], *at;

        while ((at = strstr(arg, dir))) {
            fprintf(f, "%.*s%s", (int)(at - arg), arg, shown);
            arg = at + dlen;
        }
        fprintf(f, "%s\n", arg);
    }
    fclose(f);
    save_text(dir, "qemu.args", text, len);
    free(text);
}

static void print_guest_log(const char *console)
{
    const char *p = console;

    fprintf(stderr, "vtopo verify: guest log:\n");
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);

        cli_line(stderr, "guest| %.*s", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

/* The last non-empty line of text, without its newline (in place). */
static const char *last_line(char *text)
{
    size_t n = strlen(text);
    char *nl;

    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    nl = strrchr(text, '\n');
    return nl ? nl + 1 : text;
}

/* Boot, falling back from KVM to TCG when KVM does not work. */
static int boot(const struct vt_layout *l, const struct verify_opts *o,
                const struct verify_assets *a, const char *dir, const char *initrd,
                const struct verify_hook *hook, const char *qmp, struct verify_boot *b, bool *tcg,
                struct vt_err *err)
{
    bool try_kvm = o->accel == ACCEL_KVM || (o->accel == ACCEL_AUTO && kvm_usable());
    struct vt_strlist argv = {0};
    int rc;

    *tcg = !try_kvm;
    for (;;) {
        if ((rc = qemu_argv(l, o, a, initrd, qmp, *tcg, &argv, err)) < 0)
            return rc;
        if (vt_strlist_add(&argv, NULL) < 0) {
            vt_strlist_free(&argv);
            return vt_err_set(err, -ENOMEM, "out of memory");
        }
        argv.count--; /* the NULL terminator stays in the array */
        save_argv(dir, o->keep ? o->keep : dir, &argv);
        rc = verify_boot_run(argv.items, o->timeout, *tcg || o->accel == ACCEL_KVM ? 0 : 30,
                             o->ho.quiet, hook, b, err);
        vt_strlist_free(&argv);
        if (rc < 0)
            return rc;
        if (*tcg || o->accel == ACCEL_KVM || b->status == VERIFY_BOOT_DONE)
            return 0;
        if (!o->ho.quiet)
            cli_line(stderr,
                     "vtopo verify: KVM did not boot the guest (%s%s%.*s); falling back "
                     "to TCG",
                     b->status == VERIFY_BOOT_TIMEOUT ? "no output" : "QEMU failed",
                     *last_line(b->console) ? ": " : "", 200, last_line(b->console));
        verify_boot_free(b);
        *tcg = true;
    }
}

static int parse_args(int argc, char **argv, struct vt_request *r, struct verify_opts *o)
{
    static const struct option longopts[] = {
        CLI_HOST_LONG_OPTIONS,
        CLI_PLAN_LONG_OPTIONS,
        {"kernel", required_argument, NULL, OPT_KERNEL},
        {"accel", required_argument, NULL, OPT_ACCEL},
        {"numa", required_argument, NULL, OPT_VNUMA},
        {"madt", no_argument, NULL, OPT_VMADT},
        {"table", required_argument, NULL, OPT_TABLE},
        {"tables", required_argument, NULL, OPT_TABLES},
        {"keep", required_argument, NULL, OPT_KEEP},
        {"out", required_argument, NULL, OPT_OUT}, /* plan's name for "write a directory" */
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"append", required_argument, NULL, OPT_APPEND},
        {"json", no_argument, NULL, OPT_JSON},
        {"mismatches-only", no_argument, NULL, OPT_MISMATCHES},
        {"require-numa", no_argument, NULL, OPT_REQUIRE_NUMA},
        {"hot-add", required_argument, NULL, OPT_HOT_ADD},
        {"hot-remove", required_argument, NULL, OPT_HOT_REMOVE},
        {"irq-apply", no_argument, NULL, OPT_IRQ_APPLY},
        {"isolcpus", required_argument, NULL, OPT_ISOLCPUS},
        {"draw", required_argument, NULL, OPT_DRAW},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int rc = VT_EXIT_OK;
    int opt;

    opterr = 0;
    optind = 1;
    while ((opt = cli_plan_getopt("verify", argc, argv, longopts, &o->ho, r, &rc)) != -1) {
        if (opt == CLI_OPT_FAILED)
            return rc;
        switch (opt) {
        case OPT_KERNEL:
            o->kernel = optarg;
            break;
        case OPT_ACCEL:
            if (!strcmp(optarg, "auto"))
                o->accel = ACCEL_AUTO;
            else if (!strcmp(optarg, "tcg"))
                o->accel = ACCEL_TCG;
            else if (!strcmp(optarg, "kvm"))
                o->accel = ACCEL_KVM;
            else
                return cli_usage_error("verify", "--accel %s: must be auto, tcg or kvm", optarg);
            break;
        case OPT_VNUMA:
            if (!strcmp(optarg, "acpi"))
                o->qo.numa = VT_QEMU_NUMA_ACPI, o->numa_given = true;
            else if (!strcmp(optarg, "native"))
                o->qo.numa = VT_QEMU_NUMA_NATIVE, o->numa_given = true;
            else
                return cli_usage_error("verify", "--numa %s: must be acpi or native", optarg);
            break;
        case OPT_VMADT:
            o->qo.madt = true;
            break;
        case OPT_TABLE:
            if ((rc = add_table(o, optarg)) != VT_EXIT_OK)
                return rc;
            break;
        case OPT_TABLES:
            if ((rc = add_tables_dir(o, optarg)) != VT_EXIT_OK)
                return rc;
            break;
        case OPT_KEEP:
        case OPT_OUT:
            o->keep = optarg;
            o->keep_option = opt == OPT_OUT ? "--out" : "--keep";
            break;
        case OPT_TIMEOUT:
            if (cli_parse_uint(optarg, 86400, &o->timeout) < 0)
                return cli_usage_error("verify",
                                       "--timeout %s: must be a number of seconds "
                                       "from 1 to 86400",
                                       optarg);
            break;
        case OPT_JSON:
            o->style = VERIFY_JSON;
            break;
        case OPT_MISMATCHES:
            o->style = VERIFY_MISMATCHES;
            break;
        case OPT_HOT_ADD:
        case OPT_HOT_REMOVE:
            if (o->hot_add || o->hot_remove)
                return cli_usage_error("verify",
                                       "--hot-add and --hot-remove: one device at a time");
            *(opt == OPT_HOT_ADD ? &o->hot_add : &o->hot_remove) = optarg;
            break;
        case OPT_REQUIRE_NUMA:
            o->require_numa = true;
            break;
        case OPT_IRQ_APPLY:
            o->irq_apply = true;
            break;
        case OPT_ISOLCPUS:
            o->isolcpus = optarg;
            break;
        case OPT_DRAW:
            o->draw = optarg;
            break;
        case OPT_APPEND:
            o->append = optarg;
            break;
        case 'q':
            o->ho.quiet = true;
            break;
        case 'h':
            cmd_verify_usage(stdout);
            return -1;
        default:
            return cli_bad_option("verify", opt, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("verify", "unexpected argument '%s'", argv[optind]);
    if (o->irq_apply && o->hot_add)
        return cli_usage_error("verify", "--irq-apply goes with --hot-remove, not --hot-add");
    /* One default with emit: QEMU's own tables (native); our MADT or a
     * table of the user's can only go with ours, so they select acpi. */
    if (!o->numa_given && (o->qo.madt || o->ntables))
        o->qo.numa = VT_QEMU_NUMA_ACPI;
    if (o->qo.numa == VT_QEMU_NUMA_NATIVE && (o->qo.madt || o->ntables))
        return cli_usage_error("verify", "--madt and --table go with --numa acpi (QEMU builds "
                                         "the tables itself with --numa native)");
    return VT_EXIT_OK;
}

/* What a --keep directory holds: the plan's files and verify's own, in
 * names (room for KEEP_FILES_MAX and the NULL). */
#define KEEP_FILES_MAX 16
static void keep_names(const char **names)
{
    static const char *const own[] = {"initramfs.cpio", "qemu.args", "console.log", NULL};
    size_t n = 0;

    for (const char *name; (name = vt_layout_file_name(n)); n++)
        names[n] = name;
    for (size_t i = 0; own[i]; i++)
        names[n++] = own[i];
    names[n] = NULL;
}
_Static_assert(KEEP_FILES_MAX >= VT_PLAN_FILE_COUNT + 3, "the plan's files and verify's three");

/* The work directory: with --keep DIR, the new set that replaces DIR as a
 * whole at the end (keep); else a temporary directory. */
static int work_dir(const struct verify_opts *o, struct vt_dirset *keep, const char **names,
                    char *dir, size_t size, struct vt_err *err)
{
    int rc;

    if (o->keep) {
        keep_names(names);
        if ((rc = vt_dirset_begin(keep, o->keep, names, err)) < 0) {
            vt_err_prefix(err, "%s: ", o->keep_option);
            return rc;
        }
        snprintf(dir, size, "%s", keep->tmp);
        return 0;
    }
    snprintf(dir, size, "%s/vtopo-verify.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return vt_err_set(err, -errno, "cannot create a directory in %s: %s",
                          getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", strerror(errno));
    return 0;
}

/* What the guest should report: from the plan, or with --table from what
 * check says Linux does with the tables (which it reads from dir). */
static int predict(const struct verify_opts *o, const struct verify_opts *opts,
                   const struct vt_layout *l, struct tables *t, struct vt_check **check,
                   struct vt_guest_view *want, struct vt_err *err)
{
    const char *dir = opts->qo.tables_dir;
    int rc;

    if ((rc = read_tables(dir, opts->qo.madt, opts->qo.hmat, t, err)) < 0 ||
        (rc = run_check(t, o->ho.quiet, check, err)) < 0)
        return rc;
    return o->ntables ? vt_guest_view_of_check(*check, (const uint8_t *)t->slit, t->slit_len,
                                               vt_layout_memory(l), want, err)
                      : vt_guest_view_of_layout(l, opts->qo.hmat ? (const uint8_t *)t->hmat : NULL,
                                                t->hmat_len, opts->qo.numa == VT_QEMU_NUMA_NATIVE,
                                                want, err);
}

/* The nodes Linux would have made of the plan itself: what --require-numa
 * holds the guest to, whatever check predicted for --table overrides. */
static size_t planned_nodes(const struct vt_layout *l)
{
    struct vt_guest_view plan = {0};
    size_t n = 0;

    if (vt_guest_view_of_layout(l, NULL, 0, false, &plan, NULL) == 0)
        n = plan.nnodes;
    vt_guest_view_free(&plan);
    return n;
}

/* What the guest reported against the prediction, the timings and the
 * verdict on stdout (a table, its mismatches only, or JSON); the exit
 * status. */
/* A hot-plug during the boot: what it did, and the plan and view after it. */
struct hotplug {
    char what[128]; /* "the hot-add of 0000:3b:00.0" */
    const struct vt_layout *after;
    struct vt_guest_view want; /* the prediction after it */
    char qmp_socket[4200];
    struct vt_strlist qmp;
};

static int hotplug_now(void *ctx, struct vt_err *err)
{
    const struct hotplug *hp = ctx;

    return verify_qmp(hp->qmp_socket, &hp->qmp, err);
}

/* --draw FILE's directory exists and takes files: refused before the
 * boot, not after it. */
static int draw_dir_ok(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    struct stat st;

    if (!*path || (slash && !slash[1]))
        return cli_usage_error("verify", "--draw '%s': not a file name", path);
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + (slash == path)) : 1,
             slash ? path : ".");
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return cli_usage_error("verify", "--draw %s: the directory %s does not exist", path, dir);
    if (access(dir, W_OK) < 0)
        return cli_usage_error("verify", "--draw %s: the directory %s is not writable", path, dir);
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return cli_usage_error("verify", "--draw %s: it exists and is not a regular file", path);
    return VT_EXIT_OK;
}

/* --draw FILE: the kept rows and both views as SVG, written whole. */
static int draw_comparison(const char *path, const struct vt_guest_view *want,
                           const struct vt_guest_view *got)
{
    size_t n;
    bool oom;
    const struct vt_draw_row *rows = verify_rows(&n, &oom);
    char *svg = NULL;
    struct vt_err err;
    int rc = VT_EXIT_OK;

    if (oom) {
        cli_error("verify", "out of memory");
        rc = VT_EXIT_SYSTEM;
    } else if (vt_draw_guests(want, got, rows, n, &svg, &err) < 0 ||
               vt_write_file_atomic(path, svg, strlen(svg), &err) < 0) {
        rc = cli_fail("verify", &err);
    }
    free(svg);
    verify_rows_free();
    return rc;
}

/* The console after the first probe's end, or NULL. */
static const char *second_probe(const char *console)
{
    const char *p = strstr(console, "VTP end");

    return p ? p + strcspn(p, "\n") : NULL;
}

/* Parse the console's n probes into views[0..n-1], each up to its "VTP
 * end", the last to the console's end; those that never ran stay empty (not
 * complete: every row against them is a mismatch). */
static int split_probes(char *console, struct vt_guest_view *views, size_t n, struct vt_err *err)
{
    char *p = console;

    for (size_t i = 0; i < n && p && *p; i++) {
        char *end = i + 1 < n ? strstr(p, "VTP end") : NULL, saved = 0;
        int rc;

        if (end) {
            end += strcspn(end, "\n");
            saved = *end;
            *end = '\0';
        }
        rc = verify_parse_console(p, &views[i], err);
        if (end)
            *end = saved;
        if (rc < 0)
            return rc;
        p = end;
    }
    return 0;
}

static int report(const struct verify_opts *o, const struct verify_opts *opts,
                  const struct vt_layout *l, const struct vt_guest_view *want,
                  const struct verify_boot *b, bool tcg, double t_plan, double t_prep,
                  size_t initrd_size, const struct hotplug *hp)
{
    struct vt_guest_view views[3] = {{0}}, *got = &views[0], *applied, *after, *restored;
    const char *tail = second_probe(b->console);
    double t0 = now_ms(), t_cmp;
    size_t mismatches, planned = planned_nodes(l);
    bool json = o->style == VERIFY_JSON, numa_lost;
    struct vt_err err;
    const char *verdict;
    int rc, draw_rc;

    /* The probes, in console order: the first; after a hot-plug, the one
     * after it; with --irq-apply, the one after the apply, then the one after
     * the restore or (with --hot-remove) after the hot-plug. */
    if ((rc = split_probes(b->console, views, 1 + (o->irq_apply ? 2 : !!hp), &err)) < 0) {
        for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
            vt_guest_view_free(&views[i]);
        return cli_fail("verify", &err);
    }
    applied = o->irq_apply ? &views[1] : NULL;
    after = hp ? &views[o->irq_apply ? 2 : 1] : NULL;
    restored = o->irq_apply && !hp ? &views[2] : NULL;
    if (json) {
        printf("{\n  \"format\": \"vtopo-verify\",\n  \"vcpus\": %zu,\n  \"memory_bytes\": %" PRIu64
               ",\n  \"vnodes\": %zu,\n  \"accel\": \"%s\",\n  \"tables\": \"%s\",\n"
               "  \"prediction\": \"%s\",\n  \"rows\": [",
               vt_layout_vcpu_count(l), vt_layout_memory(l), vt_layout_vnode_count(l),
               tcg ? "tcg" : "kvm", opts->qo.numa == VT_QEMU_NUMA_ACPI ? "ours" : "qemu",
               o->ntables ? "check" : "plan");
    } else {
        printf("verify: %zu vCPU%s, %" PRIu64 " MiB, %zu vnode%s; QEMU %s, %s tables%s%s\n",
               vt_layout_vcpu_count(l), cli_s(vt_layout_vcpu_count(l)), vt_layout_memory(l) >> 20,
               vt_layout_vnode_count(l), cli_s(vt_layout_vnode_count(l)), tcg ? "TCG" : "KVM",
               opts->qo.numa == VT_QEMU_NUMA_ACPI ? "our" : "QEMU's",
               opts->qo.madt ? " incl. our MADT" : "", o->ntables ? " with --table overrides" : "");
        printf("prediction: %s\n",
               o->ntables ? "what 'vtopo check' says Linux does with the tables" : "the plan");
    }
    if (o->draw)
        verify_rows_keep();
    mismatches = verify_compare(want, got, vt_layout_memory(l), o->style, stdout);
    if (got->complete && !o->ntables)
        mismatches += verify_compare_irqs(l, got, opts->iso, opts->iso_rest, o->style, stdout);
    if (o->irq_apply)
        mismatches +=
            verify_compare_irq_apply(tail ? tail : "", got, applied, restored, o->style, stdout);
    if (hp) {
        if (o->style != VERIFY_JSON)
            printf("after %s (QMP%s%s):\n", hp->what, b->hook_failed ? " failed: " : "",
                   b->hook_failed ? b->hook_err.msg : "");
        mismatches +=
            verify_compare_more(&hp->want, after, vt_layout_memory(l), o->style, "after:", stdout);
        if (o->irq_apply)
            mismatches +=
                verify_compare_irq_replan(tail ? tail : "", applied, after, o->style, stdout);
        if (b->hook_failed)
            mismatches++;
    }
    t_cmp = now_ms() - t0;
    /* A picture that cannot be written is said, and the verdict still is. */
    draw_rc = o->draw ? draw_comparison(o->draw, want, got) : VT_EXIT_OK;
    numa_lost = o->require_numa && got->complete && got->nnodes < planned;
    verdict = mismatches ? "mismatch" : numa_lost ? "numa lost" : "match";
    if (json) {
        printf("%s],\n  \"mismatches\": %zu,\n  \"planned_nodes\": %zu,\n  \"guest_nodes\": "
               "%zu,\n  \"timed_out\": %s,\n  \"boot_seconds\": %.2f,\n  \"verdict\": \"%s\"\n}\n",
               "\n  ", mismatches, planned, got->nnodes,
               b->status == VERIFY_BOOT_TIMEOUT ? "true" : "false", b->seconds, verdict);
    } else {
        if (b->status == VERIFY_BOOT_TIMEOUT)
            printf("guest: timed out after %u s\n", o->timeout);
        if (got->panic_line)
            cli_line(stdout, "guest: %s", got->panic_line);
        printf("time: plan %.1f ms, tables+initramfs %.1f ms (%zu KiB), boot %.2f s, compare "
               "%.1f ms; outside the boot %.2f%%\n",
               t_plan, t_prep, initrd_size >> 10, b->seconds, t_cmp,
               100.0 * (t_plan + t_prep + t_cmp) / (t_plan + t_prep + t_cmp + b->seconds * 1e3));
        if (mismatches)
            printf("verdict: MISMATCH (%zu)\n", mismatches);
        else if (numa_lost)
            printf("verdict: the guest has %zu node%s where the plan has %zu (--require-numa), "
                   "though it matches the %s\n",
                   got->nnodes, cli_s(got->nnodes), planned,
                   o->ntables ? "check's prediction" : "plan");
        else
            printf("verdict: the guest matches the %s\n",
                   o->ntables ? "check's prediction" : "plan");
    }
    if (mismatches && !o->ho.quiet && !json)
        print_guest_log(b->console);
    rc = draw_rc != VT_EXIT_OK ? draw_rc : mismatches || numa_lost ? VT_EXIT_PROBLEMS : VT_EXIT_OK;
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
        vt_guest_view_free(&views[i]);
    return rc;
}

/* --hot-add/--hot-remove: the plan after it, its prediction and the QMP
 * commands (for the boot's QEMU: stand-ins as the boot has them). */
static int hotplug_prepare(const struct verify_opts *o, const struct vt_host *h,
                           const struct vt_layout *l, struct hotplug *hp)
{
    struct vt_layout *after = NULL;
    const char *bdf;
    struct vt_err err;
    int rc;

    if (o->ntables || o->qo.numa != VT_QEMU_NUMA_NATIVE)
        return cli_usage_error("verify",
                               "%s goes with --numa native and no --table (a device's "
                               "node needs QEMU's own -numa nodes)",
                               o->hot_add ? "--hot-add" : "--hot-remove");
    if ((rc = cli_replan_device("verify", h, l, o->hot_add, o->hot_remove, o->ho.quiet, &after)) !=
        VT_EXIT_OK)
        return rc;
    hp->after = after;
    bdf = o->hot_add ? vt_layout_device(after, vt_layout_device_count(after) - 1)->host_bdf
                     : o->hot_remove;
    snprintf(hp->what, sizeof(hp->what), "the hot-%s of %s", o->hot_add ? "add" : "remove", bdf);
    if (vt_emit_qemu_hotplug(o->hot_add ? after : l, &o->qo, bdf, o->hot_add != NULL, &hp->qmp,
                             &err) < 0 ||
        vt_guest_view_of_layout(after, NULL, 0, true, &hp->want, &err) < 0)
        return cli_fail("verify", &err);
    return VT_EXIT_OK;
}

static int run(const struct verify_opts *o, struct vt_request *r)
{
    struct vt_host *h = NULL;
    struct vt_layout *l = NULL;
    struct verify_assets a = {0};
    struct verify_boot b = {0};
    struct vt_check *check = NULL;
    struct vt_guest_view want = {0};
    struct tables t = {0};
    char dir[4096] = "", initrd[4200];
    double t0 = now_ms(), t_plan, t_prep;
    size_t initrd_size = 0;
    bool tcg = false, madt = o->qo.madt, made_dir = false, keeping = false, deferred = false;
    struct vt_dirset keep;
    const char *keep_files[KEEP_FILES_MAX + 1];
    struct verify_opts opts = *o;
    struct hotplug hp = {0};
    struct verify_hook hook = {o->irq_apply ? "VTP irq applied" : "VTP end", "hot-plugging",
                               hotplug_now, &hp};
    struct vt_err err;
    int rc;

    if (o->draw && (rc = draw_dir_ok(o->draw)) != VT_EXIT_OK)
        goto out;
    if ((rc = cli_plan_layout("verify", &o->ho, r, &h, &l)) != VT_EXIT_OK)
        goto out;
    if (o->isolcpus && (rc = cli_isolcpus("verify", o->isolcpus, l, NULL, &opts.iso, &opts.iso_rest,
                                          &opts.iso_params)) != VT_EXIT_OK)
        goto out;
    if ((o->hot_add || o->hot_remove) && (rc = hotplug_prepare(o, h, l, &hp)) != VT_EXIT_OK)
        goto out;
    /* From here files are made: a termination signal stops the boot, the
     * files are cleaned up or kept whole, and then it acts. */
    cli_defer_signals();
    deferred = true;
    t_plan = now_ms() - t0;
    t0 = now_ms();
    /* Refuse what QEMU cannot build before any work. */
    {
        struct vt_strlist args = {0};

        if (vt_emit_qemu(l, &o->qo, &args, NULL, &err) < 0) {
            rc = cli_fail("verify", &err);
            goto out;
        }
        vt_strlist_free(&args);
    }
    if (verify_find_assets(o->kernel, o->irq_apply, &a, &err) < 0) {
        cli_error("verify", "%s", err.msg);
        rc = err.code == -EINVAL ? VT_EXIT_USAGE : VT_EXIT_SYSTEM; /* a bad --kernel */
        goto out;
    }
    if (work_dir(o, &keep, keep_files, dir, sizeof(dir), &err) < 0) {
        rc = cli_fail("verify", &err);
        goto out;
    }
    made_dir = !o->keep;
    if (vt_layout_write_files(l, h, dir, &err) < 0 || apply_tables(o, dir, &madt, &err) < 0) {
        rc = cli_fail("verify", &err);
        if (o->keep)
            vt_dirset_abort(&keep);
        goto out;
    }
    keeping = o->keep != NULL;
    opts.qo.madt = madt;
    opts.qo.hmat = opts.qo.numa == VT_QEMU_NUMA_ACPI;
    opts.qo.tables_dir = dir;
    if (predict(o, &opts, l, &t, &check, &want, &err) < 0) {
        rc = cli_fail("verify", &err);
        goto out;
    }
    snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio", dir);
    if (verify_write_initramfs(&a, initrd, &initrd_size, &err) < 0) {
        rc = cli_fail("verify", &err);
        goto out;
    }
    t_prep = now_ms() - t0;
    if (hp.after && cli_path(hp.qmp_socket, sizeof(hp.qmp_socket), dir, "qmp.sock", &err) < 0) {
        rc = cli_fail("verify", &err);
        goto out;
    }
    if (boot(l, &opts, &a, dir, initrd, hp.after ? &hook : NULL, hp.after ? hp.qmp_socket : NULL,
             &b, &tcg, &err) < 0) {
        rc = cli_fail("verify", &err);
        goto out;
    }
    save_text(dir, "console.log", b.console, b.console_len);
    if (b.status == VERIFY_BOOT_FAILED) {
        print_guest_log(b.console);
        cli_error("verify", "QEMU could not boot the guest (exit status %d, %s)", b.exit_code,
                  b.kernel_started ? "after the kernel started" : "before the kernel started");
        rc = VT_EXIT_SYSTEM;
        if (o->draw) { /* the prediction against a guest that reported nothing */
            struct vt_guest_view none = {0};

            draw_comparison(o->draw, &want, &none);
        }
        goto out;
    }
    rc = report(o, &opts, l, &want, &b, tcg, t_plan, t_prep, initrd_size, hp.after ? &hp : NULL);
out:
    /* What was made is kept, whatever the verdict: it is for looking into. */
    if (keeping) {
        if (vt_dirset_commit(&keep, &err) < 0) {
            vt_dirset_abort(&keep);
            rc = cli_fail("verify", &err);
        } else if (!o->ho.quiet) {
            cli_line(stderr,
                     "vtopo verify: kept %s (the plan's files, initramfs.cpio, "
                     "qemu.args, console.log)",
                     o->keep);
        }
    }
    if (made_dir)
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    vt_bitmap_free(opts.iso);
    vt_bitmap_free(opts.iso_rest);
    free(opts.iso_params);
    vt_guest_view_free(&want);
    vt_guest_view_free(&hp.want);
    vt_strlist_free(&hp.qmp);
    vt_layout_free((struct vt_layout *)hp.after);
    vt_check_free(check);
    tables_free(&t);
    verify_boot_free(&b);
    verify_assets_free(&a);
    vt_layout_free(l);
    vt_host_free(h);
    if (deferred)
        cli_end_deferral();
    return rc;
}

int cmd_verify(int argc, char **argv)
{
    struct verify_opts o = {.timeout = 300,
                            .qo = {.numa = VT_QEMU_NUMA_NATIVE, .device_stand_ins = true}};
    struct vt_request *r = cli_request_new();
    int rc;

    if (!r) {
        cli_error("verify", "out of memory");
        return VT_EXIT_SYSTEM;
    }
    rc = parse_args(argc, argv, r, &o);
    /* QEMU's memory map by default, as for emit qemu. */
    if (rc == VT_EXIT_OK && !o.ho.plan_dir && !cli_plan_given(&o.ho, OPT_MEM_LAYOUT)) {
        struct vt_err err;

        if (vt_request_set_mem_layout(r, VT_MEM_QEMU_Q35, NULL, &err) < 0)
            rc = cli_fail("verify", &err);
    }
    if (rc == VT_EXIT_OK)
        rc = run(&o, r);
    else if (rc < 0)
        rc = VT_EXIT_OK; /* --help */
    free(o.tables);
    vt_strlist_free(&o.table_paths);
    vt_request_free(r);
    return rc;
}
